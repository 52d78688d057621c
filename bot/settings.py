"""All configuration in one place, read from the environment and `.env`."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dotenv import load_dotenv

from bot.paths import STORIES_DIR
from bot.shards import Shards, parse_shards

MB = 1024 * 1024
AO3 = "https://archiveofourown.org"


@dataclass(frozen=True, slots=True)
class Settings:
    """What the bot needs to run. Everything but the paths has a sensible default."""

    db_path: Path  # the SQLite file (unused when `db_url` names a PostgreSQL server)
    library_dir: Path
    db_url: str | None = None  # postgresql://… from FICSHELF_DB
    token: str | None = None
    dev_guild_id: int | None = None
    max_file_bytes: int = 10 * MB
    max_upload_bytes: int = 5 * MB
    max_uploads_per_guild: int = 200
    purge_after_days: int = 30
    ao3_base: str = AO3
    contact: str = ""
    ao3_min_interval: float = 2.5  # seconds between two requests to AO3
    ao3_per_minute: int = 20  # requests to AO3 in any 60 s
    ao3_cache_seconds: int = 3600  # how long a fetched page is reused
    ao3_negative_seconds: int = 30  # how long a failure is remembered
    ao3_timeout: float = 30.0  # seconds one request may take
    ao3_tries: int = 3  # attempts for 503, 525 and timeouts
    ao3_backoff: float = 2.0  # first retry delay in seconds (doubles, with jitter)
    ao3_max_wait: float = 60.0  # longest queue for the limiter before "try again in …"
    shards: Shards | None = None  # FICSHELF_SHARDS / FICSHELF_SHARD_IDS; None: not sharded

    @classmethod
    def from_env(cls, env_file: Path | None = None) -> Settings:
        """Read DISCORD_TOKEN, FICSHELF_DB, FICSHELF_LIBRARY, FICSHELF_DEV_GUILD, the shards
        (FICSHELF_SHARDS, FICSHELF_SHARD_IDS) and the limits.

        Values already in the environment win over `.env`.
        """
        load_dotenv(env_file or Path.cwd() / ".env", override=False)
        env = os.environ
        return cls(
            **database_target(env.get("FICSHELF_DB") or "ficshelf.db"),
            library_dir=Path(env.get("FICSHELF_LIBRARY") or default_library_dir()),
            token=env.get("DISCORD_TOKEN") or None,
            dev_guild_id=_int_env("FICSHELF_DEV_GUILD", 0) or None,
            max_file_bytes=_int_env("FICSHELF_MAX_FILE_MB", 10) * MB,
            max_upload_bytes=_int_env("FICSHELF_MAX_UPLOAD_MB", 5) * MB,
            max_uploads_per_guild=_int_env("FICSHELF_MAX_UPLOADS", 200),
            purge_after_days=_int_env("FICSHELF_PURGE_AFTER_DAYS", 30),
            ao3_base=(env.get("FICSHELF_AO3_BASE") or AO3).rstrip("/"),
            contact=env.get("FICSHELF_CONTACT", "").strip(),
            ao3_min_interval=_float_env("FICSHELF_AO3_INTERVAL", 2.5),
            ao3_per_minute=_int_env("FICSHELF_AO3_PER_MINUTE", 20),
            ao3_cache_seconds=_int_env("FICSHELF_AO3_CACHE_SECONDS", 3600),
            ao3_negative_seconds=_int_env("FICSHELF_AO3_NEGATIVE_SECONDS", 30),
            ao3_timeout=_float_env("FICSHELF_AO3_TIMEOUT", 30.0),
            ao3_tries=_int_env("FICSHELF_AO3_TRIES", 3),
            ao3_max_wait=_float_env("FICSHELF_AO3_MAX_WAIT", 60.0),
            shards=parse_shards(env.get("FICSHELF_SHARDS", ""), env.get("FICSHELF_SHARD_IDS", "")),
        )

    @property
    def database(self) -> Path | str:
        """What FICSHELF_DB names: the SQLite file, or the PostgreSQL server's URL."""
        return self.db_url or self.db_path

    @property
    def database_name(self) -> str:
        """The database as messages name it (a server URL without its password)."""
        from bot.store.db import redacted

        return redacted(self.db_url) if self.db_url else str(self.db_path)

    def library_warning(self) -> str | None:
        """Why the library folder cannot be indexed (naming FICSHELF_LIBRARY), or None."""
        if self.library_dir.is_dir():
            return None
        what = "is not a folder" if self.library_dir.exists() else "does not exist"
        return (
            f"the library folder {self.library_dir} (FICSHELF_LIBRARY) {what}: "
            "no bundled stories will be indexed"
        )


def default_library_dir() -> Path:
    """The bundled library (data/stories) next to the package."""
    return STORIES_DIR


def _int_env(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        return int(raw)
    except ValueError:
        raise ValueError(f"{name} must be a whole number, got {raw!r}") from None


def _float_env(name: str, default: float) -> float:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        return float(raw)
    except ValueError:
        raise ValueError(f"{name} must be a number, got {raw!r}") from None


def database_target(value: str) -> dict[str, Any]:
    """Settings fields for FICSHELF_DB (or --db): a `postgresql://` URL, else a file path."""
    from bot.store.db import is_server_url

    if is_server_url(value):
        return {"db_path": Path("ficshelf.db"), "db_url": value}
    return {"db_path": Path(value), "db_url": None}
