"""Conversion of a :class:`~linad.linear_map.LinearMap` to a SciPy ``LinearOperator``."""
from __future__ import annotations

from typing import Any

import numpy as np
import scipy.sparse.linalg as spla

__all__ = ["as_linear_operator", "flatten_leaves", "split_flat"]


def flatten_leaves(leaves: list, batched: bool = False) -> np.ndarray:
    """Concatenate raveled leaves into one vector (or a matrix with columns when batched)."""
    if batched:
        return np.concatenate([np.reshape(x, (x.shape[0], -1)) for x in leaves], axis=1).T
    return np.concatenate([np.ravel(x) for x in leaves]) if leaves else np.zeros(0)


def split_flat(v: np.ndarray, avals: list, batched: bool = False) -> list:
    """Split a flat vector (or columns of a matrix when batched) into leaves of ``avals``."""
    out = []
    start = 0
    for shape, dtype in avals:
        n = int(np.prod(shape, dtype=np.int64))
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
    def __init__(self, lmap):
        self._lmap = lmap
        self._prog = lmap.program
        self._in_avals = lmap.in_avals
        self._out_avals = lmap.out_avals
        super().__init__(dtype=lmap.dtype, shape=lmap.shape)

    def _apply(self, prog, in_avals, x, batched):
        leaves = split_flat(x, in_avals, batched)
        if batched:
            outs = prog.apply_batched(*leaves)
            outs = [np.zeros((x.shape[1],) + o.shape, o.dtype) if type(o).__name__ == "Zero" else o
                    for o in outs]
        else:
            outs = [o.instantiate() if type(o).__name__ == "Zero" else o for o in prog(*leaves)]
        return flatten_leaves(outs, batched).astype(self.dtype, copy=False)

    def _matvec(self, x):
        return self._apply(self._prog, self._in_avals, np.ravel(x), False)

    def _matmat(self, X):
        return self._apply(self._prog, self._in_avals, X, True)

    def _adjoint_program(self):
        return self._lmap.H.program

    def _rmatvec(self, y):
        return self._apply(self._adjoint_program(), self._out_avals, np.ravel(y), False)

    def _rmatmat(self, Y):
        return self._apply(self._adjoint_program(), self._out_avals, Y, True)

    def _adjoint(self):
        return _LinadOperator(self._lmap.H)


def as_linear_operator(lmap) -> spla.LinearOperator:
    """``lmap`` as a SciPy ``LinearOperator`` of shape (out size, in size)."""
    return _LinadOperator(lmap)
