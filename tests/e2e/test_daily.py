"""Daily prompts on the virtual clock: exactly once per local day, whatever happens."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from simcord.backend.errors import BackendError

from bot.settings import Settings
from tests.e2e.checks import assert_no_pings
from tests.e2e.conftest import World, make_world, restart
from tests.e2e.faults import land_then_fail

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


def _first_due(start: datetime, hour: int = 9) -> datetime:
    """The first `hour`:00 New York after `start`: when a schedule set at `start` first posts."""
    local = start.astimezone(NY)
    due = datetime(local.year, local.month, local.day, hour, tzinfo=NY)
    return due if due > start else due + timedelta(days=1)


def _sends(world: World, channel) -> list[dict]:
    """The body of every message the bot tried to create in `channel`, failed or not."""
    path = f"/channels/{channel.id}/messages"
    return [r.json for r in world.env.http_requests if r.method == "POST" and r.path == path]


async def _show_row(world: World, channel) -> str:
    """What /daily show tells a moderator about `channel`'s schedule."""
    show = await world.moderator.slash(world.general, "daily show")
    assert show.ephemeral
    rows = [f for f in show.response.embeds[0].fields if f.name == f"#{channel.name}"]
    assert len(rows) == 1, [f.name for f in show.response.embeds[0].fields]
    return rows[0].value


async def test_a_500_on_send_is_retried_and_posts_once(world: World) -> None:
    await _set(world, world.writing)
    start = world.env.now()
    due = _first_due(start)
    world.env.inject_error("POST", f"/channels/{world.writing.id}/messages", status=500, times=2)
    # the day after the due day, before its own 09:00: only the due day is owed
    await _advance_to(world, due + timedelta(hours=22))
    sends = _sends(world, world.writing)
    posts = _daily_posts(world.writing)
    assert world.env.backend.faults == [], "both injected 500s were returned to the bot"
    assert len(sends) == 3, "two attempts got the 500, the third landed"
    assert len(posts) == 1
    prompt = posts[0].content.split("\n", 1)[1]
    assert [body["content"].split("\n", 1)[1] for body in sends] == [prompt] * 3, (
        "the claimed prompt is resent, not a new one"
    )
    posted = posts[0].created_at.astimezone(NY)
    assert posted.date() == due.date()
    assert due <= posts[0].created_at < due + timedelta(minutes=10), posted
    assert world.env.errors == [], "the bot handled the 500s itself"


async def test_a_retried_post_reads_like_the_first_attempt(world: World) -> None:
    await _set(world, world.writing)
    due = _first_due(world.env.now())
    world.env.inject_error("POST", f"/channels/{world.writing.id}/messages", status=500, times=1)
    await _advance_to(world, due + timedelta(hours=1))
    first, retry = _sends(world, world.writing)
    assert "·" in first["content"].split("\n", 1)[0], "the first attempt names its trope"
    assert retry["content"] == first["content"]


async def test_forbidden_pauses_the_schedule_and_says_why(world: World) -> None:
    await _set(world, world.writing)
    due = _first_due(world.env.now())
    world.env.inject_error(
        "POST",
        f"/channels/{world.writing.id}/messages",
        status=403,
        code=50013,
        message="Missing Permissions",
        times=1,
    )
    await _advance_to(world, due + timedelta(hours=1))
    assert len(_sends(world, world.writing)) == 1
    assert world.env.backend.faults == [], "the 403 was returned to the bot"
    row = await _show_row(world, world.writing)
    assert "**paused**" in row and "Send Messages" in row, row
    assert "<t:" not in row, "a paused schedule has no next post"
    # paused means paused: no retry that day, no post on the following days (the fault is
    # spent, so any further attempt would land and show up here)
    await _advance_to(world, due + timedelta(days=3, hours=2))
    assert len(_sends(world, world.writing)) == 1
    assert _daily_posts(world.writing) == []
    assert world.env.errors == []
    # the moderator fixes the permission and sets the schedule again: it posts from then on
    await _set(world, world.writing)
    row = await _show_row(world, world.writing)
    assert "paused" not in row and "<t:" in row, row
    resumed = _first_due(world.env.now())
    await _advance_to(world, resumed + timedelta(hours=1))
    posts = _daily_posts(world.writing)
    assert len(posts) == 1
    assert posts[0].created_at.astimezone(NY).date() == resumed.date()


async def _lose_the_answer(
    world: World,
    monkeypatch: pytest.MonkeyPatch,
    error: Callable[[], BaseException],
    trope: str | None = None,
) -> datetime:
    """Schedule a post whose send lands but answers `error`; return once it has (its due
    time), before the retry a minute later."""
    await _set(world, world.writing, **({"trope": trope} if trope else {}))
    due = _first_due(world.env.now())
    path = f"/channels/{world.writing.id}/messages"
    lost = land_then_fail(monkeypatch, "POST", path, error=error)
    await _advance_to(world, due + timedelta(seconds=30))
    assert len(lost.hits) == 1, "the send landed and its answer was lost"
    assert len(_daily_posts(world.writing)) == 1
    return due


async def _assert_posted_once_and_carries_on(world: World, due: datetime) -> None:
    await _advance_to(world, due + timedelta(hours=22))  # retries long done, next day not due
    assert len(_sends(world, world.writing)) == 1, "never sent a second time"
    posts = _daily_posts(world.writing)
    assert len(posts) == 1
    assert posts[0].created_at.astimezone(NY).date() == due.date()
    row = await _show_row(world, world.writing)
    assert "paused" not in row and "<t:" in row, row
    await _advance_to(world, due + timedelta(days=1, hours=1))
    assert len(_daily_posts(world.writing)) == 2, "the next day posts as usual"
    assert world.env.errors == []


async def test_a_landed_post_is_found_after_the_schedules_role_changed(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    due = await _lose_the_answer(world, monkeypatch, TimeoutError)
    await _set(world, world.writing, role=world.mod_role)  # before the retry a minute later
    await _advance_to(world, due + timedelta(hours=2))
    assert len(_sends(world, world.writing)) == 1, "never sent a second time"
    assert len(_daily_posts(world.writing)) == 1


ANY_TROPE = pytest.param(None, id="any-trope")
ONE_TROPE = pytest.param("time-skip", id="one-trope")


@pytest.mark.parametrize("trope", [ANY_TROPE, ONE_TROPE])
@pytest.mark.parametrize(
    "error",
    [
        pytest.param(TimeoutError, id="timeout"),
        pytest.param(lambda: BackendError(504, 0, "Gateway Timeout"), id="504"),
    ],
)
async def test_a_post_that_landed_anyway_is_not_sent_again(
    world: World,
    monkeypatch: pytest.MonkeyPatch,
    error: Callable[[], BaseException],
    trope: str | None,
) -> None:
    """Discord created the message but the bot saw a timeout or a 504: the retry must find
    the message instead of posting the prompt twice."""
    due = await _lose_the_answer(world, monkeypatch, error, trope)
    await _assert_posted_once_and_carries_on(world, due)


@pytest.mark.parametrize("trope", [ANY_TROPE, ONE_TROPE])
async def test_a_post_that_landed_before_a_restart_is_not_sent_again(
    world: World, settings: Settings, monkeypatch: pytest.MonkeyPatch, trope: str | None
) -> None:
    """The same, with the process restarting before its retry: the next process finds it."""
    due = await _lose_the_answer(world, monkeypatch, TimeoutError, trope)
    await restart(world.env, settings, 9)
    await world.env.settle()
    await _assert_posted_once_and_carries_on(world, due)


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
    await _set(other, other.writing, "07:15", "Europe/London", role=other.mod_role)
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
