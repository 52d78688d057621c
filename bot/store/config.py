"""Per-server and per-channel policy settings, and their change log."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from bot.store.db import Database, Statement

SERVER_DEFAULT = 0  # channel_id of the server-wide default


@dataclass(frozen=True, slots=True)
class LayerRow:
    """One stored level of settings (None = inherit)."""

    max_rating: str | None
    spoilers: bool | None
    blocks: dict[str, bool]


@dataclass(frozen=True, slots=True)
class ChangeRow:
    channel_id: int
    user_id: int
    at: str
    change: str


class ConfigStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def layers(self, guild_id: int, channel_ids: Iterable[int]) -> dict[int, LayerRow]:
        """The stored levels of settings of these channels (SERVER_DEFAULT for the server's),
        in one query; a channel with nothing stored gets an empty layer."""
        ids = sorted(set(channel_ids))
        marks = ",".join("?" * len(ids))
        rows = await self.db.fetchall(  # settings rows (warning NULL), then block rows
            "SELECT channel_id, NULL AS warning, max_rating, spoilers, NULL AS blocked"
            f" FROM channel_policy WHERE guild_id = ? AND channel_id IN ({marks})"
            " UNION ALL SELECT channel_id, warning, NULL, NULL, blocked"
            f" FROM channel_blocks WHERE guild_id = ? AND channel_id IN ({marks})",
            (guild_id, *ids, guild_id, *ids),
        )
        settings: dict[int, tuple[str | None, bool | None]] = {}
        blocks: dict[int, dict[str, bool]] = {i: {} for i in ids}
        for r in rows:
            if r["warning"] is None:
                spoilers = None if r["spoilers"] is None else bool(r["spoilers"])
                settings[r["channel_id"]] = (r["max_rating"], spoilers)
            else:
                blocks[r["channel_id"]][r["warning"]] = bool(r["blocked"])
        return {i: LayerRow(*settings.get(i, (None, None)), blocks=blocks[i]) for i in ids}

    async def _log(
        self, guild_id: int, channel_id: int, user_id: int, at: datetime, change: str
    ) -> None:
        await self.db.conn.execute(
            "INSERT INTO config_log (guild_id, channel_id, user_id, at, change) VALUES (?,?,?,?,?)",
            (guild_id, channel_id, user_id, at.isoformat(timespec="seconds"), change),
        )

    async def set_value(
        self,
        guild_id: int,
        channel_id: int,
        column: str,
        value: object,
        *,
        user_id: int,
        at: datetime,
        change: str,
    ) -> None:
        if column not in ("max_rating", "spoilers"):
            raise ValueError(column)
        async with self.db.transaction() as conn:
            await conn.execute(
                f"INSERT INTO channel_policy (guild_id, channel_id, {column}) VALUES (?, ?, ?)"
                f" ON CONFLICT (guild_id, channel_id) DO UPDATE SET {column} = excluded.{column}",
                (guild_id, channel_id, value),
            )
            await self._log(guild_id, channel_id, user_id, at, change)

    async def set_block(
        self,
        guild_id: int,
        channel_id: int,
        warning: str,
        blocked: bool,
        *,
        user_id: int,
        at: datetime,
        change: str,
    ) -> None:
        async with self.db.transaction() as conn:
            await conn.execute(
                "INSERT INTO channel_blocks (guild_id, channel_id, warning, blocked)"
                " VALUES (?, ?, ?, ?) ON CONFLICT (guild_id, channel_id, warning)"
                " DO UPDATE SET blocked = excluded.blocked",
                (guild_id, channel_id, warning, int(blocked)),
            )
            await self._log(guild_id, channel_id, user_id, at, change)

    async def reset(
        self, guild_id: int, channel_id: int, *, user_id: int, at: datetime, change: str
    ) -> None:
        async with self.db.transaction() as conn:
            for table in ("channel_policy", "channel_blocks"):
                await conn.execute(
                    f"DELETE FROM {table} WHERE guild_id = ? AND channel_id = ?",
                    (guild_id, channel_id),
                )
            await self._log(guild_id, channel_id, user_id, at, change)

    async def recent_changes(self, guild_id: int, limit: int = 5) -> list[ChangeRow]:
        rows = await self.db.fetchall(
            "SELECT channel_id, user_id, at, change FROM config_log WHERE guild_id = ?"
            " ORDER BY id DESC LIMIT ?",
            (guild_id, limit),
        )
        return [ChangeRow(r["channel_id"], r["user_id"], r["at"], r["change"]) for r in rows]


def purge_statements(guild_id: int) -> list[Statement]:
    """Deleting a server's policy settings and their change log."""
    return [
        (f"DELETE FROM {table} WHERE guild_id = ?", (guild_id,))
        for table in ("channel_policy", "channel_blocks", "config_log")
    ]
