r"""Implicit differentiation: ``linear_solve`` and ``root``.

linear_solve (linear in the right-hand side)
    :math:`x = A^{-1} b` for a matrix-free :math:`A` given by a linad function
    ``matvec`` that may close over traced arrays :math:`\theta`.  ``matvec`` is
    staged once into a linear program; the traced values it closes over become
    explicit operands of the primitive (closure conversion,
    :class:`~linad.ir.ClosedProgram`), so

    .. math:: \dot x = A^{-1}\,(\dot b - \dot A\,x),

    where :math:`\dot A x` is the JVP of :math:`\theta \mapsto A(\theta)\,x` at fixed
    :math:`x` (the solver's iterations are never differentiated).  Transpose:
    :math:`b \mapsto A^{-T} b`, a solve with the *transposed program* of ``matvec``
    (derived, as ``linad.linear_transpose`` does, by staging its backward pass).

root
    :math:`x^*(\theta)` with :math:`F(x^*, \theta) = 0`; by the implicit function
    theorem :math:`\dot x = -J_x^{-1} J_\theta \dot\theta`, a ``linear_solve``
    whose matvec is the JVP of :math:`F` in :math:`x` (the primal solve is a
    Newton–Krylov iteration on the Jacobian operator).

``linear_solve_p`` is the one primitive defined outside ``linad/primitives/``:
its rules call transformations (``jvp`` for :math:`\dot A x`, transposition for
:math:`A^T`), so it sits above them.
"""
from __future__ import annotations

from typing import Any, Callable, Sequence

import numpy as np
import scipy.sparse.linalg as spla

from . import tree
from .api import jvp, linearize
from .core import (Primitive, Tracer, TracerConversionError, Zero, bind, dtype_of, instantiate,
                   shape_of)
from .custom_jvp import custom_jvp
from .ir import ClosedProgram, LinearProgram
from .linearize import stage
from .primitives import linear as L
from .primitives.rules import deflinear, defjvp_full
from .transpose import transpose_program

__all__ = ["linear_solve", "root", "linear_solve_p"]


def _first_output(prog: LinearProgram, v: Any) -> Any:
    out = prog(v)[0]
    return instantiate(out)


def _solver_rtol(dtype: np.dtype) -> float:
    """Default relative residual tolerance: eps**0.7 (1e-11 in double, 1e-5 in single)."""
    return float(np.finfo(dtype).eps) ** 0.7


def _default_solve(mv: Callable, b: np.ndarray, symmetric: bool) -> np.ndarray:
    """gmres (cg when ``symmetric``) on a matrix-free operator; raises if not converged."""
    shape, n = b.shape, b.size
    if n == 0:
        return b.copy()
    op = spla.LinearOperator((n, n), matvec=lambda v: np.ravel(mv(v.reshape(shape))),
                             dtype=b.dtype)
    method = spla.cg if symmetric else spla.gmres
    x, info = method(op, b.ravel(), rtol=_solver_rtol(b.dtype), atol=0.0)
    if info != 0:
        hint = " or not positive definite (symmetric=True uses cg)" if symmetric else ""
        raise RuntimeError(
            f"linear_solve: scipy.sparse.linalg.{method.__name__} did not converge (info={info}) "
            f"on a system of size {n}. The matrix may be singular or ill-conditioned{hint}; "
            "pass your own solve=(matvec, b) -> x (e.g. a preconditioned solver).")
    return x.reshape(shape)


def _solver(consts: Sequence, matvec: ClosedProgram, solve: Callable | None,
            symmetric: bool) -> Callable:
    """A NumPy function b -> A^{-1} b for concrete constants (the program compiled once)."""
    prog = matvec.with_consts(consts)
    shape, dtype = matvec.out_aval

    def mv(v):
        return _first_output(prog, np.asarray(v, dtype))

    def run(b):
        b = np.asarray(b, dtype)
        x = _default_solve(mv, b, symmetric) if solve is None else np.asarray(solve(mv, b))
        if x.shape != shape:
            raise ValueError(f"linear_solve: solve returned an array of shape {x.shape}, "
                             f"expected {shape}")
        return x.astype(dtype, copy=False)
    return run


def _solve_impl(b, *consts, matvec, solve, transpose_solve, symmetric):
    return _solver(consts, matvec, solve, symmetric)(b)


linear_solve_p = Primitive("linear_solve", _solve_impl)


def linear_solve(matvec: Callable, b: Any, solve: Callable | None = None,
                 transpose_solve: Callable | None = None, symmetric: bool = False) -> Any:
    """Solve ``A x = b`` for a matrix-free ``A``, differentiably (implicit differentiation).

    Parameters
    ----------
    matvec : callable
        ``v -> A v``, a linad (or NumPy) function, linear in ``v``, mapping arrays
        of ``b``'s shape to arrays of ``b``'s shape.  It may close over traced
        arrays (parameters being differentiated): it is staged once into a linear
        program whose traced constants become operands of the solve.
    b : array
        The right-hand side (any shape; traced or not).
    solve : callable, optional
        ``solve(matvec, b) -> x`` on NumPy arrays (``matvec`` is then a NumPy
        function).  Default: ``scipy.sparse.linalg.gmres`` (``cg`` when
        ``symmetric``) with relative tolerance ``eps**0.7``; not converging raises
        ``RuntimeError``.
    transpose_solve : callable, optional
        The same for ``A^T`` (used by reverse mode); default: as ``solve`` when
        ``symmetric``, else the default solver.
    symmetric : bool
        ``A`` equals its transpose (real symmetric positive definite for the
        default ``cg``): reverse mode reuses ``matvec`` and ``solve``.

    Returns
    -------
    x : array of ``b``'s shape
        Its derivative is ``A^{-1} (db - dA x)``: never a derivative of the
        solver's iterations.  Reverse mode solves with ``A^T``, whose matvec is
        derived by transposing ``matvec``'s program.

    Examples
    --------
    >>> import numpy as np, linad
    >>> def loss(theta, b):                # x = b / (1 + theta), solved matrix-free
    ...     x = linad.linear_solve(lambda v: (1.0 + theta) * v, b)
    ...     return (x ** 2).sum()
    >>> theta, b = np.array([1.0, 3.0]), np.array([2.0, 4.0])
    >>> linad.grad(loss)(theta, b)         # -2 b^2 / (1 + theta)^3
    array([-1. , -0.5])
    """
    b = b if isinstance(b, Tracer) else np.asarray(b)
    if not np.issubdtype(dtype_of(b), np.inexact):
        b = L.convert(b, np.result_type(dtype_of(b), np.float64))
    prog = _stage_matvec(matvec, b)
    out_dtype = prog.outs[0].dtype
    if out_dtype != dtype_of(b):   # A is complex and b real: solve in A's dtype
        b = L.convert(b, np.result_type(out_dtype, dtype_of(b)))
        prog = _stage_matvec(matvec, b)
    closed, consts = ClosedProgram.convert(prog)
    return bind(linear_solve_p, b, *consts, matvec=closed, solve=solve,
                transpose_solve=transpose_solve, symmetric=bool(symmetric))


def _stage_matvec(matvec: Callable, b: Any) -> LinearProgram:
    shape, dtype = tuple(shape_of(b)), np.dtype(dtype_of(b))
    prog = stage(lambda v: [matvec(v)], [(shape, dtype)], name="linear_solve")
    out = prog.outs[0]
    if tuple(out.shape) != shape:
        raise ValueError(f"linear_solve: matvec maps arrays of shape {shape} to shape "
                         f"{tuple(out.shape)}; A must be square (matvec(v) of v's shape)")
    return prog


def _solve_shape(b, *consts, matvec, solve, transpose_solve, symmetric):
    return tuple(b[0]), matvec.out_aval[1]


def _solve_jvp(primals, tangents, *, matvec, solve, transpose_solve, symmetric):
    params = dict(matvec=matvec, solve=solve, transpose_solve=transpose_solve,
                  symmetric=symmetric)
    b, consts = primals[0], list(primals[1:])
    x = bind(linear_solve_p, b, *consts, **params)
    rhs = None if type(tangents[0]) is Zero else tangents[0]
    active = [k for k, t in enumerate(tangents[1:]) if type(t) is not Zero]
    if active:
        def a_times_x(*cs):   # theta -> A(theta) x at fixed x
            full = list(consts)
            for k, c in zip(active, cs):
                full[k] = c
            return _first_output(matvec.with_consts(full), x)
        _, dax = jvp(a_times_x, [consts[k] for k in active], [tangents[1 + k] for k in active])
        dax = L.fit_dtype(dax, dtype_of(x))
        rhs = L.neg(dax) if rhs is None else L.sub(rhs, dax)
    if rhs is None:
        return x, Zero.like(x)
    return x, bind(linear_solve_p, rhs, *consts, **params)


def _solve_transpose(ct, b, *consts, matvec, solve, transpose_solve, symmetric):
    if symmetric:
        mv_t, consts_t = matvec, list(consts)
    else:
        mv_t, consts_t = ClosedProgram.convert(transpose_program(matvec.with_consts(consts)))
    x_ct = bind(linear_solve_p, ct, *consts_t, matvec=mv_t, solve=transpose_solve,
                transpose_solve=solve, symmetric=symmetric)
    return [L.fit_dtype(x_ct, b.dtype)] + [None] * len(consts)


def _solve_batch(args, dims, **params):
    """One solve per right-hand side; on concrete values the solver is set up once."""
    if any(d is not None for d in dims[1:]) or any(isinstance(a, Tracer) for a in args):
        return L.loop_batch_rule(linear_solve_p)(args, dims, **params)
    run = _solver(args[1:], params["matvec"], params["solve"], params["symmetric"])
    b = np.moveaxis(args[0], dims[0], 0)
    if not len(b):
        return np.zeros(b.shape, params["matvec"].out_aval[1]), 0
    return np.stack([run(bi) for bi in b]), 0


deflinear(linear_solve_p, linear_in=(0,), aval_rule=_solve_shape,
          transpose_rule=_solve_transpose, batch_rule=_solve_batch)
defjvp_full(linear_solve_p, _solve_jvp)


class _RootProblem:
    """The static part of a root-finding problem (a non-differentiated argument)."""

    __slots__ = ("f", "solver", "tol", "maxiter")

    def __init__(self, f, solver, tol, maxiter):
        self.f, self.solver, self.tol, self.maxiter = f, solver, tol, maxiter

    def __repr__(self) -> str:
        return f"root_problem({getattr(self.f, '__name__', 'f')})"


def _newton_krylov(fun: Callable, x0: np.ndarray, tol: float, maxiter: int) -> np.ndarray:
    """Newton's method; each step solves J dx = -F with gmres on the Jacobian operator."""
    x = np.array(x0)
    f0 = None
    for _ in range(maxiter):
        fx, f_lin = linearize(fun, x)      # f_lin.to_scipy() is jacobian_operator(fun, x)
        fx = np.asarray(fx)
        if fx.shape != x.shape:
            raise ValueError(f"root: f(x, *args) has shape {fx.shape} but x has shape "
                             f"{x.shape}; F must map x to a residual of x's shape")
        if not np.all(np.isfinite(fx)):
            raise FloatingPointError("root: f(x, *args) is not finite during Newton's method")
        norm_f = np.linalg.norm(fx)
        if norm_f == 0.0:
            return x
        f0 = norm_f if f0 is None else f0
        eta = min(0.5, max(norm_f / f0, _solver_rtol(x.dtype)))   # inexact Newton forcing
        dx, info = spla.gmres(f_lin.to_scipy(), -fx.ravel(), rtol=eta, atol=0.0)
        small = np.linalg.norm(dx) <= tol * (1.0 + np.linalg.norm(x))
        if small and info != 0:
            raise RuntimeError("root: the Jacobian is singular at the current iterate (GMRES "
                               "cannot reduce the residual |f| = {:.3g}); try another x0".format(
                                   norm_f))
        x = x + dx.reshape(x.shape).astype(x.dtype, copy=False)
        if small:
            return x
    raise RuntimeError(f"root: Newton's method did not converge in {maxiter} iterations "
                       "(raise maxiter, improve x0, or pass solver=)")


def _root_solve(problem: _RootProblem, x0: np.ndarray, args: tuple) -> np.ndarray:
    if any(isinstance(v, Tracer) for v in tree.leaves((x0, args))):
        # under linad.vmap: the batch is solved element by element, on concrete values
        raise TracerConversionError("root: the solver runs on concrete values of x0 and args")
    def fun(x):
        out = problem.f(x, *args)
        if isinstance(out, Tracer) and not isinstance(x, Tracer):
            raise TypeError("root: f closes over a traced value; pass the values being "
                            "differentiated through args=(...) instead")
        return out
    fun(x0)
    if problem.solver is not None:
        x = np.asarray(problem.solver(lambda x: np.asarray(fun(x)), np.array(x0)))
    else:
        x = _newton_krylov(fun, x0, problem.tol, problem.maxiter)
    return x.astype(x0.dtype, copy=False).reshape(x0.shape)


_root = custom_jvp(_root_solve, nondiff_argnums=(0,))


@_root.defjvp
def _root_jvp(problem: _RootProblem, primals: tuple, tangents: tuple):
    x0, args = primals
    x = _root(problem, x0, args)
    a_leaves, a_tree = tree.flatten(args)
    t_leaves = tree.leaves(tangents[1])
    live = [k for k, a in enumerate(a_leaves) if np.issubdtype(dtype_of(a), np.inexact)]

    def f_of_theta(*ls):
        full = list(a_leaves)
        for k, leaf in zip(live, ls):
            full[k] = leaf
        return problem.f(x, *tree.unflatten(a_tree, full))

    _, f_theta_dot = jvp(f_of_theta, [a_leaves[k] for k in live], [t_leaves[k] for k in live])

    def jx(v):   # v -> J_x v, the JVP of F in x at the root
        return jvp(lambda y: problem.f(y, *args), (x,), (v,))[1]

    return x, linear_solve(jx, L.neg(L.fit_dtype(f_theta_dot, dtype_of(x))))


def root(f: Callable, x0: Any, args: Sequence = (), *, solver: Callable | None = None,
         tol: float = 1e-10, maxiter: int = 50) -> Any:
    """A root ``x*`` of ``f(x, *args) = 0``, differentiable w.r.t. ``args``.

    The derivative follows from the implicit function theorem,
    ``dx* = -J_x^{-1} J_args d(args)``: one :func:`linear_solve` whose matvec is the
    JVP of ``f`` in ``x`` at the root (reverse mode solves with ``J_x^T``).  The
    solver's iterations are never differentiated, and ``x0`` gets no derivative.

    Parameters
    ----------
    f : callable
        ``f(x, *args)``, a linad/NumPy function returning an array of ``x``'s shape.
        Values to differentiate must be passed through ``args``, not closed over.
    x0 : array
        Initial guess.
    args : tuple
        Extra arguments (pytrees of arrays), traced or not.
    solver : callable, optional
        ``solver(fun, x0) -> x`` on NumPy arrays, e.g.
        ``lambda fun, x0: scipy.optimize.root(fun, x0).x``.  Default: Newton's
        method with gmres on the Jacobian operator (``jacobian_operator``),
        stopping when ``|dx| <= tol (1 + |x|)``.
    tol, maxiter : float, int
        For the default solver.

    Examples
    --------
    >>> import numpy as np, linad
    >>> cube_root = lambda a: linad.root(lambda x, a: x ** 3 - a, np.ones(2), (a,))
    >>> a = np.array([8.0, 27.0])
    >>> np.round(cube_root(a), 12)
    array([2., 3.])
    >>> np.allclose(linad.grad(lambda a: cube_root(a).sum())(a), a ** (-2 / 3) / 3)
    True
    """
    args = tuple(args) if isinstance(args, (tuple, list)) else (args,)
    if not isinstance(x0, Tracer):
        x0 = np.asarray(x0)
        if not np.issubdtype(x0.dtype, np.inexact):
            x0 = x0.astype(float)
    return _root(_RootProblem(f, solver, tol, maxiter), x0, args)
