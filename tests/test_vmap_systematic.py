"""Every case of tests/cases under ``linad.vmap``: a batch of three points of the case's
domain, mapped, equals a Python loop over the points stacked with ``np.stack``.

For each case and drawn example: ``vmap(f)`` (and ``jit(vmap(f))``) with the batch at axis
0, at axis 1 (when every argument has an axis) and with some arguments unmapped (``None``);
per-example gradients ``vmap(grad(g))`` and ``grad`` of the batch sum of ``vmap(g)`` (``g`` a
fixed weighted sum of ``f``'s outputs); ``vmap`` of ``jvp`` and of a ``vjp`` pullback; for
second-order cases of one small real argument, ``vmap(hessian(g))`` and the (block-diagonal)
Hessian of the batch sum.  float64 agrees to 1e-10 relative; ``vmap(f)`` also runs on the
float32 version of the arguments (2e-5) when the case accepts them.  Every failing check of
an example is reported, not only the first.

The cases of ``REFUSED_UNDER_VMAP`` cannot be batched: a shape or a dtype inside them
depends on the values, which differ between the elements of a batch.  ``vmap(f)`` raises
``TracerConversionError`` (never a wrong answer).
"""
import functools
import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, Phase, given, settings, strategies as st

import linad
from linad.core import PRIMITIVES
from linad.tree import tree_leaves
from cases import all_cases

CASES = all_cases()

#: Cases in which a shape or a dtype depends on the values, so the elements of a batch
#: would need different ones: the results of ``trim_zeros``, ``roots`` and ``polydiv`` (zero
#: coefficients are dropped), the arrays ``piecewise`` gives its functions, ``lstsq``'s
#: residuals, and the dtype of ``real_if_close``.
REFUSED_UNDER_VMAP = {
    **dict.fromkeys(["man_trim_zeros", "man_roots", "man_polydiv", "man_piecewise"],
                    "the result's shape depends on values"),
    **dict.fromkeys(["linalg_lstsq", "linalg_scipy_lstsq"],
                    "lstsq's residuals are empty or not depending on the rank"),
    "ew2_real_if_close_complex": "real_if_close's dtype depends on values",
}

#: Cases batched eagerly whose dtype depends on values, so that ``jit(vmap(f))`` refuses
#: them as ``jit(f)`` does: ``eig`` of a real matrix is real or complex depending on values
#: (eagerly the batch rule looks at the whole batch's values).
REFUSED_UNDER_JIT_ONLY = dict.fromkeys(
    ["linalg_eig", "linalg_eig_complex_pair", "linalg_eigvals", "linalg_scipy_funm",
     "man_poly_matrix"], "eig of a real matrix is real or complex depending on values")

#: The weights of the points of a batch: element k is ``t_k a + (1 - t_k) / 2``, a convex
#: combination of the drawn point and 0.5 (the second point of test_jit_systematic is
#: ``t = 0.75``), so every element stays in the domain of the case.
WEIGHTS = (1.0, 0.75, 0.9)

#: Hypothesis examples per case.
EXAMPLES = 2

#: Hessians are checked for second-order cases of one real argument of at most this many
#: entries.
HESSIAN_MAX_SIZE = 12


def _close(got, want, what):
    got_leaves, want_leaves = tree_leaves(got), tree_leaves(want)
    assert len(got_leaves) == len(want_leaves), f"{what}: {len(got_leaves)} outputs"
    for x, y in zip(got_leaves, want_leaves):
        x, y = np.asarray(x), np.asarray(y)
        assert x.dtype == y.dtype, f"{what}: dtype {x.dtype} under vmap, {y.dtype} in a loop"
        assert x.shape == y.shape, f"{what}: shape {x.shape} under vmap, {y.shape} in a loop"
        if y.dtype.kind not in "fc":
            np.testing.assert_array_equal(x, y, err_msg=what)
            continue
        tol = 1e-10 if np.finfo(y.dtype).bits >= 64 else 2e-5
        scale = max(1.0, float(np.max(np.abs(y), initial=0.0))) if np.isfinite(y).all() else 1.0
        np.testing.assert_allclose(x, y, rtol=tol, atol=tol * scale, err_msg=what)


def _stack(results):
    """The loop's results (a list of pytrees) stacked leaf by leaf along a new axis 0."""
    leaves = [tree_leaves(r) for r in results]
    return [np.stack([np.asarray(x) for x in column]) for column in zip(*leaves)]


def _loop(fn, *batched):
    """``np.stack([fn(*element) for element in batch])`` for batches along axis 0."""
    return _stack([fn(*element) for element in zip(*batched)])


def _weighted(f, weights):
    """A real scalar function of ``f``'s output: the sum of ``re(out * w)`` over leaves."""
    def scalar(*args):
        total = 0.0
        for o, w in zip(tree_leaves(f(*args)), weights):
            total = total + linad.numpy.sum(linad.numpy.real(o * w))
        return total
    return scalar


def _batch(args):
    """Each argument as a batch of three points of the case's domain, along axis 0."""
    return tuple(np.stack([np.asarray(t * a + (1 - t) * 0.5, dtype=a.dtype) for t in WEIGHTS])
                 for a in args)


def _single(dtype):
    return {np.dtype(np.float64): np.float32, np.dtype(np.complex128): np.complex64}.get(
        np.dtype(dtype), dtype)


def _checks(case, f, args, rng):
    """The ``(name, thunk)`` pairs of one example; each thunk raises on a mismatch."""
    xs = _batch(args)
    n = len(args)
    argnums = tuple(range(n))
    out = f(*args)
    weights = [rng.standard_normal(np.shape(o)) for o in tree_leaves(out)]
    g = _weighted(f, weights)
    tangents = tuple(np.stack([linad.testing.random_like(a, rng) for _ in WEIGHTS]) for a in args)
    cts = [np.stack([linad.testing.random_like(o, rng) for _ in WEIGHTS])
           for o in tree_leaves(out)]
    out_tree = linad.tree.flatten(out)[1]

    def pullback(a, ct):
        _, f_vjp = linad.vjp(f, *a)
        return f_vjp(linad.tree.unflatten(out_tree, ct))

    def in_axes_0():
        _close(linad.vmap(f)(*xs), _loop(f, *xs), "vmap(f)")

    def jit_vmap():
        if case.name in REFUSED_UNDER_JIT_ONLY:
            with pytest.raises(linad.ConcretizationError, match="cannot be staged"):
                linad.jit(linad.vmap(f))(*xs)
            return
        _close(linad.jit(linad.vmap(f))(*xs), _loop(f, *xs), "jit(vmap(f))")

    def in_axes_1():
        moved = tuple(np.moveaxis(x, 0, 1) for x in xs)
        _close(linad.vmap(f, in_axes=1)(*moved), _loop(f, *xs), "vmap(f, in_axes=1)")

    def first_mapped():
        want = _loop(lambda x0: f(x0, *args[1:]), xs[0])
        _close(linad.vmap(f, in_axes=(0,) + (None,) * (n - 1))(xs[0], *args[1:]), want,
               "vmap(f, in_axes=(0, None, ...))")

    def first_unmapped():
        want = _loop(lambda *rest: f(args[0], *rest), *xs[1:])
        _close(linad.vmap(f, in_axes=(None,) + (0,) * (n - 1))(args[0], *xs[1:]), want,
               "vmap(f, in_axes=(None, 0, ...))")

    def vmap_grad():
        grad_g = linad.grad(g, argnums=argnums)
        _close(linad.vmap(grad_g)(*xs), _loop(grad_g, *xs), "vmap(grad(g))")

    def grad_vmap():
        total = lambda *b: linad.numpy.sum(linad.vmap(g)(*b))
        _close(linad.grad(total, argnums=argnums)(*xs),
               _loop(linad.grad(g, argnums=argnums), *xs), "grad(sum(vmap(g)))")

    def vmap_jvp():
        fn = lambda a, t: linad.jvp(f, a, t)
        _close(linad.vmap(fn)(xs, tangents), _loop(fn, zip(*xs), zip(*tangents)),
               "vmap(jvp(f))")

    def vmap_vjp():
        _close(linad.vmap(pullback)(xs, cts), _loop(pullback, zip(*xs), zip(*cts)),
               "vmap(vjp(f))")

    def vmap_hessian():
        h = linad.hessian(g)
        _close(linad.vmap(h)(xs[0]), _loop(h, xs[0]), "vmap(hessian(g))")

    def hessian_vmap():
        h = linad.hessian(lambda b: linad.numpy.sum(linad.vmap(g)(b)))(xs[0])
        blocks = _loop(linad.hessian(g), xs[0])[0]
        k = len(WEIGHTS)
        want = np.zeros((k,) + args[0].shape + (k,) + args[0].shape, blocks.dtype)
        for i in range(k):
            want[(i,) + (slice(None),) * args[0].ndim + (i,)] = blocks[i]
        _close(h, want, "hessian(sum(vmap(g)))")

    def single_precision():
        xs32 = tuple(x.astype(_single(x.dtype)) for x in xs)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("error")
                want = _loop(f, *xs32)
        except Exception:   # the case does not take these single precision arguments
            return
        _close(linad.vmap(f)(*xs32), want, "vmap(f) in float32")

    checks = [("vmap(f)", in_axes_0), ("jit(vmap(f))", jit_vmap)]
    if n and all(a.ndim >= 1 for a in args):
        checks.append(("in_axes=1", in_axes_1))
    if n >= 2:
        checks += [("in_axes=(0, None)", first_mapped), ("in_axes=(None, 0)", first_unmapped)]
    checks += [("vmap(grad)", vmap_grad), ("grad(vmap)", grad_vmap), ("vmap(jvp)", vmap_jvp),
               ("vmap(vjp)", vmap_vjp)]
    if (case.order == 2 and n == 1 and args[0].size <= HESSIAN_MAX_SIZE
            and np.isrealobj(args[0])):
        checks += [("vmap(hessian)", vmap_hessian), ("hessian(vmap)", hessian_vmap)]
    checks.append(("float32", single_precision))
    return checks


def run_case_under_vmap(case, args, static, rng):
    f = functools.partial(case.fn, **static)
    if case.name in REFUSED_UNDER_VMAP:
        try:
            linad.vmap(f)(*_batch(args))
        except linad.TracerConversionError:
            return
    failures = []
    for name, check in _checks(case, f, tuple(np.asarray(a) for a in args), rng):
        try:
            check()
        except Exception as e:  # collect every failing check of the example
            failures.append(f"{name}: {type(e).__name__}: {str(e).strip()[:400]}")
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("case", CASES, ids=repr)
def test_case_under_vmap(case):
    # no shrinking: a failing case reports the example drawn, with every failing check
    @settings(max_examples=min(case.max_examples, EXAMPLES), deadline=None,
              suppress_health_check=list(HealthCheck), phases=(Phase.explicit, Phase.generate))
    @given(st.data())
    def run(data):
        args, static = data.draw(case.strategy)
        run_case_under_vmap(case, args, static, np.random.default_rng(0))
    run()


def test_refused_cases_exist():
    names = {c.name for c in CASES}
    assert set(REFUSED_UNDER_VMAP) <= names, set(REFUSED_UNDER_VMAP) - names
    assert set(REFUSED_UNDER_JIT_ONLY) <= names, set(REFUSED_UNDER_JIT_ONLY) - names


def test_every_primitive_has_a_batch_rule():
    missing = sorted(name for name, p in PRIMITIVES.items() if p.batch_rule is None)
    assert not missing, f"primitives without a batch rule: {missing}"
