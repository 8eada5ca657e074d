"""The execution engine of the einsum primitive: fast NumPy plans for contractions.

This module is speed only; the primitive and its rules (the math) are in
:mod:`linad.primitives.linear`, which calls :func:`contract` as the primitive's
implementation.  It imports NumPy and the standard library only.

* Two operands: a contraction runs as one BLAS ``matmul`` (or a broadcast
  ``multiply`` when nothing is summed) with only the transposes, reshapes and
  one-operand sums it needs, generated once per spec and shapes
  (:func:`_pair_plan`).  Specs whose plan is a bare ``matmul``/``multiply``
  skip even the plan lookup (:data:`_BARE_PLANS`).
* An operand that is constant along some axis (a zero-stride broadcast view,
  e.g. the cotangent of ``sum``) is contracted without that axis.
* The read-only ones vectors of :func:`ones_vector` (used by the einsum
  transpose rule to broadcast an index back) are recognised by identity and
  never multiplied: the contraction runs without them and is broadcast.
* Sums over a leading or trailing block of axes of a large contiguous float
  array (in the plans, and as the ``sum`` primitive's implementation) run as one
  BLAS matrix-vector product with a ones vector (:func:`sum_axes`), 1.5 to 6
  times faster than NumPy's reduction along an axis.
"""
from __future__ import annotations

import functools
import math

import numpy as np

__all__ = ["contract", "ones_vector", "parse_spec", "sum_axes"]


def parse_spec(spec: str) -> tuple[list[str], str]:
    """``(input subscripts, output subscripts)`` of a canonical spec ``"ab,bc->ac"``.

    Examples
    --------
    >>> parse_spec("ij,jk->ik")
    (['ij', 'jk'], 'ik')
    """
    ins, out = spec.split("->")
    return ins.split(","), out


def contract(*ops: np.ndarray, spec: str) -> np.ndarray:
    """``np.einsum(spec, *ops)`` for a canonical ``spec`` (explicit ``->``, no ellipsis).

    Examples
    --------
    >>> contract(np.ones((2, 3)), np.ones((3, 4)), spec="ij,jk->ik").shape
    (2, 4)
    """
    if len(ops) == 2:
        a, b = ops
        if type(a) is not np.ndarray or type(b) is not np.ndarray:
            a, b = np.asarray(a), np.asarray(b)
        if (0 in a.strides and a.size > 1) or (0 in b.strides and b.size > 1):
            return _einsum_broadcast_aware(spec, a, b)  # an operand repeats along some axis
        plan = _BARE_PLANS.get(spec)
        if plan is None:
            plan = _pair_plan(spec, a.shape, b.shape)
            if (plan is np.matmul or plan is np.multiply) and min(a.shape + b.shape,
                                                                  default=0) > 1:
                _BARE_PLANS[spec] = plan  # bare for sizes > 1: right for any shapes
        return plan(a, b)
    if len(ops) > 2 and any(id(x) in _ONES_IDS for x in ops):
        return _einsum_without_ones(spec, ops)
    return np.einsum(spec, *ops, optimize=len(ops) > 2)


# Specs whose contraction is one bare ``matmul`` or ``multiply`` of the operands as they
# are.  When no size is 1, a bare plan means each matrix axis is exactly one index, in
# order, so it holds for every shape of the spec.  (With a size-1 axis a plan can be bare
# by coincidence of sizes, so those are not recorded.)
_BARE_PLANS: dict = {}


_ONES_IDS: set = set()


@functools.lru_cache(maxsize=None)  # never evicted: an id in _ONES_IDS must stay its array's
def ones_vector(n: int, dtype: np.dtype) -> np.ndarray:
    """A read-only ones vector, recognised by identity so contractions can skip it.

    One array per ``(n, dtype)``, kept for the life of the process.

    Examples
    --------
    >>> ones = ones_vector(3, np.dtype(np.float64))
    >>> ones, ones is ones_vector(3, np.dtype(np.float64)), ones.flags.writeable
    (array([1., 1., 1.]), True, False)
    """
    ones = np.ones(n, dtype)
    ones.flags.writeable = False
    _ONES_IDS.add(id(ones))
    return ones


#: Arrays with fewer elements are summed by NumPy: below this the product's set-up costs more
#: than it saves.
BLAS_SUM_MIN_SIZE = 256
#: Longest float32 / complex64 sum done by BLAS: its accumulation is sequential per lane, so
#: longer single-precision sums are left to NumPy (pairwise along the contiguous axis).
BLAS_SUM_MAX_SINGLE = 4096


def sum_axes(x: np.ndarray, axes: tuple, keepdims: bool = False) -> np.ndarray:
    """``np.add.reduce(x, axis=axes, keepdims=keepdims)`` for sorted non-negative ``axes``.

    When the summed axes are a leading or a trailing block of a C- or
    F-contiguous float or complex array of at least :data:`BLAS_SUM_MIN_SIZE`
    elements (and not all its axes), the sum is one BLAS matrix-vector product with
    a ones vector, several times faster than NumPy's reduction along an axis.
    The two agree up to rounding.

    Examples
    --------
    >>> x = np.arange(600.0).reshape(30, 20)
    >>> np.array_equal(sum_axes(x, (0,)), x.sum(axis=0))
    True
    >>> sum_axes(x, (1,), keepdims=True).shape
    (30, 1)
    """
    if (type(x) is np.ndarray and x.size >= BLAS_SUM_MIN_SIZE
            and x.dtype.char in _BLAS_SUM_TYPES and 0 < len(axes) < x.ndim):
        r = _blas_sum(x, axes)
        if r is not None:
            if keepdims:
                r = r.reshape(tuple(1 if i in axes else n for i, n in enumerate(x.shape)))
            return r
    return np.add.reduce(x, axis=axes, keepdims=keepdims)


_BLAS_SUM_TYPES = frozenset("fdFD")


def _blas_sum(x: np.ndarray, axes: tuple) -> np.ndarray | None:
    """The sum of :func:`sum_axes` as ``ones @ X`` or ``X @ ones`` on a reshaped view,
    or None when the axes or the layout do not allow one without a copy."""
    nd = x.ndim
    flipped = not x.flags.c_contiguous
    if flipped:
        if not x.flags.f_contiguous:
            return None
        x, axes = x.T, tuple(sorted(nd - 1 - a for a in axes))
    k = len(axes)
    leading = axes[-1] == k - 1
    if not leading and axes[0] != nd - k:  # neither a leading nor a trailing block
        return None
    summed, rest = (x.shape[:k], x.shape[k:]) if leading else (x.shape[nd - k:], x.shape[:nd - k])
    n = math.prod(summed)
    if n > BLAS_SUM_MAX_SINGLE and x.dtype.char in "fF":
        return None
    ones = ones_vector(n, x.dtype)
    r = (ones @ x.reshape(n, -1) if leading else x.reshape(-1, n) @ ones).reshape(rest)
    return r.T if flipped else r


def _einsum_without_ones(spec: str, ops: tuple) -> np.ndarray:
    """A ones vector only broadcasts its index: contract without it, then broadcast (a view).

    An index that only ones vectors carry and the output drops is summed: it scales
    the result by its length.
    """
    ins, out = parse_spec(spec)
    keep = [k for k, x in enumerate(ops) if id(x) not in _ONES_IDS]
    present = set("".join(ins[k] for k in keep))
    size = {}
    for sub, x in zip(ins, ops):
        size.update(zip(sub, np.shape(x)))
    reduced_out = "".join(c for c in out if c in present)
    if keep:
        r = contract(*[ops[k] for k in keep],
                     spec=",".join(ins[k] for k in keep) + "->" + reduced_out)
    else:
        r = np.ones((), np.result_type(*ops))
    scale = math.prod(size[c] for c in set("".join(ins)) - present - set(out))
    if scale != 1:
        r = r * scale
    if reduced_out == out:
        return r
    r = np.reshape(r, tuple(size[c] if c in present else 1 for c in out))
    return np.broadcast_to(r, tuple(size[c] for c in out))


def _einsum_broadcast_aware(spec: str, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Contract without expanding operands that are constant along some axes.

    The cotangent of ``sum`` is a broadcast of a scalar; a tape would multiply
    that full matrix by the other operand (an n^3 product).  Here an axis along
    which an operand is constant is dropped from it: if the other operand
    carries the index, the contraction sums that operand instead; if only the
    output carries it, the result is broadcast along it; if no other place
    does, the result is scaled by its length.
    """
    (ia, ib), out = parse_spec(spec)
    subs = [ia, ib]
    ops = [np.asarray(a), np.asarray(b)]
    scale = 1
    for k in range(2):
        x, s = ops[k], subs[k]
        if len(set(s)) < len(s):
            continue  # repeated indices (diagonals): keep the plain path
        drop = [i for i, (n, st) in enumerate(zip(x.shape, x.strides)) if st == 0 and n > 1]
        if not drop:
            continue
        other = subs[1 - k]
        for i in drop:
            if s[i] not in other and s[i] not in out:
                scale *= x.shape[i]
        ops[k] = x[tuple(0 if i in drop else slice(None) for i in range(x.ndim))]
        subs[k] = "".join(c for i, c in enumerate(s) if i not in drop)
    present = set(subs[0]) | set(subs[1])
    size = dict(zip(ia, a.shape))
    size.update(zip(ib, b.shape))
    reduced_out = "".join(c for c in out if c in present)
    r = _pair_plan(f"{subs[0]},{subs[1]}->{reduced_out}", ops[0].shape, ops[1].shape)(*ops)
    if scale != 1:
        r = r * scale
    if reduced_out != out:
        r = np.reshape(r, tuple(size[c] if c in present else 1 for c in out))
        r = np.broadcast_to(r, tuple(size[c] for c in out))
    return r


@functools.lru_cache(maxsize=4096)
def _pair_plan(spec: str, sa: tuple, sb: tuple):
    """A BLAS plan for a two-operand contraction: ``plan(a, b)`` on ndarrays.

    The plan is one generated function (sums over indices only one operand
    carries, transposes and reshapes to matrix form, one ``matmul`` — or a
    broadcast ``multiply`` when nothing is summed — and the output's reshape and
    transpose), with only the steps needed.  Of the two operand orders, the one
    with fewer steps is used (``ct @ B.T`` rather than ``(B @ ct.T).T``).
    """
    (ia, ib), out = parse_spec(spec)
    if len(set(ia)) < len(ia) or len(set(ib)) < len(ib):
        return lambda a, b: np.einsum(spec, a, b, optimize=True)
    if not [c for c in ia if c in ib and c not in out]:
        return _compiled(_outer_expr(ia, ib, out, sa, sb))
    expr, cost = _matmul_expr(ia, ib, out, sa, sb, "a", "b")
    if cost:
        swapped, swapped_cost = _matmul_expr(ib, ia, out, sb, sa, "b", "a")
        if swapped_cost < cost:
            expr = swapped
    return _compiled(expr)


def _compiled(expr: str):
    """The function ``plan(a, b)`` returning ``expr`` (``matmul``/``multiply`` themselves
    when there is nothing to rearrange)."""
    if expr in ("matmul(a, b)", "multiply(a, b)"):
        return getattr(np, expr.split("(")[0])
    namespace = {"matmul": np.matmul, "multiply": np.multiply, "sum_axes": sum_axes}
    exec(f"def plan(a, b):\n    return {expr}\n", namespace)  # noqa: S102 - built from ints
    return namespace["plan"]


def _outer_expr(ia: str, ib: str, out: str, sa: tuple, sb: tuple) -> str:
    """A contraction summing no shared index as one broadcast ``multiply`` whose
    operands have the output's axis order.  A result larger than both operands (an
    outer product) is written C-contiguous in that order; one the size of an operand
    (a scaling) follows that operand's memory layout, so a transposed operand is
    not gathered."""
    size = dict(zip(ia, sa))
    size.update(zip(ib, sb))
    exprs = []
    for name, sub in (("a", ia), ("b", ib)):
        kept = [c for c in sub if c in out]
        expr, _ = _rearranged(name, tuple(i for i, c in enumerate(sub) if c not in out),
                              tuple(kept.index(c) for c in out if c in kept),
                              tuple(size[c] if c in kept else 1 for c in out),
                              tuple(size[c] for c in kept))
        exprs.append(expr)
    larger = math.prod(size[c] for c in out) > max(math.prod(sa), math.prod(sb))
    if exprs == ["a", "b"] or not larger:
        return f"multiply({exprs[0]}, {exprs[1]})"
    return f"multiply({exprs[0]}, {exprs[1]}, order='C')"


def _matmul_expr(ia: str, ib: str, out: str, sa: tuple, sb: tuple, name_a: str,
                 name_b: str) -> tuple[str, int]:
    """``(expression, steps)``: the contraction ``ia,ib->out`` as one ``matmul`` of the
    operands called ``name_a`` and ``name_b``, and how many rearrangements it needs."""
    size = dict(zip(ia, sa))
    size.update(zip(ib, sb))
    only_a = [c for c in ia if c not in ib and c not in out]
    only_b = [c for c in ib if c not in ia and c not in out]
    batch = [c for c in out if c in ia and c in ib]
    contr = [c for c in ia if c in ib and c not in out]
    free_a = [c for c in out if c in ia and c not in ib]
    free_b = [c for c in out if c in ib and c not in ia]
    ra = [c for c in ia if c not in only_a]
    rb = [c for c in ib if c not in only_b]
    nb, na, nbb, nc = (math.prod(size[c] for c in group) for group in (batch, free_a, free_b, contr))
    mid = tuple(size[c] for c in batch + free_a + free_b)
    shape_a = (nb, na, nc) if batch else (na, nc)
    shape_b = (nb, nc, nbb) if batch else (nc, nbb)
    product_shape = (nb, na, nbb) if batch else (na, nbb)
    ea, steps_a = _rearranged(name_a, tuple(ia.index(c) for c in only_a),
                              tuple(ra.index(c) for c in batch + free_a + contr), shape_a,
                              tuple(size[c] for c in ra))
    eb, steps_b = _rearranged(name_b, tuple(ib.index(c) for c in only_b),
                              tuple(rb.index(c) for c in batch + contr + free_b), shape_b,
                              tuple(size[c] for c in rb))
    expr = f"matmul({ea}, {eb})"  # contr is not empty: outer products are _outer_expr's
    steps = steps_a + steps_b
    if mid != product_shape:
        expr, steps = f"{expr}.reshape({mid})", steps + 1
    inter = batch + free_a + free_b
    perm_out = tuple(inter.index(c) for c in out)
    if not _is_identity(perm_out):
        expr, steps = f"{expr}.transpose({perm_out})", steps + 1
    return expr, steps


def _is_identity(perm: tuple) -> bool:
    return perm == tuple(range(len(perm)))


def _rearranged(name: str, sum_axes: tuple, perm: tuple, shape: tuple,
                summed_shape: tuple) -> tuple[str, int]:
    """The expression bringing one operand to its matrix shape, and its number of steps
    (ndarray methods, not NumPy's Python wrappers)."""
    expr, steps = name, 0
    if sum_axes:
        expr, steps = f"sum_axes({expr}, {sum_axes})", steps + 1
    if not _is_identity(perm):
        expr, steps = f"{expr}.transpose({perm})", steps + 1
    if tuple(summed_shape[i] for i in perm) != shape:
        expr, steps = f"{expr}.reshape({shape})", steps + 1
    return expr, steps
