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

``det`` keeps float32 (SciPy returns float64 for float32 input).
"""
from __future__ import annotations

from typing import Any

import numpy as np

from ..core import shape_of
from ..numpy import linalg as NL
from ..primitives import linalg as LA
from ..primitives import linear as L

__all__ = [
    "expm", "logm", "sqrtm", "cosm", "sinm", "tanm", "coshm", "sinhm", "tanhm", "expm_frechet",
    "solve_triangular", "cho_factor", "cho_solve", "lu_factor", "lu_solve", "solve_sylvester",
    "solve_continuous_lyapunov", "inv", "det", "solve",
]

_inexact = NL._inexact


def _checked(x: Any, check_finite: bool) -> Any:
    x = _inexact(x)
    if check_finite and not np.isfinite(LA.concrete(x)).all():
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
    perm = LA.perm_from_piv(np.asarray(piv))
    trans = LA.normalize_trans(trans)

    def solver(lu_, b_):
        if trans == 0:
            y = LA.triangular_solve(lu_, LA.take_rows(b_, perm), lower=True, unit_diagonal=True)
            return LA.triangular_solve(lu_, y, lower=False)
        z = LA.triangular_solve(lu_, b_, lower=False, trans=trans)
        w = LA.triangular_solve(lu_, z, lower=True, trans=trans, unit_diagonal=True)
        return LA.take_rows(w, np.argsort(perm, axis=-1))
    return NL._solve_columns(lu, b, "lu_solve", solver)


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

