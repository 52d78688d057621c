"""Errors a reader raises for a file it cannot read; the message is for a person."""


class StoryReadError(Exception):
    """A story file could not be read. ``str(exc)`` says why, in plain words."""
