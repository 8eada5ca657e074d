"""linad.vmap: semantics, errors, composition with the other transformations, and
Jacobians as one batched pass per nesting level."""
from __future__ import annotations

import numpy as np
import pytest

import linad
import linad.numpy as lnp
from linad.core import TracerConversionError
from linad.ir import LinearProgram
from linad.optimize.compile import CompiledProgram

rng = np.random.default_rng(7)


def loop(f, *xs):
    return np.stack([f(*x) for x in zip(*xs)])


def f_model(w, x):
    return np.sum(np.tanh(x @ w) ** 2) + np.abs(w).max()


# ------------------------------------------------------------------ semantics

def test_vmap_equals_a_loop_for_mixed_programs():
    f = lambda x: np.sort(np.exp(x) * x[::-1])[1:] @ np.cumsum(x)[:-1] + np.linalg.norm(x)
    xs = rng.standard_normal((5, 4))
    np.testing.assert_allclose(linad.vmap(f)(xs), loop(f, xs), rtol=1e-13)


def test_in_axes_positions_negative_and_none():
    A = rng.standard_normal((3, 4))
    xs = rng.standard_normal((4, 6))                      # batch along axis 1
    out = linad.vmap(lambda A, x: A @ x, in_axes=(None, -1))(A, xs)
    np.testing.assert_allclose(out, (A @ xs).T, rtol=1e-13)


def test_in_axes_pytree_prefix_and_kwargs():
    params = {"w": rng.standard_normal((5, 3)), "b": rng.standard_normal(3)}
    xs = rng.standard_normal((5, 2))

    def f(p, x, scale=1.0):
        return (x @ p["w"][:2] + p["b"]) * scale
    out = linad.vmap(f, in_axes=({"w": 0, "b": None}, 0))(params, xs)
    expected = np.stack([f({"w": w, "b": params["b"]}, x) for w, x in zip(params["w"], xs)])
    np.testing.assert_allclose(out, expected, rtol=1e-13)
    scales = np.arange(1.0, 6.0)
    out = linad.vmap(lambda x, scale: x * scale)(xs, scale=scales)   # keyword: mapped on axis 0
    np.testing.assert_allclose(out, xs * scales[:, None])


def test_out_axes_broadcast_and_none():
    xs = rng.standard_normal((4, 3))
    out = linad.vmap(lambda x: (x * 2.0, np.ones(2)), out_axes=(1, 0))(xs)
    np.testing.assert_allclose(out[0], 2.0 * xs.T)
    np.testing.assert_array_equal(out[1], np.ones((4, 2)))  # unbatched output, broadcast
    out = linad.vmap(lambda x: (x.sum(), np.arange(3.0)), out_axes=(0, None))(xs)
    np.testing.assert_array_equal(out[1], np.arange(3.0))


def test_vmap_of_vmap_and_batched_matrices():
    A = rng.standard_normal((2, 3, 4, 4)) + 4 * np.eye(4)
    f = lambda a: np.trace(a @ a.T) - a[0] @ a[:, 1]
    out = linad.vmap(linad.vmap(f))(A)
    np.testing.assert_allclose(out, np.stack([loop(f, a) for a in A]), rtol=1e-13)
    out = linad.vmap(linad.vmap(f, in_axes=1), in_axes=0)(np.moveaxis(A, 1, 2))
    np.testing.assert_allclose(out, np.stack([loop(f, a) for a in A]), rtol=1e-13)


def test_float32_is_kept():
    xs = rng.standard_normal((3, 4)).astype(np.float32)
    out = linad.vmap(lambda x: np.exp(x) @ x)(xs)
    assert out.dtype == np.float32


def test_batched_index_gathers():
    table = rng.standard_normal((6, 3))
    idx = np.array([4, 0, 5])
    out = linad.vmap(lambda i: lnp.take(table, i, axis=0) * 2.0)(idx)
    np.testing.assert_allclose(out, table[idx] * 2.0)
    with pytest.raises(TracerConversionError, match="use lnp.take"):
        linad.vmap(lambda i: table[i])(idx)       # a NumPy array cannot be indexed by a tracer
    g = linad.grad(lambda t: linad.vmap(lambda i: t[i].sum())(idx).sum())(table)
    expected = np.zeros_like(table)
    expected[idx] = 1.0
    np.testing.assert_allclose(g, expected)


# ------------------------------------------------------------------ composition

def test_per_example_gradients_and_gradient_of_vmap():
    w, xs = rng.standard_normal(3), rng.standard_normal((6, 4, 3))
    g = linad.grad(f_model)
    per_example = linad.vmap(g, in_axes=(None, 0))(w, xs)
    np.testing.assert_allclose(per_example, loop(lambda x: g(w, x), xs), rtol=1e-12)
    total = linad.grad(lambda w: linad.vmap(f_model, in_axes=(None, 0))(w, xs).sum())(w)
    np.testing.assert_allclose(total, per_example.sum(0), rtol=1e-12)


def test_jvp_linearize_vjp_of_a_vmapped_function():
    xs, ts = rng.standard_normal((4, 3)), rng.standard_normal((4, 3))
    f = lambda x: np.sin(x) * x.sum()
    F = linad.vmap(f)
    out, tan = linad.jvp(F, (xs,), (ts,))
    np.testing.assert_allclose(tan, loop(lambda x, t: linad.jvp(f, (x,), (t,))[1], xs, ts),
                               rtol=1e-13)
    _, f_lin = linad.linearize(F, xs)
    np.testing.assert_allclose(f_lin(ts), tan, rtol=1e-13)
    _, pullback = linad.vjp(F, xs)
    np.testing.assert_allclose(
        pullback(ts)[0], loop(lambda x, t: linad.vjp(f, x)[1](t)[0], xs, ts), rtol=1e-13)


def test_vmap_of_jvp_vjp_and_hessian():
    xs, ts = rng.standard_normal((4, 3)), rng.standard_normal((4, 3))
    f = lambda x: np.sum(np.exp(x) * x[::-1])
    out = linad.vmap(lambda x, t: linad.jvp(f, (x,), (t,))[1])(xs, ts)
    np.testing.assert_allclose(out, loop(lambda x, t: linad.jvp(f, (x,), (t,))[1], xs, ts))
    H = linad.vmap(linad.hessian(f))(xs)
    np.testing.assert_allclose(H, loop(linad.hessian(f), xs), rtol=1e-12)
    H2 = linad.hessian(lambda x: linad.vmap(f)(x).sum())(xs)
    block = np.stack([H2[i, :, i, :] for i in range(4)])
    np.testing.assert_allclose(block, H, rtol=1e-12)


def test_vmap_closing_over_an_outer_tracer():
    xs = rng.standard_normal((5, 3))

    def outer(w):
        return linad.vmap(lambda x: np.sin(x @ w))(xs).sum()
    w = rng.standard_normal(3)
    expected = sum(linad.grad(lambda w, x=x: np.sin(x @ w))(w) for x in xs)
    np.testing.assert_allclose(linad.grad(outer)(w), expected, rtol=1e-12)


def test_vmap_of_a_linear_map_is_its_matmat():
    A = rng.standard_normal((3, 4))
    _, f_lin = linad.linearize(lambda x: np.tanh(A @ x), rng.standard_normal(4))
    ts = rng.standard_normal((6, 4))
    np.testing.assert_allclose(linad.vmap(f_lin)(ts), f_lin.matmat(ts), rtol=1e-13)
    np.testing.assert_allclose(linad.vmap(f_lin.T)(np.ones((2, 3))), f_lin.T.matmat(np.ones((2, 3))))


def test_vmap_with_jit_both_ways():
    xs = rng.standard_normal((5, 3))
    f = lambda x: np.maximum(x, 0.0) @ np.cos(x)
    np.testing.assert_allclose(linad.jit(linad.vmap(f))(xs), loop(f, xs), rtol=1e-13)
    np.testing.assert_allclose(linad.vmap(linad.jit(f))(xs), loop(f, xs), rtol=1e-13)
    jg = linad.jit(linad.vmap(linad.grad(f)))
    np.testing.assert_allclose(jg(xs), loop(linad.grad(f), xs), rtol=1e-13)
    np.testing.assert_allclose(jg(-xs), loop(linad.grad(f), -xs), rtol=1e-13)  # masks replayed


# ------------------------------------------------------------------ errors

def test_errors_name_the_problem():
    xs = np.ones((3, 2))
    with pytest.raises(ValueError, match="different sizes.*argument 0: size 3.*argument 1: size 4"):
        linad.vmap(lambda a, b: a)(xs, np.ones(4))
    with pytest.raises(ValueError, match="in_axes for argument 0 is 2, out of range"):
        linad.vmap(lambda a: a, in_axes=2)(xs)
    with pytest.raises(ValueError, match="in_axes are None for every argument"):
        linad.vmap(lambda a: a, in_axes=None)(xs)
    with pytest.raises(ValueError, match="in_axes has 1 entries but the function was called with 2"):
        linad.vmap(lambda a, b: a, in_axes=(0,))(xs, xs)
    with pytest.raises(ValueError, match="0-d .scalar. value mapped"):
        linad.vmap(lambda a, b: a * b)(xs, 2.0)
    with pytest.raises(ValueError, match="out_axes is None for output 0"):
        linad.vmap(lambda a: a, out_axes=None)(xs)
    with pytest.raises(ValueError, match="does not match the structure"):
        linad.vmap(lambda p: p["a"], in_axes=({"b": 0},))({"a": xs})
    with pytest.raises(TypeError, match="in_axes must be an int, None, or a tuple"):
        linad.vmap(lambda a: a, in_axes="0")(xs)


def test_python_if_on_a_batched_value_is_a_type_error():
    def f(x):
        if x.sum() > 0:
            return x
        return -x
    with pytest.raises(TracerConversionError, match="inside linad.vmap.*lnp.where"):
        linad.vmap(f)(np.ones((3, 2)))
    assert issubclass(TracerConversionError, TypeError)
    fixed = linad.vmap(lambda x: lnp.where(x.sum() > 0, x, -x))(np.array([[1.0, 2.0], [-3.0, 1.0]]))
    np.testing.assert_array_equal(fixed, [[1.0, 2.0], [3.0, -1.0]])


def test_escaped_batch_tracer():
    leaked = []
    linad.vmap(lambda x: leaked.append(x) or x)(np.ones((2, 2)))
    with pytest.raises(linad.EscapedTracerError):
        np.sin(leaked[0])


# ------------------------------------------------------------------ one batched pass per level

@pytest.fixture
def count_passes(monkeypatch):
    counts = {"compiled-batched": 0, "compiled-single": 0, "program-calls": 0}
    run = CompiledProgram.__call__
    call = LinearProgram.__call__

    def counting_run(self, args, batched):
        counts["compiled-batched" if batched else "compiled-single"] += 1
        return run(self, args, batched)

    def counting_call(self, *args):
        counts["program-calls"] += 1
        return call(self, *args)
    monkeypatch.setattr(CompiledProgram, "__call__", counting_run)
    monkeypatch.setattr(LinearProgram, "__call__", counting_call)
    return counts


def test_nested_jacobian_is_one_batched_pass_per_level(count_passes):
    f = lambda x: np.tanh(x) * x[::-1] + np.sin(x).sum()
    x = rng.standard_normal(6)
    J2 = linad.jacfwd(linad.jacrev(f))(x)                  # inner: 6 cotangents; outer: 6 tangents
    # outer level: one compiled batched pass; inner level: the program run once, batched
    assert count_passes == {"compiled-batched": 1, "compiled-single": 0, "program-calls": 1}
    np.testing.assert_allclose(J2, linad.jacrev(linad.jacrev(f))(x), atol=1e-13)


def test_hessian_of_a_vector_valued_inner_jacobian_is_not_a_column_loop(count_passes):
    X = rng.standard_normal((4, 3))
    H = linad.hessian(lambda X: np.sum(np.sin(X.T @ X)))(X)
    assert H.shape == (4, 3, 4, 3)
    assert count_passes["compiled-batched"] == 1
    assert count_passes["program-calls"] <= 1
    eps, E = 1e-6, np.zeros_like(X)
    E[1, 2] = 1.0
    gr = linad.grad(lambda X: np.sum(np.sin(X.T @ X)))
    np.testing.assert_allclose(H[..., 1, 2], (gr(X + eps * E) - gr(X - eps * E)) / (2 * eps),
                               atol=1e-7)
