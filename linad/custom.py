r"""Custom rules, user linear operators and implicit differentiation.

custom_jvp
    ``@custom_jvp`` + ``.defjvp(rule)``: the user states the JVP rule of a
    function; reverse mode and higher orders come, as for every primitive, from
    linearizing the rule and transposing.  Each decorated function becomes its
    own primitive (named ``custom_jvp:<name>``, not registered in
    ``core.PRIMITIVES``) whose ``jvp_rule`` stages the user's rule in the
    tangents — a linear program, so a rule that is not linear in its tangents
    raises :class:`linad.LinearityError` — and applies it to the actual tangents
    with symbolic zeros skipped.

linop_apply (linear)
    :math:`y = L x` for a user's SciPy ``LinearOperator`` ``L`` (or any object
    with ``shape``, ``matvec`` and ``rmatvec``).  JVP: :math:`\dot y = L \dot x`.
    Transpose (bilinear pairing, no conjugation):
    :math:`L^T v = \overline{L^H \bar v}`, computed with ``L.rmatvec``; a real
    input meeting a complex ``L`` gets the real part.  Batched: ``L.matmat``.

linear_solve (linear in the right-hand side)
    :math:`x = A^{-1} b` for a matrix-free :math:`A` given by a linad function
    ``matvec`` that may close over traced arrays :math:`\theta`.  ``matvec`` is
    staged once into a linear program; the traced values it closes over become
    explicit operands of the primitive (closure conversion), so

    .. math:: \dot x = A^{-1}\,(\dot b - \dot A\,x),

    where :math:`\dot A x` is the JVP of :math:`\theta \mapsto A(\theta)\,x` at fixed
    :math:`x` (implicit differentiation: the solver's iterations are never
    differentiated).  Transpose: :math:`b \mapsto A^{-T} b`, a solve with the
    *transposed program* of ``matvec`` (derived, as ``linad.linear_transpose``
    does, by staging its backward pass).

root
    :math:`x^*(\theta)` with :math:`F(x^*, \theta) = 0`; by the implicit function
    theorem :math:`\dot x = -J_x^{-1} J_\theta \dot\theta`, a ``linear_solve``
    whose matvec is the JVP of :math:`F` in :math:`x` (the primal solve is a
    Newton–Krylov iteration on the Jacobian operator).
"""
from __future__ import annotations

import functools
import inspect
from typing import Any, Callable, Sequence

import numpy as np
import scipy.sparse.linalg as spla

from . import tree
from .api import jvp, linearize
from .core import PRIMITIVES, Primitive, Tracer, Zero, bind, dtype_of, format_aval, shape_of
from .linearize import StagingTrace, StagingTracer, stage, transpose_program
from .primitives import linear as L
from .primitives.rules import deflinear, defjvp_full, instantiate
from .program import Equation, LinearProgram, Var

__all__ = ["custom_jvp", "linop", "linop_apply", "linear_solve", "root"]


# ============================================================================ custom_jvp

def _unregistered_primitive(name: str, impl: Callable, multiple_results: bool = False) -> Primitive:
    """A primitive that is not entered in ``core.PRIMITIVES``.

    Primitives made at run time for user functions (one per ``custom_jvp``) are
    not part of the library's primitive set: registering them would keep every
    decorated function alive forever and make the systematic suite's coverage
    check depend on which user code happened to run first.
    """
    prim = Primitive(name, impl, multiple_results=multiple_results)
    PRIMITIVES.pop(name, None)
    return prim


class CustomJVPFunction:
    """A function with a user-defined JVP rule (made by :func:`custom_jvp`).

    Calling it binds its own primitive (``self.prim``, named
    ``custom_jvp:<name>``, not entered in ``core.PRIMITIVES``): on NumPy values
    the primitive runs the function, under a transformation it stages the rule.

    Examples
    --------
    >>> import numpy as np, linad
    >>> f = linad.custom_jvp(lambda x: 2.0 * x)
    >>> rule = f.defjvp(lambda primals, tangents: (f(primals[0]), 3.0 * tangents[0]))
    >>> float(linad.grad(f)(1.0))          # the rule, not the function, is differentiated
    3.0
    """

    def __init__(self, fun: Callable, nondiff_argnums: Sequence[int] = ()):
        functools.update_wrapper(self, fun)
        self.fun = fun
        self.nondiff_argnums = tuple(sorted(set(int(i) for i in nondiff_argnums)))
        self.jvp_rule: Callable | None = None
        name = getattr(fun, "__qualname__", getattr(fun, "__name__", "fun"))
        self.prim = _unregistered_primitive(f"custom_jvp:{name}", self._impl,
                                            multiple_results=True)
        defjvp_full(self.prim, self._jvp)

    def defjvp(self, rule: Callable) -> Callable:
        """Set the JVP rule: ``rule(*nondiff_args, primals, tangents) -> (out, out_tangent)``.

        ``primals`` and ``tangents`` are tuples of the differentiated arguments
        (pytrees).  The rule is run once per use with *staged* tangents (linear
        values, recorded into a small linear program that is then applied to the
        actual tangents, skipping those that are zero), so it must return the
        primal output and a tangent computed from ``tangents`` with linear
        operations only.  Returns ``rule`` so it can be used as a decorator.
        """
        self.jvp_rule = rule
        return rule

    # -- calling ----------------------------------------------------------------------
    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if self.jvp_rule is None:
            raise TypeError(f"custom_jvp function {self.__name__!r} has no JVP rule: define one "
                            f"with @{self.__name__}.defjvp before calling it")
        args = self._positional(args, kwargs)
        for i in self.nondiff_argnums:
            if i >= len(args):
                raise TypeError(f"{self.__name__}: nondiff_argnums {self.nondiff_argnums} refers "
                                f"to argument {i}, but it was called with {len(args)} arguments")
            if any(isinstance(x, Tracer) for x in tree.leaves(args[i])):
                raise TypeError(
                    f"{self.__name__}: argument {i} is in nondiff_argnums but is a traced value. "
                    "Non-differentiable arguments must be static (functions, shapes, "
                    "constants); pass traced arrays as differentiable arguments.")
        nondiff = tuple(args[i] for i in self.nondiff_argnums)
        diff = tuple(a for i, a in enumerate(args) if i not in self.nondiff_argnums)
        leaves, in_tree = tree.flatten(diff)
        leaves = [x if isinstance(x, Tracer) else np.asarray(x) for x in leaves]
        store: dict = {}
        outs = bind(self.prim, *leaves, in_tree=in_tree, nondiff=nondiff, store=store)
        return tree.unflatten(store["out_tree"], outs)

    def _positional(self, args: tuple, kwargs: dict) -> tuple:
        if not kwargs:
            return args
        bound = inspect.signature(self.fun).bind(*args, **kwargs)
        bound.apply_defaults()
        if bound.kwargs:
            raise TypeError(f"{self.__name__}: keyword-only arguments are not supported by "
                            "custom_jvp; make them positional")
        return bound.args

    def _full_args(self, nondiff: tuple, diff: tuple) -> list:
        full, it_nd, it_d = [], iter(nondiff), iter(diff)
        for i in range(len(nondiff) + len(diff)):
            full.append(next(it_nd) if i in self.nondiff_argnums else next(it_d))
        return full

    def _impl(self, *leaves, in_tree, nondiff, store):
        out = self.fun(*self._full_args(nondiff, tree.unflatten(in_tree, leaves)))
        out_leaves, store["out_tree"] = tree.flatten(out)
        if any(isinstance(o, Tracer) for o in out_leaves):
            raise TypeError(
                f"custom_jvp function {self.__name__!r} returned a traced value for concrete "
                "arguments: it closes over a value being differentiated, which would bypass its "
                "JVP rule. Pass that value as an argument instead.")
        return out_leaves

    def _jvp(self, primals, tangents, *, in_tree, nondiff, store):
        if all(type(t) is Zero for t in tangents):
            outs = bind(self.prim, *primals, in_tree=in_tree, nondiff=nondiff, store=store)
            return outs, [Zero.like(o) for o in outs]
        p_out, program = self._stage_rule(primals, in_tree, nondiff, store)
        return p_out, _eval_skipping_zeros(program, tangents)

    def _stage_rule(self, primals, in_tree, nondiff, store):
        """Run the rule once with staged tangents: (primal outputs, the tangent program).

        Staging makes the tangent map an explicit linear program (and checks its
        linearity); applying it with symbolic-zero propagation means tangents that
        are zero never meet primal values of outer transformations.
        """
        trace = StagingTrace(f"custom_jvp rule of {self.__name__}")
        t_in = [trace.new_input(shape_of(p), dtype_of(p)) for p in primals]
        try:
            res = self.jvp_rule(*nondiff, tree.unflatten(in_tree, primals),
                                tree.unflatten(in_tree, t_in))
            if not (isinstance(res, (tuple, list)) and len(res) == 2):
                raise TypeError(f"the JVP rule of {self.__name__!r} must return a pair "
                                "(primal_out, tangent_out)")
            p_out, p_tree = tree.flatten(res[0])
            t_out, t_tree = tree.flatten(res[1])
            if p_tree != t_tree:
                raise TypeError(f"the JVP rule of {self.__name__!r} returned a primal output of "
                                f"structure {p_tree!r} but a tangent of structure {t_tree!r}")
            for k, p in enumerate(p_out):
                if isinstance(p, StagingTracer) and p._trace is trace:
                    raise TypeError(f"the JVP rule of {self.__name__!r} computed its primal "
                                    f"output {k} from the tangents")
            t_out = [self._check_tangent(p, t, k) for k, (p, t) in enumerate(zip(p_out, t_out))]
        except BaseException:
            trace.alive = False
            raise
        store["out_tree"] = p_tree
        program = trace.finish(t_in, t_out, [(shape_of(p), dtype_of(p)) for p in p_out])
        return p_out, program

    def _check_tangent(self, p: Any, t: Any, k: int) -> Any:
        if type(t) is Zero:
            return t
        if isinstance(t, (int, float, complex)) and not isinstance(t, bool):
            t = np.asarray(t, dtype_of(p))
        if tuple(shape_of(t)) != tuple(shape_of(p)) or np.dtype(dtype_of(t)) != np.dtype(
                dtype_of(p)):
            raise TypeError(
                f"the JVP rule of {self.__name__!r} returned, for output {k}, a tangent "
                f"{format_aval(shape_of(t), dtype_of(t))} for a primal "
                f"{format_aval(shape_of(p), dtype_of(p))}; a tangent must have its primal's "
                "shape and dtype")
        return t


def _eval_skipping_zeros(program: LinearProgram, args: Sequence) -> list:
    """Apply ``program`` through ``bind`` to inputs that may be symbolic zeros.

    An equation whose linear inputs are all zero is skipped (its output is a
    symbolic zero); otherwise zero inputs are instantiated.
    """
    env: dict[int, Any] = {id(v): a for v, a in zip(program.in_vars, args)}
    for eqn in program.eqns:
        vals = [env[id(v)] if type(v) is Var else v for v in eqn.inputs]
        if all(type(x) is Zero for v, x in zip(eqn.inputs, vals) if type(v) is Var):
            env[id(eqn.out)] = Zero(eqn.out.shape, eqn.out.dtype)
            continue
        env[id(eqn.out)] = bind(eqn.prim, *[instantiate(x) for x in vals], **eqn.params)
    return [env[id(o)] if type(o) is Var else o for o in program.outs]


def custom_jvp(fun: Callable | None = None, *, nondiff_argnums: Sequence[int] = ()
               ) -> CustomJVPFunction | Callable[[Callable], CustomJVPFunction]:
    """Give ``fun`` a custom JVP rule; reverse mode follows by transposition.

    Use as ``@custom_jvp`` (or ``@custom_jvp(nondiff_argnums=(0,))``), then
    define the rule with ``@f.defjvp``::

        rule(*nondiff_args, primals, tangents) -> (primal_out, tangent_out)

    ``primals`` and ``tangents`` are tuples of the differentiated arguments; the
    rule must compute ``tangent_out`` linearly from ``tangents`` with linad (or
    NumPy) operations.  ``vjp``/``grad`` linearize the rule and transpose it;
    higher orders differentiate the rule itself (call ``f`` inside the rule to
    keep the custom rule at every order).  A rule that is not linear in its
    tangents raises :class:`linad.LinearityError` (the rule is staged as a
    linear program in the tangents every time it is used, also in ``jvp``).

    ``nondiff_argnums`` name positional arguments that are not differentiated
    (functions, flags, static data); they are passed to the rule first.  They
    must not be traced values.  ``fun`` should not close over traced values:
    pass them as arguments.

    Examples
    --------
    >>> import numpy as np, linad
    >>> @linad.custom_jvp
    ... def softplus(x):              # runs on NumPy arrays only: any NumPy code is fine
    ...     return np.logaddexp(0.0, x)
    >>> @softplus.defjvp
    ... def softplus_jvp(primals, tangents):
    ...     (x,), (t,) = primals, tangents
    ...     return softplus(x), t / (1 + np.exp(-x))
    >>> linad.grad(lambda x: softplus(x).sum())(np.array([0.0, 1.0]))
    array([0.5       , 0.73105858])
    """
    if fun is None:
        return lambda f: CustomJVPFunction(f, nondiff_argnums)
    return CustomJVPFunction(fun, nondiff_argnums)


# ============================================================================ linop_apply

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
    return [L.fit_dtype(linop_apply(op.T, ct), x.dtype)]


def _linop_batch(args, batched, *, op):
    x = np.asarray(args[0])
    b = x.shape[0]
    cols = np.moveaxis(x, 0, -1).reshape((x.shape[1], -1))   # (n, [k,] B) -> (n, k*B)
    y = op.apply(cols).reshape((op.shape[0],) + x.shape[2:] + (b,))
    return np.moveaxis(y, -1, 0)


deflinear(linop_apply_p, linear_in=(0,), shape_rule=_linop_shape,
          transpose_rule=_linop_transpose, batch_rule=_linop_batch)


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


# ============================================================================ linear_solve

class _Hole:
    """Placeholder for a lifted constant in a closed program's template."""

    __slots__ = ("index",)

    def __init__(self, index: int):
        self.index = index

    def __repr__(self) -> str:
        return f"c{self.index}"


class _ClosedProgram:
    """A staged one-input linear program whose traced constants were lifted out.

    The template keeps :class:`_Hole` s where the program used traced values (of
    outer transformations); :meth:`with_consts` puts values back.  This closure
    conversion turns what ``matvec`` closed over into explicit operands of the
    ``linear_solve`` primitive, so that outer transformations differentiate them.
    """

    __slots__ = ("template", "n_consts")

    def __init__(self, template: LinearProgram, n_consts: int):
        self.template = template
        self.n_consts = n_consts

    @staticmethod
    def convert(prog: LinearProgram) -> tuple["_ClosedProgram", list]:
        consts: list = []
        index: dict[int, int] = {}
        eqns = []
        for eqn in prog.eqns:
            ins = []
            for v in eqn.inputs:
                if isinstance(v, Tracer):
                    if id(v) not in index:
                        index[id(v)] = len(consts)
                        consts.append(v)
                    v = _Hole(index[id(v)])
                ins.append(v)
            eqns.append(Equation(eqn.prim, ins, eqn.params, eqn.out))
        template = LinearProgram(prog.in_vars, eqns, prog.outs) if consts else prog
        return _ClosedProgram(template, len(consts)), consts

    def with_consts(self, consts: Sequence) -> LinearProgram:
        if not self.n_consts:
            return self.template
        eqns = [Equation(e.prim, [consts[v.index] if type(v) is _Hole else v for v in e.inputs],
                         e.params, e.out) for e in self.template.eqns]
        return LinearProgram(self.template.in_vars, eqns, self.template.outs)

    @property
    def out_aval(self) -> tuple:
        o = self.template.outs[0]
        return tuple(o.shape), np.dtype(o.dtype)

    def __repr__(self) -> str:
        v = self.template.in_vars[0]
        return (f"matvec<{format_aval(v.shape, v.dtype)}->{format_aval(*self.out_aval)}, "
                f"{len(self.template.eqns)} eqns>")


def _first_output(prog: LinearProgram, v: Any) -> Any:
    out = prog(v)[0]
    return out.instantiate() if type(out) is Zero else out


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


def _solver(consts: Sequence, matvec: _ClosedProgram, solve: Callable | None,
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
    closed, consts = _ClosedProgram.convert(prog)
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
        mv_t, consts_t = _ClosedProgram.convert(transpose_program(matvec.with_consts(consts)))
    x_ct = bind(linear_solve_p, ct, *consts_t, matvec=mv_t, solve=transpose_solve,
                transpose_solve=solve, symmetric=symmetric)
    return [L.fit_dtype(x_ct, b.dtype)] + [None] * len(consts)


def _solve_batch(args, batched, *, matvec, solve, transpose_solve, symmetric):
    run = _solver(args[1:], matvec, solve, symmetric)
    b = np.asarray(args[0])
    return np.stack([run(bi) for bi in b]) if len(b) else np.zeros(b.shape, matvec.out_aval[1])


deflinear(linear_solve_p, linear_in=(0,), shape_rule=_solve_shape,
          transpose_rule=_solve_transpose, batch_rule=_solve_batch, jvp=_solve_jvp)


# ============================================================================ root

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
