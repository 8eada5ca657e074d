"""Cases for the special-function primitives (linad.primitives.special).

Every function runs through ``linad.scipy.special`` (``fn``) and, where SciPy's
function is a ufunc, through the plain ``scipy.special`` call on traced values
(``np_fn``: the dispatch route).  Arguments without a derivative (the order of
polygamma, the exponent of zeta) are drawn as static values.  The shape parameters of
the incomplete gamma / beta functions and of stdtr have a first derivative only (their
second derivative in a shape parameter raises): the ``*_shape`` cases differentiate in
every operand to first order, the ``*_mixed`` cases differentiate the derivative in the
shape parameter in ``x`` (to second order).
"""
import linad
import numpy as np
import scipy.special as sc
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from linad.scipy import special as lsp
from systematic import Case, broadcast_pair, shapes

N = 6  # hypothesis examples per case


def one(lo, hi):
    """One array (scalars included) with elements in [lo, hi]."""
    return shapes(0, 3, 1, 4).flatmap(
        lambda s: hnp.arrays(np.float64, s, elements=st.floats(lo, hi))).map(lambda a: ((a,), {}))


def pair(x_range, y_range):
    """Two broadcast-compatible arrays with elements in the given ranges."""
    return broadcast_pair().flatmap(lambda ss: st.tuples(
        hnp.arrays(np.float64, ss[0], elements=st.floats(*x_range)),
        hnp.arrays(np.float64, ss[1], elements=st.floats(*y_range)))).map(lambda ab: (ab, {}))


def signed(lo, hi):
    """Floats with magnitude in [lo, hi] and either sign."""
    return st.tuples(st.floats(lo, hi), st.booleans()).map(lambda p: p[0] if p[1] else -p[0])


def one_signed(lo, hi):
    return shapes(0, 3, 1, 4).flatmap(
        lambda s: hnp.arrays(np.float64, s, elements=signed(lo, hi))).map(lambda a: ((a,), {}))


def triple(ranges):
    """Three broadcast-compatible arrays with elements in the given ranges."""
    shapes3 = hnp.mutually_broadcastable_shapes(num_shapes=3, min_dims=0, max_dims=2,
                                                max_side=3).map(lambda r: r.input_shapes)
    return shapes3.flatmap(lambda ss: st.tuples(*[
        hnp.arrays(np.float64, s, elements=st.floats(*r)) for s, r in zip(ss, ranges)])).map(
        lambda abc: (abc, {}))


def with_static(strategy, **static_strategies):
    """``strategy`` (of ``(args, {})``) with static keyword arguments drawn as given."""
    return st.tuples(strategy, st.fixed_dictionaries(static_strategies)).map(
        lambda p: (p[0][0], p[1]))


# name, linad function, plain SciPy function (None: not a ufunc), primitives, strategy
UNARY = [
    ("gammaln", lsp.gammaln, sc.gammaln, ("gammaln", "digamma", "polygamma"), one(0.3, 4.0)),
    ("gammaln_negative", lsp.gammaln, sc.gammaln, ("gammaln",), one(-2.8, -2.2)),
    ("digamma", lsp.digamma, sc.digamma, ("digamma", "polygamma"), one(0.3, 4.0)),
    ("psi", lsp.psi, sc.psi, ("digamma",), one(0.3, 4.0)),
    ("gamma", lsp.gamma, sc.gamma, ("gamma", "digamma"), one(0.3, 3.0)),
    ("erf", lsp.erf, sc.erf, ("erf", "exp"), one(-2.0, 2.0)),
    ("erfc", lsp.erfc, sc.erfc, ("erfc", "exp"), one(-2.0, 2.0)),
    ("erfinv", lsp.erfinv, sc.erfinv, ("erfinv", "exp"), one(-0.9, 0.9)),
    ("erfcinv", lsp.erfcinv, sc.erfcinv, ("erfcinv", "exp"), one(0.1, 1.9)),
    ("ndtr", lsp.ndtr, sc.ndtr, ("ndtr", "exp"), one(-3.0, 3.0)),
    ("log_ndtr", lsp.log_ndtr, sc.log_ndtr, ("log_ndtr", "exp"), one(-8.0, 3.0)),
    ("ndtri", lsp.ndtri, sc.ndtri, ("ndtri", "exp"), one(0.05, 0.95)),
    ("expit", lsp.expit, sc.expit, ("expit",), one(-4.0, 4.0)),
    ("log_expit", lsp.log_expit, sc.log_expit, ("log_expit", "expit"), one(-4.0, 4.0)),
    ("logit", lsp.logit, sc.logit, ("log", "div"), one(0.05, 0.95)),
    ("softplus", lsp.softplus, None, ("logaddexp",), one(-4.0, 4.0)),
    ("i0", lsp.i0, sc.i0, ("i0", "i1"), one(-3.0, 3.0)),
    ("i1", lsp.i1, sc.i1, ("i1", "i0"), one_signed(0.1, 3.0)),
    ("i0e", lsp.i0e, sc.i0e, ("i0e", "i1e"), one_signed(0.1, 3.0)),
    ("i1e", lsp.i1e, sc.i1e, ("i1e", "i0e"), one_signed(0.1, 3.0)),
    ("entr", lsp.entr, sc.entr, ("xlogy",), one(0.1, 3.0)),
]

BINARY = [
    ("xlogy", lsp.xlogy, sc.xlogy, ("xlogy",), pair((-2.0, 2.0), (0.2, 3.0))),
    ("xlog1py", lsp.xlog1py, sc.xlog1py, ("xlog1py",), pair((-2.0, 2.0), (-0.7, 2.0))),
    ("rel_entr", lsp.rel_entr, sc.rel_entr, ("rel_entr",), pair((0.2, 3.0), (0.2, 3.0))),
    ("kl_div", lsp.kl_div, sc.kl_div, ("rel_entr",), pair((0.2, 3.0), (0.2, 3.0))),
    ("betaln", lsp.betaln, sc.betaln, ("betaln", "digamma"), pair((0.3, 4.0), (0.3, 4.0))),
    ("beta", lsp.beta, sc.beta, ("beta", "digamma"), pair((0.3, 4.0), (0.3, 4.0))),
    ("huber", lsp.huber, sc.huber, ("where", "abs"),
     pair((0.5, 2.0), (-3.0, 3.0)).filter(
         lambda a: np.all(np.abs(np.abs(a[0][1]) - a[0][0]) > 0.05))),
    ("pseudo_huber", lsp.pseudo_huber, sc.pseudo_huber, ("hypot",),
     pair((0.3, 2.0), (-3.0, 3.0))),
]


def _a(x, a):
    return x


STATIC = [
    # name, linad function of the differentiable args, plain SciPy version, primitives, strategy
    ("polygamma", lambda x, n: lsp.polygamma(n, x), None, ("polygamma",),
     with_static(one(0.3, 4.0), n=st.integers(0, 3))),
    ("zeta_q", lambda q, x: lsp.zeta(x, q), None, ("zeta",),
     with_static(one(0.5, 3.0), x=st.floats(1.5, 4.0))),
    ("gammainc", lambda x, a: lsp.gammainc(a, x), lambda x, a: sc.gammainc(a, x),
     ("gammainc", "xlogy", "gammaln"), with_static(one(0.1, 4.0), a=st.floats(0.5, 3.0))),
    ("gammaincc", lambda x, a: lsp.gammaincc(a, x), lambda x, a: sc.gammaincc(a, x),
     ("gammaincc",), with_static(one(0.1, 4.0), a=st.floats(0.5, 3.0))),
    ("betainc", lambda x, a, b: lsp.betainc(a, b, x), lambda x, a, b: sc.betainc(a, b, x),
     ("betainc", "xlog1py", "betaln"),
     with_static(one(0.05, 0.95), a=st.floats(0.5, 3.0), b=st.floats(0.5, 3.0))),
    ("betaincc", lambda x, a, b: lsp.betaincc(a, b, x), lambda x, a, b: sc.betaincc(a, b, x),
     ("betaincc",), with_static(one(0.05, 0.95), a=st.floats(0.5, 3.0), b=st.floats(0.5, 3.0))),
    ("stdtr", lambda x, df: lsp.stdtr(df, x), lambda x, df: sc.stdtr(df, x), ("stdtr",),
     with_static(one(-3.0, 3.0), df=st.floats(0.5, 10.0))),
    ("multigammaln", lambda a, d: lsp.multigammaln(a, d), None, ("gammaln",),
     with_static(one(2.0, 4.0), d=st.integers(1, 4))),
]


def _gammainc_mixed(x, a):
    """``d/da gammainc(a, x)`` as a function of ``x``."""
    return linad.jvp(lambda a: lsp.gammainc(a, x), (a,), (1.0,))[1]


def _betainc_mixed(x, a, b, wrt):
    """``d/da`` (``wrt == 0``) or ``d/db`` betainc(a, b, x), as a function of ``x``."""
    shape = (a, b)
    f = (lambda s: lsp.betainc(s, b, x)) if wrt == 0 else (lambda s: lsp.betainc(a, s, x))
    return linad.jvp(f, (shape[wrt],), (1.0,))[1]


def _stdtr_mixed(x, df):
    """``d/ddf stdtr(df, x)`` as a function of ``x``."""
    return linad.jvp(lambda d: lsp.stdtr(d, x), (df,), (1.0,))[1]


# name, linad function, plain SciPy function, primitives, strategy: first order in all operands
SHAPE = [
    ("gammainc_shape", lsp.gammainc, sc.gammainc, ("gammainc", "gammainc_da"),
     pair((0.2, 5.0), (0.05, 8.0))),
    ("gammaincc_shape", lsp.gammaincc, sc.gammaincc, ("gammaincc", "gammainc_da"),
     pair((0.2, 5.0), (0.05, 8.0))),
    ("betainc_shape", lsp.betainc, sc.betainc, ("betainc", "betainc_da", "betainc_db"),
     triple([(0.3, 4.0), (0.3, 4.0), (0.02, 0.98)])),
    ("betaincc_shape", lsp.betaincc, sc.betaincc, ("betaincc", "betainc_da", "betainc_db"),
     triple([(0.3, 4.0), (0.3, 4.0), (0.02, 0.98)])),
    ("stdtr_shape", lsp.stdtr, sc.stdtr, ("stdtr", "stdtr_ddf"),
     pair((0.5, 20.0), (-4.0, 4.0))),
]

# the shape derivatives as functions of x: second order
MIXED = [
    ("gammainc_mixed", _gammainc_mixed, ("gammainc_da", "digamma"),
     with_static(one(0.1, 6.0), a=st.floats(0.3, 4.0))),
    ("betainc_da_mixed", lambda x, a, b: _betainc_mixed(x, a, b, 0), ("betainc_da", "digamma"),
     with_static(one(0.05, 0.95), a=st.floats(0.3, 4.0), b=st.floats(0.3, 4.0))),
    ("betainc_db_mixed", lambda x, a, b: _betainc_mixed(x, a, b, 1), ("betainc_db", "digamma"),
     with_static(one(0.05, 0.95), a=st.floats(0.3, 4.0), b=st.floats(0.3, 4.0))),
    ("stdtr_mixed", _stdtr_mixed, ("stdtr_ddf", "digamma"),
     with_static(one(-4.0, 4.0), df=st.floats(0.5, 20.0))),
]


def _cases():
    cases = []
    for name, fn, np_fn, covers, strategy in UNARY + BINARY + STATIC:
        cases.append(Case(f"special_{name}", fn, strategy, covers, np_fn=np_fn,
                          max_examples=N))
    for name, fn, np_fn, covers, strategy in SHAPE:
        cases.append(Case(f"special_{name}", fn, strategy, covers, np_fn=np_fn, order=1,
                          max_examples=N))
    for name, fn, covers, strategy in MIXED:
        cases.append(Case(f"special_{name}", fn, strategy, covers, max_examples=N))
    return cases


CASES = _cases() + [
    # float32 keeps float32 through the primitive and its rules
    Case("special_gammaln_float32", lambda x: lsp.gammaln(x.astype(np.float32)),
         one(0.5, 3.0), ("gammaln", "convert"), order=1, atol=1e-3, rtol=1e-3, eps=1e-3,
         max_examples=3),
    # complex input: the holomorphic derivative of erf, erfc, ndtr
    Case("special_erf_complex", lsp.erf, pair((-1.0, 1.0), (-1.0, 1.0)).map(
        lambda ab: ((ab[0][0] + 1j * ab[0][1],), {})), ("erf",), np_fn=sc.erf, max_examples=4),
    Case("special_ndtr_complex", lsp.ndtr, pair((-1.0, 1.0), (-1.0, 1.0)).map(
        lambda ab: ((ab[0][0] + 1j * ab[0][1],), {})), ("ndtr",), np_fn=sc.ndtr,
         max_examples=4),
]
