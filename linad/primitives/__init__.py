"""The primitive library, one module per family.

``linear`` and ``fft`` hold the linear primitives (the only ones with transpose rules);
every other module defines JVP rules only.
"""
from . import linear, elementwise, reductions, linalg, fft  # noqa: F401  (registration)
