r"""Nonlinear elementwise primitives: JVP rules only.

Each rule gives the tangent of the output as a linear function of the operand
tangents, with the primal values as residuals:

=========  ==============================================
exp        :math:`\dot y = \dot x\, e^{x}`
log        :math:`\dot y = \dot x / x`
sin, cos   :math:`\dot x\cos x`, :math:`-\dot x \sin x`
tanh       :math:`\dot x\,(1 - y^2)`
sqrt       :math:`\dot x / (2 y)`
pow        :math:`\dot x\, b\, a^{b-1} + \dot b\, \log(a)\, a^b`
=========  ==============================================

Complex inputs follow the holomorphic convention (no conjugation).
"""
from __future__ import annotations

from typing import Any, Callable

import numpy as np

from ..core import Primitive, bind
from .linear import div, mul, neg, sub
from .rules import defjvp

__all__ = ["unary_primitive", "exp_p", "log_p", "sin_p", "cos_p", "tanh_p", "sqrt_p", "pow_p",
           "exp", "log", "sin", "cos", "tanh", "sqrt", "power"]


def unary_primitive(name: str, impl: Callable, tangent: Callable) -> Primitive:
    """A nonlinear elementwise primitive whose tangent is ``tangent(t, ans, x)``."""
    prim = Primitive(name, impl)
    defjvp(prim, tangent)
    return prim


exp_p = unary_primitive("exp", np.exp, lambda t, ans, x: mul(t, ans))
log_p = unary_primitive("log", np.log, lambda t, ans, x: div(t, x))
sin_p = unary_primitive("sin", np.sin, lambda t, ans, x: mul(t, cos(x)))
cos_p = unary_primitive("cos", np.cos, lambda t, ans, x: neg(mul(t, sin(x))))
tanh_p = unary_primitive("tanh", np.tanh, lambda t, ans, x: mul(t, sub(1, mul(ans, ans))))
sqrt_p = unary_primitive("sqrt", np.sqrt, lambda t, ans, x: div(t, mul(2, ans)))


def exp(x: Any) -> Any:
    return bind(exp_p, x)


def log(x: Any) -> Any:
    return bind(log_p, x)


def sin(x: Any) -> Any:
    return bind(sin_p, x)


def cos(x: Any) -> Any:
    return bind(cos_p, x)


def tanh(x: Any) -> Any:
    return bind(tanh_p, x)


def sqrt(x: Any) -> Any:
    return bind(sqrt_p, x)


pow_p = Primitive("pow", np.power)


def power(x: Any, y: Any) -> Any:
    return bind(pow_p, x, y)


def _pow_dbase(t, ans, x, y):
    return mul(t, mul(y, power(x, sub(y, 1))))


def _pow_dexp(t, ans, x, y):
    return mul(t, mul(log(x), ans))


defjvp(pow_p, _pow_dbase, _pow_dexp)
