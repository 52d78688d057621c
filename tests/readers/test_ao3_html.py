from __future__ import annotations

import pytest

from bot.readers import Paragraph, StoryReadError, read_bytes, read_path
from bot.readers.ao3_html import read_ao3_html
from tests.readers.helpers import FIXTURES


def test_tiny_download_metadata() -> None:
    story = read_path(FIXTURES / "tiny-ao3.html")
    assert story.format == "ao3-html"
    assert story.title == "Red String"
    assert story.authors == ["paperwing", "inkblot"]  # not "someone" (translation credit)
    assert story.rating_label == "Mature"
    assert story.archive_warning_labels == [
        "Major Character Death",
        "Graphic Depictions Of Violence",
    ]
    assert story.categories == ["M/M", "Gen"]
    assert story.fandoms == ["Boku no Hero Academia"]
    assert story.relationships == ["Bakugou Katsuki/Midoriya Izuku"]
    assert story.characters == ["Midoriya Izuku", "Bakugou Katsuki"]
    assert story.additional_tags == ["Soulmates", "Red String of Fate", "Hurt/Comfort"]
    assert story.language == "es"
    assert story.series == ["Threads"]
    assert story.url == "http://archiveofourown.org/works/1234567"
    assert story.declared_words == 212
    assert story.chapters_posted_of_total == "Chapters: 2/3"
    assert "archive_warnings" in story.declared_at


def test_tiny_download_text_summary_and_notes() -> None:
    story = read_path(FIXTURES / "tiny-ao3.html")
    assert [(c.number, c.title) for c in story.chapters] == [(1, "The Thread"), (2, "Knots")]
    first = story.chapters[0].paragraphs
    assert first[0].line == 1
    assert first[0].text.startswith("Izuku woke")
    # the empty <p>, the <hr> and the "* * *" divider are no text; "* * *" keeps its index
    assert first[1] == Paragraph(
        "He followed it anyway, because he was Izuku, and because the thread\ntugged.", 3
    )
    assert first[2].text == "A line directly inside a div."
    all_text = " ".join(p.text for c in story.chapters for p in c.paragraphs)
    assert "Chapter Text" not in all_text
    assert "tracking" not in all_text
    assert [p.text for p in story.chapters[1].paragraphs][-2:] == [
        "One knot for every year.",
        "One more for luck.",
    ]
    assert [p.text for p in story.summary] == [
        "The string was red.\nIt was always red.",
        "Warnings: self-harm.",
    ]
    assert [p.text for p in story.notes] == [
        "Beta by a friend.",
        "Izuku finds the thread.",
        "First chapter notes.",
        "Thanks for reading chapter one.",
        "Work end notes here.",
    ]


def test_one_shot_takes_the_work_title() -> None:
    html = (
        '<html><body><div id="preface"><div class="meta"><h1>Lone</h1>'
        '<div class="byline">by Anonymous</div></div></div>'
        '<div id="chapters" class="userstuff"><h2 class="toc-heading">Lone</h2>'
        '<div class="userstuff"><p>Only text.</p></div></div></body></html>'
    )
    story = read_ao3_html(html, "Fallback")
    assert story.title == "Lone"
    assert story.authors == ["Anonymous"]
    assert [(c.number, c.title, [p.text for p in c.paragraphs]) for c in story.chapters] == [
        (1, "Lone", ["Only text."])
    ]


def test_html_that_is_not_ao3_is_refused() -> None:
    with pytest.raises(StoryReadError, match="not an AO3 work download"):
        read_bytes(b"<!DOCTYPE html><html><body><p>Hello</p></body></html>", "page.html")


def test_deeply_nested_markup_does_not_overflow() -> None:
    html = (
        '<html><body><div id="preface"><h1>Deep</h1></div><div id="chapters">'
        '<div class="userstuff">'
        + "<div><span>" * 3000
        + "deep text"
        + "</span></div>" * 3000
        + "</div></div></body></html>"
    )
    story = read_ao3_html(html, "F")
    assert story.chapters[0].paragraphs[0].text == "deep text"
