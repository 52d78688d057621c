"""Building (and caching) synthetic library databases through the real store.

A database of N passages is built once by `LibraryStore.save` of generated entries (no
analysis: it would take hours at 1M) and cached under bench/out/ by size, generator version
and a digest of the vocabulary, so later runs reuse it.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

from bench.generator import GENERATOR_VERSION, SEED, Generator
from bench.vocab import load_vocab
from bot.store.db import Database
from bot.store.library import LibraryStore
from bot.store.records import BUNDLED

OUT_DIR = Path(__file__).resolve().parent / "out"
PLACEHOLDER_VERSION = "bench"


@dataclass(frozen=True, slots=True)
class LibraryInfo:
    """What was built: where, how big, and the guilds the benchmarks read as."""

    path: str
    files_root: str  # where the bundled stories' (sparse) source files live
    passages: int
    stories: int
    bundled_stories: int
    bundled_passages: int
    guilds: int  # servers with uploads
    reader_guild: int  # the server with the most uploads
    reader_visible_passages: int
    build_seconds: float

    @property
    def db(self) -> Path:
        return Path(self.path)


def cache_key(passages: int, seed: int = SEED) -> str:
    """Size, generator version, seed and a digest of the vocabulary the generator uses."""
    return f"lib-{passages}-g{GENERATOR_VERSION}-s{seed}-{load_vocab().fingerprint()}"


def current_index_version() -> str:
    """bot.indexing.index_version(), or a placeholder while indexing cannot be imported."""
    try:
        from bot.indexing import index_version
    except ImportError:
        return PLACEHOLDER_VERSION
    return index_version()


ProgressFn = Callable[[int, int], None]


async def ensure_library(
    passages: int,
    *,
    out_dir: Path = OUT_DIR,
    seed: int = SEED,
    progress: ProgressFn | None = None,
) -> LibraryInfo:
    """The cached database of `passages` passages, built first when missing."""
    key = cache_key(passages, seed)
    db_dir = out_dir / "db"
    db_dir.mkdir(parents=True, exist_ok=True)
    path, sidecar = db_dir / f"{key}.db", db_dir / f"{key}.json"
    root = (db_dir / f"{key}.files").resolve()
    if path.exists() and sidecar.exists():
        info = LibraryInfo(**json.loads(sidecar.read_text()))
        if info.path != str(path) or info.files_root != str(root):  # the tree moved
            await _relocate(path, info.files_root, str(root))
            info = LibraryInfo(**{**asdict(info), "path": str(path), "files_root": str(root)})
            sidecar.write_text(json.dumps(asdict(info), indent=2))
        return info
    info = await build_library(path, passages, files_root=root, seed=seed, progress=progress)
    sidecar.write_text(json.dumps(asdict(info), indent=2))
    return info


async def build_library(
    path: Path,
    passages: int,
    *,
    files_root: Path,
    seed: int = SEED,
    progress: ProgressFn | None = None,
) -> LibraryInfo:
    """Generate `passages` passages and save them story by story with LibraryStore.save."""
    started = time.perf_counter()
    tmp = path.with_name(path.name + ".tmp")
    for stale in (tmp, Path(f"{tmp}-wal"), Path(f"{tmp}-shm")):
        stale.unlink(missing_ok=True)
    gen = Generator(seed)
    version = current_index_version()
    db = await Database.open(tmp)
    stories = bundled_stories = bundled_passages = done = 0
    uploads: dict[int, int] = {}
    try:
        await db.conn.execute("PRAGMA synchronous = OFF")  # a throw-away file until renamed
        await db.conn.execute("PRAGMA cache_size = -65536")
        library = LibraryStore(db)
        for story in gen.stories(passages):
            entry = gen.entry(story, index_version=version, library_root=str(files_root))
            await library.save(entry)
            n = len(entry.passages)
            stories, done = stories + 1, done + n
            if entry.guild_id == BUNDLED:
                bundled_stories, bundled_passages = bundled_stories + 1, bundled_passages + n
            else:
                uploads[entry.guild_id] = uploads.get(entry.guild_id, 0) + n
            if progress:
                progress(done, passages)
        await db.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        await db.close()
    os.replace(tmp, path)
    reader = max(uploads, key=lambda g: (uploads[g], -g)) if uploads else BUNDLED
    return LibraryInfo(
        path=str(path),
        files_root=str(files_root),
        passages=done,
        stories=stories,
        bundled_stories=bundled_stories,
        bundled_passages=bundled_passages,
        guilds=len(uploads),
        reader_guild=reader,
        reader_visible_passages=bundled_passages + uploads.get(reader, 0),
        build_seconds=round(time.perf_counter() - started, 1),
    )


def warm_file(path: Path, chunk: int = 1 << 20) -> int:
    """Read the file once so the OS page cache holds it, as on a server that has been up a
    while (otherwise the first case measured pays for the cold reads). Returns bytes read."""
    total = 0
    for suffix in ("", "-wal"):
        try:
            with open(f"{path}{suffix}", "rb") as fh:
                while block := fh.read(chunk):
                    total += len(block)
        except FileNotFoundError:
            continue
    return total


async def _relocate(path: Path, old_root: str, new_root: str) -> None:
    """Point the bundled stories' sources at the files root's new place."""
    db = await Database.open(path)
    try:
        async with db.transaction() as conn:
            await conn.execute(
                "UPDATE stories SET source = ? || substr(source, ?) WHERE guild_id = 0",
                (new_root, len(old_root) + 1),
            )
    finally:
        await db.close()


async def prepare_for_startup(info: LibraryInfo) -> Path:
    """Make the library dir the bundled stories were indexed from, unchanged since.

    The files are sparse (no disk used) with the recorded size and mtime, which is all an
    unchanged-index check reads; the stored index version is set to the current one.
    """
    version = current_index_version()
    db = await Database.open(info.db)
    try:
        async with db.transaction() as conn:
            await conn.execute(
                "UPDATE stories SET index_version = ? WHERE guild_id = 0 AND index_version != ?",
                (version, version),
            )
        rows = await db.fetchall(
            "SELECT source, file_size, file_mtime_ns FROM stories WHERE guild_id = 0"
        )
    finally:
        await db.close()
    root = Path(info.files_root)
    _sparse_files(root, [(r["source"], r["file_size"], r["file_mtime_ns"]) for r in rows])
    return root


def _sparse_files(root: Path, files: list[tuple[str, int, int]]) -> None:
    """Create (or fix) each file under `root` with the given size and mtime, sparse."""
    root.mkdir(parents=True, exist_ok=True)
    for source, size, mtime_ns in files:
        file = Path(source)
        if file.parent != root:
            continue
        try:
            st = file.stat()
            same = st.st_size == size and st.st_mtime_ns == mtime_ns
        except FileNotFoundError:
            same = False
        if not same:
            with file.open("wb") as fh:
                fh.truncate(size)
            os.utime(file, ns=(mtime_ns, mtime_ns))
