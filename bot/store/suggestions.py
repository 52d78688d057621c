"""Prompts members suggest (moderated in the queue) and notes kept for a member.

Every query takes the server: one server's suggestions are never read for another.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.store.db import Database, Statement

OPEN = "open"
APPROVED = "approved"
REJECTED = "rejected"
COMMUNITY_KEY = "community:"  # prompt_key of a posted suggestion: "community:<id>"


@dataclass(frozen=True, slots=True)
class SuggestionRow:
    id: int
    guild_id: int
    channel_id: int
    user_id: int
    author_name: str
    text: str
    trope: str | None
    warnings: str
    suggested_at: str
    status: str
    reason: str | None
    decided_by: int | None
    decided_at: str | None
    card_channel: int | None
    card_message: int | None

    @classmethod
    def from_row(cls, row: Any) -> SuggestionRow:
        return cls(**dict(zip(row.keys(), tuple(row), strict=True)))

    @property
    def key(self) -> str:
        return f"{COMMUNITY_KEY}{self.id}"

    @property
    def warning_set(self) -> frozenset[str]:
        return frozenset(w for w in self.warnings.split(",") if w)


@dataclass(frozen=True, slots=True)
class NewSuggestion:
    guild_id: int
    channel_id: int
    user_id: int
    author_name: str
    text: str
    trope: str | None
    warnings: frozenset[str]
    suggested_at: str


class SuggestionStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def add(self, new: NewSuggestion, *, limit: int, since: str) -> SuggestionRow | None:
        """Store `new` unless its member already made `limit` suggestions since `since`
        (None): one statement, so suggestions sent at once cannot all pass the check."""
        sid = await self.db.insert(
            "INSERT INTO prompt_suggestions (guild_id, channel_id, user_id, author_name, text,"
            " trope, warnings, suggested_at) SELECT ?, ?, ?, ?, ?, ?, ?, ?"
            " WHERE (SELECT count(*) FROM prompt_suggestions WHERE guild_id = ? AND user_id = ?"
            " AND suggested_at >= ?) < ?",
            (
                new.guild_id,
                new.channel_id,
                new.user_id,
                new.author_name,
                new.text,
                new.trope,
                ",".join(sorted(new.warnings)),
                new.suggested_at,
                new.guild_id,
                new.user_id,
                since,
                limit,
            ),
        )
        if sid is None:
            return None
        return await self.get(new.guild_id, sid)

    async def get(self, guild_id: int, suggestion_id: int) -> SuggestionRow | None:
        row = await self.db.fetchone(
            "SELECT * FROM prompt_suggestions WHERE guild_id = ? AND id = ?",
            (guild_id, suggestion_id),
        )
        return SuggestionRow.from_row(row) if row else None

    async def recent_count(self, guild_id: int, user_id: int, since: str) -> int:
        return await self.db.count(
            "SELECT count(*) FROM prompt_suggestions WHERE guild_id = ? AND user_id = ?"
            " AND suggested_at >= ?",
            (guild_id, user_id, since),
        )

    async def set_card(self, suggestion_id: int, channel_id: int, message_id: int) -> None:
        await self.db.write(
            "UPDATE prompt_suggestions SET card_channel = ?, card_message = ? WHERE id = ?",
            (channel_id, message_id, suggestion_id),
        )

    async def decide(
        self,
        guild_id: int,
        suggestion_id: int,
        status: str,
        *,
        by: int,
        at: str,
        reason: str | None,
    ) -> bool:
        """Decide an open suggestion; False when it was no longer open."""
        changed = await self.db.write(
            "UPDATE prompt_suggestions SET status = ?, decided_by = ?, decided_at = ?, reason = ?"
            " WHERE guild_id = ? AND id = ? AND status = 'open'",
            (status, by, at, reason, guild_id, suggestion_id),
        )
        return changed > 0

    async def open(self, guild_id: int, limit: int) -> list[SuggestionRow]:
        rows = await self.db.fetchall(
            "SELECT * FROM prompt_suggestions WHERE guild_id = ? AND status = 'open'"
            " ORDER BY id LIMIT ?",
            (guild_id, limit),
        )
        return [SuggestionRow.from_row(r) for r in rows]

    async def approved(self, guild_id: int) -> list[tuple[SuggestionRow, str | None]]:
        """The server's approved suggestions, each with when it was last posted (or None),
        never-posted first, then least recently posted, then oldest."""
        rows = await self.db.fetchall(
            "SELECT * FROM (SELECT s.*, (SELECT max(h.shown_at) FROM prompt_history h"
            "  WHERE h.guild_id = s.guild_id AND h.prompt_key = 'community:' || s.id) AS last"
            " FROM prompt_suggestions s WHERE s.guild_id = ? AND s.status = 'approved') a"
            " ORDER BY last IS NOT NULL, last, decided_at, id",
            (guild_id,),
        )
        out = []
        for r in rows:
            values = dict(zip(r.keys(), tuple(r), strict=True))
            last = values.pop("last")
            out.append((SuggestionRow(**values), last))
        return out

    # -- notices ---------------------------------------------------------------------------

    async def add_notice(self, guild_id: int, user_id: int, text: str, at: str) -> None:
        await self.db.write(
            "INSERT INTO member_notices (guild_id, user_id, text, created_at) VALUES (?, ?, ?, ?)",
            (guild_id, user_id, text, at),
        )

    async def pending_members(self) -> set[tuple[int, int]]:
        rows = await self.db.fetchall(
            "SELECT DISTINCT guild_id, user_id FROM member_notices WHERE delivered_at IS NULL"
        )
        return {(r[0], r[1]) for r in rows}

    async def take_notices(self, guild_id: int, user_id: int, at: str) -> list[str]:
        """A member's undelivered notes, oldest first, marked delivered."""
        async with self.db.transaction() as conn:
            rows = await conn.execute_fetchall(
                "SELECT id, text FROM member_notices WHERE guild_id = ? AND user_id = ?"
                " AND delivered_at IS NULL ORDER BY id",
                (guild_id, user_id),
            )
            ids = [r[0] for r in rows]
            await conn.executemany(
                "UPDATE member_notices SET delivered_at = ? WHERE id = ?", [(at, i) for i in ids]
            )
        return [r[1] for r in rows]


def purge_statements(guild_id: int) -> list[Statement]:
    """Deleting a server's suggestions and notes."""
    return [
        (f"DELETE FROM {table} WHERE guild_id = ?", (guild_id,))
        for table in ("prompt_suggestions", "member_notices")
    ]
