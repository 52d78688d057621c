"""Recognise scene-break lines ("~*~", "* * *", "oOo", "XXX", "ー荷ー荷" …).

A scene break separates scenes inside a chapter; it is neither a heading nor story text.
"""

from __future__ import annotations

import re
import unicodedata

_MAX_LEN = 40
# Letter-made dividers writers use: XXX, xXx, oOo, OoO, -oOo-, ~xXx~ …
_LETTER_DIVIDER = re.compile(
    r"[\W_]*(?:[xX]{3,}|(?:o+O+)+o+|(?:O+o+)+O+|(?:x+X+)+x+|(?:X+x+)+X+|0[oO]0)[\W_]*"
)


def is_scene_break(line: str) -> bool:
    """True when ``line`` (one paragraph or line of text) is only a scene divider."""
    text = line.strip()
    if not text or (len(text) > _MAX_LEN and not _is_symbols(text)):
        return False
    if _is_symbols(text):
        return True
    if _LETTER_DIVIDER.fullmatch(text):
        return True
    return _is_decorative_repeat(text.replace(" ", ""))


def _is_symbols(text: str) -> bool:
    """No letter or digit at all: "***", "~*~", "—", "---", "•••", "＊＊＊" …"""
    return not any(ch.isalnum() for ch in text)


def _is_decorative_repeat(text: str) -> bool:
    """A short unit of mixed kinds repeated, like "ー荷ー荷" or "-x-x-x-".

    Plain words repeated ("haha", "是的是的") are text, so the unit must mix character
    categories (a mark or symbol with a letter) and contain no ASCII letter run only.
    """
    if len(text) < 4 or len(text) > 24:
        return False
    for size in range(2, 5):
        if len(text) < 2 * size:
            break
        unit = text[:size]
        repeated = unit * (len(text) // size + 1)
        if not repeated.startswith(text):
            continue
        if all(ch.isascii() and ch.isalpha() for ch in unit):
            return False
        categories = {unicodedata.category(ch) for ch in unit}
        return len(categories) > 1
    return False
