"""The primitive library, one module per family.

``rules`` has the three ways to give a primitive its rules.  ``linear`` holds
the structural linear primitives (arithmetic, einsum, sums and broadcasts,
shapes, indexing, dtypes) that every transpose rule is written with; a family
whose tangent map is itself a named linear operation keeps that linear
primitive beside its other rules (``solve``, ``sylvester`` and ``frechet`` in
``linalg``, ``linop_apply`` in ``linop``, the transforms in ``fft``).
``discrete`` holds the primitives with integer or boolean results or a zero
derivative (comparisons, casts, argsort); ``special`` the special functions of
``scipy.special``.  The other primitives have JVP rules only.
"""
from . import (linear, elementwise, reductions, linalg, linop, discrete, fft,  # noqa: F401
               special, sparse)  # (registration)
