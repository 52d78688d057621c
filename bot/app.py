"""FicshelfBot and create_bot: the only place (with render.py) under bot/ that uses discord."""

from __future__ import annotations

import hashlib
import json
import logging
import random
import secrets
from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

from bot import render
from bot.errors import UserError
from bot.indexing import index_paths
from bot.limits import too_long
from bot.services.root import Services
from bot.settings import Settings
from bot.shards import process_name
from bot.sleeper import Sleeper
from bot.store.db import Database

log = logging.getLogger(__name__)

EXTENSIONS: tuple[str, ...] = (
    "cogs.excerpts",
    "cogs.prompts",
    "cogs.warnings",
    "cogs.stories",
    "cogs.config",
    "cogs.library",
    "cogs.ao3",
    "cogs.daily",
    "cogs.housekeeping",
    "cogs.buttons",
    "cogs.reports",
)

APOLOGY = (
    "Sorry, something went wrong on our side (error {code}). It has been logged; please try again."
)


class OptionTooLong(app_commands.CheckFailure):
    """A free-text option over its length limit (bot/limits.py); the message says which."""


async def check_option_lengths(interaction: discord.Interaction) -> bool:
    """Added to every command: no string option may exceed its limit."""
    command = interaction.command
    if not isinstance(command, app_commands.Command):
        return True
    for param in command.parameters:
        if param.type is not discord.AppCommandOptionType.string:
            continue
        value = getattr(interaction.namespace, param.name, None)
        message = too_long(param.display_name, value) if isinstance(value, str) else None
        if message:
            raise OptionTooLong(message)
    return True


class FicshelfBot(commands.Bot):
    """The bot. Dependencies (settings, then services built in setup_hook) are injected."""

    services: Services

    def __init__(
        self,
        settings: Settings,
        *,
        rng: random.Random | None = None,
        always_sync: bool = False,
        instance: str | None = None,
    ) -> None:
        shards: dict[str, Any] = {}
        if settings.shards is not None:  # an AutoShardedBot (ShardedFicshelfBot)
            shards["shard_count"] = settings.shards.count
            if settings.shards.ids is not None:
                shards["shard_ids"] = list(settings.shards.ids)
        super().__init__(
            command_prefix=commands.when_mentioned,
            intents=discord.Intents.default(),
            allowed_mentions=discord.AllowedMentions.none(),
            help_command=None,
            **shards,
        )
        self.settings = settings
        self.rng = rng or random.Random()
        self.always_sync = always_sync
        self.instance = instance or process_name(settings.shards)
        self.db: Database | None = None
        self.synced = False
        self.upkeep = Sleeper()  # the housekeeping loop's sleep, cut short when plans change

    async def setup_hook(self) -> None:
        try:
            await self._setup()
        except BaseException:
            await self.close()
            raise

    async def _setup(self) -> None:
        """Migrate → index the library if stale → load cogs → sync if the commands changed."""
        self.db = await Database.open(self.settings.database)
        self.services = Services.build(
            self.db, self.settings, clock=discord.utils.utcnow, rng=self.rng, instance=self.instance
        )
        summary = await index_paths(
            self.services.library,
            [self.settings.library_dir],
            max_bytes=self.settings.max_file_bytes,
            prune_dirs=[self.settings.library_dir],
            workers=1,
        )
        for failure in summary.failed:
            log.warning("could not index %s: %s", failure["file"], failure["error"])
        if summary.added or summary.updated or summary.removed:
            log.info("library indexed: %s", summary.as_dict())
        for extension in EXTENSIONS:
            await self.load_extension(extension)
        for command in self.tree.walk_commands():
            if isinstance(command, app_commands.Command):
                command.add_check(check_option_lengths)
        self.tree.on_error = self.on_app_command_error
        await self.sync_commands()

    async def close(self) -> None:
        await super().close()
        await self.release()

    async def release(self) -> None:
        """Close the database (also for hosts, like simcord, that detach without close())."""
        services = getattr(self, "services", None)
        if services is not None:
            await services.close()
        if self.db is not None:
            db, self.db = self.db, None
            await db.close()

    # -- command sync ---------------------------------------------------------------------

    def command_hash(self, guild: discord.abc.Snowflake | None) -> str:
        payload = [cmd.to_dict(self.tree) for cmd in self.tree.get_commands(guild=guild)]
        blob = json.dumps(sorted(payload, key=lambda c: c["name"]), sort_keys=True)
        return hashlib.sha256(blob.encode()).hexdigest()

    async def sync_commands(self, *, force: bool = False) -> bool:
        """Sync the tree when the command set changed since the last sync (or when forced)."""
        guild = discord.Object(self.settings.dev_guild_id) if self.settings.dev_guild_id else None
        if guild is not None:
            self.tree.copy_global_to(guild=guild)
        key = f"command_hash:{guild.id if guild else 'global'}"
        digest = self.command_hash(guild)
        if not (force or self.always_sync) and await self.services.meta.get(key) == digest:
            return False
        await self.tree.sync(guild=guild)
        await self.services.meta.set(key, digest)
        self.synced = True
        return True

    # -- errors -----------------------------------------------------------------------------

    async def on_app_command_error(
        self, interaction: discord.Interaction, error: app_commands.AppCommandError
    ) -> None:
        """Table-driven: known errors get their message; anything else is logged under a
        short error code and apologised for with that code, so a report can be found."""
        original = _cause(error)
        message = _message_for(original)
        if message is None:
            code = secrets.token_hex(4)
            command = interaction.command.qualified_name if interaction.command else "?"
            log.error(
                "error %s: command /%s failed (guild=%s channel=%s user=%s options=%s)",
                code,
                command,
                interaction.guild_id,
                interaction.channel_id,
                interaction.user.id,
                interaction.namespace,
                exc_info=original,
            )
            message = APOLOGY.format(code=code)
        await reply_ephemeral(interaction, message)

    async def on_guild_remove(self, guild: discord.Guild) -> None:
        await self.services.departures.departed(guild.id)
        self.upkeep_changed()

    async def on_guild_join(self, guild: discord.Guild) -> None:
        await self.services.departures.returned(guild.id)
        self.upkeep_changed()

    def upkeep_changed(self) -> None:
        """Something will need purging at another time (a departure, a removal): wake the
        housekeeping loop so it re-plans."""
        self.upkeep.wake()


def _missing_permissions(exc: BaseException) -> str:
    perms: list[str] = getattr(exc, "missing_permissions", None) or ["manage_guild"]
    names = ", ".join(PERMISSION_NAMES.get(p) or p.replace("_", " ").title() for p in perms)
    return f"You need the {names} permission to use this command."


PERMISSION_NAMES = {"manage_guild": "Manage Server", "manage_channels": "Manage Channels"}

ERROR_MESSAGES: tuple[tuple[type[BaseException], Any], ...] = (
    (UserError, lambda e: e.show(render.echo)),
    (OptionTooLong, str),
    (app_commands.MissingPermissions, _missing_permissions),
    (app_commands.NoPrivateMessage, lambda _e: "This command only works in a server."),
    (
        app_commands.CommandOnCooldown,
        lambda e: f"Slow down a little: try again in {e.retry_after:.0f} s.",
    ),
    (
        app_commands.TransformerError,
        lambda e: f"I could not understand “{render.echo(str(e.value))}”.",
    ),
    (
        discord.Forbidden,
        lambda _e: "I lack a permission in this channel (send messages, embed links?).",
    ),
)


def _cause(error: BaseException) -> BaseException:
    """What really went wrong: a command's own exception, or what an option's Transformer
    raised (a UserError saying what was typed wrong, or an unexpected failure)."""
    original = getattr(error, "original", error)
    if isinstance(original, app_commands.TransformerError) and original.__cause__ is not None:
        return original.__cause__
    return original


def _message_for(error: BaseException) -> str | None:
    for kind, message in ERROR_MESSAGES:
        if isinstance(error, kind):
            return message(error)
    return None


async def reply_ephemeral(interaction: discord.Interaction, message: str) -> None:
    """Answer privately, whether or not the interaction was already responded to. A message
    Discord refuses is logged with its error code and replaced by a short fallback."""
    try:
        await _send_ephemeral(interaction, render.content(message))
    except discord.HTTPException as exc:
        log.warning(
            "could not deliver an error message to %s (HTTP %s, error code %s): %s",
            interaction.user.id,
            exc.status,
            exc.code,
            exc.text,
        )
        try:
            await _send_ephemeral(interaction, render.UNDELIVERED)
        except discord.HTTPException as again:
            log.warning(
                "the fallback message failed too (HTTP %s, error code %s)", again.status, again.code
            )


async def _send_ephemeral(interaction: discord.Interaction, message: str) -> None:
    if interaction.response.is_done():
        await interaction.followup.send(message, ephemeral=True, allowed_mentions=render.NO_PINGS)
    else:
        await interaction.response.send_message(
            message, ephemeral=True, allowed_mentions=render.NO_PINGS
        )


class ShardedFicshelfBot(FicshelfBot, commands.AutoShardedBot):
    """The bot over the shards of settings.shards (FICSHELF_SHARDS, FICSHELF_SHARD_IDS):
    one process, several gateway connections."""


def create_bot(settings: Settings, **options: Any) -> FicshelfBot:
    """Build the bot (sharded when settings.shards is set); nothing touches disk or network
    until it starts (setup_hook)."""
    kind = ShardedFicshelfBot if settings.shards is not None else FicshelfBot
    return kind(settings, **options)


MODERATOR_PERMISSIONS = discord.Permissions(manage_guild=True)
