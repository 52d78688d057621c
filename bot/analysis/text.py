"""Text normalisation shared by taxonomy terms and story text.

Normalisation is length-preserving, so an offset in normalised text is the same offset in
the original: matches are found in normalised text and quoted from the original.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from functools import lru_cache

# One character in, one character out.
_CHAR_MAP = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201a": "'",
        "\u201b": "'",
        "\u2032": "'",
        "`": "'",
        "\u00b4": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u201f": '"',
        "\u2033": '"',
        "\u00ab": '"',
        "\u00bb": '"',
        "\u2010": "-",
        "\u2011": "-",
        "\u2012": ",",
        "\u2013": ",",
        "\u2014": ",",
        "\u2015": ",",
        "\u2212": "-",
        "\u30fc": ",",
        "\u2026": ".",
        "\u00a0": " ",
        "\u2007": " ",
        "\u202f": " ",
        "\u200b": " ",
        "\u200c": " ",
        "\u200d": " ",
        "\ufeff": " ",
        "\t": " ",
        "\r": "\n",
    }
)
_HYPHEN_IN_WORD = re.compile(r"(?<=[^\W_])-(?=[^\W_])")
_KEY_PREFIX = re.compile(
    r"^\s*(?:tw|cw|tws|cws|tw/cw|cw/tw|trigger\s+warnings?|content\s+warnings?)\b[\s:.\-–—]*",
    re.IGNORECASE,
)
_NON_ALNUM = re.compile(r"[\W_]+")
# everything but letters, digits and in-word apostrophes (a space is left as it is; every
# branch starts with a character class, so the regex engine skips letters quickly)
_NOT_WORD = re.compile(r"[^\w' ]|_|'(?![^\W_])|'(?<![^\W_]')")
_WORDS = re.compile(r"[^\W_]+(?:'[^\W_]+)*")


def _lower(text: str) -> str:
    low = text.lower()
    if len(low) == len(text):
        return low
    return "".join(c if len(c.lower()) != 1 else c.lower() for c in text)


_CHAR_PAIRS = tuple((chr(k), v) for k, v in _CHAR_MAP.items() if isinstance(v, str))


def normalize(text: str) -> str:
    """Lower-case, straighten quotes, turn in-word hyphens into spaces and dashes into
    commas (clause breaks). Same length as ``text``."""
    out = _lower(text)
    # str.replace per mapped character is much faster than str.translate on long text
    for ch, rep in _CHAR_PAIRS:
        if ch in out:
            out = out.replace(ch, rep)
    if "-" in out:
        out = _HYPHEN_IN_WORD.sub(" ", out)
        out = out.replace("-", ",")
    return out


@lru_cache(maxsize=2)  # detection and character counting both ask for each passage
def match_form(norm: str) -> str:
    """Normalised text with every non-word character turned into a space (same length),
    so that matching `" " + term` finds terms only where a word starts."""
    return _NOT_WORD.sub(" ", norm)


def match_key(term: str) -> str:
    """The automaton key of a normalised term: a leading space, then its match form."""
    return " " + match_form(term).strip()


def normalize_term(term: str) -> str:
    """A taxonomy term in the form it is matched against normalised text."""
    out = normalize(term.strip())
    # a term's own stray hyphen ("pretend-") is not a clause break
    return re.sub(r"\s+", " ", out.replace(",", " ")).strip()


def lookup_key(term: str) -> str:
    """Key for case- and punctuation-insensitive lookups: "TW: Self-Harm" -> "selfharm"."""
    text = unicodedata.normalize("NFKC", term).translate(_CHAR_MAP)
    stripped = _KEY_PREFIX.sub("", text)
    if _NON_ALNUM.sub("", stripped):
        text = stripped
    return _NON_ALNUM.sub("", text.casefold())


def word_form(term: str) -> str:
    """Words of ``term`` joined by single spaces: "Hurt/Comfort" -> "hurt comfort"."""
    text = unicodedata.normalize("NFKC", term).translate(_CHAR_MAP).casefold()
    return " ".join(_WORDS.findall(text.replace("'", "")))


def words(text: str) -> list[str]:
    """Words of already-normalised text, contractions kept whole ("wasn't")."""
    return _WORDS.findall(text)


def word_spans(text: str) -> Iterator[tuple[int, int, str]]:
    """(start, end, word) for each word of already-normalised text."""
    for m in _WORDS.finditer(text):
        yield m.start(), m.end(), m.group()
