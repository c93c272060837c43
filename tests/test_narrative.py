"""Plain-language readings: hand-made results with known wording."""

from __future__ import annotations

import math

import pandas as pd

from kamresearch import cohorts, narrative


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
    assert r.loc["grr", "reading"] == (
        "Gross revenue retention 90.0% in 2023: the accounts with positive net revenue in 2022 "
        "lost 10.0% of their 2022 revenue to churn and contraction"
    )
    # min_periods=2: the wording of one comparison (the rule is tested in test_narrative_small)
    shrink = narrative.retention_readings(table.iloc[:1], min_periods=2).set_index("figure")
    assert "can't grow them" in shrink.loc["nrr", "reading"]
    assert narrative.retention_readings(table.iloc[:0]).empty


def test_key_pool_readings():
    idx = pd.period_range("2023", periods=1, freq="Y")
    flow = pd.DataFrame({"start": [10], "entered_new": [1], "entered_upgraded": [1],
                         "left_downgraded": [2], "left_lost": [3], "end": [7]}, index=idx)  # fmt: skip
    r = narrative.key_pool_readings(flow, min_periods=2)
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
    # too few to judge: no top-20% share of a single customer (test_narrative_small)
    assert "too few to judge concentration" in r.loc["top10_share", "reading"]
    assert "top20pct_share" not in r.index


def _nrr_reading(nrr):
    table = pd.DataFrame({"grr": [0.9], "nrr": [nrr], "partial": [False]},
                         index=pd.period_range("2023", periods=1, freq="Y"))  # fmt: skip
    return (
        narrative.retention_readings(table, min_periods=2).set_index("figure").loc["nrr", "reading"]
    )


def test_nrr_verdict_agrees_with_the_displayed_figure():
    flat = "the retained accounts hold level (neither grow nor shrink)"
    assert _nrr_reading(1.0) == f"Net revenue retention 100.0% in 2023: {flat}"
    # 99.96% and 100.04% both display as 100.0% at one decimal: flat, not shrinking/growing
    assert _nrr_reading(0.9996) == f"Net revenue retention 100.0% in 2023: {flat}"
    assert _nrr_reading(1.0004) == f"Net revenue retention 100.0% in 2023: {flat}"
    # 99.94% displays as 99.9%, 100.06% as 100.1%
    assert _nrr_reading(0.9994).endswith("99.9% in 2023: the retained accounts shrink: "
                                         "the firm can't grow them")  # fmt: skip
    assert _nrr_reading(1.0006).endswith("100.1% in 2023: the retained accounts grow")


def test_unchanged_customers_read_as_flat_retention():
    # a buys 100 and b 50 in both years: 2023 keeps exactly the 150 of 2022, NRR = GRR = 150/150
    # (data from 1 January 2022, so the base year is fully covered, not a partial period)
    tx = pd.DataFrame({"customer_id": ["a", "b", "a", "b"],
                       "date": pd.to_datetime(["2022-01-01"] * 2 + ["2023-03-01"] * 2),
                       "amount": [100.0, 50.0, 100.0, 50.0], "region": "R"})  # fmt: skip
    rr = cohorts.revenue_retention(tx, freq="Y", as_of="2023-12-31")
    r = narrative.retention_readings(rr, min_periods=2).set_index("figure")["reading"]
    assert r["nrr"] == (
        "Net revenue retention 100.0% in 2023: the retained accounts hold level "
        "(neither grow nor shrink)"
    )
    assert r["grr"] == (
        "Gross revenue retention 100.0% in 2023: the accounts with positive net revenue in "
        "2022 kept all their 2022 revenue"
    )


def test_grr_reading_states_its_base():
    # 2022: a buys 1,000; z (acquired 2021 with 600) returns 900, so 2022 net revenue is 100.
    # The GRR base is a's 1,000 alone (z's 2022 net revenue is negative); a buys 500 in 2023:
    # GRR = 500 / 1,000 = 50% -- half of the base's revenue, not "50% of 2022's revenue" (100).
    tx = pd.DataFrame({"customer_id": ["z", "a", "z", "a"],
                       "date": pd.to_datetime(["2021-03-01", "2022-03-01", "2022-03-01",
                                               "2023-03-01"]),
                       "amount": [600.0, 1000.0, -900.0, 500.0], "region": "R"})  # fmt: skip
    rr = cohorts.revenue_retention(tx, freq="Y", as_of="2023-12-31")
    r = narrative.retention_readings(rr).set_index("figure")
    assert r.loc["grr", "reading"] == (
        "Gross revenue retention 50.0% in 2023: the accounts with positive net revenue in 2022 "
        "lost 50.0% of their 2022 revenue to churn and contraction"
    )
    assert "2022's revenue" not in r.loc["grr", "reading"]


def test_a_partial_only_period_is_labelled_and_not_judged():
    # six customers buy 200 each in 2023 and 100 each by 15 Mar 2024: 2024 is 2.5 months old
    rows = []
    for c in "abcdef":
        rows += [(c, "2023-02-01", 100.0), (c, "2023-11-01", 100.0), (c, "2024-02-01", 100.0)]
    tx = pd.DataFrame(rows, columns=["customer_id", "date", "amount"]).assign(region="R")
    tx["date"] = pd.to_datetime(tx["date"])
    rr = cohorts.revenue_retention(tx, freq="Y", as_of="2024-03-15")
    r = narrative.retention_readings(rr, min_periods=2).set_index("figure")
    not_over = "the period is not over, so this is not comparable with a full period"
    # 600 of 1,200 so far: 50.0%, labelled partial, with no shrink or leak verdict
    assert r.loc["nrr", "label"] == "Net revenue retention 2024 (partial, to 15 Mar)"
    assert r.loc["nrr", "reading"] == (
        f"Net revenue retention 50.0% in 2024 (partial, to 15 Mar): {not_over}"
    )
    assert r.loc["grr", "reading"] == (
        f"Gross revenue retention 50.0% in 2024 (partial, to 15 Mar): {not_over}"
    )
    flow = pd.DataFrame({"start": [1], "entered_new": [0], "entered_upgraded": [0],
                         "left_downgraded": [0], "left_lost": [1], "end": [0],
                         "partial": [True]}, index=pd.period_range("2024", periods=1, freq="Y"))  # fmt: skip
    flow.attrs["as_of"] = pd.Timestamp("2024-03-15")
    pool = narrative.key_pool_readings(flow, min_periods=2)
    assert pool["label"].iloc[0] == "Key-account pool 2024 (partial, to 15 Mar)"
    assert pool["reading"].iloc[0] == (
        f"Key-account pool in 2024 (partial, to 15 Mar): 1 → 0 (+0 entered, −1 left): {not_over}"
    )
    flow.attrs = {}  # no as_of known: still labelled partial
    assert narrative.key_pool_readings(flow, min_periods=2)["label"].iloc[0] == (
        "Key-account pool 2024 (partial)"
    )


def test_customers_for_80pct_singular_and_small_shares():
    # 1 of 12 customers = 8.3%, shown as 8%: one customer, singular verb
    one = narrative.concentration_readings(_summary(n_customers=12, customers_for_80pct=1 / 12))
    one = one.set_index("figure")
    assert one.loc["customers_for_80pct", "reading"] == (
        "1 customer (8%) makes 80% of revenue (only 12 customers: one account moves this share "
        "a lot)"
    )
    # 2 of 1,000 customers = 0.2%: not "0%"
    two = narrative.concentration_readings(_summary(n_customers=1000, customers_for_80pct=0.002))
    two = two.set_index("figure")
    assert two.loc["customers_for_80pct", "reading"] == "2 customers (0.2%) make 80% of revenue"
    assert two.loc["customers_for_80pct", "display"] == "0.2% (2)"
    # 3 of 10,000 = 0.03%: below 0.05%, shown as "<0.1%"
    few = narrative.concentration_readings(_summary(n_customers=10_000, customers_for_80pct=3e-4))
    assert few.set_index("figure").loc["customers_for_80pct", "reading"] == (
        "3 customers (<0.1%) make 80% of revenue"
    )


def test_hhi_display_agrees_with_its_band():
    def hhi(value, band):
        r = narrative.concentration_readings(_summary(hhi=value, hhi_band=band))
        return r.set_index("figure").loc["hhi", ["display", "reading"]].tolist()

    tail = "(above 1,800 is highly concentrated)"
    # 1,800.4 is above 1,800 (highly concentrated): "1,800" would contradict the band
    assert hhi(1800.4, "highly concentrated") == [
        "1,800.4", f"HHI 1,800.4: highly concentrated {tail}"]  # fmt: skip
    # 999.6 is below 1,000 (unconcentrated): "1,000" would read as moderately concentrated
    assert hhi(999.6, "unconcentrated")[0] == "999.6"
    # 1,800.04 still shows 1,800.0 at one decimal: two decimals
    assert hhi(1800.04, "highly concentrated")[0] == "1,800.04"
    # away from an edge, or exactly on one, a whole number is enough
    assert hhi(1234.4, "moderately concentrated")[0] == "1,234"
    assert hhi(1800.0, "moderately concentrated")[0] == "1,800"
