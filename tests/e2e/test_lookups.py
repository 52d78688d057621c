"""/warnings story, /warnings lookup, /story info, /story find — end to end."""

from __future__ import annotations

import pytest

from tests.e2e.checks import assert_no_pings, assert_within_limits
from tests.e2e.conftest import World
from tests.e2e.truth import library


def _field_text(embed) -> str:
    return "\n".join(f"{f.name}\n{f.value}" for f in embed.fields)


async def test_warnings_story_lists_declared_warnings_for_each_seed(world: World) -> None:
    from bot.analysis.taxonomy import load_taxonomy

    tax = load_taxonomy()
    stories = library()
    # both cases occur: stories that declare warnings and stories that declare none
    assert {bool(story.declared) for story in stories.values()} == {True, False}
    for title, story in stories.items():
        result = await world.member.slash(world.general, "warnings story", story=title)
        assert result.ephemeral
        embed = result.response.embeds[0]
        declared_field = next(f for f in embed.fields if f.name == "Declared by the author")
        for slug in story.declared:
            assert tax.entry(slug).name in declared_field.value, (title, slug)
        none_declared = declared_field.value == "none declared"
        assert none_declared == (not story.declared), (title, declared_field.value)
    assert_no_pings(world.env)
    assert_within_limits(world.env)


async def test_the_day_you_left_me_declares_self_harm_and_suicide(world: World) -> None:
    result = await world.member.slash(world.general, "warnings story", story="The Day You Left Me")
    text = _field_text(result.response.embeds[0]).lower()
    assert "self-harm" in text
    assert "suicide" in text
    assert "death" in text


async def test_detected_evidence_is_in_spoilers(world: World) -> None:
    result = await world.member.slash(world.general, "warnings story", story="Swan Dive")
    fields = [f for f in result.response.embeds[0].fields if f.name.startswith("Detected")]
    assert fields, "the rooftop story has detected warnings"
    for f in fields:
        quotes = [line for line in f.value.splitlines() if line.startswith(">")]
        for line in quotes:
            assert line.startswith("> ||") and "|| (" in line, line
    assert any(line.startswith("> ||") for f in fields for line in f.value.splitlines())


async def test_warnings_story_public_is_visible(world: World) -> None:
    result = await world.member.slash(
        world.general, "warnings story", story="Swan Dive", public=True
    )
    assert not result.ephemeral


@pytest.mark.parametrize(
    ("term", "slug"),
    [
        ("MCD", "major-character-death"),
        ("sh", "self-harm"),
        ("non-con", "sexual-assault"),
        ("TW suicide", "suicide"),
        ("hurt/comfort", "hurt-comfort"),
    ],
)
async def test_warnings_lookup_resolves_aliases(world: World, term: str, slug: str) -> None:
    result = await world.member.slash(world.general, "warnings lookup", term=term)
    embed = result.response.embeds[0]
    assert f"({slug})" in embed.title
    assert embed.description  # the plain-language definition


async def test_warnings_lookup_unknown_term(world: World) -> None:
    result = await world.member.slash(world.general, "warnings lookup", term="qwertyuiop")
    assert result.ephemeral
    assert "qwertyuiop" in result.response.content


async def test_term_autocomplete(world: World) -> None:
    choices = await world.member.autocomplete(world.general, "warnings lookup", "term", "mcd")
    assert 1 <= len(choices) <= 25
    assert choices[0]["value"] == "major-character-death"
    everything = await world.member.autocomplete(world.general, "warnings lookup", "term", "")
    assert len(everything) == 25


async def test_story_info(world: World) -> None:
    result = await world.member.slash(world.general, "story info", story="The Day You Left Me")
    embed = result.response.embeds[0]
    names = {f.name for f in embed.fields}
    assert {"Rating", "Words", "Chapters", "Warnings"} <= names


async def test_story_find_with_exclude(world: World) -> None:
    # The Day You Left Me is rated explicit: listed only in age-restricted channels
    result = await world.member.slash(world.after_dark, "story find")
    everything = result.response.embeds[0].description
    assert "The Day You Left Me" in everything
    result = await world.member.slash(world.after_dark, "story find", exclude="self-harm")
    filtered = result.response.embeds[0].description
    assert "The Day You Left Me" not in filtered
    assert filtered.count("\n") < everything.count("\n")


async def test_story_find_by_trope(world: World) -> None:
    result = await world.member.slash(world.general, "story find", trope="soulmates")
    text = result.response.embeds[0].description
    assert text.count("**") >= 2


async def test_prompt_with_trope(world: World) -> None:
    seen = set()
    for _ in range(5):
        result = await world.member.slash(world.general, "prompt new", trope="soulmates")
        embed = result.response.embeds[0]
        assert embed.footer.text == "Trope: Soulmates"
        seen.add(embed.description)
    assert len(seen) == 5  # a guild does not see the same prompt twice within its last 30
    assert_no_pings(world.env)


async def test_prompt_never_quotes_story_text(world: World) -> None:
    from tests.e2e.truth import squash

    texts = [p.key for s in library().values() for p in s.passages]
    for _ in range(10):
        result = await world.member.slash(world.general, "prompt new")
        body = squash(result.response.embeds[0].description)
        assert not any(len(body) > 40 and body in t for t in texts)
