"""Evaluate warning and trope detection against a gold file (``ficshelf eval GOLD``).

The gold file lists, per story file, the declared warnings and tropes, the warnings and
tropes its text shows (with supporting lines) and decoy lines (idioms, negations) that
must never be evidence. Detection is scored at story level, without the declarations, so
the numbers measure the text detector; the combined (declared + detected) result is
scored too.
"""

from __future__ import annotations

import time
import tomllib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

from bot.analysis.analyze import analyze, detect_story
from bot.analysis.declared import parse_declared
from bot.analysis.detect import detector_for
from bot.analysis.taxonomy import Taxonomy, load_taxonomy
from bot.readers.model import Passage, Story


@dataclass(slots=True)
class Counts:
    """True positives, false positives and false negatives for one slug (or overall)."""

    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    def add(self, found: Iterable[str], gold: Iterable[str]) -> None:
        found, gold = set(found), set(gold)
        self.tp += len(found & gold)
        self.fp += len(found - gold)
        self.fn += len(gold - found)


@dataclass(frozen=True, slots=True)
class DecoyViolation:
    file: str
    line: int
    slug: str
    quote: str


@dataclass(slots=True)
class StoryResult:
    """One story of the gold file, scored."""

    file: str
    gold_warnings: set[str] = field(default_factory=set)
    detected_warnings: set[str] = field(default_factory=set)
    gold_tropes: set[str] = field(default_factory=set)
    found_tropes: set[str] = field(default_factory=set)
    declared_gold: set[str] = field(default_factory=set)
    declared_found: set[str] = field(default_factory=set)
    reported_warnings: set[str] = field(default_factory=set)
    decoys: list[DecoyViolation] = field(default_factory=list)
    off_gold_evidence: list[tuple[str, int]] = field(default_factory=list)
    passages: int = 0
    seconds: float = 0.0
    error: str | None = None


@dataclass(slots=True)
class EvalReport:
    """Per-slug and overall scores over every story of a gold file."""

    stories: list[StoryResult]
    warnings: dict[str, Counts]
    tropes: dict[str, Counts]
    detection: Counts  # detected warnings vs gold text warnings (micro)
    combined: Counts  # declared + detected vs declared + gold (micro)
    trope_total: Counts
    declared: Counts

    @property
    def decoy_violations(self) -> list[DecoyViolation]:
        return [v for s in self.stories for v in s.decoys]

    @property
    def passages_per_second(self) -> float:
        seconds = sum(s.seconds for s in self.stories)
        return sum(s.passages for s in self.stories) / seconds if seconds else 0.0


Reader = Callable[[Path], Story]
Segmenter = Callable[[Story], list[Passage]]


def evaluate(
    gold_path: Path,
    stories_dir: Path,
    *,
    taxonomy: Taxonomy | None = None,
    read: Reader | None = None,
    segment: Segmenter | None = None,
) -> EvalReport:
    """Score detection on every story listed in ``gold_path`` (files in ``stories_dir``)."""
    tax = taxonomy or load_taxonomy()
    if read is None or segment is None:
        from bot.readers import read_path
        from bot.readers import segment as default_segment

        read = read or read_path
        segment = segment or default_segment
    with Path(gold_path).open("rb") as fh:
        gold = tomllib.load(fh)
    stories = [
        _score(cast(dict[str, Any], item), Path(stories_dir), tax, read, segment)
        for item in gold.get("story", [])
    ]
    report = EvalReport(stories, {}, {}, Counts(), Counts(), Counts(), Counts())
    for s in stories:
        if s.error:
            continue
        for slug in s.gold_warnings | s.detected_warnings:
            report.warnings.setdefault(slug, Counts()).add(
                s.detected_warnings & {slug}, s.gold_warnings & {slug}
            )
        for slug in s.gold_tropes | s.found_tropes:
            report.tropes.setdefault(slug, Counts()).add(
                s.found_tropes & {slug}, s.gold_tropes & {slug}
            )
        report.detection.add(s.detected_warnings, s.gold_warnings)
        report.combined.add(s.reported_warnings, s.gold_warnings | s.declared_gold)
        report.trope_total.add(s.found_tropes, s.gold_tropes)
        report.declared.add(s.declared_found, s.declared_gold)
    return report


def _score(
    item: dict[str, Any], stories_dir: Path, tax: Taxonomy, read: Reader, segment: Segmenter
) -> StoryResult:
    file = str(item.get("file", ""))
    result = StoryResult(file)
    warning_slugs = {e.slug for e in tax.warnings}
    result.gold_warnings = {w["slug"] for w in item.get("warning", [])}
    result.declared_gold = set(item.get("declared_warnings", []))
    declared_tropes = set(item.get("declared_tropes", []))
    result.gold_tropes = {t["slug"] for t in item.get("trope", [])} | declared_tropes
    try:
        story = read(stories_dir / file)
        passages = segment(story)
    except Exception as exc:  # a broken gold entry is reported, not fatal
        result.error = f"{type(exc).__name__}: {exc}"
        return result
    detection = detect_story(story, passages, tax)
    started = time.perf_counter()
    analysis = analyze(story, passages, tax)
    result.seconds = time.perf_counter() - started
    result.passages = len(passages)
    result.detected_warnings = {s for s in detection.findings if s in warning_slugs}
    result.reported_warnings = analysis.warning_slugs()
    result.found_tropes = {f.slug for f in analysis.tropes}
    declared = parse_declared(story, tax)
    result.declared_found = set(declared.warnings)

    decoys: dict[int, set[str]] = {}
    for d in item.get("decoy", []):
        decoys.setdefault(int(d["line"]), set()).update(d.get("slugs", []) or ["*"])
    supported = {
        (w["slug"], int(line)) for w in item.get("warning", []) for line in w.get("lines", [])
    }
    minimum = tax.detection.evidence_min
    det = detector_for(tax)
    for scan in [*detection.passages, *detection.titles]:
        for hit in scan.hits:
            banned = decoys.get(hit.line, set())
            if hit.weight >= minimum and (hit.slug in banned or "*" in banned):
                quote = hit.quote or det.quote(scan.text, hit.start, hit.end)
                result.decoys.append(DecoyViolation(file, hit.line, hit.slug, quote))
    for slug, finding in detection.findings.items():
        for ev in finding.evidence:
            if slug in result.gold_warnings and (slug, ev.line) not in supported:
                result.off_gold_evidence.append((slug, ev.line))
    return result


def format_report(report: EvalReport) -> str:
    """A plain-text report: per-warning precision/recall, overall, decoys, declarations."""
    out: list[str] = []
    out.append("Detected warnings vs gold (story level, declarations ignored)")
    out.append(f"  {'warning':22} {'tp':>3} {'fp':>3} {'fn':>3}  {'precision':>9} {'recall':>6}")
    for slug in sorted(report.warnings):
        c = report.warnings[slug]
        out.append(f"  {slug:22} {c.tp:3} {c.fp:3} {c.fn:3}  {c.precision:9.2f} {c.recall:6.2f}")
    d = report.detection
    out.append(f"  {'overall':22} {d.tp:3} {d.fp:3} {d.fn:3}  {d.precision:9.2f} {d.recall:6.2f}")
    c = report.combined
    out.append(
        "Reported warnings (declared + detected): "
        f"precision {c.precision:.2f}, recall {c.recall:.2f}"
    )
    dc = report.declared
    out.append(f"Declared warnings parsed: {dc.tp}/{dc.tp + dc.fn} (extra: {dc.fp})")
    t = report.trope_total
    out.append(f"Tropes (declared + detected): precision {t.precision:.2f}, recall {t.recall:.2f}")
    for slug in sorted(report.tropes):
        tc = report.tropes[slug]
        out.append(
            f"  {slug:26} {tc.tp:3} {tc.fp:3} {tc.fn:3}  {tc.precision:9.2f} {tc.recall:6.2f}"
        )
    violations = report.decoy_violations
    out.append(f"Decoy violations: {len(violations)}")
    out.extend(f"  {v.file}:{v.line} {v.slug}: {v.quote}" for v in violations)
    out.append("Stories:")
    for s in report.stories:
        if s.error:
            out.append(f"  {s.file}: ERROR {s.error}")
            continue
        missed = sorted(s.gold_warnings - s.detected_warnings)
        extra = sorted(s.detected_warnings - s.gold_warnings)
        missed_decl = sorted(s.declared_gold - s.declared_found)
        line = f"  {s.file}: {s.passages} passages in {s.seconds * 1000:.0f} ms"
        if missed or extra or missed_decl:
            line += f"; missed {missed or '-'}; extra {extra or '-'}"
            if missed_decl:
                line += f"; declared not parsed {missed_decl}"
        out.append(line)
    out.append(f"Speed: {report.passages_per_second:.0f} passages/s")
    return "\n".join(out)
