"""Daily prompt schedules and the claim rows that make each post happen exactly once."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from bot.store.db import Database, Statement


@dataclass(frozen=True, slots=True)
class ScheduleRow:
    guild_id: int
    channel_id: int
    at_time: str  # HH:MM
    timezone: str
    trope: str | None
    role_id: int | None
    paused: str | None
    created_at: str  # ISO instant the schedule was (last) set
    days: str = "every day"  # bot/recurrence.py's canonical rule
    anchor: str | None = None  # ISO local date "every N days" counts from
    thread: bool = False  # open a response thread on each post
    source: str = "mixed"  # generated | community | mixed
    thread_problem: str | None = None  # why the last post got no thread

    @property
    def key(self) -> tuple[int, int]:
        return self.guild_id, self.channel_id


@dataclass(frozen=True, slots=True)
class ClaimRow:
    id: int
    guild_id: int
    channel_id: int
    local_date: date
    prompt_key: str
    text: str
    attempts: int
    source: str = "generated"
    credit: str | None = None  # a community prompt's suggester (display name)


@dataclass(frozen=True, slots=True)
class PostedRow:
    """A daily post that landed, for /prompt history and /daily stats."""

    channel_id: int
    local_date: date
    text: str
    source: str
    credit: str | None
    sent_at: str
    thread_id: int | None
    warnings: frozenset[str] = frozenset()  # a community prompt's, detected when suggested


_SCHEDULE_COLUMNS = (
    "guild_id, channel_id, at_time, timezone, trope, role_id, paused, created_at,"
    " days, anchor, thread, source, thread_problem"
)
_CLAIM_COLUMNS = "id, guild_id, channel_id, local_date, prompt_key, text, attempts, source, credit"


def _claim(r: object) -> ClaimRow:
    row = tuple(r)  # type: ignore[call-overload]
    return ClaimRow(
        row[0], row[1], row[2], date.fromisoformat(row[3]), row[4], row[5], row[6], row[7], row[8]
    )


def _schedule(r: Any) -> ScheduleRow:
    row: list[Any] = list(r)
    row[10] = bool(row[10])
    return ScheduleRow(*row)


class DailyStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def upsert(self, s: ScheduleRow, *, user_id: int) -> None:
        await self.db.write(
            f"INSERT INTO daily_schedules ({_SCHEDULE_COLUMNS}, created_by)"
            " VALUES (?, ?, ?, ?, ?, ?, NULL, ?, ?, ?, ?, ?, NULL, ?)"
            " ON CONFLICT (guild_id, channel_id) DO UPDATE SET at_time = excluded.at_time,"
            " timezone = excluded.timezone, trope = excluded.trope, role_id = excluded.role_id,"
            " paused = NULL, created_at = excluded.created_at, created_by = excluded.created_by,"
            " days = excluded.days, anchor = excluded.anchor, thread = excluded.thread,"
            " source = excluded.source, thread_problem = NULL",
            (
                s.guild_id,
                s.channel_id,
                s.at_time,
                s.timezone,
                s.trope,
                s.role_id,
                s.created_at,
                s.days,
                s.anchor,
                int(s.thread),
                s.source,
                user_id,
            ),
        )

    async def delete(self, guild_id: int, channel_id: int) -> bool:
        changed = await self.db.write(
            "DELETE FROM daily_schedules WHERE guild_id = ? AND channel_id = ?",
            (guild_id, channel_id),
        )
        return changed > 0

    async def schedules(self, guild_id: int | None = None) -> list[ScheduleRow]:
        if guild_id is None:
            rows = await self.db.fetchall(f"SELECT {_SCHEDULE_COLUMNS} FROM daily_schedules")
        else:
            rows = await self.db.fetchall(
                f"SELECT {_SCHEDULE_COLUMNS} FROM daily_schedules WHERE guild_id = ?"
                " ORDER BY channel_id",
                (guild_id,),
            )
        return [_schedule(r) for r in rows]

    async def pause(self, guild_id: int, channel_id: int, reason: str) -> None:
        await self.db.write(
            "UPDATE daily_schedules SET paused = ? WHERE guild_id = ? AND channel_id = ?",
            (reason, guild_id, channel_id),
        )

    async def last_claimed(self) -> dict[tuple[int, int], date]:
        """The latest claimed local date of every channel."""
        rows = await self.db.fetchall(
            "SELECT guild_id, channel_id, max(local_date) FROM daily_posts"
            " GROUP BY guild_id, channel_id"
        )
        return {(r[0], r[1]): date.fromisoformat(r[2]) for r in rows}

    async def claim(
        self,
        guild_id: int,
        channel_id: int,
        day: date,
        key: str,
        text: str,
        *,
        instance: str,
        at: datetime,
        source: str = "generated",
        credit: str | None = None,
    ) -> ClaimRow | None:
        """Claim (channel, local day) for one post, in one statement; None if already taken.

        The claim counts as the first send attempt; a trigger records it in the history.
        """
        claim_id = await self.db.insert(
            "INSERT INTO daily_posts (guild_id, channel_id, local_date, prompt_key,"
            " text, claimed_by, claimed_at, attempts, source, credit)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, 1, ?, ?) ON CONFLICT DO NOTHING",
            (
                guild_id,
                channel_id,
                day.isoformat(),
                key,
                text,
                instance,
                at.isoformat(timespec="seconds"),
                source,
                credit,
            ),
        )
        if claim_id is None:
            return None
        return ClaimRow(claim_id, guild_id, channel_id, day, key, text, 1, source, credit)

    async def unsent(self) -> list[ClaimRow]:
        rows = await self.db.fetchall(
            f"SELECT {_CLAIM_COLUMNS} FROM daily_posts"
            " WHERE sent_at IS NULL AND (last_error IS NULL OR last_error != 'abandoned')"
        )
        return [_claim(r) for r in rows]

    async def renew(self, claim_id: int, *, instance: str, at: datetime, stale: datetime) -> bool:
        """Hold an unsent claim for `instance` from `at` (a lease, before a retry); False
        when it is another process's claim and not older than `stale` (or was sent
        meanwhile): then that process, not this one, may send it."""
        changed = await self.db.write(
            "UPDATE daily_posts SET claimed_by = ?, claimed_at = ?"
            " WHERE id = ? AND sent_at IS NULL AND (claimed_by = ? OR claimed_at < ?)",
            (
                instance,
                at.isoformat(timespec="seconds"),
                claim_id,
                instance,
                stale.isoformat(timespec="seconds"),
            ),
        )
        return changed > 0

    async def unsent_claim(self, guild_id: int, channel_id: int, day: date) -> ClaimRow | None:
        """The claim on (channel, local day) while it is unsent and not abandoned."""
        row = await self.db.fetchone(
            f"SELECT {_CLAIM_COLUMNS} FROM daily_posts WHERE guild_id = ? AND channel_id = ?"
            " AND local_date = ? AND sent_at IS NULL"
            " AND (last_error IS NULL OR last_error != 'abandoned')",
            (guild_id, channel_id, day.isoformat()),
        )
        return None if row is None else _claim(row)

    async def attempted(self, claim_id: int) -> None:
        await self.db.write(
            "UPDATE daily_posts SET attempts = attempts + 1 WHERE id = ?", (claim_id,)
        )

    async def mark_sent(
        self, claim_id: int, message_id: int, at: datetime, thread_id: int | None = None
    ) -> None:
        await self.db.write(
            "UPDATE daily_posts SET sent_at = ?, message_id = ?, last_error = NULL,"
            " thread_id = ? WHERE id = ?",
            (at.isoformat(timespec="seconds"), message_id, thread_id, claim_id),
        )

    async def set_thread_problem(self, guild_id: int, channel_id: int, problem: str | None) -> None:
        await self.db.write(
            "UPDATE daily_schedules SET thread_problem = ? WHERE guild_id = ? AND channel_id = ?",
            (problem, guild_id, channel_id),
        )

    async def posted(self, guild_id: int, limit: int) -> list[PostedRow]:
        """The server's last `limit` daily posts that landed, newest first (a community
        prompt with the warnings detected in its suggestion)."""
        rows = await self.db.fetchall(
            "SELECT p.channel_id, p.local_date, p.text, p.source, p.credit, p.sent_at,"
            " p.thread_id, s.warnings FROM daily_posts p LEFT JOIN prompt_suggestions s"
            " ON s.guild_id = p.guild_id AND p.prompt_key = 'community:' || s.id"
            " WHERE p.guild_id = ? AND p.sent_at IS NOT NULL"
            " ORDER BY p.sent_at DESC, p.id DESC LIMIT ?",
            (guild_id, limit),
        )
        return [
            PostedRow(
                r[0],
                date.fromisoformat(r[1]),
                r[2],
                r[3],
                r[4],
                r[5],
                r[6],
                frozenset(w for w in (r[7] or "").split(",") if w),
            )
            for r in rows
        ]

    async def mark_failed(self, claim_id: int, error: str) -> None:
        await self.db.write(
            "UPDATE daily_posts SET last_error = ? WHERE id = ?", (error[:500], claim_id)
        )


def purge_statements(guild_id: int) -> list[Statement]:
    """Deleting a server's daily schedules and their posts."""
    return [
        (f"DELETE FROM {table} WHERE guild_id = ?", (guild_id,))
        for table in ("daily_schedules", "daily_posts")
    ]
