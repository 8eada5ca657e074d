"""Smoke test of the benchmark suite (benchmarks/): runs in-process at tiny sizes.

Checks that every workload produces rows, ``linad / backend`` ratios, targets
and agreeing derivatives, and that the JSON is serialisable.  There are no
timing assertions: the numbers themselves are meaningless at these sizes.
"""
from __future__ import annotations

import json
import math
import os
import sys

import numpy as np
import pytest
from hypothesis import assume, given, settings, strategies as st

# benchmarks/ is not part of the installed package: import it from the checkout
_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if _ROOT not in sys.path:
    sys.path.insert(0, _ROOT)

from benchmarks import run as bench_run  # noqa: E402
from benchmarks.harness import (Config, Row, Target, WorkloadResult,  # noqa: E402
                                first_call_row, format_targets, format_workload, rel_err)
from benchmarks.peers import load_peers  # noqa: E402
from benchmarks.w1_overhead import hand_jvp, hand_value_and_grad, make_ops  # noqa: E402
from benchmarks.w5_jacobian import closed_form, closed_form_scatter  # noqa: E402

TINY = Config.tiny()


@pytest.fixture(scope="module")
def results():
    peers = load_peers(enabled=False)
    return {wr.name: wr for wr in bench_run.run_suite(TINY, list(bench_run.WORKLOADS), peers,
                                                       log=lambda s: None)}


def test_every_workload_runs(results):
    assert list(results) == list(bench_run.WORKLOADS)
    for wr in results.values():
        assert wr.title != "FAILED", wr.notes
        assert wr.rows, wr.name
        assert wr.targets, wr.name


REAL_MODELS = ["W7", "W8", "W9", "W10"]


@pytest.mark.parametrize("name", ["W1", "W2", "W4", "W6"] + REAL_MODELS)
def test_time_rows_give_linad_ratios(results, name):
    wr = results[name]
    time_rows = [r for r in wr.rows if r.kind == "time" and {"hand", "linad"} <= set(r.values)]
    assert time_rows
    for r in time_rows:
        ratios = r.linad_over()
        assert "hand" in ratios, r.label
        assert all(math.isfinite(v) and v > 0 for v in ratios.values()), r.label
    assert any(t.value is not None for t in wr.targets)
    assert {t.status for t in wr.targets} <= {"PASS", "FAIL", "n/a"}


@pytest.mark.parametrize("name", ["W1", "W2", "W3", "W6"])
def test_linad_jit_is_measured_and_agrees(results, name):
    wr = results[name]
    assert any("linad-jit" in r.values for r in wr.rows) or any(
        k.startswith("linad-jit") for k in wr.skipped), name
    if any("linad-jit" in r.values for r in wr.rows):
        assert "linad-jit" in wr.agreement
    assert any("linad-jit" in t.label or "jit(" in t.label for t in wr.targets)


@pytest.mark.parametrize("name", REAL_MODELS)
def test_real_models_measure_linad_jit_and_have_the_model_targets(results, name):
    wr = results[name]
    assert any("linad-jit" in r.values for r in wr.rows)
    assert "linad" in wr.agreement and "linad-jit" in wr.agreement
    labels = [t.label for t in wr.targets]
    assert any(label.endswith("linad / hand-written") for label in labels)
    hand = [t for t in wr.targets if t.label.endswith("linad / hand-written")]
    assert all(t.limit == 2.5 and t.value is not None for t in hand)
    peers = [t for t in wr.targets if "ahead of" in t.label]
    assert {t.label.rsplit("(", 1)[1] for t in peers} == {"ahead of torch)", "ahead of autograd)"}
    assert all(t.status == "n/a" for t in peers)  # the smoke run has no peers


def test_optimiser_loops_reach_the_hand_written_optimum(results):
    notes = [n for n in results["W9"].notes if "optimum" in n]
    assert len(notes) == 2 and all("success True" in n for n in notes)


@settings(max_examples=5, deadline=None)
@given(st.integers(0, 2**16))
def test_hand_written_model_gradients_match_finite_differences(seed):
    from benchmarks import w7_gp_likelihood as w7, w10_ode as w10
    D, y, theta = w7.make_inputs(6, seed)
    fd = [(w7.nll_numpy(D, y, theta + e) - w7.nll_numpy(D, y, theta - e)) / 2e-6
          for e in 1e-6 * np.eye(3)]
    assert rel_err(w7.hand_value_and_grad(D, y, theta)[1], fd) < 1e-6
    z0, th, target = w10.make_inputs(seed)

    def loss(p):
        return np.sum((w10.simulate_numpy(p[:2], p[2:], 4) - target) ** 2)
    p = np.concatenate([z0, th])
    fd = [(loss(p + e) - loss(p - e)) / 2e-6 for e in 1e-6 * np.eye(6)]
    assert rel_err(np.concatenate(w10.hand_grad(z0, th, target, 4)), fd) < 1e-6


def test_jit_rows_of_w1(results):
    wr = results["W1"]
    first = next(r for r in wr.rows if r.label.startswith("first call of jit(grad(f))"))
    hit = wr.find("cache hit, tiny function")
    assert first.values["linad-jit"] > 0 and hit.values["linad-jit"] > 0
    assert "hand" in hit.over("linad-jit")


def test_memory_workload_measures_both(results):
    row = results["MEM"].rows[0]
    assert row.values["hand"] > 0 and row.values["linad"] > 0
    assert results["MEM"].targets[0].value == pytest.approx(row.values["linad"] / row.values["hand"])


@pytest.mark.parametrize("name", bench_run.WORKLOADS)
def test_derivatives_agree_with_hand_written(results, name):
    wr = results[name]
    assert wr.disagreements() == {}
    linad_measured = any("linad" in r.values for r in wr.rows)
    assert linad_measured or any(k.startswith("linad") for k in wr.skipped)
    if linad_measured:
        assert "linad" in wr.agreement


def test_missing_linad_features_are_skipped_with_a_reason(results):
    import linad
    import linad.numpy as lnp
    if not hasattr(lnp.linalg, "slogdet"):
        assert "slogdet" in results["W3"].skipped["linad"]
    for mode in ("jacfwd", "jacrev"):
        if not hasattr(linad, mode):
            assert mode in results["W5"].skipped[f"linad ({mode})"]


def test_table_and_json(results):
    text = "\n".join(format_workload(wr) for wr in results.values())
    assert "linad / ·" in text and "agreement with hand-written" in text
    summary = format_targets(list(results.values()))
    assert "PASS" in summary or "FAIL" in summary
    meta = bench_run.machine_info(load_peers(enabled=False), None)
    payload = bench_run.results_json(list(results.values()), meta, TINY)
    back = json.loads(json.dumps(payload, default=bench_run._json_default))
    assert set(back["workloads"]) == set(bench_run.WORKLOADS)
    assert back["workloads"]["W2"]["rows"][1]["linad_over"]["hand"] > 0
    from benchmarks.report import render
    md = render(back)
    assert "#### Targets" in md and "### W2" in md and "*linad / ·*" in md
    assert md.count("| W1 |") == len(results["W1"].targets)


def test_select_and_options():
    assert bench_run.select(None) == list(bench_run.WORKLOADS)
    assert bench_run.select("w2, W1,memory") == ["W1", "W2", "MEM"]
    assert bench_run.select("w10,W7") == ["W7", "W10"]
    with pytest.raises(SystemExit, match="unknown workload 'W99'"):
        bench_run.select("W1,W99")
    args = bench_run.parse_args(["--quick", "--only", "W5", "--no-peers"])
    assert args.quick and args.no_peers and args.only == "W5"


def test_target_status():
    assert Target("W", "t", 1.0, 1.2).status == "PASS"
    assert Target("W", "t", 1.3, 1.2).status == "FAIL"
    assert Target("W", "t", None, 1.2).status == "n/a"


def test_disagreement_is_reported():
    wr = WorkloadResult("X", "x", rtol=1e-8)
    wr.agree("out", np.ones(3), {"linad": np.ones(3) * (1 + 1e-6), "torch": np.ones(3)})
    assert set(wr.disagreements()) == {"linad"}
    assert "DISAGREE: linad" in format_workload(wr)
    wr.agree("shape", np.ones(3), {"torch": np.ones(4)})
    assert wr.agreement["torch"]["max_rel_err"] == math.inf


def test_rel_err_of_zero_reference_is_absolute():
    assert rel_err(np.full(2, 1e-3), np.zeros(2)) == pytest.approx(1e-3)


def test_row_ratios():
    r = Row("grad", "ms", {"hand": 2.0, "linad": 3.0, "torch": 6.0})
    assert r.linad_over() == {"hand": 1.5, "torch": 0.5}
    assert Row("grad", "ms", {"hand": 2.0}).linad_over() == {}
    r.values["linad-jit"] = 1.0
    assert r.over("linad-jit") == {"hand": 0.5, "linad": 1 / 3, "torch": 1 / 6}
    assert set(r.ratios()) == {"linad", "linad-jit"}
    assert Row("hvp / grad", "x", dict(r.values), kind="ratio").ratios() == {}


def test_first_call_row_skips_a_failing_backend():
    wr = WorkloadResult("X", "x")
    row = wr.row("first call", "ms")

    def broken():
        raise ValueError("cannot stage")
    out = first_call_row(wr, row, {"ok": lambda: (lambda: 1.0), "bad": broken}, TINY)
    assert out == {"ok": 1.0} and set(row.values) == {"ok"}
    assert "cannot stage" in wr.skipped["bad (first call)"]


@settings(max_examples=25, deadline=None)
@given(st.lists(st.floats(-1e3, 1e3), min_size=1, max_size=8),
       st.floats(1e-3, 1e3))
def test_rel_err_is_scale_invariant(xs, scale):
    x = np.array(xs)
    y = x + 1e-3
    assert rel_err(x, x) == 0.0
    assume(np.max(np.abs(x)) > 1e-6)  # an all-zero reference gives the absolute error
    assert rel_err(scale * y, scale * x) == pytest.approx(rel_err(y, x), rel=1e-6, abs=1e-300)


@settings(max_examples=10, deadline=None)
@given(st.integers(1, 25), st.integers(0, 2**16))
def test_hand_written_chain_matches_linad(n_ops, seed):
    import linad
    import linad.numpy as lnp
    from benchmarks.w1_overhead import chain
    rng = np.random.default_rng(seed)
    ops = make_ops(n_ops, rng)
    x, v = rng.standard_normal((3, 3)), rng.standard_normal((3, 3))
    f = chain(ops, lnp.tanh, lnp.exp, lnp.sum)
    value, g = hand_value_and_grad(ops, x)
    assert rel_err(linad.grad(f)(x), g) < 1e-10
    assert rel_err(linad.jvp(f, (x,), (v,))[1], hand_jvp(ops, x, v)[1]) < 1e-10
    assert value == pytest.approx(f(x))
    from benchmarks.w1_floor import FORWARD_FNS, REVERSE_FNS, floor_jvp, floor_value_and_grad
    floor_value, floor_g = floor_value_and_grad(chain(ops, *REVERSE_FNS), x)
    assert rel_err(floor_g, g) < 1e-10 and floor_value == pytest.approx(value)
    assert rel_err(floor_jvp(chain(ops, *FORWARD_FNS), x, v)[1], hand_jvp(ops, x, v)[1]) < 1e-10


@settings(max_examples=10, deadline=None)
@given(st.integers(1, 5), st.integers(1, 4), st.integers(0, 2**16))
def test_closed_form_jacobian_matches_finite_differences(m, k, seed):
    X = np.random.default_rng(seed).standard_normal((m, k))
    J = closed_form(X)
    assert J.shape == (k, k, m, k)
    np.testing.assert_array_equal(closed_form_scatter(X), J)
    eps = 1e-6
    for p in range(m):
        for q in range(k):
            E = np.zeros_like(X)
            E[p, q] = eps
            fd = ((X + E).T @ (X + E) - (X - E).T @ (X - E)) / (2 * eps)
            np.testing.assert_allclose(J[:, :, p, q], fd, atol=1e-7)


# ----------------------------------------------------------------------------- vmap workloads

def test_vmap_workloads_report_their_targets(results):
    v1 = results["V1"].rows[0]
    assert {"hand", "linad", "linad-jit", "linad-loop"} <= set(v1.values)
    assert [t.limit for t in results["V1"].targets] == [pytest.approx(1 / 30), 3.0]
    assert [t.limit for t in results["V2"].targets] == [2.0, 2.0]
    assert len(results["V3"].targets) == 3 and {t.limit for t in results["V3"].targets} == {1.5}
    for name in ("V1", "V2", "V3"):
        assert "linad-jit" in results[name].agreement


def test_hand_written_per_example_grads_match_a_loop_of_grad():
    import linad
    import linad.numpy as lnp
    from benchmarks.v1_per_example_grad import hand_grads, make_examples, make_params, model
    rng = np.random.default_rng(3)
    params, xs = make_params(3, rng), make_examples(4, rng)
    g = linad.grad(model(lnp.tanh, lnp.exp, lnp.sum))
    for i, x in enumerate(xs):
        expected = np.stack([np.stack(layer) for layer in g(params, x)])
        np.testing.assert_allclose(hand_grads(params, xs)[i], expected, rtol=1e-12)


def _fd_jacobian(grad_fn, X, eps=1e-6):
    """The central-difference Jacobian of ``grad_fn`` at ``X``, shape ``X.shape + X.shape``."""
    H = np.empty(X.shape + X.shape)
    for idx in np.ndindex(X.shape):
        E = np.zeros_like(X)
        E[idx] = eps
        H[(...,) + idx] = (grad_fn(X + E) - grad_fn(X - E)) / (2 * eps)
    return H


def test_hand_written_hessians_match_finite_differences():
    from benchmarks.v2_hessian import gram_hessian, w3_hessian
    from benchmarks.w3_matrix_functions import hand_grad, make_inputs
    X = np.random.default_rng(5).standard_normal((4, 3))
    np.testing.assert_allclose(gram_hessian(X), _fd_jacobian(lambda Y: 4 * Y @ (Y.T @ Y), X),
                               atol=1e-6)
    X3, C3 = make_inputs(3, 0)
    np.testing.assert_allclose(w3_hessian(X3, C3), _fd_jacobian(lambda Y: hand_grad(Y, C3), X3),
                               atol=1e-6)


def test_hand_batched_programs_match_a_loop():
    from benchmarks.v3_vmap_programs import hand_cholesky_form, hand_solve_form, make_spd
    A, b = make_spd(3, 4, np.random.default_rng(2))
    solve = [bi @ np.linalg.solve(Ai, bi) for Ai, bi in zip(A, b)]
    chol = [bi @ np.linalg.solve(Ai, bi) + np.linalg.slogdet(Ai)[1] for Ai, bi in zip(A, b)]
    np.testing.assert_allclose(hand_solve_form(A, b), solve, rtol=1e-12)
    np.testing.assert_allclose(hand_cholesky_form(A, b), chol, rtol=1e-12)
