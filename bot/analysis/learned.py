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
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import numpy as np
import numpy.typing as npt

from bot.paths import MODEL_PATH

_TOKEN = re.compile(r"\w\w+")  # = scikit-learn's (?u)\b\w\w+\b: runs are maximal
_SENTENCE = re.compile(r"[^.!?…\n]+(?:[.!?…]+[\"'”’)]*|$)")
_MIN_SENTENCE_WORDS = 4
_MAX_REMEMBERED = 200_000  # distinct words whose topics are remembered


@dataclass(frozen=True, slots=True)
class ModelFinding:
    """A warning the model sees in a passage, with its probability (`PassageModel.strongest`
    gives its evidence sentence, computed only where one is quoted)."""

    slug: str
    probability: float


@dataclass(frozen=True, slots=True)
class _Lookup:
    """The vocabulary as arrays, so that a batch of texts is counted with numpy: each word
    of a term has an id; a bigram is found by its pair of ids in a sorted key array."""

    words: dict[str, int]  # every word that appears in a term -> its id
    unigram: npt.NDArray[np.intp]  # word id -> index of the one-word term, or -1
    pair_keys: npt.NDArray[np.int64]  # sorted first id * len(words) + second id
    pair_terms: npt.NDArray[np.intp]  # the bigram term index, aligned with pair_keys

    @classmethod
    def of(cls, vocabulary: dict[str, int]) -> _Lookup:
        words: dict[str, int] = {}
        for term in vocabulary:
            for word in term.split(" "):
                words.setdefault(word, len(words))
        unigram = np.full(len(words), -1, dtype=np.intp)
        keys, terms = [], []
        for term, index in vocabulary.items():
            first, _, second = term.partition(" ")
            if second:
                keys.append(words[first] * len(words) + words[second])
                terms.append(index)
            else:
                unigram[words[first]] = index
        order = np.argsort(np.asarray(keys, dtype=np.int64), kind="stable")
        return cls(
            words,
            unigram,
            np.asarray(keys, dtype=np.int64)[order],
            np.asarray(terms, dtype=np.intp)[order],
        )


@dataclass(frozen=True, slots=True)
class Features:
    """Sparse tf-idf rows of a batch of texts: entry k is (`rows[k]`, `terms[k]`, `values[k]`),
    sorted by row."""

    count: int
    rows: npt.NDArray[np.intp]
    terms: npt.NDArray[np.intp]
    values: npt.NDArray[np.float64]


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
    _lookup: _Lookup = field(init=False, repr=False, compare=False)
    _topics: _Topics = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_lookup", _Lookup.of(self.vocabulary))
        topics = self.meta.get("topics", {})
        object.__setattr__(self, "_topics", _Topics.of(topics if isinstance(topics, dict) else {}))

    def on_topic(self, text: str) -> frozenset[str]:
        """The labels whose topic words `text` uses (their cued threshold applies there)."""
        return self._topics.of_words(_TOKEN.findall(text.lower()))

    def probabilities(self, text: str) -> npt.NDArray[np.float64]:
        """P(label) for one text, in `labels` order."""
        return self._scores([_TOKEN.findall(text.lower())])[0][0]

    def _scores(
        self, tokens: Sequence[list[str]]
    ) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
        """Per text (as its `tokens`): (probabilities, what the text's own words add to each
        label's score)."""
        f = self._counted(tokens)
        evidence = np.zeros((f.count, len(self.labels)))
        if len(f.rows):
            starts = np.flatnonzero(np.r_[True, f.rows[1:] != f.rows[:-1]])
            contrib = self.weights[f.terms] * f.values[:, None]
            evidence[f.rows[starts]] = np.add.reduceat(contrib, starts, axis=0)
        return 1.0 / (1.0 + np.exp(-(self.bias + evidence))), evidence

    def findings(self, text: str, cued: frozenset[str] = frozenset()) -> list[ModelFinding]:
        """The labels whose probability reaches their threshold on the strength of the
        text's own words (a label's bias alone, on an empty or unknown text, is no finding),
        strongest first. Where a cue of a label matched (`cued`) or the text is on the
        label's topic (`on_topic`), its `cued` threshold applies: some labels were learned
        from passages chosen for holding a cue word."""
        return self.findings_many([text], [cued])[0]

    def findings_many(
        self, texts: Sequence[str], cued: Sequence[frozenset[str]]
    ) -> list[list[ModelFinding]]:
        """`findings` for a batch of texts at once (one numpy pass over all of them)."""
        tokens = [_TOKEN.findall(text.lower()) for text in texts]
        probs, evidence = self._scores(tokens)
        labels = self.labels
        own = evidence > 0
        low, high = np.minimum(self.cued, self.thresholds), np.maximum(self.cued, self.thresholds)
        hit = own & (probs >= high)
        # between the two thresholds it depends on the passage: cued or on the label's topic
        maybe = own & ~hit & (probs >= low)
        for row in map(int, np.flatnonzero(maybe.any(axis=1))):
            here = cued[row] | self._topics.of_words(tokens[row])
            gated = np.array([label in here for label in labels], dtype=bool)
            hit[row] |= maybe[row] & (gated == (self.cued < self.thresholds))
        out: list[list[ModelFinding]] = [[] for _ in texts]
        for row, k in zip(*np.nonzero(hit), strict=True):
            out[row].append(ModelFinding(labels[k], float(probs[row, k])))
        for found in out:
            found.sort(key=lambda f: -f.probability)
        return out

    def strongest(self, text: str, label: int) -> str:
        """The sentence of `text` that scores highest for one label (its evidence)."""
        sentences = [
            sentence
            for match in _SENTENCE.finditer(text)
            if len((sentence := match.group().strip()).split()) >= _MIN_SENTENCE_WORDS
        ]
        if not sentences:
            return text.strip()
        f = self.features(sentences)
        scores = np.zeros(len(sentences))
        np.add.at(scores, f.rows, f.values * self.weights[f.terms, label])
        return sentences[int(np.argmax(scores))]

    def features(self, texts: Sequence[str]) -> Features:
        """The tf-idf rows of `texts` (scikit-learn's, see the module docstring)."""
        return self._counted([_TOKEN.findall(text.lower()) for text in texts])

    def _counted(self, tokens: Sequence[list[str]]) -> Features:
        lk = self._lookup
        get = lk.words.get
        ids: list[int] = []
        rows: list[int] = []
        for row, text_tokens in enumerate(tokens):
            words = [get(w, -1) for w in text_tokens]
            ids.extend(words)
            ids.append(-1)  # no bigram across two texts
            rows.extend(itertools.repeat(row, len(words) + 1))
        word = np.asarray(ids, dtype=np.intp)
        row_of = np.asarray(rows, dtype=np.intp)
        known = word >= 0
        uni = np.full(len(word), -1, dtype=np.intp)
        uni[known] = lk.unigram[word[known]]
        first, second = word[:-1], word[1:]
        pair = (first >= 0) & (second >= 0)
        keys = first[pair].astype(np.int64) * len(lk.words) + second[pair]
        at = np.minimum(np.searchsorted(lk.pair_keys, keys), max(len(lk.pair_keys) - 1, 0))
        found = lk.pair_keys[at] == keys if len(lk.pair_keys) else np.zeros(len(keys), bool)
        terms = np.concatenate([uni[uni >= 0], lk.pair_terms[at[found]]])
        owners = np.concatenate([row_of[uni >= 0], row_of[:-1][pair][found]])
        width = len(self.vocabulary)
        cells, tf = np.unique(owners.astype(np.int64) * width + terms, return_counts=True)
        out_rows = (cells // width).astype(np.intp)
        out_terms = (cells % width).astype(np.intp)
        values = (1.0 + np.log(tf)) * self.idf[out_terms]
        norms = np.sqrt(np.bincount(out_rows, values * values, minlength=len(tokens)))
        return Features(len(tokens), out_rows, out_terms, values / norms[out_rows])

    def _features(self, text: str) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.float64]]:
        """One text's (term indices, values)."""
        f = self.features([text])
        return f.terms, f.values


@dataclass(frozen=True, slots=True)
class _Topics:
    """Per label, its topic words: whole words, or stems written with a trailing `*`
    ("kidnap*") that take any word beginning so. Each word is looked up once."""

    words: dict[str, frozenset[str]]  # whole word -> labels
    stems: tuple[tuple[re.Pattern[str], str], ...]  # (any of a label's stems, the label)
    seen: dict[str, frozenset[str]] = field(default_factory=dict)  # word on a topic -> labels
    checked: set[str] = field(default_factory=set)  # every word looked at so far

    @classmethod
    def of(cls, topics: dict[str, list[str]]) -> _Topics:
        words: dict[str, set[str]] = {}
        stems: list[tuple[re.Pattern[str], str]] = []
        for slug, entries in topics.items():
            for entry in entries:
                if not entry.endswith("*"):
                    words.setdefault(entry.lower(), set()).add(slug)
            starts = [re.escape(e[:-1].lower()) for e in entries if e.endswith("*")]
            if starts:
                stems.append((re.compile("|".join(starts)), slug))
        return cls({w: frozenset(s) for w, s in words.items()}, tuple(stems))

    def of_words(self, words: Iterable[str]) -> frozenset[str]:
        hot = self.seen
        unique = set(words)
        if len(self.checked) > _MAX_REMEMBERED:  # a long-running bot meets ever more words
            self.checked.clear()
            hot.clear()
        for word in unique - self.checked:
            found = set(self.words.get(word, ()))
            found.update(slug for stem, slug in self.stems if stem.match(word))
            if found:
                hot[word] = frozenset(found)
            self.checked.add(word)
        return frozenset().union(*(hot[w] for w in unique & hot.keys()))


def topic_words(text: str, topics: dict[str, list[str]]) -> frozenset[str]:
    """The labels of `topics` whose topic words `text` uses (as a model's `on_topic`)."""
    return _Topics.of(topics).of_words(_TOKEN.findall(text.lower()))


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
