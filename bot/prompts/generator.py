"""Trope writing prompts: a template for the trope, filled with names from one fandom.

Templates live in ``data/prompts/tropes/<slug>.toml`` (``templates = [...]``), settings in
``data/prompts/settings.toml``. Which fandom a trope belongs to, and the names a fandom's
stories are tagged with, are the taxonomy's (tropes.toml, characters.toml).
A template may use only the placeholders ``{a}``, ``{b}`` (two characters), ``{pair}``
(their relationship) and ``{setting}``.

Generation is pure: the same book, materials, avoid set and ``random.Random`` state give
the same prompt. Names come from the library's metadata only (characters and
relationships), never from story text, and from a single fandom per prompt.
"""

from __future__ import annotations

import difflib
import hashlib
import itertools
import random
import re
import string
import tomllib
from collections.abc import Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Annotated, TypeVar

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError

from bot.analysis.taxonomy import Taxonomy, load_taxonomy, schema_problem
from bot.paths import PROMPTS_DIR

__all__ = [
    "PLACEHOLDERS",
    "Prompt",
    "PromptBook",
    "PromptDataError",
    "PromptMaterial",
    "load_templates",
]

PLACEHOLDERS = frozenset({"a", "b", "pair", "setting"})
GENERIC_A = "your OC"
GENERIC_B = "their rival"

_RANDOM_TRIES = 12  # random draws before searching the remaining space in order
_MAX_CASTS = 128  # character pairs considered per fandom (libraries can be large)
_MAX_NAME = 60
_T = TypeVar("_T")
_SENTENCE_START = re.compile(r"(?:^|[.!?][\"”’)]?\s+)$")
_READER = re.compile(r"\b(?:reader|y/n|you)\b", re.IGNORECASE)
_NOT_A_CHARACTER = re.compile(r"\b(?:reader|y/n|you)\b|^original\b|^oc$|^o[fm]c$", re.IGNORECASE)


class PromptDataError(ValueError):
    """The prompt data files are malformed; the message names the file and the template."""


@dataclass(frozen=True)
class PromptMaterial:
    """What a library offers one fandom: its character and relationship tags."""

    fandom: str | None
    characters: list[str]
    relationships: list[str]


KEY_SEPARATOR = ":"


def key_trope(key: str) -> str | None:
    """The trope a prompt's key was made for (keys are "trope:template:fillers")."""
    trope, sep, _ = key.partition(KEY_SEPARATOR)
    return trope if sep and trope else None


@dataclass(frozen=True)
class Prompt:
    """A filled-in writing prompt. ``key`` identifies the template and its fillers."""

    key: str
    trope: str
    fandom: str | None
    text: str


@dataclass(frozen=True)
class Template:
    """One template of a trope, as read from its file."""

    trope: str
    text: str
    fields: frozenset[str]
    source: str
    parts: tuple[tuple[str, str | None], ...] = ()  # (literal, placeholder after it)

    @property
    def solo(self) -> bool:
        """True when the template names only one character ({a})."""
        return not self.fields & {"b", "pair"}

    @property
    def id(self) -> str:
        return hashlib.sha1(self.text.encode(), usedforsecurity=False).hexdigest()[:8]


@dataclass(frozen=True)
class FandomSettings:
    """A fandom's own settings and the other names its stories may be tagged with."""

    name: str
    aliases: tuple[str, ...]
    settings: tuple[str, ...]


@dataclass(frozen=True)
class _Cast:
    a: str
    b: str
    pair: str


@dataclass
class _Group:
    """The material of one fandom, merged across stories."""

    key: str | None  # canonical fandom key; None = no fandom (original works)
    name: str | None  # the fandom's display name
    characters: dict[str, None] = field(default_factory=dict)
    relationships: dict[str, None] = field(default_factory=dict)

    def has_names(self) -> bool:
        return any(_is_name(c) for c in self.characters) or any(
            _rel_names(r)[0] for r in self.relationships
        )


@dataclass(frozen=True)
class PromptBook:
    """Every trope's templates plus the settings to fill them with."""

    templates: Mapping[str, tuple[Template, ...]]
    trope_fandom: Mapping[str, str | None]
    generic_settings: tuple[str, ...]
    fandoms: tuple[FandomSettings, ...]

    def tropes(self) -> list[str]:
        """Trope slugs that have templates, sorted."""
        return sorted(self.templates)

    def generate(
        self,
        trope: str | None,
        materials: list[PromptMaterial],
        rng: random.Random,
        avoid: AbstractSet[str] = frozenset(),
        trope_fandoms: dict[str, str | None] | None = None,
    ) -> Prompt:
        """A prompt for ``trope`` (None: any trope the library can fill), not in ``avoid``
        while any alternative remains.

        ``trope_fandoms`` maps fandom-specific trope slugs to their fandom (overriding the
        ``fandom`` declared in the template files); such a trope draws on that fandom's
        material and settings only. Any other prompt uses one fandom's names, with generic
        settings or that fandom's own.
        """
        fandom_of = self._fandom_map(trope_fandoms)
        groups = self._groups(materials)
        if trope is None:
            tropes = [
                t for t in self.tropes() if fandom_of.get(t) is None or fandom_of[t] in groups
            ]
        else:
            tropes = [self._resolve(trope)]

        def options(slug: str) -> list[_Group]:
            key = fandom_of.get(slug)
            if key is not None:
                return [groups.get(key) or _Group(key, self._display(key))]
            named = [g for g in groups.values() if g.has_names()]
            return named or list(groups.values()) or [_Group(None, None)]

        cast_cache: dict[str, list[_Cast]] = {}

        def casts_of(group: _Group, slug: str) -> list[_Cast]:
            solo = all(t.solo for t in self.templates[slug])
            key = f"{group.key}\x00{solo}"
            if key not in cast_cache:
                cast_cache[key] = self._casts(group, rng, solo=solo)
            return cast_cache[key]

        first: Prompt | None = None
        for _ in range(_RANDOM_TRIES):
            slug = rng.choice(tropes)
            group = rng.choice(options(slug))
            template = rng.choice(self.templates[slug])
            cast = rng.choice(casts_of(group, slug))
            setting = rng.choice(self._settings(slug, group, fandom_of))
            prompt = _render(template, group, cast, setting)
            if prompt.key not in avoid:
                return prompt
            first = first or prompt
        # Unlucky or nearly exhausted: walk the whole space in a random order.
        for slug in _shuffled(rng, tropes):
            for group in _shuffled(rng, options(slug)):
                casts = _shuffled(rng, casts_of(group, slug))
                settings = _shuffled(rng, self._settings(slug, group, fandom_of))
                for template, cast, setting in itertools.product(
                    _shuffled(rng, self.templates[slug]), casts, settings
                ):
                    prompt = _render(template, group, cast, setting)
                    if prompt.key not in avoid:
                        return prompt
        assert first is not None
        return first  # everything has been seen recently: repeat rather than fail

    # -- internals ------------------------------------------------------------------------

    def canonical_fandom(self, name: str) -> str:
        """A key that is the same for every spelling of one fandom."""
        names = _fandom_names(name)
        for entry in self.fandoms:
            if names & _fandom_names(entry.name, *entry.aliases):
                return _norm(entry.name)
        return min(names) if names else _norm(name)

    def _display(self, key: str) -> str:
        return next((f.name for f in self.fandoms if _norm(f.name) == key), key)

    def _fandom_map(self, overrides: dict[str, str | None] | None) -> dict[str, str | None]:
        merged = dict(self.trope_fandom)
        merged.update(overrides or {})
        return {slug: self.canonical_fandom(f) if f else None for slug, f in merged.items()}

    def _groups(self, materials: Sequence[PromptMaterial]) -> dict[str | None, _Group]:
        groups: dict[str | None, _Group] = {}
        for m in materials:
            key = self.canonical_fandom(m.fandom) if m.fandom and m.fandom.strip() else None
            name = None
            if key is not None and m.fandom:
                known = (f.name for f in self.fandoms if _norm(f.name) == key)
                name = next(known, m.fandom.strip())
            group = groups.setdefault(key, _Group(key, name))
            group.characters.update(dict.fromkeys(_clean(c) for c in m.characters))
            group.relationships.update(dict.fromkeys(_clean(r) for r in m.relationships))
        return groups

    def _settings(self, slug: str, group: _Group, fandom_of: Mapping[str, str | None]) -> list[str]:
        own = [s for f in self.fandoms if _norm(f.name) == group.key for s in f.settings]
        if fandom_of.get(slug) is not None and own:
            return own
        return [*self.generic_settings, *own]

    def _resolve(self, trope: str) -> str:
        slug = re.sub(r"[\s_]+", "-", trope.strip().lower())
        if slug in self.templates:
            return slug
        close = difflib.get_close_matches(slug, self.templates, n=1, cutoff=0.75)
        hint = f"did you mean {close[0]}? " if close else ""
        examples = ", ".join(self.tropes()[:6])
        raise ValueError(f"unknown trope {trope!r}; {hint}valid tropes include {examples}, …")

    @staticmethod
    def _casts(group: _Group, rng: random.Random, *, solo: bool = False) -> list[_Cast]:
        """Who the prompt is about: a relationship's pair, else two characters, else OCs.

        With ``solo`` (a trope about one character and "you", e.g. reader-insert), the
        characters of "X/Reader" relationships come first.
        """
        casts: list[_Cast] = []
        named: list[str] = []
        readers: list[str] = []
        for rel in group.relationships:
            names, tag = _rel_names(rel)
            if len(names) >= 2 and tag:
                casts += [_Cast(names[0], names[1], tag), _Cast(names[1], names[0], tag)]
            elif len(names) == 1 and _READER.search(rel):
                readers += names
            named += names
        if solo and readers:
            return [_Cast(a, GENERIC_A, f"{a}/Reader") for a in dict.fromkeys(readers)]
        if casts:
            return casts if len(casts) <= _MAX_CASTS else rng.sample(casts, _MAX_CASTS)
        people = list(dict.fromkeys([*(c for c in group.characters if _is_name(c)), *named]))
        if len(people) >= 2:
            pairs = list(itertools.permutations(people, 2))
            if len(pairs) > _MAX_CASTS:
                pairs = rng.sample(pairs, _MAX_CASTS)
            return [_Cast(a, b, f"{a} and {b}") for a, b in pairs]
        if people:
            return [_Cast(people[0], GENERIC_A, f"{people[0]} and {GENERIC_A}")]
        return [_Cast(GENERIC_A, GENERIC_B, f"{GENERIC_A} and {GENERIC_B}")]


# -- rendering --------------------------------------------------------------------------------


def _render(template: Template, group: _Group, cast: _Cast, setting: str) -> Prompt:
    values = {"a": cast.a, "b": cast.b, "pair": cast.pair, "setting": setting}
    out = ""
    for literal, name in template.parts:
        if out.endswith(".") and literal.startswith("."):
            literal = literal[1:]  # "… at 3 a.m." + "." → one full stop
        out += literal
        if name is not None:
            value = values[name]
            if _SENTENCE_START.search(out):
                value = value[:1].upper() + value[1:]
            out += value
    text = out
    used = "\x1f".join(f"{k}={values[k]}" for k in sorted(template.fields))
    digest = hashlib.sha1(used.encode(), usedforsecurity=False).hexdigest()[:10]
    return Prompt(
        key=f"{template.trope}{KEY_SEPARATOR}{template.id}{KEY_SEPARATOR}{digest}",
        trope=template.trope,
        fandom=group.name,
        text=text,
    )


def _shuffled(rng: random.Random, items: Sequence[_T]) -> list[_T]:
    out = list(items)
    rng.shuffle(out)
    return out


# -- names --------------------------------------------------------------------------------------


def _clean(name: str) -> str:
    return " ".join(name.split())


def _is_name(name: str) -> bool:
    return bool(name) and len(name) <= _MAX_NAME and not _NOT_A_CHARACTER.search(name)


def _rel_names(rel: str) -> tuple[list[str], str | None]:
    """The character names in a relationship tag, and the tag itself if romantic (A/B)."""
    rel = re.sub(r"(?i)\by/n\b", "Reader", rel)
    romantic = "/" in rel
    parts = rel.split("/") if romantic else rel.split("&")
    names = list(dict.fromkeys(p for p in (_clean(p) for p in parts) if _is_name(p)))
    tag = "/".join(_clean(p) for p in parts) if romantic and len(names) >= 2 else None
    if tag and len(tag) > 2 * _MAX_NAME:
        tag = f"{names[0]}/{names[1]}"
    return names, tag


def _norm(text: str) -> str:
    return " ".join(text.casefold().split())


def _fandom_names(*names: str) -> set[str]:
    """Every normalised spelling in AO3-style fandom tags ("日本語 | Romaji | English")."""
    out: set[str] = set()
    for name in names:
        for part in name.split("|"):
            part = re.sub(r"\s*\((?:anime|manga|tv|comics?|movies?)\)\s*$", "", part, flags=re.I)
            part = re.sub(r"\s*-\s*all media types\s*$", "", part, flags=re.I)
            if _norm(part):
                out.add(_norm(part))
    return out


# -- loading ------------------------------------------------------------------------------------


def _setting(text: str) -> str:
    if not text.strip():
        raise ValueError("a setting must not be blank")
    if "{" in text or "}" in text:
        raise ValueError("settings cannot contain braces")
    return " ".join(text.split())


Setting = Annotated[str, AfterValidator(_setting)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _TropeFile(_Strict):
    """tropes/<slug>.toml. A trope's fandom is the taxonomy's (tropes.toml)."""

    templates: list[str] = Field(min_length=1)


class _FandomEntry(_Strict):
    """[fandoms."<name>"]: the fandom's own settings; its other names are the taxonomy's
    (characters.toml)."""

    settings: tuple[Setting, ...] = Field(min_length=1)


class _SettingsFile(_Strict):
    generic: tuple[Setting, ...] = Field(min_length=1)
    fandoms: dict[str, _FandomEntry] = {}


def load_templates(directory: Path | None = None, taxonomy: Taxonomy | None = None) -> PromptBook:
    """The prompt book in ``directory`` (default: the bundled data/prompts), its tropes'
    fandoms and the fandoms' names from ``taxonomy`` (default: the bundled one); cached."""
    return _load((directory or PROMPTS_DIR).resolve(), taxonomy or load_taxonomy())


@cache
def _load(directory: Path, tax: Taxonomy) -> PromptBook:
    templates: dict[str, tuple[Template, ...]] = {}
    trope_fandom: dict[str, str | None] = {}
    trope_dir = directory / "tropes"
    files = sorted(trope_dir.glob("*.toml")) if trope_dir.is_dir() else []
    if not files:
        raise PromptDataError(f"{trope_dir}: no trope template files (<trope-slug>.toml)")
    for path in files:
        slug = path.stem
        entry = tax.lookup(slug)
        if entry is None or entry.slug != slug or entry.kind != "trope":
            raise PromptDataError(
                f"{path}: file name must be the slug of a trope in tropes.toml, like soulmates.toml"
            )
        data = _parse(_TropeFile, path)
        templates[slug] = tuple(
            _template(path, slug, n, text) for n, text in enumerate(data.templates, start=1)
        )
        trope_fandom[slug] = entry.fandom
    path = directory / "settings.toml"
    settings = _parse(_SettingsFile, path)
    unknown = sorted(set(settings.fandoms) - {f.name for f in tax.fandoms})
    if unknown:
        raise PromptDataError(f"{path}: [fandoms.{unknown[0]!r}]: not a fandom of characters.toml")
    fandoms = tuple(
        FandomSettings(f.name, f.aliases, settings.fandoms[f.name].settings)
        for f in tax.fandoms
        if f.name in settings.fandoms
    )
    return PromptBook(templates, trope_fandom, settings.generic, fandoms)


_M = TypeVar("_M", bound=BaseModel)


def _parse(model: type[_M], path: Path) -> _M:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise PromptDataError(f"{path}: {exc}") from None
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        where, what = schema_problem(data, exc)
        raise PromptDataError(f"{path}: {where}: {what}" if where else f"{path}: {what}") from None


def _template(path: Path, slug: str, n: int, text: str) -> Template:
    where = f"{path}: template {n}"
    if not text.strip():
        raise PromptDataError(f"{where}: must not be blank")
    where += f" ({_preview(text)})"
    fields: set[str] = set()
    try:
        parsed = list(string.Formatter().parse(text))
    except ValueError as exc:
        raise PromptDataError(f"{where}: {exc} (write a literal brace as {{{{ or }}}})") from None
    allowed = ", ".join("{" + p + "}" for p in sorted(PLACEHOLDERS))
    for _, name, spec, conversion in parsed:
        if name is None:
            continue
        if name not in PLACEHOLDERS or spec or conversion:
            shown = (
                "{"
                + name
                + (f"!{conversion}" if conversion else "")
                + (f":{spec}" if spec else "")
                + "}"
            )
            raise PromptDataError(f"{where}: unknown placeholder {shown}; use {allowed}")
        fields.add(name)
    flat = " ".join(text.split())
    parts = tuple((lit, name) for lit, name, _, _ in string.Formatter().parse(flat))
    return Template(slug, flat, frozenset(fields), str(path), parts)


def _preview(text: str, width: int = 60) -> str:
    flat = " ".join(text.split())
    return repr(flat if len(flat) <= width else flat[: width - 1] + "…")
