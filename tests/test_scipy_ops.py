"""Issue 5: jacobian_operator / hessian_operator / LinearMap.to_scipy as SciPy LinearOperators."""
import numpy as np
import pytest
import scipy.sparse.linalg as spla
from hypothesis import given, settings, strategies as st

import linad
from linad.optimize.compile import CompiledProgram
from linad.scipy_operator import flatten_leaves, split_flat
from linad.testing import check_transpose

rng = np.random.default_rng(11)


def dense(op):
    """The operator's matrix, column by column through matvec (the reference)."""
    return np.stack([op.matvec(e) for e in np.eye(op.shape[1], dtype=op.dtype)], axis=1)


def dot_test(op, seed=0, rtol=1e-12):
    """<A x, y> == <x, A^H y> (SciPy's adjoint, with conjugation)."""
    r = np.random.default_rng(seed)
    m, n = op.shape
    x, y = r.standard_normal(n), r.standard_normal(m)
    if op.dtype.kind == "c":
        x, y = x + 1j * r.standard_normal(n), y + 1j * r.standard_normal(m)
    lhs, rhs = np.vdot(y, op.matvec(x)), np.vdot(op.rmatvec(y), x)
    assert abs(lhs - rhs) <= rtol * max(1.0, abs(lhs)), (lhs, rhs)


def nonlinear(X, y):
    return {"a": np.tanh(X @ y), "b": (X * X).sum(axis=0) + y}


@settings(max_examples=10)
@given(m=st.integers(1, 4), n=st.integers(1, 4), seed=st.integers(0, 2**16))
def test_jacobian_operator_matches_dense_jacobian(m, n, seed):
    r = np.random.default_rng(seed)
    X, y = r.standard_normal((m, n)), r.standard_normal(n)
    op = linad.jacobian_operator(nonlinear, X, y)
    assert op.shape == (m + n, m * n + n) and op.dtype == np.float64
    JX, Jy = linad.jacfwd(nonlinear, argnums=(0, 1))(X, y)["a"]
    JbX, Jby = linad.jacfwd(nonlinear, argnums=(0, 1))(X, y)["b"]
    J = np.block([[JX.reshape(m, -1), Jy], [JbX.reshape(n, -1), Jby]])
    np.testing.assert_allclose(dense(op), J, rtol=1e-13, atol=1e-13)
    np.testing.assert_allclose(op.rmatmat(np.eye(m + n)), J.T, rtol=1e-13, atol=1e-13)
    np.testing.assert_allclose(op.matmat(np.eye(m * n + n)), J, rtol=1e-13, atol=1e-13)
    V = r.standard_normal((m * n + n, 3))
    np.testing.assert_allclose(op @ V, J @ V, rtol=1e-12, atol=1e-12)
    w = r.standard_normal(m + n)
    np.testing.assert_allclose(op.H @ w, J.T @ w, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(op.rmatvec(w), J.T @ w, rtol=1e-12, atol=1e-12)
    dot_test(op, seed)
    _, f_lin = linad.linearize(nonlinear, X, y)
    check_transpose(f_lin)


def test_complex_operator_adjoint_conjugates():
    A = rng.standard_normal((3, 4)) + 1j * rng.standard_normal((3, 4))
    z = rng.standard_normal(4) + 1j * rng.standard_normal(4)
    f = lambda z: A @ (z * z)
    op = linad.jacobian_operator(f, z)
    J = A * (2 * z)[None, :]
    assert op.dtype == np.complex128
    np.testing.assert_allclose(dense(op), J, rtol=1e-13)
    np.testing.assert_allclose(op.rmatmat(np.eye(3)), J.conj().T, rtol=1e-13)
    np.testing.assert_allclose(op.H.matvec(np.ones(3)), J.conj().T @ np.ones(3), rtol=1e-13)
    dot_test(op)
    _, f_lin = linad.linearize(f, z)
    check_transpose(f_lin)


def test_real_to_complex_operator_rejects_complex_input():
    op = linad.jacobian_operator(lambda x: x * (1 + 2j), np.ones(2))
    assert op.dtype == np.complex128
    np.testing.assert_allclose(op.matvec(np.array([1.0, 0.0])), [1 + 2j, 0])
    with pytest.raises(TypeError, match="a complex vector was given to an operator whose input "
                                        "is real"):
        op.matvec(np.array([1j, 0]))


def test_float32_operator():
    op = linad.jacobian_operator(lambda x: np.sin(x) * 2, np.ones(3, np.float32))
    assert op.dtype == np.float32
    assert op.matvec(np.ones(3)).dtype == np.float32
    assert op.rmatmat(np.ones((3, 2))).dtype == np.float32


def test_one_linearization_serves_all_four_products(monkeypatch):
    calls = []
    f = lambda X: calls.append(1) or np.tanh(X @ X.T)
    X = rng.standard_normal((3, 2))
    op = linad.jacobian_operator(f, X)
    counts = {"batched": 0, "single": 0}
    run = CompiledProgram.__call__

    def counting(self, args, batched):
        counts["batched" if batched else "single"] += 1
        return run(self, args, batched)

    monkeypatch.setattr(CompiledProgram, "__call__", counting)
    op.matvec(np.ones(6))
    op.rmatvec(np.ones(9))
    assert counts == {"batched": 0, "single": 2}
    op.matmat(np.ones((6, 5)))
    op.rmatmat(np.ones((9, 7)))
    assert counts == {"batched": 2, "single": 2}      # one batched pass each
    assert len(calls) == 1                             # f ran once, when linearizing


def test_operator_of_traced_values_is_refused():
    def loss(x):
        op = linad.jacobian_operator(np.sin, x)
        return op.matvec(np.ones(2)).sum()
    with pytest.raises(TypeError, match="linearized at traced values"):
        linad.grad(loss)(np.ones(2))


def test_zero_outputs_are_materialized():
    op = linad.jacobian_operator(lambda x: (x * 2.0, np.ones(2)), np.ones(3))
    np.testing.assert_allclose(op.matvec(np.ones(3)), [2, 2, 2, 0, 0])
    np.testing.assert_allclose(op.matmat(np.eye(3))[3:], np.zeros((2, 3)))
    np.testing.assert_allclose(op.rmatvec(np.ones(5)), [2, 2, 2])
    np.testing.assert_allclose(op.rmatmat(np.ones((5, 2))), np.full((3, 2), 2.0))


# ------------------------------------------------------------------ Hessian operator

@settings(max_examples=10)
@given(n=st.integers(1, 6), seed=st.integers(0, 2**16))
def test_hessian_operator_is_the_symmetric_hessian(n, seed):
    r = np.random.default_rng(seed)
    M = r.standard_normal((n, n))
    f = lambda x: (np.tanh(M @ x) ** 2).sum() + (x ** 4).sum()
    x = r.standard_normal(n)
    H = linad.hessian_operator(f, x)
    Hd = linad.hessian(f)(x)
    assert H.shape == (n, n) and H.dtype == np.float64
    np.testing.assert_allclose(dense(H), Hd, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(H.matmat(np.eye(n)), Hd, rtol=1e-12, atol=1e-12)
    u, v = r.standard_normal(n), r.standard_normal(n)
    assert H.matvec(u) @ v == pytest.approx(u @ H.matvec(v), rel=1e-12, abs=1e-12)
    np.testing.assert_allclose(H.rmatvec(u), H.matvec(u))
    assert H.H is H
    np.testing.assert_allclose(H.matvec(u), linad.hvp(f, (x,), (u,)), rtol=1e-12, atol=1e-12)


def test_hessian_operator_pytree_and_several_arguments():
    f = lambda p, y: (p["w"] ** 2).sum() * (y ** 2).sum()
    p, y = {"w": np.array([1.0, 2.0])}, np.array([3.0])
    H = linad.hessian_operator(f, p, y)
    assert H.shape == (3, 3)
    # H = [[2 y^2 I, 4 y w], [4 y w^T, 2 |w|^2]]
    expected = np.array([[18.0, 0.0, 12.0], [0.0, 18.0, 24.0], [12.0, 24.0, 10.0]])
    np.testing.assert_allclose(H.matmat(np.eye(3)), expected)
    _, f_lin = linad.linearize(linad.grad(f, argnums=(0, 1)), p, y)
    check_transpose(f_lin)


def test_hessian_operator_rejects_complex_input():
    with pytest.raises(TypeError, match="hessian_operator: input 0 is complex"):
        linad.hessian_operator(lambda z: (z * z.conj()).real.sum(), np.ones(2, complex))


def test_hessian_operator_with_scipy_eigsh_and_cg():
    A = rng.standard_normal((8, 8))
    A = A @ A.T + np.eye(8)
    H = linad.hessian_operator(lambda x: x @ A @ x / 2 + (x ** 4).sum() / 4, np.zeros(8))
    np.testing.assert_allclose(spla.eigsh(H, k=2, which="LA")[0], np.linalg.eigvalsh(A)[-2:])
    x, info = spla.cg(H, np.ones(8), rtol=1e-12)
    assert info == 0 and np.allclose(A @ x, np.ones(8))


# ------------------------------------------------------------------ helpers

def test_flatten_and_split_round_trip():
    avals = [((2, 3), np.dtype(float)), ((), np.dtype(float)), ((4,), np.dtype(complex))]
    v = rng.standard_normal(11) + 0j
    v[:7] = v[:7].real
    parts = split_flat(v, avals)
    assert [p.shape for p in parts] == [(2, 3), (), (4,)]
    assert parts[0].dtype == np.float64 and parts[2].dtype == np.complex128
    np.testing.assert_allclose(flatten_leaves(parts), v)
    V = rng.standard_normal((7, 5))
    parts = split_flat(V, avals[:2], batched=True)
    assert [p.shape for p in parts] == [(5, 2, 3), (5,)]
    np.testing.assert_allclose(flatten_leaves(parts, batched=True, n=5), V)
    assert flatten_leaves([], batched=True, n=4).shape == (0, 4)
    assert flatten_leaves([]).shape == (0,)


def test_repr():
    op = linad.jacobian_operator(np.sin, np.ones(3))
    assert "3x3 linad LinearOperator with dtype=float64" in repr(op)
    assert "symmetric" in repr(linad.hessian_operator(lambda x: (x ** 3).sum(), np.ones(3)))
