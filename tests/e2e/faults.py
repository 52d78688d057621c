"""Faults simcord cannot inject by itself: the request lands, then the answer is lost.

`env.inject_error` fails a request *before* Discord acts on it. The harder case for an
exactly-once poster is the other one: Discord created the message, but the bot saw a
timeout (or a 5xx from a proxy) instead of the answer. `land_then_fail` makes simcord's
router run the real request and then raise, for the first `times` matching calls.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from simcord.http import router


@dataclass
class LostAnswers:
    """The calls that landed and whose answer was replaced by an error."""

    method: str
    path: str
    times: int
    error: Callable[[], BaseException]
    hits: list[Any] = field(default_factory=list)  # what the real call returned


def land_then_fail(
    monkeypatch: pytest.MonkeyPatch,
    method: str,
    path: str,
    *,
    error: Callable[[], BaseException] = TimeoutError,
    times: int = 1,
) -> LostAnswers:
    """Let the first `times` calls matching (method, fnmatch path) succeed, then raise."""
    lost = LostAnswers(method, path, times, error)
    real = router.dispatch

    def dispatch(backend: Any, m: str, p: str, **kwargs: Any) -> Any:
        result = real(backend, m, p, **kwargs)
        if len(lost.hits) < lost.times and m == method and fnmatch.fnmatch(p, path):
            lost.hits.append(result)
            raise lost.error()
        return result

    monkeypatch.setattr(router, "dispatch", dispatch)
    return lost
