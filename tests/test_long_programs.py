"""Long programs, memory, and tracers that escape their transformation.

* A program of 100,000 operations linearizes, transposes (direct vjp and the
  staged ``f_lin.T``), applies and prints without ``RecursionError`` (every
  graph walk is iterative), with a derivative equal to the hand-written
  recurrence, at a cost linear in its length: the function calls the whole
  pipeline makes (Python and built-in, counted with ``sys.setprofile``) per
  operation are the same for 2,000 and 10,000 operations (a deterministic
  measure; no timing assertion).
  (``f_lin.T.T`` at this size is exercised by the fuzzer's structure checks at
  small sizes only, to keep CI time modest.)
* Memory (``tracemalloc``): the peak of ``grad`` over a chain of 1,000 matrix
  operations stays within a small constant of the residuals the linear program
  must keep; the backward pass itself releases cotangents as it goes (its peak
  is a few matrices, not one per equation); 10,000 ``grad`` calls do not grow
  memory.
* A tracer stored in a global or a closure and used after its transformation
  finished raises :class:`linad.EscapedTracerError` naming the transformation.
"""
from __future__ import annotations

import functools
import gc
import sys
import tracemalloc

import numpy as np
import pytest

import linad
import linad.numpy as lnp

X0 = np.array([0.3, -0.2])


# ============================================================================ long programs

def _chain(n_ops):
    """``y <- sin(y) + x`` repeated: two operations per step, ``n_ops`` in all."""
    def f(x):
        y = x
        for _ in range(n_ops // 2):
            y = lnp.sin(y) + x
        return y
    return f


def _chain_derivative(n_ops, x):
    """d y / d x of :func:`_chain` (diagonal), by the hand-written forward recurrence."""
    y, d = x.copy(), np.zeros_like(x)
    for _ in range(n_ops // 2):
        d = np.cos(y) * d + 1.0
        y = np.sin(y) + x
    return d


@functools.lru_cache(maxsize=None)
def _pipeline(n_ops):
    """Linearize, apply, vjp, stage the transpose, apply it, print: the results."""
    f = _chain(n_ops)
    ct = np.array([1.0, -2.0])
    _, f_lin = linad.linearize(f, X0)
    jvp_out = f_lin(np.ones(2))
    _, f_vjp = linad.vjp(f, X0)
    vjp_out = f_vjp(ct)[0]
    f_t = f_lin.T
    t_out = f_t(ct)[0]
    text, text_t = str(f_lin), str(f_t)
    return {"n_eqns": len(f_lin.program.eqns), "n_eqns_t": len(f_t.program.eqns),
            "jvp": jvp_out, "vjp": vjp_out, "T": t_out, "text": text, "text_t": text_t}


def _calls(n_ops) -> int:
    """Function calls (Python and built-in) the whole pipeline makes for ``n_ops`` operations."""
    count = [0]

    def profile(frame, event, arg):
        if event == "call" or event == "c_call":
            count[0] += 1

    sys.setprofile(profile)
    try:
        _pipeline.__wrapped__(n_ops)
    finally:
        sys.setprofile(None)
    return count[0]


def test_cost_linear_in_program_length():
    """Calls per operation agree within 2% for 2,000 and 10,000 operations; a pass that
    walked the program once per equation would make 5x as many per operation."""
    small, large = _calls(2_000) / 2_000, _calls(10_000) / 10_000
    assert abs(large / small - 1) < 0.02, f"calls per operation: {small:.2f} at 2k, {large:.2f} at 10k"


def test_call_count_detects_quadratic_work():
    """The measure itself: a loop over the program inside a loop over it is caught."""
    def quadratic(n):
        xs = list(range(n))
        return sum(1 for x in xs for y in xs if abs(x) == abs(y))
    count = [0]

    def profile(frame, event, arg):
        count[0] += event in ("call", "c_call")
    per_op = []
    for n in (100, 500):
        count[0] = 0
        sys.setprofile(profile)
        try:
            quadratic(n)
        finally:
            sys.setprofile(None)
        per_op.append(count[0] / n)
    assert per_op[1] / per_op[0] > 4


def test_100k_operations_linearize_transpose_print():
    n = 100_000
    r = _pipeline(n)
    assert r["n_eqns"] == n
    d = _chain_derivative(n, X0)
    np.testing.assert_allclose(r["jvp"], d, rtol=1e-10)
    np.testing.assert_allclose(r["vjp"], np.array([1.0, -2.0]) * d, rtol=1e-10)
    np.testing.assert_allclose(r["T"], r["vjp"], rtol=1e-12)
    assert r["text"].count("\n") >= n and r["text_t"].count("\n") >= r["n_eqns_t"]


# ============================================================================ memory

N_MAT = 32
N_CHAIN = 1_000


def _matrix_chain():
    rng = np.random.default_rng(0)
    a = rng.standard_normal((N_MAT, N_MAT)) / np.sqrt(N_MAT)

    def f(x):
        y = x
        for _ in range(N_CHAIN):
            y = lnp.tanh(y @ a)
        return lnp.sum(y)
    return f, rng.standard_normal((N_MAT, N_MAT))


def _traced(fn):
    """(result, peak bytes above the memory in use at the start) of ``fn()``."""
    gc.collect()
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        tracemalloc.reset_peak()
        out = fn()
        _, peak = tracemalloc.get_traced_memory()
        return out, peak - base
    finally:
        tracemalloc.stop()


def test_grad_peak_memory_within_constant_of_residuals():
    f, x = _matrix_chain()
    _, f_lin = linad.linearize(f, x)
    residual_bytes = sum(r.nbytes for r in f_lin.program.residuals())
    matrix = N_MAT * N_MAT * 8
    assert residual_bytes >= N_CHAIN * matrix  # one tanh residual per step (at least)
    del f_lin
    g, peak = _traced(lambda: linad.grad(f)(x))
    assert g.shape == x.shape
    assert peak < 2.0 * residual_bytes, (
        f"grad peak {peak / 1e6:.1f} MB for {residual_bytes / 1e6:.1f} MB of residuals")


def test_backward_pass_releases_cotangents():
    """The backward pass's own peak is a few matrices, not one cotangent per equation."""
    f, x = _matrix_chain()
    _, f_vjp = linad.vjp(f, x)
    ct = np.ones(())
    g, peak = _traced(lambda: f_vjp(ct))
    matrix = N_MAT * N_MAT * 8
    assert peak < 20 * matrix, f"backward pass peak {peak / matrix:.1f} matrices"


def test_staged_transpose_application_releases_cotangents():
    """Applying the staged ``f_lin.T`` frees each value after its last use as well."""
    f, x = _matrix_chain()
    _, f_lin = linad.linearize(lambda x: f(x) * 1.0, x)
    f_t = f_lin.T
    f_t(np.ones(()))  # compile once
    _, peak = _traced(lambda: f_t(np.ones(())))
    matrix = N_MAT * N_MAT * 8
    assert peak < 20 * matrix, f"transposed program peak {peak / matrix:.1f} matrices"


def test_repeated_grad_calls_do_not_grow_memory():
    """10,000 grad calls: no growth of traced memory nor of allocated Python blocks."""
    x = np.array([0.1, 0.2, 0.3])
    g = linad.grad(lambda x: lnp.sum(lnp.sin(x) * x))
    for _ in range(500):  # warm caches
        g(x)
    gc.collect()
    tracemalloc.start()
    try:
        for _ in range(200):
            g(x)
        gc.collect()
        start, blocks = tracemalloc.get_traced_memory()[0], sys.getallocatedblocks()
        for _ in range(10_000):
            g(x)
        gc.collect()
        growth = tracemalloc.get_traced_memory()[0] - start
        block_growth = sys.getallocatedblocks() - blocks
    finally:
        tracemalloc.stop()
    # a leak of one small object per call would be > 500 kB and > 10,000 blocks
    assert growth < 50_000, f"memory grew by {growth} bytes over 10,000 grad calls"
    assert block_growth < 1_000, f"{block_growth} more allocated blocks after 10,000 calls"


# ============================================================================ escaped tracers

def _leak(transform, x=(1.0, 2.0)):
    """Run ``transform`` on a function that stores its traced input; return that tracer."""
    box = []

    def f(x):
        box.append(x)
        return lnp.sum(x * x)

    transform(f, np.array(x))
    return box[0]


TRANSFORMS = {
    "jvp": lambda f, x: linad.jvp(f, (x,), (x,)),
    "linearize": lambda f, x: linad.linearize(f, x),
    "vjp": lambda f, x: linad.vjp(f, x),
    "grad": lambda f, x: linad.grad(f)(x),
}

@pytest.mark.parametrize("name", [
    "jvp", "linearize",
    "vjp", "grad",
])
def test_escaped_tracer_error_names_the_transformation(name):
    leaked = _leak(TRANSFORMS[name])
    with pytest.raises(linad.EscapedTracerError, match=rf"escaped from the {name} transformation"):
        leaked * 2.0


@pytest.mark.parametrize("name", sorted(TRANSFORMS))
@pytest.mark.parametrize("use", [
    lambda t: t + 1.0,
    lambda t: 2.0 * t,
    lambda t: t @ np.ones(2),
    lambda t: t[0],
    lambda t: t.sum(),
    lambda t: t.T * t,
    lambda t: lnp.sin(t),
    lambda t: np.sin(t),                      # NumPy dispatch
    lambda t: np.concatenate([t, t]),
    lambda t: lnp.linalg.inv(t[:, None] * t[None, :] + np.eye(2)),
], ids=["add", "rmul", "matmul", "index", "sum", "T", "lnp", "np_ufunc", "np_function", "inv"])
def test_escaped_tracer_raises_on_every_use(name, use):
    leaked = _leak(TRANSFORMS[name])
    with pytest.raises(linad.EscapedTracerError, match="escaped from the"):
        use(leaked)


@pytest.mark.parametrize("name", sorted(TRANSFORMS))
def test_escaped_tracer_used_inside_a_new_transformation(name):
    leaked = _leak(TRANSFORMS[name])
    with pytest.raises(linad.EscapedTracerError):
        linad.grad(lambda y: lnp.sum(leaked * y))(np.ones(2))
    with pytest.raises(linad.EscapedTracerError):
        linad.jvp(lambda y: leaked + y, (np.ones(2),), (np.ones(2),))
    with pytest.raises(linad.EscapedTracerError):
        linad.linearize(lambda y: y * leaked, np.ones(2))


def test_escape_through_a_closure():
    closures = []

    def f(x):
        closures.append(lambda s: x * s)  # the closure captures the tracer
        return lnp.sum(x)

    linad.grad(f)(np.ones(3))
    with pytest.raises(linad.EscapedTracerError):
        closures[0](2.0)


def test_escape_through_a_global():
    global _LEAKED
    _LEAKED = None

    def f(x):
        global _LEAKED
        _LEAKED = lnp.sin(x)   # an intermediate value, not the input
        return lnp.sum(_LEAKED)

    linad.linearize(f, np.ones(3))
    with pytest.raises(linad.EscapedTracerError, match="linearize"):
        _LEAKED + 1.0


def test_escape_from_an_inner_transformation_into_a_live_outer_one():
    """A tracer of a finished inner jvp used inside the still-running outer grad."""
    def outer(x):
        box = []

        def inner(y):
            box.append(y * x)
            return y
        linad.jvp(inner, (x,), (x,))
        return lnp.sum(box[0])

    with pytest.raises(linad.EscapedTracerError, match="jvp"):
        linad.grad(outer)(np.ones(2))


def test_escape_after_the_transformation_raised():
    box = []

    def f(x):
        box.append(x)
        raise ValueError("boom")

    with pytest.raises(ValueError, match="boom"):
        linad.grad(f)(np.ones(2))
    with pytest.raises(linad.EscapedTracerError):
        box[0] * 2.0


def test_escaped_tracer_metadata_still_readable():
    """Shape, dtype and repr of an escaped tracer are fine (no value is computed)."""
    leaked = _leak(TRANSFORMS["jvp"])
    assert leaked.shape == (2,) and leaked.dtype == np.float64 and leaked.ndim == 1
    assert "jvp" in repr(leaked)


@pytest.mark.parametrize("name", [
    "jvp",
    "linearize",
    "vjp",
    "grad",
])
def test_escaped_tracer_returned_from_another_transformation(name):
    """``f = lambda y: leaked`` under a new transformation must raise, not return a tracer."""
    leaked = _leak(TRANSFORMS["jvp"], 1.5)  # a scalar, so that grad accepts it
    with pytest.raises(linad.EscapedTracerError):
        TRANSFORMS[name](lambda y: leaked, np.ones(2))
