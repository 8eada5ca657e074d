"""Handlers of the NumPy functions whose results carry no derivative (class 2).

Booleans, indices, counts, dtypes and set operations are computed by NumPy on the
concrete values of traced arguments, and returned as plain NumPy values — never an
error.  Under ``linad.jit`` the values are not known while a function is staged: such
a call is staged as one primitive (:func:`~linad.primitives.discrete.stage_numpy_call`)
and recomputed on every replay; functions of shapes and dtypes only see stand-ins;
functions whose result shape depends on values (``nonzero``, ``unique``) raise
:class:`~linad.core.ConcretizationError` there.  One helper, :func:`on_primal`, makes the handler of each function of
``_coverage.NONDIFF`` that has none elsewhere (``argsort``, ``argmax``, the
comparisons, ... keep theirs).

Weights are the exception, since counts are linear in them: ``np.bincount`` with traced
``weights`` is the differentiable sum ``zeros(n).at[x].add(weights)``, and the
histograms refuse traced ``weights`` rather than drop their derivative.
"""
from __future__ import annotations

import inspect
from typing import Any, Callable

import numpy as np

from ..core import Tracer
from ..primitives.discrete import stage_numpy_call
from ..primitives.elementwise import detached_value, value_dependence_error
from ..tree import tree_leaves, tree_map
from ._coverage import (NONDIFF, ON_AVALS, SHAPE_FROM_VALUES, TUPLE_RESULTS, dispatches,
                        resolve)
from ._dispatch import HANDLED_FUNCTIONS, HANDLED_UFUNCS, _numpy_name, implements

__all__ = ["on_primal"]

_WEIGHTED = (np.histogram2d, np.histogramdd, np.histogram_bin_edges)


def _concrete(leaf: Any) -> Any:
    return detached_value(leaf) if isinstance(leaf, Tracer) else leaf


def _stand_in(leaf: Any) -> Any:
    """A read-only array of ``leaf``'s shape and dtype (no memory of its own)."""
    if not isinstance(leaf, Tracer):
        return leaf
    return np.broadcast_to(np.zeros((), leaf.dtype), leaf.shape)


def on_primal(np_fn: Callable) -> Callable:
    """A handler of ``np_fn``: ``np_fn`` of the arguments with every traced leaf concrete.

    Traced values are replaced at any nesting of tuples, lists and dicts (``lexsort``'s
    keys, ``histogramdd``'s sample), so the result is a plain NumPy value.  Values
    staged by ``linad.jit`` have no concrete value: the call is staged instead.

    Examples
    --------
    >>> import numpy as np, linad
    >>> linad.grad(lambda x: x[on_primal(np.argwhere)(x > 1.0)[:, 0]].sum())(np.arange(3.0))
    array([0., 0., 1.])
    """
    handler = _HANDLERS.get(np_fn)
    if handler is None:
        handler = _HANDLERS[np_fn] = _on_primal(np_fn)
    return handler


#: One handler per NumPy function (linad.numpy's functions call ``on_primal`` per call).
_HANDLERS: dict = {}


def _on_primal(np_fn: Callable) -> Callable:
    name = _numpy_name(np_fn)

    def handler(*args: Any, **kwargs: Any) -> Any:
        args, kwargs = tree_map(_concrete, (args, kwargs))
        if any(isinstance(x, Tracer) for x in tree_leaves((args, kwargs))):
            return _staged(np_fn, name, args, kwargs)
        return np_fn(*args, **kwargs)
    handler.__name__ = handler.__qualname__ = getattr(np_fn, "__name__", "handler")
    handler.__doc__ = f"``{name}`` computed on the concrete values (no derivative)."
    return handler


def _staged(np_fn: Callable, name: str, args: tuple, kwargs: dict) -> Any:
    """``np_fn`` on values staged by ``linad.jit``: staged, or on stand-ins, or refused."""
    if name in ON_AVALS:
        args, kwargs = tree_map(_stand_in, (args, kwargs))
        return np_fn(*args, **kwargs)
    if name in SHAPE_FROM_VALUES:
        traced = next(x for x in tree_leaves((args, kwargs)) if isinstance(x, Tracer))
        raise value_dependence_error(
            traced, f"{name} returns an array whose shape depends on the values of its "
            "argument", "Use a fixed-shape alternative (a mask with np.where instead of "
            "np.nonzero, for example)")
    return stage_numpy_call(np_fn, args, kwargs, multiple=name in TUPLE_RESULTS)


def _refuse_traced_weights(np_fn: Callable) -> Callable:
    plain = on_primal(np_fn)
    signature = inspect.signature(np_fn)

    def handler(*args: Any, **kwargs: Any) -> Any:
        if isinstance(signature.bind(*args, **kwargs).arguments.get("weights"), Tracer):
            raise TypeError(
                f"{_numpy_name(np_fn)}: traced weights= are not supported (the counts are "
                "differentiable in the weights, and linad would drop that derivative); "
                "find each value's bin with np.digitize and sum the weights with "
                "lnp.zeros(nbins).at[bins].add(weights)")
        return plain(*args, **kwargs)
    handler.__name__ = handler.__qualname__ = np_fn.__name__
    handler.__doc__ = plain.__doc__
    return handler


def _register() -> None:
    for name in NONDIFF:
        fn = resolve(name)
        if fn is None or not dispatches(fn) or fn in HANDLED_FUNCTIONS or fn in HANDLED_UFUNCS:
            continue
        implements(fn)(_refuse_traced_weights(fn) if fn in _WEIGHTED else on_primal(fn))


_register()
