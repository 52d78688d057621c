"""Where a command runs, in plain terms the core understands."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Where:
    """The server and channel of a command. For a thread, `channel_id` is its parent's."""

    guild_id: int
    channel_id: int
    age_restricted: bool
