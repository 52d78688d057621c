"""Declared warnings: archive warnings, tags and free-text warning lists."""

from __future__ import annotations

import pytest

from bot.analysis.declared import parse_declared, tag_slugs
from bot.analysis.taxonomy import load_taxonomy
from bot.readers import read_path
from bot.readers.model import Paragraph, Story
from tests.analysis.helpers import AO3_FIXTURES, STORIES


def _story(
    summary: list[str] | None = None, notes: list[str] | None = None, **meta: object
) -> Story:
    return Story(
        title="t",
        format="ao3-page",
        chapters=[],
        summary=[Paragraph(t, i) for i, t in enumerate(summary or [], start=10) if t],
        notes=[Paragraph(t, i) for i, t in enumerate(notes or [], start=100) if t],
        **meta,  # type: ignore[arg-type]
    )


def test_seed_warning_list_in_summary() -> None:
    story = read_path(STORIES / "the-day-you-left-me.ao3.txt")
    declared = parse_declared(story, load_taxonomy())
    assert set(declared.warnings) == {"sexual-content", "death", "self-harm", "suicide"}
    assert set(declared.tropes) == {"angst", "happy-ending"}
    lines = {slug: [e.line for e in ev] for slug, ev in declared.warnings.items()}
    assert lines == {"sexual-content": [40], "death": [43], "self-harm": [44], "suicide": [45]}
    assert all(e.chapter == 0 for ev in declared.warnings.values() for e in ev)
    assert declared.warnings["self-harm"][0].quote == "-self-harm"


def test_archive_labels_and_rating() -> None:
    story = _story(
        rating_label="Mature",
        archive_warning_labels=["Graphic Depictions Of Violence", "Major Character Death"],
        declared_at={"archive_warnings": 6},
    )
    declared = parse_declared(story, load_taxonomy())
    assert declared.rating == "mature"
    assert declared.archive_warnings == ["graphic-violence", "major-character-death"]
    assert set(declared.warnings) == {"violence", "death"}
    assert declared.warnings["death"][0].line == 6
    assert declared.warnings["death"][0].quote == "Major Character Death"


def test_no_archive_warnings_declares_nothing() -> None:
    story = _story(archive_warning_labels=["No Archive Warnings Apply"])
    declared = parse_declared(story, load_taxonomy())
    assert declared.archive_warnings == ["no-archive-warnings"]
    assert declared.warnings == {}


@pytest.mark.parametrize(
    ("tag", "slugs"),
    [
        ("Suicide Attempt", {"suicide"}),
        ("Self-Harm", {"self-harm"}),
        ("Implied/Referenced Self-Harm", {"self-harm"}),
        ("Major Character Death", {"major-character-death"}),
        ("Eventual Smut", {"sexual-content"}),
        ("Bullying", {"bullying"}),
        ("Soulmates", {"soulmates"}),
        ("Soulmate AU", {"soulmates"}),
        ("Soul Bond", {"soulmates"}),
        ("Soulmate-Identifying Marks", {"soulmates"}),
        ("Hurt/Comfort", {"hurt-comfort"}),
        ("Angst", {"angst"}),
        ("Fluff", {"fluff"}),
        ("Reader-Insert", {"reader-insert"}),
        ("x Reader", {"reader-insert"}),
        ("Quirkless Midoriya Izuku", {"quirkless"}),
        ("Childhood Friends", {"childhood-friends"}),
        ("Pro Hero Midoriya Izuku", {"pro-heroes"}),
        ("Angst with a Happy Ending", {"angst", "happy-ending"}),
        ("Bakugou Katsuki Swears A Lot", {"strong-language"}),
        ("Minor Character Death", {"death"}),
        ("Stabbing", {"violence"}),
        ("No Smut", set()),
        ("Not Canon Compliant", set()),
        ("Fluff and Crack", {"fluff"}),
    ],
)
def test_tags(tag: str, slugs: set[str]) -> None:
    assert set(tag_slugs(tag, load_taxonomy())) == slugs


def test_tags_declare_warnings_and_tropes() -> None:
    story = _story(
        additional_tags=["Implied/Referenced Self-Harm", "Hurt/Comfort", "Soulmates", "Fluff"],
        characters=["Bakugou Katsuki", "Reader"],
        declared_at={"additional_tags": 11, "characters": 10},
    )
    declared = parse_declared(story, load_taxonomy())
    assert set(declared.warnings) == {"self-harm"}
    assert declared.warnings["self-harm"][0].line == 11
    assert set(declared.tropes) == {"hurt-comfort", "soulmates", "fluff", "reader-insert"}


@pytest.mark.parametrize(
    ("summary", "expected"),
    [
        (["TW: self harm, suicide attempt"], {"self-harm", "suicide"}),
        (["CW // non-con, MCD"], {"sexual-assault", "death"}),
        (
            ["*trigger warning* this fic deals with mentions of abuse and eating disorders"],
            {"abuse", "eating-disorder"},
        ),
        (
            [
                "Warnings:",
                "-self harm",
                "-suicide attempts",
                "-angst/happy ending",
                "-bakudeku",
                "-boyxboy",
            ],
            {"self-harm", "suicide"},
        ),
        (["Warnings:", "Blood", "Panic attacks"], {"blood-gore", "mental-illness"}),
        (["TW: suicide (not graphic). No smut."], {"suicide"}),
        (["Izuku has a lot of warnings for Kacchan about his soulmate."], set()),
        (["A story about loss and love. This fic contains mentions of self-harm."], {"self-harm"}),
        (["(tw: blood, vomit)"], {"blood-gore", "vomit"}),
        (["Warnings: -eventual smut -bakudeku"], {"sexual-content"}),
    ],
)
def test_free_text(summary: list[str], expected: set[str]) -> None:
    declared = parse_declared(_story(summary=summary), load_taxonomy())
    assert set(declared.warnings) == expected


def test_free_text_in_notes_and_list_end() -> None:
    story = _story(
        notes=[
            "Warnings:",
            "- self harm",
            "",
            "I love this ship so much, enjoy the angst and the fluff!",
        ]
    )
    declared = parse_declared(story, load_taxonomy())
    assert set(declared.warnings) == {"self-harm"}
    assert declared.tropes == {}
    assert declared.warnings["self-harm"][0].line == 101


def test_fixture_tags() -> None:
    path = AO3_FIXTURES / "23009290.html"
    if not path.exists():
        pytest.skip("shared AO3 fixtures not available")
    declared = parse_declared(read_path(path), load_taxonomy())
    assert declared.rating == "teen"
    assert declared.archive_warnings == ["graphic-violence"]
    assert {"violence", "blood-gore"} <= set(declared.warnings)
    assert {"hurt-comfort", "angst", "happy-ending"} <= set(declared.tropes)
