"""W9 — a SciPy optimiser loop timed end to end.

L2-regularised logistic regression with ``m`` samples of ``n`` features and
labels ``y = +-1``::

    f(w) = mean(logaddexp(0, -y * (X w))) + lam / 2 * w.w

minimised by ``scipy.optimize.minimize`` twice: ``method="L-BFGS-B"`` with
``jac=linad.grad(f)``, and ``method="Newton-CG"`` with ``jac`` and
``hessp=lambda w, p: linad.hvp(f, (w,), (p,))``.  The hand-written column
passes ``jac = X^T (-y sigmoid(-y X w)) / m + lam w`` and
``hessp = X^T (s (1 - s) (X p)) / m + lam p`` (``s = sigmoid(y X w)``); each
peer passes its own ``f``, gradient and HVP (forward over reverse where it has
forward mode).  Reported: one gradient and one HVP at the start, and each
``minimize`` call end to end (the optimiser's own work included).  The
derivatives at the start are agreement-checked at the suite's tolerance;
every backend's optimum must lie within :data:`OPTIMUM_RTOL` of the
hand-written one (a farther optimum is reported as a disagreement).
"""
from __future__ import annotations

import numpy as np
from scipy.optimize import minimize

from .harness import Config, WorkloadResult, rel_err, timed_rows

__all__ = ["make_inputs", "f_numpy", "hand_grad", "hand_hessp", "minimizers", "run",
           "OPTIMUM_RTOL"]

#: Largest relative distance of a backend's optimum from the hand-written one.
OPTIMUM_RTOL = 1e-6
LAM = 1e-2
_LBFGS = dict(method="L-BFGS-B", options=dict(ftol=1e-15, gtol=1e-10, maxiter=10_000))
_NEWTON = dict(method="Newton-CG", options=dict(xtol=1e-12, maxiter=1000))


def make_inputs(m: int, n: int, seed: int) -> tuple:
    """``X``, labels ``y`` from a noisy linear model, and the start ``w0 = 0``."""
    rng = np.random.default_rng(seed + 9)
    X = rng.standard_normal((m, n)) / np.sqrt(n)
    w_true = 2.0 * rng.standard_normal(n)
    y = np.where(X @ w_true + 0.5 * rng.standard_normal(m) > 0, 1.0, -1.0)
    return X, y, np.zeros(n)


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * z))


def f_numpy(X: np.ndarray, y: np.ndarray, w: np.ndarray) -> float:
    return np.mean(np.logaddexp(0.0, -y * (X @ w))) + 0.5 * LAM * (w @ w)


def hand_grad(X: np.ndarray, y: np.ndarray, w: np.ndarray) -> np.ndarray:
    return X.T @ (-y * _sigmoid(-y * (X @ w))) / len(y) + LAM * w


def hand_hessp(X: np.ndarray, y: np.ndarray, w: np.ndarray, p: np.ndarray) -> np.ndarray:
    s = _sigmoid(y * (X @ w))
    return X.T @ (s * (1.0 - s) * (X @ p)) / len(y) + LAM * p


def _linad(X, y, jit: bool) -> tuple:
    import linad
    import linad.numpy as lnp

    def f(w):
        return lnp.mean(lnp.logaddexp(0.0, -y * (X @ w))) + 0.5 * LAM * (w @ w)

    def hessp(w, p):
        return linad.hvp(f, (w,), (p,))
    g = linad.grad(f)
    if jit:
        return linad.jit(f), linad.jit(g), linad.jit(hessp)
    return f, g, hessp


def _autograd(peers, X, y) -> tuple:
    anp, ag = peers.anp, peers.autograd

    def f(w):
        return anp.mean(anp.logaddexp(0.0, -y * anp.dot(X, w))) + 0.5 * LAM * anp.dot(w, w)
    return f, ag.grad(f), ag.hessian_tensor_product(f)


def _jax(peers, X, y, jit: bool) -> tuple:
    jax, jnp = peers.jax, peers.jnp
    Xj, yj = jnp.asarray(X), jnp.asarray(y)

    def f(w, X, y):  # X, y arguments: jit cannot fold them as constants
        return jnp.mean(jnp.logaddexp(0.0, -y * (X @ w))) + 0.5 * LAM * (w @ w)
    g = jax.grad(f)

    def h(w, p, X, y):
        return jax.jvp(lambda v: g(v, X, y), (w,), (p,))[1]
    if jit:
        f, g, h = jax.jit(f), jax.jit(g), jax.jit(h)
    return (lambda w: float(f(w, Xj, yj)), lambda w: np.asarray(g(w, Xj, yj)),
            lambda w, p: np.asarray(h(w, p, Xj, yj)))


def _torch(torch, X, y) -> tuple:
    Xt, yt = torch.from_numpy(X), torch.from_numpy(y)

    def f_t(w):
        return torch.logaddexp(torch.zeros((), dtype=w.dtype), -yt * (Xt @ w)).mean() \
            + 0.5 * LAM * (w @ w)

    def g(w):
        wt = torch.from_numpy(w).requires_grad_(True)
        return torch.autograd.grad(f_t(wt), wt)[0].numpy()

    def h(w, p):
        return torch.func.jvp(torch.func.grad(f_t), (torch.from_numpy(w),),
                              (torch.from_numpy(p),))[1].numpy()
    return (lambda w: float(f_t(torch.from_numpy(w)))), g, h


def minimizers(X, y, peers) -> dict:
    """``backend -> (fun, jac, hessp)``, each taking and returning NumPy arrays."""
    out = {"hand": (lambda w: f_numpy(X, y, w), lambda w: hand_grad(X, y, w),
                    lambda w, p: hand_hessp(X, y, w, p)),
           "linad": _linad(X, y, jit=False), "linad-jit": _linad(X, y, jit=True)}
    if peers.autograd is not None:
        out["autograd"] = _autograd(peers, X, y)
    if peers.jax is not None:
        out["jax"], out["jax-jit"] = _jax(peers, X, y, False), _jax(peers, X, y, True)
    if peers.torch is not None:
        out["torch"] = _torch(peers.torch, X, y)
    return out


def _check_optima(wr: WorkloadResult, label: str, results: dict) -> None:
    """Note each optimum's distance from the hand-written one; a far one disagrees."""
    ref = results["hand"]
    parts = []
    for b, res in results.items():
        if b == "hand":
            continue
        err = rel_err(res.x, ref.x)
        parts.append(f"{b} {err:.1e} ({res.nit} it.)")
        if not err <= OPTIMUM_RTOL:
            wr.agreement[b] = {"max_rel_err": err, "worst": f"{label} optimum"}
    wr.notes.append(f"{label}: hand-written {ref.nit} iterations, success {ref.success}; "
                    f"optimum's relative distance from hand-written's (limit {OPTIMUM_RTOL:g}): "
                    + ", ".join(parts))


def run(cfg: Config, peers) -> WorkloadResult:
    """Measure W9 at ``cfg.w9_shape = (m, n)``; targets on both loops end to end."""
    m, n = cfg.w9_shape
    wr = WorkloadResult("W9", f"scipy.optimize.minimize, L2 logistic regression, X {m}x{n}",
                        rtol=cfg.rtol)
    X, y, w0 = make_inputs(m, n, cfg.seed)
    p = np.random.default_rng(cfg.seed).standard_normal(n)
    fns = minimizers(X, y, peers)
    grad = {b: (lambda g=g: g(w0)) for b, (_, g, _) in fns.items()}
    hvp = {b: (lambda h=h: h(w0, p)) for b, (_, _, h) in fns.items()}
    lbfgs = {b: (lambda f=f, g=g: minimize(f, w0, jac=g, **_LBFGS))
             for b, (f, g, _) in fns.items()}
    newton = {b: (lambda f=f, g=g, h=h: minimize(f, w0, jac=g, hessp=h, **_NEWTON))
              for b, (f, g, h) in fns.items()}
    rows = [wr.row("grad at w0", "ms"), wr.row("hessp at w0", "ms"),
            wr.row("L-BFGS-B end to end", "ms"), wr.row("Newton-CG end to end", "ms")]
    out_g, out_h, out_l, out_n = timed_rows(
        wr, [(r, c, 1e3) for r, c in zip(rows, (grad, hvp, lbfgs, newton))], cfg)
    wr.agree("grad", out_g["hand"], {b: o for b, o in out_g.items() if b != "hand"})
    wr.agree("hessp", out_h["hand"], {b: o for b, o in out_h.items() if b != "hand"})
    _check_optima(wr, "L-BFGS-B", out_l)
    _check_optima(wr, "Newton-CG", out_n)
    wr.notes.append("each backend passes its own fun, jac (and hessp); jax and jax-jit convert "
                    "results to NumPy for SciPy, torch wraps w with torch.from_numpy; "
                    "hessp is forward over reverse for jax and torch, linad.hvp for linad, "
                    "reverse over reverse for autograd")
    wr.model_targets("L-BFGS-B end to end", rows[2])
    wr.model_targets("Newton-CG end to end", rows[3])
    return wr
