"""DirectoryService: autocomplete ranking, per-guild visibility, shared caching, resolve."""

from __future__ import annotations

from typing import cast

import pytest

from bot.errors import UnknownNameError, UserError
from bot.matching import MAX_CHOICES
from bot.scheduling import timezone_names
from bot.services.directory import DirectoryService, title_key
from bot.store.library import LibraryStore
from bot.store.records import StoryName

HOME, AWAY = 111, 222
FILLER = [f"Filler Story {n:03d}" for n in range(300)]  # more than the shortlist


class FakeLibrary:
    def __init__(self, stories: list[StoryName]) -> None:
        self.stories = stories
        self.generation = 0
        self.loads: list[int] = []

    async def story_names(self, guild_id: int, *, uploads_only: bool = False) -> list[StoryName]:
        self.loads.append(guild_id)
        wanted = {guild_id} if uploads_only else {0, guild_id}
        return sorted((s for s in self.stories if s.guild_id in wanted), key=lambda s: s.title)


def _stories() -> list[StoryName]:
    titles = [
        (0, "The Lighthouse", ["Mira Vale"]),
        (0, "Lighthouse Keeper", ["Ana Ortiz"]),
        (0, "Everybody Gets A Soulmate", ["kiri"]),
        (0, "Under The Same Sky", ["Mira Vale"]),
        (HOME, "A Home Upload", ["Zed"]),
        (AWAY, "Away Upload Lighthouse", ["Yu"]),
    ] + [(0, t, ["someone"]) for t in FILLER]
    return [StoryName(i + 1, g, t, a) for i, (g, t, a) in enumerate(titles)]


@pytest.fixture
def library() -> FakeLibrary:
    return FakeLibrary(_stories())


@pytest.fixture
def directory(library: FakeLibrary) -> DirectoryService:
    return DirectoryService(cast(LibraryStore, library))


async def _titles(directory: DirectoryService, current: str, **kw: bool) -> list[str]:
    choices = await directory.autocomplete(HOME, current, **kw)
    assert len(choices) <= MAX_CHOICES
    return [c.name.split(" — ")[0] for c in choices]


async def test_empty_input_lists_first_titles(directory: DirectoryService) -> None:
    titles = await _titles(directory, "")
    assert len(titles) == MAX_CHOICES
    assert titles == sorted(titles)
    assert "A Home Upload" in titles  # uploads merged in title order


async def test_prefix_before_word_before_fuzzy(directory: DirectoryService) -> None:
    titles = await _titles(directory, "lighthouse")
    assert titles[:2] == ["Lighthouse Keeper", "The Lighthouse"]
    assert "Away Upload Lighthouse" not in titles  # another server's upload
    assert (await _titles(directory, "mira"))[:2] == ["The Lighthouse", "Under The Same Sky"]


async def test_typos_still_match(directory: DirectoryService) -> None:
    assert (await _titles(directory, "Eveyrbody Gets"))[0] == "Everybody Gets A Soulmate"
    assert (await _titles(directory, "lihgthouse keeper"))[0] == "Lighthouse Keeper"


async def test_uploads_only(directory: DirectoryService) -> None:
    assert await _titles(directory, "", uploads_only=True) == ["A Home Upload"]
    assert await _titles(directory, "home", uploads_only=True) == ["A Home Upload"]


async def test_bundled_names_loaded_once_for_all_guilds(
    directory: DirectoryService, library: FakeLibrary
) -> None:
    for guild in (HOME, AWAY, 333, 444):
        await directory.autocomplete(guild, "a")
    assert library.loads.count(0) == 1
    library.generation += 1  # the library changed: reload
    await directory.autocomplete(HOME, "a")
    assert library.loads.count(0) == 2


async def test_resolve(directory: DirectoryService) -> None:
    assert (await directory.resolve(HOME, "5")).title == "A Home Upload"
    assert (await directory.resolve(HOME, "lighthouse keeper")).title == "Lighthouse Keeper"
    with pytest.raises(UserError):
        await directory.resolve(HOME, "6")  # another server's upload, by id
    with pytest.raises(UserError):
        await directory.resolve(HOME, "lighthouse keeper", uploads_only=True)


@pytest.mark.parametrize(
    "typed",
    ["THE LIGHTHOUSE", "  the lighthouse…", "“The Lighthouse”", "The Lighthouse — Mira Vale"],
)
async def test_resolve_takes_exact_titles_whatever_case_and_end_punctuation(
    directory: DirectoryService, typed: str
) -> None:
    assert (await directory.resolve(HOME, typed)).title == "The Lighthouse"


async def test_resolve_never_guesses(directory: DirectoryService) -> None:
    with pytest.raises(UnknownNameError) as typo:
        await directory.resolve(HOME, "lighthouse keepr")
    assert typo.value.suggestions[0].startswith("Lighthouse Keeper")
    with pytest.raises(UnknownNameError) as far:
        await directory.resolve(HOME, "A Completely Different Story")
    assert far.value.suggestions == []
    assert str(far.value) == (
        "No story called “A Completely Different Story” in this server's library. "
        "Pick one from the suggestions."
    )


def test_title_key() -> None:
    assert title_key("  The Keeper’s Light…  ") == title_key("the keeper's light") != ""
    assert title_key("Fire & Feather") != title_key("Fire and Feather")
    assert title_key("...") == ""


def test_timezone_names() -> None:
    assert timezone_names("new york")[0] == "America/New_York"
