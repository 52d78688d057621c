"""Excerpt buttons, reader reports and the moderator queue, end to end (real clicks, real
modals, real restarts)."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from simcord import SetupError

from bot.cli import main as cli
from bot.settings import Settings
from tests.databases import scalars
from tests.e2e.checks import assert_no_pings, assert_within_limits
from tests.e2e.conftest import World, make_world, restart
from tests.texts import ALLEY

CALM = (
    "Nell carried the bread basket down to the harbour at dawn, where the fishing boats "
    "rocked gently against the pier and the gulls argued over nothing at all. Marker {tag}. "
    "She waved to the old net mender, who lifted his cap and went back to humming the same "
    "three notes he always hummed. The sea was flat and silver, the air smelled of tar and "
    "salt, and somewhere a bell rang for the morning market. She sat on an upturned crate, "
    "broke off the end of a warm loaf, and watched the light climb slowly over the water "
    "while the town woke up behind her."
)
ALLEY_BODY = ALLEY.split("Chapter 1\n\n", 1)[1]
HARBOUR = "The Quiet Harbour"
HARBOUR_TEXT = (
    f"{HARBOUR}\n\nChapter 1\n\n{CALM.format(tag='zulu1')}\n\n"
    f"Chapter 2\n\n{ALLEY_BODY}\n"
    f"Chapter 3\n\n{CALM.format(tag='zulu3')}\n"
)
WALK = "The Long Walk"
WALK_TEXT = f"{WALK}\n\nChapter 1\n\n" + "\n\n".join(
    CALM.format(tag=f"walk{i}") for i in range(1, 6)
)
BUNDLED = "Soulmate Rejection Reader Insert"  # teen, 5 passages: fits #general


async def upload(world: World, name: str, text: str) -> None:
    result = await world.moderator.slash(
        world.general, "library add", file=(f"{name}.txt", text.encode())
    )
    assert (result.followups or [result.response])[-1].embeds


def buttons(message: Any) -> list[dict[str, Any]]:
    """A message's buttons as payloads (from a response, or a message in a channel)."""
    rows = [r if isinstance(r, dict) else r.to_dict() for r in message.components]
    return [c for row in rows for c in row["components"]]


def labels(message: Any) -> list[str]:
    return [b["label"] for b in buttons(message)]


def enabled(message: Any) -> list[bool]:
    return [not b.get("disabled") for b in buttons(message)]


def text_of(result: Any) -> str:
    return result.response.embeds[0].description


async def excerpt(world: World, channel: Any, tag: str, story: str = WALK) -> Any:
    """The excerpt of `story` whose text carries `tag` (a query that matches one passage)."""
    result = await world.member.slash(channel, "excerpt", story=story, query=tag)
    assert not result.ephemeral, result.response.content
    assert tag in text_of(result)
    return result.response


async def report(actor: Any, message: Any, reason: str = "wrong-channel", **values: Any) -> Any:
    shown = await actor.click(message, label="Report")
    assert shown.modal is not None, shown.response and shown.response.content
    return await actor.submit_modal(shown, {"reason": [reason], **values})


def current(world: World, channel: Any, message_id: int) -> Any:
    return next(m for m in channel.history() if m.id == message_id)


async def test_each_excerpt_button_before_and_after_a_restart(
    world: World, settings: Settings
) -> None:
    await upload(world, "harbour", HARBOUR_TEXT)
    message = await excerpt(world, world.general, "zulu1", HARBOUR)
    assert labels(message) == ["Another", "More context", "Report"]
    form = await world.member.click(message, label="Report")  # opened before the restart …

    async def press_another_and_context() -> None:
        another = await world.member.click(message, label="Another")
        assert not another.ephemeral  # a new message in the channel, same filters
        assert another.response.id != message.id
        assert another.response.channel_id == world.general.id
        assert "zulu1" in text_of(another)
        assert labels(another.response) == ["Another", "More context", "Report"]
        context = await world.member.click(message, label="More context")
        assert context.ephemeral
        assert "Before: this is where the story starts" in context.response.content
        (after,) = context.response.embeds
        assert after.title == f"After · {HARBOUR}"
        assert "Kirishima" in after.description

    await press_another_and_context()
    await restart(world.env, settings, seed=7)
    await press_another_and_context()  # the same old message's buttons still work

    assert form.modal is not None
    titles = [c["label"] for c in form.modal["components"]]
    assert titles == ["What is wrong?", "Which warning is missing?", "Anything to add? (optional)"]
    done = await world.member.submit_modal(  # … and submitted after it
        form, {"reason": ["missing-warning"], "warning": ["violence"], "comment": "ch. 1"}
    )
    assert done.ephemeral
    assert "hidden in this server" in done.response.content
    again = await report(world.member, await excerpt(world, world.general, "zulu3", HARBOUR))
    assert "hidden in this server" in again.response.content
    assert assert_no_pings(world.env) > 5
    assert_within_limits(world.env)
    await world.env.bot.release()  # the restarted bot is not the fixture's: free its database


async def test_more_context_skips_a_neighbour_the_channel_blocks(world: World) -> None:
    await upload(world, "harbour", HARBOUR_TEXT)
    await world.moderator.slash(
        world.general, "config block", warning="violence", channel=world.general
    )
    blocked = await world.member.click(
        await excerpt(world, world.general, "zulu3", HARBOUR), label="More context"
    )
    assert blocked.ephemeral
    assert (
        "The passage before this one is not shown: it carries Violence, which this channel "
        "does not allow." in blocked.response.content
    )
    assert "After: the end." in blocked.response.content
    assert blocked.response.embeds == []
    allowed = await world.member.click(  # #writing does not block violence
        await excerpt(world, world.writing, "zulu3", HARBOUR), label="More context"
    )
    (before,) = allowed.response.embeds
    assert "Kirishima" in before.description
    assert before.description.startswith("**CW: Violence**")


async def test_a_report_hides_the_passage_at_once_in_that_server_only(world: World) -> None:
    other = make_world(world.env, "Other Server")
    await world.env.settle()
    first = await world.member.slash(world.general, "excerpt", story=BUNDLED)
    reported = text_of(first)
    done = await report(world.member, first.response)
    assert "hidden in this server" in done.response.content
    # the posted message is hidden for everyone, not only the reporter
    shown = current(world, world.general, first.response.id)
    assert shown.embeds[0].title == "Passage hidden after a report"
    assert reported not in str(shown.embeds[0].to_dict())
    assert shown.components == []

    here = [text_of(await world.member.slash(world.general, "excerpt", story=BUNDLED))]
    here += [text_of(await world.moderator.slash(world.writing, "excerpt", story=BUNDLED))]
    for _ in range(30):
        here.append(text_of(await world.member.slash(world.general, "excerpt", story=BUNDLED)))
    assert reported not in here
    there = [
        text_of(await other.member.slash(other.general, "excerpt", story=BUNDLED))
        for _ in range(40)
    ]
    assert reported in there
    listed = await other.moderator.slash(other.general, "reports list")
    assert listed.response.embeds[0].title == "Open reports (0)"
    mine = await world.moderator.slash(world.general, "reports list")
    assert mine.response.embeds[0].title == "Open reports (1)"


async def test_the_queue_card_and_its_three_decisions(
    world: World, settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    mods = world.guild.create_text_channel("mods")
    await world.env.settle()
    await upload(world, "walk", WALK_TEXT)
    on = await world.moderator.slash(world.general, "config reports channel", channel=mods)
    assert on.response.content.startswith(f"Reader reports will be posted in <#{mods.id}>")
    walk1 = await excerpt(world, world.general, "walk1")
    await report(world.member, walk1, "missing-warning", warning=["violence"], comment="a fight")
    await report(world.member, await excerpt(world, world.general, "walk3"))
    await report(world.member, await excerpt(world, world.general, "walk5"), "other")
    cards = sorted(mods.history(), key=lambda m: m.id)
    assert len(cards) == 3
    card = cards[0].embeds[0]
    assert card.title == f"Report #1: {WALK}"
    assert card.description.startswith("||") and "walk1" in card.description
    fields = {f.name: f.value for f in card.fields}
    assert fields["Reason"] == "A content warning is missing: Violence"
    assert fields["Comment"] == "a fight"
    assert fields["Reported by"] == f"<@{world.member.id}>"
    assert str(walk1.id) in fields["Message"]
    assert labels(cards[0]) == [
        "Keep hidden",
        "Keep hidden + add Violence",
        "Restore",
        "Hide the whole story here",
    ]
    assert labels(cards[1]) == ["Keep hidden", "Restore", "Hide the whole story here"]

    refused = await world.member.click(cards[1], label="Restore")  # no Manage Server
    assert refused.ephemeral
    assert "Only members with the Manage Server permission" in refused.response.content
    assert "Decision" not in {f.name for f in current(world, mods, cards[1].id).embeds[0].fields}
    assert all(enabled(current(world, mods, cards[1].id)))
    gone = await world.member.slash(world.general, "excerpt", story=WALK, query="walk3")
    assert gone.ephemeral  # still hidden
    with pytest.raises(Exception, match="permission"):
        await world.member.slash(world.general, "reports list")

    await restart(world.env, settings, seed=11)  # the cards' buttons survive it

    kept = await world.moderator.click(cards[0], label="Keep hidden + add Violence")
    decided = current(world, mods, cards[0].id)
    decision = {f.name: f.value for f in decided.embeds[0].fields}["Decision"]
    assert decision.startswith(f"<@{world.moderator.id}> kept hidden, adding Violence here <t:")
    assert not any(enabled(decided))
    assert kept.response.id == cards[0].id  # the card itself was edited
    with pytest.raises(SetupError, match="disabled"):
        await world.moderator.click(decided, label="Restore")
    warnings = await world.member.slash(world.general, "warnings story", story=WALK)
    here = warnings.response.embeds[0].fields[0]
    assert here.name == "In this server"
    assert "Violence: added by this server's moderators to 1 passage" in here.value

    await world.moderator.click(cards[1], label="Restore")
    decision = {f.name: f.value for f in current(world, mods, cards[1].id).embeds[0].fields}
    assert decision["Decision"].startswith(f"<@{world.moderator.id}> restored")
    assert "walk3" in text_of(
        await world.member.slash(world.general, "excerpt", story=WALK, query="walk3")
    )

    await world.moderator.click(cards[2], label="Hide the whole story here")
    hidden = await world.member.slash(world.general, "excerpt", story=WALK)
    assert hidden.ephemeral
    notes = await world.member.slash(world.general, "warnings story", story=WALK)
    assert "Hidden in this server by its moderators" in notes.response.embeds[0].fields[0].value
    listed = await world.moderator.slash(world.general, "reports list")
    assert listed.response.embeds[0].title == "Open reports (0)"

    off = await world.moderator.slash(world.general, "config reports off")
    assert "no longer posted" in off.response.content
    bundled = await world.member.slash(world.general, "excerpt", story=BUNDLED)
    await report(world.member, bundled.response)
    assert len(mods.history()) == 3  # no card: the report waits in /reports list
    listed = await world.moderator.slash(world.general, "reports list")
    assert listed.response.embeds[0].title == "Open reports (1)"

    capsys.readouterr()
    args = ["export-labels", "--db", str(settings.database), "--json"]
    assert await asyncio.to_thread(cli, args) == 0  # the CLI runs its own event loop
    exported = json.loads(capsys.readouterr().out)
    assert [(e["decision"], e["warning"], e["warning_added"]) for e in exported] == [
        ("kept", "violence", True),
        ("restored", None, False),
        ("story-hidden", None, False),
    ]
    assert "walk1" in exported[0]["text"]
    assert all("reporter" not in json.dumps(e) for e in exported)
    assert_no_pings(world.env)
    await world.env.bot.release()  # the restarted bot is not the fixture's: free its database


async def test_a_removed_storys_old_buttons_answer_clearly(world: World) -> None:
    await upload(world, "harbour", HARBOUR_TEXT)
    message = await excerpt(world, world.general, "zulu1", HARBOUR)
    await world.moderator.slash(world.general, "library remove", story=HARBOUR)
    another = await world.member.click(message, label="Another")
    assert another.ephemeral
    assert another.response.content == "That story is no longer in this server's library."
    for label in ("More context", "Report"):
        pressed = await world.member.click(message, label=label)
        assert pressed.ephemeral and pressed.modal is None
        assert pressed.response.content.startswith(
            "That passage is no longer in this server's library"
        )
    assert world.env.errors == []


async def test_duplicate_and_rapid_reports(world: World) -> None:
    await upload(world, "walk", WALK_TEXT)
    await upload(world, "harbour", HARBOUR_TEXT)
    walk1 = await excerpt(world, world.general, "walk1")
    twice = await excerpt(world, world.writing, "walk1")  # the same passage, posted twice
    await report(world.member, walk1)
    again = await report(world.member, twice)  # the same member, the same passage
    assert again.ephemeral
    assert again.response.content.startswith("You already reported this passage")
    listed = await world.moderator.slash(world.general, "reports list")
    assert listed.response.embeds[0].title == "Open reports (1)"
    for tag in ("walk2", "walk3", "walk4", "walk5"):
        done = await report(world.member, await excerpt(world, world.general, tag))
        assert "hidden in this server" in done.response.content
    sixth = await excerpt(world, world.general, "zulu1", HARBOUR)
    limited = await report(world.member, sixth)
    assert limited.ephemeral
    assert "You have sent 5 reports in the last 10 minutes" in limited.response.content
    assert "zulu1" in text_of(  # not hidden: the report was not taken
        await world.member.slash(world.general, "excerpt", story=HARBOUR, query="zulu1")
    )
    listed = await world.moderator.slash(world.general, "reports list")
    assert listed.response.embeds[0].title == "Open reports (5)"
    await world.env.advance_time(10 * 60 + 1)
    later = await report(world.member, sixth)
    assert "hidden in this server" in later.response.content


async def test_two_members_reporting_one_scene_hide_the_scene(world: World) -> None:
    await upload(world, "walk", WALK_TEXT)
    second = world.guild.add_member(world.env.create_user("reader-two"))
    await world.env.settle()
    alone = await report(world.member, await excerpt(world, world.general, "walk3"))
    assert "around it" not in alone.response.content
    assert "walk2" in text_of(
        await world.member.slash(world.general, "excerpt", story=WALK, query="walk2")
    )
    message = await excerpt(world, world.general, "walk2")
    shown = await second.click(message, label="Report")
    both = await second.submit_modal(shown, {"reason": ["wrong-channel"]})
    assert "so 3 passages around it are hidden as well" in both.response.content
    for tag in ("walk1", "walk2", "walk4"):  # walk2's scene: two passages either side
        hidden = await world.member.slash(world.general, "excerpt", story=WALK, query=tag)
        assert hidden.ephemeral, tag
    assert "walk5" in text_of(
        await world.member.slash(world.general, "excerpt", story=WALK, query="walk5")
    )


async def test_reports_list_pages_for_moderators_only(world: World) -> None:
    await upload(world, "walk", WALK_TEXT)
    await upload(world, "harbour", HARBOUR_TEXT)
    for tag in ("walk1", "walk2", "walk3", "walk4", "walk5"):
        await report(world.member, await excerpt(world, world.general, tag))
    await world.env.advance_time(10 * 60 + 1)
    await report(world.member, await excerpt(world, world.general, "zulu1", HARBOUR))
    listed = await world.moderator.slash(world.general, "reports list")
    page = listed.response
    assert page.embeds[0].title == "Open reports (6)"
    assert page.embeds[0].footer.text == "Page 1 of 2"
    assert len(page.embeds[0].fields) == 5
    assert enabled(page) == [False, True]
    turned = await world.moderator.click(page, label="Next")
    assert turned.response.embeds[0].footer.text == "Page 2 of 2"
    (last,) = turned.response.embeds[0].fields
    assert last.name == f"#6 · {HARBOUR}"
    assert enabled(turned.response) == [True, False]


async def test_a_purged_servers_reports_disappear_with_it(world: World, settings: Settings) -> None:
    other = make_world(world.env, "Other Server")
    await world.env.settle()
    for w in (world, other):
        first = await w.member.slash(w.general, "excerpt", story=BUNDLED)
        await report(w.member, first.response)

    def stored(guild_id: int) -> dict[str, int]:
        tables = ("reports", "hidden_passages")
        queries = [
            (f"SELECT count(*) FROM {table} WHERE guild_id = ?", (guild_id,)) for table in tables
        ]
        return dict(zip(tables, scalars(settings.database, queries), strict=True))

    assert stored(world.guild.id) == {"reports": 1, "hidden_passages": 1}
    world.env.backend.remove_guild(world.guild.id)
    await world.env.settle()
    for _ in range(31):
        await world.env.advance_time(86400)
    assert stored(world.guild.id) == {"reports": 0, "hidden_passages": 0}
    assert stored(other.guild.id) == {"reports": 1, "hidden_passages": 1}
