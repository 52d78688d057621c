"""AO3 metadata labels and Stats, shared by the page-copy, HTML and EPUB readers.

AO3 writes each label in the singular or the plural depending on the count ("Archive
Warning:" / "Archive Warnings:"), so labels are matched on both spellings.
"""

from __future__ import annotations

import re

# label text (casefolded, without the colon) → the Story field it fills
LABEL_FIELDS: dict[str, str] = {
    "rating": "rating",
    "ratings": "rating",
    "archive warning": "archive_warnings",
    "archive warnings": "archive_warnings",
    "category": "categories",
    "categories": "categories",
    "fandom": "fandoms",
    "fandoms": "fandoms",
    "relationship": "relationships",
    "relationships": "relationships",
    "character": "characters",
    "characters": "characters",
    "additional tag": "additional_tags",
    "additional tags": "additional_tags",
    "freeform": "additional_tags",
    "freeforms": "additional_tags",
    "language": "language",
    "series": "series",
    "collection": "collections",
    "collections": "collections",
    "stats": "stats",
}

# fields whose values are tag lists (AO3 tags never contain commas)
TAG_FIELDS = (
    "archive_warnings",
    "categories",
    "fandoms",
    "relationships",
    "characters",
    "additional_tags",
)

STAT_LABELS = (
    "Published",
    "Updated",
    "Completed",
    "Words",
    "Chapters",
    "Comments",
    "Kudos",
    "Bookmarks",
    "Hits",
)

_WORDS = re.compile(r"Words:\s*([\d,.\s\u00a0\u202f']+?)(?=\s*(?:[A-Z][a-z]+:|$))")
_CHAPTERS = re.compile(r"Chapters:\s*(\d[\d,]*)\s*/\s*(\d[\d,]*|\?)")
_SERIES_PART = re.compile(r"Part\s+\d+\s+of\s+(?P<name>.+?)\s*$", re.I)


def label_field(label: str) -> str | None:
    """The Story field for a label such as "Archive Warnings:", else None."""
    key = " ".join(label.strip().rstrip(":").split()).casefold()
    return LABEL_FIELDS.get(key)


def split_tags(value: str) -> list[str]:
    """Tags written as "a, b, c" (AO3 tags cannot contain commas)."""
    return [t.strip() for t in value.split(",") if t.strip()]


def parse_stats(text: str) -> tuple[int | None, str | None]:
    """Words and "Chapters: x/y" from a Stats block ("Words: 7,526 Chapters: 3/?")."""
    text = " ".join(text.split())
    words = None
    match = _WORDS.search(text)
    if match:
        digits = re.sub(r"\D", "", match.group(1))
        words = int(digits) if digits else None
    chapters = None
    match = _CHAPTERS.search(text)
    if match:
        done, total = (g.replace(",", "") for g in match.groups())
        chapters = f"Chapters: {done}/{total}"
    return words, chapters


def series_name(value: str) -> str:
    """ "Part 14 of A Wheel Inside a Wheel" → "A Wheel Inside a Wheel"."""
    value = " ".join(value.replace("← Previous Work", " ").replace("Next Work →", " ").split())
    match = _SERIES_PART.match(value)
    return match.group("name").strip() if match else value
