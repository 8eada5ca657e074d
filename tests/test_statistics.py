"""Order statistics, NaN-ignoring reductions, cov/corrcoef, where=/initial= and ufunc methods:
values and warnings against NumPy, derivatives at ties, and the errors.

Derivatives away from ties are checked against finite differences in
tests/cases/statistics.py; here the expected derivatives at ties are written out
by hand from linad's convention (equal values share the derivative equally).
"""
import warnings

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from hypothesis.extra import numpy as hnp

import linad
import linad.numpy as lnp

METHODS = ["inverted_cdf", "averaged_inverted_cdf", "closest_observation",
           "interpolated_inverted_cdf", "hazen", "weibull", "linear", "median_unbiased",
           "normal_unbiased", "lower", "higher", "midpoint", "nearest"]


def messages(fn):
    """(result, sorted set of RuntimeWarning messages) of ``fn()``."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        out = fn()
    return out, sorted({str(w.message) for w in caught if w.category is RuntimeWarning})


def same_as_numpy(name, *args, **kwargs):
    """``lnp.<name>`` and ``np.<name>`` agree in value, shape, dtype and RuntimeWarnings."""
    ours, w1 = messages(lambda: getattr(lnp, name)(*args, **kwargs))
    theirs, w2 = messages(lambda: getattr(np, name)(*args, **kwargs))
    assert np.shape(ours) == np.shape(theirs)
    assert np.asarray(ours).dtype == np.asarray(theirs).dtype
    np.testing.assert_allclose(ours, theirs, rtol=1e-13, atol=1e-14, equal_nan=True)
    assert w1 == w2


# ----------------------------------------------------------------------------- values

@settings(max_examples=40, deadline=None)
@given(data=st.data())
def test_quantile_values_match_numpy(data):
    shape = data.draw(hnp.array_shapes(min_dims=1, max_dims=3, max_side=5))
    x = data.draw(hnp.arrays(np.float64, shape, elements=st.floats(-5, 5)))
    x = np.round(x, 1)  # ties included: values only
    nd = len(shape)
    axis = data.draw(st.one_of(st.none(), st.integers(-nd, nd - 1),
                               st.lists(st.integers(0, nd - 1), unique=True, min_size=1)
                               .map(tuple)))
    q = data.draw(st.one_of(st.floats(0, 1), hnp.arrays(np.float64, st.integers(1, 3),
                                                       elements=st.floats(0, 1))))
    method = data.draw(st.sampled_from(METHODS))
    kd = data.draw(st.booleans())
    same_as_numpy("quantile", x, q, axis=axis, method=method, keepdims=kd)
    same_as_numpy("percentile", x, np.multiply(q, 100), axis=axis, method=method, keepdims=kd)


@pytest.mark.parametrize("name", ["nanquantile", "nanpercentile"])
@pytest.mark.parametrize("method", METHODS)
def test_nan_quantiles_match_numpy_with_all_nan_slices(name, method):
    rng = np.random.default_rng(3)
    x = rng.normal(size=(3, 5, 4))
    x[0, 1, 2] = x[2, 0, 0] = np.nan
    x[1, :, 0] = np.nan  # an all-NaN slice along axis 1
    q = [0.2, 0.5, 0.95] if name == "nanquantile" else [20, 50, 95]
    for axis in (None, 1, (0, 1), -1):
        same_as_numpy(name, x, q, axis=axis, method=method)
    same_as_numpy(name, x, q[1], axis=1, method=method, keepdims=True)


@pytest.mark.parametrize("name", ["median", "quantile"])
def test_slices_with_nan_give_nan_like_numpy(name):
    x = np.array([[1.0, np.nan, 3.0], [4.0, 5.0, 6.0]])
    args = (x,) if name == "median" else (x, 0.3)
    same_as_numpy(name, *args, axis=1)
    g = linad.grad(lambda v: lnp.nansum(getattr(lnp, name)(v, *args[1:], axis=1)))(x)
    np.testing.assert_array_equal(g[0], 0.0)  # the NaN result carries no derivative


@pytest.mark.parametrize("name", ["nansum", "nanprod", "nanmean", "nanvar", "nanstd", "nanmax",
                                  "nanmin", "nanmedian"])
@pytest.mark.parametrize("axis", [None, 0, 1, (0, 2), -1])
@pytest.mark.parametrize("keepdims", [False, True])
def test_nan_reductions_match_numpy_values_and_warnings(name, axis, keepdims):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(3, 5, 4))
    x[0, 1, 2] = np.nan
    x[1, :, 0] = np.nan
    same_as_numpy(name, x, axis=axis, keepdims=keepdims)


@pytest.mark.parametrize("name", ["nanvar", "nanstd"])
def test_nanvar_ddof_larger_than_count_warns_like_numpy(name):
    x = np.array([[1.0, np.nan, np.nan], [1.0, 2.0, 4.0]])
    same_as_numpy(name, x, axis=1, ddof=1)
    same_as_numpy(name, x, axis=1, ddof=2)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_float32_stays_float32(dtype):
    x = np.array([3.0, np.nan, 1.0, 2.0], dtype)
    for name in ["nansum", "nanmean", "nanvar", "nanmax", "nanmedian"]:
        assert getattr(lnp, name)(x).dtype == dtype
    assert lnp.quantile(x[[0, 2, 3]], 0.3).dtype == dtype
    g = linad.grad(lambda v: lnp.nanmedian(v))(x)
    assert g.dtype == dtype
    np.testing.assert_array_equal(g, np.array([0.0, 0.0, 0.0, 1.0], dtype))


def test_nan_scans_argextremes_and_nan_to_num_match_numpy():
    x = np.array([[1.0, np.nan, 3.0], [np.nan, 2.0, -1.0]])
    for axis in (None, 0, 1):
        same_as_numpy("nancumsum", x, axis)
        same_as_numpy("nancumprod", x, axis)
        assert np.array_equal(lnp.nanargmax(x, axis), np.nanargmax(x, axis))
        assert np.array_equal(lnp.nanargmin(x, axis), np.nanargmin(x, axis))
    z = np.array([1.0, np.nan, np.inf, -np.inf])
    same_as_numpy("nan_to_num", z)
    same_as_numpy("nan_to_num", z, nan=2.0, posinf=5.0, neginf=-5.0)
    c = np.array([complex(1, np.inf), complex(np.nan, 2), complex(-np.inf, np.nan)])
    same_as_numpy("nan_to_num", c, nan=7.0)
    assert lnp.nan_to_num(z) is not z


def test_nan_to_num_derivative_is_one_on_finite_entries_only():
    z = np.array([1.5, np.nan, np.inf, -np.inf, -2.0])
    weights = np.arange(1.0, 6.0)
    g = linad.grad(lambda v: lnp.sum(lnp.nan_to_num(v, posinf=1.0, neginf=1.0) * weights))(z)
    np.testing.assert_array_equal(g, [1.0, 0.0, 0.0, 0.0, 5.0])


def test_nanargmax_all_nan_raises_like_numpy():
    with pytest.raises(ValueError, match="All-NaN slice encountered"):
        lnp.nanargmax(np.array([np.nan, np.nan]))


@pytest.mark.parametrize("kwargs", [{}, {"rowvar": False}, {"bias": True}, {"ddof": 2},
                                    {"fweights": [1, 2, 1, 3, 1]},
                                    {"aweights": [0.5, 1.0, 2.0, 1.0, 0.7]},
                                    {"fweights": [1, 2, 1, 3, 1], "ddof": 1,
                                     "aweights": [0.5, 1.0, 2.0, 1.0, 0.7]}])
def test_cov_matches_numpy(kwargs):
    rng = np.random.default_rng(1)
    m = rng.normal(size=(3, 5)) if kwargs.get("rowvar", True) else rng.normal(size=(5, 3))
    same_as_numpy("cov", m, **kwargs)
    same_as_numpy("cov", m, m * 2 + 1, **kwargs)


def test_cov_and_corrcoef_shapes_dtypes_and_warnings_match_numpy():
    x = np.array([1.0, 2.0, 4.0], np.float32)
    same_as_numpy("cov", x)  # float64 like NumPy, 0-d
    same_as_numpy("cov", x, ddof=3)  # "Degrees of freedom <= 0"
    same_as_numpy("corrcoef", x, x[::-1] ** 2)
    same_as_numpy("corrcoef", np.array([[1.0, 2.0, 4.0], [1.0, 3.0, 2.0], [0.0, 1.0, 0.5]]))
    same_as_numpy("cov", np.array([[1.0, 2.0j, 4.0], [1.0, 3.0, 2.0 - 1j]]))


def test_cov_gradient_closed_form():
    # d/dX sum(C * G) with C = Xc Xc^T / (n - 1) is (G + G^T) Xc / (n - 1)
    rng = np.random.default_rng(2)
    x, g = rng.normal(size=(3, 6)), rng.normal(size=(3, 3))
    xc = x - x.mean(axis=1, keepdims=True)
    grad = linad.grad(lambda v: lnp.sum(lnp.cov(v) * g))(x)
    np.testing.assert_allclose(grad, (g + g.T) @ xc / 5, rtol=1e-12)


def test_weights_of_cov_must_be_constant_and_valid():
    x = np.arange(6.0).reshape(2, 3)
    with pytest.raises(TypeError, match="aweights must be a constant array"):
        linad.grad(lambda w: lnp.sum(lnp.cov(x, aweights=w)))(np.ones(3))
    with pytest.raises(TypeError, match="fweights must be integer"):
        lnp.cov(x, fweights=[1.5, 1, 1])
    with pytest.raises(ValueError, match="aweights cannot be negative"):
        lnp.cov(x, aweights=[1.0, -1.0, 1.0])
    with pytest.raises(RuntimeError, match="incompatible numbers of samples and fweights"):
        lnp.cov(x, fweights=[1, 1])


# ----------------------------------------------------------------------------- ties

def test_median_tie_shares_the_derivative_like_sort():
    # the middle value 2 appears twice: both copies share the derivative
    g = linad.grad(lnp.median)(np.array([2.0, 1.0, 2.0, 7.0, 0.0]))
    np.testing.assert_allclose(g, [0.5, 0.0, 0.5, 0.0, 0.0])
    # the same as the sorted element it takes
    g_sort = linad.grad(lambda v: lnp.sort(v)[2])(np.array([2.0, 1.0, 2.0, 7.0, 0.0]))
    np.testing.assert_allclose(g, g_sort)


def test_quantile_between_tied_neighbours():
    # x sorted: 1, 3, 3, 3, 9; q=0.6 -> virtual index 2.4 between two copies of 3
    x = np.array([3.0, 9.0, 3.0, 1.0, 3.0])
    g = linad.grad(lambda v: lnp.quantile(v, 0.6))(x)
    np.testing.assert_allclose(g, [1 / 3, 0.0, 1 / 3, 0.0, 1 / 3])


def test_nanmax_ties_share_and_nan_entries_get_zero():
    x = np.array([[5.0, np.nan, 5.0, 1.0], [np.nan, np.nan, np.nan, np.nan]])
    out, w = messages(lambda: linad.value_and_grad(
        lambda v: lnp.nansum(lnp.nanmax(v, axis=1)))(x))
    value, g = out
    assert w == ["All-NaN slice encountered"]
    assert value == 5.0
    np.testing.assert_allclose(g, [[0.5, 0.0, 0.5, 0.0], [0.0, 0.0, 0.0, 0.0]])


def test_max_initial_takes_part_in_the_tie():
    # max over {2, 2, initial=2}: a three-way tie, each entry gets 1/3
    g = linad.grad(lambda v: lnp.max(v, initial=2.0))(np.array([2.0, 1.0, 2.0]))
    np.testing.assert_allclose(g, [1 / 3, 0.0, 1 / 3])
    g = linad.grad(lambda v: lnp.min(v, initial=0.0))(np.array([2.0, 1.0]))
    np.testing.assert_allclose(g, [0.0, 0.0])


def test_running_max_shares_ties_among_entries_so_far():
    x = np.array([1.0, 3.0, 2.0, 3.0, 3.0, 0.5, 4.0])
    out, t = linad.jvp(lambda v: np.maximum.accumulate(v), (x,), (np.arange(1.0, 8.0),))
    np.testing.assert_array_equal(out, np.maximum.accumulate(x))
    # positions so far attaining the running max: {0}, {1}, {1}, {1,3}, {1,3,4}, ..., {6}
    np.testing.assert_allclose(t, [1.0, 2.0, 2.0, 3.0, 11 / 3, 11 / 3, 7.0])
    _, t = linad.jvp(lambda v: np.minimum.accumulate(v), (-x,), (np.arange(1.0, 8.0),))
    np.testing.assert_allclose(t, [1.0, 2.0, 2.0, 3.0, 11 / 3, 11 / 3, 7.0])


def test_running_max_with_nan_and_infinities_keeps_numpy_values():
    x = np.array([[-np.inf, 1.0, np.nan, 5.0], [2.0, np.inf, 1.0, np.inf]])
    out, t = linad.jvp(lambda v: np.maximum.accumulate(v, axis=1), (x,), (np.ones_like(x),))
    np.testing.assert_array_equal(out, np.maximum.accumulate(x, axis=1))
    np.testing.assert_array_equal(t, [[0.0, 1.0, 0.0, 0.0], [1.0, 0.0, 0.0, 0.0]])


# ----------------------------------------------------------------------------- where=, initial=

@pytest.mark.parametrize("name, kwargs", [
    ("sum", {}), ("sum", {"initial": 2.0}), ("mean", {}), ("prod", {}),
    ("prod", {"initial": 2.0}), ("var", {}), ("std", {"ddof": 1}),
    ("max", {"initial": -1.0}), ("min", {"initial": 9.0}), ("nansum", {}), ("nanmean", {}),
    ("nanvar", {}), ("nanmax", {"initial": -1.0}), ("nanprod", {})])
def test_where_matches_numpy(name, kwargs):
    x = np.array([[1.0, 5.0, np.nan if name.startswith("nan") else 2.0], [4.0, 3.0, 6.0]])
    where = np.array([True, False, True])
    for axis in (None, 0, 1):
        same_as_numpy(name, x, axis=axis, where=where, **kwargs)
    g = linad.grad(lambda v: lnp.sum(getattr(lnp, name)(v, axis=1, where=where, **kwargs)))(x)
    assert np.all(g[:, 1] == 0)  # excluded entries carry no derivative


def test_any_all_where_and_max_initial_on_empty_match_numpy():
    x = np.array([[0.0, 1.0], [0.0, 0.0]])
    w = np.array([True, False])
    assert np.array_equal(lnp.any(x, axis=1, where=w), np.any(x, axis=1, where=w))
    assert np.array_equal(lnp.all(x, axis=0, where=w), np.all(x, axis=0, where=w))
    same_as_numpy("max", np.zeros((0, 2)), axis=0, initial=3.0)
    same_as_numpy("sum", x, initial=2.0, where=w)


def test_where_needs_initial_for_max_like_numpy():
    with pytest.raises(ValueError, match="reduction operation 'maximum' does not have an "
                                         "identity, so to use a where mask one has to "
                                         "specify 'initial'"):
        lnp.max(np.ones(2), where=np.array([True, False]))


def test_traced_where_mask_is_refused():
    with pytest.raises(TypeError, match="where=: the mask must be a concrete boolean array"):
        linad.grad(lambda v: lnp.sum(v, where=v))(np.ones(2))


# ----------------------------------------------------------------------------- ufunc methods

X = np.array([[0.5, 2.0, 1.5], [1.2, 0.7, 3.0]])


@pytest.mark.parametrize("call", [
    lambda v: np.add.reduce(v), lambda v: np.add.reduce(v, axis=None),
    lambda v: np.add.reduce(v, 1, keepdims=True), lambda v: np.multiply.reduce(v, axis=1),
    lambda v: np.maximum.reduce(v), lambda v: np.minimum.reduce(v, axis=1, initial=1.0),
    lambda v: np.maximum.reduce(v, axis=1, initial=0.0, where=np.array([True, False, True])),
    lambda v: np.logaddexp.reduce(v, axis=1), lambda v: np.logaddexp2.reduce(v),
    lambda v: np.hypot.reduce(v, axis=1), lambda v: np.subtract.reduce(v, axis=1),
    lambda v: np.divide.reduce(v), lambda v: np.subtract.reduce(v, 1, initial=2.0),
    lambda v: np.add.accumulate(v), lambda v: np.multiply.accumulate(v, axis=1),
    lambda v: np.maximum.accumulate(v, 1), lambda v: np.minimum.accumulate(v),
    lambda v: np.logaddexp.accumulate(v, axis=1), lambda v: np.hypot.accumulate(v),
    lambda v: np.subtract.accumulate(v, axis=1), lambda v: np.divide.accumulate(v),
    lambda v: np.add.outer(v, v[0]), lambda v: np.subtract.outer(v[0], v),
    lambda v: np.divide.outer(v, v), lambda v: np.maximum.outer(v[1], v[0]),
    lambda v: np.add.reduceat(v, [0, 2, 1], axis=1), lambda v: np.multiply.reduceat(v, [1]),
    lambda v: np.maximum.reduceat(v, [0, 2], axis=1),
])
def test_ufunc_methods_match_numpy_values_and_derivatives(call):
    t = np.linspace(-1.0, 1.0, X.size).reshape(X.shape)
    out, tangent = linad.jvp(call, (X,), (t,))
    np.testing.assert_allclose(out, call(X), rtol=1e-13)
    eps = 1e-6
    fd = (call(X + eps * t) - call(X - eps * t)) / (2 * eps)
    np.testing.assert_allclose(tangent, fd, rtol=1e-6, atol=1e-8)


def test_logaddexp_reduce_is_stable_and_handles_minus_inf():
    x = np.array([1000.0, 1000.0, -np.inf])
    out, g = linad.value_and_grad(lambda v: np.logaddexp.reduce(v))(x)
    np.testing.assert_allclose(out, 1000.0 + np.log(2.0))
    np.testing.assert_allclose(g, [0.5, 0.5, 0.0])


@pytest.mark.parametrize("call, message", [
    (lambda v: np.arctan2.accumulate(v), r"np\.arctan2\.accumulate is not supported on traced"),
    (lambda v: np.power.reduce(v), r"np\.power\.reduce is not supported on traced values"),
    (lambda v: np.subtract.reduceat(v, [0]), r"np\.subtract\.reduceat is not supported"),
    (lambda v: np.add.at(v, [0], 1.0), r"np\.add\.at is not supported on traced values"),
])
def test_unsupported_ufunc_methods_are_named(call, message):
    with pytest.raises(TypeError, match=message):
        linad.grad(lambda v: lnp.sum(call(v)))(np.arange(1.0, 4.0))


def test_non_reorderable_reduce_over_several_axes_is_refused_like_numpy():
    with pytest.raises(ValueError, match="'subtract' is not reorderable"):
        linad.grad(lambda v: np.subtract.reduce(v, axis=None))(np.ones((2, 2)))


# ----------------------------------------------------------------------------- errors

@pytest.mark.parametrize("call, exc, message", [
    (lambda: lnp.quantile(np.ones(3), 0.5, method="foo"), ValueError,
     "'foo' is not a valid method. Use one of: 'linear'"),
    (lambda: lnp.quantile(np.ones(3), 1.5), ValueError, r"Quantiles must be in the range \[0, 1\]"),
    (lambda: lnp.percentile(np.ones(3), -1), ValueError,
     r"Percentiles must be in the range \[0, 100\]"),
    (lambda: lnp.quantile(np.ones(3), np.ones((1, 1, 1)) / 2), ValueError,
     "q must be a scalar or 1d"),
    (lambda: lnp.median(np.ones(3) + 1j), TypeError, "a must be an array of real numbers"),
    (lambda: lnp.quantile(np.ones(3), 0.5, weights=np.ones(3)), TypeError,
     "quantile: weights= is not supported"),
    (lambda: lnp.median(np.ones(3), out=np.ones(())), TypeError, "median: out= is not supported"),
    (lambda: lnp.quantile(np.ones((2, 0)), 0.5, axis=1), ValueError, "empty slice"),
])
def test_errors(call, exc, message):
    with pytest.raises(exc, match=message):
        call()


def test_interpolation_keyword_is_the_deprecated_method():
    with pytest.warns(DeprecationWarning, match="renamed to `method=`"):
        out = lnp.quantile(np.array([1.0, 2.0, 4.0]), 0.75, interpolation="lower")
    assert out == 2.0
