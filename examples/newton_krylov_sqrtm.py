"""Newton–Krylov for the matrix square root: solve X @ X = A without forming a Jacobian.

Newton's method on F(X) = X @ X - A needs, at every step, the solution of the
Sylvester-like equation  J(X)[dX] = dX @ X + X @ dX = -F(X)  for an (n*n)-vector
dX.  `linad.jacobian_operator(F, X)` gives J(X) as a matrix-free SciPy
LinearOperator (one linearization; every GMRES iteration runs only the recorded
linear program), so the (n^2 x n^2) Jacobian is never formed.

Run: python examples/newton_krylov_sqrtm.py
"""
import numpy as np
import scipy.sparse.linalg as spla

import linad


def make_spd(n: int, seed: int = 0) -> np.ndarray:
    """A well-conditioned symmetric positive definite test matrix."""
    M = np.random.default_rng(seed).standard_normal((n, n)) / np.sqrt(n)
    return M @ M.T + np.eye(n)


def sqrtm_newton_krylov(A: np.ndarray, tol: float = 1e-12, maxiter: int = 15):
    """X with X @ X = A by Newton's method, each step solved by GMRES on the Jacobian operator.

    Returns (X, number of Newton steps, relative residual history).
    """
    def F(X):
        return X @ X - A

    X = np.eye(A.shape[0]) * np.sqrt(np.linalg.norm(A, 2))   # commutes with A: a safe start
    history = []
    for step in range(1, maxiter + 1):
        J = linad.jacobian_operator(F, X)                       # (n^2 x n^2), matrix-free
        r = F(X)
        dX, info = spla.gmres(J, -r.ravel(), rtol=1e-13, atol=0.0, restart=50, maxiter=200)
        X = X + dX.reshape(X.shape)
        history.append(np.linalg.norm(F(X)) / np.linalg.norm(A))
        if history[-1] < tol:
            return X, step, history
    raise RuntimeError(f"no convergence in {maxiter} Newton steps: {history}")


def main(n: int = 30) -> dict:
    A = make_spd(n)
    X, steps, history = sqrtm_newton_krylov(A)
    w, V = np.linalg.eigh(A)
    reference = (V * np.sqrt(w)) @ V.T
    return {"steps": steps, "residual": history[-1], "history": history,
            "error_vs_eigh": np.linalg.norm(X - reference) / np.linalg.norm(reference)}


if __name__ == "__main__":
    out = main()
    print(f"converged in {out['steps']} Newton steps; relative residual {out['residual']:.2e}; "
          f"relative difference from the eigendecomposition square root {out['error_vs_eigh']:.2e}")
