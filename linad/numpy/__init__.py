"""``linad.numpy`` (``lnp``): a NumPy-compatible namespace whose functions differentiate.

The same functions also handle plain NumPy calls on traced values, through
NumPy's ``__array_ufunc__`` / ``__array_function__`` protocols.
"""
import sys

from . import _dispatch  # noqa: F401  (installs the protocols on Tracer)
from ._core import *  # noqa: F401,F403
from ._core import __all__ as _core_all
from ._creation import *  # noqa: F401,F403
from ._indexing import *  # noqa: F401,F403
from ._elementwise import *  # noqa: F401,F403
from ._reductions import *  # noqa: F401,F403
from ._statistics import *  # noqa: F401,F403
from ._shape import *  # noqa: F401,F403
from ._products import *  # noqa: F401,F403
from ._signal import *  # noqa: F401,F403
from ._polynomial import *  # noqa: F401,F403
from . import _elementwise, _reductions, _statistics, _shape, _products, _creation, _indexing
from . import _signal, _polynomial
from . import _methods  # noqa: F401  (operators on Tracer)
from . import linalg  # noqa: F401
from . import fft  # noqa: F401
from . import _nondiff  # noqa: F401  (class-2 handlers; after every other handler module)
from ._dispatch import supported_numpy_names  # noqa: F401

# NumPy constants and dtypes, so that lnp reads like np
from numpy import (pi, e, inf, nan, newaxis, float32, float64, complex64, complex128,  # noqa: F401
                   int32, int64, bool_, ndarray)
from numpy import eye, arange  # noqa: F401

__all__ = (list(_core_all) + ["linalg", "fft"] + _creation.__all__ + _indexing.__all__
           + _elementwise.__all__ + _reductions.__all__ + _statistics.__all__ + _shape.__all__
           + _products.__all__ + _signal.__all__ + _polynomial.__all__)

# NumPy's own functions on constant operands (linad.numpy._constants); after every import
import numpy as _np  # noqa: E402
from . import _constants  # noqa: E402
_constants.install([(sys.modules[__name__], _np), (linalg, _np.linalg), (fft, _np.fft)])
