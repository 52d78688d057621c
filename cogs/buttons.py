"""The buttons on every excerpt — Another, More context, Report — and the report form.

They are `DynamicItem`s: everything they need is in their custom_id (see
bot.services.excerpts), so they work after a restart with nothing kept in memory. The report
form's submission is read from the interaction itself (its custom_id names the passage),
for the same reason.
"""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING, Any

import discord
from discord.ext import commands

from bot import render
from bot.errors import UserError
from bot.services.excerpts import OLD, VERSION, Excerpt, NoExcerpt, custom_id
from bot.services.reports import REASONS
from bot.store.library import PassageFilter
from cogs._common import form_values, guarded, reply, services, submitted, where
from cogs.reports import post_card

if TYPE_CHECKING:
    from bot.services.root import Services

log = logging.getLogger(__name__)

REPORT_FORM = re.compile(r"^fx(?P<v>\d+):rf:(?P<pid>\d+)$")


async def excerpt_view(s: Services, excerpt: Excerpt, filt: PassageFilter) -> discord.ui.View:
    """The buttons under an excerpt (persistent: no timeout, no state in memory)."""
    code = await s.actions.filter_code(filt)
    pid = excerpt.passage.id
    view = discord.ui.View(timeout=None)
    view.add_item(AnotherButton(pid, code))
    view.add_item(ContextButton(pid, code))
    view.add_item(ReportButton(pid, code))
    return view


class _ExcerptButton(discord.ui.DynamicItem[discord.ui.Button[Any]], template=r"(?!)"):
    label = ""
    action = ""
    style = discord.ButtonStyle.secondary

    def __init__(self, passage_id: int, code: str, version: int = VERSION) -> None:
        super().__init__(
            discord.ui.Button(
                label=self.label,
                style=self.style,
                custom_id=custom_id(self.action, passage_id, code),
            )
        )
        self.passage_id, self.code, self.version = passage_id, code, version

    @classmethod
    async def from_custom_id(  # type: ignore[override]
        cls, interaction: discord.Interaction, item: discord.ui.Button[Any], match: re.Match[str]
    ) -> _ExcerptButton:
        return cls(int(match["pid"]), match["code"], int(match["v"]))

    async def callback(self, interaction: discord.Interaction) -> None:  # type: ignore[override]
        if self.version != VERSION:
            await reply(interaction, OLD, ephemeral=True)
            return
        await guarded(interaction, lambda: self.press(interaction))

    async def press(self, interaction: discord.Interaction) -> None:
        raise NotImplementedError


class AnotherButton(_ExcerptButton, template=r"fx(?P<v>\d+):a:(?P<pid>\d+):(?P<code>.*)"):
    """A new excerpt with the same filters, in the same channel, as a new message."""

    label, action, style = "Another", "a", discord.ButtonStyle.primary

    async def press(self, interaction: discord.Interaction) -> None:
        s, w = services(interaction), where(interaction)
        result = await s.actions.another(w, self.code)
        if isinstance(result, NoExcerpt):
            await reply(interaction, render.content(result.message), ephemeral=True)
            return
        filt = await s.actions.filter_from_code(self.code) or PassageFilter()
        view = await excerpt_view(s, result, filt)
        await reply(interaction, embed=render.excerpt(result), view=view)


class ContextButton(_ExcerptButton, template=r"fx(?P<v>\d+):c:(?P<pid>\d+):(?P<code>.*)"):
    """The passages before and after, only for the clicker, re-checked against this channel."""

    label, action = "More context", "c"

    async def press(self, interaction: discord.Interaction) -> None:
        s, w = services(interaction), where(interaction)
        result = await s.actions.context(w, self.passage_id)
        if isinstance(result, NoExcerpt):
            await reply(interaction, render.content(result.message), ephemeral=True)
            return
        text, embeds = render.context(result)
        await interaction.response.send_message(
            text, embeds=embeds, ephemeral=True, allowed_mentions=render.NO_PINGS
        )


class ReportButton(_ExcerptButton, template=r"fx(?P<v>\d+):r:(?P<pid>\d+):(?P<code>.*)"):
    """A form: what is wrong with this passage."""

    label, action, style = "Report", "r", discord.ButtonStyle.danger

    async def press(self, interaction: discord.Interaction) -> None:
        s = services(interaction)
        assert interaction.guild_id is not None
        shown = await s.actions.passage_here(where(interaction), self.passage_id)
        if isinstance(shown, NoExcerpt) and "no longer" in shown.message:
            raise UserError(shown.message)
        form = ReportForm(self.passage_id, s.reports.warning_choices())
        await interaction.response.send_modal(form)
        form.stop()  # the submission is handled from its custom_id (Buttons.on_interaction)


class ReportForm(discord.ui.Modal):
    """What is wrong: a reason, the missing warning (if that is the reason), a comment."""

    def __init__(self, passage_id: int, warnings: list[tuple[str, str]]) -> None:
        super().__init__(title="Report this passage", custom_id=f"fx{VERSION}:rf:{passage_id}")
        reason: discord.ui.Select[Any] = discord.ui.Select(
            custom_id="reason",
            options=[discord.SelectOption(label=v, value=k) for k, v in REASONS.items()],
            required=True,
        )
        warning: discord.ui.Select[Any] = discord.ui.Select(
            custom_id="warning",
            options=[discord.SelectOption(label=name, value=slug) for slug, name in warnings],
            required=False,
        )
        comment: discord.ui.TextInput[Any] = discord.ui.TextInput(
            custom_id="comment", style=discord.TextStyle.paragraph, required=False, max_length=500
        )
        self.add_item(discord.ui.Label(text="What is wrong?", component=reason))
        self.add_item(
            discord.ui.Label(
                text="Which warning is missing?",
                description="Only if a content warning is missing",
                component=warning,
            )
        )
        self.add_item(discord.ui.Label(text="Anything to add? (optional)", component=comment))


class ButtonCog(commands.Cog, name="Buttons"):
    @commands.Cog.listener()
    async def on_interaction(self, interaction: discord.Interaction) -> None:
        match = submitted(interaction, REPORT_FORM)
        if match is None:
            return
        if int(match["v"]) != VERSION:
            await reply(interaction, OLD, ephemeral=True)
            return
        await guarded(interaction, lambda: self.submit(interaction, int(match["pid"])))

    async def submit(self, interaction: discord.Interaction, passage_id: int) -> None:
        s, w = services(interaction), where(interaction)
        values = form_values(interaction.data)
        reason, warning = _first(values.get("reason")), _first(values.get("warning"))
        comment = values.get("comment")
        message = interaction.message
        reported = await s.reports.report(
            w,
            passage_id,
            interaction.user.id,
            reason=reason or "",
            warning=warning,
            comment=comment if isinstance(comment, str) else "",
            link=message.jump_url if message is not None else None,
        )
        scene = (
            f" Other members reported it too, so {reported.scene_hidden} passage"
            f"{'s' if reported.scene_hidden != 1 else ''} around it are hidden as well."
            if reported.scene_hidden
            else ""
        )
        await reply(
            interaction,
            "Thank you. This passage is now hidden in this server until a moderator has "
            f"looked at it.{scene}",
            ephemeral=True,
        )
        if message is not None:
            try:
                await message.edit(embed=render.excerpt_reported(), view=None)
            except discord.HTTPException:
                log.warning("could not hide reported message %s", message.id)
        await post_card(interaction.client, s, reported)


def _first(value: list[str] | str | None) -> str | None:
    if isinstance(value, list):
        return value[0] if value else None
    return value or None


async def setup(bot: commands.Bot) -> None:
    bot.add_dynamic_items(AnotherButton, ContextButton, ReportButton)
    await bot.add_cog(ButtonCog())
