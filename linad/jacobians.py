r"""Full Jacobians, Hessians and matrix-free Jacobian/Hessian operators.

Everything here starts from one linearization of the function (a
:class:`~linad.LinearMap`) and applies it — or its transpose — to many vectors
at once:

- :func:`jacfwd` pushes every input basis vector through the linear program in
  **one batched pass** (``LinearProgram.apply_batched``: each linear primitive
  runs once with a leading batch axis);
- :func:`jacrev` pushes every output basis vector through the *transposed*
  program in one batched pass;
- :func:`hessian` is forward over reverse, ``jacfwd(jacrev(f))``: one reverse
  pass, then one batched forward pass of the linearized gradient;
- :func:`hvp` is reverse over forward, the gradient of ``x -> <f'(x), v>``:
  the gradient itself, which ``jvp(grad(f))`` would compute and drop, is never
  formed;
- :func:`jacobian_operator` and :func:`hessian_operator` return SciPy
  ``LinearOperator`` s whose ``matvec``, ``rmatvec``, ``matmat`` and ``rmatmat``
  all run the one recorded program (or its transpose) — residuals are computed
  once, when linearizing.

The identity basis goes in one-hot (:mod:`linad.optimize.onehot`): einsums, products,
sums, transposes and additions on it relabel the residuals instead of
multiplying them by zeros and ones, and only the Jacobian's nonzeros are
written; a primitive without such a rule gets the dense basis.

For :math:`f:\mathbb{R}^{k\times l}\to\mathbb{R}^{n\times m}` the Jacobian is the
4-D array ``J[i, j, p, q] = d f(X)[i, j] / d X[p, q]`` (shape
``out.shape + in.shape``), as in JAX.

When the function is itself being differentiated (``hessian`` is ``jacfwd`` of
``jacrev``), the inner linear program has traced residuals and cannot run on
NumPy arrays alone; its basis then goes through the program under the batching
trace of :func:`linad.vmap`, still one batched pass, which the outer
transformation differentiates.  Every nesting level is one batched pass.
"""
from __future__ import annotations

import math
from typing import Any, Callable, Sequence

import numpy as np

from . import tree
from .api import (_argnums_tuple, _aux_value, _check_scalar_output, _flat_args, _flat_fun,
                  _linearize, _zeros_if_symbolic, check_tangent, grad, jvp_flat, linearize,
                  with_diff_args)
from .batching import apply_program_batched
from .core import Tracer, Zero, dtype_of, is_inexact
from .linear_map import LinearMap
from .linearize import linearize_flat
from .optimize.compile import apply_batched
from .optimize.onehot import OneHotBatch, identity_basis
from .transpose import backward_pass
from .scipy_operator import as_linear_operator

__all__ = ["jacfwd", "jacrev", "hessian", "hvp", "jacobian_operator", "hessian_operator"]


# ----------------------------------------------------------------------------- helpers

def _size(shape: tuple) -> int:
    return math.prod(shape)


def _apply_to_basis(lmap: LinearMap, batch_last: bool) -> list:
    """Flat output leaves of ``lmap`` applied to the identity basis of its inputs.

    Each result has a leading axis of length N, the total input size.  On concrete
    residuals this is one ``apply_batched`` pass with the basis kept one-hot
    (:mod:`linad.optimize.onehot`); ``batch_last`` lays the results out with the batch axis
    last in memory.  Inside an outer transformation (traced residuals) the basis
    goes through the program in one pass of the batching trace
    (:func:`~linad.batching.apply_program_batched`), so the outer transformation
    sees batched operations.
    """
    basis = identity_basis(lmap.in_avals)
    if not lmap.program.has_traced_residuals():
        outs = apply_batched(lmap.program, basis)
        return [_dense(o, lmap.shape[1], aval, batch_last)
                for o, aval in zip(outs, lmap.out_avals)]
    outs = apply_program_batched(lmap.program, [b.materialize() for b in basis])
    return [_dense(o, lmap.shape[1], aval, False) for o, aval in zip(outs, lmap.out_avals)]


def _dense(out: Any, n: int, aval: tuple, batch_last: bool) -> np.ndarray:
    """A batched program output as an array of shape ``(n,) + shape``."""
    if isinstance(out, OneHotBatch):
        return out.materialize(batch_last)
    if type(out) is Zero:
        return np.zeros((n,) + tuple(aval[0]), aval[1])
    return out


def _forward_block(res: Any, start: int, n: int, in_shape: tuple, out_shape: tuple) -> Any:
    """J[out, in] from forward results (rows: input directions; shape (N,) + out_shape)."""
    part = res[start:start + n]
    nd = len(out_shape)
    part = part.transpose(tuple(range(1, nd + 1)) + (0,))
    return part.reshape(tuple(out_shape) + tuple(in_shape))


def _reverse_block(res: Any, start: int, n: int, in_shape: tuple, out_shape: tuple) -> Any:
    """J[out, in] from reverse results (rows: output cotangents; shape (M,) + in_shape)."""
    return res[start:start + n].reshape(tuple(out_shape) + tuple(in_shape))


def _prepare(f: Callable, args: tuple, kwargs: dict, argnums, has_aux: bool, where: str):
    """Linearize ``f`` w.r.t. ``args[argnums]``; also return the differentiated inputs' structure."""
    nums = _argnums_tuple(argnums, len(args), where)
    g = with_diff_args(f, args, kwargs, nums)
    out, lmap, aux = _linearize(g, [args[i] for i in nums], has_aux, where)
    diff = args[nums[0]] if isinstance(argnums, int) else tuple(args[i] for i in nums)
    return out, lmap, aux, tree.flatten(diff)[1]


def _check_dtypes(where: str, avals: list, what: str, holomorphic: bool) -> None:
    """Real inputs (jacfwd) / outputs (jacrev) unless ``holomorphic``, then complex ones."""
    for shape, dtype in avals:
        dtype = np.dtype(dtype)
        if holomorphic and dtype.kind != "c":
            raise TypeError(
                f"{where} with holomorphic=True requires complex {what}s, got an {what} of dtype "
                f"{dtype}. Convert it with .astype(complex), or drop holomorphic=True.")
        if not holomorphic and not (is_inexact(dtype) and dtype.kind == "f"):
            raise TypeError(
                f"{where} requires real floating-point {what}s, got an {what} of dtype {dtype}. "
                "For a holomorphic function pass holomorphic=True; for a non-holomorphic "
                "function of complex values differentiate its real and imaginary parts, or use "
                "linad.vjp / linad.jvp directly.")


def _offsets(avals: list) -> list:
    out, start = [], 0
    for shape, _ in avals:
        out.append(start)
        start += _size(shape)
    return out


def _assemble(lmap: LinearMap, in_struct, res: list, reverse: bool) -> Any:
    """The Jacobian pytree: the output structure with, at each leaf, the inputs' structure.

    ``res`` holds the batched results: per output leaf (forward mode, rows are
    input directions) or per input leaf (reverse mode, rows are output cotangents).
    """
    ins, outs = lmap.in_avals, lmap.out_avals
    in_off, out_off = _offsets(ins), _offsets(outs)
    rows = []
    for j, (oshape, _) in enumerate(outs):
        if reverse:
            blocks = [_reverse_block(res[i], out_off[j], _size(oshape), ishape, oshape)
                      for i, (ishape, _) in enumerate(ins)]
        else:
            blocks = [_forward_block(res[j], in_off[i], _size(ishape), ishape, oshape)
                      for i, (ishape, _) in enumerate(ins)]
        rows.append(tree.unflatten(in_struct, blocks))
    return tree.unflatten(lmap.out_tree, rows)


def _jacobian_function(f: Callable, argnums, has_aux: bool, holomorphic: bool,
                       reverse: bool) -> Callable:
    """jacfwd (basis of the inputs through the program) or jacrev (basis of the outputs
    through the transposed program), each as one batched pass."""
    where = "jacrev" if reverse else "jacfwd"

    def jac(*args, **kwargs):
        _, lmap, aux, in_struct = _prepare(f, args, kwargs, argnums, has_aux, where)
        ins, outs = lmap.in_avals, lmap.out_avals
        basis_avals, other = (outs, ins) if reverse else (ins, outs)
        kinds = ("output", "input") if reverse else ("input", "output")
        _check_dtypes(where, basis_avals, kinds[0], holomorphic)
        if holomorphic:
            _check_dtypes(where, other, kinds[1], True)
        res = _apply_to_basis(lmap.T if reverse else lmap, batch_last=not reverse)
        J = _assemble(lmap, in_struct, res, reverse)
        return (J, aux) if has_aux else J

    jac.__name__ = f"{where}({getattr(f, '__name__', 'f')})"
    jac.__doc__ = f"The Jacobian of {getattr(f, '__name__', 'f')} (see linad.{where})."
    return jac


# ----------------------------------------------------------------------------- Jacobians

def jacfwd(f: Callable, argnums: int | Sequence[int] = 0, has_aux: bool = False,
           holomorphic: bool = False) -> Callable:
    """The Jacobian of ``f`` by forward mode, all input directions in one batched pass.

    ``f`` is linearized once; the identity basis of the inputs (one vector per
    input element, kept one-hot) goes through the linear program in a single
    batched pass, every linear primitive running once with a leading batch
    axis.  Cost: one evaluation plus one batched pass of width ``in.size``, at
    most; prefer :func:`jacrev` when the output is smaller than the input.

    Parameters
    ----------
    f : callable
        A function of positional pytree arguments returning a pytree of arrays.
    argnums : int or tuple of int
        Which arguments to differentiate.
    has_aux : bool
        ``f`` returns ``(out, aux)``; the Jacobian function then returns ``(jac, aux)``.
    holomorphic : bool
        Allow complex inputs of a holomorphic ``f`` (otherwise inputs must be real).

    Returns
    -------
    callable
        Same arguments as ``f``; returns the Jacobian: the output's pytree with,
        at each output leaf, the differentiated inputs' pytree (a tuple of them
        if ``argnums`` is a tuple) of arrays of shape ``out.shape + in.shape``.

    Examples
    --------
    >>> import numpy as np, linad
    >>> X = np.arange(6.0).reshape(3, 2)
    >>> J = linad.jacfwd(lambda X: X.T @ X)(X)           # the 4-D Jacobian
    >>> J.shape
    (2, 2, 3, 2)
    >>> bool(np.allclose(J[0, 1], np.stack([X[:, 1], X[:, 0]], axis=1)))
    True
    """
    return _jacobian_function(f, argnums, has_aux, holomorphic, reverse=False)


def jacrev(f: Callable, argnums: int | Sequence[int] = 0, has_aux: bool = False,
           holomorphic: bool = False) -> Callable:
    """The Jacobian of ``f`` by reverse mode, all output cotangents in one batched pass.

    ``f`` is linearized once and the program transposed once; the identity basis
    of the outputs (kept one-hot) goes through the transposed program in a single
    batched pass.  Cost: one evaluation plus one batched pass of width
    ``out.size``, at most; prefer :func:`jacfwd` for wide outputs.

    Parameters and return value are as for :func:`jacfwd` (``holomorphic``
    allows complex outputs of a holomorphic ``f``; otherwise outputs must be real).

    Examples
    --------
    >>> import numpy as np, linad
    >>> A = np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
    >>> linad.jacrev(lambda x: A @ x)(np.zeros(2))
    array([[1., 2.],
           [3., 4.],
           [5., 6.]])
    >>> jac = linad.jacrev(lambda p: {"y": p["a"] * p["b"]})
    >>> jac({"a": np.array([2.0]), "b": np.array([3.0])})["y"]["b"]
    array([[2.]])
    """
    return _jacobian_function(f, argnums, has_aux, holomorphic, reverse=True)


def hessian(f: Callable, argnums: int | Sequence[int] = 0, has_aux: bool = False,
            holomorphic: bool = False) -> Callable:
    """The Hessian of ``f``, forward over reverse: ``jacfwd(jacrev(f))``.

    One reverse pass gives the gradient as a function whose linearization is
    then applied to all input directions in one batched pass.  For a scalar
    ``f`` of an array ``x`` the result has shape ``x.shape + x.shape``; pytrees
    and ``argnums`` follow :func:`jacfwd`.

    Examples
    --------
    >>> import numpy as np, linad
    >>> A = np.array([[2.0, 1.0], [1.0, 3.0]])
    >>> linad.hessian(lambda x: x @ A @ x / 2)(np.ones(2))
    array([[2., 1.],
           [1., 3.]])
    """
    return jacfwd(jacrev(f, argnums, has_aux, holomorphic), argnums, has_aux, holomorphic)


def hvp(f: Callable, primals: Sequence, tangents: Sequence, has_aux: bool = False) -> Any:
    """Hessian-vector product of a scalar ``f``, reverse over forward.

    ``H v`` is the gradient of the directional derivative ``x -> <f'(x), v>``
    (a scalar, computed by :func:`jvp`).  Unlike forward over reverse
    (``jvp(grad(f))``), the gradient ``f'(x)`` itself is never formed, and the
    parts of the directional derivative that depend only on ``v`` (``A v`` for
    ``f(x) = g(A x)``) are plain NumPy values, not part of the linearization:
    for ``f(x) = g(A x)`` that is three products with ``A`` (``A x``, ``A v``,
    ``A^T`` times a vector), as in a hand-written HVP, against four.

    Parameters
    ----------
    f : callable
        Returns a real scalar.
    primals, tangents : sequence
        The point and the direction (pytrees of the same structure); ``f`` is
        differentiated with respect to all of ``primals``.  For complex primals
        the result is the derivative of ``grad(f)`` along ``tangents`` (the
        conventions of :func:`grad`).
    has_aux : bool
        ``f`` returns ``(value, aux)``; ``aux`` is returned as it is, not
        differentiated.

    Returns
    -------
    The Hessian of ``f`` at ``primals`` applied to ``tangents``: an array of the
    first primal's structure when there is one primal, else a tuple.  With
    ``has_aux=True``, the pair ``(hv, aux)``.

    Examples
    --------
    >>> import numpy as np, linad
    >>> f = lambda x: (x ** 3).sum()
    >>> linad.hvp(f, (np.array([1.0, 2.0]),), (np.array([1.0, 1.0]),))
    array([ 6., 12.])
    >>> linad.hvp(lambda x: ((x ** 3).sum(), x.size), (np.ones(2),), (np.ones(2),),
    ...           has_aux=True)
    (array([6., 6.]), 2)
    """
    p_leaves, in_tree = _flat_args(tuple(primals), "hvp")
    v_leaves = _direction(tangents, in_tree, p_leaves)
    store: dict = {}
    f_flat = _flat_fun(f, in_tree, store, has_aux)

    def derivative(*x_leaves):  # x -> f'(x) . v, on flat leaves
        return jvp_flat(f_flat, x_leaves, v_leaves, "hvp")[1]

    out, program = linearize_flat(derivative, p_leaves, "hvp")
    _check_scalar_output(tree.unflatten(store["out_tree"], out))
    hv = backward_pass(program, [np.ones((), dtype_of(out[0]))])
    hv = tree.unflatten(in_tree, [_zeros_if_symbolic(c) for c in hv])
    hv = hv[0] if len(hv) == 1 else hv
    return (hv, _aux_value(store)) if has_aux else hv


def _direction(tangents: Sequence, in_tree, p_leaves: list) -> list:
    """The flat, checked direction of :func:`hvp` (SciPy's integer vectors cast)."""
    v_leaves, v_tree = tree.flatten(tuple(tangents))
    if v_tree != in_tree:
        raise TypeError(f"hvp: tangents have structure {v_tree!r}, primals {in_tree!r}; "
                        "they must match")
    return [check_tangent(_cast_tangent(v, p), p, k, "hvp")
            for k, (v, p) in enumerate(zip(v_leaves, p_leaves))]


def _cast_tangent(t: Any, p: Any) -> Any:
    """SciPy passes integer (even int8) or lower-precision direction vectors: cast them."""
    if isinstance(t, Tracer):
        return t
    t = np.asarray(t)
    dt = np.dtype(p.dtype if hasattr(p, "dtype") else np.result_type(p))
    if t.dtype != dt and (t.dtype.kind in "biu" or np.can_cast(t.dtype, dt, "same_kind")):
        t = t.astype(dt)
    return t


# ----------------------------------------------------------------------------- operators

def jacobian_operator(f: Callable, *primals: Any):
    """The Jacobian of ``f`` at ``primals`` as a ``scipy.sparse.linalg.LinearOperator``.

    ``f`` is linearized once; the operator has shape ``(out.size, in.size)`` (the
    leaves of the inputs and outputs raveled and concatenated, in pytree order)
    and the dtype of the map.  ``matvec`` is the JVP, ``rmatvec`` the conjugate
    transpose (SciPy's contract: ``A.H``), and ``matmat`` / ``rmatmat`` push all
    columns through the program (or its transpose) in one batched pass.  The
    residuals are computed once, when linearizing; the transpose is staged on the
    first ``rmatvec``.  ``linad.linearize(f, *primals)[1].to_scipy()`` is the same
    operator, with the value ``f(*primals)`` as well.

    Examples
    --------
    >>> import numpy as np, linad
    >>> X = np.array([[1.0, 2.0], [3.0, 4.0]])
    >>> J = linad.jacobian_operator(lambda X: X @ X, X)
    >>> J.shape, J.dtype
    ((4, 4), dtype('float64'))
    >>> E = np.zeros((2, 2)); E[0, 1] = 1.0
    >>> J.matvec(E.ravel()).reshape(2, 2)                 # E X + X E
    array([[3., 5.],
           [0., 3.]])
    """
    _, lmap = linearize(f, *primals)
    return as_linear_operator(lmap)


def hessian_operator(f: Callable, *primals: Any):
    """The Hessian of a real scalar ``f`` as a symmetric ``LinearOperator``.

    The gradient of ``f`` (w.r.t. all of ``primals``) is linearized once at
    ``primals``; ``matvec`` is then a Hessian-vector product that runs only the
    recorded program, ``rmatvec`` is the same (the Hessian is symmetric) and
    ``matmat`` pushes all columns in one batched pass.

    Examples
    --------
    >>> import numpy as np, linad
    >>> A = np.array([[2.0, 1.0], [1.0, 3.0]])
    >>> H = linad.hessian_operator(lambda x: x @ A @ x / 2, np.ones(2))
    >>> H.matmat(np.eye(2))
    array([[2., 1.],
           [1., 3.]])
    """
    for k, leaf in enumerate(tree.leaves(primals)):
        dt = np.dtype(dtype_of(leaf))
        if dt.kind == "c":
            raise TypeError(
                f"hessian_operator: input {k} is complex ({dt}); the Hessian operator is defined "
                "for real inputs. Pass the real and imaginary parts as separate real arrays.")
    g = grad(f, argnums=tuple(range(len(primals))))
    _, lmap = linearize(g, *primals)
    return as_linear_operator(lmap, symmetric=True)
