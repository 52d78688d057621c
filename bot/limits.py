"""How long a free-text option may be: names and terms are short, a search a little longer.

Checked for every string option of every command (bot/app.py adds the check to each one),
so a new command is covered without doing anything.
"""

from __future__ import annotations

from bot.markup import number

DEFAULT_OPTION_LIMIT = 100  # story titles, tropes, characters, warnings, terms
OPTION_LIMITS: dict[str, int] = {
    "query": 200,
    "text": 300,  # /prompt suggest (bot/services/suggestions.py MAX_LENGTH)
    "time": 16,
    "timezone": 64,
}


def option_limit(name: str) -> int:
    return OPTION_LIMITS.get(name, DEFAULT_OPTION_LIMIT)


def too_long(name: str, value: str) -> str | None:
    """The message for an over-long option value, or None when it fits."""
    limit = option_limit(name)
    if len(value) <= limit:
        return None
    return (
        f"`{name}` can be at most {number(limit)} characters; yours has "
        f"{number(len(value))}. Please shorten it."
    )
