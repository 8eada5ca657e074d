"""``jit`` and ``make_program``: stage a function once per signature, replay it at NumPy speed.

``jit(f)`` stages ``f`` into a :class:`~linad.ir.Program` the first time it
sees an argument *signature* — the pytree structure of the arguments, each
array leaf's shape and dtype, the Python scalars' types and values and the
static arguments' values — compiles it (dead-code elimination, shared common
subexpressions, one generated Python function of NumPy calls) and keeps it in
a cache.  A later call with the same signature runs the generated function
and nothing else.  Transformations inside ``f`` (``grad``, ``jvp``,
``hvp``, ...) are staged with it, so ``jit(grad(f))`` replays primal,
linearization and transpose as one program.

Called on tracers of another transformation (``grad(jit(f))``, or a jitted
function called inside another jitted function), a jitted function is inlined:
``f`` runs in that transformation like any other code.
"""
from __future__ import annotations

import functools
import inspect
import re
import threading
from typing import Any, Callable, NamedTuple, Sequence

import numpy as np

from . import optimize
from .core import Tracer
from .ir import Program
from .optimize.codegen import share_common, to_python
from .optimize.simplify import simplify
from .staging import ClosedOverTracerError, stage_program
from .tree import node_children, tree_flatten, tree_structure, tree_unflatten

__all__ = ["jit", "make_program", "Jitted", "CacheInfo"]

_SCALARS = (bool, int, float, complex)


class CacheInfo(NamedTuple):
    """Statistics of a jitted function's cache."""

    hits: int
    misses: int
    currsize: int


def _as_tuple(x: Any, kind: type, what: str) -> tuple:
    if x is None:
        return ()
    if isinstance(x, kind):
        return (x,)
    try:
        items = tuple(x)
    except TypeError:
        raise TypeError(f"{what} must be {kind.__name__} or a tuple of them, got {x!r}") from None
    for i in items:
        if not isinstance(i, kind):
            raise TypeError(f"{what} must be {kind.__name__} or a tuple of them, got {x!r}")
    return items


class _Inline(Exception):
    """An argument is a tracer of another transformation: run the function in place."""


def _signature(tree: Any, leaves: list, where: str) -> tuple:
    """The signature of the arguments' pytree (structure and leaf avals), one pass;
    appends the leaves to ``leaves`` in ``tree_flatten``'s order."""
    node = node_children(tree)
    if node is None:
        leaves.append(tree)
        return _leaf_key(tree, where)
    kind, aux, children = node
    return kind, aux, tuple([_signature(c, leaves, where) for c in children])


def _leaf_key(leaf: Any, where: str) -> Any:
    """The signature of one argument leaf: ``(shape, dtype)`` for an array (traced),
    ``(type, value)`` for a Python scalar (a constant of the program)."""
    if isinstance(leaf, np.ndarray) or isinstance(leaf, np.generic):
        return leaf.shape, leaf.dtype
    if type(leaf) in _SCALARS:
        return type(leaf), repr(leaf)
    if isinstance(leaf, Tracer):
        raise _Inline
    raise TypeError(
        f"{where}: an argument of type {type(leaf).__name__} is neither an array nor a Python "
        "number, so it cannot be traced. Pass it in static_argnums / static_argnames (it must "
        "then be hashable; the function is staged once per value), or pass an array.")


def _array_avals(args: tuple) -> tuple | None:
    """``((shape, dtype), ...)`` when every argument is a NumPy array, else None."""
    key = []
    for a in args:
        if type(a) is not np.ndarray:
            return None
        key.append((a.shape, a.dtype))
    return tuple(key)


class _Split:
    """How one call's arguments divide into static values and traced leaves."""

    __slots__ = ("static", "dynamic_args", "dynamic_kwargs")

    def __init__(self, static: tuple, dynamic_args: list, dynamic_kwargs: dict):
        self.static = static
        self.dynamic_args = dynamic_args
        self.dynamic_kwargs = dynamic_kwargs


class _Entry:
    """One cached signature: the compiled program and how to rebuild the outputs."""

    __slots__ = ("run", "traced", "out_tree", "program", "single")

    def __init__(self, run: Callable, traced: tuple, out_tree: Any, program: Program):
        self.run = run
        self.traced = traced
        self.out_tree = out_tree
        self.program = program
        #: the output is one array (no pytree to rebuild)
        self.single = out_tree.kind is None

    def outputs(self, outs: list) -> Any:
        return outs[0] if self.single else tree_unflatten(self.out_tree, outs)


class Jitted:
    """A jitted function (see :func:`jit`)."""

    def __init__(self, f: Callable, static_argnums: tuple, static_argnames: tuple):
        self.f = f
        self.static_argnums = static_argnums
        self.static_argnames = static_argnames
        functools.update_wrapper(self, f)
        self._where = f"{getattr(f, '__qualname__', getattr(f, '__name__', repr(f)))}"
        self._cache: dict = {}
        #: the same entries for calls whose arguments are all NumPy arrays, keyed by avals only
        self._by_avals: dict = {}
        self._lock = threading.Lock()
        self._hits = 0
        self._misses = 0
        self._names = _parameter_names(f)
        self._any_static = bool(static_argnums or static_argnames)

    # ------------------------------------------------------------------ cache
    def cache_info(self) -> CacheInfo:
        """Hits, misses (stagings) and the number of cached signatures."""
        return CacheInfo(self._hits, self._misses, len(self._cache))

    def cache_clear(self) -> None:
        """Forget every staged signature."""
        with self._lock:
            self._cache.clear()
            self._by_avals.clear()

    def programs(self) -> list[Program]:
        """The staged programs, one per cached signature (for reading)."""
        return [e.program for e in list(self._cache.values())]

    def __get__(self, obj: Any, objtype: Any = None) -> Any:
        return self if obj is None else functools.partial(self, obj)

    # ------------------------------------------------------------------ calls
    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if not kwargs and not self._any_static:
            entry = self._by_avals.get(_array_avals(args))
            if entry is not None:
                self._hits += 1
                return entry.outputs(entry.run(*args))
        split = self._split(args, kwargs)
        leaves: list = []
        try:
            signature = _signature((split.dynamic_args, split.dynamic_kwargs), leaves,
                                   self._where)
        except _Inline:  # called on tracers of another transformation
            return self.f(*args, **kwargs)
        key = (signature, split.static)
        entry = self._cache.get(key)
        if entry is None:
            entry = self._miss(key, split, leaves)
            if entry is None:  # f closes over a tracer of an enclosing transformation
                return self.f(*args, **kwargs)
        else:
            self._hits += 1
        return entry.outputs(entry.run(*[leaves[i] for i in entry.traced]))

    def _miss(self, key: tuple, split: _Split, leaves: list) -> _Entry | None:
        """Stage and compile for a new signature (one thread at a time)."""
        with self._lock:
            entry = self._cache.get(key)
            if entry is not None:
                self._hits += 1
                return entry
            in_tree = tree_structure((split.dynamic_args, split.dynamic_kwargs))
            try:
                program, out_tree, traced = self._stage(split, leaves, in_tree)
            except ClosedOverTracerError:
                return None
            entry = _Entry(compile_program(program, self._where), traced, out_tree, program)
            self._cache[key] = entry
            if not split.static and not split.dynamic_kwargs and all(
                    type(a) is np.ndarray for a in split.dynamic_args):
                self._by_avals[_array_avals(tuple(split.dynamic_args))] = entry
            self._misses += 1
            return entry

    def _split(self, args: tuple, kwargs: dict) -> _Split:
        if not self._any_static:
            return _Split((), list(args), dict(sorted(kwargs.items())) if kwargs else {})
        nums = {i + len(args) if i < 0 else i for i in self.static_argnums}
        for i in nums:
            if i >= len(args) and not (self._names and i < len(self._names)
                                       and self._names[i] in kwargs):
                raise ValueError(
                    f"linad.jit of {self._where}: static_argnums contains {i}, but the "
                    f"function was called with {len(args)} positional arguments")
        names = set(self.static_argnames)
        if self._names:
            names.update(self._names[i] for i in nums if i < len(self._names))
            nums.update(i for i, n in enumerate(self._names) if n in names and i < len(args))
        static = []
        dynamic_args = []
        for i, a in enumerate(args):
            if i in nums:
                static.append((i, a))
            else:
                dynamic_args.append(a)
        dynamic_kwargs = {}
        for k in sorted(kwargs):
            if k in names:
                static.append((k, kwargs[k]))
            else:
                dynamic_kwargs[k] = kwargs[k]
        static = tuple(static)
        try:
            hash(static)
        except TypeError:
            bad = next(k for k, v in static if not _hashable(v))
            raise TypeError(
                f"linad.jit of {self._where}: the static argument {bad!r} is not hashable "
                f"({type(dict(static)[bad]).__name__}); static arguments are cache keys, so "
                "pass a hashable value (a tuple instead of a list, for example) or make the "
                "argument a traced array.") from None
        return _Split(static, dynamic_args, dynamic_kwargs)

    def _rebuild(self, split: _Split, dynamic_args: list, dynamic_kwargs: dict) -> tuple:
        args = list(dynamic_args)
        kwargs = dict(dynamic_kwargs)
        for k, v in split.static:
            if type(k) is int:
                args.insert(k, v)
            else:
                kwargs[k] = v
        return args, kwargs

    def _stage(self, split: _Split, leaves: list, in_tree: Any) -> tuple[Program, Any, tuple]:
        """The program of ``f`` at these arguments, its output tree, the traced leaves."""
        traced = tuple(i for i, x in enumerate(leaves) if type(x) not in _SCALARS)
        store = {}

        def f_flat(*tracers):
            flat = list(leaves)
            for i, t in zip(traced, tracers):
                flat[i] = t
            dyn_args, dyn_kwargs = tree_unflatten(in_tree, flat)
            args, kwargs = self._rebuild(split, dyn_args, dyn_kwargs)
            out = self.f(*args, **kwargs)
            outs, store["tree"] = tree_flatten(out)
            return outs

        program, _ = stage_program(f_flat, [leaves[i] for i in traced], self._where)
        return program, store["tree"], traced


def compile_program(program: Program, name: str = "program") -> Callable:
    """The function that runs ``program``: generated Python with the optimisations on,
    the reference evaluator (``program(*args)``) with them off."""
    if not optimize.enabled():
        return program
    optimize_program(program)
    return to_python(program, _identifier(name))


def optimize_program(program: Program) -> Program:
    """The passes ``jit`` runs before generating code (in place): shared common
    subexpressions, the simplification passes of linear programs (they rewrite
    linear primitives, which are pure functions wherever they occur), dead code."""
    if optimize.enabled():
        simplify(share_common(program))
        program.dce()
    return program


def _identifier(name: str) -> str:
    ident = re.sub(r"\W", "_", name)
    return ident if ident and not ident[0].isdigit() else "f_" + ident


def _hashable(v: Any) -> bool:
    try:
        hash(v)
    except TypeError:
        return False
    return True


def _parameter_names(f: Callable) -> tuple:
    try:
        params = inspect.signature(f).parameters.values()
    except (TypeError, ValueError):
        return ()
    return tuple(p.name for p in params
                 if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD))


def jit(f: Callable, static_argnums: int | Sequence[int] = (),
        static_argnames: str | Sequence[str] = ()) -> Jitted:
    """Stage ``f`` once per argument signature and replay the compiled program.

    Parameters
    ----------
    f : callable
        A function of arrays (pytrees of arrays), Python numbers and static arguments.
    static_argnums : int or tuple of int
        Positional arguments that are not traced: the function is staged once per
        value (they must be hashable), and Python control flow may depend on them.
    static_argnames : str or tuple of str
        Keyword arguments that are not traced, likewise.

    Returns
    -------
    Jitted
        A callable with ``f``'s name and docstring, and ``cache_info()``,
        ``cache_clear()`` and ``programs()``.

    Notes
    -----
    Array arguments (NumPy arrays and scalars, also 0-d integer arrays, also as keyword
    arguments) are traced: while ``f`` is staged only their shapes and dtypes are known,
    so ``if x.sum() > 0:``, ``float(x)`` or ``x.tolist()`` raise
    :class:`~linad.core.ConcretizationError` (a ``TypeError``). Comparisons, masks,
    sort orders and indices computed from traced values are staged and recomputed on
    every call. Python numbers are constants of the program: a new value stages again.
    Python side effects in ``f`` (printing, appending to a list) happen only while it
    is staged, not on later calls.

    Examples
    --------
    >>> import numpy as np, linad
    >>> f = linad.jit(lambda x: np.sum(np.sin(x) ** 2))
    >>> float(f(np.array([0.0, np.pi / 2])))
    1.0
    >>> g = linad.jit(linad.grad(lambda x: np.sum(np.sin(x) ** 2)))
    >>> g(np.array([np.pi / 4]))  # 2 sin x cos x
    array([1.])
    >>> g.cache_info()
    CacheInfo(hits=0, misses=1, currsize=1)
    """
    if isinstance(f, Jitted) and not static_argnums and not static_argnames:
        return f
    if not callable(f):
        raise TypeError(f"linad.jit expects a callable, got {type(f).__name__}")
    return Jitted(f, _as_tuple(static_argnums, int, "static_argnums"),
                  _as_tuple(static_argnames, str, "static_argnames"))


def make_program(f: Callable, static_argnums: int | Sequence[int] = (),
                 static_argnames: str | Sequence[str] = ()) -> Callable[..., Program]:
    """A function that stages ``f`` at its arguments and returns the program.

    The program holds every operation of ``f`` — primal operations included — and
    prints one equation per line; ``make_program(grad(f))`` shows the whole gradient
    program (primal, linearization and transpose). It is the program ``jit`` compiles,
    after dead-code elimination (and, with the optimisations on, shared common
    subexpressions).

    Examples
    --------
    >>> import numpy as np, linad
    >>> print(linad.make_program(lambda x: np.tanh(x) * x)(np.ones(2)))
    { lambda a:f64[2] .
      let
        b:f64[2] = tanh a
        c:f64[2] = mul b a
      in (c) }
    """
    jitted = jit(f, static_argnums, static_argnames)

    def staged(*args: Any, **kwargs: Any) -> Program:
        split = jitted._split(args, kwargs)
        leaves, in_tree = tree_flatten((split.dynamic_args, split.dynamic_kwargs))
        for leaf in leaves:
            _leaf_key(leaf, f"linad.make_program of {jitted._where}")
        return optimize_program(jitted._stage(split, leaves, in_tree)[0])

    staged.__name__ = f"make_program_{getattr(f, '__name__', 'f')}"
    return staged
