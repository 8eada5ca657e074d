"""Building arrays from traced values."""
from __future__ import annotations

from typing import Any

import numpy as np

from ..core import Tracer, shape_of
from ..primitives import linear as L

__all__ = ["array_from_nested", "stack"]


def stack(arrays: list, axis: int = 0) -> Any:
    """Join arrays of equal shape along a new ``axis`` (``np.stack``)."""
    arrays = [a if isinstance(a, Tracer) else np.asarray(a) for a in arrays]
    shape = tuple(shape_of(arrays[0]))
    axis = axis % (len(shape) + 1)
    new = shape[:axis] + (1,) + shape[axis:]
    return L.concatenate([L.reshape(a, new) for a in arrays], axis)


def array_from_nested(x: Any) -> Any:
    """An array from (nested) lists or tuples that contain traced values."""
    if isinstance(x, (list, tuple)):
        return stack([array_from_nested(e) for e in x], 0)
    return x
