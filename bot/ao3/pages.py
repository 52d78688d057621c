"""Recognising what AO3 answered: the adult gate, a login wall, a Cloudflare challenge."""

from __future__ import annotations

import re
from collections.abc import Mapping
from html import unescape

_ADULT = "This work could have adult content"
_SPACE = re.compile(r"\s+")
_PROCEED = re.compile(
    r'<a[^>]+href="(?P<href>[^"]*view_adult=true[^"]*)"[^>]*>\s*(?:Proceed|Yes, Continue)\s*</a>',
    re.IGNORECASE,
)
_RESTRICTED = (
    "This work is only available to registered users",
    "only available to registered users of the Archive",
)
_HIDDEN = (
    "This work is part of an ongoing challenge and will be revealed soon",
    "has been hidden by the Archive",
    "This work has been hidden by the",
)
_CHALLENGE = ("<title>Just a moment...</title>", "challenge-platform", "cf-chl-", "cf_chl_")


def adult_proceed(html: str) -> str | None:
    """The "Proceed" link of the adult-content gate (a path), or None when not gated."""
    if _ADULT not in _flat(html):
        return None
    match = _PROCEED.search(html)
    return unescape(match.group("href")) if match else None


def is_restricted(html: str, final_path: str) -> bool:
    """A login wall (restricted work) or a hidden work's notice."""
    if final_path.startswith("/users/login"):
        return True
    if "work meta group" in html:
        return False
    flat = _flat(html)
    return any(m in flat for m in _RESTRICTED + _HIDDEN)


def is_challenge(status: int, headers: Mapping[str, str], html: str) -> bool:
    """Cloudflare's browser check, which a bot cannot pass."""
    if headers.get("cf-mitigated", "").lower() == "challenge":
        return True
    return status in (403, 429, 503) and any(m in html for m in _CHALLENGE)


def _flat(html: str) -> str:
    """The page with every run of whitespace as one space (notices wrap anywhere)."""
    return _SPACE.sub(" ", html)
