"""Smoke run of the benchmarks at a tiny size: the code runs and the table has its shape.

No timing is asserted: machines differ; `python -m bench` is where numbers come from.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

from rich.console import Console

from bench.measure import Budget, parse_size, percentile, size_label
from bench.report import COLUMNS, cells, table, write
from bench.runner import SECTIONS, Config, run


def test_sizes_and_percentiles() -> None:
    assert [parse_size(s) for s in ("10k", "100K", "1m", "2500")] == [10_000, 100_000, 10**6, 2500]
    assert [size_label(n) for n in (10_000, 1_000_000, 2500)] == ["10k", "1m", "2500"]
    assert percentile([3.0, 1.0, 2.0], 50) == 2.0
    assert math.isnan(percentile([], 99))


async def test_bench_smoke(tmp_path: Path) -> None:
    config = Config(
        sizes=[2_000],
        out_dir=tmp_path,
        budget=Budget(n=20, seconds=0.5, min_n=5, warmup=1),
        index_passages=150,
        index_stages=True,
        startup_runs=1,
        rss_iterations=2,
        rss_per_case=False,
    )
    results = await run(config)
    rows = results.rows
    assert {r.section for r in rows} == set(SECTIONS)
    for row in rows:
        assert len(cells(row)) == len(COLUMNS)
        assert row.metric
        assert row.unit
        assert row.ok in (True, False, None)
        assert row.goal is not None or row.ok is None, f"{row.metric}: a verdict without a goal"
    excerpt = [r for r in rows if r.section == "excerpt" and r.metric.endswith("p99 @2k")]
    assert excerpt
    assert all(r.baseline and r.goal for r in excerpt)
    library = results.info["libraries"][0]
    assert library["passages"] == 2_000
    assert library["bundled_stories"] > 0

    js, md = write(rows, tmp_path, results.info)
    payload = json.loads(js.read_text())
    assert payload["machine"]["sqlite"]
    assert len(payload["rows"]) == len(rows)
    text = md.read_text()
    assert "| metric | value | baseline | ratio | goal | pass | note |" in text
    assert text.count("\n|") == len(rows) + 2

    console = Console(width=200, record=True)
    console.print(table(rows))
    assert "peak RSS" in console.export_text()


def test_generator_is_deterministic() -> None:
    from bench.generator import Generator

    a, b = Generator().story(5), Generator().story(5)
    assert a.title == b.title
    assert a.tropes == b.tropes
    assert [p.text for p in a.passages] == [p.text for p in b.passages]
    assert sum(len(s.passages) for s in Generator().stories(500)) == 500


async def test_cached_library_is_reused(tmp_path: Path) -> None:
    from bench.build import ensure_library

    first = await ensure_library(300, out_dir=tmp_path)
    again = await ensure_library(300, out_dir=tmp_path)
    assert first == again
    assert first.passages == 300
