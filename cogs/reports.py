"""The moderators' side of reports: queue cards with Keep hidden / Restore / Hide the whole
story here, and /reports list. Every press checks Manage Server in code."""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands

from bot import render
from bot.errors import UserError
from bot.render import NameOf
from bot.services.reports import Reported
from bot.store.reports import KEPT, OPEN, RESTORED, STORY_HIDDEN, ReportRow
from cogs._common import ModeratorCog, QueueButton, guarded, is_moderator, reply, services

if TYPE_CHECKING:
    from bot.services.root import Services

log = logging.getLogger(__name__)

REFUSED = "Only members with the Manage Server permission can decide reports."
# custom_id action → (decision, add the reported warning?)
ACTIONS = {
    "keep": (KEPT, False),
    "keepw": (KEPT, True),
    "restore": (RESTORED, False),
    "story": (STORY_HIDDEN, False),
}


def _labels(report: ReportRow, name_of: NameOf) -> list[tuple[str, str, discord.ButtonStyle]]:
    out = [("keep", "Keep hidden", discord.ButtonStyle.secondary)]
    if report.warning:
        name = name_of(report.warning)
        out.append(("keepw", f"Keep hidden + add {name}"[:80], discord.ButtonStyle.secondary))
    out += [
        ("restore", "Restore", discord.ButtonStyle.success),
        ("story", "Hide the whole story here", discord.ButtonStyle.danger),
    ]
    return out


def card_view(report: ReportRow, name_of: NameOf) -> discord.ui.View:
    """The card's buttons: live while the report is open, disabled once decided."""
    return DecisionButton.card(report.id, _labels(report, name_of), live=report.status == OPEN)


async def post_card(client: discord.Client, s: Services, reported: Reported) -> None:
    """Post a new report's card in the server's queue channel, if it has one."""
    if reported.queue_channel is None:
        return
    channel = client.get_channel(reported.queue_channel)
    if not isinstance(channel, discord.abc.Messageable):
        log.warning("report queue channel %s is gone", reported.queue_channel)
        return
    name_of = s.taxonomy.display_name
    try:
        card = await channel.send(
            embed=render.report_card(reported.report, name_of),
            view=card_view(reported.report, name_of),
            allowed_mentions=render.NO_PINGS,
        )
    except discord.HTTPException as exc:
        log.warning("could not post report %s: %s", reported.report.id, exc)
        return
    await s.reports.card_posted(reported.report.id, card.channel.id, card.id)


class DecisionButton(QueueButton, template=r"fq1:(?P<action>keepw|keep|restore|story):(?P<id>\d+)"):
    """A moderator's decision on one report (and every open report of its passage)."""

    prefix, refused = "fq1", REFUSED

    async def press(self, interaction: discord.Interaction, guild_id: int) -> None:
        s = services(interaction)
        decision, add_warning = ACTIONS[self.action]
        decided = await s.reports.decide(
            guild_id,
            self.item_id,
            decision,
            interaction.user.id,
            add_warning=add_warning,
        )
        name_of = s.taxonomy.display_name
        pressed, *others = decided.reports
        await interaction.response.edit_message(
            embed=render.report_card(pressed, name_of), view=card_view(pressed, name_of)
        )
        for other in others:  # the same passage's other cards show the decision too
            if other.card_channel is None or other.card_message is None:
                continue
            message = interaction.client.get_partial_messageable(
                other.card_channel, guild_id=guild_id
            ).get_partial_message(other.card_message)
            try:
                await message.edit(
                    embed=render.report_card(other, name_of), view=card_view(other, name_of)
                )
            except discord.HTTPException:
                log.warning("could not update the card of report %s", other.id)


class PageButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=r"fl1:(?P<dir>prev|next):(?P<page>\d+)",
):
    """Paging through /reports list (the target page travels in the custom_id)."""

    def __init__(self, direction: str, page: int, disabled: bool = False) -> None:
        super().__init__(
            discord.ui.Button(
                label="Previous" if direction == "prev" else "Next",
                style=discord.ButtonStyle.secondary,
                custom_id=f"fl1:{direction}:{page}",
                disabled=disabled,
            )
        )
        self.page = page

    @classmethod
    async def from_custom_id(  # type: ignore[override]
        cls, interaction: discord.Interaction, item: discord.ui.Button[Any], match: re.Match[str]
    ) -> PageButton:
        return cls(match["dir"], int(match["page"]))

    async def callback(self, interaction: discord.Interaction) -> None:  # type: ignore[override]
        await guarded(interaction, lambda: self.press(interaction))

    async def press(self, interaction: discord.Interaction) -> None:
        if interaction.guild_id is None or not is_moderator(interaction):
            raise UserError(REFUSED)
        embed, view = await list_page(services(interaction), interaction.guild_id, self.page)
        await interaction.response.edit_message(embed=embed, view=view)


async def list_page(s: Services, guild_id: int, page: int) -> tuple[discord.Embed, discord.ui.View]:
    found = await s.reports.page(guild_id, page)
    view = discord.ui.View(timeout=None)
    view.add_item(PageButton("prev", max(found.page - 1, 0), disabled=found.page == 0))
    view.add_item(PageButton("next", found.page + 1, disabled=found.page + 1 >= found.pages))
    return render.report_list(found, s.taxonomy.display_name), view


@app_commands.guild_only()
@app_commands.default_permissions(manage_guild=True)
class ReportCog(
    ModeratorCog, name="Reports", group_name="reports", group_description="Reader reports"
):
    @app_commands.command(name="list", description="Open reader reports, oldest first.")
    async def list_(self, interaction: discord.Interaction) -> None:
        assert interaction.guild_id is not None
        embed, view = await list_page(services(interaction), interaction.guild_id, 0)
        await reply(interaction, embed=embed, view=view, ephemeral=True)


async def setup(bot: commands.Bot) -> None:
    bot.add_dynamic_items(DecisionButton, PageButton)
    await bot.add_cog(ReportCog())
