"""Typed rows the store hands out."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

BUNDLED = 0  # guild_id of the bundled library, visible in every server


@dataclass(frozen=True, slots=True)
class FileState:
    """What the index remembers of a source file, to skip unchanged ones."""

    story_id: int
    content_hash: str
    file_size: int
    file_mtime_ns: int
    index_version: str
    work: str | None = None  # see StoryEntry.work
    title: str = ""


@dataclass(frozen=True, slots=True)
class ReportQuote:
    """A line that shows a finding: chapter (0 = work metadata), source line, the words."""

    chapter: int
    line: int
    quote: str


@dataclass(frozen=True, slots=True)
class ReportFinding:
    """A warning or trope of a story, declared by the author or detected in the text."""

    slug: str
    source: str  # "declared" or "detected"
    confidence: float
    evidence: tuple[ReportQuote, ...]
    learned: bool = False  # found by the learned model alone: lower confidence

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ReportFinding:
        return cls(
            slug=data["slug"],
            source=data["source"],
            confidence=data["confidence"],
            evidence=tuple(
                ReportQuote(q.get("chapter") or 0, q.get("line") or 0, q["quote"])
                for q in data.get("evidence", [])
            ),
            learned=data.get("method") == "model",
        )


@dataclass(frozen=True, slots=True)
class ReportChapter:
    number: int
    title: str
    words: int


@dataclass(frozen=True, slots=True)
class StoryReport:
    """What analysis found in a story beyond its columns: the stored `ficshelf analyze`
    object (see bot.indexing.build_report), typed when read from the database."""

    summary: str
    chapters: tuple[ReportChapter, ...]
    warnings: tuple[ReportFinding, ...]  # declared, then detected
    tropes: tuple[ReportFinding, ...]
    archive_warnings: tuple[str, ...]
    subjects: frozenset[str]  # detected warnings that are the story's subject

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> StoryReport:
        return cls(
            summary=data.get("summary") or "",
            chapters=tuple(
                ReportChapter(c["number"], c["title"], c["words"]) for c in data.get("chapters", [])
            ),
            warnings=tuple(ReportFinding.from_json(w) for w in data.get("warnings", [])),
            tropes=tuple(ReportFinding.from_json(t) for t in data.get("tropes", [])),
            archive_warnings=tuple(data.get("archive_warnings", [])),
            subjects=frozenset(data.get("subjects", [])),
        )

    @property
    def warning_slugs(self) -> frozenset[str]:
        """Every warning of the story, declared or detected."""
        return frozenset(w.slug for w in self.warnings)

    @property
    def declared(self) -> frozenset[str]:
        """The warnings the author declared."""
        return frozenset(w.slug for w in self.warnings if w.source == "declared")

    def chapter_title(self, number: int) -> str:
        return next((c.title for c in self.chapters if c.number == number), "")


@dataclass(frozen=True, slots=True)
class StoryRow:
    """A story as stored, its report parsed."""

    id: int
    guild_id: int
    source: str
    title: str
    authors: list[str]
    fandoms: list[str]
    relationships: list[str]
    characters: list[str]
    tags: list[str]
    rating: str
    rating_source: str
    words: int
    url: str | None
    report: StoryReport

    @classmethod
    def from_row(cls, row: Any) -> StoryRow:
        return cls(
            id=row["id"],
            guild_id=row["guild_id"],
            source=row["source"],
            title=row["title"],
            authors=json.loads(row["authors"]),
            fandoms=json.loads(row["fandoms"]),
            relationships=json.loads(row["relationships"]),
            characters=json.loads(row["characters"]),
            tags=json.loads(row["tags"]),
            rating=row["rating"],
            rating_source=row["rating_source"],
            words=row["words"],
            url=row["url"],
            report=StoryReport.from_json(json.loads(row["report"])),
        )

    @property
    def byline(self) -> str:
        return ", ".join(self.authors) or "Anonymous"


@dataclass(frozen=True, slots=True)
class StoryName:
    """Just enough of a story for autocomplete and listings."""

    id: int
    guild_id: int
    title: str
    authors: list[str]


@dataclass(frozen=True, slots=True)
class PassageRow:
    """A passage with the facts needed to post it."""

    id: int
    story_id: int
    chapter: int
    first_line: int
    last_line: int
    text: str
    warnings: frozenset[str]  # story-declared | detected in this passage


@dataclass(frozen=True, slots=True)
class PassageEntry:
    """A passage to store, with what detection found in it."""

    chapter: int
    first_line: int
    last_line: int
    words: int
    text: str
    warnings: frozenset[str]  # detected in this passage or carried by its scene
    characters: frozenset[str]


@dataclass(frozen=True, slots=True)
class StoryEntry:
    """Everything `LibraryStore.save` writes for one source file, in one transaction."""

    guild_id: int
    source: str
    content_hash: str
    file_size: int
    file_mtime_ns: int
    index_version: str
    format: str
    title: str
    authors: list[str]
    fandoms: list[str]
    relationships: list[str]
    characters: list[str]
    tags: list[str]
    summary: str
    language: str | None
    url: str | None
    rating: str
    rating_rank: int
    rating_source: str
    words: int
    warnings: frozenset[str]  # declared or detected at story level
    declared: frozenset[str]
    tropes: frozenset[str]
    report: dict[str, Any]  # the `ficshelf analyze` object, stored as JSON (see StoryReport)
    passages: list[PassageEntry]
    added_by: int | None = None
    work: str | None = None  # the work this is a copy of ('ao3:<id>'), if known
    subjects: frozenset[str] = frozenset()  # detected warnings that are the story's subject
