"""The bundled prompt data: every trope has enough good templates, every placeholder fills."""

from __future__ import annotations

import re
import string
from pathlib import Path

import pytest

from bot.analysis.taxonomy import load_taxonomy
from bot.paths import PROMPTS_DIR
from bot.prompts.generator import PLACEHOLDERS, PromptDataError, load_templates

# taxonomy.md, section 3
TROPES = [
    "soulmates", "childhood-friends", "friends-to-lovers", "enemies-to-lovers",
    "hurt-comfort", "angst", "fluff", "happy-ending", "pining", "rejection",
    "second-chance", "first-kiss", "established-relationship", "love-confession",
    "time-skip", "reader-insert", "found-family", "redemption", "hospital", "quirkless",
    "pro-heroes",
]  # fmt: skip
MHA = "My Hero Academia"


def test_every_trope_has_at_least_eight_templates() -> None:
    book = load_templates()
    assert sorted(book.tropes()) == sorted(TROPES)
    for slug in TROPES:
        assert len(book.templates[slug]) >= 8, slug


def test_templates_are_distinct_and_only_use_known_placeholders() -> None:
    book = load_templates()
    texts = [t.text for slug in book.tropes() for t in book.templates[slug]]
    assert len(texts) == len(set(texts))
    for text in texts:
        names = {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}
        assert names <= PLACEHOLDERS, text
        assert names & {"a", "pair"}, f"every prompt is about someone: {text}"
        filled = text.format(a="Ana", b="Ben", pair="Ana/Ben", setting="a quiet harbour")
        assert "{" not in filled
        assert "}" not in filled


def test_reader_insert_is_second_person() -> None:
    for template in load_templates().templates["reader-insert"]:
        assert template.solo
        assert re.search(r"\byou(r|’re|’ve)?\b", template.text, re.IGNORECASE), template.text


def test_fandom_specific_tropes_declare_their_fandom() -> None:
    book = load_templates()
    assert book.trope_fandom["quirkless"] == MHA
    assert book.trope_fandom["pro-heroes"] == MHA
    assert {s for s, f in book.trope_fandom.items() if f} == {"quirkless", "pro-heroes"}


def test_settings() -> None:
    book = load_templates()
    assert "a rain-soaked train platform" in book.generic_settings
    assert "a hospital waiting room at 3 a.m." in book.generic_settings
    assert len(book.generic_settings) >= 20
    mha = next(f for f in book.fandoms if f.name == MHA)
    assert "the U.A. dormitories" in mha.settings
    assert "a hero agency's night shift" in mha.settings
    assert len(mha.settings) >= 10
    assert not set(mha.settings) & set(book.generic_settings)


def test_loading_is_cached() -> None:
    assert load_templates() is load_templates()
    assert load_templates(PROMPTS_DIR) is load_templates()


# -- validation of the data files -------------------------------------------------------------


def _book_dir(tmp_path: Path, template: str, settings: str | None = None) -> Path:
    (tmp_path / "tropes").mkdir()
    (tmp_path / "tropes" / "fluff.toml").write_text(
        f'templates = ["{{a}} and {{b}} bake.", {template!r}]\n', encoding="utf-8"
    )
    (tmp_path / "settings.toml").write_text(
        settings or 'generic = ["a kitchen"]\n', encoding="utf-8"
    )
    return tmp_path


@pytest.mark.parametrize(
    ("template", "shown"),
    [
        ("{a} meets {c}.", "{c}"),
        ("{a} meets {B}.", "{B}"),
        ("{0} meets {b}.", "{0}"),
        ("{a!r} meets {b}.", "{a!r}"),
        ("{a:>20} meets {b}.", "{a:>20}"),
        ("{a.name} meets {b}.", "{a.name}"),
    ],
)
def test_unknown_placeholder_names_file_and_template(
    tmp_path: Path, template: str, shown: str
) -> None:
    with pytest.raises(PromptDataError) as info:
        load_templates(_book_dir(tmp_path, template))
    message = str(info.value)
    assert "fluff.toml" in message
    assert "template 2" in message
    assert template[:10] in message
    assert f"unknown placeholder {shown}" in message
    assert "{setting}" in message  # says what is allowed


def test_unbalanced_brace_names_file_and_template(tmp_path: Path) -> None:
    with pytest.raises(PromptDataError, match=r"fluff\.toml: template 2"):
        load_templates(_book_dir(tmp_path, "{a meets {b}."))


@pytest.mark.parametrize(
    "settings",
    ["generic = []\n", "generic = [1]\n", 'generic = ["a {b} room"]\n', "nonsense = 1\n", "x ="],
)
def test_bad_settings_file(tmp_path: Path, settings: str) -> None:
    with pytest.raises(PromptDataError, match=r"settings\.toml"):
        load_templates(_book_dir(tmp_path, "{a}.", settings))


def test_missing_directory(tmp_path: Path) -> None:
    with pytest.raises(PromptDataError, match="no trope template files"):
        load_templates(tmp_path)


def test_fandom_facts_come_from_the_taxonomy() -> None:
    tax = load_taxonomy()
    book = load_templates()
    fandom_of = {t.slug: t.fandom for t in tax.tropes if t.slug in book.templates}
    assert dict(book.trope_fandom) == fandom_of
    mha = next(f for f in book.fandoms if f.name == MHA)
    assert mha.aliases == next(f for f in tax.fandoms if f.name == MHA).aliases
    assert book.canonical_fandom("Boku no Hero") == book.canonical_fandom(MHA)


def test_a_template_file_names_a_trope(tmp_path: Path) -> None:
    (_book_dir(tmp_path, "{a}.") / "tropes" / "fluff.toml").rename(
        tmp_path / "tropes" / "fluffy.toml"
    )
    with pytest.raises(PromptDataError, match=r"fluffy\.toml: .*slug of a trope in tropes\.toml"):
        load_templates(tmp_path)


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        (
            'generic = ["a kitchen"]\n[fandoms."Harry Potter"]\nsettings = ["Hogwarts"]\n',
            r"settings\.toml: \[fandoms\.'Harry Potter'\]: not a fandom of characters\.toml",
        ),
        (
            (
                'generic = ["a kitchen"]\n[fandoms."My Hero Academia"]\naliases = ["MHA"]\n'
                'settings = ["U.A."]\n'
            ),
            r"settings\.toml: \[fandoms\], My Hero Academia: 'aliases': unknown key",
        ),
    ],
)
def test_fandom_settings_name_a_taxonomy_fandom(
    tmp_path: Path, settings: str, message: str
) -> None:
    with pytest.raises(PromptDataError, match=message):
        load_templates(_book_dir(tmp_path, "{a}.", settings))
