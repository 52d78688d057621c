"""/story info and /story find."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot import render
from cogs._common import reply, services, where
from cogs._options import AnyWarningOption, CharacterOption, RatingOption, StoryOption, TropeOption


@app_commands.guild_only()
class StoryCog(
    commands.GroupCog,
    name="Stories",
    group_name="story",
    group_description="Stories in this server's library",
):
    @app_commands.command(name="info", description="About a story: rating, tags, tropes, warnings.")
    @app_commands.describe(story="The story")
    async def info(self, interaction: discord.Interaction, story: StoryOption) -> None:
        s, w = services(interaction), where(interaction)
        card = await s.lookups.card(w, story)
        await reply(
            interaction, embed=render.story_info(card, s.taxonomy.display_name), ephemeral=True
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
    async def find(
        self,
        interaction: discord.Interaction,
        query: str | None = None,
        trope: TropeOption | None = None,
        character: CharacterOption | None = None,
        exclude: AnyWarningOption | None = None,
        max_rating: RatingOption | None = None,
    ) -> None:
        s, w = services(interaction), where(interaction)
        found = await s.lookups.find(
            w, query=query, trope=trope, character=character, exclude=exclude, max_rating=max_rating
        )
        await reply(interaction, embed=render.story_list(found, "Stories found"), ephemeral=True)


async def setup(bot: commands.Bot) -> None:
    await bot.add_cog(StoryCog())
