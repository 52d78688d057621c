"""What the analysis layer knows about a story: ratings, warnings, tropes, characters."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Source = Literal["declared", "detected"]
Method = Literal["cues", "model"]  # how a detected finding was found
RatingSource = Literal["declared", "estimated"]


@dataclass(frozen=True, slots=True)
class Evidence:
    """Where a finding shows: chapter (0 = work metadata), source line, and the words."""

    chapter: int
    line: int
    quote: str


@dataclass(slots=True)
class Finding:
    """A warning or trope found in a story, declared by the author or detected in the text."""

    slug: str
    source: Source
    confidence: float
    evidence: list[Evidence] = field(default_factory=list)
    method: Method = "cues"  # "model": the learned classifier only, lower confidence


@dataclass(slots=True)
class PassageFacts:
    """What detection found in one passage (parallel to the story's passage list)."""

    warnings: dict[str, float] = field(default_factory=dict)  # slug -> confidence
    tropes: dict[str, float] = field(default_factory=dict)
    characters: set[str] = field(default_factory=set)
    scene: dict[str, float] = field(default_factory=dict)  # inherited from its scene


@dataclass(slots=True)
class Analysis:
    """The analysis of one story. ``passages`` is parallel to the passages it was given."""

    rating: str
    rating_source: RatingSource
    archive_warnings: list[str]
    warnings: list[Finding]
    tropes: list[Finding]
    characters: list[str]
    passages: list[PassageFacts] = field(default_factory=list)
    subjects: dict[str, float] = field(default_factory=dict)  # detected subject -> share

    def warning_slugs(self, source: Source | None = None) -> set[str]:
        return {f.slug for f in self.warnings if source is None or f.source == source}
