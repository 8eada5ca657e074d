"""linad's benchmark suite (issue 6): ``python -m benchmarks`` or ``python benchmarks/run.py``.

Workloads W1-W10 and MEM (see each ``w*_*.py`` module and ``memory.py``; W7-W10
are real models: a Gaussian-process likelihood, a small neural network, a SciPy
optimiser loop and an RK4 simulation) are
measured for hand-written NumPy derivatives, linad and the installed peers,
on one thread; ``profile_linad.py`` profiles linad on W1, W2 and W4.  Nothing
here is imported by linad, and this package imports only the standard library
until a run starts, so the thread-count variables can be set first.
"""
