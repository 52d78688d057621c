"""The taxonomy: ratings, archive warnings, content warnings, tropes, characters, policy.

Everything is read from TOML files in ``data/taxonomy`` and validated on load; no slug is
spelled in code. ``load_taxonomy()`` without arguments returns a cached instance.
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import cache, cached_property
from pathlib import Path
from typing import Any, Literal, TypeVar, cast

from bot.analysis.text import lookup_key, normalize_term, word_form

T = TypeVar("T")

Kind = Literal["rating", "archive-warning", "warning", "trope", "glossary"]
Side = Literal["before", "after", "both"]

DEFAULT_DIR = Path(__file__).resolve().parents[2] / "data" / "taxonomy"

RATINGS_FILE = "ratings.toml"
ARCHIVE_FILE = "archive_warnings.toml"
WARNINGS_FILE = "warnings.toml"
TROPES_FILE = "tropes.toml"
CHARACTERS_FILE = "characters.toml"
POLICY_FILE = "policy.toml"
DETECTION_FILE = "detection.toml"
GLOSSARY_FILE = "glossary.toml"  # fandom terms that are neither warnings nor tropes


class TaxonomyError(ValueError):
    """The taxonomy files are missing, malformed or inconsistent."""


@dataclass(frozen=True, slots=True)
class Entry:
    """One rating, archive warning, content warning or trope."""

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
class Context:
    """Terms that must (requires) or must not (forbids) appear near a cue."""

    terms: tuple[str, ...]
    window: int
    side: Side = "both"


@dataclass(frozen=True, slots=True)
class Cue:
    """Terms (normalised; a trailing ``*`` matches any word they begin) and how they count."""

    terms: tuple[str, ...]
    weight: float
    requires: tuple[Context, ...] = ()
    forbids: tuple[Context, ...] = ()
    negatable: bool = True
    simile: bool = True
    hypothetical: float | None = None
    rates: str | None = None
    position: str | None = None


@dataclass(frozen=True, slots=True)
class Density:
    """Counts ``weight`` when ``terms`` occur at least ``per_kword`` times per 1000 words."""

    terms: frozenset[str]
    per_kword: float
    weight: float
    outside_quotes: bool = False
    min_words: int = 50


@dataclass(frozen=True, slots=True)
class Rules:
    """How one warning or trope is detected and reported."""

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
class NegationRule:
    terms: frozenset[str]
    suffixes: tuple[str, ...]
    distance: int


@dataclass(frozen=True, slots=True)
class DetectionSettings:
    """The global knobs and word lists of detection.toml."""

    window: int
    threshold: float
    single: float
    anchor: float
    passage_min: float
    evidence_min: float
    max_evidence: int
    quote_chars: int
    hypothetical_factor: float
    habit_factor: float
    start_fraction: float
    end_fraction: float
    negation: tuple[NegationRule, ...]
    breakers: frozenset[str]
    habit_after: tuple[str, ...]
    habit_before: tuple[str, ...]
    hypothetical_before: tuple[str, ...]
    hypothetical_scope: int
    simile_before: tuple[str, ...]
    simile_before_distance: int
    simile_after: tuple[str, ...]
    simile_after_distance: int
    idioms: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class DeclarationSettings:
    """How free-text warnings in summaries and notes are recognised."""

    headers: tuple[str, ...]
    phrases: tuple[str, ...]
    bullets: tuple[str, ...]
    separators: tuple[str, ...]
    item_max_words: int
    list_max_items: int
    negators: tuple[str, ...]
    stopwords: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Policy:
    """The built-in default channel policy."""

    max_rating: str
    blocked: tuple[str, ...]
    spoilers: bool


@dataclass(frozen=True, slots=True)
class Fandom:
    name: str
    aliases: tuple[str, ...]
    markers: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Character:
    """A character, the names it goes by in text, and those that are ordinary words."""

    name: str
    fandom: str
    names: tuple[str, ...]
    ambiguous: frozenset[str] = frozenset()


@dataclass
class Taxonomy:
    """The loaded, validated taxonomy. Build it with :func:`load_taxonomy`."""

    directory: Path
    ratings: list[Entry]
    archive_warnings: list[Entry]
    warnings: list[Entry]
    tropes: list[Entry]
    rules: dict[str, Rules]
    detection: DetectionSettings
    declaration: DeclarationSettings
    default_policy: Policy
    sexual_warnings: frozenset[str]
    fandoms: list[Fandom]
    characters: list[Character]
    templates: dict[str, tuple[str, ...]] = field(default_factory=dict)
    glossary: list[Entry] = field(default_factory=list)  # looked up, never declared or detected
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

    @cached_property
    def max_rating_slug(self) -> str:
        """The first rating of the highest rank (explicit)."""
        top = max(self.rating_rank(r.slug) for r in self.ratings)
        return next(r.slug for r in self.ratings if self.rating_rank(r.slug) == top)


# -- loading ---------------------------------------------------------------------------------


def load_taxonomy(directory: Path | None = None) -> Taxonomy:
    """Load and validate the taxonomy in ``directory`` (default: the repo's, cached)."""
    if directory is None:
        return _default_taxonomy()
    return _Loader(Path(directory)).load()


@cache
def _default_taxonomy() -> Taxonomy:
    return _Loader(DEFAULT_DIR).load()


_ENTRY_KEYS = {
    "slug",
    "name",
    "aliases",
    "definition",
    "ao3",
    "ao3_tags",
    "implies",
    "fandom",
    "rank",
    "rates",
    "declared_rates",
    "threshold",
    "single",
    "per_kword",
    "anchor",
    "exclude",
    "cue",
    "density",
}
_GLOSSARY_KEYS = {"slug", "name", "aliases", "definition", "ao3", "implies", "fandom"}
_CUE_KEYS = {
    "terms",
    "weight",
    "requires",
    "forbids",
    "negatable",
    "simile",
    "hypothetical",
    "rates",
    "position",
}
_CONTEXT_KEYS = {"terms", "window", "side"}
_DENSITY_KEYS = {"terms", "per_kword", "weight", "outside_quotes", "min_words"}
_CHAR_KEYS = {"name", "fandom", "given", "family", "aliases", "ambiguous"}


class _Loader:
    def __init__(self, directory: Path) -> None:
        self.dir = directory
        self.templates: dict[str, tuple[str, ...]] = {}

    # -- file helpers ---------------------------------------------------------------------

    def read(self, name: str) -> dict[str, Any]:
        path = self.dir / name
        try:
            with path.open("rb") as fh:
                return tomllib.load(fh)
        except FileNotFoundError:
            raise TaxonomyError(f"{name}: missing from {self.dir}") from None
        except tomllib.TOMLDecodeError as exc:
            raise TaxonomyError(f"{name}: not valid TOML: {exc}") from None

    @staticmethod
    def fail(file: str, where: str, message: str) -> TaxonomyError:
        return TaxonomyError(f"{file}: {where}: {message}")

    def table(self, data: Mapping[str, Any], key: str, file: str) -> dict[str, Any]:
        value = data.get(key)
        if not isinstance(value, dict):
            raise self.fail(file, f"[{key}]", "missing or not a table")
        return cast(dict[str, Any], value)

    def strings(self, value: Any, file: str, where: str, key: str) -> tuple[str, ...]:
        if value is None:
            return ()
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise self.fail(file, where, f"'{key}' must be a list of strings")
        return tuple(cast(list[str], value))

    def text(self, value: Any, file: str, where: str, key: str, *, required: bool = True) -> str:
        if value is None and not required:
            return ""
        if not isinstance(value, str) or (required and not value.strip()):
            raise self.fail(file, where, f"'{key}' must be a non-empty string")
        return value

    def number(self, value: Any, file: str, where: str, key: str, default: float) -> float:
        if value is None:
            return default
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.fail(file, where, f"'{key}' must be a number")
        return float(value)

    def flag(self, value: Any, file: str, where: str, key: str, default: bool) -> bool:
        if value is None:
            return default
        if not isinstance(value, bool):
            raise self.fail(file, where, f"'{key}' must be true or false")
        return value

    def items(self, data: Mapping[str, Any], key: str, file: str) -> list[dict[str, Any]]:
        value = data.get(key)
        if not isinstance(value, list) or not value:
            raise self.fail(file, f"[[{key}]]", "missing or empty")
        out: list[dict[str, Any]] = []
        for i, item in enumerate(cast(list[Any], value)):
            if not isinstance(item, dict):
                raise self.fail(file, f"[[{key}]] #{i + 1}", "not a table")
            out.append(cast(dict[str, Any], item))
        return out

    # -- terms ----------------------------------------------------------------------------

    def expand(self, terms: Iterable[str], file: str, where: str) -> tuple[str, ...]:
        """Normalise terms and expand ``{template}`` placeholders."""
        out: list[str] = []
        for term in terms:
            for expanded in self._expand_one(term, file, where):
                norm = normalize_term(expanded)
                star = norm.endswith("*")
                norm = norm.rstrip("*").rstrip()
                if not norm:
                    raise self.fail(file, where, f"empty term {term!r}")
                out.append(norm + ("*" if star else ""))
        return tuple(dict.fromkeys(out))

    def _expand_one(self, term: str, file: str, where: str) -> list[str]:
        start = term.find("{")
        if start < 0:
            return [term]
        end = term.find("}", start)
        if end < 0:
            raise self.fail(file, where, f"unclosed '{{' in term {term!r}")
        name = term[start + 1 : end]
        if name not in self.templates:
            raise self.fail(file, where, f"unknown template {{{name}}} in term {term!r}")
        out: list[str] = []
        for word in self.templates[name]:
            out.extend(self._expand_one(term[:start] + word + term[end + 1 :], file, where))
        return out

    # -- the whole load -------------------------------------------------------------------

    def load(self) -> Taxonomy:
        det = self.read(DETECTION_FILE)
        self.templates = self.load_templates(det)
        detection = self.load_detection(det)
        declaration = self.load_declaration(det)
        fandoms, characters = self.load_characters()
        fandom_names = {f.name for f in fandoms}

        ratings = [
            self.load_entry(item, "rating", RATINGS_FILE, fandom_names)
            for item in self.items(self.read(RATINGS_FILE), "rating", RATINGS_FILE)
        ]
        rules: dict[str, Rules] = {}
        archive: list[Entry] = []
        for item in self.items(self.read(ARCHIVE_FILE), "archive_warning", ARCHIVE_FILE):
            entry = self.load_entry(item, "archive-warning", ARCHIVE_FILE, fandom_names)
            archive.append(entry)
            rules[entry.slug] = self.load_rules(item, entry, ARCHIVE_FILE, detection, 1.0)
        warnings: list[Entry] = []
        for item in self.items(self.read(WARNINGS_FILE), "warning", WARNINGS_FILE):
            entry = self.load_entry(item, "warning", WARNINGS_FILE, fandom_names)
            warnings.append(entry)
            rules[entry.slug] = self.load_rules(item, entry, WARNINGS_FILE, detection, 1.0)
        tropes: list[Entry] = []
        for item in self.items(self.read(TROPES_FILE), "trope", TROPES_FILE):
            entry = self.load_entry(item, "trope", TROPES_FILE, fandom_names)
            tropes.append(entry)
            rules[entry.slug] = self.load_rules(item, entry, TROPES_FILE, detection, 1.5)
        glossary = self.load_glossary(fandom_names)

        tax = Taxonomy(
            directory=self.dir,
            ratings=ratings,
            archive_warnings=archive,
            warnings=warnings,
            tropes=tropes,
            rules=rules,
            detection=detection,
            declaration=declaration,
            default_policy=Policy("", (), True),
            sexual_warnings=frozenset(),
            fandoms=fandoms,
            characters=characters,
            templates=dict(self.templates),
            glossary=glossary,
        )
        self.index(tax)
        self.check_references(tax)
        tax.default_policy, tax.sexual_warnings = self.load_policy(tax)
        return tax

    def load_templates(self, det: Mapping[str, Any]) -> dict[str, tuple[str, ...]]:
        raw = self.table(det, "templates", DETECTION_FILE)
        return {
            name: self.strings(words, DETECTION_FILE, "[templates]", name)
            for name, words in raw.items()
        }

    def load_detection(self, det: Mapping[str, Any]) -> DetectionSettings:
        f = DETECTION_FILE
        d = self.table(det, "detection", f)
        neg = self.table(det, "negation", f)
        hyp = self.table(det, "hypothetical", f)
        sim = self.table(det, "simile", f)
        idioms = self.table(det, "idioms", f)
        rules: list[NegationRule] = []
        for i, rule in enumerate(neg.get("rule") or []):
            where = f"[[negation.rule]] #{i + 1}"
            if not isinstance(rule, dict):
                raise self.fail(f, where, "not a table")
            rule = cast(dict[str, Any], rule)
            rules.append(
                NegationRule(
                    terms=frozenset(
                        normalize_term(t)
                        for t in self.strings(rule.get("terms"), f, where, "terms")
                    ),
                    suffixes=self.strings(rule.get("suffixes"), f, where, "suffixes"),
                    distance=int(self.number(rule.get("distance"), f, where, "distance", 4)),
                )
            )

        def num(key: str, default: float) -> float:
            return self.number(d.get(key), f, "[detection]", key, default)

        def norm_list(table: Mapping[str, Any], key: str, where: str) -> tuple[str, ...]:
            return tuple(normalize_term(t) for t in self.strings(table.get(key), f, where, key))

        return DetectionSettings(
            window=int(num("window", 120)),
            threshold=num("threshold", 1.0),
            single=num("single", 0.85),
            anchor=num("anchor", 0.4),
            passage_min=num("passage_min", 0.35),
            evidence_min=num("evidence_min", 0.3),
            max_evidence=int(num("max_evidence", 3)),
            quote_chars=int(num("quote_chars", 200)),
            hypothetical_factor=num("hypothetical_factor", 0.4),
            habit_factor=num("habit_factor", 0.8),
            start_fraction=num("start_fraction", 0.3),
            end_fraction=num("end_fraction", 0.2),
            negation=tuple(rules),
            breakers=frozenset(norm_list(neg, "breakers", "[negation]")),
            habit_after=norm_list(neg, "habit_after", "[negation]"),
            habit_before=norm_list(neg, "habit_before", "[negation]"),
            hypothetical_before=norm_list(hyp, "before", "[hypothetical]"),
            hypothetical_scope=int(self.number(hyp.get("scope"), f, "[hypothetical]", "scope", 10)),
            simile_before=norm_list(sim, "before", "[simile]"),
            simile_before_distance=int(
                self.number(sim.get("before_distance"), f, "[simile]", "before_distance", 3)
            ),
            simile_after=norm_list(sim, "after", "[simile]"),
            simile_after_distance=int(
                self.number(sim.get("after_distance"), f, "[simile]", "after_distance", 1)
            ),
            idioms=self.expand(
                self.strings(idioms.get("terms"), f, "[idioms]", "terms"), f, "[idioms]"
            ),
        )

    def load_declaration(self, det: Mapping[str, Any]) -> DeclarationSettings:
        f, where = DETECTION_FILE, "[declaration]"
        d = self.table(det, "declaration", f)
        return DeclarationSettings(
            headers=tuple(
                word_form(h) for h in self.strings(d.get("headers"), f, where, "headers")
            ),
            phrases=tuple(
                word_form(p) for p in self.strings(d.get("phrases"), f, where, "phrases")
            ),
            bullets=self.strings(d.get("bullets"), f, where, "bullets"),
            separators=self.strings(d.get("separators"), f, where, "separators"),
            item_max_words=int(
                self.number(d.get("item_max_words"), f, where, "item_max_words", 10)
            ),
            list_max_items=int(
                self.number(d.get("list_max_items"), f, where, "list_max_items", 40)
            ),
            negators=tuple(
                word_form(n) for n in self.strings(d.get("negators"), f, where, "negators")
            ),
            stopwords=tuple(
                word_form(n) for n in self.strings(d.get("stopwords"), f, where, "stopwords")
            ),
        )

    def load_characters(self) -> tuple[list[Fandom], list[Character]]:
        f = CHARACTERS_FILE
        data = self.read(f)
        fandoms: list[Fandom] = []
        for item in self.items(data, "fandom", f):
            name = self.text(item.get("name"), f, "[[fandom]]", "name")
            where = f"fandom '{name}'"
            fandoms.append(
                Fandom(
                    name=name,
                    aliases=self.strings(item.get("aliases"), f, where, "aliases"),
                    markers=self.expand(
                        self.strings(item.get("markers"), f, where, "markers"), f, where
                    ),
                )
            )
        known = {fd.name for fd in fandoms}
        characters: list[Character] = []
        seen: dict[str, str] = {}
        for i, item in enumerate(self.items(data, "character", f)):
            name = self.text(item.get("name"), f, f"[[character]] #{i + 1}", "name")
            where = f"character '{name}'"
            unknown = set(item) - _CHAR_KEYS
            if unknown:
                raise self.fail(f, where, f"unknown key(s) {sorted(unknown)}")
            if name in seen:
                raise self.fail(f, where, "duplicate character")
            seen[name] = name
            fandom = self.text(item.get("fandom"), f, where, "fandom")
            if fandom not in known:
                raise self.fail(f, where, f"unknown fandom '{fandom}'")
            given = self.strings(item.get("given"), f, where, "given")
            family = self.strings(item.get("family"), f, where, "family")
            names: list[str] = [name, *(p.strip() for p in name.split("|"))]
            for fam in family:
                for giv in given:
                    names += [f"{fam} {giv}", f"{giv} {fam}"]
            names += [*family, *given, *self.strings(item.get("aliases"), f, where, "aliases")]
            ambiguous = self.strings(item.get("ambiguous"), f, where, "ambiguous")
            characters.append(
                Character(
                    name=name,
                    fandom=fandom,
                    names=tuple(dict.fromkeys(n for n in names if n)),
                    ambiguous=frozenset(normalize_term(a) for a in ambiguous),
                )
            )
        return fandoms, characters

    def load_entry(
        self, item: Mapping[str, Any], kind: Kind, file: str, fandoms: set[str]
    ) -> Entry:
        slug = self.text(item.get("slug"), file, f"{kind} without slug", "slug")
        where = f"entry '{slug}'"
        unknown = set(item) - _ENTRY_KEYS
        if unknown:
            raise self.fail(file, where, f"unknown key(s) {sorted(unknown)}")
        if slug != slug.strip().lower() or " " in slug:
            raise self.fail(file, where, "slug must be lower-case without spaces")
        fandom = item.get("fandom")
        if fandom is not None and fandom not in fandoms:
            raise self.fail(file, where, f"unknown fandom '{fandom}'")
        rank = item.get("rank")
        if kind == "rating" and not isinstance(rank, int):
            raise self.fail(file, where, "a rating needs an integer 'rank'")
        ao3 = item.get("ao3")
        return Entry(
            slug=slug,
            kind=kind,
            name=self.text(item.get("name"), file, where, "name"),
            aliases=self.strings(item.get("aliases"), file, where, "aliases"),
            definition=self.text(item.get("definition"), file, where, "definition"),
            ao3=self.text(ao3, file, where, "ao3") if ao3 is not None else None,
            implies=self.strings(item.get("implies"), file, where, "implies"),
            fandom=cast(str | None, fandom),
            ao3_tags=self.strings(item.get("ao3_tags"), file, where, "ao3_tags"),
            rank=cast(int | None, rank),
            source=file,
        )

    def load_glossary(self, fandoms: set[str]) -> list[Entry]:
        """glossary.toml's [[term]] entries (optional file): a name, aliases, a definition
        and what it implies; no cues and no AO3 tags, so nothing declares or detects one."""
        if not (self.dir / GLOSSARY_FILE).is_file():
            return []
        out: list[Entry] = []
        for item in self.items(self.read(GLOSSARY_FILE), "term", GLOSSARY_FILE):
            extra = set(item) - _GLOSSARY_KEYS
            if extra:
                where = f"entry '{item.get('slug')}'"
                raise self.fail(GLOSSARY_FILE, where, f"not allowed in a glossary: {sorted(extra)}")
            out.append(self.load_entry(item, "glossary", GLOSSARY_FILE, fandoms))
        return out

    def load_rules(
        self,
        item: Mapping[str, Any],
        entry: Entry,
        file: str,
        det: DetectionSettings,
        default_threshold: float,
    ) -> Rules:
        where = f"entry '{entry.slug}'"
        cues: list[Cue] = []
        for i, raw in enumerate(item.get("cue") or []):
            cues.append(self.load_cue(raw, file, f"{where}, cue #{i + 1}"))
        densities: list[Density] = []
        for i, raw in enumerate(item.get("density") or []):
            dwhere = f"{where}, density #{i + 1}"
            if not isinstance(raw, dict):
                raise self.fail(file, dwhere, "not a table")
            raw = cast(dict[str, Any], raw)
            unknown = set(raw) - _DENSITY_KEYS
            if unknown:
                raise self.fail(file, dwhere, f"unknown key(s) {sorted(unknown)}")
            densities.append(
                Density(
                    terms=frozenset(
                        self.expand(
                            self.strings(raw.get("terms"), file, dwhere, "terms"), file, dwhere
                        )
                    ),
                    per_kword=self.number(raw.get("per_kword"), file, dwhere, "per_kword", 20),
                    weight=self.number(raw.get("weight"), file, dwhere, "weight", 1.0),
                    outside_quotes=self.flag(
                        raw.get("outside_quotes"), file, dwhere, "outside_quotes", False
                    ),
                    min_words=int(self.number(raw.get("min_words"), file, dwhere, "min_words", 50)),
                )
            )
        return Rules(
            slug=entry.slug,
            kind=entry.kind,
            cues=tuple(cues),
            densities=tuple(densities),
            excludes=self.expand(
                self.strings(item.get("exclude"), file, where, "exclude"), file, where
            ),
            threshold=self.number(
                item.get("threshold"), file, where, "threshold", default_threshold
            )
            if entry.kind == "trope" or item.get("threshold") is not None
            else det.threshold,
            single=self.number(item.get("single"), file, where, "single", det.single),
            per_kword=self.number(item.get("per_kword"), file, where, "per_kword", 0.0),
            anchor=self.number(
                item.get("anchor"),
                file,
                where,
                "anchor",
                det.anchor if entry.kind == "warning" else 0.0,
            ),
            rates=cast(str | None, item.get("rates")),
            declared_rates=cast(str | None, item.get("declared_rates")),
        )

    def load_cue(self, raw: Any, file: str, where: str) -> Cue:
        if not isinstance(raw, dict):
            raise self.fail(file, where, "not a table")
        raw = cast(dict[str, Any], raw)
        unknown = set(raw) - _CUE_KEYS
        if unknown:
            raise self.fail(file, where, f"unknown key(s) {sorted(unknown)}")
        weight = self.number(raw.get("weight"), file, where, "weight", -1)
        if not 0 < weight <= 1:
            raise self.fail(file, where, "'weight' must be in (0, 1]")
        hyp = raw.get("hypothetical")
        position = raw.get("position")
        if position not in (None, "start", "end"):
            raise self.fail(file, where, '\'position\' must be "start" or "end"')
        terms = self.expand(self.strings(raw.get("terms"), file, where, "terms"), file, where)
        if not terms:
            raise self.fail(file, where, "a cue needs terms")
        return Cue(
            terms=terms,
            weight=weight,
            requires=self.load_contexts(raw.get("requires"), file, where, "requires"),
            forbids=self.load_contexts(raw.get("forbids"), file, where, "forbids"),
            negatable=self.flag(raw.get("negatable"), file, where, "negatable", True),
            simile=self.flag(raw.get("simile"), file, where, "simile", True),
            hypothetical=self.number(hyp, file, where, "hypothetical", 0)
            if hyp is not None
            else None,
            rates=cast(str | None, raw.get("rates")),
            position=cast(str | None, position),
        )

    def load_contexts(self, raw: Any, file: str, where: str, key: str) -> tuple[Context, ...]:
        if raw is None:
            return ()
        if not isinstance(raw, list):
            raise self.fail(file, where, f"'{key}' must be a list of {{ terms, window, side }}")
        out: list[Context] = []
        for ctx in cast(list[Any], raw):
            if not isinstance(ctx, dict):
                raise self.fail(file, where, f"'{key}' must be a list of {{ terms, window, side }}")
            ctx = cast(dict[str, Any], ctx)
            unknown = set(ctx) - _CONTEXT_KEYS
            if unknown:
                raise self.fail(file, where, f"unknown key(s) {sorted(unknown)} in '{key}'")
            side = ctx.get("side", "both")
            if side not in ("before", "after", "both"):
                raise self.fail(file, where, f"'side' in '{key}' must be before, after or both")
            terms = self.expand(self.strings(ctx.get("terms"), file, where, key), file, where)
            if not terms:
                raise self.fail(file, where, f"empty terms in '{key}'")
            out.append(
                Context(
                    terms=terms,
                    window=int(self.number(ctx.get("window"), file, where, "window", 120)),
                    side=cast(Side, side),
                )
            )
        return tuple(out)

    def load_policy(self, tax: Taxonomy) -> tuple[Policy, frozenset[str]]:
        f = POLICY_FILE
        data = self.read(f)
        default = self.table(data, "default", f)
        sexual = self.table(data, "sexual", f)
        max_rating = self.text(default.get("max_rating"), f, "[default]", "max_rating")
        blocked = self.strings(default.get("blocked"), f, "[default]", "blocked")
        spoilers = self.flag(default.get("spoilers"), f, "[default]", "spoilers", True)
        sexual_slugs = self.strings(sexual.get("warnings"), f, "[sexual]", "warnings")
        self.require(tax, f, "[default]", max_rating, ("rating",))
        for slug in blocked:
            self.require(tax, f, "[default] blocked", slug, ("warning",))
        for slug in sexual_slugs:
            self.require(tax, f, "[sexual]", slug, ("warning",))
        return Policy(max_rating, blocked, spoilers), frozenset(sexual_slugs)

    # -- validation -----------------------------------------------------------------------

    def index(self, tax: Taxonomy) -> None:
        """Fill the lookup tables; duplicate slugs or aliases are errors."""
        by_slug: dict[str, Entry] = {}
        by_key: dict[str, Entry] = {}
        for e in tax.entries():
            if e.slug in by_slug:
                other = by_slug[e.slug]
                raise self.fail(
                    e.source,
                    f"entry '{e.slug}'",
                    f"duplicate slug (already defined in {other.source})",
                )
            by_slug[e.slug] = e
        for e in tax.entries():
            for label in dict.fromkeys((e.slug, e.name, *e.aliases)):
                key = lookup_key(label)
                if not key:
                    raise self.fail(e.source, f"entry '{e.slug}'", f"empty alias {label!r}")
                other = by_key.get(key)
                if other is not None and other.slug != e.slug:
                    raise self.fail(
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

    def require(
        self, tax: Taxonomy, file: str, where: str, slug: str | None, kinds: tuple[Kind, ...]
    ) -> None:
        if slug is None:
            return
        found = tax._by_slug.get(slug)
        if found is None or found.kind not in kinds:
            raise self.fail(file, where, f"unknown {' or '.join(kinds)} slug '{slug}'")

    def check_references(self, tax: Taxonomy) -> None:
        ratings = [r.rank or 0 for r in tax.ratings]
        if ratings != sorted(ratings):
            raise self.fail(RATINGS_FILE, "[[rating]]", "ratings must be listed in rank order")
        for e in tax.entries():
            for slug in e.implies:
                self.require(tax, e.source, f"entry '{e.slug}' implies", slug, ("warning",))
        for slug, rules in tax.rules.items():
            e = tax.entry(slug)
            where = f"entry '{slug}'"
            self.require(tax, e.source, where, rules.rates, ("rating",))
            self.require(tax, e.source, where, rules.declared_rates, ("rating",))
            for i, cue in enumerate(rules.cues):
                self.require(tax, e.source, f"{where}, cue #{i + 1}", cue.rates, ("rating",))
