"""The benchmark libraries on PostgreSQL: each built SQLite library copied once into a
database of the server given with --postgres (through `ficshelf migrate-db`'s copy), and
reused while the SQLite file it came from is unchanged."""

from __future__ import annotations

import asyncpg

from bench.build import LibraryInfo
from bench.measure import size_label
from bot.store.db import database_url
from bot.store.postgres import PostgresDatabase
from bot.store.sqlite import SqliteDatabase
from bot.store.transfer import copy_database

SOURCE_KEY = "bench_source"  # meta row: which SQLite file (and version of it) was copied


async def warm(url: str) -> None:
    """Read every table and index into the OS page cache (`pg_prewarm`, PostgreSQL's
    contrib), as `warm_file` does for the SQLite file: both sides are measured warm."""
    conn = await asyncpg.connect(url)
    try:
        await conn.execute("CREATE EXTENSION IF NOT EXISTS pg_prewarm")
        await conn.execute(
            "SELECT pg_prewarm(c.oid, 'read') FROM pg_class c"
            " JOIN pg_namespace n ON n.oid = c.relnamespace"
            " WHERE n.nspname IN ('public', 'pg_toast') AND c.relkind IN ('r', 'i', 't')"
        )
    finally:
        await conn.close()


async def ensure_server_copy(info: LibraryInfo, server: str) -> str:
    """The URL of a PostgreSQL database holding the library `info` describes, warm."""
    url = await _copy(info, server)
    await warm(url)
    return url


async def _copy(info: LibraryInfo, server: str) -> str:
    stat = info.db.stat()
    source = f"{info.db.name}:{stat.st_size}:{stat.st_mtime_ns}"
    name = f"ficshelf_bench_{size_label(info.passages).lower()}"
    url = database_url(server, name)
    admin = await asyncpg.connect(server)
    try:
        exists = await admin.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name)
        if exists:
            try:
                db = await PostgresDatabase.connect(url)
                try:
                    if await db.scalar("SELECT value FROM meta WHERE key = ?", (SOURCE_KEY,)) == (
                        source
                    ):
                        return url
                finally:
                    await db.close()
            except Exception:  # an older schema or a broken copy: made again below
                pass
            await admin.execute(f"DROP DATABASE {name} WITH (FORCE)")
        await admin.execute(f"CREATE DATABASE {name}")
    finally:
        await admin.close()
    lite = await SqliteDatabase.open_file(info.db, create=False)
    pg = await PostgresDatabase.connect(url)
    try:
        await copy_database(lite, pg)
        await pg.write("INSERT INTO meta (key, value) VALUES (?, ?)", (SOURCE_KEY, source))
        await pg.conn.execute_fetchall("ANALYZE")
    finally:
        await lite.close()
        await pg.close()
    return url
