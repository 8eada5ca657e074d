"""The systematic property suite's building blocks.

A :class:`Case` names a function, a hypothesis strategy for its inputs and the
primitives it exercises.  ``tests/test_systematic.py`` runs, for every case and
every drawn example: the JVP against central finite differences, the VJP
against the JVP and finite differences (``check_grads``), second order when
``order=2``, the dot-product test on the linearization (``check_transpose``),
and, when ``np_fn`` is given, the same derivatives through plain NumPy dispatch.

Each family of primitives keeps its cases in ``tests/cases/<family>.py`` as a
module-level list ``CASES``; every registered primitive must be covered by at
least one case (``test_every_primitive_has_a_case``).
"""
from __future__ import annotations

import dataclasses
from typing import Any, Callable

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp


@dataclasses.dataclass
class Case:
    """One entry of the systematic table.

    Attributes
    ----------
    name : str
        Test id.
    fn : callable
        ``fn(*args, **static)`` written with ``linad.numpy``.
    strategy : hypothesis strategy
        Draws ``(args, static)``: a tuple of float/complex arrays (all are
        differentiated) and a dict of static keyword arguments.
    covers : tuple of str
        Names of the primitives this case exercises.
    order : int
        Highest derivative order checked (1 or 2).
    modes : tuple
        ``("fwd", "rev")`` or a subset.
    np_fn : callable or None
        The same function written with plain ``numpy``; its derivatives (through
        NumPy dispatch) must equal ``fn``'s.
    atol, rtol, eps : float or None
        Tolerances passed to ``check_grads``.
    max_examples : int
        Hypothesis examples for this case.
    """

    name: str
    fn: Callable
    strategy: Any
    covers: tuple = ()
    order: int = 2
    modes: tuple = ("fwd", "rev")
    np_fn: Callable | None = None
    atol: float | None = None
    rtol: float | None = None
    eps: float | None = None
    max_examples: int = 8

    def __repr__(self) -> str:
        return self.name


# ----------------------------------------------------------------------------- strategies

def fd_jacobian(f: Callable, x: Any, eps: float = 1e-6) -> np.ndarray:
    """Central-difference Jacobian of ``f`` at ``x``, of shape ``out.shape + x.shape``."""
    x = np.asarray(x, float)
    cols = []
    for k in range(x.size):
        e = np.zeros(x.size)
        e[k] = eps
        e = e.reshape(x.shape)
        cols.append((np.asarray(f(x + e)) - np.asarray(f(x - e))) / (2 * eps))
    return np.stack(cols, axis=-1).reshape(np.shape(f(x)) + x.shape)


def shapes(min_dims: int = 0, max_dims: int = 3, min_side: int = 1, max_side: int = 4):
    """Array shapes (scalars and 0-d included when ``min_dims == 0``)."""
    return hnp.array_shapes(min_dims=min_dims, max_dims=max_dims, min_side=min_side,
                            max_side=max_side)


def arrays(shape, lo: float = -2.0, hi: float = 2.0, dtype=np.float64, away_from=None):
    """Float arrays of ``shape`` (a tuple or strategy) with values in [lo, hi].

    ``away_from``: a value (e.g. 0.0) the elements keep a distance of 0.1 from
    (for functions non-differentiable there).
    """
    elements = st.floats(lo, hi, allow_nan=False, allow_infinity=False, width=64)
    if away_from is not None:
        elements = elements.filter(lambda v: abs(v - away_from) > 0.1)
    shape_st = st.just(shape) if isinstance(shape, tuple) else shape
    return shape_st.flatmap(lambda s: hnp.arrays(np.float64, s, elements=elements)).map(
        lambda a: a.astype(dtype))


def broadcast_pair(max_dims: int = 3, max_side: int = 4):
    """Two shapes that broadcast together (size-1 and missing axes included)."""
    return hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=max_dims,
                                             max_side=max_side).map(lambda r: r.input_shapes)


def unary(shape_st=None, lo: float = -2.0, hi: float = 2.0, away_from=None):
    """Strategy for one array argument and no static arguments."""
    shape_st = shapes() if shape_st is None else shape_st
    return arrays(shape_st, lo, hi, away_from=away_from).map(lambda a: ((a,), {}))


def binary(lo: float = -2.0, hi: float = 2.0, lo2=None, hi2=None, away_from=None):
    """Strategy for two broadcast-compatible array arguments."""
    lo2 = lo if lo2 is None else lo2
    hi2 = hi if hi2 is None else hi2
    return broadcast_pair().flatmap(lambda ss: st.tuples(
        arrays(ss[0], lo, hi, away_from=away_from), arrays(ss[1], lo2, hi2, away_from=away_from)
    )).map(lambda ab: (ab, {}))


def well_conditioned(n_st=st.integers(1, 4), batch_st=st.sampled_from([(), (2,)]),
                     spd: bool = False):
    """Square matrices (optionally stacked) far from singular; SPD when ``spd``."""
    @st.composite
    def build(draw):
        n = draw(n_st)
        batch = draw(batch_st)
        m = draw(arrays(batch + (n, n), -1.0, 1.0))
        if spd:
            return m @ np.swapaxes(m, -1, -2) + n * np.eye(n)
        return m + (n + 1.0) * np.eye(n)
    return build()
