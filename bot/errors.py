"""Errors whose message is meant for the person who ran the command."""


class UserError(Exception):
    """Something the user can fix; `str(exc)` is shown to them as is."""
