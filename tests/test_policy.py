"""The content-safety policy, exhaustively: every policy × passage combination."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.policy import (
    BUILTIN,
    CHANNEL,
    SERVER,
    PolicyLayer,
    Vocabulary,
    allows,
    content_warnings,
    describe,
    eligibility,
    may_quote,
    needs_age_gate,
    resolve,
)

RATINGS = ["general", "teen", "mature", "explicit", "not-rated"]
RANK = {"general": 0, "teen": 1, "mature": 2, "explicit": 3, "not-rated": 3}
WARNINGS = [
    "suicide",
    "self-harm",
    "violence",
    "death",
    "sexual-content",
    "sexual-assault",
    "abuse",
]
SEXUAL = frozenset({"sexual-content", "sexual-assault"})
VOCAB = Vocabulary(rating_ranks=RANK, explicit="explicit", sexual=SEXUAL)
DEFAULT = PolicyLayer(
    BUILTIN,
    max_rating="teen",
    spoilers=True,
    blocks={"suicide": True, "self-harm": True, "sexual-content": True, "sexual-assault": True},
)

warning_sets = st.frozensets(st.sampled_from(WARNINGS))
blocks = st.dictionaries(st.sampled_from(WARNINGS), st.booleans(), max_size=4)


def layer_of(name: str) -> st.SearchStrategy[PolicyLayer]:
    return st.builds(
        PolicyLayer,
        st.just(name),
        st.none() | st.sampled_from(RATINGS[:4]),
        st.none() | st.booleans(),
        blocks,
    )


@settings(max_examples=2000, deadline=None)
@given(
    server=layer_of(SERVER),
    channel=layer_of(CHANNEL),
    age=st.booleans(),
    rating=st.sampled_from(RATINGS),
    declared=warning_sets,
    detected=warning_sets,
)
def test_eligibility_is_exactly_the_spec(server, channel, age, rating, declared, detected) -> None:
    policy = resolve([DEFAULT, server, channel], age_restricted=age)
    elig = eligibility(policy, VOCAB)
    ok = allows(elig, VOCAB, rating=rating, declared=declared, detected=detected)

    # the spec, stated independently
    max_rating = channel.max_rating or server.max_rating or "teen"
    blocked = {w for w, b in DEFAULT.blocks.items() if b}
    for layer in (server, channel):
        for w, b in layer.blocks.items():
            (blocked.add if b else blocked.discard)(w)
    sexual = rating in ("explicit", "not-rated") or bool((declared | detected) & SEXUAL)
    expected = (
        RANK[rating] <= RANK[max_rating]
        and not (declared & blocked)
        and not (detected & blocked)
        and (age or not sexual)
    )
    assert ok == expected
    # what keeps a whole story out (prompt material): sexual content, outside the age gate
    assert elig.story_blocked == (frozenset() if age else SEXUAL)
    # the CW line of a passage (only ever posted when ok) names everything not blocked
    cws = content_warnings(policy, declared=declared, detected=detected)
    assert set(cws) == (declared | detected) - blocked


@settings(max_examples=300, deadline=None)
@given(server=layer_of(SERVER), channel=layer_of(CHANNEL))
def test_provenance_names_the_layer_that_set_each_part(server, channel) -> None:
    policy = resolve([DEFAULT, server, channel], age_restricted=False)
    expected_from = CHANNEL if channel.max_rating else SERVER if server.max_rating else BUILTIN
    assert policy.max_rating_from == expected_from
    for warning, source in policy.blocked_from.items():
        assert warning in policy.blocked
        layer = {BUILTIN: DEFAULT, SERVER: server, CHANNEL: channel}[source]
        assert layer.blocks[warning] is True


def test_sexual_content_never_outside_age_restricted_channels() -> None:
    wide_open = PolicyLayer(
        CHANNEL, max_rating="explicit", spoilers=False, blocks=dict.fromkeys(WARNINGS, False)
    )
    normal = eligibility(resolve([DEFAULT, wide_open], age_restricted=False), VOCAB)
    gated = eligibility(resolve([DEFAULT, wide_open], age_restricted=True), VOCAB)
    assert not allows(normal, VOCAB, rating="explicit", declared=(), detected=())
    assert not allows(normal, VOCAB, rating="teen", declared=(), detected={"sexual-content"})
    assert not allows(normal, VOCAB, rating="teen", declared={"sexual-assault"}, detected=())
    assert allows(gated, VOCAB, rating="explicit", declared={"sexual-content"}, detected=())


def test_describe_says_why() -> None:
    policy = resolve([DEFAULT], age_restricted=False)
    names = {"self-harm": "Self-Harm"}
    text = describe(policy, VOCAB, lambda slug: names.get(slug, slug))
    assert text.startswith("rating ≤ teen")
    assert "Self-Harm" in text and "suicide" in text
    assert "age-restricted" in text


@pytest.mark.parametrize(
    ("rating", "warnings", "gated"),
    [
        ("explicit", [], True),
        ("not-rated", [], True),
        ("teen", ["sexual-content"], True),
        ("mature", ["violence", "sexual-assault"], True),
        ("mature", ["violence"], False),
        ("general", [], False),
    ],
)
def test_story_text_behind_the_age_gate(rating: str, warnings: list[str], gated: bool) -> None:
    assert needs_age_gate(VOCAB, rating=rating, warnings=warnings) is gated
    outside = may_quote(VOCAB, age_restricted=False, rating=rating, warnings=warnings)
    assert outside is not gated
    assert may_quote(VOCAB, age_restricted=True, rating=rating, warnings=warnings)
    assert may_quote(VOCAB, age_restricted=False, private=True, rating=rating, warnings=warnings)
