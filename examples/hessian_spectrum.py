"""Extreme eigenvalues of a Hessian (eigsh) and singular values of a Jacobian (svds).

The loss of a small tanh network is a function of its parameter vector p.
`linad.hessian_operator(loss, p)` is the Hessian as a symmetric SciPy
LinearOperator: the gradient is linearized once, and every Lanczos iteration of
`scipy.sparse.linalg.eigsh` is one Hessian-vector product running only the
recorded program.  `linad.jacobian_operator(outputs, p)` is the Jacobian of the
network's outputs with respect to its parameters; `svds` uses its matvec (JVP)
and rmatvec (VJP, the transposed program).

Neither matrix is formed; for the check they are also computed densely with
`linad.hessian` and `linad.jacfwd`.

Run: python examples/hessian_spectrum.py
"""
import numpy as np
import scipy.sparse.linalg as spla

import linad


def make_problem(hidden: int, n_in: int = 3, samples: int = 40, seed: int = 0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((samples, n_in))
    y = np.sin(X @ rng.standard_normal(n_in))
    n1 = n_in * hidden

    def outputs(p):
        W = p[:n1].reshape(n_in, hidden)
        w = p[n1:]
        return np.tanh(X @ W) @ w

    def loss(p):
        r = outputs(p) - y
        return (r * r).mean()

    p = rng.standard_normal(n1 + hidden) / np.sqrt(hidden)
    return outputs, loss, p


def main(n: int = 20, k: int = 3, seed: int = 0) -> dict:
    """``n`` hidden units; the ``k`` largest/smallest Hessian eigenvalues, ``k`` top singular values."""
    outputs, loss, p = make_problem(n, seed=seed)
    H = linad.hessian_operator(loss, p)
    v0 = np.ones(H.shape[0])
    largest = np.sort(spla.eigsh(H, k=k, which="LA", v0=v0, tol=1e-12)[0])
    smallest = np.sort(spla.eigsh(H, k=k, which="SA", v0=v0, tol=1e-12)[0])
    J = linad.jacobian_operator(outputs, p)
    sv = np.sort(spla.svds(J, k=k, v0=np.ones(min(J.shape)), tol=1e-12,
                           return_singular_vectors=False))[::-1]

    dense_eigs = np.linalg.eigvalsh(linad.hessian(loss)(p))
    dense_sv = np.linalg.svd(linad.jacfwd(outputs)(p), compute_uv=False)
    return {"largest": largest, "smallest": smallest, "singular_values": sv,
            "dense_largest": dense_eigs[-k:], "dense_smallest": dense_eigs[:k],
            "dense_singular_values": dense_sv[:k], "shape_H": H.shape, "shape_J": J.shape}


if __name__ == "__main__":
    out = main()
    print(f"Hessian {out['shape_H']}: largest eigenvalues {out['largest']}, smallest "
          f"{out['smallest']}")
    print(f"Jacobian {out['shape_J']}: top singular values {out['singular_values']}")
    print(f"dense check: {out['dense_largest']}, {out['dense_smallest']}, "
          f"{out['dense_singular_values']}")
