"""The taxonomy: ratings, archive warnings, content warnings, tropes, characters, policy.

Everything is read from the TOML files in ``data/taxonomy`` and parsed into the pydantic
models below: unknown keys and values out of range are errors that name the file, the entry
and the field. No slug is spelled in code. ``load_taxonomy()`` without arguments returns a
cached instance.

Defaults: every knob of ``[detection]`` is required (the data is its only source); an
optional key of an entry or cue has its default in its model here and nowhere else.
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Annotated, Any, Literal, TypeVar

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    Strict,
    ValidationError,
    ValidationInfo,
)
from rapidfuzz.distance import DamerauLevenshtein

from bot.analysis.text import lookup_key, normalize_term, word_form
from bot.errors import UnknownNameError
from bot.matching import SUGGESTIONS
from bot.paths import TAXONOMY_DIR

T = TypeVar("T")

Kind = Literal["rating", "archive-warning", "warning", "trope", "glossary"]
Side = Literal["before", "after", "both"]
# What a person may be asked to name (see Taxonomy.require): one message per kind.
TermKind = Literal["trope", "warning", "any-warning", "rating", "term"]

RATINGS_FILE = "ratings.toml"
ARCHIVE_FILE = "archive_warnings.toml"
WARNINGS_FILE = "warnings.toml"
TROPES_FILE = "tropes.toml"
CHARACTERS_FILE = "characters.toml"
POLICY_FILE = "policy.toml"
DETECTION_FILE = "detection.toml"
GLOSSARY_FILE = "glossary.toml"  # fandom terms that are neither warnings nor tropes


class TaxonomyError(ValueError):
    """The taxonomy files are missing, malformed or inconsistent; the message names the
    file, the entry and the field."""


# -- field types -------------------------------------------------------------------------------


def _expand(terms: Iterable[str], templates: dict[str, tuple[str, ...]]) -> tuple[str, ...]:
    """Terms normalised, ``{template}`` placeholders expanded, duplicates dropped."""
    out: list[str] = []
    for term in terms:
        for expanded in _expand_one(term, term, templates):
            norm = normalize_term(expanded)
            star = norm.endswith("*")
            norm = norm.rstrip("*").rstrip()
            if not norm:
                raise ValueError(f"empty term {term!r}")
            out.append(norm + ("*" if star else ""))
    return tuple(dict.fromkeys(out))


def _expand_one(term: str, original: str, templates: dict[str, tuple[str, ...]]) -> list[str]:
    start = term.find("{")
    if start < 0:
        return [term]
    end = term.find("}", start)
    if end < 0:
        raise ValueError(f"unclosed '{{' in term {original!r}")
    name = term[start + 1 : end]
    if name not in templates:
        raise ValueError(f"unknown template {{{name}}} in term {original!r}")
    out: list[str] = []
    for word in templates[name]:
        out.extend(_expand_one(term[:start] + word + term[end + 1 :], original, templates))
    return out


def _expanded(terms: tuple[str, ...], info: ValidationInfo) -> tuple[str, ...]:
    return _expand(terms, (info.context or {}).get("templates", {}))


def _expanded_set(terms: frozenset[str], info: ValidationInfo) -> frozenset[str]:
    return frozenset(_expand(sorted(terms), (info.context or {}).get("templates", {})))


def _not_blank(text: str) -> str:
    if not text.strip():
        raise ValueError("must not be blank")
    return text


Text = Annotated[str, AfterValidator(_not_blank)]
Slug = Annotated[str, Field(pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*$")]
# Numbers and flags as written: "1" is no number, "yes" no flag.
Int = Annotated[int, Strict()]
Number = Annotated[float, Strict()]
Flag = Annotated[bool, Strict()]
Unit = Annotated[float, Strict(), Field(ge=0, le=1)]
Weight = Annotated[float, Strict(), Field(gt=0, le=1)]
# Matched terms: normalised, templates expanded; a trailing * matches any word they begin.
Terms = Annotated[tuple[str, ...], AfterValidator(_expanded)]
SomeTerms = Annotated[tuple[str, ...], Field(min_length=1), AfterValidator(_expanded)]
TermSet = Annotated[frozenset[str], Field(min_length=1), AfterValidator(_expanded_set)]
# Word lists compared with normalised text as they are (no templates, no *).
Normal = Annotated[tuple[str, ...], AfterValidator(lambda t: tuple(map(normalize_term, t)))]
NormalSet = Annotated[frozenset[str], AfterValidator(lambda t: frozenset(map(normalize_term, t)))]
# Phrases compared with the word form of declarations ("Hurt/Comfort" -> "hurt comfort").
WordForms = Annotated[tuple[str, ...], AfterValidator(lambda t: tuple(map(word_form, t)))]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# -- detection.toml ----------------------------------------------------------------------------


class DetectionSettings(_Strict):
    """[detection]: the global knobs. All required: detection.toml is their only source."""

    threshold: Number = Field(gt=0)
    single: Weight
    anchor: Unit
    passage_min: Unit
    evidence_min: Unit
    max_evidence: Int = Field(ge=1)
    quote_chars: Int = Field(ge=20)
    hypothetical_factor: Unit
    habit_factor: Unit
    start_fraction: Unit
    end_fraction: Unit


class NegationRule(_Strict):
    terms: NormalSet
    suffixes: tuple[str, ...] = ()
    distance: Int = Field(ge=1)


class Negation(_Strict):
    """[negation]: words that negate a cue, what breaks their reach, and habit markers."""

    breakers: NormalSet = frozenset()
    habit_after: Normal = ()
    habit_before: Normal = ()
    rule: tuple[NegationRule, ...] = ()


class Hypothetical(_Strict):
    """[hypothetical]: counterfactual framing, looked for ``scope`` words before a cue."""

    before: Normal = ()
    scope: Int = Field(ge=1)


class Simile(_Strict):
    """[simile]: figurative framing just before or after a cue."""

    before: Normal = ()
    before_distance: Int = Field(ge=0)
    after: Normal = ()
    after_distance: Int = Field(ge=0)


class Idioms(_Strict):
    """[idioms]: figures of speech inside which no cue counts."""

    terms: Terms = ()


class DeclarationSettings(_Strict):
    """[declaration]: how free-text warnings in summaries and notes are recognised."""

    headers: WordForms
    phrases: WordForms
    bullets: tuple[str, ...]
    separators: tuple[str, ...]
    item_max_words: Int = Field(ge=1)
    list_max_items: Int = Field(ge=1)
    negators: WordForms
    stopwords: WordForms = ()


class _DetectionFile(_Strict):
    templates: dict[str, tuple[str, ...]]
    detection: DetectionSettings
    negation: Negation
    hypothetical: Hypothetical
    simile: Simile
    idioms: Idioms
    declaration: DeclarationSettings


class _Templates(BaseModel):
    """detection.toml's [templates] alone: read first, to expand terms everywhere else."""

    model_config = ConfigDict(extra="ignore")
    templates: dict[str, tuple[str, ...]]


# -- entries (ratings.toml, archive_warnings.toml, warnings.toml, tropes.toml, glossary.toml) --


class Context(_Strict):
    """Terms that must (requires) or must not (forbids) appear near a cue."""

    terms: SomeTerms
    window: Int = Field(default=120, gt=0)  # characters
    side: Side = "both"


class Cue(_Strict):
    """Terms and how they count."""

    terms: SomeTerms
    weight: Weight
    requires: tuple[Context, ...] = ()
    forbids: tuple[Context, ...] = ()
    negatable: Flag = True
    simile: Flag = True
    hypothetical: Unit | None = None  # None: [detection] hypothetical_factor
    rates: str | None = None
    position: Literal["start", "end"] | None = None


class Density(_Strict):
    """Counts ``weight`` when ``terms`` occur at least ``per_kword`` times per 1000 words."""

    terms: TermSet
    per_kword: Number = Field(default=20.0, gt=0)
    weight: Number = Field(default=1.0, gt=0)
    outside_quotes: Flag = False
    min_words: Int = Field(default=50, ge=0)


class _Item(_Strict):
    """What every entry has (a glossary term has nothing more)."""

    slug: Slug
    name: Text
    aliases: tuple[str, ...] = ()
    definition: Text
    ao3: Text | None = None
    implies: tuple[str, ...] = ()
    fandom: str | None = None


class _RatingItem(_Item):
    rank: Int = Field(ge=0)


class _RuledItem(_Item):
    """A warning, archive warning or trope: its tags and how it is detected. Unset numbers
    fall back to [detection] (a trope must set its threshold)."""

    ao3_tags: tuple[str, ...] = ()
    rates: str | None = None
    declared_rates: str | None = None
    threshold: Number | None = Field(default=None, gt=0)
    single: Weight | None = None
    per_kword: Number = Field(default=0.0, ge=0)
    anchor: Unit | None = None
    exclude: Terms = ()
    cue: tuple[Cue, ...] = ()
    density: tuple[Density, ...] = ()


class _RatingsFile(_Strict):
    rating: list[_RatingItem] = Field(min_length=1)


class _ArchiveFile(_Strict):
    archive_warning: list[_RuledItem] = Field(min_length=1)


class _WarningsFile(_Strict):
    warning: list[_RuledItem] = Field(min_length=1)


class _TropesFile(_Strict):
    trope: list[_RuledItem] = Field(min_length=1)


class _GlossaryFile(_Strict):
    term: list[_Item] = Field(min_length=1)


# -- characters.toml, policy.toml --------------------------------------------------------------


class Fandom(_Strict):
    """A fandom, the other names its stories are tagged with, and the words that show a
    plain-text story is in it."""

    name: Text
    aliases: tuple[str, ...] = ()
    markers: Terms = ()


class _CharacterItem(_Strict):
    name: Text
    fandom: Text
    given: tuple[str, ...] = ()
    family: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()
    ambiguous: tuple[str, ...] = ()


class _CharactersFile(_Strict):
    fandom: list[Fandom] = Field(min_length=1)
    character: list[_CharacterItem] = Field(min_length=1)


class Policy(_Strict):
    """The built-in default channel policy."""

    max_rating: str
    blocked: tuple[str, ...]
    spoilers: Flag


class _Sexual(_Strict):
    warnings: tuple[str, ...]


class _PolicyFile(_Strict):
    default: Policy
    sexual: _Sexual


# -- the loaded taxonomy -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Entry:
    """One rating, archive warning, content warning, trope or glossary term."""

    slug: str
    kind: Kind
    name: str
    aliases: tuple[str, ...] = ()
    definition: str = ""
    ao3: str | None = None
    implies: tuple[str, ...] = ()
    fandom: str | None = None
    ao3_tags: tuple[str, ...] = ()
    rank: int | None = None
    source: str = ""


@dataclass(frozen=True, slots=True)
class Rules:
    """How one warning or trope is detected and reported, its defaults filled in."""

    slug: str
    kind: Kind
    cues: tuple[Cue, ...]
    densities: tuple[Density, ...]
    excludes: tuple[str, ...]
    threshold: float
    single: float
    per_kword: float
    anchor: float
    rates: str | None
    declared_rates: str | None


@dataclass(frozen=True, slots=True)
class Character:
    """A character, the names it goes by in text, and those that are ordinary words."""

    name: str
    fandom: str
    names: tuple[str, ...]
    ambiguous: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class _Ask:
    """How one kind of name is asked for: the entry kinds it may be, the reply when it is
    none ("{}" = what was typed) and the hint when nothing is close."""

    kinds: tuple[Kind, ...]
    template: str
    hint: Callable[[Taxonomy], str]


_ASKS: dict[TermKind, _Ask] = {
    "trope": _Ask(
        ("trope",),
        "I don't know the trope {}",
        lambda tax: f"Try e.g. {', '.join(t.slug for t in tax.tropes[:5])}.",
    ),
    "warning": _Ask(
        ("warning",),
        "{} is not a content warning I know",
        lambda _tax: (
            "Try `/warnings lookup` to find its name "
            "(e.g. violence, self-harm, major character death → death)."
        ),
    ),
    "any-warning": _Ask(
        ("warning", "archive-warning"),
        "{} is not a warning I know",
        lambda _tax: "Try /warnings lookup to find its name.",
    ),
    "rating": _Ask(
        ("rating",),
        "Unknown rating {}",
        lambda tax: f"Use one of {', '.join(r.slug for r in tax.ratings)}.",
    ),
    "term": _Ask(
        ("warning", "archive-warning", "trope", "rating", "glossary"),
        "{} is not a term I know",
        lambda _tax: (
            "Try a warning or trope such as MCD, self-harm, non-con, soulmates or hurt/comfort."
        ),
    ),
}


@dataclass
class Taxonomy:
    """The loaded, validated taxonomy. Build it with :func:`load_taxonomy`."""

    directory: Path
    ratings: list[Entry]
    archive_warnings: list[Entry]
    warnings: list[Entry]
    tropes: list[Entry]
    glossary: list[Entry]  # looked up, never declared or detected
    rules: dict[str, Rules]
    detection: DetectionSettings
    negation: Negation
    hypothetical: Hypothetical
    simile: Simile
    idioms: tuple[str, ...]
    declaration: DeclarationSettings
    default_policy: Policy
    sexual_warnings: frozenset[str]
    fandoms: list[Fandom]
    characters: list[Character]
    templates: dict[str, tuple[str, ...]]
    _by_slug: dict[str, Entry] = field(default_factory=dict, repr=False)
    _by_key: dict[str, Entry] = field(default_factory=dict, repr=False)
    _tag_keys: dict[str, tuple[str, ...]] = field(default_factory=dict, repr=False)
    _compiled: dict[Callable[[Taxonomy], Any], Any] = field(default_factory=dict, repr=False)

    def __hash__(self) -> int:
        return id(self)

    def __eq__(self, other: object) -> bool:
        return self is other

    def compiled(self, build: Callable[[Taxonomy], T]) -> T:
        """What `build` makes of this taxonomy (a detector, a matcher, a pattern), built
        once and kept as long as the taxonomy is."""
        if build not in self._compiled:
            self._compiled[build] = build(self)
        return self._compiled[build]

    # -- lookups ----------------------------------------------------------------------------

    def entries(self) -> Iterator[Entry]:
        yield from self.ratings
        yield from self.archive_warnings
        yield from self.warnings
        yield from self.tropes
        yield from self.glossary

    def entry(self, slug: str) -> Entry:
        """The entry with this slug; KeyError if there is none."""
        return self._by_slug[slug]

    def display_name(self, slug: str) -> str:
        """What readers see for a slug: its entry's name, else the slug itself."""
        entry = self._by_slug.get(slug)
        return entry.name if entry is not None else slug

    def lookup(self, term: str) -> Entry | None:
        """Find an entry by slug, name, alias or AO3 tag, ignoring case and punctuation
        and a leading "TW:"/"CW:" ("MCD", "sh", "non-con", "TW: suicide")."""
        key = lookup_key(term)
        if not key:
            return None
        found = self._by_key.get(key)
        if found is not None:
            return found
        slugs = self._tag_keys.get(key, ())
        return self._by_slug[slugs[0]] if len(slugs) == 1 else None

    def require(self, text: str, kind: TermKind) -> str:
        """The slug of the `kind` of entry a person named (see :meth:`lookup`); anything
        else is an UnknownNameError offering the names a typo away, else a hint."""
        ask = _ASKS[kind]
        entry = self.lookup(text)
        if entry is not None and entry.kind in ask.kinds:
            return entry.slug
        near = self.near_names(text, ask.kinds)
        raise UnknownNameError(ask.template, text.strip(), near, ask.hint(self))

    def near_names(self, text: str, kinds: Iterable[Kind]) -> list[str]:
        """Names of up to SUGGESTIONS entries of `kinds` with a slug, name or alias within
        one edit (two for long words) of `text`, ignoring case and punctuation; none for
        very short text."""
        key = lookup_key(text)
        if len(key) < 3:
            return []
        allowed = 1 if len(key) < 10 else 2
        wanted = set(kinds)
        found: dict[str, int] = {}
        for label, slug in self.search_terms():
            entry = self._by_slug[slug]
            if entry.kind not in wanted:
                continue
            distance = DamerauLevenshtein.distance(key, lookup_key(label), score_cutoff=allowed)
            if distance <= allowed and distance < found.get(entry.name, allowed + 1):
                found[entry.name] = distance
        return sorted(found, key=lambda name: (found[name], name))[:SUGGESTIONS]

    def tag_slugs(self, tag: str) -> tuple[str, ...]:
        """Slugs whose name, alias or AO3 tag form is exactly ``tag`` (normalised); never a
        glossary entry's (a tag cannot declare one)."""
        key = lookup_key(tag)
        found = self._by_key.get(key)
        slugs = list(self._tag_keys.get(key, ()))
        if found is not None and found.kind != "glossary" and found.slug not in slugs:
            slugs.insert(0, found.slug)
        return tuple(slugs)

    def search_terms(self) -> list[tuple[str, str]]:
        """(label, slug) pairs for autocomplete: names, slugs and aliases, one per key."""
        out: list[tuple[str, str]] = []
        seen: set[str] = set()
        for e in [
            *self.warnings,
            *self.archive_warnings,
            *self.tropes,
            *self.ratings,
            *self.glossary,
        ]:
            for label in (e.name, e.slug, *e.aliases):
                key = lookup_key(label)
                if key and key not in seen:
                    seen.add(key)
                    out.append((label, e.slug))
        return out

    def rating_rank(self, slug: str) -> int:
        """Filtering rank of a rating (general 0 < teen < mature < explicit = not-rated)."""
        rank = self._by_slug[slug].rank
        if rank is None:
            raise KeyError(slug)
        return rank

    def rating_choices(self) -> list[tuple[str, str]]:
        """(slug, display name) of the ratings a maximum can be set to, in rank order: the
        first rating of each rank (Not Rated ranks with Explicit)."""
        ranks: set[int | None] = set()
        out: list[tuple[str, str]] = []
        for r in self.ratings:
            if r.rank not in ranks:
                ranks.add(r.rank)
                out.append((r.slug, r.name))
        return out

    def rating_from_label(self, label: str | None) -> str | None:
        """The rating slug for an AO3 label ("Teen And Up Audiences" -> teen)."""
        return self._kind_from_label(label, "rating")

    def archive_warning_from_label(self, label: str | None) -> str | None:
        """The archive-warning slug for an AO3 label ("Major Character Death")."""
        return self._kind_from_label(label, "archive-warning")

    def _kind_from_label(self, label: str | None, kind: Kind) -> str | None:
        if not label:
            return None
        found = self.lookup(label)
        return found.slug if found is not None and found.kind == kind else None


# -- loading ---------------------------------------------------------------------------------


def load_taxonomy(directory: Path | None = None) -> Taxonomy:
    """Load and validate the taxonomy in ``directory`` (default: the repo's, cached)."""
    if directory is None:
        return _default_taxonomy()
    return _Loader(Path(directory)).load()


@cache
def _default_taxonomy() -> Taxonomy:
    return _Loader(TAXONOMY_DIR).load()


_M = TypeVar("_M", bound=BaseModel)
_MESSAGES = {
    "extra_forbidden": "unknown key",
    "missing": "required",
    "too_short": "must not be empty",
    "tuple_type": "Input should be a list",
    "frozen_set_type": "Input should be a list",
    "list_type": "Input should be a list of tables",
    "dict_type": "Input should be a table",
    "model_type": "Input should be a table",
}
_TABLES = {"cue", "density", "requires", "forbids", "rule"}  # lists of tables, by number


def _fail(file: str, where: str, message: str) -> TaxonomyError:
    return TaxonomyError(f"{file}: {where}: {message}" if where else f"{file}: {message}")


def schema_problem(raw: Any, exc: ValidationError) -> tuple[str, str]:
    """(where, what) for the first problem pydantic found in ``raw``, the data that was
    read: the entry and table it is in, then the field and what is wrong with it."""
    errors = exc.errors(include_url=False)
    first = errors[0]
    where, key = _locate(raw, first["loc"])
    message = _MESSAGES.get(first["type"], first["msg"]).removeprefix("Value error, ")
    if key:
        message = f"'{key}': {message}"
    if len(errors) > 1:
        message += f" (and {len(errors) - 1} more)"
    return where, message


def _locate(raw: Any, loc: tuple[int | str, ...]) -> tuple[str, str]:
    """(where, field) of a pydantic error location in ``raw``, the data that was read: the
    entries and tables it is in ("entry 'self-harm', cue #2") and the field left."""
    parts: list[str] = []
    node, i = raw, 0
    while i < len(loc) and isinstance(node, dict):
        key = loc[i]
        child = node.get(key)
        index = loc[i + 1] if i + 1 < len(loc) else None
        if isinstance(child, list) and isinstance(index, int) and index < len(child):
            item = child[index]
            if not isinstance(item, dict):
                break
            if "slug" in item and key not in _TABLES:
                parts.append(f"entry '{item['slug']}'")
            elif "name" in item and key not in _TABLES:
                parts.append(f"{key} '{item['name']}'")
            else:
                parts.append(f"{key} #{index + 1}")
            node, i = item, i + 2
        elif isinstance(child, dict) and i + 1 < len(loc):
            parts.append(f"[{key}]" if not parts else str(key))
            node, i = child, i + 1
        else:
            break
    rest = loc[i:]
    key = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in rest).lstrip(".")
    return ", ".join(parts), key


class _Loader:
    """Reads and cross-checks the taxonomy files of one directory."""

    def __init__(self, directory: Path) -> None:
        self.dir = directory
        self.templates: dict[str, tuple[str, ...]] = {}

    def read(self, name: str) -> dict[str, Any]:
        path = self.dir / name
        try:
            with path.open("rb") as fh:
                return tomllib.load(fh)
        except FileNotFoundError:
            raise TaxonomyError(f"{name}: missing from {self.dir}") from None
        except tomllib.TOMLDecodeError as exc:
            raise TaxonomyError(f"{name}: not valid TOML: {exc}") from None

    def parse(self, model: type[_M], name: str, raw: dict[str, Any] | None = None) -> _M:
        """``name`` parsed into ``model`` (terms expanded with the templates)."""
        raw = self.read(name) if raw is None else raw
        try:
            return model.model_validate(raw, context={"templates": self.templates})
        except ValidationError as exc:
            raise _fail(name, *schema_problem(raw, exc)) from None

    def load(self) -> Taxonomy:
        raw = self.read(DETECTION_FILE)
        self.templates = self.parse(_Templates, DETECTION_FILE, raw).templates
        det = self.parse(_DetectionFile, DETECTION_FILE, raw)
        chars = self.parse(_CharactersFile, CHARACTERS_FILE)
        fandoms = {f.name for f in chars.fandom}
        ratings = [
            _entry(item, "rating", RATINGS_FILE)
            for item in self.parse(_RatingsFile, RATINGS_FILE).rating
        ]
        ruled: list[tuple[Kind, str, list[_RuledItem]]] = [
            (
                "archive-warning",
                ARCHIVE_FILE,
                self.parse(_ArchiveFile, ARCHIVE_FILE).archive_warning,
            ),
            ("warning", WARNINGS_FILE, self.parse(_WarningsFile, WARNINGS_FILE).warning),
            ("trope", TROPES_FILE, self.parse(_TropesFile, TROPES_FILE).trope),
        ]
        entries: dict[Kind, list[Entry]] = {}
        rules: dict[str, Rules] = {}
        for kind, file, items in ruled:
            entries[kind] = [_entry(item, kind, file) for item in items]
            for item, entry in zip(items, entries[kind], strict=True):
                rules[entry.slug] = _rules(item, entry, det.detection)
        glossary = []
        if (self.dir / GLOSSARY_FILE).is_file():
            glossary = [
                _entry(item, "glossary", GLOSSARY_FILE)
                for item in self.parse(_GlossaryFile, GLOSSARY_FILE).term
            ]
        policy = self.parse(_PolicyFile, POLICY_FILE)
        tax = Taxonomy(
            directory=self.dir,
            ratings=ratings,
            archive_warnings=entries["archive-warning"],
            warnings=entries["warning"],
            tropes=entries["trope"],
            glossary=glossary,
            rules=rules,
            detection=det.detection,
            negation=det.negation,
            hypothetical=det.hypothetical,
            simile=det.simile,
            idioms=det.idioms.terms,
            declaration=det.declaration,
            default_policy=policy.default,
            sexual_warnings=frozenset(policy.sexual.warnings),
            fandoms=list(chars.fandom),
            characters=_characters(chars, fandoms),
            templates=dict(self.templates),
        )
        _index(tax)
        _check_references(tax, fandoms)
        return tax


def _entry(item: _Item, kind: Kind, source: str) -> Entry:
    return Entry(
        slug=item.slug,
        kind=kind,
        name=item.name,
        aliases=item.aliases,
        definition=item.definition,
        ao3=item.ao3,
        implies=item.implies,
        fandom=item.fandom,
        ao3_tags=item.ao3_tags if isinstance(item, _RuledItem) else (),
        rank=item.rank if isinstance(item, _RatingItem) else None,
        source=source,
    )


def _rules(item: _RuledItem, entry: Entry, det: DetectionSettings) -> Rules:
    """An entry's detection rules, unset numbers taken from [detection]."""
    if entry.kind == "trope" and item.threshold is None:
        raise _fail(entry.source, f"entry '{entry.slug}'", "'threshold': required for a trope")
    default_anchor = det.anchor if entry.kind == "warning" else 0.0
    return Rules(
        slug=entry.slug,
        kind=entry.kind,
        cues=item.cue,
        densities=item.density,
        excludes=item.exclude,
        threshold=item.threshold if item.threshold is not None else det.threshold,
        single=item.single if item.single is not None else det.single,
        per_kword=item.per_kword,
        anchor=item.anchor if item.anchor is not None else default_anchor,
        rates=item.rates,
        declared_rates=item.declared_rates,
    )


def _characters(chars: _CharactersFile, fandoms: set[str]) -> list[Character]:
    """Every character with the names it goes by: its name and each "|" part of it, given
    and family names in both orders, each alone, and its aliases."""
    out: list[Character] = []
    seen: set[str] = set()
    for item in chars.character:
        where = f"character '{item.name}'"
        if item.name in seen:
            raise _fail(CHARACTERS_FILE, where, "duplicate character")
        seen.add(item.name)
        if item.fandom not in fandoms:
            raise _fail(CHARACTERS_FILE, where, f"'fandom': unknown fandom '{item.fandom}'")
        names = [item.name, *(p.strip() for p in item.name.split("|"))]
        for fam in item.family:
            for giv in item.given:
                names += [f"{fam} {giv}", f"{giv} {fam}"]
        names += [*item.family, *item.given, *item.aliases]
        out.append(
            Character(
                name=item.name,
                fandom=item.fandom,
                names=tuple(dict.fromkeys(n for n in names if n)),
                ambiguous=frozenset(normalize_term(a) for a in item.ambiguous),
            )
        )
    return out


def _index(tax: Taxonomy) -> None:
    """Fill the lookup tables; duplicate slugs or aliases are errors."""
    by_slug: dict[str, Entry] = {}
    by_key: dict[str, Entry] = {}
    for e in tax.entries():
        if e.slug in by_slug:
            other = by_slug[e.slug]
            raise _fail(
                e.source, f"entry '{e.slug}'", f"duplicate slug (already defined in {other.source})"
            )
        by_slug[e.slug] = e
    for e in tax.entries():
        for label in dict.fromkeys((e.slug, e.name, *e.aliases)):
            key = lookup_key(label)
            if not key:
                raise _fail(e.source, f"entry '{e.slug}'", f"empty alias {label!r}")
            other = by_key.get(key)
            if other is not None and other.slug != e.slug:
                raise _fail(
                    e.source,
                    f"entry '{e.slug}'",
                    f"duplicate alias {label!r}: already used by entry '{other.slug}' "
                    f"in {other.source}",
                )
            by_key[key] = e
    tags: dict[str, list[str]] = {}
    for e in tax.entries():
        if e.kind == "glossary":  # looked up by name, never declared by a tag
            continue
        for tag in (*e.ao3_tags, *((e.ao3,) if e.ao3 else ())):
            key = lookup_key(tag)
            if key:
                slugs = tags.setdefault(key, [])
                if e.slug not in slugs:
                    slugs.append(e.slug)
    tax._by_slug = by_slug
    tax._by_key = by_key
    tax._tag_keys = {k: tuple(v) for k, v in tags.items()}


def _check_references(tax: Taxonomy, fandoms: set[str]) -> None:
    """Every slug, rating and fandom an entry or the policy names exists."""

    def require(file: str, where: str, key: str, slug: str | None, kind: Kind) -> None:
        found = tax._by_slug.get(slug) if slug is not None else None
        if slug is not None and (found is None or found.kind != kind):
            raise _fail(file, where, f"'{key}': unknown {kind} slug '{slug}'")

    ranks = [r.rank or 0 for r in tax.ratings]
    if ranks != sorted(ranks):
        raise _fail(RATINGS_FILE, "[[rating]]", "ratings must be listed in rank order")
    for e in tax.entries():
        where = f"entry '{e.slug}'"
        if e.fandom is not None and e.fandom not in fandoms:
            raise _fail(e.source, where, f"'fandom': unknown fandom '{e.fandom}'")
        for slug in e.implies:
            require(e.source, where, "implies", slug, "warning")
    for slug, rules in tax.rules.items():
        source, where = tax.entry(slug).source, f"entry '{slug}'"
        require(source, where, "rates", rules.rates, "rating")
        require(source, where, "declared_rates", rules.declared_rates, "rating")
        for i, cue in enumerate(rules.cues):
            require(source, f"{where}, cue #{i + 1}", "rates", cue.rates, "rating")
    policy = tax.default_policy
    require(POLICY_FILE, "[default]", "max_rating", policy.max_rating, "rating")
    for slug in policy.blocked:
        require(POLICY_FILE, "[default]", "blocked", slug, "warning")
    for slug in sorted(tax.sexual_warnings):
        require(POLICY_FILE, "[sexual]", "warnings", slug, "warning")
