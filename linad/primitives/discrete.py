r"""Primitives with integer or boolean results, or a zero derivative.

Their JVP rule gives no tangent contribution for any operand (``defjvp`` with one
``None`` per operand), so a traced operand yields a plain, concrete result:

==================================  ===============================================
greater, greater_equal, less,       elementwise comparisons (boolean), with NumPy's
less_equal, equal, not_equal        broadcasting
cast(x, dtype)                      a cast to an integer or boolean dtype (casts
                                    between float and complex dtypes are the linear
                                    primitive ``convert``)
argsort(x, axis, kind)              the indices that sort ``x`` along ``axis``
numpy_call, numpy_call_multi        any NumPy function with a non-differentiable
                                    result (``isclose``, ``searchsorted``, ...) staged
                                    by ``linad.jit``: the function is a parameter
                                    (under ``linad.vmap`` one call on the batch when
                                    it is marked ``elementwise`` or ``stacked``)
==================================  ===============================================

A comparison or an ``argsort`` is piecewise constant: its derivative is zero wherever
it is defined.  Code that needs a mask or a permutation of traced values (``where``,
``sort``) uses these results as constants of its tangent map.

Examples
--------
>>> import numpy as np, linad
>>> from linad.core import bind
>>> x = np.array([3.5, 1.25])
>>> linad.jvp(lambda x: bind(argsort_p, x, axis=-1, kind=None), (x,), (np.ones(2),))
(array([1, 0]), array([0, 0]))
>>> linad.grad(lambda x: (x * bind(cast_p, x, dtype=np.dtype(int))).sum())(x)  # d(x * int(x))
array([3., 1.])
"""
from __future__ import annotations

import numpy as np

from typing import Any, Callable

from ..core import Primitive, Tracer, bind
from ..tree import flatten, unflatten
from .linear import (axes_batch_rule, elementwise_batch_rule, elementwise_primitive,
                     front_batch_rule, loop_batch_rule)
from .rules import ArgwiseJVP, defjvp

__all__ = ["comparison_p", "greater_p", "greater_equal_p", "less_p", "less_equal_p", "equal_p",
           "not_equal_p", "cast_p", "argsort_p",
           "numpy_call_p", "numpy_call_multi_p", "stage_numpy_call"]


# ============================================================================ comparisons

def _comparison(name: str) -> Primitive:
    """The primitive of the NumPy comparison ufunc ``name``: boolean, no tangent."""
    prim = elementwise_primitive(name, getattr(np, name))
    defjvp(prim, None, None)
    return prim


#: The comparison primitives by the name of their NumPy ufunc.
comparison_p = {name: _comparison(name) for name in
                ("greater", "greater_equal", "less", "less_equal", "equal", "not_equal")}
greater_p, greater_equal_p, less_p, less_equal_p, equal_p, not_equal_p = comparison_p.values()


# ============================================================================ casts

def _cast_impl(x, *, dtype):
    return np.asarray(x).astype(dtype)


cast_p = elementwise_primitive("cast", _cast_impl)
defjvp(cast_p, None)


# ============================================================================ sorting

def _argsort_impl(x, *, axis, kind):
    return np.argsort(x, axis=axis, kind=kind)


argsort_p = Primitive("argsort", _argsort_impl)
defjvp(argsort_p, None)
argsort_p.batch_rule = axes_batch_rule(argsort_p, "axis")


# ============================================================================ staged NumPy calls

def _numpy_call_impl(*arrays, fn, tree, leaves, positions):
    flat = list(leaves)
    for p, a in zip(positions, arrays):
        flat[p] = a
    args, kwargs = unflatten(tree, flat)
    out = fn(*args, **kwargs)
    return list(out) if type(out) is tuple else out


class _NoTangents(dict):
    """Per-operand JVP contributions of a primitive with no derivative in any operand."""

    def __missing__(self, i: int) -> None:
        return None


numpy_call_p = Primitive("numpy_call", _numpy_call_impl)
numpy_call_multi_p = Primitive("numpy_call_multi", _numpy_call_impl, multiple_results=True)
numpy_call_p.jvp_rule = ArgwiseJVP(numpy_call_p, _NoTangents())
numpy_call_multi_p.jvp_rule = ArgwiseJVP(numpy_call_multi_p, _NoTangents())


def is_elementwise(fn: Callable) -> bool:
    """True for a NumPy ufunc, or a function marked elementwise by :func:`elementwise`."""
    return isinstance(fn, np.ufunc) or getattr(fn, "elementwise", False)


def elementwise(fn: Callable) -> Callable:
    """Mark ``fn`` (a function of broadcasting arrays, applied element by element) as
    elementwise: a staged call of it is batched as one call on the batched arrays."""
    fn.elementwise = True
    return fn


def stacked(fn: Callable) -> Callable:
    """Mark ``fn`` as mapping leading stack axes of its array arguments to leading axes of
    its results (linear algebra on ``(..., n, n)``): a staged call of it is batched as one
    call on the arrays with the batch axis first, its results batch-first.

    Examples
    --------
    >>> import linad
    >>> from linad.primitives.elementwise import on_values
    >>> calls = []
    >>> @stacked
    ... def inverses(a):
    ...     calls.append(a.shape)
    ...     return np.linalg.inv(a)
    >>> linad.vmap(lambda a: on_values(inverses, a))(np.stack([np.eye(2), 2 * np.eye(2)]))[1]
    array([[0.5, 0. ],
           [0. , 0.5]])
    >>> calls                      # one call on the batch, not one per element
    [(2, 2, 2)]
    """
    fn.stacked = True
    return fn


def _numpy_call_batch(prim: Primitive) -> Callable:
    """A staged NumPy call batched: one call on the batched arrays when the function is
    elementwise (or stacked) and its other arguments are scalars, else one call per batch
    element."""
    by_element = loop_batch_rule(prim)
    whole = elementwise_batch_rule(prim)
    front = front_batch_rule(prim)

    def rule(args, dims, *, fn, tree, leaves, positions):
        params = dict(fn=fn, tree=tree, leaves=leaves, positions=positions)
        if all(isinstance(x, type) or np.ndim(x) == 0 for x in leaves if x is not None):
            if is_elementwise(fn):
                return whole(args, dims, **params)
            if getattr(fn, "stacked", False):
                return front(args, dims, **params)
        return by_element(args, dims, **params)
    return rule


numpy_call_p.batch_rule = _numpy_call_batch(numpy_call_p)
numpy_call_multi_p.batch_rule = _numpy_call_batch(numpy_call_multi_p)


def stage_numpy_call(fn: Callable, args: tuple, kwargs: dict, multiple: bool = False) -> Any:
    """``fn(*args, **kwargs)`` as one primitive whose operands are the traced leaves.

    For NumPy functions with non-differentiable results (booleans, indices) whose
    result *shape* depends only on the shapes of the arguments: under ``linad.jit``
    the call is staged and recomputed on every replay.  ``multiple``: ``fn``
    returns a tuple of arrays (returned as a tuple).

    Examples
    --------
    >>> import numpy as np
    >>> int(stage_numpy_call(np.searchsorted, (np.array([1.0, 2.0]), 1.5), {}))
    1
    """
    leaves, tree = flatten((args, kwargs))
    positions = tuple(i for i, x in enumerate(leaves) if isinstance(x, Tracer))
    arrays = [leaves[i] for i in positions]
    static = tuple(None if isinstance(x, Tracer) else x for x in leaves)
    out = bind(numpy_call_multi_p if multiple else numpy_call_p, *arrays, fn=fn, tree=tree,
               leaves=static, positions=positions)
    return tuple(out) if multiple else out
