"""Cases for array manipulation, signals and polynomials in linad.numpy: diff, gradient,
trapezoid, convolve/correlate, interp, unwrap, insert/delete/append/resize, windows,
partition, the functional in-place updates, piecewise, bincount/histogram weights, and
the ``poly*`` functions.

None of these adds a primitive: each case names the primitives its composition
exercises.  Inputs keep away from the points where a function is not differentiable
(interp's knots, unwrap's jump thresholds, ties in partition, repeated roots).
"""
import numpy as np
from hypothesis import strategies as st

import linad.numpy as lnp
from cases.shape import any_shape, axis_of, kw, one
from systematic import Case, arrays

N = 5  # hypothesis examples per case
SWV = np.lib.stride_tricks.sliding_window_view


def args_of(*parts):
    """A strategy of ``(args, static)`` from strategies of the arrays and of the kwargs."""
    *arrs, static = parts
    return st.tuples(st.tuples(*arrs), static)


def vec(lo=1, hi=5, lo_v=-2.0, hi_v=2.0):
    return st.integers(lo, hi).flatmap(lambda n: arrays((n,), lo_v, hi_v))


def increasing(n, lo=0.3, hi=1.0):
    """``n`` increasing coordinates with steps in [lo, hi]."""
    return arrays((n,), lo, hi).map(lambda s: np.cumsum(s) - 1.0)


def complex_vec(lo=1, hi=5):
    return st.integers(lo, hi).flatmap(lambda n: st.tuples(arrays((n,)), arrays((n,)))).map(
        lambda ab: ab[0] + 1j * ab[1])


def _min_gap(x):
    v = np.sort(np.ravel(x))
    return np.inf if v.size < 2 else np.min(np.diff(v))


# ----------------------------------------------------------------------------- diff, gradient

def _array_and_axis(draw, min_side):
    """(shape, an array of it, one of its axes) drawn with ``draw``."""
    s = draw(any_shape(1, 3, min_side, 4))
    return s, draw(arrays(s)), draw(axis_of(len(s)))


def _diff_case():
    @st.composite
    def build(draw):
        s, x, ax = _array_and_axis(draw, 0)
        edge = draw(arrays(()))
        return (x, edge), {"n": draw(st.integers(0, 3)), "axis": ax,
                           "where": draw(st.sampled_from(["prepend", "append", "both"]))}
    return build()


def _diff(x, e, n, axis, where, m=lnp):
    extra = {"prepend": e, "append": e * 2.0} if where == "both" else {where: e}
    return m.diff(x, n, axis, **extra)


def _gradient_case():
    @st.composite
    def build(draw):
        order = draw(st.sampled_from([1, 2]))
        s = draw(any_shape(1, 3, order + 1, 4))
        f = draw(arrays(s))
        nd = len(s)
        kind = draw(st.sampled_from(["none", "scalar", "coords"]))
        ax = draw(st.sampled_from([None, draw(axis_of(nd))]))
        axes = list(range(nd)) if ax is None else [ax % nd]
        coords = tuple(draw(increasing(s[a])) for a in axes) if kind == "coords" else ()
        h = draw(st.floats(0.2, 2.0)) if kind == "scalar" else None
        return (f,) + coords, {"edge_order": order, "axis": ax, "h": h}
    return build()


def _gradient(f, *coords, edge_order, axis, h, m=lnp):
    spacing = coords if coords else (() if h is None else (h,))
    out = m.gradient(f, *spacing, axis=axis, edge_order=edge_order)
    return m.stack(out) if isinstance(out, tuple) else out


def _trapezoid_case():
    @st.composite
    def build(draw):
        s, y, ax = _array_and_axis(draw, 1)
        kind = draw(st.sampled_from(["dx", "x1", "xfull"]))
        if kind == "dx":
            return (y,), {"axis": ax, "dx": draw(st.floats(0.1, 2.0))}
        x = draw(increasing(s[ax])) if kind == "x1" else draw(arrays(s))
        return (y, x), {"axis": ax}
    return build()


# ----------------------------------------------------------------------------- convolve, interp

def _convolve_case(complex_=False):
    make = complex_vec if complex_ else vec
    return args_of(make(), make(), kw(mode=st.sampled_from(["full", "same", "valid"])))


def _interp_case():
    """Samples at increasing ``xp``; query points at least 0.05 from every knot."""
    @st.composite
    def build(draw):
        n = draw(st.integers(2, 5))
        xp = draw(increasing(n, 0.5, 1.0))
        fp = draw(arrays((n,)))
        period = draw(st.sampled_from([None, None, 2.5]))
        lo, hi = xp[0] - 1.0, xp[-1] + 1.0
        pts = draw(st.lists(st.floats(lo, hi), min_size=1, max_size=5))
        knots = xp if period is None else np.concatenate(
            [np.mod(xp, period) + k * period for k in range(-2, 3)])
        pts = [p for p in pts if np.min(np.abs(knots - (p if period is None else
                                                         np.mod(p, period)))) > 0.05]
        pts = np.array(pts or [xp[0] + 0.25])
        if period is not None:
            pts = pts[np.abs(np.mod(pts, period) - period / 2) < period / 2 - 0.05]
            pts = pts if pts.size else np.array([0.3])
        left = draw(st.sampled_from([None, -3.0]))
        return (pts, xp, fp), {"left": left, "period": period}
    return build()


def _unwrap_case():
    """Phases whose steps keep away from the wrap thresholds (odd multiples of pi)."""
    step = st.one_of(st.floats(-2.5, 2.5), st.floats(3.7, 5.8), st.floats(-5.8, -3.7))

    @st.composite
    def build(draw):
        rows = draw(st.integers(1, 2))
        n = draw(st.integers(1, 6))
        steps = np.array(draw(st.lists(step, min_size=rows * n, max_size=rows * n)))
        p = np.cumsum(steps.reshape(rows, n), axis=1)
        axis = draw(st.sampled_from([-1, 1]))
        return (p,), {"axis": axis}
    return build()


# ----------------------------------------------------------------------------- index maps

def _insert_case():
    @st.composite
    def build(draw):
        s = draw(any_shape(1, 3, 1, 4))
        x = draw(arrays(s))
        ax = draw(st.sampled_from([None, draw(axis_of(len(s)))]))
        n = int(np.prod(s)) if ax is None else s[ax]
        kind = draw(st.sampled_from(["int", "list", "slice"]))
        if kind == "int":
            obj = draw(st.integers(-n, n))
        elif kind == "list":
            obj = draw(st.lists(st.integers(-n, n), min_size=1, max_size=3))
        else:
            obj = slice(draw(st.integers(0, n)), None, 2)
        target = np.insert(np.zeros(s), obj, 0.0, axis=ax)  # NumPy's shape of the result
        count = target.size - x.size
        if ax is None:
            vshape = (count,)
        else:
            vshape = list(s)
            vshape[ax] = count // max(1, int(np.prod(s)) // s[ax]) if np.prod(s) else 0
            vshape = tuple(vshape)
            if kind == "int":
                vshape = tuple(d for k, d in enumerate(vshape) if k != ax % len(s))
        v = draw(arrays(vshape))
        return (x, v), {"obj": obj, "axis": ax}
    return build()


def _delete_static(s):
    @st.composite
    def build(draw):
        ax = draw(st.sampled_from([None, draw(axis_of(len(s)))]))
        n = int(np.prod(s)) if ax is None else s[ax]
        kind = draw(st.sampled_from(["list", "slice", "mask"]))
        if kind == "list" and n:
            obj = draw(st.lists(st.integers(-n, n - 1), max_size=3))
        elif kind == "mask":
            obj = np.array(draw(st.lists(st.booleans(), min_size=n, max_size=n)), bool)
        else:
            obj = slice(draw(st.integers(0, n)), None, draw(st.sampled_from([1, 2, -1])))
        return {"obj": obj, "axis": ax}
    return build()


def _append_case():
    @st.composite
    def build(draw):
        s = draw(any_shape(1, 3, 1, 3))
        ax = draw(st.sampled_from([None, draw(axis_of(len(s)))]))
        t = list(s)
        if ax is not None:
            t[ax] = draw(st.integers(0, 3))
        else:
            t = list(draw(any_shape(0, 2, 0, 3)))
        return (draw(arrays(s)), draw(arrays(tuple(t)))), {"axis": ax}
    return build()


def _window_static(s):
    @st.composite
    def build(draw):
        nd = len(s)
        ax = draw(st.sampled_from([None, draw(axis_of(nd))]))
        axes = list(range(nd)) if ax is None else [ax]
        window = tuple(draw(st.integers(1, max(1, s[a]))) for a in axes)
        return {"window_shape": window if len(window) != 1 else window[0], "axis": ax}
    return build()


def _rollaxis_static(s):
    nd = len(s)
    return kw(axis=axis_of(nd), start=st.integers(-nd, nd))


def _distinct(shape_st, gap=1e-3):
    return arrays(shape_st).filter(lambda x: _min_gap(x) > gap)


def _partition_case():
    @st.composite
    def build(draw):
        s = draw(any_shape(1, 3, 1, 4))
        x = draw(_distinct(st.just(s)))
        ax = draw(st.sampled_from([None, draw(axis_of(len(s)))]))
        n = x.size if ax is None else s[ax]
        kth = draw(st.lists(st.integers(-n, n - 1), min_size=1, max_size=2))
        return (x,), {"kth": kth if len(kth) > 1 else kth[0], "axis": ax}
    return build()


# ----------------------------------------------------------------------------- in-place forms

def _fill_diagonal_case():
    @st.composite
    def build(draw):
        shape = draw(st.sampled_from([(3, 3), (2, 4), (5, 2), (2, 2, 2)]))
        wrap = draw(st.booleans())
        k = draw(st.integers(1, 3))
        return (draw(arrays(shape)), draw(arrays((k,)))), {"wrap": wrap}
    return build()


def _put_case():
    @st.composite
    def build(draw):
        s = draw(any_shape(1, 2, 1, 4))
        size = int(np.prod(s))
        mode = draw(st.sampled_from(["raise", "wrap", "clip"]))
        span = size if mode == "raise" else 2 * size
        ind = draw(st.lists(st.integers(-size if mode == "raise" else -span, span - 1),
                            min_size=1, max_size=4))
        v = draw(arrays((draw(st.integers(1, 3)),)))
        return (draw(arrays(s)), v), {"ind": ind, "mode": mode}
    return build()


def _put_along_case():
    """Indices distinct along ``axis`` in each lane (no write is overwritten)."""
    @st.composite
    def build(draw):
        s = draw(any_shape(1, 3, 1, 3))
        ax = draw(axis_of(len(s)))
        k = draw(st.integers(1, s[ax]))
        order = np.argsort(draw(arrays(s)), axis=ax)
        ind = np.take(order, np.arange(k), axis=ax)
        return (draw(arrays(s)), draw(arrays(ind.shape))), {"ind": ind, "axis": ax}
    return build()


def _piecewise(x, m=lnp):
    return m.piecewise(x, [x < -0.5, x > 0.5], [lambda v: v ** 2, lambda v: m.sin(v) * 2.0,
                                                  lambda v: -v])


def _histogram_case():
    @st.composite
    def build(draw):
        n = draw(st.integers(1, 8))
        a = np.array(draw(st.lists(st.floats(-2.0, 2.0), min_size=n, max_size=n)))
        bins = draw(st.sampled_from([3, [-1.0, 0.0, 0.5, 2.0]]))
        return (draw(arrays((n,))),), {"a": a, "bins": bins,
                                        "density": draw(st.booleans())}
    return build()


def _bincount_case():
    @st.composite
    def build(draw):
        n = draw(st.integers(1, 6))
        xs = np.array(draw(st.lists(st.integers(0, 4), min_size=n, max_size=n)))
        return (draw(arrays((n,))),), {"xs": xs, "minlength": draw(st.integers(0, 7))}
    return build()


# ----------------------------------------------------------------------------- polynomials

def _polyfit_case():
    @st.composite
    def build(draw):
        n = draw(st.integers(3, 7))
        deg = draw(st.integers(0, min(3, n - 1)))
        x = np.linspace(-1.0, 1.0, n) + draw(arrays((n,), -0.05, 0.05))
        y = draw(arrays((n,) if draw(st.booleans()) else (n, 2)))
        w = draw(arrays((n,), 0.5, 1.5))
        return (y, w), {"x": x, "deg": deg}
    return build()


def _roots_case():
    """Coefficients of polynomials with well separated roots (real, or one complex pair)."""
    @st.composite
    def build(draw):
        k = draw(st.integers(1, 4))
        r = np.sort(draw(arrays((k,), -2.0, 2.0)))
        r = r + 0.6 * np.arange(k)  # gaps of at least 0.6
        if k >= 2 and draw(st.booleans()):
            r = np.concatenate([r[:-2], [r[-2] + 0.8j, r[-2] - 0.8j]])
        scale = draw(st.sampled_from([1.0, -2.0]))
        return (scale * np.real(np.poly(r)),), {}
    return build()


def _poly_matrix_case():
    @st.composite
    def build(draw):
        n = draw(st.integers(1, 3))
        return (draw(arrays((n, n))),), {}
    return build()


def _poly2(name):
    def fn(a, b, m=lnp):
        return getattr(m, name)(a, b)
    return fn


def _polydiv_case():
    @st.composite
    def build(draw):
        u = draw(vec(1, 5))
        v = draw(vec(1, 3))
        v[0] = (1.0 if v[0] >= 0 else -1.0) * (abs(v[0]) + 0.5)
        return (u, v), {}
    return build()


def _polyint(p, k, m, mod=lnp):
    return mod.polyint(p, m, k if m else None)


CASES = [
    # ----------------------------------------------------------------- differences, integrals
    Case("man_diff", _diff, _diff_case(), ("getitem", "sub", "concatenate", "broadcast_to"),
         max_examples=N, np_fn=lambda x, e, **s: _diff(x, e, m=np, **s)),
    Case("man_ediff1d", lambda x, b: lnp.ediff1d(x, to_end=[1.0, -1.0], to_begin=b),
         args_of(arrays(any_shape(0, 3, 0, 3)), arrays(any_shape(0, 1, 0, 2)), st.just({})),
         ("getitem", "sub", "concatenate"), max_examples=N,
         np_fn=lambda x, b: np.ediff1d(x, to_end=[1.0, -1.0], to_begin=b)),
    Case("man_gradient", _gradient, _gradient_case(), ("getitem", "mul", "div", "concatenate"),
         max_examples=N, np_fn=lambda f, *c, **s: _gradient(f, *c, m=np, **s)),
    Case("man_trapezoid", lambda y, *x, axis, dx=1.0: lnp.trapezoid(y, *x, dx=dx, axis=axis),
         _trapezoid_case(), ("getitem", "add", "mul", "sum"), max_examples=N,
         np_fn=lambda y, *x, axis, dx=1.0: np.trapezoid(y, *x, dx=dx, axis=axis)),
    # ----------------------------------------------------------------- signals
    Case("man_convolve", lambda a, v, mode: lnp.convolve(a, v, mode), _convolve_case(),
         ("einsum", "getitem", "scatter_add"), max_examples=N,
         np_fn=lambda a, v, mode: np.convolve(a, v, mode)),
    Case("man_correlate_complex", lambda a, v, mode: lnp.correlate(a, v, mode),
         _convolve_case(True), ("einsum", "getitem", "conj"), max_examples=N,
         np_fn=lambda a, v, mode: np.correlate(a, v, mode)),
    Case("man_interp", lambda x, xp, fp, **s: lnp.interp(x, xp, fp, **s), _interp_case(),
         ("getitem", "sub", "div", "where"), max_examples=N,
         np_fn=lambda x, xp, fp, **s: np.interp(x, xp, fp, **s)),
    Case("man_unwrap", lambda p, axis: lnp.unwrap(p, axis=axis), _unwrap_case(), ("add",),
         max_examples=N, np_fn=lambda p, axis: np.unwrap(p, axis=axis)),
    # ----------------------------------------------------------------- index maps
    Case("man_insert", lambda x, v, obj, axis: lnp.insert(x, obj, v, axis),
         _insert_case(), ("getitem", "concatenate", "reshape"), max_examples=N,
         np_fn=lambda x, v, obj, axis: np.insert(x, obj, v, axis)),
    Case("man_delete", lambda x, obj, axis: lnp.delete(x, obj, axis),
         one(any_shape(1, 3, 0, 4), _delete_static), ("getitem",), max_examples=N,
         np_fn=lambda x, obj, axis: np.delete(x, obj, axis)),
    Case("man_append", lambda x, v, axis: lnp.append(x, v, axis), _append_case(),
         ("concatenate",), max_examples=N, np_fn=lambda x, v, axis: np.append(x, v, axis)),
    Case("man_resize", lambda x, shape: lnp.resize(x, shape),
         one(any_shape(0, 3, 1, 3), lambda s: kw(shape=st.lists(st.integers(0, 4),
                                                                max_size=3).map(tuple))),
         ("getitem",), max_examples=N, np_fn=lambda x, shape: np.resize(x, shape)),
    Case("man_sliding_window_view", lambda x, **s: lnp.sliding_window_view(x, **s),
         one(any_shape(1, 3, 1, 4), _window_static), ("getitem",), max_examples=N,
         np_fn=lambda x, **s: SWV(x, **s)),
    Case("man_rollaxis_copy", lambda x, axis, start: lnp.rollaxis(lnp.copy(x), axis, start),
         one(any_shape(1, 4, 1, 3), _rollaxis_static), ("transpose",), max_examples=N,
         np_fn=lambda x, axis, start: np.rollaxis(np.copy(x), axis, start)),
    Case("man_apply_along_axis",
         lambda x, axis: lnp.apply_along_axis(lambda r: lnp.outer(r, r.sum() * r), axis, x),
         one(any_shape(1, 3, 1, 3), lambda s: kw(axis=axis_of(len(s)))),
         ("einsum", "getitem", "concatenate"), max_examples=N,
         np_fn=lambda x, axis: np.apply_along_axis(lambda r: np.outer(r, r.sum() * r), axis, x)),
    # ----------------------------------------------------------------- partial sorts
    Case("man_partition", lambda x, kth, axis: lnp.partition(x, kth, axis), _partition_case(),
         ("getitem",), max_examples=N, np_fn=lambda x, kth, axis: np.partition(x, kth, axis)),
    Case("man_sort_complex", lnp.sort_complex, args_of(_distinct(any_shape(1, 2, 1, 4)),
                                                       st.just({})),
         ("getitem", "convert"), max_examples=N, np_fn=np.sort_complex),
    # ----------------------------------------------------------------- functional updates
    Case("man_fill_diagonal", lambda a, v, wrap: lnp.fill_diagonal(a, v, wrap),
         _fill_diagonal_case(), ("where", "scatter_add", "getitem"), max_examples=N),
    Case("man_put", lambda a, v, ind, mode: lnp.put(a, ind, v, mode), _put_case(),
         ("where", "scatter_add"), max_examples=N),
    Case("man_put_along_axis", lambda x, v, ind, axis: lnp.put_along_axis(x, ind, v, axis),
         _put_along_case(), ("where", "scatter_add"), max_examples=N),
    Case("man_piecewise", _piecewise,
         args_of(arrays(any_shape(0, 2, 0, 4), -2.0, 2.0).filter(
             lambda x: np.all(np.abs(np.abs(x) - 0.5) > 0.05)), st.just({})),
         ("where", "scatter_add", "sin"), max_examples=N, np_fn=lambda x: _piecewise(x, np)),
    Case("man_bincount_weights", lambda w, xs, minlength: lnp.bincount(xs, w, minlength),
         _bincount_case(), ("scatter_add", "convert"), max_examples=N,
         np_fn=lambda w, xs, minlength: np.bincount(xs, w, minlength)),
    Case("man_histogram_weights",
         lambda w, a, bins, density: lnp.histogram(a, bins, weights=w, density=density)[0],
         _histogram_case(), ("scatter_add", "div", "sum"), max_examples=N,
         np_fn=lambda w, a, bins, density: np.histogram(a, bins, weights=w,
                                                         density=density)[0]),
    # ----------------------------------------------------------------- polynomials
    Case("man_polyval", lambda p, x: lnp.polyval(p, x),
         args_of(vec(1, 5), arrays(any_shape(0, 2, 0, 3)), st.just({})), ("mul", "add"),
         max_examples=N, np_fn=lambda p, x: np.polyval(p, x)),
    Case("man_vander", lambda x, N, increasing: lnp.vander(x, N, increasing),
         one(any_shape(1, 1, 0, 4), lambda s: kw(N=st.sampled_from([None, 0, 1, 3]),
                                                 increasing=st.booleans())),
         ("mul", "concatenate", "getitem"), max_examples=N,
         np_fn=lambda x, N, increasing: np.vander(x, N, increasing)),
    Case("man_polyfit", lambda y, w, x, deg: lnp.polyfit(x, y, deg, w=w), _polyfit_case(),
         ("pinv", "einsum", "mul", "div", "sqrt"), max_examples=N, rtol=1e-5, atol=1e-6,
         np_fn=lambda y, w, x, deg: np.polyfit(x, y, deg, w=w)),
    Case("man_polyder_polyint", lambda p, k, m: lnp.polyder(_polyint(p, k, m), m + 1),
         args_of(vec(1, 5), arrays((3,)), kw(m=st.integers(0, 3))),
         ("mul", "div", "concatenate"), max_examples=N,
         np_fn=lambda p, k, m: np.polyder(_polyint(p, k, m, np), m + 1)),
    Case("man_polyadd", _poly2("polyadd"), args_of(vec(), vec(), st.just({})),
         ("add", "scatter_add"), max_examples=N, np_fn=lambda a, b: _poly2("polyadd")(a, b, np)),
    Case("man_polysub", _poly2("polysub"), args_of(vec(), vec(), st.just({})),
         ("sub", "scatter_add"), max_examples=N, np_fn=lambda a, b: _poly2("polysub")(a, b, np)),
    Case("man_polymul", _poly2("polymul"), args_of(vec(), vec(), st.just({})),
         ("einsum",), max_examples=N, np_fn=lambda a, b: _poly2("polymul")(a, b, np)),
    Case("man_polydiv", lambda u, v: lnp.concatenate(lnp.polydiv(u, v)), _polydiv_case(),
         ("div", "mul", "scatter_add"), max_examples=N, atol=1e-6, rtol=1e-5,
         np_fn=lambda u, v: np.concatenate(np.polydiv(u, v))),
    Case("man_poly", lnp.poly, args_of(vec(1, 4), st.just({})), ("mul", "sub"),
         max_examples=N, np_fn=np.poly),
    Case("man_poly_matrix", lnp.poly, _poly_matrix_case(), ("eig",), order=1,
         max_examples=N, rtol=1e-5, atol=1e-6, np_fn=np.poly),
    Case("man_roots", lambda p: lnp.sort_complex(lnp.roots(p)), _roots_case(),
         ("eig", "div", "pinv"), order=1, max_examples=N, rtol=1e-5, atol=1e-6,
         np_fn=lambda p: np.sort_complex(np.roots(p))),
    # ------------------------------------------------------------------ log-spaced ranges
    Case("man_logspace", lambda a, b, base, num, endpoint: lnp.logspace(
        a, b, num, endpoint=endpoint, base=base),
         args_of(arrays((), -1.0, 1.0), arrays((), -1.0, 1.0), arrays((), 1.5, 3.0),
                 kw(num=st.integers(1, 5), endpoint=st.booleans())), ("pow",),
         max_examples=N, np_fn=lambda a, b, base, num, endpoint: np.logspace(
             a, b, num, endpoint=endpoint, base=base)),
    Case("man_geomspace", lambda a, b, num, endpoint, sign: lnp.geomspace(
        sign * a, sign * b, num, endpoint=endpoint),
         args_of(arrays((), 0.5, 2.0), arrays((), 0.5, 2.0),
                 kw(num=st.integers(1, 5), endpoint=st.booleans(), sign=st.sampled_from([1, -1]))),
         ("pow",), max_examples=N, np_fn=lambda a, b, num, endpoint, sign: np.geomspace(
             sign * a, sign * b, num, endpoint=endpoint)),
    # ------------------------------------------------------------------ trimming, axes
    Case("man_trim_zeros", lambda x, trim, axis: lnp.trim_zeros(x * _zero_frame(x), trim, axis),
         one(any_shape(1, 2, 1), lambda s: kw(trim=st.sampled_from(["f", "b", "fb"]),
                                              axis=st.sampled_from([None, 0, -1])), lo=0.2),
         ("getitem",), max_examples=N,
         np_fn=lambda x, trim, axis: np.trim_zeros(x * _zero_frame(x), trim, axis)),
    Case("man_apply_over_axes", lambda x, axes: lnp.apply_over_axes(lnp.sum, x * x, axes),
         one(any_shape(2, 3, 1), lambda s: kw(axes=st.sampled_from([[0], [0, 1], [-1, 0]]))),
         ("sum",), max_examples=N,
         np_fn=lambda x, axes: np.apply_over_axes(np.sum, x * x, axes)),
]


def _zero_frame(x):
    """A constant 0/1 mask that zeroes the first and last entries along every axis, so that
    ``trim_zeros`` has zeros to trim (the values kept stay differentiable)."""
    mask = np.ones(np.shape(x))
    for ax in range(mask.ndim):
        if mask.shape[ax] > 2:
            idx = [slice(None)] * mask.ndim
            idx[ax] = [0, -1]
            mask[tuple(idx)] = 0.0
    return mask

