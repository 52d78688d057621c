"""Looking things up: what a story contains, what a tag means, which stories match."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from rapidfuzz import fuzz, process, utils

from bot.analysis.characters import character_filter
from bot.analysis.taxonomy import Entry, Taxonomy
from bot.context import Where
from bot.errors import UserError
from bot.matching import MAX_CHOICES, Choice, fuzzy_names
from bot.policy import may_quote
from bot.services.config import ConfigService, vocabulary
from bot.store.library import LibraryStore
from bot.store.records import ReportQuote, StoryName, StoryRow

MAX_QUOTES = 3  # evidence quotes shown per warning


@dataclass(frozen=True, slots=True)
class WarningLine:
    """One warning of a story, as a reader sees it."""

    slug: str
    name: str
    source: str
    confidence: float
    quotes: list[ReportQuote]  # in story order, none repeated from an earlier warning
    see_above: list[ReportQuote] = field(default_factory=list)  # quoted under another one
    learned: bool = False  # found by the learned model alone: lower confidence


@dataclass(frozen=True, slots=True)
class StoryWarnings:
    story: StoryRow
    declared: list[WarningLine]
    detected: list[WarningLine]
    archive_warnings: list[str] = field(default_factory=list)  # display names
    withheld: bool = False  # evidence left out: this channel is not behind the age gate
    kept_out: list[tuple[str, list[int]]] = field(default_factory=list)  # reason, channel ids


@dataclass(frozen=True, slots=True)
class StoryCard:
    """A story for /story info and upload confirmations; `withheld`: no summary here."""

    story: StoryRow
    withheld: bool = False


@dataclass(frozen=True, slots=True)
class FoundStories:
    """/story find's answer; `hidden` stories are listed only behind the age gate."""

    stories: list[StoryRow]
    hidden: int = 0


@dataclass(frozen=True, slots=True)
class TermInfo:
    entry: Entry
    archive: list[str]  # names of AO3 archive warnings that imply this one
    implies: list[str]  # names of content warnings this (archive warning) implies


class LookupService:
    def __init__(
        self,
        library: LibraryStore,
        tax: Taxonomy,
        config: ConfigService | None = None,
    ) -> None:
        self.library = library
        self.tax = tax
        self.config = config
        self.vocab = vocabulary(tax)
        terms = tax.search_terms()
        self._term_labels = [label for label, _slug in terms]
        self._term_slugs = [slug for _label, slug in terms]
        self._term_keys = [utils.default_process(label) for label in self._term_labels]

    async def story(self, where: Where, found: StoryName) -> StoryRow:
        """The whole row of a story named in an option (see `DirectoryService.resolve`)."""
        story = await self.library.story(where.guild_id, found.id)
        if story is None:  # deleted between autocomplete and now
            raise UserError("That story is no longer in this server's library.")
        return story

    def may_quote(self, where: Where, story: StoryRow) -> bool:
        """Whether `story`'s own words may be shown where the command runs (policy.may_quote)."""
        return may_quote(
            self.vocab,
            age_restricted=where.age_restricted,
            private=where.private,
            rating=story.rating,
            warnings=story.report.warning_slugs,
        )

    def card_for(self, where: Where, story: StoryRow) -> StoryCard:
        return StoryCard(story, withheld=not self.may_quote(where, story))

    async def card(self, where: Where, found: StoryName) -> StoryCard:
        return self.card_for(where, await self.story(where, found))

    async def story_warnings(
        self, where: Where, found: StoryName, channels: Sequence[Where] = ()
    ) -> StoryWarnings:
        """The story's warnings with their evidence, and the `channels` (of this server)
        that keep the whole story out, with why."""
        story = await self.story(where, found)
        withheld = not self.may_quote(where, story)
        shown: dict[str, ReportQuote] = {}
        lines = []
        for w in story.report.warnings:
            quotes: list[ReportQuote] = []
            above: list[ReportQuote] = []
            if not withheld:
                quotes, above = _evidence(w.evidence, shown)
            lines.append(
                WarningLine(
                    w.slug,
                    self.tax.display_name(w.slug),
                    w.source,
                    w.confidence,
                    quotes,
                    above,
                    learned=w.learned,
                )
            )
        return StoryWarnings(
            story=story,
            declared=[w for w in lines if w.source == "declared"],
            detected=[w for w in lines if w.source == "detected"],
            archive_warnings=[self.tax.display_name(s) for s in story.report.archive_warnings],
            withheld=withheld,
            kept_out=await self.kept_out(story, channels),
        )

    async def kept_out(
        self, story: StoryRow, channels: Sequence[Where]
    ) -> list[tuple[str, list[int]]]:
        """(reason, channel ids) for the channels whose policy keeps the whole story out."""
        if self.config is None:
            return []
        declared = story.report.declared
        subjects = story.report.subjects - declared
        found = story.report.warning_slugs
        by_reason: dict[str, list[int]] = {}
        for channel in channels:
            elig = (await self.config.view(channel)).eligibility
            reasons = []
            if self.vocab.rank(story.rating) > elig.max_rank:
                reasons.append(f"rated {story.rating}")
            if names := sorted(map(self.tax.display_name, declared & elig.blocked)):
                reasons.append(f"declares {', '.join(names)}")
            if names := sorted(map(self.tax.display_name, subjects & elig.blocked)):
                reasons.append(f"its subject is {', '.join(names)} (detected)")
            if (found & elig.story_blocked) - declared - subjects:
                reasons.append("sexual content outside an age-restricted channel")
            if reasons:
                by_reason.setdefault("; ".join(reasons), []).append(channel.channel_id)
        return sorted(by_reason.items(), key=lambda kv: -len(kv[1]))

    def term(self, slug: str) -> TermInfo:
        """What a term means (`slug`: see `Taxonomy.require`), and its archive warnings."""
        entry = self.tax.entry(slug)
        archive = [a.name for a in self.tax.archive_warnings if slug in a.implies]
        implies = [self.tax.display_name(s) for s in entry.implies]
        return TermInfo(entry, archive, implies)

    def term_choices(
        self,
        current: str,
        kinds: tuple[str, ...] = ("warning", "archive-warning", "trope", "glossary"),
    ) -> list[Choice]:
        """Autocomplete over slugs, names and aliases: ≤ 25, one per entry, best first."""
        query = utils.default_process(current)
        seen: set[str] = set()
        out: list[Choice] = []
        if query:
            hits = process.extract(
                query,
                self._term_keys,
                scorer=fuzz.WRatio,
                processor=None,
                limit=200,
                score_cutoff=55,
            )
            order = [i for _k, _s, i in hits]
        else:
            order = list(range(len(self._term_keys)))
        for i in order:
            slug = self._term_slugs[i]
            entry = self.tax.lookup(slug)
            if slug in seen or entry is None or entry.kind not in kinds:
                continue
            seen.add(slug)
            label = self._term_labels[i]
            shown = (
                entry.name
                if label.casefold() == entry.name.casefold()
                else f"{label} ({entry.name})"
            )
            out.append(Choice(shown[:100], slug))
            if len(out) == MAX_CHOICES:
                break
        return out

    async def find(
        self,
        where: Where,
        *,
        query: str | None,
        trope: str | None,
        character: str | None,
        exclude: str | None,
        max_rating: str | None,
    ) -> FoundStories:
        """Stories matching the options (`trope`, `exclude`, `max_rating`: slugs, see
        `Taxonomy.require`; `character` as `character` resolved it) that may be listed here."""
        exclude_slugs = [exclude, *self.tax.entry(exclude).implies] if exclude else []
        max_rank = self.tax.rating_rank(max_rating) if max_rating else None
        stories = await self.library.find_stories(
            where.guild_id,
            query=query or None,
            trope=trope,
            character=character,
            exclude=exclude_slugs,
            max_rank=max_rank,
        )
        shown = [s for s in stories if self.may_quote(where, s)]
        return FoundStories(shown, hidden=len(stories) - len(shown))

    async def character_choices(self, guild_id: int, current: str) -> list[Choice]:
        """Autocomplete over the characters of the guild's stories, best match first."""
        names = await self.library.characters(guild_id)
        return [Choice(n, n) for n in fuzzy_names(current, names)]

    async def character(self, guild_id: int, text: str) -> str:
        """The character a person named, as stories store it (see `character_filter`)."""
        known = await self.library.story_characters(guild_id)
        return character_filter(text, known, self.tax)


def _evidence(
    evidence: Iterable[ReportQuote], shown: dict[str, ReportQuote]
) -> tuple[list[ReportQuote], list[ReportQuote]]:
    """A warning's quotes, each text once: new ones (the analyser's first MAX_QUOTES, recorded
    in `shown`) and those already quoted under an earlier warning; both in story order."""
    new: list[ReportQuote] = []
    above: list[ReportQuote] = []
    seen: set[str] = set()
    for q in evidence:
        key = " ".join(q.quote.split()).casefold()
        if key in seen:
            continue
        seen.add(key)
        if key in shown:
            above.append(shown[key])
        elif len(new) < MAX_QUOTES:
            shown[key] = q
            new.append(q)
    return sorted(new, key=_place), sorted(above, key=_place)


def _place(q: ReportQuote) -> tuple[int, int]:
    return (q.chapter, q.line)
