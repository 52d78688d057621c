"""Running every benchmark for a configuration and collecting the rows."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from bench.autocomplete import bench_autocomplete
from bench.build import OUT_DIR, LibraryInfo, ensure_library
from bench.excerpt import bench_excerpt, growth_rows
from bench.index import bench_index
from bench.measure import Budget, Row, size_label
from bench.postgres import ensure_server_copy
from bench.report import machine
from bench.rss import bench_rss
from bench.startup import bench_startup

FULL_SIZES = (10_000, 100_000, 1_000_000)
SECTIONS = ("index", "excerpt", "autocomplete", "startup", "memory")


@dataclass(slots=True)
class Config:
    """What to run and how hard."""

    sizes: list[int] = field(default_factory=lambda: list(FULL_SIZES))
    out_dir: Path = OUT_DIR
    budget: Budget = field(default_factory=Budget)
    index_passages: int = 10_000
    index_stages: bool = True
    startup_runs: int = 3
    rss_iterations: int = 20
    rss_per_case: bool = True
    sections: tuple[str, ...] = SECTIONS
    postgres: str | None = None  # a server URL: /excerpt is measured on PostgreSQL too

    @classmethod
    def quick(cls, **changes: Any) -> Config:
        """10k passages only, fewer samples: a smoke run in about a minute."""
        base = cls(
            sizes=[10_000],
            budget=Budget(n=300, seconds=2.0),
            index_passages=2_000,
            startup_runs=2,
            rss_iterations=20,
            rss_per_case=False,
        )
        for key, value in changes.items():
            setattr(base, key, value)
        return base


@dataclass(slots=True)
class Results:
    rows: list[Row]
    info: dict[str, Any]


class Log:
    """Where progress goes (a rich Console, or nowhere)."""

    def __init__(self, console: Any | None = None) -> None:
        self.console = console

    def step(self, text: str) -> None:
        if self.console is not None:
            self.console.log(text)


async def run(config: Config, console: Any | None = None) -> Results:
    """Build (or reuse) the libraries, run the benchmarks, return every row in table order."""
    log = Log(console)
    sections: dict[str, list[Row]] = {name: [] for name in SECTIONS}
    libraries: list[LibraryInfo] = []
    sizes = sorted(config.sizes)
    for size in sizes:
        label = size_label(size)
        log.step(f"library {label}: building or reusing")
        info = await _library(size, config, console)
        libraries.append(info)
        log.step(
            f"library {label}: {info.stories:,} stories ({info.bundled_stories:,} bundled), "
            f"{info.guilds} uploading servers; reader server sees "
            f"{info.reader_visible_passages:,} passages"
        )
        if "excerpt" in config.sections:
            log.step(f"excerpt @{label}")
            sections["excerpt"] += await bench_excerpt(info, config.budget)
            if config.postgres is not None:
                log.step(f"excerpt @{label} on PostgreSQL: copying the library (once)")
                url = await ensure_server_copy(info, config.postgres)
                sections["excerpt"] += await bench_excerpt(info, config.budget, server_copy=url)
        if "autocomplete" in config.sections:
            log.step(f"autocomplete @{label}")
            sections["autocomplete"] += await bench_autocomplete(info, config.budget)
        if "startup" in config.sections:
            log.step(f"startup @{label}")
            sections["startup"] += await bench_startup(info, config.startup_runs)
    sections["excerpt"] += growth_rows(sections["excerpt"], sizes)
    if "index" in config.sections:
        log.step(f"index: {config.index_passages:,} passages of generated files")
        sections["index"] += await bench_index(
            config.out_dir, config.index_passages, stages=config.index_stages
        )
    if "memory" in config.sections and libraries:
        log.step(f"memory @{size_label(libraries[-1].passages)}")
        sections["memory"] += await bench_rss(
            libraries[-1], config.out_dir, config.rss_iterations, config.rss_per_case
        )
    rows = [row for name in SECTIONS for row in sections[name]]
    info = {
        "machine": machine(),
        "sizes": [size_label(s) for s in sizes],
        "config": {
            "budget": asdict(config.budget),
            "index_passages": config.index_passages,
            "startup_runs": config.startup_runs,
            "rss_iterations": config.rss_iterations,
        },
        "libraries": [asdict(i) for i in libraries],
    }
    return Results(rows, info)


async def _library(size: int, config: Config, console: Any | None) -> LibraryInfo:
    if console is None:
        return await ensure_library(size, out_dir=config.out_dir)
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
    )

    with Progress(
        TextColumn(f"building {size_label(size)}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=console,
        transient=True,
    ) as bar:
        task = bar.add_task("build", total=size)

        def step(done: int, _total: int) -> None:
            bar.update(task, completed=done)

        return await ensure_library(size, out_dir=config.out_dir, progress=step)
