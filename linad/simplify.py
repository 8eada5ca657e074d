"""Program simplification passes, run on every staged linear program.

Each pass rewrites a :class:`~linad.program.LinearProgram` into one that computes
the same linear map with less work, and keeps it readable (the printed program
still reads as the math).

``fuse_sum_into_einsum``
    ``sum(einsum(spec, a, b), axes)`` becomes one einsum whose output drops the
    summed indices.  The contraction then sums each operand over indices that
    only it carries *before* multiplying: ``sum(T @ B)`` costs a row-sum of
    ``B`` and a dot product instead of a full matrix product.
``squeeze_kept_dims``
    ``reshape(sum(x, axes, keepdims=True))`` that only drops the kept axes is
    ``sum(x, axes)``: transposing twice then gives back the original program.
``compose_unary_einsum``
    A one-operand einsum (a trace, a diagonal, a transpose) applied to the
    result of another einsum becomes one einsum: ``trace(T @ C)`` is
    ``einsum('ij,ji->', T, C)``, an O(n²) contraction instead of a product.
"""
from __future__ import annotations

import functools
import string

from .program import Equation, LinearProgram, Var

__all__ = ["simplify", "fuse_sum_into_einsum", "compose_unary_einsum", "squeeze_kept_dims"]


def simplify(program: LinearProgram) -> LinearProgram:
    """Apply every simplification pass (in place) in one sweep; return the program.

    All passes fold an equation into the single-use equation that produces its
    operand, so one forward sweep with one use count serves them all.
    """
    return _fold_into_producers(program, _folds())


@functools.lru_cache(maxsize=1)
def _folds() -> dict:
    """Consumer primitive -> its fold rule (resolved once; primitives import this module)."""
    from .primitives.linear import einsum_p, reshape_p, sum_p
    return {sum_p: _fold_sum_into_einsum, einsum_p: _fold_unary_einsum,
            reshape_p: _fold_squeeze_kept_dims}


def _only(fold) -> dict:
    """The fold table restricted to one rule (to run one pass on its own)."""
    return {prim: f for prim, f in _folds().items() if f is fold}


def _fold_into_producers(program: LinearProgram, folds: dict) -> LinearProgram:
    """One sweep: fold each equation into the single-use producer of its first operand."""
    if not any(e.prim in folds for e in program.eqns):
        return program
    uses = _use_counts(program)
    new_eqns: list[Equation] = []
    produced_at: dict[int, int] = {}
    changed = False
    for eqn in program.eqns:
        fold = folds.get(eqn.prim)
        src = eqn.inputs[0] if eqn.inputs else None
        if fold is not None and type(src) is Var and uses.get(id(src)) == 1:
            k = produced_at.get(id(src))
            folded = None if k is None else fold(new_eqns[k], eqn)
            if folded is not None:
                new_eqns[k] = folded
                produced_at[id(eqn.out)] = k
                changed = True
                continue
        produced_at[id(eqn.out)] = len(new_eqns)
        new_eqns.append(eqn)
    if changed:
        program.eqns = new_eqns
        program._compiled = None
    return program


def _fold_sum_into_einsum(prod: Equation, eqn: Equation) -> Equation | None:
    einsum_p = prod.prim
    if einsum_p.name != "einsum" or eqn.params["keepdims"]:
        return None
    ins, out = prod.params["spec"].split("->")
    kept = "".join(c for i, c in enumerate(out) if i not in eqn.params["axes"])
    return Equation(einsum_p, prod.inputs, {"spec": f"{ins}->{kept}"}, eqn.out)


def _fold_unary_einsum(prod: Equation, eqn: Equation) -> Equation | None:
    if prod.prim is not eqn.prim or len(eqn.inputs) != 1:
        return None
    spec = _compose_specs(prod.params["spec"], eqn.params["spec"])
    return None if spec is None else Equation(eqn.prim, prod.inputs, {"spec": spec}, eqn.out)


def _fold_squeeze_kept_dims(prod: Equation, eqn: Equation) -> Equation | None:
    if prod.prim.name != "sum" or not prod.params["keepdims"]:
        return None
    axes = prod.params["axes"]
    squeezed = tuple(n for i, n in enumerate(prod.out.shape) if i not in axes)
    if squeezed != tuple(eqn.params["shape"]):
        return None
    return Equation(prod.prim, prod.inputs, {"axes": axes, "keepdims": False}, eqn.out)


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
    return _fold_into_producers(program, _only(_fold_sum_into_einsum))


def _compose_specs(inner: str, outer: str) -> str | None:
    """The spec of ``einsum(outer, einsum(inner, *ops))`` as one einsum over ``ops``."""
    ins, out = inner.split("->")
    o_in, o_out = outer.split("->")
    if "," in o_in or len(o_in) != len(out):
        return None
    # letters of the inner spec that are not outputs must not clash with the outer letters
    taken = set(o_in) | set(o_out)
    fresh = iter(c for c in string.ascii_letters if c not in taken and c not in inner)
    rename = {}
    for pos, c in enumerate(out):
        rename[c] = o_in[pos]  # an output index takes the outer letter at its position
    for c in ins.replace(",", ""):
        if c not in rename:
            try:
                rename[c] = next(fresh)
            except StopIteration:  # pragma: no cover - more than 52 indices
                return None
    new_ins = ",".join("".join(rename[c] for c in sub) for sub in ins.split(","))
    return f"{new_ins}->{o_out}"


def compose_unary_einsum(program: LinearProgram) -> LinearProgram:
    """Fold a one-operand einsum into the einsum that feeds only it."""
    return _fold_into_producers(program, _only(_fold_unary_einsum))


def squeeze_kept_dims(program: LinearProgram) -> LinearProgram:
    """Fold a reshape that drops the kept axes of a ``sum(keepdims=True)`` into the sum."""
    return _fold_into_producers(program, _only(_fold_squeeze_kept_dims))
