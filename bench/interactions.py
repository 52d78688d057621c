"""Click to first response in the simulator: each excerpt button pressed N times.

`python -m bench.interactions [N]` prints p50/p99 (ms) per button: wall time of the simulated
click until the simulator settles, which contains the bot's first interaction callback (an
upper bound of click to first response).
"""

from __future__ import annotations

import asyncio
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import discord
import simcord

from bot.app import create_bot
from bot.paths import STORIES_DIR
from bot.settings import Settings


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


async def _run(n: int) -> dict[str, list[float]]:
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(db_path=Path(tmp) / "bench.db", library_dir=STORIES_DIR)
        bot = create_bot(settings, rng=random.Random(1))
        try:
            async with simcord.run(bot) as env:
                guild = env.create_guild(name="Bench")
                general = guild.create_text_channel("general")
                mods = guild.create_role("Mods", permissions=discord.Permissions(manage_guild=True))
                member = guild.add_member(env.create_user("reader"), roles=[mods])
                await env.settle()
                first = (await member.slash(general, "excerpt")).response
                times: dict[str, list[float]] = {"Another": [], "More context": [], "Report": []}
                for _ in range(n):
                    for label, spent in times.items():
                        spent.append(await _click(env, member, first, label))
                return times
        finally:
            await bot.release()


async def _click(env: Any, member: Any, message: Any, label: str) -> float:
    """Seconds the click took to be answered (checked: a callback was posted)."""
    before = len(env.http_requests)
    start = time.perf_counter()
    await member.click(message, label=label)
    total = time.perf_counter() - start
    posted = [r for r in env.http_requests[before:] if "/callback" in r.path]
    assert posted, f"{label}: no response"
    return total


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    times = asyncio.run(_run(n))
    print(f"click to first response, {n} clicks each (ms)")
    for label, spent in times.items():
        ms = [t * 1000 for t in spent]
        print(f"  {label:<13} p50 {statistics.median(ms):6.2f}   p99 {_percentile(ms, 0.99):6.2f}")


if __name__ == "__main__":
    main()
