"""``lnp.f`` against ``np.f`` on constant (non-traced) operands, for every ``lnp`` function.

Every public function of ``linad.numpy``, ``linad.numpy.linalg`` and
``linad.numpy.fft`` with a NumPy namesake is timed on small operands (100
elements, 20×20 matrices) and large ones (10^5 elements, 300×300), next to
NumPy's function and the ``lnp`` function without its constant fast path
(``before``: the function under the fast path, ``fn.__wrapped__``).  Each
function is timed directly: a loop of ``fn(a0, a1, k=k0)`` calls spelled out
(:func:`direct_loop`), calibrated to ``min_time`` per round, the three versions
in interleaved rounds, the best round kept; the warning filters are set once for
the whole run (:func:`quiet`).  The target is ``lnp / numpy ≤ 1.2``.

Operands come from :data:`MAKERS` (by function name) or, for the others, from
the first of :data:`PROBES` on which NumPy's function succeeds without a
warning; a function neither fits is listed as skipped with the reason.  The
results are compared too: ``lnp`` with ``linad.optimize`` off must give NumPy's
values, dtype and shape.

Run ``python -m benchmarks.lnp_constants`` (``--quick``, ``--only exp,roll``).
"""
from __future__ import annotations

import argparse
import contextlib
import json
import math
import sys
import time
import warnings
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator

import numpy as np

import linad
import linad.numpy as lnp
from benchmarks.harness import Config, describe_error
from linad.numpy._constants import IN_PLACE_NAMESAKES, NUMPY_ADAPTERS

__all__ = ["Sizes", "Operands", "Case", "cases", "run", "main", "quiet", "direct_loop",
           "time_direct", "summary", "SMALL", "LARGE", "TARGET"]

#: lnp / numpy time ratio to reach
TARGET = 1.2
#: Functions whose results are uninitialised memory (compared by dtype and shape only).
UNINITIALISED = frozenset({"empty", "empty_like"})


@dataclass(frozen=True)
class Sizes:
    """Vector length ``n`` and matrix order ``m`` of one run."""

    label: str
    n: int
    m: int


SMALL = Sizes("small", 100, 20)
LARGE = Sizes("large", 100_000, 300)
TINY = Sizes("tiny", 12, 4)


class Operands:
    """The constant operands of one size (deterministic)."""

    def __init__(self, sizes: Sizes):
        rng = np.random.default_rng(0)
        n, m = sizes.n, sizes.m
        self.n, self.m = n, m
        self.v = rng.uniform(0.1, 0.9, n)          # in the domain of log, arcsin, ...
        self.w = rng.uniform(0.1, 0.9, n)
        self.vm = rng.uniform(0.1, 0.9, m)          # a vector of matrix order
        self.wm = rng.uniform(0.1, 0.9, m)
        self.M = rng.standard_normal((m, m)) + m * np.eye(m)   # well conditioned
        self.N = rng.standard_normal((m, m))
        self.S = self.M @ self.M.T                  # symmetric positive definite
        self.idx = rng.integers(0, n, n // 2)
        self.ints = rng.integers(0, 10, n)
        self.x3 = rng.standard_normal((max(n // 3, 1), 3))
        self.y3 = rng.standard_normal((max(n // 3, 1), 3))
        self.c = rng.standard_normal(5 if n < 1000 else 20)   # polynomial coefficients
        self.d = rng.standard_normal(4 if n < 1000 else 12)
        self.k = max(2, int(math.isqrt(m)))
        self.K = rng.standard_normal((self.k, self.k))


Maker = Callable[[Operands], tuple]

#: Generic operand lists tried in turn for functions without a maker.
PROBES: tuple[Maker, ...] = (
    lambda o: (o.v,),
    lambda o: (o.v, o.w),
    lambda o: (o.M,),
    lambda o: (o.M, o.N),
)


def _kw(*args: Any, **kwargs: Any) -> tuple:
    return args, kwargs


#: Operands by function name (``"linalg.x"`` / ``"fft.x"`` for the submodules);
#: each maker returns ``args`` or ``(args, kwargs)`` built by :func:`_kw`.
MAKERS: dict[str, Maker] = {
    "where": lambda o: (o.v > 0.5, o.v, o.w),
    "astype": lambda o: (o.v, np.float32),
    "zeros": lambda o: ((o.n,),), "ones": lambda o: ((o.n,),), "empty": lambda o: ((o.n,),),
    "full": lambda o: ((o.n,), 2.0),
    "full_like": lambda o: (o.v, 2.0),
    "linspace": lambda o: (1.0, 2.0, o.n), "logspace": lambda o: (1.0, 2.0, o.n),
    "geomspace": lambda o: (1.0, 2.0, o.n),
    "meshgrid": lambda o: (o.vm, o.wm),
    "take": lambda o: (o.v, o.idx),
    "take_along_axis": lambda o: (o.M, np.argsort(o.M, axis=1), 1),
    "compress": lambda o: (o.v > 0.5, o.v), "extract": lambda o: (o.v > 0.5, o.v),
    "choose": lambda o: (o.ints % 2, [o.v, o.w]),
    "select": lambda o: ([o.v > 0.7, o.v < 0.2], [o.v, o.w]),
    "partition": lambda o: (o.v, o.n // 2), "argpartition": lambda o: (o.v, o.n // 2),
    "piecewise": lambda o: (o.v, [o.v < 0.5, o.v >= 0.5], [lambda t: t, lambda t: 2 * t]),
    "bincount": lambda o: (o.ints,),
    "arccosh": lambda o: (1.0 + o.v,), "acosh": lambda o: (1.0 + o.v,),
    "ldexp": lambda o: (o.v, o.ints),
    "clip": lambda o: (o.v, 0.2, 0.8),
    "quantile": lambda o: (o.v, 0.3), "nanquantile": lambda o: (o.v, 0.3),
    "percentile": lambda o: (o.v, 30.0), "nanpercentile": lambda o: (o.v, 30.0),
    "cov": lambda o: (o.M,), "corrcoef": lambda o: (o.M,),
    "reshape": lambda o: (o.v, (o.n // 4, 4)),
    "transpose": lambda o: (o.M,), "permute_dims": lambda o: (o.M,),
    "matrix_transpose": lambda o: (o.M,),
    "moveaxis": lambda o: (o.M, 0, 1), "swapaxes": lambda o: (o.M, 0, 1),
    "expand_dims": lambda o: (o.v, 0), "squeeze": lambda o: (o.v[None],),
    "broadcast_to": lambda o: (o.v, (3, o.n)),
    "concatenate": lambda o: ([o.v, o.w],), "concat": lambda o: ([o.v, o.w],),
    "stack": lambda o: ([o.v, o.w],), "hstack": lambda o: ([o.v, o.w],),
    "vstack": lambda o: ([o.v, o.w],), "dstack": lambda o: ([o.v, o.w],),
    "column_stack": lambda o: ([o.v, o.w],), "row_stack": lambda o: ([o.v, o.w],),
    "split": lambda o: (o.v, 4), "array_split": lambda o: (o.v, 3),
    "hsplit": lambda o: (o.v, 4), "vsplit": lambda o: (o.M, 4),
    "dsplit": lambda o: (np.stack([o.M] * 4, axis=2), 2),
    "unstack": lambda o: (o.M,),
    "tile": lambda o: (o.v, 2), "repeat": lambda o: (o.v, 2),
    "fliplr": lambda o: (o.M,), "flipud": lambda o: (o.M,), "rot90": lambda o: (o.M,),
    "roll": lambda o: (o.v, 3), "pad": lambda o: (o.v, 2),
    "diag": lambda o: (o.M,), "diagonal": lambda o: (o.M,), "diagflat": lambda o: (o.vm,),
    "triu": lambda o: (o.M,), "tril": lambda o: (o.M,),
    "kron": lambda o: (o.K, o.K),
    "block": lambda o: ([[o.M, o.N], [o.N, o.M]],),
    "insert": lambda o: (o.v, 3, 1.0), "delete": lambda o: (o.v, 3),
    "resize": lambda o: (o.v, (2 * o.n,)), "rollaxis": lambda o: (o.M, 1),
    "apply_along_axis": lambda o: (np.sum, 0, o.M),
    "apply_over_axes": lambda o: (np.sum, o.M, [0]),
    "einsum": lambda o: ("ij,jk->ik", o.M, o.N),
    "matmul": lambda o: (o.M, o.N), "dot": lambda o: (o.M, o.N),
    "tensordot": lambda o: (o.M, o.N), "trace": lambda o: (o.M,),
    "outer": lambda o: (o.vm, o.wm), "cross": lambda o: (o.x3, o.y3),
    "matvec": lambda o: (o.M, o.vm), "vecmat": lambda o: (o.vm, o.M),
    "convolve": lambda o: (o.v, o.w[:9]), "correlate": lambda o: (o.v, o.w[:9]),
    "interp": lambda o: (o.v, np.linspace(0.0, 1.0, o.n), o.w),
    "polyval": lambda o: (o.c, o.v), "polyfit": lambda o: (o.v, o.w, 3),
    "polyder": lambda o: (o.c,), "polyint": lambda o: (o.c,),
    "polyadd": lambda o: (o.c, o.d), "polysub": lambda o: (o.c, o.d),
    "polymul": lambda o: (o.c, o.d), "polydiv": lambda o: (o.c, o.d),
    "poly": lambda o: (o.c,), "roots": lambda o: (o.c,),
    "vander": lambda o: (o.vm,),
    "linalg.cholesky": lambda o: (o.S,), "linalg.eigh": lambda o: (o.S,),
    "linalg.eigvalsh": lambda o: (o.S,),
    "linalg.inv": lambda o: (o.M,), "linalg.det": lambda o: (o.M / o.m,),
    "linalg.slogdet": lambda o: (o.M,), "linalg.qr": lambda o: (o.M,),
    "linalg.eig": lambda o: (o.M,), "linalg.eigvals": lambda o: (o.M,),
    "linalg.svd": lambda o: (o.M,), "linalg.svdvals": lambda o: (o.M,),
    "linalg.pinv": lambda o: (o.M,), "linalg.cond": lambda o: (o.M,),
    "linalg.matrix_rank": lambda o: (o.M,), "linalg.matrix_norm": lambda o: (o.M,),
    "linalg.norm": lambda o: (o.M,),
    "linalg.solve": lambda o: (o.M, o.N), "linalg.lstsq": lambda o: (o.M, o.N),
    "linalg.matrix_power": lambda o: (o.M, 3),
    "linalg.multi_dot": lambda o: ([o.M, o.N, o.M],),
    "linalg.tensorsolve": lambda o: (o.M, o.vm), "linalg.tensorinv": lambda o: (o.M, 1),
    "linalg.trace": lambda o: (o.M,), "linalg.diagonal": lambda o: (o.M,),
    "linalg.cross": lambda o: (o.x3, o.y3), "linalg.outer": lambda o: (o.vm, o.wm),
    "linalg.tensordot": lambda o: (o.M, o.N), "linalg.matmul": lambda o: (o.M, o.N),
    "linalg.matrix_transpose": lambda o: (o.M,),
    "fft.fft2": lambda o: (o.M,), "fft.ifft2": lambda o: (o.M,), "fft.rfft2": lambda o: (o.M,),
    "fft.irfft2": lambda o: (o.M,), "fft.fftn": lambda o: (o.M,), "fft.ifftn": lambda o: (o.M,),
    "fft.rfftn": lambda o: (o.M,), "fft.irfftn": lambda o: (o.M,),
    "fft.fftfreq": lambda o: (o.n,), "fft.rfftfreq": lambda o: (o.n,),
}


@dataclass
class Case:
    """One function: its ``lnp`` and NumPy versions and how to build its operands."""

    name: str
    lnp_func: Callable
    np_func: Callable
    maker: Maker | None = None
    skipped: str | None = None
    results: dict = field(default_factory=dict)


def cases() -> list[Case]:
    """Every public ``lnp`` function (top level, ``linalg``, ``fft``) with a NumPy namesake."""
    found = []
    for module, np_module, prefix in [(lnp, np, ""), (lnp.linalg, np.linalg, "linalg."),
                                      (lnp.fft, np.fft, "fft.")]:
        for name in module.__all__:
            fn, np_func = getattr(module, name, None), getattr(np_module, name, None)
            if callable(fn) and callable(np_func) and not isinstance(np_func, type):
                case = Case(prefix + name, fn, np_func, MAKERS.get(prefix + name))
                if name in IN_PLACE_NAMESAKES:
                    case.skipped = f"np.{name} works in place and returns None (not comparable)"
                found.append(case)
    return found


def _split(made: tuple) -> tuple[tuple, dict]:
    if len(made) == 2 and isinstance(made[0], tuple) and isinstance(made[1], dict):
        return made
    return made, {}


@contextlib.contextmanager
def quiet() -> Iterator[None]:
    """The warning filters of a run: a RuntimeWarning is an error (operands out of a
    function's domain are rejected), DeprecationWarnings are ignored.

    Examples
    --------
    >>> import numpy as np
    >>> with quiet():
    ...     np.log(np.zeros(1))
    Traceback (most recent call last):
    RuntimeWarning: divide by zero encountered in log
    """
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        warnings.simplefilter("ignore", DeprecationWarning)
        yield


def _operands(case: Case, ops: Operands) -> tuple[tuple, dict]:
    """The operands of ``case``: its maker's, or the first probe NumPy accepts."""
    makers = [case.maker] if case.maker is not None else list(PROBES)
    error: BaseException | None = None
    for make in makers:
        args, kwargs = _split(make(ops))
        try:
            case.np_func(*args, **kwargs)
            return args, kwargs
        except Exception as err:   # noqa: BLE001 - the next probe, or the reason to skip
            error = err
    raise ValueError(f"no operands NumPy accepts ({describe_error(error)})")


def same(a: Any, b: Any, exact: bool = True) -> bool:
    """True when ``a`` and ``b`` have the same structure, types, dtypes, shapes and values.

    A NumPy scalar and a 0-d array count as the same type.
    """
    if isinstance(a, (tuple, list)):
        return (isinstance(b, (tuple, list)) and len(a) == len(b)
                and all(same(x, y, exact) for x, y in zip(a, b)))
    if _kind(a) != _kind(b):
        return False
    a, b = np.asarray(a), np.asarray(b)
    if a.dtype != b.dtype or a.shape != b.shape:
        return False
    if exact or a.dtype.kind not in "fc":
        return bool(np.array_equal(a, b, equal_nan=a.dtype.kind in "fc"))
    return bool(np.allclose(a, b, rtol=1e-10, atol=1e-12, equal_nan=True))


def _kind(x: Any) -> Any:
    """The type of ``x``; a NumPy scalar and a 0-d array are one kind (``"0-d"``)."""
    if isinstance(x, np.generic) or (type(x) is np.ndarray and x.ndim == 0):
        return "0-d"
    return type(x)


def _plain(fn: Callable) -> Callable:
    """The ``lnp`` function under its constant fast path (itself if it has none)."""
    return getattr(fn, "__wrapped__", fn)


def _agreement(case: Case, args: tuple, kwargs: dict, want: Any) -> str:
    """``exact``/``close``/``DIFFERENT``: ``lnp`` with ``linad.optimize`` off against NumPy."""
    with linad.optimize.disabled():
        got = case.lnp_func(*args, **kwargs)
    if case.name in UNINITIALISED:
        return "exact" if same(np.zeros_like(got), np.zeros_like(want)) else "DIFFERENT"
    if same(got, want):
        return "exact"
    return "close" if same(got, want, exact=False) else "DIFFERENT"


def measure_case(case: Case, sizes: Sizes, ops: Operands, cfg: Config) -> None:
    """Fill ``case.results[sizes.label]`` (or ``case.skipped``); call under :func:`quiet`."""
    if case.skipped:
        return
    try:
        args, kwargs = _operands(case, ops)
        want = case.np_func(*args, **kwargs)
        agreement = _agreement(case, args, kwargs, want)
        fns = {"numpy": case.np_func, "lnp": case.lnp_func, "before": _plain(case.lnp_func)}
        times = time_direct({k: direct_loop(f, args, kwargs) for k, f in fns.items()}, cfg)
    except Exception as err:   # noqa: BLE001 - reported as skipped
        case.skipped = case.skipped or f"{sizes.label}: {describe_error(err)}"
        return
    case.results[sizes.label] = {**{k: t * 1e6 for k, t in times.items()},
                                 "agreement": agreement}


Loop = Callable[[int], float]


def direct_loop(fn: Callable, args: tuple, kwargs: dict) -> Loop:
    """``loop(n)``: the seconds ``n`` calls ``fn(*args, **kwargs)`` take, each call
    spelled out with its arguments as local variables (no unpacking, no wrapper).

    Examples
    --------
    >>> loop = direct_loop(round, (2.5,), {"ndigits": 0})   # round(a0, ndigits=k0)
    >>> loop(10) >= 0.0
    True
    """
    params = [f"a{i}" for i in range(len(args))] + [f"k{i}" for i in range(len(kwargs))]
    call = [f"a{i}" for i in range(len(args))] + [f"{k}=k{i}" for i, k in enumerate(kwargs)]
    source = (f"def loop(n, fn, {', '.join(params)}):\n"
              "    start = perf_counter()\n"
              "    for _ in range(n):\n"
              f"        fn({', '.join(call)})\n"
              "    return perf_counter() - start\n")
    scope = {"perf_counter": time.perf_counter}
    exec(compile(source, f"<timing loop of {getattr(fn, '__name__', fn)}>", "exec"), scope)
    loop, values = scope["loop"], (*args, *kwargs.values())
    return lambda n: loop(n, fn, *values)


def _calls_per_round(loop: Loop, min_time: float) -> int:
    """The number of calls (a power of 2) that takes at least ``min_time``."""
    n = 1
    while loop(n) < min_time and n < 1 << 20:
        n *= 2
    return n


def time_direct(loops: dict[str, Loop], cfg: Config) -> dict[str, float]:
    """Best seconds per call of each loop over ``cfg.repeats`` interleaved rounds.

    Examples
    --------
    >>> t = time_direct({"abs": direct_loop(abs, (-1,), {})}, Config(repeats=2, min_time=0.0))
    >>> 0.0 <= t["abs"] < 1e-3
    True
    """
    for loop in loops.values():
        loop(cfg.warmup)
    numbers = {k: _calls_per_round(loop, cfg.min_time) for k, loop in loops.items()}
    best = dict.fromkeys(loops, math.inf)
    for _ in range(max(1, cfg.repeats)):
        for k, loop in loops.items():
            best[k] = min(best[k], loop(numbers[k]) / numbers[k])
    return best


def ratio(result: dict, key: str = "lnp") -> float:
    return result[key] / result["numpy"]


def run(sizes: list[Sizes], cfg: Config, only: set[str] | None = None,
        log: Callable[[str], None] = print) -> list[Case]:
    """Measure every case at every size; returns the cases (results and skips filled)."""
    chosen = [c for c in cases() if only is None or c.name in only]
    with quiet():
        for s in sizes:
            ops = Operands(s)
            for case in chosen:
                measure_case(case, s, ops, cfg)
            log(f"measured {len(chosen)} functions at {s.label} size (n={s.n}, m={s.m})")
    return chosen


def report(chosen: list[Case], sizes: list[Sizes]) -> str:
    """The table of every function, the summary and the functions over the target."""
    labels = [s.label for s in sizes]
    head = "function".ljust(26) + "".join(
        f"{lab + ' numpy':>14}{'before':>10}{'lnp':>10}{'lnp/np':>8}" for lab in labels)
    lines = [head + "  agreement", "-" * len(head)]
    timed = [c for c in chosen if c.results]
    by_name = {c.name: c for c in timed}
    for c in timed:
        row = c.name.ljust(26)
        for lab in labels:
            r = c.results.get(lab)
            row += (f"{r['numpy']:14.2f}{r['before']:10.2f}{r['lnp']:10.2f}{ratio(r):8.2f}"
                    if r else " " * 42)
        agreements = sorted({r["agreement"] for r in c.results.values()})
        lines.append(row + "  " + "/".join(agreements))
    lines += ["", "summary"]
    counts = summary(chosen, sizes)
    for lab in labels:
        lines.append(f"  {lab}: {counts[lab]['within']} of {counts[lab]['of']} functions at "
                     f"lnp/numpy <= {TARGET}")
    bad = [c for c in timed if any(r["agreement"] == "DIFFERENT" for r in c.results.values())]
    deliberate = [c.name for c in bad if _differs_by_design(c)]
    lines.append("  lnp (optimize off) differs from NumPy, with a fast path: "
                 + (", ".join(c.name for c in bad if c.name not in deliberate) or "none"))
    lines.append("  ... by design (NO_FAST_PATH, NUMPY_ADAPTERS or no dispatch): "
                 + (", ".join(deliberate) or "none"))
    for lab in labels:
        over = counts[lab]["over"]
        lines += ["", f"over {TARGET} at {lab} size ({len(over)}; lnp/numpy, numpy µs)"]
        lines += [f"  {name:24} {ratio(r):6.2f} {r['numpy']:10.2f}"
                  for name, r in ((n, by_name[n].results[lab]) for n in over)]
    skipped = [c for c in chosen if c.skipped]
    lines += ["", f"skipped {len(skipped)}"] + [f"  {c.name}: {c.skipped}" for c in skipped]
    return "\n".join(lines)


def _differs_by_design(case: Case) -> bool:
    """No fast path (:data:`NO_FAST_PATH`, no dispatch), or NumPy's result adapted."""
    return (not hasattr(case.lnp_func, "numpy_function")
            or case.name.rpartition(".")[2] in NUMPY_ADAPTERS)


def summary(chosen: list[Case], sizes: list[Sizes]) -> dict:
    """Per size: how many functions are ``within`` the target ``of`` those timed, and
    the names ``over`` it, worst first."""
    out = {}
    for s in sizes:
        timed = [c for c in chosen if s.label in c.results]
        over = sorted((c for c in timed if ratio(c.results[s.label]) > TARGET),
                      key=lambda c: -ratio(c.results[s.label]))
        out[s.label] = {"within": len(timed) - len(over), "of": len(timed),
                        "over": [c.name for c in over]}
    return out


def to_json(chosen: list[Case], sizes: list[Sizes]) -> dict:
    return {"target": TARGET, "summary": summary(chosen, sizes),
            "functions": [{"name": c.name, "results": c.results, "skipped": c.skipped}
                          for c in chosen]}


def main(argv: list[str] | None = None) -> int:
    """Command line: ``python -m benchmarks.lnp_constants [--quick] [--only a,b] [--json F]``."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="fewer, shorter repeats")
    p.add_argument("--tiny", action="store_true", help="tiny operands, one repeat (smoke run)")
    p.add_argument("--only", default="", help="comma-separated names (linalg.x, fft.x)")
    p.add_argument("--json", default="", help="write the results to this file")
    a = p.parse_args(argv)
    if a.tiny:
        cfg, sizes = Config(repeats=1, min_time=0.0, warmup=1), [TINY]
    elif a.quick:
        cfg, sizes = Config(repeats=3, min_time=0.005, warmup=1), [SMALL, LARGE]
    else:
        cfg, sizes = Config(repeats=7, min_time=0.02, warmup=2), [SMALL, LARGE]
    only = {s.strip() for s in a.only.split(",") if s.strip()} or None
    chosen = run(sizes, cfg, only, log=lambda s: print(s, file=sys.stderr))
    print(report(chosen, sizes))
    if a.json:
        with open(a.json, "w") as fh:
            json.dump(to_json(chosen, sizes), fh, indent=1)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
