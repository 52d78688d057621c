"""/excerpt: a random passage that fits this channel."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot import render
from bot.matching import Choice, fuzzy_names
from bot.services.excerpts import NoExcerpt
from cogs._common import choices, reply, services, where
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
        story: str | None = None,
        trope: str | None = None,
        character: str | None = None,
        query: str | None = None,
    ) -> None:
        s, w = services(interaction), where(interaction)
        filt = await s.excerpts.parse_filter(
            w, story=story, trope=trope, character=character, query=query
        )
        result = await s.excerpts.draw(w, filt)
        if isinstance(result, NoExcerpt):
            await reply(interaction, render.content(result.message), ephemeral=True)
        else:
            view = await excerpt_view(s, result, filt)
            await reply(interaction, embed=render.excerpt(result), view=view)

    @excerpt.autocomplete("story")
    async def _story(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        assert interaction.guild_id is not None
        return choices(
            await services(interaction).directory.autocomplete(interaction.guild_id, current)
        )

    @excerpt.autocomplete("trope")
    async def _trope(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        return choices(services(interaction).lookups.term_choices(current, kinds=("trope",)))

    @excerpt.autocomplete("character")
    async def _character(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        assert interaction.guild_id is not None
        names = await services(interaction).library.characters(interaction.guild_id)
        return choices([Choice(n, n) for n in fuzzy_names(current, names)])


async def setup(bot: commands.Bot) -> None:
    await bot.add_cog(ExcerptCog())
