"""Shared fixtures: an indexed template database (built once), per-test settings."""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path

import pytest

from bot.paths import STORIES_DIR
from bot.settings import Settings

REPO = Path(__file__).resolve().parents[1]
AO3_FIXTURES = REPO.parent / "shared" / "fixtures" / "ao3"


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
