r"""``sparse_matmul``: a constant SciPy sparse matrix times a traced array.

:math:`y = S x` for ``S`` a ``scipy.sparse`` matrix or array (any format,
``sparray`` or ``spmatrix``) of shape (m, n) and ``x`` of shape (n,) or (n, k).
``S`` is a constant (a parameter of the primitive), so the primitive is linear
in ``x``.  JVP: :math:`\dot y = S \dot x`.  Transpose (bilinear pairing, no
conjugation): :math:`\bar x = S^T \bar y`, the same primitive at ``S.T``; a real
``x`` meeting a complex ``S`` gets the real part.  Batched: the batch is folded
into the columns, so ``S`` multiplies one (n, k·B) matrix.

``x @ S`` is :math:`(S^T x^T)^T`, written with this primitive and transposes.
"""
from __future__ import annotations

from typing import Any

import numpy as np
import scipy.sparse as sp

from ..core import Primitive, Tracer, bind, shape_of
from .linear import fit_dtype, transpose
from .linop import columns_batch_rule
from .rules import deflinear

__all__ = ["sparse_matmul_p", "SparseOperand", "sparse_matmul", "sparse_rmatmul"]

#: Formats whose products SciPy computes without converting the matrix first.
_DIRECT_FORMATS = ("csr", "csc", "coo", "bsr", "dia")


class SparseOperand:
    """A constant sparse matrix as a primitive parameter.

    Formats SciPy multiplies by converting to CSR at every product (``lil``,
    ``dok``) are converted once here.
    """

    __slots__ = ("S",)

    def __init__(self, S: Any):
        if S.ndim != 2:
            raise ValueError(f"sparse matmul: the sparse operand must be 2-D, not a "
                             f"{S.ndim}-D {type(S).__name__}; reshape it to (1, n) or (n, 1)")
        self.S = S if S.format in _DIRECT_FORMATS else S.tocsr()

    @property
    def shape(self) -> tuple:
        return tuple(self.S.shape)

    @property
    def dtype(self) -> np.dtype:
        return np.dtype(self.S.dtype)

    @property
    def T(self) -> "SparseOperand":
        return SparseOperand(self.S.T)

    def apply(self, x: np.ndarray) -> np.ndarray:
        """``S @ x`` for ``x`` of shape (n,) or (n, k), in the promoted dtype."""
        x = np.asarray(x)
        return np.asarray(self.S @ x).astype(np.result_type(self.dtype, x.dtype), copy=False)

    def __repr__(self) -> str:
        return f"<{self.shape[0]}x{self.shape[1]} {self.S.format} {self.dtype}, nnz={self.S.nnz}>"


sparse_matmul_p = Primitive("sparse_matmul", lambda x, *, op: op.apply(x))


def _operand(S: Any) -> SparseOperand:
    if isinstance(S, SparseOperand):
        return S
    if not sp.issparse(S):
        raise TypeError(f"sparse matmul: expected a scipy.sparse matrix or array, not "
                        f"{type(S).__name__}")
    return SparseOperand(S)


def _operand_array(x: Any) -> Any:
    return x if isinstance(x, (Tracer, np.ndarray)) else np.asarray(x)


def sparse_matmul(S: Any, x: Any) -> Any:
    """``S @ x`` for a constant sparse ``S`` of shape (m, n) and ``x`` of shape (n,) or (n, k).

    Examples
    --------
    >>> import numpy as np, scipy.sparse as sp, linad
    >>> S = sp.csr_array([[1.0, 0.0, 2.0], [0.0, 3.0, 0.0]])
    >>> linad.grad(lambda x: sparse_matmul(S, x).sum())(np.ones(3))      # S^T 1
    array([1., 3., 2.])
    """
    op = _operand(S)
    x = _operand_array(x)
    shape = tuple(shape_of(x))
    if len(shape) not in (1, 2) or shape[0] != op.shape[1]:
        raise ValueError(f"sparse matmul: a sparse matrix of shape {op.shape} multiplies a "
                         f"vector of shape ({op.shape[1]},) or a matrix of shape "
                         f"({op.shape[1]}, k), not an array of shape {shape}")
    return bind(sparse_matmul_p, x, op=op)


def sparse_rmatmul(x: Any, S: Any) -> Any:
    """``x @ S`` for ``x`` of shape (m,) or (k, m) and a constant sparse ``S`` of shape (m, n).

    Computed as :math:`(S^T x^T)^T`.

    Examples
    --------
    >>> import numpy as np, scipy.sparse as sp
    >>> S = sp.csr_array([[1.0, 0.0, 2.0], [0.0, 3.0, 0.0]])
    >>> sparse_rmatmul(np.array([1.0, 1.0]), S)
    array([1., 3., 2.])
    """
    op = _operand(S).T
    x = _operand_array(x)
    if len(shape_of(x)) == 2:
        return transpose(sparse_matmul(op, transpose(x, (1, 0))), (1, 0))
    return sparse_matmul(op, x)


def _sparse_shape(x, *, op):
    shape, dtype = x
    return (op.shape[0],) + tuple(shape[1:]), np.result_type(np.result_type(dtype), op.dtype)


def _sparse_transpose(ct, x, *, op):
    return [fit_dtype(bind(sparse_matmul_p, ct, op=op.T), x.dtype)]


deflinear(sparse_matmul_p, linear_in=(0,), aval_rule=_sparse_shape,
          transpose_rule=_sparse_transpose, batch_rule=columns_batch_rule(sparse_matmul_p))
