"""The composition root: every service built once (in setup_hook) and injected into the cogs."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from bot.analysis.taxonomy import Taxonomy, load_taxonomy
from bot.ao3.budget import DbBudget
from bot.ao3.fetcher import Fetcher
from bot.ao3.limiter import Limiter
from bot.ao3.service import Ao3Service
from bot.services.config import ConfigService
from bot.services.daily import DailyService
from bot.services.departures import DepartureService
from bot.services.directory import DirectoryService
from bot.services.excerpts import ExcerptActionService, ExcerptService
from bot.services.lookups import LookupService
from bot.services.prompts import PromptService
from bot.services.reports import ReportService
from bot.services.suggestions import SuggestionService
from bot.services.uploads import UploadService
from bot.settings import Settings
from bot.shards import owns_everything
from bot.store.ao3 import Ao3Store
from bot.store.config import ConfigStore
from bot.store.daily import DailyStore
from bot.store.db import Database
from bot.store.departures import DepartureStore
from bot.store.library import LibraryStore
from bot.store.meta import MetaStore
from bot.store.prompts import PromptHistoryStore
from bot.store.reports import ReportStore
from bot.store.suggestions import SuggestionStore

Clock = Callable[[], datetime]


@dataclass(slots=True)
class Services:
    """Every service (and the few stores the bot itself reads), as the cogs receive them."""

    db: Database
    settings: Settings
    taxonomy: Taxonomy
    meta: MetaStore
    library: LibraryStore
    directory: DirectoryService
    config: ConfigService
    excerpts: ExcerptService
    lookups: LookupService
    uploads: UploadService
    departures: DepartureService
    prompt_history: PromptHistoryStore
    prompts: PromptService
    daily: DailyService
    ao3: Ao3Service
    reports: ReportService
    suggestions: SuggestionService
    actions: ExcerptActionService
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
        directory = DirectoryService(library)
        config_store = ConfigStore(db)
        config = ConfigService(config_store, tax, clock)
        history = PromptHistoryStore(db)
        prompts = PromptService(library, history, tax, rng, clock)
        uploads = UploadService(library, settings, clock)
        excerpts = ExcerptService(library, config, tax, rng)
        report_store = ReportStore(db)
        suggestions = SuggestionService(
            SuggestionStore(db), report_store, config, prompts, tax, clock
        )
        owns = settings.shards.owns if settings.shards else owns_everything
        daily = DailyService(DailyStore(db), prompts, config, clock, instance, suggestions, owns)
        departures = DepartureService(
            DepartureStore(db),
            library,
            uploads,
            daily,
            clock,
            settings.purge_after_days,
        )
        return cls(
            db=db,
            settings=settings,
            taxonomy=tax,
            meta=MetaStore(db),
            library=library,
            directory=directory,
            config=config,
            excerpts=excerpts,
            lookups=LookupService(library, tax, config),
            uploads=uploads,
            departures=departures,
            prompt_history=history,
            prompts=prompts,
            daily=daily,
            ao3=Ao3Service(ao3_fetcher(db, settings, clock, rng, instance), config, tax, uploads),
            reports=ReportService(report_store, library, tax, clock),
            suggestions=suggestions,
            actions=ExcerptActionService(excerpts, library, config, report_store),
            clock=clock,
            rng=rng,
            instance=instance,
        )

    async def close(self) -> None:
        """Release what the services hold open besides the database (the AO3 client)."""
        await self.ao3.close()


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
