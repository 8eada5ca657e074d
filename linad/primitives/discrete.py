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

from ..core import Primitive, Tracer, bind, shape_of
from ..tree import flatten, unflatten
from .linear import (align_batched, axes_batch_rule, elementwise_batch_rule,
                     elementwise_primitive, front_batch_rule, loop_batch_rule)
from .rules import ArgwiseJVP, defjvp

__all__ = ["comparison_p", "greater_p", "greater_equal_p", "less_p", "less_equal_p", "equal_p",
           "not_equal_p", "cast_p", "argsort_p",
           "numpy_call_p", "numpy_call_multi_p", "stage_numpy_call", "elementwise", "stacked",
           "reduces"]


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


def reduces(fn: Callable, axes: str = "axes") -> Callable:
    """Mark ``fn`` as broadcasting its array arguments and working slice by slice along
    the axes given by its keyword argument ``axes`` (counted on the broadcast shape; its
    results keep the other dimensions in place): a staged call of it is batched as one
    call with the batch axis first and the axes shifted past it.

    Examples
    --------
    >>> import linad
    >>> from linad.primitives.elementwise import on_values
    >>> calls = []
    >>> @reduces
    ... def row_max(x, *, axes):
    ...     calls.append(x.shape)
    ...     return np.max(x, axis=axes, keepdims=True)
    >>> linad.vmap(lambda x: on_values(row_max, x, axes=(1,)))(np.arange(12.0).reshape(2, 2, 3))
    array([[[ 2.],
            [ 5.]],
    <BLANKLINE>
           [[ 8.],
            [11.]]])
    >>> calls                      # one call on the batch, not one per element
    [(2, 2, 3)]
    """
    fn.reduces = axes
    return fn


def _is_static_scalar(x: Any) -> bool:
    return x is None or isinstance(x, type) or np.ndim(x) == 0


def _arrays_as_operands(args, dims, leaves, positions) -> tuple:
    """The staged call with its constant array arguments made unbatched operands."""
    extra = [i for i, x in enumerate(leaves) if i not in positions and not _is_static_scalar(x)]
    if not extra:
        return args, dims, leaves, positions
    leaves = list(leaves)
    new_args = list(args) + [leaves[i] for i in extra]
    for i in extra:
        leaves[i] = None
    return new_args, tuple(dims) + (None,) * len(extra), tuple(leaves), positions + tuple(extra)


def _shift_reduced_axes(tree, leaves, positions, name: str, nd: int) -> tuple:
    """``leaves`` with the keyword argument ``name`` (axes of an ``nd``-dimensional
    broadcast shape) shifted past a new first axis."""
    flat = list(leaves)
    for p in positions:
        flat[p] = _PLACEHOLDER
    args, kwargs = unflatten(tree, flat)
    kwargs = dict(kwargs)
    kwargs[name] = tuple(a % nd + 1 for a in kwargs[name])
    flat, tree = flatten((args, kwargs))
    positions = tuple(i for i, x in enumerate(flat) if x is _PLACEHOLDER)
    return tree, tuple(None if x is _PLACEHOLDER else x for x in flat), positions


class _Placeholder:
    """Marks the places of operands while a staged call's arguments are rebuilt."""


_PLACEHOLDER = _Placeholder()


def _numpy_call_batch(prim: Primitive) -> Callable:
    """A staged NumPy call batched: one call on the batched arrays when the function is
    elementwise, stacked or reducing over given axes, else one call per batch element."""
    by_element = loop_batch_rule(prim)
    whole = elementwise_batch_rule(prim)
    front = front_batch_rule(prim)

    def rule(args, dims, *, fn, tree, leaves, positions):
        args, dims, leaves, positions = _arrays_as_operands(args, dims, leaves, positions)
        params = dict(fn=fn, tree=tree, leaves=leaves, positions=positions)
        if is_elementwise(fn):
            return whole(args, dims, **params)
        if getattr(fn, "stacked", False):
            return front(args, dims, **params)
        name = getattr(fn, "reduces", None)
        if name is not None:
            nd = max(len(shape_of(a)) - (d is not None) for a, d in zip(args, dims))
            params["tree"], params["leaves"], params["positions"] = _shift_reduced_axes(
                tree, leaves, positions, name, nd)
            aligned = [align_batched(a, d, nd) for a, d in zip(args, dims)]
            out = bind(prim, *aligned, **params)
            return out, ([0] * len(out) if prim.multiple_results else 0)
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
