"""Value-dependent derivative rules under ``linad.jit``: masks, selection weights and
quotients are recomputed on every call, never frozen at the values of the staging call.

Each function is staged at a first point and replayed (same signature, no second
staging) at points where the mask differs — a kink, a tie, a zero — and its value,
gradient and JVP are compared with eager linad.
"""
import numpy as np
import pytest

import linad
import linad.numpy as lnp
from linad.scipy import special


def _close(got, want, what):
    for g, w in zip(linad.tree.tree_leaves(got), linad.tree.tree_leaves(want)):
        g, w = np.asarray(g), np.asarray(w)
        assert g.dtype == w.dtype and g.shape == w.shape, what
        np.testing.assert_allclose(g, w, rtol=1e-12, atol=1e-12, err_msg=what)


def check_replay(f, *points, argnums=0):
    """``jit(f)``, ``jit(grad(f))`` and ``jit(jvp(f))`` staged at ``points[0]`` and
    replayed at every point equal eager linad; nothing is staged twice."""
    jf = linad.jit(f)
    jg = linad.jit(linad.grad(f, argnums=argnums))
    jj = linad.jit(lambda args, tangents: linad.jvp(f, args, tangents))
    rng = np.random.default_rng(0)
    for args in points:
        args = tuple(np.asarray(a) for a in args)
        tangents = tuple(rng.standard_normal(np.shape(a)).astype(a.dtype) for a in args)
        _close(jf(*args), f(*args), f"value at {args}")
        _close(jg(*args), linad.grad(f, argnums=argnums)(*args), f"gradient at {args}")
        _close(jj(args, tangents), linad.jvp(f, args, tangents), f"jvp at {args}")
    assert jf.cache_info().misses == 1 and jg.cache_info().misses == 1
    assert jj.cache_info().misses == 1


W = np.array([0.7, -1.3, 0.4])


# ---------------------------------------------------------------------------- unary kinks

def test_abs_kink(optimizations):
    check_replay(lambda x: (lnp.abs(x) * W).sum(),
                 ([1.0, -2.0, 3.0],), ([0.0, -2.0, 0.0],), ([-1.0, 0.0, 2.0],))


def test_abs_of_complex_at_zero(optimizations):
    check_replay(lambda x: (lnp.abs(x) * W).sum(),
                 ([1.0 + 1j, -2.0, 3j],), ([0j, -2.0, 0j],))


def test_sinc_at_zero(optimizations):
    check_replay(lambda x: (lnp.sinc(x) * W).sum(), ([0.5, -1.5, 2.0],), ([0.0, -1.5, 0.0],))


def test_hypot_at_origin(optimizations):
    check_replay(lambda x, y: (lnp.hypot(x, y) * W).sum(),
                 ([1.0, 2.0, 3.0], [1.0, 0.5, -1.0]), ([0.0, 2.0, 0.0], [0.0, 0.5, 0.0]),
                 argnums=(0, 1))


# ---------------------------------------------------------------------------- pow at 0

def test_pow_at_zero(optimizations):
    check_replay(lambda x, y: (lnp.power(x, y) * W).sum(),
                 ([1.0, 2.0, 0.5], [2.0, 0.5, 3.0]),
                 ([0.0, 2.0, 0.0], [0.0, 0.5, 3.0]),   # 0**0 and 0**3
                 ([0.0, 0.0, 1.5], [2.0, 0.0, 0.0]),
                 argnums=(0, 1))


def test_pow_constant_exponent_at_zero(optimizations):
    check_replay(lambda x: (x ** 2 * W).sum() + (x ** 0.0).sum(),
                 ([1.0, 2.0, 3.0],), ([0.0, 2.0, 0.0],))


def test_pow_float32_with_constant_base():
    """A constant base without zeros keeps a float32 exponent in float32 (no mask staged)."""
    f = linad.jit(linad.grad(lambda y: (2.0 ** y).sum()))
    y = np.array([0.5, 0.0], np.float32)
    assert f(y).dtype == np.float32
    np.testing.assert_allclose(f(y), linad.grad(lambda y: (2.0 ** y).sum())(y), rtol=1e-6)


# ---------------------------------------------------------------------------- selections

def test_maximum_ties(optimizations):
    check_replay(lambda x, y: (lnp.maximum(x, y) * W).sum(),
                 ([1.0, 2.0, 3.0], [0.0, 3.0, 1.0]), ([1.0, 2.0, 0.0], [1.0, 0.0, 0.0]),
                 argnums=(0, 1))


def test_fmin_nan_skipped(optimizations):
    check_replay(lambda x, y: (lnp.fmin(x, y) * W).sum(),
                 ([1.0, 2.0, 3.0], [0.0, 3.0, 1.0]), ([np.nan, 2.0, 1.0], [1.0, np.nan, 1.0]),
                 argnums=(0, 1))


def test_clip_at_bounds(optimizations):
    check_replay(lambda x: (lnp.clip(x, 0.0, 1.0) * W).sum(),
                 ([0.5, 0.25, 0.75],), ([0.0, 1.0, 2.0],), ([-1.0, 0.5, 1.0],))


def test_mod_quotient(optimizations):
    check_replay(lambda x, y: (lnp.mod(x, y) * W).sum(),
                 ([0.5, 1.25, 2.5], [1.0, 1.0, 1.0]), ([3.5, -1.25, 7.5], [1.0, 1.0, 2.0]),
                 argnums=(0, 1))


def test_reduce_max_ties(optimizations):
    check_replay(lambda x: (lnp.max(x, axis=1) * W[:2]).sum(),
                 (np.array([[1.0, 2.0, 3.0], [4.0, 0.0, 1.0]]),),
                 (np.array([[3.0, 2.0, 3.0], [1.0, 1.0, 1.0]]),))


# ---------------------------------------------------------------------------- products with zeros

def test_prod_with_zeros(optimizations):
    x = np.array([[1.0, 2.0, 3.0], [0.5, -1.0, 2.0]])
    check_replay(lambda x: (lnp.prod(x, axis=1) * W[:2]).sum(),
                 (x,), (np.array([[0.0, 2.0, 3.0], [0.5, -1.0, 2.0]]),),
                 (np.array([[0.0, 0.0, 3.0], [0.0, -1.0, 2.0]]),))


def test_prod_with_zeros_second_derivative(optimizations):
    def f(x):
        return lnp.prod(x)
    h = linad.jit(linad.hessian(f))
    for x in (np.array([1.0, 2.0, 3.0]), np.array([0.0, 2.0, 3.0]), np.array([0.0, 0.0, 3.0])):
        _close(h(x), linad.hessian(f)(x), f"hessian at {x}")
    assert h.cache_info().misses == 1


def test_cumprod_with_zeros(optimizations):
    check_replay(lambda x: (lnp.cumprod(x) * W).sum(),
                 ([1.0, 2.0, 3.0],), ([0.0, 2.0, 3.0],), ([2.0, 0.0, 3.0],))


# ---------------------------------------------------------------------------- special functions

def test_i1e_and_i0e_at_zero(optimizations):
    check_replay(lambda x: (special.i1e(x) * W).sum() + (special.i0e(x) * W).sum()
                 + (special.i1(x) * W).sum(),
                 ([1.0, -2.0, 0.5],), ([0.0, -2.0, 0.0],))


def test_xlogy_at_zero(optimizations):
    """d/dy x log y is 0 where x == y == 0: the mask follows y from call to call."""
    x = np.array([0.0, 2.0, 0.0])
    check_replay(lambda y: (special.xlogy(x, y) * W).sum(),
                 ([1.0, 0.5, 2.0],), ([0.0, 0.5, 2.0],), ([0.0, 0.5, 0.0],))
    check_replay(lambda x, y: (special.xlogy(x, y) * W).sum(),
                 ([1.0, 2.0, 0.5], [1.0, 0.5, 2.0]), ([0.0, 2.0, 0.0], [1.5, 0.5, 2.0]),
                 argnums=(0, 1))


def test_entr_outside_domain(optimizations):
    check_replay(lambda x: (special.entr(x) * W).sum(),
                 ([0.5, 1.5, 2.0],), ([-0.5, 1.5, -2.0],))


def test_huber_inside_and_outside(optimizations):
    check_replay(lambda d, r: (special.huber(d, r) * W).sum(),
                 (1.0, [0.5, -0.25, 0.75]), (1.0, [2.0, -0.25, -3.0]), argnums=(0, 1))


def test_pseudo_huber_at_zero_delta(optimizations):
    f = linad.jit(lambda d, r: special.pseudo_huber(d, r))
    r = np.array([0.5, -1.0])
    for d in (np.array([1.0, 2.0]), np.array([0.0, -1.0])):
        _close(f(d, r), special.pseudo_huber(d, r), f"pseudo_huber at {d}")


def test_logsumexp_shift_recomputed(optimizations):
    """The stabilising shift is the maximum of each call: frozen, exp(1000 - 0) overflows."""
    check_replay(lambda a: special.logsumexp(a) + (special.softmax(a) * W).sum(),
                 ([0.5, -1.0, 0.25],), ([1000.0, 999.0, 998.0],))


def test_multigammaln_domain_under_jit():
    """Eagerly outside its domain multigammaln raises; under jit (values unknown while
    staging) it gives NaN there, and the same values as eager inside it."""
    f = linad.jit(lambda a: special.multigammaln(a, 3))
    a = np.array([2.5, 3.0])
    _close(f(a), special.multigammaln(a, 3), "inside the domain")
    with pytest.raises(ValueError, match="a > \\(d - 1\\) / 2"):
        special.multigammaln(np.array([0.5, 3.0]), 3)
    out = f(np.array([0.5, 3.0]))
    assert np.isnan(out[0]) and out[1] == special.multigammaln(3.0, 3)
