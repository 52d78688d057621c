"""Posting-day rules: parsing what moderators type, and which local dates are due."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.recurrence import EVERY_DAY, Recurrence, parse_days
from bot.scheduling import is_due, next_due, upcoming

MON = date(2026, 3, 2)  # a Monday


@pytest.mark.parametrize(
    ("typed", "canonical", "weekdays"),
    [
        (None, "every day", None),
        ("every day", "every day", None),
        ("Daily", "every day", None),
        ("mon,wed,fri", "mon,wed,fri", {0, 2, 4}),
        ("Monday, Wednesday and Friday", "mon,wed,fri", {0, 2, 4}),
        ("fri mon", "mon,fri", {0, 4}),
        ("weekdays", "weekdays", {0, 1, 2, 3, 4}),
        ("weekends", "weekends", {5, 6}),
        ("mon,tue,wed,thu,fri,sat,sun", "every day", None),
    ],
)
def test_parsing_weekday_rules(
    typed: str | None, canonical: str, weekdays: set[int] | None
) -> None:
    rule = parse_days(typed)
    assert rule.text == canonical
    assert rule.weekdays == (frozenset(weekdays) if weekdays is not None else None)
    assert parse_days(rule.text) == rule


def test_every_n_days_counts_from_its_anchor() -> None:
    rule = parse_days("every 3 days")
    assert rule == Recurrence(every=3) and rule.text == "every 3 days"
    due = [MON + timedelta(days=i) for i in range(10) if rule.due_on(MON + timedelta(days=i), MON)]
    assert due == [MON, MON + timedelta(days=3), MON + timedelta(days=6), MON + timedelta(days=9)]
    assert parse_days("every 1 day") == EVERY_DAY


@pytest.mark.parametrize(
    ("typed", "says"),
    [
        ("sometimes", "“sometimes”"),
        ("mon,funday", "“funday”"),
        ("every 0 days", "from 1 to 30"),
        ("every 45 days", "from 1 to 30"),
    ],
)
def test_bad_rules_name_an_example(typed: str, says: str) -> None:
    with pytest.raises(ValueError, match="every 2 days") as info:
        parse_days(typed)
    assert says in str(info.value)


def test_a_day_that_is_not_due_gets_no_catch_up() -> None:
    zone = ZoneInfo("Europe/London")
    mwf = parse_days("mon,wed,fri")
    tuesday_evening = datetime(2026, 3, 3, 20, 0, tzinfo=UTC)
    # Monday's post was missed; Tuesday is not a posting day: nothing is due on Tuesday
    assert is_due(time(9), zone, MON - timedelta(days=3), tuesday_evening, mwf.due_on) is None
    assert next_due(time(9), zone, None, tuesday_evening, mwf.due_on) == datetime(
        2026, 3, 4, 9, 0, tzinfo=UTC
    )
    wednesday = datetime(2026, 3, 4, 9, 30, tzinfo=UTC)
    assert is_due(time(9), zone, None, wednesday, mwf.due_on) == date(2026, 3, 4)


def test_upcoming_gives_the_next_three_posting_days_across_dst() -> None:
    zone = ZoneInfo("America/New_York")  # clocks go forward on Sunday 2026-03-08
    mwf = parse_days("mon,wed,fri")
    now = datetime(2026, 3, 5, 12, 0, tzinfo=UTC)  # a Thursday
    times = upcoming(time(9), zone, None, now, mwf.due_on)
    local = [t.astimezone(zone) for t in times]
    assert [t.date() for t in local] == [date(2026, 3, 6), date(2026, 3, 9), date(2026, 3, 11)]
    assert all((t.hour, t.minute) == (9, 0) for t in local)
    assert {t.utcoffset() for t in local} == {timedelta(hours=-5), timedelta(hours=-4)}
