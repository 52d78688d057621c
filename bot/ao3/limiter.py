"""One polite request at a time: minimum spacing, a per-minute cap, pauses after a 429.

The clock and the sleep are injected (monotonic seconds), so tests can run the limiter on
a virtual clock. An optional shared budget (the database) keeps several processes' sum
within the same limits.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Protocol


class SharedBudget(Protocol):
    async def claim(self) -> float:
        """Take one request: 0 when taken, else the seconds to wait before asking again."""
        ...


class Limiter:
    def __init__(
        self,
        interval: float,
        per_window: int,
        *,
        window: float = 60.0,
        clock: Callable[[], float] | None = None,
        sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
        budget: SharedBudget | None = None,
    ) -> None:
        self.interval = interval
        self.per_window = max(1, per_window)
        self.window = window
        self.clock = clock or _monotonic
        self.sleep = sleep
        self.budget = budget
        self._lock = asyncio.Lock()
        self._starts: deque[float] = deque()
        self._paused_until = float("-inf")
        self.waiting = 0  # requests queued behind the one in flight

    def delay(self) -> float:
        """Seconds before the next request may start (ignoring the one in flight)."""
        now = self.clock()
        while self._starts and self._starts[0] <= now - self.window:
            self._starts.popleft()
        wait = self._paused_until - now
        if self._starts:
            wait = max(wait, self._starts[-1] + self.interval - now)
        if len(self._starts) >= self.per_window:
            wait = max(wait, self._starts[-self.per_window] + self.window - now)
        return max(0.0, wait)

    def estimate(self) -> float:
        """Seconds a request asked for now would wait for its turn (the queue included)."""
        now = self.clock()
        starts = [t for t in self._starts if t > now - self.window]
        ahead = self.waiting + (1 if self._lock.locked() else 0)
        at = now
        for _ in range(ahead + 1):
            at = max(now, self._paused_until)
            if starts:
                at = max(at, starts[-1] + self.interval)
            if len(starts) >= self.per_window:
                at = max(at, starts[-self.per_window] + self.window)
            starts.append(at)
        return max(0.0, at - now)

    def paused_for(self) -> float:
        """Seconds left of a pause AO3 asked for (Retry-After), else 0."""
        return max(0.0, self._paused_until - self.clock())

    def pause(self, seconds: float) -> None:
        self._paused_until = max(self._paused_until, self.clock() + seconds)

    @asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        """Hold the one request slot; entered only when every limit allows a request."""
        self.waiting += 1
        try:
            await self._lock.acquire()
        finally:
            self.waiting -= 1
        try:
            while True:
                wait = self.delay()
                if wait <= 0 and self.budget is not None:
                    wait = await self.budget.claim()
                if wait <= 0:
                    break
                await self.sleep(wait)
            self._starts.append(self.clock())
            yield
        finally:
            self._lock.release()


def _monotonic() -> float:
    return time.monotonic()  # looked up at each call, so a patched (simulated) clock is used
