from __future__ import annotations

import pytest

from bot.readers import Story, read_path, segment
from bot.readers.ao3_page import looks_like_ao3_page, read_ao3_page
from tests.readers.helpers import CHROME, FIXTURES, STORIES


def _assert_no_chrome(story: Story) -> None:
    for chapter in story.chapters:
        for paragraph in chapter.paragraphs:
            assert paragraph.text not in CHROME, (chapter.number, paragraph)
    for passage in segment(story):
        for part in passage.text.split("\n\n"):
            assert part not in CHROME, passage


def _assert_notes_not_in_chapters(story: Story) -> None:
    chapter_lines = {p.line for c in story.chapters for p in c.paragraphs}
    for paragraph in [*story.summary, *story.notes]:
        assert paragraph.line not in chapter_lines, paragraph


def test_save_yourself_seed() -> None:
    path = STORIES / "save-yourself-win-with-me.ao3.txt"
    story = read_path(path)
    assert story.format == "ao3-page"
    assert story.title == "save yourself, win with me"
    assert story.authors == []
    assert len(story.chapters) == 1
    assert story.chapters[0].paragraphs[0].text == '"Is he alive and talking?"'
    assert story.chapters[0].paragraphs[0].line == 27
    assert story.chapters[0].paragraphs[-1].text.startswith("Even if just a little")
    assert [p.line for p in story.summary] == [9, 11]
    assert story.notes[0].line == 15
    assert story.notes[-1].text.startswith("Writing physical fight scenes")
    assert story.declared_at["summary"] == 7
    assert story.declared_at["notes"] == 13
    texts = [p.text for p in story.chapters[0].paragraphs]
    assert "ー荷ー荷" not in texts
    assert 6000 < story.words < 6600
    lines = path.read_text(encoding="utf-8").split("\n")
    for paragraph in story.chapters[0].paragraphs:
        assert lines[paragraph.line - 1].strip() == paragraph.text
    _assert_no_chrome(story)
    _assert_notes_not_in_chapters(story)


def test_the_day_you_left_me_seed_with_empty_tag_values() -> None:
    story = read_path(STORIES / "the-day-you-left-me.ao3.txt")
    assert story.format == "ao3-page"
    assert story.title == "The Day You Left Me"
    # the copy lost these values: the empty labels must not swallow each other
    assert story.rating_label is None
    assert story.archive_warning_labels == []
    assert story.fandoms == []
    assert story.additional_tags == []
    assert story.language == "en"
    assert story.declared_words == 149097
    assert story.chapters_posted_of_total == "Chapters: 50/50"
    assert [c.title for c in story.chapters] == ["Best Friends Forever"]
    assert story.chapters[0].paragraphs[0].line == 54
    summary = [p.text for p in story.summary]
    assert summary[0].startswith("Bakugo and Izuku were really good friends")
    assert "-self-harm" in summary
    assert "-suicide attempts" in summary
    assert story.declared_at["summary"] == 34
    assert story.declared_at["language"] == 12
    assert story.declared_at["stats"] == 14
    texts = [p.text for p in story.chapters[0].paragraphs]
    assert not any(t.startswith("-----") for t in texts)
    _assert_no_chrome(story)
    _assert_notes_not_in_chapters(story)


def test_full_page_with_chrome() -> None:
    story = read_path(FIXTURES / "page-with-chrome.ao3.txt")
    assert story.format == "ao3-page"
    assert story.title == "Two Rooms Apart"
    assert story.authors == ["paperwing"]
    assert story.rating_label == "Teen And Up Audiences"
    assert story.archive_warning_labels == ["No Archive Warnings Apply"]
    assert story.categories == ["M/M"]
    assert story.fandoms == ["Boku no Hero Academia"]
    assert story.relationships == ["Bakugou Katsuki/Midoriya Izuku"]
    assert story.characters == ["Midoriya Izuku", "Bakugou Katsuki", "All Might"]
    assert story.additional_tags == ["Soulmates", "Pining"]
    assert story.series == ["Threads"]
    assert story.declared_words == 1234
    assert story.chapters_posted_of_total == "Chapters: 2/?"
    assert story.declared_at["archive_warnings"] == 25
    assert story.declared_at["rating"] == 23
    assert [(c.number, c.title) for c in story.chapters] == [(1, "Walls"), (2, "Chapter 2")]
    assert [p.text for p in story.chapters[1].paragraphs] == [
        "One night the humming stopped, and Katsuki knocked.",
        "The door opened.",
    ]
    assert [p.text for p in story.notes] == [
        "For my sister.",
        "Chapter one note.",
        "Chapter one end note.",
        "Work end note.",
    ]
    assert [p.text for p in story.summary] == ["They live two rooms apart and have never spoken."]
    _assert_no_chrome(story)
    _assert_notes_not_in_chapters(story)


def test_inline_labels_and_one_shot() -> None:
    text = (
        "Work Header\n\nRating: Explicit\nArchive Warnings: Major Character Death, "
        "Rape/Non-Con\nFandom: Naruto\nLanguage: Deutsch\n"
        "Stats: Published: 2020-01-01 Words: 12 Chapters: 1/1\n\nA Title\n\nSomeone\n\n"
        "Work Text:\n\nOnly a short text here.\nAnd another line.\n"
    )
    story = read_ao3_page(text, "Fallback")
    assert story.rating_label == "Explicit"
    assert story.archive_warning_labels == ["Major Character Death", "Rape/Non-Con"]
    assert story.fandoms == ["Naruto"]
    assert story.language == "de"
    assert story.declared_words == 12
    assert story.title == "A Title"
    assert story.authors == ["Someone"]
    assert [c.title for c in story.chapters] == ["A Title"]
    assert [p.line for p in story.chapters[0].paragraphs] == [15, 16]


def test_chapter_words_inside_text_do_not_start_chapters() -> None:
    text = "Work Header\n\nT\n\nChapter 1\n\nChapter Text\n\nHe read it.\nChapter 2\nMore text.\n"
    story = read_ao3_page(text, "F")
    assert len(story.chapters) == 1
    assert [p.text for p in story.chapters[0].paragraphs] == [
        "He read it.",
        "Chapter 2",
        "More text.",
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Work Header\n\nTitle\n\nSummary:\n\nx\n", True),
        ("Hello\n\nWork Text:\n\nStory.\n", True),
        ("Chapter 1\n\nChapter Text\n\nStory.\n", True),
        ("Just a story.\nWith lines.\n", False),
        ("Rating:\nArchive Warnings:\nFandom:\nTitle\n", True),
    ],
)
def test_detection(text: str, expected: bool) -> None:
    assert looks_like_ao3_page(text) is expected
