"""Program simplification passes, run on every staged linear program.

Each pass rewrites a :class:`~linad.ir.LinearProgram` into one that computes
the same linear map with less work, and keeps it readable (the printed program
still reads as the math).

``fuse_sum_into_einsum``
    ``sum(einsum(spec, a, b), axes)`` becomes one einsum whose output drops the
    summed indices.  The contraction then sums each operand over indices that
    only it carries *before* multiplying: ``sum(T @ B)`` costs a row-sum of
    ``B`` and a dot product instead of a full matrix product.
``squeeze_kept_dims``
    ``reshape(sum(x, axes, keepdims=True))`` that only drops the kept axes is
    ``sum(x, axes)``: transposing twice then gives back the original program.
``compose_unary_einsum``
    A one-operand einsum (a trace, a diagonal, a transpose) applied to the
    result of another einsum becomes one einsum: ``trace(T @ C)`` is
    ``einsum('ij,ji->', T, C)``, an O(n²) contraction instead of a product.
``negate_after_einsum``
    ``einsum(neg(x), c)`` whose result is smaller than ``x`` becomes
    ``neg(einsum(x, c))``: ``trace(-(Y dA Y) C)`` negates a scalar (and its
    transpose a scalar cotangent) instead of a matrix.
``fold_transpose_into_einsum``
    A ``transpose`` of an einsum's result is that einsum with its output
    subscripts permuted: ``(c @ X.T).T`` is ``einsum('jk,ik->ji', X, c)``;
    and an einsum of a transposed (single-use) operand reads the operand with
    its subscripts permuted (part of ``compose_unary_einsum``'s fold rule).
``share_einsums``
    An einsum that contracts the same operands as an earlier one, up to the
    order of the output axes, becomes a ``transpose`` of the earlier result:
    the tangent of ``X @ X.T``, ``dX @ X.T + X @ dX.T``, is ``c + transpose(c)``
    with one product, and its transpose ``(g + g.T) @ X`` one product too.
    Operands are compared as the arrays they read: a residual ``X.T`` (a
    transposed view) is ``X`` with its subscripts swapped, and a variable
    produced by ``transpose`` is its source.

Constant folding is not a pass on staged programs: it runs when a program is
compiled for repeated application (:mod:`linad.optimize.fold`).
"""
from __future__ import annotations

import functools
import math
import string

import numpy as np

from . import enabled
from ..core import Var
from ..ir import Equation, LinearProgram, use_counts
from ..primitives.linear import einsum_p, reshape_p, sum_p, transpose_p

__all__ = ["simplify", "fuse_sum_into_einsum", "compose_unary_einsum", "squeeze_kept_dims",
           "negate_after_einsum", "fold_transpose_into_einsum", "share_einsums"]


def simplify(program: LinearProgram, uses: dict | None = None) -> LinearProgram:
    """Apply every simplification pass (in place) in one sweep; return the program.

    The folding passes fold an equation into the single-use equation that
    produces its operand, so one forward sweep with one use count serves them
    all (``uses``: the program's :func:`~linad.ir.use_counts`, when known);
    ``share_einsums`` follows in a second sweep.  With the optimisations
    switched off (:func:`linad.optimize.set_enabled`) the program is returned as it is.
    """
    if not enabled():
        return program
    return share_einsums(_fold_into_producers(program, _FOLDS, uses))


def _only(fold) -> dict:
    """The fold table restricted to one rule (to run one pass on its own)."""
    return {prim: f for prim, f in _FOLDS.items() if f is fold}


def _fold_into_producers(program: LinearProgram, folds: dict,
                         uses: dict | None = None) -> LinearProgram:
    """One sweep: fold each equation into the single-use producer of its first operand.

    A fold rule returns one equation replacing both (which may fold again into
    the producer of its own first operand), or a tuple of equations run in
    their place (at the consumer's position), or None.
    """
    if not any(e.prim in folds for e in program.eqns):
        return program
    if uses is None:
        uses = use_counts(program)
    new_eqns: list = []
    produced_at: dict[Var, int] = {}
    changed = False
    for eqn in program.eqns:
        if eqn.prim not in folds:  # not a consumer: only a possible producer
            produced_at[eqn.out] = len(new_eqns)
            new_eqns.append(eqn)
            continue
        while True:
            fold = folds.get(eqn.prim)
            src = eqn.inputs[0] if eqn.inputs else None
            if fold is None or type(src) is not Var or uses.get(src) != 1:
                break
            k = produced_at.get(src)
            folded = None if k is None else fold(new_eqns[k], eqn)
            if folded is None:
                break
            changed = True
            # the producer's result had one use, this one: the folded equation takes the
            # consumer's place, where every input of both is defined
            new_eqns[k] = None
            if type(folded) is tuple:
                new_eqns.extend(folded[:-1])
                eqn = folded[-1]
            else:
                eqn = folded
        produced_at[eqn.out] = len(new_eqns)
        new_eqns.append(eqn)
    if changed:
        program.eqns = [e for e in new_eqns if e is not None]
        program.cache.clear()
    return program


def _fold_sum_into_einsum(prod: Equation, eqn: Equation) -> Equation | None:
    einsum_p = prod.prim
    if einsum_p.name != "einsum" or eqn.params["keepdims"]:
        return None
    ins, out = prod.params["spec"].split("->")
    kept = "".join(c for i, c in enumerate(out) if i not in eqn.params["axes"])
    return Equation(einsum_p, prod.inputs, {"spec": f"{ins}->{kept}"}, eqn.out)


def _fold_unary_einsum(prod: Equation, eqn: Equation) -> Equation | None:
    if prod.prim.name == "transpose":
        return _absorb_transpose(prod, eqn)
    if prod.prim.name == "neg":
        return _negate_after(prod, eqn)
    if prod.prim is not eqn.prim or len(eqn.inputs) != 1:
        return None
    spec = _compose_specs(prod.params["spec"], eqn.params["spec"])
    return None if spec is None else Equation(eqn.prim, prod.inputs, {"spec": spec}, eqn.out)


def _negate_after(prod: Equation, eqn: Equation) -> tuple | None:
    """``einsum(spec, neg(x), ...)`` as ``neg(einsum(spec, x, ...))`` when the result is
    smaller than ``x`` (``trace(-(Y dA Y) C)`` negates a scalar, not a matrix)."""
    if _size(eqn.out.shape) >= _size(prod.out.shape):
        return None
    inner = Var(eqn.out.shape, eqn.out.dtype)
    return (Equation(eqn.prim, [prod.inputs[0]] + list(eqn.inputs[1:]), eqn.params, inner),
            Equation(prod.prim, [inner], {}, eqn.out))


def _size(shape: tuple) -> int:
    n = 1
    for d in shape:
        n *= d
    return n


def _absorb_transpose(prod: Equation, eqn: Equation) -> Equation:
    """``einsum(spec, transpose(x), ...)`` reads ``x`` with its subscripts permuted."""
    ins, out = eqn.params["spec"].split("->")
    subs = ins.split(",")
    axes = prod.params["axes"]
    subs[0] = "".join(subs[0][axes.index(k)] for k in range(len(axes)))
    inputs = [prod.inputs[0]] + list(eqn.inputs[1:])
    return Equation(eqn.prim, inputs, {"spec": ",".join(subs) + "->" + out}, eqn.out)


def _fold_transpose_into_einsum(prod: Equation, eqn: Equation) -> Equation | None:
    if prod.prim.name != "einsum":
        return None
    ins, out = prod.params["spec"].split("->")
    out = "".join(out[a] for a in eqn.params["axes"])
    return Equation(prod.prim, prod.inputs, {"spec": f"{ins}->{out}"}, eqn.out)


def _fold_squeeze_kept_dims(prod: Equation, eqn: Equation) -> Equation | None:
    if prod.prim.name != "sum" or not prod.params["keepdims"]:
        return None
    axes = prod.params["axes"]
    squeezed = tuple(n for i, n in enumerate(prod.out.shape) if i not in axes)
    if squeezed != tuple(eqn.params["shape"]):
        return None
    return Equation(prod.prim, prod.inputs, {"axes": axes, "keepdims": False}, eqn.out)


def fuse_sum_into_einsum(program: LinearProgram) -> LinearProgram:
    """Fold a ``sum`` (without keepdims) into the ``einsum`` that feeds only it."""
    return _fold_into_producers(program, _only(_fold_sum_into_einsum))


def _compose_specs(inner: str, outer: str) -> str | None:
    """The spec of ``einsum(outer, einsum(inner, *ops))`` as one einsum over ``ops``."""
    ins, out = inner.split("->")
    o_in, o_out = outer.split("->")
    if "," in o_in or len(o_in) != len(out):
        return None
    # letters of the inner spec that are not outputs must not clash with the outer letters
    taken = set(o_in) | set(o_out)
    fresh = iter(c for c in string.ascii_letters if c not in taken and c not in inner)
    rename = {}
    for pos, c in enumerate(out):
        rename[c] = o_in[pos]  # an output index takes the outer letter at its position
    for c in ins.replace(",", ""):
        if c not in rename:
            try:
                rename[c] = next(fresh)
            except StopIteration:  # pragma: no cover - more than 52 indices
                return None
    new_ins = ",".join("".join(rename[c] for c in sub) for sub in ins.split(","))
    return f"{new_ins}->{o_out}"


def compose_unary_einsum(program: LinearProgram) -> LinearProgram:
    """Fold a one-operand einsum into the einsum that feeds only it."""
    return _fold_into_producers(program, _only(_fold_unary_einsum))


def negate_after_einsum(program: LinearProgram) -> LinearProgram:
    """Move a ``neg`` feeding only an einsum after it when the einsum's result is smaller."""
    return _fold_into_producers(program, {einsum_p: _only_negation})


def _only_negation(prod: Equation, eqn: Equation):
    return _negate_after(prod, eqn) if prod.prim.name == "neg" else None


def fold_transpose_into_einsum(program: LinearProgram) -> LinearProgram:
    """Fold a ``transpose`` into the ``einsum`` that feeds only it (permuting its output)."""
    return _fold_into_producers(program, _only(_fold_transpose_into_einsum))


def squeeze_kept_dims(program: LinearProgram) -> LinearProgram:
    """Fold a reshape that drops the kept axes of a ``sum(keepdims=True)`` into the sum."""
    return _fold_into_producers(program, _only(_fold_squeeze_kept_dims))


# ---------------------------------------------------------------------- share_einsums

def share_einsums(program: LinearProgram) -> LinearProgram:
    """Replace an einsum that repeats an earlier one (up to output order) by a transpose.

    Two contractions of the same operands (compared as the memory they read,
    see :func:`_operand_key`) with the same subscripts up to renaming compute
    the same tensor up to a permutation of its axes; the later one becomes
    ``transpose`` of the earlier (or is replaced by it when the order agrees).

    Examples
    --------
    >>> import numpy as np, linad
    >>> X = np.ones((64, 64))  # at least SHARE_MIN_SIZE elements
    >>> _, f_lin = linad.linearize(lambda X: X @ X.T, X)
    >>> [e.prim.name for e in f_lin.program.eqns]  # dX X^T + (dX X^T)^T
    ['einsum', 'transpose', 'add']
    """
    if not _constants_repeat(program.eqns):
        return program
    transposed = {}  # var -> (source var, axes) of transpose equations
    first = {}  # contraction key -> (result var, its output subscripts)
    unkeyed = {}  # coarse key -> the einsum with that coarse key whose key is not computed
    renamed = {}  # var -> the var that replaces it
    new_eqns = []
    changed = False
    for eqn in program.eqns:
        if renamed:
            eqn = _substitute(eqn, renamed)
        if eqn.prim is transpose_p and type(eqn.inputs[0]) is Var:
            transposed[eqn.out] = (eqn.inputs[0], eqn.params["axes"])
        elif eqn.prim is einsum_p and len(eqn.inputs) > 1 and _worth_sharing(eqn):
            coarse = _coarse_key(eqn, transposed)
            if coarse not in unkeyed and coarse not in first:
                unkeyed[coarse] = eqn  # keys are computed only when a coarse key repeats
                new_eqns.append(eqn)
                continue
            if coarse in unkeyed:
                _record_key(unkeyed.pop(coarse), transposed, first)
                first[coarse] = None  # later einsums with this coarse key are keyed at once
            key = _contraction_key(eqn, transposed)
            if key is not None:
                key, out = key
                earlier = first.setdefault(key, (eqn.out, out))
                if earlier[0] is not eqn.out:
                    changed = True
                    src, src_out = earlier
                    axes = tuple(src_out.index(c) for c in out)
                    if axes == tuple(range(len(axes))):
                        renamed[eqn.out] = src
                        continue
                    eqn = Equation(transpose_p, [src], {"axes": axes}, eqn.out)
        new_eqns.append(eqn)
    if not changed:
        return program
    program.eqns = new_eqns
    program.outs = [renamed.get(o, o) if type(o) is Var else o for o in program.outs]
    return program.dce()


def _record_key(eqn: Equation, transposed: dict, first: dict) -> None:
    key = _contraction_key(eqn, transposed)
    if key is not None:
        first.setdefault(key[0], (eqn.out, key[1]))


#: Einsums whose operands and result all have fewer elements than this are not shared:
#: the pass would cost more than the contraction it saves.
SHARE_MIN_SIZE = 4096


def _worth_sharing(eqn: Equation) -> bool:
    """Whether an einsum is large enough for :func:`share_einsums` (see SHARE_MIN_SIZE)."""
    if math.prod(eqn.out.shape) >= SHARE_MIN_SIZE:
        return True
    for x in eqn.inputs:
        if math.prod(getattr(x, "shape", ())) >= SHARE_MIN_SIZE:
            return True
    return False


def _constants_repeat(eqns: list) -> bool:
    """Whether two einsums worth sharing have the same :func:`_coarse_key` (a quick first
    scan)."""
    seen = set()
    for eqn in eqns:
        if eqn.prim is not einsum_p or not _worth_sharing(eqn):
            continue
        ins = eqn.inputs
        if len(ins) == 2:  # the common case, inline: the identity of the constant's memory
            x = ins[1] if type(ins[0]) is Var else ins[0]
            if type(x) is np.ndarray:
                key = id(x) if x.base is None else id(x.base)
            else:
                key = 0 if type(x) is not Var else None
        elif len(ins) > 2:
            key = _coarse_key(eqn)
        else:
            continue
        if key in seen:
            return True
        seen.add(key)
    return False


def _coarse_key(eqn: Equation, transposed: dict | None = None) -> tuple:
    """Equal for any two einsums with equal :func:`_contraction_key` (cheap to compute):
    the number of operands and of output axes, the identities of the constant arrays
    they read and, given ``transposed`` (see :func:`share_einsums`), of the variables
    they read (a transposed variable counts as its source)."""
    ids = []
    for x in eqn.inputs:
        if type(x) is np.ndarray:
            base = x.base
            ids.append(id(x) if base is None else id(base))
        elif type(x) is not Var:
            ids.append(0)
        elif transposed is not None:
            src = transposed.get(x)
            ids.append(id(x) if src is None else id(src[0]))
    ids.sort()
    spec = eqn.params["spec"]
    return (len(eqn.inputs), len(spec) - spec.index(">")) + tuple(ids)


def _substitute(eqn: Equation, renamed: dict) -> Equation:
    if not any(type(v) is Var and v in renamed for v in eqn.inputs):
        return eqn
    inputs = [renamed.get(v, v) if type(v) is Var else v for v in eqn.inputs]
    return Equation(eqn.prim, inputs, eqn.params, eqn.out)


def _contraction_key(eqn: Equation, transposed: dict) -> tuple | None:
    """A key equal for contractions equal up to output order, and the output subscripts.

    Operands are sorted by their :func:`_operand_key`; the subscripts are then
    renamed in order of appearance (:func:`_canonical_subscripts`).
    """
    ins, out = eqn.params["spec"].split("->")
    ops = []
    for x, sub in zip(eqn.inputs, ins.split(",")):
        if type(x) is Var:
            src = transposed.get(x)
            if src is not None:  # x = transpose(v, axes): v's axis axes[i] is x's axis i
                x, axes = src
                sub = "".join(sub[axes.index(k)] for k in range(len(axes)))
            ops.append(((0, id(x)), sub))
        else:
            ops.append(_operand_key(x, sub))
    ops.sort(key=_first)
    canon = _canonical_subscripts(tuple(sub for _, sub in ops), out)
    if canon is None:
        return None
    subs, new_out = canon
    return (tuple(k for k, _ in ops), subs, frozenset(new_out)), new_out


def _first(pair: tuple):
    return pair[0]


@functools.lru_cache(maxsize=1024)
def _canonical_subscripts(subs: tuple, out: str) -> tuple | None:
    """Subscripts and output with letters renamed in order of appearance (None if the
    output repeats a letter)."""
    if len(set(out)) != len(out):
        return None
    letters: dict = {}
    for sub in subs:
        for c in sub:
            letters.setdefault(c, string.ascii_letters[len(letters)])
    return (tuple("".join(letters[c] for c in sub) for sub in subs),
            "".join(letters[c] for c in out))


def _operand_key(x, sub: str) -> tuple:
    """``(key, subscripts)`` naming a constant operand by the memory it reads.

    An array that reads all of its base's memory as a dense block, with its
    axes in any order (``X``, ``X.T``, ``X.reshape(...)`` of a fresh array), is
    keyed by the base, its dtype and its shape in decreasing-stride order, with
    the subscripts permuted alike: ``X`` and the view ``X.T`` are one operand
    read with swapped subscripts.  Other constants are keyed by identity
    (arrays, tracers) or value (scalars).
    """
    if type(x) is np.ndarray:
        base = x if x.base is None else x.base  # NumPy points views at the owner of the memory
        if x.ndim > 1 and type(base) is np.ndarray and base.nbytes == x.nbytes:
            order = _dense_axis_order(x)
            if order is not None and (base is x or _dense_axis_order(base) is not None):
                shape = tuple(x.shape[i] for i in order)
                return (1, id(base), x.dtype, shape), "".join(sub[i] for i in order)
        return (2, id(x)), sub
    if isinstance(x, (int, float, complex, np.generic)):
        return (3, repr(x)), sub
    return (2, id(x)), sub


def _dense_axis_order(x: np.ndarray) -> list | None:
    """The axes of ``x`` by decreasing stride if it is a dense block of memory, else None."""
    strides, shape = x.strides, x.shape
    order = sorted(range(x.ndim), key=lambda i: -strides[i])
    step = x.itemsize
    for i in reversed(order):
        if strides[i] != step or shape[i] < 2:
            return None
        step *= shape[i]
    return order


#: Consumer primitive -> its fold rule.
_FOLDS = {sum_p: _fold_sum_into_einsum, einsum_p: _fold_unary_einsum,
          reshape_p: _fold_squeeze_kept_dims, transpose_p: _fold_transpose_into_einsum}
