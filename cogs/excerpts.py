"""/excerpt: a random passage that fits this channel."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot import render
from bot.services.excerpts import NoExcerpt
from bot.store.library import PassageFilter
from cogs._common import reply, services, where
from cogs._options import CharacterOption, StoryOption, TropeOption
from cogs.buttons import excerpt_view


class ExcerptCog(commands.Cog, name="Excerpts"):
    @app_commands.command(name="excerpt", description="A random passage that fits this channel.")
    @app_commands.guild_only()
    @app_commands.describe(
        story="Only from this story",
        trope="Only from stories with this trope (e.g. soulmates)",
        character="Only passages featuring this character",
        query='Only passages containing these words (quote a phrase: "red string")',
    )
    async def excerpt(
        self,
        interaction: discord.Interaction,
        story: StoryOption | None = None,
        trope: TropeOption | None = None,
        character: CharacterOption | None = None,
        query: str | None = None,
    ) -> None:
        s, w = services(interaction), where(interaction)
        filt = PassageFilter(
            story_id=story.id if story else None,
            trope=trope,
            character=character,
            query=query or None,
        )
        result = await s.excerpts.draw(w, filt)
        if isinstance(result, NoExcerpt):
            await reply(interaction, render.content(result.message), ephemeral=True)
        else:
            view = await excerpt_view(s, result, filt)
            await reply(interaction, embed=render.excerpt(result), view=view)


async def setup(bot: commands.Bot) -> None:
    await bot.add_cog(ExcerptCog())
