"""Pytrees: nested containers of array leaves.

A pytree is a tuple, list, dict, ``None``, namedtuple, or a registered user
container, nested to any depth; everything else is a leaf.  ``flatten`` turns a
pytree into a list of leaves and a ``TreeDef`` that ``unflatten`` uses to
rebuild it.
"""
from __future__ import annotations

from typing import Any, Callable, Hashable, Iterable

import functools

__all__ = ["flatten", "unflatten", "TreeDef", "node_children", "register_pytree_node", "leaves",
           "tree_map", "tree_leaves", "tree_structure", "tree_flatten", "tree_unflatten",
           "tree_reduce", "flatten_up_to"]

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
        n = 1 if kind is None else 0
        for c in children:
            n += c.num_leaves
        self.num_leaves = n

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


def node_children(obj: Any):
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


def flatten(tree: Any, is_leaf: Callable[[Any], bool] | None = None) -> tuple[list, TreeDef]:
    """Flatten a pytree into its leaves and structure.

    ``is_leaf(node)``, when given and true, makes ``node`` a leaf even if it is
    a container.

    Examples
    --------
    >>> leaves, td = flatten({"b": 2.0, "a": (1.0, None)})
    >>> leaves
    [1.0, 2.0]
    >>> unflatten(td, [10.0, 20.0])
    {'a': (10.0, None), 'b': 20.0}
    """
    leaves: list = []
    if is_leaf is None:
        return leaves, _flatten_into(tree, leaves)
    return leaves, _flatten_into_until(tree, leaves, is_leaf)


def _flatten_into(tree: Any, leaves: list) -> TreeDef:
    t = type(tree)
    if t is tuple or t is list:  # the common containers, without node_children's lookups
        return TreeDef(t, None, tuple([_flatten_into(c, leaves) for c in tree]))
    node = node_children(tree)
    if node is None:
        leaves.append(tree)
        return _LEAF
    kind, aux, children = node
    return TreeDef(kind, aux, tuple(_flatten_into(c, leaves) for c in children))


def _flatten_into_until(tree: Any, leaves: list, is_leaf: Callable[[Any], bool]) -> TreeDef:
    node = None if is_leaf(tree) else node_children(tree)
    if node is None:
        leaves.append(tree)
        return _LEAF
    kind, aux, children = node
    return TreeDef(kind, aux, tuple(_flatten_into_until(c, leaves, is_leaf) for c in children))


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


def tree_map(fn: Callable, tree: Any, *rest: Any,
             is_leaf: Callable[[Any], bool] | None = None) -> Any:
    """Apply ``fn`` leaf-wise to one or more pytrees of the same structure.

    Parameters
    ----------
    fn : callable
        Called as ``fn(leaf, *leaves_of_rest)`` for each leaf of ``tree``.
    tree : pytree
        Gives the structure of the result.
    *rest : pytrees
        Of ``tree``'s structure; each leaf position of ``tree`` may hold a
        whole subtree in ``rest`` (``tree``'s structure is then a prefix of it),
        which ``fn`` receives as it is.
    is_leaf : callable, optional
        A predicate making nodes of ``tree`` leaves (see :func:`flatten`).

    Raises
    ------
    ValueError
        When a tree of ``rest`` does not have ``tree``'s structure; the message
        shows both structures.

    Examples
    --------
    >>> tree_map(lambda a, b: a + b, (1.0, [2.0]), (10.0, [20.0]))
    (11.0, [22.0])
    >>> tree_map(len, [(1, 2), (3,)], is_leaf=lambda n: isinstance(n, tuple))
    [2, 1]
    """
    lv, td = flatten(tree, is_leaf)
    others = [flatten_up_to(td, r) for r in rest]
    return unflatten(td, [fn(*xs) for xs in zip(lv, *others)])


def flatten_up_to(treedef: TreeDef, tree: Any) -> list:
    """The subtrees of ``tree`` at the leaf positions of ``treedef`` (a prefix of its structure).

    Raises ``ValueError`` showing both structures when ``treedef`` is not a prefix
    of ``tree``'s structure.

    Examples
    --------
    >>> flatten_up_to(flatten((1.0, 2.0))[1], ([1, 2], {"a": 3}))
    [[1, 2], {'a': 3}]
    """
    out: list = []
    if not _up_to(treedef, tree, out):
        raise ValueError(f"pytree structures differ: {treedef!r} and {flatten(tree)[1]!r}")
    return out


def _up_to(td: TreeDef, tree: Any, out: list) -> bool:
    if td.kind is None:
        out.append(tree)
        return True
    node = node_children(tree)
    if node is None:
        return False
    kind, aux, children = node
    if kind is not td.kind or aux != td.aux or len(children) != len(td.children):
        return False
    return all(_up_to(c, sub, out) for c, sub in zip(td.children, children))


def tree_leaves(tree: Any, is_leaf: Callable[[Any], bool] | None = None) -> list:
    """The leaves of a pytree, in flattening order (``None`` has none).

    Examples
    --------
    >>> tree_leaves({"a": [1.0, 2.0], "b": None, "c": 3.0})
    [1.0, 2.0, 3.0]
    """
    return flatten(tree, is_leaf)[0]


def tree_structure(tree: Any, is_leaf: Callable[[Any], bool] | None = None) -> TreeDef:
    """The structure of a pytree (a :class:`TreeDef`; ``*`` marks a leaf).

    Examples
    --------
    >>> tree_structure({"w": [1.0, 2.0], "b": None})
    {'b': None, 'w': list(*, *)}
    """
    return flatten(tree, is_leaf)[1]


def tree_flatten(tree: Any, is_leaf: Callable[[Any], bool] | None = None
                 ) -> tuple[list, TreeDef]:
    """``(leaves, treedef)`` of a pytree; :func:`tree_unflatten` inverts it.

    Examples
    --------
    >>> leaves, treedef = tree_flatten([1.0, (2.0, 3.0)])
    >>> leaves, treedef.num_leaves
    ([1.0, 2.0, 3.0], 3)
    """
    return flatten(tree, is_leaf)


def tree_unflatten(treedef: TreeDef, leaves: Iterable) -> Any:
    """Rebuild the pytree of structure ``treedef`` from its leaves.

    Raises ``ValueError`` when the number of leaves is not ``treedef.num_leaves``.

    Examples
    --------
    >>> leaves, treedef = tree_flatten([1.0, (2.0, 3.0)])
    >>> tree_unflatten(treedef, [x * 10 for x in leaves])
    [10.0, (20.0, 30.0)]
    """
    leaves = list(leaves)
    if len(leaves) != treedef.num_leaves:
        raise ValueError(f"tree_unflatten: the structure {treedef!r} has {treedef.num_leaves} "
                         f"leaves, but {len(leaves)} were given")
    return unflatten(treedef, leaves)


_NO_INITIALIZER = object()


def tree_reduce(fn: Callable[[Any, Any], Any], tree: Any, initializer: Any = _NO_INITIALIZER,
                is_leaf: Callable[[Any], bool] | None = None) -> Any:
    """Fold the leaves of a pytree with ``fn(accumulated, leaf)``, as ``functools.reduce``.

    Examples
    --------
    >>> import operator
    >>> tree_reduce(operator.add, {"a": 1.0, "b": (2.0, 3.0)})
    6.0
    >>> tree_reduce(max, [], initializer=0.0)
    0.0
    """
    lv = flatten(tree, is_leaf)[0]
    if initializer is _NO_INITIALIZER:
        if not lv:
            raise TypeError("tree_reduce of a pytree without leaves needs an initializer")
        return functools.reduce(fn, lv)
    return functools.reduce(fn, lv, initializer)
