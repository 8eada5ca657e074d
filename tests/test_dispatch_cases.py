"""Every differentiable NumPy function has a systematic case that reaches it through plain NumPy.

The systematic suite checks a case's ``np_fn`` (the function written with plain
``np.*`` calls) against its ``linad.numpy`` twin in both modes; this test makes sure
that, taken together, those ``np_fn`` s reach every NumPy function of class 1 in
docs/numpy.md's classification — so every differentiable function is tested through
NumPy's dispatch as well as through ``lnp``.
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
from linad.numpy import _dispatch as D
from cases import all_cases

#: Differentiable NumPy functions still without a dispatch case (each a gap to close).
WITHOUT_DISPATCH_CASE: set[str] = {
    "np.linalg.eig", "np.linalg.eigh", "np.linalg.lstsq", "np.linalg.matrix_norm",
    "np.linalg.qr", "np.linalg.slogdet", "np.linalg.svd", "np.linalg.vector_norm",
    "np.row_stack",
}


def _run_examples(case, n: int = 12) -> None:
    """Run ``case.np_fn`` in forward mode on ``n`` examples of its strategy, drawn
    deterministically (a case may choose among several NumPy functions by example)."""
    def run(example):
        args, static = example
        with np.errstate(all="ignore"):
            linad.jvp(functools.partial(case.np_fn, **static), args, args)
        return False

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            find(case.strategy, run, settings=settings(
                database=None, derandomize=True, max_examples=n,
                suppress_health_check=list(HealthCheck)))
        except NoSuchExample:
            pass


def reached_objects() -> set:
    """The NumPy functions and ufuncs that the cases' ``np_fn`` s hand to linad."""
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
            if case.np_fn is not None:
                _run_examples(case)
    finally:
        Tracer.__array_function__, Tracer.__array_ufunc__ = array_function, array_ufunc
    return reached


def test_every_differentiable_numpy_function_has_a_dispatch_case():
    reached = reached_objects()
    differentiable = {name for name, labels in _coverage.classes().items()
                      if labels == ["differentiable"]}
    missing = {name for name in differentiable if _coverage.resolve(name) not in reached}
    assert missing == WITHOUT_DISPATCH_CASE, (
        f"differentiable NumPy functions without a case reaching them through np.*: "
        f"{sorted(missing - WITHOUT_DISPATCH_CASE)}; listed but now reached: "
        f"{sorted(WITHOUT_DISPATCH_CASE - missing)}")
