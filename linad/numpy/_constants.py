"""NumPy's own function on constant operands: ``lnp.f(x)`` costs ``np.f(x)`` plus a type check.

On operands that hold no traced value, every ``lnp`` function computes what its
NumPy namesake computes (same values, dtype and shape), but through linad's
primitives, which costs Python work per call.  :func:`install` replaces the
public ``lnp`` functions by a *constant fast path* (:func:`constant_fast_path`):
a function generated with the ``lnp`` function's own parameters and defaults
(a pass-through ``lnp.f(*args, **kwargs)`` gets NumPy's required positional
parameters first).  It checks the exact types of the operands (``type(x) in
_LEAF_TYPES``; lists and tuples through :func:`constant_operands`; callables,
array subclasses and other objects are not constants) and calls NumPy's
function with the arguments the caller gave: an optional argument at the ``lnp``
default (the same object) is left out, so NumPy's own default applies, and
``out=`` never takes the fast path.  Otherwise the ``lnp`` function is called.

When NumPy raises on constant operands, the ``lnp`` function is called
instead, so that errors are linad's own (``norm=`` of the FFTs, shapes in
``lnp.linalg``, ...).  Three tables hold the functions whose linad behaviour
differs from NumPy's on constants, each entry with its reason:

* :data:`NO_FAST_PATH`: never NumPy's function (namesakes that work in place,
  ``empty_like``, which linad fills with zeros, and ``eigvals``, whose order
  linad keeps as ``np.linalg.eig``'s);
* :data:`FAST_PATH_GUARDS`: NumPy's function only where a predicate of the
  arguments holds (``qr`` except ``mode='raw'``, ``lstsq`` on float64 arrays at
  the default ``rcond``, the order statistics on non-empty finite float64 input);
* :data:`NUMPY_ADAPTERS`: NumPy's result turned into linad's (``zeros_like``,
  ``ones_like`` and ``full_like`` return an ``AtArray``; ``lstsq``'s rank is an int).

The fast path replaces each function everywhere (modules and dispatch tables),
so that it stays one object; a traced call pays the type check too.

``linad.optimize.set_enabled(False)`` switches the fast path off; the answers
are the same (up to rounding; a NumPy scalar may then be a 0-d array).

Cost (``python -m benchmarks.lnp_constants``, every call timed directly): of the
299 functions with a NumPy namesake, 194 are within 1.2× of NumPy on 100
elements and 20×20 matrices, and 276 on 10^5 elements and 300×300.  The
wrapper costs about 0.1 µs, so functions that take NumPy less than about half a
microsecond stay above 1.2× (ufuncs on 100 elements, the shape functions
``shape``, ``ndim``, ``reshape``, ``atleast_1d``, ...).  The others are
``zeros``, ``ones``, ``full``, ``empty``, ``array``, ``asarray`` and ``astype``,
which are linad's own and not dispatch targets; ``ones_like`` and ``full_like``,
which pay the ``AtArray`` view; ``empty_like`` (zero-filled) and ``eigvals``
(another order), which keep linad's path; ``piecewise``, ``apply_along_axis``
and ``apply_over_axes``, whose callables are not constants.

Examples
--------
>>> import numpy as np, linad, linad.numpy as lnp
>>> lnp.roll(np.arange(4.0), 1)
array([3., 0., 1., 2.])
>>> linad.grad(lambda x: lnp.roll(lnp.stack([x, 2 * x]), 1).sum())(1.0)
array(3.)
>>> lnp.linalg.lstsq(np.eye(2), np.ones(2))[2]
2
"""
from __future__ import annotations

import functools
import inspect
import math
import sys
import weakref
from types import ModuleType
from typing import Any, Callable, Iterable, NamedTuple

import numpy as np

from .. import optimize
from ._creation import _at_array

__all__ = ["IN_PLACE_NAMESAKES", "NO_FAST_PATH", "FAST_PATH_GUARDS", "NUMPY_ADAPTERS", "Rule",
           "constant_operands", "constant_fast_path", "install", "fast_path_enabled"]

#: ``lnp`` functions whose NumPy namesakes write into their first argument and return
#: None, where the ``lnp`` functions are functional (they return the updated array).
IN_PLACE_NAMESAKES = frozenset({"fill_diagonal", "put", "put_along_axis"})

#: ``lnp`` functions that never take NumPy's function, and why.
NO_FAST_PATH: dict[str, str] = {
    **{name: f"np.{name} works in place; lnp.{name} returns a new array"
       for name in sorted(IN_PLACE_NAMESAKES)},
    "empty_like": "lnp.empty_like is zero-filled (np.empty_like is not) and returns an AtArray",
    "eigvals": "linad's eigenvalues are np.linalg.eig's (computed with the eigenvectors), "
               "whose order can differ from np.linalg.eigvals'; constant and traced calls "
               "keep one order",
}


class Rule(NamedTuple):
    """A function on the fast path of one ``lnp`` function, and why it is there."""

    function: Callable
    reason: str


def _not_raw(mode: str = "reduced", **_: Any) -> bool:
    return mode != "raw"


def _float64_default_rcond(a: Any, b: Any, rcond: Any = None, **_: Any) -> bool:
    return (rcond is None and type(a) is np.ndarray and type(b) is np.ndarray
            and a.dtype == np.float64 and b.dtype == np.float64)


def _finite_float64(a: Any, overwrite_input: bool = False, weights: Any = None,
                    interpolation: Any = None, **_: Any) -> bool:
    """``a`` is a non-empty float64 array without NaN or infinity (a finite sum of
    squares: an overflow only sends the call to linad), kept intact, and no weights."""
    return (type(a) is np.ndarray and a.dtype == np.float64 and a.size > 0
            and not overwrite_input and weights is None and interpolation is None
            and math.isfinite(np.vdot(a, a)))


def _finite_float64_at_float64(a: Any, q: Any, **rest: Any) -> bool:
    """:func:`_finite_float64`, and ``q`` is Python numbers or a float64 or integer array."""
    if not _finite_float64(a, **rest):
        return False
    if type(q) is float or type(q) is int:
        return True
    dtype = np.asarray(q).dtype
    return dtype == np.float64 or dtype.kind in "iu"


_ORDER_STATISTICS_REASON = (
    "lnp.{} refuses complex input (not ordered) and weights, keeps its input, treats NaN, "
    "infinities and empty input in its own way and rounds float32 in its own way; on finite "
    "float64 input at float64 fractions the two agree")

#: ``lnp`` functions that take NumPy's function only when a predicate of their
#: arguments (called with every argument by name) is true, and why.
FAST_PATH_GUARDS: dict[str, Rule] = {
    "qr": Rule(_not_raw, "linad refuses mode='raw' (NotImplementedError), which NumPy "
                         "computes"),
    "lstsq": Rule(_float64_default_rcond,
                  "an explicit rcond is a relative cutoff in linad, where NumPy reads a "
                  "negative one as machine precision; linad's singular values keep the "
                  "dtype of a, NumPy's take the common dtype of a and b"),
    **{name: Rule(_finite_float64, _ORDER_STATISTICS_REASON.format(name))
       for name in ("median", "nanmedian")},
    **{name: Rule(_finite_float64_at_float64, _ORDER_STATISTICS_REASON.format(name))
       for name in ("quantile", "percentile", "nanquantile", "nanpercentile")},
}


def _int_rank(result: tuple) -> tuple:
    x, residuals, rank, s = result
    return x, residuals, int(rank), s


#: ``lnp`` functions whose results differ from NumPy's by design: the function
#: turning NumPy's result into linad's, and why.
NUMPY_ADAPTERS: dict[str, Rule] = {
    **{name: Rule(_at_array, f"lnp.{name} returns an AtArray (an ndarray with .at for "
                             "functional updates)")
       for name in ("zeros_like", "ones_like", "full_like")},
    "lstsq": Rule(_int_rank, "linad's rank is a Python int (a staged int64 under linad.jit), "
                             "NumPy's an np.int32"),
}


#: Types of constant leaves (exact types: subclasses such as ``np.matrix`` or masked
#: arrays are not constants here, since NumPy treats them differently).  An object
#: array is a constant as it is to the ``lnp`` functions, which never look into it.
_LEAF_TYPES = frozenset({np.ndarray, int, float, complex, bool, str, type(None), type(Ellipsis),
                         np.float64, np.float32, np.complex128, np.complex64, np.int64,
                         np.int32, np.bool_})
#: Classes whose instances are constant leaves too (NumPy scalars, dtypes, ``dtype=float``).
_LEAF_CLASSES = (np.generic, np.dtype, type)

_fast = {"on": True}
#: Every fast path made: each reads the switch as a global ``_on`` of its own (one
#: lookup per call), which :func:`_follow_switch` sets.
_WRAPPERS: weakref.WeakSet = weakref.WeakSet()


def _follow_switch(flag: bool) -> None:
    _fast["on"] = flag
    for wrapper in _WRAPPERS:
        wrapper.__globals__["_on"] = flag


optimize.on_switch(_follow_switch)


def fast_path_enabled() -> bool:
    """True when ``lnp`` functions call NumPy on constant operands (``linad.optimize.enabled()``).

    Examples
    --------
    >>> import linad
    >>> with linad.optimize.disabled():
    ...     fast_path_enabled()
    False
    """
    return _fast["on"]


def constant_operands(values: Iterable[Any]) -> bool:
    """True when no value holds a traced value: arrays, scalars and (nested) lists of them.

    Anything else (a traced value, a callable, an array subclass, an object
    array, a sparse matrix, a generator) is not a constant here.

    Examples
    --------
    >>> import numpy as np
    >>> constant_operands((np.ones(2), [1.0, (2, np.float64(3))], None))
    True
    >>> constant_operands((np.ones(2), np.ma.masked_array([1.0])))
    False
    """
    for a in values:
        t = type(a)
        if t in _LEAF_TYPES:
            continue
        if t is list or t is tuple:
            if not (_LEAF_TYPES.issuperset(map(type, a)) or constant_operands(a)):
                return False
        elif not isinstance(a, _LEAF_CLASSES):
            return False
    return True


def constant_fast_path(lnp_func: Callable, np_func: Callable, guard: Callable | None = None,
                       adapt: Callable | None = None) -> Callable:
    """``lnp_func``, calling ``np_func`` instead when every argument is a constant.

    The wrapper has the parameters and defaults of ``lnp_func``.  NumPy gets the
    arguments the caller gave: an optional parameter at ``lnp_func``'s default
    (the same object) is left out, so NumPy's own default applies; ``out`` never
    takes the fast path.  ``guard``, if given, is called with every argument by
    name and must return True for NumPy's function to be called; ``adapt`` is
    applied to NumPy's result.  If ``np_func`` raises, ``lnp_func`` is called
    (its errors are linad's).

    Examples
    --------
    >>> import numpy as np, linad, linad.numpy as lnp
    >>> from linad.numpy import _shape
    >>> roll = constant_fast_path(_shape.roll, np.roll)
    >>> roll(np.arange(3), 1)
    array([2, 0, 1])
    >>> roll(np.eye(2), 1, axis=0)
    array([[0., 1.],
           [1., 0.]])
    >>> linad.grad(lambda x: roll([x, 2 * x], 1)[0])(1.0)
    array(2.)
    """
    source, names = _signature_source(lnp_func, np_func, guard, adapt)
    if source is None and guard is not None:
        return lnp_func  # a guard reads arguments by name: without the signature, no fast path
    if source is None:
        source, names = _GENERAL_TEMPLATE, _general_names(lnp_func, adapt)
    call = functools.wraps(lnp_func)(_compiled(source, lnp_func, np_func, **names))
    call.numpy_function = np_func
    return call


#: For functions whose signature cannot be copied: ``*args, **kwargs`` checked at run time.
_GENERAL_TEMPLATE = """\
def call(*args, **kwargs):
    if (_on and len(args) <= n_pos and constant_operands(args)
            and (not kwargs or constant_keywords(kwargs, keywords))):
        try:
            return _adapt(np_func(*args, **kwargs))
        except Exception:
            pass
    return lnp_func(*args, **kwargs)
"""


def _general_names(lnp_func: Callable, adapt: Callable | None) -> dict:
    n_pos, keywords = _accepted_arguments(lnp_func)
    return {"n_pos": n_pos, "keywords": keywords, "constant_keywords": _constant_keywords,
            "_adapt": adapt or _unchanged}


def _unchanged(result: Any) -> Any:
    return result


class _Source(str):
    """A default shown by name in a generated signature (``axis=_d1``)."""

    def __repr__(self) -> str:
        return str(self)


def _signature_source(lnp_func: Callable, np_func: Callable, guard: Callable | None,
                      adapt: Callable | None) -> tuple[str | None, dict]:
    """Source of the fast path with ``lnp_func``'s own parameters, and the names it uses.

    A pass-through ``lnp_func(*args, **kwargs)`` gets NumPy's required positional
    parameters before its ``*args, **kwargs`` (the fast path is taken without
    further positional arguments).  None when the signature cannot be copied (not
    inspectable, a name that starts with ``_`` or clashes with the wrapper's
    names, an optional positional parameter before ``*args``).
    """
    params, np_params = _parameters(lnp_func), _parameters(np_func)
    if params is None:
        return None, {}
    pass_through = np_params is not None and _is_pass_through(params)
    if pass_through:
        params = _required_positional(np_params) + params
    if not _copyable(params):
        return None, {}
    names = {f"_d{i}": p.default for i, p in enumerate(params) if p.default is not p.empty}
    header = inspect.Signature([
        p.replace(annotation=p.empty,
                  default=_Source(f"_d{i}") if p.default is not p.empty else p.empty)
        for i, p in enumerate(params)])
    names.update(_guard=guard, _adapt=adapt, _LEAF_TYPES=_LEAF_TYPES)
    source = _FunctionSource(lnp_func.__name__, params, guard is not None, adapt is not None,
                             pass_through, _positional_only_at(np_params or []))
    return source.text(str(header)), names


def _parameters(fn: Callable) -> list[inspect.Parameter] | None:
    try:
        return list(inspect.signature(fn).parameters.values())
    except (TypeError, ValueError):
        return None


def _is_pass_through(params: list[inspect.Parameter]) -> bool:
    """``(*args, **kwargs)``: an ``lnp`` function that hands its arguments to NumPy's."""
    kinds = inspect.Parameter
    return [p.kind for p in params] == [kinds.VAR_POSITIONAL, kinds.VAR_KEYWORD]


def _required_positional(params: list[inspect.Parameter]) -> list[inspect.Parameter]:
    kinds = inspect.Parameter
    return [p.replace(kind=kinds.POSITIONAL_ONLY) for p in params if p.default is p.empty
            and p.kind in (kinds.POSITIONAL_ONLY, kinds.POSITIONAL_OR_KEYWORD)]


def _positional_only_at(np_params: list[inspect.Parameter]) -> frozenset:
    """The positions at which NumPy's function takes a positional-only parameter."""
    return frozenset(i for i, p in enumerate(np_params)
                     if p.kind is inspect.Parameter.POSITIONAL_ONLY)


_WRAPPER_NAMES = frozenset({"np_func", "lnp_func", "constant_operands"})  # and names with "_"


def _copyable(params: list[inspect.Parameter]) -> bool:
    kinds = inspect.Parameter
    if any(p.name.startswith("_") or p.name in _WRAPPER_NAMES for p in params):
        return False
    has_varargs = any(p.kind is kinds.VAR_POSITIONAL for p in params)
    return not (has_varargs and any(p.default is not p.empty and p.kind in (
        kinds.POSITIONAL_ONLY, kinds.POSITIONAL_OR_KEYWORD) for p in params))


class _FunctionSource:
    """The text of one generated fast path (see :func:`constant_fast_path`).

    Required operands are checked (exact types first) and passed by position
    (keyword-only ones by name), ``*args`` as they came (with ``pass_through``:
    the fast path only without them); optional parameters not at their default
    object are passed by name in ``_kw`` with ``**kwargs``, or by position in
    ``_pos`` where NumPy's parameter at that position is positional-only.
    """

    def __init__(self, name: str, params: list[inspect.Parameter], guarded: bool,
                 adapted: bool, pass_through: bool = False,
                 positional_only: frozenset = frozenset()):
        kinds = inspect.Parameter
        self.name, self.guarded, self.adapted = name, guarded, adapted
        self.pass_through = pass_through
        self.required = [p for p in params if p.default is p.empty
                         and p.kind in (kinds.POSITIONAL_ONLY, kinds.POSITIONAL_OR_KEYWORD)]
        self.required_kw = [p for p in params if p.default is p.empty
                            and p.kind is kinds.KEYWORD_ONLY]
        self.varargs = next((p.name for p in params if p.kind is kinds.VAR_POSITIONAL), None)
        self.varkw = next((p.name for p in params if p.kind is kinds.VAR_KEYWORD), None)
        optional = [(i, f"_d{i}", p) for i, p in enumerate(params) if p.default is not p.empty
                    and p.name != "out"]
        self.positional = [(d, p) for i, d, p in optional if i in positional_only
                           and p.kind is not kinds.KEYWORD_ONLY]
        self.keywords = [(d, p) for i, d, p in optional if (d, p) not in self.positional]
        self.out = next((f"_d{i}" for i, p in enumerate(params) if p.name == "out"
                         and p.default is not p.empty), None)
        self.params = params

    def text(self, header: str) -> str:
        lines = [f"def {self.name}{header}:",
                 f"    if _on and {self._operands_check()}:"]
        if not (self.positional or self.keywords or self.varkw):
            if self.out:
                lines.append(f"        if out is {self.out}:")
            lines += self._attempt(self._numpy_call(""), 12 if self.out else 8)
        else:
            lines.append(f"        if {self._all_defaults()}:")
            lines += self._attempt(self._numpy_call(""), 12)
            if self.positional:
                lines += self._all_positional_branch()
            test = self._may_pass_keywords()
            lines.append(f"        elif {test}:" if test else "        else:")
            lines += self._given_lines(12)
            lines += self._attempt(self._numpy_call(self._given_arguments()), 16)
        lines.append(f"    return lnp_func({self._lnp_call()})")
        return "\n".join(lines) + "\n"

    def _all_positional_branch(self) -> list[str]:
        """Every positional-only optional argument given, the others at their defaults
        (``where(c, x, y)``): exact types checked, NumPy called without packing."""
        names = [p.name for _, p in self.positional]
        given = " and ".join(f"{p.name} is not {d}" for d, p in self.positional)
        others = [f"{p.name} is {d}" for d, p in self.keywords]
        others += [f"out is {self.out}"] if self.out else []
        others += [f"not {self.varkw}"] if self.varkw else []
        exact = " and ".join(f"type({n}) in _LEAF_TYPES" for n in names)
        lines = [f"        elif {' and '.join([given] + others)}:",
                 f"            if {exact} or constant_operands(({', '.join(names)},)):"]
        return lines + self._attempt(self._numpy_call(", ".join(names)), 16)

    def _given_lines(self, indent: int) -> list[str]:
        """``_pos`` and ``_kw``: the optional arguments not at their defaults, then the
        test that they are constants."""
        pad, lines, tests = " " * indent, [], []
        if self.positional:
            lines += self._positional_lines(pad)
            tests.append("constant_operands(_pos)")
        if self.keywords or self.varkw:
            lines.append(f"{pad}_kw = {{**{self.varkw}}}" if self.varkw else f"{pad}_kw = {{}}")
            lines += [f"{pad}if {p.name} is not {d}: _kw[{p.name!r}] = {p.name}"
                      for d, p in self.keywords]
            tests.append("constant_operands(_kw.values())")
        return lines + [f"{pad}if {' and '.join(tests)}:"]

    def _positional_lines(self, pad: str) -> list[str]:
        """``_pos``: the positional-only optional arguments up to the last one given."""
        lines, names = [], [p.name for _, p in self.positional]
        for k in range(len(self.positional), 0, -1):
            d, p = self.positional[k - 1]
            keyword = "if" if k == len(self.positional) else "elif"
            lines.append(f"{pad}{keyword} {p.name} is not {d}: _pos = ({', '.join(names[:k])},)")
        return lines + [f"{pad}else: _pos = ()"]

    def _given_arguments(self) -> str:
        given = ["*_pos"] if self.positional else []
        return ", ".join(given + (["**_kw"] if self.keywords or self.varkw else []))

    def _operands_check(self) -> str:
        names = [p.name for p in self.required + self.required_kw]
        checks = []
        if len(names) == 1:   # a list of arrays (concatenate) is checked without a tuple around it
            (n,) = names
            checks.append(f"(type({n}) in _LEAF_TYPES or (type({n}) is list or type({n}) is tuple)"
                          f" and constant_operands({n}) or constant_operands(({n},)))")
        elif names:
            exact = " and ".join(f"type({n}) in _LEAF_TYPES" for n in names)
            checks.append(f"({exact} or constant_operands(({', '.join(names)},)))")
        if self.varargs:
            checks.append(f"not {self.varargs}" if self.pass_through
                          else f"constant_operands({self.varargs})")
        return " and ".join(checks) or "True"

    def _all_defaults(self) -> str:
        tests = [f"{p.name} is {d}" for d, p in self.positional + self.keywords]
        tests += [f"out is {self.out}"] if self.out else []
        tests += [f"not {self.varkw}"] if self.varkw else []
        return " and ".join(tests)

    def _may_pass_keywords(self) -> str:
        tests = [f"out is {self.out}"] if self.out else []
        if self.varkw:
            tests.append(f"\"out\" not in {self.varkw}")
        return " and ".join(tests)

    def _numpy_call(self, extra: str) -> str:
        parts = [p.name for p in self.required]
        parts += [f"*{self.varargs}"] if self.varargs and not self.pass_through else []
        parts += [f"{p.name}={p.name}" for p in self.required_kw]
        parts += [extra] if extra else []
        call = f"np_func({', '.join(parts)})"
        return f"_adapt({call})" if self.adapted else call

    def _lnp_call(self) -> str:
        """Every parameter passed on as it is bound (``a, *args, k=k, **kwargs``)."""
        kinds = inspect.Parameter
        spelled = {kinds.VAR_POSITIONAL: "*{}", kinds.KEYWORD_ONLY: "{0}={0}",
                   kinds.VAR_KEYWORD: "**{}"}
        return ", ".join(spelled.get(p.kind, "{}").format(p.name) for p in self.params)

    def _guard_call(self) -> str:
        return "_guard(" + ", ".join(f"{p.name}={p.name}" for p in self.params) + ")"

    def _attempt(self, call: str, indent: int) -> list[str]:
        """``return call`` in a ``try`` (after the guard, if any); NumPy's errors fall through."""
        pad = " " * indent
        body = [f"{pad}    return {call}"]
        if self.guarded:
            body = [f"{pad}    if {self._guard_call()}:", "    " + body[0]]
        return [f"{pad}try:", *body, f"{pad}except Exception:", f"{pad}    pass"]


def _compiled(source: str, lnp_func: Callable, np_func: Callable, **names: Any) -> Callable:
    """The function ``source`` defines (named as ``lnp_func``, so that a wrong call's
    error names it), whose globals are a dict of its own (``np_func``, ``lnp_func``, ...)."""
    scope = {"_on": _fast["on"], "constant_operands": constant_operands, "np_func": np_func,
             "lnp_func": lnp_func, **names}
    before = set(scope)
    exec(compile(source, f"<constant fast path of {lnp_func.__name__}>", "exec"), scope)
    (defined,) = set(scope) - before - {"__builtins__"}
    _WRAPPERS.add(scope[defined])
    return scope[defined]


def _accepted_arguments(fn: Callable) -> tuple[int, frozenset | None]:
    """How many positional arguments ``fn`` takes and its keyword names (None: any keyword).

    A parameter named ``out`` ends the positional ones and is not a keyword:
    NumPy would write into it.
    """
    params = list(inspect.signature(fn).parameters.values())
    kinds = inspect.Parameter
    positional = [p.name for p in params if p.kind in (kinds.POSITIONAL_ONLY,
                                                       kinds.POSITIONAL_OR_KEYWORD)]
    if "out" in positional:
        n_pos = positional.index("out")
    elif any(p.kind is kinds.VAR_POSITIONAL for p in params):
        n_pos = sys.maxsize
    else:
        n_pos = len(positional)
    if any(p.kind is kinds.VAR_KEYWORD for p in params):
        return n_pos, None
    keywords = {p.name for p in params if p.kind in (kinds.POSITIONAL_OR_KEYWORD,
                                                     kinds.KEYWORD_ONLY)}
    return n_pos, frozenset(keywords - {"out"})


def _constant_keywords(kwargs: dict, keywords: frozenset | None) -> bool:
    if "out" in kwargs or (keywords is not None and not kwargs.keys() <= keywords):
        return False
    return constant_operands(kwargs.values())


def _numpy_namesake(name: str, fn: Any, np_module: ModuleType, handled: dict) -> Any:
    """The NumPy function ``np_module.<name>`` if ``fn`` is linad's handler for it, else None."""
    np_func = getattr(np_module, name, None)
    if np_func is None or np_func is fn or name in NO_FAST_PATH:
        return None
    return np_func if handled.get(np_func) is fn else None


def _fast_paths(namespaces: list[tuple[ModuleType, ModuleType]], handled: dict) -> dict:
    """``lnp`` function -> its fast path, for every public name with a NumPy namesake.

    A function under several names (``acos`` and ``arccos``, ``lnp.outer`` and
    ``lnp.linalg.outer``) gets one fast path, calling the first namesake found.
    """
    paths: dict[Callable, Callable] = {}
    for module, np_module in namespaces:
        for name in module.__all__:
            fn = getattr(module, name, None)
            np_func = _numpy_namesake(name, fn, np_module, handled)
            if np_func is not None and fn not in paths:
                paths[fn] = constant_fast_path(fn, np_func, _rule(FAST_PATH_GUARDS, name),
                                               _rule(NUMPY_ADAPTERS, name))
    return paths


def _rule(rules: dict, name: str) -> Callable | None:
    rule = rules.get(name)
    return rule.function if rule is not None else None


def install(namespaces: list[tuple[ModuleType, ModuleType]]) -> dict:
    """Give every public ``lnp`` function with a NumPy namesake its constant fast path.

    ``namespaces`` pairs each public module (``linad.numpy``, ``linad.numpy.linalg``, ...)
    with its NumPy counterpart.  A name gets the fast path when the NumPy function
    of that name has the ``lnp`` function as its handler (the function NumPy's
    protocols call on traced values) and it is not in :data:`NO_FAST_PATH`; its
    guard and adapter, if any, are those :data:`FAST_PATH_GUARDS` and
    :data:`NUMPY_ADAPTERS` give for the name.  The
    fast path replaces the function everywhere: in every module of ``linad.numpy``
    and in the dispatch tables, so each function stays one object.  Returns
    ``lnp`` function -> its fast path.
    """
    from ._dispatch import HANDLED_FUNCTIONS, HANDLED_UFUNCS
    paths = _fast_paths(namespaces, {**HANDLED_FUNCTIONS, **HANDLED_UFUNCS})
    tables = [vars(m) for n, m in list(sys.modules.items())
              if n == "linad.numpy" or n.startswith("linad.numpy.")]
    for table in tables + [HANDLED_FUNCTIONS, HANDLED_UFUNCS]:
        for key, value in list(table.items()):
            if inspect.isfunction(value) and value in paths:
                table[key] = paths[value]
    return paths

