"""The indexing pipeline: read → segment → analyse → store, file by file.

Reading and analysis are plain CPU work (`prepare`), run in worker processes when there
are many files; writes happen in the caller, one transaction per file.
"""

from __future__ import annotations

import hashlib
import os
import re
import signal
import stat as stat_module
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any, NamedTuple

from bot.analysis.analyze import analyze
from bot.analysis.model import Analysis, Finding
from bot.analysis.taxonomy import load_taxonomy
from bot.paths import MODELS_DIR, TAXONOMY_DIR
from bot.readers import Passage, Story, StoryReadError, read_bytes, segment
from bot.store.db import statement_errors
from bot.store.library import LibraryStore
from bot.store.records import BUNDLED, FileState, PassageEntry, StoryEntry

CODE_VERSION = "4"  # bump when readers, segmentation or analysis change their output
STORY_SUFFIXES = (".txt", ".html", ".htm", ".epub", ".md", ".text")
_POOL_THRESHOLD = 8


@cache
def index_version() -> str:
    """Changes whenever the code version, any taxonomy file or the passage model changes:
    a stale index."""
    digest = hashlib.sha256(CODE_VERSION.encode())
    for path in [*sorted(TAXONOMY_DIR.glob("*.toml")), *sorted(MODELS_DIR.glob("*.npz"))]:
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


@dataclass(slots=True)
class Prepared:
    """A story read and analysed, ready to write."""

    story: Story
    passages: list[Passage]
    analysis: Analysis
    report: dict[str, Any]


def prepare(data: bytes, name: str, *, max_bytes: int, display_path: str | None = None) -> Prepared:
    """Read, segment and analyse one file's bytes. Raises StoryReadError."""
    story = read_bytes(data, name, max_bytes=max_bytes)
    passages = segment(story)
    analysis = analyze(story, passages)
    report = build_report(display_path or name, story, analysis, passages)
    return Prepared(story, passages, analysis, report)


def build_report(
    file: str, story: Story, analysis: Analysis, passages: Sequence[Passage]
) -> dict[str, Any]:
    """The `ficshelf analyze --json` object for one story. A chapter's words are those of
    its `passages`: segmentation counted them already (the same count as the chapter's own,
    but where a run of text with no space had to be cut)."""
    counted = dict.fromkeys((c.number for c in story.chapters), 0)
    for passage in passages:
        counted[passage.chapter] += passage.words
    chapters = [
        {"number": c.number, "title": c.title, "words": counted[c.number]} for c in story.chapters
    ]
    return {
        "file": file,
        "format": story.format,
        "title": story.title,
        "authors": story.authors,
        "fandoms": story.fandoms,
        "relationships": story.relationships,
        "characters": analysis.characters,
        "tags": story.additional_tags,
        "summary": story.summary_text,
        "language": story.language,
        "rating": analysis.rating,
        "rating_source": analysis.rating_source,
        "archive_warnings": analysis.archive_warnings,
        "chapters": chapters,
        # AO3's own count when the file states one (what readers see on the work page)
        "words": story.declared_words or sum(c["words"] for c in chapters),
        "warnings": [_finding(f) for f in analysis.warnings],
        "tropes": [_finding(f) for f in analysis.tropes],
        # detected warnings that are the story's subject: kept out where blocked, as if declared
        "subjects": sorted(analysis.subjects),
    }


def _finding(f: Finding) -> dict[str, Any]:
    out = {
        "slug": f.slug,
        "source": f.source,
        "confidence": round(f.confidence, 2),
        "evidence": [{"chapter": e.chapter, "line": e.line, "quote": e.quote} for e in f.evidence],
    }
    if f.method == "model":  # the learned classifier alone: lower confidence
        out["method"] = "model"
    return out


def to_entry(
    prepared: Prepared,
    *,
    guild_id: int,
    source: str,
    content_hash: str,
    file_size: int,
    file_mtime_ns: int,
    added_by: int | None = None,
) -> StoryEntry:
    """The store's view of a prepared story."""
    story, analysis = prepared.story, prepared.analysis
    tax = load_taxonomy()
    facts = analysis.passages
    return StoryEntry(
        guild_id=guild_id,
        source=source,
        content_hash=content_hash,
        file_size=file_size,
        file_mtime_ns=file_mtime_ns,
        index_version=index_version(),
        format=story.format,
        title=story.title,
        authors=story.authors,
        fandoms=story.fandoms,
        relationships=story.relationships,
        characters=analysis.characters,
        tags=story.additional_tags,
        summary=story.summary_text,
        language=story.language,
        url=story.url,
        rating=analysis.rating,
        rating_rank=tax.rating_rank(analysis.rating),
        rating_source=analysis.rating_source,
        words=sum(c["words"] for c in prepared.report["chapters"]),  # story.words, counted once
        warnings=frozenset(analysis.warning_slugs()),
        declared=frozenset(analysis.warning_slugs("declared")),
        tropes=frozenset(f.slug for f in analysis.tropes),
        subjects=frozenset(analysis.subjects),
        report=prepared.report,
        passages=[
            PassageEntry(
                chapter=p.chapter,
                first_line=p.first_line,
                last_line=p.last_line,
                words=p.words,
                text=p.text,
                warnings=frozenset(facts[i].warnings) | frozenset(facts[i].scene)
                if i < len(facts)
                else frozenset(),
                characters=frozenset(facts[i].characters) if i < len(facts) else frozenset(),
            )
            for i, p in enumerate(prepared.passages)
        ],
        added_by=added_by,
        work=work_key(story.url),
    )


def content_hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


_AO3_WORK = re.compile(r"archiveofourown\.org/works/(\d+)", re.IGNORECASE)


def work_key(url: str | None) -> str | None:
    """The work a story's address names ('ao3:218676'), so that every download of one AO3
    work is one story (migration 006 reads old rows' addresses the same way)."""
    found = _AO3_WORK.search(url or "")
    return f"ao3:{int(found.group(1))}" if found and int(found.group(1)) > 0 else None


# -- indexing files on disk ---------------------------------------------------------------


@dataclass(slots=True)
class IndexSummary:
    """What `ficshelf index` reports."""

    added: int = 0
    updated: int = 0
    unchanged: int = 0
    removed: int = 0
    failed: list[dict[str, str]] = field(default_factory=list)
    duplicates: list[dict[str, str]] = field(default_factory=list)  # file, of, title
    stories: int = 0
    passages: int = 0
    bytes: int = 0
    seconds: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "added": self.added,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "removed": self.removed,
            "failed": self.failed,
            "duplicates": self.duplicates,
            "stories": self.stories,
            "passages": self.passages,
            "seconds": round(self.seconds, 3),
        }


def story_files(paths: Iterable[Path]) -> Iterator[Path]:
    """The story files named by `paths` (folders are walked, hidden files skipped), with
    the entries that cannot be indexed (an unreadable folder, a broken link, a FIFO)."""
    for found in _files(paths):
        yield Path(found.path)


BROKEN_LINK = "broken link: the file it points to does not exist"


class Found(NamedTuple):
    """A story file (or a folder) met while walking, and why it cannot be indexed."""

    path: str  # as named
    source: str  # resolved
    problem: str | None = None
    folder: bool = False


def _files(paths: Iterable[Path]) -> Iterator[Found]:
    """Each story file named by `paths`, folders walked in path order."""
    for path in paths:
        if not path.is_dir():
            yield Found(str(path), os.path.realpath(path))
            continue
        named, real = str(path), os.path.realpath(path)
        for file, link, problem, folder in _walk(named):
            source = os.path.realpath(file) if link else real + file[len(named) :]
            yield Found(file, source, problem, folder)


def _walk(folder: str) -> Iterator[tuple[str, bool, str | None, bool]]:
    """(path, is a symlink, problem, is a folder) of the story files under `folder`;
    symlinked folders are not entered, hidden files are skipped, entries come in name
    order (depth first). A folder that cannot be read, a broken link or a file that is
    not a regular one (a FIFO would block a reader) comes with the problem, unread."""
    try:
        with os.scandir(folder) as it:
            entries = sorted(it, key=lambda e: e.name)
    except OSError as exc:
        yield folder, False, _reason(exc, "folder"), True
        return
    for entry in entries:
        try:
            if entry.is_dir(follow_symlinks=False):
                yield from _walk(entry.path)
            elif entry.name.startswith(".") or _suffix(entry.name) not in STORY_SUFFIXES:
                continue
            elif entry.is_file():
                yield entry.path, entry.is_symlink(), None, False
            elif entry.is_symlink() and not os.path.exists(entry.path):
                yield entry.path, True, BROKEN_LINK, False
            else:
                yield entry.path, entry.is_symlink(), _not_regular(entry.stat().st_mode), False
        except OSError as exc:
            yield entry.path, False, _reason(exc), False


def _suffix(name: str) -> str:
    return name[name.rfind(".") :].lower() if "." in name else ""


def _not_regular(mode: int) -> str | None:
    """Why a file of this mode is not read (None for a regular file)."""
    if stat_module.S_ISREG(mode):
        return None
    if stat_module.S_ISDIR(mode):
        return "is a folder, not a story file"
    if stat_module.S_ISFIFO(mode):
        kind = "a named pipe (FIFO)"
    elif stat_module.S_ISSOCK(mode):
        kind = "a socket"
    else:
        kind = "a device"
    return f"not a regular file but {kind}: skipped without reading it"


def load_file(path: Path, max_bytes: int) -> tuple[bytes, os.stat_result]:
    """The bytes and stat of one story file. Raises StoryReadError (a missing, unreadable,
    too large or non-regular file; a FIFO is never opened for reading, so never blocks)."""
    try:
        stat = path.stat()
        _check(stat, max_bytes)
        # O_NONBLOCK: should a FIFO replace the file after the check, opening cannot hang
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | os.O_CLOEXEC)
        with os.fdopen(fd, "rb") as fh:
            stat = os.fstat(fh.fileno())
            _check(stat, max_bytes)
            return fh.read(max_bytes + 1), stat
    except FileNotFoundError:
        if path.is_symlink():
            raise StoryReadError(BROKEN_LINK) from None
        raise StoryReadError("file not found") from None
    except OSError as exc:
        raise StoryReadError(_reason(exc)) from None


def _check(stat: os.stat_result, max_bytes: int) -> None:
    problem = _not_regular(stat.st_mode)
    if problem:
        raise StoryReadError(problem)
    if stat.st_size > max_bytes:
        raise StoryReadError(
            f"file is {stat.st_size / 1048576:.1f} MB, over the {max_bytes / 1048576:.0f} MB limit"
        )


class Todo(NamedTuple):
    """A file to prepare: where it is, its source key, its bytes and stat, and what the
    index holds for it (None: a new file)."""

    path: Path
    source: str
    data: bytes
    stat: os.stat_result
    state: FileState | None


def _entry_for(todo: Todo, max_bytes: int) -> StoryEntry | str:
    """Worker entry point: the bundled StoryEntry of one file, or why it could not be read.

    The entry (not the Prepared story) crosses back from a worker: less to pickle, and the
    saving process is left only the writes."""
    try:
        prepared = prepare(
            todo.data, todo.path.name, max_bytes=max_bytes, display_path=str(todo.path)
        )
    except StoryReadError as exc:
        return str(exc)
    return to_entry(
        prepared,
        guild_id=BUNDLED,
        source=todo.source,
        content_hash=content_hash(todo.data),
        file_size=todo.stat.st_size,
        file_mtime_ns=todo.stat.st_mtime_ns,
    )


ProgressFn = Callable[[Path, int], None]


async def index_paths(
    library: LibraryStore,
    paths: list[Path],
    *,
    max_bytes: int,
    prune_dirs: Iterable[Path] = (),
    progress: ProgressFn | None = None,
    workers: int | None = None,
) -> IndexSummary:
    """Index files and folders into the bundled library; unchanged files are skipped.

    Stories whose source lies under one of `prune_dirs` but no longer exists are removed.
    One bad file is recorded in `failed` and never stops the others.
    """
    started = time.perf_counter()
    summary = IndexSummary()
    states = await library.file_states(BUNDLED)
    version = index_version()
    seen: set[str] = set()
    todo: list[Todo] = []
    unreadable: list[str] = []  # sources kept in the index: their folder could not be read
    for file, source, problem, folder in _files(paths):
        if source in seen:
            continue
        seen.add(source)
        if problem is not None:
            summary.failed.append({"file": file, "error": problem})
            if folder:
                unreadable.append(source)
            if progress:
                progress(Path(file), 0)
            continue
        state = states.get(source)
        try:
            stat = os.stat(file)
            if (
                state is not None
                and state.file_size == stat.st_size
                and state.file_mtime_ns == stat.st_mtime_ns
                and state.index_version == version
            ):
                summary.unchanged += 1
                if progress:
                    progress(Path(file), stat.st_size)
                continue
            path = Path(file)
            data, stat = load_file(path, max_bytes)
        except (StoryReadError, OSError) as exc:
            summary.failed.append({"file": str(Path(file)), "error": _reason(exc)})
            if progress:
                progress(Path(file), 0)
            continue
        if state and state.content_hash == content_hash(data) and state.index_version == version:
            summary.unchanged += 1
            await library.touch(state.story_id, stat.st_size, stat.st_mtime_ns)
            if progress:
                progress(path, stat.st_size)
            continue
        todo.append(Todo(path, source, data, stat, state))

    owners = _Owners(states)
    todo = [t for t in todo if not owners.duplicate(summary, t, content_hash(t.data), None)]
    batch: list[tuple[Todo, StoryEntry]] = []
    batch_bytes = 0
    for done, (item, result) in enumerate(_prepare_all(todo, max_bytes, workers), 1):
        if isinstance(result, str):
            summary.failed.append({"file": str(item.path), "error": result})
            if progress:
                progress(item.path, item.stat.st_size)
            continue
        if owners.duplicate(summary, item, result.content_hash, result.work, result.title):
            if progress:
                progress(item.path, item.stat.st_size)
            continue
        batch.append((item, result))
        batch_bytes += len(item.data)
        full = len(batch) >= SAVE_BATCH_FILES or batch_bytes >= SAVE_BATCH_BYTES
        if full or len(todo) - done < SAVE_EACH_LAST:
            await _save_batch(library, batch, summary, progress)
            batch, batch_bytes = [], 0
    await _save_batch(library, batch, summary, progress)

    summary.removed = await library.remove(_vanished(states, prune_dirs, seen, unreadable))
    summary.stories, summary.passages = await library.stats(BUNDLED)
    summary.seconds = time.perf_counter() - started
    return summary


class _Owners:
    """Which file holds each content hash and AO3 work (stored ones that still exist, then
    those indexed in this run): one work is one story, whatever its copies are called."""

    def __init__(self, states: dict[str, FileState]) -> None:
        self._by_key: dict[str, tuple[str, str]] = {}  # key -> (source, title)
        for source, state in states.items():
            if os.path.exists(source):
                for key in (f"hash:{state.content_hash}", state.work):
                    if key:
                        self._by_key.setdefault(key, (source, state.title))

    def duplicate(
        self, summary: IndexSummary, todo: Todo, digest: str, work: str | None, title: str = ""
    ) -> bool:
        """Record `todo` as a duplicate if another file holds its content or work; else
        claim them for it (when `title` is known, i.e. it is about to be saved)."""
        keys = [f"hash:{digest}", *([work] if work else [])]
        for key in keys:
            owner = self._by_key.get(key)
            if owner is not None and owner[0] != todo.source:
                summary.duplicates.append(
                    {"file": str(todo.path), "of": owner[0], "title": owner[1]}
                )
                return True
        if title:
            for key in keys:
                self._by_key.setdefault(key, (todo.source, title))
        return False


SAVE_BATCH_FILES = 32  # files written per transaction while indexing a folder
SAVE_BATCH_BYTES = 8 * 1024 * 1024
# the last files are saved one by one as they come, while the workers finish the others:
# nothing is left to write once the last one is analysed
SAVE_EACH_LAST = 8


async def _save_batch(
    library: LibraryStore,
    batch: list[tuple[Todo, StoryEntry]],
    summary: IndexSummary,
    progress: ProgressFn | None,
) -> None:
    """Save prepared files in one transaction; if that fails, file by file, so one file
    that cannot be written is reported alone and the others still land."""
    if not batch:
        return
    try:
        await library.save_many([entry for _todo, entry in batch])
        saved = [(todo, None) for todo, _entry in batch]
    except statement_errors():
        saved = []
        for todo, entry in batch:
            try:
                await library.save(entry)
                saved.append((todo, None))
            except statement_errors() as exc:
                saved.append((todo, f"could not be saved: {exc}"))
    for todo, error in saved:
        if error is not None:
            summary.failed.append({"file": str(todo.path), "error": error})
        else:
            summary.bytes += len(todo.data)
            if todo.state is None:
                summary.added += 1
            else:
                summary.updated += 1
        if progress:
            progress(todo.path, todo.stat.st_size)


def _prepare_all(
    todo: list[Todo], max_bytes: int, workers: int | None
) -> Iterator[tuple[Todo, StoryEntry | str]]:
    """Each file with its entry, in order; many files are prepared in worker processes
    (the caller saves one file's entry while the workers prepare the next ones)."""
    n = workers if workers is not None else (os.cpu_count() or 1)
    if len(todo) < _POOL_THRESHOLD or n <= 1:
        for t in todo:
            yield t, _entry_for(t, max_bytes)
        return
    with ProcessPoolExecutor(
        max_workers=n, initializer=_die_with_parent, initargs=(os.getpid(),)
    ) as pool:
        results = pool.map(_entry_for, todo, [max_bytes] * len(todo), chunksize=2)
        yield from zip(todo, results, strict=True)


_PR_SET_PDEATHSIG = 1  # <linux/prctl.h>


def _die_with_parent(parent: int) -> None:
    """Worker initializer: end this worker when `parent` (the indexing process) dies,
    even by SIGKILL, so no orphan outlives `ficshelf index`.

    A worker forked or spawned by `parent` itself asks the Linux kernel for SIGKILL when
    its parent thread (the one that started the pool) dies. Otherwise (no prctl, or a
    forkserver in between, which the workers themselves keep alive) a thread polls."""
    if os.getppid() == parent and sys.platform.startswith("linux"):
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        if libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) == 0:
            if os.getppid() != parent:  # it died before the signal was armed
                os._exit(1)
            return
    direct = os.getppid() == parent

    def watch() -> None:
        while not _gone(parent, direct=direct):
            time.sleep(0.5)
        os._exit(1)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


def _gone(pid: int, *, direct: bool) -> bool:
    """Whether process `pid` has died (a zombie counts as dead)."""
    if direct and os.getppid() != pid:
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as fh:
            return fh.read().rsplit(")", 1)[1].split()[0] in {"Z", "X"}
    except (OSError, IndexError):
        return False


def _vanished(
    states: dict[str, FileState],
    prune_dirs: Iterable[Path],
    seen: set[str],
    unreadable: Iterable[str] = (),
) -> list[int]:
    """Stories whose source file lay under one of `prune_dirs` and is gone now (not
    merely hidden in a folder that could not be read)."""
    roots = [os.path.join(os.path.realpath(d), "") for d in prune_dirs]
    kept = [os.path.join(u, "") for u in unreadable]
    return [
        state.story_id
        for source, state in states.items()
        if source not in seen
        and any((source + os.sep).startswith(r) for r in roots)
        and not any((source + os.sep).startswith(k) for k in kept)
        and not os.path.exists(source)
    ]


def _reason(exc: BaseException, what: str = "file") -> str:
    if isinstance(exc, PermissionError):
        return f"permission denied: the {what} cannot be read"
    if isinstance(exc, FileNotFoundError):
        return f"{what} not found"
    if isinstance(exc, IsADirectoryError):
        return "is a folder, not a story file"
    if isinstance(exc, OSError) and exc.strerror:
        return f"the {what} cannot be read: {exc.strerror}"
    return str(exc) or type(exc).__name__
