"""What every cog needs: where a command runs, the permission check, safe replies."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Iterable
from typing import TYPE_CHECKING, Any, ClassVar, Self

import discord
from discord import app_commands
from discord.ext import commands

from bot import render
from bot.context import Where
from bot.errors import UserError
from bot.matching import Choice
from bot.store.records import BUNDLED

if TYPE_CHECKING:
    from bot.app import FicshelfBot
    from bot.services.root import Services


def services(interaction: discord.Interaction) -> Services:
    client: FicshelfBot = interaction.client  # type: ignore[assignment]
    return client.services


def upkeep_changed(interaction: discord.Interaction) -> None:
    """Let housekeeping re-plan its next purge (see FicshelfBot.upkeep_changed)."""
    client: FicshelfBot = interaction.client  # type: ignore[assignment]
    client.upkeep_changed()


def where(interaction: discord.Interaction) -> Where:
    """The server and policy channel (a thread's parent) of an interaction."""
    if interaction.guild_id is None or interaction.channel is None:
        raise UserError("This command only works in a server.")
    channel = interaction.channel
    parent = channel.parent if isinstance(channel, discord.Thread) and channel.parent else channel
    age_restricted = bool(getattr(parent, "nsfw", False))
    return Where(interaction.guild_id, parent.id, age_restricted)


MAX_CHANNELS = 50  # text channels a /warnings story answer looks at


def server_channels(interaction: discord.Interaction) -> list[Where]:
    """The server's text channels (at most MAX_CHANNELS), as places a story may be posted."""
    guild = interaction.guild
    if guild is None:
        return []
    return [Where(guild.id, c.id, c.is_nsfw()) for c in guild.text_channels[:MAX_CHANNELS]]


def where_or_dm(interaction: discord.Interaction) -> Where:
    """Like `where`, and in a DM with the bot: the bundled library, shown privately."""
    channel = interaction.channel
    if interaction.guild_id is None and isinstance(channel, discord.DMChannel):
        return Where(BUNDLED, channel.id, age_restricted=False, private=True)
    return where(interaction)


def policy_channel_id(channel: discord.abc.GuildChannel | discord.Thread) -> int:
    if isinstance(channel, discord.Thread) and channel.parent_id:
        return channel.parent_id
    return channel.id


def is_moderator(interaction: discord.Interaction) -> bool:
    """Manage Server (or Administrator) where the interaction happens."""
    perms = interaction.permissions
    return bool(perms.manage_guild or perms.administrator)


def require_manage_guild(interaction: discord.Interaction) -> None:
    """Checked in code: `default_permissions` is only a hint server owners can override."""
    if not is_moderator(interaction):
        raise app_commands.MissingPermissions(["manage_guild"])


class QueueButton(discord.ui.DynamicItem[discord.ui.Button[Any]], template=r"(?!)"):
    """A persistent button on a moderator-queue card, `<prefix>:<action>:<id>`. Subclasses
    set `template` (with groups `action` and `id`), `prefix` and `refused` (what a member
    without Manage Server is told), and do the work in `press`."""

    prefix: ClassVar[str]
    refused: ClassVar[str]

    def __init__(
        self,
        action: str,
        item_id: int,
        label: str = "…",
        style: discord.ButtonStyle = discord.ButtonStyle.secondary,
    ) -> None:
        custom_id = f"{self.prefix}:{action}:{item_id}"
        super().__init__(discord.ui.Button(label=label, style=style, custom_id=custom_id))
        self.action, self.item_id = action, item_id

    @classmethod
    def card(
        cls, item_id: int, buttons: Iterable[tuple[str, str, discord.ButtonStyle]], *, live: bool
    ) -> discord.ui.View:
        """A card's buttons (action, label, style): live while the item is open, shown
        disabled once it is decided."""
        view = discord.ui.View(timeout=None)
        for action, label, style in buttons:
            button = cls(action, item_id, label, style)
            button.item.disabled = not live
            view.add_item(button if live else button.item)
        return view

    @classmethod
    async def from_custom_id(  # type: ignore[override]
        cls, interaction: discord.Interaction, item: discord.ui.Button[Any], match: re.Match[str]
    ) -> Self:
        return cls(match["action"], int(match["id"]))

    async def callback(self, interaction: discord.Interaction) -> None:  # type: ignore[override]
        await guarded(interaction, lambda: self._checked(interaction))

    async def _checked(self, interaction: discord.Interaction) -> None:
        if interaction.guild_id is None or not is_moderator(interaction):
            raise UserError(self.refused)
        await self.press(interaction, interaction.guild_id)

    async def press(self, interaction: discord.Interaction, guild_id: int) -> None:
        raise NotImplementedError


class ModeratorCog(commands.GroupCog):
    """A command group for moderators. Subclasses also carry `guild_only` and
    `default_permissions(manage_guild=True)`, but that is only a hint server owners can
    override: every use is checked here, in code."""

    async def interaction_check(self, interaction: discord.Interaction) -> bool:  # type: ignore[override]
        require_manage_guild(interaction)
        return True


async def reply(
    interaction: discord.Interaction,
    text: str | None = None,
    *,
    embed: discord.Embed | None = None,
    embeds: list[discord.Embed] | None = None,
    ephemeral: bool = False,
    view: discord.ui.View | None = None,
) -> None:
    """Respond (or follow up after a defer) with pings disabled, within Discord's limits."""
    kwargs: dict[str, object] = {"allowed_mentions": render.NO_PINGS, "ephemeral": ephemeral}
    text = render.content(text) if text else text
    if embed is not None:
        kwargs["embed"] = render.fit(embed)
    if embeds is not None:
        kwargs["embeds"] = [render.fit(e) for e in embeds]
    if view is not None:
        kwargs["view"] = view
    if interaction.response.is_done():
        await interaction.followup.send(text or "", **kwargs)  # type: ignore[arg-type]
    else:
        await interaction.response.send_message(text, **kwargs)  # type: ignore[arg-type]


def choices(items: list[Choice]) -> list[app_commands.Choice[str]]:
    """At most 25 autocomplete choices, names and values within Discord's 100 characters."""
    return [
        app_commands.Choice(name=render.clip(c.name, 100) or "…", value=c.value[:100])
        for c in items[:25]
    ]


async def guarded(interaction: discord.Interaction, action: Callable[[], Awaitable[None]]) -> None:
    """Run a button's work; a UserError is answered privately, anything else logged and
    apologised for (the tree's error handler does not see component callbacks)."""
    try:
        await action()
    except Exception as exc:
        client: FicshelfBot = interaction.client  # type: ignore[assignment]
        await client.on_app_command_error(interaction, exc)  # type: ignore[arg-type]


def form_values(data: Any) -> dict[str, list[str] | str]:
    """custom_id → value(s) of a submitted form's controls (labels and rows unwrapped)."""
    out: dict[str, list[str] | str] = {}
    stack = list(data.get("components") or [])
    while stack:
        node = stack.pop()
        if "component" in node:
            stack.append(node["component"])
        stack.extend(node.get("components") or [])
        if "custom_id" in node:
            out[node["custom_id"]] = node.get("values", node.get("value", ""))
    return out


def submitted(interaction: discord.Interaction, form: re.Pattern[str]) -> re.Match[str] | None:
    """The match of `form` on a submitted modal's custom id (None: another interaction)."""
    if interaction.type is not discord.InteractionType.modal_submit:
        return None
    return form.match(str((interaction.data or {}).get("custom_id", "")))
