"""Benchmark figures: printing as they come, the TARGET lines, and the section of RESULTS.md."""

from __future__ import annotations

import datetime as dt
import os
import platform
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

import numpy as np

RESULTS = Path(__file__).resolve().parent / "RESULTS.md"
BEGIN, END = "<!-- bench:begin -->", "<!-- bench:end -->"


def markers(name: str = "bench") -> tuple[str, str]:
    """The comments around a generated section ("bench": the whole run, "scale": --only-scale)."""
    return f"<!-- {name}:begin -->", f"<!-- {name}:end -->"


@dataclass
class Figure:
    """One measured figure; `target` and `passed` only for the figures with a target."""

    name: str
    measured: float
    unit: str
    target: float | None = None
    passed: bool | None = None
    note: str = ""
    key: str = ""  # the name in the TARGET line

    def value(self) -> str:
        return f"{self.measured:.4g}" if isinstance(self.measured, float) else str(self.measured)


class Figures:
    """Collects figures in order and prints each one as it is measured."""

    def __init__(self) -> None:
        self.items: list[Figure] = []
        self.notes: list[str] = []

    def add(self, name, measured, unit, target=None, *, note="", key="") -> Figure:
        """Record a figure; with a `target`, it passes when `measured` is at most that."""
        passed = None if target is None else bool(measured <= target)
        figure = Figure(name, measured, unit, target, passed, note, key)
        self.items.append(figure)
        tail = f"  ({note})" if note else ""
        print(f"  {name:<48} {figure.value():>12} {unit}{tail}", flush=True)
        return figure

    def note(self, text: str) -> None:
        self.notes.append(text)
        print(f"  note: {text}", flush=True)

    def get(self, name: str) -> Figure | None:
        return next((f for f in self.items if f.name == name), None)

    def targets(self) -> list[Figure]:
        return [f for f in self.items if f.target is not None]


def target_line(f: Figure) -> str:
    name = f.key or re.sub(r"[^A-Za-z0-9/]+", "_", f.name).strip("_")
    return f"TARGET {name} {f.value()} {f.unit} {f.target:g} {'PASS' if f.passed else 'MISS'}"


def percentiles(seconds) -> tuple[float, float]:
    """(p50, p99) of durations in seconds, as microseconds."""
    us = np.asarray(seconds, dtype=np.float64) * 1e6
    return float(np.percentile(us, 50)), float(np.percentile(us, 99))


def _run(*cmd: str) -> str:
    try:
        return subprocess.run(cmd, capture_output=True, text=True, check=False).stdout.strip()
    except OSError:
        return "?"


def machine() -> dict[str, str]:
    """Date, CPU, memory, load and versions, as RESULTS.md records them."""
    cpu = "?"
    with open("/proc/cpuinfo", encoding="utf-8") as fh:
        for line in fh:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    return {
        "date": _run("date", "-u"),
        "nproc": _run("nproc"),
        "cpu": cpu,
        "memory": _run("free", "-g").splitlines()[1] if _run("free", "-g") else "?",
        "python": platform.python_version(),
        "load": " ".join(f"{x:.2f}" for x in os.getloadavg()),
    }


def section(info: dict[str, str], figures: Figures, args: str, name: str = "bench") -> str:
    """The generated part of RESULTS.md: where and how, the table, the ratios, the targets."""
    begin, end = markers(name)
    lines = [
        begin,
        f"## Last run: `{' '.join(['python -m bench', args]).strip()}`",
        "",
        f"- Date: {info['date']}",
        f"- Machine: {info['nproc']} vCPU ({info['cpu']}); `free -g`: `{info['memory']}`",
        f"- Python {info['python']}; {info.get('postgis', 'PostGIS: not measured')}",
        f"- Load average at start / end: {info['load']} / {info.get('load_end', '?')} "
        "(the machine is shared with other engineers' jobs)",
        "",
        "| Figure | Measured | Unit | Target | |",
        "|---|---:|---|---:|---|",
    ]
    for f in figures.items:
        target = "" if f.target is None else f"{f.target:g}"
        verdict = "" if f.passed is None else ("PASS" if f.passed else "**MISS**")
        note = f" ({f.note})" if f.note else ""
        lines.append(f"| {f.name}{note} | {f.value()} | {f.unit} | {target} | {verdict} |")
    if figures.notes:
        lines += ["", *[f"- {n}" for n in figures.notes]]
    lines += ["", "```", *[target_line(f) for f in figures.targets()], "```", end]
    return "\n".join(lines)


def write_results(text: str, path: Path = RESULTS, name: str = "bench") -> None:
    """Replace the generated section `name` of RESULTS.md (or append one); the rest is kept."""
    begin, end = markers(name)
    old = path.read_text(encoding="utf-8") if path.exists() else "# Benchmark results\n\n"
    if begin in old and end in old:
        head, rest = old.split(begin, 1)
        new = head + text + rest.split(end, 1)[1]
    else:
        new = old.rstrip() + "\n\n" + text + "\n"
    path.write_text(new, encoding="utf-8")


def stamp() -> str:
    return dt.datetime.now(dt.UTC).strftime("%H:%M:%S")
