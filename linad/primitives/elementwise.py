r"""Nonlinear elementwise primitives: JVP rules only.

Each rule gives the tangent of the output as a linear function of the operand
tangents (:math:`\dot x`, :math:`\dot y`), with primal values (the operands
``x``, ``y`` and the output ``y = f(x)`` or ``r``) as residuals.

Unary functions
===============

=================  =============================================================
exp, exp2, expm1   :math:`\dot x\,e^x`, :math:`\dot x\,2^x\ln 2`, :math:`\dot x\,(r+1)`
log, log2, log10   :math:`\dot x/x`, :math:`\dot x/(x\ln 2)`, :math:`\dot x/(x\ln 10)`
log1p              :math:`\dot x/(1+x)`
sqrt, cbrt         :math:`\dot x/(2r)`, :math:`\dot x/(3r^2)`
reciprocal         :math:`-\dot x\,r^2`
sin, cos, tan      :math:`\dot x\cos x`, :math:`-\dot x\sin x`, :math:`\dot x\,(1+r^2)`
arcsin, arccos     :math:`\pm\dot x/\sqrt{1-x^2}`
arctan             :math:`\dot x/(1+x^2)`
sinh, cosh, tanh   :math:`\dot x\cosh x`, :math:`\dot x\sinh x`, :math:`\dot x\,(1-r^2)`
arcsinh            :math:`\dot x/\sqrt{x^2+1}`
arccosh            :math:`\dot x/(\sqrt{x-1}\sqrt{x+1})`
arctanh            :math:`\dot x/(1-x^2)`
sinc               :math:`\dot x\,(\cos\pi x - r)/x`, and 0 at :math:`x = 0`
abs (real)         :math:`\dot x\,\mathrm{sign}(x)`: **0 at x = 0**
abs (complex)      :math:`\mathrm{Re}(\bar x\,\dot x)/|x|` (an R-linear map), 0 at 0
=================  =============================================================

Binary functions (broadcasting)
===============================

=====================  =========================================================
pow :math:`x^y`        :math:`\dot x\,y\,x^{y-1} + \dot y\,\log(x)\,x^y`
                       (the first term is 0 where ``x == y == 0``, the second where ``x == 0``)
arctan2(y, x)          :math:`(x\,\dot y - y\,\dot x)/(x^2+y^2)`
hypot                  :math:`(x\,\dot x + y\,\dot y)/r`, and 0 at the origin
logaddexp              :math:`\dot x\,e^{x-r} + \dot y\,e^{y-r}`
logaddexp2             :math:`\dot x\,2^{x-r} + \dot y\,2^{y-r}`
mod, fmod              :math:`\dot x - q\,\dot y` with the integer quotient
                       :math:`q = (x - r)/y` (floored for mod, truncated for fmod)
maximum, minimum,      :math:`w\,\dot x + (1-w)\,\dot y`, with ``w`` = 1 where ``x`` is
fmax, fmin             selected, 0 where ``y`` is, and **0.5 at ties** (the gradient is
                       shared equally)
nextafter              :math:`\dot x` (the step of one ulp towards ``y`` is constant)
=====================  =========================================================

Parts of floating-point numbers
===============================

=====================  =========================================================
ldexp(x, e)            :math:`x\,2^e` for integer ``e``: a linear primitive in ``x``
                       (its transpose scales by :math:`2^e` too)
modf_fraction          the fractional part of ``modf``: :math:`\dot x`
=====================  =========================================================

Complex inputs follow the holomorphic convention: the tangent is
:math:`f'(z)\,\dot z`, with no conjugation.  Non-holomorphic functions (``abs``)
state their derivative as an R-linear map of :math:`\dot z`.

Masks and selection weights (where ``x`` is zero, which operand ``maximum``
picked) are computed from :func:`detached_value` by :func:`on_values`: they are
constants of the tangent map, whose derivative is zero almost everywhere.  On
concrete values NumPy computes them (and a ``where`` on a mask with no element
set is skipped); under ``linad.jit`` they are staged, so they are recomputed on
every call, and the ``where`` is always applied (which gives the same numbers).
"""
from __future__ import annotations

from typing import Any, Callable

import numpy as np

from ..core import ConcretizationError, Tracer, bind, dtype_of, real_dtype
from ..optimize import enabled
from .discrete import elementwise, stage_numpy_call
from .linear import (add, conj, div, elementwise_batch_rule, elementwise_primitive, mul, neg, real,
                     sub, unbroadcast, where)
from .rules import defjvp, deflinear

__all__ = [
    "stop_gradient_p", "detached_value", "value_dependence_error", "on_values", "may_hold",
    "is_zero", "both_zero",
    "may_be_zero", "safe_where", "sign_of", "real_dtype",
    "exp_p", "log_p", "sin_p", "cos_p", "tanh_p", "sqrt_p", "pow_p", "reciprocal_p",
    "exp2_p", "expm1_p", "log2_p", "log10_p", "log1p_p", "cbrt_p", "tan_p", "arcsin_p",
    "arccos_p", "arctan_p", "sinh_p", "cosh_p", "arcsinh_p", "arccosh_p", "arctanh_p",
    "abs_p", "sinc_p", "arctan2_p", "hypot_p", "logaddexp_p", "logaddexp2_p", "mod_p",
    "fmod_p", "maximum_p", "minimum_p", "fmax_p", "fmin_p", "ldexp_p", "modf_fraction_p",
    "nextafter_p",
    "exp", "log", "sin", "cos", "tanh", "sqrt", "power", "sinh", "cosh", "exp2", "ldexp",
]

_LN2 = float(np.log(2.0))
_LN10 = float(np.log(10.0))
_PI = float(np.pi)


# ============================================================================ helpers

stop_gradient_p = elementwise_primitive("stop_gradient", lambda x: x)
defjvp(stop_gradient_p, None)


def detached_value(x: Any) -> Any:
    """The value of ``x`` (traced or not) with no derivative.

    A NumPy array, unless ``x`` is being staged by ``linad.jit``: then the staged
    value (a tracer of the program), so that masks and selections computed from
    it are recomputed on every call instead of frozen.  A primitive whose
    tangent is a symbolic zero returns its plain primal value from every other
    trace, so binding ``stop_gradient`` yields a concrete array under nested
    transformations.  Use it only for constants of a tangent map (masks,
    selection weights, integer quotients); code that needs a concrete value
    (a Python ``if``, a fast path) checks ``isinstance(v, Tracer)`` first.

    Examples
    --------
    >>> detached_value(2.0)
    array(2.)
    """
    v = bind(stop_gradient_p, x)
    return v if isinstance(v, Tracer) else np.asarray(v)


def value_dependence_error(value: Tracer, result: str, instead: str, kind: str = "shape"
                           ) -> ConcretizationError:
    """The error of a function whose result's ``kind`` (shape or dtype) depends on values,
    called on ``value``, a traced value that has no concrete value: staged by ``linad.jit``
    (a program has fixed shapes and dtypes) or a batch of ``linad.vmap`` (its elements share
    one shape and dtype).

    ``result`` says what depends on values; ``instead``, a fixed-shape alternative.

    Examples
    --------
    >>> import numpy as np, linad
    >>> errors = []
    >>> _ = linad.vmap(lambda x: errors.append(value_dependence_error(
    ...     detached_value(x), "f's length depends on x", "Use g")) or x)(np.zeros(2))
    >>> print(errors[0])
    f's length depends on x, so it cannot be batched by linad.vmap (the elements of a batch \
share one shape). Use g, or call the function in a Python loop over the batch.
    """
    if value._trace.name == "vmap":
        how = f"batched by linad.vmap (the elements of a batch share one {kind})"
        call = "call the function in a Python loop over the batch"
    else:
        how = f"staged by linad.jit (a staged program has fixed {kind}s)"
        call = "call the function without jit"
    return ConcretizationError(f"{result}, so it cannot be {how}. {instead}, or {call}.")


def on_values(np_fn: Callable, *xs: Any, multiple: bool = False, **params: Any) -> Any:
    """``np_fn(*values, **params)`` on the values of ``xs``, with no derivative.

    For the constants of tangent maps and non-differentiable results: masks,
    weights, quotients, factorisations, permutations.  Traced arguments are
    replaced by their :func:`detached_value`.  NumPy computes ``np_fn`` now when
    every value is concrete; when some are staged by ``linad.jit`` the call is
    staged as one primitive, so it runs again, on the new values and with the
    same NumPy code, at every call of the compiled function (``np_fn`` may
    branch on values and raise: it does so at every call).  The shape of the
    result must depend on the shapes of ``xs`` only; ``params`` are constants
    (axes, dtypes); ``multiple``: ``np_fn`` returns a tuple of arrays.

    Examples
    --------
    >>> on_values(np.equal, np.array([0.0, 2.0]), 0)
    array([ True, False])
    """
    values = tuple(detached_value(x) if isinstance(x, Tracer) else x for x in xs)
    for v in values:
        if isinstance(v, Tracer):
            return stage_numpy_call(np_fn, values, params, multiple=multiple)
    return np_fn(*values, **params)


def may_hold(mask: Any) -> bool:
    """False only for a concrete ``mask`` with no element set (a ``where`` on it can be
    skipped); True for a staged mask, whose values are known only when it is called.

    Examples
    --------
    >>> may_hold(np.array([False, False])), may_hold(np.array([False, True]))
    (False, True)
    """
    return isinstance(mask, Tracer) or bool(np.any(mask))


def is_zero(x: Any) -> Any:
    """The mask ``x == 0`` of the detached value of ``x`` (staged under ``linad.jit``).

    Examples
    --------
    >>> is_zero(np.array([0.0, 2.0]))
    array([ True, False])
    """
    return on_values(np.equal, x, 0)


def may_be_zero(x: Any) -> bool:
    """True if some element of ``x`` is zero, or may be (``x`` staged by ``linad.jit``).

    Examples
    --------
    >>> may_be_zero(np.array([1.0, 2.0]))
    False
    """
    v = detached_value(x)
    return isinstance(v, Tracer) or bool(np.any(v == 0))


def safe_where(mask: Any, x: Any, fill: float = 1.0) -> Any:
    """``x`` with ``fill`` at the ``mask`` positions (to divide or take a log safely).

    The mask is concrete (when no position is set, ``x`` is returned as it is) or
    staged by ``linad.jit`` (then the ``where`` is always applied).

    Examples
    --------
    >>> safe_where(np.array([True, False]), np.array([0.0, 2.0]))
    array([1., 2.])
    """
    if not may_hold(mask):
        return x
    return where(mask, np.asarray(fill, dtype_of(x)), x)


@elementwise
def _both_zero(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """The mask ``x == 0 and y == 0`` (NumPy, on detached values)."""
    return (x == 0) & (y == 0)


def both_zero(x: Any, y: Any) -> Any:
    """The mask ``x == 0 and y == 0`` of the detached values (staged under ``linad.jit``).

    Examples
    --------
    >>> both_zero(np.array([0.0, 0.0]), np.array([0.0, 1.0]))
    array([ True, False])
    """
    vx, vy = detached_value(x), detached_value(y)
    if any(not isinstance(v, Tracer) and not np.any(v == 0) for v in (vx, vy)):
        # a concrete operand without zeros: no position can be set (nothing to stage)
        return np.zeros(np.broadcast_shapes(np.shape(vx), np.shape(vy)), bool)
    return on_values(_both_zero, vx, vy)


@elementwise
def _sign_as(x: np.ndarray, dtype: np.dtype) -> np.ndarray:
    """``sign(x)`` in ``dtype`` (NumPy, on a detached value)."""
    return np.sign(x).astype(dtype, copy=False)


def sign_of(x: Any) -> Any:
    """The sign of the detached (real) value of ``x``, in ``x``'s real dtype: a constant
    of a tangent map (staged under ``linad.jit``).

    Examples
    --------
    >>> sign_of(np.array([-2.0, 0.0, 3.0]))
    array([-1.,  0.,  1.])
    """
    return on_values(_sign_as, x, dtype=real_dtype(x))


# ============================================================================ unary

# Rules are written with NumPy operators and ufuncs: on concrete values they run as plain
# NumPy (forward mode: no dispatch at all); on traced values (a staged tangent, higher
# order) they dispatch to linad, so the same rule serves both.  ``t * slope`` and
# ``t / slope`` are the linear primitives mul and div applied to the tangent.
exp_p = elementwise_primitive("exp", np.exp)
defjvp(exp_p, lambda t, ans, x: t * ans)
log_p = elementwise_primitive("log", np.log)
defjvp(log_p, lambda t, ans, x: t / x)
sin_p = elementwise_primitive("sin", np.sin)
defjvp(sin_p, lambda t, ans, x: t * np.cos(x))
cos_p = elementwise_primitive("cos", np.cos)
defjvp(cos_p, lambda t, ans, x: t * -np.sin(x))
tanh_p = elementwise_primitive("tanh", np.tanh)
defjvp(tanh_p, lambda t, ans, x: t * (1 - ans * ans))
sqrt_p = elementwise_primitive("sqrt", np.sqrt)
defjvp(sqrt_p, lambda t, ans, x: t / (2 * ans))
reciprocal_p = elementwise_primitive("reciprocal", np.reciprocal)
defjvp(reciprocal_p, lambda t, ans, x: t * -(ans * ans))
exp2_p = elementwise_primitive("exp2", np.exp2)
defjvp(exp2_p, lambda t, ans, x: t * (ans * _LN2))
expm1_p = elementwise_primitive("expm1", np.expm1)
defjvp(expm1_p, lambda t, ans, x: t * (ans + 1.0))
log2_p = elementwise_primitive("log2", np.log2)
defjvp(log2_p, lambda t, ans, x: t / (x * _LN2))
log10_p = elementwise_primitive("log10", np.log10)
defjvp(log10_p, lambda t, ans, x: t / (x * _LN10))
log1p_p = elementwise_primitive("log1p", np.log1p)
defjvp(log1p_p, lambda t, ans, x: t / (x + 1.0))
cbrt_p = elementwise_primitive("cbrt", np.cbrt)
defjvp(cbrt_p, lambda t, ans, x: t / (3.0 * (ans * ans)))
tan_p = elementwise_primitive("tan", np.tan)
defjvp(tan_p, lambda t, ans, x: t * (1.0 + ans * ans))
arcsin_p = elementwise_primitive("arcsin", np.arcsin)
defjvp(arcsin_p, lambda t, ans, x: t / np.sqrt(1.0 - x * x))
arccos_p = elementwise_primitive("arccos", np.arccos)
defjvp(arccos_p, lambda t, ans, x: t / (-np.sqrt(1.0 - x * x)))
arctan_p = elementwise_primitive("arctan", np.arctan)
defjvp(arctan_p, lambda t, ans, x: t / (1.0 + x * x))
sinh_p = elementwise_primitive("sinh", np.sinh)
defjvp(sinh_p, lambda t, ans, x: t * np.cosh(x))
cosh_p = elementwise_primitive("cosh", np.cosh)
defjvp(cosh_p, lambda t, ans, x: t * np.sinh(x))
arcsinh_p = elementwise_primitive("arcsinh", np.arcsinh)
defjvp(arcsinh_p, lambda t, ans, x: t / np.sqrt(x * x + 1.0))
arccosh_p = elementwise_primitive("arccosh", np.arccosh)
defjvp(arccosh_p, lambda t, ans, x: t / (np.sqrt(x - 1.0) * np.sqrt(x + 1.0)))
arctanh_p = elementwise_primitive("arctanh", np.arctanh)
defjvp(arctanh_p, lambda t, ans, x: t / (1.0 - x * x))


def exp(x: Any) -> Any:
    """``exp_p`` applied to ``x``."""
    return bind(exp_p, x)


def exp2(x: Any) -> Any:
    """``exp2_p`` applied to ``x``."""
    return bind(exp2_p, x)


def log(x: Any) -> Any:
    """``log_p`` applied to ``x``."""
    return bind(log_p, x)


def sin(x: Any) -> Any:
    """``sin_p`` applied to ``x``."""
    return bind(sin_p, x)


def cos(x: Any) -> Any:
    """``cos_p`` applied to ``x``."""
    return bind(cos_p, x)


def sinh(x: Any) -> Any:
    """``sinh_p`` applied to ``x``."""
    return bind(sinh_p, x)


def cosh(x: Any) -> Any:
    """``cosh_p`` applied to ``x``."""
    return bind(cosh_p, x)


def tanh(x: Any) -> Any:
    """``tanh_p`` applied to ``x``."""
    return bind(tanh_p, x)


def sqrt(x: Any) -> Any:
    """``sqrt_p`` applied to ``x``."""
    return bind(sqrt_p, x)


# ---------------------------------------------------------------------------- abs, sinc

abs_p = elementwise_primitive("abs", np.abs)


def _abs_tangent(t, ans, x):
    if np.dtype(dtype_of(x)).kind != "c":
        return mul(t, sign_of(x))
    zero = is_zero(ans)
    unit = div(conj(x), safe_where(zero, ans))  # conj(x)/|x|, 0 where x == 0
    return real(mul(t, unit))


defjvp(abs_p, _abs_tangent)

sinc_p = elementwise_primitive("sinc", np.sinc)


def _sinc_tangent(t, ans, x):
    zero = is_zero(x)
    slope = div(sub(cos(mul(x, _PI)), ans), safe_where(zero, x))
    return mul(t, safe_where(zero, slope, 0.0))


defjvp(sinc_p, _sinc_tangent)


# ============================================================================ binary

pow_p = elementwise_primitive("pow", np.power)


def power(x: Any, y: Any) -> Any:
    """``pow_p`` applied to ``x`` and ``y``."""
    return bind(pow_p, x, y)


def _pow_dbase(t, ans, x, y):
    if type(y) is int and (y == 1 or y == 2) and enabled():  # exactly t and t * 2x
        return t if y == 1 else mul(t, mul(x, y))
    zeros = both_zero(x, y)
    y_minus_1 = y - 1 if isinstance(y, (int, float, complex)) else sub(y, 1)  # keep y weak
    slope = mul(y, power(safe_where(zeros, x), y_minus_1))
    return mul(t, safe_where(zeros, slope, 0.0))  # d/dx x**0 = 0 also at x = 0 (not 0 * 0**-1)


def _pow_dexp(t, ans, x, y):
    x_zero = is_zero(x)
    slope = mul(log(safe_where(x_zero, x)), ans)
    return mul(t, safe_where(x_zero, slope, 0.0))  # d/dy 0**y = 0 (y > 0)


defjvp(pow_p, _pow_dbase, _pow_dexp)

arctan2_p = elementwise_primitive("arctan2", np.arctan2)


def _arctan2_dy(t, ans, y, x):
    return mul(t, div(x, add(mul(x, x), mul(y, y))))


def _arctan2_dx(t, ans, y, x):
    return neg(mul(t, div(y, add(mul(x, x), mul(y, y)))))


defjvp(arctan2_p, _arctan2_dy, _arctan2_dx)

hypot_p = elementwise_primitive("hypot", np.hypot)


def _hypot_tangent(t, ans, u):
    """``t * u / r`` (``u`` the operand of ``t``), 0 at the origin ``r == 0``."""
    return mul(t, div(u, safe_where(is_zero(ans), ans)))


defjvp(hypot_p, lambda t, ans, x, y: _hypot_tangent(t, ans, x),
       lambda t, ans, x, y: _hypot_tangent(t, ans, y))

logaddexp_p = elementwise_primitive("logaddexp", np.logaddexp)
defjvp(logaddexp_p, lambda t, ans, x, y: mul(t, exp(sub(x, ans))),
       lambda t, ans, x, y: mul(t, exp(sub(y, ans))))

logaddexp2_p = elementwise_primitive("logaddexp2", np.logaddexp2)
defjvp(logaddexp2_p, lambda t, ans, x, y: mul(t, exp2(sub(x, ans))),
       lambda t, ans, x, y: mul(t, exp2(sub(y, ans))))


@elementwise
def _integer_quotient(x: np.ndarray, y: np.ndarray, r: np.ndarray, dtype: np.dtype
                      ) -> np.ndarray:
    """The integer quotient ``q`` with ``x = q*y + r`` (NumPy, on detached values)."""
    return np.round((x - r) / y).astype(dtype, copy=False)


def _quotient(ans, x, y) -> Any:
    """The integer quotient ``q`` with ``x = q*y + r``, a constant of the tangent map."""
    return on_values(_integer_quotient, x, y,
                       detached_value(ans), dtype=dtype_of(ans))


mod_p = elementwise_primitive("mod", np.mod)
fmod_p = elementwise_primitive("fmod", np.fmod)
for _p in (mod_p, fmod_p):
    defjvp(_p, lambda t, ans, x, y: t, lambda t, ans, x, y: neg(mul(t, _quotient(ans, x, y))))


@elementwise
def _selection_weight(x: np.ndarray, y: np.ndarray, *, pick_x: Callable, skip_nan: bool,
                      of_y: bool, dtype: np.dtype) -> np.ndarray:
    """The weight ``w`` of ``x`` in a selecting binary function (``1 - w``, that of ``y``,
    if ``of_y``), on detached values (NumPy).

    ``w`` is 1 where ``pick_x(x, y)``, 0.5 where ``x == y`` and 0 elsewhere.  NaN
    operands are propagated by maximum/minimum (the NaN operand gets weight 1)
    and skipped by fmax/fmin (the other operand gets weight 1).
    """
    w = np.where(pick_x(x, y), 1.0, np.where(x == y, 0.5, 0.0))
    nan_x, nan_y = np.isnan(x), np.isnan(y)
    if skip_nan:
        w = np.where(nan_y, 1.0, np.where(nan_x, 0.0, w))
    else:
        w = np.where(nan_x, 1.0, w)
    w = w.astype(dtype, copy=False)
    return (1 - w).astype(dtype, copy=False) if of_y else w


def _selection_tangents(pick_x: Callable, skip_nan: bool) -> tuple[Callable, Callable]:
    """The tangent contributions ``w * t`` of ``x`` and ``(1 - w) * t`` of ``y`` in a
    selecting binary function (``w`` from :func:`_selection_weight`)."""
    def contribution(of_y: bool) -> Callable:
        def tangent(t, ans, x, y):
            w = on_values(_selection_weight, x, y,
                            pick_x=pick_x, skip_nan=skip_nan, of_y=of_y, dtype=real_dtype(ans))
            return mul(t, w)
        return tangent
    return contribution(False), contribution(True)


maximum_p = elementwise_primitive("maximum", np.maximum)
minimum_p = elementwise_primitive("minimum", np.minimum)
fmax_p = elementwise_primitive("fmax", np.fmax)
fmin_p = elementwise_primitive("fmin", np.fmin)
defjvp(maximum_p, *_selection_tangents(np.greater, skip_nan=False))
defjvp(minimum_p, *_selection_tangents(np.less, skip_nan=False))
defjvp(fmax_p, *_selection_tangents(np.greater, skip_nan=True))
defjvp(fmin_p, *_selection_tangents(np.less, skip_nan=True))


# ============================================================================ ldexp, modf, nextafter

def _ldexp_aval(x, e):
    dt = np.dtype(x[1])
    return np.broadcast_shapes(x[0], e[0]), dt if dt.kind == "f" else np.dtype(np.float64)


def _ldexp_transpose(ct, x, e):
    return [unbroadcast(ldexp(ct, e), x), None]


#: ``ldexp(x, e) = x * 2**e`` for an integer ``e``: linear in ``x`` (scaling by a power of
#: two), computed without forming ``2**e`` (which overflows for ``e > 1023`` even where
#: the result is finite).  Its transpose scales by the same powers of two.
ldexp_p = elementwise_primitive("ldexp", np.ldexp)
deflinear(ldexp_p, linear_in=(0,), aval_rule=_ldexp_aval, transpose_rule=_ldexp_transpose,
          batch_rule=elementwise_batch_rule(ldexp_p))


def ldexp(x: Any, e: Any) -> Any:
    """``ldexp_p`` applied to ``x`` and the integer exponents ``e``."""
    return bind(ldexp_p, x, e)


def _modf_fraction(x):
    return np.modf(x)[0]


#: The fractional part of ``np.modf`` (``x - trunc(x)``, with the sign of ``x`` and 0 at
#: infinities): derivative 1 away from the integers.
modf_fraction_p = elementwise_primitive("modf_fraction", _modf_fraction)
defjvp(modf_fraction_p, lambda t, ans, x: t)

#: ``np.nextafter(x, y)``: ``x`` moved by one unit in the last place towards ``y``;
#: derivative 1 in ``x`` and 0 in ``y`` (the step is locally constant).
nextafter_p = elementwise_primitive("nextafter", np.nextafter)
defjvp(nextafter_p, lambda t, ans, x, y: t, None)
