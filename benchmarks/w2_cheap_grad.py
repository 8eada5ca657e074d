"""W2 — the cheap-gradient principle.

``f(X) = sum(tanh(A @ X) @ B)`` with ``A, B, X`` of shape n x n.  The primal
costs two n^3 matrix products.  The hand-written gradient knows that the
cotangent of ``sum`` is a broadcast of ones, so ``ones @ B.T`` is just the row
sums of ``B`` (an n^2 operation), and needs one more n^3 product,
``A.T @ G``; a tape-based reverse mode that materialises the broadcast pays a
third.  Reported: primal and gradient times, and gradient / primal per
backend (each backend against its own primal; ``linad-jit`` is ``linad.jit(f)``
and ``linad.jit(linad.grad(f))``, ``A`` and ``B`` closed over).
"""
from __future__ import annotations

import numpy as np

from .harness import Config, WorkloadResult, timed_rows
from .peers import torch_grad

__all__ = ["make_inputs", "f_numpy", "hand_value_and_grad", "run"]


def make_inputs(n: int, seed: int) -> tuple:
    """``A, B, X`` scaled so that ``A @ X`` has unit-variance entries (tanh not saturated)."""
    rng = np.random.default_rng(seed)
    s = 1.0 / np.sqrt(n)
    return (rng.standard_normal((n, n)) * s, rng.standard_normal((n, n)) * s,
            rng.standard_normal((n, n)))


def f_numpy(A: np.ndarray, B: np.ndarray, X: np.ndarray) -> float:
    """The primal in plain NumPy."""
    return np.sum(np.tanh(A @ X) @ B)


def hand_value_and_grad(A: np.ndarray, B: np.ndarray, X: np.ndarray) -> tuple:
    """Value and gradient in two n^3 products: ``grad = A.T @ ((1 - T^2) * rowsum(B))``."""
    T = np.tanh(A @ X)
    b = B.sum(axis=1)
    value = np.sum(T @ b)
    return value, A.T @ ((1.0 - T * T) * b)


def backend_functions(A, B, peers) -> dict:
    """``f(X)`` written with each backend's array namespace (constants converted)."""
    import linad.numpy as lnp
    fs = {"hand": lambda X: f_numpy(A, B, X),
          "linad": lambda X: lnp.sum(lnp.tanh(A @ X) @ B)}
    if peers.autograd is not None:
        anp = peers.anp
        fs["autograd"] = lambda X: anp.sum(anp.tanh(anp.dot(A, X)) @ B)
    if peers.jax is not None:
        jnp = peers.jnp
        fs["jax"] = lambda X, A, B: jnp.sum(jnp.tanh(A @ X) @ B)  # A, B arguments: see run()
    if peers.torch is not None:
        torch = peers.torch
        At, Bt = torch.from_numpy(A), torch.from_numpy(B)
        fs["torch"] = lambda X: torch.sum(torch.tanh(At @ X) @ Bt)
    return fs


def _calls(A, B, X, peers) -> tuple[dict, dict]:
    import linad
    fs = backend_functions(A, B, peers)
    primal = {"hand": lambda: fs["hand"](X), "linad": lambda: fs["linad"](X)}
    grad_lin = linad.grad(fs["linad"])
    grad = {"hand": lambda: hand_value_and_grad(A, B, X)[1], "linad": lambda: grad_lin(X)}
    primal_jit, grad_jit = linad.jit(fs["linad"]), linad.jit(grad_lin)
    primal["linad-jit"] = lambda: primal_jit(X)
    grad["linad-jit"] = lambda: grad_jit(X)
    if "autograd" in fs:
        g = peers.autograd.grad(fs["autograd"])
        primal["autograd"] = lambda: fs["autograd"](X)
        grad["autograd"] = lambda: g(X)
    if "jax" in fs:
        jax = peers.jax
        args = tuple(peers.jnp.asarray(a) for a in (X, A, B))
        f_jit, g_eager = jax.jit(fs["jax"]), jax.grad(fs["jax"])
        g_jit = jax.jit(g_eager)
        primal["jax"] = lambda: fs["jax"](*args).block_until_ready()
        primal["jax-jit"] = lambda: f_jit(*args).block_until_ready()
        grad["jax"] = lambda: g_eager(*args).block_until_ready()
        grad["jax-jit"] = lambda: g_jit(*args).block_until_ready()
    if "torch" in fs:
        Xt, f_t = peers.torch.from_numpy(X), fs["torch"]
        primal["torch"] = lambda: f_t(Xt)
        grad["torch"] = torch_grad(peers.torch, f_t, Xt)
    return primal, grad


def run(cfg: Config, peers) -> WorkloadResult:
    """Measure W2 at each size; target grad / primal at the largest."""
    wr = WorkloadResult("W2", "cheap gradient: f(X) = sum(tanh(A @ X) @ B)", rtol=cfg.rtol)
    for n in cfg.w2_sizes:
        A, B, X = make_inputs(n, cfg.seed)
        primal, grad = _calls(A, B, X, peers)
        p_row, g_row = wr.row(f"primal, n={n}", "ms"), wr.row(f"grad, n={n}", "ms")
        outputs = timed_rows(wr, [(p_row, primal, 1e3), (g_row, grad, 1e3)], cfg)[1]
        wr.agree(f"grad n={n}", outputs["hand"],
                 {b: o for b, o in outputs.items() if b != "hand"})
        wr.ratio_row(f"grad / primal, n={n}", g_row, p_row)
    n = cfg.w2_sizes[-1]
    r = wr.find(f"grad / primal, n={n}").values
    wr.target(f"grad / primal, n={n}", r.get("linad"), 1.6)
    eager = [r[b] for b in ("autograd", "jax", "torch") if b in r]
    wr.target(f"grad / primal, n={n}, below every eager peer (limit: best peer)",
              r.get("linad"), min(eager) if eager else None)
    wr.jit_over_eager_target(f"grad / primal, n={n}", r)
    wr.notes.append("jax-jit gets A and B as arguments, not closed-over constants, so XLA "
                    "cannot fold products of constants at compile time")
    wr.notes.append("linad-jit: linad.jit(f) and linad.jit(linad.grad(f)), A and B closed over "
                    "(constants of the staged program); its target divides its grad / primal "
                    "by eager linad's")
    wr.notes.append("hand-written gradient: A.T @ ((1 - T^2) * rowsum(B)), two n^3 products "
                    "(the same as the primal); grad / primal uses each backend's own primal")
    return wr
