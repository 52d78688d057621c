"""/config: what may be posted in each channel (Manage Server)."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot import render
from bot.context import Where
from bot.errors import UserError
from cogs._common import ModeratorCog, policy_channel_id, reply, services
from cogs._options import RatingOption, WarningOption

Channel = discord.TextChannel | discord.Thread


@app_commands.guild_only()
@app_commands.default_permissions(manage_guild=True)
class ConfigCog(
    ModeratorCog,
    name="Config",
    group_name="config",
    group_description="What may be posted where",
):
    @app_commands.command(
        name="show", description="The effective policy of a channel and where it comes from."
    )
    @app_commands.describe(channel="Which channel (default: this one)")
    async def show(self, interaction: discord.Interaction, channel: Channel | None = None) -> None:
        s = services(interaction)
        assert interaction.guild_id is not None
        assert interaction.channel is not None
        target = channel or interaction.channel
        if not isinstance(target, discord.abc.GuildChannel | discord.Thread):
            raise UserError("Pick a server channel.")
        parent = target.parent if isinstance(target, discord.Thread) and target.parent else target
        where = Where(
            interaction.guild_id, policy_channel_id(target), bool(getattr(parent, "nsfw", False))
        )  # type: ignore[arg-type]
        view = await s.config.view(where)
        parts, notes = s.config.explain(view)
        changes = await s.config.recent_changes(interaction.guild_id)
        label = f"#{getattr(parent, 'name', 'channel')}" + (
            " (age-restricted)" if where.age_restricted else ""
        )
        embed = render.config_show(label, s.config.describe(view), parts, changes, notes)
        await reply(interaction, embed=embed, ephemeral=True)

    @app_commands.command(
        name="rating", description="Highest rating postable (server-wide, or in one channel)."
    )
    @app_commands.describe(max="Highest rating", channel="Only this channel (default: server-wide)")
    async def rating(
        self, interaction: discord.Interaction, max: RatingOption, channel: Channel | None = None
    ) -> None:
        s = services(interaction)
        assert interaction.guild_id is not None
        await s.config.set_max_rating(interaction.guild_id, _cid(channel), max, interaction.user.id)
        note = ""
        if max == s.config.vocab.explicit:
            note = " Sexual content still needs an age-restricted channel."
        await reply(
            interaction, f"Max rating {_scope(channel)} is now **{max}**.{note}", ephemeral=True
        )

    @app_commands.command(name="block", description="Never post passages with this warning.")
    @app_commands.describe(warning="A content warning, e.g. violence", channel="Only this channel")
    async def block(
        self,
        interaction: discord.Interaction,
        warning: WarningOption,
        channel: Channel | None = None,
    ) -> None:
        name = await _set_blocked(interaction, warning, channel, blocked=True)
        await reply(interaction, f"Blocked **{name}** {_scope(channel)}.", ephemeral=True)

    @app_commands.command(
        name="unblock", description="Allow passages with this warning (posted with a CW)."
    )
    @app_commands.describe(warning="A content warning", channel="Only this channel")
    async def unblock(
        self,
        interaction: discord.Interaction,
        warning: WarningOption,
        channel: Channel | None = None,
    ) -> None:
        name = await _set_blocked(interaction, warning, channel, blocked=False)
        await reply(
            interaction,
            f"Unblocked **{name}** {_scope(channel)}: such passages are posted with a CW line.",
            ephemeral=True,
        )

    @app_commands.command(
        name="spoilers", description="Wrap passages that carry a CW in spoiler bars."
    )
    @app_commands.describe(enabled="On or off", channel="Only this channel")
    async def spoilers(
        self, interaction: discord.Interaction, enabled: bool, channel: Channel | None = None
    ) -> None:
        s = services(interaction)
        assert interaction.guild_id is not None
        await s.config.set_spoilers(
            interaction.guild_id, _cid(channel), enabled, interaction.user.id
        )
        await reply(
            interaction, f"Spoilers {'on' if enabled else 'off'} {_scope(channel)}.", ephemeral=True
        )

    reports = app_commands.Group(name="reports", description="Where reader reports go")

    @reports.command(name="channel", description="Post reader reports in this channel.")
    @app_commands.describe(channel="The moderators' channel")
    async def reports_channel(
        self, interaction: discord.Interaction, channel: discord.TextChannel
    ) -> None:
        assert interaction.guild_id is not None
        await services(interaction).reports.set_queue(interaction.guild_id, channel.id)
        await reply(
            interaction,
            f"Reader reports will be posted in {channel.mention}. A reported passage is "
            "hidden at once; decide with the card's buttons.",
            ephemeral=True,
        )

    @reports.command(name="off", description="Stop posting reader reports (they still hide).")
    async def reports_off(self, interaction: discord.Interaction) -> None:
        assert interaction.guild_id is not None
        await services(interaction).reports.set_queue(interaction.guild_id, None)
        await reply(
            interaction,
            "Reader reports are no longer posted. Reported passages are still hidden and "
            "wait in /reports list.",
            ephemeral=True,
        )

    @app_commands.command(
        name="reset", description="Drop a channel's overrides (or the server defaults)."
    )
    @app_commands.describe(channel="Reset this channel (default: the server-wide settings)")
    async def reset(self, interaction: discord.Interaction, channel: Channel | None = None) -> None:
        s = services(interaction)
        assert interaction.guild_id is not None
        await s.config.reset(interaction.guild_id, _cid(channel), interaction.user.id)
        what = (
            f"{channel.mention} now follows the server default."
            if channel
            else "Server-wide settings are back to the built-in default."
        )
        await reply(interaction, what, ephemeral=True)


async def _set_blocked(
    interaction: discord.Interaction, slug: str, channel: Channel | None, *, blocked: bool
) -> str:
    """Block or allow a warning where asked; its display name."""
    s = services(interaction)
    assert interaction.guild_id is not None
    await s.config.set_blocked(
        interaction.guild_id, _cid(channel), slug, blocked, interaction.user.id
    )
    return s.taxonomy.display_name(slug)


def _cid(channel: Channel | None) -> int | None:
    return policy_channel_id(channel) if channel is not None else None


def _scope(channel: Channel | None) -> str:
    return f"in {channel.mention}" if channel else "server-wide"


async def setup(bot: commands.Bot) -> None:
    await bot.add_cog(ConfigCog())
