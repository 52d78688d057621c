"""Reader for AO3's EPUB download (Calibre output split over several XHTML files).

It uses :mod:`zipfile` and the OPF spine rather than ``ebooklib``: the spine order is all
this reader needs, ``ebooklib`` parses every item with lxml up front, warns or fails on
EPUBs with a missing or odd table of contents, and gives no way to cap how much a
hostile archive unpacks. Here each entry's declared size is checked before it is read,
and the XHTML goes through the same selectolax code as the HTML download
(:mod:`bot.readers.ao3_markup`). An EPUB without AO3's markup is still read: one chapter
per spine document that holds text.
"""

from __future__ import annotations

import posixpath
import zipfile
from dataclasses import dataclass, field
from io import BytesIO
from urllib.parse import unquote

from selectolax.lexbor import LexborHTMLParser

from bot.readers.ao3_markup import is_ao3_markup, parse_ao3_markup
from bot.readers.errors import StoryReadError
from bot.readers.html_text import block_paragraphs, inline_text
from bot.readers.languages import language_code
from bot.readers.model import Chapter, Paragraph, Story
from bot.readers.scene_breaks import is_scene_break

FORMAT = "ao3-epub"
EPUB_MIMETYPE = "application/epub+zip"
MAX_ENTRY_BYTES = 32 * 1024 * 1024  # one unpacked XHTML file
MAX_TOTAL_BYTES = 128 * 1024 * 1024  # all unpacked files read
_XHTML_TYPES = ("application/xhtml+xml", "text/html", "application/x-dtbook+xml")


@dataclass
class _Package:
    """What the OPF says: metadata and the reading order of the content documents."""

    title: str | None = None
    creators: list[str] = field(default_factory=list)
    language: str | None = None
    description: str | None = None
    spine: list[str] = field(default_factory=list)


def read_ao3_epub(data: bytes, fallback_title: str) -> Story:
    """Parse an EPUB (AO3's or any other). Raises StoryReadError when it cannot."""
    try:
        archive = zipfile.ZipFile(BytesIO(data))
    except (zipfile.BadZipFile, ValueError) as exc:
        raise StoryReadError("this file is not a valid EPUB (it is not a zip archive)") from exc
    with archive:
        try:
            package = _read_package(archive)
            trees = _read_documents(archive, package.spine)
        except zipfile.BadZipFile as exc:
            raise StoryReadError(f"this EPUB is damaged: {exc}") from exc
    if not trees:
        raise StoryReadError("this EPUB has no text documents in it")
    title = package.title or fallback_title
    if is_ao3_markup(trees):
        story = parse_ao3_markup(trees, fmt=FORMAT, fallback_title=title)
    else:
        story = _generic_story(trees, title)
    if not story.authors:
        story.authors = package.creators
    if story.language is None:
        story.language = language_code(package.language)
    if not story.summary and package.description:
        description = LexborHTMLParser(package.description)
        root = description.body or description.root
        texts = block_paragraphs(root) if root is not None else []
        story.summary = [Paragraph(t, i) for i, t in enumerate(texts, start=1)]
    return story


def _read_package(archive: zipfile.ZipFile) -> _Package:
    names = set(archive.namelist())
    opf_path = None
    if "META-INF/container.xml" in names:
        container = LexborHTMLParser(_read_entry(archive, "META-INF/container.xml"))
        for node in container.css("rootfile"):
            path = node.attributes.get("full-path")
            if path and path in names:
                opf_path = path
                break
    if opf_path is None:
        opf_path = next((n for n in sorted(names) if n.lower().endswith(".opf")), None)
    package = _Package()
    if opf_path is not None:
        _parse_opf(_read_entry(archive, opf_path), posixpath.dirname(opf_path), package)
    package.spine = [p for p in package.spine if p in names]
    if not package.spine:
        package.spine = sorted(n for n in names if n.lower().endswith((".xhtml", ".html", ".htm")))
    return package


def _parse_opf(text: str, base: str, package: _Package) -> None:
    """Fill ``package`` from the OPF. Parsed as HTML by lexbor: no XML parser on input."""
    opf = LexborHTMLParser(text)
    manifest: dict[str, tuple[str, str]] = {}
    order: list[str] = []
    for node in opf.root.traverse() if opf.root is not None else ():
        tag = node.tag
        attrs = node.attributes
        if tag == "dc:title" and package.title is None:
            package.title = inline_text(node) or None
        elif tag == "dc:creator":
            role = attrs.get("opf:role")
            if (role in (None, "aut")) and (name := inline_text(node)):
                package.creators.append(name)
        elif tag == "dc:language" and package.language is None:
            package.language = inline_text(node) or None
        elif tag == "dc:description" and package.description is None:
            package.description = node.text(deep=True) or None
        elif tag == "item" and attrs.get("id") and attrs.get("href"):
            href = posixpath.normpath(posixpath.join(base, unquote(attrs["href"] or "")))
            manifest[attrs["id"] or ""] = (href, attrs.get("media-type") or "")
        elif tag == "itemref" and attrs.get("idref"):
            order.append(attrs["idref"] or "")
    for idref in order:
        href, media_type = manifest.get(idref, ("", ""))
        if href and (media_type in _XHTML_TYPES or href.lower().endswith((".xhtml", ".html"))):
            package.spine.append(href)


def _read_documents(archive: zipfile.ZipFile, spine: list[str]) -> list[LexborHTMLParser]:
    total = 0
    trees = []
    for name in spine:
        total += archive.getinfo(name).file_size
        if total > MAX_TOTAL_BYTES:
            raise StoryReadError(
                f"this EPUB unpacks to more than {MAX_TOTAL_BYTES // (1024 * 1024)} MB of text"
            )
        trees.append(LexborHTMLParser(_read_entry(archive, name)))
    return trees


def _read_entry(archive: zipfile.ZipFile, name: str) -> str:
    info = archive.getinfo(name)
    if info.file_size > MAX_ENTRY_BYTES:
        raise StoryReadError(f"the EPUB entry {name!r} is too large to read")
    try:
        raw = archive.read(info)
    except (zipfile.BadZipFile, RuntimeError, NotImplementedError, OSError) as exc:
        raise StoryReadError(f"this EPUB is damaged or encrypted: {exc}") from exc
    return raw.decode("utf-8", errors="replace")


def _generic_story(trees: list[LexborHTMLParser], title: str) -> Story:
    """One chapter per spine document with text; its first heading is its title."""
    story = Story(title=title, format=FORMAT, chapters=[])
    for tree in trees:
        body = tree.body
        if body is None:
            continue
        heading = body.css_first("h1, h2, h3")
        heading_text = inline_text(heading) if heading is not None else ""
        texts = block_paragraphs(body)
        if heading_text and texts and texts[0] == heading_text:
            texts = texts[1:]
        number = len(story.chapters) + 1
        paragraphs = [
            Paragraph(text, i) for i, text in enumerate(texts, start=1) if not is_scene_break(text)
        ]
        breaks = [i for i, text in enumerate(texts, start=1) if is_scene_break(text)]
        if paragraphs:
            title = heading_text or f"Chapter {number}"
            story.chapters.append(Chapter(number, title, paragraphs, breaks))
    return story
