"""The peer libraries measured beside linad, each optional.

A peer that is not installed (or fails to import) is left out with its reason;
the suite runs with whatever is there.  Every peer is set to one thread and to
float64 (JAX needs ``jax_enable_x64``).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = ["Peers", "load_peers", "torch_grad"]


@dataclass
class Peers:
    """Imported peer modules (None when absent) and why each absent one is absent."""

    autograd: Any = None
    anp: Any = None
    jax: Any = None
    jnp: Any = None
    torch: Any = None
    versions: dict = field(default_factory=dict)
    missing: dict = field(default_factory=dict)


def _load_autograd(p: Peers) -> None:
    import autograd
    import autograd.numpy as anp
    from importlib.metadata import version
    p.autograd, p.anp = autograd, anp
    p.versions["autograd"] = version("autograd")


def _load_jax(p: Peers) -> None:
    import jax
    jax.config.update("jax_enable_x64", True)
    jax.config.update("jax_platforms", "cpu")
    import jax.numpy as jnp
    jnp.zeros(1).block_until_ready()  # start the runtime now, not inside a timing
    p.jax, p.jnp = jax, jnp
    p.versions["jax"] = jax.__version__


def _load_torch(p: Peers) -> None:
    import torch
    torch.set_num_threads(1)
    try:
        torch.set_num_interop_threads(1)
    except RuntimeError:  # already set, or parallel work has started
        pass
    p.torch = torch
    p.versions["torch"] = torch.__version__


def torch_grad(torch, f, x):
    """A zero-argument callable: PyTorch's eager gradient of scalar ``f`` at tensor ``x``."""
    def g():
        xr = x.detach().requires_grad_(True)
        return torch.autograd.grad(f(xr), xr)[0]
    return g


def load_peers(enabled: bool = True) -> Peers:
    """Import the installed peers (none with ``enabled=False``)."""
    p = Peers()
    if not enabled:
        p.missing = {"autograd": "--no-peers", "jax": "--no-peers", "torch": "--no-peers"}
        return p
    for name, loader in (("autograd", _load_autograd), ("jax", _load_jax),
                         ("torch", _load_torch)):
        try:
            loader(p)
        except Exception as err:  # ImportError, or a broken install
            p.missing[name] = f"{type(err).__name__}: {err}".splitlines()[0][:200]
    return p
