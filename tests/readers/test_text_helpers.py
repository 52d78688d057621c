from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.readers import count_words
from bot.readers.languages import language_code
from bot.readers.names import chapter_title, title_from_filename
from bot.readers.scene_breaks import is_scene_break
from bot.readers.words import fast_count_words


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("ab c\n\t.，。的一あアㄱ가豈\u3400\u00a0-—!"))))
def test_fast_count_words_equals_count_words(text: str) -> None:
    assert fast_count_words(text) == count_words(text)


@settings(max_examples=500, deadline=None)
@given(
    st.text(
        alphabet=st.sampled_from(
            list("aZ9 _\n\t\r\x0b\x0c\x1c\x1f\x01\x7f.,'\"-’‘“”—–…«»·•é\u0085")
        )
    )
)
def test_fast_count_words_on_ascii_and_story_punctuation(text: str) -> None:
    """ASCII text and the curly quotes and dashes of stories take a faster path."""
    assert fast_count_words(text) == count_words(text)


@pytest.mark.parametrize(
    ("text", "words"),
    [("He said — “no.”", 3), ("“ ” — …", 0), ("don’t_ go", 2), ("___ a", 1), ("a\x1cb", 2)],
)
def test_fast_count_words_examples(text: str, words: int) -> None:
    assert fast_count_words(text) == words


@pytest.mark.parametrize(
    "line",
    [
        "~*~",
        "***",
        "* * *",
        "—",
        "---",
        "oOo",
        "-oOo-",
        "XXX",
        "xXx",
        "ー荷ー荷",
        "-" * 128,
        "＊＊＊",
        "~~~~",
        "x-x-x",
        "-x-x-x-",
    ],
)
def test_scene_breaks(line: str) -> None:
    assert is_scene_break(line)


@pytest.mark.parametrize(
    "line", ["haha", "是的是的", "No.", "Deku.", "Ooo", "OK", "12:00", "Chapter 1", "I", "A"]
)
def test_not_scene_breaks(line: str) -> None:
    assert not is_scene_break(line)


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("English", "en"),
        ("中文-普通话 國語", "zh"),
        ("中文-广东话 粵語", "zh"),
        ("Español", "es"),
        ("Русский", "ru"),
        ("日本語", "ja"),
        ("한국어", "ko"),
        ("Português brasileiro", "pt"),
        ("Deutsch", "de"),
        ("Français", "fr"),
        ("en", "en"),
        ("en-US", "en"),
        ("zh-CN", "zh"),
        ("Klingon Runes", None),
        (None, None),
    ],
)
def test_language_codes(name: str | None, code: str | None) -> None:
    assert language_code(name) == code


@pytest.mark.parametrize(
    ("name", "title"),
    [
        ("quirkless-soul-marks.txt", "Quirkless Soul Marks"),
        ("save-yourself-win-with-me.ao3.txt", "Save Yourself Win With Me"),
        ("some_story_name.epub", "Some Story Name"),
        ("/a/b/don't-stop.html", "Don't Stop"),
    ],
)
def test_title_from_filename(name: str, title: str) -> None:
    assert title_from_filename(name) == title


@pytest.mark.parametrize(
    ("heading", "title"),
    [
        ("Chapter 1: Festival", "Festival"),
        ("Chapter 12", "Chapter 12"),
        ("Knots", "Knots"),
        ("  Chapter 2:   Riversong  ", "Riversong"),
    ],
)
def test_chapter_title(heading: str, title: str) -> None:
    assert chapter_title(heading) == title
