"""Program simplification passes, run on every staged linear program.

Each pass rewrites a :class:`~linad.program.LinearProgram` into one that computes
the same linear map with less work, and keeps it readable (the printed program
still reads as the math).

``fuse_sum_into_einsum``
    ``sum(einsum(spec, a, b), axes)`` becomes one einsum whose output drops the
    summed indices.  The contraction then sums each operand over indices that
    only it carries *before* multiplying: ``sum(T @ B)`` costs a row-sum of
    ``B`` and a dot product instead of a full matrix product.
"""
from __future__ import annotations

from .program import Equation, LinearProgram, Var

__all__ = ["simplify", "fuse_sum_into_einsum"]


def simplify(program: LinearProgram) -> LinearProgram:
    """Apply every simplification pass (in place); return the program."""
    return fuse_sum_into_einsum(program)


def _use_counts(program: LinearProgram) -> dict[int, int]:
    uses: dict[int, int] = {}
    for eqn in program.eqns:
        for v in eqn.inputs:
            if type(v) is Var:
                uses[id(v)] = uses.get(id(v), 0) + 1
    for o in program.outs:
        if type(o) is Var:
            uses[id(o)] = uses.get(id(o), 0) + 1
    return uses


def fuse_sum_into_einsum(program: LinearProgram) -> LinearProgram:
    """Fold a ``sum`` (without keepdims) into the ``einsum`` that feeds only it."""
    from .primitives.linear import einsum_p, sum_p
    uses = _use_counts(program)
    new_eqns: list[Equation] = []
    produced_at: dict[int, int] = {}
    changed = False
    for eqn in program.eqns:
        if eqn.prim is sum_p and not eqn.params["keepdims"] and type(eqn.inputs[0]) is Var:
            src = eqn.inputs[0]
            k = produced_at.get(id(src))
            if k is not None and new_eqns[k].prim is einsum_p and uses.get(id(src)) == 1:
                prod = new_eqns[k]
                ins, out = prod.params["spec"].split("->")
                axes = eqn.params["axes"]
                kept = "".join(c for i, c in enumerate(out) if i not in axes)
                new_eqns[k] = Equation(einsum_p, prod.inputs, {"spec": f"{ins}->{kept}"}, eqn.out)
                produced_at[id(eqn.out)] = k
                changed = True
                continue
        produced_at[id(eqn.out)] = len(new_eqns)
        new_eqns.append(eqn)
    if changed:
        program.eqns = new_eqns
        program._compiled = None
    return program
