"""Public test helpers: finite-difference gradient checks and the dot-product test.

>>> import numpy as np, linad
>>> from linad.testing import check_grads, check_transpose
>>> check_grads(lambda x: np.sin(x) * x, (np.array([0.3, 1.2]),), order=2)
>>> _, f_lin = linad.linearize(lambda X: X.T @ X, np.ones((3, 2)))
>>> check_transpose(f_lin)
"""
from __future__ import annotations

from typing import Any, Callable, Sequence

import numpy as np

from . import tree
from .api import jvp, vjp
from .core import dtype_of, instantiate, shape_of

__all__ = ["check_grads", "check_transpose", "random_like", "inner"]


def random_like(x: Any, rng: np.random.Generator) -> Any:
    """A random array (pytree) with the shapes and dtypes of ``x``."""
    def one(a):
        dt = np.dtype(dtype_of(a))
        shape = tuple(shape_of(a))
        r = rng.standard_normal(shape)
        if dt.kind == "c":
            r = r + 1j * rng.standard_normal(shape)
        return np.asarray(r, dtype=dt)
    return tree.tree_map(one, x)


def inner(a: Any, b: Any) -> float:
    """The real bilinear pairing ``Re sum(a * b)`` summed over the leaves of two pytrees.

    Transposition (``.T``) is defined with respect to this pairing (no conjugation).
    """
    la, lb = tree.leaves(a), tree.leaves(b)
    return float(sum(np.real(np.sum(np.asarray(x, np.complex128) * np.asarray(y, np.complex128)))
                     for x, y in zip(la, lb)))


def _scale(tree_x: Any, s: float) -> Any:
    return tree.tree_map(lambda a: np.asarray(a) * s, tree_x)


def _axpy(a: float, x: Any, y: Any) -> Any:
    return tree.tree_map(lambda u, v: np.asarray(v) + a * np.asarray(u), x, y)


def _default_eps(args) -> float:
    dts = [np.dtype(dtype_of(a)) for a in tree.leaves(args)]
    return 1e-2 if any(d in (np.float32, np.complex64) for d in dts) else 1e-5


def _assert_close(a: Any, b: Any, atol: float, rtol: float, what: str) -> None:
    for x, y in zip(tree.leaves(a), tree.leaves(b)):
        x = np.asarray(x)
        y = np.asarray(y)
        if x.shape != y.shape:
            raise AssertionError(f"{what}: shapes differ: {x.shape} vs {y.shape}")
        if not np.allclose(x, y, atol=atol, rtol=rtol, equal_nan=True):
            err = np.max(np.abs(x - y)) if x.size else 0.0
            raise AssertionError(f"{what}: max abs difference {err:.3g} (atol={atol}, rtol={rtol})"
                                 f"\n  got:      {x!r}\n  expected: {y!r}")


def _numerical_jvp(f: Callable, args: tuple, tangents: tuple, eps: float) -> Any:
    plus = f(*_axpy(eps, tangents, args))
    minus = f(*_axpy(-eps, tangents, args))
    return tree.tree_map(lambda p, m: (np.asarray(p) - np.asarray(m)) / (2 * eps), plus, minus)


def check_grads(f: Callable, args: Sequence, order: int = 1, modes: Sequence[str] = ("fwd", "rev"),
                eps: float | None = None, atol: float | None = None, rtol: float | None = None,
                seed: int = 0) -> None:
    """Check derivatives of ``f`` at ``args`` against central finite differences.

    ``"fwd"`` compares ``jvp`` along a random direction with finite differences;
    ``"rev"`` compares ``<vjp(ct), t>`` with ``<ct, jvp(t)>`` and with finite
    differences.  With ``order=2`` the same checks run on the derivative
    functions themselves (forward over forward, reverse over forward, ...).

    Raises ``AssertionError`` with the discrepancy if a check fails.

    Examples
    --------
    >>> import numpy as np
    >>> check_grads(lambda x: (x ** 3).sum(), (np.array([1.0, 2.0]),), order=2)
    """
    args = tuple(args)
    rng = np.random.default_rng(seed)
    eps = _default_eps(args) if eps is None else eps
    low = eps > 1e-4
    atol = (1e-2 if low else 1e-5) if atol is None else atol
    rtol = (1e-2 if low else 1e-5) if rtol is None else rtol
    t = random_like(args, rng)
    out, out_t = jvp(f, args, t)
    fd = _numerical_jvp(f, args, t, eps)
    if "fwd" in modes:
        _assert_close(out_t, fd, atol, rtol, "jvp vs finite differences")
    if "rev" in modes:
        ct = random_like(out, rng)
        _, f_vjp = vjp(f, *args)
        ct_in = f_vjp(ct)
        lhs = inner(ct_in, t)
        rhs = inner(ct, fd)
        scale = max(1.0, abs(lhs), abs(rhs))
        if abs(lhs - rhs) > atol * scale + rtol * abs(rhs):
            raise AssertionError(f"vjp vs finite differences: <vjp(ct), t> = {lhs!r} but "
                                 f"<ct, (f(x+eps t) - f(x-eps t))/2eps> = {rhs!r}")
        rhs_exact = inner(ct, out_t)
        if abs(lhs - rhs_exact) > 1e-9 * max(1.0, abs(lhs)) * (1e3 if low else 1):
            raise AssertionError(f"vjp vs jvp: <vjp(ct), t> = {lhs!r} but <ct, jvp(t)> = "
                                 f"{rhs_exact!r}")
    if order > 1:
        if "fwd" in modes:
            def f_fwd(*a):
                return jvp(f, a, t)[1]
            check_grads(f_fwd, args, order - 1, modes, eps, atol * 10, rtol * 10, seed + 1)
        if "rev" in modes:
            ct = random_like(out, rng)

            def f_rev(*a):
                return vjp(f, *a)[1](ct)
            check_grads(f_rev, args, order - 1, modes, eps, atol * 10, rtol * 10, seed + 2)


def check_transpose(f_lin, seed: int = 0, rtol: float | None = None) -> None:
    """The dot-product test for a :class:`~linad.LinearMap`.

    Checks ``<f_lin(u), v> == <u, f_lin.T(v)>`` for random ``u`` and ``v``,
    that ``f_lin.T.T`` applies as ``f_lin``, and that the SciPy operator's
    ``rmatvec`` is the conjugate transpose of its ``matvec``.

    Examples
    --------
    >>> import numpy as np, linad
    >>> _, f_lin = linad.linearize(np.sin, np.ones(3))
    >>> check_transpose(f_lin)
    """
    rng = np.random.default_rng(seed)
    dts = [d for _, d in f_lin.in_avals + f_lin.out_avals]
    single = any(np.dtype(d) in (np.float32, np.complex64) for d in dts)
    rtol = (1e-4 if single else 1e-10) if rtol is None else rtol
    u = [random_like(np.empty(s, d), rng) for s, d in f_lin.in_avals]
    v = [random_like(np.empty(s, d), rng) for s, d in f_lin.out_avals]
    lu = [_mat(x) for x in f_lin.program(*u)]
    ltv = [_mat(x) for x in f_lin.T.program(*v)]
    lhs, rhs = inner(lu, v), inner(u, ltv)
    scale = max(1.0, abs(lhs), abs(rhs),
                np.sqrt(inner(_abs2(lu), _ones(lu))) * np.sqrt(inner(_abs2(v), _ones(v))))
    if abs(lhs - rhs) > rtol * scale:
        raise AssertionError(f"dot-product test failed: <L u, v> = {lhs!r}, <u, L.T v> = {rhs!r}")
    ltt = [_mat(x) for x in f_lin.T.T.program(*u)]
    _assert_close([np.asarray(_mat(x)) for x in ltt], [np.asarray(_mat(x)) for x in lu],
                  rtol * 10, rtol * 10, "f_lin.T.T vs f_lin")
    op = f_lin.to_scipy()
    n_out, n_in = op.shape
    x = np.concatenate([np.ravel(a) for a in u]) if u else np.zeros(0)
    y = np.concatenate([np.ravel(a) for a in v]) if v else np.zeros(0)
    if op.dtype.kind == "c":
        x = x.astype(op.dtype)
        y = y.astype(op.dtype)
        if not any(np.dtype(d).kind == "c" for _, d in f_lin.in_avals):
            x = x.real
    # rmatvec is conj . T . conj, so Re<A x, y> = Re<x, A^H y> with np.vdot for every
    # real-linear map; the imaginary parts agree too when the map is complex-linear.
    a = np.real(np.vdot(op.matvec(x), y)) if n_out else 0.0
    b = np.real(np.vdot(x, op.rmatvec(y))) if n_in else 0.0
    if abs(a - b) > rtol * max(1.0, abs(a), abs(b), scale):
        raise AssertionError(f"scipy operator: Re<A x, y> = {a!r} but Re<x, A^H y> = {b!r}")


def _mat(x):
    return instantiate(x)


def _abs2(xs):
    return [np.abs(np.asarray(_mat(x))) ** 2 for x in xs]


def _ones(xs):
    return [np.ones(np.shape(_mat(x))) for x in xs]
