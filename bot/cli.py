"""`ficshelf` (= `python -m bot`): one function per verb."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bot.settings import Settings

log = logging.getLogger("ficshelf")


def _settings(args: argparse.Namespace) -> Settings:
    settings = Settings.from_env()
    if getattr(args, "db", None):
        settings = _replace(settings, db_path=Path(args.db))
    return settings


def _replace(settings: Settings, **changes: Any) -> Settings:
    from dataclasses import replace

    return replace(settings, **changes)


# -- index -----------------------------------------------------------------------------------


def cmd_index(args: argparse.Namespace) -> int:
    """Index files and folders (default: the library dir) into the database."""
    settings = _settings(args)
    paths = [Path(p) for p in args.paths] or [settings.library_dir]
    summary = asyncio.run(
        _index(settings, paths, show_progress=sys.stderr.isatty() and not args.json)
    )
    if args.json:
        print(json.dumps(summary.as_dict(), indent=2, ensure_ascii=False))
    else:
        _print_summary(summary)
    return 1 if summary.failed else 0


async def _index(settings: Settings, paths: list[Path], *, show_progress: bool) -> Any:
    from bot.indexing import index_paths, story_files
    from bot.store.db import Database
    from bot.store.library import LibraryStore

    db = await Database.open(settings.db_path)
    try:
        library = LibraryStore(db)
        prune = [p for p in paths if p.is_dir()]
        if not show_progress:
            return await index_paths(
                library, paths, max_bytes=settings.max_file_bytes, prune_dirs=prune
            )
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeRemainingColumn,
        )

        total = sum(1 for _ in story_files(paths))
        with Progress(
            TextColumn("indexing"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeRemainingColumn(),
            TextColumn("{task.fields[name]}"),
            transient=True,
        ) as bar:
            task = bar.add_task("index", total=total, name="")

            def step(path: Path, _size: int) -> None:
                bar.update(task, advance=1, name=path.name)

            return await index_paths(
                library, paths, max_bytes=settings.max_file_bytes, prune_dirs=prune, progress=step
            )
    finally:
        await db.close()


def _print_summary(summary: Any) -> None:
    from rich.console import Console

    out = Console(highlight=False)
    d = summary.as_dict()
    out.print(
        f"{d['added']} added, {d['updated']} updated, {d['unchanged']} unchanged, "
        f"{d['removed']} removed, {len(d['failed'])} failed · library: {d['stories']} stories, "
        f"{d['passages']} passages · {d['seconds']:.2f} s"
    )
    for dup in summary.duplicates:
        out.print(
            f"duplicate {dup['file']}: already in the library as “{dup['title']}” ({dup['of']})"
        )
    for failure in summary.failed:
        Console(stderr=True, highlight=False).print(
            f"[red]failed[/red] {failure['file']}: {failure['error']}"
        )


# -- analyze ---------------------------------------------------------------------------------


def cmd_analyze(args: argparse.Namespace) -> int:
    """What the bot knows about story files, without indexing them."""
    from bot.indexing import load_file, prepare
    from bot.library import StoryReadError

    settings = _settings(args)
    reports: list[dict[str, Any]] = []
    failed = False
    for name in args.paths:
        path = Path(name)
        try:
            data, _stat = load_file(path, settings.max_file_bytes)
            reports.append(
                prepare(
                    data, path.name, max_bytes=settings.max_file_bytes, display_path=name
                ).report
            )
        except StoryReadError as exc:
            reports.append({"file": name, "error": str(exc)})
            failed = True
    if args.json:
        payload: Any = reports[0] if len(reports) == 1 else reports
        print(json.dumps(payload, indent=2, ensure_ascii=False))
    else:
        _print_reports(reports)
    return 1 if failed else 0


def _print_reports(reports: list[dict[str, Any]]) -> None:
    from rich.console import Console
    from rich.table import Table

    out = Console(highlight=False)
    for r in reports:
        if "error" in r:
            out.print(f"[bold red]{r['file']}[/]: {r['error']}")
            continue
        out.rule(f"[bold]{r['title']}[/] by {', '.join(r['authors']) or 'unknown'}")
        out.print(
            f"{r['file']} · {r['format']} · {r['language'] or '?'} · {r['words']:,} words in "
            f"{len(r['chapters'])} chapter(s) · rated {r['rating']} ({r['rating_source']})"
        )
        for label, key in (
            ("Fandoms", "fandoms"),
            ("Relationships", "relationships"),
            ("Characters", "characters"),
            ("Tags", "tags"),
            ("Archive warnings", "archive_warnings"),
        ):
            if r[key]:
                out.print(f"[bold]{label}:[/] {', '.join(r[key])}")
        for label, key in (("Warnings", "warnings"), ("Tropes", "tropes")):
            table = Table(title=label, show_lines=False, expand=True)
            for col in ("slug", "source", "conf.", "evidence"):
                table.add_column(col, overflow="fold")
            for f in r[key]:
                ev = "\n".join(
                    f"ch.{e['chapter']} l.{e['line']}: {e['quote'][:120]}" for e in f["evidence"]
                )
                table.add_row(f["slug"], f["source"], f"{f['confidence']:.2f}", ev)
            out.print(table if r[key] else f"[bold]{label}:[/] none")


# -- the bot ---------------------------------------------------------------------------------


def cmd_run(args: argparse.Namespace) -> int:
    """Start the bot."""
    settings = _settings(args)
    if not settings.token:
        print(
            "ficshelf: no bot token: set DISCORD_TOKEN in the environment or in a .env file "
            "(see .env.example)",
            file=sys.stderr,
        )
        return 2
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    from bot.app import create_bot

    async def main() -> None:
        async with create_bot(settings) as bot:
            await bot.start(settings.token or "")

    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(main())
    return 0


def cmd_sync(args: argparse.Namespace) -> int:
    """Push the slash commands now (to one guild with --guild)."""
    settings = _settings(args)
    if args.guild:
        settings = _replace(settings, dev_guild_id=args.guild)
    if not settings.token:
        print(
            "ficshelf: no bot token: set DISCORD_TOKEN in the environment or in .env",
            file=sys.stderr,
        )
        return 2
    logging.basicConfig(level=logging.INFO)
    from bot.app import create_bot

    async def main() -> None:
        async with create_bot(settings, always_sync=True) as bot:
            await bot.login(settings.token or "")  # runs setup_hook, which syncs

    asyncio.run(main())
    target = f"guild {settings.dev_guild_id}" if settings.dev_guild_id else "all servers (global)"
    print(f"slash commands synced to {target}")
    return 0


def cmd_console(args: argparse.Namespace) -> int:
    """The real bot in a simulated local server: no token, no network."""
    from bot.console import run_console

    settings = _settings(args)
    return run_console(
        settings, commands=args.command, member=args.as_ == "member", channel=args.channel
    )


def cmd_backup(args: argparse.Namespace) -> int:
    """A consistent copy of the database, safe while the bot runs."""
    from bot.store.db import Database

    settings = _settings(args)
    dest = Path(args.dest)
    if dest.exists() and not args.force:
        print(f"ficshelf: {dest} exists; pass --force to overwrite", file=sys.stderr)
        return 1

    async def main() -> None:
        db = await Database.open(settings.db_path)
        try:
            await db.backup(dest)
        finally:
            await db.close()

    asyncio.run(main())
    print(f"backed up {settings.db_path} to {dest}")
    return 0


def cmd_eval(args: argparse.Namespace) -> int:
    """Precision and recall of warning detection against a gold file."""
    from bot.analysis.evaluate import evaluate, format_report

    settings = _settings(args)
    stories = Path(args.stories) if args.stories else settings.library_dir
    report = evaluate(Path(args.gold), stories)
    print(format_report(report))
    return 0


# -- parser ----------------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="ficshelf", description=__doc__)
    sub = parser.add_subparsers(dest="verb", required=True, metavar="VERB")

    p = sub.add_parser("index", help="index story files and folders (default: the library dir)")
    p.add_argument("paths", nargs="*", metavar="PATH")
    p.add_argument("--db", metavar="PATH", help="database file (default: $FICSHELF_DB)")
    p.add_argument("--json", action="store_true", help="print the summary as JSON")
    p.set_defaults(func=cmd_index)

    p = sub.add_parser("analyze", help="what the bot knows about story files (no indexing)")
    p.add_argument("paths", nargs="+", metavar="PATH")
    p.add_argument("--json", action="store_true", help="JSON: an object (one file) or a list")
    p.set_defaults(func=cmd_analyze)

    p = sub.add_parser("run", help="start the bot (needs DISCORD_TOKEN)")
    p.add_argument("--db", metavar="PATH")
    p.set_defaults(func=cmd_run)

    p = sub.add_parser("sync", help="push the slash commands")
    p.add_argument("--guild", type=int, metavar="ID", help="sync to this server only (instant)")
    p.set_defaults(func=cmd_sync)

    p = sub.add_parser("console", help="the bot in a simulated local server, no token needed")
    p.add_argument(
        "-c",
        dest="command",
        action="append",
        default=[],
        metavar="COMMAND",
        help="run this command and exit (repeatable)",
    )
    p.add_argument(
        "--as",
        dest="as_",
        choices=("moderator", "member"),
        default="moderator",
        help="act as a moderator (Manage Server, default) or a plain member",
    )
    p.add_argument("--channel", default="general", help="where commands run (default: #general)")
    p.add_argument("--db", metavar="PATH")
    p.set_defaults(func=cmd_console)

    p = sub.add_parser("backup", help="a consistent copy of the database, while the bot runs")
    p.add_argument("dest", metavar="DEST")
    p.add_argument("--db", metavar="PATH")
    p.add_argument("--force", action="store_true", help="overwrite DEST")
    p.set_defaults(func=cmd_backup)

    p = sub.add_parser("eval", help="precision/recall of warning detection against a gold file")
    p.add_argument("gold", metavar="GOLD")
    p.add_argument(
        "--stories", metavar="DIR", help="folder of the gold's stories (default: library)"
    )
    p.set_defaults(func=cmd_eval)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args))
    except ValueError as exc:  # e.g. a malformed setting
        print(f"ficshelf: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
