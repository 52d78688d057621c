"""Daily prompts: schedules per channel in local time, posted exactly once per local day.

The poster (cogs/daily.py) calls `DailyService.round(now, courier)` in a loop and sleeps
the seconds it returns; everything it decides is here — what is due, the claim, what to
do after each outcome — and the courier only sends and renders. A post is *claimed* — a
row unique on (guild, channel, local date), inserted before sending — so no day is ever
posted twice, across retries, restarts and several processes; an unsent claim is retried
on the next tick, the same local day, and never on a later one. A claim is its process's
for CLAIM_LEASE after each attempt; then another process owning the server may take it
over (the first may have died mid-post), checking first whether the post had landed.
Schedules and the last claimed day of each channel are cached in memory (the database
stays the source of truth: a lost race to claim is simply a claim that returns None), so
a tick with nothing due costs no database round trip.

Several processes may share one database, each running some of the bot's gateway shards
(bot/shards.py): a process posts only for the servers on its own shards (`owns`, injected;
the others' channels are not in its cache, and it must not pause them as gone), and the
claim still stands guard, so two processes that both think they own a server (a mistaken
shard configuration) still post once.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

from bot.context import Where
from bot.errors import UserError
from bot.prompts.generator import key_trope
from bot.recurrence import Recurrence, parse_days
from bot.scheduling import (
    DayRule,
    due_instant,
    is_due,
    local_date,
    parse_hhmm,
    upcoming,
    zone_note,
)
from bot.services.config import ConfigService
from bot.services.prompts import PromptService
from bot.services.suggestions import (
    COMMUNITY,
    GENERATED,
    MIXED,
    POOL_EMPTY,
    SuggestionService,
    parse_source,
)
from bot.shards import owns_everything
from bot.store.daily import ClaimRow, DailyStore, PostedRow, ScheduleRow
from bot.store.suggestions import COMMUNITY_KEY

log = logging.getLogger(__name__)

ABANDONED = "abandoned"
MAX_SLEEP = 6 * 3600.0  # the poster re-checks at least this often (seconds)
RETRY_AFTER = 60.0  # a failed send is retried on the next tick, this much later
# An unsent claim is its process's for this long after each attempt; then another process
# that owns the server may take it over (the first may have died mid-post).
CLAIM_LEASE = timedelta(minutes=10)
CHANNEL_GONE = "the channel is gone or I can no longer see it"
NOT_ALLOWED = "I'm not allowed to post there: check my Send Messages permission"
NO_THREADS = "I can't open threads there: give me Create Public Threads in that channel"
HISTORY_SIZE = 30  # /prompt history
STATS_SIZE = 14  # /daily stats
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
    """The post landed: this message (and its response thread, or why there is none)."""

    message_id: int
    thread_id: int | None = None
    thread_problem: str | None = None


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
    upcoming: tuple[datetime, ...] = ()  # the next three post times
    rule: str = "every day"  # the days it posts on, as a person reads them
    notes: tuple[str, ...] = field(default_factory=tuple)  # what moderators should know


@dataclass(frozen=True, slots=True)
class PastPost:
    """A posted prompt as a channel may see it: `hidden` names the warnings (detected in a
    community prompt) that keep its text out of that channel; empty, it can be shown."""

    post: PostedRow
    hidden: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class PostStats:
    """A recent post and its replies (its thread's message count; None: no thread)."""

    post: PostedRow
    replies: int | None
    hidden: frozenset[str] = frozenset()  # as PastPost.hidden


def recurrence(s: ScheduleRow) -> Recurrence:
    return parse_days(s.days)


def anchor(s: ScheduleRow) -> date:
    """The local date "every N days" counts from: the first day the schedule owed a post."""
    if s.anchor:
        return date.fromisoformat(s.anchor)
    return baseline(s) + timedelta(days=1)


def day_rule(s: ScheduleRow) -> DayRule:
    rule, start = recurrence(s), anchor(s)
    return lambda day: rule.due_on(day, start)


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
        suggestions: SuggestionService,
        owns: Callable[[int], bool] = owns_everything,
    ) -> None:
        """`owns(guild_id)`: whether this process runs the server's shard (posts for it)."""
        self.store = store
        self.owns = owns
        self.prompts = prompts
        self.suggestions = suggestions
        self.config = config
        self.clock = clock
        self.instance = instance
        self._schedules: dict[Key, ScheduleRow] | None = None
        self._last: dict[Key, date] = {}
        self._pending: dict[Key, ClaimRow] = {}
        self._elsewhere: dict[Key, tuple[date, datetime]] = {}  # claimed by another process:
        # (its local day, when to see whether it was sent or is ours to take over)

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
        days: str | None = None,
        thread: bool = False,
        source: str | None = None,
        threads_allowed: bool = True,
    ) -> ScheduleView:
        """Set (or replace) a channel's schedule: a prompt (of `trope`, a slug; None = any)
        at `at` on the days of `days`. `threads_allowed`: whether the bot may open threads
        there now (a thread wanted where it may not is set, with a note)."""
        try:
            rule = parse_days(days)
        except ValueError as exc:
            raise UserError(str(exc)) from None
        origin = parse_source(source) or MIXED
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
            days=rule.text,
            thread=thread,
            source=origin,
        )
        before = next(
            (p for p in await self.store.schedules(guild_id) if p.channel_id == channel_id), None
        )
        # the same rule set again (say, to add a role) keeps its phase: "every 2 days" must
        # not post two days running because a moderator changed something else
        kept = before.anchor if before and before.days == row.days and before.anchor else None
        row = dataclasses.replace(row, anchor=kept or anchor(row).isoformat())
        await self.store.upsert(row, user_id=user_id)
        self.reload()
        await self._state()
        view = self._view(row, now)
        notes = (NO_THREADS,) if thread and not threads_allowed else ()
        return dataclasses.replace(view, note=zone_note(zone), notes=notes)

    async def off(self, guild_id: int, channel_id: int) -> bool:
        removed = await self.store.delete(guild_id, channel_id)
        self.reload()
        return removed

    async def show(
        self,
        guild_id: int,
        threads_allowed: Callable[[int], bool] = lambda _c: True,
        age_restricted: Callable[[int], bool] = lambda _c: False,
    ) -> list[ScheduleView]:
        """Each schedule with its rule, next posts, and what moderators should know: threads
        the bot may not open (`threads_allowed(channel_id)` now, or at the last post), a
        community pool that ran dry (for the channel as it is: `age_restricted(channel_id)`,
        as the poster sees it)."""
        now = self.clock()
        await self._state()
        views = []
        for s in await self.store.schedules(guild_id):
            view = self._view(s, now)
            notes = []
            if s.thread and not threads_allowed(s.channel_id):
                notes.append(NO_THREADS)
            elif s.thread and s.thread_problem:
                notes.append(s.thread_problem)
            if s.source != GENERATED and await self._pool_empty(
                s, now, age_restricted(s.channel_id)
            ):
                notes.append(POOL_EMPTY)
            views.append(dataclasses.replace(view, notes=tuple(notes)))
        return views

    async def _pool_empty(self, s: ScheduleRow, now: datetime, age_restricted: bool) -> bool:
        where = Where(s.guild_id, s.channel_id, age_restricted)
        view = await self.config.view(where)
        avoid = await self.prompts.recent_keys(s.guild_id, now)
        pick = await self.suggestions.pick(
            s.guild_id, view.eligibility.blocked, s.trope, s.source, avoid
        )
        return pick is None

    async def history(self, where: Where) -> list[PastPost]:
        """The server's last 30 posted daily prompts, newest first, as `where` may see them."""
        blocked = await self._blocked(where)
        return [
            PastPost(p, p.warnings & blocked)
            for p in await self.store.posted(where.guild_id, HISTORY_SIZE)
        ]

    async def stats(
        self, where: Where, replies: Callable[[int], Awaitable[int | None]]
    ) -> list[PostStats]:
        """The last 14 posts with their reply counts (`replies`: a thread's message count),
        most answered first, as `where` may see them."""
        blocked = await self._blocked(where)
        out = [
            PostStats(p, await replies(p.thread_id) if p.thread_id else None, p.warnings & blocked)
            for p in await self.store.posted(where.guild_id, STATS_SIZE)
        ]
        out.sort(key=lambda x: -1 if x.replies is None else x.replies, reverse=True)
        return out

    async def _blocked(self, where: Where) -> frozenset[str]:
        """The warnings `where` keeps out (sexual ones outside age-restricted channels)."""
        return (await self.config.view(where)).eligibility.blocked

    async def preview(self, guild_id: int, where: Where) -> tuple[str, str | None]:
        """The kind of prompt the next daily post would be (not recorded as shown)."""
        schedules = await self.store.schedules(guild_id)
        mine = next((s for s in schedules if s.channel_id == where.channel_id), None)
        schedule = mine or (schedules[0] if schedules else None)
        trope = schedule.trope if schedule else None
        view = await self.config.view(where)
        avoid = await self.prompts.recent_keys(guild_id, self.clock())
        prompt = await self.prompts.draw(guild_id, trope, view.eligibility, avoid)
        return prompt.text, self._trope_name(prompt.trope)

    def _view(self, s: ScheduleRow, now: datetime) -> ScheduleView:
        rule = recurrence(s).describe()
        if s.paused:
            return ScheduleView(s, None, rule=rule)
        times = upcoming(_time(s), ZoneInfo(s.timezone), self._last_owed(s), now, day_rule(s))
        return ScheduleView(s, times[0], upcoming=tuple(times), rule=rule)

    # -- the poster ----------------------------------------------------------------------------

    async def work(self, now: datetime, age_restricted: Callable[[int], bool]) -> list[Post]:
        """Everything to send now: unsent claims of today (retries), then newly due posts."""
        schedules = await self._state()
        posts: list[Post] = []
        for key, (day, look) in list(self._elsewhere.items()):
            s = schedules.get(key)
            if s is None or day != local_date(now, ZoneInfo(s.timezone)):
                del self._elsewhere[key]
            elif now >= look and key not in self._pending and self.owns(s.guild_id):
                claim = await self.store.unsent_claim(s.guild_id, s.channel_id, day)
                if claim is None:  # its process sent it (or gave the day up)
                    del self._elsewhere[key]
                else:  # perhaps a dead process's: a retry, if its lease ran out (`deliver`)
                    self._elsewhere[key] = (day, now + CLAIM_LEASE)
                    self._pending[key] = claim
        for key, claim in list(self._pending.items()):
            s = schedules.get(key)
            if s is None or s.paused or not self.owns(s.guild_id):
                continue
            if claim.local_date != local_date(now, ZoneInfo(s.timezone)):
                await self.store.mark_failed(claim.id, ABANDONED)  # never post a stale day late
                del self._pending[key]
                continue
            # the claimed prompt's trope: for "any trope" the schedule has none
            posts.append(Post(claim, s, self._trope_name(await self._claimed_trope(claim))))
        for key, s in schedules.items():
            if s.paused or key in self._pending or not self.owns(s.guild_id):
                continue
            day = is_due(_time(s), ZoneInfo(s.timezone), self._last_owed(s), now, day_rule(s))
            if day is None:
                continue
            where = Where(s.guild_id, s.channel_id, age_restricted(s.channel_id))
            view = await self.config.view(where)
            avoid = await self.prompts.recent_keys(s.guild_id, now)
            community = await self.suggestions.pick(
                s.guild_id, view.eligibility.blocked, s.trope, s.source, avoid
            )
            if community is not None:
                key_, text, trope = community.key, community.text, community.trope
                source, credit = COMMUNITY, community.author_name
            else:
                prompt = await self.prompts.draw(s.guild_id, s.trope, view.eligibility, avoid)
                key_, text, trope, source, credit = (
                    prompt.key,
                    prompt.text,
                    prompt.trope,
                    GENERATED,
                    None,
                )
            claim = await self.store.claim(
                s.guild_id,
                s.channel_id,
                day,
                key_,
                text,
                instance=self.instance,
                at=now,
                source=source,
                credit=credit,
            )
            self._last[key] = day
            if claim is None:  # another process claimed this day first
                self._elsewhere[key] = (day, now + CLAIM_LEASE)
            else:
                self._pending[key] = claim
                posts.append(Post(claim, s, self._trope_name(trope), fresh=True))
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
            if not await self.hold(post):  # another live process holds the claim
                key = post.schedule.key
                self._pending.pop(key, None)
                self._elsewhere[key] = (post.claim.local_date, self.clock() + CLAIM_LEASE)
                return True
            landed = await courier.landed(post)
            if landed is not None:
                await self.sent(post, landed)
                return True
            await self.store.attempted(post.claim.id)
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
        await self.sent(post, outcome.message_id, outcome.thread_id)
        if post.schedule.thread and outcome.thread_problem != post.schedule.thread_problem:
            s = post.schedule
            await self.store.set_thread_problem(s.guild_id, s.channel_id, outcome.thread_problem)
            self.reload()
        return True

    async def next_wakeup(self, now: datetime) -> datetime | None:
        """The earliest instant any active schedule of this process's servers is due."""
        schedules = (await self._state()).values()
        views = [self._view(s, now) for s in schedules if self.owns(s.guild_id)]
        times = [v.next_post for v in views if v.next_post is not None]
        times += [look for _day, look in self._elsewhere.values()]
        return min(times) if times else None

    async def hold(self, post: Post) -> bool:
        """Hold the claim for a retry (a lease); False if another live process holds it."""
        now = self.clock()
        return await self.store.renew(
            post.claim.id, instance=self.instance, at=now, stale=now - CLAIM_LEASE
        )

    async def sent(self, post: Post, message_id: int, thread_id: int | None = None) -> None:
        await self.store.mark_sent(post.claim.id, message_id, self.clock(), thread_id)
        self._pending.pop(post.schedule.key, None)

    async def failed(self, post: Post, error: str) -> None:
        await self.store.mark_failed(post.claim.id, error)

    async def pause(self, post: Post, reason: str) -> None:
        await self.store.pause(post.schedule.guild_id, post.schedule.channel_id, reason)
        self.reload()

    async def _claimed_trope(self, claim: ClaimRow) -> str | None:
        """The trope a claimed prompt was made for (a member's prompt: the one they gave)."""
        if claim.source == COMMUNITY:
            number = claim.prompt_key.removeprefix(COMMUNITY_KEY)
            row = await self.suggestions.get(claim.guild_id, int(number))
            return row.trope if row else None
        return key_trope(claim.prompt_key)

    def _trope_name(self, slug: str | None) -> str | None:
        return self.prompts.tax.display_name(slug) if slug else None


def _time(s: ScheduleRow) -> time:
    return parse_hhmm(s.at_time)
