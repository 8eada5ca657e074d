r"""Linear-algebra primitives: JVP rules only (reverse mode comes by transposition).

The numerical kernels the primitives and rules call (LAPACK routines, the
factorisations reused between a value and its derivatives) are in
:mod:`linad.primitives.lapack`.

Matrices may be stacked, shape ``(..., m, n)``.  Notation: :math:`X^H` is the
conjugate transpose, :math:`\circ` the elementwise product, ``tril``/``triu``
the triangles, ``op(A)`` one of :math:`A, A^T, A^H`.  "Giles" is M. B. Giles,
*An extended collection of matrix derivative results for forward and reverse
mode automatic differentiation*, Oxford NA report 08/01 (2008).

Nonlinear primitives (JVP and batch rules)
------------------------------------------
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
adjugate       :math:`\dot{\mathrm{adj}}` from :math:`A = USV^H`: :math:`cV D(U^H\dot AV) U^H` with
               :math:`D(G)_{ij} = -G_{ij}\prod_{l\ne i,j}s_l`, :math:`D(G)_{ii} =
               \sum_{k\ne i}G_{kk}\prod_{l\ne i,k}s_l` (exact at singular matrices)
polar          :math:`P\Omega + \Omega P = X - X^H`, :math:`X = U^H\dot A`,
               :math:`\dot P = X - \Omega P`, :math:`\dot U = U\Omega + (\dot A - UX)P^{-1}`
schur          :math:`\mathrm{tril}(KT - TK, -1) = \mathrm{tril}(Z^H\dot AZ, -1)` for
               :math:`K = Z^H\dot Z`, then :math:`\dot T = Z^H\dot AZ - (KT - TK)`
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
``solve(A, LU, piv, B)``
    :math:`X = \mathrm{op}(A)^{-1}B` with the LU factorisation of ``A`` computed once
    (:func:`lu_arrays`) and carried as operands without derivative: the primal solve,
    every tangent solve and every transposed (cotangent) solve reuse it.
    Transpose: the same factor with ``op`` transposed.  JVP in ``A``:
    :math:`-\mathrm{op}(A)^{-1}\mathrm{op}(\dot A)X`.
``sylvester(A, B, R_A, U_A, R_B, U_B, Q)``
    :math:`AX + XB = Q` (or :math:`A^TX + XB^T = Q`), with the Schur forms of
    ``A`` and ``B`` computed once (:func:`schur_arrays`) and carried as operands.
    Transpose: the transposed equation with the same Schur forms.
``frechet(A, E)``
    :math:`L_f(A, E)` for a primary matrix function ``f`` (expm, logm, sqrtm, cosm,
    ...), linear in ``E``.  Transpose: :math:`L_f(A^T, C)` (true for every primary
    matrix function under the pairing :math:`\langle X, Y\rangle = \mathrm{Re}\sum XY`).
    JVP in ``A``: the top-right block of :math:`L_f(M, \mathrm{diag}(\dot A, \dot A))`
    with :math:`M = [[A, E], [0, A]]`.  This is the one place where a tangent map
    is itself a named linear operation that the other primitives cannot express.

Batching
--------
Every primitive accepts leading stack axes, so its batch rule (``linad.vmap``) moves
the batch axis of each operand to the front and applies the primitive once to the
stack (``front_batch_rule``; ``pinv`` also lines ``rcond`` up with the stack).
``triangular_solve`` and ``solve`` with matrices that are not batched solve a batch of
right-hand sides as more columns.  ``eig`` and ``matfunc`` judge in their batch rules whether the stack is
staged by ``linad.jit`` (their result dtype depends on values).  The NumPy functions
the rules run on values (factorisations, pivots) are marked ``stacked``, so under
``vmap`` they are called once on the batch.

Values the rules compute on
---------------------------
Factorisations, masks (equal eigenvalues, zero singular values), permutations (LU
pivots) and the choice between the LU and SVD adjugate are computed from the values of
the primal matrices, with no derivative, by :func:`on_values`: on concrete values now,
under ``linad.jit`` as staged calls recomputed at every call of the program (a choice
on values is made inside such a call, never frozen at staging).  So one rule serves
eager and staged use.  Results whose dtype depends on values (``eig``, ``logm``,
``sqrtm`` of real matrices) raise ``ConcretizationError`` under ``jit``.

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
* Singular matrices: ``inv`` and ``solve`` raise NumPy's ``LinAlgError``
  ("Singular matrix"), never silent NaNs; a singular triangular factor raises
  SciPy's ``LinAlgError``.  The derivative of ``det`` at a matrix that is singular
  to working precision is :math:`\mathrm{tr}(\mathrm{adj}(A)\dot A)` with the
  adjugate from the SVD (first and second order); elsewhere it keeps the LU path.
  ``slogdet`` at an exactly singular matrix is ``(0, -inf)``; ``log|det|`` has no
  derivative there and its tangent is NaN (as JAX gives), the sign's is 0.
* ``qr`` assumes full column rank (of the leading square block when wide).  Where
  a column is already zero below the diagonal, LAPACK skips that reflection, so
  the signs of ``Q`` and ``R`` jump between neighbouring inputs; the rule gives the
  derivative of the factors as computed (the smooth branch through them).
* ``logm``/``sqrtm`` are the principal functions: defined (and differentiated)
  for matrices without eigenvalues on the closed negative real axis.
"""
from __future__ import annotations

import math
from typing import Any, Callable

import numpy as np
import scipy.linalg as sla

from ..core import (ConcretizationError, Primitive, Tracer, Zero, bind, dtype_of,
                    real_dtype, shape_of)
from ..optimize import enabled
from ..optimize.sharing import shared
from .lapack import (MATRIX_FUNCTIONS, LUFactor, SchurPair, adjugate_of, adjugate_svd, all_but_two,
                     frechet_derivative, map_matrices, matrix_function, numerically_singular,
                     perm_from_piv, shared_lu)
from .discrete import stacked
from .elementwise import detached_value, on_values
from .linear import (add, batch_size, batched_front, concatenate, conj, convert, div, einsum,
                     fit_dtype, fit_like, front_batch_rule, getitem, imag, moveaxis, mul, neg,
                     real, reduce_sum, reshape, sub, to_front, transpose, where)
from .rules import defjvp, defjvp_full, deflinear

__all__ = [
    "matmul", "LUFactor", "SchurPair", "MATRIX_FUNCTIONS",
    "inv_p", "det_p", "slogdet_p", "cholesky_p", "lu_factor_p", "qr_p", "eigh_p", "eig_p",
    "svd_p", "pinv_p", "matfunc_p", "triangular_solve_p", "solve_p", "sylvester_p",
    "frechet_p", "adjugate_p", "polar_p", "schur_p",
    "inv", "det", "slogdet", "cholesky", "lu_factor", "qr", "eigh", "eig", "svd", "pinv",
    "matfunc", "triangular_solve", "solve", "sylvester", "frechet", "adjugate", "polar", "schur",
    "carries_derivative", "lu_arrays", "schur_arrays", "mT", "mH", "diag_part", "diag_embed", "tril", "triu", "hermitian_part",
    "perm_from_piv", "take_rows", "permute_rows", "permutation_matrices", "pivot_matrices", "eye_like", "normalize_trans", "inv_gaps", "inverse_of",
    "shared_lu",
]


# ============================================================================ helpers

def _ndim(x: Any) -> int:
    return len(shape_of(x))


def carries_derivative(x: Any) -> bool:
    """Whether ``x`` is traced by a transformation that differentiates it (``jvp``, ``grad``,
    ...), not only staged by ``linad.jit``.

    Examples
    --------
    >>> carries_derivative(np.ones(2))
    False
    """
    if not isinstance(x, Tracer):
        return False
    v = detached_value(x)
    return not (isinstance(v, Tracer) and v._trace is x._trace)


@stacked
def _lu_or_raise(a: np.ndarray, message: str) -> tuple:
    """``(lu, piv)`` of :meth:`LUFactor.of`, a singular matrix raising ``LinAlgError(message)``."""
    try:
        f = LUFactor.of(a)
    except np.linalg.LinAlgError:
        raise np.linalg.LinAlgError(message) from None
    return f.lu, f.piv


def lu_arrays(a: Any, message: str = "Singular matrix") -> tuple:
    """``(lu, piv)``: the LU factor of the value of ``a`` (no derivative), for :func:`solve`.

    NumPy arrays for a concrete ``a``; under ``linad.jit`` staged, so the factor (and
    the check for a singular matrix, which raises ``LinAlgError(message)``) is made
    again at every call.  A batch of matrices under ``linad.vmap`` is a stack, whose
    factor :meth:`LUFactor.of` defers to NumPy's batched solvers: the factor is then
    the matrices and no pivots, without a staged call.

    Examples
    --------
    >>> lu, piv = lu_arrays(np.array([[1.0, 2.0], [3.0, 4.0]]))
    >>> piv
    array([1, 1], dtype=int32)
    """
    if getattr(a, "is_batch", False) and enabled():
        return detached_value(a), _NO_PIVOTS
    return on_values(_lu_or_raise, a, multiple=True, message=message)


#: The pivots of a deferred factor (:attr:`LUFactor.deferred`).
_NO_PIVOTS = np.zeros((0,), np.int32)


def matmul(a: Any, b: Any) -> Any:
    """``a @ b`` for stacks of matrices with identical leading dims, or 2-D (no broadcasting).

    Examples
    --------
    >>> matmul(np.eye(2), np.ones((2, 3))).shape
    (2, 3)
    """
    return einsum("...ij,...jk->...ik", a, b)


def mT(x: Any) -> Any:
    """Swap the last two axes."""
    nd = _ndim(x)
    return transpose(x, tuple(range(nd - 2)) + (nd - 1, nd - 2))


def mH(x: Any) -> Any:
    """Conjugate transpose of the last two axes."""
    return conj(mT(x))


def diag_part(x: Any) -> Any:
    """The diagonals ``x[..., i, i]`` of a stack of square matrices."""
    return einsum("...ii->...i", x)


def diag_embed(v: Any) -> Any:
    """Diagonal matrices with the vectors ``v[..., :]`` on their diagonals."""
    n = shape_of(v)[-1]
    return einsum("...i,ij->...ij", v, np.eye(n, dtype=real_dtype(v)))


def eye_like(x: Any) -> np.ndarray:
    """The identity matching the last axis of ``x``, in ``x``'s real dtype."""
    return np.eye(shape_of(x)[-1], dtype=real_dtype(x))


def tril(x: Any, k: int = 0) -> Any:
    """Lower triangle (on and below diagonal ``k``) of the last two axes."""
    n, m = shape_of(x)[-2:]
    return mul(x, np.tri(n, m, k, dtype=real_dtype(x)))


def triu(x: Any, k: int = 0) -> Any:
    """Upper triangle (on and above diagonal ``k``) of the last two axes."""
    n, m = shape_of(x)[-2:]
    return mul(x, 1 - np.tri(n, m, k - 1, dtype=real_dtype(x)))


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
    same = detached_value(d) == 0
    dt = dtype_of(d)
    safe = where(same, np.ones((), dt), d)
    return where(same, np.zeros((), dt), div(1.0, safe))


def _solve_batch_rule(prim: Primitive) -> Callable:
    """The batch rule of a solve whose right-hand side ``b`` (``(..., n, k)``) is its last
    operand: a batch of right-hand sides only becomes more columns (``(..., n, B*k)``, one
    solve with the factors computed once); a batch of matrices solves a stack.  An
    unbatched empty operand (the pivots of a deferred LU factor) is passed as it is."""
    def rule(args, dims, **params):
        if any(d is not None for d in dims[:-1]):
            n = batch_size(args, dims)
            args = [a if d is None and not math.prod(shape_of(a)) else to_front(a, d, n)
                    for a, d in zip(args, dims)]
            return bind(prim, *args, **params), 0
        *rest, b = args
        nd = len(shape_of(b))
        b = moveaxis(b, dims[-1], nd - 2)  # (..., n, B, k)
        s = tuple(shape_of(b))
        x = bind(prim, *rest, reshape(b, s[:-2] + (s[-2] * s[-1],)), **params)
        return reshape(x, tuple(shape_of(x))[:-1] + s[-2:]), nd - 2
    return rule


def _rhs_shape(*avals, **params):
    """Shape rule of a solve: the right-hand side's shape, the promoted dtype."""
    return tuple(avals[-1][0]), np.result_type(*[np.result_type(dt) for _, dt in avals])


def take_rows(x: Any, perm: np.ndarray) -> Any:
    """``x[..., perm[...], :]``: rows of each matrix in a stack, one permutation each."""
    batch = perm.shape[:-1]
    nb = len(batch)
    idx = tuple(np.arange(s).reshape((s,) + (1,) * (nb - i)) for i, s in enumerate(batch))
    return getitem(x, idx + (perm, slice(None)))


@stacked
def permutation_matrices(perm: np.ndarray, dtype: Any = np.float64) -> np.ndarray:
    """The permutation matrices ``P`` with ``P @ x == x[..., perm, :]`` (NumPy in and out).

    Examples
    --------
    >>> permutation_matrices(np.array([1, 0]))
    array([[0., 1.],
           [1., 0.]])
    """
    perm = np.asarray(perm)
    return (perm[..., :, None] == np.arange(perm.shape[-1])).astype(dtype)


@stacked
def _pivot_matrices(piv: np.ndarray, *, dtype: Any, inverse: bool) -> np.ndarray:
    """:func:`permutation_matrices` of ``perm_from_piv(piv)`` (transposed: the inverse)."""
    p = permutation_matrices(perm_from_piv(piv), dtype)
    return np.swapaxes(p, -1, -2) if inverse else p


def pivot_matrices(piv: Any, dtype: Any, inverse: bool = False) -> Any:
    """:func:`permutation_matrices` of the row permutation of the LAPACK pivots ``piv``
    (their transposes, the inverse permutation, if ``inverse``); staged under ``linad.jit``.

    Examples
    --------
    >>> pivot_matrices(np.array([1, 1]), np.float64)
    array([[0., 1.],
           [1., 0.]])
    """
    return on_values(_pivot_matrices, piv, dtype=np.dtype(dtype), inverse=bool(inverse))


def permute_rows(x: Any, piv: Any, inverse: bool = False) -> Any:
    """``x[..., perm, :]`` for the row permutation ``perm`` of the LAPACK pivots ``piv``
    (:func:`~linad.primitives.lapack.perm_from_piv`), or its inverse.

    Concrete pivots index the rows; staged pivots (under ``linad.jit``) multiply by the
    permutation matrices made from them at every call.  ``piv``'s leading dims are
    those of ``x``.

    Examples
    --------
    >>> permute_rows(np.array([[1.0], [2.0], [3.0]]), np.array([2, 2, 2]))
    array([[3.],
           [1.],
           [2.]])
    """
    p = detached_value(piv)
    if isinstance(p, Tracer):
        return matmul(pivot_matrices(p, real_dtype(x), inverse), x)
    perm = perm_from_piv(p)
    return take_rows(x, np.argsort(perm, axis=-1) if inverse else perm)


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
    if batch and enabled():
        return _trisolve_stack(a, b, lower, trans, unit_diagonal)

    def one(a_, b_):
        return sla.solve_triangular(a_, b_, trans=trans, lower=lower,
                                    unit_diagonal=unit_diagonal, check_finite=False)
    return np.asarray(map_matrices(one, batch, a, b)).astype(np.result_type(a, b), copy=False)


def _trisolve_stack(a, b, lower, trans, unit_diagonal):
    """A stack of triangular solves at once, where SciPy's ``solve_triangular`` takes one
    call per matrix: by substitution over the rows of the whole stack when that is cheaper
    (:func:`_substitution_pays`), else one batched NumPy solve of the triangles (LAPACK
    ``gesv`` looping in C over the matrices)."""
    n = a.shape[-1]
    if _substitution_pays(math.prod(b.shape[:-2]), n) and (
            unit_diagonal or np.all(np.diagonal(a, axis1=-2, axis2=-1))):
        t = a
        if trans:
            t = np.swapaxes(a, -1, -2)
            lower = not lower
            if trans == 2:
                t = t.conj()
        return _substitute(t, b, lower, unit_diagonal)
    t = np.tril(a) if lower else np.triu(a)
    if unit_diagonal:
        n = t.shape[-1]
        t = t.copy()
        t[..., np.arange(n), np.arange(n)] = 1
    if trans:
        t = np.swapaxes(t, -1, -2)
        if trans == 2:
            t = t.conj()
    return np.linalg.solve(t, b).astype(np.result_type(a, b), copy=False)


def _substitution_pays(count: int, n: int) -> bool:
    """True if ``count`` triangular ``n x n`` solves cost less by substitution over the
    stack (``n`` steps of a few NumPy calls on all matrices) than by ``count`` LAPACK calls:
    a cost model in microseconds fitted to both on one machine (e.g. 200 systems of 8:
    46 against 105; 16 systems of 8: 34 against 19)."""
    return count * (0.15 + 0.006 * n * n) > n * (4.0 + 0.0015 * count * n)


def _substitute(t: np.ndarray, b: np.ndarray, lower: bool, unit_diagonal: bool) -> np.ndarray:
    """``x`` with ``t x = b`` for a stack of triangular ``t`` (``(..., n, n)``, only the
    ``lower`` or upper triangle read; nonzero diagonal unless ``unit_diagonal``) and
    ``b`` (``(..., n, k)``): forward or back substitution, one row of every system per
    step.

    Examples
    --------
    >>> t = np.array([[[2.0, 9.0], [1.0, 4.0]]])
    >>> _substitute(t, np.array([[[2.0], [9.0]]]), lower=True, unit_diagonal=False)
    array([[[1.],
            [2.]]])
    """
    n = t.shape[-1]
    x = np.empty(b.shape, np.result_type(t, b))
    for i in (range(n) if lower else range(n - 1, -1, -1)):
        done = slice(0, i) if lower else slice(i + 1, n)
        r = b[..., i, :] - np.matmul(t[..., i:i + 1, done], x[..., done, :])[..., 0, :]
        x[..., i, :] = r if unit_diagonal else r / t[..., i, i, None]
    return x


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
        term = neg(matmul(_op(_triangle(ta, lower, unit_diagonal), trans), x))
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


deflinear(triangular_solve_p, linear_in=(1,), aval_rule=_rhs_shape,
          transpose_rule=_trisolve_transpose, batch_rule=_solve_batch_rule(triangular_solve_p))
defjvp_full(triangular_solve_p, _trisolve_jvp)


# ============================================================================ LU solve (linear)

def _solve_impl(a, lu, piv, b, *, trans):
    return LUFactor(lu, piv).solve(b, trans)


solve_p = Primitive("solve", _solve_impl)


def solve(a: Any, b: Any, trans: int = 0, factor: tuple | None = None) -> Any:
    r"""Solve :math:`\mathrm{op}(A)X = B`, ``op`` = identity (``trans=0``) or transpose (1).

    ``a``: ``(..., n, n)``; ``b``: ``(..., n, k)`` with the same leading dims.
    ``a`` is factored once (unless ``factor``, the ``(lu, piv)`` of :func:`lu_arrays`,
    is given); the factor arrays are operands of the primitive, constants of its
    derivatives, so every derivative of the result reuses them.

    Examples
    --------
    >>> solve(np.array([[2.0, 0.0], [0.0, 4.0]]), np.array([[2.0], [2.0]]))
    array([[1. ],
           [0.5]])
    """
    lu, piv = lu_arrays(a) if factor is None else factor
    return bind(solve_p, a, lu, piv, b, trans=int(trans))


def _constant_factor(name: str, tangents: list) -> None:
    """Refuse a tangent on a factor operand: the factor is a constant of the derivative."""
    if any(type(t) is not Zero for t in tangents):
        raise TypeError(f"{name}: the factor operands carry no derivative; make them with "
                        "lu_arrays / schur_arrays (from the values of the matrices)")


def _solve_jvp(primals, tangents, *, trans):
    a, lu, piv, b = primals
    ta, tlu, tpiv, tb = tangents
    _constant_factor("solve", [tlu, tpiv])
    x = bind(solve_p, a, lu, piv, b, trans=trans)
    rhs = None if type(tb) is Zero else tb
    if type(ta) is not Zero:
        term = neg(matmul(_op(ta, trans), x))
        rhs = term if rhs is None else add(rhs, term)
    if rhs is None:
        return x, Zero.like(x)
    return x, fit_dtype(bind(solve_p, a, lu, piv, rhs, trans=trans), dtype_of(x))


def _solve_transpose(ct, a, lu, piv, b, *, trans):
    res = bind(solve_p, a, lu, piv, ct, trans=1 - trans)
    return [None, None, None, fit_dtype(res, b.dtype)]


def _solve_shape(a, lu, piv, b, *, trans):
    """Shape rule of ``solve``: the right-hand side's shape, the promoted dtype."""
    return tuple(b[0]), np.result_type(lu[1], b[1])


deflinear(solve_p, linear_in=(3,), aval_rule=_solve_shape, transpose_rule=_solve_transpose,
          batch_rule=_solve_batch_rule(solve_p))
defjvp_full(solve_p, _solve_jvp)


# ============================================================================ inv, det, slogdet

inv_p = Primitive("inv", np.linalg.inv)
inv_p.batch_rule = front_batch_rule(inv_p)


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
    return y, neg(matmul(matmul(y, t), y))


defjvp_full(inv_p, _inv_jvp)


def _trace_inv_times(a: Any, t: Any) -> Any:
    """``tr(A^{-1} T)`` for each matrix of the stack."""
    return einsum("...ij,...ji->...", inverse_of(a), t)


det_p = Primitive("det", np.linalg.det)
det_p.batch_rule = front_batch_rule(det_p)


def det(a: Any) -> Any:
    """Determinant of a (stack of) square matrices."""
    return bind(det_p, a)


def _det_jvp(primals, tangents):
    (a,), (t,) = primals, tangents
    if type(t) is Zero:
        ans = bind(det_p, a)
        return ans, Zero.like(ans)
    value = detached_value(a)
    if isinstance(value, Tracer) or numerically_singular(value):
        # d det = tr(adj(A) dA); adjugate's impl takes the SVD at singular matrices
        ans = bind(det_p, a)
        return ans, fit_like(einsum("...ij,...ji->...", adjugate(a), t), ans)
    lu = shared_lu(a)
    ans = bind(det_p, a) if lu is None else lu.det()
    return ans, fit_like(mul(ans, _trace_inv_times(a, t)), ans)


defjvp_full(det_p, _det_jvp)


def _slogdet_impl(a):
    res = np.linalg.slogdet(a)
    return res[0], res[1]


slogdet_p = Primitive("slogdet", _slogdet_impl, multiple_results=True)
slogdet_p.batch_rule = front_batch_rule(slogdet_p)


def slogdet(a: Any) -> list:
    """``[sign, log|det|]`` of a (stack of) square matrices."""
    return bind(slogdet_p, a)


def _slogdet_jvp(primals, tangents):
    (a,), (t,) = primals, tangents
    if type(t) is Zero:
        sign, logdet = bind(slogdet_p, a)
        return [sign, logdet], [Zero.like(sign), Zero.like(logdet)]
    try:
        lu = shared_lu(a)
        sign, logdet = bind(slogdet_p, a) if lu is None else lu.slogdet()
        g = _trace_inv_times(a, t)
    except np.linalg.LinAlgError:  # singular: log|det| = -inf has no derivative (NaN)
        sign, logdet = bind(slogdet_p, a)
        undefined = mul(real(einsum("...ii->...", t)), np.array(np.nan, dtype_of(logdet)))
        return [sign, logdet], [Zero.like(sign), fit_dtype(undefined, dtype_of(logdet))]
    if dtype_of(sign).kind != "c":
        return [sign, logdet], [Zero.like(sign), fit_dtype(g, dtype_of(logdet))]
    dsign = mul(sign, mul(convert(imag(g), dtype_of(sign)), 1j))
    return [sign, logdet], [dsign, real(g)]


defjvp_full(slogdet_p, _slogdet_jvp)


# ============================================================================ cholesky

def _cholesky_impl(a, *, upper):
    try:
        if not upper:
            return np.linalg.cholesky(a)
        lower = np.linalg.cholesky(np.conj(np.swapaxes(a, -1, -2)))
    except np.linalg.LinAlgError:
        raise np.linalg.LinAlgError(
            "cholesky: the matrix is not positive definite (a Cholesky factor exists only for "
            "Hermitian positive definite matrices; the " + ("upper" if upper else "lower")
            + " triangle is the one read)") from None
    return np.conj(np.swapaxes(lower, -1, -2))


cholesky_p = Primitive("cholesky", _cholesky_impl)
cholesky_p.batch_rule = front_batch_rule(cholesky_p)


def cholesky(a: Any, upper: bool = False) -> Any:
    """Cholesky factor ``L`` (``A = L L^H``), or ``U = L^H`` when ``upper``."""
    return bind(cholesky_p, a, upper=bool(upper))


def _cholesky_tangent(t, ans, a, *, upper):
    low = mH(ans) if upper else ans
    dh = hermitian_part(t, lower=not upper)
    y = triangular_solve(low, dh, lower=True)
    x = mH(triangular_solve(low, mH(y), lower=True))
    n = shape_of(a)[-1]
    phi = mul(x, np.tri(n, n, -1, dtype=real_dtype(a)) + 0.5 * np.eye(n, dtype=real_dtype(a)))
    dl = matmul(low, phi)
    return mH(dl) if upper else dl


defjvp(cholesky_p, _cholesky_tangent)


# ============================================================================ LU factorisation

def _lu_impl(a):
    a = np.asarray(a)
    return map_matrices(lambda m: sla.lu_factor(m, check_finite=False), a.shape[:-2], a)


lu_factor_p = Primitive("lu_factor", _lu_impl, multiple_results=True)
lu_factor_p.batch_rule = front_batch_rule(lu_factor_p)


def lu_factor(a: Any) -> list:
    """``[lu, piv]`` as ``scipy.linalg.lu_factor``, differentiable in ``lu``."""
    return bind(lu_factor_p, a)


def _lu_jvp(primals, tangents):
    (a,), (t,) = primals, tangents
    lu, piv = bind(lu_factor_p, a)
    if type(t) is Zero:
        return [lu, piv], [Zero.like(lu), Zero.like(piv)]
    y = triangular_solve(lu, permute_rows(t, piv), lower=True, unit_diagonal=True)
    m = mT(triangular_solve(lu, mT(y), lower=False, trans=1))
    low = add(tril(lu, -1), eye_like(lu))
    dlu = add(matmul(low, tril(m, -1)), matmul(triu(m), triu(lu)))
    return [lu, piv], [fit_dtype(dlu, dtype_of(lu)), Zero.like(piv)]


defjvp_full(lu_factor_p, _lu_jvp)


# ============================================================================ QR

def _qr_impl(a, *, complete):
    q, r = np.linalg.qr(a, mode="complete" if complete else "reduced")
    return q, r


qr_p = Primitive("qr", _qr_impl, multiple_results=True)
qr_p.batch_rule = front_batch_rule(qr_p)


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
    return neg(matmul(q1, matmul(mH(dq1), q2)))


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
    c = matmul(mH(q1), t_rinv)
    omega = _skew_from_lower(c)
    dr = matmul(sub(c, omega), r1)
    dq = add(t_rinv, matmul(q1, sub(omega, c)))
    if n > k:  # wide: R = [R1, Q^H Y]
        dr2 = add(matmul(mH(dq), _cols(a, k)), matmul(mH(q1), _cols(t, k)))
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
eigh_p.batch_rule = front_batch_rule(eigh_p)


def eigh(a: Any, lower: bool = True) -> list:
    """``[w, V]`` of the Hermitian matrix read from one triangle of ``a``."""
    return bind(eigh_p, a, lower=bool(lower))


def _eigh_jvp(primals, tangents, *, lower):
    (a,), (t,) = primals, tangents
    w, v = bind(eigh_p, a, lower=lower)
    if type(t) is Zero:
        return [w, v], [Zero.like(w), Zero.like(v)]
    p = matmul(mH(v), matmul(hermitian_part(t, lower), v))
    dw = fit_dtype(diag_part(p), dtype_of(w))
    dv = matmul(v, mul(p, inv_gaps(w)))
    return [w, v], [dw, fit_dtype(dv, dtype_of(v))]


defjvp_full(eigh_p, _eigh_jvp)


def _eig_impl(a):
    w, v = np.linalg.eig(a)
    return w, v


eig_p = Primitive("eig", _eig_impl, multiple_results=True)


def eig(a: Any) -> list:
    """``[w, V]`` of a general square matrix (columns of ``V`` of unit 2-norm).

    Real ``a`` gives real results when every eigenvalue is real, complex ones otherwise
    (as NumPy): under ``linad.jit`` that dtype cannot be staged, so a real ``a`` raises
    ``ConcretizationError`` there (a complex ``a`` is staged).
    """
    _refuse_dtype_from_values(a, "eig", "NumPy returns real eigenvalues and eigenvectors when "
                              "every eigenvalue is real and complex ones otherwise")
    return bind(eig_p, a)


def _staged_real(a: Any) -> bool:
    """True for a real ``a`` staged by ``linad.jit``.

    A batch of values under ``linad.vmap`` is not judged here: the batch rule of the
    primitive (:func:`_eig_batch_rule`, :func:`_matfunc_batch_rule`) judges the batched
    array, which is staged or not.
    """
    if not isinstance(a, Tracer) or dtype_of(a).kind == "c":
        return False
    v = detached_value(a)
    return isinstance(v, Tracer) and not getattr(v, "is_batch", False)


def _refuse_dtype_from_values(a: Any, name: str, why: str) -> None:
    """Raise ``ConcretizationError`` for a real ``a`` staged by ``linad.jit``: the result
    of ``name`` is real or complex depending on its values."""
    if _staged_real(a):
        raise ConcretizationError(
            f"{name} of a real matrix under linad.jit: {why}, so the dtype of the result "
            "depends on the values of the matrix and cannot be staged. Pass a complex matrix "
            "(a.astype(complex); the result is then complex), or call it without jit.")


def _eig_jvp(primals, tangents):
    (a,), (t,) = primals, tangents
    w, v = bind(eig_p, a)
    if type(t) is Zero:
        return [w, v], [Zero.like(w), Zero.like(v)]
    p = matmul(inv(v), matmul(t, v))
    dw = diag_part(p)
    dv = matmul(v, mul(p, inv_gaps(w)))
    nd = _ndim(v)
    radial = real(reduce_sum(mul(conj(v), dv), (nd - 2,), True))
    dv = sub(dv, mul(v, radial))
    return [w, v], [fit_dtype(dw, dtype_of(w)), fit_dtype(dv, dtype_of(v))]


defjvp_full(eig_p, _eig_jvp)


def _eig_batch_rule(args, dims):
    """``eig`` of the stack, batch first (refused for a real stack staged by ``linad.jit``)."""
    return eig(moveaxis(args[0], dims[0], 0)), [0, 0]


eig_p.batch_rule = _eig_batch_rule


# ============================================================================ SVD

def _svd_impl(a, *, full_matrices):
    u, s, vh = np.linalg.svd(a, full_matrices=full_matrices)
    return u, s, vh


svd_p = Primitive("svd", _svd_impl, multiple_results=True)
svd_p.batch_rule = front_batch_rule(svd_p)


def svd(a: Any, full_matrices: bool = False) -> list:
    """``[U, s, Vh]`` with ``a = U diag(s) Vh`` (singular values descending)."""
    return bind(svd_p, a, full_matrices=bool(full_matrices))


def _safe_reciprocal(s: Any) -> Any:
    """``1/s`` with 0 where ``s == 0``."""
    zero = detached_value(s) == 0
    if not isinstance(zero, Tracer) and not zero.any():
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
    p = matmul(mH(u1), matmul(t, v1))
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
    du = matmul(u1, omega_u)
    dv = matmul(v1, mul(f, add(sp, mH(sp))))
    if m > k:
        du = add(du, mul(sub(matmul(t, v1), matmul(u1, p)), sinv_row))
    if n > k:
        dv = add(dv, mul(sub(matmul(mH(t), u1), matmul(v1, mH(p))), sinv_row))
    if shape_of(u)[-1] > k:
        du = concatenate([du, _complement_tangent(u1, du, _cols(u, k))], _ndim(a) - 1)
    if shape_of(vh)[-2] > k:
        dv = concatenate([dv, _complement_tangent(v1, dv, mH(_rows(vh, k)))], _ndim(a) - 1)
    return [u, s, vh], [fit_dtype(du, dtype_of(u)), ds, fit_dtype(mH(dv), dtype_of(vh))]


defjvp_full(svd_p, _svd_jvp)


# ============================================================================ pinv

pinv_p = Primitive("pinv", lambda a, rcond, *, hermitian: np.linalg.pinv(
    a, rcond=rcond, hermitian=hermitian))


def pinv(a: Any, rcond: Any = 1e-15, hermitian: bool = False) -> Any:
    """Moore-Penrose pseudo-inverse (``np.linalg.pinv`` with a resolved ``rcond``).

    ``rcond`` (a number or an array broadcast against the stack) is an operand with
    no derivative: it may be computed from values, staged under ``linad.jit``.
    """
    return bind(pinv_p, a, rcond, hermitian=bool(hermitian))


def _pinv_tangent(t, x, a, rcond, *, hermitian):
    th = mH(t)
    term1 = neg(matmul(x, matmul(t, x)))
    term2 = matmul(matmul(x, mH(x)), sub(th, matmul(th, matmul(a, x))))
    term3 = matmul(sub(th, matmul(matmul(x, a), th)), matmul(mH(x), x))
    return add(add(term1, term2), term3)


defjvp(pinv_p, _pinv_tangent, None)


def _pinv_batch_rule(args, dims, *, hermitian):
    """``pinv`` of a batch: the stack batch-first, ``rcond`` (broadcast against the stack
    dims) batch-first with ones inserted so that it lines up with them."""
    a, rcond = batched_front(args, dims)
    core = tuple(shape_of(rcond))[1:]
    stack_nd = _ndim(a) - 3
    if len(core) < stack_nd:
        rcond = reshape(rcond, tuple(shape_of(rcond))[:1] + (1,) * (stack_nd - len(core)) + core)
    return bind(pinv_p, a, rcond, hermitian=hermitian), 0


pinv_p.batch_rule = _pinv_batch_rule


# =================================================== matrix functions, Fréchet derivative (linear)

def _work_dtype(dt: Any) -> np.dtype:
    """Matrix functions run in double precision (float32 results are rounded back)."""
    return np.result_type(dt, np.float64)


def _narrow(out: np.ndarray, like: np.dtype) -> np.ndarray:
    """``out`` rounded to ``like``'s precision, keeping complex output complex."""
    target = np.result_type(like, np.complex64) if out.dtype.kind == "c" else np.dtype(like)
    return out.astype(target, copy=False)


def _matfunc_impl(a, *, func, real=False):
    a = np.asarray(a)
    out = map_matrices(matrix_function(func), a.shape[:-2], a.astype(_work_dtype(a.dtype)))
    if real and out.dtype.kind == "c":
        name = func[0] if isinstance(func, tuple) else func
        raise ValueError(
            f"{name} of this real matrix is complex (it has an eigenvalue on the closed "
            "negative real axis), but linad.jit staged it as real: a staged program cannot "
            "change dtype from call to call. Pass a complex matrix (a.astype(complex)) to get "
            "a complex result, or call the function without jit.")
    return _narrow(np.asarray(out), a.dtype)


matfunc_p = Primitive("matfunc", _matfunc_impl)


def matfunc(a: Any, func: Any) -> Any:
    """A primary matrix function of ``a``: ``func`` a key of :data:`MATRIX_FUNCTIONS`, or
    ``(name, parameter)`` (``("fractional_matrix_power", t)``, see
    :func:`~linad.primitives.lapack.matrix_function`).

    ``logm``, ``sqrtm`` and fractional powers of a real matrix are real or complex
    depending on its eigenvalues (as SciPy).  A staged program cannot change dtype, so
    under ``linad.jit`` they are real for a real ``a`` (``real=True``): a call at a
    matrix whose result would be complex raises ``ValueError``; a complex ``a`` is
    staged with complex results.
    """
    name = func[0] if isinstance(func, tuple) else func
    if name in _COMPLEX_FROM_VALUES and _staged_real(a):
        return bind(matfunc_p, a, func=func, real=True)
    return bind(matfunc_p, a, func=func)


#: Matrix functions whose result for a real matrix is real or complex depending on its values.
_COMPLEX_FROM_VALUES = frozenset({"logm", "sqrtm", "fractional_matrix_power"})


def _matfunc_tangent(t, ans, a, *, func, real=False):
    dt = dtype_of(ans)
    if dt.kind == "c" and dtype_of(a).kind != "c":  # e.g. logm of a real matrix: complex result
        a, t = convert(a, dt), convert(t, dt)
    return frechet(a, t, func)


defjvp(matfunc_p, _matfunc_tangent)


def _matfunc_batch_rule(args, dims, *, func, real=False):
    """The matrix function of the stack, batch first (real when staged real by ``linad.jit``,
    see :func:`matfunc`)."""
    a = moveaxis(args[0], dims[0], 0)
    return (bind(matfunc_p, a, func=func, real=True) if real else matfunc(a, func)), 0


matfunc_p.batch_rule = _matfunc_batch_rule


def _frechet_impl(a, e, *, func):
    a, e = np.asarray(a), np.asarray(e)
    out_dt = np.result_type(a, e)
    work = _work_dtype(out_dt)
    batch = e.shape[:-2]
    a = np.broadcast_to(a, batch + a.shape[-2:]).astype(work)
    out = np.asarray(map_matrices(lambda x, y: frechet_derivative(func, x, y), batch, a,
                                   e.astype(work)))
    if out.dtype.kind == "c" and out_dt.kind != "c":
        out = out.real
    return out.astype(out_dt, copy=False)


frechet_p = Primitive("frechet", _frechet_impl)


def frechet(a: Any, e: Any, func: Any = "expm") -> Any:
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


deflinear(frechet_p, linear_in=(1,), aval_rule=_rhs_shape, transpose_rule=_frechet_transpose,
          batch_rule=front_batch_rule(frechet_p))
defjvp_full(frechet_p, _frechet_jvp)


# ===================================================================== Sylvester equation (linear)

def _sylvester_impl(a, b, ra, ua, rb, ub, q, *, trans):
    return SchurPair(ra, ua, rb, ub).solve(q, trans)


sylvester_p = Primitive("sylvester", _sylvester_impl)


@stacked
def _schur_pair_arrays(a: np.ndarray, b: np.ndarray, dtype: Any) -> tuple:
    f = SchurPair.of(a, b, dtype)
    return f.ra, f.ua, f.rb, f.ub


def schur_arrays(a: Any, b: Any, dtype: Any) -> tuple:
    """``(ra, ua, rb, ub)``: the Schur forms of the values of ``a`` and ``b`` (no derivative),
    complex if ``dtype`` is, for :func:`sylvester`; staged under ``linad.jit``.

    Examples
    --------
    >>> ra, ua, rb, ub = schur_arrays(np.diag([1.0, 2.0]), np.diag([3.0]), np.float64)
    >>> ra
    array([[1., 0.],
           [0., 2.]])
    """
    return on_values(_schur_pair_arrays, a, b, multiple=True, dtype=np.dtype(dtype))


def sylvester(a: Any, b: Any, q: Any, trans: int = 0, factor: tuple | None = None) -> Any:
    r"""``X`` with :math:`AX + XB = Q` (``trans=1``: :math:`A^TX + XB^T = Q`); linear in ``q``.

    The Schur forms (``factor``, from :func:`schur_arrays` unless given) are operands
    of the primitive, constants of its derivatives: the transposed equation reuses them.

    Examples
    --------
    >>> sylvester(np.diag([1.0, 2.0]), np.diag([3.0]), np.array([[4.0], [10.0]]))
    array([[1.],
           [2.]])
    """
    if factor is None:
        factor = schur_arrays(a, b, np.result_type(dtype_of(a), dtype_of(b), dtype_of(q)))
    return bind(sylvester_p, a, b, *factor, q, trans=int(trans))


def _sylvester_jvp(primals, tangents, *, trans):
    a, b, *factor, q = primals
    ta, tb, *tfactor, tq = tangents
    _constant_factor("sylvester", tfactor)
    x = bind(sylvester_p, *primals, trans=trans)
    rhs = None if type(tq) is Zero else tq
    if type(ta) is not Zero:
        term = neg(matmul(_op(ta, trans), x))
        rhs = term if rhs is None else add(rhs, term)
    if type(tb) is not Zero:
        term = neg(matmul(x, _op(tb, trans)))
        rhs = term if rhs is None else add(rhs, term)
    if rhs is None:
        return x, Zero.like(x)
    return x, fit_dtype(bind(sylvester_p, a, b, *factor, rhs, trans=trans), dtype_of(x))


def _sylvester_transpose(ct, a, b, ra, ua, rb, ub, q, *, trans):
    res = bind(sylvester_p, a, b, ra, ua, rb, ub, ct, trans=1 - trans)
    return [None] * 6 + [fit_dtype(res, q.dtype)]


deflinear(sylvester_p, linear_in=(6,), aval_rule=_rhs_shape,
          transpose_rule=_sylvester_transpose, batch_rule=front_batch_rule(sylvester_p))
defjvp_full(sylvester_p, _sylvester_jvp)


# ============================================================================ adjugate

def _adjugate_impl(a):
    return adjugate_of(a).astype(np.asarray(a).dtype, copy=False)


adjugate_p = Primitive("adjugate", _adjugate_impl)
adjugate_p.batch_rule = front_batch_rule(adjugate_p)


def adjugate(a: Any) -> Any:
    r"""The adjugate :math:`\mathrm{adj}(A)` (:math:`= \det(A)A^{-1}` when ``A`` is invertible).

    From the LU factor where ``A`` is regular to working precision, else from the SVD,
    exact at singular matrices too (:func:`~linad.primitives.lapack.adjugate_of`); the
    derivative of ``det`` at a singular matrix is :math:`\mathrm{tr}(\mathrm{adj}(A)\dot A)`.

    Examples
    --------
    >>> adjugate(np.array([[1.0, 2.0], [3.0, 6.0]])).round(12)
    array([[ 6., -2.],
           [-3.,  1.]])
    """
    return bind(adjugate_p, a)


@stacked
def _adjugate_factors(a: np.ndarray, *, dtype: Any) -> tuple:
    """``(c, U, Pi, V)`` of :func:`_adjugate_tangent` (``c`` shaped ``(..., 1, 1)``), in ``dtype``."""
    _, c, u, s, v = adjugate_svd(a)
    return (c[..., None, None].astype(dtype), u, all_but_two(s).astype(dtype, copy=False), v)


def _adjugate_tangent(t, ans, a):
    r"""The derivative of :math:`\mathrm{adj}` at any ``A = U S V^H`` (singular ones included).

    :math:`\mathrm{adj}(U M V^H) = c\,V\,\mathrm{adj}(M)\,U^H` with :math:`c = \det U\det V^H`,
    and at a diagonal :math:`S`, with :math:`G = U^H\dot A V` and
    :math:`\Pi_{ij} = \prod_{l\notin\{i,j\}} s_l` (:math:`\Pi_{ii} = 0`), the cofactor
    expansion gives :math:`\dot{\mathrm{adj}}(S)_{ij} = -G_{ij}\Pi_{ij}` off the diagonal and
    :math:`\sum_{k\ne i}\Pi_{ik}G_{kk}` on it.  The factors are constants here, so this
    rule gives first and second derivatives of ``det`` at singular matrices; a third
    (the derivative of this rule in ``A``) is not implemented.
    """
    if carries_derivative(a):
        raise NotImplementedError(
            "adjugate: derivatives of order three and higher of det at a singular matrix are "
            "not implemented")
    dt = dtype_of(ans)
    c, u, pi, v = on_values(_adjugate_factors, a, multiple=True, dtype=dt)
    g = matmul(mH(u), matmul(t, v))
    inner = sub(diag_embed(einsum("...ik,...k->...i", pi, diag_part(g))), mul(g, pi))
    out = mul(matmul(v, matmul(inner, mH(u))), c)
    return fit_dtype(out, dt)


defjvp(adjugate_p, _adjugate_tangent)


# ============================================================================ polar

def _polar_impl(a):
    w, s, vh = np.linalg.svd(a, full_matrices=False)
    p = (np.conj(np.swapaxes(vh, -1, -2)) * s[..., None, :]) @ vh
    return w @ vh, p


polar_p = Primitive("polar", _polar_impl, multiple_results=True)
polar_p.batch_rule = front_batch_rule(polar_p)


def polar(a: Any) -> list:
    r"""``[U, P]`` with ``A = U P``, ``U`` with orthonormal columns, ``P`` Hermitian
    positive semidefinite (``(..., m, n)`` with ``m >= n``).

    JVP (the Sylvester equation of the polar factors, see e.g. Higham, *Functions of
    Matrices*, SIAM 2008, ch. 8): with :math:`X = U^H\dot A`, the skew-Hermitian
    :math:`\Omega = U^H\dot U` solves :math:`P\Omega + \Omega P = X - X^H`;
    :math:`\dot P = X - \Omega P`, :math:`\dot U = U\Omega + (\dot A - UX)P^{-1}`.
    Defined where ``A`` has full column rank (``P`` positive definite); exact also at
    repeated singular values, unlike a route through the SVD.

    Examples
    --------
    >>> u, p = polar(np.array([[0.0, 2.0], [3.0, 0.0]]))
    >>> u
    array([[0., 1.],
           [1., 0.]])
    """
    return bind(polar_p, a)


def _polar_jvp(primals, tangents):
    (a,), (t,) = primals, tangents
    u, p = bind(polar_p, a)
    if type(t) is Zero:
        return [u, p], [Zero.like(u), Zero.like(p)]
    if shape_of(a)[-2] < shape_of(a)[-1]:
        raise NotImplementedError(
            "polar: the positive factor of a wide matrix (side='right'; a tall one with "
            "side='left') is singular, and the factors are not differentiable there")
    x = matmul(mH(u), t)
    omega = sylvester(p, p, sub(x, mH(x)))
    dp = sub(x, matmul(omega, p))
    du = matmul(u, omega)
    m, n = shape_of(a)[-2:]
    if m > n:
        rest = sub(t, matmul(u, x))
        du = add(du, mH(solve(p, mH(rest))))
    return [u, p], [fit_dtype(du, dtype_of(u)), fit_dtype(dp, dtype_of(p))]


defjvp_full(polar_p, _polar_jvp)


# ============================================================================ Schur

def _schur_impl(a, *, output):
    a = np.asarray(a)
    return map_matrices(lambda m: sla.schur(m, output=output, check_finite=False),
                        a.shape[:-2], a)


schur_p = Primitive("schur", _schur_impl, multiple_results=True)
schur_p.batch_rule = front_batch_rule(schur_p)


def schur(a: Any, output: str = "real") -> list:
    r"""``[T, Z]`` with ``A = Z T Z^H`` (``scipy.linalg.schur``; ``output`` 'real' or 'complex').

    JVP: with :math:`G = Z^H\dot A Z` and :math:`K = Z^H\dot Z` skew-Hermitian, the
    strictly lower part of :math:`K` solves the triangular Sylvester-type equation
    :math:`\mathrm{tril}(KT - TK, -1) = \mathrm{tril}(G, -1)` (solved as one linear system
    in the :math:`n(n-1)/2` unknowns, Kronecker form); then :math:`\dot T = G - (KT - TK)`,
    :math:`\dot Z = ZK`.  The diagonal of :math:`K` (the phases of the Schur vectors in
    the complex form) is a gauge, taken as 0: the derivatives of gauge-invariant functions
    (the diagonal of ``T``, ``|T|``, ``Z f(T) Z^H``) are exact, as are ``T`` and ``Z``
    themselves for a real matrix with real eigenvalues.  Defined for distinct eigenvalues;
    a real Schur form with 2x2 blocks (complex eigenvalue pairs) has no derivative here
    (use ``output='complex'``).

    Examples
    --------
    >>> t, z = schur(np.array([[1.0, 2.0], [0.0, 3.0]]))
    >>> t
    array([[1., 2.],
           [0., 3.]])
    """
    return bind(schur_p, a, output=output)


def _strict_lower_index(n: int) -> np.ndarray:
    """Row-major flat positions of the strictly lower triangle of an ``n x n`` matrix."""
    i, j = np.tril_indices(n, -1)
    return i * n + j


@stacked
def _schur_system_lu(system: np.ndarray, tt: np.ndarray) -> tuple:
    """The LU factor of the linear system of :func:`_schur_skew` for the Schur form ``tt``,
    which must be triangular and have distinct eigenvalues."""
    if np.any(np.diagonal(tt, -1, -2, -1) != 0):
        raise NotImplementedError(
            "schur: the derivative of a real Schur form with 2x2 blocks (complex eigenvalue "
            "pairs) is not implemented; use output='complex'")
    return _lu_or_raise(system, "schur: the derivative of the Schur form is not defined at a "
                        "matrix with repeated eigenvalues")


def _schur_skew(g: Any, tt: Any) -> Any:
    """The skew-Hermitian ``K`` (zero diagonal) with ``tril(KT - TK, -1) = tril(G, -1)``."""
    n = shape_of(tt)[-1]
    batch = tuple(shape_of(tt)[:-2])
    idx = _strict_lower_index(n)
    eye = eye_like(tt)
    big = sub(einsum("ac,...db->...abcd", eye, tt), einsum("...ac,bd->...abcd", tt, eye))
    system = getitem(reshape(big, batch + (n * n, n * n)), (Ellipsis, idx[:, None], idx[None, :]))
    rhs = getitem(reshape(g, batch + (n * n,)), (Ellipsis, idx))
    factor = on_values(_schur_system_lu, system, tt, multiple=True)
    sol = solve(system, reshape(rhs, batch + (idx.size, 1)), factor=factor)
    embed = np.zeros((idx.size, n * n), real_dtype(tt))
    embed[np.arange(idx.size), idx] = 1
    low = reshape(einsum("...a,ab->...b", reshape(sol, batch + (idx.size,)), embed),
                  batch + (n, n))
    return sub(low, mH(low))


def _schur_jvp(primals, tangents, *, output):
    (a,), (t,) = primals, tangents
    tt, z = bind(schur_p, a, output=output)
    if type(t) is Zero:
        return [tt, z], [Zero.like(tt), Zero.like(z)]
    n = shape_of(a)[-1]
    g = matmul(mH(z), matmul(t, z))
    if n == 1:
        return [tt, z], [fit_dtype(g, dtype_of(tt)), Zero.like(z)]
    kk = _schur_skew(g, tt)
    dt = triu(sub(g, sub(matmul(kk, tt), matmul(tt, kk))))
    return [tt, z], [fit_dtype(dt, dtype_of(tt)), fit_dtype(matmul(z, kk), dtype_of(z))]


defjvp_full(schur_p, _schur_jvp)
