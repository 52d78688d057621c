"""Evaluate detection on labelled passages (`ficshelf eval FILE.jsonl`).

Two formats: the EACL passage-level set (one question per row: does this passage carry
`warning`? three votes) and our own material format (`labels`, `negatives`). Each passage
is analysed as a story of its own, as an upload of it would be, and scored by whether the
story-level warnings include the row's slug.

With `folds`, the model is cross-validated by work: each fold is scored by a model trained
(thresholds included, by an inner cross-validation) on everything except that fold's works,
so nothing is ever trained and scored on the same work. Without it, the shipped model is
used, and rows from works it was trained on are refused.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from bot.analysis.analyze import analyze
from bot.analysis.evaluate import Counts
from bot.analysis.learned import PassageModel, shipped_model
from bot.analysis.model import Finding
from bot.analysis.training import (
    Row,
    TrainingConfig,
    TrainingError,
    load_config,
    read_eacl,
    read_material,
    train,
)
from bot.readers.model import Chapter, Paragraph, Story
from bot.readers.passages import segment


@dataclass(slots=True)
class PassageReport:
    """Per-slug counts for cues alone, the model alone and both (what the bot uses)."""

    rows: int = 0
    works: int = 0
    folds: int | None = None
    combined: dict[str, Counts] = field(default_factory=dict)
    cues: dict[str, Counts] = field(default_factory=dict)
    model: dict[str, Counts] = field(default_factory=dict)

    @staticmethod
    def micro(counts: dict[str, Counts]) -> Counts:
        out = Counts()
        for c in counts.values():
            out.tp, out.fp, out.fn = out.tp + c.tp, out.fp + c.fp, out.fn + c.fn
        return out


def read_rows(path: Path, config: TrainingConfig) -> list[Row]:
    """Rows of either format (told apart by their fields)."""
    with path.open(encoding="utf-8") as f:
        first = next((json.loads(line) for line in f if line.strip()), None)
    if first is None:
        raise TrainingError(f"{path} has no rows")
    if "warning" in first:
        return read_eacl(path, config)
    return read_material([path])


def story_of(text: str) -> Story:
    """A passage as a one-chapter plain story, as an upload of it would be read."""
    paragraphs = [Paragraph(p.strip(), i) for i, p in enumerate(text.split("\n"), 1) if p.strip()]
    return Story(title="passage", format="plain", chapters=[Chapter(1, "passage", paragraphs)])


def detected(text: str, *, model: PassageModel | None, learned: bool) -> set[str]:
    """The warnings analysis reports for `text` as a story of its own."""
    return {f.slug for f in _findings(text, model=model, learned=learned)}


def _findings(text: str, *, model: PassageModel | None, learned: bool) -> list[Finding]:
    story = story_of(text)
    analysis = analyze(story, segment(story), model=model, learned=learned)
    return [f for f in analysis.warnings if f.source == "detected"]


def evaluate_passages(
    path: Path,
    *,
    folds: int | None = None,
    config: TrainingConfig | None = None,
    material: Sequence[Row] | None = None,
) -> PassageReport:
    """Score detection on the rows of `path` (see the module docstring)."""
    config = config or load_config()
    rows = read_rows(path, config)
    report = PassageReport(rows=len(rows), works=len({r.group for r in rows}), folds=folds)
    if folds is None:
        model = shipped_model()
        if model is not None and (seen := {r.group for r in rows} & model.groups):
            raise TrainingError(
                f"{len(seen)} works of {path.name} trained the shipped model: "
                "cross-validate with --folds instead"
            )
        _score(rows, list(range(len(rows))), model, report)
        return report
    from sklearn.model_selection import GroupKFold

    extra = list(read_material() if material is None else material)
    extra = [r for r in extra if r.group not in {x.group for x in rows}]
    splitter = GroupKFold(n_splits=folds)
    groups = [r.group for r in rows]
    for train_idx, test_idx in splitter.split(np.zeros(len(rows)), groups=groups):
        model = train([*(rows[i] for i in train_idx), *extra], config)
        _score(rows, [int(i) for i in test_idx], model, report)
    return report


def _score(
    rows: Sequence[Row], indices: Sequence[int], model: PassageModel | None, r: PassageReport
) -> None:
    for i in indices:
        row = rows[i]
        found = _findings(row.text, model=model, learned=True)
        both = {f.slug for f in found}
        cues = {f.slug for f in found if f.method == "cues"}  # as if analysed without the model
        alone = {f.slug for f in model.findings(row.text)} if model is not None else set()
        for slug, gold in row.gold.items():
            for counts, found in ((r.combined, both), (r.cues, cues), (r.model, alone)):
                counts.setdefault(slug, Counts()).add({slug} & found, {slug} if gold else set())


def format_passage_report(report: PassageReport) -> str:
    how = f"{report.folds}-fold cross-validation by work" if report.folds else "the shipped model"
    lines = [f"{report.rows:,} passages from {report.works:,} works, {how}", ""]
    lines.append(f"{'warning':<16} {'P':>5} {'R':>5} {'F1':>5}   cues P/R    model P/R")
    for slug in sorted(report.combined):
        c, q, m = report.combined[slug], report.cues[slug], report.model[slug]
        lines.append(
            f"{slug:<16} {c.precision:5.2f} {c.recall:5.2f} {_f1(c):5.2f}"
            f"   {q.precision:.2f}/{q.recall:.2f}   {m.precision:.2f}/{m.recall:.2f}"
        )
    for name, counts in (("micro", report.combined), ("cues", report.cues)):
        c = PassageReport.micro(counts)
        lines.append(
            f"{name:<16} {c.precision:5.2f} {c.recall:5.2f} {_f1(c):5.2f}"
            f"   (tp {c.tp:,}, fp {c.fp:,}, fn {c.fn:,})"
        )
    m = PassageReport.micro(report.model)
    lines.append(f"{'model':<16} {m.precision:5.2f} {m.recall:5.2f} {_f1(m):5.2f}")
    return "\n".join(lines)


def _f1(c: Counts) -> float:
    p, r = c.precision, c.recall
    return 2 * p * r / (p + r) if p + r else 0.0
