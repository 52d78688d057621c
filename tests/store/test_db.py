"""The database: migrations from an empty file, pragmas, transactions that roll back."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.store.db import Database, MigrationError, migrations


@pytest.mark.sqlite_only
async def test_migrates_an_empty_file_and_is_idempotent(tmp_path: Path) -> None:
    path = tmp_path / "new.db"
    path.write_bytes(b"")
    db = await Database.open(path)
    try:
        assert await db.user_version() == len(migrations())
        assert (await db.fetchone("PRAGMA journal_mode"))[0] == "wal"
        assert (await db.fetchone("PRAGMA foreign_keys"))[0] == 1
        tables = {
            r[0] for r in await db.fetchall("SELECT name FROM sqlite_master WHERE type='table'")
        }
        assert {
            "stories",
            "passages",
            "passage_fts",
            "story_fts",
            "channel_policy",
            "daily_schedules",
            "daily_posts",
        } <= tables
    finally:
        await db.close()
    db = await Database.open(path)  # second open: nothing to apply
    try:
        assert await db.migrate() == len(migrations())
    finally:
        await db.close()


@pytest.mark.sqlite_only
async def test_refuses_a_database_from_the_future(tmp_path: Path) -> None:
    path = tmp_path / "future.db"
    db = await Database.open(path)
    await db.conn.execute(f"PRAGMA user_version = {len(migrations()) + 5}")
    await db.close()
    with pytest.raises(MigrationError, match="newer"):
        await Database.open(path)


async def test_transaction_rolls_back_on_error(empty_db: Path | str) -> None:
    db = await Database.open(empty_db)
    try:

        async def failing_write() -> None:
            async with db.transaction() as conn:
                await conn.execute("INSERT INTO meta (key, value) VALUES ('a', 'b')")
                raise RuntimeError("boom")

        with pytest.raises(RuntimeError, match="boom"):
            await failing_write()
        assert await db.scalar("SELECT count(*) FROM meta") == 0
    finally:
        await db.close()


@pytest.mark.sqlite_only
async def test_backup_is_a_consistent_copy(tmp_path: Path) -> None:
    db = await Database.open(tmp_path / "live.db")
    try:
        async with db.transaction() as conn:
            await conn.execute("INSERT INTO meta (key, value) VALUES ('k', 'v')")
        await db.backup(tmp_path / "copy.db")
    finally:
        await db.close()
    copy = await Database.open(tmp_path / "copy.db")
    try:
        assert await copy.scalar("SELECT value FROM meta WHERE key = 'k'") == "v"
    finally:
        await copy.close()
