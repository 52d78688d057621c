"""Prompts shown per server (by /prompt and the daily post), so they do not repeat."""

from __future__ import annotations

from datetime import datetime

from bot.store.db import Database, Statement


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


def purge_statements(guild_id: int) -> list[Statement]:
    """Deleting a server's prompt history."""
    return [("DELETE FROM prompt_history WHERE guild_id = ?", (guild_id,))]
