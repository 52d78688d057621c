"""The learned passage model: features identical to scikit-learn's, a small shipped file,
training that runs, and thresholds chosen out of fold."""

from __future__ import annotations

import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.feature_extraction.text import TfidfVectorizer

from bot.analysis.learned import (
    PassageModel,
    _hash,
    _Lookup,
    _Table,
    read_model,
    save_model,
    shipped_model,
    topic_words,
)
from bot.analysis.training import (
    Row,
    TrainingError,
    fit,
    labels_of,
    load_config,
    read_material,
    read_vectors,
    train,
    write_vectors,
)
from bot.paths import MODEL_PATH

TEXTS = [
    "He punched him twice; the belt came down again and again.",
    "She baked bread for the festival, humming, flour on her cheek.",
    "The blade bit into his forearm and he watched the blood bead.",
    "They kissed under the lanterns, laughing, and nobody died that night.",
    "Ünïcode wörds and CJK 文字 mixed with ordinary ones.",
]


def test_features_are_scikit_learns() -> None:
    rows = [
        Row(t, f"g{i}", {"violence": float(i % 2)}, {"violence": bool(i % 2)})
        for i, t in enumerate(TEXTS * 3)
    ]
    config = load_config()
    once = config.features.model_copy(update={"min_df": 1})
    model = fit(rows, ["violence"], config.model_copy(update={"features": once}))
    sk = TfidfVectorizer(ngram_range=(1, 2), min_df=1, sublinear_tf=True)
    sk.fit([r.text for r in rows])
    assert set(model.vocabulary) == set(sk.vocabulary_)
    to_sk = {i: sk.vocabulary_[term] for term, i in model.vocabulary.items()}
    for text in [*TEXTS, "belt belt belt and blood", ""]:
        expected = sk.transform([text]).toarray()[0]
        idx, val = model._features(text)
        mine = np.zeros(len(expected))
        mine[[to_sk[int(i)] for i in idx]] = val
        assert np.allclose(mine, expected, atol=1e-9), text


_WORDS = re.compile(r"(?u)\b\w\w+\b")  # scikit-learn's token pattern
_PIECES = st.sampled_from(
    [
        "the",
        "belt",
        "Belt",
        "BLOOD",
        "kidnapped",
        "kidnappers",
        "grave",
        "a",
        "I",
        "x9",
        "_",
        "__init__",
        "don",
        "’",
        "‘",
        "“",
        "”",
        "—",
        "–",
        "…",
        "«",
        "»",
        "·",
        "•",
        "\u00a0",
        "\u2009",
        "\u202f",
        "café",
        "Ünïcode",
        "文字",
        "★",
        "é",
        "İ",
        "ß",
        "\n",
        " ",
        ",",
        ".",
        "'",
        "-",
        "\t",
        "mmmmmmmmmmmmmmmm",
        "unquestionablyhorrible",
        "naïveté",
    ]
)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.lists(_PIECES, max_size=30).map("".join), min_size=1, max_size=6))
def test_words_found_in_numpy_are_scikit_learns_tokens(texts: list[str]) -> None:
    """Word ids and the texts they belong to, as the regular expression splits them (the
    bytes of ASCII text, curly quotes, dashes and no-break spaces are split in numpy)."""
    model = shipped_model()
    assert model is not None
    found = model._lookup.word_ids(texts)
    expected = [
        (row, model._lookup.words.get(word, -1))
        for row, text in enumerate(texts)
        for word in _WORDS.findall(text.lower())
    ]
    assert list(zip(found.rows.tolist(), found.ids.tolist(), strict=True)) == expected
    spans = zip(found.begin.tolist(), found.end.tolist(), strict=True)
    words = [found.buffer[b:e].decode() for b, e in spans]
    assert words == [w for text in texts for w in _WORDS.findall(text.lower())]


@settings(max_examples=60, deadline=None)
@given(st.sets(st.integers(0, 2**64 - 1), max_size=300), st.lists(st.integers(0, 2**64 - 1)))
def test_the_hash_table_finds_every_key_and_nothing_else(keys: set[int], others: list[int]) -> None:
    """Built all at once (colliding keys probe on round by round), the table still finds each
    key's own id, and no id for a key it does not hold."""
    held = np.array(sorted(keys), dtype=np.uint64)
    table = _Table.of(held, np.arange(len(held), dtype=np.intp)[::-1].copy())
    assert table.find(held).tolist() == list(range(len(held)))[::-1]
    absent = np.array([k for k in others if k not in keys], dtype=np.uint64)
    assert (table.find(absent) == -1).all()


def test_keys_that_share_a_home_slot_probe_on_and_are_all_found() -> None:
    keys = np.arange(20_000, dtype=np.uint64)
    table = _Table.of(keys, np.arange(20_000, dtype=np.intp))
    assert table.probes >= 1  # some keys had to move on from their home slot
    assert table.find(keys).tolist() == list(range(20_000))


def test_words_whose_hashes_collide_are_still_found() -> None:
    """Two vocabulary words with one 64-bit hash (built on purpose) are both looked up by
    their text, never lost or taken for each other."""
    one, two = "pjszkmrjzlqrrzwg", "mpgipwjfikdpcrwy"
    lookup = _Lookup.of({one: 0, two: 1, "other": 2})
    packed = [np.frombuffer(w.encode(), dtype="<u8") for w in (one, two)]
    hashes = [_hash(k[:1], k[1:], np.array([16])) for k in packed]
    assert hashes[0] == hashes[1]
    found = lookup.word_ids([f"{one} {two} other", "otherwise"])
    assert found.ids.tolist() == [lookup.words[one], lookup.words[two], lookup.words["other"], -1]


def test_a_long_story_is_scored_in_pieces_with_the_same_results() -> None:
    model = shipped_model()
    assert model is not None
    texts = [t * 40 for t in TEXTS] * 120  # about 2.4 MB: three numpy passes
    cued = [frozenset()] * len(texts)
    whole = model.findings_many(texts, cued)
    assert whole == [model.findings(t) for t in texts[: len(TEXTS)]] * 120
    assert any(whole)


def test_topics_of_a_batch_are_each_texts_own() -> None:
    model = shipped_model()
    assert model is not None
    texts = [*TEXTS, "The kidnappers’ van—gone.", "Funérailles at the grave", "a quiet day"]
    words = model._lookup.word_ids(texts)
    on = model._on_topic(words, np.arange(len(texts)), len(texts))
    for row, text in enumerate(texts):
        labels = {model.labels[k] for k in np.flatnonzero(on[row])}
        assert labels == set(model.on_topic(text)), text
    assert "kidnapping" in model.on_topic("The kidnappers’ van—gone.")


def test_the_shipped_model_is_small_and_loads() -> None:
    assert MODEL_PATH.stat().st_size < 3_000_000
    model = shipped_model()
    assert model is not None
    assert {"suicide", "self-harm", "violence", "death", "kidnapping", "discrimination"} <= set(
        model.labels
    )
    assert all(0.05 <= t <= 0.95 for t in model.cued)
    labels, thresholds = model.labels, model.thresholds
    never_off_topic = {label for label, t in zip(labels, thresholds, strict=True) if t == np.inf}
    assert never_off_topic == {"death", "discrimination", "kidnapping", "violence"}
    assert all(0.05 <= t <= 0.95 for t in model.thresholds if t != np.inf)
    assert model.weights.shape == (len(model.vocabulary), len(model.labels))


def test_save_and_read_give_the_same_scores(tmp_path) -> None:
    model = shipped_model()
    assert model is not None
    path = tmp_path / "m.npz"
    save_model(model, path)
    again = read_model(path)
    for text in TEXTS:
        assert np.allclose(model.probabilities(text), again.probabilities(text), atol=1e-3)


def test_model_evidence_is_the_strongest_sentence() -> None:
    model = shipped_model()
    assert model is not None
    k = model.labels.index("violence")
    text = "The sun was warm on the porch. He punched him in the face and kicked him while he was down. Later they had tea."
    assert "punched" in model.strongest(text, k)


@pytest.mark.slow
def test_training_runs_and_thresholds_are_chosen_per_label() -> None:
    rows = read_material()
    config = load_config()
    labels = labels_of(rows, config)
    assert "suicide" in labels and "self-harm" in labels
    model = train(
        rows, config.model_copy(update={"fit": config.fit.model_copy(update={"folds": 3})})
    )
    assert model.labels == labels
    assert len(set(np.round(model.thresholds, 2))) > 1  # chosen per label, not one for all
    assert model.groups == {r.group for r in rows}


def test_rows_gathered_for_one_question_are_no_presumed_negatives_of_others() -> None:
    """Rows of an `only_asked` source (the identity scenes) answer the labels they name and
    nothing else: not a presumed negative of suicide, however close their words."""
    rows = [
        Row(
            "he tied the rope and stepped off the chair", "a:1", {"suicide": 1.0}, {"suicide": True}
        ),
        Row("she baked bread by the window", "a:2", {"suicide": 0.0}, {"suicide": False}),
        Row(
            "the rope swing by the river",
            "scenes:1",
            {"discrimination": 0.0},
            {"discrimination": False},
        ),
        Row(
            "they spat a slur at him by the river",
            "scenes:2",
            {"discrimination": 1.0},
            {"discrimination": True},
        ),
    ]
    config = load_config().model_copy(update={"vectors": None})
    only = config.model_copy(
        update={"fit": config.fit.model_copy(update={"only_asked": frozenset({"scenes"})})}
    )
    labels = ["discrimination", "suicide"]
    presumed = fit(rows, labels, config).probabilities("the rope swing by the river")[1]
    asked = fit(rows, labels, only).probabilities("the rope swing by the river")[1]
    assert asked > presumed + 0.05


def test_topic_words_are_whole_words_or_stems() -> None:
    topics = {"kidnapping": ["kidnap*", "taken"], "death": ["dead", "funeral*"]}
    assert topic_words("They KIDNAPPED her at dawn.", topics) == {"kidnapping"}
    assert topic_words("The deadline was taken seriously.", topics) == {"kidnapping"}
    assert topic_words("Funerals and the dead.", topics) == {"death"}
    assert topic_words("A deadline, a kidney, a mistake.", topics) == frozenset()


def test_the_shipped_model_reads_its_topics_and_applies_the_cued_threshold_on_them() -> None:
    model = shipped_model()
    assert model is not None
    assert "death" in model.on_topic("They buried the body at dawn.")
    assert model.on_topic("She baked bread for the festival.") == frozenset()


def test_on_its_topic_or_cued_a_label_takes_its_lower_threshold() -> None:
    model = PassageModel(
        labels=("death",),
        vocabulary={"quiet": 0, "grave": 1},
        idf=np.ones(2, dtype=np.float32),
        weights=np.array([[2.0], [0.0]], dtype=np.float32),
        bias=np.array([-1.5], dtype=np.float32),
        thresholds=np.array([0.7], dtype=np.float32),
        cued=np.array([0.3], dtype=np.float32),
        groups=frozenset(),
        meta={"topics": {"death": ["grave"]}},
    )
    assert 0.3 < model.probabilities("quiet")[0] < 0.7
    assert model.findings("quiet") == []
    assert [f.slug for f in model.findings("quiet", frozenset({"death"}))] == ["death"]
    assert [f.slug for f in model.findings("a quiet grave")] == ["death"]
    assert model.findings("a grave") == []  # the topic word alone is no evidence


def _death_model(**vectors: object) -> PassageModel:
    return PassageModel(
        labels=("death",),
        vocabulary={"quiet": 0},
        idf=np.ones(1, dtype=np.float32),
        weights=np.zeros((1, 1), dtype=np.float32),
        bias=np.array([-2.0], dtype=np.float32),
        thresholds=np.array([0.5], dtype=np.float32),
        cued=np.array([0.5], dtype=np.float32),
        groups=frozenset(),
        meta={},
        **vectors,  # type: ignore[arg-type]
    )


def test_a_word_no_training_row_used_counts_by_its_meaning() -> None:
    """The words' vectors, projected onto the labels, are summed over all of a text's
    words: a word without a vector (or in another script) dilutes them."""
    model = _death_model(vector_words=("tomb",), meanings=np.array([[8.0]], dtype=np.float32))
    assert [f.slug for f in model.findings("the tomb")] == ["death"]  # (8 / 2) - 2 > 0
    assert model.findings("the quiet tomb of kings and queens") == []  # 8 / 7 - 2 < 0
    assert model.findings("the quiet") == []
    assert model.probabilities("墓 tomb 墓地 墓碑 墓园 陵墓 坟墓")[0] < 0.5
    assert np.allclose(_death_model().probabilities("the tomb"), 1 / (1 + np.exp(2.0)))


def test_the_shipped_model_keeps_word_meanings_only_for_the_labels_configured() -> None:
    model = shipped_model()
    config = load_config()
    assert model is not None and model.meanings is not None and config.vectors is not None
    assert model.meanings.shape == (len(model.vector_words), len(model.labels))
    assert len(model.vector_words) == config.vectors.words
    used = {model.labels[k] for k in np.flatnonzero(np.abs(model.meanings).sum(axis=0))}
    assert used == set(config.vectors.labels)


def test_word_vectors_are_written_from_a_glove_text_file(tmp_path) -> None:
    source = tmp_path / "glove.txt"
    source.write_text(
        "the 0.1 0.2\n, 0.3 0.4\n's 0.5 0.6\nx9 0.7 0.8\nblood 1.5 -2\na 1 1\ngrave 0 1\n",
        encoding="utf-8",
    )
    out = tmp_path / "v.npz"
    assert write_vectors(source, out, 2) == 2
    vectors = read_vectors(out)
    assert vectors.words == ("the", "blood")  # two or more letters, most frequent first
    assert np.allclose(vectors.matrix, [[0.1, 0.2], [1.5, -2.0]], atol=1e-3)
    assert np.allclose(
        vectors.means(["The BLOOD, the blood!", "墓地"]), [[0.8, -0.9], [0, 0]], atol=1e-3
    )
    source.write_text("the 0.1 0.2\nblood 1.5 oops\n", encoding="utf-8")
    with pytest.raises(TrainingError, match="line 2: not a vector"):
        write_vectors(source, tmp_path / "w.npz", 5)
    assert not (tmp_path / "w.npz").exists()
