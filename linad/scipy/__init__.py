"""``linad.scipy``: SciPy-compatible namespaces (``special``, ``stats``, ``linalg``, ``sparse``, ``signal``)."""
from . import special, linalg, stats, sparse, signal  # noqa: F401
