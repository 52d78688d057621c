"""`python -m bench`: run the benchmarks, print one table, write bench/out/results.{json,md}."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from pathlib import Path

from bench.build import OUT_DIR
from bench.measure import Budget, parse_size
from bench.runner import SECTIONS, Config, run


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument(
        "--sizes",
        default="10k,100k,1m",
        help="library sizes in passages, e.g. 10k,100k,1m (default)",
    )
    parser.add_argument(
        "--quick", action="store_true", help="a smoke run: 10k passages only, fewer samples"
    )
    parser.add_argument(
        "--only",
        default=",".join(SECTIONS),
        help=f"sections to run (default: all of {','.join(SECTIONS)})",
    )
    parser.add_argument("--samples", type=int, help="timed calls per latency case")
    parser.add_argument(
        "--postgres",
        metavar="URL",
        default=os.environ.get("FICSHELF_BENCH_POSTGRES") or None,
        help="a PostgreSQL server (postgresql://…): /excerpt on each library copied there,"
        " beside SQLite (default: FICSHELF_BENCH_POSTGRES)",
    )
    parser.add_argument("--out", type=Path, default=OUT_DIR, help="results and cached libraries")
    return parser.parse_args(argv)


def config_from(args: argparse.Namespace) -> Config:
    sections = tuple(s.strip() for s in args.only.split(",") if s.strip())
    unknown = sorted(set(sections) - set(SECTIONS))
    if unknown:
        raise SystemExit(f"unknown section(s): {', '.join(unknown)}")
    if args.quick:
        config = Config.quick(out_dir=args.out, sections=sections)
    else:
        sizes = [parse_size(s) for s in args.sizes.split(",") if s.strip()]
        config = Config(sizes=sizes, out_dir=args.out, sections=sections)
    config.postgres = args.postgres
    if args.samples:
        b = config.budget
        config.budget = Budget(n=args.samples, seconds=b.seconds, min_n=b.min_n, warmup=b.warmup)
    return config


def main(argv: list[str] | None = None) -> int:
    from rich.console import Console

    from bench.report import table, write

    args = parse_args(argv)
    config = config_from(args)
    err = Console(stderr=True)
    results = asyncio.run(run(config, err))
    Console(width=None if sys.stdout.isatty() else 200).print(table(results.rows))
    js, md = write(results.rows, config.out_dir, results.info)
    err.print(f"wrote {js} and {md}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
