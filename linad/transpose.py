"""Reverse mode: transposing a linear program.

A linear program maps input tangents to output tangents.  Its transpose maps
output cotangents to input cotangents: :func:`backward_pass` walks the
equations backwards and applies each linear primitive's transpose rule to the
cotangent of the equation's output, accumulating (:func:`add_cotangent`) the
cotangents of variables read more than once.  That is all of reverse mode:
``vjp = linearize + backward_pass``, ``grad = vjp`` applied to ``1.0``.

Transpose rules are written with linear primitives only, so running
:func:`backward_pass` on staging tracers records the transposed program
(:func:`transpose_program`), which prints and transposes again.

Examples
--------
The pullback of ``x ↦ A x`` is ``c ↦ Aᵀ c``:

>>> import numpy as np, linad
>>> A = np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
>>> _, f_lin = linad.linearize(lambda x: A @ x, np.zeros(2))
>>> backward_pass(f_lin.program, [np.array([1.0, 0.0, -1.0])])
[array([-4., -4.])]
"""
from __future__ import annotations

from typing import Any, Sequence

from .core import Var, Zero
from .ir import LinearProgram
from .linearize import stage
from .primitives.linear import add

__all__ = ["backward_pass", "transpose_program", "add_cotangent"]


def add_cotangent(prev: Any, ct: Any) -> Any:
    """Accumulate a cotangent: ``ct`` if nothing is there yet (``prev is None``), else the sum."""
    return ct if prev is None else add(prev, ct)


def backward_pass(program: LinearProgram, cts_out: Sequence) -> list:
    """Transpose ``program``: map output cotangents to input cotangents.

    Walks the equations backwards, applying each primitive's transpose rule and
    accumulating cotangents of variables used more than once.  Cotangents are
    released as soon as they have been consumed.  Works on concrete values and
    on traced values alike (rules ``bind``), so the result can be staged.

    Returns one cotangent per input variable (:class:`~linad.core.Zero` where none flows).
    """
    ct_env: dict[Var, Any] = {}  # Vars hash by identity
    for o, ct in zip(program.outs, cts_out):
        if type(o) is Var and type(ct) is not Zero:
            ct_env[o] = add_cotangent(ct_env.get(o), ct)
    pop, get = ct_env.pop, ct_env.get
    for eqn in reversed(program.eqns):
        ct = pop(eqn.out, None)
        if ct is None:
            continue
        params = eqn.params
        inputs = eqn.inputs
        cts_in = (eqn.prim.transpose_rule(ct, *inputs, **params) if params
                  else eqn.prim.transpose_rule(ct, *inputs))
        for v, c in zip(inputs, cts_in):
            if c is not None and type(v) is Var and type(c) is not Zero:
                prev = get(v)
                ct_env[v] = c if prev is None else add(prev, c)  # add_cotangent, inlined
    return [ct_env[v] if v in ct_env else Zero(v.shape, v.dtype) for v in program.in_vars]


def transpose_program(program: LinearProgram) -> LinearProgram:
    """The transposed program (output cotangents -> input cotangents), itself staged.

    Examples
    --------
    >>> import numpy as np, linad
    >>> _, f_lin = linad.linearize(lambda x: 3.0 * x, np.ones(2))
    >>> print(transpose_program(f_lin.program))
    { lambda a:f64[2] .
      let
        b:f64[2] = mul a 3.0
      in (b) }
    """
    in_avals = [(o.shape, o.dtype) for o in program.outs]

    def backward(*cts):
        return backward_pass(program, cts)

    return stage(backward, in_avals, name="transpose")
