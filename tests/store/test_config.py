"""Policy settings: every layer of a channel read back in one query, one server only."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from bot.store.config import SERVER_DEFAULT, ConfigStore, LayerRow
from bot.store.db import Database

GUILD, OTHER, CHANNEL, QUIET = 10, 11, 20, 30
AT = datetime(2026, 1, 1, tzinfo=UTC)


async def test_layers_of_a_channel_in_one_query(empty_db: Path | str) -> None:
    db = await Database.open(empty_db)
    try:
        store = ConfigStore(db)
        log = {"user_id": 1, "at": AT, "change": "x"}
        await store.set_value(GUILD, SERVER_DEFAULT, "max_rating", "mature", **log)
        await store.set_block(GUILD, SERVER_DEFAULT, "violence", True, **log)
        await store.set_value(GUILD, CHANNEL, "spoilers", 0, **log)
        await store.set_block(GUILD, CHANNEL, "violence", False, **log)
        await store.set_block(GUILD, CHANNEL, "death", True, **log)
        await store.set_value(OTHER, CHANNEL, "max_rating", "explicit", **log)
        queries = 0
        fetchall = db.fetchall

        async def counting(*args: object, **kwargs: object) -> object:
            nonlocal queries
            queries += 1
            return await fetchall(*args, **kwargs)  # type: ignore[arg-type]

        db.fetchall = counting  # type: ignore[method-assign]
        got = await store.layers(GUILD, [SERVER_DEFAULT, CHANNEL, QUIET])
        assert queries == 1
        assert got == {
            SERVER_DEFAULT: LayerRow("mature", None, {"violence": True}),
            CHANNEL: LayerRow(None, False, {"violence": False, "death": True}),
            QUIET: LayerRow(None, None, {}),
        }
    finally:
        await db.close()
