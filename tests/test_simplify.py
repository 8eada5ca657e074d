"""Program simplification passes compute the same linear map with less work."""
import numpy as np
from hypothesis import given, settings, strategies as st

import linad
import linad.numpy as lnp
from linad.program import LinearProgram
from linad.simplify import fuse_sum_into_einsum
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
