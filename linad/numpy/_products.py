r"""Products of ``linad.numpy``: einsum, matmul, dot, tensordot, trace, vdot, inner, outer,
cross, multi_dot, vecdot, matvec, vecmat.

``einsum`` normalises NumPy's subscripts (implicit output, ``...``, repeated indices,
size-1 broadcasting, the interleaved sublist form) to linad's canonical ``einsum``
primitive, whose transpose is again an einsum.  Each product
is one multilinear ``einsum`` (or ``mul``), so its JVP is the sum of the product
with one operand replaced by its tangent at a time, e.g.
:math:`d(a \times b) = da \times b + a \times db`, and reverse mode transposes
the einsum in the tangent operand.  No conjugation is implied anywhere except
where NumPy conjugates: ``vdot``, ``vecdot`` and ``vecmat`` conjugate their first
argument, as NumPy does, and their derivative in it is conjugated accordingly.
"""
from __future__ import annotations

import functools
import string
from typing import Any, Sequence

import numpy as np
from scipy.sparse import issparse as _issparse

from ..core import Tracer, shape_of
from ..primitives import linear as L
from ..primitives.sparse import sparse_matmul, sparse_rmatmul
from ._base import _arr, _asarray_if_needed, _ndim, asarray, astype, normalize_axis_index
from ._core import conj, multiply, subtract
from ._dispatch import implements
from ._shape import moveaxis, ravel, reshape, transpose

__all__ = ["einsum", "matmul", "dot", "tensordot", "trace",
           "vdot", "inner", "outer", "cross"]  # multi_dot is lnp.linalg.multi_dot


def issparse(x: Any) -> bool:
    """``scipy.sparse.issparse`` with the common operands (arrays, tracers) answered first."""
    return type(x) is not np.ndarray and not isinstance(x, Tracer) and _issparse(x)


_LETTERS = string.ascii_letters
_SUBLIST_LETTERS = string.ascii_uppercase + string.ascii_lowercase  # NumPy's order for ints


# ============================================================================ einsum

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


@implements(np.einsum)
def einsum(subscripts: str, *operands: Any, optimize: Any = False, **kwargs: Any) -> Any:
    """Einstein summation with NumPy's full syntax.

    Implicit output, ``...`` with broadcasting, repeated indices (diagonals,
    traces) are normalised to linad's canonical ``einsum`` primitive, whose
    transpose is again an einsum.  ``optimize`` is accepted and ignored (the
    two-operand case always runs through BLAS).

    Examples
    --------
    >>> import numpy as np, linad.numpy as lnp
    >>> float(lnp.einsum("ii", np.eye(3)))
    3.0
    """
    dtype = kwargs.pop("dtype", None)
    kwargs.pop("order", None)
    kwargs.pop("casting", None)
    if kwargs:
        raise TypeError(f"einsum: unsupported keyword arguments {sorted(kwargs)} (out= would "
                        "write in place; use the returned array)")
    if not isinstance(subscripts, str):  # interleaved form einsum(a, [0, 1], b, [1], [0])
        subscripts, operands = einsum_subscripts(subscripts, operands)
    operands = [o if isinstance(o, (Tracer, np.ndarray)) else asarray(o) for o in operands]
    spec, reshapes = normalize_einsum(subscripts, tuple(tuple(shape_of(o)) for o in operands))
    operands = [o if r is None else L.reshape(o, r) for o, r in zip(operands, reshapes)]
    res = L.einsum(spec, *operands)
    return astype(res, dtype) if dtype is not None else res


@functools.lru_cache(maxsize=2048)
def normalize_einsum(subscripts: str, shapes: tuple) -> tuple[str, tuple]:
    """Canonical spec (explicit output, no ellipsis, no size-1 broadcasting) for ``shapes``.

    Returns the spec and, per operand, the shape to reshape it to (dropping size-1
    axes that broadcast against a larger size) or None.
    """
    spec = subscripts.replace(" ", "")
    if "->" in spec:
        lhs, out = spec.split("->")
    else:
        lhs, out = spec, None
    ins = lhs.split(",")
    if len(ins) != len(shapes):
        raise ValueError(f"einsum: {len(ins)} operand subscripts for {len(shapes)} operands")
    used = set(spec) - set(".,->")
    fresh = [c for c in _LETTERS if c not in used]
    nd_ell = 0
    for s, shp in zip(ins, shapes):
        if "..." in s:
            nd_ell = max(nd_ell, len(shp) - (len(s) - 3))
    ell = "".join(fresh[:nd_ell])
    new_ins = []
    for s, shp in zip(ins, shapes):
        if "..." in s:
            k = len(shp) - (len(s) - 3)
            s = s.replace("...", ell[nd_ell - k:] if k else "")
        if len(s) != len(shp):
            raise ValueError(f"einsum: subscripts {s!r} do not match an operand of shape {shp}")
        new_ins.append(s)
    if out is None:
        counts: dict[str, int] = {}
        for s in new_ins:
            for c in s:
                counts[c] = counts.get(c, 0) + 1
        out = ell + "".join(sorted(c for c, n in counts.items() if n == 1 and c not in ell))
    else:
        if "..." not in out and nd_ell:
            raise ValueError("einsum: the output has no '...' for the dimensions that '...' "
                             "covers in the inputs")
        out = out.replace("...", ell)
    for c in out:
        if out.count(c) > 1:
            raise ValueError(f"einsum: output subscript {c!r} appears more than once")
        if not any(c in s for s in new_ins):
            raise ValueError(f"einsum: output subscript {c!r} never appears in an input")
    # size-1 broadcasting: drop a size-1 axis whose letter has a larger size elsewhere
    size: dict[str, int] = {}
    for s, shp in zip(new_ins, shapes):
        for c, n in zip(s, shp):
            if n != 1:
                if size.get(c, n) != n:
                    raise ValueError(f"einsum: index {c!r} has sizes {size[c]} and {n}")
                size[c] = n
    final_ins, reshapes = [], []
    for s, shp in zip(new_ins, shapes):
        drop = [i for i, (c, n) in enumerate(zip(s, shp)) if n == 1 and size.get(c, 1) != 1]
        if drop:
            keep = [i for i in range(len(s)) if i not in drop]
            reshapes.append(tuple(shp[i] for i in keep))
            s = "".join(s[i] for i in keep)
        else:
            reshapes.append(None)
        final_ins.append(s)
    return ",".join(final_ins) + "->" + out, tuple(reshapes)


# ============================================================================ matmul, dot, tensordot, trace

@implements(np.matmul)
def matmul(a: Any, b: Any) -> Any:
    """Matrix product with NumPy's ``@`` rules (1-D operands, stacked broadcasting).

    Examples
    --------
    >>> import numpy as np, linad, linad.numpy as lnp
    >>> A = np.array([[1.0, 2.0], [3.0, 4.0]])
    >>> linad.grad(lambda x: (A @ x).sum())(np.ones(2))
    array([4., 6.])

    A constant ``scipy.sparse`` operand (of shape (m, n), with a 1-D or 2-D other
    operand) is multiplied without densifying it (:mod:`linad.primitives.sparse`):

    >>> import scipy.sparse as sp
    >>> S = sp.csr_array(A)
    >>> linad.grad(lambda x: lnp.matmul(x, S).sum())(np.ones(2))
    array([3., 7.])
    """
    if issparse(a) or issparse(b):
        return _sparse_product("matmul", a, b)
    a, b = _asarray_if_needed(a), _asarray_if_needed(b)
    sha, shb = shape_of(a), shape_of(b)
    na, nb = len(sha), len(shb)
    if na == 2 and nb == 2 and sha[1] == shb[0]:  # the common cases: no normalisation needed
        return L.einsum("ij,jk->ik", a, b)
    if na == 1 and nb == 1 and sha[0] == shb[0]:
        return L.einsum("j,j->", a, b)
    if na == 0 or nb == 0:
        raise ValueError("matmul: input operand does not have enough dimensions")
    sa = "...ij" if na > 1 else "j"
    sb = "...jk" if nb > 1 else "j"
    so = ("..." if na > 1 or nb > 1 else "") + ("i" if na > 1 else "") + ("k" if nb > 1 else "")
    return einsum(f"{sa},{sb}->{so}", a, b)


@implements(np.dot)
def dot(a: Any, b: Any) -> Any:
    """``np.dot``: sum over the last axis of ``a`` and the second-to-last of ``b``.

    Examples
    --------
    >>> import numpy as np, linad, linad.numpy as lnp
    >>> linad.grad(lambda x: lnp.dot(x, x))(np.array([1.0, 2.0]))
    array([2., 4.])

    With a constant ``scipy.sparse`` operand, ``dot`` is the product of :func:`matmul`.
    """
    if issparse(a) or issparse(b):
        return _sparse_product("dot", a, b)
    a, b = _asarray_if_needed(a), _asarray_if_needed(b)
    na, nb = len(shape_of(a)), len(shape_of(b))
    if na == 0 or nb == 0:
        return multiply(a, b)
    la = _LETTERS[:na - 1]
    lb = _LETTERS[na - 1:na - 1 + nb]
    if nb == 1:
        return einsum(f"{la}z,z->{la}", a, b)
    sb = lb[:nb - 2] + "z" + lb[nb - 1]
    return einsum(f"{la}z,{sb}->{la}{lb[:nb - 2]}{lb[nb - 1]}", a, b)


def _sparse_product(name: str, a: Any, b: Any) -> Any:
    """``a @ b`` where one operand is a constant ``scipy.sparse`` matrix (or array)."""
    if issparse(a) and issparse(b):
        raise TypeError(f"{name}: both operands are scipy.sparse matrices; multiply them with "
                        "SciPy (a @ b): linad differentiates products with one sparse constant")
    return sparse_matmul(a, b) if issparse(a) else sparse_rmatmul(a, b)


@implements(np.tensordot)
def tensordot(a: Any, b: Any, axes: Any = 2) -> Any:
    """``np.tensordot``.

    Examples
    --------
    >>> import numpy as np, linad, linad.numpy as lnp
    >>> lnp.tensordot(np.ones((2, 3)), np.ones((3, 4)), axes=1).shape
    (2, 4)
    """
    a, b = _asarray_if_needed(a), _asarray_if_needed(b)
    na, nb = len(shape_of(a)), len(shape_of(b))
    if isinstance(axes, (int, np.integer)):
        ax_a = list(range(na - axes, na))
        ax_b = list(range(axes))
    else:
        ax_a, ax_b = axes
        ax_a = [ax_a] if isinstance(ax_a, (int, np.integer)) else list(ax_a)
        ax_b = [ax_b] if isinstance(ax_b, (int, np.integer)) else list(ax_b)
        ax_a = [x % na for x in ax_a]
        ax_b = [x % nb for x in ax_b]
    la = list(_LETTERS[:na])
    lb = list(_LETTERS[na:na + nb])
    for i, j in zip(ax_a, ax_b):
        lb[j] = la[i]
    out = [c for i, c in enumerate(la) if i not in ax_a] + [c for j, c in enumerate(lb) if j not in ax_b]
    return einsum(f"{''.join(la)},{''.join(lb)}->{''.join(out)}", a, b)


@implements(np.trace)
def trace(a: Any, offset: int = 0, axis1: int = 0, axis2: int = 1, dtype: Any = None,
          out: Any = None) -> Any:
    """Sum along a diagonal (``np.trace``).

    Examples
    --------
    >>> import numpy as np, linad, linad.numpy as lnp
    >>> linad.grad(lnp.trace)(np.ones((2, 2)))
    array([[1., 0.],
           [0., 1.]])
    """
    if out is not None:
        raise TypeError("trace: out= is not supported")
    a = _asarray_if_needed(a)
    nd = len(shape_of(a))
    axis1, axis2 = axis1 % nd, axis2 % nd
    rest = [i for i in range(nd) if i not in (axis1, axis2)]
    a = transpose(a, rest + [axis1, axis2])
    n1, n2 = shape_of(a)[-2:]
    if offset == 0 and n1 == n2:
        pass  # already square: no slicing
    elif offset >= 0:
        m = max(0, min(n1, n2 - offset))
        a = _getitem(a, (Ellipsis, slice(0, m), slice(offset, offset + m)))
    else:
        m = max(0, min(n1 + offset, n2))
        a = _getitem(a, (Ellipsis, slice(-offset, -offset + m), slice(0, m)))
    letters = _LETTERS[:len(rest)]
    res = einsum(f"{letters}zz->{letters}", a)
    return astype(res, dtype) if dtype is not None else res


def _getitem(x: Any, idx: tuple) -> Any:
    return L.getitem(x, idx) if isinstance(x, Tracer) else np.asarray(x)[idx]


# ============================================================================ vdot, inner, outer, cross

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
