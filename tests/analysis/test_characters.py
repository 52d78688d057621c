"""Characters: tags mapped to canonical names, detection in text, user-input lookup."""

from __future__ import annotations

import pytest

from bot.analysis.analyze import analyze
from bot.analysis.characters import canonical_tags, resolve_character
from bot.library import read_path, segment
from tests.analysis.helpers import STORIES, one_passage_each, story_from_lines


@pytest.mark.parametrize(
    ("name", "canonical"),
    [
        ("bakugo", "Bakugou Katsuki"),
        ("Bakugou", "Bakugou Katsuki"),
        ("kacchan", "Bakugou Katsuki"),
        ("Dynamight", "Bakugou Katsuki"),
        ("Katsuki Bakugo", "Bakugou Katsuki"),
        ("Deku", "Midoriya Izuku"),
        ("izuku", "Midoriya Izuku"),
        ("Shoto", "Todoroki Shouto"),
        ("Shouto", "Todoroki Shouto"),
        ("todoroki", "Todoroki Shouto"),
        ("all might", "Yagi Toshinori | All Might"),
        ("Eraserhead", "Aizawa Shouta | Eraserhead"),
        ("bakugoo", "Bakugou Katsuki"),
        ("kirishima", "Kirishima Eijirou"),
    ],
)
def test_resolve(name: str, canonical: str) -> None:
    assert resolve_character(name) == canonical


def test_resolve_unknown() -> None:
    assert resolve_character("Harry Potter") is None
    assert resolve_character("") is None


def test_tags_are_mapped_when_known() -> None:
    assert canonical_tags(
        ["Bakugo Katsuki", "Reader", "Midoriya Izuku", "Yagi Toshinori | All Might"]
    ) == [
        "Bakugou Katsuki",
        "Reader",
        "Midoriya Izuku",
        "Yagi Toshinori | All Might",
    ]


def test_characters_in_plain_seed() -> None:
    story = read_path(STORIES / "swan-dive.txt")
    passages = segment(story)
    a = analyze(story, passages)
    assert a.characters[:2] == ["Midoriya Izuku", "Bakugou Katsuki"]
    first = a.passages[0].characters
    assert {"Midoriya Izuku", "Bakugou Katsuki"} <= first


def test_characters_from_tags_win() -> None:
    story = read_path(STORIES / "quirkless-soul-marks.txt")
    story.characters = ["Midoriya Izuku", "Bakugou Katsuki"]
    a = analyze(story, segment(story))
    assert a.characters == ["Midoriya Izuku", "Bakugou Katsuki"]
    assert any("Aizawa Shouta | Eraserhead" in p.characters for p in a.passages)


def test_other_fandom_and_ambiguous_words() -> None:
    story = story_from_lines(["Twice, the Midnight train passed the hawks in the field."] * 3)
    story.fandoms = ["Final Fantasy XIV"]
    a = analyze(story, one_passage_each(story))
    assert a.characters == []
    plain = story_from_lines(["Twice, he knocked at midnight.", "Nobody answered."])
    assert analyze(plain, one_passage_each(plain)).characters == []


def test_nicknames_and_name_orders_in_text() -> None:
    story = story_from_lines(
        [
            "Kacchan yelled at Deku again.",
            "Bakugo Katsuki and Todoroki Shoto argued while Shouto's sister watched.",
        ]
    )
    a = analyze(story, one_passage_each(story))
    assert a.passages[0].characters == {"Bakugou Katsuki", "Midoriya Izuku"}
    assert a.passages[1].characters == {"Bakugou Katsuki", "Todoroki Shouto"}
