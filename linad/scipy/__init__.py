"""``linad.scipy``: SciPy-compatible namespaces (``special``, ``stats``, ``linalg``)."""
from . import special, linalg, stats  # noqa: F401
