"""The core: primitives, ``bind``, traces, tracers and symbolic zeros.

Every differentiable operation is a :class:`Primitive`.  Calling it goes through
:func:`bind`, which looks at the arguments: if none is a :class:`Tracer`, the
primitive's NumPy ``impl`` runs directly; otherwise the trace of the innermost
tracer (the one with the highest ``level``) processes it.  A tracer of an
outer trace is just a constant to an inner trace, which is what keeps nested
transformations apart (no perturbation confusion).

Trace levels come from one process-wide counter: a transformation started
inside another always gets a higher level, and no trace state is global or
shared between threads.
"""
from __future__ import annotations

import math
import itertools
from typing import Any, Callable

import numpy as np

__all__ = [
    "Primitive", "bind", "Trace", "Tracer", "Zero", "Aval", "Var", "PRIMITIVES",
    "LinearityError", "EscapedTracerError", "TracerConversionError", "ConcretizationError",
    "is_inexact", "aval_of", "shape_of", "dtype_of", "real_dtype", "instantiate",
    "is_linear_arg", "format_aval", "define_tracer_methods",
]

#: Every primitive created, by name (the systematic test suite iterates this).
PRIMITIVES: dict[str, "Primitive"] = {}

_next_level = itertools.count(1).__next__


class LinearityError(TypeError):
    """A tangent (or the argument of a function that must be linear) was used nonlinearly."""


class EscapedTracerError(RuntimeError):
    """A traced value was used after the transformation that created it had finished."""


class TracerConversionError(TypeError):
    """A traced value was converted to a concrete NumPy array or Python number."""


class ConcretizationError(TracerConversionError):
    """A value staged by ``linad.jit`` was used where a concrete value is needed
    (a Python ``if``, ``float()``, or a NumPy function whose result shape depends
    on values)."""


# ----------------------------------------------------------------------------- avals

def is_inexact(dtype: Any) -> bool:
    """True for floating and complex dtypes (those that carry tangents)."""
    kind = getattr(dtype, "kind", None)
    if kind is None:
        kind = np.dtype(dtype).kind
    return kind == "f" or kind == "c"


def shape_of(x: Any) -> tuple:
    """Shape of an array, tracer, Zero or Python scalar."""
    return getattr(x, "shape", ())


def dtype_of(x: Any) -> np.dtype:
    """Dtype of an array, tracer or Zero; Python scalars get NumPy's default dtype."""
    dt = getattr(x, "dtype", None)
    return dt if dt is not None else np.result_type(x)


def aval_of(x: Any) -> tuple[tuple, np.dtype]:
    """The abstract value (shape, dtype) of ``x``."""
    return shape_of(x), dtype_of(x)


def real_dtype(x: Any) -> np.dtype:
    """The real floating dtype matching ``x``'s dtype.

    complex64 -> float32, complex128 -> float64, floats unchanged, integers and
    booleans -> float64.  ``x`` may be a dtype, an array, a tracer or a Python scalar.

    Examples
    --------
    >>> real_dtype(np.complex64), real_dtype(np.zeros(2)), real_dtype(np.arange(2))
    (dtype('float32'), dtype('float64'), dtype('float64'))
    """
    dt = x if isinstance(x, np.dtype) else (
        np.dtype(x) if isinstance(x, type) else dtype_of(x))
    return np.finfo(dt).dtype if dt.kind in "fc" else np.dtype(np.float64)


def format_aval(shape: tuple, dtype: Any) -> str:
    """Short aval text such as ``f64[3,4]``."""
    dt = np.dtype(dtype)
    short = {"f": "f", "c": "c", "i": "i", "u": "u", "b": "bool"}[dt.kind]
    name = short if dt.kind == "b" else f"{short}{dt.itemsize * 8}"
    return f"{name}[{','.join(map(str, shape))}]"


class Aval:
    """An abstract value: a shape and a dtype (base of :class:`Zero` and program variables)."""

    __slots__ = ("shape", "dtype")

    def __init__(self, shape: tuple, dtype: Any):
        self.shape = shape if type(shape) is tuple else tuple(shape)
        self.dtype = dtype if isinstance(dtype, np.dtype) else np.dtype(dtype)

    @property
    def ndim(self) -> int:
        return len(self.shape)

    @property
    def size(self) -> int:
        return math.prod(self.shape)


class Var(Aval):
    """A variable of a linear program: the value of a tangent or cotangent.

    Variables hash and compare by identity.
    """

    __slots__ = ()

    def __repr__(self) -> str:
        return f"Var({format_aval(self.shape, self.dtype)})"


def is_linear_arg(x: Any) -> bool:
    """In a transpose rule: True if operand ``x`` is a linear input (a :class:`Var`)."""
    return type(x) is Var


class Zero(Aval):
    """A symbolic zero tangent or cotangent with a shape and dtype; never allocated."""

    __slots__ = ()

    def __repr__(self) -> str:
        return f"Zero({format_aval(self.shape, self.dtype)})"

    @staticmethod
    def like(x: Any) -> "Zero":
        z = object.__new__(Zero)
        dt = getattr(x, "dtype", None)
        if dt is None:
            z.shape, z.dtype = (), np.result_type(x)
        else:
            z.shape, z.dtype = x.shape, dt
        return z


def instantiate(x: Any, batch: int | None = None) -> Any:
    """A concrete array of zeros for a symbolic :class:`Zero`; any other value unchanged.

    With ``batch``, the zeros get a leading batch axis of that length (a zero output
    of a batched application).

    Examples
    --------
    >>> instantiate(Zero((2,), np.float32))
    array([0., 0.], dtype=float32)
    >>> instantiate(Zero((2,), np.float64), batch=3).shape
    (3, 2)
    """
    if type(x) is not Zero:
        return x
    return np.zeros(x.shape if batch is None else (batch,) + x.shape, x.dtype)


# ----------------------------------------------------------------------------- primitives

class Primitive:
    """An operation with a NumPy implementation and differentiation rules.

    Attributes
    ----------
    impl : callable
        ``impl(*arrays, **params)`` on concrete NumPy values.
    jvp_rule : callable or None
        ``jvp_rule(primals, tangents, **params) -> (primal_out, tangent_out)``.
        Tangents may be :class:`Zero`.  Written with linad operations.
    linear_in : tuple of int or None
        For linear primitives: the operand positions the primitive is linear in.
    multilinear : bool
        If True at most one of the ``linear_in`` operands may be a tangent
        (``mul``, ``einsum``); the others are residual constants.
    aval_rule : callable
        ``aval_rule(*avals, **params) -> (shape, dtype)`` for linear primitives
        (used while staging a linear program, where no values exist).
    transpose_rule : callable
        ``transpose_rule(ct, *operands, **params) -> list`` of cotangents, one per
        operand (``None`` for constants).  Linear operands are :class:`LinearArg`.
    batch_rule : callable
        ``batch_rule(args, dims, **params) -> (out, out_dim)``: the primitive
        applied to operands with a batch axis at position ``dims[i]`` (``None``:
        unbatched); ``out_dim`` is the position of the result's batch axis.
    """

    __slots__ = ("name", "impl", "jvp_rule", "transpose_rule", "aval_rule", "batch_rule",
                 "linear_in", "multilinear", "multiple_results", "__weakref__")

    def __init__(self, name: str, impl: Callable, *, multiple_results: bool = False):
        if name in PRIMITIVES:
            raise ValueError(f"a primitive named {name!r} already exists")
        self.name = name
        self.impl = impl
        self.jvp_rule = None
        self.transpose_rule = None
        self.aval_rule = None
        self.batch_rule = None
        self.linear_in = None
        self.multilinear = False
        self.multiple_results = multiple_results
        PRIMITIVES[name] = self

    def bind(self, *args: Any, **params: Any) -> Any:
        return bind(self, *args, **params)

    __call__ = bind

    def __repr__(self) -> str:
        return f"{self.name}_p"


def bind(prim: Primitive, *args: Any, **params: Any) -> Any:
    """Apply ``prim`` to ``args``: directly on NumPy values, or through the innermost trace."""
    top = None
    level = 0
    for a in args:
        if isinstance(a, Tracer):
            tr = a._trace
            lv = tr.level
            if lv > level:
                top = tr
                level = lv
    if top is None:
        return prim.impl(*args, **params) if params else prim.impl(*args)
    return top.process_primitive(prim, args, params)


# ----------------------------------------------------------------------------- traces

class Trace:
    """One transformation in progress.  Subclasses implement ``process_primitive``."""

    __slots__ = ("level", "alive", "name")

    def __init__(self, name: str):
        self.level = _next_level()
        self.alive = True
        self.name = name

    def check_alive(self) -> None:
        if not self.alive:
            raise EscapedTracerError(
                f"a traced value escaped from the {self.name} transformation that created it "
                "and was used after that transformation had finished (for example it was stored "
                "in a global variable or a closure). Return the value from the function being "
                "transformed instead of storing it.")

    def process_primitive(self, prim: Primitive, args: tuple, params: dict) -> Any:
        raise NotImplementedError


class Tracer:
    """A value being traced by a transformation.

    Tracers behave like NumPy arrays: arithmetic operators, ``@``, indexing,
    ``.T``, ``.shape`` and the common methods dispatch to linad operations, and
    NumPy functions called on them dispatch through ``__array_ufunc__`` and
    ``__array_function__``.  Operators and methods come from tables given to
    :func:`define_tracer_methods` by the layers that define the operations:
    ``linad.primitives.linear`` gives the arithmetic that rules use
    (``t * y``, ``-t``, ``t + u``), ``linad.numpy`` the full NumPy semantics.
    """

    __slots__ = ("_trace",)
    __array_priority__ = 1000

    # subclasses define: aval (shape, dtype) and full_lower()
    @property
    def aval(self) -> tuple:
        raise NotImplementedError

    @property
    def shape(self) -> tuple:
        return self.aval[0]

    @property
    def dtype(self) -> np.dtype:
        return self.aval[1]

    ndim = Aval.ndim
    size = Aval.size

    def __len__(self) -> int:
        if not self.shape:
            raise TypeError("len() of a 0-d traced array")
        return self.shape[0]

    def __iter__(self):
        if not self.shape:
            raise TypeError("iteration over a 0-d traced array")
        return (self[i] for i in range(self.shape[0]))

    def __repr__(self) -> str:
        return f"{type(self).__name__}<{format_aval(*self.aval)}, {self._trace.name}>"

    # -- conversions to concrete values are refused -----------------------------------
    def _conversion_error(self, what: str) -> TracerConversionError:
        return TracerConversionError(
            f"{what} was called on a traced value ({format_aval(*self.aval)}) inside "
            f"linad.{self._trace.name}. Converting it to a concrete NumPy array or Python number "
            "would cut it out of the derivative (a silent wrong derivative). Keep it an array: use "
            "linad.numpy (lnp) functions or NumPy functions on it; to use its value as a "
            "non-differentiated constant, call linad.stop_gradient(x).")

    def __array__(self, dtype=None, copy=None):
        raise self._conversion_error("np.asarray / np.array")

    def __float__(self):
        raise self._conversion_error("float()")

    def __int__(self):
        raise self._conversion_error("int()")

    def __complex__(self):
        raise self._conversion_error("complex()")

    def __index__(self):
        raise self._conversion_error("operator.index()")

    def tolist(self):
        raise self._conversion_error("tolist()")

    def item(self, *args):
        raise self._conversion_error("item()")

    def __bool__(self):
        raise self._conversion_error("bool() (an `if` on an array value)")

    def __hash__(self) -> int:
        return id(self)

    # -- in-place assignment is refused -------------------------------------------------
    def __setitem__(self, idx, value):
        raise TypeError(
            "in-place assignment into a traced array (x[idx] = v) is not supported: linad "
            "traces values, not memory. Use the functional update x = x.at[idx].set(v) "
            "(or .add(v), .multiply(v)), which returns a new array.")


def define_tracer_methods(methods: dict[str, Any]) -> None:
    """Give :class:`Tracer` the operators and methods of ``methods`` (name -> function).

    A later table overrides an earlier one for the same name.
    """
    for name, fn in methods.items():
        setattr(Tracer, name, fn)
