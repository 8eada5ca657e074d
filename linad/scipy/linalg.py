r"""``linad.scipy.linalg``: SciPy's matrix functions and structured solvers, differentiable.

Signatures follow ``scipy.linalg`` (``overwrite_*`` is accepted and ignored;
``check_finite`` checks the values).  Stacked matrices ``(..., n, n)`` are
accepted everywhere.  SciPy functions do not dispatch on traced values, so
call these (``linad.scipy.linalg.expm(x)``), not ``scipy.linalg.expm(x)``.

Derivatives (formulas in :mod:`linad.primitives.linalg`):

* ``expm``, ``logm``, ``sqrtm``, ``cosm``, ``sinm``, ``tanm``, ``coshm``, ``sinhm``,
  ``tanhm``: the tangent is the Fréchet derivative :math:`L_f(A, \dot A)`
  (``scipy.linalg.expm_frechet`` for ``expm``; the block formula
  :math:`f([[A, E], [0, A]])_{12} = L_f(A, E)` otherwise); its transpose is
  :math:`L_f(A^T, \cdot)`.  Computed in double precision.
* ``solve_triangular``, ``cho_solve``, ``lu_solve``: linear in the right-hand side
  and differentiable in the factor; only the triangle the solve reads has a
  derivative.  The backward pass reuses the factor (a transposed triangular solve).
* ``cho_factor``: the Cholesky derivative on the chosen triangle; the other
  triangle is copied from ``a`` (as SciPy leaves it), derivative 1.
* ``lu_factor``: :math:`\dot L = L\,\mathrm{tril}(M,-1)`, :math:`\dot U = \mathrm{triu}(M)U`,
  :math:`M = L^{-1}P^T\dot A U^{-1}`.
* ``solve_sylvester``, ``solve_continuous_lyapunov``: the Schur forms are computed
  once; :math:`\dot X` solves the same equation with right-hand side
  :math:`\dot Q - \dot A X - X\dot B`, and the backward pass solves the transposed
  equation :math:`A^TY + YB^T = C` with the same Schur forms.
* ``solve_discrete_lyapunov``: :math:`X - AXA^H = Q` as one linear system in
  Kronecker form (``method='direct'``) or through the Cayley transform to a
  continuous equation (``'bilinear'``): compositions of differentiable solves.
* ``fractional_matrix_power``: a primary matrix function like ``expm`` (Fréchet
  derivative by the block formula); ``funm``: the eigendecomposition with the
  Daleckii-Krein divided differences (distinct eigenvalues).
* ``cholesky``, ``eigh`` (also ``eigh(a, b)``), ``svd``, ``qr``, ``lu``, ``lstsq``,
  ``pinv``: the rules of :mod:`linad.numpy.linalg` with SciPy's signatures and
  defaults; ``polar`` and ``schur`` have their own primitives; ``block_diag`` is linear.

Right-hand sides (``b``, ``q``, ``E``) may be traced values, including tangents
inside JVP rules and under ``linad.linear_transpose``: ``check_finite`` checks
only concrete arrays.

``det`` keeps float32 (SciPy returns float64 for float32 input).
"""
from __future__ import annotations

from typing import Any

import numpy as np
import scipy.linalg as sla

from ..core import Tracer, dtype_of, shape_of
from ..numpy import linalg as NL
from ..primitives import elementwise as E
from ..primitives.discrete import stacked
from ..primitives import linalg as LA
from ..primitives import linear as L
from ..numpy import _core as C
from ..numpy import _shape as S

__all__ = [
    "expm", "logm", "sqrtm", "cosm", "sinm", "tanm", "coshm", "sinhm", "tanhm", "expm_frechet",
    "fractional_matrix_power", "funm",
    "solve_triangular", "cho_factor", "cho_solve", "lu_factor", "lu_solve", "solve_sylvester",
    "solve_continuous_lyapunov", "solve_discrete_lyapunov", "inv", "det", "solve",
    "cholesky", "eigh", "svd", "qr", "lu", "lstsq", "pinv", "polar", "schur", "block_diag",
]

_inexact = NL._inexact


def _checked(x: Any, check_finite: bool) -> Any:
    """``x`` as an inexact array; with ``check_finite``, a concrete ``x`` must be finite.

    Traced values are not checked: a tangent or cotangent (a right-hand side
    inside a JVP rule or under ``linear_transpose``) has no value to check.
    """
    x = _inexact(x)
    if check_finite and not isinstance(x, Tracer) and not np.isfinite(x).all():
        raise ValueError("array must not contain infs or NaNs")
    return x


def _square(a: Any, check_finite: bool = True) -> Any:
    a = _checked(a, check_finite)
    s = shape_of(a)
    if len(s) < 2 or s[-1] != s[-2]:
        raise ValueError("expected square matrix")
    return a


# ============================================================================ matrix functions

def _matrix_function(name: str):
    def fn(A: Any, **kwargs: Any) -> Any:
        return LA.matfunc(_square(A), name)
    fn.__name__ = name
    fn.__qualname__ = name
    fn.__doc__ = (
        f"``scipy.linalg.{name}`` of a (stack of) square matrices.\n\n"
        f"    JVP: the Fréchet derivative ``L_{name}(A, dA)``; transpose ``L_{name}(A^T, .)``.\n"
        "    Keyword arguments of SciPy's version (``disp``, ``blocksize``) are ignored.\n\n"
        "    Examples\n    --------\n"
        "    >>> import numpy as np, linad\n"
        f"    >>> linad.scipy.linalg.{name}(np.eye(2)).shape\n"
        "    (2, 2)\n")
    return fn


expm = _matrix_function("expm")
logm = _matrix_function("logm")
sqrtm = _matrix_function("sqrtm")
cosm = _matrix_function("cosm")
sinm = _matrix_function("sinm")
tanm = _matrix_function("tanm")
coshm = _matrix_function("coshm")
sinhm = _matrix_function("sinhm")
tanhm = _matrix_function("tanhm")


def expm_frechet(A: Any, E: Any, method: Any = None, compute_expm: bool = True,
                 check_finite: bool = True) -> Any:
    """Fréchet derivative of ``expm`` at ``A`` in the direction ``E`` (and ``expm(A)``).

    Differentiable in both ``A`` and ``E`` (linear in ``E``).

    Examples
    --------
    >>> import numpy as np, linad
    >>> linad.scipy.linalg.expm_frechet(np.zeros((2, 2)), np.eye(2), compute_expm=False)
    array([[1., 0.],
           [0., 1.]])
    """
    A, E = _square(A, check_finite), _square(E, check_finite)
    if shape_of(A) != shape_of(E):
        raise ValueError("expected A and E to be the same shape")
    frechet = LA.frechet(A, E, "expm")
    return (LA.matfunc(A, "expm"), frechet) if compute_expm else frechet


# ================================================================== triangular and factored solves

def solve_triangular(a: Any, b: Any, trans: Any = 0, lower: bool = False,
                     unit_diagonal: bool = False, overwrite_b: bool = False,
                     check_finite: bool = True) -> Any:
    """Solve ``op(a) x = b`` for triangular ``a`` (``scipy.linalg.solve_triangular``).

    Linear in ``b``; the transpose is the solve with ``op`` transposed.  In ``a``
    only the triangle read (without the diagonal if ``unit_diagonal``) has a
    derivative: ``dx = -op(a)^{-1} op(da) x``.

    Examples
    --------
    >>> import numpy as np, linad
    >>> a = np.array([[2.0, 0.0], [1.0, 1.0]])
    >>> linad.scipy.linalg.solve_triangular(a, np.array([2.0, 3.0]), lower=True)
    array([1., 2.])
    """
    a, b = _square(a, check_finite), _checked(b, check_finite)
    trans = LA.normalize_trans(trans)

    def solver(a_, b_):
        return LA.triangular_solve(a_, b_, lower=lower, trans=trans, unit_diagonal=unit_diagonal)
    return NL._solve_columns(a, b, "solve_triangular", solver)


def cho_factor(a: Any, lower: bool = False, overwrite_a: bool = False,
               check_finite: bool = True) -> tuple:
    """Cholesky factorisation in the form used by :func:`cho_solve`: ``(c, lower)``.

    ``c`` holds the factor in the ``lower`` (else upper) triangle and ``a``'s own
    entries in the other one, as SciPy returns it.

    Examples
    --------
    >>> import numpy as np, linad
    >>> linad.scipy.linalg.cho_factor(np.array([[4.0, 2.0], [2.0, 5.0]]))[0]
    array([[2., 1.],
           [2., 2.]])
    """
    a = _square(a, check_finite)
    factor = LA.cholesky(a, upper=not lower)
    other = LA.triu(a, 1) if lower else LA.tril(a, -1)
    return L.add(factor, other), lower


def cho_solve(c_and_lower: tuple, b: Any, overwrite_b: bool = False,
              check_finite: bool = True) -> Any:
    """Solve ``A x = b`` given :func:`cho_factor`'s ``(c, lower)``: two triangular solves.

    Examples
    --------
    >>> import numpy as np, linad
    >>> A = np.array([[4.0, 2.0], [2.0, 5.0]])
    >>> linad.scipy.linalg.cho_solve(linad.scipy.linalg.cho_factor(A), np.array([6.0, 7.0]))
    array([1., 1.])
    """
    c, lower = c_and_lower
    c, b = _square(c, check_finite), _checked(b, check_finite)

    def solver(c_, b_):
        if lower:
            y = LA.triangular_solve(c_, b_, lower=True, trans=0)
            return LA.triangular_solve(c_, y, lower=True, trans=2)
        y = LA.triangular_solve(c_, b_, lower=False, trans=2)
        return LA.triangular_solve(c_, y, lower=False, trans=0)
    return NL._solve_columns(c, b, "cho_solve", solver)


def lu_factor(a: Any, overwrite_a: bool = False, check_finite: bool = True) -> tuple:
    """LU factorisation with partial pivoting: ``(lu, piv)`` as ``scipy.linalg.lu_factor``.

    ``lu`` is differentiable; ``piv`` (integers) is not.

    Examples
    --------
    >>> import numpy as np, linad
    >>> lu, piv = linad.scipy.linalg.lu_factor(np.array([[1.0, 2.0], [3.0, 4.0]]))
    >>> piv
    array([1, 1], dtype=int32)
    """
    lu, piv = LA.lu_factor(_square(a, check_finite))
    return lu, piv


def lu_solve(lu_and_piv: tuple, b: Any, trans: Any = 0, overwrite_b: bool = False,
             check_finite: bool = True) -> Any:
    """Solve ``op(A) x = b`` given :func:`lu_factor`'s ``(lu, piv)``.

    A row permutation and two triangular solves: linear in ``b``, differentiable
    in ``lu``; the backward pass solves with the same factor transposed.

    Examples
    --------
    >>> import numpy as np, linad
    >>> A = np.array([[1.0, 2.0], [3.0, 4.0]])
    >>> linad.scipy.linalg.lu_solve(linad.scipy.linalg.lu_factor(A), np.array([3.0, 7.0]))
    array([1., 1.])
    """
    lu, piv = lu_and_piv
    lu, b = _square(lu, check_finite), _checked(b, check_finite)
    trans = LA.normalize_trans(trans)

    def solver(lu_, b_):
        piv_ = _broadcast_pivots(piv, shape_of(b_)[:-2])
        if trans == 0:
            y = LA.triangular_solve(lu_, LA.permute_rows(b_, piv_), lower=True,
                                    unit_diagonal=True)
            return LA.triangular_solve(lu_, y, lower=False)
        z = LA.triangular_solve(lu_, b_, lower=False, trans=trans)
        w = LA.triangular_solve(lu_, z, lower=True, trans=trans, unit_diagonal=True)
        return LA.permute_rows(w, piv_, inverse=True)
    return NL._solve_columns(lu, b, "lu_solve", solver)


def _broadcast_pivots(piv: Any, batch: tuple) -> Any:
    """The pivots ``piv`` (no derivative) with the leading dims ``batch``."""
    piv = E.detached_value(piv)
    if tuple(shape_of(piv)[:-1]) == tuple(batch):
        return piv
    return L.broadcast_to(piv, tuple(batch) + tuple(shape_of(piv)[-1:]))


# ============================================================================ Sylvester, Lyapunov

def solve_sylvester(a: Any, b: Any, q: Any) -> Any:
    """Solve ``a x + x b = q`` (``scipy.linalg.solve_sylvester``).

    Linear in ``q`` (transpose: ``a^T y + y b^T = c``, same Schur forms);
    ``dx`` solves the same equation with ``dq - da x - x db``.

    Examples
    --------
    >>> import numpy as np, linad
    >>> linad.scipy.linalg.solve_sylvester(np.diag([1.0, 2.0]), np.diag([3.0]),
    ...                                     np.array([[4.0], [10.0]]))
    array([[1.],
           [2.]])
    """
    a, b, q = _square(a), _square(b), _checked(q, True)
    n, m = shape_of(a)[-1], shape_of(b)[-1]
    if tuple(shape_of(q)[-2:]) != (n, m):
        raise ValueError(f"q must have shape (..., {n}, {m}) for a of shape {shape_of(a)} and "
                         f"b of shape {shape_of(b)}")
    batch = np.broadcast_shapes(tuple(shape_of(a)[:-2]), tuple(shape_of(b)[:-2]),
                                tuple(shape_of(q)[:-2]))
    a, b, q = (NL._broadcast_batch(x, batch) for x in (a, b, q))
    return LA.sylvester(a, b, q)


def solve_continuous_lyapunov(a: Any, q: Any) -> Any:
    """Solve ``a x + x a^H = q`` (``scipy.linalg.solve_continuous_lyapunov``).

    Examples
    --------
    >>> import numpy as np, linad
    >>> linad.scipy.linalg.solve_continuous_lyapunov(np.diag([1.0, 2.0]), np.eye(2))
    array([[0.5 , 0.  ],
           [0.  , 0.25]])
    """
    a, q = _square(a), _square(q)
    if shape_of(a)[-1] != shape_of(q)[-1]:
        raise ValueError("Matrix a and q should have the same shape.")
    return solve_sylvester(a, LA.mH(a), q)


# ============================================================================ inv, det, solve

def inv(a: Any, overwrite_a: bool = False, check_finite: bool = True) -> Any:
    """Inverse of a (stack of) square matrices (``dY = -Y dA Y``).

    Examples
    --------
    >>> import numpy as np, linad
    >>> linad.scipy.linalg.inv(np.array([[2.0]]))
    array([[0.5]])
    """
    return LA.inv(_square(a, check_finite))


def det(a: Any, overwrite_a: bool = False, check_finite: bool = True) -> Any:
    """Determinant (``d det = det tr(A^{-1} dA)``).

    Examples
    --------
    >>> import numpy as np, linad
    >>> float(linad.scipy.linalg.det(np.array([[2.0, 0.0], [0.0, 3.0]])))
    6.0
    """
    return LA.det(_square(a, check_finite))


def _symmetric_part(a: Any, lower: bool) -> Any:
    strict = LA.tril(a, -1) if lower else LA.triu(a, 1)
    return L.add(L.add(strict, LA.mT(strict)), L.mul(a, LA.eye_like(a)))


def solve(a: Any, b: Any, lower: bool = False, overwrite_a: bool = False,
          overwrite_b: bool = False, check_finite: bool = True, assume_a: Any = None,
          transposed: bool = False) -> Any:
    """Solve ``a x = b`` (``a^T x = b`` if ``transposed``), ``scipy.linalg.solve``.

    ``assume_a``: ``None``/``'gen'`` (LU, factored once and reused by the
    derivative), ``'sym'``/``'her'`` (read from one triangle, then LU) or
    ``'pos'`` (Cholesky of one triangle, two triangular solves).

    Examples
    --------
    >>> import numpy as np, linad
    >>> linad.scipy.linalg.solve(np.array([[2.0, 1.0], [1.0, 3.0]]), np.array([3.0, 4.0]),
    ...                          assume_a="pos")
    array([1., 1.])
    """
    a, b = _square(a, check_finite), _checked(b, check_finite)
    kind = {None: "gen", "gen": "gen", "general": "gen", "sym": "sym", "symmetric": "sym",
            "her": "her", "hermitian": "her", "pos": "pos", "positive definite": "pos"}.get(
        assume_a)
    if kind is None:
        raise NotImplementedError(f"solve: assume_a={assume_a!r} is not supported by linad; "
                                  "use 'gen', 'sym', 'her' or 'pos'")
    if kind == "pos":
        factor = cho_factor(a, lower=lower, check_finite=False)
        return cho_solve(factor, b, check_finite=False)
    if kind == "sym":
        a = _symmetric_part(a, lower)
    elif kind == "her":
        a = LA.hermitian_part(a, lower)
    trans = 1 if transposed and kind == "gen" else 0
    return NL._solve_columns(a, b, "solve", lambda a_, b_: LA.solve(a_, b_, trans=trans))



# ============================================================================ factorisations

def cholesky(a: Any, lower: bool = False, overwrite_a: bool = False,
             check_finite: bool = True) -> Any:
    r"""Cholesky factor of a Hermitian positive definite matrix (``scipy.linalg.cholesky``).

    Upper ``U`` with ``a = U^H U`` by default (SciPy's ``lower=False``), lower ``L``
    with ``a = L L^H`` if ``lower``.  Only that triangle of ``a`` is read and has a
    derivative: :math:`\dot L = L\,\Phi(L^{-1}\dot H L^{-H})`,
    :math:`\Phi(X) = \mathrm{tril}(X,-1) + \tfrac12\mathrm{diag}(X)` (Giles 2008, 2.3.6).
    A matrix that is not positive definite raises ``LinAlgError``.

    Examples
    --------
    >>> import numpy as np, linad
    >>> linad.scipy.linalg.cholesky(np.array([[4.0, 2.0], [2.0, 5.0]]))
    array([[2., 1.],
           [0., 2.]])
    """
    return LA.cholesky(_square(a, check_finite), upper=not lower)


def _generalized_problem(a: Any, b: Any, lower: bool, type: int) -> tuple:
    """``(C, back)``: the standard Hermitian matrix of ``eigh(a, b, type=type)`` and the map
    from its eigenvectors ``Y`` to those of the pencil (``B = L L^H``)."""
    h = LA.hermitian_part(a, lower)
    try:
        low = LA.cholesky(LA.hermitian_part(b, lower))
    except np.linalg.LinAlgError:
        raise np.linalg.LinAlgError("eigh: b must be Hermitian positive definite (its Cholesky "
                                    "factorisation failed)") from None
    if type == 1:  # C = L^{-1} H L^{-H}, V = L^{-H} Y
        c = LA.triangular_solve(low, LA.mH(LA.triangular_solve(low, h, lower=True)), lower=True)
    else:  # C = L^H H L; V = L^{-H} Y (type 2) or L Y (type 3)
        c = LA.matmul(LA.mH(low), LA.matmul(h, low))
    if type == 3:
        return c, lambda y: LA.matmul(low, y)
    return c, lambda y: LA.triangular_solve(low, y, lower=True, trans=2)


def eigh(a: Any, b: Any = None, *, lower: bool = True, eigvals_only: bool = False,
         overwrite_a: bool = False, overwrite_b: bool = False, type: int = 1,
         check_finite: bool = True, subset_by_index: Any = None, subset_by_value: Any = None,
         driver: Any = None) -> Any:
    r"""Eigenvalues (ascending) and eigenvectors of a Hermitian matrix or pencil
    (``scipy.linalg.eigh``).

    ``eigh(a)``: the rule of Giles (2008, 2.3.4), :math:`P = V^H\dot H V`,
    :math:`\dot w = \mathrm{diag}(P)`, :math:`\dot V = V(F\circ P)`,
    :math:`F_{ij} = 1/(w_j - w_i)`.  ``eigh(a, b)`` (``type`` 1: :math:`Av = wBv`, 2:
    :math:`ABv = wv`, 3: :math:`BAv = wv`; ``B = LL^H`` positive definite) is reduced
    to a standard problem with the Cholesky factor (:math:`L^{-1}AL^{-H}` or
    :math:`L^HAL`) and differentiates through it, in ``a`` and ``b``; eigenvectors are
    normalised as SciPy's (:math:`V^HBV = I`, or :math:`V^HB^{-1}V = I` for type 3).
    ``a`` and ``b`` are read from the ``lower`` (else upper) triangle.
    ``subset_by_index=(lo, hi)`` keeps eigenvalues ``lo..hi`` (inclusive).
    Eigenvector derivatives are not defined at repeated eigenvalues (the coupling
    is dropped there, as documented in :mod:`linad.numpy.linalg`); functions of the
    eigenvalues and gauge-invariant functions of distinct eigenvectors are exact.

    Examples
    --------
    >>> import numpy as np, linad
    >>> a, b = np.array([[2.0, 1.0], [1.0, 2.0]]), np.diag([1.0, 4.0])
    >>> np.round(linad.scipy.linalg.eigh(a, b, eigvals_only=True), 6)
    array([0.348612, 2.151388])
    """
    if subset_by_value is not None:
        raise NotImplementedError("eigh: subset_by_value is not supported by linad; select the "
                                  "eigenvalues after the call or use subset_by_index")
    if type not in (1, 2, 3):
        raise ValueError(f"eigh: type must be 1, 2 or 3, not {type!r}")
    a = _square(a, check_finite)
    if b is None:
        w, v = LA.eigh(a, lower=lower)
    else:
        b = _square(b, check_finite)
        if shape_of(a) != shape_of(b):
            raise ValueError(f"eigh: wrong b dimensions {shape_of(b)}, should be {shape_of(a)}")
        c, back = _generalized_problem(a, b, lower, type)
        w, y = LA.eigh(c)
        v = back(y)
    if subset_by_index is not None:
        lo, hi = (int(i) for i in subset_by_index)
        n = shape_of(a)[-1]
        if not 0 <= lo <= hi < n:
            raise ValueError(f"eigh: subset_by_index must satisfy 0 <= lo <= hi < {n}, "
                             f"not {subset_by_index!r}")
        w = L.getitem(w, (Ellipsis, slice(lo, hi + 1)))
        v = L.getitem(v, (Ellipsis, slice(None), slice(lo, hi + 1)))
    return w if eigvals_only else (w, v)


def _matrix(a: Any, check_finite: bool, name: str) -> Any:
    a = _checked(a, check_finite)
    if len(shape_of(a)) < 2:
        raise ValueError(f"{name}: expected a matrix (at least 2 dimensions), got shape "
                         f"{shape_of(a)}")
    return a


def svd(a: Any, full_matrices: bool = True, compute_uv: bool = True, overwrite_a: bool = False,
        check_finite: bool = True, lapack_driver: str = "gesdd") -> Any:
    r"""Singular value decomposition ``a = U @ diag(s) @ Vh`` (``scipy.linalg.svd``).

    The rule of Giles (2008, 2.3.5) as in :func:`linad.numpy.linalg.svd`; singular
    values alone are differentiable everywhere except where they cross, and
    gauge-invariant functions of the singular vectors where the values are distinct
    and nonzero.  ``lapack_driver`` is accepted (both drivers give the same factors).

    Examples
    --------
    >>> import numpy as np, linad
    >>> linad.scipy.linalg.svd(np.array([[0.0, 2.0], [1.0, 0.0]]), compute_uv=False)
    array([2., 1.])
    """
    if lapack_driver not in ("gesdd", "gesvd"):
        raise ValueError('lapack_driver must be "gesdd" or "gesvd", not "%s"' % (lapack_driver,))
    a = _matrix(a, check_finite, "svd")
    if not compute_uv:
        return LA.svd(a, full_matrices=False)[1]
    return tuple(LA.svd(a, full_matrices=full_matrices))


def _column_pivots_of(a: np.ndarray) -> np.ndarray:
    return sla.qr(a, mode="r", pivoting=True, check_finite=False)[1]


def _column_pivots(a: Any) -> Any:
    """The column permutation of SciPy's pivoted QR (LAPACK ``geqp3``) of the value of ``a``
    (staged under ``linad.jit``)."""
    return E.on_values(_column_pivots_of, a)


def _take_columns(a: Any, p: Any) -> Any:
    """``a[:, p]``: indexing for a concrete ``p``, a permutation matrix for a staged one."""
    if isinstance(p, Tracer):
        pm = E.on_values(LA.permutation_matrices, p, dtype=LA.real_dtype(a))
        return LA.matmul(a, LA.mT(pm))
    return L.getitem(a, (slice(None), p))


def qr(a: Any, overwrite_a: bool = False, lwork: Any = None, mode: str = "full",
       pivoting: bool = False, check_finite: bool = True) -> tuple:
    r"""QR decomposition (``scipy.linalg.qr``): ``mode`` 'full', 'economic' or 'r'.

    ``mode='r'`` returns the tuple ``(R,)`` with the full ``R``, as SciPy.  With
    ``pivoting`` (2-D only) ``a[:, P] = Q R``; the permutation is a constant (it is
    piecewise constant in ``a``).  JVP: :math:`C = Q^H\dot AR^{-1}`,
    :math:`\dot R = (C - \Omega)R`, :math:`\dot Q = \dot AR^{-1} + Q(\Omega - C)` with
    :math:`\Omega` the skew-Hermitian matrix of the strict lower triangle of ``C``
    (Walter & Lehmann 2018, *Algorithmic differentiation of linear algebra
    functions with application in optimum experimental design*); full column rank
    is assumed, and the extra columns of ``Q`` in 'full' mode get the gauge
    :math:`Q_2^H\dot Q_2 = 0`.

    Examples
    --------
    >>> import numpy as np, linad
    >>> q, r = linad.scipy.linalg.qr(np.array([[3.0, 1.0], [4.0, 2.0]]))
    >>> np.round(r, 6)
    array([[-5. , -2.2],
           [ 0. ,  0.4]])
    """
    if mode not in ("full", "r", "economic", "raw"):
        raise ValueError("Mode argument should be one of ['full', 'r', 'economic', 'raw']")
    if mode == "raw":
        raise NotImplementedError("qr(mode='raw') returns Householder reflectors, which linad "
                                  "does not differentiate; use 'full', 'economic' or 'r'")
    a = _matrix(a, check_finite, "qr")
    perm = ()
    if pivoting:
        if len(shape_of(a)) != 2:
            raise NotImplementedError("qr: pivoting=True is supported for 2-D arrays only")
        p = _column_pivots(a)
        a, perm = _take_columns(a, p), (p,)
    q, r = LA.qr(a, complete=mode != "economic")
    return ((r,) if mode == "r" else (q, r)) + perm


def lu(a: Any, permute_l: bool = False, overwrite_a: bool = False, check_finite: bool = True,
       p_indices: bool = False) -> tuple:
    r"""LU decomposition with partial pivoting ``a = P @ L @ U`` (``scipy.linalg.lu``).

    Square matrices (stacks too).  ``P`` (or the row indices ``p`` with
    ``a = L[p] @ U`` when ``p_indices``) is a constant; ``L`` and ``U`` have the
    derivative :math:`\dot L = L\,\mathrm{tril}(M,-1)`, :math:`\dot U = \mathrm{triu}(M)U`,
    :math:`M = L^{-1}P^T\dot AU^{-1}` (nonsingular leading blocks).  ``permute_l``
    returns ``(P @ L, U)``.

    Examples
    --------
    >>> import numpy as np, linad
    >>> p, l, u = linad.scipy.linalg.lu(np.array([[1.0, 2.0], [3.0, 4.0]]))
    >>> p
    array([[0., 1.],
           [1., 0.]])
    >>> u
    array([[3.        , 4.        ],
           [0.        , 0.66666667]])
    """
    a = _matrix(a, check_finite, "lu")
    if shape_of(a)[-1] != shape_of(a)[-2]:
        raise NotImplementedError("lu: linad differentiates the LU factors of square matrices "
                                  f"only; got shape {shape_of(a)}")
    packed, piv = LA.lu_factor(a)
    low = L.add(LA.tril(packed, -1), LA.eye_like(packed))
    up = LA.triu(packed)
    if permute_l:
        return LA.permute_rows(low, piv, inverse=True), up  # a = L[back] @ U
    if p_indices:
        return E.on_values(_row_indices, piv), low, up
    return LA.pivot_matrices(piv, np.finfo(dtype_of(a)).dtype, inverse=True), low, up


@stacked
def _row_indices(piv: np.ndarray) -> np.ndarray:
    """``back`` with ``a = L[back] @ U`` from the LAPACK pivots of ``a``'s LU factor."""
    return np.argsort(LA.perm_from_piv(piv), axis=-1)


def lstsq(a: Any, b: Any, cond: Any = None, overwrite_a: bool = False,
          overwrite_b: bool = False, check_finite: bool = True, lapack_driver: Any = None) -> tuple:
    r"""Least-squares solution ``(x, residues, rank, s)`` (``scipy.linalg.lstsq``).

    ``x = pinv(a) @ b``: linear in ``b`` (usable under ``linad.linear_transpose``) and
    differentiable in ``a`` where the rank is locally constant (exact for full-rank
    ``a``; Golub & Pereyra 1973).  ``residues`` is the squared residual norm per
    column when ``m > n == rank`` (a scalar for 1-D ``b``), else empty; singular
    values below ``cond * s.max()`` (default: machine precision) count as zero.

    Examples
    --------
    >>> import numpy as np, linad
    >>> A = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    >>> x, res, rank, s = linad.scipy.linalg.lstsq(A, np.array([1.0, 2.0, 3.0]))
    >>> np.round(x, 6), rank
    (array([1., 2.]), 2)
    """
    a, b = _matrix(a, check_finite, "lstsq"), _checked(b, check_finite)
    if cond is None:
        cond = np.finfo(np.result_type(dtype_of(a), dtype_of(b))).eps
    x, resid, rank, s = NL.lstsq(a, b, rcond=cond)
    if (len(shape_of(b)) == 1 and not isinstance(resid, NL.UnavailableResult)
            and shape_of(resid) == (1,)):
        resid = L.getitem(resid, (0,))
    return x, resid, rank, s


def pinv(a: Any, *, atol: Any = None, rtol: Any = None, return_rank: bool = False,
         check_finite: bool = True) -> Any:
    r"""Moore-Penrose pseudo-inverse (``scipy.linalg.pinv``).

    Singular values above ``atol + rtol * s.max()`` are kept (SciPy's defaults:
    ``atol = 0``, ``rtol = max(m, n) * eps`` when ``atol`` is 0).  JVP (Golub &
    Pereyra 1973): :math:`\dot X = -X\dot AX + XX^H\dot A^H(I - AX) + (I - XA)\dot A^HX^HX`,
    exact where the rank is locally constant.

    Examples
    --------
    >>> import numpy as np, linad
    >>> linad.scipy.linalg.pinv(np.array([[1.0], [1.0]]))
    array([[0.5, 0.5]])
    """
    a = _matrix(a, check_finite, "pinv")
    atol = 0.0 if atol is None else atol
    if rtol is None:
        rtol = max(shape_of(a)[-2:]) * np.finfo(dtype_of(a)).eps if atol == 0 else 0.0
    if atol < 0 or rtol < 0:
        raise ValueError("atol and rtol values must be positive.")
    rcond, rank = E.on_values(_pinv_cutoff, NL.svdvals(a), multiple=True, atol=atol, rtol=rtol)
    out = LA.pinv(a, rcond=rcond, hermitian=False)
    if return_rank:
        return out, (int(rank) if not isinstance(rank, Tracer) and rank.ndim == 0 else rank)
    return out


@stacked
def _pinv_cutoff(s: np.ndarray, *, atol: float, rtol: float) -> tuple:
    """NumPy's ``rcond`` for SciPy's cutoff ``atol + rtol * max(s)``, and the rank."""
    smax = s.max(axis=-1, initial=0.0)
    cutoff = atol + rtol * smax
    rcond = np.where(smax > 0, cutoff / np.where(smax > 0, smax, 1.0), 1.0)
    return rcond, np.sum(s > np.asarray(cutoff)[..., None], axis=-1)


def polar(a: Any, side: str = "right") -> tuple:
    r"""Polar decomposition (``scipy.linalg.polar``): ``a = u p`` (right) or ``a = p u`` (left).

    ``u`` has orthonormal columns (rows), ``p`` is Hermitian positive semidefinite.
    Derivative through the Sylvester equation :math:`P\Omega + \Omega P = X - X^H`,
    :math:`X = U^H\dot A` (:func:`linad.primitives.linalg.polar`); exact where ``a``
    has full rank, also at repeated singular values.  Where ``p`` is singular (rank
    deficient ``a``, or a wide ``a`` with ``side='right'``, a tall one with 'left')
    the factors are not differentiable and a derivative raises.

    Examples
    --------
    >>> import numpy as np, linad
    >>> u, p = linad.scipy.linalg.polar(np.array([[2.0, 0.0], [0.0, -3.0]]))
    >>> u, p
    (array([[ 1.,  0.],
           [ 0., -1.]]), array([[2., 0.],
           [0., 3.]]))
    """
    if side not in ("right", "left"):
        raise ValueError("`side` must be either 'right' or 'left'")
    a = _checked(a, True)
    if len(shape_of(a)) != 2:
        raise ValueError("`a` must be a 2-D array.")
    if side == "right":
        u, p = LA.polar(a)
        return u, p
    u, p = LA.polar(LA.mH(a))
    return LA.mH(u), p


def schur(a: Any, output: str = "real", lwork: Any = None, overwrite_a: bool = False,
          sort: Any = None, check_finite: bool = True) -> tuple:
    r"""Schur decomposition ``a = Z T Z^H`` (``scipy.linalg.schur``).

    The derivative solves the Sylvester-type equation of the triangular factor
    (:func:`linad.primitives.linalg.schur`).  Defined at distinct eigenvalues; the
    phases of the complex Schur vectors are a gauge (derivatives of ``T``'s diagonal,
    ``|T|`` and other gauge-invariant functions are exact).  A real Schur form with
    2x2 blocks raises ``NotImplementedError`` when differentiated (use
    ``output='complex'``); ``sort`` is not supported.

    Examples
    --------
    >>> import numpy as np, linad
    >>> t, z = linad.scipy.linalg.schur(np.array([[1.0, 2.0], [0.0, 3.0]]))
    >>> np.diag(t)
    array([1., 3.])
    """
    if sort is not None:
        raise NotImplementedError("schur: sort is not supported by linad")
    kinds = {"real": "real", "r": "real", "complex": "complex", "c": "complex"}
    if output not in kinds:
        raise ValueError("argument must be 'real', or 'complex'")
    t, z = LA.schur(_square(a, check_finite), output=kinds[output])
    return t, z


def block_diag(*arrs: Any) -> Any:
    """Block diagonal matrix of the arguments (``scipy.linalg.block_diag``); linear in each.

    0-d and 1-d arguments are read as ``(1, 1)`` and ``(1, n)`` matrices, as SciPy does.

    Examples
    --------
    >>> import numpy as np, linad
    >>> linad.scipy.linalg.block_diag(np.array([[1.0, 2.0]]), 3.0)
    array([[1., 2., 0.],
           [0., 0., 3.]])
    """
    if not arrs:
        return np.empty((1, 0))
    mats = [_inexact_or_int(x) for x in arrs]
    bad = [k for k, m in enumerate(mats) if len(shape_of(m)) > 2]
    if bad:
        raise ValueError("arguments in the following positions have dimension greater than 2: "
                         f"{bad}")
    mats = [S.reshape(m, (1,) * (2 - len(shape_of(m))) + tuple(shape_of(m))) for m in mats]
    dtype = np.result_type(*[dtype_of(m) for m in mats])
    widths = [shape_of(m)[1] for m in mats]
    total = sum(widths)
    rows, start = [], 0
    for m, w in zip(mats, widths):
        r = shape_of(m)[0]
        parts = [np.zeros((r, start), dtype), C.astype(m, dtype),
                 np.zeros((r, total - start - w), dtype)]
        rows.append(S.concatenate(parts, axis=1))
        start += w
    return S.concatenate(rows, axis=0)


def _inexact_or_int(x: Any) -> Any:
    return x if isinstance(x, Tracer) else np.asarray(x)


# ============================================================================ discrete Lyapunov

def solve_discrete_lyapunov(a: Any, q: Any, method: Any = None) -> Any:
    r"""Solve :math:`X - AXA^H = Q` (``scipy.linalg.solve_discrete_lyapunov``).

    ``method='direct'`` (the default for ``n < 10``, as SciPy): one linear system
    :math:`(I - A\otimes\bar A)\,\mathrm{vec}X = \mathrm{vec}Q` of size :math:`n^2`.
    ``'bilinear'``: with :math:`B = (A - I)(A + I)^{-1}`, the continuous equation
    :math:`BX + XB^H = -2(A + I)^{-1}Q(A + I)^{-H}` (Sylvester, Schur forms once).
    Both are compositions of differentiable solves, so ``X`` is differentiable in
    ``a`` and ``q`` (linear in ``q``): :math:`\dot X - A\dot XA^H = \dot Q + \dot AXA^H
    + AX\dot A^H`.

    Examples
    --------
    >>> import numpy as np, linad
    >>> linad.scipy.linalg.solve_discrete_lyapunov(np.diag([0.5, 0.0]), np.eye(2))
    array([[1.33333333, 0.        ],
           [0.        , 1.        ]])
    """
    a, q = _square(a), _square(q)
    if shape_of(a) != shape_of(q):
        raise ValueError("Matrix a and q should have the same shape.")
    n = shape_of(a)[-1]
    method = ("direct" if n < 10 else "bilinear") if method is None else method
    if method == "direct":
        batch = tuple(shape_of(a)[:-2])
        kron = S.reshape(LA.einsum("...ik,...jl->...ijkl", a, L.conj(a)), batch + (n * n, n * n))
        system = L.sub(np.eye(n * n), kron)
        x = LA.solve(system, S.reshape(q, batch + (n * n, 1)))
        return S.reshape(x, batch + (n, n))
    if method != "bilinear":
        raise ValueError(f"Unknown solver {method}")
    eye = LA.eye_like(a)
    m_inv = NL.inv(L.add(a, eye))
    b = LA.matmul(L.sub(a, eye), m_inv)
    rhs = L.mul(LA.matmul(m_inv, LA.matmul(q, LA.mH(m_inv))), -2.0)
    return LA.sylvester(b, LA.mH(b), rhs)


# ============================================================================ matrix functions

def fractional_matrix_power(A: Any, t: float) -> Any:
    r"""The principal power :math:`A^t` (``scipy.linalg.fractional_matrix_power``).

    Differentiable in ``A`` (``t`` is a number): the tangent is the Fréchet
    derivative :math:`L_{x^t}(A, \dot A)`, the top-right block of
    :math:`[[A, \dot A], [0, A]]^t`, and its transpose :math:`L_{x^t}(A^T, \cdot)`.
    Defined for ``A`` without eigenvalues on the closed negative real axis when
    ``t`` is not an integer (a real ``A`` may give a complex result, as in SciPy).

    Examples
    --------
    >>> import numpy as np, linad
    >>> linad.scipy.linalg.fractional_matrix_power(np.diag([4.0, 9.0]), 0.5).real
    array([[2., 0.],
           [0., 3.]])
    """
    if isinstance(t, Tracer):
        raise TypeError("fractional_matrix_power: the exponent t must be a number; the "
                        "derivative in t is not implemented")
    return LA.matfunc(_square(A), ("fractional_matrix_power", float(t)))


def funm(A: Any, func: Any, disp: bool = True) -> Any:
    r"""Matrix function :math:`f(A)` of a scalar function ``func`` (``scipy.linalg.funm``).

    ``func`` is applied to the array of eigenvalues and must be written with
    linad-traceable operations (``np.sin``, ``lnp.exp``, arithmetic, ...), so that
    it is differentiated too.  :math:`f(A) = V\,\mathrm{diag}(f(w))\,V^{-1}` from the
    eigendecomposition; its derivative is the Daleckii-Krein formula
    :math:`V\,(F^{[1]}\circ(V^{-1}\dot AV))\,V^{-1}` with the divided differences
    :math:`F^{[1]}_{ij} = (f(w_i) - f(w_j))/(w_i - w_j)` and :math:`f'(w_i)` on the
    diagonal (Daleckii & Krein 1965; Higham, *Functions of Matrices*, 2008, thm. 3.11).
    It is exact for diagonalisable ``A`` with distinct eigenvalues; when ``A`` is
    differentiated and two eigenvalues are within :math:`\sqrt{\epsilon}` (relative) of
    each other the derivative raises ``NotImplementedError`` (the divided differences
    need :math:`f'` there).  For real ``A`` a result whose imaginary part is at rounding
    level is returned real, as SciPy does.  ``disp=False`` returns ``(F, errest)`` with
    SciPy's error estimate of the value.

    Examples
    --------
    >>> import numpy as np, linad
    >>> A = np.array([[1.0, 2.0], [0.0, 3.0]])
    >>> np.round(linad.scipy.linalg.funm(A, lambda w: w * w), 12)
    array([[1., 8.],
           [0., 9.]])
    """
    A = _square(A)
    w, v = NL.eig(A)
    if LA.carries_derivative(A):  # the check runs on every call: its result (1) scales w
        w = L.mul(w, E.on_values(_one_if_distinct, w))
    fw = func(w)
    fv = L.mul(v, S.reshape(fw, tuple(shape_of(fw)[:-1]) + (1, shape_of(fw)[-1])))
    f = LA.mT(NL.solve(LA.mT(v), LA.mT(fv)))
    if dtype_of(A).kind != "c" and dtype_of(f).kind == "c":  # concrete: eig refuses a staged
        if E.on_values(_imaginary_negligible, f):               # real matrix
            f = L.real(f)
    if disp:
        return f
    return f, E.on_values(_funm_error_estimate, A, func=func)


def _imaginary_negligible(f: np.ndarray) -> np.ndarray:
    """Whether the imaginary part of ``f`` is at rounding level."""
    tol = 1e3 * np.finfo(f.dtype).eps * max(1.0, float(np.abs(f).max(initial=0.0)))
    return np.asarray(np.all(np.abs(f.imag) <= tol))


def _funm_error_estimate(a: np.ndarray, *, func: Any) -> Any:
    """SciPy's error estimate of ``funm(a, func)``."""
    return sla.funm(a, lambda x: np.asarray(func(x)), disp=False)[1]


def _one_if_distinct(w: np.ndarray) -> np.ndarray:
    """1 (in ``w``'s dtype) if the eigenvalues ``w`` are distinct enough, else raise."""
    _check_distinct(w)
    return np.ones((), w.dtype)


def _check_distinct(w: np.ndarray) -> None:
    """Raise if two eigenvalues of a matrix in the stack are too close for divided differences."""
    gaps = np.abs(w[..., :, None] - w[..., None, :])
    n = w.shape[-1]
    gaps[..., np.arange(n), np.arange(n)] = np.inf
    scale = np.maximum(1.0, np.abs(w).max(axis=-1, initial=0.0))[..., None, None]
    if np.any(gaps <= np.sqrt(np.finfo(w.dtype).eps) * scale):
        raise NotImplementedError(
            "funm: the derivative needs distinct eigenvalues (two are equal or nearly equal); "
            "for a function linad knows, use its matrix function (expm, logm, sqrtm, "
            "fractional_matrix_power, ...), whose Fréchet derivative is exact there")
