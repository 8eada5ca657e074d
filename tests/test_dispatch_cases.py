"""Every differentiable NumPy function has a systematic case that reaches it through plain NumPy.

The systematic suite checks every case in both modes, to second order, with the
dot-product test; a case written with plain ``np.*`` calls (its ``fn``, or its ``np_fn``
twin of an ``lnp`` function) reaches NumPy's dispatch.  This test makes sure that, taken
together, the cases reach every NumPy function of class 1 in docs/numpy.md's
classification — so every differentiable function is tested through NumPy's dispatch.
"""
from __future__ import annotations

import functools
import warnings

import numpy as np
from hypothesis import HealthCheck, find, settings
from hypothesis.errors import NoSuchExample

import linad
from linad.core import Tracer
from linad.numpy import _coverage
from cases import all_cases

#: Differentiable NumPy functions still without a dispatch case (each a gap to close).
WITHOUT_DISPATCH_CASE: set[str] = set()


def _run_examples(case, fn, n: int = 12) -> None:
    """Run ``fn`` (a case's ``fn`` or ``np_fn``) in forward mode on ``n`` examples of the
    case's strategy, drawn deterministically (a case may choose among several NumPy
    functions by example)."""
    def run(example):
        args, static = example
        with np.errstate(all="ignore"):
            linad.jvp(functools.partial(fn, **static), args, args)
        return False

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            find(case.strategy, run, settings=settings(
                database=None, derandomize=True, max_examples=n, deadline=None,
                suppress_health_check=list(HealthCheck)))
        except NoSuchExample:
            pass


def reached_objects() -> set:
    """The NumPy functions and ufuncs that the cases hand to linad."""
    reached = set()
    array_function, array_ufunc = Tracer.__array_function__, Tracer.__array_ufunc__

    def recording_function(self, func, types, args, kwargs):
        reached.add(func)
        return array_function(self, func, types, args, kwargs)

    def recording_ufunc(self, ufunc, method, *inputs, **kwargs):
        reached.add(ufunc if method == "__call__" else (ufunc, method))
        return array_ufunc(self, ufunc, method, *inputs, **kwargs)

    Tracer.__array_function__, Tracer.__array_ufunc__ = recording_function, recording_ufunc
    try:
        for case in all_cases():
            for fn in (case.fn, case.np_fn):   # a case's fn may be written with np.* too
                if fn is not None:
                    _run_examples(case, fn)
    finally:
        Tracer.__array_function__, Tracer.__array_ufunc__ = array_function, array_ufunc
    return reached


def test_every_differentiable_numpy_function_has_a_dispatch_case():
    reached = reached_objects()
    differentiable = {name for name, labels in _coverage.classes().items()
                      if labels == ["differentiable"]}
    # a function NumPy never dispatches itself (np.row_stack calls np.vstack) is reached
    # through what it calls
    missing = {name for name in differentiable if _coverage.resolve(name) not in reached
               and _coverage.dispatches(_coverage.resolve(name))}
    assert missing == WITHOUT_DISPATCH_CASE, (
        f"differentiable NumPy functions without a case reaching them through np.*: "
        f"{sorted(missing - WITHOUT_DISPATCH_CASE)}; listed but now reached: "
        f"{sorted(WITHOUT_DISPATCH_CASE - missing)}")
