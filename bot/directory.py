"""Finding stories by name: fuzzy autocomplete and resolving what a person typed."""

from __future__ import annotations

import zoneinfo
from dataclasses import dataclass
from functools import cache

from rapidfuzz import fuzz, process, utils

from bot.errors import UserError
from bot.store.library import LibraryStore
from bot.store.records import StoryName

MAX_CHOICES = 25


@dataclass(frozen=True, slots=True)
class Choice:
    """An autocomplete choice: what is shown and the value sent back (the story id)."""

    name: str
    value: str


class StoryDirectory:
    """Per-guild story names, cached until the library changes."""

    def __init__(self, library: LibraryStore) -> None:
        self.library = library
        self._cache: dict[tuple[int, bool], tuple[int, list[StoryName], list[str]]] = {}

    async def names(
        self, guild_id: int, *, uploads_only: bool = False
    ) -> tuple[list[StoryName], list[str]]:
        key = (guild_id, uploads_only)
        cached = self._cache.get(key)
        if cached and cached[0] == self.library.generation:
            return cached[1], cached[2]
        names = await self.library.story_names(guild_id, uploads_only=uploads_only)
        keys = [utils.default_process(f"{n.title} {' '.join(n.authors)}") for n in names]
        self._cache[key] = (self.library.generation, names, keys)
        return names, keys

    async def autocomplete(
        self, guild_id: int, current: str, *, uploads_only: bool = False
    ) -> list[Choice]:
        """Up to 25 stories visible in the guild, best fuzzy match on title/author first."""
        names, keys = await self.names(guild_id, uploads_only=uploads_only)
        query = utils.default_process(current)
        if not query:
            picked = names[:MAX_CHOICES]
        else:
            hits = process.extract(
                query, keys, scorer=fuzz.WRatio, processor=None, limit=MAX_CHOICES, score_cutoff=50
            )
            picked = [names[i] for _key, _score, i in hits]
        return [Choice(_label(n), str(n.id)) for n in picked]

    async def resolve(self, guild_id: int, text: str, *, uploads_only: bool = False) -> StoryName:
        """The story a person meant: an autocomplete value (id) or the best title match."""
        names, keys = await self.names(guild_id, uploads_only=uploads_only)
        text = text.strip()
        if text.isdigit():
            for n in names:
                if n.id == int(text):
                    return n
        query = utils.default_process(text)
        if query:
            best = process.extractOne(
                query, keys, scorer=fuzz.WRatio, processor=None, score_cutoff=75
            )
            if best is not None:
                return names[best[2]]
        where = "this server's uploads" if uploads_only else "this server's library"
        raise UserError(f"No story called “{text}” in {where}. Pick one from the suggestions.")


def _label(name: StoryName) -> str:
    label = f"{name.title} — {', '.join(name.authors)}" if name.authors else name.title
    return label if len(label) <= 100 else label[:99] + "…"


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


@cache
def _zones() -> list[str]:
    return sorted(zoneinfo.available_timezones())


def timezone_names(current: str) -> list[str]:
    """IANA zone names for autocomplete (≤ 25), fuzzy; "new york" finds America/New_York."""
    return fuzzy_names(current.replace(" ", "_"), _zones())
