"""A short tour of linad: ``python -m linad``.

The seed question: how does reverse mode work for a matrix function
f: R^{k x l} -> R^{n x m} without forming a 4-D Jacobian?  Answer: linearize
f into a linear program (its tangent map), then transpose that program.
"""
from __future__ import annotations

import numpy as np

import linad


def tour() -> bool:
    """Run the tour; return True if the derived pullback matches X @ (V + V.T)."""
    rng = np.random.default_rng(0)
    X = rng.standard_normal((4, 3))
    V = rng.standard_normal((3, 3))

    print("linad tour: f(X) = X.T @ X with X of shape (4, 3)\n")
    print("Only the JVP is known:  df = dX.T @ X + X.T @ dX\n")
    out, f_lin = linad.linearize(lambda X: X.T @ X, X)
    print("1. linearize(f, X) records the tangent map as a linear program:\n")
    print(f_lin)
    print("\n2. Its transpose, derived mechanically (the pullback, V -> dL/dX):\n")
    print(f_lin.T)
    got = f_lin.T(V)[0]
    expected = X @ (V + V.T)
    err = np.max(np.abs(got - expected)) / np.max(np.abs(expected))
    ok = bool(err < 1e-12)
    print("\n3. Check against the hand-derived pullback X @ (V + V.T):")
    print(f"   max relative error = {err:.2e}  ->  {'OK' if ok else 'MISMATCH'}")
    g = linad.grad(lambda X: np.sum(np.tanh(X.T @ X)))(X)
    print("\n4. grad of sum(tanh(X.T @ X)) (plain NumPy calls, traced through dispatch):")
    print(np.array2string(g, precision=4))
    op = f_lin.to_scipy()
    print(f"\n5. The same map as a SciPy LinearOperator: shape={op.shape}, dtype={op.dtype}")
    pullback = linad.jit(lambda X, V: linad.vjp(lambda X: X.T @ X, X)[1](V)[0])
    staged_ok = bool(np.allclose(pullback(X, V), expected, rtol=1e-12, atol=1e-12))
    print("\n6. linad.jit stages the whole pullback once and replays it as straight-line NumPy;")
    print("   linad.make_program shows the program it runs:\n")
    print(linad.make_program(lambda X, V: linad.vjp(lambda X: X.T @ X, X)[1](V)[0])(X, V))
    print(f"   jitted pullback agrees: {'OK' if staged_ok else 'MISMATCH'}")
    Xs = rng.standard_normal((5, 4, 3))
    loss = lambda X: np.sum(np.tanh(X.T @ X))  # noqa: E731
    per_example = linad.vmap(linad.grad(loss))(Xs)
    batched_ok = bool(np.allclose(per_example, np.stack([linad.grad(loss)(x) for x in Xs]),
                                  rtol=1e-12, atol=1e-12))
    print("\n7. linad.vmap maps it over a batch, each operation once per batch: per-example")
    print(f"   gradients of 5 matrices, shape {per_example.shape}, equal a Python loop: "
          f"{'OK' if batched_ok else 'MISMATCH'}")
    return ok and staged_ok and batched_ok


if __name__ == "__main__":
    raise SystemExit(0 if tour() else 1)
