"""Turning what a person types into a safe FTS5 query."""

from __future__ import annotations

import re

_PHRASE_OR_WORD = re.compile(r'"([^"]+)"|(\S+)')
_WORD_CHARS = re.compile(r"[\w']+", re.UNICODE)


def fts_query(text: str) -> str | None:
    """AND of the words and "quoted phrases" in `text`, each quoted for FTS5; None if empty.

    Operators and punctuation are never passed through, so no input is a syntax error.
    """
    terms: list[str] = []
    for phrase, word in _PHRASE_OR_WORD.findall(text):
        words = _WORD_CHARS.findall(phrase or word)
        if words:
            terms.append('"' + " ".join(w.replace("'", " ").strip() for w in words) + '"')
    return " ".join(terms) or None
