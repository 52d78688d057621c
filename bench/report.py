"""The results: one rich table on the terminal, results.json and results.md (for the README)."""

from __future__ import annotations

import json
import os
import platform
import sqlite3
import time
from pathlib import Path
from typing import Any

from bench.measure import Row

COLUMNS = ("metric", "value", "baseline", "ratio", "goal", "pass", "note")


def machine() -> dict[str, Any]:
    """CPU model, cores, RAM, Python and SQLite versions."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    ram_gb: float | None = None
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                ram_gb = round(int(line.split()[1]) / 1024 / 1024, 1)
                break
    except OSError:
        pass
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "ram_gb": ram_gb,
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "os": f"{platform.system()} {platform.release()}",
    }


def fmt(x: float | None, unit: str = "") -> str:
    """3 significant digits (thousands grouped), with the unit."""
    if x is None:
        return "—"
    if abs(x) >= 1000:
        text = f"{x:,.0f}"
    elif abs(x) >= 100:
        text = f"{x:.0f}"
    elif abs(x) >= 10:
        text = f"{x:.1f}"
    elif abs(x) >= 1:
        text = f"{x:.2f}"
    else:
        text = f"{x:.3f}"
    return f"{text} {unit}".rstrip() if unit not in ("×", "") else f"{text}{unit}"


def cells(row: Row) -> list[str]:
    """The row as table cells, in COLUMNS order."""
    ok = row.ok
    return [
        row.metric,
        fmt(row.value, row.unit),
        fmt(row.baseline, row.unit) if row.baseline is not None else "—",
        fmt(row.ratio, "×") if row.ratio is not None else "—",
        str(row.goal) if row.goal else "—",
        "—" if ok is None else ("pass" if ok else "FAIL"),
        row.note,
    ]


def table(rows: list[Row], title: str = "Ficshelf benchmarks") -> Any:
    """A rich Table, one section per benchmark."""
    from rich.table import Table

    out = Table(title=title, show_lines=False)
    for name in COLUMNS:
        out.add_column(
            name,
            justify="right" if name in ("value", "baseline", "ratio") else "left",
            overflow="fold",
        )
    section = None
    for row in rows:
        if section is not None and row.section != section:
            out.add_section()
        section = row.section
        c = cells(row)
        c[5] = {"pass": "[green]pass[/]", "FAIL": "[bold red]FAIL[/]"}.get(c[5], c[5])
        out.add_row(*c)
    return out


def markdown(rows: list[Row], info: dict[str, Any]) -> str:
    """The table as Markdown, with the machine it ran on."""
    m = info["machine"]
    lines = [
        (
            f"Measured {info['finished']} on {m['cpu']} ({m['cores']} cores, "
            f"{m['ram_gb']} GB RAM), Python {m['python']}, SQLite {m['sqlite']}. "
            f"`python -m bench --sizes {','.join(info['sizes'])}`; ratios are value ÷ a "
            "baseline measured in the same run. Library: synthetic (bench/generator.py), 70 % "
            "of stories bundled, the rest uploaded by many servers; latencies are read as the "
            "server with the most uploads, OS page cache warm."
        ),
        "",
        "| " + " | ".join(COLUMNS) + " |",
        "|" + "|".join(["---", "---:", "---:", "---:", "---", "---", "---"]) + "|",
    ]
    for row in rows:
        c = [x.replace("|", "\\|") for x in cells(row)]
        c[5] = {"FAIL": "**FAIL**"}.get(c[5], c[5])
        lines.append("| " + " | ".join(c) + " |")
    return "\n".join(lines) + "\n"


def write(rows: list[Row], out_dir: Path, info: dict[str, Any]) -> tuple[Path, Path]:
    """results.json and results.md in `out_dir`."""
    out_dir.mkdir(parents=True, exist_ok=True)
    info = {**info, "finished": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())}
    js, md = out_dir / "results.json", out_dir / "results.md"
    payload = {**info, "rows": [r.as_dict() for r in rows]}
    js.write_text(json.dumps(payload, indent=2, ensure_ascii=False) + "\n")
    md.write_text(markdown(rows, info))
    return js, md
