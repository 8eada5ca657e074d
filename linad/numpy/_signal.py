r"""Differences, integrals and 1-D signals: diff, ediff1d, gradient, trapezoid, convolve,
correlate, interp and unwrap.

Every function is a composition of linad operations, so no new primitive is needed:

* ``diff``, ``ediff1d``: slices and ``sub`` (with ``concatenate`` for ``prepend``,
  ``append``, ``to_begin``, ``to_end``); ``trapezoid``: :math:`\sum_k d_k (y_k + y_{k+1})/2`.
* ``gradient``: NumPy's second-order central differences inside and first- or
  second-order one-sided differences at the edges, each a weighted sum of three
  shifted slices.  With coordinate arrays the weights are functions of the spacings
  :math:`h_1, h_2`, e.g. inside
  :math:`f' \approx -\tfrac{h_2}{h_1(h_1+h_2)} f_{-1} + \tfrac{h_2-h_1}{h_1 h_2} f_0
  + \tfrac{h_1}{h_2(h_1+h_2)} f_{+1}`, so the result is differentiable in the
  coordinates as well as in ``f``.
* ``convolve``: :math:`(a * v)_k = \sum_j a_{k-j} v_j` is one ``einsum`` of the
  shorter operand with a Toeplitz gather of the longer one (zero outside), bilinear
  in ``(a, v)``; its transpose in ``a`` is a correlation with ``v``.
  ``correlate(a, v)`` is ``convolve(a, conj(v[::-1]))``, sliced as NumPy slices it.
* ``interp``: on each interval :math:`f(x) = f_j + (f_{j+1} - f_j)
  \tfrac{x - x_j}{x_{j+1} - x_j}`, with the interval ``j`` found from the values
  (piecewise constant, no derivative), so the result is differentiable in ``x``,
  ``xp`` and ``fp``; outside ``[xp[0], xp[-1]]`` it is ``left``/``right``.
* ``unwrap``: ``p`` plus a piecewise-constant offset (multiples of ``period``),
  computed from the values; :math:`d\,\mathrm{unwrap}(p) = dp`.

On arguments none of which is traced, each function returns NumPy's own result.
"""
from __future__ import annotations

import operator
from typing import Any

import numpy as np

from ..core import Tracer, dtype_of, shape_of
from ..primitives import linear as L
from ..primitives.elementwise import detached_value
from ..primitives.elementwise import on_values
from ._nondiff import on_primal
from ._base import _along, _arr, _ndim, astype, normalize_axis_index, normalize_axis_tuple
from ._core import add, conj, divide, multiply, negative, stop_gradient, subtract, sum, where
from ._dispatch import implements
from ._shape import broadcast_to, concatenate, flip, pad, ravel, reshape

__all__ = ["diff", "ediff1d", "gradient", "trapezoid", "convolve", "correlate", "interp",
           "unwrap"]

_NOVALUE = np._NoValue


def _any_traced(*xs: Any) -> bool:
    return any(isinstance(x, Tracer) for x in xs)


def _slice(a: Any, axis: int, start: Any = None, stop: Any = None) -> Any:
    """``a[start:stop]`` along ``axis``."""
    return a[_along(axis, slice(start, stop))]


def _along_axis_shape(nd: int, axis: int) -> tuple:
    """The shape that lays a vector along ``axis`` of an ``nd``-array (for broadcasting)."""
    return tuple(-1 if k == axis else 1 for k in range(nd))


# ============================================================================ diff, ediff1d

@implements(np.diff)
def diff(a: Any, n: int = 1, axis: int = -1, prepend: Any = _NOVALUE,
         append: Any = _NOVALUE) -> Any:
    """The ``n``-th forward difference ``a[1:] - a[:-1]`` along ``axis`` (``np.diff``).

    ``prepend``/``append`` (scalars are broadcast to one slice) are joined to ``a``
    first; they may be traced too.

    Examples
    --------
    >>> import numpy as np, linad.numpy as lnp
    >>> lnp.diff(np.array([1.0, 4.0, 9.0, 16.0]), prepend=0.0)
    array([1., 3., 5., 7.])
    """
    if not _any_traced(a, prepend, append):
        return np.diff(a, n, axis, prepend, append)
    n = operator.index(n)
    if n == 0:
        return a  # NumPy ignores prepend and append then
    if n < 0:
        raise ValueError(f"order must be non-negative but got {n!r}")
    a = _arr(a)
    nd = _ndim(a)
    if nd == 0:
        raise ValueError("diff requires input that is at least one dimensional")
    axis = normalize_axis_index(axis, nd)
    parts = [a]
    for extra, at in ((prepend, 0), (append, 1)):
        if extra is not _NOVALUE:
            e = _arr(extra)
            if _ndim(e) == 0:
                shape = tuple(shape_of(a))
                e = broadcast_to(e, shape[:axis] + (1,) + shape[axis + 1:])
            parts.insert(len(parts) * at, e)
    if len(parts) > 1:
        a = concatenate(parts, axis)
    for _ in range(n):
        a = subtract(_slice(a, axis, 1), _slice(a, axis, None, -1))
    return a


@implements(np.ediff1d)
def ediff1d(ary: Any, to_end: Any = None, to_begin: Any = None) -> Any:
    """Differences of consecutive elements of the flattened ``ary``, with ``to_begin`` and
    ``to_end`` joined (``np.ediff1d``; both are cast to ``ary``'s dtype).

    Examples
    --------
    >>> import numpy as np, linad.numpy as lnp
    >>> lnp.ediff1d(np.array([1.0, 2.0, 4.0]), to_begin=-9.0)
    array([-9.,  1.,  2.])
    """
    if not _any_traced(ary, to_end, to_begin):
        return np.ediff1d(ary, to_end, to_begin)
    ary = ravel(_arr(ary))
    parts = [subtract(ary[1:], ary[:-1])]
    dt = dtype_of(ary)
    if to_begin is not None:
        parts.insert(0, astype(ravel(_arr(to_begin)), dt))
    if to_end is not None:
        parts.append(astype(ravel(_arr(to_end)), dt))
    return concatenate(parts, 0) if len(parts) > 1 else parts[0]


# ============================================================================ gradient

def _spacings(varargs: tuple, f_shape: tuple, axes: tuple) -> list:
    """Per axis: a scalar spacing, or the vector of spacings between coordinates."""
    n = len(varargs)
    if n == 0:
        return [1.0] * len(axes)
    if n == 1 and _ndim(_arr(varargs[0])) == 0:
        return [varargs[0]] * len(axes)
    if n != len(axes):
        raise TypeError("invalid number of arguments")
    out = []
    for coords, ax in zip(varargs, axes):
        coords = _arr(coords)
        if _ndim(coords) == 0:
            out.append(coords)
            continue
        if _ndim(coords) != 1:
            raise ValueError("distances must be either scalars or 1d")
        if shape_of(coords)[0] != f_shape[ax]:
            raise ValueError("when 1d, distances must match the length of the corresponding "
                             "dimension")
        if not isinstance(coords, Tracer):
            coords = np.asarray(coords, dtype=np.result_type(coords, np.float64)
                                if np.issubdtype(coords.dtype, np.integer) else coords.dtype)
        h = subtract(coords[1:], coords[:-1])
        if not isinstance(h, Tracer) and np.all(h == h[0]):
            h = h[0]  # uniform, as NumPy: the formulas for one spacing
        out.append(h)
    return out


def _three_point(f: Any, axis: int, pick: tuple, weights: tuple) -> Any:
    """``sum_k weights[k] * f[pick[k]]`` along ``axis`` (slices or indices of f)."""
    total = None
    for sel, w in zip(pick, weights):
        term = multiply(w, f[_along(axis, sel)])
        total = term if total is None else add(total, term)
    return total


def _gradient_axis(f: Any, axis: int, h: Any, edge_order: int) -> Any:
    """NumPy's finite-difference gradient of ``f`` along one axis, spacing ``h``."""
    nd = _ndim(f)
    uniform = _ndim(_arr(h)) == 0
    if uniform:
        inner = divide(subtract(_slice(f, axis, 2), _slice(f, axis, None, -2)), multiply(2.0, h))
    else:
        h1, h2 = h[:-1], h[1:]
        w = (negative(divide(h2, multiply(h1, add(h1, h2)))),
             divide(subtract(h2, h1), multiply(h1, h2)),
             divide(h1, multiply(h2, add(h1, h2))))
        w = tuple(reshape(c, _along_axis_shape(nd, axis)) for c in w)
        inner = _three_point(f, axis, (slice(None, -2), slice(1, -1), slice(2, None)), w)
    keep = (slice(0, 1), slice(1, 2), slice(2, 3))
    keep_end = (slice(-3, -2), slice(-2, -1), slice(-1, None))
    if edge_order == 1:
        h0, hn = (h, h) if uniform else (h[0], h[-1])
        first = divide(subtract(_slice(f, axis, 1, 2), _slice(f, axis, 0, 1)), h0)
        last = divide(subtract(_slice(f, axis, -1), _slice(f, axis, -2, -1)), hn)
    elif uniform:
        first = _three_point(f, axis, keep, tuple(divide(c, h) for c in (-1.5, 2.0, -0.5)))
        last = _three_point(f, axis, keep_end, tuple(divide(c, h) for c in (0.5, -2.0, 1.5)))
    else:
        d1, d2 = h[0], h[1]
        first = _three_point(f, axis, keep, (
            negative(divide(add(multiply(2.0, d1), d2), multiply(d1, add(d1, d2)))),
            divide(add(d1, d2), multiply(d1, d2)),
            negative(divide(d1, multiply(d2, add(d1, d2))))))
        d1, d2 = h[-2], h[-1]
        last = _three_point(f, axis, keep_end, (
            divide(d2, multiply(d1, add(d1, d2))),
            negative(divide(add(d2, d1), multiply(d1, d2))),
            divide(add(multiply(2.0, d2), d1), multiply(d2, add(d1, d2)))))
    return concatenate([first, inner, last], axis)


@implements(np.gradient)
def gradient(f: Any, *varargs: Any, axis: Any = None, edge_order: int = 1) -> Any:
    """Finite-difference gradient of sampled ``f`` (``np.gradient``).

    ``varargs``: one scalar spacing for every axis, or one scalar or coordinate
    vector per axis; ``edge_order`` 1 or 2.  Returns one array, or a tuple when
    several axes are differentiated.  Differentiable in ``f`` and in the spacings.

    Examples
    --------
    >>> import numpy as np, linad.numpy as lnp
    >>> lnp.gradient(np.array([0.0, 1.0, 4.0, 9.0]), np.array([0.0, 1.0, 2.0, 3.0]))
    array([1., 2., 4., 5.])
    """
    if not _any_traced(f, *varargs):
        return np.gradient(f, *varargs, axis=axis, edge_order=edge_order)
    f = _arr(f)
    shape = tuple(shape_of(f))
    axes = tuple(range(len(shape))) if axis is None else normalize_axis_tuple(axis, len(shape))
    spacings = _spacings(varargs, shape, axes)
    if edge_order > 2:
        raise ValueError("'edge_order' greater than 2 not supported")
    if edge_order < 1:
        raise ValueError("'edge_order' must be 1 or 2")
    if not np.issubdtype(dtype_of(f), np.inexact):
        f = astype(f, np.float64)
    out_dtype = dtype_of(f)
    # concrete spacings in f's precision, so that float32 stays float32 throughout
    real_dt = np.finfo(out_dtype).dtype
    spacings = [h if isinstance(h, Tracer) else np.asarray(h, real_dt) for h in spacings]
    results = []
    for ax, h in zip(axes, spacings):
        if shape[ax] < edge_order + 1:
            raise ValueError("Shape of array too small to calculate a numerical gradient, at "
                             "least (edge_order + 1) elements are required.")
        results.append(astype(_gradient_axis(f, ax, h, edge_order), out_dtype))
    return results[0] if len(results) == 1 else tuple(results)


# ============================================================================ trapezoid

@implements(np.trapezoid)
def trapezoid(y: Any, x: Any = None, dx: Any = 1.0, axis: int = -1) -> Any:
    r"""Integral of sampled ``y`` by the trapezoidal rule along ``axis`` (``np.trapezoid``):
    :math:`\sum_k (x_{k+1} - x_k)(y_k + y_{k+1})/2`, or with the constant spacing ``dx``.

    Differentiable in ``y``, ``x`` and ``dx``.

    Examples
    --------
    >>> import numpy as np, linad, linad.numpy as lnp
    >>> linad.grad(lambda y: lnp.trapezoid(y, dx=0.5))(np.ones(4))
    array([0.25, 0.5 , 0.5 , 0.25])
    """
    if not _any_traced(y, x, dx):
        return np.trapezoid(y, x, dx, axis)
    y = _arr(y)
    nd = _ndim(y)
    axis = normalize_axis_index(axis, nd)
    if x is None:
        d = dx
    else:
        x = _arr(x)
        if _ndim(x) == 1:
            d = reshape(diff(x), _along_axis_shape(nd, axis))
        else:
            d = diff(x, axis=axis)
    pairs = add(_slice(y, axis, 1), _slice(y, axis, None, -1))
    return sum(divide(multiply(d, pairs), 2.0), axis=axis)


# ============================================================================ convolve, correlate

_MODES = ("full", "same", "valid")


def _signal_pair(a: Any, v: Any) -> tuple:
    a, v = _arr(a), _arr(v)
    for x, name in ((a, "a"), (v, "v")):
        if _ndim(x) > 1:
            raise ValueError("object too deep for desired array")
    a, v = ravel(a), ravel(v)
    if not shape_of(a)[0]:
        raise ValueError("a cannot be empty")
    if not shape_of(v)[0]:
        raise ValueError("v cannot be empty")
    return a, v


def _mode(mode: Any) -> str:
    if mode not in _MODES:
        raise ValueError(f"mode must be one of 'full', 'same' or 'valid', not {mode!r}")
    return mode


def _full_convolution(a: Any, v: Any) -> Any:
    """``(a * v)_k = sum_j long_{k-j} short_j`` for ``k < n + m - 1``: a Toeplitz gather of
    the longer operand (zero-padded) contracted with the shorter one."""
    n, m = shape_of(a)[0], shape_of(v)[0]
    long, short = (a, v) if n >= m else (v, a)
    nl, ns = max(n, m), min(n, m)
    index = np.arange(n + m - 1)[:, None] - np.arange(ns)[None, :]
    index = np.where((index >= 0) & (index < nl), index, nl)
    toeplitz = pad(long, (0, 1))[index]
    dt = np.result_type(dtype_of(a), dtype_of(v))
    return astype(L.einsum("kj,j->k", toeplitz, short), dt)


def _crop(full: Any, n: int, m: int, mode: str, same_start: int) -> Any:
    """The part of a full convolution of lengths ``n``, ``m`` that ``mode`` keeps: all of it,
    ``max(n, m)`` entries from ``same_start``, or the ``|n - m| + 1`` valid ones."""
    lo, hi = min(n, m), max(n, m)
    if mode == "same":
        return full[same_start:same_start + hi]
    if mode == "valid":
        return full[lo - 1:hi]
    return full


@implements(np.convolve)
def convolve(a: Any, v: Any, mode: str = "full") -> Any:
    """Discrete linear convolution of two 1-D sequences (``np.convolve``), modes ``"full"``,
    ``"same"`` (length ``max(n, m)``, centred) and ``"valid"``.

    Bilinear in ``(a, v)``; its transpose in ``a`` is the correlation of the
    cotangent with ``v``.

    Examples
    --------
    >>> import numpy as np, linad.numpy as lnp
    >>> lnp.convolve(np.array([1.0, 2.0, 3.0]), np.array([0.0, 1.0, 0.5]))
    array([0. , 1. , 2.5, 4. , 1.5])
    """
    mode = _mode(mode)
    if not _any_traced(a, v):
        return np.convolve(a, v, mode)
    a, v = _signal_pair(a, v)
    n, m = shape_of(a)[0], shape_of(v)[0]
    return _crop(_full_convolution(a, v), n, m, mode, (min(n, m) - 1) // 2)


@implements(np.correlate)
def correlate(a: Any, v: Any, mode: str = "valid") -> Any:
    """Cross-correlation :math:`c_k = \\sum_n a_{n+k} \\overline{v_n}` of two 1-D sequences
    (``np.correlate``; ``v`` is conjugated, as in NumPy), modes ``"valid"`` (the
    default), ``"same"`` and ``"full"``.

    Examples
    --------
    >>> import numpy as np, linad.numpy as lnp
    >>> lnp.correlate(np.array([1.0, 2.0, 3.0]), np.array([0.0, 1.0, 0.5]), "full")
    array([0.5, 2. , 3.5, 3. , 0. ])
    """
    mode = _mode(mode)
    if not _any_traced(a, v):
        return np.correlate(a, v, mode)
    a, v = _signal_pair(a, v)
    n, m = shape_of(a)[0], shape_of(v)[0]
    same_start = (m - 1) // 2 if n >= m else n - 1 - (n - 1) // 2
    return _crop(_full_convolution(a, conj(flip(v))), n, m, mode, same_start)


# ============================================================================ interp

def _replace_value(x: Any, value: Any) -> Any:
    """``value`` (a piecewise-constant shift of ``x``'s value) with ``x``'s derivative."""
    return add(value, subtract(x, stop_gradient(x)))


def _periodic_samples(xp: Any, fp: Any, period: float) -> tuple:
    """NumPy's periodic extension: ``xp % period`` sorted, one sample wrapped onto each end."""
    xp = _replace_value(xp, on_values(np.mod, xp, period))
    order = on_primal(np.argsort)(xp)
    xp, fp = xp[order], fp[order]
    xp = concatenate([subtract(xp[-1:], period), xp, add(xp[0:1], period)], 0)
    fp = concatenate([fp[-1:], fp, fp[0:1]], 0)
    return xp, fp


@implements(np.interp)
def interp(x: Any, xp: Any, fp: Any, left: Any = None, right: Any = None,
           period: Any = None) -> Any:
    """Piecewise-linear interpolation of the samples ``(xp, fp)`` at ``x`` (``np.interp``).

    ``xp`` increasing; ``left``/``right`` (default ``fp[0]``, ``fp[-1]``) outside the
    samples; ``period`` for periodic data.  Differentiable in ``x`` (the slope of the
    interval), ``fp`` and ``xp``; at a sample point the derivative in ``x`` is the one
    of the interval to the right.  Complex ``fp`` gives a complex result.

    Examples
    --------
    >>> import numpy as np, linad, linad.numpy as lnp
    >>> xp, fp = np.array([0.0, 1.0, 3.0]), np.array([0.0, 2.0, 3.0])
    >>> linad.jvp(lambda x: lnp.interp(x, xp, fp), (np.array([0.5, 2.0]),), (np.ones(2),))
    (array([1. , 2.5]), array([2. , 0.5]))
    """
    if not _any_traced(x, xp, fp, left, right):
        return np.interp(x, xp, fp, left, right, period)
    x, xp, fp = _arr(x), _arr(xp), _arr(fp)
    if _ndim(xp) != 1 or _ndim(fp) != 1:
        raise ValueError("Data points must be 1-D sequences")
    if shape_of(xp)[0] != shape_of(fp)[0]:
        raise ValueError("fp and xp are not of the same length")
    if not shape_of(xp)[0]:
        raise ValueError("array of sample points is empty")
    out_dt = np.complex128 if dtype_of(fp).kind == "c" else np.float64
    x, xp, fp = astype(x, np.float64), astype(xp, np.float64), astype(fp, out_dt)
    if period is not None:
        if isinstance(period, Tracer):
            raise TypeError("interp: period must be concrete")
        if period == 0:
            raise ValueError("period must be a non-zero value")
        period = abs(float(period))
        left = right = None
        x = _replace_value(x, on_values(np.mod, x, period))
        xp, fp = _periodic_samples(xp, fp, period)
    xv, xpv = detached_value(x), detached_value(xp)
    if shape_of(xp)[0] == 1:
        inside = broadcast_to(fp[0], tuple(shape_of(x)))
    else:
        j, j1 = on_values(_intervals, xp, x, multiple=True)
        fj, xpj = L.getitem(fp, (j,)), L.getitem(xp, (j,))  # j may be staged, fp concrete
        slope = divide(subtract(L.getitem(fp, (j1,)), fj), subtract(L.getitem(xp, (j1,)), xpj))
        inside = add(multiply(slope, subtract(x, xpj)), fj)
        inside = where(xv == xpv[-1], fp[-1], inside)
    left = fp[0] if left is None else astype(_arr(left), out_dt)
    right = fp[-1] if right is None else astype(_arr(right), out_dt)
    return where(xv < xpv[0], left, where(xv > xpv[-1], right, inside))


def _intervals(xp: np.ndarray, x: np.ndarray) -> tuple:
    """The ends ``(j, j + 1)`` of the interval of the increasing ``xp`` (two samples or
    more) holding each ``x`` (the first or the last one outside the samples)."""
    j = np.clip(np.searchsorted(xp, x, side="right") - 1, 0, xp.shape[0] - 2)
    return j, j + 1


# ============================================================================ unwrap

@implements(np.unwrap)
def unwrap(p: Any, discont: Any = None, axis: int = -1, *, period: float = 2 * np.pi) -> Any:
    """Unwrap jumps larger than ``discont`` along ``axis`` by adding multiples of ``period``
    (``np.unwrap``).

    The added offset is piecewise constant, so the derivative is that of ``p``.

    Examples
    --------
    >>> import numpy as np, linad.numpy as lnp
    >>> lnp.unwrap(np.array([0.0, 3.0, -3.0]))
    array([0.        , 3.        , 3.28318531])
    """
    if not isinstance(p, Tracer):
        return np.unwrap(p, discont, axis, period=period)
    if isinstance(discont, Tracer) or isinstance(period, Tracer):
        raise TypeError("unwrap: discont and period must be concrete")
    axis = normalize_axis_index(axis, _ndim(p))
    return add(p, on_values(_unwrap_offset, p, period / 2 if discont is None else discont,
                             axis, period))


def _unwrap_offset(p: np.ndarray, discont: float, axis: int, period: float) -> np.ndarray:
    """What ``np.unwrap`` adds to ``p``: the running sum of the corrections of its jumps."""
    jumps = np.diff(p, axis=axis)
    high = period / 2
    wrapped = np.mod(jumps + high, period) - high
    wrapped = np.where((wrapped == -high) & (jumps > 0), high, wrapped)
    correction = np.where(np.abs(jumps) < discont, 0, wrapped - jumps).astype(jumps.dtype)
    return np.concatenate([np.zeros_like(np.take(p, [0], axis=axis)),
                           np.cumsum(correction, axis=axis)], axis=axis)
