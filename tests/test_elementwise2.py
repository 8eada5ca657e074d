"""Float-part functions, fabs, i0, real_if_close, NumPy 2 names, ``.at[idx].min/max/get``
and constant bases with ``.at`` (lnp.zeros(n).at[idx].add(v)).

Derivatives along smooth inputs are checked in tests/cases/elementwise2.py (finite
differences, both modes, second order); this file checks values against NumPy
(special values included), the kinds of the outputs, dtypes, errors, and the
conventions (ties, repeated indices) against oracles written out by hand.
"""
import pickle

import numpy as np
import pytest
import scipy.special as sc
from hypothesis import given, settings, strategies as st
from hypothesis.extra import numpy as hnp

import linad
import linad.numpy as lnp
from linad.core import Tracer
from linad.numpy._creation import AtArray

SPECIAL = np.array([0.0, -0.0, 1.5, -2.75, 1e-310, -5e-324, 1e300, np.inf, -np.inf, np.nan,
                    3.0, -4.0, 0.5, 2.0 ** 70])
floats = hnp.arrays(np.float64, hnp.array_shapes(min_dims=0, max_dims=2, max_side=4),
                    elements=st.floats(allow_nan=True, allow_infinity=True, width=64))


def same(a, b):
    """Bitwise-equal values (NaN equal to NaN, the sign of zero compared) and dtype."""
    a, b = np.asarray(a), np.asarray(b)
    assert a.dtype == b.dtype, (a.dtype, b.dtype)
    np.testing.assert_array_equal(a, b)
    for part in (np.real, np.imag) if a.dtype.kind == "c" else (np.real,):
        np.testing.assert_array_equal(np.signbit(part(a)), np.signbit(part(b)))


def primal(f, *args):
    """``f(*args)`` computed on traced values (the primal of a JVP)."""
    return linad.jvp(f, args, tuple(np.ones_like(a) for a in args))[0]


# ============================================================================ values

@pytest.mark.parametrize("name", ["fabs", "spacing", "modf", "frexp"])
@settings(max_examples=30, deadline=None)
@given(x=floats)
def test_unary_values_match_numpy(name, x):
    with np.errstate(all="ignore"):
        want = getattr(np, name)(x)
        got = getattr(lnp, name)(x)
        traced = primal(lambda x: getattr(np, name)(x), x)
    for w, g, t in zip(*[o if isinstance(o, tuple) else (o,) for o in (want, got, traced)]):
        same(g, w)
        same(t, w)


@pytest.mark.parametrize("name", ["fabs", "spacing", "modf", "frexp"])
def test_unary_special_values(name):
    with np.errstate(all="ignore"):
        want, got = getattr(np, name)(SPECIAL), getattr(lnp, name)(SPECIAL)
        traced = primal(getattr(np, name), SPECIAL)
    for w, g, t in zip(*[o if isinstance(o, tuple) else (o,) for o in (want, got, traced)]):
        same(g, w)
        same(t, w)


@pytest.mark.parametrize("name", ["divmod", "nextafter", "ldexp"])
def test_binary_special_values(name):
    x = np.repeat(SPECIAL, SPECIAL.size)
    y = np.tile(SPECIAL, SPECIAL.size)
    if name == "ldexp":
        y = np.tile(np.arange(-1080, 1100, 155), x.size // 15 + 1)[:x.size]
    with np.errstate(all="ignore"):
        want, got = getattr(np, name)(x, y), getattr(lnp, name)(x, y)
        traced = primal(lambda x: getattr(np, name)(x, y), x)
    for w, g, t in zip(*[o if isinstance(o, tuple) else (o,) for o in (want, got, traced)]):
        same(g, w)
        same(t, w)


def test_i0_values_and_derivative():
    x = np.linspace(-20, 20, 401)
    np.testing.assert_allclose(lnp.i0(x), np.i0(x), rtol=1e-14)
    np.testing.assert_allclose(primal(np.i0, x), np.i0(x), rtol=1e-14)
    _, t = linad.jvp(np.i0, (x,), (np.ones_like(x),))
    np.testing.assert_allclose(t, sc.i1(x), rtol=1e-14)
    # second derivative: I0'' = I0 - I1/x (1/2 at 0)
    d2 = linad.elementwise_grad(linad.elementwise_grad(lambda x: np.i0(x)))(np.array([0.0, 2.0]))
    np.testing.assert_allclose(d2, [0.5, sc.i0(2.0) - sc.i1(2.0) / 2.0], rtol=1e-14)


def test_ldexp_does_not_form_the_power_of_two():
    # 2**1074 overflows, the result and the derivative do not
    x, e = np.array([5e-324, 1e-300]), np.array([1074, 1000])
    out, t = linad.jvp(lambda x: np.ldexp(x, e), (x,), (np.array([1e-300, 1e-300]),))
    same(out, np.ldexp(x, e))
    same(t, np.ldexp(np.array([1e-300, 1e-300]), e))
    _, f_vjp = linad.vjp(lambda x: np.ldexp(x, e), x)
    same(f_vjp(np.array([1e-300, 1e-300]))[0], np.ldexp(np.array([1e-300, 1e-300]), e))


def test_frexp_derivative_is_two_to_minus_e():
    x = np.array([6.0, -0.3, 1e-310, 1000.0])
    with np.errstate(over="ignore"):  # 2**1029 for the subnormal: inf, as the exact slope overflows
        g = linad.grad(lambda x: np.sum(np.frexp(x)[0]))(x)
        same(g, np.ldexp(1.0, -np.frexp(x)[1]))
    assert np.isinf(g[2]) and np.all(np.isfinite(g[[0, 1, 3]]))


# ============================================================================ several outputs

def test_multiple_outputs_are_tuples_of_the_right_kinds():
    kinds = {}

    def f(x, y):
        m, e = np.frexp(x)
        frac, whole = np.modf(x)
        q, r = np.divmod(x, y)
        kinds.update(m=m, e=e, frac=frac, whole=whole, q=q, r=r)
        return m * e + frac + whole * x + q * r
    x, y = np.array([2.5, -7.25]), np.array([2.0, 3.0])
    linad.grad(lambda x, y: np.sum(f(x, y)), argnums=(0, 1))(x, y)
    for name in ("m", "frac", "r"):
        assert isinstance(kinds[name], Tracer), name
    for name in ("e", "whole", "q"):
        assert type(kinds[name]) is np.ndarray, name
    assert kinds["e"].dtype == np.int32
    # d/dx (m e + frac + whole x + q r) with m = x 2^-e, r = x - q y: e 2^-e + 1 + whole + q
    want_x = kinds["e"] * 2.0 ** -kinds["e"] + 1 + np.trunc(x) + np.floor(x / y)
    np.testing.assert_allclose(linad.grad(lambda x: np.sum(f(x, y)))(x), want_x, rtol=1e-15)
    np.testing.assert_allclose(linad.grad(lambda y: np.sum(f(x, y)))(y),
                               -np.floor(x / y) ** 2, rtol=1e-15)


def test_divmod_matches_floor_divide_and_mod_derivatives():
    x, y = np.array([7.0, -7.5, 7.25]), np.array([2.0, 2.0, -3.0])
    gx, gy = linad.grad(lambda x, y: np.sum(np.divmod(x, y)[1]), argnums=(0, 1))(x, y)
    np.testing.assert_array_equal(gx, np.ones(3))
    np.testing.assert_array_equal(gy, -np.floor(x / y))


def test_nextafter_derivative_is_one_in_x_and_zero_in_y():
    gx, gy = linad.grad(lambda x, y: np.sum(np.nextafter(x, y)), argnums=(0, 1))(
        np.array([1.0, -2.0]), np.array([2.0, -np.inf]))
    same(gx, np.ones(2))
    same(gy, np.zeros(2))


def test_spacing_and_heaviside_have_no_tangent():
    x = np.array([1.5, -3.0])
    same(linad.grad(lambda x: np.sum(x * np.spacing(x)))(x), np.spacing(x))
    same(linad.grad(lambda x: np.sum(x * np.heaviside(x, 0.5)))(x), np.heaviside(x, 0.5))


# ============================================================================ dtypes

@pytest.mark.parametrize("fn", [np.fabs, np.i0, lambda x: np.ldexp(x, 3),
                                lambda x: np.frexp(x)[0], lambda x: np.modf(x)[0],
                                lambda x: np.divmod(x, np.float32(0.75))[1],
                                lambda x: np.nextafter(x, np.float32(2.0))])
def test_float32_stays_float32(fn):
    x = np.array([0.3, -1.7], np.float32)
    out, t = linad.jvp(fn, (x,), (np.ones(2, np.float32),))
    assert out.dtype == np.float32 and t.dtype == np.float32
    assert fn(x).dtype == np.float32  # NumPy's own dtype
    assert linad.grad(lambda x: fn(x).sum())(x).dtype == np.float32


def test_integer_inputs_give_float64_like_numpy():
    for name in ("fabs", "i0", "modf", "frexp"):
        want, got = getattr(np, name)(np.array([-3, 2])), getattr(lnp, name)(np.array([-3, 2]))
        for w, g in zip(*[o if isinstance(o, tuple) else (o,) for o in (want, got)]):
            assert np.asarray(g).dtype == np.asarray(w).dtype
            np.testing.assert_allclose(g, w, rtol=1e-15)
    same(lnp.ldexp(np.array([3, -1]), 2), np.ldexp(np.array([3, -1]), 2))


@pytest.mark.parametrize("name", ["fabs", "i0", "frexp", "modf"])
def test_complex_is_an_error_as_in_numpy(name):
    z = np.array([1.0 + 1.0j])
    with pytest.raises(TypeError):
        getattr(np, name)(z)
    with pytest.raises(TypeError, match=f"{name} is not defined for complex values"):
        linad.jvp(getattr(np, name), (z,), (z,))


def test_real_if_close_complex():
    z = np.array([2.0 + 1e-17j, -1.0 + 0.0j])
    t = np.array([1.0 + 3.0j, 2.0 - 1.0j])
    out, t_out = linad.jvp(np.real_if_close, (z,), (t,))
    same(out, np.real_if_close(z))
    same(t_out, t.real)
    far = np.array([2.0 + 1e-3j])
    out, t_out = linad.jvp(lambda z: np.real_if_close(z, tol=1000), (far,), (t[:1],))
    same(out, far)
    same(t_out, t[:1])
    same(lnp.real_if_close(z), np.real_if_close(z))


# ============================================================================ NumPy 2 names

ALIASES = {"acos": "arccos", "acosh": "arccosh", "asin": "arcsin", "asinh": "arcsinh",
           "atan": "arctan", "atanh": "arctanh", "atan2": "arctan2", "pow": "power"}


@pytest.mark.parametrize("name", sorted(ALIASES))
def test_numpy2_ufunc_aliases(name):
    assert getattr(np, name) is getattr(np, ALIASES[name])
    assert getattr(lnp, name) is getattr(lnp, ALIASES[name])
    args = (np.array([0.3, 0.6]),) if name not in ("atan2", "pow") else (
        np.array([0.3, 0.6]), np.array([1.5, 0.7]))
    if name == "acosh":
        args = (args[0] + 1.0,)
    f_np = getattr(np, name)
    out, t = linad.jvp(f_np, args, tuple(np.ones_like(a) for a in args))
    same(out, f_np(*args))
    _, t_lnp = linad.jvp(getattr(lnp, name), args, tuple(np.ones_like(a) for a in args))
    same(t, t_lnp)
    eps = 1e-6
    fd = (f_np(*[a + eps for a in args]) - f_np(*[a - eps for a in args])) / (2 * eps)
    np.testing.assert_allclose(t, fd, rtol=1e-7)


def _complex(shape, seed):
    rng = np.random.default_rng(seed)
    return rng.standard_normal(shape) + 1j * rng.standard_normal(shape)


@pytest.mark.parametrize("name, args", [
    ("vecdot", (_complex((2, 3), 0), _complex((3,), 1))),
    ("matvec", (_complex((2, 3), 2), _complex((3,), 3))),
    ("vecmat", (_complex((3,), 4), _complex((3, 2), 5))),
])
def test_numpy2_gufuncs_conjugate_like_numpy(name, args):
    """Each product is linear in its second operand and conjugate-linear in the first for
    vecdot/vecmat: the JVP is the product with the tangent in each place."""
    f = getattr(np, name)
    ta, tb = _complex(args[0].shape, 6), _complex(args[1].shape, 7)
    out, t = linad.jvp(f, args, (ta, tb))
    np.testing.assert_allclose(out, f(*args), rtol=1e-14)
    np.testing.assert_allclose(t, f(ta, args[1]) + f(args[0], tb), rtol=1e-14)
    assert hasattr(lnp, name)


@pytest.mark.parametrize("name, call", [
    ("concat", lambda m, x: m.concat([x, 2 * x], axis=1)),
    ("permute_dims", lambda m, x: m.permute_dims(x, (1, 0))),
    ("matrix_transpose", lambda m, x: m.matrix_transpose(x)),
    ("unstack", lambda m, x: m.unstack(x, axis=1)[1]),
    ("cumulative_sum", lambda m, x: m.cumulative_sum(x, axis=1, include_initial=True)),
    ("cumulative_prod", lambda m, x: m.cumulative_prod(x, axis=0, include_initial=True)),
    ("astype", lambda m, x: m.astype(x, np.complex128)),
])
def test_numpy2_functions(name, call):
    x = np.array([[1.0, 2.0, 3.0], [0.5, -1.0, 4.0]])
    assert hasattr(lnp, name)
    out, f_lin = linad.linearize(lambda x: call(np, x), x)
    same(out, call(np, x))
    tangent = np.array([[0.25, -1.0, 2.0], [1.5, 0.5, -0.75]])
    eps = 1e-6
    fd = (call(np, x + eps * tangent) - call(np, x - eps * tangent)) / (2 * eps)
    np.testing.assert_allclose(f_lin(tangent), fd, rtol=1e-6, atol=1e-9)
    same(f_lin(tangent), linad.jvp(lambda x: call(lnp, x), (x,), (tangent,))[1])


def test_np_astype_keywords():
    x = np.array([1.0, 2.0])
    t = linad.jvp(lambda x: np.astype(x, np.float32, copy=False), (x,), (x,))[1]
    same(t, x.astype(np.float32))
    with pytest.raises(ValueError, match="device must be None or 'cpu'"):
        linad.jvp(lambda x: np.astype(x, np.float32, device="gpu"), (x,), (x,))


# ============================================================================ .at min, max, get

def _sequential_oracle(x, idx, v, pick):
    """Value and the source of every output element (("x", i) or ("v", k)), applying
    ``pick`` occurrence by occurrence, in order, with distinct values (no ties)."""
    out = list(x)
    src = [("x", i) for i in range(len(x))]
    for k, i in enumerate(idx):
        if pick(v[k], out[i]):
            out[i], src[i] = v[k], ("v", k)
    return np.array(out), src


@pytest.mark.parametrize("method, ufunc, pick", [
    ("min", np.minimum, lambda a, b: a < b), ("max", np.maximum, lambda a, b: a > b)])
@settings(max_examples=25, deadline=None)
@given(data=st.data())
def test_at_min_max_repeated_indices(method, ufunc, pick, data):
    n = data.draw(st.integers(1, 5))
    k = data.draw(st.integers(0, 8))
    idx = np.array(data.draw(st.lists(st.integers(0, n - 1), min_size=k, max_size=k)), int)
    vals = np.array(data.draw(st.permutations(range(n + k))), float) * 0.5 - 2.0
    x, v = vals[:n], vals[n:]
    want = x.copy()
    ufunc.at(want, idx, v)
    on_zeros = np.zeros(n)
    ufunc.at(on_zeros, idx, v)
    same(getattr(lnp.zeros(n).at[idx], method)(v), on_zeros)
    f = lambda x, v: getattr(x.at[idx], method)(v)  # noqa: E731
    out, f_vjp = linad.vjp(f, x, v)
    same(out, want)
    oracle, src = _sequential_oracle(x, idx, v, pick)
    same(oracle, want)
    for i in range(n):  # the cotangent e_i reaches exactly the selected source
        e = np.zeros(n)
        e[i] = 1.0
        gx, gv = f_vjp(e)
        wx, wv = np.zeros(n), np.zeros(k)
        (wx if src[i][0] == "x" else wv)[src[i][1]] = 1.0
        same(gx, wx)
        same(gv, wv)


def test_at_min_ties_share_step_by_step():
    # min(min(x, v0), v1) with x == v0 == v1: 1/2 at each step -> x 1/4, v0 1/4, v1 1/2
    gx, gv = linad.grad(lambda x, v: x.at[[0, 0]].min(v)[0], argnums=(0, 1))(
        np.array([1.0]), np.array([1.0, 1.0]))
    same(gx, np.array([0.25]))
    same(gv, np.array([0.25, 0.5]))


def test_at_max_nan_propagates_like_numpy():
    x, v = np.array([1.0, 2.0]), np.array([np.nan, 3.0])
    want = x.copy()
    with np.errstate(invalid="ignore"):
        np.maximum.at(want, [0, 0], v)
    same(primal(lambda x: x.at[[0, 0]].max(v), x), want)


def test_at_broadcast_and_multidimensional_index():
    x = np.arange(12.0).reshape(3, 4)
    v = np.array([5.0, -1.0, 20.0, 7.5])
    want = x.copy()
    np.maximum.at(want, ([0, 2, 0],), v)
    same(primal(lambda x: x.at[[0, 2, 0]].max(v), x), want)
    want = x.copy()
    np.minimum.at(want, (slice(None), [1, 3, 1]), 2.5)
    same(primal(lambda x: x.at[:, [1, 3, 1]].min(2.5), x), want)


def test_at_get():
    x = np.arange(6.0).reshape(2, 3)
    out, t = linad.jvp(lambda x: x.at[:, [2, 0, 2]].get(), (x,), (x + 1,))
    same(out, x[:, [2, 0, 2]])
    same(t, (x + 1)[:, [2, 0, 2]])
    same(lnp.zeros(3).at[1:].get(), np.zeros(2))


def test_at_traced_index_is_an_error():
    with pytest.raises(TypeError, match="index into a traced array must be concrete"):
        linad.grad(lambda x: np.sum(lnp.zeros(3).at[x].max(1.0)))(1.0)


# ============================================================================ constant bases

CONSTRUCTORS = [
    lambda: lnp.zeros(4), lambda: lnp.ones(4), lambda: lnp.empty(4),
    lambda: lnp.full(4, 2.0), lambda: lnp.zeros_like(np.ones(4)),
    lambda: lnp.ones_like(np.ones(4)), lambda: lnp.empty_like(np.ones(4)),
    lambda: lnp.full_like(np.ones(4), 3.0),
]


@pytest.mark.parametrize("make", CONSTRUCTORS)
def test_constant_base_takes_traced_updates(make):
    base = make()
    assert isinstance(base, AtArray)
    idx = [0, 3, 0]

    def f(v):
        return base.at[idx].add(v) + base.at[1].set(v[0]) * base.at[idx].multiply(v)
    v = np.array([1.5, -2.0, 0.25])
    plain = np.array(base)

    def f_plain(v):
        return (lnp.index_add(plain, idx, v)
                + lnp.index_set(plain, 1, v[0]) * lnp.index_multiply(plain, idx, v))
    out, t = linad.jvp(f, (v,), (np.ones(3),))
    out2, t2 = linad.jvp(f_plain, (v,), (np.ones(3),))
    same(out, out2)
    same(t, t2)
    same(linad.jacrev(f)(v), linad.jacrev(f_plain)(v))
    same(np.asarray(base), plain)  # the base is not modified


def test_constant_base_jax_pattern():
    def f(v):  # scatter per-sample values into bins, JAX style
        return lnp.zeros(3).at[np.array([0, 2, 0])].add(v ** 2)
    v = np.array([1.0, 2.0, 3.0])
    same(f(v), np.array([10.0, 0.0, 4.0]))
    same(linad.jacfwd(f)(v), np.array([[2.0, 0.0, 6.0], [0.0, 0.0, 0.0], [0.0, 4.0, 0.0]]))


def test_at_array_results_are_plain_and_identical():
    z = lnp.full((2, 3), 1.25)
    p = np.full((2, 3), 1.25)
    results = [
        (z + 1, p + 1), (np.exp(z), np.exp(p)), (np.sum(z, axis=0), np.sum(p, axis=0)),
        (z.sum(), p.sum()), (z @ z.T, p @ p.T), (np.concatenate([z, z]), np.concatenate([p, p])),
        (np.linalg.norm(z), np.linalg.norm(p)), (np.modf(z)[0], np.modf(p)[0]),
        (np.split(z, 3, axis=1)[1], np.split(p, 3, axis=1)[1]), (np.asarray(z), p),
        (np.where(z > 1, z, 0.0), np.where(p > 1, p, 0.0)), (z > 1, p > 1),
    ]
    for got, want in results:
        assert type(got) is type(want), (type(got), type(want))
        same(got, want)
    assert repr(z) == repr(p) and str(z) == str(p)
    # views made by its own methods keep .at; the data is shared
    assert isinstance(z[1:], AtArray) and isinstance(z.reshape(3, 2), AtArray)
    same(pickle.loads(pickle.dumps(z)), p)


def test_at_array_in_place_numpy_operations():
    z = lnp.zeros(3)
    alias = z
    z += 1.0  # NumPy's in-place add: same object, still an AtArray
    assert z is alias and isinstance(z, AtArray)
    np.add.at(z, [0, 0], 2.0)
    z[2] = 7.0
    same(np.asarray(z), np.array([5.0, 1.0, 7.0]))
    out = lnp.zeros(3)
    assert np.multiply(z, 2.0, out=out) is out
    same(np.asarray(out), np.array([10.0, 2.0, 14.0]))
    frac, whole = lnp.zeros(3), lnp.zeros(3)
    res = np.modf(np.array([1.5, -2.25, 3.0]), out=(frac, None))
    assert res[0] is frac and type(res[1]) is np.ndarray


def test_at_array_with_traced_operands():
    base, plain = lnp.ones((2, 2)), np.ones((2, 2))

    def g(b):
        return lambda x: np.concatenate([b, x[None] * b[0]]) @ np.sin(x) + np.sum(b * x)
    x = np.array([0.5, -1.0])
    same(linad.grad(lambda x: np.sum(g(base)(x)))(x), linad.grad(lambda x: np.sum(g(plain)(x)))(x))
    with pytest.raises(TypeError, match="out=..."):  # writing a traced value into it
        linad.grad(lambda x: np.sum(np.add(x, 1.0, out=lnp.zeros(2))))(x)


# ============================================================================ errors

@pytest.mark.parametrize("e, what", [(np.array([1.0, 2.0]), "float"), (None, "traced")])
def test_ldexp_exponent_must_be_a_concrete_integer(e, what):
    x = np.array([1.0, 2.0])
    with pytest.raises(TypeError):
        np.ldexp(x, np.array([1.0, 2.0]))  # NumPy refuses float exponents too
    f = (lambda x: np.ldexp(x, e)) if what == "float" else (lambda x: np.ldexp(x, x))
    with pytest.raises(TypeError, match="exponent e must be a concrete integer"):
        linad.jvp(f, (x,), (x,))


def test_two_output_ufunc_with_out_is_an_error():
    with pytest.raises(TypeError, match=r"np.modf\(\.\.\., out=\.\.\.\)"):
        linad.jvp(lambda x: np.modf(x, out=(np.zeros(2), np.zeros(2))), (np.ones(2),),
                  (np.ones(2),))
