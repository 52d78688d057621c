"""The PostgreSQL backend: an asyncpg pool, its own numbered .sql migrations, and write
transactions serialised across every process by one advisory lock.

Stores' SQL uses `?` placeholders; they become `$1…$n` here (outside quoted text).
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from contextvars import ContextVar
from functools import lru_cache
from pathlib import Path
from typing import Any

import asyncpg

from bot.store.db import (
    Database,
    DatabaseFileError,
    Dialect,
    MigrationError,
    Params,
    Row,
    Search,
    migrations,
    redacted,
    version_problem,
)

_MATCH = "{a}.search @@ websearch_to_tsquery('ficshelf', ?)"  # see 001_schema.sql
DIALECT = Dialect(
    passages=Search("passages", "id", _MATCH, seeks=False),  # GIN: no ordered seeks
    stories=Search("story_fts", "rowid", _MATCH),
    json_items="json_array_elements_text({col}::json) AS {a}(value)",
    same_name="lower({col}) = lower(?)",
    now="to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')",
    probe_join="JOIN",
)
WRITE_LOCK = 0x46696373  # pg_advisory_xact_lock key every write transaction takes ("Fics")
POOL_SIZE = 8
# The bot's statements are small and many: no JIT compiling, no parallel workers (both cost
# milliseconds to start, more than these queries take: README, Performance)
SESSION = {"jit": "off", "max_parallel_workers_per_gather": "0"}
_TOKENS = re.compile(r"'(?:[^']|'')*'|\"(?:[^\"]|\"\")*\"|\?")


@lru_cache(maxsize=2048)
def placeholders(sql: str) -> str:
    """`sql` with each `?` outside quotes numbered as PostgreSQL's `$n`."""
    n = 0

    def number(match: re.Match[str]) -> str:
        nonlocal n
        if match.group(0) != "?":
            return match.group(0)
        n += 1
        return f"${n}"

    return _TOKENS.sub(number, sql)


def _args(params: Params) -> list[Any]:
    if not isinstance(params, Sequence):
        raise TypeError("PostgreSQL statements take positional parameters")
    return list(params)


def _changed(status: str) -> int:
    """Rows changed, from a command status such as 'INSERT 0 3' or 'UPDATE 2'."""
    last = status.rsplit(" ", 1)[-1]
    return int(last) if last.isdigit() else 0


class _Conn:
    """One pooled connection, speaking the store's `Connection`."""

    def __init__(self, conn: Any) -> None:
        self._conn = conn

    async def execute(self, sql: str, params: Params = ()) -> int:
        return _changed(await self._conn.execute(placeholders(sql), *_args(params)))

    async def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        batch = [list(r) for r in rows]
        if batch:
            await self._conn.executemany(placeholders(sql), batch)

    async def execute_fetchall(self, sql: str, params: Params = ()) -> list[Row]:
        return list(await self._conn.fetch(placeholders(sql), *_args(params)))

    async def copy_rows(self, table: str, columns: list[str], rows: list[tuple[Any, ...]]) -> None:
        """Many rows at once through COPY (for `ficshelf migrate-db`)."""
        await self._conn.copy_records_to_table(table, records=rows, columns=columns)


class _PoolConn:
    """Outside a transaction: each call autocommits on a connection of the pool."""

    def __init__(self, db: PostgresDatabase) -> None:
        self._db = db

    async def execute(self, sql: str, params: Params = ()) -> int:
        return await self._db.write(sql, params)

    async def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        async with self._db.transaction() as conn:
            await conn.executemany(sql, rows)

    async def execute_fetchall(self, sql: str, params: Params = ()) -> list[Row]:
        return await self._db.fetchall(sql, params)


class PostgresDatabase(Database):
    backend = "postgresql"
    dialect = DIALECT

    def __init__(self, pool: Any, url: str) -> None:
        self.pool = pool
        self.url = url
        self.name = redacted(url)
        self._current: ContextVar[_Conn | None] = ContextVar(f"tx{id(self)}", default=None)
        self._autocommit = _PoolConn(self)

    @classmethod
    async def connect(cls, url: str, *, migrate: bool = True) -> PostgresDatabase:
        """A pool on the server at `url`, migrated unless `migrate` is false. Raises
        DatabaseFileError when the server does not answer or refuses us."""
        try:
            pool = await asyncpg.create_pool(
                url, min_size=1, max_size=POOL_SIZE, command_timeout=60, server_settings=SESSION
            )
        except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
            raise DatabaseFileError(
                f"cannot open the database {redacted(url)}: {_why(exc)}"
            ) from None
        db = cls(pool, url)
        try:
            if migrate:
                await db.migrate()
        except BaseException:
            await pool.close()
            raise
        return db

    async def close(self) -> None:
        await self.pool.close()

    @property
    def conn(self) -> _Conn | _PoolConn:
        return self._current.get() or self._autocommit

    async def user_version(self) -> int:
        async with self.pool.acquire() as conn:
            return await _version(conn)

    async def migrate(self) -> int:
        """Apply pending migrations, each in a transaction holding the write lock, so
        processes opening a new database at once apply each exactly once."""
        available = migrations("postgresql")
        for version, name, sql in available:
            async with self.pool.acquire() as conn, conn.transaction():
                await conn.execute("SELECT pg_advisory_xact_lock($1)", WRITE_LOCK)
                await conn.execute(
                    "CREATE TABLE IF NOT EXISTS ficshelf_schema (version integer NOT NULL)"
                )
                current = await _version(conn)
                self._check_version(current, len(available))
                if current >= version:
                    continue
                try:
                    await conn.execute(sql)
                except asyncpg.PostgresError as exc:
                    raise MigrationError(f"migration {name} failed: {exc}") from exc
                await conn.execute("DELETE FROM ficshelf_schema")
                await conn.execute("INSERT INTO ficshelf_schema (version) VALUES ($1)", version)
        return len(available)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[_Conn]:
        """A transaction holding the write lock: writers wait for each other, in every
        process, as SQLite's BEGIN IMMEDIATE makes them."""
        async with self.pool.acquire() as raw, raw.transaction():
            await raw.execute("SELECT pg_advisory_xact_lock($1)", WRITE_LOCK)
            conn = _Conn(raw)
            token = self._current.set(conn)
            try:
                yield conn
            finally:
                self._current.reset(token)

    async def write(self, sql: str, params: Params = ()) -> int:
        async with self.transaction() as conn:
            return await conn.execute(sql, params)

    async def insert(self, sql: str, params: Params = ()) -> int | None:
        async with self.transaction() as conn:
            rows = await conn.execute_fetchall(f"{sql} RETURNING id", params)
            return int(rows[0][0]) if rows else None

    async def fetchall(self, sql: str, params: Params = ()) -> list[Row]:
        current = self._current.get()
        if current is not None:  # inside a transaction: see its own writes
            return await current.execute_fetchall(sql, params)
        return list(await self.pool.fetch(placeholders(sql), *_args(params)))

    async def backup(self, dest: Path) -> None:
        """A plain-SQL dump by the server's `pg_dump`, written beside `dest` and then
        moved over it."""
        partial = dest.with_name(f".{dest.name}.{os.getpid()}.partial")
        try:
            proc = await asyncio.create_subprocess_exec(
                pg_tool("pg_dump"),
                "--no-owner",
                "--file",
                str(partial),
                "--dbname",
                self.url,
                stderr=asyncio.subprocess.PIPE,
            )
            _, err = await proc.communicate()
            if proc.returncode != 0:
                reason = err.decode(errors="replace").strip().splitlines()[-1:] or ["failed"]
                raise OSError(f"pg_dump failed: {reason[0]}")
            os.replace(partial, dest)
        finally:
            partial.unlink(missing_ok=True)


def _why(exc: BaseException) -> str:
    """Why a connection failed, as a person would put it."""
    if isinstance(exc, ConnectionRefusedError):
        return "nothing answers there (is PostgreSQL running, on that host and port?)"
    if isinstance(exc, TimeoutError):
        return "the server did not answer in time"
    return str(exc) or type(exc).__name__


async def _version(conn: Any) -> int:
    exists = await conn.fetchval("SELECT to_regclass('ficshelf_schema') IS NOT NULL")
    if not exists:
        return 0
    return int(await conn.fetchval("SELECT coalesce(max(version), 0) FROM ficshelf_schema"))


def pg_tool(name: str) -> str:
    """A PostgreSQL client program: on PATH, else in Debian's versioned folder."""
    found = shutil.which(name)
    if found:
        return found
    for folder in sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True):
        if (folder / name).is_file():
            return str(folder / name)
    raise OSError(f"{name} is not installed (PostgreSQL's client programs)")


async def health(url: str, *, seconds: float) -> tuple[int, str | None]:
    """`db.health` for a server: it answers within `seconds`, its migrations current."""
    available = len(migrations("postgresql"))
    name = redacted(url)
    try:
        conn = await asyncpg.connect(url, timeout=seconds)  # type: ignore[arg-type]
    except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
        return 0, f"cannot open the database {name}: {_why(exc)}"
    try:
        version = await asyncio.wait_for(_version(conn), seconds)
    except TimeoutError:
        return 0, f"the database {name} is locked: still busy after {seconds:g} s"
    finally:
        await conn.close()
    return version, version_problem(name, version, available)
