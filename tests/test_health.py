"""`ficshelf health` (the container's HEALTHCHECK) and the shard settings, as an operator
sees them: exit status and one line."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.cli import main
from bot.store.db import Database, migrations

CURRENT = len(migrations())


@pytest.fixture(autouse=True)
def _no_dotenv(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Run in an empty folder, so no developer's .env or setting leaks in."""
    monkeypatch.chdir(tmp_path)
    for name in ("DISCORD_TOKEN", "FICSHELF_DB", "FICSHELF_SHARDS", "FICSHELF_SHARD_IDS"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def db(tmp_path: Path) -> Path:
    """A new, fully migrated database."""
    path = tmp_path / "ficshelf.db"

    async def create() -> None:
        await (await Database.open(path)).close()

    asyncio.run(create())
    return path


def health(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    status = main(["health", *argv])
    out, err = capsys.readouterr()
    return status, out.strip(), err.strip()


def _set_version(path: Path, version: int) -> None:
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {version}")
    conn.close()


def test_a_current_database_is_healthy(db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert health(capsys, "--db", str(db)) == (
        0,
        f"ok: {db} answers, schema version {CURRENT} (current)",
        "",
    )


def test_health_reads_ficshelf_db_from_the_environment(
    db: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FICSHELF_DB", str(db))
    status, out, _ = health(capsys)
    assert (status, out) == (0, f"ok: {db} answers, schema version {CURRENT} (current)")


def test_a_missing_database_is_unhealthy_and_is_not_created(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "nope.db"
    assert health(capsys, "--db", str(missing)) == (
        1,
        "",
        f"ficshelf: there is no database at {missing}",
    )
    assert not missing.exists()


def test_an_older_schema_is_unhealthy(db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _set_version(db, 1)
    status, out, err = health(capsys, "--db", str(db))
    assert (status, out) == (1, "")
    assert err.startswith(f"ficshelf: {db} is at schema version 1, older than this Ficshelf")
    assert err.count("\n") == 0


def test_a_newer_schema_is_unhealthy(db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _set_version(db, CURRENT + 1)
    status, _, err = health(capsys, "--db", str(db))
    assert status == 1
    assert err == (
        f"ficshelf: {db} is at schema version {CURRENT + 1}, newer than this Ficshelf "
        f"({CURRENT}): upgrade Ficshelf or use another database"
    )


@pytest.fixture
def locked(db: Path) -> Iterator[Path]:
    """The database held under an exclusive lock by another connection."""
    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute("PRAGMA locking_mode = EXCLUSIVE")
    conn.execute("BEGIN EXCLUSIVE")
    conn.execute("INSERT INTO meta (key, value) VALUES ('held', 'yes')")
    try:
        yield db
    finally:
        conn.execute("ROLLBACK")
        conn.close()


def test_a_locked_database_is_unhealthy(locked: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert health(capsys, "--db", str(locked), "--timeout", "0.2") == (
        1,
        "",
        f"ficshelf: the database {locked} is locked: still busy after 0.2 s",
    )


def test_a_file_that_is_not_a_database_is_unhealthy(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = tmp_path / "notes.db"
    text.write_text("not a database, just words " * 100)
    assert health(capsys, "--db", str(text)) == (
        1,
        "",
        f"ficshelf: {text} is not a Ficshelf database (it is not an SQLite file)",
    )


# -- shard settings -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("shards", "ids", "message"),
    [
        (
            "4",
            "0-4",
            "FICSHELF_SHARD_IDS '0-4' is outside 0..3 (FICSHELF_SHARDS=4):",
        ),
        (
            "4",
            "3-1",
            "FICSHELF_SHARD_IDS range '3-1' is empty (it runs backwards):",
        ),
        (
            "4",
            "0,two",
            "FICSHELF_SHARD_IDS has 'two', not a shard id or range:",
        ),
        (
            "",
            "0-1",
            "FICSHELF_SHARD_IDS needs FICSHELF_SHARDS (the total):",
        ),
        (
            "0",
            "",
            "FICSHELF_SHARDS must be at least 1, got 0:",
        ),
        (
            "four",
            "",
            "FICSHELF_SHARDS must be a whole number, got 'four':",
        ),
    ],
)
def test_a_bad_shard_setting_is_one_line_naming_an_example(
    shards: str,
    ids: str,
    message: str,
    db: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("FICSHELF_SHARDS", shards)
    monkeypatch.setenv("FICSHELF_SHARD_IDS", ids)
    monkeypatch.setenv("DISCORD_TOKEN", "x")
    status = main(["run", "--db", str(db)])
    example = "e.g. FICSHELF_SHARDS=4 with FICSHELF_SHARD_IDS=0-1 (or 0,2)"
    assert (status, capsys.readouterr().err) == (2, f"ficshelf: {message} {example}\n")
