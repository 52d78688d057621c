"""/library add and remove end to end: private to one server, bad uploads, no pings."""

from __future__ import annotations

import zipfile
from io import BytesIO

import pytest

from bot.settings import Settings
from tests.databases import scalars
from tests.e2e.checks import assert_no_pings, assert_within_limits
from tests.e2e.conftest import World, age_restrict, make_world

STORY = """The Lighthouse Keeper's Apprentice

Chapter 1: Fog

Mira climbed the spiral stairs two at a time, counting each step the way her grandmother had taught her. The lamp room smelled of brass polish and salt, and the great lens caught the last grey light of the afternoon like a held breath.

"You're late," said Tomas, without looking up from the logbook. He was writing in the careful, slanted hand that the harbour master always complained about. "The fog's coming in early tonight."

She pressed her palm to the cold glass and watched the bank of white roll over the water, swallowing the buoys one by one. Somewhere out there the evening ferry was still crossing, its horn a low question that nobody answered.

They worked in silence after that, trimming wicks and winding the clockwork that turned the lens, until the beam swept out across the bay and the fog glowed with it like a lantern in a paper bag. Mira thought it was the most beautiful thing she had ever seen.
"""

NASTY = STORY.replace(
    "They worked in silence",
    "@everyone <@&123> **bold** ||open spoiler ``` code fence They worked in silence",
)


def _file(name: str, text: str) -> tuple[str, bytes]:
    return (name, text.encode("utf-8"))


async def test_upload_is_indexed_and_reported(world: World) -> None:
    result = await world.moderator.slash(
        world.general, "library add", file=_file("keeper.txt", STORY)
    )
    assert result.ephemeral
    embed = (result.followups or [result.response])[-1].embeds[0]
    assert "Lighthouse Keeper" in embed.title
    names = {f.name for f in embed.fields}
    assert {"Rating", "Warnings", "Passages"} <= names
    excerpt = await world.member.slash(
        world.general, "excerpt", story="The Lighthouse Keeper's Apprentice"
    )
    assert "Lighthouse" in excerpt.response.embeds[0].title


async def test_upload_in_one_server_is_invisible_in_another(world: World) -> None:
    other = make_world(world.env, "Other Server")
    await world.env.settle()
    age_restrict(world.env, other.after_dark)
    await world.moderator.slash(world.general, "library add", file=_file("keeper.txt", STORY))

    # visible at home
    home = await world.member.autocomplete(world.general, "excerpt", "story", "lighthouse")
    assert any("Lighthouse" in c["name"] for c in home)
    # invisible elsewhere: autocomplete, excerpt, info, warnings, find, query
    for command, option in (
        ("excerpt", "story"),
        ("story info", "story"),
        ("warnings story", "story"),
        ("library remove", "story"),
    ):
        actor = other.moderator if command.startswith("library") else other.member
        choices = await actor.autocomplete(other.general, command, option, "lighthouse keeper")
        assert not any("Lighthouse" in c["name"] for c in choices), command
    for command in ("excerpt", "story info", "warnings story"):
        result = await other.member.slash(
            other.general, command, story="The Lighthouse Keeper's Apprentice"
        )
        text = result.response.content + "".join(e.title or "" for e in result.response.embeds)
        assert "Lighthouse" not in text.replace("“The Lighthouse Keeper's Apprentice”", ""), command
    found = await other.member.slash(other.general, "story find", query="lighthouse")
    assert "Lighthouse" not in found.response.embeds[0].description
    for _ in range(30):
        result = await other.member.slash(other.general, "excerpt")
        assert "Lighthouse" not in (
            result.response.embeds[0].title if result.response.embeds else ""
        )
    query = await other.member.slash(other.general, "excerpt", query="lighthouse fog lens")
    assert not query.response.embeds
    for _ in range(10):
        prompt = await other.member.slash(other.general, "prompt new")
        assert "Mira" not in prompt.response.embeds[0].description


async def test_markdown_and_mentions_in_uploads_are_inert(world: World) -> None:
    await world.moderator.slash(world.general, "library add", file=_file("nasty.txt", NASTY))
    mod = world.moderator
    await mod.slash(world.general, "config unblock", warning="strong-language")
    result = await world.member.slash(
        world.general, "excerpt", story="The Lighthouse Keeper's Apprentice", query="everyone"
    )
    assert len(result.response.embeds) == 1, result.response.content
    text = result.response.embeds[0].description
    assert "@everyone" not in text  # escaped: a zero-width space follows the @
    assert "\\*\\*bold\\*\\*" in text
    assert "\\|\\|open spoiler" in text  # an escaped bar cannot open a spoiler
    assert "\\`\\`\\`" in text
    assert_no_pings(world.env)
    assert_within_limits(world.env)


async def test_bad_uploads_get_clear_errors_and_leave_nothing(world: World) -> None:
    mod = world.moderator
    epub = BytesIO()
    with zipfile.ZipFile(epub, "w") as z:
        z.writestr("mimetype", "application/epub+zip")
    cases = {
        "empty.txt": (b"", "empty"),
        "binary.txt": (bytes(range(256)) * 40, "binary"),
        "big.txt": (b"word " * (1_100_000), "limit"),
        "page.html": (b"<html><body><p>Hello, this is my blog.</p></body></html>", "AO3"),
        "broken.epub": (b"this is not a zip", "epub"),
        "hollow.epub": (epub.getvalue(), "text"),
    }
    for name, (data, expected) in cases.items():
        result = await mod.slash(world.general, "library add", file=(name, data))
        reply = (result.followups or [result.response])[-1]
        assert reply.ephemeral, name
        assert expected.lower() in reply.content.lower(), (name, reply.content)
    names = await mod.autocomplete(world.general, "library remove", "story", "")
    assert names == []


async def test_duplicate_upload_says_so(world: World) -> None:
    mod = world.moderator
    await mod.slash(world.general, "library add", file=_file("keeper.txt", STORY))
    result = await mod.slash(world.general, "library add", file=_file("copy.txt", STORY))
    assert "already" in (result.followups or [result.response])[-1].content


async def test_remove_an_upload(world: World) -> None:
    mod = world.moderator
    await mod.slash(world.general, "library add", file=_file("keeper.txt", STORY))
    choices = await mod.autocomplete(world.general, "library remove", "story", "keeper")
    assert len(choices) == 1
    result = await mod.slash(world.general, "library remove", story=choices[0]["value"])
    assert "Removed" in result.response.content
    after = await mod.autocomplete(world.general, "excerpt", "story", "lighthouse keeper")
    assert not any("Lighthouse" in c["name"] for c in after)


async def test_failed_attachment_download(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    # simcord's fault injection covers REST routes, not its CDN: make the CDN lose the file
    monkeypatch.setattr(world.env.backend.cdn, "get", lambda _url: None)
    result = await world.moderator.slash(
        world.general, "library add", file=_file("keeper.txt", STORY)
    )
    reply = (result.followups or [result.response])[-1]
    assert reply.ephemeral
    assert "download" in reply.content.lower() or "try" in reply.content.lower()


def _stored(settings: Settings, guild_id: int) -> dict[str, int]:
    """Rows a server owns in the database (read the way an operator would check)."""
    tables = ("stories", "passages", "channel_policy", "config_log")
    queries = [
        (f"SELECT count(*) FROM {table} WHERE guild_id = ?", (guild_id,)) for table in tables
    ]
    return dict(zip(tables, scalars(settings.database, queries), strict=True))


async def test_leaving_a_server_keeps_its_data_30_days_then_purges_it(
    world: World, settings: Settings
) -> None:
    mod = world.moderator
    await mod.slash(world.general, "library add", file=_file("keeper.txt", STORY))
    await mod.slash(world.general, "config rating", max="mature")
    other = make_world(world.env, "Other Server")  # stays: its data must survive the purge
    await world.env.settle()
    await other.moderator.slash(other.general, "library add", file=_file("keeper.txt", STORY))
    before = _stored(settings, world.guild.id)
    assert before["stories"] == 1 and before["passages"] >= 1 and before["channel_policy"] == 1

    world.env.backend.remove_guild(world.guild.id)  # the bot is removed from the server
    await world.env.settle()
    for _ in range(29):
        await world.env.advance_time(86400)
    assert _stored(settings, world.guild.id) == before  # kept while they may re-invite us

    for _ in range(2):
        await world.env.advance_time(86400)
    assert set(_stored(settings, world.guild.id).values()) == {0}
    assert _stored(settings, other.guild.id)["stories"] == 1
    still = await other.member.slash(
        other.general, "excerpt", story="The Lighthouse Keeper's Apprentice"
    )
    assert "Lighthouse" in still.response.embeds[0].title
