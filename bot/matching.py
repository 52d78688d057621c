"""Matching what a person typed: autocomplete choices, fuzzy names, taxonomy terms."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from rapidfuzz import fuzz, process, utils
from rapidfuzz.distance import DamerauLevenshtein

from bot.analysis.taxonomy import Entry, Taxonomy
from bot.analysis.text import lookup_key
from bot.errors import UnknownNameError

MAX_CHOICES = 25
SUGGESTIONS = 3  # names offered when what was typed names nothing


@dataclass(frozen=True, slots=True)
class Choice:
    """An autocomplete choice: what is shown and the value sent back (a story id, a slug)."""

    name: str
    value: str


def fuzzy_names(current: str, names: list[str], limit: int = MAX_CHOICES) -> list[str]:
    """Up to `limit` of `names`, best fuzzy match for `current` first (all, sorted, if empty)."""
    query = utils.default_process(current)
    if not query:
        return sorted(names, key=str.casefold)[:limit]
    hits = process.extract(
        query,
        names,
        scorer=fuzz.WRatio,
        processor=utils.default_process,
        limit=limit,
        score_cutoff=50,
    )
    return [name for name, _score, _i in hits]


def resolve_term(
    tax: Taxonomy, text: str, kinds: Collection[str], template: str, fallback: str = ""
) -> Entry:
    """The taxonomy entry a person meant: its slug, name, alias or AO3 tag exactly (see
    `Taxonomy.lookup`), of one of `kinds`. Anything else is an UnknownNameError (`template`
    quotes the text at "{}") offering the real names a typo away, if any."""
    entry = tax.lookup(text)
    if entry is not None and entry.kind in kinds:
        return entry
    raise UnknownNameError(template, text.strip(), _near_terms(tax, text, kinds), fallback)


def _near_terms(tax: Taxonomy, text: str, kinds: Collection[str]) -> list[str]:
    """Names of up to SUGGESTIONS entries with a slug, name or alias within one edit (two
    for long words) of `text`, ignoring case and punctuation; none for very short text."""
    key = lookup_key(text)
    if len(key) < 3:
        return []
    allowed = 1 if len(key) < 10 else 2
    found: dict[str, int] = {}
    for label, slug in tax.search_terms():
        entry = tax.entry(slug)
        if entry.kind not in kinds:
            continue
        distance = DamerauLevenshtein.distance(key, lookup_key(label), score_cutoff=allowed)
        if distance <= allowed and distance < found.get(entry.name, allowed + 1):
            found[entry.name] = distance
    return sorted(found, key=lambda name: (found[name], name))[:SUGGESTIONS]
