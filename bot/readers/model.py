"""The story model every reader produces, and the passages cut from it."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.readers.words import fast_count_words

FORMATS = ("plain", "ao3-page", "ao3-html", "ao3-epub", "ao3-live")


@dataclass(frozen=True, slots=True)
class Paragraph:
    """One paragraph of text and where it came from.

    ``line`` is the 1-based line of the source file for text formats (plain, ao3-page)
    and the 1-based paragraph within its chapter for HTML and EPUB.
    """

    text: str
    line: int


@dataclass(slots=True)
class Chapter:
    """A chapter: its number (1-based, in reading order), title, paragraphs and the lines
    (numbered like ``Paragraph.line``) where a scene break stood."""

    number: int
    title: str
    paragraphs: list[Paragraph] = field(default_factory=list)
    breaks: list[int] = field(default_factory=list)  # lines of its scene-break lines

    @property
    def words(self) -> int:
        return sum(fast_count_words(p.text) for p in self.paragraphs)


@dataclass(slots=True)
class Story:
    """A work as read from one file, before any analysis.

    Metadata is kept as the author/archive wrote it (``rating_label`` is e.g.
    "Teen And Up Audiences"); mapping labels to taxonomy slugs is the analysis layer's job.
    ``declared_at`` maps a metadata field name ("rating", "archive_warnings",
    "additional_tags", …) to the source line of its declaration (0 when unknown).
    """

    title: str
    format: str
    chapters: list[Chapter]
    authors: list[str] = field(default_factory=list)
    fandoms: list[str] = field(default_factory=list)
    rating_label: str | None = None
    archive_warning_labels: list[str] = field(default_factory=list)
    categories: list[str] = field(default_factory=list)
    relationships: list[str] = field(default_factory=list)
    characters: list[str] = field(default_factory=list)
    additional_tags: list[str] = field(default_factory=list)
    summary: list[Paragraph] = field(default_factory=list)
    notes: list[Paragraph] = field(default_factory=list)
    language: str | None = None
    series: list[str] = field(default_factory=list)
    url: str | None = None
    declared_words: int | None = None
    chapters_posted_of_total: str | None = None
    declared_at: dict[str, int] = field(default_factory=dict)

    @property
    def words(self) -> int:
        return sum(c.words for c in self.chapters)

    @property
    def summary_text(self) -> str:
        return "\n".join(p.text for p in self.summary)


@dataclass(frozen=True, slots=True)
class Passage:
    """A postable run of whole paragraphs within one chapter."""

    chapter: int
    first_line: int
    last_line: int
    text: str
    words: int


def count_words(text: str) -> int:
    """Count words the way AO3 does, closely enough: whitespace-separated tokens.

    CJK text has no spaces, so each CJK character counts as one word (as AO3 does);
    punctuation-only tokens are not words.
    """
    cjk = sum(1 for ch in text if _is_cjk(ch))
    tokens = text.split() if not cjk else "".join(" " if _is_cjk(ch) else ch for ch in text).split()
    # AO3 does not count a token with no letter or digit (a lone dash, "，", "。")
    return cjk + sum(1 for t in tokens if any(ch.isalnum() for ch in t))


def _is_cjk(ch: str) -> bool:
    code = ord(ch)
    return (
        0x4E00 <= code <= 0x9FFF
        or 0x3400 <= code <= 0x4DBF
        or 0x3040 <= code <= 0x30FF
        or 0xAC00 <= code <= 0xD7AF
        or 0xF900 <= code <= 0xFAFF
    )
