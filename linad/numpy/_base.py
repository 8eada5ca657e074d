"""Helpers shared by every module of ``linad.numpy``: operand conversion, casts and axes.

This module imports no other module of ``linad.numpy``, so every other one can import
it.  The modules are layered, each importing only those before it::

    _dispatch, _base < _core < _shape < _products, _indexing < _creation
                     < _elementwise < _reductions < linalg < _methods

``asarray``, ``astype`` and ``normalize_axes`` are public (``lnp.asarray``, ...;
``_core`` lists them in its ``__all__``).
"""
from __future__ import annotations

import operator
from typing import Any

import numpy as np
from scipy.sparse import issparse

from ..core import Tracer, bind, dtype_of, is_inexact, shape_of
from ..primitives import linear as L
from ..primitives.discrete import cast_p

try:  # NumPy >= 2
    from numpy.lib.array_utils import normalize_axis_index, normalize_axis_tuple
except ImportError:  # pragma: no cover - NumPy 1.x
    from numpy.core.multiarray import normalize_axis_index
    from numpy.core.numeric import normalize_axis_tuple

__all__ = ["asarray", "astype", "normalize_axes"]

#: Operands that are constants to every trace and need no conversion.
CONSTANT_TYPES = (np.ndarray, np.generic, int, float, complex)
#: Operand types the primitives take as they are (anything else goes through ``asarray``).
ARRAY_TYPES = (Tracer,) + CONSTANT_TYPES


# ============================================================================ operands

def _asarray_if_needed(x: Any) -> Any:
    """``x`` unchanged if a primitive takes it as it is (Python scalars too), else ``asarray(x)``."""
    if isinstance(x, ARRAY_TYPES):
        return x
    return asarray(x)


def _arr(x: Any) -> Any:
    """A traced value unchanged; anything else (lists holding traced values too) as an array."""
    return x if isinstance(x, Tracer) else asarray(x)


def _ndim(x: Any) -> int:
    return len(shape_of(x))


def asarray(x: Any, dtype: Any = None) -> Any:
    """Like ``np.asarray``; traced values (and lists containing them) stay traced.

    Examples
    --------
    >>> import linad.numpy as lnp
    >>> lnp.asarray([1.0, 2.0])
    array([1., 2.])
    """
    if isinstance(x, Tracer):
        return astype(x, dtype) if dtype is not None else x
    if isinstance(x, (list, tuple)) and _contains_tracer(x):
        out = array_from_nested(x)
        return astype(out, dtype) if dtype is not None else out
    if issparse(x):   # np.asarray would make a 0-d object array of it: a silent wrong answer
        raise TypeError(f"a scipy.sparse {type(x).__name__} is not an array operand of linad "
                        "operations: for a product use x @ S or linad.scipy.sparse.matmul(S, x); "
                        "otherwise convert it with S.toarray()")
    return np.asarray(x, dtype=dtype)


def _contains_tracer(x: Any) -> bool:
    if isinstance(x, Tracer):
        return True
    if isinstance(x, (list, tuple)):
        return any(_contains_tracer(e) for e in x)
    return False


def array_from_nested(x: Any) -> Any:
    """An array from (nested) lists or tuples that may contain traced values.

    The entries of a list are stacked along a new leading axis (a ``reshape`` of
    each and one ``concatenate``), so the tangent is the array of their tangents.

    Examples
    --------
    >>> import numpy as np
    >>> array_from_nested([[1.0, 2.0], np.array([3.0, 4.0])])
    array([[1., 2.],
           [3., 4.]])
    """
    if not isinstance(x, (list, tuple)):
        return x if isinstance(x, Tracer) else np.asarray(x)
    parts = [array_from_nested(e) for e in x]
    if not any(isinstance(p, Tracer) for p in parts):
        return np.array(parts)
    shapes = {tuple(shape_of(p)) for p in parts}
    if len(shapes) != 1:
        raise ValueError("all input arrays must have the same shape")
    (shape,) = shapes
    rows = [L.reshape(p, (1,) + shape) for p in parts]
    return rows[0] if len(rows) == 1 else L.concatenate(rows, 0)


# ============================================================================ dtype

def astype(x: Any, dtype: Any) -> Any:
    """``x.astype(dtype)``: differentiable between float/complex dtypes.

    A cast to an integer or boolean dtype has no tangent; complex to real keeps
    the real part (as NumPy does, without the warning).

    Examples
    --------
    >>> import numpy as np, linad, linad.numpy as lnp
    >>> linad.grad(lambda x: lnp.astype(x, np.float32).sum())(np.ones(2)).dtype
    dtype('float64')
    """
    dtype = np.dtype(dtype)
    if not isinstance(x, Tracer):
        x = np.asarray(x)
    src = dtype_of(x)
    if src == dtype:
        return x
    if not is_inexact(dtype) or not is_inexact(src):
        return bind(cast_p, x, dtype=dtype)
    if src.kind == "c" and dtype.kind != "c":
        x = L.real(x)
    return L.convert(x, dtype)


# ============================================================================ axes

def normalize_axes(axis: Any, ndim: int) -> tuple[int, ...]:
    """``axis`` (None, int or tuple, negatives allowed) as a sorted tuple of non-negative ints.

    Examples
    --------
    >>> import numpy as np, linad, linad.numpy as lnp
    >>> normalize_axes(-1, 3)
    (2,)
    >>> normalize_axes(None, 2)
    (0, 1)
    """
    if axis is None:
        return tuple(range(ndim))
    if isinstance(axis, (int, np.integer)):
        axis = (int(axis),)
    out = []
    for a in axis:
        a = operator.index(a)
        if not -ndim <= a < max(ndim, 1):
            raise np.exceptions.AxisError(a, ndim)
        out.append(a % ndim if ndim else 0)
    if len(set(out)) != len(out):
        raise ValueError("duplicate value in 'axis'")
    return tuple(sorted(out))


def _along(axis: int, idx: Any) -> tuple:
    """An index that applies ``idx`` to ``axis`` and keeps every other axis."""
    return (slice(None),) * axis + (idx,)


def _np_funcs(*names: str) -> list:
    """The NumPy functions with these names that this NumPy version has."""
    return [getattr(np, n) for n in names if hasattr(np, n)]
