"""Daily prompts on the virtual clock: exactly once per local day, whatever happens."""

from __future__ import annotations

import time
from collections import Counter
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.settings import Settings
from tests.e2e.checks import assert_no_pings
from tests.e2e.conftest import World, make_world, restart

NY = ZoneInfo("America/New_York")
DAY = 86400.0


def _daily_posts(channel) -> list:
    return sorted(
        (m for m in channel.history() if "Daily writing prompt" in m.content), key=lambda m: m.id
    )


async def _advance_to(world: World, when: datetime) -> None:
    """Step the clock to `when` in jumps of at most a day."""
    env = world.env
    while env.now() < when:
        step = min(DAY, (when - env.now()).total_seconds())
        await env.advance_time(max(step, 0.001))


async def _set(
    world: World, channel, at: str = "09:00", tz: str = "America/New_York", **extra
) -> None:
    result = await world.moderator.slash(
        world.general, "daily set", channel=channel, time=at, timezone=tz, **extra
    )
    assert "Daily prompt set" in result.response.content, result.response.content


@pytest.mark.slow
async def test_400_days_exactly_once_at_nine_local(world: World, settings: Settings) -> None:
    await _set(world, world.writing)
    started = time.perf_counter()
    start = world.env.now()
    end = start + timedelta(days=400)
    await _advance_to(world, end)
    wall = time.perf_counter() - started
    posts = _daily_posts(world.writing)
    local = [m.created_at.astimezone(NY) for m in posts]
    days = Counter(t.date() for t in local)
    first = start.astimezone(NY).date()
    expected = [
        day
        for day in (first + timedelta(days=i) for i in range(402))
        if start < datetime(day.year, day.month, day.day, 9, tzinfo=NY) <= end
    ]
    duplicates = sum(c - 1 for c in days.values() if c > 1)
    misses = [d for d in expected if d not in days]
    print(
        f"\n400-day run: posts={len(posts)} days={len(expected)} duplicates={duplicates} "
        f"misses={len(misses)} wall={wall:.1f}s"
    )
    assert duplicates == 0
    assert misses == []
    assert all((t.hour, t.minute) == (9, 0) for t in local), {
        t for t in local if (t.hour, t.minute) != (9, 0)
    }
    # both DST changes were crossed
    assert {t.utcoffset() for t in local} == {timedelta(hours=-5), timedelta(hours=-4)}
    keys = [m.content.split("\n", 1)[1] for m in posts]
    for i in range(len(keys)):
        window = keys[max(0, i - 29) : i]
        assert keys[i] not in window, f"prompt repeated within 30 days on {local[i].date()}"
    assert_no_pings(world.env)


async def test_a_500_on_send_is_retried_and_posts_once(world: World) -> None:
    await _set(world, world.writing)
    world.env.inject_error("POST", f"/channels/{world.writing.id}/messages", status=500, times=2)
    start = world.env.now()
    await _advance_to(world, start + timedelta(days=1, hours=12))
    posts = _daily_posts(world.writing)
    assert len(posts) == 1
    assert (
        posts[0].created_at.astimezone(NY).date()
        == (start + timedelta(days=1)).astimezone(NY).date()
        or posts[0].created_at.astimezone(NY).date() == start.astimezone(NY).date()
    )
    world.env.errors.clear() if hasattr(world.env.errors, "clear") else None


async def test_restart_across_the_due_time_catches_up_once(
    world: World, settings: Settings
) -> None:
    env = world.env
    await _set(world, world.writing)
    start = env.now()  # 2026-01-01 00:00 UTC = Dec 31 19:00 New York
    # the bot goes down (the poster stops) before Jan 1, 09:00 New York ...
    await env.bot.remove_cog("Daily")
    # ... and stays down three days, coming back on Jan 4 at 15:00 New York
    await _advance_to(world, datetime(2026, 1, 4, 15, 0, tzinfo=NY))
    assert _daily_posts(world.writing) == []
    await restart(env, settings, 7)
    await env.settle()
    posts = _daily_posts(world.writing)
    assert len(posts) == 1, "one catch-up post for today, none for the days missed"
    assert posts[0].created_at.astimezone(NY).date() == date(2026, 1, 4)
    # a restart after the post gives no second post
    await restart(env, settings, 8)
    await _advance_to(world, datetime(2026, 1, 4, 23, 0, tzinfo=NY))
    assert len(_daily_posts(world.writing)) == 1
    await _advance_to(world, datetime(2026, 1, 5, 10, 0, tzinfo=NY))
    assert len(_daily_posts(world.writing)) == 2
    assert start < posts[0].created_at


async def test_servers_and_channels_do_not_interfere(world: World) -> None:
    env = world.env
    other = make_world(env, "Second Server")
    await env.settle()
    await _set(world, world.writing, "09:00", "America/New_York")
    await _set(world, world.general, "21:30", "Asia/Kolkata")
    result = await other.moderator.slash(
        other.general,
        "daily set",
        channel=other.writing,
        time="07:15",
        timezone="Europe/London",
        role=other.mod_role,
    )
    assert "Daily prompt set" in result.response.content
    await _advance_to(world, env.now() + timedelta(days=5))
    for channel, zone, hm in (
        (world.writing, "America/New_York", (9, 0)),
        (world.general, "Asia/Kolkata", (21, 30)),
        (other.writing, "Europe/London", (7, 15)),
    ):
        local = [m.created_at.astimezone(ZoneInfo(zone)) for m in _daily_posts(channel)]
        assert len(local) in (5, 6)
        assert len({t.date() for t in local}) == len(local)
        assert all((t.hour, t.minute) == hm for t in local)
    pinged = _daily_posts(other.writing)
    assert all(m.content.startswith(other.mod_role.mention) for m in pinged)
    assert_no_pings(env, allowed_roles=frozenset({other.mod_role.id}))


async def test_show_off_and_bad_input(world: World) -> None:
    mod = world.moderator
    bad_time = await mod.slash(
        world.general, "daily set", channel=world.writing, time="25:00", timezone="Europe/London"
    )
    assert "09:00" in bad_time.response.content and bad_time.ephemeral
    bad_zone = await mod.slash(
        world.general, "daily set", channel=world.writing, time="09:00", timezone="Mars/Olympus"
    )
    assert (
        "Mars/Olympus" in bad_zone.response.content and "Europe/London" in bad_zone.response.content
    )
    zones = await mod.autocomplete(world.general, "daily set", "timezone", "new york")
    assert zones[0]["value"] == "America/New_York" and len(zones) <= 25
    await _set(world, world.writing)
    show = await mod.slash(world.general, "daily show")
    text = "\n".join(f.value for f in show.response.embeds[0].fields)
    assert "09:00 America/New_York" in text and "<t:" in text
    preview = await mod.slash(world.general, "daily preview")
    assert preview.ephemeral and preview.response.embeds[0].description
    off = await mod.slash(world.general, "daily off", channel=world.writing)
    assert "No more daily prompts" in off.response.content
    await _advance_to(world, world.env.now() + timedelta(days=2))
    assert _daily_posts(world.writing) == []
