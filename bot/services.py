"""The bot's core services, built once in setup_hook and injected into the cogs."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.analysis.taxonomy import Taxonomy, load_taxonomy
from bot.ao3.budget import DbBudget
from bot.ao3.fetcher import Fetcher
from bot.ao3.limiter import Limiter
from bot.ao3.service import Ao3Links
from bot.daily import Daily
from bot.directory import StoryDirectory
from bot.excerpt_actions import ExcerptActions
from bot.excerpts import Excerpts
from bot.guild_config import GuildConfig
from bot.lookups import Lookups
from bot.prompting import Prompts
from bot.reports import Reports
from bot.settings import Settings
from bot.store.ao3 import Ao3Store
from bot.store.config import ConfigStore
from bot.store.daily import DailyStore
from bot.store.db import Database
from bot.store.guilds import GuildStore, PromptHistoryStore
from bot.store.library import LibraryStore
from bot.store.meta import MetaStore
from bot.store.reports import ReportStore
from bot.uploads import Uploads

Clock = Callable[[], datetime]


@dataclass(slots=True)
class Guilds:
    """What happens when the bot leaves a server: data kept `purge_after_days`, then purged."""

    store: GuildStore
    library: LibraryStore
    config: ConfigStore
    clock: Clock
    keep_days: int
    reports: ReportStore

    async def departed(self, guild_id: int) -> None:
        await self.store.mark_departed(guild_id, self.clock())

    async def returned(self, guild_id: int) -> None:
        await self.store.mark_returned(guild_id)

    async def next_purge(self) -> datetime | None:
        """When the earliest departed server's data is due to be purged (None: none left)."""
        left = await self.store.earliest_departure()
        return None if left is None else left + timedelta(days=self.keep_days)

    async def purge_expired(self) -> list[int]:
        cutoff = self.clock() - timedelta(days=self.keep_days)
        purged = await self.store.departed_before(cutoff)
        for guild_id in purged:
            await self.library.purge_guild(guild_id)
            await self.config.purge_guild(guild_id)
            await self.reports.purge_guild(guild_id)
            await self.store.forget(guild_id)
        return purged


@dataclass(slots=True)
class Services:
    db: Database
    settings: Settings
    taxonomy: Taxonomy
    meta: MetaStore
    library: LibraryStore
    directory: StoryDirectory
    config: GuildConfig
    excerpts: Excerpts
    lookups: Lookups
    uploads: Uploads
    guilds: Guilds
    prompt_history: PromptHistoryStore
    prompts: Prompts
    daily: Daily
    ao3: Ao3Links
    reports: Reports
    actions: ExcerptActions
    clock: Clock
    rng: random.Random
    instance: str

    @classmethod
    def build(
        cls,
        db: Database,
        settings: Settings,
        *,
        clock: Clock,
        rng: random.Random | None = None,
        instance: str = "main",
    ) -> Services:
        tax = load_taxonomy()
        rng = rng or random.Random()
        library = LibraryStore(db)
        directory = StoryDirectory(library)
        config_store = ConfigStore(db)
        config = GuildConfig(config_store, tax, clock)
        history = PromptHistoryStore(db)
        prompts = Prompts(library, history, tax, rng, clock)
        uploads = Uploads(library, directory, settings, clock)
        excerpts = Excerpts(library, config, directory, tax, rng)
        report_store = ReportStore(db)
        return cls(
            db=db,
            settings=settings,
            taxonomy=tax,
            meta=MetaStore(db),
            library=library,
            directory=directory,
            config=config,
            excerpts=excerpts,
            lookups=Lookups(library, directory, tax, config),
            uploads=uploads,
            guilds=Guilds(
                GuildStore(db),
                library,
                config_store,
                clock,
                settings.purge_after_days,
                report_store,
            ),
            prompt_history=history,
            prompts=prompts,
            daily=Daily(DailyStore(db), prompts, config, clock, instance),
            ao3=Ao3Links(ao3_fetcher(db, settings, clock, rng, instance), config, tax, uploads),
            reports=Reports(report_store, library, tax, clock),
            actions=ExcerptActions(excerpts, library, config, report_store),
            clock=clock,
            rng=rng,
            instance=instance,
        )

    async def close(self) -> None:
        """Release what the services hold open besides the database (the AO3 client)."""
        await self.ao3.close()

    async def purge_departed(self) -> list[int]:
        """Delete what servers the bot left more than `purge_after_days` ago had stored
        (and removed stories whose undo window is over)."""
        await self.uploads.purge_expired()
        purged = await self.guilds.purge_expired()
        if purged:
            self.daily.reload()  # their schedules are gone from the database
        return purged

    async def next_purge(self) -> datetime | None:
        """When `purge_departed` next has something to delete (None: nothing pending)."""
        due = [d for d in (await self.guilds.next_purge(), await self.uploads.next_purge()) if d]
        return min(due, default=None)


def ao3_fetcher(
    db: Database, settings: Settings, clock: Clock, rng: random.Random, instance: str
) -> Fetcher:
    """The process's one AO3 client: its limiter shares a budget through the database."""
    store = Ao3Store(db)
    budget = DbBudget(
        store,
        interval=settings.ao3_min_interval,
        per_window=settings.ao3_per_minute,
        wall=clock,
        instance=instance,
    )
    limiter = Limiter(settings.ao3_min_interval, settings.ao3_per_minute, budget=budget)
    return Fetcher(settings, store, limiter, wall=clock, rng=rng)
