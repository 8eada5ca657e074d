"""``linad.scipy.sparse``: products of a constant SciPy sparse matrix and a traced array.

A ``scipy.sparse`` matrix or array (any format, ``sparray`` or ``spmatrix``) of
shape (m, n) times a traced vector or matrix is one linear primitive,
``sparse_matmul`` (:mod:`linad.primitives.sparse`): the matrix is never densified,
the transpose multiplies by ``S.T`` (no conjugation) and batched application
(``jacfwd``, ``LinearMap.matmat``) is one sparse product with all columns.

SciPy's own ``S @ x``, ``S.T @ x`` and ``S.dot(x)`` convert ``x`` to a NumPy array
before a traced ``x`` can take over, so they raise ``TracerConversionError``; call
:func:`matmul` (or ``lnp.matmul``, ``np.dot(S, x)``, ``np.matmul(S, x)``) instead.
With the sparse matrix second, ``x @ S`` works as written.  The sparse matrix is
a constant: it is not differentiated.
"""
from __future__ import annotations

from typing import Any

from scipy.sparse import issparse

from ..numpy import _products as P

__all__ = ["matmul", "dot"]


def matmul(a: Any, b: Any) -> Any:
    """``a @ b`` where one of ``a``, ``b`` is a constant ``scipy.sparse`` matrix or array.

    Parameters
    ----------
    a, b : sparse matrix or array_like
        One is a 2-D ``scipy.sparse`` matrix or array ``S`` of shape (m, n); the
        other a (traced) array of shape (n,) or (n, k) for ``S @ x``, or (m,) or
        (k, m) for ``x @ S``.

    Returns
    -------
    array
        The dense product, in the promoted dtype of ``S`` and ``x``.

    Examples
    --------
    >>> import numpy as np, scipy.sparse as sp, linad
    >>> from linad.scipy import sparse
    >>> S = sp.csr_array([[1.0, 0.0, 2.0], [0.0, 3.0, 0.0]])
    >>> sparse.matmul(S, np.ones(3))
    array([3., 3.])
    >>> linad.jacfwd(lambda x: sparse.matmul(S, x))(np.ones(3))
    array([[1., 0., 2.],
           [0., 3., 0.]])
    """
    _one_sparse("matmul", a, b)
    return P.matmul(a, b)


def dot(a: Any, b: Any) -> Any:
    """``S.dot(x)`` (or ``x.dot(S)``) for a constant sparse ``S``: the same product as :func:`matmul`.

    Examples
    --------
    >>> import numpy as np, scipy.sparse as sp, linad
    >>> from linad.scipy import sparse
    >>> S = sp.coo_matrix([[2.0, 0.0], [1.0, 1.0]])
    >>> linad.grad(lambda x: sparse.dot(S, x).sum())(np.zeros(2))
    array([3., 1.])
    """
    _one_sparse("dot", a, b)
    return P.dot(a, b)


def _one_sparse(name: str, a: Any, b: Any) -> None:
    if not (issparse(a) or issparse(b)):
        raise TypeError(f"linad.scipy.sparse.{name}: one operand must be a scipy.sparse "
                        f"matrix or array (got {type(a).__name__} and {type(b).__name__}); "
                        f"for dense arrays use lnp.{name}")
