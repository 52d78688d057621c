"""Ground truth for end-to-end checks, computed straight from the story files.

It uses the readers and the analysis directly — not the store, the policy module or the
bot — so a bug in how the bot filters cannot hide itself.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from bot.analysis.analyze import analyze
from bot.paths import STORIES_DIR
from bot.readers import read_path, segment

_NON_WORD = re.compile(r"[^0-9a-z]+")


def squash(text: str) -> str:
    """Letters and digits only, lowercased: survives escaping and spoiler bars."""
    return _NON_WORD.sub("", text.casefold())


@dataclass(frozen=True)
class TruthPassage:
    key: str
    detected: frozenset[str]


@dataclass(frozen=True)
class TruthStory:
    title: str
    rating: str
    declared: frozenset[str]
    passages: tuple[TruthPassage, ...]


@cache
def library() -> dict[str, TruthStory]:
    out = {}
    for path in sorted(STORIES_DIR.iterdir()):
        story = read_path(path)
        passages = segment(story)
        result = analyze(story, passages)
        out[story.title] = TruthStory(
            title=story.title,
            rating=result.rating,
            declared=frozenset(result.warning_slugs("declared")),
            passages=tuple(
                TruthPassage(squash(p.text), frozenset(f.warnings))
                for p, f in zip(passages, result.passages, strict=True)
            ),
        )
    return out


def passage_for(title: str, posted: str) -> TruthPassage:
    """The passage of `title` whose text is the posted excerpt."""
    story = library()[title]
    key = squash(posted)
    matches = [p for p in story.passages if p.key and p.key in key]
    assert matches, f"posted text is no passage of {title!r}: {posted[:120]!r}"
    return max(matches, key=lambda p: len(p.key))
