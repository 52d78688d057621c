"""Random excerpts: a passage drawn uniformly from what this channel may show, and what an
excerpt's buttons (Another, More context, Report) do."""

from __future__ import annotations

import logging
import random
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from urllib.parse import quote, unquote

from bot.analysis.taxonomy import Taxonomy
from bot.context import Where
from bot.markup import echo, number
from bot.policy import ChannelPolicy, allows, content_warnings
from bot.services.config import ConfigService, PolicyView
from bot.store.library import LibraryStore, PassageFilter
from bot.store.records import PassageRow, StoryRow
from bot.store.reports import ReportStore

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


class ExcerptService:
    def __init__(
        self,
        library: LibraryStore,
        config: ConfigService,
        tax: Taxonomy,
        rng: random.Random,
    ) -> None:
        self.library = library
        self.config = config
        self.tax = tax
        self.rng = rng

    async def draw(self, where: Where, filt: PassageFilter) -> Excerpt | NoExcerpt:
        view = await self.config.view(where)
        passage = await self.library.random_passage(
            where.guild_id, filt, view.eligibility, self.rng
        )
        story = await self.library.story(where.guild_id, passage.story_id) if passage else None
        if passage is None or story is None:
            return NoExcerpt(await self._why_nothing(where, filt, view))
        declared = story.report.declared
        # Defence in depth: the store filtered already; the policy module has the last word.
        if not allows(
            view.eligibility,
            self.config.vocab,
            rating=story.rating,
            declared=declared,
            detected=passage.warnings,
        ):
            log.error("store returned passage %s not allowed in %s", passage.id, where)
            return NoExcerpt(await self._why_nothing(where, filt, view))
        return excerpt_of(story, passage, view.policy, self.tax.display_name, passage.warnings)

    async def _why_nothing(self, where: Where, filt: PassageFilter, view: PolicyView) -> str:
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
        subject = f"{number(total)} passage{'s' if total != 1 else ''}" + (
            f" match{'es' if total == 1 else ''} {wanted}" if wanted else " exist"
        )
        out = await self.library.exclusions(where.guild_id, filt, view.eligibility)
        name = self.tax.display_name
        reasons = [f"{number(out.over)} rated above what this channel allows"] if out.over else []
        reasons += [
            f"{number(n)} {'story' if n == 1 else 'stories'} whose subject is"
            f" {name(slug)} (detected)"
            for slug, n in sorted(out.by_subject.items(), key=lambda kv: -kv[1])
        ]
        reasons += [
            f"{number(n)} with {name(slug)}"
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
    name_of: Callable[[str], str],
    detected: Iterable[str],
) -> Excerpt:
    """A passage cleared for a channel, as a post of it shows it (its CW line and chapter)."""
    report = story.report
    cws = content_warnings(policy, declared=report.declared, detected=detected)
    return Excerpt(
        story=story,
        passage=passage,
        chapter_title=report.chapter_title(passage.chapter),
        chapter_count=len(report.chapters),
        warnings=[name_of(w) for w in cws],
        spoilers=policy.spoilers,
    )


def _describe_filter(filt: PassageFilter, tax: Taxonomy) -> str:
    parts = []
    if filt.story_id is not None:
        parts.append("that story")
    if filt.trope:
        parts.append(f"trope {tax.display_name(filt.trope)}")
    if filt.character:
        parts.append(f"character {echo(filt.character)}")
    if filt.query:
        parts.append(f"“{echo(filt.query)}”")
    return " + ".join(parts)


# -- the excerpt's buttons -------------------------------------------------------------------
# What an excerpt's buttons do, from nothing but their custom_id: the filter that drew the
# passage travels in it (or, when too long, a stored filter's id), so they survive restarts.
#
# custom_id layout: ``fx<version>:<action>:<passage id>:<filter>``; the filter is
# ``s<story id>|t<trope>|c<character>|q<query>`` (each part optional, values %-quoted), or
# ``#<id>`` of a stored filter.

VERSION = 1
CUSTOM_ID_LIMIT = 100
_FIELDS = (("s", "story_id"), ("t", "trope"), ("c", "character"), ("q", "query"))

GONE = "That passage is no longer in this server's library (its story was removed or changed)."
HIDDEN = "That passage has been hidden in this server after a report."
OLD = "This button is from an older version of Ficshelf; use /excerpt for a fresh excerpt."
STORY_GONE = "That story is no longer in this server's library."


def encode_filter(filt: PassageFilter) -> str:
    """The filter as custom_id text (may be too long: see `ExcerptActionService.filter_code`)."""
    parts = []
    for key, attr in _FIELDS:
        value = getattr(filt, attr)
        if value is not None:
            parts.append(key + quote(str(value), safe=""))
    return "|".join(parts)


def decode_filter(text: str) -> PassageFilter:
    """The inverse of `encode_filter`; ValueError when it cannot be read."""
    values: dict[str, object] = {}
    names = dict(_FIELDS)
    for part in text.split("|") if text else []:
        key, value = part[:1], unquote(part[1:])
        if key not in names:
            raise ValueError(f"unknown filter part {part!r}")
        values[names[key]] = int(value) if key == "s" else value
    return PassageFilter(**values)  # type: ignore[arg-type]


def custom_id(action: str, passage_id: int, code: str) -> str:
    return f"fx{VERSION}:{action}:{passage_id}:{code}"


@dataclass(frozen=True, slots=True)
class Skipped:
    """A neighbouring passage left out of More context, and why (for the reader)."""

    where: str  # "before" or "after"
    message: str


@dataclass(frozen=True, slots=True)
class MoreContext:
    before: Excerpt | Skipped | None
    after: Excerpt | Skipped | None


class ExcerptActionService:
    """Another, More context and the checks behind Report."""

    def __init__(
        self,
        excerpts: ExcerptService,
        library: LibraryStore,
        config: ConfigService,
        reports: ReportStore,
    ) -> None:
        self.excerpts = excerpts
        self.library = library
        self.config = config
        self.reports = reports

    async def filter_code(self, filt: PassageFilter, action_room: int = 24) -> str:
        """The filter as it travels in a custom_id: inline when it fits, else `#<id>`."""
        text = encode_filter(filt)
        if len(text) + action_room <= CUSTOM_ID_LIMIT:
            return text
        return f"#{await self.reports.filter_id(text)}"

    async def filter_from_code(self, code: str) -> PassageFilter | None:
        try:
            if code.startswith("#"):
                text = await self.reports.filter_text(int(code[1:]))
                return None if text is None else decode_filter(text)
            return decode_filter(code)
        except ValueError:
            return None

    async def another(self, where: Where, code: str) -> Excerpt | NoExcerpt:
        """A new draw with the filter that drew the clicked excerpt."""
        filt = await self.filter_from_code(code)
        if filt is None:
            return NoExcerpt(OLD)
        if (
            filt.story_id is not None
            and await self.library.story(where.guild_id, filt.story_id) is None
        ):
            return NoExcerpt(STORY_GONE)
        return await self.excerpts.draw(where, filt)

    async def passage_here(self, where: Where, passage_id: int) -> Excerpt | NoExcerpt:
        """The passage as this channel would show it now, or why it would not."""
        found = await self._visible(where, passage_id)
        if isinstance(found, NoExcerpt):
            return found
        passage, story = found
        view = await self.config.view(where)
        declared = story.report.declared
        detected = passage.warnings | await self.reports.passage_added_warnings(
            where.guild_id, passage.id
        )
        if not allows(
            view.eligibility,
            self.config.vocab,
            rating=story.rating,
            declared=declared,
            detected=detected,
        ):
            blocked = sorted((declared | detected) & view.eligibility.blocked)
            why = (
                f"it carries {', '.join(map(self.excerpts.tax.display_name, blocked))}"
                if blocked
                else f"its story is rated {story.rating}"
            )
            return NoExcerpt(f"not shown: {why}, which this channel does not allow.")
        return excerpt_of(story, passage, view.policy, self.excerpts.tax.display_name, detected)

    async def context(self, where: Where, passage_id: int) -> MoreContext | NoExcerpt:
        """The passages before and after, each re-checked against this channel's policy."""
        found = await self._visible(where, passage_id)
        if isinstance(found, NoExcerpt):
            return found
        before, after = await self.reports.neighbours(passage_id)
        return MoreContext(
            await self._side(where, before, "before"), await self._side(where, after, "after")
        )

    async def _visible(
        self, where: Where, passage_id: int
    ) -> tuple[PassageRow, StoryRow] | NoExcerpt:
        """The passage and its story, unless gone from this server's library or hidden."""
        passage = await self.library.passage(passage_id)
        story = await self.library.story(where.guild_id, passage.story_id) if passage else None
        if passage is None or story is None:
            return NoExcerpt(GONE)
        if await self.reports.is_hidden(where.guild_id, passage.id, story.id):
            return NoExcerpt(HIDDEN)
        return passage, story

    async def _side(
        self, where: Where, passage_id: int | None, side: str
    ) -> Excerpt | Skipped | None:
        if passage_id is None:
            return None
        shown = await self.passage_here(where, passage_id)
        if isinstance(shown, NoExcerpt):
            text = shown.message
            if text in (HIDDEN, GONE):
                text = "not shown: it is hidden in this server after a report."
            return Skipped(side, f"The passage {side} this one is {text}")
        return shown
