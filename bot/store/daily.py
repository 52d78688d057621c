"""Daily prompt schedules and the claim rows that make each post happen exactly once."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from bot.store.db import Database


@dataclass(frozen=True, slots=True)
class ScheduleRow:
    guild_id: int
    channel_id: int
    at_time: str  # HH:MM
    timezone: str
    trope: str | None
    role_id: int | None
    paused: str | None


@dataclass(frozen=True, slots=True)
class ClaimRow:
    id: int
    guild_id: int
    channel_id: int
    local_date: date
    prompt_key: str
    text: str
    attempts: int


_SCHEDULE_COLUMNS = "guild_id, channel_id, at_time, timezone, trope, role_id, paused"


def _schedule(row: object) -> ScheduleRow:
    return ScheduleRow(*tuple(row))  # type: ignore[arg-type]


class DailyStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def upsert(self, s: ScheduleRow, *, user_id: int, at: datetime) -> None:
        async with self.db.transaction() as conn:
            await conn.execute(
                f"INSERT INTO daily_schedules ({_SCHEDULE_COLUMNS}, created_by, created_at)"
                " VALUES (?, ?, ?, ?, ?, ?, NULL, ?, ?)"
                " ON CONFLICT (guild_id, channel_id) DO UPDATE SET at_time = excluded.at_time,"
                " timezone = excluded.timezone, trope = excluded.trope, role_id = excluded.role_id,"
                " paused = NULL",
                (
                    s.guild_id,
                    s.channel_id,
                    s.at_time,
                    s.timezone,
                    s.trope,
                    s.role_id,
                    user_id,
                    at.isoformat(timespec="seconds"),
                ),
            )

    async def delete(self, guild_id: int, channel_id: int) -> bool:
        async with self.db.transaction() as conn:
            cur = await conn.execute(
                "DELETE FROM daily_schedules WHERE guild_id = ? AND channel_id = ?",
                (guild_id, channel_id),
            )
            return cur.rowcount > 0

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
        async with self.db.transaction() as conn:
            await conn.execute(
                "UPDATE daily_schedules SET paused = ? WHERE guild_id = ? AND channel_id = ?",
                (reason, guild_id, channel_id),
            )

    async def last_claimed(self, guild_id: int, channel_id: int) -> date | None:
        value = await self.db.scalar(
            "SELECT max(local_date) FROM daily_posts WHERE guild_id = ? AND channel_id = ?",
            (guild_id, channel_id),
        )
        return date.fromisoformat(str(value)) if value else None

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
    ) -> ClaimRow | None:
        """Claim (channel, local day) for one post; None if it was already claimed."""
        async with self.db.transaction() as conn:
            cur = await conn.execute(
                "INSERT OR IGNORE INTO daily_posts (guild_id, channel_id, local_date, prompt_key,"
                " text, claimed_by, claimed_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    guild_id,
                    channel_id,
                    day.isoformat(),
                    key,
                    text,
                    instance,
                    at.isoformat(timespec="seconds"),
                ),
            )
            if cur.rowcount == 0:
                return None
            claim_id = cur.lastrowid
            await conn.execute(
                "INSERT INTO prompt_history (guild_id, prompt_key, shown_at) VALUES (?, ?, ?)",
                (guild_id, key, at.isoformat(timespec="seconds")),
            )
        assert claim_id is not None
        return ClaimRow(claim_id, guild_id, channel_id, day, key, text, 0)

    async def unsent(self) -> list[ClaimRow]:
        rows = await self.db.fetchall(
            "SELECT id, guild_id, channel_id, local_date, prompt_key, text, attempts"
            " FROM daily_posts WHERE sent_at IS NULL AND last_error IS NOT 'abandoned'"
        )
        return [
            ClaimRow(r[0], r[1], r[2], date.fromisoformat(r[3]), r[4], r[5], r[6]) for r in rows
        ]

    async def attempted(self, claim_id: int) -> None:
        async with self.db.transaction() as conn:
            await conn.execute(
                "UPDATE daily_posts SET attempts = attempts + 1 WHERE id = ?", (claim_id,)
            )

    async def mark_sent(self, claim_id: int, message_id: int, at: datetime) -> None:
        async with self.db.transaction() as conn:
            await conn.execute(
                "UPDATE daily_posts SET sent_at = ?, message_id = ?, last_error = NULL"
                " WHERE id = ?",
                (at.isoformat(timespec="seconds"), message_id, claim_id),
            )

    async def mark_failed(self, claim_id: int, error: str) -> None:
        async with self.db.transaction() as conn:
            await conn.execute(
                "UPDATE daily_posts SET last_error = ? WHERE id = ?", (error[:500], claim_id)
            )

    async def history(self, guild_id: int, channel_id: int) -> list[tuple[str, str | None]]:
        """(local_date, sent_at) of every claimed day, oldest first."""
        rows = await self.db.fetchall(
            "SELECT local_date, sent_at FROM daily_posts WHERE guild_id = ? AND channel_id = ?"
            " ORDER BY local_date",
            (guild_id, channel_id),
        )
        return [(r[0], r[1]) for r in rows]
