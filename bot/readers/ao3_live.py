"""Reader for AO3's live work page (``/works/ID?view_full_work=true``) → a :class:`Story`.

The live page is not the download: its metadata is a ``dl.work.meta.group`` whose ``dd``s
are classed (``rating``, ``warning``, ``category``, ``fandom``, ``relationship``,
``character``, ``freeform``, ``language``, ``series``, ``stats``), the title, byline,
summary and notes sit in ``#workskin > .preface``, and ``#chapters`` holds either one
``.userstuff`` (a one-shot) or one ``div.chapter`` per chapter, each with its own
``.chapter.preface`` (title, notes) and ``.userstuff`` body. The facts come out the same as
from the HTML and EPUB downloads of the same work.
"""

from __future__ import annotations

import re

from selectolax.lexbor import LexborHTMLParser, LexborNode

from bot.readers.ao3_labels import parse_stats, series_name
from bot.readers.ao3_markup import with_preface
from bot.readers.errors import StoryReadError
from bot.readers.html_text import block_paragraphs, inline_text
from bot.readers.languages import language_code
from bot.readers.model import Chapter, Paragraph, Story
from bot.readers.names import chapter_title
from bot.readers.scene_breaks import is_scene_break

FORMAT = "ao3-live"
MARKER = b'class="work meta group"'
CANONICAL = "https://archiveofourown.org/works/{}"

# dd class → Story field (tag lists)
_TAG_CLASSES = {
    "warning": "archive_warning_labels",
    "category": "categories",
    "fandom": "fandoms",
    "relationship": "relationships",
    "character": "characters",
    "freeform": "additional_tags",
}
_WORK_ID = (
    re.compile(r'value="(\d+)"[^>]*name="kudo\[commentable_id\]"'),
    re.compile(r'href="/works/(\d+)/(?:share|bookmarks|comments)'),
    re.compile(r"work_id=(\d+)"),
)


def looks_like_live_page(data: bytes) -> bool:
    """True for an AO3 work page as the site serves it (not a download)."""
    return MARKER in data[:200_000]


def work_id(html: str) -> int | None:
    """The work's id, read from the page's own links and forms."""
    for pattern in _WORK_ID:
        for match in pattern.finditer(html):
            return int(match.group(1))
    return None


def read_ao3_live(text: str, fallback_title: str) -> Story:
    """Parse a live work page. Raises StoryReadError when it is not one."""
    tree = LexborHTMLParser(text)
    meta = tree.css_first("dl.work.meta.group")
    if meta is None:
        raise StoryReadError("this is not an AO3 work page (no work metadata found)")
    preface = tree.css_first("#workskin .preface") or tree.css_first(".preface")
    title_node = preface.css_first("h2.title") if preface is not None else None
    story = Story(
        title=(inline_text(title_node) if title_node is not None else "") or fallback_title,
        format=FORMAT,
        chapters=[],
    )
    _read_meta(meta, story)
    ident = work_id(text)
    story.url = CANONICAL.format(ident) if ident else None
    notes: list[str] = []
    summary: list[str] = []
    if preface is not None:
        story.authors = _authors(preface)
        for quote in preface.css(".summary blockquote"):
            summary.extend(block_paragraphs(quote))
        for quote in preface.css(".notes blockquote"):
            notes.extend(block_paragraphs(quote))
    _read_chapters(tree, story, notes)
    for quote in tree.css("#work_endnotes blockquote, .afterword .end.notes blockquote"):
        notes.extend(block_paragraphs(quote))
    return with_preface(story, summary, notes)


def _read_meta(meta: LexborNode, story: Story) -> None:
    for dd in meta.css("dd"):
        classes = set((dd.attributes.get("class") or "").split())
        tags = [t for a in dd.css("a.tag") if (t := inline_text(a))]
        if "rating" in classes:
            story.rating_label = tags[0] if tags else inline_text(dd) or None
            story.declared_at["rating"] = 0
        elif "language" in classes:
            story.language = language_code(inline_text(dd))
            story.declared_at["language"] = 0
        elif "series" in classes:
            story.series = [series_name(inline_text(p)) for p in dd.css("span.position")]
            if story.series:
                story.declared_at["series"] = 0
        elif "stats" in classes:
            story.declared_words, story.chapters_posted_of_total = parse_stats(
                dd.text(deep=True, separator=" ")
            )
        else:
            for cls, name in _TAG_CLASSES.items():
                if cls in classes and tags:
                    setattr(story, name, tags)
                    story.declared_at[_declared_name(name)] = 0


def _declared_name(field: str) -> str:
    return "archive_warnings" if field == "archive_warning_labels" else field


def _authors(preface: LexborNode) -> list[str]:
    byline = preface.css_first(".byline")
    if byline is None:
        return []
    names = [t for a in byline.css("a[rel=author]") if (t := inline_text(a))]
    if not names and (text := inline_text(byline)):
        names = [text]  # "Anonymous"
    return list(dict.fromkeys(names))


def _read_chapters(tree: LexborHTMLParser, story: Story, notes: list[str]) -> None:
    chapters = tree.css_first("#chapters")
    if chapters is None:
        return
    divs = [
        d
        for d in chapters.css("div.chapter")
        if (d.attributes.get("id") or "").startswith("chapter-")
    ]
    if not divs:  # a one-shot: the body is #chapters' own .userstuff
        body = chapters.css_first(".userstuff")
        if body is not None:
            story.chapters.append(_chapter(1, story.title, body))
        return
    for div in divs:
        heading = div.css_first("h3.title")
        title = chapter_title(inline_text(heading)) if heading is not None else ""
        body = div.css_first("div.userstuff")
        chapter = _chapter(len(story.chapters) + 1, title, body)
        story.chapters.append(chapter)
        for quote in div.css(".chapter.preface blockquote, .end.notes blockquote"):
            holder = quote.parent
            if holder is not None and "summary" in (holder.attributes.get("class") or ""):
                continue
            notes.extend(block_paragraphs(quote))


def _chapter(number: int, title: str, body: LexborNode | None) -> Chapter:
    chapter = Chapter(number, title)
    if body is None:
        return chapter
    for seen, text in enumerate(block_paragraphs(body), start=1):
        if is_scene_break(text):
            chapter.breaks.append(seen)
        else:
            chapter.paragraphs.append(Paragraph(text, seen))
    return chapter
