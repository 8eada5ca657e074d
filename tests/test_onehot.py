"""The one-hot identity basis of jacfwd/jacrev (linad/optimize/onehot.py): structured == dense."""
import numpy as np
import pytest

import linad
from systematic import fd_jacobian
from linad.optimize.compile import apply_batched
from linad.optimize.onehot import MAX_TERMS, OneHotBatch, identity_basis

rng = np.random.default_rng(11)
A = rng.standard_normal((4, 3))
W = rng.standard_normal((3, 3))
ROW = rng.standard_normal(3)

# name -> (function of one (3, 3) array, whether its batched pass keeps the one-hot structure)
FUNCTIONS = {
    "XtX": (lambda X: X.T @ X, True),
    "XXt_minus": (lambda X: X @ X.T - 2.0 * X, True),
    "A_sin": (lambda X: A @ np.sin(X), True),
    "tanh_scaled_rows": (lambda X: np.tanh(X) * ROW, True),
    "neg_transpose": (lambda X: -(X.T @ W).T, True),
    "sum_axis": (lambda X: (X @ W).sum(axis=0) * X[0].sum(), False),
    "column_sums": (lambda X: np.sum(np.exp(X), axis=1), True),
    "trace_einsum": (lambda X: np.einsum("ii->", X @ X), False),  # dense: a plain array
    "diagonal_and_getitem": (lambda X: np.einsum("ii->i", X) * X[1], False),
    "diagonal_of_basis": (lambda X: np.einsum("ii->i", X) - (X.T @ W).sum(axis=0), True),
    "keepdims": (lambda X: X.sum(axis=1, keepdims=True) * X, False),
    "reshape": (lambda X: (X @ W).reshape(9) * np.arange(9.0), False),
    "broadcast_up": (lambda X: X[:, :, None] * A.T[None], False),
    "sub_scalar_chain": (lambda X: np.cos(X) - X * 3 + X.T, True),
    "many_terms": (lambda X: sum(X * k for k in range(MAX_TERMS + 2)), False),
    "sum_of_rows_with_deltas": (lambda X: np.tanh(W @ X).sum(axis=0) + np.sin(X).sum(axis=0),
                                True),
    "sum_of_dense_terms": (lambda X: np.sin(X).sum() + (X * W).sum(), False),
    "residual_adds_unit_axis": (lambda X: (X @ W) * W[None], True),
    "residual_adds_axes": (lambda X: (np.sin(X) * A[:, None, :]).sum(axis=0), True),
    # a contraction whose terms are dense is a plain array; sums with one add into it
    "dense_term": (lambda X: W @ X.T @ W, False),
    "dense_and_delta_terms": (lambda X: X @ X.T @ X, False),
    "dense_minus_delta": (lambda X: W @ X.T @ W - 2.0 * X, False),
    "delta_minus_dense": (lambda X: np.sin(X) - W @ X.T @ W, False),
    "delta_plus_dense": (lambda X: X.T + (W @ X.T @ W) * 2.0, False),
    "dense_minus_dense_and_delta": (lambda X: W @ X.T @ W - X @ X.T @ X, False),
}


def closed_form_XtX(X):
    eye = np.eye(X.shape[1], dtype=X.dtype)
    return np.einsum("iq,pj->ijpq", eye, X) + np.einsum("pi,jq->ijpq", X, eye)


def assert_same_batches(structured, dense, tol):
    """Structured batched results (one-hot or plain) equal the dense pass's, dtype and shape."""
    for s, d in zip(structured, dense):
        got = s.materialize() if isinstance(s, OneHotBatch) else s
        assert got.dtype == d.dtype and got.shape == d.shape
        np.testing.assert_allclose(got, d, rtol=tol, atol=tol)


def batched_both_ways(lmap):
    """The program applied to the one-hot basis and to its dense copy."""
    basis = identity_basis(lmap.in_avals)
    structured = apply_batched(lmap.program, basis)
    dense = lmap.program.apply_batched(*[b.materialize() for b in basis])
    return structured, dense


# ------------------------------------------------------------------ the basis itself

@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.complex128])
def test_identity_basis_materializes_to_the_identity(dtype):
    shapes = [(2, 3), (), (0, 4), (4,)]
    basis = identity_basis([(s, np.dtype(dtype)) for s in shapes])
    eye = np.eye(11, dtype=dtype)
    start = 0
    for b, s in zip(basis, shapes):
        n = int(np.prod(s))
        for batch_last in (False, True):
            dense = b.materialize(batch_last)
            assert dense.dtype == dtype and dense.shape == (11,) + s
            np.testing.assert_array_equal(dense.reshape(11, n), eye[:, start:start + n])
        start += n


def test_batch_last_layout_makes_moving_the_batch_axis_free():
    [b] = identity_basis([((3, 2), np.dtype(float))])
    moved = np.moveaxis(b.materialize(batch_last=True), 0, -1)
    assert moved.flags.c_contiguous


# ------------------------------------------------------------------ structured == dense

@pytest.mark.parametrize("name", sorted(FUNCTIONS))
@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.complex128])
def test_structured_pass_equals_dense_pass(name, dtype):
    f, keeps_structure = FUNCTIONS[name]
    X = rng.standard_normal((3, 3)).astype(dtype)
    if dtype == np.complex128:
        X = X + 1j * rng.standard_normal((3, 3))
    _, f_lin = linad.linearize(f, X)
    for lmap in (f_lin, f_lin.T):
        assert_same_batches(*batched_both_ways(lmap), 1e-6 if dtype == np.float32 else 1e-13)
    structured, _ = batched_both_ways(f_lin)
    assert isinstance(structured[0], OneHotBatch) == keeps_structure


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_jacobians_match_finite_differences(name):
    f, _ = FUNCTIONS[name]
    X = rng.standard_normal((3, 3))
    fd = fd_jacobian(f, X)
    np.testing.assert_allclose(linad.jacfwd(f)(X), fd, rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(linad.jacrev(f)(X), fd, rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("shape", [(1, 1), (3, 1), (1, 4), (30, 20), (5, 7)])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_XtX_jacobian_equals_the_closed_form(shape, dtype):
    X = rng.standard_normal(shape).astype(dtype)
    expected = closed_form_XtX(X)
    tol = 1e-6 if dtype == np.float32 else 0
    for jac in (linad.jacfwd, linad.jacrev):
        J = jac(lambda X: X.T @ X)(X)
        assert J.dtype == dtype and J.shape == expected.shape
        np.testing.assert_allclose(J, expected, atol=tol)


def test_holomorphic_complex_jacobians():
    Z = (rng.standard_normal((3, 2)) + 1j * rng.standard_normal((3, 2)))
    f = lambda Z: (1 + 2j) * (Z.T @ Z) - np.conj(np.eye(2) * 1j) * Z[0]
    eps = 1e-6  # holomorphic: the complex derivative is the difference quotient along reals
    cols = []
    for k in range(Z.size):
        e = np.zeros(Z.size, complex)
        e[k] = eps
        e = e.reshape(Z.shape)
        cols.append((f(Z + e) - f(Z - e)) / (2 * eps))
    expected = np.stack(cols, axis=-1).reshape((2, 2) + Z.shape)
    for jac in (linad.jacfwd, linad.jacrev):
        J = jac(f, holomorphic=True)(Z)
        assert J.dtype == np.complex128
        np.testing.assert_allclose(J, expected, rtol=1e-7, atol=1e-7)


def test_real_function_through_complex_values():
    """convert, mul by a complex residual, real and imag on the one-hot batch."""
    f = lambda x: np.real(np.exp(1j * x) * (2 - 1j)) + np.imag(x * (1 + 3j)) * x
    x = rng.standard_normal(4)
    _, f_lin = linad.linearize(f, x)
    structured, dense = batched_both_ways(f_lin)
    got = structured[0].materialize() if isinstance(structured[0], OneHotBatch) else structured[0]
    np.testing.assert_allclose(got, dense[0], atol=1e-14)
    for jac in (linad.jacfwd, linad.jacrev):
        np.testing.assert_allclose(jac(f)(x), fd_jacobian(f, x), rtol=1e-6, atol=1e-7)


def test_several_inputs_and_outputs_and_scalars():
    f = lambda X, s, y: ((X.T @ X) * s, (y * s).sum(), X @ y)
    X, s, y = rng.standard_normal((4, 3)), np.array(1.5), rng.standard_normal(3)
    for jac in (linad.jacfwd, linad.jacrev):
        J = jac(f, argnums=(0, 1, 2))(X, s, y)
        for out in range(3):
            for k, (arg, g) in enumerate([(X, lambda X: f(X, s, y)[out]),
                                          (s, lambda s: f(X, s, y)[out]),
                                          (y, lambda y: f(X, s, y)[out])]):
                np.testing.assert_allclose(J[out][k], fd_jacobian(g, arg), rtol=1e-6, atol=1e-6)


def test_identity_and_unused_inputs():
    f = lambda x, y: (x, 2.0 * x)
    x, y = rng.standard_normal(3), rng.standard_normal(2)
    for jac in (linad.jacfwd, linad.jacrev):
        J = jac(f, argnums=(0, 1))(x, y)
        np.testing.assert_array_equal(J[0][0], np.eye(3))
        np.testing.assert_array_equal(J[1][0], 2 * np.eye(3))
        np.testing.assert_array_equal(J[0][1], np.zeros((3, 2)))


def test_structural_zeros_stay_zero_next_to_non_finite_residuals():
    c = np.array([1.0, np.inf, 2.0])
    J = linad.jacfwd(lambda x: x * c)(np.ones(3))
    np.testing.assert_array_equal(J, np.diag(c))


# ------------------------------------------------------------------ dense sums

def _several_leaves(X, Y):
    """Dense terms on the rows of X only, deltas on those of Y, sums and differences."""
    return (W @ X.T @ W, W @ X.T @ W - 2.0 * Y, Y.T + W @ Y @ W.T @ X,
            X @ X.T @ X - np.sin(Y) - W @ Y.T @ W)


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.complex128])
def test_dense_terms_of_one_leaf_keep_the_other_rows_zero(dtype):
    X, Y = (rng.standard_normal((3, 3)).astype(dtype) for _ in range(2))
    _, f_lin = linad.linearize(_several_leaves, X, Y)
    structured, dense = batched_both_ways(f_lin)
    assert_same_batches(structured, dense, 1e-5 if dtype == np.float32 else 1e-13)
    np.testing.assert_array_equal(structured[0][9:], 0)  # the rows of Y


def test_jacobians_and_hessians_with_dense_sums_equal_the_unoptimized_ones():
    X, Y = rng.standard_normal((3, 3)), rng.standard_normal((3, 3))
    g = lambda X, Y: np.sum((X.T @ X) ** 2) + np.sum((W @ Y.T @ X) ** 2) - np.sum(X * Y)
    jac = linad.jacfwd(_several_leaves, argnums=(0, 1))
    hess = linad.hessian(g, argnums=(0, 1))
    fast_J, fast_H = jac(X, Y), hess(X, Y)
    with linad.optimize.disabled():
        slow_J, slow_H = jac(X, Y), hess(X, Y)
    for fast, slow in ((fast_J, slow_J), (fast_H, slow_H)):
        for a, b in zip(linad.tree.leaves(fast), linad.tree.leaves(slow)):
            np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)


def test_dense_sum_of_a_batch_of_dense_terms():
    """Whole-batch dense terms add into one array; a partial one is written into it."""
    from linad.optimize.onehot import Term, _dense_sum
    coefs = [rng.standard_normal((4, 2)) for _ in range(3)]
    whole = [Term(0, "a", (4,), "b", c, "ab") for c in coefs[:2]]
    part = Term(2, "a", (2,), "b", coefs[2][:2], "ab")
    for terms in (whole[:1], whole, whole + [part], [whole[0], part, whole[1]], [part]):
        batch = OneHotBatch(terms, 4, (2,), np.dtype(float))
        got = _dense_sum(batch)
        np.testing.assert_allclose(got, batch.materialize(), rtol=1e-15)
    assert _dense_sum(OneHotBatch(whole[:1], 4, (2,), np.dtype(float))).base is not None


def test_a_dense_jacobian_is_a_new_array_not_a_view_of_a_residual():
    """The Jacobian of a scalar times an array is that array: returned as a copy."""
    A = np.arange(6.0).reshape(2, 3)
    for f in (lambda s: s * A, lambda s: np.einsum("ij,->ji", A, s), lambda s: (s * A).T):
        J = linad.jacfwd(f)(np.array(2.0))
        assert not np.may_share_memory(J, A)
        np.testing.assert_array_equal(J, f(1.0))
        J[...] = 0
    np.testing.assert_array_equal(A, np.arange(6.0).reshape(2, 3))
