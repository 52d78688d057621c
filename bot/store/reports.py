"""Reader reports and moderators' decisions: per-server overrides (see migration 007).

Every query takes the server; nothing of one server's reports is read for another.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from bot.store.db import Database, Statement

OPEN = "open"
KEPT = "kept"
RESTORED = "restored"
STORY_HIDDEN = "story-hidden"
DECISIONS = (KEPT, RESTORED, STORY_HIDDEN)

# The eligibility hook LibraryStore adds to every draw: not hidden in this server, by a
# report (the passage or its scene) or by a moderator (the whole story). Params: (g, g).
HIDDEN_CONDITIONS = (
    "NOT EXISTS (SELECT 1 FROM hidden_passages h WHERE h.guild_id = ? AND h.passage_id = p.id)",
    (
        "NOT EXISTS (SELECT 1 FROM hidden_stories hs"
        " WHERE hs.guild_id = ? AND hs.story_id = p.story_id)"
    ),
)


def hidden_conditions(guild_id: int) -> tuple[list[str], list[object]]:
    """SQL conditions on `passages p` keeping out what this server hid, with their params."""
    return list(HIDDEN_CONDITIONS), [guild_id, guild_id]


@dataclass(frozen=True, slots=True)
class NewReport:
    """What a reader reported."""

    guild_id: int
    passage_id: int
    story_id: int
    story_title: str
    passage_text: str
    reporter_id: int
    reason: str
    warning: str | None
    comment: str
    message_link: str | None
    channel_id: int
    reported_at: str


@dataclass(frozen=True, slots=True, kw_only=True)
class ReportRow(NewReport):
    """One report as stored: what was reported, and what became of it."""

    id: int
    status: str
    added_warning: bool
    decided_by: int | None
    decided_at: str | None
    card_channel: int | None
    card_message: int | None

    @classmethod
    def from_row(cls, row: Any) -> ReportRow:
        values = dict(zip(row.keys(), tuple(row), strict=True))
        values["added_warning"] = bool(values["added_warning"])
        return cls(**values)


class ReportStore:
    """Typed access to reports, hidden passages and stories, and added warnings."""

    def __init__(self, db: Database) -> None:
        self.db = db

    # -- settings ---------------------------------------------------------------------------

    async def queue_channel(self, guild_id: int) -> int | None:
        value = await self.db.scalar(
            "SELECT channel_id FROM report_settings WHERE guild_id = ?", (guild_id,)
        )
        return value if isinstance(value, int) else None

    async def set_queue_channel(self, guild_id: int, channel_id: int | None) -> None:
        await self.db.write(
            "INSERT INTO report_settings (guild_id, channel_id) VALUES (?, ?)"
            " ON CONFLICT (guild_id) DO UPDATE SET channel_id = excluded.channel_id",
            (guild_id, channel_id),
        )

    # -- reporting --------------------------------------------------------------------------

    async def recent_count(self, guild_id: int, reporter_id: int, since: str) -> int:
        return await self.db.count(
            "SELECT count(*) FROM reports WHERE guild_id = ? AND reporter_id = ?"
            " AND reported_at >= ?",
            (guild_id, reporter_id, since),
        )

    async def add(self, new: NewReport, scene: Iterable[int] = ()) -> int | None:
        """Store a report and hide its passage (and `scene`, if given) in its server, in one
        transaction. None when this member already reported this passage."""
        async with self.db.transaction() as conn:
            added = await conn.execute_fetchall(
                "INSERT INTO reports (guild_id, passage_id, story_id, story_title,"
                " passage_text, reporter_id, reason, warning, comment, message_link,"
                " channel_id, reported_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)"
                " ON CONFLICT DO NOTHING RETURNING id",
                (
                    new.guild_id,
                    new.passage_id,
                    new.story_id,
                    new.story_title,
                    new.passage_text,
                    new.reporter_id,
                    new.reason,
                    new.warning,
                    new.comment,
                    new.message_link,
                    new.channel_id,
                    new.reported_at,
                ),
            )
            if not added:
                return None
            report_id = int(added[0][0])
            await conn.executemany(
                "INSERT INTO hidden_passages (guild_id, passage_id, report_id)"
                " SELECT ?, id, ? FROM passages WHERE id = ? ON CONFLICT DO NOTHING",
                [(new.guild_id, report_id, pid) for pid in {new.passage_id, *scene}],
            )
        return report_id

    async def open_reporters(self, guild_id: int, passage_ids: Iterable[int]) -> set[int]:
        """Members with an open report on any of these passages."""
        ids = list(passage_ids)
        if not ids:
            return set()
        marks = ",".join("?" * len(ids))
        rows = await self.db.fetchall(
            f"SELECT DISTINCT reporter_id FROM reports WHERE guild_id = ? AND status = 'open'"
            f" AND passage_id IN ({marks})",
            (guild_id, *ids),
        )
        return {r[0] for r in rows}

    async def set_card(self, report_id: int, channel_id: int, message_id: int) -> None:
        await self.db.write(
            "UPDATE reports SET card_channel = ?, card_message = ? WHERE id = ?",
            (channel_id, message_id, report_id),
        )

    # -- passages around a passage ---------------------------------------------------------

    async def scene(self, passage_id: int, window: int) -> list[int]:
        """The passages of a passage's scene: its chapter, within `window` passages of it."""
        rows = await self.db.fetchall(
            "SELECT q.id FROM passages p JOIN passages q ON q.story_id = p.story_id"
            " AND q.chapter = p.chapter AND q.seq BETWEEN p.seq - ? AND p.seq + ?"
            " WHERE p.id = ? ORDER BY q.seq",
            (window, window, passage_id),
        )
        return [r[0] for r in rows]

    async def neighbours(self, passage_id: int) -> tuple[int | None, int | None]:
        """The ids of the passages just before and just after one, in its story."""
        rows = await self.db.fetchall(
            "SELECT q.id, q.seq - p.seq FROM passages p JOIN passages q"
            " ON q.story_id = p.story_id AND q.seq IN (p.seq - 1, p.seq + 1) WHERE p.id = ?",
            (passage_id,),
        )
        by_offset = {r[1]: r[0] for r in rows}
        return by_offset.get(-1), by_offset.get(1)

    # -- button filters ---------------------------------------------------------------------

    async def filter_id(self, text: str) -> int:
        """A stable id for a filter too long for a custom_id."""
        await self.db.write(
            "INSERT INTO button_filters (filter) VALUES (?) ON CONFLICT DO NOTHING", (text,)
        )
        return await self.db.count("SELECT id FROM button_filters WHERE filter = ?", (text,))

    async def filter_text(self, filter_id: int) -> str | None:
        value = await self.db.scalar("SELECT filter FROM button_filters WHERE id = ?", (filter_id,))
        return value if isinstance(value, str) else None

    # -- reading ----------------------------------------------------------------------------

    async def get(self, guild_id: int, report_id: int) -> ReportRow | None:
        row = await self.db.fetchone(
            "SELECT * FROM reports WHERE id = ? AND guild_id = ?", (report_id, guild_id)
        )
        return ReportRow.from_row(row) if row else None

    async def open_reports(
        self, guild_id: int, *, offset: int = 0, limit: int = 10
    ) -> tuple[int, list[ReportRow]]:
        """(how many are open, one page of them, oldest first)."""
        total = await self.db.count(
            "SELECT count(*) FROM reports WHERE guild_id = ? AND status = 'open'", (guild_id,)
        )
        rows = await self.db.fetchall(
            "SELECT * FROM reports WHERE guild_id = ? AND status = 'open' ORDER BY id"
            " LIMIT ? OFFSET ?",
            (guild_id, limit, offset),
        )
        return total, [ReportRow.from_row(r) for r in rows]

    async def open_on_passage(self, guild_id: int, passage_id: int) -> list[ReportRow]:
        rows = await self.db.fetchall(
            "SELECT * FROM reports WHERE guild_id = ? AND passage_id = ? AND status = 'open'"
            " ORDER BY id",
            (guild_id, passage_id),
        )
        return [ReportRow.from_row(r) for r in rows]

    async def is_hidden(self, guild_id: int, passage_id: int, story_id: int) -> bool:
        return bool(
            await self.db.scalar(
                "SELECT EXISTS (SELECT 1 FROM hidden_passages WHERE guild_id = ?"
                " AND passage_id = ?) OR EXISTS (SELECT 1 FROM hidden_stories"
                " WHERE guild_id = ? AND story_id = ?)",
                (guild_id, passage_id, guild_id, story_id),
            )
        )

    async def story_hidden(self, guild_id: int, story_id: int) -> bool:
        return bool(
            await self.db.scalar(
                "SELECT 1 FROM hidden_stories WHERE guild_id = ? AND story_id = ?",
                (guild_id, story_id),
            )
        )

    async def hidden_in_story(self, guild_id: int, story_id: int) -> int:
        """How many of a story's passages this server hid."""
        return await self.db.count(
            "SELECT count(DISTINCT h.passage_id) FROM hidden_passages h"
            " JOIN passages p ON p.id = h.passage_id WHERE h.guild_id = ? AND p.story_id = ?",
            (guild_id, story_id),
        )

    async def added_warnings(self, guild_id: int, story_id: int) -> dict[str, int]:
        """Warnings this server's moderators added to a story's passages: slug → passages."""
        rows = await self.db.fetchall(
            "SELECT w.warning, count(*) FROM passage_warnings w JOIN passages p"
            " ON p.id = w.passage_id WHERE w.guild_id = ? AND p.story_id = ?"
            " GROUP BY w.warning ORDER BY w.warning",
            (guild_id, story_id),
        )
        return {r[0]: r[1] for r in rows}

    async def passage_added_warnings(self, guild_id: int, passage_id: int) -> set[str]:
        rows = await self.db.fetchall(
            "SELECT warning FROM passage_warnings WHERE guild_id = ? AND passage_id = ?",
            (guild_id, passage_id),
        )
        return {r[0] for r in rows}

    # -- deciding ---------------------------------------------------------------------------

    async def decide(
        self,
        guild_id: int,
        passage_id: int,
        decision: str,
        *,
        by: int,
        at: str,
        story_id: int,
        warning: str | None = None,
    ) -> list[int]:
        """Decide every open report of a passage at once; returns their ids (empty: none
        was open any more). Restoring releases what they hid; hiding the story hides it
        here; keeping, with `warning`, also adds that warning to the passage here."""
        if decision not in DECISIONS:
            raise ValueError(f"unknown decision {decision!r}")
        async with self.db.transaction() as conn:
            rows = await conn.execute_fetchall(
                "SELECT id FROM reports WHERE guild_id = ? AND passage_id = ? AND status = 'open'",
                (guild_id, passage_id),
            )
            ids = [r[0] for r in rows]
            if not ids:
                return []
            marks = ",".join("?" * len(ids))
            await conn.execute(
                f"UPDATE reports SET status = ?, decided_by = ?, decided_at = ?,"
                f" added_warning = ? WHERE id IN ({marks})",
                (decision, by, at, int(warning is not None), *ids),
            )
            if decision == RESTORED:
                await conn.execute(f"DELETE FROM hidden_passages WHERE report_id IN ({marks})", ids)
            elif decision == STORY_HIDDEN:
                await conn.execute(
                    "INSERT INTO hidden_stories (guild_id, story_id, report_id, hidden_by,"
                    " hidden_at) VALUES (?,?,?,?,?) ON CONFLICT DO NOTHING",
                    (guild_id, story_id, ids[0], by, at),
                )
            if warning is not None:
                await conn.execute(
                    "INSERT INTO passage_warnings (guild_id, passage_id, warning, report_id)"
                    " SELECT ?, id, ?, ? FROM passages WHERE id = ? ON CONFLICT DO NOTHING",
                    (guild_id, warning, ids[0], passage_id),
                )
        return ids

    async def cards(self, report_ids: Iterable[int]) -> list[ReportRow]:
        ids = list(report_ids)
        if not ids:
            return []
        marks = ",".join("?" * len(ids))
        rows = await self.db.fetchall(f"SELECT * FROM reports WHERE id IN ({marks})", ids)
        return [ReportRow.from_row(r) for r in rows]

    # -- export -------------------------------------------------------------------

    async def decided(self) -> list[ReportRow]:
        """Every decided report, oldest first (for `ficshelf export-labels`)."""
        rows = await self.db.fetchall("SELECT * FROM reports WHERE status != 'open' ORDER BY id")
        return [ReportRow.from_row(r) for r in rows]


def purge_statements(guild_id: int) -> list[Statement]:
    """Deleting everything of a server's reports and overrides."""
    return [
        (f"DELETE FROM {table} WHERE guild_id = ?", (guild_id,))
        for table in (
            "hidden_passages",
            "hidden_stories",
            "passage_warnings",
            "report_settings",
            "reports",
        )
    ]
