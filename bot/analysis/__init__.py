"""Content analysis: taxonomy, declared warnings, detection, ratings and characters.

Everything here is plain Python (no Discord). Slugs come from ``data/taxonomy``.
"""

from bot.analysis.analyze import analyze, detect_story
from bot.analysis.characters import resolve_character
from bot.analysis.model import Analysis, Evidence, Finding, PassageFacts
from bot.analysis.taxonomy import Entry, Taxonomy, TaxonomyError, load_taxonomy

__all__ = [
    "Analysis",
    "Entry",
    "Evidence",
    "Finding",
    "PassageFacts",
    "Taxonomy",
    "TaxonomyError",
    "analyze",
    "detect_story",
    "load_taxonomy",
    "resolve_character",
]
