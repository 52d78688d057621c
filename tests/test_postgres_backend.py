"""The PostgreSQL backend beside SQLite: the same schema, the same answers to the same
queries on the bundled library (same draws for the same seed), its own migrations,
health, a plain-SQL backup, and `ficshelf migrate-db` (resumable, verified).

The server is the one `.ci/run` starts (FICSHELF_TEST_POSTGRES); without one, the tests
that need it are skipped with that reason (CI always has one, and fails if it cannot
start it)."""

from __future__ import annotations

import asyncio
import random
import shutil
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bot.paths import STORIES_DIR
from bot.policy import Eligibility
from bot.services.root import Services
from bot.settings import Settings
from bot.store import transfer
from bot.store.db import Database, MigrationError, health, migrations, redacted
from bot.store.library import LibraryStore, PassageFilter
from bot.store.postgres import PostgresDatabase, pg_tool, placeholders
from bot.store.sqlite import SqliteDatabase
from tests import databases
from tests.conftest import _index

needs_server = pytest.mark.skipif(
    databases.server_url() is None,
    reason=f"no PostgreSQL server: set {databases.SERVER_ENV} (.ci/run starts one)",
)


def test_placeholders_are_numbered_outside_quoted_text_only() -> None:
    sql = "SELECT '?', \"a?\" FROM t WHERE a = ? AND b IN (?, ?) AND c = 'it''s ?'"
    assert placeholders(sql) == (
        "SELECT '?', \"a?\" FROM t WHERE a = $1 AND b IN ($2, $3) AND c = 'it''s ?'"
    )


def test_a_server_url_is_shown_without_its_password() -> None:
    assert redacted("postgresql://bot:s3cret@db:5432/ficshelf") == (
        "postgresql://bot:***@db:5432/ficshelf"
    )
    assert redacted("postgresql://bot@db/ficshelf") == "postgresql://bot@db/ficshelf"


@pytest.fixture
def server_db() -> Iterator[str]:
    """The URL of a new, empty database on the test server."""
    server = databases.server_url()
    assert server is not None
    name = databases.fresh_name("pg")
    yield databases.create(server, name)
    databases.drop(server, name)


@pytest.fixture(scope="module")
def both_libraries(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, str]]:
    """The bundled library indexed into an SQLite file and into a PostgreSQL database."""
    server = databases.server_url()
    assert server is not None
    path = tmp_path_factory.mktemp("parity") / "ficshelf.db"
    name = databases.fresh_name("parity")
    url = databases.create(server, name)
    asyncio.run(_index(path))
    asyncio.run(_index(url))
    yield path, url
    databases.drop(server, name)


async def _open_both(both: tuple[Path, str]) -> tuple[LibraryStore, LibraryStore]:
    path, url = both
    return LibraryStore(await Database.open(path)), LibraryStore(await Database.open(url))


FILTERS = [
    PassageFilter(),
    *(PassageFilter(story_id=i) for i in range(1, 6)),
    PassageFilter(trope="soulmates"),
    PassageFilter(trope="hurt-comfort"),
    PassageFilter(character="Bakugou Katsuki"),
    PassageFilter(character="midoriya izuku"),  # names compare ignoring case
    PassageFilter(character="Kirishima Eijirou", trope="angst"),
    PassageFilter(query="kiss"),
    PassageFilter(query='"his hand"'),
    PassageFilter(query="blood hospital"),
    PassageFilter(query="café"),  # accents: FTS5's remove_diacritics, unaccent here
    PassageFilter(query="Katsuki", trope="soulmates"),
    PassageFilter(query="nothingmatchesthis"),
]
POLICIES = [
    Eligibility(2, frozenset({"suicide", "self-harm", "sexual-content"})),  # a default channel
    Eligibility(3, frozenset({"suicide", "self-harm"})),  # mature, built-in blocks kept
    Eligibility(4, frozenset()),  # everything
]


@needs_server
async def test_the_same_filters_and_policy_give_the_same_passages_on_both(
    both_libraries: tuple[Path, str],
) -> None:
    lite, pg = await _open_both(both_libraries)
    compared = draws = 0
    try:
        assert await lite.stats() == await pg.stats()
        for filt in FILTERS:
            for elig in POLICIES:
                counts = [await s.count_passages(0, filt, elig) for s in (lite, pg)]
                assert counts[0] == counts[1], (filt, elig, counts)
                assert await lite.exclusions(0, filt, elig) == await pg.exclusions(0, filt, elig)
                for seed in range(8):  # the same sampling slots: the same draw for a seed
                    got = [
                        await s.random_passage(0, filt, elig, random.Random(seed))
                        for s in (lite, pg)
                    ]
                    assert got[0] == got[1], (filt, elig, seed)
                    draws += 1
                compared += counts[0]
        for query in ("kiss", "Bakugou", "soulmate", "hero"):
            names = [[s.id for s in await lib.find_stories(0, query=query)] for lib in (lite, pg)]
            assert names[0] == names[1], query
        assert await lite.story_characters(0) == await pg.story_characters(0)
    finally:
        await lite.db.close()
        await pg.db.close()
    print(
        f"parity: {len(FILTERS)} filters × {len(POLICIES)} policies, {compared} eligible"
        f" passages compared, {draws} seeded draws identical"
    )
    assert compared > 500 and draws == len(FILTERS) * len(POLICIES) * 8


async def _schema(db: Database) -> dict[str, set[str]]:
    if isinstance(db, SqliteDatabase):
        tables = [
            r[0]
            for r in await db.fetchall(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND sql IS NOT NULL"
                " AND name NOT LIKE '%fts_%' AND name NOT IN ('passage_fts', 'story_fts')"
            )
        ]
        return {t: {r[1] for r in await db.fetchall(f"PRAGMA table_info({t})")} for t in tables}
    rows = await db.fetchall(
        "SELECT table_name, column_name FROM information_schema.columns"
        " WHERE table_schema = 'public' AND is_generated = 'NEVER'"
        " AND table_name NOT IN ('ficshelf_schema', 'story_fts')"
    )
    found: dict[str, set[str]] = {}
    for table, column in rows:
        found.setdefault(table, set()).add(column)
    return found


@needs_server
async def test_the_postgresql_schema_has_every_sqlite_table_and_column(
    tmp_path: Path, server_db: str
) -> None:
    lite, pg = await Database.open(tmp_path / "s.db"), await Database.open(server_db)
    try:
        assert await _schema(pg) == await _schema(lite)
        copied = {t for t, _order, _identity in transfer.TABLES}
        assert copied == set(await _schema(lite)) | {"story_fts"}, "migrate-db copies every table"
    finally:
        await lite.close()
        await pg.close()


@needs_server
async def test_migrations_apply_once_and_a_newer_schema_is_refused(server_db: str) -> None:
    first, second = await asyncio.gather(Database.open(server_db), Database.open(server_db))
    try:
        assert await first.user_version() == len(migrations("postgresql"))
        assert await second.migrate() == len(migrations("postgresql"))
        assert await asyncio.to_thread(health, server_db) == (len(migrations("postgresql")), None)
        await first.write("UPDATE ficshelf_schema SET version = version + 5")
    finally:
        await first.close()
        await second.close()
    with pytest.raises(MigrationError, match="newer than this Ficshelf"):
        await Database.open(server_db)
    version, problem = await asyncio.to_thread(health, server_db)
    assert problem is not None and "newer" in problem, problem
    assert version == len(migrations("postgresql")) + 5


def test_health_names_a_server_that_does_not_answer() -> None:
    version, problem = health("postgresql://nobody@127.0.0.1:9/nowhere", timeout=2)
    assert version == 0
    assert problem == (
        "cannot open the database postgresql://nobody@127.0.0.1:9/nowhere: nothing answers"
        " there (is PostgreSQL running, on that host and port?)"
    )


@needs_server
async def test_a_backup_is_a_plain_sql_dump_that_restores(tmp_path: Path, server_db: str) -> None:
    db = await Database.open(server_db)
    try:
        await db.write("INSERT INTO meta (key, value) VALUES ('k', 'it''s kept')")
        await db.backup(tmp_path / "dump.sql")
    finally:
        await db.close()
    dump = (tmp_path / "dump.sql").read_text()
    assert "CREATE TABLE public.stories" in dump
    server = databases.server_url()
    assert server is not None
    name = databases.fresh_name("restored")
    url = databases.create(server, name)
    try:
        status, _out, err = await _run(
            pg_tool("psql"),
            "--quiet",
            "-v",
            "ON_ERROR_STOP=1",
            "-f",
            str(tmp_path / "dump.sql"),
            url,
        )
        assert status == 0, err
        restored = await Database.open(url)
        try:
            assert await restored.scalar("SELECT value FROM meta WHERE key = 'k'") == "it's kept"
        finally:
            await restored.close()
    finally:
        databases.drop(server, name)


async def _run(*argv: str) -> tuple[int, str, str]:
    """(exit status, stdout, stderr) of a program, without blocking the event loop."""
    proc = await asyncio.create_subprocess_exec(
        *argv, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    out, err = await proc.communicate()
    assert proc.returncode is not None
    return proc.returncode, out.decode(), err.decode()


async def _cli(*args: str) -> tuple[int, str, str]:
    return await _run(sys.executable, "-m", "bot.cli", *args)


async def _answers(target: Path | str) -> dict[str, Any]:
    """What a server's members would be told, read through the services."""
    db = await Database.open(target)
    settings = Settings(db_path=Path("unused.db"), library_dir=STORIES_DIR)
    s = Services.build(
        db, settings, clock=lambda: datetime(2026, 3, 1, 8, tzinfo=UTC), rng=random.Random(5)
    )
    try:
        lib = s.library
        return {
            "stats": await lib.stats(GUILD),
            "uploads": [n.title for n in await lib.story_names(GUILD, uploads_only=True)],
            "draws": [
                await lib.random_passage(GUILD, PassageFilter(), POLICIES[1], random.Random(i))
                for i in range(10)
            ],
            "schedules": await s.daily.store.schedules(GUILD),
            "layers": await s.config.store.layers(GUILD, [0, 20]),
            "history": await s.prompt_history.recent(GUILD),
            "changes": await s.config.store.recent_changes(GUILD),
        }
    finally:
        await s.close()
        await db.close()


GUILD = 4242


def _bytes(data: bytes) -> Any:
    async def fetch() -> bytes:
        return data

    return fetch


@needs_server
async def test_migrate_db_resumes_after_a_failure_and_gives_the_same_answers(
    both_libraries: tuple[Path, str],
    tmp_path: Path,
    server_db: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    source = tmp_path / "ficshelf.db"  # an SQLite server's database, whatever --backend says
    shutil.copy(both_libraries[0], source)
    settings = Settings(db_path=source, library_dir=STORIES_DIR)
    db = await Database.open(source)
    s = Services.build(db, settings, clock=lambda: datetime(2026, 3, 1, 8, tzinfo=UTC))
    story = min(STORIES_DIR.iterdir())
    data = story.read_bytes() + b"\n\nA new ending, by the member who uploaded it.\n"
    try:
        await s.uploads.add(GUILD, 7, "my-story.txt", len(data), _bytes(data))
        await s.config.set_max_rating(GUILD, 20, "mature", user_id=1)
        await s.config.set_blocked(GUILD, None, "violence", True, user_id=1)
        await s.daily.set(
            GUILD,
            20,
            at=time(9),
            zone=ZoneInfo("Europe/Paris"),
            trope=None,
            role_id=None,
            user_id=1,
        )
        await s.prompt_history.add(GUILD, "trope:angst:1", datetime(2026, 2, 1, tzinfo=UTC))
    finally:
        await s.close()
        await db.close()
    before = await _answers(source)

    # the first attempt stops part-way through the passages; the second (the CLI) resumes
    lite, pg = await SqliteDatabase.open_file(source), await PostgresDatabase.connect(server_db)
    monkeypatch.setattr(transfer, "BATCH", 50)

    def server_goes_away(table: str, done: int, _total: int) -> None:
        if (table, done) == ("passages", 100):
            raise ConnectionResetError("the server went away")

    try:
        with pytest.raises(ConnectionResetError):
            await transfer.copy_database(lite, pg, server_goes_away)
        partial = await pg.count("SELECT count(*) FROM passages")
    finally:
        await lite.close()
        await pg.close()
    status, out, err = await _cli("migrate-db", "--db", str(source), "--to", server_db)
    assert status == 0, err
    assert out.splitlines()[-1].endswith("rows, counts verified"), out
    copied = {
        line.split()[0]: int(line.split()[1].replace(",", "")) for line in out.splitlines()[:-1]
    }
    assert partial == 100 < copied["passages"], "the first attempt stopped part-way"
    again = await _cli("migrate-db", "--db", str(source), "--to", server_db)
    assert again[:2] == (0, out), "a finished copy is verified again, not copied twice"
    after = await _answers(server_db)
    assert after == before
    assert after["uploads"] and after["schedules"] and after["history"] == before["history"]


@needs_server
async def test_the_console_answers_the_same_after_migrate_db(
    tmp_path: Path, server_db: str
) -> None:
    """A moderator's set-up through the bot, moved with `migrate-db`: every command then
    answers the same from PostgreSQL as from the SQLite file."""
    source = str(tmp_path / "ficshelf.db")
    setup = (
        "/config rating max:mature",
        "/config block warning:violence",
        "/daily set channel:#writing time:09:00 timezone:Europe/Paris days:mon,wed,fri",
    )
    status, out, err = await _cli("console", "--db", source, *(a for c in setup for a in ("-c", c)))
    assert status == 0 and "Daily prompt set" in out, (out, err)
    status, _out, err = await _cli("migrate-db", "--db", source, "--to", server_db)
    assert status == 0, err
    asked = (
        "/config show",
        "/daily show",
        '/warnings story story:"Swan Dive"',
        "/story find query:hero",
    )
    answers = []
    for db in (source, server_db):
        status, out, err = await _cli("console", "--db", db, *(a for c in asked for a in ("-c", c)))
        assert status == 0, err
        answers.append(out)
    assert answers[0] == answers[1]
    assert "Violence" in answers[0] and "mon" in answers[0].lower(), answers[0]
