"""Properties of the escape that makes story text inert in Discord (bot/markup.py, used by
bot/render.py): nothing renders as markup, nothing pings or links, and what Discord shows
after consuming the escapes is exactly the original text."""

from __future__ import annotations

import re

from hypothesis import example, given
from hypothesis import strategies as st

from bot.markup import ZWSP, clip, echo, escape, unescape
from bot.render import escape as render_escape

# Text rich in what Discord treats specially, plus anything at all.
MARKUP = st.sampled_from(
    [
        "-# ", "- ", "* ", "+ ", "1. ", "12. ", "> ", ">>> ", "# ", "## ", "### ", "#",
        "**", "__", "*", "_", "~~", "||", "`", "```", "\\", "\n", "\n\n", "  ", "\t",
        "<#123456789012345678>", "<@123456789012345678>", "<@&123456789012345678>",
        "<t:1700000000:R>", "</excerpt:123456789012345678>", "<:blob:123456789012345678>",
        "<a:blob:123456789012345678>", "@everyone", "@here", "[link](https://x.y)", "word",
    ]
)  # fmt: skip
TEXT = st.lists(st.one_of(MARKUP, st.text(max_size=8)), max_size=30).map("".join)

_PAIR = re.compile(r"\\[^0-9A-Za-z\s]")
_BLOCK = re.compile(r"^[^\S\n]*(?:[#>*+\-]|\d+\.)", re.MULTILINE)
_INERT = re.compile(r"\\.", re.DOTALL)


def _shown(text: str) -> str:
    """What a reader sees: the escapes consumed, mention breakers dropped."""
    return unescape(text).replace(ZWSP, "")


@given(TEXT)
@example("line ending in a backslash\\\nnext")
@example("trailing star*")
@example("a\n\n- item")
@example("\\")
def test_what_discord_shows_is_the_original_text(text: str) -> None:
    assert _shown(escape(text)) == text.replace(ZWSP, "")


@given(TEXT)
@example("a\n\n- item")
@example("ends with a backslash\\")
def test_no_stray_backslash(text: str) -> None:
    """Every backslash escapes punctuation, so Discord consumes it: none is shown alone,
    none sits before a newline or at the end."""
    out = escape(text)
    assert "\\" not in _PAIR.sub("", out)


@given(TEXT)
@example("-# subtext\n- list\n* star\n1. one\n> quote\n>>> block\n# h1\n## h2\n### h3")
def test_no_line_starts_as_block_markup(text: str) -> None:
    out = escape(text)
    assert _BLOCK.search(out) is None, out


@given(TEXT)
def test_no_inline_markup_mention_or_link_survives(text: str) -> None:
    bare = _INERT.sub("", escape(text))  # drop every escaped character
    for mark in ("*", "_", "~", "`", "|", "<", "[", "]"):
        assert mark not in bare
    assert re.search(r"@(everyone|here)", bare) is None


@given(TEXT, st.integers(min_value=1, max_value=60))
def test_clipped_escaped_text_stays_inert(text: str, limit: int) -> None:
    out = clip(escape(text), limit)
    assert len(out) <= limit
    assert "\\" not in _PAIR.sub("", out)


@given(TEXT)
def test_echo_is_one_short_inert_line(text: str) -> None:
    out = echo(text)
    assert "\n" not in out
    assert len(_shown(out)) <= 80
    assert "\\" not in _PAIR.sub("", out)


def test_render_uses_the_same_escape() -> None:
    assert render_escape is escape
