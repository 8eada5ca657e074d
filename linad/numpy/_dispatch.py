"""NumPy protocol dispatch (NEP 13 ``__array_ufunc__``, NEP 18 ``__array_function__``).

``implements(np.sin, ...)`` registers a linad function as the handler of NumPy
functions or ufuncs when they are called on traced values, so that plain
``np.sin(x)`` inside a differentiated function is the same as ``lnp.sin(x)``.
"""
from __future__ import annotations

import sys
from typing import Any, Callable

import numpy as np

from ..core import Tracer

__all__ = ["implements", "implements_ufunc_method", "HANDLED_FUNCTIONS", "HANDLED_UFUNCS",
           "HANDLED_UFUNC_METHODS", "REFUSALS", "supported_numpy_names"]

#: NumPy function -> linad implementation
HANDLED_FUNCTIONS: dict[Callable, Callable] = {}
#: NumPy ufunc -> linad implementation
HANDLED_UFUNCS: dict[np.ufunc, Callable] = {}
#: (NumPy ufunc, method name such as "reduce") -> linad implementation of that method
HANDLED_UFUNC_METHODS: dict[tuple[np.ufunc, str], Callable] = {}

#: NumPy function or ufunc -> why linad does not apply it to traced values (filled by
#: ``linad.numpy._coverage``, which classifies all of NumPy)
REFUSALS: dict[Callable, str] = {}

_DOCS = "see docs/numpy.md for the list of supported functions"


def implements(*np_funcs: Callable) -> Callable:
    """Register the decorated linad function as the handler of ``np_funcs`` on tracers."""
    def deco(fn: Callable) -> Callable:
        for f in np_funcs:
            if isinstance(f, np.ufunc):
                HANDLED_UFUNCS[f] = fn
            else:
                HANDLED_FUNCTIONS[f] = fn
        return fn
    return deco


def implements_ufunc_method(ufunc: np.ufunc, *methods: str) -> Callable:
    """Register the decorated function as ``ufunc.<method>`` (``reduce``, ``outer``, ...) on tracers."""
    def deco(fn: Callable) -> Callable:
        for method in methods:
            HANDLED_UFUNC_METHODS[(ufunc, method)] = fn
        return fn
    return deco


def _numpy_name(f: Any) -> str:
    mod = getattr(f, "__module__", None) or "numpy"
    mod = mod.replace("numpy._core.", "numpy.").replace("numpy.core.", "numpy.")
    name = getattr(f, "__name__", None)
    if mod.startswith("numpy.linalg"):
        mod = "numpy.linalg"
    elif name is not None and getattr(np.lib.stride_tricks, name, None) is f:
        mod = "numpy.lib.stride_tricks"
    elif mod.startswith("numpy.") and mod != "numpy.fft":
        mod = "numpy"
    return f"{mod.replace('numpy', 'np', 1)}.{getattr(f, '__name__', type(f).__name__)}"


def _ufunc_name(ufunc: np.ufunc) -> str:
    """The public name of ``ufunc``: ``np.sin``, ``scipy.special.gammaln``, ...

    A ufunc does not know its module, so this is the shortest public module (no
    ``_`` in its path) among those imported that export the ufunc under its name.
    """
    name = ufunc.__name__
    if vars(np).get(name) is ufunc:
        return f"np.{name}"
    homes = [m for m, mod in list(sys.modules.items())
             if not any(part.startswith("_") for part in m.split("."))
             and getattr(mod, "__dict__", {}).get(name) is ufunc]
    if not homes:
        return f"the ufunc {name}"
    return f"{min(homes, key=lambda m: (m.count('.'), m))}.{name}"


def supported_numpy_names() -> list[str]:
    """Sorted names of every NumPy function and ufunc linad handles on traced values.

    SciPy's ufuncs (``scipy.special``) are handled too but not listed here (docs/scipy.md).
    """
    names = {f"np.{u.__name__}" for u in HANDLED_UFUNCS if getattr(np, u.__name__, None) is u}
    names |= {_numpy_name(f) for f in HANDLED_FUNCTIONS}
    return sorted(names)


def _unhandled(name: str, func: Callable) -> TypeError:
    """The error for a NumPy function or ufunc without a handler: its class-3 reason, if any."""
    reason = REFUSALS.get(func)
    if reason is None:
        return TypeError(f"linad does not implement {name} for traced values; {_DOCS}")
    return TypeError(f"{name} does not take traced values: {reason}; see docs/numpy.md")


def array_ufunc(self: Tracer, ufunc: np.ufunc, method: str, *inputs: Any, **kwargs: Any) -> Any:
    if kwargs.get("out") is not None:
        raise TypeError(
            f"{_ufunc_name(ufunc)}(..., out=...) would write a traced value into an existing "
            "array in place, which linad cannot differentiate. Use the returned value instead "
            "(x = x + y rather than x += y), or x.at[idx].set(v) for a functional update.")
    kwargs.pop("out", None)
    if method != "__call__":
        handler = HANDLED_UFUNC_METHODS.get((ufunc, method))
        if handler is None:
            raise TypeError(f"{_ufunc_name(ufunc)}.{method} is not supported on traced values; "
                            f"{_DOCS}")
        return handler(*inputs, **kwargs)
    fn = HANDLED_UFUNCS.get(ufunc)
    if fn is None:
        raise _unhandled(_ufunc_name(ufunc), ufunc)
    try:
        return fn(*inputs, **kwargs)
    except TypeError as err:
        if kwargs and "unexpected keyword" in str(err):
            raise TypeError(f"{_ufunc_name(ufunc)}: keyword arguments {sorted(kwargs)} are not "
                            "supported on traced values") from None
        raise


def array_function(self: Tracer, func: Callable, types: Any, args: tuple, kwargs: dict) -> Any:
    fn = HANDLED_FUNCTIONS.get(func)
    if fn is None:
        raise _unhandled(_numpy_name(func), func)
    return fn(*args, **kwargs)


Tracer.__array_ufunc__ = array_ufunc
Tracer.__array_function__ = array_function
