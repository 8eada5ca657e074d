"""Cases for the order statistics, NaN-ignoring reductions, cov/corrcoef, ``where=`` /
``initial=`` and the ufunc methods (``reduce``, ``accumulate``, ``outer``, ``reduceat``).

Inputs are kept away from ties (distinct values, spaced apart) and, where ``q`` is
traced, away from the knots of the piecewise-linear dependence on ``q``; ties are
tested in ``tests/test_statistics.py``.  The NaN cases put NaN at drawn positions but
keep at least one valid entry in every reduced slice.
"""
import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import linad.numpy as lnp
from systematic import Case, shapes
from cases.reductions import axes_of

N = 5  # hypothesis examples per case

METHODS = ["inverted_cdf", "averaged_inverted_cdf", "closest_observation",
           "interpolated_inverted_cdf", "hazen", "weibull", "linear", "median_unbiased",
           "normal_unbiased", "lower", "higher", "midpoint", "nearest"]
NAN_REDUCTIONS = ["nansum", "nanprod", "nanmean", "nanvar", "nanstd", "nanmax", "nanmin",
                  "nanmedian"]


# ----------------------------------------------------------------------------- strategies

def _spread_values(draw, s):
    """Distinct values of shape ``s`` with gaps of at least 0.2 (no ties, no near-ties)."""
    n = int(np.prod(s, dtype=np.int64))
    perm = np.array(draw(st.permutations(range(n))), dtype=float).reshape(s)
    noise = draw(hnp.arrays(np.float64, s, elements=st.floats(0.0, 0.05)))
    return (perm - n / 2) * 0.3 + noise


def _positive_values(draw, s):
    """Distinct values of shape ``s`` in [0.5, 2] (for products, quotients and logs)."""
    n = int(np.prod(s, dtype=np.int64))
    perm = np.array(draw(st.permutations(range(n))), dtype=float).reshape(s)
    noise = draw(hnp.arrays(np.float64, s, elements=st.floats(0.0, 0.2)))
    return 0.5 + 1.5 * (perm + noise) / n


def _tuple_axes(axis, nd):
    if axis is None:
        return tuple(range(nd))
    return tuple(a % nd for a in ((axis,) if isinstance(axis, int) else axis))


def distinct_axes(min_dims=0, extra=None, nan=False):
    """(x,), {"axis", "keepdims", ...extra}: distinct values, optionally with NaN entries."""
    @st.composite
    def build(draw):
        s = draw(shapes(min_dims, 3, 1, 4))
        x = _spread_values(draw, s)
        static = {"axis": draw(axes_of(len(s))), "keepdims": draw(st.booleans())}
        if nan:
            mask = draw(hnp.arrays(bool, s))
            axes = _tuple_axes(static["axis"], len(s))
            mask[tuple(slice(0, 1) if i in axes else slice(None) for i in range(len(s)))] = False
            x = np.where(mask, np.nan, x)
        if extra is not None:
            static.update(draw(extra))
        return (x,), static
    return build()


def _q():
    return st.one_of(st.sampled_from([0.0, 0.3, 0.5, 1.0]),
                     st.just(np.array([0.1, 0.65, 0.9])), st.just(np.array([[0.2], [0.8]])))


def traced_q(method):
    """(x, q), {"method"}: a vector of 5 values and q whose virtual index is off the knots."""
    @st.composite
    def build(draw):
        x = _spread_values(draw, (5,))
        k = draw(st.integers(0, 3))
        frac = draw(st.floats(0.15, 0.85))
        vi = k + frac  # the "linear" virtual index (n - 1) q
        return (x, np.array([vi / 4, (4 - vi) / 4])), {"method": method}
    return build()


def scan_args(nan=False):
    """(x,), {"axis"}: distinct values, an int axis or None."""
    @st.composite
    def build(draw):
        s = draw(shapes(1, 3, 1, 4))
        x = _positive_values(draw, s)
        if nan:
            x = np.where(draw(hnp.arrays(bool, s)), np.nan, x)
        return (x,), {"axis": draw(st.sampled_from([None] + list(range(-len(s), len(s)))))}
    return build()


def with_nonfinite():
    @st.composite
    def build(draw):
        s = draw(shapes(1, 3, 1, 4))
        x = draw(hnp.arrays(np.float64, s, elements=st.floats(-2, 2)))
        kind = draw(hnp.arrays(np.int8, s, elements=st.integers(0, 5)))
        x = np.where(kind == 1, np.nan, np.where(kind == 2, np.inf, np.where(
            kind == 3, -np.inf, x)))
        return (x,), {}
    return build()


def cov_args(with_y=False):
    @st.composite
    def build(draw):
        nvar, nobs = draw(st.integers(1, 3)), draw(st.integers(3, 6))
        rowvar = draw(st.booleans())
        shape = (nvar, nobs) if rowvar else (nobs, nvar)
        m = draw(hnp.arrays(np.float64, shape, elements=st.floats(-2, 2)))
        m = m + 0.5 * np.arange(nobs).reshape((1, nobs) if rowvar else (nobs, 1))
        static = {"rowvar": rowvar, "bias": draw(st.booleans()),
                  "fweights": draw(st.one_of(st.none(), hnp.arrays(
                      np.int64, nobs, elements=st.integers(1, 3)))),
                  "aweights": draw(st.one_of(st.none(), hnp.arrays(
                      np.float64, nobs, elements=st.floats(0.5, 2.0))))}
        if not with_y:
            return (m,), static
        y = draw(hnp.arrays(np.float64, shape, elements=st.floats(-2, 2)))
        return (m, y), {"rowvar": rowvar}
    return build()


def corr_args():
    @st.composite
    def build(draw):
        nvar, nobs = draw(st.integers(2, 3)), draw(st.integers(4, 6))
        m = draw(hnp.arrays(np.float64, (nvar, nobs), elements=st.floats(-2, 2)))
        # far from perfectly correlated: a different spread pattern per variable
        m = m + np.sin(np.arange(nobs)[None, :] * (1.0 + np.arange(nvar)[:, None]))
        return (m,), {}
    return build()


def masked(extreme=False):
    """(x,), {"axis", "keepdims", "where"} with every reduced slice keeping >= 2 entries."""
    @st.composite
    def build(draw):
        s = draw(shapes(1, 3, 2, 4))
        x = _spread_values(draw, s)
        axis = draw(axes_of(len(s)))
        axis = None if axis == () else axis  # every slice keeps two entries
        mask = draw(hnp.arrays(bool, s))
        axes = _tuple_axes(axis, len(s))
        keep = tuple(slice(0, 2) if i in axes else slice(None) for i in range(len(s)))
        mask[keep] = True
        static = {"axis": axis, "keepdims": draw(st.booleans()), "where": mask}
        return (x,), static
    return build()


def ufunc_axis():
    @st.composite
    def build(draw):
        s = draw(shapes(1, 3, 1, 4))
        x = _positive_values(draw, s)
        return (x,), {"axis": draw(st.sampled_from(list(range(-len(s), len(s)))))}
    return build()


def outer_pair():
    return st.tuples(hnp.arrays(np.float64, shapes(0, 2, 1, 3), elements=st.floats(0.5, 2)),
                     hnp.arrays(np.float64, shapes(0, 2, 1, 3), elements=st.floats(0.5, 2))
                     ).map(lambda ab: (ab, {}))


# ----------------------------------------------------------------------------- functions

def _quantile(mod):
    return lambda x, axis, keepdims, q, method: mod.quantile(x, q, axis=axis, method=method,
                                                             keepdims=keepdims)


def _nan_reduction(mod):
    return lambda x, axis, keepdims, name: getattr(mod, name)(x, axis=axis, keepdims=keepdims)


def _masked_reductions(mod):
    def f(x, axis, keepdims, where):
        kw = {"axis": axis, "keepdims": keepdims, "where": where}
        return (mod.sum(x, **kw) + mod.mean(x, **kw) * mod.prod(x * 0.2 + 1.0, **kw)
                + mod.var(x, **kw) + mod.std(x, ddof=1, **kw)
                + mod.max(x, initial=-10.0, **kw) - mod.min(x, initial=10.0, **kw)
                + mod.nansum(x, **kw) + mod.nanmean(x, **kw))
    return f


def _ufunc_reduce(x, axis):
    return (np.add.reduce(x, axis) + np.multiply.reduce(x, axis=axis)
            + np.maximum.reduce(x, axis) - np.minimum.reduce(x, axis, initial=0.25)
            + np.logaddexp.reduce(x, axis) + np.logaddexp2.reduce(x, axis)
            + np.hypot.reduce(x, axis) + np.subtract.reduce(x, axis)
            + np.divide.reduce(x, axis))


def _ufunc_accumulate(x, axis):
    return (np.add.accumulate(x, axis) + np.multiply.accumulate(x, axis)
            + np.maximum.accumulate(x, axis) - np.minimum.accumulate(x, axis)
            + np.logaddexp.accumulate(x, axis) + np.logaddexp2.accumulate(x, axis)
            + np.hypot.accumulate(x, axis) + np.subtract.accumulate(x, axis)
            + np.divide.accumulate(x, axis))


def _ufunc_reduceat(x, axis):
    idx = [0, 2, 1] if x.shape[axis] > 2 else [0]
    return (np.add.reduceat(x, idx, axis) * np.multiply.reduceat(x, idx, axis)
            + np.maximum.reduceat(x, idx, axis) - np.minimum.reduceat(x, idx, axis))


def _lnp_reduceat(x, axis):
    """The same as _ufunc_reduceat, written with linad.numpy reductions of slices."""
    n = x.shape[axis]
    idx = [0, 2, 1] if n > 2 else [0]
    bounds = [(i, (idx[k + 1] if k + 1 < len(idx) else n)) for k, i in enumerate(idx)]
    pieces = [lnp.take(x, np.arange(i, j if j > i else i + 1), axis=axis) for i, j in bounds]
    red = [(lnp.sum(p, axis, keepdims=True) * lnp.prod(p, axis, keepdims=True)
            + lnp.max(p, axis, keepdims=True) - lnp.min(p, axis, keepdims=True))
           for p in pieces]
    return lnp.concatenate(red, axis)


def _outer(x, y):
    return (np.add.outer(x, y) + np.subtract.outer(x, y) * np.multiply.outer(x, y)
            + np.divide.outer(x, y) + np.power.outer(x, y) + np.hypot.outer(x, y))


CASES = [
    Case("stat_quantile", _quantile(lnp),
         distinct_axes(extra=st.fixed_dictionaries({"q": _q(), "method": st.sampled_from(
             METHODS)})), ("getitem", "where", "sub", "mul", "add"), np_fn=_quantile(np),
         max_examples=12),
    Case("stat_median_percentile", lambda x, axis, keepdims: lnp.median(
        x, axis=axis, keepdims=keepdims) + lnp.percentile(x, 30, axis=axis, keepdims=keepdims),
         distinct_axes(), ("getitem",),
         np_fn=lambda x, axis, keepdims: np.median(x, axis=axis, keepdims=keepdims)
         + np.percentile(x, 30, axis=axis, keepdims=keepdims), max_examples=N),
    Case("stat_quantile_traced_q", lambda x, q, method: lnp.quantile(x, q, method=method),
         st.sampled_from(["linear", "hazen", "weibull", "median_unbiased", "normal_unbiased",
                          "interpolated_inverted_cdf"]).flatmap(traced_q),
         ("getitem", "sub", "mul"),
         np_fn=lambda x, q, method: np.quantile(x, q, method=method), max_examples=8),
    Case("stat_percentile_traced_q", lambda x, q, method: lnp.percentile(x, q * 100.0)
         + lnp.nanpercentile(x, q * 100.0, method=method),
         traced_q("hazen"), ("getitem", "div"),
         np_fn=lambda x, q, method: np.percentile(x, q * 100.0)
         + np.nanpercentile(x, q * 100.0, method=method), max_examples=N),
    Case("stat_nanquantile", lambda x, axis, keepdims, q, method: lnp.nanquantile(
        x, q, axis=axis, method=method, keepdims=keepdims),
         distinct_axes(nan=True, extra=st.fixed_dictionaries({"q": _q(), "method":
                                                             st.sampled_from(METHODS)})),
         ("getitem", "where"),
         np_fn=lambda x, axis, keepdims, q, method: np.nanquantile(
             x, q, axis=axis, method=method, keepdims=keepdims), max_examples=12),
    *[Case(f"stat_{name}", _nan_reduction(lnp),
           distinct_axes(nan=True, extra=st.fixed_dictionaries({"name": st.just(name)})),
           ("where", "sum", "prod", "reduce_max", "reduce_min", "sqrt"),
           np_fn=_nan_reduction(np), max_examples=4) for name in NAN_REDUCTIONS],
    Case("stat_nan_scans", lambda x, axis: lnp.nancumsum(x, axis) * lnp.nancumprod(x, axis),
         scan_args(nan=True), ("cumsum", "cumprod", "where"),
         np_fn=lambda x, axis: np.nancumsum(x, axis) * np.nancumprod(x, axis),
         max_examples=N),
    Case("stat_nan_to_num", lambda x: lnp.nan_to_num(x, nan=0.5, posinf=3.0, neginf=-3.0) ** 2,
         with_nonfinite(), ("where",),
         np_fn=lambda x: np.nan_to_num(x, nan=0.5, posinf=3.0, neginf=-3.0) ** 2,
         max_examples=N),
    Case("stat_cov", lambda m, **kw: lnp.cov(m, **kw), cov_args(), ("einsum", "sub", "div"),
         np_fn=lambda m, **kw: np.cov(m, **kw), max_examples=10),
    Case("stat_cov_y", lambda m, y, rowvar: lnp.cov(m, y, rowvar),
         cov_args(with_y=True), ("concatenate", "einsum"),
         np_fn=lambda m, y, rowvar: np.cov(m, y, rowvar), max_examples=N),
    Case("stat_corrcoef", lambda m: lnp.corrcoef(m) + lnp.corrcoef(m[0], m[1]).sum(),
         corr_args(), ("sqrt", "div", "clip"), np_fn=lambda m: np.corrcoef(m)
         + np.corrcoef(m[0], m[1]).sum(), max_examples=N),
    Case("stat_where", _masked_reductions(lnp), masked(), ("where", "sum", "prod",
                                                          "reduce_max", "reduce_min"),
         np_fn=_masked_reductions(np), max_examples=10),
    Case("stat_ufunc_reduce", _ufunc_reduce, ufunc_axis(),
         ("sum", "prod", "reduce_max", "reduce_min", "exp", "log", "log2", "exp2", "sqrt"),
         max_examples=N),
    Case("stat_ufunc_accumulate", _ufunc_accumulate, ufunc_axis(),
         ("cumsum", "cumprod", "logaddexp", "logaddexp2", "hypot", "concatenate"),
         max_examples=N),
    Case("stat_ufunc_reduceat", _lnp_reduceat, ufunc_axis(), ("getitem", "concatenate"),
         np_fn=_ufunc_reduceat, max_examples=N),
    Case("stat_ufunc_outer", _outer, outer_pair(), ("add", "sub", "mul", "div", "pow"),
         max_examples=N),
]
