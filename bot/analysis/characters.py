"""Characters: canonical names from AO3 tags, detection in text, and user-input lookup.

Two sources of names: the taxonomy (characters.toml, with nicknames, for its fandoms) and,
for any fandom, a story's own character tags (`DeclaredNames`).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

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


def character_filter(
    text: str, declared: Iterable[str] = (), taxonomy: Taxonomy | None = None
) -> str:
    """The character name a reader's option stands for: a taxonomy name ("kacchan"), else
    one of ``declared`` (the character names stored in the library) by one of its name forms
    ("yang wen-li", "Reinhard von Lohengramm", a unique "Honoroit"), else the text itself."""
    index = character_index(taxonomy)
    return (
        index.resolve(text, fuzzy=False)
        or _resolve_declared(text, declared)
        or index.resolve(text)
        or text.strip()
    )


def _resolve_declared(text: str, declared: Iterable[str]) -> str | None:
    full, partial = _declared_keys(tuple(declared))
    key = lookup_key(text)
    found = full.get(key)
    if found is None and len(partial.get(key, ())) == 1:
        found = next(iter(partial[key]))
    return found


@lru_cache(maxsize=16)
def _declared_keys(names: tuple[str, ...]) -> tuple[dict[str, str], dict[str, set[str]]]:
    """Lookup keys of the full forms (the first name listed wins) and of the partial forms
    (with every name that has them) of ``names``."""
    full: dict[str, str] = {}
    partial: dict[str, set[str]] = {}
    for name in names:
        whole, parts = name_forms(name)
        for form in (name, *whole):
            full.setdefault(lookup_key(form), name)
        for form in parts:
            partial.setdefault(lookup_key(form), set()).add(name)
    full.pop("", None)
    return full, partial


# -- a story's own character tags ----------------------------------------------------------

_DISAMBIGUATOR = re.compile(r"\s*\([^()]*\)\s*$")  # "Staden (Ginga Eiyuu Densetsu)"
# tags that name no one in particular: never looked for in the text
_GENERIC = re.compile(
    r"(?:original|unnamed|background|minor|various|other|everyone|oc)\b.*|.*\bcharacters?\b.*"
    r"|.*\breaders?\b.*|you|y/n|ocs?|self[- ]insert|ensemble|others?",
    re.IGNORECASE,
)
_TITLES = frozenset(  # words before a name that are not a first name ("Captain Hook")
    "mr mrs ms miss mx dr doctor sir dame lady lord king queen prince princess captain "  # noqa: SIM905
    "professor general admiral commander father mother uncle aunt saint st".split()
)


@lru_cache(maxsize=4096)
def name_forms(tag: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(full forms, partial forms) a character tag is written as (none for a tag such as
    "Original Characters" or "Reader"). Full forms: each "|" alternative of the tag, without
    an AO3 disambiguator ("Staden (Ginga Eiyuu Densetsu)" -> "Staden"). Partial forms of a
    name of several words: the first name, the surname with and without its particle ("von
    Reuenthal", "Reuenthal"), first + last name when there are middle names, and the name
    after a title ("Captain Hook" -> "Hook")."""
    full: list[str] = []
    partial: list[str] = []
    for alt in tag.split("|"):
        alt = _DISAMBIGUATOR.sub("", alt).strip()
        if not alt or _GENERIC.fullmatch(alt):
            continue
        full.append(alt)
        words = [w for w in alt.split() if any(c.isalpha() for c in w)]
        titled = len(words) > 1 and words[0].lower().rstrip(".") in _TITLES
        if titled:
            words.pop(0)
        if len(words) == 1 and titled:
            partial.append(words[0])
        if len(words) < 2:
            continue
        if not words[0][0].islower():
            partial.append(words[0])
        particle = next((i for i in range(1, len(words)) if words[i][0].islower()), None)
        if particle is not None:
            partial.append(" ".join(words[particle:]))
        partial.append(words[-1])
        if len(words) > 2 and particle is None:
            partial.append(f"{words[0]} {words[-1]}")
    return tuple(dict.fromkeys(full)), tuple(dict.fromkeys(p for p in partial if len(p) > 1))


@dataclass(frozen=True, slots=True)
class _Declared:
    name: int  # index into DeclaredNames.names
    capital: bool  # counts only written with a capital letter
    length: int  # of the key, with its leading space


def _needs_capital(form: str, key: str) -> bool:
    """A one-word name written with a capital ("Will", "Yang") may be an ordinary word too:
    it counts only written with a capital letter."""
    return " " not in key[1:] and form[:1].isupper()


class DeclaredNames:
    """The characters a story declares that the taxonomy does not know, compiled into one
    automaton for the whole story. A partial form (a first name, a surname) counts only when
    it is unambiguous: no other declared character and no taxonomy character has it."""

    def __init__(self, names: list[str], index: CharacterIndex) -> None:
        self.names = names
        forms = [name_forms(n) for n in names]
        full_keys = {match_key(normalize_term(f)) for full, _ in forms for f in full}
        owners: dict[str, set[int]] = {}
        for i, (_full, partial) in enumerate(forms):
            for form in partial:
                owners.setdefault(match_key(normalize_term(form)), set()).add(i)
        keys: dict[str, _Declared] = {}
        for i, (full, partial) in enumerate(forms):
            for form in full:
                key = match_key(normalize_term(form))
                if key.strip() and key not in keys:
                    keys[key] = _Declared(i, _needs_capital(form, key), len(key))
            for form in partial:
                key = match_key(normalize_term(form))
                if (
                    key.strip()
                    and key not in keys
                    and key not in full_keys
                    and owners[key] == {i}
                    and lookup_key(form) not in index.by_key
                ):
                    keys[key] = _Declared(i, _needs_capital(form, key), len(key))
        auto = ahocorasick.Automaton()
        for key, info in keys.items():
            for tail in _WORD_ENDS:
                auto.add_word(key + tail, info)
        auto.make_automaton()
        self._auto = auto

    @classmethod
    def of(cls, tags: Iterable[str], index: CharacterIndex) -> DeclaredNames | None:
        """The story's declared characters unknown to the taxonomy (None when there are none
        to look for: the text is then not scanned twice)."""
        names = [
            name
            for name in dict.fromkeys(t.strip() for t in tags)
            if name and index.resolve(name, fuzzy=False) is None and name_forms(name)[0]
        ]
        return cls(names, index) if names else None

    def find(self, text: str, norm: str) -> set[str]:
        """The declared characters named in ``text`` (``norm`` = its normalised text)."""
        spans = sorted(
            (last - info.length, 1 - last, info.name)
            for last, info in self._auto.iter(f" {match_form(norm)} ")
            if not info.capital or text[last - info.length].isupper()
        )
        found: set[str] = set()
        taken = -1
        for start, neg_end, name in spans:  # by start, the longest first
            if start >= taken:
                taken = -neg_end
                found.add(self.names[name])
        return found


class CharacterCounter:
    """Counts character mentions passage by passage, then decides which fandoms apply."""

    def __init__(
        self, taxonomy: Taxonomy, fandom_tags: list[str], character_tags: Iterable[str] = ()
    ) -> None:
        self.index = character_index(taxonomy)
        self.has_tags = bool(fandom_tags)
        self.tagged = self.index.fandoms_of(fandom_tags)
        self.passages: list[Counter[tuple[int, bool]]] = []
        self.total: Counter[tuple[int, bool]] = Counter()
        self.marked: set[str] = set()
        self.declared = DeclaredNames.of(character_tags, self.index)
        self.declared_in: list[set[str]] = []  # per passage: declared characters named

    def add(self, text: str, norm: str | None = None) -> None:
        """Count the mentions in one passage (``norm`` = its normalised text, if known)."""
        norm = normalize(text) if norm is None else norm
        counts = self.index.find(text, norm)
        self.passages.append(counts)
        self.total.update(counts)
        if self.declared is not None:
            self.declared_in.append(self.declared.find(text, norm))
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

    def names(self, passage: int, fandoms: set[str]) -> set[str]:
        """Characters named in one passage: taxonomy characters of ``fandoms`` and the
        story's own declared characters."""
        chars = self.index.characters
        found = {
            chars[ci].name
            for (ci, _amb), n in self.passages[passage].items()
            if n and chars[ci].fandom in fandoms
        }
        return found | self.declared_in[passage] if self.declared is not None else found

    def story_names(self, fandoms: set[str]) -> list[str]:
        """Characters of the story, most mentioned first (at least two mentions if any have)."""
        chars = self.index.characters
        merged: Counter[str] = Counter()
        for (ci, _amb), n in self.total.items():
            if chars[ci].fandom in fandoms:
                merged[chars[ci].name] += n
        keep = [name for name, n in merged.most_common() if n >= 2]
        return keep or [name for name, _ in merged.most_common()]
