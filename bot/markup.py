"""Text made safe for Discord, without importing discord: escaping, clipping, echoes.

bot/render.py re-exports these; services use them for the few strings they build
themselves (errors that echo what someone typed, or a story's title).

Discord consumes a backslash before any ASCII-or-not punctuation character (anything but
a letter, digit or whitespace) and shows that character literally; a backslash before
anything else is shown as is. `escape` only ever puts a backslash before punctuation, so
every backslash it adds is consumed and no stray one is ever shown.
"""

from __future__ import annotations

import re

# Inline markup (emphasis, code, spoilers, masked links) and the `<` that opens mentions,
# channel links, timestamps, slash-command mentions and custom emoji: escaped anywhere.
_INLINE = re.compile(r"([\\*_~`|<\[\]])")
# Block markup at the start of a line (after any indentation): headings `#`, subtext `-#`,
# lists `-`, `+`, `*` (already escaped inline), quotes `>` / `>>>`, numbered lists `1.`.
_LINE_START = re.compile(r"^([^\S\n]*)(?:([#>+\-])|(\d+)\.)", re.MULTILINE)
_MENTION = re.compile(r"@(everyone|here|[!&]?[0-9]{15,21})")
_UNESCAPE = re.compile(r"\\([^0-9A-Za-z\s])")
ZWSP = "\u200b"


def _line_start(m: re.Match[str]) -> str:
    indent, mark, digits = m.group(1), m.group(2), m.group(3)
    return f"{indent}\\{mark}" if mark else f"{indent}{digits}\\."


def escape(text: str) -> str:
    """Story text made inert: no markdown, no mentions, no masked links, no custom emoji."""
    text = _INLINE.sub(r"\\\1", text)
    text = _LINE_START.sub(_line_start, text)
    return _MENTION.sub(f"@{ZWSP}\\1", text)


def unescape(text: str) -> str:
    """What Discord shows for `text`'s escapes: each backslash before punctuation dropped."""
    return _UNESCAPE.sub(r"\1", text)


def clip(text: str, limit: int) -> str:
    """`text` cut to `limit` characters, at a word boundary when possible, with an ellipsis.

    Never leaves a dangling escape backslash, so clipping escaped text stays inert."""
    if limit <= 0:
        return ""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    if space > limit * 0.6:
        cut = cut[:space]
    cut = cut.rstrip("\\")
    return cut + "…"


def echo(text: str, limit: int = 80) -> str:
    """Something a person typed, quoted back in a message: on one line, short, inert."""
    flat = " ".join(text.split())
    return escape(clip(flat, limit))


def number(n: int) -> str:
    """A count as people read it: 12,585."""
    return f"{n:,}"
