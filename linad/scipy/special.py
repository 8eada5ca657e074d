r"""``linad.scipy.special``: differentiable versions of SciPy's special functions.

Every function takes SciPy's arguments and returns SciPy's values (including its
``inf`` and ``nan`` outside a domain); the ones that are SciPy ufuncs are also
their handlers on traced values, so ``scipy.special.gammaln(x)`` inside a
differentiated function is ``linad.scipy.special.gammaln(x)``.

Functions with their own primitive (values from SciPy, derivative rules in
:mod:`linad.primitives.special`): ``gammaln``, ``digamma`` (``psi``),
``polygamma``, ``gamma``, ``betaln``, ``beta``, ``zeta``, ``erf``, ``erfc``,
``erfinv``, ``erfcinv``, ``ndtr``, ``log_ndtr``, ``ndtri``, ``expit``,
``log_expit``, ``i0``, ``i0e``, ``i1``, ``i1e``, ``xlogy``, ``xlog1py``,
``rel_entr``, ``gammainc``, ``gammaincc``, ``betainc``, ``betaincc``, ``stdtr``.

Compositions of those and of ``linad.numpy``: ``multigammaln``, ``logit``,
``softplus``, ``entr``, ``kl_div``, ``huber``, ``pseudo_huber``, and

* ``logsumexp``: :math:`\dot r = \sum_i \mathrm{softmax}(a)_i\,\dot a_i`
  (weighted by ``b`` when given), stabilised by subtracting the concrete
  maximum (the result, hence its derivative, does not depend on the shift);
* ``softmax``: :math:`\dot s = s \odot (\dot x - \sum_j s_j \dot x_j)`;
* ``log_softmax``: :math:`\dot x - \sum_j s_j \dot x_j`.

Arguments without a derivative raise on a tangent, never give a silent zero:
the order ``n`` of ``polygamma`` (``TypeError``) and the exponent ``x`` of
``zeta`` (``NotImplementedError``).  The shape parameters of ``gammainc``,
``gammaincc``, ``betainc``, ``betaincc``, ``stdtr`` have a first derivative (see
:mod:`linad.primitives.incomplete`); a second derivative in a shape parameter raises
``NotImplementedError``.
"""
from __future__ import annotations

import inspect
from typing import Any, Callable

import numpy as np
import scipy.special as sc

from ..core import Primitive, Tracer, bind, real_dtype, shape_of
from ..numpy import _core as C
from ..numpy._core import _asarray_if_needed
from ..numpy._dispatch import implements
from ..numpy._elementwise import absolute, exp, hypot, log, logaddexp, sign
from ..primitives import linear as L
from ..primitives import special as S
from ..primitives.discrete import elementwise, reduces
from ..primitives.elementwise import detached_value, may_hold, on_values

__all__ = [
    "logsumexp", "softmax", "log_softmax",
    "gammaln", "digamma", "psi", "polygamma", "multigammaln", "gamma", "betaln", "beta",
    "zeta", "erf", "erfc", "erfinv", "erfcinv", "ndtr", "log_ndtr", "ndtri", "expit", "logit",
    "log_expit", "softplus", "i0", "i0e", "i1", "i1e", "xlogy", "xlog1py", "entr", "rel_entr",
    "kl_div", "huber", "pseudo_huber", "gammainc", "gammaincc", "betainc", "betaincc", "stdtr",
]

_EXAMPLE_HEAD = """

    Examples
    --------
    >>> import numpy as np, linad
    >>> from linad.scipy import special
"""


def _primitive_function(sc_fn: Callable, prim: Primitive, params: str, summary: str,
                        example: str) -> Callable:
    """The linad function binding ``prim``, named and documented like ``sc_fn``.

    ``params`` are SciPy's argument names (space separated); ``example`` the
    doctest lines of the Examples section.
    """
    names = params.split()

    def fn(*args: Any) -> Any:
        if len(args) != len(names):
            raise TypeError(f"{sc_fn.__name__}({', '.join(names)}) takes {len(names)} "
                            f"arguments, got {len(args)}")
        return bind(prim, *[_asarray_if_needed(a) for a in args])
    fn.__name__ = fn.__qualname__ = prim.name
    fn.__signature__ = inspect.Signature(
        [inspect.Parameter(n, inspect.Parameter.POSITIONAL_OR_KEYWORD) for n in names])
    fn.__doc__ = summary + _EXAMPLE_HEAD + example
    if isinstance(sc_fn, np.ufunc):
        implements(sc_fn)(fn)
    return fn


def _documented(sc_fn: Callable | None, example: str) -> Callable:
    """Decorator: append the Examples section; register as ``sc_fn``'s handler if a ufunc."""
    def deco(fn: Callable) -> Callable:
        fn.__doc__ = fn.__doc__.rstrip() + _EXAMPLE_HEAD + example
        if isinstance(sc_fn, np.ufunc):
            implements(sc_fn)(fn)
        return fn
    return deco


def concrete_value(x: Any) -> np.ndarray:
    """The concrete value of ``x`` (its shape, or a check that needs a Python ``if``).

    Under ``linad.jit`` a traced ``x`` has no concrete value: this raises
    :class:`~linad.core.ConcretizationError`; masks use :func:`value_mask`.
    """
    return np.asarray(detached_value(x))


def value_mask(np_fn: Callable, *xs: Any, **params: Any) -> Any:
    """``np_fn`` (NumPy, e.g. a comparison) of the detached values of ``xs``: a mask of a
    domain, concrete eagerly and staged under ``linad.jit`` (recomputed on every call).

    Examples
    --------
    >>> value_mask(np.less, np.array([-1.0, 2.0]), 0)
    array([ True, False])
    """
    return on_values(np_fn, *[x for x in xs], **params)


def fill_where(mask: Any, value: float, x: Any) -> Any:
    """``x`` with the constant ``value`` at the ``mask`` positions (a concrete mask with
    no position set leaves ``x`` as it is; a staged one is applied on every call)."""
    if not may_hold(mask):
        return x
    return L.where(mask, np.asarray(value, real_dtype(x)), x)


@elementwise
def _broadcast_compare(d: np.ndarray, r: np.ndarray, *, compare: np.ufunc) -> np.ndarray:
    """``compare(d, 0)`` broadcast to the shape of ``d`` and ``r`` together (NumPy)."""
    return np.broadcast_to(compare(d, 0), np.broadcast_shapes(np.shape(d), np.shape(r)))


@elementwise
def _huber_inside(delta: np.ndarray, r: np.ndarray) -> np.ndarray:
    """Where the Huber loss is quadratic, ``|r| <= delta`` (NumPy)."""
    return np.abs(r) <= delta


# ============================================================================ gamma family

gammaln = _primitive_function(sc.gammaln, S.gammaln_p, "x", """\
Logarithm of the absolute value of the gamma function (``scipy.special.gammaln``).

    Derivative :math:`\\psi(x)` (``digamma``).""", """\
    >>> round(float(special.gammaln(5.0)), 10)  # log(4!)
    3.1780538303
    >>> round(float(linad.grad(special.gammaln)(1.0)), 10)  # -Euler's constant
    -0.5772156649
""")
digamma = _primitive_function(sc.digamma, S.digamma_p, "x", """\
The digamma function :math:`\\psi = (\\log\\Gamma)'` (``scipy.special.digamma``, ``psi``).

    Derivative ``polygamma(1, x)`` (the trigamma function).""", """\
    >>> round(float(linad.grad(special.digamma)(1.0)), 10)  # pi^2 / 6
    1.6449340668
""")
psi = digamma
polygamma = _primitive_function(sc.polygamma, S.polygamma_p, "n x", """\
The ``n``-th derivative of the digamma function (``scipy.special.polygamma``).

    Differentiable in ``x`` (derivative ``polygamma(n + 1, x)``); the order ``n``
    is an integer: a tangent on it raises ``TypeError``.""", """\
    >>> round(float(special.polygamma(1, 1.0)), 10)  # pi^2 / 6
    1.6449340668
    >>> round(float(linad.grad(special.polygamma, argnums=1)(1, 1.0)), 10)  # -2 zeta(3)
    -2.4041138063
""")
gamma = _primitive_function(sc.gamma, S.gamma_p, "z", """\
The gamma function (``scipy.special.gamma``).

    Derivative :math:`\\Gamma(x)\\,\\psi(x)`.""", """\
    >>> float(special.gamma(4.0))
    6.0
    >>> round(float(linad.grad(special.gamma)(1.0)), 10)  # -Euler's constant
    -0.5772156649
""")
betaln = _primitive_function(sc.betaln, S.betaln_p, "a b", """\
Logarithm of the absolute value of the beta function (``scipy.special.betaln``).

    Derivatives :math:`\\psi(a) - \\psi(a+b)` and :math:`\\psi(b) - \\psi(a+b)`.""", """\
    >>> g = linad.grad(special.betaln, argnums=(0, 1))(1.0, 1.0)  # B(a, b) near (1, 1)
    >>> [round(float(v), 10) for v in g]
    [-1.0, -1.0]
""")
beta = _primitive_function(sc.beta, S.beta_p, "a b", """\
The beta function :math:`B(a, b) = \\Gamma(a)\\Gamma(b)/\\Gamma(a+b)` (``scipy.special.beta``).

    Derivatives :math:`B(a, b)(\\psi(a) - \\psi(a+b))` and the same with ``a``, ``b``
    swapped.""", """\
    >>> float(special.beta(2.0, 3.0))  # 1! 2! / 4!
    0.08333333333333333
    >>> round(float(linad.grad(special.beta)(1.0, 1.0)), 10)
    -1.0
""")


@_documented(None, """\
    >>> round(float(special.multigammaln(3.0, 2)), 10)
    1.550194994
    >>> g = linad.grad(special.multigammaln)(3.0, 2)  # psi(3) + psi(2.5)
    >>> bool(np.isclose(g, (1.5 - np.euler_gamma) + (8 / 3 - np.euler_gamma - 2 * np.log(2))))
    True
""")
def multigammaln(a: Any, d: int) -> Any:
    """The log of the multivariate gamma function (``scipy.special.multigammaln``).

    ``d * (d - 1) / 4 * log(pi) + sum_{j<d} gammaln(a - j / 2)``; differentiable in
    ``a``.  ``d`` is a positive integer; ``a <= (d - 1) / 2`` raises ``ValueError``
    as in SciPy (under ``linad.jit``, where the values of ``a`` are not known while the
    function is staged, the result is NaN there instead).
    """
    d = int(d)
    if d < 1:
        raise ValueError(f"multigammaln: the dimension d must be a positive integer, got {d}")
    outside = value_mask(np.less_equal, a, 0.5 * (d - 1))
    if not isinstance(outside, Tracer) and np.any(outside):
        raise ValueError(f"multigammaln: the condition a > (d - 1) / 2 = {0.5 * (d - 1)} is not "
                         "met for every element of a")
    a = _asarray_if_needed(a)
    res = gammaln(a)
    for j in range(1, d):
        res = C.add(res, gammaln(C.subtract(a, 0.5 * j)))
    res = C.add(res, d * (d - 1) * 0.25 * float(np.log(np.pi)))
    return fill_where(outside, np.nan, res)  # staged: the domain is known on each call only


@_documented(None, """\
    >>> round(float(special.zeta(2.0)), 10)  # pi^2 / 6
    1.6449340668
    >>> round(float(linad.grad(special.zeta, argnums=1)(2.0, 1.0)), 10)  # -2 zeta(3)
    -2.4041138063
""")
def zeta(x: Any, q: Any = None) -> Any:
    """The Riemann (``q=None``) or Hurwitz zeta function (``scipy.special.zeta``).

    Differentiable in ``q`` only: :math:`\\partial_q \\zeta(x, q) = -x\\,\\zeta(x+1, q)`.
    The derivative in the exponent ``x`` is not implemented: a tangent on ``x``
    raises ``NotImplementedError`` (and so does a traced ``x`` when ``q`` is None).
    """
    if q is not None:
        return bind(S.zeta_p, _asarray_if_needed(x), _asarray_if_needed(q))
    if isinstance(x, Tracer):
        raise NotImplementedError(
            "zeta: the derivative of the Riemann zeta function in its argument x is not "
            "implemented; pass a constant x (e.g. linad.stop_gradient(x)), or use the "
            "Hurwitz form zeta(x, q), which is differentiable in q.")
    return sc.zeta(x)


# ============================================================================ error functions

erf = _primitive_function(sc.erf, S.erf_p, "z", """\
The error function (``scipy.special.erf``); real or complex.

    Derivative :math:`\\tfrac{2}{\\sqrt\\pi}e^{-z^2}`.""", """\
    >>> bool(np.isclose(linad.grad(special.erf)(0.0), 2 / np.sqrt(np.pi)))
    True
""")
erfc = _primitive_function(sc.erfc, S.erfc_p, "x", """\
The complementary error function ``1 - erf(x)`` (``scipy.special.erfc``); real or complex.

    Derivative :math:`-\\tfrac{2}{\\sqrt\\pi}e^{-x^2}`.""", """\
    >>> bool(np.isclose(linad.grad(special.erfc)(0.0), -2 / np.sqrt(np.pi)))
    True
""")
erfinv = _primitive_function(sc.erfinv, S.erfinv_p, "y", """\
The inverse of ``erf`` on (-1, 1) (``scipy.special.erfinv``).

    Derivative :math:`\\tfrac{\\sqrt\\pi}{2}e^{\\mathrm{erfinv}(y)^2}` (``inf`` at ``+-1``).""",
                              """\
    >>> bool(np.isclose(linad.grad(special.erfinv)(0.0), np.sqrt(np.pi) / 2))
    True
""")
erfcinv = _primitive_function(sc.erfcinv, S.erfcinv_p, "y", """\
The inverse of ``erfc`` on (0, 2) (``scipy.special.erfcinv``).

    Derivative :math:`-\\tfrac{\\sqrt\\pi}{2}e^{\\mathrm{erfcinv}(y)^2}`.""", """\
    >>> bool(np.isclose(linad.grad(special.erfcinv)(1.0), -np.sqrt(np.pi) / 2))
    True
""")
ndtr = _primitive_function(sc.ndtr, S.ndtr_p, "x", """\
The standard normal CDF (``scipy.special.ndtr``); real or complex.

    Derivative: the standard normal density.""", """\
    >>> bool(np.isclose(linad.grad(special.ndtr)(0.0), 1 / np.sqrt(2 * np.pi)))
    True
""")
log_ndtr = _primitive_function(sc.log_ndtr, S.log_ndtr_p, "x", """\
The log of the standard normal CDF (``scipy.special.log_ndtr``), accurate in the tails.

    Derivative :math:`\\varphi(x)/\\Phi(x)`, computed as the exp of a difference of
    logs (finite far in the left tail, where it grows like ``-x``).""", """\
    >>> round(float(linad.grad(special.log_ndtr)(-30.0)), 4)  # ~ -x
    30.0333
""")
ndtri = _primitive_function(sc.ndtri, S.ndtri_p, "y", """\
The inverse of the standard normal CDF (``scipy.special.ndtri``).

    Derivative :math:`\\sqrt{2\\pi}\\,e^{\\mathrm{ndtri}(y)^2/2}`.""", """\
    >>> bool(np.isclose(linad.grad(special.ndtri)(0.5), np.sqrt(2 * np.pi)))
    True
""")
expit = _primitive_function(sc.expit, S.expit_p, "x", """\
The logistic sigmoid ``1 / (1 + exp(-x))`` (``scipy.special.expit``).

    Derivative ``expit(x) * (1 - expit(x))``.""", """\
    >>> float(linad.grad(special.expit)(0.0))
    0.25
""")
log_expit = _primitive_function(sc.log_expit, S.log_expit_p, "x", """\
``log(expit(x))``, accurate for large ``|x|`` (``scipy.special.log_expit``).

    Derivative ``expit(-x)``.""", """\
    >>> float(linad.grad(special.log_expit)(0.0))
    0.5
""")


@_documented(sc.logit, """\
    >>> float(special.logit(0.5))
    0.0
    >>> float(linad.grad(special.logit)(0.5))  # 1 / (p (1 - p))
    4.0
""")
def logit(x: Any) -> Any:
    """The inverse of ``expit``, ``log(x / (1 - x))`` (``scipy.special.logit``).

    Derivative ``1 / (x (1 - x))``; ``-inf``, ``inf`` at 0 and 1 as in SciPy.
    """
    x = _asarray_if_needed(x)
    with np.errstate(divide="ignore", invalid="ignore"):  # SciPy's inf and NaN at the edges
        return log(C.divide(x, C.subtract(1, x)))


@_documented(sc.softplus, """\
    >>> bool(np.isclose(special.softplus(0.0), np.log(2)))
    True
    >>> float(linad.grad(special.softplus)(0.0))  # expit
    0.5
""")
def softplus(x: Any, **kwargs: Any) -> Any:
    """``log(1 + exp(x))`` computed as ``logaddexp(0, x)`` (``scipy.special.softplus``).

    Derivative ``expit(x)``.  Keyword arguments other than ufunc defaults are not
    supported on traced values.
    """
    if kwargs:
        raise TypeError(f"softplus: keyword arguments {sorted(kwargs)} are not supported")
    return logaddexp(0.0, _asarray_if_needed(x))


# ============================================================================ Bessel functions

i0 = _primitive_function(sc.i0, S.i0_p, "x", """\
The modified Bessel function of the first kind, order 0 (``scipy.special.i0``).

    Derivative ``i1(x)``.""", """\
    >>> float(linad.grad(special.i0)(0.0))
    0.0
""")
i1 = _primitive_function(sc.i1, S.i1_p, "x", """\
The modified Bessel function of the first kind, order 1 (``scipy.special.i1``).

    Derivative ``i0(x) - i1(x) / x`` (1/2 at 0).""", """\
    >>> float(linad.grad(special.i1)(0.0))
    0.5
""")
i0e = _primitive_function(sc.i0e, S.i0e_p, "x", """\
The exponentially scaled ``i0``: ``exp(-|x|) i0(x)`` (``scipy.special.i0e``).

    Derivative ``i1e(x) - sign(x) i0e(x)``.""", """\
    >>> bool(np.isclose(linad.grad(special.i0e)(1.0), special.i1e(1.0) - special.i0e(1.0)))
    True
""")
i1e = _primitive_function(sc.i1e, S.i1e_p, "x", """\
The exponentially scaled ``i1``: ``exp(-|x|) i1(x)`` (``scipy.special.i1e``).

    Derivative ``i0e(x) - i1e(x) (sign(x) + 1/x)`` (1/2 at 0).""", """\
    >>> float(linad.grad(special.i1e)(0.0))
    0.5
""")


# ============================================================================ x log y, entropies

xlogy = _primitive_function(sc.xlogy, S.xlogy_p, "x y", """\
``x * log(y)``, 0 where ``x == 0`` unless ``y`` is NaN (``scipy.special.xlogy``).

    Derivatives ``log(y)`` in ``x`` (``-inf`` at ``y == 0``) and ``x / y`` in ``y``,
    which is 0 where ``x == 0`` (the function is identically 0 there).""", """\
    >>> float(special.xlogy(0.0, 0.0))
    0.0
    >>> [float(v) for v in linad.grad(special.xlogy, argnums=(0, 1))(0.0, 2.0)]
    [0.6931471805599453, 0.0]
""")
xlog1py = _primitive_function(sc.xlog1py, S.xlog1py_p, "x y", """\
``x * log1p(y)``, 0 where ``x == 0`` unless ``y`` is NaN (``scipy.special.xlog1py``).

    Derivatives ``log1p(y)`` in ``x`` and ``x / (1 + y)`` in ``y`` (0 where ``x == 0``).""",
                               """\
    >>> [float(v) for v in linad.grad(special.xlog1py, argnums=(0, 1))(2.0, 0.0)]
    [0.0, 2.0]
""")
rel_entr = _primitive_function(sc.rel_entr, S.rel_entr_p, "x y", """\
Elementwise relative entropy ``x log(x / y)`` (``scipy.special.rel_entr``).

    0 where ``x == 0 <= y``, ``inf`` outside the domain ``x, y >= 0``.  Derivatives
    ``log(x / y) + 1`` in ``x`` and ``-x / y`` in ``y`` (0 where ``x == 0``).""", """\
    >>> [float(v) for v in linad.grad(special.rel_entr, argnums=(0, 1))(1.0, 1.0)]
    [1.0, -1.0]
""")


@_documented(sc.entr, """\
    >>> float(special.entr(1.0)), float(linad.grad(special.entr)(1.0))  # -log(1) - 1
    (-0.0, -1.0)
""")
def entr(x: Any) -> Any:
    """Elementwise entropy ``-x log(x)`` (``scipy.special.entr``).

    0 at ``x == 0`` and ``-inf`` for ``x < 0``, as in SciPy.  Derivative
    ``-log(x) - 1`` (``inf`` at 0, 0 for ``x < 0`` where the value is constant).
    """
    x = _asarray_if_needed(x)
    negative = value_mask(np.less, x, 0)
    xs = fill_where(negative, 1.0, x)
    return fill_where(negative, -np.inf, C.negative(xlogy(xs, xs)))


@_documented(sc.kl_div, """\
    >>> float(special.kl_div(1.0, 1.0))
    0.0
    >>> [float(v) for v in linad.grad(special.kl_div, argnums=(0, 1))(1.0, 2.0)]
    [-0.6931471805599453, 0.5]
""")
def kl_div(x: Any, y: Any) -> Any:
    """``x log(x / y) - x + y`` (``scipy.special.kl_div``): ``rel_entr(x, y) - x + y``.

    Derivatives ``log(x / y)`` in ``x`` and ``1 - x / y`` in ``y``.
    """
    x, y = _asarray_if_needed(x), _asarray_if_needed(y)
    return C.add(C.subtract(rel_entr(x, y), x), y)


@_documented(sc.huber, """\
    >>> float(special.huber(1.0, 3.0))  # 1 * (3 - 1/2)
    2.5
    >>> [float(v) for v in linad.grad(special.huber, argnums=(0, 1))(1.0, -3.0)]
    [2.0, -1.0]
""")
def huber(delta: Any, r: Any) -> Any:
    """Huber loss: ``r**2 / 2`` where ``|r| <= delta``, else ``delta (|r| - delta / 2)``.

    (``scipy.special.huber``; ``inf`` for ``delta < 0``.)  Derivatives ``r`` and 0
    inside, ``delta sign(r)`` and ``|r| - delta`` outside (they agree on ``|r| == delta``).
    """
    delta, r = _asarray_if_needed(delta), _asarray_if_needed(r)
    inside = value_mask(_huber_inside, delta, r)
    quadratic = C.multiply(C.multiply(r, r), 0.5)
    linear = C.multiply(delta, C.subtract(absolute(r), C.multiply(delta, 0.5)))
    negative = value_mask(_broadcast_compare, delta, r, compare=np.less)
    return fill_where(negative, np.inf, L.where(inside, quadratic, linear))


@_documented(sc.pseudo_huber, """\
    >>> bool(np.isclose(special.pseudo_huber(1.0, 1.0), np.sqrt(2) - 1))
    True
    >>> bool(np.isclose(linad.grad(special.pseudo_huber, argnums=1)(1.0, 1.0), 1 / np.sqrt(2)))
    True
""")
def pseudo_huber(delta: Any, r: Any) -> Any:
    """Pseudo-Huber loss ``delta**2 (sqrt(1 + (r / delta)**2) - 1)`` (``scipy.special``).

    Computed as ``delta r**2 / (hypot(delta, r) + delta)``, which keeps full
    precision for small ``r / delta`` and does not overflow for tiny ``delta``
    (where SciPy's formula overflows to ``inf``).  0 at ``delta == 0`` (where the
    derivative is taken to be 0) and ``inf`` for ``delta < 0``, as in SciPy.
    """
    delta, r = _asarray_if_needed(delta), _asarray_if_needed(r)
    ds = fill_where(value_mask(np.less_equal, delta, 0), 1.0, delta)
    res = C.divide(C.multiply(ds, C.multiply(r, r)), C.add(hypot(ds, r), ds))
    res = fill_where(value_mask(_broadcast_compare, delta, r, compare=np.equal), 0.0, res)
    return fill_where(value_mask(_broadcast_compare, delta, r, compare=np.less), np.inf, res)


# ======================================================================= incomplete gamma, beta

gammainc = _primitive_function(sc.gammainc, S.gammainc_p, "a x", """\
The regularized lower incomplete gamma function :math:`P(a, x)` (``scipy.special.gammainc``).

    Differentiable in ``x`` (derivative :math:`e^{-x}x^{a-1}/\\Gamma(a)`) and in the shape
    ``a`` (a series or a continued fraction; once: a second derivative in ``a`` raises
    ``NotImplementedError``).""", """\
    >>> bool(np.isclose(linad.grad(special.gammainc, argnums=1)(1.0, 2.0), np.exp(-2.0)))
    True
    >>> da = linad.grad(special.gammainc)(1.0, 2.0)  # -e^-x (log x + euler_gamma) - E1(x)
    >>> bool(np.isclose(da, -np.exp(-2.0) * (np.log(2.0) + np.euler_gamma) - sc.exp1(2.0)))
    True
""")
gammaincc = _primitive_function(sc.gammaincc, S.gammaincc_p, "a x", """\
The regularized upper incomplete gamma function ``1 - P(a, x)`` (``scipy.special.gammaincc``).

    Differentiable in ``x`` and (once) in the shape ``a``.""",
                                """\
    >>> bool(np.isclose(linad.grad(special.gammaincc, argnums=1)(1.0, 2.0), -np.exp(-2.0)))
    True
""")
betainc = _primitive_function(sc.betainc, S.betainc_p, "a b x", """\
The regularized incomplete beta function :math:`I_x(a, b)` (``scipy.special.betainc``).

    Differentiable in ``x`` (derivative :math:`x^{a-1}(1-x)^{b-1}/B(a, b)`) and, once, in
    ``a`` and ``b`` (a second derivative in ``a`` or ``b`` raises ``NotImplementedError``).""",
                                """\
    >>> float(linad.grad(special.betainc, argnums=2)(1.0, 1.0, 0.3))  # uniform density
    1.0
    >>> da = linad.grad(special.betainc)(2.0, 1.0, 0.3)  # I_x(a, 1) = x^a
    >>> bool(np.isclose(da, 0.3 ** 2 * np.log(0.3)))
    True
""")
betaincc = _primitive_function(sc.betaincc, S.betaincc_p, "a b x", """\
The complement ``1 - I_x(a, b)`` (``scipy.special.betaincc``).

    Differentiable in ``x`` and (once) in ``a`` and ``b``.""",
                               """\
    >>> float(linad.grad(special.betaincc, argnums=2)(1.0, 1.0, 0.3))
    -1.0
""")
stdtr = _primitive_function(sc.stdtr, S.stdtr_p, "df t", """\
Student's t CDF with ``df`` degrees of freedom (``scipy.special.stdtr``).

    Differentiable in ``t`` (derivative: the t density) and, once, in ``df`` (a second
    derivative in ``df`` raises ``NotImplementedError``).""", """\
    >>> bool(np.isclose(linad.grad(special.stdtr, argnums=1)(1.0, 0.0), 1 / np.pi))  # Cauchy
    True
""")


# ============================================================================ logsumexp, softmax

@reduces
def _finite_max(a: np.ndarray, b: Any, *, axes: tuple, dtype: np.dtype) -> np.ndarray:
    """The maximum of ``Re a`` over ``axes`` (keepdims), 0 where not finite, ignoring the
    entries with ``b == 0`` (NumPy, on detached values)."""
    ca = np.real(a)
    if b is not None:
        ca = np.where(b == 0, -np.inf, ca)
    if ca.size == 0:
        return np.zeros((), dtype)
    m = np.max(ca, axis=axes, keepdims=True)
    return np.where(np.isfinite(m), m, 0).astype(dtype, copy=False)


def _shift(a: Any, axes: tuple, b: Any = None) -> Any:
    """The maximum of ``Re a`` over ``axes`` (keepdims), 0 where not finite, as a constant
    (staged under ``linad.jit``).

    Entries with ``b == 0`` are ignored, as SciPy does.
    """
    cb = None if b is None else detached_value(b)
    return on_values(_finite_max, a, cb, axes=axes, dtype=real_dtype(a))


def _squeeze(x: Any, shape: tuple, axes: tuple, keepdims: bool) -> Any:
    if keepdims:
        return x
    return L.reshape(x, tuple(n for i, n in enumerate(shape) if i not in axes))


def logsumexp(a: Any, axis: Any = None, b: Any = None, keepdims: bool = False,
              return_sign: bool = False) -> Any:
    """``log(sum(b * exp(a)))`` over ``axis``, computed stably (``scipy.special.logsumexp``).

    Differentiable in ``a`` and ``b``.  With ``return_sign=True``, returns
    ``(log|s|, sign(s))`` for ``s = sum(b * exp(a))`` (the sign has no tangent for
    real input).  Complex ``a`` gives the complex logarithm of the sum.

    Examples
    --------
    >>> import numpy as np, linad
    >>> from linad.scipy.special import logsumexp
    >>> float(logsumexp(np.log(np.array([1.0, 3.0]))))  # log(1 + 3)
    1.3862943611198906
    >>> linad.grad(logsumexp)(np.log(np.array([1.0, 3.0])))  # the softmax
    array([0.25, 0.75])
    """
    a = C.asarray(a)
    shape = tuple(shape_of(a))
    axes = C.normalize_axes(axis, len(shape))
    if b is not None:
        b = C.asarray(b)
        shape = tuple(np.broadcast_shapes(shape, tuple(shape_of(b))))
        axes = C.normalize_axes(axis, len(shape))
    m = _shift(a, axes, b)
    e = exp(C.subtract(a, m))
    if b is not None:
        e = C.multiply(e, b)
    s = C.sum(e, axis=axes, keepdims=True)
    if return_sign:
        out = C.add(log(absolute(s)), m)
        return (_squeeze(out, shape, axes, keepdims),
                _squeeze(sign(s), shape, axes, keepdims))
    return _squeeze(C.add(log(s), m), shape, axes, keepdims)


def softmax(x: Any, axis: Any = None) -> Any:
    """``exp(x) / sum(exp(x))`` over ``axis`` (``scipy.special.softmax``), computed stably.

    Examples
    --------
    >>> import numpy as np
    >>> from linad.scipy.special import softmax
    >>> softmax(np.log(np.array([1.0, 3.0])))
    array([0.25, 0.75])
    """
    x = C.asarray(x)
    axes = C.normalize_axes(axis, len(shape_of(x)))
    e = exp(C.subtract(x, _shift(x, axes)))
    return C.divide(e, C.sum(e, axis=axes, keepdims=True))


def log_softmax(x: Any, axis: Any = None) -> Any:
    """``x - logsumexp(x, axis, keepdims=True)`` (``scipy.special.log_softmax``).

    Examples
    --------
    >>> import numpy as np
    >>> from linad.scipy.special import log_softmax
    >>> np.exp(log_softmax(np.log(np.array([1.0, 3.0]))))
    array([0.25, 0.75])
    """
    x = C.asarray(x)
    return C.subtract(x, logsumexp(x, axis, keepdims=True))

