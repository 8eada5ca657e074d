"""Every case of tests/cases: finite differences in both modes, second order, dot-product test.

Each case runs twice: with linad's optimisations on (the default) and off
(``linad.optimize.set_enabled(False)``), so no optimisation can be what makes an answer right.
"""
import functools

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import linad
from linad.core import PRIMITIVES
from linad.testing import check_grads, check_transpose
from cases import all_cases

CASES = all_cases()


@pytest.mark.parametrize("case", CASES, ids=repr)
def test_case(case, optimizations):
    @settings(max_examples=case.max_examples)
    @given(st.data())
    def run(data):
        args, static = data.draw(case.strategy)
        f = functools.partial(case.fn, **static)
        check_grads(f, args, order=case.order, modes=case.modes, atol=case.atol,
                    rtol=case.rtol, eps=case.eps)
        out, f_lin = linad.linearize(f, *args)
        check_transpose(f_lin)
        if case.np_fn is not None:
            g = functools.partial(case.np_fn, **static)
            np.testing.assert_allclose(np.asarray(g(*args)), np.asarray(out), rtol=1e-12, atol=1e-12)
            rng = np.random.default_rng(0)
            t = linad.testing.random_like(args, rng)
            _, t1 = linad.jvp(f, args, t)
            _, t2 = linad.jvp(g, args, t)
            for a, b in zip(linad.tree.leaves(t1), linad.tree.leaves(t2)):
                np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=1e-12, atol=1e-12)
    run()


def test_every_primitive_has_a_case():
    covered = set()
    for case in CASES:
        covered.update(case.covers)
    missing = sorted(set(PRIMITIVES) - covered)
    assert not missing, f"primitives without a systematic test case: {missing}"


def test_case_names_unique():
    names = [c.name for c in CASES]
    assert len(names) == len(set(names))
