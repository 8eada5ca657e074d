"""Every public callable of numpy, numpy.linalg and numpy.fft is classified exactly once
(linad/numpy/_coverage.py), and each class behaves as docs/numpy.md says:

* class 2 (not differentiable): on traced values the result equals NumPy's on the concrete
  values (or NumPy's own error, for integer-only functions), is a plain NumPy value, and
  gradients through code using it are right;
* class 3 (refused): NumPy's dispatch raises a TypeError giving the reason;
* not yet supported: NumPy's dispatch raises "linad does not implement".
"""
import pathlib
import re

import numpy as np
import pytest

import linad
import linad.numpy as lnp
from linad import tree
from linad.core import Tracer
from linad.numpy import _coverage as C
from linad.numpy import _dispatch as D

X0 = np.array([0.31, -1.27, 2.53, 0.74, -0.48])  # distinct, away from every bin edge used


# ----------------------------------------------------------------------------- the tables

def test_every_public_callable_is_in_exactly_one_class():
    labels = C.classes()
    unclassified = sorted(n for n, ls in labels.items() if not ls)
    twice = {n: ls for n, ls in labels.items() if len(ls) > 1}
    assert not unclassified, f"classify these in linad/numpy/_coverage.py: {unclassified}"
    assert not twice, (f"classified more than once (a registered handler moves a name to "
                       f"class 1: delete it from NOT_YET): {twice}")


def test_public_callables_follow_the_stated_rule():
    names = C.public_callables()
    assert {"np.sin", "np.ndarray", "np.float64", "np.test", "np.linalg.LinAlgError",
            "np.fft.rfftfreq"} <= set(names)
    assert not any(n.rpartition(".")[2].startswith("_") for n in names)
    assert "np.linalg" not in names and "np.pi" not in names  # modules, constants


def test_the_tables_name_only_existing_callables():
    public = C.public_callables()
    stale = sorted((set(C.NONDIFF) | set(C.REFUSED) | set(C.NOT_YET)) - set(public))
    assert not stale, f"not a public callable of this NumPy: {stale}"
    assert set(C.REFUSED.values()) <= set(C.REASONS)


def test_aliases_are_in_one_class():
    labels = C.classes()
    by_object = {}
    for name, obj in C.public_callables().items():
        by_object.setdefault(id(obj), []).append(name)
    split = [names for names in by_object.values()
             if len({tuple(labels[n]) for n in names}) > 1]
    assert not split, f"aliases of one object classified differently: {split}"


def test_class_1_is_the_registry():
    labels = C.classes()
    assert labels["np.sin"] == ["differentiable"] and labels["np.acos"] == ["differentiable"]
    registered = {n for n, obj in C.public_callables().items()
                  if obj in D.HANDLED_FUNCTIONS or obj in D.HANDLED_UFUNCS}
    assert {n for n, ls in labels.items() if "differentiable" in ls} == registered - set(
        C.NONDIFF)


def test_a_registered_not_yet_function_is_classified_twice(monkeypatch):
    # the signal to delete a name from NOT_YET once its handler is registered
    monkeypatch.setattr(C, "NOT_YET", C.NOT_YET + ("np.diff",))   # np.diff has a handler
    assert C.classes()["np.diff"] == ["differentiable", "not yet supported"]


def test_class_2_functions_dispatch_and_have_handlers():
    for name in C.NONDIFF:
        fn = C.resolve(name)
        assert C.dispatches(fn), name
        assert fn in D.HANDLED_FUNCTIONS or fn in D.HANDLED_UFUNCS, name


def test_the_docs_report_the_counts():
    labels = C.classes()
    text = (pathlib.Path(__file__).resolve().parent.parent / "docs" / "numpy.md").read_text()
    counts = [sum(ls == [c] for ls in labels.values()) for c in C.CLASSES]
    assert f"| all | {len(labels)} | " + " | ".join(map(str, counts)) in text


# ----------------------------------------------------------------------------- class 2

def _traced(fn, x0=X0):
    """``fn`` of a traced ``x0`` (inside linad.grad) and of ``x0``: value or raised error."""
    seen = {}

    def f(x):
        assert isinstance(x, Tracer)
        try:
            seen["traced"] = fn(x)
        except Exception as err:  # noqa: BLE001 - compared with NumPy's below
            seen["traced"] = err
        return lnp.sum(x)
    linad.grad(f)(x0)
    try:
        plain = fn(x0)
    except Exception as err:  # noqa: BLE001
        plain = err
    return seen["traced"], plain


def _outer(x):
    return np.outer(x, x[::-1])


#: class-2 name -> a call on x (a traced or plain float vector)
CALLS = {
    "np.equal": lambda x: np.equal(x, x[::-1]),
    "np.not_equal": lambda x: np.not_equal(x, x[::-1]),
    "np.less": lambda x: np.less(x, x[::-1]),
    "np.less_equal": lambda x: np.less_equal(x, x[::-1]),
    "np.greater": lambda x: np.greater(x, x[::-1]),
    "np.greater_equal": lambda x: np.greater_equal(x, x[::-1]),
    "np.isnan": np.isnan, "np.isinf": np.isinf, "np.isfinite": np.isfinite,
    "np.signbit": np.signbit, "np.isneginf": np.isneginf, "np.isposinf": np.isposinf,
    "np.iscomplex": np.iscomplex, "np.isreal": np.isreal,
    "np.iscomplexobj": np.iscomplexobj, "np.isrealobj": np.isrealobj,
    "np.isclose": lambda x: np.isclose(x, x[::-1]),
    "np.allclose": lambda x: np.allclose(x, x * (1 + 1e-12)),
    "np.array_equal": lambda x: np.array_equal(x, x[::-1]),
    "np.array_equiv": lambda x: np.array_equiv(x, x),
    "np.isin": lambda x: np.isin(x, x[:2]),
    "np.any": np.any, "np.all": lambda x: np.all(x - 0.31),
    "np.logical_and": lambda x: np.logical_and(x, np.maximum(x, 0)),
    "np.logical_or": lambda x: np.logical_or(np.maximum(x, 0), 0.0),
    "np.logical_not": lambda x: np.logical_not(np.maximum(x, 0)),
    "np.logical_xor": lambda x: np.logical_xor(x, np.maximum(x, 0)),
    "np.may_share_memory": lambda x: np.may_share_memory(x, np.zeros(2)),
    "np.shares_memory": lambda x: np.shares_memory(x, np.zeros(2)),
    "np.argmax": np.argmax, "np.argmin": np.argmin,
    "np.nanargmax": np.nanargmax, "np.nanargmin": np.nanargmin,
    "np.argsort": np.argsort, "np.argpartition": lambda x: np.argpartition(x, 2),
    "np.lexsort": lambda x: np.lexsort((x, -x)),
    "np.argwhere": lambda x: np.argwhere(np.maximum(x, 0)),
    "np.nonzero": lambda x: np.nonzero(np.maximum(x, 0)),
    "np.flatnonzero": lambda x: np.flatnonzero(np.maximum(x, 0)),
    "np.searchsorted": lambda x: np.searchsorted(np.sort(x), [0.0, 1.0]),
    "np.digitize": lambda x: np.digitize(x, [0.0, 1.0]),
    "np.ravel_multi_index": lambda x: np.ravel_multi_index((x,), (5,)),  # NumPy's error
    "np.unravel_index": lambda x: np.unravel_index(x, (5,)),  # NumPy's error
    "np.diag_indices_from": lambda x: np.diag_indices_from(_outer(x)),
    "np.tril_indices_from": lambda x: np.tril_indices_from(_outer(x)),
    "np.triu_indices_from": lambda x: np.triu_indices_from(_outer(x), 1),
    "np.ix_": lambda x: np.ix_(x),  # NumPy's error
    "np.count_nonzero": lambda x: np.count_nonzero(np.maximum(x, 0)),
    "np.linalg.matrix_rank": lambda x: np.linalg.matrix_rank(_outer(x)),
    "np.histogram2d": lambda x: np.histogram2d(x, x[::-1], bins=2),
    "np.histogramdd": lambda x: np.histogramdd((x, x[::-1]), bins=2),
    "np.histogram_bin_edges": lambda x: np.histogram_bin_edges(x, bins=3),
    "np.unique": lambda x: np.unique(np.round(x), return_index=True, return_counts=True),
    "np.unique_values": lambda x: np.unique_values(x),
    "np.unique_counts": lambda x: np.unique_counts(np.round(x)),
    "np.unique_inverse": lambda x: np.unique_inverse(np.round(x)),
    "np.unique_all": lambda x: np.unique_all(np.round(x)),
    "np.intersect1d": lambda x: np.intersect1d(x, x[:3], return_indices=True),
    "np.union1d": lambda x: np.union1d(x, -x),
    "np.setdiff1d": lambda x: np.setdiff1d(x, x[:2]),
    "np.setxor1d": lambda x: np.setxor1d(x, x[:2]),
    "np.shape": np.shape, "np.ndim": np.ndim, "np.size": np.size,
    "np.result_type": lambda x: np.result_type(x, 1),
    "np.can_cast": lambda x: np.can_cast(x, np.float32),
    "np.min_scalar_type": np.min_scalar_type, "np.common_type": np.common_type,
    "np.einsum_path": lambda x: np.einsum_path("i,i->", x, x),
    "np.spacing": np.spacing,
    # integer-only functions: a traced value is float, so NumPy's own error, as on the primal
    **{name: (lambda f: lambda x: f(x, 1))(C.resolve(name)) for name in [
        "np.bitwise_and", "np.bitwise_or", "np.bitwise_xor", "np.bitwise_left_shift",
        "np.left_shift", "np.bitwise_right_shift", "np.right_shift", "np.gcd", "np.lcm"]},
    **{name: C.resolve(name) for name in [
        "np.bitwise_not", "np.invert", "np.bitwise_invert", "np.bitwise_count",
        "np.packbits", "np.unpackbits"]},
}


def test_every_class_2_function_has_a_call():
    assert sorted(CALLS) == sorted(C.NONDIFF)


def _numeric_leaves(value):
    return [leaf for leaf in tree.leaves(value)
            if isinstance(leaf, (bool, int, float, np.ndarray, np.generic))
            and np.asarray(leaf).dtype.kind in "biuf"]


@pytest.mark.parametrize("name", sorted(CALLS))
def test_class_2_on_traced_values_is_numpy_on_the_concrete_values(name):
    traced, plain = _traced(CALLS[name])
    if isinstance(plain, Exception):
        assert type(traced) is type(plain) and str(traced) == str(plain)
        return
    assert not any(isinstance(leaf, Tracer) for leaf in tree.leaves(traced))
    assert tree.tree_structure(traced) == tree.tree_structure(plain)
    for a, b in zip(tree.leaves(traced), tree.leaves(plain)):
        if isinstance(b, np.ndarray):
            assert type(a) is np.ndarray and a.dtype == b.dtype
        np.testing.assert_equal(a, b)


@pytest.mark.parametrize("name", sorted(n for n in CALLS if not isinstance(
    _traced(CALLS[n])[1], Exception)))
def test_gradient_through_code_using_a_class_2_result(name):
    # the result is a constant factor: d/dx [sum(sin x) * (1 + c)] = cos x * (1 + c)
    def scale(x):
        leaves = _numeric_leaves(CALLS[name](x))
        return 1.0 + 0.01 * sum(float(np.sum(np.abs(np.asarray(v, float)))) for v in leaves)

    g = linad.grad(lambda x: lnp.sum(lnp.sin(x)) * scale(x))(X0)
    np.testing.assert_allclose(g, np.cos(X0) * scale(X0), rtol=1e-12)


#: class-2 results used as indices into x: name -> flat indices of x
INDEX_USES = {
    "argwhere": lambda x: np.argwhere(np.maximum(x, 0))[:, 0],
    "nonzero": lambda x: np.nonzero(np.maximum(x, 0))[0],
    "flatnonzero": lambda x: np.flatnonzero(np.maximum(x, 0)),
    "argsort": lambda x: np.argsort(x)[:3],
    "argpartition": lambda x: np.argpartition(x, 2)[:2],
    "lexsort": lambda x: np.lexsort((x,))[::2],
    "argmax": lambda x: np.argmax(x),
    "nanargmin": lambda x: np.nanargmin(x),
    "searchsorted": lambda x: np.searchsorted(x[np.argsort(x)], [0.0, 1.0]),
    "digitize": lambda x: np.digitize(x, [0.0, 1.0]),
    "unique": lambda x: np.unique(x, return_index=True)[1][[0, 0, 2]],
    "unique_inverse": lambda x: np.unique_inverse(x).inverse_indices,
    "intersect1d": lambda x: np.intersect1d(x, x[1:3], return_indices=True)[1],
}


@pytest.mark.parametrize("name", sorted(INDEX_USES))
def test_gradient_through_a_gather_at_class_2_indices(name):
    idx = np.ravel(INDEX_USES[name](X0))
    g = linad.grad(lambda x: lnp.sum(x[INDEX_USES[name](x)] ** 2))(X0)
    expected = np.zeros_like(X0)
    np.add.at(expected, idx, 2 * X0[idx])
    np.testing.assert_allclose(g, expected)


def test_bincount_is_differentiable_in_traced_weights():
    bins = np.array([0, 3, 3, 1, 0])
    w0 = np.array([0.5, -1.0, 2.0, 0.25, 1.5])
    value, tangent = linad.jvp(lambda w: np.bincount(bins, weights=w, minlength=5), (w0,),
                               (X0,))
    np.testing.assert_allclose(value, np.bincount(bins, weights=w0, minlength=5))
    np.testing.assert_allclose(tangent, np.bincount(bins, weights=X0, minlength=5))
    g = linad.grad(lambda w: lnp.sum(np.bincount(bins, weights=w) ** 2))(w0)
    np.testing.assert_allclose(g, 2 * np.bincount(bins, weights=w0)[bins])


def test_bincount_keeps_numpys_checks_on_traced_weights():
    with pytest.raises(ValueError, match="weights and list don't have the same length"):
        linad.grad(lambda w: lnp.sum(np.bincount([0, 1], weights=w)))(X0)


@pytest.mark.parametrize("call", [
    lambda x: np.histogram2d(x, x, weights=x),
    lambda x: np.histogramdd((x,), weights=x),
    lambda x: np.histogram_bin_edges(x, weights=x),
])
def test_histograms_refuse_traced_weights(call):
    with pytest.raises(TypeError, match=r"traced weights= are not supported .*"
                                        r"\.at\[bins\]\.add\(weights\)"):
        linad.grad(lambda x: lnp.sum(x) + float(np.sum(call(x)[0])))(X0)


def test_histogram_with_constant_weights_of_a_traced_sample():
    traced, plain = _traced(lambda x: np.histogram(x, bins=2, weights=np.arange(5.0)))
    np.testing.assert_equal(traced, plain)


def test_nested_traced_leaves_are_made_concrete():
    # histogramdd's sample as a list of traced arrays, range as nested lists with a traced end
    call = lambda x: np.histogramdd([x, x[::-1]], bins=2, range=[[-2.0, 3.0], [-2.0, x[2]]])
    traced, plain = _traced(call)
    np.testing.assert_equal(traced, plain)


# ----------------------------------------------------------------------------- class 3

def _dispatch_error(fn, x):
    """The error NumPy's dispatch of ``fn`` on the tracer ``x`` hands back."""
    if isinstance(fn, np.ufunc):
        return type(x).__array_ufunc__(x, fn, "__call__", x)
    return type(x).__array_function__(x, fn, (type(x),), (x,), {})


def _inside(check):
    linad.grad(lambda x: (check(x), lnp.sum(x))[1])(X0)


def test_every_class_3_function_raises_its_reason_from_dispatch():
    refused = [n for n, ls in C.classes().items() if ls == ["refused"]]
    assert {C.reason_of(n) for n in refused} == set(C.REASONS)  # every reason is used

    def check(x):
        for name in refused:
            reason = C.reason_of(name)
            with pytest.raises(TypeError, match=re.escape(
                    f"does not take traced values: {reason}; see docs/numpy.md")):
                _dispatch_error(C.resolve(name), x)
    _inside(check)


@pytest.mark.parametrize("call, reason", [
    (lambda x, tmp: np.save(tmp / "x.npy", x), C.IO),
    (lambda x, tmp: np.savetxt(tmp / "x.txt", x), C.IO),
    (lambda x, tmp: np.savez(tmp / "x.npz", x), C.IO),
    (lambda x, tmp: np.savez_compressed(tmp / "x.npz", x), C.IO),
    (lambda x, tmp: np.array2string(x), C.PRINTING),
    (lambda x, tmp: np.array_repr(x), C.PRINTING),
    (lambda x, tmp: np.array_str(x), C.PRINTING),
    (lambda x, tmp: np.copyto(np.empty(5), x), C.IN_PLACE),
    (lambda x, tmp: np.place(x, x > 0, [1.0]), C.IN_PLACE),
    (lambda x, tmp: np.putmask(x, x > 0, 1.0), C.IN_PLACE),
    (lambda x, tmp: np.fill_diagonal(x[:4].reshape(2, 2), 1.0), C.IN_PLACE),
    (lambda x, tmp: np.put(x, [0], 1.0), C.IN_PLACE),
    (lambda x, tmp: np.put(np.zeros(3), [0], x[0]), C.IN_PLACE),
    (lambda x, tmp: np.put_along_axis(x, np.zeros(1, int), 1.0, 0), C.IN_PLACE),
    (lambda x, tmp: np.isnat(x), C.DATETIME),
    (lambda x, tmp: np.datetime_as_string(x), C.DATETIME),
    (lambda x, tmp: np.is_busday(x), C.DATETIME),
    (lambda x, tmp: np.busday_count(x, x), C.DATETIME),
    (lambda x, tmp: np.busday_offset(x, x), C.DATETIME),
    (lambda x, tmp: np.ones(3, like=x), C.NO_ARRAY),  # like= dispatches
    (lambda x, tmp: np.asarray([1.0], like=x), C.CONVERSION),
    (lambda x, tmp: np.frombuffer(b"\0" * 8, like=x), C.MEMORY),
])
def test_class_3_through_numpy_gives_the_reason(call, reason, tmp_path):
    with pytest.raises(TypeError, match=r"^np\.\w+ does not take traced values: "
                                        + re.escape(reason)):
        _inside(lambda x: call(x, tmp_path))
    assert not list(tmp_path.iterdir())  # nothing was written


def test_every_dispatching_class_3_function_is_called_through_numpy():
    tested = {"np.save", "np.savetxt", "np.savez", "np.savez_compressed", "np.array2string",
              "np.array_repr", "np.array_str", "np.copyto", "np.place", "np.putmask",
              "np.isnat", "np.datetime_as_string", "np.is_busday", "np.busday_count",
              "np.busday_offset", "np.fill_diagonal", "np.put", "np.put_along_axis"}
    dispatching = {n for n, ls in C.classes().items()
                   if ls == ["refused"] and C.dispatches(C.resolve(n))}
    assert dispatching == tested


# ----------------------------------------------------------------------------- not yet

def test_every_callable_is_in_one_of_the_three_classes():
    """Nothing is left "not yet supported": every public callable is differentiable, has a
    non-differentiable result, or is refused with its reason."""
    assert C.NOT_YET == ()


def test_a_function_without_a_handler_says_so(monkeypatch):
    """The message a NumPy function without a handler gives (a new NumPy function, or one
    listed in NOT_YET): np.median with its handler taken away."""
    monkeypatch.delitem(D.HANDLED_FUNCTIONS, np.median)
    with pytest.raises(TypeError, match=r"^linad does not implement np\.median for traced "
                                        r"values; see docs/numpy\.md"):
        _inside(lambda x: np.median(x))
