"""The SQLite connection: pragmas, numbered .sql migrations, transactions."""

from __future__ import annotations

import asyncio
import os
import re
import sqlite3
from collections.abc import AsyncIterator, Iterator, Mapping, Sequence
from contextlib import asynccontextmanager
from importlib import resources
from pathlib import Path
from typing import Any

import aiosqlite

Params = Sequence[Any] | Mapping[str, Any]
Statement = tuple[str, tuple[object, ...]]  # one SQL statement and its parameters
_MIGRATION_NAME = re.compile(r"^(\d{3})_[a-z0-9_]+\.sql$")


class MigrationError(RuntimeError):
    """The database is newer than this code, or a migration file is malformed."""


class DatabaseFileError(RuntimeError):
    """The database file is missing (when it must exist), not SQLite, or cannot be opened."""


BUSY_TIMEOUT_MS = 10_000  # how long a write waits for another process's transaction


def migrations() -> list[tuple[int, str, str]]:
    """(version, file name, SQL) for every bundled migration, in order."""
    found: list[tuple[int, str, str]] = []
    for entry in resources.files("bot.store").joinpath("migrations").iterdir():
        match = _MIGRATION_NAME.match(entry.name)
        if match:
            found.append((int(match.group(1)), entry.name, entry.read_text("utf-8")))
    found.sort()
    for expected, (version, name, _) in enumerate(found, start=1):
        if version != expected:
            raise MigrationError(f"migration {name} is out of sequence (expected {expected:03d})")
    return found


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


class Database:
    """One aiosqlite connection in autocommit mode; writes go through `transaction()`."""

    def __init__(self, conn: aiosqlite.Connection, path: Path) -> None:
        self.conn = conn
        self.path = path
        self._write = asyncio.Lock()  # one transaction at a time on the shared connection

    @classmethod
    async def open(cls, path: Path, *, create: bool = True, migrate: bool = True) -> Database:
        """Open and (unless `migrate` is false) migrate the database at `path`; it is
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
        await self.conn.close()

    async def user_version(self) -> int:
        return await self.count("PRAGMA user_version")

    async def migrate(self) -> int:
        """Apply pending migrations, each in its own transaction. Returns the new version.

        Safe when several processes open a new database at once: each migration takes the
        write lock (BEGIN IMMEDIATE) and re-reads the version before applying itself."""
        available = migrations()
        self._check_version(await self.user_version(), len(available))
        for version, name, sql in available[await self.user_version() :]:
            await self.conn.execute("BEGIN IMMEDIATE")
            try:
                current = await self.user_version()
                self._check_version(current, len(available))
                if current < version:
                    for statement in _statements(sql):
                        await self.conn.execute(statement)
                    await self.conn.execute(f"PRAGMA user_version = {version}")
            except sqlite3.Error as exc:
                await self.conn.rollback()
                raise MigrationError(f"migration {name} failed: {exc}") from exc
            except BaseException:
                await self.conn.rollback()
                raise
            await self.conn.commit()
        return len(available)

    def _check_version(self, current: int, available: int) -> None:
        if current > available:
            raise MigrationError(
                f"{self.path} is at schema version {current}, newer than this Ficshelf "
                f"({available}): upgrade Ficshelf or use another database"
            )

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        """BEGIN IMMEDIATE … COMMIT, rolled back on any exception (or cancellation).

        Tasks share one connection, so transactions are serialised by a lock; reads run
        as single calls (`execute_fetchall`) so no statement is ever left open across an
        await, which would make COMMIT fail.
        """
        async with self._write:
            await self.conn.execute("BEGIN IMMEDIATE")
            try:
                yield self.conn
            except BaseException:
                await self.conn.rollback()
                raise
            await self.conn.commit()

    async def write(self, sql: str, params: Params = ()) -> tuple[int, int | None]:
        """One statement, atomic on its own: (rows changed, last row id). Waits for any
        open transaction, so it never joins (or is rolled back with) another task's."""
        async with self._write:
            cur = await self.conn.execute(sql, params)
            result = cur.rowcount, cur.lastrowid
            await cur.close()
            return result

    async def fetchone(self, sql: str, params: Params = ()) -> aiosqlite.Row | None:
        rows = await self.fetchall(sql, params)
        return rows[0] if rows else None

    async def fetchall(self, sql: str, params: Params = ()) -> list[aiosqlite.Row]:
        return list(await self.conn.execute_fetchall(sql, params))  # type: ignore[arg-type]

    async def scalar(self, sql: str, params: Params = ()) -> object:
        row = await self.fetchone(sql, params)
        return None if row is None else row[0]

    async def count(self, sql: str, params: Params = ()) -> int:
        """The first column of the first row as an int (0 when NULL or no row)."""
        value = await self.scalar(sql, params)
        return int(value) if isinstance(value, int | float | str) else 0

    async def backup(self, dest: Path) -> None:
        """A consistent copy of the live database (SQLite's online backup API), written
        beside `dest` and then moved over it: `dest` is replaced whole or not at all.
        Its folder must exist. Raises OSError or sqlite3.Error."""
        partial = dest.with_name(f".{dest.name}.{os.getpid()}.partial")
        try:
            async with aiosqlite.connect(partial) as target:
                await self.conn.backup(target)
            os.replace(partial, dest)
        finally:
            partial.unlink(missing_ok=True)


HEALTH_TIMEOUT = 5.0  # seconds `ficshelf health` waits for a lock before calling it locked


def health(path: Path, *, timeout: float = HEALTH_TIMEOUT) -> tuple[int, str | None]:
    """Whether the database at `path` answers and is at this code's schema version:
    (its version, None) when healthy, else (its version or 0, a one-line reason).

    Reads only, and never creates, migrates or changes the file (not even its journal
    mode); a lock held past `timeout` seconds is reported as locked."""
    available = len(migrations())
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
    if version < available:
        return version, (
            f"{path} is at schema version {version}, older than this Ficshelf ({available}):"
            " start the bot (ficshelf run) or ficshelf index to migrate it"
        )
    if version > available:
        return version, (
            f"{path} is at schema version {version}, newer than this Ficshelf ({available}):"
            " upgrade Ficshelf or use another database"
        )
    return version, None
