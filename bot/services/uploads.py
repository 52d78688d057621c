"""Server-private stories: moderators' uploads, checked, indexed atomically, removable."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import partial

from bot.errors import AlreadyStoredError, UserError
from bot.indexing import Prepared, content_hash, prepare, to_entry, work_key
from bot.markup import echo, number
from bot.readers import StoryReadError
from bot.settings import Settings
from bot.store.library import LibraryStore
from bot.store.records import BUNDLED, StoryName, StoryRow

MB = 1024 * 1024
UNDO_WINDOW = timedelta(minutes=10)  # how long /library restore can bring a removal back


@dataclass(frozen=True, slots=True)
class Uploaded:
    story: StoryRow
    passages: int


class UploadService:
    def __init__(
        self,
        library: LibraryStore,
        settings: Settings,
        clock: Callable[[], datetime],
    ) -> None:
        self.library = library
        self.settings = settings
        self.clock = clock

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
        await self.ensure_room(guild_id)
        data = await fetch()
        if len(data) > limit:
            raise UserError(f"“{name}” is over the {limit / MB:.0f} MB upload limit.")
        digest = content_hash(data)
        same = await self.library.find_by_hash(guild_id, digest)
        if same is not None:
            raise AlreadyStoredError(same.title, _shelf(same), "the same file")
        loop = asyncio.get_running_loop()
        try:
            prepared: Prepared = await loop.run_in_executor(
                None, partial(prepare, data, filename, max_bytes=limit)
            )
        except StoryReadError as exc:
            raise UserError(f"I couldn't read “{name}”: {exc}") from None
        if not prepared.passages:
            raise UserError(f"“{name}” has no story text I could find.")
        work = work_key(prepared.story.url)
        same = await self.library.find_by_work(guild_id, work) if work else None
        if same is not None:
            raise AlreadyStoredError(same.title, _shelf(same), "another download of the same work")
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

    async def ensure_room(
        self, guild_id: int, then: str = ". Remove one with /library remove first."
    ) -> None:
        """A UserError when the server has no upload left (checked before any download)."""
        cap = self.settings.max_uploads_per_guild
        count = await self.library.count_uploads(guild_id)
        if count >= cap:
            raise UserError(
                f"This server has {number(count)} of {number(cap)} allowed uploads{then}"
            )

    async def remove(self, guild_id: int, user_id: int, found: StoryName) -> StoryName:
        """Remove one of this server's uploads (`found` by `DirectoryService.resolve` with
        uploads_only: bundled stories cannot be removed here), keeping it UNDO_WINDOW for
        `restore`."""
        await self.purge_expired()
        if not await self.library.park(guild_id, found.id, user_id, _iso(self.clock())):
            raise UserError("That story is no longer in this server's library.")
        return found

    async def restore(self, guild_id: int) -> StoryRow:
        """Bring back the story this server removed last, within UNDO_WINDOW."""
        await self.purge_expired()
        since = _iso(self.clock() - UNDO_WINDOW)
        parked = await self.library.last_parked(guild_id, since)
        if parked is None:
            minutes = int(UNDO_WINDOW.total_seconds() // 60)
            raise UserError(
                f"Nothing to restore: no story was removed here in the last {minutes} minutes."
            )
        await self.ensure_room(guild_id, " again: remove one first.")
        twin = await self.library.visible_twin(guild_id, parked.id)
        if twin is not None:
            raise AlreadyStoredError(twin.title, _shelf(twin), "added again since it was removed")
        if not await self.library.unpark(guild_id, parked.id):
            raise UserError("That story was restored already.")
        return parked

    async def purge_expired(self) -> int:
        """Delete removed stories whose undo window is over (in every server)."""
        return await self.library.purge_parked(_iso(self.clock() - UNDO_WINDOW))

    async def next_purge(self) -> datetime | None:
        """When the earliest removed story's undo window ends (None: nothing removed)."""
        earliest = await self.library.next_parked_expiry()
        return None if earliest is None else datetime.fromisoformat(earliest) + UNDO_WINDOW


def _shelf(story: StoryName) -> str:
    return "the bundled library" if story.guild_id == BUNDLED else "this server's library"


def _iso(when: datetime) -> str:
    """A UTC time as sortable ISO text (what removed_stories.removed_at holds)."""
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f+00:00")
