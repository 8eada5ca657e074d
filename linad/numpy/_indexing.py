r"""Indexing: ``x[idx]``, gathers (take, take_along_axis, compress, extract, choose, select),
sorting, and functional updates ``x.at[idx].set/add/multiply``.

An index holds ints, slices (any step), ``None``, ``Ellipsis``, integer arrays and
boolean masks.  A mask or an index computed from a traced value (``x > 0``,
``argmax(x)``) carries no tangent: it is concrete, except under ``linad.jit``, where it
is a staged value recomputed on every call.  Every gather is the linear primitive
``getitem``, whose transpose ``scatter_add`` accumulates repeated indices; its JVP is
the same gather of the tangent.  Concrete index entries are parameters of the
primitive; staged integer index arrays are extra operands (without a derivative).  A
staged boolean mask (``x[x > 0]`` under jit) is refused with
:class:`~linad.core.ConcretizationError`, since the result's shape depends on how many
entries are true: ``lnp.where(mask, x, 0)`` keeps the shape fixed.  So are the other
functions whose result shape depends on values (``compress``, ``extract``, and
``piecewise``, whose functions receive the selected entries).

Functional updates (a traced array cannot be assigned into in place):

* ``index_add(x, idx, v)`` = ``x.at[idx].add(v)``: ``x`` plus ``v`` scattered at
  ``idx``; repeated indices accumulate, as in ``np.add.at``.
* ``index_set(x, idx, v)`` = ``x.at[idx].set(v)``: ``x`` with ``x[idx] = v``; where an
  index repeats, the last write wins, as in NumPy's assignment.  It is
  ``where(untouched, x, scatter(v))``, linear in ``(x, v)`` jointly.
* ``index_multiply(x, idx, v)`` = ``x.at[idx].multiply(v)``: ``x`` times the
  product of the factors scattered to each position; repeated indices multiply
  repeatedly, as in ``np.multiply.at``.
* ``index_min(x, idx, v)`` / ``index_max(x, idx, v)`` = ``x.at[idx].min(v)`` /
  ``.max(v)``: ``minimum``/``maximum`` of ``x[idx]`` and ``v``, once per occurrence of
  a repeated index, in order, as ``np.minimum.at``; ties share the derivative.

``sort`` gathers the values in the order computed by ``argsort`` (which carries no
tangent): :math:`d\,\mathrm{sort}(x) = dx[\mathrm{argsort}(x)]`.  Where values
tie, the derivative is not defined; tied values share the mean of their tangents (the
tie convention of ``max`` and ``clip``), the groups of ties found at every call.
``partition`` is the gather at ``argpartition``'s order, so its derivative is that of
the selected order statistics.  Under ``linad.jit``, ``index_set`` and ``index_add``
take staged indices; ``index_multiply``, ``index_min`` and ``index_max``, which update a
position once per occurrence of its index, refuse them.

NumPy's in-place functions ``fill_diagonal``, ``put`` and ``put_along_axis`` raise a
``TypeError`` on traced values when called through ``np``; ``lnp.fill_diagonal``,
``lnp.put`` and ``lnp.put_along_axis`` are their functional versions: they return
the updated array (``x.at[idx].set(v)`` with NumPy's index rules) and leave their
argument unchanged.  ``bincount`` and ``histogram`` take concrete samples and are
differentiable in their ``weights``: a ``scatter_add`` of the weights into the bins.
"""
from __future__ import annotations

import math
from typing import Any, Sequence

import numpy as np

from ..core import ConcretizationError, Tracer, bind, dtype_of, is_inexact, shape_of
from ..primitives import linear as L
from ..primitives.discrete import argsort_p, stage_numpy_call
from ..primitives.elementwise import detached_value, maximum_p, minimum_p, value_dependence_error
from ._nondiff import on_primal
from ._base import _along, _arr, _ndim, astype, normalize_axis_index
from ._core import divide, multiply, stop_gradient
from ._dispatch import implements
from ._shape import broadcast_to, ravel, reshape, resize, stack

__all__ = ["normalize_index", "take", "take_along_axis", "compress", "extract", "choose",
           "select", "sort", "argsort", "index_add", "index_set", "index_multiply", "index_min",
           "index_max", "partition", "argpartition", "sort_complex", "fill_diagonal", "put",
           "put_along_axis", "piecewise", "bincount", "histogram"]


# ============================================================================ x[idx]

def normalize_index(idx: Any, shape: tuple) -> tuple:
    """An index as a tuple of ints, slices, None, Ellipsis and integer arrays.

    Boolean masks become integer arrays (``np.nonzero``).  Integer index arrays may be
    values staged by ``linad.jit`` (an ``argmax``, an ``argsort``); a staged boolean
    mask is refused with :class:`~linad.core.ConcretizationError`, since the shape of
    ``x[mask]`` depends on how many of its entries are true.

    Examples
    --------
    >>> normalize_index((0, [True, False, True]), (2, 3))
    (0, array([0, 2]))
    """
    if not isinstance(idx, tuple):
        idx = (idx,)
    out = []
    for i in idx:
        if isinstance(i, Tracer):
            out.append(_traced_index(i))
            continue
        if isinstance(i, (bool, np.bool_)):
            raise IndexError("a boolean scalar index (x[True]) is not supported on traced "
                             "arrays; use x[None] to add an axis")
        if isinstance(i, (list, np.ndarray)):
            arr = np.asarray(i)
            if arr.dtype == bool:
                if arr.ndim == 0:
                    raise IndexError("a boolean scalar index (x[np.True_]) is not supported on "
                                     "traced arrays; use x[None] to add an axis")
                out.extend(np.nonzero(arr))
                continue
            if not np.issubdtype(arr.dtype, np.integer):
                if arr.size == 0:
                    arr = arr.astype(np.intp)
                else:
                    raise IndexError("arrays used as indices must be of integer or boolean type")
            out.append(arr)
        elif isinstance(i, np.integer):
            out.append(int(i))
        else:
            out.append(i)
    return tuple(out)




def _traced_index(i: Tracer) -> Tracer:
    """A traced index entry: a staged integer array (an operand of the gather); a staged
    boolean mask is refused, as its result's shape depends on values, and so is a value
    with a tangent (an index has no derivative)."""
    if not _is_staged(i):
        raise TypeError("an index into a traced array must be concrete (ints, slices or "
                        "integer/boolean arrays), not a traced value")
    kind = dtype_of(i).kind
    if kind == "b":
        raise value_dependence_error(
            detached_value(i), "x[mask] with a boolean mask computed from traced values has "
            "one entry per true element of the mask", "Keep the shape fixed with "
            "lnp.where(mask, x, 0) (and reduce it, e.g. lnp.sum(lnp.where(mask, x, 0)))")
    if kind not in "iu":
        raise IndexError("arrays used as indices must be of integer or boolean type")
    return i


def index(x: Any, idx: Any) -> Any:
    """``x[idx]`` for any NumPy index (the ``__getitem__`` of traced values).

    Examples
    --------
    >>> import numpy as np
    >>> index(np.arange(6.0).reshape(2, 3), (Ellipsis, [2, 0]))
    array([[2., 0.],
           [5., 3.]])
    """
    x = _arr(x)
    idx = normalize_index(idx, tuple(shape_of(x)))
    if _is_identity(idx):
        return x
    return L.getitem(x, idx)


def _is_identity(idx: tuple) -> bool:
    """True for ``()``, ``(...)``, ``(:, :)``: indices that return the whole array."""
    full = [i is Ellipsis or (isinstance(i, slice) and i == slice(None)) for i in idx]
    return all(full) and sum(i is Ellipsis for i in idx) <= 1


def _target_shape(shape: tuple, idx: tuple) -> tuple:
    """The shape of ``x[idx]`` for ``x`` of ``shape`` (no data touched; traced index
    arrays count by their shapes)."""
    idx = tuple(np.zeros(shape_of(i), np.intp) if isinstance(i, Tracer) else i for i in idx)
    return np.broadcast_to(np.empty((), np.int8), shape)[idx].shape


# ============================================================================ gathers

@implements(np.take)
def take(a: Any, indices: Any, axis: int | None = None, out: Any = None,
         mode: str = "raise") -> Any:
    """Elements of ``a`` at ``indices`` along ``axis`` (the flattened array by default)
    (``np.take``; ``mode`` ``"raise"``, ``"wrap"`` or ``"clip"``).

    Examples
    --------
    >>> import numpy as np, linad.numpy as lnp
    >>> lnp.take(np.array([[1.0, 2.0], [3.0, 4.0]]), [1, 1, 0], axis=1)
    array([[2., 2., 1.],
           [4., 4., 3.]])
    """
    if out is not None:
        raise TypeError("take: out= is not supported on traced values; use the returned array")
    a = _arr(a)
    if axis is None:
        a, axis = ravel(a), 0
    axis = normalize_axis_index(axis, _ndim(a))
    ind = _moded_indices(indices, shape_of(a)[axis], mode, "take")
    if not isinstance(ind, Tracer) and not ind.ndim:
        ind = int(ind)
    return L.getitem(a, _along(axis, ind))


def _moded_indices(indices: Any, n: int, mode: str, name: str) -> Any:
    """Integer ``indices`` into ``n`` entries wrapped or clipped as ``mode`` says
    (``"raise"`` leaves them as they are); traced indices stay traced."""
    ind = _index_array(indices, name)
    if mode == "wrap":
        return _index_op(np.mod, ind, n) if n else ind
    if mode == "clip":
        return _index_op(np.clip, ind, 0, max(n - 1, 0))
    if mode != "raise":
        raise ValueError(f"clipmode must be one of 'clip', 'raise', or 'wrap' (got {mode!r})")
    return ind


def _index_array(indices: Any, name: str) -> Any:
    """``indices`` as an integer array, or a traced integer value as it is."""
    if isinstance(indices, Tracer):
        if dtype_of(indices).kind not in "iu":
            raise TypeError(f"{name}: indices must be integers")
        return indices
    ind = np.asarray(indices)
    if not np.issubdtype(ind.dtype, np.integer):
        if ind.size:
            raise TypeError(f"{name}: indices must be integers")
        ind = ind.astype(np.intp)
    return ind


def _index_op(np_fn: Any, ind: Any, *args: Any) -> Any:
    """``np_fn(ind, *args)`` on integer indices: staged when ``ind`` is traced."""
    if isinstance(ind, Tracer):
        return stage_numpy_call(np_fn, (ind,) + args, {})
    return np_fn(ind, *args)


@implements(np.take_along_axis)
def take_along_axis(arr: Any, indices: Any, axis: int | None = -1) -> Any:
    """Gather ``arr`` at ``indices`` along ``axis``, the other axes matched by broadcasting
    (``np.take_along_axis``).

    Examples
    --------
    >>> import numpy as np, linad.numpy as lnp
    >>> x = np.array([[3.0, 1.0], [2.0, 5.0]])
    >>> lnp.take_along_axis(x, np.argsort(x, axis=1), axis=1)
    array([[1., 3.],
           [2., 5.]])
    """
    arr = _arr(arr)
    ind = _along_axis_indices(indices)
    if axis is None:
        if _ndim(ind) != 1:
            raise ValueError("when axis=None, `indices` must have a single dimension.")
        arr, axis = ravel(arr), 0
    nd = _ndim(arr)
    if _ndim(ind) != nd:
        raise ValueError("`indices` and `arr` must have the same number of dimensions")
    axis = normalize_axis_index(axis, nd)
    return L.getitem(arr, _along_axis_index(shape_of(arr), ind, axis))


def _along_axis_indices(indices: Any) -> Any:
    """The integer ``indices`` of ``take_along_axis``/``put_along_axis`` (traced ones too)."""
    ind = indices if isinstance(indices, Tracer) else np.asarray(indices)
    if dtype_of(ind).kind not in "iu":
        raise IndexError("`indices` must be an integer array")
    return ind


def _along_axis_index(shape: tuple, ind: Any, axis: int) -> tuple:
    """The index of ``take_along_axis``: ``ind`` along ``axis``, an ``arange`` broadcast
    along each other axis."""
    nd = len(shape)
    return tuple(ind if k == axis else np.arange(n).reshape((1,) * k + (n,) + (1,) * (nd - k - 1))
                 for k, n in enumerate(shape))


@implements(np.compress)
def compress(condition: Any, a: Any, axis: int | None = None, out: Any = None) -> Any:
    """The slices of ``a`` along ``axis`` where ``condition`` is true (``np.compress``).

    Examples
    --------
    >>> import numpy as np, linad.numpy as lnp
    >>> lnp.compress([False, True], np.array([[1.0, 2.0], [3.0, 4.0]]), axis=0)
    array([[3., 4.]])
    """
    if out is not None:
        raise TypeError("compress: out= is not supported on traced values")
    cond = _concrete(condition, "compress")
    if cond.ndim != 1:
        raise ValueError("condition must be a 1-d array")
    return take(a, np.nonzero(cond)[0], axis=axis)


@implements(np.extract)
def extract(condition: Any, arr: Any) -> Any:
    """The elements of ``arr`` where ``condition`` is true, flattened (``np.extract``).

    Examples
    --------
    >>> import numpy as np, linad.numpy as lnp
    >>> x = np.array([[1.0, -2.0], [-3.0, 4.0]])
    >>> lnp.extract(x > 0, x)
    array([1., 4.])
    """
    cond = _concrete(condition, "extract")
    return take(ravel(arr), np.nonzero(cond.ravel())[0])


def _is_staged(x: Any) -> bool:
    """True for a value staged by ``linad.jit`` or batched by ``linad.vmap`` (it has no
    concrete value)."""
    return isinstance(x, Tracer) and isinstance(detached_value(x), Tracer)


def _concrete(x: Any, where: str) -> np.ndarray:
    """``x`` as a concrete array: a condition or index that fixes the result's shape.

    A value staged by ``linad.jit`` has none, so its use raises
    :class:`~linad.core.ConcretizationError`.
    """
    if _is_staged(x):
        raise value_dependence_error(
            detached_value(x), f"{where}: the condition/index argument was computed from "
            "traced values, and the shape of the result depends on its values",
            "Use a fixed-shape alternative (lnp.where(condition, x, 0))")
    if isinstance(x, Tracer):
        raise TypeError(f"{where}: the condition/index argument must be concrete, not a traced "
                        "value (comparisons of traced values, such as x > 0, are concrete)")
    return np.asarray(x)


@implements(np.choose)
def choose(a: Any, choices: Any, out: Any = None, mode: str = "raise") -> Any:
    """``choices[a[i]][i]`` elementwise, with broadcasting (``np.choose``).

    ``a`` is a concrete integer array; ``mode`` is ``"raise"``, ``"wrap"`` or ``"clip"``.

    Examples
    --------
    >>> import numpy as np, linad.numpy as lnp
    >>> lnp.choose([1, 0], [np.array([1.0, 2.0]), np.array([10.0, 20.0])])
    array([10.,  2.])
    """
    if out is not None:
        raise TypeError("choose: out= is not supported on traced values")
    a = _index_array(a, "choose")
    if isinstance(choices, Tracer) or isinstance(choices, np.ndarray):
        choices = [choices[k] for k in range(shape_of(choices)[0])]
    choices = [_arr(c) for c in choices]
    n = len(choices)
    if mode == "raise":
        a = _index_op(_checked_choice, a, n)
    else:
        a = _moded_indices(a, n, mode, "choose")
    shape = np.broadcast_shapes(tuple(shape_of(a)), *[tuple(shape_of(c)) for c in choices])
    dtype = np.result_type(*[dtype_of(c) for c in choices])
    stacked = stack([broadcast_to(astype(c, dtype), shape) for c in choices])
    grid = np.indices(shape, sparse=True)
    return L.getitem(stacked, (broadcast_to(a, shape),) + tuple(grid))


def _checked_choice(a: np.ndarray, n: int) -> np.ndarray:
    """``a`` if every entry picks one of ``n`` choices, else the ValueError of ``np.choose``."""
    if a.size and (a.min() < 0 or a.max() >= n):
        raise ValueError("invalid entry in choice array")
    return a


@implements(np.select)
def select(condlist: Sequence, choicelist: Sequence, default: Any = 0) -> Any:
    """The entry of the first choice whose condition holds, else ``default`` (``np.select``).

    Examples
    --------
    >>> import numpy as np, linad.numpy as lnp
    >>> x = np.array([-1.0, 0.5, 3.0])
    >>> lnp.select([x < 0, x > 1], [-x, 2 * x], default=x)
    array([1. , 0.5, 6. ])
    """
    if len(condlist) != len(choicelist):
        raise ValueError("list of cases must be same length as list of conditions")
    if not condlist:
        raise ValueError("select with an empty condition list is not possible")
    conds = [c if _is_staged(c) else _concrete(c, "select") for c in condlist]
    for k, c in enumerate(conds):
        if dtype_of(c) != bool:
            raise TypeError(f"invalid entry {k} in condlist: should be boolean ndarray")
    raw = list(choicelist) + [default]
    # Python scalars take part in the type promotion weakly, as in NumPy
    dtype = np.result_type(*[c if type(c) in (int, float, complex) else dtype_of(_arr(c))
                             for c in raw])
    choices = [_arr(c) for c in raw]
    shape = np.broadcast_shapes(*[tuple(shape_of(c)) for c in conds],
                                *[tuple(shape_of(c)) for c in choices])
    result = astype(choices[-1], dtype)
    for cond, choice in zip(conds[::-1], choices[-2::-1]):
        result = L.where(cond, astype(choice, dtype), result)
    return broadcast_to(result, shape)


# ============================================================================ sorting

@implements(np.argsort)
def argsort(a: Any, axis: int | None = -1, kind: str | None = None, order: Any = None, *,
            stable: bool | None = None) -> np.ndarray:
    """Indices that sort ``a`` along ``axis`` (``np.argsort``): an integer array without
    a tangent (concrete, or staged under ``linad.jit``).

    Examples
    --------
    >>> import numpy as np, linad.numpy as lnp
    >>> lnp.argsort(np.array([3.0, 1.0, 2.0]))
    array([1, 2, 0])
    """
    a, axis = _sort_operand(a, axis, order, "argsort")
    return bind(argsort_p, a, axis=axis, kind="stable" if stable else kind)


def _sort_operand(a: Any, axis: int | None, order: Any, name: str) -> tuple[Any, int]:
    """(the array to sort, the normalised axis); ``axis=None`` sorts the flattened array."""
    if order is not None:
        raise TypeError(f"{name}: order= (structured arrays) is not supported on traced values")
    a = _arr(a)
    if axis is None:
        a, axis = ravel(a), 0
    if _ndim(a) == 0:
        if name == "sort":
            raise np.exceptions.AxisError(f"axis {axis} is out of bounds for array of "
                                          "dimension 0")
        return a, axis
    return a, normalize_axis_index(axis, _ndim(a))


@implements(np.sort)
def sort(a: Any, axis: int | None = -1, kind: str | None = None, order: Any = None, *,
         stable: bool | None = None) -> Any:
    """Sorted copy of ``a`` along ``axis`` (``np.sort``); differentiable in the values.

    Examples
    --------
    >>> import numpy as np, linad
    >>> linad.grad(lambda x: linad.numpy.sort(x)[0] * 10 + linad.numpy.sort(x)[2])(
    ...     np.array([3.0, 1.0, 2.0]))
    array([ 1., 10.,  0.])
    """
    a, axis = _sort_operand(a, axis, order, "sort")
    out = take_along_axis(a, argsort(a, axis, kind, stable=stable), axis)
    return _share_ties(out, axis) if isinstance(out, Tracer) else out


def _share_ties(s: Any, axis: int) -> Any:
    """Equal sorted values share their tangent equally (the tie convention of max and clip).

    The value is unchanged exactly: ``stop(s) + (avg(s) - stop(avg(s)))`` adds an exact
    zero, while the tangent becomes the mean of the tangents of each group of tied values
    (infinite values keep theirs: there the zero would be ``inf - inf``).
    """
    v = detached_value(s)
    if isinstance(v, Tracer):
        return _share_ties_staged(s, v, axis)
    v = np.moveaxis(v, axis, -1)
    n = v.shape[-1] if v.ndim else 1
    if v.ndim == 0 or n < 2 or not np.any(v[..., 1:] == v[..., :-1]):
        return s
    new_group = np.concatenate([np.ones(v.shape[:-1] + (1,), bool), v[..., 1:] != v[..., :-1]], -1)
    ids = np.cumsum(new_group, -1) + _group_offsets(v.shape)
    counts = np.bincount(ids.reshape(-1), minlength=ids.size).astype(_real_dtype(s))
    finite = np.isfinite(np.moveaxis(v, -1, axis))
    return _average_groups(s, ids.reshape(-1), counts, axis, None if finite.all() else finite)


def _share_ties_staged(s: Any, v: Any, axis: int) -> Any:
    """:func:`_share_ties` on a value staged by ``linad.jit``: the groups of ties are staged
    (recomputed on every call)."""
    if type(v) is type(s):  # a staged value without a tangent: nothing to share
        return s
    v = _moveaxis_last(v, axis)
    shape = tuple(shape_of(v))
    if not shape or shape[-1] < 2:
        return s
    size = math.prod(shape)
    new_group = L.concatenate([np.ones(shape[:-1] + (1,), bool),
                               v[..., 1:] != v[..., :-1]], len(shape) - 1)
    ids = L.reshape(L.add(L.cumsum(new_group, len(shape) - 1), _group_offsets(shape)), (size,))
    counts = L.scatter_add(np.ones(size, _real_dtype(s)), (ids,), (size,))
    return _average_groups(s, ids, counts, axis, on_primal(np.isfinite)(_move_back(v, axis)))


def _group_offsets(shape: tuple) -> np.ndarray:
    """Added to the running group number along the last axis: distinct ids for every row
    (``-1`` makes the first group of row ``r`` number ``r * n``)."""
    n = shape[-1]
    rows = math.prod(shape[:-1])
    return np.arange(rows).reshape(shape[:-1] + (1,)) * n - 1


def _real_dtype(s: Any) -> np.dtype:
    return np.empty((), dtype_of(s)).real.dtype  # keeps float32 float32


def _average_groups(s: Any, ids: Any, counts: Any, axis: int, finite: Any = None) -> Any:
    """``s`` whose tangent is replaced by its mean over each group (``ids``: the flat group
    of each entry of ``s`` moved to the last axis; ``counts``: entries per group id).

    ``finite``: the mask of finite entries, where not all are (``None``: all are); the
    others keep their own tangent, and the average runs over zeros there, so that the
    exact zero added to the value is never ``inf - inf``.
    """
    shape = tuple(shape_of(s))
    moved_shape = shape[:axis] + shape[axis + 1:] + (shape[axis],)
    safe = s if finite is None else L.where(finite, s, np.zeros((), dtype_of(s)))
    moved = L.reshape(_moveaxis_last(safe, axis), (ids.size,))
    sums = L.scatter_add(moved, (ids,), (ids.size,))
    avg = L.div(L.getitem(sums, (ids,)), L.getitem(counts, (ids,)))
    avg = _move_back(L.reshape(avg, moved_shape), axis)
    shared = L.add(stop_gradient(s), L.sub(avg, stop_gradient(avg)))
    return shared if finite is None else L.where(finite, shared, s)


def _moveaxis_last(x: Any, axis: int) -> Any:
    nd = len(shape_of(x))
    if axis == nd - 1:
        return x
    perm = tuple(i for i in range(nd) if i != axis) + (axis,)
    return L.transpose(x, perm)


def _move_back(x: Any, axis: int) -> Any:
    nd = len(shape_of(x))
    if axis == nd - 1:
        return x
    perm = list(range(nd - 1))
    perm.insert(axis, nd - 1)
    return L.transpose(x, tuple(perm))


# ============================================================================ functional updates

def _prep(x: Any, idx: Any, v: Any) -> tuple:
    """(x, normalised idx, v broadcast to the shape of ``x[idx]`` with ``x``'s dtype)."""
    x = _arr(x)
    shape = tuple(shape_of(x))
    idx = normalize_index(idx, shape)
    target = _target_shape(shape, idx)
    dt = dtype_of(x)
    if isinstance(v, Tracer):
        v = astype(v, dt) if is_inexact(dt) or not is_inexact(dtype_of(v)) else v
    else:
        v = np.asarray(v, dtype=dt)
    vs = tuple(shape_of(v))
    while len(vs) > len(target) and vs[0] == 1:  # NumPy drops leading size-1 axes of v
        vs = vs[1:]
    v = reshape(v, vs) if vs != tuple(shape_of(v)) else v
    return x, idx, broadcast_to(v, target)


def _positions(shape: tuple, idx: tuple) -> np.ndarray:
    """The flat positions in an array of ``shape`` of the elements of ``x[idx]``, raveled."""
    return np.arange(math.prod(shape)).reshape(shape)[idx].ravel()


def _untouched(shape: tuple, idx: tuple) -> np.ndarray:
    mask = np.ones(shape, dtype=bool)
    mask[idx] = False
    return mask


def index_add(x: Any, idx: Any, v: Any) -> Any:
    """``x`` with ``v`` added at ``idx``, as a new array (``x.at[idx].add(v)``).

    Repeated indices accumulate, as in ``np.add.at``.  Linear in ``(x, v)``.

    Examples
    --------
    >>> import numpy as np, linad.numpy as lnp
    >>> lnp.index_add(np.zeros(3), [0, 0, 2], 1.0)
    array([2., 0., 1.])
    """
    x, idx, v = _prep(x, idx, v)
    return L.add(x, L.scatter_add(v, idx, tuple(shape_of(x))))


def index_set(x: Any, idx: Any, v: Any) -> Any:
    """``x`` with ``x[idx] = v``, as a new array (``x.at[idx].set(v)``).

    Where an index repeats, the last write wins, as in NumPy's assignment.

    Examples
    --------
    >>> import numpy as np, linad.numpy as lnp
    >>> lnp.index_set(np.zeros(3), [0, 2, 0], np.array([1.0, 2.0, 3.0]))
    array([3., 0., 2.])
    """
    x, idx, v = _prep(x, idx, v)
    shape = tuple(shape_of(x))
    if _has_traced(idx):
        return _index_set_traced(x, idx, v)
    keep = _untouched(shape, idx)
    pos = _positions(shape, idx)
    if np.unique(pos).size == pos.size:
        return L.where(keep, x, L.scatter_add(v, idx, shape))
    # keep, for every written position, the last element of v written to it
    rev_first = np.unique(pos[::-1], return_index=True)[1]
    last = pos.size - 1 - rev_first
    vals = L.getitem(reshape(v, (-1,)), (last,))
    written = reshape(L.scatter_add(vals, (pos[last],), (keep.size,)), shape)
    return L.where(keep, x, written)


def _has_traced(idx: tuple) -> bool:
    return any(isinstance(i, Tracer) for i in idx)


def _index_set_traced(x: Any, idx: tuple, v: Any) -> Any:
    """:func:`index_set` at traced indices: which element of ``v`` each position receives
    (the last one written to it) is staged, as is the mask of untouched positions."""
    shape = tuple(shape_of(x))
    size = math.prod(shape)
    if not size or not math.prod(shape_of(v)):
        return x
    pos = ravel(L.getitem(np.arange(size).reshape(shape), idx))
    writer = stage_numpy_call(_last_writer, (pos, size), {})
    written = L.getitem(reshape(v, (-1,)), (writer,))  # -1 (untouched) reads an unused entry
    return L.where(reshape(writer < 0, shape), x, reshape(written, shape))


def _last_writer(pos: np.ndarray, size: int) -> np.ndarray:
    """For each of ``size`` flat positions, the index in ``pos`` of its last write (-1: none),
    as NumPy's assignment ``x.flat[pos] = v`` orders repeated writes."""
    writer = np.full(size, -1, np.intp)
    writer[pos] = np.arange(pos.size)
    return writer


def _refuse_traced(idx: tuple, name: str) -> None:
    """``name`` applies a value-dependent number of steps where indices repeat: refused for
    indices staged by ``linad.jit`` or batched by ``linad.vmap``."""
    if _has_traced(idx):
        raise ConcretizationError(
            f"{name} with an index computed from traced values (inside linad.jit or "
            "linad.vmap): how often each position is updated depends on the index values, "
            "which a staged program or a batch cannot follow. Use index_set or index_add "
            "(x.at[idx].set / .add), which take traced indices, or call the function without "
            "jit or in a Python loop over the batch.")


def index_multiply(x: Any, idx: Any, v: Any) -> Any:
    """``x`` with ``x[idx]`` multiplied by ``v``, as a new array (``x.at[idx].multiply(v)``).

    Repeated indices multiply repeatedly, as in ``np.multiply.at``.

    Examples
    --------
    >>> import numpy as np, linad.numpy as lnp
    >>> lnp.index_multiply(np.full(3, 2.0), [0, 0, 1], np.array([3.0, 5.0, 7.0]))
    array([30., 14.,  2.])
    """
    x, idx, v = _prep(x, idx, v)
    _refuse_traced(idx, "index_multiply (x.at[idx].multiply)")
    shape = tuple(shape_of(x))
    size = math.prod(shape)
    pos = _positions(shape, idx)
    flat_v = reshape(v, (-1,))
    one = np.ones((), dtype_of(x))
    factor = None
    for layer in _occurrence_layers(pos):  # each position is written at most once per layer
        spread = L.scatter_add(L.getitem(flat_v, (layer,)), (pos[layer],), (size,))
        untouched = np.ones(size, dtype=bool)
        untouched[pos[layer]] = False
        f = L.where(untouched, one, spread)
        factor = f if factor is None else multiply(factor, f)
    if factor is None:
        return x
    return multiply(x, reshape(factor, shape))


def _occurrence_layers(pos: np.ndarray) -> list[np.ndarray]:
    """Split the positions' indices into layers: layer k holds each position's k-th write."""
    order = np.argsort(pos, kind="stable")
    sorted_pos = pos[order]
    starts = np.r_[True, sorted_pos[1:] != sorted_pos[:-1]] if pos.size else np.zeros(0, bool)
    run_start = np.maximum.accumulate(np.where(starts, np.arange(pos.size), 0)) \
        if pos.size else np.zeros(0, int)
    occurrence = np.empty(pos.size, dtype=np.intp)
    occurrence[order] = np.arange(pos.size) - run_start
    return [np.nonzero(occurrence == k)[0] for k in range(int(occurrence.max(initial=-1)) + 1)]



# ============================================================================ partial sorts

@implements(np.argpartition)
def argpartition(a: Any, kth: Any, axis: int | None = -1, kind: str = "introselect",
                 order: Any = None) -> np.ndarray:
    """Indices that partition ``a`` around the ``kth`` order statistics
    (``np.argpartition``): an integer array without a tangent (concrete, or staged under
    ``linad.jit``).

    Examples
    --------
    >>> import numpy as np, linad.numpy as lnp
    >>> int(lnp.argpartition(np.array([3.0, 1.0, 2.0]), 1)[1])
    2
    """
    if order is not None:
        raise TypeError("argpartition: order= (structured arrays) is not supported on traced "
                        "values")
    return on_primal(np.argpartition)(a, kth, axis=axis, kind=kind)


@implements(np.partition)
def partition(a: Any, kth: Any, axis: int | None = -1, kind: str = "introselect",
              order: Any = None) -> Any:
    r"""``a`` with the ``kth`` elements in their sorted places, smaller ones before and
    larger ones after (``np.partition``); differentiable in the values.

    The derivative of each output entry is that of the input element placed there,
    as for ``sort``: :math:`d\,\mathrm{partition}(x) = dx[\mathrm{argpartition}(x)]`.

    Examples
    --------
    >>> import numpy as np, linad, linad.numpy as lnp
    >>> linad.grad(lambda x: lnp.partition(x, 1)[1])(np.array([3.0, 1.0, 2.0]))
    array([0., 0., 1.])
    """
    a, axis = _sort_operand(a, axis, order, "partition")
    if not isinstance(a, Tracer):
        return np.partition(a, kth, axis=axis, kind=kind)
    return take_along_axis(a, argpartition(a, kth, axis, kind), axis)


@implements(np.sort_complex)
def sort_complex(a: Any) -> Any:
    """``a`` sorted along its last axis by real part, then imaginary part, as complex
    (``np.sort_complex``; real input becomes ``complex128``, or ``complex64`` for
    small integer types, as in NumPy).

    Examples
    --------
    >>> import numpy as np, linad.numpy as lnp
    >>> lnp.sort_complex(np.array([1 + 2j, 1 - 1j, 0.5 + 0j]))
    array([0.5+0.j, 1. -1.j, 1. +2.j])
    """
    a = _arr(a)
    if not isinstance(a, Tracer):
        return np.sort_complex(a)
    out = sort(a)
    dt = dtype_of(out)
    if dt.kind != "c":
        out = astype(out, "F" if dt.char in "bhBH" else "G" if dt.char == "g" else "D")
    return out


def _flat_set(a: Any, positions: np.ndarray, values: Any) -> Any:
    """``a`` with its flat ``positions`` set to ``values`` repeated cyclically, as NumPy's
    ``a.flat[positions] = values`` (the last write wins where a position repeats)."""
    a = _arr(a)
    shape = tuple(shape_of(a))
    values = _arr(values)
    if not isinstance(values, Tracer):
        values = np.asarray(values, dtype=dtype_of(a))
    if not positions.size or not math.prod(shape_of(values)):
        return a
    return reshape(index_set(ravel(a), positions, resize(values, positions.shape)), shape)


def fill_diagonal(a: Any, val: Any, wrap: bool = False) -> Any:
    """``a`` with its main diagonal set to ``val``, as a new array (the functional form
    of ``np.fill_diagonal``, which writes in place).

    The positions are NumPy's: for a tall matrix, ``wrap=True`` continues the
    diagonal after every ``n + 1`` rows; ``val`` is repeated cyclically.  Linear in
    ``(a, val)``.

    Examples
    --------
    >>> import numpy as np, linad.numpy as lnp
    >>> lnp.fill_diagonal(np.zeros((2, 3)), [5.0, 6.0])
    array([[5., 0., 0.],
           [0., 6., 0.]])
    """
    shape = tuple(shape_of(a))
    if len(shape) < 2:
        raise ValueError("array must be at least 2-d")
    if len(shape) == 2:
        step = shape[1] + 1
        end = None if wrap else shape[1] * shape[1]
    else:
        if len(set(shape)) != 1:
            raise ValueError("All dimensions of input must be of equal length")
        step = 1 + int(np.cumprod(shape[:-1]).sum())
        end = None
    positions = np.arange(math.prod(shape))[:end:step]
    return _flat_set(a, positions, ravel(_arr(val)))


def put(a: Any, ind: Any, v: Any, mode: str = "raise") -> Any:
    """``a`` with the flat positions ``ind`` set to ``v``, as a new array (the functional
    form of ``np.put``, which writes in place).

    ``v`` is repeated cyclically over ``ind``; ``mode`` is ``"raise"``, ``"wrap"`` or
    ``"clip"``; where an index repeats, the last value wins.

    Examples
    --------
    >>> import numpy as np, linad.numpy as lnp
    >>> lnp.put(np.zeros(4), [0, -1], np.array([1.0, 2.0]))
    array([1., 0., 0., 2.])
    """
    size = math.prod(shape_of(a))
    ind = ravel(_moded_indices(ind, size, mode, "put"))
    return _flat_set(a, _index_op(_flat_positions, ind, size), ravel(_arr(v)))


def _flat_positions(ind: np.ndarray, size: int) -> np.ndarray:
    """Flat indices into ``size`` entries made non-negative; out of bounds ones raise."""
    if ind.size and (ind.min() < -size or ind.max() >= size):
        raise IndexError(f"index {int(ind.max() if ind.max() >= size else ind.min())} is out "
                         f"of bounds for axis 0 with size {size}")
    return np.mod(ind, size) if size else ind


def put_along_axis(arr: Any, indices: Any, values: Any, axis: int | None) -> Any:
    """``arr`` with ``values`` written at ``indices`` along ``axis``, as a new array (the
    functional form of ``np.put_along_axis``, which writes in place).

    Examples
    --------
    >>> import numpy as np, linad.numpy as lnp
    >>> x = np.array([[3.0, 1.0], [2.0, 5.0]])
    >>> lnp.put_along_axis(x, np.argmax(x, axis=1, keepdims=True), 0.0, axis=1)
    array([[0., 1.],
           [2., 0.]])
    """
    arr = _arr(arr)
    shape = tuple(shape_of(arr))
    ind = _along_axis_indices(indices)
    if axis is None:
        if _ndim(ind) != 1:
            raise ValueError("when axis=None, `indices` must have a single dimension.")
        return reshape(put_along_axis(ravel(arr), ind, values, 0), shape)
    if _ndim(ind) != len(shape):
        raise ValueError("`indices` and `arr` must have the same number of dimensions")
    axis = normalize_axis_index(axis, len(shape))
    return index_set(arr, _along_axis_index(shape, ind, axis), values)


# ============================================================================ piecewise

@implements(np.piecewise)
def piecewise(x: Any, condlist: Any, funclist: Sequence, *args: Any, **kw: Any) -> Any:
    """``funclist[k](x[condlist[k]])`` where each condition holds (``np.piecewise``).

    The conditions are concrete boolean arrays (comparisons of traced values are);
    the entries of ``funclist`` are callables, which receive the traced selected
    values as a 1-D array, or constants.  One extra function is the default where no
    condition holds; entries no condition selects are 0.  Later conditions win.

    Examples
    --------
    >>> import numpy as np, linad, linad.numpy as lnp
    >>> f = lambda x: lnp.piecewise(x, [x < 0, x >= 0], [lambda v: -v, lambda v: v ** 2]).sum()
    >>> linad.grad(f)(np.array([-1.0, 3.0]))
    array([-1.,  6.])
    """
    x = _arr(x)
    shape = tuple(shape_of(x))
    _refuse_staged_conditions(condlist)
    if isinstance(condlist, Tracer):
        _concrete(condlist, "piecewise")
    if np.isscalar(condlist) or (not isinstance(condlist[0], (list, np.ndarray))
                                 and len(shape) != 0):
        condlist = [condlist]
    conds = np.asarray([_concrete(c, "piecewise") for c in condlist], dtype=bool)
    n, n2 = len(conds), len(funclist)
    if n == n2 - 1:
        conds = np.concatenate([conds, ~np.any(conds, axis=0, keepdims=True)], 0)
    elif n != n2:
        raise ValueError(f"with {n} condition(s), either {n} or {n + 1} functions are expected")
    if not isinstance(x, Tracer) and not any(callable(f) or isinstance(f, Tracer)
                                             for f in funclist):
        return np.piecewise(x, list(conds), list(funclist))
    flat_x = ravel(x)
    y = np.zeros(flat_x.shape if not isinstance(flat_x, Tracer) else shape_of(flat_x),
                 dtype_of(x))
    for cond, func in zip(conds, funclist):
        if cond.shape != shape:
            raise IndexError(f"piecewise: a condition of shape {cond.shape} does not match x "
                             f"of shape {shape}")
        pos = np.nonzero(cond.ravel())[0]
        if not callable(func):
            y = index_set(y, pos, func)
        elif pos.size:
            y = index_set(y, pos, func(L.getitem(flat_x, (pos,)) if isinstance(flat_x, Tracer)
                                       else flat_x[pos], *args, **kw))
    return reshape(y, shape)


def _refuse_staged_conditions(condlist: Any) -> None:
    """``piecewise`` calls each function on the entries its condition selects: conditions
    staged by ``linad.jit`` would give those arrays value-dependent shapes."""
    conds = condlist if isinstance(condlist, (list, tuple)) else [condlist]
    staged = [c for c in conds if _is_staged(c)]
    if staged:
        raise value_dependence_error(
            detached_value(staged[0]), "piecewise: the conditions were computed from traced "
            "values, and each function is called on the entries its condition selects, an "
            "array whose length depends on values", "For functions that act elementwise write "
            "lnp.where(cond, f(x), g(x))")


# ============================================================================ bincount, histogram

def _weights_of(weights: Any, sample_shape: tuple, name: str) -> Any:
    w = _arr(weights)
    if tuple(shape_of(w)) != sample_shape:
        raise ValueError(f"{name}: weights should have the same shape as the samples "
                         f"{sample_shape}, not {tuple(shape_of(w))}")
    return w


@implements(np.bincount)
def bincount(x: Any, /, weights: Any = None, minlength: int = 0) -> Any:
    """Count of each value in the concrete non-negative integer array ``x``, or the sum of
    ``weights`` per value (``np.bincount``); differentiable in ``weights``.

    As in NumPy the weighted result is ``float64``; complex weights are refused.

    Examples
    --------
    >>> import numpy as np, linad, linad.numpy as lnp
    >>> linad.jvp(lambda w: lnp.bincount([0, 2, 2], w), (np.ones(3),), (np.arange(3.0),))[1]
    array([0., 0., 3.])
    """
    x = _concrete(x, "bincount (the samples are integers; weights may be traced)")
    if weights is None or not isinstance(weights, Tracer):
        return np.bincount(x, weights, minlength=minlength)
    # NumPy's own checks of x, minlength and the length of the weights
    counts = np.bincount(x, np.zeros(shape_of(weights)), minlength=minlength)
    w = _weights_of(weights, np.shape(x), "bincount")
    if dtype_of(w).kind == "c":
        raise TypeError("bincount: complex weights are not supported (NumPy casts weights to "
                        "float64); take the real and imaginary parts separately")
    return L.scatter_add(astype(w, np.float64), (x.astype(np.intp),), counts.shape)


@implements(np.histogram)
def histogram(a: Any, bins: Any = 10, range: Any = None, density: bool | None = None,
              weights: Any = None) -> tuple:
    """Histogram of the samples ``a`` (``np.histogram``); differentiable in ``weights``,
    each bin being the sum of the weights of its samples.

    The counts are piecewise constant in the samples, ``bins`` and ``range``: traced
    values there are used through their concrete primal values (no derivative flows to
    them, as for a comparison).  With ``density=True`` the weighted counts are divided
    by their total and the bin widths.  Returns ``(hist, bin_edges)``.

    Examples
    --------
    >>> import numpy as np, linad, linad.numpy as lnp
    >>> f = lambda w: lnp.histogram(np.array([0.1, 0.2, 0.9]), 2, (0, 1), weights=w)[0]
    >>> linad.jvp(f, (np.ones(3),), (np.array([1.0, 2.0, 4.0]),))[1]
    array([3., 4.])
    """
    a, bins, range = (detached_value(v) if isinstance(v, Tracer) else v for v in (a, bins, range))
    if not isinstance(weights, Tracer):
        return np.histogram(a, bins, range, density, weights)
    a = np.asarray(a)
    w = ravel(_weights_of(weights, a.shape, "histogram"))
    if isinstance(bins, str):
        raise TypeError("Automated estimation of the number of bins is not supported for "
                        "weighted data")
    edges = np.histogram_bin_edges(a, bins, range)
    n = edges.size - 1
    flat = a.ravel()
    keep = np.nonzero((flat >= edges[0]) & (flat <= edges[-1]))[0]
    where = np.minimum(np.searchsorted(edges, flat[keep], side="right") - 1, n - 1)
    hist = L.scatter_add(L.getitem(w, (keep,)), (where,), (n,))
    if density:
        hist = divide(divide(hist, np.diff(edges)), L.reduce_sum(hist, (0,)))
    return hist, edges



def _index_select(prim, x: Any, idx: Any, v: Any) -> Any:
    """``x`` with ``x[idx]`` replaced by ``prim(x[idx], v)`` (``prim`` maximum or minimum),
    applied once per occurrence of each position, in order (as ``np.maximum.at``)."""
    x, idx, v = _prep(x, idx, v)
    _refuse_traced(idx, f"index_{prim.name[:3]} (x.at[idx].{prim.name[:3]})")
    shape = tuple(shape_of(x))
    pos = _positions(shape, idx)
    flat_x, flat_v = reshape(x, (-1,)), reshape(v, (-1,))
    for layer in _occurrence_layers(pos):  # each position is written at most once per layer
        at = (pos[layer],)
        picked = bind(prim, L.getitem(flat_x, at), L.getitem(flat_v, (layer,)))
        flat_x = index_set(flat_x, at, picked)
    return reshape(flat_x, shape)


def index_min(x: Any, idx: Any, v: Any) -> Any:
    """``x`` with ``x[idx]`` replaced by ``minimum(x[idx], v)``, as a new array
    (``x.at[idx].min(v)``).

    Repeated indices apply ``minimum`` once per occurrence, in order, as
    ``np.minimum.at``.  The derivative follows the selected operand; at a tie
    each operand gets half, as in :func:`linad.numpy.minimum` (with repeated
    indices, step by step).

    Examples
    --------
    >>> import numpy as np, linad, linad.numpy as lnp
    >>> lnp.index_min(np.full(3, 2.0), [0, 0, 2], np.array([3.0, 1.0, 0.5]))
    array([1. , 2. , 0.5])
    >>> linad.grad(lambda v: lnp.index_min(np.full(3, 2.0), [0, 0, 2], v).sum())(
    ...     np.array([3.0, 1.0, 0.5]))
    array([0., 1., 1.])
    """
    return _index_select(minimum_p, x, idx, v)


def index_max(x: Any, idx: Any, v: Any) -> Any:
    """``x`` with ``x[idx]`` replaced by ``maximum(x[idx], v)``, as a new array
    (``x.at[idx].max(v)``).

    Repeated indices apply ``maximum`` once per occurrence, in order, as
    ``np.maximum.at``; ties share the derivative equally, as in
    :func:`linad.numpy.maximum`.

    Examples
    --------
    >>> import numpy as np, linad.numpy as lnp
    >>> lnp.index_max(np.zeros(3), [1, 1], np.array([3.0, 5.0]))
    array([0., 5., 0.])
    """
    return _index_select(maximum_p, x, idx, v)


class AtIndexer:
    """``x.at[idx]``: the functional updates of ``x`` at ``idx`` (:class:`AtUpdate`).

    Examples
    --------
    >>> import numpy as np
    >>> AtIndexer(np.zeros(3))[[0, 0]].add(1.0)
    array([2., 0., 0.])
    """

    __slots__ = ("x",)

    def __init__(self, x: Any):
        self.x = x

    def __getitem__(self, idx: Any) -> "AtUpdate":
        return AtUpdate(self.x, idx)


class AtUpdate:
    """``x.at[idx].set(v)`` / ``.add(v)`` / ``.multiply(v)`` / ``.min(v)`` / ``.max(v)`` /
    ``.get()``: a new array, ``x`` is not modified (``index_set``, ``index_add``, ...).

    Examples
    --------
    >>> import numpy as np
    >>> AtUpdate(np.array([1.0, 5.0]), [1, 1]).min(np.array([3.0, 4.0]))
    array([1., 3.])
    """

    __slots__ = ("x", "idx")

    def __init__(self, x: Any, idx: Any):
        self.x, self.idx = x, idx

    def add(self, v: Any) -> Any:
        return index_add(self.x, self.idx, v)

    def set(self, v: Any) -> Any:
        return index_set(self.x, self.idx, v)

    def multiply(self, v: Any) -> Any:
        return index_multiply(self.x, self.idx, v)

    def min(self, v: Any) -> Any:
        return index_min(self.x, self.idx, v)

    def max(self, v: Any) -> Any:
        return index_max(self.x, self.idx, v)

    def get(self) -> Any:
        return index(self.x, self.idx)
