"""Cases for the reductions and scans of linad.numpy and linad.scipy.special (issue 3).

Axes are drawn as None, ints (negatives included) and tuples, with and without
``keepdims``; shapes include 0-d arrays.  ``max``/``min`` draw arrays of
distinct values (ties are tested in test_numpy_elementwise.py); ``prod`` and
``cumprod`` also draw inputs with exact zeros.
"""
import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import linad.numpy as lnp
from linad.numpy._dispatch import HANDLED_FUNCTIONS
from linad.numpy._reductions import vector_norm
from linad.scipy import special
from systematic import Case, shapes

N = 6  # hypothesis examples per case


# ----------------------------------------------------------------------------- strategies

def axes_of(nd, tuples=True):
    """None, an int (negatives included) or a tuple of distinct axes of an nd-array."""
    ints = list(range(-nd, nd)) if nd else []
    options = st.sampled_from([None] + ints) if ints else st.just(None)
    if tuples and nd:
        subsets = st.lists(st.integers(0, nd - 1), unique=True, max_size=nd).map(tuple)
        options = st.one_of(options, subsets)
    return options


def with_axes(elements, min_dims=0, keepdims=True, tuples=True, extra=None):
    """(x,), {"axis", "keepdims"} plus optional static kwargs from ``extra``."""
    @st.composite
    def build(draw):
        s = draw(shapes(min_dims, 3, 1, 4))
        x = draw(hnp.arrays(np.float64, s, elements=elements))
        static = {"axis": draw(axes_of(len(s), tuples))}
        if keepdims:
            static["keepdims"] = draw(st.booleans())
        if extra is not None:
            static.update(draw(extra))
        return (x,), static
    return build()


def distinct(min_dims=0, tuples=True):
    """Arrays of distinct values (no ties for max/min), with axis/keepdims."""
    @st.composite
    def build(draw):
        s = draw(shapes(min_dims, 3, 1, 4))
        n = int(np.prod(s, dtype=np.int64))
        perm = np.array(draw(st.permutations(range(n))), dtype=float).reshape(s)
        noise = draw(hnp.arrays(np.float64, s, elements=st.floats(0.0, 0.1)))
        x = (perm - n / 2) * 0.3 + noise
        return (x,), {"axis": draw(axes_of(len(s), tuples)), "keepdims": draw(st.booleans())}
    return build()


def signed(lo, hi):
    return st.tuples(st.floats(lo, hi), st.booleans()).map(lambda p: p[0] if p[1] else -p[0])


WITH_ZEROS = st.one_of(signed(0.5, 1.5), st.just(0.0))


def scan_axis(elements):
    """(x,), {"axis"}: an int axis (negatives included) or None (flattened)."""
    @st.composite
    def build(draw):
        s = draw(shapes(0, 3, 1, 5))
        x = draw(hnp.arrays(np.float64, s, elements=elements))
        axis = draw(st.sampled_from([None] + list(range(-len(s), len(s)))))
        return (x,), {"axis": axis}
    return build()


def weighted():
    """(a, w), {"axis"}: weights of a's shape (any axis) or 1-D along an int axis."""
    @st.composite
    def build(draw):
        s = draw(shapes(1, 3, 1, 4))
        a = draw(hnp.arrays(np.float64, s, elements=st.floats(-2, 2)))
        if draw(st.booleans()):
            axis = draw(st.sampled_from(list(range(-len(s), len(s)))))
            wshape = (s[axis],)
        else:
            axis = draw(axes_of(len(s)))
            wshape = s
        w = draw(hnp.arrays(np.float64, wshape, elements=st.floats(0.5, 2.0)))
        return (a, w), {"axis": axis, "keepdims": draw(st.booleans())}
    return build()


def norm_args():
    @st.composite
    def build(draw):
        s = draw(shapes(1, 3, 1, 4))
        x = draw(hnp.arrays(np.float64, s, elements=signed(0.1, 2.0)))
        n = int(np.prod(s, dtype=np.int64))
        # distinct magnitudes, so that the inf / -inf norms have no ties
        x = np.sign(x) * (np.abs(x) + 0.01 * np.arange(n).reshape(s))
        axis = draw(st.sampled_from([None] + list(range(-len(s), len(s)))))
        ord_ = draw(st.sampled_from([None, 1, 2, np.inf, -np.inf, 3, 0.5, -1]))
        return (x,), {"ord": ord_, "axis": axis, "keepdims": draw(st.booleans())}
    return build()


def logsumexp_args(with_b):
    @st.composite
    def build(draw):
        s = draw(shapes(0, 3, 1, 4))
        a = draw(hnp.arrays(np.float64, s, elements=st.floats(-3, 3)))
        static = {"axis": draw(axes_of(len(s))), "keepdims": draw(st.booleans())}
        if not with_b:
            return (a,), static
        b = draw(hnp.arrays(np.float64, s, elements=st.floats(0.5, 2.0)))
        return (a, b), static
    return build()


def _nd_axis(elements):
    return with_axes(elements, keepdims=False, tuples=False)


# ----------------------------------------------------------------------------- cases
def _count(args):
    x, static = args[0][0], args[1]
    axis = static["axis"]
    shape = x.shape
    if axis is None:
        return x.size
    axes = (axis,) if isinstance(axis, int) else axis
    return int(np.prod([shape[a] for a in axes], dtype=np.int64))


def _spread(args):
    """Spread the values so that no reduced slice has zero variance (std is smooth)."""
    (x,), static = args
    return (x + 0.3 * np.arange(x.size).reshape(x.shape),), static



def _np_norm():
    """The plain-NumPy route of vector norms, once lnp.linalg.norm is registered."""
    if np.linalg.norm not in HANDLED_FUNCTIONS:
        return None
    return lambda x, ord, axis, keepdims: np.linalg.norm(
        x if axis is not None else np.ravel(x), ord, axis, keepdims)


def _keep_all(x, ord, axis, keepdims):
    # np.linalg.norm of the raveled vector loses the keepdims shape; compare values only
    return vector_norm(x if axis is not None else lnp.reshape(x, -1), ord, axis, keepdims)


CASES = [
    Case("red_prod", lambda x, axis, keepdims: lnp.prod(x, axis=axis, keepdims=keepdims),
         with_axes(signed(0.5, 1.5)), ("prod",),
         np_fn=lambda x, axis, keepdims: np.prod(x, axis=axis, keepdims=keepdims),
         max_examples=N),
    Case("red_prod_zeros", lambda x, axis, keepdims: lnp.prod(x, axis=axis, keepdims=keepdims),
         with_axes(WITH_ZEROS, min_dims=1), ("prod", "cumprod", "concatenate", "getitem"),
         np_fn=lambda x, axis, keepdims: np.prod(x, axis=axis, keepdims=keepdims),
         max_examples=8),
    Case("red_prod_method", lambda x: x.prod(axis=0) * 2.0, with_axes(signed(0.5, 1.5), 1).map(
        lambda a: (a[0], {})), ("prod",), np_fn=lambda x: np.prod(x, axis=0) * 2.0,
         max_examples=N),
    Case("red_cumprod", lambda x, axis: lnp.cumprod(x, axis=axis), scan_axis(signed(0.5, 1.5)),
         ("cumprod", "cumsum"), np_fn=lambda x, axis: np.cumprod(x, axis=axis),
         max_examples=N),
    Case("red_cumprod_zeros", lambda x, axis: lnp.cumprod(x, axis=axis), scan_axis(WITH_ZEROS),
         ("cumprod",), np_fn=lambda x, axis: np.cumprod(x, axis=axis), max_examples=8),
    Case("red_cumsum", lambda x, axis: lnp.cumsum(x, axis=axis), scan_axis(st.floats(-2, 2)),
         ("cumsum",), np_fn=lambda x, axis: np.cumsum(x, axis=axis), max_examples=N),
    Case("red_cumsum_methods", lambda x: x.cumsum(0) * x.cumprod(-1),
         scan_axis(signed(0.5, 1.5)).filter(lambda a: a[0][0].ndim > 0).map(
             lambda a: (a[0], {})), ("cumsum", "cumprod"),
         np_fn=lambda x: np.cumsum(x, 0) * np.cumprod(x, -1), max_examples=N),
    Case("red_cumulative", lambda x: lnp.cumulative_sum(x, include_initial=True)
         + lnp.cumulative_prod(x, include_initial=True),
         hnp.arrays(np.float64, st.integers(0, 4), elements=signed(0.5, 1.5)).map(
             lambda a: ((a,), {})), ("cumsum", "cumprod", "concatenate"),
         np_fn=lambda x: np.cumulative_sum(x, include_initial=True)
         + np.cumulative_prod(x, include_initial=True), max_examples=N),
    Case("red_max", lambda x, axis, keepdims: lnp.max(x, axis=axis, keepdims=keepdims),
         distinct(), ("reduce_max",),
         np_fn=lambda x, axis, keepdims: np.max(x, axis=axis, keepdims=keepdims),
         max_examples=N),
    Case("red_min", lambda x, axis, keepdims: lnp.min(x, axis=axis, keepdims=keepdims),
         distinct(), ("reduce_min",),
         np_fn=lambda x, axis, keepdims: np.min(x, axis=axis, keepdims=keepdims),
         max_examples=N),
    Case("red_amax_amin", lambda x, axis, keepdims: lnp.amax(x, axis, keepdims=keepdims)
         - 2.0 * lnp.amin(x, axis, keepdims=keepdims), distinct(),
         ("reduce_max", "reduce_min"),
         np_fn=lambda x, axis, keepdims: np.amax(x, axis, keepdims=keepdims)
         - 2.0 * np.amin(x, axis, keepdims=keepdims), max_examples=N),
    Case("red_max_initial", lambda x: lnp.max(x, initial=0.125) + lnp.min(x, initial=-0.025),
         distinct().map(lambda a: (a[0], {})), ("reduce_max", "reduce_min", "maximum",
                                                "minimum"),
         np_fn=lambda x: np.max(x, initial=0.125) + np.min(x, initial=-0.025), max_examples=N),
    Case("red_max_methods", lambda x, axis, keepdims: x.max(axis, keepdims=keepdims)
         * x.min(axis, keepdims=keepdims), distinct(), ("reduce_max", "reduce_min"),
         np_fn=lambda x, axis, keepdims: np.max(x, axis, keepdims=keepdims)
         * np.min(x, axis, keepdims=keepdims), max_examples=N),
    Case("red_ptp", lambda x, axis, keepdims: lnp.ptp(x, axis=axis, keepdims=keepdims),
         distinct(), ("reduce_max", "reduce_min"),
         np_fn=lambda x, axis, keepdims: np.ptp(x, axis=axis, keepdims=keepdims),
         max_examples=N),
    Case("red_var", lambda x, axis, keepdims, ddof: lnp.var(x, axis, ddof=ddof,
                                                           keepdims=keepdims),
         with_axes(st.floats(-2, 2), extra=st.fixed_dictionaries({"ddof": st.sampled_from(
             [0, 1])})).filter(lambda a: _count(a) > a[1]["ddof"]), ("sum", "mul"),
         np_fn=lambda x, axis, keepdims, ddof: np.var(x, axis, ddof=ddof, keepdims=keepdims),
         max_examples=N),
    Case("red_std", lambda x, axis, keepdims: lnp.std(x, axis=axis, keepdims=keepdims),
         with_axes(st.floats(-2, 2), min_dims=1).map(_spread).filter(lambda a: _count(a) > 1),
         ("sqrt", "sum"),
         np_fn=lambda x, axis, keepdims: np.std(x, axis=axis, keepdims=keepdims),
         max_examples=N),
    Case("red_std_ddof_method", lambda x: x.std(ddof=1) + lnp.var(x, correction=1),
         with_axes(st.floats(-2, 2), min_dims=1).map(_spread).filter(
             lambda a: a[0][0].size > 1).map(lambda a: (a[0], {})), ("sqrt",),
         np_fn=lambda x: np.std(x, ddof=1) + np.var(x, ddof=1), max_examples=N),
    Case("red_var_complex", lambda z: lnp.var(z, axis=-1),
         st.tuples(hnp.arrays(np.float64, (3, 4), elements=st.floats(-2, 2)),
                   hnp.arrays(np.float64, (3, 4), elements=st.floats(-2, 2))).map(
             lambda ab: ((ab[0] + 1j * ab[1],), {})), ("real", "conj"),
         np_fn=lambda z: np.var(z, axis=-1), max_examples=N),
    Case("red_average", lambda a, w, axis, keepdims: lnp.average(a, axis, w, keepdims=keepdims),
         weighted(), ("sum", "div"),
         np_fn=lambda a, w, axis, keepdims: np.average(a, axis, w, keepdims=keepdims),
         max_examples=N),
    Case("red_average_returned", lambda a, w: lnp.average(a, 0, w, returned=True),
         weighted().map(lambda a: (a[0], {})).filter(
             lambda a: a[0][1].shape in (a[0][0].shape, a[0][0].shape[:1])),
         ("sum", "div", "broadcast_to"),
         np_fn=lambda a, w: np.average(a, 0, w, returned=True), max_examples=N),
    Case("red_average_unweighted", lambda x, axis, keepdims: lnp.average(
        x, axis, keepdims=keepdims), with_axes(st.floats(-2, 2)), ("sum",),
         np_fn=lambda x, axis, keepdims: np.average(x, axis, keepdims=keepdims),
         max_examples=N),
    Case("red_trace_offset", lambda a: lnp.trace(a, 1) + lnp.trace(a, -1, 0, 1),
         hnp.arrays(np.float64, st.sampled_from([(3, 3), (2, 4), (4, 2, 3)]),
                    elements=st.floats(-2, 2)).map(lambda a: ((a,), {})), ("einsum",),
         np_fn=lambda a: np.trace(a, 1) + np.trace(a, -1, 0, 1), max_examples=N),
    Case("red_vector_norm", _keep_all, norm_args(), ("abs", "pow", "sqrt", "reduce_max",
                                                     "reduce_min"),
         np_fn=_np_norm(), max_examples=10),
    Case("red_vector_norm_complex", lambda z: vector_norm(z, axis=-1).sum()
         + vector_norm(z, 1, axis=0).sum() + vector_norm(z, np.inf) + vector_norm(z, 3),
         st.tuples(hnp.arrays(np.float64, (3, 2), elements=signed(0.2, 2)),
                   hnp.arrays(np.float64, (3, 2), elements=signed(0.2, 2))).map(
             lambda ab: ((ab[0] + 1j * (ab[1] + 0.01 * np.arange(6).reshape(3, 2)),), {})),
         ("abs", "real"), max_examples=N),
    Case("red_no_tangent", lambda x: x * lnp.argmax(x) + lnp.argmin(x, axis=-1, keepdims=True) * x
         + lnp.count_nonzero(x) * x + lnp.any(x > 0) * x + lnp.all(x > 0) * x
         + x.argmax() * x + x.any() * x + x.all() * x,
         distinct(1).map(lambda a: (a[0], {})), (),
         np_fn=lambda x: x * np.argmax(x) + np.argmin(x, axis=-1, keepdims=True) * x
         + np.count_nonzero(x) * x + np.any(x > 0) * x + np.all(x > 0) * x
         + np.argmax(x) * x + np.any(x) * x + np.all(x) * x, max_examples=N),
    Case("red_logsumexp", lambda a, axis, keepdims: special.logsumexp(a, axis,
                                                                      keepdims=keepdims),
         logsumexp_args(False), ("exp", "log", "sum"), max_examples=N),
    Case("red_logsumexp_b", lambda a, b, axis, keepdims: special.logsumexp(
        a, axis, b, keepdims), logsumexp_args(True), ("exp", "log", "mul"), max_examples=N),
    Case("red_logsumexp_sign", lambda a, b: special.logsumexp(a, -1, b - 1.2,
                                                              return_sign=True)[0],
         st.tuples(hnp.arrays(np.float64, (2, 3), elements=st.floats(-2, 2)),
                   hnp.arrays(np.float64, (2, 3), elements=st.floats(0.5, 2.0))).map(
             lambda ab: (ab, {})).filter(lambda ab: np.all(np.abs(
                 (np.exp(ab[0][0]) * (ab[0][1] - 1.2)).sum(-1)) > 0.1)),
         ("abs", "log"), max_examples=N),
    Case("red_softmax", lambda a, axis, keepdims: special.softmax(a, axis),
         logsumexp_args(False), ("exp", "div"), max_examples=N),
    Case("red_log_softmax", lambda a, axis, keepdims: special.log_softmax(a, axis),
         logsumexp_args(False), ("exp", "log"), max_examples=N),
]

