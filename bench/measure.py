"""Timing helpers and the result row every benchmark reports."""

from __future__ import annotations

import math
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class Goal:
    """A target on the value (`on="value"`) or on value/baseline (`on="ratio"`)."""

    op: str  # "<=" or ">="
    limit: float
    on: str = "value"
    unit: str = ""

    def met(self, value: float, ratio: float | None) -> bool | None:
        x = value if self.on == "value" else ratio
        if x is None or math.isnan(x):
            return None
        return x <= self.limit if self.op == "<=" else x >= self.limit

    def __str__(self) -> str:
        what = "" if self.on == "value" else "ratio "
        unit = f" {self.unit}" if self.unit and self.on == "value" else ""
        suffix = "×" if self.on == "ratio" else ""
        return f"{what}{self.op} {_num(self.limit)}{unit}{suffix}"


@dataclass(slots=True)
class Row:
    """One line of the results table."""

    section: str
    metric: str
    value: float
    unit: str
    baseline: float | None = None
    goal: Goal | None = None
    note: str = ""
    detail: dict[str, Any] = field(default_factory=dict)

    @property
    def ratio(self) -> float | None:
        if self.baseline in (None, 0) or math.isnan(self.value):
            return None
        return self.value / self.baseline  # type: ignore[operator]

    @property
    def ok(self) -> bool | None:
        return self.goal.met(self.value, self.ratio) if self.goal else None

    def as_dict(self) -> dict[str, Any]:
        return {
            "section": self.section,
            "metric": self.metric,
            "value": _round(self.value),
            "unit": self.unit,
            "baseline": _round(self.baseline),
            "ratio": _round(self.ratio),
            "goal": str(self.goal) if self.goal else None,
            "ok": self.ok,
            "note": self.note,
            "detail": self.detail,
        }


def _round(x: float | None) -> float | None:
    if x is None or math.isnan(x):
        return None
    return float(f"{x:.4g}")


def _num(x: float) -> str:
    return f"{x:g}"


def percentile(samples: list[float], q: float) -> float:
    """The q-th percentile (0..100), linear between closest ranks; NaN when empty."""
    if not samples:
        return math.nan
    ordered = sorted(samples)
    pos = (len(ordered) - 1) * q / 100
    lo, hi = math.floor(pos), math.ceil(pos)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (pos - lo)


@dataclass(frozen=True, slots=True)
class Budget:
    """How many timed calls to make: up to `n`, stopping after `seconds` (≥ `min_n` calls)."""

    n: int = 1000
    seconds: float = 8.0
    min_n: int = 10
    warmup: int = 5


async def sample(call: Callable[[], Awaitable[object]], budget: Budget) -> list[float]:
    """Wall-clock seconds of repeated awaited calls, after `budget.warmup` untimed ones."""
    for _ in range(budget.warmup):
        await call()
    out: list[float] = []
    deadline = time.perf_counter() + budget.seconds
    while len(out) < budget.n:
        t0 = time.perf_counter()
        await call()
        out.append(time.perf_counter() - t0)
        if len(out) >= budget.min_n and time.perf_counter() > deadline:
            break
    return out


def ms(seconds: float) -> float:
    return seconds * 1000.0


def size_label(n: int) -> str:
    """10000 → "10k", 1000000 → "1m"."""
    if n >= 1_000_000 and n % 1_000_000 == 0:
        return f"{n // 1_000_000}m"
    if n >= 1000 and n % 1000 == 0:
        return f"{n // 1000}k"
    return str(n)


def parse_size(text: str) -> int:
    """ "10k" → 10000, "1m" → 1000000, "2500" → 2500."""
    t = text.strip().lower().replace("_", "")
    scale = {"k": 1000, "m": 1_000_000}.get(t[-1:], 1)
    digits = t[:-1] if scale > 1 else t
    value = float(digits) * scale
    if value < 1 or value != int(value):
        raise ValueError(f"not a passage count: {text!r}")
    return int(value)
