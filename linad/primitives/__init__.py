"""The primitive library, one module per family.

``linear`` holds the linear primitives (the only ones with transpose rules);
every other module defines JVP rules only.
"""
from . import linear, elementwise, reductions, linalg, special  # noqa: F401  (registration)
