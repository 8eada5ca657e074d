"""Gaussian-process regression: hyperparameters by maximum marginal likelihood.

The log marginal likelihood of observations ``y`` at inputs ``x`` under a GP with
a squared-exponential kernel plus noise is

    log p(y | theta) = multivariate_normal.logpdf(y, mean=0, cov=K(theta)),
    K(theta) = s^2 exp(-(x_i - x_j)^2 / (2 l^2)) + sigma^2 I,

with ``theta = log(s, l, sigma)``.  It is written with ``linad.scipy.stats``
(a Cholesky factor inside) and maximised with ``scipy.optimize.minimize``
(L-BFGS-B), whose gradient is ``linad.value_and_grad``.  The gradient is checked
against the closed form  d/dtheta log p = 1/2 tr((a a^T - K^-1) dK/dtheta),
a = K^-1 y  (Rasmussen & Williams, "Gaussian Processes for Machine Learning",
eq. 5.9), and the posterior mean at the optimum is compared with the truth.

Run: python examples/gaussian_process.py
"""
import numpy as np
import scipy.optimize as so

import linad
import linad.numpy as lnp
from linad.scipy import stats


def kernel(theta, xa, xb):
    """Squared-exponential kernel with log-parameters theta = (log s, log l, log sigma)."""
    s2 = lnp.exp(2 * theta[0])
    l2 = lnp.exp(2 * theta[1])
    d2 = (xa[:, None] - xb[None, :]) ** 2
    return s2 * lnp.exp(-d2 / (2 * l2))


def neg_log_marginal(theta, x, y):
    K = kernel(theta, x, x) + lnp.exp(2 * theta[2]) * np.eye(len(x))
    return -stats.multivariate_normal.logpdf(y, mean=np.zeros(len(x)), cov=K)


def closed_form_grad(theta, x, y):
    """The gradient of neg_log_marginal by Rasmussen & Williams' eq. 5.9, by hand."""
    n = len(x)
    s2, l2, n2 = np.exp(2 * theta)
    d2 = (x[:, None] - x[None, :]) ** 2
    E = np.exp(-d2 / (2 * l2))
    K = s2 * E + n2 * np.eye(n)
    Kinv = np.linalg.inv(K)
    a = Kinv @ y
    dK = [2 * s2 * E, s2 * E * d2 / l2, 2 * n2 * np.eye(n)]
    return np.array([-0.5 * np.trace((np.outer(a, a) - Kinv) @ d) for d in dK])


def main(n: int = 40, seed: int = 0) -> dict:
    rng = np.random.default_rng(seed)
    x = np.sort(rng.uniform(-3.0, 3.0, n))
    truth = np.sin(1.5 * x)
    y = truth + 0.1 * rng.standard_normal(n)

    f = linad.value_and_grad(neg_log_marginal)
    theta0 = np.zeros(3)
    fit = so.minimize(f, theta0, args=(x, y), jac=True, method="L-BFGS-B")

    theta = fit.x
    K = kernel(theta, x, x) + np.exp(2 * theta[2]) * np.eye(n)
    mean = kernel(theta, x, x) @ np.linalg.solve(K, y)      # posterior mean at the inputs
    return {
        "success": fit.success,
        "theta": theta,
        "grad_vs_closed_form": float(np.max(np.abs(f(theta0, x, y)[1]
                                                   - closed_form_grad(theta0, x, y)))),
        "nll_start": float(neg_log_marginal(theta0, x, y)),
        "nll_fit": float(fit.fun),
        "rmse_to_truth": float(np.sqrt(np.mean((mean - truth) ** 2))),
        "noise_std": float(np.exp(theta[2])),
    }


if __name__ == "__main__":
    out = main()
    print(f"neg. log marginal likelihood {out['nll_start']:.2f} -> {out['nll_fit']:.2f}; "
          f"noise std {out['noise_std']:.3f} (true 0.1); posterior mean RMSE "
          f"{out['rmse_to_truth']:.3f}; gradient vs closed form {out['grad_vs_closed_form']:.1e}")
