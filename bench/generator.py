"""The deterministic synthetic library: AO3-like stories as store entries or as files.

Each story is drawn from its own `random.Random` seeded by (seed, index), so story i is the
same in every size and run; a library of N passages is the stories in order, the last one
cut so the total is exactly N. Shape and proportions: bench/profile.toml (see vocab.py).
"""

from __future__ import annotations

import hashlib
import math
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import accumulate
from typing import Any, TypeVar

from bench.textgen import Prose, draw_rare
from bench.vocab import CharacterSpec, RatingSpec, Vocab, load_vocab
from bot.store.records import BUNDLED, PassageEntry, StoryEntry

GENERATOR_VERSION = "1"  # bump when the output changes: cached databases are rebuilt
SEED = 20261123
FIRST_GUILD = 900_000_000_000_000_000  # snowflake-like ids of the servers that upload
FIRST_USER = 800_000_000_000_000_000
MTIME_NS = 1_750_000_000_000_000_000  # file times of the bundled stories (fixed)

AO3_WORKS = "https://archiveofourown.org/works/"

T = TypeVar("T")


@dataclass(slots=True)
class SynPassage:
    paragraphs: list[str]
    warnings: frozenset[str]
    characters: frozenset[str]

    @property
    def text(self) -> str:
        return "\n\n".join(self.paragraphs)

    @property
    def words(self) -> int:
        return sum(p.count(" ") + 1 for p in self.paragraphs)


@dataclass(slots=True)
class SynChapter:
    number: int
    title: str
    passages: list[SynPassage] = field(default_factory=list)


@dataclass(slots=True)
class SynStory:
    """One synthetic work with everything analysis would have found in it."""

    index: int
    guild_id: int
    stem: str
    format: str
    title: str
    authors: list[str]
    rating: RatingSpec
    declared: frozenset[str]
    tropes: list[str]
    cast: list[CharacterSpec]
    relationships: list[str]
    tags: list[str]
    summary: str
    chapters: list[SynChapter]

    @property
    def passages(self) -> list[SynPassage]:
        return [p for c in self.chapters for p in c.passages]

    @property
    def warnings(self) -> frozenset[str]:
        return self.declared | frozenset(w for p in self.passages for w in p.warnings)


class Generator:
    """Stories of the synthetic library, in order."""

    def __init__(self, seed: int = SEED, vocab: Vocab | None = None) -> None:
        self.seed = seed
        self.vocab = vocab or load_vocab()
        v = self.vocab
        self._rating_cum = list(accumulate(r.share for r in v.ratings))
        popularity = [1.0 / (i + 1) ** 0.9 for i in range(len(v.characters))]
        self._char_weights = popularity
        self._format_names = list(v.formats)
        self._format_cum = list(accumulate(v.formats.values()))

    # -- the library --------------------------------------------------------------------

    def stories(self, passages: int) -> Iterator[SynStory]:
        """Stories totalling exactly `passages` passages, each placed in a guild."""
        shape = self.vocab.shape
        layout = random.Random(f"{self.seed}:layout")
        guild, in_guild, target = FIRST_GUILD, 0, int(shape["uploads_per_guild_max"])
        left, index = passages, 0
        while left > 0:
            if layout.random() < float(shape["bundled_share"]):
                gid = BUNDLED
            else:
                if in_guild >= target:
                    guild, in_guild = guild + 1, 0
                    target = min(
                        int(shape["uploads_per_guild_max"]),
                        max(1, int(layout.paretovariate(1.1) * 4)),
                    )
                gid, in_guild = guild, in_guild + 1
            story = self.story(index, gid, limit=left)
            left -= len(story.passages)
            index += 1
            yield story

    def story(self, index: int, guild_id: int = BUNDLED, *, limit: int | None = None) -> SynStory:
        """Story `index` (deterministic), with at most `limit` passages."""
        v, shape = self.vocab, self.vocab.shape
        rng = random.Random(f"{self.seed}:story:{index}")
        prose = Prose(rng)
        n = round(rng.lognormvariate(math.log(shape["passages_median"]), shape["passages_sigma"]))
        n = max(1, min(int(shape["passages_max"]), n))
        if limit is not None:
            n = min(n, limit)
        rating = rng.choices(v.ratings, cum_weights=self._rating_cum)[0]
        present = [w for w in v.warnings if w.rank <= rating.rank and rng.random() < w.stories]
        declared = frozenset(w.slug for w in present if rng.random() < w.declared)
        k = rng.randint(*shape["tropes_per_story"])
        tropes = _weighted_sample(rng, [t.slug for t in v.tropes], [t.weight for t in v.tropes], k)
        cast_size = min(len(v.characters), rng.randint(*shape["cast_size"]))
        cast = _weighted_sample(rng, list(v.characters), self._char_weights, cast_size)
        leads, support = cast[:2], cast[2:]
        lo, hi = shape["chapter_passages"]
        rare_lo, rare_hi = shape["rare_words_per_passage"]
        chapters: list[SynChapter] = []
        for i in range(n):
            if not chapters or len(chapters[-1].passages) >= rng.randint(lo, hi):
                chapters.append(SynChapter(len(chapters) + 1, prose.title()))
            detected = frozenset(w.slug for w in present if rng.random() < w.passages)
            names = frozenset(
                c.name for c in leads if rng.random() < shape["lead_presence"]
            ) | frozenset(c.name for c in support if rng.random() < shape["support_presence"])
            if i == 0 and not names:
                names = frozenset({leads[0].name})
            paragraphs = prose.passage(rare=rng.randint(rare_lo, rare_hi))
            chapters[-1].passages.append(SynPassage(paragraphs, detected, names))
        fmt = self._format_names[
            rng.choices(range(len(self._format_names)), cum_weights=self._format_cum)[0]
        ]
        title = prose.title()
        authors = [prose.author() for _ in range(1 if rng.random() < 0.9 else 2)]
        tags = [rng.choice(self._trope_tags(t)) for t in tropes]
        tags += [w.ao3_tags[0] for w in v.warnings if w.slug in declared and w.ao3_tags]
        tags += [draw_rare(rng) for _ in range(rng.randint(0, 3))]
        pair = "/".join(sorted(c.name for c in leads))
        relationships = [pair] + ([f"{leads[0].name} & {support[0].name}"] if support else [])
        return SynStory(
            index=index,
            guild_id=guild_id,
            stem=f"{_slugify(title)[:40]}-{index}",
            format=fmt,
            title=title,
            authors=authors,
            rating=rating,
            declared=declared,
            tropes=tropes,
            cast=cast,
            relationships=relationships,
            tags=tags,
            summary=prose.summary(),
            chapters=chapters,
        )

    def _trope_tags(self, slug: str) -> tuple[str, ...]:
        return next(t.ao3_tags for t in self.vocab.tropes if t.slug == slug)

    # -- as store entries -----------------------------------------------------------------

    def entry(self, story: SynStory, *, index_version: str, library_root: str) -> StoryEntry:
        """The StoryEntry indexing would produce for `story` (no analysis run)."""
        passages: list[PassageEntry] = []
        line = 3
        for chapter in story.chapters:
            line += 2  # the chapter heading and a blank line
            for p in chapter.passages:
                first = line
                line += 2 * len(p.paragraphs)
                passages.append(
                    PassageEntry(
                        chapter=chapter.number,
                        first_line=first,
                        last_line=line - 2,
                        words=p.words,
                        text=p.text,
                        warnings=p.warnings,
                        characters=p.characters,
                    )
                )
        size = sum(len(p.text.encode()) + 2 for p in passages) + 64 * len(story.chapters)
        bundled = story.guild_id == BUNDLED
        digest = hashlib.sha256(f"{self.seed}:{story.index}".encode()).hexdigest()
        source = (
            f"{library_root}/{story.stem}.txt"
            if bundled
            else f"upload:{digest[:16]}:{story.stem}.txt"
        )
        warnings = story.warnings
        return StoryEntry(
            guild_id=story.guild_id,
            source=source,
            content_hash=digest,
            file_size=size,
            file_mtime_ns=MTIME_NS + story.index,
            index_version=index_version,
            format=story.format,
            title=story.title,
            authors=story.authors,
            fandoms=[self.vocab.fandom],
            relationships=story.relationships,
            characters=[c.name for c in story.cast],
            tags=story.tags,
            summary=story.summary,
            language="en",
            url=None if bundled else f"{AO3_WORKS}{10_000_000 + story.index}",
            rating=story.rating.slug,
            rating_rank=story.rating.rank,
            rating_source="declared",
            words=sum(p.words for p in passages),
            warnings=warnings,
            declared=story.declared,
            tropes=frozenset(story.tropes),
            report=self.report(story, source, passages),
            passages=passages,
            added_by=None if bundled else FIRST_USER + story.index,
        )

    def report(self, story: SynStory, source: str, passages: list[PassageEntry]) -> dict[str, Any]:
        """The `ficshelf analyze` object, with evidence quotes like the real one."""

        def finding(slug: str, declared: bool) -> dict[str, Any]:
            hits = [(i, p) for i, p in enumerate(passages) if slug in p.warnings][:3]
            return {
                "slug": slug,
                "source": "declared" if declared else "detected",
                "confidence": 1.0 if declared else 0.8,
                "evidence": [
                    {"chapter": p.chapter, "line": p.first_line, "quote": p.text[:120]}
                    for _i, p in hits
                ],
            }

        return {
            "file": source,
            "format": story.format,
            "title": story.title,
            "authors": story.authors,
            "fandoms": [self.vocab.fandom],
            "relationships": story.relationships,
            "characters": [c.name for c in story.cast],
            "tags": story.tags,
            "summary": story.summary,
            "language": "en",
            "rating": story.rating.slug,
            "rating_source": "declared",
            "archive_warnings": [],
            "chapters": [
                {"number": c.number, "title": c.title, "words": sum(p.words for p in c.passages)}
                for c in story.chapters
            ],
            "words": sum(p.words for p in passages),
            "warnings": [finding(w, w in story.declared) for w in sorted(story.warnings)],
            "tropes": [
                {"slug": t, "source": "declared", "confidence": 1.0, "evidence": []}
                for t in story.tropes
            ],
        }

    # -- as files ---------------------------------------------------------------------------

    def file(self, story: SynStory) -> tuple[str, bytes]:
        """(file name, content) of the story as a plain-text file or an AO3 page copy."""
        if story.index % 2 == 0:
            return f"{story.stem}.txt", plain_text(story).encode()
        return f"{story.stem}.ao3.txt", ao3_page_text(story, self.vocab).encode()


def plain_text(story: SynStory) -> str:
    """A story as authors paste it: title, byline, chapter headings, blank-line paragraphs."""
    out = [story.title, "", f"by {story.authors[0]}", ""]
    for chapter in story.chapters:
        if len(story.chapters) > 1:
            out += [f"Chapter {chapter.number}: {chapter.title}", ""]
        for i, passage in enumerate(chapter.passages):
            if i and i % 7 == 0:
                out += ["* * *", ""]
            for paragraph in passage.paragraphs:
                out += [paragraph, ""]
    return "\n".join(out)


def ao3_page_text(story: SynStory, vocab: Vocab) -> str:
    """A story as a browser copies an AO3 work page: chrome, tag block, chapters, footer."""
    words = sum(p.words for p in story.passages)
    chapters = len(story.chapters)
    out = [
        "Skip to content",
        "Log in",
        "Work Search:",
        "",
        "Actions",
        "Entire Work",
        "Chapter Index",
        "Comments",
        "Share",
        "Download",
        "",
        "Work Header",
        "",
        "Rating:",
        story.rating.ao3,
        "Archive Warnings:",
        vocab.archive_none,
        "Category:",
        "M/M",
        "Fandom:",
        vocab.fandom,
        "Relationship:",
        ", ".join(story.relationships),
        "Characters:",
        ", ".join(c.name for c in story.cast),
        "Additional Tags:",
        ", ".join(story.tags),
        "Language:",
        "English",
        "Stats:",
        "Published:",
        "2024-01-01",
        "Words:",
        f"{words:,}",
        "Chapters:",
        f"{chapters}/{chapters}",
        "Kudos:",
        "120",
        "Hits:",
        "4,321",
        "",
        story.title,
        "",
        ", ".join(story.authors),
        "",
        "Summary:",
        "",
        story.summary,
        "",
    ]
    for chapter in story.chapters:
        if chapters > 1:
            out += [f"Chapter {chapter.number}: {chapter.title}", "", "Chapter Text", ""]
        else:
            out += ["Work Text:", ""]
        for passage in chapter.passages:
            for paragraph in passage.paragraphs:
                out += [paragraph, ""]
    out += ["Actions", "↑ Top", "Kudos ♥", "Bookmark", "Comments (3)", "", "Footer"]
    return "\n".join(out)


def _weighted_sample(rng: random.Random, items: list[T], weights: list[float], k: int) -> list[T]:
    """k distinct items, each draw proportional to weight (Efraimidis–Spirakis keys)."""
    keyed = sorted(
        zip(items, weights, strict=True),
        key=lambda iw: -(rng.random() ** (1.0 / iw[1])) if iw[1] > 0 else 0.0,
    )
    return [item for item, _w in keyed[:k]]


def _slugify(text: str) -> str:
    out = "".join(ch if ch.isalnum() else "-" for ch in text.lower())
    return "-".join(part for part in out.split("-") if part) or "story"
