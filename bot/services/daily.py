"""Daily prompts: schedules per channel in local time, posted exactly once per local day.

The poster (cogs/daily.py) calls `DailyService.round(now, courier)` in a loop and sleeps
the seconds it returns; everything it decides is here — what is due, the claim, what to
do after each outcome — and the courier only sends and renders. A post is *claimed* — a
row unique on (guild, channel, local date), inserted before sending — so no day is ever
posted twice, across retries, restarts and several processes; an unsent claim is retried
on the next tick, the same local day, and never on a later one. Schedules and the last
claimed day of each channel are cached in memory (SQLite stays the source of truth: a
lost race to claim is simply a claim that returns None), so a tick with nothing due
costs no database round trip.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

from bot.context import Where
from bot.prompts.generator import key_trope
from bot.scheduling import (
    due_instant,
    is_due,
    local_date,
    next_due,
    parse_hhmm,
    zone_note,
)
from bot.services.config import ConfigService
from bot.services.prompts import PromptService
from bot.store.daily import ClaimRow, DailyStore, ScheduleRow

log = logging.getLogger(__name__)

ABANDONED = "abandoned"
MAX_SLEEP = 6 * 3600.0  # the poster re-checks at least this often (seconds)
RETRY_AFTER = 60.0  # a failed send is retried on the next tick, this much later
CHANNEL_GONE = "the channel is gone or I can no longer see it"
NOT_ALLOWED = "I'm not allowed to post there: check my Send Messages permission"
Key = tuple[int, int]


@dataclass(frozen=True, slots=True)
class Post:
    """A claimed post to send now."""

    claim: ClaimRow
    schedule: ScheduleRow
    trope_name: str | None
    fresh: bool = False  # claimed just now; otherwise a retry (maybe after a restart)


@dataclass(frozen=True, slots=True)
class Sent:
    """The post landed: this message."""

    message_id: int


@dataclass(frozen=True, slots=True)
class NotAllowed:
    """The channel refuses the bot's posts (a permission): the schedule is paused."""


@dataclass(frozen=True, slots=True)
class Failed:
    """A transient failure: retried on the next tick."""

    error: str


Outcome = Sent | NotAllowed | Failed


class Courier(Protocol):
    """What the poster needs from Discord: channels, and sending (cogs/daily.py)."""

    def age_restricted(self, channel_id: int) -> bool: ...

    def reachable(self, channel_id: int) -> bool:
        """The channel exists, the bot sees it, and it takes messages."""
        ...

    async def landed(self, post: Post) -> int | None:
        """After an uncertain failure: the id of the post's message if it landed anyway."""
        ...

    async def send(self, post: Post) -> Outcome: ...


@dataclass(frozen=True, slots=True)
class ScheduleView:
    schedule: ScheduleRow
    next_post: datetime | None
    note: str | None = None  # what a surprising zone means (Etc/GMT+5 is UTC−5)


def baseline(s: ScheduleRow) -> date:
    """The last local day a schedule owes nothing for: set after that day's time, or the
    day before it was set. Catch-up never reaches back before a schedule existed."""
    zone = ZoneInfo(s.timezone)
    created = datetime.fromisoformat(s.created_at)
    day = local_date(created, zone)
    if due_instant(day, _time(s), zone) <= created:
        return day
    return day - timedelta(days=1)


class DailyService:
    def __init__(
        self,
        store: DailyStore,
        prompts: PromptService,
        config: ConfigService,
        clock: Callable[[], datetime],
        instance: str,
    ) -> None:
        self.store = store
        self.prompts = prompts
        self.config = config
        self.clock = clock
        self.instance = instance
        self._schedules: dict[Key, ScheduleRow] | None = None
        self._last: dict[Key, date] = {}
        self._pending: dict[Key, ClaimRow] = {}

    async def _state(self) -> dict[Key, ScheduleRow]:
        if self._schedules is None:
            self._schedules = {s.key: s for s in await self.store.schedules()}
            self._last = await self.store.last_claimed()
            self._pending = {(c.guild_id, c.channel_id): c for c in await self.store.unsent()}
        return self._schedules

    def reload(self) -> None:
        """Read schedules from the database again on next use."""
        self._schedules = None

    def _last_owed(self, s: ScheduleRow) -> date:
        claimed = self._last.get(s.key)
        base = baseline(s)
        return max(claimed, base) if claimed else base

    # -- moderators' commands --------------------------------------------------------------

    async def set(
        self,
        guild_id: int,
        channel_id: int,
        *,
        at: time,
        zone: ZoneInfo,
        trope: str | None,
        role_id: int | None,
        user_id: int,
    ) -> ScheduleView:
        """Post a prompt (of `trope`, a slug; None = any) in the channel daily at `at`."""
        now = self.clock()
        row = ScheduleRow(
            guild_id,
            channel_id,
            at.strftime("%H:%M"),
            zone.key,
            trope,
            role_id,
            None,
            now.isoformat(timespec="seconds"),
        )
        await self.store.upsert(row, user_id=user_id)
        self.reload()
        await self._state()
        view = self._view(row, now)
        return ScheduleView(view.schedule, view.next_post, zone_note(zone))

    async def off(self, guild_id: int, channel_id: int) -> bool:
        removed = await self.store.delete(guild_id, channel_id)
        self.reload()
        return removed

    async def show(self, guild_id: int) -> list[ScheduleView]:
        now = self.clock()
        await self._state()
        return [self._view(s, now) for s in await self.store.schedules(guild_id)]

    async def preview(self, guild_id: int, where: Where) -> tuple[str, str | None]:
        """The kind of prompt the next daily post would be (not recorded as shown)."""
        schedules = await self.store.schedules(guild_id)
        mine = next((s for s in schedules if s.channel_id == where.channel_id), None)
        schedule = mine or (schedules[0] if schedules else None)
        trope = schedule.trope if schedule else None
        view = await self.config.view(where)
        avoid = await self.prompts.recent_keys(guild_id, self.clock())
        prompt = await self.prompts.draw(guild_id, trope, view.store_filter, avoid)
        return prompt.text, self._trope_name(prompt.trope)

    def _view(self, s: ScheduleRow, now: datetime) -> ScheduleView:
        if s.paused:
            return ScheduleView(s, None)
        return ScheduleView(s, next_due(_time(s), ZoneInfo(s.timezone), self._last_owed(s), now))

    # -- the poster ----------------------------------------------------------------------------

    async def work(self, now: datetime, age_restricted: Callable[[int], bool]) -> list[Post]:
        """Everything to send now: unsent claims of today (retries), then newly due posts."""
        schedules = await self._state()
        posts: list[Post] = []
        for key, claim in list(self._pending.items()):
            s = schedules.get(key)
            if s is None or s.paused:
                continue
            if claim.local_date != local_date(now, ZoneInfo(s.timezone)):
                await self.store.mark_failed(claim.id, ABANDONED)  # never post a stale day late
                del self._pending[key]
                continue
            # the claimed prompt's trope: for "any trope" the schedule has none
            posts.append(Post(claim, s, self._trope_name(key_trope(claim.prompt_key))))
        for key, s in schedules.items():
            if s.paused or key in self._pending:
                continue
            day = is_due(_time(s), ZoneInfo(s.timezone), self._last_owed(s), now)
            if day is None:
                continue
            where = Where(s.guild_id, s.channel_id, age_restricted(s.channel_id))
            view = await self.config.view(where)
            avoid = await self.prompts.recent_keys(s.guild_id, now)
            prompt = await self.prompts.draw(s.guild_id, s.trope, view.store_filter, avoid)
            claim = await self.store.claim(
                s.guild_id,
                s.channel_id,
                day,
                prompt.key,
                prompt.text,
                instance=self.instance,
                at=now,
            )
            self._last[key] = day
            if claim is not None:  # None: another process claimed this day first
                self._pending[key] = claim
                posts.append(Post(claim, s, self._trope_name(prompt.trope), fresh=True))
        return posts

    async def round(self, now: datetime, courier: Courier) -> float:
        """One pass of the poster: send what is due; the seconds to sleep until the next."""
        delay = MAX_SLEEP
        try:
            if await self.tick(now, courier):
                delay = RETRY_AFTER
            wake = await self.next_wakeup(now)
            if wake is not None:
                delay = min(delay, (wake - now).total_seconds())
        except Exception:
            log.exception("daily poster tick failed; retrying in %.0f s", RETRY_AFTER)
            delay = RETRY_AFTER
        return max(delay, 1.0)

    async def tick(self, now: datetime, courier: Courier) -> bool:
        """Send everything due; True when a send failed and should be retried soon."""
        retry = False
        for post in await self.work(now, courier.age_restricted):
            retry |= not await self.deliver(post, courier)
        return retry

    async def deliver(self, post: Post, courier: Courier) -> bool:
        """Send one claimed post and record what came of it. False = a transient failure,
        retried on the next tick."""
        if not courier.reachable(post.claim.channel_id):
            await self.pause(post, CHANNEL_GONE)
            return True
        if not post.fresh:
            # a retry, perhaps after a restart: the last attempt may have landed anyway
            landed = await courier.landed(post)
            if landed is not None:
                await self.sent(post, landed)
                return True
            await self.attempt(post)
        outcome = await courier.send(post)
        if isinstance(outcome, NotAllowed):
            await self.pause(post, NOT_ALLOWED)
            return True
        if isinstance(outcome, Failed):
            log.warning(
                "daily prompt to %s failed (%s); will retry", post.claim.channel_id, outcome.error
            )
            await self.failed(post, outcome.error)
            return False
        await self.sent(post, outcome.message_id)
        return True

    async def next_wakeup(self, now: datetime) -> datetime | None:
        """The earliest instant any active schedule is due."""
        views = [self._view(s, now) for s in (await self._state()).values()]
        times = [v.next_post for v in views if v.next_post is not None]
        return min(times) if times else None

    async def attempt(self, post: Post) -> None:
        await self.store.attempted(post.claim.id)

    async def sent(self, post: Post, message_id: int) -> None:
        await self.store.mark_sent(post.claim.id, message_id, self.clock())
        self._pending.pop(post.schedule.key, None)

    async def failed(self, post: Post, error: str) -> None:
        await self.store.mark_failed(post.claim.id, error)

    async def pause(self, post: Post, reason: str) -> None:
        await self.store.pause(post.schedule.guild_id, post.schedule.channel_id, reason)
        self.reload()

    def _trope_name(self, slug: str | None) -> str | None:
        return self.prompts.tax.display_name(slug) if slug else None


def _time(s: ScheduleRow) -> time:
    return parse_hhmm(s.at_time)
