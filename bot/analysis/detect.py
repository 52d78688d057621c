"""Cue detection in story text: Aho-Corasick candidates, then context rules from the TOML.

A text unit (one passage's paragraphs joined by newlines) is normalised once; every term
of every cue, context list, idiom and exclusion is looked up in one automaton pass. Each
candidate cue is then checked against bounded windows around it (idioms, exclusions,
requires/forbids, negation, counterfactual framing, similes), so the cost stays linear in
the text whatever its length or layout.
"""

from __future__ import annotations

import bisect
import itertools
import math
import re
import weakref
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import ahocorasick

from bot.analysis.taxonomy import Context, Cue, Rules, Taxonomy
from bot.analysis.text import match_form, match_key, normalize, words

_CLAUSE_BREAKS = '.!?;:,"()[]\n'
_CLAUSE_BREAK = re.compile(r'[.!?;:,"()\[\]\n]')
_LAST_CLAUSE_BREAK = re.compile(r'[.!?;:,"()\[\]\n](?=[^.!?;:,"()\[\]\n]*$)')
_SENTENCE_BREAKS = ".!?\n"
_LOOKBACK = 160  # characters scanned back for a clause or sentence start
_SENTENCE_REACH = 400
_MAX_EXTEND = 40  # a prefix term ("stab*") may extend over at most this many letters


@dataclass(frozen=True, slots=True)
class Hit:
    """One cue that survived its context rules."""

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


@dataclass(slots=True)
class _Matches:
    """Word-bounded matches of one unit, grouped for window queries."""

    cues: list[tuple[int, int, int, int]] = field(default_factory=list)  # start, end, rules, cue
    ctx_starts: dict[int, list[int]] = field(default_factory=dict)
    ctx_ends: dict[int, list[int]] = field(default_factory=dict)
    idioms: list[tuple[int, int]] = field(default_factory=list)
    excl: dict[int, list[tuple[int, int]]] = field(default_factory=dict)
    _merged: dict[tuple[int, ...], tuple[list[int], list[int]]] = field(default_factory=dict)

    def merged(self, ids: tuple[int, ...]) -> tuple[list[int], list[int]]:
        """Matches of any of ``ids``, sorted by start (computed once per context)."""
        found = self._merged.get(ids)
        if found is None:
            pairs = sorted(
                pair
                for cid in ids
                for pair in zip(
                    self.ctx_starts.get(cid, ()), self.ctx_ends.get(cid, ()), strict=True
                )
            )
            found = ([a for a, _ in pairs], [b for _, b in pairs])
            self._merged[ids] = found
        return found


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
        self.rules: list[Rules] = list(tax.rules.values())
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
        self._cue_ctx: dict[tuple[int, int], tuple[tuple[tuple[int, ...], Context], ...]] = {}
        self._cue_forbid: dict[tuple[int, int], tuple[tuple[tuple[int, ...], Context], ...]] = {}
        for ri, rules in enumerate(self.rules):
            for ci, cue in enumerate(rules.cues):
                for term in cue.terms:
                    self._add(term, _Role("cue", term.endswith("*"), rules=ri, cue=ci))
                self._cue_ctx[(ri, ci)] = tuple(
                    (tuple(self._ctx_id(t) for t in ctx.terms), ctx) for ctx in cue.requires
                )
                self._cue_forbid[(ri, ci)] = tuple(
                    (tuple(self._ctx_id(t) for t in ctx.terms), ctx) for ctx in cue.forbids
                )
            for term in rules.excludes:
                self._add(term, _Role("excl", term.endswith("*"), rules=ri))
                self.max_excl = max(self.max_excl, len(term) + _MAX_EXTEND)
        for term in self.settings.idioms:
            self._add(term, _Role("idiom", term.endswith("*")))
            self.max_idiom = max(self.max_idiom, len(term) + _MAX_EXTEND)
        auto = ahocorasick.Automaton()
        self._role_list: list[list[_Role]] = []
        keyed: dict[str, list[_Role]] = {}
        for term, roles in self._roles.items():
            keyed.setdefault(match_key(term), []).extend(roles)
        for i, (key, roles) in enumerate(keyed.items()):
            self._role_list.append(roles)
            auto.add_word(key, (i, len(key) - 1))
        auto.make_automaton()
        self._auto = auto
        self._neg_terms = [(r.terms, r.suffixes, r.distance) for r in self.settings.negation]
        self._max_neg = max((r.distance for r in self.settings.negation), default=0)
        s = self.settings
        self._hyp = _phrases(s.hypothetical_before)
        self._sim_before = _phrases(s.simile_before)
        self._habit_after = _phrases(s.habit_after)
        self._habit_before = _phrases(s.habit_before)

    # -- scan -------------------------------------------------------------------------------

    def scan(
        self,
        unit: Unit,
        position: tuple[float, float] = (0.0, 1.0),
        norm: str | None = None,
        *,
        quotes: bool = True,
    ) -> list[Hit]:
        """Hits in ``unit``. ``position`` is where the unit starts and ends in its story
        (fractions of the story's words), for cues that only count near the start or end.
        ``norm`` is ``normalize(unit.text)`` when the caller already has it. Without
        ``quotes`` the hits carry no quote (get it later with :meth:`quote`)."""
        text = unit.text
        if not text.strip():
            return []
        norm = normalize(text) if norm is None else norm
        found = self._match(norm)
        best: dict[tuple[int, int], Hit] = {}
        n = len(norm)
        cache: dict[tuple[str, int], object] = {}
        for start, end, ri, ci in found.cues:
            rules = self.rules[ri]
            cue = rules.cues[ci]
            if cue.position is not None and not self._in_position(cue, start, n, position):
                continue
            weight = self._weigh(norm, found, start, end, ri, ci, cue, cache)
            if weight <= 0.0:
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
        found = _Matches()
        form = match_form(norm)
        n = len(form)
        roles_of = self._role_list
        # keys start with a space: matches begin at word starts only
        for last, (idx, length) in self._auto.iter(" " + form):
            start = last - length
            end = last
            bounded = end >= n or not form[end].isalnum()
            ext = end
            for role in roles_of[idx]:
                if role.prefix:
                    if ext == end:
                        limit = min(n, end + _MAX_EXTEND)
                        while ext < limit and form[ext].isalnum():
                            ext += 1
                    span_end = ext
                elif bounded:
                    span_end = end
                else:
                    continue
                if role.kind == "cue":
                    found.cues.append((start, span_end, role.rules, role.cue))
                elif role.kind == "ctx":
                    found.ctx_starts.setdefault(role.ctx, []).append(start)
                    found.ctx_ends.setdefault(role.ctx, []).append(span_end)
                elif role.kind == "idiom":
                    found.idioms.append((start, span_end))
                else:
                    found.excl.setdefault(role.rules, []).append((start, span_end))
        # AC reports matches by end offset; window queries need them by start.
        for cid, starts in found.ctx_starts.items():
            if any(a > b for a, b in itertools.pairwise(starts)):
                pairs = sorted(zip(starts, found.ctx_ends[cid], strict=True))
                found.ctx_starts[cid] = [a for a, _ in pairs]
                found.ctx_ends[cid] = [b for _, b in pairs]
        found.idioms.sort()
        for spans in found.excl.values():
            spans.sort()
        return found

    # -- rules ------------------------------------------------------------------------------

    def _weigh(
        self,
        norm: str,
        found: _Matches,
        start: int,
        end: int,
        ri: int,
        ci: int,
        cue: Cue,
        cache: dict[tuple[str, int], object],
    ) -> float:
        s = self.settings
        if _overlaps(found.idioms, start, end, self.max_idiom):
            return 0.0
        if _overlaps(found.excl.get(ri, []), start, end, self.max_excl):
            return 0.0
        for ids, ctx in self._cue_forbid[(ri, ci)]:
            if self._near(found, ids, ctx, start, end, overlap=True):
                return 0.0
        for ids, ctx in self._cue_ctx[(ri, ci)]:
            if not self._near(found, ids, ctx, start, end, overlap=False):
                return 0.0
        weight = cue.weight
        # several cues often share a start: the context checks are computed once
        clause = cache.get(("clause", start))
        if clause is None:
            clause = cache[("clause", start)] = self._clause_words(norm, start)
        assert isinstance(clause, list)
        if cue.negatable:
            negated = cache.get(("neg", start))
            if negated is None:
                negated = cache[("neg", start)] = self._negated(clause)
            if negated:
                if not self._habitual(norm, start, end):
                    return 0.0
                weight *= s.habit_factor
        if cue.simile:
            simile = cache.get(("sim", start * 100_000 + end))
            if simile is None:
                simile = cache[("sim", start * 100_000 + end)] = self._simile(norm, clause, end)
            if simile:
                return 0.0
        hyp = cache.get(("hyp", start))
        if hyp is None:
            hyp = cache[("hyp", start)] = self._hypothetical(clause)
        if hyp:
            factor = cue.hypothetical if cue.hypothetical is not None else s.hypothetical_factor
            weight *= factor
        return weight

    def _near(
        self,
        found: _Matches,
        ids: tuple[int, ...],
        ctx: Context,
        start: int,
        end: int,
        *,
        overlap: bool,
    ) -> bool:
        w = ctx.window
        lo = start - w if ctx.side in ("before", "both") else (start if overlap else end)
        hi = end + w if ctx.side in ("after", "both") else (end if overlap else start)
        starts, ends = found.merged(ids)
        i = bisect.bisect_left(starts, lo)
        while i < len(starts) and starts[i] <= hi:
            a, b = starts[i], ends[i]
            clear = b <= start or a >= end  # a required term may not be the cue itself
            if overlap or (clear and not (ctx.side == "before" and b > start)):
                return True
            i += 1
        return False

    def _clause_words(self, norm: str, start: int) -> list[str]:
        lo = max(0, start - _LOOKBACK)
        m = _LAST_CLAUSE_BREAK.search(norm, lo, start)
        return words(norm[m.end() if m else lo : start])

    def _negated(self, clause: list[str]) -> bool:
        if not clause:
            return False
        breakers = self.settings.breakers
        for i, tok in enumerate(reversed(clause)):
            distance = i + 1
            if distance > self._max_neg:
                return False
            if tok in breakers:
                return False
            for terms, suffixes, limit in self._neg_terms:
                if distance <= limit and (tok in terms or any(tok.endswith(x) for x in suffixes)):
                    return True
        return False

    def _habitual(self, norm: str, start: int, end: int) -> bool:
        stop = _sentence_end(norm, end)
        if self._habit_after is not None and self._habit_after.search(
            " ".join(words(norm[end:stop]))
        ):
            return True
        lo = _sentence_start(norm, start)
        return self._habit_before is not None and bool(
            self._habit_before.search(" ".join(words(norm[lo:start])))
        )

    def _simile(self, norm: str, clause: list[str], end: int) -> bool:
        s = self.settings
        near = " ".join(clause[-s.simile_before_distance :])
        if self._sim_before is not None and self._sim_before.search(near):
            return True
        stop = min(len(norm), end + 60)
        m = _CLAUSE_BREAK.search(norm, end, stop)
        cut = m.start() if m else stop
        after = " ".join(words(norm[end:cut])[: s.simile_after_distance + 2])
        return any(
            after.startswith(m) and (len(after) == len(m) or after[len(m)] == " ")
            for m in s.simile_after
        )

    def _hypothetical(self, clause: list[str]) -> bool:
        near = " ".join(clause[-self.settings.hypothetical_scope :])
        return self._hyp is not None and bool(self._hyp.search(near))

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


def _phrases(items: Sequence[str]) -> re.Pattern[str] | None:
    """A pattern finding any of ``items`` as whole words in space-joined words."""
    if not items:
        return None
    alts = "|".join(re.escape(m) for m in sorted(set(items), key=len, reverse=True))
    return re.compile(rf"(?<![^\s])(?:{alts})(?![^\s])")


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


_DETECTORS: weakref.WeakKeyDictionary[Taxonomy, Detector] = weakref.WeakKeyDictionary()


def detector_for(tax: Taxonomy) -> Detector:
    """The compiled detector of ``tax`` (built once per taxonomy)."""
    found = _DETECTORS.get(tax)
    if found is None:
        found = Detector(tax)
        _DETECTORS[tax] = found
    return found
