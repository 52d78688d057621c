"""User errors at the command line: one clear line on stderr, a non-zero exit, no traceback;
and `ficshelf index` leaves no worker process behind when it is killed."""

from __future__ import annotations

import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bot.cli import main
from bot.paths import STORIES_DIR, TRAINING_DIR

SEED_COUNT = sum(1 for p in STORIES_DIR.iterdir() if p.is_file())


@pytest.fixture(autouse=True)
def _no_dotenv(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Run in an empty folder, so no developer's .env or token leaks in."""
    monkeypatch.chdir(tmp_path)
    for name in ("DISCORD_TOKEN", "FICSHELF_DB", "FICSHELF_LIBRARY", "FICSHELF_DEV_GUILD"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def library(tmp_path: Path) -> Path:
    """A private copy of the bundled stories, free to edit."""
    folder = tmp_path / "stories"
    shutil.copytree(STORIES_DIR, folder)
    return folder


def ficshelf_argv(*args: str) -> list[str]:
    return [sys.executable, "-m", "bot", *args]


def clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FICSHELF_", "DISCORD_"))}
    return env | {"COLUMNS": "200"} | extra


def run(cwd: Path, *args: str, timeout: float = 30, **env: str) -> subprocess.CompletedProcess[str]:
    """`ficshelf ARGS` in a subprocess, as a person runs it (a hang fails the test)."""
    return subprocess.run(
        ficshelf_argv(*args),
        cwd=cwd,
        env=clean_env(**env),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def one_error_line(err: str) -> str:
    """The single line a user error prints (asserting there is exactly one, no traceback)."""
    assert "Traceback" not in err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("ficshelf: ")
    return lines[0]


def write_stories(folder: Path, count: int, paragraphs: int = 3) -> None:
    """`count` small plain-text stories, each different (so each is indexed)."""
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(count):
        body = "\n\n".join(
            f"Story {i}, paragraph {j}: the rain kept falling on the old harbour while "
            f"Mara counted the boats that had not come home, and the lamps burned low. " * 4
            for j in range(paragraphs)
        )
        (folder / f"story-{i:03d}.txt").write_text(f"Harbour Lights {i}\n\n{body}\n")


# -- the database ------------------------------------------------------------------------


def test_two_index_runs_on_one_new_database_at_once_both_succeed(tmp_path: Path) -> None:
    dbs = [tmp_path / f"race-{n}.db" for n in range(3)]  # the race is timing-dependent
    procs = [
        (
            db,
            subprocess.Popen(
                ficshelf_argv("index", str(STORIES_DIR), "--db", str(db), "--json"),
                cwd=tmp_path,
                env=clean_env(),
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                text=True,
            ),
        )
        for db in dbs
        for _twice in range(2)
    ]
    for _db, proc in procs:
        _out, err = proc.communicate(timeout=60)
        assert "Traceback" not in err
        assert proc.returncode == 0, err
    for db in dbs:
        with sqlite3.connect(db) as conn:
            assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
            assert conn.execute("PRAGMA user_version").fetchone()[0] >= 5
            assert conn.execute("SELECT count(*) FROM stories").fetchone() == (SEED_COUNT,)
            sources = conn.execute("SELECT count(DISTINCT source) FROM stories").fetchone()
            assert sources == (SEED_COUNT,)


def test_db_that_is_not_a_database_is_one_clear_line(
    tmp_path: Path, library: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("shopping list: tea, milk, a new kettle\n" * 50)
    assert main(["index", str(library), "--db", str(notes)]) == 2
    line = one_error_line(capsys.readouterr().err)
    assert str(notes) in line
    assert "not a Ficshelf database" in line
    assert notes.read_text().startswith("shopping list")  # left as it was


# -- backup ------------------------------------------------------------------------------


@pytest.fixture
def indexed_db(tmp_path: Path, library: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    db = tmp_path / "f.db"
    assert main(["index", str(library), "--db", str(db), "--json"]) == 0
    capsys.readouterr()
    return db


@pytest.mark.parametrize("where", ["missing-folder/copy.db", "a-file/copy.db"])
def test_backup_to_an_unwritable_place_is_one_clear_line(
    tmp_path: Path, indexed_db: Path, capsys: pytest.CaptureFixture[str], where: str
) -> None:
    (tmp_path / "a-file").write_text("a regular file, not a folder\n")
    dest = tmp_path / where
    assert main(["backup", str(dest), "--db", str(indexed_db)]) == 1
    line = one_error_line(capsys.readouterr().err)
    assert str(dest.parent) in line
    assert not (tmp_path / "missing-folder").exists()  # not created as a side effect


def test_backup_of_a_missing_database_is_an_error_and_creates_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "missing.db"
    dest = tmp_path / "copy.db"
    assert main(["backup", str(dest), "--db", str(missing)]) == 2
    line = one_error_line(capsys.readouterr().err)
    assert str(missing) in line
    assert "no database" in line
    assert not missing.exists()
    assert not dest.exists()


def test_backup_force_overwrites_an_existing_destination(
    tmp_path: Path, indexed_db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    dest = tmp_path / "copy.db"
    dest.write_text("an old file in the way\n")
    assert main(["backup", str(dest), "--db", str(indexed_db)]) == 1
    assert "--force" in one_error_line(capsys.readouterr().err)
    assert main(["backup", str(dest), "--db", str(indexed_db), "--force"]) == 0
    with sqlite3.connect(dest) as conn:
        assert conn.execute("SELECT count(*) FROM stories").fetchone() == (SEED_COUNT,)
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".copy")) == []


# -- files that are not stories -------------------------------------------------------------


def test_a_fifo_in_a_folder_is_reported_failed_and_never_read(
    tmp_path: Path, library: Path
) -> None:
    os.mkfifo(library / "pipe.txt")
    done = run(tmp_path, "index", str(library), "--db", str(tmp_path / "f.db"), timeout=30)
    assert "Traceback" not in done.stderr
    assert done.returncode == 1
    assert f"{SEED_COUNT} added" in done.stdout
    [line] = [ln for ln in done.stderr.splitlines() if "pipe.txt" in ln]
    assert "not a regular file" in line


def test_a_fifo_named_directly_is_refused_without_blocking(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.txt"
    os.mkfifo(fifo)
    indexed = run(tmp_path, "index", str(fifo), "--db", str(tmp_path / "f.db"), timeout=30)
    assert "Traceback" not in indexed.stderr
    assert indexed.returncode == 1
    [line] = indexed.stderr.strip().splitlines()
    assert line.startswith(f"failed {fifo}")
    assert "not a regular file" in line
    analyzed = run(tmp_path, "analyze", str(fifo), timeout=30)
    assert analyzed.returncode == 1
    assert "not a regular file" in one_error_line(analyzed.stderr)


def test_a_dangling_symlink_in_a_folder_is_reported_failed(
    tmp_path: Path, library: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (library / "gone.txt").symlink_to(tmp_path / "nowhere.txt")
    assert main(["index", str(library), "--db", str(tmp_path / "f.db")]) == 1
    out, err = capsys.readouterr()
    assert f"{SEED_COUNT} added" in out
    assert "1 failed" in out
    assert "Traceback" not in err
    [line] = err.strip().splitlines()
    assert "gone.txt" in line
    assert "broken link" in line


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads a mode-000 folder")
def test_an_unreadable_subfolder_is_reported_failed(
    tmp_path: Path, library: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    locked = library / "locked"
    locked.mkdir()
    shutil.copy(library / "swan-dive.txt", locked / "copy.txt")
    locked.chmod(0)
    try:
        assert main(["index", str(library), "--db", str(tmp_path / "f.db")]) == 1
    finally:
        locked.chmod(0o755)
    out, err = capsys.readouterr()
    assert f"{SEED_COUNT} added" in out
    [line] = err.strip().splitlines()
    assert "locked" in line
    assert "permission denied" in line


def test_a_folder_that_cannot_be_listed_is_reported_failed(
    tmp_path: Path,
    library: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The same as above, for root too: listing the folder is refused."""
    locked = library / "locked"
    locked.mkdir()
    shutil.copy(library / "swan-dive.txt", locked / "copy.txt")
    real_scandir = os.scandir

    def scandir(path: str) -> object:
        if os.fspath(path) == str(locked):
            raise PermissionError(13, "Permission denied", str(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    assert main(["index", str(library), "--db", str(tmp_path / "f.db")]) == 1
    out, err = capsys.readouterr()
    assert f"{SEED_COUNT} added" in out
    assert "Traceback" not in err
    [line] = err.strip().splitlines()
    assert line == f"failed {locked}: permission denied: the folder cannot be read"


def test_eval_on_a_binary_file_is_one_clear_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    gold = tmp_path / "gold.toml"
    gold.write_bytes(bytes(range(256)) * 16)
    assert main(["eval", str(gold)]) == 2
    line = one_error_line(capsys.readouterr().err)
    assert str(gold) in line
    assert "binary" in line


def test_index_of_an_empty_path_is_an_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "f.db"
    assert main(["index", "", "--db", str(db)]) == 2
    assert "empty" in one_error_line(capsys.readouterr().err)
    assert not db.exists()


# -- FICSHELF_LIBRARY ---------------------------------------------------------------------


def test_index_warns_when_the_library_setting_points_nowhere(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("FICSHELF_LIBRARY", str(tmp_path / "nowhere"))
    assert main(["index", "--db", str(tmp_path / "f.db")]) == 1
    err = capsys.readouterr().err
    assert "Traceback" not in err
    first = err.splitlines()[0]
    assert first.startswith("ficshelf: warning: ")
    assert "FICSHELF_LIBRARY" in first
    assert str(tmp_path / "nowhere") in first


def test_console_warns_when_the_library_setting_points_nowhere(tmp_path: Path) -> None:
    done = run(
        tmp_path,
        "console",
        "--db",
        str(tmp_path / "console.db"),
        "-c",
        "/help",
        timeout=120,
        FICSHELF_LIBRARY=str(tmp_path / "nowhere"),
    )
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    first = done.stderr.splitlines()[0]
    assert first.startswith("ficshelf: warning: ")
    assert "FICSHELF_LIBRARY" in first


# -- analyze and numbers --------------------------------------------------------------------


def test_analyze_prints_errors_to_stderr_and_names_no_author_anonymous(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_stories(tmp_path / "mine", 1)
    story = tmp_path / "mine" / "story-000.txt"
    missing = tmp_path / "missing.txt"
    assert main(["analyze", str(story), str(missing)]) == 1
    out, err = capsys.readouterr()
    assert "by Anonymous" in out
    assert "unknown" not in out
    assert str(missing) not in out
    line = one_error_line(err)
    assert str(missing) in line
    assert "not found" in line


def test_index_summary_uses_thousands_separators(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_stories(tmp_path / "many", 40, paragraphs=30)
    assert main(["index", str(tmp_path / "many"), "--db", str(tmp_path / "f.db")]) == 0
    out = capsys.readouterr().out
    with sqlite3.connect(tmp_path / "f.db") as conn:
        (passages,) = conn.execute("SELECT count(*) FROM passages").fetchone()
    assert passages >= 1000
    assert f"{passages:,} passages" in out


# -- no orphans -------------------------------------------------------------------------------


def _descendants(pid: int) -> set[int]:
    """Every process below `pid` (from /proc/<pid>/task/*/children)."""
    found: set[int] = set()
    todo = [pid]
    while todo:
        parent = todo.pop()
        for children in Path(f"/proc/{parent}/task").glob("*/children"):
            try:
                kids = {int(p) for p in children.read_text().split()}
            except OSError:
                continue
            todo.extend(kids - found)
            found |= kids
    return found


def _alive(pid: int) -> bool:
    """Running (a zombie waiting for its reaper counts as dead)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return False
    return fields[0] != "Z"


@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="needs Linux /proc")
@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM], ids=["SIGKILL", "SIGTERM"])
def test_killing_index_leaves_no_worker_behind(tmp_path: Path, sig: signal.Signals) -> None:
    write_stories(tmp_path / "many", 40)
    db = tmp_path / "f.db"
    (tmp_path / "empty").mkdir()
    assert main(["index", str(tmp_path / "empty"), "--db", str(db), "--json"]) == 0  # migrate
    blocker = sqlite3.connect(db, isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")  # the saves wait on this lock: the workers stay up
    proc = subprocess.Popen(
        ficshelf_argv("index", str(tmp_path / "many"), "--db", str(db), "--workers", "2"),
        cwd=tmp_path,
        env=clean_env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    workers: set[int] = set()
    try:
        deadline = time.monotonic() + 15
        while len(workers) < 2 and time.monotonic() < deadline and proc.poll() is None:
            workers = _descendants(proc.pid)
            time.sleep(0.05)
        assert len(workers) >= 2, "the pool never started"
        proc.send_signal(sig)
        proc.wait(timeout=10)
        deadline = time.monotonic() + 5
        while any(_alive(w) for w in workers) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert [w for w in workers if _alive(w)] == []
    finally:
        blocker.rollback()
        blocker.close()
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        for w in workers:
            if _alive(w):
                os.kill(w, signal.SIGKILL)


def test_train_vectors_from_a_bad_file_is_one_clear_line_and_keeps_the_shipped_vectors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    shipped = TRAINING_DIR / "glove-6b-50d.npz"
    before = shipped.stat()
    monkeypatch.setattr("bot.paths.TRAINING_DIR", tmp_path)  # where the file would go
    assert main(["train", "--vectors-from", str(tmp_path / "missing.txt")]) == 2
    assert "missing.txt" in one_error_line(capsys.readouterr().err)
    bad = tmp_path / "glove.txt"
    bad.write_text("the 0.1 0.2\nblood 1.5 oops\n", encoding="utf-8")
    assert main(["train", "--vectors-from", str(bad)]) == 2
    assert "line 2: not a vector" in one_error_line(capsys.readouterr().err)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["glove.txt"]  # nothing half-written
    good = tmp_path / "good.txt"
    good.write_text("the 0.1 0.2\nblood 1.5 -2\n", encoding="utf-8")
    assert main(["train", "--vectors-from", str(good)]) == 0
    assert "2 word vectors" in capsys.readouterr().out
    assert (tmp_path / "glove-6b-50d.npz").exists()
    assert (shipped.stat().st_size, shipped.stat().st_mtime_ns) == (
        before.st_size,
        before.st_mtime_ns,
    )
