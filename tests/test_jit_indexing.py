"""Indexing under ``linad.jit`` with indices and masks computed from traced values.

Integer indices computed from the arguments (``argmax``, ``argsort``, ``unravel_index``,
integer arguments of the jitted function) are staged operands of the gathers and
scatters, so every call recomputes them: each test stages a function at one point and
calls it at another where the index (or mask, or order) differs, comparing to eager
linad.  Shapes that depend on values (``x[mask]``, ``trim_zeros``) raise
``ConcretizationError``.
"""
import numpy as np
import pytest

import linad
import linad.numpy as lnp
from linad import ConcretizationError
from linad.optimize import disabled


def _close(a, b):
    for x, y in zip(linad.tree.tree_leaves(a), linad.tree.tree_leaves(b)):
        x, y = np.asarray(x), np.asarray(y)
        assert x.shape == y.shape and x.dtype == y.dtype
        np.testing.assert_allclose(x, y, rtol=1e-13, atol=1e-13)


def _replayed(f, *points):
    """``jit(f)`` and ``jit(grad(sum f))`` staged at the first point, equal to eager at all."""
    scalar = lambda *a: lnp.sum(f(*a) * np.linspace(1.0, 2.0, np.size(f(*a))).reshape(
        np.shape(f(*a))))
    jf, jg = linad.jit(f), linad.jit(linad.grad(scalar))
    for args in points:
        _close(jf(*args), f(*args))
        _close(jg(*args), linad.grad(scalar)(*args))
    assert jf.cache_info().misses == 1 and jg.cache_info().misses == 1


# ---------------------------------------------------------------------- gathers at staged indices

def test_argmax_gather_follows_the_moving_argmax():
    f = lambda x: x * x[np.argmax(x)]
    x1, x2 = np.array([1.0, 3.0, 2.0]), np.array([5.0, 3.0, 2.0])
    _replayed(f, (x1,), (x2,))
    assert linad.jit(f)(x2)[0] == 25.0


def test_unravel_index_of_argmax_gathers_x_i_j():
    f = lambda x: x * x[np.unravel_index(np.argmax(x), x.shape)]
    x1 = np.arange(6.0).reshape(2, 3)
    _replayed(f, (x1,), (x1[::-1, ::-1].copy(),))


def test_column_at_a_staged_index():
    f = lambda x: x[:, np.argmax(x[0])] * x[:, 0]
    x1 = np.array([[1.0, 4.0, 2.0], [3.0, 5.0, 6.0]])
    _replayed(f, (x1,), (x1[:, ::-1].copy(),))


def test_integer_argument_indexes_and_repeats_accumulate():
    f = lambda x, i: x[i] * 2.0
    jf = linad.jit(f)
    x = np.array([1.0, 2.0, 3.0])
    for i in (np.array([2, 0, 2]), np.array([1, 1, 1]), np.array([-1, 0, 1])):
        _close(jf(x, i), x[i] * 2.0)
        g = linad.jit(linad.grad(lambda x, i: f(x, i).sum()))(x, i)
        _close(g, np.bincount(i % 3, minlength=3) * 2.0)
    assert jf.cache_info().misses == 1


def test_take_and_take_along_axis_at_staged_indices():
    x1 = np.array([[3.0, 1.0, 2.0], [0.5, 4.0, -1.0]])
    x2 = np.array([[1.0, 3.0, 2.0], [4.0, -1.0, 0.5]])
    _replayed(lambda x: lnp.take(x, np.argsort(x[0])), (x1,), (x2,))
    _replayed(lambda x: lnp.take(x, np.argmin(x[1]), axis=1), (x1,), (x2,))
    _replayed(lambda x: lnp.take(x, np.argsort(x[0]) - 5, axis=1, mode="wrap"), (x1,), (x2,))
    _replayed(lambda x: lnp.take_along_axis(x, np.argsort(x, axis=0), axis=0), (x1,), (x2,))


# ---------------------------------------------------------------------- sort, partition, order statistics

def test_sort_replayed_with_a_different_order():
    f = lambda x: lnp.sort(x, axis=-1) * np.arange(1.0, 4.0)
    x1 = np.array([[3.0, 1.0, 2.0], [0.5, 4.0, -1.0]])
    _replayed(f, (x1,), (x1[:, ::-1].copy(),), (-x1,))


def test_sort_shares_the_tangent_of_ties_found_at_each_call():
    f = lambda x: lnp.sort(x) * np.array([1.0, 10.0, 100.0, 1000.0])
    no_ties = np.array([4.0, 1.0, 3.0, 2.0])
    ties = np.array([2.0, 1.0, 2.0, 1.0])  # ties appear only at the replayed point
    _replayed(f, (no_ties,), (ties,), (np.array([np.inf, 1.0, 0.0, 2.0]),))


def test_partition_and_sort_complex_replayed():
    x1, x2 = np.array([3.0, 1.0, 2.0, 0.0]), np.array([0.0, 2.0, 1.0, 3.0])
    _replayed(lambda x: lnp.partition(x, 1)[:2], (x1,), (x2,))
    z1 = np.array([1 + 2j, 1 - 1j, 0.5 + 0j])
    jf = linad.jit(lnp.sort_complex)
    for z in (z1, z1[::-1].conj().copy()):
        _close(jf(z), np.sort_complex(z))


# ---------------------------------------------------------------------- functional updates

def test_at_set_and_add_at_staged_indices():
    x1, x2 = np.array([1.0, 5.0, 3.0, 2.0]), np.array([6.0, 5.0, 3.0, 2.0])
    _replayed(lambda x: lnp.index_set(x, np.argmax(x), -x[0]), (x1,), (x2,))
    _replayed(lambda x: lnp.index_add(x, np.argsort(x)[:2], x[1:3] * x[0]), (x1,), (x2,))


def test_at_set_with_repeated_staged_indices_keeps_the_last_write():
    f = lambda x, v, i: lnp.index_set(x, i, v)
    jf = linad.jit(lambda x, v, i: x.at[i].set(v))
    x, v = np.zeros(4), np.array([1.0, 2.0, 3.0])
    for i in (np.array([0, 2, 0]), np.array([3, 3, 1]), np.array([1, 2, 3])):
        expect = x.copy()
        expect[i] = v
        _close(jf(x, v, i), expect)
        _close(jf(x, v, i), f(x, v, i))
        gv = linad.jit(linad.grad(lambda v: (f(x, v, i) * np.arange(1.0, 5.0)).sum()))(v)
        _close(gv, linad.grad(lambda v: (f(x, v, i) * np.arange(1.0, 5.0)).sum())(v))


def test_put_along_axis_at_staged_indices():
    f = lambda x: lnp.put_along_axis(x, np.argmax(x, axis=1, keepdims=True), x[:, :1] * 3.0,
                                     axis=1)
    x1 = np.array([[3.0, 1.0], [2.0, 5.0]])
    _replayed(f, (x1,), (x1[:, ::-1].copy(),))


def test_multiply_at_staged_indices_is_refused():
    with pytest.raises(ConcretizationError, match="index_multiply"):
        linad.jit(lambda x: x.at[np.argmax(x)].multiply(2.0))(np.ones(3))
    with pytest.raises(ConcretizationError, match="index_max"):
        linad.jit(lambda x: x.at[np.argmax(x)].max(2.0))(np.ones(3))


# ---------------------------------------------------------------------- masks

def test_where_with_a_staged_condition_is_recomputed():
    f = lambda x: lnp.where(x > 0, x * x, -x) + np.where(x < 1, 1.0, x)
    _replayed(f, (np.array([-1.0, 0.5, 2.0]),), (np.array([1.0, -0.5, -2.0]),))
    jf = linad.jit(lambda x, c: lnp.where(c, x, 0.0))  # a traced non-boolean condition
    _close(jf(np.ones(2), np.array([0, 3])), np.array([0.0, 1.0]))


def test_boolean_operators_on_staged_masks():
    f = lambda x: lnp.where((x > 0) & ~(x > 2) | (x < -5), x, 0.0)
    _replayed(f, (np.array([-6.0, 1.0, 3.0]),), (np.array([-1.0, 2.5, 1.0]),))


def test_sum_where_a_staged_mask():
    f = lambda x: lnp.sum(x * x, where=x > 0) + lnp.mean(x, where=x < 1)
    _replayed(f, (np.array([-1.0, 0.5, 2.0]),), (np.array([1.0, -0.5, -2.0]),))


def test_boolean_mask_indexing_is_refused_under_jit():
    with pytest.raises(ConcretizationError, match=r"x\[mask\].*lnp\.where\(mask, x, 0\)"):
        linad.jit(lambda x: x[x > 0])(np.array([1.0, -1.0]))
    with pytest.raises(ConcretizationError, match=r"x\[mask\]"):
        linad.jit(lambda x: x.at[x > 0].set(0.0))(np.array([1.0, -1.0]))
    # eager, the mask is concrete and x[mask] works as in NumPy
    _close(linad.grad(lambda x: x[x > 0].sum())(np.array([1.0, -1.0])), np.array([1.0, 0.0]))


@pytest.mark.parametrize("f, name", [
    (lambda x: lnp.trim_zeros(x * (x > 0)), "trim_zeros"),
    (lambda x: lnp.compress(x > 0, x), "compress"),
    (lambda x: lnp.extract(x > 0, x), "extract"),
    (lambda x: lnp.piecewise(x, [x < 0], [lambda v: -v, lambda v: v]), "piecewise"),
])
def test_shapes_from_values_are_refused_under_jit(f, name):
    x = np.array([0.0, 1.0, -2.0, 0.0])
    f(x)  # eager: fine
    with pytest.raises(ConcretizationError, match=name):
        linad.jit(f)(x)


# ---------------------------------------------------------------------- the program

def test_concrete_indices_stay_parameters_and_staged_ones_are_operands():
    text = str(linad.make_program(lambda x: x[np.array([1, 0])] + x[np.argmax(x)])(np.ones(2)))
    assert "getitem[idx=(<int(2,)>)] a" in text
    assert "getitem[idx=(#0,)] a" in text


def test_answers_equal_with_optimisations_off():
    f = lambda x: lnp.sort(x) * x[np.argmax(x)]
    x1, x2 = np.array([3.0, 1.0, 2.0]), np.array([1.0, 2.0, 3.0])
    with disabled():
        _replayed(f, (x1,), (x2,))
