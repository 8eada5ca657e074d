"""Memory — peak memory of W2's gradient at n = 1024.

Measured with ``tracemalloc`` (NumPy reports its buffers to it), as the peak
above what was allocated before the call; the result array itself counts.
Only NumPy-based backends can be measured this way (hand-written, linad,
autograd); PyTorch and JAX allocate outside Python's allocator.
"""
from __future__ import annotations

from .harness import Config, WorkloadResult, peak_bytes
from .w2_cheap_grad import backend_functions, hand_value_and_grad, make_inputs

__all__ = ["run"]


def run(cfg: Config, peers) -> WorkloadResult:
    """Peak bytes of one gradient evaluation per backend; target linad / hand."""
    import linad
    n = cfg.mem_size
    wr = WorkloadResult("MEM", f"peak memory (tracemalloc) of W2's grad, n={n}", rtol=cfg.rtol)
    A, B, X = make_inputs(n, cfg.seed)
    fs = backend_functions(A, B, peers)
    calls = {"hand": lambda: hand_value_and_grad(A, B, X)[1],
             "linad": lambda: linad.grad(fs["linad"])(X)}
    if "autograd" in fs:
        g_ag = peers.autograd.grad(fs["autograd"])
        calls["autograd"] = lambda: g_ag(X)
    row = wr.row("peak above baseline", "MB", kind="memory")
    for b, fn in calls.items():
        row.values[b] = peak_bytes(fn) / 2**20
    ref = calls["hand"]()
    for b in ("linad", "autograd"):
        if b in calls:
            wr.agree("grad", ref, {b: calls[b]()})
    arr = wr.row("one n x n float64 array", "MB", kind="ratio")
    arr.values["hand"] = n * n * 8 / 2**20
    wr.target(f"peak memory of grad, n={n}: linad / hand", row.linad_over().get("hand"), 1.5)
    return wr
