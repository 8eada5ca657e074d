"""Staging whole functions into programs (the trace under ``jit`` and ``make_program``).

A :class:`ProgramTrace` records *every* primitive applied to its tracers —
nonlinear, integer and boolean ones included — into a
:class:`~linad.ir.Program`.  Nothing about a traced value is known to the
function being staged except its shape and dtype: converting a
:class:`ProgramTracer` to a concrete value (``if``, ``float()``,
``np.asarray``) raises :class:`ConcretizationError`, so no value-dependent
choice can be frozen into the program.

Abstract evaluation is by example: each tracer carries the value its input
had in the call being staged, and a primitive's output shape and dtype are
those of its ``impl`` applied to the examples.  So every primitive can be
staged without a separate shape rule that could disagree with its
implementation, and staging costs one evaluation of the function.  The
examples never reach the function: only ``impl`` sees them.
"""
from __future__ import annotations

from typing import Any, Callable, Sequence

import numpy as np

from .core import (ConcretizationError, Trace, Tracer, Var,
                   dtype_of, format_aval)
from .ir import Equation, Program

__all__ = ["ProgramTrace", "ProgramTracer", "ConcretizationError", "ClosedOverTracerError",
           "stage_program", "is_staging", "CONVERSION_HINTS"]


class ClosedOverTracerError(Exception):
    """The staged function used a tracer of an enclosing transformation (not an argument)."""


class ProgramTracer(Tracer):
    """A value of the program being staged: a :class:`Var` (and the example it had)."""

    __slots__ = ("var", "example", "shape", "dtype")

    def __init__(self, trace: "ProgramTrace", var: Var, example: Any):
        self._trace = trace
        self.var = var
        self.example = example
        self.shape = var.shape
        self.dtype = var.dtype

    @property
    def aval(self) -> tuple:
        return self.var.shape, self.var.dtype

    def _conversion_error(self, what: str) -> ConcretizationError:
        return ConcretizationError(
            f"{what} needs the value of a traced array ({format_aval(*self.aval)}) inside "
            f"linad.jit of {self._trace.where}. Under jit, array arguments are abstract while "
            "the function is staged: only their shapes and dtypes are known, and the program "
            "is replayed for every call, so a Python `if`, float(), int(), .tolist() or a "
            "NumPy call that needs the value cannot be staged. Pass the argument it depends on "
            "in static_argnums / static_argnames (the function is then staged once per value), "
            "or call the function without jit." + CONVERSION_HINTS.get(what, ""))


#: What to do instead, for conversions that have a traced alternative (jit and vmap).
_INDEX_HINT = (" If it came from indexing a NumPy array with a traced index (table[i]), use "
               "lnp.take(table, i): a NumPy array cannot be indexed by a staged value.")
CONVERSION_HINTS = {"operator.index()": _INDEX_HINT, "np.asarray / np.array": _INDEX_HINT}


class ProgramTrace(Trace):
    """Records every primitive applied to its tracers into a :class:`~linad.ir.Program`."""

    __slots__ = ("eqns", "where", "errstate", "_states")

    def __init__(self, where: str = "a function", name: str = "jit"):
        super().__init__(name)
        self.eqns: list[Equation] = []
        #: the staged function's name, for error messages
        self.where = where
        #: NumPy's error handling when staging began; an equation staged under another
        #: (a rule's ``np.errstate``) keeps it, so replaying warns exactly as eager code
        self.errstate = np.geterr()
        self._states: dict = {}  # one dict per distinct error state

    def new_input(self, example: Any) -> ProgramTracer:
        return ProgramTracer(self, Var(np.shape(example), dtype_of(example)), example)

    def process_primitive(self, prim, args, params):
        if not self.alive:
            self.check_alive()
        inputs = []
        examples = []
        for a in args:
            if type(a) is ProgramTracer and a._trace is self:
                inputs.append(a.var)
                examples.append(a.example)
            elif isinstance(a, Tracer):
                raise self._closed_over(a)
            else:
                inputs.append(a)
                examples.append(a)
        out = prim.impl(*examples, **params)
        errstate = np.geterr()
        if errstate == self.errstate:
            errstate = None
        else:
            errstate = self._states.setdefault(tuple(sorted(errstate.items())), errstate)
        if prim.multiple_results:
            tracers = [self.new_input(o) for o in out]
            self.eqns.append(Equation(prim, inputs, params, tuple(t.var for t in tracers),
                                      errstate))
            return tracers
        tracer = self.new_input(out)
        self.eqns.append(Equation(prim, inputs, params, tracer.var, errstate))
        return tracer

    def _closed_over(self, tracer: Tracer) -> Exception:
        tracer._trace.check_alive()
        return ClosedOverTracerError(
            f"{self.where} uses a value traced by an enclosing linad.{tracer._trace.name} "
            "that is not one of its arguments")

    def finish(self, in_tracers: Sequence[ProgramTracer], outs: Sequence[Any]) -> Program:
        """Close the program: its inputs, and its outputs (tracers or constants)."""
        self.alive = False
        atoms = []
        for o in outs:
            if type(o) is ProgramTracer and o._trace is self:
                atoms.append(o.var)
            elif isinstance(o, Tracer):
                raise self._closed_over(o)
            elif isinstance(o, (np.ndarray, np.generic, bool, int, float, complex)):
                atoms.append(o)
            else:
                to_array = getattr(o, "__array__", None)
                if to_array is not None:
                    to_array()  # an object that stands for an unavailable result says why
                raise TypeError(
                    f"{self.where} returned a {type(o).__name__}, which is not an array: a "
                    "staged function must return arrays, Python numbers or pytrees of them "
                    "(call the transformation that returns it outside jit, or return arrays)")
        return Program([t.var for t in in_tracers], self.eqns, atoms).dce()


def stage_program(f_flat: Callable, examples: Sequence, where: str = "a function"
                  ) -> tuple[Program, list]:
    """Stage ``f_flat`` (flat lists of arrays in and out) at the avals of ``examples``.

    Returns the program and the outputs of the staged call (tracers' examples,
    or the constants the function returned).

    Examples
    --------
    >>> import numpy as np
    >>> prog, outs = stage_program(lambda x: [np.sin(x) * 2.0], [np.zeros(3)], "f")
    >>> print(prog)
    { lambda a:f64[3] .
      let
        b:f64[3] = sin a
        c:f64[3] = mul b 2.0
      in (c) }
    """
    trace = ProgramTrace(where)
    ins = [trace.new_input(x) for x in examples]
    try:
        outs = list(f_flat(*ins))
        values = [o.example if type(o) is ProgramTracer and o._trace is trace else o
                  for o in outs]
        program = trace.finish(ins, outs)
    finally:
        trace.alive = False
    return program, values


def is_staging(x: Any) -> bool:
    """True if ``x`` is a tracer of a live :class:`ProgramTrace`."""
    return type(x) is ProgramTracer

