"""Timing, agreement checks, result records and the printed table.

Timing rules (the same for every backend):

* every callable is called ``warmup`` times first (JIT compilation, caches);
* the number of calls per timed repeat is calibrated so that one repeat lasts
  at least ``min_time`` seconds;
* the backends of one row are timed in interleaved rounds (round ``r`` times
  every backend once), so a change in the machine's load affects all of them
  alike and the ratios stay meaningful on a shared machine;
* the reported time is the median over ``repeats`` rounds of the per-call time;
* the garbage collector stays enabled (its cost is part of what users pay) but
  a collection runs before each repeat.
"""
from __future__ import annotations

import gc
import math
import statistics
import time
import tracemalloc
from dataclasses import dataclass, field, asdict
from typing import Any, Callable

import numpy as np

__all__ = ["Config", "Row", "Target", "WorkloadResult", "measure", "timed_row", "timed_rows",
           "first_call_row", "peak_bytes",
           "rel_err", "as_numpy", "describe_error", "format_workload", "format_targets",
           "BACKEND_ORDER", "RATIO_BASES"]

#: Column order of the printed tables (backends missing from a row are blank).
BACKEND_ORDER = ("hand", "hand-literal", "hand-fast", "py-floor", "linad", "linad-jit", "autograd",
                 "jax", "jax-jit", "torch")

#: The backends whose ``backend / ·`` ratios are printed under time and memory rows.
RATIO_BASES = ("linad", "linad-jit")


@dataclass
class Config:
    """Sizes and timing parameters of one run (``full()``, ``quick()``, ``tiny()``)."""

    repeats: int = 7
    min_time: float = 0.05
    warmup: int = 2
    w1_ops: tuple = (200, 2000)
    w2_sizes: tuple = (512, 1024)
    w3_size: int = 200
    w4_size: int = 256
    w4_applies: int = 50
    w5_shape: tuple = (30, 20)
    w6_shape: tuple = (2000, 500)
    mem_size: int = 1024
    w7_n: int = 300
    w8_shape: tuple = (256, 64, 128, 10)
    w9_shape: tuple = (2000, 100)
    w10_steps: int = 100
    rtol: float = 1e-8
    seed: int = 0
    mode: str = "full"

    @classmethod
    def full(cls) -> "Config":
        return cls()

    @classmethod
    def quick(cls) -> "Config":
        """A smoke run: fewer repeats, smaller sizes (ratios are only indicative)."""
        return cls(repeats=3, min_time=0.01, warmup=1, w1_ops=(50, 500), w2_sizes=(128, 256),
                   w3_size=64, w4_size=64, w6_shape=(500, 125), mem_size=256, w7_n=100,
                   w8_shape=(64, 16, 32, 10), w9_shape=(500, 50), w10_steps=30, mode="quick")

    @classmethod
    def tiny(cls) -> "Config":
        """For the in-process smoke test: every size minimal, one repeat."""
        return cls(repeats=1, min_time=0.0, warmup=1, w1_ops=(10, 20), w2_sizes=(8, 16),
                   w3_size=6, w4_size=8, w4_applies=3, w5_shape=(4, 3), w6_shape=(12, 5),
                   mem_size=16, w7_n=8, w8_shape=(8, 3, 4, 3), w9_shape=(20, 4), w10_steps=3,
                   mode="tiny")


@dataclass
class Row:
    """One measured quantity across backends.

    ``kind`` is ``"time"`` (lower is better; linad / each backend is printed
    under it), ``"ratio"`` (a dimensionless per-backend ratio such as
    grad / primal) or ``"memory"``.
    """

    label: str
    unit: str
    values: dict = field(default_factory=dict)
    kind: str = "time"
    spread: dict = field(default_factory=dict)  # backend -> [min, max] over the repeats

    def over(self, base: str) -> dict:
        """``base / backend`` for every other backend with a value (empty without ``base``)."""
        ref = self.values.get(base)
        if ref is None:
            return {}
        return {b: ref / v for b, v in self.values.items() if b != base and v}

    def linad_over(self) -> dict:
        """``linad / backend`` for every other backend with a value."""
        return self.over("linad")

    def ratios(self) -> dict:
        """``{base: self.over(base)}`` for each base of :data:`RATIO_BASES` in this row."""
        if self.kind not in ("time", "memory"):
            return {}
        return {base: self.over(base) for base in RATIO_BASES if base in self.values}


@dataclass
class Target:
    """A target ratio: ``value <= limit`` passes; no value is n/a."""

    workload: str
    label: str
    value: float | None
    limit: float | None

    @property
    def status(self) -> str:
        if self.value is None or self.limit is None:
            return "n/a"
        return "PASS" if self.value <= self.limit else "FAIL"


@dataclass
class WorkloadResult:
    """Everything one workload measured, for the table and the JSON."""

    name: str
    title: str
    rows: list = field(default_factory=list)
    targets: list = field(default_factory=list)
    agreement: dict = field(default_factory=dict)
    skipped: dict = field(default_factory=dict)
    notes: list = field(default_factory=list)
    rtol: float = 1e-8

    def row(self, label: str, unit: str, kind: str = "time") -> Row:
        r = Row(label, unit, {}, kind)
        self.rows.append(r)
        return r

    def ratio_row(self, label: str, num: Row, den: Row) -> Row:
        """A ``kind="ratio"`` row: ``num / den`` for every backend present in both."""
        r = self.row(label, "x", kind="ratio")
        r.values = {b: v / den.values[b] for b, v in num.values.items() if den.values.get(b)}
        return r

    def find(self, label: str) -> Row | None:
        return next((r for r in self.rows if r.label == label), None)

    def agree(self, what: str, ref: Any, results: dict) -> None:
        """Record each backend's max relative error against ``ref`` for ``what``."""
        for backend, value in results.items():
            err = rel_err(value, ref)
            prev = self.agreement.get(backend)
            if prev is None or err > prev["max_rel_err"] or math.isnan(err):
                self.agreement[backend] = {"max_rel_err": err, "worst": what}

    def disagreements(self) -> dict:
        return {b: a for b, a in self.agreement.items()
                if not a["max_rel_err"] <= self.rtol}

    def target(self, label: str, value: float | None, limit: float | None) -> None:
        self.targets.append(Target(self.name, label, value, limit))

    def jit_over_eager_target(self, label: str, ratios: dict) -> None:
        """Target: ``linad-jit``'s ratio ``label`` no worse than eager ``linad``'s (limit 1).

        ``ratios`` maps backend -> a ratio such as grad / primal, each backend's own.
        """
        jit, eager = ratios.get("linad-jit"), ratios.get("linad")
        value = jit / eager if jit is not None and eager else None
        self.target(f"{label}: linad-jit / linad", value, 1.0)

    def model_targets(self, label: str, row: Row, limit: float = 2.5) -> None:
        """The targets of a real-model workload on one time row.

        ``linad / hand`` at most ``limit``, and ``linad`` ahead of each eager
        peer that reverse-differentiates on the fly (``torch``, ``autograd``):
        ``linad / peer`` at most 1 (n/a where the peer is absent).

        Examples
        --------
        >>> wr = WorkloadResult("W", "w")
        >>> wr.model_targets("grad", Row("grad", "ms", {"hand": 1.0, "linad": 2.0, "torch": 4.0}))
        >>> [t.status for t in wr.targets]
        ['PASS', 'PASS', 'n/a']
        """
        ratios = row.linad_over()
        self.target(f"{label}: linad / hand-written", ratios.get("hand"), limit)
        for peer in ("torch", "autograd"):
            self.target(f"{label}: linad / {peer} (ahead of {peer})", ratios.get(peer), 1.0)

    def to_json(self) -> dict:
        out = asdict(self)
        for r, jr in zip(self.rows, out["rows"]):
            jr["linad_over"] = r.linad_over() if r.kind == "time" else {}
            jr["ratios"] = r.ratios() if r.kind == "time" else {}
        for t, jt in zip(self.targets, out["targets"]):
            jt["status"] = t.status
        return out


# ----------------------------------------------------------------------------- timing

def _loop(fn: Callable[[], Any], number: int) -> float:
    gc.collect()
    t0 = time.perf_counter()
    for _ in range(number):
        fn()
    return time.perf_counter() - t0


def _calibrate(fn: Callable[[], Any], min_time: float) -> int:
    once = _loop(fn, 1)
    if min_time <= 0 or once >= min_time:
        return 1
    return min(100_000, max(1, math.ceil(min_time / max(once, 1e-9))))


def measure(calls: dict, cfg: Config, spread: dict | None = None) -> dict:
    """Median seconds per call of each callable, timed in interleaved rounds.

    Parameters
    ----------
    calls : dict
        ``backend -> zero-argument callable`` (each must block until its result
        is ready, e.g. ``block_until_ready`` for JAX).
    cfg : Config
        ``warmup``, ``min_time`` and ``repeats``.
    spread : dict, optional
        Filled with ``backend -> (min, max)`` seconds per call over the repeats.
    """
    numbers = {}
    for name, fn in calls.items():
        for _ in range(cfg.warmup):
            fn()
        numbers[name] = _calibrate(fn, cfg.min_time)
    samples: dict = {name: [] for name in calls}
    for _ in range(max(1, cfg.repeats)):
        for name, fn in calls.items():
            samples[name].append(_loop(fn, numbers[name]) / numbers[name])
    if spread is not None:
        spread.update({name: (min(s), max(s)) for name, s in samples.items()})
    return {name: statistics.median(s) for name, s in samples.items()}


def describe_error(err: BaseException) -> str:
    """One line naming an exception (for the "skipped" notes)."""
    text = str(err).strip().splitlines()
    return f"{type(err).__name__}: {text[0][:160] if text else ''}".rstrip(": ")


def timed_rows(wr: WorkloadResult, specs: list, cfg: Config) -> list:
    """Time several rows together, all their backends interleaved in the same rounds.

    ``specs`` is a list of ``(row, calls, scale)``: ``calls`` maps backend ->
    zero-argument callable, values are stored as ``median seconds * scale``
    (1e3: milliseconds).  Each callable is called once first; its output is
    returned (one dict per row) for the agreement check.  A backend whose call
    raises is dropped from that row and listed as skipped.  Timing rows together
    keeps ratios between rows (grad / primal) meaningful under a changing load.
    """
    outputs, ok = [], {}
    for i, (row, calls, _) in enumerate(specs):
        outs = {}
        for name, fn in calls.items():
            try:
                outs[name] = fn()
            except Exception as err:
                wr.skipped[f"{name} ({row.label})"] = describe_error(err)
                continue
            ok[(i, name)] = fn
        outputs.append(outs)
    spread: dict = {}
    for (i, name), t in measure(ok, cfg, spread).items():
        row, _, scale = specs[i]
        row.values[name] = t * scale
        row.spread[name] = [spread[(i, name)][0] * scale, spread[(i, name)][1] * scale]
    return outputs


def timed_row(wr: WorkloadResult, row: Row, calls: dict, cfg: Config,
              scale: float = 1e3) -> dict:
    """:func:`timed_rows` for a single row."""
    return timed_rows(wr, [(row, calls, scale)], cfg)[0]


def first_call_row(wr: WorkloadResult, row: Row, makers: dict, cfg: Config,
                   scale: float = 1e3) -> dict:
    """Time the first call of fresh callables (staging and compilation included).

    ``makers`` maps backend -> zero-argument function returning a *fresh*
    zero-argument callable (a new jit object, so nothing is cached); the
    callable's first call is timed, ``cfg.repeats`` times in interleaved rounds,
    and the median is stored as ``seconds * scale``.  A backend whose making or
    call raises is dropped from the row and listed as skipped.  Returns each
    backend's last output, for the agreement check.
    """
    samples: dict = {name: [] for name in makers}
    outputs: dict = {}
    for _ in range(max(1, cfg.repeats)):
        for name, make in makers.items():
            if name not in samples:
                continue
            try:
                fn = make()
                gc.collect()
                t0 = time.perf_counter()
                outputs[name] = fn()
                samples[name].append(time.perf_counter() - t0)
            except Exception as err:
                wr.skipped[f"{name} ({row.label})"] = describe_error(err)
                del samples[name]
                outputs.pop(name, None)
    for name, s in samples.items():
        row.values[name] = statistics.median(s) * scale
        row.spread[name] = [min(s) * scale, max(s) * scale]
    return outputs


def peak_bytes(fn: Callable[[], Any]) -> int:
    """Peak memory allocated by ``fn()`` above what was allocated before (tracemalloc).

    NumPy reports its array buffers to tracemalloc, so this counts every array
    an implementation on NumPy creates, including its result.
    """
    fn()  # warm caches so that lazily built tables are not counted
    gc.collect()
    tracemalloc.start()
    try:
        base, _ = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        out = fn()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    del out
    return peak - base


# ----------------------------------------------------------------------------- agreement

def as_numpy(x: Any) -> np.ndarray:
    """A NumPy copy of a NumPy, JAX or PyTorch array (or a tuple of one array)."""
    while isinstance(x, (tuple, list)) and len(x) == 1:
        x = x[0]
    if hasattr(x, "detach"):
        x = x.detach().cpu().numpy()
    return np.asarray(x, dtype=np.result_type(np.asarray(x).dtype, np.float64))


def rel_err(x: Any, ref: Any) -> float:
    """``max|x - ref| / max|ref|`` (shapes must match; a mismatch gives inf)."""
    a, b = as_numpy(x), as_numpy(ref)
    if a.shape != b.shape:
        return math.inf
    scale = float(np.max(np.abs(b))) if b.size else 0.0
    diff = float(np.max(np.abs(a - b))) if b.size else 0.0
    if scale == 0.0:
        return diff
    return diff / scale


# ----------------------------------------------------------------------------- printing

def _fmt(v: float | None) -> str:
    if v is None:
        return ""
    if v == 0:
        return "0"
    a = abs(v)
    if a >= 1000:
        return f"{v:,.0f}"
    if a >= 100:
        return f"{v:.1f}"
    if a >= 0.01:
        return f"{v:.3g}" if a < 10 else f"{v:.2f}"
    return f"{v:.2e}"


def _columns(wr: WorkloadResult) -> list:
    present = set()
    for r in wr.rows:
        present.update(r.values)
    cols = [b for b in BACKEND_ORDER if b in present]
    return cols + sorted(present - set(cols))


def format_workload(wr: WorkloadResult) -> str:
    """The table of one workload: a line per row, ``linad / ·`` (and ``linad-jit / ·``)
    under time and memory rows."""
    cols = _columns(wr)
    width = max([30] + [len(f"{r.label} [{r.unit}]") + 2 for r in wr.rows])
    lines = [f"{wr.name}  {wr.title}",
             " " * width + "".join(f"{c:>13}" for c in cols)]
    for r in wr.rows:
        head = f"{r.label} [{r.unit}]"
        lines.append(f"{head:<{width}}" + "".join(f"{_fmt(r.values.get(c)):>13}" for c in cols))
        for base, ratios in r.ratios().items():
            if ratios:
                lines.append(f"{'   ' + base + ' / ·':<{width}}"
                             + "".join(f"{(_fmt(ratios[c]) + 'x') if c in ratios else '':>13}"
                                       for c in cols))
    if wr.agreement:
        worst = ", ".join(f"{b} {a['max_rel_err']:.1e}" for b, a in wr.agreement.items())
        bad = wr.disagreements()
        verdict = "OK" if not bad else "DISAGREE: " + ", ".join(bad)
        lines.append(f"agreement with hand-written (max rel. err, tol {wr.rtol:g}): {worst}  "
                     f"[{verdict}]")
    for b, why in wr.skipped.items():
        lines.append(f"skipped {b}: {why}")
    for n in wr.notes:
        lines.append(f"note: {n}")
    return "\n".join(lines)


def format_targets(results: list) -> str:
    """The summary of every target ratio with PASS / FAIL / n/a."""
    width = max([58] + [len(t.label) + 2 for wr in results for t in wr.targets])
    lines = ["Targets (issue 6; ratios from this run)",
             f"{'workload':<9}{'target':<{width}}{'value':>10}{'limit':>9}  status"]
    for wr in results:
        for t in wr.targets:
            lines.append(f"{t.workload:<9}{t.label:<{width}}{_fmt(t.value):>10}"
                         f"{_fmt(t.limit):>9}  {t.status}")
    return "\n".join(lines)
