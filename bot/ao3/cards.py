"""A linked work or series judged against a channel's policy: what its card may show."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.analysis.declared import parse_declared
from bot.analysis.taxonomy import Taxonomy
from bot.ao3.series import Series
from bot.policy import may_quote
from bot.readers.model import Story
from bot.services.config import PolicyView, vocabulary


@dataclass(frozen=True, slots=True)
class WorkCard:
    """A work card. `hidden` (a reason) means only the title and that reason may show;
    `cw` lists declared warnings the channel blocks: tags and summary go behind spoilers."""

    work_id: int
    story: Story
    rating: str  # display name ("Teen And Up Audiences")
    hidden: str | None = None
    cw: list[str] = field(default_factory=list)
    withheld: bool = False  # sexual content outside an age-restricted channel: no summary
    detected: list[str] | None = None  # after /library add: what detection found

    @property
    def url(self) -> str:
        return f"https://archiveofourown.org/works/{self.work_id}"


@dataclass(frozen=True, slots=True)
class SeriesLine:
    id: int
    title: str
    authors: list[str]
    rating: str
    words: str | None
    hidden: bool  # rated above the channel: title and rating only


@dataclass(frozen=True, slots=True)
class SeriesCard:
    series: Series
    works: list[SeriesLine]


def short_rating(name: str) -> str:
    """ "Teen And Up Audiences" → "Teen", "General Audiences" → "General"."""
    return name.removesuffix(" And Up Audiences").removesuffix(" Audiences")


def judge_work(work_id: int, story: Story, view: PolicyView, tax: Taxonomy) -> WorkCard:
    """What the channel may see of `story`'s card (declared facts only)."""
    declared = parse_declared(story, tax)
    slug = declared.rating or tax.rating_from_label("Not Rated") or tax.ratings[-1].slug
    rating = tax.entry(slug).name
    hidden = _over(slug, view, tax)
    blocked = [tax.display_name(w) for w in declared.warnings if w in view.eligibility.blocked]
    withheld = not may_quote(
        vocabulary(tax),
        age_restricted=view.policy.age_restricted,
        rating=slug,
        warnings=declared.warnings,
    )
    return WorkCard(work_id, story, rating, hidden, blocked, withheld)


def judge_series(series: Series, view: PolicyView, tax: Taxonomy) -> SeriesCard:
    lines = []
    for work in series.works:
        slug = tax.rating_from_label(work.rating_label) or tax.ratings[-1].slug
        lines.append(
            SeriesLine(
                work.id,
                work.title,
                work.authors,
                tax.entry(slug).name,
                work.words,
                _over(slug, view, tax) is not None,
            )
        )
    return SeriesCard(series, lines)


def _over(slug: str, view: PolicyView, tax: Taxonomy) -> str | None:
    """The reason a work rated `slug` is above this channel's maximum, else None."""
    max_rank = view.eligibility.max_rank
    if tax.rating_rank(slug) <= max_rank:
        return None
    allowed = next((r for r in tax.ratings if tax.rating_rank(r.slug) == max_rank), None)
    up_to = short_rating(allowed.name) if allowed else "General"
    return f"rated {short_rating(tax.entry(slug).name)}; this channel allows up to {up_to}"
