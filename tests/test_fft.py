"""linad.numpy.fft: values, transposes and derivatives of the discrete Fourier transforms.

Oracles: NumPy's own ``np.fft`` (values, dtypes, and the tangent of a linear map, which is
the map applied to the tangent), transposes built entry by entry from NumPy's transform of
basis vectors, and closed forms (Parseval, the DFT matrix's cosines, irfft's weights).
"""
import numpy as np
import pytest

import linad
import linad.numpy as lnp
from linad.primitives import fft as P
from linad.testing import check_transpose

NORMS = [None, "backward", "ortho", "forward"]
ONE_D = ["fft", "ifft", "rfft", "irfft", "hfft", "ihfft"]
N_D = ["fftn", "ifftn", "rfftn", "irfftn", "fft2", "ifft2", "rfft2", "irfft2"]
REAL_ONLY = {"rfft", "ihfft", "rfftn", "rfft2"}


def _rand(shape, complex_=False, dtype=np.float64, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=shape)
    if complex_:
        x = x + 1j * rng.normal(size=shape)
    return x.astype(np.result_type(dtype, np.complex64) if complex_ else dtype)


def _inputs(name, shape):
    kinds = [False] if name in REAL_ONLY else [False, True]
    return [_rand(shape, c, seed=k) for k, c in enumerate(kinds)]


def _assert_same(got, want, rtol=1e-12):
    assert np.asarray(got).dtype == np.asarray(want).dtype
    np.testing.assert_allclose(got, want, rtol=rtol, atol=rtol)


# ============================================================================ values

def _check_against_numpy(name, shape, arg_sets, norm):
    """Values through lnp, and through np.fft on traced values: the tangent of a linear
    map is NumPy's transform of the tangent."""
    for x in _inputs(name, shape):
        for kw in arg_sets:
            kw = dict(kw, norm=norm)
            want = getattr(np.fft, name)(x, **kw)
            _assert_same(getattr(lnp.fft, name)(x, **kw), want)
            t = _rand(x.shape, np.iscomplexobj(x), seed=7)
            out, t_out = linad.jvp(lambda a: getattr(np.fft, name)(a, **kw), (x,), (t,))
            _assert_same(out, want)
            _assert_same(t_out, getattr(np.fft, name)(t, **kw))


ONE_D_ARGS = [dict(n=n, axis=axis) for n in (None, 1, 2, 3, 5, 6, 8, 9) for axis in (-1, 0)]


@pytest.mark.parametrize("norm", NORMS)
@pytest.mark.parametrize("name", ONE_D)
def test_one_dimensional_values_and_tangents_equal_numpy(name, norm):
    _check_against_numpy(name, (5, 6), ONE_D_ARGS, norm)


N_D_ARGS = [dict(), dict(s=(3, 7), axes=(0, 2)), dict(s=(2, 5), axes=(-1, 0)),
            dict(axes=(1,)), dict(s=(4, 4, 2), axes=(2, 1, 0)), dict(s=(-1, 3), axes=(0, 1)),
            dict(axes=(0, 0)), dict(s=(5, 2), axes=(1, 1))]
TWO_D_ARGS = [dict(), dict(s=(5, 2)), dict(axes=(0, 2)), dict(s=(2, 3), axes=(2, 0))]


@pytest.mark.parametrize("norm", NORMS)
@pytest.mark.parametrize("name", N_D)
def test_n_dimensional_values_and_tangents_equal_numpy(name, norm):
    _check_against_numpy(name, (3, 4, 5), TWO_D_ARGS if name.endswith("2") else N_D_ARGS, norm)


def test_no_axes_is_no_transform_as_in_numpy():
    x = _rand((3,))
    _assert_same(lnp.fft.fftn(x, axes=()), np.fft.fftn(x, axes=()))


def test_integer_and_list_inputs():
    for name in ONE_D + N_D:
        x = [[1, 2, 3], [4, 5, 7]]
        _assert_same(getattr(lnp.fft, name)(x), getattr(np.fft, name)(x))


@pytest.mark.parametrize("name", ["fftshift", "ifftshift"])
def test_shifts_equal_numpy(name):
    x = _rand((5, 4, 3))
    for axes in (None, 0, -1, (0, 2), [2, 1, 0]):
        _assert_same(getattr(lnp.fft, name)(x, axes=axes), getattr(np.fft, name)(x, axes=axes))
        t = _rand(x.shape, seed=3)
        _, t_out = linad.jvp(lambda a: getattr(np.fft, name)(a, axes=axes), (x,), (t,))
        _assert_same(t_out, getattr(np.fft, name)(t, axes=axes))
    _assert_same(lnp.fft.ifftshift(lnp.fft.fftshift(x)), x)


def test_frequencies_equal_numpy_and_differentiate_in_the_spacing():
    for n in (1, 4, 7):
        _assert_same(lnp.fft.fftfreq(n, 0.3), np.fft.fftfreq(n, 0.3))
        _assert_same(lnp.fft.rfftfreq(n, 0.3), np.fft.rfftfreq(n, 0.3))
    d = 0.3  # f = k / (n d): df/dd = -k / (n d^2)
    g = linad.grad(lambda d: lnp.fft.fftfreq(5, d)[2])(d)
    np.testing.assert_allclose(g, -2 / (5 * d ** 2), rtol=1e-12)
    g = linad.grad(lambda d: lnp.fft.rfftfreq(6, d)[3])(d)
    np.testing.assert_allclose(g, -3 / (6 * d ** 2), rtol=1e-12)


# ============================================================================ transposes

def _transpose_oracle(np_f, x_shape, x_complex, v):
    """The transpose of the real-linear map ``np_f`` at ``v``, entry by entry, under the
    pairing <u, v> = Re sum(u v): entry j is <np_f(e_j), v> (minus <np_f(i e_j), v> as
    its imaginary part for a complex input)."""
    out = np.zeros(x_shape, complex if x_complex else float)
    for j in np.ndindex(x_shape):
        e = np.zeros(x_shape)
        e[j] = 1.0
        out[j] = np.real(np.sum(np_f(e) * v))
        if x_complex:
            out[j] -= 1j * np.real(np.sum(np_f(1j * e) * v))
    return out


TRANSPOSE_CASES = [(name, n) for name in ONE_D for n in (None, 1, 2, 3, 4, 7, 8)]


@pytest.mark.parametrize("norm", NORMS)
@pytest.mark.parametrize("name, n", TRANSPOSE_CASES)
def test_transpose_equals_the_explicit_matrix_transpose(name, n, norm):
    """Input length 5 (and half spectra of 5): ``n`` crops, pads, is odd or even."""
    x = _inputs(name, (2, 5))[-1]
    kw = dict(n=n, axis=-1, norm=norm)
    out, f_lin = linad.linearize(lambda a: getattr(lnp.fft, name)(a, **kw), x)
    v = _rand(out.shape, np.iscomplexobj(out), seed=5)
    want = _transpose_oracle(lambda a: getattr(np.fft, name)(a, **kw), x.shape,
                             np.iscomplexobj(x), v)
    np.testing.assert_allclose(f_lin.T(v)[0], want, rtol=1e-12, atol=1e-12)
    check_transpose(f_lin)


@pytest.mark.parametrize("name, kw", [("fftn", dict(s=(3, 2), axes=(1, 0))),
                                      ("ifft2", dict(s=(4, 1))),
                                      ("rfftn", dict(s=(1, 4), axes=(0, 1))),
                                      ("irfftn", dict(s=(3, 5), axes=(1, 0))),
                                      ("irfft2", dict(norm="ortho"))])
def test_n_dimensional_transpose_equals_the_explicit_matrix_transpose(name, kw):
    x = _inputs(name, (2, 3))[-1]
    out, f_lin = linad.linearize(lambda a: getattr(lnp.fft, name)(a, **kw), x)
    v = _rand(out.shape, np.iscomplexobj(out), seed=5)
    want = _transpose_oracle(lambda a: getattr(np.fft, name)(a, **kw), x.shape,
                             np.iscomplexobj(x), v)
    np.testing.assert_allclose(f_lin.T(v)[0], want, rtol=1e-12, atol=1e-12)


def _primitive_maps(n, norm, dtype=np.float64):
    """(function, input) for each primitive at signal length ``n``."""
    cdt = np.result_type(dtype, np.complex64)
    m = P.half_length(n)
    return [(lambda z: P.fft(z, (1,), False, norm), _rand((3, n), True, cdt)),
            (lambda z: P.fft(z, (0, 1), True, norm), _rand((3, n), True, cdt)),
            (lambda z: P.fft(z, (1, 0), False, norm), _rand((n, 2), True, cdt)),
            (lambda x: P.rfft(x, 1, norm), _rand((3, n), dtype=dtype)),
            (lambda x: P.rfft(x, 0, norm), _rand((n, 2), dtype=dtype)),
            (lambda y: P.irfft(y, 1, n, norm), _rand((3, m), True, cdt)),
            (lambda y: P.irfft(y, 0, n, norm), _rand((m, 2), True, cdt))]


@pytest.mark.parametrize("norm", P.NORMS)
@pytest.mark.parametrize("n", range(1, 11))
def test_dot_product_test_of_each_primitive(n, norm):
    """<L u, v> = <u, L.T v> on random complex cotangents, and L.T.T == L."""
    for f, x in _primitive_maps(n, norm):
        _, f_lin = linad.linearize(f, x)
        check_transpose(f_lin, seed=n)
        u = _rand(x.shape, np.iscomplexobj(x), seed=11)
        np.testing.assert_allclose(f_lin.T.T(u), f_lin(u), rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(f_lin.T.T.T(f_lin(u))[0], f_lin.T(f_lin(u))[0],
                                   rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("norm", P.NORMS)
def test_single_precision_primitives(norm):
    for n in (4, 5):
        for f, x in _primitive_maps(n, norm, np.float32):
            out, f_lin = linad.linearize(f, x)
            assert out.dtype in (np.float32, np.complex64)
            check_transpose(f_lin)
            assert f_lin.T(out)[0].dtype == x.dtype


def test_transposed_program_is_built_from_fft_primitives():
    """rfft transposes to irfft (not to a full complex transform) and back."""
    _, f_lin = linad.linearize(lambda x: lnp.fft.rfft(x, n=6), _rand((5,)))
    names = [eq.prim.name for eq in f_lin.T.program.eqns]
    assert "irfft" in names and "fft" not in names
    names_tt = [eq.prim.name for eq in f_lin.T.T.program.eqns]
    assert "rfft" in names_tt and "irfft" not in names_tt


def test_batched_application_matches_one_at_a_time():
    """matmat runs every primitive and every transpose with a leading batch axis."""
    for name, x in [("fft2", _rand((3, 4), True)), ("rfftn", _rand((3, 5))),
                    ("irfft", _rand((2, 4), True)), ("hfft", _rand((3,), True))]:
        out, f_lin = linad.linearize(getattr(lnp.fft, name), x)
        us = np.stack([_rand(x.shape, np.iscomplexobj(x), seed=k) for k in range(3)])
        vs = np.stack([_rand(out.shape, np.iscomplexobj(out), seed=k) for k in range(3)])
        np.testing.assert_allclose(f_lin.matmat(us), np.stack([f_lin(u) for u in us]),
                                   rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(f_lin.T.matmat(vs)[0],
                                   np.stack([f_lin.T(v)[0] for v in vs]),
                                   rtol=1e-12, atol=1e-12)


def test_jacobian_is_the_dft_matrix():
    n = 6
    np.testing.assert_allclose(linad.jacfwd(lnp.fft.rfft)(np.zeros(n)),
                               np.fft.rfft(np.eye(n), axis=0), atol=1e-12)
    j = np.arange(n)
    np.testing.assert_allclose(linad.jacfwd(lnp.fft.fft)(np.zeros(n)),
                               np.exp(-2j * np.pi * np.outer(j, j) / n), atol=1e-12)


# ============================================================================ closed-form gradients

@pytest.mark.parametrize("n", [1, 4, 7])
def test_parseval_gradients(n):
    """sum |fft(x)|^2 = n sum x^2 (norm backward), = sum x^2 (ortho); for a complex x,
    with linad's transpose convention, the gradient is 2 n conj(x)."""
    x = _rand((n,))
    power = lambda X: lnp.sum(lnp.real(X * lnp.conj(X)))  # noqa: E731
    np.testing.assert_allclose(linad.grad(lambda x: power(np.fft.fft(x)))(x), 2 * n * x,
                               rtol=1e-12)
    np.testing.assert_allclose(linad.grad(lambda x: power(lnp.fft.fft(x, norm="ortho")))(x),
                               2 * x, rtol=1e-12)
    z = _rand((n,), True)
    np.testing.assert_allclose(linad.grad(lambda z: power(lnp.fft.ifft(z)))(z),
                               2 / n * np.conj(z), rtol=1e-12)


@pytest.mark.parametrize("n", [5, 6])
def test_single_entry_gradients(n):
    j = np.arange(n)
    x = _rand((n,))
    for k in range(n):
        theta = 2 * np.pi * j * k / n
        np.testing.assert_allclose(linad.grad(lambda x: lnp.real(lnp.fft.fft(x)[k]))(x),
                                   np.cos(theta), atol=1e-12)
        np.testing.assert_allclose(linad.grad(lambda x: lnp.imag(np.fft.fft(x)[k]))(x),
                                   -np.sin(theta), atol=1e-12)
    m = P.half_length(n)
    g = linad.grad(lambda x: lnp.sum(lnp.real(lnp.fft.rfft(x))))(x)
    np.testing.assert_allclose(g, np.cos(2 * np.pi * np.outer(j, np.arange(m)) / n).sum(1),
                               atol=1e-12)


@pytest.mark.parametrize("n", [5, 6])
def test_irfft_gradient_has_hermitian_weights(n):
    """x_j = (1/n) Re sum_k w_k y_k exp(2 pi i j k / n): its gradient in y is
    w_k exp(2 pi i j k / n) / n (real at DC and Nyquist: their imaginary parts do not count)."""
    m = P.half_length(n)
    k = np.arange(m)
    w = np.where((k == 0) | (2 * k == n), 1.0, 2.0)
    y = _rand((m,), True)
    for j in range(n):
        g = linad.grad(lambda y: lnp.fft.irfft(y, n)[j])(y)
        np.testing.assert_allclose(g, w * np.exp(2j * np.pi * j * k / n) / n, atol=1e-12)


@pytest.mark.parametrize("name", ["fft", "rfft", "irfft", "fft2", "rfftn", "hfft", "ihfft"])
def test_single_precision_dtypes(name):
    x = _rand((4, 6), name not in REAL_ONLY, np.float32)
    out = getattr(lnp.fft, name)(x)
    assert out.dtype == getattr(np.fft, name)(x).dtype
    power = lambda a: lnp.sum(lnp.real(getattr(lnp.fft, name)(a) ** 2))  # noqa: E731
    assert linad.grad(power)(x).dtype == x.dtype


# ============================================================================ errors

ALL = ONE_D + N_D


@pytest.mark.parametrize("name", ALL)
def test_bad_norm(name):
    with pytest.raises(ValueError, match='Invalid norm value .*"backward", "ortho" or'):
        getattr(lnp.fft, name)(np.ones((2, 3)), norm="bogus")


@pytest.mark.parametrize("name", ALL)
def test_out_is_refused_in_both_routes(name):
    with pytest.raises(TypeError, match=rf"np.fft.{name}\(\.\.\., out=\.\.\.\).*returned array"):
        getattr(lnp.fft, name)(np.ones((2, 4)), out=np.empty((2, 4), complex))
    with pytest.raises(TypeError, match=r"out=\.\.\.\).*returned array"):
        linad.grad(lambda x: getattr(np.fft, name)(x, out=np.empty((2, 4), complex)))(
            np.ones((2, 4)))


def test_bad_axes():
    x = np.ones((2, 3))
    with pytest.raises(np.exceptions.AxisError, match="out of bounds"):
        lnp.fft.fft(x, axis=2)
    with pytest.raises(np.exceptions.AxisError, match="out of bounds"):
        lnp.fft.fftn(x, axes=(0, -3))
    with pytest.raises(np.exceptions.AxisError, match="out of bounds"):
        linad.grad(lambda x: np.sum(np.fft.rfft2(x, axes=(0, 5)).real))(x)
    with pytest.raises(ValueError, match="Shape and axes have different lengths"):
        lnp.fft.fftn(x, s=(2, 2), axes=(0,))
    with pytest.raises(ValueError, match="at least one axis"):
        lnp.fft.rfftn(x, axes=())


def test_bad_lengths_and_dtypes():
    with pytest.raises(ValueError, match=r"Invalid number of FFT data points \(0\)"):
        lnp.fft.fft(np.ones(3), n=0)
    with pytest.raises(ValueError, match=r"Invalid number of FFT data points \(0\)"):
        lnp.fft.irfft(np.ones(1, complex))  # default n = 2 (m - 1) = 0
    with pytest.raises(ValueError, match=r"Invalid number of FFT data points \(-2\)"):
        lnp.fft.fftn(np.ones((2, 2)), s=(2, -2), axes=(0, 1))
    with pytest.raises(TypeError, match="takes a real input.*np.real"):
        lnp.fft.rfft(np.ones(3, complex))
    with pytest.raises(TypeError, match="must be real"):
        P.rfft(np.ones(3, complex), 0)
    with pytest.raises(ValueError, match="half spectrum along axis 0 has 2 entries"):
        linad.linearize(lambda y: P.irfft(y, 0, 5), np.ones(2, complex))
