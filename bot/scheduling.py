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
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from functools import cache
from zoneinfo import ZoneInfo, available_timezones

from bot.matching import fuzzy_names

__all__ = [
    "due_instant",
    "is_due",
    "local_date",
    "next_due",
    "parse_hhmm",
    "resolve_zone",
    "timezone_names",
    "upcoming",
    "zone_note",
]

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


# A zone that follows a place's clocks (daylight saving included), per standard UTC offset
# in minutes: what to suggest for an abbreviation or a bare offset.
_PLACES = {
    -600: "Pacific/Honolulu",
    -540: "America/Anchorage",
    -480: "America/Los_Angeles",
    -420: "America/Denver",
    -360: "America/Chicago",
    -300: "America/New_York",
    -240: "America/Halifax",
    -210: "America/St_Johns",
    -180: "America/Sao_Paulo",
    -60: "Atlantic/Azores",
    0: "Europe/London",
    60: "Europe/Paris",
    120: "Europe/Athens",
    180: "Europe/Moscow",
    210: "Asia/Tehran",
    240: "Asia/Dubai",
    270: "Asia/Kabul",
    300: "Asia/Karachi",
    330: "Asia/Kolkata",
    345: "Asia/Kathmandu",
    360: "Asia/Dhaka",
    420: "Asia/Bangkok",
    480: "Asia/Shanghai",
    540: "Asia/Tokyo",
    570: "Australia/Adelaide",
    600: "Australia/Sydney",
    720: "Pacific/Auckland",
}
# Abbreviations people type: (UTC offset in minutes, the zone they most likely mean).
_ABBREVIATIONS = {
    "EST": (-300, "America/New_York"),
    "EDT": (-240, "America/New_York"),
    "CST": (-360, "America/Chicago"),
    "CDT": (-300, "America/Chicago"),
    "MST": (-420, "America/Denver"),
    "MDT": (-360, "America/Denver"),
    "PST": (-480, "America/Los_Angeles"),
    "PDT": (-420, "America/Los_Angeles"),
    "AKST": (-540, "America/Anchorage"),
    "AKDT": (-480, "America/Anchorage"),
    "HST": (-600, "Pacific/Honolulu"),
    "BST": (60, "Europe/London"),
    "IST": (330, "Asia/Kolkata"),
    "CEST": (120, "Europe/Paris"),
    "EEST": (180, "Europe/Athens"),
    "JST": (540, "Asia/Tokyo"),
    "AEST": (600, "Australia/Sydney"),
    "AEDT": (660, "Australia/Sydney"),
    "NZST": (720, "Pacific/Auckland"),
    "NZDT": (780, "Pacific/Auckland"),
}
_OFFSET = re.compile(r"(?:GMT|UTC)\s*([+\-\u2212])\s*(\d{1,2})(?::?(\d{2}))?", re.IGNORECASE)
_ETC = re.compile(r"Etc/GMT([+-])(\d{1,2})")


def _utc(minutes: int) -> str:
    """-300 → "UTC−5", 330 → "UTC+5:30" (a real minus sign, as people write it)."""
    sign = "+" if minutes >= 0 else "\u2212"
    hours, rest = divmod(abs(minutes), 60)
    return f"UTC{sign}{hours}" + (f":{rest:02d}" if rest else "")


def _fixed_offset_help(name: str, minutes: int, place: str | None) -> str:
    """Why a fixed offset is probably not what was meant, and what to type instead."""
    message = f"{name} is a fixed offset ({_utc(minutes)}) with no daylight saving"
    message += f"; did you mean {place}?" if place else "; use your city's IANA zone instead."
    if minutes % 60 == 0 and minutes != 0:
        etc = f"Etc/GMT{'-' if minutes > 0 else '+'}{abs(minutes) // 60}"
        message += (
            f" For a fixed offset on purpose, use {etc} (POSIX signs are inverted: "
            f"{etc} means {_utc(minutes)})."
        )
    return message


def resolve_zone(name: str) -> ZoneInfo:
    """An IANA zone by name, matched case-insensitively (``europe/london`` works too).

    Abbreviations (EST, PST …) and bare offsets (GMT+5) are refused with what they mean and
    the IANA zone that follows daylight saving; Etc/GMT±N is accepted (see `zone_note`)."""
    wanted = name.strip().replace(" ", "_") if isinstance(name, str) else ""
    offset = _OFFSET.fullmatch(wanted)
    if offset:
        sign = 1 if offset.group(1) == "+" else -1
        minutes = sign * (int(offset.group(2)) * 60 + int(offset.group(3) or 0))
        if minutes == 0:
            return ZoneInfo("UTC")
        if -12 * 60 <= minutes <= 14 * 60:
            raise ValueError(_fixed_offset_help(wanted.upper(), minutes, _PLACES.get(minutes)))
    abbreviation = _ABBREVIATIONS.get(wanted.upper())
    if abbreviation:
        minutes, place = abbreviation
        raise ValueError(_fixed_offset_help(wanted.upper(), minutes, place))
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


def zone_note(zone: ZoneInfo) -> str | None:
    """What a surprising but valid zone means: Etc/GMT+5 is UTC−5 (POSIX signs)."""
    etc = _ETC.fullmatch(zone.key)
    if etc is None or int(etc.group(2)) == 0:
        return None
    minutes = (-1 if etc.group(1) == "+" else 1) * int(etc.group(2)) * 60
    place = _PLACES.get(minutes)
    hint = f"; for local time with daylight saving use e.g. {place}" if place else ""
    return (
        f"{zone.key} means {_utc(minutes)} (POSIX signs are inverted), "
        f"with no daylight saving{hint}."
    )


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


DayRule = Callable[[date], bool]  # whether a local date is a posting day (bot.recurrence)
_LOOKAHEAD = 400  # local dates searched for the next posting day


def _every_day(_day: date) -> bool:
    return True


def _first_due_from(day: date, at: time, zone: tzinfo, allowed: DayRule = _every_day) -> datetime:
    """The due instant of the first posting date from ``day`` on that has one on that date."""
    fallback: datetime | None = None
    for offset in range(_LOOKAHEAD):
        candidate = day + offset * _ONE_DAY
        if not allowed(candidate):
            continue
        due = due_instant(candidate, at, zone)
        # a date can be skipped entirely (Pacific/Apia, 2011-12-30): try the next one
        if local_date(due, zone) == candidate:
            return due
        fallback = fallback or due
    return fallback or due_instant(day, at, zone)


def next_due(
    at: time,
    zone: tzinfo,
    last_posted: date | None,
    now: datetime,
    allowed: DayRule = _every_day,
) -> datetime:
    """When the next post is due.

    Today's (local) due instant if today is a posting day whose post has not been made —
    even when that instant has passed (catch-up after downtime: due now) — otherwise the
    next posting day's. Never an earlier day's.
    """
    today = local_date(now, zone)
    start = today if last_posted is None or last_posted < today else last_posted + _ONE_DAY
    return _first_due_from(start, at, zone, allowed)


def upcoming(
    at: time,
    zone: tzinfo,
    last_posted: date | None,
    now: datetime,
    allowed: DayRule = _every_day,
    count: int = 3,
) -> list[datetime]:
    """The next ``count`` due instants (the first is `next_due`'s)."""
    out: list[datetime] = []
    last = last_posted
    for _ in range(count):
        due = next_due(at, zone, last, now, allowed)
        out.append(due)
        last = local_date(due, zone)
    return out


def is_due(
    at: time,
    zone: tzinfo,
    last_posted: date | None,
    now: datetime,
    allowed: DayRule = _every_day,
) -> date | None:
    """The local date to post for if a post is due at ``now``, else None.

    Due when today is a posting day, today's post has not been made and ``now`` is at or
    past today's due instant. A day missed entirely is not posted late: only today counts,
    and a day that is not a posting day is never caught up.
    """
    today = local_date(now, zone)
    if last_posted is not None and last_posted >= today:
        return None
    if not allowed(today):
        return None
    due = due_instant(today, at, zone)
    if now < due or local_date(due, zone) != today:
        return None
    return today


@cache
def _zones() -> list[str]:
    return sorted(available_timezones())


def timezone_names(current: str) -> list[str]:
    """IANA zone names for autocomplete (≤ 25), fuzzy; "new york" finds America/New_York."""
    return fuzzy_names(current.replace(" ", "_"), _zones())
