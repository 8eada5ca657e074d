r"""The identity basis of ``jacfwd``/``jacrev``, kept factored through a batched pass.

Row ``r`` of an identity basis is one-hot, so a linear primitive applied to the
whole basis needs little or no arithmetic.  With the basis of ``X`` (shape
``(m, k)``, batch rows ``(p, q)``) written as Kronecker deltas,
``E[(p, q), i, j] = δ(p=i) δ(q=j)``, the batched product ``E @ R`` is
``δ(p=i) R[q, l]``: the residual ``R`` relabelled, no matrix product.

A :class:`OneHotBatch` is a batched value of shape ``(N,) + shape`` stored as a
short sum of *terms*.  A term covers the rows ``row0 .. row0 + prod(nshape)``,
their index unravelled over ``nshape`` and labelled ``nlabels``; the value's axes
are labelled ``xlabels``; a label present in both, or twice in ``nlabels``, is a
Kronecker delta between the indices it labels; ``coef`` (labelled ``clabels``, a subset of those
labels) is the dense factor::

    V[row0 + ravel(n), x] = coef[clabels] * prod over shared labels of δ(n_l = x_l)

A label of ``xlabels`` or ``nlabels`` absent from ``coef`` is a broadcast
(the value is constant along it).  Einsums with residuals, transposes, sums,
products with residuals, negation, additions and dtype maps act on terms
(:meth:`OneHotBatch.batch_apply`); any other primitive gets the dense array
(:meth:`OneHotBatch.materialize`: zeros, then each term written through a
strided diagonal view), so every program runs, only faster where the structure
survives.  Once every term of a contraction is dense (no delta, no broadcast) the
structure is gone: the result is a plain array, and a sum with a plain array adds
the one-hot operand's terms into its copy.  Entries that are structurally zero
stay exact zeros even next to a non-finite residual (a dense pass would compute
``0 * inf = nan`` there).
"""
from __future__ import annotations

import math
import string
from typing import Any, NamedTuple

import numpy as np

from .compile import StructuredBatch
from ..core import real_dtype
from ..primitives.linear import (add_p, conj_p, convert_p, einsum_p, imag_p, mul_p, neg_p,
                                real_p, sub_p, sum_p, transpose_p)

__all__ = ["OneHotBatch", "identity_basis"]

_LETTERS = string.ascii_letters

#: More terms than this and an addition materializes: each term costs one
#: contraction per later primitive, a dense array costs one.
MAX_TERMS = 8


class Term(NamedTuple):
    """One summand of a :class:`OneHotBatch` (see the module docstring)."""

    row0: int
    nlabels: str
    nshape: tuple
    xlabels: str
    coef: np.ndarray
    clabels: str

    def with_coef(self, coef: np.ndarray) -> "Term":
        return self._replace(coef=coef)


class OneHotBatch(StructuredBatch):
    """A batch of ``nrows`` values of ``shape`` and ``dtype``, held as a sum of terms.

    Parameters
    ----------
    terms : list of Term
    nrows : int
        The batch length ``N``.
    shape : tuple
        The shape of one value (the array is ``(N,) + shape``).
    dtype : numpy dtype

    Examples
    --------
    >>> import numpy as np
    >>> from linad.optimize.onehot import identity_basis
    >>> [E] = identity_basis([((2, 3), np.dtype(float))])
    >>> bool((E.materialize() == np.eye(6).reshape(6, 2, 3)).all())
    True
    """

    __slots__ = ("terms", "nrows", "shape", "dtype")

    def __init__(self, terms: list, nrows: int, shape: tuple, dtype: np.dtype):
        self.terms = terms
        self.nrows = nrows
        self.shape = tuple(shape)
        self.dtype = np.dtype(dtype)

    def __repr__(self) -> str:
        return f"OneHotBatch({self.nrows} x {self.shape}, {self.dtype}, {len(self.terms)} terms)"

    def materialize(self, batch_last: bool = False) -> np.ndarray:
        """The dense array of shape ``(N,) + shape``.

        With ``batch_last`` its memory holds the batch axis last (the array is
        then a transposed view), so moving the batch axis to the end is free.
        """
        if batch_last:
            arr = np.moveaxis(np.zeros(self.shape + (self.nrows,), self.dtype), -1, 0)
        else:
            arr = np.zeros((self.nrows,) + self.shape, self.dtype)
        for k, t in enumerate(self.terms):
            _scatter(arr, t, add=k > 0)  # into zeros, the first term needs no addition
        return arr

    @classmethod
    def batch_apply(cls, prim, args: list, batched: tuple, params: dict) -> Any:
        rule = _RULES.get(prim)
        if rule is None:
            return NotImplemented
        return rule(args, batched, **params)

    def map_terms(self, fn, dtype: Any = None) -> "OneHotBatch":
        """The batch with ``fn`` applied to every term (same shape; ``dtype`` if given)."""
        return OneHotBatch([fn(t) for t in self.terms], self.nrows, self.shape,
                           self.dtype if dtype is None else dtype)


def identity_basis(avals: list) -> list:
    """The identity basis split over leaves, as one-hot batches.

    Leaf ``i`` (shape ``s_i``) gets shape ``(N,) + s_i``, ``N`` the total size,
    and is one only on its own block of rows.

    Examples
    --------
    >>> import numpy as np
    >>> a, b = identity_basis([((2,), np.dtype(float)), ((), np.dtype(float))])
    >>> a.materialize()
    array([[1., 0.],
           [0., 1.],
           [0., 0.]])
    >>> b.materialize()
    array([0., 0., 1.])
    """
    total = sum(math.prod(shape) for shape, _ in avals)
    out, row0 = [], 0
    for shape, dtype in avals:
        shape = tuple(shape)
        labels = _LETTERS[:len(shape)]
        term = Term(row0, labels, shape, labels, np.ones((), dtype), "")
        out.append(OneHotBatch([term], total, shape, dtype))
        row0 += math.prod(shape)
    return out


# ----------------------------------------------------------------------------- materializing

def _scatter(arr: np.ndarray, t: Term, add: bool) -> None:
    """Write (or with ``add`` add) term ``t`` into ``arr`` (batch axis first), only its nonzeros.

    The nonzeros sit on a strided diagonal view, so each costs a cache line:
    writing is cheaper than reading and writing."""
    nrows = math.prod(t.nshape)
    block = np.reshape(arr[t.row0:t.row0 + nrows], t.nshape + arr.shape[1:], copy=False)
    labels = t.nlabels + t.xlabels
    unique = "".join(dict.fromkeys(labels))
    view = block if unique == labels else np.einsum(f"{labels}->{unique}", block)
    if add:
        view += _align(t.coef, t.clabels, unique)
    else:
        view[...] = _align(t.coef, t.clabels, unique)


def _align(coef: np.ndarray, clabels: str, labels: str) -> np.ndarray:
    """``coef`` with its axes in the order of ``labels`` and size-1 axes for missing ones."""
    order = sorted(clabels, key=labels.index)
    coef = np.transpose(coef, [clabels.index(c) for c in order])
    size = dict(zip(order, coef.shape))
    return np.reshape(coef, tuple(size.get(c, 1) for c in labels))


# ----------------------------------------------------------------------------- contraction

def _contract_term(t: Term, subs: str, others: list, out: str, sizes: dict,
                   dtype: np.dtype) -> Term | None:
    """The term of ``einsum(subs, *others -> out)`` with the term's value as the first operand.

    The value's axes take the letters ``subs``; ``others`` are ``(letters, array)``
    pairs.  Batch factors keep their labels, so a letter tied to one survives even
    when the einsum contracts it.  A letter repeated in ``subs`` (a diagonal) merges
    labels: two batch factors may then share one (a delta between them).  None if
    letters run out.
    """
    used = set(subs + out).union(*(s for s, _ in others))
    rename = dict(zip(t.xlabels, subs))
    fresh = (c for c in _LETTERS if c not in used)
    for label in t.nlabels:
        if label not in rename:
            rename[label] = next(fresh, None)
            if rename[label] is None:
                return None
    nlabels = "".join(rename[c] for c in t.nlabels)
    keep = "".join(dict.fromkeys(nlabels + out))
    ops = list(others) if t.coef.ndim == 0 else [("".join(rename[c] for c in t.clabels),
                                                   t.coef)] + list(others)
    present = set("".join(s for s, _ in ops))
    clabels = "".join(c for c in keep if c in present)
    coef = _coef_einsum(ops, clabels, t.coef)
    scale = math.prod(sizes[c] for c in set(subs) - present - set(keep))
    if scale != 1:
        coef = coef * scale
    return Term(t.row0, nlabels, t.nshape, out, np.asarray(coef).astype(dtype, copy=False),
                clabels)


def _coef_einsum(ops: list, clabels: str, coef: np.ndarray) -> np.ndarray:
    """The dense factor: the einsum of ``ops`` (times ``coef`` when it is a scalar left out)."""
    if not ops:
        return coef
    spec = ",".join(s for s, _ in ops) + "->" + clabels
    r = einsum_p.impl(*[a for _, a in ops], spec=spec)
    if coef.ndim == 0 and coef != 1:
        r = r * coef
    return r


def _contract(x: OneHotBatch, subs: str, others: list, out: str, dtype: Any) -> Any:
    """``einsum`` of the batch (letters ``subs``) with dense ``others``, term by term."""
    sizes = dict(zip(subs, x.shape))
    for s, a in others:
        sizes.update(zip(s, np.shape(a)))
    terms = [_contract_term(t, subs, others, out, sizes, np.dtype(dtype)) for t in x.terms]
    if any(t is None for t in terms):
        return NotImplemented
    if not all(_is_dense(t) for t in terms):
        return OneHotBatch(terms, x.nrows, tuple(sizes[c] for c in out), dtype)
    inputs = [a for _, a in others] + [t.coef for t in x.terms]
    terms = [t.with_coef(t.coef.copy()) if _may_alias(t.coef, inputs) else t for t in terms]
    return _dense_sum(OneHotBatch(terms, x.nrows, tuple(sizes[c] for c in out), dtype))


def _may_alias(coef: np.ndarray, arrays: list) -> bool:
    """True if ``coef`` may be a view of one of ``arrays`` (a relabelling einsum is one):
    the plain array it becomes must not expose a residual, or the user's input."""
    return any(np.may_share_memory(coef, a) for a in arrays if isinstance(a, np.ndarray))


def _dense_sum(x: OneHotBatch) -> np.ndarray:
    """The dense array of ``x``, built on its terms that cover every row in batch-first
    layout: the first is the array already (reshaped), a second is added to it, the
    other terms are written into that sum where they are nonzero."""
    whole = [k for k, t in enumerate(x.terms) if _is_batch_first(t, x.nrows)]
    if not whole:
        return x.materialize()
    arr = _as_batch_first(x.terms[whole[0]], x)
    if len(whole) > 1:
        arr = np.add(arr, _as_batch_first(x.terms[whole[1]], x), dtype=x.dtype)
    elif len(x.terms) > 1:
        arr = arr.astype(x.dtype, copy=True)
    for k, t in enumerate(x.terms):
        if k not in whole[:2]:
            _scatter(arr, t, add=True)
    return arr


def _is_batch_first(t: Term, nrows: int) -> bool:
    """True if the term's factor is its value on every row, batch axes first."""
    return t.row0 == 0 and math.prod(t.nshape) == nrows and t.clabels == t.nlabels + t.xlabels


def _as_batch_first(t: Term, x: OneHotBatch) -> np.ndarray:
    """The factor of a :func:`_is_batch_first` term as an array of shape ``(N,) + shape``
    (a view of the factor when its memory allows)."""
    return np.reshape(t.coef, (x.nrows,) + x.shape).astype(x.dtype, copy=False)


# ----------------------------------------------------------------------------- rules

def _single_onehot(args: list, batched: tuple) -> int | None:
    """The position of the only batched operand if it is a one-hot batch, else None."""
    if sum(batched) != 1:
        return None
    k = batched.index(True)
    return k if isinstance(args[k], OneHotBatch) else None


def _einsum_rule(args, batched, *, spec):
    k = _single_onehot(args, batched)
    ins, out = spec.split("->")
    ins = ins.split(",")
    if k is None:
        return NotImplemented
    others = [(s, np.asarray(a)) for i, (s, a) in enumerate(zip(ins, args)) if i != k]
    dtype = np.result_type(args[k].dtype, *[a for _, a in others])
    return _contract(args[k], ins[k], others, out, dtype)


def _mul_rule(args, batched):
    """A product with a residual: an einsum.  The residual may add leading axes or
    broadcast along an axis of the batch, not the other way round."""
    k = _single_onehot(args, batched)
    if k is None:
        return NotImplemented
    x, c = args[k], args[1 - k]
    dtype = np.result_type(x.dtype, c)
    c = c if isinstance(c, (np.ndarray, np.generic)) else np.asarray(c, dtype)
    nd = max(len(x.shape), np.ndim(c))
    try:
        shape = np.broadcast_shapes(x.shape, np.shape(c))
    except ValueError:
        return NotImplemented
    if shape[nd - len(x.shape):] != x.shape:
        return NotImplemented  # the batch would be broadcast along an axis
    lead = nd - np.ndim(c)
    squeeze = tuple(i for i, n in enumerate(np.shape(c)) if n == 1 and shape[lead + i] != 1)
    out = _LETTERS[:nd]
    csubs = "".join(out[lead + i] for i in range(np.ndim(c)) if i not in squeeze)
    return _contract(x, out[nd - len(x.shape):], [(csubs, np.squeeze(c, squeeze))], out, dtype)


def _sum_rule(args, batched, *, axes, keepdims):
    x = args[0]
    if keepdims or not isinstance(x, OneHotBatch):
        return NotImplemented
    subs = _LETTERS[:len(x.shape)]
    out = "".join(c for i, c in enumerate(subs) if i not in axes)
    return _contract(x, subs, [], out, x.dtype)


def _transpose_rule(args, batched, *, axes):
    x = args[0]
    return OneHotBatch([t._replace(xlabels="".join(t.xlabels[a] for a in axes))
                        for t in x.terms], x.nrows, tuple(x.shape[a] for a in axes), x.dtype)


def _is_dense(t: Term) -> bool:
    """True if the term's factor is as large as its dense block (no delta, no broadcast)."""
    return len(t.clabels) == len(t.nlabels + t.xlabels)


def _add_rule(args, batched, negate_second: bool = False):
    """Sums concatenate their terms, unless a term is already dense (then one dense add
    is cheaper than carrying the terms), there would be more than ``MAX_TERMS``, or an
    operand is a dense array: then the sum is dense (:func:`_dense_add`)."""
    a, b = args
    if not all(batched) or _batched_shape(a) != _batched_shape(b):
        return NotImplemented
    if not (isinstance(a, OneHotBatch) and isinstance(b, OneHotBatch)
            and len(a.terms) + len(b.terms) <= MAX_TERMS
            and not any(_is_dense(t) for t in a.terms + b.terms)):
        return _dense_add(a, b, negate_second)
    dtype = np.result_type(a.dtype, b.dtype)
    second = [t.with_coef(-t.coef) for t in b.terms] if negate_second else b.terms
    terms = [t.with_coef(t.coef.astype(dtype, copy=False)) for t in a.terms + second]
    return OneHotBatch(terms, a.nrows, a.shape, dtype)


def _batched_shape(x: Any) -> tuple | None:
    """``(N,) + shape`` of a one-hot batch or an array (None for anything else)."""
    if isinstance(x, OneHotBatch):
        return (x.nrows,) + x.shape
    return x.shape if isinstance(x, np.ndarray) else None


def _dense_add(a: Any, b: Any, negate_second: bool) -> np.ndarray:
    """``a + b`` (or ``a - b``) as a new array: the terms of one-hot operands added
    where they are nonzero into a dense operand's copy, or into :func:`_dense_sum`."""
    dtype = np.result_type(a.dtype, b.dtype)
    second = b.map_terms(lambda t: t.with_coef(-t.coef)) if (
        negate_second and isinstance(b, OneHotBatch)) else b
    if isinstance(a, OneHotBatch) and isinstance(b, OneHotBatch):
        return _dense_sum(OneHotBatch(a.terms + second.terms, a.nrows, a.shape, dtype))
    if isinstance(a, np.ndarray):
        arr, other = np.array(a, dtype=dtype), second
    else:
        arr = np.negative(b, dtype=dtype) if negate_second else np.array(b, dtype=dtype)
        other = a
    for t in other.terms:
        _scatter(arr, t, add=True)
    return arr


def _coef_map(fn, dtype_of_result):
    """Rule of a primitive that acts entrywise and maps 0 to 0 and δ to δ (real, 0/1)."""
    def rule(args, batched, **params):
        x = args[0]
        dtype = dtype_of_result(x.dtype, **params)
        return x.map_terms(lambda t: t.with_coef(np.asarray(fn(t.coef, **params)).astype(
            dtype, copy=False)), dtype)
    return rule


_RULES = {
    einsum_p: _einsum_rule,
    mul_p: _mul_rule,
    sum_p: _sum_rule,
    transpose_p: _transpose_rule,
    add_p: _add_rule,
    sub_p: lambda args, batched: _add_rule(args, batched, negate_second=True),
    neg_p: _coef_map(np.negative, lambda dt: dt),
    conj_p: _coef_map(np.conj, lambda dt: dt),
    real_p: _coef_map(np.real, real_dtype),
    imag_p: _coef_map(np.imag, real_dtype),
    convert_p: _coef_map(lambda c, dtype: c.astype(dtype), lambda dt, dtype: np.dtype(dtype)),
}
