"""The one store interface: a database (SQLite file or PostgreSQL server), its
transactions, and the few SQL fragments that differ between the two (`Dialect`).

Stores write portable SQL with `?` placeholders; a backend module (`sqlite.py`,
`postgres.py`) runs it. Nothing above `bot/store/` knows which backend it has.
"""

from __future__ import annotations

import re
import sqlite3
import sys
from abc import ABC, abstractmethod
from collections.abc import Iterable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlsplit, urlunsplit

Params = Sequence[Any] | Mapping[str, Any]
Statement = tuple[str, tuple[object, ...]]  # one SQL statement and its parameters
Row = Any  # sqlite3.Row or asyncpg.Record: both index by position and by column name
_MIGRATION_NAME = re.compile(r"^(\d{3})_[a-z0-9_]+\.sql$")


class MigrationError(RuntimeError):
    """The database is newer than this code, or a migration file is malformed."""


class DatabaseFileError(RuntimeError):
    """The database is missing (when it must exist), not a Ficshelf database, or cannot be
    opened (a file that is not SQLite, a PostgreSQL server that does not answer)."""


def is_server_url(target: str | Path) -> bool:
    """Whether FICSHELF_DB names a PostgreSQL server rather than an SQLite file."""
    return isinstance(target, str) and target.startswith(("postgresql://", "postgres://"))


def redacted(url: str) -> str:
    """A server URL without its password, for messages and logs."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.hostname or ""
    netloc = f"{parts.username}:***@{host}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit(parts._replace(netloc=netloc))


def database_url(server: str, name: str) -> str:
    """The URL of database `name` on the server `server` names (a URL of any database)."""
    return urlunsplit(urlsplit(server)._replace(path=f"/{name}"))


def migrations(backend: str = "sqlite") -> list[tuple[int, str, str]]:
    """(version, file name, SQL) for every bundled migration of a backend, in order."""
    found: list[tuple[int, str, str]] = []
    folder = resources.files("bot.store").joinpath(f"{backend}_migrations")
    for entry in folder.iterdir():
        match = _MIGRATION_NAME.match(entry.name)
        if match:
            found.append((int(match.group(1)), entry.name, entry.read_text("utf-8")))
    found.sort()
    for expected, (version, name, _) in enumerate(found, start=1):
        if version != expected:
            raise MigrationError(f"migration {name} is out of sequence (expected {expected:03d})")
    return found


@dataclass(frozen=True, slots=True)
class Search:
    """A full-text index: rows of `table` whose `id` column is the indexed row's id."""

    table: str
    id: str
    _cond: str  # the match condition on one `?`, `{a}` standing for the table's alias
    seeks: bool = True  # a seek to the first match at or after an id is cheap (FTS5)
    fill: str | None = None  # indexes rows given as (id, text); None: the table keeps it

    def cond(self, alias: str) -> str:
        return self._cond.format(a=alias)


@dataclass(frozen=True, slots=True)
class Dialect:
    """The SQL that differs between the backends; everything else is shared."""

    passages: Search  # full text of passages (by passage id)
    stories: Search  # full text of a story's title, authors, tags, characters, fandoms
    json_items: str  # a table of a JSON list's items as `{a}.value`, from `{col}`
    same_name: str  # `{col}` equals `?`, ignoring ASCII case
    now: str  # the current UTC time as ISO 8601 text (…Z)
    probe_join: str  # a join that keeps its left side's order as the loop (SQLite: CROSS)

    def items(self, col: str, alias: str) -> str:
        return self.json_items.format(col=col, a=alias)

    def name_is(self, col: str) -> str:
        return self.same_name.format(col=col)


class Connection(Protocol):
    """What a transaction hands its statements to."""

    async def execute(self, sql: str, params: Params = ()) -> int:
        """Run one statement; the number of rows it changed."""
        ...

    async def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None: ...

    async def execute_fetchall(self, sql: str, params: Params = ()) -> list[Row]: ...


class Database(ABC):
    """An open database; every store takes one."""

    backend: str  # "sqlite" | "postgresql"
    dialect: Dialect
    name: str  # what to call it in messages (a path, or a URL without its password)

    @staticmethod
    async def open(target: Path | str, *, create: bool = True, migrate: bool = True) -> Database:
        """Open (and unless `migrate` is false, migrate) an SQLite file or a `postgresql://`
        server. A missing SQLite file is created unless `create` is false. Raises
        DatabaseFileError for one that cannot be opened."""
        if is_server_url(target):
            from bot.store.postgres import PostgresDatabase

            return await PostgresDatabase.connect(str(target), migrate=migrate)
        from bot.store.sqlite import SqliteDatabase

        return await SqliteDatabase.open_file(Path(target), create=create, migrate=migrate)

    @abstractmethod
    async def close(self) -> None: ...

    @abstractmethod
    async def user_version(self) -> int:
        """The schema version: how many of the backend's migrations are applied."""

    @abstractmethod
    async def migrate(self) -> int:
        """Apply pending migrations, each in its own transaction; the new version."""

    @abstractmethod
    def transaction(self) -> AbstractAsyncContextManager[Connection]:
        """One atomic unit of writes (rolled back on any exception or cancellation).
        Write transactions are serialised, across processes too; inside one, `conn` and
        the read helpers see its uncommitted writes."""

    @property
    @abstractmethod
    def conn(self) -> Connection:
        """The open transaction's connection (outside one: single autocommitted calls)."""

    @abstractmethod
    async def write(self, sql: str, params: Params = ()) -> int:
        """One statement, atomic on its own: the rows it changed."""

    @abstractmethod
    async def insert(self, sql: str, params: Params = ()) -> int | None:
        """One INSERT, atomic on its own: the new row's id (None if nothing was inserted)."""

    @abstractmethod
    async def fetchall(self, sql: str, params: Params = ()) -> list[Row]: ...

    async def fetchone(self, sql: str, params: Params = ()) -> Row | None:
        rows = await self.fetchall(sql, params)
        return rows[0] if rows else None

    async def scalar(self, sql: str, params: Params = ()) -> object:
        row = await self.fetchone(sql, params)
        return None if row is None else row[0]

    async def count(self, sql: str, params: Params = ()) -> int:
        """The first column of the first row as an int (0 when NULL or no row)."""
        value = await self.scalar(sql, params)
        return int(value) if isinstance(value, int | float | str) else 0

    @abstractmethod
    async def backup(self, dest: Path) -> None:
        """A consistent copy of the live database at `dest` (an SQLite file, or a plain-SQL
        dump of a PostgreSQL database), replaced whole or not at all. Raises OSError (or
        sqlite3.Error)."""

    def _check_version(self, current: int, available: int) -> None:
        if current > available:
            raise MigrationError(
                f"{self.name} is at schema version {current}, newer than this Ficshelf "
                f"({available}): upgrade Ficshelf or use another database"
            )


def statement_errors() -> tuple[type[Exception], ...]:
    """What a failed statement raises, on each backend loaded (asyncpg only once used)."""
    found: list[type[Exception]] = [sqlite3.Error]
    asyncpg = sys.modules.get("asyncpg")
    if asyncpg is not None:
        found.append(asyncpg.PostgresError)
    return tuple(found)


HEALTH_TIMEOUT = 5.0  # seconds `ficshelf health` waits for a lock before calling it locked


def health(target: Path | str, *, timeout: float = HEALTH_TIMEOUT) -> tuple[int, str | None]:
    """Whether the database answers and is at this code's schema version: (its version,
    None) when healthy, else (its version or 0, a one-line reason). Reads only."""
    if is_server_url(target):
        import asyncio

        from bot.store.postgres import health as server_health

        return asyncio.run(server_health(str(target), seconds=timeout))
    from bot.store.sqlite import health as file_health

    return file_health(Path(target), timeout=timeout)


def version_problem(name: str, version: int, available: int) -> str | None:
    """Why a database at `version` is not current for `available` migrations."""
    if version < available:
        return (
            f"{name} is at schema version {version}, older than this Ficshelf ({available}):"
            " start the bot (ficshelf run) or ficshelf index to migrate it"
        )
    if version > available:
        return (
            f"{name} is at schema version {version}, newer than this Ficshelf ({available}):"
            " upgrade Ficshelf or use another database"
        )
    return None
