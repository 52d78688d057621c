"""Background upkeep: purge what departed servers left behind once its grace period is over,
and removed stories once their undo window is."""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

import discord
from discord.ext import commands

from bot.sleeper import Sleeper

if TYPE_CHECKING:
    from bot.app import FicshelfBot

log = logging.getLogger(__name__)

IDLE_SLEEP = 7 * 86400.0  # nothing pending: sleep long (a departure wakes the purger)
RETRY_AFTER = 3600.0


class HousekeepingCog(commands.Cog, name="Housekeeping"):
    def __init__(self, bot: FicshelfBot) -> None:
        self.bot = bot
        self.task: asyncio.Task[None] | None = None
        self.sleeper: Sleeper = bot.upkeep  # woken by bot.upkeep_changed()

    async def cog_load(self) -> None:
        self.task = asyncio.create_task(self.purger(), name="ficshelf-purger")

    async def cog_unload(self) -> None:
        await self.sleeper.stop(self.task)

    async def purger(self) -> None:
        """Purge at start-up, then exactly when the next departed server's time is up."""
        await self.bot.wait_until_ready()
        while not self.bot.is_closed():
            delay = IDLE_SLEEP
            try:
                purged = await self.bot.services.departures.purge_departed()
                if purged:
                    log.info("purged the data of %d departed server(s): %s", len(purged), purged)
                due = await self.bot.services.departures.next_purge()
                if due is not None:
                    delay = min(delay, (due - discord.utils.utcnow()).total_seconds())
            except Exception:
                log.exception("purging departed servers failed; will try again")
                delay = RETRY_AFTER
            await self.sleeper.sleep(max(delay, 1.0))


async def setup(bot: FicshelfBot) -> None:
    await bot.add_cog(HousekeepingCog(bot))
