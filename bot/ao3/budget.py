"""The request budget shared, through the database, by every process using it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from bot.store.ao3 import Ao3Store


class DbBudget:
    """Claims requests in `ao3_requests`, so processes together stay within the limits."""

    def __init__(
        self,
        store: Ao3Store,
        *,
        interval: float,
        per_window: int,
        window: float = 60.0,
        wall: Callable[[], datetime],
        instance: str,
    ) -> None:
        self.store = store
        self.interval, self.per_window, self.window = interval, per_window, window
        self.wall = wall
        self.instance = instance

    async def claim(self) -> float:
        return await self.store.claim(
            self.wall().timestamp(),
            interval=self.interval,
            per_window=self.per_window,
            window=self.window,
            instance=self.instance,
        )
