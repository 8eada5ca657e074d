"""The three ways to give a primitive its rules.

- :func:`defjvp`: one linear tangent *contribution* per operand (most primitives);
  ``None`` for an operand with no derivative, so a primitive whose every operand
  is ``None`` (a comparison, ``floor``, ``argsort``) has derivative zero.
- :func:`defjvp_full`: one whole rule ``(primals, tangents) -> (out, t_out)``, for
  primitives whose tangent is not a sum of per-operand terms (``where``, ``eigh``).
- :func:`deflinear`: a linear primitive, with its shape, transpose and batch
  rules (every primitive, linear or not, has a batch rule: ``prim.batch_rule``); its JVP is derived (the primitive applied to the tangent, or for a
  multilinear primitive the sum over operands), unless ``defjvp`` or
  ``defjvp_full`` gives one afterwards.

These only *declare* rules; :mod:`linad.jvp` applies them.  This module imports
nothing from the primitive library, so every primitive module can use it.
"""
from __future__ import annotations

from typing import Any, Callable, Sequence

from ..core import Primitive, bind

__all__ = ["defjvp", "defjvp_full", "deflinear", "ArgwiseJVP"]


def defjvp(prim: Primitive, *contributions: Callable | None) -> None:
    """Define ``prim``'s JVP from one tangent contribution per operand.

    Each ``contributions[i](t, ans, *primals, **params)`` returns the contribution
    of the tangent ``t`` of operand ``i`` to the output tangent and must be linear
    in ``t``; ``None`` marks an operand with no derivative (an index, a condition).
    The JVP trace sums the contributions and broadcasts and casts the sum to the
    output's shape and dtype.

    Examples
    --------
    >>> import numpy as np, linad
    >>> from linad.core import Primitive
    >>> cube_p = Primitive("cube_example", lambda x: x ** 3)
    >>> defjvp(cube_p, lambda t, ans, x: t * (3 * x * x))
    >>> linad.jvp(cube_p.bind, (np.array(2.0),), (np.array(1.0),))
    (array(8.), array(12.))
    >>> from linad.core import PRIMITIVES; del PRIMITIVES["cube_example"]
    """
    prim.jvp_rule = ArgwiseJVP(prim, contributions)


def defjvp_full(prim: Primitive, rule: Callable) -> None:
    """Define ``prim``'s JVP by a whole rule ``rule(primals, tangents, **params)``.

    The rule returns ``(primal_out, tangent_out)``; tangents may be
    :class:`~linad.core.Zero`, and so may ``tangent_out``.
    """
    prim.jvp_rule = rule


def deflinear(prim: Primitive, *, linear_in: Sequence[int], aval_rule: Callable,
              transpose_rule: Callable, batch_rule: Callable, multilinear: bool = False) -> None:
    """Declare ``prim`` linear in the operands ``linear_in``.

    Parameters
    ----------
    linear_in : sequence of int
        Operand positions the primitive is linear in (a ``range`` for any arity).
    aval_rule : callable
        ``aval_rule(*avals, **params) -> (shape, dtype)``, avals ``(shape, dtype)``.
    transpose_rule : callable
        ``transpose_rule(ct, *operands, **params) -> list``: one cotangent per
        operand (``None`` for constants); linear operands are ``Var`` s.
    batch_rule : callable
        ``batch_rule(args, dims, **params) -> (out, out_dim)``: ``dims[i]`` is the
        position of operand ``i``'s batch axis, ``None`` for an unbatched operand;
        ``out_dim`` that of the result (see :mod:`linad.primitives.linear`).
    multilinear : bool
        Linear in each operand of ``linear_in`` separately (``mul``, ``einsum``):
        at most one of them may be a tangent.

    The derived JVP: a multilinear primitive's tangent is the sum over operands of
    the primitive with that operand's tangent in its place; a primitive linear in
    its first operand only applies itself to the tangent.  Any other primitive
    (linear jointly in several operands, like ``add``) gives its JVP with
    :func:`defjvp` or :func:`defjvp_full`.
    """
    prim.linear_in = linear_in if isinstance(linear_in, range) else tuple(linear_in)
    prim.multilinear = multilinear
    prim.aval_rule = aval_rule
    prim.transpose_rule = transpose_rule
    prim.batch_rule = batch_rule
    if multilinear:
        prim.jvp_rule = ArgwiseJVP(prim, _MultilinearRules(prim))
    elif prim.linear_in == (0,):
        defjvp(prim, lambda t, ans, x, *rest, **params: bind(prim, t, *rest, **params))


class ArgwiseJVP:
    """A JVP rule given as one tangent contribution per operand (built by :func:`defjvp`).

    ``arg_rules`` is indexed by operand position: a tuple, or a mapping that makes
    the contribution of a position on demand (any arity).  The JVP trace applies it
    (:func:`linad.jvp.apply_jvp_rule`).
    """

    __slots__ = ("prim", "arg_rules")

    def __init__(self, prim: Primitive, arg_rules: Any):
        self.prim = prim
        self.arg_rules = arg_rules


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
