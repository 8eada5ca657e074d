r"""Linear-algebra primitives: JVP rules only (reverse mode comes by transposition).

Matrices may be stacked, shape ``(..., m, n)``.  Notation: :math:`X^H` is the
conjugate transpose, :math:`\circ` the elementwise product, ``tril``/``triu``
the triangles, ``op(A)`` one of :math:`A, A^T, A^H`.  "Giles" is M. B. Giles,
*An extended collection of matrix derivative results for forward and reverse
mode automatic differentiation*, Oxford NA report 08/01 (2008).

Nonlinear primitives (a JVP rule, nothing else)
-----------------------------------------------
=============  ==============================================================================
inv            :math:`\dot Y = -Y\dot A Y`, :math:`Y = A^{-1}` (Giles 2.2.3)
det            :math:`\dot d = d\,\mathrm{tr}(A^{-1}\dot A)` (Giles 2.2.4)
slogdet        :math:`\dot\ell = \mathrm{Re}\,\mathrm{tr}(A^{-1}\dot A)`,
               :math:`\dot s = s\,i\,\mathrm{Im}\,\mathrm{tr}(A^{-1}\dot A)` (0 for real A)
cholesky       :math:`\dot L = L\,\Phi(L^{-1}\dot H L^{-H})`,
               :math:`\Phi(X) = \mathrm{tril}(X,-1) + \tfrac12\mathrm{diag}(X)` (Giles 2.3.6)
lu_factor      :math:`M = L^{-1}P^T\dot A U^{-1}`, :math:`\dot L = L\,\mathrm{tril}(M,-1)`,
               :math:`\dot U = \mathrm{triu}(M)\,U` (packed as scipy's ``lu``)
qr             :math:`C = Q^H\dot A R^{-1}`, :math:`\Omega = \mathrm{tril}(C,-1) -
               \mathrm{tril}(C,-1)^H + i\,\mathrm{Im\,diag}(C)`, :math:`\dot R = (C-\Omega)R`,
               :math:`\dot Q = \dot A R^{-1} + Q(\Omega - C)`
eigh           :math:`P = V^H\dot H V`, :math:`\dot w = \mathrm{diag}(P)`,
               :math:`\dot V = V(F\circ P)`, :math:`F_{ij} = 1/(w_j - w_i)` (Giles 2.3.4)
eig            :math:`P = V^{-1}\dot A V`, :math:`\dot w = \mathrm{diag}(P)`,
               :math:`\dot V = V(F\circ P)` then the unit-norm correction
               :math:`\dot v_i \leftarrow \dot v_i - v_i\,\mathrm{Re}(v_i^H\dot v_i)`
svd            :math:`P = U^H\dot A V`, :math:`\dot s = \mathrm{Re\,diag}(P)`,
               :math:`\dot U = U(F\circ(PS + SP^H) + \tfrac12\mathrm{diag}(P - P^H)S^{-1})
               + (I - UU^H)\dot A V S^{-1}`,
               :math:`\dot V = V(F\circ(SP + P^H S)) + (I - VV^H)\dot A^H U S^{-1}`,
               :math:`F_{ij} = 1/(s_j^2 - s_i^2)` (Giles 2.3.5)
pinv           :math:`\dot X = -X\dot A X + XX^H\dot A^H(I - AX) + (I - XA)\dot A^H X^H X`
               (Golub & Pereyra 1973; exact at constant rank)
matfunc        :math:`\dot F = L_f(A, \dot A)`, the Fréchet derivative (``frechet`` below)
=============  ==============================================================================

Here :math:`\dot H` is the Hermitian matrix LAPACK actually reads: ``cholesky``
and ``eigh`` (like NumPy) use one triangle of ``A`` and the real part of its
diagonal, so the derivative with respect to the other triangle is zero and
:math:`\dot H = \mathrm{tril}(\dot A,-1) + \mathrm{tril}(\dot A,-1)^H + \mathrm{Re\,diag}(\dot A)`
(for a Hermitian :math:`\dot A` this is :math:`\dot A` itself).

Linear primitives (JVP, transpose and batch rules)
--------------------------------------------------
``triangular_solve(A, B)``
    :math:`X = \mathrm{op}(A)^{-1}B` using one triangle of ``A``; linear in ``B``.
    Transpose: the same solve with ``op`` transposed (``A^H`` via conjugation).
``solve(A, B)``
    :math:`X = \mathrm{op}(A)^{-1}B` with the LU factorisation of ``A`` computed once
    and carried as a parameter (:class:`LUFactor`): the primal solve, every tangent
    solve and every transposed (cotangent) solve reuse it.  Transpose: the same
    factor with ``op`` transposed.  JVP in ``A``: :math:`-\mathrm{op}(A)^{-1}\mathrm{op}(\dot A)X`.
``sylvester(A, B, Q)``
    :math:`AX + XB = Q` (or :math:`A^TX + XB^T = Q`), with the Schur forms of
    ``A`` and ``B`` computed once (:class:`SchurPair`).  Transpose: the transposed
    equation with the same Schur forms.
``frechet(A, E)``
    :math:`L_f(A, E)` for a primary matrix function ``f`` (expm, logm, sqrtm, cosm,
    ...), linear in ``E``.  Transpose: :math:`L_f(A^T, C)` (true for every primary
    matrix function under the pairing :math:`\langle X, Y\rangle = \mathrm{Re}\sum XY`).
    JVP in ``A``: the top-right block of :math:`L_f(M, \mathrm{diag}(\dot A, \dot A))`
    with :math:`M = [[A, E], [0, A]]`.  This is the one place where a tangent map
    is itself a named linear operation that the other primitives cannot express.

Degenerate points
-----------------
* Repeated eigenvalues / singular values: ``F`` is set to 0 where the two values
  are exactly equal.  Eigenvalue-only and singular-value-only results stay finite
  (the rule returns :math:`\mathrm{diag}(V^H\dot A V)` for the computed basis,
  correct for every symmetric function of the eigenvalues); eigenvector and
  singular-vector derivatives there are not defined and are returned in the gauge
  of the computed basis with those coupling terms dropped.
* Zero singular values: :math:`S^{-1}` is taken as 0 on them.
* Gauge: eigenvectors and singular vectors are returned with the derivative of
  the gauge (sign / phase, and the basis of the orthogonal complement for
  ``full_matrices=True`` and complete QR, where :math:`Q_2^H\dot Q_2 = 0`) chosen
  as above; derivatives of gauge-invariant functions are exact.
* Singular matrices: ``inv``, ``solve`` and the derivatives of ``det``/``slogdet``
  raise NumPy's ``LinAlgError`` ("Singular matrix"), never silent NaNs; a
  singular triangular factor raises SciPy's ``LinAlgError``.
* ``qr`` assumes full column rank (of the leading square block when wide).  Where
  a column is already zero below the diagonal, LAPACK skips that reflection, so
  the signs of ``Q`` and ``R`` jump between neighbouring inputs; the rule gives the
  derivative of the factors as computed (the smooth branch through them).
* ``logm``/``sqrtm`` are the principal functions: defined (and differentiated)
  for matrices without eigenvalues on the closed negative real axis.
"""
from __future__ import annotations

import functools
import string
import warnings
from typing import Any, Callable

import numpy as np
import scipy.linalg as sla

from ..core import PRIMITIVES, Primitive, Tracer, Zero, bind, dtype_of, format_aval, shape_of
from .linear import (add, concatenate, conj, convert, div, einsum, fit_dtype, getitem, imag, mul,
                     neg, real, reduce_sum, reshape, sub, transpose, where)
from ..optimize.sharing import shared
from .linear import fit_like
from .rules import defjvp, defjvp_full, deflinear

__all__ = [
    "matmul_same_batch", "LUFactor", "SchurPair", "MATRIX_FUNCTIONS",
    "inv_p", "det_p", "slogdet_p", "cholesky_p", "lu_factor_p", "qr_p", "eigh_p", "eig_p",
    "svd_p", "pinv_p", "matfunc_p", "triangular_solve_p", "solve_p", "sylvester_p",
    "frechet_p",
    "inv", "det", "slogdet", "cholesky", "lu_factor", "qr", "eigh", "eig", "svd", "pinv",
    "matfunc", "triangular_solve", "solve", "sylvester", "frechet",
    "concrete", "mT", "mH", "mm", "diag_part", "diag_embed", "tril", "triu", "hermitian_part",
    "perm_from_piv", "take_rows", "eye_like", "normalize_trans", "inv_gaps", "ein", "inverse_of",
    "shared_lu",
]


# ============================================================================ helpers

_BATCH_LETTERS = string.ascii_uppercase


def _ndim(x: Any) -> int:
    return len(shape_of(x))


def _real_dtype(x: Any) -> np.dtype:
    dt = np.dtype(dtype_of(x))
    return np.finfo(dt).dtype if dt.kind in "fc" else np.dtype(np.float64)


def concrete(x: Any) -> np.ndarray:
    """The value of ``x`` as a NumPy array, cut out of every derivative.

    Used for factorisations, masks and permutations: constants of a tangent map.
    A primitive with a zero tangent returns its plain value from every trace, so
    binding ``stop_gradient`` yields a concrete array even under nested
    transformations.

    Examples
    --------
    >>> concrete([1.0, 2.0])
    array([1., 2.])
    """
    if isinstance(x, Tracer):
        x = bind(PRIMITIVES["stop_gradient"], x)
    return np.asarray(x)


def ein(spec: str, *ops: Any) -> Any:
    """``einsum`` where ``...`` stands for leading batch axes of equal sizes.

    Examples
    --------
    >>> ein("...ij,...ji->...", np.ones((2, 3, 3)), np.ones((2, 3, 3)))
    array([9., 9.])
    """
    return einsum(_batch_spec(spec, tuple(_ndim(o) for o in ops)), *ops)


@functools.lru_cache(maxsize=512)
def _batch_spec(spec: str, ndims: tuple) -> str:
    """``spec`` with ``...`` replaced by batch letters, for operands of ranks ``ndims``."""
    lhs, out = spec.split("->")
    subs = lhs.split(",")
    nb = max((nd - len(s) + 3 for s, nd in zip(subs, ndims) if "..." in s), default=0)
    letters = _BATCH_LETTERS[:nb]
    full = []
    for s, nd in zip(subs, ndims):
        if "..." in s:
            s = s.replace("...", letters[nb - (nd - len(s) + 3):])
        full.append(s)
    return ",".join(full) + "->" + out.replace("...", letters)


def matmul_same_batch(a: Any, b: Any) -> Any:
    """``a @ b`` for stacks of matrices with identical leading dims (or 2-D).

    Examples
    --------
    >>> matmul_same_batch(np.eye(2), np.ones((2, 3))).shape
    (2, 3)
    """
    return ein("...ij,...jk->...ik", a, b)


mm = matmul_same_batch


def mT(x: Any) -> Any:
    """Swap the last two axes."""
    nd = _ndim(x)
    return transpose(x, tuple(range(nd - 2)) + (nd - 1, nd - 2))


def mH(x: Any) -> Any:
    """Conjugate transpose of the last two axes."""
    return conj(mT(x))


def diag_part(x: Any) -> Any:
    """The diagonals ``x[..., i, i]`` of a stack of square matrices."""
    return ein("...ii->...i", x)


def diag_embed(v: Any) -> Any:
    """Diagonal matrices with the vectors ``v[..., :]`` on their diagonals."""
    n = shape_of(v)[-1]
    return ein("...i,ij->...ij", v, np.eye(n, dtype=_real_dtype(v)))


def eye_like(x: Any) -> np.ndarray:
    """The identity matching the last axis of ``x``, in ``x``'s real dtype."""
    return np.eye(shape_of(x)[-1], dtype=_real_dtype(x))


def tril(x: Any, k: int = 0) -> Any:
    """Lower triangle (on and below diagonal ``k``) of the last two axes."""
    n, m = shape_of(x)[-2:]
    return mul(x, np.tri(n, m, k, dtype=_real_dtype(x)))


def triu(x: Any, k: int = 0) -> Any:
    """Upper triangle (on and above diagonal ``k``) of the last two axes."""
    n, m = shape_of(x)[-2:]
    return mul(x, 1 - np.tri(n, m, k - 1, dtype=_real_dtype(x)))


def hermitian_part(a: Any, lower: bool = True) -> Any:
    """The Hermitian matrix LAPACK reads from one triangle of ``a``.

    ``tril(a, -1) + tril(a, -1)^H + Re(diag(a))`` (``triu`` if not ``lower``):
    what ``eigh``, ``cholesky`` and ``pinv(hermitian=True)`` see.  Linear.

    Examples
    --------
    >>> hermitian_part(np.array([[1.0, 5.0], [2.0, 3.0]]))
    array([[1., 2.],
           [2., 3.]])
    """
    strict = tril(a, -1) if lower else triu(a, 1)
    return add(add(strict, mH(strict)), mul(real(a), eye_like(a)))


def inv_gaps(w: Any) -> Any:
    """``F[..., i, j] = 1 / (w_j - w_i)``, and 0 where ``w_i == w_j`` (the diagonal too)."""
    n = shape_of(w)[-1]
    batch = tuple(shape_of(w)[:-1])
    d = sub(reshape(w, batch + (1, n)), reshape(w, batch + (n, 1)))
    same = concrete(d) == 0
    dt = dtype_of(d)
    safe = where(same, np.ones((), dt), d)
    return where(same, np.zeros((), dt), div(1.0, safe))


def _map_matrices(fn: Callable, batch: tuple, *arrays: np.ndarray) -> Any:
    """Apply ``fn`` to each core block of arrays that share the leading ``batch`` shape."""
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


def _loop_batch(impl: Callable) -> Callable:
    """Batch rule: run ``impl`` once per element of the leading batch axis."""
    def batch_rule(args, batched, **params):
        n = next(np.shape(a)[0] for a, b in zip(args, batched) if b)
        outs = [impl(*[a[i] if b else a for a, b in zip(args, batched)], **params)
                for i in range(n)]
        return np.stack(outs)
    return batch_rule


def _columns_batch(impl: Callable) -> Callable:
    """Batch rule for a solve linear in its last operand ``B`` (``(..., n, k)``).

    The batch axis is folded into the columns, so one call solves for all of them.
    """
    def batch_rule(args, batched, **params):
        if any(batched[:-1]):
            return _loop_batch(impl)(args, batched, **params)
        *rest, b = args
        b = np.asarray(b)
        nb, k = b.shape[0], b.shape[-1]
        moved = np.moveaxis(b, 0, -2)
        x = impl(*rest, moved.reshape(moved.shape[:-2] + (nb * k,)), **params)
        return np.moveaxis(x.reshape(x.shape[:-1] + (nb, k)), -2, 0)
    return batch_rule


def _rhs_shape(*avals, **params):
    """Shape rule of a solve: the right-hand side's shape, the promoted dtype."""
    return tuple(avals[-1][0]), np.result_type(*[np.result_type(dt) for _, dt in avals])


def _check_square(a: Any, what: str) -> None:
    s = shape_of(a)
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


def take_rows(x: Any, perm: np.ndarray) -> Any:
    """``x[..., perm[...], :]``: rows of each matrix in a stack, one permutation each."""
    batch = perm.shape[:-1]
    nb = len(batch)
    idx = tuple(np.arange(s).reshape((s,) + (1,) * (nb - i)) for i, s in enumerate(batch))
    return getitem(x, idx + (perm, slice(None)))


# ======================================================================= triangular solve (linear)

def normalize_trans(trans: Any) -> int:
    """SciPy's ``trans`` argument (0/1/2 or 'N'/'T'/'C') as 0, 1 or 2."""
    table = {0: 0, 1: 1, 2: 2, "N": 0, "T": 1, "C": 2, "n": 0, "t": 1, "c": 2}
    try:
        return table[trans]
    except (KeyError, TypeError):
        raise ValueError(f"trans must be 0, 1, 2, 'N', 'T' or 'C', not {trans!r}") from None


def _trisolve_impl(a, b, *, lower, trans, unit_diagonal):
    a, b = np.asarray(a), np.asarray(b)
    batch = b.shape[:-2]
    a = np.broadcast_to(a, batch + a.shape[-2:])

    def one(a_, b_):
        return sla.solve_triangular(a_, b_, trans=trans, lower=lower,
                                    unit_diagonal=unit_diagonal, check_finite=False)
    return np.asarray(_map_matrices(one, batch, a, b)).astype(np.result_type(a, b), copy=False)


triangular_solve_p = Primitive("triangular_solve", _trisolve_impl)


def triangular_solve(a: Any, b: Any, *, lower: bool, trans: Any = 0,
                     unit_diagonal: bool = False) -> Any:
    r"""Solve :math:`\mathrm{op}(A) X = B` using one triangle of ``a`` (linear in ``b``).

    ``a``: ``(..., n, n)``; ``b``: ``(..., n, k)`` with the same leading dims;
    ``trans``: 0 (``A``), 1 (``A^T``) or 2 (``A^H``).  The other triangle of ``a``
    (and its diagonal if ``unit_diagonal``) is ignored, also by the derivative.

    Examples
    --------
    >>> triangular_solve(np.array([[2.0, 0.0], [1.0, 1.0]]), np.array([[2.0], [3.0]]),
    ...                  lower=True)
    array([[1.],
           [2.]])
    """
    return bind(triangular_solve_p, a, b, lower=bool(lower), trans=normalize_trans(trans),
                unit_diagonal=bool(unit_diagonal))


def _op(x: Any, trans: int) -> Any:
    return x if trans == 0 else (mT(x) if trans == 1 else mH(x))


def _triangle(t: Any, lower: bool, strict: bool) -> Any:
    return tril(t, -1 if strict else 0) if lower else triu(t, 1 if strict else 0)


def _trisolve_jvp(primals, tangents, *, lower, trans, unit_diagonal):
    a, b = primals
    ta, tb = tangents
    params = dict(lower=lower, trans=trans, unit_diagonal=unit_diagonal)
    x = bind(triangular_solve_p, a, b, **params)
    rhs = None if type(tb) is Zero else tb
    if type(ta) is not Zero:
        term = neg(mm(_op(_triangle(ta, lower, unit_diagonal), trans), x))
        rhs = term if rhs is None else add(rhs, term)
    if rhs is None:
        return x, Zero.like(x)
    return x, fit_dtype(bind(triangular_solve_p, a, rhs, **params), dtype_of(x))


def _trisolve_transpose(ct, a, b, *, lower, trans, unit_diagonal):
    if trans == 2:
        res = conj(bind(triangular_solve_p, a, conj(ct), lower=lower, trans=0,
                        unit_diagonal=unit_diagonal))
    else:
        res = bind(triangular_solve_p, a, ct, lower=lower, trans=1 - trans,
                   unit_diagonal=unit_diagonal)
    return [None, fit_dtype(res, b.dtype)]


deflinear(triangular_solve_p, linear_in=(1,), shape_rule=_rhs_shape,
          transpose_rule=_trisolve_transpose, batch_rule=_columns_batch(_trisolve_impl))
defjvp_full(triangular_solve_p, _trisolve_jvp)


# ============================================================================ LU solve (linear)

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

    It is a parameter of :data:`solve_p`: the primal solve, the tangent solves
    and the transposed solves of the backward pass all reuse it.

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
        """Factor the concrete value of ``a``; a singular matrix raises ``LinAlgError``."""
        a = concrete(a)
        _check_square(a, "solve")
        lu, piv = _map_matrices(_getrf, a.shape[:-2], a)
        if np.any(np.diagonal(lu, axis1=-2, axis2=-1) == 0):
            raise np.linalg.LinAlgError("Singular matrix")
        return cls(lu, piv)

    def solve(self, b: np.ndarray, trans: int) -> np.ndarray:
        """``op(A)^{-1} b`` for ``b`` of shape ``(..., n, k)``."""
        b = np.asarray(b)
        batch = b.shape[:-2]
        lu = np.broadcast_to(self.lu, batch + self.lu.shape[-2:])
        piv = np.broadcast_to(self.piv, batch + self.piv.shape[-1:])
        x = _map_matrices(lambda f, p, r: sla.lu_solve((f, p), r, trans=trans,
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
    other dtypes and traced values the rules keep their own primitives (None).

    Examples
    --------
    >>> shared_lu(np.diag([2.0, 4.0])).slogdet()[1] == np.log(8.0)
    np.True_
    >>> shared_lu(np.ones((2, 3, 3))) is None
    True
    """
    if (type(a) is not np.ndarray or a.ndim != 2 or a.shape[0] != a.shape[1]
            or a.shape[0] == 0 or a.dtype.char not in "fdFD"):
        return None
    return shared("lu", a, lambda: LUFactor.of(a))


solve_p = Primitive("solve", lambda a, b, *, trans, factor: factor.solve(b, trans))


def solve(a: Any, b: Any, trans: int = 0, factor: LUFactor | None = None) -> Any:
    r"""Solve :math:`\mathrm{op}(A)X = B`, ``op`` = identity (``trans=0``) or transpose (1).

    ``a``: ``(..., n, n)``; ``b``: ``(..., n, k)`` with the same leading dims.
    ``a`` is factored once (unless ``factor`` is given); that factor is reused by
    every derivative of the result.

    Examples
    --------
    >>> solve(np.array([[2.0, 0.0], [0.0, 4.0]]), np.array([[2.0], [2.0]]))
    array([[1. ],
           [0.5]])
    """
    if factor is None:
        factor = LUFactor.of(a)
    return bind(solve_p, a, b, trans=int(trans), factor=factor)


def _solve_jvp(primals, tangents, *, trans, factor):
    a, b = primals
    ta, tb = tangents
    x = bind(solve_p, a, b, trans=trans, factor=factor)
    rhs = None if type(tb) is Zero else tb
    if type(ta) is not Zero:
        term = neg(mm(_op(ta, trans), x))
        rhs = term if rhs is None else add(rhs, term)
    if rhs is None:
        return x, Zero.like(x)
    return x, fit_dtype(bind(solve_p, a, rhs, trans=trans, factor=factor), dtype_of(x))


def _solve_transpose(ct, a, b, *, trans, factor):
    return [None, fit_dtype(bind(solve_p, a, ct, trans=1 - trans, factor=factor), b.dtype)]


def _solve_batch_impl(a, b, *, trans, factor):
    return factor.solve(b, trans)


deflinear(solve_p, linear_in=(1,), shape_rule=_rhs_shape, transpose_rule=_solve_transpose,
          batch_rule=_columns_batch(_solve_batch_impl))
defjvp_full(solve_p, _solve_jvp)


# ============================================================================ inv, det, slogdet

inv_p = Primitive("inv", np.linalg.inv)


def inv(a: Any) -> Any:
    """Inverse of a (stack of) square matrices."""
    return bind(inv_p, a)


def inverse_of(a: Any) -> Any:
    """``inv(a)``, computed once per primal ``a`` while a transformation runs.

    The rules of ``inv``, ``det`` and ``slogdet`` all need :math:`A^{-1}`;
    ``slogdet(A)`` and ``inv(A)`` in one function then cost one inverse (see
    :mod:`linad.optimize.sharing`), made from the LU factor of :func:`shared_lu` when
    there is one.

    Examples
    --------
    >>> inverse_of(np.diag([2.0, 4.0]))
    array([[0.5 , 0.  ],
           [0.  , 0.25]])
    """
    return shared("inv", a, lambda: _inverse(a))


def _inverse(a: Any) -> Any:
    """``inv(a)``, from the shared LU factor when there is one."""
    lu = shared_lu(a)
    return inv(a) if lu is None else lu.inverse()


def _inv_jvp(primals, tangents):
    (a,), (t,) = primals, tangents
    y = inverse_of(a)
    if type(t) is Zero:
        return y, Zero.like(y)
    return y, neg(mm(mm(y, t), y))


defjvp_full(inv_p, _inv_jvp)


def _trace_inv_times(a: Any, t: Any) -> Any:
    """``tr(A^{-1} T)`` for each matrix of the stack."""
    return ein("...ij,...ji->...", inverse_of(a), t)


det_p = Primitive("det", np.linalg.det)


def det(a: Any) -> Any:
    """Determinant of a (stack of) square matrices."""
    return bind(det_p, a)


def _det_jvp(primals, tangents):
    (a,), (t,) = primals, tangents
    lu = None if type(t) is Zero else shared_lu(a)
    ans = bind(det_p, a) if lu is None else lu.det()
    if type(t) is Zero:
        return ans, Zero.like(ans)
    return ans, fit_like(mul(ans, _trace_inv_times(a, t)), ans)


defjvp_full(det_p, _det_jvp)


def _slogdet_impl(a):
    res = np.linalg.slogdet(a)
    return res[0], res[1]


slogdet_p = Primitive("slogdet", _slogdet_impl, multiple_results=True)


def slogdet(a: Any) -> list:
    """``[sign, log|det|]`` of a (stack of) square matrices."""
    return bind(slogdet_p, a)


def _slogdet_jvp(primals, tangents):
    (a,), (t,) = primals, tangents
    lu = None if type(t) is Zero else shared_lu(a)
    sign, logdet = bind(slogdet_p, a) if lu is None else lu.slogdet()
    if type(t) is Zero:
        return [sign, logdet], [Zero.like(sign), Zero.like(logdet)]
    g = _trace_inv_times(a, t)
    if dtype_of(sign).kind != "c":
        return [sign, logdet], [Zero.like(sign), fit_dtype(g, dtype_of(logdet))]
    dsign = mul(sign, mul(convert(imag(g), dtype_of(sign)), 1j))
    return [sign, logdet], [dsign, real(g)]


defjvp_full(slogdet_p, _slogdet_jvp)


# ============================================================================ cholesky

def _cholesky_impl(a, *, upper):
    if not upper:
        return np.linalg.cholesky(a)
    lower = np.linalg.cholesky(np.conj(np.swapaxes(a, -1, -2)))
    return np.conj(np.swapaxes(lower, -1, -2))


cholesky_p = Primitive("cholesky", _cholesky_impl)


def cholesky(a: Any, upper: bool = False) -> Any:
    """Cholesky factor ``L`` (``A = L L^H``), or ``U = L^H`` when ``upper``."""
    return bind(cholesky_p, a, upper=bool(upper))


def _cholesky_tangent(t, ans, a, *, upper):
    low = mH(ans) if upper else ans
    dh = hermitian_part(t, lower=not upper)
    y = triangular_solve(low, dh, lower=True)
    x = mH(triangular_solve(low, mH(y), lower=True))
    n = shape_of(a)[-1]
    phi = mul(x, np.tri(n, n, -1, dtype=_real_dtype(a)) + 0.5 * np.eye(n, dtype=_real_dtype(a)))
    dl = mm(low, phi)
    return mH(dl) if upper else dl


defjvp(cholesky_p, _cholesky_tangent)


# ============================================================================ LU factorisation

def _lu_impl(a):
    a = np.asarray(a)
    return _map_matrices(lambda m: sla.lu_factor(m, check_finite=False), a.shape[:-2], a)


lu_factor_p = Primitive("lu_factor", _lu_impl, multiple_results=True)


def lu_factor(a: Any) -> list:
    """``[lu, piv]`` as ``scipy.linalg.lu_factor``, differentiable in ``lu``."""
    return bind(lu_factor_p, a)


def _lu_jvp(primals, tangents):
    (a,), (t,) = primals, tangents
    lu, piv = bind(lu_factor_p, a)
    if type(t) is Zero:
        return [lu, piv], [Zero.like(lu), Zero.like(piv)]
    y = triangular_solve(lu, take_rows(t, perm_from_piv(concrete(piv))), lower=True,
                         unit_diagonal=True)
    m = mT(triangular_solve(lu, mT(y), lower=False, trans=1))
    low = add(tril(lu, -1), eye_like(lu))
    dlu = add(mm(low, tril(m, -1)), mm(triu(m), triu(lu)))
    return [lu, piv], [fit_dtype(dlu, dtype_of(lu)), Zero.like(piv)]


defjvp_full(lu_factor_p, _lu_jvp)


# ============================================================================ QR

def _qr_impl(a, *, complete):
    q, r = np.linalg.qr(a, mode="complete" if complete else "reduced")
    return q, r


qr_p = Primitive("qr", _qr_impl, multiple_results=True)


def qr(a: Any, complete: bool = False) -> list:
    """``[Q, R]`` of a (stack of) matrices (NumPy's ``reduced`` or ``complete`` mode)."""
    return bind(qr_p, a, complete=bool(complete))


def _right_solve_upper(x: Any, r: Any) -> Any:
    """``X R^{-1}`` for upper-triangular ``R``."""
    return mT(triangular_solve(r, mT(x), lower=False, trans=1))


def _skew_from_lower(c: Any) -> Any:
    """``tril(C,-1) - tril(C,-1)^H + i Im diag(C)``: the skew-Hermitian part fixed by ``C``."""
    low = tril(c, -1)
    omega = sub(low, mH(low))
    if dtype_of(c).kind == "c":
        omega = add(omega, mul(sub(c, mH(c)), 0.5 * eye_like(c)))
    return omega


def _complement_tangent(q1: Any, dq1: Any, q2: Any) -> Any:
    """``dQ2 = -Q1 dQ1^H Q2``: the gauge ``Q2^H dQ2 = 0`` for an orthonormal complement."""
    return neg(mm(q1, mm(mH(dq1), q2)))


def _cols(x: Any, start: int, stop: int | None = None) -> Any:
    return getitem(x, (Ellipsis, slice(None), slice(start, stop)))


def _rows(x: Any, start: int, stop: int | None = None) -> Any:
    return getitem(x, (Ellipsis, slice(start, stop), slice(None)))


def _qr_jvp(primals, tangents, *, complete):
    (a,), (t,) = primals, tangents
    q, r = bind(qr_p, a, complete=complete)
    if type(t) is Zero:
        return [q, r], [Zero.like(q), Zero.like(r)]
    m, n = shape_of(a)[-2:]
    k = min(m, n)
    q1 = _cols(q, 0, k) if shape_of(q)[-1] > k else q
    r1 = _rows(r, 0, k) if shape_of(r)[-2] > k else r
    r1 = _cols(r1, 0, k) if n > k else r1
    t1 = _cols(t, 0, k) if n > k else t
    t_rinv = _right_solve_upper(t1, r1)
    c = mm(mH(q1), t_rinv)
    omega = _skew_from_lower(c)
    dr = mm(sub(c, omega), r1)
    dq = add(t_rinv, mm(q1, sub(omega, c)))
    if n > k:  # wide: R = [R1, Q^H Y]
        dr2 = add(mm(mH(dq), _cols(a, k)), mm(mH(q1), _cols(t, k)))
        dr = concatenate([dr, dr2], _ndim(a) - 1)
    if shape_of(q)[-1] > k:  # complete with m > n: Q = [Q1, Q2], R = [R1; 0]
        dq = concatenate([dq, _complement_tangent(q1, dq, _cols(q, k))], _ndim(a) - 1)
        zeros = np.zeros(shape_of(a)[:-2] + (m - k, n), dtype_of(r))
        dr = concatenate([dr, zeros], _ndim(a) - 2)
    return [q, r], [fit_dtype(dq, dtype_of(q)), fit_dtype(dr, dtype_of(r))]


defjvp_full(qr_p, _qr_jvp)


# ============================================================================ eigh, eig

def _eigh_impl(a, *, lower):
    w, v = np.linalg.eigh(a, UPLO="L" if lower else "U")
    return w, v


eigh_p = Primitive("eigh", _eigh_impl, multiple_results=True)


def eigh(a: Any, lower: bool = True) -> list:
    """``[w, V]`` of the Hermitian matrix read from one triangle of ``a``."""
    return bind(eigh_p, a, lower=bool(lower))


def _eigh_jvp(primals, tangents, *, lower):
    (a,), (t,) = primals, tangents
    w, v = bind(eigh_p, a, lower=lower)
    if type(t) is Zero:
        return [w, v], [Zero.like(w), Zero.like(v)]
    p = mm(mH(v), mm(hermitian_part(t, lower), v))
    dw = fit_dtype(diag_part(p), dtype_of(w))
    dv = mm(v, mul(p, inv_gaps(w)))
    return [w, v], [dw, fit_dtype(dv, dtype_of(v))]


defjvp_full(eigh_p, _eigh_jvp)


def _eig_impl(a):
    w, v = np.linalg.eig(a)
    return w, v


eig_p = Primitive("eig", _eig_impl, multiple_results=True)


def eig(a: Any) -> list:
    """``[w, V]`` of a general square matrix (columns of ``V`` of unit 2-norm)."""
    return bind(eig_p, a)


def _eig_jvp(primals, tangents):
    (a,), (t,) = primals, tangents
    w, v = bind(eig_p, a)
    if type(t) is Zero:
        return [w, v], [Zero.like(w), Zero.like(v)]
    p = mm(inv(v), mm(t, v))
    dw = diag_part(p)
    dv = mm(v, mul(p, inv_gaps(w)))
    nd = _ndim(v)
    radial = real(reduce_sum(mul(conj(v), dv), (nd - 2,), True))
    dv = sub(dv, mul(v, radial))
    return [w, v], [fit_dtype(dw, dtype_of(w)), fit_dtype(dv, dtype_of(v))]


defjvp_full(eig_p, _eig_jvp)


# ============================================================================ SVD

def _svd_impl(a, *, full_matrices):
    u, s, vh = np.linalg.svd(a, full_matrices=full_matrices)
    return u, s, vh


svd_p = Primitive("svd", _svd_impl, multiple_results=True)


def svd(a: Any, full_matrices: bool = False) -> list:
    """``[U, s, Vh]`` with ``a = U diag(s) Vh`` (singular values descending)."""
    return bind(svd_p, a, full_matrices=bool(full_matrices))


def _safe_reciprocal(s: Any) -> Any:
    """``1/s`` with 0 where ``s == 0``."""
    zero = concrete(s) == 0
    if not zero.any():
        return div(1.0, s)
    dt = dtype_of(s)
    return where(zero, np.zeros((), dt), div(1.0, where(zero, np.ones((), dt), s)))


def _svd_jvp(primals, tangents, *, full_matrices):
    (a,), (t,) = primals, tangents
    u, s, vh = bind(svd_p, a, full_matrices=full_matrices)
    if type(t) is Zero:
        return [u, s, vh], [Zero.like(u), Zero.like(s), Zero.like(vh)]
    m, n = shape_of(a)[-2:]
    k = min(m, n)
    batch = tuple(shape_of(a)[:-2])
    u1 = _cols(u, 0, k) if shape_of(u)[-1] > k else u
    v1h = _rows(vh, 0, k) if shape_of(vh)[-2] > k else vh
    v1 = mH(v1h)
    p = mm(mH(u1), mm(t, v1))
    ds = fit_dtype(diag_part(p), dtype_of(s))
    s_row = reshape(s, batch + (1, k))
    s_col = reshape(s, batch + (k, 1))
    f = inv_gaps(mul(s, s))
    ps = mul(p, s_row)
    sp = mul(s_col, p)
    sinv_row = reshape(_safe_reciprocal(s), batch + (1, k))
    omega_u = mul(f, add(ps, mH(ps)))
    if dtype_of(p).kind == "c":
        omega_u = add(omega_u, mul(mul(sub(p, mH(p)), 0.5 * eye_like(p)), sinv_row))
    du = mm(u1, omega_u)
    dv = mm(v1, mul(f, add(sp, mH(sp))))
    if m > k:
        du = add(du, mul(sub(mm(t, v1), mm(u1, p)), sinv_row))
    if n > k:
        dv = add(dv, mul(sub(mm(mH(t), u1), mm(v1, mH(p))), sinv_row))
    if shape_of(u)[-1] > k:
        du = concatenate([du, _complement_tangent(u1, du, _cols(u, k))], _ndim(a) - 1)
    if shape_of(vh)[-2] > k:
        dv = concatenate([dv, _complement_tangent(v1, dv, mH(_rows(vh, k)))], _ndim(a) - 1)
    return [u, s, vh], [fit_dtype(du, dtype_of(u)), ds, fit_dtype(mH(dv), dtype_of(vh))]


defjvp_full(svd_p, _svd_jvp)


# ============================================================================ pinv

pinv_p = Primitive("pinv", lambda a, *, rcond, hermitian: np.linalg.pinv(
    a, rcond=rcond, hermitian=hermitian))


def pinv(a: Any, rcond: Any = 1e-15, hermitian: bool = False) -> Any:
    """Moore-Penrose pseudo-inverse (``np.linalg.pinv`` with a resolved ``rcond``)."""
    return bind(pinv_p, a, rcond=rcond, hermitian=bool(hermitian))


def _pinv_tangent(t, x, a, *, rcond, hermitian):
    th = mH(t)
    term1 = neg(mm(x, mm(t, x)))
    term2 = mm(mm(x, mH(x)), sub(th, mm(th, mm(a, x))))
    term3 = mm(sub(th, mm(mm(x, a), th)), mm(mH(x), x))
    return add(add(term1, term2), term3)


defjvp(pinv_p, _pinv_tangent)


# =================================================== matrix functions, Fréchet derivative (linear)

MATRIX_FUNCTIONS: dict[str, Callable] = {
    "expm": sla.expm, "logm": sla.logm, "sqrtm": sla.sqrtm, "cosm": sla.cosm, "sinm": sla.sinm,
    "tanm": sla.tanm, "coshm": sla.coshm, "sinhm": sla.sinhm, "tanhm": sla.tanhm,
}


def _work_dtype(dt: Any) -> np.dtype:
    """Matrix functions run in double precision (float32 results are rounded back)."""
    return np.result_type(dt, np.float64)


def _narrow(out: np.ndarray, like: np.dtype) -> np.ndarray:
    """``out`` rounded to ``like``'s precision, keeping complex output complex."""
    target = np.result_type(like, np.complex64) if out.dtype.kind == "c" else np.dtype(like)
    return out.astype(target, copy=False)


def _matfunc_impl(a, *, func):
    a = np.asarray(a)
    out = _map_matrices(MATRIX_FUNCTIONS[func], a.shape[:-2], a.astype(_work_dtype(a.dtype)))
    return _narrow(np.asarray(out), a.dtype)


matfunc_p = Primitive("matfunc", _matfunc_impl)


def matfunc(a: Any, func: str) -> Any:
    """A primary matrix function (``func`` a key of :data:`MATRIX_FUNCTIONS`) of ``a``."""
    return bind(matfunc_p, a, func=func)


def _matfunc_tangent(t, ans, a, *, func):
    dt = dtype_of(ans)
    if dt.kind == "c" and dtype_of(a).kind != "c":  # e.g. logm of a real matrix: complex result
        a, t = convert(a, dt), convert(t, dt)
    return frechet(a, t, func)


defjvp(matfunc_p, _matfunc_tangent)


def _frechet_one(func: str, a: np.ndarray, e: np.ndarray) -> np.ndarray:
    if func == "expm":
        return sla.expm_frechet(a, e, compute_expm=False, check_finite=False)
    n = a.shape[-1]
    size = np.abs(e).max(initial=0.0)
    if size == 0:
        return np.zeros(np.shape(e), e.dtype)
    scale = max(np.abs(a).max(initial=0.0), 1.0) / size  # the block is exactly linear in e
    block = np.block([[a, scale * e], [np.zeros_like(a), a]])
    return MATRIX_FUNCTIONS[func](block)[:n, n:] / scale


def _frechet_impl(a, e, *, func):
    a, e = np.asarray(a), np.asarray(e)
    out_dt = np.result_type(a, e)
    work = _work_dtype(out_dt)
    batch = e.shape[:-2]
    a = np.broadcast_to(a, batch + a.shape[-2:]).astype(work)
    out = np.asarray(_map_matrices(lambda x, y: _frechet_one(func, x, y), batch, a,
                                   e.astype(work)))
    if out.dtype.kind == "c" and out_dt.kind != "c":
        out = out.real
    return out.astype(out_dt, copy=False)


frechet_p = Primitive("frechet", _frechet_impl)


def frechet(a: Any, e: Any, func: str = "expm") -> Any:
    r"""Fréchet derivative :math:`L_f(A, E)` of the matrix function ``func``; linear in ``e``.

    Examples
    --------
    >>> a = np.array([[0.0, 1.0], [0.0, 0.0]])
    >>> frechet(a, np.eye(2))
    array([[1., 1.],
           [0., 1.]])
    """
    return bind(frechet_p, a, e, func=func)


def _frechet_jvp(primals, tangents, *, func):
    a, e = primals
    ta, te = tangents
    out = frechet(a, e, func)
    res = None if type(te) is Zero else frechet(a, te, func)
    if type(ta) is not Zero:
        nd = _ndim(a)
        n = shape_of(a)[-1]
        za = np.zeros(shape_of(a), dtype_of(a))
        zt = np.zeros(shape_of(ta), dtype_of(ta))
        big = concatenate([concatenate([a, e], nd - 1), concatenate([za, a], nd - 1)], nd - 2)
        dbig = concatenate([concatenate([ta, zt], nd - 1), concatenate([zt, ta], nd - 1)],
                           nd - 2)
        term = getitem(frechet(big, dbig, func), (Ellipsis, slice(0, n), slice(n, 2 * n)))
        res = term if res is None else add(res, term)
    if res is None:
        return out, Zero.like(out)
    return out, fit_dtype(res, dtype_of(out))


def _frechet_transpose(ct, a, e, *, func):
    return [None, fit_dtype(frechet(mT(a), ct, func), e.dtype)]


deflinear(frechet_p, linear_in=(1,), shape_rule=_rhs_shape, transpose_rule=_frechet_transpose,
          batch_rule=_loop_batch(_frechet_impl))
defjvp_full(frechet_p, _frechet_jvp)


# ===================================================================== Sylvester equation (linear)

class SchurPair:
    """Schur forms of ``A`` and ``B`` for solving ``AX + XB = Q``, computed once.

    A parameter of :data:`sylvester_p`; the transposed equation
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
        """Schur forms of the concrete values of ``a`` and ``b`` (complex if ``dtype`` is)."""
        dtype = np.dtype(dtype)
        output = "complex" if dtype.kind == "c" else "real"
        a = concrete(a).astype(dtype)
        b = concrete(b).astype(dtype)
        ra, ua = _map_matrices(lambda m: sla.schur(m, output=output), a.shape[:-2], a)
        rb, ub = _map_matrices(lambda m: sla.schur(m, output=output), b.shape[:-2], b)
        return cls(ra, ua, rb, ub)

    def solve(self, q: np.ndarray, trans: int) -> np.ndarray:
        """``X`` with ``A X + X B = q`` (``trans=0``) or ``A^T X + X B^T = q`` (``trans=1``)."""
        q = np.asarray(q)
        dtype = self.ra.dtype
        batch = q.shape[:-2]
        arrays = [np.broadcast_to(x, batch + x.shape[-2:]) for x in (self.ra, self.ua, self.rb,
                                                                     self.ub)]
        out = _map_matrices(lambda ra, ua, rb, ub, c: _sylvester_one(ra, ua, rb, ub, c, trans),
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


sylvester_p = Primitive("sylvester", lambda a, b, q, *, trans, factor: factor.solve(q, trans))


def sylvester(a: Any, b: Any, q: Any, trans: int = 0, factor: SchurPair | None = None) -> Any:
    r"""``X`` with :math:`AX + XB = Q` (``trans=1``: :math:`A^TX + XB^T = Q`); linear in ``q``.

    Examples
    --------
    >>> sylvester(np.diag([1.0, 2.0]), np.diag([3.0]), np.array([[4.0], [10.0]]))
    array([[1.],
           [2.]])
    """
    if factor is None:
        factor = SchurPair.of(a, b, np.result_type(dtype_of(a), dtype_of(b), dtype_of(q)))
    return bind(sylvester_p, a, b, q, trans=int(trans), factor=factor)


def _sylvester_jvp(primals, tangents, *, trans, factor):
    a, b, q = primals
    ta, tb, tq = tangents
    params = dict(trans=trans, factor=factor)
    x = bind(sylvester_p, a, b, q, **params)
    rhs = None if type(tq) is Zero else tq
    if type(ta) is not Zero:
        term = neg(mm(_op(ta, trans), x))
        rhs = term if rhs is None else add(rhs, term)
    if type(tb) is not Zero:
        term = neg(mm(x, _op(tb, trans)))
        rhs = term if rhs is None else add(rhs, term)
    if rhs is None:
        return x, Zero.like(x)
    return x, fit_dtype(bind(sylvester_p, a, b, rhs, **params), dtype_of(x))


def _sylvester_transpose(ct, a, b, q, *, trans, factor):
    res = bind(sylvester_p, a, b, ct, trans=1 - trans, factor=factor)
    return [None, None, fit_dtype(res, q.dtype)]


def _sylvester_batch_impl(a, b, q, *, trans, factor):
    return factor.solve(q, trans)


deflinear(sylvester_p, linear_in=(2,), shape_rule=_rhs_shape,
          transpose_rule=_sylvester_transpose, batch_rule=_loop_batch(_sylvester_batch_impl))
defjvp_full(sylvester_p, _sylvester_jvp)
