"""Daily posts across processes: two bot processes share one database (SQLite, or
PostgreSQL with --backend=postgresql), each running half the gateway shards. Every schedule posts exactly once a day, through a crash between
a post landing and its record, and even when both processes wrongly run every shard.

Discord is a fake courier here (as in test_daily.py): one shared list of the messages that
landed, and each process sees only the servers on its own shards."""

from __future__ import annotations

import asyncio
import dataclasses
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.services.daily import CLAIM_LEASE, Failed, Outcome, Post, Sent
from bot.services.root import Services
from bot.settings import Settings
from bot.shards import Shards, shard_of
from bot.store.daily import DailyStore
from bot.store.db import Database

SHARDS = 4
START = datetime(2026, 1, 1, 0, 0, tzinfo=UTC)
DAYS = 30
STEP = timedelta(minutes=15)
ZONES = ("UTC", "Europe/London", "America/New_York", "Asia/Tokyo", "Pacific/Auckland")
AT = time(9, 0)
# eight servers, two on each shard: (guild id, channel id)
SERVERS = [((k << 22) + 7, 1000 + k) for k in range(8)]
CRASH_DAY = 10  # the day process A's post lands and A dies before recording it


def test_servers_spread_over_every_shard() -> None:
    assert sorted(shard_of(g, SHARDS) for g, _ in SERVERS) == [0, 0, 1, 1, 2, 2, 3, 3]


def test_a_process_owns_the_servers_of_its_shards_only() -> None:
    # Discord's rule (discord.py's Guild.shard_id): (guild_id >> 22) % shard_count
    guild = 175928847299117063  # (guild >> 22) = 41944705796
    assert shard_of(guild, 4) == 41944705796 % 4 == 0
    assert Shards(4, (0, 1)).owns(guild)
    assert not Shards(4, (2, 3)).owns(guild)
    assert Shards(4).owns(guild), "no ids: every shard"
    assert [Shards(4, (0, 2)).owns((k << 22) + 1) for k in range(4)] == [True, False, True, False]


@dataclass
class Discord:
    """What landed, as Discord would show it: (guild, channel, message id, text)."""

    messages: list[tuple[int, int, int, str]] = field(default_factory=list)

    def post(self, post: Post) -> int:
        message_id = len(self.messages) + 1
        self.messages.append((post.claim.guild_id, post.claim.channel_id, message_id, _text(post)))
        return message_id


def _text(post: Post) -> str:
    return f"{post.claim.local_date} {post.claim.text}"


@dataclass
class Courier:
    """One process's view of Discord: the servers on its shards; `crash` makes the next
    send land and then fail (the process then dies, as in a crash mid-post)."""

    discord: Discord
    sees: Callable[[int], bool]
    crash: bool = False
    crashed: bool = False
    sent: int = 0
    lose: bool = False  # the next send fails before anything lands

    def age_restricted(self, channel_id: int) -> bool:
        return False

    def reachable(self, channel_id: int) -> bool:
        return any(self.sees(g) for g, c in SERVERS if c == channel_id)

    async def landed(self, post: Post) -> int | None:
        return next(
            (
                m
                for _g, c, m, t in self.discord.messages
                if (c, t) == (post.claim.channel_id, _text(post))
            ),
            None,
        )

    async def send(self, post: Post) -> Outcome:
        if self.lose:
            self.lose, self.crashed = False, True
            return Failed("connection reset before the message was sent")
        self.sent += 1
        message_id = self.discord.post(post)
        if self.crash:
            self.crash, self.crashed = False, True
            return Failed("connection reset after the message was sent")
        return Sent(message_id)


@dataclass
class Process:
    name: str
    settings: Settings
    clock: Callable[[], datetime]
    db: Database | None = None
    services: Services | None = None

    async def start(self) -> Services:
        self.db = await Database.open(self.settings.database)
        self.services = Services.build(self.db, self.settings, clock=self.clock, instance=self.name)
        return self.services

    async def stop(self) -> None:
        assert self.services is not None and self.db is not None
        await self.services.close()
        await self.db.close()


def _expected_days(zone: str, end: datetime) -> set[date]:
    """The local days whose 09:00 falls after START and by `end`."""
    tz = ZoneInfo(zone)
    first = START.astimezone(tz).date() - timedelta(days=1)
    days = (first + timedelta(days=i) for i in range(DAYS + 3))
    return {d for d in days if START < datetime.combine(d, AT, tz) <= end}


@pytest.mark.parametrize(
    ("a_shards", "b_shards"),
    [((0, 1), (2, 3)), (None, None)],
    ids=["half-the-shards-each", "both-wrongly-run-every-shard"],
)
async def test_two_processes_post_every_schedule_exactly_once_a_day_for_30_days(
    settings: Settings, a_shards: tuple[int, ...] | None, b_shards: tuple[int, ...] | None
) -> None:
    now = [START]
    discord = Discord()
    shards_a, shards_b = Shards(SHARDS, a_shards), Shards(SHARDS, b_shards)
    a = Process("a", dataclasses.replace(settings, shards=shards_a), lambda: now[0])
    b = Process("b", dataclasses.replace(settings, shards=shards_b), lambda: now[0])
    services_a, services_b = await a.start(), await b.start()
    zone_of = {}
    for i, (guild, channel) in enumerate(SERVERS):
        zone_of[channel] = ZONES[i % len(ZONES)]
        await services_a.daily.set(
            guild,
            channel,
            at=AT,
            zone=ZoneInfo(zone_of[channel]),
            trope=None,
            role_id=None,
            user_id=1,
        )
    services_b.daily.reload()
    courier_a, courier_b = Courier(discord, shards_a.owns), Courier(discord, shards_b.owns)
    restarts = 0
    end = START + timedelta(days=DAYS)
    try:
        while now[0] < end:
            now[0] += STEP
            if now[0].date() == (START + timedelta(days=CRASH_DAY)).date() and not restarts:
                courier_a.crash = True
            await asyncio.gather(
                services_a.daily.round(now[0], courier_a),
                services_b.daily.round(now[0], courier_b),
            )
            if courier_a.crashed:  # A dies mid-post; a new process A starts on the database
                courier_a.crashed = False
                restarts += 1
                await a.stop()
                services_a = await a.start()
                courier_a = Courier(discord, courier_a.sees, sent=courier_a.sent)
        paused = [v.schedule.paused for g, _c in SERVERS for v in await services_a.daily.show(g)]
    finally:
        await a.stop()
        await b.stop()

    per_day = Counter(
        (channel, date.fromisoformat(text.split()[0])) for _g, channel, _m, text in discord.messages
    )
    assert restarts == 1, "process A crashed once, between a post landing and its record"
    for _guild, channel in SERVERS:
        days = {d for (c, d) in per_day if c == channel}
        assert days == _expected_days(zone_of[channel], end), f"channel {channel}"
    assert set(per_day.values()) == {1}, "no schedule posted twice on any day"
    assert len(discord.messages) == sum(len(_expected_days(z, end)) for z in zone_of.values())
    assert paused == [None] * len(SERVERS), "no process paused another's channel as gone"
    assert courier_a.sent + courier_b.sent == len(discord.messages)
    assert courier_a.sent > 0 and courier_b.sent > 0
    print(
        f"two processes, {len(SERVERS)} schedules, {DAYS} days: {len(discord.messages)} posts,"
        f" {len(per_day)} (schedule, day) pairs, max {max(per_day.values())} per pair;"
        f" A sent {courier_a.sent}, B sent {courier_b.sent}, restarts {restarts}"
    )


async def test_two_pollers_racing_for_the_same_due_post_1000_times_one_wins_each_time(
    settings: Settings,
) -> None:
    one, two = await Database.open(settings.database), await Database.open(settings.database)
    stores = DailyStore(one), DailyStore(two)
    wins = Counter[str]()
    try:
        for i in range(1000):
            day = date(2026, 1, 1) + timedelta(days=i)
            claims = await asyncio.gather(
                *(
                    store.claim(10, 20, day, "k", "text", instance=name, at=START)
                    for store, name in zip(stores, ("one", "two"), strict=True)
                )
            )
            winners = [name for name, c in zip(("one", "two"), claims, strict=True) if c]
            wins[winners[0] if len(winners) == 1 else f"{len(winners)} winners"] += 1
        claimed = await one.count("SELECT count(*) FROM daily_posts WHERE channel_id = 20")
    finally:
        await one.close()
        await two.close()
    print(f"1,000 races: {dict(wins)}")
    assert sum(wins[name] for name in ("one", "two")) == 1000, dict(wins)
    assert claimed == 1000


@pytest.mark.parametrize("landed", [True, False], ids=["its-post-had-landed", "nothing-landed"])
async def test_a_process_that_dies_mid_post_is_taken_over_after_the_lease(
    settings: Settings, landed: bool
) -> None:
    """A dies between claiming a post and recording it and never comes back; B, which
    owns the same servers, takes the claim over once A's lease has run out: the day is
    posted exactly once either way, and not before the lease ends."""
    now = [START]
    discord = Discord()
    a = Process("a", settings, lambda: now[0])
    b = Process("b", settings, lambda: now[0])
    services_a, services_b = await a.start(), await b.start()
    guild, channel = SERVERS[0]
    try:
        await services_a.daily.set(
            guild, channel, at=AT, zone=ZoneInfo("UTC"), trope=None, role_id=None, user_id=1
        )
        services_b.daily.reload()
        courier_a, courier_b = Courier(discord, lambda _g: True), Courier(discord, lambda _g: True)
        courier_a.crash, courier_a.lose = landed, not landed
        due = datetime.combine(START.date(), AT, UTC)
        now[0] = due
        await services_a.daily.round(now[0], courier_a)  # A claims, sends and dies
        assert courier_a.crashed
        held_until = due + CLAIM_LEASE
        took_over_at = None
        while now[0] < due + timedelta(hours=2):
            now[0] += timedelta(minutes=1)
            await services_b.daily.round(now[0], courier_b)  # A is gone: only B runs
            if took_over_at is None and await services_b.daily.store.unsent() == []:
                took_over_at = now[0]
        history = await services_b.daily.store.posted(guild, 10)
    finally:
        await a.stop()
        await b.stop()
    texts = [t for _g, c, _m, t in discord.messages if c == channel]
    assert len(texts) == 1, texts
    assert courier_b.sent == (0 if landed else 1), "B resends only what had not landed"
    assert took_over_at is not None and took_over_at > held_until, (took_over_at, held_until)
    assert [p.local_date for p in history] == [START.date()]
