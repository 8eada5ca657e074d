"""Derivatives of the incomplete gamma / beta functions and of stdtr in their shape parameters.

Compared with Richardson-extrapolated central differences of SciPy itself and, when
mpmath is installed, with 60-digit derivatives; the distributions of
``linad.scipy.stats`` built on them are differentiable in their shape parameters.
"""
import numpy as np
import pytest
import scipy.special as sc

import linad
from linad.primitives import incomplete
from linad.scipy import special as lsp
from linad.scipy import stats as lst

SHAPES = [0.1, 0.5, 1.0, 2.5, 10.0, 100.0]


def richardson(f, s, h=1e-3):
    """``f'(s)`` by central differences at steps ``h``, ``h/2``, ``h/4`` extrapolated twice
    (error ``O(h^6)``); ``h`` relative to ``s``."""
    h = h * max(abs(s), 1e-2)
    d = [(f(s + k) - f(s - k)) / (2 * k) for k in (h, h / 2, h / 4)]
    d1 = [(4 * d[1] - d[0]) / 3, (4 * d[2] - d[1]) / 3]
    return (16 * d1[1] - d1[0]) / 15


def assert_derivative(got, expected, rtol=1e-7, atol=1e-13):
    np.testing.assert_allclose(got, expected, rtol=rtol, atol=atol)


def gamma_points():
    for a in SHAPES:
        for x in [1e-3, 0.3, 1.0, max(a - 3 * np.sqrt(a), 0.05), a, a + 3 * np.sqrt(a),
                  3 * a + 20]:
            yield a, x


@pytest.mark.parametrize("a, x", list(gamma_points()))
def test_gammainc_da_against_finite_differences(a, x):
    # the complement's own differences where P is close to 1 (and conversely)
    if sc.gammainc(a, x) < 0.5:
        expected = richardson(lambda s: sc.gammainc(s, x), a)
    else:
        expected = -richardson(lambda s: sc.gammaincc(s, x), a)
    assert_derivative(linad.grad(lsp.gammainc)(a, x), expected)
    assert_derivative(linad.grad(lsp.gammaincc)(a, x), -expected)


def beta_points():
    for a in [0.1, 1.0, 3.0, 100.0]:
        for b in [0.1, 1.0, 3.0, 100.0]:
            for x in [1e-3, 0.2, a / (a + b), 0.8, 0.999]:
                yield a, b, x


@pytest.mark.parametrize("a, b, x", list(beta_points()))
def test_betainc_shape_against_finite_differences(a, b, x):
    lower = sc.betainc(a, b, x) < 0.5
    fn = sc.betainc if lower else sc.betaincc
    sign = 1 if lower else -1
    expected = [sign * richardson(lambda s: fn(s, b, x), a),
                sign * richardson(lambda s: fn(a, s, x), b)]
    got = linad.grad(lsp.betainc, argnums=(0, 1))(a, b, x)
    scale = np.abs(expected).max()  # differences have an absolute error relative to it
    # SciPy's own relative accuracy falls to about 1e-7 for values far below 1e-100
    rtol = 1e-7 if scale > 1e-100 else 1e-5
    for g, e in zip(got, expected):
        assert_derivative(g, e, rtol=rtol, atol=max(1e-8 * scale, 1e-290))
    gotc = linad.grad(lsp.betaincc, argnums=(0, 1))(a, b, x)
    np.testing.assert_array_equal(np.negative(gotc), got)


@pytest.mark.parametrize("df", [0.3, 1.0, 4.0, 30.0, 1000.0])
@pytest.mark.parametrize("t", [-30.0, -2.0, -0.1, 0.5, 3.0, 100.0])
def test_stdtr_ddf_against_finite_differences(df, t):
    expected = richardson(lambda d: sc.stdtr(d, t) if t < 0 else -sc.stdtr(d, -t), df)
    assert_derivative(linad.grad(lsp.stdtr)(df, t), expected, atol=1e-15)


def test_vectorised_over_broadcast_operands():
    a = np.array([[0.1], [2.0], [100.0]])
    x = np.array([1e-3, 1.0, 150.0])
    got = linad.jacfwd(lambda a: lsp.gammainc(a, x))(a)
    expected = incomplete.gammainc_da(a, x)
    np.testing.assert_allclose(got[np.arange(3), :, np.arange(3), 0], expected, rtol=1e-14)


def test_domain_edges():
    assert float(incomplete.gammainc_da(2.0, 0.0)) == 0.0
    assert float(incomplete.gammainc_da(2.0, np.inf)) == 0.0
    assert np.isnan(incomplete.gammainc_da(-1.0, 2.0))
    assert float(incomplete.betainc_da(2.0, 3.0, 0.0)) == 0.0
    assert float(incomplete.betainc_db(2.0, 3.0, 1.0)) == 0.0
    assert np.isnan(incomplete.betainc_da(2.0, 3.0, 1.5))
    assert float(incomplete.stdtr_ddf(2.0, 0.0)) == 0.0
    assert np.isnan(incomplete.stdtr_ddf(-2.0, 1.0))


def test_closed_forms():
    # I_x(a, 1) = x^a and I_x(1, b) = 1 - (1-x)^b
    x = np.array([1e-6, 0.3, 0.9])
    np.testing.assert_allclose(incomplete.betainc_da(2.0, 1.0, x), x ** 2 * np.log(x),
                               rtol=1e-14)
    np.testing.assert_allclose(incomplete.betainc_db(1.0, 3.0, x),
                               -(1 - x) ** 3 * np.log1p(-x), rtol=1e-14)


def test_float32_keeps_float32():
    g = linad.grad(lambda a: lsp.gammainc(a, np.float32(2.0)))(np.float32(1.5))
    assert np.asarray(g).dtype == np.float32


def test_against_mpmath():
    mp = pytest.importorskip("mpmath")
    mp.mp.dps = 60
    for a, x in [(0.1, 1e-4), (0.1, 5.0), (2.5, 2.0), (100.0, 95.0), (100.0, 130.0),
                 (3.0, 40.0)]:
        p = mp.gammainc(a, 0, x, regularized=True)
        if p < 0.5:
            ref = mp.diff(lambda s: mp.gammainc(s, 0, x, regularized=True), a)
        else:
            ref = -mp.diff(lambda s: mp.gammainc(s, x, mp.inf, regularized=True), a)
        np.testing.assert_allclose(incomplete.gammainc_da(a, x), float(ref), rtol=1e-12)
    for a, b, x in [(0.1, 3.0, 0.5), (3.0, 0.1, 0.9999), (50.0, 60.0, 0.45), (2.0, 5.0, 1e-5)]:
        for k, fn in enumerate((incomplete.betainc_da, incomplete.betainc_db)):
            def f(s):
                p, q = (s, b) if k == 0 else (a, s)
                return mp.betainc(p, q, 0, x, regularized=True)
            ref = mp.diff(f, (a, b)[k])
            np.testing.assert_allclose(fn(a, b, x), float(ref), rtol=1e-12)
    for df, t in [(0.5, -3.0), (5.0, 0.2), (1000.0, 1.0), (3.0, 200.0)]:
        def cdf(n):
            v = mp.betainc(n / 2, 0.5, 0, n / (n + t * t), regularized=True) / 2
            return v if t < 0 else 1 - v
        np.testing.assert_allclose(incomplete.stdtr_ddf(df, t), float(mp.diff(cdf, df)),
                                   rtol=1e-12)


@pytest.mark.parametrize("method", ["cdf", "sf", "logcdf", "logsf"])
def test_stats_shape_gradients(method):
    import scipy.stats as ss
    for dist, sdist, x, shapes in [(lst.gamma, ss.gamma, 3.0, (2.5,)),
                                   (lst.beta, ss.beta, 0.3, (2.0, 4.0)),
                                   (lst.t, ss.t, -1.5, (4.0,))]:
        got = linad.grad(lambda *s: getattr(dist, method)(x, *s),
                         argnums=tuple(range(len(shapes))))(*shapes)
        for k in range(len(shapes)):
            def f(v, k=k):
                s = list(shapes)
                s[k] = v
                return getattr(sdist, method)(x, *s)
            assert_derivative(got[k], richardson(f, shapes[k]), rtol=1e-8)


def test_second_derivative_in_a_shape_raises():
    with pytest.raises(NotImplementedError, match="second derivative of gammainc"):
        linad.grad(linad.grad(lsp.gammainc))(2.0, 3.0)
    with pytest.raises(NotImplementedError, match="second derivative of betainc"):
        linad.grad(linad.grad(lsp.betainc, argnums=1))(2.0, 3.0, 0.4)
    with pytest.raises(NotImplementedError, match="second derivative of stdtr"):
        linad.grad(linad.grad(lsp.stdtr))(2.0, 3.0)
    # the mixed second derivative (in x of the derivative in a) is implemented
    mixed = linad.grad(linad.grad(lsp.gammainc), argnums=1)(2.0, 3.0)
    expected = richardson(lambda x: incomplete.gammainc_da(2.0, x), 3.0)
    assert_derivative(mixed, expected)
