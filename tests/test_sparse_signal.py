"""Sparse products (``sparse_matmul``, ``linad.scipy.sparse``) and ``linad.scipy.signal``.

Oracles: SciPy's own products and ``scipy.signal``'s values, ``S.toarray()`` for Jacobians,
dense solves for ``linear_solve``, finite differences, and the closed form of the transpose of a
convolution (a correlation).
"""
import numpy as np
import pytest
import scipy.signal as ss
import scipy.sparse as sp
from hypothesis import given, settings, strategies as st

import linad
import linad.numpy as lnp
from linad.scipy import signal
from linad.scipy import sparse as lsp
from linad.testing import check_grads, check_transpose

FORMATS = ["csr", "csc", "coo", "bsr", "dia", "lil", "dok"]
KINDS = ["array", "matrix"]


def _dense(m=5, n=4, dtype=np.float64, seed=0):
    r = np.random.default_rng(seed)
    A = r.standard_normal((m, n)) * (r.random((m, n)) < 0.6)
    if np.dtype(dtype).kind == "c":
        A = A + 1j * r.standard_normal((m, n)) * (A != 0)
    return A.astype(dtype)


def _sparse(A, fmt, kind):
    return getattr(sp, f"{fmt}_{kind}")(A)


def _rand(shape, dtype=np.float64, seed=1):
    r = np.random.default_rng(seed)
    x = r.standard_normal(shape)
    if np.dtype(dtype).kind == "c":
        x = x + 1j * r.standard_normal(shape)
    return x.astype(dtype)


# ============================================================================ sparse: product forms

# (name, f(S, x), shape of x for S of shape (5, 4), the same product with SciPy on concrete x)
_FORMS = [
    ("x @ S", lambda S, x: x @ S, (5,), lambda S, x: x @ S),
    ("x @ S (2-D)", lambda S, x: x @ S, (3, 5), lambda S, x: x @ S),
    ("x @ S.T", lambda S, x: x @ S.T, (4,), lambda S, x: S @ x),
    ("np.dot(S, x)", lambda S, x: np.dot(S, x), (4,), lambda S, x: S @ x),
    ("np.dot(S, X)", lambda S, x: np.dot(S, x), (4, 3), lambda S, x: S @ x),
    ("np.matmul(S, x)", lambda S, x: np.matmul(S, x), (4,), lambda S, x: S @ x),
    ("np.matmul(x, S)", lambda S, x: np.matmul(x, S), (2, 5), lambda S, x: x @ S),
    ("lnp.matmul(S, x)", lambda S, x: lnp.matmul(S, x), (4, 2), lambda S, x: S @ x),
    ("lnp.dot(x, S)", lambda S, x: lnp.dot(x, S), (5,), lambda S, x: x @ S),
    ("x.dot(S)", lambda S, x: x.dot(S), (5,), lambda S, x: x @ S),
    ("S.__rmatmul__ deferred", lambda S, x: x.__rmatmul__(S), (4,), lambda S, x: S @ x),
    ("sparse.matmul(S, x)", lambda S, x: lsp.matmul(S, x), (4,), lambda S, x: S @ x),
    ("sparse.matmul(S.T, x)", lambda S, x: lsp.matmul(S.T, x), (5, 2), lambda S, x: S.T @ x),
    ("sparse.dot(S, x)", lambda S, x: lsp.dot(S, x), (4,), lambda S, x: S.dot(x)),
    ("sparse.dot(x, S)", lambda S, x: lsp.dot(x, S), (5,), lambda S, x: x @ S),
]


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("name, f, shape, ref", _FORMS, ids=[f[0] for f in _FORMS])
def test_product_forms_values_and_derivatives(name, f, shape, ref, fmt, kind):
    A = _dense()
    S = _sparse(A, fmt, kind)
    x, t = _rand(shape, seed=1), _rand(shape, seed=2)
    expected = np.asarray(ref(S, x))
    out, out_t = linad.jvp(lambda x: f(S, x), (x,), (t,))
    np.testing.assert_allclose(out, expected, rtol=1e-13, atol=1e-13)
    np.testing.assert_allclose(out_t, np.asarray(ref(S, t)), rtol=1e-13, atol=1e-13)
    ct = _rand(expected.shape, seed=3)
    _, f_vjp = linad.vjp(lambda x: f(S, x), x)
    # the pairing <x_bar, t> = <ct, S t>, with SciPy's product as the oracle
    np.testing.assert_allclose(np.vdot(f_vjp(ct)[0], t), np.vdot(ct, ref(S, t)), rtol=1e-12)


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("kind", KINDS)
def test_jacobians_are_the_dense_matrix(fmt, kind):
    A = _dense()
    S = _sparse(A, fmt, kind)
    x = _rand(4)
    np.testing.assert_array_equal(linad.jacfwd(lambda x: lsp.matmul(S, x))(x), A)
    np.testing.assert_array_equal(linad.jacrev(lambda x: np.dot(S, x))(x), A)
    np.testing.assert_array_equal(linad.jacfwd(lambda y: y @ S)(_rand(5)), A.T)
    op = linad.jacobian_operator(lambda x: x @ S.T, x)
    np.testing.assert_allclose(op.matmat(np.eye(4)), A, rtol=1e-14)
    np.testing.assert_allclose(op.rmatmat(np.eye(5)), A.T, rtol=1e-14)


def test_batched_application_is_one_sparse_product():
    A = _dense()
    S = sp.csr_array(A)
    _, f_lin = linad.linearize(lambda X: lsp.matmul(S, X), _rand((4, 3)))
    batch = _rand((6, 4, 3), seed=5)
    np.testing.assert_allclose(f_lin.matmat(batch), np.einsum("ij,bjk->bik", A, batch),
                               rtol=1e-13)
    (x_bar,) = f_lin.T.matmat(_rand((2, 5, 3)))
    np.testing.assert_allclose(x_bar,
                               np.einsum("ji,bjk->bik", A, _rand((2, 5, 3))), rtol=1e-13)


@pytest.mark.parametrize("dtype_S, dtype_x", [
    (np.float64, np.float64), (np.float32, np.float32), (np.float64, np.float32),
    (np.complex128, np.float64), (np.float64, np.complex128), (np.complex64, np.complex64),
    (np.int64, np.float64)])
@pytest.mark.parametrize("fmt", ["csr", "coo", "dia"])
def test_dot_product_test_and_dtypes(dtype_S, dtype_x, fmt):
    A = _dense(dtype=np.float64 if dtype_S == np.int64 else dtype_S)
    if dtype_S == np.int64:
        A = np.round(A * 3).astype(np.int64)
    S = sp.coo_array(A).asformat(fmt)
    for shape in [(4,), (4, 3)]:
        x = _rand(shape, dtype_x)
        out, f_lin = linad.linearize(lambda x: lsp.matmul(S, x), x)
        assert out.dtype == np.result_type(A.dtype, dtype_x)
        np.testing.assert_allclose(out, A @ x, rtol=1e-5 if out.dtype in (np.float32, np.complex64) else 1e-13)
        check_transpose(f_lin)
        assert f_lin.T(out)[0].dtype == np.dtype(dtype_x)    # cotangents have the primal's dtype


def test_complex_matrix_real_input_gets_real_part():
    A = _dense(dtype=np.complex128)
    S = sp.csr_array(A)
    x, ct = _rand(4), _rand(5, np.complex128, seed=4)
    _, f_vjp = linad.vjp(lambda x: lsp.matmul(S, x), x)
    np.testing.assert_allclose(f_vjp(ct)[0], np.real(A.T @ ct), rtol=1e-13)   # no conjugation


def test_gradient_through_sparse_in_float32():
    S = sp.csr_array(_dense(dtype=np.float32))
    x = _rand(4, np.float32)
    g = linad.grad(lambda x: (x @ S.T).sum())(x)
    assert g.dtype == np.float32
    np.testing.assert_allclose(g, S.toarray().sum(axis=0), rtol=1e-6)


@settings(max_examples=15, deadline=None)
@given(m=st.integers(1, 6), n=st.integers(1, 6), k=st.sampled_from([None, 1, 3]),
       density=st.floats(0.0, 1.0), fmt=st.sampled_from(FORMATS), seed=st.integers(0, 2**16))
def test_random_sparse_matrices(m, n, k, density, fmt, seed):
    S = sp.random_array((m, n), density=density, format=fmt, rng=seed)
    x = _rand((n,) if k is None else (n, k), seed=seed)
    out, f_lin = linad.linearize(lambda x: lsp.matmul(S, x) * 1.5, x)
    np.testing.assert_allclose(out, 1.5 * (S.toarray() @ x), atol=1e-13)
    check_transpose(f_lin)
    check_grads(lambda x: np.tanh(lsp.matmul(S, x)), (x,), order=2)


def test_linear_solve_with_a_sparse_matvec():
    r = np.random.default_rng(3)
    A = 4 * np.eye(6) + sp.random_array((6, 6), density=0.4, rng=r).toarray()
    S = sp.csc_array(A)
    b = r.standard_normal(6)

    def solve(b, c):
        return linad.linear_solve(lambda v: lsp.matmul(S, v) + c * v, b)

    np.testing.assert_allclose(solve(b, 0.5), np.linalg.solve(A + 0.5 * np.eye(6), b), rtol=1e-9)
    gb, gc = linad.grad(lambda b, c: solve(b, c).sum(), argnums=(0, 1))(b, 0.5)
    M = A + 0.5 * np.eye(6)
    w = np.linalg.solve(M.T, np.ones(6))
    np.testing.assert_allclose(gb, w, rtol=1e-8)                              # A^-T 1
    np.testing.assert_allclose(gc, -w @ np.linalg.solve(M, b), rtol=1e-8)     # -w^T x
    x_rev = linad.linear_solve(lambda v: v @ S.T, b)                          # the operator form
    np.testing.assert_allclose(x_rev, np.linalg.solve(A, b), rtol=1e-9)


# ============================================================================ sparse: errors

@pytest.mark.parametrize("form", [lambda S, x: S @ x, lambda S, x: S.T @ x.T.T,
                                  lambda S, x: S.dot(x)], ids=["S @ x", "S.T @ x", "S.dot(x)"])
@pytest.mark.parametrize("kind", KINDS)
def test_sparse_first_names_the_call_that_works(form, kind):
    S = _sparse(np.eye(4), "csr", kind)
    with pytest.raises(linad.TracerConversionError, match=r"linad\.scipy\.sparse\.matmul\(S, x\)"):
        linad.grad(lambda x: form(S, x).sum())(np.ones(4))


def test_other_conversions_keep_the_plain_message():
    with pytest.raises(linad.TracerConversionError, match="np.asarray") as info:
        linad.grad(lambda x: np.asarray(x).sum())(np.ones(2))
    assert "scipy.sparse" not in str(info.value)


def test_sparse_errors():
    S = sp.csr_array(np.ones((3, 4)))
    with pytest.raises(ValueError, match=r"shape \(3, 4\) multiplies a vector of shape \(4,\)"):
        linad.grad(lambda x: lsp.matmul(S, x).sum())(np.ones(3))
    with pytest.raises(ValueError, match="not an array of shape"):
        linad.grad(lambda x: lsp.matmul(S, x).sum())(np.ones((4, 2, 2)))
    with pytest.raises(TypeError, match="both operands are scipy.sparse"):
        lnp.matmul(S, S.T)
    with pytest.raises(TypeError, match="one operand must be a scipy.sparse matrix"):
        lsp.matmul(np.ones((2, 2)), np.ones(2))
    with pytest.raises(ValueError, match="must be 2-D"):
        lsp.matmul(sp.coo_array(np.ones(4)), np.ones(4))


# ============================================================================ signal: values

_SIZES_1D = [(5, 3), (6, 4), (6, 3), (5, 4), (3, 6), (4, 4), (1, 1), (2, 7)]
_MODES = ["full", "same", "valid"]


@pytest.mark.parametrize("complex_", [False, True], ids=["real", "complex"])
@pytest.mark.parametrize("method", ["auto", "direct", "fft"])
@pytest.mark.parametrize("mode", _MODES)
@pytest.mark.parametrize("n1, n2", _SIZES_1D)
@pytest.mark.parametrize("name", ["convolve", "correlate"])
def test_values_match_scipy_1d(name, n1, n2, mode, method, complex_):
    dt = np.complex128 if complex_ else np.float64
    a, b = _rand(n1, dt, 1), _rand(n2, dt, 2)
    expected = getattr(ss, name)(a, b, mode, method)
    got = getattr(signal, name)(a, b, mode, method)
    assert got.shape == expected.shape and got.dtype == expected.dtype
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-12)
    traced, _ = linad.jvp(lambda a, b: getattr(signal, name)(a, b, mode, method), (a, b), (a, b))
    np.testing.assert_allclose(traced, expected, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("mode", _MODES)
@pytest.mark.parametrize("s1, s2", [((4, 5), (2, 3)), ((4, 5), (3, 2)), ((2, 3), (5, 6)),
                                    ((3, 4, 2), (2, 2, 2)), ((3, 3), (3, 3))])
@pytest.mark.parametrize("name", ["convolve", "correlate", "fftconvolve"])
def test_values_match_scipy_nd(name, s1, s2, mode):
    a, b = _rand(s1, np.complex128, 1), _rand(s2, seed=2)
    methods = ["direct", "fft"] if name != "fftconvolve" else [None]
    for method in methods:
        args = (mode,) if method is None else (mode, method)
        np.testing.assert_allclose(getattr(signal, name)(a, b, *args),
                                   getattr(ss, name)(a, b, *args), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("fillvalue", [0, 1.5])
@pytest.mark.parametrize("boundary", ["fill", "symm", "wrap", "symmetric", "circular"])
@pytest.mark.parametrize("mode", _MODES)
@pytest.mark.parametrize("s1, s2", [((4, 5), (2, 3)), ((5, 4), (3, 2)), ((3, 3), (3, 3)),
                                    ((2, 3), (5, 6)), ((3, 2), (4, 4))])
@pytest.mark.parametrize("name", ["convolve2d", "correlate2d"])
def test_2d_values_match_scipy(name, s1, s2, mode, boundary, fillvalue):
    a, b = _rand(s1, np.complex128, 1), _rand(s2, np.complex128, 2)
    np.testing.assert_allclose(getattr(signal, name)(a, b, mode, boundary, fillvalue),
                               getattr(ss, name)(a, b, mode, boundary, fillvalue),
                               rtol=1e-12, atol=1e-12)


def test_fftconvolve_axes_and_broadcasting():
    a, b = _rand((3, 6), seed=1), _rand((1, 4), seed=2)
    for mode in _MODES:
        for axes in (1, [1], (-1,), None):
            np.testing.assert_allclose(signal.fftconvolve(a, b, mode, axes),
                                       ss.fftconvolve(a, b, mode, axes), rtol=1e-12, atol=1e-12)
    c = _rand((3, 4), seed=3)
    np.testing.assert_allclose(signal.fftconvolve(a, c, "same", axes=1),
                               ss.fftconvolve(a, c, "same", axes=1), rtol=1e-12, atol=1e-12)


def test_dtypes_and_scalars():
    a32, b32 = _rand(7, np.float32), _rand(3, np.float32, 2)
    for method in ("direct", "fft"):
        assert signal.convolve(a32, b32, method=method).dtype == np.float32
        np.testing.assert_allclose(signal.convolve(a32, b32, method=method),
                                   ss.convolve(a32, b32, method=method), rtol=1e-5, atol=1e-6)
    assert signal.fftconvolve(a32, b32).dtype == ss.fftconvolve(a32, b32).dtype
    ai, bi = np.array([1, 2, 3]), np.array([4, 5])
    for method in ("direct", "fft", "auto"):
        got = signal.convolve(ai, bi, method=method)
        assert got.dtype == ss.convolve(ai, bi, method=method).dtype
        np.testing.assert_array_equal(got, ss.convolve(ai, bi, method=method))
    assert signal.convolve(np.float64(2.0), np.float64(3.0)) == 6.0
    assert signal.fftconvolve(np.zeros(0), np.ones(3)).size == 0


# ============================================================================ signal: derivatives

@pytest.mark.parametrize("mode", _MODES)
@pytest.mark.parametrize("method", ["direct", "fft"])
@pytest.mark.parametrize("name", ["convolve", "correlate"])
def test_gradients_vs_finite_differences(name, method, mode):
    a, b = _rand(6, np.complex128, 1), _rand(3, seed=2)
    check_grads(lambda a, b: getattr(signal, name)(a, b, mode, method), (a, b), order=2)
    check_grads(lambda a, b: getattr(signal, name)(a, b, mode, method), (b, a), order=1)


@pytest.mark.parametrize("boundary", ["fill", "symm", "wrap"])
@pytest.mark.parametrize("mode", _MODES)
def test_2d_gradients_including_fillvalue(mode, boundary):
    a, b = _rand((4, 3)), _rand((2, 2), seed=2)
    f = lambda a, b, v: signal.convolve2d(a, b, mode, boundary, v) ** 2  # noqa: E731
    check_grads(f, (a, b, 0.7), order=2)
    check_grads(lambda a, b: signal.correlate2d(a, b, mode, boundary), (a, b), order=1)


@pytest.mark.parametrize("complex_", [False, True], ids=["real", "complex"])
@pytest.mark.parametrize("method", ["direct", "fft"])
def test_transpose_of_convolution_is_correlation(method, complex_):
    """y = a * b (full) has transposes  a_bar = correlate(y_bar, conj(b), "valid"),
    b_bar = correlate(y_bar, conj(a), "valid") (correlate conjugates its second operand,
    the transpose does not)."""
    dt = np.complex128 if complex_ else np.float64
    a, b, ct = _rand(7, dt, 1), _rand(3, dt, 2), _rand(9, dt, 3)
    _, lin_a = linad.linearize(lambda a: signal.convolve(a, b, method=method), a)
    _, lin_b = linad.linearize(lambda b: signal.convolve(a, b, method=method), b)
    np.testing.assert_allclose(lin_a.T(ct)[0], ss.correlate(ct, np.conj(b), "valid"), rtol=1e-12)
    np.testing.assert_allclose(lin_b.T(ct)[0], ss.correlate(ct, np.conj(a), "valid"), rtol=1e-12)
    _, lin_valid = linad.linearize(lambda a: signal.convolve(a, b, "valid", method), a)
    ct5 = ct[:5]
    np.testing.assert_allclose(lin_valid.T(ct5)[0], ss.correlate(ct5, np.conj(b), "full"),
                               rtol=1e-12)
    check_transpose(lin_a)
    check_transpose(lin_b)


# ============================================================================ signal: errors

def test_signal_errors():
    a = np.ones(4)
    with pytest.raises(ValueError, match="Acceptable mode flags"):
        signal.convolve(a, a, mode="middle")
    with pytest.raises(ValueError, match="Acceptable method flags"):
        signal.correlate(a, a, method="slow")
    with pytest.raises(ValueError, match="same dimensionality"):
        signal.convolve(a, np.ones((2, 2)))
    with pytest.raises(ValueError, match="at least as large as the other"):
        signal.convolve(np.ones((2, 3)), np.ones((3, 2)), "valid")
    with pytest.raises(ValueError, match="must both be 2-D arrays"):
        signal.convolve2d(a, a)
    with pytest.raises(ValueError, match="Acceptable boundary flags"):
        signal.correlate2d(np.ones((2, 2)), np.ones((2, 2)), boundary="reflect")
    with pytest.raises(ValueError, match="axes cannot be empty"):
        signal.fftconvolve(a, a, axes=[])
    with pytest.raises(ValueError, match="incompatible shapes"):
        signal.fftconvolve(np.ones((2, 3)), np.ones((3, 3)), axes=1)


def test_scipy_signal_itself_refuses_traced_values():
    with pytest.raises(linad.TracerConversionError, match="np.asarray"):
        linad.grad(lambda a: ss.convolve(a, np.ones(2)).sum())(np.ones(3))


@pytest.mark.parametrize("op", [lambda x, S: x * S, lambda x, S: x + S,
                                lambda x, S: np.multiply(x, S), lambda x, S: lnp.maximum(x, S)],
                         ids=["x * S", "x + S", "np.multiply", "lnp.maximum"])
@pytest.mark.parametrize("kind", KINDS)
def test_sparse_as_an_elementwise_operand_is_refused(op, kind):
    """Not a 0-d object array (which would give a zero derivative without a word)."""
    S = _sparse(np.eye(2), "csr", kind)
    with pytest.raises(TypeError, match=r"not an array operand .* S\.toarray\(\)"):
        linad.jvp(lambda x: op(x, S), (np.ones(2),), (np.ones(2),))
