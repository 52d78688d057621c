"""A fast word counter that gives exactly what :func:`bot.readers.model.count_words` gives.

``count_words`` walks the text one character at a time in Python; segmentation runs over
whole libraries, so it uses this equivalent (same CJK ranges, same result): ASCII text
(and text whose only non-ASCII is the punctuation and spaces of STORY_PUNCTUATION and
STORY_SPACES) is counted on its bytes, the rest with regular expressions.
"""

from __future__ import annotations

import re

_CJK = re.compile("[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]")
# A whole whitespace-separated token with no letter or digit (\w is alnum or "_", and
# \s is what str.split() splits on): AO3 does not count those (a lone dash, "，").
_NO_ALNUM = re.compile(r"(?<!\S)(?:[^\w\s]|_)+(?!\S)")


def fast_count_words(text: str) -> int:
    """Whitespace-separated tokens with a letter or digit, each CJK character one word."""
    data = text.encode("utf-8", "surrogatepass")
    if not text.isascii():
        for mark, instead in _COMMON_MARKS:  # the usual non-ASCII of stories
            if mark in data:
                data = data.replace(mark, instead)
        if not data.isascii():
            return _count_unicode(text)
    # ASCII: drop what is neither a letter, a digit nor a space, then count where words start
    data = data.translate(_SPACE_OR_WORD, _NOT_WORD_OR_SPACE)
    return data.count(b"\x00\x01") + data.startswith(b"\x01")


def _count_unicode(text: str) -> int:
    text, cjk = _CJK.subn(" ", text)
    return cjk + len(text.split()) - len(_NO_ALNUM.findall(text))


# str.split() splits ASCII text at these; each becomes 0 below, every other byte kept 1
_ASCII_SPACE = b" \t\n\r\x0b\x0c\x1c\x1d\x1e\x1f"
_SPACE_OR_WORD = bytes(0 if c in _ASCII_SPACE else 1 for c in range(256))
_NOT_WORD_OR_SPACE = bytes(c for c in range(128) if not chr(c).isalnum() and c not in _ASCII_SPACE)
# The characters beyond ASCII that stories use most, none a letter or a digit: punctuation
# (curly quotes, dashes, ellipses) and no-break spaces.
STORY_PUNCTUATION = "’‘“”—–…«»·•"
STORY_SPACES = "\u00a0\u2009\u202f"
_COMMON_MARKS = tuple((c.encode(), b"") for c in STORY_PUNCTUATION) + tuple(
    (c.encode(), b" ") for c in STORY_SPACES
)
