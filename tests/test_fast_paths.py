"""The fast paths of the einsum primitive compute the same contraction as np.einsum."""
import itertools

import numpy as np
from hypothesis import given, settings, strategies as st

from linad.primitives import einsum_exec
from linad.primitives.einsum_exec import _pair_plan, contract, ones_vector

SPECS = [("ik,jk->ij", "ik", "jk"), ("jk,ik->ij", "jk", "ik"), ("ij,jk->ik", "ij", "jk"),
         ("ij,ij->", "ij", "ij"), ("bij,bjk->bik", "bij", "bjk"), ("ij,k->ijk", "ij", "k"),
         ("ij,jk->i", "ij", "jk"), ("ij,kl->", "ij", "kl")]


@settings(max_examples=40)
@given(st.sampled_from(SPECS), st.integers(0, 3), st.data())
def test_broadcast_views_and_plans_match_numpy(spec_parts, mode, data):
    spec, sa_sub, sb_sub = spec_parts
    size = {c: data.draw(st.integers(1, 4)) for c in set(sa_sub + sb_sub)}
    sa = tuple(size[c] for c in sa_sub)
    sb = tuple(size[c] for c in sb_sub)
    rng = np.random.default_rng(data.draw(st.integers(0, 100)))
    a = rng.standard_normal(sa)
    b = rng.standard_normal(sb)
    if mode & 1:  # constant along its last axis (a zero-stride view)
        a = np.broadcast_to(rng.standard_normal(sa[:-1] + (1,)), sa)
    if mode & 2:  # a broadcast scalar
        b = np.broadcast_to(rng.standard_normal(()), sb)
    np.testing.assert_allclose(contract(a, b, spec=spec), np.einsum(spec, a, b), rtol=1e-12,
                               atol=1e-12)


def _pair_specs(letters: str = "ijk"):
    """Every two-operand spec without repeated letters in an operand, over ``letters``."""
    for na, nb in itertools.product(range(len(letters) + 1), repeat=2):
        for ia in itertools.permutations(letters, na):
            for ib in itertools.permutations(letters, nb):
                present = sorted(set(ia) | set(ib))
                for no in range(len(present) + 1):
                    for out in itertools.permutations(present, no):
                        yield "".join(ia), "".join(ib), "".join(out)


def test_every_pair_plan_matches_numpy():
    """All operand layouts: summed-only axes, batch axes, transposed operands and outputs,
    outer products, scalars (the plans pick an operand order and generate their code)."""
    size = {"i": 2, "j": 3, "k": 4}
    rng = np.random.default_rng(0)
    count = 0
    for ia, ib, out in _pair_specs():
        spec = f"{ia},{ib}->{out}"
        a = np.asarray(rng.standard_normal([size[c] for c in ia]))
        b = np.asarray(rng.standard_normal([size[c] for c in ib]))
        got = _pair_plan(spec, a.shape, b.shape)(a, b)
        want = np.einsum(spec, a, b)
        assert np.shape(got) == want.shape, spec
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12, err_msg=spec)
        count += 1
    assert count > 1000


def test_plans_remembered_by_spec_hold_for_every_shape():
    """``contract`` reuses a bare matmul/multiply plan across shapes of one spec: run
    every layout with sizes > 1 first (which records the bare plans), then with each size
    set to 1 and other sizes, and again in the opposite order, against np.einsum."""
    rng = np.random.default_rng(1)
    specs = list(_pair_specs())
    size_sets = [{"i": 2, "j": 3, "k": 4}, {"i": 1, "j": 3, "k": 4}, {"i": 3, "j": 1, "k": 2},
                 {"i": 2, "j": 2, "k": 1}, {"i": 1, "j": 1, "k": 1}, {"i": 5, "j": 2, "k": 3}]
    for order in (size_sets, size_sets[::-1]):
        einsum_exec._BARE_PLANS.clear()
        for sizes in order:
            for ia, ib, out in specs:
                spec = f"{ia},{ib}->{out}"
                a = np.asarray(rng.standard_normal([sizes[c] for c in ia]))
                b = np.asarray(rng.standard_normal([sizes[c] for c in ib]))
                got = contract(a, b, spec=spec)
                np.testing.assert_allclose(got, np.einsum(spec, a, b), rtol=1e-12, atol=1e-12,
                                           err_msg=f"{spec} {sizes}")
    assert "ij,jk->ik" in einsum_exec._BARE_PLANS and "ij,ij->ij" in einsum_exec._BARE_PLANS


def test_matvec_jvp_and_hvp_match_closed_forms():
    import linad
    import linad.numpy as lnp
    rng = np.random.default_rng(1)
    A = rng.standard_normal((40, 5))
    x, v = rng.standard_normal(5), rng.standard_normal(5)
    out, t = linad.jvp(lambda x: A @ x, (x,), (v,))
    np.testing.assert_allclose(out, A @ x, rtol=1e-13)
    np.testing.assert_allclose(t, A @ v, rtol=1e-13)
    out, t = linad.jvp(lambda x: x @ A.T, (x,), (v,))
    np.testing.assert_allclose(t, v @ A.T, rtol=1e-13)
    # forward over reverse through A @ x and A.T @ ct
    f = lambda x: lnp.sum(lnp.exp(A @ x) * 0.5)
    _, hv = linad.jvp(linad.grad(f), (x,), (v,))
    np.testing.assert_allclose(hv, A.T @ (0.5 * np.exp(A @ x) * (A @ v)), rtol=1e-12)


@settings(max_examples=20)
@given(st.sampled_from(["jk,,i->ij", "jk,i->ijk", "i,jk,l->lij", "ab,b,c->ca"]), st.data())
def test_ones_vectors_are_broadcast_not_multiplied(spec, data):
    ins = spec.split("->")[0].split(",")
    size = {c: data.draw(st.integers(1, 4)) for c in set("".join(ins))}
    rng = np.random.default_rng(0)
    ops, ref = [], []
    for k, sub in enumerate(ins):
        if len(sub) == 1 and k == len(ins) - 1:  # the last 1-index operand is a ones vector
            ops.append(ones_vector(size[sub], np.dtype(np.float64)))
            ref.append(np.ones(size[sub]))
        else:
            x = rng.standard_normal(tuple(size[c] for c in sub))
            ops.append(x)
            ref.append(x)
    np.testing.assert_allclose(contract(*ops, spec=spec), np.einsum(spec, *ref), rtol=1e-12)


def test_regression_contraction_of_ones_vectors_only():
    """Found by the long fuzz run: composing transposed einsums can leave contractions whose
    only operands are the cached ones vectors, and ones-only indices the output sums."""
    o2, o3 = ones_vector(2, np.dtype(float)), ones_vector(3, np.dtype(float))
    x = np.arange(3.0) + 1
    for spec, ops in [("a,b->ab", (o2, o3)), ("a,b->", (o2, o3)), ("a,b,c->c", (o2, o3, x)),
                      ("a,b,b->a", (o2, o3, x)), ("a,b,b->", (o2, o3, x))]:
        want = np.einsum(spec, *[np.array(o) for o in ops])
        got = contract(*ops, spec=spec)
        assert np.shape(got) == want.shape, spec
        np.testing.assert_allclose(got, want, rtol=1e-14, err_msg=spec)


def test_regression_transpose_of_a_full_reduction_after_negations():
    import linad
    import linad.numpy as lnp

    def f(x):
        for _ in range(19):
            x = -x
        return lnp.einsum("abc->", x)
    _, f_lin = linad.linearize(f, np.full((1, 1, 1), 0.5))
    np.testing.assert_array_equal(f_lin.T(np.array(1.0))[0], -np.ones((1, 1, 1)))


# ----------------------------------------------------------------------------- argwise JVP rules

def test_argwise_rule_applied_directly_returns_symbolic_zero_for_constant_tangents():
    """``apply_jvp_rule(prim, primals, tangents)`` is an ordinary JVP: Zero in, Zero out."""
    from linad.core import Zero
    from linad.jvp import apply_jvp_rule
    from linad.primitives import elementwise as E
    from linad.primitives import linear as L
    x, y = np.array([1.0, 2.0]), np.array([3.0, 4.0])
    ans, t = apply_jvp_rule(L.mul_p, [x, y], [Zero.like(x), Zero.like(y)])
    np.testing.assert_array_equal(ans, x * y)
    assert type(t) is Zero and t.shape == (2,) and t.dtype == np.float64
    ans, t = apply_jvp_rule(E.tanh_p, [x], [np.ones(2)])
    np.testing.assert_allclose(t, 1 - np.tanh(x) ** 2)
    ans, t = apply_jvp_rule(L.mul_p, [x, y], [np.ones(2), np.ones(2)])  # both contributions summed
    np.testing.assert_allclose(t, x + y)


def test_mul_jvp_with_either_operand_traced_broadcasts_and_keeps_dtype():
    import linad
    a = np.arange(1.0, 4.0, dtype=np.float32)
    B = np.arange(6.0, dtype=np.float32).reshape(2, 3)
    for f, expect in [(lambda u: u * B, np.ones((2, 3), np.float32) * B),
                      (lambda u: B * u, np.ones((2, 3), np.float32) * B),
                      (lambda u: 2 * u, 2 * np.ones(3, np.float32))]:
        out, t = linad.jvp(f, (a,), (np.ones(3, np.float32),))
        assert t.dtype == np.float32 and t.shape == expect.shape
        np.testing.assert_allclose(t, expect)
        g = linad.grad(lambda u: f(u).sum())(a)
        np.testing.assert_allclose(g, expect.reshape(-1, 3).sum(0))
        assert g.dtype == np.float32


def test_constant_operand_of_an_outer_transformation_gets_no_tangent_inner():
    """x is traced by the outer jvp only: the inner derivative w.r.t. y treats it as a
    constant, the outer one sees it (mixed partial of x*y is 1)."""
    import linad
    mixed = linad.jvp(lambda x: linad.grad(lambda y: (x * y).sum())(np.array([2.0])),
                      (np.array([3.0]),), (np.array([1.0]),))[1]
    np.testing.assert_allclose(mixed, [1.0])


def test_argwise_rule_with_too_few_contributions_is_a_clear_error():
    """A tangent reaching an operand that ``defjvp`` gave no contribution for is refused,
    never silently dropped."""
    import pytest
    import linad
    from linad.core import PRIMITIVES, Primitive, bind
    from linad.primitives.rules import defjvp
    prim = Primitive("test_first_plus_second", lambda x, y: x + y)
    try:
        defjvp(prim, lambda t, ans, x, y: t)  # no contribution for y
        f = lambda y: bind(prim, np.ones(2), y)
        with pytest.raises(TypeError, match="contributions for 1 operands only"):
            linad.jvp(f, (np.zeros(2),), (np.ones(2),))
        out, t = linad.jvp(lambda x: bind(prim, x, np.ones(2)), (np.zeros(2),), (np.ones(2),))
        np.testing.assert_allclose(t, np.ones(2))
    finally:
        del PRIMITIVES[prim.name]



def test_outer_products_are_written_in_the_output_order():
    """An outer (or batch) product of transposed operands is C-contiguous in the output's
    order; a scaling keeps its operand's layout."""
    rng = np.random.default_rng(2)
    a = rng.standard_normal((4, 3)).T   # (3, 4), transposed layout
    cases = {"ij,kl->iklj": rng.standard_normal((5, 2)).T,
             "ij,kl->ljik": rng.standard_normal((2, 5)),
             "ij,kj->kji": rng.standard_normal((4, 6)).T,
             "ij,jk->ikj": rng.standard_normal((4, 2))}
    for spec, b in cases.items():
        got = _pair_plan(spec, a.shape, b.shape)(a, b)
        assert got.flags.c_contiguous, spec
        np.testing.assert_array_equal(got, np.einsum(spec, a, b))
    scaled = _pair_plan("ij,->ji", a.shape, ())(a, np.float64(2.0))  # a scaling: no gather
    assert scaled.flags.c_contiguous and np.array_equal(scaled, 2 * a.T)


def _axes_blocks(ndim: int):
    """Every sorted non-empty proper subset of the axes (leading, trailing and middle)."""
    for k in range(1, ndim):
        yield from itertools.combinations(range(ndim), k)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(1, 12), min_size=2, max_size=4), st.sampled_from("CF"),
       st.sampled_from([np.float64, np.float32, np.complex128, np.complex64]),
       st.booleans(), st.data())
def test_sum_axes_is_numpys_sum_for_every_axes_layout_and_dtype(shape, order, dtype, keepdims,
                                                               data):
    shape = tuple(shape) + (300,)  # at least BLAS_SUM_MIN_SIZE elements
    rng = np.random.default_rng(data.draw(st.integers(0, 100)))
    x = rng.standard_normal(shape)
    if np.dtype(dtype).kind == "c":
        x = x + 1j * rng.standard_normal(shape)
    x = np.asarray(x.astype(dtype), order=order)
    axes = data.draw(st.sampled_from(list(_axes_blocks(x.ndim))))
    got = einsum_exec.sum_axes(x, axes, keepdims)
    want = np.add.reduce(x, axis=axes, keepdims=keepdims)
    assert got.dtype == want.dtype and got.shape == want.shape
    double = np.dtype(dtype) in (np.dtype(np.float64), np.dtype(np.complex128))
    tol = (1e-13 if double else 1e-5) * np.abs(x).sum(axis=axes).max()
    np.testing.assert_allclose(got, want, rtol=0, atol=tol)


def test_sum_axes_uses_blas_for_leading_and_trailing_blocks_only():
    x = np.ones((40, 50, 60))
    blas = einsum_exec._blas_sum
    assert blas(x, (0,)) is not None and blas(x, (0, 1)) is not None
    assert blas(x, (2,)) is not None and blas(x, (1, 2)) is not None
    assert blas(np.asfortranarray(x), (0,)) is not None
    assert blas(x, (1,)) is None  # a middle axis: NumPy's reduction
    assert blas(x[:, ::2], (0,)) is None  # neither C- nor F-contiguous: no copy for BLAS
    assert blas(np.ones((5000, 3), np.float32), (0,)) is None  # a long single-precision sum
    np.testing.assert_array_equal(einsum_exec.sum_axes(x.astype(int), (0,)), 40)  # ints: NumPy


def test_sum_primitive_runs_sum_axes_only_when_optimising():
    from linad import optimize
    from linad.primitives.linear import sum_p
    assert sum_p.impl is einsum_exec.sum_axes
    with optimize.disabled():
        assert sum_p.impl is not einsum_exec.sum_axes
    assert sum_p.impl is einsum_exec.sum_axes


def test_gradient_of_a_summed_product_is_the_column_sum_with_and_without_blas():
    import linad
    import linad.numpy as lnp
    rng = np.random.default_rng(3)
    A, x = rng.standard_normal((200, 50)), rng.standard_normal(50)
    g = linad.grad(lambda x: lnp.sum(A @ x))
    np.testing.assert_allclose(g(x), A.T @ np.ones(200), rtol=1e-12)
    with linad.optimize.disabled():
        np.testing.assert_allclose(g(x), A.T @ np.ones(200), rtol=1e-12)
    G = linad.grad(lambda X: lnp.sum(lnp.sum(X, axis=0) ** 2))(A)  # sum primitive on a matrix
    np.testing.assert_allclose(G, np.broadcast_to(2 * A.sum(axis=0), A.shape), rtol=1e-12)
