"""W10 — a time-stepping simulation of many small operations.

Classical RK4 on the Lotka-Volterra system ``x' = a x - b x y``,
``y' = d x y - c y`` (two states, four parameters ``theta = (a, b, c, d)``),
``steps`` steps of size ``dt``, and the loss ``sum((z_T - z_target)^2)`` on the
final state.  The gradient is taken w.r.t. the initial state and the
parameters (``argnums=(0, 1)``): every step is a dozen operations on 2-vectors
and scalars, so the time is per-operation overhead, not arithmetic.

The hand-written gradient is forward sensitivity of the discrete scheme: the
2 x 6 matrix ``S = dz / d(z0, theta)`` is carried through every stage
(``dk = J_z(z_s) dz_s + [0 | J_theta(z_s)]``), so it is the exact derivative
of the RK4 map, not of the ODE.  ``linad`` is eager ``linad.grad``,
``linad-jit`` is ``linad.jit(linad.grad(f))`` (the loop unrolled into one
staged program); ``jax-jit`` puts the steps in ``lax.fori_loop``.
"""
from __future__ import annotations

import numpy as np

from .harness import Config, WorkloadResult, timed_rows

__all__ = ["make_inputs", "simulate_numpy", "hand_grad", "loss_linad", "run"]

DT = 0.05


def make_inputs(seed: int) -> tuple:
    """Initial state, parameters and target state (a perturbed Lotka-Volterra system)."""
    rng = np.random.default_rng(seed + 10)
    z0 = np.array([3.0, 2.0]) + 0.1 * rng.standard_normal(2)
    theta = np.array([1.0, 0.4, 0.8, 0.2]) * (1.0 + 0.05 * rng.standard_normal(4))
    return z0, theta, np.array([2.0, 3.0])


def _rhs(z: np.ndarray, th: np.ndarray) -> np.ndarray:
    x, y = z
    return np.array([th[0] * x - th[1] * x * y, th[3] * x * y - th[2] * y])


def simulate_numpy(z0: np.ndarray, theta: np.ndarray, steps: int) -> np.ndarray:
    """RK4 in plain NumPy: the final state."""
    z = z0
    for _ in range(steps):
        k1 = _rhs(z, theta)
        k2 = _rhs(z + 0.5 * DT * k1, theta)
        k3 = _rhs(z + 0.5 * DT * k2, theta)
        k4 = _rhs(z + DT * k3, theta)
        z = z + DT / 6.0 * (k1 + 2.0 * k2 + 2.0 * k3 + k4)
    return z


def _rhs_and_tangent(z: np.ndarray, dz: np.ndarray, th: np.ndarray) -> tuple:
    """``f(z)`` and ``df = J_z dz + [0 | J_theta]`` for a 2 x 6 sensitivity ``dz``."""
    x, y = z
    a, b, c, d = th
    Jz = np.array([[a - b * y, -b * x], [d * y, d * x - c]])
    df = Jz @ dz
    df[0, 2:4] += (x, -x * y)
    df[1, 4:6] += (-y, x * y)
    return np.array([a * x - b * x * y, d * x * y - c * y]), df


def hand_grad(z0: np.ndarray, theta: np.ndarray, target: np.ndarray, steps: int) -> tuple:
    """Forward sensitivity of the RK4 map: ``(dL/dz0, dL/dtheta)``."""
    z, S = z0, np.hstack([np.eye(2), np.zeros((2, 4))])
    for _ in range(steps):
        k1, d1 = _rhs_and_tangent(z, S, theta)
        k2, d2 = _rhs_and_tangent(z + 0.5 * DT * k1, S + 0.5 * DT * d1, theta)
        k3, d3 = _rhs_and_tangent(z + 0.5 * DT * k2, S + 0.5 * DT * d2, theta)
        k4, d4 = _rhs_and_tangent(z + DT * k3, S + DT * d3, theta)
        z = z + DT / 6.0 * (k1 + 2.0 * k2 + 2.0 * k3 + k4)
        S = S + DT / 6.0 * (d1 + 2.0 * d2 + 2.0 * d3 + d4)
    g = 2.0 * (z - target) @ S
    return g[:2], g[2:]


def _rhs_in(xp):
    """The Lotka-Volterra right-hand side written with the array namespace ``xp``."""
    def rhs(z, th):
        x, y = z[0], z[1]
        return xp.stack([th[0] * x - th[1] * x * y, th[3] * x * y - th[2] * y])
    return rhs


def _rk4_step(rhs, z, theta):
    k1 = rhs(z, theta)
    k2 = rhs(z + 0.5 * DT * k1, theta)
    k3 = rhs(z + 0.5 * DT * k2, theta)
    k4 = rhs(z + DT * k3, theta)
    return z + DT / 6.0 * (k1 + 2.0 * k2 + 2.0 * k3 + k4)


def _rk4_loss(xp, steps: int, target):
    """``(z0, theta) -> loss`` written with the array namespace ``xp`` (a Python loop)."""
    rhs = _rhs_in(xp)

    def loss(z0, theta):
        z = z0
        for _ in range(steps):
            z = _rk4_step(rhs, z, theta)
        return xp.sum((z - target) ** 2)
    return loss


def _jax_scan_loss(jax, jnp, steps: int, target):
    """The loss for ``jax.jit``: the steps in ``lax.fori_loop`` (XLA compiles the unrolled
    Python loop very slowly: minutes at 30 steps)."""
    rhs = _rhs_in(jnp)

    def loss(z0, theta):
        z = jax.lax.fori_loop(0, steps, lambda _, z: _rk4_step(rhs, z, theta), z0)
        return jnp.sum((z - target) ** 2)
    return loss


def loss_linad(steps: int, target: np.ndarray):
    """The loss written with ``linad.numpy``."""
    import linad.numpy as lnp
    return _rk4_loss(lnp, steps, target)


def _flat(g) -> np.ndarray:
    from .harness import as_numpy
    return np.concatenate([as_numpy(g[0]).ravel(), as_numpy(g[1]).ravel()])


def _calls(z0, theta, target, steps, peers, wr) -> tuple[dict, dict]:
    import linad
    f = loss_linad(steps, target)
    g = linad.grad(f, argnums=(0, 1))
    f_jit, g_jit = linad.jit(f), linad.jit(g)
    hand_loss = lambda: np.sum((simulate_numpy(z0, theta, steps) - target) ** 2)  # noqa: E731
    primal = {"hand": hand_loss, "linad": lambda: f(z0, theta),
              "linad-jit": lambda: f_jit(z0, theta)}
    grad = {"hand": lambda: hand_grad(z0, theta, target, steps), "linad": lambda: g(z0, theta),
            "linad-jit": lambda: g_jit(z0, theta)}
    if peers.autograd is not None:
        f_ag = _rk4_loss(peers.anp, steps, target)
        g_ag = peers.autograd.grad(f_ag, argnum=(0, 1))
        primal["autograd"] = lambda: f_ag(z0, theta)
        grad["autograd"] = lambda: g_ag(z0, theta)
    if peers.jax is not None:
        jax, jnp = peers.jax, peers.jnp
        f_j = _jax_scan_loss(jax, jnp, steps, jnp.asarray(target))
        args = (jnp.asarray(z0), jnp.asarray(theta))
        fj_jit, gj_jit = jax.jit(f_j), jax.jit(jax.grad(f_j, argnums=(0, 1)))
        primal["jax-jit"] = lambda: fj_jit(*args).block_until_ready()
        grad["jax-jit"] = lambda: jax.block_until_ready(gj_jit(*args))
        wr.notes.append("jax-jit: the steps in lax.fori_loop (XLA compiles the unrolled loop "
                        "for minutes); eager jax is left out: it dispatches every scalar "
                        "operation through XLA (about 2 s per gradient at 30 steps)")
    if peers.torch is not None:
        torch = peers.torch
        f_t = _rk4_loss(torch, steps, torch.from_numpy(target))
        zt, tt = torch.from_numpy(z0), torch.from_numpy(theta)

        def g_t():
            zr, tr = zt.detach().requires_grad_(True), tt.detach().requires_grad_(True)
            return torch.autograd.grad(f_t(zr, tr), (zr, tr))
        primal["torch"], grad["torch"] = (lambda: f_t(zt, tt)), g_t
    wr.notes.append("one loss function written against an array namespace (linad.numpy, "
                    "autograd.numpy, jax.numpy, torch): z[0], z[1], stack, arithmetic; the "
                    "Python loop is unrolled under linad.jit (compilation not timed)")
    wr.notes.append("hand-written: forward sensitivity (a 2 x 6 matrix through every RK4 "
                    "stage) in NumPy")
    return primal, grad


def run(cfg: Config, peers) -> WorkloadResult:
    """Measure W10 at ``cfg.w10_steps`` RK4 steps; targets on the gradient."""
    steps = cfg.w10_steps
    wr = WorkloadResult("W10", f"RK4 Lotka-Volterra, {steps} steps, grad w.r.t. (z0, theta)",
                        rtol=cfg.rtol)
    z0, theta, target = make_inputs(cfg.seed)
    primal, grad = _calls(z0, theta, target, steps, peers, wr)
    p_row, g_row = wr.row("primal", "ms"), wr.row("grad", "ms")
    out_p, out_g = timed_rows(wr, [(p_row, primal, 1e3), (g_row, grad, 1e3)], cfg)
    wr.agree("primal", out_p["hand"], {b: o for b, o in out_p.items() if b != "hand"})
    wr.agree("grad", _flat(out_g["hand"]),
             {b: _flat(o) for b, o in out_g.items() if b != "hand"})
    wr.ratio_row("grad / primal", g_row, p_row)
    wr.model_targets("grad", g_row)
    return wr
