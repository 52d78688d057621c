"""Moving a server's data from its SQLite file to PostgreSQL (`ficshelf migrate-db`).

Table by table, in batches; each batch and its progress mark are one transaction on the
target, so a copy that stops (a crash, Ctrl-C, the server going away) resumes where it
stopped when run again. The end is verified by counting every table on both sides.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from bot.store.postgres import PostgresDatabase
from bot.store.sqlite import SqliteDatabase

BATCH = 20_000  # rows per target transaction
# (table, the SQLite columns that order it, whether the id column is an identity) in an
# order that satisfies every foreign key; story_fts is FTS5 in SQLite, a table here
TABLES: tuple[tuple[str, str, bool], ...] = (
    ("meta", "key", False),
    ("vocab", "kind, slug", False),
    ("stories", "id", True),
    ("story_fts", "rowid", False),
    ("passages", "id", False),
    ("passage_characters", "character, passage_id", False),
    ("sample_slots", "key, start", False),
    ("sample_tops", "key", False),
    ("removed_stories", "story_id", False),
    ("channel_policy", "guild_id, channel_id", False),
    ("channel_blocks", "guild_id, channel_id, warning", False),
    ("config_log", "id", True),
    ("departed_guilds", "guild_id", False),
    ("prompt_history", "id", True),
    ("daily_schedules", "guild_id, channel_id", False),
    ("daily_posts", "id", True),
    ("reports", "id", True),
    ("hidden_passages", "guild_id, passage_id, report_id", False),
    ("hidden_stories", "guild_id, story_id", False),
    ("passage_warnings", "guild_id, passage_id, warning", False),
    ("report_settings", "guild_id", False),
    ("button_filters", "id", True),
    ("ao3_pages", "url", False),
    ("ao3_requests", "rowid", False),
    ("prompt_suggestions", "id", True),
    ("member_notices", "id", True),
)


class TransferError(RuntimeError):
    """The target cannot take this copy (it holds other data), or the counts differ."""


@dataclass(frozen=True, slots=True)
class Counted:
    table: str
    source: int
    target: int


Progress = Callable[[str, int, int], None]  # (table, rows copied, rows in all)


async def _columns(source: SqliteDatabase, target: PostgresDatabase, table: str) -> list[str]:
    """The columns both sides store (not PostgreSQL's generated search vectors)."""
    if table == "story_fts":
        return ["rowid", "title", "authors", "tags", "characters", "fandoms"]
    mine = [r[1] for r in await source.fetchall(f"PRAGMA table_info({table})")]
    rows = await target.fetchall(
        "SELECT column_name FROM information_schema.columns WHERE table_name = ?"
        " AND is_generated = 'NEVER'",
        (table,),
    )
    theirs = {r[0] for r in rows}
    return [c for c in mine if c in theirs]


async def copy_database(
    source: SqliteDatabase, target: PostgresDatabase, progress: Progress | None = None
) -> list[Counted]:
    """Copy every table of `source` into `target` (resuming an earlier partial copy), then
    count both. Raises TransferError when the target already holds other data, or when
    the counts at the end differ."""
    async with target.transaction() as conn:
        await conn.execute(
            "CREATE TABLE IF NOT EXISTS ficshelf_transfer"
            " (table_name TEXT PRIMARY KEY, copied BIGINT NOT NULL)"
        )
    started = await target.count("SELECT count(*) FROM ficshelf_transfer")
    if not started and await target.count("SELECT count(*) FROM stories"):
        raise TransferError(
            f"{target.name} already holds a library: migrate into an empty database"
        )
    for table, order, _identity in TABLES:
        await _copy_table(source, target, table, order, progress)
    await _reset_identities(target)
    counted = [
        Counted(
            table,
            await source.count(f"SELECT count(*) FROM {table}"),
            await target.count(f"SELECT count(*) FROM {table}"),
        )
        for table, _order, _identity in TABLES
    ]
    wrong = [c for c in counted if c.source != c.target]
    if wrong:
        detail = ", ".join(f"{c.table} {c.source} → {c.target}" for c in wrong)
        raise TransferError(f"the copy differs from the original: {detail}")
    return counted


async def _copy_table(
    source: SqliteDatabase,
    target: PostgresDatabase,
    table: str,
    order: str,
    progress: Progress | None,
) -> None:
    columns = await _columns(source, target, table)
    names = ", ".join(columns)
    total = await source.count(f"SELECT count(*) FROM {table}")
    done = await target.count("SELECT copied FROM ficshelf_transfer WHERE table_name = ?", (table,))
    while done < total:
        rows = await source.fetchall(
            f"SELECT {names} FROM {table} ORDER BY {order} LIMIT ? OFFSET ?", (BATCH, done)
        )
        if not rows:
            break
        async with target.transaction() as conn:
            # copied daily posts are already in the prompt history: no second entry
            await conn.execute("SET LOCAL ficshelf.copying = 'on'")
            await conn.copy_rows(table, columns, [tuple(r) for r in rows])
            done += len(rows)
            await conn.execute(
                "INSERT INTO ficshelf_transfer (table_name, copied) VALUES (?, ?)"
                " ON CONFLICT (table_name) DO UPDATE SET copied = excluded.copied",
                (table, done),
            )
        if progress is not None:
            progress(table, done, total)


async def _reset_identities(target: PostgresDatabase) -> None:
    """Rows were copied with their ids: new rows must be numbered after them."""
    async with target.transaction() as conn:
        for table, _order, identity in TABLES:
            if identity:
                await conn.execute_fetchall(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'),"
                    f" (SELECT coalesce(max(id), 0) + 1 FROM {table}), false)"
                )
