r"""``linad.scipy.stats``: differentiable log-densities and distribution functions.

The objects ``norm``, ``t``, ``gamma``, ``beta``, ``expon``, ``poisson``,
``bernoulli`` and ``multivariate_normal`` take ``scipy.stats``'s arguments (the
data first, then the shape parameters, then ``loc`` and ``scale``) and return
its values: ``-inf`` log-densities and 0/1 probabilities outside the support,
NaN for invalid parameters (``scale <= 0``, ``df <= 0``, ``p`` outside [0, 1] ...).

Derivatives flow to the data and to every continuous parameter, with these
exceptions, each of which raises instead of giving a silent wrong derivative:

* the CDFs of ``gamma``, ``beta`` and ``t`` (``cdf``, ``sf``, ``logcdf``,
  ``logsf``) are differentiable in ``x``, ``loc`` and ``scale`` but not in the
  shape parameter (``a``, ``b``, ``df``): that needs the derivative of the
  incomplete gamma / beta function in its parameter, which is not implemented;
  a tangent on it raises ``NotImplementedError``;
* the count ``k`` of ``poisson`` and ``bernoulli`` (and their ``loc``) is
  discrete: a traced ``k`` raises ``TypeError``.

Outside the support the value is a constant (``-inf``, 0 or 1) and its
derivative is 0.

Every function can be staged by ``linad.jit``: the masks of the support and of
the invalid parameters are computed from the values of each call (staged, so
recomputed whenever the compiled function is called), and the checks that need
values only for their shapes read shapes, which are static.  Under ``jit`` a
count ``k`` that is an argument of the compiled function is allowed (it is
staged, not differentiated); a ``k`` being differentiated still raises.

Examples
--------
>>> import numpy as np, linad
>>> from linad.scipy import stats
>>> float(linad.grad(stats.norm.logpdf, argnums=1)(1.0, 0.0, 2.0))  # (x - mu) / sigma^2
0.25
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..core import real_dtype
from ..numpy import _core as C
from ..numpy import diagonal
from ..numpy import linalg as NLA
from ..numpy._core import _asarray_if_needed
from ..numpy._elementwise import exp, expm1, log, log1p
from ..primitives import linear as L
from ..primitives.elementwise import may_hold, on_values
from ..primitives.linalg import carries_derivative
from . import linalg as SLA
from . import special as sp
from .special import fill_where

__all__ = ["norm", "t", "gamma", "beta", "expon", "poisson", "bernoulli",
           "multivariate_normal"]

_LOG_SQRT_2PI = 0.5 * math.log(2 * math.pi)


# ============================================================================ helpers

def _log(x: Any) -> Any:
    """``log(x)``; a Python number stays a (weak) Python float, so float32 stays float32."""
    if isinstance(x, (int, float)):
        return math.log(x) if x > 0 else math.nan
    return log(x)


def _shape(x: Any) -> tuple:
    """The shape of ``x`` (an array, a tracer, a Python number or a list): static under jit."""
    shape = getattr(x, "shape", None)
    return tuple(shape) if shape is not None else np.shape(x)


class _Args:
    """The operands of one call and their common (broadcast) shape."""

    def __init__(self, *args: Any):
        self.args = [a if isinstance(a, (int, float)) else _asarray_if_needed(a) for a in args]
        self.shape = np.broadcast_shapes(*(_shape(a) for a in self.args))


# ============================================================================ continuous

class _Continuous:
    """A location-scale family: ``f(x) = f_0((x - loc) / scale) / scale``.

    Subclasses give the standardized functions (``_logpdf``, ``_cdf``, ...) of
    ``z`` and the shape parameters, the support ``[_lower, _upper]``, a point
    ``_inside`` of it (substituted outside the support, so that no rule sees an
    invalid value) and ``_valid_shapes``.
    """

    name = ""
    shapes: tuple = ()
    _lower, _upper, _inside = -np.inf, np.inf, 0.0

    def _valid_shapes(self, *shapes: np.ndarray) -> Any:
        return True

    def _parameters(self, args: tuple, loc: Any, scale: Any) -> tuple:
        """``(shapes, loc, scale)`` from SciPy's ``(*shapes, loc=0, scale=1)`` arguments."""
        n = len(self.shapes)
        if not n <= len(args) <= n + 2:
            raise TypeError(f"{self.name}: expected the arguments ({', '.join(self.shapes)}"
                            f"{', ' if n else ''}loc=0, scale=1) after x, got {len(args)} "
                            "positional values")
        rest = list(args[n:]) + [None] * (n + 2 - len(args))
        for i, (given, kw) in enumerate(zip(rest, (loc, scale))):
            if given is not None and kw is not None:
                raise TypeError(f"{self.name}: {('loc', 'scale')[i]} given twice")
        loc = rest[0] if rest[0] is not None else loc
        scale = rest[1] if rest[1] is not None else scale
        return args[:n], 0.0 if loc is None else loc, 1.0 if scale is None else scale

    def _masks(self, x: Any, loc: Any, scale: Any, *shapes: Any) -> tuple:
        """NumPy on the values of one call: ``(below, above, invalid, bad_scale, bad_shapes)``.

        ``below``/``above``: ``x`` outside the support (valid parameters only);
        ``invalid``: ``scale <= 0`` or invalid shape parameters; ``bad_scale`` has
        the shape of ``scale``, the others the broadcast shape of the call.
        """
        shape = np.broadcast_shapes(*(np.shape(v) for v in (x, loc, scale, *shapes)))
        scale = np.asarray(scale)
        bad_scale = scale <= 0
        bad_shapes = np.broadcast_to(~np.asarray(self._valid_shapes(*shapes), bool), shape)
        invalid = np.broadcast_to(bad_scale, shape) | bad_shapes
        z = (np.asarray(x) - loc) / np.where(scale > 0, scale, 1.0)
        below = np.broadcast_to(z < self._lower, shape) & ~invalid
        above = np.broadcast_to(z > self._upper, shape) & ~invalid
        return below, above, invalid, bad_scale, bad_shapes

    def _prepare(self, x: Any, args: tuple, loc: Any, scale: Any):
        """``(z, shapes, scale, below_support, above_support, invalid)``.

        The masks are concrete eagerly and staged under ``linad.jit``.
        """
        shapes, loc, scale = self._parameters(args, loc, scale)
        a = _Args(x, loc, scale, *shapes)
        x, loc, scale, *shapes = a.args
        low, high, invalid, bad_scale, bad_shapes = on_values(self._masks, *a.args,
                                                              multiple=True)
        safe_shapes = [s if isinstance(s, (int, float)) else fill_where(bad_shapes, 1.0, s)
                       for s in shapes]
        if isinstance(scale, (int, float)):
            safe_scale = scale if scale > 0 else 1.0
        else:
            safe_scale = fill_where(bad_scale, 1.0, scale)
        z = C.divide(C.subtract(x, loc), safe_scale)
        z = fill_where(on_values(_any_of, low, high, invalid), self._inside, z)
        return z, safe_shapes, safe_scale, low, high, invalid

    def _finish(self, res: Any, low: np.ndarray, high: np.ndarray, invalid: np.ndarray,
                at_low: float, at_high: float) -> Any:
        res = fill_where(low, at_low, res)
        res = fill_where(high, at_high, res)
        return fill_where(invalid, np.nan, res)

    def logpdf(self, x: Any, *args: Any, loc: Any = None, scale: Any = None) -> Any:
        """The log of the probability density at ``x`` (``-inf`` outside the support)."""
        z, shapes, scale, low, high, invalid = self._prepare(x, args, loc, scale)
        res = C.subtract(self._logpdf(z, *shapes), _log(scale))
        return self._finish(res, low, high, invalid, -np.inf, -np.inf)

    def pdf(self, x: Any, *args: Any, loc: Any = None, scale: Any = None) -> Any:
        """The probability density at ``x``: ``exp(logpdf)``."""
        return exp(self.logpdf(x, *args, loc=loc, scale=scale))

    def cdf(self, x: Any, *args: Any, loc: Any = None, scale: Any = None) -> Any:
        """The cumulative distribution function at ``x``."""
        z, shapes, _, low, high, invalid = self._prepare(x, args, loc, scale)
        return self._finish(self._cdf(z, *shapes), low, high, invalid, 0.0, 1.0)

    def sf(self, x: Any, *args: Any, loc: Any = None, scale: Any = None) -> Any:
        """The survival function ``1 - cdf`` at ``x`` (computed without the cancellation)."""
        z, shapes, _, low, high, invalid = self._prepare(x, args, loc, scale)
        return self._finish(self._sf(z, *shapes), low, high, invalid, 1.0, 0.0)

    def logcdf(self, x: Any, *args: Any, loc: Any = None, scale: Any = None) -> Any:
        """The log of the cumulative distribution function at ``x``."""
        z, shapes, _, low, high, invalid = self._prepare(x, args, loc, scale)
        return self._finish(self._logcdf(z, *shapes), low, high, invalid, -np.inf, 0.0)

    def logsf(self, x: Any, *args: Any, loc: Any = None, scale: Any = None) -> Any:
        """The log of the survival function at ``x``."""
        z, shapes, _, low, high, invalid = self._prepare(x, args, loc, scale)
        return self._finish(self._logsf(z, *shapes), low, high, invalid, 0.0, -np.inf)

    def _logcdf(self, z: Any, *shapes: Any) -> Any:
        with np.errstate(divide="ignore"):  # log(0) = -inf where the CDF underflows
            return log(self._cdf(z, *shapes))

    def _logsf(self, z: Any, *shapes: Any) -> Any:
        with np.errstate(divide="ignore"):
            return log(self._sf(z, *shapes))


class _Invertible(_Continuous):
    """A family whose quantile function (``ppf``) is differentiable."""

    def ppf(self, q: Any, loc: Any = 0.0, scale: Any = 1.0) -> Any:
        """The quantile function (inverse of ``cdf``) at ``q``; NaN outside [0, 1]."""
        q, loc, scale = _Args(q, loc, scale).args
        invalid, at_lower, at_upper = on_values(_quantile_masks, q, loc, scale, multiple=True)
        safe_q = fill_where(on_values(_any_of, at_lower, at_upper, invalid), 0.5, q)
        res = C.add(C.multiply(self._ppf(safe_q), scale), loc)
        for bound, mask in ((self._lower, at_lower), (self._upper, at_upper)):
            if not may_hold(mask):
                continue
            if np.isfinite(bound):   # the support's end: loc + scale * bound
                end = _asarray_if_needed(C.add(C.multiply(bound, scale), loc))
                res = L.where(mask, end, res)
            else:
                res = fill_where(mask, bound, res)
        return fill_where(invalid, np.nan, res)


def _quantile_masks(q: Any, loc: Any, scale: Any) -> tuple:
    """NumPy on the values of one ``ppf`` call: ``(invalid, q == 0, q == 1)``, broadcast.

    ``invalid``: ``scale <= 0`` or ``q`` outside [0, 1] (NaN included); the two
    ends are set only where the parameters are valid.
    """
    shape = np.broadcast_shapes(np.shape(q), np.shape(loc), np.shape(scale))
    q = np.asarray(q)
    invalid = np.broadcast_to((np.asarray(scale) <= 0) | ~((q >= 0) & (q <= 1)), shape)
    return (invalid, np.broadcast_to(q == 0, shape) & ~invalid,
            np.broadcast_to(q == 1, shape) & ~invalid)


def _any_of(*masks: np.ndarray) -> np.ndarray:
    """NumPy: the union of boolean masks."""
    return np.logical_or.reduce(np.broadcast_arrays(*masks))


class _Norm(_Invertible):
    """The normal distribution (``scipy.stats.norm``): ``norm.logpdf(x, loc=0, scale=1)``.

    ``logpdf``, ``pdf``, ``cdf``, ``sf``, ``logcdf``, ``logsf`` (the last two with
    ``log_ndtr``, accurate in the tails) and ``ppf``; differentiable in every argument.

    Examples
    --------
    >>> import linad
    >>> from linad.scipy.stats import norm
    >>> float(norm.cdf(0.0, loc=0.0, scale=3.0))
    0.5
    >>> [float(g) for g in linad.grad(norm.logpdf, argnums=(0, 1, 2))(1.0, 0.0, 1.0)]
    [-1.0, 1.0, 0.0]
    """

    name = "norm"

    def _logpdf(self, z):
        return C.subtract(C.multiply(C.multiply(z, z), -0.5), _LOG_SQRT_2PI)

    def _cdf(self, z):
        return sp.ndtr(z)

    def _sf(self, z):
        return sp.ndtr(C.negative(z))

    def _logcdf(self, z):
        return sp.log_ndtr(z)

    def _logsf(self, z):
        return sp.log_ndtr(C.negative(z))

    def _ppf(self, q):
        return sp.ndtri(q)


class _Expon(_Invertible):
    """The exponential distribution (``scipy.stats.expon``): ``expon.logpdf(x, loc=0, scale=1)``.

    Support ``x >= loc``; ``logpdf``, ``pdf``, ``cdf``, ``sf``, ``logcdf``, ``logsf``
    and ``ppf``, differentiable in every argument.

    Examples
    --------
    >>> import linad
    >>> from linad.scipy.stats import expon
    >>> float(expon.logpdf(-1.0))
    -inf
    >>> float(linad.grad(expon.logpdf, argnums=2)(2.0, 0.0, 1.0))  # d/ds (-x/s - log s)
    1.0
    """

    name = "expon"
    _lower, _inside = 0.0, 1.0

    def _logpdf(self, z):
        return C.negative(z)

    def _cdf(self, z):
        return C.negative(expm1(C.negative(z)))

    def _sf(self, z):
        return exp(C.negative(z))

    def _logsf(self, z):
        return C.negative(z)

    def _ppf(self, q):
        return C.negative(log1p(C.negative(q)))


class _T(_Continuous):
    """Student's t distribution (``scipy.stats.t``): ``t.logpdf(x, df, loc=0, scale=1)``.

    ``logpdf`` and ``pdf`` are differentiable in every argument.  ``cdf``, ``sf``,
    ``logcdf``, ``logsf`` are differentiable in ``x``, ``loc`` and ``scale``; a
    tangent on ``df`` raises ``NotImplementedError``.  ``df`` must be finite.

    Examples
    --------
    >>> import numpy as np, linad
    >>> from linad.scipy.stats import t
    >>> bool(np.isclose(t.pdf(0.0, 1.0), 1 / np.pi))  # df = 1: Cauchy
    True
    >>> bool(np.isclose(linad.grad(t.cdf)(0.0, 1.0), 1 / np.pi))
    True
    """

    name = "t"
    shapes = ("df",)

    def _valid_shapes(self, df):
        return df > 0

    def _logpdf(self, z, df):
        half = C.multiply(C.add(df, 1.0), 0.5)
        res = C.subtract(sp.gammaln(half), sp.gammaln(C.multiply(df, 0.5)))
        spread = C.add(C.multiply(log(C.multiply(df, np.pi)), 0.5),
                       C.multiply(half, log1p(C.divide(C.multiply(z, z), df))))
        return C.subtract(res, spread)

    def _cdf(self, z, df):
        return sp.stdtr(df, z)

    def _sf(self, z, df):
        return sp.stdtr(df, C.negative(z))


class _Gamma(_Continuous):
    """The gamma distribution (``scipy.stats.gamma``): ``gamma.logpdf(x, a, loc=0, scale=1)``.

    Support ``x >= loc``.  ``logpdf`` and ``pdf`` are differentiable in every
    argument.  ``cdf``, ``sf``, ``logcdf``, ``logsf`` are differentiable in ``x``,
    ``loc`` and ``scale``; a tangent on the shape ``a`` raises ``NotImplementedError``.

    Examples
    --------
    >>> import numpy as np, linad
    >>> from linad.scipy.stats import gamma
    >>> bool(np.isclose(gamma.logpdf(2.0, 1.0), -2.0))  # a = 1: exponential
    True
    >>> bool(np.isclose(linad.grad(gamma.cdf)(2.0, 1.0), np.exp(-2.0)))
    True
    """

    name = "gamma"
    shapes = ("a",)
    _lower, _inside = 0.0, 1.0

    def _valid_shapes(self, a):
        return a > 0

    def _logpdf(self, z, a):
        return C.subtract(C.subtract(sp.xlogy(C.subtract(a, 1.0), z), z), sp.gammaln(a))

    def _cdf(self, z, a):
        return sp.gammainc(a, z)

    def _sf(self, z, a):
        return sp.gammaincc(a, z)


class _Beta(_Continuous):
    """The beta distribution (``scipy.stats.beta``): ``beta.logpdf(x, a, b, loc=0, scale=1)``.

    Support ``loc <= x <= loc + scale``.  ``logpdf`` and ``pdf`` are differentiable
    in every argument.  ``cdf``, ``sf``, ``logcdf``, ``logsf`` are differentiable in
    ``x``, ``loc`` and ``scale``; a tangent on ``a`` or ``b`` raises
    ``NotImplementedError``.

    Examples
    --------
    >>> import linad
    >>> from linad.scipy.stats import beta
    >>> float(beta.pdf(0.25, 2.0, 1.0))  # 2 x
    0.5
    >>> float(linad.grad(beta.cdf)(0.25, 2.0, 1.0))
    0.5
    """

    name = "beta"
    shapes = ("a", "b")
    _lower, _upper, _inside = 0.0, 1.0, 0.5

    def _valid_shapes(self, a, b):
        return (a > 0) & (b > 0)

    def _logpdf(self, z, a, b):
        res = C.add(sp.xlog1py(C.subtract(b, 1.0), C.negative(z)),
                    sp.xlogy(C.subtract(a, 1.0), z))
        return C.subtract(res, sp.betaln(a, b))

    def _cdf(self, z, a, b):
        return sp.betainc(a, b, z)

    def _sf(self, z, a, b):
        return sp.betaincc(a, b, z)


norm = _Norm()
expon = _Expon()
t = _T()
gamma = _Gamma()
beta = _Beta()


# ============================================================================ discrete

def _check_counts(k: Any, loc: Any, name: str) -> None:
    """Raise ``TypeError`` if the count ``k`` or ``loc`` is being differentiated.

    A count staged by ``linad.jit`` (an argument of the compiled function, not
    differentiated) is allowed: its value is read at every call.
    """
    if carries_derivative(k) or carries_derivative(loc):
        raise TypeError(f"{name}: the count k (and loc) is discrete and has no derivative; "
                        "pass a constant array (e.g. linad.stop_gradient(k)) and differentiate "
                        "with respect to the distribution's parameter.")


class _Discrete:
    """A distribution on the integers: ``logpmf``/``pmf`` from ``_logpmf(k, param)``."""

    name = ""
    _upper = np.inf

    def logpmf(self, k: Any, param: Any, loc: Any = 0) -> Any:
        """The log of the probability mass at ``k`` (``-inf`` off the support)."""
        _check_counts(k, loc, self.name)
        param = param if isinstance(param, (int, float)) else _asarray_if_needed(param)
        safe_k, off, invalid = on_values(self._masks, k, loc, param, multiple=True,
                                         dtype=real_dtype(param))
        safe_p = fill_where(invalid, self._safe_param, param)
        res = self._logpmf(safe_k, safe_p)
        return fill_where(invalid, np.nan, fill_where(off, -np.inf, res))

    def _masks(self, k: Any, loc: Any, param: Any, dtype: np.dtype) -> tuple:
        """NumPy on the values of one call: ``(safe_k, off, invalid)``, broadcast.

        ``safe_k``: the counts ``k - loc`` in ``dtype``, 0 where ``off`` (not a
        count of the support) or ``invalid`` (an invalid parameter).
        """
        counts = np.asarray(k) - np.asarray(loc)
        shape = np.broadcast_shapes(counts.shape, np.shape(param))
        invalid = np.broadcast_to(~self._valid(np.asarray(param)), shape)
        off = np.broadcast_to((counts < 0) | (counts > self._upper) | (counts != np.floor(counts)),
                              shape) & ~invalid
        safe_k = np.where(off | invalid, 0.0, np.broadcast_to(counts, shape))
        return safe_k.astype(dtype, copy=False), off, invalid

    def pmf(self, k: Any, param: Any, loc: Any = 0) -> Any:
        """The probability mass at ``k``: ``exp(logpmf)``."""
        return exp(self.logpmf(k, param, loc))


class _Poisson(_Discrete):
    """The Poisson distribution (``scipy.stats.poisson``): ``poisson.logpmf(k, mu, loc=0)``.

    ``logpmf = xlogy(k, mu) - gammaln(k + 1) - mu``, differentiable in ``mu``
    (``k / mu - 1``); the count ``k`` is discrete (a traced ``k`` raises ``TypeError``).

    Examples
    --------
    >>> import linad
    >>> from linad.scipy.stats import poisson
    >>> float(linad.grad(poisson.logpmf, argnums=1)(3, 2.0))  # k / mu - 1
    0.5
    """

    name = "poisson"
    _safe_param = 1.0

    def _valid(self, mu):
        return mu >= 0

    def _logpmf(self, k, mu):
        return C.subtract(C.subtract(sp.xlogy(k, mu), sp.gammaln(k + 1)), mu)

    def logpmf(self, k: Any, mu: Any, loc: Any = 0) -> Any:  # noqa: D102  (SciPy's names)
        return super().logpmf(k, mu, loc)

    def pmf(self, k: Any, mu: Any, loc: Any = 0) -> Any:  # noqa: D102
        return super().pmf(k, mu, loc)

    logpmf.__doc__ = _Discrete.logpmf.__doc__
    pmf.__doc__ = _Discrete.pmf.__doc__


class _Bernoulli(_Discrete):
    """The Bernoulli distribution (``scipy.stats.bernoulli``): ``bernoulli.logpmf(k, p, loc=0)``.

    ``logpmf = xlogy(k, p) + xlog1py(1 - k, -p)`` on ``k in {0, 1}``, differentiable
    in ``p``; the count ``k`` is discrete (a traced ``k`` raises ``TypeError``).

    Examples
    --------
    >>> import linad
    >>> from linad.scipy.stats import bernoulli
    >>> float(bernoulli.pmf(1, 0.25))
    0.25
    >>> float(linad.grad(bernoulli.logpmf, argnums=1)(1, 0.25))  # 1 / p
    4.0
    """

    name = "bernoulli"
    _upper = 1
    _safe_param = 0.5

    def _valid(self, p):
        return (p >= 0) & (p <= 1)

    def _logpmf(self, k, p):
        return C.add(sp.xlogy(k, p), sp.xlog1py(1 - k, C.negative(p)))

    def logpmf(self, k: Any, p: Any, loc: Any = 0) -> Any:  # noqa: D102  (SciPy's names)
        return super().logpmf(k, p, loc)

    def pmf(self, k: Any, p: Any, loc: Any = 0) -> Any:  # noqa: D102
        return super().pmf(k, p, loc)

    logpmf.__doc__ = _Discrete.logpmf.__doc__
    pmf.__doc__ = _Discrete.pmf.__doc__


poisson = _Poisson()
bernoulli = _Bernoulli()


# ============================================================================ multivariate normal

class _MultivariateNormal:
    """The multivariate normal (``scipy.stats.multivariate_normal``).

    ``multivariate_normal.logpdf(x, mean=None, cov=1, allow_singular=False)`` with
    ``x`` of shape ``(..., d)`` (or a scalar / 1-D array when ``d == 1``), through
    the Cholesky factor ``L`` of ``cov``: ``-|L^{-1}(x - mean)|^2 / 2 - sum(log diag L)
    - d log(2 pi) / 2``.  ``cov`` may be a scalar (``cov * I``), a 1-D diagonal or a
    ``(d, d)`` matrix, of which only the lower triangle is read (so the gradient
    in ``cov`` sits on that triangle).  Differentiable in ``x``, ``mean`` and
    ``cov``.  The result is squeezed as SciPy does.  ``allow_singular=True`` is
    not supported (``NotImplementedError``); a ``cov`` that is not positive
    definite raises ``LinAlgError`` (as SciPy does; under ``linad.jit`` the check
    is part of the compiled program and raises at every call with such a ``cov``).

    Examples
    --------
    >>> import numpy as np, linad
    >>> from linad.scipy.stats import multivariate_normal as mvn
    >>> x, cov = np.array([1.0, 2.0]), np.array([[2.0, 0.5], [0.5, 1.0]])
    >>> g = linad.grad(mvn.logpdf, argnums=1)(x, np.zeros(2), cov)
    >>> bool(np.allclose(g, np.linalg.solve(cov, x)))  # cov^{-1} (x - mean)
    True
    """

    def logpdf(self, x: Any, mean: Any = None, cov: Any = 1, allow_singular: bool = False) -> Any:
        """The log of the density at ``x`` (see the class docstring)."""
        if allow_singular:
            raise NotImplementedError("multivariate_normal: allow_singular=True is not "
                                      "supported; pass a positive definite cov")
        cov = _asarray_if_needed(cov)
        ndim_cov = len(_shape(cov))
        if ndim_cov > 2:
            raise ValueError(f"multivariate_normal: cov must be a scalar, a 1-D diagonal or a "
                             f"2-D matrix, got {ndim_cov} dimensions")
        dim = (math.prod(_shape(mean)) if mean is not None
               else 1 if ndim_cov == 0 else _shape(cov)[0])
        x = self._points(_asarray_if_needed(x), dim)
        dev = x if mean is None else C.subtract(x, L.reshape(_asarray_if_needed(mean), (dim,)))
        sq, logdet = self._whiten(dev, cov, ndim_cov, dim)
        res = C.subtract(C.multiply(sq, -0.5), C.add(logdet, dim * _LOG_SQRT_2PI))
        return L.reshape(res, tuple(n for n in _shape(res) if n != 1))

    def pdf(self, x: Any, mean: Any = None, cov: Any = 1, allow_singular: bool = False) -> Any:
        """The density at ``x``: ``exp(logpdf)``."""
        return exp(self.logpdf(x, mean, cov, allow_singular))

    @staticmethod
    def _points(x: Any, dim: int) -> Any:
        """``x`` with its points along a last axis of length ``dim`` (SciPy's reading)."""
        shape = _shape(x)
        if len(shape) == 0 or (len(shape) == 1 and dim == 1):
            x = L.reshape(x, shape + (1,) if shape else (1,))
        elif len(shape) == 1:
            x = L.reshape(x, (1,) + shape)
        if _shape(x)[-1] != dim:
            raise ValueError(f"multivariate_normal: x has {_shape(x)[-1]} components "
                             f"in its last axis but the distribution has dimension {dim}")
        return x

    @staticmethod
    def _whiten(dev: Any, cov: Any, ndim_cov: int, dim: int):
        """``(|L^{-1} dev|^2 summed over the last axis, log det(cov) / 2)``."""
        if ndim_cov < 2:
            if ndim_cov == 1 and _shape(cov)[0] != dim:
                raise ValueError(f"multivariate_normal: the diagonal cov has "
                                 f"{_shape(cov)[0]} entries, expected {dim}")
            # the check raises (at every call under jit); its mask, all False, keeps it staged
            cov = fill_where(on_values(_nonpositive_variances, cov), np.nan, cov)
            sq = C.sum(C.divide(C.multiply(dev, dev), cov), axis=-1)
            half_logdet = C.multiply(log(cov), 0.5)
            if ndim_cov == 1:
                half_logdet = C.sum(half_logdet)
            else:
                half_logdet = C.multiply(half_logdet, dim)
            return sq, half_logdet
        if _shape(cov) != (dim, dim):
            raise ValueError(f"multivariate_normal: cov has shape {_shape(cov)}, "
                             f"expected {(dim, dim)}")
        chol = NLA.cholesky(cov)
        batch = _shape(dev)[:-1]
        cols = L.reshape(dev, (math.prod(batch), dim))
        w = SLA.solve_triangular(chol, L.transpose(cols, (1, 0)), lower=True)
        sq = L.reshape(C.sum(C.multiply(w, w), axis=0), batch)
        return sq, C.sum(log(diagonal(chol)))


def _nonpositive_variances(cov: np.ndarray) -> np.ndarray:
    """NumPy: the mask ``cov <= 0`` of a diagonal covariance; raises ``LinAlgError`` if any is set.

    Examples
    --------
    >>> _nonpositive_variances(np.array([1.0, 2.0]))
    array([False, False])
    """
    bad = np.asarray(cov) <= 0
    if np.any(bad):
        raise NLA.LinAlgError("multivariate_normal: cov is not positive definite "
                              "(a diagonal entry is <= 0)")
    return bad


multivariate_normal = _MultivariateNormal()
