"""What can go wrong fetching from AO3, each with the line the user reads."""

from __future__ import annotations

import math

from bot.errors import UserError

ACCEPTED = (
    "I read AO3 work, chapter and series links, e.g. https://archiveofourown.org/works/123, "
    "https://archiveofourown.org/works/123/chapters/456 or https://archiveofourown.org/series/789."
)


class Ao3Error(UserError):
    """A failure to get a page from AO3. `kind` is what the negative cache remembers."""

    kind = "error"

    def __init__(self, message: str, detail: float | None = None) -> None:
        super().__init__(message)
        self.detail = detail


class NotAnAo3LinkError(Ao3Error):
    kind = "not-a-link"

    def __init__(self, text: str = "") -> None:
        head = "That is not an AO3 link I can read. " if text else ""
        super().__init__(head + ACCEPTED)


class RateLimitedError(Ao3Error):
    kind = "rate-limited"

    def __init__(self, retry_after: float) -> None:
        super().__init__(
            f"AO3 is rate-limiting us; try again in {in_words(retry_after)}.", retry_after
        )


class BusyError(Ao3Error):
    kind = "busy"

    def __init__(self, wait: float) -> None:
        super().__init__(
            f"Lots of AO3 lookups are queued right now; try again in {in_words(wait)}.", wait
        )


class UnavailableError(Ao3Error):
    kind = "unavailable"

    def __init__(self) -> None:
        super().__init__("AO3 is down or unreachable right now; try again in a few minutes.")


class ChallengedError(Ao3Error):
    kind = "challenge"

    def __init__(self) -> None:
        super().__init__(
            "AO3 is showing a Cloudflare check that a bot cannot pass right now; "
            "try again later, or open the link yourself."
        )


class RestrictedError(Ao3Error):
    kind = "restricted"

    def __init__(self) -> None:
        super().__init__(
            "That work is only visible to logged-in AO3 users: download it and use "
            "/library add file:."
        )


class DeletedError(Ao3Error):
    kind = "deleted"

    def __init__(self) -> None:
        super().__init__("That work is not on AO3 (404): it was deleted, or the link is wrong.")


_SIMPLE: dict[str, type[Ao3Error]] = {
    cls.kind: cls for cls in (UnavailableError, ChallengedError, RestrictedError, DeletedError)
}


def rebuild(kind: str, detail: float | None) -> Ao3Error:
    """The error a negative-cache entry stands for."""
    if kind == RateLimitedError.kind:
        return RateLimitedError(detail or 60.0)
    simple = _SIMPLE.get(kind, UnavailableError)
    return simple()  # type: ignore[call-arg]


def in_words(seconds: float) -> str:
    """ "2 minutes", "45 seconds", "1 minute"."""
    if seconds < 60:
        n = max(1, math.ceil(seconds))
        return f"{n} second{'s' if n != 1 else ''}"
    n = math.ceil(seconds / 60)
    return f"{n} minute{'s' if n != 1 else ''}"
