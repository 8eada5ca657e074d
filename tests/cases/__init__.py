"""Systematic cases, one module per primitive family; each defines ``CASES``."""
import importlib
import pkgutil


def all_cases():
    cases = []
    for mod in sorted(m.name for m in pkgutil.iter_modules(__path__)):
        cases.extend(importlib.import_module(f"{__name__}.{mod}").CASES)
    return cases
