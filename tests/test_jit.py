"""linad.jit and linad.make_program: caching, signatures, static arguments, errors,
composition with the other transformations, thread safety, and program prints."""
import contextlib
import threading

import numpy as np
import pytest

import linad
import linad.numpy as lnp
from linad import ConcretizationError
from linad.staging import ProgramTrace

rng = np.random.default_rng(0)
X = rng.standard_normal((4, 3))
V = rng.standard_normal((4, 3))


def f_seed(X):
    return np.sum(np.tanh(X.T @ X))


def close(a, b):
    for x, y in zip(linad.tree_leaves(a), linad.tree_leaves(b)):
        np.testing.assert_allclose(np.asarray(x), np.asarray(y), rtol=1e-12, atol=1e-12)


class CountStaging:
    """Counts primitives recorded by any ProgramTrace (staging work) while active."""

    def __enter__(self):
        self.count = 0
        self._orig = ProgramTrace.process_primitive
        outer = self

        def counting(trace, prim, args, params):
            outer.count += 1
            return outer._orig(trace, prim, args, params)
        ProgramTrace.process_primitive = counting
        return self

    def __exit__(self, *exc):
        ProgramTrace.process_primitive = self._orig


# ----------------------------------------------------------------------------- caching

def test_second_call_runs_no_tracing_code():
    g = linad.jit(linad.grad(f_seed))
    g(X)
    with CountStaging() as c:
        out = g(X * 0.5)
    assert c.count == 0
    close(out, linad.grad(f_seed)(X * 0.5))
    assert g.cache_info() == linad.jit(f_seed).cache_info()._replace(hits=1, misses=1, currsize=1)


def test_retrace_on_new_shape_or_dtype_only():
    calls = []

    def f(x):
        calls.append(x.shape)
        return x * 2.0

    jf = linad.jit(f)
    jf(np.ones(3))
    jf(np.zeros(3))
    assert len(calls) == 1
    jf(np.ones(4))
    out32 = jf(np.ones(4, np.float32))
    assert len(calls) == 3 and jf.cache_info().currsize == 3
    assert out32.dtype == np.float32
    jf.cache_clear()
    jf(np.ones(3))
    assert len(calls) == 4 and jf.cache_info().currsize == 1


def test_side_effects_only_while_staging():
    seen = []
    jf = linad.jit(lambda x: seen.append(1) or x + 1.0)
    for _ in range(3):
        jf(np.ones(2))
    assert seen == [1]


def test_programs_are_inspectable():
    jf = linad.jit(lambda x: np.sin(x) + np.sin(x))
    jf(np.ones(2))
    (prog,) = jf.programs()
    assert [e.prim.name for e in prog.eqns] == ["sin", "add"]  # sin shared once


def test_keeps_name_and_doc():
    def my_function(x):
        """Docstring."""
        return x

    jf = linad.jit(my_function)
    assert jf.__name__ == "my_function" and jf.__doc__ == "Docstring."


# ----------------------------------------------------------------------------- signatures

def test_python_float_is_a_constant_and_never_promotes_float32():
    calls = []

    def f(x, s):
        calls.append(s)
        return x * s

    jf = linad.jit(f)
    x32 = np.ones(3, np.float32)
    assert jf(x32, 2.0).dtype == np.float32
    np.testing.assert_array_equal(jf(x32, 3.0), np.full(3, 3.0, np.float32))
    jf(x32, 3.0)
    assert calls == [2.0, 3.0]  # one staging per value, the second 3.0 replayed


def test_zero_d_integer_array_is_traced():
    jf = linad.jit(lambda x, n: x * n)
    np.testing.assert_array_equal(jf(np.ones(2), np.array(3)), [3.0, 3.0])
    np.testing.assert_array_equal(jf(np.ones(2), np.array(5)), [5.0, 5.0])
    assert jf.cache_info().misses == 1
    with pytest.raises(ConcretizationError, match="int()"):
        linad.jit(lambda x, n: x * int(n))(np.ones(2), np.array(3))


def test_keyword_arrays_are_traced_and_pytrees_work():
    def f(params, x, *, scale):
        return {"out": params["w"] @ x * scale, "b": params["b"]}

    jf = linad.jit(f)
    p = {"w": rng.standard_normal((2, 3)), "b": np.arange(2.0)}
    x = rng.standard_normal(3)
    close(jf(p, x, scale=np.array(2.0)), f(p, x, scale=np.array(2.0)))
    close(jf(p, x, scale=np.array(3.0)), f(p, x, scale=np.array(3.0)))
    assert jf.cache_info().misses == 1


def test_static_argnums_and_argnames():
    def f(x, n, mode="sum"):
        for _ in range(n):
            x = np.sin(x)
        return x.sum() if mode == "sum" else x

    jf = linad.jit(f, static_argnums=1, static_argnames="mode")
    close(jf(X, 2), f(X, 2))
    close(jf(X, 3, mode="all"), f(X, 3, mode="all"))
    close(jf(X, n=2), f(X, 2))  # a static positional argument passed by name: its own entry
    assert jf.cache_info().misses == 3
    jf2 = linad.jit(f, static_argnums=(1, 2))
    close(jf2(X, 1, "all"), f(X, 1, "all"))
    close(linad.jit(f, static_argnums=-1)(X, 2, "all"), f(X, 2, "all"))


def test_unhashable_static_argument_is_a_clear_error():
    jf = linad.jit(lambda x, axes: np.sum(x, axis=tuple(axes)), static_argnums=1)
    with pytest.raises(TypeError, match="not hashable.*tuple instead of a list"):
        jf(X, [0])
    close(jf(X, (0,)), X.sum(axis=0))


def test_non_array_argument_is_a_clear_error():
    jf = linad.jit(lambda x, name: x)
    with pytest.raises(TypeError, match="neither an array nor a Python number.*static_argnums"):
        jf(X, "name")
    with pytest.raises(ValueError, match="static_argnums contains 3"):
        linad.jit(lambda x: x, static_argnums=3)(X)
    with pytest.raises(TypeError, match="static_argnums must be int"):
        linad.jit(lambda x: x, static_argnums="a")


# ----------------------------------------------------------------------------- errors

@pytest.mark.parametrize("body, what", [
    (lambda x: x if x.sum() > 0 else -x, "bool()"),
    (lambda x: x * float(x[0]), "float()"),
    (lambda x: x * int(x[0]), "int()"),
    (lambda x: np.asarray(x.tolist()), "tolist()"),
    (lambda x: x * np.asarray(x), "np.asarray"),
])
def test_value_dependent_python_raises_concretization_error(body, what):
    with pytest.raises(ConcretizationError) as err:
        linad.jit(body)(np.ones(3))
    msg = str(err.value)
    assert what in msg and "static_argnums" in msg and "without jit" in msg
    assert isinstance(err.value, TypeError)
    body(np.ones(3))  # fine without jit


def test_value_dependent_shapes_are_refused():
    with pytest.raises(ConcretizationError, match="np.nonzero.*shape depends on the values"):
        linad.jit(lambda x: np.nonzero(x > 0))(X)


# ----------------------------------------------------------------------------- values recomputed

def test_comparisons_and_where_masks_are_recomputed():
    f = lambda x: lnp.where(x > 0, x * x, -x)  # noqa: E731
    jf = linad.jit(f)
    jg = linad.jit(linad.grad(lambda x: f(x).sum()))
    a = np.array([1.0, -2.0, 3.0])
    close(jf(a), f(a))
    close(jf(-a), f(-a))
    close(jg(-a), linad.grad(lambda x: f(x).sum())(-a))
    m = linad.jit(lambda x: x > 0)
    np.testing.assert_array_equal(m(a), a > 0)
    np.testing.assert_array_equal(m(-a), -a > 0)


def test_non_differentiable_numpy_calls_are_recomputed():
    f = lambda x: x * np.isclose(x, 1.0) + np.searchsorted(np.sort(x), 0.5)  # noqa: E731
    jf = linad.jit(f)
    a, b = np.array([1.0, 0.25, 2.0]), np.array([0.0, 1.0, 1.0])
    close(jf(a), f(a))
    close(jf(b), f(b))


# ----------------------------------------------------------------------------- composition

@pytest.mark.parametrize("name, fn, args", [
    ("grad", linad.grad(f_seed), (X,)),
    ("value_and_grad", linad.value_and_grad(f_seed), (X,)),
    ("jvp", lambda x, v: linad.jvp(f_seed, (x,), (v,)), (X, V)),
    ("vjp", lambda x, v: linad.vjp(lambda X: np.tanh(X) * X, x)[1](v), (X, V)),
    ("hvp", lambda x, v: linad.hvp(f_seed, (x,), (v,)), (X, V)),
    ("jacrev", linad.jacrev(lambda X: np.tanh(X.T @ X)), (X,)),
    ("jacfwd", linad.jacfwd(lambda X: np.tanh(X.T @ X)), (X,)),
    ("hessian", linad.hessian(f_seed), (X,)),
    ("grad_of_grad", linad.grad(lambda x: linad.grad(lambda y: np.sum(np.sin(y) * y))(x).sum()),
     (X,)),
])
def test_jit_of_transformations(name, fn, args):
    jf = linad.jit(fn)
    close(jf(*args), fn(*args))
    args2 = tuple(a * 0.5 + 0.25 for a in args)
    close(jf(*args2), fn(*args2))
    assert jf.cache_info().misses == 1


def test_transformations_of_jit():
    jf = linad.jit(f_seed)
    close(linad.grad(jf)(X), linad.grad(f_seed)(X))
    close(linad.jvp(jf, (X,), (V,)), linad.jvp(f_seed, (X,), (V,)))
    _, f_lin = linad.linearize(jf, X)
    _, f_lin2 = linad.linearize(f_seed, X)
    close(f_lin(V), f_lin2(V))
    close(linad.hessian(jf)(X), linad.hessian(f_seed)(X))
    jm = linad.jit(lambda X: np.tanh(X.T @ X))
    J = linad.jacobian_operator(jm, X)
    J2 = linad.jacobian_operator(lambda X: np.tanh(X.T @ X), X)
    close(J.matvec(V.ravel()), J2.matvec(V.ravel()))
    close(J.rmatvec(np.ones(9)), J2.rmatvec(np.ones(9)))
    H = linad.hessian_operator(jf, X)
    close(H.matvec(V.ravel()), linad.hessian_operator(f_seed, X).matvec(V.ravel()))


def test_nested_jit_and_closure_over_outer_tracer():
    inner = linad.jit(f_seed)
    outer = linad.jit(lambda x: inner(x) * 2.0 + inner(x * 2.0))
    close(outer(X), f_seed(X) * 2.0 + f_seed(X * 2.0))
    close(linad.jit(linad.grad(inner))(X), linad.grad(f_seed)(X))
    # a jitted function closing over a tracer of an enclosing grad is inlined
    g = linad.grad(lambda x: linad.jit(lambda y: np.sum(x * y))(X))(X)
    close(g, X)


def test_answers_equal_with_optimisations_off():
    g = linad.grad(lambda x: np.sum(np.sin(x) * np.sin(x) + np.tanh(x.T @ x).sum()))
    expected = g(X)
    with linad.optimize.disabled():
        jg = linad.jit(g)
        close(jg(X), expected)
        assert isinstance(jg._cache[next(iter(jg._cache))].run, linad.Program)
    close(linad.jit(g)(X), expected)


# ----------------------------------------------------------------------------- threads

def test_thread_safe_cache():
    jf = linad.jit(linad.grad(f_seed))
    points = [X * (1 + 0.1 * k) for k in range(8)]
    results = {}

    def work(k):
        for _ in range(20):
            results[k] = jf(points[k])

    threads = [threading.Thread(target=work, args=(k,)) for k in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for k in range(8):
        close(results[k], linad.grad(f_seed)(points[k]))
    assert jf.cache_info().misses == 1 and jf.cache_info().hits == 8 * 20 - 1


# ----------------------------------------------------------------------------- make_program

def test_make_program_prints_the_seed_example():
    X = np.arange(6.0).reshape(3, 2)
    assert str(linad.make_program(lambda X: X.T @ X)(X)) == (
        "{ lambda a:f64[3,2] .\n"
        "  let\n"
        "    b:f64[2,2] = einsum[spec=ji,jk->ik] a a\n"
        "  in (b) }")
    text = str(linad.make_program(lambda X, V: linad.vjp(lambda X: X.T @ X, X)[1](V))(
        X, np.ones((2, 2))))
    assert text.startswith("{ lambda a:f64[3,2] b:f64[2,2] .")
    assert text.count("einsum") == 2 and "add" in text  # X (V + V^T): two products, one sum
    prog = linad.make_program(linad.grad(lambda X: np.sum(np.tanh(X.T @ X))))(X)
    names = [e.prim.name for e in prog.eqns]
    assert "tanh" in names and "einsum" in names  # primal and transpose in one program
    close(prog(X)[0], linad.grad(lambda X: np.sum(np.tanh(X.T @ X)))(X))


@pytest.mark.parametrize("optimized", [True, False])
def test_replay_keeps_the_error_handling_of_rules(optimized):
    """A rule that computes log(0) on purpose under np.errstate and masks it (xlogy's
    derivative at y = 0) replays under the same error handling: no warning, as eagerly."""
    import warnings
    from linad.scipy import special as sp
    g = linad.grad(lambda x, y: np.sum(sp.xlogy(x, y)), argnums=(0, 1))
    x, y = np.array([0.0, 1.0]), np.array([0.0, 2.0])
    with linad.optimize.disabled() if not optimized else contextlib.nullcontext():
        jg = linad.jit(g)
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            expected = g(x, y)
            close(jg(x, y), expected)
            close(jg(x, y), expected)  # replayed
    with np.errstate(divide="raise"):  # the user's own setting still applies elsewhere
        with pytest.raises(FloatingPointError):
            linad.jit(lambda v: np.log(v))(np.array([0.0]))


def test_indexing_a_numpy_array_by_a_traced_index_names_take():
    table = np.arange(5.0)
    with pytest.raises(ConcretizationError, match=r"lnp.take\(table, i\)"):
        linad.jit(lambda i: table[i])(np.array(2))
    take = linad.jit(lambda i: lnp.take(table, i))
    assert take(np.array(2)) == 2.0 and take(np.array(4)) == 4.0
