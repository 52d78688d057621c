"""The taxonomy loader: API, stable slugs, and validation errors."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.analysis.taxonomy import TaxonomyError, TermKind, load_taxonomy
from bot.errors import UnknownNameError
from bot.paths import TAXONOMY_DIR

WARNINGS = {
    "suicide",
    "self-harm",
    "death",
    "violence",
    "blood-gore",
    "medical",
    "illness",
    "abuse",
    "child-abuse",
    "bullying",
    "sexual-content",
    "sexual-assault",
    "eating-disorder",
    "substance-use",
    "mental-illness",
    "discrimination",
    "kidnapping",
    "pregnancy",
    "animal-harm",
    "vomit",
    "incest",
    "infidelity",
    "strong-language",
}
TROPES = {
    "soulmates",
    "childhood-friends",
    "friends-to-lovers",
    "enemies-to-lovers",
    "hurt-comfort",
    "angst",
    "fluff",
    "happy-ending",
    "pining",
    "rejection",
    "second-chance",
    "first-kiss",
    "established-relationship",
    "love-confession",
    "time-skip",
    "reader-insert",
    "found-family",
    "redemption",
    "hospital",
    "quirkless",
    "pro-heroes",
}
ARCHIVE = {
    "graphic-violence",
    "major-character-death",
    "rape-non-con",
    "underage-sex",
    "no-archive-warnings",
    "chose-not-to-warn",
}


def test_slugs_match_the_spec() -> None:
    tax = load_taxonomy()
    assert [r.slug for r in tax.ratings] == ["general", "teen", "mature", "explicit", "not-rated"]
    assert {w.slug for w in tax.warnings} == WARNINGS
    assert {t.slug for t in tax.tropes} == TROPES
    assert {a.slug for a in tax.archive_warnings} == ARCHIVE


def test_default_is_cached_and_located_in_repo() -> None:
    assert load_taxonomy() is load_taxonomy()
    assert Path(__file__).resolve().parents[2] / "data" / "taxonomy" == TAXONOMY_DIR


def test_ratings() -> None:
    tax = load_taxonomy()
    ranks = [tax.rating_rank(s) for s in ("general", "teen", "mature", "explicit")]
    assert ranks == sorted(ranks)
    assert len(set(ranks)) == 4
    assert tax.rating_rank("not-rated") == tax.rating_rank("explicit")
    assert tax.rating_from_label("Teen And Up Audiences") == "teen"
    assert tax.rating_from_label("General Audiences") == "general"
    assert tax.rating_from_label("Not Rated") == "not-rated"
    assert tax.rating_from_label("Explicit") == "explicit"
    assert tax.rating_from_label("Soulmates") is None
    assert tax.rating_from_label(None) is None


def test_archive_warnings_and_implications() -> None:
    tax = load_taxonomy()
    assert tax.archive_warning_from_label("Graphic Depictions Of Violence") == "graphic-violence"
    assert tax.archive_warning_from_label("Major Character Death") == "major-character-death"
    assert (
        tax.archive_warning_from_label("Creator Chose Not To Use Archive Warnings")
        == "chose-not-to-warn"
    )
    assert tax.archive_warning_from_label("No Archive Warnings Apply") == "no-archive-warnings"
    assert tax.entry("graphic-violence").implies == ("violence",)
    assert tax.entry("major-character-death").implies == ("death",)
    assert tax.entry("rape-non-con").implies == ("sexual-assault",)


@pytest.mark.parametrize(
    ("term", "slug"),
    [
        ("MCD", "major-character-death"),
        ("mcd", "major-character-death"),
        ("sh", "self-harm"),
        ("SH", "self-harm"),
        ("non-con", "sexual-assault"),
        ("noncon", "sexual-assault"),
        ("dub-con", "sexual-assault"),
        ("TW: suicide", "suicide"),
        ("TW suicide", "suicide"),
        ("cw self harm", "self-harm"),
        ("Graphic Depictions Of Violence", "graphic-violence"),
        ("ED", "eating-disorder"),
        ("Hurt/Comfort", "hurt-comfort"),
        ("hurt comfort", "hurt-comfort"),
        ("Soulmate AU", "soulmates"),
        ("x Reader", "reader-insert"),
        ("Reader-Insert", "reader-insert"),
        ("self-harm", "self-harm"),
        ("Teen And Up Audiences", "teen"),
        ("Quirkless Midoriya Izuku", "quirkless"),
        ("Implied/Referenced Self-Harm", "self-harm"),
    ],
)
def test_lookup(term: str, slug: str) -> None:
    found = load_taxonomy().lookup(term)
    assert found is not None
    assert found.slug == slug


def test_lookup_unknown_and_entry() -> None:
    tax = load_taxonomy()
    assert tax.lookup("") is None
    assert tax.lookup("definitely not a tag") is None
    with pytest.raises(KeyError):
        tax.entry("no-such-slug")
    e = tax.entry("self-harm")
    assert e.kind == "warning"
    assert e.name
    assert e.definition
    assert e.ao3 == "Self-Harm"
    assert "SH" in e.aliases


def test_fandom_tropes_and_policy() -> None:
    tax = load_taxonomy()
    assert tax.entry("quirkless").fandom == "My Hero Academia"
    assert tax.entry("pro-heroes").fandom == "My Hero Academia"
    assert tax.entry("soulmates").fandom is None
    p = tax.default_policy
    assert p.max_rating == "teen"
    assert p.spoilers is True
    assert set(p.blocked) == {
        "suicide",
        "self-harm",
        "sexual-content",
        "sexual-assault",
        "child-abuse",
        "eating-disorder",
    }
    assert tax.sexual_warnings == {"sexual-content", "sexual-assault"}


def test_search_terms_cover_names_slugs_and_aliases() -> None:
    tax = load_taxonomy()
    terms = tax.search_terms()
    labels = {label for label, _ in terms}
    assert {"MCD", "Self-Harm", "SH", "Soulmates", "Hurt/Comfort", "Non-Con"} <= labels
    slugs = {slug for _, slug in terms}
    assert slugs >= WARNINGS | TROPES | ARCHIVE
    for label, slug in terms:
        found = tax.lookup(label)
        assert found is not None, label
        assert found.slug == slug, label


def test_every_entry_is_documented() -> None:
    tax = load_taxonomy()
    for e in tax.entries():
        assert e.name, e.slug
        assert e.definition, e.slug
        assert "\n" not in e.definition, e.slug
    for slug in WARNINGS | TROPES:
        assert tax.rules[slug].cues or tax.rules[slug].densities, slug


# -- validation ----------------------------------------------------------------------------


@pytest.fixture
def tax_dir(tmp_path: Path) -> Path:
    target = tmp_path / "taxonomy"
    shutil.copytree(TAXONOMY_DIR, target)
    return target


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text("utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), "utf-8")


def test_copy_loads(tax_dir: Path) -> None:
    tax = load_taxonomy(tax_dir)
    assert tax is not load_taxonomy()
    assert {w.slug for w in tax.warnings} == WARNINGS


def test_unknown_slug_in_implies(tax_dir: Path) -> None:
    _edit(tax_dir / "archive_warnings.toml", 'implies = ["death"]', 'implies = ["deaths"]')
    with pytest.raises(TaxonomyError) as err:
        load_taxonomy(tax_dir)
    msg = str(err.value)
    assert "archive_warnings.toml" in msg
    assert "major-character-death" in msg
    assert "deaths" in msg


def test_unknown_slug_in_policy(tax_dir: Path) -> None:
    _edit(tax_dir / "policy.toml", '"eating-disorder"', '"eating-disorders"')
    with pytest.raises(TaxonomyError, match=r"policy\.toml.*eating-disorders"):
        load_taxonomy(tax_dir)


def test_unknown_rating_in_cue(tax_dir: Path) -> None:
    _edit(tax_dir / "warnings.toml", 'rates = "mature"', 'rates = "adult"')
    with pytest.raises(TaxonomyError, match=r"warnings\.toml.*entry '.+'.*adult"):
        load_taxonomy(tax_dir)


def test_duplicate_alias_across_entries(tax_dir: Path) -> None:
    _edit(
        tax_dir / "tropes.toml",
        'aliases = ["Soulmate AU",',
        'aliases = ["self harm", "Soulmate AU",',
    )
    with pytest.raises(TaxonomyError) as err:
        load_taxonomy(tax_dir)
    msg = str(err.value)
    assert "tropes.toml" in msg
    assert "soulmates" in msg
    assert "self-harm" in msg


def test_duplicate_alias_is_case_and_punctuation_insensitive(tax_dir: Path) -> None:
    _edit(tax_dir / "warnings.toml", 'aliases = ["Violent",', 'aliases = ["m.c.d", "Violent",')
    with pytest.raises(
        TaxonomyError, match=r"warnings\.toml.*violence.*m\.c\.d.*major-character-death"
    ):
        load_taxonomy(tax_dir)


def test_duplicate_slug(tax_dir: Path) -> None:
    _edit(tax_dir / "tropes.toml", 'slug = "fluff"', 'slug = "angst"')
    with pytest.raises(TaxonomyError, match=r"tropes\.toml.*'angst'.*duplicate slug"):
        load_taxonomy(tax_dir)


def test_unknown_template_and_key(tax_dir: Path) -> None:
    _edit(tax_dir / "warnings.toml", '"cut {self}"', '"cut {selves}"')
    with pytest.raises(TaxonomyError, match=r"warnings\.toml.*self-harm.*selves"):
        load_taxonomy(tax_dir)


def test_unknown_key_is_reported(tax_dir: Path) -> None:
    _edit(tax_dir / "tropes.toml", 'slug = "fluff"', 'slug = "fluff"\nfandomm = "x"')
    with pytest.raises(TaxonomyError, match=r"tropes\.toml.*fluff.*fandomm"):
        load_taxonomy(tax_dir)


def test_bad_toml_and_missing_file(tax_dir: Path) -> None:
    (tax_dir / "ratings.toml").write_text("[[rating]\nslug = ", "utf-8")
    with pytest.raises(TaxonomyError, match=r"ratings\.toml.*not valid TOML"):
        load_taxonomy(tax_dir)
    (tax_dir / "ratings.toml").unlink()
    with pytest.raises(TaxonomyError, match=r"ratings\.toml.*missing"):
        load_taxonomy(tax_dir)


def test_duplicate_character_name(tax_dir: Path) -> None:
    from bot.analysis.characters import character_index

    _edit(
        tax_dir / "characters.toml",
        'aliases = ["Froppy", "Tsu"]',
        'aliases = ["Froppy", "Tsu", "Kacchan"]',
    )
    with pytest.raises(TaxonomyError, match=r"characters\.toml.*Asui Tsuyu.*Kacchan"):
        character_index(load_taxonomy(tax_dir))


def test_glossary_terms_are_looked_up_but_never_declared() -> None:
    tax = load_taxonomy()
    assert {g.kind for g in tax.glossary} == {"glossary"}
    dead_dove = tax.lookup("Dead Dove: Do Not Eat")
    assert dead_dove is not None and dead_dove.kind == "glossary"
    for g in tax.glossary:
        assert g.slug not in tax.rules, g.slug  # nothing to detect it with
        for label in (g.name, *g.aliases, *((g.ao3,) if g.ao3 else ())):
            assert not any(tax.entry(s).kind == "glossary" for s in tax.tag_slugs(label)), label
    assert tax.tag_slugs("Plot What Plot/Porn Without Plot") == ("sexual-content",)


def test_a_glossary_term_cannot_carry_cues_or_tags(tax_dir: Path) -> None:
    _edit(
        tax_dir / "glossary.toml",
        'slug = "crack"',
        'slug = "crack"\nao3_tags = ["Crack"]',
    )
    with pytest.raises(TaxonomyError) as err:
        load_taxonomy(tax_dir)
    assert "glossary.toml" in str(err.value) and "ao3_tags" in str(err.value)


def test_a_glossary_alias_may_not_shadow_another_entry(tax_dir: Path) -> None:
    _edit(tax_dir / "glossary.toml", 'aliases = ["Crackfic"', 'aliases = ["Angst", "Crackfic"')
    with pytest.raises(TaxonomyError) as err:
        load_taxonomy(tax_dir)
    assert "duplicate alias 'Angst'" in str(err.value)


@pytest.mark.parametrize(
    ("file", "old", "new", "message"),
    [
        (
            "warnings.toml",
            "weight = 0.95\n",
            "weight = 1.5\n",
            (
                "warnings.toml: entry 'suicide', cue #2: 'weight': "
                "Input should be less than or equal to 1"
            ),
        ),
        (
            "warnings.toml",
            'window = 40, side = "both"',
            'window = 40, side = "all"',
            (
                "warnings.toml: entry 'suicide', cue #3, requires #1: 'side': "
                "Input should be 'before', 'after' or 'both'"
            ),
        ),
        (
            "detection.toml",
            "end_fraction = 0.12",
            "# end_fraction = 0.12",
            "detection.toml: [detection]: 'end_fraction': required",
        ),
        (
            "detection.toml",
            "distance = 6",
            "distance = 0",
            (
                "detection.toml: [negation], rule #1: 'distance': "
                "Input should be greater than or equal to 1"
            ),
        ),
        (
            "characters.toml",
            'given = ["Izuku"]',
            'given = "Izuku"',
            "characters.toml: character 'Midoriya Izuku': 'given': Input should be a list",
        ),
        (
            "policy.toml",
            "spoilers = true",
            'spoilers = "yes"',
            "policy.toml: [default]: 'spoilers': Input should be a valid boolean",
        ),
        (
            "tropes.toml",
            "threshold = 1.2\n",
            "\n",
            "tropes.toml: entry 'soulmates': 'threshold': required for a trope",
        ),
    ],
)
def test_schema_errors_name_file_entry_and_field(
    tax_dir: Path, file: str, old: str, new: str, message: str
) -> None:
    _edit(tax_dir / file, old, new)
    with pytest.raises(TaxonomyError) as err:
        load_taxonomy(tax_dir)
    assert str(err.value) == message


def test_detection_knobs_come_from_the_data_file() -> None:
    det = load_taxonomy().detection
    assert det.hypothetical_factor == 0.35
    assert det.end_fraction == 0.12


# -- names people type ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "kind", "slug"),
    [
        ("Hurt/Comfort", "trope", "hurt-comfort"),
        ("soulmate au", "trope", "soulmates"),
        ("SH", "warning", "self-harm"),
        ("MCD", "any-warning", "major-character-death"),
        ("violence", "any-warning", "violence"),
        ("Teen And Up Audiences", "rating", "teen"),
        ("M", "rating", "mature"),
        ("dead dove", "term", "dead-dove"),
        ("explicit", "term", "explicit"),
    ],
)
def test_require_finds_the_slug(text: str, kind: TermKind, slug: str) -> None:
    assert load_taxonomy().require(text, kind) == slug


@pytest.mark.parametrize(
    ("text", "kind", "message"),
    [
        (
            "slow boil",
            "trope",
            (
                "I don't know the trope “slow boil”. Try e.g. soulmates, childhood-friends, "
                "friends-to-lovers, enemies-to-lovers, hurt-comfort."
            ),
        ),
        ("soulmtes", "trope", "I don't know the trope “soulmtes”; did you mean: Soulmates?"),
        (
            "violnce",
            "warning",
            "“violnce” is not a content warning I know; did you mean: Violence?",
        ),
        (
            "MCD",
            "warning",
            (
                "“MCD” is not a content warning I know. Try `/warnings lookup` to find its name "
                "(e.g. violence, self-harm, major character death → death)."
            ),
        ),
        (
            "qwertyuiop",
            "any-warning",
            "“qwertyuiop” is not a warning I know. Try /warnings lookup to find its name.",
        ),
        (
            "adult",
            "rating",
            "Unknown rating “adult”. Use one of general, teen, mature, explicit, not-rated.",
        ),
        ("soulmtes", "term", "“soulmtes” is not a term I know; did you mean: Soulmates?"),
        (
            "angst",
            "rating",
            "Unknown rating “angst”. Use one of general, teen, mature, explicit, not-rated.",
        ),
    ],
)
def test_require_says_what_is_wrong(text: str, kind: TermKind, message: str) -> None:
    with pytest.raises(UnknownNameError) as err:
        load_taxonomy().require(text, kind)
    assert str(err.value) == message
    assert err.value.typed == text


def test_display_name() -> None:
    tax = load_taxonomy()
    assert tax.display_name("teen") == "Teen And Up Audiences"
    assert tax.display_name("major-character-death") == "Major Character Death"
    assert tax.display_name("hurt-comfort") == "Hurt/Comfort"
    assert tax.display_name("dead-dove") == "Dead Dove: Do Not Eat"
    assert tax.display_name("no-such-slug") == "no-such-slug"
    assert tax.display_name("MCD") == "MCD"  # a slug, not a lookup


def test_rating_choices_one_per_rank_in_order() -> None:
    assert load_taxonomy().rating_choices() == [
        ("general", "General Audiences"),
        ("teen", "Teen And Up Audiences"),
        ("mature", "Mature"),
        ("explicit", "Explicit"),
    ]
