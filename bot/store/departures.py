"""Servers the bot left, and the purge of everything a server stored.

Each table family's module says how to delete one server's rows (`purge_statements`);
`PER_SERVER` lists them all, and `DepartureStore.purge` runs them in one transaction.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from bot.store import config, daily, library, prompts, reports, suggestions
from bot.store.db import Database, Statement

PER_SERVER: tuple[Callable[[int], list[Statement]], ...] = (
    library.purge_statements,
    config.purge_statements,
    prompts.purge_statements,
    daily.purge_statements,
    reports.purge_statements,
    suggestions.purge_statements,
)


class DepartureStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def mark_departed(self, guild_id: int, at: datetime) -> None:
        async with self.db.transaction() as conn:
            await conn.execute(
                "INSERT INTO departed_guilds (guild_id, left_at) VALUES (?, ?)"
                " ON CONFLICT DO NOTHING",
                (guild_id, at.isoformat(timespec="seconds")),
            )

    async def mark_returned(self, guild_id: int) -> None:
        async with self.db.transaction() as conn:
            await conn.execute("DELETE FROM departed_guilds WHERE guild_id = ?", (guild_id,))

    async def departed_before(self, cutoff: datetime) -> list[int]:
        rows = await self.db.fetchall(
            "SELECT guild_id FROM departed_guilds WHERE left_at < ?",
            (cutoff.isoformat(timespec="seconds"),),
        )
        return [r[0] for r in rows]

    async def earliest_departure(self) -> datetime | None:
        value = await self.db.scalar("SELECT min(left_at) FROM departed_guilds")
        return datetime.fromisoformat(value) if isinstance(value, str) else None

    async def purge(self, guild_id: int, *, left_before: datetime | None = None) -> bool:
        """Delete everything the server stored, and its departure, in one transaction.

        With `left_before`, only while the server is still marked as having left before
        then: deleting that mark is the claim, so of several processes purging at once
        exactly one purges, and a server that came back meanwhile keeps its data. True
        when this call purged."""
        statements = [sql for purge in PER_SERVER for sql in purge(guild_id)]
        async with self.db.transaction() as conn:
            if left_before is None:
                await conn.execute("DELETE FROM departed_guilds WHERE guild_id = ?", (guild_id,))
            elif not await conn.execute(
                "DELETE FROM departed_guilds WHERE guild_id = ? AND left_at < ?",
                (guild_id, left_before.isoformat(timespec="seconds")),
            ):
                return False
            for sql, params in statements:
                await conn.execute(sql, params)
        return True
