r"""``custom_jvp``: a function whose JVP rule the user states.

``@custom_jvp`` + ``.defjvp(rule)``: reverse mode and higher orders come, as for
every primitive, from linearizing the rule and transposing.  Each decorated
function becomes its own primitive (named ``custom_jvp:<name>``, not registered
in ``core.PRIMITIVES``) whose JVP rule stages the user's rule in the tangents —
a linear program, so a rule that is not linear in its tangents raises
:class:`linad.LinearityError` — and applies it to the actual tangents with
symbolic zeros skipped.  Under ``linad.vmap`` the primitive binds another custom
function whose function and rule are the user's mapped over the batch (a function
that needs concrete values is mapped by a loop over the elements).
"""
from __future__ import annotations

import functools
import inspect
from typing import Any, Callable, Sequence

import numpy as np

from . import tree
from .batching import batch_flat
from .core import (PRIMITIVES, Primitive, Tracer, TracerConversionError, Zero, bind, dtype_of,
                   format_aval, instantiate, shape_of)
from .linearize import StagingTrace, StagingTracer
from .primitives.linear import add, batch_size
from .primitives.rules import defjvp_full

__all__ = ["custom_jvp", "CustomJVPFunction", "CustomFunction", "check_aval"]


def _unregistered_primitive(name: str, impl: Callable, multiple_results: bool = False) -> Primitive:
    """A primitive that is not entered in ``core.PRIMITIVES``.

    Primitives made at run time for user functions (one per ``custom_jvp``) are
    not part of the library's primitive set: registering them would keep every
    decorated function alive forever and make the systematic suite's coverage
    check depend on which user code happened to run first.
    """
    prim = Primitive(name, impl, multiple_results=multiple_results)
    PRIMITIVES.pop(name, None)
    return prim


class CustomFunction:
    """What a function with user-stated derivative rules shares (``custom_jvp``, ``custom_vjp``).

    Calling it binds its own primitive (``self.prim``, named ``<kind>:<name>``, not
    entered in ``core.PRIMITIVES``) on the flat leaves of the differentiated
    arguments; the arguments in ``nondiff_argnums`` ride along as a parameter.
    On NumPy values the primitive runs the function; under a transformation the
    subclass's JVP rule (``_jvp``) applies the user's rule.

    Under ``linad.vmap`` the primitive's batch rule binds another custom function
    (:meth:`_mapped`) on the batched leaves: its function and rules are this one's
    mapped over the batch, so derivatives taken outside the ``vmap`` still use the
    user's rule.
    """

    kind = "custom"

    def __init__(self, fun: Callable, nondiff_argnums: Sequence[int] = ()):
        functools.update_wrapper(self, fun)
        self.fun = fun
        self.nondiff_argnums = tuple(sorted(set(int(i) for i in nondiff_argnums)))
        self.prim = _unregistered_primitive(f"{self.kind}:{_name_of(fun)}", self._impl,
                                            multiple_results=True)
        defjvp_full(self.prim, self._jvp)
        self.prim.batch_rule = self._batch

    def _check_defined(self) -> None:
        """Raise ``TypeError`` if the user's rule is missing."""

    # -- calling ----------------------------------------------------------------------
    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        self._check_defined()
        args = self._positional(args, kwargs)
        for i in self.nondiff_argnums:
            if i >= len(args):
                raise TypeError(f"{self.__name__}: nondiff_argnums {self.nondiff_argnums} refers "
                                f"to argument {i}, but it was called with {len(args)} arguments")
            if any(isinstance(x, Tracer) for x in tree.leaves(args[i])):
                raise TypeError(
                    f"{self.__name__}: argument {i} is in nondiff_argnums but is a traced value. "
                    "Non-differentiable arguments must be static (functions, shapes, "
                    "constants); pass traced arrays as differentiable arguments.")
        nondiff = tuple(args[i] for i in self.nondiff_argnums)
        diff = tuple(a for i, a in enumerate(args) if i not in self.nondiff_argnums)
        leaves, in_tree = tree.flatten(diff)
        leaves = [x if isinstance(x, Tracer) else np.asarray(x) for x in leaves]
        store: dict = {}
        outs = bind(self.prim, *leaves, in_tree=in_tree, nondiff=nondiff, store=store)
        return tree.unflatten(store["out_tree"], outs)

    def _positional(self, args: tuple, kwargs: dict) -> tuple:
        if not kwargs:
            return args
        bound = inspect.signature(self.fun).bind(*args, **kwargs)
        bound.apply_defaults()
        if bound.kwargs:
            raise TypeError(f"{self.__name__}: keyword-only arguments are not supported by "
                            f"{self.kind}; make them positional")
        return bound.args

    def _full_args(self, nondiff: tuple, diff: tuple) -> list:
        full, it_nd, it_d = [], iter(nondiff), iter(diff)
        for i in range(len(nondiff) + len(diff)):
            full.append(next(it_nd) if i in self.nondiff_argnums else next(it_d))
        return full

    def _impl(self, *leaves, in_tree, nondiff, store):
        out = self.fun(*self._full_args(nondiff, tree.unflatten(in_tree, leaves)))
        out_leaves, store["out_tree"] = tree.flatten(out)
        if any(isinstance(o, Tracer) for o in out_leaves):
            raise TypeError(
                f"{self.kind} function {self.__name__!r} returned a traced value for concrete "
                "arguments: it closes over a value being differentiated, which would bypass its "
                "rule. Pass that value as an argument instead.")
        return out_leaves

    def _jvp(self, primals, tangents, *, in_tree, nondiff, store):
        raise NotImplementedError

    # -- batching ---------------------------------------------------------------------
    def _batch(self, vals, dims, *, in_tree, nondiff, store):
        """The batch rule: :meth:`_mapped` bound on the batched leaves (results batch-first)."""
        mapped = self._mapped(tuple(dims), in_tree, nondiff, store)
        outs = bind(mapped.prim, *vals, in_tree=tree.flatten(tuple(vals))[1], nondiff=(),
                    store={})
        return outs, [0] * len(outs)

    def _mapped(self, dims: tuple, in_tree: Any, nondiff: tuple, store: dict
                ) -> "CustomFunction":
        """A custom function of the flat batched leaves (batch axes ``dims``) whose function
        and rules are this one's mapped over the batch (results batch-first)."""
        raise NotImplementedError

    def _flat_primal(self, in_tree: Any, nondiff: tuple, store: dict) -> Callable:
        """The function on flat leaves, returning its flat output leaves."""
        def primal(*leaves):
            out, store["out_tree"] = tree.flatten(
                self.fun(*self._full_args(nondiff, tree.unflatten(in_tree, leaves))))
            return out
        return primal

    def _mapped_primal(self, dims: tuple, in_tree: Any, nondiff: tuple, store: dict
                       ) -> Callable:
        """The function mapped over the batch of flat leaves: ``vmap`` of it, or a loop over
        the elements when it needs concrete values (a function written for NumPy arrays)."""
        primal = self._flat_primal(in_tree, nondiff, store)

        def mapped(*leaves):
            try:
                return map_flat(primal, leaves, dims)
            except TracerConversionError:
                if any(isinstance(x, Tracer) for x in leaves):
                    raise
                return _loop_flat(primal, leaves, dims)
        mapped.__name__ = mapped.__qualname__ = f"vmap({self.__name__})"
        return mapped


def map_flat(fn: Callable, leaves: Sequence, dims: Sequence) -> list:
    """``fn`` (flat leaves in, flat leaves out) under ``linad.vmap``: ``leaves[i]`` batched
    along ``dims[i]`` (``None``: the same for every element), results batch-first."""
    return batch_flat(fn, list(leaves), list(dims), lambda n: [0] * n,
                      batch_size(leaves, dims))


def _loop_flat(fn: Callable, leaves: Sequence, dims: Sequence) -> list:
    """:func:`map_flat` on concrete values, by a Python loop over the batch elements."""
    n = batch_size(leaves, dims)
    if n == 0:
        raise ValueError("a custom function that needs concrete values is mapped by calling "
                         "it on each element, which needs a batch of at least one element")
    rows = [fn(*[x if d is None else np.take(x, i, axis=d) for x, d in zip(leaves, dims)])
            for i in range(n)]
    return [np.stack([np.asarray(instantiate(r)) for r in col]) for col in zip(*rows)]


def _name_of(fun: Callable) -> str:
    return getattr(fun, "__qualname__", getattr(fun, "__name__", "fun"))


def check_aval(value: Any, primal: Any, what: str) -> Any:
    """``value`` (a tangent or cotangent a user rule returned) with ``primal``'s shape and dtype.

    Python scalars take the primal's dtype; symbolic zeros pass.  Otherwise a
    mismatch raises ``TypeError``: ``what`` names the rule, the argument or
    output, and the kind of value.
    """
    if type(value) is Zero:
        return value
    if isinstance(value, (int, float, complex)) and not isinstance(value, bool):
        value = np.asarray(value, dtype_of(primal))
    if tuple(shape_of(value)) != tuple(shape_of(primal)) or np.dtype(
            dtype_of(value)) != np.dtype(dtype_of(primal)):
        raise TypeError(
            f"{what} {format_aval(shape_of(value), dtype_of(value))} for a primal "
            f"{format_aval(shape_of(primal), dtype_of(primal))}; it must have its primal's "
            "shape and dtype")
    return value


class CustomJVPFunction(CustomFunction):
    """A function with a user-defined JVP rule (made by :func:`custom_jvp`).

    Calling it binds its own primitive (``self.prim``, named
    ``custom_jvp:<name>``, not entered in ``core.PRIMITIVES``): on NumPy values
    the primitive runs the function, under a transformation it stages the rule.

    Examples
    --------
    >>> import numpy as np, linad
    >>> f = linad.custom_jvp(lambda x: 2.0 * x)
    >>> rule = f.defjvp(lambda primals, tangents: (f(primals[0]), 3.0 * tangents[0]))
    >>> float(linad.grad(f)(1.0))          # the rule, not the function, is differentiated
    3.0
    """

    kind = "custom_jvp"

    def __init__(self, fun: Callable, nondiff_argnums: Sequence[int] = ()):
        super().__init__(fun, nondiff_argnums)
        self.jvp_rule: Callable | None = None

    def defjvp(self, rule: Callable) -> Callable:
        """Set the JVP rule: ``rule(*nondiff_args, primals, tangents) -> (out, out_tangent)``.

        ``primals`` and ``tangents`` are tuples of the differentiated arguments
        (pytrees).  The rule is run once per use with *staged* tangents (linear
        values, recorded into a small linear program that is then applied to the
        actual tangents, skipping those that are zero), so it must return the
        primal output and a tangent computed from ``tangents`` with linear
        operations only.  Returns ``rule`` so it can be used as a decorator.
        """
        self.jvp_rule = rule
        return rule

    def defjvps(self, *tangent_fns: Callable | None) -> None:
        """Set the JVP rule from one function per differentiated argument (JAX's ``defjvps``).

        ``tangent_fns[i](t, ans, *primals)`` gives the contribution of argument
        ``i``'s tangent ``t`` to the output tangent (a pytree of the output's
        structure, linear in ``t``); ``ans`` is the primal output.  ``None`` marks
        an argument with no derivative.  The output tangent is the sum of the
        contributions.  Not available with ``nondiff_argnums`` (use
        :meth:`defjvp`).

        Examples
        --------
        >>> import numpy as np, linad
        >>> @linad.custom_jvp
        ... def f(x, y):
        ...     return np.sin(x) * y
        >>> f.defjvps(lambda tx, ans, x, y: np.cos(x) * y * tx,
        ...           lambda ty, ans, x, y: np.sin(x) * ty)
        >>> [float(g) for g in linad.grad(f, argnums=(0, 1))(0.0, 2.0)]
        [2.0, 0.0]
        """
        if self.nondiff_argnums:
            raise TypeError(f"{self.__name__}: defjvps cannot be used with nondiff_argnums "
                            f"{self.nondiff_argnums}; define the rule with defjvp instead")

        def rule(primals, tangents):
            if len(tangent_fns) != len(primals):
                raise TypeError(
                    f"{self.__name__}: defjvps was given {len(tangent_fns)} functions, but the "
                    f"function was called with {len(primals)} arguments; give one per argument "
                    "(None for an argument with no derivative)")
            ans = self(*primals)
            out = None
            for fn, t in zip(tangent_fns, tangents):
                if fn is not None:
                    c = fn(t, ans, *primals)
                    out = c if out is None else tree.tree_map(add, out, c)
            return ans, tree.tree_map(Zero.like, ans) if out is None else out

        self.defjvp(rule)

    def _check_defined(self) -> None:
        if self.jvp_rule is None:
            raise TypeError(f"custom_jvp function {self.__name__!r} has no JVP rule: define one "
                            f"with @{self.__name__}.defjvp before calling it")

    def _jvp(self, primals, tangents, *, in_tree, nondiff, store):
        if all(type(t) is Zero for t in tangents):
            outs = bind(self.prim, *primals, in_tree=in_tree, nondiff=nondiff, store=store)
            return outs, [Zero.like(o) for o in outs]
        p_out, program = self._stage_rule(primals, in_tree, nondiff, store)
        return p_out, program(*tangents)

    def _rule_result(self, res: Any) -> tuple:
        """``(primal leaves, their structure, tangent leaves)`` of what the rule returned."""
        if not (isinstance(res, (tuple, list)) and len(res) == 2):
            raise TypeError(f"the JVP rule of {self.__name__!r} must return a pair "
                            "(primal_out, tangent_out)")
        p_out, p_tree = tree.flatten(res[0])
        t_out, t_tree = tree.flatten(res[1])
        if p_tree != t_tree:
            raise TypeError(f"the JVP rule of {self.__name__!r} returned a primal output of "
                            f"structure {p_tree!r} but a tangent of structure {t_tree!r}")
        return p_out, p_tree, t_out

    def _mapped(self, dims, in_tree, nondiff, store):
        mapped = CustomJVPFunction(self._mapped_primal(dims, in_tree, nondiff, store))
        n = len(dims)

        def flat_rule(*leaves):
            res = self.jvp_rule(*nondiff, tree.unflatten(in_tree, leaves[:n]),
                                tree.unflatten(in_tree, leaves[n:]))
            p_out, store["out_tree"], t_out = self._rule_result(res)
            return p_out + [instantiate(check_aval(t, p, f"the JVP rule of {self.__name__!r} "
                                                   f"returned, for output {k}, a tangent"))
                            for k, (p, t) in enumerate(zip(p_out, t_out))]

        @mapped.defjvp
        def rule(primals, tangents):
            outs = map_flat(flat_rule, list(primals) + list(tangents), dims + dims)
            half = len(outs) // 2
            return outs[:half], outs[half:]
        return mapped

    def _stage_rule(self, primals, in_tree, nondiff, store):
        """Run the rule once with staged tangents: (primal outputs, the tangent program).

        Staging makes the tangent map an explicit linear program (and checks its
        linearity); applying it with symbolic-zero propagation means tangents that
        are zero never meet primal values of outer transformations.
        """
        trace = StagingTrace(f"custom_jvp rule of {self.__name__}")
        t_in = [trace.new_input(shape_of(p), dtype_of(p)) for p in primals]
        try:
            res = self.jvp_rule(*nondiff, tree.unflatten(in_tree, primals),
                                tree.unflatten(in_tree, t_in))
            p_out, p_tree, t_out = self._rule_result(res)
            for k, p in enumerate(p_out):
                if isinstance(p, StagingTracer) and p._trace is trace:
                    raise TypeError(f"the JVP rule of {self.__name__!r} computed its primal "
                                    f"output {k} from the tangents")
            t_out = [check_aval(t, p, f"the JVP rule of {self.__name__!r} returned, for output "
                                   f"{k}, a tangent") for k, (p, t) in enumerate(zip(p_out, t_out))]
        except BaseException:
            trace.alive = False
            raise
        store["out_tree"] = p_tree
        program = trace.finish(t_in, t_out, [(shape_of(p), dtype_of(p)) for p in p_out])
        return p_out, program


def custom_jvp(fun: Callable | None = None, *, nondiff_argnums: Sequence[int] = ()
               ) -> CustomJVPFunction | Callable[[Callable], CustomJVPFunction]:
    """Give ``fun`` a custom JVP rule; reverse mode follows by transposition.

    Use as ``@custom_jvp`` (or ``@custom_jvp(nondiff_argnums=(0,))``), then
    define the rule with ``@f.defjvp``::

        rule(*nondiff_args, primals, tangents) -> (primal_out, tangent_out)

    ``primals`` and ``tangents`` are tuples of the differentiated arguments; the
    rule must compute ``tangent_out`` linearly from ``tangents`` with linad (or
    NumPy) operations.  ``vjp``/``grad`` linearize the rule and transpose it;
    higher orders differentiate the rule itself (call ``f`` inside the rule to
    keep the custom rule at every order).  A rule that is not linear in its
    tangents raises :class:`linad.LinearityError` (the rule is staged as a
    linear program in the tangents every time it is used, also in ``jvp``).

    ``nondiff_argnums`` name positional arguments that are not differentiated
    (functions, flags, static data); they are passed to the rule first.  They
    must not be traced values.  ``fun`` should not close over traced values:
    pass them as arguments.

    Examples
    --------
    >>> import numpy as np, linad
    >>> @linad.custom_jvp
    ... def softplus(x):              # runs on NumPy arrays only: any NumPy code is fine
    ...     return np.logaddexp(0.0, x)
    >>> @softplus.defjvp
    ... def softplus_jvp(primals, tangents):
    ...     (x,), (t,) = primals, tangents
    ...     return softplus(x), t / (1 + np.exp(-x))
    >>> linad.grad(lambda x: softplus(x).sum())(np.array([0.0, 1.0]))
    array([0.5       , 0.73105858])
    """
    if fun is None:
        return lambda f: CustomJVPFunction(f, nondiff_argnums)
    return CustomJVPFunction(fun, nondiff_argnums)
