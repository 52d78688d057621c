"""Ficshelf: a Discord bot for fan-fiction communities."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from bot.settings import Settings

if TYPE_CHECKING:
    from bot.app import FicshelfBot

__all__ = ["Settings", "create_bot"]


def create_bot(settings: Settings, **options: Any) -> FicshelfBot:
    """Build the bot (see bot.app.create_bot). Imported lazily so `bot` stays light."""
    from bot.app import create_bot as _create_bot

    return _create_bot(settings, **options)
