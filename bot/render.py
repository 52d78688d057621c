"""Discord presentation: embeds, CW lines, spoilers, escaping and every length limit.

Nothing here decides *what* may be posted (that is bot.policy); it decides how. Story
text is always escaped (markdown and mentions) before it is wrapped, so `||` or `**`
inside a story cannot break a spoiler, and every send uses `NO_PINGS`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime

import discord

from bot.ao3.cards import SeriesCard, WorkCard
from bot.markup import clip, echo, escape, number, unescape
from bot.services.daily import PastPost, PostStats, ScheduleView
from bot.services.excerpts import Excerpt, MoreContext, Skipped
from bot.services.lookups import FoundStories, StoryCard, StoryWarnings, TermInfo, WarningLine
from bot.services.reports import DECISION_NAMES, REASONS, ReportPage
from bot.services.suggestions import COMMUNITY, DECISIONS
from bot.store.config import ChangeRow
from bot.store.daily import PostedRow
from bot.store.records import ReportQuote
from bot.store.reports import OPEN, ReportRow
from bot.store.suggestions import OPEN as SUGGESTION_OPEN
from bot.store.suggestions import SuggestionRow

__all__ = ["clip", "echo", "escape", "number", "unescape"]

CONTENT_LIMIT = 2000
TITLE_LIMIT = 256
DESCRIPTION_LIMIT = 4096
FIELD_NAME_LIMIT = 256
FIELD_LIMIT = 1024
FOOTER_LIMIT = 2048
AUTHOR_LIMIT = 256
EMBED_TOTAL_LIMIT = 6000
MAX_FIELDS = 25

NameOf = Callable[[str], str]  # a slug's display name (Taxonomy.display_name)

NO_PINGS = discord.AllowedMentions.none()
COLOUR = discord.Colour.from_rgb(143, 89, 168)


GATED = "evidence shown only in age-restricted channels or privately, in a DM with me"
GATED_SUMMARY = "summary shown only in age-restricted channels or privately, in a DM with me"
WITHHELD = "(quotes not shown here: see above)"
UNDELIVERED = "Sorry, I couldn't show that answer here."


def spoiler(text: str) -> str:
    return f"||{text}||"


def content(text: str) -> str:
    """A plain message body within Discord's 2000 characters."""
    return clip(text, CONTENT_LIMIT)


def fit(embed: discord.Embed) -> discord.Embed:
    """Enforce every embed limit, trimming fields then the description to the 6000 total."""
    if embed.title:
        embed.title = clip(embed.title, TITLE_LIMIT)
    if embed.description:
        embed.description = clip(embed.description, DESCRIPTION_LIMIT)
    fields = embed.fields[:MAX_FIELDS]
    embed.clear_fields()
    for f in fields:
        embed.add_field(
            name=clip(f.name or "\u200b", FIELD_NAME_LIMIT),
            value=clip(f.value or "\u200b", FIELD_LIMIT),
            inline=bool(f.inline),
        )
    if embed.footer.text:
        embed.set_footer(text=clip(embed.footer.text, FOOTER_LIMIT))
    if embed.author.name:
        embed.set_author(name=clip(embed.author.name, AUTHOR_LIMIT), url=embed.author.url)
    while len(embed) > EMBED_TOTAL_LIMIT and embed.fields:
        embed.remove_field(len(embed.fields) - 1)
    if len(embed) > EMBED_TOTAL_LIMIT and embed.description:
        over = len(embed) - EMBED_TOTAL_LIMIT
        embed.description = clip(embed.description, max(1, len(embed.description) - over - 1))
    return embed


def _embed(title: str, *, url: str | None = None, description: str | None = None) -> discord.Embed:
    return discord.Embed(
        title=clip(title, TITLE_LIMIT), url=url, description=description, colour=COLOUR
    )


def _names(items: Iterable[str], empty: str = "—") -> str:
    joined = ", ".join(escape(i) for i in items)
    return joined or empty


# -- excerpts ------------------------------------------------------------------------------


def excerpt(ex: Excerpt) -> discord.Embed:
    """An excerpt: title, author, chapter, rating, link; CW line and spoilers per policy."""
    story, passage = ex.story, ex.passage
    body = escape(passage.text)
    lines: list[str] = []
    if ex.warnings:
        lines.append(f"**CW: {', '.join(ex.warnings)}**")
        if ex.spoilers:
            body = spoiler(body)
    budget = DESCRIPTION_LIMIT - sum(len(x) + 2 for x in lines) - 4
    if len(body) > budget:  # segmentation keeps passages short; this is a last resort
        inner = clip(escape(passage.text), budget - 4)
        body = spoiler(inner) if ex.warnings and ex.spoilers else inner
    lines.append(body)
    embed = _embed(escape(story.title), url=story.url, description="\n\n".join(lines))
    embed.set_author(name=f"by {', '.join(story.authors) or 'Anonymous'}")
    chapter = f"Chapter {number(passage.chapter)}"
    if ex.chapter_title and ex.chapter_count > 1:
        chapter += f": {ex.chapter_title}"
    embed.set_footer(text=f"{chapter} · rated {story.rating} · {story.words:,} words")
    return fit(embed)


# -- warnings ------------------------------------------------------------------------------


def _where(q: ReportQuote) -> str:
    line = number(q.line)
    return f"ch. {number(q.chapter)}, line {line}" if q.chapter else f"line {line}"


def _quotes(line: WarningLine, withheld: bool) -> str:
    """A warning's evidence, each quote whole inside its spoiler and within a field."""
    if withheld:
        return WITHHELD
    out: list[str] = []
    size = 0
    for q in line.quotes:
        text = f"> {spoiler(clip(escape(q.quote), 300))} ({_where(q)})"
        if size + len(text) + 1 > FIELD_LIMIT - 80:  # room for the "quoted above" line
            break
        out.append(text)
        size += len(text) + 1
    if line.see_above:
        lead = "(also the line quoted above: " if out else "(the line quoted above: "
        out.append(lead + "; ".join(map(_where, line.see_above)) + ")")
    if out:
        return "\n".join(out)
    if line.source == "declared":
        return "(declared in the story's tags)"
    return "(spread through the text rather than in one line)"


def story_warnings(report: StoryWarnings) -> discord.Embed:
    """Declared and detected warnings apart, evidence quotes in spoilers (or withheld)."""
    story = report.story
    embed = _embed(f"Content warnings: {escape(story.title)}", url=story.url)
    embed.description = (
        f"by {escape(story.byline)} · rated **{escape(story.rating)}**"
        f"{' (estimated)' if story.rating_source == 'estimated' else ''}"
    )
    if report.withheld:
        embed.description += f"\nWarnings only: {GATED}."
    if report.archive_warnings:
        embed.add_field(
            name="AO3 archive warnings", value=_names(report.archive_warnings), inline=False
        )
    if report.declared:
        embed.add_field(
            name="Declared by the author",
            value="\n".join(f"• **{escape(w.name)}**" for w in report.declared),
            inline=False,
        )
    else:
        embed.add_field(name="Declared by the author", value="none declared", inline=False)
    if report.detected:
        for w in report.detected:
            how = "learned model only, lower confidence" if w.learned else "confidence"
            embed.add_field(
                name=f"Detected: {escape(w.name)} ({how} {w.confidence:.0%})",
                value=_quotes(w, report.withheld),
                inline=False,
            )
    else:
        embed.add_field(name="Detected in the text", value="nothing detected", inline=False)
    for reason, channels in report.kept_out:
        embed.add_field(
            name="Kept out of",
            value=f"{', '.join(f'<#{c}>' for c in channels)}: {escape(reason)}",
            inline=False,
        )
    embed.set_footer(text="Detection can miss things or be wrong: the quotes let you judge.")
    return fit(embed)


def term(info: TermInfo) -> discord.Embed:
    entry = info.entry
    embed = _embed(f"{entry.name} ({entry.slug})", description=escape(entry.definition))
    kind = {"warning": "content warning", "archive-warning": "AO3 archive warning"}.get(
        entry.kind, entry.kind
    )
    embed.add_field(name="Kind", value=kind, inline=True)
    if entry.aliases:
        embed.add_field(name="Also written as", value=_names(entry.aliases[:20]), inline=False)
    ao3 = getattr(entry, "ao3", None)
    if ao3:
        embed.add_field(name="On AO3", value=escape(ao3), inline=False)
    if info.archive:
        embed.add_field(
            name="Implied by AO3 archive warning", value=_names(info.archive), inline=False
        )
    if info.implies:
        embed.add_field(name="Covers", value=_names(info.implies), inline=False)
    return fit(embed)


# -- stories ---------------------------------------------------------------------------------


def story_info(card: StoryCard, name_of: NameOf) -> discord.Embed:
    """A story's card; behind the age gate only, its summary (the author's own words)."""
    story = card.story
    report = story.report
    embed = _embed(escape(story.title), url=story.url)
    summary = report.summary
    if card.withheld:
        embed.description = f"({GATED_SUMMARY})" if summary else None
    else:
        embed.description = escape(summary) if summary else None
    embed.set_author(name=f"by {story.byline}")
    rating = story.rating + (" (estimated)" if story.rating_source == "estimated" else "")
    embed.add_field(name="Rating", value=escape(rating), inline=True)
    embed.add_field(name="Words", value=number(story.words), inline=True)
    embed.add_field(name="Chapters", value=number(len(report.chapters)), inline=True)
    if story.fandoms:
        embed.add_field(name="Fandoms", value=_names(story.fandoms), inline=False)
    if story.relationships:
        embed.add_field(name="Relationships", value=_names(story.relationships), inline=False)
    if story.characters:
        embed.add_field(name="Characters", value=_names(story.characters), inline=False)
    tropes = [name_of(t.slug) for t in report.tropes]
    if tropes:
        embed.add_field(name="Tropes", value=_names(tropes), inline=False)
    warnings = [
        name_of(w.slug) + (" (detected)" if w.source == "detected" else "") for w in report.warnings
    ]
    embed.add_field(name="Warnings", value=_names(warnings, "none found"), inline=False)
    return fit(embed)


def story_list(found: FoundStories, heading: str) -> discord.Embed:
    embed = _embed(heading)
    hidden = ""
    if found.hidden:
        n = found.hidden
        hidden = (
            f"{number(n)} {'story' if n == 1 else 'stories'} with sexual content or rated "
            "explicit listed only in age-restricted channels."
        )
        embed.set_footer(text=hidden)
    if not found.stories:
        embed.description = "No story in this server's library matches" + (
            " that may be listed here." if hidden else "."
        )
        return fit(embed)
    lines = [
        f"**{escape(s.title)}** by {escape(s.byline)} · {escape(s.rating)} · "
        f"{number(s.words)} words"
        for s in found.stories
    ]
    embed.description = "\n".join(f"{i}. {line}" for i, line in enumerate(lines, 1))
    return fit(embed)


def uploaded(card: StoryCard, passages: int, name_of: NameOf) -> discord.Embed:
    embed = story_info(card, name_of)
    embed.title = clip(f"Added: {embed.title}", TITLE_LIMIT)
    embed.add_field(name="Passages", value=number(passages), inline=True)
    embed.set_footer(text="Only this server can see this story.")
    return fit(embed)


# -- configuration ---------------------------------------------------------------------------


def config_show(
    channel_label: str,
    summary: str,
    parts: Sequence[tuple[str, str]],
    changes: Sequence[ChangeRow],
    notes: Sequence[str],
) -> discord.Embed:
    embed = _embed(f"Posting policy: {channel_label}", description=summary)
    for name, value in parts:
        embed.add_field(name=name, value=value, inline=False)
    for note in notes:
        embed.add_field(name="Note", value=note, inline=False)
    if changes:
        lines = [
            f"<t:{_ts(c.at)}:R> <@{c.user_id}> "
            f"{'in <#' + str(c.channel_id) + '>' if c.channel_id else 'server-wide'}: {c.change}"
            for c in changes
        ]
        embed.add_field(name="Last changes", value="\n".join(lines), inline=False)
    return fit(embed)


def _ts(iso: str) -> int:
    return int(datetime.fromisoformat(iso).timestamp())


def timestamp(when: datetime, style: str = "F") -> str:
    return f"<t:{int(when.timestamp())}:{style}>"


# -- prompts ---------------------------------------------------------------------------------


def prompt(text: str, trope_name: str | None) -> discord.Embed:
    embed = _embed("Writing prompt", description=escape(text))
    if trope_name:
        embed.set_footer(text=f"Trope: {trope_name}")
    return fit(embed)


def daily_prompt(
    text: str, trope_name: str | None, role_id: int | None, credit: str | None = None
) -> str:
    """The daily post's content: the role ping (if configured), the prompt, and for a
    member's prompt its credit — a name, escaped, never a mention."""
    head = f"<@&{role_id}> " if role_id else ""
    trope = f" · {escape(trope_name)}" if trope_name else ""
    body = f"{head}**Daily writing prompt**{trope}\n{escape(text)}"
    if credit:
        body += f"\n*suggested by {escape(credit)}*"
    return content(body)


def is_daily_prompt(
    message: str, text: str, trope_name: str | None, credit: str | None = None
) -> bool:
    """Whether `message` is the daily post of this prompt, whatever role it pinged (the
    schedule's role may have changed since that post was sent)."""
    bare = daily_prompt(text, trope_name, None, credit)
    return message == bare or re.fullmatch(r"<@&\d+> " + re.escape(bare), message) is not None


THREAD_NAME_LIMIT = 100


def thread_name(text: str) -> str:
    """A response thread's name, from its prompt (Discord allows 100 characters)."""
    flat = " ".join(text.split())
    return clip(flat, THREAD_NAME_LIMIT - 10) or "Responses"


def _rule_line(rule: str, thread: bool, source: str) -> str:
    parts = [rule]
    if thread:
        parts.append("a thread per post")
    parts.append(f"prompts: {source}")
    return " · ".join(parts)


def daily_mentions(role_id: int | None) -> discord.AllowedMentions:
    """Only the configured role may be pinged; nothing else, ever."""
    if role_id is None:
        return NO_PINGS
    return discord.AllowedMentions(everyone=False, users=False, roles=[discord.Object(role_id)])


def daily_set(channel: str, view: ScheduleView, role: str | None) -> str:
    """The answer to /daily set (`channel` and `role` as mentions)."""
    s = view.schedule
    nxt = timestamp(view.next_post) if view.next_post else "—"
    ping = f", pinging {role}" if role else ""
    note = f"\n{view.note}" if view.note else ""
    extra = "".join(f"\n{n}" for n in view.notes)
    return (
        f"Daily prompt set: {channel} at {s.at_time} ({s.timezone}){ping}, "
        f"{_rule_line(view.rule, s.thread, s.source)}. Next post: {nxt}.{note}{extra}"
    )


def daily_schedules(
    views: Sequence[ScheduleView], channel_name: Callable[[int], str]
) -> discord.Embed:
    """/daily show: each schedule, its options and when it posts next (or why it is paused)."""
    embed = _embed("Daily prompts")
    if not views:
        embed.description = "No daily prompt is set up. Use /daily set."
    for v in views:
        s = v.schedule
        parts = [f"{s.at_time} {s.timezone}"]
        if s.trope:
            parts.append(f"trope: {s.trope}")
        if s.role_id:
            parts.append(f"pings <@&{s.role_id}>")
        parts.append(_rule_line(v.rule, s.thread, s.source))
        state = (
            f"**paused**: {s.paused}"
            if s.paused
            else ("next: " + ", ".join(timestamp(t) for t in v.upcoming) if v.upcoming else "")
        )
        notes = "".join(f"\n⚠ {n}" for n in v.notes)
        embed.add_field(
            name=f"#{channel_name(s.channel_id)}",
            value=" · ".join(parts) + "\n" + state + notes,
            inline=False,
        )
    return fit(embed)


def _source(post: PostedRow) -> str:
    if post.source == COMMUNITY:
        return f"community, suggested by {escape(post.credit or 'a member')}"
    return post.source


def _posted_text(post: PostedRow, hidden: frozenset[str], name_of: NameOf) -> str:
    """A posted prompt's quoted line; only which warnings it carries where they are blocked."""
    if hidden:
        return f"> (hidden here: contains {', '.join(map(name_of, sorted(hidden)))})"
    return f"> {clip(escape(' '.join(post.text.split())), 110)}"


NO_POSTS_YET = "No daily prompt has been posted in this server yet."


def prompt_history(posts: Sequence[PastPost], name_of: NameOf) -> discord.Embed:
    """/prompt history: the last posted daily prompts, newest first, with their source; a
    prompt whose warnings this channel blocks is listed without its text."""
    if not posts:
        return fit(_embed("Posted prompts", description=NO_POSTS_YET))
    embed = _embed("Posted prompts")
    lines = [
        f"<t:{_ts(p.post.sent_at)}:d> · {_source(p.post)}\n"
        f"{_posted_text(p.post, p.hidden, name_of)}"
        for p in posts
    ]
    embed.description = _lines_within(lines, DESCRIPTION_LIMIT)
    n = len(posts)
    embed.set_footer(text="The last daily prompt" if n == 1 else f"The last {n} daily prompts")
    return fit(embed)


def daily_stats(stats: Sequence[PostStats], name_of: NameOf) -> discord.Embed:
    """/daily stats: the last 14 posts by replies (their thread's messages), most first; a
    prompt whose warnings this channel blocks is listed without its text."""
    if not stats:
        return fit(_embed("Daily prompts: replies", description=NO_POSTS_YET))
    embed = _embed("Daily prompts: replies")
    lines = []
    for i, st in enumerate(stats, 1):
        p = st.post
        if st.replies is None:
            count = "no thread"
        else:
            count = f"{number(st.replies)} repl{'y' if st.replies == 1 else 'ies'}"
        lines.append(
            f"{i}. **{count}** · <t:{_ts(p.sent_at)}:d> · <#{p.channel_id}>\n"
            f"{_posted_text(p, st.hidden, name_of)}"
        )
    embed.description = _lines_within(lines, DESCRIPTION_LIMIT)
    embed.set_footer(text="Replies are the messages in each post's thread.")
    return fit(embed)


def _lines_within(lines: Sequence[str], limit: int) -> str:
    out: list[str] = []
    size = 0
    for line in lines:
        if size + len(line) + 1 > limit:
            break
        out.append(line)
        size += len(line) + 1
    return "\n".join(out)


# -- community prompts -------------------------------------------------------------------------


def suggestion_card(row: SuggestionRow, name_of: NameOf) -> discord.Embed:
    """A suggested prompt in the moderators' queue; once decided, who decided what. Text in
    which a warning was detected is in spoiler bars (the queue channel may block it), with
    the warnings named, as a report's passage is."""
    body = escape(row.text)
    if row.warning_set:
        body = spoiler(clip(body, DESCRIPTION_LIMIT - 8))
    embed = _embed(f"Prompt suggestion #{row.id}", description=body)
    embed.add_field(name="Suggested by", value=f"<@{row.user_id}> ({escape(row.author_name)})")
    if row.trope:
        embed.add_field(name="Trope", value=escape(name_of(row.trope)))
    if row.warning_set:
        found = ", ".join(map(name_of, sorted(row.warning_set)))
        embed.add_field(
            name="Detected", value=f"{found} (kept out of channels that block it)", inline=False
        )
    embed.add_field(name="When", value=f"<t:{_ts(row.suggested_at)}:f>")
    if row.status == SUGGESTION_OPEN:
        embed.set_footer(text="Approve to add it to this server's daily prompt rotation.")
    else:
        what = DECISIONS.get(row.status, row.status)
        when = f" <t:{_ts(row.decided_at)}:f>" if row.decided_at else ""
        reason = f"\nReason: {escape(row.reason)}" if row.reason else ""
        embed.add_field(
            name="Decision", value=f"<@{row.decided_by}> {what}{when}{reason}", inline=False
        )
    return fit(embed)


def suggestion_received(queued: bool) -> str:
    where = (
        "The moderators will look at it in their queue"
        if queued
        else "It waits for the moderators (they see it with /prompt pending)"
    )
    return (
        f"Thank you! Your prompt suggestion is in. {where}; once approved, it joins this "
        "server's daily prompts, credited to your name."
    )


def suggestion_rejected(row: SuggestionRow, server: str) -> str:
    """What the suggester is told when moderators reject their prompt."""
    reason = f" Their reason: {escape(row.reason)}" if row.reason else ""
    return content(
        f"Your prompt suggestion in {escape(server)} was not added to the daily prompts."
        f"{reason}\n> {clip(escape(row.text), 300)}"
    )


# -- AO3 cards -------------------------------------------------------------------------------


def ao3_work(card: WorkCard) -> discord.Embed:
    """A linked work: everything its card may show in this channel (see bot.ao3.cards)."""
    story = card.story
    title = escape(story.title)
    if card.hidden:
        return fit(_embed(title, description=f"Not shown here: {card.hidden}."))
    embed = _embed(title, url=card.url)
    embed.set_author(name=clip(f"by {', '.join(story.authors) or 'Anonymous'}", AUTHOR_LIMIT))
    veiled = bool(card.cw)

    def tags(items: Sequence[str], hide: bool) -> str:
        text = clip(_names(items), FIELD_LIMIT - 4)
        return spoiler(text) if hide and items else text

    lines = [f"**CW: {', '.join(card.cw)}**"] if veiled else []
    if story.summary_text and card.withheld:
        lines.append(f"({GATED_SUMMARY})")
    elif story.summary_text:
        summary = clip(escape(story.summary_text), DESCRIPTION_LIMIT - 300)
        lines.append(spoiler(summary) if veiled else summary)
    embed.description = "\n\n".join(lines) or None
    chapters = (story.chapters_posted_of_total or "").removeprefix("Chapters: ")
    words = story.declared_words if story.declared_words is not None else story.words
    embed.add_field(name="Rating", value=card.rating, inline=True)
    embed.add_field(name="Words", value=f"{words:,}", inline=True)
    embed.add_field(name="Chapters", value=chapters or str(len(story.chapters)), inline=True)
    embed.add_field(
        name="Archive warnings", value=tags(story.archive_warning_labels, veiled), inline=False
    )
    embed.add_field(name="Fandoms", value=tags(story.fandoms, False), inline=False)
    if story.relationships:
        embed.add_field(name="Relationships", value=tags(story.relationships, False), inline=False)
    if story.characters:
        embed.add_field(name="Characters", value=tags(story.characters, False), inline=False)
    if story.additional_tags:
        embed.add_field(name="Tags", value=tags(story.additional_tags, veiled), inline=False)
    if story.series:
        embed.add_field(name="Series", value=_names(story.series), inline=False)
    if card.detected is not None:
        found = ", ".join(card.detected) or "nothing detected"
        embed.add_field(name="Detected in the text", value=found, inline=False)
    embed.set_footer(text="From AO3 · nothing here is stored unless a moderator adds it")
    return fit(embed)


def ao3_series(card: SeriesCard) -> discord.Embed:
    """A linked series: its works, each with the link that adds it."""
    series = card.series
    embed = _embed(f"Series: {escape(series.title)}", url=series.url)
    if series.creators:
        embed.set_author(name=clip(f"by {', '.join(series.creators)}", AUTHOR_LIMIT))
    lines = []
    for i, work in enumerate(card.works, 1):
        link = f"https://archiveofourown.org/works/{work.id}"
        if work.hidden:
            lines.append(f"{i}. **{escape(work.title)}** · rated {work.rating}: not shown here")
            continue
        words = f" · {work.words} words" if work.words else ""
        lines.append(
            f"{i}. **{escape(work.title)}** by {_names(work.authors)} · {work.rating}{words}\n"
            f"   {link}"
        )
    embed.description = "\n".join(lines) or "This series lists no works I can see."
    embed.set_footer(text="Add a work with /library add url:<its link>")
    return fit(embed)


# -- buttons, reports and the moderator queue (additive) ------------------------------------


def excerpt_reported() -> discord.Embed:
    """What a reported excerpt's message becomes: its text gone for everyone."""
    return _embed(
        "Passage hidden after a report",
        description="A reader reported this passage; it is hidden in this server until a "
        "moderator has looked at it.",
    )


def context(ctx: MoreContext) -> tuple[str, list[discord.Embed]]:
    """More context: the passages around one (each cleared for this channel), and a line
    for each one left out."""
    lines: list[str] = []
    embeds: list[discord.Embed] = []
    for side, item in (("Before", ctx.before), ("After", ctx.after)):
        if item is None:
            lines.append(
                f"{side}: {'this is where the story starts' if side == 'Before' else 'the end.'}"
            )
        elif isinstance(item, Skipped):
            lines.append(escape(item.message))
        else:
            embed = excerpt(item)
            embed.title = clip(f"{side} · {embed.title}", TITLE_LIMIT)
            embeds.append(fit(embed))
    return content("\n".join(lines)), embeds


def _reason_line(report: ReportRow, name_of: NameOf) -> str:
    reason = REASONS.get(report.reason, report.reason)
    if report.warning:
        reason += f": {name_of(report.warning)}"
    return reason


def report_card(report: ReportRow, name_of: NameOf) -> discord.Embed:
    """A report in the moderators' queue: the passage in spoiler bars, its story, the reason,
    the reporter, a jump link; once decided, who decided what and when."""
    body = spoiler(clip(escape(report.passage_text), DESCRIPTION_LIMIT - 8))
    embed = _embed(f"Report #{report.id}: {escape(report.story_title)}", description=body)
    embed.add_field(name="Reason", value=_reason_line(report, name_of), inline=False)
    if report.comment:
        embed.add_field(name="Comment", value=escape(report.comment), inline=False)
    embed.add_field(name="Reported by", value=f"<@{report.reporter_id}>", inline=True)
    embed.add_field(name="When", value=f"<t:{_ts(report.reported_at)}:f>", inline=True)
    if report.message_link:
        embed.add_field(name="Message", value=f"[Jump to it]({report.message_link})", inline=True)
    if report.status == OPEN:
        embed.set_footer(text="Hidden in this server until a moderator decides.")
    else:
        what = DECISION_NAMES.get(report.status, report.status)
        if report.added_warning and report.warning:
            what += f", adding {name_of(report.warning)} here"
        when = f"<t:{_ts(report.decided_at)}:f>" if report.decided_at else ""
        embed.add_field(
            name="Decision", value=f"<@{report.decided_by}> {what} {when}".strip(), inline=False
        )
    return fit(embed)


def report_list(page: ReportPage, name_of: NameOf) -> discord.Embed:
    """One page of the open reports."""
    embed = _embed(f"Open reports ({page.total})")
    if not page.reports:
        embed.description = "No open report: nothing is waiting for a decision."
        return fit(embed)
    for r in page.reports:
        link = f" · [message]({r.message_link})" if r.message_link else ""
        embed.add_field(
            name=clip(f"#{r.id} · {escape(r.story_title)}", FIELD_NAME_LIMIT),
            value=f"{_reason_line(r, name_of)} · <@{r.reporter_id}> · <t:{_ts(r.reported_at)}:R>"
            f"{link}\n> {spoiler(escape(clip(r.passage_text, 150)))}",
            inline=False,
        )
    embed.set_footer(text=f"Page {page.page + 1} of {page.pages}")
    return fit(embed)


def story_warnings_here(report: StoryWarnings, notes: Sequence[str]) -> discord.Embed:
    """`story_warnings` with what this server's reports and moderators changed."""
    embed = story_warnings(report)
    if notes:
        embed.insert_field_at(
            0, name="In this server", value="\n".join(f"• {n}" for n in notes), inline=False
        )
    return fit(embed)
