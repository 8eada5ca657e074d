"""Cases for the core primitive set (linear set, basic nonlinear ops, inv)."""
import numpy as np
from hypothesis import strategies as st

import linad.numpy as lnp
from linad.primitives import linear as L
from systematic import Case, arrays, binary, broadcast_pair, shapes, unary, well_conditioned


def _complex(shape_st=None):
    shape_st = shapes() if shape_st is None else shape_st
    return shape_st.flatmap(lambda s: st.tuples(arrays(s), arrays(s))).map(
        lambda ab: ab[0] + 1j * ab[1])


def _axes_case():
    @st.composite
    def build(draw):
        x = draw(arrays(shapes(1, 3)))
        axis = draw(st.sampled_from([None] + list(range(-x.ndim, x.ndim))))
        keepdims = draw(st.booleans())
        return (x,), {"axis": axis, "keepdims": keepdims}
    return build()


def _matmul_pair():
    @st.composite
    def build(draw):
        n, k, m = draw(st.integers(1, 4)), draw(st.integers(1, 4)), draw(st.integers(1, 4))
        batch = draw(st.sampled_from([((), ()), ((2,), ()), ((), (3,)), ((2, 1), (3,))]))
        a = draw(arrays(batch[0] + (n, k)))
        b = draw(arrays(batch[1] + (k, m)))
        return (a, b), {}
    return build()


def _index_case():
    @st.composite
    def build(draw):
        x = draw(arrays(shapes(2, 3, min_side=2)))
        idx = draw(st.sampled_from([
            (slice(None, None, -1),), (Ellipsis, 0), (None, slice(1, None)),
            (np.array([0, 1, 0]),), (slice(None), np.array([1, 0, 1])),
            (np.array([0, 1]), slice(None)), (0,),
            (np.array([1, 0]), Ellipsis, np.array([0, 1])),
        ]))
        return (x,), {"idx": idx}
    return build()


def _concat_case():
    @st.composite
    def build(draw):
        s = draw(shapes(1, 3))
        axis = draw(st.integers(0, len(s) - 1))
        s2 = list(s)
        s2[axis] = draw(st.integers(1, 3))
        return (draw(arrays(s)), draw(arrays(tuple(s2)))), {"axis": axis}
    return build()


def _where_case():
    return binary().map(lambda ab: (ab[0], {"cond": np.broadcast_to(
        np.arange(np.prod(np.broadcast_shapes(ab[0][0].shape, ab[0][1].shape))).reshape(
            np.broadcast_shapes(ab[0][0].shape, ab[0][1].shape)) % 2 == 0,
        np.broadcast_shapes(ab[0][0].shape, ab[0][1].shape))}))


CASES = [
    Case("add", lambda x, y: x + y, binary(), ("add",), np_fn=np.add),
    Case("sub", lambda x, y: x - y, binary(), ("sub",), np_fn=np.subtract),
    Case("neg", lambda x: -x, unary(), ("neg",), np_fn=np.negative),
    Case("mul", lambda x, y: x * y, binary(), ("mul",), np_fn=np.multiply),
    Case("div", lambda x, y: x / y, binary(lo2=0.5, hi2=2.0), ("div", "reciprocal"),
         np_fn=np.divide),
    Case("div_const", lambda x: x / 3.0, unary(), ("div",)),
    Case("pow_both", lambda x, y: x ** y, binary(0.5, 2.0), ("pow",), np_fn=np.power),
    Case("pow_const", lambda x: x ** 3, unary(), ("pow",)),
    Case("exp", lnp.exp, unary(), ("exp",), np_fn=np.exp),
    Case("log", lnp.log, unary(lo=0.2, hi=3.0), ("log",), np_fn=np.log),
    Case("sin", lnp.sin, unary(), ("sin",), np_fn=np.sin),
    Case("cos", lnp.cos, unary(), ("cos",), np_fn=np.cos),
    Case("tanh", lnp.tanh, unary(), ("tanh",), np_fn=np.tanh),
    Case("sqrt", lnp.sqrt, unary(lo=0.2, hi=3.0), ("sqrt",), np_fn=np.sqrt),
    Case("matmul", lambda a, b: a @ b, _matmul_pair(), ("einsum",), np_fn=np.matmul),
    Case("matvec", lambda a, b: a @ b,
         st.integers(1, 4).flatmap(lambda n: st.tuples(arrays((3, n)), arrays((n,)))).map(
             lambda ab: (ab, {})), ("einsum",), np_fn=np.matmul),
    Case("einsum_trace", lambda a: lnp.einsum("ii", a), arrays((3, 3)).map(lambda a: ((a,), {})),
         ("einsum",), np_fn=lambda a: np.einsum("ii", a)),
    Case("einsum_diag_3", lambda a, b: lnp.einsum("iij,jk->ik", a, b),
         st.tuples(arrays((3, 3, 2)), arrays((2, 4))).map(lambda ab: (ab, {})), ("einsum",),
         np_fn=lambda a, b: np.einsum("iij,jk->ik", a, b)),
    Case("trace", lambda a: lnp.trace(a), arrays((3, 4)).map(lambda a: ((a,), {})), ("einsum",),
         np_fn=np.trace),
    Case("sum", lambda x, axis, keepdims: lnp.sum(x, axis=axis, keepdims=keepdims), _axes_case(),
         ("sum",), np_fn=lambda x, axis, keepdims: np.sum(x, axis=axis, keepdims=keepdims)),
    Case("mean", lambda x, axis, keepdims: lnp.mean(x, axis=axis, keepdims=keepdims),
         _axes_case(), ("sum", "div"),
         np_fn=lambda x, axis, keepdims: np.mean(x, axis=axis, keepdims=keepdims)),
    Case("broadcast_to", lambda x: lnp.broadcast_to(x, (2,) + x.shape[:-1] + (3,)),
         arrays(shapes(1, 2).map(lambda s: s[:-1] + (1,))).map(lambda a: ((a,), {})),
         ("broadcast_to",)),
    Case("reshape", lambda x: lnp.reshape(x, (-1,)), unary(), ("reshape",),
         np_fn=lambda x: np.reshape(x, (-1,))),
    Case("transpose", lambda x: x.T, unary(), ("transpose",), np_fn=np.transpose),
    Case("getitem", lambda x, idx: x[idx], _index_case(), ("getitem", "scatter_add")),
    Case("concatenate", lambda x, y, axis: lnp.concatenate([x, y], axis), _concat_case(),
         ("concatenate",), np_fn=lambda x, y, axis: np.concatenate([x, y], axis)),
    Case("where", lambda x, y, cond: lnp.where(cond, x, y), _where_case(), ("where",),
         np_fn=lambda x, y, cond: np.where(cond, x, y)),
    Case("convert_f32_f64", lambda x: lnp.astype(x, np.complex128) * (1 + 2j), unary(),
         ("convert",)),
    Case("complex_parts", lambda z: lnp.real(z) * lnp.imag(z) + lnp.real(lnp.conj(z) * z),
         _complex().map(lambda z: ((z,), {})), ("real", "imag", "conj")),
    Case("complex_build", lambda x, y: lnp.real(L.bind(L.complex_p, x, y) * (2 - 1j)),
         binary(), ("complex",)),
    Case("inv", lnp.linalg.inv, well_conditioned().map(lambda a: ((a,), {})), ("inv",),
         np_fn=np.linalg.inv),
    # every threshold is 0, the point the inputs keep away from (no kink inside the FD stencil)
    Case("comparisons", lambda x: lnp.where(x > 0, x, 2 * x) + (x >= 0) * x - (x < 0) * x
         + 3 * (x <= 0) * x + (x == 0) * x + (x != 0) * x, unary(away_from=0.0),
         ("greater", "greater_equal", "less", "less_equal", "equal", "not_equal")),
    # stop_gradient changes the derivative on purpose (tested in test_core); here it only
    # enters through a term whose derivative is zero either way
    Case("stop_gradient_cast", lambda x: x + 0.0 * linad_stop(x) + lnp.astype(x, np.int64) * x,
         unary(lo=0.2, hi=0.8), ("stop_gradient", "cast")),
    # NumPy functions with non-differentiable results, staged as one primitive under jit
    # (chosen constant in x, so finite differences never cross a jump)
    Case("numpy_call", lambda x: lnp.where(np.isclose(x, x), x, 0.0) * x,
         unary(), ("numpy_call",)),
    Case("numpy_call_multi", lambda x: x * x[np.unravel_index(np.argmax(x * 0.0), x.shape)],
         unary(), ("numpy_call_multi",)),
]


def linad_stop(x):
    import linad
    return linad.stop_gradient(x)
