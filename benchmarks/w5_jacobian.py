"""W5 — a full Jacobian.

``F(X) = X^T X`` with ``X`` of shape m x k; the Jacobian has shape
``(k, k, m, k)`` (output shape + input shape) and the closed form
``J[i, j, p, q] = delta_iq X[p, j] + X[p, i] delta_jq``.  Forward mode pushes
``m k`` basis tangents through the program, reverse mode ``k^2`` basis
cotangents; both should run batched (one pass), not in a loop.

Two hand-written references: ``hand`` evaluates the closed form as written,
two outer products with the identity (:func:`closed_form`, about 0.6 ms on the
reference machine: the targets use it), and ``hand-fast`` writes the nonzeros
into an array of zeros (:func:`closed_form_scatter`, shown for information).
"""
from __future__ import annotations

import numpy as np

from .harness import Config, WorkloadResult, timed_rows

__all__ = ["closed_form", "closed_form_scatter", "run"]


def closed_form(X: np.ndarray) -> np.ndarray:
    """The Jacobian of ``X -> X.T @ X``, shape ``(k, k, m, k)``, as the formula reads."""
    eye = np.eye(X.shape[1])
    return np.einsum("iq,pj->ijpq", eye, X) + np.einsum("pi,jq->ijpq", X, eye)


def closed_form_scatter(X: np.ndarray) -> np.ndarray:
    """The same Jacobian, written as its nonzeros into an array of zeros."""
    m, k = X.shape
    J = np.zeros((k, k, m, k), X.dtype)
    d = np.arange(k)
    J[d, :, :, d] = X.T          # J[i, j, p, i] = X[p, j]
    J[:, d, :, d] += X.T         # J[i, j, p, j] += X[p, i]
    return J


def _calls(X, peers, wr) -> dict:
    import linad
    calls = {mode: {"hand": lambda: closed_form(X), "hand-fast": lambda: closed_form_scatter(X)}
             for mode in ("jacfwd", "jacrev")}
    for mode in ("jacfwd", "jacrev"):
        jac = getattr(linad, mode, None)
        if jac is None:
            wr.skipped[f"linad ({mode})"] = (f"linad.{mode} does not exist yet (being written "
                                             "by the jacobians helper)")
        else:
            j = jac(lambda X: X.T @ X)
            calls[mode]["linad"] = lambda j=j: j(X)
    if peers.autograd is not None:
        j_ag = peers.autograd.jacobian(lambda X: X.T @ X)
        calls["jacrev"]["autograd"] = lambda: j_ag(X)
    if peers.jax is not None:
        jax, Xj = peers.jax, peers.jnp.asarray(X)
        for mode in ("jacfwd", "jacrev"):
            j = getattr(jax, mode)(lambda X: X.T @ X)
            jj = jax.jit(j)
            calls[mode]["jax"] = lambda j=j: j(Xj).block_until_ready()
            calls[mode]["jax-jit"] = lambda jj=jj: jj(Xj).block_until_ready()
    if peers.torch is not None:
        torch, Xt = peers.torch, peers.torch.from_numpy(X)
        for mode in ("jacfwd", "jacrev"):
            j = getattr(torch.func, mode)(lambda X: X.T @ X)
            calls[mode]["torch"] = lambda j=j: j(Xt)
    return calls


def run(cfg: Config, peers) -> WorkloadResult:
    """Measure W5; targets jacfwd and jacrev against the closed form."""
    m, k = cfg.w5_shape
    wr = WorkloadResult("W5", f"full Jacobian of X -> X^T X, X {m}x{k} "
                        f"(a {k}x{k}x{m}x{k} array)", rtol=cfg.rtol)
    X = np.random.default_rng(cfg.seed + 5).standard_normal((m, k))
    calls = _calls(X, peers, wr)
    rows = [wr.row(mode, "ms") for mode in ("jacfwd", "jacrev")]
    outs = timed_rows(wr, [(row, calls[row.label], 1e3) for row in rows], cfg)
    for row, out in zip(rows, outs):
        mode = row.label
        wr.agree(mode, out["hand"], {b: o for b, o in out.items() if b != "hand"})
        wr.target(f"{mode} linad / closed form", row.linad_over().get("hand"), 2.0)
    wr.notes.append("the hand columns do the same computation on both rows: hand is the closed "
                    "form as written (two outer products, the targets' reference), hand-fast "
                    "writes its nonzeros into zeros; autograd has reverse mode only")
    return wr
