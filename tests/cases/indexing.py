"""Cases for indexing in linad.numpy (issue 3): x[idx] in all NumPy forms, gathers,
sort/argsort, and the functional updates x.at[idx].set/add/multiply."""
import numpy as np
from hypothesis import strategies as st

import linad.numpy as lnp
from systematic import Case, arrays, shapes

N = 6


def _index_for(shape, draw):
    """A random NumPy index into an array of ``shape``: basic, advanced or mixed."""
    parts = []
    nd = len(shape)
    k = 0
    used_ellipsis = False
    while k < nd:
        n = shape[k]
        kind = draw(st.sampled_from(["slice", "int", "array", "mask", "none", "ellipsis",
                                     "full"]))
        if kind == "slice":
            step = draw(st.sampled_from([1, 2, -1, -2, None]))
            lo = draw(st.one_of(st.none(), st.integers(-n - 1, n + 1)))
            hi = draw(st.one_of(st.none(), st.integers(-n - 1, n + 1)))
            parts.append(slice(lo, hi, step))
        elif kind == "int" and n:
            parts.append(draw(st.integers(-n, n - 1)))
        elif kind == "array" and n:
            idx = draw(st.lists(st.integers(-n, n - 1), min_size=0, max_size=4))
            parts.append(np.array(idx, dtype=np.intp) if idx else np.zeros(0, np.intp))
        elif kind == "mask":
            parts.append(np.array(draw(st.lists(st.booleans(), min_size=n, max_size=n)),
                                  dtype=bool))
        elif kind == "none":
            parts.append(None)
            continue
        elif kind == "ellipsis" and not used_ellipsis:
            used_ellipsis = True
            parts.append(Ellipsis)
            k = nd  # the ellipsis takes every remaining axis
            continue
        else:
            parts.append(slice(None))
        k += 1
    return _fix_broadcast(tuple(parts), draw)


def _fix_broadcast(idx, draw):
    """Make the integer arrays of an index broadcast together (all the same length)."""
    arrs = [i for i in idx if isinstance(i, np.ndarray)]
    lengths = {a.shape[0] if a.dtype != bool else int(a.sum()) for a in arrs}
    if len(lengths) <= 1:
        return idx
    out = []
    for i in idx:
        if isinstance(i, np.ndarray) and i.dtype == bool:
            out.append(slice(None))
        elif isinstance(i, np.ndarray):
            out.append(i[:1] if i.size else np.zeros(1, np.intp))
        else:
            out.append(i)
    arrs = [i for i in out if isinstance(i, np.ndarray)]
    return tuple(out) if arrs and all(a.size == 1 for a in arrs) else tuple(
        slice(None) if isinstance(i, np.ndarray) else i for i in out)


def _getitem_case(min_dims=0):
    @st.composite
    def build(draw):
        s = draw(shapes(min_dims, 3, 0, 4))
        return (draw(arrays(s)),), {"idx": _index_for(s, draw)}
    return build()


def _getitem_named():
    """Hand-picked mixed cases: non-adjacent advanced indices move to the front."""
    x_shape = (3, 4, 2)
    idxs = [
        (np.array([0, 2]), slice(None), np.array([1, 0])),
        (slice(None, None, -1), np.array([[0, 1], [3, 3]]), 1),
        (1, slice(None), np.array([1, 1, 0])),
        (np.array([0, 0, 2]), Ellipsis, 1),
        (None, np.array([2, 0]), None, slice(1, None), np.array([1, 0])),
        (np.array([[True, False, True, False]] * 3),),
        (Ellipsis, np.array([True, False])),
        (slice(1, None), np.array([3, -1]), np.array([[1], [0]])),
        ([0, 2], [1, 3]),
        (Ellipsis, None),
        (),
    ]
    return st.sampled_from(idxs).flatmap(
        lambda idx: arrays(x_shape).map(lambda x: ((x,), {"idx": idx})))


def _take_case():
    @st.composite
    def build(draw):
        s = draw(shapes(0, 3, 0, 4))
        axis = draw(st.sampled_from([None] + list(range(-len(s), len(s)))))
        n = int(np.prod(s)) if axis is None else s[axis]
        mode = draw(st.sampled_from(["raise", "wrap", "clip"]))
        lo, hi = (-n, n - 1) if mode == "raise" else (-2 * n - 1, 2 * n + 1)
        if n == 0:
            ind = np.zeros(draw(st.sampled_from([(0,), (2, 0)])), np.intp)
        else:
            ind = np.array(draw(st.lists(st.integers(lo, hi), min_size=0, max_size=5)),
                           dtype=np.intp)
            if draw(st.booleans()) and ind.size:
                ind = ind[0]  # a scalar index drops the axis
        return (draw(arrays(s)),), {"indices": ind, "axis": axis, "mode": mode}
    return build()


def _take_along_case():
    @st.composite
    def build(draw):
        s = draw(shapes(1, 3, 1, 4))
        axis = draw(st.integers(-len(s), len(s) - 1))
        ishape = list(s)
        ishape[axis] = draw(st.integers(0, 4))
        ishape = [1 if (k != axis % len(s) and draw(st.booleans())) else m
                  for k, m in enumerate(ishape)]
        ind = np.asarray(draw(arrays(tuple(ishape), 0, s[axis] - 0.01))).astype(np.intp)
        if draw(st.booleans()):  # axis=None: 1-D indices into the flattened array
            flat = np.asarray(draw(arrays((draw(st.integers(0, 4)),), 0, int(np.prod(s)) - 0.01)))
            return (draw(arrays(s)),), {"indices": flat.astype(np.intp), "axis": None}
        return (draw(arrays(s)),), {"indices": ind, "axis": axis}
    return build()


def _compress_case():
    @st.composite
    def build(draw):
        s = draw(shapes(1, 3, 0, 4))
        axis = draw(st.sampled_from([None] + list(range(len(s)))))
        n = int(np.prod(s)) if axis is None else s[axis]
        cond = draw(st.lists(st.booleans(), min_size=0, max_size=n))
        return (draw(arrays(s)),), {"condition": cond, "axis": axis}
    return build()


def _extract_case():
    @st.composite
    def build(draw):
        s = draw(shapes(0, 3, 0, 4))
        mask = np.array(draw(st.lists(st.booleans(), min_size=int(np.prod(s)),
                                      max_size=int(np.prod(s)))), dtype=bool).reshape(s)
        return (draw(arrays(s)),), {"condition": mask}
    return build()


def _select_case():
    @st.composite
    def build(draw):
        sx, sy = draw(st.sampled_from([((3,), (3,)), ((2, 3), (3,)), ((2, 1), (1, 3)),
                                       ((), (2,))]))
        x, y = draw(arrays(sx)), draw(arrays(sy))
        shape = np.broadcast_shapes(sx, sy)
        c1 = np.arange(int(np.prod(shape))).reshape(shape) % 3 == 0
        c2 = np.arange(int(np.prod(shape))).reshape(shape) % 2 == 0
        return (x, y), {"conds": (c1, c2[..., :1] if c2.ndim else c2)}
    return build()


def _select(mod):
    def fn(x, y, conds):
        c1, c2 = conds
        return mod.select([c1, c2], [x * y, 2.0 * x], default=y)
    return fn


def _choose_case():
    @st.composite
    def build(draw):
        sx, sa = draw(st.sampled_from([((3,), (3,)), ((2, 3), (3,)), ((3,), (2, 3)), ((), ())]))
        x, y = draw(arrays(sx)), draw(arrays(sx))
        mode = draw(st.sampled_from(["raise", "wrap", "clip"]))
        lo, hi = (0, 2) if mode == "raise" else (-4, 5)
        a = np.asarray(draw(arrays(sa, lo, hi + 0.99))).astype(int)
        if draw(st.booleans()):
            a = a.tolist()
        return (x, y), {"a": a, "mode": mode}
    return build()


def _choose(mod):
    return lambda x, y, a, mode: mod.choose(a, [x, y, x * y], mode=mode)


def _sort_case(complex_ok=False):
    @st.composite
    def build(draw):
        s = draw(shapes(1, 3, 0, 4))
        axis = draw(st.sampled_from([None] + list(range(-len(s), len(s)))))
        # distinct values, so that the sort order (and the derivative) is well defined
        n = int(np.prod(s))
        vals = draw(st.permutations(range(n))) if n else []
        x = (np.asarray(vals, dtype=float).reshape(s) - n / 2) * 0.37
        x = x + np.asarray(draw(arrays(s, -0.05, 0.05)))
        kind = draw(st.sampled_from([None, "stable", "mergesort"]))
        return (x,), {"axis": axis, "kind": kind}
    return build()


def _argsort_gather(mod):
    def fn(x, axis, kind):
        order = mod.argsort(x, axis=axis, kind=kind)
        if axis is None:
            return mod.take(x, order)
        return mod.take_along_axis(x, order, axis=axis) * 2.0
    return fn


# functional updates: (x shape, index, v shape); duplicates included
_AT = [
    ((5,), [0, 3, 0], (3,)),
    ((5,), [4, 4, 4], ()),
    ((3, 4), (slice(None), [1, 1]), (3, 2)),
    ((3, 4), ([0, 2, 0], [1, 1, 1]), (3,)),
    ((3, 4), (Ellipsis, slice(None, None, -2)), (1, 2)),
    ((3, 4), np.array([[True, False, True, False]] * 3), (6,)),
    ((3, 4), ([[0], [2]], [1, 3]), (2, 2)),
    ((2, 3), 1, (1, 3)),
    ((2, 3), ([1, 0], slice(None)), (3,)),
]


def _at_case():
    @st.composite
    def build(draw):
        sx, idx, sv = draw(st.sampled_from(_AT))
        return (draw(arrays(sx)), draw(arrays(sv))), {"idx": idx}
    return build()


CASES = [
    Case("idx_getitem_random", lambda x, idx: x[idx], _getitem_case(), ("getitem",),
         max_examples=12, np_fn=lambda x, idx: x[idx]),
    Case("idx_getitem_mixed", lambda x, idx: x[idx] * 1.5, _getitem_named(),
         ("getitem", "scatter_add"), max_examples=12, np_fn=lambda x, idx: x[idx] * 1.5),
    Case("idx_take", lambda x, **kw: lnp.take(x, **kw), _take_case(), ("getitem",),
         max_examples=8, np_fn=lambda x, **kw: np.take(x, **kw)),
    Case("idx_take_along_axis", lambda x, **kw: lnp.take_along_axis(x, **kw),
         _take_along_case(), ("getitem",), max_examples=N,
         np_fn=lambda x, **kw: np.take_along_axis(x, **kw)),
    Case("idx_compress", lambda x, **kw: lnp.compress(a=x, **kw), _compress_case(),
         ("getitem",), max_examples=N, np_fn=lambda x, **kw: np.compress(a=x, **kw)),
    Case("idx_extract", lambda x, condition: lnp.extract(condition, x), _extract_case(),
         ("getitem",), max_examples=N, np_fn=lambda x, condition: np.extract(condition, x)),
    Case("idx_select", _select(lnp), _select_case(), ("where", "mul"), max_examples=N,
         np_fn=_select(np)),
    Case("idx_choose", _choose(lnp), _choose_case(), ("getitem", "concatenate"),
         max_examples=N, np_fn=_choose(np)),
    Case("idx_sort", lambda x, axis, kind: lnp.sort(x, axis=axis, kind=kind), _sort_case(),
         ("getitem", "argsort"), max_examples=8,
         np_fn=lambda x, axis, kind: np.sort(x, axis=axis, kind=kind)),
    Case("idx_argsort_gather", _argsort_gather(lnp), _sort_case(), ("argsort", "getitem"),
         max_examples=N, np_fn=_argsort_gather(np)),
    Case("idx_at_set", lambda x, v, idx: lnp.index_set(x, idx, v) * 1.0, _at_case(),
         ("where", "scatter_add", "getitem"), max_examples=8),
    Case("idx_at_add", lambda x, v, idx: lnp.index_add(x, idx, v), _at_case(),
         ("add", "scatter_add"), max_examples=8),
    Case("idx_at_multiply", lambda x, v, idx: lnp.index_multiply(x, idx, v), _at_case(),
         ("mul", "where", "scatter_add"), max_examples=8),
]
