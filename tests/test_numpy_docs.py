"""docs/numpy.md lists the supported NumPy functions; it must match the dispatch registry."""
import importlib.util
import pathlib

import numpy as np
import pytest

import linad
import linad.numpy as lnp

ROOT = pathlib.Path(__file__).resolve().parent.parent


def _script():
    spec = importlib.util.spec_from_file_location("gen_numpy_docs",
                                                  ROOT / "scripts" / "gen_numpy_docs.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_docs_numpy_md_is_up_to_date():
    gen = _script()
    current = gen.DOC.read_text()
    expected = gen.render(current)
    assert current == expected, (
        "docs/numpy.md is out of date with the dispatch registry: run "
        "`python scripts/gen_numpy_docs.py` and commit docs/numpy.md")


def test_every_supported_name_is_listed():
    text = (ROOT / "docs" / "numpy.md").read_text()
    missing = [n for n in lnp.supported_numpy_names() if f"`{n}`" not in text]
    assert not missing, f"not in docs/numpy.md: {missing}"


def test_render_keeps_the_hand_written_header_and_replaces_the_list():
    gen = _script()
    doc = "# title\n\nhand-written text\n\n" + gen.MARKER + "\n\nstale list\n"
    out = gen.render(doc)
    assert out.startswith("# title\n\nhand-written text\n\n" + gen.MARKER + "\n\n")
    assert "stale list" not in out
    assert "| `np.flip` | `lnp.flip` |" in out
    assert gen.render(out) == out  # idempotent


def test_render_requires_the_marker():
    gen = _script()
    with pytest.raises(SystemExit, match="marker line is missing"):
        gen.render("# no marker here\n")


def test_check_mode_reports_staleness(tmp_path, monkeypatch, capsys):
    gen = _script()
    stale = tmp_path / "numpy.md"
    stale.write_text("# header\n\n" + gen.MARKER + "\n\nold\n")
    monkeypatch.setattr(gen, "DOC", stale)
    assert gen.main(["--check"]) == 1
    assert "run python scripts/gen_numpy_docs.py" in capsys.readouterr().out
    assert gen.main([]) == 0
    assert gen.main(["--check"]) == 0


@pytest.mark.parametrize("route", ["lnp", "np"])
def test_complex_gradient_convention_stated_in_the_docs(route):
    # docs/numpy.md: grad of a real function of complex z is df/dx - i df/dy; |z|^2 -> 2 conj(z)
    mod = lnp if route == "lnp" else np
    z = np.array([1.0 + 2.0j, -0.5j, 3.0])
    g = linad.grad(lambda z: mod.sum(mod.real(z * mod.conj(z))))(z)
    np.testing.assert_allclose(g, 2 * np.conj(z))
    text = (ROOT / "docs" / "numpy.md").read_text()
    assert "2 * conj(z)" in text and "df/dx - i df/dy" in text
