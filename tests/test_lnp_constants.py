"""The constant fast path of linad.numpy: NumPy's function on constant operands.

Calls are counted (no timing); the answers are compared with linad.optimize off.
"""
from __future__ import annotations

import functools
import os
import sys
from unittest import mock

import numpy as np
import pytest

import linad
import linad.numpy as lnp
from linad.numpy import _constants, _dispatch, _shape

_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if _ROOT not in sys.path:
    sys.path.insert(0, _ROOT)

from benchmarks import lnp_constants as bench  # noqa: E402
from benchmarks.harness import Config  # noqa: E402


def counted(fn, counts, key):
    @functools.wraps(fn)
    def call(*args, **kwargs):
        counts[key] = counts.get(key, 0) + 1
        return fn(*args, **kwargs)
    return call


def counting_numpy(fast_path, counts):
    """Count the calls ``fast_path`` (an installed lnp function) makes to its NumPy function."""
    np_func = fast_path.__globals__["np_func"]
    return mock.patch.dict(fast_path.__globals__, np_func=counted(np_func, counts, "numpy"))


def test_constant_operands_sees_into_nested_sequences():
    def f(x):
        assert not _constants.constant_operands(([np.ones(2), (1.0, [x])],))
        assert not _constants.constant_operands(({"a": 1},))
        assert _constants.constant_operands(([np.ones(2), (1.0, [2, None])], np.float32(1),
                                             np.dtype("f8"), float))
        return x
    linad.grad(f)(1.0)
    assert not _constants.constant_operands((np.ma.masked_array([1.0]),))
    assert not _constants.constant_operands((lambda t: t,))


@pytest.mark.parametrize("name, lnp_func, np_func, args", [
    ("roll", _shape.roll, np.roll, (np.arange(5.0), 2)),
    ("stack", _shape.stack, np.stack, ([np.ones(2), np.zeros(2)],)),
    ("exp", _dispatch.HANDLED_UFUNCS[np.exp].__wrapped__, np.exp, (np.arange(3.0),)),
])
def test_fast_path_is_taken_on_constants_and_not_on_traced_values(name, lnp_func, np_func, args):
    counts = {}
    fast = _constants.constant_fast_path(counted(lnp_func, counts, "lnp"),
                                         counted(np_func, counts, "numpy"))
    out = fast(*args)
    assert counts == {"numpy": 1}
    np.testing.assert_array_equal(out, np_func(*args))
    with linad.optimize.disabled():
        assert bench.same(fast(*args), out)
    assert counts == {"numpy": 1, "lnp": 1}
    linad.grad(lambda x: lnp.sum(fast(*((x * args[0],) + args[1:]))
                                 if name != "stack" else fast([x * args[0][0], args[0][1]])))(1.0)
    assert counts["lnp"] == 2 and counts["numpy"] == 1


@pytest.mark.parametrize("fn, args, kwargs", [
    (lnp.roll, (np.arange(6.0), 2), {}),
    (lnp.stack, ([np.ones(3), np.zeros(3)],), {"axis": 1}),
    (lnp.sum, (np.ones((3, 2)),), {"axis": 0}),
    (lnp.exp, (np.ones(3),), {}),
    (lnp.linalg.solve, (2 * np.eye(2), np.ones(2)), {}),
    (lnp.fft.rfft, (np.arange(8.0),), {"norm": "ortho"}),
])
def test_installed_functions_call_numpy_on_constants(fn, args, kwargs):
    counts = {}
    with counting_numpy(fn, counts):
        out = fn(*args, **kwargs)
        with linad.optimize.disabled():
            plain = fn(*args, **kwargs)
    assert counts == {"numpy": 1}
    assert bench.same(out, plain, exact=False)


def test_one_object_per_function():
    assert lnp.acos is lnp.arccos
    assert _dispatch.HANDLED_UFUNCS[np.exp] is lnp.exp
    assert _dispatch.HANDLED_FUNCTIONS[np.roll] is lnp.roll is _shape.roll
    assert lnp.roll.numpy_function is np.roll
    assert _constants.fast_path_enabled()
    with linad.optimize.disabled():
        assert not _constants.fast_path_enabled()


def test_every_function_equals_numpy_with_the_fast_path_off():
    """On the benchmark's operands (tiny size), lnp with and without the fast path agree."""
    ops = bench.Operands(bench.TINY)
    compared = 0
    with bench.quiet():
        for case in bench.cases():
            if case.skipped or case.name in bench.UNINITIALISED:
                continue
            try:
                args, kwargs = bench._operands(case, ops)
            except ValueError:
                continue
            fast = case.lnp_func(*args, **kwargs)
            with linad.optimize.disabled():
                plain = case.lnp_func(*args, **kwargs)
            assert bench.same(fast, plain, exact=False), case.name
            compared += 1
    assert compared > 250


@pytest.mark.parametrize("f", [
    lambda x, y: lnp.stack([x, y]).sum(),
    lambda x, y: lnp.concatenate((x, np.ones(2), y)).prod(),
    lambda x, y: lnp.block([[x, np.ones(2)], [np.zeros(2), y]]).sum(),
    lambda x, y: lnp.choose(np.array([0, 1]), [x, y]).sum(),
    lambda x, y: lnp.select([np.array([True, False])], [x], y).sum(),
    lambda x, y: lnp.linalg.multi_dot([np.eye(2), lnp.outer(x, y), np.ones((2, 1))]).sum(),
    lambda x, y: lnp.einsum("i,i->", x, y),
    lambda x, y: lnp.where(np.array([True, False]), x, y).sum(),
    lambda x, y: lnp.hstack([[1.0, 2.0], x, (y[0], y[1])]).sum(),
])
def test_traced_values_inside_sequences_differentiate(f):
    x, y = np.array([1.0, 2.0]), np.array([3.0, 5.0])
    gx, gy = linad.grad(f, argnums=(0, 1))(x, y)
    with linad.optimize.disabled():
        px, py = linad.grad(f, argnums=(0, 1))(x, y)
    np.testing.assert_allclose(gx, px)
    np.testing.assert_allclose(gy, py)
    eps = 1e-6
    fd = [(f(x + eps * e, y) - f(x - eps * e, y)) / (2 * eps) for e in np.eye(2)]
    np.testing.assert_allclose(gx, fd, rtol=1e-5, atol=1e-6)


def test_in_place_namesakes_stay_functional():
    a = np.zeros((3, 3))
    out = lnp.fill_diagonal(a, 1.0)
    np.testing.assert_array_equal(out, np.eye(3))
    np.testing.assert_array_equal(a, 0.0)
    v = np.zeros(4)
    np.testing.assert_array_equal(lnp.put(v, [1], [5.0]), [0.0, 5.0, 0.0, 0.0])
    np.testing.assert_array_equal(lnp.put_along_axis(a, np.array([[0], [1], [2]]), 2.0, 1),
                                  np.eye(3) * 2)
    np.testing.assert_array_equal(v, 0.0)
    np.testing.assert_array_equal(a, 0.0)
    for name in _constants.IN_PLACE_NAMESAKES:
        assert not hasattr(getattr(lnp, name), "numpy_function")


def test_out_never_writes():
    buf = np.zeros(3)
    with pytest.raises(TypeError):
        lnp.exp(np.ones(3), buf)
    with pytest.raises(TypeError):
        lnp.sum(np.ones((3, 2)), axis=1, out=buf)
    np.testing.assert_array_equal(buf, 0.0)


@pytest.mark.parametrize("call, exc, match", [
    (lambda: lnp.fft.fft(np.ones(4), norm="bad"), ValueError, "norm"),
    (lambda: lnp.linalg.qr(np.eye(2), "raw"), NotImplementedError, "mode='raw'"),
    (lambda: lnp.linalg.inv(np.ones(3)), np.linalg.LinAlgError, "at least two-dimensional"),
    (lambda: lnp.quantile(np.ones(3), 0.5, method="no-such"), ValueError, "not a valid method"),
])
def test_linad_errors_on_constants(call, exc, match):
    with linad.optimize.disabled():
        with pytest.raises(exc, match=match) as plain:
            call()
    with pytest.raises(exc, match=match) as fast:
        call()
    assert type(fast.value) is type(plain.value) and str(fast.value) == str(plain.value)


def test_array_subclasses_take_linad_path():
    m = np.ma.masked_array([[1.0, 2.0], [3.0, 4.0]], mask=[[False, True], [False, False]])
    with linad.optimize.disabled():
        plain = lnp.sum(m, axis=0)
    assert bench.same(lnp.sum(m, axis=0), plain)


def test_benchmark_runs_at_tiny_size():
    cfg = Config(repeats=1, min_time=0.0, warmup=0)
    chosen = bench.run([bench.TINY], cfg, only={"exp", "roll", "linalg.solve", "fft.fft", "put"},
                       log=lambda s: None)
    assert {c.name for c in chosen} == {"exp", "roll", "linalg.solve", "fft.fft", "put"}
    assert all(c.results.get("tiny") for c in chosen if c.name != "put")
    text = bench.report(chosen, [bench.TINY])
    assert "summary" in text and "skipped 1" in text and "put:" in text


@pytest.mark.parametrize("fn, args", [(lnp.exp, (np.ones(2), np.ones(2))), (lnp.add, (1.0,)),
                                      (lnp.roll, ())])
def test_wrong_calls_name_the_function(fn, args):
    with pytest.raises(TypeError) as plain:
        fn.__wrapped__(*args)
    with pytest.raises(TypeError) as fast:
        fn(*args)
    assert str(fast.value) == str(plain.value) and fn.__name__ in str(fast.value)
