"""EPUBs built in the test with zipfile, in the shape Calibre gives AO3's downloads."""

from __future__ import annotations

import io
import zipfile

import pytest

from bot.readers import StoryReadError, read_bytes
from bot.readers.ao3_epub import read_ao3_epub

_HEAD = (
    "<?xml version='1.0' encoding='utf-8'?>\n"
    '<html xmlns="http://www.w3.org/1999/xhtml" lang="en"><head><title>t</title></head>'
    '<body class="calibre">'
)
_TAIL = "</body></html>"
_OPF = """<?xml version='1.0' encoding='utf-8'?>
<package xmlns="http://www.idpf.org/2007/opf" version="2.0" unique-identifier="uuid_id">
  <metadata xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:opf="http://www.idpf.org/2007/opf">
    <dc:title>{title}</dc:title>
    <dc:language>{language}</dc:language>
    <dc:creator opf:role="aut">{creator}</dc:creator>
    <dc:description>&lt;p&gt;From the OPF.&lt;/p&gt;</dc:description>
    <dc:subject>Teen And Up Audiences</dc:subject>
  </metadata>
  <manifest>
{items}
    <item id="ncx" href="toc.ncx" media-type="application/x-dtbncx+xml"/>
  </manifest>
  <spine toc="ncx">
{refs}
  </spine>
</package>
"""


def build_epub(
    documents: list[str],
    *,
    title: str = "Built",
    language: str = "en",
    creator: str = "maker",
    opf_dir: str = "OEBPS",
    mimetype: bytes = b"application/epub+zip",
    spine_order: list[int] | None = None,
) -> bytes:
    """A minimal EPUB 2: mimetype, container.xml, OPF, one XHTML file per document."""
    order = spine_order if spine_order is not None else list(range(len(documents)))
    names = [f"text/part_{i:03d}.xhtml" for i in range(len(documents))]
    items = "\n".join(
        f'    <item id="p{i}" href="{n}" media-type="application/xhtml+xml"/>'
        for i, n in enumerate(names)
    )
    refs = "\n".join(f'    <itemref idref="p{i}"/>' for i in order)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("mimetype", mimetype, compress_type=zipfile.ZIP_STORED)
        archive.writestr(
            "META-INF/container.xml",
            '<?xml version="1.0"?><container version="1.0" '
            'xmlns="urn:oasis:names:tc:opendocument:xmlns:container"><rootfiles>'
            f'<rootfile full-path="{opf_dir}/content.opf" '
            'media-type="application/oebps-package+xml"/></rootfiles></container>',
        )
        archive.writestr(
            f"{opf_dir}/content.opf",
            _OPF.format(title=title, language=language, creator=creator, items=items, refs=refs),
        )
        for name, body in zip(names, documents, strict=True):
            archive.writestr(f"{opf_dir}/{name}", _HEAD + body + _TAIL)
    return buffer.getvalue()


# Calibre's split of an AO3 download: tags, then title/byline, then one file per chapter.
AO3_SPLIT = [
    (
        '<div id="preface" class="calibre1"><h2 class="toc-heading">Preface</h2>'
        '<p class="message"><b>Paper Cranes</b><br/>Posted originally on the '
        '<a href="https://archiveofourown.org/">Archive of Our Own</a> at '
        '<a href="https://archiveofourown.org/works/777">https://archiveofourown.org/works/777</a>.'
        '</p><div class="calibre1"><dl class="tags">'
        '<dt class="calibre3">Rating:</dt>'
        '<dd class="calibre4"><a href="x">General Audiences</a></dd>'
        '<dt class="calibre3">Archive Warning:</dt>'
        '<dd class="calibre4"><a href="x">No Archive Warnings Apply</a></dd>'
        '<dt class="calibre3">Fandom:</dt><dd class="calibre4"><a href="x">Haikyuu!!</a></dd>'
        '<dt class="calibre3">Character:</dt><dd class="calibre4"><a href="x">Hinata Shouyou</a>, '
        '<a href="x">Kageyama Tobio</a></dd>'
        '<dt class="calibre3">Language:</dt><dd class="calibre4">日本語</dd>'
        '<dt class="calibre3">Stats:</dt><dd class="calibre5">Published: 2020-01-01 '
        "Words: 40 Chapters: 2/2</dd></dl></div></div>"
    ),
    (
        '<div id="preface" class="calibre1"><div class="calibre1"><h1 class="calibre6">Paper Cranes'
        '</h1><div class="byline">by <a href="u" rel="author">folder</a></div>'
        '<p class="calibre7">Summary</p><blockquote class="userstuff"><p class="calibre7">'
        "A thousand cranes.</p></blockquote></div></div>"
        '<div class="userstuff1" id="chapters"><div class="calibre1">'
        '<div class="calibre8" id="calibre_pb_2"></div></div></div>'
    ),
    (
        '<div class="userstuff1" id="chapters"><div class="calibre1">'
        '<h2 class="heading">Chapter 1: Fold</h2><p class="calibre7">Chapter Notes</p>'
        '<blockquote class="userstuff"><p class="calibre7">A chapter note.</p></blockquote></div>'
        '<div class="userstuff2"><p class="calibre7">Hinata folded the first crane.</p>'
        '<p class="calibre7">It was crooked.</p></div></div>'
    ),
    # Calibre splits a long chapter: the rest re-opens #chapters without a heading
    (
        '<div class="userstuff1" id="chapters"><div class="userstuff2">'
        '<p class="calibre7">Kageyama fixed it without a word.</p></div>'
        '<div class="calibre1" id="endnotes1"><p class="calibre7">Chapter End Notes</p>'
        '<blockquote class="userstuff"><p class="calibre7">An end note.</p></blockquote>'
        "</div></div>"
    ),
    (
        '<div class="userstuff1" id="chapters"><div class="calibre1">'
        '<h2 class="heading">Wings</h2></div><div class="userstuff2">'
        '<p class="calibre7">By spring there were a thousand.</p></div></div>'
    ),
    (
        '<div id="afterword" class="calibre1"><h2 class="toc-heading">Afterword</h2>'
        '<div class="calibre1"><div id="endnotes" class="calibre1">'
        '<p class="calibre7">End Notes</p>'
        '<blockquote class="userstuff"><p class="calibre7">Thanks!</p></blockquote>'
        "</div></div></div>"
    ),
]


def test_ao3_split_epub() -> None:
    story = read_bytes(build_epub(AO3_SPLIT), "paper-cranes.epub")
    assert story.format == "ao3-epub"
    assert story.title == "Paper Cranes"
    assert story.authors == ["folder"]
    assert story.rating_label == "General Audiences"
    assert story.archive_warning_labels == ["No Archive Warnings Apply"]
    assert story.fandoms == ["Haikyuu!!"]
    assert story.characters == ["Hinata Shouyou", "Kageyama Tobio"]
    assert story.language == "ja"
    assert story.url == "https://archiveofourown.org/works/777"
    assert story.chapters_posted_of_total == "Chapters: 2/2"
    assert [(c.number, c.title) for c in story.chapters] == [(1, "Fold"), (2, "Wings")]
    assert [(p.line, p.text) for p in story.chapters[0].paragraphs] == [
        (1, "Hinata folded the first crane."),
        (2, "It was crooked."),
        (3, "Kageyama fixed it without a word."),
    ]
    assert [p.text for p in story.summary] == ["A thousand cranes."]
    assert [p.text for p in story.notes] == ["A chapter note.", "An end note.", "Thanks!"]


def test_spine_order_not_file_order() -> None:
    documents = [
        (
            '<div id="chapters"><div class="calibre1"><h2 class="heading">Second</h2></div>'
            "<div><p>Two.</p></div></div>"
        ),
        (
            '<div id="chapters"><div class="calibre1"><h2 class="heading">First</h2></div>'
            "<div><p>One.</p></div></div>"
        ),
    ]
    story = read_bytes(build_epub(documents, spine_order=[1, 0]), "x.epub")
    assert [c.title for c in story.chapters] == ["First", "Second"]


def test_generic_epub_uses_opf_metadata() -> None:
    documents = [
        "<h1>Part One</h1><p>The first part.</p><p>* * *</p><p>More.</p>",
        "<h2>Part Two</h2><p>The second part.</p>",
        "<p></p>",
    ]
    story = read_bytes(
        build_epub(documents, title="Plain Book", language="fr-FR", creator="Auteur"), "b.epub"
    )
    assert story.title == "Plain Book"
    assert story.authors == ["Auteur"]
    assert story.language == "fr"
    assert [(c.title, [p.text for p in c.paragraphs]) for c in story.chapters] == [
        ("Part One", ["The first part.", "More."]),
        ("Part Two", ["The second part."]),
    ]
    assert [p.text for p in story.summary] == ["From the OPF."]


def test_epub_detected_by_content_whatever_the_name() -> None:
    assert read_bytes(build_epub(AO3_SPLIT), "download.bin").format == "ao3-epub"


def test_epub_without_text_is_refused() -> None:
    with pytest.raises(StoryReadError, match="no paragraphs of story text"):
        read_bytes(build_epub(["<p>  </p>", "<div></div>"]), "empty.epub")


def test_epub_with_no_documents_is_refused() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("mimetype", "application/epub+zip")
        archive.writestr("image.png", b"\x89PNG")
    with pytest.raises(StoryReadError, match="no text documents"):
        read_bytes(buffer.getvalue(), "nothing.epub")


def test_not_a_zip_is_refused() -> None:
    with pytest.raises(StoryReadError, match="not a zip archive"):
        read_ao3_epub(b"PK\x03\x04 but broken", "F")
