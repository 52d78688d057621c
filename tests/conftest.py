"""Shared fixtures: an indexed template database (built once), per-test settings."""

from __future__ import annotations

import asyncio
import ipaddress
import shutil
import socket
from pathlib import Path
from typing import Any

import pytest

from bot.paths import STORIES_DIR
from bot.settings import Settings

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


async def _index(db_path: Path) -> None:
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
def template_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundled library indexed once per test session."""
    path = tmp_path_factory.mktemp("template") / "ficshelf.db"
    asyncio.run(_index(path))
    return path


@pytest.fixture
def settings(tmp_path: Path, template_db: Path) -> Settings:
    """Settings pointing at a private copy of the indexed template database."""
    db = tmp_path / "ficshelf.db"
    shutil.copy(template_db, db)
    return Settings(db_path=db, library_dir=STORIES_DIR)
