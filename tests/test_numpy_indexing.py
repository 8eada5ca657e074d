"""Semantics of indexing, functional updates and sorting in linad.numpy (issue 3), and
batched application (``LinearMap.matmat``) of the shape, product and indexing functions.

The systematic suite (tests/cases/{shape,products,indexing}.py) checks derivatives;
here the values of ``x.at[idx]`` updates are compared with NumPy's own in-place
semantics, and the batch rules of the linear programs these functions record are
compared with one-at-a-time application.
"""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import linad
import linad.numpy as lnp
from linad.numpy import _products
from cases.indexing import _AT, _index_for

# (x shape, index, v shape); repeated indices included
UPDATES = _AT + [
    ((5,), slice(None, None, -2), (3,)),
    ((2, 3, 2), ([0, 1, 0], slice(None), [1, 0, 1]), (3, 3)),
    ((2, 3), ([], slice(None)), (0, 3)),
]


def _xv(case, seed=0):
    sx, idx, sv = case
    rng = np.random.default_rng(seed)
    return rng.standard_normal(sx), idx, rng.standard_normal(sv)


def _numpy_set(x, idx, v):
    y = x.copy()
    y[idx] = v
    return y


def _fit(v, target):
    """``v`` with the leading size-1 axes NumPy's assignment ignores removed, broadcast."""
    v = v.reshape(v.shape[v.ndim - len(target):]) if v.ndim > len(target) else v
    return np.broadcast_to(v, target)


def _numpy_add(x, idx, v):
    y = x.copy()
    np.add.at(y, idx, _fit(v, y[idx].shape))
    return y


def _numpy_multiply(x, idx, v):
    y = x.copy()
    np.multiply.at(y, idx, _fit(v, y[idx].shape))
    return y


@pytest.mark.parametrize("case", UPDATES, ids=range(len(UPDATES)))
@pytest.mark.parametrize("name, reference", [
    ("set", _numpy_set), ("add", _numpy_add), ("multiply", _numpy_multiply)])
def test_at_updates_follow_numpy(case, name, reference):
    x, idx, v = _xv(case)
    expected = reference(x, idx, v)
    direct = getattr(lnp, f"index_{name}")(x, idx, v)
    np.testing.assert_allclose(direct, expected, rtol=1e-14)
    # the same through the .at property of a traced value
    out, _ = linad.jvp(lambda a, b: getattr(a.at[idx], name)(b), (x, v),
                       (np.ones_like(x), np.ones_like(v)))
    np.testing.assert_allclose(out, expected, rtol=1e-14)


def test_at_set_last_write_wins():
    out = lnp.index_set(np.zeros(3), [0, 2, 0, 0], np.array([1.0, 2.0, 3.0, 4.0]))
    np.testing.assert_array_equal(out, [4.0, 0.0, 2.0])
    # the derivative follows the winning write only
    g = linad.grad(lambda v: lnp.sum(lnp.index_set(np.zeros(3), [0, 2, 0, 0], v)
                                     * np.array([1.0, 10.0, 100.0])))(np.ones(4))
    np.testing.assert_array_equal(g, [0.0, 100.0, 0.0, 1.0])


def test_at_set_derivative_in_x_is_zero_where_overwritten():
    g = linad.grad(lambda x: lnp.sum(x.at[1:].set(5.0) * x))(np.arange(1.0, 4.0))
    np.testing.assert_allclose(g, [2.0, 5.0, 5.0])


def test_at_multiply_repeated_indices_multiply_repeatedly():
    f = lambda v: lnp.index_multiply(np.full(2, 2.0), [0, 0, 0], v)  # noqa: E731
    v = np.array([3.0, 5.0, 7.0])
    np.testing.assert_allclose(f(v), [210.0, 2.0])
    jac = linad.jacfwd(f)(v) if hasattr(linad, "jacfwd") else None
    if jac is not None:
        np.testing.assert_allclose(jac, [[70.0, 42.0, 30.0], [0.0, 0.0, 0.0]])


def test_at_get_and_casting():
    def f(x):
        y = x.at[0].set(np.float64(2.5))  # v is cast to x's dtype, as NumPy does
        assert y.dtype == np.float32
        return x.at[1:].get() * 2.0 + y[1:]
    out, t = linad.jvp(f, (np.ones(3, np.float32),), (np.ones(3, np.float32),))
    assert out.dtype == np.float32 and t.dtype == np.float32
    np.testing.assert_array_equal(out, [3.0, 3.0])


@settings(max_examples=30, deadline=None)
@given(st.data())
def test_getitem_matches_numpy_on_random_indices(data):
    shape = data.draw(st.lists(st.integers(0, 4), max_size=3).map(tuple))
    idx = _index_for(shape, data.draw)
    x = np.arange(float(np.prod(shape))).reshape(shape)
    out, t = linad.jvp(lambda a: a[idx], (x,), (x + 1.0,))
    np.testing.assert_array_equal(out, x[idx])
    np.testing.assert_array_equal(t, (x + 1.0)[idx])


def test_sort_values_and_argsort_has_no_tangent():
    x = np.array([[3.0, -1.0, 2.0], [0.5, 4.0, -2.0]])
    out, t = linad.jvp(lambda a: lnp.sort(a, axis=1), (x,), (x * 10,))
    np.testing.assert_array_equal(out, np.sort(x, axis=1))
    np.testing.assert_array_equal(t, np.sort(x, axis=1) * 10)

    def f(a):
        order = np.argsort(a, axis=None)
        assert isinstance(order, np.ndarray) and order.dtype.kind == "i"
        return a.ravel()[order]
    out, t = linad.jvp(f, (x,), (x * 10,))
    np.testing.assert_array_equal(t, np.sort(x, axis=None) * 10)
    # complex values sort lexicographically, as in NumPy
    z = np.array([1 + 2j, 1 - 1j, -3 + 0j])
    np.testing.assert_array_equal(lnp.sort(z), np.sort(z))


def test_nested_array_of_tracers():
    def f(x):
        return lnp.array([[x[0], 1], (x[1], x[0] * x[1])])
    out, t = linad.jvp(f, (np.array([2.0, 3.0]),), (np.array([1.0, 0.0]),))
    np.testing.assert_array_equal(out, [[2.0, 1.0], [3.0, 6.0]])
    np.testing.assert_array_equal(t, [[1.0, 0.0], [0.0, 3.0]])
    with pytest.raises(ValueError, match="same shape"):
        linad.jvp(lambda x: lnp.array([x, x[:1]]), (np.ones(2),), (np.ones(2),))


def test_like_constructors_are_constants():
    def f(x):
        z, o, e = np.zeros_like(x), np.ones_like(x, dtype=np.float32), np.empty_like(x)
        assert all(isinstance(a, np.ndarray) for a in (z, o, e))
        assert o.dtype == np.float32 and z.shape == x.shape
        return x * o + z + e * 0.0
    np.testing.assert_array_equal(linad.grad(lambda x: lnp.sum(f(x)))(np.ones(2)), [1.0, 1.0])


def test_linspace_derivative_in_its_end_points():
    f = lambda a, b: lnp.linspace(a, b, 5)  # noqa: E731
    _, t = linad.jvp(f, (0.0, 1.0), (1.0, 0.0))
    np.testing.assert_allclose(t, [1.0, 0.75, 0.5, 0.25, 0.0])
    y, step = lnp.linspace(0.0, 1.0, 5, retstep=True)
    np.testing.assert_allclose(step, 0.25)
    np.testing.assert_array_equal(lnp.linspace(0.0, 3.0, 4, dtype=int), [0, 1, 2, 3])


METHODS = [
    lambda x: x.reshape(-1), lambda x: x.reshape(4, 3), lambda x: x.reshape((2, 6), order="F"),
    lambda x: x.transpose(), lambda x: x.transpose(1, 0), lambda x: x.transpose((1, 0)),
    lambda x: x.T, lambda x: x[None].mT, lambda x: x[:, None].squeeze(),
    lambda x: x[:, None].squeeze(1), lambda x: x.flatten("F"), lambda x: x.ravel(),
    lambda x: x.repeat(2, axis=0), lambda x: x.diagonal(1), lambda x: x.take([0, 5]),
    lambda x: x.take([1], axis=1), lambda x: x[x.argsort(axis=None)[:3] // 4],
    lambda x: x.compress([True, False, True], axis=0), lambda x: x.copy(),
    lambda x: x.swapaxes(0, 1), lambda x: x.dot(x.T), lambda x: x.trace(),
]


@pytest.mark.parametrize("k", range(len(METHODS)))
def test_array_methods_of_traced_values_match_numpy(k):
    method = METHODS[k]
    x = np.arange(12.0).reshape(3, 4) ** 1.5
    out, t = linad.jvp(method, (x,), (np.ones_like(x),))
    np.testing.assert_allclose(out, method(x), rtol=1e-14)
    assert np.shape(t) == np.shape(out)


# ----------------------------------------------------------------------------- batched

BATCHED = {
    "flip_roll": lambda x: np.roll(np.flip(x, 0), (1, 2), (0, 1)),
    "pad_reflect_edge": lambda x: np.pad(np.pad(x, 2, mode="reflect"), (0, 1), mode="edge"),
    "pad_constant": lambda x: np.pad(x, ((1, 0), (2, 1)), constant_values=3.0),
    "diag_diagonal": lambda x: np.diag(np.diagonal(x, 1)) @ x[:3, :3],
    "tile_repeat": lambda x: np.repeat(np.tile(x, (2, 1)), [1, 0, 2, 1], axis=1),
    "advanced_front": lambda x: x[[0, 2], :, None][:, [1, 1, 0]] * x[[1], 1:2, None],
    "advanced_mixed": lambda x: x[None, [2, 0], None, [1, 3]] + x[1, [0, 0, 3]],
    "mask": lambda x: x[x > 0] * 2.0,
    "take_along": lambda x: np.take_along_axis(x, np.argsort(x, axis=0), axis=0),
    "at_set": lambda x: x.at[[0, 0, 2], 1:].set(x[1, :3] * x[2, 0]),
    "at_multiply": lambda x: x.at[[0, 0], [1, 1]].multiply(x[2, 2]),
    "kron_cross": lambda x: np.kron(x[:2, :2], np.cross(x[0, :3], x[1, 1:])),
    "einsum": lambda x: np.einsum("ii,ij->j", x[:, :3], x) + np.einsum("ij,ij", x, x),
    "multi_dot": lambda x: _products.multi_dot([x[0], x.T, x, x[1]]),
    "tri_choose": lambda x: np.triu(x, 1) + np.choose(np.eye(3, 4, dtype=int), [x, x ** 2]),
    "split_block": lambda x: np.block([np.split(x, 2, axis=1)[::-1]]),
}


@pytest.mark.parametrize("name", sorted(BATCHED))
def test_batched_application_matches_one_at_a_time(name):
    f = BATCHED[name]
    rng = np.random.default_rng(1)
    x = rng.standard_normal((3, 4))
    out, f_lin = linad.linearize(f, x)
    us = rng.standard_normal((4,) + x.shape)
    np.testing.assert_allclose(f_lin.matmat(us), np.stack([f_lin(u) for u in us]), atol=1e-12)
    vs = rng.standard_normal((4,) + np.shape(out))
    (batched,) = f_lin.T.matmat(vs)
    np.testing.assert_allclose(batched, np.stack([f_lin.T(v)[0] for v in vs]), atol=1e-12)


FLOAT32 = {
    "pad": lambda x: np.pad(x, 1, constant_values=2.0) + np.pad(x, 1, mode="reflect"),
    "pad_traced": lambda x: lnp.pad(x, 1, constant_values=x[0, 0]),
    "tri": lambda x: np.triu(x) + np.tril(x, -1) * 0.5,
    "diag": lambda x: np.diag(np.diag(x)),
    "kron": lambda x: np.kron(x, np.eye(2, dtype=np.float32)),
    "cross": lambda x: np.cross(x[:, :3], np.array([1.0, 2.0, 3.0], np.float32)),
    "at": lambda x: x.at[[0, 0]].set(1.5).at[1].multiply(x[2]).at[2].add(2.0),
    "select": lambda x: np.select([x > 0], [x], default=0.5),
    "choose": lambda x: np.choose(np.eye(3, 4, dtype=int), [x, np.ones((3, 4), np.float32)]),
    "linspace": lambda x: np.linspace(x[0], x[1], 4),
    "array": lambda x: lnp.array([x[0, 0], np.float32(1.0)]) * x[0, :2],
    "full": lambda x: lnp.full((2,), x[0, 0]) + np.full_like(x[0, :2], 3.0),
    "einsum": lambda x: np.einsum("ij,kj->ik", x, x),
    "multi_dot": lambda x: _products.multi_dot([x, x.T, x]),
    "sort": lambda x: np.sort(x, axis=0),
}


@pytest.mark.parametrize("name", sorted(FLOAT32))
def test_float32_stays_float32(name):
    f = FLOAT32[name]
    x = (np.arange(12.0).reshape(3, 4) / 7 - 0.5).astype(np.float32)
    out, t = linad.jvp(f, (x,), (np.ones_like(x),))
    assert out.dtype == np.float32 and t.dtype == np.float32, (out.dtype, t.dtype)
    g = linad.grad(lambda v: lnp.sum(f(v)))(x)
    assert g.dtype == np.float32


COMPLEX = {
    "pad": lambda z: np.pad(z, ((1, 0), (0, 2)), constant_values=1j) + 0.0,
    "pad_reflect": lambda z: np.pad(z, 2, mode="symmetric"),
    "roll_flip": lambda z: np.roll(np.flip(z), 1, axis=0),
    "diag": lambda z: np.diag(np.diagonal(z)) * (1 - 2j),
    "tile_kron": lambda z: np.kron(np.tile(z[:2, :2], 2), z[:1, :2]),
    "at": lambda z: lnp.index_multiply(lnp.index_set(z, ([0, 0], 1), z[1, 1] * 1j), 2, z[0, 0]),
    "sort": lambda z: np.sort(z, axis=1),
    "cross_einsum": lambda z: np.einsum("ij,jk->ik", np.cross(z[:, :3], z[:, 1:]), z),
    "select_choose": lambda z: np.select([np.eye(3, 4) > 0], [z * z], default=z)
    + np.choose(np.eye(3, 4, dtype=int), [z, 2j * z]),
    "linspace": lambda z: np.linspace(z[0], z[1], 3),
}


@pytest.mark.parametrize("name", sorted(COMPLEX))
def test_complex_inputs(name):
    from linad.testing import check_grads, check_transpose
    f = COMPLEX[name]
    rng = np.random.default_rng(3)
    z = rng.standard_normal((3, 4)) + 1j * rng.standard_normal((3, 4))
    check_grads(f, (z,), order=2)
    _, f_lin = linad.linearize(f, z)
    check_transpose(f_lin)
