"""``linad.scipy.stats`` under ``linad.jit``: the masks of the support and of invalid
parameters are recomputed on every call, never frozen at the staging call.

Each function is staged at a first point (every mask empty) and replayed, with the
same signature and no second staging, at points where the masks differ: ``x``
outside the support or on its boundary, ``q`` = 0 or 1 in ``ppf``, an invalid
scale or shape parameter (NaN), a count off the support.  Values, gradients
(in the data and in the parameters) and JVPs are compared with eager linad.
"""
import numpy as np
import pytest

import linad
from linad.core import ConcretizationError
from linad.scipy import stats


def _close(got, want, what):
    for g, w in zip(linad.tree.tree_leaves(got), linad.tree.tree_leaves(want)):
        g, w = np.asarray(g), np.asarray(w)
        assert g.dtype == w.dtype and g.shape == w.shape, what
        np.testing.assert_allclose(g, w, rtol=1e-12, atol=1e-12, err_msg=what)


def _with(args, argnums, values):
    args = list(args)
    for i, v in zip(argnums, values):
        args[i] = v
    return tuple(args)


def check_replay(f, points, argnums):
    """``jit(f)``, ``jit(grad(sum f))`` in ``argnums``, ``grad(jit(sum f))`` and
    ``jit(jvp(f))`` staged at ``points[0]`` and replayed at every point equal eager
    linad; ``jit`` stages each function once."""
    total = lambda *args: f(*args).sum()  # noqa: E731
    grad = linad.grad(total, argnums=argnums)

    def jvp(args, tangents):
        return linad.jvp(lambda *d: f(*_with(args, argnums, d)),
                         tuple(args[i] for i in argnums), tangents)

    jf, jg, jj = linad.jit(f), linad.jit(grad), linad.jit(jvp)
    gj = linad.grad(linad.jit(total), argnums=argnums)
    rng = np.random.default_rng(0)
    with np.errstate(all="ignore"):
        for args in points:
            args = tuple(np.asarray(a, float) for a in args)
            tangents = tuple(rng.standard_normal(np.shape(args[i])) for i in argnums)
            _close(jf(*args), f(*args), f"value at {args}")
            _close(jg(*args), grad(*args), f"jit(grad) at {args}")
            _close(gj(*args), grad(*args), f"grad(jit) at {args}")
            _close(jj(args, tangents), jvp(args, tangents), f"jvp at {args}")
    for j in (jf, jg, jj):
        assert j.cache_info().misses == 1


CDFS = ("cdf", "sf", "logcdf", "logsf")
DENSITIES = ("logpdf", "pdf")

# distribution, first point (all masks empty), points where masks are set,
# the positions of the shape parameters: (x, *shapes, loc, scale)
CONTINUOUS = {
    "norm": (stats.norm, (
        ([-1.0, 0.5, 2.0], 0.1, [1.5, 1.5, 1.5]),
        ([-1.0, 0.5, 2.0], 0.1, [1.5, -1.0, 0.0]),          # invalid scales: NaN
        ([-np.inf, 0.5, np.inf], -0.3, [1.5, 2.0, 1.0]),   # infinite x
    ), 0),
    "expon": (stats.expon, (
        ([0.5, 1.5, 3.0], 0.2, [1.5, 1.5, 1.5]),
        ([-1.0, 0.2, 3.0], 0.2, [1.5, 1.5, -2.0]),         # below, on the boundary, invalid
        ([0.5, 1.5, 3.0], 1.0, [1.5, 0.5, 1.5]),           # loc moves x below the support
    ), 0),
    "t": (stats.t, (
        ([-1.0, 0.5, 2.0], [3.0, 3.0, 3.0], 0.1, [1.5, 1.5, 1.5]),
        ([-1.0, 0.5, 2.0], [3.0, -1.0, 0.5], 0.1, [1.5, 1.5, -1.0]),  # invalid df, scale
    ), 1),
    "gamma": (stats.gamma, (
        ([0.5, 1.5, 3.0], [2.0, 2.0, 2.0], 0.0, [1.5, 1.5, 1.5]),
        ([-1.0, 0.0, 3.0], [2.0, 2.5, -1.0], 0.0, [1.5, 1.5, 1.5]),   # below, boundary, bad a
        ([0.5, 1.5, 3.0], [2.0, 2.0, 2.0], 1.0, [1.5, -1.0, 1.5]),    # loc, bad scale
    ), 1),
    "beta": (stats.beta, (
        ([0.2, 0.5, 0.7], [2.0, 2.0, 2.0], [3.0, 3.0, 3.0], 0.0, [1.0, 1.0, 1.0]),
        ([-0.5, 1.0, 1.5], [2.0, 2.0, 2.0], [3.0, 3.0, 3.0], 0.0, [1.0, 1.0, 1.0]),
        ([0.2, 0.5, 0.7], [2.0, -2.0, 2.0], [3.0, 3.0, 0.0], 0.0, [1.0, 1.0, 0.5]),
    ), 2),
}


def _method(dist, name):
    return lambda *args: getattr(dist, name)(*args)


@pytest.mark.parametrize("name", sorted(CONTINUOUS))
@pytest.mark.parametrize("method", DENSITIES + CDFS)
def test_continuous(name, method, optimizations):
    dist, points, n_shapes = CONTINUOUS[name]
    n = len(points[0])
    shapes = range(1, 1 + n_shapes)
    # the CDFs of t, gamma and beta have no derivative in their shape parameters
    argnums = tuple(i for i in range(n) if method in DENSITIES or i not in shapes)
    check_replay(_method(dist, method), points, argnums)


PPF_POINTS = (
    ([0.2, 0.5, 0.9, 0.7], 0.1, [2.0, 2.0, 2.0, 2.0]),
    ([0.0, 1.0, 1.5, 0.3], 0.1, [2.0, 2.0, 2.0, 2.0]),      # both ends, q outside [0, 1]
    ([0.2, 0.0, np.nan, 1.0], -0.4, [2.0, 2.0, 2.0, -1.0]),  # NaN q, an invalid scale
)


@pytest.mark.parametrize("dist", [stats.norm, stats.expon], ids=["norm", "expon"])
def test_ppf(dist, optimizations):
    check_replay(dist.ppf, PPF_POINTS, (0, 1, 2))


@pytest.mark.parametrize("dist, points", [
    (stats.poisson, (([0.0, 1.0, 2.0, 3.0], [2.0, 2.0, 2.0, 2.0]),
                     ([0.0, 1.5, -1.0, 3.0], [2.0, 2.0, 2.0, -1.0]),
                     ([0.0, 1.0, 2.0, 3.0], [0.0, 0.0, 2.0, 2.0]))),
    (stats.bernoulli, (([0.0, 1.0, 0.0, 1.0], [0.3, 0.3, 0.3, 0.3]),
                       ([0.0, 2.0, -1.0, 1.0], [0.3, 0.3, 0.3, 1.5]),
                       ([0.0, 1.0, 0.5, 1.0], [0.0, 1.0, 0.3, 1.0]))),
], ids=["poisson", "bernoulli"])
@pytest.mark.parametrize("method", ["logpmf", "pmf"])
def test_discrete(dist, points, method, optimizations):
    check_replay(_method(dist, method), points, (1,))


@pytest.mark.parametrize("dist", [stats.poisson, stats.bernoulli], ids=["poisson", "bernoulli"])
def test_discrete_loc_staged(dist):
    f = lambda k, p, loc: dist.logpmf(k, p, loc)  # noqa: E731
    jf = linad.jit(f)
    k, p = np.array([1.0, 2.0, 3.0]), np.array([0.4, 0.4, 0.4])
    with np.errstate(all="ignore"):
        for loc in (np.array(1.0), np.array(2.0), np.array(0.5)):
            _close(jf(k, p, loc), f(k, p, loc), f"loc {loc}")
    assert jf.cache_info().misses == 1


@pytest.mark.parametrize("dist", [stats.poisson, stats.bernoulli], ids=["poisson", "bernoulli"])
def test_differentiated_count_raises_under_jit(dist):
    f = linad.jit(linad.grad(lambda k: dist.logpmf(k, 0.5).sum()))
    with pytest.raises(TypeError, match="count k .* is discrete"):
        f(np.array([1.0, 0.0]))


@pytest.mark.parametrize("name", ["t", "gamma", "beta"])
@pytest.mark.parametrize("method", CDFS)
def test_cdf_shape_derivative_under_jit(name, method):
    dist, points, _ = CONTINUOUS[name]
    g = linad.grad(lambda *args: getattr(dist, method)(*args).sum(), argnums=1)
    f = linad.jit(g)
    for point in (points[0], points[-1]):  # inside the support (log of a zero CDF: -inf)
        args = [np.asarray(a) for a in point]
        np.testing.assert_allclose(f(*args), g(*args), rtol=1e-12, atol=1e-14)


# ---------------------------------------------------------------------------- multivariate normal

MVN_COVS = {
    "full": (np.array([[2.0, 0.5], [0.5, 1.0]]), np.array([[1.0, -0.3], [-0.3, 3.0]])),
    "diagonal": (np.array([2.0, 1.0]), np.array([0.5, 3.0])),
    "scalar": (np.array(2.0), np.array(0.25)),
}


@pytest.mark.parametrize("kind", sorted(MVN_COVS))
@pytest.mark.parametrize("method", ["logpdf", "pdf"])
def test_multivariate_normal(kind, method, optimizations):
    x = np.array([[1.0, 2.0], [-0.5, 0.3], [0.0, 0.0]])
    points = [(x + i, np.array([0.1, -0.2]) * i, cov) for i, cov in enumerate(MVN_COVS[kind])]
    check_replay(_method(stats.multivariate_normal, method), points, (0, 1, 2))


@pytest.mark.parametrize("x", [np.array(0.3), np.array([0.3, 1.0])], ids=["0-d", "1-d"])
def test_multivariate_normal_one_dimension(x):
    f = lambda x, mean, cov: stats.multivariate_normal.logpdf(x, mean, cov)  # noqa: E731
    check_replay(f, [(x, [0.1], 2.0), (x + 1, [-0.4], 0.5)], (0, 1, 2))


@pytest.mark.parametrize("good, bad", [
    (MVN_COVS["full"][0], np.array([[1.0, 2.0], [2.0, 1.0]])),
    (MVN_COVS["diagonal"][0], np.array([1.0, -2.0])),
    (MVN_COVS["scalar"][0], np.array(0.0)),
], ids=["full", "diagonal", "scalar"])
def test_multivariate_normal_not_positive_definite_raises_at_every_call(good, bad):
    x = np.array([[1.0, 2.0], [0.5, 0.3]])
    f = lambda x, cov: stats.multivariate_normal.logpdf(x, np.zeros(2), cov)  # noqa: E731
    for jf in (linad.jit(f), linad.jit(linad.grad(lambda x, c: f(x, c).sum(), argnums=1))):
        jf(x, good)
        for _ in range(2):
            with pytest.raises(np.linalg.LinAlgError, match="not positive definite"):
                jf(x, bad)
        jf(x, good)
        assert jf.cache_info().misses == 1


def test_multivariate_normal_shape_errors_under_jit():
    f = linad.jit(lambda x, cov: stats.multivariate_normal.logpdf(x, np.zeros(2), cov))
    with pytest.raises(ValueError, match="x has 3 components"):
        f(np.ones((4, 3)), np.eye(2))
    with pytest.raises(ValueError, match=r"cov has shape \(3, 3\)"):
        f(np.ones((4, 2)), np.eye(3))
    with pytest.raises(ValueError, match="the diagonal cov has 3 entries"):
        f(np.ones((4, 2)), np.ones(3))


def test_user_value_check_is_refused():
    """A user's own ``if`` on a traced parameter still needs a concrete value."""
    def f(mu, s):
        if s > 0:
            return stats.norm.logpdf(1.0, mu, s)
        return mu
    with pytest.raises(ConcretizationError):
        linad.jit(f)(np.array(0.0), np.array(1.0))
