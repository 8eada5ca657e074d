"""linad: automatic differentiation of functions on arrays, built on NumPy and SciPy.

Every operation states only its JVP; reverse mode is derived by linearizing a
program and transposing the resulting linear program (as in JAX).

>>> import numpy as np, linad
>>> X = np.arange(6.0).reshape(3, 2)
>>> out, pullback = linad.vjp(lambda X: X.T @ X, X)
>>> V = np.ones((2, 2))
>>> np.allclose(pullback(V)[0], X @ (V + V.T))
True
"""
from . import primitives  # noqa: F401  (registers primitives)
from . import numpy  # noqa: F401  (tracer operators and NumPy dispatch)
from .api import elementwise_grad, grad, jvp, linear_transpose, linearize, value_and_grad, vjp
from .core import ConcretizationError, EscapedTracerError, LinearityError, TracerConversionError, Zero
from .linear_map import LinearMap
from .numpy._core import stop_gradient
from .ir import LinearProgram, Program
from .jit import jit, make_program
from .batching import vmap
from .tree import (register_pytree_node, tree_flatten, tree_leaves, tree_map, tree_reduce,
                   tree_structure, tree_unflatten)
from . import testing  # noqa: F401
from . import scipy  # noqa: F401
from . import optimize  # noqa: F401
from .jacobians import *  # noqa: F401,F403
from .custom_jvp import custom_jvp
from .custom_vjp import custom_vjp
from .implicit import linear_solve, root
from .primitives.linop import linop, linop_apply
from . import jacobians as _jacobians

__version__ = "0.1.0"

__all__ = [
    "jvp", "linearize", "vjp", "grad", "value_and_grad", "elementwise_grad", "linear_transpose",
    "jit", "make_program", "vmap", "Program", "ConcretizationError",
    "LinearMap", "LinearProgram", "LinearityError", "EscapedTracerError",
    "TracerConversionError", "Zero", "stop_gradient", "register_pytree_node", "tree_map",
    "tree_leaves", "tree_structure", "tree_flatten", "tree_unflatten", "tree_reduce",
    "testing", "scipy", "optimize", "custom_jvp", "custom_vjp", "linop", "linop_apply",
    "linear_solve", "root",
] + _jacobians.__all__
