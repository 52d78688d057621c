"""Paths and label tables shared by the library tests."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
STORIES = REPO_ROOT / "data" / "stories"
FIXTURES = Path(__file__).resolve().parent / "fixtures"
# CI clones the repository with shared/ beside it: <parent>/main and <parent>/shared.
AO3_FIXTURES = (REPO_ROOT.parent / "shared" / "fixtures" / "ao3").resolve()

CHROME = frozenset(
    {
        "Kudos",
        "Kudos ♥",
        "Bookmark",
        "Skip to content",
        "Comments",
        "Chapter Text",
        "Work Text:",
        "Notes:",
        "Summary:",
        "Actions",
        "Work Header",
        "Share",
        "Entire Work",
        "Next Chapter →",
        "← Previous Chapter",
        "Chapter Index",
        "Subscribe",
        "Download",
        "Log in",
        "↑ Top",
        "Footer",
        "Series this work belongs to:",
        "(See the end of the work for more notes.)",
        "Comments (3)",
    }
)

RATING_LABELS = {
    "general": "General Audiences",
    "teen": "Teen And Up Audiences",
    "mature": "Mature",
    "explicit": "Explicit",
    "not-rated": "Not Rated",
}
WARNING_LABELS = {
    "graphic-violence": "Graphic Depictions Of Violence",
    "major-character-death": "Major Character Death",
    "rape-non-con": "Rape/Non-Con",
    "underage-sex": "Underage Sex",
    "no-archive-warnings": "No Archive Warnings Apply",
    "chose-not-to-warn": "Creator Chose Not To Use Archive Warnings",
}


def ao3_fixture(name: str) -> Path:
    """A real AO3 download from ../shared/fixtures/ao3, or skip when that folder is absent."""
    if not AO3_FIXTURES.is_dir():
        pytest.skip(f"real AO3 fixtures not available: {AO3_FIXTURES} does not exist")
    path = AO3_FIXTURES / name
    if not path.is_file():
        pytest.skip(f"real AO3 fixture missing: {path}")
    return path
