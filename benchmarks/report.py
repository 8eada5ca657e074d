"""Render a results JSON of the suite as Markdown (for ``docs/performance.md``).

``python -m benchmarks.report [benchmarks/results/latest.json]`` prints the
machine, the target table and one table per workload.
"""
from __future__ import annotations

import json
import os
import sys

from .harness import BACKEND_ORDER, _fmt

__all__ = ["render"]


def _columns(rows: list) -> list:
    present = set()
    for r in rows:
        present.update(r["values"])
    return [b for b in BACKEND_ORDER if b in present] + sorted(present - set(BACKEND_ORDER))


def _ratios(row: dict) -> dict:
    """``{base: {backend: ratio}}`` of a JSON row (older JSON has only ``linad_over``)."""
    if "ratios" in row:
        return row["ratios"]
    return {"linad": row.get("linad_over") or {}}


def _workload(w: dict) -> list:
    cols = _columns(w["rows"])
    out = [f"### {w['name']} — {w['title']}", "",
           "| | " + " | ".join(cols) + " |", "|---|" + "---:|" * len(cols)]
    for r in w["rows"]:
        out.append(f"| {r['label']} [{r['unit']}] | "
                   + " | ".join(_fmt(r["values"].get(c)) for c in cols) + " |")
        for base, ratios in _ratios(r).items():
            if ratios:
                out.append(f"| *{base} / ·* | " + " | ".join(
                    (_fmt(ratios[c]) + "×") if c in ratios else "" for c in cols) + " |")
    out.append("")
    if w["agreement"]:
        worst = ", ".join(f"{b} {a['max_rel_err']:.1e}" for b, a in w["agreement"].items())
        out.append(f"Derivatives agree with the hand-written ones (max relative error): {worst}.")
    for b, why in w["skipped"].items():
        out.append(f"Skipped {b}: {why}.")
    for n in w["notes"]:
        out.append(f"Note: {n}.")
    out.append("")
    return out


def render(data: dict) -> str:
    """Markdown for a results dictionary written by ``benchmarks.run``."""
    m = data["meta"]
    blas = m.get("blas")
    blas_txt = ", ".join(f"{b.get('internal_api')} {b.get('version')} ({b.get('architecture')}, "
                         f"{b.get('num_threads')} thread)" for b in blas) \
        if isinstance(blas, list) else str(blas)
    peers = ", ".join(f"{k} {v}" for k, v in (m.get("peers") or {}).items()) or "none"
    lines = [f"Run of {m['date']} ({data['config']['mode']} sizes, median of "
             f"{data['config']['repeats']} interleaved repeats): {m['cpu']}, "
             f"{m['logical_cpus']} logical CPUs, pinned to core {m['pinned_core']}; Python "
             f"{m['python']}, NumPy {m['numpy']}, SciPy {m['scipy']}; BLAS: {blas_txt}; "
             f"{m.get('allocator', 'allocator: default')}; "
             f"peers: {peers}; load average at the start {m.get('load_average')}.", "",
             "#### Targets", "", "| workload | target | value | limit | status |",
             "|---|---|---:|---:|---|"]
    for t in data["targets"]:
        lines.append(f"| {t['workload']} | {t['label']} | {_fmt(t['value'])} | "
                     f"{_fmt(t['limit'])} | {t['status']} |")
    lines.append("")
    for w in data["workloads"].values():
        lines.extend(_workload(w))
    return "\n".join(lines)


def main(argv: list | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    path = argv[0] if argv else os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                             "results", "latest.json")
    with open(path) as fh:
        print(render(json.load(fh)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
