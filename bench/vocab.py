"""What the synthetic library may contain: slugs and names from data/taxonomy, proportions
from bench/profile.toml. Every slug comes from the taxonomy files; the profile only weighs
them (an unknown slug in the profile is an error, so the two cannot drift apart).
"""

from __future__ import annotations

import hashlib
import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from bot.paths import TAXONOMY_DIR

PROFILE = Path(__file__).resolve().parent / "profile.toml"


@dataclass(frozen=True, slots=True)
class WarningSpec:
    """A content warning and how often it appears."""

    slug: str
    rank: int  # least rating rank that may carry it (its `rates`)
    ao3_tags: tuple[str, ...]
    stories: float
    passages: float
    declared: float


@dataclass(frozen=True, slots=True)
class TropeSpec:
    slug: str
    ao3_tags: tuple[str, ...]
    weight: float


@dataclass(frozen=True, slots=True)
class RatingSpec:
    slug: str
    rank: int
    ao3: str
    share: float


@dataclass(frozen=True, slots=True)
class CharacterSpec:
    name: str  # canonical (AO3 tag form), as analysis stores it
    given: str  # how the text names them


@dataclass(frozen=True, slots=True)
class Vocab:
    """Everything the generator draws from."""

    ratings: tuple[RatingSpec, ...]
    warnings: tuple[WarningSpec, ...]
    tropes: tuple[TropeSpec, ...]
    characters: tuple[CharacterSpec, ...]  # in popularity order (file order)
    fandom: str  # AO3 tag of the fandom
    archive_none: str  # "No Archive Warnings Apply"
    default_max_rank: int  # built-in channel policy
    default_blocked: frozenset[str]
    shape: dict[str, Any]
    formats: dict[str, float]

    @property
    def max_rank(self) -> int:
        return max(r.rank for r in self.ratings)

    def fingerprint(self) -> str:
        """A digest of what shapes the library (slugs, ranks, names, proportions); tag
        spellings are left out so taxonomy wording edits keep cached databases valid."""
        facts = (
            [(r.slug, r.rank, r.share) for r in self.ratings],
            [(w.slug, w.rank, w.stories, w.passages, w.declared) for w in self.warnings],
            [(t.slug, t.weight) for t in self.tropes],
            [(c.name, c.given) for c in self.characters],
            self.fandom,
            self.default_max_rank,
            sorted(self.default_blocked),
            sorted(self.shape.items()),
            sorted(self.formats.items()),
        )
        return hashlib.sha256(repr(facts).encode()).hexdigest()[:10]

    def rating(self, slug: str) -> RatingSpec:
        return next(r for r in self.ratings if r.slug == slug)


def _toml(path: Path) -> dict[str, Any]:
    with path.open("rb") as fh:
        return tomllib.load(fh)


@cache
def load_vocab(taxonomy_dir: Path = TAXONOMY_DIR, profile: Path = PROFILE) -> Vocab:
    """Read the taxonomy files and the profile; raise ValueError when they disagree."""
    prof = _toml(profile)
    ratings_raw = _toml(taxonomy_dir / "ratings.toml")["rating"]
    warnings_raw = _toml(taxonomy_dir / "warnings.toml")["warning"]
    tropes_raw = _toml(taxonomy_dir / "tropes.toml")["trope"]
    chars_raw = _toml(taxonomy_dir / "characters.toml")
    archive_raw = _toml(taxonomy_dir / "archive_warnings.toml")["archive_warning"]
    policy = _toml(taxonomy_dir / "policy.toml")

    rank = {r["slug"]: int(r["rank"]) for r in ratings_raw}
    _check(prof.get("ratings", {}), rank, "rating")
    ratings = tuple(
        RatingSpec(
            r["slug"],
            int(r["rank"]),
            r.get("ao3", r["name"]),
            float(prof.get("ratings", {}).get(r["slug"], 0.0)),
        )
        for r in ratings_raw
    )
    wdefault = prof["defaults"]["warning"]
    wprof = prof.get("warnings", {})
    _check(wprof, {w["slug"] for w in warnings_raw}, "warning")
    warnings = tuple(
        WarningSpec(
            slug=w["slug"],
            rank=rank.get(w.get("rates", ""), 0),
            ao3_tags=tuple(w.get("ao3_tags", ())),
            stories=float(wprof.get(w["slug"], wdefault)["stories"]),
            passages=float(wprof.get(w["slug"], wdefault)["passages"]),
            declared=float(wprof.get(w["slug"], wdefault)["declared"]),
        )
        for w in warnings_raw
    )
    tprof = prof.get("tropes", {})
    _check(tprof, {t["slug"] for t in tropes_raw}, "trope")
    tropes = tuple(
        TropeSpec(
            t["slug"],
            tuple(t.get("ao3_tags", ())) or (t["name"],),
            float(tprof.get(t["slug"], prof["defaults"]["trope"]["weight"])),
        )
        for t in tropes_raw
    )
    characters = tuple(CharacterSpec(c["name"], _called(c)) for c in chars_raw["character"])
    fandoms = chars_raw.get("fandom", [])
    fandom = fandoms[0]["aliases"][0] if fandoms and fandoms[0].get("aliases") else "Original Work"
    none = [a for a in archive_raw if not a.get("implies")]
    default = policy["default"]
    _check(dict.fromkeys(default["blocked"], 0), {w.slug for w in warnings}, "blocked warning")
    return Vocab(
        ratings=ratings,
        warnings=warnings,
        tropes=tropes,
        characters=characters,
        fandom=fandom,
        archive_none=none[0]["ao3"] if none else "",
        default_max_rank=rank[default["max_rating"]],
        default_blocked=frozenset(default["blocked"]),
        shape=prof["shape"],
        formats={k: float(v) for k, v in prof["formats"].items()},
    )


def _called(character: dict[str, Any]) -> str:
    """The name the text uses: a given name, else the family name, else the tag's stem."""
    for key in ("given", "family"):
        if character.get(key):
            return str(character[key][0])
    return str(character["name"]).split(" (")[0].split(" | ")[0]


def _check(named: dict[str, Any], known: set[str] | dict[str, Any], kind: str) -> None:
    unknown = sorted(set(named) - set(known))
    if unknown:
        raise ValueError(f"bench/profile.toml names unknown {kind} slugs: {', '.join(unknown)}")
