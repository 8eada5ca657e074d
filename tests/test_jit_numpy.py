"""linad.numpy's elementwise, reduction, statistics, signal, polynomial and creation
functions under ``linad.jit``.

Each function whose masks, NaN positions, orders or branches depend on values is
staged at one point and replayed at another where they differ: the replay must equal
eager linad (nothing value-dependent is frozen into the program).  Functions whose
result shape or dtype depends on values raise ``ConcretizationError`` under jit.
"""
import warnings

import numpy as np
import pytest

import linad
import linad.numpy as lnp
from linad.core import ConcretizationError


def _same(a, b):
    for x, y in zip(linad.tree.tree_leaves(a), linad.tree.tree_leaves(b)):
        x, y = np.asarray(x), np.asarray(y)
        assert x.dtype == y.dtype and x.shape == y.shape
        np.testing.assert_allclose(x, y, rtol=1e-12, atol=1e-12)


def _replayed(f, *points, grad=True):
    """``jit(f)`` (and ``jit(grad)`` of its sum) staged at the first point, replayed at
    the others, equal eager at each; the program is staged once."""
    jf = linad.jit(f)
    scalar = (lambda *a: lnp.sum(f(*a))) if grad else None
    jg = linad.jit(linad.grad(scalar)) if grad else None
    for args in points:
        _same(jf(*args), f(*args))
        if grad:
            _same(jg(*args), linad.grad(scalar)(*args))
    assert jf.cache_info().misses == 1


# ============================================================================ elementwise

@pytest.mark.parametrize("fn", [lnp.floor, lnp.ceil, lnp.rint, lnp.trunc, lnp.fix, lnp.round,
                                lnp.sign, lnp.spacing, lnp.angle])
def test_piecewise_constant_functions_are_recomputed(fn):
    _replayed(lambda x: x * fn(x), (np.array([0.25, 1.75, -2.5]),),
              (np.array([-0.75, 2.25, 3.5]),))


@pytest.mark.parametrize("fn", [lnp.isnan, lnp.isinf, lnp.isfinite, lnp.signbit])
def test_predicates_are_recomputed(fn):
    _replayed(fn, (np.array([1.0, np.nan, -np.inf]),), (np.array([np.inf, -2.0, np.nan]),),
              grad=False)


def test_binary_no_tangent_functions_are_recomputed():
    _replayed(lambda x, y: x * lnp.floor_divide(x, y) + lnp.heaviside(x, 0.5),
              (np.array([7.0, -3.0]), np.array([2.0, 2.0])),
              (np.array([-7.0, 3.0]), np.array([2.0, 0.5])), grad=False)
    _replayed(lambda x, y: lnp.divmod(x, y)[1] * lnp.divmod(x, y)[0],
              (np.array([7.0, -3.0]), np.array([2.0, 2.0])),
              (np.array([-7.0, 3.5]), np.array([2.0, 0.5])), grad=False)


def test_copysign_follows_the_signs_of_each_call():
    _replayed(lambda x, y: lnp.copysign(x, y), (np.array([1.0, -2.0]), np.array([-1.0, 3.0])),
              (np.array([-1.0, 2.0]), np.array([-1.0, -3.0])))


def test_complex_sign_at_zero_is_recomputed():
    _replayed(lambda z: lnp.real(lnp.sign(z)), (np.array([1 + 1j, 0j]),), (np.array([0j, 2j]),),
              grad=False)


def test_frexp_and_modf_are_recomputed():
    _replayed(lambda x: lnp.frexp(x)[0] * lnp.frexp(x)[1], (np.array([6.0, 0.3]),),
              (np.array([100.0, -0.001]),))
    _replayed(lambda x: lnp.modf(x)[0] + lnp.modf(x)[1], (np.array([2.25, -0.5]),),
              (np.array([-7.75, 3.0]),))


def test_real_if_close_refuses_complex_values_under_jit():
    with pytest.raises(ConcretizationError, match="real_if_close"):
        linad.jit(lnp.real_if_close)(np.array([1.0 + 1e-17j]))
    _replayed(lnp.real_if_close, (np.array([1.0, 2.0]),), (np.array([3.0, 4.0]),))


# ============================================================================ reductions

def test_std_and_norms_at_zero_are_recomputed():
    flat, varied = np.array([[1.0, 1.0], [1.0, 2.0]]), np.array([[1.0, 3.0], [2.0, 2.0]])
    _replayed(lambda x: lnp.std(x, axis=1), (flat,), (varied,))
    _replayed(lambda x: lnp.linalg.vector_norm(x, axis=1), (np.zeros((2, 2)),), (varied,))


def test_average_with_zero_weight_sums():
    a, w = np.array([1.0, 2.0]), np.array([1.0, -1.0])
    with pytest.raises(ZeroDivisionError):
        lnp.average(a, weights=w)
    f = linad.jit(lambda a, w: lnp.average(a, weights=w))
    assert f(a, np.array([1.0, 3.0])) == pytest.approx(1.75)
    with np.errstate(divide="ignore", invalid="ignore"):
        assert not np.isfinite(f(a, w))


def test_logaddexp_reduce_shift_is_recomputed():
    with np.errstate(divide="ignore"):  # log(0) of the all -inf rows
        _replayed(lambda x: np.logaddexp.reduce(x, axis=1),
                  (np.array([[1.0, 2.0], [-np.inf, -np.inf]]),),
                  (np.array([[-np.inf, -np.inf], [700.0, 701.0]]),), grad=False)
    _replayed(lambda x: np.logaddexp.reduce(x, axis=1), (np.array([[1.0, 2.0], [3.0, 0.0]]),),
              (np.array([[800.0, 2.0], [-5.0, 0.0]]),))


# ============================================================================ NaN handling

_NAN_POINTS = ((np.array([[1.0, np.nan, 2.0], [3.0, 4.0, 5.0]]),),
               (np.array([[np.nan, 1.0, 2.0], [3.0, np.nan, np.nan]]),))


def test_nan_filled_reductions_follow_the_nan_positions():
    for f in (lambda x: lnp.nansum(x, axis=1), lambda x: lnp.nancumsum(x, axis=1),
              lambda x: lnp.nan_to_num(x, nan=-1.0)):
        _replayed(f, *_NAN_POINTS)


def test_nanprod_follows_the_nan_positions():
    _replayed(lambda x: lnp.nanprod(x, axis=1), *_NAN_POINTS)


def test_nan_to_num_of_infinities_is_recomputed():
    _replayed(lambda x: lnp.nan_to_num(x, posinf=9.0), (np.array([1.0, 2.0]),),
              (np.array([np.inf, -np.inf]),))


def test_nan_statistics_follow_the_nan_positions():
    p1 = (np.array([[1.0, np.nan, 2.0], [3.0, 4.0, 5.0]]),)
    p2 = (np.array([[np.nan, 1.0, 2.0], [3.0, np.nan, 6.0]]),)
    for f in (lambda x: lnp.nanmean(x, axis=1), lambda x: lnp.nanvar(x, axis=1, ddof=1),
              lambda x: lnp.nanmax(x, axis=1), lambda x: lnp.nanmedian(x, axis=1),
              lambda x: lnp.nanquantile(x, 0.3, axis=1, method="nearest")):
        _replayed(f, p1, p2)


def test_all_nan_slices_are_recomputed():
    f = linad.jit(lambda x: lnp.nanmean(x, axis=1))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        f(np.array([[1.0, 2.0], [3.0, 4.0]]))
        out = f(np.array([[np.nan, np.nan], [3.0, 4.0]]))
    np.testing.assert_array_equal(out, [np.nan, 3.5])


@pytest.mark.parametrize("method", ["linear", "lower", "nearest", "midpoint", "hazen"])
def test_quantiles_follow_the_order_and_traced_q(method):
    x1, x2 = np.array([3.0, 1.0, 2.0, 5.0]), np.array([0.5, 9.0, -1.0, 2.0])
    _replayed(lambda x: lnp.quantile(x, 0.4, method=method), (x1,), (x2,))
    _replayed(lambda x, q: lnp.quantile(x, q, method=method), (x1, np.array([0.1, 0.7])),
              (x2, np.array([0.9, 0.25])), grad=False)
    _replayed(lambda q: lnp.percentile(x1, q, method=method), (np.array([10.0, 70.0]),),
              (np.array([95.0, 0.0]),))


def test_quantile_outside_the_range_under_jit_is_nan():
    f = linad.jit(lambda x, q: lnp.quantile(x, q))
    out = f(np.array([1.0, 2.0]), np.array([0.5, 1.5]))
    assert out[0] == 1.5 and np.isnan(out[1])
    with pytest.raises(ValueError, match="Quantiles"):
        lnp.quantile(np.array([1.0, 2.0]), np.array([0.5, 1.5]))


def test_running_extremes_follow_the_ties():
    _replayed(lambda x: np.maximum.accumulate(x), (np.array([1.0, 3.0, 2.0, 3.0]),),
              (np.array([4.0, 4.0, 1.0, 5.0]),))


# ============================================================================ signal

def test_unwrap_offsets_are_recomputed():
    _replayed(lnp.unwrap, (np.array([0.0, 3.0, -3.0, 0.5]),), (np.array([0.0, 1.0, 2.0, -3.1]),))


def test_interp_intervals_are_recomputed():
    xp, fp = np.array([0.0, 1.0, 3.0]), np.array([0.0, 2.0, 3.0])
    _replayed(lambda x: lnp.interp(x, xp, fp), (np.array([0.5, 2.0, 4.0]),),
              (np.array([2.5, -1.0, 0.25]),))
    _replayed(lambda x, xp: lnp.interp(x, xp, fp), (np.array([0.5, 2.0]), xp),
              (np.array([0.5, 2.0]), np.array([-1.0, 0.6, 0.7])))


# ============================================================================ creation

def test_geomspace_and_linspace_under_jit():
    _replayed(lambda a, b: lnp.geomspace(a, b, 4), (np.float64(1.0), np.float64(8.0)),
              (np.float64(-2.0), np.float64(-0.5)))
    # a step that underflows to zero takes NumPy's other formula
    _replayed(lambda a, b: lnp.linspace(a, b, 4), (np.float64(0.0), np.float64(1.0)),
              (np.float64(0.0), np.float64(5e-324)), grad=False)


# ============================================================================ shapes from values

def test_polydiv_remainder_length_is_refused_under_jit():
    u, v = np.array([1.0, 0.0, -1.0]), np.array([1.0, 1.0])
    with pytest.raises(ConcretizationError, match="polydiv"):
        linad.jit(lnp.polydiv)(u, v)
    _same(linad.jit(lnp.polydiv)(np.array([2.0]), np.array([1.0, 1.0])),
          np.polydiv(np.array([2.0]), np.array([1.0, 1.0])))


def test_roots_and_complex_poly_are_refused_under_jit():
    with pytest.raises(ConcretizationError, match="roots"):
        linad.jit(lnp.roots)(np.array([1.0, -3.0, 2.0]))
    with pytest.raises(ConcretizationError, match="poly of complex"):
        linad.jit(lnp.poly)(np.array([1j, -1j]))
