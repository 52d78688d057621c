"""AO3 links end to end, against a fake AO3 on 127.0.0.1 (tests/ao3/fake.py)."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import replace
from itertools import pairwise
from typing import Any

import pytest

from bot.settings import Settings
from tests.ao3 import fake as ao3
from tests.ao3.fake import FakeAo3
from tests.e2e.checks import assert_no_pings, assert_within_limits
from tests.e2e.conftest import World, age_restrict, make_world

AO3 = "https://archiveofourown.org"
CONTACT = "mods@readers-nook.example"


@pytest.fixture
async def fake_ao3() -> AsyncIterator[FakeAo3]:
    async with ao3.running() as fake:
        yield fake


@pytest.fixture
def settings(settings: Settings, fake_ao3: FakeAo3) -> Settings:
    """The bot pointed at the fake, with small intervals so the suite stays fast."""
    return replace(
        settings,
        ao3_base=fake_ao3.base,
        contact=CONTACT,
        ao3_min_interval=0.05,
        ao3_timeout=5.0,
        ao3_backoff=0.01,
    )


def answer(result: Any) -> Any:
    """The message a user sees last: the follow-up that completed a deferred response."""
    return (result.followups or [result.response])[-1]


def deferred(env: Any) -> bool:
    """The last interaction was answered "thinking…" first (type 5), then completed."""
    callbacks = [r for r in env.http_requests if r.path.endswith("/callback")]
    return bool(callbacks) and callbacks[-1].json.get("type") == 5


def fields(embed: Any) -> dict[str, str]:
    return {f.name: f.value for f in embed.fields}


async def card(world: World, channel: Any, link: str) -> Any:
    result = await world.member.slash(channel, "ao3", link=link)
    assert deferred(world.env)  # a deferred response, completed later: never a timeout
    return answer(result)


async def test_work_card_shows_every_field(world: World, fake_ao3: FakeAo3) -> None:
    shown = await card(world, world.general, f"{AO3}/works/{ao3.TEEN}")
    embed = shown.embeds[0]
    assert embed.title == "the heart and the small change"
    assert embed.url == f"{AO3}/works/{ao3.TEEN}"
    assert embed.author.name == "by Alias (anafabula)"
    assert embed.description.startswith("Josie knows she's dead")
    got = fields(embed)
    assert got["Rating"] == "Teen And Up Audiences"
    assert got["Archive warnings"] == "No Archive Warnings Apply"
    assert got["Fandoms"] == "Twin Peaks, Welcome to Night Vale"
    assert "past Harry Truman/Josie Packard" in got["Relationships"]
    assert "Josie Packard" in got["Characters"]
    assert "mentions of arson and human combustion" in got["Tags"]
    assert got["Words"] == "2,850"
    assert got["Chapters"] == "1/1"
    assert got["Series"] == "observe and report"
    # the whole work in one request, from the live page, never /downloads/
    assert [h.path for h in fake_ao3.log] == [f"/works/{ao3.TEEN}?view_full_work=true"]
    agent = fake_ao3.log[0].user_agent
    assert agent.startswith("Ficshelf/") and "bot" in agent and CONTACT in agent
    assert_no_pings(world.env)
    assert_within_limits(world.env)


async def test_rating_above_the_channel_shows_title_and_reason_only(world: World) -> None:
    shown = await card(world, world.general, f"{AO3}/works/{ao3.ADULT}")
    embed = shown.embeds[0]
    assert embed.title == "Nobody Expects the Dragon Age Inquisition"
    assert embed.description == "Not shown here: rated Mature; this channel allows up to Teen."
    assert embed.fields == [] and embed.author.name is None and embed.url is None


async def test_age_restricted_channel_that_allows_mature_shows_the_whole_card(
    world: World, fake_ao3: FakeAo3
) -> None:
    await world.moderator.slash(
        world.general, "config rating", max="mature", channel=world.after_dark
    )
    shown = await card(world, world.after_dark, f"{AO3}/works/{ao3.ADULT}")
    got = fields(shown.embeds[0])
    assert got["Rating"] == "Mature"
    assert got["Chapters"] == "14/?"  # posted of total
    assert got["Words"] == "70,561"
    # the adult gate was passed by following its own "Proceed" link
    assert [h.path for h in fake_ao3.log] == [
        f"/works/{ao3.ADULT}?view_full_work=true",
        f"/works/{ao3.ADULT}?view_adult=true&view_full_work=true",
    ]
    # the teen channel still sees only the title and the reason (from the cache)
    hidden = await card(world, world.general, f"{AO3}/works/{ao3.ADULT}")
    assert hidden.embeds[0].description.startswith("Not shown here: rated Mature")
    assert len(fake_ao3.log) == 2


async def test_blocked_declared_warning_puts_tags_and_summary_behind_spoilers(
    world: World,
) -> None:
    await world.moderator.slash(
        world.general, "config block", warning="death", channel=world.writing
    )
    veiled = (await card(world, world.writing, f"{AO3}/works/{ao3.TEEN}")).embeds[0]
    first, summary = veiled.description.split("\n\n", 1)
    assert first == "**CW: Character Death**"
    assert summary.startswith("||Josie knows") and summary.endswith("||")
    got = fields(veiled)
    assert got["Tags"].startswith("||") and got["Tags"].endswith("||")
    assert got["Archive warnings"].startswith("||")
    assert got["Fandoms"] == "Twin Peaks, Welcome to Night Vale"  # not a warning: shown
    plain = (await card(world, world.general, f"{AO3}/works/{ao3.TEEN}")).embeds[0]
    assert "||" not in plain.description and "CW" not in plain.description


async def test_sexual_content_summary_is_withheld_outside_age_restricted_channels(
    world: World,
) -> None:
    embed = (await card(world, world.general, f"{AO3}/works/{ao3.SEXUAL}")).embeds[0]
    assert embed.description == (
        "**CW: Sexual Content**\n\n"
        "(summary shown only in age-restricted channels or privately, in a DM with me)"
    )
    assert fields(embed)["Tags"] == "||Sexual Content||"
    assert "They finally kiss" not in str(embed.to_dict())


async def test_every_field_fits_discords_limits_with_an_ellipsis(world: World) -> None:
    embed = (await card(world, world.general, f"{AO3}/works/{ao3.CROWDED}")).embeds[0]
    assert embed.title.endswith("…") and len(embed.title) <= 256
    assert fields(embed)["Tags"].endswith("…")
    assert embed.description.endswith("…")
    assert_within_limits(world.env)
    assert_no_pings(world.env)
    text = fields(embed)["Tags"]
    assert "\\<@&123>" in text and not re.search(r"(?<!\\)<@&123>", text)  # escaped
    assert "@\u200beveryone" in text


async def test_library_add_url_checks_the_upload_cap_before_fetching(
    world: World, fake_ao3: FakeAo3
) -> None:
    bot: Any = world.env.bot
    bot.services.uploads.settings = replace(bot.services.uploads.settings, max_uploads_per_guild=0)
    full = await world.moderator.slash(
        world.general, "library add", url=f"{AO3}/works/{ao3.GENERATED[0]}"
    )
    assert "allowed uploads" in answer(full).content
    assert fake_ao3.log == []


async def test_chapter_link_is_the_work(world: World, fake_ao3: FakeAo3) -> None:
    await world.moderator.slash(world.general, "config rating", max="mature")
    link = f"{AO3}/works/{ao3.ADULT}/chapters/{ao3.ADULT_CHAPTER}"
    embed = (await card(world, world.general, link)).embeds[0]
    assert embed.title == "Nobody Expects the Dragon Age Inquisition"
    assert fields(embed)["Chapters"] == "14/?"
    bare = (await card(world, world.general, f"{AO3}/chapters/{ao3.ADULT_CHAPTER}")).embeds[0]
    assert bare.url == f"{AO3}/works/{ao3.ADULT}"


async def test_series_link_lists_its_works(world: World) -> None:
    embed = (await card(world, world.general, f"{AO3}/series/{ao3.SERIES}")).embeds[0]
    assert embed.title == "Series: Twitterchat Saga"
    assert embed.author.name == "by Anonymous"
    lines = embed.description.splitlines()
    assert lines[0] == "1. **AvengersGC** by Anonymous · Teen And Up Audiences · 11,466 words"
    assert f"{AO3}/works/37214506" in lines[1]
    assert "Between the lines" in embed.description
    assert "/library add url:" in embed.footer.text


@pytest.mark.parametrize(
    "link",
    ["https://example.com/story/1", f"{AO3}/users/keeper/works", "my favourite fic"],
)
async def test_anything_else_gets_one_line_naming_what_is_accepted(
    world: World, fake_ao3: FakeAo3, link: str
) -> None:
    result = await world.member.slash(world.general, "ao3", link=link)
    assert result.ephemeral
    text = result.response.content
    assert "\n" not in text
    assert "work, chapter and series links" in text
    assert fake_ao3.log == []


@pytest.mark.parametrize(
    ("ident", "line"),
    [
        (
            ao3.RESTRICTED,
            "only visible to logged-in AO3 users: download it and use /library add file:",
        ),
        (ao3.HIDDEN, "only visible to logged-in AO3 users"),
        (ao3.DELETED, "deleted"),
        (ao3.RATE_LIMITED, "AO3 is rate-limiting us; try again in 2 minutes."),
        (ao3.DOWN, "AO3 is down or unreachable right now"),
        (ao3.CHALLENGE, "Cloudflare check"),
    ],
)
async def test_each_failure_has_its_own_clear_line(
    world: World, fake_ao3: FakeAo3, ident: int, line: str
) -> None:
    shown = await card(world, world.general, f"{AO3}/works/{ident}")
    assert line in shown.content
    assert shown.embeds == []
    tries = len(fake_ao3.hits(f"/works/{ident}"))
    retried = ident == ao3.DOWN  # 525 (and timeouts, tests/ao3/test_fetcher.py): 3 tries
    assert tries == (3 if retried else 1)


async def test_a_slow_answer_completes_the_deferred_response(world: World) -> None:
    # (timeouts, which simcord's simulated clock does not fire, are in tests/ao3/test_fetcher.py)
    embed = (await card(world, world.general, f"{AO3}/works/{ao3.SLOW}")).embeds[0]
    assert embed.title == "Too Slow"


async def test_525_is_retried_until_the_page_comes(world: World, fake_ao3: FakeAo3) -> None:
    embed = (await card(world, world.general, f"{AO3}/works/{ao3.FLAKY}")).embeds[0]
    assert embed.title == "Third Time Lucky"
    assert len(fake_ao3.log) == 3


async def test_429_pauses_every_request_for_retry_after(world: World, fake_ao3: FakeAo3) -> None:
    await card(world, world.general, f"{AO3}/works/{ao3.RATE_LIMITED}")
    other = await card(world, world.general, f"{AO3}/works/{ao3.TEEN}")
    assert "AO3 is rate-limiting us; try again in 2 minutes." in other.content
    assert len(fake_ao3.log) == 1  # AO3 asked us to wait: nobody asked again
    await world.env.advance_time(121)
    again = await card(world, world.general, f"{AO3}/works/{ao3.TEEN}")
    assert again.embeds[0].title == "the heart and the small change"


async def test_ten_pastes_of_a_failing_link_make_one_request(
    world: World, fake_ao3: FakeAo3
) -> None:
    for _ in range(10):
        shown = await card(world, world.general, f"{AO3}/works/{ao3.DELETED}")
        assert "deleted" in shown.content
    assert len(fake_ao3.log) == 1
    for _ in range(10):
        await card(world, world.general, f"{AO3}/works/{ao3.DOWN}")
    assert len(fake_ao3.hits(f"/works/{ao3.DOWN}")) == 3  # one fetch (of three tries)
    await world.env.advance_time(31)  # the negative cache forgets after 30 s
    await card(world, world.general, f"{AO3}/works/{ao3.DELETED}")
    assert len(fake_ao3.hits(f"/works/{ao3.DELETED}")) == 2


async def test_100_lookups_of_10_works_make_10_requests(world: World, fake_ao3: FakeAo3) -> None:
    works = list(ao3.GENERATED)
    for i in range(100):
        shown = await card(world, world.general, f"{AO3}/works/{works[i % 10]}")
        assert shown.embeds[0].title == f"Lighthouse Log {i % 10 + 1}"
    assert len(fake_ao3.log) == 10
    await world.env.advance_time(3601)  # pages are kept an hour
    await card(world, world.general, f"{AO3}/works/{works[0]}")
    assert len(fake_ao3.log) == 11


async def test_context_menu_looks_up_at_most_three_links(world: World, fake_ao3: FakeAo3) -> None:
    message = await world.member.send(
        world.general,
        f"read these! {AO3}/works/{ao3.TEEN} and {AO3}/works/{ao3.DELETED} "
        f"also {AO3}/series/{ao3.SERIES} and {AO3}/works/{ao3.SINGLE}",
    )
    result = await world.member.context_menu(world.general, "Look up on AO3", message)
    assert deferred(world.env)
    shown = answer(result)
    assert [e.title for e in shown.embeds] == [
        "the heart and the small change",
        "Series: Twitterchat Saga",
    ]
    assert shown.content == (
        f"<{AO3}/works/{ao3.DELETED}>: "
        "That work is not on AO3 (404): it was deleted, or the link is wrong."
    )
    assert not fake_ao3.hits(f"/works/{ao3.SINGLE}")  # the fourth link is not looked up
    plain = await world.member.send(world.general, "no links here")
    refused = await world.member.context_menu(world.general, "Look up on AO3", plain)
    assert "no AO3 link" in refused.response.content
    assert_no_pings(world.env)


async def test_limiter_spaces_requests_on_the_fake_servers_log(
    world: World, fake_ao3: FakeAo3
) -> None:
    bot: Any = world.env.bot
    bot.services.ao3.fetcher.limiter.interval = 0.3
    bot.services.ao3.fetcher.limiter.budget.interval = 0.3
    for ident in list(ao3.GENERATED)[:4]:
        await card(world, world.general, f"{AO3}/works/{ident}")
    times = [h.at for h in fake_ao3.log]
    assert len(times) == 4
    gaps = [b - a for a, b in pairwise(times)]
    assert min(gaps) >= 0.29, gaps


async def test_a_long_queue_is_answered_with_when_to_try_again(
    world: World, fake_ao3: FakeAo3
) -> None:
    fetcher: Any = world.env.bot.services.ao3.fetcher  # type: ignore[attr-defined]
    fetcher.limiter.interval = fetcher.limiter.budget.interval = 40.0
    fetcher.settings = replace(fetcher.settings, ao3_max_wait=30.0)
    first, second = list(ao3.GENERATED)[:2]
    assert (await card(world, world.general, f"{AO3}/works/{first}")).embeds
    busy = await card(world, world.general, f"{AO3}/works/{second}")
    assert re.fullmatch(
        r"Lots of AO3 lookups are queued right now; try again in (39|40) seconds\.", busy.content
    )
    assert len(fake_ao3.log) == 1


async def test_library_add_url_then_excerpt_in_that_server_only(
    world: World, fake_ao3: FakeAo3
) -> None:
    ident = ao3.GENERATED[0]
    result = await world.moderator.slash(world.general, "library add", url=f"{AO3}/works/{ident}")
    assert result.ephemeral
    added, work = answer(result).embeds
    assert added.title == "Added: Lighthouse Log 1"
    assert added.footer.text == "Only this server can see this story."
    assert fields(work)["Detected in the text"] == "nothing detected"
    excerpt = await world.member.slash(world.general, "excerpt", story="Lighthouse Log 1")
    assert excerpt.response.embeds[0].title == "Lighthouse Log 1"
    assert "the lighthouse lamp turned over the bay" in excerpt.response.embeds[0].description

    other = make_world(world.env, "Other Server")
    await world.env.settle()
    age_restrict(world.env, other.after_dark)
    elsewhere = await other.member.slash(other.general, "excerpt", story="Lighthouse Log 1")
    assert "Lighthouse Log 1" not in (elsewhere.response.embeds or [None])[0].__repr__()
    assert elsewhere.response.content.startswith("No story called “Lighthouse Log 1”")

    again = await world.moderator.slash(world.general, "library add", url=f"{AO3}/works/{ident}")
    assert "already in this server's library" in answer(again).content
    assert len(fake_ao3.hits(f"/works/{ident}")) == 1  # the second add read the cache
    # a saved copy of the same work (other bytes, same work id) is the same story
    copy = ao3.work_page(ident, "Lighthouse Log 1", filler="saved later").encode()
    saved = await world.moderator.slash(world.general, "library add", file=("saved.html", copy))
    assert answer(saved).content == (
        "That is already in this server's library as “Lighthouse Log 1” "
        "(another download of the same work)."
    )


async def test_library_add_url_keeps_the_upload_limits(world: World, fake_ao3: FakeAo3) -> None:
    huge = await world.moderator.slash(world.general, "library add", url=f"{AO3}/works/{ao3.HUGE}")
    assert "upload" in answer(huge).content and "limited to 5 MB" in answer(huge).content
    series = await world.moderator.slash(
        world.general, "library add", url=f"{AO3}/series/{ao3.SERIES}"
    )
    assert "That is a series" in answer(series).content
    neither = await world.moderator.slash(world.general, "library add")
    assert (
        "Give either file: (a story file) or url: (an AO3 work link)." in neither.response.content
    )
    restricted = await world.moderator.slash(
        world.general, "library add", url=f"{AO3}/works/{ao3.RESTRICTED}"
    )
    assert "download it and use /library add file:" in answer(restricted).content
