"""Cases for the float-part functions (ldexp, frexp, modf, divmod, nextafter, spacing),
fabs, i0, real_if_close, NumPy 2 names, and the ``.at[idx].min/max/get`` updates.

Inputs stay away from the points where a function jumps: powers of two for
``frexp`` and ``spacing``, integers for ``modf``, integer quotients for ``divmod``,
and ties between the operands of ``.at[idx].min/max``.
"""
import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import linad.numpy as lnp
from linad.numpy._creation import AtArray
from cases.elementwise import away_from_grid, one, pair, quotient_pair, signed
from systematic import Case, broadcast_pair

N = 6  # hypothesis examples per case


# ----------------------------------------------------------------------------- strategies

def away_from_powers_of_two(lo, hi, gap=0.05):
    """Magnitudes in [lo, hi] whose log2 is at distance > gap from an integer, either sign."""
    def far(v):
        r = np.log2(v)
        return abs(r - np.round(r)) > gap
    return signed(lo, hi).filter(lambda v: far(abs(v)))


def ldexp_args():
    """x (floats) and integer exponents e of broadcast-compatible shapes (e static)."""
    return broadcast_pair().flatmap(lambda ss: st.tuples(
        hnp.arrays(np.float64, ss[0], elements=st.floats(-2, 2)),
        hnp.arrays(np.int64, ss[1], elements=st.integers(-4, 4)))).map(
        lambda xe: ((xe[0],), {"e": xe[1]}))


#: Positions written by the ``.at`` cases: 0 and 2 repeat (np.minimum.at applies in order).
IDX = np.array([0, 2, 2, 4, 0, 1])


def distinct(n_x, n_v, shape_x=None):
    """x (``n_x`` values, reshaped to ``shape_x``) and v (``n_v`` values), all pairwise at
    distance >= 0.1, so no ``minimum``/``maximum`` of them ties."""
    n = n_x + n_v
    return st.tuples(st.permutations(range(n)),
                     hnp.arrays(np.float64, n, elements=st.floats(-0.1, 0.1))).map(
        lambda pn: (np.asarray(pn[0]) - n / 2) * 0.3 + pn[1]).map(
        lambda a: ((a[:n_x].reshape(shape_x or (n_x,)), a[n_x:]), {}))


def at(x):
    """``x.at``, also for the plain arrays the finite differences evaluate at."""
    return x.at if hasattr(x, "at") else x.view(AtArray).at


# ----------------------------------------------------------------------------- tables

# name, lnp function, np function, covered primitives, element strategy
UNARY = [
    ("fabs", lnp.fabs, np.fabs, ("abs",), signed(0.1, 2)),
    ("i0", lnp.i0, np.i0, ("i0", "i1"), st.floats(-3, 3)),
    ("frexp_mantissa", lambda x: lnp.frexp(x)[0], lambda x: np.frexp(x)[0], ("ldexp",),
     away_from_powers_of_two(0.01, 50)),
    ("frexp_both", lambda x: lnp.frexp(x)[0] * lnp.frexp(x)[1] + x,
     lambda x: np.frexp(x)[0] * np.frexp(x)[1] + x, ("ldexp",),
     away_from_powers_of_two(0.01, 50)),
    ("modf", lambda x: lnp.modf(x)[0] + lnp.modf(x)[1] * x,
     lambda x: np.modf(x)[0] + np.modf(x)[1] * x, ("modf_fraction",),
     away_from_grid(-4, 4, 1.0)),
    ("spacing", lambda x: lnp.spacing(x) * 1e15 * x, lambda x: np.spacing(x) * 1e15 * x, (),
     away_from_powers_of_two(0.1, 8)),
    ("real_if_close_real", lambda x: lnp.real_if_close(x) * x,
     lambda x: np.real_if_close(x) * x, ("mul",), st.floats(-2, 2)),
    # NumPy 2 names: np.acos is np.arccos, ...; lnp has them too
    ("acos", lnp.acos, np.acos, ("arccos",), st.floats(-0.8, 0.8)),
    ("acosh", lnp.acosh, np.acosh, ("arccosh",), st.floats(1.2, 3)),
    ("asin", lnp.asin, np.asin, ("arcsin",), st.floats(-0.8, 0.8)),
    ("asinh", lnp.asinh, np.asinh, ("arcsinh",), st.floats(-2, 2)),
    ("atan", lnp.atan, np.atan, ("arctan",), st.floats(-2, 2)),
    ("atanh", lnp.atanh, np.atanh, ("arctanh",), st.floats(-0.8, 0.8)),
    ("astype", lambda x: lnp.astype(x, np.complex128) * x,
     lambda x: np.astype(x, np.complex128) * x, ("convert",),
     st.floats(-2, 2)),
]

# name, lnp fn, np fn, covered primitives, strategy
BINARY = [
    ("divmod", lambda x, y: lnp.divmod(x, y)[1] + lnp.divmod(x, y)[0] * y,
     lambda x, y: np.divmod(x, y)[1] + np.divmod(x, y)[0] * y, ("mod",), quotient_pair()),
    ("divmod_negative", lambda x, y: lnp.divmod(x, y)[1], lambda x, y: np.divmod(x, y)[1],
     ("mod",), quotient_pair(-1.0)),
    # (times y: check_transpose needs every input to reach the output)
    ("nextafter", lambda x, y: lnp.nextafter(x, y) * y, lambda x, y: np.nextafter(x, y) * y,
     ("nextafter",), pair(st.floats(-2, 2), signed(0.5, 2))),
    ("atan2", lnp.atan2, np.atan2, ("arctan2",), pair(st.floats(-2, 2), st.floats(0.2, 2))),
    ("pow", lnp.pow, np.pow, ("pow",), pair(st.floats(0.5, 2), st.floats(-2, 2))),
    ("concat", lambda x, y: lnp.concat([lnp.ravel(x), lnp.ravel(y)]),
     lambda x, y: np.concat([np.ravel(x), np.ravel(y)]), ("concatenate",),
     pair(st.floats(-2, 2), st.floats(-2, 2))),
    # (.at has no NumPy route: np_fn None)
    ("at_min", lambda x, v: at(x)[IDX].min(v), None,
     ("minimum", "scatter_add", "getitem"), distinct(5, 6)),
    ("at_max", lambda x, v: at(x)[IDX].max(v), None,
     ("maximum", "scatter_add", "getitem"), distinct(5, 6)),
    ("at_max_rows", lambda x, v: at(x)[[0, 2, 0]].max(v), None, ("maximum",),
     distinct(12, 4, (3, 4))),
    ("at_min_index_fn", lambda x, v: lnp.index_min(x, (Ellipsis, [1, 3, 1, 1]), v), None,
     ("minimum",),
     distinct(12, 4, (3, 4))),
    ("at_get", lambda x, v: at(x)[IDX].get() * v, None,
     ("getitem",), distinct(5, 6)),
    ("at_constant_base", lambda x, v: lnp.zeros(5).at[IDX].add(v) + lnp.ones(5).at[IDX].max(v)
     + lnp.full(5, 0.5).at[IDX].min(v) * x, None, ("scatter_add", "maximum", "minimum"),
     distinct(5, 6).filter(lambda a: np.all(np.abs(a[0][1] - 1.0) > 0.05)
                           and np.all(np.abs(a[0][1] - 0.5) > 0.05))),
]

CASES = (
    [Case(f"ew2_{name}", fn, one(el), covers, np_fn=np_fn, max_examples=N)
     for name, fn, np_fn, covers, el in UNARY]
    + [Case(f"ew2_{name}", fn, strategy, covers, np_fn=np_fn, max_examples=N)
       for name, fn, np_fn, covers, strategy in BINARY]
    + [
        Case("ew2_ldexp", lambda x, e: lnp.ldexp(x, e), ldexp_args(), ("ldexp",),
             np_fn=lambda x, e: np.ldexp(x, e), max_examples=N),
        Case("ew2_real_if_close_complex", lambda z: lnp.real_if_close(z) * z,
             st.tuples(hnp.arrays(np.float64, 3, elements=st.floats(-1, 1)),
                       hnp.arrays(np.float64, 3, elements=st.floats(0.5, 1))).map(
                 lambda ab: ((ab[0] + 1j * ab[1],), {})),
             ("mul",), np_fn=lambda z: np.real_if_close(z) * z, max_examples=N),
    ]
)
