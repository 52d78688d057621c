"""Titles from file names, chapter titles from headings."""

from __future__ import annotations

import re
from pathlib import PurePath

_KNOWN_SUFFIXES = {".txt", ".text", ".md", ".html", ".htm", ".xhtml", ".epub", ".ao3"}
_CHAPTER_PREFIX = re.compile(r"(?i)chapter\s+\d+\s*[:.\-–—]\s*(?P<title>\S.*)")


def title_from_filename(name: str) -> str:
    """ "quirkless-soul-marks.txt" → "Quirkless Soul Marks" (extensions such as .ao3.txt go)."""
    stem = PurePath(name).name
    while True:
        suffix = PurePath(stem).suffix
        if suffix.lower() not in _KNOWN_SUFFIXES or suffix == stem:
            break
        stem = stem[: -len(suffix)]
    words = re.split(r"[\s_\-.]+", stem)
    title = " ".join(w[:1].upper() + w[1:] for w in words if w)
    return title or "Untitled"


def chapter_title(heading: str) -> str:
    """ "Chapter 1: Festival" → "Festival"; "Chapter 1" and bare titles stay as they are."""
    heading = " ".join(heading.split())
    match = _CHAPTER_PREFIX.fullmatch(heading)
    return match.group("title").strip() if match else heading
