"""One yardstick per run, stated on the overview; the overview's table fits 1280 and 390 px.

The run's period and inactivity window are checked against an independent choice
from the whole data (choose_freq and suggest_inactivity_window called here on the
whole sample, not on one region). The layout is checked in headless Chromium from
the operating system (playwright with ``executable_path``); skipped, with the reason,
where there is none.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest

from kamresearch import ConfigError, churn, reports
from kamresearch.reports.index import render_index
from kamresearch.reports.sections import choose_freq

ROOT = Path(__file__).resolve().parents[1]
TINY = ROOT / "tests" / "data" / "tiny_report.ipynb"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu",
                 "--disable-background-networking", "--no-first-run"]  # fmt: skip


@pytest.fixture(scope="module")
def uneven_tx(sample_tx):
    """Regions of different sizes and spans: North keeps its 4 years, South only its
    last 8 months and 20 customers (alone, it would choose months, not years)."""
    tx = sample_tx[sample_tx["region"].isin(["North", "South"])]
    south = tx[(tx["region"] == "South") & (tx["date"] >= "2024-05-01")]
    keep = sorted(south["customer_id"].unique())[:20]
    south = south[south["customer_id"].isin(keep)]
    return pd.concat([tx[tx["region"] == "North"], south], ignore_index=True)


@pytest.fixture(scope="module")
def uneven_run(uneven_tx, tmp_path_factory):
    out = tmp_path_factory.mktemp("yard") / "out"
    result = reports.run(uneven_tx, out=out, template=TINY, jobs=1)
    return result, out


def test_one_period_and_window_for_every_region(uneven_tx, uneven_run):
    result, out = uneven_run
    assert result.ok
    as_of = uneven_tx["date"].max()
    # independent: the whole data's span (2021-2024, 4 years) -> years; its purchase gaps
    assert choose_freq(uneven_tx, as_of=as_of) == "Y"
    south = uneven_tx[uneven_tx["region"] == "South"]
    assert choose_freq(south, as_of=as_of) == "M"  # what South alone would choose
    window = int(churn.suggest_inactivity_window(uneven_tx, as_of=as_of).days)
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    params = manifest["parameters"]
    assert (params["freq"], params["inactivity_days"]) == ("Y", window)
    assert params["yardstick_from"] == {"freq": "data", "inactivity_days": "data"}
    # every region's notebook ran with the same yardstick (papermill records the parameters)
    for entry in manifest["regions"]:
        nb = json.loads((out / entry["files"]["notebook"]).read_text(encoding="utf-8"))
        given = nb["metadata"]["papermill"]["parameters"]
        assert (given["freq"], given["inactivity_days"]) == ("Y", window), entry["region"]
    page = (out / "index.html").read_text(encoding="utf-8")
    assert "periods of years" in page
    assert f"lost after {window} days without a purchase" in page
    assert "chosen once from the whole data" in page


def test_a_configured_yardstick_is_used_and_said(uneven_tx, tmp_path):
    out = tmp_path / "out"
    result = reports.run(uneven_tx, out=out, template=TINY, regions=["South"], freq="q",
                         inactivity_days=120)  # fmt: skip
    assert result.ok
    params = json.loads((out / "manifest.json").read_text(encoding="utf-8"))["parameters"]
    assert (params["freq"], params["cohort_freq"], params["inactivity_days"]) == ("Q", "Q", 120)
    page = (out / "index.html").read_text(encoding="utf-8")
    assert "periods of quarters" in page and "as configured" in page
    with pytest.raises(ConfigError, match="freq must be one of"):
        reports.run(uneven_tx, out=tmp_path / "bad", template=TINY, freq="W")


# --------------------------------------------------------------------------- layout

FIGURES = [("largest_loss", "Largest lost key account", "Acme Industrial Supplies 华东 (8.2%)"),
           ("failure", "Dominant failure", "can't keep"), ("revenue", "Net revenue", "45.6M"),
           ("customers", "Customers", "3,000"), ("top10_share", "Top 10 customers' share", "23%"),
           ("top20pct_share", "Top 20% of customers' share", "71%"), ("hhi", "HHI", "1,234"),
           ("n_major_customers", "Customers with >= 10% of revenue", "0"),
           ("nrr", "Net revenue retention 2024", "101.2%"),
           ("grr", "Gross revenue retention 2024", "85.3%"),
           ("key_pool", "Key-account pool 2024", "17 → 20"),
           ("median_lifetime_general", "Median lifetime, general", "3.2 years"),
           ("at_risk", "Key/major accounts at risk", "12"),
           ("key_accounts_2021", "Key accounts 2021", "30"),
           ("key_accounts_2022", "Key accounts 2022", "31"),
           ("key_accounts_2023", "Key accounts 2023", "29"),
           ("key_accounts_2024", "Key accounts 2024", "30")]  # fmt: skip


def _page() -> str:
    """An overview as wide as a real one: every index figure, seven regions, a failure."""
    names = [None, "North", "South", "华东大区（含上海、江苏、浙江）", "A very long region name indeed",
             "West", "Bad"]  # fmt: skip
    regions, heads = [], {}
    for i, name in enumerate(names):
        stem = "All" if name is None else f"r{i}"
        failed = name == "Bad"
        regions.append({"region": name, "label": name or "All (whole company)", "stem": stem,
                        "status": "failed" if failed else "ok",
                        "error": "RuntimeError: test failure for region Bad in "
                                 "/very/long/path/without/spaces/notebook_cell_number_12345 (cell 3)"
                                 if failed else None,
                        "files": {"html": f"{stem}.html", "xlsx": f"{stem}.xlsx",
                                  "notebook": f"{stem}.ipynb"}})  # fmt: skip
        if not failed:
            heads[name] = {"figures": [{"figure": f, "label": lbl, "display": d}
                                       for f, lbl, d in FIGURES]}  # fmt: skip
    manifest = {"regions": regions, "input": {"name": "sales_2024.xlsx"},
                "parameters": {"as_of": "2024-12-31", "freq": "Y", "cohort_freq": "Q",
                               "inactivity_days": 180,
                               "yardstick_from": {"freq": "data", "inactivity_days": "data"}},
                "versions": {"kamresearch": "0.1"}, "started": "2024-12-31T06:15:00+00:00",
                "finished": "2024-12-31T06:20:00+00:00"}  # fmt: skip
    since = {"date_before": "2024-11-30", "date_after": "2024-12-31",
             "counts": {"entered_key": 2, "left_key": 1, "key_lost": 1, "new_at_risk": 14,
                        "recovered": 9},
             "figures": {"top10_share": {"change": -0.0026}, "hhi": {"change": -1.1},
                         "key_revenue_12m": {"change": 33289.4}}}  # fmt: skip
    reviews = {name: since for name in names[:-2]}
    reviews["West"] = {"mismatch": "the previous run (2024-11-30) used other settings: "
                                   "key_share: 0.01 → 0.02"}  # fmt: skip
    return render_index(manifest, heads, reviews=reviews)


def _chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    return None


@pytest.mark.parametrize("width,height", [(1280, 800), (390, 844)])
def test_index_table_has_no_horizontal_overflow_in_chromium(tmp_path, width, height):
    exe = _chromium()
    if exe is None:
        reason = "no Chromium installed (apt-get install chromium): layout check skipped"
        print(reason)
        pytest.skip(reason)
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright not installed")
    page_file = tmp_path / "index.html"
    page_file.write_text(_page(), encoding="utf-8")
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=exe, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": width, "height": height})
            page.goto(page_file.as_uri())
            tables = page.evaluate("""() => [...document.querySelectorAll('table')].map(t => {
                const w = t.closest('div');
                const cells = [...t.querySelectorAll('tbody td')].map(td => td.getBoundingClientRect());
                return {inner: window.innerWidth,
                        doc: document.documentElement.scrollWidth,
                        table: t.getBoundingClientRect().right,
                        wrapScroll: w.scrollWidth, wrapClient: w.clientWidth,
                        cellRight: Math.max(...cells.map(r => r.right)),
                        cellLeft: Math.min(...cells.map(r => r.left)),
                        fontPx: parseFloat(getComputedStyle(t.querySelector('td')).fontSize)};
            })""")  # fmt: skip
        finally:
            browser.close()
    assert len(tables) == 2  # the regions and "Since the last review"
    for got in tables:
        assert got["doc"] <= got["inner"], got  # the page itself never scrolls sideways
        assert got["table"] <= got["inner"] + 0.5, got
        assert got["wrapScroll"] <= got["wrapClient"], got  # nor does the table's box
        assert got["cellLeft"] >= 0 and got["cellRight"] <= got["inner"] + 0.5, got
        assert got["fontPx"] >= 12, got  # readable: the text is not shrunk to fit
