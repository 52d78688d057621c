"""Pure time logic for daily prompts: parsing, DST-correct due instants, catch-up.

A schedule is a local wall time (``HH:MM``) in an IANA zone. Each local date has exactly
one *due instant*:

- a wall time that exists that day is due at that time;
- a wall time skipped by a spring-forward gap is due at the first valid minute after the
  gap (02:30 in America/New_York on spring-forward day → 03:00 local);
- a wall time that occurs twice (fall back) is due at its first occurrence.

Nothing here reads the clock: callers pass ``now`` as an aware datetime.
"""

from __future__ import annotations

import difflib
import re
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from functools import cache
from zoneinfo import ZoneInfo, available_timezones

__all__ = ["due_instant", "is_due", "local_date", "next_due", "parse_hhmm", "resolve_zone"]

_HHMM = re.compile(r"(\d{1,2}):(\d{2})")
_HHMM_HELP = "time must be HH:MM in 24-hour form, e.g. 09:00 or 18:30"
_ONE_DAY = timedelta(days=1)


def parse_hhmm(text: str) -> time:
    """``"09:00"`` → ``time(9, 0)``; a ValueError a person can act on otherwise."""
    match = _HHMM.fullmatch(text.strip()) if isinstance(text, str) else None
    if match is None:
        raise ValueError(f"{_HHMM_HELP} (got {text!r})")
    hour, minute = int(match.group(1)), int(match.group(2))
    if hour > 23 or minute > 59:
        raise ValueError(f"{_HHMM_HELP} (got {text!r}: hours go 00–23, minutes 00–59)")
    return time(hour, minute)


@cache
def _zone_names() -> dict[str, str]:
    """Lower-cased IANA name → its canonical spelling."""
    return {name.lower(): name for name in available_timezones()}


def resolve_zone(name: str) -> ZoneInfo:
    """An IANA zone by name, matched case-insensitively (``europe/london`` works too)."""
    wanted = name.strip().replace(" ", "_") if isinstance(name, str) else ""
    key = _zone_names().get(wanted.lower()) if wanted else None
    if key is None:
        message = (
            f"unknown timezone {name!r}; use an IANA name such as Europe/London or America/New_York"
        )
        close = difflib.get_close_matches(wanted.lower(), _zone_names(), n=1, cutoff=0.8)
        if close:
            message += f" (did you mean {_zone_names()[close[0]]}?)"
        raise ValueError(message)
    return ZoneInfo(key)


def _require_aware(now: datetime) -> None:
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("now must be a timezone-aware datetime (UTC)")


def local_date(now: datetime, zone: tzinfo) -> date:
    """The calendar date on the wall in ``zone`` at the instant ``now``."""
    _require_aware(now)
    return now.astimezone(zone).date()


def due_instant(day: date, at: time, zone: tzinfo) -> datetime:
    """The UTC instant the post for local date ``day`` at wall time ``at`` is due."""
    wall = datetime.combine(day, at.replace(tzinfo=None, fold=0), tzinfo=zone)
    first = wall.astimezone(UTC)  # fold=0: the earlier occurrence of an ambiguous time
    if first.astimezone(zone).replace(tzinfo=None) == wall.replace(tzinfo=None):
        return first
    # The wall time falls in a gap: fold=0 read it with the offset before the transition
    # (an instant after the gap), fold=1 with the offset after it (an instant before).
    # Find the transition between them; its wall time is the end of the gap.
    after = first
    before = wall.replace(fold=1).astimezone(UTC)
    if before >= after:  # not a PEP 495 zone; nothing better to do than the fold=0 reading
        return first
    late_offset = after.astimezone(zone).utcoffset()
    lo, hi = 0, int((after - before).total_seconds())  # transition in (before, before + hi]
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if (before + timedelta(seconds=mid)).astimezone(zone).utcoffset() == late_offset:
            hi = mid
        else:
            lo = mid
    transition = before + timedelta(seconds=hi)
    local = transition.astimezone(zone)
    if local.second or local.microsecond:  # historical offsets with seconds: next minute
        local = local.replace(second=0, microsecond=0) + timedelta(minutes=1)
        transition = local.astimezone(UTC)
    return transition


def _first_due_from(day: date, at: time, zone: tzinfo) -> datetime:
    """The due instant of the first local date from ``day`` on that has one on that date."""
    for offset in range(3):  # a date can be skipped entirely (Pacific/Apia, 2011-12-30)
        candidate = day + offset * _ONE_DAY
        due = due_instant(candidate, at, zone)
        if local_date(due, zone) == candidate:
            return due
    return due_instant(day, at, zone)


def next_due(at: time, zone: tzinfo, last_posted: date | None, now: datetime) -> datetime:
    """When the next post is due.

    Today's (local) due instant if today's post has not been made — even when that instant
    has passed (catch-up after downtime: due now) — otherwise the next day's. Never an
    earlier day's.
    """
    today = local_date(now, zone)
    start = today if last_posted is None or last_posted < today else last_posted + _ONE_DAY
    return _first_due_from(start, at, zone)


def is_due(at: time, zone: tzinfo, last_posted: date | None, now: datetime) -> date | None:
    """The local date to post for if a post is due at ``now``, else None.

    Due when today's post has not been made and ``now`` is at or past today's due instant.
    A day missed entirely is not posted late: only today counts.
    """
    today = local_date(now, zone)
    if last_posted is not None and last_posted >= today:
        return None
    due = due_instant(today, at, zone)
    if now < due or local_date(due, zone) != today:
        return None
    return today
