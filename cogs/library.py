"""/library add, remove and restore: a server's own stories (Manage Server)."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot import render
from bot.errors import UserError
from bot.services.uploads import UNDO_WINDOW
from cogs._common import ModeratorCog, reply, services, upkeep_changed, where
from cogs._options import UploadOption


@app_commands.guild_only()
@app_commands.default_permissions(manage_guild=True)
class LibraryCog(
    ModeratorCog,
    name="Library",
    group_name="library",
    group_description="This server's own stories",
):
    @app_commands.command(
        name="add", description="Add a story file (text, AO3 HTML/EPUB, saved page) or AO3 link."
    )
    @app_commands.describe(file="The story file", url="An AO3 work or chapter link")
    async def add(
        self,
        interaction: discord.Interaction,
        file: discord.Attachment | None = None,
        url: str | None = None,
    ) -> None:
        s = services(interaction)
        assert interaction.guild_id is not None
        if (file is None) == (url is None):
            raise UserError("Give either file: (a story file) or url: (an AO3 work link).")
        if url is not None:
            link = s.ao3.parse(url)
            await interaction.response.defer(ephemeral=True, thinking=True)
            here = where(interaction)
            added, card = await s.ao3.add(here, interaction.user.id, link)
            story = s.lookups.card_for(here, added.story)
            embed = render.uploaded(story, added.passages, s.taxonomy.display_name)
            await reply(interaction, embeds=[embed, render.ao3_work(card)], ephemeral=True)
            return
        assert file is not None
        await interaction.response.defer(ephemeral=True, thinking=True)

        async def fetch() -> bytes:
            try:
                return await file.read()
            except (discord.HTTPException, discord.NotFound) as exc:
                raise UserError(
                    f"I couldn't download “{file.filename}” from Discord ({exc.status}); "
                    "please try the upload again."
                ) from None

        added = await s.uploads.add(
            interaction.guild_id, interaction.user.id, file.filename, file.size, fetch
        )
        await reply(
            interaction,
            embed=render.uploaded(
                s.lookups.card_for(where(interaction), added.story),
                added.passages,
                s.taxonomy.display_name,
            ),
            ephemeral=True,
        )

    @app_commands.command(name="remove", description="Remove a story this server uploaded.")
    @app_commands.describe(story="One of this server's uploads")
    async def remove(self, interaction: discord.Interaction, story: UploadOption) -> None:
        s = services(interaction)
        assert interaction.guild_id is not None
        gone = await s.uploads.remove(interaction.guild_id, interaction.user.id, story)
        upkeep_changed(interaction)
        minutes = int(UNDO_WINDOW.total_seconds() // 60)
        await reply(
            interaction,
            f"Removed “{render.escape(gone.title)}” from this server's library. "
            f"Changed your mind? /library restore brings it back within {minutes} minutes.",
            ephemeral=True,
        )

    @app_commands.command(
        name="restore", description="Bring back the story this server removed last (10 min)."
    )
    async def restore(self, interaction: discord.Interaction) -> None:
        s = services(interaction)
        assert interaction.guild_id is not None
        back = await s.uploads.restore(interaction.guild_id)
        await reply(
            interaction,
            f"Restored “{render.escape(back.title)}” to this server's library.",
            ephemeral=True,
        )


async def setup(bot: commands.Bot) -> None:
    await bot.add_cog(LibraryCog())
