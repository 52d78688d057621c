"""Cue detection in story text: Aho-Corasick candidates, then context rules from the TOML.

A text unit (one passage's paragraphs joined by newlines) is normalised once; every term
of every cue, context list, idiom and exclusion is looked up in one automaton pass. Each
candidate cue is then checked against bounded windows around it (idioms, exclusions,
requires/forbids, negation, counterfactual framing, similes), so the cost stays linear in
the text whatever its length or layout.
"""

from __future__ import annotations

import bisect
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

import ahocorasick

from bot.analysis.taxonomy import Context, Cue, Rules, Taxonomy
from bot.analysis.text import form_words, match_form, match_key, normalize

_CLAUSE_BREAK = re.compile(r'[.!?;:,"()\[\]\n]')
_UP_TO_CLAUSE_BREAK = re.compile(r'(?s:.*)[.!?;:,"()\[\]\n]')  # to the last break
_SENTENCE_BREAKS = ".!?\n"
_LOOKBACK = 160  # characters scanned back for a clause or sentence start
_SENTENCE_REACH = 400
_MAX_EXTEND = 40  # a prefix term ("stab*") may extend over at most this many letters
_WORD_ENDS = " '"  # what follows a whole word in match form (or the padding space)
_LETTERS = re.compile(r"[^\W_]*")  # letters and digits (str.isalnum), as in a word
_RANKS = 1 << 16  # roles of one automaton term, at most (ranks the cue matches ending together)


class Hit(NamedTuple):
    """One cue that survived its context rules (a tuple: a passage makes many)."""

    slug: str
    weight: float
    start: int
    end: int
    line: int
    quote: str
    term: str
    rates: str | None = None


@dataclass(slots=True)
class _Role:
    kind: str  # "cue" | "ctx" | "idiom" | "excl"
    prefix: bool
    rules: int = -1
    cue: int = -1
    ctx: int = -1


class _Key(NamedTuple):
    """An automaton value: a match reported at ``last`` starts at ``last - back`` and (unless
    a ``prefix`` term's match is extended over its word) ends at ``last - trim``."""

    back: int
    trim: int
    prefix: bool
    variant: int = -1  # in the main automaton: the variant matched


class _CueRole(NamedTuple):
    """A cue a variant stands for, and its rank among the cue matches ending together."""

    order: int  # -key length * _RANKS + role rank: the longest key first, then by rank
    rules: int
    cue: int


class _ContextTerms(NamedTuple):
    """A context of a cue and the ids of its terms."""

    ids: tuple[int, ...]
    context: Context


class _WindowTerms(NamedTuple):
    """The automaton of a set of context terms and its longest key, in characters."""

    automaton: ahocorasick.Automaton
    reach: int


@dataclass(slots=True)
class _Variant:
    """What matches of one automaton term mean: the roles of a term, whole-word or (for
    ``term*``) as the start of a longer word."""

    prefix: bool
    cues: list[_CueRole] = field(default_factory=list)
    ctx: set[int] = field(default_factory=set)
    idiom: bool = False
    excl: list[int] = field(default_factory=list)  # rules


@dataclass(frozen=True, slots=True)
class _Window:
    """A compiled context: its own automaton of terms and where they count around a cue."""

    terms: ahocorasick.Automaton  # values as in the main automaton, without the variant
    reach: int  # the longest key, in characters
    window: int
    before: bool  # the window reaches before the cue
    after: bool  # the window reaches after the cue
    only_before: bool  # a required term must end before the cue starts


@dataclass(frozen=True, slots=True)
class _CuePlan:
    """One cue with its compiled forbids and requires."""

    cue: Cue
    forbids: tuple[_Window, ...]
    requires: tuple[_Window, ...]


@dataclass(frozen=True, slots=True)
class _Clause:
    """The words of the clause before a cue, and whether they negate or hedge it."""

    words: list[str]
    negated: bool
    hypothetical: bool


@dataclass(slots=True)
class _Matches:
    """Word-bounded matches of one unit (context terms are looked up around cues on
    demand), and what was worked out around them."""

    form: str  # match form of the unit's text
    haystack: str  # ``form`` padded with a space on each side, as the automata read it
    cues: list[tuple[int, int, int, int]] = field(default_factory=list)  # start, end, rules, cue
    idioms: list[tuple[int, int]] = field(default_factory=list)
    excl: dict[int, list[tuple[int, int]]] = field(default_factory=dict)
    clauses: dict[int, _Clause] = field(default_factory=dict)  # by cue start
    similes: dict[tuple[int, int], bool] = field(default_factory=dict)  # by cue span

    def near(self, win: _Window, start: int, end: int, *, overlap: bool) -> bool:
        """Whether a term of ``win`` starts in its window around ``start:end``."""
        lo = start - win.window if win.before else (start if overlap else end)
        hi = end + win.window if win.after else (end if overlap else start)
        if hi < max(lo, 0):
            return False
        form, haystack = self.form, self.haystack
        # a match starting at ``a`` has its leading space at haystack index ``a``; the end
        # must be clamped (pyahocorasick 2.3 reads past the end of the string otherwise)
        stop = min(hi + win.reach, len(haystack))
        for last, (back, trim, prefix, _v) in win.terms.iter(haystack, max(lo, 0), stop):
            a = last - back
            if a > hi:
                continue
            b = _word_end(form, last) if prefix else last - trim
            clear = b <= start or a >= end  # a required term may not be the cue itself
            if overlap or (clear and not (win.only_before and b > start)):
                return True
        return False


@dataclass(frozen=True, slots=True)
class Unit:
    """Text to scan: paragraphs joined by newlines, with their source lines."""

    text: str
    offsets: tuple[int, ...]  # start offset of each paragraph in text
    lines: tuple[int, ...]  # source line of each paragraph

    @classmethod
    def from_paragraphs(cls, paragraphs: Sequence[tuple[int, str]]) -> Unit:
        offsets: list[int] = []
        lines: list[int] = []
        parts: list[str] = []
        pos = 0
        for line, text in paragraphs:
            text = text.replace("\n", " ")
            offsets.append(pos)
            lines.append(line)
            parts.append(text)
            pos += len(text) + 1
        return cls("\n".join(parts), tuple(offsets), tuple(lines))

    def line_at(self, offset: int) -> int:
        if not self.lines:
            return 0
        i = bisect.bisect_right(self.offsets, offset) - 1
        return self.lines[max(i, 0)]


class Detector:
    """Compiled cues of a taxonomy. Get one with :func:`detector_for`."""

    def __init__(self, tax: Taxonomy) -> None:
        self.tax = tax
        self.settings = tax.detection
        self.negation = tax.negation
        self.hypothetical = tax.hypothetical
        self.simile = tax.simile
        self.rules: list[Rules] = list(tax.rules.values())
        # warnings blocked by default: the model still reads their denied cue words (a
        # miss posts what a channel keeps out, and negation is misread at times: "She had
        # no right to kill herself.")
        self._always_read = frozenset(tax.default_policy.blocked)
        self.ctx_terms: list[str] = []
        self._ctx_ids: dict[tuple[str, bool], int] = {}
        self._roles: dict[str, list[_Role]] = {}
        self.max_idiom = 1
        self.max_excl = 1
        self._compile()

    # -- compile ----------------------------------------------------------------------------

    def _add(self, term: str, role: _Role) -> None:
        self._roles.setdefault(term.rstrip("*").rstrip(), []).append(role)

    def _ctx_id(self, term: str) -> int:
        key = (term.rstrip("*").rstrip(), term.endswith("*"))
        found = self._ctx_ids.get(key)
        if found is None:
            found = len(self.ctx_terms)
            self._ctx_ids[key] = found
            self.ctx_terms.append(term)
            self._add(term, _Role("ctx", key[1], ctx=found))
        return found

    def _compile(self) -> None:
        cue_ctx: dict[tuple[int, int], tuple[_ContextTerms, ...]] = {}
        cue_forbid: dict[tuple[int, int], tuple[_ContextTerms, ...]] = {}
        for ri, rules in enumerate(self.rules):
            for ci, cue in enumerate(rules.cues):
                for term in cue.terms:
                    self._add(term, _Role("cue", term.endswith("*"), rules=ri, cue=ci))
                cue_ctx[(ri, ci)] = tuple(
                    _ContextTerms(tuple(self._ctx_id(t) for t in ctx.terms), ctx)
                    for ctx in cue.requires
                )
                cue_forbid[(ri, ci)] = tuple(
                    _ContextTerms(tuple(self._ctx_id(t) for t in ctx.terms), ctx)
                    for ctx in cue.forbids
                )
            for term in rules.excludes:
                self._add(term, _Role("excl", term.endswith("*"), rules=ri))
                self.max_excl = max(self.max_excl, len(term) + _MAX_EXTEND)
        for term in self.tax.idioms:
            self._add(term, _Role("idiom", term.endswith("*")))
            self.max_idiom = max(self.max_idiom, len(term) + _MAX_EXTEND)
        keyed: dict[str, list[_Role]] = {}
        for term, roles in self._roles.items():
            keyed.setdefault(match_key(term), []).extend(roles)
        self._compile_automaton(keyed)
        self._plans = [
            [
                _CuePlan(
                    cue,
                    tuple(self._window(c) for c in cue_forbid[(ri, ci)]),
                    tuple(self._window(c) for c in cue_ctx[(ri, ci)]),
                )
                for ci, cue in enumerate(rules.cues)
            ]
            for ri, rules in enumerate(self.rules)
        ]
        neg = self.negation
        self._max_neg = max((r.distance for r in neg.rule), default=0)
        # per negating word, the farthest it reaches back from a cue (over every rule)
        self._neg_reach: dict[str, int] = {}
        for rule in neg.rule:
            for term in rule.terms:
                self._neg_reach[term] = max(self._neg_reach.get(term, 0), rule.distance)
        self._neg_suffixes = tuple((r.suffixes, r.distance) for r in neg.rule if r.suffixes)
        self._hyp = _Phrases.of(self.hypothetical.before)
        self._sim_before = _Phrases.of(self.simile.before)
        # the words after a cue start with one of these phrases
        after = self.simile.after
        self._sim_after = (
            re.compile(rf"(?:{'|'.join(map(re.escape, after))})(?: |\Z)") if after else None
        )
        self._habit_after = _Phrases.of(neg.habit_after)
        self._habit_before = _Phrases.of(neg.habit_before)

    def _compile_automaton(self, keyed: dict[str, list[_Role]]) -> None:
        """The variants of every term (its roles, as a whole word or as a ``term*``) and
        the main automaton: cues, idioms and exclusions. Context terms are only looked up
        around cues, with one automaton per context (:meth:`_window`)."""
        ids: dict[tuple[str, bool], int] = {}
        self._variants: list[_Variant] = []
        for key, roles in keyed.items():
            for rank, role in enumerate(roles):
                vid = ids.setdefault((key, role.prefix), len(ids))
                if vid == len(self._variants):
                    self._variants.append(_Variant(role.prefix))
                var = self._variants[vid]
                if role.kind == "cue":
                    # AC order of the cue matches ending together: longest key first
                    assert rank < _RANKS
                    var.cues.append(_CueRole(-len(key) * _RANKS + rank, role.rules, role.cue))
                elif role.kind == "ctx":
                    var.ctx.add(role.ctx)
                elif role.kind == "idiom":
                    var.idiom = True
                else:
                    var.excl.append(role.rules)
        self._keys = {vid: key for (key, _prefix), vid in ids.items()}
        main = [v for v, var in enumerate(self._variants) if var.cues or var.idiom or var.excl]
        self._auto = _automaton({v: v for v in main}, self._keys, self._variants)
        self._cue_roles = [tuple(var.cues) for var in self._variants]  # by variant
        self._rare_variants = frozenset(
            v for v in main if self._variants[v].idiom or self._variants[v].excl
        )
        self._windows: dict[frozenset[int], _WindowTerms] = {}
        self._ctx_variants: dict[int, list[int]] = {}  # context term id -> its variants
        for v, var in enumerate(self._variants):
            for ctx_id in var.ctx:
                self._ctx_variants.setdefault(ctx_id, []).append(v)

    def _window(self, terms: _ContextTerms) -> _Window:
        wanted, ctx = frozenset(terms.ids), terms.context
        compiled = self._windows.get(wanted)
        if compiled is None:
            group = sorted({v for c in wanted for v in self._ctx_variants.get(c, ())})
            compiled = self._windows[wanted] = _WindowTerms(
                _automaton(dict.fromkeys(group, -1), self._keys, self._variants),
                max(len(self._keys[v]) + 1 for v in group),
            )
        return _Window(
            terms=compiled.automaton,
            reach=compiled.reach,
            window=ctx.window,
            before=ctx.side in ("before", "both"),
            after=ctx.side in ("after", "both"),
            only_before=ctx.side == "before",
        )

    # -- scan -------------------------------------------------------------------------------

    def scan(
        self,
        unit: Unit,
        position: tuple[float, float] = (0.0, 1.0),
        norm: str | None = None,
        *,
        quotes: bool = True,
        unsaid: list[tuple[int, int]] | None = None,
    ) -> list[Hit]:
        """Hits in ``unit``. ``position`` is where the unit starts and ends in its story
        (fractions of the story's words), for cues that only count near the start or end.
        ``norm`` is ``normalize(unit.text)`` when the caller already has it. Without
        ``quotes`` the hits carry no quote (get it later with :meth:`quote`). When
        ``unsaid`` is given, the spans of ``unit.text`` that do not say what their words
        do are added to it: idioms of two or more words ("explosion murder") and cue
        words a negation denies ("nobody *died*"), but for the warnings blocked by default."""
        text = unit.text
        if not text.strip():
            return []
        norm = normalize(text) if norm is None else norm
        found = self._match(norm)
        if unsaid is not None:
            unsaid.extend((a, b) for a, b in found.idioms if " " in found.form[a:b].strip())
        best: dict[tuple[int, int], Hit] = {}
        n = len(norm)
        for start, end, ri, ci in found.cues:
            rules = self.rules[ri]
            plan = self._plans[ri][ci]
            cue = plan.cue
            if cue.position is not None and not self._in_position(cue, start, n, position):
                continue
            weight = self._weigh(norm, found, start, end, ri, plan)
            if weight <= 0.0:
                if unsaid is not None and cue.negatable and rules.slug not in self._always_read:
                    clause = found.clauses.get(start)
                    if clause is not None and clause.negated:
                        unsaid.append((start, end))
                continue
            key = (ri, start)
            prev = best.get(key)
            if prev is None or weight > prev.weight:
                best[key] = Hit(
                    slug=rules.slug,
                    weight=weight,
                    start=start,
                    end=end,
                    line=unit.line_at(start),
                    quote="",
                    term=norm[start:end],
                    rates=cue.rates,
                )
        hits = _merge_overlapping(best.values())
        if not quotes:
            return hits
        return [
            Hit(
                h.slug,
                h.weight,
                h.start,
                h.end,
                h.line,
                self.quote(text, h.start, h.end),
                h.term,
                h.rates,
            )
            if h.weight >= self.settings.evidence_min
            else h
            for h in hits
        ]

    def _in_position(self, cue: Cue, start: int, n: int, position: tuple[float, float]) -> bool:
        lo, hi = position
        frac = lo + (hi - lo) * (start / max(n, 1))
        if cue.position == "start":
            return frac <= self.settings.start_fraction
        return frac >= 1.0 - self.settings.end_fraction

    def _match(self, norm: str) -> _Matches:
        form = match_form(norm)
        found = _Matches(form, f" {form} ")
        roles, rare = self._cue_roles, self._rare_variants
        cues: list[tuple[int, int, int, int, int, int]] = []
        rare_spans: list[tuple[int, int, int]] = []
        for last, (back, trim, prefix, v) in self._auto.iter(found.haystack):
            start, end0 = last - back, last - trim
            end = _word_end(form, last) if prefix else end0
            for order, ri, ci in roles[v]:
                cues.append((end0, order, start, end, ri, ci))
            if v in rare:
                rare_spans.append((v, start, end))
        # in automaton order: by term end, the longest term first, then its roles in order
        cues.sort()
        found.cues = [(start, end, ri, ci) for _e, _o, start, end, ri, ci in cues]
        variants = self._variants
        for v, start, end in rare_spans:
            var = variants[v]
            if var.idiom:
                found.idioms.append((start, end))
            for ri in var.excl:
                found.excl.setdefault(ri, []).append((start, end))
        found.idioms.sort()
        for excl in found.excl.values():
            excl.sort()
        return found

    # -- rules ------------------------------------------------------------------------------

    def _weigh(
        self, norm: str, found: _Matches, start: int, end: int, ri: int, plan: _CuePlan
    ) -> float:
        s = self.settings
        if found.idioms and _overlaps(found.idioms, start, end, self.max_idiom):
            return 0.0
        excl = found.excl.get(ri)
        if excl and _overlaps(excl, start, end, self.max_excl):
            return 0.0
        for win in plan.forbids:
            if found.near(win, start, end, overlap=True):
                return 0.0
        for win in plan.requires:
            if not found.near(win, start, end, overlap=False):
                return 0.0
        cue = plan.cue
        weight = cue.weight
        # several cues often share a start: the clause is read once
        clause = found.clauses.get(start)
        if clause is None:
            clause = found.clauses[start] = self._clause(norm, found.form, start)
        if cue.negatable and clause.negated:
            if not self._habitual(norm, found.form, start, end):
                return 0.0
            weight *= s.habit_factor
        if cue.simile:
            simile = found.similes.get((start, end))
            if simile is None:
                simile = self._simile(norm, found.form, clause.words, end)
                found.similes[(start, end)] = simile
            if simile:
                return 0.0
        if clause.hypothetical:
            factor = cue.hypothetical if cue.hypothetical is not None else s.hypothetical_factor
            weight *= factor
        return weight

    def _clause(self, norm: str, form: str, start: int) -> _Clause:
        words = form_words(form, _clause_start(norm, start), start)
        return _Clause(words, self._negated(words), self._hypothetical(words))

    def _negated(self, clause: list[str]) -> bool:
        breakers, reach = self.negation.breakers, self._neg_reach
        recent = clause[max(len(clause) - self._max_neg, 0) :]  # within reach of any rule
        for distance, tok in enumerate(reversed(recent), 1):
            if tok in breakers:
                return False
            if distance <= reach.get(tok, 0):
                return True
            for suffixes, far in self._neg_suffixes:
                if distance <= far and tok.endswith(suffixes):
                    return True
        return False

    def _habitual(self, norm: str, form: str, start: int, end: int) -> bool:
        stop = _sentence_end(norm, end)
        if self._habit_after is not None and self._habit_after.among(form_words(form, end, stop)):
            return True
        lo = _sentence_start(norm, start)
        return self._habit_before is not None and self._habit_before.among(
            form_words(form, lo, start)
        )

    def _simile(self, norm: str, form: str, clause: list[str], end: int) -> bool:
        s = self.simile
        if self._sim_before is not None and self._sim_before.among(clause[-s.before_distance :]):
            return True
        stop = min(len(norm), end + 60)
        m = _CLAUSE_BREAK.search(norm, end, stop)
        cut = m.start() if m else stop
        after = " ".join(form_words(form, end, cut)[: s.after_distance + 2])
        return self._sim_after is not None and bool(self._sim_after.match(after))

    def _hypothetical(self, clause: list[str]) -> bool:
        return self._hyp is not None and self._hyp.among(clause[-self.hypothetical.scope :])

    # -- quotes -----------------------------------------------------------------------------

    def quote(self, text: str, start: int, end: int) -> str:
        """The sentence around ``text[start:end]``, trimmed to ``quote_chars``."""
        limit = self.settings.quote_chars
        lo = _sentence_start(text, start)
        hi = _sentence_end(text, end)
        hi = min(len(text), hi + 1) if hi < len(text) and text[hi] in ".!?" else hi
        while hi < len(text) and text[hi] in "\"'”’)" and hi - lo < limit:
            hi += 1
        sentence = text[lo:hi].strip()
        if len(sentence) <= limit:
            return sentence
        span = end - start
        room = max(0, limit - span - 2)
        a = max(lo, start - room // 2)
        b = min(hi, a + span + room)
        a = max(lo, b - span - room)
        while a > lo and a < start and not text[a - 1].isspace():
            a += 1
        while b < hi and b > end and not text[b].isspace():
            b -= 1
        piece = text[a:b].strip()
        prefix = "…" if a > lo else ""
        suffix = "…" if b < hi else ""
        return (prefix + piece + suffix)[:limit]


def _merge_overlapping(hits: Iterable[Hit]) -> list[Hit]:
    """One hit per slug where several cues cover the same words (the strongest wins)."""
    out: list[Hit] = []
    for h in sorted(hits, key=lambda h: (h.slug, h.start, -h.weight)):
        prev = out[-1] if out else None
        if prev is not None and prev.slug == h.slug and h.start < prev.end:
            if h.weight > prev.weight:
                out[-1] = h
            continue
        out.append(h)
    out.sort(key=lambda h: (h.start, h.slug))
    return out


@dataclass(frozen=True, slots=True)
class _Phrases:
    """Finds any of some phrases as whole words among a list of words. A phrase can only
    be there if its first word is, and most clauses hold none: that is looked up first."""

    first: frozenset[str]  # the first word of each phrase
    pattern: re.Pattern[str]  # any phrase, as whole words in the words joined by spaces

    @classmethod
    def of(cls, items: Sequence[str]) -> _Phrases | None:
        if not items:
            return None
        alts = "|".join(re.escape(m) for m in sorted(set(items), key=len, reverse=True))
        pattern = re.compile(rf"(?<![^\s])(?:{alts})(?![^\s])")
        return cls(frozenset(m.split(" ")[0] for m in items), pattern)

    def among(self, words: Sequence[str]) -> bool:
        if self.first.isdisjoint(words):
            return False
        return self.pattern.search(" ".join(words)) is not None


def _automaton(
    values: dict[int, int], keys: dict[int, str], variants: list[_Variant]
) -> ahocorasick.Automaton:
    """An automaton of the given variants' keys, each valued with a :class:`_Key` (its
    ``variant`` the one given). Keys start with a space (matches begin at word starts; the
    text is padded with one). A whole-word key is added with each character that can end a
    word in match form, so only word-bounded matches are reported; a ``term*`` key is added
    bare and its match extended over the word."""
    auto = ahocorasick.Automaton()
    for v, shown in values.items():
        key = keys[v]
        if variants[v].prefix:
            auto.add_word(key, _Key(len(key) - 1, 0, True, shown))
        else:
            for tail in _WORD_ENDS:
                auto.add_word(key + tail, _Key(len(key), 1, False, shown))
    auto.make_automaton()
    return auto


def _word_end(form: str, end: int) -> int:
    """Where the word running on from ``form[end]`` ends (at most ``_MAX_EXTEND`` on)."""
    m = _LETTERS.match(form, end, end + _MAX_EXTEND)
    return m.end() if m else end


def _overlaps(spans: list[tuple[int, int]], start: int, end: int, max_len: int) -> bool:
    if not spans:
        return False
    i = bisect.bisect_left(spans, (start - max_len, -1))
    while i < len(spans) and spans[i][0] < end:
        a, b = spans[i]
        if b > start and a < end:
            return True
        i += 1
    return False


def _clause_start(text: str, start: int) -> int:
    """Where the clause ending at ``start`` begins: after the last clause break, looking
    back at most ``_LOOKBACK``. A line break right before ``start`` is looked past when
    an earlier break is in reach (as the regex ``break(?=[^breaks]*$)`` used to do)."""
    lo = max(0, start - _LOOKBACK)
    stop = start - 1 if start > lo and text[start - 1] == "\n" else start
    m = _UP_TO_CLAUSE_BREAK.match(text, lo, stop)
    if m:
        return m.end()
    return start if stop < start else lo


def _sentence_start(text: str, start: int) -> int:
    lo = max(0, start - _SENTENCE_REACH)
    cut = max(text.rfind(ch, lo, start) for ch in _SENTENCE_BREAKS)
    pos = lo if cut < 0 else cut + 1
    while pos < start and text[pos] in " \"'”’)":
        pos += 1
    return pos


def _sentence_end(text: str, end: int) -> int:
    hi = min(len(text), end + _SENTENCE_REACH)
    cuts = [i for i in (text.find(ch, end, hi) for ch in _SENTENCE_BREAKS) if i >= 0]
    return min(cuts) if cuts else hi


def noisy_or(values: Sequence[float]) -> float:
    """Combine independent confidences: 1 - prod(1 - v)."""
    return 1.0 - math.prod(1.0 - min(max(v, 0.0), 1.0) for v in values)


def detector_for(tax: Taxonomy) -> Detector:
    """The compiled detector of ``tax`` (built once per taxonomy)."""
    return tax.compiled(Detector)
