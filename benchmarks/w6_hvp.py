"""W6 — Hessian-vector product.

``f(x) = sum(log(1 + exp(A x)))`` with ``A`` of shape m x n.  With
``s = sigmoid(A x)``: ``grad = A^T s`` and ``H v = A^T (s (1 - s) (A v))``, so
a hand-written HVP costs three matrix-vector products against the gradient's
two.  Reported: grad and HVP times and HVP / grad per backend (forward over
reverse where the backend has forward mode).  ``linad-jit`` is
``linad.jit(linad.grad(f))`` and ``linad.jit`` of ``linad.hvp``, with ``A``
closed over as in the ``linad`` column (a constant of the staged program).
"""
from __future__ import annotations

import numpy as np

from .harness import Config, WorkloadResult, timed_rows
from .peers import torch_grad

__all__ = ["make_inputs", "hand_grad", "hand_hvp", "run"]


def make_inputs(m: int, n: int, seed: int) -> tuple:
    rng = np.random.default_rng(seed + 6)
    return (rng.standard_normal((m, n)) / np.sqrt(n), rng.standard_normal(n),
            rng.standard_normal(n))


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-z))


def hand_grad(A: np.ndarray, x: np.ndarray) -> np.ndarray:
    return A.T @ _sigmoid(A @ x)


def hand_hvp(A: np.ndarray, x: np.ndarray, v: np.ndarray) -> np.ndarray:
    s = _sigmoid(A @ x)
    return A.T @ (s * (1.0 - s) * (A @ v))


def _unwrap_hvp(r):
    """``linad.hvp`` may return the product, a 1-tuple, or ``(grad, product)``."""
    while isinstance(r, (tuple, list)) and len(r) == 1:
        r = r[0]
    if isinstance(r, (tuple, list)) and len(r) == 2:
        r = r[1]
    return r


def _linad_calls(A, x, v, wr) -> tuple:
    import linad
    import linad.numpy as lnp

    def f(x):
        return lnp.sum(lnp.log(1.0 + lnp.exp(A @ x)))
    g = linad.grad(f)
    if hasattr(linad, "hvp"):
        hvp = lambda: _unwrap_hvp(linad.hvp(f, (x,), (v,)))  # noqa: E731
        wr.notes.append("linad: linad.hvp(f, (x,), (v,))")
    else:
        hvp = lambda: linad.jvp(g, (x,), (v,))[1]  # noqa: E731
        wr.notes.append("linad: linad.hvp does not exist yet; measured jvp(grad(f)) "
                        "(forward over reverse)")
    return (lambda: g(x)), hvp


def _linad_jit_calls(A, x, v, wr) -> tuple:
    """``jit(grad(f))`` and ``jit`` of the HVP, ``A`` closed over (a program constant)."""
    import linad
    import linad.numpy as lnp

    def f(x):
        return lnp.sum(lnp.log(1.0 + lnp.exp(A @ x)))
    g = linad.jit(linad.grad(f))
    h = linad.jit(lambda x, v: linad.hvp(f, (x,), (v,)))
    wr.notes.append("linad-jit: linad.jit(linad.grad(f)) and "
                    "linad.jit(lambda x, v: linad.hvp(f, (x,), (v,))), A closed over (a "
                    "constant of the staged program, as in the linad column)")
    return (lambda: g(x)), (lambda: _unwrap_hvp(h(x, v)))


def _calls(A, x, v, peers, wr) -> tuple[dict, dict]:
    grad = {"hand": lambda: hand_grad(A, x)}
    hvp = {"hand": lambda: hand_hvp(A, x, v)}
    grad["linad"], hvp["linad"] = _linad_calls(A, x, v, wr)
    grad["linad-jit"], hvp["linad-jit"] = _linad_jit_calls(A, x, v, wr)
    if peers.autograd is not None:
        anp = peers.anp

        def f_ag(x):
            return anp.sum(anp.log(1.0 + anp.exp(anp.dot(A, x))))
        g_ag, h_ag = peers.autograd.grad(f_ag), peers.autograd.hessian_tensor_product(f_ag)
        grad["autograd"] = lambda: g_ag(x)
        hvp["autograd"] = lambda: h_ag(x, v)
        wr.notes.append("autograd has no forward-over-reverse HVP: hessian_tensor_product "
                        "(reverse over reverse)")
    if peers.jax is not None:
        jax, jnp = peers.jax, peers.jnp
        Aj, xj, vj = jnp.asarray(A), jnp.asarray(x), jnp.asarray(v)

        def f_j(x, A):  # A is an argument, so jit cannot fold it as a constant
            return jnp.sum(jnp.log(1.0 + jnp.exp(A @ x)))
        g_j = jax.grad(f_j)

        def h_j(x, v, A):
            return jax.jvp(lambda y: g_j(y, A), (x,), (v,))[1]
        g_jit, h_jit = jax.jit(g_j), jax.jit(h_j)
        grad["jax"] = lambda: g_j(xj, Aj).block_until_ready()
        grad["jax-jit"] = lambda: g_jit(xj, Aj).block_until_ready()
        hvp["jax"] = lambda: h_j(xj, vj, Aj).block_until_ready()
        hvp["jax-jit"] = lambda: h_jit(xj, vj, Aj).block_until_ready()
    if peers.torch is not None:
        torch = peers.torch
        At, xt, vt = torch.from_numpy(A), torch.from_numpy(x), torch.from_numpy(v)

        def f_t(x):
            return torch.sum(torch.log(1.0 + torch.exp(At @ x)))
        grad["torch"] = torch_grad(torch, f_t, xt)
        hvp["torch"] = lambda: torch.func.jvp(torch.func.grad(f_t), (xt,), (vt,))[1]
    return grad, hvp


def run(cfg: Config, peers) -> WorkloadResult:
    """Measure W6; target linad's hvp / grad."""
    m, n = cfg.w6_shape
    wr = WorkloadResult("W6", f"Hessian-vector product of sum(log(1 + exp(A x))), A {m}x{n}",
                        rtol=cfg.rtol)
    A, x, v = make_inputs(m, n, cfg.seed)
    grad, hvp = _calls(A, x, v, peers, wr)
    p_row, g_row, h_row = wr.row("primal", "ms"), wr.row("grad", "ms"), wr.row("hvp", "ms")
    primal = {"hand": lambda: np.sum(np.log(1.0 + np.exp(A @ x)))}
    _, out_g, out_h = timed_rows(
        wr, [(p_row, primal, 1e3), (g_row, grad, 1e3), (h_row, hvp, 1e3)], cfg)
    by_primal = wr.row("grad / NumPy primal", "x", kind="ratio")
    by_primal.values = {b: t / p_row.values["hand"] for b, t in g_row.values.items()}
    wr.notes.append("primal: the NumPy function (linad on NumPy arrays runs the same calls)")
    wr.agree("grad", out_g["hand"], {b: o for b, o in out_g.items() if b != "hand"})
    wr.agree("hvp", out_h["hand"], {b: o for b, o in out_h.items() if b != "hand"})
    ratio = wr.ratio_row("hvp / grad", h_row, g_row)
    wr.target("hvp / grad", ratio.values.get("linad"), 1.6)
    wr.target("grad / primal", by_primal.values.get("linad"), 2.0)
    wr.target("jit(grad) / hand grad", g_row.over("linad-jit").get("hand"), 1.2)
    wr.target("jit(hvp) / jit(grad)", ratio.values.get("linad-jit"), 1.6)
    return wr
