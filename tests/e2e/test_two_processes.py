"""Two bot processes, one database: two simcord environments (one process cannot hold two
gateways), each running the real bot over half the shards and its own servers, sharing
the test's database (SQLite, or PostgreSQL with --backend=postgresql). Over 30 simulated
days, with one process restarted mid-post (its message landed, the answer was lost),
every schedule posts exactly once a day."""

from __future__ import annotations

import asyncio
import dataclasses
import random
import threading
from collections import Counter
from datetime import UTC, datetime, time, timedelta
from typing import Any

import discord
import pytest
import simcord

from bot import create_bot
from bot.settings import Settings
from bot.shards import Shards
from tests.e2e.conftest import restart
from tests.e2e.faults import land_then_fail

DAYS = 30
RESTART_DAY = 10
# one process at a time loads the extensions: both share this interpreter's sys.modules
_LOADING = threading.Lock()


def _server(env: Any, name: str, shard: int) -> tuple[Any, Any, Any]:
    """A server on `shard`: (guild, #writing, a moderator)."""
    guild = env.create_guild(name=name, shard_id=shard)
    guild.create_text_channel("general")
    writing = guild.create_text_channel("writing")
    mods = guild.create_role("Moderators", permissions=discord.Permissions(manage_guild=True))
    moderator = guild.add_member(env.create_user(f"mod-{name}"), roles=[mods])
    return guild, writing, moderator


def _posted_days(channel: Any) -> Counter[Any]:
    return Counter(
        m.created_at.astimezone(UTC).date()
        for m in channel.history()
        if "Daily writing prompt" in m.content
    )


async def _advance(env: Any, until: datetime) -> None:
    with env.time_context():
        while env.now() < until:
            await env.advance_time(max(min(86400.0, (until - env.now()).total_seconds()), 0.001))


async def _process(
    name: str, conf: Settings, shards: Shards, monkeypatch: pytest.MonkeyPatch
) -> tuple[dict[int, Counter[Any]], set[Any], int, list[Any]]:
    """One bot process for DAYS days: (posted days per channel, the days expected, posts
    whose answer was lost, errors). Process "a" is restarted mid-post on RESTART_DAY."""
    # each environment is a Discord of its own, so each process syncs its commands there
    # (one real application would sync once: the command hash is in the shared database)
    env = simcord.Env(create_bot(conf, rng=random.Random(len(name)), always_sync=True))
    with env.time_context(), _LOADING:
        await env.start()
    channels = []
    lost = None
    try:
        with env.time_context():
            for shard in shards.ids or ():
                _guild, writing, moderator = _server(env, f"{name}{shard}", shard)
                await env.settle()
                result = await moderator.slash(
                    writing, "daily set", channel=writing, time="09:00", timezone="UTC"
                )
                assert "Daily prompt set" in result.response.content
                channels.append(writing)
            start = env.now()
        first_due = datetime.combine(start.date(), time(9), UTC)  # the first 09:00 after now
        first_due += timedelta(days=1) if first_due <= start else timedelta()
        for day in range(DAYS):
            due = first_due + timedelta(days=day)
            if name == "a" and day == RESTART_DAY:  # a post lands; its answer is lost
                path = f"/channels/{channels[0].id}/messages"
                lost = land_then_fail(monkeypatch, "POST", path)
                await _advance(env, due + timedelta(seconds=5))
                assert len(lost.hits) == 1, "the post landed and A never heard back"
                with env.time_context(), _LOADING:  # A dies before its retry; a new A starts
                    await restart(env, conf, seed=99)
            await _advance(env, due + timedelta(hours=12))
        posted = {ch.id: _posted_days(ch) for ch in channels}
        errors = list(env.errors)
    finally:
        with env.time_context():
            await env.shutdown()
        await env.bot.release()
    expected = {(first_due + timedelta(days=d)).date() for d in range(DAYS)}
    return posted, expected, len(lost.hits) if lost else 0, errors


def _in_a_thread(*args: Any) -> Any:
    """A process of its own: simcord runs one environment per event loop."""
    return asyncio.run(_process(*args))


async def test_two_processes_post_every_schedule_once_a_day_through_a_restart(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    halves = {"a": Shards(4, (0, 1)), "b": Shards(4, (2, 3))}
    runs = await asyncio.gather(
        *(
            asyncio.to_thread(
                _in_a_thread, name, dataclasses.replace(settings, shards=s), s, monkeypatch
            )
            for name, s in halves.items()
        )
    )
    (posted_a, expected_a, lost_a, errors_a), (posted_b, expected_b, lost_b, errors_b) = runs
    assert (lost_a, lost_b) == (1, 0), "A was restarted once, mid-post"
    assert len(posted_a) == len(posted_b) == 2, "two servers on each process's shards"
    for posted, expected in ((posted_a, expected_a), (posted_b, expected_b)):
        for channel, days in posted.items():
            assert set(days) == expected, (channel, sorted(expected - set(days)))
            assert set(days.values()) == {1}, (channel, "a day posted twice")
    posts = sum(sum(c.values()) for p in (posted_a, posted_b) for c in p.values())
    assert posts == 4 * DAYS
    assert errors_a == errors_b == []
    print(f"two processes, 4 schedules, {DAYS} days, one restart mid-post: {posts} posts")
