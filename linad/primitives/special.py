r"""Special-function primitives (SciPy's ``scipy.special`` ufuncs): JVP rules only.

Each primitive computes its value with SciPy and states its derivative with
other linad operations, so second and higher derivatives work (the derivative
of ``digamma`` is ``polygamma(1, .)``, whose derivative is ``polygamma(2, .)``...).

Unary functions
===============

===========  ======================================================================
gammaln      :math:`\dot x\,\psi(x)`
digamma      :math:`\dot x\,\psi^{(1)}(x)`
gamma        :math:`\dot x\,\Gamma(x)\,\psi(x)`
erf, erfc    :math:`\pm\dot x\,\tfrac{2}{\sqrt\pi}e^{-x^2}`
erfinv       :math:`\dot x\,\tfrac{\sqrt\pi}{2}e^{r^2}` (``r = erfinv(x)``)
erfcinv      :math:`-\dot x\,\tfrac{\sqrt\pi}{2}e^{r^2}`
ndtr         :math:`\dot x\,\varphi(x)`, :math:`\varphi(x) = e^{-x^2/2}/\sqrt{2\pi}`
log_ndtr     :math:`\dot x\,e^{-x^2/2 - r}/\sqrt{2\pi}` (stable far in the left tail)
ndtri        :math:`\dot x\,\sqrt{2\pi}\,e^{r^2/2}`
expit        :math:`\dot x\,r(1 - r)`
log_expit    :math:`\dot x\,\mathrm{expit}(-x)`
i0, i1       :math:`\dot x\,I_1(x)`, :math:`\dot x\,(I_0(x) - I_1(x)/x)` (1/2 at 0)
i0e          :math:`\dot x\,(I_{1e}(x) - \mathrm{sign}(x)\,I_{0e}(x))`
i1e          :math:`\dot x\,(I_{0e}(x) - I_{1e}(x)(\mathrm{sign}(x) + 1/x))` (1/2 at 0)
===========  ======================================================================

Functions of several operands (broadcasting)
============================================

=====================  ==========================================================
polygamma(n, x)        :math:`\dot x\,\psi^{(n+1)}(x)`; ``n`` is an integer order:
                       a tangent on it raises ``TypeError``
zeta(x, q)             :math:`-\dot q\,x\,\zeta(x+1, q)`; the derivative in ``x`` is not
                       implemented: a tangent on it raises ``NotImplementedError``
xlogy(x, y)            :math:`\dot x\log y + \dot y\,x/y` (the second term 0 where
                       ``x == y == 0``)
xlog1py(x, y)          :math:`\dot x\,\mathrm{log1p}(y) + \dot y\,x/(1+y)` (0 where
                       ``x == 0, y == -1``)
rel_entr(x, y)         :math:`\dot x\,(\log(x/y) + 1) - \dot y\,x/y` (the second term 0
                       where ``x == y == 0``)
betaln(a, b)           :math:`\dot a\,(\psi(a) - \psi(a+b)) + \dot b\,(\psi(b) - \psi(a+b))`
beta(a, b)             ``beta(a, b)`` times the ``betaln`` tangent
gammainc(a, x)         :math:`\dot x\,e^{-x}x^{a-1}/\Gamma(a) + \dot a\,\partial_a P(a, x)`
gammaincc(a, x)        minus the same
betainc(a, b, x)       :math:`\dot x\,x^{a-1}(1-x)^{b-1}/B(a, b) + \dot a\,\partial_a I
                       + \dot b\,\partial_b I`
betaincc(a, b, x)      minus the same
stdtr(df, t)           :math:`\dot t` times Student's t density with ``df`` degrees of freedom
                       plus :math:`\dot{df}\,\partial_{df}` ``stdtr``
=====================  ==========================================================

The regularized incomplete gamma and beta functions and ``stdtr`` are
differentiable in their shape parameters (``a``, ``b``, ``df``) through the
primitives ``gammainc_da``, ``betainc_da``, ``betainc_db``, ``stdtr_ddf``, whose
values are computed with NumPy (:mod:`linad.primitives.incomplete`).  Those are
differentiable in ``x`` (the derivative of the density in the shape parameter);
their derivative in a shape parameter (a second derivative of the function in its
shapes) raises ``NotImplementedError`` (never a silent zero).

Where a derivative is unbounded (``xlogy`` in ``x`` at ``y = 0``, ``erfinv`` at
``+-1``) the rules give SciPy's infinite or NaN value.
"""
from __future__ import annotations

from typing import Any, Callable

import numpy as np
import scipy.special as sc

from ..core import Primitive, bind
from . import incomplete
from .elementwise import (both_zero, exp, is_zero, log, log1p_p, on_values,
                          safe_where, sign_of)
from .linear import add, div, elementwise_primitive, mul, neg, sub
from .rules import defjvp

__all__ = [
    "gammaln_p", "digamma_p", "polygamma_p", "gamma_p", "erf_p", "erfc_p", "erfinv_p",
    "erfcinv_p", "ndtr_p", "log_ndtr_p", "ndtri_p", "expit_p", "log_expit_p", "i0_p", "i0e_p",
    "i1_p", "i1e_p", "zeta_p", "xlogy_p", "xlog1py_p", "rel_entr_p", "betaln_p", "beta_p",
    "gammainc_p", "gammaincc_p", "betainc_p", "betaincc_p", "stdtr_p", "gammainc_da_p",
    "betainc_da_p", "betainc_db_p", "stdtr_ddf_p",
]

_SQRT_PI_2 = float(np.sqrt(np.pi) / 2)
_TWO_SQRT_PI = float(2 / np.sqrt(np.pi))
_SQRT_2PI = float(np.sqrt(2 * np.pi))
_LOG_SQRT_2PI = float(np.log(np.sqrt(2 * np.pi)))


def _keep_dtype(fn: Callable) -> Callable:
    """``fn`` (a SciPy function) with its result cast to its float operands' dtype.

    SciPy computes some functions (``polygamma``, the Hurwitz ``zeta``) in double
    precision only, and promotes 0-d float32 operands met with a Python float;
    linad keeps float32 in float32 (Python numbers are weakly typed, as in NumPy).
    """
    def impl(*args):
        out = fn(*args)
        floats = [a if isinstance(a, (float, complex)) else np.result_type(a) for a in args
                  if isinstance(a, (float, complex)) or np.result_type(a).kind in "fc"]
        return np.asarray(out).astype(np.result_type(*floats or [np.float64]), copy=False)[()]
    impl.__name__ = getattr(fn, "__name__", "impl")
    return impl


def _unary(name: str, impl: Callable, slope: Callable) -> Primitive:
    """An elementwise primitive with tangent ``t * slope(ans, x)``."""
    prim = elementwise_primitive(name, impl)
    defjvp(prim, lambda t, ans, x: mul(t, slope(ans, x)))
    return prim


def _zero_where(mask: Any, x: Any) -> Any:
    """``x`` with 0 at the ``mask`` positions."""
    return safe_where(mask, x, 0.0)


def _no_derivative(fn: str, arg: str, why: str, error: type = NotImplementedError) -> Callable:
    """A tangent contribution that raises: the operand ``arg`` of ``fn`` has no derivative."""
    def rule(t, ans, *primals, **params):
        raise error(f"{fn}: {why}; a tangent on its argument {arg!r} cannot be propagated. "
                    f"Differentiate with respect to the other arguments only (treat {arg!r} "
                    "as a constant, e.g. with linad.stop_gradient).")
    return rule


# ============================================================================ gamma family

def digamma(x: Any) -> Any:
    """``digamma_p`` applied to ``x``."""
    return bind(digamma_p, x)


def polygamma(n: Any, x: Any) -> Any:
    """``polygamma_p`` applied to ``(n, x)``."""
    return bind(polygamma_p, n, x)


def _polygamma_impl(n, x):
    if np.dtype(np.result_type(x)).kind == "c":
        raise TypeError("polygamma (and the derivative of digamma) is defined for real x "
                        "only in SciPy; complex input is not supported.")
    return _keep_dtype(sc.polygamma)(n, x)


def _order_up(n: Any) -> Any:
    """``n + 1`` for the integer order ``n`` of polygamma (staged under ``linad.jit``)."""
    return on_values(np.add, n, 1)


gammaln_p = _unary("gammaln", _keep_dtype(sc.gammaln), lambda ans, x: digamma(x))
digamma_p = _unary("digamma", _keep_dtype(sc.digamma), lambda ans, x: polygamma(1, x))
polygamma_p = elementwise_primitive("polygamma", _polygamma_impl)
defjvp(polygamma_p,
       _no_derivative("polygamma", "n", "the order n is an integer", TypeError),
       lambda t, ans, n, x: mul(t, polygamma(_order_up(n), x)))
gamma_p = _unary("gamma", _keep_dtype(sc.gamma), lambda ans, x: mul(ans, digamma(x)))


def _betaln_da(a, b):
    return sub(digamma(a), digamma(add(a, b)))


betaln_p = elementwise_primitive("betaln", _keep_dtype(sc.betaln))
defjvp(betaln_p, lambda t, ans, a, b: mul(t, _betaln_da(a, b)),
       lambda t, ans, a, b: mul(t, _betaln_da(b, a)))
beta_p = elementwise_primitive("beta", _keep_dtype(sc.beta))
defjvp(beta_p, lambda t, ans, a, b: mul(t, mul(ans, _betaln_da(a, b))),
       lambda t, ans, a, b: mul(t, mul(ans, _betaln_da(b, a))))


def zeta(x: Any, q: Any) -> Any:
    """``zeta_p`` (Hurwitz zeta) applied to ``(x, q)``."""
    return bind(zeta_p, x, q)


def _plus_one(x: Any) -> Any:
    """``x + 1``; a Python number stays one (weak), so float32 stays float32."""
    return x + 1 if isinstance(x, (int, float)) else add(x, 1)


zeta_p = elementwise_primitive("zeta", _keep_dtype(sc.zeta))
defjvp(zeta_p,
       _no_derivative("zeta", "x", "the derivative in the exponent x is not implemented"),
       lambda t, ans, x, q: neg(mul(t, mul(x, zeta(_plus_one(x), q)))))


# ============================================================================ error functions

def _gauss(x: Any) -> Any:
    """``exp(-x^2)``."""
    return exp(neg(mul(x, x)))


erf_p = _unary("erf", _keep_dtype(sc.erf), lambda ans, x: mul(_gauss(x), _TWO_SQRT_PI))
erfc_p = _unary("erfc", _keep_dtype(sc.erfc), lambda ans, x: mul(_gauss(x), -_TWO_SQRT_PI))
erfinv_p = _unary("erfinv", _keep_dtype(sc.erfinv),
                  lambda ans, x: mul(exp(mul(ans, ans)), _SQRT_PI_2))
erfcinv_p = _unary("erfcinv", _keep_dtype(sc.erfcinv),
                   lambda ans, x: mul(exp(mul(ans, ans)), -_SQRT_PI_2))


def _log_phi(x: Any) -> Any:
    """The log of the standard normal density, ``-x^2/2 - log sqrt(2 pi)``."""
    return sub(mul(mul(x, x), -0.5), _LOG_SQRT_2PI)


ndtr_p = _unary("ndtr", _keep_dtype(sc.ndtr), lambda ans, x: exp(_log_phi(x)))
log_ndtr_p = _unary("log_ndtr", _keep_dtype(sc.log_ndtr),
                    lambda ans, x: exp(sub(_log_phi(x), ans)))
ndtri_p = _unary("ndtri", _keep_dtype(sc.ndtri),
                 lambda ans, x: mul(exp(mul(mul(ans, ans), 0.5)), _SQRT_2PI))


def expit(x: Any) -> Any:
    """``expit_p`` applied to ``x``."""
    return bind(expit_p, x)


expit_p = _unary("expit", _keep_dtype(sc.expit), lambda ans, x: mul(ans, sub(1, ans)))
log_expit_p = _unary("log_expit", _keep_dtype(sc.log_expit), lambda ans, x: expit(neg(x)))


# ============================================================================ Bessel functions

def i0(x: Any) -> Any:
    """``i0_p`` applied to ``x``."""
    return bind(i0_p, x)


def i1(x: Any) -> Any:
    """``i1_p`` applied to ``x``."""
    return bind(i1_p, x)


def i0e(x: Any) -> Any:
    """``i0e_p`` applied to ``x``."""
    return bind(i0e_p, x)


def i1e(x: Any) -> Any:
    """``i1e_p`` applied to ``x``."""
    return bind(i1e_p, x)


def _i1_slope(ans, x):
    """``I0(x) - I1(x)/x``, 1/2 at 0."""
    zero = is_zero(x)
    return safe_where(zero, sub(i0(x), div(ans, safe_where(zero, x))), 0.5)


def _i1e_slope(ans, x):
    """``I0e(x) - I1e(x) (sign(x) + 1/x)``, 1/2 at 0."""
    zero = is_zero(x)
    slope = sub(i0e(x), mul(ans, add(div(1, safe_where(zero, x)), sign_of(x))))
    return safe_where(zero, slope, 0.5)


i0_p = _unary("i0", _keep_dtype(sc.i0), lambda ans, x: i1(x))
i1_p = _unary("i1", _keep_dtype(sc.i1), _i1_slope)
i0e_p = _unary("i0e", _keep_dtype(sc.i0e), lambda ans, x: sub(i1e(x), mul(ans, sign_of(x))))
i1e_p = _unary("i1e", _keep_dtype(sc.i1e), _i1e_slope)


# ============================================================================ x log y

def _x_over(x: Any, y: Any) -> Any:
    """``x / y``, 0 where ``x == y == 0`` (the function is identically 0 along ``x == 0``)."""
    both = both_zero(x, y)
    return _zero_where(both, div(x, safe_where(both, y)))


def _quiet(contribution: Callable) -> Callable:
    """``contribution`` with NumPy's divide/invalid warnings off: outside the domain
    (``log`` of 0 or of a negative number) the derivative is SciPy's inf or NaN."""
    def rule(*args, **params):
        with np.errstate(divide="ignore", invalid="ignore"):
            return contribution(*args, **params)
    return rule


xlogy_p = elementwise_primitive("xlogy", _keep_dtype(sc.xlogy))
defjvp(xlogy_p, _quiet(lambda t, ans, x, y: mul(t, log(y))),
       _quiet(lambda t, ans, x, y: mul(t, _x_over(x, y))))
xlog1py_p = elementwise_primitive("xlog1py", _keep_dtype(sc.xlog1py))
defjvp(xlog1py_p, _quiet(lambda t, ans, x, y: mul(t, bind(log1p_p, y))),
       _quiet(lambda t, ans, x, y: mul(t, _x_over(x, add(y, 1)))))
rel_entr_p = elementwise_primitive("rel_entr", _keep_dtype(sc.rel_entr))
defjvp(rel_entr_p, _quiet(lambda t, ans, x, y: mul(t, add(log(div(x, y)), 1))),
       _quiet(lambda t, ans, x, y: neg(mul(t, _x_over(x, y)))))


# ======================================================================= incomplete gamma, beta

def _weak(v: Any) -> Any:
    """A float64 NumPy scalar (a term of constant shape parameters) as a Python float,
    which NumPy treats as weakly typed: float32 operands stay float32."""
    return float(v) if type(v) is np.float64 else v


def _gammainc_slope(a, x):
    """The density ``exp(-x + (a-1) log x - gammaln a)`` of the regularized gammainc."""
    log_density = sub(bind(xlogy_p, _weak(sub(a, 1)), x), x)
    return exp(sub(log_density, _weak(bind(gammaln_p, a))))


def _betainc_slope(a, b, x):
    """``x^(a-1) (1-x)^(b-1) / B(a, b)``, as the exp of its log."""
    log_density = add(bind(xlogy_p, _weak(sub(a, 1)), x),
                      bind(xlog1py_p, _weak(sub(b, 1)), neg(x)))
    return exp(sub(log_density, _weak(bind(betaln_p, a, b))))


def _t_density(df, t):
    """Student's t density with ``df`` degrees of freedom at ``t``."""
    half = _weak(mul(add(df, 1), 0.5))
    log_c = _weak(sub(sub(bind(gammaln_p, half), bind(gammaln_p, mul(df, 0.5))),
                      mul(log(mul(df, np.pi)), 0.5)))
    return exp(sub(log_c, mul(half, bind(log1p_p, div(mul(t, t), df)))))


def _no_second(fn: str, arg: str) -> Callable:
    """The contribution of a shape parameter ``arg`` to the derivative of a shape
    derivative of ``fn``: not implemented."""
    return _no_derivative(
        fn, arg, f"the second derivative of {fn} in its shape parameters (a tangent on "
        f"{arg!r} of its first derivative in a shape parameter) is not implemented")


def _log_over(x: Any) -> Any:
    """``log x``, quiet at 0 (where the density it multiplies is 0 or the point is outside
    the domain)."""
    return _quiet(lambda: log(x))()


gammainc_da_p = elementwise_primitive("gammainc_da", _keep_dtype(incomplete.gammainc_da))
defjvp(gammainc_da_p, _no_second("gammainc", "a"),
       lambda t, ans, a, x: mul(t, mul(_gammainc_slope(a, x), sub(_log_over(x), digamma(a)))))


def _betainc_slope_da(a, b, x):
    """``d/da`` of the density of betainc: the density times
    ``log x - psi(a) + psi(a+b)``."""
    return mul(_betainc_slope(a, b, x), add(sub(_log_over(x), digamma(a)), digamma(add(a, b))))


def _betainc_slope_db(a, b, x):
    """``d/db`` of the density of betainc: the density times
    ``log(1-x) - psi(b) + psi(a+b)``."""
    log_xc = _quiet(lambda: bind(log1p_p, neg(x)))()
    return mul(_betainc_slope(a, b, x), add(sub(log_xc, digamma(b)), digamma(add(a, b))))


betainc_da_p = elementwise_primitive("betainc_da", _keep_dtype(incomplete.betainc_da))
defjvp(betainc_da_p, _no_second("betainc", "a"), _no_second("betainc", "b"),
       lambda t, ans, a, b, x: mul(t, _betainc_slope_da(a, b, x)))
betainc_db_p = elementwise_primitive("betainc_db", _keep_dtype(incomplete.betainc_db))
defjvp(betainc_db_p, _no_second("betainc", "a"), _no_second("betainc", "b"),
       lambda t, ans, a, b, x: mul(t, _betainc_slope_db(a, b, x)))


def _t_density_ddf(df, t):
    """``d/ddf`` of Student's t density at ``t``: the density times
    ``(psi((df+1)/2) - psi(df/2))/2 - 1/(2 df) - log1p(t^2/df)/2
    + (df+1) t^2 / (2 df (df+t^2))``."""
    u = div(mul(t, t), df)
    dlog = add(sub(mul(sub(digamma(mul(add(df, 1), 0.5)), digamma(mul(df, 0.5))), 0.5),
                   div(0.5, df)),
               sub(div(mul(div(add(df, 1), mul(df, 2)), u), add(u, 1)),
                   mul(bind(log1p_p, u), 0.5)))
    return mul(_t_density(df, t), dlog)


stdtr_ddf_p = elementwise_primitive("stdtr_ddf", _keep_dtype(incomplete.stdtr_ddf))
defjvp(stdtr_ddf_p, _no_second("stdtr", "df"),
       lambda t, ans, df, x: mul(t, _t_density_ddf(df, x)))

gammainc_p = elementwise_primitive("gammainc", _keep_dtype(sc.gammainc))
defjvp(gammainc_p, lambda t, ans, a, x: mul(t, bind(gammainc_da_p, a, x)),
       lambda t, ans, a, x: mul(t, _gammainc_slope(a, x)))
gammaincc_p = elementwise_primitive("gammaincc", _keep_dtype(sc.gammaincc))
defjvp(gammaincc_p, lambda t, ans, a, x: neg(mul(t, bind(gammainc_da_p, a, x))),
       lambda t, ans, a, x: neg(mul(t, _gammainc_slope(a, x))))
betainc_p = elementwise_primitive("betainc", _keep_dtype(sc.betainc))
defjvp(betainc_p, lambda t, ans, a, b, x: mul(t, bind(betainc_da_p, a, b, x)),
       lambda t, ans, a, b, x: mul(t, bind(betainc_db_p, a, b, x)),
       lambda t, ans, a, b, x: mul(t, _betainc_slope(a, b, x)))
betaincc_p = elementwise_primitive("betaincc", _keep_dtype(sc.betaincc))
defjvp(betaincc_p, lambda t, ans, a, b, x: neg(mul(t, bind(betainc_da_p, a, b, x))),
       lambda t, ans, a, b, x: neg(mul(t, bind(betainc_db_p, a, b, x))),
       lambda t, ans, a, b, x: neg(mul(t, _betainc_slope(a, b, x))))
stdtr_p = elementwise_primitive("stdtr", _keep_dtype(sc.stdtr))
defjvp(stdtr_p, lambda t, ans, df, x: mul(t, bind(stdtr_ddf_p, df, x)),
       lambda t, ans, df, x: mul(t, _t_density(df, x)))
