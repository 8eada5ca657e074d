"""The primitive library, one module per family.

``linear`` holds the linear primitives (the only ones with transpose rules);
every other module defines JVP rules only; ``discrete`` holds the primitives with
integer or boolean results or a zero derivative (comparisons, casts, argsort).
"""
from . import linear, elementwise, reductions, linalg, discrete  # noqa: F401  (registration)
