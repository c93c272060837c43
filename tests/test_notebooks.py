"""The committed notebooks: clean outputs, no logic in the template, and an nbval check with teeth."""

from __future__ import annotations

import ast
import json
import re
import subprocess
import sys

import pytest

from conftest import ROOT

NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
TEMPLATE = ROOT / "notebooks" / "region_report.ipynb"


def _load(path):
    return json.loads(path.read_text(encoding="utf-8"))


def _source(cell) -> str:
    src = cell["source"]
    return "".join(src) if isinstance(src, list) else src


def test_there_are_exploration_notebooks_and_the_template():
    names = [p.name for p in NOTEBOOKS]
    assert "region_report.ipynb" in names
    assert sum(bool(re.match(r"\d\d-", n)) for n in names) >= 3


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_is_committed_executed_and_clean(path):
    nb = _load(path)
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    assert code and all(c.get("execution_count") for c in code), "commit the notebook executed"
    text = json.dumps(nb)
    assert "../shared" not in text and "online_retail" not in text, "no shared/client data"
    assert not re.search(r'"/(home|root|work|Users)/', text), "no absolute paths"
    for c in code:
        for out in c.get("outputs", []):
            assert out["output_type"] != "error", f"error output in {path.name}"
            assert out.get("name") != "stderr", (
                f"stderr (warnings) in {path.name}: {out.get('text')}"
            )
    first = next(c for c in nb["cells"] if c["cell_type"] == "markdown")
    assert _source(first).startswith("# "), "open with a title (and a purpose paragraph)"


def test_template_has_one_parameters_cell_with_the_pipeline_names():
    from kamresearch.reports import TEMPLATE_PARAMETERS

    nb = _load(TEMPLATE)
    tagged = [c for c in nb["cells"] if "parameters" in c.get("metadata", {}).get("tags", [])]
    assert len(tagged) == 1
    tree = ast.parse(_source(tagged[0]))
    names = [t.id for node in tree.body for t in node.targets]
    assert tuple(names) == tuple(TEMPLATE_PARAMETERS)
    # simple values only
    assert all(isinstance(node.value, ast.Constant) for node in tree.body)


def test_template_holds_no_logic():
    # every statement outside the parameters cell is an import, a call, or a name bound to a call
    nb = _load(TEMPLATE)
    for c in nb["cells"]:
        if c["cell_type"] != "code" or "parameters" in c.get("metadata", {}).get("tags", []):
            continue
        for node in ast.parse(_source(c)).body:
            ok = isinstance(node, (ast.Import, ast.ImportFrom)) or (
                isinstance(node, (ast.Expr, ast.Assign)) and isinstance(node.value, ast.Call)
            )
            assert ok, f"logic in the template: {ast.unparse(node)}"
            for sub in ast.walk(node):
                assert not isinstance(
                    sub, (ast.For, ast.If, ast.Lambda, ast.ListComp, ast.DictComp, ast.IfExp)
                ), f"logic in the template: {ast.unparse(node)}"


def _nbval(path, cwd):
    cfg = ROOT / "notebooks" / "nbval_sanitize.cfg"
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "--nbval", "--nbval-current-env",
         "--nbval-sanitize-with", str(cfg), "-p", "no:cacheprovider", str(path)],
        cwd=cwd, capture_output=True, text=True, timeout=600,
    )  # fmt: skip


def test_nbval_fails_when_a_parameter_changes(tmp_path):
    # The teeth test: the committed template re-executed with another region must not pass
    # nbval against the stored outputs (which come from region "All" of the sample).
    import nbformat

    nb = nbformat.read(TEMPLATE, as_version=4)
    at = next(i for i, c in enumerate(nb.cells) if "parameters" in c.metadata.get("tags", []))
    injected = nbformat.v4.new_code_cell('region = "Export"')  # as papermill injects it
    injected.metadata["tags"] = ["injected-parameters"]
    nb.cells.insert(at + 1, injected)
    changed = nb
    path = tmp_path / "region_report.ipynb"
    nbformat.write(changed, path)
    result = _nbval(path, tmp_path)
    assert result.returncode != 0, result.stdout[-2000:]
    # it fails on changed numbers (output mismatches), not because the notebook broke
    assert "Cell outputs differ" in result.stdout, result.stdout[-2000:]
    assert "Cell execution caused an exception" not in result.stdout, result.stdout[-2000:]
