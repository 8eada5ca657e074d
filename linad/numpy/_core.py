"""The core of ``linad.numpy``: arithmetic, products, reductions and shape functions.

Every function works on NumPy arrays, Python scalars and traced values alike
and follows NumPy's signature and semantics; on traced values it records
linad primitives.
"""
from __future__ import annotations

import functools
import operator
import string
from typing import Any

import numpy as np

from ..core import Primitive, Tracer, bind, dtype_of, is_inexact, shape_of
from ..primitives import elementwise as E
from ..primitives import linear as L
from ..primitives.rules import defjvp
from ._dispatch import implements

__all__ = [
    "add", "subtract", "multiply", "divide", "true_divide", "negative", "positive", "power",
    "matmul", "dot", "tensordot", "trace",
    "einsum", "sum", "mean", "where",
    "real", "imag", "conj", "conjugate", "asarray", "astype", "ndim", "shape", "size",
    "greater", "greater_equal", "less", "less_equal", "equal", "not_equal",
    "normalize_axes", "stop_gradient",
]


#: Operands that are constants to every trace and need no conversion.
CONSTANT_TYPES = (np.ndarray, np.generic, int, float, complex)
#: Operand types the primitives take as they are (anything else goes through ``asarray``).
ARRAY_TYPES = (Tracer,) + CONSTANT_TYPES


def _asarray_if_needed(x: Any) -> Any:
    if isinstance(x, ARRAY_TYPES):
        return x
    return asarray(x)


# ============================================================================ arithmetic

@implements(np.add)
def add(x: Any, y: Any) -> Any:
    """``x + y`` with broadcasting.

    Examples
    --------
    >>> import linad.numpy as lnp
    >>> lnp.add(1.0, 2.0)
    np.float64(3.0)
    """
    return bind(L.add_p, _asarray_if_needed(x), _asarray_if_needed(y))


@implements(np.subtract)
def subtract(x: Any, y: Any) -> Any:
    """``x - y`` with broadcasting.

    Examples
    --------
    >>> import numpy as np, linad, linad.numpy as lnp
    >>> linad.grad(lambda x: lnp.subtract(1.0, x))(2.0)
    array(-1.)
    """
    return bind(L.sub_p, _asarray_if_needed(x), _asarray_if_needed(y))


@implements(np.multiply)
def multiply(x: Any, y: Any) -> Any:
    """``x * y`` with broadcasting.

    Examples
    --------
    >>> import numpy as np, linad, linad.numpy as lnp
    >>> linad.grad(lambda x: lnp.multiply(x, x))(3.0)
    array(6.)
    """
    return bind(L.mul_p, _asarray_if_needed(x), _asarray_if_needed(y))


@implements(np.divide, np.true_divide)
def divide(x: Any, y: Any) -> Any:
    """``x / y`` with broadcasting (true division).

    Examples
    --------
    >>> import numpy as np, linad, linad.numpy as lnp
    >>> linad.grad(lambda x: lnp.divide(1.0, x))(2.0)
    array(-0.25)
    """
    x, y = _asarray_if_needed(x), _asarray_if_needed(y)
    if isinstance(y, Tracer) and _is_one(x):
        return _reciprocal(y)
    return L.div(x, y)


true_divide = divide


def _is_one(x: Any) -> bool:
    return isinstance(x, (int, float)) and x == 1


def _reciprocal(y: Any) -> Any:
    return L.div(1.0, y) if not isinstance(y, Tracer) else bind(reciprocal_p, y)


reciprocal_p = E.reciprocal_p


@implements(np.negative)
def negative(x: Any) -> Any:
    """``-x``.

    Examples
    --------
    >>> import numpy as np, linad, linad.numpy as lnp
    >>> linad.jvp(lnp.negative, (1.0,), (2.0,))[1]
    array(-2.)
    """
    return L.neg(_asarray_if_needed(x))


@implements(np.positive)
def positive(x: Any) -> Any:
    """``+x`` (returns ``x``).

    Examples
    --------
    >>> import numpy as np, linad, linad.numpy as lnp
    >>> lnp.positive(np.array([1.0, -2.0]))
    array([ 1., -2.])
    """
    return x


@implements(np.power)
def power(x: Any, y: Any) -> Any:
    """``x ** y`` elementwise; differentiable in both operands.

    Examples
    --------
    >>> import numpy as np, linad, linad.numpy as lnp
    >>> linad.grad(lambda x: lnp.power(x, 3))(2.0)
    array(12.)
    """
    return E.power(_asarray_if_needed(x), _asarray_if_needed(y))


# ============================================================================ comparisons (no tangent)

def _comparison(name: str, fn) -> Primitive:
    prim = Primitive(name, fn)
    defjvp(prim, None, None)
    return prim


_cmp_prims = {name: _comparison(name, getattr(np, name)) for name in
              ("greater", "greater_equal", "less", "less_equal", "equal", "not_equal")}


def _cmp(name: str):
    prim = _cmp_prims[name]

    @implements(getattr(np, name))
    def cmp(x: Any, y: Any) -> Any:
        return bind(prim, x, y)
    cmp.__name__ = name
    cmp.__doc__ = (f"Elementwise ``np.{name}``; a concrete boolean output, no tangent.\n\n"
                   "    Examples\n    --------\n"
                   "    >>> import numpy as np, linad.numpy as lnp\n"
                   f"    >>> lnp.{name}(np.array([1.0, 2.0]), 2.0)\n"
                   f"    {getattr(np, name)(np.array([1.0, 2.0]), 2.0)!r}\n")
    return cmp


greater = _cmp("greater")
greater_equal = _cmp("greater_equal")
less = _cmp("less")
less_equal = _cmp("less_equal")
equal = _cmp("equal")
not_equal = _cmp("not_equal")

stop_gradient_p = E.stop_gradient_p


def stop_gradient(x: Any) -> Any:
    """``x`` treated as a constant: its derivative is zero.

    Examples
    --------
    >>> import numpy as np, linad
    >>> linad.grad(lambda x: x * linad.stop_gradient(x))(3.0)
    array(3.)
    """
    return bind(stop_gradient_p, x)


# ============================================================================ complex parts

@implements(np.real)
def real(x: Any) -> Any:
    """Real part.

    Examples
    --------
    >>> import numpy as np, linad, linad.numpy as lnp
    >>> linad.grad(lambda z: lnp.real(z) ** 2)(np.array(3.0 + 1.0j))
    array(6.+0.j)
    """
    return L.real(x)


@implements(np.imag)
def imag(x: Any) -> Any:
    """Imaginary part (zeros for real input).

    Examples
    --------
    >>> import numpy as np, linad, linad.numpy as lnp
    >>> lnp.imag(np.array([1.0 + 2.0j]))
    array([2.])
    """
    if dtype_of(x).kind != "c":
        return L.mul(x, 0.0)
    return L.imag(x)


@implements(np.conj, np.conjugate)
def conj(x: Any) -> Any:
    """Complex conjugate.

    Examples
    --------
    >>> import numpy as np, linad, linad.numpy as lnp
    >>> lnp.conj(np.array([1.0 + 2.0j]))
    array([1.-2.j])
    """
    return L.conj(x)


conjugate = conj


# ============================================================================ creation / dtype

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
        from ._creation import array_from_nested  # noqa: F401  (issue 3 family)
        out = array_from_nested(x)
        return astype(out, dtype) if dtype is not None else out
    return np.asarray(x, dtype=dtype)


array = asarray


def _contains_tracer(x: Any) -> bool:
    if isinstance(x, Tracer):
        return True
    if isinstance(x, (list, tuple)):
        return any(_contains_tracer(e) for e in x)
    return False


cast_p = Primitive("cast", lambda x, *, dtype: np.asarray(x).astype(dtype))
defjvp(cast_p, None)


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


@implements(np.ndim)
def ndim(x: Any) -> int:
    """Number of dimensions.

    Examples
    --------
    >>> import numpy as np, linad, linad.numpy as lnp
    >>> lnp.ndim(np.ones((2, 3)))
    2
    """
    return len(shape_of(x))


@implements(np.shape)
def shape(x: Any) -> tuple:
    """Shape of an array or traced value.

    Examples
    --------
    >>> import numpy as np, linad, linad.numpy as lnp
    >>> lnp.shape(np.ones((2, 3)))
    (2, 3)
    """
    return tuple(shape_of(x))


@implements(np.size)
def size(x: Any, axis: int | None = None) -> int:
    """Number of elements (along ``axis`` if given).

    Examples
    --------
    >>> import numpy as np, linad, linad.numpy as lnp
    >>> lnp.size(np.ones((2, 3)))
    6
    """
    s = shape_of(x)
    return int(np.prod(s, dtype=np.int64)) if axis is None else s[axis]


# ============================================================================ products

_LETTERS = string.ascii_letters


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
        from ._products import einsum_subscripts
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


@implements(np.matmul)
def matmul(a: Any, b: Any) -> Any:
    """Matrix product with NumPy's ``@`` rules (1-D operands, stacked broadcasting).

    Examples
    --------
    >>> import numpy as np, linad, linad.numpy as lnp
    >>> A = np.array([[1.0, 2.0], [3.0, 4.0]])
    >>> linad.grad(lambda x: (A @ x).sum())(np.ones(2))
    array([4., 6.])
    """
    a, b = _asarray_if_needed(a), _asarray_if_needed(b)
    sha, shb = shape_of(a), shape_of(b)
    na, nb = len(sha), len(shb)
    if na == 2 and nb == 2 and sha[1] == shb[0]:  # the common case: no normalisation needed
        return L.einsum("ij,jk->ik", a, b)
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
    """
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


# ============================================================================ reductions

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


@implements(np.sum)
def sum(a: Any, axis: Any = None, dtype: Any = None, out: Any = None, keepdims: bool = False,
        initial: Any = None, where: Any = None) -> Any:
    """Sum over ``axis`` (``np.sum``).

    Examples
    --------
    >>> import numpy as np, linad, linad.numpy as lnp
    >>> linad.grad(lambda x: lnp.sum(x, axis=0).prod())(np.ones((2, 2)))
    array([[2., 2.],
           [2., 2.]])
    """
    if out is not None or where is not None:
        raise TypeError("sum: out= and where= are not supported on traced values")
    a = _asarray_if_needed(a)
    if not isinstance(a, Tracer):
        a = np.asarray(a)
    if dtype is not None:
        a = astype(a, dtype)
    res = L.reduce_sum(a, normalize_axes(axis, len(shape_of(a))), keepdims)
    if initial is not None:
        res = add(res, initial)
    return res


@implements(np.mean)
def mean(a: Any, axis: Any = None, dtype: Any = None, out: Any = None, keepdims: bool = False,
         where: Any = None) -> Any:
    """Arithmetic mean over ``axis`` (``np.mean``).

    Examples
    --------
    >>> import numpy as np, linad, linad.numpy as lnp
    >>> linad.grad(lnp.mean)(np.ones(4))
    array([0.25, 0.25, 0.25, 0.25])
    """
    if out is not None or where is not None:
        raise TypeError("mean: out= and where= are not supported on traced values")
    a = _asarray_if_needed(a)
    if not isinstance(a, Tracer):
        a = np.asarray(a)
    if not is_inexact(dtype_of(a)):
        a = astype(a, np.float64)
    if dtype is not None:
        a = astype(a, dtype)
    axes = normalize_axes(axis, len(shape_of(a)))
    n = int(np.prod([shape_of(a)[i] for i in axes], dtype=np.int64))
    return L.div(L.reduce_sum(a, axes, keepdims), n) if n else L.mul(L.reduce_sum(a, axes, keepdims), np.nan)


@implements(np.where)
def where(condition: Any, x: Any = None, y: Any = None) -> Any:
    """Elementwise selection; ``condition`` must be concrete (comparisons on traced values are).

    Examples
    --------
    >>> import numpy as np, linad, linad.numpy as lnp
    >>> x = np.array([-1.0, 2.0])
    >>> linad.grad(lambda x: lnp.where(x > 0, x ** 2, x).sum())(x)
    array([1., 4.])
    """
    if x is None and y is None:
        return np.nonzero(condition)
    if isinstance(condition, Tracer):
        raise TypeError("where: the condition must be a concrete boolean array")
    cond = np.asarray(condition, dtype=bool)
    return L.where(cond, _asarray_if_needed(x), _asarray_if_needed(y))


# The shape functions and index normalisation live in _shape.py and _indexing.py (issue 3);
# re-exported here for modules that import them from _core.
from ._shape import reshape, transpose, broadcast_to, concatenate  # noqa: E402,F401
from ._indexing import normalize_index  # noqa: E402,F401
