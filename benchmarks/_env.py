"""Pin the benchmark process to one thread on one core.

Must run before NumPy, PyTorch or JAX is imported: OpenBLAS, MKL and OpenMP read
their thread counts from the environment when they load, and XLA ignores those
variables (it gets its own flags and, like every thread started later, inherits
the CPU affinity set here).  This module therefore imports only the standard
library.
"""
from __future__ import annotations

import os
import sys

__all__ = ["THREAD_VARS", "pin_environment", "pin_affinity", "limit_loaded_pools",
           "fix_allocator"]

#: Variables read by the BLAS/OpenMP runtimes that NumPy, SciPy and PyTorch use.
THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
               "VECLIB_MAXIMUM_THREADS", "NUMEXPR_NUM_THREADS")

_XLA_ONE_THREAD = "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1"


def pin_environment() -> None:
    """Set every thread-count variable to 1 and ask XLA for one CPU thread."""
    for var in THREAD_VARS:
        os.environ[var] = "1"
    flags = os.environ.get("XLA_FLAGS", "")
    if "xla_cpu_multi_thread_eigen" not in flags:
        os.environ["XLA_FLAGS"] = (flags + " " + _XLA_ONE_THREAD).strip()
    os.environ.setdefault("JAX_PLATFORMS", "cpu")
    os.environ.setdefault("JAX_ENABLE_X64", "1")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def pin_affinity(cpu: int | None = None) -> int | None:
    """Restrict this process (and the threads it starts later) to one core.

    Returns the core used, or None where the platform has no affinity call.
    """
    if not hasattr(os, "sched_setaffinity"):
        return None
    allowed = sorted(os.sched_getaffinity(0))
    core = allowed[0] if cpu is None else cpu
    if core not in allowed:
        raise ValueError(f"--cpu {cpu}: this process may run only on cores {allowed}")
    os.sched_setaffinity(0, {core})
    return core


def limit_loaded_pools() -> str:
    """Limit thread pools of libraries already loaded (threadpoolctl, when installed).

    Needed when the suite runs inside a process that imported NumPy before
    :func:`pin_environment` could act (e.g. the smoke test under pytest).
    """
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        return "threadpoolctl not installed"
    threadpool_limits(1)
    return "threadpoolctl: limited to 1 thread"


#: glibc ``mallopt`` parameters and the values the suite fixes them to.
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3
_MMAP_THRESHOLD = 32 * 1024 * 1024
_TRIM_THRESHOLD = 128 * 1024 * 1024


def fix_allocator() -> str:
    """Fix glibc's mmap and trim thresholds, so timings do not depend on allocation history.

    By default glibc serves blocks above a *dynamic* threshold with fresh
    ``mmap`` pages (page faults on every use) and raises the threshold when such
    a block is freed, so whether a 300 KB array costs page faults depends on
    which backend happened to free a large block before.  Fixed thresholds
    (32 MiB, as a long-running process reaches anyway) serve every backend alike
    from the heap.  Returns what was done (nothing off glibc).
    """
    try:
        import ctypes
        libc = ctypes.CDLL("libc.so.6")
        ok = (libc.mallopt(_M_MMAP_THRESHOLD, _MMAP_THRESHOLD)
              and libc.mallopt(_M_TRIM_THRESHOLD, _TRIM_THRESHOLD))
    except (OSError, AttributeError):
        return "allocator: default (not glibc)"
    return ("allocator: glibc mmap threshold 32 MiB, trim threshold 128 MiB (fixed)" if ok
            else "allocator: default (mallopt refused)")


def numpy_already_loaded() -> bool:
    """True if NumPy was imported before the environment could be pinned."""
    return "numpy" in sys.modules
