r"""Derivatives of the regularized incomplete gamma and beta functions in their shape
parameters, computed with NumPy (no tracing): the numerics behind the shape-derivative
primitives of :mod:`linad.primitives.special`.

Every formula is a sum of terms of one sign, so the result keeps full relative
precision (no cancellation, in particular not ``1 - P`` where ``P`` is close to 1).

Incomplete gamma, :math:`\partial_a P(a, x)` (Moore 1982, AS 187, rearranged)
=============================================================================

* :math:`x < e^{\psi(a+1)}` (about ``a + 1/2``): the series
  :math:`P = \sum_n T_n`, :math:`T_n = x^{a+n}e^{-x}/\Gamma(a+n+1)`, differentiated
  term by term, :math:`\partial_a P = \sum_n T_n\,(\log x - \psi(a+n+1))`; every
  factor is negative.
* otherwise the complement, from Legendre's continued fraction
  :math:`Q = x^a e^{-x}/\Gamma(a)\cdot F(a, x)`:
  :math:`\partial_a Q = (\log x - \psi(a))\,Q + x^a e^{-x}/\Gamma(a)\,\partial_a F`,
  two positive terms, and :math:`\partial_a P = -\partial_a Q`.

Incomplete beta, :math:`\partial_a I_x(a, b)`
=============================================

With :math:`K = x^a(1-x)^b/(a\,B(a, b))` and the positive series
:math:`I_x(a, b) = \sum_n T_n`, :math:`T_n = K\,x^n (a+b)_n/(a+1)_n`:

* the first parameter, term by term:
  :math:`\partial_a I = \sum_n T_n\,(\log x + \psi(a+b+n) - \psi(a+1+n))`, every factor
  negative when :math:`x < e^{\psi(a+1) - \psi(a+b)}` (any ``x`` when ``b <= 1``);
* the second parameter:
  :math:`\partial_b I = (\log(1-x) + \psi(a+b) - \psi(b))\,I + \sum_n T_n \sum_{k<n}
  1/(a+b+k)`, two positive terms when :math:`\log(1-x) > \psi(b) - \psi(a+b)`.

:math:`\partial_a I_x(a, b)` is the first formula at ``(a, b, x)`` or minus the second at
``(b, a, 1-x)`` (:math:`I_x(a, b) = 1 - I_{1-x}(b, a)`): at least one of the two is of one
sign at every ``x``, and where both are the one whose series converges faster is taken
(``x`` below or above ``(a+1)/(a+b+2)``).  :math:`\partial_b I_x(a, b) = -\partial_b
I_{1-x}(b, a)` is the same computation with the roles swapped.  ``x`` and ``1 - x`` are
carried together (with their logarithms) so that neither loses digits.

Where a series or the continued fraction has not converged after ``_MAX_TERMS`` terms (``a``
much larger than ``b`` with ``x`` close to 1, say) the same one-signed formulas are
integrated with ``scipy.integrate.quad``, whose ``alg-loga`` weight handles the endpoint
singularities exactly.

Accuracy: about 1e-13 relative against 50-digit references for shape parameters in
[0.05, 1000]; the factor ``x^a e^{-x}/Gamma(a)`` is computed as the exp of its log, so
the relative accuracy degrades like ``1e-16 a log(x)`` for larger shapes.
"""
from __future__ import annotations

import numpy as np
import scipy.integrate as si
import scipy.special as sc

__all__ = ["gammainc_da", "betainc_da", "betainc_db", "stdtr_ddf"]

_MAX_TERMS = 4000
_TOL = 1e-17


def _float_arrays(*args):
    """The operands as broadcast float64 arrays (copies, safe to write)."""
    return [np.array(a, dtype=np.float64) for a in np.broadcast_arrays(*args)]


# ============================================================================ incomplete gamma

def _gamma_series_da(a, x):
    """``d/da P(a, x)`` by the term-by-term differentiated series (``x < exp(psi(a+1))``);
    NaN where not converged."""
    term = np.exp(a * np.log(x) - x - sc.gammaln(a + 1))
    psi = sc.digamma(a + 1)
    total = term * (np.log(x) - psi)
    done = term == 0
    for n in range(1, _MAX_TERMS):
        active = ~done
        if not active.any():
            break
        term = np.where(active, term * x / (a + n), term)
        psi = psi + 1 / (a + n)
        step = term * (np.log(x) - psi)
        total = np.where(active, total + step, total)
        done |= np.abs(step) <= _TOL * np.abs(total)
    return np.where(done, total, np.nan)


def _legendre_cf_da(a, x):
    """Legendre's continued fraction ``F`` of ``Gamma(a, x) e^x x^-a`` and ``dF/da``, by the
    forward recurrence of its convergents and their derivatives; NaN where not converged."""
    ap, bp, dap, dbp = np.ones_like(x), np.zeros_like(x), np.zeros_like(x), np.zeros_like(x)
    an, bn = np.zeros_like(x), np.ones_like(x)
    dan, dbn = np.zeros_like(x), np.zeros_like(x)
    f, df = np.zeros_like(x), np.zeros_like(x)
    done = np.zeros(x.shape, bool)
    for n in range(1, _MAX_TERMS):
        alpha, dalpha = (1.0, 0.0) if n == 1 else (-(n - 1) * (n - 1 - a), float(n - 1))
        beta = x + 2 * n - 1 - a
        a_new = beta * an + alpha * ap
        b_new = beta * bn + alpha * bp
        da_new = -an + beta * dan + dalpha * ap + alpha * dap
        db_new = -bn + beta * dbn + dalpha * bp + alpha * dbp
        scale = np.where(b_new == 0, 1.0, b_new)
        ap, bp, dap, dbp = an / scale, bn / scale, dan / scale, dbn / scale
        an, bn, dan, dbn = a_new / scale, b_new / scale, da_new / scale, db_new / scale
        f_new = an / bn
        df_new = (dan - f_new * dbn) / bn
        conv = ((np.abs(f_new - f) <= 1e-16 * np.abs(f_new))
                & (np.abs(df_new - df) <= 1e-16 * np.abs(df_new)))
        f, df = np.where(done, f, f_new), np.where(done, df, df_new)
        done |= conv
        if done.all():
            break
    return np.where(done, f, np.nan), np.where(done, df, np.nan)


def _gammaincc_da_cf(a, x):
    """``d/da Q(a, x)`` by the continued fraction (``x >= exp(psi(a+1))``)."""
    _, df = _legendre_cf_da(a, x)
    prefactor = np.exp(a * np.log(x) - x - sc.gammaln(a))
    return (np.log(x) - sc.digamma(a)) * sc.gammaincc(a, x) + prefactor * df


def _gammaincc_da_quad(a, x):
    """``d/da Q(a, x)`` for one point, the integral of the continued fraction's term by
    quadrature: ``(1/Gamma(a)) int_x^inf log(t/x) t^(a-1) e^-t dt`` with ``t = x (1+u)``."""
    log_scale = a * np.log(x) - x - sc.gammaln(a)

    def integrand(u):
        return np.log1p(u) * np.exp((a - 1) * np.log1p(u) - x * u + log_scale)
    tail = si.quad(integrand, 0, np.inf, epsabs=0, epsrel=1e-13, limit=200)[0]
    return (np.log(x) - sc.digamma(a)) * sc.gammaincc(a, x) + tail


def _gammainc_da_quad(a, x):
    """``d/da P(a, x)`` for one point: ``(log x - psi(a)) P - (1/Gamma(a)) int_0^x log(x/t)
    t^(a-1) e^-t dt`` (two negative terms for ``x < exp(psi(a))``), else ``-d/da Q``."""
    if np.log(x) >= sc.digamma(a):
        return -_gammaincc_da_quad(a, x)
    log_scale = a * np.log(x) - sc.gammaln(a)
    head = si.quad(lambda u: np.exp(log_scale - x * u), 0, 1, weight="alg-loga",
                   wvar=(a - 1, 0), epsabs=0, epsrel=1e-13, limit=200)[0]
    return (np.log(x) - sc.digamma(a)) * sc.gammainc(a, x) + head


def _fill_unconverged(out, valid, fallback, *args):
    """``out`` with its NaN entries where ``valid`` computed one by one by ``fallback``."""
    redo = np.isnan(out) & valid
    for idx in np.ndindex(redo.shape):
        if redo[idx]:
            out[idx] = fallback(*(float(v[idx]) for v in args))
    return out


def gammainc_da(a, x):
    """``d/da gammainc(a, x)`` (``d/da gammaincc`` is its negative), NumPy float64.

    NaN outside the domain ``a > 0, x >= 0``; 0 at ``x == 0`` and ``x == inf``.

    Examples
    --------
    >>> import numpy as np, scipy.special as sc
    >>> x = 2.0  # at a = 1: -e^-x (log x + euler_gamma) - E1(x)
    >>> bool(np.isclose(gammainc_da(1.0, x), -np.exp(-x) * (np.log(x) + np.euler_gamma)
    ...                                      - sc.exp1(x), rtol=1e-14))
    True
    """
    a, x = _float_arrays(a, x)
    out = np.full(a.shape, np.nan)
    valid = (a > 0) & (x >= 0)
    out[valid & ((x == 0) | (x == np.inf))] = 0.0
    inner = valid & (x > 0) & (x < np.inf)
    lower = inner & (np.log(np.where(inner, x, 1.0)) < sc.digamma(a + 1))
    upper = inner & ~lower
    with np.errstate(all="ignore"):
        out[lower] = _gamma_series_da(a[lower], x[lower])
        out[upper] = -_gammaincc_da_cf(a[upper], x[upper])
        out = _fill_unconverged(out, inner, _gammainc_da_quad, a, x)
    return out[()]


# ============================================================================ incomplete beta

def _beta_series(p, q, y, log_y, log_yc):
    """Terms of the positive series of ``I_y(p, q)``: yields ``(n, T_n)`` (arrays)."""
    term = np.exp(p * log_y + q * log_yc - np.log(p) - sc.betaln(p, q))
    yield 0, term
    for n in range(1, _MAX_TERMS):
        term = term * y * (p + q + n - 1) / (p + n)
        yield n, term


def _beta_series_dp(p, q, y, log_y, log_yc):
    """``d/dp I_y(p, q)`` term by term (every term negative where
    ``y < exp(psi(p+1) - psi(p+q))``); NaN where not converged."""
    diff = sc.digamma(p + q) - sc.digamma(p + 1)
    total = np.zeros_like(y)
    done = np.zeros(y.shape, bool)
    for n, term in _beta_series(p, q, y, log_y, log_yc):
        if n:
            diff = diff + 1 / (p + q + n - 1) - 1 / (p + n)
        step = term * (log_y + diff)
        total = np.where(done, total, total + step)
        done |= (np.abs(step) <= _TOL * np.abs(total)) & (n > 0) | (term == 0)
        if done.all():
            break
    return np.where(done, total, np.nan)


def _beta_series_dq(p, q, y, log_y, log_yc):
    """``d/dq I_y(p, q)`` as ``(log(1-y) + psi(p+q) - psi(q)) I + sum_n T_n sum_{k<n}
    1/(p+q+k)`` (two positive terms where ``log(1-y) > psi(q) - psi(p+q)``); NaN where not
    converged."""
    value, tail, harmonic = np.zeros_like(y), np.zeros_like(y), np.zeros_like(y)
    done = np.zeros(y.shape, bool)
    for n, term in _beta_series(p, q, y, log_y, log_yc):
        if n:
            harmonic = harmonic + 1 / (p + q + n - 1)
        value = np.where(done, value, value + term)
        tail = np.where(done, tail, tail + term * harmonic)
        done |= ((term <= _TOL * value) & (term * harmonic <= _TOL * tail) & (n > 0)
                 | (term == 0))
        if done.all():
            break
    total = (log_yc + sc.digamma(p + q) - sc.digamma(q)) * value + tail
    return np.where(done, total, np.nan)


def _use_first_series(a, b, x, log_x):
    """Where ``d/da I_x(a, b)`` is taken from the first-parameter series at ``(a, b, x)``
    rather than from the second-parameter one at ``(b, a, 1-x)``."""
    first_ok = (b <= 1) | (log_x < sc.digamma(a + 1) - sc.digamma(a + b))
    second_ok = log_x > sc.digamma(a) - sc.digamma(a + b)
    faster = x < (a + 1) / (a + b + 2)
    return first_ok & (faster | ~second_ok)


def _betainc_da_series(a, b, x, xc, log_x, log_xc):
    """``d/da I_x(a, b)`` (``xc = 1 - x``, both logs given) by the one-signed series."""
    out = np.empty_like(x)
    first = _use_first_series(a, b, x, log_x)
    out[first] = _beta_series_dp(a[first], b[first], x[first], log_x[first], log_xc[first])
    s = ~first
    out[s] = -_beta_series_dq(b[s], a[s], xc[s], log_xc[s], log_x[s])
    return out


def _betainc_da_quad(a, b, x, xc):
    """``d/da I_x(a, b)`` for one point by quadrature of the one-signed formulas:
    ``(log x - psi(a) + psi(a+b)) I - (1/B) int_0^x log(x/t) t^(a-1) (1-t)^(b-1) dt``
    below ``exp(psi(a) - psi(a+b))``, the complement above."""
    log_x, log_xc = np.log(x), np.log(xc)
    shift = log_x - sc.digamma(a) + sc.digamma(a + b)
    if shift < 0:  # t = x u
        log_scale = a * log_x - sc.betaln(a, b)
        head = si.quad(lambda u: np.exp(log_scale + (b - 1) * np.log1p(-x * u)), 0, 1,
                       weight="alg-loga", wvar=(a - 1, 0), epsabs=0, epsrel=1e-13,
                       limit=200)[0]
        return shift * sc.betainc(a, b, x) + head
    log_scale = b * log_xc - sc.betaln(a, b)  # t = 1 - (1-x) v

    def integrand(v):
        t = 1 - xc * v
        return np.log1p(xc * (1 - v) / x) * np.exp((a - 1) * np.log(t) + log_scale)
    tail = si.quad(integrand, 0, 1, weight="alg", wvar=(b - 1, 0), epsabs=0, epsrel=1e-13,
                   limit=200)[0]
    return -(shift * sc.betaincc(a, b, x) + tail)


def _betainc_shape(a, b, x, xc, swap):
    """``d/da I_x(a, b)`` (``swap=False``) or ``d/db`` (``swap=True``), with ``xc = 1 - x``
    given exactly; NaN outside ``a, b > 0, 0 <= x <= 1``, 0 at ``x`` = 0 or 1."""
    a, b, x, xc = _float_arrays(a, b, x, xc)
    if swap:  # d/db I_x(a, b) = -d/db I_{1-x}(b, a)
        return -_betainc_shape(b, a, xc, x, False)
    out = np.full(a.shape, np.nan)
    valid = (a > 0) & (b > 0) & (x >= 0) & (xc >= 0)
    out[valid & ((x == 0) | (xc == 0))] = 0.0
    inner = valid & (x > 0) & (xc > 0)
    with np.errstate(all="ignore"):
        xi, xci = x[inner], xc[inner]
        out[inner] = _betainc_da_series(a[inner], b[inner], xi, xci, np.log(xi), np.log(xci))
        out = _fill_unconverged(out, inner, _betainc_da_quad, a, b, x, xc)
    return out


def _complement(x):
    """``1 - x`` (float64 array)."""
    return 1 - np.asarray(x, dtype=np.float64)


def betainc_da(a, b, x):
    """``d/da betainc(a, b, x)`` (``d/da betaincc`` is its negative), NumPy float64.

    Examples
    --------
    >>> import numpy as np
    >>> bool(np.isclose(betainc_da(1.0, 1.0, 0.3), 0.3 * np.log(0.3)))  # I_x(a, 1) = x^a
    True
    """
    return _betainc_shape(a, b, x, _complement(x), False)[()]


def betainc_db(a, b, x):
    """``d/db betainc(a, b, x)`` (``d/db betaincc`` is its negative), NumPy float64.

    Examples
    --------
    >>> import numpy as np
    >>> bool(np.isclose(betainc_db(1.0, 1.0, 0.3), -0.7 * np.log(0.7)))  # 1 - (1-x)^b
    True
    """
    return _betainc_shape(a, b, x, _complement(x), True)[()]


# ============================================================================ Student's t

def _t_log_density(df, s):
    """The log of Student's t density with ``df`` degrees of freedom at ``s``."""
    return (sc.gammaln((df + 1) / 2) - sc.gammaln(df / 2) - 0.5 * np.log(df * np.pi)
            - (df + 1) / 2 * np.log1p(s * s / df))


def _t_log_density_ddf_at_zero(df):
    """``(psi((df+1)/2) - psi(df/2))/2 - 1/(2 df)``, by its asymptotic series (Boole's
    summation of ``sum_k (-1)^k/(df+k)``) for ``df >= 50``, where the difference of the
    digammas would lose digits."""
    if df < 50:
        return 0.5 * (sc.digamma((df + 1) / 2) - sc.digamma(df / 2)) - 0.5 / df
    r = 1 / (df * df)
    return r * (0.25 + r * (-0.125 + r * (0.25 + r * (-17 / 16 + r * 31 / 4))))


def _t_log_density_ddf(df, s):
    """``d/ddf`` of :func:`_t_log_density` (one point): positive near 0, negative in the
    tails."""
    u = s * s / df
    return (_t_log_density_ddf_at_zero(df) + 0.5 * (u / (1 + u) - np.log1p(u))
            + u / (2 * df * (1 + u)))


def _stdtr_ddf_quad(df, t):
    """``d/ddf stdtr(df, t)`` for one point by quadrature of a one-signed integrand:
    ``int_-inf^-|t| f g`` where ``g = d log f/ddf < 0`` at ``-|t|``, else
    ``-int_-|t|^0 f g`` (``g > 0`` there), and the symmetry ``F(t) = 1 - F(-t)``."""
    def integrand(s):
        return np.exp(_t_log_density(df, s)) * _t_log_density_ddf(df, s)
    tau = -abs(t)
    if _t_log_density_ddf(df, tau) < 0:
        left = si.quad(integrand, -np.inf, tau, epsabs=0, epsrel=1e-13, limit=200)[0]
    else:
        left = -si.quad(integrand, tau, 0, epsabs=0, epsrel=1e-13, limit=200)[0]
    return -left if t > 0 else left


def stdtr_ddf(df, t):
    """``d/ddf stdtr(df, t)``, NumPy float64.

    From ``stdtr(df, t) = 1 - I_x(df/2, 1/2)/2`` for ``t > 0``, ``x = df/(df+t^2)`` (and
    the symmetry in ``t``): a shape and an ``x`` term of opposite signs.  Where they
    cancel by more than a factor 30 (large ``df``), the derivative is the
    one-signed integral of the density's derivative (:func:`_stdtr_ddf_quad`).

    Examples
    --------
    >>> import numpy as np
    >>> float(stdtr_ddf(3.0, 0.0)) == 0  # stdtr(df, 0) = 1/2 for every df
    True
    """
    df, t = _float_arrays(df, t)
    with np.errstate(all="ignore"):
        t2 = t * t
        x = np.where(np.isinf(t), 0.0, df / (df + t2))
        xc = np.where(np.isinf(t), 1.0, t2 / (df + t2))
        shape = 0.5 * _betainc_shape(df / 2, 0.5, x, xc, False)
        log_density = ((df / 2 - 1) * np.log(x) - 0.5 * np.log(xc) - sc.betaln(df / 2, 0.5))
        scale = np.exp(log_density + np.log(xc) - np.log(df + t2))  # dI/dx * dx/ddf
        scale = np.where(xc == 0, 0.0, scale)
        out = -np.sign(t) * 0.5 * (shape + scale)
        cancelled = np.abs(shape + scale) * 30 < np.abs(shape) + np.abs(scale)
        out = np.where(cancelled, np.nan, out)
        out = _fill_unconverged(out, (df > 0) & np.isfinite(t), _stdtr_ddf_quad, df, t)
    return np.where(df > 0, out, np.nan)[()]
