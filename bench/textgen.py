"""Synthetic prose: sentences of the bundled seed stories, recombined, plus a long tail of
invented words (names, places) so the full-text index sees a realistic vocabulary.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from functools import cache

from bot.paths import STORIES_DIR
from bot.readers import read_path

_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+(?=\S)")
_WORD = re.compile(r"[A-Za-z]{5,}")
_SYLLABLES = (
    "ka",
    "ri",
    "to",
    "mi",
    "sho",
    "na",
    "ze",
    "lu",
    "vor",
    "en",
    "ta",
    "shi",
    "ro",
    "ya",
    "ki",
    "hel",
    "dra",
    "mo",
    "su",
    "bel",
    "an",
    "tsu",
    "ga",
    "rin",
    "ve",
    "ha",
    "no",
    "qui",
    "fa",
    "os",
)
RARE_VOCABULARY = 200_000


@dataclass(frozen=True, slots=True)
class Corpus:
    """Sentences (with the paragraph lengths they came in) and frequent words of the seeds."""

    sentences: tuple[str, ...]
    paragraph_sizes: tuple[int, ...]
    words_by_frequency: tuple[str, ...]  # lower-case words of ≥ 5 letters, commonest first


@cache
def seed_corpus() -> Corpus:
    """The bundled stories (data/stories), cut into sentences."""
    sentences: list[str] = []
    sizes: list[int] = []
    counts: dict[str, int] = {}
    for path in sorted(STORIES_DIR.glob("*.txt")):
        story = read_path(path)
        for chapter in story.chapters:
            for paragraph in chapter.paragraphs:
                parts = [s for s in _SENTENCE_END.split(paragraph.text) if s.strip()]
                if not parts:
                    continue
                sentences.extend(parts)
                sizes.append(len(parts))
                for word in _WORD.findall(paragraph.text):
                    key = word.lower()
                    counts[key] = counts.get(key, 0) + 1
    ranked = sorted(counts, key=lambda w: (-counts[w], w))
    return Corpus(tuple(sentences), tuple(sizes), tuple(ranked))


@cache
def rare_word(k: int) -> str:
    """The k-th invented word (deterministic): four syllables, the rank's digits in base 30."""
    n = len(_SYLLABLES)
    m = (k * 104_729 + 7) % n**4  # a bijection of ranks, so common words differ in shape
    parts = [_SYLLABLES[(m // n**i) % n] for i in range(4)]
    word = "".join(parts)
    return word.capitalize() if k % 3 == 0 else word


def draw_rare(rng: random.Random) -> str:
    """An invented word, Zipf-like (log-uniform rank): a few common, most rare."""
    return rare_word(int(RARE_VOCABULARY ** rng.random()) - 1)


class Prose:
    """Paragraphs and passages of synthetic text, drawn from one rng."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.corpus = seed_corpus()

    def paragraph(self, rare: int = 0) -> str:
        rng, corpus = self.rng, self.corpus
        count = rng.choice(corpus.paragraph_sizes)
        parts = rng.choices(corpus.sentences, k=count)
        for _ in range(rare):
            i = rng.randrange(len(parts))
            words = parts[i].split(" ")
            words.insert(rng.randrange(len(words) + 1), draw_rare(rng))
            parts[i] = " ".join(words)
        return " ".join(parts)

    def passage(
        self, *, min_words: int = 80, max_words: int = 250, max_chars: int = 1800, rare: int = 0
    ) -> list[str]:
        """Paragraphs making one passage the way bot.readers.segment cuts them."""
        target = self.rng.randint(min_words, max_words)
        out: list[str] = []
        words = chars = 0
        while words < target:
            text = self.paragraph(rare if not out else 0)
            n = text.count(" ") + 1
            if out and (words + n > max_words or chars + len(text) + 2 > max_chars):
                break
            if not out and len(text) > max_chars:
                text = text[: text.rfind(" ", 0, max_chars)]
                n = text.count(" ") + 1
            out.append(text)
            words += n
            chars += len(text) + 2
        return out

    def title(self) -> str:
        """A few consecutive words of a sentence, AO3 style (often lower case)."""
        rng = self.rng
        for _ in range(20):
            words = re.findall(r"[\w'’]+", rng.choice(self.corpus.sentences))
            if len(words) >= 2:
                break
        size = rng.randint(2, min(7, max(2, len(words))))
        start = rng.randrange(max(1, len(words) - size + 1))
        title = " ".join(words[start : start + size])
        if rng.random() < 0.15:
            title += f" {draw_rare(rng)}"
        return title.lower() if rng.random() < 0.4 else title.title()

    def author(self) -> str:
        rng = self.rng
        name = draw_rare(rng).lower()
        suffix = rng.choice(("", "", "_", "writes", str(rng.randint(1, 9999))))
        return f"{name}{suffix}"

    def summary(self) -> str:
        return " ".join(self.rng.choices(self.corpus.sentences, k=self.rng.randint(1, 3)))
