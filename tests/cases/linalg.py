"""Systematic cases for linear algebra (``linad.numpy.linalg``, ``linad.scipy.linalg``).

Every case runs finite differences in both modes, second order and the
dot-product test (``tests/test_systematic.py``).  Inputs are well conditioned
and, for eigen/singular decompositions, have well separated eigen/singular
values.  Eigenvectors and singular vectors are checked through gauge-invariant
targets (``|V|**2``, ``V diag(f(w)) V^H``, ``U diag(s) Vh``, complement
projectors), never the raw vectors.
"""
import functools

import numpy as np
from hypothesis import strategies as st

import linad.numpy as lnp
import linad.scipy.linalg as lsl
from systematic import Case, arrays

# ----------------------------------------------------------------------------- building blocks

SIZES = st.integers(1, 4)
BATCHES = st.sampled_from([(), (2,)])


def _cast(x, dtype):
    return np.asarray(x).astype(dtype)


def _raw(draw, shape, dtype, lo=-1.0, hi=1.0):
    """A random array of ``shape``; complex dtypes get an independent imaginary part."""
    x = draw(arrays(tuple(shape), lo, hi))
    if np.dtype(dtype).kind == "c":
        x = x + 1j * draw(arrays(tuple(shape), lo, hi))
    return _cast(x, dtype)


def _fixed_unitary(n, dtype):
    """A fixed generic unitary matrix, so that even the simplest draw is not diagonal.

    (At a matrix whose column is already zero below the diagonal LAPACK's QR skips
    the reflection: Q and R jump in sign there, a discontinuity of the function.)
    """
    rng = np.random.default_rng(n)
    m = rng.standard_normal((n, n))
    if np.dtype(dtype).kind == "c":
        m = m + 1j * rng.standard_normal((n, n))
    return np.linalg.qr(m)[0]


def _unitary(draw, batch, n, dtype):
    """A random orthogonal/unitary matrix (a fixed one times the QR of a drawn one)."""
    m = _raw(draw, batch + (n, n), dtype) + (n + 1) * np.eye(n)
    return _fixed_unitary(n, dtype) @ np.linalg.qr(m)[0]


@st.composite
def general(draw, n=SIZES, batch=BATCHES, dtype=np.float64):
    """Square matrices far from singular: ``M + (n + 1) I``."""
    n, batch = draw(n), draw(batch)
    return _cast(_raw(draw, batch + (n, n), dtype) + (n + 1) * np.eye(n), dtype)


@st.composite
def hermitian(draw, n=SIZES, batch=BATCHES, dtype=np.float64, spread=1.5, garbage=True):
    """Hermitian matrices with eigenvalues ``1 + spread*k`` (perturbed by < 0.2).

    With ``garbage`` the strict upper triangle is replaced by unrelated values:
    ``eigh``/``cholesky`` read the lower triangle only.
    """
    n, batch = draw(n), draw(batch)
    v = _unitary(draw, batch, n, dtype)
    w = 1.0 + spread * np.arange(n) + 0.2 * draw(arrays((n,), 0.0, 1.0))
    h = (v * w[..., None, :]) @ np.conj(np.swapaxes(v, -1, -2))
    if garbage:
        h = np.tril(h) + np.triu(_raw(draw, batch + (n, n), dtype), 1)
    return _cast(h, dtype)


@st.composite
def separated(draw, m=SIZES, n=SIZES, batch=BATCHES, dtype=np.float64):
    """``(m, n)`` matrices ``U diag(s) V^H`` with singular values ``s`` 1 apart (>= 1)."""
    m, n, batch = draw(m), draw(n), draw(batch)
    k = min(m, n)
    u = _unitary(draw, batch, m, dtype)[..., :, :k]
    v = _unitary(draw, batch, n, dtype)[..., :, :k]
    s = 1.0 + np.arange(k)[::-1] + 0.3 * draw(arrays((k,), 0.0, 1.0))
    return _cast((u * s[..., None, :]) @ np.conj(np.swapaxes(v, -1, -2)), dtype)


@st.composite
def nonsymmetric(draw, n=SIZES, batch=BATCHES, dtype=np.float64, rotations=False):
    """Matrices with well separated eigenvalues; with ``rotations`` a complex pair."""
    n, batch = draw(n), draw(batch)
    d = np.diag(2.0 * np.arange(1, n + 1)).astype(complex if np.dtype(dtype).kind == "c"
                                                  else float)
    if rotations and n >= 2:
        d[..., 0, 1], d[..., 1, 0] = -3.0, 3.0
    s = _raw(draw, batch + (n, n), dtype) * 0.3 + np.eye(n)
    return _cast(s @ d @ np.linalg.inv(s), dtype)


def rhs(a_st, k=st.integers(1, 3), dtype=np.float64, vector=False, extra_batch=False):
    """``(a, b)`` pairs: ``b`` of shape ``(..., n, k)`` (``(n,)`` if ``vector``)."""
    @st.composite
    def build(draw):
        a = draw(a_st)
        n = a.shape[-1]
        if vector:
            shape = (n,)
        else:
            batch = ((3,) if extra_batch and a.ndim == 2 else a.shape[:-2])
            shape = batch + (n, draw(k))
        return (a, _raw(draw, shape, dtype)), {}
    return build()


def one(st_, **static):
    return st_.map(lambda a: ((a,), dict(static)))


def with_static(st_, **choices):
    """``((a,), static)`` with each static keyword drawn from its list of choices."""
    @st.composite
    def build(draw):
        a = draw(st_)
        return (a,), {k: draw(st.sampled_from(v)) for k, v in choices.items()}
    return build()


# ------------------------------------------------------------------------- gauge-invariant targets

def abs2(x):
    return lnp.real(x * lnp.conj(x))


def mH(x):
    """Conjugate transpose of the last two axes (NumPy arrays or traced values)."""
    return lnp.conj(lnp.transpose(x, tuple(range(x.ndim - 2)) + (x.ndim - 1, x.ndim - 2)))


def eigh_targets(a, UPLO="L"):
    w, v = np.linalg.eigh(a, UPLO=UPLO)
    return w, abs2(v), (v * (w ** 2)[..., None, :]) @ mH(v)


def eig_targets(a):
    # eig returns eigenvalues in no particular order, and a perturbation (finite
    # differences) may reorder them: sort, so the targets are functions of `a`
    w, v = np.linalg.eig(a)
    order = np.argsort(np.real(w) + 1e-3 * np.imag(w), axis=-1)
    w = np.take_along_axis(w, order, -1)
    v = np.take_along_axis(v, order[..., None, :], -1)
    return w, abs2(v)


def svd_targets(a, full_matrices=False):
    u, s, vh = np.linalg.svd(a, full_matrices=full_matrices)
    k = s.shape[-1]
    uk, vk = u[..., :, :k], vh[..., :k, :]
    out = (s, abs2(uk), abs2(vk), (uk * s[..., None, :]) @ vk)
    if full_matrices:
        u2, v2 = u[..., :, k:], vh[..., k:, :]
        out += (u2 @ mH(u2), mH(v2) @ v2)
    return out


def qr_targets(a, mode="reduced"):
    if mode == "r":
        return (np.linalg.qr(a, mode="r"),)
    q, r = np.linalg.qr(a, mode=mode)
    k = min(a.shape[-2:])
    q1 = q[..., :, :k]
    out = (q1, r)
    if q.shape[-1] > k:
        q2 = q[..., :, k:]
        out += (q2 @ mH(q2),)
    return out


def slogdet_targets(a):
    sign, logabsdet = np.linalg.slogdet(a)
    return logabsdet, sign * logabsdet


def lstsq_targets(a, b):
    x, resid, rank, s = np.linalg.lstsq(a, b)
    return (x, resid, s) if resid.size else (x, s)


# ----------------------------------------------------------------------------- the table

C128, F32, C64 = np.complex128, np.float32, np.complex64
TALL = st.sampled_from([(4, 3), (3, 3), (3, 1), (2, 4), (1, 3)])


def _rect(dtype=np.float64, batch=BATCHES):
    return TALL.flatmap(lambda mn: separated(st.just(mn[0]), st.just(mn[1]), batch, dtype))


MATRIX_ORDS = [None, "fro", "nuc", 2, -2, 1, -1, np.inf, -np.inf]

CASES = [
    # ------------------------------------------------------------------ solve, inv, det
    Case("linalg_solve", lnp.linalg.solve, rhs(general()), ("solve",), np_fn=np.linalg.solve,
         max_examples=6),
    Case("linalg_solve_vector", lnp.linalg.solve, rhs(general(batch=st.just(())), vector=True),
         ("solve",), np_fn=np.linalg.solve, max_examples=4),
    Case("linalg_solve_broadcast", lnp.linalg.solve,
         rhs(general(batch=st.just(())), extra_batch=True), ("solve",), np_fn=np.linalg.solve,
         max_examples=3),
    Case("linalg_solve_complex", lnp.linalg.solve, rhs(general(dtype=C128), dtype=C128),
         ("solve",), np_fn=np.linalg.solve, max_examples=4),
    Case("linalg_solve_f32", lnp.linalg.solve, rhs(general(dtype=F32), dtype=F32), ("solve",),
         max_examples=3),
    Case("linalg_inv_complex", lnp.linalg.inv, one(general(dtype=C128)), ("inv",),
         np_fn=np.linalg.inv, max_examples=4),
    Case("linalg_inv_f32", lnp.linalg.inv, one(general(dtype=F32)), ("inv",), max_examples=3),
    Case("linalg_det", lnp.linalg.det, one(general()), ("det", "inv"), np_fn=np.linalg.det,
         max_examples=6),
    Case("linalg_det_complex", lnp.linalg.det, one(general(dtype=C128)), ("det",),
         np_fn=np.linalg.det, max_examples=4),
    Case("linalg_det_f32", lnp.linalg.det, one(general(dtype=F32)), ("det",), max_examples=3),
    Case("linalg_slogdet", slogdet_targets, one(general()), ("slogdet",), max_examples=5),
    Case("linalg_slogdet_complex", (lambda a: tuple(np.linalg.slogdet(a))),
         one(general(dtype=C128)), ("slogdet",), max_examples=4),
    # ------------------------------------------------------------------ cholesky, qr
    Case("linalg_cholesky", lnp.linalg.cholesky, one(hermitian()), ("cholesky",
                                                                    "triangular_solve"),
         np_fn=np.linalg.cholesky, max_examples=6),
    Case("linalg_cholesky_upper", lambda a: lnp.linalg.cholesky(mH(a), upper=True),
         one(hermitian()), ("cholesky",), np_fn=lambda a: np.linalg.cholesky(
             np.conj(np.swapaxes(a, -1, -2)), upper=True), max_examples=4),
    Case("linalg_cholesky_complex", (lnp.linalg.cholesky), one(hermitian(dtype=C128)),
         ("cholesky",), max_examples=4),
    Case("linalg_cholesky_f32", lnp.linalg.cholesky, one(hermitian(dtype=F32)), ("cholesky",),
         max_examples=3),
    Case("linalg_qr", qr_targets, with_static(_rect(), mode=["reduced", "complete", "r"]),
         ("qr",), max_examples=8),
    Case("linalg_qr_complex", (qr_targets),
         with_static(_rect(C128), mode=["reduced", "complete"]), ("qr",), max_examples=5),
    # ------------------------------------------------------------------ eigen decompositions
    Case("linalg_eigh", eigh_targets, with_static(hermitian(), UPLO=["L", "U"]), ("eigh",),
         max_examples=6),
    Case("linalg_eigh_complex", (eigh_targets), one(hermitian(dtype=C128)), ("eigh",),
         max_examples=4),
    Case("linalg_eigvalsh", lnp.linalg.eigvalsh, one(hermitian()), ("eigh",),
         np_fn=np.linalg.eigvalsh, max_examples=4),
    Case("linalg_eigvalsh_f32", lnp.linalg.eigvalsh, one(hermitian(dtype=F32)), ("eigh",),
         max_examples=3),
    Case("linalg_eig", eig_targets, one(nonsymmetric()), ("eig",), max_examples=5),
    Case("linalg_eig_complex_pair", (eig_targets),
         one(nonsymmetric(n=st.integers(2, 4), rotations=True)), ("eig",), max_examples=4),
    Case("linalg_eig_complex", (eig_targets), one(nonsymmetric(dtype=C128)), ("eig",),
         max_examples=4),
    Case("linalg_eigvals", lnp.linalg.eigvals, one(nonsymmetric()), ("eig",),
         np_fn=np.linalg.eigvals, max_examples=4),
    # ------------------------------------------------------------------ SVD and friends
    Case("linalg_svd", svd_targets, with_static(_rect(), full_matrices=[False, True]), ("svd",),
         max_examples=8),
    Case("linalg_svd_complex", (svd_targets),
         with_static(_rect(C128), full_matrices=[False, True]), ("svd",), max_examples=5),
    Case("linalg_svdvals", lnp.linalg.svdvals, one(_rect()), ("svd",), np_fn=np.linalg.svdvals,
         max_examples=4),
    Case("linalg_svd_f32", lambda a: lnp.linalg.svd(a, compute_uv=False), one(_rect(F32)),
         ("svd",), max_examples=3),
    Case("linalg_pinv", lnp.linalg.pinv, one(_rect()), ("pinv",), np_fn=np.linalg.pinv,
         max_examples=6),
    Case("linalg_pinv_complex", (lnp.linalg.pinv), one(_rect(C128)), ("pinv",),
         max_examples=4),
    Case("linalg_pinv_hermitian", lambda a: lnp.linalg.pinv(a, hermitian=True),
         one(hermitian()), ("pinv",), np_fn=lambda a: np.linalg.pinv(a, hermitian=True),
         max_examples=3),
    Case("linalg_lstsq", lstsq_targets, _rect(batch=st.just(())).flatmap(
        lambda a: st.sampled_from([(a.shape[0],), (a.shape[0], 2)]).flatmap(
            lambda shape: arrays(shape).map(lambda b: ((a, b), {})))), ("pinv", "svd"),
         max_examples=6),
    Case("linalg_norm", lambda a, ord, axis, keepdims: lnp.linalg.norm(a, ord, axis, keepdims),
         with_static(_rect(), ord=MATRIX_ORDS, axis=[(-2, -1), (-1, -2)],
                     keepdims=[False, True]), ("svd",),
         np_fn=lambda a, ord, axis, keepdims: np.linalg.norm(a, ord, axis, keepdims),
         max_examples=12),
    Case("linalg_norm_complex", lambda a, ord: lnp.linalg.norm(a, ord),
         with_static(_rect(C128, batch=st.just(())), ord=MATRIX_ORDS), ("svd",),
         np_fn=lambda a, ord: np.linalg.norm(a, ord), max_examples=8),
    Case("linalg_norm_vector", lambda a: lnp.linalg.norm(a),
         one(_rect(batch=st.just(()))), (), np_fn=np.linalg.norm, max_examples=3),
    Case("linalg_matrix_norm", lambda a, ord, keepdims: lnp.linalg.matrix_norm(
        a, keepdims=keepdims, ord=ord), with_static(_rect(), ord=["fro", "nuc", 2, 1, np.inf],
                                                    keepdims=[False, True]), ("svd",),
         np_fn=lambda a, ord, keepdims: np.linalg.matrix_norm(a, keepdims=keepdims, ord=ord),
         max_examples=6),
    Case("linalg_vector_norm", lambda a, ord, axis: lnp.linalg.vector_norm(a, axis=axis, ord=ord),
         with_static(_rect(), ord=[2, 1, 3, np.inf], axis=[None, -1, (-2, -1)]), (),
         np_fn=lambda a, ord, axis: np.linalg.vector_norm(a, axis=axis, ord=ord),
         max_examples=6),
    Case("linalg_cond", lambda a, p: lnp.linalg.cond(a, p),
         with_static(general(), p=[None, 2, -2, "fro", 1, np.inf]),
         ("svd", "inv"), np_fn=lambda a, p: np.linalg.cond(a, p), max_examples=6),
    Case("linalg_matrix_power", lambda a, n: lnp.linalg.matrix_power(a, n),
         with_static(general(), n=[-3, -1, 1, 2, 5]), ("inv", "einsum"),
         np_fn=lambda a, n: np.linalg.matrix_power(a, n), max_examples=6),
    Case("linalg_tensorsolve", lnp.linalg.tensorsolve,
         general(st.just(4), st.just(())).flatmap(lambda a: arrays((2, 2)).map(
             lambda b: ((a.reshape(2, 2, 2, 2), b), {}))), ("solve",),
         np_fn=np.linalg.tensorsolve, max_examples=3),
    Case("linalg_tensorinv", lambda a: lnp.linalg.tensorinv(a, ind=1),
         one(general(st.just(4), st.just(())).map(lambda a: a.reshape(4, 2, 2))), ("inv",),
         np_fn=lambda a: np.linalg.tensorinv(a, ind=1), max_examples=3),
    # ------------------------------------------------------------------ scipy: matrix functions
    Case("linalg_expm", lsl.expm, one(general().map(lambda a: 0.4 * a)), ("matfunc", "frechet"),
         max_examples=5),
    Case("linalg_expm_complex", lsl.expm, one(general(dtype=C128).map(lambda a: 0.4 * a)),
         ("matfunc", "frechet"), max_examples=3),
    Case("linalg_expm_f32", lsl.expm, one(general(dtype=F32).map(lambda a: 0.4 * a)),
         ("matfunc", "frechet"), max_examples=3),
    Case("linalg_expm_frechet", lambda a, e: lsl.expm_frechet(a, e, compute_expm=False),
         general(batch=st.just(())).flatmap(lambda a: arrays(a.shape).map(
             lambda e: ((0.4 * a, e), {}))), ("frechet",), max_examples=4),
    Case("linalg_logm_sqrtm", lambda a, fn: getattr(lsl, fn)(a),
         with_static(hermitian(garbage=False, spread=0.5).map(
             lambda h: h + 0.2 * np.triu(np.ones_like(h), 1)), fn=["logm", "sqrtm"]),
         ("matfunc", "frechet"), max_examples=6),
    Case("linalg_logm_sqrtm_complex", lambda a, fn: getattr(lsl, fn)(a),
         with_static(general(dtype=C128, batch=st.just(())), fn=["logm", "sqrtm"]),
         ("matfunc", "frechet"), max_examples=4),
    Case("linalg_trig_matrix_functions", lambda a, fn: getattr(lsl, fn)(a),
         with_static(general(batch=st.just(())).map(lambda a: 0.3 * a / a.shape[-1]),
                     fn=["cosm", "sinm", "tanm", "coshm", "sinhm", "tanhm"]),
         ("matfunc", "frechet"), max_examples=6),
    # ------------------------------------------------------------------ scipy: structured solves
    Case("linalg_solve_triangular",
         lambda a, b, lower, trans, unit_diagonal: lsl.solve_triangular(
             a, b, trans=trans, lower=lower, unit_diagonal=unit_diagonal),
         rhs(general()).flatmap(lambda ab: st.fixed_dictionaries(
             {"lower": st.booleans(), "trans": st.sampled_from([0, 1, 2, "T"]),
              "unit_diagonal": st.booleans()}).map(lambda kw: (ab[0], kw))),
         ("triangular_solve",), max_examples=8),
    Case("linalg_solve_triangular_complex",
         (lambda a, b, trans: lsl.solve_triangular(a, b, trans=trans, lower=True)),
         rhs(general(dtype=C128), dtype=C128, vector=False).flatmap(
             lambda ab: st.sampled_from([0, 1, 2]).map(lambda t: (ab[0], {"trans": t}))),
         ("triangular_solve",), max_examples=4),
    Case("linalg_solve_triangular_f32",
         lambda a, b: lsl.solve_triangular(a, b, lower=True),
         rhs(general(dtype=F32, batch=st.just(())), dtype=F32, vector=True),
         ("triangular_solve",), max_examples=3),
    Case("linalg_cho_solve", lambda a, b, lower: lsl.cho_solve(lsl.cho_factor(a, lower), b),
         rhs(hermitian()).flatmap(lambda ab: st.booleans().map(lambda lo: (ab[0],
                                                                           {"lower": lo}))),
         ("cholesky", "triangular_solve"), max_examples=5),
    Case("linalg_cho_factor", lambda a, lower: lsl.cho_factor(a, lower)[0],
         with_static(hermitian(), lower=[False, True]), ("cholesky",), max_examples=4),
    Case("linalg_cho_solve_complex",
         (lambda a, b: lsl.cho_solve(lsl.cho_factor(a, True), b)),
         rhs(hermitian(dtype=C128), dtype=C128), ("cholesky", "triangular_solve"),
         max_examples=3),
    Case("linalg_lu_factor", lambda a: lsl.lu_factor(a)[0], one(general()), ("lu_factor",),
         max_examples=5),
    Case("linalg_lu_solve", lambda a, b, trans: lsl.lu_solve(lsl.lu_factor(a), b, trans=trans),
         rhs(general()).flatmap(lambda ab: st.sampled_from([0, 1, 2]).map(
             lambda t: (ab[0], {"trans": t}))), ("lu_factor", "triangular_solve", "getitem"),
         max_examples=6),
    Case("linalg_lu_solve_complex",
         (lambda a, b, trans: lsl.lu_solve(lsl.lu_factor(a), b, trans=trans)),
         rhs(general(dtype=C128), dtype=C128).flatmap(lambda ab: st.sampled_from([0, 1, 2]).map(
             lambda t: (ab[0], {"trans": t}))), ("lu_factor", "triangular_solve"),
         max_examples=3),
    Case("linalg_solve_sylvester", lsl.solve_sylvester,
         st.tuples(general(), general(batch=st.just(()))).flatmap(
             lambda ab: arrays(ab[0].shape[:-1] + (ab[1].shape[-1],)).map(
                 lambda q: ((ab[0], ab[1], q), {}))), ("sylvester",), max_examples=5),
    Case("linalg_solve_sylvester_complex", lsl.solve_sylvester,
         st.tuples(general(batch=st.just(()), dtype=C128),
                   general(batch=st.just(()))).flatmap(
             lambda ab: arrays(ab[0].shape[:-1] + (ab[1].shape[-1],)).map(
                 lambda q: ((ab[0], ab[1], q.astype(C128)), {}))), ("sylvester",),
         max_examples=3),
    Case("linalg_solve_continuous_lyapunov", lsl.solve_continuous_lyapunov,
         general().flatmap(lambda a: arrays(a.shape).map(lambda q: ((a, q), {}))),
         ("sylvester",), max_examples=4),
    Case("linalg_scipy_solve", lambda a, b, assume_a, transposed: lsl.solve(
        a, b, assume_a=assume_a, transposed=transposed),
         rhs(hermitian(garbage=False)).flatmap(lambda ab: st.fixed_dictionaries(
             {"assume_a": st.sampled_from([None, "sym", "pos"]),
              "transposed": st.booleans()}).map(lambda kw: (ab[0], kw))),
         ("solve", "cholesky", "triangular_solve"), max_examples=6),
    Case("linalg_scipy_solve_her", (lambda a, b: lsl.solve(a, b, assume_a="her")),
         rhs(hermitian(dtype=C128), dtype=C128), ("solve",), max_examples=3),
    Case("linalg_scipy_inv_det", lambda a: (lsl.inv(a), lsl.det(a)), one(general()),
         ("inv", "det"), max_examples=4),
]


# ----------------------------------------------------------------------------- more scipy.linalg

@st.composite
def singular(draw, n=st.integers(2, 4), batch=BATCHES, dtype=np.float64):
    """Rank n-1 matrices: a well conditioned matrix whose last row repeats its first."""
    a = draw(general(n, batch, dtype))
    a[..., -1, :] = a[..., 0, :]
    return a


@st.composite
def real_spectrum(draw, n=SIZES, batch=BATCHES, dtype=np.float64):
    """Nonsymmetric real matrices with real eigenvalues 2, 4, ... (real Schur form triangular),
    rotated by a fixed orthogonal matrix so that even the simplest draw is not triangular
    (where LAPACK's sign choices for the Schur vectors jump, as for QR)."""
    a = draw(nonsymmetric(n, batch, dtype))
    u = _fixed_unitary(a.shape[-1], dtype)
    return u @ a @ np.conj(u.T)


@st.composite
def pencil(draw, n=SIZES):
    """``(a, b)``: Hermitian ``a`` (garbage upper triangle) and a positive definite ``b`` near I."""
    n = draw(n)
    a = draw(hermitian(st.just(n), st.just(())))
    b = draw(hermitian(st.just(n), st.just(()), spread=0.05))
    return a, b


def gen_eigh_targets(a, b, type=1, lower=True):
    w, v = lsl.eigh(a, b, type=type, lower=lower)
    return w, (v * w[..., None, :]) @ mH(v)


def schur_complex_targets(a):
    t, z = lsl.schur(a, output="complex")
    return abs2(t), (z * lnp.diagonal(t, 0, -2, -1)[..., None, :] ** 2) @ mH(z)


def scipy_qr_targets(a, mode, pivoting):
    """R, the first min(m, n) columns of Q and the projector on the rest (gauge-invariant)."""
    out = lsl.qr(a, mode=mode, pivoting=pivoting)
    if mode == "r":
        return out[0]
    q, r = out[:2]
    k = min(a.shape[-2:])
    return (r, q[..., :, :k]) + ((q[..., :, k:] @ mH(q[..., :, k:]),) if q.shape[-1] > k else ())


def np2_product(xp, name, x, y):
    """The ``xp.linalg`` array-API product ``name`` of two vectors or stacks of 3-vectors."""
    la = xp.linalg
    if name == "matmul":
        return la.matmul(x, y.T)
    if name == "tensordot":
        return la.tensordot(x, y, axes=x.ndim)
    if name == "outer":
        return la.outer(x.ravel(), y.ravel())
    if name == "matrix_transpose":
        return la.matrix_transpose(la.outer(x.ravel(), y.ravel()))
    return getattr(la, name)(x, y)


def _with(strategy, **choices):
    """``(args, static)`` pairs: the args drawn by ``strategy`` and one choice per keyword."""
    @st.composite
    def build(draw):
        args = draw(strategy)
        return args, {k: draw(st.sampled_from(v)) for k, v in choices.items()}
    return build()


def _square_pair(lo=-1.0, hi=1.0):
    return general(batch=st.just(())).flatmap(lambda a: arrays(a.shape, lo, hi).map(
        lambda q: (0.3 * a / a.shape[-1], q)))


CASES += [
    Case("linalg_det_singular", lnp.linalg.det, one(singular()), ("det", "adjugate"),
         np_fn=np.linalg.det, max_examples=5),
    Case("linalg_det_singular_complex", lnp.linalg.det, one(singular(dtype=C128)),
         ("det", "adjugate"), max_examples=3),
    Case("linalg_adjugate", lambda a: __import__("linad").primitives.linalg.adjugate(a),
         one(st.one_of(general(), singular())), ("adjugate",), order=1, max_examples=5),
    Case("linalg_scipy_cholesky", lambda a, lower: lsl.cholesky(a, lower=lower),
         with_static(hermitian(), lower=[False, True]), ("cholesky",), max_examples=5),
    Case("linalg_scipy_cholesky_complex", lambda a: lsl.cholesky(mH(a)),
         one(hermitian(dtype=C128)), ("cholesky",), max_examples=3),
    Case("linalg_scipy_eigh", lambda a, lower: gen_eigh_targets(a, None, lower=lower)[1],
         with_static(hermitian(), lower=[True, False]).map(
             lambda x: ((x[0][0] if x[1]["lower"] else mH(x[0][0]),), x[1])), ("eigh",),
         max_examples=4),
    Case("linalg_scipy_eigh_generalized", gen_eigh_targets,
         _with(pencil(), type=[1, 2, 3], lower=[True]), ("eigh", "cholesky",
                                                          "triangular_solve"),
         max_examples=6),
    Case("linalg_scipy_eigh_subset", lambda a, b: lsl.eigh(
        a, b, eigvals_only=True, subset_by_index=(0, a.shape[-1] - 1 if a.shape[-1] < 2 else 1)),
         _with(pencil()), ("eigh",), max_examples=3),
    Case("linalg_scipy_svd", lambda a, full_matrices: svd_targets(a, full_matrices)[:4],
         with_static(_rect(), full_matrices=[False, True]), ("svd",), max_examples=4),
    Case("linalg_scipy_svdvals", lambda a: lsl.svd(a, compute_uv=False), one(_rect()), ("svd",),
         max_examples=3),
    Case("linalg_scipy_qr", scipy_qr_targets,
         with_static(_rect(batch=st.just(())), mode=["full", "economic", "r"],
                     pivoting=[False, True]), ("qr", "getitem"), max_examples=6),
    Case("linalg_scipy_lu", lambda a, permute_l: lsl.lu(a, permute_l=permute_l)[-2:],
         with_static(general(), permute_l=[False, True]), ("lu_factor",), max_examples=5),
    Case("linalg_scipy_lstsq", lambda a, b: lsl.lstsq(a, b)[:2],
         TALL.filter(lambda mn: mn[0] > mn[1]).flatmap(lambda mn: separated(
             st.just(mn[0]), st.just(mn[1]), st.just(()))).flatmap(
             lambda a: st.sampled_from([(a.shape[0],), (a.shape[0], 2)]).flatmap(
                 lambda shape: arrays(shape).map(lambda b: ((a, b), {})))), ("pinv", "svd"),
         max_examples=5),
    Case("linalg_scipy_pinv", lambda a, atol: lsl.pinv(a, atol=atol),
         with_static(_rect(), atol=[None, 0.5]), ("pinv",), max_examples=4),
    Case("linalg_scipy_polar", lambda a, side: lsl.polar(a, side),
         with_static(_rect(batch=st.just(())), side=["right", "left"]).filter(
             lambda x: (x[0][0].shape[0] >= x[0][0].shape[1]) == (x[1]["side"] == "right")
             or x[0][0].shape[0] == x[0][0].shape[1]), ("polar", "sylvester", "solve"),
         max_examples=6),
    Case("linalg_scipy_polar_complex", lambda a: lsl.polar(a),
         one(general(batch=st.just(()), dtype=C128)), ("polar", "sylvester"), max_examples=3),
    Case("linalg_polar_repeated", lambda a: lsl.polar(a),
         one(st.integers(1, 4).flatmap(lambda n: arrays((n, n), -0.2, 0.2).map(
             lambda m: np.eye(n) + 0.0 * m))), ("polar",), max_examples=2),
    Case("linalg_scipy_schur_real", lambda a: lsl.schur(a), one(real_spectrum()),
         ("schur", "solve"), max_examples=5),
    Case("linalg_scipy_schur_complex", schur_complex_targets,
         one(real_spectrum(dtype=C128)),
         ("schur", "solve"), max_examples=5),
    Case("linalg_scipy_block_diag", lambda a, b, c: lsl.block_diag(a, b, c),
         st.tuples(arrays((2, 3)), arrays((1,)), arrays(())).map(lambda x: (x, {})),
         ("concatenate",), max_examples=3),
    Case("linalg_scipy_solve_discrete_lyapunov",
         lambda a, q, method: lsl.solve_discrete_lyapunov(a, q, method),
         _with(_square_pair(), method=["direct", "bilinear"]), ("solve", "sylvester"),
         max_examples=6),
    Case("linalg_scipy_solve_discrete_lyapunov_complex",
         lambda a, q: lsl.solve_discrete_lyapunov(a, q),
         _square_pair().map(lambda aq: ((aq[0] * (1 + 0.5j), aq[1] + 0j), {})), ("solve",),
         max_examples=3),
    Case("linalg_scipy_fractional_matrix_power",
         lambda a, t: lsl.fractional_matrix_power(a, t),
         with_static(hermitian(garbage=False, spread=0.5).map(
             lambda h: h + 0.2 * np.triu(np.ones_like(h), 1)), t=[0.5, -0.3, 1.7]),
         ("matfunc", "frechet"), max_examples=5),
    Case("linalg_scipy_funm", lambda a, fn: lsl.funm(a, getattr(lnp, fn)),
         with_static(nonsymmetric().map(lambda a: 0.3 * a), fn=["sin", "exp", "tanh"]),
         ("eig", "solve"), max_examples=5),
    # ------------------------------------------------------------------ numpy.linalg array API
    Case("linalg_np2_trace_diagonal", lambda a, offset: lnp.concatenate([
        lnp.ravel(lnp.linalg.trace(a, offset=offset)),
        lnp.ravel(lnp.linalg.diagonal(a, offset=offset))]),
         with_static(arrays(st.sampled_from([(3, 3), (2, 3, 4)])), offset=[0, 1, -1]),
         ("einsum",), np_fn=lambda a, offset: np.concatenate([
             np.ravel(np.linalg.trace(a, offset=offset)),
             np.ravel(np.linalg.diagonal(a, offset=offset))]), max_examples=4),
]
for _name in ("cross", "vecdot", "matmul", "tensordot", "outer", "matrix_transpose"):
    CASES.append(Case(
        f"linalg_np2_{_name}", functools.partial(np2_product, lnp, _name),
        st.sampled_from([(3,), (2, 3)]).flatmap(lambda s: st.tuples(arrays(s), arrays(s))).map(
            lambda xy: (xy, {})), ("einsum",), np_fn=functools.partial(np2_product, np, _name),
        max_examples=3))
