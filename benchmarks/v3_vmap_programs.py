"""V3 — ``vmap`` of whole programs against the same program batched by hand.

Three per-example programs, each mapped over a batch with ``linad.vmap`` and
compared with the same computation written on the whole batch in NumPy:

* elementwise, on rows of 64 (a batch of 1,000 in the full run):
  ``tanh(x) * softplus(x) + exp(-x^2 / 2)`` with ``softplus(x) = logaddexp(0, x)``
  (PyTorch: ``torch.nn.functional.softplus``);
* a solve: the quadratic form ``b @ solve(A, b)`` of an 8x8 SPD ``A`` (200 of them);
* Cholesky: ``y @ y + 2 sum(log(diag(L)))`` with ``L = cholesky(A)`` and
  ``y = solve_triangular(L, b, lower=True)`` (``b^T A^-1 b + logdet A``).

``linad-jit`` is ``linad.jit(linad.vmap(f))``; the peers are ``jax.vmap`` (and its
``jax.jit``) and ``torch.func.vmap``.  The results are values, not derivatives;
they are compared with the hand-written batch all the same.  A program that
``linad.vmap`` cannot map (a primitive without a batch rule) fails its target
with an infinite ratio, the reason listed under "skipped".
"""
from __future__ import annotations

import math

import numpy as np

from .harness import Config, WorkloadResult, timed_rows

__all__ = ["SIZES", "make_spd", "elementwise", "solve_form", "cholesky_form", "hand_elementwise",
           "hand_solve_form", "hand_cholesky_form", "run"]

#: ``mode -> (rows, row length, matrices, matrix size)``.
SIZES = {"full": (1000, 64, 200, 8), "quick": (200, 64, 50, 8), "tiny": (5, 4, 3, 3)}


def make_spd(count: int, n: int, rng: np.random.Generator) -> tuple:
    """A stack of well-conditioned SPD matrices ``(count, n, n)`` and vectors ``(count, n)``."""
    G = rng.standard_normal((count, n, n))
    return G @ np.swapaxes(G, 1, 2) / n + np.eye(n), rng.standard_normal((count, n))


def elementwise(tanh, exp, softplus):
    """The elementwise program for a backend's ``tanh``, ``exp`` and ``softplus``."""
    def f(x):
        return tanh(x) * softplus(x) + exp(-0.5 * x * x)
    return f


def solve_form(solve):
    """``b @ solve(A, b)`` for a backend's ``solve``."""
    def f(A, b):
        return b @ solve(A, b)
    return f


def cholesky_form(cholesky, solve_lower, log, total, diagonal):
    """``y @ y + 2 sum(log(diag L))``, ``L = cholesky(A)``, ``y = L^-1 b``."""
    def f(A, b):
        L = cholesky(A)
        y = solve_lower(L, b)
        return y @ y + 2.0 * total(log(diagonal(L)))
    return f


hand_elementwise = elementwise(np.tanh, np.exp, lambda x: np.logaddexp(0.0, x))


def hand_solve_form(A: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``b_i @ solve(A_i, b_i)`` for the whole stack at once.

    Examples
    --------
    >>> hand_solve_form(2.0 * np.eye(2)[None], np.array([[1.0, 1.0]]))
    array([1.])
    """
    return np.einsum("bi,bi->b", b, np.linalg.solve(A, b[..., None])[..., 0])


def hand_cholesky_form(A: np.ndarray, b: np.ndarray) -> np.ndarray:
    """The Cholesky quadratic form plus log-determinant for the whole stack at once."""
    L = np.linalg.cholesky(A)
    y = np.linalg.solve(L, b[..., None])[..., 0]
    return np.einsum("bi,bi->b", y, y) + 2.0 * np.log(np.diagonal(L, axis1=1, axis2=2)).sum(1)


def _linad_programs():
    import linad.numpy as lnp
    import linad.scipy as lsp
    return (elementwise(lnp.tanh, lnp.exp, lambda x: lnp.logaddexp(0.0, x)), solve_form(lnp.linalg.solve),
            cholesky_form(lnp.linalg.cholesky,
                          lambda L, b: lsp.linalg.solve_triangular(L, b, lower=True),
                          lnp.log, lnp.sum, lnp.diagonal))


def _jax_programs(jax, jnp):
    import jax.scipy.linalg as jsl
    return (elementwise(jnp.tanh, jnp.exp, lambda x: jnp.logaddexp(0.0, x)), solve_form(jnp.linalg.solve),
            cholesky_form(jnp.linalg.cholesky, lambda L, b: jsl.solve_triangular(L, b, lower=True),
                          jnp.log, jnp.sum, jnp.diagonal))


def _torch_programs(torch):
    def solve_lower(L, b):
        return torch.linalg.solve_triangular(L, b[:, None], upper=False)[:, 0]
    return (elementwise(torch.tanh, torch.exp, torch.nn.functional.softplus), solve_form(torch.linalg.solve),
            cholesky_form(torch.linalg.cholesky, solve_lower, torch.log, torch.sum,
                          torch.diagonal))


def _calls(args: list, peers) -> list:
    """One dict of calls per program; ``args[i]`` is program ``i``'s batched arguments."""
    import linad
    calls = [{"hand": (lambda a=a, h=h: h(*a))}
             for a, h in zip(args, (hand_elementwise, hand_solve_form, hand_cholesky_form))]
    for c, f, a in zip(calls, _linad_programs(), args):
        fv = linad.vmap(f)
        fv_jit = linad.jit(fv)
        c["linad"] = lambda fv=fv, a=a: fv(*a)
        c["linad-jit"] = lambda fv_jit=fv_jit, a=a: fv_jit(*a)
    if peers.jax is not None:
        jax, jnp = peers.jax, peers.jnp
        for c, f, a in zip(calls, _jax_programs(jax, jnp), args):
            fv, aj = jax.vmap(f), [jnp.asarray(x) for x in a]
            fv_jit = jax.jit(fv)
            c["jax"] = lambda fv=fv, aj=aj: fv(*aj).block_until_ready()
            c["jax-jit"] = lambda fv_jit=fv_jit, aj=aj: fv_jit(*aj).block_until_ready()
    if peers.torch is not None:
        torch = peers.torch
        for c, f, a in zip(calls, _torch_programs(torch), args):
            fv, at = torch.func.vmap(f), [torch.from_numpy(x) for x in a]
            c["torch"] = lambda fv=fv, at=at: fv(*at)
    return calls


def _ratio_or_failure(wr: WorkloadResult, row) -> float | None:
    """``linad / hand`` of ``row``; infinite (a failed target) when ``vmap`` raised."""
    ratio = row.linad_over().get("hand")
    if ratio is None and f"linad ({row.label})" in wr.skipped:
        return math.inf
    return ratio


def run(cfg: Config, peers) -> WorkloadResult:
    """Measure V3; target linad's ``vmap(f)`` against the hand-batched program."""
    rows_n, width, count, n = SIZES.get(cfg.mode, SIZES["full"])
    wr = WorkloadResult("V3", "vmap(f) of whole programs against the same program batched by "
                        "hand", rtol=cfg.rtol)
    rng = np.random.default_rng(cfg.seed + 103)
    x = rng.standard_normal((rows_n, width)) * 2.0
    A, b = make_spd(count, n, rng)
    rows = [wr.row(f"elementwise tanh*softplus+exp, {rows_n}x{width}", "ms"),
            wr.row(f"b @ solve(A, b), {count} SPD {n}x{n}", "ms"),
            wr.row(f"cholesky quadratic form + logdet, {count} SPD {n}x{n}", "ms")]
    calls = _calls([(x,), (A, b), (A, b)], peers)
    outs = timed_rows(wr, [(r, c, 1e3) for r, c in zip(rows, calls)], cfg)
    for row, out in zip(rows, outs):
        wr.agree(row.label, out["hand"], {b_: o for b_, o in out.items() if b_ != "hand"})
        wr.target(f"{row.label}: vmap linad / hand batched", _ratio_or_failure(wr, row), 1.5)
    wr.notes.append("linad = linad.vmap(f), linad-jit = linad.jit(linad.vmap(f)); hand = the "
                    "same program on the whole batch (np.linalg.solve and np.linalg.cholesky "
                    "on stacks)")
    return wr
