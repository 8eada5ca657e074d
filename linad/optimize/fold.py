"""Constant folding, when a program is compiled for repeated application.

A program applied many times (``f_lin``, an operator's matvecs) does its work on
constants once, at compile time: chains of products with residuals are composed
and their constant operands contracted into new residuals, so ``f_lin.T`` of
``sum(tanh(A @ X) @ B)`` becomes ``c * R`` with ``R = A.T @ ((1 - T**2) *
rowsum(B))`` precomputed.  The staged program (what ``print`` shows) is not
changed: folding makes a new program.
"""
from __future__ import annotations

import math
import string

import numpy as np

from . import enabled
from ..core import Tracer, Var
from ..ir import Equation, LinearProgram, use_counts
from ..primitives.linear import einsum_p

__all__ = ["fold_constants"]


class _Contraction:
    """An equation seen as ``einsum(subs -> out, *ops)``, with its per-application cost."""

    __slots__ = ("subs", "out", "ops", "cost")

    def __init__(self, subs: list, out: str, ops: list, cost: int):
        self.subs, self.out, self.ops, self.cost = subs, out, ops, cost

    @property
    def spec(self) -> str:
        return ",".join(self.subs) + "->" + self.out

    def var_index(self) -> int | None:
        """The position of the one linear operand (None if there is not exactly one)."""
        ks = [k for k, x in enumerate(self.ops) if type(x) is Var]
        return ks[0] if len(ks) == 1 else None


def fold_constants(program: LinearProgram) -> LinearProgram:
    """A program computing the same map with the work on constants done once, now.

    Products of a linear value with constants (``einsum``, ``mul`` by a
    residual, ``neg``) are seen as contractions; a contraction is composed with
    the single-use contraction producing its linear operand, and its constant
    operands are contracted with each other into one new residual.  That is
    done only when the new residual is no larger than the largest constant it
    replaces and computing it costs no more than one application of the
    equations it replaces, so folding never loses even for a single use.
    ``sum(A.T @ ((1 - T**2) * (c * rowsum(B))))``'s transpose becomes ``c``
    times one precomputed matrix.

    Used when a program is compiled for repeated application; the program
    itself (what ``print`` shows) is not changed.

    Examples
    --------
    >>> import numpy as np, linad
    >>> from linad.optimize.fold import fold_constants
    >>> A, s = np.ones((3, 3)), np.arange(3.0)
    >>> _, f_lin = linad.linearize(lambda X: s[:, None] * (A @ X), np.ones((3, 3)))
    >>> [e.prim.name for e in f_lin.program.eqns]
    ['einsum', 'mul']
    >>> print(fold_constants(f_lin.program))  # r0 = A * s[:, None], computed once
    { lambda a:f64[3,3] .
      let
        b:f64[3,3] = einsum[spec=ac,cb->ab] r0 a
      in (b) }
      residuals: r0:f64[3,3]
    """
    if not enabled():
        return program
    views = [_as_contraction(e) for e in program.eqns]
    if sum(v is not None for v in views) < 2 and not any(
            v is not None and _n_constants(v) > 1 for v in views):
        return program
    uses = use_counts(program)
    produced_at: dict[Var, int] = {}
    eqns: list = list(program.eqns)
    changed = False
    for k, eqn in enumerate(program.eqns):
        produced_at[eqn.out] = k
        c = views[k]
        if c is None:
            continue
        folded = _fold_chain(c, views, eqns, uses, produced_at)
        if folded is not c and _result_dtype(folded.ops) == eqn.out.dtype:
            views[k] = folded
            eqns[k] = Equation(einsum_p, folded.ops, {"spec": folded.spec}, eqn.out)
            changed = True
    if not changed:
        return program
    return LinearProgram(program.in_vars, eqns, program.outs).dce()


def _fold_chain(c: _Contraction, views: list, eqns: list, uses: dict,
                produced_at: dict) -> _Contraction:
    """Compose ``c`` with the contractions producing its linear operand while that pays."""
    folded = _precontract(c, c.cost) or c
    while True:
        k = folded.var_index()
        if k is None:
            return folded
        v = folded.ops[k]
        at = produced_at.get(v)
        if at is None or uses.get(v) != 1 or views[at] is None:
            return folded
        composed = _precontract(_compose(folded, k, views[at]), folded.cost + views[at].cost)
        if composed is None:
            return folded
        folded = composed


def _as_contraction(eqn: Equation) -> _Contraction | None:
    """``eqn`` as a contraction, if it is an einsum, a ``mul`` by a constant or a ``neg``."""
    name = eqn.prim.name
    size = math.prod(eqn.out.shape)
    if name == "einsum":
        ins, out = eqn.params["spec"].split("->")
        subs = ins.split(",")
        return _Contraction(subs, out, list(eqn.inputs), _index_product(subs, eqn.inputs))
    out = string.ascii_letters[:len(eqn.out.shape)]
    if name == "neg":  # a product with -1 of the output's dtype (a Python -1.0 would upcast)
        return _Contraction([out, ""], out, [eqn.inputs[0], np.array(-1, eqn.out.dtype)], size)
    if name != "mul" or [type(x) for x in eqn.inputs].count(Var) != 1:
        return None
    x, c = eqn.inputs if type(eqn.inputs[0]) is Var else eqn.inputs[::-1]
    if tuple(x.shape) != tuple(eqn.out.shape) or not isinstance(c, (np.ndarray, float, int)):
        return None
    c = np.asarray(c, eqn.out.dtype) if isinstance(c, (float, int)) else np.asarray(c)  # weak
    lead = len(out) - c.ndim  # c broadcasts against the trailing axes of x
    keep = [i for i in range(c.ndim) if c.shape[i] == eqn.out.shape[lead + i]]
    c = c.reshape(tuple(c.shape[i] for i in keep))
    return _Contraction([out, "".join(out[lead + i] for i in keep)], out, [x, c], size)


def _result_dtype(ops: list) -> np.dtype:
    return np.result_type(*[x.dtype if type(x) is Var else x for x in ops])


def _n_constants(c: _Contraction) -> int:
    return sum(type(x) is not Var for x in c.ops)


def _index_product(subs: list, ops: list) -> int:
    """Product of the sizes of all indices: the cost of evaluating the contraction."""
    size = {}
    for sub, x in zip(subs, ops):
        size.update(zip(sub, np.shape(x) if type(x) is not Var else x.shape))
    return math.prod(list(size.values()))


def _compose(outer: _Contraction, k: int, inner: _Contraction) -> _Contraction:
    """``outer`` with its operand ``k`` replaced by the contraction ``inner`` (letters renamed)."""
    taken = set("".join(outer.subs) + outer.out)
    fresh = iter(c for c in string.ascii_letters if c not in taken)
    rename = dict(zip(inner.out, outer.subs[k]))
    for sub in inner.subs:
        for c in sub:
            if c not in rename:
                rename[c] = next(fresh)
    subs = outer.subs[:k] + ["".join(rename[c] for c in s) for s in inner.subs] + outer.subs[k + 1:]
    ops = outer.ops[:k] + inner.ops + outer.ops[k + 1:]
    return _Contraction(subs, outer.out, ops, outer.cost + inner.cost)


def _precontract(c: _Contraction, budget: int) -> _Contraction | None:
    """``c`` with its constant operands contracted into one, computed now; None if that
    would make a larger constant or cost more than ``budget``."""
    consts = [k for k, x in enumerate(c.ops) if type(x) is not Var]
    if len(consts) < 2:
        return c
    if any(isinstance(c.ops[k], Tracer) for k in consts):
        return None
    v = c.var_index()
    kept = set(c.out) | (set(c.subs[v]) if v is not None else set())
    size = {}
    for k in consts:
        size.update(zip(c.subs[k], np.shape(c.ops[k])))
    r_subs = "".join(ch for ch in size if ch in kept)
    r_size = math.prod([size[ch] for ch in r_subs])
    largest = max(int(np.size(c.ops[k])) for k in consts)
    if r_size > largest or math.prod(list(size.values())) > budget:
        return None
    r_spec = ",".join(c.subs[k] for k in consts) + "->" + r_subs
    r = einsum_p.impl(*[np.asarray(c.ops[k]) for k in consts], spec=r_spec)
    rest = [k for k in range(len(c.ops)) if k not in consts]
    subs = [r_subs] + [c.subs[k] for k in rest]
    ops = [r] + [c.ops[k] for k in rest]
    return _Contraction(subs, c.out, ops, _index_product(subs, ops))

