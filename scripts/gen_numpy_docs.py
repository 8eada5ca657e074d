"""Regenerate the list of supported NumPy functions in ``docs/numpy.md``.

The list comes from linad's dispatch registry (``linad.numpy.supported_numpy_names()``
and the handlers behind it) and from the ``linad.numpy`` namespace.  Everything in
``docs/numpy.md`` above the marker line is hand-written and kept as it is; everything
below it is replaced.

Usage::

    python scripts/gen_numpy_docs.py          # rewrite docs/numpy.md
    python scripts/gen_numpy_docs.py --check  # exit 1 if docs/numpy.md is out of date

``tests/test_numpy_docs.py`` runs the check.
"""
from __future__ import annotations

import argparse
import pathlib
import sys
from typing import Any

ROOT = pathlib.Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "numpy.md"
MARKER = ("<!-- Everything below this line is generated from the dispatch registry by "
          "scripts/gen_numpy_docs.py: do not edit it by hand. -->")

#: Section titles for the linad module that implements a handler.
FAMILIES = [
    ("linad.numpy._core", "Arithmetic, comparisons, sum, mean and where (core)"),
    ("linad.numpy._elementwise", "Elementwise functions"),
    ("linad.numpy._reductions", "Reductions"),
    ("linad.numpy._statistics", "Statistics, NaN-ignoring reductions and ufunc methods"),
    ("linad.numpy._shape", "Shape"),
    ("linad.numpy._products", "Products"),
    ("linad.numpy._indexing", "Indexing and sorting"),
    ("linad.numpy._creation", "Creation"),
    ("linad.numpy._signal", "Differences, integrals and signals"),
    ("linad.numpy._polynomial", "Polynomials"),
    ("linad.numpy.linalg", "Linear algebra"),
    ("linad.numpy.fft", "FFT"),
]


def _public_names(lnp: Any) -> dict[int, str]:
    """id(object) -> its public name in ``linad.numpy`` (or a subpackage such as linalg)."""
    names: dict[int, str] = {}
    spaces = [("lnp", lnp)] + [(f"lnp.{sub}", getattr(lnp, sub)) for sub in ("linalg", "fft")
                               if hasattr(lnp, sub)]
    for prefix, mod in reversed(spaces):  # top-level names win
        for name in sorted(getattr(mod, "__all__", None) or dir(mod), reverse=True):
            if name.startswith("_") or not hasattr(mod, name):
                continue
            names[id(getattr(mod, name))] = f"{prefix}.{name}"
    return names


def _handlers() -> list[tuple[str, Any]]:
    """(NumPy name, linad handler) for every NumPy function and ufunc that dispatches."""
    import numpy as np
    from linad.numpy import _dispatch as D
    pairs = [(f"np.{u.__name__}", fn) for u, fn in D.HANDLED_UFUNCS.items()
             if getattr(np, u.__name__, None) is u]  # scipy.special's ufuncs: docs/scipy.md
    pairs += [(D._numpy_name(f), fn) for f, fn in D.HANDLED_FUNCTIONS.items()]
    names = set(D.supported_numpy_names())
    assert {n for n, _ in pairs} == names, "registry and supported_numpy_names() disagree"
    return sorted(pairs)


def render_generated() -> str:
    """The generated part of docs/numpy.md (below the marker)."""
    import linad.numpy as lnp
    from linad.numpy import _coverage as C
    public = _public_names(lnp)
    pairs = _handlers()
    labels = {name: ls[0] for name, ls in C.classes().items() if len(ls) == 1}
    lines = _coverage_table(C, labels)
    lines += _differentiable(labels, public, C)
    lines += _nondifferentiable(labels, public, C)
    not_yet = sorted(n for n, c in labels.items() if c == "not yet supported")
    lines += ["## Not yet supported", "",
              f"{len(not_yet)} functions are differentiable in principle, without a handler yet: "
              "on a traced value NumPy's "
              "dispatch raises `TypeError: linad does not implement np.X for traced values`.", "",
              ", ".join(f"`{n}`" for n in not_yet), ""]
    lines += _refused(C, labels)
    handled = {id(fn) for _, fn in pairs}
    extra = sorted(name for obj_id, name in public.items()
                   if obj_id not in handled and name.startswith("lnp.")
                   and _is_function(lnp, name))
    lines += ["## `linad.numpy` functions without a NumPy dispatch", "",
              "These have no NumPy function to dispatch from (NumPy cannot intercept "
              "`np.array([x, y])` or `np.full(shape, x)`), or are linad additions.", "",
              ", ".join(f"`{n}`" for n in extra), ""]
    return "\n".join(lines)


def _coverage_table(C: Any, labels: dict[str, str]) -> list[str]:
    """The counts of each class, per namespace and overall."""
    head = ["1. differentiable", "2. not differentiable", "not yet supported", "3. refused"]
    lines = ["## NumPy coverage", "",
             "Every public callable of `numpy`, `numpy.linalg` and `numpy.fft` is in exactly "
             "one class (`linad/numpy/_coverage.py`; `tests/test_numpy_coverage.py` fails for a "
             "callable left out or classified twice, so a NumPy upgrade cannot add gaps "
             "silently). *Public callable*: a name of the namespace without a leading `_` whose "
             "object is callable — functions, ufuncs, classes (dtypes, scalar types, "
             "`ndarray`) and callable objects such as `np.test`; an alias (`np.abs`, "
             "`np.absolute`) counts under each of its names.", "",
             "1. **differentiable**: a handler registered in the dispatch registry, so "
             "`lnp.f` and plain `np.f` on traced values differentiate;",
             "2. **not differentiable**: accepted on traced values and computed by NumPy on "
             "their concrete values; the result (booleans, indices, counts, dtypes, set "
             "values) is a plain NumPy value with no derivative — never an error;",
             "3. **refused**, with the reason: a traced value that reaches one through NumPy's "
             "dispatch raises a `TypeError` giving the reason;",
             "",
             "and **not yet supported**: differentiable in principle, no handler yet. *Coverage* "
             "is the share of classes 1 and 2 among classes 1, 2 and not yet supported.", "",
             "| namespace | public callables | " + " | ".join(head) + " | coverage |",
             "|---|" + "---:|" * (len(head) + 2)]
    groups = [(f"`{p.replace('np', 'numpy', 1)}`", p) for p in C.NAMESPACES] + [("all", "")]
    for title, prefix in groups:
        names = [n for n in labels if not prefix or n.rpartition(".")[0] == prefix]
        counts = [sum(labels[n] == c for n in names) for c in C.CLASSES]
        handled = counts[0] + counts[1]
        lines.append(f"| {title} | {len(names)} | " + " | ".join(map(str, counts))
                     + f" | {100 * handled / max(handled + counts[2], 1):.0f}% |")
    return lines + [""]


def _handler_of(name: str, C: Any) -> Any:
    """The linad handler of the NumPy function or ufunc called ``name``."""
    import numpy as np
    from linad.numpy import _dispatch as D
    obj = C.resolve(name)
    return (D.HANDLED_UFUNCS if isinstance(obj, np.ufunc) else D.HANDLED_FUNCTIONS).get(obj)


def _differentiable(labels: dict[str, str], public: dict, C: Any) -> list[str]:
    """Class 1, by the linad module that implements each handler."""
    by_family: dict[str, list[tuple[str, str]]] = {}
    names = sorted(n for n, c in labels.items() if c == "differentiable")
    for np_name in names:
        fn = _handler_of(np_name, C)
        family = getattr(fn, "__module__", "") or ""
        lnp_name = public.get(id(fn), "NumPy route only")
        by_family.setdefault(family, []).append((np_name, lnp_name))
    titles = dict(FAMILIES)
    order = [m for m, _ in FAMILIES] + sorted(set(by_family) - set(titles))
    lines = ["## Differentiable NumPy functions", "",
             f"{len(names)} NumPy functions and ufuncs dispatch to linad when called on traced "
             "values. Each row gives the NumPy name and the `linad.numpy` (`lnp`) function "
             "that implements it; both routes give the same derivatives.", ""]
    for module in order:
        if module in by_family:
            lines += [f"### {titles.get(module, module)}", ""] + _rows(by_family[module])
    return lines


def _rows(rows: list[tuple[str, str]]) -> list[str]:
    lines = ["| NumPy | linad |", "|---|---|"]
    lines += [f"| `{a}` | `{b}` |" if not b.startswith("NumPy") else f"| `{a}` | {b} |"
              for a, b in rows]
    return lines + [""]


def _nondifferentiable(labels: dict[str, str], public: dict, C: Any) -> list[str]:
    """Class 2, with what each result is."""
    names = sorted(n for n, c in labels.items() if c == "not differentiable")
    lines = ["## Not differentiable: computed on the concrete values", "",
             f"{len(names)} NumPy functions accept traced values and compute on their concrete "
             "values; the result is a plain NumPy value. Set operations and bin edges return "
             "values of the input as constants: to differentiate those values, ask for indices "
             "(`np.unique(x, return_index=True)`) and gather `x[idx]`. `np.bincount` is "
             "differentiable in traced `weights`; the histograms refuse traced `weights` "
             "rather than drop their derivative. `np.lexsort` dispatches only when its keys "
             "are a tuple or an array, not a list.", "",
             "| NumPy | linad | result |", "|---|---|---|"]
    for n in names:
        lnp_name = public.get(id(_handler_of(n, C)))
        lines.append(f"| `{n}` | {f'`{lnp_name}`' if lnp_name else 'NumPy route only'} | "
                     f"{C.NONDIFF[n]} |")
    return lines + [""]


def _refused(C: Any, labels: dict[str, str]) -> list[str]:
    """Class 3, by reason; the functions NumPy never hands to linad marked as such."""
    refused = sorted(n for n, c in labels.items() if c == "refused")
    lines = ["## Refused", "",
             f"{len(refused)} functions, grouped by reason. Called on a traced value through NumPy's dispatch, each "
             "raises `TypeError: np.X does not take traced values: <reason>`. NumPy does not "
             "dispatch the functions marked *not dispatched by NumPy* (nor functions taking `like=` for "
             "their other arguments): they run NumPy's own code, which converts a traced "
             "argument (`TracerConversionError`) or only looks at its type. Creation from shapes "
             "and sizes (`np.ones`, `np.arange`, window functions) is class 3 rather than 2 "
             "because it has no array input to compute on: call it as usual, its result is a "
             "constant; only `like=` or a traced size reaches it.", ""]
    for reason, title in C.REASONS.items():
        names = [n for n in refused if C.reason_of(n) == reason]
        if not names:
            continue
        dispatched = [f"`{n}`" for n in names if C.dispatches(C.resolve(n))]
        other = [f"`{n}`" for n in names if not C.dispatches(C.resolve(n))]
        lines += [f"### {title} ({len(names)})", "", f"Reason: {reason}.", ""]
        if dispatched:
            lines += ["Raise it on a traced argument: " + ", ".join(dispatched), ""]
        if other:
            lines += ["Not dispatched by NumPy: " + ", ".join(other), ""]
    return lines


def _is_function(lnp: Any, dotted: str) -> bool:
    obj: Any = lnp
    for part in dotted.split(".")[1:]:
        obj = getattr(obj, part)
    return callable(obj) and not isinstance(obj, type) and getattr(
        obj, "__module__", "").startswith("linad")


def render(existing: str) -> str:
    """The whole of docs/numpy.md: ``existing``'s hand-written header, then the list."""
    if MARKER not in existing:
        raise SystemExit(f"{DOC}: the marker line is missing; it must end the hand-written "
                         f"header:\n{MARKER}")
    head = existing.split(MARKER)[0].rstrip("\n")
    return f"{head}\n\n{MARKER}\n\n{render_generated()}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true",
                        help="do not write; exit 1 if docs/numpy.md is out of date")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(ROOT))
    existing = DOC.read_text()
    new = render(existing)
    if args.check:
        if new != existing:
            print(f"{DOC} is out of date: run python scripts/gen_numpy_docs.py")
            return 1
        return 0
    if new != existing:
        DOC.write_text(new)
        print(f"wrote {DOC}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
