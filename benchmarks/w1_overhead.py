"""W1 — per-operation overhead.

A scalar loss from a chain of ``N`` small operations on 3x3 float64 matrices,
cycling through ``tanh, exp, * C, + D, @ Q`` (``C``, ``D``, ``Q`` constants,
``Q`` orthogonal, so values stay bounded for any ``N``), then ``sum``.  At this
size NumPy's own work is well under a microsecond per operation, so the time
per operation is almost all library overhead.  Reverse mode is ``grad`` (value
and gradient), forward mode is ``jvp`` along one tangent; both are reported in
microseconds per operation, for N = 200 and N = 2000 (cost should be linear in
the program's length).

Besides the hand-written derivatives and the peers, the backend ``py-floor``
(:mod:`benchmarks.w1_floor`) is the least any operator-overloading Python
library can do per operation: a bare dual number (forward) and a tape of
closures (reverse), with no checks and no generality.

The backend ``linad-jit`` is ``linad.jit(linad.grad(f))`` (reverse) and
``linad.jit`` of the JVP (forward), timed on cache hits.  Two more rows measure
``linad.jit`` itself: the first call of a fresh ``jit(grad(f))`` (staging and
compilation, against ``jax.jit`` when JAX is installed), and a cache hit of a
tiny function, ``x + 1.0`` on 3 elements, against the NumPy expression.
"""
from __future__ import annotations

import operator

import numpy as np

from .harness import Config, WorkloadResult, first_call_row, timed_row, timed_rows
from .peers import torch_grad
from .w1_floor import FORWARD_FNS, REVERSE_FNS, floor_jvp, floor_value_and_grad

__all__ = ["make_ops", "hand_value_and_grad", "hand_jvp", "chain", "run"]

TANH, EXP, MUL, ADD, MATMUL = range(5)


def make_ops(n_ops: int, rng: np.random.Generator) -> list:
    """The chain: a list of ``(kind, constant or None)``."""
    ops = []
    for k in range(n_ops):
        kind = k % 5
        if kind == MUL:
            c = rng.uniform(1.0, 1.4, (3, 3))
        elif kind == ADD:
            c = -rng.uniform(1.1, 1.3, (3, 3))
        elif kind == MATMUL:
            c = np.linalg.qr(rng.standard_normal((3, 3)))[0]
        else:
            c = None
        ops.append((kind, c))
    return ops


def chain(ops: list, tanh, exp, total, convert=lambda c: c):
    """``f(X)`` for a backend given its ``tanh``, ``exp``, ``sum`` and array conversion."""
    table = {TANH: tanh, EXP: exp, MUL: operator.mul, ADD: operator.add, MATMUL: operator.matmul}
    steps = [(table[k], None if c is None else convert(c)) for k, c in ops]

    def f(x):
        for fn, c in steps:
            x = fn(x) if c is None else fn(x, c)
        return total(x)
    return f


def hand_value_and_grad(ops: list, x: np.ndarray) -> tuple:
    """Hand-written reverse mode: forward pass keeping what the backward pass needs."""
    saved = []
    for kind, c in ops:
        if kind == TANH:
            x = np.tanh(x)
            saved.append(x)
        elif kind == EXP:
            x = np.exp(x)
            saved.append(x)
        elif kind == MUL:
            x = x * c
            saved.append(None)
        elif kind == ADD:
            x = x + c
            saved.append(None)
        else:
            x = x @ c
            saved.append(None)
    g = np.ones_like(x)
    for (kind, c), s in zip(reversed(ops), reversed(saved)):
        if kind == TANH:
            g = g * (1.0 - s * s)
        elif kind == EXP:
            g = g * s
        elif kind == MUL:
            g = g * c
        elif kind == MATMUL:
            g = g @ c.T
    return x.sum(), g


def hand_jvp(ops: list, x: np.ndarray, dx: np.ndarray) -> tuple:
    """Hand-written forward mode: value and directional derivative."""
    for kind, c in ops:
        if kind == TANH:
            x = np.tanh(x)
            dx = dx * (1.0 - x * x)
        elif kind == EXP:
            x = np.exp(x)
            dx = dx * x
        elif kind == MUL:
            x = x * c
            dx = dx * c
        elif kind == ADD:
            x = x + c
        else:
            x = x @ c
            dx = dx @ c
    return x.sum(), dx.sum()


def _reverse_calls(ops, x, peers) -> dict:
    import linad
    import linad.numpy as lnp
    calls = {"hand": lambda: hand_value_and_grad(ops, x)[1]}
    f_floor = chain(ops, *REVERSE_FNS)
    calls["py-floor"] = lambda: floor_value_and_grad(f_floor, x)[1]
    f_lin = chain(ops, lnp.tanh, lnp.exp, lnp.sum)
    g_lin = linad.grad(f_lin)
    g_lin_jit = linad.jit(g_lin)
    calls["linad"] = lambda: g_lin(x)
    calls["linad-jit"] = lambda: g_lin_jit(x)
    if peers.autograd is not None:
        anp = peers.anp
        g_ag = peers.autograd.grad(chain(ops, anp.tanh, anp.exp, anp.sum))
        calls["autograd"] = lambda: g_ag(x)
    if peers.jax is not None:
        jax, jnp = peers.jax, peers.jnp
        g_jax = jax.grad(chain(ops, jnp.tanh, jnp.exp, jnp.sum, jnp.asarray))
        g_jit = jax.jit(g_jax)
        xj = jnp.asarray(x)
        calls["jax"] = lambda: g_jax(xj).block_until_ready()
        calls["jax-jit"] = lambda: g_jit(xj).block_until_ready()
    if peers.torch is not None:
        torch = peers.torch
        f_t = chain(ops, torch.tanh, torch.exp, torch.sum, torch.from_numpy)
        calls["torch"] = torch_grad(torch, f_t, torch.from_numpy(x))
    return calls


def _forward_calls(ops, x, v, peers) -> dict:
    import linad
    import linad.numpy as lnp
    calls = {"hand": lambda: hand_jvp(ops, x, v)[1]}
    f_floor = chain(ops, *FORWARD_FNS)
    calls["py-floor"] = lambda: floor_jvp(f_floor, x, v)[1]
    f_lin = chain(ops, lnp.tanh, lnp.exp, lnp.sum)
    calls["linad"] = lambda: linad.jvp(f_lin, (x,), (v,))[1]
    jvp_lin_jit = linad.jit(lambda a, b: linad.jvp(f_lin, (a,), (b,))[1])
    calls["linad-jit"] = lambda: jvp_lin_jit(x, v)
    if peers.autograd is not None:
        anp = peers.anp
        jvp_ag = peers.autograd.make_jvp(chain(ops, anp.tanh, anp.exp, anp.sum))
        calls["autograd"] = lambda: jvp_ag(x)(v)[1]
    if peers.jax is not None:
        jax, jnp = peers.jax, peers.jnp
        f_j = chain(ops, jnp.tanh, jnp.exp, jnp.sum, jnp.asarray)
        xj, vj = jnp.asarray(x), jnp.asarray(v)
        jvp_jit = jax.jit(lambda a, b: jax.jvp(f_j, (a,), (b,))[1])
        calls["jax"] = lambda: jax.jvp(f_j, (xj,), (vj,))[1].block_until_ready()
        calls["jax-jit"] = lambda: jvp_jit(xj, vj).block_until_ready()
    if peers.torch is not None:
        torch = peers.torch
        f_t = chain(ops, torch.tanh, torch.exp, torch.sum, torch.from_numpy)
        xt, vt = torch.from_numpy(x), torch.from_numpy(v)
        calls["torch"] = lambda: torch.func.jvp(f_t, (xt,), (vt,))[1]
    return calls


def _first_call_makers(ops, x, peers) -> dict:
    """backend -> a maker of a fresh ``jit(grad(f))`` call at ``x`` (nothing cached)."""
    import linad
    import linad.numpy as lnp
    f_lin = chain(ops, lnp.tanh, lnp.exp, lnp.sum)

    def linad_jit():
        g = linad.jit(linad.grad(f_lin))
        return lambda: g(x)
    makers = {"linad-jit": linad_jit}
    if peers.jax is not None:
        jax, jnp = peers.jax, peers.jnp
        f_j = chain(ops, jnp.tanh, jnp.exp, jnp.sum, jnp.asarray)
        xj = jnp.asarray(x)

        def jax_jit():
            g = jax.jit(jax.grad(f_j))
            return lambda: g(xj).block_until_ready()
        makers["jax-jit"] = jax_jit
    return makers


def _cache_hit_calls() -> dict:
    """A tiny jitted function on a cache hit, and the same NumPy expression."""
    import linad
    x = np.array([1.0, 2.0, 3.0])
    add_one = linad.jit(lambda a: a + 1.0)
    return {"hand": lambda: x + 1.0, "linad-jit": lambda: add_one(x)}


def _jit_rows(wr: WorkloadResult, cfg: Config, peers) -> None:
    """The first call of ``jit(grad(f))`` (ms) and a cache hit of a tiny function (µs)."""
    short = cfg.w1_ops[0]
    ops = make_ops(short, np.random.default_rng(cfg.seed + short))
    x = np.random.default_rng(cfg.seed).standard_normal((3, 3))
    first = wr.row(f"first call of jit(grad(f)), stage + compile ({short} ops)", "ms")
    outputs = first_call_row(wr, first, _first_call_makers(ops, x, peers), cfg)
    wr.agree(first.label, hand_value_and_grad(ops, x)[1], outputs)
    hit = wr.row("cache hit, tiny function", "µs")
    _check(wr, hit.label, timed_row(wr, hit, _cache_hit_calls(), cfg, scale=1e6))
    wr.target(first.label, first.values.get("linad-jit"), 30.0)
    cost = (hit.values["linad-jit"] - hit.values["hand"]
            if {"linad-jit", "hand"} <= set(hit.values) else None)
    wr.target("cache hit, tiny function: linad-jit - hand [µs]", cost, 15.0)
    wr.notes.append("first call: median over repeats, each with a fresh jit object "
                    "(staging, optimisation and compilation); cache hit: jit(lambda x: x + 1.0) "
                    "on 3 elements, hand = the NumPy expression")


def _check(wr: WorkloadResult, what: str, outputs: dict) -> None:
    if "hand" in outputs:
        wr.agree(what, outputs["hand"], {b: o for b, o in outputs.items() if b != "hand"})


def run(cfg: Config, peers) -> WorkloadResult:
    """Measure W1 for every backend; targets at the shorter chain."""
    wr = WorkloadResult("W1", "per-operation overhead: chain of tanh/exp/mul/add/matmul on 3x3",
                        rtol=cfg.rtol)
    rng = np.random.default_rng(cfg.seed)
    x = rng.standard_normal((3, 3))
    v = rng.standard_normal((3, 3))
    for mode in ("reverse", "forward"):
        specs = []
        for n in cfg.w1_ops:
            ops = make_ops(n, np.random.default_rng(cfg.seed + n))
            calls = (_reverse_calls(ops, x, peers) if mode == "reverse"
                     else _forward_calls(ops, x, v, peers))
            specs.append((wr.row(f"{mode}, {n} ops", "µs/op"), calls, 1e6 / n))
        for (row, _, _), outputs in zip(specs, timed_rows(wr, specs, cfg)):
            _check(wr, row.label, outputs)
    short, long_ = cfg.w1_ops[0], cfg.w1_ops[-1]
    for mode in ("reverse", "forward"):
        wr.ratio_row(f"{mode}: per-op {long_} / per-op {short}",
                     wr.find(f"{mode}, {long_} ops"), wr.find(f"{mode}, {short} ops"))
    rev, fwd = wr.find(f"reverse, {short} ops"), wr.find(f"forward, {short} ops")
    for base, limits in (("linad", (0.5, 3.0, 2.0)), ("linad-jit", (0.25, 1.5, 1.5))):
        ratios_rev, ratios_fwd = rev.over(base), fwd.over(base)
        wr.target(f"reverse µs/op ({short} ops) {base} / torch", ratios_rev.get("torch"),
                  limits[0])
        wr.target(f"reverse µs/op ({short} ops) {base} / hand", ratios_rev.get("hand"), limits[1])
        wr.target(f"forward µs/op ({short} ops) {base} / hand", ratios_fwd.get("hand"), limits[2])
    for mode in ("reverse", "forward"):
        r = wr.find(f"{mode}: per-op {long_} / per-op {short}")
        wr.target(f"{mode} per-op cost {long_} ops / {short} ops", r.values.get("linad"), 1.2)
    _jit_rows(wr, cfg, peers)
    return wr
