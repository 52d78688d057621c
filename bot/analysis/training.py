"""Training the passage classifier (`ficshelf train`) and cross-validating it by work.

One pooled logistic regression learns every label at once: a label's score is the shared
weights plus that label's own weights over the same tf-idf features, so labels with few
rows borrow what "a passage that shows harm" looks like from the others. Targets are soft
where annotators disagreed (EACL: the share of the three votes). Per-label thresholds are
chosen on out-of-fold probabilities, folds split by work, never on the rows they score.

Needs scikit-learn (the `test` extra); the bot itself only applies the exported weights.
"""

from __future__ import annotations

import json
import tomllib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_serializer

from bot.analysis.learned import PassageModel
from bot.paths import MODELS_DIR, TRAINING_DIR

CONFIG_PATH = MODELS_DIR / "training.toml"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Features(_Strict):
    ngram_max: int = Field(ge=1, le=3)
    min_df: int = Field(ge=1)


class Fit(_Strict):
    C: float = Field(gt=0)
    folds: int = Field(ge=2, le=20)
    presumed_negative: float = Field(ge=0, le=1)
    min_positives: int = Field(ge=1)


class Eacl(_Strict):
    votes: int = Field(ge=1, le=3)
    map: dict[str, str]


class Thresholds(_Strict):
    min_precision: float = Field(ge=0, le=1)
    recall_first: frozenset[str] = frozenset()  # scored by F2 (recall counts twice)
    presumed_weight: float = Field(ge=0, le=1)  # of an unchecked row, judging a threshold
    # labels the model alone finds off their topic only at this probability or more
    topic_only: frozenset[str] = frozenset()
    off_topic: float = Field(default=1.0, ge=0, le=1)

    @field_serializer("recall_first", "topic_only")
    def _sorted(self, value: frozenset[str]) -> list[str]:  # the same file from the same run
        return sorted(value)


class TrainingConfig(_Strict):
    """data/models/training.toml."""

    features: Features
    fit: Fit
    eacl: Eacl
    thresholds: Thresholds
    topics: dict[str, list[str]] = {}  # slug -> words putting a passage on its topic


class TrainingError(ValueError):
    """Training material or configuration that cannot be used, in one sentence."""


def load_config(path: Path = CONFIG_PATH) -> TrainingConfig:
    try:
        return TrainingConfig.model_validate(tomllib.loads(path.read_text(encoding="utf-8")))
    except (OSError, tomllib.TOMLDecodeError, ValidationError) as exc:
        raise TrainingError(f"{path}: {exc}") from exc


@dataclass(frozen=True, slots=True)
class Row:
    """One passage of training material and what is known about it, label by label."""

    text: str
    group: str  # the work it comes from: folds never split a work
    known: dict[str, float]  # slug -> target in [0, 1] (a share of votes, or 0/1)
    gold: dict[str, bool]  # slug -> the hard answer, for scoring and thresholds


def read_eacl(path: Path, config: TrainingConfig) -> list[Row]:
    """The EACL passage-level jsonl: one question (warning) per row, three votes."""
    rows: list[Row] = []
    for number, item in enumerate(_jsonl(path), start=1):
        try:
            warning, votes = item["warning"], item["labels"]
            text, work = item["text"], item["work_id"]
        except (KeyError, TypeError) as exc:
            raise TrainingError(f"{path}, line {number}: missing field {exc}") from exc
        slug = config.eacl.map.get(warning)
        if slug is None:
            continue
        share = sum(votes) / len(votes)
        rows.append(
            Row(text, f"eacl:{work}", {slug: share}, {slug: sum(votes) >= config.eacl.votes})
        )
    return rows


def read_material(paths: Iterable[Path] | None = None) -> list[Row]:
    """Our material format (data/training/*.jsonl by default): the labels a passage
    carries, and those checked absent."""
    rows: list[Row] = []
    for path in sorted(TRAINING_DIR.glob("*.jsonl")) if paths is None else paths:
        for number, item in enumerate(_jsonl(path), start=1):
            try:
                labels, negatives = item["labels"], item.get("negatives", [])
                known = dict.fromkeys(labels, 1.0) | {s: 0.0 for s in negatives if s not in labels}
                group = f"{item['source']}:{item['group']}"
                rows.append(Row(item["text"], group, known, {s: v > 0 for s, v in known.items()}))
            except (KeyError, TypeError) as exc:
                raise TrainingError(f"{path}, line {number}: missing field {exc}") from exc
    return rows


def _jsonl(path: Path) -> Iterable[dict[str, Any]]:
    try:
        with path.open(encoding="utf-8") as lines:
            for number, line in enumerate(lines, start=1):
                if line.strip():
                    try:
                        yield json.loads(line)
                    except json.JSONDecodeError as exc:
                        raise TrainingError(f"{path}, line {number}: not JSON ({exc.msg})") from exc
    except UnicodeDecodeError as exc:
        raise TrainingError(f"{path} is not UTF-8 text") from exc


def labels_of(rows: Sequence[Row], config: TrainingConfig) -> tuple[str, ...]:
    """The labels with enough positive rows to learn."""
    positives: dict[str, int] = {}
    for row in rows:
        for slug, hit in row.gold.items():
            positives[slug] = positives.get(slug, 0) + hit
    return tuple(sorted(s for s, n in positives.items() if n >= config.fit.min_positives))


def fit(rows: Sequence[Row], labels: Sequence[str], config: TrainingConfig) -> PassageModel:
    """One pooled model over `rows` (thresholds left at 0.5; see `train`)."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    vectorizer = TfidfVectorizer(
        ngram_range=(1, config.features.ngram_max),
        min_df=config.features.min_df,
        sublinear_tf=True,
        dtype=np.float64,
    )
    features = vectorizer.fit_transform([r.text for r in rows])
    design, target, weight = _design(features, rows, labels, config)
    model = LogisticRegression(C=config.fit.C, tol=1e-3, max_iter=1000)
    model.fit(design, target, sample_weight=weight)
    terms = features.shape[1]
    coef: npt.NDArray[np.float64] = np.asarray(model.coef_)[0]
    shared = coef[:terms]
    weights = np.stack(
        [shared + coef[terms * (k + 1) : terms * (k + 2)] for k in range(len(labels))], axis=1
    )
    bias = float(np.asarray(model.intercept_)[0]) + coef[terms * (len(labels) + 1) :]
    vocabulary = {str(t): int(i) for t, i in vectorizer.vocabulary_.items()}
    return PassageModel(
        labels=tuple(labels),
        vocabulary=vocabulary,
        idf=vectorizer.idf_.astype(np.float32),
        weights=weights.astype(np.float32),
        bias=bias.astype(np.float32),
        thresholds=np.full(len(labels), 0.5, dtype=np.float32),
        cued=np.full(len(labels), 0.5, dtype=np.float32),
        groups=frozenset(r.group for r in rows),
        meta={},
    )


def _design(
    features: Any, rows: Sequence[Row], labels: Sequence[str], config: TrainingConfig
) -> tuple[Any, npt.NDArray[np.int8], npt.NDArray[np.float64]]:
    """Rows of (shared features | the label's block | the label's indicator), each pair
    twice (as a positive and as a negative, weighted by the soft target), balanced so
    every label's positives weigh as much as its negatives."""
    import scipy.sparse as sp

    index = {s: k for k, s in enumerate(labels)}
    pairs: list[tuple[int, int, float, float]] = []  # row, label, target, weight
    for i, row in enumerate(rows):
        for slug, k in index.items():
            if slug in row.known:
                pairs.append((i, k, row.known[slug], 1.0))
            elif config.fit.presumed_negative > 0 and not _same_question_set(row, slug, config):
                pairs.append((i, k, 0.0, config.fit.presumed_negative))
    r = np.array([p[0] for p in pairs])
    k = np.array([p[1] for p in pairs])
    t = np.array([p[2] for p in pairs])
    w = np.array([p[3] for p in pairs])
    balance = np.ones(len(labels))
    for label in range(len(labels)):
        mine = k == label
        pos, neg = (w[mine] * t[mine]).sum(), (w[mine] * (1 - t[mine])).sum()
        balance[label] = neg / pos if pos else 1.0
    terms = features.shape[1]
    x = features[r]
    blocks = [x, *(sp.diags((k == label).astype(np.float64)) @ x for label in range(len(labels)))]
    indicator = sp.csr_matrix(
        (np.ones(len(pairs)), (np.arange(len(pairs)), k)), shape=(len(pairs), len(labels))
    )
    one = sp.csr_matrix(sp.hstack([*blocks, indicator]))
    assert one.shape is not None
    assert one.shape[1] == terms * (len(labels) + 1) + len(labels)
    design = sp.vstack([one, one]).tocsr()
    target = np.r_[np.ones(len(pairs)), np.zeros(len(pairs))].astype(np.int8)
    weight = np.r_[w * t * balance[k], w * (1 - t)]
    keep = weight > 0
    return design[keep], target[keep], weight[keep]


def _same_question_set(row: Row, slug: str, config: TrainingConfig) -> bool:
    """An EACL row is asked about one warning; it says nothing about the other EACL ones."""
    return row.group.startswith("eacl:") and slug in config.eacl.map.values()


def out_of_fold(
    rows: Sequence[Row], labels: Sequence[str], config: TrainingConfig, folds: int
) -> npt.NDArray[np.float64]:
    """Probabilities (rows x labels), each row scored by a model that never saw its work."""
    from sklearn.model_selection import GroupKFold

    probs = np.zeros((len(rows), len(labels)))
    groups = [r.group for r in rows]
    splitter = GroupKFold(n_splits=folds)
    for train_idx, test_idx in splitter.split(np.zeros(len(rows)), groups=groups):
        model = fit([rows[i] for i in train_idx], labels, config)
        for i in test_idx:
            probs[i] = model.probabilities(rows[i].text)
    return probs


def choose_thresholds(
    rows: Sequence[Row],
    probs: npt.NDArray[np.float64],
    labels: Sequence[str],
    config: TrainingConfig,
    *,
    cued: bool = False,
) -> npt.NDArray[np.float32]:
    """Per label, from out-of-fold probabilities: the threshold with the best F1 (F2 for
    the recall-first labels) among those with precision at or above the configured minimum.
    Rows nobody checked for a label count as its negatives here, with `presumed_weight`:
    they stand for the ordinary writing a threshold must leave alone. With `cued`, a label
    with topic words (the EACL ones) is judged on its checked rows alone: those were chosen
    for holding a cue word, so that is the threshold for passages on the label's topic or
    where one of its cues matched. (Not judged together with the cues: the cues were
    written against this material and look perfect on it.) A label no threshold makes
    precise enough is left nearly silent."""
    out = np.full(len(labels), 0.95, dtype=np.float32)
    grid = np.round(np.arange(0.05, 0.96, 0.01), 2)
    presumed = config.thresholds.presumed_weight
    for k, slug in enumerate(labels):
        topic = cued and bool(config.topics.get(slug))
        scored = [
            (probs[i, k], r.gold.get(slug, False), 1.0 if slug in r.gold else presumed)
            for i, r in enumerate(rows)
            if slug in r.gold or (not topic and not _same_question_set(r, slug, config))
        ]
        p = np.array([x[0] for x in scored])
        y = np.array([x[1] for x in scored], dtype=bool)
        w = np.array([x[2] for x in scored])
        if not y.any():
            continue
        best_f1 = 0.0
        for t in grid:
            said = p >= t
            tp = float(w[said & y].sum())
            if not tp:
                continue
            precision, recall = tp / float(w[said].sum()), tp / float(w[y].sum())
            beta2 = 4.0 if slug in config.thresholds.recall_first else 1.0
            f1 = (1 + beta2) * precision * recall / (beta2 * precision + recall)
            if precision >= config.thresholds.min_precision and f1 > best_f1:
                out[k], best_f1 = t, f1
    return out


def train(rows: Sequence[Row], config: TrainingConfig) -> PassageModel:
    """The model to ship: fitted on every row, thresholds from cross-validation."""
    labels = labels_of(rows, config)
    if not labels:
        raise TrainingError("no label has enough positive rows to learn")
    probs = out_of_fold(rows, labels, config, config.fit.folds)
    thresholds = choose_thresholds(rows, probs, labels, config)
    for k, slug in enumerate(labels):
        if slug in config.thresholds.topic_only:
            thresholds[k] = max(thresholds[k], config.thresholds.off_topic)
    cued = choose_thresholds(rows, probs, labels, config, cued=True)
    model = fit(rows, labels, config)
    meta = {
        "topics": {slug: config.topics[slug] for slug in labels if slug in config.topics},
        "rows": len(rows),
        "works": len({r.group for r in rows}),
        "config": config.model_dump(mode="json"),
    }
    return replace(model, thresholds=thresholds, cued=cued, meta=meta)
