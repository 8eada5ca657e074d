r"""``custom_vjp``: a function whose reverse-mode rule the user states.

``@custom_vjp`` + ``f.defvjp(fwd, bwd)``, with JAX's signatures:

- ``fwd(*args) -> (out, residuals)`` computes the output and what the
  backward pass needs (a pytree);
- ``bwd(*nondiff_args, residuals, ct) -> tuple`` maps the output cotangent
  ``ct`` (a pytree of the output's structure) to one cotangent per
  differentiated argument (``None`` for a zero one).

linad's core knows only JVP rules, so the rule is given that shape.  Each
decorated function gets its own primitive (``custom_vjp:<name>``, not
registered, as for :mod:`linad.custom_jvp`) whose JVP rule runs ``fwd`` on the
primals and returns as tangent a *linear* primitive (``custom_vjp_linear:<name>``)
applied to the input tangents.  That primitive carries ``bwd`` as a parameter
and the residual arrays as operands (traced residuals of outer transformations
become explicit operands — closure conversion); its transpose rule calls
``bwd``.  So reverse mode (``vjp``, ``grad``, ``jacrev``, ``f_lin.T``) runs the
user's ``bwd``, and a ``bwd`` written with linad/NumPy operations is
differentiated again by outer transformations (``grad(grad(f))``).  Forward
mode would need the tangent map itself, which the user did not state: applying
the linear primitive forward raises a ``TypeError`` that says so.

Under ``linad.vmap`` the function is batched as a new custom function whose
``fwd`` and ``bwd`` are the user's mapped over the batch, so ``grad(vmap(f))``
and ``vmap(grad(f))`` both run ``bwd``; the linear primitive, applied forward
to a batch of tangents, raises the forward-mode ``TypeError``.

When several outputs have tangents, the linear primitive has one packed output
(the flattened leaves, concatenated) that linear slices unpack, so ``bwd`` is
called once, with every output's cotangent.
"""
from __future__ import annotations

import math
from typing import Any, Callable, Sequence

import numpy as np

from . import tree
from .core import LinearityError, Primitive, Tracer, Zero, bind, dtype_of, is_inexact, shape_of
from .custom_jvp import CustomFunction, _name_of, _unregistered_primitive, check_aval, map_flat
from .primitives import linear as L
from .primitives.rules import deflinear, defjvp_full

__all__ = ["custom_vjp", "CustomVJPFunction"]


class _Packing:
    """How the tangents of several output leaves travel as one value.

    One leaf travels as it is; several are raveled, cast to their common dtype
    and concatenated into one vector.  :meth:`unpack` takes the leaves out again
    with linear operations (slices, reshapes, casts), on tangents and on
    cotangents alike.
    """

    __slots__ = ("avals", "offsets", "aval")

    def __init__(self, avals: list):
        self.avals = avals
        sizes = [math.prod(s) for s, _ in avals]
        self.offsets = np.concatenate([[0], np.cumsum(sizes, dtype=np.int64)]).tolist()
        if len(avals) == 1:
            self.aval = avals[0]
        else:
            self.aval = ((self.offsets[-1],), np.result_type(*[d for _, d in avals]))

    def unpack(self, packed: Any) -> list:
        if len(self.avals) == 1:
            return [packed]
        out = []
        for k, (shape, dtype) in enumerate(self.avals):
            part = L.getitem(packed, (slice(self.offsets[k], self.offsets[k + 1]),))
            out.append(L.fit_dtype(L.reshape(part, shape), dtype))
        return out


class _Backward:
    """The parameter of one application of the linear primitive: ``bwd`` and how to call it.

    Attributes: the function (for ``bwd``, names and ``nondiff_argnums``), the
    static arguments, the structures and avals of the inputs and outputs, which
    input leaves have tangents (``live``), the residuals' structure with its
    non-array leaves (``static_res``: position -> value), and the output packing.
    """

    __slots__ = ("fn", "nondiff", "in_tree", "in_avals", "live", "out_tree", "out_avals",
                 "inexact_out", "res_tree", "static_res", "packing")

    def __init__(self, fn, nondiff, in_tree, in_avals, live, out_tree, out_avals, res_tree,
                 static_res):
        self.fn, self.nondiff, self.in_tree, self.in_avals = fn, nondiff, in_tree, in_avals
        self.live, self.out_tree, self.out_avals = live, out_tree, out_avals
        self.res_tree, self.static_res = res_tree, static_res
        self.inexact_out = [k for k, (_, d) in enumerate(out_avals) if is_inexact(d)]
        self.packing = _Packing([out_avals[k] for k in self.inexact_out])

    def __repr__(self) -> str:
        return f"bwd of {self.fn.__name__}"

    def output_tangents(self, packed: Any) -> list:
        """One tangent per output leaf (symbolic zeros for integer/boolean outputs)."""
        parts = iter(self.packing.unpack(packed))
        return [next(parts) if k in self.inexact_out else Zero(*aval)
                for k, aval in enumerate(self.out_avals)]

    def call_bwd(self, ct_packed: Any, residual_operands: Sequence) -> list:
        """Cotangents of the live input leaves, from ``bwd`` applied to the output cotangent."""
        parts = iter(self.packing.unpack(ct_packed))
        cts = [next(parts) if k in self.inexact_out else np.zeros(*aval)
               for k, aval in enumerate(self.out_avals)]
        ops = iter(residual_operands)
        res = [self.static_res[k] if k in self.static_res else next(ops)
               for k in range(self.res_tree.num_leaves)]
        try:
            result = self.fn.bwd(*self.nondiff, tree.unflatten(self.res_tree, res),
                                 tree.unflatten(self.out_tree, cts))
        except LinearityError as err:
            raise LinearityError(
                f"the bwd rule of custom_vjp function {self.fn.__name__!r} is not linear in the "
                f"cotangent ({err}). jacrev and f_lin.T stage bwd as a linear program; linad.vjp "
                "and linad.grad call it on the actual cotangent and accept any bwd.") from None
        leaves = self._cotangent_leaves(result)
        return [leaves[k] for k in self.live]

    def _cotangent_leaves(self, result: Any) -> list:
        """The flat cotangents ``bwd`` returned, checked against the inputs (zeros for None)."""
        name = self.fn.__name__
        args = self.in_tree.children
        if not (isinstance(result, (tuple, list)) and len(result) == len(args)):
            got = (f"a {type(result).__name__} of length {len(result)}"
                   if isinstance(result, (tuple, list)) else f"a {type(result).__name__}")
            raise TypeError(
                f"the bwd rule of custom_vjp function {name!r} must return a tuple with one "
                f"cotangent per differentiated argument ({len(args)}), got {got}")
        leaves: list = []
        for i, (ct, arg_tree) in enumerate(zip(result, args)):
            start = len(leaves)
            avals = self.in_avals[start:start + arg_tree.num_leaves]
            if ct is None:
                leaves.extend(Zero(*aval) for aval in avals)
                continue
            ct_leaves, ct_tree = tree.flatten(ct)
            if ct_tree != arg_tree:
                raise TypeError(
                    f"the bwd rule of custom_vjp function {name!r} returned, for argument {i}, "
                    f"a cotangent of structure {ct_tree!r}; the argument has structure "
                    f"{arg_tree!r}")
            for j, (c, aval) in enumerate(zip(ct_leaves, avals)):
                where = f"argument {i}" + (f", leaf {j}" if arg_tree.num_leaves > 1 else "")
                leaves.append(c if not is_inexact(aval[1]) else check_aval(
                    c, Zero(*aval), f"the bwd rule of custom_vjp function {name!r} returned, "
                    f"for {where}, a cotangent"))
        return leaves


def _forward_mode_error(name: str) -> TypeError:
    return TypeError(
        f"forward-mode differentiation (jvp, jacfwd, hessian, hvp, or applying the f_lin of "
        f"linearize) reached custom_vjp function {name!r}, which defines only a reverse-mode "
        "rule (bwd). Use reverse mode (linad.grad, linad.vjp, linad.jacrev, f_lin.T; "
        "jacrev(jacrev(f)) for a Hessian), or define the derivative with linad.custom_jvp, "
        "which serves both modes.")


def _linear_primitive(name: str, n_tangents: int) -> Primitive:
    """The linear primitive carrying ``bwd``: linear in its first ``n_tangents`` operands
    (the input tangents), the rest are residuals."""
    def refuse(*args, rule, **kwargs):
        raise _forward_mode_error(rule.fn.__name__)

    def refuse_jvp(primals, tangents, *, rule):
        raise _forward_mode_error(rule.fn.__name__)

    def aval_rule(*avals, rule):
        return rule.packing.aval

    def transpose_rule(ct, *operands, rule):
        cts = rule.call_bwd(ct, operands[n_tangents:])
        return cts + [None] * (len(operands) - n_tangents)

    def refuse_batch(args, dims, *, rule):  # a batch of tangents mapped forward
        raise _forward_mode_error(rule.fn.__name__)

    prim = _unregistered_primitive(f"custom_vjp_linear:{name}", refuse)
    deflinear(prim, linear_in=range(n_tangents), aval_rule=aval_rule,
              transpose_rule=transpose_rule, batch_rule=refuse_batch)
    defjvp_full(prim, refuse_jvp)
    return prim


class CustomVJPFunction(CustomFunction):
    """A function with a user-defined VJP (made by :func:`custom_vjp`).

    Examples
    --------
    >>> import numpy as np, linad
    >>> f = linad.custom_vjp(lambda x: 2.0 * x)
    >>> f.defvjp(lambda x: (f(x), None), lambda res, ct: (3.0 * ct,))
    >>> float(linad.grad(f)(1.0))          # bwd, not the function, is differentiated
    3.0
    """

    kind = "custom_vjp"

    def __init__(self, fun: Callable, nondiff_argnums: Sequence[int] = ()):
        super().__init__(fun, nondiff_argnums)
        self.fwd: Callable | None = None
        self.bwd: Callable | None = None
        self._linear: dict[int, Primitive] = {}   # number of input tangents -> primitive

    def defvjp(self, fwd: Callable, bwd: Callable) -> None:
        """Set the rule: ``fwd(*args) -> (out, residuals)``, ``bwd(*nondiff, residuals, ct)``.

        ``fwd`` takes the function's arguments (all of them, in order) and returns
        the output and the residuals (any pytree) the backward pass needs.
        ``bwd`` takes the arguments of ``nondiff_argnums`` first, then the
        residuals and the output cotangent (a pytree of the output's structure),
        and returns a tuple with one cotangent per differentiated argument, each
        of its argument's structure, shapes and dtypes (``None`` for zero).
        """
        self.fwd, self.bwd = fwd, bwd

    def _check_defined(self) -> None:
        if self.fwd is None:
            raise TypeError(f"custom_vjp function {self.__name__!r} has no VJP rule: define one "
                            f"with {self.__name__}.defvjp(fwd, bwd) before calling it")

    def _linear_prim(self, n_tangents: int) -> Primitive:
        prim = self._linear.get(n_tangents)
        if prim is None:
            prim = self._linear[n_tangents] = _linear_primitive(_name_of(self.fun), n_tangents)
        return prim

    def _jvp(self, primals, tangents, *, in_tree, nondiff, store):
        if all(type(t) is Zero for t in tangents):
            outs = bind(self.prim, *primals, in_tree=in_tree, nondiff=nondiff, store=store)
            return outs, [Zero.like(o) for o in outs]
        out, residuals = self._run_fwd(primals, in_tree, nondiff)
        p_out, store["out_tree"] = tree.flatten(out)
        res_leaves, res_tree = tree.flatten(residuals)
        operands = [r for r in res_leaves if isinstance(r, (Tracer, np.ndarray))]
        static = {k: r for k, r in enumerate(res_leaves)
                  if not isinstance(r, (Tracer, np.ndarray))}
        live = [k for k, t in enumerate(tangents) if type(t) is not Zero]
        rule = _Backward(self, nondiff, in_tree, [(shape_of(p), dtype_of(p)) for p in primals],
                         live, store["out_tree"], [(shape_of(o), dtype_of(o)) for o in p_out],
                         res_tree, static)
        if not rule.inexact_out:
            return p_out, [Zero.like(o) for o in p_out]
        packed = bind(self._linear_prim(len(live)), *[tangents[k] for k in live], *operands,
                      rule=rule)
        return p_out, rule.output_tangents(packed)

    def _mapped(self, dims, in_tree, nondiff, store):
        mapped = CustomVJPFunction(self._mapped_primal(dims, in_tree, nondiff, store))
        keep: dict = {}

        def flat_fwd(*leaves):
            out, residuals = self._run_fwd(leaves, in_tree, nondiff)
            out, store["out_tree"] = tree.flatten(out)
            res, keep["res_tree"] = tree.flatten(residuals)
            keep["n_out"] = len(out)
            keep["static"] = {k: r for k, r in enumerate(res)
                              if not isinstance(r, (Tracer, np.ndarray))}
            return out + [r for k, r in enumerate(res) if k not in keep["static"]]

        def flat_bwd(*leaves):
            ops = iter(leaves[:-keep["n_out"]])
            res = [keep["static"][k] if k in keep["static"] else next(ops)
                   for k in range(keep["res_tree"].num_leaves)]
            cts = tree.unflatten(store["out_tree"], leaves[-keep["n_out"]:])
            result = self.bwd(*nondiff, tree.unflatten(keep["res_tree"], res), cts)
            keep["zero"], out = _flat_cotangents(self.__name__, result, in_tree)
            return out

        def fwd(*leaves):
            outs = map_flat(flat_fwd, leaves, dims)
            return outs[:keep["n_out"]], outs[keep["n_out"]:]

        def bwd(residuals, ct):
            parts = iter(map_flat(flat_bwd, list(residuals) + list(ct),
                                  [0] * (len(residuals) + len(ct))))
            return tuple(None if k in keep["zero"] else _unmap(next(parts), d)
                         for k, d in enumerate(dims))

        mapped.defvjp(fwd, bwd)
        return mapped

    def _run_fwd(self, primals, in_tree, nondiff) -> tuple:
        res = self.fwd(*self._full_args(nondiff, tree.unflatten(in_tree, primals)))
        if not (isinstance(res, (tuple, list)) and len(res) == 2):
            raise TypeError(f"the fwd rule of custom_vjp function {self.__name__!r} must return "
                            "a pair (output, residuals)")
        if not any(isinstance(p, Tracer) for p in primals) and any(
                isinstance(o, Tracer) for o in tree.leaves(res[0])):
            raise TypeError(
                f"the fwd rule of custom_vjp function {self.__name__!r} returned a traced output "
                "for concrete arguments: it closes over a value being differentiated, which "
                "would bypass bwd. Pass that value as an argument instead.")
        return res


def _flat_cotangents(name: str, result: Any, in_tree: Any) -> tuple:
    """``(positions of the leaves with a zero cotangent, the other cotangent leaves)`` of what
    ``bwd`` returned (a tuple with one cotangent, or ``None``, per differentiated argument)."""
    args = in_tree.children
    if not (isinstance(result, (tuple, list)) and len(result) == len(args)):
        raise TypeError(f"the bwd rule of custom_vjp function {name!r} must return a tuple with "
                        f"one cotangent per differentiated argument ({len(args)})")
    leaves: list = []
    for ct, arg_tree in zip(result, args):
        leaves += ([None] * arg_tree.num_leaves if ct is None
                   else tree.flatten_up_to(arg_tree, ct))
    zero = {k for k, c in enumerate(leaves) if c is None or type(c) is Zero}
    return zero, [c for k, c in enumerate(leaves) if k not in zero]


def _unmap(ct: Any, d: int | None) -> Any:
    """A batch-first cotangent for an input batched along ``d`` (summed over the batch for
    an input that is the same for every element)."""
    return L.reduce_sum(ct, (0,)) if d is None else L.moveaxis(ct, 0, d)


def custom_vjp(fun: Callable | None = None, *, nondiff_argnums: Sequence[int] = ()
               ) -> CustomVJPFunction | Callable[[Callable], CustomVJPFunction]:
    """Give ``fun`` a custom reverse-mode rule (JAX's ``custom_vjp``).

    Use as ``@custom_vjp`` (or ``@custom_vjp(nondiff_argnums=(0,))``), then
    ``f.defvjp(fwd, bwd)``::

        fwd(*args) -> (out, residuals)
        bwd(*nondiff_args, residuals, ct) -> tuple of cotangents, one per differentiated argument

    Reverse mode — ``vjp``, ``grad``, ``jacrev``, ``f_lin.T`` after
    ``linearize`` — uses ``bwd`` (``fwd`` runs when the function is
    differentiated; plain calls run ``fun``).  Written with linad or NumPy
    operations, ``bwd`` is itself differentiable, so ``grad(grad(f))`` and
    ``jacrev(jacrev(f))`` work.  ``vjp`` and ``grad`` call ``bwd`` on the actual
    cotangent, so it may be any function of it (clipping, normalising);
    ``jacrev`` and ``f_lin.T`` stage it as a linear program, so there it must be
    linear in the cotangent (else :class:`linad.LinearityError`).  Forward mode
    (``jvp``, ``jacfwd``, ``hessian``, ``hvp``, applying ``f_lin``) raises
    ``TypeError``: use :func:`linad.custom_jvp` for a rule serving both modes.

    ``nondiff_argnums`` name positional arguments that are not differentiated
    (functions, flags, static data); ``fwd`` gets them in place, ``bwd`` first.
    They must not be traced values.  Integer and boolean arguments get no
    cotangent (whatever ``bwd`` returns for them is ignored).

    Examples
    --------
    A numerically stable ``log(1 + exp(x))`` whose gradient is computed from the
    value ``fwd`` saved:

    >>> import numpy as np, linad
    >>> @linad.custom_vjp
    ... def log1pexp(x):
    ...     return np.logaddexp(0.0, x)
    >>> def log1pexp_fwd(x):
    ...     return log1pexp(x), x
    >>> def log1pexp_bwd(x, ct):
    ...     return (ct / (1 + np.exp(-x)),)
    >>> log1pexp.defvjp(log1pexp_fwd, log1pexp_bwd)
    >>> linad.grad(lambda x: log1pexp(x).sum())(np.array([0.0, 100.0, 1000.0]))
    array([0.5, 1. , 1. ])
    """
    if fun is None:
        return lambda f: CustomVJPFunction(f, nondiff_argnums)
    return CustomVJPFunction(fun, nondiff_argnums)
