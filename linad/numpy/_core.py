"""The core of ``linad.numpy``: arithmetic, comparisons, complex parts, ``sum``, ``mean``
and ``where``.

Every function works on NumPy arrays, Python scalars and traced values alike
and follows NumPy's signature and semantics; on traced values it records
linad primitives.  ``asarray``, ``astype`` and ``normalize_axes`` (from
:mod:`linad.numpy._base`) are part of this module's public names.
"""
from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np

from ..core import Tracer, bind, dtype_of, is_inexact, shape_of
from ..primitives import discrete as D
from ..primitives import elementwise as E
from ..primitives import linear as L
from ._base import _asarray_if_needed, asarray, astype, normalize_axes
from ._dispatch import implements

__all__ = [
    "add", "subtract", "multiply", "divide", "true_divide", "negative", "positive", "power",
    "sum", "mean", "where",
    "real", "imag", "conj", "conjugate", "asarray", "astype", "ndim", "shape", "size",
    "greater", "greater_equal", "less", "less_equal", "equal", "not_equal",
    "normalize_axes", "stop_gradient",
]


# ============================================================================ arithmetic

@implements(np.add)
def add(x: Any, y: Any) -> Any:
    """``x + y`` with broadcasting.

    Examples
    --------
    >>> import linad.numpy as lnp
    >>> lnp.add(1.0, 2.0)
    np.float64(3.0)
    """
    return bind(L.add_p, _asarray_if_needed(x), _asarray_if_needed(y))


@implements(np.subtract)
def subtract(x: Any, y: Any) -> Any:
    """``x - y`` with broadcasting.

    Examples
    --------
    >>> import numpy as np, linad, linad.numpy as lnp
    >>> linad.grad(lambda x: lnp.subtract(1.0, x))(2.0)
    array(-1.)
    """
    return bind(L.sub_p, _asarray_if_needed(x), _asarray_if_needed(y))


@implements(np.multiply)
def multiply(x: Any, y: Any) -> Any:
    """``x * y`` with broadcasting.

    Examples
    --------
    >>> import numpy as np, linad, linad.numpy as lnp
    >>> linad.grad(lambda x: lnp.multiply(x, x))(3.0)
    array(6.)
    """
    return bind(L.mul_p, _asarray_if_needed(x), _asarray_if_needed(y))


@implements(np.divide, np.true_divide)
def divide(x: Any, y: Any) -> Any:
    """``x / y`` with broadcasting (true division).

    Examples
    --------
    >>> import numpy as np, linad, linad.numpy as lnp
    >>> linad.grad(lambda x: lnp.divide(1.0, x))(2.0)
    array(-0.25)
    """
    x, y = _asarray_if_needed(x), _asarray_if_needed(y)
    if isinstance(y, Tracer) and _is_one(x):
        return _reciprocal(y)
    return L.div(x, y)


true_divide = divide


def _is_one(x: Any) -> bool:
    return isinstance(x, (int, float)) and x == 1


def _reciprocal(y: Any) -> Any:
    return L.div(1.0, y) if not isinstance(y, Tracer) else bind(reciprocal_p, y)


reciprocal_p = E.reciprocal_p


@implements(np.negative)
def negative(x: Any) -> Any:
    """``-x``.

    Examples
    --------
    >>> import numpy as np, linad, linad.numpy as lnp
    >>> linad.jvp(lnp.negative, (1.0,), (2.0,))[1]
    array(-2.)
    """
    return L.neg(_asarray_if_needed(x))


@implements(np.positive)
def positive(x: Any) -> Any:
    """``+x`` (returns ``x``).

    Examples
    --------
    >>> import numpy as np, linad, linad.numpy as lnp
    >>> lnp.positive(np.array([1.0, -2.0]))
    array([ 1., -2.])
    """
    return x


@implements(np.power)
def power(x: Any, y: Any) -> Any:
    """``x ** y`` elementwise; differentiable in both operands.

    Examples
    --------
    >>> import numpy as np, linad, linad.numpy as lnp
    >>> linad.grad(lambda x: lnp.power(x, 3))(2.0)
    array(12.)
    """
    return E.power(_asarray_if_needed(x), _asarray_if_needed(y))


# ============================================================================ comparisons (no tangent)

def _cmp(name: str):
    prim = D.comparison_p[name]

    @implements(getattr(np, name))
    def cmp(x: Any, y: Any) -> Any:
        return bind(prim, x, y)
    cmp.__name__ = name
    cmp.__doc__ = (f"Elementwise ``np.{name}``; a concrete boolean output, no tangent.\n\n"
                   "    Examples\n    --------\n"
                   "    >>> import numpy as np, linad.numpy as lnp\n"
                   f"    >>> lnp.{name}(np.array([1.0, 2.0]), 2.0)\n"
                   f"    {getattr(np, name)(np.array([1.0, 2.0]), 2.0)!r}\n")
    return cmp


greater = _cmp("greater")
greater_equal = _cmp("greater_equal")
less = _cmp("less")
less_equal = _cmp("less_equal")
equal = _cmp("equal")
not_equal = _cmp("not_equal")

stop_gradient_p = E.stop_gradient_p


def stop_gradient(x: Any) -> Any:
    """``x`` treated as a constant: its derivative is zero.

    Examples
    --------
    >>> import numpy as np, linad
    >>> linad.grad(lambda x: x * linad.stop_gradient(x))(3.0)
    array(3.)
    """
    return bind(stop_gradient_p, x)


# ============================================================================ complex parts

@implements(np.real)
def real(x: Any) -> Any:
    """Real part.

    Examples
    --------
    >>> import numpy as np, linad, linad.numpy as lnp
    >>> linad.grad(lambda z: lnp.real(z) ** 2)(np.array(3.0 + 1.0j))
    array(6.+0.j)
    """
    return L.real(x)


@implements(np.imag)
def imag(x: Any) -> Any:
    """Imaginary part (zeros for real input).

    Examples
    --------
    >>> import numpy as np, linad, linad.numpy as lnp
    >>> lnp.imag(np.array([1.0 + 2.0j]))
    array([2.])
    """
    if dtype_of(x).kind != "c":
        return L.mul(x, 0.0)
    return L.imag(x)


@implements(np.conj, np.conjugate)
def conj(x: Any) -> Any:
    """Complex conjugate.

    Examples
    --------
    >>> import numpy as np, linad, linad.numpy as lnp
    >>> lnp.conj(np.array([1.0 + 2.0j]))
    array([1.-2.j])
    """
    return L.conj(x)


conjugate = conj


# ============================================================================ shape queries

@implements(np.ndim)
def ndim(x: Any) -> int:
    """Number of dimensions.

    Examples
    --------
    >>> import numpy as np, linad, linad.numpy as lnp
    >>> lnp.ndim(np.ones((2, 3)))
    2
    """
    return len(shape_of(x))


@implements(np.shape)
def shape(x: Any) -> tuple:
    """Shape of an array or traced value.

    Examples
    --------
    >>> import numpy as np, linad, linad.numpy as lnp
    >>> lnp.shape(np.ones((2, 3)))
    (2, 3)
    """
    return tuple(shape_of(x))


@implements(np.size)
def size(x: Any, axis: int | None = None) -> int:
    """Number of elements (along ``axis`` if given).

    Examples
    --------
    >>> import numpy as np, linad, linad.numpy as lnp
    >>> lnp.size(np.ones((2, 3)))
    6
    """
    s = shape_of(x)
    return math.prod(s) if axis is None else s[axis]


# ============================================================================ reductions

@implements(np.sum)
def sum(a: Any, axis: Any = None, dtype: Any = None, out: Any = None, keepdims: bool = False,
        initial: Any = None, where: Any = None) -> Any:
    """Sum over ``axis`` (``np.sum``).

    Examples
    --------
    >>> import numpy as np, linad, linad.numpy as lnp
    >>> linad.grad(lambda x: lnp.sum(x, axis=0).prod())(np.ones((2, 2)))
    array([[2., 2.],
           [2., 2.]])
    """
    if out is not None:
        raise TypeError("sum: out= is not supported on traced values")
    a = _asarray_if_needed(a)
    if not isinstance(a, Tracer):
        a = np.asarray(a)
    if dtype is not None:
        a = astype(a, dtype)
    a = fill_where(a, where, 0)
    res = L.reduce_sum(a, normalize_axes(axis, len(shape_of(a))), keepdims)
    if initial is not None:
        res = add(res, initial)
    return res


@implements(np.mean)
def mean(a: Any, axis: Any = None, dtype: Any = None, out: Any = None, keepdims: bool = False,
         where: Any = None) -> Any:
    """Arithmetic mean over ``axis`` (``np.mean``).

    Examples
    --------
    >>> import numpy as np, linad, linad.numpy as lnp
    >>> linad.grad(lnp.mean)(np.ones(4))
    array([0.25, 0.25, 0.25, 0.25])
    """
    if out is not None:
        raise TypeError("mean: out= is not supported on traced values")
    a = _asarray_if_needed(a)
    if not isinstance(a, Tracer):
        a = np.asarray(a)
    if not is_inexact(dtype_of(a)):
        a = astype(a, np.float64)
    if dtype is not None:
        a = astype(a, dtype)
    axes = normalize_axes(axis, len(shape_of(a)))
    if where is not None:
        count = astype(where_count(a, where, axes, keepdims), E.real_dtype(a))
        if not isinstance(count, Tracer) and not count.all():
            warnings.warn("Mean of empty slice", RuntimeWarning, stacklevel=2)
        return L.div(L.reduce_sum(fill_where(a, where, 0), axes, keepdims), count)
    n = math.prod([shape_of(a)[i] for i in axes])
    return L.div(L.reduce_sum(a, axes, keepdims), n) if n else L.mul(L.reduce_sum(a, axes, keepdims), np.nan)


def fill_where(a: Any, where: Any, fill: Any) -> Any:
    """``a`` with ``fill`` wherever the mask ``where`` (broadcast to ``a``'s shape) is False.

    ``where=None`` leaves ``a`` as it is.  The filled entries are constants (no tangent).
    The mask may be staged by ``linad.jit`` (then it is applied on every call).
    """
    if where is None:
        return a
    mask = _where_mask(a, where)
    if not isinstance(mask, Tracer) and mask.all():
        return a
    return L.where(mask, a, np.asarray(fill, dtype_of(a)))


def where_count(a: Any, where: Any, axes: tuple, keepdims: bool) -> Any:
    """How many entries of each reduced slice of ``a`` the mask ``where`` selects (an
    integer array; staged when the mask is)."""
    mask = _where_mask(a, where)
    if isinstance(mask, Tracer):
        return L.reduce_sum(mask, axes, keepdims)
    return mask.sum(axis=axes, keepdims=keepdims)


def _where_mask(a: Any, where: Any) -> Any:
    """The ``where=`` mask as a boolean array of ``a``'s shape (a staged one stays staged)."""
    if isinstance(where, Tracer):
        if dtype_of(where) != bool:
            raise TypeError("where=: the mask must be a concrete boolean array (or a boolean "
                            "staged by linad.jit), not a traced value")
        return L.broadcast_to(where, tuple(shape_of(a)))
    return np.broadcast_to(np.asarray(where, dtype=bool), tuple(shape_of(a)))


@implements(np.where)
def where(condition: Any, x: Any = None, y: Any = None) -> Any:
    """Elementwise selection (``np.where``); differentiable in ``x`` and ``y``.

    The condition carries no derivative; computed from traced values (``x > 0``) it is
    concrete, or under ``linad.jit`` a staged boolean recomputed on every call.  With
    ``condition`` alone, the indices of its true entries (``np.nonzero``).

    Examples
    --------
    >>> import numpy as np, linad, linad.numpy as lnp
    >>> x = np.array([-1.0, 2.0])
    >>> linad.grad(lambda x: lnp.where(x > 0, x ** 2, x).sum())(x)
    array([1., 4.])
    """
    if x is None and y is None:
        return np.nonzero(condition)
    return L.where(_condition(condition), _asarray_if_needed(x), _asarray_if_needed(y))


def _condition(condition: Any) -> Any:
    """A condition as a boolean array: a traced one through ``!= 0`` unless already boolean."""
    if isinstance(condition, Tracer):
        return condition if dtype_of(condition) == bool else not_equal(condition, 0)
    return np.asarray(condition, dtype=bool)
