"""bot.scheduling: DST-correct due instants, catch-up, one post per local date."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from itertools import pairwise
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.scheduling import due_instant, is_due, local_date, next_due, parse_hhmm, resolve_zone

ZONES = [
    "America/New_York",
    "Europe/London",
    "Australia/Lord_Howe",  # 30-minute DST
    "Pacific/Chatham",  # +12:45 / +13:45
    "Asia/Kolkata",  # +05:30, no DST
]
YEARS = (2026, 2027)
MINUTE = timedelta(minutes=1)
DAY = timedelta(days=1)

zones = st.sampled_from(ZONES).map(ZoneInfo)
wall_times = st.builds(time, st.integers(0, 23), st.integers(0, 59))
days = st.dates(min_value=date(2026, 1, 1), max_value=date(2027, 12, 31))
quick = settings(max_examples=60, deadline=None)


# -- an independent oracle: scan the UTC timeline minute by minute -------------------------


@cache
def wall_clock(zone_name: str, day: date) -> dict[time, datetime]:
    """Each wall minute that exists on ``day`` in the zone → its first UTC instant."""
    zone = ZoneInfo(zone_name)
    start = datetime(day.year, day.month, day.day, tzinfo=UTC) - timedelta(hours=15)
    seen: dict[time, datetime] = {}
    for step in range(int((DAY + timedelta(hours=30)) / MINUTE)):
        instant = start + step * MINUTE
        local = instant.astimezone(zone)
        if local.date() == day:
            seen.setdefault(local.time().replace(fold=0), instant)
    return seen


def expected_due(zone_name: str, day: date, at: time) -> datetime:
    """The exact wall time if it exists (first occurrence), else the first valid minute after."""
    seen = wall_clock(zone_name, day)
    if at in seen:
        return seen[at]
    later = [t for t in seen if t > at]
    assert later, f"{at} has no valid minute after it on {day} in {zone_name}"
    return seen[min(later)]


def _offset(instant: datetime, zone: ZoneInfo) -> timedelta:
    offset = instant.astimezone(zone).utcoffset()
    assert offset is not None
    return offset


@cache
def transitions(zone_name: str) -> list[tuple[datetime, timedelta, timedelta]]:
    """(UTC instant, offset before, offset after) of every offset change in 2026–2027."""
    zone = ZoneInfo(zone_name)
    found = []
    instant = datetime(YEARS[0], 1, 1, tzinfo=UTC)
    end = datetime(YEARS[-1] + 1, 1, 1, tzinfo=UTC)
    offset = _offset(instant, zone)
    while instant < end:
        step = instant + timedelta(hours=1)
        new = _offset(step, zone)
        if new != offset:
            exact = instant
            while _offset(exact, zone) == offset:
                exact += MINUTE
            found.append((exact, offset, new))
            offset = new
        instant = step
    return found


def test_transitions_found_as_expected() -> None:
    counts = {name: len(transitions(name)) for name in ZONES}
    assert counts == {
        "America/New_York": 4,
        "Europe/London": 4,
        "Australia/Lord_Howe": 4,
        "Pacific/Chatham": 4,
        "Asia/Kolkata": 0,
    }
    sizes = {abs(after - before) for _, before, after in transitions("Australia/Lord_Howe")}
    assert sizes == {timedelta(minutes=30)}


def _transition_cases() -> list[tuple[str, date]]:
    cases = []
    for name in ZONES:
        for instant, _, _ in transitions(name):
            cases.append((name, instant.astimezone(ZoneInfo(name)).date()))
    return cases


@pytest.mark.parametrize(("zone_name", "day"), _transition_cases())
def test_every_minute_of_every_transition_day(zone_name: str, day: date) -> None:
    zone = ZoneInfo(zone_name)
    for minute in range(24 * 60):
        at = time(minute // 60, minute % 60)
        assert due_instant(day, at, zone) == expected_due(zone_name, day, at), at


def _shifts(forward: bool) -> list[tuple[str, datetime, timedelta, timedelta]]:
    """Every transition that moves the clocks forward (a gap) or back (an overlap)."""
    return [
        (name, instant, before, after)
        for name in ZONES
        for instant, before, after in transitions(name)
        if (after > before) == forward
    ]


def test_both_kinds_of_transition_are_covered() -> None:
    assert {name for name, *_ in _shifts(forward=True)} == set(ZONES) - {"Asia/Kolkata"}
    assert {name for name, *_ in _shifts(forward=False)} == set(ZONES) - {"Asia/Kolkata"}


@pytest.mark.parametrize(("zone_name", "instant", "before", "after"), _shifts(forward=True))
def test_every_minute_of_a_gap_posts_when_it_ends(
    zone_name: str, instant: datetime, before: timedelta, after: timedelta
) -> None:
    """Spring forward: wall times in the gap post when it ends."""
    zone = ZoneInfo(zone_name)
    day = instant.astimezone(zone).date()
    gap_start = (instant + before).time()
    gap_end = instant.astimezone(zone).time()
    gap = [
        (datetime.combine(day, gap_start) + k * MINUTE).time()
        for k in range(int((after - before) / MINUTE))
    ]
    assert gap[-1] < gap_end
    for at in [*gap, gap_end]:
        assert due_instant(day, at, zone) == instant, at


@pytest.mark.parametrize(("zone_name", "instant", "before", "after"), _shifts(forward=False))
def test_every_minute_of_an_overlap_posts_at_its_first_occurrence(
    zone_name: str, instant: datetime, before: timedelta, after: timedelta
) -> None:
    """Fall back: an ambiguous time posts at its first occurrence."""
    zone = ZoneInfo(zone_name)
    day = instant.astimezone(zone).date()
    overlap_start = (instant + after).time()
    overlap = [
        (datetime.combine(day, overlap_start) + k * MINUTE).time()
        for k in range(int((before - after) / MINUTE))
    ]
    assert overlap
    for at in overlap:
        due = due_instant(day, at, zone)
        assert due.astimezone(zone).time() == at
        assert due < instant  # before the clocks went back
        assert due.astimezone(zone).utcoffset() == before


def test_known_instants() -> None:
    ny, london = ZoneInfo("America/New_York"), ZoneInfo("Europe/London")
    assert due_instant(date(2026, 3, 8), time(2, 30), ny) == datetime(2026, 3, 8, 7, tzinfo=UTC)
    assert due_instant(date(2026, 11, 1), time(1, 30), ny) == datetime(
        2026, 11, 1, 5, 30, tzinfo=UTC
    )
    assert due_instant(date(2026, 3, 29), time(1, 15), london) == datetime(
        2026, 3, 29, 1, tzinfo=UTC
    )
    chatham = ZoneInfo("Pacific/Chatham")
    due = due_instant(date(2026, 9, 27), time(3, 0), chatham)
    assert due.astimezone(chatham).time() == time(3, 45)
    kolkata = ZoneInfo("Asia/Kolkata")
    assert due_instant(date(2026, 6, 1), time(9, 0), kolkata) == datetime(
        2026, 6, 1, 3, 30, tzinfo=UTC
    )
    assert due_instant(date(2026, 6, 1), time(9, 0), UTC).tzinfo is UTC


@quick
@given(zones, days, wall_times)
def test_due_instant_matches_wall_clock(zone: ZoneInfo, day: date, at: time) -> None:
    due = due_instant(day, at, zone)
    assert due.utcoffset() == timedelta(0)
    assert due == expected_due(zone.key, day, at)
    local = due.astimezone(zone)
    assert local.date() == day
    exists = at in wall_clock(zone.key, day)
    # the wall time itself when it exists on that day, else a later one (the gap's end)
    assert (local.time() == at) == exists
    assert local.time() >= at


# -- the poster's view: one due instant per local date, catch-up, no repeats ----------------


@settings(max_examples=25, deadline=None)
@given(
    zones,
    wall_times,
    st.datetimes(
        min_value=datetime(2026, 1, 1), max_value=datetime(2026, 12, 31), timezones=st.just(UTC)
    ),
)
def test_four_hundred_days_one_post_per_local_date(
    zone: ZoneInfo, at: time, start: datetime
) -> None:
    now, last = start, None
    posted: list[tuple[date, datetime]] = []
    while len(posted) < 400:
        due = next_due(at, zone, last, now)
        waiting = due > now
        just_before = due - timedelta(microseconds=1) if waiting else now
        assert (is_due(at, zone, last, now) is None) == waiting
        assert (is_due(at, zone, last, just_before) is None) == waiting
        now = max(now, due)
        day = is_due(at, zone, last, now)
        assert day is not None
        assert day == local_date(now, zone)
        assert due == due_instant(day, at, zone)
        posted.append((day, due))
        last = day
        assert is_due(at, zone, last, now) is None
    dates = [d for d, _ in posted]
    instants = [i for _, i in posted]
    assert dates == [dates[0] + k * DAY for k in range(400)]
    assert all(a < b for a, b in pairwise(instants))


@pytest.mark.parametrize(
    ("zone_name", "at"),
    [
        ("America/New_York", time(2, 30)),
        ("America/New_York", time(1, 30)),
        ("Europe/London", time(1, 30)),
        ("Australia/Lord_Howe", time(2, 15)),
        ("Australia/Lord_Howe", time(1, 45)),
        ("Pacific/Chatham", time(3, 0)),
        ("Asia/Kolkata", time(0, 0)),
    ],
)
def test_ticking_poster_posts_once_per_local_date(zone_name: str, at: time) -> None:
    """A poster loop ticking every 20 minutes over 400 days posts each local date once."""
    zone = ZoneInfo(zone_name)
    now = datetime(2026, 1, 1, tzinfo=UTC)
    last_start = local_date(now, zone)
    last: date | None = last_start  # today's post already made
    posted: list[tuple[date, datetime]] = []  # (the day posted, when the tick posted it)
    for _ in range(400 * 72):
        day = is_due(at, zone, last, now)
        if day is not None:
            posted.append((day, now))
            last = day
        now += timedelta(minutes=20)
    assert len(posted) >= 399
    assert [d for d, _ in posted] == [last_start + k * DAY for k in range(1, len(posted) + 1)]
    assert [d for d, tick in posted] == [local_date(tick, zone) for _, tick in posted]
    late = [tick - due_instant(d, at, zone) for d, tick in posted]
    assert max(late) < timedelta(minutes=20)


@quick
@given(zones, wall_times, days, st.integers(1, 30), st.integers(0, 24 * 60 - 1))
def test_catch_up_posts_today_only(
    zone: ZoneInfo, at: time, day: date, missed: int, minute: int
) -> None:
    """Down over the due time (and maybe for days): today's post only, never a past day's."""
    last = day - missed * DAY
    now = datetime.combine(day, time(minute // 60, minute % 60), tzinfo=zone).astimezone(UTC)
    today = local_date(now, zone)
    due = due_instant(today, at, zone)
    assert next_due(at, zone, last, now) == due  # even when it has passed
    assert is_due(at, zone, last, now) == (today if now >= due else None)
    assert is_due(at, zone, None, now) == (today if now >= due else None)


@quick
@given(zones, wall_times, days, st.integers(0, 36 * 60))
def test_after_posting_nothing_until_next_local_day(
    zone: ZoneInfo, at: time, day: date, minutes_later: int
) -> None:
    posted_at = due_instant(day, at, zone)
    tomorrow = due_instant(day + DAY, at, zone)
    assert next_due(at, zone, day, posted_at) == tomorrow
    now = posted_at + minutes_later * MINUTE
    today = local_date(now, zone)
    # nothing until tomorrow's due instant; after it, the current day only (never a past
    # day that went by unposted), once its own due instant has come
    expected = today if today > day and now >= due_instant(today, at, zone) else None
    assert is_due(at, zone, day, now) == expected
    assert now >= tomorrow or expected is None


def test_never_posts_for_an_earlier_day() -> None:
    zone = ZoneInfo("Europe/London")
    now = datetime(2026, 6, 1, 12, tzinfo=UTC)
    # last_posted in the future (e.g. a clock stepped back): nothing is due until after it
    assert is_due(time(9), zone, date(2026, 6, 2), now) is None
    assert next_due(time(9), zone, date(2026, 6, 2), now) == datetime(2026, 6, 3, 8, tzinfo=UTC)


def test_skipped_local_date_is_not_scheduled() -> None:
    apia = ZoneInfo("Pacific/Apia")  # 2011-12-30 did not happen in Samoa
    now = datetime(2011, 12, 29, 23, tzinfo=UTC)  # 13:00 on the 29th, local
    due = next_due(time(9), apia, date(2011, 12, 29), now)
    assert due.astimezone(apia).replace(tzinfo=None) == datetime(2011, 12, 31, 9)


def test_local_date() -> None:
    now = datetime(2026, 3, 1, 23, 30, tzinfo=UTC)
    assert local_date(now, ZoneInfo("Asia/Kolkata")) == date(2026, 3, 2)
    assert local_date(now, ZoneInfo("America/New_York")) == date(2026, 3, 1)
    with pytest.raises(ValueError, match="timezone-aware"):
        local_date(datetime(2026, 3, 1), ZoneInfo("UTC"))


# -- input --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [("09:00", time(9)), ("9:05", time(9, 5)), (" 23:59 ", time(23, 59)), ("00:00", time(0))],
)
def test_parse_hhmm(text: str, expected: time) -> None:
    assert parse_hhmm(text) == expected


@pytest.mark.parametrize(
    "text", ["", "9", "9am", "0900", "24:00", "12:60", "12:5", "1:2:3", "-1:00"]
)
def test_parse_hhmm_rejects_with_an_example(text: str) -> None:
    with pytest.raises(ValueError, match="HH:MM") as info:
        parse_hhmm(text)
    assert "24-hour" in str(info.value)
    assert "09:00" in str(info.value)


@quick
@given(st.integers(0, 23), st.integers(0, 59))
def test_parse_hhmm_round_trips(hour: int, minute: int) -> None:
    assert parse_hhmm(f"{hour:02d}:{minute:02d}") == time(hour, minute)


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("Europe/London", "Europe/London"),
        ("europe/london", "Europe/London"),
        (" AMERICA/NEW_YORK ", "America/New_York"),
        ("America/New York", "America/New_York"),
        ("utc", "UTC"),
        ("Pacific/Chatham", "Pacific/Chatham"),
    ],
)
def test_resolve_zone(name: str, key: str) -> None:
    assert resolve_zone(name).key == key


@pytest.mark.parametrize("name", ["", "Mars/Olympus_Mons", "GMT+25", "../etc/passwd", "London"])
def test_resolve_zone_rejects_with_an_example(name: str) -> None:
    with pytest.raises(ValueError, match="unknown timezone") as info:
        resolve_zone(name)
    assert "Europe/London" in str(info.value)
    assert "America/New_York" in str(info.value)


def test_resolve_zone_suggests_a_near_miss() -> None:
    with pytest.raises(ValueError, match="did you mean Europe/London"):
        resolve_zone("Europe/Londn")


@pytest.mark.parametrize(
    ("name", "meaning", "place"),
    [
        ("EST", "UTC−5", "America/New_York"),
        ("pst", "UTC−8", "America/Los_Angeles"),
        ("GMT+5", "UTC+5", "Asia/Karachi"),
        ("UTC-3:30", "UTC−3:30", "America/St_Johns"),
        ("utc+5:30", "UTC+5:30", "Asia/Kolkata"),
    ],
)
def test_resolve_zone_explains_fixed_offsets(name: str, meaning: str, place: str) -> None:
    with pytest.raises(ValueError, match="no daylight saving") as info:
        resolve_zone(name)
    assert f"({meaning})" in str(info.value)
    assert f"did you mean {place}?" in str(info.value)


def test_posix_zones_are_accepted_with_their_meaning() -> None:
    from bot.scheduling import zone_note

    assert zone_note(resolve_zone("Etc/GMT+5")) == (
        "Etc/GMT+5 means UTC−5 (POSIX signs are inverted), with no daylight saving; "
        "for local time with daylight saving use e.g. America/New_York."
    )
    assert zone_note(resolve_zone("Europe/London")) is None
    assert resolve_zone("GMT+0").key == "UTC"
