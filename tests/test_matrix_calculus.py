"""Closed-form matrix derivatives: linad's forward and reverse modes against the literature.

References
----------
[Giles] M. B. Giles, "An extended collection of matrix derivative results for forward
        and reverse mode automatic differentiation", Oxford University Computing
        Laboratory, Report NA-08/01 (2008).  Section numbers as in that report.
[MC]    K. B. Petersen, M. S. Pedersen, "The Matrix Cookbook", version of
        November 15, 2012.  Equation numbers as in that version.
[GP]    G. H. Golub, V. Pereyra, "The differentiation of pseudo-inverses and nonlinear
        least squares problems whose variables separate", SIAM J. Numer. Anal. 10 (1973).

Notation as in [Giles]: a dot is a forward-mode tangent, a bar a reverse-mode
adjoint (cotangent).  Every test checks the JVP (``linad.jvp``) against the
closed form of the tangent and the VJP (``linad.vjp``) against the closed form
of the adjoint, on random well-conditioned inputs drawn by hypothesis.
"""
import numpy as np
import pytest
import scipy.linalg as sla
from hypothesis import given, settings, strategies as st

import linad
import linad.numpy as lnp
import linad.scipy.linalg as lsl
from cases.linalg import general, hermitian, separated

EXAMPLES = settings(max_examples=5)
RTOL = 1e-9


def random_like(x, seed=1):
    rng = np.random.default_rng(seed)
    return rng.standard_normal(np.shape(x))


def close(a, b, rtol=RTOL):
    np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=rtol, atol=rtol)


def lower_read(abar_h):
    """Cotangent of ``A`` for a function that reads ``H = tril(A,-1) + tril(A,-1)^T + diag(A)``.

    Maps the symmetric-matrix adjoint ``abar_h`` through the transpose of that reading map.
    """
    return np.tril(abar_h + abar_h.T, -1) + np.diag(np.diag(abar_h))


def sym(x):
    return (x + x.T) / 2


def off_diagonal_inverse_gaps(w):
    """[Giles] 2.3.4: ``F_ij = 1/(w_j - w_i)`` off the diagonal, 0 on it."""
    d = w[None, :] - w[:, None]
    np.fill_diagonal(d, 1.0)
    f = 1.0 / d
    np.fill_diagonal(f, 0.0)
    return f


SQUARE = general(batch=st.just(()))


# ================================================================== [Giles] 2.2 elementary results

@EXAMPLES
@given(SQUARE)
def test_inverse_giles_2_2_3(a):
    """[Giles] 2.2.3, [MC] (40): C = A^-1;  dC = -C dA C;  Abar = -C^T Cbar C^T."""
    c = np.linalg.inv(a)
    da, cbar = random_like(a, 1), random_like(a, 2)
    close(linad.jvp(lnp.linalg.inv, (a,), (da,))[1], -c @ da @ c)
    close(linad.vjp(lnp.linalg.inv, a)[1](cbar)[0], -c.T @ cbar @ c.T)


@EXAMPLES
@given(SQUARE)
def test_determinant_giles_2_2_4(a):
    """[Giles] 2.2.4, [MC] (42), (49): dC = C tr(A^-1 dA);  Abar = Cbar C A^-T."""
    c = np.linalg.det(a)
    da = random_like(a)
    close(linad.jvp(lnp.linalg.det, (a,), (da,))[1], c * np.trace(np.linalg.solve(a, da)))
    close(linad.vjp(lnp.linalg.det, a)[1](np.float64(0.7))[0], 0.7 * c * np.linalg.inv(a).T)


@EXAMPLES
@given(SQUARE)
def test_log_determinant_cookbook_43_57(a):
    """[MC] (43), (57): d log|det A| = tr(A^-1 dA);  d log|det A| / dA = A^-T."""
    def logdet(a):
        return lnp.linalg.slogdet(a).logabsdet
    da = random_like(a)
    close(linad.jvp(logdet, (a,), (da,))[1], np.trace(np.linalg.solve(a, da)))
    close(linad.grad(logdet)(a), np.linalg.inv(a).T)


# ================================================================== [Giles] 2.3 additional results

@EXAMPLES
@given(SQUARE, st.integers(1, 3))
def test_matrix_inverse_product_giles_2_3_1(a, k):
    """[Giles] 2.3.1: C = A^-1 B;  dC = A^-1 (dB - dA C);  Bbar = A^-T Cbar, Abar = -Bbar C^T."""
    b = random_like(np.zeros((a.shape[0], k)), 3)
    c = np.linalg.solve(a, b)
    da, db, cbar = random_like(a, 4), random_like(b, 5), random_like(c, 6)
    close(linad.jvp(lnp.linalg.solve, (a, b), (da, db))[1], np.linalg.solve(a, db - da @ c))
    abar, bbar = linad.vjp(lnp.linalg.solve, a, b)[1](cbar)
    close(bbar, np.linalg.solve(a.T, cbar))
    close(abar, -np.linalg.solve(a.T, cbar) @ c.T)


@EXAMPLES
@given(SQUARE)
def test_first_quadratic_form_giles_2_3_2(a):
    """[Giles] 2.3.2: C = B^T A B;  dC = dB^T A B + B^T dA B + B^T A dB;
    Abar = B Cbar B^T,  Bbar = A B Cbar^T + A^T B Cbar."""
    b = random_like(a, 7)

    def f(a, b):
        return b.T @ a @ b
    da, db, cbar = random_like(a, 8), random_like(b, 9), random_like(a, 10)
    close(linad.jvp(f, (a, b), (da, db))[1], db.T @ a @ b + b.T @ da @ b + b.T @ a @ db)
    abar, bbar = linad.vjp(f, a, b)[1](cbar)
    close(abar, b @ cbar @ b.T)
    close(bbar, a @ b @ cbar.T + a.T @ b @ cbar)


@EXAMPLES
@given(hermitian(batch=st.just(())))
def test_eigenvalues_giles_2_3_4(a):
    """[Giles] 2.3.4 (symmetric case): A = U diag(w) U^T;  dw = diag(U^T dA U);
    Abar = U diag(wbar) U^T (as an adjoint of the symmetric matrix NumPy reads)."""
    h = np.tril(a) + np.tril(a, -1).T
    w, u = np.linalg.eigh(h)
    da = sym(random_like(a))
    close(linad.jvp(lnp.linalg.eigvalsh, (a,), (da,))[1], np.diag(u.T @ da @ u))
    wbar = random_like(w, 2)
    close(linad.vjp(lnp.linalg.eigvalsh, a)[1](wbar)[0], lower_read(u @ np.diag(wbar) @ u.T))


@EXAMPLES
@given(hermitian(batch=st.just(())))
def test_eigenvectors_giles_2_3_4(a):
    """[Giles] 2.3.4: dU = U (F o (U^T dA U));  Abar = U (diag(wbar) + F o (U^T Ubar)) U^T,
    F_ij = 1/(w_j - w_i).  Same gauge as the computed U (U^T dU has a zero diagonal)."""
    h = np.tril(a) + np.tril(a, -1).T
    w, u = np.linalg.eigh(h)
    f = off_diagonal_inverse_gaps(w)
    da = sym(random_like(a))

    def eigh(a):
        return tuple(lnp.linalg.eigh(a))
    dw, du = linad.jvp(eigh, (a,), (da,))[1]
    close(du, u @ (f * (u.T @ da @ u)))
    wbar, ubar = random_like(w, 3), random_like(u, 4)
    abar = u @ (np.diag(wbar) + f * (u.T @ ubar)) @ u.T
    close(linad.vjp(eigh, a)[1]((wbar, ubar))[0], lower_read(abar))


@EXAMPLES
@given(separated(batch=st.just(())))
def test_singular_values_giles_2_3_5(a):
    """[Giles] 2.3.5: A = U S V^T;  ds = diag(U^T dA V);  Abar = U diag(sbar) V^T."""
    u, s, vh = np.linalg.svd(a, full_matrices=False)
    da = random_like(a)
    close(linad.jvp(lnp.linalg.svdvals, (a,), (da,))[1], np.diag(u.T @ da @ vh.T))
    sbar = random_like(s, 2)
    close(linad.vjp(lnp.linalg.svdvals, a)[1](sbar)[0], u @ np.diag(sbar) @ vh)


@EXAMPLES
@given(separated(st.integers(2, 4), st.integers(2, 4), batch=st.just(())))
def test_singular_vectors_giles_2_3_5(a):
    """[Giles] 2.3.5 for a square matrix: with P = U^T dA V,
    dU = U (F o (P S + S P^T)),  dV = V (F o (S P + P^T S)),  F_ij = 1/(s_j^2 - s_i^2);
    the reverse mode is checked through the adjoint identity <Ubar, dU> + <Vbar, dV>."""
    n = min(a.shape)
    a = a[:n, :n]
    u, s, vh = np.linalg.svd(a)
    v = vh.T
    f = off_diagonal_inverse_gaps(s ** 2)
    da = random_like(a)
    p = u.T @ da @ v
    smat = np.diag(s)
    du = u @ (f * (p @ smat + smat @ p.T))
    dv = v @ (f * (smat @ p + p.T @ smat))

    def svd(a):
        return tuple(lnp.linalg.svd(a))
    out_t = linad.jvp(svd, (a,), (da,))[1]
    close(out_t[0], du)
    close(out_t[2], dv.T)
    ubar, vhbar = random_like(u, 5), random_like(vh, 6)
    abar = linad.vjp(svd, a)[1]((ubar, np.zeros_like(s), vhbar))[0]
    close(np.sum(abar * da), np.sum(ubar * du) + np.sum(vhbar * dv.T))


@EXAMPLES
@given(hermitian(batch=st.just(())))
def test_cholesky_giles_2_3_6(a):
    """[Giles] 2.3.6: A = L L^T;  dL = L Phi(L^-1 dA L^-T), Phi = lower triangle with the
    diagonal halved;  Abar = sym(L^-T Phi(L^T Lbar) L^-1) for the matrix NumPy reads."""
    h = np.tril(a) + np.tril(a, -1).T
    low = np.linalg.cholesky(h)
    linv = np.linalg.inv(low)

    def phi(x):
        return np.tril(x, -1) + np.diag(np.diag(x)) / 2
    da = sym(random_like(a))
    close(linad.jvp(lnp.linalg.cholesky, (a,), (da,))[1], low @ phi(linv @ da @ linv.T))
    lbar = np.tril(random_like(a, 2))
    abar = sym(linv.T @ phi(low.T @ lbar) @ linv)
    close(linad.vjp(lnp.linalg.cholesky, a)[1](lbar)[0], lower_read(abar))


# ======================================================================= norms ([Giles] 2.3.7 / 3)

@EXAMPLES
@given(separated(batch=st.just(())))
def test_frobenius_and_spectral_norms_giles(a):
    """[Giles] matrix norms: B = ||A||_F: dB = tr(A^T dA)/B, Abar = Bbar A / B;
    B = ||A||_2 = s_1: dB = u_1^T dA v_1, Abar = Bbar u_1 v_1^T."""
    da = random_like(a)
    fro = np.linalg.norm(a)
    close(linad.jvp(lambda a: lnp.linalg.norm(a, "fro"), (a,), (da,))[1],
          np.sum(a * da) / fro)
    close(linad.grad(lambda a: lnp.linalg.norm(a, "fro"))(a), a / fro)
    u, s, vh = np.linalg.svd(a)
    close(linad.jvp(lambda a: lnp.linalg.norm(a, 2), (a,), (da,))[1], u[:, 0] @ da @ vh[0])
    close(linad.grad(lambda a: lnp.linalg.norm(a, 2))(a), np.outer(u[:, 0], vh[0]))


# ============================================================================ matrix functions

@EXAMPLES
@given(general().map(lambda a: 0.4 * a))
def test_expm_matches_scipy_expm_frechet(a):
    """Exponential ([Giles] sec. 3 on matrix functions; Al-Mohy & Higham 2009):
    d expm(A) = L(A, dA) = scipy.linalg.expm_frechet(A, dA);  Abar = L(A^T, Cbar)."""
    da, cbar = random_like(a, 1), random_like(a, 2)
    frechet = np.vectorize(lambda x, e: sla.expm_frechet(x, e, compute_expm=False),
                           signature="(n,n),(n,n)->(n,n)")
    close(linad.jvp(lsl.expm, (a,), (da,))[1], frechet(a, da))
    close(linad.vjp(lsl.expm, a)[1](cbar)[0], frechet(np.swapaxes(a, -1, -2), cbar))


@EXAMPLES
@given(hermitian(batch=st.just(()), garbage=False))
def test_sqrtm_sylvester_identity(a):
    """S = sqrtm(A):  S dS + dS S = dA (differentiate S S = A);
    Abar solves S^T Y + Y S^T = Sbar."""
    s = sla.sqrtm(a)
    da, sbar = random_like(a, 1), random_like(a, 2)
    close(linad.jvp(lsl.sqrtm, (a,), (da,))[1], sla.solve_sylvester(s, s, da), 1e-7)
    close(linad.vjp(lsl.sqrtm, a)[1](sbar)[0], sla.solve_sylvester(s.T, s.T, sbar), 1e-7)


@EXAMPLES
@given(SQUARE, general(batch=st.just(())))
def test_sylvester_equation(a, b):
    """A X + X B = Q:  A dX + dX B = dQ - dA X - X dB;  with A^T Y + Y B^T = Xbar:
    Qbar = Y, Abar = -Y X^T, Bbar = -X^T Y."""
    q = random_like(np.zeros((a.shape[0], b.shape[0])), 3)
    x = sla.solve_sylvester(a, b, q)
    da, db, dq = random_like(a, 4), random_like(b, 5), random_like(q, 6)
    close(linad.jvp(lsl.solve_sylvester, (a, b, q), (da, db, dq))[1],
          sla.solve_sylvester(a, b, dq - da @ x - x @ db))
    xbar = random_like(x, 7)
    y = sla.solve_sylvester(a.T, b.T, xbar)
    abar, bbar, qbar = linad.vjp(lsl.solve_sylvester, a, b, q)[1](xbar)
    close(qbar, y)
    close(abar, -y @ x.T)
    close(bbar, -x.T @ y)


@EXAMPLES
@given(separated(batch=st.just(())))
def test_pseudo_inverse_golub_pereyra(a):
    """[GP] (4.12): dX = -X dA X + X X^T dA^T (I - A X) + (I - X A) dA^T X^T X at full rank."""
    x = np.linalg.pinv(a)
    da = random_like(a)
    m, n = a.shape
    expected = (-x @ da @ x + x @ x.T @ da.T @ (np.eye(m) - a @ x)
                + (np.eye(n) - x @ a) @ da.T @ x.T @ x)
    close(linad.jvp(lnp.linalg.pinv, (a,), (da,))[1], expected)
    xbar = random_like(x, 2)
    abar = linad.vjp(lnp.linalg.pinv, a)[1](xbar)[0]
    close(np.sum(abar * da), np.sum(xbar * expected))


@pytest.mark.parametrize("seed", range(3))
def test_triangular_solve_reverse_is_transposed_solve(seed):
    """X = L^-1 B:  Bbar = L^-T Xbar,  Lbar = -tril(Bbar X^T) (only the triangle read)."""
    rng = np.random.default_rng(seed)
    low = np.tril(rng.standard_normal((4, 4))) + 4 * np.eye(4)
    b = rng.standard_normal((4, 2))
    x = sla.solve_triangular(low, b, lower=True)
    xbar = rng.standard_normal((4, 2))
    lbar, bbar = linad.vjp(lambda l_, b_: lsl.solve_triangular(l_, b_, lower=True), low, b)[1](
        xbar)
    bbar_expected = sla.solve_triangular(low, xbar, lower=True, trans=1)
    close(bbar, bbar_expected)
    close(lbar, -np.tril(bbar_expected @ x.T))


# ======================================================================= the documentation's table

def test_docs_table_names_existing_tests():
    """Every line of the table in docs/matrix-calculus.md (section 4) names existing checks."""
    import pathlib
    import sys
    import re

    import test_linalg
    from cases import all_cases
    doc = pathlib.Path(__file__).parent.parent / "docs" / "matrix-calculus.md"
    section = doc.read_text().split("## 4.")[1].split("## 5.")[0]
    rows = [line for line in section.splitlines() if line.startswith("| `")]
    assert len(rows) >= 25
    case_names = {c.name for c in all_cases()}
    modules = [test_linalg, sys.modules[__name__]]
    for row in rows:
        names = re.findall(r"`([A-Za-z0-9_]+)`", row.rsplit("|", 2)[1])
        assert names, row
        for name in names:
            if name.startswith("test_"):
                assert any(hasattr(m, name) for m in modules), name
            else:
                assert name in case_names, name
