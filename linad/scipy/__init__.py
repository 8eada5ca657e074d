"""``linad.scipy``: SciPy-compatible namespaces (``special``, ``linalg``)."""
from . import special, linalg  # noqa: F401
