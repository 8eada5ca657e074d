"""Batching: ``vmap`` and the trace whose tracers carry a batch of values.

A :class:`BatchTracer` stands for a batch of values of one shape: it holds one
array ``val`` with an extra axis at position ``bdim``.  Its own shape and dtype
are those of one element (``val``'s shape without the batch axis), so the
function being mapped sees single examples.  :class:`BatchTrace` applies each
primitive's batch rule (``prim.batch_rule``, declared next to the primitive)
to the batched values: the rule binds primitives again, so the values may be
tracers of enclosing transformations and ``vmap`` nests with ``grad``, ``jvp``,
``jit`` and itself in any order.

Batch axes are not moved unless a rule needs them somewhere: elementwise
primitives, ``einsum``, ``sum`` and ``transpose`` keep a batch axis where it
is, so ``in_axes=1`` costs no transposition until an operation needs one.
"""
from __future__ import annotations

from typing import Any, Callable, Sequence

import numpy as np

from . import tree
from .core import Trace, Tracer, TracerConversionError, Zero, dtype_of, format_aval, shape_of
from .primitives.linear import moveaxis, to_front
from .staging import CONVERSION_HINTS

__all__ = ["vmap", "BatchTrace", "BatchTracer", "batch_flat", "apply_program_batched"]


class BatchTracer(Tracer):
    """A batch of values: ``val`` with the batch along axis ``bdim``."""

    __slots__ = ("val", "bdim", "shape")
    #: stands for a batch of values (concrete or not: see ``val``), not for a staged value
    is_batch = True

    def __init__(self, trace: "BatchTrace", val: Any, bdim: int):
        self._trace = trace
        self.val = val
        self.bdim = bdim
        s = val.shape
        self.shape = s[:bdim] + s[bdim + 1:]  # one element's shape

    @property
    def dtype(self) -> np.dtype:
        return dtype_of(self.val)

    @property
    def aval(self) -> tuple:
        return self.shape, self.dtype

    def _conversion_error(self, what: str) -> TracerConversionError:
        return TracerConversionError(
            f"{what} was called on a batched value ({format_aval(*self.aval)}) inside "
            "linad.vmap. Inside vmap one traced value stands for a whole batch of values, and "
            "each element of the batch may need a different answer, so it cannot become one "
            "Python bool or number. For a choice per element use lnp.where(cond, a, b) (or "
            "lnp.maximum, lnp.clip, ...); to map a function that needs concrete values, call it "
            "in a Python loop over the batch instead of vmap." + CONVERSION_HINTS.get(what, ""))


class BatchTrace(Trace):
    """Applies each primitive's batch rule to the batched operands."""

    __slots__ = ()

    def __init__(self, name: str = "vmap"):
        super().__init__(name)

    def process_primitive(self, prim, args, params):
        vals = []
        dims = []
        for a in args:
            if type(a) is BatchTracer and a._trace is self:
                vals.append(a.val)
                dims.append(a.bdim)
            else:
                if isinstance(a, Tracer):
                    a._trace.check_alive()
                vals.append(a)
                dims.append(None)
        if not self.alive:
            self.check_alive()
        rule = prim.batch_rule
        if rule is None:
            raise NotImplementedError(
                f"primitive {prim.name!r} has no batch rule, so it cannot be used inside "
                "linad.vmap; map the function with a Python loop instead")
        out, out_dim = rule(vals, tuple(dims), **params)
        if prim.multiple_results:
            return [self.wrap(o, d) for o, d in zip(out, out_dim)]
        return self.wrap(out, out_dim)

    def wrap(self, val: Any, bdim: int | None) -> Any:
        """A tracer for a batched result; an unbatched result as it is."""
        if bdim is None:
            return val
        return BatchTracer(self, val, bdim)


# ----------------------------------------------------------------------------- vmap

def apply_program_batched(program: Any, args: Sequence) -> list:
    """A linear program applied to inputs batched along their first axis, in one pass.

    The batched form of ``program(*args)`` for programs whose residuals are
    traced (linearized inside another transformation) or inputs that are
    tracers: each equation runs its primitive's batch rule once, and the outer
    transformation sees the batched operations.  Outputs have the batch axis
    first; outputs that are symbolic zeros stay :class:`~linad.core.Zero`.
    """
    return batch_flat(program, args, [0] * len(args), lambda n: [0] * n, shape_of(args[0])[0])


def batch_flat(f_flat: Callable, args: Sequence, in_dims: Sequence, out_dims: Callable,
               size: int) -> list:
    """Run ``f_flat`` (flat lists in and out) on a batch.

    ``in_dims[i]`` is the batch axis of ``args[i]`` (non-negative, or ``None``);
    ``out_dims(n)`` gives the requested axes of the ``n`` flat outputs (``None``:
    unbatched).  Outputs that do not depend on the batch are broadcast along it.
    """
    trace = BatchTrace()
    tracers = [a if d is None else BatchTracer(trace, a, d) for a, d in zip(args, in_dims)]
    try:
        outs = f_flat(*tracers)
    finally:
        trace.alive = False
    wanted = out_dims(len(outs))
    return [_place_output(o, d, trace, size, k) for k, (o, d) in enumerate(zip(outs, wanted))]


def _place_output(out: Any, axis: int | None, trace: BatchTrace, size: int, k: int) -> Any:
    """Output ``k`` with its batch axis at ``axis`` (broadcast when it has none); a symbolic
    zero output of a linear program stays symbolic."""
    if type(out) is Zero:
        return out
    batched = type(out) is BatchTracer and out._trace is trace
    if not batched and isinstance(out, Tracer):
        out._trace.check_alive()  # a tracer that escaped a finished transformation
    if axis is None:
        if batched:
            raise ValueError(
                f"vmap: out_axes is None for output {k}, but that output depends on the "
                "mapped arguments; out_axes=None is only for outputs that are the same for "
                "every element of the batch")
        return out
    if batched:
        val, d = out.val, out.bdim
    else:
        val, d = to_front(np.asarray(out) if not isinstance(out, Tracer) else out, None, size), 0
    nd = len(shape_of(val))
    return moveaxis(val, d, _normalize_axis(axis, nd, f"out_axes of output {k}"))


def _normalize_axis(axis: Any, ndim: int, what: str) -> int:
    if not isinstance(axis, (int, np.integer)) or isinstance(axis, bool):
        raise TypeError(f"vmap: {what} must be an int or None, got {axis!r}")
    if not -ndim <= axis < ndim:
        raise ValueError(f"vmap: {what} is {axis}, out of range for an array of {ndim} "
                         f"dimension{'s' if ndim != 1 else ''} (batch axis included)")
    return int(axis) % ndim


def _is_axis_leaf(x: Any) -> bool:
    return x is None or isinstance(x, (int, np.integer))


def _axes_for(spec: Any, subtree: Any, what: str) -> list:
    """The axis of each leaf of ``subtree`` given ``spec``, a prefix of its structure."""
    if _is_axis_leaf(spec):
        return [spec] * len(tree.leaves(subtree))
    leaves, td = tree.flatten(spec, _is_axis_leaf)
    try:
        parts = tree.flatten_up_to(td, subtree)
    except ValueError:
        raise ValueError(
            f"vmap: {what} is {spec!r}, which does not match the structure of the value "
            f"({tree.flatten(subtree)[1]!r}); give an int or None, or a pytree of ints and "
            "None that is a prefix of the value's structure") from None
    out = []
    for ax, part in zip(leaves, parts):
        out += [ax] * len(tree.leaves(part))
    return out


def _in_dims(in_axes: Any, args: tuple) -> list:
    """The batch axis of every argument leaf (non-negative or None)."""
    if isinstance(in_axes, (tuple, list)):
        if len(in_axes) != len(args):
            raise ValueError(
                f"vmap: in_axes has {len(in_axes)} entries but the function was called with "
                f"{len(args)} positional argument{'s' if len(args) != 1 else ''}; give one "
                "entry per positional argument, or a single int or None for all of them")
        per_arg = list(in_axes)
    elif _is_axis_leaf(in_axes):
        per_arg = [in_axes] * len(args)
    else:
        raise TypeError(f"vmap: in_axes must be an int, None, or a tuple with one entry per "
                        f"positional argument, got {in_axes!r}")
    dims = []
    for i, (spec, arg) in enumerate(zip(per_arg, args)):
        leaves = [arg] if type(arg) is np.ndarray else tree.leaves(arg)
        axes = [spec] * len(leaves) if _is_axis_leaf(spec) else _axes_for(spec, arg,
                                                                          f"in_axes[{i}]")
        for leaf, ax in zip(leaves, axes):
            dims.append(None if ax is None else _leaf_axis(leaf, ax, i))
    return dims


def _leaf_axis(leaf: Any, axis: Any, i: int) -> int:
    nd = len(shape_of(leaf))
    if nd == 0:
        raise ValueError(
            f"vmap: argument {i} has a 0-d (scalar) value mapped over axis {axis}; a mapped "
            "value needs an axis to map over (give it in_axes None to pass it to every "
            "element of the batch)")
    return _normalize_axis(axis, nd, f"in_axes for argument {i}")


def _batch_size(leaves: list, dims: list, args: tuple) -> int:
    sizes = {shape_of(x)[d] for x, d in zip(leaves, dims) if d is not None}
    if not sizes:
        raise ValueError("vmap: in_axes are None for every argument, so there is nothing to "
                         "map over; give the axis of at least one argument")
    if len(sizes) > 1:
        detail = []
        k = 0
        for i, arg in enumerate(args):
            for x in tree.leaves(arg):
                if dims[k] is not None:
                    detail.append(f"argument {i}: size {shape_of(x)[dims[k]]} along axis "
                                  f"{dims[k]}")
                k += 1
        raise ValueError("vmap: the mapped axes have different sizes (" + "; ".join(detail)
                         + "); every mapped axis must have the same length")
    return sizes.pop()


def _all_arrays(args: tuple) -> bool:
    for a in args:
        if type(a) is not np.ndarray:
            return False
    return True


def _as_leaf(x: Any) -> Any:
    if isinstance(x, (Tracer, np.ndarray)):
        return x
    return np.asarray(x)


def vmap(f: Callable, in_axes: Any = 0, out_axes: Any = 0) -> Callable:
    """Vectorize ``f`` over a batch axis of its arguments.

    ``vmap(f)(xs)`` equals ``np.stack([f(x) for x in xs])`` and runs each
    operation of ``f`` once on the whole batch.  It composes with every other
    transformation: ``vmap(grad(f))`` gives per-example gradients, ``jacfwd``
    of a mapped function, ``vmap(vmap(f))``, ``jit(vmap(f))``.

    Parameters
    ----------
    f : callable
        A function of arrays (pytrees of arrays) written with NumPy or
        ``linad.numpy``.
    in_axes : int, None or tuple, optional
        The batch axis of each positional argument: an int (negative counts from
        the end) or ``None`` (the argument is the same for every element); a
        tuple with one entry per positional argument, each an int, ``None`` or a
        pytree of them that is a prefix of the argument's structure.  Keyword
        arguments are mapped over their first axis.
    out_axes : int, None or pytree, optional
        Where the batch axis goes in each output (a prefix of the output's
        structure).  ``None`` is allowed only for outputs that do not depend on
        the mapped arguments.  An output that does not depend on them is
        broadcast along the batch.

    Returns
    -------
    callable
        The batched function.

    Raises
    ------
    ValueError
        For mapped axes of different lengths, an axis out of range, ``in_axes``
        all ``None``, an ``in_axes`` tuple whose length is not the number of
        arguments, or ``out_axes=None`` for a batched output.
    TypeError
        When ``f`` needs the value of a batched array (a Python ``if`` on it).

    Examples
    --------
    >>> import numpy as np, linad
    >>> xs = np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
    >>> linad.vmap(lambda x: x @ x)(xs)
    array([ 5., 25., 61.])
    >>> linad.vmap(linad.grad(lambda w, x: np.sum(np.tanh(x @ w))), in_axes=(None, 0))(
    ...     np.ones(2), xs).shape          # per-example gradients
    (3, 2)
    >>> linad.vmap(lambda a, b: a * b, in_axes=(1, None), out_axes=1)(xs, 2.0)
    array([[ 2.,  4.],
           [ 6.,  8.],
           [10., 12.]])
    """
    def batched(*args: Any, **kwargs: Any) -> Any:
        if not kwargs and type(in_axes) is int and _all_arrays(args):  # the common call
            dims = [_leaf_axis(a, in_axes, i) for i, a in enumerate(args)]
            leaves, in_tree = list(args), None
        else:
            dims = _in_dims(in_axes, args)
            if kwargs:
                dims += _in_dims(0, (kwargs,))
            leaves, in_tree = tree.flatten((args, kwargs))
            leaves = [_as_leaf(x) for x in leaves]
        size = _batch_size(leaves, dims, args + ((kwargs,) if kwargs else ()))
        store = {}

        def f_flat(*flat):
            a, kw = (flat, {}) if in_tree is None else tree.unflatten(in_tree, flat)
            out_leaves, store["tree"] = tree.flatten(f(*a, **kw))
            store["out"] = out_leaves
            return out_leaves

        def out_dims(n: int) -> list:
            if _is_axis_leaf(out_axes):
                return [out_axes] * n
            out = tree.unflatten(store["tree"], store["out"])
            return _axes_for(out_axes, out, "out_axes")

        outs = batch_flat(f_flat, leaves, dims, out_dims, size)
        return tree.unflatten(store["tree"], outs)

    batched.__name__ = f"vmap({getattr(f, '__name__', 'f')})"
    batched.__doc__ = getattr(f, "__doc__", None)
    batched.__wrapped__ = f
    return batched
