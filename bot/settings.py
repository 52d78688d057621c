"""All configuration in one place, read from the environment and `.env`."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from dotenv import load_dotenv

from bot.paths import STORIES_DIR

MB = 1024 * 1024


@dataclass(frozen=True, slots=True)
class Settings:
    """What the bot needs to run. Everything but the paths has a sensible default."""

    db_path: Path
    library_dir: Path
    token: str | None = None
    dev_guild_id: int | None = None
    max_file_bytes: int = 10 * MB
    max_upload_bytes: int = 5 * MB
    max_uploads_per_guild: int = 200
    purge_after_days: int = 30

    @classmethod
    def from_env(cls, env_file: Path | None = None) -> Settings:
        """Read DISCORD_TOKEN, FICSHELF_DB, FICSHELF_LIBRARY, FICSHELF_DEV_GUILD (and limits).

        Values already in the environment win over `.env`.
        """
        load_dotenv(env_file or Path.cwd() / ".env", override=False)
        env = os.environ
        return cls(
            db_path=Path(env.get("FICSHELF_DB") or "ficshelf.db"),
            library_dir=Path(env.get("FICSHELF_LIBRARY") or default_library_dir()),
            token=env.get("DISCORD_TOKEN") or None,
            dev_guild_id=_int_env("FICSHELF_DEV_GUILD", 0) or None,
            max_file_bytes=_int_env("FICSHELF_MAX_FILE_MB", 10) * MB,
            max_upload_bytes=_int_env("FICSHELF_MAX_UPLOAD_MB", 5) * MB,
            max_uploads_per_guild=_int_env("FICSHELF_MAX_UPLOADS", 200),
            purge_after_days=_int_env("FICSHELF_PURGE_AFTER_DAYS", 30),
        )

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
