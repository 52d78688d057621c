"""Reader reports and the moderator queue: a report hides a passage in its server at once;
moderators keep it hidden (optionally adding the warning), restore it, or hide the story."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from bot.analysis.taxonomy import Taxonomy
from bot.context import Where
from bot.errors import UserError
from bot.store.library import LibraryStore
from bot.store.reports import (
    KEPT,
    OPEN,
    RESTORED,
    STORY_HIDDEN,
    NewReport,
    ReportRow,
    ReportStore,
)

REASONS: dict[str, str] = {
    "missing-warning": "A content warning is missing",
    "wrong-channel": "It should not be in this channel",
    "wrong-facts": "The story facts are wrong",
    "other": "Something else",
}
DECISION_NAMES = {
    KEPT: "kept hidden",
    RESTORED: "restored",
    STORY_HIDDEN: "hid the whole story here",
}
RATE_LIMIT = 5  # reports one member may file …
RATE_WINDOW = timedelta(minutes=10)  # … in this long
SCENE_WINDOW = 2  # a passage's scene: its chapter, this many passages either side
PAGE_SIZE = 5

GONE = "That passage is no longer in this server's library (its story was removed or changed)."


@dataclass(frozen=True, slots=True)
class Reported:
    """A stored report and where its card should go (None: no queue channel)."""

    report: ReportRow
    queue_channel: int | None
    scene_hidden: int  # passages hidden besides the reported one (its scene), 0 if none


@dataclass(frozen=True, slots=True)
class Decided:
    """The reports a decision closed (first: the one whose card was pressed)."""

    reports: list[ReportRow]
    decision: str


@dataclass(frozen=True, slots=True)
class ReportPage:
    total: int
    page: int
    pages: int
    reports: list[ReportRow]


class ReportService:
    def __init__(
        self,
        store: ReportStore,
        library: LibraryStore,
        tax: Taxonomy,
        clock: Callable[[], datetime],
    ) -> None:
        self.store = store
        self.library = library
        self.tax = tax
        self.clock = clock

    def warning_choices(self) -> list[tuple[str, str]]:
        """(slug, name) of every content warning, for the report form's select."""
        return [(w.slug, w.name) for w in self.tax.warnings][:25]

    def name(self, slug: str) -> str:
        entry = self.tax.lookup(slug)
        return entry.name if entry else slug

    # -- readers ----------------------------------------------------------------------------

    async def report(
        self,
        where: Where,
        passage_id: int,
        reporter_id: int,
        *,
        reason: str,
        warning: str | None,
        comment: str,
        link: str | None,
    ) -> Reported:
        """Store a report and hide the passage here (its scene too when another member
        reported it as well). UserError: unknown reason, gone, duplicate, too many."""
        if reason not in REASONS:
            raise UserError("Pick what is wrong with the passage.")
        if warning is not None and self.tax.lookup(warning) is None:
            raise UserError("That is not a content warning I know.")
        if reason != "missing-warning":
            warning = None
        passage = await self.library.passage(passage_id)
        story = await self.library.story(where.guild_id, passage.story_id) if passage else None
        if passage is None or story is None:
            raise UserError(GONE)
        now = self.clock()
        since = _iso(now - RATE_WINDOW)
        if await self.store.recent_count(where.guild_id, reporter_id, since) >= RATE_LIMIT:
            minutes = int(RATE_WINDOW.total_seconds() // 60)
            raise UserError(
                f"Thank you for looking out for everyone. You have sent {RATE_LIMIT} reports "
                f"in the last {minutes} minutes, which is as many as I take from one person; "
                "please try again a little later, or tell a moderator directly."
            )
        scene = await self.store.scene(passage_id, SCENE_WINDOW)
        others = await self.store.open_reporters(where.guild_id, scene) - {reporter_id}
        hide_scene = scene if others else []
        report_id = await self.store.add(
            NewReport(
                guild_id=where.guild_id,
                passage_id=passage_id,
                story_id=story.id,
                story_title=story.title,
                passage_text=passage.text,
                reporter_id=reporter_id,
                reason=reason,
                warning=warning,
                comment=comment.strip()[:500],
                message_link=link,
                channel_id=where.channel_id,
                reported_at=_iso(now),
            ),
            hide_scene,
        )
        if report_id is None:
            raise UserError(
                "You already reported this passage; it stays hidden here until a moderator "
                "decides. Thank you."
            )
        row = await self.store.get(where.guild_id, report_id)
        assert row is not None
        queue = await self.store.queue_channel(where.guild_id)
        return Reported(row, queue, max(0, len(hide_scene) - 1))

    async def card_posted(self, report_id: int, channel_id: int, message_id: int) -> None:
        await self.store.set_card(report_id, channel_id, message_id)

    # -- moderators -------------------------------------------------------------------------

    async def set_queue(self, guild_id: int, channel_id: int | None) -> None:
        await self.store.set_queue_channel(guild_id, channel_id)

    async def decide(
        self, guild_id: int, report_id: int, decision: str, moderator_id: int, *, add_warning: bool
    ) -> Decided:
        """Apply a moderator's decision to a report and every other open report of its
        passage. UserError when it was decided already."""
        report = await self.store.get(guild_id, report_id)
        if report is None:
            raise UserError("That report no longer exists (was the server's data purged?).")
        if report.status != OPEN:
            raise UserError(_already(report))
        warning = report.warning if add_warning and decision == KEPT else None
        ids = await self.store.decide(
            guild_id,
            report.passage_id,
            decision,
            by=moderator_id,
            at=_iso(self.clock()),
            story_id=report.story_id,
            warning=warning,
        )
        if report_id not in ids:  # another moderator was quicker
            fresh = await self.store.get(guild_id, report_id)
            raise UserError(_already(fresh or report))
        rows = await self.store.cards(ids)
        rows.sort(key=lambda r: r.id != report_id)
        return Decided(rows, decision)

    async def get(self, guild_id: int, report_id: int) -> ReportRow | None:
        return await self.store.get(guild_id, report_id)

    async def page(self, guild_id: int, page: int) -> ReportPage:
        total, _ = await self.store.open_reports(guild_id, limit=0)
        pages = max(1, -(-total // PAGE_SIZE))
        page = min(max(page, 0), pages - 1)
        _, rows = await self.store.open_reports(guild_id, offset=page * PAGE_SIZE, limit=PAGE_SIZE)
        return ReportPage(total, page, pages, rows)

    # -- overrides, for lookups -------------------------------------------------------------

    async def story_notes(self, guild_id: int, story_id: int) -> list[str]:
        """What this server's moderators and readers changed about a story, in words."""
        notes = []
        if await self.store.story_hidden(guild_id, story_id):
            notes.append("Hidden in this server by its moderators: no excerpt of it is posted.")
        hidden = await self.store.hidden_in_story(guild_id, story_id)
        if hidden:
            notes.append(
                f"{hidden} passage{'s' if hidden != 1 else ''} hidden in this server "
                "after reader reports."
            )
        for slug, n in (await self.store.added_warnings(guild_id, story_id)).items():
            notes.append(
                f"{self.name(slug)}: added by this server's moderators to "
                f"{n} passage{'s' if n != 1 else ''}."
            )
        return notes

    # -- training material ------------------------------------------------------------------

    async def labels(self) -> list[dict[str, Any]]:
        return await labels(self.store)


async def labels(store: ReportStore) -> list[dict[str, Any]]:
    """The decided reports as labels: passage text, warning, decision (no member ids)."""
    return [
        {
            "text": r.passage_text,
            "story": r.story_title,
            "reason": r.reason,
            "warning": r.warning,
            "decision": r.status,
            "warning_added": r.added_warning,
            "decided_at": r.decided_at,
        }
        for r in await store.decided()
    ]


def _already(report: ReportRow) -> str:
    what = DECISION_NAMES.get(report.status, report.status)
    return f"That report was already decided ({what})."


def _iso(when: datetime) -> str:
    return when.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
