"""What may be posted where: the content-safety policy, in plain Python.

A channel's effective policy is built from layers — the built-in default, the server
default, the channel's override — each of which may set the max rating, spoilers, and
block or explicitly allow individual warnings. Every command that posts story text asks
this module, and the store filters on the `Eligibility` it computes: one filter type, from
the policy to the SQL.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

BUILTIN = "built-in default"
SERVER = "server default"
CHANNEL = "this channel"


@dataclass(frozen=True, slots=True)
class PolicyLayer:
    """One level of settings; None / absent means "inherit from the level above"."""

    name: str
    max_rating: str | None = None
    spoilers: bool | None = None
    blocks: Mapping[str, bool] = field(default_factory=dict)  # warning -> blocked?


@dataclass(frozen=True, slots=True)
class ChannelPolicy:
    """The effective policy of one channel, with where each part came from."""

    max_rating: str
    spoilers: bool
    blocked: frozenset[str]
    age_restricted: bool
    max_rating_from: str = BUILTIN
    spoilers_from: str = BUILTIN
    blocked_from: Mapping[str, str] = field(default_factory=dict)
    allowed_from: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Vocabulary:
    """The taxonomy facts the policy needs: rating order and which warnings are sexual."""

    rating_ranks: Mapping[str, int]
    explicit: str
    sexual: frozenset[str]

    def rank(self, rating: str) -> int:
        return self.rating_ranks[rating]


@dataclass(frozen=True, slots=True)
class Eligibility:
    """The filter a passage must pass in a channel, as the store applies it: the highest
    rating rank and the warnings to avoid (story-declared or detected in the passage)."""

    max_rank: int
    blocked: frozenset[str]
    # warnings that keep a whole story out, declared or detected in any passage: sexual
    # content outside the age gate (for what quotes no passage, like prompt material)
    story_blocked: frozenset[str] = frozenset()


def resolve(layers: Sequence[PolicyLayer], *, age_restricted: bool) -> ChannelPolicy:
    """Fold layers (built-in first, channel last) into the effective channel policy."""
    max_rating: str | None = None
    spoilers: bool | None = None
    max_from = spoilers_from = BUILTIN
    blocked_from: dict[str, str] = {}
    allowed_from: dict[str, str] = {}
    for layer in layers:
        if layer.max_rating is not None:
            max_rating, max_from = layer.max_rating, layer.name
        if layer.spoilers is not None:
            spoilers, spoilers_from = layer.spoilers, layer.name
        for warning, blocked in layer.blocks.items():
            if blocked:
                blocked_from[warning] = layer.name
                allowed_from.pop(warning, None)
            else:
                allowed_from[warning] = layer.name
                blocked_from.pop(warning, None)
    if max_rating is None or spoilers is None:
        raise ValueError("the first layer must set max_rating and spoilers (the built-in default)")
    return ChannelPolicy(
        max_rating=max_rating,
        spoilers=spoilers,
        blocked=frozenset(blocked_from),
        age_restricted=age_restricted,
        max_rating_from=max_from,
        spoilers_from=spoilers_from,
        blocked_from=blocked_from,
        allowed_from=allowed_from,
    )


def eligibility(policy: ChannelPolicy, vocab: Vocabulary) -> Eligibility:
    """The filter for `policy`: sexual content only ever in age-restricted channels."""
    max_rank = vocab.rank(policy.max_rating)
    blocked = set(policy.blocked)
    gate = not policy.age_restricted
    if gate:
        max_rank = min(max_rank, vocab.rank(vocab.explicit) - 1)
        blocked |= vocab.sexual
    return Eligibility(
        max_rank=max_rank,
        blocked=frozenset(blocked),
        story_blocked=vocab.sexual if gate else frozenset(),
    )


def allows(
    elig: Eligibility,
    vocab: Vocabulary,
    *,
    rating: str,
    declared: Iterable[str],
    detected: Iterable[str],
) -> bool:
    """Whether a passage (story rating, story-declared and passage-detected warnings) fits."""
    if vocab.rank(rating) > elig.max_rank:
        return False
    return elig.blocked.isdisjoint(declared) and elig.blocked.isdisjoint(detected)


def needs_age_gate(vocab: Vocabulary, *, rating: str, warnings: Iterable[str]) -> bool:
    """Whether a story's own words (quotes, summary) may appear only behind the age gate:
    rated explicit (or ranked with it, like not-rated) or carrying sexual content,
    declared or detected."""
    return vocab.rank(rating) >= vocab.rank(vocab.explicit) or not vocab.sexual.isdisjoint(warnings)


def may_quote(
    vocab: Vocabulary,
    *,
    age_restricted: bool,
    rating: str,
    warnings: Iterable[str],
    private: bool = False,
) -> bool:
    """Whether a story's text (evidence, summary) may be shown where a command runs: in an
    age-restricted channel or privately (a DM with the bot). Ephemeral replies count as
    the channel's: they show there."""
    return age_restricted or private or not needs_age_gate(vocab, rating=rating, warnings=warnings)


def content_warnings(
    policy: ChannelPolicy, *, declared: Iterable[str], detected: Iterable[str]
) -> list[str]:
    """The warnings a posted passage carries (for its `CW:` line), in a stable order."""
    return sorted((set(declared) | set(detected)) - policy.blocked)


def describe(policy: ChannelPolicy, vocab: Vocabulary, name_of: Callable[[str], str]) -> str:
    """One line a person reads: "rating ≤ teen, blocking suicide, self-harm …" (warnings by
    `name_of` their slug)."""
    elig = eligibility(policy, vocab)
    gate = not policy.age_restricted  # sexual content only behind the age gate
    shown_rating = policy.max_rating
    if gate and vocab.rank(policy.max_rating) >= vocab.rank(vocab.explicit):
        shown_rating = next(r for r, k in vocab.rating_ranks.items() if k == elig.max_rank)
    parts = [f"rating ≤ {shown_rating}"]
    if elig.blocked:
        parts.append("blocking " + ", ".join(name_of(s) for s in sorted(elig.blocked)))
    if gate:
        parts.append("no sexual content outside age-restricted channels")
    return "; ".join(parts)
