"""Staging linear programs.

A :class:`StagingTrace` records the linear primitives applied to its tracers
into a :class:`~linad.ir.LinearProgram` instead of computing them.  It
accepts only linear primitives, used linearly: that check is what turns a JVP
rule (or a function given to ``linear_transpose``) that uses a tangent
nonlinearly into a clear :class:`~linad.core.LinearityError`.

``linearize_flat`` runs a function once with JVP tracers whose tangents are
staging tracers: primals are computed eagerly, tangents are recorded.  A
tangent times a residual and a sum of two tangents are recorded by a fast path
(off with :mod:`linad.optimize`'s switch, same programs).
"""
from __future__ import annotations

from typing import Any, Callable, Sequence

import numpy as np

from .core import LinearityError, Trace, Tracer, Var, Zero, format_aval, shape_of
from .ir import Equation, LinearProgram, dce_counting_uses
from .jvp import fast_paths, run_dual
from .optimize.simplify import simplify

__all__ = ["StagingTrace", "StagingTracer", "linearize_flat", "stage"]


class StagingTracer(Tracer):
    """A symbolic linear value: a :class:`Var` of the program being staged."""

    __slots__ = ("var", "shape", "dtype")  # shape and dtype: the Var's, read without a call

    def __init__(self, trace: "StagingTrace", var: Var):
        self._trace = trace
        self.var = var
        self.shape = var.shape
        self.dtype = var.dtype

    @property
    def aval(self) -> tuple:
        return self.var.shape, self.var.dtype


class StagingTrace(Trace):
    """Records linear primitives into a linear program."""

    __slots__ = ("eqns",)

    def __init__(self, name: str = "linearize"):
        super().__init__(name)
        self.eqns: list[Equation] = []

    def new_input(self, shape: tuple, dtype: Any) -> StagingTracer:
        return StagingTracer(self, Var(shape, dtype))

    def process_primitive(self, prim, args, params):
        if not self.alive:
            self.check_alive()
        if fast_paths.on and len(args) == 2 and prim.linear_in is not None:
            # the common cases: a tangent times a residual array or number; a sum of tangents
            a, b = args
            if type(a) is StagingTracer and a._trace is self:
                if type(b) is StagingTracer and b._trace is self:
                    if not prim.multilinear and 0 in prim.linear_in and 1 in prim.linear_in:
                        return self._record(prim, [a.var, b.var], params,
                                            ((a.shape, a.dtype), (b.shape, b.dtype)))
                elif (prim.multilinear and 0 in prim.linear_in
                        and (type(b) is np.ndarray or not isinstance(b, Tracer))):
                    return self._record(prim, [a.var, b], params,
                                        ((a.shape, a.dtype), _constant_aval(b)))
            elif (type(b) is StagingTracer and b._trace is self and prim.multilinear
                    and 1 in prim.linear_in and (type(a) is np.ndarray or not isinstance(a, Tracer))):
                return self._record(prim, [a, b.var], params,
                                    (_constant_aval(a), (b.shape, b.dtype)))
        linear_in = prim.linear_in
        if linear_in is None:
            raise self._nonlinear_error(prim, args)
        inputs = []
        avals = []
        nvars = 0
        i = 0
        for a in args:
            if type(a) is StagingTracer and a._trace is self:
                if i not in linear_in:
                    raise LinearityError(
                        f"{prim.name} is not linear in its operand {i}, but that operand is a "
                        f"linear (tangent) value {format_aval(*a.aval)}.")
                nvars += 1
                inputs.append(a.var)
                avals.append((a.shape, a.dtype))  # the var's aval, kept on the tracer
            else:
                if isinstance(a, Tracer):
                    a._trace.check_alive()
                inputs.append(a)
                avals.append(_constant_aval(a))
            i += 1
        if prim.multilinear:
            if nvars > 1:
                raise LinearityError(
                    f"{prim.name} was applied to {nvars} linear (tangent) operands; it is linear "
                    "in one operand at a time, so this product of tangents is not linear.")
        elif nvars < i:
            self._check_affine(prim, inputs)
        return self._record(prim, inputs, params, avals)

    def _record(self, prim, inputs: list, params: dict, avals: Sequence) -> StagingTracer:
        """Record ``prim`` applied to ``inputs`` (of ``avals``); a tracer of its result."""
        shape, dtype = prim.aval_rule(*avals, **params) if params else prim.aval_rule(*avals)
        out = Var(shape, dtype)
        self.eqns.append(Equation(prim, inputs, params, out))
        return StagingTracer(self, out)

    def _nonlinear_error(self, prim, args) -> LinearityError:
        pos = next(i for i, a in enumerate(args) if isinstance(a, StagingTracer) and a._trace is self)
        return LinearityError(
            f"{prim.name} is not a linear operation, but its operand {pos} is a linear "
            f"(tangent) value {format_aval(*args[pos].aval)}. In "
            f"linad.{self.name} only linear operations may be applied to tangents.")

    @staticmethod
    def _check_affine(prim, inputs: list) -> None:
        """A linear operand that is a nonzero constant makes the map affine: refuse it."""
        for i, x in enumerate(inputs):
            if i in prim.linear_in and type(x) is not Var and not _is_zero_const(x):
                raise LinearityError(
                    f"{prim.name} combined a linear (tangent) value with a nonzero constant "
                    f"as its operand {i}: the function is affine, not linear.")

    def finish(self, in_tracers: Sequence[StagingTracer], outs: Sequence[Any],
               out_avals: Sequence[tuple]) -> LinearProgram:
        """Close the program: its inputs, and the outputs given as tracers/zeros/constants."""
        self.alive = False
        out_atoms = []
        for o, (shape, dtype) in zip(outs, out_avals):
            if isinstance(o, StagingTracer) and o._trace is self:
                out_atoms.append(o.var)
            elif type(o) is Zero or _is_zero_const(o):
                out_atoms.append(Zero(shape, dtype))
            else:
                raise LinearityError(
                    f"linad.{self.name}: an output of shape {shape} does not depend linearly on "
                    "the inputs (it is a nonzero constant), so the function is not linear.")
        prog = LinearProgram([t.var for t in in_tracers], self.eqns, out_atoms)
        return simplify(prog, dce_counting_uses(prog))


def _constant_aval(x: Any) -> tuple:
    """A constant operand's aval for an aval rule: a Python number stands for its own
    dtype (weakly typed)."""
    tx = type(x)
    if tx is np.ndarray:
        return x.shape, x.dtype
    if tx is float or tx is int or tx is complex:
        return (), x
    dt = getattr(x, "dtype", None)
    return getattr(x, "shape", ()), x if dt is None else dt


def _is_zero_const(x: Any) -> bool:
    if isinstance(x, Tracer):
        return False
    try:
        return not np.any(x)
    except Exception:  # pragma: no cover - exotic constants
        return False


# ------------------------------------------------------------------------ drivers

def linearize_flat(f_flat: Callable, primals: Sequence,
                   name: str = "linearize") -> tuple[list, LinearProgram]:
    """Run ``f_flat(*primals)`` once; return its flat outputs and its linear program.

    ``f_flat`` takes and returns flat lists of arrays.
    """
    strace = StagingTrace(name)
    tangents_in = [strace.new_input(shape_of(p), p.dtype) for p in primals]
    out_primals, out_tangents = run_dual(f_flat, primals, tangents_in, name)
    avals = [(shape_of(p), np.result_type(p)) if not isinstance(p, Tracer) else p.aval
             for p in out_primals]
    program = strace.finish(tangents_in, out_tangents, avals)
    return out_primals, program


def stage(f_flat: Callable, in_avals: Sequence[tuple], name: str = "linear_transpose") -> LinearProgram:
    """Stage a linear function of flat inputs into a program (no JVP involved)."""
    trace = StagingTrace(name)
    ins = [trace.new_input(shape, dtype) for shape, dtype in in_avals]
    try:
        outs = f_flat(*ins)
    except BaseException:
        trace.alive = False
        raise
    out_avals = []
    for o in outs:
        if isinstance(o, StagingTracer) or type(o) is Zero:
            out_avals.append((o.shape, o.dtype))
        else:
            out_avals.append((shape_of(o), np.result_type(o)))
    return trace.finish(ins, outs, out_avals)
