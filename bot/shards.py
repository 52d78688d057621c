"""Which gateway shards this process runs, and so which servers' timed work is its own.

Discord assigns a server to shard `(guild_id >> 22) % shard_count` (discord.py's
`Guild.shard_id` and `AutoShardedClient` use the same rule). Pure: no discord import.
"""

from __future__ import annotations

from dataclasses import dataclass

EXAMPLE = "e.g. FICSHELF_SHARDS=4 with FICSHELF_SHARD_IDS=0-1 (or 0,2)"


def shard_of(guild_id: int, shard_count: int) -> int:
    """The shard Discord delivers a server's events on."""
    return (guild_id >> 22) % shard_count


@dataclass(frozen=True, slots=True)
class Shards:
    """`count` shards in all; this process runs `ids` (all of them when None)."""

    count: int
    ids: tuple[int, ...] | None = None

    def owns(self, guild_id: int) -> bool:
        return self.ids is None or shard_of(guild_id, self.count) in self.ids


def process_name(shards: Shards | None) -> str:
    """Who holds this process's claims: the same after a restart on the same shards (which
    then retries its own unsent posts at once), another name for every other process."""
    if shards is None:
        return "main"
    ids = "all" if shards.ids is None else ",".join(map(str, shards.ids))
    return f"shards {ids} of {shards.count}"


def owns_everything(_guild_id: int) -> bool:
    """A process without shards (one gateway connection) owns every server."""
    return True


def parse_shard_ids(raw: str, count: int) -> tuple[int, ...]:
    """`0-3`, `0,2` or `0-1,5`: sorted, unique ids in 0..count-1. ValueError naming an example."""
    ids: set[int] = set()
    parts = [part.strip() for part in raw.split(",")]
    if not any(parts):
        raise ValueError(f"FICSHELF_SHARD_IDS is empty: name this process's shards, {EXAMPLE}")
    for part in parts:
        low, sep, high = part.partition("-")
        try:
            first = int(low)
            last = int(high) if sep else first
        except ValueError:
            raise ValueError(
                f"FICSHELF_SHARD_IDS has {part!r}, not a shard id or range: {EXAMPLE}"
            ) from None
        if last < first:
            raise ValueError(
                f"FICSHELF_SHARD_IDS range {part!r} is empty (it runs backwards): {EXAMPLE}"
            )
        if first < 0 or last >= count:
            raise ValueError(
                f"FICSHELF_SHARD_IDS {part!r} is outside 0..{count - 1} "
                f"(FICSHELF_SHARDS={count}): {EXAMPLE}"
            )
        ids.update(range(first, last + 1))
    return tuple(sorted(ids))


def parse_shards(total: str, ids: str) -> Shards | None:
    """FICSHELF_SHARDS and FICSHELF_SHARD_IDS as read (blank: unset). None: no sharding."""
    total, ids = total.strip(), ids.strip()
    if not total:
        if ids:
            raise ValueError(f"FICSHELF_SHARD_IDS needs FICSHELF_SHARDS (the total): {EXAMPLE}")
        return None
    try:
        count = int(total)
    except ValueError:
        raise ValueError(
            f"FICSHELF_SHARDS must be a whole number, got {total!r}: {EXAMPLE}"
        ) from None
    if count < 1:
        raise ValueError(f"FICSHELF_SHARDS must be at least 1, got {count}: {EXAMPLE}")
    return Shards(count, parse_shard_ids(ids, count) if ids else None)
