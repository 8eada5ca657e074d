"""The floor of operator-overloading AD in Python, for W1 (backend ``py-floor``).

The least a Python library can do per operation when it differentiates by
overloading operators on a wrapper object, written for W1's five operations
only: no primitives, no rules looked up, no shape, dtype, linearity or
nesting checks, no symbolic zeros, no program kept.

* forward: a dual number ``(primal, tangent)``; each operation computes both
  with NumPy and wraps them (one object per operation);
* reverse: a tape of closures; each operation computes its primal and what
  the backward pass needs, and appends the closure that maps the output's
  cotangent to the input's; the backward pass calls them in reverse.

Any general library (linad, autograd) does at least this work per
operation, so the ratio ``py-floor / hand`` bounds from below what a Python
implementation can reach on W1; linad / py-floor is the price of its
generality.
"""
from __future__ import annotations

import numpy as np

__all__ = ["Dual", "TapeValue", "floor_jvp", "floor_value_and_grad", "FORWARD_FNS",
           "REVERSE_FNS"]


class Dual:
    """A primal and its tangent."""

    __slots__ = ("p", "t")

    def __init__(self, p, t):
        self.p = p
        self.t = t

    def __mul__(self, c):
        return Dual(self.p * c, self.t * c)

    def __add__(self, c):
        return Dual(self.p + c, self.t)

    def __matmul__(self, c):
        return Dual(self.p @ c, self.t @ c)


def _dual_tanh(x: Dual) -> Dual:
    y = np.tanh(x.p)
    return Dual(y, x.t * (1.0 - y * y))


def _dual_exp(x: Dual) -> Dual:
    y = np.exp(x.p)
    return Dual(y, x.t * y)


def _dual_sum(x: Dual) -> Dual:
    return Dual(x.p.sum(), x.t.sum())


#: ``(tanh, exp, sum)`` for :func:`benchmarks.w1_overhead.chain`.
FORWARD_FNS = (_dual_tanh, _dual_exp, _dual_sum)


def floor_jvp(f, x: np.ndarray, v: np.ndarray) -> tuple:
    """Value and directional derivative of ``f`` (built with :data:`FORWARD_FNS`)."""
    out = f(Dual(x, v))
    return out.p, out.t


class TapeValue:
    """A value recorded on a tape (a list of ``(input, output, backward closure)``)."""

    __slots__ = ("v", "tape")

    def __init__(self, v, tape: list):
        self.v = v
        self.tape = tape

    def _record(self, value, backward) -> "TapeValue":
        out = TapeValue(value, self.tape)
        self.tape.append((self, out, backward))
        return out

    def __mul__(self, c):
        return self._record(self.v * c, lambda g: g * c)

    def __add__(self, c):
        return self._record(self.v + c, lambda g: g)

    def __matmul__(self, c):
        return self._record(self.v @ c, lambda g: g @ c.T)


def _tape_tanh(x: TapeValue) -> TapeValue:
    y = np.tanh(x.v)
    slope = 1.0 - y * y
    return x._record(y, lambda g: g * slope)


def _tape_exp(x: TapeValue) -> TapeValue:
    y = np.exp(x.v)
    return x._record(y, lambda g: g * y)


def _tape_sum(x: TapeValue) -> TapeValue:
    shape = x.v.shape
    return x._record(x.v.sum(), lambda g: np.broadcast_to(g, shape))


#: ``(tanh, exp, sum)`` for :func:`benchmarks.w1_overhead.chain`.
REVERSE_FNS = (_tape_tanh, _tape_exp, _tape_sum)


def floor_value_and_grad(f, x: np.ndarray) -> tuple:
    """Value and gradient of the scalar ``f`` (built with :data:`REVERSE_FNS`)."""
    tape: list = []
    x_in = TapeValue(x, tape)
    out = f(x_in)
    cts = {id(out): np.ones_like(out.v)}
    for src, dst, backward in reversed(tape):
        g = backward(cts.pop(id(dst)))
        prev = cts.get(id(src))
        cts[id(src)] = g if prev is None else prev + g
    return out.v, cts[id(x_in)]
