"""Writing prompts for /prompt and the daily post: a trope + names from this server's library."""

from __future__ import annotations

import random
import re
from collections.abc import Callable
from datetime import datetime, timedelta

from bot.analysis.taxonomy import Taxonomy
from bot.policy import Eligibility
from bot.prompts.generator import Prompt, PromptBook, PromptMaterial, load_templates
from bot.store.library import LibraryStore, prompt_sources
from bot.store.prompts import PromptHistoryStore

RECENT_PROMPTS = 30  # /prompt: not the same prompt twice within a server's last 30
REPEAT_DAYS = 30  # daily: no repeat within 30 days while others remain


class PromptService:
    def __init__(
        self,
        library: LibraryStore,
        history: PromptHistoryStore,
        tax: Taxonomy,
        rng: random.Random,
        clock: Callable[[], datetime],
        book: PromptBook | None = None,
    ) -> None:
        self.library = library
        self.history = history
        self.tax = tax
        self.rng = rng
        self.clock = clock
        self.book = book or load_templates(taxonomy=tax)  # tropes' fandoms from `tax`

    async def materials(self, guild_id: int, elig: Eligibility | None) -> list[PromptMaterial]:
        """Characters and relationships per fandom, from stories this channel may draw on."""
        by_fandom: dict[str | None, tuple[dict[str, None], dict[str, None]]] = {}
        for fandoms, characters, relationships in await prompt_sources(
            self.library, guild_id, elig
        ):
            fandom = fandoms[0] if fandoms else None
            chars, rels = by_fandom.setdefault(fandom, ({}, {}))
            chars.update(dict.fromkeys(map(display_name, characters)))
            rels.update(dict.fromkeys(map(display_relationship, relationships)))
        return [
            PromptMaterial(fandom=f, characters=list(c), relationships=list(r))
            for f, (c, r) in by_fandom.items()
        ]

    async def draw(
        self, guild_id: int, trope: str | None, elig: Eligibility | None, avoid: set[str]
    ) -> Prompt:
        materials = await self.materials(guild_id, elig)
        return self.book.generate(trope, materials, self.rng, avoid=avoid)

    async def for_command(self, guild_id: int, trope: str | None, elig: Eligibility) -> Prompt:
        """A prompt for /prompt (`trope`: a slug, None = any): not one of the server's last
        30; recorded as shown."""
        avoid = set(await self.history.recent(guild_id, RECENT_PROMPTS))
        prompt = await self.draw(guild_id, trope, elig, avoid)
        await self.history.add(guild_id, prompt.key, self.clock())
        return prompt

    async def recent_keys(self, guild_id: int, now: datetime) -> set[str]:
        return set(await self.history.since(guild_id, now - timedelta(days=REPEAT_DAYS)))


def display_name(tag: str) -> str:
    """A character tag as a prompt names them: "Shuzenji Chiyo | Recovery Girl" → the first."""
    return tag.split("|", 1)[0].strip() or tag.strip()


def display_relationship(tag: str) -> str:
    """A relationship tag with each member's display name ("A | alias/B" → "A/B")."""
    return re.sub(r"\s*\|[^/&]*", "", tag).strip() or tag.strip()
