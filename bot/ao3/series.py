"""A series page (``/series/ID``) → its title, creators and the works it lists."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from selectolax.lexbor import LexborHTMLParser

from bot.readers.html_text import inline_text

_WORK = re.compile(r"^/works/(\d+)$")


@dataclass(frozen=True, slots=True)
class SeriesWork:
    id: int
    title: str
    authors: list[str]
    rating_label: str | None
    words: str | None


@dataclass(frozen=True, slots=True)
class Series:
    id: int
    title: str
    creators: list[str]
    works: list[SeriesWork] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"https://archiveofourown.org/series/{self.id}"


def read_series(html: str, series_id: int) -> Series:
    tree = LexborHTMLParser(html)
    main = tree.css_first("#main") or tree.root
    assert main is not None
    heading = main.css_first("h2.heading")
    title = inline_text(heading) if heading is not None else f"Series {series_id}"
    creators: list[str] = []
    meta = main.css_first("dl.series.meta")
    if meta is not None:
        first = meta.css_first("dd")
        if first is not None:
            creators = [t for a in first.css("a") if (t := inline_text(a))] or [inline_text(first)]
    works = []
    for blurb in main.css("li.work.blurb"):
        link = next(
            (a for a in blurb.css("h4.heading a") if _WORK.match(a.attributes.get("href") or "")),
            None,
        )
        if link is None:
            continue
        match = _WORK.match(link.attributes.get("href") or "")
        assert match is not None
        rating = blurb.css_first("span.rating")
        words = blurb.css_first("dd.words")
        works.append(
            SeriesWork(
                id=int(match.group(1)),
                title=inline_text(link),
                authors=[t for a in blurb.css("a[rel=author]") if (t := inline_text(a))]
                or ["Anonymous"],
                rating_label=rating.attributes.get("title") if rating is not None else None,
                words=inline_text(words) if words is not None else None,
            )
        )
    return Series(series_id, title, [c for c in creators if c], works)
