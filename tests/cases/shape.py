"""Cases for the shape functions of linad.numpy (issue 3) and creation from traced values.

Every case runs through ``lnp`` (``fn``) and through plain NumPy dispatch (``np_fn``)
where NumPy can dispatch the function.  Shapes include 0-d and empty arrays where
NumPy allows them.
"""
import warnings

import numpy as np
from hypothesis import strategies as st

import linad.numpy as lnp
from systematic import Case, arrays, broadcast_pair, shapes

N = 6  # hypothesis examples per case


def one(shape_st, static_fn=None, lo=-2.0, hi=2.0):
    """One array of a drawn shape, and static kwargs drawn from ``static_fn(shape)``."""
    @st.composite
    def build(draw):
        s = draw(shape_st)
        x = draw(arrays(s, lo, hi))
        static = draw(static_fn(s)) if static_fn is not None else {}
        return (x,), static
    return build()


def several(shapes_fn, static_fn=None):
    """Arrays of the shapes ``shapes_fn`` draws (a strategy of shape tuples) and static kwargs."""
    @st.composite
    def build(draw):
        ss = draw(shapes_fn)
        xs = tuple(draw(arrays(s)) for s in ss)
        static = draw(static_fn(ss)) if static_fn is not None else {}
        return xs, static
    return build()


def any_shape(min_dims=0, max_dims=3, min_side=0, max_side=4):
    return shapes(min_dims, max_dims, min_side, max_side)


def axis_of(nd, none=False):
    """An axis of an nd-array (negative ones included), or None."""
    choices = list(range(-nd, nd)) + ([None] if none else [])
    return st.sampled_from(choices)


def kw(**strategies):
    return st.fixed_dictionaries(strategies)


def same_shapes(k, min_dims=0, max_dims=3, min_side=0):
    return any_shape(min_dims, max_dims, min_side).map(lambda s: (s,) * k)


def concat_shapes(k, min_dims=1, max_dims=3):
    """k shapes equal except along one axis (drawn), with that axis as static ``axis``."""
    @st.composite
    def build(draw):
        s = draw(any_shape(min_dims, max_dims))
        ax = draw(st.integers(0, len(s) - 1))
        out = []
        for _ in range(k):
            t = list(s)
            t[ax] = draw(st.integers(0, 3))
            out.append(tuple(t))
        return tuple(out), ax - len(s) * draw(st.integers(0, 1))
    return build()


def _concat_case():
    @st.composite
    def build(draw):
        ss, ax = draw(concat_shapes(3))
        xs = tuple(draw(arrays(s)) for s in ss)
        if draw(st.booleans()):
            ax = None
        return xs, {"axis": ax}
    return build()


def _reshape_static(s):
    n = int(np.prod(s))
    opts = [(-1,), (n,), (1, n), s[::-1], (1,) + s + (1,)] + ([(n, -1)] if n else [])
    if n % 2 == 0 and n:
        opts += [(2, -1), (-1, 2, 1)]
    return kw(newshape=st.sampled_from(opts), order=st.sampled_from(["C", "F"]))


def _perm_static(s):
    return st.permutations(range(len(s))).map(lambda p: {"axes": tuple(p)})


def _moveaxis_static(s):
    nd = len(s)

    @st.composite
    def build(draw):
        k = draw(st.integers(0, nd))
        src = draw(st.permutations(range(nd)))[:k]
        dst = draw(st.permutations(range(-nd, 0)))[:k]
        return {"source": tuple(src), "destination": tuple(dst)}
    return build()


def _expand_static(s):
    nd = len(s)
    return st.integers(1, 2).flatmap(lambda k: st.lists(
        st.integers(0, nd + k - 1), min_size=k, max_size=k, unique=True)).map(
        lambda ax: {"axis": tuple(ax) if len(ax) > 1 else ax[0]})


def _squeeze_static(s):
    ones = [i for i, n in enumerate(s) if n == 1]
    return st.sampled_from([None] + ones + ([tuple(ones)] if ones else [])).map(
        lambda a: {"axis": a})


def _broadcast_target(s):
    @st.composite
    def build(draw):
        lead = tuple(draw(st.lists(st.integers(0, 3), max_size=2)))
        tail = tuple(draw(st.integers(1, 3)) if n == 1 else n for n in s)
        return {"shape": lead + tail}
    return build()


def _split_static(s):
    nd = len(s)

    @st.composite
    def build(draw):
        ax = draw(axis_of(nd))
        n = s[ax]
        divisors = [d for d in range(1, 5) if n % d == 0]
        if draw(st.booleans()):
            return {"indices_or_sections": draw(st.sampled_from(divisors)), "axis": ax}
        idx = sorted(draw(st.lists(st.integers(-1, n + 1), max_size=3)))
        return {"indices_or_sections": idx, "axis": ax}
    return build()


def _tile_static(s):
    return st.lists(st.integers(0, 2), min_size=0, max_size=4).map(
        lambda r: {"reps": tuple(r) if len(r) != 1 else r[0]})


def _repeat_static(s):
    nd = len(s)

    @st.composite
    def build(draw):
        ax = draw(axis_of(nd, none=True))
        n = int(np.prod(s)) if ax is None else s[ax]
        if draw(st.booleans()):
            reps = draw(st.integers(0, 3))
        else:
            reps = draw(st.lists(st.integers(0, 3), min_size=n, max_size=n))
        return {"repeats": reps, "axis": ax}
    return build()


def _flip_static(s):
    nd = len(s)
    opts = [None] + list(range(-nd, nd)) + ([tuple(range(nd))[::2]] if nd else [()])
    return st.sampled_from(opts).map(lambda a: {"axis": a})


def _roll_static(s):
    nd = len(s)

    @st.composite
    def build(draw):
        if nd == 0 or draw(st.booleans()):
            return {"shift": draw(st.integers(-5, 5)), "axis": None}
        axes = tuple(draw(st.lists(st.integers(-nd, nd - 1), min_size=1, max_size=3)))
        shifts = tuple(draw(st.integers(-5, 5)) for _ in axes)
        if len(axes) == 1:
            return {"shift": shifts[0], "axis": axes[0]}
        return {"shift": shifts, "axis": axes}
    return build()


def _rot90_static(s):
    nd = len(s)

    @st.composite
    def build(draw):
        a, b = draw(st.permutations(range(nd)))[:2]
        return {"k": draw(st.integers(-2, 5)), "axes": (a, b - nd * draw(st.integers(0, 1)))}
    return build()


def _pad_static(s, modes=("constant", "edge", "reflect", "symmetric", "wrap")):
    nd = len(s)

    @st.composite
    def build(draw):
        mode = draw(st.sampled_from(modes))
        form = draw(st.integers(0, 2 if nd else 1))  # NumPy rejects () as pad_width
        if form == 0:
            width = draw(st.integers(0, 3))
        elif form == 1:
            width = (draw(st.integers(0, 3)), draw(st.integers(0, 3)))
        else:
            width = tuple((draw(st.integers(0, 3)), draw(st.integers(0, 3))) for _ in range(nd))
        static = {"pad_width": width, "mode": mode}
        if mode == "constant" and draw(st.booleans()):
            static["constant_values"] = draw(st.sampled_from([1.5, (1.0, -2.0)]))
        return static
    return build()


def _diagonal_static(s):
    nd = len(s)

    @st.composite
    def build(draw):
        a1, a2 = draw(st.permutations(range(nd)))[:2]
        return {"offset": draw(st.integers(-3, 3)), "axis1": a1, "axis2": a2 - nd}
    return build()


def _kron_shapes():
    return st.tuples(any_shape(0, 3, 1, 3), any_shape(0, 3, 1, 3))


def _block_case():
    """A 2x2 block matrix of compatible blocks (1-D/2-D blocks), or a 1-level list."""
    @st.composite
    def build(draw):
        r1, r2, c1, c2 = (draw(st.integers(1, 3)) for _ in range(4))
        if draw(st.booleans()):
            xs = (draw(arrays((r1, c1))), draw(arrays((r1, c2))), draw(arrays((r2, c1))),
                  draw(arrays((r2, c2))))
            return xs, {"layout": "2x2"}
        xs = (draw(arrays((r1,))), draw(arrays((c1,))), draw(arrays(())))
        return xs, {"layout": "flat"}
    return build()


def _block(mod):
    def fn(*xs, layout):
        if layout == "2x2":
            a, b, c, d = xs
            return mod.block([[a, b], [c, d]])
        return mod.block(list(xs))
    return fn


def _split_concat(mod, name):
    def fn(x, **static):
        parts = getattr(mod, name)(x, **static)
        return mod.concatenate([mod.ravel(p) for p in parts] + [np.zeros(0)])
    return fn


def _stack_like(mod, name):
    return lambda *xs: getattr(mod, name)(list(xs))


def _row_stack(*xs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        return np.row_stack(list(xs))


def _hsplit_static(name):
    def static(s):
        ax = {"hsplit": 1 if len(s) > 1 else 0, "vsplit": 0, "dsplit": 2}[name]
        n = s[ax]
        divisors = [d for d in range(1, 5) if n % d == 0]
        return st.sampled_from(divisors + [[1], [0, 2]]).map(
            lambda i: {"indices_or_sections": i})
    return static


def _atleast(mod, which):
    return lambda x: getattr(mod, f"atleast_{which}d")(x)


def _pair_same():
    return same_shapes(2)


def _col_shapes():
    return st.integers(0, 3).flatmap(lambda n: st.tuples(
        st.sampled_from([(n,), (n, 1), (n, 2)]), st.sampled_from([(n,), (n, 2)])))


def _linspace_case():
    @st.composite
    def build(draw):
        sa, sb = draw(broadcast_pair(max_dims=2, max_side=3))
        a, b = draw(arrays(sa)), draw(arrays(sb))
        nd = len(np.broadcast_shapes(sa, sb))
        static = {"num": draw(st.integers(0, 5)), "endpoint": draw(st.booleans()),
                  "axis": draw(st.integers(-nd - 1, nd))}
        return (a, b), static
    return build()


def _meshgrid_case():
    @st.composite
    def build(draw):
        k = draw(st.integers(1, 3))
        xs = tuple(draw(arrays((draw(st.integers(0, 3)),))) for _ in range(k))
        return xs, {"indexing": draw(st.sampled_from(["xy", "ij"])),
                    "sparse": draw(st.booleans())}
    return build()


def _meshgrid(mod):
    def fn(*xs, indexing, sparse):
        grids = mod.meshgrid(*xs, indexing=indexing, sparse=sparse)
        total = grids[0]
        for g in grids[1:]:
            total = total + 2.0 * g
        return total
    return fn


def _scalars(k):
    return st.tuples(*[arrays(()) for _ in range(k)]).map(lambda xs: (xs, {}))


def _one_fill():
    @st.composite
    def build(draw):
        s = draw(any_shape(0, 3))
        return (draw(arrays(s)), draw(arrays(()))), {}
    return build()


CASES = [
    # ----------------------------------------------------------------- reshape, axes
    Case("shp_reshape", lambda x, newshape, order: lnp.reshape(x, newshape, order=order),
         one(any_shape(), _reshape_static), ("reshape", "transpose"), max_examples=N,
         np_fn=lambda x, newshape, order: np.reshape(x, newshape, order=order)),
    Case("shp_ravel_flatten", lambda x, order: lnp.ravel(x, order) + x.flatten(order) * 2.0,
         one(any_shape(), lambda s: kw(order=st.sampled_from(["C", "F"]))), ("reshape",),
         max_examples=N, np_fn=lambda x, order: np.ravel(x, order) + x.flatten(order) * 2.0),
    Case("shp_transpose_axes", lambda x, axes: lnp.transpose(x, axes),
         one(any_shape(), _perm_static), ("transpose",), max_examples=N,
         np_fn=lambda x, axes: np.transpose(x, axes)),
    Case("shp_permute_dims_mT",
         lambda x, axes: lnp.matrix_transpose(lnp.permute_dims(x, axes)[..., None]),
         one(any_shape(1, 3), _perm_static), ("transpose",), max_examples=N,
         np_fn=lambda x, axes: np.matrix_transpose(np.permute_dims(x, axes)[..., None])),
    Case("shp_moveaxis", lambda x, source, destination: lnp.moveaxis(x, source, destination),
         one(any_shape(), _moveaxis_static), ("transpose",), max_examples=N,
         np_fn=lambda x, source, destination: np.moveaxis(x, source, destination)),
    Case("shp_swapaxes", lambda x, a, b: lnp.swapaxes(x, a, b),
         one(any_shape(1), lambda s: kw(a=axis_of(len(s)), b=axis_of(len(s)))), ("transpose",),
         max_examples=N, np_fn=lambda x, a, b: np.swapaxes(x, a, b)),
    Case("shp_expand_dims", lambda x, axis: lnp.expand_dims(x, axis),
         one(any_shape(), _expand_static), ("reshape",), max_examples=N,
         np_fn=lambda x, axis: np.expand_dims(x, axis)),
    Case("shp_squeeze", lambda x, axis: lnp.squeeze(x, axis),
         one(any_shape(0, 4, 1, 2), _squeeze_static), ("reshape",), max_examples=N,
         np_fn=lambda x, axis: np.squeeze(x, axis)),
    Case("shp_broadcast_to", lambda x, shape: lnp.broadcast_to(x, shape),
         one(any_shape(0, 3, 1, 3), _broadcast_target), ("broadcast_to",), max_examples=N,
         np_fn=lambda x, shape: np.broadcast_to(x, shape)),
    Case("shp_broadcast_arrays", lambda x, y: lnp.stack(lnp.broadcast_arrays(x, y)),
         several(broadcast_pair()), ("broadcast_to",), max_examples=N,
         np_fn=lambda x, y: np.stack(np.broadcast_arrays(x, y))),
    Case("shp_atleast_1d", _atleast(lnp, 1), one(any_shape(0, 2)), ("reshape",),
         max_examples=N, np_fn=_atleast(np, 1)),
    Case("shp_atleast_2d", _atleast(lnp, 2), one(any_shape(0, 3)), ("reshape",),
         max_examples=N, np_fn=_atleast(np, 2)),
    Case("shp_atleast_3d", _atleast(lnp, 3), one(any_shape(0, 4)), ("reshape",),
         max_examples=N, np_fn=_atleast(np, 3)),
    # ----------------------------------------------------------------- joining, splitting
    Case("shp_concatenate3", lambda x, y, z, axis: lnp.concatenate([x, y, z], axis),
         _concat_case(), ("concatenate",), max_examples=N,
         np_fn=lambda x, y, z, axis: np.concatenate([x, y, z], axis)),
    Case("shp_stack", lambda x, y, axis: lnp.stack([x, y], axis),
         several(same_shapes(2), lambda ss: kw(axis=axis_of(len(ss[0]) + 1))),
         ("concatenate", "reshape"), max_examples=N,
         np_fn=lambda x, y, axis: np.stack([x, y], axis)),
    Case("shp_hstack", _stack_like(lnp, "hstack"), several(_pair_same()), ("concatenate",),
         max_examples=N, np_fn=_stack_like(np, "hstack")),
    Case("shp_vstack", _stack_like(lnp, "vstack"), several(_pair_same()), ("concatenate",),
         max_examples=N, np_fn=_stack_like(np, "vstack")),
    # np.row_stack: NumPy 2's deprecated alias, which calls vstack
    Case("shp_row_stack", _stack_like(lnp, "vstack"), several(_pair_same()), ("concatenate",),
         max_examples=3, np_fn=_row_stack),
    Case("shp_dstack", _stack_like(lnp, "dstack"), several(_pair_same()), ("concatenate",),
         max_examples=N, np_fn=_stack_like(np, "dstack")),
    Case("shp_column_stack", _stack_like(lnp, "column_stack"), several(_col_shapes()),
         ("concatenate", "transpose"), max_examples=N, np_fn=_stack_like(np, "column_stack")),
    Case("shp_block", _block(lnp), _block_case(), ("concatenate",), max_examples=N,
         np_fn=_block(np)),
    Case("shp_split", _split_concat(lnp, "split"), one(any_shape(1), _split_static),
         ("getitem",), max_examples=N, np_fn=_split_concat(np, "split")),
    Case("shp_array_split", _split_concat(lnp, "array_split"),
         one(any_shape(1), lambda s: kw(indices_or_sections=st.integers(1, 5),
                                        axis=axis_of(len(s)))),
         ("getitem",), max_examples=N, np_fn=_split_concat(np, "array_split")),
    Case("shp_hsplit", _split_concat(lnp, "hsplit"), one(any_shape(1), _hsplit_static("hsplit")),
         ("getitem",), max_examples=N, np_fn=_split_concat(np, "hsplit")),
    Case("shp_vsplit", _split_concat(lnp, "vsplit"), one(any_shape(2), _hsplit_static("vsplit")),
         ("getitem",), max_examples=N, np_fn=_split_concat(np, "vsplit")),
    Case("shp_dsplit", _split_concat(lnp, "dsplit"), one(any_shape(3), _hsplit_static("dsplit")),
         ("getitem",), max_examples=N, np_fn=_split_concat(np, "dsplit")),
    Case("shp_unstack", lambda x, axis: lnp.stack(lnp.unstack(x, axis=axis), axis=-1),
         one(any_shape(1, 3, 1), lambda s: kw(axis=axis_of(len(s)))), ("getitem",),
         max_examples=N, np_fn=lambda x, axis: np.stack(np.unstack(x, axis=axis), axis=-1)),
    # ----------------------------------------------------------------- tiling, repeating
    Case("shp_tile", lambda x, reps: lnp.tile(x, reps), one(any_shape(), _tile_static),
         ("broadcast_to", "reshape"), max_examples=N, np_fn=lambda x, reps: np.tile(x, reps)),
    Case("shp_repeat", lambda x, repeats, axis: lnp.repeat(x, repeats, axis),
         one(any_shape(), _repeat_static), ("broadcast_to", "getitem"), max_examples=N,
         np_fn=lambda x, repeats, axis: np.repeat(x, repeats, axis)),
    Case("shp_kron", lambda a, b: lnp.kron(a, b), several(_kron_shapes()), ("mul", "reshape"),
         max_examples=N, np_fn=np.kron),
    # ----------------------------------------------------------------- flips, rolls, rotations
    Case("shp_flip", lambda x, axis: lnp.flip(x, axis), one(any_shape(), _flip_static),
         ("getitem",), max_examples=N, np_fn=lambda x, axis: np.flip(x, axis)),
    Case("shp_fliplr_flipud", lambda x: lnp.fliplr(x) + 2.0 * lnp.flipud(x),
         one(any_shape(2)), ("getitem",), max_examples=N,
         np_fn=lambda x: np.fliplr(x) + 2.0 * np.flipud(x)),
    Case("shp_roll", lambda x, shift, axis: lnp.roll(x, shift, axis),
         one(any_shape(), _roll_static), ("concatenate", "getitem"), max_examples=N,
         np_fn=lambda x, shift, axis: np.roll(x, shift, axis)),
    Case("shp_rot90", lambda x, k, axes: lnp.rot90(x, k, axes),
         one(any_shape(2), _rot90_static), ("getitem", "transpose"), max_examples=N,
         np_fn=lambda x, k, axes: np.rot90(x, k, axes)),
    # ----------------------------------------------------------------- pad
    Case("shp_pad", lambda x, **kw_: lnp.pad(x, **kw_), one(any_shape(0, 3, 1), _pad_static),
         ("scatter_add", "getitem", "add"), max_examples=8,
         np_fn=lambda x, **kw_: np.pad(x, **kw_)),
    Case("shp_pad_constant_empty", lambda x, **kw_: lnp.pad(x, **kw_),
         one(any_shape(1, 3, 0), lambda s: _pad_static(s, ("constant",))), ("scatter_add",),
         max_examples=N, np_fn=lambda x, **kw_: np.pad(x, **kw_)),
    Case("shp_pad_traced_value", lambda x, c: lnp.pad(x, ((1, 0),) + ((0, 2),) * (x.ndim - 1),
                                                      constant_values=c),
         several(any_shape(1, 3, 1).map(lambda s: (s, ()))), ("scatter_add", "mul"),
         max_examples=N, np_fn=lambda x, c: np.pad(x, ((1, 0),) + ((0, 2),) * (x.ndim - 1),
                                                   constant_values=c)),
    # ----------------------------------------------------------------- diagonals, triangles
    Case("shp_diag", lambda x, k: lnp.diag(x, k),
         one(any_shape(1, 2), lambda s: kw(k=st.integers(-3, 3))), ("getitem", "scatter_add"),
         max_examples=N, np_fn=lambda x, k: np.diag(x, k)),
    Case("shp_diagflat", lambda x, k: lnp.diagflat(x, k),
         one(any_shape(0, 2), lambda s: kw(k=st.integers(-2, 2))), ("scatter_add",),
         max_examples=N, np_fn=lambda x, k: np.diagflat(x, k)),
    Case("shp_diagonal", lambda x, **kw_: lnp.diagonal(x, **kw_),
         one(any_shape(2, 4), _diagonal_static), ("getitem", "transpose"), max_examples=N,
         np_fn=lambda x, **kw_: np.diagonal(x, **kw_)),
    Case("shp_triu_tril", lambda x, k: lnp.triu(x, k) + 2.0 * lnp.tril(x, -k),
         one(any_shape(1, 3), lambda s: kw(k=st.integers(-2, 2))), ("where",),
         max_examples=N, np_fn=lambda x, k: np.triu(x, k) + 2.0 * np.tril(x, -k)),
    # ----------------------------------------------------------------- creation
    Case("new_array_nested", lambda a, b: lnp.array([[a, 2.0 * b], [1.0, a * b]]),
         _scalars(2), ("concatenate", "reshape", "mul")),
    Case("new_array_vectors", lambda a, b: lnp.array([a, b], dtype=np.complex128, ndmin=3),
         several(same_shapes(2, 0, 2)), ("concatenate", "convert")),
    Case("new_full", lambda v: lnp.full((2, 3), v) * lnp.full(2, 1.5)[:, None],
         _scalars(1), ("broadcast_to",)),
    Case("new_like", lambda x, v: lnp.full_like(x, v) + lnp.zeros_like(x) * x
         + lnp.ones_like(x) * x + lnp.empty_like(x) * 0.0,
         _one_fill(), ("broadcast_to", "mul"), max_examples=N,
         np_fn=lambda x, v: np.full_like(x, v) + np.zeros_like(x) * x + np.ones_like(x) * x
         + np.empty_like(x) * 0.0),
    Case("new_linspace", lambda a, b, **kw_: lnp.linspace(a, b, **kw_), _linspace_case(),
         ("sub", "mul", "add", "concatenate"), max_examples=8,
         np_fn=lambda a, b, **kw_: np.linspace(a, b, **kw_)),
    Case("new_meshgrid", _meshgrid(lnp), _meshgrid_case(), ("reshape", "broadcast_to"),
         max_examples=N, np_fn=_meshgrid(np)),
]
