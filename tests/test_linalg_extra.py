"""linad.scipy.linalg's factorisations and solvers, det at singular matrices, traced
right-hand sides: values against SciPy/NumPy, closed-form derivatives, errors."""
import numpy as np
import pytest
import scipy.linalg as sla
from hypothesis import given, settings, strategies as st

import linad
import linad.numpy as lnp
import linad.scipy.linalg as lsl
from linad.testing import check_grads, check_transpose

RNG = np.random.default_rng(7)


def rand(*shape, complex_=False):
    x = RNG.standard_normal(shape)
    return x + 1j * RNG.standard_normal(shape) if complex_ else x


def spd(n, complex_=False):
    m = rand(n, n, complex_=complex_)
    return m @ m.conj().T + n * np.eye(n)


def fd(f, x, e, h=1e-6):
    return (np.asarray(f(x + h * e)) - np.asarray(f(x - h * e))) / (2 * h)


def cofactor_adjugate(a):
    """adj(A)[j, i] = (-1)^(i+j) det(A without row i and column j), straight from the definition."""
    n = a.shape[0]
    adj = np.empty_like(a)
    for i in range(n):
        for j in range(n):
            minor = np.delete(np.delete(a, i, 0), j, 1)
            adj[j, i] = (-1) ** (i + j) * np.linalg.det(minor)
    return adj


# ============================================================================ values vs SciPy

@pytest.mark.parametrize("complex_", [False, True])
def test_values_match_scipy(complex_):
    a, h, t = rand(4, 3, complex_=complex_), spd(3, complex_), rand(3, 3, complex_=complex_)
    for lower in (False, True):
        np.testing.assert_allclose(lsl.cholesky(h, lower=lower), sla.cholesky(h, lower=lower))
    w, v = lsl.eigh(t + t.conj().T, h)
    w2, v2 = sla.eigh(t + t.conj().T, h)
    np.testing.assert_allclose(w, w2)
    np.testing.assert_allclose(np.abs(v), np.abs(v2))
    for got, want in zip(lsl.svd(a), sla.svd(a)):
        np.testing.assert_allclose(np.abs(got), np.abs(want), atol=1e-12)
    for mode in ("full", "economic", "r"):
        for got, want in zip(lsl.qr(a, mode=mode, pivoting=True), sla.qr(a, mode=mode,
                                                                         pivoting=True)):
            np.testing.assert_allclose(got, want, atol=1e-12)
    for kw in ({}, {"permute_l": True}, {"p_indices": True}):
        for got, want in zip(lsl.lu(t, **kw), sla.lu(t, **kw)):
            np.testing.assert_allclose(got, want, atol=1e-12)
    b = rand(4, complex_=complex_)
    x, res, rank, s = lsl.lstsq(a, b)
    x2, res2, rank2, s2 = sla.lstsq(a, b)
    np.testing.assert_allclose(x, x2)
    np.testing.assert_allclose(res, res2)
    assert np.ndim(res) == np.ndim(res2) == 0 and rank == rank2
    np.testing.assert_allclose(lsl.pinv(a), sla.pinv(a), atol=1e-12)
    np.testing.assert_allclose(lsl.pinv(a, atol=0.5), sla.pinv(a, atol=0.5), atol=1e-12)
    for side, m in (("right", a), ("left", a.T)):
        for got, want in zip(lsl.polar(m, side), sla.polar(m, side)):
            np.testing.assert_allclose(got, want, atol=1e-12)
    out = "complex" if complex_ else "real"
    for got, want in zip(lsl.schur(t, out), sla.schur(t, out)):
        np.testing.assert_allclose(got, want, atol=1e-12)
    q = rand(3, 3, complex_=complex_)
    for method in ("direct", "bilinear"):
        np.testing.assert_allclose(lsl.solve_discrete_lyapunov(0.4 * t, q, method),
                                   sla.solve_discrete_lyapunov(0.4 * t, q), atol=1e-12)
    np.testing.assert_allclose(lsl.fractional_matrix_power(h, 0.3),
                               sla.fractional_matrix_power(h, 0.3), atol=1e-12)
    np.testing.assert_allclose(lsl.funm(t, np.sin), sla.funm(t, np.sin), atol=1e-10)
    np.testing.assert_allclose(lsl.block_diag(a, t, 2.0, [1, 2]),
                               sla.block_diag(a, t, 2.0, [1, 2]))


def test_block_diag_empty_and_dtype():
    assert lsl.block_diag().shape == sla.block_diag().shape == (1, 0)
    assert lsl.block_diag(np.ones((1, 1), np.float32), 1j).dtype == np.complex128


def test_funm_real_result_and_errest():
    a = np.array([[0.0, 1.0], [-1.0, 0.0]])  # eigenvalues +-i, exp(A) is real
    f = lsl.funm(a, np.exp)
    assert f.dtype == np.float64
    np.testing.assert_allclose(f, sla.expm(a), atol=1e-14)
    f2, err = lsl.funm(a, np.exp, disp=False)
    assert err < 1e-10


# ============================================================================ closed forms

def test_grad_det_is_adjugate_at_singular_matrices():
    a = rand(4, 4)
    a[3] = a[0] + 2 * a[1]  # rank 3
    g = linad.grad(lnp.linalg.det)(a)
    np.testing.assert_allclose(g, cofactor_adjugate(a).T, atol=1e-10)
    assert np.abs(g).max() > 0.1
    e = rand(4, 4)
    _, t = linad.jvp(lnp.linalg.det, (a,), (e,))
    np.testing.assert_allclose(t, np.trace(cofactor_adjugate(a) @ e), atol=1e-10)
    np.testing.assert_allclose(t, fd(np.linalg.det, a, e), atol=1e-7)


@pytest.mark.parametrize("a", [np.array([[1.0, 2.0], [2.0, 4.0]]), np.ones((3, 3)),
                               np.zeros((3, 3)), np.diag([1.0, 0.0, 0.0])])
def test_det_derivatives_at_singular_closed_forms(a):
    g = linad.grad(lnp.linalg.det)(a)
    np.testing.assert_allclose(g, cofactor_adjugate(a).T, atol=1e-12)
    # the Hessian of det at A, in directions E, F: d/dt tr(adj(A + tF) E)
    e, f = rand(*a.shape), rand(*a.shape)
    hess = linad.jvp(lambda x: linad.grad(lnp.linalg.det)(x), (a,), (f,))[1]
    want = fd(lambda x: np.trace(cofactor_adjugate(x) @ e), a, f)
    np.testing.assert_allclose(np.sum(hess * e), want, atol=1e-7)


def test_det_singular_stack_and_complex():
    a = rand(2, 3, 3, complex_=True)
    a[0, 2] = a[0, 1]
    e = rand(2, 3, 3, complex_=True)
    _, t = linad.jvp(lnp.linalg.det, (a,), (e,))
    for k in range(2):
        np.testing.assert_allclose(t[k], np.trace(cofactor_adjugate(a[k]) @ e[k]), atol=1e-10)
    assert abs(t[0]) > 1e-3


def test_det_third_order_at_singular_raises():
    third = linad.grad(lambda x: linad.jvp(lambda y: linad.grad(lnp.linalg.det)(y), (x,),
                                           (np.eye(2),))[1].sum())
    with pytest.raises(NotImplementedError, match="order three"):
        third(np.ones((2, 2)))


def test_slogdet_at_singular():
    a = np.ones((2, 2))
    sign, logabsdet = lnp.linalg.slogdet(a)
    assert sign == 0 and logabsdet == -np.inf
    _, (dsign, dlog) = linad.jvp(lambda x: tuple(lnp.linalg.slogdet(x)), (a,), (np.eye(2),))
    assert dsign == 0 and np.isnan(dlog)


def test_cholesky_derivative_giles():
    h = spd(4)
    e = rand(4, 4)
    e = e + e.T
    low = np.linalg.cholesky(h)
    x = np.linalg.solve(low, np.linalg.solve(low, e).T).T  # L^-1 E L^-T
    want = low @ (np.tril(x, -1) + 0.5 * np.diag(np.diag(x)))
    _, got = linad.jvp(lambda a: lsl.cholesky(a, lower=True), (h,), (e,))
    np.testing.assert_allclose(got, want, atol=1e-12)
    _, got_u = linad.jvp(lsl.cholesky, (h,), (e,))
    np.testing.assert_allclose(got_u, want.T, atol=1e-12)


def test_eigh_gauge_invariant_and_generalized():
    a, b = rand(4, 4), spd(4)
    a = a + a.T
    e = rand(4, 4)
    e = e + e.T

    def target(x):
        w, v = lsl.eigh(x, b)
        return (v * np.sin(w)) @ v.T  # gauge invariant

    _, got = linad.jvp(target, (a,), (e,))
    np.testing.assert_allclose(got, fd(target, a, e), atol=1e-6)
    check_grads(lambda x, y: lsl.eigh(x, y, eigvals_only=True), (a, b), order=2)


def test_polar_at_identity_is_exact():
    """At an orthogonal matrix all singular values are 1: the polar factor's derivative is
    the skew part (an SVD-based rule would lose it)."""
    e = rand(3, 3)
    _, (du, dp) = linad.jvp(lsl.polar, (np.eye(3),), (e,))
    np.testing.assert_allclose(du, (e - e.T) / 2, atol=1e-12)
    np.testing.assert_allclose(dp, (e + e.T) / 2, atol=1e-12)


def test_fractional_power_chain_rule():
    h = spd(3)
    e = rand(3, 3)
    _, got = linad.jvp(lambda a: lsl.fractional_matrix_power(a, 0.5), (h,), (e,))
    _, want = linad.jvp(lsl.sqrtm, (h,), (e,))
    np.testing.assert_allclose(got, want, atol=1e-10)


def test_funm_matches_expm_derivative():
    a = 0.5 * rand(3, 3)
    e = rand(3, 3)
    _, got = linad.jvp(lambda x: lsl.funm(x, lnp.exp), (a,), (e,))
    _, want = linad.jvp(lsl.expm, (a,), (e,))
    np.testing.assert_allclose(got, want, atol=1e-10)


# ============================================================================ traced right-hand sides

def _dot_product_test(f, x_shape, dtype=np.float64):
    x = rand(*x_shape).astype(dtype)
    ft = linad.linear_transpose(f, x)
    y = np.asarray(f(x))
    c = rand(*y.shape).astype(y.dtype)
    (ftc,) = ft(c)
    np.testing.assert_allclose(np.sum(c * y), np.sum(ftc * x), rtol=1e-10)
    _, f_lin = linad.linearize(f, x)
    check_transpose(f_lin)


@pytest.mark.parametrize("name", ["solve_triangular", "cho_solve", "lu_solve", "solve",
                                  "solve_sylvester", "expm_frechet", "lstsq", "np_lstsq",
                                  "np_solve"])
def test_rhs_linear_transpose(name):
    a, h, t = rand(3, 3) + 3 * np.eye(3), spd(3), rand(4, 2)
    fns = {
        "solve_triangular": (lambda b: lsl.solve_triangular(a, b, lower=True), (3, 2)),
        "cho_solve": (lambda b: lsl.cho_solve(lsl.cho_factor(h), b), (3,)),
        "lu_solve": (lambda b: lsl.lu_solve(lsl.lu_factor(a), b, trans=1), (3, 2)),
        "solve": (lambda b: lsl.solve(a, b), (3,)),
        "solve_sylvester": (lambda q: lsl.solve_sylvester(a, h, q), (3, 3)),
        "expm_frechet": (lambda e: lsl.expm_frechet(0.3 * a, e, compute_expm=False), (3, 3)),
        "lstsq": (lambda b: lsl.lstsq(t, b)[0], (4,)),
        "np_lstsq": (lambda b: lnp.linalg.lstsq(t, b)[0], (4, 2)),
        "np_solve": (lambda b: lnp.linalg.solve(a, b), (3,)),
    }
    f, shape = fns[name]
    _dot_product_test(f, shape)


def test_traced_rhs_inside_custom_jvp_rule():
    a = np.array([[2.0, 0.0], [1.0, 3.0]])

    @linad.custom_jvp
    def f(x):
        return sla.solve_triangular(a, x, lower=True)

    @f.defjvp
    def f_jvp(primals, tangents):
        (x,), (t,) = primals, tangents
        return f(x), lsl.solve_triangular(a, t, lower=True)

    g = linad.grad(lambda x: f(x).sum())(np.ones(2))
    np.testing.assert_allclose(g, np.linalg.solve(a.T, np.ones(2)))


def test_lstsq_residuals_are_not_linear():
    t = rand(4, 2)

    def both(b):
        x, res, _, _ = lnp.linalg.lstsq(t, b)
        return x + res

    with pytest.raises(linad.LinearityError, match="residuals"):
        linad.linear_transpose(both, np.ones(4))


def test_finite_check_still_applies_to_concrete_values():
    with pytest.raises(ValueError, match="infs or NaNs"):
        lsl.solve_triangular(np.eye(2), np.array([1.0, np.nan]))


@settings(max_examples=10, deadline=None)
@given(st.integers(1, 4), st.integers(1, 3))
def test_solve_discrete_lyapunov_identity(n, seed):
    rng = np.random.default_rng(seed)
    a = 0.4 * rng.standard_normal((n, n)) / n
    q = rng.standard_normal((n, n))
    x = lsl.solve_discrete_lyapunov(a, q)
    np.testing.assert_allclose(x - a @ x @ a.T, q, atol=1e-12)


# ============================================================================ numpy.linalg names

def test_numpy2_names_dispatch_and_errors():
    x = rand(2, 3)
    g = linad.grad(lambda x: np.linalg.trace(np.linalg.outer(x[0], x[1])))(x)
    np.testing.assert_allclose(g, x[::-1])
    np.testing.assert_allclose(lnp.linalg.vecdot(x, x), np.linalg.vecdot(x, x))
    with pytest.raises(ValueError, match="3-dimensional vectors"):
        lnp.linalg.cross(np.ones(2), np.ones(3))
    with pytest.raises(ValueError, match="one-dimensional"):
        lnp.linalg.outer(np.ones((2, 2)), np.ones(2))
    with pytest.raises(ValueError, match="at least 2-dimensional"):
        lnp.linalg.matrix_transpose(np.ones(3))


# ============================================================================ errors

def test_errors():
    with pytest.raises(ValueError, match="expected square matrix"):
        lsl.cholesky(np.ones((2, 3)))
    with pytest.raises(np.linalg.LinAlgError, match="not positive definite"):
        lsl.cholesky(-np.eye(2))
    with pytest.raises(np.linalg.LinAlgError, match="b must be Hermitian positive definite"):
        lsl.eigh(np.eye(2), -np.eye(2))
    with pytest.raises(NotImplementedError, match="subset_by_value"):
        lsl.eigh(np.eye(2), subset_by_value=(0, 1))
    with pytest.raises(ValueError, match="subset_by_index"):
        lsl.eigh(np.eye(2), subset_by_index=(1, 5))
    with pytest.raises(NotImplementedError, match="raw"):
        lsl.qr(np.eye(2), mode="raw")
    with pytest.raises(NotImplementedError, match="square"):
        lsl.lu(np.ones((3, 2)))
    with pytest.raises(ValueError, match="`side`"):
        lsl.polar(np.eye(2), side="up")
    with pytest.raises(ValueError, match="dimension greater than 2"):
        lsl.block_diag(np.ones((1, 1, 1)))
    with pytest.raises(TypeError, match="exponent t must be a number"):
        linad.grad(lambda t: lsl.fractional_matrix_power(np.eye(2), t).real.sum())(0.5)
    with pytest.raises(ValueError, match="Unknown solver"):
        lsl.solve_discrete_lyapunov(np.eye(2), np.eye(2), "magic")


def test_undefined_derivatives_raise():
    rot = np.array([[0.0, -1.0], [1.0, 0.0]]) + 2 * np.eye(2)  # complex eigenvalue pair
    with pytest.raises(NotImplementedError, match="2x2 blocks"):
        linad.jvp(lsl.schur, (rot,), (np.eye(2),))
    with pytest.raises(np.linalg.LinAlgError, match="repeated eigenvalues"):
        linad.jvp(lambda a: lsl.schur(a, "complex"), (np.array([[1.0, 1.0], [0.0, 1.0]]),),
                  (np.eye(2),))
    with pytest.raises(NotImplementedError, match="distinct eigenvalues"):
        linad.jvp(lambda a: lsl.funm(a, lnp.sin), (np.eye(2),), (np.eye(2),))
    with pytest.raises(NotImplementedError, match="positive factor"):
        linad.jvp(lsl.polar, (np.ones((2, 3)),), (np.ones((2, 3)),))
