"""What an excerpt's buttons do, from nothing but their custom_id: the filter that drew the
passage travels in it (or, when too long, a stored filter's id), so they survive restarts.

custom_id layout: ``fx<version>:<action>:<passage id>:<filter>``; the filter is
``s<story id>|t<trope>|c<character>|q<query>`` (each part optional, values %-quoted), or
``#<id>`` of a stored filter.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote, unquote

from bot.context import Where
from bot.excerpts import Excerpt, Excerpts, NoExcerpt, excerpt_of
from bot.guild_config import GuildConfig
from bot.policy import allows
from bot.store.library import LibraryStore, PassageFilter
from bot.store.reports import ReportStore

VERSION = 1
CUSTOM_ID_LIMIT = 100
_FIELDS = (("s", "story_id"), ("t", "trope"), ("c", "character"), ("q", "query"))

GONE = "That passage is no longer in this server's library (its story was removed or changed)."
HIDDEN = "That passage has been hidden in this server after a report."
OLD = "This button is from an older version of Ficshelf; use /excerpt for a fresh excerpt."
STORY_GONE = "That story is no longer in this server's library."


def encode_filter(filt: PassageFilter) -> str:
    """The filter as custom_id text (may be too long: see `ExcerptActions.filter_code`)."""
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
class Context:
    before: Excerpt | Skipped | None
    after: Excerpt | Skipped | None


class ExcerptActions:
    """Another, More context and the checks behind Report."""

    def __init__(
        self,
        excerpts: Excerpts,
        library: LibraryStore,
        config: GuildConfig,
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
        passage = await self.library.passage(passage_id)
        story = await self.library.story(where.guild_id, passage.story_id) if passage else None
        if passage is None or story is None:
            return NoExcerpt(GONE)
        if await self.reports.is_hidden(where.guild_id, passage.id, story.id):
            return NoExcerpt(HIDDEN)
        view = await self.config.view(where)
        declared = {w["slug"] for w in story.report["warnings"] if w["source"] == "declared"}
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
            names = self.config.names()
            blocked = sorted((declared | detected) & view.eligibility.blocked)
            why = (
                f"it carries {', '.join(names.get(s, s) for s in blocked)}"
                if blocked
                else f"its story is rated {story.rating}"
            )
            return NoExcerpt(f"not shown: {why}, which this channel does not allow.")
        return excerpt_of(story, passage, view.policy, self.config.names(), detected)

    async def context(self, where: Where, passage_id: int) -> Context | NoExcerpt:
        """The passages before and after, each re-checked against this channel's policy."""
        passage = await self.library.passage(passage_id)
        story = await self.library.story(where.guild_id, passage.story_id) if passage else None
        if passage is None or story is None:
            return NoExcerpt(GONE)
        if await self.reports.is_hidden(where.guild_id, passage.id, story.id):
            return NoExcerpt(HIDDEN)
        before, after = await self.reports.neighbours(passage_id)
        return Context(
            await self._side(where, before, "before"), await self._side(where, after, "after")
        )

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
