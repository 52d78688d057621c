"""End-to-end fixtures: the real bot in simcord's simulated Discord."""

from __future__ import annotations

import random
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import discord
import pytest

from bot import create_bot
from bot.settings import Settings


@pytest.fixture
async def simcord_bot(settings: Settings) -> AsyncIterator[discord.Client]:
    bot = create_bot(settings, rng=random.Random(20261123))
    yield bot
    await bot.release()  # simcord detaches the bot without close(): free the database


async def restart(env: Any, settings: Settings, seed: int) -> Any:
    """Restart the bot as a new process would: a fresh bot on the same database."""
    old = env.bot
    await env.restart_bot(create_bot(settings, rng=random.Random(seed)))
    await old.release()
    return env.bot


@dataclass
class World:
    """A server as a test sees it: channels, a member, a moderator."""

    env: Any
    guild: Any
    general: Any
    writing: Any
    after_dark: Any
    member: Any
    moderator: Any
    mod_role: Any

    def bot_messages(self) -> list[discord.Message]:
        return [m for c in (self.general, self.writing, self.after_dark) for m in c.history()]


def age_restrict(env: Any, channel: Any) -> None:
    """simcord does not model the age-restricted flag: set it on the bot's cached channel."""
    cached = env.bot.get_channel(channel.id)
    assert cached is not None
    cached.nsfw = True


def make_world(env: Any, name: str = "Readers' Nook") -> World:
    guild = env.create_guild(name=name)
    general = guild.create_text_channel("general")
    writing = guild.create_text_channel("writing")
    after_dark = guild.create_text_channel("after-dark")
    mod_role = guild.create_role("Moderators", permissions=discord.Permissions(manage_guild=True))
    member = guild.add_member(env.create_user(f"reader-{guild.id % 1000}"))
    moderator = guild.add_member(env.create_user(f"mod-{guild.id % 1000}"), roles=[mod_role])
    return World(env, guild, general, writing, after_dark, member, moderator, mod_role)


@pytest.fixture
async def world(simcord_env: Any) -> World:
    w = make_world(simcord_env)
    await simcord_env.settle()
    age_restrict(simcord_env, w.after_dark)
    return w
