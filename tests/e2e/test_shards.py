"""The sharded bot (FICSHELF_SHARDS, FICSHELF_SHARD_IDS) in simcord: an AutoShardedBot over
its own shards, posting daily prompts for the servers on them and leaving the others' to
the process that runs their shards (without pausing them)."""

from __future__ import annotations

import dataclasses
import random
from collections.abc import AsyncIterator
from typing import Any

import discord
import pytest

from bot import create_bot
from bot.settings import Settings
from bot.shards import Shards, shard_of
from bot.store.daily import ScheduleRow

DAY = 86400.0


@pytest.fixture
async def simcord_bot(settings: Settings) -> AsyncIterator[discord.Client]:
    sharded = dataclasses.replace(settings, shards=Shards(4, (0, 1)))
    bot = create_bot(sharded, rng=random.Random(7))
    yield bot
    await bot.release()


def _server(env: Any, name: str, shard: int) -> tuple[Any, Any, Any, Any]:
    """A server on `shard`: (guild, #general, #writing, a moderator)."""
    guild = env.create_guild(name=name, shard_id=shard)
    general = guild.create_text_channel("general")
    writing = guild.create_text_channel("writing")
    mods = guild.create_role("Moderators", permissions=discord.Permissions(manage_guild=True))
    moderator = guild.add_member(env.create_user(f"mod-{shard}"), roles=[mods])
    return guild, general, writing, moderator


def _daily_posts(channel: Any) -> list[Any]:
    return [m for m in channel.history() if "Daily writing prompt" in m.content]


async def test_the_sharded_bot_posts_only_for_servers_on_its_shards(simcord_env: Any) -> None:
    env = simcord_env
    bot = env.bot
    assert isinstance(bot, discord.AutoShardedClient)
    assert (bot.shard_count, sorted(bot.shards)) == (4, [0, 1])
    guild, general, writing, moderator = _server(env, "Shard One Nook", shard=1)
    other, _, other_writing, _ = _server(env, "Shard Two Den", shard=2)  # another process's
    await env.settle()
    cached = bot.get_guild(guild.id)
    assert cached is not None
    assert cached.shard_id == shard_of(guild.id, 4) == 1
    assert shard_of(other.id, 4) == 2
    result = await moderator.slash(
        general, "daily set", channel=writing, time="09:00", timezone="UTC"
    )
    assert "Daily prompt set" in result.response.content, result.response.content
    # the other process's server set its schedule through that process: the shared database
    await bot.services.daily.store.upsert(
        ScheduleRow(
            other.id,
            other_writing.id,
            "09:00",
            "UTC",
            None,
            None,
            None,
            env.now().isoformat(timespec="seconds"),
        ),
        user_id=1,
    )
    bot.services.daily.reload()
    for _ in range(3):
        await env.advance_time(DAY)
    assert len(_daily_posts(writing)) == 3
    assert _daily_posts(other_writing) == []
    db = bot.services.daily.store.db
    rows = await db.fetchall("SELECT guild_id, count(*) FROM daily_posts GROUP BY guild_id")
    assert [tuple(r) for r in rows] == [(guild.id, 3)], "no claim for the other's server"
    paused = await db.scalar("SELECT paused FROM daily_schedules WHERE guild_id = ?", (other.id,))
    assert paused is None, "the other process's schedule is not paused as gone"
