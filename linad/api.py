"""User-facing transformations: jvp, linearize, vjp, grad, value_and_grad, elementwise_grad,
linear_transpose.

Names, signatures and conventions follow JAX's (``jax.jvp``, ``jax.linearize``,
``jax.vjp``, ``jax.grad``, ``jax.linear_transpose``; ``elementwise_grad`` is
autograd's).  Differences are stated in each docstring.
"""
from __future__ import annotations

from typing import Any, Callable, Sequence

import numpy as np

from . import tree
from .core import Tracer, Zero, dtype_of, instantiate, is_inexact, shape_of
from .jvp import JVPTracer, run_dual
from .linear_map import LinearMap
from .linearize import linearize_flat, stage
from .transpose import backward_pass

__all__ = ["jvp", "linearize", "vjp", "grad", "value_and_grad", "elementwise_grad",
           "linear_transpose"]


# ----------------------------------------------------------------------------- inputs

def as_primal(x: Any, k: int, where: str) -> Any:
    """Accept a Python scalar, NumPy array or tracer as a differentiable primal."""
    if not isinstance(x, Tracer):
        x = np.asarray(x)
        if x.dtype == object:
            raise TypeError(f"{where}: input {k} is not an array of numbers ({type(x)!r})")
    if not is_inexact(dtype_of(x)):
        raise TypeError(
            f"{where}: input {k} has dtype {dtype_of(x)}, but linad differentiates only with "
            "respect to float or complex inputs (integer and boolean inputs have no tangent). "
            "Pass a float array (e.g. np.asarray(x, dtype=float)), or leave this input out of "
            "argnums / close over it if it is not a variable.")
    return x


def check_tangent(t: Any, p: Any, k: int, where: str, kind: str = "tangent") -> Any:
    """Check a tangent (or cotangent) against its primal's shape and dtype."""
    if not isinstance(t, Tracer):
        weak = isinstance(t, (int, float, complex)) and not isinstance(t, bool)
        t = np.asarray(t, dtype=dtype_of(p) if weak else None)
    if tuple(shape_of(t)) != tuple(shape_of(p)):
        raise ValueError(
            f"{where}: {kind} {k} has shape {tuple(shape_of(t))} but its primal has shape "
            f"{tuple(shape_of(p))}; a {kind} must have exactly the shape of its primal.")
    if dtype_of(t) != dtype_of(p):
        raise TypeError(
            f"{where}: {kind} {k} has dtype {dtype_of(t)} but its primal has dtype "
            f"{dtype_of(p)}; a {kind} must have its primal's dtype "
            f"(use .astype(np.{np.dtype(dtype_of(p)).name})).")
    return t


def _flat_args(args: Sequence, where: str) -> tuple[list, Any]:
    leaves, td = tree.flatten(tuple(args))
    return [as_primal(x, k, where) for k, x in enumerate(leaves)], td


def _flat_fun(f: Callable, in_tree, store: dict, has_aux: bool = False) -> Callable:
    """``f`` on flat leaves; records the output structure (and aux) in ``store``."""
    def f_flat(*leaves):
        out = f(*tree.unflatten(in_tree, leaves))
        if has_aux:
            if not (isinstance(out, (tuple, list)) and len(out) == 2):
                raise TypeError("with has_aux=True the function must return a pair (output, aux)")
            out, aux = out
            store["aux"] = aux
        out_leaves, store["out_tree"] = tree.flatten(out)
        return out_leaves
    return f_flat


def _zeros_if_symbolic(x: Any) -> Any:
    return instantiate(x) if type(x) is Zero else _as_array(x)


def _as_array(x: Any) -> Any:
    """Outputs are arrays (0-d ones too), not NumPy scalars, as JAX returns arrays."""
    return np.asarray(x) if isinstance(x, np.generic) else x


# ----------------------------------------------------------------------------- forward mode

def jvp(f: Callable, primals: Sequence, tangents: Sequence, has_aux: bool = False):
    """Evaluate ``f`` and its directional derivative (forward mode).

    Tangents are computed eagerly alongside the primals; no program is built.

    Parameters
    ----------
    f : callable
        A function of ``len(primals)`` positional pytree arguments.
    primals, tangents : sequence
        The point and the direction, pytrees of the same structure, shapes and
        dtypes.
    has_aux : bool
        ``f`` returns ``(out, aux)``; ``aux`` is returned as it is, not
        differentiated.

    Returns
    -------
    (out, out_tangent), or (out, out_tangent, aux) with ``has_aux=True``

    Examples
    --------
    >>> import numpy as np, linad
    >>> linad.jvp(np.sin, (0.0,), (2.0,))
    (array(0.), array(2.))
    >>> linad.jvp(lambda x: (x ** 2, "aux"), (3.0,), (1.0,), has_aux=True)
    (array(9.), array(6.), 'aux')
    """
    p_leaves, in_tree = _flat_args(primals, "jvp")
    t_leaves, t_tree = tree.flatten(tuple(tangents))
    if t_tree != in_tree:
        raise TypeError(f"jvp: tangents have structure {t_tree!r}, primals {in_tree!r}; "
                        "they must match")
    t_leaves = [check_tangent(t, p, k, "jvp") for k, (t, p) in enumerate(zip(t_leaves, p_leaves))]
    store: dict = {}
    primals_out, tangents_out = jvp_flat(_flat_fun(f, in_tree, store, has_aux), p_leaves,
                                         t_leaves)
    td = store["out_tree"]
    out = (tree.unflatten(td, [_as_array(p) for p in primals_out]),
           tree.unflatten(td, [_as_array(t) for t in tangents_out]))
    return out + (_aux_value(store),) if has_aux else out


def jvp_flat(f_flat: Callable, primals: Sequence, tangents: Sequence,
             name: str = "jvp") -> tuple[list, list]:
    """``jvp`` on flat lists of checked leaves: flat primal and tangent outputs.

    Symbolic zero tangents are instantiated (as arrays of zeros).
    """
    primals_out, tangents_out = run_dual(f_flat, primals, tangents, name)
    return primals_out, [_zeros_if_symbolic(t) for t in tangents_out]


# ----------------------------------------------------------------------------- linearize

def linearize(f: Callable, *primals: Any, has_aux: bool = False):
    """Evaluate ``f`` and record its tangent map as a linear program.

    Parameters
    ----------
    f : callable
        A function of ``len(primals)`` positional pytree arguments.
    *primals : pytrees of arrays
        The point of linearization.
    has_aux : bool
        ``f`` returns ``(out, aux)``; ``aux`` is returned as it is, not
        differentiated.

    Returns
    -------
    out : pytree
        ``f(*primals)``.
    f_lin : LinearMap
        The tangent map: ``f_lin(*tangents)`` runs only the recorded program;
        ``f_lin.T`` is its transpose, ``print(f_lin)`` shows the program.
    aux
        Only with ``has_aux=True``.

    Examples
    --------
    >>> import numpy as np, linad
    >>> out, f_lin = linad.linearize(np.sin, 0.0)
    >>> f_lin(3.0)
    array(3.)
    >>> out, f_lin, aux = linad.linearize(lambda x: (3 * x, 2 * x), 1.0, has_aux=True)
    >>> f_lin(2.0), aux
    (array(6.), array(2.))
    """
    out, f_lin, aux = _linearize(f, primals, has_aux, "linearize")
    return (out, f_lin, aux) if has_aux else (out, f_lin)


def _linearize(f: Callable, primals: Sequence, has_aux: bool, where: str):
    p_leaves, in_tree = _flat_args(primals, where)
    store: dict = {}
    out_leaves, program = linearize_flat(_flat_fun(f, in_tree, store, has_aux), p_leaves, where)
    out_tree = store["out_tree"]
    lmap = LinearMap(program, in_tree, out_tree, in_is_args=True, out_is_args=False)
    aux = _aux_value(store) if has_aux else None
    return tree.unflatten(out_tree, [_as_array(o) for o in out_leaves]), lmap, aux


def _aux_value(store: dict) -> Any:
    """The aux output recorded by :func:`_flat_fun`, with finished transformations' tracers
    replaced by their primal values."""
    return tree.tree_map(lambda x: _as_array(_strip(x)), store["aux"])


def _strip(x: Any) -> Any:
    """The primal value of a tracer of a finished transformation (for aux outputs)."""
    while isinstance(x, JVPTracer) and not x._trace.alive:
        x = x.primal
    return x


# ----------------------------------------------------------------------------- reverse mode

def vjp(f: Callable, *primals: Any, has_aux: bool = False):
    """Evaluate ``f`` and return its pullback (vector-Jacobian product).

    The pullback is the transpose of the linearized program; no reverse rule is
    ever written by hand.

    Returns
    -------
    (out, f_vjp) or (out, f_vjp, aux)
        ``f_vjp(ct)`` returns a tuple with one cotangent per primal, each of the
        primal's shape and dtype.

    Examples
    --------
    >>> import numpy as np, linad
    >>> A = np.array([[1., 2.], [3., 4.]])
    >>> out, f_vjp = linad.vjp(lambda X: A @ X, np.eye(2))
    >>> f_vjp(np.ones((2, 2)))[0]
    array([[4., 4.],
           [6., 6.]])
    """
    return _vjp(f, primals, has_aux, "vjp")


def _vjp(f: Callable, primals: Sequence, has_aux: bool, name: str):
    """``vjp`` under the name of the user-facing transformation (for error messages)."""
    out, lmap, aux = _linearize(f, primals, has_aux, name)
    program = lmap.program
    out_avals = lmap.out_avals
    out_tree = lmap.out_tree
    in_tree = lmap.in_tree

    def f_vjp(ct: Any) -> tuple:
        ct_leaves, ct_tree = tree.flatten(ct)
        if ct_tree != out_tree:
            raise TypeError(f"vjp: cotangent structure {ct_tree!r} does not match the output "
                            f"structure {out_tree!r}")
        cts = [check_tangent(c, _AvalOnly(*a), k, "vjp", "cotangent")
               for k, (c, a) in enumerate(zip(ct_leaves, out_avals))]
        cts_in = backward_pass(program, cts)
        return tree.unflatten(in_tree, [_zeros_if_symbolic(c) for c in cts_in])

    if has_aux:
        return out, f_vjp, aux
    return out, f_vjp


class _AvalOnly:
    __slots__ = ("shape", "dtype")

    def __init__(self, shape, dtype):
        self.shape, self.dtype = shape, dtype


def _argnums_tuple(argnums: int | Sequence[int], nargs: int, where: str) -> tuple[int, ...]:
    if type(argnums) is int and -nargs <= argnums < nargs:  # the common case
        return (argnums % nargs,)
    nums = (argnums,) if isinstance(argnums, int) else tuple(argnums)
    for a in nums:
        if not isinstance(a, int) or not -nargs <= a < nargs:
            raise ValueError(f"{where}: argnums {argnums!r} is out of range for a call with "
                             f"{nargs} positional arguments")
    return tuple(a % nargs for a in nums)


def with_diff_args(f: Callable, args: tuple, kwargs: dict, nums: tuple) -> Callable:
    """``f`` as a function of ``args[i] for i in nums`` only, the other arguments fixed."""
    def g(*diff):
        full = list(args)
        for i, d in zip(nums, diff):
            full[i] = d
        return f(*full, **kwargs)
    return g


def _check_diff_inputs(args: tuple, nums: tuple, holomorphic: bool, where: str) -> None:
    """Differentiated arguments must be float or complex; complex with ``holomorphic``."""
    for i in nums:
        for leaf in tree.leaves(args[i]):
            dt = np.dtype(dtype_of(leaf if isinstance(leaf, Tracer) else np.asarray(leaf)))
            if holomorphic and dt.kind != "c":
                raise TypeError(
                    f"{where} with holomorphic=True requires complex inputs, but argument {i} "
                    f"has dtype {dt}. Pass it as a complex array (.astype(complex)), or drop "
                    "holomorphic=True.")
            if not is_inexact(dt):
                raise TypeError(
                    f"{where}: argument {i} has dtype {dt}; linad differentiates only with "
                    "respect to float or complex inputs. Pass it as a float array "
                    "(np.asarray(x, dtype=float)), or remove it from argnums.")


def value_and_grad(f: Callable, argnums: int | Sequence[int] = 0, has_aux: bool = False,
                   holomorphic: bool = False) -> Callable:
    """A function returning ``f``'s value and its gradient w.r.t. ``argnums``.

    ``f`` must return a real scalar.  With ``has_aux=True`` ``f`` returns
    ``(value, aux)`` and the result is ``((value, aux), grad)``.  For a real
    function of complex input the gradient follows JAX's convention (the
    transpose, not the adjoint: ``grad(lambda z: abs(z)**2)(z) == 2*conj(z)``).

    With ``holomorphic=True`` (JAX's flag) the inputs and the scalar output must
    be complex, and the result is the pullback of the cotangent ``1``: for a
    holomorphic ``f`` that is the complex derivative ``f'(z)`` itself, not its
    conjugate.  For an ``f`` that is not holomorphic it is the derivative of
    the real part of ``f`` in the convention above; the flag is a promise, it
    is not checked.

    Examples
    --------
    >>> import numpy as np, linad
    >>> linad.value_and_grad(lambda x: (x ** 2).sum())(np.array([1.0, 2.0]))
    (array(5.), array([2., 4.]))
    >>> linad.value_and_grad(lambda z: z ** 3, holomorphic=True)(np.complex128(1j))
    (array(-0.-1.j), array(-3.+0.j))
    """
    where = "grad"

    def vg(*args, **kwargs):
        nums = _argnums_tuple(argnums, len(args), where)
        _check_diff_inputs(args, nums, holomorphic, where)
        res = _vjp(with_diff_args(f, args, kwargs, nums), [args[i] for i in nums], has_aux,
                   where)
        out, f_vjp = res[0], res[1]
        _check_scalar_output(out, holomorphic)
        grads = f_vjp(np.ones((), dtype_of(out)))
        g_out = grads[0] if isinstance(argnums, int) else grads
        if has_aux:
            return (out, res[2]), g_out
        return out, g_out

    vg.__name__ = f"value_and_grad({getattr(f, '__name__', 'f')})"
    return vg


def _check_scalar_output(out: Any, holomorphic: bool = False) -> None:
    if isinstance(out, (tuple, list, dict)) or out is None:
        raise TypeError("grad requires a function returning one real scalar; it returned a "
                        f"{type(out).__name__}. Use linad.vjp or linad.jacrev for structured "
                        "outputs, or has_aux=True to return auxiliary data.")
    shape = tuple(shape_of(out))
    if shape != ():
        raise TypeError(
            f"grad requires a scalar output, but the function returned an array of shape "
            f"{shape}. Reduce it (e.g. .sum()), or use linad.vjp / linad.jacrev for "
            "non-scalar outputs.")
    _check_output_dtype(dtype_of(out), holomorphic, "grad", "scalar output")


def _check_output_dtype(dtype: Any, holomorphic: bool, where: str, what: str = "output") -> None:
    """Reverse mode from a ones cotangent: a real output, or with ``holomorphic`` a complex one."""
    dtype = np.dtype(dtype)
    if holomorphic:
        if dtype.kind != "c":
            raise TypeError(
                f"{where} with holomorphic=True requires a complex {what}, got dtype {dtype}. "
                "Drop holomorphic=True for a real-valued function.")
    elif dtype.kind != "f":
        hint = (" For a holomorphic function pass holomorphic=True; otherwise differentiate "
                "its real part, or use linad.vjp." if dtype.kind == "c" else "")
        raise TypeError(
            f"{where} requires a real floating-point {what}, got dtype {dtype}.{hint}")


def grad(f: Callable, argnums: int | Sequence[int] = 0, has_aux: bool = False,
         holomorphic: bool = False) -> Callable:
    """The gradient of a scalar function ``f`` w.r.t. the arguments ``argnums``.

    Reverse mode: ``f`` is linearized once and the linear program transposed.

    Parameters
    ----------
    f : callable
        Returns a real scalar (or ``(scalar, aux)`` with ``has_aux=True``).
    argnums : int or tuple of int
        Which positional arguments to differentiate; a tuple gives a tuple of
        gradients.
    has_aux : bool
        Return ``(grad, aux)``.
    holomorphic : bool
        ``f`` is holomorphic: complex inputs and a complex scalar output; the
        result is the complex derivative ``f'(z)`` (see :func:`value_and_grad`).

    Examples
    --------
    >>> import numpy as np, linad
    >>> X = np.array([[1.0, 2.0], [3.0, 4.0]])
    >>> linad.grad(lambda X: (X.T @ X).sum())(X)
    array([[ 6.,  6.],
           [14., 14.]])
    >>> z = np.complex128(1 + 2j)
    >>> bool(np.isclose(linad.grad(np.sin, holomorphic=True)(z), np.cos(z)))
    True
    """
    vg = value_and_grad(f, argnums, has_aux, holomorphic)

    def g(*args, **kwargs):
        (value_aux, gr) = vg(*args, **kwargs)
        if has_aux:
            return gr, value_aux[1]
        return gr

    g.__name__ = f"grad({getattr(f, '__name__', 'f')})"
    return g


def elementwise_grad(f: Callable, argnums: int | Sequence[int] = 0) -> Callable:
    """The gradient of ``sum(f(x))``: the pullback of a cotangent of ones (autograd's name).

    For an ``f`` that acts elementwise (``y[i]`` depends on ``x[i]`` only, as for
    ``np.tanh``) this is the derivative of each element, ``f'(x)`` evaluated
    elementwise, for the cost of one reverse pass.  For any other ``f`` it is
    the column sums of the Jacobian, ``J^T 1`` — *not* an elementwise
    derivative.

    Parameters
    ----------
    f : callable
        Returns a real array (or a pytree of real arrays: all their elements
        are summed).
    argnums : int or tuple of int
        Which positional arguments to differentiate, as for :func:`grad`.

    Examples
    --------
    >>> import numpy as np, linad
    >>> x = np.array([0.0, 1.0, 2.0])
    >>> linad.elementwise_grad(np.tanh)(x)       # 1 - tanh(x)**2
    array([1.        , 0.41997434, 0.07065082])
    """
    where = "elementwise_grad"

    def eg(*args, **kwargs):
        nums = _argnums_tuple(argnums, len(args), where)
        _check_diff_inputs(args, nums, False, where)
        out, f_vjp = _vjp(with_diff_args(f, args, kwargs, nums), [args[i] for i in nums],
                          False, where)
        for leaf in tree.leaves(out):
            _check_output_dtype(dtype_of(leaf), False, where)
        grads = f_vjp(tree.tree_map(lambda o: np.ones(shape_of(o), dtype_of(o)), out))
        return grads[0] if isinstance(argnums, int) else grads

    eg.__name__ = f"elementwise_grad({getattr(f, '__name__', 'f')})"
    return eg


# ----------------------------------------------------------------------------- transposition

def linear_transpose(f: Callable, *primals: Any) -> LinearMap:
    """The transpose of a linear function ``f``, staged at the shapes of ``primals``.

    ``f`` must be linear in its arguments and written with linad (or NumPy)
    operations; a nonlinear ``f`` raises :class:`linad.LinearityError` naming the
    operation and operand.  Only the shapes and dtypes of ``primals`` are used.

    Returns
    -------
    LinearMap
        Called with one output cotangent, it returns a tuple of input cotangents.

    Examples
    --------
    >>> import numpy as np, linad
    >>> A = np.array([[1., 2.], [3., 4.]])
    >>> f_t = linad.linear_transpose(lambda x: A @ x, np.zeros(2))
    >>> f_t(np.array([1., 0.]))
    (array([1., 2.]),)
    """
    p_leaves, in_tree = _flat_args(primals, "linear_transpose")
    store: dict = {}
    avals = [(shape_of(p), dtype_of(p)) for p in p_leaves]
    program = stage(_flat_fun(f, in_tree, store), avals, name="linear_transpose")
    lmap = LinearMap(program, in_tree, store["out_tree"], in_is_args=True, out_is_args=False)
    return lmap.T
