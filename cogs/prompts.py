"""/prompt: a writing prompt built on a trope."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot import render
from cogs._common import choices, reply, services, where


class PromptCog(commands.Cog, name="Prompts"):
    @app_commands.command(name="prompt", description="A writing prompt built on a trope.")
    @app_commands.guild_only()
    @app_commands.describe(trope="A trope, e.g. soulmates (default: any)")
    async def prompt(self, interaction: discord.Interaction, trope: str | None = None) -> None:
        s, w = services(interaction), where(interaction)
        view = await s.config.view(w)
        prompt = await s.prompts.for_command(w.guild_id, trope, view.eligibility)
        name = s.config.names().get(prompt.trope, prompt.trope)
        await reply(interaction, embed=render.prompt(prompt.text, name))

    @prompt.autocomplete("trope")
    async def _trope(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        return choices(services(interaction).lookups.term_choices(current, kinds=("trope",)))


async def setup(bot: commands.Bot) -> None:
    await bot.add_cog(PromptCog())
