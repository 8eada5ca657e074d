"""Helpers to define a primitive's rules.

- :func:`defjvp` builds a JVP rule from one linear "tangent contribution" per
  operand, skipping symbolic-zero tangents and summing the rest.
- :func:`defjvp_full` takes a whole rule ``(primals, tangents) -> (out, t_out)``.
- :func:`defnondiff` marks a primitive whose output has a zero derivative.
- :func:`deflinear` declares a linear primitive (shape, transpose and batch rules).
"""
from __future__ import annotations

from typing import Any, Callable, Sequence

import numpy as np

from ..core import Primitive, Zero, bind, dtype_of, is_inexact, shape_of

__all__ = ["defjvp", "ArgwiseJVP", "defjvp_full", "defnondiff", "deflinear", "fit_aval", "fit_like", "instantiate",
           "elementwise_batch"]


def defjvp(prim: Primitive, *arg_rules: Callable | None) -> None:
    """Define ``prim``'s JVP from one tangent contribution per operand.

    Each ``arg_rules[i](t, ans, *primals, **params)`` returns the contribution of
    the tangent ``t`` of operand ``i`` to the output tangent; it must be linear
    in ``t``.  ``None`` marks an operand with no derivative (an index, a
    condition).  Contributions are summed, then broadcast and cast to the
    output's shape and dtype.
    """
    prim.jvp_rule = ArgwiseJVP(prim, arg_rules)


class ArgwiseJVP:
    """A JVP rule given by one tangent contribution per operand (built by :func:`defjvp`).

    Calling it is an ordinary JVP rule.  :class:`~linad.jvp.JVPTrace` calls
    :meth:`apply` instead, which takes ``None`` for the tangent of a constant operand
    (no symbolic zero is built for it) and returns ``None`` when no tangent flows.

    ``arg_rules`` is indexed by operand position: a tuple, or a mapping that makes
    the rule of a position on demand (:class:`_MultilinearRules`, any arity).

    Examples
    --------
    >>> import numpy as np
    >>> from linad.core import Zero
    >>> from linad.primitives.linear import mul_p
    >>> x, y = np.array([1.0, 2.0]), np.array([3.0, 5.0])
    >>> mul_p.jvp_rule([x, y], [np.ones(2), Zero.like(y)])  # d(x*y) = dx*y
    (array([ 3., 10.]), array([3., 5.]))
    >>> mul_p.jvp_rule.apply([x, y], [None, None], {}, False)  # no tangent flows
    (array([ 3., 10.]), None)
    """

    __slots__ = ("prim", "arg_rules")

    def __init__(self, prim: Primitive, arg_rules: Any):
        self.prim = prim
        self.arg_rules = arg_rules

    def __call__(self, primals: Sequence, tangents: Sequence, **params: Any):
        ans, t_out = self.apply(primals, tangents, params, True)
        return ans, Zero.like(ans) if t_out is None else t_out

    def apply(self, primals: Sequence, tangents: Sequence, params: dict, traced: bool):
        """``(ans, tangent or None)``; ``traced``: some primal may be a tracer (use ``bind``)."""
        prim = self.prim
        ans = bind(prim, *primals, **params) if traced else prim.impl(*primals, **params)
        rules = self.arg_rules
        out = None
        i = 0
        for t in tangents:
            if t is not None and type(t) is not Zero:
                try:
                    rule = rules[i]
                except IndexError:
                    raise TypeError(
                        f"primitive {prim.name!r} got a tangent for its operand {i}, but its "
                        f"JVP (defjvp) has contributions for {len(rules)} operands only; give "
                        "one contribution per operand (None for an operand with no "
                        "derivative).") from None
                if rule is not None:
                    c = rule(t, ans, *primals, **params)
                    out = c if out is None else add_any_broadcast(out, c)
            i += 1
        if out is None:
            return ans, None
        return ans, fit_like(out, ans)


def defjvp_full(prim: Primitive, rule: Callable) -> None:
    """Define ``prim``'s JVP by a whole rule ``rule(primals, tangents, **params)``."""
    prim.jvp_rule = rule


def defnondiff(prim: Primitive) -> None:
    """``prim`` has derivative zero everywhere it is defined (floor, sign, comparisons)."""
    def jvp_rule(primals, tangents, **params):
        ans = prim.bind(*primals, **params)
        if prim.multiple_results:
            return ans, [Zero.like(a) for a in ans]
        return ans, Zero.like(ans)
    prim.jvp_rule = jvp_rule


def deflinear(prim: Primitive, *, linear_in: Sequence[int], shape_rule: Callable,
              transpose_rule: Callable, batch_rule: Callable, multilinear: bool = False,
              jvp: str | Callable = "unary") -> None:
    """Declare ``prim`` linear in the operands ``linear_in``.

    ``jvp="unary"`` (a primitive linear in its first operand only, the others
    static): the tangent is the primitive applied to the tangent.
    ``jvp="multilinear"`` (``mul``, ``einsum``): the tangent is the sum over the
    operands of the primitive applied with that operand's tangent in its place.
    Otherwise pass a list of per-operand contributions via :func:`defjvp`
    yourself, or a full rule.
    """
    prim.linear_in = linear_in if isinstance(linear_in, range) else tuple(linear_in)
    prim.multilinear = multilinear
    prim.shape_rule = shape_rule
    prim.transpose_rule = transpose_rule
    prim.batch_rule = batch_rule
    if jvp == "unary":
        defjvp(prim, lambda t, ans, x, *rest, **params: prim.bind(t, *rest, **params))
    elif jvp == "multilinear":
        prim.jvp_rule = ArgwiseJVP(prim, _MultilinearRules(prim))
    elif callable(jvp):
        prim.jvp_rule = jvp


class _MultilinearRules(dict):
    """Per-operand tangent contributions of a multilinear primitive, made on demand:
    operand ``i``'s is the primitive with its tangent in place of operand ``i``."""

    def __init__(self, prim: Primitive):
        super().__init__()
        self.prim = prim

    def __missing__(self, i: int) -> Callable:
        prim = self.prim

        def rule(t, ans, *primals, **params):
            ops = list(primals)
            ops[i] = t
            return bind(prim, *ops, **params)
        self[i] = rule
        return rule


def instantiate(t: Any) -> Any:
    """A concrete array for a symbolic zero; anything else unchanged."""
    return t.instantiate() if type(t) is Zero else t


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
    from .linear import broadcast_to, convert
    if tuple(shape_of(x)) != tuple(shape):
        x = broadcast_to(x, shape)
    if dtype_of(x) != dtype:
        x = convert(x, dtype)
    return x


def add_any_broadcast(x: Any, y: Any) -> Any:
    from .linear import add
    return add(x, y)


def elementwise_batch(impl: Callable) -> Callable:
    """Batch rule for a broadcasting elementwise op: align batched operands' batch axis."""
    def batch_rule(args, batched, **params):
        nd = max((np.ndim(a) - b for a, b in zip(args, batched)), default=0)
        aligned = []
        for a, b in zip(args, batched):
            if b and np.ndim(a) - 1 < nd:
                a = a.reshape((a.shape[0],) + (1,) * (nd - a.ndim + 1) + a.shape[1:])
            aligned.append(a)
        return impl(*aligned, **params)
    return batch_rule


def is_float_dtype(x: Any) -> bool:
    return is_inexact(dtype_of(x))
