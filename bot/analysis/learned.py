"""The learned passage classifier: a linear model over word n-grams, loaded once.

Trained offline by `ficshelf train` (bot/analysis/training.py, scikit-learn); here it is
only applied, with numpy, so the bot needs no scikit-learn at run time. The features are
scikit-learn's `TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True)` reproduced
exactly (tests compare the two): lower case, words of two or more word characters,
unigrams and bigrams, 1 + log(tf) times idf, L2-normalised.
"""

from __future__ import annotations

import itertools
import json
import math
import re
from collections import Counter
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np
import numpy.typing as npt

from bot.paths import MODEL_PATH

_TOKEN = re.compile(r"\w\w+")  # = scikit-learn's (?u)\b\w\w+\b: runs are maximal
_SENTENCE = re.compile(r"[^.!?…\n]+(?:[.!?…]+[\"'”’)]*|$)")
_MIN_SENTENCE_WORDS = 4


@dataclass(frozen=True, slots=True)
class ModelFinding:
    """A warning the model sees in a passage, with its probability (`PassageModel.strongest`
    gives its evidence sentence, computed only where one is quoted)."""

    slug: str
    probability: float


@dataclass(frozen=True, slots=True)
class PassageModel:
    """Per-label linear scores over tf-idf features, with per-label thresholds."""

    labels: tuple[str, ...]
    vocabulary: dict[str, int]
    idf: npt.NDArray[np.float32]
    weights: npt.NDArray[np.float32]  # (terms, labels)
    bias: npt.NDArray[np.float32]  # (labels,)
    thresholds: npt.NDArray[np.float32]  # (labels,) probability at or above: a finding
    cued: npt.NDArray[np.float32]  # (labels,) the threshold where a cue of the label matched
    groups: frozenset[str]  # the works it was trained on ("eacl:<work id>", …)
    meta: dict[str, object]

    def probabilities(self, text: str) -> npt.NDArray[np.float64]:
        """P(label) for one text, in `labels` order."""
        return self._scores(text)[0]

    def _scores(self, text: str) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
        """(probabilities, what the text's own words add to each label's score)."""
        idx, val = self._features(text)
        evidence = val @ self.weights[idx] if len(idx) else np.zeros(len(self.labels))
        return 1.0 / (1.0 + np.exp(-(self.bias + evidence))), evidence

    def findings(self, text: str, cued: frozenset[str] = frozenset()) -> list[ModelFinding]:
        """The labels whose probability reaches their threshold on the strength of the
        text's own words (a label's bias alone, on an empty or unknown text, is no finding),
        strongest first. Where a cue of a label matched (`cued`), its `cued` threshold
        applies: some labels were learned from passages chosen for holding a cue word."""
        probs, evidence = self._scores(text)
        hits = [
            i
            for i, label in enumerate(self.labels)
            if evidence[i] > 0
            and probs[i] >= (self.cued[i] if label in cued else self.thresholds[i])
        ]
        out = [ModelFinding(self.labels[i], float(probs[i])) for i in hits]
        return sorted(out, key=lambda f: -f.probability)

    def strongest(self, text: str, label: int) -> str:
        """The sentence of `text` that scores highest for one label (its evidence)."""
        best, best_score = "", -math.inf
        for match in _SENTENCE.finditer(text):
            sentence = match.group().strip()
            if len(sentence.split()) < _MIN_SENTENCE_WORDS:
                continue
            idx, val = self._features(sentence)
            score = float(val @ self.weights[idx, label]) if len(idx) else 0.0
            if score > best_score:
                best, best_score = sentence, score
        return best or text.strip()

    def _features(self, text: str) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.float64]]:
        words = _TOKEN.findall(text.lower())
        get = self.vocabulary.get
        grams = Counter(words + [f"{a} {b}" for a, b in itertools.pairwise(words)])
        counts = {i: n for gram, n in grams.items() if (i := get(gram)) is not None}
        if not counts:
            return np.zeros(0, dtype=np.intp), np.zeros(0)
        idx = np.fromiter(counts.keys(), dtype=np.intp, count=len(counts))
        tf = np.fromiter(counts.values(), dtype=np.float64, count=len(counts))
        val = (1.0 + np.log(tf)) * self.idf[idx]
        norm = float(np.sqrt(val @ val))
        return idx, val / norm if norm else val


def save_model(model: PassageModel, path: Path) -> None:
    """Write `model` as one compressed .npz (no pickles), replacing `path` whole."""
    terms = sorted(model.vocabulary, key=model.vocabulary.__getitem__)
    meta = json.dumps(model.meta, sort_keys=True).encode()  # fails before anything is written
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    with partial.open("wb") as out:
        np.savez_compressed(
            out,
            labels=np.frombuffer("\n".join(model.labels).encode(), dtype=np.uint8),
            terms=np.frombuffer("\n".join(terms).encode(), dtype=np.uint8),
            groups=np.frombuffer("\n".join(sorted(model.groups)).encode(), dtype=np.uint8),
            meta=np.frombuffer(meta, dtype=np.uint8),
            idf=model.idf.astype(np.float32),
            weights=model.weights.astype(np.float16),
            bias=model.bias.astype(np.float32),
            thresholds=model.thresholds.astype(np.float32),
            cued=model.cued.astype(np.float32),
        )
    partial.replace(path)


def read_model(path: Path) -> PassageModel:
    """Load a model written by `save_model`."""
    with np.load(path, allow_pickle=False) as z:

        def text(key: str) -> list[str]:
            raw = bytes(z[key]).decode()
            return raw.split("\n") if raw else []

        terms = text("terms")
        return PassageModel(
            labels=tuple(text("labels")),
            vocabulary={t: i for i, t in enumerate(terms)},
            idf=z["idf"].astype(np.float32),
            weights=z["weights"].astype(np.float32),
            bias=z["bias"].astype(np.float32),
            thresholds=z["thresholds"].astype(np.float32),
            cued=z["cued"].astype(np.float32),
            groups=frozenset(text("groups")),
            meta=json.loads(bytes(z["meta"]).decode()),
        )


@cache
def shipped_model() -> PassageModel | None:
    """The model under data/models/, loaded once (None when it has not been trained)."""
    return read_model(MODEL_PATH) if MODEL_PATH.exists() else None
