"""The monthly review: two runs on the sample a month apart, "Since the last review".

The section's entries are checked against an independent computation here: the key
tier, at-risk and lost accounts and the figures recomputed for both dates with the
analysis functions (keyaccounts.tier_standard, churn, pareto) on the run's data, and
the sets diffed in the test -- not the review module's own comparison.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from kamresearch import ConfigError, churn, keyaccounts, pareto, reports
from kamresearch.reports import review
from kamresearch.reports.tables import load_region

DATES = ("2023-12-31", "2024-01-31")  # North has a new key account in January 2024
REGION = "North"
WINDOW = 60  # the sample's own window, configured so that the stop below is exact


@pytest.fixture(scope="module")
def monthly_tx(sample_tx):
    """The sample, where North's largest account stops buying 50 days before the first
    date: still live then (50 < 60 days), lost a month later (81 > 60) -- a key
    account lost between the two reviews."""
    first = pd.Timestamp(DATES[0])
    north = sample_tx[(sample_tx["region"] == REGION) & (sample_tx["date"] <= first)]
    top = north.groupby("customer_id")["amount"].sum().idxmax()
    stop = first - pd.Timedelta(days=50)
    gone = (sample_tx["customer_id"] == top) & (sample_tx["date"] > stop)
    return sample_tx[~gone].reset_index(drop=True)


@pytest.fixture(scope="module")
def two_runs(monthly_tx, tmp_path_factory):
    base = tmp_path_factory.mktemp("monthly")
    outs = []
    for as_of in DATES:  # the second run finds the first beside it (the default --previous)
        out = base / as_of
        result = reports.run(monthly_tx, out=out, regions=[REGION], as_of=as_of, jobs=1,
                             inactivity_days=WINDOW)  # fmt: skip
        assert result.ok, [r.error for r in result.failed]
        outs.append(out)
    return outs


def _state(out, as_of, window):
    """Key, at-risk and lost sets and the figures of REGION on as_of, computed directly."""
    as_of = pd.Timestamp(as_of)
    data = out / "_data" / "transactions.parquet"
    company = pd.read_parquet(data)
    company = company[company["date"] < as_of + pd.Timedelta(days=1)]
    tx = load_region(data, REGION, as_of=as_of).tx
    tx = tx[tx["date"] < as_of + pd.Timedelta(days=1)]
    std = keyaccounts.tier_standard(company, as_of=as_of, key=0.01, major=0.20, freqs=["Y"])
    revenue = tx.groupby("customer_id")["amount"].sum()
    key = set(revenue[revenue >= float(std.window["key_min_revenue"])].index)
    risk = churn.at_risk_accounts(tx, as_of=as_of, tiers=("key", "major"),
                                  inactivity_days=window, tier_thresholds=(0.01, 0.20))  # fmt: skip
    lt = churn.customer_lifetimes(tx, as_of=as_of, inactivity_days=window)
    summary = pareto.concentration_summary(tx)
    return {"key": key, "risk": set(risk["customer_id"]), "lost": set(lt.index[lt["churned"]]),
            "revenue_12m": lt["revenue_12m"], "top10_share": float(summary["top10_share"]),
            "hhi": float(summary["hhi"])}  # fmt: skip


def test_since_the_last_review_equals_an_independent_diff(two_runs):
    first, second = two_runs
    manifest = json.loads((second / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["parameters"]["previous"] == str(first.resolve())
    window = manifest["parameters"]["inactivity_days"]
    assert window == WINDOW
    entry = next(e for e in manifest["regions"] if e["region"] == REGION)
    since = json.loads((second / entry["files"]["review"]).read_text(encoding="utf-8"))["since"]
    assert (since["date_before"], since["date_after"]) == DATES
    a, b = _state(first, DATES[0], window), _state(second, DATES[1], window)
    want = {
        "entered_key": b["key"] - a["key"],
        "left_key": a["key"] - b["key"],
        "key_lost": (a["key"] & b["lost"]) - a["lost"],
        "new_at_risk": b["risk"] - a["risk"],
        "recovered": a["risk"] - b["risk"] - b["lost"],
    }
    # the data exercise the rules: a key account entered, one was lost, at-risk moves
    assert want["entered_key"] and want["key_lost"] and want["new_at_risk"]
    for change, ids in want.items():
        assert set(since["accounts"][change]) == {str(c) for c in ids}, change
        assert since["counts"][change] == len(ids)
    figs = since["figures"]
    assert figs["top10_share"]["change"] == pytest.approx(b["top10_share"] - a["top10_share"])
    assert figs["hhi"]["change"] == pytest.approx(b["hhi"] - a["hhi"])
    key_rev = {s: float(st["revenue_12m"].reindex(list(st["key"])).fillna(0).sum())
               for s, st in (("before", a), ("after", b))}  # fmt: skip
    assert figs["key_revenue_12m"]["before"] == pytest.approx(key_rev["before"])
    assert figs["key_revenue_12m"]["after"] == pytest.approx(key_rev["after"])
    # the report and the overview show the section, with the two dates
    html = (second / entry["files"]["html"]).read_text(encoding="utf-8")
    assert "Since the last review" in html and "2023-12-31 → 2024-01-31" in html
    index = (second / "index.html").read_text(encoding="utf-8")
    assert "Since the last review" in index and "2023-12-31 → 2024-01-31" in index
    # the first run had nothing to compare with: no section
    first_html = (first / f"{entry['stem']}.html").read_text(encoding="utf-8")
    assert "Since the last review" not in first_html


def test_other_tier_thresholds_are_not_compared(two_runs, monthly_tx):
    """A run with other tier thresholds says so instead of comparing (the tiny template
    keeps it fast: the reason is decided by the run and given to each notebook)."""
    first, second = two_runs
    out = second.parent / "other"
    tiny = Path(__file__).parent / "data" / "tiny_report.ipynb"
    result = reports.run(monthly_tx, out=out, regions=[REGION], as_of=DATES[1], previous=first,
                         key_share=0.02, inactivity_days=WINDOW, template=tiny)  # fmt: skip
    assert result.ok
    entry = json.loads((out / "manifest.json").read_text(encoding="utf-8"))["regions"][0]
    nb = json.loads((out / entry["files"]["notebook"]).read_text(encoding="utf-8"))
    given = nb["metadata"]["papermill"]["parameters"]
    assert given["previous"] is None
    assert "key_share: 0.01 → 0.02" in given["previous_mismatch"]
    assert given["previous_mismatch"].startswith(f"the previous run ({DATES[0]}) used other")
    with pytest.raises(ConfigError, match="no manifest.json"):
        reports.run(monthly_tx, out=out, regions=[REGION], previous=out / "nowhere", template=tiny)


def test_review_changes_by_hand():
    before = pd.DataFrame({"customer_id": ["a", "b", "c", "d"], "tier": ["key", "key", "major", "general"],
                           "at_risk": [False, True, True, False], "lost": [False, False, False, False],
                           "revenue_12m": [5.0, 4.0, 3.0, 1.0]})  # fmt: skip
    after = pd.DataFrame({"customer_id": ["a", "b", "c", "e"], "tier": ["major", "key", "major", "key"],
                          "at_risk": [False, False, False, True], "lost": [True, False, False, False],
                          "revenue_12m": [0.0, 4.0, 3.0, 9.0]})  # fmt: skip
    got = review.review_changes(before, after)
    pairs = set(zip(got["change"], got["customer_id"], strict=True))
    # e new and key; a fell to major and is lost; b and c recovered; e newly at risk
    assert pairs == {("entered_key", "e"), ("left_key", "a"), ("key_lost", "a"),
                     ("new_at_risk", "e"), ("recovered", "b"), ("recovered", "c")}  # fmt: skip


def test_previous_in_the_config(tmp_path):
    from kamresearch.reports.config import load_config, resolve_options

    cfg = tmp_path / "kam.toml"
    cfg.write_text('[report]\ndata = "x.csv"\nprevious = "runs/2024-11"\n', encoding="utf-8")
    assert load_config(cfg)["previous"] == str((tmp_path / "runs" / "2024-11").resolve())
    for off in ('"none"', "false"):
        cfg.write_text(f'[report]\ndata = "x.csv"\nprevious = {off}\n', encoding="utf-8")
        assert resolve_options(config=cfg)["previous"] is False
    cfg.write_text('[report]\ndata = "x.csv"\nprevious = 3\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="previous must be a run folder"):
        resolve_options(config=cfg)
