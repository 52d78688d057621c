"""Characters: tags mapped to canonical names, detection in text, user-input lookup."""

from __future__ import annotations

from collections import Counter

import pytest

from bot.analysis.analyze import analyze
from bot.analysis.characters import (
    canonical_tags,
    character_filter,
    name_forms,
    resolve_character,
)
from bot.readers import Story, read_path, segment
from tests.analysis.helpers import STORIES, one_passage_each, story_from_lines
from tests.readers.helpers import ao3_fixture


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


# -- characters a story declares, in any fandom ---------------------------------------------

LOGH = "Ginga Eiyuu Densetsu | Legend of the Galactic Heroes"


@pytest.mark.parametrize(
    ("tag", "full", "partial"),
    [
        ("Yang Wen-li | Yang Wenli", {"Yang Wen-li", "Yang Wenli"}, {"Yang", "Wen-li", "Wenli"}),
        (
            "Reinhard von Lohengramm (Ginga Eiyuu Densetsu)",
            {"Reinhard von Lohengramm"},
            {"Reinhard", "von Lohengramm", "Lohengramm"},
        ),
        (
            "Fritz Joseph Bittenfeld",
            {"Fritz Joseph Bittenfeld"},
            {"Fritz", "Bittenfeld", "Fritz Bittenfeld"},
        ),
        ("Staden (Ginga Eiyuu Densetsu)", {"Staden"}, set()),
        ("Original Female Character(s)", set(), set()),
        ("Reader", set(), set()),
    ],
)
def test_name_forms_of_a_tag(tag: str, full: set[str], partial: set[str]) -> None:
    forms, parts = name_forms(tag)
    assert set(forms) == full
    assert set(parts) == partial


def _declared_story(lines: list[str]) -> Story:
    story = story_from_lines(lines)
    story.fandoms = [LOGH]
    story.characters = [
        "Yang Wen-li | Yang Wenli",
        "Reinhard von Lohengramm (Ginga Eiyuu Densetsu)",
        "Oskar von Reuenthal",
        "Wolfgang Mittermeyer",
        "Evangelin Mittermeyer",
        "Will Graham",
        "Original Characters",
    ]
    return story


def test_passages_get_the_story_s_declared_characters() -> None:
    story = _declared_story(
        [
            "Yang Wen-li put his feet on the desk.",  # a hyphenated alternative
            "yang wenli, someone wrote in the margin.",  # a full form needs no capital
            "Reinhard frowned at the map.",  # first name; the disambiguator is gone
            "Von Reuenthal and Lohengramm left; Reuenthal came back.",  # surnames
            "Mittermeyer laughed.",  # two declared Mittermeyers: nobody in particular
            "Wolfgang laughed.",
            "I will go; the original characters stay.",  # a lower-case common word, generic tag
            "Will waited outside.",
        ]
    )
    a = analyze(story, one_passage_each(story))
    assert [p.characters for p in a.passages] == [
        {"Yang Wen-li | Yang Wenli"},
        {"Yang Wen-li | Yang Wenli"},
        {"Reinhard von Lohengramm (Ginga Eiyuu Densetsu)"},
        {"Oskar von Reuenthal", "Reinhard von Lohengramm (Ginga Eiyuu Densetsu)"},
        set(),
        {"Wolfgang Mittermeyer"},
        set(),
        {"Will Graham"},
    ]
    assert a.characters == canonical_tags(story.characters)


def test_a_declared_surname_the_taxonomy_knows_is_left_to_the_taxonomy() -> None:
    story = story_from_lines(["Hisashi called.", "Midoriya sighed."])
    story.fandoms = ["My Hero Academia"]
    story.characters = ["Midoriya Izuku", "Midoriya Hisashi"]
    a = analyze(story, one_passage_each(story))
    assert a.passages[0].characters == {"Midoriya Hisashi"}
    assert a.passages[1].characters == {"Midoriya Izuku"}


def test_real_logh_download_tags_its_passages() -> None:
    story = read_path(ao3_fixture("41588007.html"))
    a = analyze(story, segment(story))
    counts = Counter(name for p in a.passages for name in p.characters)
    assert set(counts) <= set(story.characters)
    assert counts["Yang Wenli"] >= 20
    assert counts["Oskar von Reuenthal"] >= 20
    assert counts["Martin Bufholtz"] >= 20


@pytest.mark.parametrize(
    ("typed", "name"),
    [
        ("yang wenli", "Yang Wen-li | Yang Wenli"),
        ("YANG WEN-LI", "Yang Wen-li | Yang Wenli"),
        ("Reinhard von Lohengramm", "Reinhard von Lohengramm (Ginga Eiyuu Densetsu)"),
        ("reinhard", "Reinhard von Lohengramm (Ginga Eiyuu Densetsu)"),  # unique first name
        ("Honoroit", "Honoroit Banlardois"),
        ("Mittermeyer", "Mittermeyer"),  # two of them: kept as typed
        ("kacchan", "Bakugou Katsuki"),  # the taxonomy comes first
        ("bakugoo", "Bakugou Katsuki"),  # and its fuzzy match last
        ("  Nobody Known ", "Nobody Known"),
    ],
)
def test_character_filter_resolves_declared_names(typed: str, name: str) -> None:
    known = [
        "Yang Wen-li | Yang Wenli",
        "Reinhard von Lohengramm (Ginga Eiyuu Densetsu)",
        "Honoroit Banlardois",
        "Wolfgang Mittermeyer",
        "Evangelin Mittermeyer",
        "Bakugou Katsuki",
    ]
    assert character_filter(typed, known) == name


def test_name_after_a_title_is_a_partial_form() -> None:
    assert name_forms("Captain Hook") == (("Captain Hook",), ("Hook",))
    assert name_forms("Dr. Jane Foster") == (("Dr. Jane Foster",), ("Jane", "Foster"))


def test_a_caseless_one_word_name_needs_no_capital() -> None:
    story = story_from_lines(["杨威利 smiled.", "Nobody else."])
    story.fandoms = [LOGH]
    story.characters = ["杨威利"]
    a = analyze(story, one_passage_each(story))
    assert [p.characters for p in a.passages] == [{"杨威利"}, set()]
