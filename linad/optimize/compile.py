"""Programs compiled for repeated application.

A program applied many times (``f_lin``, ``f_lin.T``, a SciPy operator's
matvecs, the batched pass of a Jacobian) is lowered once: constants folded
(:func:`~linad.optimize.fold.fold_constants`), then turned into a flat list of
steps with resolved functions and integer slots, each slot cleared after its
last use.  Batched steps may carry a :class:`StructuredBatch` (the one-hot
basis of :mod:`~linad.optimize.onehot`).

:func:`apply` and :func:`apply_batched` are what the rest of linad calls: they
use the compiled form when the optimisations are on and every value is
concrete, and the program's reference evaluators otherwise.
"""
from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from . import enabled
from .fold import fold_constants
from ..core import Tracer, Var
from ..ir import LinearProgram, apply_batch_rule

__all__ = ["apply", "apply_batched", "compiled", "CompiledProgram", "StructuredBatch"]


def apply(program: LinearProgram, args: Sequence) -> list:
    """``program(*args)``, compiled when that is possible and switched on."""
    if enabled() and not _any_tracer(args):
        comp = compiled(program)
        if not comp.traced:
            return comp(args, batched=False)
    return program(*args)


def apply_batched(program: LinearProgram, args: Sequence) -> list:
    """``program.apply_batched(*args)``; inputs may be :class:`StructuredBatch` es.

    With the optimisations off, structured inputs are materialized first.
    """
    if _any_tracer(args) or program.has_traced_residuals():
        raise NotImplementedError("batched application of a program on traced values")
    if enabled():
        return compiled(program)(args, batched=True)
    args = [a.materialize() if isinstance(a, StructuredBatch) else a for a in args]
    return program.apply_batched(*args)


def compiled(program: LinearProgram) -> "CompiledProgram":
    """The program lowered for repeated application (computed once, kept in its cache)."""
    comp = program.cache.get("compiled")
    if comp is None:
        comp = program.cache["compiled"] = CompiledProgram(fold_constants(program))
    return comp


def _any_tracer(args) -> bool:
    for a in args:
        if isinstance(a, Tracer):
            return True
    return False


class CompiledProgram:
    """A program lowered to a flat list of steps with resolved functions and slots.

    Values live in a list indexed by slot; a slot is cleared right after its
    last use so memory is released as early as possible.
    """

    __slots__ = ("steps", "in_slots", "out_spec", "nslots", "traced")

    def __init__(self, program: LinearProgram):
        slot = {}
        for v in program.in_vars:
            slot[v] = len(slot)
        last_use = {}
        for k, eqn in enumerate(program.eqns):
            for v in eqn.inputs:
                if type(v) is Var:
                    last_use[v] = k
            slot.setdefault(eqn.out, len(slot))
        outs = {o for o in program.outs if type(o) is Var}
        self.traced = False
        steps = []
        for k, eqn in enumerate(program.eqns):
            spec = []
            for v in eqn.inputs:
                if type(v) is Var:
                    spec.append((True, slot[v]))
                else:
                    if isinstance(v, Tracer):
                        self.traced = True
                    spec.append((False, v))
            frees = tuple({slot[v] for v in eqn.inputs
                           if type(v) is Var and last_use[v] == k and v not in outs})
            batched = tuple(b for b, _ in spec)
            steps.append((eqn.prim, tuple(spec), eqn.params, slot[eqn.out], frees, batched))
        self.steps = steps
        self.in_slots = [slot[v] for v in program.in_vars]
        self.out_spec = [(True, slot[o]) if type(o) is Var else (False, o) for o in program.outs]
        self.nslots = len(slot)

    def __call__(self, args: Sequence, batched: bool) -> list:
        env = [None] * self.nslots
        for s, a in zip(self.in_slots, args):
            env[s] = a
        for prim, spec, params, out, frees, bflags in self.steps:
            vals = [env[x] if is_var else x for is_var, x in spec]
            if batched:
                env[out] = _batch_step(prim, vals, bflags, params)
            else:
                env[out] = prim.impl(*vals, **params)
            for s in frees:
                env[s] = None
        outs = []
        for is_var, x in self.out_spec:
            if is_var:
                outs.append(env[x])
            else:
                outs.append(x)
        return outs


class StructuredBatch:
    """A batched value (leading batch axis) kept in a structured, not dense, form.

    Subclasses implement ``materialize()`` (the dense array, batch axis first) and
    the class method ``batch_apply(prim, args, batched, params)``: the structured
    result of a batched primitive, or ``NotImplemented``, in which case the
    structured operands are materialized and the primitive's ``batch_rule`` runs.
    """

    __slots__ = ()

    def materialize(self) -> np.ndarray:
        raise NotImplementedError

    @classmethod
    def batch_apply(cls, prim, args: list, batched: tuple, params: dict) -> Any:
        return NotImplemented


def _batch_step(prim, vals: list, bflags: tuple, params: dict) -> Any:
    """One batched step: the structured rule when an operand is structured, else ``batch_rule``."""
    for v in vals:
        if isinstance(v, StructuredBatch):
            out = type(v).batch_apply(prim, vals, bflags, params)
            if out is not NotImplemented:
                return out
            vals = [x.materialize() if isinstance(x, StructuredBatch) else x for x in vals]
            break
    return apply_batch_rule(prim, vals, bflags, params)
