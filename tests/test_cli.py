"""Tests of the command line (kamresearch.cli): exit codes 0/1/2, messages, config file.

The report runs use the tiny test template (tests/data/tiny_report.ipynb), which
raises for the region "Bad"; exit codes are the ones documented in the cli module.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from kamresearch.cli import main
from kamresearch.reports.files import RunLock

ROOT = Path(__file__).resolve().parents[1]
TINY = ROOT / "tests" / "data" / "tiny_report.ipynb"


@pytest.fixture(scope="module")
def tiny_file(sample_tx, tmp_path_factory):
    """20 customers of North and South; North renamed "Bad" (the failing region)."""
    tx = sample_tx[sample_tx["region"].isin(["North", "South"])]
    ids = tx.groupby("region")["customer_id"].unique().map(lambda a: sorted(a)[:20])
    tx = tx[tx["customer_id"].isin({c for a in ids for c in a})].copy()
    tx["region"] = tx["region"].replace({"North": "Bad"})
    path = tmp_path_factory.mktemp("cli") / "tiny.parquet"
    tx.to_parquet(path, index=False)
    return path


def _invoke(*args):
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--data", "missing.parquet"], "input file not found"),
        (["--jobs", "0"], "jobs must be a positive integer"),
        (["--key-share", "0.5"], "tier thresholds"),
        (["--as-of", "yesterday-ish"], "is not a date"),
        (["--region", "Nowhere"], r"region\(s\) \['Nowhere'\] have no customer"),
        (["--config", "missing.toml"], "config file .* not found"),
        (["--lang", "de"], "no report language 'de': choose one of en, zh"),
    ],
)
def test_report_bad_arguments_exit_2_without_traceback(args, message, tiny_file, tmp_path):
    base = ["report", "--out", tmp_path / "out", "--template", TINY]
    if "--data" not in args:
        base += ["--data", tiny_file]
    res = _invoke(*base, *args)
    assert res.exit_code == 2
    assert res.output.startswith("error: ") or "error: " in res.output
    assert "Traceback" not in res.output
    import re

    assert re.search(message, res.output), res.output


def test_report_no_data_exit_2():
    res = _invoke("report")
    assert res.exit_code == 2 and "no input data" in res.output


def test_report_locked_folder_exit_2(tiny_file, tmp_path):
    out = tmp_path / "out"
    with RunLock(out):
        res = _invoke("report", "--data", tiny_file, "--out", out, "--template", TINY)
    assert res.exit_code == 2 and "another kamresearch run is writing" in res.output


def test_report_exit_1_then_0_with_config_file(tiny_file, tmp_path):
    out = tmp_path / "out"
    res = _invoke(
        "report", "--data", tiny_file, "--region", "Bad", "--region", "South",
        "--out", out, "--template", TINY, "--no-progress",
    )  # fmt: skip
    assert res.exit_code == 1, res.output
    assert "1 failed: Bad" in res.output and f"open {out / 'index.html'}" in res.output
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    status = {e["region"]: e["status"] for e in manifest["regions"]}
    assert status == {"Bad": "failed", "South": "ok"}
    assert (out / "South.html").exists() and (out / "Bad.ipynb").exists()
    # A config file supplies the options; --region on the command line overrides it.
    # South is unchanged since the first run, so it is reused and the run exits 0.
    cfg = tmp_path / "kam.toml"
    cfg.write_text(
        f'data = "{tiny_file.as_posix()}"\nout = "out"\ntemplate = "{TINY.as_posix()}"\n'
        'regions = ["Bad", "South"]\n',
        encoding="utf-8",
    )
    res = _invoke("report", "--config", cfg, "--region", "South")
    assert res.exit_code == 0, res.output
    assert "1 unchanged, reused" in res.output
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["parameters"]["regions"] == ["South"]
    # The index still lists Bad: same input and as_of, carried over from the first run.
    entries = {e["region"]: e for e in manifest["regions"]}
    assert entries["Bad"]["previous_run"] and entries["Bad"]["status"] == "failed"
    assert "previous_run" not in entries["South"]
    assert manifest["input"]["name"] == "tiny.parquet"
    # as_of defaults to the last date in the data, not the clock
    last = pd.read_parquet(tiny_file)["date"].max().date()
    assert manifest["parameters"]["as_of"] == str(last)


def test_sample_command(tmp_path):
    res = _invoke("sample", "--out", tmp_path / "s.parquet", "--seed", 1)
    assert res.exit_code == 0 and "wrote" in res.output
    assert len(pd.read_parquet(tmp_path / "s.parquet")) > 0
    res = _invoke("sample", "--out", tmp_path / "s.json")
    assert res.exit_code == 2 and "use a .csv, .parquet or .xlsx" in res.output


def test_validate_command(tiny_file):
    res = _invoke("validate", tiny_file)
    assert res.exit_code == 0, res.output
    res = _invoke("validate", tiny_file.with_name("missing.csv"))
    assert res.exit_code == 2 and "Traceback" not in res.output


def test_python_dash_m_entry_point():
    res = subprocess.run(
        [sys.executable, "-m", "kamresearch", "report", "--help"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert res.returncode == 0 and "--region" in res.stdout and "kamresearch" in res.stdout


def test_report_sigterm_stops_cleanly_exit_130(tiny_file, tmp_path):
    """A scheduler's SIGTERM: lock released, manifest says interrupted, finished files whole."""
    import signal
    import time

    out = tmp_path / "out"
    cfg = tmp_path / "kam.toml"
    cfg.write_text(
        f'data = "{tiny_file.as_posix()}"\nout = "out"\ntemplate = "{TINY.as_posix()}"\n'
        'regions = ["South", "All"]\njobs = 2\n[params]\ndelay = 20.0\n',
        encoding="utf-8",
    )
    proc = subprocess.Popen(
        [sys.executable, "-m", "kamresearch", "report", "--config", str(cfg)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not (out / "manifest.json").exists():
        time.sleep(0.05)  # the manifest appears once the regions are planned
    time.sleep(1.0)
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "interrupted" in err and "Traceback" not in err
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["status"] == "interrupted"
    assert not (out / ".kamresearch.lock").exists()
    assert not list(out.glob("*.html")) or all(
        p.read_text(encoding="utf-8").rstrip().endswith("</html>") for p in out.glob("*.html")
    )
