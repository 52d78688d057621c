"""Every reply fits Discord: 5,000-character values in every string option of every command."""

from __future__ import annotations

import logging
import re
from typing import Any

import discord
import pytest
from discord import app_commands

from tests.e2e.checks import assert_no_pings, assert_within_limits, message_payloads
from tests.e2e.conftest import World

HUGE = ("**Long** <#123> @everyone `x` " * 200)[:5000]
SMALL_STORY = b"A Title\n\n" + b"Some words of a story, told slowly over a quiet evening. " * 20


def _fill(world: World, param: app_commands.Parameter) -> Any:
    """A valid value for a required option that is not under test."""
    kinds = discord.AppCommandOptionType
    if param.choices:
        return param.choices[0].value
    return {
        kinds.string: "soulmates",
        kinds.channel: world.writing,
        kinds.role: world.mod_role,
        kinds.boolean: False,
        kinds.integer: 1,
        kinds.number: 1.0,
        kinds.attachment: ("story.txt", SMALL_STORY),
    }[param.type]


def _cases(world: World) -> list[tuple[str, dict[str, Any]]]:
    """(command, options) with one free-text option 5,000 characters long, for each such
    option of each command in the bot's tree (choice options cannot take free text)."""
    cases = []
    for command in world.env.bot.tree.walk_commands():
        if not isinstance(command, app_commands.Command):
            continue
        for target in command.parameters:
            if target.type is not discord.AppCommandOptionType.string or target.choices:
                continue
            options = {p.name: _fill(world, p) for p in command.parameters if p.required}
            options[target.name] = HUGE
            cases.append((command.qualified_name, options))
    return cases


async def test_every_string_option_of_every_command_gets_an_answer_that_fits(
    world: World,
) -> None:
    cases = _cases(world)
    assert len(cases) >= 15, cases  # excerpt, prompt, story, warnings, config, daily, library
    for name, options in cases:
        result = await world.moderator.slash(world.general, name, **options)
        answers = [m for m in [result.response, *result.followups] if m is not None]
        assert answers, (name, list(options))
        text = answers[-1].content
        assert "at most" in text, (name, text)
        assert "5,000" in text, (name, text)
        assert len(text) < 200, (name, text)
    assert len(message_payloads(world.env)) >= len(cases)
    assert_within_limits(world.env)
    assert_no_pings(world.env)


@pytest.mark.parametrize(
    ("command", "options"),
    [
        ("warnings lookup", {"term": "**" + "x" * 98}),
        ("story info", {"story": "<#1> " + "y" * 95}),
        ("excerpt", {"trope": "z" * 100}),
        ("story find", {"exclude": "@everyone " + "w" * 90}),
    ],
)
async def test_echoes_of_options_are_short_and_inert(
    world: World, command: str, options: dict[str, str]
) -> None:
    result = await world.member.slash(world.general, command, **options)
    text = result.response.content
    assert result.ephemeral
    assert len(text) < 300, text
    assert "…" in text  # the echo is shortened
    assert "**x" not in text, text
    assert re.search(r"(?<!\\)<#1>", text) is None, text
    assert "@everyone" not in text, text


async def test_an_undeliverable_error_message_is_logged_and_replaced(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    world.env.inject_error(
        "POST", "/interactions/*/callback", status=400, code=50035, message="Invalid Form Body"
    )
    with caplog.at_level(logging.WARNING, logger="bot.app"):
        result = await world.member.slash(world.general, "warnings lookup", term="qwertyuiop")
    assert result.response.content == "Sorry, I couldn't show that answer here."
    assert result.ephemeral
    logged = [r.getMessage() for r in caplog.records if r.name == "bot.app"]
    assert any("error code 50035" in m for m in logged), logged


async def test_autocomplete_with_a_huge_value_answers_within_limits(world: World) -> None:
    options = [
        (command.qualified_name, p.name)
        for command in world.env.bot.tree.walk_commands()
        if isinstance(command, app_commands.Command)
        for p in command.parameters
        if p.autocomplete
    ]
    assert len(options) >= 8, options
    for name, option in options:
        found = await world.moderator.autocomplete(world.general, name, option, HUGE)
        assert len(found) <= 25, (name, option)
        assert all(len(c["name"]) <= 100 and len(c["value"]) <= 100 for c in found)
