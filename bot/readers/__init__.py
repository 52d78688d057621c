"""Story files → the story model → postable passages.

One reader per input format (plain text, AO3 page copy, AO3 HTML, AO3 EPUB), chosen by
content; :func:`segment` cuts a story into passages. No Discord here.
"""

from bot.readers.errors import StoryReadError
from bot.readers.model import FORMATS, Chapter, Paragraph, Passage, Story, count_words
from bot.readers.passages import segment
from bot.readers.reader import read_bytes, read_path

__all__ = [
    "FORMATS",
    "Chapter",
    "Paragraph",
    "Passage",
    "Story",
    "StoryReadError",
    "count_words",
    "read_bytes",
    "read_path",
    "segment",
]
