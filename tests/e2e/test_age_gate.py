"""Sexual content stays behind the age gate in every reply, not only in excerpts."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import AO3_FIXTURES
from tests.e2e.checks import assert_within_limits
from tests.e2e.conftest import World

EXPLICIT = AO3_FIXTURES / "41588007.html"
TITLE = "And the Big Wheel Keep On Turning (Neon Burning Up Above)"  # the exact title
GATED = "evidence shown only in age-restricted channels"

needs_ao3 = pytest.mark.skipif(
    not EXPLICIT.exists(), reason=f"real AO3 downloads not found at {AO3_FIXTURES}"
)


def _report() -> dict[str, Any]:
    from bot.indexing import prepare

    data = Path(EXPLICIT).read_bytes()
    return prepare(data, EXPLICIT.name, max_bytes=len(data) + 1).report


def _story_words(report: dict[str, Any]) -> list[str]:
    """Snippets of the story's own words: evidence quotes and the summary."""
    quotes = [q["quote"] for w in report["warnings"] for q in w["evidence"]]
    snippets = [q[:24] for q in quotes] + [report["summary"][:40]]
    assert len(snippets) >= 4
    return snippets


def _sent_since(env: Any, since: int) -> str:
    """Every request body the bot sent since request number `since`, as one string."""
    return "\n".join(json.dumps(r.json, ensure_ascii=False) for r in env.http_requests[since:])


@needs_ao3
async def test_explicit_story_text_only_in_age_restricted_channels(world: World) -> None:
    from bot.markup import unescape

    report = _report()
    assert report["rating"] == "explicit"
    snippets = _story_words(report)
    env, mod = world.env, world.moderator

    start = len(env.http_requests)
    added = await mod.slash(
        world.general, "library add", file=(EXPLICIT.name, EXPLICIT.read_bytes())
    )
    card = (added.followups or [added.response])[-1].embeds[0]
    assert "Big Wheel" in card.title
    assert "summary shown only in age-restricted channels" in card.description

    warnings = await world.member.slash(world.general, "warnings story", story=TITLE, public=True)
    assert not warnings.ephemeral
    embed = warnings.response.embeds[0]
    fields = {f.name: f.value for f in embed.fields}
    assert "Sexual Content" in fields["Declared by the author"]
    assert any(name.startswith("Detected: Strong Language") for name in fields)
    assert GATED in embed.description
    info = await world.member.slash(world.general, "story info", story=TITLE)
    assert "summary shown only" in info.response.embeds[0].description
    found = await world.member.slash(world.general, "story find", query="Reuenthal")
    listing = found.response.embeds[0]
    assert "Big Wheel" not in (listing.description or "")
    assert "listed only in age-restricted channels" in listing.footer.text

    # none of the story's own words was sent while every command ran in #general
    outside = unescape(_sent_since(env, start))
    assert "Big Wheel" in outside
    for snippet in snippets:
        assert json.dumps(snippet, ensure_ascii=False)[1:-1] not in outside, snippet

    # behind the gate the same commands show the evidence, the summary and the listing
    inside = await world.member.slash(world.after_dark, "warnings story", story=TITLE)
    values = "\n".join(f.value for f in inside.response.embeds[0].fields)
    assert "quotes not shown here" not in values
    assert "Reuenthal" in unescape(values)
    info = await world.member.slash(world.after_dark, "story info", story=TITLE)
    assert report["summary"][:30] in unescape(info.response.embeds[0].description)
    found = await world.member.slash(world.after_dark, "story find", query="Reuenthal")
    assert "Big Wheel" in found.response.embeds[0].description
    assert_within_limits(env)


# Quirkless Soul Marks (mature) has sexual content detected in its text: characters only
# it has never reach prompts outside age-restricted channels, whatever the max rating.
QUIRKLESS_ONLY = ("Aizawa", "Kirishima", "Hatsume", "Uraraka", "Kaminari", "Eraserhead")


async def test_prompts_draw_on_sexual_stories_only_behind_the_age_gate(world: World) -> None:
    mod = world.moderator
    await mod.slash(world.general, "config rating", max="mature")
    await mod.slash(world.general, "config rating", max="mature", channel=world.after_dark)
    outside, inside = [], []
    for _ in range(15):
        result = await world.member.slash(world.general, "prompt new", trope="hurt-comfort")
        outside.append(result.response.embeds[0].description)
        result = await world.member.slash(world.after_dark, "prompt new", trope="hurt-comfort")
        inside.append(result.response.embeds[0].description)
    named = [p for p in inside if any(n in p for n in QUIRKLESS_ONLY)]
    assert named, inside  # behind the gate its characters do appear
    leaked = [p for p in outside if any(n in p for n in QUIRKLESS_ONLY)]
    assert leaked == [], leaked


async def test_evidence_of_a_bundled_explicit_story_is_shown_privately_in_a_dm(
    world: World,
) -> None:
    title = "The Day You Left Me"  # bundled, rated explicit, declares sexual content
    public = await world.member.slash(world.general, "warnings story", story=title)
    embed = public.response.embeds[0]
    assert "evidence shown only in age-restricted channels or privately" in embed.description
    detected = [f.value for f in embed.fields if f.name.startswith("Detected")]
    assert detected
    assert not any(line.startswith("> ") for v in detected for line in v.splitlines())

    reader = world.env.create_user("dm-reader")
    choices = await reader.autocomplete("warnings story", "story", "day you left")
    assert choices[0]["name"].startswith(title)
    private = await reader.slash("warnings story", story=choices[0]["value"])
    embed = private.response.embeds[0]
    assert "evidence shown only" not in (embed.description or "")
    quotes = [
        line for f in embed.fields for line in f.value.splitlines() if line.startswith("> ||")
    ]
    assert quotes, [f.value for f in embed.fields]
