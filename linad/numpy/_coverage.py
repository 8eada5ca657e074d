"""Every public callable of ``numpy``, ``numpy.linalg`` and ``numpy.fft``, classified.

*Public callable*: a name of the namespace that does not start with ``_`` and whose
object is callable — functions, ufuncs, classes (dtypes, scalar types, ``ndarray``)
and callable objects such as ``np.test``.  Each name counts on its own: an alias
(``np.abs`` and ``np.absolute``) is two names of one object, in one class.

Each name is in exactly one class:

1. *differentiable* — derived from the dispatch registry: a handler registered with
   ``implements``, minus the names of class 2;
2. :data:`NONDIFF` — accepted on traced values, computed on their concrete values,
   with a result that carries no derivative (booleans, indices, counts, dtypes, sets);
3. :data:`REFUSED` — not applied to traced values, with the reason (a traced value
   reaching one through NumPy's dispatch raises a ``TypeError`` giving it);
   NumPy's scalar types (subclasses of ``np.generic``) are in it by rule;

plus :data:`NOT_YET`, the functions that are differentiable in principle but have
no handler yet.  Registering a handler for one of them puts it in class 1 too, and
``tests/test_numpy_coverage.py`` fails until it is deleted from :data:`NOT_YET`.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from . import _dispatch as D

__all__ = ["NAMESPACES", "CLASSES", "NONDIFF", "ON_AVALS", "SHAPE_FROM_VALUES", "TUPLE_RESULTS", "REFUSED", "NOT_YET", "public_callables",
           "resolve", "dispatches", "classes", "reason_of"]

#: The classified namespaces, by the prefix their names are written with.
NAMESPACES = {"np": np, "np.linalg": np.linalg, "np.fft": np.fft,
              "np.lib.stride_tricks": np.lib.stride_tricks}

#: Class labels, in the order the docs list them.
CLASSES = ("differentiable", "not differentiable", "not yet supported", "refused")

# ---------------------------------------------------------------------------- class 2

_BOOL = "booleans"
_INDEX = "indices"
_COUNT = "counts"
_SET = "values, as constants (no derivative flows through them)"
_META = "shapes, dtypes or flags"
_INT = "integers (integer and bit arithmetic)"

#: Class 2: name -> what the result is.  Set operations and bin edges return values of
#: the input, but as constants: to differentiate the values, ask for indices
#: (``np.unique(x, return_index=True)``) and gather ``x[idx]``.
NONDIFF: dict[str, str] = {
    **dict.fromkeys([
        "np.equal", "np.not_equal", "np.less", "np.less_equal", "np.greater",
        "np.greater_equal", "np.isnan", "np.isinf", "np.isfinite", "np.signbit",
        "np.isneginf", "np.isposinf", "np.iscomplex", "np.isreal", "np.isclose",
        "np.allclose", "np.array_equal", "np.array_equiv", "np.isin", "np.any", "np.all",
        "np.logical_and", "np.logical_or", "np.logical_not", "np.logical_xor",
        "np.iscomplexobj", "np.isrealobj", "np.may_share_memory", "np.shares_memory"], _BOOL),
    **dict.fromkeys([
        "np.argmax", "np.argmin", "np.nanargmax", "np.nanargmin", "np.argsort",
        "np.argpartition", "np.lexsort", "np.argwhere", "np.nonzero", "np.flatnonzero",
        "np.searchsorted", "np.digitize", "np.ravel_multi_index", "np.unravel_index",
        "np.diag_indices_from", "np.tril_indices_from", "np.triu_indices_from", "np.ix_"],
        _INDEX),
    **dict.fromkeys(["np.count_nonzero", "np.linalg.matrix_rank"], _COUNT),
    "np.histogram2d": "counts, and bin edges as constants",
    "np.histogramdd": "counts, and bin edges as constants",
    **dict.fromkeys([
        "np.unique", "np.unique_values", "np.unique_counts", "np.unique_inverse",
        "np.unique_all", "np.intersect1d", "np.union1d", "np.setdiff1d", "np.setxor1d",
        "np.histogram_bin_edges"], _SET),
    **dict.fromkeys([
        "np.shape", "np.ndim", "np.size", "np.result_type", "np.can_cast",
        "np.min_scalar_type", "np.common_type", "np.einsum_path"], _META),
    **dict.fromkeys([
        "np.bitwise_and", "np.bitwise_or", "np.bitwise_xor", "np.bitwise_not", "np.invert",
        "np.bitwise_invert", "np.bitwise_count", "np.bitwise_left_shift", "np.left_shift",
        "np.bitwise_right_shift", "np.right_shift", "np.gcd", "np.lcm", "np.packbits",
        "np.unpackbits"], _INT),
    "np.spacing": "floats that are piecewise constant in the input (derivative zero)",
}

#: Class 2 functions of shapes and dtypes only: under ``linad.jit`` they see stand-ins of
#: the traced arguments' shapes and dtypes.
ON_AVALS: frozenset[str] = frozenset(
    [n for n, what in NONDIFF.items() if what == _META]
    + ["np.iscomplexobj", "np.isrealobj", "np.may_share_memory", "np.shares_memory",
       "np.diag_indices_from", "np.tril_indices_from", "np.triu_indices_from"])

#: Class 2 functions whose result shape depends on the values of the arguments
#: (``nonzero``, ``unique``, set operations, histograms): they cannot be staged by
#: ``linad.jit``, which fixes every shape when it stages.  The others are staged.
SHAPE_FROM_VALUES: frozenset[str] = frozenset([
    "np.argwhere", "np.nonzero", "np.flatnonzero", "np.unique", "np.unique_values",
    "np.unique_counts", "np.unique_inverse", "np.unique_all", "np.intersect1d", "np.union1d",
    "np.setdiff1d", "np.setxor1d", "np.histogram_bin_edges", "np.histogram",
    "np.histogram2d", "np.histogramdd", "np.bincount"])

#: Class 2 functions returning a tuple of arrays.
TUPLE_RESULTS: frozenset[str] = frozenset(["np.unravel_index", "np.ix_"])

# ---------------------------------------------------------------------------- class 3

IO = "it reads or writes files or text, which carry no derivative"
PRINTING = "it makes text, not numbers"
DTYPES = "it works on types, not on values"
MEMORY = "it reads raw memory or reports memory layout"
CONFIG = "it changes or reports NumPy's settings"
NO_ARRAY = "it takes no array argument and returns a constant"
CONVERSION = ("it converts its argument to a NumPy array, which would drop the derivative: "
              "use lnp.asarray, lnp.array or lnp.full")
IN_PLACE = ("it writes into an existing array in place: use x = x.at[idx].set(v), or the "
            "functional lnp.fill_diagonal, lnp.put, lnp.put_along_axis")
DATETIME = "it works on dates and times, and a traced value is never a datetime64 or timedelta64"
ARRAY_CLASS = ("it is an array, iterator or polynomial class holding NumPy data: use functions "
               "on whole arrays")
PYFUNC = ("it runs a Python function on NumPy values element by element: write the function "
          "with whole-array operations")
EXCEPTION = "it is an exception class"
NUMPY_CODE = ("NumPy does not dispatch it, and its own arithmetic on a traced spacing "
              "dispatches operation by operation (lnp.fft has the same function)")

#: Every reason of class 3 -> its title in the docs, in the order the docs list them.
REASONS = {IO: "File I/O", PRINTING: "Printing and formatting",
           DTYPES: "Dtypes, scalar types and type utilities", MEMORY: "Memory and buffers",
           CONFIG: "Configuration", NO_ARRAY: "Creation from shapes and sizes",
           CONVERSION: "Conversion to NumPy arrays", IN_PLACE: "In-place writes",
           DATETIME: "Dates and times", ARRAY_CLASS: "Array, iterator and polynomial classes",
           PYFUNC: "Python-function wrappers", EXCEPTION: "Exceptions",
           NUMPY_CODE: "NumPy's own arithmetic"}


def _reason(reason: str, names: str) -> dict[str, str]:
    return {(n if n.startswith("np.") else f"np.{n}"): reason for n in names.split()}


#: Class 3: name -> reason.  Scalar types (subclasses of ``np.generic``) are added by rule.
REFUSED: dict[str, str] = {
    **_reason(IO, "save savetxt savez savez_compressed load loadtxt genfromtxt fromfile "
                  "fromregex fromstring"),
    **_reason(PRINTING, "array2string array_repr array_str base_repr binary_repr "
                        "format_float_positional format_float_scientific set_printoptions "
                        "get_printoptions printoptions"),
    **_reason(DTYPES, "dtype finfo iinfo issubdtype isdtype promote_types mintypecode typename "
                      "isscalar iterable"),
    **_reason(MEMORY, "frombuffer from_dlpack memmap isfortran np.lib.stride_tricks.as_strided"),
    **_reason(CONFIG, "seterr geterr seterrcall geterrcall errstate setbufsize getbufsize "
                      "show_config show_runtime get_include info test np.linalg.test "
                      "np.fft.test"),
    **_reason(NO_ARRAY, "arange empty eye identity ones zeros tri indices diag_indices "
                        "tril_indices triu_indices mask_indices bartlett blackman hamming "
                        "hanning kaiser fromfunction broadcast_shapes"),
    **_reason(CONVERSION, "array asarray asanyarray ascontiguousarray asfortranarray "
                          "asarray_chkfinite require full fromiter"),
    **_reason(IN_PLACE, "place putmask copyto fill_diagonal put put_along_axis"),
    **_reason(DATETIME, "busday_count busday_offset is_busday datetime_as_string datetime_data "
                        "isnat busdaycalendar"),
    **_reason(ARRAY_CLASS, "ndarray matrix asmatrix bmat recarray poly1d broadcast nditer "
                           "nested_iters ndenumerate ndindex flatiter"),
    **_reason(PYFUNC, "vectorize frompyfunc ufunc"),
    **_reason(EXCEPTION, "np.linalg.LinAlgError"),
    **_reason(NUMPY_CODE, "np.fft.fftfreq np.fft.rfftfreq"),
}

# ---------------------------------------------------------------------------- not yet

#: Differentiable in principle, no handler yet: NumPy's dispatch raises "linad does not
#: implement ..." for them.  Delete a name when its handler is registered.
NOT_YET: tuple[str, ...] = ()


# ---------------------------------------------------------------------------- derivation

def public_callables() -> dict[str, Any]:
    """``"np.name"`` -> object, for every public callable of the three namespaces.

    Examples
    --------
    >>> public_callables()["np.linalg.inv"] is np.linalg.inv
    True
    """
    out = {}
    for prefix, mod in NAMESPACES.items():
        for name in dir(mod):
            obj = getattr(mod, name, None)
            if not name.startswith("_") and callable(obj):
                out[f"{prefix}.{name}"] = obj
    return out


def resolve(name: str) -> Any:
    """The object a classified name refers to, or None if this NumPy lacks it.

    Examples
    --------
    >>> resolve("np.fft.rfft") is np.fft.rfft
    True
    """
    prefix, _, attr = name.rpartition(".")
    return getattr(NAMESPACES[prefix], attr, None)


def dispatches(obj: Any) -> bool:
    """Whether NumPy hands a call of ``obj`` with a traced argument to linad.

    Ufuncs dispatch through ``__array_ufunc__``, functions defined with NumPy's
    ``array_function_dispatch`` through ``__array_function__``.  Other functions
    (and those taking ``like=``, for their other arguments) run NumPy's own code.

    Examples
    --------
    >>> dispatches(np.sin), dispatches(np.sum), dispatches(np.isscalar)
    (True, True, False)
    """
    return isinstance(obj, np.ufunc) or hasattr(obj, "_implementation")


def _registered(obj: Any) -> bool:
    try:
        return obj in D.HANDLED_FUNCTIONS or obj in D.HANDLED_UFUNCS
    except TypeError:  # unhashable
        return False


def _refused(name: str, obj: Any) -> bool:
    return name in REFUSED or (isinstance(obj, type) and issubclass(obj, np.generic))


def classes() -> dict[str, list[str]]:
    """Every public callable's classes (exactly one each when the tables are right).

    Examples
    --------
    >>> classes()["np.sin"], classes()["np.argsort"], classes()["np.save"]
    (['differentiable'], ['not differentiable'], ['refused'])
    """
    out = {}
    for name, obj in public_callables().items():
        labels = []
        if _registered(obj) and name not in NONDIFF:
            labels.append("differentiable")
        if name in NONDIFF:
            labels.append("not differentiable")
        if name in NOT_YET:
            labels.append("not yet supported")
        if _refused(name, obj):
            labels.append("refused")
        out[name] = labels
    return out


def reason_of(name: str) -> str | None:
    """The class-3 reason of a public callable, or None if it is not in class 3.

    Examples
    --------
    >>> reason_of("np.float64") == DTYPES, reason_of("np.sin")
    (True, None)
    """
    obj = resolve(name)
    if name in REFUSED:
        return REFUSED[name]
    if isinstance(obj, type) and issubclass(obj, np.generic):
        return DTYPES
    return None


def _install_refusals() -> None:
    """Give NumPy's dispatch the reason of every class-3 callable."""
    for name, obj in public_callables().items():
        reason = reason_of(name)
        if reason is not None:
            D.REFUSALS[obj] = reason


_install_refusals()
