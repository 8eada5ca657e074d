"""``linad.numpy.linalg``: linear algebra with JVP rules (reverse mode by transposition)."""
from __future__ import annotations

from typing import Any

import numpy as np

from ..primitives import linalg as LA
from ._dispatch import implements

__all__ = ["inv"]


@implements(np.linalg.inv)
def inv(a: Any) -> Any:
    """Inverse of a (stack of) square matrices.

    JVP: ``dY = -Y dA Y`` with ``Y = inv(A)``.  A singular matrix raises NumPy's
    ``LinAlgError``.

    Examples
    --------
    >>> import numpy as np, linad
    >>> linad.numpy.linalg.inv(np.array([[2.0, 0.0], [0.0, 4.0]]))
    array([[0.5 , 0.  ],
           [0.  , 0.25]])
    """
    return LA.inv(a)
