"""/story info and /story find."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot import render
from cogs._common import choices, reply, services, where

RATINGS = [app_commands.Choice(name=r, value=r) for r in ("general", "teen", "mature", "explicit")]


@app_commands.guild_only()
class StoryCog(
    commands.GroupCog,
    name="Stories",
    group_name="story",
    group_description="Stories in this server's library",
):
    @app_commands.command(name="info", description="About a story: rating, tags, tropes, warnings.")
    @app_commands.describe(story="The story")
    async def info(self, interaction: discord.Interaction, story: str) -> None:
        s, w = services(interaction), where(interaction)
        card = await s.lookups.card(w, story)
        await reply(interaction, embed=render.story_info(card, s.config.names()), ephemeral=True)

    @info.autocomplete("story")
    async def _story(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        assert interaction.guild_id is not None
        return choices(
            await services(interaction).directory.autocomplete(interaction.guild_id, current)
        )

    @app_commands.command(
        name="find", description="Find stories by words, trope, character; exclude a warning."
    )
    @app_commands.describe(
        query="Words in the title, tags or text",
        trope="A trope, e.g. soulmates",
        character="A character",
        exclude="Leave out stories with this warning",
        max_rating="Highest rating to list",
    )
    @app_commands.choices(max_rating=RATINGS)
    async def find(
        self,
        interaction: discord.Interaction,
        query: str | None = None,
        trope: str | None = None,
        character: str | None = None,
        exclude: str | None = None,
        max_rating: str | None = None,
    ) -> None:
        s, w = services(interaction), where(interaction)
        found = await s.lookups.find(
            w, query=query, trope=trope, character=character, exclude=exclude, max_rating=max_rating
        )
        await reply(interaction, embed=render.story_list(found, "Stories found"), ephemeral=True)

    @find.autocomplete("trope")
    async def _trope(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        return choices(services(interaction).lookups.term_choices(current, kinds=("trope",)))

    @find.autocomplete("exclude")
    async def _exclude(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        return choices(
            services(interaction).lookups.term_choices(
                current, kinds=("warning", "archive-warning")
            )
        )


async def setup(bot: commands.Bot) -> None:
    await bot.add_cog(StoryCog())
