"""What an AO3 address names: a work (chapter links resolve to their work) or a series."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

_HOST = r"(?:https?://)?(?:www\.)?(?:archiveofourown\.(?:org|com|net)|ao3\.org)"
_PATH = (
    r"(?:/collections/[^/\s]+)?/(?P<kind>works|series|chapters)/(?P<id>\d+)"
    r"(?:/chapters/(?P<chapter>\d+))?"
)
_LINK = re.compile(_HOST + _PATH, re.IGNORECASE)
_ANY_URL = re.compile(r"https?://\S+", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Ao3Link:
    kind: Literal["work", "series", "chapter"]
    id: int  # the work's or series' id (a bare chapter link: the chapter's)
    chapter: int | None = None

    @property
    def canonical(self) -> str:
        if self.kind == "series":
            return f"https://archiveofourown.org/series/{self.id}"
        if self.kind == "chapter" and self.chapter is None:
            return f"https://archiveofourown.org/chapters/{self.id}"
        return f"https://archiveofourown.org/works/{self.id}"


def parse_link(text: str) -> Ao3Link | None:
    """The first AO3 work, chapter or series link in `text`, else None."""
    found = find_links(text, limit=1)
    return found[0] if found else None


def find_links(text: str, limit: int = 3) -> list[Ao3Link]:
    """Distinct AO3 links in `text`, in order, at most `limit`."""
    out: list[Ao3Link] = []
    for match in _LINK.finditer(text or ""):
        kind, ident, chapter = match.group("kind"), int(match.group("id")), match.group("chapter")
        if kind == "series":
            link = Ao3Link("series", ident)
        elif kind == "chapters":
            link = Ao3Link("chapter", ident)
        else:
            link = Ao3Link("work", ident, int(chapter) if chapter else None)
        if all((o.kind, o.id) != (link.kind, link.id) for o in out):
            out.append(link)
        if len(out) >= limit:
            break
    return out


def has_other_url(text: str) -> bool:
    return bool(_ANY_URL.search(text or ""))
