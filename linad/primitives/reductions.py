r"""Nonlinear reductions and scans: JVP rules only.

The linear ones (``sum``, ``cumsum``) live in :mod:`linad.primitives.linear`.
``axes`` are tuples of non-negative ints; ``axis`` a non-negative int.

prod
    :math:`\dot r = \sum_i \dot x_i \prod_{j \ne i} x_j`.  Without zeros in the
    reduced slice, :math:`\prod_{j\ne i} x_j = r / x_i`.  With zeros, the
    products of the *other* elements are formed without division, as the
    product of the exclusive cumulative products from the left and from the
    right: exact, and differentiable again at the zeros.  Under ``linad.jit``,
    where the values are not known while staging, the products of the others
    are always formed this way (the same derivative, for all values).
cumprod
    :math:`\dot r_k = \sum_{i \le k} \dot x_i \prod_{j \le k, j \ne i} x_j`.
    Without zeros this is :math:`r_k \sum_{i\le k} \dot x_i / x_i` (a ``cumsum``).
    With zeros, the tangent is propagated through a doubling scan
    (Hillis–Steele): :math:`\log_2 n` steps of
    :math:`(r, \dot r) \leftarrow (r\,S_d r,\; \dot r\,S_d r + r\,S_d \dot r)`,
    where :math:`S_d` shifts by ``d`` along the axis (filling with 1 for ``r``
    and 0 for :math:`\dot r`).  Under ``linad.jit`` the scan is always used.
max, min (reductions)
    :math:`\dot r = \sum_i w_i \dot x_i` with :math:`w_i = 1/k` on the ``k``
    positions attaining the extreme value (ties share the gradient equally),
    0 elsewhere.  The weights are constants of the tangent map (staged under
    ``linad.jit``, so recomputed on every call).
"""
from __future__ import annotations

from typing import Any

import numpy as np

from ..core import Primitive, Zero, bind, dtype_of, real_dtype, shape_of
from .elementwise import detached_value, may_be_zero, on_values
from .linear import (add, concatenate, cumsum, div, getitem, mul, reduce_sum, reshape,
                     scan_impl, transpose)
from .discrete import reduces
from .linear import axes_batch_rule, fit_aval
from .rules import defjvp, defjvp_full

__all__ = ["prod_p", "cumprod_p", "reduce_max_p", "reduce_min_p", "reduce_prod", "cumprod",
           "reduce_max", "reduce_min", "keepdims_shape"]


def keepdims_shape(shape: tuple, axes: tuple) -> tuple:
    """``shape`` with the reduced ``axes`` kept as size 1.

    Examples
    --------
    >>> keepdims_shape((2, 3, 4), (0, 2))
    (1, 3, 1)
    """
    return tuple(1 if i in axes else n for i, n in enumerate(shape))


def _keep(ans: Any, x: Any, axes: tuple, keepdims: bool) -> Any:
    """A reduction's result reshaped with the reduced axes kept (for broadcasting)."""
    if keepdims:
        return ans
    return reshape(ans, keepdims_shape(tuple(shape_of(x)), axes))


# ============================================================================ prod

prod_p = Primitive("prod", lambda x, *, axes, keepdims: np.prod(x, axis=axes, keepdims=keepdims))


def reduce_prod(x: Any, axes: tuple, keepdims: bool = False) -> Any:
    """Product over ``axes`` (a tuple of non-negative ints).

    Examples
    --------
    >>> reduce_prod(np.array([[1.0, 2.0], [3.0, 4.0]]), (1,))
    array([ 2., 12.])
    """
    return bind(prod_p, x, axes=tuple(axes), keepdims=bool(keepdims))


def _last_axis_layout(x: Any, axes: tuple) -> tuple[tuple, tuple, tuple]:
    """(permutation moving ``axes`` last, merged shape, permuted shape)."""
    shape = tuple(shape_of(x))
    rest = tuple(i for i in range(len(shape)) if i not in axes)
    perm = rest + tuple(axes)
    permuted = tuple(shape[i] for i in perm)
    merged = tuple(shape[i] for i in rest) + (int(np.prod([shape[i] for i in axes])),)
    return perm, merged, permuted


def _shift(y: Any, axis: int, d: int, reverse: bool, fill: float) -> Any:
    """``y`` shifted by ``d`` along ``axis`` (towards the end, or the start if ``reverse``)."""
    shape = tuple(shape_of(y))
    n = shape[axis]
    pad = np.full(shape[:axis] + (min(d, n),) + shape[axis + 1:], fill, dtype_of(y))
    head = (slice(None),) * axis
    if reverse:
        return concatenate([getitem(y, head + (slice(d, None),)), pad], axis)
    return concatenate([pad, getitem(y, head + (slice(0, n - d),))], axis)


def _exclusive_products(x: Any, axes: tuple) -> Any:
    """For every element, the product of the other elements of its reduced slice."""
    perm, merged, permuted = _last_axis_layout(x, axes)
    y = reshape(_permute(x, perm), merged)
    last = len(merged) - 1
    left = _shift(cumprod(y, last), last, 1, False, 1.0)
    right = _shift(cumprod(y, last, reverse=True), last, 1, True, 1.0)
    others = reshape(mul(left, right), permuted)
    return _permute(others, tuple(int(i) for i in np.argsort(perm)))


def _permute(x: Any, perm: tuple) -> Any:
    return x if perm == tuple(range(len(perm))) else transpose(x, perm)


def _prod_tangent(t, ans, x, *, axes, keepdims):
    if not axes:
        return t
    if may_be_zero(x):
        others = _exclusive_products(x, axes)
    else:
        others = div(_keep(ans, x, axes, keepdims), x)
    return reduce_sum(mul(t, others), axes, keepdims)


defjvp(prod_p, _prod_tangent)


# ============================================================================ cumprod

cumprod_p = Primitive("cumprod", lambda x, *, axis, reverse: scan_impl(np.cumprod, x, axis,
                                                                       reverse))


def cumprod(x: Any, axis: int, reverse: bool = False) -> Any:
    """Inclusive cumulative product along a non-negative ``axis`` (from the end if ``reverse``).

    Examples
    --------
    >>> cumprod(np.array([1.0, 2.0, 3.0]), 0)
    array([1., 2., 6.])
    """
    return bind(cumprod_p, x, axis=int(axis), reverse=bool(reverse))


def _cumprod_scan_tangent(t: Any, x: Any, axis: int, reverse: bool) -> Any:
    """The tangent of cumprod by a doubling scan on (value, tangent) pairs (no division)."""
    y, ty = x, t
    n = shape_of(x)[axis]
    d = 1
    while d < n:
        y_shift = _shift(y, axis, d, reverse, 1.0)
        ty = add(mul(ty, y_shift), mul(y, _shift(ty, axis, d, reverse, 0.0)))
        y = mul(y, y_shift)
        d *= 2
    return ty


def _cumprod_jvp(primals, tangents, *, axis, reverse):
    (x,), (t,) = primals, tangents
    ans = cumprod(x, axis, reverse)
    if type(t) is Zero:
        return ans, Zero.like(ans)
    if may_be_zero(x):
        out = _cumprod_scan_tangent(t, x, axis, reverse)
    else:
        out = mul(ans, cumsum(div(t, x), axis, reverse))
    return ans, fit_aval(out, shape_of(ans), dtype_of(ans))


defjvp_full(cumprod_p, _cumprod_jvp)


# ============================================================================ max, min

reduce_max_p = Primitive("reduce_max",
                         lambda x, *, axes, keepdims: np.max(x, axis=axes, keepdims=keepdims))
reduce_min_p = Primitive("reduce_min",
                         lambda x, *, axes, keepdims: np.min(x, axis=axes, keepdims=keepdims))


def reduce_max(x: Any, axes: tuple, keepdims: bool = False) -> Any:
    """Maximum over ``axes`` (ties share the derivative equally).

    Examples
    --------
    >>> reduce_max(np.array([1.0, 3.0, 2.0]), (0,))
    np.float64(3.0)
    """
    return bind(reduce_max_p, x, axes=tuple(axes), keepdims=bool(keepdims))


def reduce_min(x: Any, axes: tuple, keepdims: bool = False) -> Any:
    """Minimum over ``axes`` (ties share the derivative equally).

    Examples
    --------
    >>> reduce_min(np.array([1.0, 3.0, 2.0]), (0,))
    np.float64(1.0)
    """
    return bind(reduce_min_p, x, axes=tuple(axes), keepdims=bool(keepdims))


@reduces
def _extreme_weights(x: np.ndarray, ans: np.ndarray, *, axes: tuple, dtype: np.dtype
                     ) -> np.ndarray:
    """``1/k`` on the ``k`` positions of each slice of ``x`` equal to its extreme ``ans``
    (kept dims), 0 elsewhere (NumPy, on detached values; NaN equals NaN)."""
    hit = (x == ans) | (np.isnan(x) & np.isnan(ans))
    count = hit.sum(axis=axes, keepdims=True)
    return (hit / np.maximum(count, 1)).astype(dtype, copy=False)


def _extreme_tangent(t, ans, x, *, axes, keepdims):
    w = on_values(_extreme_weights, x,
                    detached_value(_keep(ans, x, axes, keepdims)), axes=axes,
                    dtype=real_dtype(x))
    return reduce_sum(mul(t, w), axes, keepdims)


defjvp(reduce_max_p, _extreme_tangent)
defjvp(reduce_min_p, _extreme_tangent)


# Each reduction and scan takes its axes as a parameter: batched, the batch axis goes first
# and the axes shift past it.
prod_p.batch_rule = axes_batch_rule(prod_p, "axes")
cumprod_p.batch_rule = axes_batch_rule(cumprod_p, "axis")
reduce_max_p.batch_rule = axes_batch_rule(reduce_max_p, "axes")
reduce_min_p.batch_rule = axes_batch_rule(reduce_min_p, "axes")
