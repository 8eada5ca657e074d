"""Nonlinear curve fitting with scipy.optimize.least_squares and a matrix-free Jacobian.

The model  y(t) = a exp(-b t) + c sin(w t)  is fitted to noisy samples with the
trust-region reflective method ("trf").  `jac` returns
`linad.jacobian_operator(residuals, p)`: a SciPy LinearOperator whose matvec is a
JVP and whose rmatvec is a VJP (the transposed linear program), both from one
linearization per Jacobian evaluation.  SciPy then uses its LSMR subproblem
solver (tr_solver="lsmr"), which needs only those two products.

Run: python examples/least_squares_fit.py
"""
import numpy as np
import scipy.optimize as so

import linad

P_TRUE = np.array([2.0, 1.3, 0.5, 4.0])


def model(p, t):
    return p[0] * np.exp(-p[1] * t) + p[2] * np.sin(p[3] * t)


def main(n: int = 200, noise: float = 0.01, seed: int = 0) -> dict:
    rng = np.random.default_rng(seed)
    t = np.linspace(0.0, 3.0, n)
    y = model(P_TRUE, t) + noise * rng.standard_normal(n)

    def residuals(p):
        return model(p, t) - y

    def jac(p):
        return linad.jacobian_operator(residuals, p)   # (n x 4) LinearOperator

    p0 = np.array([1.0, 1.0, 1.0, 3.8])
    fit = so.least_squares(residuals, p0, jac=jac, method="trf")
    dense = so.least_squares(residuals, p0, jac=linad.jacfwd(residuals), method="trf")
    return {"p": fit.x, "p_true": P_TRUE, "cost": fit.cost, "success": fit.success,
            "njev": fit.njev, "p_dense_jacobian": dense.x,
            "jacobian_type": type(jac(p0)).__name__}


if __name__ == "__main__":
    out = main()
    print(f"fitted {np.round(out['p'], 4)} (true {out['p_true']}), cost {out['cost']:.3g}, "
          f"{out['njev']} Jacobian operators")
