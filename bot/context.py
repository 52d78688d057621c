"""Where a command runs, in plain terms the core understands."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Where:
    """The server and channel of a command. For a thread, `channel_id` is its parent's."""

    guild_id: int  # BUNDLED (0) in a DM with the bot: only the bundled library
    channel_id: int
    age_restricted: bool
    private: bool = False  # a DM with the bot: only the person who asked sees the answer
