"""``linad.vmap`` of the linear-algebra primitives, of custom_jvp / custom_vjp functions and of
``linear_solve`` / ``root``: every result equals a Python loop over the batch (``np.stack``),
for ``vmap``, ``vmap(grad(f))`` and ``grad(vmap(f))``."""
import numpy as np
import pytest

import linad
import linad.numpy.linalg as lnl
import linad.scipy.linalg as lsl
from linad.primitives import linalg as LA
from linad.primitives.elementwise import on_values

B = 3
rng = np.random.default_rng(11)


# ============================================================================ inputs

def general(shape):
    n = shape[-1]
    return rng.standard_normal(shape) + (n + 1) * np.eye(*shape[-2:])


def spd(n):
    m = rng.standard_normal((n, n))
    return m @ m.T + n * np.eye(n)


def symmetric(n):
    m = rng.standard_normal((n, n))
    return m + m.T


def real_spectrum(n):
    """A nonsymmetric matrix with distinct real eigenvalues."""
    s = general((n, n))
    return s @ np.diag(np.arange(1.0, n + 1) + rng.uniform(0, 0.3, n)) @ np.linalg.inv(s)


def lower(n):
    return np.tril(general((n, n)))


def small(n):
    return 0.3 * rng.standard_normal((n, n))


#: name -> (function of the operands, one element's operand makers, differentiated operands)
CASES = {
    "inv": (LA.inv, [lambda: general((3, 3))], (0,)),
    "det": (LA.det, [lambda: general((3, 3))], (0,)),
    "slogdet": (LA.slogdet, [lambda: general((3, 3))], (0,)),
    "cholesky": (LA.cholesky, [lambda: spd(3)], (0,)),
    "cholesky_upper": (lambda a: LA.cholesky(a, upper=True), [lambda: spd(3)], (0,)),
    "lu_factor": (LA.lu_factor, [lambda: general((3, 3))], (0,)),
    "qr": (LA.qr, [lambda: general((4, 3))], (0,)),
    "qr_complete": (lambda a: LA.qr(a, complete=True), [lambda: general((4, 3))], (0,)),
    "eigh": (LA.eigh, [lambda: symmetric(3)], (0,)),
    "eig": (LA.eig, [lambda: real_spectrum(3)], (0,)),
    "svd": (LA.svd, [lambda: general((4, 3))], (0,)),
    "pinv": (LA.pinv, [lambda: general((4, 3)), lambda: np.array(1e-10)], (0,)),
    "pinv_stack": (LA.pinv, [lambda: general((2, 4, 3)), lambda: np.array(1e-10)], (0,)),
    "matfunc": (lambda a: LA.matfunc(a, "expm"), [lambda: small(3)], (0,)),
    "adjugate": (LA.adjugate, [lambda: general((3, 3))], (0,)),
    "polar": (LA.polar, [lambda: general((4, 3))], (0,)),
    "schur": (LA.schur, [lambda: real_spectrum(3)], (0,)),
    "triangular_solve": (lambda a, b: LA.triangular_solve(a, b, lower=True),
                         [lambda: lower(3), lambda: rng.standard_normal((3, 2))], (0, 1)),
    "solve": (LA.solve, [lambda: general((3, 3)), lambda: rng.standard_normal((3, 2))], (0, 1)),
    "solve_trans": (lambda a, b: LA.solve(a, b, trans=1),
                    [lambda: general((3, 3)), lambda: rng.standard_normal((3, 2))], (0, 1)),
    "sylvester": (LA.sylvester, [lambda: general((3, 3)), lambda: general((2, 2)),
                                 lambda: rng.standard_normal((3, 2))], (0, 1, 2)),
    "frechet": (lambda a, e: LA.frechet(a, e, "expm"),
                [lambda: small(3), lambda: small(3)], (0, 1)),
}


def batches(makers, dtype=np.float64):
    """A batch of ``B`` operands per maker, batch axis first."""
    return [np.stack([m() for _ in range(B)]).astype(dtype) for m in makers]


def as_list(out):
    return list(out) if isinstance(out, (list, tuple)) else [out]


def loop(fn, args, axes):
    """``fn`` on each element (operands with axis ``None`` passed whole), results stacked."""
    n = next(np.shape(a)[ax] for a, ax in zip(args, axes) if ax is not None)
    outs = [as_list(fn(*[a if ax is None else np.take(a, i, axis=ax) for a, ax in
                         zip(args, axes)])) for i in range(n)]
    return [np.stack(col) for col in zip(*outs)]


def assert_same(got, want, rtol=1e-7, atol=1e-9):
    got = as_list(got)
    assert len(got) == len(want)
    for g, w in zip(got, want):
        assert np.asarray(g).dtype == w.dtype
        np.testing.assert_allclose(g, w, rtol=rtol, atol=atol)


def moved(args, axes):
    """The operands (batch first) with their batch axis moved to ``axes``."""
    return [a[0] if ax is None else np.moveaxis(a, 0, ax) for a, ax in zip(args, axes)]


def axis_one(args):
    """Axis 1 for operands with an axis there, else 0."""
    return tuple(1 if a.ndim > 1 else 0 for a in args)


# ============================================================================ primitives

@pytest.mark.parametrize("name", CASES)
def test_vmap_equals_loop(name):
    fn, makers, _ = CASES[name]
    args = batches(makers)
    for axes in [(0,) * len(args), axis_one(args)]:
        xs = moved(args, axes)
        assert_same(linad.vmap(fn, in_axes=axes)(*xs), loop(fn, xs, axes))


@pytest.mark.parametrize("name", [n for n in CASES if len(CASES[n][1]) > 1])
@pytest.mark.parametrize("unmapped", [0, -1])
def test_vmap_with_an_unmapped_operand(name, unmapped):
    fn, makers, _ = CASES[name]
    args = batches(makers)
    axes = [0] * len(args)
    axes[unmapped] = None
    xs = moved(args, axes)
    assert_same(linad.vmap(fn, in_axes=tuple(axes))(*xs), loop(fn, xs, axes))


@pytest.mark.parametrize("name", CASES)
def test_vmap_keeps_float32(name):
    fn, makers, _ = CASES[name]
    args = batches(makers, np.float32)
    axes = (0,) * len(args)
    assert_same(linad.vmap(fn)(*args), loop(fn, args, axes), rtol=2e-4, atol=2e-5)


def scalar_of(fn, weights):
    """``sum(out_k * w_k)`` over the inexact outputs of ``fn``: a scalar function."""
    def f(*xs):
        total = 0.0
        for o, w in zip(as_list(fn(*xs)), weights):
            if w is not None:
                total = total + (linad.numpy.real(o) * w).sum()
        return total
    return f


def weights_for(fn, args):
    outs = as_list(fn(*[a[0] for a in args]))
    return [rng.standard_normal(np.shape(o)) if np.issubdtype(np.asarray(o).dtype, np.inexact)
            else None for o in outs]


@pytest.mark.parametrize("name", CASES)
def test_vmap_of_grad_and_grad_of_vmap_equal_loops(name):
    fn, makers, diff = CASES[name]
    args = batches(makers)
    f = scalar_of(fn, weights_for(fn, args))
    axes = (0,) * len(args)
    want = loop(linad.grad(f, argnums=diff), args, axes)
    assert_same(linad.vmap(linad.grad(f, argnums=diff))(*args), want, rtol=1e-6)
    got = linad.grad(lambda *xs: linad.vmap(f)(*xs).sum(), argnums=diff)(*args)
    assert_same(got, want, rtol=1e-6)
    axes = axis_one(args)
    xs = moved(args, axes)
    want = loop(linad.grad(f, argnums=diff), xs, axes)
    assert_same(linad.vmap(linad.grad(f, argnums=diff), in_axes=axes)(*xs), want, rtol=1e-6)
    got = linad.grad(lambda *a: linad.vmap(f, in_axes=axes)(*a).sum(), argnums=diff)(*xs)
    assert_same(got, [np.moveaxis(w, 0, axes[i]) for w, i in zip(want, diff)], rtol=1e-6)


@pytest.mark.parametrize("name", ["inv", "solve", "eigh", "svd", "cholesky"])
def test_vmap_of_grad_keeps_float32(name):
    fn, makers, diff = CASES[name]
    args = batches(makers, np.float32)
    f = scalar_of(fn, [None if w is None else w.astype(np.float32)
                       for w in weights_for(fn, args)])
    want = loop(linad.grad(f, argnums=diff), args, (0,) * len(args))
    assert_same(linad.vmap(linad.grad(f, argnums=diff))(*args), want, rtol=1e-3, atol=1e-4)


@pytest.mark.parametrize("name", ["inv", "det", "eigh", "svd", "qr", "cholesky", "solve"])
def test_vmap_of_complex_matrices(name):
    fn, makers, _ = CASES[name]
    args = [a + 0.5j * rng.standard_normal(a.shape) for a in batches(makers)]
    if name in ("eigh", "cholesky"):
        args[0] = args[0] @ np.conj(np.swapaxes(args[0], -1, -2)) + 3 * np.eye(3)
    assert_same(linad.vmap(fn)(*args), loop(fn, args, (0,) * len(args)))


def test_vmap_of_grad_with_an_unmapped_operand():
    fn, makers, _ = CASES["solve"]
    a, b = batches(makers)
    f = scalar_of(fn, weights_for(fn, [a, b]))
    want = loop(linad.grad(f, argnums=(0, 1)), [a[0], b], (None, 0))
    assert_same(linad.vmap(linad.grad(f, argnums=(0, 1)), in_axes=(None, 0))(a[0], b), want)
    got = linad.grad(lambda a, b: linad.vmap(f, in_axes=(None, 0))(a, b).sum(), (0, 1))(a[0], b)
    assert_same(got, [want[0].sum(0), want[1]])


def test_vmap_of_vmap_and_jit_of_vmap():
    a = np.stack([batches(CASES["inv"][1])[0] for _ in range(2)])
    want = np.linalg.inv(a)
    np.testing.assert_allclose(linad.vmap(linad.vmap(LA.inv))(a), want)
    np.testing.assert_allclose(linad.jit(linad.vmap(LA.inv))(a[0]), want[0])
    fn, makers, _ = CASES["solve"]
    args = batches(makers)
    assert_same(linad.jit(linad.vmap(fn))(*args), loop(fn, args, (0, 0)))


def test_eig_of_a_batch_with_complex_eigenvalues_promotes_as_the_loop():
    a = np.stack([real_spectrum(2), np.array([[0.0, -1.0], [1.0, 0.0]]), real_spectrum(2)])
    assert_same(linad.vmap(LA.eig)(a), loop(LA.eig, [a], (0,)))


# ============================================================================ stacked NumPy calls

STACKED = {
    "permutation_matrices": lambda: ([rng.permutation(3)], dict(dtype=np.float32)),
    "scipy._pinv_cutoff": lambda: ([rng.uniform(0, 1, 3)], dict(atol=0.1, rtol=0.2)),
    "scipy._row_indices": lambda: ([np.array([2, 2, 2], dtype=np.int32)], {}),
    "numpy._one_hot": lambda: ([rng.integers(0, 3, (2,))], dict(n=3)),
    "_lu_or_raise": lambda: ([general((3, 3))], dict(message="Singular matrix")),
    "_pivot_matrices": lambda: ([np.array([2, 2, 2], dtype=np.int32)],
                                dict(dtype=np.dtype(float), inverse=True)),
    "_schur_pair_arrays": lambda: ([general((3, 3)), general((2, 2))],
                                   dict(dtype=np.dtype(float))),
    "_adjugate_factors": lambda: ([general((3, 3))], dict(dtype=np.dtype(float))),
    "_schur_system_lu": lambda: ([general((3, 3)), np.triu(general((3, 3)))], {}),
}


@pytest.mark.parametrize("name", STACKED)
def test_stacked_functions_map_stacks(name):
    module, _, attr = name.rpartition(".")
    fn = getattr({"": LA, "scipy": lsl, "numpy": lnl}[module], attr)
    assert fn.stacked
    elems = [STACKED[name]() for _ in range(B)]
    params = elems[0][1]
    stack = [np.stack(col) for col in zip(*[e[0] for e in elems])]
    with linad.optimize.disabled():   # a stack's LU factor is otherwise left to NumPy's gesv
        want = [np.stack(col) for col in zip(*[as_list(fn(*e[0], **params)) for e in elems])]
        got = as_list(fn(*stack, **params))
    for g, w in zip(got, want):
        np.testing.assert_array_equal(g, w)
    calls = []

    def counting(*arrays, **kw):
        calls.append(1)
        return fn(*arrays, **kw)
    counting.stacked = True
    multiple = isinstance(fn(*elems[0][0], **params), tuple)
    with linad.optimize.disabled():
        got = linad.vmap(lambda *xs: on_values(counting, *xs, multiple=multiple, **params))(
            *stack)
    assert len(calls) == 1                    # once on the batch, not once per element
    for g, w in zip(as_list(got), want):
        np.testing.assert_array_equal(g, w)


def test_scipy_functions_with_stacked_helpers_under_vmap():
    a = batches([lambda: general((4, 3))])[0]
    pinv_rank = lambda a: lsl.pinv(a, return_rank=True)        # noqa: E731
    assert_same(linad.vmap(pinv_rank)(a), loop(pinv_rank, [a], (0,)))
    a = batches([lambda: general((3, 3))])[0]
    lu = lambda a: lsl.lu(a, p_indices=True)                    # noqa: E731
    assert_same(linad.vmap(lu)(a), loop(lu, [a], (0,)))


@pytest.mark.parametrize("marked", [True, False])
def test_a_stacked_numpy_call_runs_once_per_batch(monkeypatch, marked):
    original = LA._lu_or_raise
    shapes = []

    def counting(a, message):
        shapes.append(np.shape(a))
        return original(a, message)
    if marked:
        counting.stacked = True
    monkeypatch.setattr(LA, "_lu_or_raise", counting)
    fn, makers, _ = CASES["solve"]
    args = batches(makers)
    with linad.optimize.disabled():  # else the stack's factor is deferred: no call at all
        got = linad.vmap(fn)(*args)
    assert shapes == ([(B, 3, 3)] if marked else [(3, 3)] * B)
    assert_same(got, loop(fn, args, (0, 0)))
    want = loop(fn, args, (0, 0))
    shapes.clear()
    assert_same(linad.vmap(fn)(*args), want)
    assert shapes == []


# ============================================================================ custom_jvp

@linad.custom_jvp
def scaled_softplus(x, scale):
    return np.logaddexp(0.0, x) * scale


@scaled_softplus.defjvp
def _scaled_softplus_jvp(primals, tangents):
    (x, s), (tx, ts) = primals, tangents
    # 3x the true derivative in x: shows that the rule, not the function, is differentiated
    return scaled_softplus(x, s), 3.0 * s * tx / (1 + np.exp(-x)) + np.logaddexp(0.0, x) * ts


@linad.custom_jvp
def needs_numbers(x):
    """Written for NumPy values only (float() on each element)."""
    return np.array([float(v) ** 2 for v in np.ravel(x)]).reshape(np.shape(x))


@needs_numbers.defjvp
def _needs_numbers_jvp(primals, tangents):
    (x,), (t,) = primals, tangents
    return needs_numbers(x), 2.0 * x * t


def _three_orders(f, args, in_axes, argnums):
    """``vmap(f)``, ``vmap(grad(f))`` and ``grad(vmap(f).sum())`` against loops."""
    axes = in_axes
    xs = list(args)
    want = loop(f, xs, axes)
    assert_same(linad.vmap(f, in_axes=axes)(*xs), want)
    g = linad.grad(lambda *a: f(*a).sum(), argnums)
    want_g = loop(g, xs, axes)
    assert_same(linad.vmap(g, in_axes=axes)(*xs), want_g)
    got = linad.grad(lambda *a: linad.vmap(f, in_axes=axes)(*a).sum(), argnums)(*xs)
    want_g = [np.moveaxis(w, 0, ax) if ax is not None else w.sum(0) for w, ax in
              zip(want_g, [axes[i] for i in (argnums if isinstance(argnums, tuple)
                                              else (argnums,))])]
    assert_same(got, want_g)


@pytest.mark.parametrize("in_axes", [(0, 0), (1, 0), (0, None), (None, 0)])
def test_custom_jvp_in_three_orders(in_axes):
    x = rng.standard_normal((B, 2))
    s = rng.uniform(1, 2, (B, 2))
    xs = moved([x, s], in_axes)
    _three_orders(scaled_softplus, xs, in_axes, (0, 1))
    g = linad.grad(lambda x, s: scaled_softplus(x, s).sum())(x[0], s[0])
    np.testing.assert_allclose(g, 3.0 * s[0] / (1 + np.exp(-x[0])))


def test_custom_jvp_of_a_numpy_only_function_is_mapped_element_by_element():
    x = rng.standard_normal((B, 2))
    _three_orders(needs_numbers, [x], (0,), 0)


def test_custom_jvp_with_nondiff_argnums_and_pytrees():
    @linad.custom_jvp(nondiff_argnums=(0,))
    def apply(fn, d):
        return fn(d["a"]) * d["b"]

    @apply.defjvp
    def _(fn, primals, tangents):
        (d,), (t,) = primals, tangents
        return apply(fn, d), 2.0 * fn(d["a"]) * t["b"]     # no derivative in a, 2x in b

    def f(d):
        return apply(np.sin, d).sum()
    d = {"a": rng.standard_normal((B, 2)), "b": rng.standard_normal((B, 2))}
    np.testing.assert_allclose(linad.vmap(lambda d: apply(np.sin, d))(d), np.sin(d["a"]) * d["b"])
    for got in [linad.vmap(linad.grad(f))(d), linad.grad(lambda d: linad.vmap(f)(d).sum())(d)]:
        np.testing.assert_allclose(got["b"], 2.0 * np.sin(d["a"]))
        np.testing.assert_allclose(got["a"], 0.0)


# ============================================================================ custom_vjp

@linad.custom_vjp
def sin_times(x, y):
    return np.sin(x) * y


def _sin_times_fwd(x, y):
    return sin_times(x, y), (np.cos(x), np.sin(x), y, "static")


def _sin_times_bwd(res, ct):
    c, s, y, tag = res
    assert tag == "static"
    return (3.0 * c * y * ct, s * ct)          # 3x in x: shows that bwd is used


sin_times.defvjp(_sin_times_fwd, _sin_times_bwd)


@pytest.mark.parametrize("in_axes", [(0, 0), (1, 0), (0, None), (None, 0)])
def test_custom_vjp_in_three_orders(in_axes):
    x = rng.standard_normal((B, 2))
    y = rng.standard_normal((B, 2))
    xs = moved([x, y], in_axes)
    _three_orders(sin_times, xs, in_axes, (0, 1))
    g = linad.grad(lambda x, y: sin_times(x, y).sum())(x[0], y[0])
    np.testing.assert_allclose(g, 3.0 * np.cos(x[0]) * y[0])


def test_custom_vjp_with_a_zero_cotangent_and_jacrev():
    @linad.custom_vjp
    def f(x, y):
        return x * y

    f.defvjp(lambda x, y: (f(x, y), y), lambda y, ct: (y * ct, None))
    x, y = rng.standard_normal((B, 2)), rng.standard_normal((B, 2))
    got = linad.grad(lambda x, y: linad.vmap(f)(x, y).sum(), (0, 1))(x, y)
    np.testing.assert_allclose(got[0], y)
    np.testing.assert_allclose(got[1], 0.0)
    jac = linad.jacrev(linad.vmap(f))(x, y)
    want = np.zeros((B, 2, B, 2))
    for i in range(B):
        want[i, :, i, :] = np.diag(y[i])
    np.testing.assert_allclose(jac, want)


def test_custom_vjp_forward_mode_under_vmap_is_refused():
    x = rng.standard_normal((B, 2))
    y = np.ones(2)
    with pytest.raises(TypeError, match="forward-mode"):
        linad.vmap(lambda t: linad.jvp(lambda x: sin_times(x, y), (x[0],), (t,))[1])(x)
    with pytest.raises(TypeError, match="forward-mode"):
        linad.jvp(linad.vmap(lambda x: sin_times(x, y)), (x,), (x,))


# ============================================================================ implicit

A = np.array([[3.0, 1.0], [0.5, 2.0]])


def solved(theta, b):
    return linad.linear_solve(lambda v: A @ v + theta * v, b)


def cube_root(a):
    return linad.root(lambda x, a: x ** 3 - a, np.ones(2), (a,))


@pytest.mark.parametrize("in_axes", [(0, 0), (None, 0), (0, None)])
def test_linear_solve_in_three_orders(in_axes):
    theta = rng.uniform(0.5, 2, (B, 2))
    b = rng.standard_normal((B, 2))
    _three_orders(solved, moved([theta, b], in_axes), in_axes, (0, 1))


def test_root_in_three_orders():
    a = rng.uniform(1, 30, (B, 2))
    np.testing.assert_allclose(linad.vmap(cube_root)(a), np.cbrt(a))
    _three_orders(cube_root, [a], (0,), 0)
    np.testing.assert_allclose(linad.vmap(linad.grad(lambda a: cube_root(a).sum()))(a),
                               a ** (-2 / 3) / 3)
    np.testing.assert_allclose(linad.jit(linad.vmap(cube_root))(a), np.cbrt(a))


def test_dtype_from_values_under_vmap_and_jit():
    rotation = np.array([[0.0, -1.0], [1.0, 0.0]])       # complex eigenvalues
    a = np.stack([real_spectrum(2), rotation])
    log_a = np.stack([real_spectrum(2), np.diag([-1.0, 2.0])])  # the second's log is complex
    logm = lambda a: LA.matfunc(a, "logm")           # noqa: E731
    assert_same(linad.vmap(logm)(log_a), loop(logm, [log_a], (0,)))
    with pytest.raises(linad.ConcretizationError, match="eig of a real matrix under linad.jit"):
        linad.jit(linad.vmap(LA.eig))(a)
    assert_same(linad.vmap(linad.jit(LA.eig))(a), loop(LA.eig, [a], (0,)))  # jit inlined
    assert_same(linad.jit(linad.vmap(logm))(log_a[:1]), loop(logm, [log_a[:1]], (0,)))
    with pytest.raises(ValueError, match="complex"):
        linad.jit(linad.vmap(logm))(log_a)


def test_a_stack_of_lu_factors_is_deferred_to_batched_solves():
    a = np.stack([general((4, 4)) for _ in range(5)])
    b = rng.standard_normal((5, 4, 2))
    deferred = LA.LUFactor.of(a)
    assert deferred.deferred
    with linad.optimize.disabled():
        factored = LA.LUFactor.of(a)
    assert not factored.deferred
    for trans in (0, 1):
        np.testing.assert_allclose(deferred.solve(b, trans), factored.solve(b, trans), rtol=1e-12)
    np.testing.assert_allclose(deferred.inverse(), factored.inverse(), rtol=1e-12)
    for x, y in zip(deferred.slogdet(), factored.slogdet()):
        np.testing.assert_allclose(x, y, rtol=1e-12)
    with pytest.raises(np.linalg.LinAlgError, match="Singular matrix"):
        LA.LUFactor.of(np.zeros((2, 3, 3))).solve(np.ones((2, 3, 1)), 0)


@pytest.mark.parametrize("count, n", [(300, 3), (2, 6)])
@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.complex128])
def test_stacks_of_triangular_solves_match_one_solve_per_matrix(count, n, dtype, monkeypatch):
    """Substitution over the whole stack (when it pays) or batched gesv, against SciPy per
    matrix (optimisations off), for every triangle, trans and unit diagonal."""
    calls = []
    substitute = LA._substitute
    monkeypatch.setattr(LA, "_substitute", lambda *a: calls.append(1) or substitute(*a))
    a = rng.standard_normal((count, n, n)) + 3 * n * np.eye(n)
    b = rng.standard_normal((count, n, 2))
    if dtype is np.complex128:
        a, b = a + 1j * rng.standard_normal(a.shape), b - 2j * rng.standard_normal(b.shape)
    a, b = a.astype(dtype), b.astype(dtype)
    tol = 1e-4 if dtype is np.float32 else 1e-12
    for lower in (True, False):
        for trans in (0, 1, 2):
            for unit in (False, True):
                args = dict(lower=lower, trans=trans, unit_diagonal=unit)
                x = LA.triangular_solve(a, b, **args)
                with linad.optimize.disabled():
                    expected = LA.triangular_solve(a, b, **args)
                assert x.dtype == expected.dtype == dtype
                np.testing.assert_allclose(x, expected, rtol=tol, atol=tol)
    assert len(calls) == (12 if LA._substitution_pays(count, n) else 0)
    assert LA._substitution_pays(300, 3) and not LA._substitution_pays(2, 6)


def test_a_stack_with_a_singular_triangle_raises():
    a = np.tril(np.ones((300, 3, 3)))
    a[7, 1, 1] = 0.0
    with pytest.raises(np.linalg.LinAlgError):
        LA.triangular_solve(a, np.ones((300, 3, 1)), lower=True)
    np.testing.assert_allclose(  # a unit diagonal is not read
        LA.triangular_solve(a, np.ones((300, 3, 1)), lower=True, unit_diagonal=True)[7, :, 0],
        [1.0, 0.0, 0.0])
