"""Run the linad benchmark suite (issue 6): ``python benchmarks/run.py`` or ``python -m benchmarks``.

Every library runs on one thread pinned to one core; each workload prints its
table (times per backend, then ``linad / backend`` ratios measured in the same
run), the agreement of every backend's derivatives with the hand-written
ones, and at the end the target ratios with PASS / FAIL.  The results
also go to ``benchmarks/results/latest.json``.

Options: ``--quick`` (small sizes, few repeats: a smoke run), ``--only W1,W2``
(workloads W1..W10 and MEM; W7..W10 are real models: a Gaussian-process
likelihood, a small neural network, a SciPy optimiser loop, an RK4
simulation; V1..V3 measure ``vmap``: per-example gradients, Hessians, batched programs),
``--no-peers`` (hand-written and linad only), ``--repeats N``, ``--cpu K`` (the core to pin
to), ``--json PATH``.

The exit status is 2 if some backend's derivatives disagree with the
hand-written ones beyond the tolerance (1e-8 relative), else 0.

This module imports only the standard library at the top, so that the thread
variables are set before NumPy loads.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time

WORKLOADS = ("W1", "W2", "W3", "W4", "W5", "W6", "W7", "W8", "W9", "W10", "V1", "V2", "V3", "MEM")
_ALIASES = {"MEMORY": "MEM", "M": "MEM"}
DEFAULT_JSON = os.path.join(os.path.dirname(os.path.abspath(__file__)), "results", "latest.json")

__all__ = ["WORKLOADS", "parse_args", "select", "run_suite", "machine_info", "results_json",
           "main"]


def parse_args(argv: list | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        prog="python -m benchmarks",
        description="linad benchmark suite: linad against hand-written NumPy derivatives and "
                    "the installed peers (autograd, JAX, PyTorch), one thread, same run.")
    p.add_argument("--quick", action="store_true",
                   help="small sizes and few repeats (a smoke run; ratios only indicative)")
    p.add_argument("--only", default=None, metavar="W1,W2",
                   help=f"comma-separated workloads among {', '.join(WORKLOADS)}")
    p.add_argument("--no-peers", action="store_true",
                   help="measure only hand-written NumPy and linad")
    p.add_argument("--repeats", type=int, default=None, help="timed repeats per measurement")
    p.add_argument("--default-malloc", action="store_true",
                   help="leave glibc's dynamic mmap threshold (default: fixed, so timings do not "
                        "depend on which backend freed a large block before)")
    p.add_argument("--cpu", type=int, default=None,
                   help="core to pin the process to (default: the first allowed core)")
    p.add_argument("--json", default=DEFAULT_JSON, metavar="PATH",
                   help="where to write the JSON results (default: benchmarks/results/latest.json)")
    return p.parse_args(argv)


def select(only: str | None) -> list:
    """The workloads named by ``--only`` (all by default), in the suite's order."""
    if not only:
        return list(WORKLOADS)
    names = []
    for part in only.split(","):
        name = part.strip().upper()
        name = _ALIASES.get(name, name)
        if not name:
            continue
        if name not in WORKLOADS:
            raise SystemExit(f"--only: unknown workload {part.strip()!r}; "
                             f"choose among {', '.join(WORKLOADS)}")
        names.append(name)
    return [w for w in WORKLOADS if w in names]


def _modules() -> dict:
    from . import (memory, w1_overhead, w2_cheap_grad, w3_matrix_functions, w4_linearize,
                   w5_jacobian, w6_hvp, w7_gp_likelihood, w8_mlp, w9_optimize, w10_ode,
                   v1_per_example_grad, v2_hessian, v3_vmap_programs)
    return {"W1": w1_overhead, "W2": w2_cheap_grad, "W3": w3_matrix_functions,
            "W4": w4_linearize, "W5": w5_jacobian, "W6": w6_hvp, "W7": w7_gp_likelihood,
            "W8": w8_mlp, "W9": w9_optimize, "W10": w10_ode, "V1": v1_per_example_grad,
            "V2": v2_hessian, "V3": v3_vmap_programs, "MEM": memory}


def run_suite(cfg, names: list, peers, log=print) -> list:
    """Run the named workloads; print each table through ``log`` as it finishes."""
    from .harness import describe_error, format_workload, WorkloadResult
    modules = _modules()
    results = []
    for name in names:
        t0 = time.perf_counter()
        try:
            wr = modules[name].run(cfg, peers)
        except Exception as err:  # one broken workload must not hide the others
            wr = WorkloadResult(name, "FAILED", rtol=cfg.rtol)
            wr.notes.append(describe_error(err))
        wr.notes.append(f"workload wall time {time.perf_counter() - t0:.1f} s")
        log(format_workload(wr))
        log("")
        results.append(wr)
    return results


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def machine_info(peers=None, core: int | None = None) -> dict:
    """The machine, the thread settings and the library versions of this run."""
    import numpy as np
    import scipy
    import linad
    info = {
        "date": time.strftime("%Y-%m-%d %H:%M:%S %Z"),
        "cpu": _cpu_model(), "logical_cpus": os.cpu_count(), "pinned_core": core,
        "platform": platform.platform(), "python": platform.python_version(),
        "numpy": np.__version__, "scipy": scipy.__version__, "linad": linad.__version__,
        "thread_env": {k: os.environ.get(k) for k in
                       ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
                        "XLA_FLAGS")},
    }
    try:
        from threadpoolctl import threadpool_info
        info["blas"] = [{k: d.get(k) for k in ("internal_api", "version", "num_threads",
                                                "architecture", "filepath")}
                        for d in threadpool_info()]
    except ImportError:
        info["blas"] = "threadpoolctl not installed"
    try:
        info["load_average"] = os.getloadavg()
    except OSError:
        pass
    if peers is not None:
        info["peers"] = dict(peers.versions)
        info["peers_missing"] = dict(peers.missing)
    return info


def results_json(results: list, meta: dict, cfg) -> dict:
    from dataclasses import asdict
    return {"meta": meta, "config": asdict(cfg),
            "workloads": {wr.name: wr.to_json() for wr in results},
            "targets": [dict(workload=t.workload, label=t.label, value=t.value, limit=t.limit,
                             status=t.status) for wr in results for t in wr.targets]}


def main(argv: list | None = None) -> int:
    args = parse_args(argv)
    names = select(args.only)
    from ._env import (fix_allocator, limit_loaded_pools, numpy_already_loaded, pin_affinity,
                       pin_environment)
    late = numpy_already_loaded()
    pin_environment()
    core = pin_affinity(args.cpu)
    pools = limit_loaded_pools()  # also covers libraries loaded before the variables were set
    allocator = "allocator: default (--default-malloc)" if args.default_malloc else fix_allocator()
    from .harness import Config, format_targets
    from .peers import load_peers
    cfg = Config.quick() if args.quick else Config.full()
    if args.repeats:
        cfg.repeats = args.repeats
    peers = load_peers(enabled=not args.no_peers)
    meta = machine_info(peers, core)
    meta["numpy_loaded_before_pinning"] = late
    meta["threadpools"] = pools
    meta["allocator"] = allocator
    print(f"linad benchmarks ({cfg.mode}): {meta['cpu']}, pinned to core {core}, "
          f"numpy {meta['numpy']}; peers: "
          + (", ".join(f"{k} {v}" for k, v in peers.versions.items()) or "none")
          + "".join(f"; {k} absent ({v})" for k, v in peers.missing.items()))
    print()
    results = run_suite(cfg, names, peers)
    print(format_targets(results))
    bad = {wr.name: wr.disagreements() for wr in results if wr.disagreements()}
    if bad:
        print(f"\nDERIVATIVES DISAGREE beyond {cfg.rtol:g}: {bad}")
    os.makedirs(os.path.dirname(os.path.abspath(args.json)), exist_ok=True)
    with open(args.json, "w") as fh:
        json.dump(results_json(results, meta, cfg), fh, indent=1, default=_json_default)
    print(f"\nresults written to {args.json}")
    return 2 if bad else 0


def _json_default(x):
    try:
        return float(x)
    except (TypeError, ValueError):
        return str(x)


if __name__ == "__main__":
    here = os.path.dirname(os.path.abspath(__file__))
    sys.path[:] = [p for p in sys.path if os.path.abspath(p or ".") != here]
    sys.path.insert(0, os.path.dirname(here))
    from benchmarks.run import main as _main
    sys.exit(_main())
