r"""``linad.scipy.signal``: convolutions and correlations of traced arrays.

``convolve``, ``correlate``, ``fftconvolve``, ``convolve2d`` and ``correlate2d``
take ``scipy.signal``'s arguments and return its values (shapes, dtypes, the
centring of ``mode="same"``, the swap of the operands in ``mode="valid"``, the
conjugation of the second operand of a complex correlation).  SciPy's own
functions are not NumPy-dispatched: they convert a traced array to NumPy and
raise ``TracerConversionError``, so call these instead.

Each is built from linad operations, so it is differentiable in both operands to
any order and transposes like any linad program.  Convolution is bilinear:

.. math::  \dot y = \dot a * b + a * \dot b,

and its transpose in one operand is a correlation with the other (for
``y = a * b`` in ``mode="full"``, :math:`\bar a = \bar y \star b`, i.e.
``correlate(ybar, conj(b), "valid")``: ``correlate`` conjugates, the transpose does not).  Two routes give the same values:

* ``method="direct"``: every output element is a window of the (padded) first
  operand contracted with the second — one gather (``getitem`` with index
  arrays, transposed to a scatter-add) and one ``einsum``;
* ``method="fft"``: zero-padding to the full length, ``rfftn``/``fftn`` of both,
  a product, and the inverse transform (:mod:`linad.numpy.fft`).

``method="auto"`` asks ``scipy.signal.choose_conv_method`` (which looks only at
shapes and dtypes of floating-point input) so it picks what SciPy picks.
"""
from __future__ import annotations

from typing import Any, Sequence

import numpy as np
import scipy.fft
import scipy.signal

from ..core import Tracer, dtype_of, shape_of
from .. import numpy as lnp
from ..numpy import fft as lfft
from ..numpy._base import normalize_axis_index

__all__ = ["convolve", "correlate", "fftconvolve", "convolve2d", "correlate2d"]

_MODES = ("full", "same", "valid")
_METHODS = ("auto", "direct", "fft")
_BOUNDARIES = {"fill": "constant", "symm": "symmetric", "symmetric": "symmetric",
               "wrap": "wrap", "circular": "wrap"}


# ============================================================================ arguments

def _array(x: Any) -> Any:
    return x if isinstance(x, Tracer) else np.asarray(x)


def _check_mode(mode: str) -> None:
    if mode not in _MODES:
        raise ValueError("Acceptable mode flags are 'valid', 'same', or 'full'.")


def _check_method(method: str) -> None:
    if method not in _METHODS:
        raise ValueError("Acceptable method flags are 'auto', 'direct', or 'fft'.")


def _same_ndim(in1: Any, in2: Any) -> int:
    nd = len(shape_of(in1))
    if nd != len(shape_of(in2)):
        raise ValueError("in1 and in2 should have the same dimensionality")
    return nd


def _is_empty(x: Any) -> bool:
    return 0 in tuple(shape_of(x))


def _swap_needed(mode: str, s1: Sequence[int], s2: Sequence[int], axes: Sequence[int]) -> bool:
    """In ``mode="valid"``, whether the second operand is the larger one (SciPy's rule)."""
    if mode != "valid":
        return False
    ok1 = all(s1[a] >= s2[a] for a in axes)
    ok2 = all(s2[a] >= s1[a] for a in axes)
    if not (ok1 or ok2):
        raise ValueError("For 'valid' mode, one must be at least as large as the other in "
                         "every dimension")
    return not ok1


def _flip(x: Any) -> Any:
    return lnp.flip(x) if len(shape_of(x)) else x


def _reverse_conj(x: Any) -> Any:
    return lnp.conj(_flip(x))


# ============================================================================ direct route

def _windows_product(a: Any, k: Any) -> Any:
    """``out[i] = sum_j a[i + j] k[j]`` over all axes (``a`` at least as large as ``k``).

    The windows of ``a`` are gathered into one array of shape ``out.shape + k.shape``
    and contracted with ``k``.
    """
    sa, sk = tuple(shape_of(a)), tuple(shape_of(k))
    nd = len(sa)
    so = tuple(n - m + 1 for n, m in zip(sa, sk))
    idx = []
    for d in range(nd):
        i = np.arange(so[d]).reshape((1,) * d + (-1,) + (1,) * (2 * nd - d - 1))
        j = np.arange(sk[d]).reshape((1,) * (nd + d) + (-1,) + (1,) * (nd - d - 1))
        idx.append(i + j)
    windows = a[tuple(idx)]
    letters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
    out, inner = letters[:nd], letters[nd:2 * nd]
    return lnp.einsum(f"{out}{inner},{inner}->{out}", windows, k)


def _pads(mode: str, sk: Sequence[int], offsets: Sequence[int]) -> list[tuple[int, int]]:
    """Padding of the first operand so that its ``"valid"`` windows give ``mode``'s output.

    ``offsets[d]`` is where ``mode="same"`` starts in the full output along axis ``d``.
    """
    if mode == "full":
        return [(m - 1, m - 1) for m in sk]
    if mode == "same":
        return [(m - 1 - s, s) for m, s in zip(sk, offsets)]
    return [(0, 0)] * len(sk)


def _padded(a: Any, pads: list, boundary: str = "fill", fillvalue: Any = 0) -> Any:
    if not any(b or e for b, e in pads):
        return a
    mode = _BOUNDARIES[boundary]
    if mode == "constant":
        return lnp.pad(a, pads, mode="constant", constant_values=fillvalue)
    return lnp.pad(a, pads, mode=mode)


def _direct_windows(a: Any, k: Any, mode: str, offsets: Sequence[int], boundary: str = "fill",
                    fillvalue: Any = 0) -> Any:
    """The correlation ``sum_j a[i + j] k[j]`` with ``a`` padded for ``mode``."""
    pads = _pads(mode, shape_of(k), offsets)
    return _windows_product(_padded(a, pads, boundary, fillvalue), k)


def _convolve_direct(in1: Any, in2: Any, mode: str, boundary: str = "fill",
                     fillvalue: Any = 0) -> Any:
    """Convolution of ``in1`` (the larger one in ``mode="valid"``) with ``in2``."""
    offsets = [(m - 1) // 2 for m in shape_of(in2)]
    return _direct_windows(in1, _flip(in2), mode, offsets, boundary, fillvalue)


# ============================================================================ FFT route

def _fft_full(in1: Any, in2: Any, axes: list[int]) -> Any:
    """The full convolution along ``axes`` (the other axes broadcast), by FFT."""
    s1, s2 = shape_of(in1), shape_of(in2)
    full = [s1[a] + s2[a] - 1 for a in axes]
    real = dtype_of(in1).kind != "c" and dtype_of(in2).kind != "c"
    fast = [scipy.fft.next_fast_len(n, real) for n in full]
    if real:
        spectrum = lfft.rfftn(in1, fast, axes) * lfft.rfftn(in2, fast, axes)
        out = lfft.irfftn(spectrum, fast, axes)
    else:
        out = lfft.ifftn(lfft.fftn(in1, fast, axes) * lfft.fftn(in2, fast, axes), fast, axes)
    if fast == full:
        return out
    idx = [slice(None)] * len(shape_of(out))
    for a, n in zip(axes, full):
        idx[a] = slice(0, n)
    return out[tuple(idx)]


def _centered(x: Any, shape: Sequence[int]) -> Any:
    """The centre part of ``x`` of the given shape (start ``(n - m) // 2`` per axis)."""
    idx = tuple(slice((n - m) // 2, (n - m) // 2 + m) for n, m in zip(shape_of(x), shape))
    return x[idx]


def _fft_axes(s1: tuple, s2: tuple, axes: Any) -> list[int]:
    """``fftconvolve``'s axes: normalised, without axes of length 1 (those broadcast)."""
    nd = len(s1)
    if axes is None:
        axes = list(range(nd))
    else:
        axes = [axes] if np.ndim(axes) == 0 else list(axes)
        if not axes:
            raise ValueError("when provided, axes cannot be empty")
        axes = [normalize_axis_index(a, nd) for a in axes]
        if len(set(axes)) != len(axes):
            raise ValueError("all axes must be unique")
    axes = [a for a in axes if s1[a] != 1 and s2[a] != 1]
    if not all(s1[a] == s2[a] or s1[a] == 1 or s2[a] == 1 for a in range(nd) if a not in axes):
        raise ValueError(f"incompatible shapes for in1 and in2: {s1} and {s2}")
    return axes


def _fftconvolve(in1: Any, in2: Any, mode: str, axes: Any) -> Any:
    s1, s2 = tuple(shape_of(in1)), tuple(shape_of(in2))
    axes = _fft_axes(s1, s2, axes)
    if _swap_needed(mode, s1, s2, axes):
        in1, in2, s1, s2 = in2, in1, s2, s1
    if not axes:
        return in1 * in2
    full = _fft_full(in1, in2, axes)
    if mode == "full":
        return full
    if mode == "same":
        return _centered(full, s1)
    sf = tuple(shape_of(full))
    return _centered(full, [s1[a] - s2[a] + 1 if a in axes else sf[a] for a in range(len(sf))])


# ============================================================================ public functions

def fftconvolve(in1: Any, in2: Any, mode: str = "full", axes: Any = None) -> Any:
    """Convolve two N-dimensional arrays using FFT (``scipy.signal.fftconvolve``).

    Parameters
    ----------
    in1, in2 : array_like
        The operands, with the same number of dimensions; outside ``axes`` their
        shapes broadcast.
    mode : {"full", "valid", "same"}
        Output size: the full convolution, the part that does not depend on
        zero padding (the operands swap if ``in2`` is the larger one), or the
        centre part of the size of ``in1``.
    axes : int or sequence of int, optional
        Axes to convolve over (default: all).

    Returns
    -------
    array
        The convolution, differentiable in both operands.

    Examples
    --------
    >>> import numpy as np, linad
    >>> from linad.scipy import signal
    >>> a, b = np.array([1.0, 2.0, 3.0]), np.array([0.0, 1.0, 0.5])
    >>> bool(np.allclose(signal.fftconvolve(a, b), [0.0, 1.0, 2.5, 4.0, 1.5]))
    True
    >>> np.round(linad.grad(lambda b: signal.fftconvolve(a, b).sum())(b), 12)
    array([6., 6., 6.])
    """
    _check_mode(mode)
    in1, in2 = _array(in1), _array(in2)
    if len(shape_of(in1)) == len(shape_of(in2)) == 0:
        return in1 * in2
    _same_ndim(in1, in2)
    if _is_empty(in1) or _is_empty(in2):
        return np.array([])
    return _fftconvolve(in1, in2, mode, axes)


def convolve(in1: Any, in2: Any, mode: str = "full", method: str = "auto") -> Any:
    """Convolve two N-dimensional arrays (``scipy.signal.convolve``).

    Parameters
    ----------
    in1, in2 : array_like
        The operands, with the same number of dimensions.
    mode : {"full", "valid", "same"}
        Output size, as for :func:`fftconvolve`.
    method : {"auto", "direct", "fft"}
        ``"direct"`` sums the products of sliding windows, ``"fft"`` multiplies
        spectra; ``"auto"`` chooses as SciPy does.  The values agree up to rounding.

    Returns
    -------
    array
        The convolution, in ``np.result_type(in1, in2)`` (integer input with
        ``method="fft"`` is rounded, as in SciPy).

    Examples
    --------
    >>> import numpy as np, linad
    >>> from linad.scipy import signal
    >>> a, b = np.array([1.0, 2.0, 3.0]), np.array([0.0, 1.0, 0.5])
    >>> signal.convolve(a, b, mode="same", method="direct")
    array([1. , 2.5, 4. ])
    >>> linad.grad(lambda a: signal.convolve(a, b, "valid").sum())(a)
    array([0.5, 1. , 0. ])
    """
    _check_mode(mode)
    _check_method(method)
    in1, in2 = _array(in1), _array(in2)
    if len(shape_of(in1)) == len(shape_of(in2)) == 0:
        return in1 * in2
    nd = _same_ndim(in1, in2)
    if _is_empty(in1) or _is_empty(in2):
        return np.array([])
    if _swap_needed(mode, shape_of(in1), shape_of(in2), range(nd)):
        in1, in2 = in2, in1
    if method == "auto":
        method = scipy.signal.choose_conv_method(_stand_in(in1), _stand_in(in2), mode)
    dtype = np.result_type(dtype_of(in1), dtype_of(in2))
    if method == "direct":
        return _convolve_direct(in1, in2, mode)
    out = _fftconvolve(in1, in2, mode, None)
    if dtype.kind in "iub":
        out = lnp.round(out)
    return lnp.astype(out, dtype) if dtype_of(out) != dtype else out


def _stand_in(x: Any) -> np.ndarray:
    """What ``choose_conv_method`` may look at: a traced or floating-point operand's
    shape and dtype (a zero-size-free broadcast view), an integer array itself."""
    if isinstance(x, Tracer) or np.asarray(x).dtype.kind in "fc":
        return np.broadcast_to(np.zeros((), dtype_of(x)), shape_of(x))
    return x


def correlate(in1: Any, in2: Any, mode: str = "full", method: str = "auto") -> Any:
    """Cross-correlate two N-dimensional arrays (``scipy.signal.correlate``).

    ``z[k] = sum_l in1[l + k - K] * conj(in2[l])``: the convolution of ``in1``
    with ``in2`` reversed and conjugated, with the same modes and methods as
    :func:`convolve` (``"same"`` is centred with respect to ``in1``).

    Examples
    --------
    >>> import numpy as np
    >>> from linad.scipy import signal
    >>> signal.correlate(np.array([1.0, 2.0, 3.0]), np.array([0.0, 1.0, 0.5]), method="direct")
    array([0.5, 2. , 3.5, 3. , 0. ])
    """
    _check_mode(mode)
    _check_method(method)
    in2 = _array(in2)
    return convolve(in1, _reverse_conj(in2), mode, method)


def _check_2d(name: str, in1: Any, in2: Any, boundary: str) -> None:
    if not len(shape_of(in1)) == len(shape_of(in2)) == 2:
        raise ValueError(f"{name} inputs must both be 2-D arrays")
    if boundary not in _BOUNDARIES:
        raise ValueError("Acceptable boundary flags are 'fill', 'circular' (or 'wrap'), and "
                         "'symmetric' (or 'symm').")


def convolve2d(in1: Any, in2: Any, mode: str = "full", boundary: str = "fill",
               fillvalue: Any = 0) -> Any:
    """Convolve two 2-D arrays (``scipy.signal.convolve2d``).

    Parameters
    ----------
    in1, in2 : array_like
        2-D operands.
    mode : {"full", "valid", "same"}
        Output size, as for :func:`convolve`.
    boundary : {"fill", "wrap", "symm"}
        How ``in1`` is extended beyond its edges: by ``fillvalue``, periodically
        (``"circular"`` too), or mirrored with the edge repeated (``"symmetric"``
        too).
    fillvalue : scalar
        The value of ``boundary="fill"`` (differentiable too).

    Examples
    --------
    >>> import numpy as np, linad
    >>> from linad.scipy import signal
    >>> x, k = np.arange(9.0).reshape(3, 3), np.array([[0.0, 1.0], [1.0, 0.0]])
    >>> signal.convolve2d(x, k, mode="valid")
    array([[ 4.,  6.],
           [10., 12.]])
    >>> linad.grad(lambda k: signal.convolve2d(x, k, "valid").sum())(k)
    array([[24., 20.],
           [12.,  8.]])
    """
    _check_mode(mode)
    in1, in2 = _array(in1), _array(in2)
    _check_2d("convolve2d", in1, in2, boundary)
    if _swap_needed(mode, shape_of(in1), shape_of(in2), range(2)):
        in1, in2 = in2, in1
    return _convolve_direct(in1, in2, mode, boundary, fillvalue)


def correlate2d(in1: Any, in2: Any, mode: str = "full", boundary: str = "fill",
                fillvalue: Any = 0) -> Any:
    """Cross-correlate two 2-D arrays (``scipy.signal.correlate2d``).

    ``z[k] = sum_l in1[l + k - K] * conj(in2[l])`` as :func:`correlate`, with
    SciPy's ``correlate2d`` conventions, which differ from ``correlate``'s in two
    places: ``mode="same"`` starts at ``in2.shape // 2`` of the full output (not
    ``(in2.shape - 1) // 2``), and when ``mode="valid"`` swaps the operands the
    result is reversed but not conjugated back (the conjugate then falls on ``in1``).

    Examples
    --------
    >>> import numpy as np
    >>> from linad.scipy import signal
    >>> x, k = np.arange(9.0).reshape(3, 3), np.array([[0.0, 1.0], [1.0, 0.0]])
    >>> signal.correlate2d(x, k, mode="valid")
    array([[ 4.,  6.],
           [10., 12.]])
    """
    _check_mode(mode)
    in1, in2 = _array(in1), _array(in2)
    _check_2d("correlate2d", in1, in2, boundary)
    if _swap_needed(mode, shape_of(in1), shape_of(in2), range(2)):
        return lnp.flip(_direct_windows(in2, lnp.conj(in1), mode, (0, 0)))
    offsets = [m // 2 for m in shape_of(in2)]
    return _direct_windows(in1, lnp.conj(in2), mode, offsets, boundary, fillvalue)
