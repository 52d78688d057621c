"""Setting the same "every N days" rule again keeps its phase."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from tests.e2e.conftest import World
from tests.e2e.test_club import advance_to, daily_posts, daily_set

LONDON = ZoneInfo("Europe/London")


async def test_setting_every_two_days_again_keeps_its_phase(world: World) -> None:
    await advance_to(world, datetime(2026, 1, 5, 10, 0, tzinfo=LONDON))  # after 09:00
    await daily_set(world, world.writing, days="every 2 days", timezone="Europe/London")
    await advance_to(world, datetime(2026, 1, 6, 12, 0, tzinfo=LONDON))
    assert [m.created_at.astimezone(LONDON).date() for m in daily_posts(world.writing)] == [
        date(2026, 1, 6)
    ]
    # the next morning a moderator sets it again, only to add a role
    await advance_to(world, datetime(2026, 1, 7, 8, 0, tzinfo=LONDON))
    await daily_set(
        world, world.writing, days="every 2 days", timezone="Europe/London", role=world.mod_role
    )
    await advance_to(world, datetime(2026, 1, 12, 12, 0, tzinfo=LONDON))
    days = [m.created_at.astimezone(LONDON).date() for m in daily_posts(world.writing)]
    assert days == [date(2026, 1, d) for d in (6, 8, 10, 12)]
    await world.env.bot.release()
