"""Test databases on the backend under test: SQLite files, or databases on the throwaway
PostgreSQL server `.ci/run` starts (its URL in FICSHELF_TEST_POSTGRES)."""

from __future__ import annotations

import asyncio
import itertools
import os
import sqlite3
from collections.abc import Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing
from typing import Any, TypeVar

from bot.store.db import database_url

T = TypeVar("T")
SERVER_ENV = "FICSHELF_TEST_POSTGRES"
_names = itertools.count()


def server_url() -> str | None:
    return os.environ.get(SERVER_ENV) or None


def fresh_name(prefix: str = "t") -> str:
    return f"{prefix}_{os.getpid()}_{next(_names)}"


async def _admin(server: str, *statements: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(server)
    try:
        for statement in statements:
            await conn.execute(statement)
    finally:
        await conn.close()


def _run_apart(make: Callable[[], Coroutine[Any, Any, T]]) -> T:
    """Run a coroutine to the end on its own loop (callable inside a running one too)."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(lambda: asyncio.run(make())).result()


def create(server: str, name: str, template: str | None = None) -> str:
    """A new database (a copy of `template`, if given); its URL."""
    copy = f" TEMPLATE {template} STRATEGY FILE_COPY" if template else ""
    statements = (f"DROP DATABASE IF EXISTS {name}", f"CREATE DATABASE {name}{copy}")
    _run_apart(lambda: _admin(server, *statements))
    return database_url(server, name)


def drop(server: str, name: str) -> None:
    _run_apart(lambda: _admin(server, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))


def scalars(target: object, queries: list[tuple[str, tuple[object, ...]]]) -> list[Any]:
    """The first value of each query (`?` placeholders), read the way an operator would:
    a separate connection, outside the bot (usable from inside a running event loop)."""
    if not isinstance(target, str):
        with closing(sqlite3.connect(str(target))) as conn:
            return [conn.execute(sql, params).fetchone()[0] for sql, params in queries]

    async def read() -> list[Any]:
        import asyncpg

        from bot.store.postgres import placeholders

        conn = await asyncpg.connect(target)
        try:
            return [await conn.fetchval(placeholders(sql), *params) for sql, params in queries]
        finally:
            await conn.close()

    return _run_apart(read)
