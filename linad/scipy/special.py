"""linad.scipy.special."""
__all__: list = []
