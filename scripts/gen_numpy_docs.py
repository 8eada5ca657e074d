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
    public = _public_names(lnp)
    pairs = _handlers()
    by_family: dict[str, list[tuple[str, str]]] = {}
    for np_name, fn in pairs:
        family = getattr(fn, "__module__", "") or ""
        lnp_name = public.get(id(fn), "NumPy route only")
        by_family.setdefault(family, []).append((np_name, lnp_name))
    titles = dict(FAMILIES)
    order = [m for m, _ in FAMILIES] + sorted(set(by_family) - set(titles))
    lines = ["## Supported NumPy functions", "",
             f"{len(pairs)} NumPy functions and ufuncs dispatch to linad when called on traced "
             "values. Each row gives the NumPy name and the `linad.numpy` (`lnp`) function "
             "that implements it; both routes give the same derivatives.", ""]
    for module in order:
        rows = by_family.get(module)
        if not rows:
            continue
        lines += [f"### {titles.get(module, module)}", "", "| NumPy | linad |", "|---|---|"]
        lines += [f"| `{a}` | `{b}` |" if not b.startswith("NumPy") else f"| `{a}` | {b} |"
                  for a, b in rows]
        lines.append("")
    handled = {id(fn) for _, fn in pairs}
    extra = sorted(name for obj_id, name in public.items()
                   if obj_id not in handled and name.startswith("lnp.")
                   and _is_function(lnp, name))
    lines += ["## `linad.numpy` functions without a NumPy dispatch", "",
              "These have no NumPy function to dispatch from (NumPy cannot intercept "
              "`np.array([x, y])` or `np.full(shape, x)`), or are linad additions.", "",
              ", ".join(f"`{n}`" for n in extra), ""]
    return "\n".join(lines)


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
