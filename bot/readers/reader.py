"""Read a story file of any supported format, detected by content, into a :class:`Story`.

Formats: an EPUB (zip with the ``application/epub+zip`` mimetype), AO3's HTML download,
an AO3 work page copied as text, or plain text. Every failure is a
:class:`StoryReadError` whose message says, in plain words, what is wrong.
"""

from __future__ import annotations

import re
import zipfile
from io import BytesIO
from pathlib import Path

from bot.readers.ao3_epub import EPUB_MIMETYPE, read_ao3_epub
from bot.readers.ao3_html import read_ao3_html
from bot.readers.ao3_live import looks_like_live_page, read_ao3_live
from bot.readers.ao3_page import looks_like_ao3_page, read_ao3_page
from bot.readers.errors import StoryReadError
from bot.readers.model import FORMATS, Story
from bot.readers.names import title_from_filename
from bot.readers.plain import read_plain

__all__ = ["DEFAULT_MAX_BYTES", "FORMATS", "detect_format", "read_bytes", "read_path"]

DEFAULT_MAX_BYTES = 10 * 1024 * 1024
ENCODINGS = ("utf-8", "utf-8-sig", "cp1252")

_ZIP_MAGIC = b"PK\x03\x04"
_HTML_START = re.compile(
    rb"^\s*(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html|head|body)", re.I | re.S
)
_AO3_HTML_MARKERS = (b'id="preface"', b"id='preface'", b'id="chapters"', b"Archive of Our Own")
_BINARY_SIGNATURES = {
    b"%PDF": "a PDF document",
    b"\xd0\xcf\x11\xe0": "an old Word (.doc) document",
    b"{\\rtf": "an RTF document",
    b"\x89PNG": "a PNG image",
    b"\xff\xd8\xff": "a JPEG image",
    b"GIF8": "a GIF image",
    b"\x1f\x8b": "a gzip archive",
    b"Rar!": "a RAR archive",
    b"7z\xbc\xaf": "a 7-Zip archive",
}
_HINT = (
    "Ficshelf reads plain text (.txt), AO3 HTML and EPUB downloads, "
    "and AO3 work pages copied as text"
)


def read_path(path: Path, *, max_bytes: int = DEFAULT_MAX_BYTES) -> Story:
    """Read the story file at ``path``. Raises StoryReadError with a readable reason."""
    path = Path(path)
    try:
        size = path.stat().st_size
        if path.is_dir():
            raise StoryReadError(f"{path.name} is a folder, not a story file")
        _check_size(size, max_bytes, path.name)
        with path.open("rb") as handle:
            data = handle.read(max_bytes + 1)
    except FileNotFoundError:
        raise StoryReadError(f"file not found: {path}") from None
    except PermissionError:
        raise StoryReadError(f"permission denied: {path} cannot be read") from None
    except IsADirectoryError:
        raise StoryReadError(f"{path.name} is a folder, not a story file") from None
    except OSError as exc:
        raise StoryReadError(f"could not read {path}: {exc.strerror or exc}") from None
    return read_bytes(data, path.name, max_bytes=max_bytes)


def read_bytes(data: bytes, name: str, *, max_bytes: int = DEFAULT_MAX_BYTES) -> Story:
    """Read a story from the bytes of a file called ``name`` (the name gives the fallback
    title and a hint; the format is detected from the content)."""
    _check_size(len(data), max_bytes, name)
    if not data.strip():
        raise StoryReadError(f"{name} is empty")
    fallback = title_from_filename(name)
    fmt, text = _detect(data, name)
    try:
        story = _parse(fmt, data, text, fallback)
    except StoryReadError as exc:
        raise StoryReadError(f"{name}: {exc}") from exc
    except Exception as exc:  # a reader bug or input it chokes on must not stop indexing
        raise StoryReadError(
            f"{name} could not be read as {fmt} ({type(exc).__name__}: {exc})"
        ) from exc
    if not any(chapter.paragraphs for chapter in story.chapters):
        raise StoryReadError(f"{name} has no paragraphs of story text")
    return story


def _parse(fmt: str, data: bytes, text: str | None, fallback: str) -> Story:
    if fmt == "ao3-epub" or text is None:
        return read_ao3_epub(data, fallback)
    if fmt == "ao3-html":
        return read_ao3_html(text, fallback)
    if fmt == "ao3-live":
        return read_ao3_live(text, fallback)
    if fmt == "ao3-page":
        return read_ao3_page(text, fallback)
    return read_plain(text, fallback)


def detect_format(data: bytes, name: str) -> str:
    """One of :data:`FORMATS`, from the content (the name only breaks ties).

    Raises StoryReadError for content no reader takes (binary files, non-EPUB zips,
    HTML that is not an AO3 download, an .epub that is not a zip).
    """
    return _detect(data, name)[0]


def _detect(data: bytes, name: str) -> tuple[str, str | None]:
    """The format and, for text formats, the decoded text."""
    lower = name.lower()
    if data.startswith(_ZIP_MAGIC):
        if _is_epub(data) or lower.endswith(".epub"):
            return "ao3-epub", None
        raise StoryReadError(
            f"{name} is a zip archive but not an EPUB (Word .docx files are zips too); {_HINT}"
        )
    if lower.endswith(".epub"):
        raise StoryReadError(f"{name} is not a valid EPUB: it is not a zip archive")
    for signature, what in _BINARY_SIGNATURES.items():
        if data.startswith(signature):
            raise StoryReadError(f"{name} is {what}, not a story text; {_HINT}")
    head = data[:65536]
    if _looks_binary(head):
        raise StoryReadError(f"{name} is a binary file, not text; {_HINT}")
    text = decode_text(data, name)
    if _HTML_START.match(head) or lower.endswith((".html", ".htm", ".xhtml")):
        if looks_like_live_page(data):
            return "ao3-live", text
        if any(marker in data for marker in _AO3_HTML_MARKERS):
            return "ao3-html", text
        raise StoryReadError(
            f"{name} is an HTML file but not an AO3 work download; use AO3's "
            "Download → HTML, or save the story as plain text"
        )
    if looks_like_ao3_page(text):
        return "ao3-page", text
    return "plain", text


def decode_text(data: bytes, name: str) -> str:
    """Decode as UTF-8 (with or without BOM), UTF-16 with a BOM, or Windows-1252."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            pass
    for encoding in ENCODINGS:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        return text.removeprefix("\ufeff")
    raise StoryReadError(
        f"{name} could not be decoded as text (tried UTF-8 and Windows-1252); "
        "save it as UTF-8 and try again"
    )


def _check_size(size: int, max_bytes: int, name: str) -> None:
    if size <= max_bytes:
        return
    size_mb, limit_mb = _megabytes(size), _megabytes(max_bytes)
    if size_mb == limit_mb:
        size_mb = f"{size / (1024 * 1024):.3f}"
    raise StoryReadError(f"{name} is too large: {size_mb} MB, over the {limit_mb} MB limit")


def _megabytes(size: int) -> str:
    value = size / (1024 * 1024)
    return f"{value:.1f}".removesuffix(".0") if value >= 0.1 else f"{value:.2g}"


def _is_epub(data: bytes) -> bool:
    try:
        with zipfile.ZipFile(BytesIO(data)) as archive:
            info = archive.getinfo("mimetype")
            if info.file_size > 100:
                return False
            return archive.read(info).strip() == EPUB_MIMETYPE.encode()
    except (KeyError, zipfile.BadZipFile, ValueError, RuntimeError, NotImplementedError, OSError):
        return False


def _looks_binary(head: bytes) -> bool:
    """NUL bytes (outside UTF-16 text) or many control characters mean binary."""
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return False
    if b"\x00" in head:
        return True
    controls = len(head.translate(None, _NOT_CONTROL))
    return controls > max(8, len(head) // 100)


# bytes that are not control characters (tab, line feed, form feed, CR and ESC are text)
_NOT_CONTROL = bytes(range(32, 256)) + b"\t\n\x0c\r\x1b"
