"""`ficshelf` (= `python -m bot`): one function per verb."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import math
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.errors import UserError
from bot.settings import Settings, database_target

if TYPE_CHECKING:
    from bot.analysis.training import TrainingConfig

log = logging.getLogger("ficshelf")


class CliError(UserError):
    """A user error at the command line: one line `ficshelf: …` on stderr, exit `status`."""

    def __init__(self, message: str, status: int = 2) -> None:
        super().__init__(message)
        self.status = status


def _error(message: str) -> None:
    print(f"ficshelf: {message}", file=sys.stderr)


def _settings(args: argparse.Namespace) -> Settings:
    settings = Settings.from_env()
    if getattr(args, "db", None):
        settings = _replace(settings, **database_target(args.db))
    return settings


def _replace(settings: Settings, **changes: Any) -> Settings:
    from dataclasses import replace

    return replace(settings, **changes)


# -- index -----------------------------------------------------------------------------------


def cmd_index(args: argparse.Namespace) -> int:
    """Index files and folders (default: the library dir) into the database."""
    settings = _settings(args)
    paths = _paths(args.paths)
    warning = None if paths else _warn_library(settings)
    if not paths and warning is None:
        paths = [settings.library_dir]
    if args.workers is not None and args.workers < 1:
        raise CliError("--workers must be at least 1")
    summary = asyncio.run(
        _index(
            settings,
            paths,
            show_progress=sys.stderr.isatty() and not args.json,
            workers=args.workers,
        )
    )
    if args.json:
        print(json.dumps(summary.as_dict(), indent=2, ensure_ascii=False))
    else:
        _print_summary(summary)
    return 1 if summary.failed or warning else 0


def _paths(names: list[str]) -> list[Path]:
    """The PATH arguments; an empty one is a user error (it would mean the current folder)."""
    if any(name == "" for name in names):
        raise CliError("an empty path names no file or folder")
    return [Path(name) for name in names]


def _warn_library(settings: Settings) -> str | None:
    """Warn (one line on stderr) when the library folder is missing; returns the warning."""
    warning = settings.library_warning()
    if warning:
        _error(f"warning: {warning}")
    return warning


async def _index(
    settings: Settings, paths: list[Path], *, show_progress: bool, workers: int | None
) -> Any:
    from bot.indexing import index_paths, story_files
    from bot.store.db import Database
    from bot.store.library import LibraryStore

    db = await Database.open(settings.database)
    try:
        library = LibraryStore(db)
        prune = [p for p in paths if p.is_dir()]
        if not show_progress:
            return await index_paths(
                library, paths, max_bytes=settings.max_file_bytes, prune_dirs=prune, workers=workers
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
                library,
                paths,
                max_bytes=settings.max_file_bytes,
                prune_dirs=prune,
                progress=step,
                workers=workers,
            )
    finally:
        await db.close()


def _print_summary(summary: Any) -> None:
    from rich.console import Console
    from rich.markup import escape

    out = Console(highlight=False, soft_wrap=True)  # one line each, however narrow
    err = Console(stderr=True, highlight=False, soft_wrap=True)
    d = summary.as_dict()
    out.print(
        f"{d['added']:,} added, {d['updated']:,} updated, {d['unchanged']:,} unchanged, "
        f"{d['removed']:,} removed, {len(d['failed']):,} failed · "
        f"library: {d['stories']:,} stories, {d['passages']:,} passages · {d['seconds']:,.2f} s"
    )
    for dup in summary.duplicates:
        out.print(
            f"duplicate {dup['file']}: already in the library as “{dup['title']}” ({dup['of']})"
        )
    for failure in summary.failed:
        err.print(f"[red]failed[/red] {escape(failure['file'])}: {escape(failure['error'])}")


# -- analyze ---------------------------------------------------------------------------------


def cmd_analyze(args: argparse.Namespace) -> int:
    """What the bot knows about story files, without indexing them."""
    from bot.indexing import load_file, prepare
    from bot.readers import StoryReadError

    settings = _settings(args)
    reports: list[dict[str, Any]] = []
    failed = False
    for name, path in zip(args.paths, _paths(args.paths), strict=True):
        try:
            data, _stat = load_file(path, settings.max_file_bytes)
            reports.append(
                prepare(
                    data, path.name, max_bytes=settings.max_file_bytes, display_path=name
                ).report
            )
        except StoryReadError as exc:
            reports.append({"file": name, "error": str(exc)})
            _error(f"{name}: {exc}")
            failed = True
    if args.json:
        payload: Any = reports[0] if len(reports) == 1 else reports
        print(json.dumps(payload, indent=2, ensure_ascii=False))
    else:
        _print_reports(reports)
    return 1 if failed else 0


def _print_reports(reports: list[dict[str, Any]]) -> None:
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    out = Console(highlight=False)
    for r in reports:
        if "error" in r:
            continue  # already on stderr
        # "Anonymous", as the bot shows a story without authors
        out.rule(
            f"[bold]{escape(r['title'])}[/] by {escape(', '.join(r['authors']) or 'Anonymous')}"
        )
        out.print(
            f"{r['file']} · {r['format']} · {r['language'] or '?'} · {r['words']:,} words in "
            f"{len(r['chapters']):,} chapter(s) · rated {r['rating']} ({r['rating_source']})"
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
    _warn_library(settings)
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
    _warn_library(settings)
    return run_console(
        settings, commands=args.command, member=args.as_ == "member", channel=args.channel
    )


def cmd_backup(args: argparse.Namespace) -> int:
    """A consistent copy of the database, safe while the bot runs."""
    from bot.store.db import Database, statement_errors

    settings = _settings(args)
    if not args.dest:
        raise CliError("the backup destination is empty: name the file to write")
    dest = Path(args.dest)
    folder = dest.parent
    if not folder.is_dir():
        why = f"{folder} is not a folder" if folder.exists() else f"no folder {folder}"
        raise CliError(f"cannot back up to {dest}: {why}", status=1)
    if dest.is_dir():
        raise CliError(f"cannot back up to {dest}: it is a folder", status=1)
    if dest.exists():
        if not args.force:
            raise CliError(f"{dest} exists; pass --force to overwrite", status=1)
        if (
            settings.db_url is None
            and settings.db_path.exists()
            and dest.samefile(settings.db_path)
        ):
            raise CliError(f"cannot back up to {dest}: it is the database itself", status=1)

    async def main() -> None:
        db = await Database.open(settings.database, create=False, migrate=False)
        try:
            await db.backup(dest)
        finally:
            await db.close()

    try:
        asyncio.run(main())
    except (OSError, *statement_errors()) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise CliError(f"cannot back up to {dest}: {reason}", status=1) from None
    print(f"backed up {settings.database_name} to {dest}")
    return 0


def cmd_migrate_db(args: argparse.Namespace) -> int:
    """Copy the SQLite database into an empty PostgreSQL database, table by table."""
    from bot.store.db import is_server_url, redacted
    from bot.store.postgres import PostgresDatabase
    from bot.store.sqlite import SqliteDatabase
    from bot.store.transfer import TransferError, copy_database

    settings = _settings(args)
    if settings.db_url is not None:
        raise CliError("FICSHELF_DB is already PostgreSQL: name the SQLite file with --db")
    if not is_server_url(args.to):
        raise CliError(f"--to must be a postgresql:// URL, not {args.to!r}")

    def shown(table: str, done: int, total: int) -> None:
        print(f"  {table}: {done:,}/{total:,}", file=sys.stderr)

    async def main() -> list[Any]:
        source = await SqliteDatabase.open_file(settings.db_path, create=False)
        try:
            target = await PostgresDatabase.connect(args.to)
            try:
                return await copy_database(source, target, shown)
            finally:
                await target.close()
        finally:
            await source.close()

    try:
        counted = asyncio.run(main())
    except TransferError as exc:
        raise CliError(str(exc), status=1) from None
    for c in counted:
        print(f"{c.table:20} {c.target:>10,}")
    rows = sum(c.target for c in counted)
    print(f"copied {settings.db_path} to {redacted(args.to)}: {rows:,} rows, counts verified")
    return 0


def cmd_health(args: argparse.Namespace) -> int:
    """Exit 0 when the database answers and its migrations are current (for HEALTHCHECK)."""
    from bot.store.db import health

    settings = _settings(args)
    if args.timeout <= 0:
        raise CliError("--timeout must be more than 0 seconds")
    version, problem = health(settings.database, timeout=args.timeout)
    if problem is not None:
        raise CliError(problem, status=1)
    print(f"ok: {settings.database_name} answers, schema version {version} (current)")
    return 0


def cmd_eval(args: argparse.Namespace) -> int:
    """Precision and recall of warning detection against a gold file or labelled passages."""
    from bot.analysis.evaluate import evaluate, format_report

    if args.gold.endswith(".jsonl"):
        return _eval_passages(args)
    settings = _settings(args)
    gold = _gold_file(args.gold)
    stories = Path(args.stories) if args.stories else settings.library_dir
    if not stories.is_dir():
        raise CliError(f"the stories folder {stories} does not exist (see --stories)")
    report = evaluate(gold, stories)
    print(format_report(report))
    return 0


def _eval_passages(args: argparse.Namespace) -> int:
    from bot.analysis.passage_eval import evaluate_passages, format_passage_report
    from bot.analysis.training import TrainingError

    path = _readable(args.gold, "passages file")
    try:
        report = evaluate_passages(path, folds=args.folds)
    except TrainingError as exc:
        raise CliError(str(exc)) from None
    print(format_passage_report(report))
    return 0


def _write_vectors(source: Path, config: TrainingConfig) -> int:
    from bot.analysis.training import TrainingError, write_vectors
    from bot.paths import TRAINING_DIR

    if config.vectors is None:
        raise TrainingError("data/models/training.toml names no [vectors] file")
    out = TRAINING_DIR / config.vectors.file
    count = write_vectors(source, out, config.vectors.words)
    print(f"{count:,} word vectors from {source}: {out}")
    return 0


def cmd_train(args: argparse.Namespace) -> int:
    """Train the passage classifier from data/training and the EACL development half."""
    from bot.analysis.learned import save_model
    from bot.analysis.training import TrainingError, load_config, read_eacl, read_material, train
    from bot.paths import EACL_DEV, MODEL_PATH

    eacl = Path(args.eacl) if args.eacl else EACL_DEV
    out = Path(args.out) if args.out else MODEL_PATH
    try:
        config = load_config()
        if args.vectors_from:
            return _write_vectors(Path(args.vectors_from), config)
        rows = read_material()
        if eacl.exists():
            rows += read_eacl(eacl, config)
        else:
            print(f"ficshelf: {eacl} not found: training without EACL passages", file=sys.stderr)
        model = train(rows, config)
    except TrainingError as exc:
        raise CliError(str(exc)) from None
    save_model(model, out)
    works = len(model.groups)
    print(f"trained on {len(rows):,} passages from {works:,} works: {out}")
    for label, threshold, cued in zip(model.labels, model.thresholds, model.cued, strict=True):
        if not math.isfinite(threshold):
            where = f"threshold {cued:.2f}, only on its topic or where a cue matched"
        elif cued != threshold:
            where = f"threshold {threshold:.2f}, {cued:.2f} on its topic or where a cue matched"
        else:
            where = f"threshold {threshold:.2f}"
        print(f"  {label:<16} {where}")
    return 0


def _readable(name: str, what: str) -> Path:
    """A regular, readable text file, else one clear sentence (CliError)."""
    path = Path(name)
    if not name or not path.is_file():
        raise CliError(f"cannot read the {what} {name!r}: no such file")
    try:
        path.read_bytes().decode("utf-8")
    except OSError as exc:
        raise CliError(f"cannot read the {what} {path}: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise CliError(f"{path} is not a {what}: it is binary, not text") from None
    return path


def _gold_file(name: str) -> Path:
    """The gold file, checked: readable TOML text, else one clear sentence (CliError)."""
    import tomllib

    if not name:
        raise CliError("the gold file name is empty")
    path = Path(name)
    if not path.is_file():
        if not path.exists():
            why = "no such file"
        elif path.is_dir():
            why = "it is a folder"
        else:
            why = "not a regular file"
        raise CliError(f"cannot read the gold file {path}: {why}")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise CliError(f"cannot read the gold file {path}: {exc.strerror or exc}") from None
    try:
        tomllib.loads(data.decode("utf-8"))
    except UnicodeDecodeError:
        raise CliError(f"{path} is not a gold file: it is binary, not TOML text") from None
    except tomllib.TOMLDecodeError as exc:
        raise CliError(f"{path} is not a valid gold file: {exc}") from None
    return path


def cmd_export_labels(args: argparse.Namespace) -> int:
    """The decided reader reports as labels: passage text, the warning and the decision."""
    from bot.services.reports import labels as decided_labels
    from bot.store.db import Database
    from bot.store.reports import ReportStore

    settings = _settings(args)

    async def main() -> list[dict[str, Any]]:
        db = await Database.open(settings.database, create=False)
        try:
            return await decided_labels(ReportStore(db))
        finally:
            await db.close()

    labels = asyncio.run(main())
    if args.json:
        print(json.dumps(labels, ensure_ascii=False, indent=2))
        return 0
    for label in labels:
        warning = label["warning"] or "-"
        added = " (added)" if label["warning_added"] else ""
        print(f"[{label['decision']} · {label['reason']} · {warning}{added}] {label['story']}")
        print(label["text"])
        print()
    print(f"{len(labels)} decided report{'s' if len(labels) != 1 else ''}", file=sys.stderr)
    return 0


# -- parser ----------------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="ficshelf", description=__doc__)
    sub = parser.add_subparsers(dest="verb", required=True, metavar="VERB")

    p = sub.add_parser("index", help="index story files and folders (default: the library dir)")
    p.add_argument("paths", nargs="*", metavar="PATH")
    p.add_argument("--db", metavar="PATH", help="database file (default: $FICSHELF_DB)")
    p.add_argument("--json", action="store_true", help="print the summary as JSON")
    p.add_argument(
        "--workers",
        type=int,
        metavar="N",
        help="processes that read and analyse files (default: one per CPU)",
    )
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

    p = sub.add_parser(
        "migrate-db", help="copy the SQLite database into PostgreSQL (resumable, verified)"
    )
    p.add_argument("--to", required=True, metavar="URL", help="postgresql://user@host/db")
    p.add_argument("--db", metavar="PATH", help="the SQLite file (default: FICSHELF_DB)")
    p.set_defaults(func=cmd_migrate_db)

    p = sub.add_parser("health", help="exit 0 if the database answers and is migrated")
    p.add_argument("--db", metavar="PATH")
    p.add_argument(
        "--timeout",
        type=float,
        default=5.0,
        metavar="SECONDS",
        help="how long to wait for a locked database (default: 5)",
    )
    p.set_defaults(func=cmd_health)

    p = sub.add_parser("eval", help="precision/recall of warning detection against a gold file")
    p.add_argument("gold", metavar="GOLD")
    p.add_argument(
        "--stories", metavar="DIR", help="folder of the gold's stories (default: library)"
    )
    p.add_argument(
        "--folds",
        type=int,
        metavar="K",
        help="labelled passages (.jsonl): cross-validate the model in K folds split by work",
    )
    p.set_defaults(func=cmd_eval)

    p = sub.add_parser("train", help="train the passage classifier (data/models/passages.npz)")
    p.add_argument("--eacl", metavar="JSONL", help="the EACL development half (default: ../shared)")
    p.add_argument("--out", metavar="PATH", help="where to write the model")
    p.add_argument(
        "--vectors-from",
        metavar="GLOVE_TXT",
        help="instead, write the configured word-vector file from a GloVe text file",
    )
    p.set_defaults(func=cmd_train)

    p = sub.add_parser(
        "export-labels", help="decided reader reports (text, warning, decision) for training"
    )
    p.add_argument("--db", metavar="PATH")
    p.add_argument("--json", action="store_true", help="a JSON list of labels")
    p.set_defaults(func=cmd_export_labels)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one verb; a user error is one line on stderr and a non-zero exit, no traceback."""
    from bot.store.db import DatabaseFileError, MigrationError

    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args))
    except CliError as exc:
        _error(str(exc))
        return exc.status
    except (DatabaseFileError, MigrationError) as exc:
        _error(str(exc))
        return 2
    except ValueError as exc:  # e.g. a malformed setting
        _error(str(exc))
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
