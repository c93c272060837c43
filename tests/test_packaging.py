"""The project's setup files agree with each other and with the README."""

from __future__ import annotations

import re
import tomllib

import yaml
from packaging.requirements import Requirement

from conftest import ROOT


def _pyproject():
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def _norm(spec: str) -> tuple[str, str]:
    req = Requirement(spec)
    name = re.sub(r"[-_.]+", "-", req.name).lower()
    return name + "".join(f"[{e}]" for e in sorted(req.extras)), str(req.specifier)


def test_environment_yml_mirrors_pyproject():
    # environment.yml's pip list must equal pyproject's dependencies + the dev and spark
    # extras (what `make test` installs), name, extras and version specifier alike, and
    # install the project editable.
    meta = _pyproject()["project"]
    extras = meta["optional-dependencies"]
    expected = {_norm(s) for s in meta["dependencies"] + extras["dev"] + extras["spark"]}
    env = yaml.safe_load((ROOT / "environment.yml").read_text(encoding="utf-8"))
    pip_block = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    assert "-e ." in pip_block
    listed = {_norm(s) for s in pip_block if s != "-e ."}
    assert listed == expected, (
        f"only in environment.yml: {listed - expected}; only in pyproject: {expected - listed}"
    )
    python = next(d for d in env["dependencies"] if isinstance(d, str) and d.startswith("python"))
    assert python.replace(" ", "") == "python" + meta["requires-python"]


def test_pandas_pinned_below_3():
    # lifelines requires pandas < 3
    specs = dict(_norm(s) for s in _pyproject()["project"]["dependencies"])
    assert Requirement("pandas" + specs["pandas"]).specifier.contains("2.3.0")
    assert not Requirement("pandas" + specs["pandas"]).specifier.contains("3.0.0")


def test_readme_opens_with_the_two_commands_and_ci_runs_the_test_one():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```(?:bash|sh|console)?\n(.*?)```", readme, flags=re.S)
    assert blocks, "README has no command block"
    first = blocks[0]
    assert "make reports" in first and "make test" in first
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert re.search(r"^make test$", ci, flags=re.M)


def test_make_test_installs_the_spark_extra_and_make_reports_does_not():
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    rules = dict(re.findall(r"^([$()A-Za-z_-]+):([^\n]*)", makefile, flags=re.M))
    assert "$(SPARK_STAMP)" in rules["test"]
    assert "SPARK" not in rules["reports"] and "SPARK" not in rules["$(STAMP)"]
    spark_rule = makefile.split("$(SPARK_STAMP): ", 1)[1].split("\n\n", 1)[0]
    assert '".[dev,spark]"' in spark_rule
    spark = {_norm(s)[0] for s in _pyproject()["project"]["optional-dependencies"]["spark"]}
    assert "ibis-framework[pyspark]" in spark  # pyspark itself, pinned by Ibis


def test_makefile_has_the_documented_targets():
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    for target in ("reports", "test", "bench", "lint", "help"):
        assert re.search(rf"^{target}:", makefile, flags=re.M), target


def test_git_ignores_client_data_and_reports():
    ignore = (ROOT / ".gitignore").read_text(encoding="utf-8").splitlines()
    assert "data/raw/*" in ignore and "reports/*" in ignore
