"""Scenes: seeds carried by their scene, windows in unbroken text, subjects."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.analysis.scenes import SceneRulesError, load_scene_rules, scene_keys, spread
from bot.readers.model import Chapter, Paragraph, Passage, Story


def story_of(chapters: list[tuple[int, list[int]]]) -> tuple[Story, list[Passage]]:
    """Chapters of (paragraph count, break lines); one passage per paragraph, line = index."""
    out, passages = [], []
    for number, (count, breaks) in enumerate(chapters, start=1):
        paras = [Paragraph(f"p{number}.{i}", i) for i in range(1, count + 1) if i not in breaks]
        out.append(Chapter(number, f"c{number}", paras, list(breaks)))
        passages += [Passage(number, p.line, p.line, p.text, 100) for p in paras]
    return Story(title="t", format="plain", chapters=out), passages


def test_a_seed_reaches_its_whole_scene_and_stops_at_the_breaks() -> None:
    story, passages = story_of([(12, [4, 9])])  # scenes: 1-3, 5-8, 10-12
    found = [{} for _ in passages]
    found[4] = {"suicide": 0.9}  # line 6, in the middle scene
    scenes = spread(story, passages, found, [{}] * len(passages), minimum=0.35)
    carried = [p.first_line for p, inh in zip(passages, scenes.inherited, strict=True) if inh]
    assert carried == [5, 6, 7, 8]


def test_unbroken_text_uses_a_window_around_the_seed() -> None:
    rules = load_scene_rules()
    story, passages = story_of([(20, [])])
    found = [{} for _ in passages]
    found[10] = {"self-harm": 0.85}
    scenes = spread(story, passages, found, [{}] * len(passages), minimum=0.35)
    carried = [i for i, inh in enumerate(scenes.inherited) if "self-harm" in inh]
    w = rules.scene.window
    assert carried == list(range(10 - w, 10 + w + 1))


def test_weak_findings_and_local_warnings_do_not_spread() -> None:
    story, passages = story_of([(10, [])])
    found = [{} for _ in passages]
    found[3] = {"sexual-content": 0.51}  # below the seed confidence
    found[6] = {"strong-language": 0.99}  # word-level: describes the passage only
    scenes = spread(story, passages, found, [{}] * len(passages), minimum=0.35)
    assert all(not inh for inh in scenes.inherited)
    assert scenes.subjects == {}


def test_a_chapter_boundary_ends_a_scene() -> None:
    story, passages = story_of([(3, []), (3, [])])
    found = [{} for _ in passages]
    found[2] = {"violence": 0.9}  # the last passage of chapter 1
    scenes = spread(story, passages, found, [{}] * len(passages), minimum=0.35)
    assert [bool(inh) for inh in scenes.inherited] == [True, True, True, False, False, False]


def test_a_passage_straddling_a_break_belongs_to_both_scenes() -> None:
    story = Story(
        "t", "plain", [Chapter(1, "c", [Paragraph(f"x{i}", i) for i in (1, 2, 4, 5)], [3])]
    )
    passages = [Passage(1, 1, 2, "a", 100), Passage(1, 2, 4, "b", 100), Passage(1, 5, 5, "c", 100)]
    assert scene_keys(story, passages) == [(1, 0, 0), (1, 0, 1), (1, 1, 1)]


def test_one_shot_built_around_a_warning_makes_it_the_subject() -> None:
    story, passages = story_of([(30, [])])
    found = [{} for _ in passages]
    for i in (2, 12, 25):  # seeded from early to late: the story is built around it
        found[i] = {"suicide": 0.9}
    scenes = spread(story, passages, found, [{}] * len(passages), minimum=0.35)
    assert "suicide" in scenes.subjects


def test_a_warning_in_one_corner_of_a_long_story_is_no_subject() -> None:
    story, passages = story_of([(20, []), (20, [])])
    found = [{} for _ in passages]
    for i in (3, 4, 5):
        found[i] = {"suicide": 0.9}
    scenes = spread(story, passages, found, [{}] * len(passages), minimum=0.35)
    assert scenes.subjects == {}


def test_model_only_findings_spread_only_when_sure() -> None:
    story, passages = story_of([(10, [])])
    unsure = [{} for _ in passages]
    unsure[5] = {"self-harm": 0.6}
    sure = [{} for _ in passages]
    sure[5] = {"self-harm": 0.95}
    none = [{} for _ in passages]
    weak = spread(story, passages, none, unsure, minimum=0.35)
    strong = spread(story, passages, none, sure, minimum=0.35)
    assert sum(bool(i) for i in weak.inherited) == 0
    assert sum(bool(i) for i in strong.inherited) > 1


def test_scene_rules_are_checked_by_their_schema(tmp_path: Path) -> None:
    bad = tmp_path / "scenes.toml"
    text = Path(load_scene_rules.__wrapped__.__defaults__[0]).read_text(encoding="utf-8")
    bad.write_text(text.replace("window = 2", "window = -1").replace("[model]", "[model]\nx = 1"))
    with pytest.raises(SceneRulesError) as err:
        load_scene_rules.__wrapped__(bad)
    assert "scene.window" in str(err.value)
    assert "model.x" in str(err.value)


def test_readers_keep_where_the_scene_breaks_stood() -> None:
    from bot.readers import read_bytes, segment

    text = "A Title\n\nFirst scene, one.\n\nFirst scene, two.\n\n* * *\n\nSecond scene.\n"
    story = read_bytes(text.encode(), "t.txt", max_bytes=10_000)
    assert story.chapters[0].breaks == [7]
    passages = segment(story, min_words=1, max_words=3)
    assert [k[1:] for k in scene_keys(story, passages)] == [(0, 0), (0, 0), (1, 1)]
