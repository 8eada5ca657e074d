r"""``linop_apply``: a user's SciPy ``LinearOperator`` as a linear primitive.

:math:`y = L x` for a ``LinearOperator`` ``L`` (or any object with ``shape``,
``matvec`` and ``rmatvec``).  JVP: :math:`\dot y = L \dot x`.  Transpose
(bilinear pairing, no conjugation): :math:`L^T v = \overline{L^H \bar v}`,
computed with ``L.rmatvec``; a real input meeting a complex ``L`` gets the real
part.  Batched: ``L.matmat``.
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np
import scipy.sparse.linalg as spla

from ..core import Primitive, bind, shape_of
from .linear import fit_dtype, moveaxis, reshape
from .rules import deflinear

__all__ = ["linop_apply_p", "linop_apply", "linop", "LinOp"]


class _Op:
    """A user's LinearOperator as a primitive parameter, possibly transposed.

    ``apply`` computes ``L x`` (or ``L^T x = conj(L^H conj(x))`` when transposed)
    for a vector ``x`` of shape (n,) or a matrix of shape (n, k); a complex ``x``
    meeting a real ``L`` is applied to its real and imaginary parts.
    """

    __slots__ = ("A", "transposed")

    def __init__(self, A: spla.LinearOperator, transposed: bool = False):
        self.A = A
        self.transposed = transposed

    @property
    def shape(self) -> tuple:
        m, n = self.A.shape
        return (n, m) if self.transposed else (m, n)

    @property
    def dtype(self) -> np.dtype:
        return np.dtype(self.A.dtype)

    @property
    def T(self) -> "_Op":
        return _Op(self.A, not self.transposed)

    def apply(self, x: np.ndarray) -> np.ndarray:
        x = np.asarray(x)
        out_dtype = np.result_type(x.dtype, self.dtype)
        if x.dtype.kind == "c" and self.dtype.kind != "c":
            return (self.apply(x.real) + 1j * self.apply(x.imag)).astype(out_dtype, copy=False)
        A = self.A
        if self.transposed:
            y = np.conj(A.rmatvec(np.conj(x)) if x.ndim == 1 else A.rmatmat(np.conj(x)))
        else:
            y = A.matvec(x) if x.ndim == 1 else A.matmat(x)
        return np.asarray(y).reshape((self.shape[0],) + x.shape[1:]).astype(out_dtype, copy=False)

    def __repr__(self) -> str:
        return f"{'T' if self.transposed else ''}<{self.shape[0]}x{self.shape[1]} {self.dtype}>"


def _as_op(A: Any) -> spla.LinearOperator:
    if isinstance(A, spla.LinearOperator):
        return A
    try:
        return spla.aslinearoperator(A)
    except TypeError:
        raise TypeError(f"linop: {type(A).__name__} is not a linear operator: pass a "
                        "scipy.sparse.linalg.LinearOperator, a matrix, or an object with shape, "
                        "matvec and rmatvec") from None


linop_apply_p = Primitive("linop_apply", lambda x, *, op: op.apply(x))


def linop_apply(op: Any, x: Any) -> Any:
    """``L @ x`` for a SciPy ``LinearOperator`` (or matrix) ``op`` and a (traced) ``x``.

    ``x`` is a vector of shape (n,) or a matrix of shape (n, k) (columns).  The
    operation is a linear primitive: differentiable in ``x``, transposable
    (through ``op.rmatvec``), and batched (through ``op.matmat``).

    Examples
    --------
    >>> import numpy as np, linad
    >>> from scipy.sparse.linalg import aslinearoperator
    >>> A = aslinearoperator(np.array([[1.0, 2.0], [3.0, 4.0]]))
    >>> linad.grad(lambda x: linad.linop_apply(A, x).sum())(np.zeros(2))
    array([4., 6.])
    """
    if not isinstance(op, _Op):
        op = _Op(_as_op(op))
    _check_linop_shape(shape_of(x), op)
    return bind(linop_apply_p, x, op=op)


def _check_linop_shape(shape: tuple, op: _Op) -> None:
    if len(shape) not in (1, 2) or shape[0] != op.shape[1]:
        raise ValueError(f"linop: an operator of shape {op.shape} applies to a vector of shape "
                         f"({op.shape[1]},) or a matrix of shape ({op.shape[1]}, k), not to an "
                         f"array of shape {tuple(shape)}")


def _linop_shape(x, *, op):
    shape, dtype = x
    return (op.shape[0],) + tuple(shape[1:]), np.result_type(np.result_type(dtype), op.dtype)


def _linop_transpose(ct, x, *, op):
    return [fit_dtype(linop_apply(op.T, ct), x.dtype)]


def columns_batch_rule(prim: Primitive):
    """The batch rule of an operator applied to a vector ``(n,)`` or to columns ``(n, k)``:
    the batch becomes more columns (``(n, [k,] B)`` -> ``(n, k*B)``), one application."""
    def rule(args, dims, **params):
        x = moveaxis(args[0], dims[0], len(shape_of(args[0])) - 1)
        shape = tuple(shape_of(x))
        y = bind(prim, reshape(x, (shape[0], _size(shape[1:]))), **params)
        return reshape(y, shape_of(y)[:1] + shape[1:]), len(shape) - 1
    return rule


def _size(shape: tuple) -> int:
    return math.prod(shape)


deflinear(linop_apply_p, linear_in=(0,), aval_rule=_linop_shape,
          transpose_rule=_linop_transpose, batch_rule=columns_batch_rule(linop_apply_p))


class LinOp:
    """A user's linear operator as a differentiable linear function (see :func:`linop`).

    Examples
    --------
    >>> import numpy as np, linad
    >>> A = linad.linop(np.array([[1.0, 2.0], [3.0, 4.0]]))
    >>> A.shape, A.T(np.array([1.0, 0.0]))
    ((2, 2), array([1., 2.]))
    """

    def __init__(self, op: _Op):
        self._op = op

    @property
    def shape(self) -> tuple:
        return self._op.shape

    @property
    def dtype(self) -> np.dtype:
        return self._op.dtype

    def __call__(self, x: Any) -> Any:
        return linop_apply(self._op, x)

    __matmul__ = __call__

    @property
    def T(self) -> "LinOp":
        """The transpose (``L^T``, no conjugation)."""
        return LinOp(self._op.T)

    @property
    def H(self) -> "LinOp":
        """The conjugate transpose (``L^H``, SciPy's ``rmatvec``)."""
        return LinOp(_Op(self._op.A.H, self._op.transposed))   # (A^T)^H = (A^H)^T

    def __repr__(self) -> str:
        return f"linop({self._op!r})"


def linop(L_: Any) -> LinOp:
    """Wrap a SciPy ``LinearOperator`` (or a matrix, or an object with ``shape``,
    ``matvec`` and ``rmatvec``) so it can be applied to traced values.

    The result ``A`` is called as ``A(x)`` or ``A @ x`` inside any linad
    transformation; each application is one :func:`linop_apply` primitive.
    Forward mode needs only ``matvec``; reverse mode uses ``rmatvec`` (the
    conjugate transpose, as SciPy defines it — the conjugations needed for the
    plain transpose are handled here); batched application uses ``matmat``.

    Examples
    --------
    >>> import numpy as np, linad
    >>> from scipy.sparse.linalg import LinearOperator
    >>> D = LinearOperator((3, 3), matvec=lambda v: np.cumsum(v),
    ...                    rmatvec=lambda v: np.cumsum(v[::-1])[::-1], dtype=float)
    >>> A = linad.linop(D)
    >>> linad.grad(lambda x: (A @ x) @ (A @ x) / 2)(np.ones(3))
    array([6., 5., 3.])
    """
    return LinOp(_Op(_as_op(L_)))
