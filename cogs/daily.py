"""/daily set|off|show|preview, and the poster loop sending what the daily service says is due."""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot import render
from bot.errors import UserError
from bot.services.daily import NO_THREADS, Failed, NotAllowed, Outcome, Post, Sent
from bot.services.suggestions import SOURCES
from bot.sleeper import Sleeper
from cogs._common import ModeratorCog, reply, services, where
from cogs._options import TimeOption, TimezoneOption, TropeOption

if TYPE_CHECKING:
    from bot.app import FicshelfBot

log = logging.getLogger(__name__)


@app_commands.guild_only()
@app_commands.default_permissions(manage_guild=True)
class DailyCog(
    ModeratorCog,
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

    # -- commands ------------------------------------------------------------------------------

    @app_commands.command(name="set", description="Post a writing prompt in a channel every day.")
    @app_commands.describe(
        channel="Where to post",
        time="Local time, HH:MM (24-hour), e.g. 09:00",
        timezone="IANA timezone, e.g. Europe/London",
        trope="Always this trope (default: any)",
        role="A role to ping with each prompt",
        days="Which days: every day (default), mon,wed,fri, weekdays, every 2 days",
        thread="Open a public thread for answers on each prompt",
        source="Where prompts come from (default mixed: members' approved prompts first)",
    )
    @app_commands.choices(source=[app_commands.Choice(name=v, value=v) for v in SOURCES])
    async def set_(
        self,
        interaction: discord.Interaction,
        channel: discord.TextChannel,
        time: TimeOption,
        timezone: TimezoneOption,
        trope: TropeOption | None = None,
        role: discord.Role | None = None,
        days: str | None = None,
        thread: bool = False,
        source: str | None = None,
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
            zone=timezone,
            trope=trope,
            role_id=role.id if role else None,
            user_id=interaction.user.id,
            days=days,
            thread=thread,
            source=source,
            threads_allowed=_may_thread(self.bot, channel.id),
        )
        self.wake()
        text = render.daily_set(channel.mention, view, role.mention if role else None)
        await reply(interaction, text, ephemeral=True)

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
        views = await services(interaction).daily.show(
            interaction.guild_id,
            lambda channel_id: _may_thread(self.bot, channel_id),
            DiscordCourier(self.bot).age_restricted,  # as the poster will see the channel
        )
        embed = render.daily_schedules(
            views, lambda channel_id: _channel_name(self.bot, channel_id)
        )
        await reply(interaction, embed=embed, ephemeral=True)

    @app_commands.command(
        name="stats", description="The last 14 daily prompts by replies in their threads."
    )
    async def stats(self, interaction: discord.Interaction) -> None:
        assert interaction.guild_id is not None
        await interaction.response.defer(ephemeral=True, thinking=True)
        s = services(interaction)
        stats = await s.daily.stats(
            where(interaction), lambda thread_id: _replies(self.bot, thread_id)
        )
        embed = render.daily_stats(stats, s.taxonomy.display_name)
        await reply(interaction, embed=embed, ephemeral=True)

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
        courier = DiscordCourier(self.bot)
        while not self.bot.is_closed():
            delay = await self.bot.services.daily.round(discord.utils.utcnow(), courier)
            await self.sleeper.sleep(delay)

    def wake(self) -> None:
        """Re-plan now (a schedule changed): interrupt the poster's sleep, and only that."""
        self.sleeper.wake()


class DiscordCourier:
    """The daily service's courier (bot.services.daily.Courier): renders and sends."""

    def __init__(self, bot: FicshelfBot) -> None:
        self.bot = bot

    def age_restricted(self, channel_id: int) -> bool:
        channel = self.bot.get_channel(channel_id)
        if isinstance(channel, discord.Thread):
            channel = channel.parent
        return bool(getattr(channel, "nsfw", False))

    def _channel(self, channel_id: int) -> discord.abc.Messageable | None:
        channel = self.bot.get_channel(channel_id)
        return channel if isinstance(channel, discord.abc.Messageable) else None

    def reachable(self, channel_id: int) -> bool:
        return self._channel(channel_id) is not None

    async def landed(self, post: Post) -> int | None:
        channel = self._channel(post.claim.channel_id)
        if channel is None:
            return None
        claim = post.claim
        try:
            async for message in channel.history(limit=25):
                if message.author == self.bot.user and render.is_daily_prompt(
                    message.content, claim.text, post.trope_name, claim.credit
                ):
                    return message.id
        except discord.HTTPException:
            return None
        return None

    async def send(self, post: Post) -> Outcome:
        channel = self._channel(post.claim.channel_id)
        if channel is None:
            return NotAllowed()
        try:
            message = await channel.send(
                _body(post), allowed_mentions=render.daily_mentions(post.schedule.role_id)
            )
        except discord.Forbidden:
            return NotAllowed()
        except (discord.HTTPException, TimeoutError, OSError) as exc:
            return Failed(str(exc))
        if not post.schedule.thread:
            return Sent(message.id)
        thread_id, problem = await self._thread(message, post)
        return Sent(message.id, thread_id, problem)

    async def _thread(self, message: discord.Message, post: Post) -> tuple[int | None, str | None]:
        """Open the post's response thread: (its id, None), or (None, why not). A thread
        that cannot be opened never undoes the post."""
        if not _may_thread(self.bot, post.claim.channel_id):
            return None, NO_THREADS
        try:
            thread = await message.create_thread(
                name=render.thread_name(post.claim.text), auto_archive_duration=1440
            )
        except discord.Forbidden:
            return None, NO_THREADS
        except (discord.HTTPException, TimeoutError, OSError) as exc:
            log.warning("could not open a thread on daily post %s: %s", message.id, exc)
            return None, f"the last post's thread could not be opened ({exc})"
        return thread.id, None


def _may_thread(bot: commands.Bot, channel_id: int) -> bool:
    """Whether the bot may open public threads in a channel (unknown channel: assume so)."""
    channel = bot.get_channel(channel_id)
    if not isinstance(channel, discord.TextChannel):
        return True
    return channel.permissions_for(channel.guild.me).create_public_threads


async def _replies(bot: commands.Bot, thread_id: int) -> int | None:
    """A thread's message count, fetched (the cache does not count messages)."""
    try:
        thread = await bot.fetch_channel(thread_id)
    except discord.HTTPException:
        return None
    return thread.message_count if isinstance(thread, discord.Thread) else None


def _body(post: Post) -> str:
    return render.daily_prompt(
        post.claim.text, post.trope_name, post.schedule.role_id, post.claim.credit
    )


def _channel_name(bot: commands.Bot, channel_id: int) -> str:
    channel = bot.get_channel(channel_id)
    return getattr(channel, "name", None) or str(channel_id)


async def setup(bot: FicshelfBot) -> None:  # type: ignore[override]
    await bot.add_cog(DailyCog(bot))
