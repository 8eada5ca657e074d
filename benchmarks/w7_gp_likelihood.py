"""W7 — Gaussian-process negative log-likelihood in the kernel hyperparameters.

With squared distances ``D`` between ``n`` inputs, the squared-exponential
kernel ``K = s_f exp(-D / (2 l^2)) + s_n I`` and the hyperparameters on a log
scale, ``theta = log(l, s_f, s_n)``, the likelihood of Rasmussen & Williams'
algorithm 2.1 is::

    L = cholesky(K);  alpha = L^T \\ (L \\ y)
    nll(theta) = y^T alpha / 2 + sum(log(diag(L))) + n log(2 pi) / 2

The hand-written gradient is the closed form (R&W eq. 5.9, Giles 2008):
``d nll / d theta_i = tr((K^{-1} - alpha alpha^T) dK/dtheta_i) / 2`` with
``dK/dlog l = K_f * D / l^2``, ``dK/dlog s_f = K_f`` and ``dK/dlog s_n = s_n I``;
``K^{-1}`` comes from the Cholesky factor (``cho_solve(L, I)``, as GPML's
``solve_chol(L, eye(n))``).  Reported: primal and gradient times per backend,
gradient / primal, and the targets of a real-model workload.
"""
from __future__ import annotations

import numpy as np
import scipy.linalg as sla

from .harness import Config, WorkloadResult, timed_rows
from .peers import torch_grad

__all__ = ["make_inputs", "nll_numpy", "hand_value_and_grad", "nll_linad", "run"]

_LOG_2PI = float(np.log(2.0 * np.pi))


def make_inputs(n: int, seed: int) -> tuple:
    """Squared distances ``D`` of ``n`` points in 2-D, targets ``y`` and a start ``theta``."""
    rng = np.random.default_rng(seed + 7)
    X = rng.uniform(-3.0, 3.0, size=(n, 2))
    D = np.sum((X[:, None, :] - X[None, :, :]) ** 2, axis=-1)
    y = np.sin(X[:, 0]) * np.cos(X[:, 1]) + 0.1 * rng.standard_normal(n)
    theta = np.log(np.array([0.8, 1.2, 0.05]))
    return D, y, theta


def nll_numpy(D: np.ndarray, y: np.ndarray, theta: np.ndarray) -> float:
    """The primal in plain NumPy/SciPy."""
    ell, sf2, sn2 = np.exp(theta)
    K = sf2 * np.exp(-0.5 * D / ell ** 2) + sn2 * np.eye(len(y))
    L = np.linalg.cholesky(K)
    alpha = sla.solve_triangular(L.T, sla.solve_triangular(L, y, lower=True), lower=False)
    return 0.5 * y @ alpha + np.sum(np.log(np.diag(L))) + 0.5 * len(y) * _LOG_2PI


def hand_value_and_grad(D: np.ndarray, y: np.ndarray, theta: np.ndarray) -> tuple:
    """Value and closed-form gradient ``tr((K^-1 - alpha alpha^T) dK/dtheta_i) / 2``."""
    n = len(y)
    ell, sf2, sn2 = np.exp(theta)
    Kf = sf2 * np.exp(-0.5 * D / ell ** 2)
    L = np.linalg.cholesky(Kf + sn2 * np.eye(n))
    alpha = sla.cho_solve((L, True), y)
    W = sla.cho_solve((L, True), np.eye(n)) - np.outer(alpha, alpha)
    WKf = W * Kf
    grad = 0.5 * np.array([np.sum(WKf * D) / ell ** 2, np.sum(WKf), sn2 * np.trace(W)])
    value = 0.5 * y @ alpha + np.sum(np.log(np.diag(L))) + 0.5 * n * _LOG_2PI
    return value, grad


def nll_linad(D: np.ndarray, y: np.ndarray):
    """``theta -> nll(theta)`` written with ``linad.numpy`` / ``linad.scipy`` (D, y closed over)."""
    import linad.numpy as lnp
    from linad.scipy.linalg import solve_triangular
    n, eye = len(y), np.eye(len(y))

    def nll(theta):
        p = lnp.exp(theta)
        ell, sf2, sn2 = p[0], p[1], p[2]
        K = sf2 * lnp.exp(-0.5 * D / ell ** 2) + sn2 * eye
        L = lnp.linalg.cholesky(K)
        alpha = solve_triangular(L.T, solve_triangular(L, y, lower=True), lower=False)
        return 0.5 * y @ alpha + lnp.sum(lnp.log(lnp.diagonal(L))) + 0.5 * n * _LOG_2PI
    return nll


def _autograd_nll(peers, D, y):
    anp = peers.anp
    from autograd.scipy.linalg import solve_triangular
    n, eye = len(y), np.eye(len(y))

    def nll(theta):
        p = anp.exp(theta)
        ell, sf2, sn2 = p[0], p[1], p[2]
        K = sf2 * anp.exp(-0.5 * D / ell ** 2) + sn2 * eye
        L = anp.linalg.cholesky(K)
        alpha = solve_triangular(L.T, solve_triangular(L, y, lower=True), lower=False)
        return 0.5 * anp.dot(y, alpha) + anp.sum(anp.log(anp.diag(L))) + 0.5 * n * _LOG_2PI
    return nll


def _jax_nll(peers):
    jnp = peers.jnp
    from jax.scipy.linalg import solve_triangular

    def nll(theta, D, y):  # D, y arguments: jit cannot fold them as constants
        p = jnp.exp(theta)
        ell, sf2, sn2 = p[0], p[1], p[2]
        K = sf2 * jnp.exp(-0.5 * D / ell ** 2) + sn2 * jnp.eye(y.shape[0])
        L = jnp.linalg.cholesky(K)
        alpha = solve_triangular(L.T, solve_triangular(L, y, lower=True), lower=False)
        return 0.5 * y @ alpha + jnp.sum(jnp.log(jnp.diag(L))) + 0.5 * y.shape[0] * _LOG_2PI
    return nll


def _torch_nll(torch, D, y):
    Dt, yt = torch.from_numpy(D), torch.from_numpy(y)[:, None]
    n = len(y)
    eye = torch.eye(n, dtype=torch.float64)

    def nll(theta):
        p = torch.exp(theta)
        ell, sf2, sn2 = p[0], p[1], p[2]
        K = sf2 * torch.exp(-0.5 * Dt / ell ** 2) + sn2 * eye
        L = torch.linalg.cholesky(K)
        a = torch.linalg.solve_triangular(L, yt, upper=False)
        alpha = torch.linalg.solve_triangular(L.T, a, upper=True)
        return (0.5 * (yt * alpha).sum() + torch.log(torch.diagonal(L)).sum()
                + 0.5 * n * _LOG_2PI)
    return nll


def _calls(D, y, theta, peers, wr) -> tuple[dict, dict]:
    import linad
    f = nll_linad(D, y)
    g, f_jit = linad.grad(f), linad.jit(f)
    g_jit = linad.jit(g)
    primal = {"hand": lambda: nll_numpy(D, y, theta), "linad": lambda: f(theta),
              "linad-jit": lambda: f_jit(theta)}
    grad = {"hand": lambda: hand_value_and_grad(D, y, theta)[1], "linad": lambda: g(theta),
            "linad-jit": lambda: g_jit(theta)}
    if peers.autograd is not None:
        f_ag = _autograd_nll(peers, D, y)
        g_ag = peers.autograd.grad(f_ag)
        primal["autograd"], grad["autograd"] = (lambda: f_ag(theta)), (lambda: g_ag(theta))
    if peers.jax is not None:
        jax, jnp = peers.jax, peers.jnp
        f_j = _jax_nll(peers)
        args = (jnp.asarray(theta), jnp.asarray(D), jnp.asarray(y))
        fj_jit, gj, gj_jit = jax.jit(f_j), jax.grad(f_j), jax.jit(jax.grad(f_j))
        primal["jax"] = lambda: f_j(*args).block_until_ready()
        primal["jax-jit"] = lambda: fj_jit(*args).block_until_ready()
        grad["jax"] = lambda: gj(*args).block_until_ready()
        grad["jax-jit"] = lambda: gj_jit(*args).block_until_ready()
    if peers.torch is not None:
        torch = peers.torch
        f_t, tt = _torch_nll(torch, D, y), torch.from_numpy(theta)
        primal["torch"] = lambda: f_t(tt)
        grad["torch"] = torch_grad(torch, f_t, tt)
    wr.notes.append("theta = log(lengthscale, signal variance, noise variance); linad: "
                    "lnp.linalg.cholesky and linad.scipy.linalg.solve_triangular, D and y closed "
                    "over; linad-jit: linad.jit(f), linad.jit(linad.grad(f))")
    wr.notes.append("hand-written: K^-1 = cho_solve(L, I) and the closed form "
                    "tr((K^-1 - alpha alpha^T) dK/dtheta) / 2")
    return primal, grad


def run(cfg: Config, peers) -> WorkloadResult:
    """Measure W7 at ``n = cfg.w7_n``; targets on the gradient."""
    n = cfg.w7_n
    wr = WorkloadResult("W7", f"Gaussian-process NLL in (log l, log s_f, log s_n), n={n}",
                        rtol=cfg.rtol)
    D, y, theta = make_inputs(n, cfg.seed)
    primal, grad = _calls(D, y, theta, peers, wr)
    p_row, g_row = wr.row("primal", "ms"), wr.row("grad", "ms")
    out_p, out_g = timed_rows(wr, [(p_row, primal, 1e3), (g_row, grad, 1e3)], cfg)
    wr.agree("primal", out_p["hand"], {b: o for b, o in out_p.items() if b != "hand"})
    wr.agree("grad", out_g["hand"], {b: o for b, o in out_g.items() if b != "hand"})
    wr.ratio_row("grad / primal", g_row, p_row)
    wr.model_targets("grad", g_row)
    return wr
