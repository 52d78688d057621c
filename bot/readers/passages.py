"""Cut a story into postable passages: runs of whole paragraphs within one chapter.

One pass over the paragraphs (linear time). A paragraph longer than ``max_chars`` is first
cut at sentence ends (a sentence longer than that at the last whitespace before the limit,
or hard at the limit when there is none, as in CJK text). Pieces are then grouped: a group
takes pieces until it holds ``min_words``, then only while it stays within the midpoint of
``min_words`` and ``max_words``, and never past ``max_words`` or ``max_chars``. A short last
group of a chapter joins the group before it when the result stays within both limits.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from bot.readers.model import Paragraph, Passage, Story
from bot.readers.words import fast_count_words

SEPARATOR = "\n\n"
_CLOSERS = "\"'”’)\\]」』»"
# A sentence: text up to ., !, ? or … followed by whitespace (closing quotes allowed),
# or up to a CJK full stop / mark, which needs no space after it.
_SENTENCE = re.compile(rf"(?s).*?(?:[.!?…]+[{_CLOSERS}]*(?=\s)|[。！？]+[{_CLOSERS}]*|$)\s*")

_Piece = tuple[str, int, int, int]  # text, source line, words, characters


def segment(
    story: Story, *, min_words: int = 80, max_words: int = 250, max_chars: int = 1800
) -> list[Passage]:
    """The passages of ``story`` in reading order (summaries and notes never included)."""
    if max_chars < 1 or max_words < 1:
        raise ValueError("max_words and max_chars must be positive")
    soft_words = max(min_words, (min_words + max_words) // 2)
    passages: list[Passage] = []
    for chapter in story.chapters:
        groups: list[list[_Piece]] = []
        group: list[_Piece] = []
        words = chars = 0
        for piece in _pieces(chapter.paragraphs, max_chars):
            piece_words, piece_chars = piece[2], piece[3]
            if group:
                grown_words = words + piece_words
                grown_chars = chars + len(SEPARATOR) + piece_chars
                fits = grown_words <= max_words and grown_chars <= max_chars
                wanted = words < min_words or grown_words <= soft_words
                if fits and wanted:
                    group.append(piece)
                    words, chars = grown_words, grown_chars
                    continue
                groups.append(group)
            group, words, chars = [piece], piece_words, piece_chars
        if group:
            if groups and words < min_words and _fits(groups[-1], group, max_words, max_chars):
                groups[-1].extend(group)
            else:
                groups.append(group)
        passages.extend(_passage(chapter.number, g) for g in groups)
    return passages


def split_long(text: str, max_chars: int) -> list[str]:
    """``text`` cut into chunks of at most ``max_chars``, at sentence ends when possible."""
    if len(text) <= max_chars:
        return [text]
    chunks: list[str] = []
    current = ""
    for sentence in _sentences(text):
        for part in _hard_split(sentence, max_chars):
            candidate = current + part
            if len(candidate.rstrip()) <= max_chars:
                current = candidate
                continue
            if current.strip():
                chunks.append(current.strip())
            current = part
    if current.strip():
        chunks.append(current.strip())
    return chunks


def _pieces(paragraphs: list[Paragraph], max_chars: int) -> Iterator[_Piece]:
    for paragraph in paragraphs:
        for text in split_long(paragraph.text, max_chars):
            yield text, paragraph.line, fast_count_words(text), len(text)


def _sentences(text: str) -> Iterator[str]:
    """Sentences with their trailing whitespace; joined they give ``text`` back."""
    for match in _SENTENCE.finditer(text):
        if match.group():
            yield match.group()


def _hard_split(sentence: str, max_chars: int) -> Iterator[str]:
    """A sentence longer than ``max_chars`` cut at the last whitespace before the limit."""
    while len(sentence.rstrip()) > max_chars:
        window = sentence[: max_chars + 1]
        cut = max(window.rfind(" "), window.rfind("\n"), window.rfind("\t"))
        if cut <= 0:  # no whitespace (CJK text, a long URL): cut at the limit
            yield sentence[:max_chars]
            sentence = sentence[max_chars:]
        else:  # the space kept at the end stops the next part gluing onto this one
            yield sentence[:cut] + " "
            sentence = sentence[cut:].lstrip()
    if sentence:
        yield sentence


def _fits(previous: list[_Piece], last: list[_Piece], max_words: int, max_chars: int) -> bool:
    words = sum(p[2] for p in previous) + sum(p[2] for p in last)
    chars = sum(p[3] for p in previous) + sum(p[3] for p in last)
    chars += len(SEPARATOR) * (len(previous) + len(last) - 1)
    return words <= max_words and chars <= max_chars


def _passage(chapter: int, group: list[_Piece]) -> Passage:
    return Passage(
        chapter=chapter,
        first_line=group[0][1],
        last_line=group[-1][1],
        text=SEPARATOR.join(p[0] for p in group),
        words=sum(p[2] for p in group),
    )
