"""A name that does not match acts on nothing: stories, terms and warnings, end to end.

Real AO3 downloads come from ../shared/fixtures/ao3; the tests that need them skip when
that folder is absent.
"""

from __future__ import annotations

import pytest
import simcord

from bot.settings import Settings
from tests.conftest import AO3_FIXTURES
from tests.databases import scalars
from tests.e2e.conftest import World, make_world
from tests.e2e.test_library import STORY


def ao3(name: str) -> tuple[str, bytes]:
    """A real AO3 download as an upload (name, bytes), or skip when it is not available."""
    path = AO3_FIXTURES / name
    if not path.is_file():
        pytest.skip(f"real AO3 fixture not available: {path}")
    return name, path.read_bytes()


def last(result) -> object:
    """The message the user finally sees (a deferred command answers in a follow-up)."""
    return (result.followups or [result.response])[-1]


async def _upload(world: World, *names: str) -> None:
    for name in names:
        result = await world.moderator.slash(world.general, "library add", file=ao3(name))
        assert last(result).embeds, (name, last(result).content)


async def _upload_titles(world: World) -> list[str]:
    choices = await world.moderator.autocomplete(world.general, "library remove", "story", "")
    return sorted(c["name"].split(" — ")[0] for c in choices)


BIG_WHEEL = "And the Big Wheel Keep On Turning (Neon Burning Up Above)"


async def test_removing_a_title_that_is_not_there_removes_nothing(world: World) -> None:
    await _upload(world, "41588007.html", "218676.epub")
    before = await _upload_titles(world)
    assert before == [BIG_WHEEL, "Fire and Feather"]

    result = await world.moderator.slash(
        world.general, "library remove", story="My Aim Is Steady And True"
    )
    text = result.response.content
    assert result.ephemeral
    assert text.startswith("No story called “My Aim Is Steady And True”")
    assert "Removed" not in text and "Big Wheel" not in text
    assert await _upload_titles(world) == before


async def test_an_unknown_title_gets_did_you_mean_and_no_answer(world: World) -> None:
    result = await world.member.slash(world.general, "warnings story", story="save me")
    assert not result.response.embeds
    text = result.response.content
    assert text.startswith("No story called “save me”")
    assert "did you mean: save yourself, win with me" in text
    assert "The Day You Left Me" not in text


async def test_excerpt_from_an_unknown_story_draws_nothing(world: World) -> None:
    result = await world.member.slash(
        world.general, "excerpt", story="Harry Potter and the Soul Stone"
    )
    assert result.ephemeral
    assert not result.response.embeds
    assert result.response.content.startswith("No story called “Harry Potter and the Soul Stone”")
    assert "did you mean" not in result.response.content  # nothing is close


async def test_story_info_by_unknown_title_answers_nothing(world: World) -> None:
    result = await world.member.slash(world.general, "story info", story="Swan Song")
    assert not result.response.embeds
    assert "No story called “Swan Song”" in result.response.content


@pytest.mark.parametrize(
    "typed", ["the day you left me", "  The Day You Left Me…  ", "THE DAY YOU LEFT ME!"]
)
async def test_an_exact_title_acts_whatever_its_case_and_end_punctuation(
    world: World, typed: str
) -> None:
    result = await world.member.slash(world.general, "warnings story", story=typed)
    assert result.response.embeds, result.response.content
    assert "The Day You Left Me" in result.response.embeds[0].title


async def test_the_autocomplete_value_acts(world: World) -> None:
    choices = await world.member.autocomplete(world.general, "excerpt", "story", "swan")
    assert choices[0]["name"].startswith("Swan Dive")
    result = await world.member.slash(world.general, "story info", story=choices[0]["value"])
    assert "Swan Dive" in result.response.embeds[0].title


async def test_excluding_an_unknown_warning_excludes_nothing(world: World) -> None:
    result = await world.member.slash(world.general, "story find", exclude="||x||")
    assert not result.response.embeds
    assert result.response.content.startswith("“\\|\\|x\\|\\|” is not a warning I know")


async def test_excluding_a_trope_is_not_excluding_a_warning(world: World) -> None:
    result = await world.member.slash(world.general, "story find", exclude="angst")
    assert not result.response.embeds
    assert "not a warning I know" in result.response.content


@pytest.mark.parametrize("term", ["incest", "cheating", "dead dove"])
async def test_a_term_never_answers_for_another_term(world: World, term: str) -> None:
    """These used to answer "Teen And Up Audiences", "Happy Ending", "Character Death"."""
    result = await world.member.slash(world.general, "warnings lookup", term=term)
    text = result.response.content + "".join(
        f"{e.title}\n{e.description}" for e in result.response.embeds
    )
    for wrong in ("Teen And Up Audiences", "Happy Ending", "Character Death"):
        assert wrong not in text, (term, text)


async def test_an_unknown_term_is_not_a_term_i_know(world: World) -> None:
    result = await world.member.slash(world.general, "warnings lookup", term="qwertyuiop")
    assert not result.response.embeds
    assert result.response.content.startswith("“qwertyuiop” is not a term I know.")
    assert "did you mean" not in result.response.content


async def test_a_typo_of_one_letter_gets_the_real_term(world: World) -> None:
    result = await world.member.slash(world.general, "warnings lookup", term="soulmtes")
    assert not result.response.embeds
    assert result.response.content == "“soulmtes” is not a term I know; did you mean: Soulmates?"


async def test_a_far_term_gets_no_suggestion(world: World) -> None:
    result = await world.member.slash(world.general, "warnings lookup", term="soul food")
    assert not result.response.embeds
    assert "did you mean" not in result.response.content


@pytest.mark.parametrize(
    ("term", "title", "kind"),
    [
        ("incest", "Incest (incest)", "content warning"),
        ("cheating", "Infidelity (infidelity)", "content warning"),
        ("dead dove", "Dead Dove: Do Not Eat (dead-dove)", "glossary"),
        ("DDDNE", "Dead Dove: Do Not Eat (dead-dove)", "glossary"),
        ("slow burn", "Slow Burn (slow-burn)", "glossary"),
        ("fix-it", "Fix-It (fix-it)", "glossary"),
        ("AU", "Alternate Universe (alternate-universe)", "glossary"),
        ("OOC", "Out of Character (ooc)", "glossary"),
        ("PWP", "PWP (pwp)", "glossary"),
        ("crack", "Crack (crack)", "glossary"),
        ("WAFF", "WAFF (waff)", "glossary"),
        ("lemon/lime", "Lemon (lemon)", "glossary"),
        ("noncon", "Sexual Assault (sexual-assault)", "content warning"),
        ("dubious consent", "Sexual Assault (sexual-assault)", "content warning"),
        ("rape/non-con", "Rape/Non-Con (rape-non-con)", "AO3 archive warning"),
        (
            "major character death",
            "Major Character Death (major-character-death)",
            "AO3 archive warning",
        ),
        ("enemies to lovers", "Enemies to Lovers (enemies-to-lovers)", "trope"),
    ],
)
async def test_common_ao3_terms_have_their_own_definition(
    world: World, term: str, title: str, kind: str
) -> None:
    result = await world.member.slash(world.general, "warnings lookup", term=term)
    assert result.response.embeds, result.response.content
    embed = result.response.embeds[0]
    assert embed.title == title
    assert embed.description
    assert next(f.value for f in embed.fields if f.name == "Kind") == kind


async def test_a_typo_of_a_new_term_finds_it(world: World) -> None:
    result = await world.member.slash(world.general, "warnings lookup", term="incst")
    assert result.response.content == "“incst” is not a term I know; did you mean: Incest?"


async def test_glossary_terms_are_in_the_lookup_autocomplete_only(world: World) -> None:
    lookup = await world.member.autocomplete(world.general, "warnings lookup", "term", "dead dove")
    assert lookup[0]["value"] == "dead-dove"
    exclude = await world.member.autocomplete(world.general, "story find", "exclude", "dead dove")
    assert "dead-dove" not in [c["value"] for c in exclude]


async def test_a_glossary_tag_never_becomes_a_warning_or_trope(world: World) -> None:
    """41588007 is tagged "Plot What Plot/Porn Without Plot" (the PWP glossary term, and a
    tag form of Sexual Content); 39565956 "Alternate Universe - Canon Divergence"."""
    await _upload(world, "41588007.html", "39565956.html")
    for title in (BIG_WHEEL, "谵言隐语"):
        info = await world.member.slash(world.general, "story info", story=title)
        fields = {f.name: f.value for f in info.response.embeds[0].fields}
        found = f"{fields.get('Tropes', '')}\n{fields['Warnings']}".casefold()
        for glossary in ("pwp", "canon divergence", "canon-divergence", "alternate universe"):
            assert glossary not in found, (title, found)
    info = await world.member.slash(world.general, "story info", story=BIG_WHEEL)
    warnings = next(f.value for f in info.response.embeds[0].fields if f.name == "Warnings")
    assert "Sexual Content" in warnings.replace("Sexual Content (detected)", "")


# -- removal names what it removed, and can be undone ------------------------------------


def _stored_rows(settings: Settings, guild_id: int) -> dict[str, int]:
    """A server's story and passage rows, kept or parked (read as an operator would)."""
    tables = ("stories", "passages")
    queries = [
        (f"SELECT count(*) FROM {table} WHERE guild_id IN (?, ?)", (guild_id, -guild_id))
        for table in tables
    ]
    return dict(zip(tables, scalars(settings.database, queries), strict=True))


async def test_remove_names_the_story_and_restore_brings_it_back(world: World) -> None:
    await _upload(world, "218676.html", "41588007.html")
    mod = world.moderator
    choices = await mod.autocomplete(world.general, "library remove", "story", "fire")
    result = await mod.slash(world.general, "library remove", story=choices[0]["value"])
    assert result.ephemeral
    assert result.response.content.startswith(
        "Removed “Fire and Feather” from this server's library."
    )
    assert "/library restore" in result.response.content
    assert await _upload_titles(world) == [BIG_WHEEL]
    gone = await world.member.slash(world.general, "story info", story="Fire and Feather")
    assert not gone.response.embeds

    await world.env.advance_time(9 * 60)
    back = await mod.slash(world.general, "library restore")
    assert back.ephemeral
    assert back.response.content == "Restored “Fire and Feather” to this server's library."
    assert await _upload_titles(world) == [BIG_WHEEL, "Fire and Feather"]
    info = await world.member.slash(world.general, "story info", story="Fire and Feather")
    assert "Fire and Feather" in info.response.embeds[0].title
    excerpt = await world.member.slash(world.general, "excerpt", story="Fire and Feather")
    assert "Fire and Feather" in excerpt.response.embeds[0].title

    again = await mod.slash(world.general, "library restore")
    assert again.response.content.startswith("Nothing to restore")


async def test_restore_brings_back_the_last_removal_first(world: World) -> None:
    await _upload(world, "218676.html", "41588007.html")
    mod = world.moderator
    await mod.slash(world.general, "library remove", story="Fire and Feather")
    await world.env.advance_time(60)
    await mod.slash(world.general, "library remove", story=BIG_WHEEL)
    assert await _upload_titles(world) == []
    first = await mod.slash(world.general, "library restore")
    assert first.response.content == f"Restored “{BIG_WHEEL}” to this server's library."
    second = await mod.slash(world.general, "library restore")
    assert second.response.content == "Restored “Fire and Feather” to this server's library."


async def test_a_removal_is_purged_after_the_undo_window(world: World, settings: Settings) -> None:
    await _upload(world, "218676.html")
    kept = _stored_rows(settings, world.guild.id)
    await world.moderator.slash(world.general, "library remove", story="Fire and Feather")
    assert _stored_rows(settings, world.guild.id) == kept  # parked, not deleted yet

    await world.env.advance_time(11 * 60)
    assert _stored_rows(settings, world.guild.id) == {"stories": 0, "passages": 0}
    late = await world.moderator.slash(world.general, "library restore")
    assert late.response.content == (
        "Nothing to restore: no story was removed here in the last 10 minutes."
    )
    assert await _upload_titles(world) == []


async def test_restore_needs_manage_server_and_stays_in_its_server(world: World) -> None:
    await _upload(world, "218676.html")
    await world.moderator.slash(world.general, "library remove", story="Fire and Feather")
    with pytest.raises(simcord.SetupError):  # hidden from members by default_permissions
        await world.member.slash(world.general, "library restore")
    commands = await world.env.bot.tree.fetch_commands()
    library = next(c for c in commands if c.name == "library")
    world.guild.set_command_permissions(library, {world.member: True})
    denied = await world.member.slash(world.general, "library restore")  # refused in code
    assert denied.ephemeral
    assert "Manage Server" in denied.response.content
    other = make_world(world.env, "Other Server")
    await world.env.settle()
    elsewhere = await other.moderator.slash(other.general, "library restore")
    assert elsewhere.response.content.startswith("Nothing to restore")
    assert await _upload_titles(world) == []  # neither brought it back
    home = await world.moderator.slash(world.general, "library restore")
    assert home.response.content.startswith("Restored “Fire and Feather”")


async def test_restore_refuses_a_story_added_again_meanwhile(world: World) -> None:
    await _upload(world, "218676.html")
    await world.moderator.slash(world.general, "library remove", story="Fire and Feather")
    await _upload(world, "218676.epub")  # the same work, uploaded again
    result = await world.moderator.slash(world.general, "library restore")
    assert result.response.content.startswith(
        "That is already in this server's library as “Fire and Feather”"
    )
    assert await _upload_titles(world) == ["Fire and Feather"]


# -- one work, one story -------------------------------------------------------------------


async def test_the_epub_of_an_uploaded_html_is_the_same_story(world: World) -> None:
    await _upload(world, "218676.html")
    result = await world.moderator.slash(world.general, "library add", file=ao3("218676.epub"))
    reply = last(result)
    assert reply.ephemeral and not reply.embeds
    assert reply.content == (
        "That is already in this server's library as “Fire and Feather” "
        "(another download of the same work)."
    )
    assert await _upload_titles(world) == ["Fire and Feather"]


async def test_a_renamed_copy_is_the_same_story_and_its_title_is_escaped(world: World) -> None:
    story = STORY.replace("The Lighthouse Keeper's Apprentice", "The *Keeper* of the ||Light||")
    await world.moderator.slash(world.general, "library add", file=("a.txt", story.encode()))
    result = await world.moderator.slash(
        world.general, "library add", file=("b.txt", story.encode())
    )
    assert last(result).content == (
        "That is already in this server's library as "
        "“The \\*Keeper\\* of the \\|\\|Light\\|\\|” (the same file)."
    )
    titles = await _upload_titles(world)
    assert len(titles) == 1


async def test_two_stories_with_one_title_act_only_by_autocomplete(world: World) -> None:
    mod = world.moderator
    other_text = STORY.replace("Mira climbed", "Tomas climbed")  # another story, same title
    for name, text in (("one.txt", STORY), ("two.txt", other_text)):
        await mod.slash(world.general, "library add", file=(name, text.encode()))
    title = "The Lighthouse Keeper's Apprentice"
    result = await mod.slash(world.general, "library remove", story=title)
    assert result.response.content.startswith(
        f"Several stories in this server's uploads are called “{title}”"
    )
    assert len(await _upload_titles(world)) == 2
    choices = await mod.autocomplete(world.general, "library remove", "story", "lighthouse")
    removed = await mod.slash(world.general, "library remove", story=choices[0]["value"])
    assert removed.response.content.startswith(f"Removed “{title}”")
    assert len(await _upload_titles(world)) == 1
    now_one = await world.member.slash(world.general, "story info", story=title)
    assert now_one.response.embeds


async def test_blocking_a_misspelt_warning_blocks_nothing(world: World) -> None:
    result = await world.moderator.slash(world.general, "config block", warning="violnce")
    assert result.response.content.startswith(
        "“violnce” is not a content warning I know; did you mean: Violence?"
    )
    show = await world.moderator.slash(world.general, "config show")
    blocked = next(f.value for f in show.response.embeds[0].fields if "locked" in f.name)
    assert "Violence" not in blocked
