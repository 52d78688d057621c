"""Clearer edges: timezones that are not what they seem, limits with their counts,
thousands separators, evidence quotes once each and in story order."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest

from bot.settings import Settings
from tests.e2e.conftest import World

WORDS = [
    "lantern",
    "harbour",
    "quiet",
    "morning",
    "rope",
    "gull",
    "tide",
    "salt",
    "window",
    "letter",
    "bread",
    "kettle",
]


def _long_story(paragraphs: int) -> bytes:
    """A plain-text story with many distinct paragraphs (so many passages)."""
    lines = ["The Long Watch", "", "Chapter 1: Night", ""]
    for i in range(paragraphs):
        words = [WORDS[(i * 7 + k * 3) % len(WORDS)] for k in range(40)]
        lines += [f"Paragraph {i}: " + " ".join(words).capitalize() + ".", ""]
    return "\n".join(lines).encode()


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return replace(settings, max_uploads_per_guild=2)


@pytest.mark.parametrize(
    ("zone", "expected"),
    [
        ("EST", "EST is a fixed offset (UTC−5) with no daylight saving; did you mean America/New_York?"),
        ("GMT+5", "GMT+5 is a fixed offset (UTC+5) with no daylight saving; did you mean Asia/Karachi?"),
        ("PST", "did you mean America/Los_Angeles?"),
    ],
)  # fmt: skip
async def test_daily_timezone_abbreviations_and_offsets_are_explained(
    world: World, zone: str, expected: str
) -> None:
    result = await world.moderator.slash(
        world.general, "daily set", channel=world.writing, time="09:00", timezone=zone
    )
    assert result.ephemeral
    assert expected in result.response.content
    shown = await world.moderator.slash(world.general, "daily show")
    assert "No daily prompt is set up" in shown.response.embeds[0].description


async def test_daily_posix_zone_sign_is_explained(world: World) -> None:
    result = await world.moderator.slash(
        world.general, "daily set", channel=world.writing, time="09:00", timezone="Etc/GMT+5"
    )
    text = result.response.content
    assert text.startswith("Daily prompt set")
    assert "Etc/GMT+5 means UTC−5" in text
    assert "America/New_York" in text


async def test_upload_limit_says_count_and_limit(world: World) -> None:
    mod = world.moderator
    for i in range(2):
        story = f"Story {i}\n\nThe {WORDS[i]} was where it had always been, and so was she.\n"
        await mod.slash(world.general, "library add", file=(f"s{i}.txt", story.encode()))
    third = await mod.slash(world.general, "library add", file=("s3.txt", b"Three\n\nMore.\n"))
    text = (third.followups or [third.response])[-1].content
    assert "this server has 2 of 2 allowed uploads" in text.lower()


async def test_counts_have_thousands_separators(world: World) -> None:
    mod = world.moderator
    added = await mod.slash(world.general, "library add", file=("watch.txt", _long_story(3300)))
    card = (added.followups or [added.response])[-1].embeds[0]
    fields = {f.name: f.value for f in card.fields}
    assert re.fullmatch(r"\d{1,3}(,\d{3})+", fields["Words"]), fields["Words"]
    assert re.fullmatch(r"\d{1,3}(,\d{3})+", fields["Passages"]), fields["Passages"]
    info = await world.member.slash(world.general, "story info", story="The Long Watch")
    assert {f.name: f.value for f in info.response.embeds[0].fields}["Words"] == fields["Words"]


async def test_warnings_story_quotes_once_each_in_story_order(world: World) -> None:
    result = await world.member.slash(world.general, "warnings story", story="Swan Dive")
    fields = [f for f in result.response.embeds[0].fields if f.name.startswith("Detected")]
    quote = re.compile(r"^> \|\|(.*)\|\| \(ch\. ([\d,]+), line ([\d,]+)\)$")
    seen: list[str] = []
    for f in fields:
        found = [quote.match(line) for line in f.value.splitlines() if line.startswith(">")]
        places = [(int(m.group(2)), int(m.group(3).replace(",", ""))) for m in found if m]
        assert len(places) == len(found), f.value
        assert places == sorted(places), (f.name, places)
        seen += [m.group(1) for m in found if m]
    suicide = next(f for f in fields if f.name.startswith("Detected: Suicide"))
    assert suicide.value.count("swan dive off the roof and hope") == 1, suicide.value
    assert len(seen) >= 5
    assert len(seen) == len(set(seen)), seen
