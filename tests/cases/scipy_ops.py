"""Cases for issue 5: linop_apply, linear_solve, and (unregistered) custom_jvp / root.

``custom_jvp`` makes one primitive per decorated function, at run time; those are
deliberately not entered in ``core.PRIMITIVES`` (see ``linad.custom_jvp``), so their
cases cover no registered name — they are here for the finite-difference,
second-order and dot-product checks.
"""
import functools

import numpy as np
import scipy.sparse.linalg as spla
from hypothesis import strategies as st

import linad
from systematic import Case, arrays, well_conditioned

_r = np.random.default_rng(2024)
_M = _r.standard_normal((3, 4))
_MC = _M + 1j * _r.standard_normal((3, 4))
_OP = spla.LinearOperator(_M.shape, matvec=lambda v: _M @ v, rmatvec=lambda v: _M.T @ v,
                          dtype=float)
_OPC = spla.aslinearoperator(_MC)


def _vector_or_matrix(n):
    return st.sampled_from([(n,), (n, 2)]).flatmap(lambda s: arrays(s)).map(lambda x: ((x,), {}))


def _complex_vector(n):
    return st.tuples(arrays((n,)), arrays((n,))).map(lambda ab: ((ab[0] + 1j * ab[1],), {}))


def _system(spd=False):
    """A well-conditioned (n, n) matrix and a right-hand side of shape (n,) or (n, 2)."""
    @st.composite
    def build(draw):
        A = draw(well_conditioned(batch_st=st.just(()), spd=spd))
        n = A.shape[0]
        b = draw(arrays(draw(st.sampled_from([(n,), (n, 2)]))))
        return (A, b), {}
    return build()


def _solve(A, b, symmetric=False):
    return linad.linear_solve(lambda v: A @ v, b, symmetric=symmetric)


@functools.partial(linad.custom_jvp, nondiff_argnums=(1,))
def _scaled_softplus(x, k):
    return np.logaddexp(0.0, k * x) / k


@_scaled_softplus.defjvp
def _scaled_softplus_jvp(k, primals, tangents):
    (x,), (t,) = primals, tangents
    return _scaled_softplus(x, k), t / (1 + np.exp(-k * x))


def _cubic_root(a, b):
    """The root of x^3 + b x - a (unique and smooth for b > 0)."""
    return linad.root(lambda x, a, b: x ** 3 + b * x - a, np.zeros_like(a), (a, b))


CASES = [
    Case("linop_apply", lambda x: linad.linop(_OP)(x) * 2.0, _vector_or_matrix(4),
         ("linop_apply",)),
    Case("linop_apply_nonlinear", lambda x: np.sin(linad.linop(_OP) @ np.tanh(x)),
         _vector_or_matrix(4), ("linop_apply",)),
    Case("linop_apply_complex_op", lambda x: linad.linop(_OPC)(x), _vector_or_matrix(4),
         ("linop_apply",)),
    Case("linop_apply_complex_both", lambda z: linad.linop(_OPC)(z) * z.sum(),
         _complex_vector(4), ("linop_apply",)),
    Case("linear_solve", _solve, _system(), ("linear_solve",)),
    Case("linear_solve_symmetric", functools.partial(_solve, symmetric=True), _system(spd=True),
         ("linear_solve",)),
    Case("linear_solve_nonlinear_matvec_params",
         lambda d, b: linad.linear_solve(lambda v: v * np.exp(d) + 0.5 * v[::-1], b) ** 2,
         st.integers(1, 4).flatmap(lambda n: st.tuples(arrays((n,), -0.5, 0.5), arrays((n,))))
         .map(lambda ab: (ab, {})), ("linear_solve",)),
    Case("custom_jvp", lambda x: _scaled_softplus(x, 2.0) * x, arrays((3,)).map(
        lambda x: ((x,), {})), ()),
    Case("root", _cubic_root, st.integers(1, 3).flatmap(
        lambda n: st.tuples(arrays((n,)), arrays((n,), 0.5, 2.0))).map(lambda ab: (ab, {})), ()),
]
