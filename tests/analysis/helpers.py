"""Small builders for analysis tests."""

from __future__ import annotations

from pathlib import Path

from bot.paths import STORIES_DIR
from bot.readers.model import Chapter, Paragraph, Passage, Story, count_words

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
STORIES = STORIES_DIR
AO3_FIXTURES = REPO.parent / "shared" / "fixtures" / "ao3"


def story_from_lines(lines: list[str], title: str = "Test", **meta: object) -> Story:
    """A one-chapter plain story: one paragraph per non-blank line, numbered from 1."""
    paragraphs = [Paragraph(text, i) for i, text in enumerate(lines, start=1) if text.strip()]
    return Story(title=title, format="plain", chapters=[Chapter(1, title, paragraphs)], **meta)  # type: ignore[arg-type]


def one_passage_each(story: Story) -> list[Passage]:
    """One passage per paragraph (simple and predictable for tests)."""
    return [
        Passage(c.number, p.line, p.line, p.text, count_words(p.text))
        for c in story.chapters
        for p in c.paragraphs
    ]
