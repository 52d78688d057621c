"""Reader for an AO3 work page copied from a browser as text (Select All → Copy).

Layout of such a copy, top to bottom: site chrome and the "Actions" menu, "Work Header",
the tag block (a label on its own line, its value on the following lines — or nothing,
when the copy lost it), the title, the author, "Summary:", "Notes:", then either
"Work Text:" (one-shot) or chapters ("Chapter 2: Title", chapter "Summary:"/"Notes:",
"Chapter Text", the text, chapter end "Notes:"), the work's end notes, "Series this work
belongs to:" and the page footer. Summary and notes go to ``Story.summary`` /
``Story.notes``, never into chapters; chrome is dropped. Lines are 1-based file lines.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from bot.readers.ao3_labels import (
    STAT_LABELS,
    TAG_FIELDS,
    label_field,
    parse_stats,
    series_name,
    split_tags,
)
from bot.readers.languages import language_code
from bot.readers.lines import source_lines
from bot.readers.model import Chapter, Paragraph, Story
from bot.readers.scene_breaks import is_scene_break

FORMAT = "ao3-page"

WORK_HEADER = "Work Header"
SUMMARY = "Summary:"
NOTES = "Notes:"
WORK_TEXT = "Work Text:"
CHAPTER_TEXT = "Chapter Text"
SERIES_FOOTER = "Series this work belongs to:"

# Whole lines that are site chrome wherever they appear.
CHROME_LINES = frozenset(
    {
        "Skip to content",
        "Log in",
        "Log In",
        "Sign Up",
        "Sign up",
        "Actions",
        WORK_HEADER,
        "Main Content",
        "Kudos",
        "Kudos ♥",
        "Leave Kudos",
        "Bookmark",
        "Bookmarks",
        "Comments",
        "Comment",
        "Post Comment",
        "Hide Comments",
        "Share",
        "Share Work",
        "Subscribe",
        "Unsubscribe",
        "Download",
        "Entire Work",
        "Chapter by Chapter",
        "Next Chapter →",
        "← Previous Chapter",
        "Next Chapter",
        "Previous Chapter",
        "Chapter Index",
        "Full-page index",
        "Full-Page Index",
        "↑ Top",
        "Top of Work",
        "Mark for Later",
        "Mark as Read",
        "Hide Creator's Style",
        "Show Creator's Style",
        "Footer",
        "Edit",
        "Edit Tags",
        "Edit Chapter",
        "Delete",
        "Delete Work",
        "Chapter Management",
        "Add Chapter",
        "Manage Chapters",
        "AZW3",
        "EPUB",
        "MOBI",
        "PDF",
        "HTML",
        "(See the end of the work for more notes.)",
        "(See the end of the work for notes.)",
        "(See the end of the chapter for more notes.)",
        "(See the end of the chapter for notes.)",
        CHAPTER_TEXT,
        WORK_TEXT,
        SUMMARY,
        NOTES,
    }
)
_CHROME_PATTERN = re.compile(
    r"(?:Comments|Kudos|Bookmarks?|Hits)\s*\(\d[\d,]*\)|Chapter \d+ of \d+|"
    r"(?:Entire Work|Chapter Index)\s*(?:·|\|)?.*|Work Search:.*"
)
# Lines after which nothing else belongs to the work (feedback area, footer).
END_LINES = frozenset(
    {
        "Kudos",
        "Kudos ♥",
        "Leave Kudos",
        "↑ Top",
        "Top of Work",
        "Footer",
        "Works inspired by this one:",
        "Bookmark",
        "Comments",
    }
)
_END_PATTERN = re.compile(r"(?:Comments|Kudos)\s*\(\d[\d,]*\)")
_CHAPTER_HEADING = re.compile(r"Chapter\s+(?P<num>\d+)(?:\s*:\s*(?P<title>\S.*))?")
_STAT_VALUE = re.compile(r"[\d,.:/?\-\s\u00a0]+")
_LABEL = re.compile(r"(?P<label>[A-Za-z][A-Za-z ]{0,30}):\s*(?P<value>.*)")
_PREAMBLE_LABELS = frozenset({SUMMARY, NOTES, CHAPTER_TEXT})
_MAX_AUTHOR_LINES = 3
_MAX_AUTHOR_LEN = 100
_MAX_TAG_BLOCK_START = 400
RATINGS = frozenset(
    {
        "General Audiences",
        "Teen And Up Audiences",
        "Mature",
        "Explicit",
        "Not Rated",
    }
)


@dataclass
class _TagBlock:
    """The parsed tag block: values per field, the line of each label, Stats text."""

    values: dict[str, list[str]] = field(default_factory=dict)
    lines: dict[str, int] = field(default_factory=dict)
    stats: list[str] = field(default_factory=list)
    end: int = 0  # index of the first line after the block


def looks_like_ao3_page(text: str) -> bool:
    """True when ``text`` has the structure of a copied AO3 work page."""
    head = text[:200_000]
    lines = {s.strip() for s in source_lines(head)}
    if WORK_TEXT in lines or CHAPTER_TEXT in lines:
        return True
    if WORK_HEADER in lines and (SUMMARY in lines or NOTES in lines or "Stats:" in lines):
        return True
    if "Archive Warnings:" not in lines and "Archive Warning:" not in lines:
        return False  # (looked at first: counting the labels reads every line)
    labels = sum(1 for s in lines if label_field(s) is not None and s.endswith(":"))
    return labels >= 3


def read_ao3_page(text: str, fallback_title: str) -> Story:
    """Parse a copied AO3 work page."""
    lines = [s.strip() for s in source_lines(text)]
    start = _content_start(lines)
    tags = _parse_tag_block(lines, start)
    story = Story(title=fallback_title, format=FORMAT, chapters=[])
    _apply_tags(story, tags)
    body = _read_title_and_authors(lines, tags.end, story)
    _read_body(lines, body, story)
    return story


def _content_start(lines: list[str]) -> int:
    """Index of the first line after the chrome above the work header."""
    for i, line in enumerate(lines[:_MAX_TAG_BLOCK_START]):
        if line == WORK_HEADER:
            return i + 1
    for i, line in enumerate(lines[:_MAX_TAG_BLOCK_START]):
        label = _tag_label(line)
        if label is not None and label[0] in ("rating", "archive_warnings", "fandoms"):
            return i
    return 0


def _tag_label(line: str) -> tuple[str, str] | None:
    """(field, inline value) when ``line`` is a tag-block label such as "Rating:"."""
    match = _LABEL.fullmatch(line)
    if match is None:
        return None
    name = label_field(match.group("label"))
    return (name, match.group("value").strip()) if name else None


def _stat_label(line: str) -> bool:
    match = _LABEL.fullmatch(line)
    return match is not None and match.group("label") in STAT_LABELS


def _parse_tag_block(lines: list[str], start: int) -> _TagBlock:
    """Read labels and values; an empty value never swallows the next label."""
    block = _TagBlock(end=start)
    i = _skip_blank(lines, start)
    current: str | None = None
    in_stats = False
    while i < len(lines):
        line = lines[i]
        if not line:
            nxt = _skip_blank(lines, i)
            if nxt < len(lines) and _continues_block(lines[nxt], in_stats=in_stats):
                i = nxt
                continue
            break
        label = _tag_label(line)
        if label is not None:
            current, value = label
            in_stats = current == "stats"
            block.lines.setdefault(current, i + 1)
            block.values.setdefault(current, [])
            if value:
                (block.stats if in_stats else block.values[current]).append(value)
        elif in_stats and (_stat_label(line) or _STAT_VALUE.fullmatch(line)):
            block.stats.append(line)
        elif current is None or in_stats or _not_a_rating(current, block, line):
            break
        else:
            block.values[current].append(line)
        i += 1
    if current is not None:
        block.end = i
    return block


def _continues_block(line: str, *, in_stats: bool) -> bool:
    """After a blank line, the block goes on only with another label."""
    return _tag_label(line) is not None or (in_stats and _stat_label(line))


def _not_a_rating(current: str, block: _TagBlock, line: str) -> bool:
    """A second "rating" line that is no AO3 rating is the title, not a value."""
    return current == "rating" and bool(block.values["rating"]) and line not in RATINGS


def _apply_tags(story: Story, tags: _TagBlock) -> None:
    for name, values in tags.values.items():
        if name == "stats" or not values:
            continue
        story.declared_at[name] = tags.lines[name]
        if name == "rating":
            story.rating_label = values[0]
        elif name == "language":
            story.language = language_code(values[0])
        elif name == "series":
            story.series = [series_name(v) for v in values if v.startswith("Part ")] or values
        elif name in TAG_FIELDS:
            tag_list = [t for value in values for t in split_tags(value)]
            attribute = "archive_warning_labels" if name == "archive_warnings" else name
            setattr(story, attribute, tag_list)
    if tags.stats:
        story.declared_at["stats"] = tags.lines["stats"]
        story.declared_words, story.chapters_posted_of_total = parse_stats(" ".join(tags.stats))


def _read_title_and_authors(lines: list[str], start: int, story: Story) -> int:
    """Set title and authors from the lines after the tag block; return where the body starts."""
    i = _skip_chrome(lines, start)
    if i >= len(lines) or _is_structural(lines, i):
        return i
    story.title = lines[i]
    story.declared_at["title"] = i + 1
    i += 1
    candidates: list[int] = []
    j = _skip_chrome(lines, i)
    while j < len(lines) and not _is_structural(lines, j):
        candidates.append(j)
        if len(candidates) > _MAX_AUTHOR_LINES:
            return i  # a run of text, not a byline: the body starts here
        j = _skip_chrome(lines, j + 1)
    if j >= len(lines) or any(len(lines[k]) > _MAX_AUTHOR_LEN for k in candidates):
        return i
    for k in candidates:
        story.authors.extend(split_tags(re.sub(r"^by\s+", "", lines[k], flags=re.I)))
    if candidates:
        story.declared_at["authors"] = candidates[0] + 1
    return j


def _read_body(lines: list[str], start: int, story: Story) -> None:
    """Summary, notes and chapters, from ``start`` to the end of the work."""
    sink = "text"  # where plain lines go: text | summary | notes | series | end
    current: Chapter | None = None
    for i in range(start, len(lines)):
        line = lines[i]
        number = i + 1
        if not line:
            continue
        if line == SUMMARY:
            sink = "summary" if current is None else "notes"
            story.declared_at.setdefault(sink, number)
            continue
        if line == NOTES:
            sink = "notes"
            story.declared_at.setdefault("notes", number)
            continue
        if line in (WORK_TEXT, CHAPTER_TEXT):
            if current is None:
                current = _new_chapter(story, story.title)
            sink = "text"
            continue
        heading = _CHAPTER_HEADING.fullmatch(line)
        if heading and ((current is None and sink != "end") or _opens_chapter(lines, i + 1)):
            current = _new_chapter(story, heading.group("title") or line)
            sink = "text"
            continue
        if current is not None and line == SERIES_FOOTER:
            sink = "series"
            continue
        if current is not None and (line in END_LINES or _END_PATTERN.fullmatch(line)):
            sink = "end"
            continue
        if sink == "end" or line in CHROME_LINES or _CHROME_PATTERN.fullmatch(line):
            continue
        if sink == "series":
            if line.startswith(("Part ", "← Previous Work")) and not story.series:
                story.series = [series_name(line)]
            continue
        if sink == "summary":
            story.summary.append(Paragraph(line, number))
        elif sink == "notes":
            story.notes.append(Paragraph(line, number))
        elif is_scene_break(line):
            if current is not None:
                current.breaks.append(number)
        else:
            if current is None:
                current = _new_chapter(story, story.title)
            current.paragraphs.append(Paragraph(line, number))
    story.chapters = [c for c in story.chapters if c.paragraphs]
    for index, chapter in enumerate(story.chapters, start=1):
        chapter.number = index


def _new_chapter(story: Story, title: str) -> Chapter:
    chapter = Chapter(len(story.chapters) + 1, title)
    story.chapters.append(chapter)
    return chapter


def _opens_chapter(lines: list[str], i: int) -> bool:
    """A "Chapter N" line inside text starts a chapter only if AO3's labels follow it."""
    j = _skip_blank(lines, i)
    return j < len(lines) and lines[j] in _PREAMBLE_LABELS


def _is_structural(lines: list[str], i: int) -> bool:
    line = lines[i]
    return (
        line in (SUMMARY, NOTES, WORK_TEXT, CHAPTER_TEXT, SERIES_FOOTER)
        or _CHAPTER_HEADING.fullmatch(line) is not None
    )


def _skip_blank(lines: list[str], i: int) -> int:
    while i < len(lines) and not lines[i]:
        i += 1
    return i


def _skip_chrome(lines: list[str], i: int) -> int:
    while i < len(lines) and (
        not lines[i]
        or (lines[i] in CHROME_LINES and lines[i] not in (SUMMARY, NOTES, WORK_TEXT, CHAPTER_TEXT))
        or _CHROME_PATTERN.fullmatch(lines[i])
    ):
        i += 1
    return i
