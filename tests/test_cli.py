"""`ficshelf index`, `analyze`, `run`, `backup`: output and exit status as a person sees them."""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from bot.cli import main
from bot.paths import STORIES_DIR
from tests.conftest import AO3_FIXTURES

SEEDS = sorted(p.name for p in STORIES_DIR.iterdir() if p.is_file())


@pytest.fixture
def library(tmp_path: Path) -> Path:
    """A private copy of the bundled stories, free to edit."""
    folder = tmp_path / "stories"
    shutil.copytree(STORIES_DIR, folder)
    return folder


@pytest.fixture(autouse=True)
def _no_dotenv(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Run in an empty folder, so no developer's .env or token leaks in."""
    monkeypatch.chdir(tmp_path)
    for name in ("DISCORD_TOKEN", "FICSHELF_DB", "FICSHELF_LIBRARY", "FICSHELF_DEV_GUILD"):
        monkeypatch.delenv(name, raising=False)


def run_json(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, Any]:
    status = main(list(argv))
    return status, json.loads(capsys.readouterr().out)


def test_index_adds_the_five_seeds_then_skips_them_unchanged(
    tmp_path: Path, library: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = str(tmp_path / "f.db")
    status, first = run_json(capsys, "index", str(library), "--db", db, "--json")
    assert status == 0
    assert (first["added"], first["unchanged"], first["failed"]) == (5, 0, [])
    assert first["stories"] == 5
    assert first["passages"] > 50

    status, again = run_json(capsys, "index", str(library), "--db", db, "--json")
    assert status == 0
    assert (again["added"], again["updated"], again["unchanged"]) == (0, 0, 5)
    assert again["passages"] == first["passages"]


def test_index_replaces_a_changed_file_and_drops_a_deleted_one(
    tmp_path: Path, library: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = str(tmp_path / "f.db")
    run_json(capsys, "index", str(library), "--db", db, "--json")
    swan = library / "swan-dive.txt"
    swan.write_text(swan.read_text(encoding="utf-8") + "\n\nA new last line.\n", encoding="utf-8")
    (library / "quirkless-soul-marks.txt").unlink()

    status, summary = run_json(capsys, "index", str(library), "--db", db, "--json")
    assert status == 0
    assert (summary["updated"], summary["removed"], summary["unchanged"]) == (1, 1, 3)
    assert summary["stories"] == 4
    with sqlite3.connect(db) as conn:
        titles = {t for (t,) in conn.execute("SELECT title FROM stories")}
    assert "Quirkless Soul Marks" not in titles
    assert "Swan Dive" in titles


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("empty.txt", b"", "empty"),
        ("binary.txt", bytes(range(256)) * 40, "binary"),
        ("latin.html", b"<html><body><p>no work here</p></body></html>", "ao3"),
    ],
)
def test_one_bad_file_is_reported_and_the_others_still_index(
    tmp_path: Path,
    library: Path,
    capsys: pytest.CaptureFixture[str],
    name: str,
    content: bytes,
    reason: str,
) -> None:
    (library / name).write_bytes(content)
    status, summary = run_json(
        capsys, "index", str(library), "--db", str(tmp_path / "f.db"), "--json"
    )
    assert status == 1
    assert summary["added"] == 5
    [failure] = summary["failed"]
    assert failure["file"].endswith(name)
    assert reason in failure["error"].lower()


def test_index_without_json_prints_a_summary_line(
    tmp_path: Path, library: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["index", str(library), "--db", str(tmp_path / "f.db")]) == 0
    out = capsys.readouterr().out
    assert "5 added" in out
    assert "library: 5 stories" in out


def test_analyze_a_seed_gives_the_documented_fields(capsys: pytest.CaptureFixture[str]) -> None:
    path = STORIES_DIR / "the-day-you-left-me.ao3.txt"
    status, report = run_json(capsys, "analyze", str(path), "--json")
    assert status == 0
    for key in (
        "file", "format", "title", "authors", "fandoms", "relationships", "characters",
        "tags", "summary", "language", "rating", "rating_source", "archive_warnings",
        "chapters", "words", "warnings", "tropes",
    ):  # fmt: skip
        assert key in report, key
    assert report["format"] == "ao3-page"
    assert report["title"] == "The Day You Left Me"
    declared = {w["slug"] for w in report["warnings"] if w["source"] == "declared"}
    assert {"suicide", "self-harm"} <= declared
    for warning in report["warnings"]:
        assert 1 <= len(warning["evidence"]) <= 3
        assert all(e["line"] >= 1 and e["quote"] for e in warning["evidence"])


def test_analyze_several_files_gives_a_list_and_a_bad_one_an_error_object(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "nothing.epub"
    bad.write_bytes(b"PK\x03\x04 not really a zip")
    missing = tmp_path / "missing.txt"
    good = STORIES_DIR / "swan-dive.txt"
    status, reports = run_json(capsys, "analyze", str(good), str(bad), str(missing), "--json")
    assert status == 1
    assert [r["file"] for r in reports] == [str(good), str(bad), str(missing)]
    assert reports[0]["title"] == "Swan Dive"
    assert set(reports[1]) == {"file", "error"}
    assert set(reports[2]) == {"file", "error"}
    assert "not found" in reports[2]["error"]


AO3_NAMES = sorted(p.name for p in AO3_FIXTURES.glob("*.*") if p.suffix in {".html", ".epub"})


@pytest.mark.skipif(not AO3_NAMES, reason="../shared/fixtures/ao3 is not beside this checkout")
@pytest.mark.parametrize("name", AO3_NAMES or ["-"])
def test_analyze_real_ao3_downloads_matches_expected_metadata(
    name: str, capsys: pytest.CaptureFixture[str]
) -> None:
    expected = json.loads((AO3_FIXTURES / "expected.json").read_text(encoding="utf-8"))[name]
    status, report = run_json(capsys, "analyze", str(AO3_FIXTURES / name), "--json")
    assert status == 0
    assert report["format"] == ("ao3-epub" if name.endswith(".epub") else "ao3-html")
    for key in ("title", "authors", "rating", "fandoms", "relationships", "characters"):
        assert report[key] == expected[key], key
    assert report["rating_source"] == "declared"
    assert report["archive_warnings"] == expected["archive_warnings"]
    assert report["tags"] == expected["additional_tags"]
    assert len(report["chapters"]) == expected["chapters"]
    assert report["words"] == expected["words"]
    assert report["language"] == expected["language"]


def test_run_without_a_token_names_where_to_put_it(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    assert "DISCORD_TOKEN" in err
    assert ".env" in err


def test_backup_is_a_readable_copy_and_refuses_to_overwrite(
    tmp_path: Path, library: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = str(tmp_path / "f.db")
    run_json(capsys, "index", str(library), "--db", db, "--json")
    dest = tmp_path / "copy.db"
    assert main(["backup", str(dest), "--db", db]) == 0
    with sqlite3.connect(dest) as conn:
        assert conn.execute("SELECT count(*) FROM stories").fetchone() == (5,)
    capsys.readouterr()
    assert main(["backup", str(dest), "--db", db]) == 1
    assert "--force" in capsys.readouterr().err


def test_a_malformed_setting_is_one_clear_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("FICSHELF_DEV_GUILD", "not-a-number")
    assert main(["run"]) == 2
    err = capsys.readouterr().err
    assert "FICSHELF_DEV_GUILD" in err
    assert "Traceback" not in err


def test_seeds_are_the_five_bundled_stories() -> None:
    assert len(SEEDS) == 5
