r"""The numerical kernels of the linear-algebra primitives: NumPy in, NumPy out.

No differentiation here (the primitives and their JVP, transpose and batch rules
are in :mod:`linad.primitives.linalg`); these are the computations the rules
reuse:

* :class:`LUFactor`: the LU factorisation (LAPACK ``getrf``, called directly for
  a single float or complex matrix) made once and reused by the primal solve,
  every tangent solve and every transposed solve of ``solve``; also the inverse
  (``getrs`` against the identity), ``det`` and ``slogdet`` from the factor.
* :func:`shared_lu`: that factor of a primal matrix, made once per
  transformation (:mod:`linad.optimize.sharing`, keyed by the matrix's identity) and
  shared by the rules of ``inv``, ``det`` and ``slogdet``.
* :class:`SchurPair`: the Schur forms of ``A`` and ``B`` for the Sylvester
  equation :math:`AX + XB = Q` (LAPACK ``trsyl``), reused by its transpose.
* :func:`frechet_derivative`: :math:`L_f(A, E)` of a primary matrix function as
  the top-right block of :math:`f([[A, E], [0, A]])` (SciPy's ``expm_frechet``
  for ``expm``).
* :func:`map_matrices`: a per-matrix routine applied over leading batch axes.
* :func:`adjugate_of`: the adjugate, :math:`\det(A)A^{-1}` at regular matrices and
  :func:`adjugate_svd` at singular ones.
* :func:`adjugate_svd`: the adjugate :math:`\mathrm{adj}(A)` from the SVD, exact
  also for singular matrices, and the products of singular values its derivative
  needs (:func:`all_but_one`, :func:`all_but_two`).
"""
from __future__ import annotations

import functools
import warnings
from typing import Any, Callable

import numpy as np
import scipy.linalg as sla

from ..core import format_aval
from ..optimize import enabled
from ..optimize.sharing import shared

__all__ = ["map_matrices", "perm_from_piv", "LUFactor", "shared_lu", "SchurPair",
           "MATRIX_FUNCTIONS", "PARAMETRIC_MATRIX_FUNCTIONS", "matrix_function",
           "frechet_derivative", "all_but_one", "all_but_two", "adjugate_svd", "adjugate_of",
           "numerically_singular"]


def map_matrices(fn: Callable, batch: tuple, *arrays: np.ndarray) -> Any:
    """Apply ``fn`` to each core block of arrays that share the leading ``batch`` shape.

    A tuple result of ``fn`` gives a tuple of stacked arrays.

    Examples
    --------
    >>> map_matrices(np.trace, (2,), np.ones((2, 3, 3)))
    array([3., 3.])
    """
    batch = tuple(batch)
    if not batch:
        return fn(*arrays)
    nb = len(batch)
    flat = [np.reshape(a, (-1,) + np.shape(a)[nb:]) for a in arrays]
    outs = [fn(*(a[i] for a in flat)) for i in range(flat[0].shape[0])]
    if isinstance(outs[0], tuple):
        return tuple(_restack(list(o), batch) for o in zip(*outs))
    return _restack(outs, batch)


def _restack(outs: list, batch: tuple) -> np.ndarray:
    r = np.stack(outs)
    return r.reshape(batch + r.shape[1:])


def _check_square(a: np.ndarray) -> None:
    """NumPy's error for an array that is not a (stack of) square matrices."""
    s = a.shape
    if len(s) < 2:
        raise np.linalg.LinAlgError(f"{len(s)}-dimensional array given. Array must be at "
                                    "least two-dimensional")
    if s[-1] != s[-2]:
        raise np.linalg.LinAlgError("Last 2 dimensions of the array must be square")


def perm_from_piv(piv: np.ndarray) -> np.ndarray:
    """The row permutation of LAPACK pivots: ``(L @ U) == A[..., perm, :]``.

    ``piv[..., i] = j`` means rows ``i`` and ``j`` were interchanged, in order.

    Examples
    --------
    >>> perm_from_piv(np.array([2, 2, 2]))
    array([2, 0, 1])
    """
    piv = np.asarray(piv)
    perm = np.array(np.broadcast_to(np.arange(piv.shape[-1]), piv.shape))
    for i in range(piv.shape[-1]):
        j = piv[..., i:i + 1]
        pi = perm[..., i:i + 1].copy()
        perm[..., i:i + 1] = np.take_along_axis(perm, j, -1)
        np.put_along_axis(perm, j, pi, -1)
    return perm


def _direct_lapack(m: np.ndarray) -> bool:
    """Whether LAPACK is called on ``m`` directly: one nonempty float or complex matrix."""
    return m.ndim == 2 and m.size > 0 and m.dtype.char in "fdFD"


@functools.lru_cache(maxsize=None)
def _lapack(name: str, typecode: str) -> Callable:
    """The LAPACK routine ``name`` for arrays of dtype char ``typecode`` (one of "fdFD")."""
    return sla.get_lapack_funcs((name,), dtype=np.dtype(typecode))[0]


def _getrf(m: np.ndarray) -> tuple:
    """``(lu, piv)`` of one square matrix, as ``scipy.linalg.lu_factor(m, check_finite=False)``
    but without its wrapper and without a warning for a singular ``m``.

    Float and complex matrices go to LAPACK ``getrf`` directly (``m`` is copied,
    never overwritten); other dtypes and empty matrices to SciPy.

    Examples
    --------
    >>> lu, piv = _getrf(np.array([[1.0, 2.0], [3.0, 4.0]]))
    >>> lu, piv
    (array([[3.        , 4.        ],
           [0.33333333, 0.66666667]]), array([1, 1], dtype=int32))
    """
    if _direct_lapack(m):
        lu, piv, info = _lapack("getrf", m.dtype.char)(m, overwrite_a=False)
        if info < 0:  # pragma: no cover - LAPACK's report of an illegal argument
            raise ValueError(f"getrf: illegal value in argument {-info}")
        return lu, piv
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", sla.LinAlgWarning)
        return sla.lu_factor(m, check_finite=False)


class LUFactor:
    """The LU factorisation (LAPACK ``getrf``) of a stack of square matrices, made once.

    Its arrays are operands of ``solve_p``: the primal solve, the tangent solves
    and the transposed solves of the backward pass all reuse them.

    Examples
    --------
    >>> f = LUFactor.of(np.array([[2.0, 1.0], [1.0, 3.0]]))
    >>> f.solve(np.array([[3.0], [4.0]]), trans=0)
    array([[1.],
           [1.]])
    """

    __slots__ = ("lu", "piv")

    def __init__(self, lu: np.ndarray, piv: np.ndarray):
        self.lu = lu
        self.piv = piv

    @classmethod
    def of(cls, a: Any) -> "LUFactor":
        """Factor the array ``a``; a singular matrix raises ``LinAlgError``.

        A stack of matrices is not factored here when the optimisations are on: NumPy's
        batched solvers (LAPACK ``gesv``, looping in C) factor and solve in one call,
        where a factor kept in Python costs one LAPACK call per matrix and per solve.
        The factor then holds the matrices themselves (:attr:`deferred`).
        """
        a = np.asarray(a)
        _check_square(a)
        if a.ndim > 2 and enabled():
            return cls(a, np.zeros(a.shape[:-2] + (0,), np.int32))
        lu, piv = map_matrices(_getrf, a.shape[:-2], a)
        if np.any(np.diagonal(lu, axis1=-2, axis2=-1) == 0):
            raise np.linalg.LinAlgError("Singular matrix")
        return cls(lu, piv)

    @property
    def deferred(self) -> bool:
        """True when ``lu`` holds the matrices, to be factored by NumPy's batched solvers."""
        return self.piv.shape[-1] == 0 and self.lu.shape[-1] > 0

    def solve(self, b: np.ndarray, trans: int) -> np.ndarray:
        """``op(A)^{-1} b`` for ``b`` of shape ``(..., n, k)``."""
        b = np.asarray(b)
        if self.deferred:
            a = self.lu if trans == 0 else np.swapaxes(self.lu, -1, -2)
            x = np.linalg.solve(a.conj() if trans == 2 else a, b)
            return x.astype(np.result_type(self.lu, b), copy=False)
        batch = b.shape[:-2]
        lu = np.broadcast_to(self.lu, batch + self.lu.shape[-2:])
        piv = np.broadcast_to(self.piv, batch + self.piv.shape[-1:])
        x = map_matrices(lambda f, p, r: sla.lu_solve((f, p), r, trans=trans,
                                                       check_finite=False), batch, lu, piv, b)
        return np.asarray(x).astype(np.result_type(self.lu, b), copy=False)

    def inverse(self) -> np.ndarray:
        """``A^{-1}``: the factor solved against the identity.

        Examples
        --------
        >>> LUFactor.of(np.diag([2.0, 4.0])).inverse()
        array([[0.5 , 0.  ],
               [0.  , 0.25]])
        """
        if self.deferred:
            return np.linalg.inv(self.lu)
        eye = np.eye(self.lu.shape[-1], dtype=self.lu.dtype)
        if not _direct_lapack(self.lu):
            return self.solve(np.broadcast_to(eye, self.lu.shape), 0)
        # eye.T is the identity in Fortran order: getrs overwrites it with the inverse
        x, info = _lapack("getrs", self.lu.dtype.char)(self.lu, self.piv, eye.T, overwrite_b=True)
        return x

    def slogdet(self) -> tuple:
        """``(sign, log|det A|)`` from the diagonal of ``U`` and the parity of the pivots,
        as :func:`numpy.linalg.slogdet` computes them.

        Examples
        --------
        >>> sign, logdet = LUFactor.of(np.array([[0.0, 2.0], [3.0, 0.0]])).slogdet()
        >>> float(sign), round(float(np.exp(logdet)), 12)
        (-1.0, 6.0)
        """
        if self.deferred:
            return np.linalg.slogdet(self.lu)
        d = np.diagonal(self.lu, axis1=-2, axis2=-1)
        swaps = np.count_nonzero(self.piv != np.arange(self.piv.shape[-1]), axis=-1)
        absd = np.abs(d)
        units = d / absd if d.dtype.kind == "c" else np.sign(d)
        sign = np.prod(units, axis=-1) * np.where(swaps % 2, -1, 1).astype(d.dtype)
        return sign, np.sum(np.log(absd), axis=-1)

    def det(self) -> Any:
        """``det A`` as NumPy computes it from the factor: ``sign * exp(log|det A|)``.

        Examples
        --------
        >>> round(float(LUFactor.of(np.array([[0.0, 2.0], [3.0, 0.0]])).det()), 12)
        -6.0
        """
        sign, logdet = self.slogdet()
        return sign * np.exp(logdet)

    def __repr__(self) -> str:
        return f"LU<{format_aval(self.lu.shape, self.lu.dtype)}>"


def shared_lu(a: Any) -> LUFactor | None:
    """The LU factor of the primal matrix ``a``, made once per transformation (see
    :mod:`linad.optimize.sharing`) and shared by the rules of ``inv``, ``det`` and ``slogdet``.

    Only a single square float or complex matrix (a NumPy array) is factored
    here; for stacks (NumPy's batched routines loop in C, the factor in Python),
    other dtypes and traced values the rules keep their own primitives (None), and
    so they do with the optimisations switched off (:mod:`linad.optimize`).

    Examples
    --------
    >>> shared_lu(np.diag([2.0, 4.0])).slogdet()[1] == np.log(8.0)
    np.True_
    >>> shared_lu(np.ones((2, 3, 3))) is None
    True
    """
    if (type(a) is not np.ndarray or a.ndim != 2 or a.shape[0] != a.shape[1]
            or a.shape[0] == 0 or a.dtype.char not in "fdFD" or not enabled()):
        return None
    return shared("lu", a, lambda: LUFactor.of(a))


#: The primary matrix functions of ``matfunc``, by name.
MATRIX_FUNCTIONS: dict[str, Callable] = {
    "expm": sla.expm, "logm": sla.logm, "sqrtm": sla.sqrtm, "cosm": sla.cosm, "sinm": sla.sinm,
    "tanm": sla.tanm, "coshm": sla.coshm, "sinhm": sla.sinhm, "tanhm": sla.tanhm,
}


#: Primary matrix functions with a scalar parameter: ``func`` is ``(name, parameter)``.
PARAMETRIC_MATRIX_FUNCTIONS: dict[str, Callable] = {
    "fractional_matrix_power": sla.fractional_matrix_power,
}


def matrix_function(func: Any) -> Callable:
    """The routine of ``func``: a key of :data:`MATRIX_FUNCTIONS`, or ``(name, parameter)``
    with ``name`` a key of :data:`PARAMETRIC_MATRIX_FUNCTIONS`.

    Examples
    --------
    >>> matrix_function(("fractional_matrix_power", 0.5))(np.diag([4.0, 9.0])).real
    array([[2., 0.],
           [0., 3.]])
    """
    if isinstance(func, tuple):
        name, param = func
        return functools.partial(PARAMETRIC_MATRIX_FUNCTIONS[name], t=param)
    return MATRIX_FUNCTIONS[func]


def frechet_derivative(func: Any, a: np.ndarray, e: np.ndarray) -> np.ndarray:
    """:math:`L_f(A, E)` for one matrix ``a`` and direction ``e`` (``func`` as in
    :func:`matrix_function`).

    The block :math:`f([[A, sE], [0, A]])` holds :math:`sL_f(A, E)` top right; ``e``
    is scaled to the size of ``a`` first (the block is exactly linear in it).

    Examples
    --------
    >>> frechet_derivative("sqrtm", np.diag([4.0, 9.0]), np.eye(2)).round(12)
    array([[0.25      , 0.        ],
           [0.        , 0.16666667]])
    """
    if func == "expm":
        return sla.expm_frechet(a, e, compute_expm=False, check_finite=False)
    n = a.shape[-1]
    size = np.abs(e).max(initial=0.0)
    if size == 0:
        return np.zeros(np.shape(e), e.dtype)
    scale = max(np.abs(a).max(initial=0.0), 1.0) / size  # the block is exactly linear in e
    block = np.block([[a, scale * e], [np.zeros_like(a), a]])
    return matrix_function(func)(block)[:n, n:] / scale


class SchurPair:
    """Schur forms of ``A`` and ``B`` for solving ``AX + XB = Q``, computed once.

    Its arrays are operands of ``sylvester_p``; the transposed equation
    ``A^T X + X B^T = Q`` (the backward pass) reuses the same forms.

    Examples
    --------
    >>> f = SchurPair.of(np.diag([1.0, 2.0]), np.diag([3.0]), np.float64)
    >>> f.solve(np.array([[4.0], [10.0]]), trans=0)
    array([[1.],
           [2.]])
    """

    __slots__ = ("ra", "ua", "rb", "ub")

    def __init__(self, ra, ua, rb, ub):
        self.ra, self.ua, self.rb, self.ub = ra, ua, rb, ub

    @classmethod
    def of(cls, a: Any, b: Any, dtype: Any) -> "SchurPair":
        """Schur forms of the arrays ``a`` and ``b`` (complex if ``dtype`` is)."""
        dtype = np.dtype(dtype)
        output = "complex" if dtype.kind == "c" else "real"
        a = np.asarray(a).astype(dtype)
        b = np.asarray(b).astype(dtype)
        ra, ua = map_matrices(lambda m: sla.schur(m, output=output), a.shape[:-2], a)
        rb, ub = map_matrices(lambda m: sla.schur(m, output=output), b.shape[:-2], b)
        return cls(ra, ua, rb, ub)

    def solve(self, q: np.ndarray, trans: int) -> np.ndarray:
        """``X`` with ``A X + X B = q`` (``trans=0``) or ``A^T X + X B^T = q`` (``trans=1``)."""
        q = np.asarray(q)
        dtype = self.ra.dtype
        batch = q.shape[:-2]
        arrays = [np.broadcast_to(x, batch + x.shape[-2:]) for x in (self.ra, self.ua, self.rb,
                                                                     self.ub)]
        out = map_matrices(lambda ra, ua, rb, ub, c: _sylvester_one(ra, ua, rb, ub, c, trans),
                            batch, *arrays, q.astype(dtype))
        return np.asarray(out).astype(np.result_type(dtype, q), copy=False)

    def __repr__(self) -> str:
        return (f"Schur<{format_aval(self.ra.shape, self.ra.dtype)}, "
                f"{format_aval(self.rb.shape, self.rb.dtype)}>")


def _sylvester_one(ra, ua, rb, ub, q, trans):
    trsyl, = sla.get_lapack_funcs(("trsyl",), (ra, rb, q))
    if trans == 0:
        y, scale, info = trsyl(ra, rb, ua.conj().T @ q @ ub)
        return ua @ (y / scale) @ ub.conj().T
    op = "C" if ra.dtype.kind == "c" else "T"
    z, scale, info = trsyl(ra, rb, ua.conj().T @ q.conj() @ ub, trana=op, tranb=op)
    return (ua @ (z / scale) @ ub.conj().T).conj()


# ============================================================================ adjugate

def all_but_one(s: np.ndarray) -> np.ndarray:
    """``out[..., i] = prod_{j != i} s[..., j]``, without dividing (exact when some ``s`` are 0).

    Examples
    --------
    >>> all_but_one(np.array([2.0, 3.0, 0.0]))
    array([0., 0., 6.])
    """
    s = np.asarray(s)
    ones = np.ones(s.shape[:-1] + (1,), s.dtype)
    before = np.cumprod(np.concatenate([ones, s[..., :-1]], -1), -1)
    after = np.cumprod(np.concatenate([ones, s[..., :0:-1]], -1), -1)[..., ::-1]
    return before * after


def all_but_two(s: np.ndarray) -> np.ndarray:
    """``out[..., i, j] = prod_{l not in {i, j}} s[..., l]`` for ``i != j``, 0 on the diagonal.

    Examples
    --------
    >>> all_but_two(np.array([2.0, 3.0, 5.0]))
    array([[0., 5., 3.],
           [5., 0., 2.],
           [3., 2., 0.]])
    """
    s = np.asarray(s)
    n = s.shape[-1]
    rows = []
    for i in range(n):
        si = s.copy()
        si[..., i] = 1
        rows.append(all_but_one(si))
    out = np.stack(rows, -2)
    out[..., np.arange(n), np.arange(n)] = 0
    return out


def adjugate_svd(a: np.ndarray) -> tuple:
    r"""``(adj(A), c, U, s, V)`` for a stack of square matrices, from ``A = U diag(s) V^H``.

    :math:`\mathrm{adj}(A) = c\,V\,\mathrm{diag}(\hat s)\,U^H` with
    :math:`c = \det U\,\det V^H` and :math:`\hat s_i = \prod_{j\ne i} s_j`: exact
    at every matrix, singular ones included (no division by a singular value).

    Examples
    --------
    >>> adjugate_svd(np.array([[1.0, 2.0], [2.0, 4.0]]))[0].round(12)
    array([[ 4., -2.],
           [-2.,  1.]])
    """
    a = np.asarray(a)
    u, s, vh = np.linalg.svd(a)
    c = np.linalg.det(u) * np.linalg.det(vh)
    v = np.conj(np.swapaxes(vh, -1, -2))
    adj = (v * all_but_one(s)[..., None, :]) @ np.conj(np.swapaxes(u, -1, -2))
    return adj * c[..., None, None], c, u, s, v


def adjugate_of(a: np.ndarray) -> np.ndarray:
    r"""The adjugate of each matrix of the stack ``a``: :math:`\det(A)A^{-1}` from the LU
    factor when no matrix is singular to working precision (:func:`numerically_singular`),
    else from the SVD (:func:`adjugate_svd`, exact at singular matrices).

    Examples
    --------
    >>> adjugate_of(np.array([[2.0, 1.0], [1.0, 3.0]]))
    array([[ 3., -1.],
           [-1.,  2.]])
    >>> adjugate_of(np.array([[1.0, 2.0], [2.0, 4.0]])).round(12)
    array([[ 4., -2.],
           [-2.,  1.]])
    """
    a = np.asarray(a)
    _check_square(a)
    if a.size == 0 or numerically_singular(a):
        return adjugate_svd(a)[0]
    f = LUFactor.of(a)
    return f.inverse() * np.asarray(f.det())[..., None, None]


def numerically_singular(a: np.ndarray) -> bool:
    """Whether some matrix of the stack ``a`` is singular to working precision: a pivot of
    its LU factor at most ``n * eps`` times its largest pivot (or all pivots zero).

    The shared factor of :func:`shared_lu` is used when there is one.

    Examples
    --------
    >>> numerically_singular(np.array([[1.0, 2.0], [2.0, 4.0]])), numerically_singular(np.eye(2))
    (True, False)
    """
    a = np.asarray(a)
    try:
        lu = shared_lu(a)
    except np.linalg.LinAlgError:
        return True
    lu = map_matrices(_getrf, a.shape[:-2], a)[0] if lu is None else lu.lu
    d = np.abs(np.diagonal(lu, axis1=-2, axis2=-1))
    if d.size == 0:
        return False
    eps = np.finfo(np.result_type(d.dtype, np.float32)).eps
    return bool(np.any(d <= a.shape[-1] * eps * d.max(axis=-1, keepdims=True)))
