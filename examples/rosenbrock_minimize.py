"""Second-order minimization of the n-D Rosenbrock function with SciPy and linad.

- `method="Newton-CG"` and `method="trust-krylov"` take `hessp(x, p)`: a
  Hessian-vector product, here `linad.hvp` (forward over reverse: the JVP of
  the gradient, a small multiple of one gradient's cost, the Hessian never formed).
- `method="trust-constr"` takes `hess(x)` returning a LinearOperator: here
  `linad.hessian_operator(f, x)`, the gradient linearized once per iterate; each
  matvec then runs only the recorded program.

Run: python examples/rosenbrock_minimize.py
"""
import numpy as np
import scipy.optimize as so

import linad


def rosenbrock(x):
    return (100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2).sum()


def main(n: int = 10) -> dict:
    x0 = np.full(n, -1.0)
    x0[::2] = 1.2
    grad = linad.grad(rosenbrock)

    def hessp(x, p):
        return linad.hvp(rosenbrock, (x,), (p,))

    def hess(x):
        return linad.hessian_operator(rosenbrock, x)

    runs = {
        "Newton-CG": so.minimize(rosenbrock, x0, jac=grad, hessp=hessp, method="Newton-CG",
                                 options={"xtol": 1e-10}),
        "trust-krylov": so.minimize(rosenbrock, x0, jac=grad, hessp=hessp,
                                    method="trust-krylov", options={"gtol": 1e-10}),
        "trust-constr": so.minimize(rosenbrock, x0, jac=grad, hess=hess, method="trust-constr",
                                    options={"gtol": 1e-10, "xtol": 1e-12}),
    }
    return {
        "x": {m: r.x for m, r in runs.items()},
        "fun": {m: float(r.fun) for m, r in runs.items()},
        "nit": {m: int(r.nit) for m, r in runs.items()},
        "success": {m: bool(r.success) for m, r in runs.items()},
        # the derivatives agree with SciPy's hand-written Rosenbrock derivatives
        "grad_error": float(np.max(np.abs(grad(x0) - so.rosen_der(x0)))),
        "hvp_error": float(np.max(np.abs(hessp(x0, np.arange(n, dtype=float))
                                         - so.rosen_hess_prod(x0, np.arange(n, dtype=float))))),
    }


if __name__ == "__main__":
    out = main()
    for m in out["x"]:
        print(f"{m:13s} f = {out['fun'][m]:.2e} after {out['nit'][m]} iterations; "
              f"max |x - 1| = {np.max(np.abs(out['x'][m] - 1)):.1e}")
