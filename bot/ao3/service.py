"""AO3 links end to end: link → page (through the fetcher) → story or series → card."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from functools import partial

from bot.analysis.taxonomy import Taxonomy
from bot.ao3.cards import SeriesCard, WorkCard, judge_series, judge_work
from bot.ao3.errors import ACCEPTED, Ao3Error, NotAnAo3LinkError
from bot.ao3.fetcher import Fetcher
from bot.ao3.links import Ao3Link, find_links, parse_link
from bot.ao3.series import read_series
from bot.context import Where
from bot.errors import UserError
from bot.readers import StoryReadError, read_bytes
from bot.readers.ao3_live import work_id
from bot.readers.model import Story
from bot.services.config import ConfigService
from bot.services.uploads import Uploaded, UploadService

Card = WorkCard | SeriesCard
MAX_LINKS = 3  # links looked up from one message


class Ao3Service:
    def __init__(
        self, fetcher: Fetcher, config: ConfigService, tax: Taxonomy, uploads: UploadService
    ) -> None:
        self.fetcher = fetcher
        self.config = config
        self.tax = tax
        self.uploads = uploads

    async def close(self) -> None:
        await self.fetcher.close()

    def parse(self, text: str) -> Ao3Link:
        """The AO3 link in `text`, or a UserError naming what is accepted."""
        link = parse_link(text)
        if link is None:
            raise NotAnAo3LinkError(text)
        return link

    def links_in(self, text: str) -> list[Ao3Link]:
        """The first MAX_LINKS AO3 links of a message, or a UserError."""
        links = find_links(text, MAX_LINKS)
        if not links:
            raise UserError(f"That message has no AO3 link. {ACCEPTED}")
        return links

    async def card(self, where: Where, link: Ao3Link) -> Card:
        """The card for `link`, judged for `where`."""
        return await self._card(where, link)

    async def cards(self, where: Where, links: list[Ao3Link]) -> list[Card | Ao3Error]:
        """Cards for several links (a failure stands in its link's place)."""
        out: list[Card | Ao3Error] = []
        for link in links:
            try:
                out.append(await self._card(where, link))
            except Ao3Error as exc:
                out.append(exc)
        return out

    async def add(self, where: Where, user_id: int, link: Ao3Link) -> tuple[Uploaded, WorkCard]:
        """Fetch the whole work and index it as this server's story, like an upload."""
        if link.kind == "series":
            raise UserError(
                "That is a series: add its works one at a time (/ao3 link: lists them)."
            )
        await self.uploads.ensure_room(where.guild_id)  # before spending a request on AO3
        ident = await self._work_id(link)
        html = await self.fetcher.page(_work_path(ident))
        data = html.encode("utf-8")
        name = f"ao3-work-{ident}.html"

        async def fetch() -> bytes:
            return data

        added = await self.uploads.add(where.guild_id, user_id, name, len(data), fetch)
        story = await self._story(ident, html)
        card = judge_work(ident, story, await self.config.view(where), self.tax)
        detected = [
            self.tax.display_name(w.slug)
            for w in added.story.report.warnings
            if w.source == "detected"
        ]
        return added, replace(card, detected=detected)

    async def _card(self, where: Where, link: Ao3Link) -> Card:
        view = await self.config.view(where)
        if link.kind == "series":
            html = await self.fetcher.page(f"/series/{link.id}")
            return judge_series(read_series(html, link.id), view, self.tax)
        ident = await self._work_id(link)
        story = await self._story(ident, await self.fetcher.page(_work_path(ident)))
        return judge_work(ident, story, view, self.tax)

    async def _work_id(self, link: Ao3Link) -> int:
        if link.kind != "chapter":
            return link.id
        ident = work_id(await self.fetcher.page(f"/chapters/{link.id}"))
        if ident is None:
            raise UserError("I couldn't tell which work that chapter belongs to.")
        return ident

    async def _story(self, ident: int, html: str) -> Story:
        loop = asyncio.get_running_loop()
        try:
            return await loop.run_in_executor(
                None, partial(read_bytes, html.encode("utf-8"), f"ao3-work-{ident}.html")
            )
        except StoryReadError:
            raise UserError(
                "AO3 sent a page I could not read as a work; try again later."
            ) from None


def _work_path(ident: int) -> str:
    return f"/works/{ident}?view_full_work=true"
