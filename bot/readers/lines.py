"""Source lines of a text file, numbered as an editor numbers them."""

from __future__ import annotations


def source_lines(text: str) -> list[str]:
    """The lines of ``text`` (index 0 is line 1); CRLF and lone CR end lines too."""
    return text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
