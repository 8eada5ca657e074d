"""W8 — a small neural network: two tanh hidden layers, softmax cross-entropy.

The parameters are a pytree, ``{"W1", "b1", "W2", "b2", "W3", "b3"}``; a
batch of ``m`` inputs of ``d`` features goes through widths ``h, h`` to ``c``
classes, and the loss is the mean cross-entropy against one-hot labels ``Y``::

    H1 = tanh(X W1 + b1);  H2 = tanh(H1 W2 + b2);  Z = H2 W3 + b3
    loss = -sum(Y * log_softmax(Z)) / m

The linad version is written with plain ``np`` functions on traced values (the
NumPy-dispatch path a new user takes).  The hand-written gradient is
backpropagation: ``dZ = (softmax(Z) - Y) / m``, then the transposed products
layer by layer.  Reported: primal and gradient times per backend and the
targets of a real-model workload.
"""
from __future__ import annotations

import numpy as np

from .harness import Config, WorkloadResult, as_numpy, timed_rows

__all__ = ["make_inputs", "loss_numpy", "hand_grad", "flat", "run"]

KEYS = ("W1", "b1", "W2", "b2", "W3", "b3")


def make_inputs(m: int, d: int, h: int, c: int, seed: int) -> tuple:
    """Glorot-scaled parameters, a batch ``X`` and one-hot labels ``Y``."""
    rng = np.random.default_rng(seed + 8)
    sizes = ((d, h), (h, h), (h, c))
    params = {}
    for i, (a, b) in enumerate(sizes, start=1):
        params[f"W{i}"] = rng.standard_normal((a, b)) * np.sqrt(2.0 / (a + b))
        params[f"b{i}"] = 0.1 * rng.standard_normal(b)
    X = rng.standard_normal((m, d))
    Y = np.eye(c)[rng.integers(0, c, size=m)]
    return params, X, Y


def loss_numpy(params: dict, X: np.ndarray, Y: np.ndarray):
    """The loss, written once with ``np`` functions (linad traces it through dispatch)."""
    H1 = np.tanh(X @ params["W1"] + params["b1"])
    H2 = np.tanh(H1 @ params["W2"] + params["b2"])
    Z = H2 @ params["W3"] + params["b3"]
    Z = Z - np.max(Z, axis=1, keepdims=True)
    logp = Z - np.log(np.sum(np.exp(Z), axis=1, keepdims=True))
    return -np.sum(Y * logp) / X.shape[0]


def hand_grad(params: dict, X: np.ndarray, Y: np.ndarray) -> dict:
    """Backpropagation through the three layers."""
    W2, W3 = params["W2"], params["W3"]
    H1 = np.tanh(X @ params["W1"] + params["b1"])
    H2 = np.tanh(H1 @ W2 + params["b2"])
    Z = H2 @ W3 + params["b3"]
    E = np.exp(Z - np.max(Z, axis=1, keepdims=True))
    dZ = (E / np.sum(E, axis=1, keepdims=True) - Y) / X.shape[0]
    dA2 = (dZ @ W3.T) * (1.0 - H2 * H2)
    dA1 = (dA2 @ W2.T) * (1.0 - H1 * H1)
    return {"W1": X.T @ dA1, "b1": dA1.sum(axis=0), "W2": H1.T @ dA2, "b2": dA2.sum(axis=0),
            "W3": H2.T @ dZ, "b3": dZ.sum(axis=0)}


def flat(tree) -> np.ndarray:
    """The leaves of a parameter dict (any backend's arrays), in ``KEYS`` order, as one vector."""
    return np.concatenate([as_numpy(tree[k]).ravel() for k in KEYS])


def _autograd_loss(anp):
    def loss(params, X, Y):
        H1 = anp.tanh(anp.dot(X, params["W1"]) + params["b1"])
        H2 = anp.tanh(anp.dot(H1, params["W2"]) + params["b2"])
        Z = anp.dot(H2, params["W3"]) + params["b3"]
        Z = Z - anp.max(Z, axis=1, keepdims=True)
        logp = Z - anp.log(anp.sum(anp.exp(Z), axis=1, keepdims=True))
        return -anp.sum(Y * logp) / X.shape[0]
    return loss


def _jax_loss(jnp):
    def loss(params, X, Y):
        H1 = jnp.tanh(X @ params["W1"] + params["b1"])
        H2 = jnp.tanh(H1 @ params["W2"] + params["b2"])
        Z = H2 @ params["W3"] + params["b3"]
        Z = Z - jnp.max(Z, axis=1, keepdims=True)
        logp = Z - jnp.log(jnp.sum(jnp.exp(Z), axis=1, keepdims=True))
        return -jnp.sum(Y * logp) / X.shape[0]
    return loss


def _torch_calls(torch, params, X, Y) -> tuple:
    pt = {k: torch.from_numpy(v) for k, v in params.items()}
    Xt, Yt = torch.from_numpy(X), torch.from_numpy(Y)

    def loss(p):
        H1 = torch.tanh(Xt @ p["W1"] + p["b1"])
        H2 = torch.tanh(H1 @ p["W2"] + p["b2"])
        Z = H2 @ p["W3"] + p["b3"]
        return -(Yt * torch.log_softmax(Z, dim=1)).sum() / Xt.shape[0]

    def grad():
        p = {k: v.detach().requires_grad_(True) for k, v in pt.items()}
        gs = torch.autograd.grad(loss(p), [p[k] for k in KEYS])
        return dict(zip(KEYS, gs))
    return (lambda: loss(pt)), grad


def _calls(params, X, Y, peers, wr) -> tuple[dict, dict]:
    import linad

    def f(p):
        return loss_numpy(p, X, Y)
    g = linad.grad(f)
    f_jit, g_jit = linad.jit(f), linad.jit(g)
    primal = {"hand": lambda: f(params), "linad-jit": lambda: f_jit(params)}
    grad = {"hand": lambda: hand_grad(params, X, Y), "linad": lambda: g(params),
            "linad-jit": lambda: g_jit(params)}
    if peers.autograd is not None:
        f_ag = _autograd_loss(peers.anp)
        g_ag = peers.autograd.grad(f_ag)
        primal["autograd"] = lambda: f_ag(params, X, Y)
        grad["autograd"] = lambda: g_ag(params, X, Y)
    if peers.jax is not None:
        jax, jnp = peers.jax, peers.jnp
        f_j = _jax_loss(jnp)
        pj = {k: jnp.asarray(v) for k, v in params.items()}
        Xj, Yj = jnp.asarray(X), jnp.asarray(Y)
        fj_jit, gj, gj_jit = jax.jit(f_j), jax.grad(f_j), jax.jit(jax.grad(f_j))
        primal["jax"] = lambda: f_j(pj, Xj, Yj).block_until_ready()
        primal["jax-jit"] = lambda: fj_jit(pj, Xj, Yj).block_until_ready()
        grad["jax"] = lambda: jax.block_until_ready(gj(pj, Xj, Yj))
        grad["jax-jit"] = lambda: jax.block_until_ready(gj_jit(pj, Xj, Yj))
    if peers.torch is not None:
        primal["torch"], grad["torch"] = _torch_calls(peers.torch, params, X, Y)
    wr.notes.append("the loss is written once with np functions; the primal of the hand and "
                    "linad columns is the same NumPy call (linad's primal is NumPy's), so the "
                    "primal row has no linad column")
    wr.notes.append("linad: linad.grad(f) of a dict of arrays; linad-jit: linad.jit(f), "
                    "linad.jit(linad.grad(f)); X, Y closed over; torch uses log_softmax")
    return primal, grad


def run(cfg: Config, peers) -> WorkloadResult:
    """Measure W8 at ``cfg.w8_shape = (batch, features, width, classes)``."""
    m, d, h, c = cfg.w8_shape
    wr = WorkloadResult("W8", f"MLP {d}-{h}-{h}-{c}, tanh, softmax cross-entropy, batch {m}",
                        rtol=cfg.rtol)
    params, X, Y = make_inputs(m, d, h, c, cfg.seed)
    primal, grad = _calls(params, X, Y, peers, wr)
    p_row, g_row = wr.row("primal", "ms"), wr.row("grad", "ms")
    out_p, out_g = timed_rows(wr, [(p_row, primal, 1e3), (g_row, grad, 1e3)], cfg)
    wr.agree("primal", out_p["hand"], {b: o for b, o in out_p.items() if b != "hand"})
    ref = flat(out_g["hand"])
    wr.agree("grad", ref, {b: flat(o) for b, o in out_g.items() if b != "hand"})
    wr.model_targets("grad", g_row)
    return wr
