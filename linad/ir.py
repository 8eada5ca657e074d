"""The program IR.

A :class:`Program` is a straight-line list of :class:`Equation` s, each
applying one primitive to variables (:class:`~linad.core.Var`) and constants
(arrays or Python scalars).  A whole function staged by ``linad.jit`` or
``linad.make_program`` is a :class:`Program`.  A :class:`LinearProgram` is a
program of *linear* primitives only, applied to its linear inputs and to
residuals (such as ``cos(x)`` recorded while linearizing); its outputs are
variables or symbolic zeros.

This module holds the structure and the reference semantics of a program:
printing, dead-code elimination, and evaluation equation by equation, on
concrete or traced values (``program(*args)``) or with a leading batch axis
on every input (``program.apply_batched(*args)``).  Transposition is in
:mod:`linad.transpose`; the compiled evaluator that applies a program many
times is in :mod:`linad.optimize.compile`.  :class:`ClosedProgram` lifts the
traced constants out of a program (closure conversion), so that a primitive
can carry a program as a parameter and take those constants as operands.
"""
from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from .core import Primitive, Tracer, Var, Zero, bind, format_aval, instantiate

__all__ = ["Equation", "Program", "LinearProgram", "ClosedProgram", "Hole", "pretty_print", "use_counts",
           "dce_counting_uses",
           "apply_batch_rule"]


class Equation:
    """``out = prim(*inputs, **params)``; inputs are Vars or constants.

    ``out`` is a :class:`~linad.core.Var`, or a tuple of them for a primitive
    with multiple results.  ``errstate``: NumPy's floating-point error handling
    (``np.geterr()``) to apply the primitive under, when the staged code set one
    (a rule that computes ``log(0)`` on purpose and masks it); None otherwise.
    """

    __slots__ = ("prim", "inputs", "params", "out", "errstate")

    def __init__(self, prim, inputs: list, params: dict, out: Var, errstate: dict | None = None):
        self.prim = prim
        self.inputs = inputs
        self.params = params
        self.out = out
        self.errstate = errstate


def eqn_outs(eqn: Equation) -> tuple:
    """The output variables of an equation (one, or several for multiple results)."""
    out = eqn.out
    return out if type(out) is tuple else (out,)


class Program:
    """A function recorded as a straight-line program.

    Parameters
    ----------
    in_vars : list of Var
        The inputs.
    eqns : list of Equation
        The equations, in execution order.
    outs : list
        The outputs: variables, or constants (values that do not depend on the inputs).
    """

    __slots__ = ("in_vars", "eqns", "outs", "cache")

    def __init__(self, in_vars: list, eqns: list, outs: list):
        self.in_vars = list(in_vars)
        self.eqns = list(eqns)
        self.outs = list(outs)
        #: derived forms of the program (e.g. its compiled form), cleared when it changes
        self.cache = {}

    # ------------------------------------------------------------------ structure
    def dce(self) -> "Program":
        """Remove equations whose results no output needs (iterative, in place)."""
        dce_counting_uses(self)
        return self

    def residuals(self) -> list:
        """The array constants the program keeps (each once)."""
        seen = {}
        for eqn in self.eqns:
            for v in eqn.inputs:
                if type(v) is not Var and isinstance(v, (np.ndarray, Tracer)) and id(v) not in seen:
                    seen[id(v)] = v
        return list(seen.values())

    def has_traced_residuals(self) -> bool:
        """True if some residual is a tracer of an enclosing transformation."""
        for eqn in self.eqns:
            for v in eqn.inputs:
                if isinstance(v, Tracer):
                    return True
        return False

    # ------------------------------------------------------------------ printing
    def __str__(self) -> str:
        return pretty_print(self)

    __repr__ = __str__

    # ------------------------------------------------------------------ evaluation
    def __call__(self, *args: Any) -> list:
        """Apply the program to one value per ``in_var``; returns the list of outputs.

        Each equation ``bind`` s its primitive, so the inputs may be concrete
        arrays or tracers of an enclosing transformation.
        """
        env = dict(zip(self.in_vars, args))  # Vars hash by identity
        for eqn in self.eqns:
            vals = [env[v] if type(v) is Var else v for v in eqn.inputs]
            if eqn.errstate is None:
                out = bind(eqn.prim, *vals, **eqn.params)
            else:
                with np.errstate(**eqn.errstate):
                    out = bind(eqn.prim, *vals, **eqn.params)
            if type(eqn.out) is tuple:
                env.update(zip(eqn.out, out))
            else:
                env[eqn.out] = out
        return [env[o] if type(o) is Var else o for o in self.outs]


class LinearProgram(Program):
    """A linear map recorded as a straight-line program of linear primitives.

    Parameters
    ----------
    in_vars : list of Var
        The linear inputs.
    eqns : list of Equation
        The equations, in execution order.
    outs : list of Var or Zero
        The outputs.
    """

    __slots__ = ()

    # ------------------------------------------------------------------ evaluation
    def __call__(self, *args: Any) -> list:
        """Apply the program to one input per ``in_var``; returns the list of outputs.

        Each equation ``bind`` s its primitive, so inputs and residuals may be
        concrete arrays or tracers of an enclosing transformation.  Inputs may be
        symbolic zeros (:class:`~linad.core.Zero`): an equation whose linear inputs
        are all zero is skipped and its output is a zero too.
        """
        env = {}  # Vars hash by identity
        for v, a in zip(self.in_vars, args):
            env[v] = a
        for eqn in self.eqns:
            vals = []
            live = False
            for v in eqn.inputs:
                if type(v) is Var:
                    v = env[v]
                    live = live or type(v) is not Zero
                vals.append(v)
            if live:
                env[eqn.out] = bind(eqn.prim, *[instantiate(x) for x in vals], **eqn.params)
            else:
                env[eqn.out] = Zero(eqn.out.shape, eqn.out.dtype)
        return [env[o] if type(o) is Var else o for o in self.outs]

    def apply_batched(self, *args: Any) -> list:
        """Apply to concrete inputs carrying one leading batch axis each (all the same length).

        Each equation runs its primitive's ``batch_rule`` once for the whole batch.
        Outputs that are symbolic zeros stay :class:`~linad.core.Zero` (unbatched).
        """
        env = {}
        for v, a in zip(self.in_vars, args):
            env[v] = a
        for eqn in self.eqns:
            vals, flags = [], []
            for v in eqn.inputs:
                is_var = type(v) is Var
                vals.append(env[v] if is_var else v)
                flags.append(is_var)
            env[eqn.out] = apply_batch_rule(eqn.prim, vals, flags, eqn.params)
        return [env[o] if type(o) is Var else o for o in self.outs]


def apply_batch_rule(prim: Primitive, args: Sequence, batched: Sequence, params: dict) -> Any:
    """``prim`` applied by its batch rule to concrete operands batched along their first
    axis where ``batched`` is True; the result (each result) has its batch axis first.

    Examples
    --------
    >>> from linad.primitives.linear import mul_p
    >>> apply_batch_rule(mul_p, [np.ones((2, 3)), np.arange(3.0)], [True, False], {})
    array([[0., 1., 2.],
           [0., 1., 2.]])
    """
    dims = tuple(0 if b else None for b in batched)
    out, out_dim = prim.batch_rule(args, dims, **params)
    n = next(np.shape(a)[0] for a, b in zip(args, batched) if b)
    if prim.multiple_results:
        return [_batch_first(o, d, n) for o, d in zip(out, out_dim)]
    return _batch_first(out, out_dim, n)


def _batch_first(x: Any, d: int | None, n: int) -> np.ndarray:
    if d is None:
        return np.broadcast_to(x, (n,) + np.shape(x))
    return x if d == 0 else np.moveaxis(x, d, 0)


def dce_counting_uses(program: Program) -> dict[Var, int]:
    """:meth:`Program.dce` and then :func:`use_counts`, in one backward sweep.

    A variable is live when an output or a kept equation reads it, so the keys
    of the counts are the live variables.

    Examples
    --------
    >>> from linad.primitives.linear import neg_p
    >>> x = Var((), np.dtype(float))
    >>> y, dead = Var((), x.dtype), Var((), x.dtype)
    >>> prog = LinearProgram([x], [Equation(neg_p, [x], {}, dead),
    ...                            Equation(neg_p, [x], {}, y)], [y])
    >>> uses = dce_counting_uses(prog)
    >>> len(prog.eqns), uses == use_counts(prog)
    (1, True)
    """
    uses: dict[Var, int] = {}  # Vars hash by identity
    get = uses.get
    for o in program.outs:
        if type(o) is Var:
            uses[o] = get(o, 0) + 1
    kept = []
    for eqn in reversed(program.eqns):
        out = eqn.out
        if (out in uses) if type(out) is Var else any(o in uses for o in out):
            kept.append(eqn)
            for v in eqn.inputs:
                if type(v) is Var:
                    uses[v] = get(v, 0) + 1
    kept.reverse()
    program.eqns = kept
    program.cache.clear()
    return uses


def use_counts(program: Program) -> dict[Var, int]:
    """How many times each variable is read (by equations and as an output)."""
    uses: dict[Var, int] = {}
    for eqn in program.eqns:
        for v in eqn.inputs:
            if type(v) is Var:
                uses[v] = uses.get(v, 0) + 1
    for o in program.outs:
        if type(o) is Var:
            uses[o] = uses.get(o, 0) + 1
    return uses


# ---------------------------------------------------------------------- closure conversion

class Hole:
    """Placeholder for a lifted constant in a closed program's template."""

    __slots__ = ("index",)

    def __init__(self, index: int):
        self.index = index

    def __repr__(self) -> str:
        return f"c{self.index}"


class ClosedProgram:
    """A staged one-input linear program whose traced constants were lifted out.

    The template keeps :class:`Hole` s where the program used traced values (of
    outer transformations); :meth:`with_consts` puts values back.  This closure
    conversion turns what ``matvec`` closed over into explicit operands of the
    ``linear_solve`` primitive, so that outer transformations differentiate them.
    """

    __slots__ = ("template", "n_consts")

    def __init__(self, template: LinearProgram, n_consts: int):
        self.template = template
        self.n_consts = n_consts

    @staticmethod
    def convert(prog: LinearProgram) -> tuple["ClosedProgram", list]:
        consts: list = []
        index: dict[int, int] = {}
        eqns = []
        for eqn in prog.eqns:
            ins = []
            for v in eqn.inputs:
                if isinstance(v, Tracer):
                    if id(v) not in index:
                        index[id(v)] = len(consts)
                        consts.append(v)
                    v = Hole(index[id(v)])
                ins.append(v)
            eqns.append(Equation(eqn.prim, ins, eqn.params, eqn.out))
        template = LinearProgram(prog.in_vars, eqns, prog.outs) if consts else prog
        return ClosedProgram(template, len(consts)), consts

    def with_consts(self, consts: Sequence) -> LinearProgram:
        if not self.n_consts:
            return self.template
        eqns = [Equation(e.prim, [consts[v.index] if type(v) is Hole else v for v in e.inputs],
                         e.params, e.out) for e in self.template.eqns]
        return LinearProgram(self.template.in_vars, eqns, self.template.outs)

    @property
    def out_aval(self) -> tuple:
        o = self.template.outs[0]
        return tuple(o.shape), np.dtype(o.dtype)

    def __repr__(self) -> str:
        v = self.template.in_vars[0]
        return (f"matvec<{format_aval(v.shape, v.dtype)}->{format_aval(*self.out_aval)}, "
                f"{len(self.template.eqns)} eqns>")


# ---------------------------------------------------------------------- printing

def _var_names():
    letters = "abcdefghijklmnopqrstuvwxyz"
    n = 0
    while True:
        q, r = divmod(n, 26)
        yield letters[r] + (str(q) if q else "")
        n += 1


def pretty_print(program: Program) -> str:
    """Text of a program: one line per equation, residuals named, not dumped."""
    names: dict[Var, str] = {}
    gen = _var_names()
    res_names: dict[int, str] = {}
    res_lines = []

    def var(v: Var) -> str:
        if v not in names:
            names[v] = next(gen)
        return names[v]

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
        outs = " ".join(f"{var(o)}:{format_aval(o.shape, o.dtype)}" for o in eqn_outs(eqn))
        lines.append(f"    {outs} = {eqn.prim.name}{p} {args}")
    outs = ", ".join(var(o) if type(o) is Var else
                     f"0:{format_aval(o.shape, o.dtype)}" if type(o) is Zero else atom(o)
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
