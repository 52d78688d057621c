"""The AO3 page cache, the negative cache and the shared request budget (migration 008)."""

from __future__ import annotations

from dataclasses import dataclass

from bot.store.db import Database


@dataclass(frozen=True, slots=True)
class CachedPage:
    """What a URL gave last time: a page (`body`) or a failure (`failure`, `detail`)."""

    status: int
    body: str | None
    failure: str | None
    detail: float | None
    expires_at: float


class Ao3Store:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def cached(self, url: str, now: float) -> CachedPage | None:
        row = await self.db.fetchone(
            "SELECT status, body, failure, detail, expires_at FROM ao3_pages"
            " WHERE url = ? AND expires_at > ?",
            (url, now),
        )
        if row is None:
            return None
        return CachedPage(row[0], row[1], row[2], row[3], row[4])

    async def remember(
        self,
        url: str,
        *,
        status: int,
        now: float,
        keep: float,
        body: str | None = None,
        failure: str | None = None,
        detail: float | None = None,
    ) -> None:
        async with self.db.transaction() as conn:
            await conn.execute("DELETE FROM ao3_pages WHERE expires_at <= ?", (now,))
            await conn.execute(
                "INSERT INTO ao3_pages (url, status, body, failure, detail, fetched_at, expires_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (url) DO UPDATE SET"
                " status = excluded.status, body = excluded.body, failure = excluded.failure,"
                " detail = excluded.detail, fetched_at = excluded.fetched_at,"
                " expires_at = excluded.expires_at",
                (url, status, body, failure, detail, now, now + keep),
            )

    async def claim(
        self, now: float, *, interval: float, per_window: int, window: float, instance: str
    ) -> float:
        """Take one request from the shared budget: 0 when taken, else seconds to wait."""
        async with self.db.transaction() as conn:
            await conn.execute("DELETE FROM ao3_requests WHERE at <= ?", (now - window,))
            rows = list(
                await conn.execute_fetchall(
                    "SELECT at FROM ao3_requests WHERE at > ? ORDER BY at", (now - window,)
                )
            )
            times = [float(r[0]) for r in rows]
            wait = 0.0
            if times:
                wait = max(wait, times[-1] + interval - now)
            if len(times) >= per_window:
                wait = max(wait, times[len(times) - per_window] + window - now)
            if wait > 0:
                return wait
            await conn.execute(
                "INSERT INTO ao3_requests (at, instance) VALUES (?, ?)", (now, instance)
            )
            return 0.0
