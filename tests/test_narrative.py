"""Plain-language readings: hand-made results with known wording."""

from __future__ import annotations

import math

import pandas as pd

from kamresearch import narrative


def _summary(**over):
    base = dict(n_customers=200, revenue=1_234_567.0, top10_share=0.62, top20pct_share=0.81,
                customers_for_80pct=0.19, hhi=1900.0, hhi_band="highly concentrated", gini=0.7,
                n_major_customers=1)  # fmt: skip
    base.update(over)
    return pd.Series(base, dtype=object)


def test_concentration_readings_wording():
    r = narrative.concentration_readings(_summary()).set_index("figure")
    assert list(r.columns) == ["label", "value", "display", "reading"]
    assert (
        r.loc["top10_share", "reading"]
        == "Top 10 customers make 62% of revenue: highly concentrated"
    )
    assert "classic 80/20" in r.loc["top20pct_share", "reading"]
    # 0.19 x 200 customers = 38 customers
    assert r.loc["customers_for_80pct", "reading"] == "38 customers (19%) make 80% of revenue"
    assert r.loc["hhi", "display"] == "1,900"
    assert r.loc["n_major_customers", "reading"] == (
        "1 customer makes 10% or more of revenue: a single-customer dependency to disclose (ASC 280)"
    )
    assert r.loc["revenue", "display"] == "1.2M"


def test_concentration_bands():
    def top10(share):
        r = narrative.concentration_readings(_summary(top10_share=share)).set_index("figure")
        return r.loc["top10_share", "reading"]

    assert top10(0.30).endswith(": concentrated")
    assert top10(0.10).endswith(": broadly spread")
    few = narrative.concentration_readings(_summary(n_customers=7)).set_index("figure")
    assert few.loc["top10_share", "reading"].startswith("All 7 customers")
    none = narrative.concentration_readings(_summary(n_customers=0))
    assert "No customer has positive net revenue" in none["reading"].iloc[-1]
    flat = narrative.concentration_readings(_summary(top20pct_share=0.5, n_major_customers=0))
    flat = flat.set_index("figure")
    assert "flatter than 80/20" in flat.loc["top20pct_share", "reading"]
    assert (
        flat.loc["n_major_customers", "reading"]
        == "No single customer makes 10% or more of revenue"
    )


def test_retention_readings_skip_a_partial_last_period():
    idx = pd.period_range("2022", periods=3, freq="Y")
    table = pd.DataFrame({"grr": [0.8, 0.9, 0.5], "nrr": [0.95, 1.1, 0.6],
                          "partial": [False, False, True]}, index=idx)  # fmt: skip
    r = narrative.retention_readings(table).set_index("figure")
    # 2024 is partial: the readings speak of 2023
    assert r.loc["nrr", "reading"] == (
        "Net revenue retention 110.0% in 2023: the retained accounts grow"
    )
    assert r.loc["grr", "reading"].startswith("Gross revenue retention 90.0%: 10.0% of 2022's")
    shrink = narrative.retention_readings(table.iloc[:1]).set_index("figure")
    assert "can't grow them" in shrink.loc["nrr", "reading"]
    assert narrative.retention_readings(table.iloc[:0]).empty


def test_key_pool_readings():
    idx = pd.period_range("2023", periods=1, freq="Y")
    flow = pd.DataFrame({"start": [10], "entered_new": [1], "entered_upgraded": [1],
                         "left_downgraded": [2], "left_lost": [3], "end": [7]}, index=idx)  # fmt: skip
    r = narrative.key_pool_readings(flow)
    # 10 + 2 entered - 5 left = 7
    assert r["reading"].iloc[0] == (
        "Key-account pool in 2023: 10 → 7 (+2 entered, −5 left): draining like a funnel"
    )
    assert r["value"].iloc[0] == -3


def test_churn_readings():
    summary = pd.DataFrame({"median_lifetime_days": [730.5, math.inf, math.nan],
                            "status": ["ok", "ok", "insufficient data"]},
                           index=["key", "major", "general"])  # fmt: skip
    at_risk = pd.DataFrame({"revenue_12m": [1_000_000.0, 500_000.0]})
    r = narrative.churn_readings(summary, at_risk).set_index("figure")
    assert r.loc["median_lifetime_key", "reading"] == "Key accounts last 2.0 years (median)"
    assert "not reached" in r.loc["median_lifetime_major", "display"]
    assert "median_lifetime_general" not in r.index  # insufficient data: no reading
    assert r.loc["at_risk", "reading"].startswith("2 live key/major accounts are slipping")
    assert "1.5M" in r.loc["at_risk", "reading"]
    calm = narrative.churn_readings(summary, at_risk.iloc[:0]).set_index("figure")
    assert calm.loc["at_risk", "reading"] == "No live key or major account is slipping"


def test_combine_indexes_by_figure():
    a = narrative.concentration_readings(_summary())
    both = narrative.combine(a, None, narrative.retention_readings(pd.DataFrame(
        {"grr": [], "nrr": []})))  # fmt: skip
    assert both.index.name == "figure" and len(both) == len(a)
    assert narrative.combine().empty


def test_a_single_customer_reads_sensibly():
    one = _summary(n_customers=1, top10_share=1.0, top20pct_share=0.2, customers_for_80pct=1.0)
    r = narrative.concentration_readings(one).set_index("figure")
    assert r.loc["customers", "reading"] == "1 customer with positive net revenue"
    assert r.loc["top10_share", "reading"] == "A single customer makes all the revenue"
    assert "says little" in r.loc["top20pct_share", "reading"]
