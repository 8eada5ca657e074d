"""linad.scipy.special and linad.scipy.stats against SciPy: values, derivatives, errors.

Values are compared with SciPy over hypothesis-drawn inputs (float64 and float32);
derivatives with central finite differences (``check_grads``, both modes, second
order) and with closed forms; every documented error is raised.
"""
import numpy as np
import pytest
import scipy.special as sc
import scipy.stats as ss
from hypothesis import given, settings, strategies as st
from hypothesis.extra import numpy as hnp

import linad
from linad.scipy import special as lsp
from linad.scipy import stats as lst
from linad.testing import check_grads

# SciPy's own warnings (division by a zero scale in scipy.stats) are not linad's
pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning:scipy.*")
SETTINGS = settings(max_examples=15, deadline=None)


def arrays(lo, hi, dtype=np.float64, min_dims=0):
    return hnp.array_shapes(min_dims=min_dims, max_dims=2, max_side=4).flatmap(
        lambda s: hnp.arrays(np.float64, s, elements=st.floats(lo, hi))).map(
        lambda a: a.astype(dtype))


def broadcastable(n):
    return hnp.mutually_broadcastable_shapes(num_shapes=n, max_dims=2, max_side=4).map(
        lambda r: r.input_shapes)


def array_of(shape, lo, hi, dtype=np.float64):
    return hnp.arrays(np.float64, shape, elements=st.floats(lo, hi)).map(
        lambda a: a.astype(dtype))


DTYPES = st.sampled_from([np.float64, np.float32])


def assert_values(got, expected, dtype):
    tol = 1e-5 if dtype == np.float32 else 1e-11
    np.testing.assert_allclose(np.asarray(got, np.float64), np.asarray(expected, np.float64),
                               rtol=tol, atol=tol)


# ============================================================================ special: values

UNARY = [  # name, domain
    ("gammaln", (0.1, 10.0)), ("digamma", (0.1, 10.0)), ("psi", (0.1, 10.0)),
    ("gamma", (0.1, 5.0)), ("erf", (-3.0, 3.0)), ("erfc", (-3.0, 3.0)),
    ("erfinv", (-0.99, 0.99)), ("erfcinv", (0.01, 1.99)), ("ndtr", (-5.0, 5.0)),
    ("log_ndtr", (-30.0, 5.0)), ("ndtri", (0.01, 0.99)), ("expit", (-30.0, 30.0)),
    ("logit", (0.01, 0.99)), ("log_expit", (-30.0, 30.0)), ("softplus", (-30.0, 30.0)),
    ("i0", (-5.0, 5.0)), ("i0e", (-5.0, 5.0)), ("i1", (-5.0, 5.0)), ("i1e", (-5.0, 5.0)),
    ("entr", (-1.0, 3.0)),
]
BINARY = [  # name, domain of the first, of the second argument
    ("xlogy", (-2.0, 2.0), (0.0, 3.0)), ("xlog1py", (-2.0, 2.0), (-1.0, 3.0)),
    ("rel_entr", (-1.0, 3.0), (-1.0, 3.0)), ("kl_div", (-1.0, 3.0), (-1.0, 3.0)),
    ("betaln", (0.1, 5.0), (0.1, 5.0)), ("beta", (0.1, 5.0), (0.1, 5.0)),
    ("huber", (-1.0, 2.0), (-3.0, 3.0)), ("pseudo_huber", (-1.0, 2.0), (-3.0, 3.0)),
    ("gammainc", (0.1, 5.0), (0.0, 6.0)), ("gammaincc", (0.1, 5.0), (0.0, 6.0)),
    ("stdtr", (0.5, 20.0), (-5.0, 5.0)), ("zeta", (1.1, 5.0), (0.1, 4.0)),
]


@pytest.mark.parametrize("name, domain", UNARY, ids=[u[0] for u in UNARY])
@SETTINGS
@given(data=st.data())
def test_unary_values(name, domain, data):
    dtype = data.draw(DTYPES)
    x = data.draw(arrays(*domain, dtype))
    got = getattr(lsp, name)(x)
    assert_values(got, getattr(sc, name)(x), dtype)
    assert np.asarray(got).dtype == dtype


@pytest.mark.parametrize("name, dom1, dom2", BINARY, ids=[b[0] for b in BINARY])
@SETTINGS
@given(data=st.data())
def test_binary_values(name, dom1, dom2, data):
    dtype = data.draw(DTYPES)
    s1, s2 = data.draw(broadcastable(2))
    a, b = data.draw(array_of(s1, *dom1, dtype)), data.draw(array_of(s2, *dom2, dtype))
    if name == "pseudo_huber":  # SciPy's formula overflows to inf for tiny delta (ours does not)
        a = np.where(np.abs(a) < 1e-100, 0, a).astype(dtype)
    assert_values(getattr(lsp, name)(a, b), getattr(sc, name)(a, b), dtype)


@SETTINGS
@given(data=st.data())
def test_three_argument_and_order_values(data):
    a, b = data.draw(st.floats(0.2, 5.0)), data.draw(st.floats(0.2, 5.0))
    x = data.draw(arrays(0.0, 1.0))
    assert_values(lsp.betainc(a, b, x), sc.betainc(a, b, x), np.float64)
    assert_values(lsp.betaincc(a, b, x), sc.betaincc(a, b, x), np.float64)
    n = data.draw(st.integers(0, 4))
    y = data.draw(arrays(0.2, 5.0))
    assert_values(lsp.polygamma(n, y), sc.polygamma(n, y), np.float64)
    d = data.draw(st.integers(1, 5))
    assert_values(lsp.multigammaln(y + 0.5 * d, d), sc.multigammaln(y + 0.5 * d, d),
                  np.float64)
    assert_values(lsp.zeta(y + 1.0), sc.zeta(y + 1.0), np.float64)


def test_edge_values_match_scipy():
    cases = [("xlogy", (0.0, 0.0)), ("xlogy", (0.0, np.nan)), ("xlogy", (1.0, 0.0)),
             ("xlog1py", (0.0, -1.0)), ("entr", (0.0,)), ("entr", (-1.0,)),
             ("rel_entr", (0.0, 0.0)), ("rel_entr", (1.0, -1.0)), ("kl_div", (0.0, 2.0)),
             ("huber", (-1.0, 1.0)), ("pseudo_huber", (0.0, 1.0)), ("pseudo_huber", (-1.0, 1.0)),
             ("erfinv", (1.0,)), ("ndtri", (0.0,)), ("gammaln", (0.0,)), ("logit", (1.0,)),
             ("expit", (-800.0,)), ("log_ndtr", (-40.0,))]
    for name, args in cases:
        np.testing.assert_equal(np.asarray(getattr(lsp, name)(*args)), getattr(sc, name)(*args),
                                err_msg=name)


def test_logsumexp_b_and_return_sign_match_scipy():
    a, b = np.array([[0.5, 1.0, -2.0], [3.0, 0.0, 1.0]]), np.array([1.0, -2.0, 0.5])
    for axis in (None, 0, 1):
        r, s = lsp.logsumexp(a, axis=axis, b=b, return_sign=True)
        r0, s0 = sc.logsumexp(a, axis=axis, b=b, return_sign=True)
        np.testing.assert_allclose(r, r0, rtol=1e-13)
        np.testing.assert_array_equal(s, s0)
    check_grads(lambda a, b: lsp.logsumexp(a, axis=1, b=b, return_sign=True)[0],
                (a, b), order=2)


# ============================================================================ special: derivatives

def test_closed_form_derivatives():
    x = np.array([0.3, 1.0, 2.5])
    np.testing.assert_allclose(linad.jacfwd(lsp.gammaln)(x).diagonal(), sc.digamma(x))
    np.testing.assert_allclose(linad.hessian(lambda x: lsp.gammaln(x).sum())(x).diagonal(),
                               sc.polygamma(1, x))
    np.testing.assert_allclose(linad.grad(lambda x: lsp.erf(x).sum())(x),
                               2 / np.sqrt(np.pi) * np.exp(-x ** 2))
    np.testing.assert_allclose(linad.grad(lambda x: lsp.i0(x).sum())(x), sc.i1(x))
    np.testing.assert_allclose(linad.grad(lambda x: lsp.i1(x).sum())(x),
                               sc.i0(x) - sc.i1(x) / x)
    np.testing.assert_allclose(linad.grad(lambda x: lsp.ndtri(x).sum())(np.array([0.2, 0.7])),
                               1 / ss.norm.pdf(sc.ndtri(np.array([0.2, 0.7]))))
    # -d/dq zeta(x, q) = x zeta(x + 1, q)
    np.testing.assert_allclose(linad.grad(lsp.zeta, argnums=1)(3.0, 1.5),
                               -3.0 * sc.zeta(4.0, 1.5))


def test_derivatives_at_the_edges():
    # xlogy(0, y) is identically 0 along y; its derivative in x is log(y)
    gx, gy = linad.grad(lsp.xlogy, argnums=(0, 1))(0.0, 2.0)
    assert gx == np.log(2.0) and gy == 0.0
    gx, gy = linad.grad(lsp.xlogy, argnums=(0, 1))(0.0, 0.0)
    assert gx == -np.inf and gy == 0.0
    assert linad.grad(lsp.entr)(0.0) == np.inf
    assert linad.grad(lsp.entr)(-1.0) == 0.0   # constant -inf there
    assert linad.grad(lsp.i1)(0.0) == 0.5 and linad.grad(lsp.i1e)(0.0) == 0.5
    assert linad.grad(lsp.erfinv)(1.0) == np.inf
    # log_ndtr stays finite far in the left tail (slope ~ -x)
    assert np.isclose(linad.grad(lsp.log_ndtr)(-40.0), 40.0, rtol=1e-3)


def test_scipy_ufunc_dispatch():
    f = lambda x: sc.gammaln(x) + sc.xlogy(x, x) + sc.expit(x)  # noqa: E731
    g = lambda x: lsp.gammaln(x) + lsp.xlogy(x, x) + lsp.expit(x)  # noqa: E731
    x = np.array([0.5, 2.0])
    np.testing.assert_allclose(linad.jacfwd(f)(x), linad.jacfwd(g)(x), rtol=1e-14)


def test_float32_derivatives_stay_float32():
    x = np.array([0.5, 2.0], np.float32)
    assert linad.grad(lambda x: lsp.digamma(x).sum())(x).dtype == np.float32
    assert linad.grad(lambda x: lsp.polygamma(1, x).sum())(x).dtype == np.float32


def test_special_errors():
    with pytest.raises(TypeError, match="polygamma: the order n is an integer"):
        linad.grad(lambda n: lsp.polygamma(n, 2.0))(1.0)
    with pytest.raises(NotImplementedError, match="zeta: the derivative in the exponent x"):
        linad.grad(lambda x: lsp.zeta(x, 2.0))(3.0)
    with pytest.raises(NotImplementedError, match="Riemann zeta"):
        linad.grad(lsp.zeta)(3.0)
    for fn, args, arg in [(lsp.gammainc, (1.0, 2.0), 0), (lsp.gammaincc, (1.0, 2.0), 0),
                          (lsp.betainc, (1.0, 2.0, 0.5), 1), (lsp.betaincc, (1.0, 2.0, 0.5), 0),
                          (lsp.stdtr, (3.0, 0.5), 0)]:
        with pytest.raises(NotImplementedError, match="second derivative of .* shape"):
            linad.grad(linad.grad(fn, argnums=arg), argnums=arg)(*args)
    with pytest.raises(ValueError, match=r"a > \(d - 1\) / 2"):
        lsp.multigammaln(0.5, 3)
    with pytest.raises(TypeError, match="takes 2 arguments"):
        lsp.xlogy(1.0)


# ============================================================================ stats: values

def _positive(lo=0.3, hi=3.0):
    return st.floats(lo, hi)


CONTINUOUS = [  # name, strategy of the shape parameters, x range
    ("norm", st.just(()), (-6.0, 6.0)),
    ("t", st.tuples(_positive(0.5, 20.0)), (-6.0, 6.0)),
    ("gamma", st.tuples(_positive(0.3, 5.0)), (-1.0, 8.0)),
    ("beta", st.tuples(_positive(0.3, 4.0), _positive(0.3, 4.0)), (-0.5, 1.5)),
    ("expon", st.just(()), (-1.0, 6.0)),
]
METHODS = ["logpdf", "pdf", "cdf", "sf", "logcdf", "logsf"]


@pytest.mark.parametrize("name, shape_st, xr", CONTINUOUS, ids=[c[0] for c in CONTINUOUS])
@SETTINGS
@given(data=st.data())
def test_continuous_values(name, shape_st, xr, data):
    dtype = data.draw(DTYPES)
    x = data.draw(arrays(*xr, dtype))
    shapes = data.draw(shape_st)
    loc = data.draw(st.floats(-1.0, 1.0))
    scale = data.draw(st.one_of(st.floats(0.05, 3.0), st.sampled_from([0.0, -0.5])))
    for method in METHODS:
        got = getattr(getattr(lst, name), method)(x, *shapes, loc=loc, scale=scale)
        want = getattr(getattr(ss, name), method)(x, *shapes, loc=loc, scale=scale)
        if dtype == np.float32 and method.startswith("log"):  # float32 underflows below
            got, want = np.where(want < -80, -80, got), np.where(want < -80, -80, want)
        assert_values(got, want, dtype)
    if name in ("norm", "expon"):
        q = data.draw(arrays(-0.2, 1.2, dtype))
        assert_values(getattr(lst, name).ppf(q, loc, scale), getattr(ss, name).ppf(q, loc, scale),
                      dtype)


def test_edges_of_support_and_positional_loc_scale():
    x = np.array([-1.0, 0.0, 0.5, 1.0, 2.0])
    for method in METHODS:
        for dist, args in [(lst.beta, (2.0, 3.0)), (lst.gamma, (2.0,)), (lst.expon, ()),
                           (lst.beta, (0.5, 1.0)), (lst.gamma, (1.0,))]:
            ref = getattr(getattr(ss, type(dist).__name__[1:].lower()), method)
            np.testing.assert_allclose(getattr(dist, method)(x, *args, 0.0, 1.0),
                                       ref(x, *args, 0.0, 1.0), rtol=1e-12)
    np.testing.assert_array_equal(lst.norm.ppf(np.array([0.0, 1.0, 1.5])), [-np.inf, np.inf,
                                                                           np.nan])


@SETTINGS
@given(data=st.data())
def test_discrete_values(data):
    dtype = data.draw(DTYPES)
    sk, smu, sp = data.draw(broadcastable(3))
    k = data.draw(hnp.arrays(np.float64, sk, elements=st.sampled_from(
        [-1.0, 0.0, 1.0, 2.0, 2.5, 5.0])))
    mu = data.draw(array_of(smu, -0.5, 5.0, dtype))
    p = data.draw(array_of(sp, -0.2, 1.2, dtype))
    for method in ("logpmf", "pmf"):
        assert_values(getattr(lst.poisson, method)(k, mu), getattr(ss.poisson, method)(k, mu),
                      dtype)
        assert_values(getattr(lst.bernoulli, method)(k, p), getattr(ss.bernoulli, method)(k, p),
                      dtype)
    assert_values(lst.poisson.logpmf(k, 2.0, loc=1), ss.poisson.logpmf(k, 2.0, loc=1), dtype)


def _spd(draw, d):
    m = draw(hnp.arrays(np.float64, (d, d), elements=st.floats(-1.0, 1.0)))
    return m @ m.T + d * np.eye(d)


@SETTINGS
@given(data=st.data())
def test_multivariate_normal_values(data):
    d = data.draw(st.integers(1, 4))
    cov = data.draw(st.sampled_from(["full", "diag", "scalar"]))
    cov = {"full": _spd(data.draw, d), "diag": np.arange(1.0, d + 1),
           "scalar": 1.7}[cov] if d > 1 else data.draw(st.sampled_from([1.7, np.array([[2.0]])]))
    mean = data.draw(hnp.arrays(np.float64, (d,), elements=st.floats(-1.0, 1.0)))
    batch = data.draw(st.sampled_from([(), (1,), (3,), (2, 3)]))
    x = data.draw(hnp.arrays(np.float64, batch + (d,), elements=st.floats(-3.0, 3.0)))
    for method in ("logpdf", "pdf"):
        np.testing.assert_allclose(getattr(lst.multivariate_normal, method)(x, mean, cov),
                                   getattr(ss.multivariate_normal, method)(x, mean, cov),
                                   rtol=1e-10)
    if d == 1:  # scalar and 1-D x in one dimension
        np.testing.assert_allclose(lst.multivariate_normal.logpdf(np.array([0.5, 1.0]), mean, cov),
                                   ss.multivariate_normal.logpdf(np.array([0.5, 1.0]), mean, cov))


# ============================================================================ stats: derivatives

@pytest.mark.parametrize("name, shapes", [("norm", ()), ("t", (3.5,)), ("gamma", (2.5,)),
                                          ("beta", (2.5, 3.5)), ("expon", ())])
def test_continuous_gradients_in_data_loc_scale(name, shapes):
    dist = getattr(lst, name)
    x = np.array([0.35, 0.6, 0.8]) if name == "beta" else np.array([0.7, 1.5, 2.5])
    for method in METHODS:
        def f(x, loc, scale):
            return getattr(dist, method)(x, *shapes, loc=loc, scale=scale)
        check_grads(f, (x, 0.1, 1.2), order=2)


@pytest.mark.parametrize("name, shapes", [("t", (3.5,)), ("gamma", (2.5,)),
                                          ("beta", (2.5, 3.5))])
def test_logpdf_gradients_in_shape_parameters(name, shapes):
    dist = getattr(lst, name)
    x = np.array([0.35, 0.6]) if name == "beta" else np.array([0.7, 2.5])
    check_grads(lambda *s: dist.logpdf(x, *s, loc=0.1, scale=1.2), shapes, order=2)


def test_ppf_and_discrete_gradients():
    q = np.array([0.1, 0.5, 0.9])
    check_grads(lambda q, loc, scale: lst.norm.ppf(q, loc, scale), (q, 0.3, 2.0), order=2)
    check_grads(lambda q, loc, scale: lst.expon.ppf(q, loc, scale), (q, 0.3, 2.0), order=2)
    k = np.array([0.0, 1.0, 4.0])
    check_grads(lambda mu: lst.poisson.logpmf(k, mu), (np.array([0.5, 2.0, 3.0]),), order=2)
    check_grads(lambda p: lst.bernoulli.pmf(np.array([0.0, 1.0]), p), (np.array([0.3, 0.6]),),
                order=2)


def test_closed_form_stats_derivatives():
    x, mu, s = np.array([0.5, 2.0]), 0.3, 1.7
    gx, gmu, gs = linad.grad(lambda x, m, s: lst.norm.logpdf(x, m, s).sum(),
                             argnums=(0, 1, 2))(x, mu, s)
    np.testing.assert_allclose(gmu, np.sum((x - mu) / s ** 2))
    np.testing.assert_allclose(gx, -(x - mu) / s ** 2)
    np.testing.assert_allclose(gs, np.sum(((x - mu) ** 2 / s ** 2 - 1) / s))
    np.testing.assert_allclose(linad.grad(lambda x: lst.norm.cdf(x, mu, s).sum())(x),
                               ss.norm.pdf(x, mu, s))
    np.testing.assert_allclose(linad.grad(lambda x: lst.gamma.cdf(x, 2.5, scale=s).sum())(x),
                               ss.gamma.pdf(x, 2.5, scale=s))
    np.testing.assert_allclose(linad.grad(lambda x: lst.t.sf(x, 3.0).sum())(x),
                               -ss.t.pdf(x, 3.0))
    np.testing.assert_allclose(linad.grad(lambda m: lst.poisson.logpmf(3, m))(2.0), 3 / 2 - 1)
    # d/da gamma.logpdf = log x - log scale - digamma(a)
    np.testing.assert_allclose(linad.grad(lambda a: lst.gamma.logpdf(2.0, a, scale=s))(2.5),
                               np.log(2.0 / s) - sc.digamma(2.5))


def test_multivariate_normal_gradients():
    rng = np.random.default_rng(0)
    m = rng.standard_normal((3, 3))
    cov = m @ m.T + 3 * np.eye(3)
    x, mean = rng.standard_normal((4, 3)), rng.standard_normal(3)
    check_grads(lambda x, mean, cov: lst.multivariate_normal.logpdf(x, mean, cov),
                (x, mean, cov), order=2)
    # closed forms: d/dmean = sum_i cov^{-1} (x_i - mean); the symmetric d/dcov of the lower
    # triangle: G = (S^-1 D S^-1 - n S^-1) / 2 with D = sum_i d_i d_i^T, read on tril
    gmean, gcov = linad.grad(lambda mean, cov: lst.multivariate_normal.logpdf(x, mean, cov).sum(),
                             argnums=(0, 1))(mean, cov)
    inv = np.linalg.inv(cov)
    dev = x - mean
    np.testing.assert_allclose(gmean, inv @ dev.sum(0))
    g = 0.5 * (inv @ dev.T @ dev @ inv - len(x) * inv)
    np.testing.assert_allclose(gcov, np.tril(2 * g) - np.diag(np.diag(g)), atol=1e-12)
    check_grads(lambda c: lst.multivariate_normal.logpdf(x, mean, c), (np.array([1.0, 2, 3]),),
                order=2)


def test_stats_errors():
    for dist, shapes in [(lst.gamma, (2.0,)), (lst.beta, (2.0, 3.0)), (lst.t, (3.0,))]:
        for method in ("cdf", "sf", "logcdf", "logsf"):
            f = lambda s0: getattr(dist, method)(0.4, s0, *shapes[1:])  # noqa: E731
            with pytest.raises(NotImplementedError, match="second derivative of .* shape"):
                linad.grad(linad.grad(f))(shapes[0])
    with pytest.raises(TypeError, match="count k .* is discrete"):
        linad.grad(lambda k: lst.poisson.logpmf(k, 2.0))(1.0)
    with pytest.raises(TypeError, match="count k .* is discrete"):
        linad.grad(lambda k: lst.bernoulli.pmf(k, 0.5))(1.0)
    with pytest.raises(TypeError, match=r"expected the arguments \(a, loc=0, scale=1\)"):
        lst.gamma.logpdf(1.0)
    with pytest.raises(TypeError, match="loc given twice"):
        lst.norm.logpdf(1.0, 0.0, loc=1.0)
    with pytest.raises(NotImplementedError, match="allow_singular=True is not supported"):
        lst.multivariate_normal.logpdf(np.zeros(2), None, np.eye(2), allow_singular=True)
    with pytest.raises(np.linalg.LinAlgError):
        lst.multivariate_normal.logpdf(np.zeros(2), None, -np.eye(2))
    with pytest.raises(ValueError, match="x has 3 components"):
        lst.multivariate_normal.logpdf(np.zeros(3), np.zeros(2), np.eye(2))
    with pytest.raises(ValueError, match="cov has shape"):
        lst.multivariate_normal.logpdf(np.zeros(2), np.zeros(2), np.eye(3))


def test_ppf_at_the_ends_of_a_bounded_support_is_loc_plus_scale_times_the_bound():
    """expon.ppf(0) is the support's lower end, ``loc`` (not the standard bound 0), with
    derivative 1 in ``loc`` and 0 in ``scale``; q = 1 is +inf."""
    q = np.array([0.0, 1.0])
    np.testing.assert_array_equal(lst.expon.ppf(q, 1.5, 2.0), ss.expon.ppf(q, 1.5, 2.0))
    g_loc, g_scale = linad.grad(lambda l, s: lst.expon.ppf(np.array(0.0), l, s),
                                argnums=(0, 1))(1.5, 2.0)
    assert (float(g_loc), float(g_scale)) == (1.0, 0.0)
