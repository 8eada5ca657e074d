"""Cases for the products of linad.numpy (issue 3): dot, vdot, inner, outer, matmul,
tensordot, einsum (NumPy's full syntax), cross, multi_dot and NumPy 2's vector ufuncs."""
import warnings

import numpy as np
from hypothesis import strategies as st

import linad.numpy as lnp
from linad.numpy import _products as P
from systematic import Case, arrays

N = 6


def _complex(shape):
    return st.tuples(arrays(shape), arrays(shape)).map(lambda ab: ab[0] + 1j * ab[1])


def operands(shape_pairs, static=None, complex_ok=False):
    """Operands of shapes drawn from ``shape_pairs`` (a strategy of tuples of shapes)."""
    @st.composite
    def build(draw):
        ss = draw(shape_pairs)
        cplx = complex_ok and draw(st.booleans())
        xs = tuple(draw(_complex(s) if cplx else arrays(s)) for s in ss)
        return xs, (draw(static(ss)) if static else {})
    return build()


def _side():
    return st.integers(1, 3)


@st.composite
def _dot_shapes(draw):
    n = draw(_side())
    sa = draw(st.sampled_from([(), (n,), (2, n), (3, 2, n)]))
    if not sa:
        return sa, tuple(draw(st.lists(_side(), max_size=2)))
    sb = draw(st.sampled_from([(), (n,), (n, 2), (2, n, 3)]))
    return sa, sb


@st.composite
def _inner_shapes(draw):
    n = draw(_side())
    sa = draw(st.sampled_from([(), (n,), (2, n), (1, 3, n)]))
    sb = draw(st.sampled_from([(), (n,), (3, n)])) if sa else draw(st.sampled_from([(), (2,)]))
    return sa, sb


@st.composite
def _matmul_shapes(draw):
    n, m, k = draw(_side()), draw(_side()), draw(_side())
    return draw(st.sampled_from([((n,), (n,)), ((n,), (n, m)), ((2, 1, k, n), (n,)),
                                 ((n,), (3, n, m)), ((1, k, n), (2, 1, n, m)),
                                 ((0, k, n), (n, m)), ((k, 0), (0, m))]))


@st.composite
def _tensordot_shapes(draw):
    a, b, c = draw(_side()), draw(_side()), draw(_side())
    return draw(st.sampled_from([
        ((a, b), (b, c), {"axes": 1}), ((a, b, c), (b, c), {"axes": 2}),
        ((a, b), (c,), {"axes": 0}), ((a, b, c), (c, a), {"axes": ([0, 2], [1, 0])}),
        ((a, b), (b, a), {"axes": (1, 0)}), ((a, b), (a, b), {"axes": ([-1, -2], [-1, -2])}),
    ]))


def _tensordot_case():
    @st.composite
    def build(draw):
        sa, sb, static = draw(_tensordot_shapes())
        return (draw(arrays(sa)), draw(arrays(sb))), static
    return build()


# einsum specs: (subscripts, operand shapes, kwargs); letters of size 1 test broadcasting
_EINSUM = [
    ("ij,jk", [(2, 3), (3, 4)], {}),
    ("ij,jk->ki", [(2, 3), (3, 4)], {"optimize": True}),
    ("i,i", [(3,), (3,)], {}),
    ("i,j->ij", [(2,), (3,)], {}),
    ("ii", [(3, 3)], {}),
    ("ii->i", [(3, 3)], {}),
    ("iji->j", [(2, 3, 2)], {}),
    ("ij->", [(2, 3)], {}),
    ("ij->j", [(0, 3)], {}),
    ("ba", [(2, 3)], {}),
    ("Ab,bC", [(2, 3), (3, 2)], {"optimize": "greedy"}),
    ("...ij,...jk->...ik", [(2, 1, 2, 3), (4, 3, 2)], {}),
    ("...ij,jk", [(2, 2, 3), (3, 2)], {}),
    ("i...,i...->...", [(3, 2), (3, 1)], {}),
    ("ij...,jk...->ik...", [(2, 3), (3, 2, 4)], {}),
    ("...", [(2, 3)], {}),
    ("...,...", [(2, 1), (3,)], {}),
    ("bij,bjk,bkl->bil", [(2, 2, 3), (2, 3, 2), (2, 2, 2)], {"optimize": "optimal"}),
    ("i,j,k->ijk", [(2,), (3,), (2,)], {}),
    ("ij,ij->ij", [(2, 3), (1, 3)], {}),
    ("iij,jk->ik", [(3, 3, 2), (2, 4)], {}),
    ("ii,jj->ij", [(2, 2), (3, 3)], {}),
    (",ij", [(), (2, 3)], {}),
    ("ijk,ikj->i", [(2, 3, 3), (2, 3, 3)], {}),
]


def _einsum_case(complex_ok=True):
    @st.composite
    def build(draw):
        spec, ss, kws = draw(st.sampled_from(_EINSUM))
        cplx = complex_ok and draw(st.booleans())
        xs = tuple(draw(_complex(s) if cplx else arrays(s)) for s in ss)
        return xs, {"spec": spec, **kws}
    return build()


def _sublist(spec: str):
    """The interleaved form of a spec: subscripts as integer lists, '...' as Ellipsis."""
    def conv(sub):
        out, k = [], 0
        while k < len(sub):
            if sub.startswith("...", k):
                out.append(Ellipsis)
                k += 3
            else:
                out.append(ord(sub[k]) - ord("a") + 26 if sub[k].islower() else ord(sub[k]) - 65)
                k += 1
        return out
    lhs, _, rhs = spec.partition("->")
    subs = [conv(s) for s in lhs.split(",")]
    return subs, (conv(rhs) if "->" in spec else None)


def _einsum_sublist(mod):
    def fn(*xs, spec, **kws):
        subs, out = _sublist(spec)
        args = [v for pair in zip(xs, subs) for v in pair] + ([out] if out is not None else [])
        return mod.einsum(*args, **kws)
    return fn


@st.composite
def _cross_shapes(draw):
    na, nb = draw(st.sampled_from([(3, 3), (2, 3), (3, 2), (2, 2)]))
    batch = draw(st.sampled_from([((), ()), ((2,), ()), ((2, 1), (3,)), ((0,), ())]))
    return batch[0] + (na,), batch[1] + (nb,)


def _quiet_cross(a, b, **kw):
    """np.cross without NumPy 2's deprecation warning for 2-vectors (still supported)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        return np.cross(a, b, **kw)


def _cross_static(ss):
    return st.sampled_from([{}, {"axisc": 0}]).map(lambda d: d if len(ss[0]) > 1
                                                   and ss[0][-1] + ss[1][-1] > 4 else {})


def _cross_moved(mod):
    """cross with the vector axis first, through axisa/axisb, and axis=..."""
    def fn(a, b):
        return mod.cross(mod.moveaxis(a, -1, 0), b, axisa=0) + mod.moveaxis(mod.cross(
            mod.moveaxis(a, -1, 0), mod.moveaxis(b, -1, 0), axis=0), 0, -1)
    return fn


@st.composite
def _chain_shapes(draw):
    k = draw(st.integers(2, 5))
    dims = [draw(st.integers(1, 4)) for _ in range(k + 1)]
    shapes = [(dims[i], dims[i + 1]) for i in range(k)]
    if draw(st.booleans()):
        shapes[0] = shapes[0][1:]
    if draw(st.booleans()):
        shapes[-1] = shapes[-1][:1]
    return tuple(shapes)


@st.composite
def _vec_shapes(draw):
    n = draw(_side())
    return draw(st.sampled_from([((n,), (n,)), ((2, n), (n,)), ((2, 1, n), (3, n))]))


@st.composite
def _matvec_shapes(draw):
    n, m = draw(_side()), draw(_side())
    return draw(st.sampled_from([((m, n), (n,)), ((2, m, n), (1, n)), ((m, n), (3, n))]))


def _parts(mod, name):
    """``mod.name`` with its (possibly complex) output split into real and imaginary parts.

    ``vdot``, ``vecdot`` and ``vecmat`` conjugate an operand: their linearization in it is
    only R-linear, so it is tested as a map to real outputs (the C-adjoint check of the
    SciPy operator applies to C-linear maps only).
    """
    def fn(*xs):
        out = getattr(mod, name)(*xs)
        return mod.stack([mod.real(out), mod.imag(out)])
    return fn


CASES = [
    Case("prod_dot", lambda a, b: lnp.dot(a, b), operands(_dot_shapes(), complex_ok=True),
         ("einsum", "mul"), max_examples=8, np_fn=np.dot),
    Case("prod_vdot", _parts(lnp, "vdot"),
         operands(st.integers(0, 3).flatmap(lambda n: st.sampled_from([((n,), (n,)),
                                                                       ((1, n), (n, 1))])),
                  complex_ok=True), ("einsum", "conj"), max_examples=N, np_fn=_parts(np, "vdot")),
    Case("prod_inner", lambda a, b: lnp.inner(a, b), operands(_inner_shapes(), complex_ok=True),
         ("einsum", "mul"), max_examples=N, np_fn=np.inner),
    Case("prod_outer", lambda a, b: lnp.outer(a, b),
         operands(st.tuples(st.sampled_from([(), (2,), (2, 2)]), st.sampled_from([(3,), (0,)]))),
         ("einsum",), max_examples=N, np_fn=np.outer),
    Case("prod_matmul_vectors", lambda a, b: lnp.matmul(a, b) + 0.0 * (a @ b),
         operands(_matmul_shapes(), complex_ok=True), ("einsum",), max_examples=8,
         np_fn=lambda a, b: np.matmul(a, b) + 0.0 * (a @ b)),
    Case("prod_tensordot", lambda a, b, axes: lnp.tensordot(a, b, axes), _tensordot_case(),
         ("einsum",), max_examples=8, np_fn=lambda a, b, axes: np.tensordot(a, b, axes)),
    Case("prod_einsum", lambda *xs, spec, **kws: lnp.einsum(spec, *xs, **kws), _einsum_case(),
         ("einsum",), max_examples=12,
         np_fn=lambda *xs, spec, **kws: np.einsum(spec, *xs, **kws)),
    Case("prod_einsum_sublist", _einsum_sublist(lnp), _einsum_case(False), ("einsum",),
         max_examples=8, np_fn=_einsum_sublist(np)),
    Case("prod_cross", lambda a, b, **kw: lnp.cross(a, b, **kw),
         operands(_cross_shapes(), _cross_static, complex_ok=True),
         ("mul", "sub", "getitem", "scatter_add"), max_examples=8,
         np_fn=lambda a, b, **kw: _quiet_cross(a, b, **kw)),
    Case("prod_cross_axes", _cross_moved(lnp),
         operands(st.sampled_from([((2, 3), (3,)), ((3,), (2, 3)), ((1, 3), (4, 3))])),
         ("mul", "sub", "transpose"), max_examples=N, np_fn=_cross_moved(np)),
    Case("prod_multi_dot", lambda *xs: P.multi_dot(list(xs)), operands(_chain_shapes()),
         ("einsum", "reshape"), max_examples=8, np_fn=lambda *xs: np.linalg.multi_dot(list(xs))),
    Case("prod_vecdot", _parts(lnp, "vecdot"), operands(_vec_shapes(), complex_ok=True),
         ("einsum", "conj"), max_examples=N, np_fn=_parts(np, "vecdot")),
    Case("prod_matvec", lambda a, x: lnp.matvec(a, x), operands(_matvec_shapes()), ("einsum",),
         max_examples=N, np_fn=np.matvec),
    Case("prod_vecmat", _parts(lnp, "vecmat"), operands(_matvec_shapes().map(
        lambda ss: (ss[1], ss[0][:-2] + ss[0][-1:] + ss[0][-2:-1])), complex_ok=True),
         ("einsum", "conj"), max_examples=N, np_fn=_parts(np, "vecmat")),
]
