r"""Elementwise functions of ``linad.numpy`` (unary and broadcasting binary).

Every function here is also the handler of the NumPy function of the same
name on traced values, so ``np.tan(x)`` inside a differentiated function is
``lnp.tan(x)``.  The JVP rules are in :mod:`linad.primitives.elementwise`.

Conventions (tested in ``tests/test_numpy_elementwise.py``):

* **abs at 0.** The derivative of ``abs`` is ``sign(x)``: 0 at ``x == 0``.  For
  complex ``z`` it is the R-linear map :math:`\dot z \mapsto \mathrm{Re}(\bar z\,\dot z)/|z|`
  (0 at ``z == 0``).
* **Ties.** ``maximum``, ``minimum``, ``fmax``, ``fmin`` (and ``clip`` at a bound)
  give each operand half of the derivative where the operands are equal.
* **Zero derivative.** Rounding (``floor``, ``ceil``, ``rint``, ``trunc``, ``fix``,
  ``round``), ``sign`` (of real input), ``heaviside``, ``floor_divide`` and the
  predicates (``isnan``, ``isfinite``, ``isinf``, ``signbit``) return plain NumPy
  arrays computed on the concrete values: they carry no tangent.
* **Complex.** Holomorphic functions have tangent :math:`f'(z)\,\dot z` (no
  conjugation); ``abs``, ``angle``, ``sign``, ``real``, ``imag``, ``conj`` are
  R-linear in the tangent.
* **float32** operands keep float32 results, tangents and cotangents.
"""
from __future__ import annotations

from typing import Any, Callable

import numpy as np

from ..core import Primitive, Tracer, bind, dtype_of
from ..primitives import elementwise as E
from ..primitives import linear as L
from ..primitives import special as SP
from ..primitives.elementwise import detached_value
from ._base import _asarray_if_needed, _np_funcs, astype
from ._core import negative, power
from ._dispatch import implements
from ..primitives.elementwise import on_values, value_dependence_error
from ..primitives.discrete import elementwise

__all__ = [
    "exp", "log", "sin", "cos", "tanh", "sqrt", "exp2", "expm1", "log2", "log10", "log1p", "cbrt", "reciprocal", "tan", "arcsin", "arccos",
    "arctan", "sinh", "cosh", "arcsinh", "arccosh", "arctanh", "sinc", "abs", "absolute",
    "square", "deg2rad", "rad2deg", "radians", "degrees", "sign", "angle",
    "floor", "ceil", "rint", "trunc", "fix", "round", "around", "heaviside", "floor_divide",
    "isnan", "isinf", "isfinite", "signbit",
    "arctan2", "hypot", "logaddexp", "logaddexp2", "mod", "remainder", "fmod",
    "maximum", "minimum", "fmax", "fmin", "float_power", "copysign", "clip",
    "fabs", "i0", "ldexp", "frexp", "modf", "divmod", "nextafter", "spacing", "real_if_close",
    "acos", "acosh", "asin", "asinh", "atan", "atanh", "atan2", "pow",
]

_EXAMPLE = """

    Examples
    --------
    >>> import numpy as np, linad, linad.numpy as lnp
    >>> bool(np.allclose(linad.grad(lnp.{name}{argnums})({args}), {expected}))
    True
"""


def _document(fn: Callable, name: str, summary: str, args: str, expected: str,
              argnums: str = "") -> Callable:
    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = summary + _EXAMPLE.format(name=name, args=args, expected=expected,
                                           argnums=argnums)
    return fn


# ============================================================================ unary primitives

def _unary(np_fn: Callable, prim: Primitive, jvp: str, x: str, expected: str,
           note: str = "") -> Callable:
    def fn(x: Any) -> Any:
        if isinstance(x, Tracer):  # its trace is the one bind would pick
            return x._trace.process_primitive(prim, (x,), {})
        return bind(prim, _asarray_if_needed(x))
    implements(np_fn)(fn)
    return _document(fn, np_fn.__name__, f"Elementwise ``np.{np_fn.__name__}``; "
                     f"JVP :math:`{jvp}`{note}.", x, expected)


exp = _unary(np.exp, E.exp_p, r"\dot x\,e^x", "0.0", "1.0")
log = _unary(np.log, E.log_p, r"\dot x / x", "4.0", "0.25")
sin = _unary(np.sin, E.sin_p, r"\dot x \cos x", "0.5", "np.cos(0.5)")
cos = _unary(np.cos, E.cos_p, r"-\dot x \sin x", "0.5", "-np.sin(0.5)")
tanh = _unary(np.tanh, E.tanh_p, r"\dot x\,(1 - \tanh^2 x)", "0.5", "1 - np.tanh(0.5) ** 2")
sqrt = _unary(np.sqrt, E.sqrt_p, r"\dot x / (2 \sqrt{x})", "4.0", "0.25")
exp2 = _unary(np.exp2, E.exp2_p, r"\dot x\,2^x \ln 2", "1.0", "2 * np.log(2)")
expm1 = _unary(np.expm1, E.expm1_p, r"\dot x\,e^x", "0.5", "np.exp(0.5)")
log2 = _unary(np.log2, E.log2_p, r"\dot x / (x \ln 2)", "2.0", "1 / (2 * np.log(2))")
log10 = _unary(np.log10, E.log10_p, r"\dot x / (x \ln 10)", "2.0", "1 / (2 * np.log(10))")
log1p = _unary(np.log1p, E.log1p_p, r"\dot x / (1 + x)", "0.5", "1 / 1.5")
cbrt = _unary(np.cbrt, E.cbrt_p, r"\dot x / (3 \sqrt[3]{x}^2)", "8.0", "1 / 12")
reciprocal = _unary(np.reciprocal, E.reciprocal_p, r"-\dot x / x^2", "2.0", "-0.25")
tan = _unary(np.tan, E.tan_p, r"\dot x\,(1 + \tan^2 x)", "0.5", "1 + np.tan(0.5) ** 2")
arcsin = _unary(np.arcsin, E.arcsin_p, r"\dot x / \sqrt{1 - x^2}", "0.5", "1 / np.sqrt(0.75)")
arccos = _unary(np.arccos, E.arccos_p, r"-\dot x / \sqrt{1 - x^2}", "0.5", "-1 / np.sqrt(0.75)")
arctan = _unary(np.arctan, E.arctan_p, r"\dot x / (1 + x^2)", "0.5", "1 / 1.25")
sinh = _unary(np.sinh, E.sinh_p, r"\dot x \cosh x", "0.5", "np.cosh(0.5)")
cosh = _unary(np.cosh, E.cosh_p, r"\dot x \sinh x", "0.5", "np.sinh(0.5)")
arcsinh = _unary(np.arcsinh, E.arcsinh_p, r"\dot x / \sqrt{x^2 + 1}", "0.5",
                 "1 / np.sqrt(1.25)")
arccosh = _unary(np.arccosh, E.arccosh_p, r"\dot x / (\sqrt{x - 1}\sqrt{x + 1})", "2.0",
                 "1 / np.sqrt(3.0)")
arctanh = _unary(np.arctanh, E.arctanh_p, r"\dot x / (1 - x^2)", "0.5", "1 / 0.75")
sinc = _unary(np.sinc, E.sinc_p, r"\dot x\,(\cos \pi x - \mathrm{sinc}\,x) / x", "0.5",
              "(np.cos(np.pi / 2) - np.sinc(0.5)) / 0.5")
absolute = _unary(np.absolute, E.abs_p, r"\dot x\,\mathrm{sign}(x)", "-2.0", "-1.0",
                  note=r" (0 at ``x == 0``); for complex ``z``: "
                  r":math:`\mathrm{Re}(\bar z\,\dot z)/|z|` (also ``lnp.abs``)")
abs = absolute  # noqa: A001  (NumPy's name)


# ============================================================================ compositions

@implements(np.square)
def square(x: Any) -> Any:
    """Elementwise ``x * x`` (``np.square``).

    Examples
    --------
    >>> import linad, linad.numpy as lnp
    >>> float(linad.grad(lnp.square)(3.0))
    6.0
    """
    x = _asarray_if_needed(x)
    return L.mul(x, x)


@implements(np.deg2rad, np.radians)
def deg2rad(x: Any) -> Any:
    """Degrees to radians, ``x * pi / 180`` (``np.deg2rad``, ``np.radians``).

    Examples
    --------
    >>> import numpy as np, linad, linad.numpy as lnp
    >>> bool(np.isclose(linad.grad(lnp.deg2rad)(10.0), np.pi / 180))
    True
    """
    return L.mul(_asarray_if_needed(x), np.pi / 180)


@implements(np.rad2deg, np.degrees)
def rad2deg(x: Any) -> Any:
    """Radians to degrees, ``x * 180 / pi`` (``np.rad2deg``, ``np.degrees``).

    Examples
    --------
    >>> import numpy as np, linad, linad.numpy as lnp
    >>> bool(np.isclose(linad.grad(lnp.rad2deg)(1.0), 180 / np.pi))
    True
    """
    return L.mul(_asarray_if_needed(x), 180 / np.pi)


radians = deg2rad
degrees = rad2deg


@implements(np.sign)
def sign(x: Any) -> Any:
    """Elementwise sign (``np.sign``).

    For real input the result is a plain array (derivative zero).  For complex
    ``z`` it is ``z / |z|`` (0 at 0), which is differentiable away from 0.

    Examples
    --------
    >>> import linad, linad.numpy as lnp
    >>> float(linad.grad(lambda x: x * lnp.sign(x))(-2.0))
    -1.0
    """
    if np.dtype(dtype_of(x)).kind != "c":
        return on_values(np.sign, x)
    x = _asarray_if_needed(x)
    zero = detached_value(x) == 0
    r = bind(E.abs_p, x)
    if isinstance(zero, Tracer) or zero.any():
        r = L.where(zero, np.ones((), dtype_of(r)), r)
    return L.div(x, r)


def _elementwise_values(np_fn: Callable) -> Callable:
    """``np_fn``, a NumPy function applied element by element, marked elementwise (a ufunc
    is already): on a batch of values it is computed in one call."""
    if isinstance(np_fn, np.ufunc):
        return np_fn

    def values(*args: Any, **kwargs: Any) -> np.ndarray:
        return np_fn(*args, **kwargs)
    values.__name__ = values.__qualname__ = np_fn.__name__
    return elementwise(values)


_ELEMENTWISE_ANGLE = _elementwise_values(np.angle)


@implements(np.angle)
def angle(z: Any, deg: bool = False) -> Any:
    """Argument of complex numbers, ``arctan2(imag(z), real(z))`` (``np.angle``).

    Differentiable in ``z`` (an R-linear tangent map); for real input the
    result (0 or pi) has derivative zero.

    Examples
    --------
    >>> import numpy as np, linad, linad.numpy as lnp
    >>> z = 1.0 + 1.0j
    >>> _, t = linad.jvp(lnp.angle, (z,), (1j,))  # d angle / d imag part = Re z / |z|^2
    >>> bool(np.isclose(t, 0.5))
    True
    """
    z = _asarray_if_needed(z)
    if np.dtype(dtype_of(z)).kind == "c":
        res = arctan2(L.imag(z), L.real(z))
    else:
        res = on_values(_ELEMENTWISE_ANGLE, z)
    return L.mul(res, 180 / np.pi) if deg else res


@implements(np.float_power)
def float_power(x: Any, y: Any) -> Any:
    """``x ** y`` computed in double precision (``np.float_power``).

    Examples
    --------
    >>> import numpy as np, linad, linad.numpy as lnp
    >>> linad.grad(lnp.float_power)(np.float32(2.0), 3.0).dtype
    dtype('float32')
    """
    x, y = _asarray_if_needed(x), _asarray_if_needed(y)
    kind = "c" if "c" in (np.dtype(dtype_of(x)).kind, np.dtype(dtype_of(y)).kind) else "f"
    target = np.complex128 if kind == "c" else np.float64
    return power(astype(x, target), astype(y, target))


@implements(np.copysign)
def copysign(x: Any, y: Any) -> Any:
    """``|x|`` with the sign of ``y`` (``np.copysign``).

    Differentiable in ``x`` (slope ``+-1``); the derivative in ``y`` is zero.

    Examples
    --------
    >>> import linad, linad.numpy as lnp
    >>> float(linad.grad(lnp.copysign)(2.0, -1.0))
    -1.0
    """
    x, y = _asarray_if_needed(x), _asarray_if_needed(y)
    return L.where(on_values(_signs_differ, x, y), negative(x), x)


@elementwise
def _signs_differ(x: Any, y: Any) -> np.ndarray:
    """Where the sign bits of ``x`` and ``y`` differ (broadcast)."""
    return np.signbit(x) != np.signbit(y)


@implements(np.clip)
def clip(a: Any, a_min: Any = None, a_max: Any = None, out: Any = None, *,
         min: Any = None, max: Any = None, **kwargs: Any) -> Any:  # noqa: A002
    """``minimum(maximum(a, a_min), a_max)`` (``np.clip``); bounds may be traced.

    At a bound (``a == a_min``) the derivative is shared equally between ``a``
    and the bound, as in :func:`maximum`.  ``None`` means no bound.

    Examples
    --------
    >>> import numpy as np, linad, linad.numpy as lnp
    >>> linad.grad(lambda x: lnp.clip(x, 0.0, 1.0).sum())(np.array([-1.0, 0.5, 2.0]))
    array([0., 1., 0.])
    """
    if out is not None or kwargs:
        raise TypeError("clip: out= and ufunc keyword arguments are not supported on traced "
                        "values")
    lo = a_min if min is None else min
    hi = a_max if max is None else max
    res = _asarray_if_needed(a)
    if lo is not None:
        res = maximum(res, lo)
    if hi is not None:
        res = minimum(res, hi)
    return res


# ============================================================================ binary primitives

def _binary(np_fn: Callable, prim: Primitive, jvp: str, args: str, expected: str) -> Callable:
    def fn(x: Any, y: Any) -> Any:
        return bind(prim, _asarray_if_needed(x), _asarray_if_needed(y))
    implements(np_fn)(fn)
    return _document(fn, np_fn.__name__, f"Elementwise ``np.{np_fn.__name__}`` with "
                     f"broadcasting; JVP :math:`{jvp}`.", args, expected, ", argnums=(0, 1)")


arctan2 = _binary(np.arctan2, E.arctan2_p, r"(x\,\dot y - y\,\dot x)/(x^2 + y^2)"
                  r"\ \text{for}\ \mathrm{arctan2}(y, x)", "1.0, 2.0", "(0.4, -0.2)")
hypot = _binary(np.hypot, E.hypot_p, r"(x\,\dot x + y\,\dot y)/\mathrm{hypot}(x, y)",
                "3.0, 4.0", "(0.6, 0.8)")
logaddexp = _binary(np.logaddexp, E.logaddexp_p, r"\dot x\,e^{x-r} + \dot y\,e^{y-r}",
                    "0.0, 0.0", "(0.5, 0.5)")
logaddexp2 = _binary(np.logaddexp2, E.logaddexp2_p, r"\dot x\,2^{x-r} + \dot y\,2^{y-r}",
                     "1.0, 1.0", "(0.5, 0.5)")
mod = _binary(np.mod, E.mod_p, r"\dot x - \lfloor x/y \rfloor\,\dot y", "7.0, 2.0",
              "(1.0, -3.0)")
remainder = mod
fmod = _binary(np.fmod, E.fmod_p, r"\dot x - \mathrm{trunc}(x/y)\,\dot y", "-7.0, 2.0",
               "(1.0, 3.0)")
maximum = _binary(np.maximum, E.maximum_p, r"w\,\dot x + (1-w)\,\dot y"
                  r"\ \text{with}\ w = 1, \tfrac12, 0\ \text{for}\ x >, =, < y", "2.0, 2.0",
                  "(0.5, 0.5)")
minimum = _binary(np.minimum, E.minimum_p, r"w\,\dot x + (1-w)\,\dot y"
                  r"\ \text{with}\ w = 1, \tfrac12, 0\ \text{for}\ x <, =, > y", "1.0, 2.0",
                  "(1.0, 0.0)")
fmax = _binary(np.fmax, E.fmax_p, r"\text{as maximum; a NaN operand gets weight 0}",
               "np.nan, 2.0", "(0.0, 1.0)")
fmin = _binary(np.fmin, E.fmin_p, r"\text{as minimum; a NaN operand gets weight 0}",
               "1.0, np.nan", "(1.0, 0.0)")


# ============================================================================ no tangent

def _no_tangent(np_fn: Callable, what: str, call: str, expected: str) -> Callable:
    values = _elementwise_values(np_fn)

    def fn(*args: Any, **kwargs: Any) -> np.ndarray:
        return on_values(values, *args, **kwargs)
    implements(np_fn)(fn)
    fn.__name__ = fn.__qualname__ = np_fn.__name__
    fn.__doc__ = f"""``np.{np_fn.__name__}`` on the concrete values ({what}): a plain array.

    It carries no tangent, so ``x * {call}`` has derivative ``{call}``.

    Examples
    --------
    >>> import linad, linad.numpy as lnp
    >>> float(linad.grad(lambda x: x * {call})(1.5))
    {expected}
    """
    return fn


floor = _no_tangent(np.floor, "derivative zero", "lnp.floor(x)", "1.0")
ceil = _no_tangent(np.ceil, "derivative zero", "lnp.ceil(x)", "2.0")
rint = _no_tangent(np.rint, "derivative zero", "lnp.rint(x)", "2.0")
trunc = _no_tangent(np.trunc, "derivative zero", "lnp.trunc(x)", "1.0")
fix = _no_tangent(np.fix, "derivative zero", "lnp.fix(x)", "1.0")
round = _no_tangent(np.round, "derivative zero; also ``np.around``",  # noqa: A001
                    "lnp.round(x)", "2.0")
around = round
implements(np.around)(round)
heaviside = _no_tangent(np.heaviside, "derivative zero in both operands",
                        "lnp.heaviside(x, 0.5)", "1.0")
floor_divide = _no_tangent(np.floor_divide, "derivative zero", "lnp.floor_divide(x, 0.5)",
                           "3.0")
isnan = _no_tangent(np.isnan, "a boolean array", "lnp.isnan(x)", "0.0")
isinf = _no_tangent(np.isinf, "a boolean array", "lnp.isinf(x)", "0.0")
isfinite = _no_tangent(np.isfinite, "a boolean array", "lnp.isfinite(x)", "1.0")
signbit = _no_tangent(np.signbit, "a boolean array", "lnp.signbit(x)", "0.0")


# ============================================================================ parts of floats

def _real_float(x: Any, name: str) -> Any:
    """``x`` as a float operand of the real-only ufunc ``name`` (integers become float64)."""
    x = _asarray_if_needed(x)
    kind = np.dtype(dtype_of(x)).kind
    if kind == "c":
        raise TypeError(f"{name} is not defined for complex values (as in NumPy); apply it to "
                        "the real and imaginary parts (lnp.real(z), lnp.imag(z)) separately")
    return x if kind == "f" else astype(x, np.float64)


@implements(np.fabs)
def fabs(x: Any) -> Any:
    """Absolute value of real numbers (``np.fabs``); derivative ``sign(x)`` (0 at 0).

    Integers give float64; complex input is a TypeError, as in NumPy.

    Examples
    --------
    >>> import linad, linad.numpy as lnp
    >>> float(linad.grad(lnp.fabs)(-2.0))
    -1.0
    """
    return absolute(_real_float(x, "fabs"))


@implements(np.i0)
def i0(x: Any) -> Any:
    """Modified Bessel function of the first kind of order 0 (``np.i0``).

    The derivative is :math:`I_1(x)`.  Values come from ``scipy.special.i0`` (within
    a few units in the last place of ``np.i0``); float32 stays float32, integers give
    float64, and complex input is a TypeError, as in NumPy.

    Examples
    --------
    >>> import scipy.special as sc, linad, linad.numpy as lnp
    >>> bool(np.isclose(linad.grad(lnp.i0)(1.5), sc.i1(1.5)))
    True
    """
    return bind(SP.i0_p, _real_float(x, "i0"))


@implements(np.ldexp)
def ldexp(x: Any, e: Any) -> Any:
    """``x * 2**e`` for integer exponents ``e`` (``np.ldexp``), with broadcasting.

    Linear in ``x``: the derivative is :math:`2^e` (computed exactly, without
    forming :math:`2^e`).  ``e`` must be a concrete integer array or int.

    Examples
    --------
    >>> import numpy as np, linad, linad.numpy as lnp
    >>> linad.jvp(lambda x: lnp.ldexp(x, np.array([1, -2])), (np.ones(2),), (np.ones(2),))
    (array([2.  , 0.25]), array([2.  , 0.25]))
    """
    if isinstance(e, Tracer) or not np.issubdtype(np.asarray(e).dtype, np.integer):
        raise TypeError("ldexp: the exponent e must be a concrete integer (int or integer "
                        "array); for a float or traced exponent use x * 2.0 ** e")
    return E.ldexp(_real_float(x, "ldexp"), np.asarray(e) if not isinstance(e, int) else e)


@implements(np.frexp)
def frexp(x: Any) -> tuple:
    """Mantissa and exponent, ``x = m * 2**e`` with ``0.5 <= |m| < 1`` (``np.frexp``).

    The mantissa is ``ldexp(x, -e)`` with the (integer, concrete) exponent of
    ``x``: its derivative is :math:`2^{-e}`.  The exponent is a plain int array.

    Examples
    --------
    >>> import numpy as np, linad, linad.numpy as lnp
    >>> linad.jvp(lambda x: lnp.frexp(x)[0], (6.0,), (1.0,))
    (array(0.75), array(0.125))
    >>> lnp.frexp(6.0)[1]
    np.int32(3)
    """
    x = _real_float(x, "frexp")
    e = on_values(np.frexp, x, multiple=True)[1]
    return E.ldexp(x, -e), e


@implements(np.modf)
def modf(x: Any) -> tuple:
    """Fractional and integral parts, both with the sign of ``x`` (``np.modf``).

    The fractional part has derivative 1 (away from the integers); the integral
    part is a plain array (derivative zero).

    Examples
    --------
    >>> import linad, linad.numpy as lnp
    >>> linad.jvp(lambda x: lnp.modf(x)[0], (-2.25,), (1.0,))
    (array(-0.25), array(1.))
    >>> lnp.modf(-2.25)[1]
    np.float64(-2.0)
    """
    x = _real_float(x, "modf")
    return bind(E.modf_fraction_p, x), on_values(np.modf, x, multiple=True)[1]


@implements(np.divmod)
def divmod(x: Any, y: Any) -> tuple:  # noqa: A001  (NumPy's name)
    """``(floor_divide(x, y), mod(x, y))`` (``np.divmod``).

    The quotient is a plain array (derivative zero); the remainder
    :math:`x - \\lfloor x/y \\rfloor\\,y` has derivative :math:`\\dot x - \\lfloor x/y
    \\rfloor\\,\\dot y`.

    Examples
    --------
    >>> import linad, linad.numpy as lnp
    >>> linad.grad(lambda x, y: lnp.divmod(x, y)[1], argnums=(0, 1))(7.0, 2.0)
    (array(1.), array(-3.))
    """
    return floor_divide(x, y), mod(x, y)


nextafter = _binary(np.nextafter, E.nextafter_p, r"\dot x\ (\text{the step towards } y"
                    r"\text{ is locally constant})", "1.0, 2.0", "(1.0, 0.0)")
spacing = _no_tangent(np.spacing, "derivative zero", "lnp.spacing(x)",
                      str(float(np.spacing(1.5))))


@implements(np.real_if_close)
def real_if_close(a: Any, tol: float = 100) -> Any:
    """The real part of ``a`` if every imaginary part is within ``tol`` machine epsilons
    of zero, else ``a`` (``np.real_if_close``).

    The test runs on the concrete values (as in NumPy); a traced complex ``a`` that
    passes it gives ``real(a)``, whose tangent is the real part of ``a``'s.  Under
    ``linad.jit`` a complex ``a`` is refused (the result dtype depends on its values);
    a real ``a`` is returned as it is.

    Examples
    --------
    >>> import numpy as np, linad, linad.numpy as lnp
    >>> linad.jvp(lnp.real_if_close, (np.array([2.0 + 1e-17j]),), (np.array([1.0 + 3.0j]),))
    (array([2.]), array([1.]))
    """
    a = _asarray_if_needed(a)
    if np.dtype(dtype_of(a)).kind != "c":
        return a if isinstance(a, Tracer) else np.real_if_close(a, tol=tol)
    concrete = detached_value(a)
    if isinstance(concrete, Tracer):
        raise value_dependence_error(
            concrete, "real_if_close of a complex array returns a real or a complex array "
            "depending on the size of its imaginary parts", "Use lnp.real(a) when the imaginary "
            "parts are known to be negligible", kind="dtype")
    concrete = np.real_if_close(concrete, tol=tol)
    if not isinstance(a, Tracer):
        return concrete
    return L.real(a) if np.dtype(dtype_of(a)).kind == "c" and concrete.dtype.kind != "c" else a


# ============================================================================ NumPy 2 names

acos, acosh, asin, asinh = arccos, arccosh, arcsin, arcsinh
atan, atanh, atan2 = arctan, arctanh, arctan2
pow = power  # noqa: A001  (NumPy's name; np.pow is np.power)


@implements(*_np_funcs("astype"))
def _astype_function(x: Any, dtype: Any, /, *, copy: bool = True, device: Any = None) -> Any:
    """``np.astype(x, dtype)`` on traced values (a traced value is never modified in place,
    so ``copy`` makes no difference)."""
    if device not in (None, "cpu"):
        raise ValueError(f"np.astype: device must be None or 'cpu', not {device!r}")
    return astype(x, dtype)
