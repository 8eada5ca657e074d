r"""``linad.numpy.fft``: NumPy's discrete Fourier transforms, differentiable in every mode.

Every function follows ``numpy.fft`` (``n``/``s``, ``axis``/``axes``, ``norm`` in
``None``, ``"backward"``, ``"ortho"``, ``"forward"``, NumPy 2's output dtypes:
single precision stays single) and also handles ``np.fft.<name>`` called on
traced values.  ``out=`` is refused: an in-place write cannot be differentiated.

Each transform is linear, built from three linear primitives
(:mod:`linad.primitives.fft`) and shape primitives:

* ``fft``, ``ifft``, ``fftn``, ``ifftn``, ``fft2``, ``ifft2``: crop (``getitem``)
  or zero-pad (``scatter_add``) to the lengths ``n``/``s``, then one
  complex-to-complex ``fft`` over all the axes;
* ``rfft``, ``rfftn``, ``rfft2``: ``rfft`` along the last axis, then ``fft``
  over the others; ``irfft``, ``irfftn``, ``irfft2``: the inverse ``fft`` over
  all axes but the last, then ``irfft`` along it;
* ``hfft`` is ``irfft`` of the conjugate, ``ihfft`` the conjugate of ``rfft``
  (with the ``norm`` directions swapped);
* ``fftshift``, ``ifftshift``: ``roll``; ``fftfreq``, ``rfftfreq``: NumPy's own
  (the spacing ``d`` may be traced).

A transform's derivative is the same transform of the tangent, and its
transpose is again a transform (the DFT matrix is symmetric), so ``vjp``,
``grad`` and ``LinearMap.T`` cost a transform too.
"""
from __future__ import annotations

import operator
from typing import Any, Sequence

import numpy as np

from ..core import dtype_of, is_inexact, shape_of
from ..primitives import fft as P
from ..primitives import linear as L
from ._core import asarray, astype
from ._dispatch import implements
from ._shape import pad, roll

try:  # NumPy >= 2
    from numpy.lib.array_utils import normalize_axis_index
except ImportError:  # pragma: no cover - NumPy 1.x
    from numpy.core.multiarray import normalize_axis_index

__all__ = [
    "fft", "ifft", "rfft", "irfft", "hfft", "ihfft", "fft2", "ifft2", "rfft2", "irfft2",
    "fftn", "ifftn", "rfftn", "irfftn", "fftshift", "ifftshift", "fftfreq", "rfftfreq",
]


# ============================================================================ arguments

def _norm(norm: Any) -> str:
    """``norm`` checked and normalised (``None`` is ``"backward"``)."""
    if norm is None:
        return "backward"
    if not isinstance(norm, str) or norm not in P.NORMS:
        raise ValueError(f'Invalid norm value {norm!r}; should be "backward", "ortho" or '
                         '"forward".')
    return norm


def _no_out(name: str, out: Any) -> None:
    if out is not None:
        raise TypeError(f"np.fft.{name}(..., out=...) writes the result into an existing array "
                        "in place, which linad cannot differentiate; use the returned array "
                        "instead.")


def _length(n: Any, default: int) -> int:
    """A transform length: ``n``, or ``default`` for ``None``; at least 1."""
    n = default if n is None else operator.index(n)
    if n < 1:
        raise ValueError(f"Invalid number of FFT data points ({n}) specified.")
    return n


def _cook(shape: tuple, s: Any, axes: Any, invreal: bool = False) -> tuple[list, list]:
    """The transform lengths and normalised axes of an n-dimensional transform.

    As NumPy: ``axes=None`` means the last ``len(s)`` axes (all axes without ``s``);
    an ``s`` entry of ``None`` or -1 keeps the input's length; for an inverse real
    transform without ``s`` the last length is ``2 * (m - 1)``.
    """
    if axes is None:
        axes = range(len(shape)) if s is None else range(-len(s), 0)
    axes = [normalize_axis_index(operator.index(a), len(shape)) for a in axes]
    if s is None:
        s = [shape[a] for a in axes]
        if invreal and axes:
            s[-1] = 2 * (shape[axes[-1]] - 1)
    s = list(s)
    if len(s) != len(axes):
        raise ValueError("Shape and axes have different lengths.")
    return [_length(None if n is None or n == -1 else n, shape[a])
            for n, a in zip(s, axes)], axes


def _one_axis(x: Any, axis: Any) -> int:
    return normalize_axis_index(operator.index(axis), len(shape_of(x)))


def _complex_input(a: Any) -> Any:
    """``a`` as a complex array (integers become complex128; single precision stays)."""
    x = asarray(a)
    dt = dtype_of(x)
    return astype(x, np.result_type(dt, np.complex64) if is_inexact(dt) else np.complex128)


def _real_input(name: str, a: Any) -> Any:
    """``a`` as a real floating array (integers become float64); complex is refused."""
    x = asarray(a)
    dt = dtype_of(x)
    if dt.kind == "c":
        raise TypeError(f"np.fft.{name} takes a real input, got {dt}; pass its real part "
                        "(np.real(x)), or use np.fft.fft / np.fft.fftn for a complex input")
    return astype(x, np.result_type(dt, np.float32) if is_inexact(dt) else np.float64)


def _fit(x: Any, axes: Sequence[int], sizes: Sequence[int]) -> Any:
    """Crop or zero-pad ``x`` at the end of each of ``axes`` (distinct) to ``sizes``."""
    shape = tuple(shape_of(x))
    crop = [slice(None)] * len(shape)
    pairs = [(0, 0)] * len(shape)
    for ax, n in zip(axes, sizes):
        if n < shape[ax]:
            crop[ax] = slice(0, n)
        else:
            pairs[ax] = (0, n - shape[ax])
    if any(c != slice(None) for c in crop):
        x = L.getitem(x, tuple(crop))
    return pad(x, pairs)


# ============================================================================ the three transforms

def _c2c(x: Any, sizes: list, axes: list, norm: str, inverse: bool) -> Any:
    """Complex-to-complex transform of a complex ``x``, in NumPy's order (last axis first)."""
    if len(set(axes)) == len(axes):  # crops, pads and transforms along distinct axes commute
        return P.fft(_fit(x, axes, sizes), tuple(axes), inverse, norm)
    for n, ax in reversed(list(zip(sizes, axes))):
        x = P.fft(_fit(x, (ax,), (n,)), (ax,), inverse, norm)
    return x


def _r2c(x: Any, sizes: list, axes: list, norm: str) -> Any:
    """Real-to-complex transform of a real ``x``: ``rfft`` along the last axis, then ``fft``."""
    x = P.rfft(_fit(x, axes[-1:], sizes[-1:]), axes[-1], norm)
    return _c2c(x, sizes[:-1], axes[:-1], norm, False) if len(axes) > 1 else x


def _c2r(x: Any, sizes: list, axes: list, norm: str) -> Any:
    """Complex-to-real transform of a complex ``x``: inverse ``fft``, then ``irfft`` last."""
    if len(axes) > 1:
        x = _c2c(x, sizes[:-1], axes[:-1], norm, True)
    n = sizes[-1]
    return P.irfft(_fit(x, axes[-1:], [P.half_length(n)]), axes[-1], n, norm)


def _need_axes(name: str, axes: list) -> None:
    if not axes:
        raise ValueError(f"np.fft.{name}: axes must name at least one axis")


# ============================================================================ one-dimensional

@implements(np.fft.fft)
def fft(a: Any, n: int | None = None, axis: int = -1, norm: str | None = None,
        out: Any = None) -> Any:
    """One-dimensional DFT along ``axis``, cropped or zero-padded to ``n`` (``np.fft.fft``).

    Examples
    --------
    >>> import numpy as np, linad, linad.numpy as lnp
    >>> lnp.fft.fft(np.array([1.0, 2.0, 3.0, 4.0]))
    array([10.+0.j, -2.+2.j, -2.+0.j, -2.-2.j])
    >>> linad.grad(lambda x: lnp.fft.fft(x).real[1])(np.zeros(4))  # cos(2 pi j / 4)
    array([ 1.,  0., -1.,  0.])
    """
    _no_out("fft", out)
    x = _complex_input(a)
    ax = _one_axis(x, axis)
    return _c2c(x, [_length(n, shape_of(x)[ax])], [ax], _norm(norm), False)


@implements(np.fft.ifft)
def ifft(a: Any, n: int | None = None, axis: int = -1, norm: str | None = None,
         out: Any = None) -> Any:
    """One-dimensional inverse DFT along ``axis`` (``np.fft.ifft``).

    Examples
    --------
    >>> import numpy as np, linad.numpy as lnp
    >>> lnp.fft.ifft(np.array([10.0, -2 + 2j, -2.0, -2 - 2j]))
    array([1.+0.j, 2.+0.j, 3.+0.j, 4.+0.j])
    """
    _no_out("ifft", out)
    x = _complex_input(a)
    ax = _one_axis(x, axis)
    return _c2c(x, [_length(n, shape_of(x)[ax])], [ax], _norm(norm), True)


@implements(np.fft.rfft)
def rfft(a: Any, n: int | None = None, axis: int = -1, norm: str | None = None,
         out: Any = None) -> Any:
    """DFT of a real input along ``axis``: the ``n // 2 + 1`` non-negative frequencies
    (``np.fft.rfft``).

    Examples
    --------
    >>> import numpy as np, linad.numpy as lnp
    >>> lnp.fft.rfft(np.array([1.0, 2.0, 3.0, 4.0]))
    array([10.+0.j, -2.+2.j, -2.+0.j])
    """
    _no_out("rfft", out)
    x = _real_input("rfft", a)
    ax = _one_axis(x, axis)
    return _r2c(x, [_length(n, shape_of(x)[ax])], [ax], _norm(norm))


@implements(np.fft.irfft)
def irfft(a: Any, n: int | None = None, axis: int = -1, norm: str | None = None,
          out: Any = None) -> Any:
    """Inverse of :func:`rfft`: a real signal of length ``n`` (``2 * (m - 1)`` by default)
    from its half spectrum (``np.fft.irfft``).

    The imaginary parts of the zero-frequency entry (and of the Nyquist entry
    for even ``n``) do not contribute, as in NumPy; their derivative is zero.

    Examples
    --------
    >>> import numpy as np, linad.numpy as lnp
    >>> lnp.fft.irfft(np.array([10.0, -2 + 2j, -2.0]))
    array([1., 2., 3., 4.])
    """
    _no_out("irfft", out)
    x = _complex_input(a)
    ax = _one_axis(x, axis)
    return _c2r(x, [_length(n, 2 * (shape_of(x)[ax] - 1))], [ax], _norm(norm))


@implements(np.fft.hfft)
def hfft(a: Any, n: int | None = None, axis: int = -1, norm: str | None = None,
         out: Any = None) -> Any:
    """DFT of a Hermitian-symmetric signal given by its first half: a real spectrum of
    length ``n`` (``np.fft.hfft``).

    Examples
    --------
    >>> import numpy as np, linad.numpy as lnp
    >>> lnp.fft.hfft(np.array([1.0, 2.0, 3.0]))
    array([ 8., -2.,  0., -2.])
    """
    _no_out("hfft", out)
    x = _complex_input(a)
    ax = _one_axis(x, axis)
    n = _length(n, 2 * (shape_of(x)[ax] - 1))
    return _c2r(L.conj(x), [n], [ax], P.swap_norm(_norm(norm)))


@implements(np.fft.ihfft)
def ihfft(a: Any, n: int | None = None, axis: int = -1, norm: str | None = None,
          out: Any = None) -> Any:
    """Inverse of :func:`hfft`: the half of a Hermitian-symmetric signal whose spectrum is
    the real input (``np.fft.ihfft``).

    Examples
    --------
    >>> import numpy as np, linad.numpy as lnp
    >>> lnp.fft.ihfft(np.array([8.0, -2.0, 0.0, -2.0]))
    array([1.-0.j, 2.-0.j, 3.-0.j])
    """
    _no_out("ihfft", out)
    x = _real_input("ihfft", a)
    ax = _one_axis(x, axis)
    return L.conj(_r2c(x, [_length(n, shape_of(x)[ax])], [ax], P.swap_norm(_norm(norm))))


# ============================================================================ n-dimensional

def _c2c_nd(name: str, a: Any, s: Any, axes: Any, norm: Any, out: Any, inverse: bool) -> Any:
    _no_out(name, out)
    norm = _norm(norm)
    x = asarray(a)
    sizes, axes = _cook(tuple(shape_of(x)), s, axes)
    if not axes:
        return x  # as NumPy: no axis, no transform
    return _c2c(_complex_input(x), sizes, axes, norm, inverse)


@implements(np.fft.fftn)
def fftn(a: Any, s: Sequence[int] | None = None, axes: Sequence[int] | None = None,
         norm: str | None = None, out: Any = None) -> Any:
    """N-dimensional DFT over ``axes`` (all by default), with lengths ``s`` (``np.fft.fftn``).

    Examples
    --------
    >>> import numpy as np, linad.numpy as lnp
    >>> lnp.fft.fftn(np.array([[1.0, 2.0], [3.0, 4.0]]))
    array([[10.+0.j, -2.+0.j],
           [-4.+0.j,  0.+0.j]])
    """
    return _c2c_nd("fftn", a, s, axes, norm, out, False)


@implements(np.fft.ifftn)
def ifftn(a: Any, s: Sequence[int] | None = None, axes: Sequence[int] | None = None,
          norm: str | None = None, out: Any = None) -> Any:
    """N-dimensional inverse DFT (``np.fft.ifftn``).

    Examples
    --------
    >>> import numpy as np, linad.numpy as lnp
    >>> lnp.fft.ifftn(np.array([[10.0, -2.0], [-4.0, 0.0]])).real
    array([[1., 2.],
           [3., 4.]])
    """
    return _c2c_nd("ifftn", a, s, axes, norm, out, True)


@implements(np.fft.fft2)
def fft2(a: Any, s: Sequence[int] | None = None, axes: Sequence[int] = (-2, -1),
         norm: str | None = None, out: Any = None) -> Any:
    """Two-dimensional DFT over the last two axes (``np.fft.fft2``).

    Examples
    --------
    >>> import numpy as np, linad.numpy as lnp
    >>> lnp.fft.fft2(np.ones((2, 2)))
    array([[4.+0.j, 0.+0.j],
           [0.+0.j, 0.+0.j]])
    """
    return _c2c_nd("fft2", a, s, axes, norm, out, False)


@implements(np.fft.ifft2)
def ifft2(a: Any, s: Sequence[int] | None = None, axes: Sequence[int] = (-2, -1),
          norm: str | None = None, out: Any = None) -> Any:
    """Two-dimensional inverse DFT (``np.fft.ifft2``).

    Examples
    --------
    >>> import numpy as np, linad.numpy as lnp
    >>> lnp.fft.ifft2(np.array([[4.0, 0.0], [0.0, 0.0]])).real
    array([[1., 1.],
           [1., 1.]])
    """
    return _c2c_nd("ifft2", a, s, axes, norm, out, True)


@implements(np.fft.rfftn)
def rfftn(a: Any, s: Sequence[int] | None = None, axes: Sequence[int] | None = None,
          norm: str | None = None, out: Any = None) -> Any:
    """N-dimensional DFT of a real input; the last axis keeps ``s[-1] // 2 + 1``
    frequencies (``np.fft.rfftn``).

    Examples
    --------
    >>> import numpy as np, linad.numpy as lnp
    >>> lnp.fft.rfftn(np.array([[1.0, 2.0], [3.0, 4.0]]))
    array([[10.+0.j, -2.+0.j],
           [-4.+0.j,  0.+0.j]])
    """
    return _rfftn("rfftn", a, s, axes, norm, out)


def _rfftn(name: str, a: Any, s: Any, axes: Any, norm: Any, out: Any) -> Any:
    _no_out(name, out)
    norm = _norm(norm)
    x = _real_input(name, a)
    sizes, axes = _cook(tuple(shape_of(x)), s, axes)
    _need_axes(name, axes)
    return _r2c(x, sizes, axes, norm)


@implements(np.fft.irfftn)
def irfftn(a: Any, s: Sequence[int] | None = None, axes: Sequence[int] | None = None,
           norm: str | None = None, out: Any = None) -> Any:
    """Inverse of :func:`rfftn`: a real array with lengths ``s`` (``np.fft.irfftn``).

    Examples
    --------
    >>> import numpy as np, linad.numpy as lnp
    >>> lnp.fft.irfftn(np.array([[10.0, -2.0], [-4.0, 0.0]]))
    array([[1., 2.],
           [3., 4.]])
    """
    return _irfftn("irfftn", a, s, axes, norm, out)


def _irfftn(name: str, a: Any, s: Any, axes: Any, norm: Any, out: Any) -> Any:
    _no_out(name, out)
    norm = _norm(norm)
    x = _complex_input(a)
    sizes, axes = _cook(tuple(shape_of(x)), s, axes, invreal=True)
    _need_axes(name, axes)
    return _c2r(x, sizes, axes, norm)


@implements(np.fft.rfft2)
def rfft2(a: Any, s: Sequence[int] | None = None, axes: Sequence[int] = (-2, -1),
          norm: str | None = None, out: Any = None) -> Any:
    """Two-dimensional DFT of a real input (``np.fft.rfft2``).

    Examples
    --------
    >>> import numpy as np, linad.numpy as lnp
    >>> lnp.fft.rfft2(np.ones((2, 2)))
    array([[4.+0.j, 0.+0.j],
           [0.+0.j, 0.+0.j]])
    """
    return _rfftn("rfft2", a, s, axes, norm, out)


@implements(np.fft.irfft2)
def irfft2(a: Any, s: Sequence[int] | None = None, axes: Sequence[int] = (-2, -1),
           norm: str | None = None, out: Any = None) -> Any:
    """Inverse of :func:`rfft2` (``np.fft.irfft2``).

    Examples
    --------
    >>> import numpy as np, linad.numpy as lnp
    >>> lnp.fft.irfft2(np.array([[4.0, 0.0], [0.0, 0.0]]))
    array([[1., 1.],
           [1., 1.]])
    """
    return _irfftn("irfft2", a, s, axes, norm, out)


# ============================================================================ shifts, frequencies

def _shifted(x: Any, axes: Any, sign: int) -> Any:
    x = asarray(x)
    shape = tuple(shape_of(x))
    if axes is None:
        axes = tuple(range(len(shape)))
    if isinstance(axes, (int, np.integer)):
        return roll(x, sign * (shape[axes] // 2), axes)
    return roll(x, [sign * (shape[ax] // 2) for ax in axes], axes)


@implements(np.fft.fftshift)
def fftshift(x: Any, axes: int | Sequence[int] | None = None) -> Any:
    """Move the zero frequency to the centre of ``axes`` (all by default) (``np.fft.fftshift``).

    Examples
    --------
    >>> import numpy as np, linad.numpy as lnp
    >>> lnp.fft.fftshift(np.fft.fftfreq(5))
    array([-0.4, -0.2,  0. ,  0.2,  0.4])
    """
    return _shifted(x, axes, 1)


@implements(np.fft.ifftshift)
def ifftshift(x: Any, axes: int | Sequence[int] | None = None) -> Any:
    """Inverse of :func:`fftshift` (``np.fft.ifftshift``).

    Examples
    --------
    >>> import numpy as np, linad.numpy as lnp
    >>> lnp.fft.ifftshift(np.array([-0.4, -0.2, 0.0, 0.2, 0.4]))
    array([ 0. ,  0.2,  0.4, -0.4, -0.2])
    """
    return _shifted(x, axes, -1)


def fftfreq(n: int, d: Any = 1.0, device: Any = None) -> Any:
    """Sample frequencies of :func:`fft` for spacing ``d`` (``np.fft.fftfreq``).

    NumPy's own function; a traced ``d`` goes through its arithmetic.

    Examples
    --------
    >>> import numpy as np, linad, linad.numpy as lnp
    >>> lnp.fft.fftfreq(4, 0.5)
    array([ 0. ,  0.5, -1. , -0.5])
    >>> linad.grad(lambda d: lnp.fft.fftfreq(4, d)[1])(0.5)  # d/dd 1/(4 d)
    array(-1.)
    """
    return np.fft.fftfreq(n, d) if device is None else np.fft.fftfreq(n, d, device=device)


def rfftfreq(n: int, d: Any = 1.0, device: Any = None) -> Any:
    """Sample frequencies of :func:`rfft` for spacing ``d`` (``np.fft.rfftfreq``).

    Examples
    --------
    >>> import numpy as np, linad.numpy as lnp
    >>> lnp.fft.rfftfreq(4, 0.5)
    array([0. , 0.5, 1. ])
    """
    return np.fft.rfftfreq(n, d) if device is None else np.fft.rfftfreq(n, d, device=device)
