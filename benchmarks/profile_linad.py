"""Where linad's time goes: a profile report on W1, W2 and W4 (issue 6).

``python -m benchmarks.profile_linad [--out PATH] [--no-lines] [--only W1,W2,W3,W4,W6] [--cpu K]``

Sections:

1. W1 (200 ops, reverse and forward): cProfile's top functions by self and
   cumulative time, calls of ``bind`` and of each trace's
   ``process_primitive`` per gradient, µs per bind and per equation of the
   linear program, and (with line_profiler installed) the hottest lines of the
   per-operation path.
2. W2 (n = 512 and 1024, grad): wall time of the phases (linearize = primal +
   staging; backward pass), and every NumPy-level primitive call timed with its
   operand shapes, so the n^3 products can be told apart — in particular the
   product with the broadcast cotangent of ``sum`` (``ones @ B.T``).
3. W4 (n = 256): applying the linear map and its transpose 50 times, the share
   of time inside primitive implementations against the interpreter's own
   overhead, and the printed programs.
4. W3: every primitive call of one gradient, by phase.
5. W6: hvp against grad, and the two BLAS shapes an HVP's products can take
   (two matrix-vector products, or one product with a stacked n x 2 matrix).

The thread pinning of ``benchmarks.run`` applies here too.
"""
from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import sys
import time
from collections import defaultdict


def _setup(cpu: int | None) -> None:
    from ._env import limit_loaded_pools, pin_affinity, pin_environment
    pin_environment()
    pin_affinity(cpu)
    limit_loaded_pools()


# ----------------------------------------------------------------------------- helpers

def best_time(fn, number: int, repeat: int = 5) -> float:
    """Minimum over ``repeat`` runs of the mean seconds per call of ``fn``."""
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        for _ in range(number):
            fn()
        best = min(best, (time.perf_counter() - t0) / number)
    return best


def cprofile(fn, number: int) -> pstats.Stats:
    prof = cProfile.Profile()
    prof.enable()
    for _ in range(number):
        fn()
    prof.disable()
    return pstats.Stats(prof)


def top_table(stats: pstats.Stats, key: str, number: int, calls: int, limit: int = 18) -> str:
    """Top functions by ``key`` ('tottime' or 'cumtime'), in µs per top-level call."""
    rows = []
    for (path, line, name), (cc, nc, tt, ct, _) in stats.stats.items():
        rows.append((tt if key == "tottime" else ct, tt, ct, nc, path, line, name))
    rows.sort(reverse=True)
    out = [f"    {'self µs':>9} {'cum µs':>9} {'calls':>7}  function   (per {calls} calls)"]
    for _, tt, ct, nc, path, line, name in rows[:limit]:
        where = f"{_short(path)}:{line}({name})"
        out.append(f"    {tt / number * 1e6:9.1f} {ct / number * 1e6:9.1f} "
                   f"{nc / number:7.0f}  {where}")
    return "\n".join(out)


def _short(path: str) -> str:
    for marker in ("/linad/", "/numpy/", "/benchmarks/"):
        if marker in path:
            return marker.strip("/") + "/" + path.split(marker, 1)[1]
    return os.path.basename(path)


def count_calls(stats: pstats.Stats, number: int) -> dict:
    """Calls per top-level call of the functions of interest, by qualified-ish name."""
    counts = defaultdict(float)
    for (path, line, name), (cc, nc, *_rest) in stats.stats.items():
        if "/linad/" in path:
            counts[f"{_short(path)}:{line}:{name}"] += nc / number
    return counts


class ImplTimer:
    """Wrap every primitive's ``impl`` to time it and record its operand shapes.

    Installed only inside this profiling process; ``uninstall()`` restores the
    original functions.
    """

    def __init__(self):
        from linad.core import PRIMITIVES
        self.prims = PRIMITIVES
        self.saved = {}
        self.records = []
        self.phase = ""

    def install(self) -> "ImplTimer":
        import numpy as np
        for name, prim in self.prims.items():
            impl = prim.impl
            self.saved[name] = impl

            def timed(*args, __impl=impl, __name=name, **params):
                t0 = time.perf_counter()
                out = __impl(*args, **params)
                dt = time.perf_counter() - t0
                shapes = tuple(np.shape(a) for a in args)
                bcast = any(isinstance(a, np.ndarray) and a.ndim and 0 in a.strides
                            for a in args)
                self.records.append((self.phase, __name, shapes, bcast, params.get("spec"), dt))
                return out
            prim.impl = timed
        return self

    def uninstall(self) -> None:
        for name, impl in self.saved.items():
            self.prims[name].impl = impl


def instrumented(run, passes: int = 3) -> tuple[list, float, float]:
    """Run ``run(timer)`` ``passes`` times with every primitive impl timed.

    ``run`` may set ``timer.phase``.  Returns the records (per call, the minimum
    time over the passes), the time spent outside primitive impls (minimum over
    the passes) and the fastest instrumented wall time.
    """
    walls, all_records = [], []
    for _ in range(passes):
        timer = ImplTimer().install()
        try:
            t0 = time.perf_counter()
            run(timer)
            walls.append(time.perf_counter() - t0)
        finally:
            timer.uninstall()
        all_records.append(timer.records)
    records = [r[:-1] + (min(p[i][-1] for p in all_records),)
               for i, r in enumerate(all_records[0])]
    outside = min(w - sum(r[-1] for r in p) for w, p in zip(walls, all_records))
    return records, max(outside, 0.0), min(walls)


def _grad_phases(f, X):
    """``run`` for :func:`instrumented`: one gradient, split into linearize and backward."""
    import numpy as np
    import linad

    def run(timer):
        timer.phase = "linearize"
        _, pb = linad.vjp(f, X)
        timer.phase = "backward"
        pb(np.ones(()))
    return run


# ----------------------------------------------------------------------------- sections

def section_w1(lines: list, use_line_profiler: bool) -> None:
    import numpy as np
    import linad
    import linad.numpy as lnp
    from .w1_overhead import chain, hand_jvp, hand_value_and_grad, make_ops
    n = 200
    ops = make_ops(n, np.random.default_rng(n))
    rng = np.random.default_rng(0)
    x, v = rng.standard_normal((3, 3)), rng.standard_normal((3, 3))
    f = chain(ops, lnp.tanh, lnp.exp, lnp.sum)
    g = linad.grad(f)
    _, f_lin = linad.linearize(f, x)
    n_eq = len(f_lin.program.eqns)
    n_eq_t = len(f_lin.T.program.eqns)
    fwd = lambda: linad.jvp(f, (x,), (v,))  # noqa: E731
    rev = lambda: g(x)  # noqa: E731
    t_rev, t_fwd = best_time(rev, 20), best_time(fwd, 20)
    t_hrev = best_time(lambda: hand_value_and_grad(ops, x), 200)
    t_hfwd = best_time(lambda: hand_jvp(ops, x, v), 200)
    lines.append(f"== W1: chain of {n} ops on 3x3 (µs are per call of grad / jvp) ==")
    lines.append(f"  reverse: {t_rev * 1e6:.0f} µs per grad = {t_rev / n * 1e6:.2f} µs/op "
                 f"(hand-written {t_hrev / n * 1e6:.2f} µs/op, ratio {t_rev / t_hrev:.1f}x)")
    lines.append(f"  forward: {t_fwd * 1e6:.0f} µs per jvp  = {t_fwd / n * 1e6:.2f} µs/op "
                 f"(hand-written {t_hfwd / n * 1e6:.2f} µs/op, ratio {t_fwd / t_hfwd:.1f}x)")
    lines.append(f"  linear program: {n_eq} equations; transposed program: {n_eq_t} equations")
    for label, fn, t in (("reverse (grad)", rev, t_rev), ("forward (jvp)", fwd, t_fwd)):
        number = 50
        st = cprofile(fn, number)
        counts = count_calls(st, number)
        import importlib
        bind_code = importlib.import_module("linad.core").bind.__code__
        bind_key = f"{_short(bind_code.co_filename)}:{bind_code.co_firstlineno}:bind"
        binds = counts.get(bind_key, 0.0)
        lines.append(f"\n  -- {label} --")
        interesting = sorted(((k, c) for k, c in counts.items()
                              if k.rsplit(":", 1)[1] in (
                                  "bind", "process_primitive", "impl", "jvp_rule",
                                  "transpose_rule", "backward_pass", "_wrap", "like",
                                  "unbroadcast", "fit_dtype", "fit_aval", "full_raise",
                                  "__init__", "_einsum_transpose", "_add_transpose",
                                  "_mul_transpose")), key=lambda kc: -kc[1])
        lines.append(f"  binds per call: {binds:.0f} ({binds / n:.1f} per op); "
                     f"{t / max(binds, 1) * 1e6:.2f} µs of wall time per bind; "
                     f"{t / max(n_eq, 1) * 1e6:.2f} µs per equation of the linear program")
        lines.append("  calls per grad/jvp of selected linad functions:")
        for k, c in interesting[:16]:
            lines.append(f"    {c:8.0f}  {k}")
        lines.append("  top by self time (cProfile adds overhead; compare shares, not absolutes):")
        lines.append(top_table(st, "tottime", number, 1))
        lines.append("  top by cumulative time:")
        lines.append(top_table(st, "cumtime", number, 1, limit=14))
        if use_line_profiler:
            lines.append(_line_profile(fn, label))


def _line_profile(fn, label: str) -> str:
    try:
        from line_profiler import LineProfiler
    except ImportError:
        return "  (line_profiler not installed)"
    import importlib
    import linecache
    core, jvp, linearize, transpose = (importlib.import_module(f"linad.{m}") for m in
                                       ("core", "jvp", "linearize", "transpose"))
    targets = [core.bind, jvp.JVPTrace.process_primitive, jvp.JVPTrace._wrap,
               linearize.StagingTrace.process_primitive, transpose.backward_pass,
               jvp.apply_argwise]
    lp = LineProfiler()
    for t in targets:
        if t is not None:
            lp.add_function(t)
    lp.enable_by_count()
    for _ in range(30):
        fn()
    lp.disable_by_count()
    st = lp.get_stats()
    rows = []
    for (filename, _first, name), timings in st.timings.items():
        for lineno, nhits, tt in timings:
            text = linecache.getline(filename, lineno).strip()
            rows.append((tt * st.unit / 30 * 1e6, nhits / 30, f"{_short(filename)}:{lineno}",
                         name, text))
    rows.sort(reverse=True)
    out = [f"  hottest lines ({label}; line_profiler, µs per grad/jvp, inflated by tracing):"]
    for us, hits, where, name, text in rows[:14]:
        out.append(f"    {us:8.1f} µs {hits:7.0f} hits  {where} {name}: {text[:70]}")
    return "\n".join(out)


def section_w2(lines: list, sizes=(512, 1024)) -> None:
    import numpy as np
    import linad
    from linad.transpose import backward_pass
    from .w2_cheap_grad import backend_functions, f_numpy, hand_value_and_grad, make_inputs
    from .peers import Peers
    for n in sizes:
        A, B, X = make_inputs(n, 0)
        f = backend_functions(A, B, Peers())["linad"]
        t_primal = best_time(lambda: f_numpy(A, B, X), 1, 5)
        t_grad = best_time(lambda: linad.grad(f)(X), 1, 5)
        t_hand = best_time(lambda: hand_value_and_grad(A, B, X), 1, 5)
        t_vjp = best_time(lambda: linad.vjp(f, X), 1, 5)
        _, pullback = linad.vjp(f, X)
        one = np.ones(())
        t_back = best_time(lambda: pullback(one), 1, 5)
        ones = np.ones((n, n))
        t_mm = best_time(lambda: ones @ B.T, 1, 5)
        t_mm_b = best_time(lambda: np.broadcast_to(1.0, (n, n)) @ B.T, 1, 5)
        t_rowsum = best_time(lambda: B.sum(axis=1), 3, 5)
        lines.append(f"\n== W2: grad of sum(tanh(A @ X) @ B), n={n} (best of 5) ==")
        lines.append(f"  primal (NumPy) {t_primal * 1e3:.1f} ms; hand grad {t_hand * 1e3:.1f} ms "
                     f"({t_hand / t_primal:.2f}x); linad grad {t_grad * 1e3:.1f} ms "
                     f"(grad/primal {t_grad / t_primal:.2f}x)")
        lines.append(f"  phases: linearize (primal + staging) {t_vjp * 1e3:.1f} ms, backward pass "
                     f"{t_back * 1e3:.1f} ms")
        lines.append(f"  a materialised ones @ B.T costs {t_mm * 1e3:.1f} ms "
                     f"({t_mm / t_primal:.2f} primal; through a broadcast view "
                     f"{t_mm_b * 1e3:.1f} ms); the row sums it equals cost "
                     f"{t_rowsum * 1e3:.2f} ms")
        records, outside, _ = instrumented(_grad_phases(f, X))
        impl = sum(r[-1] for r in records)
        lines.append("  every primitive impl call of one grad (phase, primitive, operand shapes, "
                     "ms, min of 3 instrumented passes):")
        for phase, name, shapes, bcast, spec, dt in records:
            extra = f" spec={spec}" if spec else ""
            flag = " BROADCAST-OPERAND" if bcast else ""
            lines.append(f"    {phase:<10} {name:<12} {str(shapes):<34} {dt * 1e3:8.2f}"
                         f"{extra}{flag}")
        big = [(phase, dt) for phase, name, shapes, bcast, spec, dt in records
               if name == "einsum" and all(len(s) == 2 and s[0] == n and s[1] == n
                                           for s in shapes)]
        mm_b = sum(dt for phase, name, shapes, bcast, spec, dt in records
                   if name == "einsum" and bcast)
        lines.append(f"  n x n products in one grad: {len(big)} "
                     f"({', '.join(f'{p} {d * 1e3:.1f} ms' for p, d in big)}); "
                     f"the one with the broadcast cotangent of sum: {mm_b * 1e3:.1f} ms = "
                     f"{mm_b / t_grad * 100:.1f}% of the grad")
        by_phase = {ph: sum(r[-1] for r in records if r[0] == ph)
                    for ph in ("linearize", "backward")}
        lines.append(f"  time inside primitive impls {impl * 1e3:.1f} ms (linearize "
                     f"{by_phase['linearize'] * 1e3:.1f}, backward {by_phase['backward'] * 1e3:.1f});"
                     f" outside them (linad's Python, allocation; min over 3 passes) "
                     f"{outside * 1e3:.1f} ms")


def section_w4(lines: list, n: int = 256, k: int = 50) -> None:
    import numpy as np
    import linad
    from .w2_cheap_grad import backend_functions, make_inputs
    from .peers import Peers
    A, B, X = make_inputs(n, 0)
    f = backend_functions(A, B, Peers())["linad"]
    _, f_lin = linad.linearize(f, X)
    f_t = f_lin.T
    rng = np.random.default_rng(4)
    tangents = [rng.standard_normal((n, n)) for _ in range(k)]
    cts = [np.asarray(float(c)) for c in rng.standard_normal(k)]
    T = np.tanh(A @ X)
    D = (1 - T * T) * B.sum(1)

    def app_f():
        for t in tangents:
            f_lin(t)

    def app_t():
        for c in cts:
            f_t(c)
    t_f, t_t = best_time(app_f, 1, 5), best_time(app_t, 1, 5)
    h_f = best_time(lambda: [np.sum((A @ t) * D) for t in tangents], 1, 5)
    h_t = best_time(lambda: [A.T @ (float(c) * D) for c in cts], 1, 5)
    lines.append(f"\n== W4: linearize at n={n}, apply {k} times (best of 5) ==")
    lines.append(f"  f_lin x{k}: {t_f * 1e3:.1f} ms (hand {h_f * 1e3:.1f} ms, {t_f / h_f:.2f}x); "
                 f"f_lin.T x{k}: {t_t * 1e3:.1f} ms (hand {h_t * 1e3:.1f} ms, {t_t / h_t:.2f}x)")
    for label, fn, total in (("f_lin", app_f, t_f), ("f_lin.T", app_t, t_t)):
        records, outside, wall = instrumented(lambda timer, fn=fn: fn())
        impl = sum(r[-1] for r in records)
        per = defaultdict(float)
        for _, name, shapes, bcast, spec, dt in records:
            per[(name, shapes, bcast)] += dt
        lines.append(f"  {label}: per application {total / k * 1e6:.0f} µs uninstrumented; "
                     f"instrumented {wall / k * 1e6:.0f} µs: primitive impls "
                     f"{impl / k * 1e6:.0f} µs, outside them (interpreter, LinearMap checks, "
                     f"timing wrapper) {outside / k * 1e6:.0f} µs; by primitive:")
        for (name, shapes, bcast), dt in sorted(per.items(), key=lambda kv: -kv[1]):
            lines.append(f"    {name:<12} {str(shapes):<30} {dt / k * 1e6:8.0f} µs/application"
                         + (" BROADCAST-OPERAND" if bcast else ""))
    _, small = linad.linearize(backend_functions(*make_inputs(4, 0)[:2], Peers())["linad"],
                               make_inputs(4, 0)[2])
    lines.append("  the tangent program (n=4):")
    lines.extend("    " + s for s in str(small).splitlines())
    lines.append("  its transpose:")
    lines.extend("    " + s for s in str(small.T).splitlines())
    cp = cprofile(app_t, 3)
    lines.append(f"  cProfile of f_lin.T x{k} (per application):")
    lines.append(top_table(cp, "tottime", 3 * k, 1, limit=12))


def section_w3(lines: list, n: int = 200) -> None:
    """Every primitive impl call of one W3 gradient, by phase (min of 3 passes)."""
    import numpy as np
    import linad
    import linad.numpy as lnp
    from .w3_matrix_functions import f_numpy, hand_grad, make_inputs
    if not hasattr(lnp.linalg, "slogdet"):
        lines.append("\n== W3: skipped (no linad.numpy.linalg.slogdet) ==")
        return
    X, C = make_inputs(n, 0)

    def f(X):
        M = X @ X.T + np.eye(n)
        return lnp.linalg.slogdet(M)[1] + lnp.trace(lnp.linalg.inv(M) @ C)
    t_p, t_h = best_time(lambda: f_numpy(X, C), 10), best_time(lambda: hand_grad(X, C), 10)
    t_g = best_time(lambda: linad.grad(f)(X), 10)
    lines.append(f"\n== W3: grad of logdet(M) + trace(inv(M) C), M = X X^T + I, n={n} ==")
    lines.append(f"  primal {t_p * 1e3:.2f} ms; hand grad {t_h * 1e3:.2f} ms ({t_h / t_p:.2f}x); "
                 f"linad grad {t_g * 1e3:.2f} ms ({t_g / t_p:.2f}x)")
    records, _, _ = instrumented(_grad_phases(f, X))
    for phase, name, shapes, bcast, spec, dt in records:
        if dt > 20e-6:
            lines.append(f"    {phase:<10} {name:<12} {str(shapes):<30} {dt * 1e3:7.2f} ms"
                         + (f" spec={spec}" if spec else "") + (" BROADCAST-OPERAND" if bcast else ""))
    lines.append(f"  (calls under 20 µs not shown; {len(records)} impl calls in all, "
                 f"{sum(r[-1] for r in records) * 1e3:.2f} ms)")


def section_w6(lines: list, m: int = 2000, n: int = 500) -> None:
    """HVP against grad, and the BLAS shapes an HVP can use (two matvecs or one skinny gemm)."""
    import numpy as np
    import linad
    import linad.numpy as lnp
    from .w6_hvp import hand_grad, hand_hvp, make_inputs
    A, x, v = make_inputs(m, n, 0)

    def f(x):
        return lnp.sum(lnp.log(1.0 + lnp.exp(A @ x)))
    g = linad.grad(f)
    t_g, t_h = best_time(lambda: g(x), 20), best_time(lambda: linad.hvp(f, (x,), (v,)), 20)
    t_hg, t_hh = best_time(lambda: hand_grad(A, x), 50), best_time(lambda: hand_hvp(A, x, v), 50)
    S = np.stack([x, v])
    t_mv = best_time(lambda: (A @ x, A @ v), 50)
    t_mm = best_time(lambda: A @ S.T, 50)
    lines.append(f"\n== W6: hvp of sum(log(1 + exp(A x))), A {m}x{n} (best of 5) ==")
    lines.append(f"  linad grad {t_g * 1e3:.2f} ms, hvp {t_h * 1e3:.2f} ms (hvp/grad {t_h / t_g:.2f}); "
                 f"hand grad {t_hg * 1e3:.2f} ms, hvp {t_hh * 1e3:.2f} ms "
                 f"(hvp/grad {t_hh / t_hg:.2f})")
    lines.append(f"  A @ x and A @ v as two matrix-vector products: {t_mv * 1e3:.3f} ms; as one "
                 f"product with the stacked (n, 2) matrix: {t_mm * 1e3:.3f} ms")


def main(argv: list | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m benchmarks.profile_linad")
    p.add_argument("--out", default=None, help="also write the report to this file")
    p.add_argument("--no-lines", action="store_true", help="skip line_profiler")
    p.add_argument("--only", default="W1,W2,W3,W4,W6")
    p.add_argument("--cpu", type=int, default=None, help="core to pin to (default: the first)")
    args = p.parse_args(argv)
    _setup(args.cpu)
    import numpy as np
    import linad
    parts = {s.strip().upper() for s in args.only.split(",")}
    lines = [f"linad {linad.__version__} profile, numpy {np.__version__}, one thread, "
             f"{time.strftime('%Y-%m-%d %H:%M')}; load average {os.getloadavg()}"]
    if "W1" in parts:
        section_w1(lines, not args.no_lines)
    if "W2" in parts:
        section_w2(lines)
    if "W3" in parts:
        section_w3(lines)
    if "W4" in parts:
        section_w4(lines)
    if "W6" in parts:
        section_w6(lines)
    text = "\n".join(lines)
    print(text)
    if args.out:
        with open(args.out, "w") as fh:
            fh.write(text + "\n")
    return 0


if __name__ == "__main__":
    here = os.path.dirname(os.path.abspath(__file__))
    sys.path[:] = [q for q in sys.path if os.path.abspath(q or ".") != here]
    sys.path.insert(0, os.path.dirname(here))
    from benchmarks.profile_linad import main as _main
    sys.exit(_main())
