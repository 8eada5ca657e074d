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
from ..primitives.elementwise import detached_value
from ._base import _asarray_if_needed, astype
from ._core import negative, power
from ._dispatch import implements

__all__ = [
    "exp", "log", "sin", "cos", "tanh", "sqrt", "exp2", "expm1", "log2", "log10", "log1p", "cbrt", "reciprocal", "tan", "arcsin", "arccos",
    "arctan", "sinh", "cosh", "arcsinh", "arccosh", "arctanh", "sinc", "abs", "absolute",
    "square", "deg2rad", "rad2deg", "radians", "degrees", "sign", "angle",
    "floor", "ceil", "rint", "trunc", "fix", "round", "around", "heaviside", "floor_divide",
    "isnan", "isinf", "isfinite", "signbit",
    "arctan2", "hypot", "logaddexp", "logaddexp2", "mod", "remainder", "fmod",
    "maximum", "minimum", "fmax", "fmin", "float_power", "copysign", "clip",
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
        return np.sign(detached_value(x))
    x = _asarray_if_needed(x)
    zero = detached_value(x) == 0
    r = bind(E.abs_p, x)
    if zero.any():
        r = L.where(zero, np.ones((), dtype_of(r)), r)
    return L.div(x, r)


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
        res = np.angle(detached_value(z))
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
    flip = np.signbit(detached_value(x)) != np.signbit(detached_value(y))
    return L.where(flip, negative(x), x)


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
    def fn(*args: Any, **kwargs: Any) -> np.ndarray:
        return np_fn(*[detached_value(a) if isinstance(a, Tracer) else a for a in args],
                     **kwargs)
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
