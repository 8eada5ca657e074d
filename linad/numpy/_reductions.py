r"""Reductions and scans of ``linad.numpy``.

``axis`` is an int, a tuple of ints (negatives allowed) or ``None``, and
``keepdims`` is supported wherever NumPy has it.  ``sum`` and ``mean`` live in
``_core``; the JVP rules of the nonlinear reductions are in
:mod:`linad.primitives.reductions`.

Conventions (tested in ``tests/test_numpy_elementwise.py``):

* ``max``/``min``/``ptp``: ties share the derivative equally among the
  positions that attain the extreme value.
* ``prod``/``cumprod``: zeros in the input are handled without division.
* ``count_nonzero``, ``any``, ``all``, ``argmax``, ``argmin`` return plain NumPy
  arrays computed on the concrete values (no tangent).
* ``vector_norm`` (used by ``lnp.linalg.norm`` for vectors): the derivative at the
  zero vector is taken as 0; so is the derivative of ``std`` where the variance is 0.
"""
from __future__ import annotations

import math
import numbers
import warnings
from typing import Any

import numpy as np

from ..core import Tracer, dtype_of, is_inexact, real_dtype, shape_of
from ..primitives import linear as L
from ..primitives import reductions as R
from ..primitives.elementwise import detached_value
from ..primitives.elementwise import on_values
from ._nondiff import on_primal
from ._base import _arr, _ndim, astype, normalize_axes
from ._core import divide, fill_where, multiply, subtract, where_count
from ._core import mean as _mean, sum as _sum
from ._dispatch import implements
from ._elementwise import absolute, power, sqrt

__all__ = [
    "prod", "max", "min", "amax", "amin", "ptp", "var", "std", "cumsum", "cumprod",
    "cumulative_sum", "cumulative_prod", "average", "count_nonzero", "any", "all", "argmax",
    "argmin",
]


def _refuse(name: str, **unsupported: Any) -> None:
    given = sorted(k for k, v in unsupported.items() if v is not None)
    if given:
        raise TypeError(f"{name}: {', '.join(k + '=' for k in given)} "
                        f"{'is' if len(given) == 1 else 'are'} not supported by linad.numpy")


def _count(a: Any, axes: tuple) -> int:
    shape = shape_of(a)
    return math.prod([shape[i] for i in axes])


def _abs2(x: Any) -> Any:
    """``|x|**2`` (real), R-linear tangent ``2 Re(conj(x) dx)`` for complex ``x``."""
    if np.dtype(dtype_of(x)).kind == "c":
        return L.real(L.mul(x, L.conj(x)))
    return L.mul(x, x)


# ============================================================================ prod, max, min

@implements(np.prod)
def prod(a: Any, axis: Any = None, dtype: Any = None, out: Any = None, keepdims: bool = False,
         initial: Any = None, where: Any = None) -> Any:
    """Product over ``axis`` (``np.prod``); zeros in the input are handled exactly.

    JVP: :math:`\\sum_i \\dot x_i \\prod_{j\\ne i} x_j`, formed without division
    when the slice contains zeros.

    Examples
    --------
    >>> import numpy as np, linad, linad.numpy as lnp
    >>> linad.grad(lnp.prod)(np.array([2.0, 0.0, 3.0]))
    array([0., 6., 0.])
    """
    _refuse("prod", out=out)
    a = _arr(a)
    if dtype is not None:
        a = astype(a, dtype)
    a = fill_where(a, where, 1)
    res = R.reduce_prod(a, normalize_axes(axis, _ndim(a)), keepdims)
    return res if initial is None else multiply(res, initial)


def _extreme(name: str, reduce, a, axis, out, keepdims, initial, where):
    """``max``/``min`` over ``axis``; ``initial`` takes part as one more element of each slice.

    So a tie between ``initial`` and ``k`` entries gives each entry ``1/(k+1)`` of the
    derivative, as a tie among ``k+1`` entries would.  ``where=`` needs ``initial=``
    (as in NumPy); the entries it leaves out are never selected.
    """
    _refuse(name, out=out)
    a = _arr(a)
    axes = normalize_axes(axis, _ndim(a))
    if where is not None:
        if initial is None:
            ufunc = "maximum" if reduce is R.reduce_max else "minimum"
            raise ValueError(f"reduction operation '{ufunc}' does not have an identity, so to "
                             "use a where mask one has to specify 'initial'")
        a = fill_where(a, where, -np.inf if reduce is R.reduce_max else np.inf)
    if initial is None:
        return reduce(a, axes, keepdims)
    return _reduce_with_initial(reduce, a, axes, keepdims, initial)


def _reduce_with_initial(reduce, a: Any, axes: tuple, keepdims: bool, initial: Any) -> Any:
    """``reduce`` over ``axes`` of each slice with ``initial`` appended to it."""
    shape = tuple(shape_of(a))
    flat, _ = merge_axes_last(astype(a, np.result_type(dtype_of(a), initial)), axes)
    extra = np.full(tuple(shape_of(flat))[:-1] + (1,), initial, dtype_of(flat))
    last = len(shape_of(flat)) - 1
    res = reduce(L.concatenate([flat, extra], last), (last,), False)
    return L.reshape(res, R.keepdims_shape(shape, axes) if keepdims else
                     tuple(n for i, n in enumerate(shape) if i not in axes))


def merge_axes_last(a: Any, axes: tuple) -> tuple[Any, tuple]:
    """``a`` with the ``axes`` moved last and merged into one: (array, shape of the rest)."""
    perm, merged, _ = R._last_axis_layout(a, axes)
    if perm != tuple(range(len(perm))):
        a = L.transpose(a, perm)
    return L.reshape(a, merged), merged[:-1]


@implements(np.max, np.amax)
def max(a: Any, axis: Any = None, out: Any = None, keepdims: bool = False,  # noqa: A001
        initial: Any = None, where: Any = None) -> Any:
    """Maximum over ``axis`` (``np.max``, ``np.amax``); ties share the derivative equally.

    Examples
    --------
    >>> import numpy as np, linad, linad.numpy as lnp
    >>> linad.grad(lnp.max)(np.array([1.0, 3.0, 3.0]))
    array([0. , 0.5, 0.5])
    """
    return _extreme("max", R.reduce_max, a, axis, out, keepdims, initial, where)


@implements(np.min, np.amin)
def min(a: Any, axis: Any = None, out: Any = None, keepdims: bool = False,  # noqa: A001
        initial: Any = None, where: Any = None) -> Any:
    """Minimum over ``axis`` (``np.min``, ``np.amin``); ties share the derivative equally.

    Examples
    --------
    >>> import numpy as np, linad, linad.numpy as lnp
    >>> linad.grad(lambda x: lnp.min(x, axis=0).sum())(np.array([[1.0, 5.0], [2.0, 4.0]]))
    array([[1., 0.],
           [0., 1.]])
    """
    return _extreme("min", R.reduce_min, a, axis, out, keepdims, initial, where)


amax = max
amin = min


@implements(np.ptp)
def ptp(a: Any, axis: Any = None, out: Any = None, keepdims: bool = False) -> Any:
    """Range ``max - min`` over ``axis`` (``np.ptp``); ties share the derivative.

    Examples
    --------
    >>> import numpy as np, linad, linad.numpy as lnp
    >>> linad.grad(lnp.ptp)(np.array([1.0, 4.0, 2.0]))
    array([-1.,  1.,  0.])
    """
    _refuse("ptp", out=out)
    return subtract(max(a, axis, keepdims=keepdims), min(a, axis, keepdims=keepdims))


# ============================================================================ var, std, average

@implements(np.var)
def var(a: Any, axis: Any = None, dtype: Any = None, out: Any = None, ddof: float = 0,
        keepdims: bool = False, *, where: Any = None, mean: Any = None,
        correction: Any = None) -> Any:
    """Variance ``sum(|a - mean|**2) / (n - ddof)`` over ``axis`` (``np.var``).

    ``correction`` is the Array-API name of ``ddof``; ``mean`` may pass a
    precomputed mean (with ``keepdims=True`` shape).  Complex input gives a real
    variance.

    Examples
    --------
    >>> import numpy as np, linad, linad.numpy as lnp
    >>> linad.grad(lnp.var)(np.array([1.0, 2.0, 6.0]))
    array([-1.33333333, -0.66666667,  2.        ])
    """
    _refuse("var", out=out)
    if correction is not None:
        if ddof != 0:
            raise ValueError("var: ddof and correction can't be provided simultaneously.")
        ddof = correction
    a = _arr(a)
    if dtype is not None:
        a = astype(a, dtype)
    elif not is_inexact(dtype_of(a)):
        a = astype(a, np.float64)
    axes = normalize_axes(axis, _ndim(a))
    if mean is not None:
        centre = mean
    elif where is None:
        centre = _mean(a, axes, keepdims=True)
    else:  # an empty slice's centre is irrelevant (its variance is 0/0): no warning for it
        count = np.maximum(where_count(a, where, axes, True), 1).astype(real_dtype(a))
        centre = divide(_sum(a, axes, keepdims=True, where=where), count)
    sq = _sum(_abs2(fill_where(subtract(a, centre), where, 0)), axes, keepdims=keepdims)
    if where is None:
        dof = float(np.maximum(_count(a, axes) - ddof, 0))
    else:  # staged under linad.jit when the mask is
        dof = on_values(_degrees_of_freedom, where_count(a, where, axes, keepdims), ddof,
                         real_dtype(a))
    if not isinstance(dof, Tracer) and not np.all(dof):
        warnings.warn("Degrees of freedom <= 0 for slice", RuntimeWarning, stacklevel=3)
    return divide(sq, dof)


def _degrees_of_freedom(count: np.ndarray, ddof: float, dtype: Any) -> np.ndarray:
    """``max(count - ddof, 0)`` in ``dtype``."""
    return np.maximum(count - ddof, 0).astype(dtype)


@implements(np.std)
def std(a: Any, axis: Any = None, dtype: Any = None, out: Any = None, ddof: float = 0,
        keepdims: bool = False, *, where: Any = None, mean: Any = None,
        correction: Any = None) -> Any:
    """Standard deviation, ``sqrt(var(...))`` (``np.std``).

    Where the variance is 0 (a constant slice) the derivative is taken as 0.

    Examples
    --------
    >>> import numpy as np, linad, linad.numpy as lnp
    >>> linad.grad(lnp.std)(np.array([1.0, 3.0]))
    array([-0.5,  0.5])
    """
    return _root_zero_safe(sqrt, var(a, axis, dtype, out, ddof, keepdims, where=where,
                                     mean=mean, correction=correction))


@implements(np.average)
def average(a: Any, axis: Any = None, weights: Any = None, returned: bool = False, *,
            keepdims: bool = False) -> Any:
    """Weighted average ``sum(a * w) / sum(w)`` (``np.average``); ``weights`` may be traced.

    A 1-D ``weights`` with a different shape than ``a`` applies along ``axis``.
    With ``returned=True`` the sum of the weights is returned too.  Weights summing to
    zero raise ``ZeroDivisionError``, as in NumPy, except under ``linad.jit``, where
    their sums are not known while staging: the average is then ``inf`` or ``nan``.

    Examples
    --------
    >>> import numpy as np, linad, linad.numpy as lnp
    >>> avg = lambda a, w: lnp.average(a, weights=w)
    >>> linad.grad(avg, argnums=(0, 1))(np.array([1.0, 3.0]), np.array([1.0, 3.0]))
    (array([0.25, 0.75]), array([-0.375,  0.125]))
    """
    a = _arr(a)
    if weights is None:
        avg = _mean(a, axis, keepdims=keepdims)
        scl = np.asarray(_count(a, normalize_axes(axis, _ndim(a))), dtype_of(avg))
    else:
        w = _weights_like(a, _arr(weights), axis)
        axes = normalize_axes(axis, _ndim(a))
        scl = _sum(w, axes, keepdims=keepdims)
        _check_weight_sums(scl)
        avg = divide(_sum(multiply(a, w), axes, keepdims=keepdims), scl)
    if returned:
        return avg, L.broadcast_to(scl, tuple(shape_of(avg)))
    return avg


def _check_weight_sums(scl: Any) -> None:
    """NumPy's error for weights summing to zero (concrete sums only: under ``linad.jit``
    the sums are not known, and a zero sum gives ``inf`` or ``nan`` as a division does)."""
    zero = detached_value(scl) == 0
    if not isinstance(zero, Tracer) and zero.any():
        raise ZeroDivisionError("Weights sum to zero, can't be normalized")


def _weights_like(a: Any, w: Any, axis: Any) -> Any:
    """``weights`` reshaped to broadcast against ``a`` (NumPy's rules and errors)."""
    sa, sw = tuple(shape_of(a)), tuple(shape_of(w))
    if sa == sw:
        return w
    if axis is None:
        raise TypeError("Axis must be specified when shapes of a and weights differ.")
    if len(sw) != 1:
        raise TypeError("1D weights expected when shapes of a and weights differ.")
    (ax,) = normalize_axes(axis, len(sa))
    if sw[0] != sa[ax]:
        raise ValueError("Length of weights not compatible with specified axis.")
    return L.reshape(w, tuple(sw[0] if i == ax else 1 for i in range(len(sa))))


# ============================================================================ scans

def _scan_operand(name: str, a: Any, axis: Any, dtype: Any, out: Any) -> tuple[Any, int]:
    _refuse(name, out=out)
    a = _arr(a)
    if dtype is not None:
        a = astype(a, dtype)
    if axis is None:
        return L.reshape(a, (math.prod(shape_of(a)),)), 0
    return a, normalize_axes(axis, _ndim(a))[0]


@implements(np.cumsum)
def cumsum(a: Any, axis: Any = None, dtype: Any = None, out: Any = None) -> Any:
    """Cumulative sum along ``axis`` (flattened if ``None``), ``np.cumsum``.

    Linear; its transpose is the cumulative sum from the other end.

    Examples
    --------
    >>> import numpy as np, linad, linad.numpy as lnp
    >>> linad.grad(lambda x: lnp.cumsum(x).sum())(np.ones(3))
    array([3., 2., 1.])
    """
    a, ax = _scan_operand("cumsum", a, axis, dtype, out)
    return L.cumsum(a, ax)


@implements(np.cumprod)
def cumprod(a: Any, axis: Any = None, dtype: Any = None, out: Any = None) -> Any:
    """Cumulative product along ``axis`` (flattened if ``None``), ``np.cumprod``.

    Zeros in the input are handled exactly (see :mod:`linad.primitives.reductions`).

    Examples
    --------
    >>> import numpy as np, linad, linad.numpy as lnp
    >>> linad.grad(lambda x: lnp.cumprod(x).sum())(np.array([2.0, 0.0, 3.0]))
    array([1., 8., 0.])
    """
    a, ax = _scan_operand("cumprod", a, axis, dtype, out)
    return R.cumprod(a, ax)


def _cumulative(name: str, scan, identity: float, x: Any, axis: Any, dtype: Any,
                include_initial: bool) -> Any:
    x = _arr(x)
    if axis is None:
        if _ndim(x) > 1:
            raise ValueError(f"{name}: axis must be specified for arrays of more than one "
                             "dimension")
        axis = 0
    res = scan(x, axis, dtype)
    if not include_initial:
        return res
    ax = normalize_axes(axis, _ndim(x))[0]
    shape = tuple(shape_of(res))
    first = np.full(shape[:ax] + (1,) + shape[ax + 1:], identity, dtype_of(res))
    return L.concatenate([first, res], ax)


@implements(*[f for f in (getattr(np, "cumulative_sum", None),) if f is not None])
def cumulative_sum(x: Any, /, *, axis: Any = None, dtype: Any = None,
                   include_initial: bool = False) -> Any:
    """Array-API cumulative sum (``np.cumulative_sum``): like :func:`cumsum`, optionally with a leading 0.

    Examples
    --------
    >>> import numpy as np, linad.numpy as lnp
    >>> lnp.cumulative_sum(np.array([1.0, 2.0]), include_initial=True)
    array([0., 1., 3.])
    """
    return _cumulative("cumulative_sum", cumsum, 0.0, x, axis, dtype, include_initial)


@implements(*[f for f in (getattr(np, "cumulative_prod", None),) if f is not None])
def cumulative_prod(x: Any, /, *, axis: Any = None, dtype: Any = None,
                    include_initial: bool = False) -> Any:
    """Array-API cumulative product (``np.cumulative_prod``), optionally with a leading 1.

    Examples
    --------
    >>> import numpy as np, linad.numpy as lnp
    >>> lnp.cumulative_prod(np.array([2.0, 3.0]), include_initial=True)
    array([1., 2., 6.])
    """
    return _cumulative("cumulative_prod", cumprod, 1.0, x, axis, dtype, include_initial)


# ============================================================================ no tangent

@implements(np.count_nonzero)
def count_nonzero(a: Any, axis: Any = None, *, keepdims: bool = False) -> Any:
    """Number of nonzero entries (``np.count_nonzero``); a plain integer result, no tangent.

    Examples
    --------
    >>> import numpy as np, linad.numpy as lnp
    >>> int(lnp.count_nonzero(np.array([0.0, 2.0, 3.0])))
    2
    """
    return on_primal(np.count_nonzero)(a, axis=axis, keepdims=keepdims)


@implements(np.any)
def any(a: Any, axis: Any = None, out: Any = None, keepdims: bool = False, *,  # noqa: A001
        where: Any = None) -> Any:
    """Whether any entry is nonzero (``np.any``); a plain boolean result, no tangent.

    Examples
    --------
    >>> import numpy as np, linad.numpy as lnp
    >>> bool(lnp.any(np.array([0.0, 2.0])))
    True
    """
    _refuse("any", out=out)
    return on_primal(np.any)(a, axis=axis, keepdims=keepdims,
                  **({} if where is None else {"where": where}))


@implements(np.all)
def all(a: Any, axis: Any = None, out: Any = None, keepdims: bool = False, *,  # noqa: A001
        where: Any = None) -> Any:
    """Whether every entry is nonzero (``np.all``); a plain boolean result, no tangent.

    Examples
    --------
    >>> import numpy as np, linad.numpy as lnp
    >>> bool(lnp.all(np.array([0.0, 2.0])))
    False
    """
    _refuse("all", out=out)
    return on_primal(np.all)(a, axis=axis, keepdims=keepdims,
                  **({} if where is None else {"where": where}))


@implements(np.argmax)
def argmax(a: Any, axis: Any = None, out: Any = None, *, keepdims: bool = False) -> Any:
    """Index of the maximum (``np.argmax``); a plain integer result, no tangent.

    Examples
    --------
    >>> import numpy as np, linad.numpy as lnp
    >>> int(lnp.argmax(np.array([1.0, 3.0, 2.0])))
    1
    """
    _refuse("argmax", out=out)
    return on_primal(np.argmax)(a, axis=axis, keepdims=keepdims)


@implements(np.argmin)
def argmin(a: Any, axis: Any = None, out: Any = None, *, keepdims: bool = False) -> Any:
    """Index of the minimum (``np.argmin``); a plain integer result, no tangent.

    Examples
    --------
    >>> import numpy as np, linad.numpy as lnp
    >>> int(lnp.argmin(np.array([1.0, 3.0, 0.5])))
    2
    """
    _refuse("argmin", out=out)
    return on_primal(np.argmin)(a, axis=axis, keepdims=keepdims)


# ============================================================================ vector norm

def vector_norm(x: Any, ord: Any = None, axis: Any = None,  # noqa: A002
                keepdims: bool = False) -> Any:
    """Vector norm of ``x`` over ``axis`` (all axes, as one flat vector, if ``None``).

    ``ord``: ``None`` or 2 (Euclidean), 1, ``inf`` (max ``|x|``), ``-inf`` (min ``|x|``),
    0 (number of nonzeros, no tangent) or any other number ``p``
    (``sum(|x|**p)**(1/p)``).  Complex entries use ``|x|``.  The derivative at the
    zero vector is taken as 0 (for ``p >= 1``; for ``p < 1`` it is infinite at any
    zero entry); ``inf``/``-inf`` norms share the derivative among ties.  ``lnp.linalg.norm`` dispatches here for vectors.

    Examples
    --------
    >>> import numpy as np, linad
    >>> linad.grad(vector_norm)(np.array([3.0, 4.0]))
    array([0.6, 0.8])
    >>> float(vector_norm(np.array([3.0, -4.0]), ord=np.inf))
    4.0
    """
    x = _arr(x)
    if not is_inexact(dtype_of(x)):
        x = astype(x, np.float64)
    axes = normalize_axes(axis, _ndim(x))
    if isinstance(ord, str) or not (ord is None or isinstance(ord, numbers.Number)):
        raise ValueError(f"Invalid norm order '{ord}' for vectors")
    if ord is None or ord == 2:
        return _two_norm(x, axes, keepdims)
    if ord == np.inf:
        return R.reduce_max(absolute(x), axes, keepdims)
    if ord == -np.inf:
        return R.reduce_min(absolute(x), axes, keepdims)
    if ord == 0:
        nonzero = detached_value(x) != 0
        return np.sum(nonzero, axis=axes, keepdims=keepdims).astype(real_dtype(x))
    if ord == 1:
        return _sum(absolute(x), axes, keepdims=keepdims)
    p = float(ord)
    return _root_zero_safe(lambda s: power(s, 1.0 / p),
                           _sum(power(absolute(x), p), axes, keepdims=keepdims))


def _two_norm(x: Any, axes: tuple, keepdims: bool) -> Any:
    return _root_zero_safe(sqrt, _sum(_abs2(x), axes, keepdims=keepdims))


def _root_zero_safe(root, s: Any) -> Any:
    """``root(s)`` for a root-like function, 0 with derivative 0 where ``s == 0``.

    (The one-sided derivative of a root at 0 is infinite, and it multiplies a zero
    tangent there: the convention of linad is 0, as for ``abs`` at 0.)
    """
    zero = detached_value(s) == 0
    if not isinstance(zero, Tracer) and not zero.any():
        return root(s)
    one = np.ones((), dtype_of(s))
    return L.where(zero, np.zeros((), dtype_of(s)), root(L.where(zero, one, s)))

