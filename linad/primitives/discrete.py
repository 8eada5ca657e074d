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

from ..core import Primitive
from .rules import defjvp

__all__ = ["comparison_p", "greater_p", "greater_equal_p", "less_p", "less_equal_p", "equal_p",
           "not_equal_p", "cast_p", "argsort_p"]


# ============================================================================ comparisons

def _comparison(name: str) -> Primitive:
    """The primitive of the NumPy comparison ufunc ``name``: boolean, no tangent."""
    prim = Primitive(name, getattr(np, name))
    defjvp(prim, None, None)
    return prim


#: The comparison primitives by the name of their NumPy ufunc.
comparison_p = {name: _comparison(name) for name in
                ("greater", "greater_equal", "less", "less_equal", "equal", "not_equal")}
greater_p, greater_equal_p, less_p, less_equal_p, equal_p, not_equal_p = comparison_p.values()


# ============================================================================ casts

def _cast_impl(x, *, dtype):
    return np.asarray(x).astype(dtype)


cast_p = Primitive("cast", _cast_impl)
defjvp(cast_p, None)


# ============================================================================ sorting

def _argsort_impl(x, *, axis, kind):
    return np.argsort(x, axis=axis, kind=kind)


argsort_p = Primitive("argsort", _argsort_impl)
defjvp(argsort_p, None)
