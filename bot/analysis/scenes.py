"""Scenes: a warning found in a passage is carried by its whole scene, and a warning
detected across a story is its subject. The rules are data (data/taxonomy/scenes.toml)."""

from __future__ import annotations

import bisect
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from bot.paths import TAXONOMY_DIR
from bot.readers.model import Passage, Story

SCENES_PATH = TAXONOMY_DIR / "scenes.toml"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SceneSettings(_Strict):
    seed: float = Field(gt=0, le=1)
    model_seed: float = Field(gt=0, le=1)
    window: int = Field(ge=0, le=20)
    longest: int = Field(ge=1)
    local: frozenset[str] = frozenset()


class SubjectSettings(_Strict):
    share: float = Field(gt=0, le=1)
    one_shot_chapters: int = Field(ge=1)
    one_shot_seeds: int = Field(ge=1)
    one_shot_span: float = Field(gt=0, le=1)
    local: frozenset[str] = frozenset()


class ModelSettings(_Strict):
    story_share: float = Field(gt=0, le=1)
    sure: float = Field(gt=0, le=1)
    confidence_cap: float = Field(gt=0, le=1)


class SceneRules(_Strict):
    """data/taxonomy/scenes.toml."""

    scene: SceneSettings
    subject: SubjectSettings
    model: ModelSettings


class SceneRulesError(ValueError):
    """scenes.toml cannot be used; the message names the file and the field."""


@cache
def load_scene_rules(path: Path = SCENES_PATH) -> SceneRules:
    try:
        return SceneRules.model_validate(tomllib.loads(path.read_text(encoding="utf-8")))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise SceneRulesError(f"{path}: {exc}") from exc
    except ValidationError as exc:
        fields = "; ".join(
            f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors(include_url=False)
        )
        raise SceneRulesError(f"{path}: {fields}") from exc


@dataclass(slots=True)
class Scenes:
    """What the scenes add: per passage the warnings it inherits (slug -> the seed's
    confidence), and the story's subjects (slug -> the share of passages carrying it)."""

    inherited: list[dict[str, float]]
    subjects: dict[str, float] = field(default_factory=dict)


def scene_keys(story: Story, passages: Sequence[Passage]) -> list[tuple[int, int, int]]:
    """Per passage (chapter, first scene, last scene); scenes count the breaks before a line,
    so a passage straddling a break belongs to both scenes. An unbroken chapter is scene -1."""
    breaks = {c.number: sorted(c.breaks) for c in story.chapters}
    out = []
    for p in passages:
        cuts = breaks.get(p.chapter, [])
        if not cuts:
            out.append((p.chapter, -1, -1))
            continue
        first = bisect.bisect_right(cuts, p.first_line)
        out.append((p.chapter, first, bisect.bisect_right(cuts, p.last_line)))
    return out


def spread(
    story: Story,
    passages: Sequence[Passage],
    found: Sequence[Mapping[str, float]],
    modelled: Sequence[Mapping[str, float]],
    *,
    minimum: float,
    rules: SceneRules | None = None,
) -> Scenes:
    """Carry each seed to its scene (or window), then name the story's subjects.

    ``found`` is, per passage, the cue-detected warnings (slug -> confidence); ``modelled``
    the model-only ones (slug -> probability); ``minimum`` the passage confidence at which a
    warning counts at all.
    """
    rules = rules or load_scene_rules()
    keys = scene_keys(story, passages)
    members: dict[tuple[int, int], list[int]] = {}
    for i, (chapter, first, last) in enumerate(keys):
        for scene in range(first, last + 1):
            members.setdefault((chapter, scene), []).append(i)
    inherited: list[dict[str, float]] = [{} for _ in passages]
    seeds: dict[str, list[int]] = {}
    for i in range(len(passages)):
        for slug, conf in _seeds(found[i], modelled[i], rules):
            seeds.setdefault(slug, []).append(i)
            for j in _reach(i, keys, members, rules):
                if conf > inherited[j].get(slug, 0.0):
                    inherited[j][slug] = conf
    carried: dict[str, int] = {}  # model-only findings count through their seeds alone
    for i in range(len(passages)):
        own = {s for s, c in found[i].items() if c >= minimum and s not in modelled[i]}
        for slug in own | set(inherited[i]):
            carried[slug] = carried.get(slug, 0) + 1
    return Scenes(inherited, _subjects(story, len(passages), carried, seeds, rules))


def _seeds(
    found: Mapping[str, float], modelled: Mapping[str, float], rules: SceneRules
) -> list[tuple[str, float]]:
    settings = rules.scene
    out = [(s, c) for s, c in found.items() if c >= settings.seed and s not in settings.local]
    out += [
        (s, p)
        for s, p in modelled.items()
        if p >= settings.model_seed and s not in settings.local and s not in found
    ]
    return out


def _reach(
    i: int,
    keys: Sequence[tuple[int, int, int]],
    members: Mapping[tuple[int, int], list[int]],
    rules: SceneRules,
) -> set[int]:
    """The passages a seed in passage ``i`` reaches: its scenes, or a window in unbroken text."""
    chapter, first, last = keys[i]
    out: set[int] = set()
    for scene in range(first, last + 1):
        group = members[(chapter, scene)]
        if scene >= 0 and len(group) <= rules.scene.longest:
            out.update(group)
            continue
        at = group.index(i)
        window = rules.scene.window
        out.update(group[max(0, at - window) : at + window + 1])
    return out


def _subjects(
    story: Story,
    total: int,
    carried: Mapping[str, int],
    seeds: Mapping[str, list[int]],
    rules: SceneRules,
) -> dict[str, float]:
    settings = rules.subject
    out: dict[str, float] = {}
    if not total:
        return out
    one_shot = len(story.chapters) <= settings.one_shot_chapters
    for slug, n in carried.items():
        if slug in settings.local:
            continue
        share = n / total
        at = seeds.get(slug, [])
        built_around = (
            one_shot
            and len(at) >= settings.one_shot_seeds
            and (at[-1] - at[0] + 1) / total >= settings.one_shot_span
        )
        if share >= settings.share or built_around:
            out[slug] = round(share, 3)
    return out
