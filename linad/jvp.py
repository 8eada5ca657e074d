"""Forward mode: a trace whose tracers carry a primal and a tangent, evaluated eagerly.

The same trace serves ``linearize``: there the tangents are tracers of a
:class:`~linad.linearize.StagingTrace`, so the tangent computations of every
JVP rule are recorded into a linear program instead of being computed.

:func:`apply_jvp_rule` is how a primitive's JVP rule (declared with
:mod:`linad.primitives.rules`) is applied: per-operand contributions are
summed and fitted to the output's shape and dtype here.

The common eager case, one or two operands of which the tracers of this trace
have concrete primals, takes a fast path that skips the general unzipping of
the operands; :mod:`linad.optimize`'s switch turns it off (same answers).
"""
from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from .core import LinearityError, Primitive, Trace, Tracer, Zero, aval_of, bind, dtype_of
from .optimize import on_switch
from .optimize.sharing import sharing_scope
from .primitives.linear import add, fit_like
from .primitives.rules import ArgwiseJVP

__all__ = ["JVPTrace", "JVPTracer", "unzip_outputs", "apply_jvp_rule", "apply_argwise",
           "run_dual"]


def apply_argwise(rule: ArgwiseJVP, primals: Sequence, tangents: Sequence, params: dict,
                  traced: bool) -> tuple:
    """Apply per-operand contributions: ``(ans, tangent or None)``.

    ``tangents[i]`` is ``None`` or a :class:`~linad.core.Zero` for an operand
    without a tangent; ``None`` comes back when no tangent flows.  ``traced``:
    some primal may be a tracer of an enclosing transformation (use ``bind``).
    """
    prim = rule.prim
    if traced:
        ans = bind(prim, *primals, **params)
    else:
        ans = prim.impl(*primals, **params) if params else prim.impl(*primals)
    rules = rule.arg_rules
    out = None
    i = 0
    for t in tangents:
        if t is not None and type(t) is not Zero:
            try:
                contribution = rules[i]
            except IndexError:
                raise _too_many_tangents(prim, i, rules) from None
            if contribution is not None:
                c = (contribution(t, ans, *primals, **params) if params
                     else contribution(t, ans, *primals))
                out = c if out is None else add(out, c)
        i += 1
    if out is None:
        return ans, None
    try:  # the common case: the contributions have the output's aval already
        if out.shape == ans.shape and out.dtype == ans.dtype:
            return ans, out
    except AttributeError:  # a Python scalar
        pass
    return ans, fit_like(out, ans)


def _too_many_tangents(prim: Primitive, i: int, rules: Sequence) -> TypeError:
    return TypeError(
        f"primitive {prim.name!r} got a tangent for its operand {i}, but its "
        f"JVP (defjvp) has contributions for {len(rules)} operands only; give "
        "one contribution per operand (None for an operand with no "
        "derivative).")


def apply_jvp_rule(prim: Primitive, primals: Sequence, tangents: Sequence, **params) -> tuple:
    """``prim``'s JVP at ``primals`` along ``tangents``: ``(primal_out, tangent_out)``.

    Tangents may be :class:`~linad.core.Zero`; so may ``tangent_out``.

    Examples
    --------
    >>> import numpy as np
    >>> from linad.primitives.linear import mul_p
    >>> x, y = np.array([1.0, 2.0]), np.array([3.0, 5.0])
    >>> apply_jvp_rule(mul_p, [x, y], [np.ones(2), Zero.like(y)])  # d(x*y) = dx*y
    (array([ 3., 10.]), array([3., 5.]))
    """
    rule = prim.jvp_rule
    if type(rule) is ArgwiseJVP:
        traced = any(isinstance(p, Tracer) for p in primals)
        ans, t_out = apply_argwise(rule, primals, tangents, params, traced)
        if t_out is not None:
            return ans, t_out
        if prim.multiple_results:
            return ans, [Zero.like(a) for a in ans]
        return ans, Zero.like(ans)
    if rule is None:
        raise _no_jvp_rule(prim)
    return rule(primals, tangents, **params)


class JVPTracer(Tracer):
    """A dual number: a primal value and its tangent (never a symbolic zero)."""

    __slots__ = ("primal", "tangent")

    def __init__(self, trace: "JVPTrace", primal: Any, tangent: Any):
        self._trace = trace
        self.primal = primal
        self.tangent = tangent

    @property
    def aval(self) -> tuple:
        return aval_of(self.primal)

    @property
    def shape(self) -> tuple:
        try:
            return self.primal.shape
        except AttributeError:  # a Python scalar
            return ()

    @property
    def dtype(self):
        try:
            return self.primal.dtype
        except AttributeError:  # a Python scalar
            return dtype_of(self.primal)


class JVPTrace(Trace):
    """Applies each primitive's JVP rule to (primals, tangents)."""

    __slots__ = ()

    def __init__(self, name: str = "jvp"):
        super().__init__(name)

    def process_primitive(self, prim, args, params):
        if not self.alive:
            self.check_alive()
        rule = prim.jvp_rule
        if fast_paths.on and type(rule) is ArgwiseJVP:
            # the common case: one or two operands, one of them a tracer of this trace, no
            # primal a tracer of an enclosing transformation
            n = len(args)
            if n == 1:
                a = args[0]
                if type(a) is JVPTracer and a._trace is self:
                    p = a.primal
                    if type(p) is np.ndarray or not isinstance(p, Tracer):
                        return self._apply_one(rule, (p,), 0, a.tangent, params)
            elif n == 2:
                a, b = args
                if type(a) is JVPTracer and a._trace is self:
                    p = a.primal
                    if type(p) is np.ndarray or not isinstance(p, Tracer):
                        if type(b) is np.ndarray or not isinstance(b, Tracer):
                            return self._apply_one(rule, (p, b), 0, a.tangent, params)
                        if type(b) is JVPTracer and b._trace is self:
                            q = b.primal
                            if type(q) is np.ndarray or not isinstance(q, Tracer):
                                return self._apply_argwise(rule, (p, q), (a.tangent, b.tangent),
                                                           params, False)
                elif type(b) is JVPTracer and b._trace is self:
                    p = b.primal
                    if ((type(p) is np.ndarray or not isinstance(p, Tracer))
                            and (type(a) is np.ndarray or not isinstance(a, Tracer))):
                        return self._apply_one(rule, (a, p), 1, b.tangent, params)
        primals = []
        tangents = []  # None for an operand that is not a tracer of this trace
        traced = False  # some primal is a tracer of an enclosing transformation
        for a in args:
            if type(a) is JVPTracer and a._trace is self:
                p = a.primal
                tangents.append(a.tangent)
                if type(p) is not np.ndarray and isinstance(p, Tracer):
                    traced = True
            else:
                p = a
                tangents.append(None)
                if type(p) is not np.ndarray and isinstance(p, Tracer):
                    traced = True
                    p._trace.check_alive()
            primals.append(p)
        if type(rule) is ArgwiseJVP:
            return self._apply_argwise(rule, primals, tangents, params, traced)
        try:
            if rule is None:
                raise _no_jvp_rule(prim)
            tangents = [Zero.like(p) if t is None else t for p, t in zip(primals, tangents)]
            out, t_out = rule(primals, tangents, **params)
        except LinearityError as err:
            raise _in_rule_of(err, prim) from None
        if prim.multiple_results:
            return [self._wrap(p, t) for p, t in zip(out, t_out)]
        return self._wrap(out, t_out)

    def _apply_argwise(self, rule: ArgwiseJVP, primals: Sequence, tangents: Sequence,
                       params: dict, traced: bool) -> Any:
        """:func:`apply_argwise`, its result wrapped as :meth:`_wrap` does."""
        try:
            out, t_out = apply_argwise(rule, primals, tangents, params, traced)
        except LinearityError as err:
            raise _in_rule_of(err, rule.prim) from None
        if t_out is None:
            return out
        try:  # _wrap's test, inlined for a NumPy primal
            kind = out.dtype.kind
        except AttributeError:
            return self._wrap(out, t_out)
        if (kind == "f" or kind == "c") and type(t_out) is not Zero:
            return JVPTracer(self, out, t_out)
        return out

    def _apply_one(self, rule: ArgwiseJVP, primals: tuple, i: int, t: Any, params: dict) -> Any:
        """:func:`apply_argwise` and :meth:`_wrap` for concrete primals and one tangent
        ``t``, of operand ``i``."""
        prim = rule.prim
        ans = prim.impl(*primals, **params) if params else prim.impl(*primals)
        if type(t) is Zero:
            return ans
        try:
            contribution = rule.arg_rules[i]
        except IndexError:
            raise _too_many_tangents(prim, i, rule.arg_rules) from None
        if contribution is None:
            return ans
        try:
            out = (contribution(t, ans, *primals, **params) if params
                   else contribution(t, ans, *primals))
        except LinearityError as err:
            raise _in_rule_of(err, prim) from None
        if type(out) is Zero:
            return ans
        try:
            if out.shape != ans.shape or out.dtype != ans.dtype:
                out = fit_like(out, ans)
            kind = ans.dtype.kind
        except AttributeError:  # a Python scalar
            return self._wrap(ans, fit_like(out, ans))
        if kind == "f" or kind == "c":
            return JVPTracer(self, ans, out)
        return ans

    def _wrap(self, primal: Any, tangent: Any) -> Any:
        """A tracer for a nonzero tangent of a float or complex primal; else the primal."""
        if type(tangent) is Zero:
            return primal
        try:
            kind = primal.dtype.kind
        except AttributeError:  # a Python scalar
            kind = dtype_of(primal).kind
        if kind != "f" and kind != "c":
            return primal
        return JVPTracer(self, primal, tangent)


class FastPaths:
    """Whether the eager fast paths of the JVP and staging traces run (``.on``): the switch
    of :mod:`linad.optimize`, kept in an attribute so that they read it without a call."""

    __slots__ = ("on",)

    def __init__(self):
        self.on = True

    def switch(self, on: bool) -> None:
        self.on = on


fast_paths = FastPaths()
on_switch(fast_paths.switch)


def _no_jvp_rule(prim) -> NotImplementedError:
    return NotImplementedError(
        f"primitive {prim.name!r} has no JVP rule, so it cannot be differentiated")


def _in_rule_of(err: LinearityError, prim) -> LinearityError:
    """Say in which primitive's JVP rule a linearity violation happened (once)."""
    if getattr(err, "rule_of", None) is not None:
        return err
    new = LinearityError(
        f"the JVP rule of primitive {prim.name!r} is not linear in its tangents: {err} "
        "A JVP rule may pass a tangent only to linear operations, or multiply it by primal "
        "(residual) values.")
    new.rule_of = prim.name
    return new


def unzip_outputs(outs, trace: JVPTrace) -> tuple[list, list]:
    """Split a transformation's outputs into primals and tangents.

    Outputs that are not tracers of ``trace`` have a symbolic zero tangent; a
    tracer of another, finished transformation raises ``EscapedTracerError``.
    """
    primals, tangents = [], []
    for o in outs:
        if isinstance(o, JVPTracer) and o._trace is trace:
            primals.append(o.primal)
            tangents.append(o.tangent)
        else:
            if isinstance(o, Tracer):
                o._trace.check_alive()  # a tracer leaked from a finished transformation
            primals.append(o)
            tangents.append(Zero.like(o))
    return primals, tangents


def run_dual(f_flat, primals: Sequence, tangents: Sequence, name: str) -> tuple[list, list]:
    """Run ``f_flat`` once on dual numbers: flat primal outputs and their tangents.

    The tangents may be concrete (forward mode) or staging tracers (``linearize``).
    Primal work is shared between JVP rules for the duration of the call
    (:mod:`linad.optimize.sharing`), and the trace is dead when it returns.
    """
    trace = JVPTrace(name)
    tracers = [JVPTracer(trace, p, t) for p, t in zip(primals, tangents)]
    try:
        with sharing_scope():
            outs = f_flat(*tracers)
    finally:
        trace.alive = False
    return unzip_outputs(outs, trace)
