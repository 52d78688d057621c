"""Reader for plain-text stories: one paragraph per non-blank line.

The title is a title-like first line (short, no closing punctuation, not dialogue,
followed by a blank line or a chapter heading), else it comes from the file name.
Chapters start at headings such as "Chapter 3", "Chapter 3: Title", "Ch. 3 - Title",
"Prologue", "Epilogue"; text before the first heading is chapter 1. Scene-break lines
("~*~", "* * *", "oOo" …) are dropped. ``Paragraph.line`` is the 1-based file line.
"""

from __future__ import annotations

import re

from bot.readers.lines import source_lines
from bot.readers.model import Chapter, Paragraph, Story
from bot.readers.scene_breaks import is_scene_break

FORMAT = "plain"

_NUMBER_WORDS = (
    "one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|"
    "fifteen|sixteen|seventeen|eighteen|nineteen|twenty"
)
_HEADING = re.compile(
    rf"""(?ix)
    \#*\s*
    (?:
        (?:chapter\s*|chap(?:\.\s*|\s+)|ch(?:\.\s*|\s+))
        (?P<num>\d+|[ivxlc]+|{_NUMBER_WORDS})\b\.?
        (?:\s*[:.\-–—]\s*(?P<title>\S.*))?
      |
        (?P<special>prologue|epilogue|interlude|foreword|afterword)\b
        (?:\s*[:.\-–—]\s*(?P<subtitle>\S.*))?
    )"""
)
_MAX_HEADING = 120
_MAX_TITLE = 100
_TITLE_END = tuple(".,;:!?…\"'“”‘’»«")
_DIALOGUE_START = tuple("\"'“‘«—-–(*[")
_BYLINE = re.compile(r"(?i)by\s+(?P<name>\S.{0,60})")


def heading_title(line: str) -> str | None:
    """The chapter title when ``line`` is a chapter heading, else None."""
    text = line.strip()
    if not text or len(text) > _MAX_HEADING:
        return None
    match = _HEADING.fullmatch(text)
    if match is None:
        return None
    if match.group("special"):
        return " ".join(text.lstrip("#").split())
    title = match.group("title")
    if title:
        return title.strip()
    written = " ".join(text.lstrip("#").split())
    return written if written.casefold().startswith("chapter") else f"Chapter {match.group('num')}"


def read_plain(text: str, fallback_title: str) -> Story:
    """Parse a plain-text story."""
    lines = source_lines(text)
    title, authors, start = _title_and_byline(lines)
    story = Story(title=title or fallback_title, format=FORMAT, chapters=[], authors=authors)
    if title:
        story.declared_at["title"] = next(i for i, s in enumerate(lines, 1) if s.strip())
    current: Chapter | None = None
    for number, raw in enumerate(lines[start:], start=start + 1):
        line = raw.strip()
        if not line:
            continue
        chapter_name = heading_title(line)
        if chapter_name is not None:
            current = Chapter(len(story.chapters) + 1, chapter_name)
            story.chapters.append(current)
            continue
        if is_scene_break(line):
            if current is not None:
                current.breaks.append(number)
            continue
        if current is None:
            current = Chapter(1, story.title)
            story.chapters.append(current)
        current.paragraphs.append(Paragraph(line, number))
    story.chapters = [c for c in story.chapters if c.paragraphs]
    for number, chapter in enumerate(story.chapters, start=1):
        chapter.number = number
    return story


def _title_and_byline(lines: list[str]) -> tuple[str | None, list[str], int]:
    """(title, authors, index of the first body line) from the head of the file."""
    first = next((i for i, s in enumerate(lines) if s.strip()), None)
    if first is None:
        return None, [], 0
    candidate = " ".join(lines[first].split())
    if not _looks_like_title(candidate):
        return None, [], 0
    after = first + 1
    authors: list[str] = []
    if after < len(lines) and (byline := _BYLINE.fullmatch(lines[after].strip())):
        authors = [byline.group("name").strip()]
        after += 1
    following = next((s for s in lines[after:] if s.strip()), None)
    if following is None:
        return None, [], 0  # a lone line is the story, not its title
    blank_after = not lines[after].strip() if after < len(lines) else True
    if not blank_after and heading_title(following) is None:
        return None, [], 0
    return candidate, authors, after


def _looks_like_title(line: str) -> bool:
    return (
        0 < len(line) <= _MAX_TITLE
        and len(line.split()) <= 15
        and not line.endswith(_TITLE_END)
        and not line.startswith(_DIALOGUE_START)
        and heading_title(line) is None
        and not is_scene_break(line)
    )
