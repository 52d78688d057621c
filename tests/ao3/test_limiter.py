"""The limiter on a virtual clock: spacing, the per-minute cap, 429 pauses, worst waits."""

from __future__ import annotations

import asyncio
from itertools import pairwise

from bot.ao3.limiter import Limiter


class VirtualClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += seconds
        await asyncio.sleep(0)


async def burst(limiter: Limiter, clock: VirtualClock, n: int) -> list[float]:
    """`n` requests asked for at once; the virtual time each one started."""
    starts: list[float] = []

    async def one() -> None:
        async with limiter.slot():
            starts.append(clock())
            await asyncio.sleep(0)

    await asyncio.gather(*(one() for _ in range(n)))
    return starts


async def test_requests_are_spaced_and_capped_per_minute() -> None:
    clock = VirtualClock()
    limiter = Limiter(2.5, 20, clock=clock, sleep=clock.sleep)
    starts = await burst(limiter, clock, 45)
    assert min(b - a for a, b in pairwise(starts)) >= 2.5
    for i, start in enumerate(starts):
        in_window = [s for s in starts[: i + 1] if s > start - 60]
        assert len(in_window) <= 20
    # worst case for a burst: the 20th waits 47.5 s, the 21st 60 s (the minute cap)
    assert starts[19] == 47.5
    assert starts[20] == 60.0
    assert starts[40] == 120.0  # sustained: 20 a minute, whatever the queue


async def test_one_request_at_a_time() -> None:
    clock = VirtualClock()
    limiter = Limiter(0.0, 1000, clock=clock, sleep=clock.sleep)
    inside = 0
    most = 0

    async def one() -> None:
        nonlocal inside, most
        async with limiter.slot():
            inside += 1
            most = max(most, inside)
            await asyncio.sleep(0)
            inside -= 1

    await asyncio.gather(*(one() for _ in range(10)))
    assert most == 1


async def test_a_pause_holds_every_request_back() -> None:
    clock = VirtualClock()
    limiter = Limiter(2.5, 20, clock=clock, sleep=clock.sleep)
    limiter.pause(120)
    assert limiter.paused_for() == 120
    starts = await burst(limiter, clock, 2)
    assert starts == [120.0, 122.5]
    assert limiter.paused_for() == 0


async def test_estimate_counts_the_queue() -> None:
    clock = VirtualClock()
    limiter = Limiter(2.5, 20, clock=clock, sleep=clock.sleep)
    assert limiter.estimate() == 0
    await burst(limiter, clock, 20)  # 20 started in the last 47.5 s
    assert limiter.estimate() == 60.0 - clock.now
