"""Cases for the discrete Fourier transforms (``linad.numpy.fft``, primitives fft, rfft, irfft).

Inputs are real or complex, of odd and even lengths, cropped (``n``/``s`` smaller than
the input) and zero-padded (larger), along any axis, in every ``norm``.  Most cases
square the transform, so that second order checks a non-zero second derivative whose
reverse mode runs through the transposed transforms.  Each case also runs through
plain ``np.fft`` dispatch (``np_fn``).
"""
import numpy as np
from hypothesis import strategies as st

import linad.numpy as lnp
from systematic import Case, arrays, shapes

N = 8  # hypothesis examples per case
NORMS = st.sampled_from([None, "backward", "ortho", "forward"])
LENGTHS = st.integers(1, 7)


def _array(draw, shape, complex_):
    x = draw(arrays(shape))
    return x + 1j * draw(arrays(shape)) if complex_ else x


def _one_axis(complex_in, inverse_real=False):
    """One array (complex, real or either), an axis, ``n`` (or None) and ``norm``."""
    @st.composite
    def build(draw):
        shape = draw(shapes(1, 3, min_side=1, max_side=5))
        cplx = draw(st.booleans()) if complex_in is None else complex_in
        x = _array(draw, shape, cplx)
        axis = draw(st.integers(-x.ndim, x.ndim - 1))
        none_ok = not inverse_real or shape[axis] > 1  # irfft's default n = 2 (m - 1)
        n = draw(st.one_of(st.none(), LENGTHS) if none_ok else LENGTHS)
        return (x,), {"n": n, "axis": axis, "norm": draw(NORMS)}
    return build()


def _many_axes(complex_in, inverse_real=False, duplicates=False):
    """One array, distinct axes (any order, negative ones too), lengths ``s`` or None."""
    @st.composite
    def build(draw):
        shape = draw(shapes(1, 3, min_side=1, max_side=4))
        cplx = draw(st.booleans()) if complex_in is None else complex_in
        x = _array(draw, shape, cplx)
        nd = x.ndim
        axes = draw(st.permutations(range(nd)).map(list))[:draw(st.integers(1, nd))]
        if duplicates:
            axes = axes + [axes[0]]
        axes = [a - nd * draw(st.integers(0, 1)) for a in axes]
        s = draw(st.one_of(st.none(), st.lists(st.sampled_from([-1, 1, 2, 3, 4, 5]),
                                                min_size=len(axes), max_size=len(axes))))
        if s is None and inverse_real and shape[axes[-1]] == 1:
            s = [-1] * (len(axes) - 1) + [2]  # the default last length would be 0
        return (x,), {"s": s, "axes": axes, "norm": draw(NORMS)}
    return build()


def _two_axes(complex_in):
    """An array of at least 2 dimensions for the ``*2`` functions (default axes (-2, -1))."""
    @st.composite
    def build(draw):
        shape = draw(shapes(2, 3, min_side=2, max_side=4))
        x = _array(draw, shape, complex_in)
        s = draw(st.one_of(st.none(), st.tuples(LENGTHS, LENGTHS)))
        return (x,), {"s": s, "norm": draw(NORMS)}
    return build()


def _shift():
    @st.composite
    def build(draw):
        x = draw(arrays(shapes(1, 3, min_side=1, max_side=5)))
        axes = draw(st.one_of(st.none(), st.integers(-x.ndim, x.ndim - 1),
                              st.permutations(range(x.ndim)).map(tuple)))
        return (x,), {"axes": axes}
    return build()


def _squared(name):
    """``name``'s transform, squared (a non-zero second derivative), via lnp and via np."""
    return (lambda x, **kw: getattr(lnp.fft, name)(x, **kw) ** 2,
            lambda x, **kw: getattr(np.fft, name)(x, **kw) ** 2)


def _case(name, strategy, covers, **extra):
    fn, np_fn = _squared(name)
    return Case(f"fft_{name}", fn, strategy, covers, np_fn=np_fn, max_examples=N, **extra)


CASES = [
    _case("fft", _one_axis(None), ("fft", "convert")),
    _case("ifft", _one_axis(None), ("fft",)),
    _case("rfft", _one_axis(False), ("rfft",)),
    _case("irfft", _one_axis(True, inverse_real=True), ("irfft",)),
    _case("hfft", _one_axis(None, inverse_real=True), ("irfft", "conj")),
    _case("ihfft", _one_axis(False), ("rfft", "conj")),
    _case("fftn", _many_axes(None), ("fft",)),
    _case("ifftn", _many_axes(True), ("fft",)),
    _case("rfftn", _many_axes(False), ("rfft", "fft")),
    _case("irfftn", _many_axes(True, inverse_real=True), ("fft", "irfft")),
    _case("fft2", _two_axes(True), ("fft",)),
    _case("ifft2", _two_axes(False), ("fft",)),
    _case("rfft2", _two_axes(False), ("rfft", "fft")),
    _case("irfft2", _two_axes(True), ("fft", "irfft")),
    _case("fftshift", _shift(), ("concatenate",)),
    _case("ifftshift", _shift(), ("concatenate",)),
    Case("fft_fftn_repeated_axes", lambda x, **kw: lnp.fft.fftn(x, **kw) ** 2,
         _many_axes(True, duplicates=True), ("fft",),
         np_fn=lambda x, **kw: np.fft.fftn(x, **kw) ** 2, max_examples=N),
    Case("fft_power_spectrum", lambda x: lnp.real(lnp.fft.rfft(x) * lnp.conj(lnp.fft.rfft(x))),
         arrays(shapes(1, 2, min_side=1, max_side=6)).map(lambda x: ((x,), {})),
         ("rfft", "conj"), np_fn=lambda x: np.real(np.fft.rfft(x) * np.conj(np.fft.rfft(x))),
         max_examples=N),
]
