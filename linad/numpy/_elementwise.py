"""linad.numpy family module (see linad/numpy/__init__.py)."""
__all__: list = []
