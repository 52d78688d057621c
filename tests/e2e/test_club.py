"""The daily prompt as a writing club, end to end on the virtual clock: posting-day rules,
response threads and their stats, and prompts members suggest through the moderator queue."""

from __future__ import annotations

import re
from collections import Counter
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import discord
import pytest

from bot.markup import ZWSP
from bot.settings import Settings
from tests.e2e.checks import assert_no_pings, assert_within_limits
from tests.e2e.conftest import World, make_world, restart
from tests.e2e.faults import land_then_fail

UTC = ZoneInfo("UTC")
NY = ZoneInfo("America/New_York")
LONDON = ZoneInfo("Europe/London")
DAY = 86400.0
STAMP = re.compile(r"<t:(\d+):F>")
IDEA = "A dragon and a librarian must share one umbrella during a thunderstorm."


def daily_posts(channel: Any) -> list[discord.Message]:
    return sorted(
        (m for m in channel.history() if "Daily writing prompt" in m.content), key=lambda m: m.id
    )


async def advance_to(world: World, when: datetime) -> None:
    """Step the clock to `when` in jumps of at most a day."""
    env = world.env
    while env.now() < when:
        await env.advance_time(max(min(DAY, (when - env.now()).total_seconds()), 0.001))


async def daily_set(world: World, channel: Any, **options: Any) -> str:
    options = {"time": "09:00", "timezone": "America/New_York", **options}
    result = await world.moderator.slash(world.general, "daily set", channel=channel, **options)
    text = result.response.content
    assert "Daily prompt set" in text, text
    return text


async def show_text(world: World) -> str:
    show = await world.moderator.slash(world.general, "daily show")
    return "\n".join(f.value for f in show.response.embeds[0].fields)


async def queue(world: World) -> Any:
    mods = world.guild.create_text_channel("mods")
    await world.env.settle()
    done = await world.moderator.slash(world.general, "config reports channel", channel=mods)
    assert done.ephemeral
    return mods


async def suggest(actor: Any, channel: Any, text: str, **options: Any) -> Any:
    return await actor.slash(channel, "prompt suggest", text=text, **options)


def cards(mods: Any) -> list[discord.Message]:
    return [m for m in mods.history() if m.embeds and "Prompt suggestion" in m.embeds[0].title]


def buttons(message: Any) -> dict[str, bool]:
    """label → enabled, for a message's buttons."""
    rows = [r if isinstance(r, dict) else r.to_dict() for r in message.components]
    return {c["label"]: not c.get("disabled") for row in rows for c in row["components"]}


def current(channel: Any, message_id: int) -> discord.Message:
    return next(m for m in channel.history() if m.id == message_id)


# -- posting days -------------------------------------------------------------------------------


async def test_mon_wed_fri_for_eight_weeks_across_the_dst_change(world: World) -> None:
    await advance_to(world, datetime(2026, 2, 1, 12, 0, tzinfo=NY))  # a Sunday
    start = world.env.now()
    answer = await daily_set(world, world.writing, days="Monday, Wednesday and Friday")
    assert "Mon, Wed, Fri" in answer
    shown = await show_text(world)
    assert "Mon, Wed, Fri" in shown
    upcoming = [datetime.fromtimestamp(int(t), NY) for t in STAMP.findall(shown)]
    assert [t.date() for t in upcoming] == [date(2026, 2, 2), date(2026, 2, 4), date(2026, 2, 6)]
    assert all((t.hour, t.minute) == (9, 0) for t in upcoming)

    end = start + timedelta(weeks=8)  # to 2026-03-29: clocks went forward on 2026-03-08
    await advance_to(world, end)
    local = [m.created_at.astimezone(NY) for m in daily_posts(world.writing)]
    expected = [
        d
        for d in (start.astimezone(NY).date() + timedelta(days=i) for i in range(57))
        if d.weekday() in (0, 2, 4) and start < datetime.combine(d, datetime.min.time(), NY)
    ]
    assert [t.date() for t in local] == expected
    assert len(expected) == 24
    assert all((t.hour, t.minute) == (9, 0) for t in local)
    assert {t.utcoffset() for t in local} == {timedelta(hours=-5), timedelta(hours=-4)}


async def test_a_day_that_is_not_due_gets_no_catch_up_after_downtime(
    world: World, settings: Settings
) -> None:
    env = world.env
    await advance_to(world, datetime(2026, 1, 4, 12, 0, tzinfo=NY))  # a Sunday
    await daily_set(world, world.writing, days="weekdays")
    await env.bot.remove_cog("Daily")  # down from Sunday noon …
    await advance_to(world, datetime(2026, 1, 10, 10, 0, tzinfo=NY))  # … to Saturday 10:00
    await restart(env, settings, 3)
    await env.settle()
    assert daily_posts(world.writing) == []  # Saturday is not a posting day: no catch-up
    await advance_to(world, datetime(2026, 1, 12, 10, 0, tzinfo=NY))
    [monday] = daily_posts(world.writing)
    assert monday.created_at.astimezone(NY).date() == date(2026, 1, 12)
    await env.bot.release()


async def test_every_two_days_keeps_its_phase_across_a_restart(
    world: World, settings: Settings
) -> None:
    env = world.env
    await advance_to(world, datetime(2026, 1, 5, 10, 0, tzinfo=LONDON))  # after 09:00
    await daily_set(world, world.writing, days="every 2 days", timezone="Europe/London")
    assert "every 2 days" in await show_text(world)
    await advance_to(world, datetime(2026, 1, 9, 12, 0, tzinfo=LONDON))
    before = [m.created_at.astimezone(LONDON).date() for m in daily_posts(world.writing)]
    assert before == [date(2026, 1, 6), date(2026, 1, 8)]
    # down across Jan 10 (a posting day) and back on Jan 11: the phase is the stored one's
    await env.bot.remove_cog("Daily")
    await advance_to(world, datetime(2026, 1, 11, 8, 0, tzinfo=LONDON))
    await restart(env, settings, 11)
    await advance_to(world, datetime(2026, 1, 17, 12, 0, tzinfo=LONDON))
    after = [m.created_at.astimezone(LONDON).date() for m in daily_posts(world.writing)]
    assert after == [date(2026, 1, d) for d in (6, 8, 12, 14, 16)]
    assert all(m.created_at.astimezone(LONDON).hour == 9 for m in daily_posts(world.writing))
    await env.bot.release()


async def test_bad_days_are_refused_with_an_example(world: World) -> None:
    bad = await world.moderator.slash(
        world.general,
        "daily set",
        channel=world.writing,
        time="09:00",
        timezone="UTC",
        days="every other blue moon",
    )
    assert bad.ephemeral
    assert "every 2 days" in bad.response.content and "mon,wed,fri" in bad.response.content
    assert "No daily prompt is set up" in (
        (await world.moderator.slash(world.general, "daily show")).response.embeds[0].description
    )


# -- threads ------------------------------------------------------------------------------------


async def test_each_post_opens_a_thread_and_stats_rank_by_replies(world: World) -> None:
    env = world.env
    await daily_set(world, world.writing, thread=True, timezone="UTC")
    await advance_to(world, datetime(2026, 1, 3, 12, 0, tzinfo=UTC))
    posts = daily_posts(world.writing)
    assert len(posts) == 3  # Jan 1, 2 and 3
    threads = {t.id: t for t in world.writing.threads}
    assert len(threads) == 3
    for post in posts:
        thread = threads[post.id]  # a thread opened on a message shares its id
        prompt = post.content.split("\n", 1)[1]
        assert thread.name and prompt.startswith(thread.name.removesuffix("…"))
    # members answer: two replies to the second prompt, one to the third
    second, third = threads[posts[1].id], threads[posts[2].id]
    await world.member.send(second, "Here is my drabble.")
    await world.moderator.send(second, "Lovely!")
    await world.member.send(third, "A quick one.")
    stats = await world.moderator.slash(world.general, "daily stats")
    assert stats.ephemeral
    lines = (stats.followups or [stats.response])[-1].embeds[0].description.split("\n")
    counts = [line for line in lines if line[:1].isdigit()]
    assert [c.split("**")[1] for c in counts] == ["2 replies", "1 reply", "0 replies"]
    assert "Create Public Threads" not in await show_text(world)
    commands = await env.bot.tree.fetch_commands()
    daily = next(c for c in commands if c.name == "daily")
    world.guild.set_command_permissions(daily, {world.member: True})  # shown, still refused
    refused = await world.member.slash(world.general, "daily stats")
    assert refused.ephemeral and "Manage Server" in refused.response.content


async def test_no_thread_permission_posts_anyway_and_show_says_what_is_missing(
    world: World,
) -> None:
    env = world.env
    bot_member = world.guild.me
    assert bot_member is not None
    closed = world.guild.create_text_channel(
        "prompts", overwrites={bot_member: discord.PermissionOverwrite(create_public_threads=False)}
    )
    await env.settle()
    answer = await daily_set(world, closed, thread=True, timezone="UTC")
    assert "Create Public Threads" in answer
    await advance_to(world, datetime(2026, 1, 2, 12, 0, tzinfo=UTC))
    assert len(daily_posts(closed)) == 2  # Jan 1 and 2: nothing paused
    assert closed.threads == []
    shown = await show_text(world)
    assert "Create Public Threads" in shown and "paused" not in shown


# -- community prompts -----------------------------------------------------------------------


async def test_suggest_approve_and_it_posts_on_the_next_due_day_credited_without_a_ping(
    world: World, settings: Settings
) -> None:
    env = world.env
    mods = await queue(world)
    await daily_set(world, world.writing, days="mon,wed,fri", timezone="UTC")
    thanks = await suggest(world.member, world.general, IDEA, trope="soulmates")
    assert thanks.ephemeral and "Thank you" in thanks.response.content
    [card] = cards(mods)
    assert IDEA in card.embeds[0].description
    assert buttons(card) == {"Approve": True, "Reject": True}
    with_refusal = await world.member.click(card, label="Approve")  # not a moderator
    assert with_refusal.ephemeral and "Manage Server" in with_refusal.response.content

    await restart(env, settings, 5)  # the card's buttons survive a restart
    approved = await world.moderator.click(card, label="Approve")
    assert not approved.ephemeral
    card = current(mods, card.id)
    assert buttons(card) == {"Approve": False, "Reject": False}
    assert "approved" in card.embeds[0].fields[-1].value

    # 2026-01-01 is a Thursday: the next posting day is Friday the 2nd
    await advance_to(world, datetime(2026, 1, 2, 12, 0, tzinfo=UTC))
    [post] = daily_posts(world.writing)
    name = world.member.user.name
    assert IDEA in post.content
    assert f"suggested by {name}" in post.content.replace("\\", "")
    assert f"<@{world.member.id}>" not in post.content and "<@" not in post.content
    history = await world.member.slash(world.general, "prompt history")
    listing = history.response.embeds[0].description
    assert "community, suggested by" in listing and "dragon and a librarian" in listing
    assert_no_pings(env)
    assert_within_limits(env)
    await env.bot.release()


async def test_reject_with_a_reason_by_dm_or_on_the_next_command(world: World) -> None:
    env = world.env
    mods = await queue(world)
    other = world.guild.add_member(env.create_user("quiet-writer"))
    await env.settle()
    await suggest(world.member, world.general, IDEA)
    await suggest(other, world.general, "Two ghosts argue over who haunts the lighthouse.")
    first, second = cards(mods)

    shown = await world.moderator.click(first, label="Reject")
    assert shown.modal is not None
    assert [c["label"] for c in shown.modal["components"]] == ["Reason (optional)"]
    await world.moderator.submit_modal(shown, {"reason": "We had an umbrella prompt last week."})
    first = current(mods, first.id)
    assert buttons(first) == {"Approve": False, "Reject": False}
    assert "We had an umbrella prompt last week." in first.embeds[0].fields[-1].value
    [dm] = world.member.user.dm_channel.history()
    assert "not added" in dm.content and "We had an umbrella prompt last week." in dm.content

    # the second member does not take DMs: the reason waits for their next command
    dm_channel = other.user.dm_channel
    env.inject_error(
        "POST", f"/channels/{dm_channel.id}/messages", status=403, code=50007, times=None
    )
    shown = await world.moderator.click(second, label="Reject")
    await world.moderator.submit_modal(shown, {"reason": "Too close to an old one."})
    nxt = await other.slash(world.general, "prompt new")
    assert not nxt.ephemeral
    [note] = nxt.followups
    assert note.ephemeral and "Too close to an old one." in note.content
    again = await other.slash(world.general, "prompt new")
    assert again.followups == []  # told once
    assert_no_pings(env)


async def test_a_rejection_whose_card_cannot_be_edited_still_reaches_the_member(
    world: World,
) -> None:
    env = world.env
    mods = await queue(world)
    await suggest(world.member, world.general, IDEA)
    [card] = cards(mods)
    shown = await world.moderator.click(card, label="Reject")
    # the card's edit (the form's answer) fails after the rejection is committed
    env.inject_error("POST", "/interactions/*/callback", status=500, times=1)
    await world.moderator.submit_modal(shown, {"reason": "We had an umbrella prompt last week."})
    [dm] = world.member.user.dm_channel.history()
    assert "not added" in dm.content and "We had an umbrella prompt last week." in dm.content
    again = await world.moderator.slash(world.general, "prompt pending")
    assert "No prompt suggestion is waiting" in again.response.content  # it was rejected


async def test_a_suggestion_with_everyone_and_spoiler_bars_is_posted_inert(world: World) -> None:
    env = world.env
    mods = await queue(world)
    await daily_set(world, world.writing, timezone="UTC", source="community")
    text = "@everyone ||x|| wakes up **famous** in <@&123456789012345678>'s world"
    await suggest(world.member, world.general, text)
    [card] = cards(mods)
    assert card.embeds[0].description.startswith(f"@{ZWSP}everyone \\|\\|x\\|\\|")
    await world.moderator.click(card, label="Approve")
    await advance_to(world, datetime(2026, 1, 1, 12, 0, tzinfo=UTC))
    [post] = daily_posts(world.writing)
    body = post.content.split("\n")[1]
    assert body.startswith(f"@{ZWSP}everyone \\|\\|x\\|\\| wakes up \\*\\*famous\\*\\*")
    assert f"\\<@{ZWSP}&123456789012345678>" in body
    assert "@everyone" not in post.content and "||x||" not in post.content
    assert post.mention_everyone is False and post.role_mentions == []
    assert_no_pings(env)


async def test_suggestions_are_length_checked_rate_limited_and_judged_by_the_channel(
    world: World,
) -> None:
    env = world.env
    short = await suggest(world.member, world.general, "Ghosts.")
    assert short.ephemeral and "at least 15 characters" in short.response.content
    long = await suggest(world.member, world.general, "x" * 301)
    assert long.ephemeral and "at most 300 characters" in long.response.content
    harm = "She drags the razor blade across her wrist again and watches it bleed."
    refused = await suggest(world.member, world.general, harm)
    assert refused.ephemeral
    assert "Self-Harm" in refused.response.content and "does not allow" in refused.response.content
    await world.moderator.slash(
        world.general, "config unblock", warning="self-harm", channel=world.writing
    )
    taken = await suggest(world.member, world.writing, harm)  # this channel allows it
    assert "Thank you" in taken.response.content

    for i in range(2):
        ok = await suggest(world.member, world.general, f"{IDEA} Version {i}.")
        assert "Thank you" in ok.response.content
    limited = await suggest(world.member, world.general, f"{IDEA} Once more.")
    assert limited.ephemeral and "3 prompts in the last 24 hours" in limited.response.content
    other = await suggest(world.moderator, world.general, f"{IDEA} From a moderator.")
    assert "Thank you" in other.response.content  # per member
    await advance_to(world, env.now() + timedelta(hours=24, minutes=1))
    later = await suggest(world.member, world.general, f"{IDEA} The next day.")
    assert "Thank you" in later.response.content
    pending = await world.moderator.slash(world.general, "prompt pending")
    # general blocks self-harm: moderators read it behind spoiler bars, the warning named
    shown = pending.response.embeds[0]
    assert pending.ephemeral and shown.description.startswith("||She drags the razor blade")
    assert shown.description.endswith("||")
    assert "Self-Harm" in shown.fields[-2].value  # kept with it
    refused_pending = await world.member.slash(world.general, "prompt pending")
    assert "Manage Server" in refused_pending.response.content


async def test_a_blocked_warning_found_in_an_approved_prompt_keeps_it_out_of_that_channel(
    world: World,
) -> None:
    await world.moderator.slash(
        world.general, "config unblock", warning="self-harm", channel=world.writing
    )
    harm = "She drags the razor blade across her wrist again and watches it bleed."
    await suggest(world.member, world.writing, harm)
    pending = await world.moderator.slash(world.general, "prompt pending")
    assert "Self-Harm" in pending.response.embeds[0].fields[-2].value
    await world.moderator.click(pending.response, label="Approve")
    await daily_set(world, world.general, timezone="UTC", source="community")  # blocks it
    await daily_set(world, world.writing, timezone="UTC", source="community")  # allows it
    await advance_to(world, datetime(2026, 1, 1, 12, 0, tzinfo=UTC))
    [in_general] = daily_posts(world.general)
    [in_writing] = daily_posts(world.writing)
    assert "razor" not in in_general.content and "suggested by" not in in_general.content
    assert "razor" in in_writing.content and "suggested by" in in_writing.content


async def test_community_prompts_do_not_repeat_within_30_days_and_the_dry_pool_is_told(
    world: World,
) -> None:
    env = world.env
    await daily_set(world, world.writing, timezone="UTC", source="community")
    assert "the community pool is empty; using generated prompts" in await show_text(world)
    for text in (IDEA, "Two ghosts argue over who haunts the lighthouse."):
        await suggest(world.member, world.general, text)
        pending = await world.moderator.slash(world.general, "prompt pending")
        await world.moderator.click(pending.response, label="Approve")
    assert "community pool is empty" not in await show_text(world)
    start = env.now()
    await advance_to(world, datetime(2026, 1, 5, 12, 0, tzinfo=UTC))
    sources = ["suggested by" in m.content for m in daily_posts(world.writing)]
    assert sources == [True, True, False, False, False]  # Jan 1 … 5
    assert "the community pool is empty; using generated prompts" in await show_text(world)
    await advance_to(world, start + timedelta(days=33, hours=12))  # to Feb 3
    posts = daily_posts(world.writing)
    community = [m.content.split("\n")[1] for m in posts if "suggested by" in m.content]
    assert len(community) == 4  # each again once its 30 days were over
    first = [i for i, m in enumerate(posts) if "suggested by" in m.content]
    assert first[2] - first[0] >= 30 and first[3] - first[1] >= 30
    assert Counter(community)[community[0]] == 2


async def test_one_servers_community_prompts_never_appear_in_another(world: World) -> None:
    env = world.env
    other = make_world(env, "Second Server")
    await env.settle()
    await suggest(world.member, world.general, IDEA)
    pending = await world.moderator.slash(world.general, "prompt pending")
    await world.moderator.click(pending.response, label="Approve")
    nothing = await other.moderator.slash(other.general, "prompt pending")
    assert "No prompt suggestion is waiting" in nothing.response.content
    await daily_set(world, world.writing, timezone="UTC")
    await daily_set(other, other.writing, timezone="UTC", source="community")
    await advance_to(world, datetime(2026, 1, 3, 12, 0, tzinfo=UTC))
    assert "dragon" in daily_posts(world.writing)[0].content
    theirs = daily_posts(other.writing)
    assert len(theirs) == 3  # Jan 1, 2 and 3
    assert all("dragon" not in m.content and "suggested by" not in m.content for m in theirs)
    show = await other.moderator.slash(other.general, "daily show")
    assert "community pool is empty" in show.response.embeds[0].fields[0].value
    history = await other.member.slash(other.general, "prompt history")
    assert "community" not in history.response.embeds[0].description


async def test_a_community_prompt_whose_send_failed_is_retried_and_posted_once(
    world: World, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    env = world.env
    await suggest(world.member, world.general, IDEA, trope="soulmates")
    pending = await world.moderator.slash(world.general, "prompt pending")
    await world.moderator.click(pending.response, label="Approve")
    await daily_set(world, world.writing, timezone="UTC", source="community")
    # the first send lands but its answer is lost (a timeout after Discord made the
    # message); the bot restarts before the retry and must find the post, not repeat it
    path = f"/channels/{world.writing.id}/messages"
    lost = land_then_fail(monkeypatch, "POST", path)
    await advance_to(world, datetime(2026, 1, 1, 9, 0, 30, tzinfo=UTC))
    assert len(lost.hits) == 1, "the send landed and its answer was lost"
    assert len(daily_posts(world.writing)) == 1
    await restart(env, settings, 9)
    await advance_to(world, datetime(2026, 1, 1, 23, 0, tzinfo=UTC))  # retries long done
    [post] = daily_posts(world.writing)
    assert IDEA in post.content and "Soulmates" in post.content
    assert "suggested by" in post.content
    sends = [r for r in env.http_requests if r.method == "POST" and r.path == path]
    assert len(sends) == 1, "never sent a second time"
    history = await world.member.slash(world.writing, "prompt history")
    listing = history.response.embeds[0].description
    assert listing.count("community, suggested by") == 1
    assert history.response.embeds[0].footer.text == "The last daily prompt"
    await env.bot.release()


# -- what a channel is shown of past prompts and of suggestions ------------------------------

HARM = "She drags the razor blade across her wrist again and watches it bleed."


async def post_a_self_harm_prompt_in_writing(world: World) -> None:
    """Writing allows self-harm and posts the community prompt; general (which blocks it)
    gets a generated one, on Jan 1."""
    await world.moderator.slash(
        world.general, "config unblock", warning="self-harm", channel=world.writing
    )
    await suggest(world.member, world.writing, HARM)
    pending = await world.moderator.slash(world.general, "prompt pending")
    await world.moderator.click(pending.response, label="Approve")
    await daily_set(world, world.writing, timezone="UTC", source="community", thread=True)
    await daily_set(world, world.general, timezone="UTC", source="community")
    await advance_to(world, datetime(2026, 1, 1, 12, 0, tzinfo=UTC))
    [in_writing] = daily_posts(world.writing)
    assert "razor" in in_writing.content
    assert len(daily_posts(world.general)) == 1


async def test_history_hides_a_community_prompt_whose_warning_the_channel_blocks(
    world: World,
) -> None:
    await post_a_self_harm_prompt_in_writing(world)
    there = await world.member.slash(world.general, "prompt history")
    listing = there.response.embeds[0].description
    assert "razor" not in listing and "wrist" not in listing
    assert "(hidden here: contains Self-Harm)" in listing
    assert "community, suggested by" in listing  # still listed: the count stays honest
    assert there.response.embeds[0].footer.text == "The last 2 daily prompts"
    allowed = await world.member.slash(world.writing, "prompt history")
    listing = allowed.response.embeds[0].description
    assert "razor blade" in listing and "hidden here" not in listing
    assert allowed.response.embeds[0].footer.text == "The last 2 daily prompts"


async def test_daily_stats_hides_a_community_prompt_whose_warning_the_channel_blocks(
    world: World,
) -> None:
    await post_a_self_harm_prompt_in_writing(world)
    stats = await world.moderator.slash(world.general, "daily stats")
    listing = (stats.followups or [stats.response])[-1].embeds[0].description
    assert "razor" not in listing and "wrist" not in listing
    assert "(hidden here: contains Self-Harm)" in listing
    assert len([line for line in listing.split("\n") if line[:1].isdigit()]) == 2
    allowed = await world.moderator.slash(world.writing, "daily stats")
    listing = (allowed.followups or [allowed.response])[-1].embeds[0].description
    assert "razor blade" in listing and "hidden here" not in listing


async def test_a_suggestion_card_with_a_detected_warning_spoilers_the_text_and_names_it(
    world: World,
) -> None:
    mods = await queue(world)  # blocks self-harm, as every channel does by default
    await world.moderator.slash(
        world.general, "config unblock", warning="self-harm", channel=world.writing
    )
    await suggest(world.member, world.writing, HARM)
    await suggest(world.member, world.general, IDEA)
    harm_card, idea_card = cards(mods)
    assert harm_card.embeds[0].description == f"||{HARM}||"
    assert "Self-Harm" in harm_card.embeds[0].fields[-2].value
    assert idea_card.embeds[0].description == IDEA  # nothing detected: no spoiler bars
    pending = await world.moderator.slash(world.general, "prompt pending")
    assert pending.response.embeds[0].description == f"||{HARM}||"
    approved = await world.moderator.click(harm_card, label="Approve")
    assert not approved.ephemeral
    decided = current(mods, harm_card.id).embeds[0]
    assert decided.description == f"||{HARM}||" and "approved" in decided.fields[-1].value


SEXUAL = "They kiss, undress each other slowly and make love on the narrow bed for the first time."


async def test_an_age_restricted_channels_pool_counts_prompts_only_it_may_post(
    world: World,
) -> None:
    for channel in (world.after_dark, world.writing):  # writing is not age-restricted
        await world.moderator.slash(
            world.general, "config unblock", warning="sexual-content", channel=channel
        )
    taken = await suggest(world.member, world.after_dark, SEXUAL)
    assert "Thank you" in taken.response.content, taken.response.content
    pending = await world.moderator.slash(world.general, "prompt pending")
    assert "Sexual Content" in pending.response.embeds[0].fields[-2].value
    await world.moderator.click(pending.response, label="Approve")
    await daily_set(world, world.after_dark, timezone="UTC", source="community")
    await daily_set(world, world.writing, timezone="UTC", source="community")
    show = await world.moderator.slash(world.general, "daily show")
    rows = {f.name: f.value for f in show.response.embeds[0].fields}
    [after_dark] = [v for k, v in rows.items() if "after-dark" in k]
    [writing] = [v for k, v in rows.items() if "writing" in k]
    assert "community pool is empty" not in after_dark  # it takes the approved prompt
    assert "the community pool is empty; using generated prompts" in writing
    await advance_to(world, datetime(2026, 1, 1, 12, 0, tzinfo=UTC))
    [posted] = daily_posts(world.after_dark)
    assert "make love" in posted.content and "suggested by" in posted.content
    # and the history shows it only behind the age gate
    gated = await world.member.slash(world.after_dark, "prompt history")
    assert "make love" in gated.response.embeds[0].description
    outside = await world.member.slash(world.writing, "prompt history")
    listing = outside.response.embeds[0].description
    assert "make love" not in listing and "(hidden here: contains Sexual Content)" in listing
