"""Linear algebra under ``linad.jit``: factorisations, masks and permutations that the
rules compute from values are staged, so a program staged at one matrix and replayed at
another (where pivots, zero singular values, repeated eigenvalues or singularity differ)
equals eager linad; results whose shape or dtype depend on values raise
``ConcretizationError``.
"""
import numpy as np
import pytest

import linad
import linad.numpy as lnp
import linad.scipy.linalg as lsl
from linad.core import ConcretizationError

RNG = np.random.default_rng(7)
A = RNG.standard_normal((3, 3)) + 3 * np.eye(3)
B = RNG.standard_normal((3, 3)) + 3 * np.eye(3)
SPD = A @ A.T + np.eye(3)
SPD2 = B @ B.T + np.eye(3)
SINGULAR = np.array([[1.0, 2.0, 3.0], [2.0, 4.0, 6.0], [1.0, 0.0, 1.0]])
RHS = RNG.standard_normal((3, 2))


def close(x, y):
    for a, b in zip(linad.tree.tree_leaves(x), linad.tree.tree_leaves(y)):
        a, b = np.asarray(a), np.asarray(b)
        assert a.dtype == b.dtype and a.shape == b.shape
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)


def scalar(f):
    """A real scalar function of ``f``'s outputs (weights fixed per output position)."""
    def g(*args):
        outs = linad.tree.tree_leaves(f(*args))
        return sum(lnp.sum(lnp.real(o) * (1.0 + 0.5 * k)) for k, o in enumerate(outs))
    return g


def check_replayed(f, first, *points):
    """``jit(f)`` and ``jit(grad)`` staged at ``first`` equal eager at ``first`` and at
    every point of ``points`` (replayed: staged once)."""
    jf, jg = linad.jit(f), linad.jit(linad.grad(scalar(f)))
    for x in (first,) + points:
        close(jf(x), f(x))
        close(jg(x), linad.grad(scalar(f))(x))
    assert jf.cache_info().misses == 1 and jg.cache_info().misses == 1


FUNCTIONS = {
    "solve": lambda a: lnp.linalg.solve(a, RHS),
    "inv": lnp.linalg.inv,
    "det": lnp.linalg.det,
    "slogdet": lambda a: lnp.linalg.slogdet(a)[1],
    "eigh": lambda a: lnp.linalg.eigh(a + a.T),
    "svd": lambda a: lnp.linalg.svd(a, full_matrices=False),
    "cholesky": lambda a: lnp.linalg.cholesky(a @ a.T + np.eye(3)),
    "lstsq": lambda a: lnp.linalg.lstsq(a[:, :2], RHS)[0],
    "lu_factor": lambda a: lsl.lu_factor(a)[0],
    "lu_solve": lambda a: lsl.lu_solve(lsl.lu_factor(a), RHS),
    "solve_sylvester": lambda a: lsl.solve_sylvester(a, a.T + np.eye(3), RHS @ RHS.T),
    "polar": lambda a: lsl.polar(a),
    "pinv": lambda a: lsl.pinv(a, atol=0.5),
}


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_staged_at_one_matrix_replayed_at_another(name):
    check_replayed(FUNCTIONS[name], A, B, A @ B)


def test_solve_factors_once_under_jit():
    prog = linad.make_program(linad.grad(lambda a: lnp.sum(lnp.linalg.solve(a, RHS))))(A)
    assert str(prog).count("_lu_or_raise") == 1  # primal and transposed solves share it


def test_det_staged_at_regular_replayed_at_singular():
    # det's derivative takes the adjugate from the SVD at singular matrices: chosen per call
    check_replayed(lnp.linalg.det, A, SINGULAR, np.zeros((3, 3)), B)


def test_det_hessian_under_jit():
    h = linad.jit(linad.hessian(lnp.linalg.det))
    for x in (A, SINGULAR):
        close(h(x), linad.hessian(lnp.linalg.det)(x))


def test_lu_pivots_recomputed():
    # the row pivots of the staging point are the identity, those of the replay point are not
    f = lambda a: lsl.lu(a)  # noqa: E731
    check_replayed(f, np.triu(A) + 5 * np.eye(3), A[::-1], B)
    g = lambda a: lsl.lu(a, p_indices=True)[0]  # noqa: E731
    jg = linad.jit(g)
    for x in (np.triu(A) + 5 * np.eye(3), A[::-1]):
        np.testing.assert_array_equal(jg(x), g(x))


def test_lu_solve_with_traced_pivots():
    lu, piv = lsl.lu_factor(A)
    lu2, piv2 = lsl.lu_factor(B[::-1])
    assert not np.array_equal(piv, piv2)
    for trans in (0, 1):
        f = linad.jit(lambda lu, piv, b: lsl.lu_solve((lu, piv), b, trans=trans))
        for args in ((lu, piv, RHS), (lu2, piv2, RHS)):
            close(f(*args), lsl.lu_solve(args[:2], args[2], trans=trans))


def test_zero_singular_values_and_repeated_eigenvalues_recomputed():
    # staged where every singular value / eigenvalue is distinct and nonzero
    rank_one = np.outer([1.0, 2.0, 3.0], [1.0, -1.0, 0.5])
    check_replayed(lambda a: lnp.linalg.svd(a, compute_uv=False), A, rank_one, np.zeros((3, 3)))
    check_replayed(lambda a: lnp.linalg.eigh(a)[1], SPD, np.diag([2.0, 2.0, 5.0]), SPD2)


def test_norm_masks_and_choices_recomputed():
    for ord in ("fro", 1, -1, np.inf, -np.inf):
        # a zero matrix (sqrt at 0) and a different column/row attaining the maximum
        check_replayed(lambda a: lnp.linalg.matrix_norm(a, ord=ord), A, np.zeros((3, 3)), -B,
                       A.T)


def test_pinv_cutoff_and_rank_recomputed():
    f = lambda a: lsl.pinv(a, atol=1.0, return_rank=True)  # noqa: E731
    jf = linad.jit(f)
    small = np.diag([3.0, 2.0, 0.5])
    for x in (np.diag([3.0, 2.0, 1.5]), small):
        out, rank = jf(x)
        close(out, f(x)[0])
        assert int(rank) == f(x)[1]
    assert jf(small)[1] == 2
    check_replayed(lambda a: lnp.linalg.matrix_rank(a) * a, A, SINGULAR)


def test_pivoted_qr_permutation_recomputed():
    f = lambda a: lsl.qr(a, pivoting=True)  # noqa: E731
    jf = linad.jit(f)
    for x in (A, B[:, ::-1], A[:, [2, 0, 1]]):
        close(jf(x), f(x))


def test_lstsq_wide_matrix_and_rank():
    f = lambda a: lnp.linalg.lstsq(a[:2], RHS[:2])  # noqa: E731
    jf = linad.jit(lambda a: (f(a)[0], f(a)[1], f(a)[2]))
    for x in (A, SINGULAR):
        close(jf(x), f(x)[:3])


def test_singular_matrix_raises_at_replay():
    f = linad.jit(lambda a: lnp.linalg.solve(a, RHS))
    f(A)
    with pytest.raises(np.linalg.LinAlgError, match="Singular matrix"):
        f(np.zeros((3, 3)))


def test_real_schur_blocks_raise_at_replay():
    f = linad.jit(linad.grad(lambda a: lnp.sum(lsl.schur(a)[0])))
    f(np.triu(A) + np.diag([0.0, 1.0, 2.0]))
    rotation = np.array([[0.0, -1.0, 0.0], [1.0, 0.0, 0.0], [0.0, 0.0, 2.0]])
    with pytest.raises(NotImplementedError, match="2x2 blocks"):
        f(rotation)


def test_results_whose_shape_or_dtype_depend_on_values_refused():
    with pytest.raises(ConcretizationError, match="lstsq's residuals under linad.jit"):
        linad.jit(lambda a: lnp.sum(lnp.linalg.lstsq(a[:, :2], RHS)[1]))(A)
    with pytest.raises(ConcretizationError, match="lstsq's residuals under linad.jit"):
        linad.jit(lambda a: lnp.linalg.lstsq(a[:, :2], RHS)[1])(A)  # returned: refused
    with pytest.raises(ConcretizationError, match="eig of a real matrix under linad.jit"):
        linad.jit(lnp.linalg.eigvals)(A)
    # matrix functions of a real matrix are staged real; a complex result raises at the call
    for fn in (lsl.sqrtm, lsl.logm, lambda a: lsl.fractional_matrix_power(a, 0.3)):
        jf = linad.jit(fn)
        close(jf(SPD), fn(SPD))
        close(jf(2.0 * SPD), fn(2.0 * SPD))
        with pytest.raises(ValueError, match="staged it as real"):
            jf(-SPD)
        with pytest.raises(ValueError, match="staged it as real"):
            linad.jit(fn)(-SPD)  # staged at such a matrix
    # complex matrices are staged
    c = A.astype(complex)
    close(linad.jit(lnp.linalg.eigvals)(c), lnp.linalg.eigvals(c))
    close(linad.jit(lsl.sqrtm)(SPD.astype(complex)), lsl.sqrtm(SPD.astype(complex)))


def test_answers_equal_with_optimisations_off():
    f = FUNCTIONS["det"]
    with_opt = linad.jit(linad.grad(f))(A)
    linad.optimize.set_enabled(False)
    try:
        close(linad.jit(linad.grad(f))(A), with_opt)
    finally:
        linad.optimize.set_enabled(True)


def test_slogdet_derivative_at_exactly_singular_matrix_raises_under_jit():
    # eager: log|det| = -inf has a NaN tangent; staged: the inverse the rule needs raises
    g = linad.jit(linad.grad(lambda a: lnp.linalg.slogdet(a)[1]))
    close(g(A), linad.grad(lambda a: lnp.linalg.slogdet(a)[1])(A))
    with pytest.raises(np.linalg.LinAlgError, match="Singular matrix"):
        g(np.zeros((3, 3)))
