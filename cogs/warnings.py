"""/warnings story and /warnings lookup: what a story contains, what a tag means."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot import render
from cogs._common import reply, server_channels, services, where_or_dm
from cogs._options import StoryOption, TermOption


@app_commands.allowed_contexts(guilds=True, dms=True, private_channels=False)
class WarningCog(
    commands.GroupCog, name="Warnings", group_name="warnings", group_description="Content warnings"
):
    @app_commands.command(
        name="story", description="What a story contains: declared and detected warnings."
    )
    @app_commands.describe(
        story="The story to check", public="Show the answer to the channel (default: only you)"
    )
    async def story(
        self, interaction: discord.Interaction, story: StoryOption, public: bool = False
    ) -> None:
        s, w = services(interaction), where_or_dm(interaction)
        report = await s.lookups.story_warnings(w, story, server_channels(interaction))
        notes = await s.reports.story_notes(w.guild_id, report.story.id)  # this server's overrides
        embed = render.story_warnings_here(report, notes)
        await reply(interaction, embed=embed, ephemeral=not (public or w.private))

    @app_commands.command(
        name="lookup", description="What a warning or tag means (e.g. MCD, non-con)."
    )
    @app_commands.describe(term="A warning, trope or tag, e.g. MCD")
    async def lookup(self, interaction: discord.Interaction, term: TermOption) -> None:
        info = services(interaction).lookups.term(term)
        await reply(interaction, embed=render.term(info), ephemeral=True)


async def setup(bot: commands.Bot) -> None:
    await bot.add_cog(WarningCog())
