"""Background upkeep: purge what departed servers left behind once its grace period is over."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import TYPE_CHECKING

from discord.ext import commands

if TYPE_CHECKING:
    from bot.app import FicshelfBot

log = logging.getLogger(__name__)

PURGE_EVERY = 6 * 3600.0  # seconds between purge runs (and one at start-up)


class Housekeeping(commands.Cog):
    def __init__(self, bot: FicshelfBot) -> None:
        self.bot = bot
        self.task: asyncio.Task[None] | None = None

    async def cog_load(self) -> None:
        self.task = asyncio.create_task(self.purger(), name="ficshelf-purger")

    async def cog_unload(self) -> None:
        if self.task is not None:
            self.task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self.task

    async def purger(self) -> None:
        await self.bot.wait_until_ready()
        while not self.bot.is_closed():
            try:
                purged = await self.bot.services.purge_departed()
                if purged:
                    log.info("purged the data of %d departed server(s): %s", len(purged), purged)
            except Exception:
                log.exception("purging departed servers failed; will try again")
            await asyncio.sleep(PURGE_EVERY)


async def setup(bot: FicshelfBot) -> None:
    await bot.add_cog(Housekeeping(bot))
