"""Full Jacobians, Hessians and matrix-free operators (issue 5)."""
__all__: list = []
