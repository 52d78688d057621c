"""What every cog needs: where a command runs, the permission check, safe replies."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot import render
from bot.context import Where
from bot.errors import UserError
from bot.matching import Choice
from bot.store.records import BUNDLED

if TYPE_CHECKING:
    from bot.app import FicshelfBot
    from bot.services.root import Services


def services(interaction: discord.Interaction) -> Services:
    client: FicshelfBot = interaction.client  # type: ignore[assignment]
    return client.services


def upkeep_changed(interaction: discord.Interaction) -> None:
    """Let housekeeping re-plan its next purge (see FicshelfBot.upkeep_changed)."""
    client: FicshelfBot = interaction.client  # type: ignore[assignment]
    client.upkeep_changed()


def where(interaction: discord.Interaction) -> Where:
    """The server and policy channel (a thread's parent) of an interaction."""
    if interaction.guild_id is None or interaction.channel is None:
        raise UserError("This command only works in a server.")
    channel = interaction.channel
    parent = channel.parent if isinstance(channel, discord.Thread) and channel.parent else channel
    age_restricted = bool(getattr(parent, "nsfw", False))
    return Where(interaction.guild_id, parent.id, age_restricted)


MAX_CHANNELS = 50  # text channels a /warnings story answer looks at


def server_channels(interaction: discord.Interaction) -> list[Where]:
    """The server's text channels (at most MAX_CHANNELS), as places a story may be posted."""
    guild = interaction.guild
    if guild is None:
        return []
    return [Where(guild.id, c.id, c.is_nsfw()) for c in guild.text_channels[:MAX_CHANNELS]]


def where_or_dm(interaction: discord.Interaction) -> Where:
    """Like `where`, and in a DM with the bot: the bundled library, shown privately."""
    channel = interaction.channel
    if interaction.guild_id is None and isinstance(channel, discord.DMChannel):
        return Where(BUNDLED, channel.id, age_restricted=False, private=True)
    return where(interaction)


def policy_channel_id(channel: discord.abc.GuildChannel | discord.Thread) -> int:
    if isinstance(channel, discord.Thread) and channel.parent_id:
        return channel.parent_id
    return channel.id


def require_manage_guild(interaction: discord.Interaction) -> None:
    """Checked in code: `default_permissions` is only a hint server owners can override."""
    perms = interaction.permissions
    if not (perms.manage_guild or perms.administrator):
        raise app_commands.MissingPermissions(["manage_guild"])


class ModeratorCog(commands.GroupCog):
    """A command group for moderators. Subclasses also carry `guild_only` and
    `default_permissions(manage_guild=True)`, but that is only a hint server owners can
    override: every use is checked here, in code."""

    async def interaction_check(self, interaction: discord.Interaction) -> bool:  # type: ignore[override]
        require_manage_guild(interaction)
        return True


async def reply(
    interaction: discord.Interaction,
    text: str | None = None,
    *,
    embed: discord.Embed | None = None,
    embeds: list[discord.Embed] | None = None,
    ephemeral: bool = False,
    view: discord.ui.View | None = None,
) -> None:
    """Respond (or follow up after a defer) with pings disabled, within Discord's limits."""
    kwargs: dict[str, object] = {"allowed_mentions": render.NO_PINGS, "ephemeral": ephemeral}
    text = render.content(text) if text else text
    if embed is not None:
        kwargs["embed"] = render.fit(embed)
    if embeds is not None:
        kwargs["embeds"] = [render.fit(e) for e in embeds]
    if view is not None:
        kwargs["view"] = view
    if interaction.response.is_done():
        await interaction.followup.send(text or "", **kwargs)  # type: ignore[arg-type]
    else:
        await interaction.response.send_message(text, **kwargs)  # type: ignore[arg-type]


def choices(items: list[Choice]) -> list[app_commands.Choice[str]]:
    """At most 25 autocomplete choices, names and values within Discord's 100 characters."""
    return [
        app_commands.Choice(name=render.clip(c.name, 100) or "…", value=c.value[:100])
        for c in items[:25]
    ]


async def guarded(interaction: discord.Interaction, action: Callable[[], Awaitable[None]]) -> None:
    """Run a button's work; a UserError is answered privately, anything else logged and
    apologised for (the tree's error handler does not see component callbacks)."""
    try:
        await action()
    except Exception as exc:
        client: FicshelfBot = interaction.client  # type: ignore[assignment]
        await client.on_app_command_error(interaction, exc)  # type: ignore[arg-type]
