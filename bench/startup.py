"""Startup with an unchanged index: the real `setup_hook`, logged in offline by simcord."""

from __future__ import annotations

import inspect
import logging
import random
import statistics
import time
from collections import defaultdict
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from bench.build import LibraryInfo, prepare_for_startup
from bench.measure import Goal, Row, ms, size_label

GOAL = Goal("<=", 1000.0, unit="ms")


@contextmanager
def _timed(owner: Any, name: str, spent: dict[str, float]) -> Iterator[None]:
    """Wrap the coroutine function `owner.name` to add its wall time to spent[name]."""
    had = name in vars(owner)
    original = inspect.getattr_static(owner, name)
    func: Callable[..., Awaitable[Any]] = getattr(original, "__func__", original)

    async def wrapper(*args: Any, **kwargs: Any) -> Any:
        t0 = time.perf_counter()
        try:
            return await func(*args, **kwargs)
        finally:
            spent[name] += time.perf_counter() - t0

    setattr(owner, name, classmethod(wrapper) if isinstance(original, classmethod) else wrapper)
    try:
        yield
    finally:
        if had:
            setattr(owner, name, original)
        else:
            delattr(owner, name)


async def start_once(db_path: Path, library_dir: Path) -> tuple[float, dict[str, float]]:
    """Seconds from create_bot to a logged-in bot (setup_hook done), and where they went."""
    import simcord

    import bot.app
    from bot import Settings, create_bot
    from bot.store.db import Database

    spent: dict[str, float] = defaultdict(float)
    with (
        _timed(Database, "open", spent),
        _timed(bot.app, "index_paths", spent),
        _timed(bot.app.FicshelfBot, "load_extension", spent),
        _timed(bot.app.FicshelfBot, "sync_commands", spent),
    ):
        t0 = time.perf_counter()
        app = create_bot(Settings(db_path=db_path, library_dir=library_dir), rng=random.Random(1))
        async with simcord.run(app):
            elapsed = time.perf_counter() - t0
            await _shut_down(app)
    return elapsed, dict(spent)


async def _shut_down(app: Any) -> None:
    """Close the bot before simcord does.

    Works around cogs/daily.py: `DailyCog.poster` swallows its own cancellation (the
    `suppress(CancelledError)` around `await self.nap`) and loops while `is_closed()` is
    false — which it still is while `close()` unloads the cogs — so `close()` would wait
    for it forever. With `is_closed()` true first, the poster leaves its loop.
    """
    app.is_closed = lambda: True
    await app.close()


async def bare_start() -> float:
    """The framework alone: a bare commands.Bot logged in by simcord."""
    import discord
    import simcord
    from discord.ext import commands

    t0 = time.perf_counter()
    client = commands.Bot(command_prefix="!", intents=discord.Intents.default())
    async with simcord.run(client):
        return time.perf_counter() - t0


async def bench_startup(info: LibraryInfo, runs: int = 3) -> list[Row]:
    """Median of `runs` starts after one warm-up start (which may sync commands)."""
    library_dir = await prepare_for_startup(info)
    logging.getLogger("discord").setLevel(logging.WARNING)
    await start_once(info.db, library_dir)  # warm-up: first sync, OS caches
    results = [await start_once(info.db, library_dir) for _ in range(runs)]
    bare = statistics.median([await bare_start() for _ in range(runs)])
    elapsed = statistics.median(r[0] for r in results)
    parts = {
        k: round(ms(statistics.median(r[1].get(k, 0.0) for r in results)), 1) for k in results[0][1]
    }
    label = size_label(info.passages)
    note = ", ".join(f"{k} {v:g} ms" for k, v in parts.items())
    return [
        Row(
            "startup",
            f"setup_hook, unchanged index @{label}",
            ms(elapsed),
            "ms",
            ms(bare),
            GOAL,
            note=note,
            detail={"runs": runs, "parts_ms": parts, "bundled_stories": info.bundled_stories},
        )
    ]
