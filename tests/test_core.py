"""Issue 2: the core API, the seed examples, pytrees, higher order and bad input."""
import collections

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import linad
import linad.numpy as lnp
from linad.testing import check_grads, check_transpose

rng = np.random.default_rng(42)


def rel_err(a, b):
    return np.max(np.abs(np.asarray(a) - np.asarray(b))) / max(np.max(np.abs(np.asarray(b))), 1e-300)


# ------------------------------------------------------------------ the seed examples

@settings(max_examples=10)
@given(st.integers(1, 6), st.integers(1, 6), st.integers(1, 6))
def test_seed_pullback_A_X_wrt_X(n, k, m):
    A, X, V = rng.standard_normal((n, k)), rng.standard_normal((k, m)), rng.standard_normal((n, m))
    _, pb = linad.vjp(lambda X: A @ X, X)
    assert rel_err(pb(V)[0], A.T @ V) < 1e-12


@settings(max_examples=10)
@given(st.integers(1, 6), st.integers(1, 6), st.integers(1, 6))
def test_seed_pullback_A_X_wrt_A(n, k, m):
    A, X, V = rng.standard_normal((n, k)), rng.standard_normal((k, m)), rng.standard_normal((n, m))
    _, pb = linad.vjp(lambda A: A @ X, A)
    assert rel_err(pb(V)[0], V @ X.T) < 1e-12


def test_seed_pullback_both_partials():
    A, X, V = rng.standard_normal((4, 3)), rng.standard_normal((3, 5)), rng.standard_normal((4, 5))
    _, pb = linad.vjp(lambda A, X: A @ X, A, X)
    gA, gX = pb(V)
    assert rel_err(gA, V @ X.T) < 1e-12
    assert rel_err(gX, A.T @ V) < 1e-12


@settings(max_examples=10)
@given(st.integers(1, 6), st.integers(1, 6))
def test_seed_pullback_XtX(k, l):
    X, V = rng.standard_normal((k, l)), rng.standard_normal((l, l))
    _, pb = linad.vjp(lambda X: X.T @ X, X)
    assert rel_err(pb(V)[0], X @ (V + V.T)) < 1e-12
    _, f_lin = linad.linearize(lambda X: X.T @ X, X)
    assert rel_err(f_lin.T(V)[0], X @ (V + V.T)) < 1e-12
    T = rng.standard_normal((k, l))
    assert rel_err(f_lin(T), T.T @ X + X.T @ T) < 1e-12


# ------------------------------------------------------------------ LinearMap

def test_linearize_does_not_rerun_function():
    calls = []

    def f(x):
        calls.append(1)
        return lnp.sin(x) * x

    x = rng.standard_normal(5)
    out, f_lin = linad.linearize(f, x)
    assert len(calls) == 1
    t = rng.standard_normal(5)
    np.testing.assert_allclose(f_lin(t), (np.cos(x) * x + np.sin(x)) * t, rtol=1e-13)
    f_lin(t)
    f_lin.T(t)
    assert len(calls) == 1


def test_print_program_names_residuals():
    X = rng.standard_normal((100, 50))  # large enough for share_einsums
    _, f_lin = linad.linearize(lambda X: X.T @ X, X)
    text = str(f_lin)
    assert "f64[100,50]" in text and "f64[50,50]" in text
    assert "residuals: r0:f64[100,50]" in text
    assert "einsum" in text and "transpose" in text
    assert str(X[0, 0])[:6] not in text  # residual values are not dumped
    ttext = str(f_lin.T)
    assert "einsum" in ttext and ttext != text
    assert len(text.splitlines()) == len(str(f_lin.T.T).splitlines())


def test_transpose_twice_applies_as_original():
    x = rng.standard_normal((3, 4))
    _, f_lin = linad.linearize(lambda x: lnp.tanh(x @ x.T) * 2.0 + x.sum(), x)
    t = rng.standard_normal((3, 4))
    np.testing.assert_allclose(f_lin.T.T(t), f_lin(t), rtol=1e-12)
    check_transpose(f_lin)


def test_conjugate_transpose_and_scipy():
    z = rng.standard_normal(3) + 1j * rng.standard_normal(3)
    c = rng.standard_normal(3) + 1j * rng.standard_normal(3)
    _, f_lin = linad.linearize(lambda z: z * c, z)
    v = rng.standard_normal(3) + 1j * rng.standard_normal(3)
    np.testing.assert_allclose(f_lin.T(v)[0], c * v)
    np.testing.assert_allclose(f_lin.H(v)[0], np.conj(c) * v)
    op = f_lin.to_scipy()
    assert op.shape == (3, 3) and op.dtype == np.complex128
    np.testing.assert_allclose(op.matvec(v), c * v)
    np.testing.assert_allclose(op.rmatvec(v), np.conj(c) * v)
    np.testing.assert_allclose(op.matvec(v.reshape(3, 1)).ravel(), c * v)


def test_to_scipy_real_shapes_and_pytrees():
    A = rng.standard_normal((4, 3))
    x, y = rng.standard_normal(3), rng.standard_normal((2, 2))
    _, f_lin = linad.linearize(lambda x, y: {"a": A @ x, "b": y * 2.0}, x, y)
    op = f_lin.to_scipy()
    assert op.shape == (8, 7) and op.dtype == np.float64
    u = rng.standard_normal(7)
    w = rng.standard_normal(8)
    np.testing.assert_allclose(np.dot(op.matvec(u), w), np.dot(u, op.rmatvec(w)), rtol=1e-12)
    dense = op.matmat(np.eye(7))
    np.testing.assert_allclose(dense[:4, :3], A)
    np.testing.assert_allclose(op.rmatmat(np.eye(8)), dense.T)
    check_transpose(f_lin)


def test_matmat_batched_equals_loop():
    x = rng.standard_normal((3, 2))
    _, f_lin = linad.linearize(lambda x: lnp.exp(x) @ x.T + x[0].sum(), x)
    U = rng.standard_normal((5, 3, 2))
    out = f_lin.matmat(U)
    for k in range(5):
        np.testing.assert_allclose(out[k], f_lin(U[k]), rtol=1e-12)
    V = rng.standard_normal((4, 3, 3))
    outT = f_lin.T.matmat(V)[0]
    for k in range(4):
        np.testing.assert_allclose(outT[k], f_lin.T(V[k])[0], rtol=1e-12)


# ------------------------------------------------------------------ grad / vjp / jvp API

def test_grad_argnums_and_value_and_grad():
    def f(x, y, n):
        return (x * y).sum() * n

    x, y = rng.standard_normal(3), rng.standard_normal(3)
    np.testing.assert_allclose(linad.grad(f)(x, y, 2), 2 * y)
    gx, gy = linad.grad(f, argnums=(0, 1))(x, y, 2)
    np.testing.assert_allclose(gx, 2 * y)
    np.testing.assert_allclose(gy, 2 * x)
    v, g = linad.value_and_grad(f, argnums=1)(x, y, 3)
    np.testing.assert_allclose(v, 3 * (x * y).sum())
    np.testing.assert_allclose(g, 3 * x)


def test_has_aux():
    def f(x):
        return (x ** 2).sum(), {"mean": x.mean(), "n": 3}

    x = rng.standard_normal(4)
    (v, aux), g = linad.value_and_grad(f, has_aux=True)(x)
    np.testing.assert_allclose(g, 2 * x)
    np.testing.assert_allclose(aux["mean"], x.mean())
    assert not isinstance(aux["mean"], linad.core.Tracer)
    g2, aux2 = linad.grad(f, has_aux=True)(x)
    np.testing.assert_allclose(g2, 2 * x)
    out, f_vjp, aux3 = linad.vjp(f, x, has_aux=True)
    np.testing.assert_allclose(f_vjp(1.0)[0], 2 * x)


def test_python_scalars_and_0d():
    assert np.isclose(linad.grad(lambda x: x ** 3)(2.0), 12.0)
    assert np.isclose(linad.grad(lambda x: lnp.sin(x))(np.array(0.5)), np.cos(0.5))
    out, t = linad.jvp(lambda x: x * x, (3.0,), (1.0,))
    assert np.isclose(out, 9.0) and np.isclose(t, 6.0)
    # an integer argument that is not differentiated is fine
    assert np.isclose(linad.grad(lambda x, n: x ** n)(2.0, 3), 12.0)


def test_jvp_matches_linearize():
    x = rng.standard_normal((2, 3))
    t = rng.standard_normal((2, 3))
    f = lambda x: lnp.tanh(x) @ x.T
    out1, t1 = linad.jvp(f, (x,), (t,))
    out2, f_lin = linad.linearize(f, x)
    np.testing.assert_allclose(out1, out2)
    np.testing.assert_allclose(t1, f_lin(t), rtol=1e-12)


def test_output_independent_of_input_gives_zero_tangent():
    out, t = linad.jvp(lambda x: np.ones(3), (np.ones(2),), (np.ones(2),))
    np.testing.assert_array_equal(t, np.zeros(3))
    g = linad.grad(lambda x: 3.0 + 0 * x.sum())(np.ones(2))
    np.testing.assert_array_equal(g, np.zeros(2))
    _, f_vjp = linad.vjp(lambda x, y: x * 2.0, np.ones(2), np.ones(3))
    gx, gy = f_vjp(np.ones(2))
    np.testing.assert_array_equal(gy, np.zeros(3))


def test_fan_out_accumulates():
    x = rng.standard_normal(4)
    g = linad.grad(lambda x: (x * x * x).sum() + (x + x).sum())(x)
    np.testing.assert_allclose(g, 3 * x ** 2 + 2, rtol=1e-12)


# ------------------------------------------------------------------ higher order

def test_grad_of_grad():
    f = lambda x: lnp.sin(x) * x ** 2
    x = 0.7
    d2 = linad.grad(linad.grad(f))(x)
    expected = -np.sin(x) * x ** 2 + 4 * x * np.cos(x) + 2 * np.sin(x)
    assert np.isclose(d2, expected, rtol=1e-12)
    d3 = linad.grad(linad.grad(linad.grad(f)))(x)
    expected3 = -np.cos(x) * x ** 2 - 6 * x * np.sin(x) + 6 * np.cos(x)
    assert np.isclose(d3, expected3, rtol=1e-11)


def test_jvp_of_grad_is_hvp():
    A = rng.standard_normal((4, 4))
    A = A + A.T
    f = lambda x: 0.5 * x @ (A @ x) + lnp.sin(x).sum()
    x, v = rng.standard_normal(4), rng.standard_normal(4)
    _, hv = linad.jvp(linad.grad(f), (x,), (v,))
    np.testing.assert_allclose(hv, A @ v - np.sin(x) * v, rtol=1e-12)


def test_grad_of_function_calling_jvp():
    def f(x):
        _, t = linad.jvp(lambda y: lnp.sin(y) * y, (x,), (np.ones(x.shape),))
        return t.sum()

    x = rng.standard_normal(3)
    # d/dx [cos(x) x + sin(x)] = -sin(x) x + 2 cos(x)
    np.testing.assert_allclose(linad.grad(f)(x), -np.sin(x) * x + 2 * np.cos(x), rtol=1e-12)


def test_linearize_of_function_calling_vjp():
    def g(x):
        _, pb = linad.vjp(lambda y: (lnp.exp(y) * y).sum(), x)
        return pb(1.0)[0]  # (1 + x) e^x

    x = rng.standard_normal(3)
    t = rng.standard_normal(3)
    _, f_lin = linad.linearize(g, x)
    np.testing.assert_allclose(f_lin(t), (2 + x) * np.exp(x) * t, rtol=1e-12)
    check_transpose(f_lin)


def test_nested_no_perturbation_confusion():
    # d/dx [x * d/dy (x + y)] = 1 (JAX's classic example)
    def f(x):
        return x * linad.grad(lambda y: x + y)(1.0)
    assert np.isclose(linad.grad(f)(2.0), 1.0)


def test_check_grads_second_order_matrix():
    X = rng.standard_normal((3, 3)) + 3 * np.eye(3)
    check_grads(lambda X: (lnp.linalg.inv(X) @ X.T).sum(), (X,), order=2)


# ------------------------------------------------------------------ pytrees

Point = collections.namedtuple("Point", "x y")


def test_pytrees_in_and_out():
    params = {"w": rng.standard_normal((2, 3)), "b": [rng.standard_normal(2), None],
              "p": Point(1.0, rng.standard_normal(2))}

    def f(p):
        return ((p["w"].sum(axis=1) + p["b"][0]) * p["p"].x * p["p"].y).sum()

    g = linad.grad(f)(params)
    assert set(g) == {"w", "b", "p"} and isinstance(g["p"], Point) and g["b"][1] is None
    np.testing.assert_allclose(g["b"][0], params["p"].y)
    out, t = linad.jvp(lambda p: {"s": f(p), "w": p["w"]}, (params,),
                       (linad.tree_map(lambda a: np.ones(np.shape(a)), params),))
    np.testing.assert_allclose(t["w"], np.ones((2, 3)))


def test_register_pytree_node():
    class Pair:
        def __init__(self, a, b):
            self.a, self.b = a, b

    linad.register_pytree_node(Pair, lambda p: ((p.a, p.b), None), lambda aux, ch: Pair(*ch))
    g = linad.grad(lambda p: (p.a * p.b).sum())(Pair(np.ones(2) * 2.0, np.ones(2) * 3.0))
    assert isinstance(g, Pair)
    np.testing.assert_allclose(g.a, 3.0)
    np.testing.assert_allclose(g.b, 2.0)


# ------------------------------------------------------------------ linear_transpose

def test_linear_transpose():
    A = rng.standard_normal((3, 4))
    f_t = linad.linear_transpose(lambda x: A @ x + 2.0 * x[:3], np.zeros(4))
    v = rng.standard_normal(3)
    expected = A.T @ v + np.concatenate([2.0 * v, [0.0]])
    np.testing.assert_allclose(f_t(v)[0], expected, rtol=1e-12)
    assert "einsum" in str(f_t)


def test_linear_transpose_rejects_nonlinear():
    with pytest.raises(linad.LinearityError, match="sin is not a linear operation"):
        linad.linear_transpose(lambda x: lnp.sin(x), np.zeros(2))
    with pytest.raises(linad.LinearityError, match="mul was applied to 2 linear"):
        linad.linear_transpose(lambda x: x * x, np.zeros(2))
    with pytest.raises(linad.LinearityError, match="affine"):
        linad.linear_transpose(lambda x: x + 1.0, np.zeros(2))
    with pytest.raises(linad.LinearityError, match="reciprocal is not a linear operation"):
        linad.linear_transpose(lambda x: 1.0 / x, np.ones(2))
    with pytest.raises(linad.LinearityError, match="div is not linear in its operand 1"):
        linad.linear_transpose(lambda x: linad.primitives.linear.div(2.0, x), np.ones(2))


# ------------------------------------------------------------------ bad input

def test_grad_non_scalar_output():
    with pytest.raises(TypeError, match=r"scalar output.*shape \(3,\)"):
        linad.grad(lambda x: x * 2)(np.ones(3))


def test_grad_integer_input():
    with pytest.raises(TypeError, match="int64.*float or complex"):
        linad.grad(lambda x: x * 2.0)(np.arange(3))
    with pytest.raises(TypeError, match="float or complex"):
        linad.grad(lambda x: x * 2.0)(3)
    with pytest.raises(TypeError, match="float or complex"):
        linad.jvp(lambda x: x, (np.array([True]),), (np.array([1.0]),))


def test_wrong_tangent_shape_and_dtype():
    with pytest.raises(ValueError, match=r"tangent 0 has shape \(2,\) but its primal has shape \(3,\)"):
        linad.jvp(lnp.sin, (np.ones(3),), (np.ones(2),))
    with pytest.raises(TypeError, match="tangent 0 has dtype float32 but its primal has dtype float64"):
        linad.jvp(lnp.sin, (np.ones(3),), (np.ones(3, np.float32),))
    _, f_lin = linad.linearize(lnp.sin, np.ones(3))
    with pytest.raises(ValueError, match=r"shape \(4,\), expected shape \(3,\)"):
        f_lin(np.ones(4))
    with pytest.raises(TypeError, match="dtype complex128, expected float64"):
        f_lin(np.ones(3, complex))
    _, f_vjp = linad.vjp(lnp.sin, np.ones(3))
    with pytest.raises(ValueError, match="cotangent 0 has shape"):
        f_vjp(np.ones(2))


def test_nonlinear_jvp_rule_is_caught():
    from linad.core import Primitive
    from linad.primitives.rules import defjvp
    from linad.primitives import linear as L

    bad_p = Primitive("bad_square_for_test", np.square)
    defjvp(bad_p, lambda t, ans, x: L.mul(t, t))  # uses the tangent nonlinearly
    try:
        with pytest.raises(linad.LinearityError,
                           match="JVP rule of primitive 'bad_square_for_test' is not linear"):
            linad.linearize(lambda x: bad_p.bind(x), np.ones(2))
        with pytest.raises(linad.LinearityError, match="bad_square_for_test"):
            linad.grad(lambda x: bad_p.bind(x).sum())(np.ones(2))
    finally:
        del linad.core.PRIMITIVES["bad_square_for_test"]


def test_stop_gradient():
    assert np.isclose(linad.grad(lambda x: x * linad.stop_gradient(x))(3.0), 3.0)


def test_escaped_tracer():
    leaked = []
    linad.grad(lambda x: (leaked.append(x), x * 2.0)[1])(1.0)
    with pytest.raises(linad.EscapedTracerError, match="escaped from the grad"):
        leaked[0] * 3.0


def test_float32_preserved():
    x = rng.standard_normal((3, 3)).astype(np.float32)
    g = linad.grad(lambda x: (lnp.tanh(x @ x) * 2.0).sum())(x)
    assert g.dtype == np.float32
    _, f_lin = linad.linearize(lambda x: lnp.exp(x) * 3.0, x)
    assert f_lin(x).dtype == np.float32
    assert f_lin.T(x)[0].dtype == np.float32


def test_weak_scalar_dtypes_are_not_confused():
    # regression: a cache keyed by 0 == 0.0 == 0j mixed up float and complex scalars
    _, l1 = linad.linearize(lambda x: x * (1 + 2j), np.ones(2))
    assert l1.out_avals[0][1] == np.complex128
    _, l2 = linad.linearize(lambda x: x * 2.0, np.ones(3))
    assert l2.out_avals[0][1] == np.float64
    _, l3 = linad.linearize(lambda x: x * 2, np.ones(3, np.float32))
    assert l3.out_avals[0][1] == np.float32


def test_unary_linear_primitives_run_batched():
    # regression: neg/real/imag/conj had bare ufuncs as batch rules
    z = np.ones(2) + 1j
    _, f_lin = linad.linearize(lambda z: -lnp.conj(z) + lnp.real(z) * lnp.imag(z), z)
    U = rng.standard_normal((3, 2)) + 1j * rng.standard_normal((3, 2))
    out = f_lin.matmat(U)
    for k in range(3):
        np.testing.assert_allclose(out[k], f_lin(U[k]))


def test_check_transpose_with_unused_input():
    _, f_lin = linad.linearize(lambda x, y: x * 2.0, np.ones(2), np.ones(2))
    check_transpose(f_lin)
    np.testing.assert_array_equal(f_lin.T(np.ones(2))[1], np.zeros(2))
