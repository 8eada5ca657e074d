r"""Discrete Fourier transforms as linear primitives.

Three primitives cover all of ``numpy.fft``; cropping and zero-padding to a
length ``n`` are ``getitem`` and ``scatter_add`` around them
(:mod:`linad.numpy.fft`).

``fft(x, axes, inverse, norm)``
    The complex-to-complex transform over ``axes``: :math:`c\,F x` (forward) or
    :math:`c\,\bar F x` (inverse), with :math:`F_{jk} = e^{-2\pi i jk/n}` along
    each axis and :math:`c` the scale that ``norm`` gives.
``rfft(x, axis, norm)``
    A real input of length :math:`n` to the first :math:`m = \lfloor n/2\rfloor + 1`
    entries of its spectrum: :math:`c\,P F E x`, with :math:`E` the embedding of
    real into complex arrays and :math:`P` the first :math:`m` rows.
``irfft(y, axis, n, norm)``
    A half spectrum of length :math:`m` to a real signal of length :math:`n`:
    :math:`x = c\,\mathrm{Re}(\bar F_{:, :m} W y)`, with weights :math:`W =
    \mathrm{diag}(w)`, :math:`w_0 = 1`, :math:`w_{n/2} = 1` for even :math:`n`, and
    :math:`w_k = 2` otherwise (the Hermitian extension
    :math:`Y_{n-k} = \bar y_k` folded onto the half spectrum; the imaginary parts of
    :math:`y_0` and :math:`y_{n/2}` do not contribute, as in NumPy).

The scale :math:`c` is :math:`1`, :math:`1/\sqrt n` or :math:`1/n` (``n`` the
product of the transformed lengths): a forward transform (``fft``, ``rfft``)
has :math:`1/n` under ``norm="forward"``, an inverse one (``ifft``, ``irfft``)
under ``norm="backward"``; ``"ortho"`` gives :math:`1/\sqrt n` to both.
Swapping ``"backward"`` and ``"forward"`` (:func:`swap_norm`) turns the scale of
a forward transform into that of the inverse one and back.

Transposes
----------
With linad's pairing :math:`\langle u, v\rangle = \mathrm{Re}\sum u v` (no
conjugation; see :mod:`linad.primitives.linear`):

* :math:`F` and :math:`\bar F` are symmetric matrices, so ``fft`` is its own
  transpose (same axes, direction and ``norm``).
* :math:`(c P F E)^T = c\,E^T F P^T`: zero-pad the cotangent to :math:`n`
  entries, transform, take the real part.  Since
  :math:`\mathrm{Re}(F_{:, :m} z) = \mathrm{Re}(\bar F_{:, :m} \bar z)`, this is
  ``irfft(conj(ct) / w, n, swap_norm(norm))``: a real transform, not a complex one.
* For a real cotangent, :math:`\mathrm{Re}\sum_j ct_j\,\mathrm{Re}(a_j) =
  \mathrm{Re}\sum_j ct_j a_j`, so the transpose of ``irfft`` is
  :math:`c\,W \bar F_{:, :m}^T ct = c\,W\,\overline{(F ct)_{:m}}`, i.e.
  ``w * conj(rfft(ct, swap_norm(norm)))``.

Each transpose is built from ``rfft``, ``irfft``, ``conj`` and ``mul`` by a
constant, so transposing twice gives back the original map.  Every primitive is
linear in its one operand, so its JVP is the primitive applied to the tangent.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from ..core import Primitive, bind, dtype_of, real_dtype
from .linear import axes_batch_rule, conj, convert, fit_dtype, mul
from .rules import deflinear

__all__ = ["fft_p", "rfft_p", "irfft_p", "fft", "rfft", "irfft", "swap_norm",
           "half_length", "hermitian_weights", "NORMS"]

#: The values of ``norm`` the primitives take (``None`` is normalised to ``"backward"``).
NORMS = ("backward", "ortho", "forward")


def swap_norm(norm: str) -> str:
    """The ``norm`` that gives the opposite direction the same scale.

    Examples
    --------
    >>> swap_norm("backward"), swap_norm("ortho")
    ('forward', 'ortho')
    """
    return {"backward": "forward", "forward": "backward"}.get(norm, norm)


def half_length(n: int) -> int:
    """The length ``n // 2 + 1`` of the half spectrum of a real signal of length ``n``.

    Examples
    --------
    >>> half_length(4), half_length(5)
    (3, 3)
    """
    return n // 2 + 1


def hermitian_weights(n: int, axis: int, ndim: int, dtype: Any) -> np.ndarray:
    """The weights ``w`` of ``irfft`` (1 at DC and at the Nyquist entry of an even ``n``,
    2 elsewhere), shaped to broadcast along ``axis`` of an ``ndim``-array.

    Examples
    --------
    >>> hermitian_weights(4, 0, 1, np.float64)
    array([1., 2., 1.])
    >>> hermitian_weights(5, 0, 2, np.float32).ravel()
    array([1., 2., 2.], dtype=float32)
    """
    w = np.full(half_length(n), 2.0, dtype)
    w[0] = 1.0
    if n % 2 == 0:
        w[-1] = 1.0
    return w.reshape((-1,) + (1,) * (ndim - 1 - axis))


def _complex_of(dtype: Any) -> np.dtype:
    return np.result_type(dtype, np.complex64)


# ======================================================================= fft: complex to complex

def _fft_impl(x, *, axes, inverse, norm):
    x = np.asarray(x)
    out = (np.fft.ifftn if inverse else np.fft.fftn)(x, axes=axes, norm=norm)
    return out.astype(_complex_of(x.dtype), copy=False)  # NumPy 1.x widens complex64


fft_p = Primitive("fft", _fft_impl)


def fft(x: Any, axes: tuple, inverse: bool = False, norm: str = "backward") -> Any:
    """The complex-to-complex DFT of ``x`` over ``axes`` (non-negative, distinct).

    ``inverse`` selects ``ifftn`` over ``fftn``; ``norm`` is one of :data:`NORMS`.
    A real ``x`` is first embedded in the complex arrays.

    Examples
    --------
    >>> fft(np.array([1.0, 2.0, 3.0, 4.0]), (0,))
    array([10.+0.j, -2.+2.j, -2.+0.j, -2.-2.j])
    """
    x = convert(x, _complex_of(dtype_of(x)))
    return bind(fft_p, x, axes=tuple(axes), inverse=bool(inverse), norm=norm)


deflinear(fft_p, linear_in=(0,),
          aval_rule=lambda x, *, axes, inverse, norm: (tuple(x[0]), _complex_of(x[1])),
          transpose_rule=lambda ct, x, *, axes, inverse, norm: [
              fit_dtype(fft(ct, axes, inverse, norm), x.dtype)],
          batch_rule=axes_batch_rule(fft_p, "axes"))


# ==================================================================== rfft: real to half spectrum

def _rfft_impl(x, *, axis, norm):
    x = np.asarray(x)
    return np.fft.rfft(x, axis=axis, norm=norm).astype(_complex_of(x.dtype), copy=False)


rfft_p = Primitive("rfft", _rfft_impl)


def rfft(x: Any, axis: int, norm: str = "backward") -> Any:
    """The half spectrum of a real ``x`` along a non-negative ``axis`` (``np.fft.rfft``).

    Examples
    --------
    >>> rfft(np.array([1.0, 2.0, 3.0, 4.0]), 0)
    array([10.+0.j, -2.+2.j, -2.+0.j])
    """
    if dtype_of(x).kind == "c":
        raise TypeError("rfft: the input must be real; take its real part first, or use fft "
                        "for the full spectrum of a complex input")
    return bind(rfft_p, x, axis=int(axis), norm=norm)


def _rfft_shape(x, *, axis, norm):
    shape = list(x[0])
    shape[axis] = half_length(shape[axis])
    return tuple(shape), _complex_of(x[1])


def _rfft_transpose(ct, x, *, axis, norm):
    n = x.shape[axis]
    inv_w = 1.0 / hermitian_weights(n, axis, len(x.shape), x.dtype)
    return [irfft(mul(conj(ct), inv_w), axis, n, swap_norm(norm))]


deflinear(rfft_p, linear_in=(0,), aval_rule=_rfft_shape, transpose_rule=_rfft_transpose,
          batch_rule=axes_batch_rule(rfft_p, "axis"))


# =================================================================== irfft: half spectrum to real

def _irfft_impl(y, *, axis, n, norm):
    y = np.asarray(y)
    return np.fft.irfft(y, n=n, axis=axis, norm=norm).astype(real_dtype(y.dtype), copy=False)


irfft_p = Primitive("irfft", _irfft_impl)


def irfft(y: Any, axis: int, n: int, norm: str = "backward") -> Any:
    """The real signal of length ``n`` whose half spectrum along ``axis`` is ``y``
    (``np.fft.irfft``; ``y.shape[axis]`` must be ``n // 2 + 1``).

    Examples
    --------
    >>> irfft(np.array([10.0, -2 + 2j, -2.0]), 0, 4)
    array([1., 2., 3., 4.])
    """
    y = convert(y, _complex_of(dtype_of(y)))
    return bind(irfft_p, y, axis=int(axis), n=int(n), norm=norm)


def _irfft_shape(y, *, axis, n, norm):
    shape = list(y[0])
    if shape[axis] != half_length(n):
        raise ValueError(f"irfft: the half spectrum along axis {axis} has {shape[axis]} "
                         f"entries; a signal of length {n} needs {half_length(n)}")
    shape[axis] = n
    return tuple(shape), real_dtype(y[1])


def _irfft_transpose(ct, y, *, axis, n, norm):
    w = hermitian_weights(n, axis, len(y.shape), real_dtype(y.dtype))
    return [fit_dtype(mul(conj(rfft(ct, axis, swap_norm(norm))), w), y.dtype)]


deflinear(irfft_p, linear_in=(0,), aval_rule=_irfft_shape, transpose_rule=_irfft_transpose,
          batch_rule=axes_batch_rule(irfft_p, "axis"))
