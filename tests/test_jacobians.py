"""Issue 5: jacfwd, jacrev, hessian, hvp — against each other, finite differences, closed forms."""
import collections

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from hypothesis.extra import numpy as hnp

import linad
from systematic import fd_jacobian
from linad.optimize.compile import CompiledProgram

rng = np.random.default_rng(5)


FUNCTIONS = {
    "tanh_matmul": lambda X: np.tanh(X @ X.T),
    "XtX": lambda X: X.T @ X,
    "sum_sin": lambda X: np.sin(X).sum(axis=0) * X[0],
    "scalar": lambda X: (X ** 3).sum(),
    "exp_reversed": lambda X: np.exp(X) * X[::-1] - X,
}

small_shapes = hnp.array_shapes(min_dims=1, max_dims=2, min_side=1, max_side=4)


@settings(max_examples=15)
@given(name=st.sampled_from(sorted(FUNCTIONS)), shape=small_shapes, seed=st.integers(0, 2**16))
def test_jacfwd_jacrev_finite_differences(name, shape, seed):
    f = FUNCTIONS[name]
    X = np.random.default_rng(seed).uniform(-1.5, 1.5, shape)
    Jf, Jr = linad.jacfwd(f)(X), linad.jacrev(f)(X)
    assert Jf.shape == np.shape(f(X)) + X.shape
    np.testing.assert_allclose(Jf, Jr, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(Jf, fd_jacobian(f, X), rtol=1e-6, atol=1e-7)


@settings(max_examples=10)
@given(k=st.integers(1, 5), l=st.integers(1, 5))
def test_jacobian_of_XtX_closed_form(k, l):
    X = rng.standard_normal((k, l))
    # d(X^T X)[i, j] / dX[p, q] = delta_jq X[p, i] + delta_iq X[p, j]
    eye = np.eye(l)
    expected = np.einsum("jq,pi->ijpq", eye, X) + np.einsum("iq,pj->ijpq", eye, X)
    for jac in (linad.jacfwd, linad.jacrev):
        J = jac(lambda X: X.T @ X)(X)
        assert J.shape == (l, l, k, l)
        np.testing.assert_allclose(J, expected, rtol=1e-13, atol=1e-13)


def test_jacobian_of_linear_map_is_its_matrix():
    A = rng.standard_normal((3, 5))
    for jac in (linad.jacfwd, linad.jacrev):
        np.testing.assert_allclose(jac(lambda x: A @ x)(np.zeros(5)), A, rtol=1e-15)


def test_scalar_input_and_output():
    assert linad.jacfwd(np.sin)(0.5) == pytest.approx(np.cos(0.5))
    assert linad.jacrev(np.sin)(0.5) == pytest.approx(np.cos(0.5))
    J = linad.jacfwd(lambda x: np.stack([x, x ** 2]))(3.0)
    np.testing.assert_allclose(J, [1.0, 6.0])
    J = linad.jacrev(lambda x: x.sum())(np.ones((2, 3)))
    np.testing.assert_allclose(J, np.ones((2, 3)))


def test_output_independent_of_input_gives_zeros():
    for jac in (linad.jacfwd, linad.jacrev):
        J = jac(lambda x, y: (x * 2.0, y), argnums=0)(np.ones(2), np.ones(3))
        np.testing.assert_allclose(J[0], 2 * np.eye(2))
        np.testing.assert_allclose(J[1], np.zeros((3, 2)))


# ------------------------------------------------------------------ pytrees, argnums, aux

def test_pytree_inputs_and_outputs_follow_jax_layout():
    def f(p):
        return {"u": p["a"] * p["b"][0], "v": (p["b"][1].sum(),)}
    p = {"a": rng.standard_normal(2), "b": (rng.standard_normal(2), rng.standard_normal(3))}
    for jac in (linad.jacfwd, linad.jacrev):
        J = jac(f)(p)
        assert set(J) == {"u", "v"} and isinstance(J["v"], tuple)
        assert J["u"]["a"].shape == (2, 2) and J["u"]["b"][1].shape == (2, 3)
        np.testing.assert_allclose(J["u"]["a"], np.diag(p["b"][0]))
        np.testing.assert_allclose(J["u"]["b"][0], np.diag(p["a"]))
        np.testing.assert_allclose(J["u"]["b"][1], np.zeros((2, 3)))
        np.testing.assert_allclose(J["v"][0]["b"][1], np.ones(3))
        np.testing.assert_allclose(J["v"][0]["a"], np.zeros(2))


def test_argnums_tuple_and_namedtuple_output():
    Out = collections.namedtuple("Out", "s p")
    f = lambda x, y, z: Out(x + y, x * y * z)
    x, y, z = rng.standard_normal(2), rng.standard_normal(2), 3.0
    for jac in (linad.jacfwd, linad.jacrev):
        J = jac(f, argnums=(0, 1))(x, y, z)
        assert isinstance(J, Out) and isinstance(J.s, tuple) and len(J.s) == 2
        np.testing.assert_allclose(J.s[1], np.eye(2))
        np.testing.assert_allclose(J.p[0], np.diag(y * z))
        np.testing.assert_allclose(J.p[1], np.diag(x * z))
        J1 = jac(f, argnums=1)(x, y, z)
        np.testing.assert_allclose(J1.p, np.diag(x * z))


def test_kwargs_pass_through():
    f = lambda x, scale=1.0: x * scale
    np.testing.assert_allclose(linad.jacfwd(f)(np.ones(2), scale=3.0), 3 * np.eye(2))
    np.testing.assert_allclose(linad.jacrev(f)(np.ones(2), scale=3.0), 3 * np.eye(2))


def test_has_aux():
    f = lambda x: (np.sin(x), {"norm": (x ** 2).sum()})
    x = rng.standard_normal(3)
    for jac in (linad.jacfwd, linad.jacrev):
        J, aux = jac(f, has_aux=True)(x)
        np.testing.assert_allclose(J, np.diag(np.cos(x)))
        assert not isinstance(aux["norm"], linad.core.Tracer)
        assert aux["norm"] == pytest.approx(x @ x)
    H, aux = linad.hessian(lambda x: ((x ** 3).sum(), x * 2), has_aux=True)(x)
    np.testing.assert_allclose(H, np.diag(6 * x))
    np.testing.assert_allclose(aux, 2 * x)


def test_float32_is_preserved():
    x = np.ones(3, np.float32)
    assert linad.jacfwd(lambda x: x * 2)(x).dtype == np.float32
    assert linad.jacrev(lambda x: x * 2)(x).dtype == np.float32


# ------------------------------------------------------------------ complex numbers

def test_complex_requires_holomorphic_flag():
    z = np.array([1.0 + 2.0j, -0.5j])
    with pytest.raises(TypeError, match="jacfwd requires real floating-point inputs"):
        linad.jacfwd(lambda z: z ** 2)(z)
    with pytest.raises(TypeError, match="jacrev requires real floating-point outputs"):
        linad.jacrev(lambda x: x * (1 + 1j))(np.ones(2))
    with pytest.raises(TypeError, match="holomorphic=True requires complex inputs"):
        linad.jacfwd(lambda x: x * (1 + 1j), holomorphic=True)(np.ones(2))
    with pytest.raises(TypeError, match="holomorphic=True requires complex outputs"):
        linad.jacfwd(lambda z: (z * z.conj()).real, holomorphic=True)(z)


def test_holomorphic_jacobians():
    z = np.array([1.0 + 2.0j, -0.5j, 0.3])
    A = rng.standard_normal((3, 3)) + 1j * rng.standard_normal((3, 3))
    f = lambda z: A @ (z * z)
    expected = A * (2 * z)[None, :]
    for jac in (linad.jacfwd, linad.jacrev):
        np.testing.assert_allclose(jac(f, holomorphic=True)(z), expected, rtol=1e-13)


def test_real_input_complex_output_forward():
    x = rng.standard_normal(2)
    J = linad.jacfwd(lambda x: x * (1 + 2j) + x ** 2)(x)
    np.testing.assert_allclose(J, np.diag(1 + 2j + 2 * x))


# ------------------------------------------------------------------ Hessians and HVPs

@settings(max_examples=10)
@given(n=st.integers(1, 5), seed=st.integers(0, 2**16))
def test_hessian_of_quadratic_form(n, seed):
    r = np.random.default_rng(seed)
    A, x = r.standard_normal((n, n)), r.standard_normal(n)
    H = linad.hessian(lambda x: x @ A @ x / 2)(x)
    np.testing.assert_allclose(H, (A + A.T) / 2, rtol=1e-13, atol=1e-13)


def test_hessian_against_finite_differences_of_gradient():
    f = lambda X: np.sum(np.tanh(X.T @ X)) + (X ** 3).sum()
    X = rng.standard_normal((3, 2))
    H = linad.hessian(f)(X)
    assert H.shape == (3, 2, 3, 2)
    np.testing.assert_allclose(H, fd_jacobian(linad.grad(f), X), rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(H.reshape(6, 6), H.reshape(6, 6).T, atol=1e-13)


def test_hessian_of_vector_function_and_argnums():
    f = lambda x: np.stack([(x ** 2).sum(), x[0] * x[1]])
    H = linad.hessian(f)(np.array([1.0, 2.0]))
    np.testing.assert_allclose(H, [2 * np.eye(2), [[0.0, 1.0], [1.0, 0.0]]])
    g = lambda x, y: (x * y ** 2).sum()
    (Hxx, Hxy), (Hyx, Hyy) = linad.hessian(g, argnums=(0, 1))(np.ones(2), np.full(2, 3.0))
    np.testing.assert_allclose(Hxx, np.zeros((2, 2)))
    np.testing.assert_allclose(Hxy, 6 * np.eye(2))
    np.testing.assert_allclose(Hyx, 6 * np.eye(2))
    np.testing.assert_allclose(Hyy, 2 * np.eye(2))


@settings(max_examples=10)
@given(n=st.integers(1, 6), seed=st.integers(0, 2**16))
def test_hvp_equals_hessian_times_vector(n, seed):
    r = np.random.default_rng(seed)
    f = lambda x: np.sum(np.sin(x) * x[::-1]) + (x ** 4).sum()
    x, v = r.standard_normal(n), r.standard_normal(n)
    np.testing.assert_allclose(linad.hvp(f, (x,), (v,)), linad.hessian(f)(x) @ v,
                               rtol=1e-12, atol=1e-12)


def test_hvp_several_primals_and_integer_tangents():
    f = lambda x, y: (x ** 2 * y).sum()
    x, y = np.array([1.0, 2.0]), np.array([3.0, 4.0])
    hx, hy = linad.hvp(f, (x, y), (np.array([1, 0]), np.array([0, 1])))
    # H = [[2 diag(y), 2 diag(x)], [2 diag(x), 0]]
    np.testing.assert_allclose(hx, [6.0, 4.0])
    np.testing.assert_allclose(hy, [2.0, 0.0])
    with pytest.raises(TypeError, match="dtype complex128"):
        linad.hvp(f, (x, y), (np.ones(2) * 1j, np.ones(2)))


def _fd_directional(g, x, v, eps):
    """Central difference of ``g`` at ``x`` along ``v``."""
    return (np.asarray(g(x + eps * v)) - np.asarray(g(x - eps * v))) / (2 * eps)


M = rng.standard_normal((6, 5))
HVP_FUNCTIONS = {
    "softplus_of_product": lambda X: np.log(1 + np.exp(M[:, :X.shape[0]] @ X)).sum(),
    "tanh_gram": lambda X: np.tanh(X.T @ X).sum() + (X ** 3).sum(),
    "sin_reversed": lambda X: (np.sin(X) * X[::-1]).sum(),
}


@pytest.mark.parametrize("name", sorted(HVP_FUNCTIONS))
@pytest.mark.parametrize("shape", [(1,), (5,), (3, 2), (2, 4)])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_hvp_against_hessian_and_finite_differences_of_gradient(name, shape, dtype):
    f = HVP_FUNCTIONS[name]
    r = np.random.default_rng(len(shape) * 10 + shape[0])
    x, v = r.standard_normal(shape).astype(dtype), r.standard_normal(shape).astype(dtype)
    hv = linad.hvp(f, (x,), (v,))
    assert hv.shape == shape and hv.dtype == dtype
    tol = dict(rtol=1e-12, atol=1e-12) if dtype == np.float64 else dict(rtol=2e-4, atol=2e-4)
    n = x.size
    H = linad.hessian(f)(x).reshape(n, n)
    np.testing.assert_allclose(hv.reshape(n), H @ v.reshape(n), **tol)
    x64, v64 = x.astype(np.float64), v.astype(np.float64)
    fd = _fd_directional(linad.grad(f), x64, v64, 1e-6)
    np.testing.assert_allclose(hv, fd, rtol=1e-5 if dtype == np.float64 else 2e-4, atol=1e-6)


def test_hvp_of_complex_input_differentiates_the_gradient():
    """Complex primals: hvp is the derivative of grad(f) (JAX's convention) along v."""
    z, w = np.array([1 + 2j, 0.3 - 1j, -0.5j]), np.array([0.2 + 0.1j, -1 + 0.5j, 0.7])
    f = lambda z: (np.abs(z) ** 4).sum() + (z * z).real.sum() + (np.sin(z) * z).imag.sum()
    hv = linad.hvp(f, (z,), (w,))
    assert hv.dtype == np.complex128
    np.testing.assert_allclose(hv, _fd_directional(linad.grad(f), z, w, 1e-6), rtol=1e-7)
    # |z|^2 = z conj(z): grad = 2 conj(z), so H w = 2 conj(w)
    np.testing.assert_allclose(linad.hvp(lambda z: (np.abs(z) ** 2).sum(), (z,), (w,)),
                               2 * np.conj(w), rtol=1e-14)


def test_hvp_of_pytrees():
    f = lambda p: (p["w"] ** 2).sum() * (p["b"][0] ** 2).sum() + np.sin(p["b"][1]).sum()
    p = {"w": np.array([1.0, 2.0]), "b": (np.array([3.0]), np.array([0.5, -1.0]))}
    v = {"w": np.array([1.0, -1.0]), "b": (np.array([2.0]), np.array([1.0, 0.5]))}
    hv = linad.hvp(f, (p,), (v,))
    assert set(hv) == {"w", "b"} and isinstance(hv["b"], tuple)
    # H = [[2 b^2 I, 4 b w, 0], [4 b w^T, 2 |w|^2, 0], [0, 0, -diag(sin b1)]]
    np.testing.assert_allclose(hv["w"], 18 * v["w"] + 12 * p["w"] * 2.0)
    np.testing.assert_allclose(hv["b"][0], [12 * (p["w"] @ v["w"]) + 10 * 2.0])
    np.testing.assert_allclose(hv["b"][1], -np.sin(p["b"][1]) * v["b"][1])


def test_hvp_of_function_with_zero_hessian():
    x, v = np.array([1.0, 2.0]), np.array([0.5, -1.0])
    for f in (lambda x: 3 * x.sum(), lambda x: np.float64(2.0)):
        hv = linad.hvp(f, (x,), (v,))
        assert hv.shape == (2,) and hv.dtype == np.float64 and not hv.any()


def test_hvp_inside_other_transformations():
    f = lambda x: (np.sin(x) * x ** 2).sum() + np.tanh(x[0] * x[1:]).sum()
    x, v = rng.standard_normal(3), rng.standard_normal(3)
    np.testing.assert_allclose(linad.jacfwd(lambda v: linad.hvp(f, (x,), (v,)))(v),
                               linad.hessian(f)(x), rtol=1e-12, atol=1e-12)
    third = lambda x: (linad.hvp(f, (x,), (v,)) * v).sum()         # d/dx <v, H(x) v>
    np.testing.assert_allclose(linad.grad(third)(x), fd_jacobian(third, x), rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(linad.jacrev(lambda x: linad.hvp(f, (x,), (v,)))(x),
                               fd_jacobian(lambda x: linad.hvp(f, (x,), (v,)), x),
                               rtol=1e-6, atol=1e-7)
    _, t = linad.jvp(lambda v: linad.hvp(f, (x,), (v,)), (v,), (x,))   # linear in v
    np.testing.assert_allclose(t, linad.hvp(f, (x,), (x,)), rtol=1e-12)
    # f closes over a tracer of an outer transformation (a parameter theta)
    quad = lambda th: (linad.hvp(lambda x: (np.sin(th * x) * x).sum() + (th * x ** 3).sum(),
                                 (x,), (v,)) * v).sum()
    theta = rng.standard_normal(3)
    np.testing.assert_allclose(linad.grad(quad)(theta), fd_jacobian(quad, theta),
                               rtol=1e-6, atol=1e-7)


def test_hvp_errors():
    f, x = lambda x: (x ** 3).sum(), np.ones(2)
    with pytest.raises(TypeError, match="hvp: tangents have structure"):
        linad.hvp(f, (x,), (x, x))
    with pytest.raises(ValueError, match="hvp: tangent 0 has shape"):
        linad.hvp(f, (x,), (np.ones(3),))
    with pytest.raises(TypeError, match="hvp: input 0 has dtype int64"):
        linad.hvp(f, (np.arange(2),), (x,))
    with pytest.raises(TypeError, match="requires a scalar output"):
        linad.hvp(lambda x: x ** 3, (x,), (x,))
    with pytest.raises(TypeError, match="requires a real floating-point scalar output"):
        linad.hvp(lambda x: (x ** 3).sum() * 1j, (x,), (x,))


@pytest.fixture
def count_matrix_products(monkeypatch):
    """Counts einsum evaluations with a matrix operand (concrete values only)."""
    from linad.primitives import linear as L
    calls = []
    impl = L.einsum_p.impl

    def counting(*ops, **params):
        if any(np.ndim(o) == 2 for o in ops):
            calls.append(params["spec"])
        return impl(*ops, **params)
    monkeypatch.setattr(L.einsum_p, "impl", counting)
    return calls


def test_hvp_does_three_matrix_products_like_a_hand_written_one(count_matrix_products):
    """f(x) = sum(softplus(A x)): H v = A^T (s (1 - s) (A v)); the gradient A^T s is not formed."""
    A, x, v = rng.standard_normal((7, 4)), rng.standard_normal(4), rng.standard_normal(4)
    f = lambda x: np.log(1 + np.exp(A @ x)).sum()
    hv = linad.hvp(f, (x,), (v,))
    assert len(count_matrix_products) <= 3      # forward over reverse does four
    s = 1 / (1 + np.exp(-A @ x))
    np.testing.assert_allclose(hv, A.T @ (s * (1 - s) * (A @ v)), rtol=1e-12)


# ------------------------------------------------------------------ nesting

def test_jacobians_inside_other_transformations():
    f = lambda x: np.sin(x) * x.sum()
    x = rng.standard_normal(3)
    loss = lambda x: (linad.jacrev(f)(x) ** 2).sum() + linad.jacfwd(f)(x).sum()
    g = linad.grad(loss)(x)
    fd = fd_jacobian(loss, x)
    np.testing.assert_allclose(g, fd, rtol=1e-6, atol=1e-7)
    J2 = linad.jacfwd(linad.jacfwd(f))(x)
    np.testing.assert_allclose(J2, linad.jacrev(linad.jacrev(f))(x), atol=1e-13)
    np.testing.assert_allclose(J2, linad.hessian(f)(x), atol=1e-13)


# ------------------------------------------------------------------ one batched pass

@pytest.fixture
def count_program_runs(monkeypatch):
    counts = {"batched": 0, "single": 0}
    run = CompiledProgram.__call__

    def counting(self, args, batched):
        counts["batched" if batched else "single"] += 1
        return run(self, args, batched)

    monkeypatch.setattr(CompiledProgram, "__call__", counting)
    return counts


@pytest.mark.parametrize("jac", [linad.jacfwd, linad.jacrev], ids=["jacfwd", "jacrev"])
def test_jacobian_is_one_batched_pass(count_program_runs, jac):
    f = lambda X, y: (np.tanh(X @ X.T) * y.sum(), X[0] - y)
    X, y = rng.standard_normal((4, 3)), rng.standard_normal(3)
    J = jac(f, argnums=(0, 1))(X, y)                     # 15 inputs, 19 outputs
    assert count_program_runs == {"batched": 1, "single": 0}
    np.testing.assert_allclose(J[0][0], fd_jacobian(lambda X: f(X, y)[0], X), atol=1e-7)


def test_hessian_is_one_batched_pass_of_the_linearized_gradient(count_program_runs):
    H = linad.hessian(lambda x: (np.sin(x) * x[::-1]).sum())(rng.standard_normal(20))
    assert H.shape == (20, 20)
    # one batched forward pass; the inner reverse pass (one cotangent) is a single application
    assert count_program_runs["batched"] == 1
    assert count_program_runs["single"] <= 1


def test_batched_pass_is_not_a_loop_over_basis_vectors(monkeypatch):
    """Each linear equation runs once per jacobian, whatever the width."""
    from linad.optimize import compile as program
    steps = []
    step = program._batch_step
    monkeypatch.setattr(program, "_batch_step",
                        lambda prim, *a: steps.append(prim.name) or step(prim, *a))
    A = rng.standard_normal((30, 40))
    J = linad.jacfwd(lambda x: A @ np.sin(x))(rng.standard_normal(40))
    # the compiled program may fold `mul` by the residual cos(x) into the einsum's constant
    assert J.shape == (30, 40) and steps in (["mul", "einsum"], ["einsum"])


# ------------------------------------------------------------------ errors

def test_errors():
    with pytest.raises(ValueError, match="argnums 2 is out of range"):
        linad.jacfwd(lambda x: x, argnums=2)(np.ones(2))
    with pytest.raises(TypeError, match="has dtype int64"):
        linad.jacrev(lambda x: x * 1.0)(np.arange(3))
    with pytest.raises(TypeError, match="with has_aux=True the function must return a pair"):
        linad.jacfwd(lambda x: x, has_aux=True)(np.ones(2))
    assert linad.jacfwd(np.sin).__name__ == "jacfwd(sin)"


def test_hessian_operator_matvec_does_two_matrix_products(count_matrix_products):
    """The linearized gradient is recorded once; each H v is A^T (D (A v)) and nothing more."""
    A, x = rng.standard_normal((7, 4)), rng.standard_normal(4)
    H = linad.hessian_operator(lambda x: np.log(1 + np.exp(A @ x)).sum(), x)
    H.matvec(x)  # the first application compiles the program (constant folding, once)
    count_matrix_products.clear()
    V = rng.standard_normal((4, 3))
    cols = [H.matvec(V[:, k]) for k in range(3)]
    assert len(count_matrix_products) == 6
    s = 1 / (1 + np.exp(-A @ x))
    np.testing.assert_allclose(np.stack(cols, 1), A.T @ ((s * (1 - s))[:, None] * (A @ V)),
                               rtol=1e-12)
