"""/config end to end: who may change it, layering, age-restricted channels."""

from __future__ import annotations

import pytest
import simcord

from tests.e2e.conftest import World
from tests.e2e.truth import library, passage_for


async def test_member_does_not_see_moderator_commands(world: World) -> None:
    # default_permissions hides the command: Discord's client would not even offer it
    with pytest.raises(simcord.SetupError):
        await world.member.slash(world.general, "config rating", max="explicit")


async def test_member_is_refused_in_code_when_an_override_shows_the_command(world: World) -> None:
    commands = await world.env.bot.tree.fetch_commands()
    config = next(c for c in commands if c.name == "config")
    world.guild.set_command_permissions(config, {world.member: True})
    result = await world.member.slash(world.general, "config rating", max="explicit")
    assert result.ephemeral
    assert "Manage Server" in result.response.content
    show = await world.moderator.slash(world.general, "config show")
    embed = show.response.embeds[0]
    assert "teen" in next(f.value for f in embed.fields if f.name == "Max rating")


async def test_channel_override_beats_server_default_and_reset_restores(world: World) -> None:
    mod = world.moderator
    await mod.slash(world.general, "config rating", max="general")
    await mod.slash(world.general, "config rating", max="teen", channel=world.writing)
    general = (await mod.slash(world.general, "config show")).response.embeds[0]
    writing = (
        await mod.slash(world.general, "config show", channel=world.writing)
    ).response.embeds[0]
    assert (
        next(f.value for f in general.fields if f.name == "Max rating")
        == "general (server default)"
    )
    assert next(f.value for f in writing.fields if f.name == "Max rating") == "teen (this channel)"
    await mod.slash(world.general, "config reset", channel=world.writing)
    writing = (
        await mod.slash(world.general, "config show", channel=world.writing)
    ).response.embeds[0]
    assert (
        next(f.value for f in writing.fields if f.name == "Max rating")
        == "general (server default)"
    )
    changes = next(f.value for f in writing.fields if f.name == "Last changes")
    assert "reset" in changes and world.moderator.mention in changes


async def test_block_violence_in_one_channel_changes_its_excerpts(world: World) -> None:
    mod = world.moderator
    await mod.slash(world.general, "config block", warning="violence", channel=world.writing)
    for _ in range(40):
        result = await world.member.slash(world.writing, "excerpt")
        assert len(result.response.embeds) == 1, result.response.content
        embed = result.response.embeds[0]
        title = embed.title.replace("\\", "")
        passage = passage_for(title, embed.description)
        assert "violence" not in passage.detected
        assert "violence" not in library()[title].declared
    show = (await mod.slash(world.writing, "config show")).response.embeds[0]
    blocked = next(f.value for f in show.fields if f.name == "Blocked warnings")
    assert "Violence (this channel)" in blocked


async def test_explicit_in_a_normal_channel_still_needs_age_restriction(world: World) -> None:
    mod = world.moderator
    result = await mod.slash(world.general, "config rating", max="explicit")
    assert "age-restricted" in result.response.content
    show = (await mod.slash(world.general, "config show")).response.embeds[0]
    notes = " ".join(f.value for f in show.fields if f.name == "Note")
    assert "age-restricted" in notes


async def test_unblocked_warning_is_posted_with_cw_and_spoilers(world: World) -> None:
    mod = world.moderator
    await mod.slash(world.after_dark, "config rating", max="explicit", channel=world.after_dark)
    for slug in ("suicide", "self-harm", "sexual-content"):
        await mod.slash(world.after_dark, "config unblock", warning=slug, channel=world.after_dark)
    cw_seen = 0
    for _ in range(60):
        result = await world.member.slash(world.after_dark, "excerpt", story="The Day You Left Me")
        description = result.response.embeds[0].description
        assert description.startswith("**CW: ")
        body = description.split("\n\n", 1)[1]
        assert body.startswith("||") and body.endswith("||")
        cw_seen += 1
    assert cw_seen == 60


async def test_spoilers_off_removes_the_bars(world: World) -> None:
    mod = world.moderator
    await mod.slash(world.after_dark, "config rating", max="explicit", channel=world.after_dark)
    for slug in ("suicide", "self-harm", "sexual-content"):
        await mod.slash(world.after_dark, "config unblock", warning=slug, channel=world.after_dark)
    await mod.slash(world.after_dark, "config spoilers", enabled=False, channel=world.after_dark)
    result = await world.member.slash(world.after_dark, "excerpt", story="The Day You Left Me")
    description = result.response.embeds[0].description
    assert description.startswith("**CW: ")
    assert "||" not in description


async def test_unknown_warning_is_a_clear_error(world: World) -> None:
    result = await world.moderator.slash(world.general, "config block", warning="bananas")
    assert result.ephemeral
    assert "bananas" in result.response.content
