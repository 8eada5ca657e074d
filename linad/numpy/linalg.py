r"""``linad.numpy.linalg``: NumPy's linear algebra, differentiable in every mode.

Every function follows ``numpy.linalg`` (signatures, stacked ``(..., m, n)``
inputs, dtypes, result named tuples) and also handles ``np.linalg.<name>``
called on traced values.  Each decomposition has one JVP rule (see
:mod:`linad.primitives.linalg` for the formulas); reverse mode and higher
derivatives come from transposing and re-linearizing those rules.

Conventions at non-smooth and degenerate points
-----------------------------------------------
* ``cholesky`` and ``eigh`` read one triangle (and the real part of the
  diagonal), as LAPACK does; their derivative with respect to the other
  triangle is zero.  ``svd(hermitian=True)`` and ``pinv(hermitian=True)`` read
  the lower triangle the same way.
* Eigenvectors and singular vectors are defined up to sign/phase (and, for
  repeated values, up to a rotation within the eigenspace).  The derivative of
  any gauge-invariant function of them (``V @ diag(f(w)) @ V.conj().T``,
  ``abs(V)**2``, ``U @ diag(s) @ Vh``) is exact; the vectors' own derivative is
  returned in the gauge of the computed basis, with the coupling
  ``1/(w_j - w_i)`` between exactly equal values set to 0.
* Eigenvalue-only and singular-value-only functions (``eigvalsh``, ``svdvals``,
  ``norm(ord='nuc')``) stay finite at repeated values.
* Singular matrices: ``solve``, ``inv``, ``tensorsolve`` and ``tensorinv`` raise
  NumPy's ``LinAlgError`` ("Singular matrix") - never a silent NaN derivative.
  ``det`` is differentiable everywhere: at a singular matrix its gradient is the
  transposed adjugate, computed from the SVD.  ``slogdet`` at a singular matrix is
  ``(0, -inf)`` and the tangent of ``logabsdet`` there is NaN (undefined, as in JAX).
* ``norm`` with ``ord=1, -1, inf, -inf``: ``|x|`` has derivative ``sign(x)`` (0 at
  0) and a tie between maximal column/row sums gives its derivative to the first
  one; ``ord=2, -2`` use the extreme singular value's derivative.
* ``lstsq`` and ``pinv`` differentiate the pseudo-inverse at constant rank
  (exact for full-rank matrices).
"""
from __future__ import annotations

import math
import operator
from collections import namedtuple
from typing import Any

import numpy as np

from ..core import ConcretizationError, LinearityError, Tracer, dtype_of, is_inexact, shape_of
from ..primitives import elementwise as E
from ..primitives.discrete import stacked
from ..primitives import linalg as LA
from ..primitives import linear as L
from . import _core as C
from . import _products as P
from . import _reductions as RD
from . import _shape as S
from ._base import _arr, _ndim
from ._dispatch import implements
from ._nondiff import on_primal

__all__ = [
    "inv", "solve", "det", "slogdet", "cholesky", "qr", "eigh", "eigvalsh", "eig", "eigvals",
    "svd", "svdvals", "pinv", "lstsq", "norm", "matrix_norm", "vector_norm", "matrix_power",
    "multi_dot", "cond", "matrix_rank", "tensorsolve", "tensorinv", "LinAlgError",
    "trace", "diagonal", "cross", "outer", "tensordot", "matmul", "matrix_transpose", "vecdot",
    "SlogdetResult", "EighResult", "EigResult", "SVDResult", "QRResult",
]

LinAlgError = np.linalg.LinAlgError

SlogdetResult = namedtuple("SlogdetResult", ["sign", "logabsdet"])
EighResult = namedtuple("EighResult", ["eigenvalues", "eigenvectors"])
EigResult = namedtuple("EigResult", ["eigenvalues", "eigenvectors"])
SVDResult = namedtuple("SVDResult", ["U", "S", "Vh"])
QRResult = namedtuple("QRResult", ["Q", "R"])

_NOVALUE = object()


# ============================================================================ helpers

def _inexact(x: Any) -> Any:
    """``x`` as an array; integer and boolean arrays become float64 (as NumPy computes)."""
    x = _arr(x)
    return x if is_inexact(dtype_of(x)) else C.astype(x, np.float64)


def _square(a: Any) -> Any:
    """``a`` as an inexact stack of square matrices (NumPy's errors otherwise)."""
    a = _inexact(a)
    if _ndim(a) < 2:
        raise LinAlgError(f"{_ndim(a)}-dimensional array given. Array must be at least "
                          "two-dimensional")
    if shape_of(a)[-1] != shape_of(a)[-2]:
        raise LinAlgError("Last 2 dimensions of the array must be square")
    return a


def _broadcast_batch(x: Any, batch: tuple) -> Any:
    return L.broadcast_to(x, tuple(batch) + tuple(shape_of(x)[-2:]))


def _as_columns(b: Any, n: int, name: str) -> tuple[Any, bool]:
    """NumPy 2's rule: ``b`` is one vector only if it is 1-D; else a stack of matrices."""
    if _ndim(b) == 0:
        raise ValueError(f"{name}: the right-hand side must be at least 1-dimensional")
    if _ndim(b) == 1:
        if shape_of(b)[0] != n:
            raise ValueError(f"{name}: the right-hand side has {shape_of(b)[0]} rows but the "
                             f"matrix has {n}")
        return L.reshape(b, (n, 1)), True
    if shape_of(b)[-2] != n:
        raise ValueError(f"{name}: the right-hand side has {shape_of(b)[-2]} rows but the "
                         f"matrix has {n}")
    return b, False


def _solve_columns(a: Any, b: Any, name: str, solver) -> Any:
    """Broadcast ``a`` and ``b``'s batch dims, apply ``solver(a, b2)``, restore a vector ``b``."""
    n = shape_of(a)[-1]
    b2, vector = _as_columns(b, n, name)
    batch = np.broadcast_shapes(tuple(shape_of(a)[:-2]), tuple(shape_of(b2)[:-2]))
    x = solver(_broadcast_batch(a, batch), _broadcast_batch(b2, batch))
    return L.reshape(x, tuple(batch) + (shape_of(x)[-2],)) if vector else x


# ==================================================================== inverse, solve, determinants

@implements(np.linalg.inv)
def inv(a: Any) -> Any:
    """Inverse of a (stack of) square matrices.

    JVP: ``dY = -Y dA Y`` with ``Y = inv(A)``.  A singular matrix raises NumPy's
    ``LinAlgError``.

    Examples
    --------
    >>> import numpy as np, linad
    >>> linad.numpy.linalg.inv(np.array([[2.0, 0.0], [0.0, 4.0]]))
    array([[0.5 , 0.  ],
           [0.  , 0.25]])
    """
    return LA.inv(_inexact(a))


@implements(np.linalg.solve)
def solve(a: Any, b: Any) -> Any:
    """Solve ``a @ x = b`` (``np.linalg.solve``): ``b`` is one vector only if 1-D.

    ``a`` is LU-factored once; the derivative reuses that factorisation: the
    tangent is ``A^{-1}(db - dA x)`` and the transposed (reverse-mode) solve uses
    the same factor with ``A^T``.  A singular ``a`` raises ``LinAlgError``.

    Examples
    --------
    >>> import numpy as np, linad
    >>> A = np.array([[3.0, 1.0], [1.0, 2.0]])
    >>> linad.grad(lambda b: linad.numpy.linalg.solve(A, b).sum())(np.array([1.0, 1.0]))
    array([0.2, 0.4])
    """
    return _solve_columns(_square(a), _inexact(b), "solve", LA.solve)


@implements(np.linalg.det)
def det(a: Any) -> Any:
    """Determinant of a (stack of) square matrices.

    JVP: ``d det = det * tr(A^{-1} dA)`` (Giles 2008, 2.2.4), from the LU factor;
    at a matrix singular to working precision ``d det = tr(adj(A) dA)`` with
    ``adj(A) = det(U) det(V^H) V diag(prod_{j != i} s_j) U^H`` from the SVD
    (first and second derivatives; a third raises ``NotImplementedError``).

    Examples
    --------
    >>> import numpy as np, linad
    >>> A = np.array([[2.0, 1.0], [1.0, 3.0]])
    >>> linad.grad(linad.numpy.linalg.det)(A)   # det(A) * inv(A).T
    array([[ 3., -1.],
           [-1.,  2.]])
    """
    return LA.det(_square(a))


@implements(np.linalg.slogdet)
def slogdet(a: Any) -> SlogdetResult:
    """Sign and log of the absolute value of the determinant.

    JVP: ``d logabsdet = Re tr(A^{-1} dA)``; ``d sign = sign * i Im tr(A^{-1} dA)``
    (zero for real matrices).  At a singular matrix the result is ``(0, -inf)``,
    ``logabsdet`` has no derivative and its tangent is NaN (as JAX gives).

    Examples
    --------
    >>> import numpy as np, linad
    >>> A = np.array([[2.0, 0.0], [0.0, 3.0]])
    >>> linad.grad(lambda A: linad.numpy.linalg.slogdet(A).logabsdet)(A)
    array([[0.5       , 0.        ],
           [0.        , 0.33333333]])
    """
    sign, logabsdet = LA.slogdet(_square(a))
    return SlogdetResult(sign, logabsdet)


# ============================================================================ factorisations

@implements(np.linalg.cholesky)
def cholesky(a: Any, /, *, upper: bool = False) -> Any:
    """Cholesky factor ``L`` with ``a = L @ L^H`` (``U = L^H`` if ``upper``).

    Only the lower (``upper``: upper) triangle of ``a`` is read, as in NumPy, and
    only it has a derivative: ``dL = L Phi(L^{-1} dH L^{-H})`` with
    ``Phi(X) = tril(X, -1) + diag(X)/2`` (Giles 2008, 2.3.6).  A matrix that is
    not positive definite raises ``LinAlgError``.

    Examples
    --------
    >>> import numpy as np, linad
    >>> linad.numpy.linalg.cholesky(np.array([[4.0, 2.0], [2.0, 5.0]]))
    array([[2., 0.],
           [1., 2.]])
    """
    return LA.cholesky(_square(a), upper=upper)


@implements(np.linalg.qr)
def qr(a: Any, mode: str = "reduced") -> Any:
    """QR decomposition; ``mode`` is ``'reduced'``, ``'complete'`` or ``'r'``.

    For ``m >= n`` (full column rank): ``C = Q^H dA R^{-1}``, ``dR = (C - Omega) R``,
    ``dQ = dA R^{-1} + Q (Omega - C)`` with ``Omega`` the skew-Hermitian matrix whose
    strict lower triangle is that of ``C``.  For ``m < n``, ``R = [R1, Q^H Y]``.  In
    ``'complete'`` mode with ``m > n`` the extra columns ``Q2`` of ``Q`` are only
    defined up to a rotation; their tangent is taken with ``Q2^H dQ2 = 0``.
    ``mode='raw'`` is not supported.

    Examples
    --------
    >>> import numpy as np, linad
    >>> q, r = linad.numpy.linalg.qr(np.array([[3.0, 1.0], [4.0, 2.0]]))
    >>> np.round(r, 6)
    array([[-5. , -2.2],
           [ 0. ,  0.4]])
    """
    if mode not in ("reduced", "complete", "r", "raw"):
        raise ValueError(f"Unrecognized mode '{mode}'")
    if mode == "raw":
        raise NotImplementedError("qr(mode='raw') returns Householder reflectors, which linad "
                                  "does not differentiate; use mode='reduced' or 'complete'")
    a = _inexact(a)
    if _ndim(a) < 2:
        raise LinAlgError(f"{_ndim(a)}-dimensional array given. Array must be at least "
                          "two-dimensional")
    q, r = LA.qr(a, complete=mode == "complete")
    return r if mode == "r" else QRResult(q, r)


def _uplo(UPLO: str) -> bool:
    if UPLO not in ("L", "U"):
        raise ValueError("UPLO argument must be 'L' or 'U'")
    return UPLO == "L"


@implements(np.linalg.eigh)
def eigh(a: Any, UPLO: str = "L") -> EighResult:
    """Eigenvalues (ascending) and eigenvectors of a Hermitian matrix.

    The matrix is read from the ``UPLO`` triangle.  JVP (Giles 2008, 2.3.4):
    ``P = V^H dH V``, ``dw = diag(P)``, ``dV = V (F o P)`` with
    ``F_ij = 1/(w_j - w_i)`` (0 where ``w_i == w_j``).

    Examples
    --------
    >>> import numpy as np, linad
    >>> A = np.array([[2.0, 1.0], [1.0, 2.0]])
    >>> linad.grad(lambda A: linad.numpy.linalg.eigh(A).eigenvalues[1])(A)
    array([[0.5, 0. ],
           [1. , 0.5]])
    """
    w, v = LA.eigh(_square(a), lower=_uplo(UPLO))
    return EighResult(w, v)


@implements(np.linalg.eigvalsh)
def eigvalsh(a: Any, UPLO: str = "L") -> Any:
    """Eigenvalues (ascending) of a Hermitian matrix; ``dw = diag(V^H dH V)``.

    Finite at repeated eigenvalues; exact for symmetric functions of them.

    Examples
    --------
    >>> import numpy as np, linad
    >>> linad.grad(lambda A: linad.numpy.linalg.eigvalsh(A).sum())(np.eye(2))
    array([[1., 0.],
           [0., 1.]])
    """
    return eigh(a, UPLO).eigenvalues


@implements(np.linalg.eig)
def eig(a: Any) -> EigResult:
    """Eigenvalues and unit-norm eigenvectors of a general square matrix.

    Real input gives complex output when some eigenvalue is complex (as NumPy).
    JVP: ``P = V^{-1} dA V``, ``dw = diag(P)``, ``dV = V (F o P)`` followed by
    ``dv_i -= v_i Re(v_i^H dv_i)`` (keeps ``|v_i| = 1``); the phase of each
    eigenvector is a gauge.

    Examples
    --------
    >>> import numpy as np, linad
    >>> A = np.array([[1.0, 2.0], [0.0, 3.0]])
    >>> linad.jvp(lambda A: linad.numpy.linalg.eig(A).eigenvalues, (A,), (np.eye(2),))[1]
    array([1., 1.])
    """
    w, v = LA.eig(_square(a))
    return EigResult(w, v)


@implements(np.linalg.eigvals)
def eigvals(a: Any) -> Any:
    """Eigenvalues of a general square matrix: ``dw = diag(V^{-1} dA V)``.

    Examples
    --------
    >>> import numpy as np, linad
    >>> linad.numpy.linalg.eigvals(np.array([[2.0, 0.0], [0.0, 3.0]]))
    array([2., 3.])
    """
    return eig(a).eigenvalues


@implements(np.linalg.svd)
def svd(a: Any, full_matrices: bool = True, compute_uv: bool = True,
        hermitian: bool = False) -> Any:
    """Singular value decomposition ``a = U @ diag(S) @ Vh``.

    JVP (Giles 2008, 2.3.5): ``P = U^H dA V``, ``dS = Re diag(P)`` and the
    singular-vector formula of :mod:`linad.primitives.linalg`; coinciding singular
    values drop their coupling term, zero singular values their ``1/s`` term.
    ``hermitian=True`` reads the lower triangle (as NumPy) but uses the general SVD.

    Examples
    --------
    >>> import numpy as np, linad
    >>> A = np.array([[3.0, 0.0], [0.0, 1.0]])
    >>> linad.grad(lambda A: linad.numpy.linalg.svd(A, compute_uv=False)[0])(A)
    array([[1., 0.],
           [0., 0.]])
    """
    a = _inexact(a)
    if _ndim(a) < 2:
        raise LinAlgError(f"{_ndim(a)}-dimensional array given. Array must be at least "
                          "two-dimensional")
    if hermitian:
        a = LA.hermitian_part(_square(a), lower=True)
    if not compute_uv:
        return LA.svd(a, full_matrices=False)[1]
    u, s, vh = LA.svd(a, full_matrices=full_matrices)
    return SVDResult(u, s, vh)


@implements(np.linalg.svdvals)
def svdvals(x: Any, /) -> Any:
    """Singular values, descending: ``ds = Re diag(U^H dA V)``.

    Examples
    --------
    >>> import numpy as np, linad
    >>> linad.numpy.linalg.svdvals(np.array([[0.0, 2.0], [1.0, 0.0]]))
    array([2., 1.])
    """
    return svd(x, compute_uv=False)


@implements(np.linalg.pinv)
def pinv(a: Any, rcond: Any = None, hermitian: bool = False, *, rtol: Any = _NOVALUE) -> Any:
    """Moore-Penrose pseudo-inverse (``np.linalg.pinv``).

    JVP (Golub & Pereyra 1973): ``dX = -X dA X + X X^H dA^H (I - A X)
    + (I - X A) dA^H X^H X``, exact where the rank is locally constant.

    Examples
    --------
    >>> import numpy as np, linad
    >>> linad.numpy.linalg.pinv(np.array([[1.0], [1.0]]))
    array([[0.5, 0.5]])
    """
    a = _inexact(a)
    if rcond is None:
        if rtol is _NOVALUE:
            rcond = 1e-15
        elif rtol is None:
            rcond = max(shape_of(a)[-2:]) * np.finfo(dtype_of(a)).eps
        else:
            rcond = rtol
    elif rtol is not _NOVALUE:
        raise ValueError("`rtol` and `rcond` can't be both set.")
    rcond = float(rcond) if np.ndim(rcond) == 0 else np.asarray(rcond)
    if hermitian:
        a = LA.hermitian_part(_square(a), lower=True)
    return LA.pinv(a, rcond=rcond, hermitian=hermitian)


@implements(np.linalg.lstsq)
def lstsq(a: Any, b: Any, rcond: Any = None) -> tuple:
    """Least-squares solution ``(x, residuals, rank, s)`` as ``np.linalg.lstsq``.

    ``x = pinv(a) @ b`` with NumPy's cutoff; ``residuals`` (when ``rank == n < m``)
    and ``s`` are differentiable too; ``rank`` is a Python int (NumPy's is an
    ``np.int32``; a staged int64 under ``linad.jit``).

    Examples
    --------
    >>> import numpy as np, linad
    >>> A = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    >>> np.round(linad.numpy.linalg.lstsq(A, np.array([1.0, 2.0, 3.0]))[0], 6)
    array([1., 2.])
    """
    a, b = _inexact(a), _inexact(b)
    if _ndim(a) != 2:
        raise LinAlgError(f"{_ndim(a)}-dimensional array given. Array must be two-dimensional")
    m, n = shape_of(a)
    if _ndim(b) not in (1, 2):
        raise LinAlgError(f"{_ndim(b)}-dimensional array given. Array must be one or "
                          "two-dimensional")
    b2, vector = _as_columns(b, m, "lstsq")
    dtype = np.result_type(dtype_of(a), dtype_of(b))
    if rcond is None:
        rcond = np.finfo(dtype).eps * max(m, n)
    s = svdvals(a)
    rank = E.on_values(_rank_of, s, rcond=float(rcond))
    if not isinstance(rank, Tracer):
        rank = int(rank)
    x = P.matmul(LA.pinv(a, rcond=float(rcond), hermitian=False), b2)
    if m <= n:
        resid = np.empty((0,), np.finfo(dtype).dtype)
    elif isinstance(rank, Tracer):
        resid = UnavailableResult(ConcretizationError, _STAGED_RESIDUALS)
    else:
        resid = _residuals(a, b2, x) if rank == n else np.empty((0,), np.finfo(dtype).dtype)
    if vector:
        x = S.reshape(x, (n,))
    return x, resid, rank, s


_STAGED_RESIDUALS = (
    "lstsq's residuals under linad.jit: for a tall matrix they are empty unless it has full "
    "column rank, so their shape depends on the values of the matrix and cannot be staged. "
    "Use the solution only (x = lstsq(a, b)[0]), compute the residuals from it "
    "(sum(abs(b - a @ x)**2, axis=0)), or call lstsq without jit.")


def _rank_of(s: np.ndarray, *, rcond: float) -> np.ndarray:
    """The number of singular values ``s`` above ``rcond`` times the largest (NumPy's rank)."""
    return np.asarray(np.sum(s > rcond * s.max(initial=0.0)) if s.size else 0)


class UnavailableResult:
    """Stands for a result that cannot be given where it was asked for (``lstsq``'s
    residuals under ``linear_transpose``, of which they are not a linear function, or
    under ``linad.jit``, where their shape depends on values): using it raises
    ``error(message)``; the results next to it are unaffected."""

    __slots__ = ("_error", "_message")
    __array_ufunc__ = None

    def __init__(self, error: type, message: str):
        self._error = error
        self._message = message

    def _fail(self, *args: Any, **kwargs: Any) -> Any:
        raise self._error(self._message)

    __array__ = __getattr__ = __add__ = __radd__ = __mul__ = __rmul__ = __sub__ = _fail
    __rsub__ = __truediv__ = __getitem__ = __float__ = __len__ = _fail

    def __repr__(self) -> str:
        return f"<unavailable: {self._message}>"


def _residuals(a: Any, b2: Any, x: Any) -> Any:
    """Squared residual norms per column, or an :class:`UnavailableResult` where ``b`` is a
    linear (tangent) value of ``linear_transpose``, of which they are not a linear function."""
    r = C.subtract(b2, P.matmul(a, x))
    try:
        return C.sum(_abs2(r), axis=0)
    except LinearityError:
        return UnavailableResult(LinearityError, "lstsq's residuals are not linear in the inputs "
                                 "of linear_transpose; use only the linear results there")


# ============================================================================ norms

def _abs2(x: Any) -> Any:
    """``|x|**2`` elementwise (real)."""
    return C.multiply(x, x) if dtype_of(x).kind != "c" else L.real(L.mul(x, L.conj(x)))


def _sqrt0(x: Any) -> Any:
    """``sqrt(x)`` whose derivative at 0 is taken as 0."""
    zero = E.detached_value(x) == 0
    if not isinstance(zero, Tracer) and not zero.any():
        return E.sqrt(x)
    dt = dtype_of(x)
    return L.where(zero, np.zeros((), dt), E.sqrt(L.where(zero, np.ones((), dt), x)))


def _abs(x: Any) -> Any:
    """``|x|`` elementwise with derivative ``sign(x)`` (0 at 0)."""
    if dtype_of(x).kind == "c":
        return _sqrt0(_abs2(x))
    return L.mul(x, E.on_values(np.sign, x))


@stacked
def _one_hot(idx: np.ndarray, *, n: int) -> np.ndarray:
    """``out[..., j]`` True where ``j == idx[...]``."""
    return np.asarray(idx)[..., None] == np.arange(n)


def _pick(v: Any, chooser) -> Any:
    """``v[..., chooser(v)]`` along the last axis (the first index in a tie)."""
    idx = E.on_values(chooser, v, axis=-1)
    if isinstance(idx, Tracer):  # staged: the selected entry by a mask, summed with zeros
        mask = E.on_values(_one_hot, idx, n=shape_of(v)[-1])
        return C.sum(L.where(mask, v, np.zeros((), dtype_of(v))), axis=-1)
    batch = idx.shape
    nb = len(batch)
    full = tuple(np.arange(s).reshape((s,) + (1,) * (nb - i - 1)) for i, s in enumerate(batch))
    return L.getitem(v, full + (idx if nb else int(idx),))


def _matrix_norm_last(x: Any, ord: Any) -> Any:
    """A matrix norm over the last two axes."""
    if ord is None or (isinstance(ord, str) and ord in ("fro", "f")):
        return _sqrt0(C.sum(_abs2(x), axis=(-2, -1)))
    if isinstance(ord, str):
        if ord != "nuc":
            raise ValueError("Invalid norm order for matrices.")
        return C.sum(svdvals(x), axis=-1)
    if ord == 2:
        return L.getitem(svdvals(x), (Ellipsis, 0))
    if ord == -2:
        return L.getitem(svdvals(x), (Ellipsis, -1))
    if ord in (1, -1):
        return _pick(C.sum(_abs(x), axis=-2), np.argmax if ord == 1 else np.argmin)
    if ord in (np.inf, -np.inf):
        return _pick(C.sum(_abs(x), axis=-1), np.argmax if ord == np.inf else np.argmin)
    raise ValueError("Invalid norm order for matrices.")


def _matrix_norm(x: Any, ord: Any, axis: tuple, keepdims: bool) -> Any:
    nd = _ndim(x)
    r, c = (operator.index(ax) for ax in axis)
    if not (-nd <= r < nd and -nd <= c < nd):
        raise np.exceptions.AxisError(f"Invalid axis {axis!r} for an array with shape "
                                      f"{tuple(shape_of(x))}")
    r, c = r % nd, c % nd
    if r == c:
        raise ValueError("Duplicate axes given.")
    rest = [i for i in range(nd) if i not in (r, c)]
    res = _matrix_norm_last(S.transpose(x, rest + [r, c]), ord)
    if keepdims:
        shape = list(shape_of(x))
        shape[r] = shape[c] = 1
        res = S.reshape(res, tuple(shape))
    return res


def _vector_norm(x: Any, ord: Any, axis: Any, keepdims: bool) -> Any:
    """Vector norms (``lnp.linalg.norm`` and ``vector_norm`` of vectors)."""
    return RD.vector_norm(x, ord=ord, axis=axis, keepdims=keepdims)


@implements(np.linalg.norm)
def norm(x: Any, ord: Any = None, axis: Any = None, keepdims: bool = False) -> Any:
    """Matrix or vector norm (``np.linalg.norm``).

    Matrix norms (``axis`` a pair, or a 2-D ``x``): ``'fro'``, ``'nuc'`` (sum of
    singular values), ``2``/``-2`` (extreme singular value), ``1``/``-1`` (max/min
    column sum of ``|x|``), ``inf``/``-inf`` (max/min row sum).  Vector norms are
    :func:`vector_norm`'s.

    Examples
    --------
    >>> import numpy as np, linad
    >>> A = np.array([[3.0, 0.0], [0.0, 1.0]])
    >>> linad.grad(lambda A: linad.numpy.linalg.norm(A, 'nuc'))(A)
    array([[1., 0.],
           [0., 1.]])
    """
    x = _inexact(x)
    nd = _ndim(x)
    if axis is None:
        if ord is None:
            res = _vector_norm(S.reshape(x, (-1,)), None, 0, False)
            return S.reshape(res, (1,) * nd) if keepdims else res
        if nd == 1:
            axis = (0,)
        elif nd == 2:
            axis = (0, 1)
        else:
            raise ValueError("Improper number of dimensions to norm.")
    elif isinstance(axis, (int, np.integer)):
        axis = (int(axis),)
    axis = tuple(axis)
    if len(axis) == 1:
        return _vector_norm(x, ord, axis[0], keepdims)
    if len(axis) == 2:
        return _matrix_norm(x, ord, axis, keepdims)
    raise ValueError("Improper number of dimensions to norm.")


@implements(np.linalg.matrix_norm)
def matrix_norm(x: Any, /, *, keepdims: bool = False, ord: Any = "fro") -> Any:
    """Matrix norm over the last two axes (``np.linalg.matrix_norm``).

    Examples
    --------
    >>> import numpy as np, linad
    >>> float(linad.numpy.linalg.matrix_norm(np.array([[3.0, 0.0], [4.0, 0.0]])))
    5.0
    """
    x = _inexact(x)
    return _matrix_norm(x, ord, (-2, -1), keepdims)


@implements(np.linalg.vector_norm)
def vector_norm(x: Any, /, *, axis: Any = None, keepdims: bool = False, ord: Any = 2) -> Any:
    """Vector norm (``np.linalg.vector_norm``): all axes as one vector if ``axis`` is None.

    Examples
    --------
    >>> import numpy as np, linad
    >>> float(linad.numpy.linalg.vector_norm(np.array([[3.0], [4.0]])))
    5.0
    """
    x = _inexact(x)
    if axis is None:
        res = _vector_norm(S.reshape(x, (-1,)), ord, 0, False)
        return S.reshape(res, (1,) * _ndim(x)) if keepdims else res
    return _vector_norm(x, ord, axis, keepdims)


@implements(np.linalg.cond)
def cond(x: Any, p: Any = None) -> Any:
    """Condition number: ``s_max / s_min`` for ``p`` in (None, 2), ``s_min / s_max`` for -2,
    otherwise ``norm(x, p) * norm(inv(x), p)``.

    Examples
    --------
    >>> import numpy as np, linad
    >>> float(linad.numpy.linalg.cond(np.array([[4.0, 0.0], [0.0, 2.0]])))
    2.0
    """
    x = _inexact(x)
    if p is None or p in (2, -2):
        s = svdvals(x)
        big, small = L.getitem(s, (Ellipsis, 0)), L.getitem(s, (Ellipsis, -1))
        return C.divide(small, big) if p == -2 else C.divide(big, small)
    x = _square(x)
    return C.multiply(_matrix_norm(x, p, (-2, -1), False),
                      _matrix_norm(inv(x), p, (-2, -1), False))


@implements(np.linalg.matrix_rank)
def matrix_rank(A: Any, tol: Any = None, hermitian: bool = False, *, rtol: Any = None) -> Any:
    """Rank (an integer: no derivative), computed on the value (staged under ``linad.jit``).

    Examples
    --------
    >>> import numpy as np, linad
    >>> int(linad.numpy.linalg.matrix_rank(np.ones((2, 2))))
    1
    """
    return on_primal(np.linalg.matrix_rank)(A, tol=tol, hermitian=hermitian, rtol=rtol)


# ======================================================================= powers, products, tensors

@implements(np.linalg.matrix_power)
def matrix_power(a: Any, n: int) -> Any:
    """``a`` raised to the integer power ``n`` by repeated squaring (``inv`` first if ``n < 0``).

    Examples
    --------
    >>> import numpy as np, linad
    >>> linad.grad(lambda A: linad.numpy.linalg.matrix_power(A, 3).trace())(np.eye(2))
    array([[3., 0.],
           [0., 3.]])
    """
    try:
        n = operator.index(n)
    except TypeError:
        raise TypeError("exponent must be an integer") from None
    a = _arr(a)
    if _ndim(a) < 2 or shape_of(a)[-1] != shape_of(a)[-2]:
        _square(a)
    if n == 0:
        eye = np.eye(shape_of(a)[-1], dtype=dtype_of(a))
        return np.array(np.broadcast_to(eye, tuple(shape_of(a))))
    if n < 0:
        a = inv(a)
        n = -n
    result, power_ = None, a
    while n:
        if n & 1:
            result = power_ if result is None else P.matmul(result, power_)
        n >>= 1
        if n:
            power_ = P.matmul(power_, power_)
    return result


multi_dot = P.multi_dot


@implements(np.linalg.tensorsolve)
def tensorsolve(a: Any, b: Any, axes: Any = None) -> Any:
    """Solve ``tensordot(a, x, axes=x.ndim) = b`` for ``x`` (``np.linalg.tensorsolve``).

    Examples
    --------
    >>> import numpy as np, linad
    >>> a = np.eye(4).reshape(2, 2, 2, 2) * 2.0
    >>> linad.numpy.linalg.tensorsolve(a, np.ones((2, 2)))
    array([[0.5, 0.5],
           [0.5, 0.5]])
    """
    a, b = _inexact(a), _inexact(b)
    an, bn = _ndim(a), _ndim(b)
    if axes is not None:
        order = [k for k in range(an) if k not in [ax % an for ax in axes]]
        order += [ax % an for ax in axes]
        a = S.transpose(a, order)
    shape = tuple(shape_of(a))
    old = shape[bn:]
    size = math.prod(old)
    if math.prod(shape[:bn]) != size:
        raise LinAlgError("Input arrays must satisfy the requirement "
                          "prod(a.shape[b.ndim:]) == prod(a.shape[:b.ndim])")
    x = solve(S.reshape(a, (size, size)), S.reshape(b, (size,)))
    return S.reshape(x, old)


@implements(np.linalg.tensorinv)
def tensorinv(a: Any, ind: int = 2) -> Any:
    """Inverse of an N-d array with respect to ``tensordot`` (``np.linalg.tensorinv``).

    Examples
    --------
    >>> import numpy as np, linad
    >>> linad.numpy.linalg.tensorinv(np.eye(4).reshape(4, 2, 2) * 2.0, ind=1).shape
    (2, 2, 4)
    """
    a = _inexact(a)
    if ind <= 0:
        raise ValueError("Invalid ind argument.")
    shape = tuple(shape_of(a))
    size = math.prod(shape[:ind])
    rest = math.prod(shape[ind:])
    inverse = inv(_square(S.reshape(a, (size, rest))))
    return S.reshape(inverse, shape[ind:] + shape[:ind])


# ======================================================= the array API names of numpy.linalg

@implements(np.linalg.trace)
def trace(x: Any, /, *, offset: int = 0, dtype: Any = None) -> Any:
    """Sum of the diagonals of the last two axes (``np.linalg.trace``); linear.

    Examples
    --------
    >>> import numpy as np, linad
    >>> linad.numpy.linalg.trace(np.arange(8.0).reshape(2, 2, 2))
    array([ 3., 11.])
    """
    return P.trace(x, offset=offset, axis1=-2, axis2=-1, dtype=dtype)


@implements(np.linalg.diagonal)
def diagonal(x: Any, /, *, offset: int = 0) -> Any:
    """Diagonals of the last two axes (``np.linalg.diagonal``); linear.

    Examples
    --------
    >>> import numpy as np, linad
    >>> linad.numpy.linalg.diagonal(np.arange(4.0).reshape(2, 2))
    array([0., 3.])
    """
    return S.diagonal(x, offset, -2, -1)


@implements(np.linalg.cross)
def cross(x1: Any, x2: Any, /, *, axis: int = -1) -> Any:
    """Cross product of 3-vectors along ``axis`` (``np.linalg.cross``); bilinear.

    Examples
    --------
    >>> import numpy as np, linad
    >>> linad.numpy.linalg.cross(np.array([1.0, 0.0, 0.0]), np.array([0.0, 1.0, 0.0]))
    array([0., 0., 1.])
    """
    n1, n2 = shape_of(x1)[axis], shape_of(x2)[axis]
    if n1 != 3 or n2 != 3:
        raise ValueError("Both input arrays must be (arrays of) 3-dimensional vectors, but they "
                         f"are {n1} and {n2} dimensional instead.")
    return P.cross(x1, x2, axis=axis)


@implements(np.linalg.outer)
def outer(x1: Any, x2: Any, /) -> Any:
    """Outer product of two vectors (``np.linalg.outer``: 1-D inputs only); bilinear.

    Examples
    --------
    >>> import numpy as np, linad
    >>> linad.numpy.linalg.outer(np.array([1.0, 2.0]), np.array([3.0, 4.0]))
    array([[3., 4.],
           [6., 8.]])
    """
    if _ndim(x1) != 1 or _ndim(x2) != 1:
        raise ValueError("Input arrays must be one-dimensional, but they are "
                         f"x1.ndim={_ndim(x1)} and x2.ndim={_ndim(x2)}.")
    return P.outer(x1, x2)


@implements(np.linalg.tensordot)
def tensordot(x1: Any, x2: Any, /, *, axes: Any = 2) -> Any:
    """Tensor contraction (``np.linalg.tensordot``); bilinear.

    Examples
    --------
    >>> import numpy as np, linad
    >>> float(linad.numpy.linalg.tensordot(np.eye(2), np.ones((2, 2))))
    2.0
    """
    return P.tensordot(x1, x2, axes=axes)


@implements(np.linalg.matmul)
def matmul(x1: Any, x2: Any, /) -> Any:
    """Matrix product (``np.linalg.matmul``); bilinear.

    Examples
    --------
    >>> import numpy as np, linad
    >>> linad.numpy.linalg.matmul(np.eye(2), np.array([1.0, 2.0]))
    array([1., 2.])
    """
    return P.matmul(x1, x2)


@implements(np.linalg.matrix_transpose)
def matrix_transpose(x: Any, /) -> Any:
    """Swap the last two axes (``np.linalg.matrix_transpose``); linear.

    Examples
    --------
    >>> import numpy as np, linad
    >>> linad.numpy.linalg.matrix_transpose(np.ones((3, 1, 2))).shape
    (3, 2, 1)
    """
    if _ndim(x) < 2:
        raise ValueError(f"Input array must be at least 2-dimensional, but it is {_ndim(x)}")
    return S.matrix_transpose(x)


@implements(np.linalg.vecdot)
def vecdot(x1: Any, x2: Any, /, *, axis: int = -1) -> Any:
    """``sum(conj(x1) * x2, axis)`` (``np.linalg.vecdot``); bilinear (conjugate-linear in x1).

    Examples
    --------
    >>> import numpy as np, linad
    >>> complex(linad.numpy.linalg.vecdot(np.array([1j, 2.0]), np.array([1j, 1.0])))
    (3+0j)
    """
    return P._vecdot(x1, x2, axis=axis)
