r"""Linear-algebra primitives: JVP rules only (reverse mode comes by transposition).

Matrices may be stacked, shape ``(..., n, n)``.

inv
    :math:`\dot Y = -Y\,\dot A\,Y` with :math:`Y = A^{-1}` (Giles 2008, sec. 2.2.3).
"""
from __future__ import annotations

from typing import Any

import numpy as np

from ..core import Primitive, bind, shape_of
from .linear import einsum, neg
from .rules import defjvp

__all__ = ["matmul_same_batch", "inv_p", "inv"]


def matmul_same_batch(a: Any, b: Any) -> Any:
    """``a @ b`` for stacks of matrices with identical leading dims (or 2-D)."""
    na, nb = len(shape_of(a)), len(shape_of(b))
    batch = "".join(chr(ord("A") + i) for i in range(max(na, nb) - 2))
    sa = batch[len(batch) - (na - 2):] + "ij"
    sb = batch[len(batch) - (nb - 2):] + "jk"
    return einsum(f"{sa},{sb}->{batch}ik", a, b)


inv_p = Primitive("inv", np.linalg.inv)


def inv(a: Any) -> Any:
    """Inverse of a (stack of) square matrices."""
    return bind(inv_p, a)


defjvp(inv_p, lambda t, ans, a: neg(matmul_same_batch(matmul_same_batch(ans, t), ans)))
