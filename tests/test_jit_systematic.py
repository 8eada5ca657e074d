"""Every case of tests/cases under ``linad.jit``: the jitted function, ``jit(grad)``,
``grad(jit)`` and ``jit(jvp)`` equal eager linad (1e-12 relative in float64), and a
second call with new values of the same signature replays the program without staging.

The cases of ``REFUSED_UNDER_JIT`` cannot be staged (for some or all of their inputs): a
shape or a dtype inside them depends on values, so ``jit(f)`` raises ``ConcretizationError``
(never a frozen answer); where it does not raise, the case is compared like every other.
"""
import functools

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

import linad
from linad.tree import tree_leaves, tree_map
from cases import all_cases

CASES = all_cases()

#: Cases in which a shape depends on the values: the results of ``trim_zeros``, ``roots``
#: (zero coefficients are dropped) and ``polydiv`` (so are the remainder's leading zeros),
#: and the arrays ``piecewise`` gives its functions (the entries each condition selects).
REFUSED_UNDER_JIT = {
    **dict.fromkeys(["man_trim_zeros", "man_roots", "man_polydiv", "man_piecewise"],
                    "the result's shape depends on values"),
    **dict.fromkeys(["linalg_lstsq", "linalg_scipy_lstsq"],
                    "lstsq's residuals are empty or not depending on the rank"),
    **dict.fromkeys(["linalg_eig", "linalg_eig_complex_pair", "linalg_eigvals",
                     "linalg_scipy_funm", "man_poly_matrix"],
                    "eig of a real matrix is real or complex depending on values"),
    "ew2_real_if_close_complex": "real_if_close's dtype depends on values",
}


def _close(a, b, what):
    for x, y in zip(tree_leaves(a), tree_leaves(b)):
        x, y = np.asarray(x), np.asarray(y)
        assert x.dtype == y.dtype, f"{what}: dtype {x.dtype} under jit, {y.dtype} eager"
        assert x.shape == y.shape, f"{what}: shape {x.shape} under jit, {y.shape} eager"
        # float64: 1e-12; float32 (kept under jit) may round differently when jit takes
        # an equally exact formula (a branch-free one where eager branches on values)
        tol = 1e-12 if np.finfo(x.dtype).bits >= 64 else 2e-5
        np.testing.assert_allclose(x, y, rtol=tol, atol=tol, err_msg=what)


def _weighted(f, weights):
    """A real scalar function of ``f``'s output: the sum of ``re(out * w)`` over leaves."""
    def scalar(*args):
        total = 0.0
        for o, w in zip(tree_leaves(f(*args)), weights):
            total = total + linad.numpy.sum(linad.numpy.real(o * w))
        return total
    return scalar


def run_case_under_jit(case, args, static, rng):
    f = functools.partial(case.fn, **static)
    if case.name in REFUSED_UNDER_JIT:
        try:
            linad.jit(f)(*args)
        except linad.ConcretizationError:
            return
    out = f(*args)
    weights = [rng.standard_normal(np.shape(o)) for o in tree_leaves(out)]
    scalar = _weighted(f, weights)
    tangents = linad.testing.random_like(args, rng)
    argnums = tuple(range(len(args)))

    jf = linad.jit(f)
    _close(jf(*args), out, "jit(f)")
    jg = linad.jit(linad.grad(scalar, argnums=argnums))
    _close(jg(*args), linad.grad(scalar, argnums=argnums)(*args), "jit(grad(f))")
    _close(linad.grad(linad.jit(scalar), argnums=argnums)(*args),
           linad.grad(scalar, argnums=argnums)(*args), "grad(jit(f))")
    jj = linad.jit(lambda a, t: linad.jvp(f, a, t))
    _close(jj(tuple(args), tangents), linad.jvp(f, tuple(args), tangents), "jit(jvp(f))")
    # a new point of the same signature: replayed, not staged again
    args2 = tree_map(lambda a: a * 0.75 + 0.125 * np.ones_like(a), tuple(args))
    _close(jf(*args2), f(*args2), "jit(f) at a second point")
    _close(jg(*args2), linad.grad(scalar, argnums=argnums)(*args2), "jit(grad(f)) at a second point")
    assert jf.cache_info().misses == 1 and jg.cache_info().misses == 1


@pytest.mark.parametrize("case", CASES, ids=repr)
def test_case_under_jit(case):
    @settings(max_examples=min(case.max_examples, 2), deadline=None,
              suppress_health_check=list(HealthCheck))
    @given(st.data())
    def run(data):
        args, static = data.draw(case.strategy)
        run_case_under_jit(case, args, static, np.random.default_rng(0))
    run()


def test_refused_cases_exist():
    names = {c.name for c in CASES}
    assert set(REFUSED_UNDER_JIT) <= names, set(REFUSED_UNDER_JIT) - names
