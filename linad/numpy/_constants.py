"""NumPy's own function on constant operands: ``lnp.f(x)`` costs ``np.f(x)`` plus a type check.

On operands that hold no traced value, every ``lnp`` function computes what its
NumPy namesake computes (same values, dtype and shape), but through linad's
primitives, which costs Python work per call.  :func:`install` replaces the
public ``lnp`` functions by a *constant fast path*: when every argument is a
constant (checked by :func:`constant_operands`, which looks into lists and
tuples; callables, array subclasses and other objects are not constants) and
the keywords are ones the ``lnp`` function takes (never ``out=``), the NumPy
function is called; otherwise the ``lnp`` function is.

When NumPy raises on constant operands, the ``lnp`` function is called
instead, so that errors are linad's own (``norm=`` of the FFTs, shapes in
``lnp.linalg``, ...).  Functions whose NumPy namesakes work in place or whose
results deliberately differ from NumPy's are left alone (:data:`NO_FAST_PATH`).
The fast path replaces each function everywhere (modules and dispatch tables),
so that it stays one object; a traced call pays the type check too.

``linad.optimize.set_enabled(False)`` switches the fast path off; the answers
are the same (up to rounding; a NumPy scalar may then be a 0-d array).

Examples
--------
>>> import numpy as np, linad, linad.numpy as lnp
>>> lnp.roll(np.arange(4.0), 1)
array([3., 0., 1., 2.])
>>> linad.grad(lambda x: lnp.roll(lnp.stack([x, 2 * x]), 1).sum())(1.0)
array(3.)
"""
from __future__ import annotations

import functools
import inspect
import sys
from types import ModuleType
from typing import Any, Callable, Iterable

import numpy as np

from .. import optimize

__all__ = ["IN_PLACE_NAMESAKES", "NO_FAST_PATH", "constant_operands", "constant_fast_path",
           "install", "fast_path_enabled"]

#: ``lnp`` functions whose NumPy namesakes write into their first argument and return
#: None, where the ``lnp`` functions are functional (they return the updated array).
IN_PLACE_NAMESAKES = frozenset({"fill_diagonal", "put", "put_along_axis"})

#: ``lnp`` functions that never take NumPy's function, and why.
NO_FAST_PATH: dict[str, str] = {
    **{name: f"np.{name} works in place; lnp.{name} returns a new array"
       for name in sorted(IN_PLACE_NAMESAKES)},
    # Results that deliberately differ from NumPy's on constants.
    **{name: f"lnp.{name} returns an AtArray (an ndarray with .at for functional updates)"
       for name in ("zeros_like", "ones_like", "empty_like", "full_like")},
    "lstsq": "linad's rank is an int64, NumPy's an int32 (the same in traced and constant "
             "calls, and in linad.jit programs)",
    "qr": "linad refuses mode='raw' (NotImplementedError), which NumPy computes",
    **{name: f"lnp.{name} refuses complex input (it is not ordered), which NumPy accepts"
       for name in ("median", "quantile", "percentile", "nanmedian", "nanquantile",
                    "nanpercentile")},
    "eigvals": "linad's eigenvalues are np.linalg.eig's (computed with the eigenvectors), "
               "whose order can differ from np.linalg.eigvals'; constant and traced calls "
               "keep one order",
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


def _follow_switch(flag: bool) -> None:
    _fast["on"] = flag


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
            if not constant_operands(a):
                return False
        elif not isinstance(a, _LEAF_CLASSES):
            return False
    return True


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


def constant_fast_path(lnp_func: Callable, np_func: Callable) -> Callable:
    """``lnp_func``, calling ``np_func`` instead when every argument is a constant.

    The keywords must be ones ``lnp_func`` takes (never ``out``), and if
    ``np_func`` raises, ``lnp_func`` is called (its errors are linad's).

    Examples
    --------
    >>> import numpy as np, linad, linad.numpy as lnp
    >>> from linad.numpy import _shape
    >>> roll = constant_fast_path(_shape.roll, np.roll)
    >>> roll(np.arange(3), 1)
    array([2, 0, 1])
    >>> linad.grad(lambda x: roll([x, 2 * x], 1)[0])(1.0)
    array(2.)
    """
    params = _required_positional(lnp_func)
    if params is not None:
        call = _positional_fast_path(lnp_func, np_func, params)
    else:
        call = _general_fast_path(lnp_func, np_func)
    call = functools.wraps(lnp_func)(call)
    call.numpy_function = np_func
    return call


_GENERAL_TEMPLATE = """\
def call(*args, **kwargs):
    if (_fast["on"] and len(args) <= n_pos and constant_operands(args)
            and (not kwargs or constant_keywords(kwargs, keywords))):
        try:
            return np_func(*args, **kwargs)
        except Exception:
            pass
    return lnp_func(*args, **kwargs)
"""

_POSITIONAL_TEMPLATE = """\
def {name}({params}):
    if _fast["on"] and ({exact} or constant_operands(({params},))):
        try:
            return np_func({params})
        except Exception:
            pass
    return lnp_func({params})
"""


def _general_fast_path(lnp_func: Callable, np_func: Callable) -> Callable:
    n_pos, keywords = _accepted_arguments(lnp_func)
    return _compiled(_GENERAL_TEMPLATE, lnp_func, np_func, n_pos=n_pos, keywords=keywords,
                     constant_keywords=_constant_keywords)


def _positional_fast_path(lnp_func: Callable, np_func: Callable, params: list[str]) -> Callable:
    """The fast path of a function of required positional operands only (``exp(x)``,
    ``add(x, y)``): no ``*args`` to pack, and an exact-type test before the general one."""
    exact = " and ".join(f"type({p}) in _LEAF_TYPES" for p in params)
    source = _POSITIONAL_TEMPLATE.format(name=lnp_func.__name__, params=", ".join(params),
                                         exact=f"({exact})")
    return _compiled(source, lnp_func, np_func, _LEAF_TYPES=_LEAF_TYPES)


def _compiled(source: str, lnp_func: Callable, np_func: Callable, **names: Any) -> Callable:
    """The function ``source`` defines (named as ``lnp_func``, so that a wrong call's
    error names it), whose globals are a dict of its own (``np_func``, ``lnp_func``, ...)."""
    scope = {"_fast": _fast, "constant_operands": constant_operands, "np_func": np_func,
             "lnp_func": lnp_func, **names}
    before = set(scope)
    exec(compile(source, f"<constant fast path of {lnp_func.__name__}>", "exec"), scope)
    (defined,) = set(scope) - before - {"__builtins__"}
    return scope[defined]


def _required_positional(fn: Callable) -> list[str] | None:
    """The parameter names of ``fn`` if they are 1 to 3 positional ones without defaults."""
    params = list(inspect.signature(fn).parameters.values())
    kinds = inspect.Parameter
    if not 1 <= len(params) <= 3 or any(
            p.kind is not kinds.POSITIONAL_OR_KEYWORD or p.default is not p.empty
            or not p.name.isidentifier() for p in params):
        return None
    return [p.name for p in params]


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
                paths[fn] = constant_fast_path(fn, np_func)
    return paths


def install(namespaces: list[tuple[ModuleType, ModuleType]]) -> dict:
    """Give every public ``lnp`` function with a NumPy namesake its constant fast path.

    ``namespaces`` pairs each public module (``linad.numpy``, ``linad.numpy.linalg``, ...)
    with its NumPy counterpart.  A name gets the fast path when the NumPy function
    of that name has the ``lnp`` function as its handler (the function NumPy's
    protocols call on traced values) and it is not in :data:`NO_FAST_PATH`.  The
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

