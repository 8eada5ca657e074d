"""Run every example in examples/ on a small size and check what it computes."""
import importlib.util
import pathlib

import numpy as np
import pytest

EXAMPLES = pathlib.Path(__file__).resolve().parent.parent / "examples"


def load(name):
    spec = importlib.util.spec_from_file_location(name, EXAMPLES / f"{name}.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_every_example_is_tested():
    tested = {"newton_krylov_sqrtm", "least_squares_fit", "rosenbrock_minimize",
              "hessian_spectrum", "implicit_differentiation", "gaussian_process",
              "fft_deconvolution", "per_example_gradients"}
    assert {p.stem for p in EXAMPLES.glob("*.py")} == tested


@pytest.mark.parametrize("n", [4, 12])
def test_newton_krylov_sqrtm(n):
    out = load("newton_krylov_sqrtm").main(n=n)
    assert out["steps"] < 15
    assert out["residual"] < 1e-12
    assert out["error_vs_eigh"] < 1e-10
    # quadratic convergence: the last steps shrink the residual much faster than linearly
    h = out["history"]
    assert len(h) >= 3 and h[-1] < h[-2] ** 1.5


def test_least_squares_fit():
    out = load("least_squares_fit").main(n=60)
    assert out["success"]
    assert out["jacobian_type"] == "_LinadOperator"
    np.testing.assert_allclose(out["p"], out["p_true"], atol=0.05)
    np.testing.assert_allclose(out["p"], out["p_dense_jacobian"], rtol=1e-6, atol=1e-8)


def test_least_squares_fit_noiseless_recovers_parameters():
    out = load("least_squares_fit").main(n=30, noise=0.0)
    np.testing.assert_allclose(out["p"], out["p_true"], rtol=1e-7)


@pytest.mark.parametrize("n", [4, 10])
def test_rosenbrock_minimize(n):
    out = load("rosenbrock_minimize").main(n=n)
    assert out["grad_error"] < 1e-10 and out["hvp_error"] < 1e-10
    for method, x in out["x"].items():
        assert out["success"][method], method
        np.testing.assert_allclose(x, np.ones(n), atol=1e-5, err_msg=method)


def test_hessian_spectrum():
    out = load("hessian_spectrum").main(n=5, k=2)
    np.testing.assert_allclose(out["largest"], out["dense_largest"], rtol=1e-8, atol=1e-10)
    np.testing.assert_allclose(out["smallest"], out["dense_smallest"], rtol=1e-8, atol=1e-10)
    np.testing.assert_allclose(out["singular_values"], out["dense_singular_values"], rtol=1e-8)
    assert out["shape_H"] == (20, 20) and out["shape_J"] == (40, 20)


@pytest.mark.parametrize("seed", [0, 1])
def test_implicit_differentiation(seed):
    out = load("implicit_differentiation").main(n=12, seed=seed)
    assert max(out["rel_errors"]) < 1e-6, out


def test_gaussian_process():
    """The gradient through scipy.stats' logpdf equals Rasmussen & Williams' closed form,
    and the fitted hyperparameters explain the data (noise level, posterior mean)."""
    out = load("gaussian_process").main(n=25)
    assert out["success"]
    assert out["grad_vs_closed_form"] < 1e-10
    assert out["nll_fit"] < out["nll_start"] - 10
    assert 0.03 < out["noise_std"] < 0.3
    assert out["rmse_to_truth"] < 0.15


def test_fft_deconvolution():
    """The blur is recovered through rfft/irfft derivatives, the Jacobian operator's
    rmatvec is its transpose (dot-product test), and lsqr on it reaches the Fourier-domain
    closed form of the regularised deconvolution."""
    out = load("fft_deconvolution").main(n=64)
    assert out["success"]
    np.testing.assert_allclose([out["w"], out["g"]], [out["w_true"], out["g_true"]], rtol=0.01)
    assert out["adjoint_error"] < 1e-12
    assert out["lsqr_vs_closed_form"] < 1e-8
    assert out["restoration_gain"] > 1.0



def test_per_example_gradients():
    out = load("per_example_gradients").main(n=40, d=4, k=6, size=4)
    assert out["gradients"]["error_vs_closed_form"] < 1e-12
    assert out["gradients"]["error_vs_loop"] < 1e-12
    assert out["newton"]["residual"] < 1e-10
    assert out["newton"]["error_vs_eigh"] < 1e-10
    assert out["hessian"]["shape"] == (4, 3, 4, 3)
    assert out["hessian"]["error_vs_hvp"] < 1e-12
    assert out["hessian"]["asymmetry"] < 1e-12
