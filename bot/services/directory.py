"""Finding stories by name: fuzzy autocomplete and resolving what a person typed."""

from __future__ import annotations

import heapq
import unicodedata
from array import array
from bisect import bisect_right
from collections import Counter, defaultdict
from itertools import accumulate, islice

from rapidfuzz import fuzz, utils

from bot.errors import UnknownNameError
from bot.matching import MAX_CHOICES, SUGGESTIONS, Choice
from bot.store.library import LibraryStore
from bot.store.records import BUNDLED, StoryName

SUGGEST_CUTOFF = 70  # least fuzzy score (0-100) of a name worth offering
_QUOTES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"', "`": "'"})
SHORTLIST = 200  # most candidates per shelf and kind of match that get a full (slow) score


class _Shelf:
    """One guild's uploads (or the bundled stories) in title order, with their search keys
    ("title authors", processed), also joined into one text for fast substring search."""

    __slots__ = ("_exact", "_grams", "_starts", "_text", "keys", "names")

    def __init__(self, names: list[StoryName]) -> None:
        self.names = names
        self.keys = [utils.default_process(f"{n.title} {' '.join(n.authors)}") for n in names]
        self._text = "".join(f"\n{key}" for key in self.keys)  # keys never hold a newline
        self._starts = array("I", accumulate((len(k) + 1 for k in self.keys), initial=1))
        self._grams: dict[str, array[int]] | None = None  # trigram -> keys, built when needed
        self._exact: dict[str, list[int]] | None = None  # title_key -> names, when needed

    def exact(self) -> dict[str, list[int]]:
        """Names by the exact forms that act on them: the title, "title — authors" (the
        autocomplete label) and "title by authors", each as a `title_key`."""
        if self._exact is None:
            exact: defaultdict[str, list[int]] = defaultdict(list)
            for i, n in enumerate(self.names):
                forms = {n.title, _label(n)}
                if n.authors:
                    forms.add(f"{n.title} by {', '.join(n.authors)}")
                for key in {title_key(f) for f in forms} - {""}:
                    exact[key].append(i)
            self._exact = dict(exact)
        return self._exact

    def search(self, query: str) -> dict[int, int]:
        """Keys holding a processed query, by index, with their tier: 0 if the key starts
        with it, 1 if one of its words does (at most SHORTLIST of each, by title)."""
        tiers = dict.fromkeys(self._find("\n" + query), 0)
        if len(tiers) < SHORTLIST:
            for i in self._find(" " + query):
                tiers.setdefault(i, 1)
        return tiers

    def ranked(self, query: str, tiers: dict[int, int]) -> list[tuple[int, float, StoryName]]:
        """(tier, -score, name) for the keys in `tiers`: direct hits scored by WRatio,
        fuzzy ones (tier 2) by partial_ratio and dropped below 50."""
        out = []
        for i, tier in tiers.items():
            key = self.keys[i]
            if tier < 2:
                out.append((tier, -fuzz.WRatio(query, key, processor=None), self.names[i]))
            elif score := fuzz.partial_ratio(query, key, processor=None, score_cutoff=50):
                out.append((tier, -score, self.names[i]))
        return out

    def _find(self, needle: str) -> list[int]:
        """The first SHORTLIST keys (in title order) holding `needle`."""
        found: list[int] = []
        at = self._text.find(needle)
        while at >= 0 and len(found) < SHORTLIST:
            i = bisect_right(self._starts, at + 1) - 1
            found.append(i)
            at = self._text.find(needle, self._starts[i + 1] - 1)
        return found

    def similar(self, query: str) -> list[int] | range:
        """Candidates for a fuzzy match: the SHORTLIST keys sharing the most trigrams with
        the query, counting only rare ones (in ≤ 10 % of keys) if any; all keys if few."""
        if len(self.keys) <= SHORTLIST:
            return range(len(self.keys))
        if self._grams is None:
            grams: defaultdict[str, array[int]] = defaultdict(lambda: array("I"))
            for i, key in enumerate(self.keys):
                for gram in _trigrams(f" {key} "):
                    grams[gram].append(i)
            self._grams = dict(grams)
        postings = [self._grams.get(gram, array("I")) for gram in _trigrams(" " + query)]
        rare = [p for p in postings if len(p) * 10 <= len(self.keys)]
        counts: Counter[int] = Counter()
        for posting in rare or postings:
            counts.update(posting)
        return [i for i, _n in counts.most_common(SHORTLIST)]


def _trigrams(text: str) -> set[str]:
    return {text[i : i + 3] for i in range(len(text) - 2)}


class DirectoryService:
    """Story names, cached until the library changes: the bundled stories once, shared by
    every guild, and each guild's uploads separately."""

    def __init__(self, library: LibraryStore) -> None:
        self.library = library
        self._generation = library.generation
        self._cache: dict[int, _Shelf] = {}

    async def _shelf(self, guild_id: int) -> _Shelf:
        """The stories stored under `guild_id` (BUNDLED: the bundled ones)."""
        generation = self.library.generation
        if generation != self._generation:
            self._cache.clear()
            self._generation = generation
        shelf = self._cache.get(guild_id)
        if shelf is None:
            shelf = _Shelf(await self.library.story_names(guild_id, uploads_only=True))
            if self.library.generation == generation:  # not changed while loading
                self._cache[guild_id] = shelf
        return shelf

    async def _visible(self, guild_id: int, *, uploads_only: bool = False) -> list[_Shelf]:
        """The stories visible in the guild (or only its uploads), as cached shelves."""
        if uploads_only or guild_id == BUNDLED:
            return [await self._shelf(guild_id)]
        return [await self._shelf(BUNDLED), await self._shelf(guild_id)]

    async def autocomplete(
        self, guild_id: int, current: str, *, uploads_only: bool = False
    ) -> list[Choice]:
        """Up to 25 stories visible in the guild: titles (then words of title or author)
        starting with what was typed first, then fuzzy matches; by title if nothing typed."""
        shelves = await self._visible(guild_id, uploads_only=uploads_only)
        query = utils.default_process(current)
        if not query:
            merged = heapq.merge(*(s.names for s in shelves), key=lambda n: n.title)
            picked = list(islice(merged, MAX_CHOICES))
        else:
            found = [(s, s.search(query)) for s in shelves]
            if sum(len(tiers) for _s, tiers in found) < MAX_CHOICES:  # add fuzzy matches
                for shelf, tiers in found:
                    for i in shelf.similar(query):
                        tiers.setdefault(i, 2)
            hits = [hit for shelf, tiers in found for hit in shelf.ranked(query, tiers)]
            hits.sort(key=lambda h: (h[0], h[1], h[2].title))
            picked = [name for _tier, _score, name in hits[:MAX_CHOICES]]
        return [Choice(_label(n), str(n.id)) for n in picked]

    async def resolve(self, guild_id: int, text: str, *, uploads_only: bool = False) -> StoryName:
        """The story a person meant: an autocomplete value (the story id), else an exact
        title, "title — author" or "title by author" (compared as `title_key`s). Anything
        else acts on nothing: an UnknownNameError offering the closest few names."""
        shelves = await self._visible(guild_id, uploads_only=uploads_only)
        text = text.strip()
        if text.isdigit():
            for n in (n for s in shelves for n in s.names):
                if n.id == int(text):
                    return n
        key = title_key(text)
        exact = [s.names[i] for s in shelves for i in s.exact().get(key, ())] if key else []
        if len(exact) == 1:
            return exact[0]
        where = "this server's uploads" if uploads_only else "this server's library"
        if exact:
            raise UnknownNameError(
                f"Several stories in {where} are called {{}}: pick one from the suggestions",
                text,
            )
        raise UnknownNameError(
            f"No story called {{}} in {where}",
            text,
            [_label(n) for n in self._closest(shelves, text)],
            "Pick one from the suggestions.",
        )

    @staticmethod
    def _closest(shelves: list[_Shelf], text: str) -> list[StoryName]:
        """Up to SUGGESTIONS names really close to `text`: sharing its words (token set)
        or a typo away (ratio), scored on "title authors"."""
        query = utils.default_process(text)
        if not query:
            return []
        scored: list[tuple[float, str, StoryName]] = []
        for shelf in shelves:
            for i in {*shelf.similar(query), *shelf.search(query)}:
                key = shelf.keys[i]
                score = max(
                    fuzz.token_set_ratio(query, key, processor=None),
                    fuzz.ratio(query, key, processor=None),
                )
                if score >= SUGGEST_CUTOFF:
                    scored.append((-score, shelf.names[i].title, shelf.names[i]))
        scored.sort(key=lambda s: (s[0], s[1]))
        return [name for _s, _t, name in scored[:SUGGESTIONS]]


def title_key(text: str) -> str:
    """What exact title matching compares: NFKC, case-folded, quotes straightened, spaces
    collapsed, no punctuation at either end ("The Keeper…" and "the keeper" are equal)."""
    text = unicodedata.normalize("NFKC", text).translate(_QUOTES).casefold()
    text = " ".join(text.split())
    start, end = 0, len(text)
    while start < end and not text[start].isalnum():
        start += 1
    while end > start and not text[end - 1].isalnum():
        end -= 1
    return text[start:end]


def _label(name: StoryName) -> str:
    label = f"{name.title} — {', '.join(name.authors)}" if name.authors else name.title
    return label if len(label) <= 100 else label[:99] + "…"
