"""Pytrees: nested containers of array leaves.

A pytree is a tuple, list, dict, ``None``, namedtuple, or a registered user
container, nested to any depth; everything else is a leaf.  ``flatten`` turns a
pytree into a list of leaves and a ``TreeDef`` that ``unflatten`` uses to
rebuild it.
"""
from __future__ import annotations

from typing import Any, Callable, Hashable

__all__ = ["flatten", "unflatten", "TreeDef", "register_pytree_node", "tree_map", "leaves"]

# type -> (to_children(obj) -> (children, aux), from_children(aux, children) -> obj)
_REGISTRY: dict[type, tuple[Callable, Callable]] = {}


def register_pytree_node(cls: type, to_children: Callable, from_children: Callable) -> None:
    """Register a container type so that linad transformations see through it.

    Parameters
    ----------
    cls : type
        The container class.
    to_children : callable
        ``to_children(obj) -> (children, aux)`` where ``children`` is a sequence
        of sub-trees and ``aux`` is hashable static data.
    from_children : callable
        ``from_children(aux, children) -> obj`` rebuilds the container.

    Examples
    --------
    >>> class Pair:
    ...     def __init__(self, a, b): self.a, self.b = a, b
    >>> register_pytree_node(Pair, lambda p: ((p.a, p.b), None),
    ...                      lambda aux, ch: Pair(*ch))
    >>> leaves, treedef = flatten(Pair(1.0, (2.0, 3.0)))
    >>> leaves
    [1.0, 2.0, 3.0]
    """
    _REGISTRY[cls] = (to_children, from_children)


class TreeDef:
    """The structure of a pytree: a node kind, static data and child structures."""

    __slots__ = ("kind", "aux", "children", "num_leaves")

    def __init__(self, kind: Any, aux: Hashable, children: tuple["TreeDef", ...]):
        self.kind = kind
        self.aux = aux
        self.children = children
        self.num_leaves = 1 if kind is None else sum(c.num_leaves for c in children)

    def __eq__(self, other: object) -> bool:
        return (isinstance(other, TreeDef) and self.kind is other.kind
                and self.aux == other.aux and self.children == other.children)

    def __hash__(self) -> int:
        return hash((id(self.kind), self.aux, self.children))

    def __repr__(self) -> str:
        if self.kind is None:
            return "*"
        inner = ", ".join(map(repr, self.children))
        if self.kind is dict:
            return "{" + ", ".join(f"{k!r}: {c!r}" for k, c in zip(self.aux, self.children)) + "}"
        if self.kind is type(None):
            return "None"
        name = getattr(self.kind, "__name__", str(self.kind))
        return f"{name}({inner})"


_LEAF = TreeDef(None, None, ())


def _node_children(obj: Any):
    """Return (kind, aux, children) for a container, or None for a leaf."""
    t = type(obj)
    if t is tuple or t is list:
        return t, None, obj
    if t is dict:
        keys = tuple(sorted(obj, key=repr))
        return dict, keys, [obj[k] for k in keys]
    if obj is None:
        return type(None), None, ()
    if t in _REGISTRY:
        children, aux = _REGISTRY[t][0](obj)
        return t, aux, children
    if isinstance(obj, tuple) and hasattr(t, "_fields"):  # namedtuple
        return t, None, obj
    return None


def flatten(tree: Any) -> tuple[list, TreeDef]:
    """Flatten a pytree into its leaves and structure.

    Examples
    --------
    >>> leaves, td = flatten({"b": 2.0, "a": (1.0, None)})
    >>> leaves
    [1.0, 2.0]
    >>> unflatten(td, [10.0, 20.0])
    {'a': (10.0, None), 'b': 20.0}
    """
    leaves: list = []
    return leaves, _flatten_into(tree, leaves)


def _flatten_into(tree: Any, leaves: list) -> TreeDef:
    node = _node_children(tree)
    if node is None:
        leaves.append(tree)
        return _LEAF
    kind, aux, children = node
    return TreeDef(kind, aux, tuple(_flatten_into(c, leaves) for c in children))


def unflatten(treedef: TreeDef, leaves) -> Any:
    """Rebuild a pytree of structure ``treedef`` from ``leaves`` (see `flatten`)."""
    it = iter(leaves)
    out = _build(treedef, it)
    return out


def _build(td: TreeDef, it) -> Any:
    if td.kind is None:
        return next(it)
    children = [_build(c, it) for c in td.children]
    kind = td.kind
    if kind is tuple:
        return tuple(children)
    if kind is list:
        return children
    if kind is dict:
        return dict(zip(td.aux, children))
    if kind is type(None):
        return None
    if kind in _REGISTRY:
        return _REGISTRY[kind][1](td.aux, children)
    return kind(*children)  # namedtuple


def leaves(tree: Any) -> list:
    """The leaves of a pytree, in flattening order."""
    return flatten(tree)[0]


def tree_map(fn: Callable, tree: Any, *rest: Any) -> Any:
    """Apply ``fn`` leaf-wise to one or more pytrees of the same structure.

    Examples
    --------
    >>> tree_map(lambda a, b: a + b, (1.0, [2.0]), (10.0, [20.0]))
    (11.0, [22.0])
    """
    lv, td = flatten(tree)
    others = [flatten(r) for r in rest]
    for olv, otd in others:
        if otd != td:
            raise ValueError(f"pytree structures differ: {td!r} and {otd!r}")
    return unflatten(td, [fn(*xs) for xs in zip(lv, *(o[0] for o in others))])
