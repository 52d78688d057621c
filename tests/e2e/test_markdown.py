"""Markdown and mentions in story text and titles stay plain text in every message."""

from __future__ import annotations

import re

from tests.e2e.checks import assert_no_pings, assert_within_limits, message_payloads
from tests.e2e.conftest import World

TITLE = "The __Cartographer's__ *Daughter* <#111111111111111111>"
LINES = [
    "-# she whispered it small, like subtext",
    "- the first thing on the list",
    "* a star at the start",
    "1. one, numbered",
    "> a quoted line",
    ">>> a quoted block",
    "# a shout",
    "## a smaller shout",
    "### the smallest shout",
    "a line that ends in a backslash \\",
    "<#123456789012345678> <@&123456789012345678> <@123456789012345678> <t:1700000000:R>",
    "</excerpt:123456789012345678> <:blob:123456789012345678> <a:blob:123456789012345678>",
]
BODY = (
    "The map room was cold, and the ink had dried in its wells overnight. She unrolled the "
    "chart across the long table and weighed its corners with whatever came to hand."
)
STORY = f"{TITLE}\n\nChapter 1: Ink\n\n" + "\n".join(LINES) + f"\n\n{BODY}\n"
BLOCK = re.compile(r"^[^\S\n]*(?:[#>*+\-]|\d+\.)", re.MULTILINE)
UNESCAPED_ANGLE = re.compile(r"(?<!\\)<[#@t/:a]")


async def test_story_markup_and_titles_render_as_plain_text(world: World) -> None:
    from bot.markup import ZWSP, unescape

    mod = world.moderator
    await mod.slash(world.general, "library add", file=("map.txt", STORY.encode()))
    again = await mod.slash(world.general, "library add", file=("copy.txt", STORY.encode()))
    duplicate = (again.followups or [again.response])[-1].content
    assert "already in this server's library as" in duplicate
    assert "\\_\\_Cartographer's\\_\\_ \\*Daughter\\* \\<#111111111111111111>" in duplicate

    result = await world.member.slash(world.general, "excerpt", story=TITLE, query="shout")
    embed = result.response.embeds[0]
    text = embed.description
    assert "\\_\\_Cartographer's\\_\\_" in embed.title
    assert BLOCK.search(text) is None, text  # no line starts as a heading, list or quote
    assert UNESCAPED_ANGLE.search(text) is None, text  # no mention, timestamp or emoji
    assert UNESCAPED_ANGLE.search(embed.title) is None, embed.title
    assert "\\\n" not in text.replace("\\\\\n", "")  # no stray backslash before a newline
    shown = unescape(text).replace(ZWSP, "")
    for line in LINES:
        assert line in shown, line  # and a reader sees every line as the author wrote it
    payloads = message_payloads(world.env)
    assert payloads
    for body in payloads:
        assert UNESCAPED_ANGLE.search(body.get("content") or "") is None, body
    assert_no_pings(world.env)
    assert_within_limits(world.env)
