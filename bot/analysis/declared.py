"""What the author declared: rating, archive warnings, tags, and free-text warning lists.

Free-text declarations are found in summaries and notes: a header ("TW:", "CW -",
"Warnings:", "*trigger warning*") followed by items on the same line or on the following
short lines ("-self harm", "-suicide attempts"), or a sentence such as "this fic deals
with ...". Items are matched against names, aliases and AO3 tag forms of warnings,
archive warnings and tropes; "-bakudeku" or "-boyxboy" match nothing and are ignored.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import ahocorasick

from bot.analysis.model import Evidence
from bot.analysis.taxonomy import Entry, Taxonomy
from bot.analysis.text import lookup_key, word_form
from bot.readers.model import Paragraph, Story

_QUOTE_CHARS = 200
_SENTENCE = re.compile(r"[^.!?\n]+[.!?]*")
_BULLET_STRIP = " \t*_~•·>-–—+→▪◦○●:."


@dataclass(slots=True)
class Declared:
    """Declarations found in a story's metadata, by slug, in the order they appear."""

    rating: str | None = None
    archive_warnings: list[str] = field(default_factory=list)
    warnings: dict[str, list[Evidence]] = field(default_factory=dict)
    tropes: dict[str, list[Evidence]] = field(default_factory=dict)

    def add(self, entry: Entry, evidence: Evidence, tax: Taxonomy) -> None:
        """Record a declaration of ``entry`` (an archive warning declares what it implies)."""
        if entry.kind == "warning":
            _append(self.warnings, entry.slug, evidence)
        elif entry.kind == "trope":
            _append(self.tropes, entry.slug, evidence)
        elif entry.kind == "archive-warning":
            for slug in entry.implies:
                _append(self.warnings, tax.entry(slug).slug, evidence)


def _append(target: dict[str, list[Evidence]], slug: str, evidence: Evidence) -> None:
    found = target.setdefault(slug, [])
    if all((e.line, e.quote) != (evidence.line, evidence.quote) for e in found):
        found.append(evidence)


class TermMatcher:
    """Whole-word matches of every declarable term (names, aliases, AO3 tag forms)."""

    def __init__(self, tax: Taxonomy) -> None:
        self.tax = tax
        terms: dict[str, set[str]] = {}
        stop = set(tax.declaration.stopwords)
        for e in [*tax.warnings, *tax.archive_warnings, *tax.tropes]:
            labels = (e.slug, e.name, *e.aliases, *e.ao3_tags, *((e.ao3,) if e.ao3 else ()))
            for label in labels:
                form = word_form(label)
                if form and form not in stop:
                    terms.setdefault(form, set()).add(e.slug)
        auto = ahocorasick.Automaton()
        for form, slugs in terms.items():
            auto.add_word(f" {form} ", (form, tuple(sorted(slugs))))
        auto.make_automaton()
        self._auto = auto
        self.negators = tuple(tax.declaration.negators)

    def find(self, text: str) -> list[str]:
        """Slugs named in ``text`` (longest non-overlapping terms; negated ones skipped)."""
        form = word_form(text)
        if not form:
            return []
        padded = f" {form} "
        spans: list[tuple[int, int, tuple[str, ...]]] = []
        for last, (term, slugs) in self._auto.iter(padded):
            end = last  # index of the trailing space
            start = end - len(term)
            spans.append((start, end, slugs))
        spans.sort(key=lambda s: (s[0], -s[1]))
        out: list[str] = []
        taken = -1
        for start, end, slugs in spans:
            if start < taken:
                continue
            taken = end
            if self._negated(padded, start):
                continue
            for slug in slugs:
                if slug not in out:
                    out.append(slug)
        return out

    def _negated(self, padded: str, start: int) -> bool:
        before = padded[:start].split()
        if not before:
            return False
        last = before[-1]
        two = " ".join(before[-2:])
        return last in self.negators or two in self.negators


def term_matcher(tax: Taxonomy) -> TermMatcher:
    """The compiled term matcher of ``tax`` (built once per taxonomy)."""
    return tax.compiled(TermMatcher)


def parse_declared(story: Story, tax: Taxonomy) -> Declared:
    """Everything ``story``'s metadata, summary and notes declare."""
    out = Declared()
    out.rating = tax.rating_from_label(story.rating_label)
    at = story.declared_at
    for label in story.archive_warning_labels:
        for part in _label_parts(label, tax):
            entry = tax.entry(part)
            if part not in out.archive_warnings:
                out.archive_warnings.append(part)
            out.add(entry, Evidence(0, at.get("archive_warnings", 0), _trim(label)), tax)
    matcher = term_matcher(tax)
    for tag in story.additional_tags:
        evidence = Evidence(0, at.get("additional_tags", 0), _trim(tag))
        for slug in tag_slugs(tag, tax, matcher):
            out.add(tax.entry(slug), evidence, tax)
    _people_tags(story, tax, out)
    for paragraphs in (story.summary, story.notes):
        for paragraph, slugs in free_text_declarations(paragraphs, tax, matcher):
            evidence = Evidence(0, paragraph.line, _trim(paragraph.text))
            for slug in slugs:
                out.add(tax.entry(slug), evidence, tax)
    return out


def _label_parts(label: str, tax: Taxonomy) -> list[str]:
    slug = tax.archive_warning_from_label(label)
    if slug:
        return [slug]
    parts = [tax.archive_warning_from_label(p) for p in re.split(r"[,;]", label)]
    return [p for p in parts if p]


def tag_slugs(tag: str, tax: Taxonomy, matcher: TermMatcher | None = None) -> list[str]:
    """Warnings, archive warnings and tropes an AO3 tag declares ("Eventual Smut",
    "Implied/Referenced Self-Harm", "Angst with a Happy Ending", "Quirkless Midoriya Izuku")."""
    exact = [s for s in tax.tag_slugs(tag) if tax.entry(s).kind != "rating"]
    if exact:
        return exact
    return (matcher or term_matcher(tax)).find(tag)


def _people_tags(story: Story, tax: Taxonomy, out: Declared) -> None:
    """A "Reader" or "You" character, or "X/Reader", declares the reader-insert trope."""
    at = story.declared_at
    for field_name, tags in (
        ("characters", story.characters),
        ("relationships", story.relationships),
    ):
        for tag in tags:
            for part in re.split(r"\s*(?:/|&| x )\s*", tag):
                for slug in tax.tag_slugs(part) if lookup_key(part) else ():
                    entry = tax.entry(slug)
                    if entry.kind == "trope":
                        out.add(entry, Evidence(0, at.get(field_name, 0), _trim(tag)), tax)


def free_text_declarations(
    paragraphs: Sequence[Paragraph], tax: Taxonomy, matcher: TermMatcher
) -> Iterable[tuple[Paragraph, list[str]]]:
    """(paragraph, slugs) for each declaring paragraph of a summary or notes."""
    settings = tax.declaration
    header = _header_pattern(tax)
    i = 0
    while i < len(paragraphs):
        para = paragraphs[i]
        match = header.search(para.text)
        if match is None:
            slugs = _phrase_declarations(para.text, tax, matcher)
            if slugs:
                yield para, slugs
            i += 1
            continue
        rest = para.text[match.end() :]
        slugs = _items(rest, settings.separators, matcher)
        if slugs:
            yield para, slugs
        # the list continues on the following bulleted lines (or short ones after a bare
        # header: "Warnings:" / "Self-harm" / "Blood")
        bullets_seen = bool(rest.strip(_BULLET_STRIP + " "))
        j = i + 1
        while j < len(paragraphs) and j - i <= settings.list_max_items:
            item = paragraphs[j]
            if item.line - paragraphs[j - 1].line > 2 or header.search(item.text):
                break
            stripped = item.text.strip()
            bulleted = stripped.startswith(settings.bullets)
            short = len(stripped.split()) <= settings.item_max_words
            if not (bulleted or (short and not bullets_seen)):
                break
            bullets_seen = bullets_seen or bulleted
            slugs = _items(stripped.lstrip(_BULLET_STRIP), settings.separators, matcher)
            if slugs:
                yield item, slugs
            j += 1
        i = j


def _items(text: str, separators: Sequence[str], matcher: TermMatcher) -> list[str]:
    parts = [text]
    for sep in separators:
        parts = [piece for part in parts for piece in part.split(sep)]
    out: list[str] = []
    for part in parts:
        for slug in matcher.find(part.strip(_BULLET_STRIP + " ")):
            if slug not in out:
                out.append(slug)
    return out


def _phrase_declarations(text: str, tax: Taxonomy, matcher: TermMatcher) -> list[str]:
    out: list[str] = []
    for sentence in _SENTENCE.findall(text):
        form = f" {word_form(sentence)} "
        cut = -1
        for phrase in tax.declaration.phrases:
            pos = form.find(f" {phrase} ")
            if pos >= 0:
                cut = max(cut, pos + len(phrase) + 1)
        if cut < 0:
            continue
        for slug in _items(form[cut:], tax.declaration.separators, matcher):
            if slug not in out:
                out.append(slug)
    return out


def _header_pattern(tax: Taxonomy) -> re.Pattern[str]:
    """A header at the start of a paragraph, or anywhere when a colon, slash or asterisk
    closes it ("... (tw: suicide)", "*trigger warning*"); compiled once per taxonomy."""
    return tax.compiled(_compile_header_pattern)


def _compile_header_pattern(tax: Taxonomy) -> re.Pattern[str]:
    alts = sorted(tax.declaration.headers, key=len, reverse=True)
    words = "|".join(r"[\s/]*".join(re.escape(w) for w in h.split()) for h in alts)
    lead = r"[\s*_~\[(>•\-–—|#!]*"
    close = r"[\s]*(?:[:：]+|//+|\*+|!+|[\-–—]+|\|)"
    return re.compile(
        rf"(?:^{lead}(?:{words})\b(?:{close})?|(?<![\w])(?:{words})\b{close})[\s*_~)\]\-–—:]*",
        re.IGNORECASE,
    )


def _trim(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= _QUOTE_CHARS else text[: _QUOTE_CHARS - 1].rstrip() + "…"
