"""/prompt new|suggest|history|pending: writing prompts, and the prompts members suggest.

A suggestion's card goes to the moderator queue (`/config reports channel`) with Approve
and Reject; both are persistent `DynamicItem`s (their custom_id names the suggestion), and
Reject's form is read from the submission itself, so they work after a restart. Every
press checks Manage Server in code. A rejection's reason reaches the suggester by DM, or
privately on their next command when DMs are closed.
"""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands

from bot import render
from bot.errors import UserError
from bot.services.suggestions import MAX_LENGTH, Suggested
from bot.store.suggestions import APPROVED, OPEN, REJECTED, SuggestionRow
from cogs._common import (
    QueueButton,
    form_values,
    guarded,
    is_moderator,
    reply,
    require_manage_guild,
    services,
    submitted,
    where,
)
from cogs._options import TropeOption

if TYPE_CHECKING:
    from bot.services.root import Services

log = logging.getLogger(__name__)

REFUSED = "Only members with the Manage Server permission can decide prompt suggestions."
REJECT_FORM = re.compile(r"^fs1:rf:(?P<sid>\d+)$")


def card_view(row: SuggestionRow) -> discord.ui.View:
    """Approve / Reject: live while the suggestion is open, disabled once decided."""
    buttons = (
        ("approve", "Approve", discord.ButtonStyle.success),
        ("reject", "Reject", discord.ButtonStyle.danger),
    )
    return SuggestionButton.card(row.id, buttons, live=row.status == OPEN)


async def post_card(client: discord.Client, s: Services, suggested: Suggested) -> bool:
    """Post a new suggestion's card in the server's queue channel; False if it has none."""
    if suggested.queue_channel is None:
        return False
    channel = client.get_channel(suggested.queue_channel)
    if not isinstance(channel, discord.abc.Messageable):
        log.warning("moderator queue channel %s is gone", suggested.queue_channel)
        return False
    row = suggested.suggestion
    try:
        card = await channel.send(
            embed=render.suggestion_card(row, s.taxonomy.display_name),
            view=card_view(row),
            allowed_mentions=render.NO_PINGS,
        )
    except discord.HTTPException as exc:
        log.warning("could not post suggestion %s: %s", row.id, exc)
        return False
    await s.suggestions.card_posted(row.id, card.channel.id, card.id)
    return True


class SuggestionButton(QueueButton, template=r"fs1:(?P<action>approve|reject):(?P<id>\d+)"):
    """A moderator's decision on one suggestion (Reject asks for an optional reason)."""

    prefix, refused = "fs1", REFUSED

    async def press(self, interaction: discord.Interaction, guild_id: int) -> None:
        s = services(interaction)
        if self.action == "reject":
            row = await s.suggestions.get(guild_id, self.item_id)
            if row is not None and row.status != OPEN:
                raise UserError("That suggestion was already decided.")
            form = RejectForm(self.item_id)
            await interaction.response.send_modal(form)
            form.stop()  # the submission is handled from its custom_id (PromptCog)
            return
        row = await s.suggestions.decide(guild_id, self.item_id, APPROVED, interaction.user.id)
        await interaction.response.edit_message(
            embed=render.suggestion_card(row, s.taxonomy.display_name), view=card_view(row)
        )


class RejectForm(discord.ui.Modal):
    """Why a suggestion is rejected (optional; the suggester is told)."""

    def __init__(self, suggestion_id: int) -> None:
        super().__init__(title="Reject this suggestion", custom_id=f"fs1:rf:{suggestion_id}")
        reason: discord.ui.TextInput[Any] = discord.ui.TextInput(
            custom_id="reason", style=discord.TextStyle.paragraph, required=False, max_length=500
        )
        self.add_item(
            discord.ui.Label(
                text="Reason (optional)",
                description="Sent to the member who suggested it",
                component=reason,
            )
        )


@app_commands.guild_only()
class PromptCog(
    commands.GroupCog,
    name="Prompts",
    group_name="prompt",
    group_description="Writing prompts, and prompts members suggest",
):
    @app_commands.command(name="new", description="A writing prompt built on a trope.")
    @app_commands.describe(trope="A trope, e.g. soulmates (default: any)")
    async def new(self, interaction: discord.Interaction, trope: TropeOption | None = None) -> None:
        s, w = services(interaction), where(interaction)
        view = await s.config.view(w)
        prompt = await s.prompts.for_command(w.guild_id, trope, view.eligibility)
        await reply(
            interaction, embed=render.prompt(prompt.text, s.taxonomy.display_name(prompt.trope))
        )

    @app_commands.command(
        name="suggest", description="Suggest a prompt for this server's daily prompts."
    )
    @app_commands.describe(
        text=f"The prompt (up to {MAX_LENGTH} characters)", trope="Its trope, if it has one"
    )
    async def suggest(
        self, interaction: discord.Interaction, text: str, trope: TropeOption | None = None
    ) -> None:
        s, w = services(interaction), where(interaction)
        suggested = await s.suggestions.suggest(
            w, interaction.user.id, interaction.user.display_name, text, trope
        )
        queued = await post_card(interaction.client, s, suggested)
        await reply(interaction, render.suggestion_received(queued), ephemeral=True)

    @app_commands.command(
        name="history", description="The last 30 daily prompts posted here, with their source."
    )
    async def history(self, interaction: discord.Interaction) -> None:
        s = services(interaction)
        posts = await s.daily.history(where(interaction))
        embed = render.prompt_history(posts, s.taxonomy.display_name)
        await reply(interaction, embed=embed, ephemeral=True)

    @app_commands.command(
        name="pending", description="The oldest prompt suggestion waiting (Manage Server)."
    )
    async def pending(self, interaction: discord.Interaction) -> None:
        require_manage_guild(interaction)
        assert interaction.guild_id is not None
        s = services(interaction)
        waiting = await s.suggestions.waiting(interaction.guild_id, limit=1)
        if not waiting:
            await reply(interaction, "No prompt suggestion is waiting.", ephemeral=True)
            return
        row = waiting[0]
        await reply(
            interaction,
            embed=render.suggestion_card(row, s.taxonomy.display_name),
            view=card_view(row),
            ephemeral=True,
        )

    # -- the reject form, and notes waiting for a member --------------------------------------

    @commands.Cog.listener()
    async def on_interaction(self, interaction: discord.Interaction) -> None:
        match = submitted(interaction, REJECT_FORM)
        if match is None:
            return
        await guarded(interaction, lambda: self.reject(interaction, int(match["sid"])))

    async def reject(self, interaction: discord.Interaction, suggestion_id: int) -> None:
        if interaction.guild_id is None or not is_moderator(interaction):
            raise UserError(REFUSED)
        s = services(interaction)
        row = await s.suggestions.decide(
            interaction.guild_id,
            suggestion_id,
            REJECTED,
            interaction.user.id,
            str(form_values(interaction.data).get("reason") or ""),
        )
        # the rejection is committed: the member is told before the card is touched, so a
        # card that cannot be edited never keeps the news from them
        server = interaction.guild.name if interaction.guild else "the server"
        notice = render.suggestion_rejected(row, server)
        if not await _direct_message(interaction.client, row.user_id, notice):
            await s.suggestions.leave_notice(row.guild_id, row.user_id, notice)
        card = render.suggestion_card(row, s.taxonomy.display_name)
        if interaction.message is not None:
            await interaction.response.edit_message(embed=card, view=card_view(row))
        else:
            await reply(interaction, embed=card, ephemeral=True)

    @commands.Cog.listener()
    async def on_app_command_completion(
        self, interaction: discord.Interaction, command: object
    ) -> None:
        """Give a member the notes kept for them (privately, after their command's answer)."""
        if interaction.guild_id is None or not interaction.response.is_done():
            return
        s = services(interaction)
        for text in await s.suggestions.notices(interaction.guild_id, interaction.user.id):
            try:
                await interaction.followup.send(
                    render.content(text), ephemeral=True, allowed_mentions=render.NO_PINGS
                )
            except discord.HTTPException as exc:
                log.warning("could not give %s a note: %s", interaction.user.id, exc)
                await s.suggestions.leave_notice(interaction.guild_id, interaction.user.id, text)


async def _direct_message(client: discord.Client, user_id: int, text: str) -> bool:
    """Send a DM; False when the member does not take DMs from the bot (or it failed)."""
    try:
        user = client.get_user(user_id) or await client.fetch_user(user_id)
        await user.send(text, allowed_mentions=render.NO_PINGS)
    except discord.HTTPException:
        return False
    return True


async def setup(bot: commands.Bot) -> None:
    bot.add_dynamic_items(SuggestionButton)
    await bot.add_cog(PromptCog())
