"""``LinearMap``: a linear program with pytree inputs and outputs.

A ``LinearMap`` is what :func:`linad.linearize` returns.  It is callable on
tangents, prints its program, transposes (``.T``), conjugate-transposes
(``.H``), applies to many vectors in one batched pass (``matmat``), and
converts to a ``scipy.sparse.linalg.LinearOperator`` (``to_scipy``).
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np

from . import tree
from .batching import apply_program_batched
from .core import Tracer, Zero, format_aval, instantiate, shape_of
from .ir import LinearProgram
from .linearize import stage
from .optimize.compile import apply, apply_batched
from .primitives.linear import conj
from .scipy_operator import as_linear_operator
from .transpose import transpose_program

__all__ = ["LinearMap"]


class LinearMap:
    """A linear map between pytrees of arrays, backed by a :class:`LinearProgram`.

    Parameters
    ----------
    program : LinearProgram
        The recorded linear program on flat leaves.
    in_tree, out_tree : TreeDef
        Structures of the input and the output.
    in_is_args : bool
        If True the input structure is a tuple of positional arguments
        (``f_lin(*tangents)``); otherwise the map takes one argument.
    out_is_args : bool
        If True the output is such a tuple of arguments (a transposed map returns
        one cotangent per primal, as a tuple).

    Examples
    --------
    >>> import numpy as np, linad
    >>> X = np.arange(6.0).reshape(3, 2)
    >>> _, f_lin = linad.linearize(lambda X: X.T @ X, X)
    >>> V = np.ones((2, 2))
    >>> np.allclose(f_lin.T(V)[0], X @ (V + V.T))
    True
    """

    def __init__(self, program: LinearProgram, in_tree, out_tree, in_is_args: bool = True,
                 out_is_args: bool = False):
        self.program = program
        self.in_tree = in_tree
        self.out_tree = out_tree
        self.in_is_args = in_is_args
        self.out_is_args = out_is_args
        self._T: LinearMap | None = None
        self._H: LinearMap | None = None

    # ------------------------------------------------------------------ shapes
    @property
    def in_avals(self) -> list[tuple]:
        return [(v.shape, v.dtype) for v in self.program.in_vars]

    @property
    def out_avals(self) -> list[tuple]:
        return [(o.shape, o.dtype) for o in self.program.outs]

    @property
    def shape(self) -> tuple[int, int]:
        """(total output size, total input size): the shape as a matrix on flat vectors."""
        return (sum(math.prod(s) for s, _ in self.out_avals),
                sum(math.prod(s) for s, _ in self.in_avals))

    @property
    def dtype(self) -> np.dtype:
        return np.result_type(*[d for _, d in self.in_avals + self.out_avals])

    # ------------------------------------------------------------------ application
    def __call__(self, *args: Any) -> Any:
        leaves = self._flatten_input(args)
        outs = apply(self.program, leaves)
        return self._unflatten_output([_materialize(o) for o in outs])

    def matmat(self, *args: Any) -> Any:
        """Apply to a batch: every input leaf has one extra leading axis of the same length.

        All vectors go through the program in one pass (each linear primitive runs
        batched), not one at a time.
        """
        leaves = self._flatten_input(args, batched=True)
        n = shape_of(leaves[0])[0] if leaves else 0
        if self.program.has_traced_residuals() or any(isinstance(x, Tracer) for x in leaves):
            outs = apply_program_batched(self.program, leaves)
        else:
            outs = apply_batched(self.program, leaves)
        outs = [instantiate(o, n) for o in outs]
        return self._unflatten_output(outs)

    def _flatten_input(self, args: tuple, batched: bool = False) -> list:
        tree_in = args if self.in_is_args else _single(args)
        leaves, td = tree.flatten(tree_in)
        if td != self.in_tree:
            raise TypeError(f"linear map expects input structure {self.in_tree!r}, got {td!r}")
        out = []
        for k, (leaf, (shape, dtype)) in enumerate(zip(leaves, self.in_avals)):
            out.append(_check_leaf(leaf, shape, dtype, k, batched))
        return out

    def _unflatten_output(self, outs: list) -> Any:
        return tree.unflatten(self.out_tree, outs)

    # ------------------------------------------------------------------ transposition
    @property
    def T(self) -> "LinearMap":
        """The transpose (cotangents of the outputs -> cotangents of the inputs)."""
        if self._T is None:
            prog = transpose_program(self.program)
            self._T = LinearMap(prog, self.out_tree, self.in_tree,
                                in_is_args=self.out_is_args, out_is_args=self.in_is_args)
        return self._T

    @property
    def H(self) -> "LinearMap":
        """The conjugate transpose (adjoint); equals ``.T`` for real maps."""
        if self._H is None:
            if self.dtype.kind != "c":
                self._H = self.T
            else:
                t_prog = self.T.program
                prog = stage(lambda *cts: [o if type(o) is Zero else conj(o)
                                           for o in t_prog(*[conj(c) for c in cts])],
                             [(v.shape, v.dtype) for v in t_prog.in_vars], name="adjoint")
                self._H = LinearMap(prog, self.out_tree, self.in_tree,
                                    in_is_args=self.out_is_args, out_is_args=self.in_is_args)
        return self._H

    # ------------------------------------------------------------------ SciPy
    def to_scipy(self):
        """A ``scipy.sparse.linalg.LinearOperator`` on flattened (concatenated, raveled) leaves.

        ``matvec`` is the map, ``rmatvec`` the conjugate transpose (SciPy's contract);
        ``matmat``/``rmatmat`` push all columns through the program in one pass.
        """
        return as_linear_operator(self)

    # ------------------------------------------------------------------ printing
    def __str__(self) -> str:
        return str(self.program)

    def __repr__(self) -> str:
        ins = ", ".join(format_aval(*a) for a in self.in_avals)
        outs = ", ".join(format_aval(*a) for a in self.out_avals)
        return f"LinearMap(({ins}) -> ({outs}), {len(self.program.eqns)} equations)"


def _single(args: tuple) -> Any:
    if len(args) != 1:
        raise TypeError(f"this linear map takes one argument (a pytree), got {len(args)}")
    return args[0]


def _materialize(o: Any) -> Any:
    o = instantiate(o)
    return np.asarray(o) if isinstance(o, np.generic) else o


def _check_leaf(leaf: Any, shape: tuple, dtype: np.dtype, k: int, batched: bool) -> Any:
    if not isinstance(leaf, Tracer):
        leaf = np.asarray(leaf)
        if leaf.dtype != dtype:
            if leaf.dtype.kind in "biuf" and dtype.kind in "fc" and (
                    leaf.dtype.kind != "f" or np.can_cast(leaf.dtype, dtype)):
                leaf = leaf.astype(dtype)
            else:
                raise TypeError(
                    f"input {k} of the linear map has dtype {leaf.dtype}, expected {dtype}; "
                    f"convert it with .astype(np.{dtype.name})")
    got = tuple(shape_of(leaf))
    want = ((got[0],) if batched and got else ()) + tuple(shape)
    if got != want:
        what = "a leading batch axis plus shape " if batched else "shape "
        raise ValueError(
            f"input {k} of the linear map has shape {got}, expected {what}{tuple(shape)} "
            "(tangents and cotangents have the shape of their primal)")
    return leaf
