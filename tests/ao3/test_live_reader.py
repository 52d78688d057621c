"""The live work page reader, on public fixtures (pages/SOURCES.md), and AO3 link shapes."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.ao3.links import Ao3Link, find_links, parse_link
from bot.readers import read_path
from bot.readers.reader import detect_format

PAGES = Path(__file__).parent / "pages"


def test_one_shot_page() -> None:
    story = read_path(PAGES / "work_923647.html")
    assert story.format == "ao3-live"
    assert story.title == "the heart and the small change"
    assert story.authors == ["Alias (anafabula)"]
    assert story.url == "https://archiveofourown.org/works/923647"
    assert story.rating_label == "Teen And Up Audiences"
    assert story.archive_warning_labels == ["No Archive Warnings Apply"]
    assert story.fandoms == ["Twin Peaks", "Welcome to Night Vale"]
    assert "mentions of arson and human combustion" in story.additional_tags
    assert story.series == ["observe and report"]
    assert (story.declared_words, story.chapters_posted_of_total) == (2850, "Chapters: 1/1")
    assert story.language == "en"
    assert len(story.chapters) == 1
    # the text is the story's own: within 1% of AO3's count
    assert abs(story.words - 2850) / 2850 < 0.01
    assert story.summary_text.startswith("Josie knows she's dead")


def test_full_work_page_has_every_chapter() -> None:
    story = read_path(PAGES / "work_17793689_full.html")
    assert [c.title for c in story.chapters] == [
        "The Guild",
        "The College of Enchanters: New Haven",
    ]
    assert all(c.paragraphs for c in story.chapters)
    assert story.rating_label == "Mature"
    assert story.chapters_posted_of_total == "Chapters: 14/?"
    assert story.notes  # work and chapter notes are notes, not story text
    first = story.chapters[0].paragraphs[0].text
    assert "Chapter Text" not in first


def test_login_page_is_not_a_work() -> None:
    with pytest.raises(Exception, match="not an AO3 work download"):
        read_path(PAGES / "restricted_15461226.html")


def test_live_page_is_detected_by_content() -> None:
    data = (PAGES / "work_323217.html").read_bytes()
    assert detect_format(data, "anything.html") == "ao3-live"


@pytest.mark.parametrize(
    ("text", "link"),
    [
        ("https://archiveofourown.org/works/123", Ao3Link("work", 123)),
        ("see archiveofourown.org/works/123/chapters/456#x", Ao3Link("work", 123, 456)),
        ("https://www.ao3.org/series/77", Ao3Link("series", 77)),
        ("https://archiveofourown.org/collections/x/works/9", Ao3Link("work", 9)),
        ("https://archiveofourown.org/chapters/456", Ao3Link("chapter", 456)),
        ("https://example.com/works/1", None),
        ("https://archiveofourown.org/users/x", None),
    ],
)
def test_link_shapes(text: str, link: Ao3Link | None) -> None:
    assert parse_link(text) == link


def test_at_most_three_distinct_links() -> None:
    text = " ".join(f"https://archiveofourown.org/works/{n}" for n in (1, 1, 2, 3, 4))
    assert [link.id for link in find_links(text)] == [1, 2, 3]
