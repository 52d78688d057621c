"""Which local days a daily prompt posts on: every day, a set of weekdays, every N days.

Pure: parsing what a moderator typed into a `Recurrence`, and asking it whether a local
date is due. "Every N days" counts from an *anchor* date (stored with the schedule), so
its phase survives restarts; the other rules ignore the anchor.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from bot.markup import echo

__all__ = ["EVERY_DAY", "Recurrence", "parse_days"]

MAX_EVERY = 30  # "every N days" goes up to this
_WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_ALIASES = {
    "monday": 0,
    "mon": 0,
    "mo": 0,
    "tuesday": 1,
    "tues": 1,
    "tue": 1,
    "tu": 1,
    "wednesday": 2,
    "wed": 2,
    "we": 2,
    "thursday": 3,
    "thurs": 3,
    "thur": 3,
    "thu": 3,
    "th": 3,
    "friday": 4,
    "fri": 4,
    "fr": 4,
    "saturday": 5,
    "sat": 5,
    "sa": 5,
    "sunday": 6,
    "sun": 6,
    "su": 6,
}
_GROUPS = {
    "weekdays": frozenset(range(5)),
    "weekends": frozenset({5, 6}),
    "weekend": frozenset({5, 6}),
}
_EVERY_N = re.compile(r"every\s+(\d+)\s+days?")
_EVERY_DAY = {"every day", "everyday", "daily", "each day", "every 1 day", "every 1 days"}
_HELP = (
    "Use `every day`, weekdays such as `mon,wed,fri`, `weekdays` or `weekends`, or `every 2 days`"
)


@dataclass(frozen=True, slots=True)
class Recurrence:
    """A rule over local dates. `weekdays` (Monday = 0) or `every` (days) — not both."""

    weekdays: frozenset[int] | None = None
    every: int = 1

    def due_on(self, day: date, anchor: date | None = None) -> bool:
        """Whether a post is due on local date `day` (`anchor`: where every N days starts)."""
        if self.weekdays is not None:
            return day.weekday() in self.weekdays
        if self.every == 1 or anchor is None:
            return True
        return (day - anchor).days % self.every == 0

    @property
    def text(self) -> str:
        """The canonical spelling, as stored and shown: `parse_days(r.text) == r`."""
        if self.weekdays is not None:
            for name, days in _GROUPS.items():
                if days == self.weekdays:
                    return name
            return ",".join(_WEEKDAYS[d] for d in sorted(self.weekdays))
        return "every day" if self.every == 1 else f"every {self.every} days"

    @property
    def daily(self) -> bool:
        return self.weekdays is None and self.every == 1

    def describe(self) -> str:
        """How a person reads the rule: "Mon, Wed, Fri", "every 2 days"."""
        if self.weekdays is not None and self.text not in _GROUPS:
            return ", ".join(_WEEKDAYS[d].title() for d in sorted(self.weekdays))
        return self.text


EVERY_DAY = Recurrence()


def parse_days(text: str | None) -> Recurrence:
    """What `/daily set days:` took; a ValueError naming an example otherwise."""
    if text is None or not text.strip():
        return EVERY_DAY
    flat = " ".join(text.strip().lower().split())
    if flat in _EVERY_DAY:
        return EVERY_DAY
    if flat in _GROUPS:
        return Recurrence(weekdays=_GROUPS[flat])
    every = _EVERY_N.fullmatch(flat)
    if every:
        n = int(every.group(1))
        if not 1 <= n <= MAX_EVERY:
            raise ValueError(
                f"`every N days` takes N from 1 to {MAX_EVERY} (got {n}), e.g. `every 2 days`"
            )
        return EVERY_DAY if n == 1 else Recurrence(every=n)
    parts = [p for p in re.split(r"[\s,/;+&]+|\band\b", flat) if p]
    days: set[int] = set()
    unknown: list[str] = []
    for part in parts:
        if part in _GROUPS:
            days |= _GROUPS[part]
        elif part in _ALIASES:
            days.add(_ALIASES[part])
        else:
            unknown.append(part)
    if unknown or not days:
        what = f"“{echo(unknown[0], 40)}”" if unknown else f"“{echo(text, 40)}”"
        raise ValueError(f"I can't read {what} as days. {_HELP}.")
    if len(days) == 7:
        return EVERY_DAY
    return Recurrence(weekdays=frozenset(days))
