"""Shared fixtures: an indexed template database (built once), per-test settings."""

from __future__ import annotations

import asyncio
import ipaddress
import shutil
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.paths import STORIES_DIR
from bot.settings import Settings, database_target
from tests import databases

REPO = Path(__file__).resolve().parents[1]
AO3_FIXTURES = REPO.parent / "shared" / "fixtures" / "ao3"


def _local(host: object) -> bool:
    """Whether `host` is this machine: loopback (or the unspecified address, for binding)."""
    if host is None or host == "localhost":
        return True
    try:
        address = ipaddress.ip_address(str(host))
    except ValueError:
        return False  # a name: resolving it would already leave the machine
    return address.is_loopback or address.is_unspecified


@pytest.fixture(autouse=True)
def _loopback_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests never leave this machine: a connection or name lookup for anywhere but the
    loopback fails at once (external sites are local fakes; see tests/ao3/fake.py)."""
    connect, connect_ex, getaddrinfo = (
        socket.socket.connect,
        socket.socket.connect_ex,
        socket.getaddrinfo,
    )

    def refuse(where: object) -> OSError:
        return OSError(f"tests may only contact 127.0.0.1, not {where!r}")

    def guarded_connect(self: socket.socket, address: Any) -> None:
        if isinstance(address, tuple) and not _local(address[0]):
            raise refuse(address)
        return connect(self, address)

    def guarded_connect_ex(self: socket.socket, address: Any) -> int:
        if isinstance(address, tuple) and not _local(address[0]):
            raise refuse(address)
        return connect_ex(self, address)

    def guarded_getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        if not _local(host.decode() if isinstance(host, bytes) else host):
            raise socket.gaierror(f"tests may only contact 127.0.0.1, not {host!r}")
        return getaddrinfo(host, *args, **kwargs)

    monkeypatch.setattr(socket.socket, "connect", guarded_connect)
    monkeypatch.setattr(socket.socket, "connect_ex", guarded_connect_ex)
    monkeypatch.setattr(socket, "getaddrinfo", guarded_getaddrinfo)


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--backend",
        choices=("sqlite", "postgresql"),
        default="sqlite",
        help="the database the store and end-to-end tests run on (postgresql: the server"
        f" named by {databases.SERVER_ENV}, which must answer)",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "sqlite_only: checks of the SQLite file itself (pragmas, its migrations)"
    )
    if config.getoption("backend") == "postgresql" and databases.server_url() is None:
        raise pytest.UsageError(
            f"--backend=postgresql needs a server: set {databases.SERVER_ENV} to its URL"
        )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if config.getoption("backend") != "sqlite":
        skip = pytest.mark.skip(reason="checks the SQLite file itself")
        for item in items:
            if "sqlite_only" in item.keywords:
                item.add_marker(skip)


@pytest.fixture(scope="session")
def backend(request: pytest.FixtureRequest) -> str:
    """The backend under test (pytest --backend)."""
    return str(request.config.getoption("backend"))


@pytest.fixture
def empty_db(backend: str, tmp_path: Path) -> Iterator[Path | str]:
    """Where a new, empty database is (opening it creates and migrates it)."""
    server = databases.server_url()
    if backend == "sqlite" or server is None:
        yield tmp_path / "empty.db"
        return
    name = databases.fresh_name("empty")
    yield databases.create(server, name)
    databases.drop(server, name)


async def _index(db_path: Path | str) -> None:
    from bot.indexing import index_paths
    from bot.store.db import Database
    from bot.store.library import LibraryStore

    db = await Database.open(db_path)
    try:
        summary = await index_paths(
            LibraryStore(db),
            [STORIES_DIR],
            max_bytes=10 * 1024 * 1024,
            prune_dirs=[STORIES_DIR],
            workers=1,
        )
        assert not summary.failed, summary.failed
    finally:
        await db.close()


@pytest.fixture(scope="session")
def template_db(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path | str]:
    """The bundled library indexed once per test session (an SQLite file, or a database
    on the server that each test's copy is made from)."""
    server = databases.server_url()
    if backend == "sqlite" or server is None:
        path = tmp_path_factory.mktemp("template") / "ficshelf.db"
        asyncio.run(_index(path))
        yield path
        return
    name = databases.fresh_name("template")
    url = databases.create(server, name)
    asyncio.run(_index(url))
    yield name
    databases.drop(server, name)


@pytest.fixture
def settings(backend: str, tmp_path: Path, template_db: Path | str) -> Iterator[Settings]:
    """Settings pointing at a private copy of the indexed template database."""
    server = databases.server_url()
    if isinstance(template_db, Path) or server is None:
        db = tmp_path / "ficshelf.db"
        shutil.copy(template_db, db)
        yield Settings(db_path=db, library_dir=STORIES_DIR)
        return
    name = databases.fresh_name()
    url = databases.create(server, name, template=template_db)
    yield Settings(**database_target(url), library_dir=STORIES_DIR)
    databases.drop(server, name)
