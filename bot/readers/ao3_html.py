"""Reader for AO3's "Download → HTML" file."""

from __future__ import annotations

from selectolax.lexbor import LexborHTMLParser

from bot.readers.ao3_markup import is_ao3_markup, parse_ao3_markup
from bot.readers.errors import StoryReadError
from bot.readers.model import Story

FORMAT = "ao3-html"


def read_ao3_html(text: str, fallback_title: str) -> Story:
    """Parse an AO3 HTML download. Raises StoryReadError for HTML that is not one."""
    tree = LexborHTMLParser(text)
    if not is_ao3_markup([tree]):
        raise StoryReadError(
            "this HTML is not an AO3 work download (no AO3 preface or chapters found); "
            "use AO3's Download → HTML, or save the story as plain text"
        )
    return parse_ao3_markup([tree], fmt=FORMAT, fallback_title=fallback_title)
