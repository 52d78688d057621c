"""Scene-aware eligibility, end to end: a channel that blocks a warning never gets a line
of a scene that shows it, even where the line itself carries no cue."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.paths import STORIES_DIR
from tests.e2e.conftest import World
from tests.e2e.truth import squash

MARKED = Path(__file__).parent / "data" / "marked_scenes.toml"
DRAWS = 200


@dataclass(frozen=True)
class MarkedLine:
    file: str
    warning: str
    number: int
    key: str  # squashed text: survives escaping and spoiler bars


def marked_lines() -> list[MarkedLine]:
    out = []
    for scene in tomllib.loads(MARKED.read_text(encoding="utf-8"))["scene"]:
        lines = (STORIES_DIR / scene["file"]).read_text(encoding="utf-8").splitlines()
        first, last = scene["lines"]
        for number in range(first, last + 1):
            key = squash(lines[number - 1])
            if len(key) >= 20:  # a line long enough to be told apart from others
                out.append(MarkedLine(scene["file"], scene["warning"], number, key))
    return out


async def draw(world: World, channel: object, n: int = DRAWS) -> list[str]:
    """The squashed text of `n` excerpts posted in `channel` (no-match answers fail)."""
    posted = []
    for _ in range(n):
        result = await world.member.slash(channel, "excerpt")
        assert not result.ephemeral, result.response.content
        posted.append(squash(result.response.embeds[0].description))
    return posted


def leaked(posted: list[str], lines: list[MarkedLine]) -> list[MarkedLine]:
    return [line for line in lines if any(line.key in text for text in posted)]


@pytest.mark.slow
async def test_a_mature_channel_keeping_the_blocks_posts_no_line_of_a_blocked_scene(
    world: World,
) -> None:
    lines = marked_lines()
    assert {line.file for line in lines} >= {"swan-dive.txt", "save-yourself-win-with-me.ao3.txt"}
    await world.moderator.slash(world.general, "config rating", max="mature")
    posted = await draw(world, world.general)
    assert leaked(posted, lines) == []
    assert len(set(posted)) > 40  # a real spread of the library was drawn


@pytest.mark.slow
async def test_the_marked_lines_are_drawn_where_nothing_is_blocked(world: World) -> None:
    """The same draws where the warnings are allowed do reach the marked scenes: the first
    test passes because of the channel's policy, not because the lines are never drawn."""
    mod, after_dark = world.moderator, world.after_dark
    await mod.slash(after_dark, "config rating", max="explicit", channel=after_dark)
    for slug in ("suicide", "self-harm"):
        await mod.slash(after_dark, "config unblock", warning=slug, channel=after_dark)
    posted = await draw(world, after_dark)
    reached = leaked(posted, marked_lines())
    assert {line.file for line in reached} >= {"swan-dive.txt", "save-yourself-win-with-me.ao3.txt"}


async def test_a_no_match_names_the_subject_that_kept_a_story_out(world: World) -> None:
    await world.moderator.slash(world.general, "config rating", max="mature")
    result = await world.member.slash(world.general, "excerpt", story="Swan Dive")
    assert result.ephemeral
    assert "left out: 1 story whose subject is Suicide (detected)" in result.response.content


async def test_warnings_story_says_where_the_story_is_kept_out(world: World) -> None:
    mod = world.moderator
    await mod.slash(world.writing, "config unblock", warning="suicide", channel=world.writing)
    await mod.slash(world.writing, "config rating", max="mature", channel=world.writing)
    result = await world.member.slash(world.general, "warnings story", story="Swan Dive")
    fields = {f.name: f.value for f in result.response.embeds[0].fields}
    kept = fields["Kept out of"]
    assert f"<#{world.general.id}>" in kept
    assert f"<#{world.writing.id}>" not in kept
    assert "its subject is Suicide (detected)" in kept


HALLWAY = """The Hallway

They called him slurs in the hallway every morning, shoved him into lockers, and told him
people like him did not belong in their town. His teacher pretended not to hear. When he
finally told his parents he was gay, his father said he was no son of his.
"""


async def test_a_finding_of_the_model_alone_is_marked_and_quotes_its_strongest_sentence(
    world: World,
) -> None:
    """No cue names homophobia here; the learned model does, quoting one of its sentences."""
    upload = ("hallway.txt", HALLWAY.encode())
    await world.moderator.slash(world.writing, "library add", file=upload)
    result = await world.member.slash(world.writing, "warnings story", story="The Hallway")
    fields = {f.name: f.value for f in result.response.embeds[0].fields}
    name = next(n for n in fields if n.startswith("Detected: Discrimination"))
    assert "learned model only, lower confidence" in name
    sentences = [squash(x) for x in HALLWAY.replace("\n", " ").split(". ")[1:]]
    assert any(x[:40] in squash(fields[name]) for x in sentences)
