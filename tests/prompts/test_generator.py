"""bot.prompts.generator: one fandom per prompt, fandom-specific tropes, avoid, determinism."""

from __future__ import annotations

import random
import re
from pathlib import Path

import pytest

from bot.prompts.generator import (
    GENERIC_A,
    GENERIC_B,
    Prompt,
    PromptBook,
    PromptMaterial,
    key_trope,
    load_templates,
)

MHA_TAG = "僕のヒーローアカデミア | Boku no Hero Academia | My Hero Academia"
MHA_NAMES = ["Midoriya Izuku", "Bakugou Katsuki", "Todoroki Shouto", "Uraraka Ochako"]
HP_NAMES = ["Harry Potter", "Draco Malfoy", "Hermione Granger"]
MHA = PromptMaterial(
    fandom=MHA_TAG,
    characters=MHA_NAMES,
    relationships=["Bakugou Katsuki/Midoriya Izuku", "Bakugou Katsuki/Reader"],
)
HP = PromptMaterial(
    fandom="Harry Potter - J. K. Rowling",
    characters=HP_NAMES,
    relationships=["Draco Malfoy/Harry Potter", "Harry Potter & Hermione Granger"],
)
FANDOM_SPECIFIC: dict[str, str | None] = {
    "quirkless": "My Hero Academia",
    "pro-heroes": "My Hero Academia",
}


@pytest.fixture(scope="module")
def book() -> PromptBook:
    return load_templates()


def names_in(text: str, names: list[str]) -> set[str]:
    return {n for n in names if n in text}


def draws(
    book: PromptBook, trope: str | None, materials: list[PromptMaterial], n: int, seed: int = 0
) -> list[Prompt]:
    rng = random.Random(seed)
    return [book.generate(trope, materials, rng, trope_fandoms=FANDOM_SPECIFIC) for _ in range(n)]


def test_prompt_fields(book: PromptBook) -> None:
    prompt = book.generate("soulmates", [MHA], random.Random(1))
    assert prompt.trope == "soulmates"
    assert prompt.fandom == "My Hero Academia"
    assert prompt.key.startswith("soulmates:")
    assert "{" not in prompt.text
    assert names_in(prompt.text, MHA_NAMES)


@pytest.mark.parametrize("trope", [None, *load_templates().tropes()])
def test_every_trope_fills_cleanly(book: PromptBook, trope: str | None) -> None:
    asked = {trope} if trope else set(book.tropes())  # no trope asked: any of them
    for materials in ([MHA], [HP], [MHA, HP], []):
        for prompt in draws(book, trope, materials, 12):
            text = prompt.text
            assert "{" not in text
            assert "}" not in text
            assert text[0].isupper(), text
            assert ".." not in text, text
            assert not re.search(r"[.!?] (your OC|their rival)", text), text
            assert prompt.trope in asked, (trope, prompt.trope)


def test_never_mixes_fandoms(book: PromptBook) -> None:
    mha_settings = set(next(f for f in book.fandoms if f.name == "My Hero Academia").settings)
    seen_fandoms = set()
    for prompt in draws(book, None, [MHA, HP], 400):
        mha, hp = names_in(prompt.text, MHA_NAMES), names_in(prompt.text, HP_NAMES)
        assert not (mha and hp), prompt.text
        assert mha or hp, prompt.text  # the library has names: use them
        expected = "Harry Potter - J. K. Rowling" if hp else "My Hero Academia"
        assert prompt.fandom == expected, prompt.text
        mha_setting = any(s in prompt.text for s in mha_settings)
        assert not (hp and mha_setting), f"an MHA setting in a Harry Potter prompt: {prompt.text}"
        seen_fandoms.add(prompt.fandom)
    assert len(seen_fandoms) == 2


@pytest.mark.parametrize("trope", ["quirkless", "pro-heroes"])
def test_fandom_specific_trope_uses_only_its_fandom(book: PromptBook, trope: str) -> None:
    mha_settings = set(next(f for f in book.fandoms if f.name == "My Hero Academia").settings)
    prompts = draws(book, trope, [HP, MHA], 60)
    for prompt in prompts:
        assert prompt.fandom == "My Hero Academia"
        assert not names_in(prompt.text, HP_NAMES), prompt.text
        assert names_in(prompt.text, MHA_NAMES), prompt.text
        assert not any(s in prompt.text for s in book.generic_settings), prompt.text
    with_setting = [p.text for p in prompts if "Setting:" in p.text]
    assert with_setting, "some of 60 draws name a setting"
    assert all(any(s in text for s in mha_settings) for text in with_setting), with_setting


def test_fandom_specific_trope_without_its_fandom(book: PromptBook) -> None:
    # asked for by name: generic characters, never another fandom's
    for prompt in draws(book, "quirkless", [HP], 20):
        assert prompt.fandom == "My Hero Academia"
        assert not names_in(prompt.text, HP_NAMES)
        assert GENERIC_A in prompt.text.lower() or GENERIC_B in prompt.text.lower()
    # a random trope never picks a fandom-specific one the library cannot fill
    picked = {p.trope for p in draws(book, None, [HP], 300)}
    assert not picked & set(FANDOM_SPECIFIC)
    assert {p.trope for p in draws(book, None, [MHA], 300)} >= set(FANDOM_SPECIFIC)


def test_trope_fandoms_overrides_and_matches_spellings(book: PromptBook) -> None:
    rng = random.Random(4)
    for _ in range(30):
        prompt = book.generate(
            "fluff", [MHA, HP], rng, trope_fandoms={"fluff": "Harry Potter - J. K. Rowling"}
        )
        assert names_in(prompt.text, HP_NAMES)
        assert not names_in(prompt.text, MHA_NAMES)
    # the AO3 tag and the plain name are one fandom
    plain = PromptMaterial("My Hero Academia", ["Shinsou Hitoshi"], [])
    for prompt in draws(book, "quirkless", [MHA, plain], 30):
        assert prompt.fandom == "My Hero Academia"
        assert not names_in(prompt.text, HP_NAMES)


def test_relationships_give_the_pair(book: PromptBook) -> None:
    material = PromptMaterial("Original Work", ["Ana", "Ben", "Cleo", "Dev"], ["Cleo/Dev"])
    for prompt in draws(book, "enemies-to-lovers", [material], 40):
        assert names_in(prompt.text, ["Ana", "Ben", "Cleo", "Dev"]) <= {"Cleo", "Dev"}
    pair_texts = [p.text for p in draws(book, "established-relationship", [material], 60)]
    assert any("Cleo/Dev" in t for t in pair_texts)


def test_two_characters_when_no_relationship(book: PromptBook) -> None:
    material = PromptMaterial("Original Work", ["Ana", "Ben"], ["Ana & Ben"])
    for prompt in draws(book, "angst", [material], 30):
        assert names_in(prompt.text, ["Ana", "Ben"]), prompt.text
        assert GENERIC_B not in prompt.text.lower()


def test_generic_names_when_the_library_has_none(book: PromptBook) -> None:
    for materials in ([], [PromptMaterial(None, [], [])], [PromptMaterial("X", [], [])]):
        for prompt in draws(book, "pining", materials, 10):
            assert GENERIC_A in prompt.text.lower() or GENERIC_B in prompt.text.lower()


def test_one_known_character(book: PromptBook) -> None:
    material = PromptMaterial("Original Work", ["Ana"], [])
    for prompt in draws(book, "hurt-comfort", [material], 20):
        assert "Ana" in prompt.text
        assert GENERIC_B not in prompt.text.lower()


def test_reader_is_not_a_character(book: PromptBook) -> None:
    material = PromptMaterial(
        "Original Work", ["Reader", "Ana", "Original Female Character"], ["Ana/Reader", "Ana/Y/N"]
    )
    for prompt in draws(book, "pining", [material], 30):
        assert "Reader" not in prompt.text
        assert "Original" not in prompt.text
    for prompt in draws(book, "reader-insert", [MHA], 30):
        assert prompt.text.startswith("Bakugou Katsuki x Reader")  # from "Bakugou Katsuki/Reader"


def test_avoid_is_respected_over_thirty_draws(book: PromptBook) -> None:
    for trope, materials in [(None, [MHA, HP]), ("soulmates", [MHA]), ("quirkless", [])]:
        rng = random.Random(7)
        history: list[str] = []
        for _ in range(30):
            avoid = set(history[-30:])
            prompt = book.generate(
                trope, materials, rng, avoid=avoid, trope_fandoms=FANDOM_SPECIFIC
            )
            assert prompt.key not in history
            history.append(prompt.key)


def test_avoid_while_alternatives_remain(book: PromptBook) -> None:
    # hospital prompts use no setting: one couple × 2 roles × 10 templates = 20 prompts
    space = 2 * len(book.templates["hospital"])
    rng = random.Random(8)
    history: list[str] = []
    for _ in range(space):
        prompt = book.generate("hospital", [MHA], rng, avoid=set(history))
        assert prompt.key not in history
        history.append(prompt.key)
    assert book.generate("hospital", [MHA], rng, avoid=set(history)).key in history


def test_avoid_exhausts_a_small_space_then_repeats(tmp_path: Path) -> None:
    (tmp_path / "tropes").mkdir()
    (tmp_path / "tropes" / "fluff.toml").write_text(
        'templates = ["{a} bakes. Setting: {setting}.", "{a} and {b} dance.", "{pair} nap."]\n',
        encoding="utf-8",
    )
    (tmp_path / "settings.toml").write_text('generic = ["a kitchen", "a roof"]\n', "utf-8")
    small = load_templates(tmp_path)
    # {a} ∈ {your OC}; two settings → 2 + 1 + 1 distinct prompts
    rng = random.Random(0)
    seen: set[str] = set()
    for _ in range(4):
        prompt = small.generate("fluff", [], rng, avoid=seen)
        assert prompt.key not in seen
        seen.add(prompt.key)
    assert len({small.generate("fluff", [], rng).text for _ in range(50)}) == 4
    repeat = small.generate("fluff", [], rng, avoid=seen)  # nothing left: repeat, don't fail
    assert repeat.key in seen


def test_keys_identify_template_and_fillers(book: PromptBook) -> None:
    by_key: dict[str, str] = {}
    for prompt in draws(book, None, [MHA, HP], 300, seed=3):
        assert by_key.setdefault(prompt.key, prompt.text) == prompt.text
    assert len(set(by_key.values())) == len(by_key)


def test_a_key_names_the_trope_it_was_drawn_for(book: PromptBook) -> None:
    prompts = draws(book, None, [MHA, HP], 100, seed=5)
    assert len({p.trope for p in prompts}) > 3
    assert all(key_trope(p.key) == p.trope for p in prompts)
    assert key_trope("no separator") is None


def test_deterministic_with_a_seeded_random(book: PromptBook) -> None:
    first = draws(book, None, [MHA, HP], 25, seed=42)
    again = draws(book, None, [MHA, HP], 25, seed=42)
    other = draws(book, None, [MHA, HP], 25, seed=43)
    assert first == again
    assert first != other


def test_unknown_trope(book: PromptBook) -> None:
    with pytest.raises(ValueError, match="unknown trope 'slow-burn'") as info:
        book.generate("slow-burn", [MHA], random.Random(0))
    message = str(info.value)
    assert sum(slug in message for slug in book.tropes()) >= 3
    with pytest.raises(ValueError, match="did you mean soulmates"):
        book.generate("soulmate", [MHA], random.Random(0))


def test_trope_spelling_is_forgiving(book: PromptBook) -> None:
    assert book.generate("Enemies To Lovers", [], random.Random(0)).trope == "enemies-to-lovers"
