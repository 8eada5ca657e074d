"""Values, closed-form derivatives and errors of the manipulation, signal and polynomial
functions of linad.numpy (diff, gradient, trapezoid, convolve, interp, unwrap, insert,
partition, the functional in-place updates, bincount/histogram weights, poly*).

Every value is computed on traced inputs, through ``lnp`` and through plain NumPy
dispatch, and compared with NumPy on plain arrays.  The systematic suite
(tests/cases/manipulation.py) checks the derivatives against finite differences.
"""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import linad
import linad.numpy as lnp

RNG = np.random.default_rng(0)
X = RNG.standard_normal((4, 5))
V = RNG.standard_normal(5)
C = np.cumsum(RNG.random(5) + 0.2)
Z = RNG.standard_normal(4) + 1j * RNG.standard_normal(4)
SWV = np.lib.stride_tricks.sliding_window_view


def traced(f, *args):
    """The value of ``f(*args)`` computed with every argument traced."""
    return linad.jvp(f, args, tuple(np.ones_like(a) for a in args))[0]


# Each entry: (id, f(m, *args) written with the namespace m, args).  m is numpy or linad.numpy.
VALUES = [
    ("diff", lambda m, x: m.diff(x), (X,)),
    ("diff_n2_axis0", lambda m, x: m.diff(x, 2, axis=0), (X,)),
    ("diff_prepend_append", lambda m, x, v: m.diff(x, 1, 0, prepend=0.5, append=v[None, :]),
     (X, V)),
    ("diff_n0", lambda m, x: m.diff(x, 0, prepend=1.0), (X,)),
    ("ediff1d", lambda m, x: m.ediff1d(x), (X,)),
    ("ediff1d_ends", lambda m, x, v: m.ediff1d(x, to_end=v, to_begin=[1.0, 2.0]), (X, V)),
    ("gradient_all_axes", lambda m, x: m.stack(m.gradient(x)), (X,)),
    ("gradient_scalar_axis1_order2", lambda m, x: m.gradient(x, 0.3, axis=1, edge_order=2),
     (X,)),
    ("gradient_coords", lambda m, x, c: m.gradient(x, 2.0, c)[1], (X, C)),
    ("gradient_coords_order2", lambda m, x, c: m.gradient(x, c, axis=-1, edge_order=2), (X, C)),
    ("gradient_uniform_coords", lambda m, x: m.gradient(x, np.arange(5.0), axis=1), (X,)),
    ("gradient_1d", lambda m, v: m.gradient(v), (V,)),
    ("trapezoid", lambda m, x: m.trapezoid(x), (X,)),
    ("trapezoid_dx_axis0", lambda m, x: m.trapezoid(x, dx=0.25, axis=0), (X,)),
    ("trapezoid_x", lambda m, x, c: m.trapezoid(x, c), (X, C)),
    ("trapezoid_x_nd", lambda m, x: m.trapezoid(x, np.cumsum(x * x, 0), axis=0), (X,)),
    ("append", lambda m, x, v: m.append(x, v), (X, V)),
    ("append_axis", lambda m, x, v: m.append(x, v[None, :], axis=0), (X, V)),
    ("insert_scalar", lambda m, x: m.insert(x, 2, 7.0), (X,)),
    ("insert_axis1", lambda m, x, v: m.insert(x, 1, v[:4], axis=1), (X, V)),
    ("insert_list", lambda m, x, v: m.insert(x, [0, 2, 2], v[:3], axis=1), (X, V)),
    ("insert_slice", lambda m, x, v: m.insert(x, slice(0, 4, 2), v[:2]), (X, V)),
    ("insert_broadcast_row", lambda m, x, v: m.insert(x, [1], v, axis=0), (X, V)),
    ("delete", lambda m, x: m.delete(x, [0, -1]), (X,)),
    ("delete_axis_slice", lambda m, x: m.delete(x, slice(None, None, 2), axis=1), (X,)),
    ("delete_mask", lambda m, x: m.delete(x, np.array([True, False, True, False]), 0), (X,)),
    ("copy", lambda m, x: m.copy(x), (X,)),
    ("resize_grow", lambda m, x: m.resize(x, (3, 9)), (X,)),
    ("resize_shrink", lambda m, x: m.resize(x, 7), (X,)),
    ("rollaxis", lambda m, x: m.rollaxis(x[None], 2, 0), (X,)),
    ("rollaxis_start", lambda m, x: m.rollaxis(x[..., None], 0, 3), (X,)),
    ("sliding_window", lambda m, x: SWV(x, (2, 3)), (X,)),
    ("sliding_window_axis", lambda m, x: SWV(x, 2, axis=0), (X,)),
    ("sliding_window_lnp", lambda m, x: lnp.sliding_window_view(x, 3, axis=-1), (X,)),
    ("apply_along_axis", lambda m, x: m.apply_along_axis(lambda r: r * r.sum(), 0, x), (X,)),
    ("apply_along_axis_matrix",
     lambda m, x: m.apply_along_axis(lambda r: m.outer(r, r[:2]), 1, x), (X,)),
    ("apply_along_axis_scalar", lambda m, x: m.apply_along_axis(m.sum, 1, x), (X,)),
    ("convolve_full", lambda m, a, v: m.convolve(a, v), (V, V[:3])),
    ("convolve_same", lambda m, a, v: m.convolve(a, v, "same"), (V[:2], V)),
    ("convolve_valid", lambda m, a, v: m.convolve(a, v, "valid"), (V, V[:3])),
    ("convolve_complex", lambda m, a, v: m.convolve(a, v, "same"), (Z, V)),
    ("correlate_valid", lambda m, a, v: m.correlate(a, v), (V, V[:2])),
    ("correlate_full_complex", lambda m, a, v: m.correlate(a, v, "full"), (Z, Z[:3])),
    ("correlate_same_short_a", lambda m, a, v: m.correlate(a, v, "same"), (Z[:2], Z)),
    ("correlate_valid_short_a", lambda m, a, v: m.correlate(a, v, "valid"), (V[:3], Z)),
    ("interp", lambda m, x, fp: m.interp(x, C, fp), (np.linspace(-1, 5, 23), V)),
    ("interp_at_knots", lambda m, x, fp: m.interp(x, C, fp), (C.copy(), V)),
    ("interp_left_right", lambda m, x, fp: m.interp(x, C, fp, left=-1.0, right=fp[1]),
     (np.linspace(-1, 5, 23), V)),
    ("interp_traced_xp", lambda m, x, xp, fp: m.interp(x, xp, fp), (np.linspace(0, 4, 9), C, V)),
    ("interp_period", lambda m, x, fp: m.interp(x, C, fp, period=1.7),
     (np.linspace(-3, 5, 17), V)),
    ("interp_complex", lambda m, x, fp: m.interp(x, C, fp * (1 + 2j)), (np.linspace(0, 4, 9), V)),
    ("interp_one_point", lambda m, x, fp: m.interp(x, C[:1], fp[:1]), (np.linspace(0, 4, 9), V)),
    ("interp_scalar_x", lambda m, fp: m.interp(1.5, C, fp), (V,)),
    ("unwrap", lambda m, p: m.unwrap(p), (np.cumsum(RNG.uniform(-5, 5, (3, 20)), axis=1),)),
    ("unwrap_axis0_period",
     lambda m, p: m.unwrap(p, discont=2.0, axis=0, period=5.0),
     (np.cumsum(RNG.uniform(-5, 5, (20, 3)), axis=0),)),
    ("partition", lambda m, x: m.partition(x, 2), (X,)),
    ("partition_axis0_many", lambda m, x: m.partition(x, [0, 3], axis=0), (X,)),
    ("partition_flat", lambda m, x: m.partition(x, -3, axis=None), (X,)),
    ("sort_complex_real", lambda m, x: m.sort_complex(x), (X,)),
    ("sort_complex", lambda m, z: m.sort_complex(z), (np.array([1 + 2j, 1 - 1j, -1 + 0j]),)),
    ("sort_complex_float32", lambda m, x: m.sort_complex(x), (X.astype(np.float32),)),
    ("piecewise",
     lambda m, x: m.piecewise(x, [x < 0, x > 1], [lambda v: v ** 2, lambda v: -v, 0.5]), (X,)),
    ("piecewise_no_default",
     lambda m, x: m.piecewise(x, [x < 0, x > 0.5], [lambda v: 2 * v, 3.0]), (X,)),
    ("piecewise_single_cond", lambda m, v: m.piecewise(v, v > 0, [np.sin, lambda v: v]), (V,)),
    ("piecewise_scalar", lambda m, x: m.piecewise(x[0, 0], [True], [lambda v: v * 3]), (X,)),
    ("bincount", lambda m, w: m.bincount([0, 1, 1, 4, 0], w), (V,)),
    ("bincount_minlength", lambda m, w: m.bincount([0, 1, 1, 4, 0], w, minlength=8), (V,)),
    ("histogram", lambda m, w: m.histogram(np.linspace(-1, 1, 5), 3, weights=w)[0], (V,)),
    ("histogram_range_density",
     lambda m, w: m.histogram(X[0], 4, (-1, 1), density=True, weights=w)[0], (V,)),
    ("histogram_edges", lambda m, w: m.histogram(X[0], [-2, 0, 0.5, 2], weights=w)[0], (V,)),
    ("histogram_float32",
     lambda m, w: m.histogram(X[0], 3, weights=w)[0], (V.astype(np.float32),)),
    ("polyval", lambda m, p, x: m.polyval(p, x), (V, X)),
    ("polyval_scalar", lambda m, p: m.polyval(p, 1.5), (V,)),
    ("vander", lambda m, x: m.vander(x), (V,)),
    ("vander_N_increasing", lambda m, x: m.vander(x, 3, increasing=True), (V,)),
    ("vander_float32", lambda m, x: m.vander(x, 4), (V.astype(np.float32),)),
    ("polyfit", lambda m, y: m.polyfit(C, y, 2), (V,)),
    ("polyfit_2d_weights", lambda m, y, w: m.polyfit(C, y, 1, w=w), (X.T, V * V + 0.5)),
    ("polyfit_traced_x", lambda m, x, y: m.polyfit(x, y, 3), (C, V)),
    ("polyfit_full", lambda m, y: m.concatenate([m.polyfit(C, y, 2, full=True)[0],
                                                 m.polyfit(C, y, 2, full=True)[1]]), (V,)),
    ("polyder", lambda m, p: m.polyder(p), (V,)),
    ("polyder_high", lambda m, p: m.polyder(p, 7), (V,)),
    ("polyint", lambda m, p: m.polyint(p), (V,)),
    ("polyint_k", lambda m, p: m.polyint(p, 3, [1.0, 2.0, 3.0]), (V,)),
    ("polyint_traced_k", lambda m, p, k: m.polyint(p, 2, k), (V, V[:2])),
    ("polyint_scalar_k", lambda m, p: m.polyint(p, 2, 4.0), (V,)),
    ("polyadd", lambda m, a, b: m.polyadd(a, b), (V, V[:2])),
    ("polyadd_longer_second", lambda m, a, b: m.polyadd(a, b), (V[:2], V)),
    ("polysub", lambda m, a, b: m.polysub(a, b), (V[:3], V)),
    ("polymul", lambda m, a, b: m.polymul(a, b), (V, V[:3])),
    ("polydiv_q", lambda m, u, v: m.polydiv(u, v)[0], (V, V[:3])),
    ("polydiv_r", lambda m, u, v: m.polydiv(u, v)[1], (V, V[:3])),
    ("polydiv_exact", lambda m, u, v: m.concatenate(m.polydiv(u, v)),
     (np.polymul([1.0, 2.0, 3.0], [1.0, -1.0]), np.array([1.0, -1.0]))),
    ("polydiv_short_u", lambda m, u, v: m.concatenate(m.polydiv(u, v)), (V[:2], V)),
    ("poly", lambda m, r: m.poly(r), (V,)),
    ("poly_matrix", lambda m, a: m.poly(a), (X[:3, :3],)),
    ("poly_conjugate_pairs", lambda m, z: m.poly(z),
     (np.array([1 + 1j, 1 - 1j, 2.0 + 0j]),)),
    ("poly_complex", lambda m, z: m.poly(z), (Z,)),
    ("roots", lambda m, p: m.sort_complex(m.roots(p)), (np.poly([1.0, -2.0, 3.5]),)),
    ("roots_complex", lambda m, p: m.sort_complex(m.roots(p)), (np.array([1.0, 0.0, 4.0]),)),
    ("roots_linear", lambda m, p: m.roots(p), (np.array([2.0, 3.0]),)),
]


@pytest.mark.parametrize("name, f, args", VALUES, ids=[v[0] for v in VALUES])
def test_values_follow_numpy(name, f, args):
    expected = f(np, *args)
    for m in (lnp, np):  # the lnp route and plain NumPy dispatch, on traced values
        got = traced(lambda *a: f(m, *a), *args)
        np.testing.assert_allclose(got, expected, rtol=1e-10, atol=1e-12)
        assert np.asarray(got).dtype == np.asarray(expected).dtype


def test_values_of_concrete_calls_are_numpy_results():
    """On plain arrays lnp returns NumPy's own result (same dtype and values)."""
    for name, f, args in VALUES:
        if name.startswith("sliding_window_lnp"):
            continue
        np.testing.assert_array_equal(f(lnp, *args), f(np, *args), err_msg=name)


# ============================================================================ in-place functions

def _fill_diagonal(a, val, wrap=False):
    a = a.copy()
    np.fill_diagonal(a, val, wrap)
    return a


def _put(a, ind, v, mode="raise"):
    a = a.copy()
    np.put(a, ind, v, mode)
    return a


def _put_along_axis(a, ind, v, axis):
    a = a.copy()
    np.put_along_axis(a, ind, v, axis)
    return a


@pytest.mark.parametrize("shape, wrap", [((4, 5), False), ((7, 3), True), ((7, 3), False),
                                         ((3, 3, 3), False), ((2, 2), False)])
@pytest.mark.parametrize("nval", [1, 2, 9])
def test_fill_diagonal_is_numpys_in_a_new_array(shape, wrap, nval):
    a = RNG.standard_normal(shape)
    val = RNG.standard_normal(nval)
    got = traced(lambda a, v: lnp.fill_diagonal(a, v, wrap), a, val)
    np.testing.assert_array_equal(got, _fill_diagonal(a, val, wrap))
    np.testing.assert_array_equal(lnp.fill_diagonal(a, 3.0), _fill_diagonal(a, 3.0))


@pytest.mark.parametrize("ind, mode", [([0, 3, -1, 3], "raise"), ([0, 33, -1, 3], "wrap"),
                                       ([-7, 40, 2], "clip"), ([], "raise")])
def test_put_is_numpys_in_a_new_array(ind, mode):
    v = X[1, :3] * 2
    got = traced(lambda x, v: lnp.put(x, ind, v, mode), X, v)
    np.testing.assert_array_equal(got, _put(X, ind, v, mode))


@pytest.mark.parametrize("axis", [0, 1, -1, None])
def test_put_along_axis_is_numpys_in_a_new_array(axis):
    if axis is None:
        ind = np.array([0, 7, 19])
        values = V[:3]
    else:
        ind = np.take(np.argsort(X, axis=axis), [0, 1], axis=axis)
        values = np.take(X, [2], axis=axis) * 3
    got = traced(lambda x, v: lnp.put_along_axis(x, ind, v, axis), X, values)
    np.testing.assert_array_equal(got, _put_along_axis(X, ind, values, axis))


@pytest.mark.parametrize("call", [
    lambda x: np.fill_diagonal(x, 1.0),
    lambda x: np.put(x, [0], 1.0),
    lambda x: np.put_along_axis(x, np.zeros((4, 1), int), 1.0, 1),
    lambda x: np.put(np.zeros(3), [0], x[0, 0]),
], ids=["fill_diagonal", "put", "put_along_axis", "put_traced_value"])
def test_in_place_numpy_functions_raise_with_the_functional_version(call):
    with pytest.raises(TypeError, match=r"in place.*lnp\.(fill_diagonal|put|put_along_axis)"):
        linad.grad(lambda x: call(x) or 0.0)(X)


# ============================================================================ closed forms

def test_trapezoid_gradient_is_the_trapezoid_weights():
    g = linad.grad(lambda y: lnp.trapezoid(y, dx=0.5))(V)
    np.testing.assert_allclose(g, 0.5 * np.array([0.5, 1, 1, 1, 0.5]))
    g = linad.grad(lambda y: lnp.trapezoid(y, C))(V)
    weights = np.concatenate([[C[1] - C[0]], C[2:] - C[:-2], [C[-1] - C[-2]]]) / 2
    np.testing.assert_allclose(g, weights, rtol=1e-13)
    # in x: d/dx_k sum (x_{j+1} - x_j)(y_j + y_{j+1}) / 2
    g = linad.grad(lambda x: lnp.trapezoid(V, x))(C)
    ypair = (V[1:] + V[:-1]) / 2
    np.testing.assert_allclose(g, np.concatenate([[-ypair[0]], ypair[:-1] - ypair[1:],
                                                  [ypair[-1]]]), rtol=1e-13)


def test_polyval_derivatives_are_powers_of_x_and_the_derivative_polynomial():
    x = 1.7
    np.testing.assert_allclose(linad.grad(lambda p: lnp.polyval(p, x))(V),
                               x ** np.arange(4, -1, -1), rtol=1e-14)
    np.testing.assert_allclose(linad.grad(lambda x: lnp.polyval(V, x))(x),
                               np.polyval(np.polyder(V), x), rtol=1e-13)


@pytest.mark.parametrize("n, m", [(5, 3), (2, 4), (4, 4), (1, 3)])
def test_convolve_transpose_is_correlate(n, m):
    a, v = RNG.standard_normal(n), RNG.standard_normal(m)
    ct = RNG.standard_normal(n + m - 1)
    _, f_lin = linad.linearize(lambda a: lnp.convolve(a, v), a)
    (ct_a,) = f_lin.T(ct)
    np.testing.assert_allclose(ct_a, np.correlate(ct, v, "valid"), rtol=1e-13)
    # and in v: the correlation of the cotangent with a
    _, f_lin = linad.linearize(lambda v: lnp.convolve(a, v), v)
    (ct_v,) = f_lin.T(ct)
    np.testing.assert_allclose(ct_v, np.correlate(ct, a, "valid"), rtol=1e-13)


def test_correlate_conjugates_v_and_is_linear_in_conj_v():
    a, v = Z, Z[:3]
    dv = RNG.standard_normal(3) + 1j * RNG.standard_normal(3)
    _, t = linad.jvp(lambda v: lnp.correlate(a, v, "full"), (v,), (dv,))
    np.testing.assert_allclose(t, np.correlate(a, dv, "full"), rtol=1e-13)


def test_interp_derivatives_are_the_slope_and_the_hat_weights():
    x = np.array([0.5, 1.9, 3.0])
    _, dx = linad.jvp(lambda x: lnp.interp(x, C, V), (x,), (np.ones(3),))
    j = np.searchsorted(C, x) - 1
    inside = (x > C[0]) & (x < C[-1])
    slope = (V[j + 1] - V[j]) / (C[j + 1] - C[j])
    np.testing.assert_allclose(dx, np.where(inside, slope, 0.0), rtol=1e-13)
    jac = linad.jacfwd(lambda fp: lnp.interp(x, C, fp))(V)
    expected = np.array([np.interp(x, C, e) for e in np.eye(5)]).T  # linear in fp
    np.testing.assert_allclose(jac, expected, rtol=1e-13, atol=1e-15)


def test_unwrap_derivative_is_the_identity():
    p = np.cumsum(RNG.uniform(-5, 5, 12))
    np.testing.assert_array_equal(linad.jacrev(lnp.unwrap)(p), np.eye(12))


@pytest.mark.parametrize("edge_order", [1, 2])
@pytest.mark.parametrize("spacing", [(), (0.4,), (C,)], ids=["unit", "scalar", "coords"])
def test_gradient_jacobian_is_numpys_linear_map(edge_order, spacing):
    jac = linad.jacfwd(lambda f: lnp.gradient(f, *spacing, edge_order=edge_order))(V)
    expected = np.array([np.gradient(e, *spacing, edge_order=edge_order) for e in np.eye(5)]).T
    np.testing.assert_allclose(jac, expected, rtol=1e-12, atol=1e-14)


def test_polyfit_jacobian_in_y_is_the_weighted_pseudoinverse():
    w = np.linspace(0.5, 1.5, 5)
    jac = linad.jacrev(lambda y: lnp.polyfit(C, y, 2, w=w))(V)
    expected = np.linalg.pinv(w[:, None] * np.vander(C, 3)) * w
    np.testing.assert_allclose(jac, expected, rtol=1e-9, atol=1e-12)


def test_roots_derivative_is_minus_powers_over_the_derivative_polynomial():
    p = np.poly([1.0, -2.0, 3.5]) * 2.0
    r = np.roots(p)
    jac = linad.jacfwd(lnp.roots)(p)
    expected = -(r[:, None] ** np.arange(3, -1, -1)) / np.polyval(np.polyder(p), r)[:, None]
    order = np.argsort(r)  # eigvals of the same matrix: the same order as NumPy
    np.testing.assert_allclose(jac[order], expected[order], rtol=1e-9, atol=1e-12)


def test_roots_keeps_trailing_zero_roots_differentiable():
    p = np.array([1.0, -3.0, 0.0])  # roots 3 and 0
    jac = linad.jacfwd(lnp.roots)(p)
    r = linad.jvp(lnp.roots, (p,), (p,))[0]  # the traced roots' order
    np.testing.assert_allclose(np.sort(r), [0.0, 3.0], atol=1e-15)
    expected = -(r[:, None] ** np.arange(2, -1, -1)) / np.polyval(np.polyder(p), r)[:, None]
    np.testing.assert_allclose(jac, expected, rtol=1e-12, atol=1e-14)


def test_poly_derivative_in_a_root_is_minus_the_other_factors():
    r = np.array([1.0, -2.0, 3.5])
    jac = linad.jacfwd(lnp.poly)(r)
    for k in range(3):
        others = np.poly(np.delete(r, k))
        np.testing.assert_allclose(jac[:, k], -np.concatenate([[0.0], others]), rtol=1e-14)


def test_partition_derivative_selects_the_order_statistic():
    x = np.array([3.0, -1.0, 2.0, 7.0, 0.5])
    g = linad.grad(lambda x: lnp.partition(x, 2)[2])(x)
    np.testing.assert_array_equal(g, np.eye(5)[2])  # the median is x[2]
    assert lnp.argpartition(x, 2)[2] == 2
    np.testing.assert_array_equal(np.argpartition(x, 2), lnp.argpartition(x, 2))


def test_bincount_and_histogram_jacobians_in_the_weights():
    xs = np.array([0, 1, 1, 4, 0])
    jac = linad.jacfwd(lambda w: lnp.bincount(xs, w, minlength=6))(V)
    np.testing.assert_array_equal(jac, np.eye(6)[xs].T)
    a = np.array([-0.9, -0.1, 0.2, 0.6, 5.0])
    jac = linad.jacfwd(lambda w: lnp.histogram(a, 2, (-1, 1), weights=w)[0])(V)
    np.testing.assert_array_equal(jac, [[1, 1, 0, 0, 0], [0, 0, 1, 1, 0]])
    h = lambda w: lnp.histogram(a, 2, (-1, 1), weights=w, density=True)[0]  # noqa: E731
    s = V[:4].sum()
    hist = np.array([V[0] + V[1], V[2] + V[3]])
    expected = (np.array([[1, 1, 0, 0, 0], [0, 0, 1, 1, 0]]) * s
                - hist[:, None] * np.array([1, 1, 1, 1, 0])) / s ** 2
    np.testing.assert_allclose(linad.jacfwd(h)(V), expected, rtol=1e-12)


def test_histogram_of_traced_samples_counts_their_values():
    """Counts are piecewise constant in the samples: traced samples (and weights of the same
    samples) give NumPy's histogram of the primal values; only the weights carry a derivative."""
    a = np.array([-0.9, -0.1, 0.2, 0.6, 0.95])

    def f(x):
        counts, edges = np.histogram(x, 3, (-1, 1))
        weighted = np.histogram(x, 3, (-1, 1), weights=x)[0]
        assert isinstance(counts, np.ndarray) and isinstance(edges, np.ndarray)
        np.testing.assert_array_equal(counts, np.histogram(a, 3, (-1, 1))[0])
        return lnp.sum(weighted * np.array([1.0, 2.0, 3.0]))
    # d/dx_i of sum_k c_k * (sum of x_j in bin k) = c_(bin of i)
    np.testing.assert_allclose(linad.grad(f)(a), [1.0, 2.0, 2.0, 3.0, 3.0])


def test_insert_and_delete_transpose_scatter_back():
    _, f_lin = linad.linearize(lambda x, v: lnp.insert(x, [1, 1, 3], v), V, V[:3])
    ct = np.arange(8.0)
    ct_x, ct_v = f_lin.T(ct)
    np.testing.assert_array_equal(ct_x, [0.0, 3.0, 4.0, 6.0, 7.0])
    np.testing.assert_array_equal(ct_v, [1.0, 2.0, 5.0])
    _, f_lin = linad.linearize(lambda x: lnp.resize(x, 12), V)
    (ct_x,) = f_lin.T(np.ones(12))
    np.testing.assert_array_equal(ct_x, [3.0, 3.0, 2.0, 2.0, 2.0])


# ============================================================================ hypothesis

@settings(max_examples=30)
@given(st.integers(1, 6), st.integers(1, 6), st.sampled_from(["full", "same", "valid"]),
       st.booleans())
def test_convolve_correlate_all_lengths(n, m, mode, complex_):
    rng = np.random.default_rng(n * 7 + m)
    a, v = rng.standard_normal(n), rng.standard_normal(m)
    if complex_:
        a, v = a + 1j * rng.standard_normal(n), v - 1j * rng.standard_normal(m)
    for f in (np.convolve, np.correlate):
        np.testing.assert_allclose(traced(lambda a, v: f(a, v, mode), a, v), f(a, v, mode),
                                   rtol=1e-12, atol=1e-14)


@settings(max_examples=30)
@given(st.lists(st.integers(1, 4), min_size=1, max_size=3), st.data())
def test_insert_delete_follow_numpy_for_random_indices(shape, data):
    x = np.arange(float(np.prod(shape))).reshape(shape)
    axis = data.draw(st.sampled_from([None] + list(range(-len(shape), len(shape)))))
    n = x.size if axis is None else shape[axis]
    obj = data.draw(st.one_of(st.integers(-n, n), st.lists(st.integers(-n, n), max_size=4),
                              st.builds(slice, st.integers(-n, n), st.none(),
                                        st.sampled_from([1, 2, -1]))))
    expected = np.insert(x, obj, -1.0, axis=axis)
    np.testing.assert_array_equal(traced(lambda x: lnp.insert(x, obj, -1.0, axis), x), expected)
    del_obj = obj if not isinstance(obj, int) or -n <= obj < n else 0
    if isinstance(del_obj, list):
        del_obj = [i for i in del_obj if -n <= i < n]
    np.testing.assert_array_equal(traced(lambda x: np.delete(x, del_obj, axis), x),
                                  np.delete(x, del_obj, axis))


@settings(max_examples=30)
@given(st.lists(st.integers(3, 5), min_size=1, max_size=3), st.sampled_from([1, 2]),
       st.data())
def test_gradient_follows_numpy_on_random_shapes(shape, edge_order, data):
    f = np.random.default_rng(len(shape)).standard_normal(shape)
    axis = data.draw(st.sampled_from([None] + list(range(len(shape)))))
    got = traced(lambda f: lnp.gradient(f, 0.7, axis=axis, edge_order=edge_order), f)
    expected = np.gradient(f, 0.7, axis=axis, edge_order=edge_order)
    for g, e in zip(got if isinstance(got, tuple) else (got,),
                    expected if isinstance(expected, tuple) else (expected,)):
        np.testing.assert_allclose(g, e, rtol=1e-12, atol=1e-12)


# ============================================================================ errors

ERRORS = [
    (lambda x: lnp.diff(x, -1), ValueError, "order must be non-negative"),
    (lambda x: lnp.diff(x[0, 0]), ValueError, "at least one dimensional"),
    (lambda x: lnp.gradient(x, edge_order=3), ValueError, "edge_order"),
    (lambda x: lnp.gradient(x[:2], edge_order=2, axis=0), ValueError, "too small"),
    (lambda x: lnp.gradient(x, 1.0, 2.0, 3.0), TypeError, "invalid number of arguments"),
    (lambda x: lnp.gradient(x, np.ones(3), 1.0), ValueError, "must match the length"),
    (lambda x: lnp.convolve(x[0], np.zeros(0)), ValueError, "v cannot be empty"),
    (lambda x: lnp.convolve(x, x[0]), ValueError, "too deep"),
    (lambda x: lnp.correlate(x[0], x[0], "middle"), ValueError, "mode must be one of"),
    (lambda x: lnp.interp(x[0], C[:3], x[0]), ValueError, "not of the same length"),
    (lambda x: lnp.interp(x[0], C, x[0], period=0), ValueError, "non-zero"),
    (lambda x: lnp.insert(x, x[0, 0], 1.0), TypeError, "obj must be concrete"),
    (lambda x: lnp.delete(x, x[0, 0]), TypeError, "obj must be concrete"),
    (lambda x: lnp.sliding_window_view(x, 2, writeable=True), TypeError, "writeable"),
    (lambda x: lnp.apply_along_axis(lnp.sum, 0, x[:, :0]), ValueError, "dimensions are 0"),
    (lambda x: lnp.piecewise(x, [x > 0], [1.0, 2.0, 3.0]), ValueError, "functions are "
     "expected"),
    (lambda x: lnp.piecewise(x, [x[0] > 0], [1.0]), IndexError, "does not match"),
    (lambda x: lnp.partition(x, 1, order="f"), TypeError, "order="),
    (lambda x: lnp.bincount(x[0], minlength=2), TypeError, "must be concrete"),
    (lambda x: lnp.bincount([0, 1], x[0, :2] * 1j), TypeError, "complex weights"),
    (lambda x: lnp.bincount([0, 1], x[0]), ValueError, "don't have the same length"),
    (lambda x: lnp.histogram(X[0], "auto", weights=x[0]), TypeError, "Automated estimation"),
    (lambda x: lnp.polyfit(C, x[0], 2, cov=True), NotImplementedError, "cov=True"),
    (lambda x: lnp.polyfit(C, x[0], -1), ValueError, "deg >= 0"),
    (lambda x: lnp.polyfit(C[:4], x[0], 1), TypeError, "same length"),
    (lambda x: lnp.polyder(x[0], -1), ValueError, "Order of derivative"),
    (lambda x: lnp.polyint(x[0], -1), ValueError, "Order of integral"),
    (lambda x: lnp.polyint(x[0], 3, [1.0, 2.0]), ValueError, "k must be a scalar"),
    (lambda x: lnp.roots(lnp.concatenate([np.zeros(1), x[0]])), ValueError,
     "leading coefficient"),
    (lambda x: lnp.roots(x), ValueError, "rank-1"),
    (lambda x: lnp.poly(x), ValueError, "1d or non-empty square"),
    (lambda x: lnp.vander(x), ValueError, "one-dimensional"),
    (lambda x: lnp.rollaxis(x, 0, 5), np.exceptions.AxisError, "start"),
    (lambda x: lnp.fill_diagonal(x[0], 1.0), ValueError, "at least 2-d"),
    (lambda x: lnp.fill_diagonal(lnp.reshape(x[:, :4], (2, 2, 4)), 1.0), ValueError,
     "equal length"),
    (lambda x: lnp.put(x, [20], 1.0), IndexError, "out of bounds"),
    (lambda x: lnp.put(x, [0], 1.0, mode="bounce"), ValueError, "clipmode"),
    (lambda x: lnp.put_along_axis(x, np.zeros(4, int), 1.0, 1), ValueError, "same number"),
    (lambda x: lnp.unwrap(x, period=x[0, 0]), TypeError, "must be concrete"),
]


@pytest.mark.parametrize("call, exc, match", ERRORS, ids=range(len(ERRORS)))
def test_errors(call, exc, match):
    with pytest.raises(exc, match=match):
        linad.grad(lambda x: lnp.sum(lnp.real(call(x))))(X)


def test_polyfit_warns_when_rank_deficient():
    with pytest.warns(np.exceptions.RankWarning):
        linad.grad(lambda y: lnp.polyfit(np.ones(5), y, 2).sum())(V)
