"""Story-level analysis: declared and detected warnings and tropes, rating, characters."""

from __future__ import annotations

import bisect
import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache

from bot.analysis.characters import CharacterCounter, canonical_tags
from bot.analysis.declared import Declared, parse_declared
from bot.analysis.detect import Detector, Hit, Unit, detector_for, noisy_or
from bot.analysis.learned import ModelFinding, PassageModel, shipped_model
from bot.analysis.model import Analysis, Evidence, Finding, PassageFacts, RatingSource
from bot.analysis.scenes import SceneRules, load_scene_rules, spread
from bot.analysis.taxonomy import Density, Rules, Taxonomy, load_taxonomy
from bot.analysis.text import form_word_count, match_form, normalize, word_spans
from bot.readers.model import Paragraph, Passage, Story

_PIECE_SEPARATOR = "\n\n"
_QUOTED = re.compile(r'"[^"\n]*"?')  # from a quote mark to the next one or the line end
_DENSITY_MIN_PASSAGE_WORDS = 20
_CUE_RATES_MIN = 0.5
_MAX_CONFIDENCE = 0.99


@dataclass(slots=True)
class PassageScan:
    """What detection found in one passage."""

    chapter: int
    hits: list[Hit]
    confidence: dict[str, float]  # slug -> passage confidence (noisy-or of its terms)
    support: dict[str, float] = field(default_factory=dict)  # slug -> min(1, sum of its terms)
    text: str = ""  # the scanned text, for quotes
    density: dict[str, tuple[int, int]] = field(default_factory=dict)  # slug -> (matches, words)
    local: dict[str, float] = field(default_factory=dict)  # passage-only (density) confidence
    unsaid: list[tuple[int, int]] = field(default_factory=list)  # spans of `text` (Detector.scan)


@dataclass(slots=True)
class StoryDetection:
    """Detection over a whole story, before declarations are merged in."""

    passages: list[PassageScan]
    titles: list[PassageScan]  # chapter titles (tropes only), not parallel to passages
    totals: dict[str, float]
    best: dict[str, float]
    findings: dict[str, Finding]  # reported detected warnings and tropes, by slug
    words: int

    def hits(self, slug: str | None = None) -> list[tuple[int, Hit]]:
        """(chapter, hit) pairs, optionally for one slug."""
        scans = [*self.passages, *self.titles]
        return [(p.chapter, h) for p in scans for h in p.hits if slug is None or h.slug == slug]


def analyze(
    story: Story,
    passages: list[Passage],
    taxonomy: Taxonomy | None = None,
    *,
    model: PassageModel | None = None,
    learned: bool = True,
) -> Analysis:
    """Everything the bot knows about ``story``: ``Analysis.passages`` is parallel to
    ``passages``. Declarations win over detection (one finding per slug). Detection is the
    taxonomy's cues plus, unless ``learned`` is False, the learned passage model (``model``,
    else the shipped one); a warning found in a passage is then carried by its scene."""
    tax = taxonomy or load_taxonomy()
    declared = parse_declared(story, tax)
    counter = CharacterCounter(tax, list(story.fandoms), story.characters)
    detection = detect_story(story, passages, tax, on_unit=counter.add)
    warning_slugs = {e.slug for e in tax.warnings}
    minimum = tax.detection.passage_min
    rules = load_scene_rules()
    classifier = (model or shipped_model()) if learned else None
    learned_by_passage = _learned(classifier, passages, warning_slugs, detection)
    extra = _model_findings(
        classifier, learned_by_passage, passages, detection, story, rules, set(declared.warnings)
    )

    warnings = _merge(declared.warnings, detection, warning_slugs, extra)
    tropes = _merge(declared.tropes, detection, {e.slug for e in tax.tropes})
    rating, source = _rating(tax, declared, warnings, detection)

    fandoms = counter.fandoms()
    reported = {f.slug for f in warnings} | {f.slug for f in tropes}
    facts: list[PassageFacts] = []
    for i, scan in enumerate(detection.passages):
        fact = PassageFacts()
        for slug, conf in {**scan.confidence, **scan.local}.items():
            if slug in reported and conf >= minimum:
                target = fact.warnings if slug in warning_slugs else fact.tropes
                target[slug] = round(conf, 3)
        for slug, found in learned_by_passage[i].items():
            if slug in reported and slug not in fact.warnings:
                fact.warnings[slug] = round(found.probability, 3)
        if i < len(counter.passages):
            fact.characters = counter.names(i, fandoms)
        facts.append(fact)
    detected = {f.slug for f in warnings if f.source == "detected"}
    model_only = [  # per passage: what the model alone found there
        {
            s
            for s in learned_by_passage[i]
            if max(scan.confidence.get(s, 0.0), scan.local.get(s, 0.0)) < minimum
        }
        for i, scan in enumerate(detection.passages)
    ]
    scenes = spread(
        story,
        passages,
        [{s: c for s, c in f.warnings.items() if s in detected} for f in facts],
        [
            {s: c for s, c in f.warnings.items() if s in detected and s in model_only[i]}
            for i, f in enumerate(facts)
        ],
        minimum=minimum,
        rules=rules,
    )
    for fact, inherited in zip(facts, scenes.inherited, strict=True):
        fact.scene = {s: round(c, 3) for s, c in inherited.items() if s not in fact.warnings}

    characters = (
        canonical_tags(story.characters, tax) if story.characters else counter.story_names(fandoms)
    )
    return Analysis(
        rating=rating,
        rating_source=source,
        archive_warnings=list(declared.archive_warnings),
        warnings=warnings,
        tropes=tropes,
        characters=characters,
        passages=facts,
        subjects=scenes.subjects,
    )


def _learned(
    model: PassageModel | None,
    passages: Sequence[Passage],
    warnings: set[str],
    detection: StoryDetection,
) -> list[dict[str, ModelFinding]]:
    """Per passage, the warnings the model sees there (the model adds recall: a warning it
    alone supports becomes a finding of its own, see `_model_findings`). Where a cue of a
    warning matched, however weakly, the model's cued threshold for it applies. The model
    reads a passage without what it does not say: its figures of speech (the taxonomy's
    idioms of two or more words), inside which no cue counts either ("Great Explosion
    Murder God Dynamight" is a hero's name), and the cue words a negation denies ("Nobody
    died"). A one-word idiom stays: the model reads whole words, so "overkill" or
    "homosexual" is already a word of its own to it, not a cue word in disguise."""
    out: list[dict[str, ModelFinding]] = [{} for _ in passages]
    if model is None:
        return out
    cued = [frozenset({h.slug for h in s.hits} | set(s.local)) for s in detection.passages]
    texts = [_without(s.text, s.unsaid) for s in detection.passages]
    for i, found in enumerate(model.findings_many(texts, cued)):
        out[i] = {f.slug: f for f in found if f.slug in warnings}
    return out


def _without(text: str, spans: Sequence[tuple[int, int]]) -> str:
    """`text` with each of `spans` blanked out (overlapping spans are fine)."""
    if not spans:
        return text
    pieces, at = [], 0
    for start, end in sorted(spans):
        if start > at:
            pieces.append(text[at:start])
        at = max(at, end)
    pieces.append(text[at:])
    return " ".join(pieces)


def _model_findings(
    model: PassageModel | None,
    learned: Sequence[Mapping[str, ModelFinding]],
    passages: Sequence[Passage],
    detection: StoryDetection,
    story: Story,
    rules: SceneRules,
    declared: set[str],
) -> dict[str, Finding]:
    """Story-level findings the model alone supports: enough passages show it, or one is
    sure. Their evidence is each passage's strongest sentence, marked as the model's."""
    settings = rules.model
    by_slug: dict[str, list[tuple[float, int, ModelFinding]]] = {}
    for i, found in enumerate(learned):
        for slug, f in found.items():
            by_slug.setdefault(slug, []).append((f.probability, i, f))
    lines = _ChapterLines(story)
    need = max(1, math.ceil(settings.story_share * len(passages)))
    out: dict[str, Finding] = {}
    for slug, hits in by_slug.items():
        if slug in declared or slug in detection.findings:
            continue
        hits.sort(key=lambda h: (-h[0], h[1]))
        if len(hits) < need and hits[0][0] < settings.sure:
            continue
        evidence = []
        assert model is not None  # there are hits
        for _p, i, _f in hits[:3]:
            sentence = model.strongest(passages[i].text, model.labels.index(slug))
            unit = lines.unit(passages[i])
            at = unit.text.find(sentence[:60])
            line = unit.line_at(at) if at >= 0 else passages[i].first_line
            evidence.append(Evidence(passages[i].chapter, line, sentence[:200]))
        confidence = round(min(settings.confidence_cap, hits[0][0]), 3)
        out[slug] = Finding(slug, "detected", confidence, evidence, method="model")
    return out


def detect_story(
    story: Story,
    passages: Sequence[Passage],
    taxonomy: Taxonomy | None = None,
    *,
    on_unit: Callable[[str, str], None] | None = None,
) -> StoryDetection:
    """Scan every passage and decide, per warning and trope, whether the story reports it."""
    tax = taxonomy or load_taxonomy()
    det = detector_for(tax)
    lines = _ChapterLines(story)
    total_words = sum(max(p.words, 0) for p in passages) or 1
    densities = [(r, d) for r in tax.rules.values() for d in r.densities]
    scans: list[PassageScan] = []
    done = 0
    for passage in passages:
        unit = lines.unit(passage)
        norm = normalize(unit.text)
        if on_unit is not None:
            on_unit(unit.text, norm)
        position = (done / total_words, (done + passage.words) / total_words)
        done += passage.words
        unsaid: list[tuple[int, int]] = []
        hits = det.scan(unit, position, norm, quotes=False, unsaid=unsaid)
        scan = PassageScan(passage.chapter, hits, *_confidence(hits), unsaid=unsaid)
        scan.text = unit.text
        tokens = _Tokens(norm)
        for rules, rule in densities:
            matched, count = tokens.density(rule)
            scan.density[rules.slug] = (matched, count)
            if count >= _DENSITY_MIN_PASSAGE_WORDS and matched * 1000 >= rule.per_kword * count:
                scan.local[rules.slug] = max(scan.local.get(rules.slug, 0.0), rule.weight)
        scans.append(scan)
    titles = _title_scans(story, passages, det, tax, total_words)
    return _report(
        tax, det, scans, titles, sum(p.words for p in passages), densities, lines, passages
    )


def _title_scans(
    story: Story, passages: Sequence[Passage], det: Detector, tax: Taxonomy, total_words: int
) -> list[PassageScan]:
    """Chapter titles ("Epilogue", "Ten Years Later") count for tropes, quoted as line 0."""
    starts: dict[int, float] = {}
    done = 0
    for p in passages:
        starts.setdefault(p.chapter, done / total_words)
        done += p.words
    tropes = {e.slug for e in tax.tropes}
    out: list[PassageScan] = []
    for chapter in story.chapters:
        if not chapter.title.strip() or chapter.number not in starts:
            continue
        at = starts[chapter.number]
        hits = [
            h
            for h in det.scan(Unit.from_paragraphs([(0, chapter.title)]), (at, at))
            if h.slug in tropes
        ]
        if hits:
            out.append(PassageScan(chapter.number, hits, *_confidence(hits)))
    return out


def _confidence(hits: list[Hit]) -> tuple[dict[str, float], dict[str, float]]:
    """Per slug, over the strongest hit of each distinct term: the passage's confidence
    (noisy-or) and its support towards the story total (sum, at most 1 per passage, so
    the total does not depend on where passages happen to be cut)."""
    by_slug: dict[str, dict[str, float]] = {}
    for h in hits:
        terms = by_slug.setdefault(h.slug, {})
        if h.weight > terms.get(h.term, 0.0):
            terms[h.term] = h.weight
    confidence = {slug: noisy_or(list(terms.values())) for slug, terms in by_slug.items()}
    support = {slug: min(1.0, sum(terms.values())) for slug, terms in by_slug.items()}
    return confidence, support


class _Tokens:
    """The words of one passage's normalised text, counted for every density rule."""

    def __init__(self, norm: str) -> None:
        self.norm = norm
        form = match_form(norm)  # detection made it; its pieces are the words of norm
        self.spaced = f" {form} "
        self.words = form_word_count(form)
        self._quoted: str | None = None

    def quoted(self) -> str:
        """The match form of the text inside double quotes (parity restarts at each line),
        padded with spaces."""
        if self._quoted is None:
            spans = _QUOTED.findall(self.norm) if '"' in self.norm else []
            # words never span a line break or a quote mark, so the spans may be joined
            joined = "\n".join(spans)
            self._quoted = f" {match_form(joined)} "
        return self._quoted

    def density(self, rule: Density) -> tuple[int, int]:
        """(words of ``rule.terms``, words counted) for one density rule."""
        pattern = _term_pattern(rule.terms)
        if pattern is None:
            return 0, self.words
        matched = len(pattern.findall(self.spaced))
        if matched and rule.outside_quotes:
            matched -= len(pattern.findall(self.quoted()))
        return matched, self.words


@cache
def _term_pattern(terms: frozenset[str]) -> re.Pattern[str] | None:
    """Finds each word equal to one of ``terms`` in a padded match form (a term of
    several words, or none, can never equal a word)."""
    single = sorted((t for t in terms if t.split() == [t]), key=len, reverse=True)
    if not single:
        return None
    return re.compile(f" (?:{'|'.join(map(re.escape, single))})(?= )")


def _report(
    tax: Taxonomy,
    det: Detector,
    scans: list[PassageScan],
    titles: list[PassageScan],
    story_words: int,
    densities: list[tuple[Rules, Density]],
    lines: _ChapterLines,
    passages: Sequence[Passage],
) -> StoryDetection:
    settings = tax.detection
    totals: dict[str, float] = {}
    best: dict[str, float] = {}
    confidences: dict[str, list[float]] = {}  # by slug, in scan order
    hits: dict[str, list[tuple[Hit, PassageScan]]] = {}  # by slug, in scan order
    for scan in [*scans, *titles]:
        for slug, value in scan.support.items():
            totals[slug] = totals.get(slug, 0.0) + value
        for slug, value in scan.confidence.items():
            confidences.setdefault(slug, []).append(value)
        for h in scan.hits:
            best[h.slug] = max(best.get(h.slug, 0.0), h.weight)
            hits.setdefault(h.slug, []).append((h, scan))
    density_evidence: dict[str, list[Evidence]] = {}
    for rules, rule in densities:
        matched = sum(s.density.get(rules.slug, (0, 0))[0] for s in scans)
        count = sum(s.density.get(rules.slug, (0, 0))[1] for s in scans)
        if count >= rule.min_words and matched * 1000 >= rule.per_kword * count:
            best[rules.slug] = max(best.get(rules.slug, 0.0), rule.weight)
            totals[rules.slug] = max(totals.get(rules.slug, 0.0), rule.weight)
            density_evidence[rules.slug] = _density_evidence(
                det, rules.slug, rule, scans, passages, lines
            )
    findings: dict[str, Finding] = {}
    for slug, total in totals.items():
        rules = tax.rules[slug]
        threshold = max(rules.threshold, rules.per_kword * story_words / 1000)
        strongest = best.get(slug, 0.0)
        if strongest < rules.single and (total < threshold or strongest < rules.anchor):
            continue
        confs = confidences.get(slug, [])
        confidence = min(_MAX_CONFIDENCE, max(noisy_or(confs), best.get(slug, 0.0)))
        evidence = _evidence(det, hits.get(slug, []), settings.evidence_min, settings.max_evidence)
        if len(evidence) < settings.max_evidence:
            seen = {(e.chapter, e.line) for e in evidence}
            extra = [e for e in density_evidence.get(slug, []) if (e.chapter, e.line) not in seen]
            evidence += extra[: settings.max_evidence - len(evidence)]
        findings[slug] = Finding(slug, "detected", round(confidence, 3), evidence)
    return StoryDetection(scans, titles, totals, best, findings, story_words)


def _evidence(
    det: Detector, hits: list[tuple[Hit, PassageScan]], minimum: float, limit: int
) -> list[Evidence]:
    """Quotes of the strongest of one slug's ``hits``, at most one per line."""
    candidates = [(h.weight, scan.chapter, h, scan) for h, scan in hits if h.weight >= minimum]
    candidates.sort(key=lambda c: (-c[0], c[1], c[2].line))
    out: list[Evidence] = []
    seen: set[tuple[int, int]] = set()
    for _w, chapter, h, scan in candidates:
        if (chapter, h.line) in seen:
            continue
        quote = h.quote or (det.quote(scan.text, h.start, h.end) if scan.text else "")
        if not quote:
            continue
        seen.add((chapter, h.line))
        out.append(Evidence(chapter, h.line, quote))
        if len(out) >= limit:
            break
    return out


def _density_evidence(
    det: Detector,
    slug: str,
    rule: Density,
    scans: list[PassageScan],
    passages: Sequence[Passage],
    lines: _ChapterLines,
) -> list[Evidence]:
    """A sentence using the density terms from each of the densest passages."""
    ranked = sorted(range(len(scans)), key=lambda i: -scans[i].density.get(slug, (0, 0))[0])
    out: list[Evidence] = []
    for i in ranked[:3]:
        unit = lines.unit(passages[i])
        at = _first_density_term(unit.text, rule)
        if at is not None:
            quote = det.quote(unit.text, at[0], at[1])
            out.append(Evidence(passages[i].chapter, unit.line_at(at[0]), quote))
    return out


def _first_density_term(text: str, rule: Density) -> tuple[int, int] | None:
    norm = normalize(text)
    inside = False
    for start, end, token in word_spans(norm):
        # quote parity between tokens: count quote marks since the last token
        if rule.outside_quotes:
            inside = _inside_quotes(norm, start)
        if token in rule.terms and not inside:
            return start, end
    return None


def _inside_quotes(norm: str, pos: int) -> bool:
    line_start = norm.rfind("\n", 0, pos) + 1
    return norm.count('"', line_start, pos) % 2 == 1


def _merge(
    declared: dict[str, list[Evidence]],
    detection: StoryDetection,
    kinds: set[str],
    learned: Mapping[str, Finding] | None = None,
) -> list[Finding]:
    """Declared findings first (in declaration order), then detected ones, strongest first."""
    out = [Finding(slug, "declared", 1.0, ev[:3]) for slug, ev in declared.items() if slug in kinds]
    found = {**(learned or {}), **detection.findings}
    detected = [f for slug, f in found.items() if slug in kinds and slug not in declared]
    detected.sort(key=lambda f: -f.confidence)
    return out + detected


def _rating(
    tax: Taxonomy, declared: Declared, warnings: list[Finding], detection: StoryDetection
) -> tuple[str, RatingSource]:
    if declared.rating:
        return declared.rating, "declared"
    rank = tax.rating_rank(tax.ratings[0].slug)

    def bump(slug: str | None) -> None:
        nonlocal rank
        if slug:
            rank = max(rank, tax.rating_rank(slug))

    for slug in declared.archive_warnings:
        bump(tax.rules[slug].declared_rates if slug in tax.rules else None)
    for f in warnings:
        rules = tax.rules[f.slug]
        if f.source == "declared":
            bump(rules.declared_rates or rules.rates)
            continue
        bump(rules.rates)
        for _chapter, h in detection.hits(f.slug):
            if h.weight >= _CUE_RATES_MIN:
                bump(h.rates)
    return next(r.slug for r in tax.ratings if r.rank == rank), "estimated"


class _ChapterLines:
    """Maps the pieces of a passage's text back to the source lines of its paragraphs."""

    def __init__(self, story: Story) -> None:
        self.paragraphs: dict[int, list[Paragraph]] = {}
        self.lines: dict[int, list[int]] = {}
        for chapter in story.chapters:
            paras = sorted(chapter.paragraphs, key=lambda p: p.line)
            self.paragraphs[chapter.number] = paras
            self.lines[chapter.number] = [p.line for p in paras]

    def unit(self, passage: Passage) -> Unit:
        text = passage.text
        sep = _PIECE_SEPARATOR if _PIECE_SEPARATOR in text or "\n" not in text else "\n"
        pieces = [p for p in text.split(sep) if p.strip()] or [text]
        first, last = passage.first_line, passage.last_line
        if first >= last:
            return Unit.from_paragraphs([(first, p) for p in pieces])
        lines = self.lines.get(passage.chapter, [])
        lo = bisect.bisect_left(lines, first)
        hi = bisect.bisect_right(lines, last)
        candidates = self.paragraphs.get(passage.chapter, [])[lo:hi]
        if len(candidates) == len(pieces):
            return Unit.from_paragraphs(
                [(c.line, p) for c, p in zip(candidates, pieces, strict=True)]
            )
        if not candidates:
            span = max(last - first, 0)
            return Unit.from_paragraphs([(first + min(i, span), p) for i, p in enumerate(pieces)])
        out: list[tuple[int, str]] = []
        cursor = 0
        for piece in pieces:
            probe = piece.strip()[:80]
            k = cursor
            while k < len(candidates) and probe not in candidates[k].text:
                k += 1
            if k < len(candidates):
                cursor = k
            out.append((candidates[cursor].line, piece))
        return Unit.from_paragraphs(out)
