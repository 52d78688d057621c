"""Segmentation: unit cases and properties checked with hypothesis."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.readers import Chapter, Paragraph, Passage, Story, read_path, segment
from bot.readers.passages import split_long
from bot.readers.words import fast_count_words
from tests.readers.helpers import STORIES

SETTINGS = settings(max_examples=200, deadline=None)

_VOCABULARY = [
    "the",
    "red",
    "string",
    "was",
    "always",
    "there",
    "between",
    "them",
    "and",
    "nobody",
    "could",
    "see",
    "it",
    "anyway",
    "extraordinarily",
    "a",
    "I",
]
_ENDINGS = [".", "!", "?", "…", '."', "。", ",", "", "?”"]
_CJK = "的一是不了人我在有他这中大来上国" * 6


@st.composite
def _sentence(draw: st.DrawFn) -> str:
    """Few draws per sentence (generation dominates the test's run time)."""
    kind, size, seed = draw(st.tuples(st.integers(0, 30), st.integers(1, 60), st.integers(0, 99)))
    if kind == 0:  # a sentence with no whitespace at all
        return "x" * (size * 67)
    if kind < 4:
        return _CJK[: size + seed % 20] + "。"
    words = [_VOCABULARY[(seed + i * (seed % 5 + 1)) % len(_VOCABULARY)] for i in range(size)]
    return " ".join(words).capitalize() + _ENDINGS[seed % len(_ENDINGS)]


@st.composite
def _paragraph_text(draw: st.DrawFn) -> str:
    sentences = draw(st.lists(_sentence(), min_size=1, max_size=draw(st.sampled_from([2, 12]))))
    return " ".join(sentences).strip()


@st.composite
def stories(draw: st.DrawFn) -> Story:
    chapters = []
    line = 0
    for number in range(1, draw(st.integers(1, 3)) + 1):
        paragraphs = []
        for text in draw(st.lists(_paragraph_text(), min_size=1, max_size=10)):
            line += draw(st.integers(1, 3))
            paragraphs.append(Paragraph(text, line))
        chapters.append(Chapter(number, f"Chapter {number}", paragraphs))
    return Story(title="Generated", format="plain", chapters=chapters)


_limits = st.tuples(st.integers(1, 150), st.integers(20, 400), st.integers(100, 2500)).map(
    lambda t: (t[0], max(t[0], t[1]), t[2])
)


def _squash(text: str) -> str:
    return "".join(text.split())


@SETTINGS
@given(story=stories(), limits=_limits)
def test_segmentation_properties(story: Story, limits: tuple[int, int, int]) -> None:
    min_words, max_words, max_chars = limits
    passages = segment(story, min_words=min_words, max_words=max_words, max_chars=max_chars)
    chapter_numbers = [c.number for c in story.chapters]
    assert [p.chapter for p in passages] == sorted(p.chapter for p in passages)
    assert {p.chapter for p in passages} == set(chapter_numbers)
    for passage in passages:
        assert passage.text
        assert passage.text == passage.text.strip()
        assert len(passage.text) <= max_chars
        assert passage.words == fast_count_words(passage.text)
        assert passage.first_line <= passage.last_line
        parts = passage.text.split("\n\n")
        # only a passage of one unit (a paragraph, or a piece of a long one) may exceed it
        assert len(parts) == 1 or passage.words <= max_words, (len(parts), passage.words)
    for chapter in story.chapters:
        _check_chapter(chapter, [p for p in passages if p.chapter == chapter.number], max_chars)


def _check_chapter(chapter: Chapter, passages: list[Passage], max_chars: int) -> None:
    """Every paragraph's text appears in exactly one passage (or, when cut, in consecutive
    ones), in order, and each passage's lines are those of its first and last paragraph."""
    units: list[tuple[str, int]] = [
        (unit, index) for index, p in enumerate(passages) for unit in p.text.split("\n\n")
    ]
    position = 0
    owner_lines: dict[int, list[int]] = {}
    for paragraph in chapter.paragraphs:
        target = _squash(paragraph.text)
        start, collected = position, ""
        while position == start or collected != target:
            unit, index = units[position]
            assert len(unit) <= max_chars
            collected += _squash(unit)
            assert target.startswith(collected)
            owner_lines.setdefault(index, []).append(paragraph.line)
            position += 1
        # a paragraph that fits is one unit, verbatim; a longer one is cut into several
        pieces = [unit for unit, _ in units[start:position]]
        fits = len(paragraph.text) <= max_chars
        assert (pieces == [paragraph.text]) == fits, (fits, pieces)
    assert position == len(units)
    for index, passage in enumerate(passages):
        assert (passage.first_line, passage.last_line) == (
            owner_lines[index][0],
            owner_lines[index][-1],
        )


@SETTINGS
@given(text=_paragraph_text(), max_chars=st.integers(40, 2000))
def test_split_long_cuts_at_sentence_ends(text: str, max_chars: int) -> None:
    chunks = split_long(text, max_chars)
    assert all(0 < len(c) <= max_chars for c in chunks)
    assert _squash("".join(chunks)) == _squash(text)


def test_split_prefers_sentence_boundaries() -> None:
    sentence = "This is one sentence with a few words in it. "
    text = (sentence * 60).strip()
    chunks = split_long(text, 500)
    assert len(chunks) > 1
    assert all(c.endswith(".") for c in chunks)


def test_sentence_longer_than_limit_cut_at_whitespace() -> None:
    text = " ".join(["word"] * 1000)
    chunks = split_long(text, 1800)
    assert all(len(c) <= 1800 and not c.startswith(" ") for c in chunks)
    assert all(c.endswith("word") for c in chunks)


def test_cjk_without_spaces_is_cut_hard() -> None:
    text = "的" * 5000
    assert [len(c) for c in split_long(text, 1800)] == [1800, 1800, 1400]


def _story(*chapters: list[str]) -> Story:
    line = 0
    built = []
    for number, texts in enumerate(chapters, start=1):
        paragraphs = []
        for text in texts:
            line += 1
            paragraphs.append(Paragraph(text, line))
        built.append(Chapter(number, str(number), paragraphs))
    return Story("t", "plain", built)


def test_groups_respect_chapters_and_lines() -> None:
    ten = " ".join(["word"] * 10) + "."
    story = _story([ten] * 30, [ten] * 3)
    passages = segment(story)
    assert {p.chapter for p in passages} == {1, 2}
    assert all(80 <= p.words <= 250 for p in passages if p.chapter == 1)
    last = [p for p in passages if p.chapter == 2]
    assert len(last) == 1
    assert last[0].words == 30
    assert passages[0].first_line == 1
    assert passages[0].text.count("\n\n") == passages[0].last_line - passages[0].first_line


def test_short_tail_merges_into_previous_group() -> None:
    ten = " ".join(["word"] * 10) + "."
    passages = segment(_story([ten] * 10))  # 100 words: one group of 90 + a tail of 10?
    assert len(passages) == 1
    assert passages[0].words == 100


def test_short_tail_stands_alone_when_merge_would_overflow() -> None:
    big = " ".join(["word"] * 249) + "."
    small = "Tiny tail."
    passages = segment(_story([big, small]))
    assert [p.words for p in passages] == [249, 2]


def test_empty_story_has_no_passages() -> None:
    assert segment(Story("t", "plain", [Chapter(1, "x", [])])) == []


def test_invalid_limits() -> None:
    with pytest.raises(ValueError, match="positive"):
        segment(_story(["a"]), max_chars=0)


@pytest.mark.parametrize("name", sorted(p.name for p in STORIES.iterdir()))
def test_seed_passages_within_bounds(name: str) -> None:
    story = read_path(STORIES / name)
    passages = segment(story)
    assert passages
    for passage in passages:
        assert len(passage.text) <= 1800
        assert passage.words <= 250 or "\n\n" not in passage.text
    covered = sum(p.words for p in passages)
    assert covered == story.words
