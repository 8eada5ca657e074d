"""Indexing: functional updates ``x.at[idx].set/add/multiply``."""
from __future__ import annotations

from typing import Any

import numpy as np

from ..core import Tracer, dtype_of, shape_of
from ..primitives import linear as L
from ._core import normalize_index, multiply, subtract, add

__all__ = ["index_add", "index_set", "index_multiply"]


def _prep(x: Any, idx: Any, v: Any):
    x = x if isinstance(x, Tracer) else np.asarray(x)
    idx = normalize_index(idx, tuple(shape_of(x)))
    target = tuple(shape_of(np.broadcast_to(np.empty((), np.int8), shape_of(x))[idx]))
    v = v if isinstance(v, Tracer) else np.asarray(v, dtype=dtype_of(x))
    v = L.broadcast_to(v, target)
    return x, idx, v


def index_add(x: Any, idx: Any, v: Any) -> Any:
    """``x`` with ``v`` added at ``idx`` (repeated indices accumulate), as a new array.

    Examples
    --------
    >>> import numpy as np
    >>> index_add(np.zeros(3), [0, 0], 1.0)
    array([2., 0., 0.])
    """
    x, idx, v = _prep(x, idx, v)
    return add(x, L.scatter_add(v, idx, tuple(shape_of(x))))


def index_set(x: Any, idx: Any, v: Any) -> Any:
    """``x`` with ``x[idx] = v``, as a new array (linear in ``x`` and ``v`` jointly)."""
    x, idx, v = _prep(x, idx, v)
    shape = tuple(shape_of(x))
    mask = np.ones(shape, dtype=bool)
    mask[idx] = False
    # positions written several times keep one value, as NumPy's assignment does: take the
    # last write of v by scattering a selector of ones and dividing out duplicates
    count = np.zeros(shape)
    np.add.at(count, idx, 1.0)
    keep = L.where(mask, x, np.zeros((), dtype_of(x)))
    scattered = L.scatter_add(v, idx, shape)
    if count.max(initial=0) > 1:
        scattered = L.div(scattered, np.where(count > 0, count, 1.0))
    return add(keep, scattered)


def index_multiply(x: Any, idx: Any, v: Any) -> Any:
    """``x`` with ``x[idx] *= v``, as a new array."""
    x = x if isinstance(x, Tracer) else np.asarray(x)
    idx_n = normalize_index(idx, tuple(shape_of(x)))
    sub = L.getitem(x, idx_n) if isinstance(x, Tracer) else x[idx_n]
    return index_add(x, idx, subtract(multiply(sub, v), sub))
