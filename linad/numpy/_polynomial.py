r"""The polynomial functions of NumPy's main namespace: polyval, polyfit, polyder, polyint,
polyadd, polysub, polymul, polydiv, poly, roots, and vander.

Coefficients are ordered from the highest power down, as in NumPy.  Each function
is a composition of linad operations:

* ``polyval``: Horner's scheme :math:`y \leftarrow y x + p_i`, so
  :math:`\partial y / \partial p_i = x^{n-1-i}` and :math:`\partial y/\partial x = p'(x)`;
* ``polyder``, ``polyint``, ``polyadd``, ``polysub``: coefficient-wise arithmetic
  (slices, ``pad``, ``concatenate``); ``polymul`` is ``convolve``;
* ``polydiv``: NumPy's long division, each step a functional update of the remainder;
* ``polyfit``: NumPy's column-scaled least-squares problem on the Vandermonde matrix,
  solved with ``linalg.lstsq``, so the coefficients are differentiable in ``y`` (and
  in ``x`` and ``w``);
* ``poly``: the product of the factors :math:`(x - z_k)`, one shifted subtraction each
  (a square matrix gives its eigenvalues first, through ``linalg.eigvals``);
* ``roots``: the eigenvalues of the companion matrix (``linalg.eigvals``), whose
  derivative at a simple root :math:`r` is
  :math:`\partial r / \partial p_k = -r^{n-k} / p'(r)` (with ``n = len(p) - 1``);
  undefined at a repeated root;
* ``vander``: the columns :math:`x^0, x^1, \dots` as repeated products (NumPy's
  ``multiply.accumulate``), reversed unless ``increasing``.

On arguments none of which is traced, each function returns NumPy's own result.
"""
from __future__ import annotations

import operator
import warnings
from typing import Any

import numpy as np

from ..core import Tracer, dtype_of, shape_of
from ..primitives.elementwise import detached_value, value_dependence_error
from ._nondiff import on_primal
from ._base import _arr, _ndim, astype
from ._core import add, divide, multiply, negative, real, subtract, sum
from ._dispatch import implements
from ._elementwise import sqrt
from ._indexing import index_add
from ._shape import atleast_1d, concatenate, flip, pad, reshape, stack
from ._signal import convolve
from .linalg import eigvals, lstsq

__all__ = ["polyval", "polyfit", "polyder", "polyint", "polyadd", "polysub", "polymul",
           "polydiv", "poly", "roots", "vander"]


def _any_traced(*xs: Any) -> bool:
    return any(isinstance(x, Tracer) for x in xs)


def _inexact(x: Any) -> Any:
    """``x + 0.0`` as NumPy writes it: integers become float64, floats keep their dtype."""
    x = _arr(x)
    return x if np.issubdtype(dtype_of(x), np.inexact) else astype(x, np.float64)


# ============================================================================ evaluation, vander

@implements(np.polyval)
def polyval(p: Any, x: Any) -> Any:
    """The polynomial with coefficients ``p`` (highest power first) at ``x`` (``np.polyval``).

    Horner's scheme; differentiable in ``p`` (the powers of ``x``) and in ``x``.

    Examples
    --------
    >>> import numpy as np, linad, linad.numpy as lnp
    >>> linad.grad(lambda p: lnp.polyval(p, 2.0))(np.array([1.0, 0.0, 3.0]))
    array([4., 2., 1.])
    """
    if not _any_traced(p, x):
        return np.polyval(p, x)
    p, x = _arr(p), _arr(x)
    if _ndim(p) == 0:
        raise TypeError("polyval: p must be a sequence of coefficients, not a scalar")
    y = np.zeros(shape_of(x), dtype_of(x))
    for i in range(shape_of(p)[0]):
        y = add(multiply(y, x), p[i])
    return y


@implements(np.vander)
def vander(x: Any, N: int | None = None, increasing: bool = False) -> Any:
    """The Vandermonde matrix of the 1-D ``x``: columns ``x**(N-1), ..., x**0``
    (``np.vander``; ascending powers with ``increasing=True``).

    As in NumPy the dtype is that of ``x`` promoted with ``int`` (float32 becomes
    float64).

    Examples
    --------
    >>> import numpy as np, linad.numpy as lnp
    >>> lnp.vander(np.array([1.0, 2.0, 3.0]), 3)
    array([[1., 1., 1.],
           [4., 2., 1.],
           [9., 3., 1.]])
    """
    if not _any_traced(x):
        return np.vander(x, N, increasing)
    x = _arr(x)
    if _ndim(x) != 1:
        raise ValueError("x must be a one-dimensional array or sequence.")
    n = shape_of(x)[0]
    N = n if N is None else operator.index(N)
    dt = np.promote_types(dtype_of(x), int)
    x = astype(x, dt)
    if N <= 0:
        return np.zeros((n, max(N, 0)), dt)
    columns = [np.ones(n, dt)]
    power = x
    for k in range(1, N):
        columns.append(power)
        if k < N - 1:
            power = multiply(power, x)
    v = stack(columns, axis=1)
    return v if increasing else flip(v, 1)


# ============================================================================ fitting

@implements(np.polyfit)
def polyfit(x: Any, y: Any, deg: int, rcond: Any = None, full: bool = False, w: Any = None,
            cov: Any = False) -> Any:
    """Least-squares polynomial fit of degree ``deg`` (``np.polyfit``; coefficients highest
    power first).

    NumPy's algorithm: the Vandermonde matrix (rows weighted by ``w``), its columns
    scaled to unit norm, ``linalg.lstsq``.  Differentiable in ``y`` through the
    least-squares solve (and in ``x`` and ``w``).  ``y`` may be 2-D (one fit per
    column); ``full=True`` returns ``(c, residuals, rank, singular_values, rcond)``.
    ``cov`` is not supported on traced values.

    Examples
    --------
    >>> import numpy as np, linad, linad.numpy as lnp
    >>> x = np.array([0.0, 1.0, 2.0, 3.0])
    >>> np.round(linad.jvp(lambda y: lnp.polyfit(x, y, 1), (2 * x + 1,), (x,)), 10)
    array([[2., 1.],
           [1., 0.]])
    """
    if not _any_traced(x, y, w):
        return np.polyfit(x, y, deg, rcond, full, w, cov)
    if cov is not False:
        raise NotImplementedError("polyfit: cov=True (the covariance of the coefficients) is "
                                  "not supported on traced values; use cov=False")
    order = operator.index(deg) + 1
    x, y = _inexact(x), _inexact(y)
    if order < 1:
        raise ValueError("expected deg >= 0")
    if _ndim(x) != 1:
        raise TypeError("expected 1D vector for x")
    if shape_of(x)[0] == 0:
        raise TypeError("expected non-empty vector for x")
    if _ndim(y) < 1 or _ndim(y) > 2:
        raise TypeError("expected 1D or 2D array for y")
    if shape_of(x)[0] != shape_of(y)[0]:
        raise TypeError("expected x and y to have same length")
    if rcond is None:
        rcond = shape_of(x)[0] * np.finfo(dtype_of(x)).eps
    lhs, rhs = vander(x, order), y
    if w is not None:
        w = _inexact(w)
        if _ndim(w) != 1:
            raise TypeError("expected a 1-d array for weights")
        if shape_of(w)[0] != shape_of(y)[0]:
            raise TypeError("expected w and y to have the same length")
        lhs = multiply(lhs, reshape(w, (-1, 1)))
        rhs = multiply(rhs, reshape(w, (-1, 1)) if _ndim(rhs) == 2 else w)
    scale = sqrt(sum(multiply(lhs, lhs), axis=0))
    lhs = divide(lhs, scale)
    c, resids, rank, s = lstsq(lhs, rhs, rcond)
    c = divide(c, reshape(scale, (-1, 1)) if _ndim(c) == 2 else scale)
    if not full and not isinstance(rank, Tracer) and rank != order:
        warnings.warn("Polyfit may be poorly conditioned", np.exceptions.RankWarning,
                      stacklevel=2)
    if full:
        return c, resids, rank, s, rcond
    return c


# ============================================================================ calculus

@implements(np.polyder)
def polyder(p: Any, m: int = 1) -> Any:
    """Coefficients of the ``m``-th derivative of the polynomial ``p`` (``np.polyder``).

    Examples
    --------
    >>> import numpy as np, linad.numpy as lnp
    >>> lnp.polyder(np.array([1.0, 1.0, 1.0, 1.0]), 2)
    array([6., 2.])
    """
    if not _any_traced(p):
        return np.polyder(p, m)
    m = operator.index(m)
    if m < 0:
        raise ValueError("Order of derivative must be positive (see polyint)")
    p = _arr(p)
    for _ in range(m):
        n = shape_of(p)[0] - 1
        p = multiply(p[:-1], np.arange(n, 0, -1))
    return p


@implements(np.polyint)
def polyint(p: Any, m: int = 1, k: Any = None) -> Any:
    """Coefficients of an ``m``-th antiderivative of ``p``, with integration constants ``k``
    (a scalar or ``m`` values, lowest order first; zeros by default) (``np.polyint``).

    Examples
    --------
    >>> import numpy as np, linad.numpy as lnp
    >>> lnp.polyint(np.array([3.0, 2.0]), k=5.0)
    array([1.5, 2. , 5. ])
    """
    if not _any_traced(p, k):
        return np.polyint(p, m, k)
    m = operator.index(m)
    if m < 0:
        raise ValueError("Order of integral must be positive (see polyder)")
    k = np.zeros(m, float) if k is None else atleast_1d(_arr(k))
    if shape_of(k)[0] == 1 and m > 1:
        k = multiply(k[0], np.ones(m, float))
    if shape_of(k)[0] < m:
        raise ValueError("k must be a scalar or a rank-1 array of length 1 or >m.")
    p = _arr(p)
    for i in range(m):
        n = shape_of(p)[0]
        p = concatenate([divide(p, np.arange(n, 0, -1)), reshape(k[i], (1,))], 0)
    return p


# ============================================================================ arithmetic

def _aligned(a1: Any, a2: Any) -> tuple:
    """The coefficient vectors padded with leading zeros to one length (as NumPy)."""
    a1, a2 = atleast_1d(_arr(a1)), atleast_1d(_arr(a2))
    d = shape_of(a2)[0] - shape_of(a1)[0]
    if d > 0:
        a1 = pad(a1, [(d, 0)] + [(0, 0)] * (_ndim(a1) - 1))
    elif d < 0:
        a2 = pad(a2, [(-d, 0)] + [(0, 0)] * (_ndim(a2) - 1))
    return a1, a2


def _coefficientwise(np_fn: Any, op: Any, a1: Any, a2: Any) -> Any:
    """``op`` of the aligned coefficient vectors (NumPy's ``np_fn`` on plain arrays)."""
    if not _any_traced(a1, a2):
        return np_fn(a1, a2)
    return op(*_aligned(a1, a2))


@implements(np.polyadd)
def polyadd(a1: Any, a2: Any) -> Any:
    """Sum of two polynomials (``np.polyadd``).

    Examples
    --------
    >>> import numpy as np, linad.numpy as lnp
    >>> lnp.polyadd(np.array([1.0, 2.0]), np.array([1.0, 1.0, 1.0]))
    array([1., 2., 3.])
    """
    return _coefficientwise(np.polyadd, add, a1, a2)


@implements(np.polysub)
def polysub(a1: Any, a2: Any) -> Any:
    """Difference of two polynomials (``np.polysub``).

    Examples
    --------
    >>> import numpy as np, linad.numpy as lnp
    >>> lnp.polysub(np.array([1.0, 2.0]), np.array([1.0, 1.0, 1.0]))
    array([-1.,  0.,  1.])
    """
    return _coefficientwise(np.polysub, subtract, a1, a2)


@implements(np.polymul)
def polymul(a1: Any, a2: Any) -> Any:
    """Product of two polynomials: the convolution of their coefficients (``np.polymul``).

    Examples
    --------
    >>> import numpy as np, linad.numpy as lnp
    >>> lnp.polymul(np.array([1.0, 1.0]), np.array([1.0, -1.0]))
    array([ 1.,  0., -1.])
    """
    if not _any_traced(a1, a2):
        return np.polymul(a1, a2)
    return convolve(atleast_1d(_arr(a1)), atleast_1d(_arr(a2)))


@implements(np.polydiv)
def polydiv(u: Any, v: Any) -> tuple:
    """Quotient and remainder of polynomial division ``u / v`` (``np.polydiv``).

    NumPy's long division; leading remainder coefficients that are zero (to a
    relative 1e-14) are dropped, as in NumPy.  Differentiable in ``u`` and ``v``.
    The length of the remainder thus depends on values: under ``linad.jit`` (unless
    the remainder has one coefficient) it raises
    :class:`~linad.core.ConcretizationError`.

    Examples
    --------
    >>> import numpy as np, linad.numpy as lnp
    >>> lnp.polydiv(np.array([1.0, 0.0, -1.0]), np.array([1.0, 1.0]))
    (array([ 1., -1.]), array([0.]))
    """
    if not _any_traced(u, v):
        return np.polydiv(u, v)
    u, v = _inexact(atleast_1d(_arr(u))), _inexact(atleast_1d(_arr(v)))
    dt = np.result_type(dtype_of(u), dtype_of(v))
    m, n = shape_of(u)[0] - 1, shape_of(v)[0] - 1
    scale = divide(1.0, v[0])
    r = astype(u, dt)
    quotient = []
    for k in range(m - n + 1):
        d = multiply(scale, r[k])
        quotient.append(d)
        r = index_add(r, slice(k, k + n + 1), negative(multiply(d, v)))
    q = stack(quotient) if quotient else np.zeros(1, dt)
    return q, _trim_remainder(r)


def _trim_remainder(r: Any) -> Any:
    """``r`` without its leading coefficients that are zero (to a relative 1e-14)."""
    while shape_of(r)[-1] > 1:
        lead = detached_value(r[0])
        if isinstance(lead, Tracer):
            raise value_dependence_error(
                lead, "polydiv drops the leading zero coefficients of the remainder, so the "
                "length of its result depends on values", "Divide with a fixed-length "
                "remainder (u - polymul(q, v))")
        if not np.allclose(lead, 0, rtol=1e-14):
            break
        r = r[1:]
    return r


# ============================================================================ roots

@implements(np.poly)
def poly(seq_of_zeros: Any) -> Any:
    """Coefficients of the monic polynomial with the given roots (``np.poly``); a square
    matrix gives its characteristic polynomial.

    Complex roots that come in conjugate pairs give real coefficients, as in NumPy.

    Examples
    --------
    >>> import numpy as np, linad, linad.numpy as lnp
    >>> coeffs, t = linad.jvp(lnp.poly, (np.array([1.0, 2.0]),), (np.array([0.0, 1.0]),))
    >>> coeffs, t + 0.0  # d/db (x - a)(x - b) = -(x - a)
    (array([ 1., -3.,  2.]), array([ 0., -1.,  1.]))
    """
    if not _any_traced(seq_of_zeros):
        return np.poly(seq_of_zeros)
    seq = given = atleast_1d(_arr(seq_of_zeros))
    sh = tuple(shape_of(seq))
    if len(sh) == 2 and sh[0] == sh[1] and sh[0] != 0:
        seq = eigvals(seq)
    elif len(sh) != 1:
        raise ValueError("input must be 1d or non-empty square 2d array.")
    if not np.issubdtype(dtype_of(seq), np.inexact):
        seq = astype(seq, np.float64)
    n = shape_of(seq)[0]
    if n == 0:
        return 1.0
    a = np.ones(1, dtype_of(seq))
    for k in range(n):
        a = subtract(pad(a, (0, 1)), multiply(seq[k], pad(a, (1, 0))))
    if dtype_of(a).kind == "c" and _closed_under_conjugation(given):
        a = real(a)
    return a


def _closed_under_conjugation(zeros: Any) -> bool:
    """Whether ``zeros`` (or a matrix's entries) equal their conjugates as a set: real
    values always; complex ones by value (refused under ``linad.jit``, where the values,
    and thus the dtype of :func:`poly`, are not known while staging)."""
    if dtype_of(zeros).kind != "c":
        return True
    given = detached_value(zeros)
    if isinstance(given, Tracer):
        raise value_dependence_error(
            given, "poly of complex zeros returns real coefficients when the zeros come in "
            "conjugate pairs and complex ones otherwise", "Take lnp.real(...) of a poly of "
            "real-closed zeros yourself", kind="dtype")
    return bool(np.all(np.sort(given) == np.sort(given.conjugate())))


@implements(np.roots)
def roots(p: Any) -> Any:
    """Roots of the polynomial with coefficients ``p`` (``np.roots``): the eigenvalues of
    its companion matrix, differentiable through ``linalg.eigvals`` at simple roots.

    A traced ``p`` keeps its zero trailing coefficients in the companion matrix (NumPy
    appends their zero roots instead), so that every root, zero roots included, is
    differentiable in every coefficient; the roots are then NumPy's up to rounding and
    order.  A traced ``p`` with a zero leading coefficient is refused (a root goes to
    infinity there).  Under ``linad.jit`` ``roots`` raises
    :class:`~linad.core.ConcretizationError`: the number of roots depends on the
    number of zero coefficients, which is not known while staging.

    Examples
    --------
    >>> import numpy as np, linad, linad.numpy as lnp
    >>> p = np.array([1.0, -3.0, 2.0])
    >>> np.round(linad.jvp(lnp.roots, (p,), (np.array([0.0, 0.0, 1.0]),)), 12)
    array([[ 2.,  1.],
           [-1.,  1.]])
    """
    if not _any_traced(p):
        return np.roots(p)
    p = atleast_1d(_arr(p))
    if _ndim(p) != 1:
        raise ValueError("Input must be a rank-1 array.")
    value = detached_value(p)
    if isinstance(value, Tracer):
        raise value_dependence_error(
            value, "roots returns as many roots as the polynomial's degree, which depends on "
            "which of its coefficients are zero", "Take the eigenvalues of the companion "
            "matrix (lnp.linalg.eigvals) of a polynomial known to have a nonzero leading "
            "coefficient")
    non_zero = on_primal(np.nonzero)(p)[0]
    if len(non_zero) == 0:
        return np.array([])
    if non_zero[0]:
        raise ValueError("roots: the leading coefficient of a traced polynomial is zero, where "
                         "the roots are not differentiable (one goes to infinity); drop the "
                         "leading zeros (p[k:]) before differentiating")
    p = _inexact(p)
    n = shape_of(p)[0]
    if n == 1:
        return np.array([])
    first_row = reshape(negative(divide(p[1:], p[0])), (1, n - 1))
    companion = concatenate([first_row, np.eye(n - 2, n - 1, dtype=dtype_of(p))], 0)
    return eigvals(companion)
