"""Detection judged on passages it was not built from: the EACL development half under
cross-validation by work, and a public test set for the blocked labels."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from bot.analysis.learned import shipped_model
from bot.analysis.passage_eval import (
    PassageReport,
    detected,
    evaluate_passages,
    format_passage_report,
)
from bot.analysis.training import TrainingError
from bot.paths import EACL_DEV

BLOCKED = Path(__file__).parent / "data" / "blocked_passages.jsonl"
IDENTITY = Path(__file__).parent / "data" / "discrimination_passages.jsonl"
needs_eacl = pytest.mark.skipif(not EACL_DEV.exists(), reason="../shared/datasets is absent")


def test_blocked_labels_are_found_in_public_passages() -> None:
    """Suicide and self-harm passages from works none of the training material comes from."""
    report = evaluate_passages(BLOCKED)
    text = format_passage_report(report)
    for slug in ("suicide", "self-harm"):
        counts = report.combined[slug]
        assert counts.tp + counts.fn >= 40, text  # a real sample of each
        assert counts.recall >= 0.8, text
    hard = PassageReport.micro(report.combined)
    assert hard.precision >= 0.75, text  # the hard negatives (figurative, benign) mostly pass


def test_warm_scenes_of_queer_disabled_or_religious_characters_are_no_discrimination() -> None:
    """Being gay, deaf, Jewish or an immigrant is not a content warning: 50 warm scenes of
    such characters, 60 angry arguments without any identity, 40 scenes of prejudice
    (written for Ficshelf, data/training/SOURCES.md). Measured (2026-12-02): 8, 0 and 19
    found (7, 0 and 6 with presumed negatives instead of the identity scenes of
    data/training/ficshelf-identity.jsonl); fitted on EACL's rows alone, Discrimination's
    model found 34 of the warm ones."""
    model = shipped_model()
    found: dict[str, int] = {}
    for line in IDENTITY.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        kind = row["group"].split("-")[-2]
        hit = "discrimination" in detected(row["text"], model=model, learned=True)
        found[kind] = found.get(kind, 0) + hit
    assert found["identity"] <= 10, found
    assert found["angry"] <= 3, found
    assert found["prejudice"] >= 15, found


@needs_eacl
@pytest.mark.parametrize(
    "text",
    [
        "She slapped him across the face.",
        (
            "It started with a fist to his face, followed by his step father's belt. He knew"
            " it was only the beginning of his beating."
        ),
    ],
)
def test_plain_violence_is_violence_and_not_discrimination(text: str) -> None:
    found = detected(text, model=shipped_model(), learned=True)
    assert "violence" in found
    assert "discrimination" not in found


def test_the_shipped_model_is_not_scored_on_its_own_training_works() -> None:
    with pytest.raises(TrainingError, match="cross-validate"):
        evaluate_passages(EACL_DEV)


def _eval_cli(path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", "eval", str(path)],
        capture_output=True,
        text=True,
        check=False,
    )


@needs_eacl
def test_eval_cli_says_to_cross_validate(tmp_path: Path) -> None:
    done = _eval_cli(EACL_DEV)
    assert done.returncode == 2
    assert "--folds" in done.stderr
    assert "Traceback" not in done.stderr


def test_eval_cli_on_a_binary_jsonl_is_one_clear_line(tmp_path: Path) -> None:
    path = tmp_path / "x.jsonl"
    path.write_bytes(b"\x00\xff\xfe binary")
    done = _eval_cli(path)
    assert done.returncode == 2
    assert "binary" in done.stderr
    assert "Traceback" not in done.stderr


@needs_eacl
@pytest.mark.slow
def test_unseen_writing_cross_validated_by_work() -> None:
    """The EACL development half, 5 folds split by work: models never see the works they
    score. The issue asks micro F1 >= 0.55 at precision >= 0.50; measured (2026-12-02)
    F1 0.555 at precision 0.55 (0.536 at 0.54 with Discrimination learning from presumed
    negatives instead of identity scenes, 0.46 at 0.50 without the word vectors), against
    the cues' 0.16 at 0.50 and "yes to everything" 0.43. Training is deterministic, so
    the guard is the issue's own bar."""
    report = evaluate_passages(EACL_DEV, folds=5)
    micro = PassageReport.micro(report.combined)
    text = format_passage_report(report)
    f1 = 2 * micro.precision * micro.recall / (micro.precision + micro.recall)
    assert micro.precision >= 0.50, text
    assert f1 >= 0.55, text
    cues = PassageReport.micro(report.cues)
    assert micro.tp > 2 * cues.tp  # the model adds the recall the cues lack
