"""Servers the bot left, and prompt history per server."""

from __future__ import annotations

from datetime import datetime

from bot.store.db import Database


class GuildStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def mark_departed(self, guild_id: int, at: datetime) -> None:
        async with self.db.transaction() as conn:
            await conn.execute(
                "INSERT OR IGNORE INTO departed_guilds (guild_id, left_at) VALUES (?, ?)",
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

    async def forget(self, guild_id: int) -> None:
        async with self.db.transaction() as conn:
            await conn.execute("DELETE FROM departed_guilds WHERE guild_id = ?", (guild_id,))


class PromptHistoryStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def recent(self, guild_id: int, limit: int = 30) -> list[str]:
        rows = await self.db.fetchall(
            "SELECT prompt_key FROM prompt_history WHERE guild_id = ? ORDER BY id DESC LIMIT ?",
            (guild_id, limit),
        )
        return [r[0] for r in rows]

    async def since(self, guild_id: int, cutoff: datetime) -> list[str]:
        rows = await self.db.fetchall(
            "SELECT prompt_key FROM prompt_history WHERE guild_id = ? AND shown_at >= ?",
            (guild_id, cutoff.isoformat(timespec="seconds")),
        )
        return [r[0] for r in rows]

    async def add(self, guild_id: int, key: str, at: datetime) -> None:
        async with self.db.transaction() as conn:
            await conn.execute(
                "INSERT INTO prompt_history (guild_id, prompt_key, shown_at) VALUES (?, ?, ?)",
                (guild_id, key, at.isoformat(timespec="seconds")),
            )
