"""vmap of functions that need values: masks and weights computed once on the whole batch,
and clear refusals where a shape or a dtype depends on the values."""
import numpy as np
import pytest
import scipy.special

import linad
import linad.numpy as lnp
import linad.scipy.special as lss
from linad import ConcretizationError, TracerConversionError
from linad.primitives import discrete

XS = np.array([[0.5, -1.5, 2.0], [1.0, 0.0, -0.25], [3.0, -2.0, 0.75], [-0.5, 1.25, 1.5]])

#: Functions whose derivatives use values (a sign, a mask, a weight) computed by NumPy
#: functions that act element by element.
VALUE_HELPERS = {
    "abs": lambda x: lnp.abs(x),
    "copysign": lambda x: lnp.copysign(x, x - 0.5),
    "maximum": lambda x: lnp.maximum(x, 0.5 - x),
    "mod": lambda x: lnp.mod(x, 0.7),
    "power": lambda x: lnp.power(x * x + 0.5, x),
    "round": lambda x: x * lnp.round(x) + lnp.fix(x),
    "angle": lambda x: x * lnp.angle(x),
    "nan_to_num": lambda x: lnp.nan_to_num(x / (x - 1.0)),
    "huber": lambda x: lss.huber(1.0, x),
}


def _numpy_calls(monkeypatch, f, xs):
    """How many times ``vmap(grad(sum(f)))`` runs a NumPy function on values."""
    calls = []
    impl = discrete.numpy_call_p.impl

    def counted(*args, **params):
        calls.append(params["fn"])
        return impl(*args, **params)
    monkeypatch.setattr(discrete.numpy_call_p, "impl", counted)
    linad.vmap(linad.grad(lambda x: lnp.sum(f(x))))(xs)
    return len(calls)


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
@pytest.mark.parametrize("name", sorted(VALUE_HELPERS))
def test_elementwise_values_are_computed_once_per_batch(name, monkeypatch):
    f = VALUE_HELPERS[name]
    assert _numpy_calls(monkeypatch, f, XS[:2]) == _numpy_calls(monkeypatch, f, XS)
    want = np.stack([linad.grad(lambda x: lnp.sum(f(x)))(x) for x in XS])
    np.testing.assert_allclose(linad.vmap(linad.grad(lambda x: lnp.sum(f(x))))(XS), want,
                               rtol=1e-12)


def test_huber_matches_scipy_under_vmap():
    np.testing.assert_allclose(linad.vmap(lambda x: lss.huber(1.0, x))(XS),
                               scipy.special.huber(1.0, XS), rtol=1e-12)


#: Functions whose result's shape or dtype depends on values: (function, what the error names).
REFUSED = {
    "boolean mask": (lambda x: x[x > 0], r"x\[mask\]"),
    "nonzero": (lambda x: np.nonzero(x)[0], "np.nonzero"),
    "compress": (lambda x: lnp.compress(x > 0, x), "compress"),
    "piecewise": (lambda x: lnp.piecewise(x, [x > 0], [lambda v: v, lambda v: -v]),
                  "piecewise"),
    "trim_zeros": (lnp.trim_zeros, "trim_zeros"),
    "roots": (lnp.roots, "roots"),
    "polydiv": (lambda x: lnp.polydiv(x, np.array([1.0, 2.0]))[1], "polydiv"),
    "real_if_close": (lambda x: lnp.real_if_close(x + 0j), "real_if_close"),
}


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_value_dependent_shapes_are_refused_naming_the_transformation(name):
    f, what = REFUSED[name]
    with pytest.raises(ConcretizationError, match=f"{what}.*batched by linad.vmap.*Python loop"):
        linad.vmap(f)(XS)
    with pytest.raises(ConcretizationError, match=f"{what}.*staged by linad.jit.*without jit"):
        linad.jit(f)(XS[0])


def test_numpy_array_indexed_by_a_batched_index_suggests_take():
    table = np.arange(5.0)
    with pytest.raises(TracerConversionError, match=r"lnp.take\(table, i\)"):
        linad.vmap(lambda i: table[i])(np.array([0, 3]))
    np.testing.assert_array_equal(linad.vmap(lambda i: lnp.take(table, i))(np.array([0, 3])),
                                  [0.0, 3.0])


def test_index_max_with_batched_indices_is_refused():
    with pytest.raises(ConcretizationError, match="index_max.*linad.vmap"):
        linad.vmap(lambda i: lnp.index_max(np.zeros(3), i, 1.0))(np.array([[0, 0], [1, 2]]))


def test_geomspace_keeps_numpy_dtype_when_traced():
    a, b = np.float32(1.5), np.float32(2.5)
    assert np.geomspace(a, b, 4).dtype == np.float64
    assert linad.jvp(lambda s: lnp.geomspace(s, b, 4), (a,), (a,))[0].dtype == np.float64
    got = linad.vmap(lambda s: lnp.geomspace(s, b, 4))(np.array([a, b]))
    np.testing.assert_allclose(got, np.stack([np.geomspace(a, b, 4), np.geomspace(b, b, 4)]))
    assert got.dtype == np.float64
