"""The eager fast paths of the JVP and staging traces (one or two operands, concrete
primals) give the same answers as the general paths they skip, which run with the
optimisations switched off."""
import contextlib
import sys

import numpy as np
import pytest

import linad
import linad.numpy as lnp
from linad.core import LinearityError, Primitive, PRIMITIVES
from linad.primitives.rules import defjvp

jvp_module = sys.modules["linad.jvp"]


def _chain(x):
    a, b = x[0], x[1]
    for _ in range(5):
        a, b = a * 0.99 + 0.01 * b, b * 0.99 - 0.01 * a
    m = lnp.tanh(x[None, :] * np.ones((3, 1))) @ np.arange(4.0).reshape(2, 2)
    return a * b + lnp.sum(lnp.exp(m) * np.float32(2.0)) + lnp.sum(m / 3)


@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.complex128])
def test_answers_do_not_depend_on_the_fast_paths(dtype):
    x = np.array([0.3, -1.2], dtype=dtype)
    f = (lambda x: lnp.real(_chain(x))) if np.iscomplexobj(x) else _chain
    v = np.array([1.0, 0.5], dtype=dtype)
    on = linad.value_and_grad(f)(x), linad.jvp(f, (x,), (v,))
    with linad.optimize.disabled():
        off = linad.value_and_grad(f)(x), linad.jvp(f, (x,), (v,))
    for a, b in zip(np.broadcast_arrays(*[np.asarray(t) for t in (on[0] + on[1])]),
                    np.broadcast_arrays(*[np.asarray(t) for t in (off[0] + off[1])])):
        np.testing.assert_allclose(a, b, rtol=1e-6 if dtype == np.float32 else 1e-13)
        assert a.dtype == b.dtype


def test_the_fast_path_skips_the_general_rule_application(monkeypatch):
    calls = []
    general = jvp_module.apply_argwise
    monkeypatch.setattr(jvp_module, "apply_argwise",
                        lambda *a: calls.append(a[0].prim.name) or general(*a))
    x = np.array([0.5, 1.5])
    linad.grad(lambda x: lnp.sum(lnp.tanh(x) * x[::-1]))(x)  # two tracers: general path
    assert calls == ["mul"]
    calls.clear()
    with linad.optimize.disabled():
        linad.grad(lambda x: lnp.sum(lnp.tanh(x) * x[::-1]))(x)
    assert "tanh" in calls and "sum" in calls


def test_a_nonlinear_rule_is_refused_on_the_fast_path():
    square_p = Primitive("square_fast_path_example", lambda x: x * x)
    try:
        defjvp(square_p, lambda t, ans, x: t * t)  # not linear in t
        for flag in (True, False):
            with contextlib.nullcontext() if flag else linad.optimize.disabled():
                with pytest.raises(LinearityError, match="square_fast_path_example"):
                    linad.grad(lambda x: square_p.bind(x))(1.0)
    finally:
        del PRIMITIVES["square_fast_path_example"]


def test_integer_outputs_carry_no_tangent_on_the_fast_path():
    out, t = linad.jvp(lambda x: lnp.floor(x) + lnp.sign(x), (np.array([1.5, -2.0]),),
                       (np.ones(2),))
    np.testing.assert_array_equal(t, np.zeros(2))
