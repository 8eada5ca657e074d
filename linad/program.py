"""The linear-program IR.

A :class:`LinearProgram` is a straight-line list of :class:`Equation` s, each
applying one *linear* primitive to variables (:class:`Var`, the linear
inputs) and constants (residuals such as ``cos(x)`` recorded while
linearizing, or Python scalars).  Outputs are variables or symbolic zeros.

A program can be
- printed (``str(program)``), one line per equation with shapes and dtypes;
- evaluated on concrete arrays (compiled once into a flat list of steps), on
  traced values (through ``bind``, so programs compose with transformations),
  or with a leading batch axis on every input (one pass for many vectors);
- transposed (``backward_pass``): walked backwards applying each primitive's
  transpose rule, which only needs linear primitives, so the transposed program
  can itself be staged (see ``linad.linearize.transpose_program``).
"""
from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from .core import Aval, Tracer, Zero, bind, format_aval

__all__ = ["Var", "Equation", "LinearProgram", "StructuredBatch", "is_linear_arg",
           "backward_pass"]


class Var(Aval):
    """A linear variable: the value of a tangent (or cotangent) with a shape and dtype."""

    __slots__ = ()

    def __repr__(self) -> str:
        return f"Var({format_aval(self.shape, self.dtype)})"


def is_linear_arg(x: Any) -> bool:
    """In a transpose rule: True if operand ``x`` is a linear input (a :class:`Var`)."""
    return type(x) is Var


class Equation:
    """``out = prim(*inputs, **params)``; inputs are Vars or constants."""

    __slots__ = ("prim", "inputs", "params", "out")

    def __init__(self, prim, inputs: list, params: dict, out: Var):
        self.prim = prim
        self.inputs = inputs
        self.params = params
        self.out = out


class LinearProgram:
    """A linear map recorded as a straight-line program.

    Parameters
    ----------
    in_vars : list of Var
        The linear inputs.
    eqns : list of Equation
        The equations, in execution order.
    outs : list of Var or Zero
        The outputs.
    """

    __slots__ = ("in_vars", "eqns", "outs", "_compiled")

    def __init__(self, in_vars: list, eqns: list, outs: list):
        self.in_vars = list(in_vars)
        self.eqns = list(eqns)
        self.outs = list(outs)
        self._compiled = None

    # ------------------------------------------------------------------ structure
    def dce(self) -> "LinearProgram":
        """Remove equations whose results no output needs (iterative, in place)."""
        live = {o for o in self.outs if type(o) is Var}  # Vars hash by identity
        kept = []
        for eqn in reversed(self.eqns):
            if eqn.out in live:
                kept.append(eqn)
                for v in eqn.inputs:
                    if type(v) is Var:
                        live.add(v)
        kept.reverse()
        self.eqns = kept
        self._compiled = None
        return self

    def residuals(self) -> list:
        """The array constants the program keeps (each once)."""
        seen = {}
        for eqn in self.eqns:
            for v in eqn.inputs:
                if type(v) is not Var and isinstance(v, (np.ndarray, Tracer)) and id(v) not in seen:
                    seen[id(v)] = v
        return list(seen.values())

    # ------------------------------------------------------------------ printing
    def __str__(self) -> str:
        return pretty_print(self)

    __repr__ = __str__

    # ------------------------------------------------------------------ evaluation
    def __call__(self, *args: Any) -> list:
        """Apply the program to one input per ``in_var``; returns the list of outputs."""
        if _any_tracer(args) or self._has_traced_residuals():
            return self._eval_bind(args)
        return self._compile()(args, batched=False)

    def apply_batched(self, *args: Any) -> list:
        """Apply to inputs carrying one leading batch axis each (all the same length).

        An input may be a :class:`StructuredBatch` (e.g. the one-hot identity basis of
        ``jacfwd``/``jacrev``); values derived from it stay structured while its
        ``batch_apply`` knows the primitive, and the outputs may then be structured too.
        """
        if _any_tracer(args) or self._has_traced_residuals():
            raise NotImplementedError("batched application of a program on traced values")
        return self._compile()(args, batched=True)

    def _has_traced_residuals(self) -> bool:
        comp = self._compile()
        return comp.traced

    def _eval_bind(self, args: Sequence) -> list:
        env = {}
        for v, a in zip(self.in_vars, args):
            env[id(v)] = a
        for eqn in self.eqns:
            vals = [env[id(v)] if type(v) is Var else v for v in eqn.inputs]
            env[id(eqn.out)] = bind(eqn.prim, *vals, **eqn.params)
        return [env[id(o)] if type(o) is Var else o for o in self.outs]

    def _compile(self) -> "CompiledProgram":
        """The program lowered for repeated application, its constant work done once."""
        if self._compiled is None:
            from .simplify import fold_constants
            self._compiled = CompiledProgram(fold_constants(self))
        return self._compiled


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
            slot[id(v)] = len(slot)
        last_use = {}
        for k, eqn in enumerate(program.eqns):
            for v in eqn.inputs:
                if type(v) is Var:
                    last_use[id(v)] = k
            slot.setdefault(id(eqn.out), len(slot))
        out_ids = {id(o) for o in program.outs if type(o) is Var}
        self.traced = False
        steps = []
        for k, eqn in enumerate(program.eqns):
            spec = []
            for v in eqn.inputs:
                if type(v) is Var:
                    spec.append((True, slot[id(v)]))
                else:
                    if isinstance(v, Tracer):
                        self.traced = True
                    spec.append((False, v))
            frees = tuple({slot[id(v)] for v in eqn.inputs
                           if type(v) is Var and last_use[id(v)] == k and id(v) not in out_ids})
            batched = tuple(b for b, _ in spec)
            steps.append((eqn.prim, tuple(spec), eqn.params, slot[id(eqn.out)], frees, batched))
        self.steps = steps
        self.in_slots = [slot[id(v)] for v in program.in_vars]
        self.out_spec = [(True, slot[id(o)]) if type(o) is Var else (False, o) for o in program.outs]
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
    return prim.batch_rule(vals, bflags, **params)


# ---------------------------------------------------------------------- transposition

def backward_pass(program: LinearProgram, cts_out: Sequence) -> list:
    """Transpose ``program``: map output cotangents to input cotangents.

    Walks the equations backwards, applying each primitive's transpose rule and
    accumulating cotangents of variables used more than once.  Cotangents are
    released as soon as they have been consumed.  Works on concrete values and
    on traced values alike (rules ``bind``), so the result can be staged.

    Returns one cotangent per input variable (:class:`Zero` where none flows).
    """
    from .primitives.linear import add_any  # the accumulation primitive
    ct_env: dict[Var, Any] = {}  # Vars hash by identity
    for o, ct in zip(program.outs, cts_out):
        if type(o) is Var and type(ct) is not Zero:
            prev = ct_env.get(o)
            ct_env[o] = ct if prev is None else add_any(prev, ct)
    for eqn in reversed(program.eqns):
        ct = ct_env.pop(eqn.out, None)
        if ct is None:
            continue
        params = eqn.params
        cts_in = (eqn.prim.transpose_rule(ct, *eqn.inputs, **params) if params
                  else eqn.prim.transpose_rule(ct, *eqn.inputs))
        for v, c in zip(eqn.inputs, cts_in):
            if c is not None and type(v) is Var and type(c) is not Zero:
                prev = ct_env.get(v)
                ct_env[v] = c if prev is None else add_any(prev, c)
    return [ct_env[v] if v in ct_env else Zero(v.shape, v.dtype) for v in program.in_vars]


# ---------------------------------------------------------------------- printing

def _var_names():
    letters = "abcdefghijklmnopqrstuvwxyz"
    n = 0
    while True:
        q, r = divmod(n, 26)
        yield letters[r] + (str(q) if q else "")
        n += 1


def pretty_print(program: LinearProgram) -> str:
    """Text of a program: one line per equation, residuals named, not dumped."""
    names: dict[int, str] = {}
    gen = _var_names()
    res_names: dict[int, str] = {}
    res_lines = []

    def var(v: Var) -> str:
        if id(v) not in names:
            names[id(v)] = next(gen)
        return names[id(v)]

    def atom(x: Any) -> str:
        if type(x) is Var:
            return var(x)
        if isinstance(x, (np.ndarray, Tracer, np.generic)) and np.ndim(x) > 0 or isinstance(x, Tracer):
            if id(x) not in res_names:
                res_names[id(x)] = f"r{len(res_names)}"
                res_lines.append(f"{res_names[id(x)]}:{format_aval(np.shape(x) if not isinstance(x, Tracer) else x.shape, x.dtype)}")
            return res_names[id(x)]
        return repr(x.item() if isinstance(x, np.generic) or isinstance(x, np.ndarray) else x)

    ins = " ".join(f"{var(v)}:{format_aval(v.shape, v.dtype)}" for v in program.in_vars)
    lines = []
    for eqn in program.eqns:
        p = _format_params(eqn.params)
        args = " ".join(atom(x) for x in eqn.inputs)
        lines.append(f"    {var(eqn.out)}:{format_aval(eqn.out.shape, eqn.out.dtype)} = "
                     f"{eqn.prim.name}{p} {args}")
    outs = ", ".join(var(o) if type(o) is Var else f"0:{format_aval(o.shape, o.dtype)}"
                     for o in program.outs)
    head = f"{{ lambda {ins} ."
    res = ("\n  residuals: " + ", ".join(res_lines)) if res_lines else ""
    body = "\n".join(lines)
    return f"{head}\n  let\n{body}\n  in ({outs}) }}{res}" if lines else f"{head}\n  in ({outs}) }}{res}"


def _format_params(params: dict) -> str:
    if not params:
        return ""
    parts = []
    for k, v in params.items():
        if isinstance(v, np.dtype) or isinstance(v, type):
            v = np.dtype(v).name
        elif isinstance(v, tuple) and any(isinstance(e, np.ndarray) for e in v):
            v = "(" + ", ".join(f"<int{e.shape}>" if isinstance(e, np.ndarray) else _fmt_index(e)
                                for e in v) + ")"
        parts.append(f"{k}={v}")
    return "[" + " ".join(parts) + "]"


def _fmt_index(e: Any) -> str:
    if isinstance(e, slice):
        return ":".join("" if s is None else str(s) for s in (e.start, e.stop, e.step)).rstrip(":") or ":"
    return repr(e)
