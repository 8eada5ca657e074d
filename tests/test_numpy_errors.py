"""The errors of linad.numpy and of NumPy dispatch on traced values (issue 3).

Each error is checked for its exception type and for the parts of its message that
tell the user what went wrong and what to do instead.
"""
import operator

import numpy as np
import pytest
import scipy.special

import linad
import linad.numpy as lnp
from linad import TracerConversionError


def raises_inside(fn, x=None, transform="grad"):
    """Call ``fn`` on a traced value inside ``linad.grad`` (or ``jvp``); fn must raise."""
    x = np.arange(1.0, 4.0) if x is None else x
    if transform == "grad":
        return linad.grad(lambda v: lnp.sum(fn(v)))(x)
    return linad.jvp(fn, (x,), (np.ones_like(x),))


# ----------------------------------------------------------------------------- unsupported

@pytest.mark.parametrize("transform", ["grad", "jvp"])
def test_unsupported_function_names_it_and_points_to_docs(transform, monkeypatch):
    """A NumPy function without a handler (np.median with its handler taken away)."""
    from linad.numpy import _dispatch as D
    monkeypatch.delitem(D.HANDLED_FUNCTIONS, np.median)
    with pytest.raises(TypeError, match=r"linad does not implement np\.median for "
                                        r"traced values; see docs/numpy\.md"):
        raises_inside(np.median, transform=transform)


def test_unsupported_ufunc_names_it_and_points_to_docs():
    """Every ufunc of NumPy is classified; a ufunc from elsewhere that linad does not
    implement (a SciPy Bessel function here) is named and the docs are pointed to."""
    with pytest.raises(TypeError, match=r"linad does not implement scipy\.special\.kv for "
                                        r"traced values; see docs/numpy\.md"):
        raises_inside(lambda x: scipy.special.kv(x, x))


@pytest.mark.parametrize("call, reason", [
    (lambda x: np.array2string(x), r"it makes text, not numbers"),
    (lambda x: np.copyto(np.empty(3), x), r"in place: use x = x\.at\[idx\]\.set\(v\)"),
    (lambda x: np.isnat(x), r"dates and times"),
])
def test_refused_function_gives_the_reason(call, reason):
    with pytest.raises(TypeError, match=r"^np\.\w+ does not take traced values: .*" + reason):
        raises_inside(call)


def test_integer_only_ufunc_on_traced_values_raises_numpys_error():
    # np.gcd is computed on the concrete values, so a float input gets NumPy's own error
    with pytest.raises(TypeError, match=r"ufunc 'gcd' did not contain a loop"):
        raises_inside(lambda x: np.gcd(x, x))


def test_unsupported_ufunc_method_is_named():
    with pytest.raises(TypeError, match=r"np\.arctan2\.accumulate is not supported on traced "
                                        r"values; see docs/numpy\.md"):
        raises_inside(lambda x: np.arctan2.accumulate(x))


@pytest.mark.parametrize("call, name", [
    (lambda x: scipy.special.struve(1.0, x), r"scipy\.special\.struve"),
    (lambda x: scipy.special.kv(1.0, x), r"scipy\.special\.kv"),
    (lambda x: np.frompyfunc(abs, 1, 1)(x), r"the ufunc abs \(vectorized\)"),
])
def test_unsupported_ufunc_outside_numpy_is_named_by_its_module(call, name):
    with pytest.raises(TypeError, match=rf"linad does not implement {name} for traced values; "
                                        r"see docs/numpy\.md") as info:
        raises_inside(call)
    assert "np.struve" not in str(info.value) and "np.kv" not in str(info.value)


def test_scipy_ufunc_method_and_out_errors_name_its_module():
    with pytest.raises(TypeError, match=r"^scipy\.special\.xlogy\.accumulate is not supported"):
        raises_inside(lambda x: scipy.special.xlogy.accumulate(x))
    with pytest.raises(TypeError, match=r"^scipy\.special\.gammaln\(\.\.\., out=\.\.\.\) would "
                                        r"write a traced value"):
        raises_inside(lambda x: scipy.special.gammaln(x, out=np.empty(3)))


@pytest.mark.parametrize("kwargs", [{}, {"axis": 1}, {"axis": None}, {"keepdims": True}])
def test_add_reduce_on_traced_values_reduces_like_numpy(kwargs):
    # np.add.reduce sums over axis 0 unless told otherwise (np.sum sums over all axes)
    x = np.arange(6.0).reshape(2, 3)
    t = np.linspace(1.0, 2.0, 6).reshape(2, 3)
    out, tangent = linad.jvp(lambda v: np.add.reduce(v, **kwargs), (x,), (t,))
    np.testing.assert_allclose(out, np.add.reduce(x, **kwargs))
    np.testing.assert_allclose(tangent, np.add.reduce(t, **kwargs))


def test_np_full_with_traced_fill_is_refused_and_lnp_full_works():
    # np.full cannot be intercepted (it converts the fill value); lnp.full is the way
    with pytest.raises(TracerConversionError, match=r"np\.asarray / np\.array .*linad\.numpy"):
        raises_inside(lambda x: np.full(3, x[0]))
    g = linad.grad(lambda v: lnp.sum(lnp.full(3, v[0])))(np.arange(1.0, 4.0))
    np.testing.assert_array_equal(g, [3.0, 0.0, 0.0])


# ----------------------------------------------------------------------------- conversions

@pytest.mark.parametrize("convert, what", [
    (np.asarray, r"np\.asarray / np\.array"),
    (lambda x: np.array(x), r"np\.asarray / np\.array"),
    (lambda x: np.array([x[0], x[1]]), r"np\.asarray / np\.array"),
    (lambda x: float(x[0]), r"float\(\)"),
    (lambda x: int(x[0]), r"int\(\)"),
    (lambda x: complex(x[0]), r"complex\(\)"),
    (lambda x: x.tolist(), r"tolist\(\)"),
    (lambda x: x[0].item(), r"item\(\)"),
    (lambda x: x if x[0] > x[1] else -x, None),  # comparisons are concrete: no error
    (lambda x: x if x[0] else -x, r"bool\(\)"),
])
def test_conversion_to_concrete_values_is_refused(convert, what):
    if what is None:
        raises_inside(convert)
        return
    with pytest.raises(TracerConversionError, match=what) as info:
        raises_inside(convert)
    msg = str(info.value)
    assert "traced value" in msg and "silent wrong derivative" in msg
    assert "linad.numpy" in msg and "stop_gradient" in msg


def test_conversion_error_is_a_type_error():
    assert issubclass(TracerConversionError, TypeError)


# ----------------------------------------------------------------------------- in place

def test_setitem_on_tracer_suggests_at_set():
    def f(x):
        x[0] = 1.0
        return x
    with pytest.raises(TypeError, match=r"in-place assignment into a traced array .*"
                                        r"x\.at\[idx\]\.set\(v\)"):
        raises_inside(f)


@pytest.mark.parametrize("op, plain", [
    (operator.iadd, operator.add), (operator.isub, operator.sub), (operator.imul, operator.mul),
    (operator.itruediv, operator.truediv), (operator.ipow, operator.pow),
    (operator.imatmul, operator.matmul),
])
def test_augmented_assignment_on_tracer_rebinds(op, plain):
    """``x op= y`` on a traced value is ``x = x op y`` (as in JAX and autograd): same value,
    same derivatives, and other references to the old value are left unchanged."""
    x0 = np.array([[0.5, 1.5], [2.0, 0.25]])

    def augmented(x):
        y = x
        y = op(y, x)
        return lnp.sum(y) + lnp.sum(x)   # x itself is unchanged by the update of y

    def rebound(x):
        return lnp.sum(plain(x, x)) + lnp.sum(x)

    value, grad = linad.value_and_grad(augmented)(x0)   # traced: the update rebinds y only
    np.testing.assert_allclose(value, rebound(x0))
    np.testing.assert_allclose(grad, linad.grad(rebound)(x0))


def test_accumulating_with_plus_equal_in_a_loop():
    """The pattern ``s = 0.0; for ...: s += f(...)`` (a Python float, then a tracer)."""
    def loss(w):
        s = 0.0
        for k in range(3):
            s += lnp.sum(w * k)
        return s
    np.testing.assert_allclose(linad.grad(loss)(np.ones(2)), [3.0, 3.0])


def test_numpy_array_plus_equal_tracer_is_refused():
    def f(x):
        a = np.zeros(3)
        a += x
        return a
    with pytest.raises(TypeError, match=r"np\.add\(\.\.\., out=\.\.\.\) would write a traced "
                                        r"value into an existing array in place.*x = x \+ y"):
        raises_inside(f)


def test_ufunc_with_out_is_refused():
    with pytest.raises(TypeError, match=r"np\.sin\(\.\.\., out=\.\.\.\)"):
        raises_inside(lambda x: np.sin(x, out=np.empty(3)))


@pytest.mark.parametrize("method, instead", [
    ("sort", r"np\.sort\(x, axis\)"), ("fill", r"lnp\.full_like"), ("put", r"x\.at\[idx\]"),
    ("partition", r"np\.sort"), ("resize", r"x\.reshape"), ("itemset", r"x\.at\[idx\]"),
])
def test_in_place_methods_are_refused(method, instead):
    with pytest.raises(TypeError, match=rf"x\.{method}\(\.\.\.\) modifies the array in place.*"
                                        rf"{instead}"):
        raises_inside(lambda x: getattr(x, method)(0))


@pytest.mark.parametrize("call", [
    lambda x: np.concatenate([x, x], out=np.empty(6)),
    lambda x: np.take(x, [0], out=np.empty(1)),
    lambda x: np.einsum("i->i", x, out=np.empty(3)),
    lambda x: np.outer(x, x, out=np.empty((3, 3))),
])
def test_out_arguments_are_refused(call):
    with pytest.raises(TypeError, match=r"out="):
        raises_inside(call)


# ----------------------------------------------------------------------------- indexing

def test_traced_index_is_refused():
    with pytest.raises(TypeError, match=r"an index into a traced array must be concrete"):
        raises_inside(lambda x: x[x])


def test_float_index_array_is_refused():
    with pytest.raises(IndexError, match=r"arrays used as indices must be of integer or "
                                         r"boolean type"):
        raises_inside(lambda x: x[np.array([0.5])])


def test_boolean_scalar_index_is_refused():
    with pytest.raises(IndexError, match=r"boolean scalar index .* x\[None\]"):
        raises_inside(lambda x: x[True])


def test_out_of_bounds_index_raises_numpys_error():
    with pytest.raises(IndexError, match="out of bounds"):
        raises_inside(lambda x: x[np.array([5])])


def test_traced_condition_is_refused_by_gathers():
    with pytest.raises(TypeError, match=r"compress: the condition/index argument must be "
                                        r"concrete"):
        raises_inside(lambda x: lnp.compress(x, x))
    with pytest.raises(TypeError, match=r"select: .* must be concrete"):
        raises_inside(lambda x: lnp.select([x], [x]))


def test_sort_with_order_is_refused():
    with pytest.raises(TypeError, match=r"sort: order= .* not supported"):
        raises_inside(lambda x: np.sort(x, order="a"))


# ----------------------------------------------------------------------------- shape errors

@pytest.mark.parametrize("call, exc, msg", [
    (lambda x: np.reshape(x, (2, -1, -1)), ValueError, "can only specify one unknown dimension"),
    (lambda x: np.reshape(x, (2, 2)), ValueError, r"cannot reshape array of size 3 into shape"),
    (lambda x: np.transpose(x[None], (0, 0)), ValueError, "repeated axis"),
    (lambda x: np.concatenate([x, x[None]]), ValueError, "dimensions except for the "
                                                         "concatenation axis must match"),
    (lambda x: np.concatenate([x[0], x[1]]), ValueError, "zero-dimensional arrays cannot be "
                                                         "concatenated"),
    (lambda x: np.stack([x, x[:2]]), ValueError, "all input arrays must have the same shape"),
    (lambda x: np.split(x, 2), ValueError, "array split does not result in an equal division"),
    (lambda x: np.vsplit(x, 3), ValueError, "vsplit only works on arrays of 2 or more"),
    (lambda x: np.fliplr(x), ValueError, r"Input must be >= 2-d\."),
    (lambda x: np.rot90(x[None], axes=(0, 0)), ValueError, "Axes must be different"),
    (lambda x: np.pad(x, 1, mode="median"), NotImplementedError, "mode 'median' is not "
                                                                 "supported"),
    (lambda x: np.pad(x, 1, mode="reflect", reflect_type="odd"), NotImplementedError,
     "reflect_type"),
    (lambda x: np.pad(x, -1), ValueError, "index can't contain negative values"),
    (lambda x: np.diag(x[None, None]), ValueError, r"Input must be 1- or 2-d\."),
    (lambda x: np.diagonal(x), ValueError, "at least two dimensions"),
    (lambda x: np.squeeze(x, 0), ValueError, "cannot select an axis to squeeze out"),
    (lambda x: np.block([[x], x]), ValueError, "List depths are mismatched"),
    (lambda x: np.block((x, x)), TypeError, "is a tuple"),
    (lambda x: np.cross(x[:1], x), ValueError, "incompatible dimensions for cross product"),
    (lambda x: np.einsum("ij->k", x[None]), ValueError, "never appears in an input"),
    (lambda x: np.einsum("ij->ii", x[None]), ValueError, "appears more than once"),
    (lambda x: np.einsum("...i->i", x[None]), ValueError, "the output has no '...'"),
    (lambda x: np.choose([0, 3, 1], [x, x]), ValueError, "invalid entry in choice array"),
    (lambda x: np.select([x > 0], [x, x]), ValueError, "same length as list of conditions"),
    (lambda x: np.linalg.multi_dot([x]), ValueError, "Expecting at least two arrays"),
    (lambda x: np.moveaxis(x, 0, 3), np.exceptions.AxisError, "out of bounds"),
])
def test_shape_errors_match_numpy(call, exc, msg):
    with pytest.raises(exc, match=msg):
        raises_inside(call)
