"""W3 — matrix functions.

``f(X) = logdet(M) + trace(inv(M) @ C)`` with ``M = X X^T + I``, n x n.  With
``W = inv(M)`` (symmetric) the gradient is ``(G + G^T) X`` where
``G = W - W C^T W``; the hand-written gradient factorises ``M`` once.
Reported: primal and gradient times and gradient / primal per backend
(``linad-jit`` is ``linad.jit(f)`` and ``linad.jit(linad.grad(f))``, ``C``
closed over).
"""
from __future__ import annotations

import numpy as np

from .harness import Config, WorkloadResult, timed_rows
from .peers import torch_grad

__all__ = ["make_inputs", "f_numpy", "hand_grad", "run"]


def make_inputs(n: int, seed: int) -> tuple:
    rng = np.random.default_rng(seed + 3)
    return rng.standard_normal((n, n)) / np.sqrt(n), rng.standard_normal((n, n))


def f_numpy(X: np.ndarray, C: np.ndarray) -> float:
    """The primal in plain NumPy, written as the formula reads."""
    M = X @ X.T + np.eye(len(X))
    return np.linalg.slogdet(M)[1] + np.trace(np.linalg.inv(M) @ C)


def hand_grad(X: np.ndarray, C: np.ndarray) -> np.ndarray:
    """One inverse shared by both terms: ``(G + G^T) X`` with ``G = W - W C^T W``."""
    M = X @ X.T + np.eye(len(X))
    W = np.linalg.inv(M)
    G = W - W @ C.T @ W
    return (G + G.T) @ X


def _linad_f(C):
    import linad.numpy as lnp
    if not hasattr(lnp.linalg, "slogdet"):
        return None

    def f(X):
        M = X @ X.T + np.eye(X.shape[0])
        return lnp.linalg.slogdet(M)[1] + lnp.trace(lnp.linalg.inv(M) @ C)
    return f


def _calls(X, C, peers, wr) -> tuple[dict, dict]:
    import linad
    n = len(X)
    primal = {"hand": lambda: f_numpy(X, C)}
    grad = {"hand": lambda: hand_grad(X, C)}
    f_lin = _linad_f(C)
    if f_lin is None:
        wr.skipped["linad"] = ("linad.numpy.linalg.slogdet does not exist yet (being added by "
                               "the linalg helper); W3 for linad runs once it does")
    else:
        g_lin = linad.grad(f_lin)
        primal["linad"] = lambda: f_lin(X)
        grad["linad"] = lambda: g_lin(X)
        f_lin_jit, g_lin_jit = linad.jit(f_lin), linad.jit(g_lin)
        primal["linad-jit"] = lambda: f_lin_jit(X)
        grad["linad-jit"] = lambda: g_lin_jit(X)
    if peers.autograd is not None:
        anp = peers.anp

        def f_ag(X):
            M = anp.dot(X, X.T) + np.eye(n)
            return anp.linalg.slogdet(M)[1] + anp.trace(anp.dot(anp.linalg.inv(M), C))
        g_ag = peers.autograd.grad(f_ag)
        primal["autograd"] = lambda: f_ag(X)
        grad["autograd"] = lambda: g_ag(X)
    if peers.jax is not None:
        jax, jnp = peers.jax, peers.jnp
        args = (jnp.asarray(X), jnp.asarray(C), jnp.eye(n))  # constants as arguments

        def f_j(X, C, I):
            M = X @ X.T + I
            return jnp.linalg.slogdet(M)[1] + jnp.trace(jnp.linalg.inv(M) @ C)
        f_jit, g_j = jax.jit(f_j), jax.grad(f_j)
        g_jit = jax.jit(g_j)
        primal["jax"] = lambda: f_j(*args).block_until_ready()
        primal["jax-jit"] = lambda: f_jit(*args).block_until_ready()
        grad["jax"] = lambda: g_j(*args).block_until_ready()
        grad["jax-jit"] = lambda: g_jit(*args).block_until_ready()
    if peers.torch is not None:
        torch = peers.torch
        Ct, It, Xt = torch.from_numpy(C), torch.eye(n, dtype=torch.float64), torch.from_numpy(X)

        def f_t(X):
            M = X @ X.T + It
            return torch.linalg.slogdet(M)[1] + torch.trace(torch.linalg.inv(M) @ Ct)
        primal["torch"] = lambda: f_t(Xt)
        grad["torch"] = torch_grad(torch, f_t, Xt)
    return primal, grad


def run(cfg: Config, peers) -> WorkloadResult:
    """Measure W3; target linad's grad / primal."""
    n = cfg.w3_size
    wr = WorkloadResult("W3", "matrix functions: f(X) = logdet(X X^T + I) + "
                        "trace(inv(X X^T + I) @ C)", rtol=cfg.rtol)
    X, C = make_inputs(n, cfg.seed)
    primal, grad = _calls(X, C, peers, wr)
    p_row, g_row = wr.row(f"primal, n={n}", "ms"), wr.row(f"grad, n={n}", "ms")
    outputs = timed_rows(wr, [(p_row, primal, 1e3), (g_row, grad, 1e3)], cfg)[1]
    wr.agree(f"grad n={n}", outputs["hand"], {b: o for b, o in outputs.items() if b != "hand"})
    ratio = wr.ratio_row(f"grad / primal, n={n}", g_row, p_row)
    wr.target(f"grad / primal, n={n}", ratio.values.get("linad"), 1.8)
    wr.jit_over_eager_target(f"grad / primal, n={n}", ratio.values)
    wr.notes.append("linad-jit: linad.jit(f) and linad.jit(linad.grad(f)), C closed over "
                    "(a constant of the staged program); its target divides its grad / primal "
                    "by eager linad's")
    return wr
