r"""Building arrays from traced values: ``array`` of nested lists, ``full``, ``linspace``,
``meshgrid``, and the ``*_like`` constructors; constant arrays with JAX's ``.at``.

``array([x, y])`` stacks its entries (a reshape of each and one ``concatenate``),
so the JVP is the array of the entries' tangents.  ``zeros_like``, ``ones_like``
and ``empty_like`` only read the shape and dtype of a traced value: their result
is a constant.  ``full(shape, v)`` and ``full_like(a, v)`` broadcast ``v``, which
may be traced (the tangent is ``dv`` broadcast).  ``linspace`` with traced end
points is ``start + k * step``: its tangent is
:math:`d\,\mathrm{start} + \tfrac{k}{\mathrm{div}}(d\,\mathrm{stop} - d\,\mathrm{start})`.

The constant arrays of ``zeros``, ``ones``, ``empty``, ``full`` and the ``*_like``
constructors are :class:`AtArray` s: NumPy arrays with an ``.at`` property, so that
JAX's pattern ``lnp.zeros(n).at[idx].add(v)`` works with a traced ``v``.  Every NumPy
ufunc and function applied to one computes on plain arrays and returns plain arrays.
"""
from __future__ import annotations

import operator
from typing import Any

import numpy as np

from ..core import Tracer, dtype_of, shape_of
from ..primitives import linear as L
from ..primitives.elementwise import detached_value
from ._base import _arr, array_from_nested, astype
from ._core import add, divide, multiply, power, subtract
from ._dispatch import implements
from ..primitives.elementwise import on_values
from ._indexing import AtIndexer
from ._shape import broadcast_arrays, broadcast_to, concatenate, moveaxis, reshape

__all__ = ["array", "zeros", "ones", "empty", "zeros_like", "ones_like", "empty_like",
           "full_like", "full", "linspace", "logspace", "geomspace", "meshgrid"]


# ============================================================================ constant arrays

def _plain(x: Any) -> Any:
    """``x`` with every :class:`AtArray` in it (in lists, tuples, dicts) viewed as an ndarray."""
    if isinstance(x, AtArray):
        return x.view(np.ndarray)
    if type(x) is list or type(x) is tuple:
        return type(x)(_plain(e) for e in x)
    if type(x) is dict:
        return {k: _plain(v) for k, v in x.items()}
    return x


class AtArray(np.ndarray):
    """A constant NumPy array with an ``.at`` property (``x.at[idx].set(v)``, ``.add(v)``, ...).

    Returned by ``lnp.zeros``, ``lnp.ones``, ``lnp.empty``, ``lnp.full`` and the
    ``*_like`` constructors, so that a constant base takes a traced update as in
    JAX.  It is an ``np.ndarray`` in every other respect: NumPy ufuncs and functions
    applied to it run on plain arrays (its data, not a copy) and return plain
    arrays; only views made by its own methods (``x[1:]``, ``x.reshape(...)``,
    ``x.T``, ``x.copy()``) are ``AtArray`` s again.  ``np.asarray(x)`` is a plain view.

    Examples
    --------
    >>> import numpy as np, linad, linad.numpy as lnp
    >>> linad.grad(lambda v: lnp.zeros(3).at[[0, 2, 0]].add(v) @ np.arange(3.0))(1.0)
    array(2.)
    >>> type(lnp.zeros(2) + 1) is np.ndarray
    True
    """

    @property
    def at(self) -> AtIndexer:
        """Functional updates ``x.at[idx].set(v)``, ``.add(v)``, ... of a plain view of ``x``."""
        return AtIndexer(self.view(np.ndarray))

    def __array_ufunc__(self, ufunc: np.ufunc, method: str, *inputs: Any, out: Any = None,
                        **kwargs: Any) -> Any:
        if out is not None:
            kwargs["out"] = _plain(out)
        result = getattr(ufunc, method)(*_plain(inputs), **kwargs)
        if out is None or method == "at":
            return result
        if ufunc.nout == 1 or method != "__call__":
            return out[0]  # the array written into, as NumPy returns it
        return tuple(r if o is None else o for o, r in zip(out, result))

    def __array_function__(self, func: Any, types: Any, args: tuple, kwargs: dict) -> Any:
        if not all(issubclass(t, np.ndarray) for t in types):
            return NotImplemented  # a traced operand's handler takes the call
        return super().__array_function__(func, types, _plain(args), _plain(kwargs))

    def __repr__(self) -> str:
        return repr(self.view(np.ndarray))


def _at_array(a: np.ndarray) -> AtArray:
    return a.view(AtArray)


def zeros(shape: Any, dtype: Any = float, order: str = "C", **kwargs: Any) -> AtArray:
    """An array of zeros (``np.zeros``), with ``.at`` for functional updates (:class:`AtArray`).

    Examples
    --------
    >>> import linad.numpy as lnp
    >>> lnp.zeros(3).at[1].set(2.0)
    array([0., 2., 0.])
    """
    return _at_array(np.zeros(shape, dtype, order, **kwargs))


def ones(shape: Any, dtype: Any = None, order: str = "C", **kwargs: Any) -> AtArray:
    """An array of ones (``np.ones``), with ``.at`` for functional updates (:class:`AtArray`).

    Examples
    --------
    >>> import linad.numpy as lnp
    >>> lnp.ones(3).at[1:].multiply(2.0)
    array([1., 2., 2.])
    """
    return _at_array(np.ones(shape, dtype, order, **kwargs))


def empty(shape: Any, dtype: Any = float, order: str = "C", **kwargs: Any) -> AtArray:
    """An uninitialised array (``np.empty``), with ``.at`` (:class:`AtArray`).

    Examples
    --------
    >>> import linad.numpy as lnp
    >>> lnp.empty((2, 3)).shape
    (2, 3)
    """
    return _at_array(np.empty(shape, dtype, order, **kwargs))


def array(object: Any, dtype: Any = None, *, copy: bool = True, order: str = "K",
          subok: bool = False, ndmin: int = 0, like: Any = None) -> Any:
    """Like ``np.array``; traced values, and (nested) lists containing them, stay traced.

    ``lnp.array([x, y])`` of traced scalars is a traced vector whose derivative is
    the vector of their derivatives.  (Plain ``np.array([x, y])`` cannot be
    intercepted by NumPy's protocols, so it raises ``TracerConversionError``.)

    Examples
    --------
    >>> import numpy as np, linad, linad.numpy as lnp
    >>> linad.jvp(lambda x: lnp.array([[x, 2 * x], [0.0, x ** 2]]), (3.0,), (1.0,))[1]
    array([[1., 2.],
           [0., 6.]])
    """
    if isinstance(object, Tracer):
        out = object
    elif isinstance(object, (list, tuple)):
        out = array_from_nested(object)
    else:
        return np.array(object, dtype=dtype, copy=copy, order=order, subok=subok, ndmin=ndmin)
    if dtype is not None:
        out = astype(out, dtype)
    nd = len(shape_of(out))
    if ndmin > nd:
        out = reshape(out, (1,) * (ndmin - nd) + tuple(shape_of(out)))
    return out


# ============================================================================ *_like, full

def _like(a: Any, dtype: Any, shape: Any) -> tuple[tuple, np.dtype]:
    """The shape and dtype of a ``*_like`` result: those of ``a`` (an array, a traced
    value, a nested list or a scalar) unless ``shape`` or ``dtype`` is given."""
    a = _arr(a)
    if shape is None:
        shape = tuple(shape_of(a))
    elif isinstance(shape, (int, np.integer)):
        shape = (operator.index(shape),)
    return tuple(shape), np.dtype(dtype) if dtype is not None else np.dtype(dtype_of(a))


@implements(np.zeros_like)
def zeros_like(a: Any, dtype: Any = None, order: str = "K", subok: bool = True,
               shape: Any = None, **kwargs: Any) -> np.ndarray:
    """A constant array of zeros with the shape and dtype of ``a`` (``np.zeros_like``).

    Examples
    --------
    >>> import numpy as np, linad.numpy as lnp
    >>> lnp.zeros_like(np.ones((2, 1), np.float32))
    array([[0.],
           [0.]], dtype=float32)
    """
    return zeros(*_like(a, dtype, shape))


@implements(np.ones_like)
def ones_like(a: Any, dtype: Any = None, order: str = "K", subok: bool = True,
              shape: Any = None, **kwargs: Any) -> np.ndarray:
    """A constant array of ones with the shape and dtype of ``a`` (``np.ones_like``).

    Examples
    --------
    >>> import numpy as np, linad.numpy as lnp
    >>> lnp.ones_like(np.zeros(2), dtype=int)
    array([1, 1])
    """
    return ones(*_like(a, dtype, shape))


@implements(np.empty_like)
def empty_like(a: Any, dtype: Any = None, order: str = "K", subok: bool = True,
               shape: Any = None, **kwargs: Any) -> np.ndarray:
    """A constant array with the shape and dtype of ``a`` (``np.empty_like``; zero-filled).

    Examples
    --------
    >>> import numpy as np, linad.numpy as lnp
    >>> lnp.empty_like(np.ones(2))
    array([0., 0.])
    """
    return zeros(*_like(a, dtype, shape))


@implements(np.full_like)
def full_like(a: Any, fill_value: Any, dtype: Any = None, order: str = "K", subok: bool = True,
              shape: Any = None, **kwargs: Any) -> Any:
    """An array with the shape and dtype of ``a`` filled with ``fill_value`` (``np.full_like``).

    No tangent flows from ``a``; a traced ``fill_value`` is broadcast (with its tangent).

    Examples
    --------
    >>> import numpy as np, linad.numpy as lnp
    >>> lnp.full_like(np.zeros(3), 2.5)
    array([2.5, 2.5, 2.5])
    """
    return _fill(*_like(a, dtype, shape), fill_value)


def full(shape: Any, fill_value: Any, dtype: Any = None, order: str = "C", **kwargs: Any) -> Any:
    """An array of ``shape`` filled with ``fill_value``, which may be traced (``np.full``).

    Examples
    --------
    >>> import numpy as np, linad, linad.numpy as lnp
    >>> float(linad.grad(lambda v: lnp.full((2, 3), v).sum())(1.5))
    6.0
    """
    shape = (operator.index(shape),) if isinstance(shape, (int, np.integer)) else tuple(shape)
    if not isinstance(fill_value, Tracer) and not _has_tracer(fill_value):
        return _at_array(np.full(shape, fill_value, dtype=dtype, order=order))
    return _fill(shape, dtype, fill_value)


def _has_tracer(x: Any) -> bool:
    return isinstance(x, (list, tuple)) and any(isinstance(e, Tracer) or _has_tracer(e) for e in x)


def _fill(shape: tuple, dtype: Any, value: Any) -> Any:
    if not isinstance(value, Tracer) and not _has_tracer(value):
        return _at_array(np.full(shape, value, dtype=dtype))
    value = _arr(value)
    if dtype is not None:
        value = astype(value, dtype)
    return broadcast_to(value, shape)


# ============================================================================ linspace, meshgrid

@implements(np.linspace)
def linspace(start: Any, stop: Any, num: int = 50, endpoint: bool = True, retstep: bool = False,
             dtype: Any = None, axis: int = 0, **kwargs: Any) -> Any:
    """``num`` evenly spaced values from ``start`` to ``stop``, which may be traced
    (``np.linspace``; array end points add axes as in NumPy).

    Examples
    --------
    >>> import numpy as np, linad, linad.numpy as lnp
    >>> linad.jvp(lambda a: lnp.linspace(0.0, a, 3), (2.0,), (1.0,))
    (array([0., 1., 2.]), array([0. , 0.5, 1. ]))
    """
    num = operator.index(num)
    if num < 0:
        raise ValueError(f"Number of samples, {num}, must be non-negative.")
    div = (num - 1) if endpoint else num
    start, stop = _arr(start), _arr(stop)
    dt = np.result_type(dtype_of(start), dtype_of(stop), 1.0)
    start, stop = astype(start, dt), astype(stop, dt)
    delta = subtract(stop, start)
    nd = len(shape_of(delta))
    ramp = np.arange(0, num, dtype=dt).reshape((-1,) + (1,) * nd)
    step = None
    if div > 0:
        step = divide(delta, div)
        y = _ramp_times_step(ramp, div, delta, step)
    else:
        y = multiply(ramp, delta)
    y = add(y, start)
    if endpoint and num > 1:
        last = broadcast_to(stop, (1,) + tuple(shape_of(y))[1:])
        y = concatenate([y[:-1], last], 0)
    if axis != 0:
        y = moveaxis(y, 0, axis)
    if dtype is not None:
        out_dt = np.dtype(dtype)
        if np.issubdtype(out_dt, np.integer):
            y = np.floor(y)
        y = astype(y, out_dt)
    if retstep:
        return y, (step if step is not None else np.nan)
    return y


@implements(np.logspace)
def logspace(start: Any, stop: Any, num: int = 50, endpoint: bool = True, base: Any = 10.0,
             dtype: Any = None, axis: int = 0) -> Any:
    """``base ** linspace(start, stop, num)`` (``np.logspace``); differentiable in
    ``start``, ``stop`` and ``base``.

    Examples
    --------
    >>> import numpy as np, linad, linad.numpy as lnp
    >>> linad.jvp(lambda b: lnp.logspace(0.0, 2.0, 3, base=b), (10.0,), (1.0,))
    (array([  1.,  10., 100.]), array([ 0.,  1., 20.]))
    """
    y = linspace(start, stop, num, endpoint=endpoint, axis=axis)
    base = _arr(base)
    if len(shape_of(base)) > 0:  # array bases broadcast against the end points, as in NumPy
        base = moveaxis(reshape(base, (1,) + tuple(shape_of(base))), 0, axis)
    out = power(base, y)
    return out if dtype is None else astype(out, dtype)


@implements(np.geomspace)
def geomspace(start: Any, stop: Any, num: int = 50, endpoint: bool = True, dtype: Any = None,
              axis: int = 0) -> Any:
    r"""Numbers spaced evenly on a log scale from ``start`` to ``stop`` (``np.geomspace``);
    differentiable in both end points.

    :math:`y_k = s\,(e/s)^{t_k}` with :math:`t` evenly spaced in :math:`[0, 1]`; the end
    points are ``start`` and ``stop`` exactly, as in NumPy.  Real end points of one sign
    (traced complex end points are not supported: NumPy's spiral needs their branch).
    Under ``linad.jit`` the end points are not known while staging, so they are not
    checked: a zero end point or end points of opposite signs give NaN.

    Examples
    --------
    >>> import numpy as np, linad, linad.numpy as lnp
    >>> linad.jvp(lambda e: lnp.geomspace(1.0, e, 3), (4.0,), (1.0,))
    (array([1., 2., 4.]), array([0.  , 0.25, 1.  ]))
    """
    if not isinstance(start, Tracer) and not isinstance(stop, Tracer):
        return np.geomspace(start, stop, num, endpoint, dtype, axis)
    start, stop = _arr(start), _arr(stop)
    if "c" in (dtype_of(start).kind, dtype_of(stop).kind):
        raise TypeError("geomspace: complex end points are not supported on traced values")
    _check_geometric_end_points(detached_value(start), detached_value(stop))
    # NumPy's dtype: with dtype=None, a float64 zero joins the end points' dtypes
    dt = np.result_type(dtype_of(start), dtype_of(stop), float(num), np.zeros((), dtype))
    start, stop = astype(start, dt), astype(stop, dt)
    t = linspace(np.zeros(tuple(shape_of(start)), dt), np.ones(tuple(shape_of(stop)), dt), num,
                 endpoint=endpoint)
    y = multiply(start, power(divide(stop, start), t))
    n = tuple(shape_of(y))[0]
    if n > 0:  # the end points exactly, as NumPy
        parts = [broadcast_to(start, (1,) + tuple(shape_of(y))[1:]), y[1:n - 1 if endpoint else n]]
        if endpoint and n > 1:
            parts.append(broadcast_to(stop, (1,) + tuple(shape_of(y))[1:]))
        y = concatenate(parts, 0) if n > 1 else parts[0]
    if axis != 0:
        y = moveaxis(y, 0, axis)
    return y if dtype is None else astype(y, dtype)


def _ramp_times_step(ramp: np.ndarray, div: int, delta: Any, step: Any) -> Any:
    """NumPy's ``ramp * step``, or ``ramp / div * delta`` if any step is zero (an
    underflow); under ``linad.jit`` both, selected on every call."""
    zero = on_values(_any_zero, step)
    if isinstance(zero, Tracer):
        return L.where(zero, multiply(ramp / div, delta), multiply(ramp, step))
    return multiply(ramp / div, delta) if zero else multiply(ramp, step)


def _any_zero(x: np.ndarray) -> np.bool_:
    return np.any(x == 0)


def _check_geometric_end_points(s: Any, e: Any) -> None:
    """NumPy's errors for a zero end point, and linad's for end points of opposite signs
    (concrete values only: values staged by ``linad.jit`` are not known)."""
    if isinstance(s, Tracer) or isinstance(e, Tracer):
        return
    if np.any(s == 0) or np.any(e == 0):
        raise ValueError("Geometric sequence cannot include zero")
    if np.any(np.sign(s) != np.sign(e)):
        raise TypeError("geomspace: end points of opposite signs give complex numbers, which "
                        "are not supported on traced values")


@implements(np.meshgrid)
def meshgrid(*xi: Any, copy: bool = True, sparse: bool = False, indexing: str = "xy") -> tuple:
    """Coordinate arrays from coordinate vectors (``np.meshgrid``).

    Examples
    --------
    >>> import numpy as np, linad.numpy as lnp
    >>> [g.shape for g in lnp.meshgrid(np.ones(2), np.ones(3))]
    [(3, 2), (3, 2)]
    """
    if indexing not in ("xy", "ij"):
        raise ValueError("Valid values for `indexing` are 'xy' and 'ij'.")
    nd = len(xi)
    shapes = [(1,) * k + (-1,) + (1,) * (nd - k - 1) for k in range(nd)]
    if indexing == "xy" and nd > 1:
        shapes[0] = (1, -1) + (1,) * (nd - 2)
        shapes[1] = (-1, 1) + (1,) * (nd - 2)
    grids = [reshape(_arr(x), s) for x, s in zip(xi, shapes)]
    return tuple(grids) if sparse else broadcast_arrays(*grids)
