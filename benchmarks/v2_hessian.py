"""V2 — full Hessians.

Two scalar functions, each Hessian compared with a hand-written NumPy one:

* ``f(X) = sum((X^T X)**2)`` (the square of W5's ``X^T X``), X m x k (30 x 20 in
  the full run): the gradient is ``4 X S`` with ``S = X^T X``, and the Hessian,
  shape ``(m, k, m, k)``, has the closed form
  ``H[p, q, r, s] = 4 (delta_pr S[s, q] + X[p, s] X[r, q] + (X X^T)[p, r] delta_qs)``
  (:func:`gram_hessian`);
* W3's ``f(X) = logdet(M) + trace(inv(M) @ C)``, ``M = X X^T + I``, at n = 30:
  no closed form is practical, so the reference is a hand-written
  Hessian-vector product (:func:`w3_hvp`, batched matmuls) applied to all ``n^2``
  identity directions at once (:func:`w3_hessian`).

``linad`` is ``linad.hessian(f)`` (forward over reverse), ``linad-jit`` its
``linad.jit``; the peers are ``jax.hessian`` (and its ``jax.jit``) and
``torch.func.hessian``.
"""
from __future__ import annotations

import numpy as np

from .harness import Config, WorkloadResult, timed_rows
from .w3_matrix_functions import _linad_f, make_inputs

__all__ = ["SIZES", "gram_hessian", "w3_hvp", "w3_hessian", "run"]

#: ``mode -> (shape of X for the Gram function, n for W3's function)``.
SIZES = {"full": ((30, 20), 30), "quick": ((20, 10), 15), "tiny": ((4, 3), 4)}


def gram_hessian(X: np.ndarray) -> np.ndarray:
    """The closed-form Hessian of ``X -> sum((X^T X)**2)``, shape ``X.shape + X.shape``.

    Examples
    --------
    >>> gram_hessian(np.array([[2.0]]))   # f(x) = x**4, f''(2) = 12 * 4
    array([[[[48.]]]])
    """
    m, k = X.shape
    S, T = X.T @ X, X @ X.T
    return 4.0 * (np.einsum("pr,sq->pqrs", np.eye(m), S) + np.einsum("ps,rq->pqrs", X, X)
                  + np.einsum("pr,qs->pqrs", T, np.eye(k)))


def w3_hvp(X: np.ndarray, C: np.ndarray, V: np.ndarray) -> np.ndarray:
    """Hessian of W3's ``f`` at ``X`` times each direction of the stack ``V`` (``(B, n, n)``).

    With ``W = inv(M)``, ``G = W - W C^T W`` the gradient is ``(G + G^T) X``; its
    derivative along ``V`` is ``(dG + dG^T) X + (G + G^T) V`` with
    ``dM = V X^T + X V^T``, ``dW = -W dM W``, ``dG = dW - dW C^T W - W C^T dW``.
    """
    W = np.linalg.inv(X @ X.T + np.eye(len(X)))
    WCt = W @ C.T
    G = W - WCt @ W
    VXt = V @ X.T
    dM = VXt + np.swapaxes(VXt, -1, -2)
    dW = -(W @ dM @ W)
    dG = dW - dW @ (C.T @ W) - WCt @ dW
    return (dG + np.swapaxes(dG, -1, -2)) @ X + (G + G.T) @ V


def w3_hessian(X: np.ndarray, C: np.ndarray) -> np.ndarray:
    """The Hessian of W3's ``f``, shape ``(n, n, n, n)``: :func:`w3_hvp` on the identity basis.

    Examples
    --------
    >>> X, C = make_inputs(3, 0)
    >>> H = w3_hessian(X, C)
    >>> H.shape, bool(np.allclose(H, H.transpose(2, 3, 0, 1)))
    ((3, 3, 3, 3), True)
    """
    n = X.shape[0] * X.shape[1]
    HV = w3_hvp(X, C, np.eye(n).reshape((n,) + X.shape))   # HV[a] = H @ e_a
    return np.moveaxis(HV, 0, -1).reshape(X.shape + X.shape)


def _gram_calls(X, peers) -> dict:
    import linad
    import linad.numpy as lnp
    h = linad.hessian(lambda X: lnp.sum((X.T @ X) ** 2))
    h_jit = linad.jit(h)
    calls = {"hand": lambda: gram_hessian(X), "linad": lambda: h(X),
             "linad-jit": lambda: h_jit(X)}
    if peers.jax is not None:
        jax, jnp = peers.jax, peers.jnp
        hj = jax.hessian(lambda X: jnp.sum((X.T @ X) ** 2))
        hj_jit, Xj = jax.jit(hj), jnp.asarray(X)
        calls["jax"] = lambda: hj(Xj).block_until_ready()
        calls["jax-jit"] = lambda: hj_jit(Xj).block_until_ready()
    if peers.torch is not None:
        torch = peers.torch
        ht, Xt = torch.func.hessian(lambda X: torch.sum((X.T @ X) ** 2)), torch.from_numpy(X)
        calls["torch"] = lambda: ht(Xt)
    return calls


def _w3_calls(X, C, peers, wr) -> dict:
    import linad
    calls = {"hand": lambda: w3_hessian(X, C)}
    f = _linad_f(C)
    if f is None:
        wr.skipped["linad (W3's f)"] = "linad.numpy.linalg.slogdet does not exist"
    else:
        h = linad.hessian(f)
        h_jit = linad.jit(h)
        calls["linad"] = lambda: h(X)
        calls["linad-jit"] = lambda: h_jit(X)
    n = len(X)
    if peers.jax is not None:
        jax, jnp = peers.jax, peers.jnp
        Cj, Ij, Xj = jnp.asarray(C), jnp.eye(n), jnp.asarray(X)

        def f_j(X):
            M = X @ X.T + Ij
            return jnp.linalg.slogdet(M)[1] + jnp.trace(jnp.linalg.inv(M) @ Cj)
        hj = jax.hessian(f_j)
        hj_jit = jax.jit(hj)
        calls["jax"] = lambda: hj(Xj).block_until_ready()
        calls["jax-jit"] = lambda: hj_jit(Xj).block_until_ready()
    if peers.torch is not None:
        torch = peers.torch
        Ct, It, Xt = torch.from_numpy(C), torch.eye(n, dtype=torch.float64), torch.from_numpy(X)

        def f_t(X):
            M = X @ X.T + It
            return torch.linalg.slogdet(M)[1] + torch.trace(torch.linalg.inv(M) @ Ct)
        ht = torch.func.hessian(f_t)
        calls["torch"] = lambda: ht(Xt)
    return calls


def run(cfg: Config, peers) -> WorkloadResult:
    """Measure V2; target linad's Hessian against the hand-written one, per function."""
    (m, k), n = SIZES.get(cfg.mode, SIZES["full"])
    wr = WorkloadResult("V2", f"Hessians: sum((X^T X)^2), X {m}x{k}; W3's f at n={n}",
                        rtol=cfg.rtol)
    X = np.random.default_rng(cfg.seed + 102).standard_normal((m, k))
    X3, C3 = make_inputs(n, cfg.seed)
    rows = [wr.row(f"hessian of sum((X^T X)^2), X {m}x{k}", "ms"),
            wr.row(f"hessian of W3's f, n={n}", "ms")]
    specs = [(rows[0], _gram_calls(X, peers), 1e3), (rows[1], _w3_calls(X3, C3, peers, wr), 1e3)]
    for row, out in zip(rows, timed_rows(wr, specs, cfg)):
        if "hand" in out:
            wr.agree(row.label, out["hand"], {b: o for b, o in out.items() if b != "hand"})
    wr.target(f"{rows[0].label}: linad / closed form", rows[0].linad_over().get("hand"), 2.0)
    wr.target(f"{rows[1].label}: linad / hand HVP on the basis",
              rows[1].linad_over().get("hand"), 2.0)
    wr.notes.append("hand: the closed form (Gram function) and a hand-written HVP applied to "
                    "the n^2 identity directions as one stack of matmuls (W3's f); linad = "
                    "linad.hessian, linad-jit = linad.jit(linad.hessian(f))")
    return wr
