"""`python -m bench.eligibility`: the cost of scene-aware eligibility on the bundled library.

For each bundled story, the share of its passages eligible in a default channel (the
built-in policy) and in a mature one (max rating mature, built-in blocks kept), judged
three ways: passage by passage with the cues alone (before), with scenes and subjects, and
with scenes, subjects and the learned model (what the bot does now).
"""

from __future__ import annotations

from collections.abc import Callable

from bot.analysis.analyze import analyze
from bot.analysis.model import Analysis
from bot.analysis.taxonomy import load_taxonomy
from bot.paths import STORIES_DIR
from bot.policy import PolicyLayer, allows, eligibility, resolve
from bot.readers import read_path, segment
from bot.services.config import vocabulary

Judge = Callable[[Analysis, int], set[str]]


def _alone(a: Analysis, i: int) -> set[str]:
    return set(a.passages[i].warnings)


def _with_scenes(a: Analysis, i: int) -> set[str]:
    return set(a.passages[i].warnings) | set(a.passages[i].scene) | set(a.subjects)


def main() -> None:
    tax = load_taxonomy()
    vocab = vocabulary(tax)
    default = tax.default_policy
    builtin = PolicyLayer(
        "built-in",
        max_rating=default.max_rating,
        spoilers=default.spoilers,
        blocks=dict.fromkeys(default.blocked, True),
    )
    channels = {
        "default": eligibility(resolve([builtin], age_restricted=False), vocab),
        "mature": eligibility(
            resolve([builtin, PolicyLayer("server", max_rating="mature")], age_restricted=False),
            vocab,
        ),
    }
    ways: list[tuple[str, bool, Judge]] = [
        ("passage by passage, cues", False, _alone),
        ("scenes + subjects, cues", False, _with_scenes),
        ("scenes + subjects, cues + model", True, _with_scenes),
    ]
    header = "| story | passages | " + " | ".join(
        f"{name}: {way}" for way, _, _ in ways for name in channels
    )
    print(header + " |")
    print("|---|---:|" + "---:|" * (len(ways) * len(channels)))
    totals = [0] * (len(ways) * len(channels))
    count = 0
    for path in sorted(STORIES_DIR.iterdir()):
        story = read_path(path)
        passages = segment(story)
        cells = []
        for _way, learned, judge in ways:
            result = analyze(story, passages, learned=learned)
            declared = result.warning_slugs("declared")
            for elig in channels.values():
                ok = sum(
                    allows(
                        elig,
                        vocab,
                        rating=result.rating,
                        declared=declared,
                        detected=judge(result, i),
                    )
                    for i in range(len(passages))
                )
                cells.append(ok)
        for k, ok in enumerate(cells):
            totals[k] += ok
        count += len(passages)
        shares = " | ".join(f"{ok / len(passages):.0%}" for ok in cells)
        print(f"| {story.title} | {len(passages)} | {shares} |")
    shares = " | ".join(f"{ok / count:.0%}" for ok in totals)
    print(f"| all | {count} | {shares} |")


if __name__ == "__main__":
    main()
