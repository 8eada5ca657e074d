"""Optimisations: speed only, never needed for a correct answer.

- :mod:`~linad.optimize.simplify`: rewrites of staged linear programs (sums and
  transposes folded into contractions, repeated contractions shared);
- :mod:`~linad.optimize.fold`: constant folding when a program is compiled;
- :mod:`~linad.optimize.compile`: programs lowered to flat lists of steps, run
  many times (``f_lin``, operators, batched passes);
- :mod:`~linad.optimize.onehot`: Jacobian bases kept one-hot through batched passes;
- :mod:`~linad.optimize.sharing`: primal work shared between JVP rules (one LU
  factor per matrix);
- the einsum primitive's BLAS contraction plans
  (:mod:`linad.primitives.einsum_exec`), which :func:`on_switch` replaces by
  ``np.einsum``.

Every one of them is switched off by ``set_enabled(False)`` (or the
environment variable ``LINAD_OPTIMIZE=0`` at import), and then programs run as
staged, through the reference evaluators of :mod:`linad.ir`.  Answers are the
same either way (up to rounding); the test suite runs its systematic checks in
both states.

Examples
--------
>>> import numpy as np, linad
>>> f = lambda x: np.sum(np.sin(x) @ x.T)
>>> x = np.arange(6.0).reshape(2, 3)
>>> with linad.optimize.disabled():
...     g_plain = linad.grad(f)(x)
>>> np.allclose(g_plain, linad.grad(f)(x))
True
"""
from __future__ import annotations

import contextlib
import os
from typing import Callable, Iterator

__all__ = ["enabled", "set_enabled", "disabled", "on_switch"]

_state = {"enabled": os.environ.get("LINAD_OPTIMIZE", "1") != "0"}
_listeners: list[Callable[[bool], None]] = []


def enabled() -> bool:
    """True when the optimisations run (the default)."""
    return _state["enabled"]


def set_enabled(flag: bool) -> bool:
    """Switch every optimisation on or off for the whole process; returns the previous state.

    Examples
    --------
    >>> previous = set_enabled(False)
    >>> enabled()
    False
    >>> _ = set_enabled(previous)
    """
    previous = _state["enabled"]
    _state["enabled"] = bool(flag)
    for listener in _listeners:
        listener(_state["enabled"])
    return previous


def on_switch(listener: Callable[[bool], None]) -> None:
    """Call ``listener(enabled)`` now and whenever the switch changes.

    For fast paths chosen once rather than tested on every call (the einsum
    primitive's implementation: BLAS contraction plans when on, ``np.einsum`` off).
    """
    _listeners.append(listener)
    listener(_state["enabled"])


@contextlib.contextmanager
def disabled() -> Iterator[None]:
    """Run the ``with`` block with every optimisation switched off."""
    previous = set_enabled(False)
    try:
        yield
    finally:
        set_enabled(previous)
