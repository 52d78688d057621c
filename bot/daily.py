"""Daily prompts: schedules per channel in local time, posted exactly once per local day.

The poster (cogs/daily.py) asks `Daily.work(now)` what to post, sends, and reports back
with `sent` / `failed` / `pause`. A post is *claimed* (a row unique on guild, channel and
local date) before it is sent, so no day is ever posted twice — across retries, restarts
and several processes; an unsent claim is retried on the next tick, the same local day.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from bot.context import Where
from bot.errors import UserError
from bot.guild_config import GuildConfig
from bot.prompting import Prompts
from bot.scheduling import is_due, local_date, next_due, parse_hhmm, resolve_zone
from bot.store.daily import ClaimRow, DailyStore, ScheduleRow

ABANDONED = "abandoned"


@dataclass(frozen=True, slots=True)
class Post:
    """A claimed post to send now."""

    claim: ClaimRow
    schedule: ScheduleRow
    trope_name: str | None


@dataclass(frozen=True, slots=True)
class ScheduleView:
    schedule: ScheduleRow
    next_post: datetime | None


class Daily:
    def __init__(
        self,
        store: DailyStore,
        prompts: Prompts,
        config: GuildConfig,
        clock: Callable[[], datetime],
        instance: str,
    ) -> None:
        self.store = store
        self.prompts = prompts
        self.config = config
        self.clock = clock
        self.instance = instance

    # -- moderators' commands --------------------------------------------------------------

    async def set(
        self,
        guild_id: int,
        channel_id: int,
        *,
        at: str,
        timezone: str,
        trope: str | None,
        role_id: int | None,
        user_id: int,
    ) -> ScheduleView:
        try:
            when = parse_hhmm(at)
            zone = resolve_zone(timezone)
        except ValueError as exc:
            raise UserError(str(exc)) from None
        slug = self.prompts.trope(trope)
        row = ScheduleRow(
            guild_id, channel_id, when.strftime("%H:%M"), zone.key, slug, role_id, None
        )
        await self.store.upsert(row, user_id=user_id, at=self.clock())
        return await self._view(row, self.clock())

    async def off(self, guild_id: int, channel_id: int) -> bool:
        return await self.store.delete(guild_id, channel_id)

    async def show(self, guild_id: int) -> list[ScheduleView]:
        now = self.clock()
        return [await self._view(s, now) for s in await self.store.schedules(guild_id)]

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

    async def _view(self, s: ScheduleRow, now: datetime) -> ScheduleView:
        if s.paused:
            return ScheduleView(s, None)
        last = await self.store.last_claimed(s.guild_id, s.channel_id)
        return ScheduleView(s, next_due(_time(s), ZoneInfo(s.timezone), last, now))

    # -- the poster ----------------------------------------------------------------------------

    async def work(self, now: datetime, age_restricted: Callable[[int], bool]) -> list[Post]:
        """Everything to send now: unsent claims of today (retries), then newly due posts."""
        schedules = {(s.guild_id, s.channel_id): s for s in await self.store.schedules()}
        posts: list[Post] = []
        for claim in await self.store.unsent():
            s = schedules.get((claim.guild_id, claim.channel_id))
            if s is None or s.paused:
                continue
            if claim.local_date != local_date(now, ZoneInfo(s.timezone)):
                await self.store.mark_failed(claim.id, ABANDONED)  # never post a stale day late
                continue
            posts.append(Post(claim, s, self._trope_name(s.trope)))
        claimed = {(p.claim.guild_id, p.claim.channel_id) for p in posts}
        for key, s in schedules.items():
            if s.paused or key in claimed:
                continue
            last = await self.store.last_claimed(s.guild_id, s.channel_id)
            day = is_due(_time(s), ZoneInfo(s.timezone), last, now)
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
            if claim is not None:  # None: another process claimed it first
                posts.append(Post(claim, s, self._trope_name(prompt.trope)))
        return posts

    async def next_wakeup(self, now: datetime) -> datetime | None:
        """The earliest instant any active schedule is due."""
        times = [
            v.next_post for v in [await self._view(s, now) for s in await self.store.schedules()]
        ]
        pending = [t for t in times if t is not None]
        return min(pending) if pending else None

    async def attempt(self, post: Post) -> None:
        await self.store.attempted(post.claim.id)

    async def sent(self, post: Post, message_id: int) -> None:
        await self.store.mark_sent(post.claim.id, message_id, self.clock())

    async def failed(self, post: Post, error: str) -> None:
        await self.store.mark_failed(post.claim.id, error)

    async def pause(self, post: Post, reason: str) -> None:
        await self.store.pause(post.schedule.guild_id, post.schedule.channel_id, reason)

    def _trope_name(self, slug: str | None) -> str | None:
        if not slug:
            return None
        entry = self.prompts.tax.lookup(slug)
        return entry.name if entry else slug


def _time(s: ScheduleRow) -> time:
    return parse_hhmm(s.at_time)


def today(now: datetime, zone_name: str) -> date:
    return local_date(now, ZoneInfo(zone_name))
