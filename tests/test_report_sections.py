"""The region report's sections: rendered from library calls, notes instead of failures."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from kamresearch import report_sections as rs
from kamresearch.report_tables import RegionData


@pytest.fixture
def shown(monkeypatch):
    """Capture what the sections display instead of sending it to a notebook."""
    out = []
    monkeypatch.setattr(rs, "_display", out.append)
    return out


SECTIONS = ("overview", "executive_summary", "concentration", "largest_customers", "pyramid",
            "key_accounts", "churn_convention", "survival_by_tier", "hazard_ratios",
            "at_risk_list", "cohort_retention", "revenue_dynamics", "key_account_pool",
            "data_quality")  # fmt: skip


def test_format_table_rules():
    table = pd.DataFrame({
        "top10_share": [0.6234], "revenue": [1_234_567.0], "duration_days": [365.4],
        "p": [0.0004], "hhi": [1234.5], "when": [pd.Timestamp("2024-03-05")], "gini": [0.8123],
        "n_customers": [1200], "ok": [True], "nrr": [float("nan")],
    })  # fmt: skip
    got = rs.format_table(table).iloc[0].to_dict()
    assert got == {"top10_share": "62.3%", "revenue": "1.2M", "duration_days": "365",
                   "p": "<0.001", "hhi": "1,234", "when": "2024-03-05", "gini": "0.81",
                   "n_customers": "1,200", "ok": "yes", "nrr": "–"}  # fmt: skip


def test_choose_freq_by_time_span():
    def tx(days):
        return pd.DataFrame({"date": pd.Timestamp("2020-01-01") + pd.to_timedelta([0, days], "D")})

    # 3+ years: yearly bridge, quarterly cohorts; 1-3 years: quarterly; < 1 year: monthly
    assert (
        rs.choose_freq(tx(4 * 365)) == "Y" and rs.choose_freq(tx(4 * 365), purpose="cohort") == "Q"
    )
    assert rs.choose_freq(tx(400)) == "Q" and rs.choose_freq(tx(400), purpose="cohort") == "M"
    assert rs.choose_freq(tx(200)) == "M"


def test_every_section_renders_on_a_sample_region(shown, sample_tx):
    data = RegionData(sample_tx[sample_tx["region"] == "West"].reset_index(drop=True), "West",
                      sample_tx["date"].max())  # fmt: skip
    rep = rs.RegionReport(data)
    for name in SECTIONS:
        before = len(shown)
        getattr(rep, name)()
        assert len(shown) > before, f"{name} showed nothing"
    kinds = {type(o).__name__ for o in shown}
    assert {"Figure", "HTML", "Markdown"} <= kinds
    head = rep.headline()
    assert list(head.columns) == ["label", "value", "display", "reading"]
    assert set(head.index) <= set(rs.INDEX_FIGURES)
    assert {"revenue", "top10_share", "nrr", "key_pool"} <= set(head.index)


def test_a_tiny_region_gets_notes_not_errors(shown, sample_tx, tmp_path):
    ids = sample_tx["customer_id"].drop_duplicates().iloc[:6]
    tiny = sample_tx[sample_tx["customer_id"].isin(ids)].reset_index(drop=True)
    rep = rs.RegionReport(RegionData(tiny, "Tiny", sample_tx["date"].max()))
    for name in SECTIONS:
        getattr(rep, name)()
    notes = [o.data for o in shown if type(o).__name__ == "Markdown" and "Note" in o.data]
    assert any("Insufficient data for survival by tier" in n for n in notes)
    assert any("Insufficient data for cox hazard ratios" in n for n in notes)
    assert rep.notes, "the appendix lists the sections left out"
    written = rep.save(tmp_path, "Tiny")
    doc = json.loads(written["headline"].read_text(encoding="utf-8"))
    assert doc["region"] == "Tiny" and doc["figures"][0]["figure"] == "revenue"
    assert written["xlsx"].exists()


def test_no_positive_revenue_is_a_note(shown):
    tx = pd.DataFrame({"customer_id": ["a", "b"], "date": pd.to_datetime(["2024-01-01"] * 2),
                       "amount": [-5.0, -3.0], "region": ["R", "R"]})  # fmt: skip
    rep = rs.RegionReport(RegionData(tx, "R", pd.Timestamp("2024-01-01")))
    rep.concentration()
    assert "no customer has positive net revenue" in shown[-1].data
    assert rep.save(None, None) == {}
