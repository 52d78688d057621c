"""Story-level analysis on the seeds and on small stories, against gold files."""

from __future__ import annotations

import ast
from pathlib import Path

import numpy as np
import pytest

from bot.analysis.analyze import analyze
from bot.analysis.evaluate import EvalReport, evaluate, format_report
from bot.analysis.learned import PassageModel
from bot.analysis.taxonomy import load_taxonomy
from bot.readers import read_path, segment
from bot.readers.model import Chapter, Paragraph, Story
from tests.analysis.helpers import HERE, REPO, STORIES, one_passage_each, story_from_lines

GOLD = HERE / "gold_seeds.toml"
UNSEEN_GOLD = HERE / "unseen_gold.toml"


@pytest.fixture(scope="module")
def seed_report() -> EvalReport:
    return evaluate(GOLD, STORIES)


@pytest.fixture(scope="module")
def unseen_report() -> EvalReport:
    return evaluate(UNSEEN_GOLD, HERE / "data")


def test_seed_detection_meets_the_bar(seed_report: EvalReport) -> None:
    assert all(s.error is None for s in seed_report.stories)
    d = seed_report.detection
    assert d.recall >= 0.9, format_report(seed_report)
    assert d.precision >= 0.8, format_report(seed_report)


def test_seed_declared_warnings_all_parsed(seed_report: EvalReport) -> None:
    assert seed_report.declared.fn == 0
    assert seed_report.declared.fp == 0


def test_seed_decoys_are_never_evidence(seed_report: EvalReport) -> None:
    assert seed_report.decoy_violations == [], format_report(seed_report)


def test_seed_tropes(seed_report: EvalReport) -> None:
    t = seed_report.trope_total
    assert t.recall >= 0.8, format_report(seed_report)
    assert t.precision >= 0.8, format_report(seed_report)


def test_unseen_stories(unseen_report: EvalReport) -> None:
    d = unseen_report.detection
    assert d.recall >= 0.9, format_report(unseen_report)
    assert d.precision >= 0.8, format_report(unseen_report)
    assert unseen_report.decoy_violations == [], format_report(unseen_report)


def test_seed_analysis_shape() -> None:
    tax = load_taxonomy()
    paths = sorted(STORIES.iterdir())
    assert paths, STORIES
    findings = 0
    for path in paths:
        story = read_path(path)
        passages = segment(story)
        a = analyze(story, passages, tax)
        assert len(a.passages) == len(passages)
        assert a.rating in {r.slug for r in tax.ratings}
        assert a.rating_source == "estimated"
        slugs = [f.slug for f in a.warnings]
        assert len(slugs) == len(set(slugs))
        findings += len(a.warnings + a.tropes)
        for f in a.warnings + a.tropes:
            assert 0 < f.confidence <= 1
            assert len(f.evidence) <= 3
            assert all(len(e.quote) <= 200 for e in f.evidence)
        for fact in a.passages:
            assert set(fact.warnings) <= {f.slug for f in a.warnings}
    assert findings, "the seeds have warnings and tropes whose shape is checked"


def test_declared_wins_and_is_shown_as_declared() -> None:
    story = read_path(STORIES / "the-day-you-left-me.ao3.txt")
    a = analyze(story, segment(story))
    by_slug = {f.slug: f for f in a.warnings}
    assert by_slug["suicide"].source == "declared"
    assert by_slug["suicide"].evidence[0].line == 45
    assert by_slug["bullying"].source == "detected"
    assert a.rating == "explicit"  # eventual smut is declared
    assert {"angst", "happy-ending"} <= {f.slug for f in a.tropes if f.source == "declared"}


def test_evidence_is_strongest_first() -> None:
    story = read_path(STORIES / "swan-dive.txt")
    a = analyze(story, segment(story))
    suicide = next(f for f in a.warnings if f.slug == "suicide")
    assert suicide.evidence
    assert suicide.evidence[0].line == 223


def test_rating_estimates() -> None:
    tax = load_taxonomy()

    def rating(lines: list[str]) -> str:
        story = story_from_lines(lines)
        return analyze(story, one_passage_each(story), tax).rating

    assert rating(["They had a picnic by the river and fed the ducks."]) == "general"
    assert rating(["What the fuck, Kacchan?", "Shut up, shitty nerd."]) == "teen"
    assert rating(["He stood on the ledge of the roof, ready to jump off and die."]) == "mature"
    assert (
        rating(
            [
                "He moaned as Katsuki thrust into him, hips snapping.",
                "Izuku came with a cry, his cock twitching against his stomach.",
            ]
        )
        == "explicit"
    )


def test_declared_rating_wins() -> None:
    story = story_from_lines(["He died.", "He was dead.", "They cried at the funeral."])
    story.rating_label = "General Audiences"
    a = analyze(story, one_passage_each(story))
    assert (a.rating, a.rating_source) == ("general", "declared")


def test_archive_warnings_reported() -> None:
    story = story_from_lines(["A quiet day."])
    story.archive_warning_labels = ["Major Character Death"]
    a = analyze(story, one_passage_each(story))
    assert a.archive_warnings == ["major-character-death"]
    assert [(f.slug, f.source) for f in a.warnings] == [("death", "declared")]


def test_empty_story() -> None:
    story = Story(title="empty", format="plain", chapters=[])
    a = analyze(story, [])
    assert a.warnings == []
    assert a.tropes == []
    assert a.passages == []
    assert a.rating == "general"
    assert a.rating_source == "estimated"
    blank = Story(title="b", format="plain", chapters=[Chapter(1, "b", [Paragraph("   ", 1)])])
    assert analyze(blank, one_passage_each(blank)).warnings == []


def test_no_slug_literals_in_bot_code() -> None:
    tax = load_taxonomy()
    slugs = {e.slug for e in tax.entries()}
    offenders = [
        f"{path.name}:{node.lineno}: {node.value!r}"
        for path in sorted((REPO / "bot" / "analysis").rglob("*.py"))
        for node in ast.walk(ast.parse(Path(path).read_text("utf-8")))
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value in slugs
    ]
    assert offenders == []


def test_format_report(seed_report: EvalReport) -> None:
    text = format_report(seed_report)
    assert "precision" in text
    assert "recall" in text
    assert "overall" in text
    assert "suicide" in text
    assert "Decoy violations: 0" in text


def _one_word_model(label: str, word: str) -> PassageModel:
    """A model that finds `label` wherever `word` is read, and nothing else."""
    return PassageModel(
        labels=(label,),
        vocabulary={word: 0},
        idf=np.ones(1, dtype=np.float32),
        weights=np.array([[6.0]], dtype=np.float32),
        bias=np.array([-2.0], dtype=np.float32),
        thresholds=np.array([0.5], dtype=np.float32),
        cued=np.array([0.5], dtype=np.float32),
        groups=frozenset(),
        meta={},
    )


def _by_model(model: PassageModel, line: str) -> set[str]:
    story = story_from_lines([line])
    found = analyze(story, one_passage_each(story), model=model).warnings
    return {f.slug for f in found if f.method == "model"}


def test_the_model_reads_a_passage_without_its_figures_of_speech() -> None:
    """The taxonomy's idioms are blanked out of the text the model scores, as no cue counts
    inside them: a hero's name is not a murder, whatever the model makes of the word."""
    model = _one_word_model("violence", "murder")
    assert _by_model(model, "Great Explosion Murder God Dynamight saved the day again.") == set()
    assert _by_model(model, "They talked about the murder all week at school.") == {"violence"}


def test_the_model_still_reads_a_one_word_idiom() -> None:
    """ "homosexual" is an idiom to the cues (no sexual-content cue counts inside it), but
    to the model it is a word of its own: a homophobic line is still read whole."""
    model = _one_word_model("discrimination", "homosexual")
    line = "'The homosexual lifestyle! Disgusting,' she said."
    assert _by_model(model, line) == {"discrimination"}


def test_the_model_does_not_read_a_cue_word_a_negation_denies() -> None:
    """ "Nobody died" says no one did: the model reads the line without "died", as the cues
    do; where the same word is said, it still counts."""
    model = _one_word_model("death", "died")
    assert _by_model(model, "Nobody died, which was the first thing he told himself.") == set()
    assert _by_model(model, "Nobody moved when the old woman died in her chair.") == {"death"}
