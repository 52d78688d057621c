"""Server-private stories: moderators' uploads, checked, indexed atomically, removable."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from functools import partial

from bot.directory import StoryDirectory
from bot.errors import UserError
from bot.indexing import Prepared, content_hash, prepare, to_entry
from bot.library import StoryReadError
from bot.markup import clip, echo, escape, number
from bot.settings import Settings
from bot.store.library import LibraryStore
from bot.store.records import StoryName, StoryRow

MB = 1024 * 1024


@dataclass(frozen=True, slots=True)
class Uploaded:
    story: StoryRow
    passages: int


class Uploads:
    def __init__(
        self, library: LibraryStore, directory: StoryDirectory, settings: Settings
    ) -> None:
        self.library = library
        self.directory = directory
        self.settings = settings

    async def add(
        self,
        guild_id: int,
        user_id: int,
        filename: str,
        size: int,
        fetch: Callable[[], Awaitable[bytes]],
    ) -> Uploaded:
        """Check, download, read, analyse and index one upload; nothing is kept on failure."""
        name = echo(filename)
        limit = self.settings.max_upload_bytes
        if size > limit:
            raise UserError(
                f"“{name}” is {size / MB:.1f} MB; uploads are limited to {limit / MB:.0f} MB."
            )
        if size == 0:
            raise UserError(f"“{name}” is empty.")
        cap = self.settings.max_uploads_per_guild
        count = await self.library.count_uploads(guild_id)
        if count >= cap:
            raise UserError(
                f"This server has {number(count)} of {number(cap)} allowed uploads. "
                "Remove one with /library remove first."
            )
        data = await fetch()
        if len(data) > limit:
            raise UserError(f"“{name}” is over the {limit / MB:.0f} MB upload limit.")
        digest = content_hash(data)
        same = await self.library.find_by_hash(guild_id, digest)
        if same is not None:
            where = "the bundled library" if same.guild_id == 0 else "this server's library"
            raise UserError(
                f"That file is already in {where} as “{escape(clip(same.title, 200))}”."
            )
        loop = asyncio.get_running_loop()
        try:
            prepared: Prepared = await loop.run_in_executor(
                None, partial(prepare, data, filename, max_bytes=limit)
            )
        except StoryReadError as exc:
            raise UserError(f"I couldn't read “{name}”: {exc}") from None
        if not prepared.passages:
            raise UserError(f"“{name}” has no story text I could find.")
        entry = to_entry(
            prepared,
            guild_id=guild_id,
            source=f"upload:{digest[:16]}:{filename}",
            content_hash=digest,
            file_size=len(data),
            file_mtime_ns=0,
            added_by=user_id,
        )
        story_id = await self.library.save(entry)
        story = await self.library.story(guild_id, story_id)
        assert story is not None
        return Uploaded(story, len(entry.passages))

    async def remove(self, guild_id: int, text: str) -> StoryName:
        """Remove one of this server's uploads (bundled stories cannot be removed here)."""
        found = await self.directory.resolve(guild_id, text, uploads_only=True)
        await self.library.remove([found.id])
        return found
