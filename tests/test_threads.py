"""Concurrency: transformations used from several threads at once.

linad keeps no global trace state: each transformation creates its own trace
(with its own level and ``alive`` flag) and tracers only refer to their own
trace, so threads computing derivatives of different functions at the same
time cannot see each other's tracers.  These tests run 8 threads, each
computing 200 gradients and Jacobian matvecs of a different function, with a
tiny GIL switch interval so that threads interleave inside transformations, and
compare every result with the answer computed single-threaded beforehand.
"""
from __future__ import annotations

import sys
import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np

import linad
import linad.numpy as lnp

N_THREADS = 8
N_CALLS = 200
N_POINTS = 5   # distinct inputs per function, cycled through

_A = np.random.default_rng(1).standard_normal((3, 3))
_B = np.random.default_rng(2).standard_normal((3, 4))


# Eight different vector-valued functions F_k; the gradient is taken of sum(F_k * w).
def f_trig(x):
    return lnp.sin(x @ _A) * x + lnp.cos(x).sum(axis=0)


def f_tanh(x):
    return lnp.tanh(x) ** 2 - lnp.exp(0.1 * x).mean(axis=1, keepdims=True)


def f_log(x):
    return lnp.log(1.0 + x * x) + lnp.trace(x @ x.T)


def f_inv(x):
    return lnp.linalg.inv(x + 4.0 * np.eye(3)) @ _A


def f_einsum(x):
    return lnp.einsum("ij,jk->ik", x, _B)[:, :3] * lnp.einsum("ij,ij->i", x, x)[:, None]


def f_pytree(x):
    d = {"a": x[0], "b": x[1:]}
    return lnp.concatenate([d["a"][None] * d["b"][0], lnp.sqrt(d["b"] ** 2 + 1.0)], axis=0)


def f_index(x):
    y = x[::-1, [0, 2, 0]]
    return y.at[1].set(x[0] * 2.0) + lnp.reshape(x.T, (3, 3))


def f_where(x):
    return lnp.where(x > 0, x * x, -x) + lnp.stack([x[0], x[1], x[2]], axis=1)


FUNCTIONS = [f_trig, f_tanh, f_log, f_inv, f_einsum, f_pytree, f_index, f_where]


def _points(k):
    rng = np.random.default_rng(100 + k)
    return [rng.standard_normal((3, 3)) for _ in range(N_POINTS)]


def _weights(k):
    return np.random.default_rng(200 + k).standard_normal((3, 3))


def _matvec_operator(f, x):
    """``jacobian_operator`` if linad has it, else the linearization's SciPy operator."""
    jac_op = getattr(linad, "jacobian_operator", None)
    if jac_op is not None:
        return jac_op(f, x)
    return linad.linearize(f, x)[1].to_scipy()


def _work(k, i):
    """The i-th unit of work of thread k: a gradient, a matvec and an rmatvec."""
    f, w = FUNCTIONS[k], _weights(k)
    j = i % N_POINTS
    x = _points(k)[j]
    g = linad.grad(lambda x: lnp.sum(f(x) * w))(x)
    op = _matvec_operator(f, x)
    v = np.arange(9.0) / 9.0 - j / N_POINTS
    return g, op.matvec(v), op.rmatvec(v)


def _expected():
    return {k: [_work(k, i) for i in range(N_POINTS)] for k in range(N_THREADS)}


class _FastSwitching:
    """Make the interpreter switch threads very often (more interleavings)."""

    def __enter__(self):
        self.old = sys.getswitchinterval()
        sys.setswitchinterval(1e-6)

    def __exit__(self, *exc):
        sys.setswitchinterval(self.old)


def _run_threads(target):
    barrier = threading.Barrier(N_THREADS)

    def run(k):
        barrier.wait()
        return target(k)

    with _FastSwitching(), ThreadPoolExecutor(N_THREADS) as pool:
        return list(pool.map(run, range(N_THREADS)))


def test_functions_are_different():
    """The eight workloads really differ (so a mix-up between threads would show)."""
    exp = _expected()
    grads = [exp[k][0][0] for k in range(N_THREADS)]
    for a in range(N_THREADS):
        for b in range(a):
            assert not np.allclose(grads[a], grads[b])


def test_threads_gradients_and_matvecs():
    expected = _expected()

    def thread(k):
        return [_work(k, i) for i in range(N_CALLS)]

    for k, results in enumerate(_run_threads(thread)):
        assert len(results) == N_CALLS
        for i, got in enumerate(results):
            for what, a, b in zip(("gradient", "matvec", "rmatvec"), got,
                                  expected[k][i % N_POINTS]):
                np.testing.assert_allclose(a, b, rtol=1e-13, atol=1e-13,
                                           err_msg=f"{what}, thread {k}, call {i}")


def test_threads_share_one_linear_map():
    """One linearization applied (matvec, rmatvec, .T, batched) from 8 threads at once."""
    x = _points(0)[0]
    _, f_lin = linad.linearize(f_trig, x)
    op = f_lin.to_scipy()
    rng = np.random.default_rng(7)
    vs = rng.standard_normal((N_THREADS, 9))
    ref = [(op.matvec(v), op.rmatvec(v), f_lin.T(v.reshape(3, 3))[0],
            op.matmat(np.stack([v, 2 * v], axis=1))) for v in vs]

    def thread(k):
        v = vs[k]
        return [(op.matvec(v), op.rmatvec(v), f_lin.T(v.reshape(3, 3))[0],
                 op.matmat(np.stack([v, 2 * v], axis=1))) for _ in range(N_CALLS // 4)]

    for k, results in enumerate(_run_threads(thread)):
        for got in results:
            for a, b in zip(got, ref[k]):
                np.testing.assert_allclose(a, b, rtol=1e-13, atol=1e-13)


def test_threads_nested_transformations():
    """Second-order derivatives (jvp of grad, grad of grad) concurrently."""
    def hvp(k, x, t):
        f, w = FUNCTIONS[k], _weights(k)
        return linad.jvp(linad.grad(lambda x: lnp.sum(f(x) * w)), (x,), (t,))[1]

    def scalar_second(k, s):
        return linad.grad(linad.grad(lambda s: lnp.sum(FUNCTIONS[k](s * _points(k)[0]))))(s)

    ts = [np.random.default_rng(300 + k).standard_normal((3, 3)) for k in range(N_THREADS)]
    ref = [(hvp(k, _points(k)[1], ts[k]), scalar_second(k, 0.7)) for k in range(N_THREADS)]

    def thread(k):
        return [(hvp(k, _points(k)[1], ts[k]), scalar_second(k, 0.7)) for _ in range(20)]

    for k, results in enumerate(_run_threads(thread)):
        for h, s2 in results:
            np.testing.assert_allclose(h, ref[k][0], rtol=1e-12, atol=1e-12)
            np.testing.assert_allclose(s2, ref[k][1], rtol=1e-12, atol=1e-12)


def test_threads_escaped_tracers():
    """Each thread leaks its own tracers: using one later raises, in every thread, every time."""
    def thread(k):
        errors = []
        for i in range(50):
            box = []

            def f(x):
                box.append(x)
                return lnp.sum(x * x)
            transform = (linad.grad(f), lambda x: linad.jvp(f, (x,), (x,)),
                         lambda x: linad.linearize(f, x))[i % 3]
            transform(np.full(3, float(k)))
            try:
                box[0] * 2.0
            except linad.EscapedTracerError as e:
                errors.append(str(e))
        return errors

    for errors in _run_threads(thread):
        assert len(errors) == 50
