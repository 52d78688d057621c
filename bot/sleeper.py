"""A background loop's sleep that other code can cut short."""

from __future__ import annotations

import asyncio
import contextlib


class Sleeper:
    """Sleeps in the loop's own task, so `wake()` interrupts exactly that sleep and nothing
    else. A plain `asyncio.sleep` (no helper task), so a simulated clock can jump straight
    to the deadline."""

    def __init__(self) -> None:
        self.task: asyncio.Task[None] | None = None
        self.sleeping = self.woken = self.stopping = False

    async def sleep(self, seconds: float) -> None:
        """Sleep `seconds`, or until `wake()`; a real cancellation still cancels."""
        self.task = asyncio.current_task()  # type: ignore[assignment]
        self.sleeping = True
        try:
            await asyncio.sleep(seconds)
        except asyncio.CancelledError:
            if not self.woken or self.stopping or self.task is None:
                raise
            self.task.uncancel()  # woken early on purpose: carry on
        finally:
            self.sleeping = self.woken = False

    def wake(self) -> None:
        """Cut the current sleep short (no-op when not sleeping)."""
        if self.sleeping and not self.woken and self.task is not None:
            self.woken = True
            self.task.cancel()

    async def stop(self, task: asyncio.Task[None] | None) -> None:
        """Cancel the loop's task for good and wait for it."""
        self.stopping = True
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
