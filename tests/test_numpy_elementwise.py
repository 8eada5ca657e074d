"""Unit tests of the elementwise and reduction functions of linad.numpy (issue 3).

The systematic suite (tests/cases/elementwise.py, tests/cases/reductions.py) checks
derivatives against finite differences away from non-differentiable points; this
file checks the conventions AT those points (abs at 0, ties, zeros in prod), dtype
preservation, the complex convention, values against NumPy/SciPy and the errors.
"""
import numpy as np
import pytest
import scipy.special
from hypothesis import given, settings, strategies as st
from hypothesis.extra import numpy as hnp

import linad
import linad.numpy as lnp
from linad.numpy._reductions import vector_norm
from linad.scipy import special
from linad.testing import check_grads

rng = np.random.default_rng(0)


def grad(f, *args, argnums=0):
    return linad.grad(lambda *a: lnp.sum(f(*a)), argnums=argnums)(*args)


# ----------------------------------------------------------------------------- conventions

def test_abs_derivative_is_sign_and_zero_at_zero():
    x = np.array([-2.0, 0.0, 3.0])
    np.testing.assert_array_equal(grad(lnp.abs, x), [-1.0, 0.0, 1.0])
    np.testing.assert_array_equal(grad(np.abs, x), [-1.0, 0.0, 1.0])
    np.testing.assert_array_equal(linad.grad(lambda v: abs(v).sum())(x), [-1.0, 0.0, 1.0])


def test_complex_abs_is_the_real_linear_map_and_zero_at_zero():
    z = np.array([3.0 + 4.0j, 0.0j])
    t = np.array([1.0 - 2.0j, 1.0 + 1.0j])
    _, dt = linad.jvp(lnp.abs, (z,), (t,))
    np.testing.assert_allclose(dt, [np.real(np.conj(z[0]) * t[0]) / 5.0, 0.0])
    assert dt.dtype == np.float64
    # grad convention (docs/numpy.md): df/dx - i df/dy = conj(z) / |z|
    np.testing.assert_allclose(grad(lnp.abs, z), [np.conj(z[0]) / 5.0, 0.0])


def test_complex_holomorphic_tangent_is_not_conjugated():
    z = np.array([0.3 + 0.4j, -0.2 + 0.1j])
    t = np.array([1.0 + 2.0j, -1.0j])
    for f, df in [(lnp.tan, lambda z: 1 / np.cos(z) ** 2), (lnp.arcsin, lambda z: 1 / np.sqrt(1 - z * z)),
                  (lnp.log1p, lambda z: 1 / (1 + z)), (lnp.exp2, lambda z: np.exp2(z) * np.log(2)),
                  (lnp.sinc, lambda z: (np.cos(np.pi * z) - np.sinc(z)) / z)]:
        _, dt = linad.jvp(f, (z,), (t,))
        np.testing.assert_allclose(dt, df(z) * t, rtol=1e-12)


def test_angle_and_sign_of_complex_are_differentiable():
    z = np.array([1.0 + 1.0j])
    _, dt = linad.jvp(lnp.angle, (z,), (np.array([1.0j]),))
    np.testing.assert_allclose(dt, [0.5])  # d angle / dy = x / |z|^2
    _, ds = linad.jvp(lnp.sign, (z,), (np.array([1.0 + 0.0j]),))
    # d (z/|z|) along real direction 1 = 1/|z| - z Re(conj(z))/|z|^3
    r = np.abs(z)
    np.testing.assert_allclose(ds, 1 / r - z * np.real(z) / r ** 3)
    assert lnp.sign(np.array([0.0j]))[0] == 0


@pytest.mark.parametrize("f, g", [(lnp.maximum, np.maximum), (lnp.minimum, np.minimum),
                                  (lnp.fmax, np.fmax), (lnp.fmin, np.fmin)])
def test_binary_selection_ties_share_the_gradient(f, g):
    x = np.array([1.0, 2.0, 3.0])
    y = np.array([1.0, 1.0, 4.0])
    gx, gy = grad(f, x, y, argnums=(0, 1))
    pick_x = g(x, y) == x
    np.testing.assert_array_equal(gx, [0.5] + [1.0 * p for p in pick_x[1:]])
    np.testing.assert_array_equal(gy, [0.5] + [1.0 - p for p in pick_x[1:]])


def test_nan_handling_of_maximum_and_fmax():
    x = np.array([np.nan, 1.0])
    y = np.array([1.0, np.nan])
    gx, gy = grad(lnp.fmax, x, y, argnums=(0, 1))
    np.testing.assert_array_equal(gx, [0.0, 1.0])  # fmax skips the NaN operand
    np.testing.assert_array_equal(gy, [1.0, 0.0])
    out, t = linad.jvp(lnp.maximum, (x, y), (np.ones(2), 2 * np.ones(2)))
    np.testing.assert_array_equal(out, np.maximum(x, y))
    np.testing.assert_array_equal(t, [1.0, 2.0])  # maximum propagates (and follows) the NaN


@pytest.mark.parametrize("fn", [lnp.max, lnp.amax, np.max, np.amax, lambda x: x.max()])
def test_max_ties_share_the_gradient_equally(fn):
    x = np.array([1.0, 3.0, 2.0, 3.0, 3.0])
    np.testing.assert_allclose(grad(fn, x), [0, 1 / 3, 0, 1 / 3, 1 / 3])


def test_min_and_ptp_ties_with_axis():
    x = np.array([[1.0, 1.0, 2.0], [0.0, 5.0, 5.0]])
    np.testing.assert_allclose(grad(lambda v: lnp.min(v, axis=1), x), [[0.5, 0.5, 0], [1, 0, 0]])
    np.testing.assert_allclose(grad(lambda v: lnp.ptp(v, axis=1), x),
                               [[-0.5, -0.5, 1], [-1, 0.5, 0.5]])


def test_clip_at_a_bound_shares_the_gradient_with_the_bound():
    a = np.array([0.0, 0.5, 1.0, 2.0])
    ga, glo, ghi = grad(lambda a, lo, hi: lnp.clip(a, lo, hi), a, 0.0, 1.0, argnums=(0, 1, 2))
    np.testing.assert_array_equal(ga, [0.5, 1.0, 0.5, 0.0])
    assert glo == 0.5 and ghi == 1.5


@pytest.mark.parametrize("f", [lnp.floor, lnp.ceil, lnp.rint, lnp.trunc, lnp.fix, lnp.round,
                               lnp.around, np.floor, np.ceil, np.rint, np.trunc, np.fix, np.round,
                               np.around, lnp.sign, np.sign, lambda x: lnp.heaviside(x, 0.5),
                               lambda x: np.heaviside(x, 0.5)])
def test_zero_derivative_functions_return_plain_arrays(f):
    seen = []

    def g(x):
        r = f(x)
        seen.append(r)
        return r * x
    x = np.array([-1.7, 0.2, 2.5])
    np.testing.assert_array_equal(linad.grad(lambda v: lnp.sum(g(v)))(x), f(x))
    assert isinstance(seen[0], np.ndarray)


def test_sinc_derivative_at_zero_is_zero():
    np.testing.assert_array_equal(grad(lnp.sinc, np.array([0.0])), [0.0])
    x = np.array([0.0, 0.5])
    np.testing.assert_allclose(linad.grad(lambda v: np.sinc(v).sum())(x),
                               [0.0, (np.cos(np.pi / 2) - np.sinc(0.5)) / 0.5])


def test_power_at_zero():
    # d/dx x**2 = 0 at 0, d/dy 0**y = 0 (y > 0), d/dx x**0 = 0 at x = 0
    gx, gy = grad(lnp.power, np.array([0.0, 0.0, 2.0]), np.array([2.0, 0.0, 0.0]),
                  argnums=(0, 1))
    np.testing.assert_array_equal(gx, [0.0, 0.0, 0.0])
    np.testing.assert_allclose(gy, [0.0, 0.0, np.log(2.0)])
    # the mixed second derivative at y == 0 (x != 0) is 1/x, not 0
    h = linad.grad(lambda y: linad.grad(lambda x: x ** y)(2.0))(0.0)
    np.testing.assert_allclose(h, 0.5)


def test_mod_and_fmod_derivatives_in_both_operands():
    x, y = np.array([7.5, -7.5]), np.array([2.0, 2.0])
    gx, gy = grad(lnp.mod, x, y, argnums=(0, 1))
    np.testing.assert_array_equal(gx, [1.0, 1.0])
    np.testing.assert_array_equal(gy, -np.floor(x / y))
    gx, gy = grad(np.fmod, x, y, argnums=(0, 1))
    np.testing.assert_array_equal(gy, -np.trunc(x / y))
    np.testing.assert_array_equal(linad.grad(lambda a: (a % 2.0).sum())(x), [1.0, 1.0])


# ----------------------------------------------------------------------------- prod with zeros

def test_prod_gradient_with_one_zero_is_the_product_of_the_others():
    x = np.array([2.0, 0.0, 3.0, 4.0])
    np.testing.assert_array_equal(grad(lnp.prod, x), [0.0, 24.0, 0.0, 0.0])
    np.testing.assert_array_equal(grad(np.prod, x), [0.0, 24.0, 0.0, 0.0])


def test_prod_gradient_with_two_zeros_is_zero_but_hessian_is_not():
    x = np.array([2.0, 0.0, 3.0, 0.0])
    np.testing.assert_array_equal(grad(lnp.prod, x), np.zeros(4))
    h = linad.jacfwd(linad.grad(lnp.prod))(x) if hasattr(linad, "jacfwd") else None
    if h is not None:
        assert h[1, 3] == 6.0 and h[3, 1] == 6.0 and h[0, 2] == 0.0
    check_grads(lnp.prod, (x,), order=2)


@given(hnp.arrays(np.float64, hnp.array_shapes(min_dims=1, max_dims=3, max_side=4),
                  elements=st.sampled_from([0.0, 0.5, -1.5, 2.0])),
       st.booleans())
@settings(max_examples=15)
def test_prod_and_cumprod_with_zeros_match_finite_differences(x, keepdims):
    axis = x.ndim - 1
    check_grads(lambda v: lnp.prod(v, axis=axis, keepdims=keepdims), (x,), order=2)
    check_grads(lambda v: lnp.cumprod(v, axis=0), (x,), order=2)
    _, f_lin = linad.linearize(lambda v: lnp.cumprod(v, axis=axis), x)
    linad.testing.check_transpose(f_lin)


def test_prod_of_empty_and_over_no_axes():
    assert linad.grad(lambda v: lnp.prod(v))(np.zeros(0)).shape == (0,)
    np.testing.assert_array_equal(grad(lambda v: lnp.prod(v, axis=()), np.array([2.0, 0.0])),
                                  [1.0, 1.0])


def test_cumprod_gradient_with_zero():
    x = np.array([2.0, 0.0, 3.0])
    # d/dx sum(cumprod(x)) = [1 + x1 + x1 x2, x0 + x0 x2, x0 x1]
    np.testing.assert_array_equal(grad(lnp.cumprod, x), [1.0, 8.0, 0.0])


def test_cumsum_transpose_is_the_reversed_cumsum():
    _, f_lin = linad.linearize(lambda v: lnp.cumsum(v, axis=1), np.ones((2, 3)))
    ct = np.arange(6.0).reshape(2, 3)
    np.testing.assert_array_equal(f_lin.T(ct)[0], np.flip(np.cumsum(np.flip(ct, 1), 1), 1))
    assert "cumsum" in str(f_lin.T)


# ----------------------------------------------------------------------------- float32 / dtypes

UNARY_F32 = [lnp.exp2, lnp.expm1, lnp.log2, lnp.log10, lnp.log1p, lnp.cbrt, lnp.reciprocal,
             lnp.tan, lnp.arcsin, lnp.arccos, lnp.arctan, lnp.sinh, lnp.cosh, lnp.arcsinh,
             lnp.arctanh, lnp.sinc, lnp.abs, lnp.square, lnp.deg2rad, lnp.rad2deg,
             lambda x: lnp.arccosh(x + 1.5), lnp.exp, lnp.log, lnp.sqrt, lnp.sin, lnp.tanh,
             lambda x: lnp.angle(x + 1j * x), lambda x: lnp.sign(x) * x,
             lambda x: lnp.floor(x) * x, lambda x: lnp.copysign(x, -1.0),
             lambda x: lnp.clip(x, 0.3, 0.6), lambda x: lnp.maximum(x, 0.5),
             lambda x: lnp.float_power(x, 2.0).astype(np.float32),
             lnp.prod, lnp.max, lnp.min, lnp.ptp, lnp.var, lnp.std, lnp.cumsum, lnp.cumprod,
             lambda x: lnp.average(x, weights=x), lambda x: vector_norm(x, 3),
             lambda x: vector_norm(x), lambda x: vector_norm(x, np.inf),
             lambda x: lnp.prod(x * np.float32(0.0) + x[0]), special.logsumexp,
             special.softmax, special.log_softmax,
             lambda x: lnp.logaddexp(x, x[::-1]), lambda x: lnp.logaddexp2(x, 0.5),
             lambda x: lnp.arctan2(x, 0.5), lambda x: lnp.hypot(x, 0.5),
             lambda x: lnp.mod(x, 0.3), lambda x: lnp.fmod(x, 0.3), lambda x: x ** x,
             lambda x: x ** 2, lambda x: np.power(x, 3.0), lambda x: 2.0 ** x,
             lambda x: x[0] ** 2]


@pytest.mark.parametrize("f", UNARY_F32)
def test_float32_stays_float32(f):
    x = np.array([0.2, 0.45, 0.7], np.float32)
    out, t = linad.jvp(f, (x,), (np.ones(3, np.float32),))
    assert out.dtype == np.float32 and t.dtype == np.float32
    _, pullback = linad.vjp(f, x)
    (ct,) = pullback(np.ones_like(out))
    assert ct.dtype == np.float32


@pytest.mark.parametrize("f", [lnp.abs, lnp.exp2, lnp.tan, lnp.sign, lnp.angle, lnp.var,
                               lambda z: vector_norm(z), special.logsumexp])
def test_complex64_keeps_single_precision(f):
    z = np.array([0.3 + 0.2j, 0.5 - 0.1j], np.complex64)
    out, t = linad.jvp(f, (z,), (np.ones(2, np.complex64),))
    assert np.dtype(out.dtype) in (np.float32, np.complex64)
    assert np.dtype(t.dtype) == np.dtype(out.dtype)
    _, pullback = linad.vjp(f, z)
    assert pullback(np.ones_like(out))[0].dtype == np.complex64


def test_integer_inputs_follow_numpy():
    ints = np.array([1, 2, 3])
    assert lnp.cumsum(ints).dtype == np.cumsum(ints).dtype
    np.testing.assert_array_equal(lnp.exp2(ints), np.exp2(ints))
    assert lnp.var(ints) == np.var(ints)
    assert lnp.prod(ints) == 6 and lnp.max(ints) == 3


# ----------------------------------------------------------------------------- values

@pytest.mark.parametrize("ord", [None, 1, 2, np.inf, -np.inf, 0, 3, 0.5, -1])
@pytest.mark.parametrize("axis, keepdims", [(None, False), (0, True), (-1, False), ((0, 1), True)])
def test_vector_norm_matches_numpy(ord, axis, keepdims):
    x = rng.standard_normal((3, 4))
    expected = np.linalg.vector_norm(x, axis=axis, keepdims=keepdims,
                                     ord=2 if ord is None else ord)
    np.testing.assert_allclose(vector_norm(x, ord, axis, keepdims), expected, rtol=1e-12)


@pytest.mark.parametrize("ord", [None, 1, 2, 3, np.inf])
def test_vector_norm_gradient_at_zero_is_zero(ord):
    np.testing.assert_array_equal(linad.grad(lambda x: vector_norm(x, ord))(np.zeros(3)),
                                  np.zeros(3))


def test_hypot_at_origin_and_std_of_constant_have_zero_derivative():
    assert linad.grad(lnp.hypot, argnums=(0, 1))(0.0, 0.0) == (0.0, 0.0)
    np.testing.assert_array_equal(linad.grad(lnp.std)(np.ones(3)), np.zeros(3))
    np.testing.assert_array_equal(linad.grad(lambda x: lnp.std(x, axis=1).sum())(
        np.array([[1.0, 1.0], [1.0, 3.0]])), [[0.0, 0.0], [-0.5, 0.5]])


def test_vector_norm_errors():
    with pytest.raises(ValueError, match="Invalid norm order 'fro' for vectors"):
        vector_norm(np.ones(3), "fro")


@pytest.mark.parametrize("kwargs", [{}, {"axis": 0}, {"axis": (0, 1), "keepdims": True},
                                    {"axis": -1, "b": "positive"}, {"axis": 1, "b": "signed",
                                                                    "return_sign": True}])
def test_logsumexp_matches_scipy(kwargs):
    a = rng.standard_normal((3, 4))
    if "b" in kwargs:
        b = rng.standard_normal((3, 4))
        kwargs = dict(kwargs, b=np.abs(b) if kwargs["b"] == "positive" else b)
    np.testing.assert_allclose(special.logsumexp(a, **kwargs),
                               scipy.special.logsumexp(a, **kwargs), rtol=1e-12)


def test_logsumexp_edge_values_and_stability():
    with np.errstate(divide="ignore"):  # log(0), as SciPy
        for a in (np.array([-np.inf, -np.inf]), np.array([np.inf, 1.0]), np.zeros(0)):
            assert special.logsumexp(a) == scipy.special.logsumexp(a)
    np.testing.assert_allclose(linad.grad(special.logsumexp)(np.array([1000.0, 1000.0])),
                               [0.5, 0.5])
    z = rng.standard_normal(4) + 1j * rng.standard_normal(4)
    np.testing.assert_allclose(special.logsumexp(z), scipy.special.logsumexp(z), rtol=1e-12)


def test_softmax_and_log_softmax_match_scipy_and_the_gradient_of_logsumexp():
    a = rng.standard_normal((3, 4))
    np.testing.assert_allclose(special.softmax(a, axis=1), scipy.special.softmax(a, axis=1),
                               rtol=1e-12)
    np.testing.assert_allclose(special.log_softmax(a), scipy.special.log_softmax(a), rtol=1e-12)
    np.testing.assert_allclose(linad.grad(lambda v: special.logsumexp(v))(a),
                               scipy.special.softmax(a), rtol=1e-12)


def test_elementwise_values_match_numpy_on_empty_and_0d():
    for x in (np.zeros((0, 3)), np.array(0.5)):
        for name in ("exp2", "tan", "arctan", "cbrt", "abs", "sinc", "square", "floor"):
            np.testing.assert_array_equal(getattr(lnp, name)(x), getattr(np, name)(x))
        np.testing.assert_array_equal(lnp.maximum(x, 0.2), np.maximum(x, 0.2))
        np.testing.assert_array_equal(lnp.cumsum(x), np.cumsum(x))


def test_methods_on_traced_values():
    x = np.array([[1.2, -2.2], [3.3, 0.6]])

    def f(v):
        return (v.max() + v.min(axis=0).sum() + v.prod() + v.var() + v.std(ddof=1)
                + v.cumsum().sum() + v.cumprod(axis=1).sum() + v.clip(0, 1).sum()
                + abs(v).sum() + (v % 0.7).sum() + v.round().sum() + v.argmax() + lnp.ptp(v))
    expected = (x.max() + x.min(axis=0).sum() + x.prod() + x.var() + x.std(ddof=1)
                + x.cumsum().sum() + x.cumprod(axis=1).sum() + x.clip(0, 1).sum()
                + abs(x).sum() + (x % 0.7).sum() + x.round().sum() + x.argmax() + np.ptp(x))
    out, _ = linad.vjp(f, x)
    np.testing.assert_allclose(out, expected, rtol=1e-12)
    check_grads(f, (x,), order=1)


def test_average_returned_and_weights_gradient():
    a, w = np.array([[1.0, 2.0], [3.0, 5.0]]), np.array([1.0, 3.0])
    avg, scl = lnp.average(a, 1, w, returned=True)
    e_avg, e_scl = np.average(a, 1, w, returned=True)
    np.testing.assert_allclose(avg, e_avg)
    np.testing.assert_allclose(scl, e_scl)
    gw = linad.grad(lambda w: lnp.average(a, 1, w).sum())(w)
    np.testing.assert_allclose(gw, ((a - e_avg[:, None]) / w.sum()).sum(0))


# ----------------------------------------------------------------------------- errors

@pytest.mark.parametrize("call, exc, msg", [
    (lambda x: lnp.prod(x, out=np.zeros(())), TypeError, "prod: out= is not supported"),
    (lambda x: lnp.max(x, where=x > 0), ValueError,
     "to use a where mask one has to specify .initial."),
    (lambda x: lnp.var(x, out=1, where=1), TypeError, "var: out= is not supported"),
    (lambda x: lnp.var(x, ddof=1, correction=1), ValueError,
     "ddof and correction can't be provided simultaneously"),
    (lambda x: lnp.cumsum(x, out=x), TypeError, "cumsum: out= is not supported"),
    (lambda x: lnp.clip(x, 0, 1, out=x), TypeError, "clip: out= and ufunc keyword"),
    (lambda x: lnp.argmax(x, out=x), TypeError, "argmax: out= is not supported"),
    (lambda x: lnp.average(x, weights=np.ones(2)), TypeError,
     "Axis must be specified when shapes of a and weights differ"),
    (lambda x: lnp.average(x, 0, np.ones((3, 1))), TypeError, "1D weights expected"),
    (lambda x: lnp.average(x, 1, np.ones(3)), ValueError,
     "Length of weights not compatible with specified axis"),
    (lambda x: lnp.average(x, 0, np.zeros(3)), ZeroDivisionError, "Weights sum to zero"),
    (lambda x: lnp.cumulative_sum(x), ValueError, "axis must be specified"),
    (lambda x: lnp.max(x, axis=2), np.exceptions.AxisError, "axis 2 is out of bounds"),
    (lambda x: vector_norm(x, "nuc"), ValueError, "Invalid norm order 'nuc' for vectors"),
])
def test_errors(call, exc, msg):
    x = np.ones((3, 2))
    with pytest.raises(exc, match=msg):
        linad.grad(lambda v: lnp.sum(call(v)))(x)
