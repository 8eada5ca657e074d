"""V1 — per-example gradients: ``vmap(grad(f))``.

A small model in the style of W1: each of ``L`` layers applies ``tanh``,
``exp``, ``* C``, ``+ D`` and ``@ Q`` to a 3x3 example ``x``, with the
parameters ``(C, D, Q)`` of every layer shared by all examples; the loss of one
example is the sum of the last layer's output.  The gradient with respect to
the parameters is computed for each of ``B`` examples (1,000 in the full run):

* ``linad`` is ``linad.vmap(linad.grad(f), in_axes=(None, 0))``;
* ``linad-jit`` is ``linad.jit`` of the same function (a cache hit);
* ``linad-loop`` is a Python loop of ``linad.grad(f)`` over the examples;
* ``hand`` is the hand-written reverse pass on ``(B, 3, 3)`` stacks (batched
  NumPy: elementwise products and ``np.matmul``);
* ``jax`` / ``jax-jit`` are ``jax.vmap(jax.grad(f))`` and its ``jax.jit``,
  ``torch`` is ``torch.func.vmap(torch.func.grad(f))``.

Every backend returns the gradients as one array of shape ``(B, L, 3, 3, 3)``
(example, layer, parameter C/D/Q, 3x3), compared with the hand-written one.
"""
from __future__ import annotations

import numpy as np

from .harness import Config, WorkloadResult, as_numpy, timed_row

__all__ = ["SIZES", "make_params", "make_examples", "model", "shared_matmul", "hand_grads",
           "stack_grads", "run"]

#: ``mode -> (examples B, layers L)``.
SIZES = {"full": (1000, 4), "quick": (200, 4), "tiny": (6, 2)}


def make_params(layers: int, rng: np.random.Generator) -> list:
    """``[(C, D, Q), ...]``, one triple per layer, values bounded as in W1's chain."""
    return [(rng.uniform(1.0, 1.4, (3, 3)), -rng.uniform(1.1, 1.3, (3, 3)),
             np.linalg.qr(rng.standard_normal((3, 3)))[0]) for _ in range(layers)]


def make_examples(n: int, rng: np.random.Generator) -> np.ndarray:
    return rng.standard_normal((n, 3, 3))


def model(tanh, exp, total):
    """The loss of one example ``f(params, x)`` for a backend's ``tanh``, ``exp``, ``sum``."""
    def f(params, x):
        for C, D, Q in params:
            x = exp(tanh(x)) * C + D
            x = x @ Q
        return total(x)
    return f


def shared_matmul(stack: np.ndarray, m: np.ndarray) -> np.ndarray:
    """``stack @ m`` for one matrix ``m`` shared by the stack, as one 2-D product.

    Examples
    --------
    >>> s = np.arange(8.0).reshape(2, 2, 2)
    >>> bool(np.array_equal(shared_matmul(s, np.eye(2)[::-1]), s @ np.eye(2)[::-1]))
    True
    """
    return (stack.reshape(-1, stack.shape[-1]) @ m).reshape(stack.shape[:-1] + m.shape[-1:])


def hand_grads(params: list, xs: np.ndarray) -> np.ndarray:
    """The per-example parameter gradients, ``(B, L, 3, 3, 3)``, by a batched reverse pass.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> hand_grads(make_params(2, rng), make_examples(5, rng)).shape
    (5, 2, 3, 3, 3)
    """
    saved = []
    for C, D, Q in params:
        t = np.tanh(xs)
        e = np.exp(t)
        a = e * C + D
        saved.append((t, e, a))
        xs = shared_matmul(a, Q)
    g = np.ones_like(xs)
    out = np.empty((len(xs), len(params), 3, 3, 3))
    for k in reversed(range(len(params))):
        (C, D, Q), (t, e, a) = params[k], saved[k]
        out[:, k, 2] = np.swapaxes(a, 1, 2) @ g     # dQ = a^T g
        g = shared_matmul(g, Q.T)                    # through @ Q
        out[:, k, 1] = g                             # dD
        out[:, k, 0] = g * e                         # dC
        g = g * C * e * (1.0 - t * t)                # through * C, exp, tanh
    return out


def stack_grads(grads) -> np.ndarray:
    """A backend's ``[(dC, dD, dQ), ...]`` (each ``(B, 3, 3)``) as ``(B, L, 3, 3, 3)``."""
    return np.stack([np.stack([as_numpy(g) for g in layer], axis=1) for layer in grads], axis=1)


def _calls(params, xs, peers) -> dict:
    import linad
    import linad.numpy as lnp
    f = model(lnp.tanh, lnp.exp, lnp.sum)
    g = linad.grad(f)
    per_example = linad.vmap(g, in_axes=(None, 0))
    per_example_jit = linad.jit(per_example)
    calls = {"hand": lambda: hand_grads(params, xs),
             "linad": lambda: stack_grads(per_example(params, xs)),
             "linad-jit": lambda: stack_grads(per_example_jit(params, xs)),
             "linad-loop": lambda: stack_grads(
                 [tuple(np.stack(p) for p in zip(*layer))
                  for layer in zip(*[g(params, x) for x in xs])])}
    if peers.jax is not None:
        jax, jnp = peers.jax, peers.jnp
        pj = [tuple(jnp.asarray(c) for c in layer) for layer in params]
        xj = jnp.asarray(xs)
        gj = jax.vmap(jax.grad(model(jnp.tanh, jnp.exp, jnp.sum)), in_axes=(None, 0))
        gj_jit = jax.jit(gj)
        calls["jax"] = lambda: stack_grads(jax.block_until_ready(gj(pj, xj)))
        calls["jax-jit"] = lambda: stack_grads(jax.block_until_ready(gj_jit(pj, xj)))
    if peers.torch is not None:
        torch = peers.torch
        pt = [tuple(torch.from_numpy(c) for c in layer) for layer in params]
        xt = torch.from_numpy(xs)
        gt = torch.func.vmap(torch.func.grad(model(torch.tanh, torch.exp, torch.sum)),
                             in_dims=(None, 0))
        calls["torch"] = lambda: stack_grads(gt(pt, xt))
    return calls


def run(cfg: Config, peers) -> WorkloadResult:
    """Measure V1; targets: linad against the loop of ``grad`` and the batched hand pass."""
    n, layers = SIZES.get(cfg.mode, SIZES["full"])
    wr = WorkloadResult("V1", f"per-example gradients vmap(grad(f)): {n} examples, "
                        f"{layers} layers of tanh/exp/*C/+D/@Q on 3x3", rtol=cfg.rtol)
    rng = np.random.default_rng(cfg.seed + 101)
    params, xs = make_params(layers, rng), make_examples(n, rng)
    row = wr.row(f"per-example grads, {n} examples", "ms")
    out = timed_row(wr, row, _calls(params, xs, peers), cfg)
    if "hand" in out:
        wr.agree(row.label, out["hand"], {b: o for b, o in out.items() if b != "hand"})
    lin = row.values.get("linad")
    loop = row.values.get("linad-loop")
    wr.target("vmap(grad) linad / loop of linad.grad (limit 1/30: >= 30x faster)",
              lin / loop if lin and loop else None, 1 / 30)
    wr.target("vmap(grad) linad / hand batched NumPy", row.linad_over().get("hand"), 3.0)
    wr.notes.append("linad = vmap(grad(f), in_axes=(None, 0)), linad-jit = jit of it (cache "
                    "hit), linad-loop = a Python loop of grad(f); gradients with respect to the "
                    "shared parameters, one per example")
    return wr
