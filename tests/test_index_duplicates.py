"""`ficshelf index`: two downloads of one AO3 work, or two copies of one file, are one story."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from bot.cli import main
from tests.conftest import AO3_FIXTURES


@pytest.fixture(autouse=True)
def _no_dotenv(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    for name in ("DISCORD_TOKEN", "FICSHELF_DB", "FICSHELF_LIBRARY", "FICSHELF_DEV_GUILD"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def one_work(tmp_path: Path) -> Path:
    """218676 as HTML, as EPUB and as a renamed byte-identical copy of the HTML."""
    if not (AO3_FIXTURES / "218676.html").is_file():
        pytest.skip(f"real AO3 fixtures not available: {AO3_FIXTURES}")
    folder = tmp_path / "works"
    folder.mkdir()
    shutil.copy(AO3_FIXTURES / "218676.html", folder / "a-fire.html")
    shutil.copy(AO3_FIXTURES / "218676.epub", folder / "b-fire.epub")
    shutil.copy(AO3_FIXTURES / "218676.html", folder / "c-copy.html")
    return folder


def _index(capsys: pytest.CaptureFixture[str], folder: Path, db: Path) -> dict:
    assert main(["index", str(folder), "--db", str(db), "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_copies_of_one_work_are_indexed_once_and_reported(
    tmp_path: Path, one_work: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "f.db"
    first = _index(capsys, one_work, db)
    assert (first["added"], first["stories"], first["failed"]) == (1, 1, [])
    first_file = str(one_work / "a-fire.html")
    assert sorted(first["duplicates"], key=lambda d: d["file"]) == [
        {"file": str(one_work / "b-fire.epub"), "of": first_file, "title": "Fire and Feather"},
        {"file": str(one_work / "c-copy.html"), "of": first_file, "title": "Fire and Feather"},
    ]
    again = _index(capsys, one_work, db)
    assert (again["added"], again["unchanged"], again["stories"]) == (0, 1, 1)
    assert sorted(d["file"] for d in again["duplicates"]) == [
        str(one_work / "b-fire.epub"),
        str(one_work / "c-copy.html"),
    ]


def test_the_summary_names_the_duplicate(
    tmp_path: Path, one_work: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["index", str(one_work), "--db", str(tmp_path / "f.db")]) == 0
    out = " ".join(capsys.readouterr().out.split())  # rich wraps long lines
    assert (
        f"duplicate {one_work / 'b-fire.epub'}: already in the library as “Fire and Feather”" in out
    )
    assert "1 added" in out
