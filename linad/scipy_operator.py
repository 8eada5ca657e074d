"""Conversion of a :class:`~linad.linear_map.LinearMap` to a SciPy ``LinearOperator``.

The operator acts on flat vectors: the input leaves of the map are raveled and
concatenated (in pytree flattening order), and so are the outputs.  One linear
program serves all four products:

- ``matvec`` runs the program (the JVP),
- ``rmatvec`` runs its conjugate transpose (``LinearMap.H``, staged once, on
  first use, from the same program and the same residuals),
- ``matmat`` / ``rmatmat`` push all columns through the (transposed) program in
  one batched pass (``LinearProgram.apply_batched``), not column by column.

A *symmetric* operator (a Hessian: the linearized gradient) uses the program
itself for ``rmatvec``.

Examples
--------
>>> import numpy as np, linad
>>> A = np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
>>> _, f_lin = linad.linearize(lambda x: A @ x, np.zeros(2))
>>> op = f_lin.to_scipy()
>>> op.shape, op.dtype
((3, 2), dtype('float64'))
>>> np.allclose(op.rmatmat(np.eye(3)), A.T)
True
"""
from __future__ import annotations

import math

import numpy as np
import scipy.sparse.linalg as spla

from .core import instantiate
from .optimize.compile import apply, apply_batched

__all__ = ["as_linear_operator", "flatten_leaves", "split_flat"]


def flatten_leaves(leaves: list, batched: bool = False, n: int = 0) -> np.ndarray:
    """Concatenate raveled leaves into one vector.

    With ``batched`` each leaf has a leading batch axis (of length ``n``) and
    the result is a matrix with one column per batch element.

    Examples
    --------
    >>> import numpy as np
    >>> flatten_leaves([np.ones((2, 2)), np.zeros(1)])
    array([1., 1., 1., 1., 0.])
    >>> flatten_leaves([np.ones((3, 2)), np.zeros((3, 1))], batched=True, n=3).shape
    (3, 3)
    """
    if batched:
        if not leaves:
            return np.zeros((0, n))
        return np.concatenate([np.reshape(x, (x.shape[0], -1)) for x in leaves], axis=1).T
    return np.concatenate([np.ravel(x) for x in leaves]) if leaves else np.zeros(0)


def split_flat(v: np.ndarray, avals: list, batched: bool = False) -> list:
    """Split a flat vector (or the columns of a matrix when batched) into leaves of ``avals``.

    Examples
    --------
    >>> import numpy as np
    >>> a, b = split_flat(np.arange(5.0), [((2, 2), np.dtype(float)), ((1,), np.dtype(float))])
    >>> a
    array([[0., 1.],
           [2., 3.]])
    """
    out = []
    start = 0
    for shape, dtype in avals:
        n = math.prod(shape)
        if batched:
            part = v[start:start + n].T.reshape((v.shape[1],) + tuple(shape))
        else:
            part = v[start:start + n].reshape(shape)
        out.append(_cast(part, dtype))
        start += n
    return out


def _cast(x: np.ndarray, dtype: np.dtype) -> np.ndarray:
    if x.dtype == dtype:
        return x
    if x.dtype.kind == "c" and dtype.kind != "c":
        if np.any(x.imag):
            raise TypeError(
                f"a complex vector was given to an operator whose input is real ({dtype}); "
                "apply it to the real and imaginary parts separately")
        x = x.real
    return x.astype(dtype)


class _LinadOperator(spla.LinearOperator):
    """A SciPy ``LinearOperator`` backed by a linad linear program (see the module docs)."""

    def __init__(self, lmap, symmetric: bool = False):
        if lmap.program.has_traced_residuals():
            raise TypeError(
                "this linear map was linearized at traced values (inside another linad "
                "transformation), so it has no concrete matrix for SciPy. Build SciPy operators "
                "(jacobian_operator, hessian_operator, to_scipy) at concrete NumPy arrays.")
        self._lmap = lmap
        self._prog = lmap.program
        self._in_avals = lmap.in_avals
        self._out_avals = lmap.out_avals
        self._symmetric = symmetric
        super().__init__(dtype=lmap.dtype, shape=lmap.shape)

    def _apply(self, prog, in_avals, x, batched):
        leaves = split_flat(x, in_avals, batched)
        n = x.shape[1] if batched else 0
        outs = apply_batched(prog, leaves) if batched else apply(prog, leaves)
        return flatten_leaves([instantiate(o, n if batched else None) for o in outs], batched, n).astype(
            self.dtype, copy=False)

    def _matvec(self, x):
        return self._apply(self._prog, self._in_avals, np.ravel(x), False)

    def _matmat(self, X):
        return self._apply(self._prog, self._in_avals, np.asarray(X), True)

    def _adjoint_program(self):
        return self._prog if self._symmetric else self._lmap.H.program

    def _rmatvec(self, y):
        return self._apply(self._adjoint_program(), self._out_avals, np.ravel(y), False)

    def _rmatmat(self, Y):
        return self._apply(self._adjoint_program(), self._out_avals, np.asarray(Y), True)

    def _adjoint(self):
        return self if self._symmetric else _LinadOperator(self._lmap.H)

    def __repr__(self) -> str:
        kind = "symmetric " if self._symmetric else ""
        return (f"<{self.shape[0]}x{self.shape[1]} {kind}linad LinearOperator with "
                f"dtype={self.dtype}, {len(self._prog.eqns)} equations>")


def as_linear_operator(lmap, symmetric: bool = False) -> spla.LinearOperator:
    """``lmap`` as a SciPy ``LinearOperator`` of shape (out size, in size).

    Parameters
    ----------
    lmap : LinearMap
        A map linearized at concrete values.
    symmetric : bool
        Declare the map symmetric (real) or Hermitian: ``rmatvec`` then runs the
        program itself instead of its transpose (used for Hessians).

    Examples
    --------
    >>> import numpy as np, linad
    >>> _, f_lin = linad.linearize(lambda x: 2.0 * x, np.zeros(3))
    >>> as_linear_operator(f_lin).matvec(np.ones(3))
    array([2., 2., 2.])
    """
    return _LinadOperator(lmap, symmetric)
