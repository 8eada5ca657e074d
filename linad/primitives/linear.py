r"""The linear primitives: the only primitives with transpose rules.

Every transpose rule below is written with primitives of this module, so the
set is closed under transposition: a transposed program is again a program of
these primitives and transposes back.

Conventions
-----------
* Transpose, not adjoint: with the bilinear pairing
  :math:`\langle u, v\rangle = \mathrm{Re}\sum u v` (no conjugation) the transpose
  of :math:`t \mapsto c\,t` is :math:`s \mapsto c\,s` for complex ``c`` too.
* Broadcasting is undone in every elementwise transpose (:func:`unbroadcast`);
  where a real operand met a complex one, the real part is taken.
* Every primitive has a batch rule (``batch_rule``, the rule ``linad.vmap`` applies), so
  many tangents go through a program in one pass.  The helpers every batch rule is
  written with (moving and aligning batch axes, the rule of elementwise primitives,
  the rule of primitives with axis parameters, the per-element fallback) are here,
  written with the structural primitives of this module, so they work on concrete
  arrays and on tracers alike.
"""
from __future__ import annotations

import functools
import string
from typing import Any, Sequence

import numpy as np

from ..core import (Primitive, Tracer, Var, Zero, bind, define_tracer_methods, dtype_of, instantiate,
                    is_inexact, is_linear_arg, real_dtype, shape_of)
from ..optimize import on_switch
from .einsum_exec import contract, ones_vector, parse_spec, sum_axes
from .rules import defjvp, defjvp_full, deflinear

__all__ = [
    "add_p", "sub_p", "neg_p", "mul_p", "div_p", "einsum_p", "sum_p", "broadcast_to_p",
    "reshape_p", "transpose_p", "getitem_p", "scatter_add_p", "concatenate_p", "where_p",
    "convert_p", "real_p", "imag_p", "conj_p", "complex_p",
    "add", "sub", "neg", "mul", "div", "einsum", "reduce_sum", "broadcast_to", "reshape",
    "transpose", "getitem", "scatter_add", "split_index", "fill_index", "IndexSlot",
    "concatenate", "where", "convert", "real", "imag",
    "conj", "unbroadcast", "fit_dtype", "fit_like", "fit_aval",
    "moveaxis", "batch_size", "elementwise_primitive", "align_batched", "to_front", "batched_front", "elementwise_batch_rule",
    "axes_batch_rule", "front_batch_rule", "loop_batch_rule", "stack_front",
]


# ============================================================================ helpers

def _result_dtype(*avals) -> np.dtype:
    if len(avals) == 2:  # the common case, without a loop
        a, b = avals[0][1], avals[1][1]
        if a is b and isinstance(a, np.dtype):
            return a
        return _result_type_cached((a if isinstance(a, np.dtype) else type(a),
                                    b if isinstance(b, np.dtype) else type(b)))
    first = avals[0][1]
    if isinstance(first, np.dtype):
        for _, dt in avals:
            if dt is not first:
                break
        else:
            return first
    key = []
    for _, dt in avals:
        key.append(dt if isinstance(dt, np.dtype) else type(dt))
    return _result_type_cached(tuple(key))


@functools.lru_cache(maxsize=1024)
def _result_type_cached(dts: tuple) -> np.dtype:
    """``np.result_type`` keyed by dtypes and, for Python scalars, their *type* (weak typing)."""
    return np.result_type(*[d if isinstance(d, np.dtype) else d(0) for d in dts])


def _bshape(*avals) -> tuple:
    first = avals[0][0]
    for s, _ in avals:
        if s != first:
            return _broadcast_shapes_cached(tuple(s for s, _ in avals))
    return first


@functools.lru_cache(maxsize=1024)
def _broadcast_shapes_cached(shapes: tuple) -> tuple:
    return np.broadcast_shapes(*shapes)


def _elementwise_shape(*avals, **_):
    if len(avals) == 2:  # the common case, without a loop
        (s0, d0), (s1, d1) = avals
        return (s0 if s0 == s1 else _bshape(*avals)), (d0 if d0 is d1 else _result_dtype(*avals))
    shape, dtype = avals[0]
    for s, dt in avals:
        if dt is not dtype or s != shape:
            return _bshape(*avals), _result_dtype(*avals)
    return shape, dtype  # the common case: operands of one aval


def fit_dtype(ct: Any, dtype: Any) -> Any:
    """Cast a cotangent to its primal's dtype (real part if the primal is real)."""
    cdt = dtype_of(ct)
    if cdt is dtype:
        return ct
    dtype = np.dtype(dtype)
    if cdt == dtype:
        return ct
    if cdt.kind == "c" and dtype.kind != "c":
        ct = real(ct)
        if dtype_of(ct) == dtype:
            return ct
    return convert(ct, dtype)


def unbroadcast(ct: Any, target: Any) -> Any:
    """Sum ``ct`` over the axes along which ``target`` (a Var or array) was broadcast.

    Also fits the dtype to the target's (see :func:`fit_dtype`).
    """
    try:
        if ct.shape == target.shape and ct.dtype == target.dtype:
            return ct
    except AttributeError:  # a Python scalar
        pass
    shape = tuple(shape_of(target))
    cshape = tuple(shape_of(ct))
    if cshape != shape:
        lead = len(cshape) - len(shape)
        axes = tuple(range(lead)) + tuple(
            lead + i for i, (s, c) in enumerate(zip(shape, cshape[lead:])) if s == 1 and c != 1)
        if axes:
            ct = reduce_sum(ct, axes, lead == 0)  # keepdims when no leading axes go
        if tuple(shape_of(ct)) != shape:
            ct = reshape(ct, shape)
    return fit_dtype(ct, dtype_of(target))


def fit_like(x: Any, ans: Any) -> Any:
    """``x`` broadcast and cast to the aval of ``ans`` (no work when it has it already)."""
    try:
        if x.shape == ans.shape and x.dtype == ans.dtype:
            return x
    except AttributeError:  # a Python scalar
        pass
    return fit_aval(x, shape_of(ans), dtype_of(ans))


def fit_aval(x: Any, shape: tuple, dtype: Any) -> Any:
    """Broadcast ``x`` to ``shape`` and cast it to ``dtype`` (both linear)."""
    if tuple(shape_of(x)) != tuple(shape):
        x = broadcast_to(x, shape)
    if dtype_of(x) != dtype:
        x = convert(x, dtype)
    return x


# ============================================================================ batching helpers
#
# A batch rule ``rule(args, dims, **params) -> (out, out_dim)`` receives the operands
# with ``dims[i]`` the position of operand ``i``'s batch axis (``None``: not batched; at
# least one is batched) and returns the result with the position of its batch axis
# (a list of results and a list of positions for a primitive with multiple results).
# Rules bind primitives, so they run on NumPy arrays and on tracers of enclosing
# transformations alike.

def moveaxis(x: Any, src: int, dst: int) -> Any:
    """``x`` with axis ``src`` moved to position ``dst`` (non-negative positions).

    Examples
    --------
    >>> moveaxis(np.zeros((2, 3, 4)), 2, 0).shape
    (4, 2, 3)
    """
    if src == dst:
        return x
    perm = list(range(len(shape_of(x))))
    perm.insert(dst, perm.pop(src))
    return transpose(x, tuple(perm))


def batch_size(args: Sequence, dims: Sequence) -> int:
    """The length of the batch axis of the batched operands."""
    for a, d in zip(args, dims):
        if d is not None:
            return shape_of(a)[d]
    raise ValueError("no operand is batched")


def to_front(x: Any, d: int | None, size: int) -> Any:
    """``x`` with its batch axis first; an unbatched ``x`` is broadcast along a new one."""
    if d is None:
        shape = tuple(shape_of(x))
        return broadcast_to(reshape(x, (1,) + shape), (size,) + shape)
    return moveaxis(x, d, 0)


def batched_front(args: Sequence, dims: Sequence) -> list:
    """Every operand with its batch axis first (unbatched ones broadcast)."""
    n = batch_size(args, dims)
    return [to_front(a, d, n) for a, d in zip(args, dims)]


def stack_front(xs: Sequence) -> Any:
    """Arrays of one shape stacked along a new first axis (with linad operations)."""
    return concatenate([reshape(x, (1,) + tuple(shape_of(x))) for x in xs], 0)


def align_batched(x: Any, d: int | None, nd: int) -> Any:
    """A batched operand with its batch axis first and ones inserted after it, so that
    NumPy broadcasting against unbatched operands of rank <= ``nd`` sees the same
    alignment as without the batch."""
    if d is None:
        return x
    x = moveaxis(x, d, 0)
    shape = tuple(shape_of(x))
    core = len(shape) - 1
    if core < nd:
        x = reshape(x, shape[:1] + (1,) * (nd - core) + shape[1:])
    return x


def elementwise_batch_rule(prim: Primitive):
    """The batch rule of a broadcasting elementwise primitive.

    When every batched operand has its batch axis at the same position and the
    same rank, and no unbatched operand reaches that axis by broadcasting, the
    primitive applies as it is and the batch axis stays where it was; otherwise
    batched operands are moved to the front and aligned.
    """
    def rule(args, dims, **params):
        nd = nd_unbatched = 0
        pos = rank = None
        same = True
        for a, d in zip(args, dims):
            r = len(shape_of(a))
            if d is None:
                nd_unbatched = max(nd_unbatched, r)
                continue
            nd = max(nd, r - 1)
            if pos is None:
                pos, rank = d, r
            elif d != pos or r != rank:
                same = False
        if not (same and rank - pos > nd_unbatched):  # unbatched operands reach the axis
            nd = max(nd, nd_unbatched)
            args = [align_batched(a, d, nd) for a, d in zip(args, dims)]
            pos = 0
        out = bind(prim, *args, **params)
        return out, ([pos] * len(out) if prim.multiple_results else pos)
    return rule


def elementwise_primitive(name: str, impl) -> Primitive:
    """A new broadcasting elementwise primitive, with :func:`elementwise_batch_rule`."""
    prim = Primitive(name, impl)
    prim.batch_rule = elementwise_batch_rule(prim)
    return prim


def _shift_axis(a: int, core_ndim: int) -> int:
    """Axis ``a`` of the unbatched operand (negative allowed) with the batch axis first."""
    return (a % core_ndim if core_ndim else 0) + 1


def axes_batch_rule(prim: Primitive, name: str):
    """The batch rule of a one-operand primitive with an axis parameter ``name`` (an int
    or a tuple of ints, counted without the batch axis): the batch axis moves to the
    front and the axes shift by one.  Further operands must be unbatched."""
    def rule(args, dims, **params):
        if any(d is not None for d in dims[1:]):
            return loop_batch_rule(prim)(args, dims, **params)
        x = moveaxis(args[0], dims[0], 0)
        core = len(shape_of(x)) - 1
        ax = params[name]
        if ax is not None:
            params = dict(params)
            params[name] = (tuple(_shift_axis(a, core) for a in ax) if isinstance(ax, tuple)
                            else _shift_axis(ax, core))
        out = bind(prim, x, *args[1:], **params)
        return out, ([0] * len(out) if prim.multiple_results else 0)
    return rule


def front_batch_rule(prim: Primitive):
    """The batch rule of a primitive that accepts leading stack axes (``(..., n, n)``
    linear algebra): every operand is given the batch axis first (unbatched ones
    broadcast), and every result has it first."""
    def rule(args, dims, **params):
        out = bind(prim, *batched_front(args, dims), **params)
        return out, ([0] * len(out) if prim.multiple_results else 0)
    return rule


def loop_batch_rule(prim: Primitive):
    """The batch rule that applies ``prim`` once per batch element and stacks the results.

    For primitives whose operation has no batched form (a NumPy function called on
    each element); correct for any primitive, and as slow as a Python loop.
    """
    def rule(args, dims, **params):
        n = batch_size(args, dims)
        if n == 0:
            raise ValueError(f"primitive {prim.name!r} is batched by applying it to each "
                             "element, which needs a batch of at least one element")
        outs = []
        for i in range(n):
            elem = [a if d is None else getitem(a, (slice(None),) * d + (i,))
                    for a, d in zip(args, dims)]
            outs.append(bind(prim, *elem, **params))
        if prim.multiple_results:
            return [stack_front(list(o)) for o in zip(*outs)], [0] * len(outs[0])
        return stack_front(outs), 0
    return rule


# ============================================================================ add, sub, neg

add_p = Primitive("add", np.add)
sub_p = Primitive("sub", np.subtract)
neg_p = Primitive("neg", np.negative)


def add(x: Any, y: Any) -> Any:
    """Elementwise ``x + y`` with broadcasting."""
    return bind(add_p, x, y)


def sub(x: Any, y: Any) -> Any:
    """Elementwise ``x - y`` with broadcasting."""
    return bind(sub_p, x, y)


def neg(x: Any) -> Any:
    """Elementwise ``-x``."""
    return bind(neg_p, x)


def _add_transpose(ct, x, y):
    return [unbroadcast(ct, x) if is_linear_arg(x) else None,
            unbroadcast(ct, y) if is_linear_arg(y) else None]


def _sub_transpose(ct, x, y):
    return [unbroadcast(ct, x) if is_linear_arg(x) else None,
            unbroadcast(neg(ct), y) if is_linear_arg(y) else None]


deflinear(add_p, linear_in=(0, 1), aval_rule=_elementwise_shape, transpose_rule=_add_transpose,
          batch_rule=elementwise_batch_rule(add_p))
defjvp(add_p, lambda t, ans, x, y: t, lambda t, ans, x, y: t)
deflinear(sub_p, linear_in=(0, 1), aval_rule=_elementwise_shape, transpose_rule=_sub_transpose,
          batch_rule=elementwise_batch_rule(sub_p))
defjvp(sub_p, lambda t, ans, x, y: t, lambda t, ans, x, y: neg(t))
deflinear(neg_p, linear_in=(0,), aval_rule=_elementwise_shape,
          transpose_rule=lambda ct, x: [neg(ct)], batch_rule=elementwise_batch_rule(neg_p))


# ============================================================================ mul, div

mul_p = Primitive("mul", np.multiply)
div_p = Primitive("div", np.true_divide)


def mul(x: Any, y: Any) -> Any:
    """Elementwise ``x * y``; linear in either operand when the other is a residual."""
    return bind(mul_p, x, y)


def div(x: Any, y: Any) -> Any:
    """Elementwise ``x / y``; linear in ``x``."""
    return bind(div_p, x, y)


def _mul_transpose(ct, x, y):
    if type(x) is Var:  # products commute: ct * (the constant), plain NumPy when concrete
        return [unbroadcast(ct * y, x), None]
    return [None, unbroadcast(ct * x, y)]


def _div_transpose(ct, x, y):
    return [unbroadcast(div(ct, y), x), None]


deflinear(mul_p, linear_in=(0, 1), multilinear=True, aval_rule=_elementwise_shape,
          transpose_rule=_mul_transpose, batch_rule=elementwise_batch_rule(mul_p))
# The multilinear JVP, with the tangent first: plain NumPy on concrete tangents, the
# tracer's own operator on a staged one (products commute, so values and dtypes agree).
defjvp(mul_p, lambda t, ans, x, y: t * y, lambda t, ans, x, y: t * x)


def _div_shape(x, y):
    shape, dtype = _elementwise_shape(x, y)
    if not is_inexact(dtype):
        dtype = np.result_type(dtype, np.float64)
    return shape, dtype


deflinear(div_p, linear_in=(0,), aval_rule=_div_shape, transpose_rule=_div_transpose,
          batch_rule=elementwise_batch_rule(div_p))
defjvp(div_p, lambda t, ans, x, y: div(t, y), lambda t, ans, x, y: neg(mul(t, div(ans, y))))


# ============================================================================ einsum

_LETTERS = string.ascii_letters
_BATCH_LETTERS = string.ascii_uppercase


def einsum(spec: str, *operands: Any) -> Any:
    """Canonical einsum: explicit ``->``, every letter one size.

    ``...`` may stand for leading batch axes of equal sizes: it is replaced by
    upper-case letters before binding (write the other subscripts in lower case).
    ``linad.numpy.einsum`` normalises NumPy's full syntax to this form.

    Examples
    --------
    >>> einsum("...ij,...ji->...", np.ones((2, 3, 3)), np.ones((2, 3, 3)))
    array([9., 9.])
    """
    if "." in spec:
        spec = _batch_spec(spec, tuple(len(shape_of(o)) for o in operands))
    return bind(einsum_p, *operands, spec=spec)


@functools.lru_cache(maxsize=512)
def _batch_spec(spec: str, ndims: tuple) -> str:
    """``spec`` with ``...`` replaced by batch letters, for operands of ranks ``ndims``."""
    lhs, out = spec.split("->")
    subs = lhs.split(",")
    nb = max((nd - len(s) + 3 for s, nd in zip(subs, ndims) if "..." in s), default=0)
    letters = _BATCH_LETTERS[:nb]
    full = []
    for s, nd in zip(subs, ndims):
        if "..." in s:
            s = s.replace("...", letters[nb - (nd - len(s) + 3):])
        full.append(s)
    return ",".join(full) + "->" + out.replace("...", letters)


einsum_p = Primitive("einsum", contract)


def _einsum_shape(*avals, spec):
    return _einsum_out_shape(spec, tuple([shape for shape, _ in avals])), _result_dtype(*avals)


@functools.lru_cache(maxsize=4096)
def _einsum_out_shape(spec: str, shapes: tuple) -> tuple:
    ins, out = parse_spec(spec)
    size = {}
    for subs, shape in zip(ins, shapes):
        for c, n in zip(subs, shape):
            size[c] = n
    return tuple(size[c] for c in out)


def _einsum_transpose(ct, *operands, spec):
    k = [type(x) is Var for x in operands].index(True)
    new_ops = list(operands)
    del new_ops[k]
    new_ops.append(ct)
    target = operands[k]
    new_spec, extras = _transpose_plan(spec, k, target.shape)
    if extras:
        real_dt = np.empty((), dtype_of(ct)).real.dtype
        new_ops += [np.eye(n, dtype=real_dt) if kind == "eye" else ones_vector(n, real_dt)
                    for kind, n in extras]
    cts = [None] * len(operands)
    cts[k] = fit_dtype(bind(einsum_p, *new_ops, spec=new_spec), target.dtype)
    return cts


@functools.lru_cache(maxsize=4096)
def _transpose_plan(spec: str, k: int, shape: tuple) -> tuple[str, tuple]:
    """The einsum that transposes ``spec`` w.r.t. operand ``k``, and the constant operands
    it needs: identities for indices repeated in the operand (diagonals), ones for indices
    summed only in the operand (broadcast back)."""
    ins, out = parse_spec(spec)
    subs_k = ins[k]
    new_subs = [s for i, s in enumerate(ins) if i != k] + [out]
    used = set("".join(ins) + out)
    fresh = (c for c in _LETTERS if c not in used)
    size = dict(zip(subs_k, shape))
    out_subs = []
    extras = []
    seen = set()
    present = set("".join(new_subs))
    for c in subs_k:
        if c in seen:
            f = next(fresh)
            extras.append(("eye", size[c]))
            new_subs.append(c + f)
            out_subs.append(f)
            continue
        seen.add(c)
        out_subs.append(c)
        if c not in present:
            extras.append(("ones", size[c]))
            new_subs.append(c)
            present.add(c)
    return ",".join(new_subs) + "->" + "".join(out_subs), tuple(extras)


def _einsum_batch(args, dims, spec):
    """A batch letter at each batched operand's batch axis, first in the output."""
    return bind(einsum_p, *args, spec=_einsum_batch_spec(spec, tuple(dims))), 0


@functools.lru_cache(maxsize=1024)
def _einsum_batch_spec(spec: str, dims: tuple) -> str:
    ins, out = parse_spec(spec)
    b = next(c for c in _LETTERS if c not in spec)
    new_ins = [s if d is None else s[:d] + b + s[d:] for s, d in zip(ins, dims)]
    return ",".join(new_ins) + "->" + b + out


deflinear(einsum_p, linear_in=range(64), multilinear=True, aval_rule=_einsum_shape,
          transpose_rule=_einsum_transpose, batch_rule=_einsum_batch)


def _reference_einsum(*ops, spec):
    return np.einsum(spec, *ops)


def _choose_impls(optimized: bool) -> None:
    """BLAS contraction plans (:mod:`.einsum_exec`) when optimising, else plain ``np.einsum``;
    sums likewise (:func:`.einsum_exec.sum_axes`, else ``np.add.reduce``)."""
    einsum_p.impl = contract if optimized else _reference_einsum
    sum_p.impl = sum_axes if optimized else _sum_impl


# ============================================================================ sum, broadcast_to

def _sum_impl(x, *, axes, keepdims):
    return np.add.reduce(x, axis=axes, keepdims=keepdims)  # np.sum without its Python wrapper


sum_p = Primitive("sum", _sum_impl)
on_switch(_choose_impls)


def reduce_sum(x: Any, axes: tuple, keepdims: bool = False) -> Any:
    """Sum over ``axes`` (a tuple of non-negative ints)."""
    return bind(sum_p, x, axes=tuple(axes), keepdims=bool(keepdims))


def _sum_shape(x, *, axes, keepdims):
    shape, dtype = x
    if keepdims:
        out = tuple(1 if i in axes else n for i, n in enumerate(shape))
    else:
        out = tuple(n for i, n in enumerate(shape) if i not in axes)
    if not isinstance(dtype, np.dtype):
        dtype = np.result_type(dtype)
    if dtype.kind == "b":
        dtype = np.dtype(int)
    return out, dtype


def _sum_transpose(ct, x, *, axes, keepdims):
    leading = axes == tuple(range(len(axes)))  # broadcast_to adds leading axes by itself
    if not keepdims and not leading:
        ct = reshape(ct, tuple(1 if i in axes else n for i, n in enumerate(x.shape)))
    return [broadcast_to(ct, x.shape)]


def _sum_batch(args, dims, *, axes, keepdims):
    """The batch axis stays where it is; the summed axes around it shift."""
    d = dims[0]
    axes = tuple(a if a < d else a + 1 for a in axes)
    out_dim = d if keepdims else d - sum(1 for a in axes if a < d)
    return reduce_sum(args[0], axes, keepdims), out_dim


deflinear(sum_p, linear_in=(0,), aval_rule=_sum_shape, transpose_rule=_sum_transpose,
          batch_rule=_sum_batch)

def _broadcast_impl(x, *, shape):
    if type(x) is np.ndarray and x.ndim == 0 and shape:  # a scalar: a zero-stride view made
        view = np.ndarray(shape, x.dtype, buffer=x, strides=(0,) * len(shape))  # directly
        view.flags.writeable = False  # read-only, as np.broadcast_to's
        return view
    return np.broadcast_to(x, shape)


broadcast_to_p = Primitive("broadcast_to", _broadcast_impl)


def broadcast_to(x: Any, shape: tuple) -> Any:
    """Broadcast ``x`` to ``shape`` (NumPy rules)."""
    shape = tuple(shape)
    if tuple(shape_of(x)) == shape:
        return x
    return bind(broadcast_to_p, x, shape=shape)


def _broadcast_batch(args, dims, *, shape):
    x = align_batched(args[0], dims[0], len(shape))
    return broadcast_to(x, shape_of(x)[:1] + tuple(shape)), 0


deflinear(broadcast_to_p, linear_in=(0,),
          aval_rule=lambda x, *, shape: (tuple(shape), np.result_type(x[1])),
          transpose_rule=lambda ct, x, *, shape: [unbroadcast(ct, x)],
          batch_rule=_broadcast_batch)


# ============================================================================ reshape, transpose

reshape_p = Primitive("reshape", lambda x, *, shape: np.reshape(x, shape))


def reshape(x: Any, shape: tuple) -> Any:
    """Reshape ``x`` to ``shape`` (no -1; see linad.numpy.reshape)."""
    shape = tuple(shape)
    if tuple(shape_of(x)) == shape and isinstance(x, Tracer):
        return x
    return bind(reshape_p, x, shape=shape)


def _reshape_batch(x: Any, d: int, shape: tuple) -> tuple:
    x = moveaxis(x, d, 0)
    return reshape(x, shape_of(x)[:1] + tuple(shape)), 0


deflinear(reshape_p, linear_in=(0,),
          aval_rule=lambda x, *, shape: (tuple(shape), np.result_type(x[1])),
          transpose_rule=lambda ct, x, *, shape: [reshape(ct, x.shape)],
          batch_rule=lambda args, dims, *, shape: _reshape_batch(args[0], dims[0], shape))

transpose_p = Primitive("transpose", lambda x, *, axes: np.transpose(x, axes))


def transpose(x: Any, axes: tuple) -> Any:
    """Permute the axes of ``x``."""
    return bind(transpose_p, x, axes=tuple(axes))


def _transpose_batch(x: Any, d: int, axes: tuple) -> tuple:
    """The batch axis stays where it is; the permutation goes around it."""
    perm = [a if a < d else a + 1 for a in axes]
    perm.insert(d, d)
    return transpose(x, tuple(perm)), d


deflinear(transpose_p, linear_in=(0,),
          aval_rule=lambda x, *, axes: (tuple(x[0][a] for a in axes), np.result_type(x[1])),
          transpose_rule=lambda ct, x, *, axes: [transpose(ct, tuple(int(i) for i in np.argsort(axes)))],
          batch_rule=lambda args, dims, *, axes: _transpose_batch(args[0], dims[0], axes))


# ============================================================================ getitem, scatter_add

class IndexSlot:
    """The place of a traced index array in an index template.

    ``getitem`` and ``scatter_add`` keep concrete index entries (ints, slices, ``None``,
    ``Ellipsis``, concrete integer arrays) in their ``idx`` parameter; an index array that
    is a traced value (an ``argmax`` or ``argsort`` staged by ``linad.jit``) becomes an
    extra operand, and its place in ``idx`` holds the slot naming that operand.
    """

    __slots__ = ("k",)

    def __init__(self, k: int):
        self.k = k

    def __repr__(self) -> str:
        return f"#{self.k}"


@functools.lru_cache(maxsize=None)
def _slot(k: int) -> IndexSlot:
    """The slot of the ``k``-th index operand (one object per ``k``, so equal templates
    compare equal)."""
    return IndexSlot(k)


def split_index(idx: tuple) -> tuple[tuple, list]:
    """(the index template, its traced index arrays): each traced entry of ``idx`` is
    replaced by a slot numbering it among the returned arrays.

    Examples
    --------
    >>> split_index((0, slice(None)))
    ((0, slice(None, None, None)), [])
    """
    arrays = []
    template = []
    for i in idx:
        if isinstance(i, Tracer):
            template.append(_slot(len(arrays)))
            arrays.append(i)
        else:
            template.append(i)
    return tuple(template), arrays


def fill_index(idx: tuple, arrays: Sequence) -> tuple:
    """The index ``idx`` with each slot replaced by its array (inverse of :func:`split_index`)."""
    if not arrays:
        return idx
    return tuple(arrays[i.k] if type(i) is IndexSlot else i for i in idx)


def _example_index(idx: tuple, avals: Sequence) -> tuple:
    """``idx`` with each slot filled by zeros of its operand's aval (for shapes only)."""
    return fill_index(idx, [np.zeros(shape, dtype) for shape, dtype in avals])


def _has_array(idx: tuple) -> bool:
    return any(isinstance(i, np.ndarray) for i in idx)


def _advanced_layout(idx: tuple) -> tuple[bool, int]:
    """(advanced dims move to the front?, number of advanced result dims)."""
    if not _has_array(idx):
        return False, 0
    pos = [k for k, i in enumerate(idx) if isinstance(i, (np.ndarray, int, np.integer))]
    contiguous = pos == list(range(pos[0], pos[-1] + 1))
    nd = len(np.broadcast_shapes(*[np.shape(i) for i in idx if isinstance(i, np.ndarray)]))
    return (not contiguous), nd


def _getitem_impl(x, *arrays, idx):
    return np.asarray(x)[fill_index(idx, arrays) if arrays else idx]


getitem_p = Primitive("getitem", _getitem_impl)


def getitem(x: Any, idx: tuple) -> Any:
    """``x[idx]`` for a normalised index tuple (ints, slices, None, Ellipsis, int arrays).

    Integer index arrays may be traced values (staged by ``linad.jit``): they are
    operands of the gather, without a derivative.

    Examples
    --------
    >>> getitem(np.arange(6.0).reshape(2, 3), (slice(None), np.array([2, 0])))
    array([[2., 0.],
           [5., 3.]])
    """
    if not _has_tracer(idx):  # the common case: a concrete index, all of it a parameter
        return bind(getitem_p, x, idx=idx)
    template, arrays = split_index(idx)
    return bind(getitem_p, x, *arrays, idx=template)


def _has_tracer(idx: tuple) -> bool:
    for i in idx:
        if isinstance(i, Tracer):
            return True
    return False


def _getitem_shape(x, *index_avals, idx):
    shape, dtype = x
    dummy = np.broadcast_to(np.empty((), np.int8), shape)
    return dummy[_example_index(idx, index_avals)].shape, np.result_type(dtype)


def _getitem_transpose(ct, x, *arrays, idx):
    return [scatter_add(ct, fill_index(idx, arrays), x.shape)] + [None] * len(arrays)


def _layout_index(idx: tuple, arrays: Sequence) -> tuple:
    """``idx`` with its index operands (perhaps traced) as zero arrays of their shapes."""
    return _example_index(idx, [(shape_of(a), np.intp) for a in arrays])


def _getitem_batch(args, dims, *, idx):
    """A batched array indexed by a concrete index: a full slice for the batch axis
    (which NumPy moves behind the advanced indices when they are not contiguous).
    A gather ``table[i]`` of a batched index operand in first position indexes with
    the batched index as it is; other batched index operands go element by element."""
    x, arrays = args[0], args[1:]
    if all(d is None for d in dims[1:]):
        x = moveaxis(x, dims[0], 0)
        front, nd = _advanced_layout((slice(None),) + _layout_index(idx, arrays))
        return bind(getitem_p, x, *arrays, idx=(slice(None),) + idx), (nd if front else 0)
    if (dims[0] is None and len(arrays) == 1 and type(idx[0]) is IndexSlot
            and all(type(i) is slice for i in idx[1:])):
        return bind(getitem_p, x, moveaxis(arrays[0], dims[1], 0), idx=idx), 0
    return loop_batch_rule(getitem_p)(args, dims, idx=idx)


deflinear(getitem_p, linear_in=(0,), aval_rule=_getitem_shape,
          transpose_rule=_getitem_transpose, batch_rule=_getitem_batch)


def _scatter_impl(t, *arrays, idx, shape):
    idx = fill_index(idx, arrays)
    t = np.asarray(t)
    z = np.zeros(shape, t.dtype)
    if _has_array(idx):
        np.add.at(z, idx, t)
    else:
        z[idx] = t
    return z


scatter_add_p = Primitive("scatter_add", _scatter_impl)


def scatter_add(t: Any, idx: tuple, shape: tuple) -> Any:
    """Zeros of ``shape`` with ``t`` added at ``idx`` (duplicates accumulate).

    Integer index arrays may be traced values, as in :func:`getitem`.

    Examples
    --------
    >>> scatter_add(np.ones(3), (np.array([0, 2, 0]),), (3,))
    array([2., 0., 1.])
    """
    if not _has_tracer(idx):
        return bind(scatter_add_p, t, idx=idx, shape=tuple(shape))
    template, arrays = split_index(idx)
    return bind(scatter_add_p, t, *arrays, idx=template, shape=tuple(shape))


def _scatter_transpose(ct, t, *arrays, idx, shape):
    return [getitem(ct, fill_index(idx, arrays))] + [None] * len(arrays)


def _scatter_batch(args, dims, *, idx, shape):
    """The transpose of :func:`_getitem_batch`'s first case: a full slice for the batch
    axis, the updates laid out as the batched gather returns them."""
    t, arrays = args[0], args[1:]
    if any(d is not None for d in dims[1:]):
        return loop_batch_rule(scatter_add_p)(args, dims, idx=idx, shape=shape)
    n = shape_of(t)[dims[0]]
    front, nd = _advanced_layout((slice(None),) + _layout_index(idx, arrays))
    t = moveaxis(t, dims[0], nd if front else 0)
    return bind(scatter_add_p, t, *arrays, idx=(slice(None),) + idx, shape=(n,) + tuple(shape)), 0


deflinear(scatter_add_p, linear_in=(0,),
          aval_rule=lambda t, *index_avals, idx, shape: (tuple(shape), np.result_type(t[1])),
          transpose_rule=_scatter_transpose, batch_rule=_scatter_batch)


# ============================================================================ concatenate

concatenate_p = Primitive("concatenate", lambda *xs, axis: np.concatenate(xs, axis=axis))


def concatenate(xs: Sequence, axis: int) -> Any:
    """Join arrays of equal rank along an existing (non-negative) ``axis``."""
    return bind(concatenate_p, *xs, axis=axis)


def _concat_shape(*avals, axis):
    shape = list(avals[0][0])
    shape[axis] = sum(s[axis] for s, _ in avals)
    return tuple(shape), _result_dtype(*avals)


def _concat_transpose(ct, *xs, axis):
    out = []
    start = 0
    for x in xs:
        n = shape_of(x)[axis]
        if is_linear_arg(x):
            idx = (slice(None),) * axis + (slice(start, start + n),)
            out.append(fit_dtype(getitem(ct, idx), x.dtype))
        else:
            out.append(None)
        start += n
    return out


def _concat_batch(args, dims, *, axis):
    return concatenate(batched_front(args, dims), axis + 1), 0


def _concat_jvp(primals, tangents, axis):
    ans = concatenate(primals, axis)
    if all(type(t) is Zero for t in tangents):
        return ans, Zero.like(ans)
    ts = [instantiate(t) for t in tangents]
    return ans, fit_dtype(concatenate(ts, axis), dtype_of(ans))


deflinear(concatenate_p, linear_in=range(1 << 16), aval_rule=_concat_shape,
          transpose_rule=_concat_transpose, batch_rule=_concat_batch)
defjvp_full(concatenate_p, _concat_jvp)


# ============================================================================ where

where_p = Primitive("where", np.where)


def where(cond: Any, x: Any, y: Any) -> Any:
    """Elementwise ``x`` where ``cond`` else ``y``.

    ``cond`` is a boolean array without a derivative: a constant, or a value staged by
    ``linad.jit`` (an operand of the program, recomputed on every call).
    """
    return bind(where_p, cond, x, y)


def _where_transpose(ct, cond, x, y):
    zero = np.zeros((), dtype_of(ct))
    return [None,
            unbroadcast(where(cond, ct, zero), x) if is_linear_arg(x) else None,
            unbroadcast(where(cond, zero, ct), y) if is_linear_arg(y) else None]


def _where_shape(c, x, y):
    return _bshape(c, x, y), _result_dtype(x, y)


def _where_jvp(primals, tangents):
    cond, x, y = primals
    ans = where(cond, x, y)
    _, tx, ty = tangents
    if type(tx) is Zero and type(ty) is Zero:
        return ans, Zero.like(ans)
    zero = np.zeros((), dtype_of(ans))
    tx = zero if type(tx) is Zero else tx
    ty = zero if type(ty) is Zero else ty
    t = where(cond, tx, ty)
    return ans, fit_aval(t, shape_of(ans), dtype_of(ans))


deflinear(where_p, linear_in=(1, 2), aval_rule=_where_shape, transpose_rule=_where_transpose,
          batch_rule=elementwise_batch_rule(where_p))
defjvp_full(where_p, _where_jvp)


# ============================================================================ dtypes: convert, real, imag, conj

convert_p = Primitive("convert", lambda x, *, dtype: np.asarray(x).astype(dtype))


def convert(x: Any, dtype: Any) -> Any:
    """Cast to an inexact ``dtype`` (real -> real, real -> complex, complex -> complex)."""
    dtype = np.dtype(dtype)
    if dtype_of(x) == dtype:
        return x
    if dtype_of(x).kind == "c" and dtype.kind != "c":
        raise TypeError("convert: use real() to go from complex to real")
    return bind(convert_p, x, dtype=dtype)


deflinear(convert_p, linear_in=(0,),
          aval_rule=lambda x, *, dtype: (x[0], np.dtype(dtype)),
          transpose_rule=lambda ct, x, *, dtype: [fit_dtype(ct, x.dtype)],
          batch_rule=elementwise_batch_rule(convert_p))

real_p = Primitive("real", np.real)
imag_p = Primitive("imag", np.imag)
conj_p = Primitive("conj", np.conj)
complex_p = Primitive("complex", lambda x, y: np.asarray(x) + 1j * np.asarray(y))


def real(x: Any) -> Any:
    """Real part (identity-like for real input)."""
    if dtype_of(x).kind != "c":
        return x
    return bind(real_p, x)


def imag(x: Any) -> Any:
    """Imaginary part of a complex array."""
    return bind(imag_p, x)


def conj(x: Any) -> Any:
    """Complex conjugate (identity for real input)."""
    if dtype_of(x).kind != "c":
        return x
    return bind(conj_p, x)


def _real_dtype(aval):
    return real_dtype(np.result_type(aval[1]))


def _complex_dtype(dt) -> np.dtype:
    return np.result_type(dt, np.complex64)


deflinear(real_p, linear_in=(0,), aval_rule=lambda x: (x[0], _real_dtype(x)),
          transpose_rule=lambda ct, x: [convert(ct, x.dtype)],
          batch_rule=elementwise_batch_rule(real_p))
deflinear(imag_p, linear_in=(0,), aval_rule=lambda x: (x[0], _real_dtype(x)),
          transpose_rule=lambda ct, x: [mul(convert(ct, x.dtype), np.asarray(-1j, x.dtype))],
          batch_rule=elementwise_batch_rule(imag_p))
deflinear(conj_p, linear_in=(0,), aval_rule=lambda x: (x[0], np.result_type(x[1])),
          transpose_rule=lambda ct, x: [conj(ct)], batch_rule=elementwise_batch_rule(conj_p))


def _complex_shape(x, y):
    shape, dt = _elementwise_shape(x, y)
    return shape, _complex_dtype(dt)


def _complex_transpose(ct, x, y):
    return [unbroadcast(real(ct), x) if is_linear_arg(x) else None,
            unbroadcast(neg(imag(ct)), y) if is_linear_arg(y) else None]


deflinear(complex_p, linear_in=(0, 1), aval_rule=_complex_shape,
          transpose_rule=_complex_transpose,
          batch_rule=elementwise_batch_rule(complex_p))
defjvp(complex_p, lambda t, ans, x, y: bind(complex_p, t, np.zeros((), dtype_of(t))),
       lambda t, ans, x, y: bind(complex_p, np.zeros((), dtype_of(t)), t))


# ============================================================================ reductions family

def scan_impl(np_scan, x, axis: int, reverse: bool):
    """``np_scan`` (``np.cumsum``, ``np.cumprod``) along ``axis``, from the end if ``reverse``."""
    if reverse:
        return np.flip(np_scan(np.flip(x, axis), axis), axis)
    return np_scan(x, axis)


def _cumsum_impl(x, *, axis, reverse):
    return scan_impl(np.cumsum, x, axis, reverse)


cumsum_p = Primitive("cumsum", _cumsum_impl)


def cumsum(x: Any, axis: int, reverse: bool = False) -> Any:
    """Inclusive cumulative sum along a non-negative ``axis`` (from the end if ``reverse``).

    Linear; its transpose is the cumulative sum in the opposite direction.

    Examples
    --------
    >>> cumsum(np.array([1.0, 2.0, 3.0]), 0, reverse=True)
    array([6., 5., 3.])
    """
    return bind(cumsum_p, x, axis=int(axis), reverse=bool(reverse))


def _cumsum_shape(x, *, axis, reverse):
    dtype = np.result_type(x[1])
    return tuple(x[0]), np.dtype(int) if dtype.kind == "b" else dtype


deflinear(cumsum_p, linear_in=(0,), aval_rule=_cumsum_shape,
          transpose_rule=lambda ct, x, *, axis, reverse: [cumsum(ct, axis, not reverse)],
          batch_rule=axes_batch_rule(cumsum_p, "axis"))


# ============================================================================ tracer arithmetic

def _reflected(prim: Primitive):
    return lambda self, other: bind(prim, other, self)


# The arithmetic JVP and transpose rules write (``t * y``, ``ct / y``, ``-ct``, ``1 - a``);
# linad.numpy gives tracers NumPy's full operator semantics on top of these.
define_tracer_methods({
    "__add__": add, "__radd__": _reflected(add_p), "__sub__": sub, "__rsub__": _reflected(sub_p),
    "__mul__": mul, "__rmul__": _reflected(mul_p), "__truediv__": div,
    "__rtruediv__": _reflected(div_p), "__neg__": neg,
})
