"""A server's purge: every per-server table, that server only, in one transaction."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.store import departures
from bot.store.db import Database, Statement
from bot.store.departures import DepartureStore

GONE, STAYS = 111, 222
ROWS = (
    "INSERT INTO channel_policy (guild_id, channel_id, max_rating) VALUES (?, 0, 'teen')",
    "INSERT INTO config_log (guild_id, channel_id, user_id, at, change) VALUES (?, 0, 1, 'x', 'y')",
    "INSERT INTO prompt_history (guild_id, prompt_key, shown_at) VALUES (?, 'k', 'x')",
    "INSERT INTO report_settings (guild_id, channel_id) VALUES (?, 5)",
)
TABLES = ("channel_policy", "config_log", "prompt_history", "report_settings", "departed_guilds")


async def _world(empty_db: Path | str) -> tuple[Database, DepartureStore]:
    db = await Database.open(empty_db)
    store = DepartureStore(db)
    for guild in (GONE, STAYS):
        for sql in ROWS:
            await db.write(sql, (guild,))
        await store.mark_departed(guild, datetime(2026, 1, 1, tzinfo=UTC))
    return db, store


async def _rows(db: Database, guild: int) -> dict[str, int]:
    return {
        t: await db.count(f"SELECT count(*) FROM {t} WHERE guild_id = ?", (guild,)) for t in TABLES
    }


async def test_purge_deletes_one_server_everywhere(empty_db: Path | str) -> None:
    db, store = await _world(empty_db)
    try:
        await store.purge(GONE)
        assert set((await _rows(db, GONE)).values()) == {0}
        assert set((await _rows(db, STAYS)).values()) == {1}
    finally:
        await db.close()


async def test_purge_is_one_transaction(
    empty_db: Path | str, monkeypatch: pytest.MonkeyPatch
) -> None:
    db, store = await _world(empty_db)

    def broken(guild_id: int) -> list[Statement]:
        return [("DELETE FROM no_such_table WHERE guild_id = ?", (guild_id,))]

    monkeypatch.setattr(departures, "PER_SERVER", (*departures.PER_SERVER, broken))
    try:
        with pytest.raises(Exception, match="no_such_table"):
            await store.purge(GONE)
        assert set((await _rows(db, GONE)).values()) == {1}, "nothing deleted when one part fails"
    finally:
        await db.close()


@pytest.mark.sqlite_only  # the PostgreSQL schema has the same tables (test_postgres.py)
async def test_every_table_with_a_server_column_is_in_the_purge(tmp_path: Path) -> None:
    """A new per-server table must join the purge: each one with a `guild_id` column is
    named by a purge statement, or goes by cascade from one that is."""
    db = await Database.open(tmp_path / "schema.db")
    try:
        names = await db.fetchall(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND sql IS NOT NULL"
        )
        per_server: set[str] = set()
        cascades: dict[str, set[str]] = {}  # table -> the tables whose deletes reach it
        for (table,) in names:
            columns = {r[1] for r in await db.fetchall(f"PRAGMA table_info({table})")}
            if "guild_id" in columns:
                per_server.add(table)
            keys = await db.fetchall(f"PRAGMA foreign_key_list({table})")
            cascades[table] = {k[2] for k in keys if k[6] == "CASCADE"}
    finally:
        await db.close()
    assert {"stories", "passages", "daily_schedules", "prompt_suggestions"} <= per_server
    purged = " ".join(sql for purge in departures.PER_SERVER for sql, _ in purge(GONE))
    covered = {t for t in cascades if f" {t} " in f" {purged} "} | {"departed_guilds"}
    while grown := {t for t, parents in cascades.items() if parents & covered} - covered:
        covered |= grown
    assert per_server - covered == set()


async def test_of_processes_purging_at_once_exactly_one_purges(empty_db: Path | str) -> None:
    db, store = await _world(empty_db)
    other = await Database.open(empty_db)  # a second process on the same database
    cutoff = datetime(2026, 2, 1, tzinfo=UTC)
    try:
        await store.mark_returned(STAYS)  # came back before the purge: kept
        results = await asyncio.gather(
            store.purge(GONE, left_before=cutoff),
            DepartureStore(other).purge(GONE, left_before=cutoff),
            store.purge(STAYS, left_before=cutoff),
        )
        assert sorted(results[:2]) == [False, True], results
        assert results[2] is False, "a server that came back is not purged"
        assert set((await _rows(db, GONE)).values()) == {0}
        assert await _rows(db, STAYS) == dict.fromkeys(TABLES, 1) | {"departed_guilds": 0}
    finally:
        await other.close()
        await db.close()
