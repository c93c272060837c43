"""Tests of the report pipeline (kamresearch.reports and its report_* helpers).

Most pipeline tests run a tiny template (tests/data/tiny_report.ipynb) on a few
hundred lines: it raises for the region named "Bad" (the failure hook) and can
sleep (the kill test). One end-to-end test runs the real template on the sample.
Expected values come from plain pandas in the test, or from the definitions
(file names, exit codes) stated in the module docstrings.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
import warnings
from html.parser import HTMLParser
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from kamresearch import reports
from kamresearch.errors import ConfigError, DataError
from kamresearch.reports.files import (
    LOCK_NAME,
    RunLock,
    atomic_path,
    clean_temp_files,
    safe_name,
    safe_names,
    write_json_atomic,
)
from kamresearch.reports.index import render_index

ROOT = Path(__file__).resolve().parents[1]
TINY = ROOT / "tests" / "data" / "tiny_report.ipynb"
# Sample regions renamed to hostile names; "Bad" makes the tiny template raise.
REGION_MAP = {
    "North": "Bad",
    "South": "华东",
    "East": "../../etc",
    "West": "A/B",
    "Central": "A_B",
    "Export": "Export",
}


@pytest.fixture(scope="module")
def tiny_tx(sample_tx):
    """25 customers per sample region, regions renamed with REGION_MAP (a copy)."""
    first = sample_tx.groupby("region")["customer_id"].unique().map(lambda a: sorted(a)[:25])
    ids = {c for ids in first for c in ids}
    tx = sample_tx[sample_tx["customer_id"].isin(ids)].copy()
    tx["region"] = tx["region"].map(REGION_MAP)
    return tx.reset_index(drop=True)


def _majority_region(tx: pd.DataFrame) -> pd.Series:
    """Independent: region with most net revenue per customer (ties alphabetical)."""
    g = tx.groupby(["customer_id", "region"])["amount"].sum().reset_index()
    g = g.sort_values(["customer_id", "amount", "region"], ascending=[True, False, True])
    return g.drop_duplicates("customer_id").set_index("customer_id")["region"]


class _Parser(HTMLParser):
    def __init__(self):
        super().__init__()
        self.stack, self.links, self.text = [], [], []

    def handle_starttag(self, tag, attrs):
        if tag == "a":
            self.links.append(dict(attrs).get("href"))
        if tag in ("html", "body", "table"):
            self.stack.append(tag)

    def handle_endtag(self, tag):
        if tag in ("html", "body", "table"):
            assert self.stack and self.stack[-1] == tag, f"unbalanced </{tag}>"
            self.stack.pop()

    def handle_data(self, data):
        self.text.append(data)


def _parse_complete(path: Path) -> _Parser:
    """Parse an HTML file and check it is complete (html/body/table tags all closed)."""
    text = path.read_text(encoding="utf-8")
    assert text.rstrip().endswith("</html>"), f"{path.name} is truncated"
    p = _Parser()
    p.feed(text)
    p.close()
    assert p.stack == [], f"{path.name}: unclosed {p.stack}"
    return p


def _leftovers(out: Path) -> list:
    """Names in the run folder that are neither final outputs nor the data cache."""
    return sorted(
        p.name
        for p in out.iterdir()
        if p.name != "_data" and (p.name.startswith(".") or ".tmp-" in p.name)
    )


# --------------------------------------------------------------------------- safe names


@pytest.mark.parametrize(
    ("region", "expected"),
    [
        ("华东", "华东"),  # Unicode kept
        ("../../etc", "_.._etc"),  # separators -> "_", leading dots removed
        ("A/B", "A_B"),
        ("A\\B", "A_B"),
        ("", "unnamed"),
        ("..", "unnamed"),
        (".hidden", "hidden"),
        ("a\x00b\nc", "ab c"),  # NUL dropped, newline -> space
        ('x:y*z?"<>|', "x_y_z_____"),
        ("index", "index_"),  # the run's own index.html
        ("manifest", "manifest_"),
        ("CON", "CON_"),  # Windows reserved
        # issue 11: Windows opens the device whatever follows the name before the first
        # dot (trailing spaces ignored), in any case, with COM/LPT superscript digits too
        ("CON .txt", "CON_.txt"),
        ("con.tar.gz", "con_.tar.gz"),
        ("COM\u00b9", "COM\u00b9_"),
        ("lpt\u00b3.x", "lpt\u00b3_.x"),
        ("CONIN$", "CONIN$_"),
        ("conout$ ", "conout$_"),
        ("NUL", "NUL_"),
        ("nul.", "nul_"),
        ("AUX", "AUX_"),
        ("LPT1", "LPT1_"),
        ("COM0", "COM0_"),
        ("CONSOLE", "CONSOLE"),  # not a device: kept
        ("COM10", "COM10"),
        ("index.x", "index.x"),  # not the run's index.html
        ("e\u0301", "\u00e9"),  # NFC
        ("trailing. ", "trailing"),
        ("United Kingdom", "United Kingdom"),
    ],
)
def test_safe_name(region, expected):
    assert safe_name(region) == expected


def test_safe_name_long_names_are_cut_and_stay_distinct():
    a, b = "区" * 200 + "a", "区" * 200 + "b"
    sa, sb = safe_name(a), safe_name(b)
    assert len(sa.encode()) <= 80 and len(sb.encode()) <= 80  # the documented byte budget
    assert sa != sb  # hash of the full name appended
    assert sa.startswith("区")


def test_safe_names_disambiguates_collisions_independent_of_order():
    names = ["A/B", "A_B", "North", "north", "../../etc", "华东", ""]
    got = safe_names(names)
    assert got == safe_names(list(reversed(names)))
    assert got["A_B"] == "A_B"  # the name that is already safe keeps its stem
    assert got["A/B"].startswith("A_B-") and len(got["A/B"]) == len("A_B-") + 8
    assert got["North"] == "North" and got["north"].startswith("north-")
    stems = [s.casefold() for s in got.values()]
    assert len(set(stems)) == len(names)  # unique, case-insensitively
    for stem in got.values():
        assert os.path.basename(stem) == stem and not stem.startswith(".")


# --------------------------------------------------------------------------- atomic writes, lock


def test_atomic_path_keeps_old_file_on_error(tmp_path):
    target = tmp_path / "x.json"
    write_json_atomic(target, {"a": 1})
    with pytest.raises(RuntimeError, match="boom"), atomic_path(target) as tmp:
        tmp.write_text("half")
        raise RuntimeError("boom")
    assert json.loads(target.read_text()) == {"a": 1}
    assert [p.name for p in tmp_path.iterdir()] == ["x.json"]  # temp removed


def test_clean_temp_files_removes_only_temp_names(tmp_path):
    (tmp_path / ".x.html.tmp-1-ab").write_text("half")
    (tmp_path / ".staging" / "1-x").mkdir(parents=True)
    (tmp_path / "keep.html").write_text("ok")
    assert clean_temp_files(tmp_path) == 2
    assert [p.name for p in tmp_path.iterdir()] == ["keep.html"]


def test_lock_is_exclusive_and_released(tmp_path):
    with RunLock(tmp_path) as lock:
        info = json.loads(lock.path.read_text())
        assert info["pid"] == os.getpid() and info["host"] == socket.gethostname()
        with pytest.raises(ConfigError, match="another kamresearch run is writing"):
            RunLock(tmp_path).acquire()
    assert not (tmp_path / LOCK_NAME).exists()


def test_stale_lock_of_dead_process_is_taken_over(tmp_path):
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()  # its pid no longer exists
    (tmp_path / LOCK_NAME).write_text(
        json.dumps({"pid": proc.pid, "host": socket.gethostname(), "started": "x"})
    )
    with RunLock(tmp_path) as lock:
        assert json.loads(lock.path.read_text())["pid"] == os.getpid()


def test_lock_of_other_host_or_fresh_garbage_is_respected(tmp_path):
    lock = tmp_path / LOCK_NAME
    lock.write_text(json.dumps({"pid": 1, "host": "some-other-host", "started": "x"}))
    with pytest.raises(ConfigError, match="delete the lock file if no run is active"):
        RunLock(tmp_path).acquire()
    lock.write_text("")  # a run between creating and writing its lock
    with pytest.raises(ConfigError, match="being created"):
        RunLock(tmp_path).acquire()
    old = time.time() - 3600  # ... or one killed there an hour ago: stale
    os.utime(lock, (old, old))
    with RunLock(tmp_path):
        pass


# --------------------------------------------------------------------------- options and config


def test_resolve_options_precedence_defaults_config_arguments(tmp_path):
    cfg = tmp_path / "kam.toml"
    cfg.write_text(
        '[report]\ndata = "sales.csv"\nout = "out"\njobs = 3\nregions = ["North"]\n'
        'key_share = 0.02\ninactivity_days = 180\nlang = "zh"\n[report.params]\ncurrency = "¥"\n',
        encoding="utf-8",
    )
    opts = reports.resolve_options(config=cfg, jobs=2)
    assert opts["data"] == str(tmp_path / "sales.csv")  # relative to the config file
    assert opts["out"] == str(tmp_path / "out")
    assert opts["jobs"] == 2  # argument overrides config
    assert opts["regions"] == ["North"] and opts["key_share"] == 0.02
    assert opts["major_share"] == 0.20 and opts["inactivity_days"] == 180  # default / config
    assert opts["params"] == {"currency": "¥"}
    assert opts["lang"] == "zh" and reports.resolve_options("x.csv")["lang"] == "en"
    assert reports.resolve_options(config=cfg, lang="EN")["lang"] == "en"  # argument wins
    assert reports.resolve_options("x.csv", regions=["all"])["regions"] == "all"
    assert reports.resolve_options("x.csv")["regions"] == "all"  # the default
    assert reports.resolve_options("x.csv", timeout=2.5)["timeout"] == 3  # whole seconds
    assert reports.resolve_options("x.csv", as_of="2024-03-05")["as_of"] == pd.Timestamp(
        "2024-03-05"
    )


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({}, "no input data"),
        ({"data": "x", "jobs": 0}, "jobs must be a positive integer"),
        ({"data": "x", "lang": "de"}, "no report language 'de'"),
        ({"data": "x", "params": {"lang": "zh"}}, "params may not set"),
        ({"data": "x", "jobs": "2"}, "jobs must be a positive integer"),
        ({"data": "x", "key_share": 0.3}, "tier thresholds"),
        ({"data": "x", "key_share": "a"}, "key_share must be a number"),
        ({"data": "x", "inactivity_days": 0}, "inactivity_days must be a positive integer"),
        ({"data": "x", "regions": []}, "non-empty list of region names"),
        ({"data": "x", "regions": [1]}, "non-empty list of region names"),
        ({"data": "x", "params": {"region": "x"}}, "may not set the run's own parameters"),
        ({"data": "x", "params": [1]}, "params must be a table"),
        ({"data": "x", "as_of": "not a date"}, "is not a date"),
        ({"data": "x", "as_of": "01/02/2011"}, "is not a date written year-first"),
        ({"data": "x", "colour": "red"}, "unknown option"),
        ({"data": "x", "timeout": 0}, "timeout must be a positive number"),
        ({"data": "x", "sheet": 2}, "sheet must be a sheet name"),
        ({"data": "x", "keep_duplicates": "yes"}, "keep_duplicates must be true or false"),
        ({"data": "x", "dayfirst": "no"}, "dayfirst must be true, false or unset"),
    ],
)
def test_resolve_options_errors(kwargs, match):
    data = kwargs.pop("data", None)
    with pytest.raises(ConfigError, match=match):
        reports.resolve_options(data, **kwargs)


def test_load_config_errors(tmp_path):
    with pytest.raises(ConfigError, match="not found"):
        reports.load_config(tmp_path / "missing.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text("data = ", encoding="utf-8")
    with pytest.raises(ConfigError, match="not valid TOML"):
        reports.load_config(bad)
    bad.write_text('data = "x"\ncolour = "red"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"unknown key\(s\) \['colour'\]"):
        reports.load_config(bad)


def test_run_argument_errors_before_any_work(tmp_path, tiny_tx):
    with pytest.raises(DataError, match="input file not found"):
        reports.run(tmp_path / "missing.csv", out=tmp_path / "o", template=TINY)
    with pytest.raises(ConfigError, match="template notebook .* not found"):
        reports.run(tiny_tx, out=tmp_path / "o", template=tmp_path / "none.ipynb")
    with pytest.raises(ConfigError, match=r"region\(s\) \['Nowhere'\] have no customer"):
        reports.run(tiny_tx, out=tmp_path / "o", regions=["Nowhere"], template=TINY)
    assert not (tmp_path / "o" / LOCK_NAME).exists()  # released after the error
    (tmp_path / "afile").write_text("x")
    with pytest.raises(ConfigError, match="cannot use .*afile as the output folder"):
        reports.run(tiny_tx, out=tmp_path / "afile", template=TINY)


# --------------------------------------------------------------------------- notebook helpers


def test_load_region_filters_customers_of_the_region(tiny_tx, tmp_path):
    path = tmp_path / "tx.parquet"
    tiny_tx.to_parquet(path)
    data = reports.load_region(path, "华东")
    expected = _majority_region(tiny_tx)
    ids = set(expected.index[expected == "华东"])
    assert set(data.tx["customer_id"]) == ids
    assert len(data.tx) == int(tiny_tx["customer_id"].isin(ids).sum())  # all their lines
    # as_of: the last date of the whole data, not of the region
    assert data.as_of == tiny_tx["date"].max().normalize()
    assert len(reports.load_region(path, None).tx) == len(tiny_tx)  # None: the whole company
    with pytest.raises(ConfigError, match="region 'Nowhere' has no customer"):
        reports.load_region(path, "Nowhere")


def test_save_outputs_writes_json_and_excel(tiny_tx, tmp_path):
    from kamresearch import narrative, pareto

    head = narrative.concentration_readings(pareto.concentration_summary(tiny_tx)).set_index(
        "figure"
    )
    top = tiny_tx.groupby("customer_id")["amount"].sum().nlargest(5).rename("revenue").reset_index()
    tables = {"Headline": head.reset_index(), "Top customers": top}
    assert reports.save_outputs(head, tables) == {}  # no output_dir: a notebook run by hand
    written = reports.save_outputs(
        head, {**tables, "a/b:c[d]" * 5: head}, output_dir=tmp_path, output_name="r", region="R",
        as_of=tiny_tx["date"].max(),
    )  # fmt: skip
    doc = json.loads(written["headline"].read_text(encoding="utf-8"))
    assert doc["region"] == "R" and doc["as_of"].startswith(str(tiny_tx["date"].max().date()))
    assert [f["figure"] for f in doc["figures"]] == list(head.index)
    wb = openpyxl.load_workbook(written["xlsx"])
    assert wb.sheetnames[:2] == ["Headline", "Top customers"]
    assert len(wb.sheetnames[2]) <= 31 and "/" not in wb.sheetnames[2]
    assert wb["Top customers"].max_row == 6  # header + top 5
    with pytest.raises(ConfigError, match="output_name is required"):
        reports.save_outputs(head, output_dir=tmp_path)


def test_save_tables_periods_as_text_and_no_inf(tmp_path):
    from kamresearch.reports.tables import save_tables

    q = pd.PeriodIndex(["2010Q4", "2011Q1"], freq="Q", name="period")
    bridge = pd.DataFrame({"closing": [1.5, 2.0]}, index=q)
    matrix = pd.DataFrame([[1.0, float("inf")], [0.5, -float("inf")]], index=q, columns=q)
    path = save_tables({"Bridge": bridge, "Matrix": matrix}, tmp_path / "t.xlsx")
    wb = openpyxl.load_workbook(path)
    # a quarter is its label, not the datetime of its first day (2010-10-01 would read
    # as a date before the data start)
    assert [c.value for c in wb["Bridge"]["A"]] == ["period", "2010Q4", "2011Q1"]
    assert [c.value for c in wb["Matrix"][1]][1:] == ["2010Q4", "2011Q1"]
    # Excel has no infinity: an empty cell, not the text 'inf'
    assert [c.value for c in wb["Matrix"]["C"]][1:] == [None, None]
    assert wb["Matrix"]["B2"].value == 1.0


def test_render_index_escapes_and_links():
    manifest = {
        "regions": [
            {"region": "<b>", "status": "ok", "files": {"html": "a b#.html"}},
            {"region": "X", "status": "failed", "error": "E: <boom>", "files": {}},
        ],
        "parameters": {"as_of": "2024-01-01"},
    }
    heads = {"<b>": {"figures": [{"figure": "f", "label": "Lbl", "display": "1%"}]}}
    page = render_index(manifest, heads)
    assert "&lt;b&gt;</a>" in page and "<b>" not in page
    assert 'href="a%20b%23.html"' in page and "E: &lt;boom&gt;" in page
    assert "<th>Lbl</th>" in page and ">1%<" in page


# --------------------------------------------------------------------------- pipeline runs


@pytest.fixture(scope="module")
def tiny_run(tiny_tx, tmp_path_factory):
    out = tmp_path_factory.mktemp("run") / "out"
    regions = ["Bad", "华东", "../../etc", "A/B", "A_B"]
    result = reports.run(tiny_tx, out=out, regions=regions, template=TINY, jobs=2)
    return result, out


def test_run_failure_isolated_exit_code_1(tiny_run):
    result, out = tiny_run
    assert result.exit_code == 1 and not result.ok
    assert [r.region for r in result.failed] == ["Bad"]
    bad = result.failed[0]
    assert "RuntimeError: test failure for region Bad" in bad.error
    assert bad.files == {"notebook": "Bad.ipynb"}  # papermill's failed notebook kept
    assert "test failure for region Bad" in (out / "Bad.ipynb").read_text(encoding="utf-8")
    assert not (out / "Bad.html").exists() and not (out / "Bad.headline.json").exists()
    for r in result.regions:
        if r.region != "Bad":
            assert r.status == "ok" and set(r.files) == {"notebook", "html", "xlsx", "headline"}


def test_run_hostile_names_stay_inside_the_folder(tiny_run):
    result, out = tiny_run
    stems = {r.region: r.stem for r in result.regions}
    assert stems["华东"] == "华东" and stems["../../etc"] == "_.._etc"
    assert stems["A_B"] == "A_B" and stems["A/B"].startswith("A_B-")
    for r in result.regions:
        for name in r.files.values():
            assert (out / name).resolve().parent == out.resolve()
    assert not (out.parent / "etc").exists() and not (out / "A").exists()
    assert (out / "华东.html").exists()


def test_run_outputs_match_independent_counts(tiny_run, tiny_tx):
    result, out = tiny_run
    owner = _majority_region(tiny_tx)
    for region in ["华东", "../../etc", "A/B", "A_B"]:
        stem = safe_names(REGION_MAP.values())[region]
        doc = json.loads((out / f"{stem}.headline.json").read_text(encoding="utf-8"))
        fig = {f["figure"]: f["value"] for f in doc["figures"]}
        ids = owner.index[owner == region]
        assert fig["customers"] == len(ids)
        expected = tiny_tx.loc[tiny_tx["customer_id"].isin(ids), "amount"].sum()
        assert fig["revenue"] == pytest.approx(expected)
        assert doc["region"] == region


def test_run_html_has_no_code_and_index_links_everything(tiny_run):
    result, out = tiny_run
    page = _parse_complete(out / "华东.html")
    text = "".join(page.text)
    assert "华东 " in text  # the cell's printed output
    assert "time.sleep" not in text and "load_region" not in text  # no code
    assert "In\xa0[" not in text and "In [" not in text  # no prompts
    index = _parse_complete(out / "index.html")
    from urllib.parse import unquote

    targets = {unquote(h) for h in index.links}
    for r in result.regions:
        if "html" in r.files:
            assert r.files["html"] in targets
    assert "Bad.ipynb" in targets and "manifest.json" in targets
    assert "test failure for region Bad" in "".join(index.text)


def test_run_manifest(tiny_run, tiny_tx):
    result, out = tiny_run
    m = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert m["status"] == "failed" and m["finished"] is not None
    assert m["parameters"]["as_of"] == str(tiny_tx["date"].max().date())
    assert m["parameters"]["regions"] == ["Bad", "华东", "../../etc", "A/B", "A_B"]
    for pkg in ("python", "kamresearch", "pandas", "numpy", "duckdb", "lifelines", "papermill"):
        assert m["versions"][pkg]
    assert m["input"]["lines"] == len(tiny_tx) and len(m["input"]["sha256"]) == 64
    entries = {e["region"]: e for e in m["regions"]}
    assert entries["Bad"]["status"] == "failed" and "RuntimeError" in entries["Bad"]["error"]
    assert entries["华东"]["status"] == "ok" and entries["华东"]["duration_s"] > 0
    assert _leftovers(out) == []  # no temp file, no staging folder, no lock
    cached = pd.read_parquet(out / "_data" / "transactions.parquet")
    pd.testing.assert_frame_equal(cached, tiny_tx, check_like=True)


def test_rerun_skips_finished_regions_and_force_redoes(tiny_run, tiny_tx):
    result, out = tiny_run
    mtime = (out / "华东.html").stat().st_mtime_ns
    again = reports.run(
        tiny_tx, out=out, regions=["Bad", "华东", "../../etc", "A/B", "A_B"], template=TINY
    )
    reused = {r.region for r in again.regions if r.reused}
    assert reused == {"华东", "../../etc", "A/B", "A_B"}  # Bad is not finished: redone
    assert again.exit_code == 1 and (out / "华东.html").stat().st_mtime_ns == mtime
    # another parameter value is another fingerprint: the region is redone
    changed = reports.run(tiny_tx, out=out, regions=["华东"], template=TINY, key_share=0.02)
    assert [r.reused for r in changed.regions] == [False] and changed.exit_code == 0
    # The others stay on the index: same input and as_of, carried over from the earlier run.
    m = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    carried = {e["region"] for e in m["regions"] if e.get("previous_run")}
    assert carried == {"Bad", "../../etc", "A/B", "A_B"}
    assert "(earlier run)" in (out / "index.html").read_text(encoding="utf-8")
    forced = reports.run(
        tiny_tx, out=out, regions=["华东"], template=TINY, key_share=0.02, force=True
    )
    assert [r.reused for r in forced.regions] == [False]
    assert (out / "华东.html").stat().st_mtime_ns != mtime


def test_run_refuses_a_locked_folder(tmp_path, tiny_tx):
    out = tmp_path / "out"
    with RunLock(out), pytest.raises(ConfigError, match="another kamresearch run"):
        reports.run(tiny_tx, out=out, template=TINY)


KILL_REGIONS = ["华东", "A_B", "Export"]


def _assert_complete(out: Path) -> None:
    """Every file under its final name parses; temp names are only '.<name>.tmp-...'."""
    import nbformat

    for p in [*out.iterdir(), *(out / "_data").glob("*")] if (out / "_data").is_dir() else []:
        if p.name.startswith(".") and ".tmp-" in p.name or p.is_dir():
            continue  # a temp file (removed by the next run), _data, .staging
        assert ".tmp-" not in p.name, p.name
        if p.suffix == ".html":
            _parse_complete(p)
        elif p.suffix == ".json":
            json.loads(p.read_text(encoding="utf-8"))
        elif p.suffix == ".xlsx":
            openpyxl.load_workbook(p)
        elif p.suffix == ".ipynb":
            nbformat.read(p, as_version=4)
        elif p.suffix == ".parquet":
            pd.read_parquet(p)


def _tiny_figures(tx: pd.DataFrame, region) -> list:
    """Independent: the tiny template's headline of a region (None: the whole company)."""
    from kamresearch import narrative, pareto

    if region is not None:
        owner = _majority_region(tx)
        tx = tx[tx["customer_id"].isin(owner.index[owner == region])]
    head = narrative.concentration_readings(pareto.concentration_summary(tx))
    return [(f, pytest.approx(v, nan_ok=True), d) for f, v, d in
            zip(head["figure"], head["value"], head["display"], strict=True)]  # fmt: skip


def _cli_run(data: Path, out: Path, *, delay: float) -> subprocess.Popen:
    cmd = [sys.executable, "-m", "kamresearch", "report", "--data", str(data), "--out", str(out),
           "--template", str(TINY), "--jobs", "2", "--region", "All"]  # fmt: skip
    for r in KILL_REGIONS:
        cmd += ["--region", r]
    cfg = out.parent / "kill.toml"
    cfg.write_text(f"[params]\ndelay = {delay}\n", encoding="utf-8")
    return subprocess.Popen([*cmd, "--config", str(cfg)], start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip


def test_kill_at_random_points_leaves_complete_files_and_the_rerun_agrees(
    tmp_path, tiny_tx, tiny_run
):
    """SIGTERM (the run's process, as a scheduler sends it) and SIGKILL (the whole process
    group: run, workers, kernels) at 4 points drawn from a seeded RNG over the length of a
    run (the tiny_run fixture's, plus the CLI's start), one after the other on the same
    folder. After each: every file present parses. The rerun then completes with the
    figures an uninterrupted run gives (computed here from the data).
    """
    import random

    data = tmp_path / "tx.parquet"
    tiny_tx.to_parquet(data)
    out = tmp_path / "out"
    length = tiny_run[0].duration_s + 2.0
    rng = random.Random(20261202)
    points = [(sig, rng.uniform(0.2, length)) for sig in
              (signal.SIGKILL, signal.SIGTERM, signal.SIGKILL, signal.SIGTERM)]  # fmt: skip
    for sig, delay in points:
        proc = _cli_run(data, out, delay=0.5)
        try:
            proc.wait(timeout=delay)
        except subprocess.TimeoutExpired:
            if sig == signal.SIGTERM:
                proc.send_signal(sig)  # the CLI stops its workers and marks the manifest
                with contextlib.suppress(subprocess.TimeoutExpired):
                    proc.wait(timeout=60)
            # SIGKILL; after SIGTERM: stray kernels (none left when the run stopped them all)
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        time.sleep(0.3)
        if out.exists():
            _assert_complete(out)
    again = reports.run(data, out=out, regions=["All", *KILL_REGIONS], template=TINY,
                        jobs=2, params={"delay": 0.5})  # fmt: skip
    assert again.exit_code == 0
    assert _leftovers(out) == [] and not (out / LOCK_NAME).exists()
    assert json.loads((out / "manifest.json").read_text(encoding="utf-8"))["status"] == "ok"
    assert {r.region for r in again.regions} == {None, *KILL_REGIONS}
    for r in again.regions:
        doc = json.loads((out / r.files["headline"]).read_text(encoding="utf-8"))
        got = [(f["figure"], f["value"], f["display"]) for f in doc["figures"]]
        assert got == _tiny_figures(tiny_tx, r.region), r.label
        sheet = pd.read_excel(out / r.files["xlsx"], sheet_name="Headline")
        assert sheet["display"].tolist() == [d for _, _, d in got]


def test_end_to_end_real_template_on_sample_file(tmp_path, sample_tx):
    data = tmp_path / "sample.parquet"
    sample_tx.to_parquet(data)
    out = tmp_path / "reports"
    result = reports.run(data, regions=["Central", "Export"], out=out, jobs=2)
    assert result.exit_code == 0, [r.error for r in result.regions]
    m = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert m["input"]["sha256"] == hashlib.sha256(data.read_bytes()).hexdigest()
    assert m["input"]["lines"] == len(sample_tx)
    for stem in ("Central", "Export"):
        page = _parse_complete(out / f"{stem}.html")
        text = "".join(page.text)
        assert "load_region" not in text and "Traceback" not in text
        assert openpyxl.load_workbook(out / f"{stem}.xlsx").sheetnames
    doc = json.loads((out / "Export.headline.json").read_text(encoding="utf-8"))
    owner = _majority_region(sample_tx)
    ids = owner.index[owner == "Export"]
    fig = {f["figure"]: f["value"] for f in doc["figures"]}
    assert fig["customers"] == len(ids)
    assert fig["revenue"] == pytest.approx(
        sample_tx.loc[sample_tx["customer_id"].isin(ids), "amount"].sum()
    )
    nb = (out / "Export.ipynb").read_text(encoding="utf-8")
    assert str(tmp_path) not in nb  # notebook parameters are relative to the run folder
    # The input cache is reused on a rerun with the same file.
    source = (out / "_data" / "source.json").read_text()
    again = reports.run(data, regions=["Export"], out=out)
    assert again.regions[0].reused and (out / "_data" / "source.json").read_text() == source


def test_load_region_from_the_run_cache(tiny_run, tiny_tx):
    result, out = tiny_run
    cache = out / "_data" / "transactions.parquet"
    as_of = str(tiny_tx["date"].max().date())
    data = reports.load_region(cache, "华东", as_of=as_of)  # filtered read via the sidecar
    owner = _majority_region(tiny_tx)
    expected = tiny_tx[tiny_tx["customer_id"].isin(owner.index[owner == "华东"])]
    key = ["customer_id", "date", "amount", "invoice_id", "product_id"]
    pd.testing.assert_frame_equal(
        data.tx.sort_values(key).reset_index(drop=True),
        expected.sort_values(key).reset_index(drop=True),
    )
    assert data.as_of == pd.Timestamp(as_of)
    assert reports.load_region(cache, "华东").tx.shape == data.tx.shape  # as_of=None path
    with pytest.raises(ConfigError, match="region 'Nowhere' has no customer"):
        reports.load_region(cache, "Nowhere", as_of=as_of)


def test_cell_timeout_fails_only_that_region(tiny_tx, tmp_path):
    result = reports.run(
        tiny_tx, out=tmp_path / "out", regions=["华东"], template=TINY, timeout=2,
        params={"delay": 6.0},
    )  # fmt: skip
    assert result.exit_code == 1
    (region,) = result.regions
    assert region.status == "failed"
    assert "ran longer than the timeout of 2 s" in region.error
    assert region.files == {"notebook": "华东.ipynb"}  # the partly executed notebook is kept


def test_read_options_reach_read_transactions_and_the_fingerprint(tmp_path):
    # two identical lines without invoice numbers: dropped by default, kept on request;
    # the cached input and the reports follow the option (no stale reuse)
    path = tmp_path / "dup.csv"
    path.write_text(
        "customer,date,amount,region\n"
        + "".join(f"c{i},2023-0{1 + i % 6}-05,{10 + i},R\n" for i in range(30))
        + "c0,2023-01-05,10,R\n"
    )
    out = tmp_path / "o"
    with pytest.warns(Warning, match="duplicate"):
        first = reports.run(path, out=out, regions=["All"], template=TINY)
    assert json.loads(first.manifest.read_text(encoding="utf-8"))["input"]["lines"] == 30
    kept = reports.run(path, out=out, regions=["All"], template=TINY, keep_duplicates=True)
    assert not kept.regions[0].reused
    manifest = json.loads(kept.manifest.read_text(encoding="utf-8"))
    assert manifest["input"]["lines"] == 31
    assert manifest["parameters"]["read"]["keep_duplicates"] is True


def test_as_of_before_the_data_is_a_data_error_not_a_failed_report(tmp_path, tiny_tx):
    first = tiny_tx["date"].min().normalize()
    before = first - pd.Timedelta(days=400)
    with pytest.raises(DataError, match=f"as_of {before.date()} is before the first date"):
        reports.run(tiny_tx, out=tmp_path / "o", as_of=before, template=TINY)


# --------------------------------------------------------------------------- issue 11: hostile names

# Path parts, Windows devices, HTML and Markdown, emoji, the whole company's name in two
# cases (names differing only by case), a blank cell beside a real "Unknown", 300 characters.
HOSTILE_REGIONS = [
    "../a/b", "CON .txt", "COM\u00b9", "<script>alert(1)</script>[x](javascript:alert(1))",
    "\U0001f680 Région", "All", "ALL", "", "Unknown", "R" * 150 + "区" * 150,
]  # fmt: skip


def _tree(folder: Path) -> set:
    return {p.resolve() for p in folder.rglob("*")}


def test_run_over_hostile_region_names(tmp_path, tiny_tx):
    """One report per region, every file inside the folder, every name escaped.

    150 customers dealt round-robin to 10 hostile region names (15 each; "" is a
    blank cell), read from a CSV as a client file would be; the tiny template shows
    the real report's opening line (RegionReport.overview) with the region's name.
    """
    ids = sorted(tiny_tx["customer_id"].unique())
    owner = {c: HOSTILE_REGIONS[i % len(HOSTILE_REGIONS)] for i, c in enumerate(ids)}
    tx = tiny_tx[["customer_id", "date", "amount", "invoice_id", "product_id"]].copy()
    tx["region"] = tx["customer_id"].map(owner)
    path = tmp_path / "hostile.csv"
    tx.to_csv(path, index=False, encoding="utf-8")
    out = tmp_path / "out"
    before = _tree(tmp_path)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # e.g. regions differing only by case are flagged
        result = reports.run(path, out=out, template=TINY, jobs=2)
    assert result.exit_code == 0, [(r.region, r.error) for r in result.failed]
    # only inside the output folder
    assert {p for p in _tree(tmp_path) - before if out.resolve() not in p.parents} == {
        out.resolve()
    }
    # one report per region, plus the whole company under its own key, label and stem
    blank = "(no region)"
    expected = {blank if r == "" else r for r in HOSTILE_REGIONS}
    regions = {r.region: r for r in result.regions}
    assert set(regions) == expected | {None}
    company = regions.pop(None)
    assert company.stem == "All" and company.label == "All (whole company)"
    assert regions["All"].stem != "All" and regions["ALL"].stem != "All"
    stems = [r.stem.casefold() for r in result.regions]
    assert len(set(stems)) == len(stems)  # distinct even on a case-insensitive disk
    assert all(len(s.encode()) <= 90 for s in stems)  # 80-byte budget + "-<hash>"
    htmls = sorted(p.name for p in out.glob("*.html") if p.name != "index.html")
    assert len(htmls) == len(expected) + 1
    # the figures of each region are its own customers' (blank cells: their own label,
    # not merged into "Unknown"; "All" and "ALL": not merged into the whole company)
    for region, r in regions.items():
        doc = json.loads((out / r.files["headline"]).read_text(encoding="utf-8"))
        fig = {f["figure"]: f["value"] for f in doc["figures"]}
        mine = [c for c, o in owner.items() if (o or blank) == region]
        assert doc["region"] == region and fig["customers"] == len(mine), region
        revenue = tx.loc[tx["customer_id"].isin(mine)].groupby("customer_id")["amount"].sum()
        assert fig["revenue"] == pytest.approx(revenue.clip(lower=0).sum())
    doc = json.loads((out / company.files["headline"]).read_text(encoding="utf-8"))
    assert doc["region"] is None
    assert {f["figure"]: f["value"] for f in doc["figures"]}["customers"] == len(ids)
    # every name escaped: shown as text, never markup, in each report and the index
    for r in [company, *regions.values()]:
        raw = (out / r.files["html"]).read_text(encoding="utf-8")
        assert "<script>alert(1)" not in raw and 'href="javascript' not in raw, r.label
        text = " ".join("".join(_parse_complete(out / r.files["html"]).text).split())
        name = " ".join(r.label.split())
        who = "the whole company" if r.region is None else f"region {name}"
        assert f"Report for {who}, as of" in text, r.label
    index = (out / "index.html").read_text(encoding="utf-8")
    assert "<script" not in index and 'href="javascript' not in index
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in index
    assert "All (whole company)" in index


# --------------------------------------------------------------------------- issue 11: write failures


def test_a_region_that_cannot_write_fails_alone_and_keeps_its_earlier_files(
    tmp_path, tiny_tx, monkeypatch
):
    # defect 9: one region's write failure (here 华东.xlsx open in Excel on Windows:
    # it cannot be moved) raised a raw PermissionError, left a new .ipynb beside the
    # old .html and never ran the other regions
    out = tmp_path / "out"
    first = reports.run(tiny_tx, out=out, regions=["华东", "A_B"], template=TINY)
    assert first.exit_code == 0
    before = {p.name: p.read_bytes() for p in out.glob("华东*")}
    assert set(before) == {"华东.ipynb", "华东.html", "华东.xlsx", "华东.headline.json"}
    ab_html = (out / "A_B.html").stat().st_mtime_ns
    real_replace = os.replace

    def locked(src, dst):
        if any(Path(p).parent == out and Path(p).name == "华东.xlsx" for p in (src, dst)):
            raise PermissionError(13, "Permission denied", str(dst))
        return real_replace(src, dst)

    monkeypatch.setattr(os, "replace", locked)  # jobs=1: publishing runs in this process
    again = reports.run(tiny_tx, out=out, regions=["华东", "A_B"], template=TINY, force=True)
    monkeypatch.undo()
    assert again.exit_code == 1
    (failed,) = again.failed
    assert failed.region == "华东" and "PermissionError" in failed.error
    assert failed.files == {}
    # all or nothing: the earlier report, unchanged, and no new file beside it
    assert {p.name: p.read_bytes() for p in out.glob("华东*")} == before
    assert _leftovers(out) == []
    # the other region ran and was published
    ok = {r.region: r for r in again.regions}["A_B"]
    assert ok.status == "ok" and (out / "A_B.html").stat().st_mtime_ns != ab_html
    m = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    entry = {e["region"]: e for e in m["regions"]}["华东"]
    assert m["status"] == "failed" and entry["status"] == "failed"
    assert "could not write the report's files: PermissionError" in entry["error"]


def test_an_unwritable_output_folder_is_a_clear_error_before_any_work(tmp_path, tiny_tx):
    out = tmp_path / "out"
    out.mkdir()
    (out / "_data").write_text("a file where the run keeps its data")  # cannot be a folder
    with pytest.raises(ConfigError, match=r"cannot write to .*_data: .*choose another output"):
        reports.run(tiny_tx, out=out, template=TINY)
    assert sorted(p.name for p in out.iterdir()) == ["_data"]  # no manifest, no lock, no report
