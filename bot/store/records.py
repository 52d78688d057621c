"""Typed rows the store hands out."""

from __future__ import annotations

import json
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
class StoryRow:
    """A story as stored; `report` is the `ficshelf analyze` object."""

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
    report: dict[str, Any]

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
            report=json.loads(row["report"]),
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
    report: dict[str, Any]
    passages: list[PassageEntry]
    added_by: int | None = None
    work: str | None = None  # the work this is a copy of ('ao3:<id>'), if known
    subjects: frozenset[str] = frozenset()  # detected warnings that are the story's subject
