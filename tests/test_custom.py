"""Issue 5: custom_jvp, linop, linear_solve and root."""
import functools

import numpy as np
import pytest
import scipy.optimize as so
import scipy.sparse.linalg as spla
from hypothesis import given, settings, strategies as st

import linad
from linad.core import PRIMITIVES
from linad.testing import check_grads, check_transpose

rng = np.random.default_rng(7)


def well_conditioned(n, r=rng, complex_=False):
    A = r.standard_normal((n, n)) + n * np.eye(n)
    if complex_:
        A = A + 1j * r.standard_normal((n, n))
    return A


# ============================================================================ custom_jvp

@linad.custom_jvp
def softplus(x):
    calls.append("primal")
    return np.logaddexp(0.0, x)          # plain NumPy: never sees a traced value


@softplus.defjvp
def softplus_jvp(primals, tangents):
    calls.append("rule")
    (x,), (t,) = primals, tangents
    return softplus(x), t / (1 + np.exp(-x))


calls = []


def test_custom_jvp_forward_reverse_and_higher_order():
    x = np.array([-1.0, 0.5, 2.0])
    np.testing.assert_allclose(softplus(x), np.log1p(np.exp(x)))
    _, t = linad.jvp(softplus, (x,), (np.ones(3),))
    np.testing.assert_allclose(t, 1 / (1 + np.exp(-x)))
    g = linad.grad(lambda x: softplus(x).sum())(x)
    np.testing.assert_allclose(g, 1 / (1 + np.exp(-x)))
    check_grads(softplus, (x,), order=3)
    s = 1 / (1 + np.exp(-x))
    np.testing.assert_allclose(linad.hessian(lambda x: softplus(x).sum())(x), np.diag(s * (1 - s)))
    _, f_lin = linad.linearize(softplus, x)
    check_transpose(f_lin)


def test_custom_rule_is_used_instead_of_the_function():
    @linad.custom_jvp
    def clip_gradient(x):
        return x

    @clip_gradient.defjvp
    def _(primals, tangents):
        return clip_gradient(primals[0]), 0.5 * tangents[0]

    x = np.array([1.0, 2.0])
    np.testing.assert_allclose(linad.grad(lambda x: (clip_gradient(x) ** 2).sum())(x), x)
    np.testing.assert_allclose(linad.jacfwd(clip_gradient)(x), 0.5 * np.eye(2))
    np.testing.assert_allclose(linad.jacrev(clip_gradient)(x), 0.5 * np.eye(2))


def test_function_runs_only_on_concrete_values():
    calls.clear()
    linad.grad(lambda x: softplus(x).sum())(np.ones(2))
    assert calls == ["rule", "primal"]   # the rule, which evaluates the function once


def test_custom_jvp_two_arguments_zero_tangent_in_nested_transformations():
    @linad.custom_jvp
    def f(x, y):
        return np.sin(x) * y

    @f.defjvp
    def _(primals, tangents):
        (x, y), (tx, ty) = primals, tangents
        return f(x, y), np.cos(x) * y * tx + np.sin(x) * ty

    x, y = np.array([0.3, 1.2]), np.array([2.0, -1.0])
    check_grads(f, (x, y), order=2)
    # only x differentiated: y's tangent is zero while x's primal is traced (hessian)
    np.testing.assert_allclose(linad.hessian(lambda x: f(x, y).sum())(x), np.diag(-np.sin(x) * y))
    np.testing.assert_allclose(linad.jacrev(linad.jacfwd(f, argnums=1))(x, y),
                               np.einsum("ij,jk->ijk", np.eye(2), np.diag(np.cos(x))))


def test_nondiff_argnums():
    @functools.partial(linad.custom_jvp, nondiff_argnums=(0, 2))
    def apply(fn, x, power):
        return fn(x) ** power

    @apply.defjvp
    def _(fn, power, primals, tangents):
        (x,), (t,) = primals, tangents
        y = fn(x)
        return apply(fn, x, power), power * y ** (power - 1) * np.cos(x) * t

    x = np.array([0.2, 0.7])
    f = lambda x: apply(np.sin, x, 3)
    np.testing.assert_allclose(f(x), np.sin(x) ** 3)
    check_grads(f, (x,), order=2)
    with pytest.raises(TypeError, match="argument 2 is in nondiff_argnums but is a traced value"):
        linad.grad(lambda p: apply(np.sin, x, p).sum())(3.0)

    @linad.custom_jvp(nondiff_argnums=(1,))
    def scale(x, k):
        return x * k

    scale.defjvp(lambda k, p, t: (scale(p[0], k), t[0] * k))
    assert linad.grad(lambda x: scale(x, 4.0))(1.0) == 4.0
    assert linad.grad(lambda x: scale(x, k=4.0))(1.0) == 4.0


def test_pytree_arguments_and_outputs():
    @linad.custom_jvp
    def f(d):
        return {"prod": d["a"] * d["b"], "a": (d["a"],)}

    @f.defjvp
    def _(primals, tangents):
        (d,), (t,) = primals, tangents
        return f(d), {"prod": t["a"] * d["b"] + d["a"] * t["b"], "a": (t["a"],)}

    d = {"a": np.array([1.0, 2.0]), "b": np.array([3.0, 4.0])}
    J = linad.jacrev(f)(d)
    np.testing.assert_allclose(J["prod"]["a"], np.diag(d["b"]))
    np.testing.assert_allclose(J["a"][0]["b"], np.zeros((2, 2)))
    check_grads(lambda a, b: f({"a": a, "b": b})["prod"], (d["a"], d["b"]), order=2)


def test_nonlinear_rule_raises_linearity_error():
    @linad.custom_jvp
    def square(x):
        return x ** 2

    @square.defjvp
    def _(primals, tangents):
        return square(primals[0]), tangents[0] ** 2     # not linear in the tangent

    with pytest.raises(linad.LinearityError,
                       match="JVP rule of primitive 'custom_jvp:.*square' is not linear"):
        linad.grad(square)(2.0)
    with pytest.raises(linad.LinearityError):
        linad.linearize(square, np.ones(2))

    @linad.custom_jvp
    def affine(x):
        return x

    affine.defjvp(lambda p, t: (affine(p[0]), t[0] + 1.0))
    with pytest.raises(linad.LinearityError, match="affine, not linear"):
        linad.vjp(affine, 1.0)


def test_custom_jvp_errors():
    @linad.custom_jvp
    def f(x):
        return x * 2

    with pytest.raises(TypeError, match="has no JVP rule: define one with @f.defjvp"):
        f(1.0)
    f.defjvp(lambda p, t: (f(p[0]), np.ones(3) * t[0]))
    with pytest.raises(TypeError, match=r"returned, for output 0, a tangent f64\[3\] for a "
                                        r"primal f64\[\]"):
        linad.jvp(f, (1.0,), (1.0,))
    f.defjvp(lambda p, t: f(p[0]))
    with pytest.raises(TypeError, match="must return a pair"):
        linad.jvp(f, (1.0,), (1.0,))
    f.defjvp(lambda p, t: ((f(p[0]),), t[0]))
    with pytest.raises(TypeError, match="returned a primal output of structure"):
        linad.jvp(f, (1.0,), (1.0,))
    f.defjvp(lambda p, t: (t[0] * 2, t[0]))
    with pytest.raises(TypeError, match="computed its primal output 0 from the tangents"):
        linad.grad(f)(1.0)

    @functools.partial(linad.custom_jvp, nondiff_argnums=(3,))
    def g(x):
        return x
    g.defjvp(lambda *a: None)
    with pytest.raises(TypeError, match="refers to argument 3"):
        g(1.0)

    def outer(y):
        @linad.custom_jvp
        def closes_over(x):
            return x * y
        closes_over.defjvp(lambda p, t: (closes_over(p[0]), t[0] * y))
        return closes_over(2.0)
    with pytest.raises(TypeError, match="closes over a value being differentiated"):
        linad.grad(outer)(1.0)


def test_custom_primitives_are_not_registered():
    assert not [name for name in PRIMITIVES if name.startswith("custom_jvp:")]
    assert softplus.prim.name == "custom_jvp:softplus"


# ============================================================================ linop

def matrix_op(M, plain=False):
    """M as a LinearOperator (or as a plain object with shape/matvec/rmatvec)."""
    if plain:
        class Plain:
            shape, dtype = M.shape, M.dtype
            matvec = staticmethod(lambda v: M @ v)
            rmatvec = staticmethod(lambda v: M.conj().T @ v)
        return Plain()
    return spla.LinearOperator(M.shape, matvec=lambda v: M @ v,
                               rmatvec=lambda v: M.conj().T @ v, dtype=M.dtype)


@pytest.mark.parametrize("op_complex", [False, True], ids=["real_op", "complex_op"])
@pytest.mark.parametrize("x_kind", ["real", "complex", "matrix"])
@pytest.mark.parametrize("plain", [False, True], ids=["LinearOperator", "duck"])
def test_linop_dot_product_and_values(op_complex, x_kind, plain):
    M = rng.standard_normal((3, 4)) + (1j * rng.standard_normal((3, 4)) if op_complex else 0)
    A = linad.linop(matrix_op(M, plain))
    x = {"real": rng.standard_normal(4), "complex": rng.standard_normal(4) + 1j,
         "matrix": rng.standard_normal((4, 2))}[x_kind]
    np.testing.assert_allclose(A(x), M @ x, rtol=1e-13)
    np.testing.assert_allclose(A @ x, M @ x, rtol=1e-13)
    _, f_lin = linad.linearize(A, x)
    check_transpose(f_lin)
    check_grads(lambda x: np.sin(A(x)), (x,), order=2)
    ct = rng.standard_normal(f_lin.out_avals[0][0]) + (1j if f_lin.dtype.kind == "c" else 0)
    expected = M.T @ ct
    if np.asarray(x).dtype.kind != "c":
        expected = expected.real
    np.testing.assert_allclose(f_lin.T(ct)[0], expected, rtol=1e-12, atol=1e-12)


def test_linop_batched_through_jacobians():
    M = rng.standard_normal((3, 5))
    A = linad.linop(M)                       # a dense matrix is accepted too
    np.testing.assert_allclose(linad.jacfwd(A)(np.zeros(5)), M)
    np.testing.assert_allclose(linad.jacrev(A)(np.zeros(5)), M)
    J = linad.jacfwd(A)(np.zeros((5, 2)))
    np.testing.assert_allclose(J, np.einsum("ij,kl->ikjl", M, np.eye(2)))
    Mc = M + 1j * rng.standard_normal((3, 5))
    np.testing.assert_allclose(linad.jacfwd(linad.linop(Mc))(np.zeros(5)), Mc)


def test_linop_transpose_and_adjoint():
    M = rng.standard_normal((3, 4)) + 1j * rng.standard_normal((3, 4))
    A = linad.linop(matrix_op(M))
    v, w = rng.standard_normal(3) + 1j, rng.standard_normal(4) + 1j
    np.testing.assert_allclose(A.T(v), M.T @ v)
    np.testing.assert_allclose(A.H(v), M.conj().T @ v)
    np.testing.assert_allclose(A.T.T(w), M @ w)
    np.testing.assert_allclose(A.T.H(w), M.conj() @ w)
    assert A.shape == (3, 4) and A.T.shape == (4, 3) and A.dtype == np.complex128
    assert "linop(" in repr(A)


def test_linop_with_sparse_and_scipy_operators_in_a_loss():
    import scipy.sparse as sp
    S = sp.random(6, 6, density=0.4, random_state=0, format="csr") + sp.eye(6)
    A = linad.linop(S)
    loss = lambda x: (np.tanh(A @ x) ** 2).sum()
    check_grads(loss, (rng.standard_normal(6),), order=2)


def test_linop_errors():
    A = linad.linop(np.ones((3, 4)))
    with pytest.raises(ValueError, match=r"an operator of shape \(3, 4\) applies to a vector of "
                                         r"shape \(4,\)"):
        A(np.ones(3))
    with pytest.raises(ValueError, match="not to an array of shape"):
        A(np.ones((4, 2, 2)))
    with pytest.raises(TypeError, match="str is not a linear operator"):
        linad.linop("matrix")

    class NoAdjoint:
        shape, dtype = (2, 2), np.dtype(float)
        matvec = staticmethod(lambda v: 2 * v)
    B = linad.linop(NoAdjoint())
    assert linad.jvp(B, (np.ones(2),), (np.ones(2),))[1].tolist() == [2.0, 2.0]
    with pytest.raises(NotImplementedError):
        linad.grad(lambda x: B(x).sum())(np.ones(2))


# ============================================================================ linear_solve

@settings(max_examples=8)
@given(n=st.integers(1, 5), seed=st.integers(0, 2**16), symmetric=st.booleans())
def test_linear_solve_gradients_wrt_b_and_closed_over_matrix(n, seed, symmetric):
    r = np.random.default_rng(seed)
    A, b = well_conditioned(n, r), r.standard_normal(n)
    if symmetric:
        A = A @ A.T

    def f(A, b):
        return linad.linear_solve(lambda v: A @ v, b, symmetric=symmetric)

    np.testing.assert_allclose(f(A, b), np.linalg.solve(A, b), rtol=1e-9, atol=1e-10)
    check_grads(f, (A, b), order=2)
    _, f_lin = linad.linearize(f, A, b)
    check_transpose(f_lin)


def test_linear_solve_closed_form_gradients():
    A, b = well_conditioned(4), rng.standard_normal(4)
    c = rng.standard_normal(4)
    loss = lambda A, b: linad.linear_solve(lambda v: A @ v, b) @ c
    gA, gb = linad.grad(loss, argnums=(0, 1))(A, b)
    lam = np.linalg.solve(A.T, c)
    x = np.linalg.solve(A, b)
    np.testing.assert_allclose(gb, lam, rtol=1e-9)
    np.testing.assert_allclose(gA, -np.outer(lam, x), rtol=1e-9)


def test_linear_solve_complex_and_mixed_dtypes():
    A, b = well_conditioned(3, complex_=True), rng.standard_normal(3) + 1j * rng.standard_normal(3)
    f = lambda A, b: linad.linear_solve(lambda v: A @ v, b)
    np.testing.assert_allclose(f(A, b), np.linalg.solve(A, b), rtol=1e-9)
    check_grads(f, (A, b), order=2)
    _, f_lin = linad.linearize(f, A, b)
    check_transpose(f_lin)
    br = rng.standard_normal(3)                       # real b, complex A: solved in complex
    assert f(A, br).dtype == np.complex128
    check_grads(f, (A, br), order=1)


def test_linear_solve_array_shaped_unknown_and_jacobians():
    A, B = well_conditioned(3), rng.standard_normal((3, 2))
    f = lambda A, B: linad.linear_solve(lambda V: A @ V, B)    # X of shape (3, 2)
    np.testing.assert_allclose(f(A, B), np.linalg.solve(A, B), rtol=1e-9)
    J = linad.jacfwd(f, argnums=1)(A, B)                       # batched solves
    np.testing.assert_allclose(linad.jacrev(f, argnums=1)(A, B), J, rtol=1e-8, atol=1e-10)
    np.testing.assert_allclose(J.reshape(6, 6), np.kron(np.linalg.inv(A), np.eye(2)),
                               rtol=1e-8, atol=1e-10)


def test_linear_solve_with_user_solvers_no_differentiation_of_iterations():
    A, b = well_conditioned(4), rng.standard_normal(4)
    used = []

    def solve(matvec, rhs):        # a direct solver on the materialized matrix: plain NumPy
        used.append("solve")
        M = np.stack([matvec(e) for e in np.eye(len(rhs))], axis=1)
        return np.linalg.solve(M, rhs)

    def transpose_solve(vecmat, rhs):
        used.append("transpose_solve")
        return solve(vecmat, rhs)

    f = lambda A, b: linad.linear_solve(lambda v: A @ v, b, solve=solve,
                                        transpose_solve=transpose_solve)
    check_grads(f, (A, b), order=1)
    used.clear()
    linad.grad(lambda b: f(A, b).sum())(b)
    assert used == ["solve", "transpose_solve", "solve"]


def test_linear_solve_matrix_free_operator_inside_loss():
    n = 6
    theta, b = rng.standard_normal(n), rng.standard_normal(n)

    def matvec(v, theta):
        z = np.zeros(1)
        return 2 * v - np.concatenate([v[1:], z]) - np.concatenate([z, v[:-1]]) + np.exp(theta) * v

    loss = lambda theta, b: (linad.linear_solve(lambda v: matvec(v, theta), b,
                                                symmetric=True) ** 2).sum()
    check_grads(loss, (theta, b), order=2)


def test_linear_solve_transposed_program_prints():
    A, b = well_conditioned(3), rng.standard_normal(3)
    _, f_lin = linad.linearize(lambda b: linad.linear_solve(lambda v: A @ v, b), b)
    assert "linear_solve[matvec=matvec<f64[3]->f64[3], 1 eqns>" in str(f_lin)
    assert "linear_solve" in str(f_lin.T)
    np.testing.assert_allclose(f_lin.T(np.ones(3))[0], np.linalg.solve(A.T, np.ones(3)),
                               rtol=1e-9)


def test_linear_solve_errors():
    with pytest.raises(ValueError, match=r"matvec maps arrays of shape \(3,\) to shape \(2,\)"):
        linad.linear_solve(lambda v: v[:2], np.ones(3))
    with pytest.raises(linad.LinearityError):
        linad.linear_solve(lambda v: v * v, np.ones(3))
    with pytest.raises(RuntimeError, match="gmres did not converge"):
        linad.linear_solve(lambda v: v * np.array([1.0, 0.0]), np.ones(2))
    with pytest.raises(RuntimeError, match="cg did not converge"):
        linad.linear_solve(lambda v: np.array([[1.0, 5.0], [0.0, 1.0]]) @ v,   # not symmetric
                           np.array([1.0, 0.3]), symmetric=True)
    with pytest.raises(ValueError, match=r"solve returned an array of shape \(2,\)"):
        linad.linear_solve(lambda v: v, np.ones(3), solve=lambda mv, b: np.ones(2))
    x = linad.linear_solve(lambda v: 2.0 * v, np.arange(3))        # integer b is promoted
    np.testing.assert_allclose(x, [0.0, 0.5, 1.0])


# ============================================================================ root

def cubic(x, a, B):
    return x ** 3 + B @ x - a


def test_root_value_and_implicit_gradients():
    a = rng.standard_normal(3)
    B = np.diag([1.0, 2.0, 3.0]) + 0.1 * rng.standard_normal((3, 3))
    solve = lambda a, B: linad.root(cubic, np.zeros(3), (a, B))
    x = solve(a, B)
    np.testing.assert_allclose(cubic(x, a, B), 0, atol=1e-12)
    check_grads(solve, (a, B), order=2)
    # implicit function theorem: dx/da = (3 diag(x^2) + B)^{-1}
    np.testing.assert_allclose(linad.jacfwd(solve)(a, B), np.linalg.inv(3 * np.diag(x ** 2) + B),
                               rtol=1e-8)
    np.testing.assert_allclose(linad.jacrev(solve)(a, B), np.linalg.inv(3 * np.diag(x ** 2) + B),
                               rtol=1e-8)
    _, f_lin = linad.linearize(solve, a, B)
    check_transpose(f_lin)


def test_root_with_scipy_solver_and_pytree_args():
    f = lambda x, p: x ** 3 - p["a"] * x - p["b"]
    p = {"a": np.array([0.5]), "b": np.array([2.0])}
    solver = lambda fun, x0: so.root(fun, x0, tol=1e-14).x
    x = linad.root(f, np.ones(1), (p,), solver=solver)
    np.testing.assert_allclose(f(x, p), 0, atol=1e-12)
    g = linad.grad(lambda p: linad.root(f, np.ones(1), (p,), solver=solver).sum())(p)
    denom = 3 * x ** 2 - p["a"]
    np.testing.assert_allclose(g["a"], x / denom, rtol=1e-8)
    np.testing.assert_allclose(g["b"], 1 / denom, rtol=1e-8)


def test_root_initial_guess_gets_no_derivative_and_may_be_traced():
    f = lambda x, a: x ** 2 - a
    g = linad.grad(lambda x0, a: linad.root(f, x0, (a,)), argnums=(0, 1))(1.0, 4.0)
    assert g[0] == 0.0 and g[1] == pytest.approx(0.25)


def test_root_errors():
    with pytest.raises(RuntimeError, match="did not converge in 3 iterations"):
        linad.root(lambda x: x ** 3 - 2.0, np.full(1, 10.0), maxiter=3)
    with pytest.raises(RuntimeError, match="the Jacobian is singular"):
        linad.root(lambda x: x ** 2 + 1.0, np.ones(1))
    with pytest.raises(ValueError, match=r"f\(x, \*args\) has shape \(2,\) but x has shape"):
        linad.root(lambda x: np.concatenate([x, x]), np.ones(1))
    with pytest.raises(TypeError, match="closes over a traced value"):
        linad.grad(lambda a: linad.root(lambda x: x - a, np.ones(())))(1.0)
    with pytest.raises(FloatingPointError, match="not finite"):
        linad.root(lambda x: x * np.inf, np.ones(1))
