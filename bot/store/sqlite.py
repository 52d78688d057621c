"""The SQLite backend: one file, pragmas, numbered .sql migrations, transactions."""

from __future__ import annotations

import asyncio
import os
import sqlite3
from collections.abc import AsyncIterator, Iterable, Iterator, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aiosqlite

from bot.store.db import (
    Database,
    DatabaseFileError,
    Dialect,
    MigrationError,
    Params,
    Row,
    Search,
    migrations,
    version_problem,
)

DIALECT = Dialect(
    passages=Search(  # FTS5 (migration 001), filled by the store (migration 011)
        "passage_fts",
        "rowid",
        "passage_fts MATCH ?",
        fill="INSERT INTO passage_fts (rowid, text) VALUES (?, ?)",
    ),
    stories=Search("story_fts", "rowid", "story_fts MATCH ?"),
    json_items="json_each({col}) {a}",
    same_name="{col} = ? COLLATE NOCASE",
    now="strftime('%Y-%m-%dT%H:%M:%SZ', 'now')",
    probe_join="CROSS JOIN",
)

BUSY_TIMEOUT_MS = 10_000  # how long a write waits for another process's transaction


def _checked_uri(path: Path, create: bool) -> str:
    """The SQLite URI that opens `path`, creating it (and its folder) only if `create`.

    The file is opened once here, synchronously: a failed aiosqlite connect leaves its
    worker thread to report on a closed event loop (a stray traceback at exit)."""
    if path.is_dir():
        raise DatabaseFileError(f"{path} is a folder, not a database file")
    if create:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except (FileExistsError, NotADirectoryError):
            raise DatabaseFileError(
                f"cannot create the database {path}: {path.parent} is not a folder"
            ) from None
    elif not path.is_file():
        raise DatabaseFileError(f"there is no database at {path}")
    uri = f"{path.absolute().as_uri()}?mode={'rwc' if create else 'rw'}"
    sqlite3.connect(uri, uri=True).close()
    return uri


def _statements(sql: str) -> Iterator[str]:
    """The statements of a migration script, one by one (a trigger body stays whole)."""
    pending = ""
    for piece in sql.split(";"):
        pending += piece + ";"
        if sqlite3.complete_statement(pending):
            if pending.strip(" \t\n;"):
                yield pending.strip()
            pending = ""
    if pending.strip(" \t\n;"):  # a last statement without its semicolon
        yield pending.rstrip(";")


class _Conn:
    """The shared aiosqlite connection, speaking the store's `Connection`."""

    def __init__(self, conn: aiosqlite.Connection) -> None:
        self._conn = conn

    async def execute(self, sql: str, params: Params = ()) -> int:
        cur = await self._conn.execute(sql, params)
        changed = cur.rowcount
        await cur.close()
        return changed

    async def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        await self._conn.executemany(sql, rows)

    async def execute_fetchall(self, sql: str, params: Params = ()) -> list[Row]:
        return list(await self._conn.execute_fetchall(sql, params))  # type: ignore[arg-type]


class SqliteDatabase(Database):
    """One aiosqlite connection in autocommit mode; writes go through `transaction()`."""

    backend = "sqlite"
    dialect = DIALECT

    def __init__(self, conn: aiosqlite.Connection, path: Path) -> None:
        self.raw = conn
        self.path = path
        self.name = str(path)
        self._conn = _Conn(conn)
        self._write = asyncio.Lock()  # one transaction at a time on the shared connection

    @property
    def conn(self) -> _Conn:
        return self._conn

    @classmethod
    async def open_file(
        cls, path: Path, *, create: bool = True, migrate: bool = True
    ) -> SqliteDatabase:
        """Open (and unless `migrate` is false, migrate) the database at `path`; it is
        created (with its folder) if missing, unless `create` is false. Raises
        DatabaseFileError for a file that is missing (with `create` false), not an SQLite
        database, or cannot be opened."""
        try:
            uri = _checked_uri(path, create)
            conn = await aiosqlite.connect(uri, isolation_level=None, uri=True)
        except (sqlite3.Error, OSError) as exc:
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else exc
            raise DatabaseFileError(f"cannot open the database {path}: {reason}") from None
        conn.row_factory = aiosqlite.Row
        db = cls(conn, path)
        try:
            for pragma in (
                f"busy_timeout = {BUSY_TIMEOUT_MS}",  # first: WAL and migrations may wait
                "journal_mode = WAL",
                "foreign_keys = ON",
                "synchronous = NORMAL",
            ):  # fetch every result: an unread row would keep a statement open
                await conn.execute_fetchall(f"PRAGMA {pragma}")
            if migrate:
                await db.migrate()
        except sqlite3.Error as exc:
            await conn.close()
            if getattr(exc, "sqlite_errorcode", None) == sqlite3.SQLITE_NOTADB:
                raise DatabaseFileError(
                    f"{path} is not a Ficshelf database (it is not an SQLite file)"
                ) from None
            raise DatabaseFileError(f"cannot open the database {path}: {exc}") from None
        except BaseException:
            await conn.close()
            raise
        return db

    async def close(self) -> None:
        await self.raw.close()

    async def user_version(self) -> int:
        return await self.count("PRAGMA user_version")

    async def migrate(self) -> int:
        """Apply pending migrations, each in its own transaction. Returns the new version.

        Safe when several processes open a new database at once: each migration takes the
        write lock (BEGIN IMMEDIATE) and re-reads the version before applying itself."""
        available = migrations("sqlite")
        self._check_version(await self.user_version(), len(available))
        for version, name, sql in available[await self.user_version() :]:
            await self.raw.execute("BEGIN IMMEDIATE")
            try:
                current = await self.user_version()
                self._check_version(current, len(available))
                if current < version:
                    for statement in _statements(sql):
                        await self.raw.execute(statement)
                    await self.raw.execute(f"PRAGMA user_version = {version}")
            except sqlite3.Error as exc:
                await self.raw.rollback()
                raise MigrationError(f"migration {name} failed: {exc}") from exc
            except BaseException:
                await self.raw.rollback()
                raise
            await self.raw.commit()
        return len(available)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[_Conn]:
        """BEGIN IMMEDIATE … COMMIT, rolled back on any exception (or cancellation).

        Tasks share one connection, so transactions are serialised by a lock; reads run
        as single calls (`execute_fetchall`) so no statement is ever left open across an
        await, which would make COMMIT fail.
        """
        async with self._write:
            await self.raw.execute("BEGIN IMMEDIATE")
            try:
                yield self._conn
            except BaseException:
                await self.raw.rollback()
                raise
            await self.raw.commit()

    async def write(self, sql: str, params: Params = ()) -> int:
        """Waits for any open transaction, so it never joins (or is rolled back with)
        another task's."""
        async with self._write:
            return await self._conn.execute(sql, params)

    async def insert(self, sql: str, params: Params = ()) -> int | None:
        async with self._write:
            rows = await self._conn.execute_fetchall(f"{sql} RETURNING id", params)
            return int(rows[0][0]) if rows else None

    async def fetchall(self, sql: str, params: Params = ()) -> list[Row]:
        return await self._conn.execute_fetchall(sql, params)

    async def backup(self, dest: Path) -> None:
        """SQLite's online backup API, written beside `dest` and then moved over it. Its
        folder must exist. Raises OSError or sqlite3.Error."""
        partial = dest.with_name(f".{dest.name}.{os.getpid()}.partial")
        try:
            async with aiosqlite.connect(partial) as target:
                await self.raw.backup(target)
            os.replace(partial, dest)
        finally:
            partial.unlink(missing_ok=True)


def health(path: Path, *, timeout: float) -> tuple[int, str | None]:
    """`db.health` for an SQLite file: never creates, migrates or changes it (not even
    its journal mode); a lock held past `timeout` seconds is reported as locked."""
    available = len(migrations("sqlite"))
    if path.is_dir():
        return 0, f"{path} is a folder, not a database file"
    if not path.is_file():
        return 0, f"there is no database at {path}"
    try:
        conn = sqlite3.connect(f"{path.absolute().as_uri()}?mode=rw", uri=True, timeout=timeout)
        try:
            version = int(conn.execute("PRAGMA user_version").fetchone()[0])
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        finally:
            conn.close()
    except sqlite3.OperationalError as exc:
        if "locked" in str(exc) or getattr(exc, "sqlite_errorcode", None) == sqlite3.SQLITE_BUSY:
            return 0, f"the database {path} is locked: still busy after {timeout:g} s"
        return 0, f"cannot open the database {path}: {exc}"
    except sqlite3.DatabaseError:
        return 0, f"{path} is not a Ficshelf database (it is not an SQLite file)"
    return version, version_problem(str(path), version, available)
