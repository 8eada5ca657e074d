"""W4 — linearize once, apply many times.

W2's ``f`` is linearized once at n x n; then the tangent map is applied to
``k`` tangents (k = 50) and its transpose to ``k`` cotangents, against ``k``
applications of hand-written tangent code that reuses precomputed residuals.

Two hand-written references:

* ``hand`` (the floor, used by the targets): ``D = (1 - T^2) * rowsum(B)``
  precomputed; tangent ``dX -> sum((A @ dX) * D)``, transpose
  ``c -> A.T @ (c * D)`` — one n^3 product each;
* ``hand-literal``: the JVP transcribed operation by operation,
  ``dX -> sum(((1 - T^2) * (A @ dX)) @ B)`` and its reverse
  ``c -> A.T @ ((1 - T^2) * (c * ones @ B.T))`` — two n^3 products each.

Linearizing (and building the transpose) happens outside the timings; its cost
is reported on its own row.
"""
from __future__ import annotations

import functools
import warnings

import numpy as np

from .harness import Config, WorkloadResult, timed_row, timed_rows
from .w2_cheap_grad import backend_functions, make_inputs

__all__ = ["run"]


def _hand(A, B, X):
    T = np.tanh(A @ X)
    S = 1.0 - T * T
    D = S * B.sum(axis=1)
    ones = np.ones_like(T)
    fwd = {"hand": lambda dX: np.sum((A @ dX) * D),
           "hand-literal": lambda dX: np.sum((S * (A @ dX)) @ B)}
    rev = {"hand": lambda c: A.T @ (c * D),
           "hand-literal": lambda c: A.T @ (S * ((c * ones) @ B.T))}
    return fwd, rev


def _linearized(A, B, X, peers, wr) -> dict:
    """``backend -> setup()``; ``setup()`` linearizes and returns (tangent map, transpose)."""
    import linad
    fs = backend_functions(A, B, peers)
    setups = {}

    def lin_linad():
        _, f_lin = linad.linearize(fs["linad"], X)
        return f_lin, f_lin.T
    setups["linad"] = lin_linad
    if peers.jax is not None:
        jax, jnp = peers.jax, peers.jnp
        Xj, Aj, Bj = jnp.asarray(X), jnp.asarray(A), jnp.asarray(B)
        apply = jax.jit(lambda fn, x: fn(x))  # residuals enter as arguments, not constants

        def lin_jax(jit=False):
            _, f_jvp = jax.linearize(lambda X: fs["jax"](X, Aj, Bj), Xj)
            f_t = jax.linear_transpose(f_jvp, Xj)
            if jit:
                return functools.partial(apply, f_jvp), functools.partial(apply, f_t)
            return f_jvp, f_t
        setups["jax"] = lin_jax
        setups["jax-jit"] = lambda: lin_jax(jit=True)
    if peers.torch is not None:
        torch, Xt = peers.torch, peers.torch.from_numpy(X)

        def lin_torch():
            with warnings.catch_warnings():  # torch.fx's constant folding warns
                warnings.simplefilter("ignore")
                _, f_jvp = torch.func.linearize(fs["torch"], Xt)
            _, f_vjp = torch.func.vjp(fs["torch"], Xt)
            return f_jvp, f_vjp
        setups["torch"] = lin_torch
        wr.notes.append("torch: tangent map from torch.func.linearize; torch has no transpose "
                        "of it, so its transpose row applies the pullback of torch.func.vjp")
    if peers.autograd is not None:
        def lin_autograd():
            f_vjp, _ = peers.autograd.make_vjp(fs["autograd"])(X)
            return None, f_vjp
        setups["autograd"] = lin_autograd
        wr.notes.append("autograd: no linearize; its transpose row applies the pullback of "
                        "make_vjp")
    return setups


def _apply_all(fn, items, block):
    def go():
        out = None
        for it in items:
            out = block(fn(it))
        return out
    return go


def run(cfg: Config, peers) -> WorkloadResult:
    """Measure W4; targets linad / hand for both directions."""
    n, k = cfg.w4_size, cfg.w4_applies
    wr = WorkloadResult("W4", f"linearize W2's f once at n={n}, apply {k} times", rtol=cfg.rtol)
    A, B, X = make_inputs(n, cfg.seed)
    rng = np.random.default_rng(cfg.seed + 4)
    tangents = [rng.standard_normal((n, n)) for _ in range(k)]
    cotangents = [float(c) for c in rng.standard_normal(k)]
    hand_fwd, hand_rev = _hand(A, B, X)

    setups = _linearized(A, B, X, peers, wr)
    lin_row = wr.row("linearize (+ build transpose) once", "ms")
    built = timed_row(wr, lin_row, setups, cfg)

    conv = {"jax": peers.jnp.asarray if peers.jnp is not None else None,
            "torch": peers.torch.from_numpy if peers.torch is not None else None}
    conv["jax-jit"] = conv["jax"]

    def block(b):
        if b.startswith("jax"):
            return lambda y: peers.jax.block_until_ready(y)
        return lambda y: y

    fwd_calls = {b: _apply_all(f, tangents, lambda y: y) for b, f in hand_fwd.items()}
    rev_calls = {b: _apply_all(f, cotangents, lambda y: y) for b, f in hand_rev.items()}
    for b, (f_lin, f_t) in built.items():
        c = conv.get(b) or (lambda a: a)
        if f_lin is not None:
            fwd_calls[b] = _apply_all(f_lin, [c(t) for t in tangents], block(b))
        ct_in = [c(np.asarray(ct)) for ct in cotangents]
        rev_calls[b] = _apply_all(f_t, ct_in, block(b))

    fwd_row = wr.row(f"apply tangent map x{k}", "ms")
    rev_row = wr.row(f"apply transpose x{k}", "ms")
    out_f, out_r = timed_rows(wr, [(fwd_row, fwd_calls, 1e3), (rev_row, rev_calls, 1e3)], cfg)
    wr.agree("tangent map", out_f["hand"], {b: o for b, o in out_f.items() if b != "hand"})
    wr.agree("transpose", out_r["hand"], {b: o for b, o in out_r.items() if b != "hand"})
    for row in (fwd_row, rev_row):
        wr.target(f"{row.label}: linad / hand", row.linad_over().get("hand"), 1.2)
    return wr
