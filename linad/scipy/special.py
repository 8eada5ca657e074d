r"""``linad.scipy.special``: differentiable versions of SciPy's special functions.

``logsumexp``, ``softmax`` and ``log_softmax`` are compositions of ``linad.numpy``
operations, stabilised by subtracting the (concrete, non-differentiated)
maximum: the result does not depend on the shift, so neither does its
derivative.  Their derivatives:

* ``logsumexp``: :math:`\dot r = \sum_i \mathrm{softmax}(a)_i\,\dot a_i`
  (weighted by ``b`` when given);
* ``softmax``: :math:`\dot s = s \odot (\dot x - \sum_j s_j \dot x_j)`;
* ``log_softmax``: :math:`\dot x - \sum_j s_j \dot x_j`.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from ..core import shape_of
from ..numpy import _core as C
from ..numpy._elementwise import absolute, exp, log, sign
from ..primitives import linear as L
from ..primitives.elementwise import detached_value, real_dtype

__all__ = ["logsumexp", "softmax", "log_softmax"]


def _shift(a: Any, axes: tuple, b: Any = None) -> np.ndarray:
    """The concrete maximum of ``Re a`` over ``axes`` (keepdims), 0 where not finite.

    Entries with ``b == 0`` are ignored, as SciPy does.
    """
    ca = np.real(detached_value(a))
    if b is not None:
        ca = np.where(detached_value(b) == 0, -np.inf, ca)
    if ca.size == 0:
        return np.zeros((), real_dtype(a))
    m = np.max(ca, axis=axes, keepdims=True)
    return np.where(np.isfinite(m), m, 0).astype(real_dtype(a), copy=False)


def _squeeze(x: Any, shape: tuple, axes: tuple, keepdims: bool) -> Any:
    if keepdims:
        return x
    return L.reshape(x, tuple(n for i, n in enumerate(shape) if i not in axes))


def logsumexp(a: Any, axis: Any = None, b: Any = None, keepdims: bool = False,
              return_sign: bool = False) -> Any:
    """``log(sum(b * exp(a)))`` over ``axis``, computed stably (``scipy.special.logsumexp``).

    Differentiable in ``a`` and ``b``.  With ``return_sign=True``, returns
    ``(log|s|, sign(s))`` for ``s = sum(b * exp(a))`` (the sign has no tangent for
    real input).  Complex ``a`` gives the complex logarithm of the sum.

    Examples
    --------
    >>> import numpy as np, linad
    >>> from linad.scipy.special import logsumexp
    >>> float(logsumexp(np.log(np.array([1.0, 3.0]))))  # log(1 + 3)
    1.3862943611198906
    >>> linad.grad(logsumexp)(np.log(np.array([1.0, 3.0])))  # the softmax
    array([0.25, 0.75])
    """
    a = C.asarray(a)
    shape = tuple(shape_of(a))
    axes = C.normalize_axes(axis, len(shape))
    if b is not None:
        b = C.asarray(b)
        shape = tuple(np.broadcast_shapes(shape, tuple(shape_of(b))))
        axes = C.normalize_axes(axis, len(shape))
    m = _shift(a, axes, b)
    e = exp(C.subtract(a, m))
    if b is not None:
        e = C.multiply(e, b)
    s = C.sum(e, axis=axes, keepdims=True)
    if return_sign:
        out = C.add(log(absolute(s)), m)
        return (_squeeze(out, shape, axes, keepdims),
                _squeeze(sign(s), shape, axes, keepdims))
    return _squeeze(C.add(log(s), m), shape, axes, keepdims)


def softmax(x: Any, axis: Any = None) -> Any:
    """``exp(x) / sum(exp(x))`` over ``axis`` (``scipy.special.softmax``), computed stably.

    Examples
    --------
    >>> import numpy as np
    >>> from linad.scipy.special import softmax
    >>> softmax(np.log(np.array([1.0, 3.0])))
    array([0.25, 0.75])
    """
    x = C.asarray(x)
    axes = C.normalize_axes(axis, len(shape_of(x)))
    e = exp(C.subtract(x, _shift(x, axes)))
    return C.divide(e, C.sum(e, axis=axes, keepdims=True))


def log_softmax(x: Any, axis: Any = None) -> Any:
    """``x - logsumexp(x, axis, keepdims=True)`` (``scipy.special.log_softmax``).

    Examples
    --------
    >>> import numpy as np
    >>> from linad.scipy.special import log_softmax
    >>> np.exp(log_softmax(np.log(np.array([1.0, 3.0]))))
    array([0.25, 0.75])
    """
    x = C.asarray(x)
    return C.subtract(x, logsumexp(x, axis, keepdims=True))

