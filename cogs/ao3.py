"""/ao3 link: and the "Look up on AO3" message menu: policy-aware cards for AO3 links."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot import render
from bot.ao3.cards import WorkCard
from bot.ao3.errors import Ao3Error
from bot.ao3.service import Card
from bot.render import NO_PINGS
from cogs._common import reply, services, where


def card_embed(card: Card) -> discord.Embed:
    return render.ao3_work(card) if isinstance(card, WorkCard) else render.ao3_series(card)


class Ao3Cog(commands.Cog, name="Ao3"):
    def __init__(self, bot: commands.Bot) -> None:
        self.bot = bot
        self.menu = app_commands.ContextMenu(name="Look up on AO3", callback=self.look_up)
        self.menu.guild_only = True

    async def cog_load(self) -> None:
        self.bot.tree.add_command(self.menu)

    async def cog_unload(self) -> None:
        self.bot.tree.remove_command(self.menu.name, type=self.menu.type)

    @app_commands.command(name="ao3", description="Show an AO3 work or series as a card.")
    @app_commands.guild_only()
    @app_commands.describe(link="An AO3 work, chapter or series link")
    async def ao3(self, interaction: discord.Interaction, link: str) -> None:
        s, here = services(interaction), where(interaction)
        parsed = s.ao3.parse(link)
        await interaction.response.defer(thinking=True)  # AO3 may take a while: never time out
        card = await s.ao3.card(here, parsed)
        await reply(interaction, embed=card_embed(card))

    async def look_up(self, interaction: discord.Interaction, message: discord.Message) -> None:
        s, here = services(interaction), where(interaction)
        links = s.ao3.links_in(message.content)
        await interaction.response.defer(thinking=True)
        found = await s.ao3.cards(here, links)
        embeds = [card_embed(c) for c in found if not isinstance(c, Ao3Error)]
        notes = [
            f"<{link.canonical}>: {c}"  # <…>: no link preview
            for link, c in zip(links, found, strict=True)
            if isinstance(c, Ao3Error)
        ]
        await interaction.followup.send(
            render.content("\n".join(notes)), embeds=embeds, allowed_mentions=NO_PINGS
        )


async def setup(bot: commands.Bot) -> None:
    await bot.add_cog(Ao3Cog(bot))
