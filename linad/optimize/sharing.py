"""Primal computations shared between JVP rules during one transformation.

Different primitives' JVP rules sometimes need the same expensive function of
the same primal value: ``slogdet``'s rule needs ``inv(A)`` (for
:math:`\\mathrm{tr}(A^{-1}\\dot A)`), and the user's own ``inv(A)`` computes it
again.  Inside a *sharing scope* (opened by ``linearize`` and ``jvp`` around
the traced function) such a value is computed once per primal object and
reused.  For a single matrix the rules of ``inv``, ``det`` and ``slogdet``
share its LU factor too (kind ``"lu"``): the factor gives the value of each
and the inverse, so ``slogdet(A)`` and ``inv(A)`` cost one factorisation.

The cache is keyed by the identity of the primal object and holds a reference
to it, so an id cannot be reused by another array while its entry exists; the
scope ends when the transformation returns, so nothing is reused across calls
(an input array mutated between two calls is never served a stale result).
The scope is a :class:`contextvars.ContextVar`: each thread has its own.

Under ``linad.jit`` the rules keep their own primitives (``shared_lu`` factors
concrete matrices only), and the program's common-subexpression pass
(:func:`linad.optimize.codegen.share_common`) merges the repeated factorisations
and inverses of one staged matrix instead.
"""
from __future__ import annotations

import contextvars
from typing import Any, Callable

from . import enabled

__all__ = ["sharing_scope", "shared"]

_cache: contextvars.ContextVar = contextvars.ContextVar("linad_shared", default=None)


class sharing_scope:
    """Share values computed by :func:`shared` until the ``with`` block ends.

    Examples
    --------
    >>> import numpy as np
    >>> a = np.eye(2)
    >>> with sharing_scope():
    ...     y1 = shared("inv", a, lambda: np.linalg.inv(a))
    ...     y2 = shared("inv", a, lambda: np.linalg.inv(a))
    >>> y1 is y2
    True
    """

    __slots__ = ("token",)

    def __enter__(self) -> None:
        self.token = _cache.set({})

    def __exit__(self, *exc: Any) -> None:
        _cache.reset(self.token)


def shared(kind: str, x: Any, compute: Callable[[], Any]) -> Any:
    """``compute()``, the function ``kind`` of the primal ``x``, computed once per scope.

    Outside a :func:`sharing_scope`, or with the optimisations switched off
    (:func:`linad.optimize.set_enabled`), this is just ``compute()``.

    Examples
    --------
    >>> import numpy as np
    >>> shared("inv", np.eye(2), lambda: "computed")  # no scope: no sharing
    'computed'
    """
    cache = _cache.get()
    if cache is None or not enabled():
        return compute()
    key = (kind, id(x))
    hit = cache.get(key)
    if hit is not None and hit[0] is x:
        return hit[1]
    value = compute()
    cache[key] = (x, value)  # holding x keeps its id from being reused in this scope
    return value
