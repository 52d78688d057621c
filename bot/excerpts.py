"""Random excerpts: a passage drawn uniformly from what this channel may show."""

from __future__ import annotations

import logging
import random
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from bot.analysis.characters import character_filter
from bot.analysis.taxonomy import Taxonomy
from bot.context import Where
from bot.directory import StoryDirectory, resolve_term
from bot.guild_config import GuildConfig
from bot.markup import echo, number
from bot.policy import ChannelPolicy, allows, content_warnings
from bot.store.library import LibraryStore, PassageFilter
from bot.store.records import PassageRow, StoryRow

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Excerpt:
    """A passage cleared for this channel, with what a post of it must show."""

    story: StoryRow
    passage: PassageRow
    chapter_title: str
    chapter_count: int
    warnings: list[str]  # display names for the CW line
    spoilers: bool


@dataclass(frozen=True, slots=True)
class NoExcerpt:
    """Why nothing could be posted, in words for the reader."""

    message: str


class Excerpts:
    def __init__(
        self,
        library: LibraryStore,
        config: GuildConfig,
        directory: StoryDirectory,
        tax: Taxonomy,
        rng: random.Random,
    ) -> None:
        self.library = library
        self.config = config
        self.directory = directory
        self.tax = tax
        self.rng = rng

    async def parse_filter(
        self,
        where: Where,
        *,
        story: str | None = None,
        trope: str | None = None,
        character: str | None = None,
        query: str | None = None,
    ) -> PassageFilter:
        """Turn the options a person typed into a filter, or a UserError saying what's wrong."""
        story_id = (await self.directory.resolve(where.guild_id, story)).id if story else None
        trope_slug = None
        if trope:
            examples = ", ".join(t.slug for t in self.tax.tropes[:5])
            trope_slug = resolve_term(
                self.tax, trope, ("trope",), "I don't know the trope {}", f"Try e.g. {examples}."
            ).slug
        name = None
        if character:
            known = await self.library.story_characters(where.guild_id)
            name = character_filter(character, known, self.tax)
        return PassageFilter(
            story_id=story_id, trope=trope_slug, character=name, query=query or None
        )

    async def draw(self, where: Where, filt: PassageFilter) -> Excerpt | NoExcerpt:
        view = await self.config.view(where)
        passage = await self.library.random_passage(
            where.guild_id, filt, view.store_filter, self.rng
        )
        story = await self.library.story(where.guild_id, passage.story_id) if passage else None
        if passage is None or story is None:
            return NoExcerpt(await self._why_nothing(where, filt))
        declared = {w["slug"] for w in story.report["warnings"] if w["source"] == "declared"}
        # Defence in depth: the store filtered already; the policy module has the last word.
        if not allows(
            view.eligibility,
            self.config.vocab,
            rating=story.rating,
            declared=declared,
            detected=passage.warnings,
        ):
            log.error("store returned passage %s not allowed in %s", passage.id, where)
            return NoExcerpt(await self._why_nothing(where, filt))
        return excerpt_of(story, passage, view.policy, self.config.names(), passage.warnings)

    async def _why_nothing(self, where: Where, filt: PassageFilter) -> str:
        wanted = _describe_filter(filt, self.tax)
        total = await self.library.count_passages(where.guild_id, filt)
        if total == 0:
            stories, _ = await self.library.stats(where.guild_id)
            if stories == 0:
                return (
                    "This server's library is empty: a moderator can add stories with /library add."
                )
            return (
                f"Nothing in this server's library matches {wanted}."
                if wanted
                else ("This server's library has no passages yet.")
            )
        view = await self.config.view(where)
        subject = f"{number(total)} passage{'s' if total != 1 else ''}" + (
            f" match{'es' if total == 1 else ''} {wanted}" if wanted else " exist"
        )
        out = await self.library.exclusions(where.guild_id, filt, view.store_filter)
        names = self.config.names()
        reasons = [f"{number(out.over)} rated above what this channel allows"] if out.over else []
        reasons += [
            f"{number(n)} {'story' if n == 1 else 'stories'} whose subject is"
            f" {names.get(slug, slug)} (detected)"
            for slug, n in sorted(out.by_subject.items(), key=lambda kv: -kv[1])
        ]
        reasons += [
            f"{number(n)} with {names.get(slug, slug)}"
            for slug, n in sorted(out.by_warning.items(), key=lambda kv: -kv[1])
        ]
        why = f" (left out: {'; '.join(reasons)})" if reasons else ""
        return (
            f"{subject}, but none fits this channel{why}. "
            f"This channel's settings: {self.config.describe(view)}."
        )


def excerpt_of(
    story: StoryRow,
    passage: PassageRow,
    policy: ChannelPolicy,
    names: Mapping[str, str],
    detected: Iterable[str],
) -> Excerpt:
    """A passage cleared for a channel, as a post of it shows it (its CW line and chapter)."""
    declared = {w["slug"] for w in story.report["warnings"] if w["source"] == "declared"}
    chapters = story.report["chapters"]
    title = next((c["title"] for c in chapters if c["number"] == passage.chapter), "")
    cws = content_warnings(policy, declared=declared, detected=detected)
    return Excerpt(
        story=story,
        passage=passage,
        chapter_title=title,
        chapter_count=len(chapters),
        warnings=[names.get(w, w) for w in cws],
        spoilers=policy.spoilers,
    )


def _describe_filter(filt: PassageFilter, tax: Taxonomy) -> str:
    parts = []
    if filt.story_id is not None:
        parts.append("that story")
    if filt.trope:
        parts.append(f"trope {tax.entry(filt.trope).name}")
    if filt.character:
        parts.append(f"character {echo(filt.character)}")
    if filt.query:
        parts.append(f"“{echo(filt.query)}”")
    return " + ".join(parts)
