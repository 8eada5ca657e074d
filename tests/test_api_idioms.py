"""JAX and autograd idioms: custom_vjp, defjvps, elementwise_grad, holomorphic grad,
has_aux on jvp/linearize/hvp, and the pytree utilities of linad.tree."""
import functools
import operator

import numpy as np
import pytest
import scipy.special as sps
from hypothesis import given, settings, strategies as st
from hypothesis.extra import numpy as hnp

import linad
from linad.testing import check_transpose

rng = np.random.default_rng(11)
FORWARD = r"forward-mode differentiation .* reached custom_vjp function"


def floats(lo=-3.0, hi=3.0):
    return st.floats(lo, hi, allow_nan=False, allow_infinity=False)


def vectors(n_max=5, lo=-3.0, hi=3.0):
    return hnp.arrays(np.float64, st.integers(1, n_max), elements=floats(lo, hi))


# ============================================================================ custom_vjp

def make_sin_with_bwd(bwd):
    """sin(x) whose reverse-mode rule is ``bwd`` (residual: cos(x))."""
    @linad.custom_vjp
    def f(x):
        return np.sin(x)

    f.defvjp(lambda x: (f(x), np.cos(x)), bwd)
    return f


def test_custom_vjp_uses_bwd_not_the_true_derivative():
    f = make_sin_with_bwd(lambda c, ct: (2.0 * ct,))     # the true pullback is cos(x) ct
    x = np.array([0.1, 0.5, 2.0])
    np.testing.assert_allclose(f(x), np.sin(x))
    np.testing.assert_allclose(linad.grad(lambda x: f(x).sum())(x), [2.0, 2.0, 2.0])
    ct = np.array([1.0, -3.0, 0.5])
    np.testing.assert_allclose(linad.vjp(f, x)[1](ct)[0], 2.0 * ct)
    np.testing.assert_allclose(linad.jacrev(f)(x), 2.0 * np.eye(3))
    out, f_lin = linad.linearize(f, x)
    np.testing.assert_allclose(f_lin.T(ct)[0], 2.0 * ct)
    assert "custom_vjp_linear:" in str(f_lin)


def test_custom_vjp_runs_fwd_only_when_differentiated():
    calls = []

    @linad.custom_vjp
    def f(x):
        calls.append("fun")
        return 3.0 * x

    def fwd(x):
        calls.append("fwd")
        return 3.0 * x, None

    def bwd(res, ct):
        calls.append("bwd")
        return (3.0 * ct,)

    f.defvjp(fwd, bwd)
    f(np.ones(2))
    assert calls == ["fun"]
    calls.clear()
    assert linad.grad(lambda x: f(x).sum())(np.ones(2)).tolist() == [3.0, 3.0]
    assert calls == ["fwd", "bwd"]


@settings(max_examples=30, deadline=None)
@given(hnp.arrays(np.float64, st.integers(1, 6), elements=floats(-1e3, 1e3)))
def test_log1pexp_gradient_is_stable(x):
    @linad.custom_vjp
    def log1pexp(x):
        return np.logaddexp(0.0, x)

    def fwd(x):
        return log1pexp(x), x

    def bwd(x, ct):
        return (ct * sps.expit(x),)          # NumPy code on the saved input

    log1pexp.defvjp(fwd, bwd)
    g = linad.grad(lambda x: log1pexp(x).sum())(x)
    assert np.all(np.isfinite(g))
    e = np.exp(-np.abs(x))                    # the logistic function, without overflow
    np.testing.assert_allclose(g, np.where(x >= 0, 1 / (1 + e), e / (1 + e)), rtol=1e-14)
    np.testing.assert_allclose(log1pexp(x), np.maximum(x, 0) + np.log1p(e), rtol=1e-14)


@functools.partial(linad.custom_vjp, nondiff_argnums=(0, 1))
def clip_gradient(lo, hi, x):
    return x                                  # identity forward


clip_gradient.defvjp(lambda lo, hi, x: (x, None),
                     lambda lo, hi, _, ct: (np.clip(ct, lo, hi),))


def test_clip_gradient_nondiff_argnums_and_nonlinear_bwd():
    x = np.array([1.0, -2.0, 0.5])
    g = linad.grad(lambda x: (3.0 * clip_gradient(-1.0, 1.0, x)).sum())(x)
    np.testing.assert_allclose(g, [1.0, 1.0, 1.0])                 # 3 clipped to 1
    ct = np.array([-5.0, 0.25, 7.0])
    _, f_vjp = linad.vjp(lambda x: clip_gradient(-1.0, 1.0, x), x)
    np.testing.assert_allclose(f_vjp(ct)[0], [-1.0, 0.25, 1.0])
    # jacrev stages bwd as a linear program: clipping is not linear
    with pytest.raises(linad.LinearityError, match="the bwd rule of custom_vjp function "
                       "'clip_gradient' is not linear in the cotangent .*maximum"):
        linad.jacrev(lambda x: clip_gradient(-1.0, 1.0, x))(x)
    with pytest.raises(TypeError, match="argument 1 is in nondiff_argnums but is a traced"):
        linad.grad(lambda h: clip_gradient(-1.0, h, x).sum())(1.0)


def test_nondiff_function_argument_is_passed_to_bwd_first():
    @functools.partial(linad.custom_vjp, nondiff_argnums=(1,))
    def apply(x, fn, k):
        return fn(x) * k

    def fwd(x, fn, k):
        return apply(x, fn, k), (x, k)

    def bwd(fn, res, ct):
        x, k = res
        assert fn is np.sin
        return (ct * np.cos(x) * k, (ct * np.sin(x)).sum())

    apply.defvjp(fwd, bwd)
    x, k = np.array([0.2, 1.1]), np.array(3.0)
    gx, gk = linad.grad(lambda x, k: apply(x, np.sin, k).sum(), argnums=(0, 1))(x, k)
    np.testing.assert_allclose(gx, 3.0 * np.cos(x))
    np.testing.assert_allclose(gk, np.sin(x).sum())


def test_pytrees_in_and_out_and_none_cotangent():
    @linad.custom_vjp
    def f(p, scale):
        return {"prod": p["a"] * p["b"], "pair": (p["a"] * scale, np.sum(p["b"]))}

    def fwd(p, scale):
        return f(p, scale), (p, scale)

    def bwd(res, ct):
        p, scale = res
        ga = ct["prod"] * p["b"] + ct["pair"][0] * scale
        gb = ct["prod"] * p["a"] + ct["pair"][1]
        return ({"a": ga, "b": gb}, None)     # None: no cotangent for `scale`

    f.defvjp(fwd, bwd)
    p = {"a": rng.standard_normal(3), "b": rng.standard_normal(3)}
    scale = np.array(2.0)
    J = linad.jacrev(f, argnums=(0, 1))(p, scale)
    np.testing.assert_allclose(J["prod"][0]["a"], np.diag(p["b"]))
    np.testing.assert_allclose(J["prod"][0]["b"], np.diag(p["a"]))
    np.testing.assert_allclose(J["pair"][0][0]["a"], 2.0 * np.eye(3))
    np.testing.assert_allclose(J["pair"][1][0]["b"], np.ones(3))
    np.testing.assert_allclose(J["pair"][0][1], np.zeros(3))        # bwd said None
    # one call of bwd gets every output's cotangent
    ct = {"prod": np.ones(3), "pair": (np.full(3, 2.0), np.array(5.0))}
    (gp, gs) = linad.vjp(f, p, scale)[1](ct)
    np.testing.assert_allclose(gp["a"], p["b"] + 4.0)
    np.testing.assert_allclose(gp["b"], p["a"] + 5.0)
    np.testing.assert_allclose(gs, 0.0)


def test_outputs_of_mixed_dtypes_share_one_bwd_call():
    calls = []

    @linad.custom_vjp
    def f(x):
        return x * 2.0, (x * 3.0).astype(np.float32), np.arange(2)

    def bwd(_, ct):
        calls.append(ct)
        return (2.0 * ct[0] + 3.0 * ct[1].astype(np.float64),)

    f.defvjp(lambda x: (f(x), None), bwd)
    x = np.array([1.0, 2.0])
    J = linad.jacrev(lambda x: f(x)[:2])(x)
    np.testing.assert_allclose(J[0], 2.0 * np.eye(2))
    np.testing.assert_allclose(J[1], 3.0 * np.eye(2))
    calls.clear()
    linad.vjp(f, x)[1]((np.ones(2), np.ones(2, np.float32), np.zeros(2, int)))
    assert len(calls) == 1 and calls[0][1].dtype == np.float32 and calls[0][2].dtype.kind == "i"


@settings(max_examples=15, deadline=None)
@given(vectors())
def test_grad_of_grad_differentiates_bwd(x):
    f = make_sin_with_bwd(lambda c, ct: (c * ct,))   # c = cos(x) is traced at second order
    g = linad.grad(lambda x: f(x).sum())
    np.testing.assert_allclose(linad.grad(lambda x: g(x).sum())(x), -np.sin(x), atol=1e-14)
    np.testing.assert_allclose(linad.jacrev(linad.jacrev(lambda x: f(x).sum()))(x),
                               np.diag(-np.sin(x)), atol=1e-14)

    @linad.custom_vjp
    def exp(x):
        return np.exp(x)

    exp.defvjp(lambda x: (exp(x), exp(x)), lambda ans, ct: (ans * ct,))  # residual: the output
    x = x / 2
    g = linad.grad(lambda x: exp(x).sum())
    np.testing.assert_allclose(linad.grad(lambda x: g(x).sum())(x), np.exp(x), rtol=1e-14)
    H = linad.jacrev(linad.jacrev(lambda x: exp(x).sum()))(x)
    np.testing.assert_allclose(H, np.diag(np.exp(x)), rtol=1e-14)


def test_transposed_map_of_a_linear_bwd_passes_the_dot_product_test():
    f = make_sin_with_bwd(lambda c, ct: (c * ct,))
    _, f_lin = linad.linearize(f, rng.standard_normal(4))
    check_transpose(f_lin.T)


def test_forward_mode_through_custom_vjp_raises():
    f = make_sin_with_bwd(lambda c, ct: (c * ct,))
    x = np.array([0.3, 0.7])
    with pytest.raises(TypeError, match=FORWARD + r" 'f'.*Use reverse mode.*custom_jvp"):
        linad.jvp(f, (x,), (np.ones(2),))
    with pytest.raises(TypeError, match=FORWARD):
        linad.jacfwd(f)(x)
    _, f_lin = linad.linearize(f, x)
    with pytest.raises(TypeError, match=FORWARD):
        f_lin(np.ones(2))
    with pytest.raises(TypeError, match=FORWARD):
        f_lin.matmat(np.eye(2))
    with pytest.raises(TypeError, match=FORWARD):
        linad.hvp(lambda x: f(x).sum(), (x,), (np.ones(2),))
    # a zero tangent never reaches the rule
    assert linad.jvp(lambda y: f(x) * y, (2.0,), (1.0,))[1].tolist() == np.sin(x).tolist()


def test_wrong_rules_raise_clear_errors():
    @linad.custom_vjp
    def f(x, y):
        return x * y

    with pytest.raises(TypeError, match=r"has no VJP rule: define one with f.defvjp\(fwd, bwd\)"):
        f(1.0, 2.0)
    x, y = np.ones(3), np.ones(3)
    loss = lambda x: f(x, y).sum()

    f.defvjp(lambda x, y: x * y, lambda r, ct: (ct, ct))
    with pytest.raises(TypeError, match=r"fwd rule .* must return a pair \(output, residuals\)"):
        linad.grad(loss)(x)
    fwd = lambda x, y: (x * y, None)
    f.defvjp(fwd, lambda r, ct: (ct,))
    with pytest.raises(TypeError, match=r"one cotangent per differentiated argument \(2\), got "
                                        "a tuple of length 1"):
        linad.grad(loss)(x)
    f.defvjp(fwd, lambda r, ct: ct)
    with pytest.raises(TypeError, match="got a ndarray"):
        linad.grad(loss)(x)
    f.defvjp(fwd, lambda r, ct: (ct, np.ones(2)))
    with pytest.raises(TypeError, match=r"returned, for argument 1, a cotangent f64\[2\] for a "
                                        r"primal f64\[3\]"):
        linad.grad(loss)(x)
    f.defvjp(fwd, lambda r, ct: (ct.astype(np.float32), ct))
    with pytest.raises(TypeError, match=r"for argument 0, a cotangent f32\[3\] for a primal "
                                        r"f64\[3\]"):
        linad.grad(loss)(x)
    f.defvjp(fwd, lambda r, ct: ((ct,), ct))
    with pytest.raises(TypeError, match=r"for argument 0, a cotangent of structure tuple\(\*\); "
                                        r"the argument has structure \*"):
        linad.grad(loss)(x)

    @linad.custom_vjp
    def g(p):
        return p["a"] * p["b"]

    g.defvjp(lambda p: (g(p), p), lambda p, ct: ({"a": ct * p["b"], "b": ct[:1]},))
    with pytest.raises(TypeError, match=r"for argument 0, leaf 1, a cotangent f64\[1\]"):
        linad.grad(lambda p: g(p).sum())({"a": np.ones(2), "b": np.ones(2)})


def test_integer_argument_gets_no_cotangent():
    @linad.custom_vjp
    def f(x, n):
        return x ** n

    f.defvjp(lambda x, n: (f(x, n), (x, n)),
             lambda res, ct: (res[1] * res[0] ** (res[1] - 1) * ct, None))
    x = np.array([1.5, 2.0])
    np.testing.assert_allclose(linad.grad(lambda x: f(x, np.array(3)).sum())(x), 3 * x ** 2)


def test_custom_vjp_closing_over_a_traced_value_raises():
    def make(fun, fwd):
        f = linad.custom_vjp(fun)
        f.defvjp(fwd, lambda r, ct: (ct,))
        return f

    def fwd_closes_over(s):
        f = make(lambda x: 2.0 * x, lambda x: (x * s, None))
        return linad.grad(lambda x: f(x).sum())(np.ones(2)).sum()

    with pytest.raises(TypeError, match="fwd rule .* returned a traced output for concrete "
                                        "arguments: it closes over a value being differentiated"):
        linad.grad(fwd_closes_over)(1.0)

    def fun_closes_over(s):
        return make(lambda x: x * s, lambda x: (x, None))(np.ones(2)).sum()

    with pytest.raises(TypeError, match="custom_vjp function '<lambda>' returned a traced value "
                                        "for concrete arguments"):
        linad.grad(fun_closes_over)(1.0)


# ============================================================================ defjvps

def test_defjvps_matches_defjvp():
    @linad.custom_jvp
    def f(x, y):
        return np.sin(x) * y

    f.defjvps(lambda tx, ans, x, y: np.cos(x) * y * tx,
              lambda ty, ans, x, y: np.sin(x) * ty)
    x, y = np.array([0.3, -1.0]), np.array([2.0, 0.5])
    gx, gy = linad.grad(lambda x, y: f(x, y).sum(), argnums=(0, 1))(x, y)
    np.testing.assert_allclose(gx, np.cos(x) * y)
    np.testing.assert_allclose(gy, np.sin(x))
    _, t = linad.jvp(f, (x, y), (np.ones(2), np.zeros(2)))
    np.testing.assert_allclose(t, np.cos(x) * y)
    linad.testing.check_grads(f, (x, y), order=2)


def test_defjvps_none_pytrees_and_errors():
    @linad.custom_jvp
    def f(p, k):
        return {"s": p["a"] * k, "t": p["b"]}

    f.defjvps(lambda tp, ans, p, k: {"s": tp["a"] * k, "t": tp["b"]}, None)
    p, k = {"a": np.array([1.0, 2.0]), "b": np.array(3.0)}, np.array(5.0)
    J = linad.jacrev(f, argnums=(0, 1))(p, k)
    np.testing.assert_allclose(J["s"][0]["a"], 5.0 * np.eye(2))
    np.testing.assert_allclose(J["s"][1], np.zeros(2))              # None: no derivative in k
    np.testing.assert_allclose(J["t"][0]["b"], 1.0)

    f.defjvps(None, None)
    np.testing.assert_allclose(linad.jacrev(lambda a: f({"a": a, "b": 1.0}, k)["s"])(p["a"]),
                               np.zeros((2, 2)))
    f.defjvps(lambda tp, ans, p, k: tp)
    with pytest.raises(TypeError, match="defjvps was given 1 functions, but the function was "
                                        "called with 2 arguments"):
        linad.grad(lambda k: f(p, k)["s"].sum())(k)

    g = linad.custom_jvp(lambda n, x: x * n, nondiff_argnums=(0,))
    with pytest.raises(TypeError, match="defjvps cannot be used with nondiff_argnums"):
        g.defjvps(lambda t, ans, x: t)


# ============================================================================ elementwise_grad

@settings(max_examples=25, deadline=None)
@given(vectors())
def test_elementwise_grad_of_elementwise_functions(x):
    np.testing.assert_allclose(linad.elementwise_grad(np.tanh)(x), 1 - np.tanh(x) ** 2)
    np.testing.assert_allclose(linad.elementwise_grad(lambda x: x ** 3 + np.sin(x))(x),
                               3 * x ** 2 + np.cos(x), rtol=1e-13, atol=1e-13)


def test_elementwise_grad_is_the_vjp_of_ones():
    A = rng.standard_normal((4, 3))
    x = rng.standard_normal(3)
    np.testing.assert_allclose(linad.elementwise_grad(lambda x: A @ x)(x), A.sum(0))
    y = rng.standard_normal(3)
    gx, gy = linad.elementwise_grad(lambda x, y: x * y, argnums=(0, 1))(x, y)
    np.testing.assert_allclose(gx, y)
    np.testing.assert_allclose(gy, x)
    # a pytree output: every element of every leaf is summed
    g = linad.elementwise_grad(lambda x: {"a": 2 * x, "b": (x ** 2).sum()})(x)
    np.testing.assert_allclose(g, 2 + 2 * x)
    assert linad.elementwise_grad(np.sin)(np.float32(0.5)).dtype == np.float32


def test_elementwise_grad_errors():
    with pytest.raises(TypeError, match="elementwise_grad requires a real floating-point output, "
                                        "got dtype complex128"):
        linad.elementwise_grad(lambda x: x * 1j)(np.ones(2))
    with pytest.raises(TypeError, match="elementwise_grad: argument 0 has dtype int64"):
        linad.elementwise_grad(np.sin)(np.arange(3))


# ============================================================================ holomorphic

@settings(max_examples=25, deadline=None)
@given(floats(-2, 2), floats(-2, 2))
def test_grad_holomorphic_is_the_complex_derivative(a, b):
    z = np.complex128(complex(a, b))
    for f, df in [(np.sin, np.cos), (np.exp, np.exp), (lambda z: z ** 3, lambda z: 3 * z ** 2),
                  (lambda z: 1 / (2.5 + z * z), lambda z: -2 * z / (2.5 + z * z) ** 2)]:
        g = linad.grad(f, holomorphic=True)(z)
        assert g.dtype == np.complex128
        np.testing.assert_allclose(g, df(z), rtol=1e-12, atol=1e-12)
        h = 1e-6           # the difference quotient along the real and the imaginary axis
        for step in (h, 1j * h):
            np.testing.assert_allclose((f(z + step) - f(z - step)) / (2 * step), g, rtol=1e-7,
                                       atol=1e-7)


def test_holomorphic_value_and_grad_argnums_and_jax_convention():
    z, w = np.complex128(1 + 2j), np.complex128(-0.5 + 1j)
    (v, aux), (gz, gw) = linad.value_and_grad(lambda z, w: (z * w * w, "aux"), argnums=(0, 1),
                                              has_aux=True, holomorphic=True)(z, w)
    assert v == z * w * w and aux == "aux"
    np.testing.assert_allclose([gz, gw], [w * w, 2 * z * w])
    # not holomorphic: the pullback of 1 (JAX documents grad(conj, holomorphic=True) == 1)
    assert linad.grad(np.conj, holomorphic=True)(z) == 1
    np.testing.assert_allclose(linad.jacrev(np.sin, holomorphic=True)(np.array([z, w])),
                               np.diag(np.cos([z, w])))


def test_holomorphic_dtype_errors():
    with pytest.raises(TypeError, match="grad with holomorphic=True requires complex inputs, "
                                        "but argument 0 has dtype float64"):
        linad.grad(np.sin, holomorphic=True)(1.0)
    with pytest.raises(TypeError, match="grad with holomorphic=True requires a complex scalar output, "
                                        "got dtype float64"):
        linad.grad(lambda z: (z * z.conj()).real, holomorphic=True)(np.complex128(1j))
    with pytest.raises(TypeError, match="got dtype complex128. For a holomorphic function pass "
                                        "holomorphic=True"):
        linad.grad(np.sin)(np.complex128(1j))


# ============================================================================ has_aux

def test_jvp_linearize_hvp_with_aux():
    x = np.array([1.0, 2.0])

    def f(x):
        y = (x ** 3).sum()
        return y, {"y": y, "x2": 2 * x, "tag": "t"}

    out, t, aux = linad.jvp(f, (x,), (np.ones(2),), has_aux=True)
    assert out == 9.0 and t == 15.0
    assert aux["y"] == 9.0 and aux["tag"] == "t"
    assert type(aux["x2"]) is np.ndarray and aux["x2"].tolist() == [2.0, 4.0]

    out, f_lin, aux = linad.linearize(f, x, has_aux=True)
    assert out == 9.0 and f_lin(np.array([1.0, 0.0])) == 3.0
    assert type(aux["y"]) is np.ndarray and aux["y"] == 9.0

    hv, aux = linad.hvp(f, (x,), (np.array([1.0, 0.0]),), has_aux=True)
    np.testing.assert_allclose(hv, [6.0, 0.0])
    assert type(aux["x2"]) is np.ndarray and aux["x2"].tolist() == [2.0, 4.0]
    # aux keeps the values of enclosing transformations traced
    g = linad.grad(lambda s: linad.jvp(lambda x: (x, s * x), (1.0,), (1.0,), has_aux=True)[2])
    assert g(3.0) == 1.0


def test_has_aux_requires_a_pair():
    for call in (lambda f: linad.jvp(f, (1.0,), (1.0,), has_aux=True),
                 lambda f: linad.linearize(f, 1.0, has_aux=True),
                 lambda f: linad.hvp(f, (1.0,), (1.0,), has_aux=True)):
        with pytest.raises(TypeError, match="with has_aux=True the function must return a pair"):
            call(lambda x: x * x)


# ============================================================================ linad.tree

def test_tree_map_several_trees_and_structure_errors():
    a = {"w": np.ones(2), "b": (1.0, None)}
    b = {"w": np.full(2, 3.0), "b": (2.0, None)}
    out = linad.tree_map(lambda x, y: x + y, a, b)
    assert out["w"].tolist() == [4.0, 4.0] and out["b"] == (3.0, None)
    with pytest.raises(ValueError, match=r"pytree structures differ: \{'b': tuple\(\*, None\), "
                                         r"'w': \*\} and \{'b': tuple\(\*\), 'w': \*\}"):
        linad.tree_map(lambda x, y: x, a, {"w": 1.0, "b": (2.0,)})
    with pytest.raises(ValueError, match=r"list\(\*, \*\) and tuple\(\*, \*\)"):
        linad.tree_map(lambda x, y: x, [1, 2], (1, 2))
    # tree's structure is a prefix of the others': their subtrees are passed whole
    assert linad.tree_map(lambda x, y: (x, y), [1, 2], [(3, 4), {"k": 5}]) == [
        (1, (3, 4)), (2, {"k": 5})]
    assert linad.tree.tree_map(len, [(1, 2), [(3,)]], is_leaf=lambda n: isinstance(n, tuple)) == [
        2, [1]]


@settings(max_examples=30, deadline=None)
@given(st.recursive(st.floats(allow_nan=False) | st.none(),
                    lambda c: st.lists(c, max_size=3) | st.tuples(c, c)
                    | st.dictionaries(st.text("abc", min_size=1, max_size=2), c, max_size=3),
                    max_leaves=8))
def test_tree_flatten_unflatten_round_trip(t):
    leaves, td = linad.tree_flatten(t)
    assert leaves == linad.tree_leaves(t)
    assert td == linad.tree_structure(t) and td.num_leaves == len(leaves)
    assert linad.tree_unflatten(td, leaves) == t
    assert linad.tree_reduce(operator.add, t, initializer=0.0) == sum(leaves, 0.0)
    assert linad.tree_unflatten(td, [1] * len(leaves)) == linad.tree_map(lambda _: 1, t)


def test_tree_utilities_details():
    t = {"b": [1.0, (2.0, 3.0)], "a": None}
    assert linad.tree_leaves(t) == [1.0, 2.0, 3.0]
    assert repr(linad.tree_structure(t)) == "{'a': None, 'b': list(*, tuple(*, *))}"
    leaves, td = linad.tree_flatten(t, is_leaf=lambda n: isinstance(n, tuple))
    assert leaves == [1.0, (2.0, 3.0)] and td.num_leaves == 2
    assert linad.tree_unflatten(td, ["x", "y"]) == {"a": None, "b": ["x", "y"]}
    assert linad.tree_reduce(max, t) == 3.0
    assert linad.tree_reduce(operator.mul, [], initializer=1.0) == 1.0
    with pytest.raises(TypeError, match="needs an initializer"):
        linad.tree_reduce(operator.add, [None])
    with pytest.raises(ValueError, match=r"has 2 leaves, but 3 were given"):
        linad.tree_unflatten(td, [1, 2, 3])
    assert linad.tree.tree_leaves(None) == []
