"""/daily set|off|show|preview and the poster that sends each day's prompt exactly once."""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot import render
from bot.errors import UserError
from bot.matching import Choice
from bot.scheduling import timezone_names
from bot.services.daily import Post
from bot.sleeper import Sleeper
from cogs._common import choices, reply, require_manage_guild, services, where

if TYPE_CHECKING:
    from bot.app import FicshelfBot

log = logging.getLogger(__name__)

MAX_SLEEP = 6 * 3600.0  # re-check at least this often (seconds)
RETRY_AFTER = 60.0  # a failed send is retried on the next tick, this much later


@app_commands.guild_only()
@app_commands.default_permissions(manage_guild=True)
class DailyCog(
    commands.GroupCog,
    name="Daily",
    group_name="daily",
    group_description="A writing prompt every day",
):
    def __init__(self, bot: FicshelfBot) -> None:
        self.bot = bot
        self.task: asyncio.Task[None] | None = None
        self.sleeper = Sleeper()

    async def cog_load(self) -> None:
        self.task = asyncio.create_task(self.poster(), name="ficshelf-daily-poster")

    async def cog_unload(self) -> None:
        await self.sleeper.stop(self.task)

    async def interaction_check(self, interaction: discord.Interaction) -> bool:  # type: ignore[override]
        require_manage_guild(interaction)
        return True

    # -- commands ------------------------------------------------------------------------------

    @app_commands.command(name="set", description="Post a writing prompt in a channel every day.")
    @app_commands.describe(
        channel="Where to post",
        time="Local time, HH:MM (24-hour), e.g. 09:00",
        timezone="IANA timezone, e.g. Europe/London",
        trope="Always this trope (default: any)",
        role="A role to ping with each prompt",
    )
    async def set_(
        self,
        interaction: discord.Interaction,
        channel: discord.TextChannel,
        time: str,
        timezone: str,
        trope: str | None = None,
        role: discord.Role | None = None,
    ) -> None:
        s = services(interaction)
        assert interaction.guild is not None
        me = interaction.guild.me
        if me is not None and not channel.permissions_for(me).send_messages:
            raise UserError(
                f"I can't post in {channel.mention}: give me Send Messages there first."
            )
        view = await s.daily.set(
            interaction.guild.id,
            channel.id,
            at=time,
            timezone=timezone,
            trope=trope,
            role_id=role.id if role else None,
            user_id=interaction.user.id,
        )
        self.wake()
        nxt = render.timestamp(view.next_post) if view.next_post else "—"
        ping = f", pinging {role.mention}" if role else ""
        note = f"\n{view.note}" if view.note else ""
        await reply(
            interaction,
            f"Daily prompt set: {channel.mention} at {view.schedule.at_time} "
            f"({view.schedule.timezone}){ping}. Next post: {nxt}.{note}",
            ephemeral=True,
        )

    @set_.autocomplete("timezone")
    async def _timezone(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        return choices([Choice(z, z) for z in timezone_names(current)])

    @set_.autocomplete("trope")
    async def _trope(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        return choices(services(interaction).lookups.term_choices(current, kinds=("trope",)))

    @app_commands.command(name="off", description="Stop the daily prompt in a channel.")
    @app_commands.describe(channel="The channel")
    async def off(self, interaction: discord.Interaction, channel: discord.TextChannel) -> None:
        assert interaction.guild_id is not None
        removed = await services(interaction).daily.off(interaction.guild_id, channel.id)
        self.wake()
        text = (
            f"No more daily prompts in {channel.mention}."
            if removed
            else (f"{channel.mention} had no daily prompt.")
        )
        await reply(interaction, text, ephemeral=True)

    @app_commands.command(
        name="show", description="This server's daily prompts and when each posts next."
    )
    async def show(self, interaction: discord.Interaction) -> None:
        assert interaction.guild_id is not None
        rows = []
        for v in await services(interaction).daily.show(interaction.guild_id):
            s = v.schedule
            parts = [f"{s.at_time} {s.timezone}"]
            if s.trope:
                parts.append(f"trope: {s.trope}")
            if s.role_id:
                parts.append(f"pings <@&{s.role_id}>")
            state = (
                f"**paused**: {s.paused}"
                if s.paused
                else (f"next: {render.timestamp(v.next_post)}" if v.next_post else "")
            )
            rows.append(
                (f"#{_channel_name(self.bot, s.channel_id)}", " · ".join(parts) + "\n" + state)
            )
        await reply(interaction, embed=render.daily_schedules(rows), ephemeral=True)

    @app_commands.command(name="preview", description="What the next daily prompt could look like.")
    async def preview(self, interaction: discord.Interaction) -> None:
        assert interaction.guild_id is not None
        text, trope = await services(interaction).daily.preview(
            interaction.guild_id, where(interaction)
        )
        await reply(interaction, embed=render.prompt(text, trope), ephemeral=True)

    # -- the poster ----------------------------------------------------------------------------

    async def poster(self) -> None:
        await self.bot.wait_until_ready()
        while not self.bot.is_closed():
            now = discord.utils.utcnow()
            delay = MAX_SLEEP
            try:
                if await self.tick(now):
                    delay = RETRY_AFTER
                wake = await self.bot.services.daily.next_wakeup(now)
                if wake is not None:
                    delay = min(delay, (wake - now).total_seconds())
            except Exception:
                log.exception("daily poster tick failed; retrying in %.0f s", RETRY_AFTER)
                delay = RETRY_AFTER
            await self.sleeper.sleep(max(delay, 1.0))

    def wake(self) -> None:
        """Re-plan now (a schedule changed): interrupt the poster's sleep, and only that."""
        self.sleeper.wake()

    async def tick(self, now: datetime) -> bool:
        """Send everything due; True when a send failed and should be retried soon."""
        daily = self.bot.services.daily
        retry = False
        for post in await daily.work(now, self.age_restricted):
            retry |= not await self.send(post)
        return retry

    def age_restricted(self, channel_id: int) -> bool:
        channel = self.bot.get_channel(channel_id)
        if isinstance(channel, discord.Thread):
            channel = channel.parent
        return bool(getattr(channel, "nsfw", False))

    async def send(self, post: Post) -> bool:
        """Send one claimed post. False = a transient failure, retry on the next tick."""
        daily = self.bot.services.daily
        channel = self.bot.get_channel(post.claim.channel_id)
        if channel is None or not isinstance(channel, discord.abc.Messageable):
            await daily.pause(post, "the channel is gone or I can no longer see it")
            return True
        body = render.daily_prompt(post.claim.text, post.trope_name, post.schedule.role_id)
        if not post.fresh:
            # a retry, perhaps after a restart: the last attempt may have landed anyway
            landed = await self._already_posted(channel, body)
            if landed is not None:
                await daily.sent(post, landed)
                return True
            await daily.attempt(post)
        try:
            message = await channel.send(
                body, allowed_mentions=render.daily_mentions(post.schedule.role_id)
            )
        except discord.Forbidden:
            await daily.pause(
                post, "I'm not allowed to post there: check my Send Messages permission"
            )
            return True
        except (discord.HTTPException, TimeoutError, OSError) as exc:
            log.warning("daily prompt to %s failed (%s); will retry", post.claim.channel_id, exc)
            await daily.failed(post, str(exc))
            return False
        await daily.sent(post, message.id)
        return True

    async def _already_posted(self, channel: discord.abc.Messageable, body: str) -> int | None:
        """After an uncertain failure: did the message land anyway? Its id, if so."""
        try:
            async for message in channel.history(limit=25):
                if message.author == self.bot.user and message.content == body:
                    return message.id
        except discord.HTTPException:
            return None
        return None


def _channel_name(bot: commands.Bot, channel_id: int) -> str:
    channel = bot.get_channel(channel_id)
    return getattr(channel, "name", None) or str(channel_id)


async def setup(bot: FicshelfBot) -> None:  # type: ignore[override]
    await bot.add_cog(DailyCog(bot))
