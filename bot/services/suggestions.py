"""Community prompts: members suggest, moderators approve or reject in the queue, and the
approved ones join the server's daily rotation (bot/services/daily.py draws from here).

A suggestion is story text as far as safety goes: it is stored as typed and escaped when
shown (no pings, no markdown), and a warning that detection finds in it and the channel
blocks refuses it there, with the reason. The warnings found are kept with it, so a
channel that blocks one of them never posts it either.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.analysis.analyze import analyze
from bot.analysis.taxonomy import Taxonomy
from bot.context import Where
from bot.errors import UserError
from bot.markup import number
from bot.readers.model import Chapter, Paragraph, Passage, Story, count_words
from bot.services.config import ConfigService
from bot.services.prompts import PromptService
from bot.store.reports import ReportStore
from bot.store.suggestions import (
    APPROVED,
    OPEN,
    REJECTED,
    NewSuggestion,
    SuggestionRow,
    SuggestionStore,
)

GENERATED, COMMUNITY, MIXED = "generated", "community", "mixed"
SOURCES = (MIXED, GENERATED, COMMUNITY)  # the default first
MIN_LENGTH = 15  # characters a suggestion needs …
MAX_LENGTH = 300  # … and may have
RATE_LIMIT = 3  # suggestions one member may send …
RATE_WINDOW = timedelta(hours=24)  # … in this long
RATE_LIMITED = (
    f"Thank you for the ideas! You have suggested {RATE_LIMIT} prompts in the last "
    f"{int(RATE_WINDOW.total_seconds() // 3600)} hours, which is as many as I take from one "
    "person in a day; please try again tomorrow."
)
POOL_EMPTY = "the community pool is empty; using generated prompts"
DECISIONS = {APPROVED: "approved", REJECTED: "rejected"}


@dataclass(frozen=True, slots=True)
class Suggested:
    """A stored suggestion and where its card goes (None: no queue channel)."""

    suggestion: SuggestionRow
    queue_channel: int | None


def detected_warnings(text: str, tax: Taxonomy) -> frozenset[str]:
    """The content warnings detection finds in a short text (cues and the learned model),
    read as a one-passage story."""
    story = Story(
        title="suggestion", format="plain", chapters=[Chapter(1, "", [Paragraph(text, 1)])]
    )
    found = analyze(story, [Passage(1, 1, 1, text, count_words(text))], tax)
    warnings = {e.slug for e in tax.warnings}
    slugs = {f.slug for f in found.warnings} | set(found.passages[0].warnings)
    return frozenset(slugs & warnings)


class SuggestionService:
    def __init__(
        self,
        store: SuggestionStore,
        reports: ReportStore,
        config: ConfigService,
        prompts: PromptService,
        tax: Taxonomy,
        clock: Callable[[], datetime],
    ) -> None:
        self.store = store
        self.reports = reports
        self.config = config
        self.prompts = prompts
        self.tax = tax
        self.clock = clock
        self._noticed: set[tuple[int, int]] | None = None  # members with notes waiting

    # -- members ----------------------------------------------------------------------------

    async def suggest(
        self, where: Where, user_id: int, author_name: str, text: str, trope: str | None
    ) -> Suggested:
        """Check and store a suggestion. UserError: too short or long, too many, unknown
        trope, or a warning this channel blocks."""
        flat = " ".join(text.split())
        if len(flat) < MIN_LENGTH:
            raise UserError(
                f"A prompt needs at least {MIN_LENGTH} characters (yours has {len(flat)}): "
                "say what should happen, e.g. “Two rivals are snowed in at the same inn.”"
            )
        if len(flat) > MAX_LENGTH:
            raise UserError(
                f"A prompt can be at most {number(MAX_LENGTH)} characters; yours has "
                f"{number(len(flat))}. Please shorten it."
            )
        now = self.clock()
        since = _iso(now - RATE_WINDOW)
        if await self.store.recent_count(where.guild_id, user_id, since) >= RATE_LIMIT:
            raise UserError(RATE_LIMITED)
        found = detected_warnings(flat, self.tax)
        view = await self.config.view(where)
        blocked = sorted(found & view.eligibility.blocked)
        if blocked:
            listed = ", ".join(map(self.tax.display_name, blocked))
            raise UserError(
                f"I can't take this suggestion here: it reads as {listed} (detected), which "
                "this channel does not allow. Nothing was sent to the moderators."
            )
        row = await self.store.add(
            NewSuggestion(
                guild_id=where.guild_id,
                channel_id=where.channel_id,
                user_id=user_id,
                author_name=author_name.strip()[:64] or "a member",
                text=flat,
                trope=trope,  # a slug: the command's option resolved it
                warnings=found,
                suggested_at=_iso(now),
            ),
            limit=RATE_LIMIT,
            since=since,
        )
        if row is None:  # another of theirs was taken meanwhile
            raise UserError(RATE_LIMITED)
        return Suggested(row, await self.reports.queue_channel(where.guild_id))

    # -- moderators -------------------------------------------------------------------------

    async def card_posted(self, suggestion_id: int, channel_id: int, message_id: int) -> None:
        await self.store.set_card(suggestion_id, channel_id, message_id)

    async def get(self, guild_id: int, suggestion_id: int) -> SuggestionRow | None:
        return await self.store.get(guild_id, suggestion_id)

    async def waiting(self, guild_id: int, limit: int = 5) -> list[SuggestionRow]:
        return await self.store.open(guild_id, limit)

    async def decide(
        self,
        guild_id: int,
        suggestion_id: int,
        status: str,
        moderator_id: int,
        reason: str | None = None,
    ) -> SuggestionRow:
        """Approve or reject an open suggestion. UserError when it is gone or decided."""
        row = await self.store.get(guild_id, suggestion_id)
        if row is None:
            raise UserError("That suggestion no longer exists (was the server's data purged?).")
        reason = " ".join((reason or "").split())[:500] or None
        done = row.status == OPEN and await self.store.decide(
            guild_id, suggestion_id, status, by=moderator_id, at=_iso(self.clock()), reason=reason
        )
        if not done:
            fresh = await self.store.get(guild_id, suggestion_id) or row
            what = DECISIONS.get(fresh.status, fresh.status)
            raise UserError(f"That suggestion was already decided ({what}).")
        decided = await self.store.get(guild_id, suggestion_id)
        assert decided is not None
        return decided

    # -- the rotation ------------------------------------------------------------------------

    async def pick(
        self,
        guild_id: int,
        blocked: Iterable[str],
        trope: str | None,
        source: str,
        avoid: set[str],
    ) -> SuggestionRow | None:
        """The community prompt a daily post should use, or None (generated instead).

        `mixed`: an approved suggestion never posted yet, oldest first. `community`: that,
        else the least recently posted one outside `avoid` (the last 30 days)."""
        if source == GENERATED:
            return None
        blocked = frozenset(blocked)
        fits = [
            (s, last)
            for s, last in await self.store.approved(guild_id)
            if s.warning_set.isdisjoint(blocked) and (trope is None or s.trope == trope)
        ]
        unused = [s for s, last in fits if last is None and s.key not in avoid]
        if unused:
            return unused[0]
        if source == COMMUNITY:
            return next((s for s, _ in fits if s.key not in avoid), None)
        return None

    # -- notes for a member ------------------------------------------------------------------

    async def leave_notice(self, guild_id: int, user_id: int, text: str) -> None:
        await self.store.add_notice(guild_id, user_id, text, _iso(self.clock()))
        if self._noticed is not None:
            self._noticed.add((guild_id, user_id))

    async def notices(self, guild_id: int, user_id: int) -> list[str]:
        """A member's waiting notes (each given once). Costs no query when there are none."""
        if self._noticed is None:
            self._noticed = await self.store.pending_members()
        if (guild_id, user_id) not in self._noticed:
            return []
        self._noticed.discard((guild_id, user_id))
        return await self.store.take_notices(guild_id, user_id, _iso(self.clock()))


def parse_source(text: str | None) -> str | None:
    """A `/daily set source:` value (None: keep the default), or a UserError."""
    if text is None:
        return None
    value = text.strip().lower()
    if value not in SOURCES:
        raise UserError(
            "source takes generated, community or mixed (mixed: members' approved prompts "
            "first while unused ones remain)."
        )
    return value


def _iso(when: datetime) -> str:
    return when.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
