r"""Shape functions of ``linad.numpy``: reshape, join, split, tile, flip, pad, diagonals.

Every function here is a composition of the linear primitives ``reshape``,
``transpose``, ``broadcast_to``, ``getitem`` / ``scatter_add``, ``concatenate``
and ``where`` (with constant masks), so no new primitive is needed:

* ``flip``, ``rot90``, ``split``: ``getitem`` with slices (negative steps for flips);
* ``roll``: ``concatenate`` of two slices;
* ``tile``, ``repeat`` (one count), ``kron``: ``reshape`` + ``broadcast_to`` (``mul``
  for ``kron``); ``repeat`` with per-element counts is a gather;
* ``pad``: mode ``"constant"`` embeds the array with ``scatter_add`` at slices
  (its transpose is the slice); ``"edge"``, ``"reflect"``, ``"symmetric"`` and
  ``"wrap"`` gather with the index map ``np.pad(arange(n), ...)`` along each axis,
  whose transpose accumulates (``scatter_add``) the padded entries into their sources;
* ``diagonal``: a gather of the positions ``(i, i + offset)``; ``diag`` of a vector
  scatters into those positions;
* ``triu``, ``tril``: ``where`` with the constant mask ``np.tri``;
* ``insert``, ``delete``, ``resize`` and ``sliding_window_view``: one gather whose
  index map is NumPy's own function applied to an array of element labels
  (``np.insert(labels, obj, value_labels)``), so every NumPy rule for ``obj``,
  ``axis`` and broadcasting carries over; ``append`` is a ``concatenate``.

Since every one of these maps is linear, its JVP is the same function applied to
the tangent, ``d f(x) = f(dx)``; reverse mode follows by transposing the primitives.
"""
from __future__ import annotations

import math
import operator
from typing import Any, Sequence

import numpy as np

from ..core import Tracer, dtype_of, shape_of
from ..primitives.elementwise import detached_value, value_dependence_error
from ..primitives import linear as L
from ._base import _along, _arr, _ndim, _np_funcs, astype, normalize_axis_index, \
    normalize_axis_tuple
from ._core import add, multiply
from ._dispatch import implements

__all__ = [
    "reshape", "ravel", "transpose", "permute_dims", "matrix_transpose", "moveaxis", "swapaxes",
    "expand_dims", "squeeze", "broadcast_to", "broadcast_arrays", "concatenate", "concat",
    "stack", "hstack", "vstack", "dstack", "column_stack", "row_stack", "split", "array_split",
    "hsplit", "vsplit", "dsplit", "unstack", "tile", "repeat", "flip", "fliplr", "flipud",
    "roll", "rot90", "pad", "atleast_1d", "atleast_2d", "atleast_3d", "diag", "diagonal",
    "diagflat", "triu", "tril", "kron", "block", "append", "insert", "delete", "resize",
    "sliding_window_view", "copy", "rollaxis", "apply_along_axis", "apply_over_axes",
    "trim_zeros",
]


def _getitem(x: Any, idx: tuple) -> Any:
    return L.getitem(x, idx)


# ============================================================================ reshape, ravel

def _resolve_shape(shape: tuple, size: int) -> tuple:
    """``shape`` with its one ``-1`` entry resolved against ``size`` (NumPy's errors)."""
    unknown = [i for i, s in enumerate(shape) if s == -1]
    if len(unknown) > 1:
        raise ValueError("can only specify one unknown dimension")
    if any(s < -1 for s in shape):
        raise ValueError("negative dimensions not allowed")
    known = math.prod([s for s in shape if s != -1])
    if unknown:
        if known == 0 or size % known:
            raise ValueError(f"cannot reshape array of size {size} into shape {shape}")
        shape = tuple(size // known if s == -1 else s for s in shape)
    elif known != size:
        raise ValueError(f"cannot reshape array of size {size} into shape {shape}")
    return shape


@implements(np.reshape)
def reshape(a: Any, *args: Any, shape: Any = None, order: str = "C", newshape: Any = None,
            copy: Any = None) -> Any:
    """Reshape ``a`` (``np.reshape``); one dimension may be -1; orders ``"C"`` and ``"F"``.

    Also accepts the method form ``x.reshape(2, 3)``.

    Examples
    --------
    >>> import numpy as np, linad.numpy as lnp
    >>> lnp.reshape(np.arange(6.0), (2, -1))
    array([[0., 1., 2.],
           [3., 4., 5.]])
    """
    if args:
        if len(args) >= 2 and isinstance(args[-1], str):  # reshape(a, shape, order) positional
            args, order = args[:-1], args[-1]
        shape = args[0] if len(args) == 1 else args
    elif shape is None:
        shape = newshape
    if shape is None:
        raise TypeError("reshape() missing the new shape")
    shape = (shape,) if isinstance(shape, (int, np.integer)) else tuple(shape)
    shape = tuple(operator.index(s) for s in shape)
    a = _arr(a)
    shape = _resolve_shape(shape, math.prod(shape_of(a)))
    if order == "F":
        return transpose(reshape(transpose(a), shape[::-1]))
    if order not in ("C", "A"):
        raise ValueError(f"reshape: order must be 'C', 'F' or 'A', not {order!r}")
    if shape == tuple(shape_of(a)):
        return a
    return L.reshape(a, shape)


@implements(np.ravel)
def ravel(a: Any, order: str = "C") -> Any:
    """Flatten to 1-D (``np.ravel``; orders ``"C"``, ``"F"``, ``"A"``, ``"K"`` as C/F).

    Examples
    --------
    >>> import numpy as np, linad.numpy as lnp
    >>> lnp.ravel(np.array([[1.0, 2.0], [3.0, 4.0]]), order="F")
    array([1., 3., 2., 4.])
    """
    return reshape(a, -1, order="F" if order == "F" else "C")


# ============================================================================ axes

@implements(np.transpose, *_np_funcs("permute_dims"))
def transpose(a: Any, axes: Any = None) -> Any:
    """Permute axes (``np.transpose``); reverses them by default.

    Examples
    --------
    >>> import numpy as np, linad.numpy as lnp
    >>> lnp.transpose(np.ones((2, 3, 4)), (1, 0, 2)).shape
    (3, 2, 4)
    """
    a = _arr(a)
    nd = _ndim(a)
    if axes is None:
        axes = tuple(range(nd))[::-1]
    else:
        axes = normalize_axis_tuple(tuple(axes), nd, "axes")
        if len(axes) != nd:
            raise ValueError("axes don't match array")
    if axes == tuple(range(nd)):
        return a
    return L.transpose(a, axes)


permute_dims = transpose


@implements(*_np_funcs("matrix_transpose"))
def matrix_transpose(x: Any) -> Any:
    """Swap the last two axes (``np.matrix_transpose``, ``x.mT``).

    Examples
    --------
    >>> import numpy as np, linad.numpy as lnp
    >>> lnp.matrix_transpose(np.ones((4, 2, 3))).shape
    (4, 3, 2)
    """
    x = _arr(x)
    if _ndim(x) < 2:
        raise ValueError("Input array must be at least 2-dimensional")
    return swapaxes(x, -1, -2)


@implements(np.moveaxis)
def moveaxis(a: Any, source: Any, destination: Any) -> Any:
    """Move axes to new positions, the others keeping their order (``np.moveaxis``).

    Examples
    --------
    >>> import numpy as np, linad.numpy as lnp
    >>> lnp.moveaxis(np.ones((2, 3, 4)), 0, -1).shape
    (3, 4, 2)
    """
    a = _arr(a)
    nd = _ndim(a)
    source = normalize_axis_tuple(source, nd, "source")
    destination = normalize_axis_tuple(destination, nd, "destination")
    if len(source) != len(destination):
        raise ValueError("`source` and `destination` arguments must have the same number "
                         "of elements")
    order = [n for n in range(nd) if n not in source]
    for dest, src in sorted(zip(destination, source)):
        order.insert(dest, src)
    return transpose(a, order)


@implements(np.swapaxes)
def swapaxes(a: Any, axis1: int, axis2: int) -> Any:
    """Interchange two axes (``np.swapaxes``).

    Examples
    --------
    >>> import numpy as np, linad.numpy as lnp
    >>> lnp.swapaxes(np.ones((2, 3, 4)), 0, 2).shape
    (4, 3, 2)
    """
    a = _arr(a)
    nd = _ndim(a)
    order = list(range(nd))
    i, j = normalize_axis_index(axis1, nd), normalize_axis_index(axis2, nd)
    order[i], order[j] = order[j], order[i]
    return transpose(a, order)


@implements(np.expand_dims)
def expand_dims(a: Any, axis: Any) -> Any:
    """Insert size-1 axes at the positions ``axis`` of the result (``np.expand_dims``).

    Examples
    --------
    >>> import numpy as np, linad.numpy as lnp
    >>> lnp.expand_dims(np.ones((2, 3)), (0, -1)).shape
    (1, 2, 3, 1)
    """
    a = _arr(a)
    axis = (axis,) if isinstance(axis, (int, np.integer)) else tuple(axis)
    out_nd = len(axis) + _ndim(a)
    axis = normalize_axis_tuple(axis, out_nd)
    rest = iter(shape_of(a))
    return reshape(a, tuple(1 if k in axis else next(rest) for k in range(out_nd)))


@implements(np.squeeze)
def squeeze(a: Any, axis: Any = None) -> Any:
    """Remove size-1 axes (all of them, or those in ``axis``) (``np.squeeze``).

    Examples
    --------
    >>> import numpy as np, linad.numpy as lnp
    >>> lnp.squeeze(np.ones((1, 3, 1))).shape
    (3,)
    """
    a = _arr(a)
    shape = tuple(shape_of(a))
    if axis is None:
        axes = tuple(k for k, n in enumerate(shape) if n == 1)
    else:
        axes = normalize_axis_tuple(axis, len(shape))
        if any(shape[k] != 1 for k in axes):
            raise ValueError("cannot select an axis to squeeze out which has size not equal "
                             "to one")
    return reshape(a, tuple(n for k, n in enumerate(shape) if k not in axes))


# ============================================================================ broadcasting

@implements(np.broadcast_to)
def broadcast_to(array: Any, shape: Any, subok: bool = False) -> Any:
    """Broadcast to ``shape`` (``np.broadcast_to``; transpose: sum over the broadcast axes).

    Examples
    --------
    >>> import numpy as np, linad.numpy as lnp
    >>> lnp.broadcast_to(np.array([1.0, 2.0]), (2, 2))
    array([[1., 2.],
           [1., 2.]])
    """
    shape = (shape,) if isinstance(shape, (int, np.integer)) else tuple(shape)
    a = _arr(array)
    np.broadcast_shapes(tuple(shape_of(a)), shape)  # NumPy's error if incompatible
    if any(s < 0 for s in shape):
        raise ValueError("all elements of broadcast shape must be non-negative")
    return L.broadcast_to(a, shape)


@implements(np.broadcast_arrays)
def broadcast_arrays(*args: Any, subok: bool = False) -> tuple:
    """Broadcast arrays against each other (``np.broadcast_arrays``).

    Examples
    --------
    >>> import numpy as np, linad.numpy as lnp
    >>> [a.shape for a in lnp.broadcast_arrays(np.ones(3), np.ones((2, 1)))]
    [(2, 3), (2, 3)]
    """
    arrays = [_arr(a) for a in args]
    shape = np.broadcast_shapes(*[tuple(shape_of(a)) for a in arrays])
    return tuple(broadcast_to(a, shape) for a in arrays)


# ============================================================================ joining

def _check_concat(arrays: list, axis: int) -> None:
    shapes = [tuple(shape_of(a)) for a in arrays]
    nd = len(shapes[0])
    for k, s in enumerate(shapes[1:], 1):
        if len(s) != nd:
            raise ValueError(
                "all the input array dimensions except for the concatenation axis must match "
                f"exactly, but array 0 has {nd} dimension(s) and array {k} has {len(s)}")
        for d in range(nd):
            if d != axis and s[d] != shapes[0][d]:
                raise ValueError(
                    "all the input array dimensions except for the concatenation axis must "
                    f"match exactly, but along dimension {d}, the array at index 0 has size "
                    f"{shapes[0][d]} and the array at index {k} has size {s[d]}")


@implements(np.concatenate, *_np_funcs("concat"))
def concatenate(arrays: Sequence, axis: int | None = 0, out: Any = None, dtype: Any = None,
                casting: str = "same_kind") -> Any:
    """Join arrays along an existing axis (``np.concatenate``); ``axis=None`` ravels first.

    Transpose: the cotangent is sliced back into the pieces.

    Examples
    --------
    >>> import numpy as np, linad.numpy as lnp
    >>> lnp.concatenate([np.zeros(2), np.ones(1)])
    array([0., 0., 1.])
    """
    if out is not None:
        raise TypeError("concatenate: out= is not supported on traced values (it writes in "
                        "place); use the returned array")
    arrays = [_arr(a) for a in arrays]
    if not arrays:
        raise ValueError("need at least one array to concatenate")
    if axis is None:
        arrays = [ravel(a) for a in arrays]
        axis = 0
    nd = _ndim(arrays[0])
    if nd == 0:
        raise ValueError("zero-dimensional arrays cannot be concatenated")
    axis = normalize_axis_index(axis, nd)
    _check_concat(arrays, axis)
    res = arrays[0] if len(arrays) == 1 else L.concatenate(arrays, axis)
    return astype(res, dtype) if dtype is not None else res


concat = concatenate


@implements(np.stack)
def stack(arrays: Sequence, axis: int = 0, out: Any = None, *, dtype: Any = None,
          casting: str = "same_kind") -> Any:
    """Join arrays of one shape along a new axis (``np.stack``).

    Examples
    --------
    >>> import numpy as np, linad.numpy as lnp
    >>> lnp.stack([np.zeros(2), np.ones(2)], axis=1)
    array([[0., 1.],
           [0., 1.]])
    """
    arrays = [_arr(a) for a in arrays]
    if not arrays:
        raise ValueError("need at least one array to stack")
    shapes = {tuple(shape_of(a)) for a in arrays}
    if len(shapes) != 1:
        raise ValueError("all input arrays must have the same shape")
    axis = normalize_axis_index(axis, _ndim(arrays[0]) + 1)
    return concatenate([expand_dims(a, axis) for a in arrays], axis, out=out, dtype=dtype)


@implements(np.hstack)
def hstack(tup: Sequence, *, dtype: Any = None, casting: str = "same_kind") -> Any:
    """Join horizontally: along axis 1, or axis 0 for 1-D arrays (``np.hstack``).

    Examples
    --------
    >>> import numpy as np, linad.numpy as lnp
    >>> lnp.hstack([np.zeros((2, 1)), np.ones((2, 2))]).shape
    (2, 3)
    """
    arrays = [atleast_1d(a) for a in tup]
    axis = 0 if arrays and _ndim(arrays[0]) == 1 else 1
    return concatenate(arrays, axis, dtype=dtype)


@implements(np.vstack, *_np_funcs("row_stack"))
def vstack(tup: Sequence, *, dtype: Any = None, casting: str = "same_kind") -> Any:
    """Join vertically: along axis 0 after :func:`atleast_2d` (``np.vstack``).

    Examples
    --------
    >>> import numpy as np, linad.numpy as lnp
    >>> lnp.vstack([np.zeros(2), np.ones(2)]).shape
    (2, 2)
    """
    return concatenate([atleast_2d(a) for a in tup], 0, dtype=dtype)


row_stack = vstack


@implements(np.dstack)
def dstack(tup: Sequence) -> Any:
    """Join along the third axis after :func:`atleast_3d` (``np.dstack``).

    Examples
    --------
    >>> import numpy as np, linad.numpy as lnp
    >>> lnp.dstack([np.zeros(2), np.ones(2)]).shape
    (1, 2, 2)
    """
    return concatenate([atleast_3d(a) for a in tup], 2)


@implements(np.column_stack)
def column_stack(tup: Sequence) -> Any:
    """Join 1-D arrays as columns (and 2-D arrays as they are) (``np.column_stack``).

    Examples
    --------
    >>> import numpy as np, linad.numpy as lnp
    >>> lnp.column_stack([np.zeros(2), np.ones(2)])
    array([[0., 1.],
           [0., 1.]])
    """
    arrays = []
    for v in tup:
        v = _arr(v)
        if _ndim(v) < 2:
            v = transpose(atleast_2d(v))
        arrays.append(v)
    return concatenate(arrays, 1)


@implements(np.block)
def block(arrays: Any) -> Any:
    """Assemble an array from nested lists of blocks (``np.block``).

    The innermost lists are joined along the last axis, the next level along the
    second-to-last, and so on; blocks are first given the result's rank.

    Examples
    --------
    >>> import numpy as np, linad.numpy as lnp
    >>> lnp.block([[np.eye(2), np.zeros((2, 1))], [np.ones((1, 2)), np.ones((1, 1))]]).shape
    (3, 3)
    """
    depth, max_nd = _block_depth(arrays, ())
    nd = max(depth, max_nd)

    def build(x: Any, level: int) -> Any:
        if level == depth:
            x = _arr(x)
            return reshape(x, (1,) * (nd - _ndim(x)) + tuple(shape_of(x)))
        return concatenate([build(e, level + 1) for e in x], axis=level - depth)
    return build(arrays, 0)


def _block_depth(x: Any, where: tuple) -> tuple[int, int]:
    """(nesting depth, largest block rank); NumPy's errors for ragged or empty nesting."""
    if isinstance(x, tuple):
        raise TypeError(f"arrays{''.join(f'[{i}]' for i in where)} is a tuple. Only lists "
                        "can be used to arrange blocks, and np.block does not allow implicit "
                        "conversion from tuple to ndarray.")
    if not isinstance(x, list):
        return 0, _ndim(_arr(x))
    if not x:
        raise ValueError(f"List at arrays{''.join(f'[{i}]' for i in where)} cannot be empty")
    results = [_block_depth(e, where + (i,)) for i, e in enumerate(x)]
    depths = {d for d, _ in results}
    if len(depths) != 1:
        raise ValueError("List depths are mismatched. All blocks must be nested to the same "
                         "depth.")
    return depths.pop() + 1, max(nd for _, nd in results)


# ============================================================================ splitting

@implements(np.array_split)
def array_split(ary: Any, indices_or_sections: Any, axis: int = 0) -> list:
    """Split into pieces along ``axis``; the sections need not be equal (``np.array_split``).

    Examples
    --------
    >>> import numpy as np, linad.numpy as lnp
    >>> [p.shape for p in lnp.array_split(np.ones(5), 3)]
    [(2,), (2,), (1,)]
    """
    ary = _arr(ary)
    axis = normalize_axis_index(axis, _ndim(ary))
    total = shape_of(ary)[axis]
    if isinstance(indices_or_sections, (int, np.integer)):
        sections = int(indices_or_sections)
        if sections <= 0:
            raise ValueError("number sections must be larger than 0.")
        each, extras = divmod(total, sections)
        sizes = [each + 1] * extras + [each] * (sections - extras)
        points = [0] + list(np.cumsum(sizes))
    else:
        points = [0] + [operator.index(i) for i in indices_or_sections] + [total]
    return [_getitem(ary, _along(axis, slice(int(a), int(b))))
            for a, b in zip(points[:-1], points[1:])]


@implements(np.split)
def split(ary: Any, indices_or_sections: Any, axis: int = 0) -> list:
    """Split into equal sections, or at the given indices, along ``axis`` (``np.split``).

    Examples
    --------
    >>> import numpy as np, linad.numpy as lnp
    >>> lnp.split(np.arange(4.0), 2)
    [array([0., 1.]), array([2., 3.])]
    """
    if isinstance(indices_or_sections, (int, np.integer)):
        ary = _arr(ary)
        n = shape_of(ary)[normalize_axis_index(axis, _ndim(ary))]
        if n % int(indices_or_sections):
            raise ValueError("array split does not result in an equal division")
    return array_split(ary, indices_or_sections, axis)


def _split_at(name: str, min_nd: int, axis_of) -> Any:
    def fn(ary: Any, indices_or_sections: Any) -> list:
        ary = _arr(ary)
        if _ndim(ary) < max(min_nd, 1):
            raise ValueError(f"{name} only works on arrays of {min_nd} or more dimensions")
        return split(ary, indices_or_sections, axis_of(_ndim(ary)))
    fn.__name__ = name
    return fn


hsplit = implements(np.hsplit)(_split_at("hsplit", 1, lambda nd: 1 if nd > 1 else 0))
hsplit.__doc__ = """Split along axis 1 (axis 0 for 1-D arrays) (``np.hsplit``).

    Examples
    --------
    >>> import numpy as np, linad.numpy as lnp
    >>> [p.shape for p in lnp.hsplit(np.ones((2, 4)), 2)]
    [(2, 2), (2, 2)]
    """
vsplit = implements(np.vsplit)(_split_at("vsplit", 2, lambda nd: 0))
vsplit.__doc__ = """Split along axis 0 of an array of 2 or more dimensions (``np.vsplit``).

    Examples
    --------
    >>> import numpy as np, linad.numpy as lnp
    >>> [p.shape for p in lnp.vsplit(np.ones((4, 2)), [1])]
    [(1, 2), (3, 2)]
    """
dsplit = implements(np.dsplit)(_split_at("dsplit", 3, lambda nd: 2))
dsplit.__doc__ = """Split along axis 2 of an array of 3 or more dimensions (``np.dsplit``).

    Examples
    --------
    >>> import numpy as np, linad.numpy as lnp
    >>> [p.shape for p in lnp.dsplit(np.ones((1, 1, 4)), 2)]
    [(1, 1, 2), (1, 1, 2)]
    """


@implements(*_np_funcs("unstack"))
def unstack(x: Any, /, *, axis: int = 0) -> tuple:
    """The slices of ``x`` along ``axis``, as a tuple (``np.unstack``).

    Examples
    --------
    >>> import numpy as np, linad.numpy as lnp
    >>> [p.shape for p in lnp.unstack(np.ones((2, 3)), axis=1)]
    [(2,), (2,), (2,)]
    """
    x = _arr(x)
    if _ndim(x) == 0:
        raise ValueError("Input array must be at least 1-d.")
    axis = normalize_axis_index(axis, _ndim(x))
    return tuple(_getitem(x, _along(axis, k)) for k in range(shape_of(x)[axis]))


# ============================================================================ tiling, repeating

@implements(np.tile)
def tile(A: Any, reps: Any) -> Any:
    """Repeat the whole array ``reps`` times along each axis (``np.tile``).

    A broadcast between interleaved axes, then a reshape; the transpose sums the copies.

    Examples
    --------
    >>> import numpy as np, linad.numpy as lnp
    >>> lnp.tile(np.array([1.0, 2.0]), (2, 2))
    array([[1., 2., 1., 2.],
           [1., 2., 1., 2.]])
    """
    reps = tuple(operator.index(r) for r in np.atleast_1d(np.asarray(reps)).tolist()) \
        if not isinstance(reps, (int, np.integer)) else (operator.index(reps),)
    A = _arr(A)
    shape = tuple(shape_of(A))
    nd = max(len(shape), len(reps))
    shape = (1,) * (nd - len(shape)) + shape
    reps = (1,) * (nd - len(reps)) + reps
    if any(r < 0 for r in reps):
        raise ValueError("negative dimensions are not allowed")
    x = reshape(A, tuple(v for s in shape for v in (1, s)))
    x = broadcast_to(x, tuple(v for r, s in zip(reps, shape) for v in (r, s)))
    return reshape(x, tuple(r * s for r, s in zip(reps, shape)))


@implements(np.repeat)
def repeat(a: Any, repeats: Any, axis: int | None = None) -> Any:
    """Repeat each element ``repeats`` times along ``axis`` (``np.repeat``).

    Examples
    --------
    >>> import numpy as np, linad.numpy as lnp
    >>> lnp.repeat(np.array([1.0, 2.0]), [1, 2])
    array([1., 2., 2.])
    """
    a = _arr(a)
    if axis is None:
        a, axis = ravel(a), 0
    shape = tuple(shape_of(a))
    axis = normalize_axis_index(axis, len(shape))
    reps = np.asarray(repeats)
    if reps.size == 0:
        reps = reps.astype(np.intp)
    if not np.issubdtype(reps.dtype, np.integer):
        raise TypeError("repeat: repeats must be integers")
    if reps.size == 1 and reps.ndim <= 1:
        r = int(reps.reshape(()))
        if r < 0:
            raise ValueError("repeat: negative dimensions are not allowed")
        x = expand_dims(a, axis + 1)
        x = broadcast_to(x, shape[:axis + 1] + (r,) + shape[axis + 1:])
        return reshape(x, shape[:axis] + (shape[axis] * r,) + shape[axis + 1:])
    index = np.repeat(np.arange(shape[axis]), reps)  # NumPy's checks of the counts
    return _getitem(a, _along(axis, index))


@implements(np.kron)
def kron(a: Any, b: Any) -> Any:
    """Kronecker product (``np.kron``): blocks ``a[i, j] * b``.

    Examples
    --------
    >>> import numpy as np, linad.numpy as lnp
    >>> lnp.kron(np.eye(2), np.array([[1.0, 2.0]]))
    array([[1., 2., 0., 0.],
           [0., 0., 1., 2.]])
    """
    a, b = _arr(a), _arr(b)
    if _ndim(a) == 0 or _ndim(b) == 0:
        return multiply(a, b)
    nd = max(_ndim(a), _ndim(b))
    sa = (1,) * (nd - _ndim(a)) + tuple(shape_of(a))
    sb = (1,) * (nd - _ndim(b)) + tuple(shape_of(b))
    xa = reshape(a, tuple(v for s in sa for v in (s, 1)))
    xb = reshape(b, tuple(v for s in sb for v in (1, s)))
    return reshape(multiply(xa, xb), tuple(p * q for p, q in zip(sa, sb)))


# ============================================================================ flips, rolls

@implements(np.flip)
def flip(m: Any, axis: Any = None) -> Any:
    """Reverse the order of elements along ``axis`` (all axes by default) (``np.flip``).

    A slice with step -1; its transpose is the same flip.

    Examples
    --------
    >>> import numpy as np, linad.numpy as lnp
    >>> lnp.flip(np.array([[1.0, 2.0], [3.0, 4.0]]), axis=1)
    array([[2., 1.],
           [4., 3.]])
    """
    m = _arr(m)
    nd = _ndim(m)
    axes = tuple(range(nd)) if axis is None else normalize_axis_tuple(axis, nd)
    if not axes:
        return m
    return _getitem(m, tuple(slice(None, None, -1) if k in axes else slice(None)
                             for k in range(nd)))


@implements(np.fliplr)
def fliplr(m: Any) -> Any:
    """Reverse axis 1 (``np.fliplr``).

    Examples
    --------
    >>> import numpy as np, linad.numpy as lnp
    >>> lnp.fliplr(np.array([[1.0, 2.0]]))
    array([[2., 1.]])
    """
    m = _arr(m)
    if _ndim(m) < 2:
        raise ValueError("Input must be >= 2-d.")
    return flip(m, 1)


@implements(np.flipud)
def flipud(m: Any) -> Any:
    """Reverse axis 0 (``np.flipud``).

    Examples
    --------
    >>> import numpy as np, linad.numpy as lnp
    >>> lnp.flipud(np.array([1.0, 2.0]))
    array([2., 1.])
    """
    m = _arr(m)
    if _ndim(m) < 1:
        raise ValueError("Input must be >= 1-d.")
    return flip(m, 0)


@implements(np.roll)
def roll(a: Any, shift: Any, axis: Any = None) -> Any:
    """Roll elements along ``axis`` (the flattened array by default) (``np.roll``).

    A concatenation of two slices; its transpose rolls back.

    Examples
    --------
    >>> import numpy as np, linad.numpy as lnp
    >>> lnp.roll(np.arange(4.0), 1)
    array([3., 0., 1., 2.])
    """
    a = _arr(a)
    if axis is None:
        return reshape(roll(ravel(a), shift, 0), shape_of(a))
    shape = tuple(shape_of(a))
    axes = normalize_axis_tuple(axis, len(shape), allow_duplicate=True)
    total = dict.fromkeys(axes, 0)
    for sh, ax in np.broadcast(shift, axes):
        total[int(ax)] += int(sh)
    for ax, sh in total.items():
        n = shape[ax]
        sh = sh % n if n else 0
        if sh:
            a = L.concatenate([_getitem(a, _along(ax, slice(n - sh, n))),
                               _getitem(a, _along(ax, slice(0, n - sh)))], ax)
    return a


@implements(np.rot90)
def rot90(m: Any, k: int = 1, axes: Sequence = (0, 1)) -> Any:
    """Rotate by 90 degrees ``k`` times in the plane ``axes`` (``np.rot90``).

    Examples
    --------
    >>> import numpy as np, linad.numpy as lnp
    >>> lnp.rot90(np.array([[1.0, 2.0], [3.0, 4.0]]))
    array([[2., 4.],
           [1., 3.]])
    """
    m = _arr(m)
    nd = _ndim(m)
    axes = tuple(axes)
    if len(axes) != 2:
        raise ValueError("len(axes) must be 2.")
    if axes[0] == axes[1] or abs(axes[0] - axes[1]) == nd:
        raise ValueError("Axes must be different.")
    if not (-nd <= axes[0] < nd and -nd <= axes[1] < nd):
        raise ValueError(f"Axes={axes} out of range for array of ndim={nd}.")
    k = operator.index(k) % 4
    if k == 0:
        return m
    if k == 2:
        return flip(m, axes)
    perm = list(range(nd))
    perm[axes[0]], perm[axes[1]] = perm[axes[1]], perm[axes[0]]
    if k == 1:
        return transpose(flip(m, axes[1]), perm)
    return flip(transpose(m, perm), axes[1])


# ============================================================================ pad

_INDEX_MODES = ("edge", "reflect", "symmetric", "wrap")


def _pad_pairs(pad_width: Any, nd: int) -> list[tuple[int, int]]:
    """``pad_width`` as one (before, after) pair per axis, with NumPy's broadcasting rules."""
    w = np.asarray(pad_width)
    if not np.issubdtype(w.dtype, np.integer):
        raise TypeError("`pad_width` must be of integral type.")
    if np.any(w < 0):
        raise ValueError("index can't contain negative values")
    if w.ndim < 3 and w.size == 1:
        w = np.repeat(w.ravel(), 2)
    elif w.ndim < 3 and w.size == 2 and w.shape != (2, 1):
        w = w.ravel()
    return [(int(b), int(e)) for b, e in np.broadcast_to(w, (nd, 2))]


@implements(np.pad)
def pad(array: Any, pad_width: Any, mode: str = "constant", **kwargs: Any) -> Any:
    """Pad an array (``np.pad``) in mode ``"constant"``, ``"edge"``, ``"reflect"``,
    ``"symmetric"`` or ``"wrap"``.

    ``constant_values`` may be a traced scalar (its derivative flows into the
    padding).  ``"reflect"``/``"symmetric"`` support ``reflect_type="even"`` only.

    Examples
    --------
    >>> import numpy as np, linad.numpy as lnp
    >>> lnp.pad(np.array([1.0, 2.0, 3.0]), (2, 1), mode="reflect")
    array([3., 2., 1., 2., 3., 2.])
    """
    a = _arr(array)
    shape = tuple(shape_of(a))
    pairs = _pad_pairs(pad_width, len(shape))
    if mode == "constant":
        return _pad_constant(a, pairs, kwargs.pop("constant_values", 0), kwargs)
    if mode not in _INDEX_MODES:
        raise NotImplementedError(f"pad: mode {mode!r} is not supported on traced values "
                                  f"(supported: 'constant', {', '.join(map(repr, _INDEX_MODES))})")
    if kwargs.pop("reflect_type", "even") != "even" or kwargs:
        raise NotImplementedError(f"pad: unsupported arguments for mode {mode!r}: "
                                  f"{sorted(kwargs) or ['reflect_type']}")
    for ax, (b, e) in enumerate(pairs):
        if b or e:
            index = np.pad(np.arange(shape[ax]), (b, e), mode=mode)  # NumPy's index map
            a = _getitem(a, _along(ax, index))
    return a


def _pad_constant(a: Any, pairs: list, values: Any, extra: dict) -> Any:
    if extra:
        raise TypeError(f"pad: unexpected keyword arguments {sorted(extra)} for mode 'constant'")
    shape = tuple(shape_of(a))
    if not any(b or e for b, e in pairs):
        return a
    out_shape = tuple(b + n + e for (b, e), n in zip(pairs, shape))
    inner = tuple(slice(b, b + n) for (b, _), n in zip(pairs, shape))
    core = L.scatter_add(a, inner, out_shape)
    if isinstance(values, Tracer):
        if _ndim(values) != 0:
            raise NotImplementedError("pad: a traced constant_values must be a scalar")
        outside = np.pad(np.zeros(shape, bool), pairs, constant_values=True)
        return add(core, multiply(astype(values, dtype_of(a)), outside.astype(dtype_of(a))))
    fill = np.pad(np.zeros(shape, dtype_of(a)), pairs, constant_values=values)
    return add(core, fill) if np.any(fill) else core


# ============================================================================ atleast_nd

def _atleast(arys: tuple, fn) -> Any:
    res = tuple(fn(_arr(a)) for a in arys)
    return res[0] if len(res) == 1 else res


def _to_1d(x):
    return reshape(x, (1,)) if _ndim(x) == 0 else x


def _to_2d(x):
    return reshape(x, (1,) * (2 - _ndim(x)) + tuple(shape_of(x))) if _ndim(x) < 2 else x


def _to_3d(x):
    nd = _ndim(x)
    if nd == 0:
        return reshape(x, (1, 1, 1))
    if nd == 1:
        return reshape(x, (1,) + tuple(shape_of(x)) + (1,))
    if nd == 2:
        return reshape(x, tuple(shape_of(x)) + (1,))
    return x


@implements(np.atleast_1d)
def atleast_1d(*arys: Any) -> Any:
    """Arrays with at least one dimension (``np.atleast_1d``).

    Examples
    --------
    >>> import linad.numpy as lnp
    >>> lnp.atleast_1d(1.0)
    array([1.])
    """
    return _atleast(arys, _to_1d)


@implements(np.atleast_2d)
def atleast_2d(*arys: Any) -> Any:
    """Arrays with at least two dimensions, a 1-D array becoming a row (``np.atleast_2d``).

    Examples
    --------
    >>> import numpy as np, linad.numpy as lnp
    >>> lnp.atleast_2d(np.ones(3)).shape
    (1, 3)
    """
    return _atleast(arys, _to_2d)


@implements(np.atleast_3d)
def atleast_3d(*arys: Any) -> Any:
    """Arrays with at least three dimensions (``np.atleast_3d``: (n,) -> (1, n, 1)).

    Examples
    --------
    >>> import numpy as np, linad.numpy as lnp
    >>> lnp.atleast_3d(np.ones((2, 3))).shape
    (2, 3, 1)
    """
    return _atleast(arys, _to_3d)


# ============================================================================ diagonals, triangles

def _diag_positions(n1: int, n2: int, offset: int) -> tuple[np.ndarray, np.ndarray]:
    """Row and column indices of the ``offset`` diagonal of an ``n1 x n2`` matrix."""
    if offset >= 0:
        m = max(0, min(n1, n2 - offset))
        rows = np.arange(m)
        return rows, rows + offset
    m = max(0, min(n1 + offset, n2))
    cols = np.arange(m)
    return cols - offset, cols


@implements(np.diagonal)
def diagonal(a: Any, offset: int = 0, axis1: int = 0, axis2: int = 1) -> Any:
    """The ``offset`` diagonal over ``axis1, axis2``, appended as the last axis (``np.diagonal``).

    A gather at positions ``(i, i + offset)``; its transpose scatters into them.

    Examples
    --------
    >>> import numpy as np, linad.numpy as lnp
    >>> lnp.diagonal(np.arange(9.0).reshape(3, 3), 1)
    array([1., 5.])
    """
    a = _arr(a)
    nd = _ndim(a)
    if nd < 2:
        raise ValueError("diag requires an array of at least two dimensions")
    ax1, ax2 = normalize_axis_index(axis1, nd), normalize_axis_index(axis2, nd)
    if ax1 == ax2:
        raise ValueError("axis1 and axis2 cannot be the same")
    shape = tuple(shape_of(a))
    rows, cols = _diag_positions(shape[ax1], shape[ax2], operator.index(offset))
    a = transpose(a, [k for k in range(nd) if k not in (ax1, ax2)] + [ax1, ax2])
    return _getitem(a, (Ellipsis, rows, cols))


@implements(np.diag)
def diag(v: Any, k: int = 0) -> Any:
    """The ``k`` diagonal of a matrix, or a square matrix with vector ``v`` on it (``np.diag``).

    Examples
    --------
    >>> import numpy as np, linad.numpy as lnp
    >>> lnp.diag(np.array([1.0, 2.0]), 1)
    array([[0., 1., 0.],
           [0., 0., 2.],
           [0., 0., 0.]])
    """
    v = _arr(v)
    k = operator.index(k)
    if _ndim(v) == 2:
        return diagonal(v, k)
    if _ndim(v) != 1:
        raise ValueError("Input must be 1- or 2-d.")
    n = shape_of(v)[0] + abs(k)
    rows, cols = _diag_positions(n, n, k)
    return L.scatter_add(v, (rows, cols), (n, n))


@implements(np.diagflat)
def diagflat(v: Any, k: int = 0) -> Any:
    """A square matrix with the flattened ``v`` on its ``k`` diagonal (``np.diagflat``).

    Examples
    --------
    >>> import numpy as np, linad.numpy as lnp
    >>> lnp.diagflat(np.ones((1, 2)))
    array([[1., 0.],
           [0., 1.]])
    """
    return diag(ravel(v), k)


def _triangle(m: Any, k: int, lower: bool) -> Any:
    m = _arr(m)
    if _ndim(m) == 0:
        raise ValueError("tril/triu: the input must be at least 1-d")
    mask = np.tri(*tuple(shape_of(m))[-2:], k=k if lower else k - 1, dtype=bool)
    zero = np.zeros((), dtype_of(m))
    return L.where(mask, m, zero) if lower else L.where(mask, zero, m)


@implements(np.tril)
def tril(m: Any, k: int = 0) -> Any:
    """Lower triangle: entries above the ``k`` diagonal zeroed (``np.tril``).

    Examples
    --------
    >>> import numpy as np, linad.numpy as lnp
    >>> lnp.tril(np.ones((2, 2)))
    array([[1., 0.],
           [1., 1.]])
    """
    return _triangle(m, operator.index(k), True)


@implements(np.triu)
def triu(m: Any, k: int = 0) -> Any:
    """Upper triangle: entries below the ``k`` diagonal zeroed (``np.triu``).

    Examples
    --------
    >>> import numpy as np, linad.numpy as lnp
    >>> lnp.triu(np.ones((2, 2)))
    array([[1., 1.],
           [0., 1.]])
    """
    return _triangle(m, operator.index(k), False)



# ============================================================================ index maps

def _concrete_only(*xs: Any) -> bool:
    """True when no argument is traced (NumPy then computes the value itself)."""
    return not any(isinstance(x, Tracer) for x in xs)


def _labels(shape: tuple, start: int = 0) -> np.ndarray:
    """An integer array of ``shape`` whose entries are their flat positions plus ``start``."""
    return np.arange(start, start + math.prod(shape)).reshape(shape)


def _gather_labels(flat: Any, labels: np.ndarray) -> Any:
    """``flat[labels]``: the elements of a 1-D array at an integer index map."""
    return _getitem(flat, (np.asarray(labels, dtype=np.intp),))


@implements(np.append)
def append(arr: Any, values: Any, axis: int | None = None) -> Any:
    """``values`` appended to ``arr`` (``np.append``); both flattened when ``axis`` is None.

    Examples
    --------
    >>> import numpy as np, linad.numpy as lnp
    >>> lnp.append(np.array([[1.0, 2.0]]), np.array([[3.0, 4.0]]), axis=0)
    array([[1., 2.],
           [3., 4.]])
    """
    arr, values = _arr(arr), _arr(values)
    if axis is None:
        return concatenate([ravel(arr), ravel(values)], 0)
    return concatenate([arr, values], axis)


def _index_argument(obj: Any, name: str) -> Any:
    if isinstance(obj, Tracer):
        raise TypeError(f"{name}: the index argument obj must be concrete (ints, slices or "
                        "integer/boolean arrays), not a traced value")
    return obj


@implements(np.insert)
def insert(arr: Any, obj: Any, values: Any, axis: int | None = None) -> Any:
    """``values`` inserted before the indices ``obj`` along ``axis`` (``np.insert``).

    ``obj`` is an int, a slice or a sequence of ints (concrete); ``axis=None``
    inserts into the flattened array.  ``values`` is cast to ``arr``'s dtype and
    broadcast as NumPy does; the result is linear in ``(arr, values)``.

    Examples
    --------
    >>> import numpy as np, linad.numpy as lnp
    >>> lnp.insert(np.array([1.0, 2.0, 3.0]), [1, 3], np.array([10.0, 20.0]))
    array([ 1., 10.,  2.,  3., 20.])
    """
    obj = _index_argument(obj, "insert")
    if _concrete_only(arr, values):
        return np.insert(arr, obj, values, axis=axis)
    arr, values = _arr(arr), astype(_arr(values), dtype_of(_arr(arr)))
    size = math.prod(shape_of(arr))
    index = np.insert(_labels(tuple(shape_of(arr))), obj,
                      _labels(tuple(shape_of(values)), size), axis=axis)
    return _gather_labels(concatenate([ravel(arr), ravel(values)], 0), index)


@implements(np.delete)
def delete(arr: Any, obj: Any, axis: int | None = None) -> Any:
    """``arr`` without the sub-arrays at ``obj`` along ``axis`` (``np.delete``).

    ``obj``: an int, a slice, or an integer or boolean array (concrete);
    ``axis=None`` deletes from the flattened array.

    Examples
    --------
    >>> import numpy as np, linad.numpy as lnp
    >>> lnp.delete(np.arange(6.0).reshape(2, 3), [0, 2], axis=1)
    array([[1.],
           [4.]])
    """
    obj = _index_argument(obj, "delete")
    if _concrete_only(arr):
        return np.delete(arr, obj, axis=axis)
    return _gather_labels(ravel(arr), np.delete(_labels(tuple(shape_of(arr))), obj, axis=axis))


@implements(np.resize)
def resize(a: Any, new_shape: Any) -> Any:
    """An array of ``new_shape`` filled by repeating the flattened ``a`` (``np.resize``).

    An empty ``a`` gives zeros, as in NumPy.  (``x.resize`` in place is not available on
    traced values; this function returns a new array.)

    Examples
    --------
    >>> import numpy as np, linad.numpy as lnp
    >>> lnp.resize(np.array([1.0, 2.0, 3.0]), (2, 2))
    array([[1., 2.],
           [3., 1.]])
    """
    if _concrete_only(a):
        return np.resize(a, new_shape)
    shape = tuple(shape_of(a))
    index = np.resize(_labels(shape), new_shape)
    if not math.prod(shape):
        return np.zeros(index.shape, dtype_of(a))
    return _gather_labels(ravel(a), index)


def sliding_window_view(x: Any, window_shape: Any, axis: Any = None, *, subok: bool = False,
                        writeable: bool = False) -> Any:
    """All windows of ``window_shape`` sliding over ``axis``
    (``numpy.lib.stride_tricks.sliding_window_view``).

    NumPy returns a read-only view; here the windows are a gather (a new array),
    whose transpose sums each element's cotangents over the windows it is in.

    Examples
    --------
    >>> import numpy as np, linad.numpy as lnp
    >>> lnp.sliding_window_view(np.arange(4.0), 2)
    array([[0., 1.],
           [1., 2.],
           [2., 3.]])
    """
    view = np.lib.stride_tricks.sliding_window_view
    if _concrete_only(x):
        return view(x, window_shape, axis, subok=subok, writeable=writeable)
    if writeable:
        raise TypeError("sliding_window_view: writeable=True is not supported on traced values "
                        "(the windows are a new array, not a view); use x.at[idx] updates")
    return _gather_labels(ravel(x), view(_labels(tuple(shape_of(x))), window_shape, axis))


implements(np.lib.stride_tricks.sliding_window_view)(sliding_window_view)


@implements(np.copy)
def copy(a: Any, order: str = "K", subok: bool = False) -> Any:
    """A copy of ``a`` (``np.copy``); a traced value is immutable, so it is returned as is.

    Examples
    --------
    >>> import numpy as np, linad, linad.numpy as lnp
    >>> linad.grad(lambda x: lnp.copy(x).sum())(np.ones(2))
    array([1., 1.])
    """
    if isinstance(a, Tracer):
        return a
    return np.copy(a, order=order, subok=subok)


@implements(np.rollaxis)
def rollaxis(a: Any, axis: int, start: int = 0) -> Any:
    """Move ``axis`` to before position ``start`` (``np.rollaxis``; prefer ``moveaxis``).

    Examples
    --------
    >>> import numpy as np, linad.numpy as lnp
    >>> lnp.rollaxis(np.ones((2, 3, 4)), 2).shape
    (4, 2, 3)
    """
    a = _arr(a)
    nd = _ndim(a)
    axis = normalize_axis_index(axis, nd)
    start = operator.index(start)
    if not -nd <= start <= nd:
        raise np.exceptions.AxisError(f"'start' arg requires {-nd} <= start < {nd + 1}, but "
                                      f"{start} was passed in")
    start = start + nd if start < 0 else start
    if axis < start:
        start -= 1
    if axis == start:
        return a
    order = [k for k in range(nd) if k != axis]
    order.insert(start, axis)
    return transpose(a, order)


@implements(np.apply_along_axis)
def apply_along_axis(func1d: Any, axis: int, arr: Any, *args: Any, **kwargs: Any) -> Any:
    """``func1d`` applied to every 1-D slice of ``arr`` along ``axis``, the results
    stacked in place of that axis (``np.apply_along_axis``).

    ``func1d`` receives traced slices, so it is differentiated as it is written.

    Examples
    --------
    >>> import numpy as np, linad, linad.numpy as lnp
    >>> f = lambda x: lnp.apply_along_axis(lambda r: (r ** 2).sum(), 1, x).sum()
    >>> linad.grad(f)(np.array([[1.0, 2.0], [3.0, 4.0]]))
    array([[2., 4.],
           [6., 8.]])
    """
    arr = _arr(arr)
    nd = _ndim(arr)
    axis = normalize_axis_index(axis, nd)
    moved = moveaxis(arr, axis, -1)
    outer = tuple(shape_of(moved))[:-1]
    if any(n == 0 for n in outer):
        raise ValueError("Cannot apply_along_axis when any iteration dimensions are 0")
    results = [_arr(func1d(moved[ind], *args, **kwargs)) for ind in np.ndindex(*outer)]
    res = stack(results)
    res_nd = _ndim(res) - 1
    res = reshape(res, outer + tuple(shape_of(res))[1:])
    order = list(range(axis)) + list(range(len(outer), len(outer) + res_nd)) \
        + list(range(axis, len(outer)))
    return transpose(res, order)


@implements(np.apply_over_axes)
def apply_over_axes(func: Any, a: Any, axes: Any) -> Any:
    """``func(a, axis)`` applied for each axis in turn, keeping the number of dimensions
    (``np.apply_over_axes``); ``func`` receives traced values and is differentiated as written.

    Examples
    --------
    >>> import numpy as np, linad, linad.numpy as lnp
    >>> f = lambda x: lnp.apply_over_axes(lnp.sum, x, [0, 1])
    >>> f(np.arange(6.0).reshape(2, 3))
    array([[15.]])
    """
    val = _arr(a)
    nd = _ndim(val)
    for axis in np.atleast_1d(np.asarray(axes)).tolist():
        axis = axis + nd if axis < 0 else axis
        res = func(val, axis)
        if _ndim(res) == _ndim(val):
            val = res
        elif _ndim(res) == _ndim(val) - 1:
            val = expand_dims(res, axis)
        else:
            raise ValueError("function is not returning an array of the correct shape")
    return val


@implements(np.trim_zeros)
def trim_zeros(filt: Any, trim: str = "fb", axis: Any = None) -> Any:
    """``filt`` without its leading (``"f"``) and/or trailing (``"b"``) zeros along the
    given axes (``np.trim_zeros``); differentiable in the values kept.

    Which entries are zero is read from the primal values, so the kept block is a
    constant slice: its derivative is that of the entries it keeps.  Under ``linad.jit``
    the result's shape would depend on values: it raises
    :class:`~linad.core.ConcretizationError`.

    Examples
    --------
    >>> import numpy as np, linad, linad.numpy as lnp
    >>> linad.grad(lambda x: (lnp.trim_zeros(x) ** 2).sum())(np.array([0.0, 1.0, 0.0, 2.0, 0.0]))
    array([0., 2., 0., 4., 0.])
    """
    x = _arr(filt)
    if not isinstance(x, Tracer):
        return np.trim_zeros(x, trim, axis)
    trim = trim.lower()
    if trim not in ("f", "b", "fb", "bf"):
        raise ValueError(f"unexpected character(s) in `trim`: {trim!r}")
    value = detached_value(x)
    if isinstance(value, Tracer):
        raise value_dependence_error(
            value, "trim_zeros: the length of the result depends on how many leading and "
            "trailing entries are zero", "Keep the shape fixed (multiply by a mask such as "
            "lnp.where(x != 0, 1.0, 0.0))")
    nonzero = np.asarray(value) != 0
    nd = nonzero.ndim
    axes = range(nd) if axis is None else [normalize_axis_index(a, nd)
                                             for a in np.atleast_1d(axis).tolist()]
    index = [slice(None)] * nd
    for ax in axes:
        along = np.flatnonzero(np.any(nonzero, axis=tuple(i for i in range(nd) if i != ax)))
        if along.size == 0:
            index[ax] = slice(0, 0)
            continue
        index[ax] = slice(int(along[0]) if "f" in trim else None,
                          int(along[-1]) + 1 if "b" in trim else None)
    return _getitem(x, tuple(index))

