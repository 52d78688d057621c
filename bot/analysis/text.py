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
# starts with the hyphen itself, so the regex engine jumps from hyphen to hyphen
_HYPHEN_IN_WORD = re.compile(r"-(?<=[^\W_]-)(?=[^\W_])")
_KEY_PREFIX = re.compile(
    r"^\s*(?:tw|cw|tws|cws|tw/cw|cw/tw|trigger\s+warnings?|content\s+warnings?)\b[\s:.\-–—]*",
    re.IGNORECASE,
)
_NON_ALNUM = re.compile(r"[\W_]+")
# everything but letters, digits and in-word apostrophes (a space is left as it is; every
# branch starts with a character class, so the regex engine skips letters quickly)
_NOT_WORD = re.compile(r"[^\w' ]|_|'(?![^\W_])|'(?<![^\W_]')")
# the same for ASCII text: a table for the characters, then the apostrophes not in a word
_ASCII_NOT_WORD = {c: " " for c in range(128) if not (chr(c).isalnum() or chr(c) in " '")}
_STRAY_APOSTROPHE = re.compile(r"'(?:(?![^\W_])|(?<![^\W_]'))")
_ASCII_TO_X = {c: "x" for c in range(128) if c != ord(" ")}  # to count runs of non-spaces
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
    so that matching `" " + term` finds terms only where a word starts. Its
    whitespace-separated pieces are the :func:`words` of ``norm``."""
    return _match_form(norm)


def _match_form(norm: str) -> str:
    if norm.isascii():
        return _STRAY_APOSTROPHE.sub(" ", norm.translate(_ASCII_NOT_WORD))
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


def form_word_count(form: str) -> int:
    """How many words a match form holds (``len(form.split())``, without the list)."""
    if form.isascii():
        return f" {form}".translate(_ASCII_TO_X).count(" x")
    return len(form.split())


def form_words(form: str, start: int, end: int) -> list[str]:
    """``words(norm[start:end])`` given ``form = match_form(norm)``. An apostrophe at either
    end of the slice is inside a word in ``form`` but not in the slice on its own."""
    out = form[start:end].split()
    if out and form[start] == "'":
        out[0] = out[0][1:]
    if out and form[end - 1] == "'":
        out[-1] = out[-1][:-1]
    if out and not out[0]:  # the slice was a lone apostrophe
        out.pop()
    return out


def word_spans(text: str) -> Iterator[tuple[int, int, str]]:
    """(start, end, word) for each word of already-normalised text."""
    for m in _WORDS.finditer(text):
        yield m.start(), m.end(), m.group()
