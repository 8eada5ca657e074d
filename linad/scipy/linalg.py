"""linad.scipy.linalg."""
__all__: list = []
