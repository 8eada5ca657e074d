"""Implicit differentiation: gradients through a linear solve and through a nonlinear root.

1. Linear: x(theta) solves A(theta) x = b with A(theta) = L + diag(exp(theta)), L the
   1-D Laplacian, applied matrix-free.  `linad.linear_solve` solves it with CG and
   differentiates it implicitly, dx = A^{-1}(db - dA x), so the gradient of the loss
   0.5 |x - target|^2 w.r.t. theta and b costs one more (transposed) solve — the
   CG iterations are never differentiated.
2. Nonlinear: x(theta) solves L x + x^3 = theta (a steady state of a
   reaction-diffusion model).  `linad.root` finds it by Newton–Krylov and
   differentiates it by the implicit function theorem,
   dx = -(L + 3 diag(x^2))^{-1} (-dtheta).

Both gradients are checked against central finite differences.

Run: python examples/implicit_differentiation.py
"""
import numpy as np

import linad


def laplacian(v):
    """The 1-D Dirichlet Laplacian (2 on the diagonal, -1 beside it), matrix-free."""
    z = np.zeros(1, v.dtype)
    return 2.0 * v - np.concatenate([v[1:], z]) - np.concatenate([z, v[:-1]])


def linear_loss(theta, b, target):
    x = linad.linear_solve(lambda v: laplacian(v) + np.exp(theta) * v, b, symmetric=True)
    r = x - target
    return 0.5 * (r * r).sum()


def nonlinear_loss(theta, target):
    x = linad.root(lambda x, theta: laplacian(x) + x ** 3 - theta, np.zeros_like(target),
                   (theta,))
    r = x - target
    return 0.5 * (r * r).sum()


def fd_directional(f, x, d, h=1e-5):
    """Central finite difference of f at x along d."""
    return (f(x + h * d) - f(x - h * d)) / (2 * h)


def main(n: int = 50, seed: int = 0) -> dict:
    rng = np.random.default_rng(seed)
    theta, b, target = rng.standard_normal(n), rng.standard_normal(n), rng.standard_normal(n)
    d_theta, d_b = rng.standard_normal(n), rng.standard_normal(n)

    g_theta, g_b = linad.grad(linear_loss, argnums=(0, 1))(theta, b, target)
    lin_theta = (g_theta @ d_theta, fd_directional(lambda t: linear_loss(t, b, target),
                                                   theta, d_theta))
    lin_b = (g_b @ d_b, fd_directional(lambda c: linear_loss(theta, c, target), b, d_b))

    source = 1.0 + rng.random(n)
    g_src = linad.grad(nonlinear_loss)(source, target)
    nonlin = (g_src @ d_theta, fd_directional(lambda s: nonlinear_loss(s, target),
                                              source, d_theta))
    return {"linear_theta": lin_theta, "linear_b": lin_b, "nonlinear_theta": nonlin,
            "rel_errors": [abs(a - f) / abs(f) for a, f in (lin_theta, lin_b, nonlin)]}


if __name__ == "__main__":
    out = main()
    for name in ("linear_theta", "linear_b", "nonlinear_theta"):
        ad, fd = out[name]
        print(f"{name:16s} linad {ad: .10f}   finite differences {fd: .10f}")
