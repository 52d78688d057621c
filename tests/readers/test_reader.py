"""Format detection, decoding, and a readable StoryReadError for every bad input."""

from __future__ import annotations

import io
import os
import zipfile
from pathlib import Path

import pytest

from bot.readers import FORMATS, StoryReadError, read_bytes, read_path
from bot.readers.reader import detect_format
from tests.readers.helpers import FIXTURES, STORIES


@pytest.mark.parametrize(
    ("path", "fmt"),
    [
        (STORIES / "quirkless-soul-marks.txt", "plain"),
        (STORIES / "swan-dive.txt", "plain"),
        (STORIES / "save-yourself-win-with-me.ao3.txt", "ao3-page"),
        (STORIES / "the-day-you-left-me.ao3.txt", "ao3-page"),
        (FIXTURES / "tiny-ao3.html", "ao3-html"),
        (FIXTURES / "page-with-chrome.ao3.txt", "ao3-page"),
    ],
)
def test_detection_by_content(path: Path, fmt: str) -> None:
    data = path.read_bytes()
    assert detect_format(data, path.name) == fmt
    assert detect_format(data, "renamed.dat") == fmt  # the name is not what decides
    assert fmt in FORMATS


def test_every_seed_reads() -> None:
    for path in sorted(STORIES.iterdir()):
        story = read_path(path)
        assert story.chapters, path.name
        assert story.words > 0, path.name


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1252", "utf-16"])
def test_decodings(encoding: str) -> None:
    text = "Café Days\n\nShe ordered a café crème — “the usual”.\n"
    story = read_bytes(text.encode(encoding), "cafe-days.txt")
    assert story.title == "Café Days"
    assert story.chapters[0].paragraphs[0].text == "She ordered a café crème — “the usual”."


def test_crlf_line_numbers() -> None:
    story = read_bytes(b"Title\r\n\r\nOne.\r\nTwo.\r\n", "t.txt")
    assert [(p.line, p.text) for p in story.chapters[0].paragraphs] == [(3, "One."), (4, "Two.")]


def _zip(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (b"", "empty.txt", "is empty"),
        (b"  \n\n \t\n", "blank.txt", "is empty"),
        (b"Title\x00\x00\x00binary\x00stuff", "story.txt", "binary file"),
        (bytes(range(256)) * 4, "noise.bin", "binary file"),
        (b"%PDF-1.7\n...", "story.pdf", "PDF"),
        (b"\x89PNG\r\n\x1a\n....", "cover.png", "PNG image"),
        (b"caf\xe9 \x81\x8d\x8f\x90\x9d", "weird.txt", "could not be decoded"),
        (b"<!DOCTYPE html><html><body><p>Hi</p></body></html>", "page.html", "not an AO3"),
        (b"<html><head><title>x</title></head><body>text</body></html>", "p.txt", "not an AO3"),
        (b"this is plain text, not a zip", "book.epub", "not a valid EPUB"),
        (b"PK\x03\x04garbage", "book.epub", "not a valid EPUB"),
        (_zip({"word/document.xml": b"<w/>"}), "story.docx", "zip archive but not an EPUB"),
        (_zip({"mimetype": b"application/epub+zip"}), "book.epub", "no text documents"),
        (b"~*~\n\n* * *\n\n---\n", "breaks.txt", "no paragraphs of story text"),
        (b"Work Header\n\nRating:\nFandom:\nStats:\n\nTitle Only\n", "x.txt", "no paragraphs"),
    ],
)
def test_bad_inputs(data: bytes, name: str, message: str) -> None:
    with pytest.raises(StoryReadError, match=message) as info:
        read_bytes(data, name)
    assert name in str(info.value) or "EPUB" in str(info.value)


def test_size_limit_message_names_size_and_limit() -> None:
    data = b"word " * (3 * 1024 * 1024 // 5)
    with pytest.raises(StoryReadError, match=r"3 MB, over the 2 MB limit"):
        read_bytes(data, "big.txt", max_bytes=2 * 1024 * 1024)


def test_size_limit_on_path_checked_before_reading(tmp_path: Path) -> None:
    path = tmp_path / "big.txt"
    path.write_bytes(b"x" * (11 * 1024 * 1024))
    with pytest.raises(StoryReadError, match=r"11 MB, over the 10 MB limit"):
        read_path(path)


def test_file_not_found(tmp_path: Path) -> None:
    with pytest.raises(StoryReadError, match="file not found"):
        read_path(tmp_path / "missing.txt")


def test_directory(tmp_path: Path) -> None:
    with pytest.raises(StoryReadError, match="is a folder"):
        read_path(tmp_path)


def test_permission_denied(tmp_path: Path) -> None:
    path = tmp_path / "secret.txt"
    path.write_text("Title\n\nText.\n", encoding="utf-8")
    path.chmod(0)
    try:
        if os.access(path, os.R_OK):
            pytest.skip("running as a user (root) who can read a chmod 000 file")
        with pytest.raises(StoryReadError, match="permission denied"):
            read_path(path)
    finally:
        path.chmod(0o644)


def test_permission_denied_when_open_fails(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "locked.txt"
    path.write_text("Title\n\nText.\n", encoding="utf-8")

    def deny(*_args: object, **_kwargs: object) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(Path, "open", deny)
    with pytest.raises(StoryReadError, match="permission denied"):
        read_path(path)


def test_read_path_accepts_a_string_path() -> None:
    story = read_path(str(STORIES / "swan-dive.txt"))  # type: ignore[arg-type]
    assert story.title == "Swan Dive"
