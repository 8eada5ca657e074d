r"""Order statistics, NaN-ignoring reductions, covariance, and ufunc methods on traced values.

Order statistics (``median``, ``quantile``, ``percentile`` and their ``nan`` forms)
sort each reduced slice with :func:`linad.numpy.sort` and gather the order
statistics NumPy's ``method=`` selects; the continuous methods interpolate two
neighbours with the weights NumPy uses.  So the derivative flows to the selected
elements, and equal values share it equally (the tie convention of ``sort``,
``max`` and ``min``).  Every NumPy method is piecewise linear in the data and
is supported.

Conventions (tested in ``tests/test_statistics.py``):

* **NaN.** ``median``/``quantile``/``percentile`` of a slice holding NaN is NaN, as
  in NumPy.  The ``nan`` functions ignore NaN entries, whose derivative is 0; an
  all-NaN slice gives NaN (0 for ``nansum``, 1 for ``nanprod``) with NumPy's
  ``RuntimeWarning``.
* **Traced ``q``.** For the continuous methods the result is differentiable in
  ``q`` too (linear between order statistics); the discrete methods are piecewise
  constant in ``q`` (derivative 0).
* **Running extremes.** ``np.maximum.accumulate`` / ``np.minimum.accumulate``: each
  output shares its derivative equally among the entries so far that attain it.
* ``nan_to_num``: derivative 1 on finite entries, 0 on replaced ones.
* ``cov``/``corrcoef``: ``fweights`` and ``aweights`` are constants.
"""
from __future__ import annotations

import numbers
import warnings
from typing import Any, Callable

import numpy as np

from ..core import Tracer, bind, dtype_of, is_inexact, shape_of
from ..primitives import linear as L
from ..primitives import reductions as R
from ..primitives.elementwise import detached_value, real_dtype
from ..primitives.elementwise import on_values
from ..primitives.discrete import elementwise, reduces
from ._nondiff import on_primal
from ._base import _along, _arr, _ndim, astype, normalize_axes, normalize_axis_index
from ._core import add, divide, multiply, stop_gradient, subtract
from ._core import mean as _mean, sum as _sum
from ._dispatch import HANDLED_UFUNCS, implements, implements_ufunc_method
from ._elementwise import clip, exp, exp2, log, log2, sqrt
from ._indexing import _move_back, _moveaxis_last, sort, take_along_axis
from ._reductions import (_refuse, _root_zero_safe, _two_norm, cumprod, cumsum, max as _max,
                          merge_axes_last, min as _min, prod, var)
from ._products import matmul
from ._shape import concatenate, diagonal, reshape

__all__ = [
    "median", "quantile", "percentile", "nanmedian", "nanquantile", "nanpercentile",
    "nansum", "nanprod", "nanmean", "nanvar", "nanstd", "nanmax", "nanmin", "nancumsum",
    "nancumprod", "nanargmax", "nanargmin", "nan_to_num", "cov", "corrcoef",
]


# ============================================================================ quantile methods

def _hyndman_fan(alpha: float, beta: float) -> Callable:
    """The virtual index ``n q + alpha + q (1 - alpha - beta) - 1`` (Hyndman & Fan, 1996)."""
    return lambda n, q: n * q + (alpha + q * (1 - alpha - beta)) - 1


def _to_boundary(index: np.ndarray, take_previous: Callable) -> np.ndarray:
    """A discrete method's index: ``floor(index)`` where ``take_previous``, else the next one."""
    previous = np.floor(index)
    return np.where(take_previous(index - previous, index), previous, previous + 1)


#: continuous methods: name -> (virtual index (n, q), gamma fix or None)
_CONTINUOUS: dict[str, tuple[Callable, Callable | None]] = {
    "linear": (lambda n, q: (n - 1) * q, None),
    "interpolated_inverted_cdf": (_hyndman_fan(0.0, 1.0), None),
    "hazen": (_hyndman_fan(0.5, 0.5), None),
    "weibull": (_hyndman_fan(0.0, 0.0), None),
    "median_unbiased": (_hyndman_fan(1 / 3.0, 1 / 3.0), None),
    "normal_unbiased": (_hyndman_fan(3 / 8.0, 3 / 8.0), None),
    "averaged_inverted_cdf": (lambda n, q: n * q - 1,
                              lambda gamma, index: np.where(gamma == 0, 0.5, 1.0)),
    "midpoint": (lambda n, q: 0.5 * (np.floor((n - 1) * q) + np.ceil((n - 1) * q)),
                 lambda gamma, index: np.where(index % 1 == 0, 0.0, 0.5)),
}

#: discrete methods: name -> the selected (0-based) order statistic (n, q)
_DISCRETE: dict[str, Callable] = {
    "inverted_cdf": lambda n, q: _to_boundary(n * q - 1, lambda g, i: g == 0),
    "closest_observation": lambda n, q: _to_boundary(
        n * q - 1.5, lambda g, i: (g == 0) & (np.floor(i) % 2 == 1)),
    "lower": lambda n, q: np.floor((n - 1) * q),
    "higher": lambda n, q: np.ceil((n - 1) * q),
    "nearest": lambda n, q: np.around((n - 1) * q),
}


def _check_method(method: str, name: str) -> None:
    if method not in _CONTINUOUS and method not in _DISCRETE:
        known = ", ".join(repr(m) for m in (*_CONTINUOUS, *_DISCRETE))
        raise ValueError(f"{name}: {method!r} is not a valid method. Use one of: {known}")


# ============================================================================ quantile core

def _order_statistics(a: Any, q: Any, axis: Any, method: str, keepdims: bool,
                      skip_nan: bool, name: str) -> Any:
    """The ``q``-quantiles of ``a`` over ``axis`` (q's axes first, as in NumPy)."""
    _check_method(method, name)
    a = _arr(a)
    if np.dtype(dtype_of(a)).kind == "c":
        raise TypeError(f"{name}: a must be an array of real numbers (complex input is not "
                        "ordered)")
    q_value = _checked_fractions(q, 1, "Quantiles must be in the range [0, 1]")
    q_shape = tuple(shape_of(q_value))
    if len(q_shape) > 2:
        raise ValueError("q must be a scalar or 1d")
    if method in _DISCRETE:  # the selected elements themselves, in a's dtype (as NumPy)
        dtype = np.dtype(dtype_of(a))
    else:
        weak = isinstance(q, numbers.Number) and not isinstance(q, np.generic)
        inexact = dtype_of(a) if is_inexact(dtype_of(a)) else np.float64
        dtype = np.result_type(inexact, q if weak else dtype_of(_arr(q)))
    shape, axes = tuple(shape_of(a)), normalize_axes(axis, _ndim(a))
    flat, rest = merge_axes_last(astype(a, dtype), axes)
    if tuple(shape_of(flat))[-1] == 0:
        raise ValueError(f"{name}: cannot take a quantile of an empty slice")
    s = sort(flat, axis=-1)
    n = tuple(shape_of(s))[-1]
    if not is_inexact(dtype):
        counts, empty = np.full(rest, n), np.zeros(rest, bool)
    elif skip_nan:
        counts = on_values(_non_nan_counts, s)
        empty = counts == 0
    else:
        counts, empty = np.full(rest, n), on_values(_last_is_nan, s)
    qb = L.reshape(q_value, q_shape + (1,) * len(rest))
    res = _select(s, counts, qb, q if isinstance(q, Tracer) else None, method, dtype)
    if isinstance(qb, Tracer):  # unchecked fractions: NaN outside [0, 1]
        empty = np.logical_or(empty, on_values(_outside_unit_interval, qb))
    if skip_nan and not isinstance(empty, Tracer) and empty.any():
        warnings.warn("All-NaN slice encountered", RuntimeWarning, stacklevel=3)
    res = _nan_where(res, empty)
    out_shape = q_shape + (R.keepdims_shape(shape, axes) if keepdims else rest)
    return reshape(res, out_shape)


def _checked_fractions(q: Any, scale: float, message: str) -> Any:
    """The value of ``q`` (float64), checked to lie in ``[0, scale]``.

    Under ``linad.jit`` a traced ``q`` has no value while staging: its staged value is
    returned unchecked, and the order statistics are NaN where it is out of range.
    """
    value = detached_value(q)
    if isinstance(value, Tracer):
        return value
    value = np.asarray(value, dtype=np.float64)
    if np.any((value < 0) | (value > scale)):
        raise ValueError(message)
    return value


def _non_nan_counts(s: np.ndarray) -> np.ndarray:
    """How many entries of each slice (last axis) of ``s`` are not NaN."""
    return s.shape[-1] - np.isnan(s).sum(-1)


def _last_is_nan(s: np.ndarray) -> np.ndarray:
    """Whether the last entry of each sorted slice is NaN (NaN sorts last)."""
    return np.isnan(s[..., -1])


@elementwise
def _outside_unit_interval(q: np.ndarray) -> np.ndarray:
    return (q < 0) | (q > 1) | np.isnan(q)


def _nan_where(res: Any, mask: Any) -> Any:
    """``res`` with NaN where ``mask`` (broadcast; concrete or staged) is true."""
    if not isinstance(mask, Tracer) and not mask.any():
        return res
    shape = tuple(shape_of(res))
    return L.where(L.broadcast_to(mask, shape), np.asarray(np.nan, dtype_of(res)), res)


def _select(s: Any, counts: Any, q: Any, q_traced: Any, method: str, dtype: np.dtype) -> Any:
    """Gather (and interpolate) the order statistics of the sorted slices ``s``.

    ``counts`` (entries per slice) and ``q`` are concrete, or staged by ``linad.jit``:
    the positions are then computed by the program on every call.
    """
    if method in _DISCRETE:
        return _gather(s, on_values(_discrete_position, counts, q, method))
    previous, following, gamma, floor = on_values(_continuous_positions, counts, q, method,
                                                   dtype, multiple=True)
    if q_traced is not None and _CONTINUOUS[method][1] is None:
        qt = L.reshape(astype(q_traced, dtype), tuple(shape_of(q)))
        gamma = subtract(_CONTINUOUS[method][0](astype(counts, dtype), qt),
                         astype(floor, dtype))
    return _lerp(_gather(s, previous), _gather(s, following), gamma)


def _discrete_position(counts: np.ndarray, q: np.ndarray, method: str) -> np.ndarray:
    """The order statistic a discrete ``method`` selects in slices of ``counts`` entries."""
    return np.clip(_DISCRETE[method](counts, q), 0, np.maximum(counts - 1, 0)).astype(np.intp)


def _continuous_positions(counts: np.ndarray, q: np.ndarray, method: str,
                          dtype: np.dtype) -> tuple:
    """The two order statistics a continuous ``method`` interpolates, the weight of the
    second, and the floor of the virtual index."""
    virtual, fix = _CONTINUOUS[method]
    last = np.maximum(counts - 1, 0)
    vi = np.asarray(virtual(counts, q), dtype=np.float64)
    floor = np.floor(vi)
    previous = np.clip(floor, 0, last).astype(np.intp)
    following = np.clip(floor + 1, 0, last).astype(np.intp)
    gamma = np.asarray(fix(vi - floor, vi) if fix is not None else vi - floor, dtype)
    return previous, following, gamma, floor


def _gather(s: Any, index: np.ndarray) -> Any:
    """``s[..., index]`` per slice (``s``: ``rest + (n,)``; ``index``: ``q.shape + rest``)."""
    rest = tuple(shape_of(s))[:-1]
    grids = tuple(np.arange(n).reshape((n,) + (1,) * (len(rest) - i - 1))
                  for i, n in enumerate(rest))
    return L.getitem(s, grids + (index,))


def _lerp(a: Any, b: Any, t: Any) -> Any:
    """NumPy's interpolation ``a + (b - a) t`` (``b - (b - a)(1 - t)`` where ``t >= 0.5``)."""
    diff = subtract(b, a)
    upper = detached_value(t) >= 0.5
    if not isinstance(upper, Tracer) and not upper.any():
        return add(a, multiply(diff, t))
    return L.where(upper, subtract(b, multiply(diff, subtract(1, t))), add(a, multiply(diff, t)))


def _percent(q: Any) -> Any:
    _checked_fractions(q, 100, "Percentiles must be in the range [0, 100]")
    if isinstance(q, Tracer):
        return divide(q, 100)
    return q / 100 if isinstance(q, numbers.Number) else np.true_divide(np.asarray(q), 100)


def _method(method: str, interpolation: Any, weights: Any, name: str) -> str:
    if weights is not None:
        raise TypeError(f"{name}: weights= is not supported by linad.numpy; use "
                        "np.repeat for integer frequency weights")
    if interpolation is not None:
        warnings.warn(f"the `interpolation=` argument to {name} was renamed to `method=`, "
                      "which has additional options.", DeprecationWarning, stacklevel=3)
        return interpolation
    return method


# ============================================================================ order statistics

@implements(np.quantile)
def quantile(a: Any, q: Any, axis: Any = None, out: Any = None, overwrite_input: bool = False,
             method: str = "linear", keepdims: bool = False, *, weights: Any = None,
             interpolation: Any = None) -> Any:
    """The ``q``-th quantiles of ``a`` over ``axis`` (``np.quantile``; every ``method=``).

    ``q`` may be an array (its axes come first in the result) and may be traced.
    The derivative flows to the order statistics the method selects; tied values
    share it equally.  ``weights=`` is not supported.

    Examples
    --------
    >>> import numpy as np, linad, linad.numpy as lnp
    >>> x = np.array([4.0, 1.0, 3.0, 2.0])
    >>> float(lnp.quantile(x, 0.25))
    1.75
    >>> linad.grad(lambda x: lnp.quantile(x, 0.25))(x)
    array([0.  , 0.25, 0.  , 0.75])
    """
    _refuse("quantile", out=out)
    method = _method(method, interpolation, weights, "quantile")
    return _order_statistics(a, q, axis, method, keepdims, False, "quantile")


@implements(np.percentile)
def percentile(a: Any, q: Any, axis: Any = None, out: Any = None,
               overwrite_input: bool = False, method: str = "linear", keepdims: bool = False,
               *, weights: Any = None, interpolation: Any = None) -> Any:
    """The ``q``-th percentiles (``q`` in [0, 100]) of ``a`` over ``axis`` (``np.percentile``).

    Examples
    --------
    >>> import numpy as np, linad, linad.numpy as lnp
    >>> lnp.percentile(np.array([1.0, 2.0, 3.0]), [0, 50, 75], method="lower")
    array([1., 2., 2.])
    """
    _refuse("percentile", out=out)
    method = _method(method, interpolation, weights, "percentile")
    return _order_statistics(a, _percent(q), axis, method, keepdims, False,
                             "percentile")


@implements(np.median)
def median(a: Any, axis: Any = None, out: Any = None, overwrite_input: bool = False,
           keepdims: bool = False) -> Any:
    """Median over ``axis`` (``np.median``); the mean of the two middle values for even counts.

    Examples
    --------
    >>> import numpy as np, linad, linad.numpy as lnp
    >>> linad.grad(lnp.median)(np.array([3.0, 1.0, 2.0, 5.0]))
    array([0.5, 0. , 0.5, 0. ])
    """
    _refuse("median", out=out)
    return _order_statistics(a, 0.5, axis, "linear", keepdims, False, "median")


@implements(np.nanquantile)
def nanquantile(a: Any, q: Any, axis: Any = None, out: Any = None,
                overwrite_input: bool = False, method: str = "linear", keepdims: bool = False,
                *, weights: Any = None, interpolation: Any = None) -> Any:
    """:func:`quantile` ignoring NaN entries (``np.nanquantile``).

    Examples
    --------
    >>> import numpy as np, linad, linad.numpy as lnp
    >>> linad.grad(lambda x: lnp.nanquantile(x, 0.5))(np.array([1.0, np.nan, 3.0]))
    array([0.5, 0. , 0.5])
    """
    _refuse("nanquantile", out=out)
    method = _method(method, interpolation, weights, "nanquantile")
    return _order_statistics(a, q, axis, method, keepdims, True, "nanquantile")


@implements(np.nanpercentile)
def nanpercentile(a: Any, q: Any, axis: Any = None, out: Any = None,
                  overwrite_input: bool = False, method: str = "linear",
                  keepdims: bool = False, *, weights: Any = None,
                  interpolation: Any = None) -> Any:
    """:func:`percentile` ignoring NaN entries (``np.nanpercentile``).

    Examples
    --------
    >>> import numpy as np, linad.numpy as lnp
    >>> float(lnp.nanpercentile(np.array([1.0, np.nan, 3.0]), 50))
    2.0
    """
    _refuse("nanpercentile", out=out)
    method = _method(method, interpolation, weights, "nanpercentile")
    return _order_statistics(a, _percent(q), axis, method, keepdims, True,
                             "nanpercentile")


@implements(np.nanmedian)
def nanmedian(a: Any, axis: Any = None, out: Any = None, overwrite_input: bool = False,
              keepdims: bool = False) -> Any:
    """:func:`median` ignoring NaN entries (``np.nanmedian``).

    Examples
    --------
    >>> import numpy as np, linad.numpy as lnp
    >>> lnp.nanmedian(np.array([[1.0, np.nan], [2.0, 4.0]]), axis=1)
    array([1., 3.])
    """
    _refuse("nanmedian", out=out)
    return _order_statistics(a, 0.5, axis, "linear", keepdims, True, "nanmedian")


# ============================================================================ NaN-ignoring

def _nan_filled(a: Any, fill: float) -> tuple[Any, Any]:
    """(``a`` with its NaN entries replaced by the constant ``fill``, the NaN mask).

    The mask is a boolean array, or under ``linad.jit`` a staged one.
    """
    a = _arr(a)
    nan = on_values(np.isnan, a) if is_inexact(dtype_of(a)) else \
        np.zeros(tuple(shape_of(a)), bool)
    if not isinstance(nan, Tracer) and not nan.any():
        return a, nan
    return L.where(nan, np.asarray(fill, dtype_of(a)), a), nan


def _valid_entries(nan: Any, where: Any, axes: tuple, keepdims: bool) -> tuple:
    """(the ``where=`` mask of a NaN-ignoring reduction, the number of valid entries
    per slice); staged when ``nan`` or ``where`` is."""
    return on_values(_valid_counts, nan, where, axes, keepdims, multiple=True)


def _valid_counts(nan: np.ndarray, where: Any, axes: tuple, keepdims: bool) -> tuple:
    """The valid entries (not NaN, selected by ``where``) of each slice, all of an
    all-NaN slice (computed on its filled entries, then replaced by NaN), and the counts."""
    valid = ~nan if where is None else ~nan & np.broadcast_to(np.asarray(where, bool),
                                                              nan.shape)
    mask = valid | ~valid.any(axis=axes, keepdims=True)
    return mask, valid.sum(axis=axes, keepdims=keepdims)


def _nan_result(res: Any, empty: Any, message: str) -> Any:
    """``res`` with NaN (and NumPy's RuntimeWarning) where a slice had no valid entry
    (under ``linad.jit`` the staged mask is applied, without the warning)."""
    if not isinstance(empty, Tracer):
        if not np.any(empty):
            return res
        warnings.warn(message, RuntimeWarning, stacklevel=3)
    return _nan_where(res, empty)


@implements(np.nansum)
def nansum(a: Any, axis: Any = None, dtype: Any = None, out: Any = None, keepdims: bool = False,
           initial: Any = None, where: Any = None) -> Any:
    """Sum treating NaN as 0 (``np.nansum``); NaN entries have derivative 0.

    Examples
    --------
    >>> import numpy as np, linad, linad.numpy as lnp
    >>> linad.grad(lnp.nansum)(np.array([1.0, np.nan, 2.0]))
    array([1., 0., 1.])
    """
    return _sum(_nan_filled(a, 0)[0], axis, dtype, out, keepdims, initial, where)


@implements(np.nanprod)
def nanprod(a: Any, axis: Any = None, dtype: Any = None, out: Any = None,
            keepdims: bool = False, initial: Any = None, where: Any = None) -> Any:
    """Product treating NaN as 1 (``np.nanprod``); NaN entries have derivative 0.

    Examples
    --------
    >>> import numpy as np, linad, linad.numpy as lnp
    >>> linad.grad(lnp.nanprod)(np.array([2.0, np.nan, 3.0]))
    array([3., 0., 2.])
    """
    return prod(_nan_filled(a, 1)[0], axis, dtype, out, keepdims, initial, where)


@implements(np.nancumsum)
def nancumsum(a: Any, axis: Any = None, dtype: Any = None, out: Any = None) -> Any:
    """Cumulative sum treating NaN as 0 (``np.nancumsum``).

    Examples
    --------
    >>> import numpy as np, linad.numpy as lnp
    >>> lnp.nancumsum(np.array([1.0, np.nan, 2.0]))
    array([1., 1., 3.])
    """
    return cumsum(_nan_filled(a, 0)[0], axis, dtype, out)


@implements(np.nancumprod)
def nancumprod(a: Any, axis: Any = None, dtype: Any = None, out: Any = None) -> Any:
    """Cumulative product treating NaN as 1 (``np.nancumprod``).

    Examples
    --------
    >>> import numpy as np, linad.numpy as lnp
    >>> lnp.nancumprod(np.array([2.0, np.nan, 3.0]))
    array([2., 2., 6.])
    """
    return cumprod(_nan_filled(a, 1)[0], axis, dtype, out)


@implements(np.nanmean)
def nanmean(a: Any, axis: Any = None, dtype: Any = None, out: Any = None,
            keepdims: bool = False, *, where: Any = None) -> Any:
    """Mean of the non-NaN entries (``np.nanmean``); NaN, with a warning, for all-NaN slices.

    Examples
    --------
    >>> import numpy as np, linad, linad.numpy as lnp
    >>> linad.grad(lnp.nanmean)(np.array([1.0, np.nan, 2.0]))
    array([0.5, 0. , 0.5])
    """
    _refuse("nanmean", out=out)
    filled, nan = _nan_filled(a, 0)
    axes = normalize_axes(axis, len(shape_of(nan)))
    mask, count = _valid_entries(nan, where, axes, keepdims)
    res = _mean(filled, axis, dtype, keepdims=keepdims, where=mask)
    return _nan_result(res, count == 0, "Mean of empty slice")


@implements(np.nanvar)
def nanvar(a: Any, axis: Any = None, dtype: Any = None, out: Any = None, ddof: float = 0,
           keepdims: bool = False, *, where: Any = None, mean: Any = None,
           correction: Any = None) -> Any:
    """Variance of the non-NaN entries (``np.nanvar``).

    Slices with no more than ``ddof`` valid entries give NaN with NumPy's warning.

    Examples
    --------
    >>> import numpy as np, linad, linad.numpy as lnp
    >>> linad.grad(lnp.nanvar)(np.array([1.0, np.nan, 3.0]))
    array([-1.,  0.,  1.])
    """
    _refuse("nanvar", out=out)
    if correction is not None:
        ddof = correction
    filled, nan = _nan_filled(a, 0)
    axes = normalize_axes(axis, len(shape_of(nan)))
    mask, count = _valid_entries(nan, where, axes, keepdims)
    res = var(filled, axis, dtype, keepdims=keepdims, mean=mean, where=mask)
    if ddof:
        res = multiply(res, on_values(_ddof_scale, count, ddof, tuple(shape_of(res)),
                                       dtype_of(res)))
    return _nan_result(res, count <= ddof, "Degrees of freedom <= 0 for slice.")


def _ddof_scale(count: np.ndarray, ddof: float, shape: tuple, dtype: Any) -> np.ndarray:
    """``count / (count - ddof)`` (a population variance to a sample one), of ``shape``."""
    return np.broadcast_to(count / np.maximum(count - ddof, 1), shape).astype(dtype)


@implements(np.nanstd)
def nanstd(a: Any, axis: Any = None, dtype: Any = None, out: Any = None, ddof: float = 0,
           keepdims: bool = False, *, where: Any = None, mean: Any = None,
           correction: Any = None) -> Any:
    """Standard deviation of the non-NaN entries (``np.nanstd``).

    Examples
    --------
    >>> import numpy as np, linad, linad.numpy as lnp
    >>> linad.grad(lnp.nanstd)(np.array([1.0, np.nan, 3.0]))
    array([-0.5,  0. ,  0.5])
    """
    return _root_zero_safe(sqrt, nanvar(a, axis, dtype, out, ddof, keepdims, where=where,
                                        mean=mean, correction=correction))


def _nan_extreme(name: str, extreme: Callable, fill: float, a: Any, axis: Any, out: Any,
                 keepdims: bool, initial: Any, where: Any) -> Any:
    _refuse(name, out=out)
    filled, nan = _nan_filled(a, fill)
    res = extreme(filled, axis, keepdims=keepdims, initial=initial, where=where)
    if initial is not None:
        return res
    axes = normalize_axes(axis, len(shape_of(nan)))
    count = _valid_entries(nan, where, axes, keepdims)[1]
    return _nan_result(res, count == 0, "All-NaN slice encountered")


@implements(np.nanmax)
def nanmax(a: Any, axis: Any = None, out: Any = None, keepdims: bool = False,
           initial: Any = None, where: Any = None) -> Any:
    """Maximum ignoring NaN (``np.nanmax``); ties share the derivative, NaN entries get 0.

    Examples
    --------
    >>> import numpy as np, linad, linad.numpy as lnp
    >>> linad.grad(lnp.nanmax)(np.array([2.0, np.nan, 2.0, 1.0]))
    array([0.5, 0. , 0.5, 0. ])
    """
    return _nan_extreme("nanmax", _max, -np.inf, a, axis, out, keepdims, initial, where)


@implements(np.nanmin)
def nanmin(a: Any, axis: Any = None, out: Any = None, keepdims: bool = False,
           initial: Any = None, where: Any = None) -> Any:
    """Minimum ignoring NaN (``np.nanmin``); ties share the derivative, NaN entries get 0.

    Examples
    --------
    >>> import numpy as np, linad, linad.numpy as lnp
    >>> lnp.nanmin(np.array([[np.nan, 2.0], [3.0, 1.0]]), axis=0)
    array([3., 1.])
    """
    return _nan_extreme("nanmin", _min, np.inf, a, axis, out, keepdims, initial, where)


@implements(np.nanargmax)
def nanargmax(a: Any, axis: Any = None, out: Any = None, *, keepdims: bool = False) -> Any:
    """Index of the maximum ignoring NaN (``np.nanargmax``); a plain integer result.

    Examples
    --------
    >>> import numpy as np, linad.numpy as lnp
    >>> int(lnp.nanargmax(np.array([1.0, np.nan, 3.0])))
    2
    """
    _refuse("nanargmax", out=out)
    return on_primal(np.nanargmax)(a, axis=axis, keepdims=keepdims)


@implements(np.nanargmin)
def nanargmin(a: Any, axis: Any = None, out: Any = None, *, keepdims: bool = False) -> Any:
    """Index of the minimum ignoring NaN (``np.nanargmin``); a plain integer result.

    Examples
    --------
    >>> import numpy as np, linad.numpy as lnp
    >>> int(lnp.nanargmin(np.array([np.nan, 1.0, 3.0])))
    1
    """
    _refuse("nanargmin", out=out)
    return on_primal(np.nanargmin)(a, axis=axis, keepdims=keepdims)


# ============================================================================ nan_to_num

@implements(np.nan_to_num)
def nan_to_num(x: Any, copy: bool = True, nan: float = 0.0, posinf: Any = None,
               neginf: Any = None) -> Any:
    """``x`` with NaN and infinities replaced (``np.nan_to_num``); always a new array.

    Complex input has its real and imaginary parts replaced separately.  The
    derivative is 1 on finite entries and 0 on replaced ones.

    Examples
    --------
    >>> import numpy as np, linad, linad.numpy as lnp
    >>> x = np.array([1.0, np.nan, np.inf, -np.inf])
    >>> lnp.nan_to_num(x, posinf=9.0, neginf=-9.0)
    array([ 1.,  0.,  9., -9.])
    >>> linad.grad(lambda v: lnp.nan_to_num(v).sum())(x)
    array([1., 0., 0., 0.])
    """
    x = _arr(x)
    if not is_inexact(dtype_of(x)):
        return x if isinstance(x, Tracer) else np.array(x)
    if np.dtype(dtype_of(x)).kind == "c":
        re = _replace_nonfinite(L.real(x), nan, posinf, neginf)
        im = _replace_nonfinite(L.imag(x), nan, posinf, neginf)
        return _complex(re, im)
    return _replace_nonfinite(x, nan, posinf, neginf)


def _complex(re: Any, im: Any) -> Any:
    """``re + 1j * im`` from two real arrays."""
    return bind(L.complex_p, re, im)


def _replace_nonfinite(x: Any, nan: float, posinf: Any, neginf: Any) -> Any:
    finite = on_values(np.isfinite, x)
    if not isinstance(finite, Tracer) and finite.all():
        return x if isinstance(x, Tracer) else np.array(x)
    return L.where(finite, x, on_values(_replacements, x, nan, posinf, neginf))


@elementwise
def _replacements(value: np.ndarray, nan: float, posinf: Any, neginf: Any) -> np.ndarray:
    """``nan_to_num``'s replacement of each entry of ``value`` (used where not finite)."""
    info = np.finfo(value.dtype)
    return np.where(np.isnan(value), nan, np.where(
        value > 0, info.max if posinf is None else posinf,
        info.min if neginf is None else neginf)).astype(value.dtype)


# ============================================================================ cov, corrcoef

def _observations(m: Any, rowvar: bool, dtype: Any) -> Any:
    """``m`` as a 2-D (variables, observations) array of ``dtype``."""
    m = _arr(m)
    if _ndim(m) > 2:
        raise ValueError("m has more than 2 dimensions")
    if _ndim(m) < 2:
        m = reshape(m, (1, -1))
    if not rowvar and tuple(shape_of(m))[0] != 1:
        m = L.transpose(m, (1, 0))
    return astype(m, dtype)


def _constant_weights(w: Any, n: int, name: str, integer: bool) -> np.ndarray | None:
    if w is None:
        return None
    if isinstance(w, Tracer):
        raise TypeError(f"cov: {name} must be a constant array (the weights are not "
                        "differentiated); pass a plain NumPy array")
    w = np.asarray(w, dtype=float)
    if integer and not np.all(w == np.around(w)):
        raise TypeError("fweights must be integer")
    if w.ndim > 1:
        raise RuntimeError(f"cannot handle multidimensional {name}")
    if w.shape[0] != n:
        raise RuntimeError(f"incompatible numbers of samples and {name}")
    if np.any(w < 0):
        raise ValueError(f"{name} cannot be negative")
    return w


@implements(np.cov)
def cov(m: Any, y: Any = None, rowvar: bool = True, bias: bool = False, ddof: Any = None,
        fweights: Any = None, aweights: Any = None, *, dtype: Any = None) -> Any:
    """Covariance matrix of the variables in ``m`` (and ``y``) (``np.cov``).

    ``fweights`` (integer frequencies) and ``aweights`` (observation weights) are
    constants.  Like NumPy, the result is float64 unless ``dtype`` says otherwise.

    Examples
    --------
    >>> import numpy as np, linad, linad.numpy as lnp
    >>> x = np.array([[0.0, 1.0, 2.0], [2.0, 1.0, 0.0]])
    >>> lnp.cov(x)
    array([[ 1., -1.],
           [-1.,  1.]])
    >>> linad.grad(lambda x: lnp.cov(x)[0, 1])(x)
    array([[ 0.5,  0. , -0.5],
           [-0.5,  0. ,  0.5]])
    """
    if ddof is not None and ddof != int(ddof):
        raise ValueError("ddof must be integer")
    if dtype is None:
        dtype = np.result_type(dtype_of(_arr(m)), np.float64) if y is None else \
            np.result_type(dtype_of(_arr(m)), dtype_of(_arr(y)), np.float64)
    x = _observations(m, rowvar, dtype)
    if y is not None:
        x = concatenate([x, _observations(y, rowvar, dtype)], axis=0)
    if ddof is None:
        ddof = 0 if bias else 1
    n = tuple(shape_of(x))[1]
    fw = _constant_weights(fweights, n, "fweights", True)
    aw = _constant_weights(aweights, n, "aweights", False)
    w = fw if aw is None else (aw if fw is None else fw * aw)
    if w is None:
        centre = _mean(x, axis=1, keepdims=True)
        fact = n - ddof
    else:
        w_sum = float(w.sum())
        if w_sum == 0:
            raise ZeroDivisionError("Weights sum to zero, can't be normalized")
        centre = divide(_sum(multiply(x, w), axis=1, keepdims=True), w_sum)
        fact = w_sum if ddof == 0 else (w_sum - ddof if aw is None else
                                        w_sum - ddof * float((w * aw).sum()) / w_sum)
    if fact <= 0:
        warnings.warn("Degrees of freedom <= 0 for slice", RuntimeWarning, stacklevel=2)
        fact = 0.0
    xc = subtract(x, centre)
    xw = xc if w is None else multiply(xc, w.astype(real_dtype(xc)))
    c = multiply(matmul(xc, L.conj(L.transpose(xw, (1, 0)))), np.true_divide(1, fact))
    size = tuple(shape_of(c))
    return reshape(c, tuple(k for k in size if k != 1))


@implements(np.corrcoef)
def corrcoef(x: Any, y: Any = None, rowvar: bool = True, *, dtype: Any = None) -> Any:
    """Pearson correlation coefficients (``np.corrcoef``), clipped to [-1, 1] as in NumPy.

    Examples
    --------
    >>> import numpy as np, linad, linad.numpy as lnp
    >>> x = np.array([[1.0, 2.0, 4.0], [1.0, 3.0, 2.0]])
    >>> bool(np.allclose(lnp.corrcoef(x), np.corrcoef(x)))
    True
    """
    c = cov(x, y, rowvar, dtype=dtype)
    if _ndim(c) == 0:
        return divide(c, c)
    sd = sqrt(L.real(diagonal(c)))
    k = tuple(shape_of(sd))[0]
    c = divide(divide(c, reshape(sd, (k, 1))), reshape(sd, (1, k)))
    if np.dtype(dtype_of(c)).kind == "c":
        return _complex(clip(L.real(c), -1, 1), clip(L.imag(c), -1, 1))
    return clip(c, -1, 1)


# ============================================================================ ufunc methods

def _ufunc_operand(array: Any, dtype: Any) -> Any:
    array = _arr(array)
    return array if dtype is None else astype(array, dtype)


def _single_axis(name: str, array: Any, axis: Any) -> int:
    """The one axis a non-reorderable ufunc reduces over (NumPy's error for several)."""
    axes = normalize_axes(axis, _ndim(array))
    if len(axes) != 1:
        raise ValueError(f"reduction operation '{name}' is not reorderable, so at most one "
                         "axis may be specified")
    return axes[0]


def _slices(x: Any, axis: int) -> list:
    """The slices of ``x`` along ``axis``, each keeping that axis with size 1."""
    return [L.getitem(x, _along(axis, slice(k, k + 1))) for k in range(shape_of(x)[axis])]


def _fold(fn: Callable, x: Any, axis: int, accumulate: bool) -> Any:
    """``fn`` applied left to right along ``axis``: the last partial result, or all of them."""
    parts = _slices(x, axis)
    if not parts:
        raise ValueError("zero-size array to reduction operation which has no identity")
    results = [parts[0]]
    for part in parts[1:]:
        results.append(fn(results[-1], part))
    return concatenate(results, axis) if accumulate else results[-1]


def _fold_reduce(ufunc: np.ufunc) -> Callable:
    fn = HANDLED_UFUNCS[ufunc]

    def reduce(array: Any, axis: Any = 0, dtype: Any = None, keepdims: bool = False,
               initial: Any = None, where: Any = None) -> Any:
        _refuse(f"np.{ufunc.__name__}.reduce", where=where)
        x = _ufunc_operand(array, dtype)
        ax = _single_axis(ufunc.__name__, x, axis)
        if initial is not None:
            first = np.full(R.keepdims_shape(tuple(shape_of(x)), (ax,)), initial, dtype_of(x))
            x = concatenate([first, x], ax)
        res = _fold(fn, x, ax, False)
        return res if keepdims else L.reshape(res, tuple(
            n for i, n in enumerate(shape_of(res)) if i != ax))
    return reduce


def _fold_accumulate(ufunc: np.ufunc) -> Callable:
    fn = HANDLED_UFUNCS[ufunc]

    def accumulate(array: Any, axis: int = 0, dtype: Any = None) -> Any:
        x = _ufunc_operand(array, dtype)
        return _fold(fn, x, normalize_axis_index(axis, _ndim(x)), True)
    return accumulate


def _outer(ufunc: np.ufunc) -> Callable:
    fn = HANDLED_UFUNCS[ufunc]

    def outer(a: Any, b: Any, **kwargs: Any) -> Any:
        a, b = _arr(a), _arr(b)
        return fn(reshape(a, tuple(shape_of(a)) + (1,) * _ndim(b)), b, **kwargs)
    return outer


def _reduceat(reduce: Callable) -> Callable:
    def reduceat(array: Any, indices: Any, axis: int = 0, dtype: Any = None) -> Any:
        x = _ufunc_operand(array, dtype)
        ax = normalize_axis_index(axis, _ndim(x))
        n = shape_of(x)[ax]
        idx = [int(i) for i in np.asarray(indices).ravel()]
        if any(not 0 <= i < n for i in idx):
            raise IndexError(f"index out of bounds for axis {ax} of size {n}")
        parts = []
        for k, i in enumerate(idx):
            j = idx[k + 1] if k + 1 < len(idx) else n
            piece = L.getitem(x, _along(ax, slice(i, j if j > i else i + 1)))
            parts.append(reduce(piece, axis=ax, keepdims=True))
        return concatenate(parts, ax)
    return reduceat


def _running_extreme(is_max: bool) -> Callable:
    """``np.maximum.accumulate`` / ``np.minimum.accumulate`` (ties share the derivative)."""
    def accumulate(array: Any, axis: int = 0, dtype: Any = None) -> Any:
        x = _ufunc_operand(array, dtype)
        ax = normalize_axis_index(axis, _ndim(x))
        if not isinstance(x, Tracer):
            return (np.maximum if is_max else np.minimum).accumulate(x, axis=ax)
        # each output's tangent is the mean of the tangents of the entries so far that
        # attain it; the traced part has the value 0 exactly, so the value is r
        r, finite, hit, run_start, hits = on_values(_extreme_runs, x, ax, is_max,
                                                     real_dtype(x), multiple=True)
        x = L.where(finite, x, np.zeros((), dtype_of(x)))
        zero_valued = _moveaxis_last(subtract(x, stop_gradient(x)), ax)
        return add(r, _move_back(_tie_shared_scan(zero_valued, hit, run_start, hits), ax))
    return accumulate


def _extreme_runs(x: np.ndarray, axis: int, is_max: bool, dtype: Any) -> tuple:
    """The running extreme ``r`` of ``x`` along ``axis``, where ``x`` is finite, and (along
    the last axis) the entries attaining ``r``, the start of each run of equal ``r`` and
    the number of entries of the run so far attaining it (in ``dtype``).

    ``r`` is monotone, so the entries attaining ``r[k]`` all lie in the run of positions
    where ``r`` keeps its value.
    """
    v = np.moveaxis(x, axis, -1)
    r = (np.maximum if is_max else np.minimum).accumulate(v, axis=-1)
    both_nan = np.isnan(r[..., 1:]) & np.isnan(r[..., :-1])
    new_run = np.concatenate([np.ones(r.shape[:-1] + (1,), bool),
                              (r[..., 1:] != r[..., :-1]) & ~both_nan], -1)
    run_start = np.maximum.accumulate(np.where(new_run, np.arange(r.shape[-1]), 0), axis=-1)
    hit = (v == r) | (np.isnan(v) & np.isnan(r))
    hits = np.cumsum(hit, -1)
    hits_before = np.take_along_axis(
        np.concatenate([np.zeros(r.shape[:-1] + (1,), hits.dtype), hits], -1), run_start, -1)
    return (np.moveaxis(r, -1, axis), np.isfinite(x), hit, run_start,
            (hits - hits_before).astype(dtype))


def _tie_shared_scan(d: Any, hit: Any, run_start: Any, hits: Any) -> Any:
    """At each position (last axis), the mean of ``d`` over the entries so far attaining
    the running extreme (``hit``): a difference of cumulative sums over the run of equal
    extremes, which starts at ``run_start`` and has ``hits`` such entries so far."""
    last = _ndim(d) - 1
    sums = L.cumsum(L.where(hit, d, np.zeros((), dtype_of(d))), last)
    before = np.zeros(tuple(shape_of(d))[:-1] + (1,), dtype_of(d))
    sums_before = take_along_axis(L.concatenate([before, sums], last), run_start, -1)
    return divide(subtract(sums, sums_before), hits)


def _log_add_reduce(log_fn: Callable, exp_fn: Callable) -> Callable:
    """``np.logaddexp.reduce`` / ``np.logaddexp2.reduce``: shifted by the slice's maximum."""
    def reduce(array: Any, axis: Any = 0, dtype: Any = None, keepdims: bool = False) -> Any:
        x = _ufunc_operand(array, dtype)
        axes = normalize_axes(axis, _ndim(x))
        shift = on_values(_finite_max, x, axes=axes)
        res = log_fn(_sum(exp_fn(subtract(x, shift)), axes, keepdims=keepdims))
        return add(res, shift if keepdims else L.reshape(shift, tuple(shape_of(res))))
    return reduce


@reduces
def _finite_max(x: np.ndarray, *, axes: tuple) -> np.ndarray:
    """The maximum of each slice of ``x`` over ``axes`` (kept), 0 where it is not finite."""
    shift = np.max(x, axis=axes, keepdims=True)
    return np.where(np.isfinite(shift), shift, 0).astype(x.dtype)


def _hypot_reduce(array: Any, axis: Any = 0, dtype: Any = None, keepdims: bool = False) -> Any:
    x = _ufunc_operand(array, dtype)
    return _two_norm(x, normalize_axes(axis, _ndim(x)), keepdims)


def _with_axis_zero(fn: Callable) -> Callable:
    """``fn`` with ``ufunc.reduce``'s default ``axis=0`` (the functions default to all axes)."""
    def reduce(array: Any, axis: Any = 0, **kwargs: Any) -> Any:
        return fn(array, axis, **kwargs)
    return reduce


def _scan_axis_zero(fn: Callable) -> Callable:
    def accumulate(array: Any, axis: int = 0, dtype: Any = None) -> Any:
        return fn(array, axis, dtype)
    return accumulate


_REDUCE = {
    np.add: _with_axis_zero(_sum), np.multiply: _with_axis_zero(prod),
    np.maximum: _with_axis_zero(_max), np.minimum: _with_axis_zero(_min),
    np.logaddexp: _log_add_reduce(log, exp), np.logaddexp2: _log_add_reduce(log2, exp2),
    np.hypot: _hypot_reduce,
    np.subtract: _fold_reduce(np.subtract), np.divide: _fold_reduce(np.divide),
}
_ACCUMULATE = {
    np.add: _scan_axis_zero(cumsum), np.multiply: _scan_axis_zero(cumprod),
    np.maximum: _running_extreme(True), np.minimum: _running_extreme(False),
    **{u: _fold_accumulate(u) for u in (np.logaddexp, np.logaddexp2, np.hypot, np.subtract,
                                        np.divide)},
}
for _u, _fn in _REDUCE.items():
    implements_ufunc_method(_u, "reduce")(_fn)
for _u in (np.add, np.multiply, np.maximum, np.minimum):
    implements_ufunc_method(_u, "reduceat")(_reduceat(_REDUCE[_u]))
for _u, _fn in _ACCUMULATE.items():
    implements_ufunc_method(_u, "accumulate")(_fn)
for _u in list(HANDLED_UFUNCS):
    if _u.nin == 2 and getattr(np, _u.__name__, None) is _u:
        implements_ufunc_method(_u, "outer")(_outer(_u))
