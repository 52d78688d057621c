"""The one polite AO3 client of a process: limited, cached, retried, clearly failing.

Every request goes through the limiter (one at a time, spaced, capped per minute, paused
after a 429) and the shared budget in the database; every answer is cached (pages for
`ao3_cache_seconds`, failures for `ao3_negative_seconds`), so a link pasted ten times
costs one request. 503/525/timeouts are retried with exponential backoff and jitter.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable
from datetime import datetime
from email.utils import parsedate_to_datetime
from importlib import metadata

import aiohttp

from bot.ao3.errors import (
    Ao3Error,
    BusyError,
    ChallengedError,
    DeletedError,
    RateLimitedError,
    RestrictedError,
    UnavailableError,
    rebuild,
)
from bot.ao3.limiter import Limiter
from bot.ao3.pages import adult_proceed, is_challenge, is_restricted
from bot.settings import Settings
from bot.store.ao3 import Ao3Store

log = logging.getLogger(__name__)

PAUSE = "pause:"  # the cache row every process reads: AO3 asked all of us to wait
RETRIED = frozenset({500, 502, 503, 504, 520, 521, 522, 523, 524, 525})


class _RetryError(Exception):
    """A transient failure worth another try."""


def user_agent(contact: str) -> str:
    """Names the bot, its version, the word "bot" and whom to contact."""
    try:
        version = metadata.version("ficshelf")
    except metadata.PackageNotFoundError:
        version = "0"
    who = contact or "no contact configured (FICSHELF_CONTACT)"
    return f"Ficshelf/{version} (Discord bot; contact: {who})"


class Fetcher:
    def __init__(
        self,
        settings: Settings,
        store: Ao3Store,
        limiter: Limiter,
        *,
        wall: Callable[[], datetime],
        rng: random.Random | None = None,
        sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
    ) -> None:
        self.settings = settings
        self.store = store
        self.limiter = limiter
        self.wall = wall
        self.rng = rng or random.Random()
        self.sleep = sleep
        self.user_agent = user_agent(settings.contact)
        self.requests = 0  # sent by this process
        self._session: aiohttp.ClientSession | None = None
        self._inflight: dict[str, asyncio.Future[str]] = {}

    async def close(self) -> None:
        if self._session is not None:
            session, self._session = self._session, None
            await session.close()

    def _now(self) -> float:
        return self.wall().timestamp()

    async def page(self, path: str) -> str:
        """The HTML at `path` (under FICSHELF_AO3_BASE), past the adult gate; or an Ao3Error."""
        pending = self._inflight.get(path)
        if pending is not None:  # the same page is being looked up: share that answer
            return await asyncio.shield(pending)
        # registered before the first await, so a second caller can never slip between
        # a cache miss and the request (nor read the cache before the answer is saved)
        future: asyncio.Future[str] = asyncio.get_running_loop().create_future()
        self._inflight[path] = future
        try:
            cached = await self._cached(path)
            body = cached if cached is not None else await self._fetch_and_remember(path)
        except BaseException as exc:
            future.set_exception(exc)
            future.exception()  # consumed here; waiters re-raise it
            raise
        else:
            future.set_result(body)
            return body
        finally:
            self._inflight.pop(path, None)

    async def _cached(self, path: str) -> str | None:
        hit = await self.store.cached(path, self._now())
        if hit is None:
            return None
        if hit.failure is not None:
            raise rebuild(hit.failure, hit.detail)
        return hit.body or ""

    async def _fetch_and_remember(self, path: str) -> str:
        paused = max(self.limiter.paused_for(), await self._shared_pause())
        if paused > 0:  # AO3 asked us to wait (Retry-After): do not ask again before then
            raise RateLimitedError(paused)
        wait = self.limiter.estimate()
        if wait > self.settings.ao3_max_wait:  # a bounded wait: say so rather than queue
            raise BusyError(wait)
        try:
            body = await self._fetch(path)
        except Ao3Error as exc:
            await self.store.remember(
                path,
                status=0,
                now=self._now(),
                keep=self.settings.ao3_negative_seconds,
                failure=exc.kind,
                detail=exc.detail,
            )
            raise
        await self.store.remember(
            path, status=200, now=self._now(), keep=self.settings.ao3_cache_seconds, body=body
        )
        return body

    async def _shared_pause(self) -> float:
        """Seconds left of a Retry-After another process (or this one) was given."""
        now = self._now()
        hit = await self.store.cached(PAUSE, now)
        return 0.0 if hit is None else hit.expires_at - now

    async def _fetch(self, path: str) -> str:
        body, final = await self._get_retrying(path)
        proceed = adult_proceed(body)
        if proceed is not None:  # the adult gate: follow its own "Proceed" link
            body, final = await self._get_retrying(proceed)
        if is_restricted(body, final):
            raise RestrictedError
        return body

    async def _get_retrying(self, path: str) -> tuple[str, str]:
        tries = max(1, self.settings.ao3_tries)
        for attempt in range(tries):
            try:
                return await self._get(path)
            except _RetryError as exc:
                log.info("AO3 %s: %s (try %d of %d)", path, exc, attempt + 1, tries)
                if attempt + 1 < tries:
                    delay = self.settings.ao3_backoff * 2**attempt
                    await self.sleep(delay * self.rng.uniform(0.5, 1.5))
        raise UnavailableError

    async def _get(self, path: str) -> tuple[str, str]:
        """One request: (body, final path), or _RetryError / an Ao3Error."""
        session = self._client()
        url = self.settings.ao3_base + path
        async with self.limiter.slot():
            self.requests += 1
            try:
                async with session.get(url, allow_redirects=True) as response:
                    body = await response.text(errors="replace")
                    status, headers = response.status, response.headers
                    final = response.url.path_qs
            except (TimeoutError, aiohttp.ClientError) as exc:
                raise _RetryError(type(exc).__name__) from None
        if is_challenge(status, headers, body):
            raise ChallengedError
        if status == 429:
            wait = retry_after(headers.get("Retry-After"), self.wall())
            self.limiter.pause(wait)
            await self.store.remember(
                PAUSE, status=429, now=self._now(), keep=wait, failure="rate-limited", detail=wait
            )
            raise RateLimitedError(wait)
        if status == 404:
            raise DeletedError
        if status in RETRIED:
            raise _RetryError(f"HTTP {status}")
        if status >= 400:
            log.warning("AO3 answered %s for %s", status, path)
            raise UnavailableError
        return body, final

    def _client(self) -> aiohttp.ClientSession:
        if self._session is None:
            # one request every few seconds: keep-alive saves nothing, and its idle timers
            # would hold the simulated Discord (console, tests) from settling
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(force_close=True),
                headers={"User-Agent": self.user_agent},
                timeout=aiohttp.ClientTimeout(total=self.settings.ao3_timeout),
            )
        return self._session


def retry_after(value: str | None, now: datetime, default: float = 60.0) -> float:
    """Seconds from a Retry-After header (seconds or an HTTP date)."""
    if not value:
        return default
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return default
    return max(1.0, (when - now).total_seconds())
