"""Program simplification passes compute the same linear map with less work."""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import linad
import linad.numpy as lnp
from linad.ir import LinearProgram
from linad.optimize.simplify import fuse_sum_into_einsum
from linad.testing import check_transpose

rng = np.random.default_rng(0)


def _prims(program):
    return [e.prim.name for e in program.eqns]


def _copy(program):
    return LinearProgram(program.in_vars, list(program.eqns), program.outs)


def test_sum_of_matmul_becomes_one_einsum():
    A, B = rng.standard_normal((5, 5)), rng.standard_normal((5, 5))
    _, f_lin = linad.linearize(lambda X: lnp.sum(lnp.tanh(A @ X) @ B), rng.standard_normal((5, 5)))
    assert _prims(f_lin.program) == ["einsum", "mul", "einsum"]
    assert "->]" in str(f_lin).splitlines()[4]  # the last einsum has a scalar output
    check_transpose(f_lin)


@settings(max_examples=25)
@given(st.sampled_from([None, 0, 1, (0, 1)]), st.integers(1, 4), st.integers(1, 4))
def test_fused_program_equals_unfused(axis, n, m):
    A = rng.standard_normal((n, m))

    def f(X):
        return lnp.sum(A @ X * 2.0, axis=axis)

    X = rng.standard_normal((m, 3))
    out, f_lin = linad.linearize(f, X)
    T = rng.standard_normal((m, 3))
    np.testing.assert_allclose(f_lin(T), np.sum(A @ T * 2.0, axis=axis), rtol=1e-12, atol=1e-12)
    check_transpose(f_lin)


def test_sum_with_other_uses_is_not_fused():
    A = rng.standard_normal((3, 3))

    def f(X):
        Y = A @ X
        return lnp.sum(Y) * Y  # Y is used twice: the einsum must stay

    X = rng.standard_normal((3, 3))
    _, f_lin = linad.linearize(f, X)
    unfused = [e for e in f_lin.program.eqns if e.prim.name == "einsum"]
    assert any(e.params["spec"].endswith("->ik") for e in unfused)
    T = rng.standard_normal((3, 3))
    Y, dY = A @ X, A @ T
    np.testing.assert_allclose(f_lin(T), np.sum(dY) * Y + np.sum(Y) * dY, rtol=1e-12)


def test_pass_is_idempotent():
    A = rng.standard_normal((4, 4))
    _, f_lin = linad.linearize(lambda X: lnp.sum(A @ X, axis=0), rng.standard_normal((4, 4)))
    before = str(f_lin.program)
    prog = fuse_sum_into_einsum(_copy(f_lin.program))
    assert str(prog) == before


def test_trace_of_product_becomes_one_contraction():
    C = rng.standard_normal((4, 4))
    f = lambda X: lnp.trace(lnp.tanh(X) @ C)
    X = rng.standard_normal((4, 4))
    _, f_lin = linad.linearize(f, X)
    assert _prims(f_lin.program) == ["mul", "einsum"]
    T = rng.standard_normal((4, 4))
    np.testing.assert_allclose(f_lin(T), np.trace(((1 - np.tanh(X) ** 2) * T) @ C), rtol=1e-12)
    check_transpose(f_lin)
    linad.testing.check_grads(f, (X,), order=2)


@settings(max_examples=25)
@given(st.sampled_from(["zz->", "ab->ba", "ab->b", "aa->a"]), st.integers(1, 4))
def test_composed_unary_einsum_equals_two_steps(outer, n):
    A = rng.standard_normal((n, n))
    f = lambda X: lnp.einsum(outer, A @ X)
    X = rng.standard_normal((n, n))
    _, f_lin = linad.linearize(f, X)
    assert len(f_lin.program.eqns) == 1
    T = rng.standard_normal((n, n))
    np.testing.assert_allclose(f_lin(T), np.einsum(outer, A @ T), rtol=1e-12, atol=1e-12)
    check_transpose(f_lin)


# ---------------------------------------------------------------------- share_einsums

@pytest.fixture
def share_small(monkeypatch):
    """Share einsums of any size (by default small ones are not worth the pass)."""
    import linad.optimize.simplify as simplify
    monkeypatch.setattr(simplify, "SHARE_MIN_SIZE", 0)


def _program(eqns_spec, residuals, n=3):
    """A program on one (n, n) input ``v0`` from ``(prim, [operands], params)`` triples.

    An operand is an input/earlier variable name (``"v1"``) or a residual name.
    """
    from linad.core import PRIMITIVES
    from linad.core import Var
    from linad.ir import Equation
    env = {"v0": Var((n, n), np.dtype(np.float64))}
    eqns = []
    for k, (prim, ops, params) in enumerate(eqns_spec, start=1):
        inputs = [env[o] if o in env else residuals[o] for o in ops]
        avals = [(x.shape, x.dtype) for x in inputs]
        shape, dtype = PRIMITIVES[prim].aval_rule(*avals, **params)
        env[f"v{k}"] = Var(shape, dtype)
        eqns.append(Equation(PRIMITIVES[prim], inputs, params, env[f"v{k}"]))
    return LinearProgram([env["v0"]], eqns, [eqns[-1].out])


def _assert_same_map(before, after, n=3):
    for _ in range(3):
        T = rng.standard_normal((n, n))
        np.testing.assert_allclose(after(T)[0], before(T)[0], rtol=1e-12, atol=1e-12)


def test_product_with_its_own_transpose_is_computed_once(share_small):
    X = rng.standard_normal((4, 4))
    _, f_lin = linad.linearize(lambda X: X @ X.T, X)
    assert _prims(f_lin.program) == ["einsum", "transpose", "add"]
    assert _prims(f_lin.T.program) == ["transpose", "add", "einsum"]  # (g + g.T) @ X
    T = rng.standard_normal((4, 4))
    np.testing.assert_allclose(f_lin(T), T @ X.T + X @ T.T, rtol=1e-12)
    check_transpose(f_lin)
    linad.testing.check_grads(lambda X: lnp.sum(lnp.sin(X @ X.T)), (X,), order=2)


@pytest.mark.parametrize("second, shared", [
    # the first einsum is p = einsum('ij,jk->ik', v0, R); v1 = transpose(v0)
    ((["R", "v0"], "jk,ij->ik"), "same"),       # the same contraction, operands swapped
    ((["R", "v0"], "jk,ij->ki"), "transpose"),  # p.T
    ((["RT", "v1"], "kj,ji->ik"), "same"),      # R.T as a view, v0 through a transpose
    ((["v1", "RT"], "ji,kj->ki"), "transpose"),
    ((["v0", "Rrows"], "ij,jk->ik"), None),     # a view of other memory holding R's values
    ((["v0", "Rcopy"], "ij,jk->ik"), None),     # equal values, another array
    ((["v0", "R"], "ij,kj->ik"), None),         # R read transposed: another product
])
def test_share_einsums_computes_the_same_map(second, shared, share_small):
    from linad.optimize.simplify import share_einsums
    R = rng.standard_normal((3, 3))
    res = {"R": R, "RT": R.T, "Rrows": np.concatenate([R, R])[3:], "Rcopy": R.copy()}
    ops, spec = second
    eqns = [("transpose", ["v0"], {"axes": (1, 0)}),
            ("einsum", ["v0", "R"], {"spec": "ij,jk->ik"}),
            ("einsum", ops, {"spec": spec}),
            ("add", ["v2", "v3"], {})]
    before = _program(eqns, res)
    after = share_einsums(_program(eqns, res)).dce()
    _assert_same_map(before, after)
    prims = _prims(after)
    assert prims.count("einsum") == (2 if shared is None else 1)
    assert prims.count("transpose") == (shared == "transpose")
    check_transpose(linad.linear_map.LinearMap(after, *_trees()))


def test_share_einsums_keys_only_contractions_that_can_repeat(monkeypatch, share_small):
    """Full keys are computed only for einsums reading the same arrays and variables into
    as many output axes: in W3's program the products with inv(M) (by another variable,
    or reduced to a scalar) are not keyed, and the gradient is unchanged."""
    import linad.optimize.simplify as simplify
    keyed = []
    key = simplify._contraction_key
    monkeypatch.setattr(simplify, "_contraction_key",
                        lambda eqn, transposed: keyed.append(eqn) or key(eqn, transposed))
    X, C = rng.standard_normal((4, 4)), rng.standard_normal((4, 4))

    def f(X):
        M = X @ X.T + np.eye(4)
        return lnp.linalg.slogdet(M)[1] + lnp.trace(lnp.linalg.inv(M) @ C)
    _, f_lin = linad.linearize(f, X)
    assert len(keyed) == 2  # dX X^T and X dX^T, shared
    assert _prims(f_lin.program).count("einsum") == 5
    M = X @ X.T + np.eye(4)
    W = np.linalg.inv(M)
    G = W - W @ C.T @ W
    np.testing.assert_allclose(linad.grad(f)(X), (G + G.T) @ X, rtol=1e-10)


def test_small_einsums_are_not_shared_large_ones_are():
    """The pass skips contractions too small to pay for it; the map is the same."""
    for n, shared in ((3, False), (70, True)):
        X = rng.standard_normal((n, n))
        _, f_lin = linad.linearize(lambda X: X @ X.T, X)
        assert _prims(f_lin.program).count("einsum") == (1 if shared else 2)
        T = rng.standard_normal((n, n))
        np.testing.assert_allclose(f_lin(T), T @ X.T + X @ T.T, rtol=1e-12)


def _trees():
    from linad import tree
    return tree.flatten((np.zeros(1),))[1], tree.flatten(np.zeros(1))[1]


# ---------------------------------------------------------------------- fold_constants

def _w2(n=5):
    A, B, X = (rng.standard_normal((n, n)) for _ in range(3))
    return A, B, X, (lambda X: lnp.sum(lnp.tanh(A @ X) @ B))


def test_constant_work_of_a_transpose_is_done_once():
    from linad.optimize.fold import fold_constants
    A, B, X, f = _w2()
    _, f_lin = linad.linearize(f, X)
    folded = fold_constants(f_lin.T.program)
    assert _prims(folded) == ["einsum"]  # c -> c * (A.T @ ((1 - T**2) * rowsum(B)))
    assert len(folded.residuals()) == 1
    D = (1 - np.tanh(A @ X) ** 2) * B.sum(axis=1)
    np.testing.assert_allclose(f_lin.T(2.0)[0], A.T @ (2.0 * D), rtol=1e-12)
    assert _prims(fold_constants(f_lin.program)) == ["einsum"]
    np.testing.assert_allclose(f_lin(X), np.sum((A @ X) * D), rtol=1e-12)
    check_transpose(f_lin)


def test_folding_leaves_the_printed_program_alone():
    A, B, X, f = _w2()
    _, f_lin = linad.linearize(f, X)
    text, ttext = str(f_lin), str(f_lin.T)
    f_lin(X), f_lin.T(1.0)
    assert str(f_lin) == text and str(f_lin.T) == ttext


def test_no_fold_when_precomputing_costs_more_than_an_application():
    from linad.optimize.fold import fold_constants
    A, B = rng.standard_normal((6, 6)), rng.standard_normal((6, 6))
    _, f_lin = linad.linearize(lambda v: B @ (A @ v), rng.standard_normal(6))
    assert _prims(fold_constants(f_lin.program)) == ["einsum", "einsum"]  # B @ A costs n^3
    _, f_lin = linad.linearize(lambda V: B @ (A @ V), rng.standard_normal((6, 6)))
    assert _prims(fold_constants(f_lin.program)) == ["einsum"]  # n^3 either way


CHAINS = {
    "mul-sum": lambda R, S, v: lnp.sum(S * (R @ v), axis=0),
    "neg-trace": lambda R, S, v: lnp.trace(-(R @ v) @ S),
    "broadcast-mul": lambda R, S, v: (R @ v) * S[0],
    "scalar-mul": lambda R, S, v: 3.0 * (R @ v) @ S,
    "elementwise": lambda R, S, v: lnp.sin(S) * (-v) * R,
    "complex": lambda R, S, v: (R + 1j * S) @ v,
}


@settings(max_examples=30, deadline=None)
@given(st.sampled_from(sorted(CHAINS)), st.integers(2, 4), st.integers(1, 3))
def test_folded_program_computes_the_same_map(chain, n, batch):
    from linad.optimize.fold import fold_constants
    R, S = rng.standard_normal((n, n)), rng.standard_normal((n, n))
    _, f_lin = linad.linearize(lambda v: CHAINS[chain](R, S, v), rng.standard_normal((n, n)))
    for prog in (f_lin.program, f_lin.T.program):
        folded = fold_constants(prog)
        assert len(folded.eqns) <= len(prog.eqns)
        x = rng.standard_normal(prog.in_vars[0].shape).astype(prog.in_vars[0].dtype)
        np.testing.assert_allclose(folded(x)[0], prog(x)[0], rtol=1e-11, atol=1e-12)
        xs = np.stack([x] * batch)
        np.testing.assert_allclose(folded.apply_batched(xs)[0], np.stack([prog(x)[0]] * batch),
                                   rtol=1e-11, atol=1e-12)
    check_transpose(f_lin)


# ---------------------------------------------------------------------- negate_after_einsum

@pytest.mark.parametrize("reduce, moved", [
    (lambda Y, C: lnp.trace(Y @ C), True),      # a scalar: negate it, not the matrix
    (lambda Y, C: lnp.sum(Y @ C, axis=0), True),
    (lambda Y, C: Y @ C, False),                 # same size: the neg stays where it was
])
def test_negation_moves_to_the_smaller_side_of_a_contraction(reduce, moved):
    A, C = rng.standard_normal((4, 4)), rng.standard_normal((4, 4))
    f = lambda X: reduce(-(A @ lnp.tanh(X)), C)
    X = rng.standard_normal((4, 4))
    _, f_lin = linad.linearize(f, X)
    prims = _prims(f_lin.program)
    assert (prims[-1] == "neg") == moved
    assert prims.count("neg") == 1
    T = rng.standard_normal((4, 4))
    dY = -(A @ ((1 - np.tanh(X) ** 2) * T))
    np.testing.assert_allclose(f_lin(T), reduce(dY, C), rtol=1e-12, atol=1e-12)
    check_transpose(f_lin)
    assert _prims(f_lin.T.program)[0] == "neg" or not moved


def test_negate_after_einsum_alone_equals_the_unsimplified_program():
    from linad.optimize.simplify import negate_after_einsum
    C = rng.standard_normal((3, 3))
    eqns = [("neg", ["v0"], {}), ("einsum", ["v1", "C"], {"spec": "ij,ji->"})]
    before = _program(eqns, {"C": C})
    after = negate_after_einsum(_program(eqns, {"C": C}))
    assert _prims(after) == ["einsum", "neg"]
    for _ in range(3):
        T = rng.standard_normal((3, 3))
        np.testing.assert_allclose(after(T)[0], before(T)[0], rtol=1e-12)


def test_regression_folded_negation_keeps_float32():
    """Found by the long fuzz run: folding ``neg`` into an einsum used a float64 -1."""
    import linad.numpy as lnp

    def g(b):
        return -lnp.einsum("a->", -b)
    b = np.array([-0.92, 0.5], np.float32)
    out, f_lin = linad.linearize(g, b)
    assert out.dtype == np.float32
    t = f_lin(np.ones(2, np.float32))
    assert t.dtype == np.float32 and np.allclose(t, 2.0)
    assert f_lin.T(np.float32(1.0))[0].dtype == np.float32


def test_folded_product_with_a_python_scalar_keeps_float32():
    _, f_lin = linad.linearize(lambda x: (2.0 * (x @ np.ones((2, 2), np.float32))).sum(),
                               np.ones((2, 2), np.float32))
    t = f_lin(np.ones((2, 2), np.float32))
    assert t.dtype == np.float32 and np.allclose(t, 16.0)


# ---------------------------------------------------------------------- the switch

def test_switched_off_programs_stay_as_staged_and_run_uncompiled(monkeypatch, share_small):
    """With the optimisations off the staged program is not rewritten (``X @ X.T``'s tangent
    keeps both products), nothing is compiled, and every answer is the same."""
    from linad.optimize.compile import CompiledProgram
    runs = []
    run = CompiledProgram.__call__
    monkeypatch.setattr(CompiledProgram, "__call__",
                        lambda self, args, batched: runs.append(batched) or run(self, args, batched))
    X = rng.standard_normal((3, 2))
    f = lambda X: X @ X.T
    _, on = linad.linearize(f, X)
    J_on = linad.jacfwd(f)(X)
    runs_on = len(runs)
    with linad.optimize.disabled():
        _, off = linad.linearize(f, X)
        J_off = linad.jacfwd(f)(X)
        t = rng.standard_normal(X.shape)
        np.testing.assert_allclose(off(t), on(t), rtol=1e-13)
        np.testing.assert_allclose(off.T(off(t)), on.T(on(t)), rtol=1e-13)
    assert runs_on > 0 and len(runs) == runs_on   # nothing compiled while off, even `on`
    assert _prims(on.program).count("einsum") == 1
    assert _prims(off.program).count("einsum") == 2
    np.testing.assert_allclose(J_off, J_on, rtol=1e-13)
    assert linad.optimize.enabled()
