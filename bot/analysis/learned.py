"""The learned passage classifier: a linear model over word n-grams, loaded once.

Trained offline by `ficshelf train` (bot/analysis/training.py, scikit-learn); here it is
only applied, with numpy, so the bot needs no scikit-learn at run time. The features are
scikit-learn's `TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True)` reproduced
exactly (tests compare the two): lower case, words of two or more word characters,
unigrams and bigrams, 1 + log(tf) times idf, L2-normalised. Beside them, what the words
mean: the sum of their GloVe vectors over the number of words, which the model keeps
already projected onto its labels (one number per word and label), so a word it never met
in training still counts by its meaning. A batch of texts (a story's passages) is split
into words and looked up on its UTF-8 bytes with numpy wherever the text allows
(`_Lookup.word_ids`), so indexing pays little per word.
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
from bot.readers.words import STORY_PUNCTUATION, STORY_SPACES

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
    of a term has an id; a bigram is found by its pair of ids."""

    words: dict[str, int]  # every word of a term or with a vector -> its id
    unigram: npt.NDArray[np.intp]  # word id -> index of the one-word term, or -1
    pairs: _Table  # first id * len(words) + second id -> the bigram term index
    packed: _PackedWords
    vector: npt.NDArray[np.intp]  # word id -> its row of the model's meanings, or -1

    @classmethod
    def of(cls, vocabulary: dict[str, int], vector_words: Sequence[str] = ()) -> _Lookup:
        words: dict[str, int] = {}
        for term in vocabulary:
            for word in term.split(" "):
                words.setdefault(word, len(words))
        for word in vector_words:
            words.setdefault(word, len(words))
        vector = np.full(len(words), -1, dtype=np.intp)
        vector[[words[w] for w in vector_words]] = np.arange(len(vector_words))
        unigram = np.full(len(words), -1, dtype=np.intp)
        keys, terms = [], []
        for term, index in vocabulary.items():
            first, _, second = term.partition(" ")
            if second:
                keys.append(words[first] * len(words) + words[second])
                terms.append(index)
            else:
                unigram[words[first]] = index
        pairs = _Table.of(np.asarray(keys, dtype=np.uint64), np.asarray(terms, dtype=np.intp))
        return cls(words, unigram, pairs, _PackedWords.of(words), vector)

    def word_ids(self, texts: Sequence[str]) -> _Words:
        """The words of `texts` in order. Text whose only characters that are neither ASCII
        nor word characters are the common punctuation and spaces of stories (nearly all
        text) is split and looked up on its UTF-8 bytes in numpy; the rest word by word."""
        fast: list[bytes] = []
        fast_rows: list[int] = []
        slow: list[str] = []
        slow_rows: list[int] = []
        for row, text in enumerate(texts):
            if text.isascii():
                fast.append(text.encode())
            else:
                low = text.lower()
                if _OTHER_NON_WORD.search(low):
                    found = _TOKEN.findall(low)
                    slow.extend(found)
                    slow_rows.extend(itertools.repeat(row, len(found)))
                    continue
                fast.append(low.encode())
            fast_rows.append(row)
        words = self._byte_ids(fast, fast_rows)
        if not slow:
            return words
        get = self.words.get
        tail = "\n".join(slow).encode()
        sizes = np.fromiter((len(w.encode()) + 1 for w in slow), dtype=np.int64, count=len(slow))
        begin = np.cumsum(sizes) - sizes + len(words.buffer) + 1
        ids = np.concatenate([words.ids, np.fromiter((get(w, -1) for w in slow), dtype=np.intp)])
        rows = np.concatenate([words.rows, np.asarray(slow_rows, dtype=np.intp)])
        order = np.argsort(rows, kind="stable")  # each text's words stay in order
        return _Words(
            ids[order],
            rows[order],
            np.concatenate([words.begin, begin])[order],
            np.concatenate([words.end, begin + sizes - 1])[order],
            words.buffer + b"\n" + tail,
        )

    def _byte_ids(self, texts: list[bytes], rows: list[int]) -> _Words:
        """`word_ids` of UTF-8 texts (lower case but for ASCII) whose characters beyond
        ASCII are all word characters or `_MARK_BYTES`."""
        if not texts:
            empty = np.zeros(0, dtype=np.intp)
            return _Words(empty, empty, empty, empty, b"")
        joined = b"\n".join(texts).lower() + bytes(_PACKED)  # padding: keys read 16 bytes on
        sizes = np.fromiter((len(t) + 1 for t in texts), dtype=np.int64, count=len(texts))
        starts = np.cumsum(sizes) - sizes
        raw = np.frombuffer(joined, dtype=np.uint8)
        letters = _WORD_BYTE[raw]
        ascii_only = joined.isascii()
        if not ascii_only:
            for prefix, last in _MARK_BYTES:  # a mark's bytes are no letters
                n = len(prefix)
                at_mark = last[raw[n:]]
                for j, byte in enumerate(prefix):
                    at_mark &= raw[j : len(raw) - n + j] == byte
                found = np.flatnonzero(at_mark)
                for j in range(n + 1):
                    letters[found + j] = False
        edges = np.diff(np.concatenate([[False], letters, [False]]).astype(np.int8))
        begin, end = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)
        length = end - begin
        keep = length >= 2  # words of two or more characters
        if not ascii_only:  # ... not bytes: no single character of two to four bytes
            keep &= (length > 4) | (_CHAR_BYTES[raw[begin]] != length)
        begin, end, length = begin[keep], end[keep], length[keep]
        row_of = np.asarray(rows, dtype=np.intp)[np.searchsorted(starts, begin, side="right") - 1]
        first, second = _packed(joined, begin, length)
        word = self.packed.find(first, second, length)
        for k in np.flatnonzero((length > _PACKED) | (word == -2)):
            word[k] = self.words.get(joined[begin[k] : end[k]].decode(), -1)
        return _Words(word, row_of, begin, end, joined)


@dataclass(frozen=True, slots=True)
class _Words:
    """The words of a batch of texts, in order: entry k is word `ids[k]` (-1: not in the
    vocabulary) of text `rows[k]`, lower case, in `buffer[begin[k]:end[k]]` (UTF-8)."""

    ids: npt.NDArray[np.intp]
    rows: npt.NDArray[np.intp]
    begin: npt.NDArray[np.intp]
    end: npt.NDArray[np.intp]
    buffer: bytes


@dataclass(frozen=True, slots=True)
class _Table:
    """An open-addressing hash table from 64-bit keys to ids, looked up in numpy."""

    keys: npt.NDArray[np.uint64]  # per slot
    ids: npt.NDArray[np.intp]  # per slot; -1: empty
    probes: int  # the longest run from a key's home slot to its own

    @classmethod
    def of(cls, keys: npt.NDArray[np.uint64], ids: npt.NDArray[np.intp]) -> _Table:
        size = 1 << max(4, (4 * len(keys)).bit_length())  # at most a quarter full
        table_keys = np.zeros(size, dtype=np.uint64)
        table_ids = np.full(size, -1, dtype=np.intp)
        # linear probing, all keys at once: each round, every key not yet placed tries the
        # next slot from its home; of the keys trying one empty slot, the first takes it.
        # A key only moves past taken slots, so none lies beyond an empty one (`find`).
        home = (_mix(keys) & np.uint64(size - 1)).astype(np.intp)
        step = np.zeros(len(keys), dtype=np.intp)
        todo = np.arange(len(keys))
        while len(todo):
            slot = (home[todo] + step[todo]) & (size - 1)
            free = table_ids[slot] < 0
            _, first = np.unique(slot, return_index=True)
            takes = np.zeros(len(todo), dtype=bool)
            takes[first] = True
            takes &= free
            table_keys[slot[takes]], table_ids[slot[takes]] = keys[todo[takes]], ids[todo[takes]]
            todo = todo[~takes]
            step[todo] += 1
        return cls(table_keys, table_ids, int(step.max(initial=0)))

    def find(self, keys: npt.NDArray[np.uint64]) -> npt.NDArray[np.intp]:
        """The id of each key (-1 for a key not in the table)."""
        mask = len(self.ids) - 1
        slot = (_mix(keys) & np.uint64(mask)).astype(np.intp)
        out = np.full(len(keys), -1, dtype=np.intp)
        todo = np.arange(len(keys))
        for _ in range(self.probes + 1):
            here = slot[todo]
            ids = self.ids[here]
            same = (self.keys[here] == keys[todo]) & (ids >= 0)
            out[todo[same]] = ids[same]
            todo = todo[~same & (ids >= 0)]  # an empty slot ends the search
            if not len(todo):
                break
            slot[todo] = (slot[todo] + 1) & mask
        return out


@dataclass(frozen=True, slots=True)
class _PackedWords:
    """The words of the vocabulary of at most `_PACKED` UTF-8 bytes, each packed into two
    64-bit keys with its length and found by a hash of the three; a word found is confirmed
    on the whole key, so no other word is ever taken for a vocabulary word. Words whose
    hash another vocabulary word shares, and longer words, are looked up by their text."""

    table: _Table  # hash of the packed word -> word id
    first: npt.NDArray[np.uint64]  # per word id: its packed key (length -1: by text)
    second: npt.NDArray[np.uint64]
    lengths: npt.NDArray[np.int64]
    shared: npt.NDArray[np.uint64]  # sorted hashes of more than one vocabulary word

    @classmethod
    def of(cls, words: dict[str, int]) -> _PackedWords:
        encoded = [w.encode() for w in sorted(words, key=words.__getitem__)]  # in id order
        lengths = np.fromiter(map(len, encoded), dtype=np.int64, count=len(encoded))
        begin = np.cumsum(lengths + 1) - (lengths + 1)
        first, second = _packed(b"\n".join(encoded) + bytes(_PACKED), begin, lengths)
        lengths[lengths > _PACKED] = -1
        short = np.flatnonzero(lengths >= 0)
        hashes = _hash(first[short], second[short], lengths[short])
        distinct, counts = np.unique(hashes, return_counts=True)
        shared = distinct[counts > 1]
        alone = ~np.isin(hashes, shared)
        lengths[short[~alone]] = -1
        table = _Table.of(hashes[alone], short[alone].astype(np.intp))
        return cls(table, first, second, lengths, shared)

    def find(
        self,
        first: npt.NDArray[np.uint64],
        second: npt.NDArray[np.uint64],
        lengths: npt.NDArray[np.int64],
    ) -> npt.NDArray[np.intp]:
        """The word id of each packed word (-1 for a word not in the vocabulary, -2 for one
        to look up by its text)."""
        hashes = _hash(first, second, lengths)
        ids = self.table.find(hashes)
        found = np.flatnonzero(ids >= 0)
        at = ids[found]
        wrong = (
            (self.lengths[at] != lengths[found])
            | (self.first[at] != first[found])
            | (self.second[at] != second[found])
        )
        ids[found[wrong]] = -1
        if len(self.shared):
            ids[np.isin(hashes, self.shared)] = -2
        return ids


def _packed(
    buffer: bytes, begin: npt.NDArray[np.int64], lengths: npt.NDArray[np.int64]
) -> tuple[npt.NDArray[np.uint64], npt.NDArray[np.uint64]]:
    """The two keys of each word `buffer[begin:begin + length]` (of at most `_PACKED`
    bytes; `buffer` padded with `_PACKED` bytes): its bytes, little-endian, zero after it."""
    at = np.ndarray((len(buffer) - 7,), dtype="<u8", buffer=buffer, strides=(1,))  # in place
    first = at[begin] & _LOW_BYTES[np.clip(lengths, 0, 8)]
    second = at[begin + 8] & _LOW_BYTES[np.clip(lengths - 8, 0, 8)]
    return first, second


def _mix(keys: npt.NDArray[np.uint64]) -> npt.NDArray[np.uint64]:
    with np.errstate(over="ignore"):
        mixed = keys * _MIX[0]
        return mixed ^ (mixed >> np.uint64(31))


def _hash(
    first: npt.NDArray[np.uint64], second: npt.NDArray[np.uint64], lengths: npt.NDArray[np.int64]
) -> npt.NDArray[np.uint64]:
    with np.errstate(over="ignore"):  # multiplication modulo 2**64 is the point
        mixed = (first * _MIX[0]) ^ (second * _MIX[1]) ^ (lengths.astype(np.uint64) * _MIX[2])
        return mixed ^ (mixed >> np.uint64(29))


def _mark_bytes(marks: str) -> tuple[tuple[bytes, npt.NDArray[np.bool_]], ...]:
    """`marks` (characters beyond ASCII) in UTF-8, grouped by their leading bytes: (the
    leading bytes, which last bytes complete a mark)."""
    groups: dict[bytes, list[int]] = {}
    for mark in marks:
        data = mark.encode()
        groups.setdefault(data[:-1], []).append(data[-1])
    return tuple((lead, np.isin(np.arange(256), last)) for lead, last in sorted(groups.items()))


_PACKED = 16  # bytes of a word packed into its two keys
_BATCH_CHARS = 1_000_000  # text scored in one numpy pass (about 20 bytes of memory a byte)
_MIX = (np.uint64(0x9E3779B97F4A7C15), np.uint64(0xC2B2AE3D27D4EB4F), np.uint64(0x165667B19E3779F9))
_MARK_BYTES = _mark_bytes(STORY_PUNCTUATION + STORY_SPACES)  # no word characters: they split words
# word bytes: ASCII letters, digits and "_", and (in text that passed _OTHER_NON_WORD) every
# byte of a character beyond ASCII
_WORD_BYTE = np.array([chr(b).isalnum() or chr(b) == "_" for b in range(128)] + [True] * 128)
_OTHER_NON_WORD = re.compile(rf"[^\x00-\x7f\w{STORY_PUNCTUATION}{STORY_SPACES}]")
_CHAR_BYTES = np.array([1] * 0xC0 + [2] * 32 + [3] * 16 + [4] * 8 + [1] * 8)  # by first byte
_LOW_BYTES = np.array([(1 << (8 * k)) - 1 for k in range(9)], dtype=np.uint64)  # k bytes kept


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
    vector_words: tuple[str, ...] = ()  # the words whose meaning counts
    meanings: npt.NDArray[np.float32] | None = None  # (vector words, labels)
    _lookup: _Lookup = field(init=False, repr=False, compare=False)
    _topics: _Topics = field(init=False, repr=False, compare=False)
    _topic_mask: npt.NDArray[np.bool_] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_lookup", _Lookup.of(self.vocabulary, self.vector_words))
        topics = self.meta.get("topics", {})
        object.__setattr__(self, "_topics", _Topics.of(topics if isinstance(topics, dict) else {}))
        object.__setattr__(self, "_topic_mask", self._topics.mask(self._lookup.words, self.labels))

    def on_topic(self, text: str) -> frozenset[str]:
        """The labels whose topic words `text` uses (their cued threshold applies there)."""
        return self._topics.of_words(words_of(text))

    def probabilities(self, text: str) -> npt.NDArray[np.float64]:
        """P(label) for one text, in `labels` order."""
        return self._scores(self._lookup.word_ids([text]), 1)[0][0]

    def _scores(
        self, words: _Words, count: int
    ) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
        """Per text: (probabilities, what the text's own words add to each label's score)."""
        f = self._features_of(words, count)
        evidence = np.zeros((count, len(self.labels)))
        if len(f.rows):
            starts = np.flatnonzero(np.r_[True, f.rows[1:] != f.rows[:-1]])
            contrib = self.weights[f.terms] * f.values[:, None]
            evidence[f.rows[starts]] = np.add.reduceat(contrib, starts, axis=0)
        if self.meanings is not None:
            evidence += self._meaning(words, count)
        return 1.0 / (1.0 + np.exp(-(self.bias + evidence))), evidence

    def _meaning(self, words: _Words, count: int) -> npt.NDArray[np.float64]:
        """(texts, labels): the meanings of the text's words summed, over its number of
        words (a word without a vector adds nothing)."""
        assert self.meanings is not None
        out = np.zeros((count, len(self.labels)))
        at = np.flatnonzero(words.ids >= 0)
        rows = self._lookup.vector[words.ids[at]]
        at, rows = at[rows >= 0], rows[rows >= 0]
        if len(at):
            owners = words.rows[at]
            starts = np.flatnonzero(np.r_[True, owners[1:] != owners[:-1]])
            sums = np.add.reduceat(self.meanings[rows], starts, axis=0, dtype=np.float64)
            out[owners[starts]] = sums
            out /= np.maximum(np.bincount(words.rows, minlength=count), 1)[:, None]
        return out

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
        """`findings` for a batch of texts at once (numpy passes over up to `_BATCH_CHARS`
        of text at a time, so a long story needs no more memory than a shorter one)."""
        out: list[list[ModelFinding]] = []
        start = 0
        while start < len(texts):
            end, size = start + 1, len(texts[start])
            while end < len(texts) and size + len(texts[end]) <= _BATCH_CHARS:
                size += len(texts[end])
                end += 1
            out.extend(self._findings_batch(texts[start:end], cued[start:end]))
            start = end
        return out

    def _findings_batch(
        self, texts: Sequence[str], cued: Sequence[frozenset[str]]
    ) -> list[list[ModelFinding]]:
        words = self._lookup.word_ids(texts)
        probs, evidence = self._scores(words, len(texts))
        labels = self.labels
        own = evidence > 0
        low, high = np.minimum(self.cued, self.thresholds), np.maximum(self.cued, self.thresholds)
        hit = own & (probs >= high)
        # between the two thresholds it depends on the passage: cued or on the label's topic
        maybe = own & ~hit & (probs >= low)
        rows = np.flatnonzero(maybe.any(axis=1))
        if len(rows):
            gated = self._on_topic(words, rows, len(texts))
            for row in rows.tolist():
                if cued[row]:
                    gated[row] |= [label in cued[row] for label in labels]
            hit |= maybe & (gated == (self.cued < self.thresholds))
        out: list[list[ModelFinding]] = [[] for _ in texts]
        for row, k in zip(*np.nonzero(hit), strict=True):
            out[row].append(ModelFinding(labels[k], float(probs[row, k])))
        for found in out:
            found.sort(key=lambda f: -f.probability)
        return out

    def _on_topic(
        self, words: _Words, rows: npt.NDArray[np.intp], count: int
    ) -> npt.NDArray[np.bool_]:
        """(texts, labels): whether each of `rows` uses a topic word of the label (the
        vocabulary's words are known in advance; other words are looked up by text)."""
        on = np.zeros((count, len(self.labels)), dtype=bool)
        wanted = np.zeros(count, dtype=bool)
        wanted[rows] = True
        mine = wanted[words.rows]
        known = np.flatnonzero(mine & (words.ids >= 0))
        at, label = np.nonzero(self._topic_mask[words.ids[known]])  # the topic words used
        on[words.rows[known[at]], label] = True
        index = {label: k for k, label in enumerate(self.labels)}
        unknown = np.flatnonzero(mine & (words.ids < 0))
        buffer = words.buffer
        spans = zip(words.begin[unknown].tolist(), words.end[unknown].tolist(), strict=True)
        texts = [buffer[b:e] for b, e in spans]
        topical: dict[bytes, list[int]] = {}
        for text in set(texts):
            labels = [index[s] for s in self._topics.of_word(text.decode()) if s in index]
            if labels:
                topical[text] = labels
        if topical:
            for row, text in zip(words.rows[unknown].tolist(), texts, strict=True):
                if text in topical:
                    on[row, topical[text]] = True
        return on

    def strongest(self, text: str, label: int) -> str:
        """The sentence of `text` that scores highest for one label (its evidence)."""
        sentences = [
            sentence
            for match in _SENTENCE.finditer(text)
            if len((sentence := match.group().strip()).split()) >= _MIN_SENTENCE_WORDS
        ]
        if not sentences:
            return text.strip()
        probs, _ = self._scores(self._lookup.word_ids(sentences), len(sentences))
        return sentences[int(np.argmax(probs[:, label]))]

    def features(self, texts: Sequence[str]) -> Features:
        """The tf-idf rows of `texts` (scikit-learn's, see the module docstring)."""
        return self._features_of(self._lookup.word_ids(texts), len(texts))

    def _features_of(self, words: _Words, count: int) -> Features:
        word, row = words.ids, words.rows
        lk = self._lookup
        known = word >= 0
        uni = np.full(len(word), -1, dtype=np.intp)
        uni[known] = lk.unigram[word[known]]
        first, second = word[:-1], word[1:]
        pair = (first >= 0) & (second >= 0) & (row[:-1] == row[1:])  # no bigram across texts
        keys = first[pair].astype(np.uint64) * np.uint64(len(lk.words)) + second[pair].astype(
            np.uint64
        )
        bigram = lk.pairs.find(keys)
        found = bigram >= 0
        terms = np.concatenate([uni[uni >= 0], bigram[found]])
        owners = np.concatenate([row[uni >= 0], row[:-1][pair][found]])
        width = len(self.vocabulary)
        cells, tf = np.unique(owners.astype(np.int64) * width + terms, return_counts=True)
        out_rows = (cells // width).astype(np.intp)
        out_terms = (cells % width).astype(np.intp)
        values = (1.0 + np.log(tf)) * self.idf[out_terms]
        norms = np.sqrt(np.bincount(out_rows, values * values, minlength=count))
        return Features(count, out_rows, out_terms, values / norms[out_rows])

    def _features(self, text: str) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.float64]]:
        """One text's (term indices, values)."""
        f = self.features([text])
        return f.terms, f.values


@dataclass(frozen=True, slots=True)
class _Topics:
    """Per label, its topic words: whole words, or stems written with a trailing `*`
    ("kidnap*") that take any word beginning so. Each word's labels are remembered."""

    words: dict[str, frozenset[str]]  # whole word -> labels
    stems: tuple[tuple[re.Pattern[str], str], ...]  # (any of a label's stems, the label)
    seen: dict[str, frozenset[str]] = field(default_factory=dict)  # word -> its labels

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

    def mask(self, words: dict[str, int], labels: Sequence[str]) -> npt.NDArray[np.bool_]:
        """(word id, label): whether each of `words` is a topic word of the label."""
        out = np.zeros((len(words), len(labels)), dtype=bool)
        ids = np.fromiter(words.values(), dtype=np.intp, count=len(words))
        joined = "\n".join(words)  # one line a word: a stem is looked for at line starts
        starts = np.cumsum([0, *(len(w) + 1 for w in words)])[:-1]
        for k, label in enumerate(labels):
            for word, slugs in self.words.items():
                if label in slugs and word in words:
                    out[words[word], k] = True
            for stem, slug in self.stems:
                if slug == label:
                    at = [m.start() for m in re.finditer(f"(?m)^(?:{stem.pattern})", joined)]
                    out[ids[np.searchsorted(starts, at)], k] = True
        return out

    def of_words(self, words: Iterable[str]) -> frozenset[str]:
        return frozenset().union(*map(self.of_word, set(words)))

    def of_word(self, word: str) -> frozenset[str]:
        found = self.seen.get(word)
        if found is None:
            if len(self.seen) > _MAX_REMEMBERED:  # a long-running bot meets ever more words
                self.seen.clear()
            found = frozenset(self.words.get(word, ())).union(
                slug for stem, slug in self.stems if stem.match(word)
            )
            self.seen[word] = found
        return found


def words_of(text: str) -> list[str]:
    """The words of `text` as the model splits it (lower case)."""
    return _TOKEN.findall(text.lower())


def topic_words(text: str, topics: dict[str, list[str]]) -> frozenset[str]:
    """The labels of `topics` whose topic words `text` uses (as a model's `on_topic`)."""
    return _compiled_topics(tuple((slug, tuple(words)) for slug, words in topics.items())).of_words(
        words_of(text)
    )


@cache  # training asks once per row of the same topics
def _compiled_topics(topics: tuple[tuple[str, tuple[str, ...]], ...]) -> _Topics:
    return _Topics.of({slug: list(words) for slug, words in topics})


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
            **(
                {}
                if model.meanings is None
                else {
                    "vector_words": np.frombuffer(
                        "\n".join(model.vector_words).encode(), dtype=np.uint8
                    ),
                    "meanings": model.meanings.astype(np.float16),
                }
            ),
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
            vector_words=tuple(text("vector_words")) if "meanings" in z.files else (),
            meanings=z["meanings"].astype(np.float32) if "meanings" in z.files else None,
        )


@cache
def shipped_model() -> PassageModel | None:
    """The model under data/models/, loaded once (None when it has not been trained)."""
    return read_model(MODEL_PATH) if MODEL_PATH.exists() else None
