"""Peak memory of a process serving excerpts, measured in a child process.

`python -m bench.rss --db PATH --guild ID` serves excerpts (every case of bench.excerpt, or
the named ones) through the bot's /excerpt core and prints its peak RSS as JSON. The
parent runs it against the library and against an empty database.
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import json
import random
import resource
import subprocess
import sys
import time
from pathlib import Path

from bench.build import LibraryInfo
from bench.measure import Goal, Row, size_label

GOAL = Goal("<=", 150.0, unit="MB")
AUTOCOMPLETE_GUILD = 700_000_000_000_000_000  # servers that only see the bundled library
AUTOCOMPLETE_SERVERS = 50


def _status_kb(field: str) -> int | None:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


async def serve(
    db_path: Path, guild: int, iterations: int, only: list[str], autocomplete_guilds: int = 0
) -> dict[str, object]:
    """Serve `iterations` excerpts per case through the bot's own /excerpt core
    (`Services.excerpts.draw`), with the bot and its cogs imported, then story autocomplete
    in `autocomplete_guilds` servers without uploads; memory figures after."""
    import importlib

    import discord

    from bench.excerpt import cases
    from bot.app import EXTENSIONS
    from bot.context import Where
    from bot.services.root import Services
    from bot.settings import Settings
    from bot.store.db import Database

    for extension in EXTENSIONS:  # the running bot's import footprint
        importlib.import_module(extension)
    started = time.perf_counter()
    db = await Database.open(db_path)
    calls = found = 0
    try:
        settings = Settings(db_path=db_path, library_dir=db_path.parent)
        services = Services.build(db, settings, clock=discord.utils.utcnow, rng=random.Random(3))
        where = Where(guild_id=guild, channel_id=guild + 1, age_restricted=True)
        chosen = [c for c in cases() if not only or c.name in only]
        for case in chosen:
            for _ in range(iterations):
                got = await services.excerpts.draw(where, case.filt)
                found += hasattr(got, "passage")
                calls += 1
        for other in range(autocomplete_guilds):
            await services.directory.autocomplete(AUTOCOMPLETE_GUILD + other, "a")
    finally:
        await db.close()
    return {
        "vmhwm_kb": _status_kb("VmHWM"),
        "vmrss_kb": _status_kb("VmRSS"),
        "ru_maxrss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
        "calls": calls,
        "found": found,
        "seconds": round(time.perf_counter() - started, 2),
    }


def peak_mb(report: dict[str, object]) -> float:
    kb = report.get("vmhwm_kb") or report["ru_maxrss_kb"]
    return float(kb) / 1024  # type: ignore[arg-type]


def run_child(
    db_path: Path,
    guild: int,
    iterations: int,
    only: list[str] | None = None,
    *,
    autocomplete_guilds: int = 0,
    timeout: float = 1800,
) -> dict[str, object]:
    """Run the serving process and return its report."""
    cmd = [
        sys.executable,
        "-m",
        "bench.rss",
        "--db",
        str(db_path),
        "--guild",
        str(guild),
        "--iterations",
        str(iterations),
        "--autocomplete-guilds",
        str(autocomplete_guilds),
    ]
    for name in only or []:
        cmd += ["--case", name]
    root = Path(__file__).resolve().parents[1]
    done = subprocess.run(
        cmd, cwd=root, capture_output=True, text=True, timeout=timeout, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(f"bench.rss failed: {done.stderr.strip()[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


async def empty_database(path: Path) -> Path:
    """A freshly migrated database with no stories."""
    from bot.store.db import Database

    for stale in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
        stale.unlink(missing_ok=True)
    db = await Database.open(path)
    await db.close()
    return path


async def bench_rss(
    info: LibraryInfo, out_dir: Path, iterations: int, per_case: bool = False
) -> list[Row]:
    """Peak RSS serving excerpts from the library, beside the same with an empty database."""
    empty = await empty_database(out_dir / "empty.db")
    base = await asyncio.to_thread(run_child, empty, info.reader_guild, iterations)
    got = await asyncio.to_thread(run_child, info.db, info.reader_guild, iterations)
    detail: dict[str, object] = {"library": got, "empty": base}
    note = f"{got['calls']} excerpts in {got['seconds']} s"
    if per_case:
        from bench.excerpt import cases

        each = {}
        for case in cases():
            report = await asyncio.to_thread(
                run_child, info.db, info.reader_guild, iterations, [case.name]
            )
            each[case.name] = round(peak_mb(report), 1)
        detail["per_case_mb"] = each
        worst = max(each, key=lambda k: each[k])
        note += f"; worst alone: {worst} {each[worst]:g} MB"
    label = size_label(info.passages)
    one = await asyncio.to_thread(
        functools.partial(run_child, info.db, info.reader_guild, 0, autocomplete_guilds=1)
    )
    many = await asyncio.to_thread(
        functools.partial(
            run_child, info.db, info.reader_guild, 0, autocomplete_guilds=AUTOCOMPLETE_SERVERS
        )
    )
    return [
        Row(
            "memory",
            f"peak RSS serving excerpts @{label}",
            peak_mb(got),
            "MB",
            peak_mb(base),
            GOAL,
            note=note,
            detail=detail,
        ),
        Row(
            "memory",
            f"peak RSS after story autocomplete in {AUTOCOMPLETE_SERVERS} servers @{label}",
            peak_mb(many),
            "MB",
            peak_mb(one),
            GOAL,
            note="baseline: autocomplete in 1 server",
            detail={"one": one, "many": many},
        ),
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.rss", description=__doc__)
    parser.add_argument("--db", required=True, type=Path)
    parser.add_argument("--guild", required=True, type=int)
    parser.add_argument("--iterations", type=int, default=50)
    parser.add_argument("--case", action="append", default=[])
    parser.add_argument("--autocomplete-guilds", type=int, default=0)
    args = parser.parse_args(argv)
    report = asyncio.run(
        serve(args.db, args.guild, args.iterations, args.case, args.autocomplete_guilds)
    )
    print(json.dumps(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
