"""Whole programs compiled to Python: common subexpressions shared, then one
straight-line function of NumPy calls.

:func:`share_common` merges equations that apply the same primitive with the
same parameters to the same inputs.  :func:`to_python` writes the program as
the source of one Python function — one statement per equation, each
intermediate deleted right after its last use — and builds it once with
``compile``/``exec``.  ``linad.jit`` runs the result on every call with the
same signature, so a call runs no tracing code at all.
"""
from __future__ import annotations

from typing import Any, Callable

import numpy as np

from ..core import Var
from ..ir import Equation, Program, eqn_outs

__all__ = ["share_common", "to_python", "CompiledFunction"]


# ---------------------------------------------------------------------- common subexpressions

def _key(x: Any) -> Any:
    """A hashable key equal for interchangeable inputs or parameters."""
    t = type(x)
    if t is Var:
        return ("var", id(x))
    if t in (int, float, complex, bool, str) or x is None:
        return (t, repr(x))
    if t is tuple or t is list:
        return (t, tuple(_key(e) for e in x))
    if t is dict:
        return (t, tuple((k, _key(v)) for k, v in x.items()))
    if t is slice:
        return (t, _key(x.start), _key(x.stop), _key(x.step))
    if isinstance(x, np.dtype) or isinstance(x, type):
        return ("dtype", x)
    if isinstance(x, np.generic):
        return ("scalar", x.dtype, x.tobytes())
    return ("id", id(x))  # arrays and other objects: the same object only


def share_common(program: Program) -> Program:
    """Merge equations computing the same thing (in place); returns the program.

    Two equations are the same when they apply the same primitive, with equal
    parameters, to the same variables and the same constants (arrays: the same
    object; Python scalars: the same type and value).  Every linad primitive is a
    pure function, so the later one is replaced by the earlier one's result.

    Examples
    --------
    >>> import numpy as np
    >>> from linad.staging import stage_program
    >>> prog, _ = stage_program(lambda x: [np.sin(x) + np.sin(x)], [np.zeros(2)])
    >>> len(prog.eqns), len(share_common(prog).eqns)
    (3, 2)
    """
    seen: dict = {}
    rename: dict = {}
    kept = []
    for eqn in program.eqns:
        inputs = [rename.get(v, v) if type(v) is Var else v for v in eqn.inputs]
        eqn = Equation(eqn.prim, inputs, eqn.params, eqn.out, eqn.errstate)
        try:
            key = (eqn.prim, tuple(_key(v) for v in inputs), _key(eqn.params))
            hash(key)
        except TypeError:  # pragma: no cover - a parameter that cannot be keyed
            kept.append(eqn)
            continue
        first = seen.get(key)
        if first is None:
            seen[key] = eqn
            kept.append(eqn)
        else:
            rename.update(zip(eqn_outs(eqn), eqn_outs(first)))
    program.eqns = kept
    program.outs = [rename.get(o, o) if type(o) is Var else o for o in program.outs]
    program.cache.clear()
    return program


# ---------------------------------------------------------------------- Python source

class CompiledFunction:
    """A program as one generated Python function: ``fn(*inputs) -> list`` of outputs.

    ``source`` is the generated code (for reading; ``linad.make_program`` prints the
    program itself).
    """

    __slots__ = ("fn", "source")

    def __init__(self, fn: Callable, source: str):
        self.fn = fn
        self.source = source

    def __call__(self, *args: Any) -> list:
        return self.fn(*args)


def to_python(program: Program, name: str = "program") -> CompiledFunction:
    """Generate and build the straight-line Python function of ``program``.

    Each equation becomes ``out = impl(inputs, **params)`` with the primitive's
    NumPy implementation, its parameters and the program's constants bound as
    globals of the generated code (literals where Python has them).  A variable
    is released right after its last use — its name is given to the equation's
    output, or deleted — so memory is released as in the eager computation.
    Output constants that are arrays are copied on every call, so callers cannot
    change them.

    Examples
    --------
    >>> import numpy as np
    >>> from linad.staging import stage_program
    >>> prog, _ = stage_program(lambda x: [np.sin(x) * 2.0], [np.zeros(2)])
    >>> to_python(prog)(np.array([0.0, np.pi / 2]))
    [array([0., 2.])]
    >>> print(to_python(prog).source)
    def program(v0):
        v0 = f0(v0)
        v0 = f1(v0, 2.0)
        return [v0]
    <BLANKLINE>
    """
    writer = _Writer()
    last_use: dict = {}
    for k, eqn in enumerate(program.eqns):
        for v in eqn.inputs:
            if type(v) is Var:
                last_use[v] = k
    keep = {o for o in program.outs if type(o) is Var}
    args = ", ".join(writer.new_name(v) for v in program.in_vars)
    lines = [f"def {name}({args}):"]
    state = None  # the error state of the open `with` block, if any
    for k, eqn in enumerate(program.eqns):
        operands = [writer.names[v] if type(v) is Var else writer.const(v) for v in eqn.inputs]
        operands += [f"{p}={writer.const(val)}" for p, val in eqn.params.items()]
        dying = []
        for v in eqn.inputs:
            if type(v) is Var and last_use[v] == k and v not in keep and v in writer.names:
                dying.append(writer.names.pop(v))
        outs = eqn_outs(eqn)
        targets = [writer.reuse_name(o, dying) for o in outs]
        target = ", ".join(targets) + ("," if type(eqn.out) is tuple else "")
        call = f"{target} = {writer.function(eqn.prim.impl)}({', '.join(operands)})"
        if eqn.errstate is not state:  # the error handling the staged code ran this under
            state = eqn.errstate
            if state is not None:
                lines.append(f"    with _errstate(**{writer.const(state)}):")
        lines.append(f"        {call}" if state is not None else f"    {call}")
        dead = dying + [writer.names.pop(o) for o in outs if o not in last_use and o not in keep]
        if dead:
            writer.free.extend(dead)
            lines.append(f"{'        ' if state is not None else '    '}del {', '.join(dead)}")
    results = []
    for o in program.outs:
        if type(o) is Var:
            results.append(writer.names[o])
        elif isinstance(o, np.ndarray):
            results.append(f"_copy({writer.const(o)})")
        else:
            results.append(writer.const(o))
    lines.append(f"    return [{', '.join(results)}]")
    source = "\n".join(lines) + "\n"
    glob = writer.globals
    exec(compile(source, f"<linad.jit {name}>", "exec"), glob)
    return CompiledFunction(glob[name], source)


_LITERALS = (int, bool, str, type(None))


class _Writer:
    """Names of a generated function: locals (reused once dead), functions and constants."""

    def __init__(self):
        self.names: dict = {}  # Var -> local name, while the variable is alive
        self.free: list = []  # names of dead variables, free for new ones
        self.count = 0
        self.globals: dict = {"_copy": np.array, "_errstate": np.errstate}
        self._global_names: dict = {}  # id -> global name (each object bound once)

    def new_name(self, v: Var) -> str:
        if self.free:
            name = self.free.pop()
        else:
            name = f"v{self.count}"
            self.count += 1
        self.names[v] = name
        return name

    def reuse_name(self, v: Var, dying: list) -> str:
        """A name for output ``v``: an input dying at this equation's, or a fresh one."""
        if dying:
            self.names[v] = name = dying.pop()
            return name
        return self.new_name(v)

    def function(self, fn: Any) -> str:
        return self._bind(fn, "f")

    def const(self, x: Any) -> str:
        if _is_literal(x):
            return repr(x)
        return self._bind(x, "k")

    def _bind(self, obj: Any, prefix: str) -> str:
        name = self._global_names.get(id(obj))
        if name is None:
            name = self._global_names[id(obj)] = f"{prefix}{len(self._global_names)}"
            self.globals[name] = obj
        return name


def _is_literal(x: Any) -> bool:
    """True for values whose ``repr`` is a Python literal that evaluates back to them."""
    t = type(x)
    if t in _LITERALS or (t is float and np.isfinite(x)):
        return True
    return t is tuple and all(_is_literal(e) for e in x)
