from __future__ import annotations

import pytest

from bot.readers import read_path, segment
from bot.readers.plain import heading_title, read_plain
from tests.readers.helpers import FIXTURES, STORIES


def test_fixture_prologue_chapters_and_scene_breaks() -> None:
    story = read_path(FIXTURES / "prologue-and-chapters.txt")
    assert story.format == "plain"
    assert story.title == "The Long Way Home"
    assert [c.title for c in story.chapters] == [
        "Prologue",
        "Crossing",
        "The Other Side",
        "Epilogue",
    ]
    assert [c.number for c in story.chapters] == [1, 2, 3, 4]
    texts = [p.text for c in story.chapters for p in c.paragraphs]
    assert "~*~" not in texts
    assert "* * *" not in texts
    assert "oOo" not in texts
    assert "---" not in texts
    assert story.chapters[0].paragraphs[0].line == 5
    assert story.chapters[-1].paragraphs == [
        story.chapters[-1].paragraphs[0].__class__("He went home at last.", 24)
    ]


def test_text_before_first_heading_is_chapter_one() -> None:
    story = read_plain("Some opening words here.\n\nChapter 1\nThe real start.\n", "Fallback")
    assert story.title == "Fallback"
    assert [(c.number, c.title) for c in story.chapters] == [(1, "Fallback"), (2, "Chapter 1")]


def test_no_blank_line_after_first_line_means_no_title() -> None:
    story = read_plain("Morning came\nShe woke up.\n", "From File")
    assert story.title == "From File"
    assert story.chapters[0].paragraphs[0].text == "Morning came"


def test_dialogue_first_line_is_not_a_title() -> None:
    story = read_plain('"Give it back"\n\nHe ran.\n', "Quirkless Soul Marks")
    assert story.title == "Quirkless Soul Marks"


@pytest.mark.parametrize(
    ("line", "title"),
    [
        ("Chapter 3", "Chapter 3"),
        ("Chapter 3: The Storm", "The Storm"),
        ("Ch. 3: The Storm", "The Storm"),
        ("CHAPTER TWELVE", "CHAPTER TWELVE"),
        ("Prologue", "Prologue"),
        ("Epilogue", "Epilogue"),
        ("## Chapter 2", "Chapter 2"),
        ("Chapter 3 was the worst.", None),
        ("Chi", None),
        ("Chapters of my life", None),
    ],
)
def test_heading_titles(line: str, title: str | None) -> None:
    assert heading_title(line) == title


@pytest.mark.parametrize(
    ("name", "title", "chapters", "min_words"),
    [
        (
            "quirkless-soul-marks.txt",
            "Quirkless Soul Marks",
            ["Quirkless Soul Marks", "Epilogue"],
            8000,
        ),
        ("swan-dive.txt", "Swan Dive", ["Swan Dive"], 4000),
        (
            "soulmate-rejection-reader-insert.txt",
            "Soulmate Rejection Reader Insert",
            ["Soulmate Rejection Reader Insert"],
            650,
        ),
    ],
)
def test_seeds(name: str, title: str, chapters: list[str], min_words: int) -> None:
    story = read_path(STORIES / name)
    assert story.format == "plain"
    assert story.title == title
    assert [c.title for c in story.chapters] == chapters
    assert story.words >= min_words
    lines = (STORIES / name).read_text(encoding="utf-8").split("\n")
    for chapter in story.chapters:
        for paragraph in chapter.paragraphs:
            assert lines[paragraph.line - 1].strip() == paragraph.text
            assert paragraph.text != "XXX"
    assert segment(story)


def test_rejection_seed_has_one_paragraph_per_line() -> None:
    story = read_path(STORIES / "soulmate-rejection-reader-insert.txt")
    assert story.chapters[0].paragraphs[0].line == 1
    assert [p.line for p in story.chapters[0].paragraphs[:3]] == [1, 2, 3]
