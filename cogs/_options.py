"""Options resolved once: each kind of option a command takes (a story, a trope, a warning, a
character, a rating, a timezone, a time of day) as a Transformer that offers its
autocomplete and turns what was typed into what the services take, or a UserError.

The rules live in bot/ (DirectoryService.resolve, Taxonomy.require, character_filter,
resolve_zone); these only adapt them to Discord. Use the annotations at the bottom:
``story: StoryOption``, ``trope: TropeOption | None = None``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import time
from typing import TypeVar
from zoneinfo import ZoneInfo

import discord
from discord import app_commands

from bot.analysis.taxonomy import Kind, TermKind, load_taxonomy
from bot.errors import UserError
from bot.matching import Choice
from bot.scheduling import parse_hhmm, resolve_zone, timezone_names
from bot.store.records import BUNDLED, StoryName
from cogs._common import choices, services

T = TypeVar("T")

AUTOCOMPLETE_KINDS: dict[TermKind, tuple[Kind, ...]] = {
    "trope": ("trope",),
    "warning": ("warning",),
    "any-warning": ("warning", "archive-warning"),
    "rating": ("rating",),
    "term": ("warning", "archive-warning", "trope", "glossary"),  # ratings: looked up, not offered
}


class StoryTransformer(app_commands.Transformer):
    """A story visible where the command runs (in a DM: the bundled ones), or with
    `uploads_only` one of the server's uploads; resolved to its StoryName."""

    def __init__(self, *, uploads_only: bool = False) -> None:
        self.uploads_only = uploads_only

    async def autocomplete(  # type: ignore[override]
        self, interaction: discord.Interaction, value: str, /
    ) -> list[app_commands.Choice[str]]:
        found = await services(interaction).directory.autocomplete(
            _library(interaction), value, uploads_only=self.uploads_only
        )
        return choices(found)

    async def transform(self, interaction: discord.Interaction, value: str, /) -> StoryName:
        return await services(interaction).directory.resolve(
            _library(interaction), value, uploads_only=self.uploads_only
        )


class TermTransformer(app_commands.Transformer):
    """A taxonomy name of one kind (trope, warning, …); resolved to its slug."""

    def __init__(self, kind: TermKind) -> None:
        self.term_kind: TermKind = kind

    async def autocomplete(  # type: ignore[override]
        self, interaction: discord.Interaction, value: str, /
    ) -> list[app_commands.Choice[str]]:
        lookups = services(interaction).lookups
        return choices(lookups.term_choices(value, kinds=AUTOCOMPLETE_KINDS[self.term_kind]))

    async def transform(self, interaction: discord.Interaction, value: str, /) -> str:
        return services(interaction).taxonomy.require(value, self.term_kind)


class RatingTransformer(app_commands.Transformer):
    """A rating, picked from the taxonomy's (the first of each rank); its slug."""

    @property
    def choices(self) -> list[app_commands.Choice[str]]:  # type: ignore[override]
        # read when a command is declared, before any interaction: from the bundled
        # taxonomy, the one Services.build loads
        ratings = load_taxonomy().rating_choices()
        return [app_commands.Choice(name=slug, value=slug) for slug, _name in ratings]

    async def transform(self, interaction: discord.Interaction, value: str, /) -> str:
        return services(interaction).taxonomy.require(value, "rating")


class CharacterTransformer(app_commands.Transformer):
    """A character of the server's stories, by any of their names; the name stories use."""

    async def autocomplete(  # type: ignore[override]
        self, interaction: discord.Interaction, value: str, /
    ) -> list[app_commands.Choice[str]]:
        found = await services(interaction).lookups.character_choices(_library(interaction), value)
        return choices(found)

    async def transform(self, interaction: discord.Interaction, value: str, /) -> str:
        return await services(interaction).lookups.character(_library(interaction), value)


class TimezoneTransformer(app_commands.Transformer):
    """An IANA timezone (or a common name for one); its ZoneInfo."""

    async def autocomplete(  # type: ignore[override]
        self, interaction: discord.Interaction, value: str, /
    ) -> list[app_commands.Choice[str]]:
        return choices([Choice(z, z) for z in timezone_names(value)])

    async def transform(self, interaction: discord.Interaction, value: str, /) -> ZoneInfo:
        return _parsed(resolve_zone, value)


class TimeTransformer(app_commands.Transformer):
    """A local time of day, HH:MM (24-hour)."""

    async def transform(self, interaction: discord.Interaction, value: str, /) -> time:
        return _parsed(parse_hhmm, value)


def _parsed(parse: Callable[[str], T], value: str) -> T:
    """What `parse` makes of the text; its ValueError (which says what is wrong) for the user."""
    try:
        return parse(value)
    except ValueError as exc:
        raise UserError(str(exc)) from None


def _library(interaction: discord.Interaction) -> int:
    """Whose stories an option names: the server's, or in a DM the bundled ones."""
    return interaction.guild_id or BUNDLED


StoryOption = app_commands.Transform[StoryName, StoryTransformer]
UploadOption = app_commands.Transform[StoryName, StoryTransformer(uploads_only=True)]
TropeOption = app_commands.Transform[str, TermTransformer("trope")]
WarningOption = app_commands.Transform[str, TermTransformer("warning")]
AnyWarningOption = app_commands.Transform[str, TermTransformer("any-warning")]
TermOption = app_commands.Transform[str, TermTransformer("term")]
RatingOption = app_commands.Transform[str, RatingTransformer]
CharacterOption = app_commands.Transform[str, CharacterTransformer]
TimezoneOption = app_commands.Transform[ZoneInfo, TimezoneTransformer]
TimeOption = app_commands.Transform[time, TimeTransformer]
