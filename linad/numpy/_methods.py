"""Array methods and operators of traced values, given to :class:`~linad.core.Tracer`.

One table, installed with :func:`~linad.core.define_tracer_methods`: NumPy's operator
semantics (``@``, indexing, comparisons, reflected operators) and array methods.
Augmented assignment (``x += y``) has no method of its own, so Python rebinds the
name to ``x + y`` (as in JAX and autograd; docs/sharp-edges.md has the aliasing
difference from NumPy).  Methods that would modify an array in place (``x.sort()``,
``x.fill(v)``) raise a TypeError that names the functional form.
"""
from __future__ import annotations

import sys

import numpy as np

from ..core import TracerConversionError, define_tracer_methods
from ..primitives import linear as L
from . import _core as C
from . import _elementwise as EW
from . import _indexing as I
from . import _products as P
from . import _reductions as RD
from . import _shape as S
from ._base import CONSTANT_TYPES


def _swap(fn):
    return lambda self, other: fn(other, self)


def _getitem(self, idx):
    return I.index(self, idx)


def _with_constant(prim, general, reflected: bool = False):
    """An arithmetic operator: with a constant operand it goes straight to the tracer's own
    trace (the one ``bind`` would pick, since a constant has no trace); any other operand
    takes the general path ``general(self, other)`` (``general(other, self)`` if reflected)."""
    if reflected:
        def method(self, other):
            if isinstance(other, CONSTANT_TYPES):
                return self._trace.process_primitive(prim, (other, self), {})
            return general(other, self)
    else:
        def method(self, other):
            if isinstance(other, CONSTANT_TYPES):
                return self._trace.process_primitive(prim, (self, other), {})
            return general(self, other)
    return method


def _matmul(self, other):
    """``self @ other``: a 2-D tracer times a 2-D constant records the product directly."""
    if (type(other) is np.ndarray and other.ndim == 2 and len(self.shape) == 2
            and self.shape[1] == other.shape[0]):
        return self._trace.process_primitive(L.einsum_p, (self, other), {"spec": "ij,jk->ik"})
    return P.matmul(self, other)


_SPARSE_HINT = (
    "scipy.sparse converts x to a NumPy array in S @ x, S.T @ x and S.dot(x), so a traced x "
    "cannot reach linad there: write linad.scipy.sparse.matmul(S, x) (or lnp.matmul(S, x), "
    "np.dot(S, x), or x @ S.T for a 1-D x).")


def _array(self, dtype=None, copy=None):
    """``np.asarray(x)`` is refused; when scipy.sparse asks (``S @ x`` converts ``x`` instead of
    returning NotImplemented), the error names the products that do work."""
    error = self._conversion_error("np.asarray / np.array")
    if sys._getframe(1).f_globals.get("__name__", "").startswith("scipy.sparse"):
        error = TracerConversionError(f"{error} {_SPARSE_HINT}")
    raise error


_METHODS = {
    "__add__": _with_constant(L.add_p, C.add), "__radd__": _with_constant(L.add_p, C.add, True),
    "__sub__": _with_constant(L.sub_p, C.subtract),
    "__rsub__": _with_constant(L.sub_p, C.subtract, True),
    "__mul__": _with_constant(L.mul_p, C.multiply),
    "__rmul__": _with_constant(L.mul_p, C.multiply, True),
    "__truediv__": _with_constant(L.div_p, C.divide), "__rtruediv__": _swap(C.divide),
    "__pow__": C.power, "__rpow__": _swap(C.power),
    "__matmul__": _matmul, "__rmatmul__": _swap(P.matmul), "__array__": _array,
    "__neg__": C.negative, "__pos__": C.positive,
    "__lt__": C.less, "__le__": C.less_equal, "__gt__": C.greater, "__ge__": C.greater_equal,
    "__eq__": C.equal, "__ne__": C.not_equal,
    "__getitem__": _getitem,
    "sum": C.sum, "mean": C.mean, "reshape": S.reshape, "astype": C.astype,
    "conj": C.conj, "conjugate": C.conj, "dot": P.dot, "trace": P.trace,
    "transpose": lambda self, *axes: S.transpose(
        self, axes[0] if len(axes) == 1 and isinstance(axes[0], (tuple, list)) or axes == (None,)
        else (axes or None)),
}
_METHODS.update({
    "T": property(lambda self: S.transpose(self)),
    "mT": property(lambda self: S.transpose(
        self, tuple(range(self.ndim - 2)) + (self.ndim - 1, self.ndim - 2))),
    "real": property(C.real), "imag": property(C.imag),
    "at": property(I.AtIndexer, doc="``x.at[idx]``: functional updates (``.set``, ``.add``, "
                                    "``.multiply``, ``.min``, ``.max``, ``.get``)."),
})


# ------------------------------------------------------------------ shape and indexing methods

def _in_place_method(name: str, instead: str):
    def method(self, *args, **kwargs):
        raise TypeError(f"x.{name}(...) modifies the array in place, which a traced array "
                        f"cannot do (linad traces values, not memory). Use {instead} instead.")
    method.__name__ = name
    return method


_METHODS.update({
    "flatten": lambda self, order="C": S.ravel(self, order),
    "ravel": lambda self, order="C": S.ravel(self, order),
    "squeeze": lambda self, axis=None: S.squeeze(self, axis),
    "swapaxes": S.swapaxes,
    "repeat": lambda self, repeats, axis=None: S.repeat(self, repeats, axis),
    "diagonal": S.diagonal,
    "take": lambda self, indices, axis=None, out=None, mode="raise": I.take(
        self, indices, axis, out, mode),
    "compress": lambda self, condition, axis=None, out=None: I.compress(
        condition, self, axis, out),
    "argsort": I.argsort,
    "copy": lambda self, order="C": self,
    "sort": _in_place_method("sort", "x = np.sort(x, axis) (or lnp.sort)"),
    "partition": _in_place_method("partition", "x = np.sort(x, axis)"),
    "fill": _in_place_method("fill", "lnp.full_like(x, value)"),
    "put": _in_place_method("put", "x = x.at[idx].set(v)"),
    "itemset": _in_place_method("itemset", "x = x.at[idx].set(v)"),
    "resize": _in_place_method("resize", "x = x.reshape(shape)"),
})


# ------------------------------------------------------------------ elementwise and reduction methods

_METHODS.update({
    "__abs__": EW.absolute,
    "__mod__": EW.mod, "__rmod__": _swap(EW.mod),
    "__floordiv__": EW.floor_divide, "__rfloordiv__": _swap(EW.floor_divide),
    "max": RD.max, "min": RD.min, "prod": RD.prod, "var": RD.var, "std": RD.std,
    "cumsum": RD.cumsum, "cumprod": RD.cumprod, "ptp": RD.ptp,
    "argmax": RD.argmax, "argmin": RD.argmin, "any": RD.any, "all": RD.all,
    "clip": EW.clip, "round": EW.round,
})


# ------------------------------------------------------------------ bitwise and boolean operators

def _ufunc_operator(ufunc, reflected: bool = False):
    """An operator computed by the NumPy ``ufunc`` (dispatched to linad's handler: a boolean
    or integer result without a derivative, staged under ``linad.jit``)."""
    if reflected:
        return lambda self, other: ufunc(other, self)
    return lambda self, other: ufunc(self, other)


_METHODS.update({
    "__and__": _ufunc_operator(np.bitwise_and), "__rand__": _ufunc_operator(np.bitwise_and, True),
    "__or__": _ufunc_operator(np.bitwise_or), "__ror__": _ufunc_operator(np.bitwise_or, True),
    "__xor__": _ufunc_operator(np.bitwise_xor), "__rxor__": _ufunc_operator(np.bitwise_xor, True),
    "__lshift__": _ufunc_operator(np.left_shift),
    "__rlshift__": _ufunc_operator(np.left_shift, True),
    "__rshift__": _ufunc_operator(np.right_shift),
    "__rrshift__": _ufunc_operator(np.right_shift, True),
    "__invert__": lambda self: np.invert(self),
})

define_tracer_methods(_METHODS)
