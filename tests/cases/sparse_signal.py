"""Cases for ``sparse_matmul`` (a constant scipy.sparse matrix times a traced array) and for
``linad.scipy.signal``'s convolutions (built from gathers, einsum and FFTs, so they cover no
primitive of their own: they are here for the finite-difference, second-order and dot-product
checks of the bilinear maps in both operands)."""
import numpy as np
import scipy.sparse as sp
from hypothesis import strategies as st

import linad.numpy as lnp
from linad.scipy import signal
from linad.scipy import sparse as lsp
from systematic import Case, arrays

_r = np.random.default_rng(7)
_S = sp.random_array((5, 4), density=0.5, rng=_r, format="csr") + sp.eye_array(5, 4)
_SC = sp.csc_matrix(_S.toarray() + 1j * (_S.toarray() > 0.3))
_SQ = sp.dia_array((_r.standard_normal((3, 4)), [-1, 0, 1]), shape=(4, 4))


def _vector_or_matrix(n):
    return st.sampled_from([(n,), (n, 2)]).flatmap(arrays).map(lambda x: ((x,), {}))


def _complex(shape):
    return st.tuples(arrays(shape), arrays(shape)).map(lambda ab: ab[0] + 1j * ab[1])


def _two_signals(nd, complex_=False, kwargs=st.just({})):
    """Two arrays of ``nd`` dimensions; the second no larger than the first in every
    dimension, and the two swapped half the time (SciPy's ``"valid"`` swap)."""
    @st.composite
    def build(draw):
        s1 = tuple(draw(st.integers(1, 5)) for _ in range(nd))
        s2 = tuple(draw(st.integers(1, n)) for n in s1)
        if draw(st.booleans()):
            s1, s2 = s2, s1
        make = _complex if complex_ else arrays
        return (draw(make(s1)), draw(make(s2))), draw(kwargs)
    return build()


_MODES = st.sampled_from(["full", "same", "valid"])
_CONV_KW = st.fixed_dictionaries({"mode": _MODES, "method": st.sampled_from(["direct", "fft"])})
_2D_KW = st.fixed_dictionaries({"mode": _MODES, "boundary": st.sampled_from(["fill", "symm",
                                                                             "wrap"])})

CASES = [
    Case("sparse_matmul", lambda x: lsp.matmul(_S, x) * 2.0, _vector_or_matrix(4),
         ("sparse_matmul",), np_fn=lambda x: np.dot(_S.toarray(), x) * 2.0),
    Case("sparse_matmul_operator", lambda x: np.sin(x @ _S.T), arrays((4,)).map(
        lambda x: ((x,), {})), ("sparse_matmul",), np_fn=lambda x: np.sin(x @ _S.T)),
    Case("sparse_rmatmul", lambda x: lnp.tanh(x) @ _S, st.sampled_from([(5,), (2, 5)]).flatmap(
        arrays).map(lambda x: ((x,), {})), ("sparse_matmul",)),
    Case("sparse_matmul_dia_squared", lambda x: lsp.dot(_SQ, lsp.dot(_SQ, x) ** 2),
         _vector_or_matrix(4), ("sparse_matmul",)),
    Case("sparse_matmul_complex_matrix", lambda x: lsp.matmul(_SC, x), _vector_or_matrix(4),
         ("sparse_matmul",)),
    Case("sparse_matmul_complex_both", lambda z: lsp.matmul(_SC, z) * z.sum(),
         _complex((4,)).map(lambda z: ((z,), {})), ("sparse_matmul",)),
    Case("signal_convolve", signal.convolve, _two_signals(1, kwargs=_CONV_KW)),
    Case("signal_convolve_2d", signal.convolve, _two_signals(2, kwargs=_CONV_KW), max_examples=5),
    Case("signal_correlate_complex", signal.correlate, _two_signals(1, True, _CONV_KW)),
    Case("signal_fftconvolve", signal.fftconvolve,
         _two_signals(1, kwargs=st.fixed_dictionaries({"mode": _MODES}))),
    Case("signal_convolve2d", signal.convolve2d, _two_signals(2, kwargs=_2D_KW),
         max_examples=6),
    Case("signal_correlate2d_complex", signal.correlate2d, _two_signals(2, True, _2D_KW),
         max_examples=6),
]
