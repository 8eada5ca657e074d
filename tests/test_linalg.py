"""Unit tests of linear algebra: values, dtypes, factor reuse, degenerate points, errors.

Derivatives themselves are checked by the systematic suite (``tests/cases/linalg.py``)
and against closed forms (``tests/test_matrix_calculus.py``).
"""
import warnings

import numpy as np
import pytest
import scipy.linalg as sla
from hypothesis import given, settings, strategies as st

import linad
import linad.numpy as lnp
import linad.scipy.linalg as lsl
from linad.primitives import lapack, linalg as LA
from cases.linalg import general, hermitian, nonsymmetric, separated

DTYPES = [np.float32, np.float64, np.complex64, np.complex128]


def rng_matrix(n, seed=0, dtype=np.float64, batch=()):
    rng = np.random.default_rng(seed)
    m = rng.standard_normal(batch + (n, n))
    if np.dtype(dtype).kind == "c":
        m = m + 1j * rng.standard_normal(batch + (n, n))
    return (m + (n + 1) * np.eye(n)).astype(dtype)


SINGULAR = np.array([[1.0, 2.0], [2.0, 4.0]])


# ============================================================================ values and dtypes

@settings(max_examples=10)
@given(st.sampled_from(DTYPES), general())
def test_primal_values_match_numpy(dtype, a):
    a = a.astype(dtype)
    tol = 1e-4 if dtype in (np.float32, np.complex64) else 1e-10
    for name in ("inv", "det", "eigvals", "svdvals", "pinv"):
        got = getattr(lnp.linalg, name)(a)
        want = getattr(np.linalg, name)(a)
        assert got.dtype == want.dtype, name
        np.testing.assert_allclose(got, want, rtol=tol, atol=tol)
    b = np.ones(a.shape[:-1], dtype)
    np.testing.assert_allclose(lnp.linalg.solve(a, b[..., None]),
                               np.linalg.solve(a, b[..., None]), rtol=tol, atol=tol)


@pytest.mark.parametrize("dtype", DTYPES)
def test_single_precision_stays_single(dtype):
    """float32/complex64 inputs give float32/complex64 values and gradients."""
    a = rng_matrix(3, dtype=dtype)
    h = (a @ np.conj(a.T)).astype(dtype)
    fns = {
        "solve": lambda a: lnp.linalg.solve(a, np.ones(3, dtype)),
        "eigh": lambda a: lnp.linalg.eigh(h + 0 * a).eigenvectors,
        "svd": lambda a: lnp.linalg.svd(a)[0],
        "qr": lambda a: lnp.linalg.qr(a)[1],
        "cholesky": lambda a: lnp.linalg.cholesky(h + 0 * a),
        "expm": lambda a: lsl.expm(0.1 * a),
        "solve_triangular": lambda a: lsl.solve_triangular(a, np.ones(3, dtype), lower=True),
    }
    for name, f in fns.items():
        out, f_vjp = linad.vjp(f, a)
        assert out.dtype == np.dtype(dtype), name
        assert f_vjp(np.ones_like(out))[0].dtype == np.dtype(dtype), name


def test_namedtuple_results_like_numpy():
    a = rng_matrix(3)
    h = a + a.T
    assert lnp.linalg.eigh(h)._fields == np.linalg.eigh(h)._fields
    assert lnp.linalg.svd(a)._fields == np.linalg.svd(a)._fields
    assert lnp.linalg.qr(a)._fields == np.linalg.qr(a)._fields
    assert lnp.linalg.slogdet(a)._fields == np.linalg.slogdet(a)._fields
    assert lnp.linalg.eig(a)._fields == np.linalg.eig(a)._fields


def test_numpy_dispatch_on_traced_values():
    a = rng_matrix(3)
    b = np.arange(3.0)

    def via_numpy(a):
        return (np.linalg.solve(a, b).sum() + np.linalg.det(a) + np.linalg.slogdet(a)[1]
                + np.linalg.eigvalsh(a + a.T).sum() + np.linalg.svd(a)[1].sum()
                + np.linalg.norm(a, "nuc") + np.linalg.cond(a) + np.linalg.pinv(a).sum()
                + np.linalg.matrix_power(a, 2).sum() + np.linalg.inv(a).sum())

    def via_lnp(a):
        L = lnp.linalg
        return (L.solve(a, b).sum() + L.det(a) + L.slogdet(a)[1] + L.eigvalsh(a + a.T).sum()
                + L.svd(a)[1].sum() + L.norm(a, "nuc") + L.cond(a) + L.pinv(a).sum()
                + L.matrix_power(a, 2).sum() + L.inv(a).sum())
    np.testing.assert_allclose(linad.grad(via_numpy)(a), linad.grad(via_lnp)(a))


def test_qr_modes_match_numpy():
    a = np.random.default_rng(1).standard_normal((2, 5, 3))
    for mode in ("reduced", "complete"):
        q, r = lnp.linalg.qr(a, mode=mode)
        q0, r0 = np.linalg.qr(a, mode=mode)
        np.testing.assert_allclose(q, q0)
        np.testing.assert_allclose(r, r0)
    np.testing.assert_allclose(lnp.linalg.qr(a, mode="r"), np.linalg.qr(a, mode="r"))


def test_cholesky_upper_matches_numpy():
    a = rng_matrix(3, dtype=np.complex128)
    h = a @ np.conj(a.T)
    np.testing.assert_allclose(lnp.linalg.cholesky(h, upper=True),
                               np.linalg.cholesky(h, upper=True))


def test_lstsq_matches_numpy():
    rng = np.random.default_rng(2)
    a, b = rng.standard_normal((5, 3)), rng.standard_normal(5)
    for got, want in zip(lnp.linalg.lstsq(a, b), np.linalg.lstsq(a, b)):
        np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-12)
    wide = rng.standard_normal((2, 4))
    x, resid, rank, s = lnp.linalg.lstsq(wide, b[:2])
    assert resid.shape == (0,) and rank == 2
    np.testing.assert_allclose(x, np.linalg.lstsq(wide, b[:2])[0])


@pytest.mark.parametrize("ord", [None, "fro", "nuc", 1, -1, 2, -2, np.inf, -np.inf])
def test_matrix_norms_match_numpy(ord):
    a = np.random.default_rng(3).standard_normal((2, 3, 4))
    np.testing.assert_allclose(lnp.linalg.norm(a, ord, axis=(1, 2)),
                               np.linalg.norm(a, ord, axis=(1, 2)))
    np.testing.assert_allclose(lnp.linalg.norm(a, ord, axis=(2, 0), keepdims=True),
                               np.linalg.norm(a, ord, axis=(2, 0), keepdims=True))
    np.testing.assert_allclose(lnp.linalg.matrix_norm(a, ord=ord or "fro"),
                               np.linalg.matrix_norm(a, ord=ord or "fro"))


def test_vector_norm_paths():
    x = np.array([[3.0, 0.0], [4.0, 0.0]])
    assert float(lnp.linalg.norm(x)) == 5.0
    assert lnp.linalg.norm(x, keepdims=True).shape == (1, 1)
    np.testing.assert_allclose(lnp.linalg.norm(x, axis=0), [5.0, 0.0])
    np.testing.assert_allclose(lnp.linalg.vector_norm(x, keepdims=True), [[5.0]])
    np.testing.assert_allclose(linad.grad(lambda v: lnp.linalg.norm(v))(np.array([3.0, 4.0])),
                               [0.6, 0.8])


def test_scipy_factorisations_match_scipy():
    a = rng_matrix(4, seed=4)
    h = a @ a.T
    for lower in (False, True):
        c, low = lsl.cho_factor(h, lower=lower)
        c0, low0 = sla.cho_factor(h, lower=lower)
        np.testing.assert_allclose(c, c0)
        assert low == low0
    lu, piv = lsl.lu_factor(a)
    lu0, piv0 = sla.lu_factor(a)
    np.testing.assert_allclose(lu, lu0)
    np.testing.assert_array_equal(piv, piv0)
    b = np.arange(8.0).reshape(4, 2)
    for trans in (0, 1, 2):
        np.testing.assert_allclose(lsl.lu_solve((lu, piv), b, trans=trans),
                                   sla.lu_solve((lu0, piv0), b, trans=trans))
    np.testing.assert_allclose(lsl.cho_solve((c0, low0), b), sla.cho_solve((c0, low0), b))
    q = np.ones((4, 2))
    bm = rng_matrix(2, seed=5)
    np.testing.assert_allclose(lsl.solve_sylvester(a, bm, q), sla.solve_sylvester(a, bm, q))
    np.testing.assert_allclose(lsl.solve_continuous_lyapunov(a, h),
                               sla.solve_continuous_lyapunov(a, h))


@pytest.mark.parametrize("name", sorted(LA.MATRIX_FUNCTIONS))
def test_matrix_functions_match_scipy(name):
    a = 0.2 * rng_matrix(3, seed=6) / 4 + (np.eye(3) if name in ("logm", "sqrtm") else 0)
    np.testing.assert_allclose(getattr(lsl, name)(a), getattr(sla, name)(a), rtol=1e-10,
                               atol=1e-12)


def test_perm_from_piv_reproduces_lu():
    a = np.random.default_rng(7).standard_normal((2, 5, 5))
    lu, piv = lsl.lu_factor(a)
    perm = LA.perm_from_piv(piv)
    low = np.tril(lu, -1) + np.eye(5)
    np.testing.assert_allclose(low @ np.triu(lu), np.take_along_axis(a, perm[..., None], -2))


def test_matrix_power_zero_and_multi_dot():
    a = rng_matrix(3)
    out, f_vjp = linad.vjp(lambda a: lnp.linalg.matrix_power(a, 0), a)
    np.testing.assert_array_equal(out, np.eye(3))
    np.testing.assert_array_equal(f_vjp(np.ones((3, 3)))[0], np.zeros((3, 3)))
    np.testing.assert_allclose(lnp.linalg.matrix_power(a, -2), np.linalg.matrix_power(a, -2))
    from linad.numpy import _products
    if hasattr(_products, "multi_dot"):
        assert lnp.linalg.multi_dot is _products.multi_dot
    np.testing.assert_allclose(lnp.linalg.multi_dot([a, a, a]), a @ a @ a)


def test_tensorsolve_axes_and_tensorinv():
    rng = np.random.default_rng(8)
    a = (rng.standard_normal((4, 4)) + 5 * np.eye(4)).reshape(2, 2, 2, 2)
    b = rng.standard_normal((2, 2))
    at = np.transpose(a, (0, 2, 1, 3))
    np.testing.assert_allclose(lnp.linalg.tensorsolve(at, b, axes=(2,)),
                               np.linalg.tensorsolve(at, b, axes=(2,)))
    np.testing.assert_allclose(lnp.linalg.tensorinv(a), np.linalg.tensorinv(a))


def test_matrix_rank_is_an_integer_without_derivative():
    def f(a):
        return a.sum() * lnp.linalg.matrix_rank(a)
    np.testing.assert_allclose(linad.grad(f)(np.ones((2, 2))), np.ones((2, 2)))


# ============================================================================ one factorisation

def count_calls(monkeypatch, module, name):
    """Replace ``module.name`` by a wrapper recording its calls; returns the list of calls."""
    calls = []
    original = getattr(module, name)

    def counting(*args, **kwargs):
        calls.append(1)
        return original(*args, **kwargs)
    monkeypatch.setattr(module, name, counting)
    return calls


def test_solve_factors_once_for_value_tangents_and_cotangents(monkeypatch):
    calls = count_calls(monkeypatch, lapack, "_getrf")
    a, b = rng_matrix(3), np.ones((3, 2))
    out, f_lin = linad.linearize(lnp.linalg.solve, a, b)
    f_lin(np.eye(3), np.ones((3, 2)))
    f_lin.T(np.ones((3, 2)))
    f_lin.T.T(np.eye(3), np.ones((3, 2)))
    linad.grad(lambda a: lnp.linalg.solve(a, b).sum())(a)
    assert len(calls) == 2  # one for linearize (reused by f_lin, f_lin.T, f_lin.T.T), one for grad
    factors = {(id(e.inputs[1]), id(e.inputs[2])) for p in (f_lin.program, f_lin.T.program)
               for e in p.eqns if e.prim is LA.solve_p}
    assert len(factors) == 1  # the same (lu, piv) residuals in every solve
    assert "solve[trans=1] r0 r1 r2 a" in str(f_lin.T)


def test_sylvester_schur_forms_computed_once(monkeypatch):
    calls = count_calls(monkeypatch, sla, "schur")
    a, b, q = rng_matrix(3), rng_matrix(2, seed=1), np.ones((3, 2))
    _, f_vjp = linad.vjp(lsl.solve_sylvester, a, b, q)
    f_vjp(np.ones((3, 2)))
    f_vjp(np.ones((3, 2)))
    assert len(calls) == 2  # Schur forms of a and of b, once


def logdet_plus_trace_inv(C):
    def f(X):
        M = X @ X.T + np.eye(len(C))
        return lnp.linalg.slogdet(M)[1] + lnp.trace(lnp.linalg.inv(M) @ C)
    return f


def grad_logdet_plus_trace_inv(X, C):
    W = np.linalg.inv(X @ X.T + np.eye(len(X)))
    G = W - W @ C.T @ W
    return (G + G.T) @ X


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.complex64, np.complex128])
@pytest.mark.parametrize("batch", [(), (2,), (2, 3)])
def test_lu_factor_inverse_and_logdet_equal_numpy(dtype, batch):
    a = rng_matrix(5, seed=3, dtype=dtype, batch=batch)
    a[..., 0, :] *= -1  # pivots and signs away from the identity's
    before = a.copy()
    f = lapack.LUFactor.of(a)
    lu, piv = f.lu.copy(), f.piv.copy()
    y = f.inverse()
    tol = 1e-5 if np.dtype(dtype).itemsize <= 8 else 1e-12
    assert y.dtype == dtype and y.shape == a.shape
    np.testing.assert_allclose(y, np.linalg.inv(a), rtol=tol, atol=tol)
    np.testing.assert_allclose(y @ a, np.broadcast_to(np.eye(5), a.shape), atol=tol)
    sign, logdet = f.slogdet()
    np.testing.assert_allclose(sign, np.linalg.slogdet(a)[0], rtol=tol)
    np.testing.assert_allclose(logdet, np.linalg.slogdet(a)[1], rtol=tol)
    # nothing read is written: the matrix, the factor (used again by later solves)
    np.testing.assert_array_equal(a, before)
    np.testing.assert_array_equal(f.lu, lu)
    np.testing.assert_array_equal(f.piv, piv)
    assert not np.shares_memory(y, f.lu)
    assert f.inverse() is not y  # a fresh array each time: the caller may own it
    np.testing.assert_array_equal(f.inverse(), y)


def test_lu_factor_of_singular_and_non_float_matrices():
    with pytest.raises(np.linalg.LinAlgError):
        lapack.LUFactor.of(SINGULAR)
    ints = np.array([[2, 1], [1, 3]])
    np.testing.assert_allclose(lapack.LUFactor.of(ints).inverse(), np.linalg.inv(ints), rtol=1e-14)
    assert lapack.LUFactor.of(np.zeros((0, 0))).inverse().shape == (0, 0)


def count_factorisations(monkeypatch) -> list:
    """Record every factorisation: LU (``getrf``) and NumPy's inv, det and slogdet."""
    calls = count_calls(monkeypatch, lapack, "_getrf")
    for prim in (LA.inv_p, LA.det_p, LA.slogdet_p):
        monkeypatch.setattr(prim, "impl", _recording(prim.impl, calls))
    return calls


def _recording(fn, calls: list):
    def recorded(*args, **kwargs):
        calls.append(1)
        return fn(*args, **kwargs)
    return recorded


@pytest.mark.parametrize("order", ["slogdet first", "inv first", "det"])
def test_one_factorisation_shared_between_rules_on_one_primal(monkeypatch, order):
    calls = count_factorisations(monkeypatch)
    X, C = rng_matrix(4), rng_matrix(4, seed=1)

    def f(X):
        M = X @ X.T
        if order == "slogdet first":
            return lnp.linalg.slogdet(M)[1] + lnp.trace(lnp.linalg.inv(M) @ C)
        if order == "inv first":
            return lnp.trace(lnp.linalg.inv(M) @ C) + lnp.linalg.slogdet(M)[1]
        return lnp.linalg.det(M) * lnp.trace(lnp.linalg.inv(M) @ C)
    for transform in (linad.grad(f), lambda X: linad.jvp(f, (X,), (C,))):
        calls.clear()
        transform(X)
        assert len(calls) == 1  # one LU factor gives the value, the inverse and the (s)logdet
    linad.testing.check_grads(f, (X,), order=2)


@pytest.mark.parametrize("order", ["slogdet first", "inv first", "det"])
def test_inverse_shared_between_rules_on_a_stack(monkeypatch, order):
    calls = count_calls(monkeypatch, LA.inv_p, "impl")
    X, C = rng_matrix(4)[None] * np.array([1.0, 0.5])[:, None, None], rng_matrix(4, seed=1)

    def f(X):
        M = X @ lnp.swapaxes(X, -1, -2)
        tr = lnp.trace(lnp.linalg.inv(M) @ C, axis1=-2, axis2=-1)
        if order == "slogdet first":
            return (lnp.linalg.slogdet(M)[1] + tr).sum()
        if order == "inv first":
            return (tr + lnp.linalg.slogdet(M)[1]).sum()
        return (lnp.linalg.det(M) * tr).sum()
    for transform in (linad.grad(f), lambda X: linad.jvp(f, (X,), (np.ones_like(X),))):
        calls.clear()
        transform(X)
        assert len(calls) == 1  # a stack keeps NumPy's batched inverse, computed once
    linad.testing.check_grads(f, (X,), order=2)


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.complex64, np.complex128])
@pytest.mark.parametrize("name", ["inv", "det", "slogdet"])
def test_values_from_the_shared_factor_match_numpy(name, dtype):
    """Under a transformation the values come from the shared LU factor: NumPy's values
    (to rounding), dtypes and types."""
    rng = np.random.default_rng(3)
    a = rng.standard_normal((5, 5))
    if np.dtype(dtype).kind == "c":
        a = a + 1j * rng.standard_normal((5, 5))
    a = a.astype(dtype)
    a[[0, 1]] = a[[1, 0]]  # a row swap: the pivots' parity matters
    fn = getattr(lnp.linalg, name)
    want = getattr(np.linalg, name)(a)
    got, _ = linad.jvp(fn, (a,), (np.ones_like(a),))
    tol = 1e-5 if np.dtype(dtype) in (np.float32, np.complex64) else 1e-12
    for g, w in zip(np.atleast_1d(got) if name != "slogdet" else got,
                    np.atleast_1d(want) if name != "slogdet" else want):
        assert np.asarray(g).dtype == np.asarray(w).dtype
        np.testing.assert_allclose(g, w, rtol=tol, atol=tol)


@pytest.mark.parametrize("dtype", [np.float32, np.complex128])
def test_derivatives_through_the_shared_factor(dtype):
    rng = np.random.default_rng(4)
    a = rng.standard_normal((4, 4)) + 4 * np.eye(4)
    if np.dtype(dtype).kind == "c":
        a = a + 1j * rng.standard_normal((4, 4))
    a = a.astype(dtype)
    tol = 1e-2 if dtype == np.float32 else 1e-6

    def f(a):
        sign, logdet = lnp.linalg.slogdet(a)
        return lnp.linalg.inv(a) * logdet + lnp.linalg.det(a) * sign
    linad.testing.check_grads(f, (a,), order=1, rtol=tol, atol=tol)


def test_shared_inverse_gives_the_closed_form_gradient():
    X, C = rng_matrix(5) / 5, rng_matrix(5, seed=1)
    np.testing.assert_allclose(linad.grad(logdet_plus_trace_inv(C))(X),
                               grad_logdet_plus_trace_inv(X, C), rtol=1e-10)


def test_nothing_is_shared_across_calls():
    C = rng_matrix(3, seed=1)
    g = linad.grad(lambda X: lnp.linalg.slogdet(X)[1] + lnp.trace(lnp.linalg.inv(X) @ C))
    X = rng_matrix(3)
    g(X)
    X[0, 1] += 1.0  # the same array, mutated: its old inverse must not be reused
    W = np.linalg.inv(X)
    np.testing.assert_allclose(g(X), W.T - W.T @ C.T @ W.T, rtol=1e-10)


def test_sharing_outside_a_scope_computes_each_time():
    from linad.optimize.sharing import shared, sharing_scope
    a, count = np.eye(2), []

    def compute():
        count.append(1)
        return len(count)
    assert shared("k", a, compute) == 1 and shared("k", a, compute) == 2
    with sharing_scope():
        assert shared("k", a, compute) == 3 and shared("k", a, compute) == 3
        assert shared("other kind", a, compute) == 4
        assert shared("k", np.eye(2), compute) == 5  # an equal array is another key
    assert shared("k", a, compute) == 6


@pytest.mark.parametrize("which", ["solve", "triangular", "sylvester", "frechet"])
def test_batched_application_of_linear_solves(which):
    a, b = rng_matrix(3, batch=(2,)), np.ones((2, 3, 2))
    fns = {
        "solve": (lambda a, b: lnp.linalg.solve(a, b), (a, b)),
        "triangular": (lambda a, b: lsl.solve_triangular(a, b, lower=True, trans=2), (a, b)),
        "sylvester": (lambda a, q: lsl.solve_sylvester(a, a, q), (a, np.ones((2, 3, 3)))),
        "frechet": (lambda a: lsl.expm(0.2 * a), (a,)),
    }
    f, args = fns[which]
    _, f_lin = linad.linearize(f, *args)
    rng = np.random.default_rng(0)
    batch = [rng.standard_normal((4,) + np.shape(x)) for x in args]
    together = f_lin.matmat(*batch)
    one_by_one = np.stack([f_lin(*[x[i] for x in batch]) for i in range(4)])
    np.testing.assert_allclose(together, one_by_one, rtol=1e-12, atol=1e-12)
    cts = rng.standard_normal((4,) + np.shape(together)[1:])
    back = f_lin.T.matmat(cts)
    back1 = [np.stack([f_lin.T(cts[i])[k] for i in range(4)]) for k in range(len(args))]
    for x, y in zip(back, back1):
        np.testing.assert_allclose(x, y, rtol=1e-12, atol=1e-12)


# ============================================================================ degenerate points

def test_eigenvalue_functions_finite_at_repeated_eigenvalues():
    a = np.diag([1.0, 1.0, 2.0])
    g = linad.grad(lambda a: lnp.linalg.eigvalsh(a).sum())(a)
    np.testing.assert_allclose(g, np.eye(3))
    g2 = linad.grad(lambda a: (lnp.linalg.eigvalsh(a) ** 2).sum())(a)  # = ||A||_F^2 on sym.
    np.testing.assert_allclose(g2, 2 * np.tril(a + a.T - np.diag(np.diag(a))))
    second = linad.jvp(linad.grad(lambda a: (lnp.linalg.eigvalsh(a) ** 2).sum()), (a,),
                       (np.ones((3, 3)),))[1]
    assert np.all(np.isfinite(second))


def test_eigenvector_derivative_at_repeated_eigenvalues_drops_coupling():
    """Documented: F is 0 between equal eigenvalues; the result is finite."""
    a = np.diag([1.0, 1.0, 2.0])
    da = np.ones((3, 3))
    dw, dv = linad.jvp(lambda a: tuple(lnp.linalg.eigh(a)), (a,), (da,))[1]
    assert np.all(np.isfinite(dv))
    w, v = np.linalg.eigh(a)
    p = v.T @ (np.tril(da) + np.tril(da, -1).T) @ v
    f = np.zeros((3, 3))
    for i in range(3):
        for j in range(3):
            if w[i] != w[j]:
                f[i, j] = 1.0 / (w[j] - w[i])
    np.testing.assert_allclose(dv, v @ (f * p))
    np.testing.assert_allclose(dw, np.diag(p))


def test_singular_values_finite_when_repeated_or_zero():
    a = np.diag([2.0, 2.0, 0.0])
    g = linad.grad(lambda a: lnp.linalg.norm(a, "nuc"))(a)
    assert np.all(np.isfinite(g))
    _, f_lin = linad.linearize(lambda a: tuple(lnp.linalg.svd(a)), a)
    assert all(np.all(np.isfinite(o)) for o in f_lin(np.ones((3, 3))))


def test_gauge_invariant_reconstruction_is_exact():
    """U diag(s) Vh = A, so its derivative is the identity whatever the vectors' gauge."""
    a = np.random.default_rng(9).standard_normal((4, 3)) + 1j * np.random.default_rng(
        10).standard_normal((4, 3))

    def rebuild(a):
        u, s, vh = lnp.linalg.svd(a, full_matrices=False)
        return (u * s[..., None, :]) @ vh
    t = np.ones((4, 3)) * (1 - 2j)
    np.testing.assert_allclose(linad.jvp(rebuild, (a,), (t,))[1], t, atol=1e-12)


def test_cholesky_and_eigh_ignore_the_other_triangle():
    a = rng_matrix(3)
    h = a @ a.T
    reads_lower = [lambda x: lnp.linalg.cholesky(x).sum(),
                   lambda x: lnp.linalg.eigvalsh(x).sum()]
    reads_upper = [lambda x: (lnp.linalg.eigh(x, UPLO="U").eigenvalues ** 2).sum(),
                   lambda x: lnp.linalg.cholesky(x, upper=True).sum()]
    for f in reads_lower:
        np.testing.assert_array_equal(np.triu(linad.grad(f)(h), 1), 0)
    for f in reads_upper:
        np.testing.assert_array_equal(np.tril(linad.grad(f)(h), -1), 0)
    hc = h.astype(complex)
    imaginary_diagonal = 1j * np.eye(3)  # LAPACK reads only the real part of the diagonal
    for f in (lnp.linalg.cholesky, lnp.linalg.eigvalsh):
        np.testing.assert_array_equal(linad.jvp(f, (hc,), (imaginary_diagonal,))[1], 0)


# ============================================================================ errors

def test_singular_matrix_errors_propagate():
    with pytest.raises(np.linalg.LinAlgError, match="Singular matrix"):
        lnp.linalg.solve(SINGULAR, np.ones(2))
    with pytest.raises(np.linalg.LinAlgError, match="Singular matrix"):
        linad.grad(lambda a: lnp.linalg.solve(a, np.ones(2)).sum())(SINGULAR)
    with pytest.raises(np.linalg.LinAlgError, match="Singular matrix"):
        lnp.linalg.solve(np.stack([np.eye(2), SINGULAR]), np.ones((2, 2, 1)))
    with pytest.raises(np.linalg.LinAlgError, match="Singular matrix"):
        linad.grad(lambda a: lnp.linalg.inv(a).sum())(SINGULAR)
    assert lnp.linalg.det(SINGULAR) == 0.0  # det and slogdet are defined there
    # (their derivatives at singular matrices: tests/test_linalg_extra.py)
    with pytest.raises(np.linalg.LinAlgError, match="Singular matrix"):
        lnp.linalg.tensorsolve(SINGULAR, np.ones(2))
    with pytest.raises(np.linalg.LinAlgError, match="Singular matrix"):
        lsl.solve(SINGULAR, np.ones(2))


def test_factorisation_errors_propagate():
    with pytest.raises(np.linalg.LinAlgError, match="not positive definite"):
        linad.grad(lambda a: lnp.linalg.cholesky(a).sum())(-np.eye(2))
    with pytest.raises(np.linalg.LinAlgError, match="not positive definite"):
        lsl.cho_factor(-np.eye(2))
    with pytest.raises(np.linalg.LinAlgError, match="singular matrix"):
        lsl.solve_triangular(np.array([[1.0, 0.0], [1.0, 0.0]]), np.ones(2), lower=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", sla.LinAlgWarning)
        lu_piv = lsl.lu_factor(SINGULAR)
    with pytest.raises(np.linalg.LinAlgError, match="singular matrix"):
        linad.grad(lambda b: lsl.lu_solve(lu_piv, b).sum())(np.ones(2))


def test_lu_factor_warns_on_singular_like_scipy():
    with pytest.warns(sla.LinAlgWarning, match="exactly zero"):
        lsl.lu_factor(SINGULAR)


@pytest.mark.parametrize("fn, args, exc, match", [
    (lnp.linalg.det, (np.ones((2, 3)),), np.linalg.LinAlgError, "must be square"),
    (lnp.linalg.solve, (np.ones(3), np.ones(3)), np.linalg.LinAlgError, "at least two"),
    (lnp.linalg.solve, (np.eye(3), np.ones(2)), ValueError, "has 2 rows"),
    (lnp.linalg.solve, (np.eye(3), np.ones((2, 2))), ValueError, "has 2 rows"),
    (lnp.linalg.solve, (np.eye(3), np.float64(1.0)), ValueError, "at least 1-dimensional"),
    (lnp.linalg.qr, (np.eye(2), "raw"), NotImplementedError, "mode='raw'"),
    (lnp.linalg.qr, (np.eye(2), "fast"), ValueError, "Unrecognized mode"),
    (lnp.linalg.qr, (np.ones(3),), np.linalg.LinAlgError, "at least two"),
    (lnp.linalg.svd, (np.ones(3),), np.linalg.LinAlgError, "at least two"),
    (lnp.linalg.eigh, (np.eye(2), "X"), ValueError, "UPLO argument"),
    (lnp.linalg.norm, (np.eye(2), 3), ValueError, "Invalid norm order for matrices"),
    (lnp.linalg.norm, (np.eye(2), "bad"), ValueError, "Invalid norm order for matrices"),
    (lnp.linalg.norm, (np.ones((2, 2, 2)), "fro"), ValueError, "Improper number"),
    (lnp.linalg.norm, (np.ones((2, 2)), None, (0, 0)), ValueError, "Duplicate axes"),
    (lnp.linalg.norm, (np.ones((2, 2)), None, (0, 1, 1)), ValueError, "Improper number"),
    (lnp.linalg.norm, (np.ones((2, 2)), None, (0, 5)), np.exceptions.AxisError, "Invalid axis"),
    (lnp.linalg.matrix_power, (np.eye(2), 1.5), TypeError, "exponent must be an integer"),
    (lnp.linalg.matrix_power, (np.ones((2, 3)), 2), np.linalg.LinAlgError, "must be square"),
    (lnp.linalg.tensorinv, (np.eye(4), 0), ValueError, "Invalid ind"),
    (lnp.linalg.tensorsolve, (np.ones((2, 3)), np.ones(2)), np.linalg.LinAlgError,
     "prod\\(a.shape"),
    (lnp.linalg.lstsq, (np.ones((2, 2, 2)), np.ones(2)), np.linalg.LinAlgError,
     "two-dimensional"),
    (lnp.linalg.lstsq, (np.ones((3, 2)), np.ones((3, 2, 2))), np.linalg.LinAlgError,
     "one or two-dimensional"),
    (lsl.solve_triangular, (np.ones((2, 3)), np.ones(2)), ValueError, "expected square"),
    (lsl.solve_triangular, (np.eye(2), np.ones(2), 7), ValueError, "trans must be"),
    (lsl.solve_triangular, (np.eye(2), np.array([1.0, np.nan])), ValueError, "infs or NaNs"),
    (lsl.expm_frechet, (np.eye(2), np.eye(3)), ValueError, "same shape"),
    (lsl.solve_sylvester, (np.eye(2), np.eye(3), np.ones((3, 2))), ValueError, "q must have"),
    (lsl.solve_continuous_lyapunov, (np.eye(2), np.eye(3)), ValueError, "same shape"),
    (lsl.solve, (np.eye(2), np.ones(2), False, False, False, True, "banded"),
     NotImplementedError, "assume_a"),
])
def test_error_messages(fn, args, exc, match):
    with pytest.raises(exc, match=match):
        fn(*args)


def test_pinv_rcond_and_rtol_exclusive():
    with pytest.raises(ValueError, match="can't be both set"):
        lnp.linalg.pinv(np.eye(2), rcond=1e-3, rtol=1e-3)
    a = np.diag([1.0, 1e-20])
    np.testing.assert_allclose(lnp.linalg.pinv(a, rtol=None), np.linalg.pinv(a, rtol=None))
    np.testing.assert_allclose(lnp.linalg.pinv(a, rtol=1e-3), np.linalg.pinv(a, rtol=1e-3))


# ============================================================================ property tests

@settings(max_examples=6)
@given(nonsymmetric(), st.sampled_from([np.float64, np.complex128]))
def test_eig_reconstructs_and_differentiates(a, dtype):
    a = a.astype(dtype)

    def rebuild(a):
        w, v = lnp.linalg.eig(a)
        return (v * w[..., None, :]) @ lnp.linalg.inv(v)
    t = np.ones(a.shape, dtype)
    out, tan = linad.jvp(rebuild, (a,), (t,))
    np.testing.assert_allclose(out, a, atol=1e-10)
    np.testing.assert_allclose(tan, t, atol=1e-8)


@settings(max_examples=6)
@given(separated(), st.booleans())
def test_svd_shapes_and_complement_projectors(a, full):
    u, s, vh = lnp.linalg.svd(a, full_matrices=full)
    u0, s0, vh0 = np.linalg.svd(a, full_matrices=full)
    assert u.shape == u0.shape and vh.shape == vh0.shape
    np.testing.assert_allclose(s, s0)


@settings(max_examples=5)
@given(hermitian(), st.sampled_from(["L", "U"]))
def test_eigh_matches_numpy_for_each_triangle(a, uplo):
    w, v = lnp.linalg.eigh(a, UPLO=uplo)
    w0, v0 = np.linalg.eigh(a, UPLO=uplo)
    np.testing.assert_allclose(w, w0)
    np.testing.assert_allclose(np.abs(v), np.abs(v0), atol=1e-10)
