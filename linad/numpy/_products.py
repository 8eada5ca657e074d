r"""Products of ``linad.numpy``: vdot, inner, outer, cross, multi_dot, vecdot, matvec, vecmat.

(``einsum``, ``matmul``, ``dot`` and ``tensordot`` are in ``_core``.)  Each product
is one multilinear ``einsum`` (or ``mul``), so its JVP is the sum of the product
with one operand replaced by its tangent at a time, e.g.
:math:`d(a \times b) = da \times b + a \times db`, and reverse mode transposes
the einsum in the tangent operand.  No conjugation is implied anywhere except
where NumPy conjugates: ``vdot``, ``vecdot`` and ``vecmat`` conjugate their first
argument, as NumPy does, and their derivative in it is conjugated accordingly.
"""
from __future__ import annotations

import string
from typing import Any, Sequence

import numpy as np

from ..core import shape_of
from ..primitives import linear as L
from ._core import conj, dot, einsum, matmul, multiply, subtract
from ._dispatch import implements
from ._shape import _arr, _ndim, moveaxis, normalize_axis_index, ravel, reshape

__all__ = ["vdot", "inner", "outer", "cross"]  # multi_dot is lnp.linalg.multi_dot

_LETTERS = string.ascii_letters
_SUBLIST_LETTERS = string.ascii_uppercase + string.ascii_lowercase  # NumPy's order for ints


def einsum_subscripts(first: Any, rest: Sequence) -> tuple[str, list]:
    """The subscripts string and operands of the interleaved form
    ``einsum(op0, sublist0, op1, sublist1, ..., [sublist_out])``.

    Examples
    --------
    >>> import numpy as np
    >>> einsum_subscripts(np.ones((2, 3)), [[0, 1], np.ones(3), [1], [0]])[0]
    'AB,B->A'
    """
    args = [first] + list(rest)
    ops, subs = args[0::2], args[1::2]
    out = None
    if len(args) % 2:  # an odd count: the last argument is the output sublist
        out = args[-1]
        ops = ops[:-1]

    def letters(sub: Sequence) -> str:
        parts = []
        for s in sub:
            if s is Ellipsis:
                parts.append("...")
            else:
                k = int(s)
                if not 0 <= k < len(_SUBLIST_LETTERS):
                    raise ValueError(f"einsum: subscript {k} is not in [0, 52)")
                parts.append(_SUBLIST_LETTERS[k])
        return "".join(parts)

    spec = ",".join(letters(s) for s in subs)
    if out is not None:
        spec += "->" + letters(out)
    return spec, ops


@implements(np.vdot)
def vdot(a: Any, b: Any) -> Any:
    """``sum(conj(a) * b)`` over the flattened arrays (``np.vdot``; conjugates ``a``).

    Examples
    --------
    >>> import numpy as np, linad.numpy as lnp
    >>> complex(lnp.vdot(np.array([1j, 2.0]), np.array([1.0, 1j])))
    1j
    """
    a, b = ravel(_arr(a)), ravel(_arr(b))
    if shape_of(a) != shape_of(b):
        raise ValueError("vdot: vectors have different lengths")
    return einsum("i,i->", conj(a), b)


@implements(np.inner)
def inner(a: Any, b: Any) -> Any:
    """Sum product over the last axes (``np.inner``); shape ``a.shape[:-1] + b.shape[:-1]``.

    Examples
    --------
    >>> import numpy as np, linad.numpy as lnp
    >>> lnp.inner(np.ones((2, 3)), np.arange(3.0))
    array([3., 3.])
    """
    a, b = _arr(a), _arr(b)
    na, nb = _ndim(a), _ndim(b)
    if na == 0 or nb == 0:
        return multiply(a, b)
    la, lb = _LETTERS[:na - 1], _LETTERS[na - 1:na + nb - 2]
    return einsum(f"{la}z,{lb}z->{la}{lb}", a, b)


@implements(np.outer)
def outer(a: Any, b: Any, out: Any = None) -> Any:
    """Outer product of the flattened arrays (``np.outer``).

    Examples
    --------
    >>> import numpy as np, linad.numpy as lnp
    >>> lnp.outer(np.array([1.0, 2.0]), np.array([1.0, 10.0]))
    array([[ 1., 10.],
           [ 2., 20.]])
    """
    if out is not None:
        raise TypeError("outer: out= is not supported on traced values")
    return einsum("i,j->ij", ravel(_arr(a)), ravel(_arr(b)))


_CROSS_NEXT = np.array([1, 2, 0])
_CROSS_PREV = np.array([2, 0, 1])


@implements(np.cross)
def cross(a: Any, b: Any, axisa: int = -1, axisb: int = -1, axisc: int = -1,
          axis: int | None = None) -> Any:
    """Cross product of 3-vectors (or 2-vectors, giving the z component) (``np.cross``).

    ``a x b = a[next] * b[prev] - a[prev] * b[next]`` with ``next = (1, 2, 0)``,
    ``prev = (2, 0, 1)``; a 2-vector is padded with a zero z component when the
    other operand is a 3-vector.

    Examples
    --------
    >>> import numpy as np, linad.numpy as lnp
    >>> lnp.cross(np.array([1.0, 0.0, 0.0]), np.array([0.0, 1.0, 0.0]))
    array([0., 0., 1.])
    """
    if axis is not None:
        axisa = axisb = axisc = axis
    a, b = _arr(a), _arr(b)
    a = moveaxis(a, normalize_axis_index(axisa, _ndim(a)), -1)
    b = moveaxis(b, normalize_axis_index(axisb, _ndim(b)), -1)
    na, nb = shape_of(a)[-1], shape_of(b)[-1]
    if na not in (2, 3) or nb not in (2, 3):
        raise ValueError("incompatible dimensions for cross product\n"
                         "(dimension must be 2 or 3)")
    if na == 2 and nb == 2:
        return subtract(multiply(a[..., 0], b[..., 1]), multiply(a[..., 1], b[..., 0]))
    a, b = _to_3(a), _to_3(b)
    c = subtract(multiply(a[..., _CROSS_NEXT], b[..., _CROSS_PREV]),
                 multiply(a[..., _CROSS_PREV], b[..., _CROSS_NEXT]))
    return moveaxis(c, -1, normalize_axis_index(axisc, _ndim(c)))


def _to_3(v: Any) -> Any:
    """A vector (last axis) of length 3: a 2-vector gets a zero third component."""
    shape = tuple(shape_of(v))
    if shape[-1] == 3:
        return v
    return L.scatter_add(v, (Ellipsis, slice(0, 2)), shape[:-1] + (3,))


# ============================================================================ multi_dot

def _chain_order(dims: list[int]) -> list[list[int]]:
    """Optimal parenthesisation of a matrix chain (``split[i][j]``): classic O(n^3) DP."""
    n = len(dims) - 1
    cost = [[0] * n for _ in range(n)]
    split = [[0] * n for _ in range(n)]
    for length in range(1, n):
        for i in range(n - length):
            j = i + length
            cost[i][j] = None
            for k in range(i, j):
                c = cost[i][k] + cost[k + 1][j] + dims[i] * dims[k + 1] * dims[j + 1]
                if cost[i][j] is None or c < cost[i][j]:
                    cost[i][j], split[i][j] = c, k
    return split


@implements(np.linalg.multi_dot)
def multi_dot(arrays: Sequence, *, out: Any = None) -> Any:
    """Product of a chain of matrices in the cheapest order (``np.linalg.multi_dot``).

    The first array may be 1-D (a row vector) and the last 1-D (a column vector).

    Examples
    --------
    >>> import numpy as np
    >>> multi_dot([np.ones(3), np.ones((3, 4)), np.ones((4, 2))])
    array([12., 12.])
    """
    if out is not None:
        raise TypeError("multi_dot: out= is not supported on traced values")
    arrays = [_arr(a) for a in arrays]
    n = len(arrays)
    if n < 2:
        raise ValueError("Expecting at least two arrays.")
    if n == 2:
        return dot(arrays[0], arrays[1])
    first_1d, last_1d = _ndim(arrays[0]) == 1, _ndim(arrays[-1]) == 1
    if first_1d:
        arrays[0] = reshape(arrays[0], (1, -1))
    if last_1d:
        arrays[-1] = reshape(arrays[-1], (-1, 1))
    for k, a in enumerate(arrays):
        if _ndim(a) != 2:
            raise np.linalg.LinAlgError(f"{_ndim(a)}-dimensional array given. Array must be "
                                        "two-dimensional")
    dims = [shape_of(arrays[0])[0]] + [shape_of(a)[1] for a in arrays]
    split = _chain_order(dims)

    def product(i: int, j: int) -> Any:
        if i == j:
            return arrays[i]
        k = split[i][j]
        return matmul(product(i, k), product(k + 1, j))

    res = product(0, n - 1)
    if first_1d and last_1d:
        return reshape(res, ())
    if first_1d or last_1d:
        return reshape(res, (-1,))
    return res


# ============================================================================ NumPy 2 ufuncs

def _vecdot(x1: Any, x2: Any, axis: int = -1) -> Any:
    """``sum(conj(x1) * x2, axis)`` with broadcasting (``np.vecdot``).

    Examples
    --------
    >>> import numpy as np, linad.numpy as lnp
    >>> lnp.vecdot(np.ones((2, 3)), np.arange(3.0))
    array([3., 3.])
    """
    x1, x2 = _arr(x1), _arr(x2)
    x1 = moveaxis(x1, normalize_axis_index(axis, _ndim(x1)), -1)
    x2 = moveaxis(x2, normalize_axis_index(axis, _ndim(x2)), -1)
    return einsum("...i,...i->...", conj(x1), x2)


def _matvec(x1: Any, x2: Any) -> Any:
    """Matrix-vector product over the last axes, with broadcasting (``np.matvec``).

    Examples
    --------
    >>> import numpy as np, linad.numpy as lnp
    >>> lnp.matvec(np.eye(2), np.array([1.0, 2.0]))
    array([1., 2.])
    """
    return einsum("...ij,...j->...i", _arr(x1), _arr(x2))


def _vecmat(x1: Any, x2: Any) -> Any:
    """``conj(x1)`` times a matrix over the last axes, with broadcasting (``np.vecmat``).

    Examples
    --------
    >>> import numpy as np, linad.numpy as lnp
    >>> lnp.vecmat(np.array([1.0, 2.0]), np.eye(2))
    array([1., 2.])
    """
    return einsum("...i,...ij->...j", conj(_arr(x1)), _arr(x2))


for _name, _fn in (("vecdot", _vecdot), ("matvec", _matvec), ("vecmat", _vecmat)):
    if hasattr(np, _name):
        _fn.__name__ = _name
        globals()[_name] = implements(getattr(np, _name))(_fn)
        __all__.append(_name)
