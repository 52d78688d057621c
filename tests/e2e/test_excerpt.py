"""/excerpt end to end: safe by default, filters, no pings, limits."""

from __future__ import annotations

from collections import Counter

import pytest

from bot.analysis.taxonomy import load_taxonomy
from tests.e2e.checks import assert_no_pings, assert_within_limits
from tests.e2e.conftest import World
from tests.e2e.truth import library, passage_for
from tests.texts import ALLEY

RANKS = {"general": 0, "teen": 1, "mature": 2, "explicit": 3, "not-rated": 3}


def _unescape_title(title: str) -> str:
    return title.replace("\\", "")


async def test_200_draws_respect_the_default_policy(world: World) -> None:
    default = load_taxonomy().default_policy
    blocked = set(default.blocked)
    seen: Counter[str] = Counter()
    passages: set[str] = set()
    for _ in range(200):
        result = await world.member.slash(world.general, "excerpt")
        embeds = result.response.embeds
        assert len(embeds) == 1, result.response.content
        embed = embeds[0]
        title = _unescape_title(embed.title)
        story = library()[title]
        seen[title] += 1
        assert RANKS[story.rating] <= RANKS[default.max_rating], (title, story.rating)
        assert not story.declared & blocked, (title, story.declared & blocked)
        passage = passage_for(title, embed.description)
        assert not passage.detected & blocked, (title, passage.detected & blocked)
        assert not result.ephemeral
        passages.add(passage.key)
    eligible = {
        p.key
        for s in library().values()
        if RANKS[s.rating] <= RANKS[default.max_rating] and not s.declared & blocked
        for p in s.passages
        if not p.detected & blocked
    }
    assert passages == eligible  # 200 uniform draws reach every eligible passage
    assert assert_no_pings(world.env) >= 200
    assert_within_limits(world.env)


async def test_excerpt_from_a_named_story(world: World) -> None:
    title = "Soulmate Rejection Reader Insert"
    result = await world.member.slash(world.general, "excerpt", story=title)
    embed = result.response.embeds[0]
    assert _unescape_title(embed.title) == title
    passage_for(title, embed.description)


async def test_query_filter_finds_the_words(world: World) -> None:
    result = await world.member.slash(world.general, "excerpt", query="vocal cords")
    embed = result.response.embeds[0]
    assert "vocal cords" in embed.description.lower()


async def test_a_mature_story_needs_a_channel_that_allows_it(world: World) -> None:
    title = "save yourself, win with me"
    refused = await world.member.slash(world.general, "excerpt", story=title)
    assert refused.ephemeral and "rating ≤ teen" in refused.response.content
    await world.moderator.slash(world.writing, "config rating", max="mature", channel=world.writing)
    await world.moderator.slash(
        world.writing, "config unblock", warning="self-harm", channel=world.writing
    )
    result = await world.member.slash(world.writing, "excerpt", story=title)
    embed = result.response.embeds[0]
    assert _unescape_title(embed.title) == title
    passage = passage_for(title, embed.description)
    warned = passage.detected | library()[title].declared
    assert warned, "the story declares self-harm: its excerpt carries a warning"
    assert embed.description.startswith("**CW: ")


async def test_character_filter_works_on_plain_text(world: World) -> None:
    for _ in range(10):
        result = await world.member.slash(world.general, "excerpt", character="Kacchan")
        embed = result.response.embeds[0]
        text = embed.description.lower()
        assert any(n in text for n in ("bakugo", "katsuki", "kacchan", "kaachan", "dynamight")), (
            text
        )


async def test_no_match_is_an_answer_that_says_why(world: World) -> None:
    result = await world.member.slash(world.general, "excerpt", query="zeppelin xylophone")
    assert result.ephemeral
    assert "matches" in result.response.content
    story = "The Day You Left Me"
    result = await world.member.slash(world.general, "excerpt", story=story)
    assert result.ephemeral
    text = result.response.content
    assert "this channel's settings" in text.lower()
    assert "rating ≤ teen" in text
    assert "self-harm" in text.lower()
    # it says what left the matching passages out: this story is rated above teen
    total = int(text.split(" ", 1)[0])
    assert f"left out: {total} rated above what this channel allows" in text


async def test_no_match_names_the_blocked_subject_that_excluded_it(world: World) -> None:
    """A one-passage fight: violence is found across all of it, so it is the story's subject."""
    upload = ("alley.txt", ALLEY.encode())
    added = await world.moderator.slash(world.general, "library add", file=upload)
    assert "Violence" in str(added.response.embeds[0].to_dict())
    before = await world.member.slash(world.general, "excerpt", story="The Alley Fight")
    assert not before.ephemeral and "Kirishima" in before.response.embeds[0].description
    await world.moderator.slash(
        world.general, "config block", warning="violence", channel=world.general
    )
    after = await world.member.slash(world.general, "excerpt", story="The Alley Fight")
    assert after.ephemeral
    assert "left out: 1 story whose subject is Violence (detected)" in after.response.content
    elsewhere = await world.member.slash(world.writing, "excerpt", story="The Alley Fight")
    assert not elsewhere.ephemeral


async def test_unknown_trope_is_a_clear_error(world: World) -> None:
    result = await world.member.slash(world.general, "excerpt", trope="spaceships")
    assert result.ephemeral
    assert "spaceships" in result.response.content
    assert "Try" in result.response.content


async def test_story_autocomplete_with_nothing_typed_offers_stories(world: World) -> None:
    choices = await world.member.autocomplete(world.general, "excerpt", "story", "")
    assert 1 <= len(choices) <= 25
    assert {c["name"] for c in choices} <= set(library())


@pytest.mark.parametrize("current", ["save", "day you"])
async def test_story_autocomplete(world: World, current: str) -> None:
    choices = await world.member.autocomplete(world.general, "excerpt", "story", current)
    assert 1 <= len(choices) <= 25
    assert current.split(maxsplit=1)[0] in choices[0]["name"].lower()
