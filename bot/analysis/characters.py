"""Characters: canonical names from AO3 tags, detection in text, and user-input lookup."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

import ahocorasick
from rapidfuzz import fuzz, process

from bot.analysis.taxonomy import CHARACTERS_FILE, Character, Taxonomy, TaxonomyError, load_taxonomy
from bot.analysis.text import lookup_key, match_form, match_key, normalize, normalize_term

_FUZZY_CUTOFF = 85
_MIN_FANDOM_MENTIONS = 3


@dataclass(frozen=True, slots=True)
class _Name:
    character: int
    ambiguous: bool
    length: int  # of the name's key, with its leading space


_WORD_ENDS = " '"  # what follows a whole word in match form (or the padding space)


class CharacterIndex:
    """Every name of every character, compiled for matching and lookup."""

    def __init__(self, tax: Taxonomy) -> None:
        self.tax = tax
        self.characters: list[Character] = list(tax.characters)
        self.by_key: dict[str, int] = {}
        auto = ahocorasick.Automaton()
        names: dict[str, _Name] = {}
        for i, ch in enumerate(self.characters):
            for name in ch.names:
                key = lookup_key(name)
                owner = self.by_key.get(key)
                if owner is not None and owner != i:
                    other = self.characters[owner].name
                    raise TaxonomyError(
                        f"{CHARACTERS_FILE}: character '{ch.name}': name {name!r} is already "
                        f"used by character '{other}'"
                    )
                self.by_key[key] = i
                term = normalize_term(name)
                key = match_key(term)
                if term and key not in names:
                    names[key] = _Name(i, term in ch.ambiguous, len(key))
        # a name must be a whole word: its key is added with each character that can end
        # a word in match form, so only word-bounded matches are reported
        for key, info in names.items():
            for tail in _WORD_ENDS:
                auto.add_word(key + tail, info)
        auto.make_automaton()
        self._auto = auto
        self._keys = list(self.by_key)
        fandom_keys: dict[str, str] = {}
        for fd in tax.fandoms:
            for alias in (fd.name, *fd.aliases):
                fandom_keys[lookup_key(alias)] = fd.name
        self._fandom_keys = fandom_keys
        markers = ahocorasick.Automaton()
        for fd in tax.fandoms:
            for m in fd.markers:
                markers.add_word(m.rstrip("*"), fd.name)
        markers.make_automaton()
        self._markers = markers

    def resolve(self, name: str, *, fuzzy: bool = True) -> str | None:
        """Canonical name for user input ("bakugo", "Kacchan", "deku"), or None."""
        key = lookup_key(name)
        if not key:
            return None
        found = self.by_key.get(key)
        if found is None:
            parts = [p for p in name.split("|") if p.strip()]
            for part in parts if len(parts) > 1 else ():
                found = self.by_key.get(lookup_key(part))
                if found is not None:
                    break
        if found is None and fuzzy and len(key) >= 4:
            best = process.extractOne(
                key, self._keys, scorer=fuzz.ratio, score_cutoff=_FUZZY_CUTOFF
            )
            if best is not None:
                found = self.by_key[best[0]]
        return self.characters[found].name if found is not None else None

    def fandoms_of(self, fandom_tags: Iterable[str]) -> set[str]:
        """Taxonomy fandoms named by a story's fandom tags."""
        out: set[str] = set()
        for tag in fandom_tags:
            for part in (tag, *tag.split("|")):
                fd = self._fandom_keys.get(lookup_key(part))
                if fd:
                    out.add(fd)
        return out

    def markers_in(self, text: str, norm: str | None = None) -> set[str]:
        """Fandoms whose marker words occur in ``text``."""
        norm = normalize(text) if norm is None else norm
        found: set[str] = set()
        for _last, fandom in self._markers.iter(norm):
            found.add(fandom)
        return found

    def find(self, text: str, norm: str | None = None) -> Counter[tuple[int, bool]]:
        """Mentions in ``text``: (character index, ambiguous name?) -> count."""
        norm = normalize(text) if norm is None else norm
        # a match reported at ``last`` (the word end) spans ``last - length : last - 1``
        spans = [
            (last - info.length, 1 - last, info.character, info.ambiguous)
            for last, info in self._auto.iter(f" {match_form(norm)} ")
            if not info.ambiguous or text[last - info.length].isupper()
        ]
        spans.sort()  # by start, the longest first
        counts: Counter[tuple[int, bool]] = Counter()
        taken = -1
        for start, neg_end, character, ambiguous in spans:
            if start < taken:
                continue
            taken = -neg_end
            counts[(character, ambiguous)] += 1
        return counts


def character_index(tax: Taxonomy | None = None) -> CharacterIndex:
    """The compiled character index of ``tax`` (default taxonomy when None)."""
    return (tax or load_taxonomy()).compiled(CharacterIndex)


def resolve_character(name: str, taxonomy: Taxonomy | None = None) -> str | None:
    """The canonical character name for user input, e.g. "bakugo" -> "Bakugou Katsuki"."""
    return character_index(taxonomy).resolve(name)


def canonical_tags(tags: Iterable[str], taxonomy: Taxonomy | None = None) -> list[str]:
    """AO3 character tags mapped to canonical names when known, else kept as written."""
    index = character_index(taxonomy)
    out: list[str] = []
    for tag in tags:
        name = index.resolve(tag, fuzzy=False) or tag.strip()
        if name and name not in out:
            out.append(name)
    return out


class CharacterCounter:
    """Counts character mentions passage by passage, then decides which fandoms apply."""

    def __init__(self, taxonomy: Taxonomy, fandom_tags: list[str]) -> None:
        self.index = character_index(taxonomy)
        self.has_tags = bool(fandom_tags)
        self.tagged = self.index.fandoms_of(fandom_tags)
        self.passages: list[Counter[tuple[int, bool]]] = []
        self.total: Counter[tuple[int, bool]] = Counter()
        self.marked: set[str] = set()

    def add(self, text: str, norm: str | None = None) -> None:
        """Count the mentions in one passage (``norm`` = its normalised text, if known)."""
        norm = normalize(text) if norm is None else norm
        counts = self.index.find(text, norm)
        self.passages.append(counts)
        self.total.update(counts)
        if not self.has_tags and len(self.marked) < len(self.index.tax.fandoms):
            self.marked |= self.index.markers_in(text, norm)

    def fandoms(self) -> set[str]:
        """Fandoms whose characters count in this story."""
        if self.has_tags:
            return self.tagged
        plain: Counter[str] = Counter()
        for (ci, ambiguous), n in self.total.items():
            if not ambiguous:
                plain[self.index.characters[ci].fandom] += n
        return {fd for fd, n in plain.items() if n >= _MIN_FANDOM_MENTIONS or fd in self.marked}

    def names(self, counts: Counter[tuple[int, bool]], fandoms: set[str]) -> set[str]:
        chars = self.index.characters
        return {
            chars[ci].name for (ci, _amb), n in counts.items() if n and chars[ci].fandom in fandoms
        }

    def story_names(self, fandoms: set[str]) -> list[str]:
        """Characters of the story, most mentioned first (at least two mentions if any have)."""
        chars = self.index.characters
        merged: Counter[str] = Counter()
        for (ci, _amb), n in self.total.items():
            if chars[ci].fandom in fandoms:
                merged[chars[ci].name] += n
        keep = [name for name, n in merged.most_common() if n >= 2]
        return keep or [name for name, _ in merged.most_common()]
