"""Servers the bot left: their data is kept `purge_after_days`, then purged; removed
stories are purged once their undo window is over."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.services.daily import DailyService
from bot.services.uploads import UploadService
from bot.store.departures import DepartureStore
from bot.store.library import LibraryStore


@dataclass(slots=True)
class DepartureService:
    """What happens when the bot leaves (or rejoins) a server, and the purge after it."""

    store: DepartureStore
    library: LibraryStore
    uploads: UploadService
    daily: DailyService
    clock: Callable[[], datetime]
    keep_days: int

    async def departed(self, guild_id: int) -> None:
        await self.store.mark_departed(guild_id, self.clock())

    async def returned(self, guild_id: int) -> None:
        await self.store.mark_returned(guild_id)

    async def purge_departed(self) -> list[int]:
        """Delete what servers the bot left more than `keep_days` ago had stored (and
        removed stories whose undo window is over); the servers purged."""
        await self.uploads.purge_expired()
        purged = await self._purge_expired()
        if purged:
            self.daily.reload()  # their schedules are gone from the database
        return purged

    async def next_purge(self) -> datetime | None:
        """When `purge_departed` next has something to delete (None: nothing pending)."""
        left = await self.store.earliest_departure()
        departed = None if left is None else left + timedelta(days=self.keep_days)
        due = [d for d in (departed, await self.uploads.next_purge()) if d]
        return min(due, default=None)

    async def _purge_expired(self) -> list[int]:
        cutoff = self.clock() - timedelta(days=self.keep_days)
        purged = []
        for guild_id in await self.store.departed_before(cutoff):
            # one transaction per server; False: another process purged it, or it came back
            if await self.store.purge(guild_id, left_before=cutoff):
                purged.append(guild_id)
                self.library.purged()
        return purged
