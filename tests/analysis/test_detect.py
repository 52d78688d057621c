"""Detection in text: cue banks (positive and negative), quotes, bounded time."""

from __future__ import annotations

import pytest

from bot.analysis.analyze import analyze, detect_story
from bot.analysis.detect import Unit, detector_for
from bot.analysis.taxonomy import load_taxonomy
from bot.readers.model import Chapter, Paragraph, Passage, Story
from tests.analysis.helpers import one_passage_each, story_from_lines
from tests.analysis.sentences import NEGATIVE, POSITIVE


def _evidence_hits(text: str, slug: str) -> list[tuple[float, str]]:
    tax = load_taxonomy()
    hits = detector_for(tax).scan(Unit.from_paragraphs([(1, text)]))
    return [
        (h.weight, h.term)
        for h in hits
        if h.slug == slug and h.weight >= tax.detection.evidence_min
    ]


@pytest.mark.parametrize(("text", "slug"), POSITIVE)
def test_positive_sentences(text: str, slug: str) -> None:
    assert _evidence_hits(text, slug), f"{slug} not found in {text!r}"


@pytest.mark.parametrize(("text", "slug"), NEGATIVE)
def test_negative_sentences(text: str, slug: str) -> None:
    assert not _evidence_hits(text, slug), f"{slug} wrongly found in {text!r}"


def test_past_habit_still_counts_but_weaker() -> None:
    plain = _evidence_hits("He cut himself last night.", "self-harm")
    past = _evidence_hits("He hadn't cut himself in a year.", "self-harm")
    assert plain
    assert past
    assert past[0][0] < plain[0][0]


def test_quote_is_the_sentence_and_short() -> None:
    long_tail = " and then".join([" the day went on"] * 40)
    text = f"It rained. He had tried to kill himself last spring{long_tail}. Then lunch."
    hits = [
        h
        for h in detector_for(load_taxonomy()).scan(Unit.from_paragraphs([(7, text)]))
        if h.slug == "suicide"
    ]
    assert hits
    quote = hits[0].quote
    assert len(quote) <= 200
    assert "kill himself" in quote
    assert "It rained" not in quote
    assert "lunch" not in quote
    assert hits[0].line == 7


def test_evidence_lines_follow_paragraphs() -> None:
    story = story_from_lines(
        ["A quiet morning.", "", "He punched Kirishima in the jaw.", "Breakfast."]
    )
    passages = [
        Passage(1, 1, 4, "A quiet morning.\n\nHe punched Kirishima in the jaw.\n\nBreakfast.", 9)
    ]
    found = detect_story(story, passages)
    lines = {h.line for _c, h in found.hits("violence")}
    assert lines == {3}


def test_weak_self_harm_cues_combine_at_story_level() -> None:
    # neither cue is enough alone; two of them in one passage are (the cues alone: the
    # learned model may well see self-harm in old scars)
    both = story_from_lines(
        [
            (
                "Aziraphale unwrapped the bandage on Crowley's forearm. Beneath it was a row of "
                'shallow cuts, some old and some new. "You did this," he said.'
            )
        ]
    )
    found = analyze(both, one_passage_each(both), learned=False).warning_slugs("detected")
    assert "self-harm" in found
    one = story_from_lines(["He rolled up his sleeves; the old scars on his arms showed."])
    alone = analyze(one, one_passage_each(one), learned=False).warning_slugs("detected")
    assert "self-harm" not in alone


def test_hero_name_is_not_murder() -> None:
    story = story_from_lines(["Great Explosion Murder God Dynamight saved the day again."] * 3)
    analysis = analyze(story, one_passage_each(story))
    assert not analysis.warnings


def test_one_megabyte_paragraph_completes() -> None:
    sentence = (
        "He laughed, and the villain attack was over; nobody died, the blood on his sleeve "
        "was paint, and Kacchan said he was killing time before the hospital visit. "
    )
    text = (sentence * (1_000_000 // len(sentence) + 1))[:1_000_000]
    story = Story(title="big", format="plain", chapters=[Chapter(1, "big", [Paragraph(text, 1)])])
    passages = [Passage(1, 1, 1, text, len(text.split()))]
    analysis = analyze(story, passages)
    assert len(analysis.passages) == 1
    assert all(len(e.quote) <= 200 for f in analysis.warnings for e in f.evidence)


def test_pathological_text_completes() -> None:
    text = "a" * 300_000 + " " + "-" * 200_000 + '"' * 100_000
    story = Story(title="x", format="plain", chapters=[Chapter(1, "x", [Paragraph(text, 1)])])
    analysis = analyze(story, [Passage(1, 1, 1, text, 2)])
    assert analysis.warnings == []
