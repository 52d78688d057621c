"""/prompt: a writing prompt built on a trope."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot import render
from cogs._common import reply, services, where
from cogs._options import TropeOption


class PromptCog(commands.Cog, name="Prompts"):
    @app_commands.command(name="prompt", description="A writing prompt built on a trope.")
    @app_commands.guild_only()
    @app_commands.describe(trope="A trope, e.g. soulmates (default: any)")
    async def prompt(
        self, interaction: discord.Interaction, trope: TropeOption | None = None
    ) -> None:
        s, w = services(interaction), where(interaction)
        view = await s.config.view(w)
        prompt = await s.prompts.for_command(w.guild_id, trope, view.store_filter)
        await reply(
            interaction, embed=render.prompt(prompt.text, s.taxonomy.display_name(prompt.trope))
        )


async def setup(bot: commands.Bot) -> None:
    await bot.add_cog(PromptCog())
