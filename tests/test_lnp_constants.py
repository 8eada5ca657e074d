"""The constant fast path of linad.numpy: NumPy's function on constant operands.

Calls are counted (no timing); the answers are compared with linad.optimize off.
"""
from __future__ import annotations

import functools
import inspect
import os
import sys
from unittest import mock

import numpy as np
import pytest

import linad
import linad.numpy as lnp
from linad.numpy import _constants, _creation, _dispatch, _shape

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


# ------------------------------------------------------------- generated signatures

def recording_numpy(fast_path, calls):
    """Record the ``(args, kwargs)`` that ``fast_path`` passes to its NumPy function."""
    np_func = fast_path.__globals__["np_func"]

    def record(*args, **kwargs):
        calls.append((args, kwargs))
        return np_func(*args, **kwargs)
    return mock.patch.dict(fast_path.__globals__, np_func=record)


@pytest.mark.parametrize("fn", [lnp.sum, lnp.roll, lnp.quantile, lnp.einsum, lnp.meshgrid,
                                lnp.linalg.cholesky, lnp.zeros_like, lnp.fft.rfft])
def test_fast_paths_have_the_lnp_signature(fn):
    plain = fn.__wrapped__
    assert inspect.signature(fn) == inspect.signature(plain)
    assert fn.__defaults__ == plain.__defaults__ and fn.__kwdefaults__ == plain.__kwdefaults__
    assert fn.__name__ == plain.__name__ and fn.__doc__ == plain.__doc__


A32 = np.arange(6.0).reshape(3, 2)
R0, R1 = A32[0], A32[1]


@pytest.mark.parametrize("fn, args, kwargs, n_positional, passed", [
    (lnp.sum, (A32,), {}, 1, {}),
    (lnp.sum, (A32, 0), {}, 1, {"axis": 0}),
    (lnp.sum, (A32,), {"axis": 1, "keepdims": True}, 1, {"axis": 1, "keepdims": True}),
    (lnp.sum, (A32,), {"where": None, "out": None}, 1, {}),   # lnp's defaults
    (lnp.sum, (A32, None, None, None, True), {}, 1, {"keepdims": True}),
    (lnp.roll, (A32, 1, None), {}, 2, {}),
    (lnp.einsum, ("ij->j", A32), {"optimize": True}, 2, {"optimize": True}),
    (lnp.meshgrid, (R0, R1), {"indexing": "ij"}, 2, {"indexing": "ij"}),
    (lnp.where, (A32 > 2, A32, -A32), {}, 3, {}),   # np.where's x and y are positional-only
    (lnp.floor, (A32,), {}, 1, {}),                 # lnp.floor(*args, **kwargs): np.floor's x
    (lnp.floor, (A32,), {"dtype": np.float32}, 1, {"dtype": np.float32}),
])
def test_numpy_gets_the_arguments_given(fn, args, kwargs, n_positional, passed):
    """Required operands by position, optional ones by name when not at lnp's default."""
    calls = []
    with recording_numpy(fn, calls):
        out = fn(*args, **kwargs)
    assert len(calls) == 1 and calls[0][1] == passed
    assert len(calls[0][0]) == n_positional
    assert all(a is b for a, b in zip(calls[0][0], args))
    with linad.optimize.disabled():
        assert bench.same(fn(*args, **kwargs), out, exact=False)


def test_out_none_takes_the_fast_path_and_out_given_does_not():
    counts = {}
    with counting_numpy(lnp.sum, counts):
        lnp.sum(A32, axis=0, out=None)
        with pytest.raises(TypeError):
            lnp.sum(A32, axis=0, out=np.zeros(2))
        with pytest.raises(TypeError):
            lnp.einsum("ij->j", A32, out=np.zeros(2))
    assert counts == {"numpy": 1}


def test_pass_through_functions_take_numpy_without_further_positional_arguments():
    counts = {}
    with counting_numpy(lnp.floor, counts), counting_numpy(lnp.where, counts):
        assert lnp.where(A32 > 2).__class__ is tuple
        assert counts == {"numpy": 1}
        buf = np.zeros_like(A32)
        with linad.optimize.disabled():
            plain = lnp.floor(A32 / 2, np.zeros_like(A32))
        out = lnp.floor(A32 / 2, buf)
    assert counts == {"numpy": 1}   # out given by position: linad's path
    assert bench.same(out, plain)


def test_keywords_and_defaults_differentiate_through_the_fast_path():
    w = np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 7.0]])

    def f(x):
        y = lnp.roll(x * w, 1, axis=0)
        return (lnp.sum(y, axis=0, keepdims=True) ** 2).sum() + lnp.quantile(x, 0.3, axis=None,
                                                                            method="hazen")
    x = np.array([[0.5, -1.0], [2.0, 0.25], [1.5, 3.0]])
    counts = {}
    with counting_numpy(lnp.sum, counts), counting_numpy(lnp.roll, counts):
        g = linad.grad(f)(x)
    assert counts == {}   # traced operands never reach NumPy
    with linad.optimize.disabled():
        plain = linad.grad(f)(x)
    np.testing.assert_allclose(g, plain)
    eps = 1e-6
    fd = np.array([(f(x + eps * e) - f(x - eps * e)) / (2 * eps)
                   for e in np.eye(6).reshape(6, 3, 2)]).reshape(3, 2)
    np.testing.assert_allclose(g, fd, rtol=1e-5, atol=1e-6)


def test_signatures_that_cannot_be_copied_use_the_general_wrapper():
    def scale(_x, factor=2.0):
        return _x * factor
    counts = {}
    fast = _constants.constant_fast_path(counted(scale, counts, "lnp"),
                                         counted(np.multiply, counts, "numpy"))
    assert fast(np.ones(2), 3.0).tolist() == [3.0, 3.0] and counts == {"numpy": 1}
    assert fast(np.ones(2), factor=3.0).tolist() == [3.0, 3.0]   # np.multiply refuses factor=
    assert counts == {"numpy": 2, "lnp": 1}
    assert _constants.constant_fast_path(scale, np.multiply, guard=lambda **kw: True) is scale


# ------------------------------------------------------------- guards and adapters

def fast_and_plain(fn, *args, **kwargs):
    """``(result with the fast path, result without, how often NumPy was called)``."""
    counts = {}
    with counting_numpy(fn, counts):
        fast = fn(*args, **kwargs)
    with linad.optimize.disabled():
        plain = fn(*args, **kwargs)
    return fast, plain, counts.get("numpy", 0)


def test_every_guard_and_adapter_names_a_function_with_a_reason():
    rules = {**_constants.FAST_PATH_GUARDS, **_constants.NUMPY_ADAPTERS}
    for name, rule in rules.items():
        fn = getattr(lnp, name, None) or getattr(lnp.linalg, name)
        assert fn.numpy_function is not None and rule.reason and callable(rule.function)
        assert name not in _constants.NO_FAST_PATH


M = np.random.default_rng(4).standard_normal((5, 3))


@pytest.mark.parametrize("a, mode", [(M, "reduced"), (M, "complete"), (M.T, "r"),
                                     (np.stack([M, 2 * M]), "reduced")])
def test_qr_takes_numpy_except_raw(a, mode):
    fast, plain, called = fast_and_plain(lnp.linalg.qr, a, mode)
    assert called == 1 and bench.same(fast, plain, exact=False)
    counts = {}
    with counting_numpy(lnp.linalg.qr, counts), pytest.raises(NotImplementedError):
        lnp.linalg.qr(a, mode="raw")
    assert counts == {}


@pytest.mark.parametrize("a, b", [(M, np.arange(5.0)), (M, np.ones((5, 2))), (M.T, np.ones(3)),
                                  (np.hstack([M, M[:, :1]]), np.arange(5.0))])
def test_lstsq_takes_numpy_at_the_default_rcond_with_an_int_rank(a, b):
    fast, plain, called = fast_and_plain(lnp.linalg.lstsq, a, b)
    assert called == 1 and bench.same(fast, plain, exact=False)
    assert type(fast[2]) is int and type(np.linalg.lstsq(a, b)[2]) is not int


@pytest.mark.parametrize("args, kwargs", [((M, np.ones(5)), {"rcond": -1}),
                                          ((M.astype(np.float32), np.ones(5)), {}),
                                          ((M.tolist(), np.ones(5)), {})])
def test_lstsq_keeps_linad_otherwise(args, kwargs):
    fast, plain, called = fast_and_plain(lnp.linalg.lstsq, *args, **kwargs)
    assert called == 0 and bench.same(fast, plain, exact=False)


ORDER_STATISTICS = [(lnp.median, ()), (lnp.nanmedian, ()), (lnp.quantile, (0.3,)),
                    (lnp.nanquantile, ([0.1, 0.9],)), (lnp.percentile, (np.array([5.0, 50.0]),)),
                    (lnp.nanpercentile, (75,))]
X = np.random.default_rng(5).standard_normal((4, 5))


@pytest.mark.parametrize("fn, q", ORDER_STATISTICS)
@pytest.mark.parametrize("kwargs", [{}, {"axis": 1}, {"axis": 0, "keepdims": True}])
def test_order_statistics_take_numpy_on_finite_float64(fn, q, kwargs):
    ties = X.copy()
    ties[0, :2] = ties[1, 3]
    for a in (X, ties):
        fast, plain, called = fast_and_plain(fn, a, *q, **kwargs)
        assert called == 1 and bench.same(fast, plain, exact=False), fn.__name__


@pytest.mark.parametrize("method", ["inverted_cdf", "hazen", "weibull", "median_unbiased",
                                    "lower", "higher", "midpoint", "nearest"])
def test_quantile_methods_agree_on_the_fast_path(method):
    fast, plain, called = fast_and_plain(lnp.quantile, X, [0.0, 0.25, 1.0], axis=1,
                                         method=method)
    assert called == 1 and bench.same(fast, plain, exact=False)


def _with(value):
    a = X.copy()
    a[1, 2] = value
    return a


@pytest.mark.filterwarnings("ignore::RuntimeWarning")   # linad's own arithmetic on infinities
@pytest.mark.parametrize("fn, q", ORDER_STATISTICS)
@pytest.mark.parametrize("a", [_with(np.nan), _with(np.inf), _with(-np.inf), np.zeros((0, 3)),
                               X.astype(np.float32), np.arange(6), X.tolist()],
                         ids=["nan", "inf", "-inf", "empty", "float32", "int", "list"])
def test_order_statistics_keep_linad_elsewhere(fn, q, a):
    fast, plain, called = fast_and_plain(fn, a, *q, axis=-1)
    assert called == 0 and bench.same(fast, plain, exact=False)


@pytest.mark.parametrize("fn", [lnp.median, lnp.quantile])
def test_order_statistics_keep_linad_errors_and_input(fn):
    q = () if fn is lnp.median else (0.5,)
    counts = {}
    with counting_numpy(fn, counts):
        with pytest.raises(TypeError):
            fn(X + 1j, *q)
        a = X[0].copy()
        fn(a, *q, overwrite_input=True)
    np.testing.assert_array_equal(a, X[0])
    assert counts == {}
    if fn is lnp.quantile:
        with counting_numpy(fn, counts), pytest.raises(TypeError, match="weights"):
            fn(X[0], 0.5, method="inverted_cdf", weights=np.ones(5))
        assert counts == {}
        _, _, called = fast_and_plain(fn, X[0], np.float32(0.3))
        assert called == 0


@pytest.mark.parametrize("name, args, kwargs", [
    ("zeros_like", ([1.0, 2.0],), {}), ("ones_like", ([[1, 2], [3, 4]],), {}),
    ("full_like", ([1.0, 2.0, 3.0], 7), {}), ("zeros_like", (A32,), {"dtype": np.float32}),
    ("ones_like", (A32,), {"shape": (4,)}), ("full_like", (A32, [1.0, 2.0]), {}),
    ("zeros_like", (2.5,), {}), ("full_like", ((1, 2), 0.5), {"dtype": float}),
])
def test_like_constructors_return_at_arrays_on_both_paths(name, args, kwargs):
    fn = getattr(lnp, name)
    fast, plain, called = fast_and_plain(fn, *args, **kwargs)
    assert called == 1 and bench.same(fast, plain)
    assert type(fast) is type(plain) is _creation.AtArray
    np.testing.assert_array_equal(fast, getattr(np, name)(*args, **kwargs))
    assert fast.shape == np.shape(getattr(np, name)(*args, **kwargs))
    if fast.ndim:
        np.testing.assert_array_equal(fast.at[0].set(9.0)[0], 9.0)


@pytest.mark.parametrize("a", [[1.0, 2.0], [[1, 2, 3]], 3.0, (True, False)])
def test_empty_like_is_zero_filled_on_lists(a):
    out = lnp.empty_like(a)
    assert type(out) is _creation.AtArray and out.shape == np.shape(a)
    assert out.dtype == np.asarray(a).dtype and not out.any()
