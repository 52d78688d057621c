"""The AO3 download markup (HTML and the EPUB's XHTML files) → a :class:`Story`.

Both downloads share one structure: ``#preface`` (``dl.tags`` metadata list, ``h1``
title, ``.byline``, "Summary"/"Notes" blockquotes, a ``p.message`` with the work URL),
``#chapters`` (per chapter: a block holding ``h2.heading`` and chapter notes, the body,
``#endnotesN``; a one-shot has only a hidden ``h2.toc-heading`` and the body) and
``#afterword`` (``#endnotes``). The EPUB splits this over several files, each re-opening
``#chapters``, and renames most classes; so this parser relies on ids, on the classes
that survive (``tags``, ``heading``, ``toc-heading``, ``byline``) and on structure, and it
takes the documents as a sequence read in order.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from selectolax.lexbor import LexborHTMLParser, LexborNode

from bot.readers.ao3_labels import TAG_FIELDS, label_field, parse_stats, series_name, split_tags
from bot.readers.html_text import block_paragraphs, element_children, inline_text
from bot.readers.languages import language_code
from bot.readers.model import Chapter, Paragraph, Story
from bot.readers.names import chapter_title
from bot.readers.scene_breaks import is_scene_break

_WORK_URL = re.compile(r"https?://(?:www\.)?archiveofourown\.org/works/\d+")


@dataclass
class _Tags:
    """What the ``dl.tags`` list declares."""

    values: dict[str, list[str]] = field(default_factory=dict)
    language: str | None = None
    words: int | None = None
    chapters: str | None = None


def is_ao3_markup(trees: Sequence[LexborHTMLParser]) -> bool:
    """True when the documents carry the AO3 download structure."""
    return any(
        tree.css_first("#chapters") is not None or tree.css_first("dl.tags") is not None
        for tree in trees
    )


def parse_ao3_markup(trees: Sequence[LexborHTMLParser], *, fmt: str, fallback_title: str) -> Story:
    """Read metadata, summary, notes and chapters from AO3 download documents, in order."""
    tags = _read_tags(trees)
    title = _read_title(trees) or fallback_title
    story = Story(title=title, format=fmt, chapters=[])
    story.authors = _read_authors(trees)
    story.url = _read_url(trees)
    story.language = tags.language
    story.declared_words = tags.words
    story.chapters_posted_of_total = tags.chapters
    ratings = tags.values.get("rating", [])
    story.rating_label = ratings[0] if ratings else None
    story.archive_warning_labels = tags.values.get("archive_warnings", [])
    story.categories = tags.values.get("categories", [])
    story.fandoms = tags.values.get("fandoms", [])
    story.relationships = tags.values.get("relationships", [])
    story.characters = tags.values.get("characters", [])
    story.additional_tags = tags.values.get("additional_tags", [])
    story.series = tags.values.get("series", [])
    for name, values in tags.values.items():
        if values:
            story.declared_at[name] = 0
    if tags.language:
        story.declared_at["language"] = 0

    notes: list[str] = []
    summary: list[str] = []
    for tree in trees:
        for quote in tree.css("#preface blockquote"):
            label = _label_before(quote).casefold()
            (summary if label == "summary" else notes).extend(block_paragraphs(quote))
    _read_chapters(trees, story, notes)
    for tree in trees:
        for quote in tree.css("#afterword #endnotes blockquote"):
            notes.extend(block_paragraphs(quote))
    return with_preface(story, summary, notes)


def with_preface(story: Story, summary: list[str], notes: list[str]) -> Story:
    """`story` with its summary and notes as numbered paragraphs (declared in the preface)."""
    story.summary = [Paragraph(text, i) for i, text in enumerate(summary, start=1)]
    story.notes = [Paragraph(text, i) for i, text in enumerate(notes, start=1)]
    if story.summary:
        story.declared_at["summary"] = 0
    if story.notes:
        story.declared_at["notes"] = 0
    return story


def _read_tags(trees: Sequence[LexborHTMLParser]) -> _Tags:
    tags = _Tags()
    dl = next((n for t in trees if (n := t.css_first("dl.tags")) is not None), None)
    if dl is None:
        return tags
    current: str | None = None
    for child in element_children(dl):
        if child.tag == "dt":
            current = label_field(inline_text(child))
            continue
        if child.tag != "dd" or current is None:
            continue
        text = inline_text(child)
        if current == "stats":
            tags.words, tags.chapters = parse_stats(child.text(deep=True, separator=" "))
        elif current == "language":
            tags.language = language_code(text)
        elif current == "series":
            links = [inline_text(a) for a in child.css("a") if "/series/" in _href(a)]
            tags.values["series"] = links or ([series_name(text)] if text else [])
        elif current in TAG_FIELDS or current == "rating":
            links = [t for a in child.css("a") if (t := inline_text(a))]
            tags.values[current] = links or split_tags(text)
    return tags


def _read_title(trees: Sequence[LexborHTMLParser]) -> str | None:
    for selector in ("#preface h1", "h1", "#preface p.message b"):
        for tree in trees:
            node = tree.css_first(selector)
            if node is not None and (text := inline_text(node)):
                return text
    return None


def _read_authors(trees: Sequence[LexborHTMLParser]) -> list[str]:
    for tree in trees:
        byline = tree.css_first(".byline")
        if byline is None:
            continue
        names = [t for a in byline.css("a[rel=author]") if (t := inline_text(a))]
        if not names:
            text = re.sub(r"^by\s+", "", inline_text(byline), flags=re.I)
            names = split_tags(text)
        return list(dict.fromkeys(names))
    return []


def _read_url(trees: Sequence[LexborHTMLParser]) -> str | None:
    for tree in trees:
        for link in tree.css("#preface p.message a"):
            match = _WORK_URL.match(_href(link))
            if match:
                return match.group(0)
    return None


def _read_chapters(trees: Sequence[LexborHTMLParser], story: Story, notes: list[str]) -> None:
    """Fill ``story.chapters``; chapter notes and end notes go to ``notes``."""
    current: Chapter | None = None
    seen = 0  # visible paragraphs in the current chapter, scene breaks included
    for tree in trees:
        for container in tree.css("#chapters"):
            for child in element_children(container):
                ident = child.attributes.get("id") or ""
                if ident.startswith("endnotes"):
                    for quote in child.css("blockquote"):
                        notes.extend(block_paragraphs(quote))
                    continue
                heading = child if _is_heading(child) else child.css_first("h2.heading")
                if heading is not None:
                    current = Chapter(len(story.chapters) + 1, chapter_title(inline_text(heading)))
                    story.chapters.append(current)
                    seen = 0
                    for quote in child.css("blockquote"):
                        notes.extend(block_paragraphs(quote))
                    continue
                if "toc-heading" in _classes(child):
                    continue
                texts = block_paragraphs(child)
                if not texts:
                    continue
                if current is None:
                    current = Chapter(1, story.title)
                    story.chapters.append(current)
                for text in texts:
                    seen += 1
                    if is_scene_break(text):
                        current.breaks.append(seen)
                    else:
                        current.paragraphs.append(Paragraph(text, seen))


def _is_heading(node: LexborNode) -> bool:
    return node.tag == "h2" and "heading" in _classes(node)


def _classes(node: LexborNode) -> list[str]:
    return (node.attributes.get("class") or "").split()


def _href(node: LexborNode) -> str:
    return node.attributes.get("href") or ""


def _label_before(node: LexborNode) -> str:
    """The text of the element just before ``node`` ("Summary", "Notes", …)."""
    prev = node.prev
    while prev is not None and not prev.is_element_node:
        prev = prev.prev
    return inline_text(prev) if prev is not None else ""
