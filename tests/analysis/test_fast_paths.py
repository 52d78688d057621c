"""The fast paths of text handling give exactly what the plain regexes they replace give."""

from __future__ import annotations

import random
import re

import pytest

from bot.analysis.analyze import _Tokens
from bot.analysis.detect import _clause_start
from bot.analysis.taxonomy import Density
from bot.analysis.text import (
    _CHAR_PAIRS,
    _NOT_WORD,
    _lower,
    form_word_count,
    form_words,
    match_form,
    normalize,
    words,
)

_ALPHABET = "ab c'\"-\n.,!?;:()[]_é’—–x1 ab b "
_HYPHEN_REFERENCE = re.compile(r"(?<=[^\W_])-(?=[^\W_])")
_CLAUSE_REFERENCE = re.compile(r'[.!?;:,"()\[\]\n](?=[^.!?;:,"()\[\]\n]*$)')


def _samples(count: int, length: int = 40, seed: int = 5) -> list[str]:
    rng = random.Random(seed)
    return ["".join(rng.choice(_ALPHABET) for _ in range(length)) for _ in range(count)]


@pytest.mark.parametrize("ascii_only", [True, False])
def test_match_form_is_the_regex_form(ascii_only: bool) -> None:
    for text in _samples(3000):
        if ascii_only:
            text = text.encode("ascii", "ignore").decode()
        norm = normalize(text)
        assert match_form(norm) == _NOT_WORD.sub(" ", norm)


def test_normalize_matches_the_lookaround_hyphen_regex() -> None:
    for text in _samples(3000):
        out = _lower(text)
        for ch, rep in _CHAR_PAIRS:
            out = out.replace(ch, rep)
        assert normalize(text) == _HYPHEN_REFERENCE.sub(" ", out).replace("-", ",")


def test_word_forms_match_words() -> None:
    rng = random.Random(9)
    for text in _samples(3000):
        norm = normalize(text)
        form = match_form(norm)
        assert form_word_count(form) == len(words(norm))
        assert form.split() == words(norm)
        a = rng.randrange(len(norm) + 1)
        b = rng.randrange(a, len(norm) + 1)
        assert form_words(form, a, b) == words(norm[a:b])


def test_clause_start_matches_the_regex() -> None:
    for text in _samples(3000, length=60):
        norm = normalize(text)
        for start in range(len(norm) + 1):
            lo = max(0, start - 160)
            m = _CLAUSE_REFERENCE.search(norm, lo, start)
            assert _clause_start(norm, start) == (m.end() if m else lo)


def _reference_density(norm: str, rule: Density) -> tuple[int, int]:
    """Density as first written: paragraph by paragraph, quote segment by segment."""
    matched = count = 0
    for para in norm.split("\n"):
        for seg in para.split('"')[::2] if rule.outside_quotes else [para]:
            toks = words(seg)
            count += len(toks)
            matched += sum(1 for t in toks if t in rule.terms)
    if rule.outside_quotes:
        count = len(words(norm))
    return matched, count


@pytest.mark.parametrize("outside_quotes", [True, False])
def test_density_counts_match_the_reference(outside_quotes: bool) -> None:
    rule = Density(
        terms=frozenset({"ab", "c'a", "b"}),
        per_kword=1.0,
        weight=1.0,
        outside_quotes=outside_quotes,
    )
    for text in _samples(3000):
        norm = normalize(text)
        assert _Tokens(norm).density(rule) == _reference_density(norm, rule)
