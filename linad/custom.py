"""Custom rules, linear operators and implicit differentiation (issue 5)."""
__all__: list = []
