"""Matching what a person typed: autocomplete choices, fuzzy names (taxonomy terms are
resolved by `Taxonomy.require`)."""

from __future__ import annotations

from dataclasses import dataclass

from rapidfuzz import fuzz, process, utils

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
