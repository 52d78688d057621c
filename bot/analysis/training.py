"""Training the passage classifier (`ficshelf train`) and cross-validating it by work.

One pooled logistic regression learns every label at once: a label's score is the shared
weights plus that label's own weights over the same tf-idf features, so labels with few
rows borrow what "a passage that shows harm" looks like from the others. The labels
configured for them take their weights from a second such model whose features add what
the words mean (their GloVe vectors, summed over the passage's words). Targets are soft
where annotators disagreed (EACL: the share of the three votes). Per-label thresholds are
chosen on out-of-fold probabilities, folds split by work, never on the rows they score.

Needs scikit-learn (the `test` extra); the bot itself only applies the exported weights.
"""

from __future__ import annotations

import json
import tomllib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from functools import cache, cached_property
from pathlib import Path
from typing import Annotated, Any

import numpy as np
import numpy.typing as npt
from pydantic import BaseModel, ConfigDict, Field, PlainSerializer, ValidationError

from bot.analysis.learned import PassageModel, topic_words, words_of
from bot.paths import MODELS_DIR, TRAINING_DIR

CONFIG_PATH = MODELS_DIR / "training.toml"


# a set of slugs or sources, written out sorted: the same model file from the same run
_Names = Annotated[frozenset[str], PlainSerializer(sorted, return_type=list[str])]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Features(_Strict):
    ngram_max: int = Field(ge=1, le=3)
    min_df: int = Field(ge=1)


class Vectors(_Strict):
    file: str  # under data/training/ (`ficshelf train --vectors-from`)
    words: int = Field(ge=1)  # the most frequent words of the source kept
    scale: float = Field(gt=0)  # of the mean vector, beside the L2-normalised tf-idf row
    labels: _Names  # the labels that take their weights from the model with vectors
    # of those, the ones that take the rows gathered for other labels as presumed negatives
    # (the rest learn from the rows asked about them alone)
    presumed: _Names = frozenset()


class Fit(_Strict):
    C: float = Field(gt=0)
    folds: int = Field(ge=2, le=20)
    presumed_negative: float = Field(ge=0, le=1)
    min_positives: int = Field(ge=1)
    # material sources whose rows say nothing about the labels they do not name
    only_asked: _Names = frozenset()


class Eacl(_Strict):
    votes: int = Field(ge=1, le=3)
    map: dict[str, str]


class Thresholds(_Strict):
    min_precision: float = Field(ge=0, le=1)
    recall_first: _Names = frozenset()  # scored by F2 (recall counts twice)
    presumed_weight: float = Field(ge=0, le=1)  # of an unchecked row, judging a threshold
    # labels the model finds only on their topic or where one of their cues matched
    topic_only: _Names = frozenset()


class TrainingConfig(_Strict):
    """data/models/training.toml."""

    features: Features
    vectors: Vectors | None = None
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


@dataclass(frozen=True)
class WordVectors:
    """Word vectors for training (the model keeps only their projections onto its labels)."""

    words: tuple[str, ...]
    matrix: npt.NDArray[np.float32]  # (words, dimensions)

    @cached_property
    def index(self) -> dict[str, int]:
        return {w: i for i, w in enumerate(self.words)}

    def means(self, texts: Sequence[str]) -> npt.NDArray[np.float64]:
        """(texts, dimensions): the vectors of each text's words summed, over its number of
        words (a word without a vector counts as none: a text of few known words, such as
        one in another script, means little)."""
        out = np.zeros((len(texts), self.matrix.shape[1]))
        index = self.index
        for i, text in enumerate(texts):
            words = words_of(text)
            rows = [index[w] for w in words if w in index]
            if rows:
                out[i] = self.matrix[rows].sum(axis=0, dtype=np.float64) / len(words)
        return out


@cache
def read_vectors(path: Path) -> WordVectors:
    """The word vectors written by `write_vectors`."""
    try:
        with np.load(path, allow_pickle=False) as z:
            words = tuple(bytes(z["words"]).decode().split("\n"))
            return WordVectors(words, z["vectors"].astype(np.float32))
    except (OSError, KeyError, ValueError) as exc:
        raise TrainingError(f"{path}: cannot read word vectors ({exc})") from exc


def write_vectors(source: Path, out: Path, count: int) -> int:
    """The first `count` words of two or more letters of a GloVe text file (a word and its
    numbers a line, most frequent first), to `out` as float16 vectors."""
    words: list[str] = []
    rows: list[npt.NDArray[np.float32]] = []
    try:
        with source.open(encoding="utf-8") as lines:
            for number, line in enumerate(lines, start=1):
                word, _, numbers = line.rstrip("\n").partition(" ")
                if len(word) < 2 or not word.isalpha():
                    continue
                try:
                    rows.append(np.array(numbers.split(" "), dtype=np.float32))
                except ValueError as exc:
                    raise TrainingError(f"{source}, line {number}: not a vector") from exc
                words.append(word)
                if len(words) == count:
                    break
    except UnicodeDecodeError as exc:
        raise TrainingError(f"{source} is not UTF-8 text") from exc
    except OSError as exc:
        raise TrainingError(f"{source}: {exc.strerror or exc}") from exc
    if not rows or len({len(r) for r in rows}) != 1:
        raise TrainingError(f"{source}: no vectors, or vectors of different lengths")
    partial = out.with_name(out.name + ".partial")
    with partial.open("wb") as f:
        np.savez_compressed(
            f,
            words=np.frombuffer("\n".join(words).encode(), dtype=np.uint8),
            vectors=np.stack(rows).astype(np.float16),
        )
    partial.replace(out)
    return len(words)


def vectors_of(config: TrainingConfig) -> tuple[WordVectors, Vectors] | None:
    """The configured word vectors and their settings (None: tf-idf alone)."""
    if config.vectors is None:
        return None
    return read_vectors(TRAINING_DIR / config.vectors.file), config.vectors


def labels_of(rows: Sequence[Row], config: TrainingConfig) -> tuple[str, ...]:
    """The labels with enough positive rows to learn."""
    positives: dict[str, int] = {}
    for row in rows:
        for slug, hit in row.gold.items():
            positives[slug] = positives.get(slug, 0) + hit
    return tuple(sorted(s for s, n in positives.items() if n >= config.fit.min_positives))


def fit(rows: Sequence[Row], labels: Sequence[str], config: TrainingConfig) -> PassageModel:
    """One pooled model over `rows` (thresholds left at 0.5; see `train`), fitted on the
    rows that say something about a label it serves. With word vectors configured, a
    second pooled model over the tf-idf and the vectors is fitted beside it for the labels
    configured to take the vectors; those labels take their weights from it (the others
    are the first model's, as if there were no vectors). Of its labels, only the `presumed`
    ones take the rows gathered for other labels as presumed negatives: a passage about
    suicide or child abuse is often about death or violence too (see `[vectors]` in
    data/models/training.toml)."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    vectorizer = TfidfVectorizer(
        ngram_range=(1, config.features.ngram_max),
        min_df=config.features.min_df,
        sublinear_tf=True,
        dtype=np.float64,
    )
    texts = [r.text for r in rows]
    features = vectorizer.fit_transform(texts)
    vectors = vectors_of(config)
    # the first model serves the labels without vectors: rows that say nothing about any of
    # them (gathered for a label with vectors alone) stay out of it
    served = [s for s in labels if vectors is None or s not in vectors[1].labels]
    plain = [i for i, r in enumerate(rows) if any(not _unasked(r, s, config) for s in served)]
    plain = plain or list(range(len(rows)))
    weights, bias = _pooled(features[plain], [rows[i] for i in plain], labels, config)
    meanings = None
    if vectors is not None:
        words, settings = vectors
        take = [k for k, slug in enumerate(labels) if slug in settings.labels]
        asked = [
            i for i, r in enumerate(rows) if settings.presumed or settings.labels & r.known.keys()
        ]
        meanings = np.zeros((len(words.words), len(labels)))  # a word's meaning, per label
        if take and asked:
            import scipy.sparse as sp

            means = sp.csr_matrix(words.means([texts[i] for i in asked]) * settings.scale)
            rich, rich_bias = _pooled(
                sp.csr_matrix(sp.hstack([features[asked], means])),
                [rows[i] for i in asked],
                [labels[k] for k in take],
                config,
                presumed=settings.presumed,
            )
            terms = features.shape[1]
            weights[:, take], bias[take] = rich[:terms], rich_bias
            meanings[:, take] = (words.matrix.astype(np.float64) * settings.scale) @ rich[terms:]
    return PassageModel(
        labels=tuple(labels),
        vocabulary={str(t): int(i) for t, i in vectorizer.vocabulary_.items()},
        idf=vectorizer.idf_.astype(np.float32),
        weights=weights.astype(np.float32),
        bias=bias.astype(np.float32),
        thresholds=np.full(len(labels), 0.5, dtype=np.float32),
        cued=np.full(len(labels), 0.5, dtype=np.float32),
        groups=frozenset(r.group for r in rows),
        meta={},
        vector_words=vectors[0].words if vectors is not None else (),
        meanings=meanings.astype(np.float32) if meanings is not None else None,
    )


def _pooled(
    features: Any,
    rows: Sequence[Row],
    labels: Sequence[str],
    config: TrainingConfig,
    *,
    presumed: frozenset[str] | None = None,
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """The pooled logistic regression over `features`: (weights (features, labels), bias).
    Only the labels in `presumed` (all, if None) take unchecked rows as presumed negatives."""
    from sklearn.linear_model import LogisticRegression

    design, target, weight = _design(features, rows, labels, config, presumed)
    model = LogisticRegression(C=config.fit.C, tol=1e-3, max_iter=1000)
    model.fit(design, target, sample_weight=weight)
    width = features.shape[1]
    coef: npt.NDArray[np.float64] = np.asarray(model.coef_)[0]
    shared = coef[:width]
    weights = np.stack(
        [shared + coef[width * (k + 1) : width * (k + 2)] for k in range(len(labels))], axis=1
    )
    bias = float(np.asarray(model.intercept_)[0]) + coef[width * (len(labels) + 1) :]
    return weights, bias


def _design(
    features: Any,
    rows: Sequence[Row],
    labels: Sequence[str],
    config: TrainingConfig,
    presumed: frozenset[str] | None = None,
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
            elif (
                config.fit.presumed_negative > 0
                and (presumed is None or slug in presumed)
                and not _unasked(row, slug, config)
            ):
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


def _unasked(row: Row, slug: str, config: TrainingConfig) -> bool:
    """Whether `row` says nothing about `slug`, not even as a presumed negative. An EACL row
    is asked about one warning, not about the other EACL ones; a row of an `only_asked`
    source was gathered for the labels it names (chosen for its subject, it is no sample
    of the ordinary writing a presumed negative stands for)."""
    if slug in row.known:
        return False
    source = row.group.partition(":")[0]
    if source == "eacl":
        return slug in config.eacl.map.values()
    return source in config.fit.only_asked


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
    where one of its cues matched; a `topic_only` label is judged as it is applied, its
    rows off its topic found at no threshold. (Not judged together with the cues: the cues
    were written against this material and look perfect on it.) A label no threshold makes
    precise enough is left nearly silent."""
    out = np.full(len(labels), 0.95, dtype=np.float32)
    grid = np.round(np.arange(0.05, 0.96, 0.01), 2)
    presumed = config.thresholds.presumed_weight
    gated = config.thresholds.topic_only if cued else frozenset()
    on_topic = [topic_words(r.text, config.topics) for r in rows] if gated else []
    for k, slug in enumerate(labels):
        topic = cued and bool(config.topics.get(slug))
        scored = [
            (
                probs[i, k] if slug not in gated or slug in on_topic[i] else 0.0,
                r.gold.get(slug, False),
                1.0 if slug in r.gold else presumed,
            )
            for i, r in enumerate(rows)
            if slug in r.gold or (not topic and not _unasked(r, slug, config))
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
            thresholds[k] = np.inf  # never off its topic: only the cued threshold applies
    cued = choose_thresholds(rows, probs, labels, config, cued=True)
    model = fit(rows, labels, config)
    meta = {
        "topics": {slug: config.topics[slug] for slug in labels if slug in config.topics},
        "rows": len(rows),
        "works": len({r.group for r in rows}),
        "config": config.model_dump(mode="json"),
    }
    return replace(model, thresholds=thresholds, cued=cued, meta=meta)
