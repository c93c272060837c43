"""Readings that know their limits: 1, 2, 12 equal and 12 unequal customers, two periods.

Each expectation is derived from *why* it should hold, not from the code's output:

* 1 or 2 customers: fewer than a top 20% of one whole customer (20% of 5 is the first
  whole one), so no concentration figure can mean dependence -- the reading must say
  the data are too few to judge and give no share, HHI or Gini.
* 12 customers buying the same: the most even split 12 customers allow. Whatever
  the raw top-10 share (10/12 = 83%) or HHI (10,000/12 = 833), the reading must not
  call it concentrated.
* 12 customers, one with 89% of revenue: as concentrated as a split of 12 gets
  short of one buyer; the reading must say highly concentrated.
* Every share quoted for 12 customers (fewer than FEW_CUSTOMERS) carries the warning.
* A region with two periods: one period-on-period change cannot tell a trend from a
  one-off; no retention or key-pool verdict. Three periods (two changes): a verdict.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from kamresearch import cohorts, narrative, pareto

SHARE_FIGURES = ("top10_share", "top20pct_share", "customers_for_80pct", "n_major_customers")


def _tx(amounts, *, date="2024-03-01") -> pd.DataFrame:
    return pd.DataFrame({"customer_id": [f"c{i:02d}" for i in range(len(amounts))],
                         "date": pd.Timestamp(date), "amount": [float(a) for a in amounts],
                         "region": "R"})  # fmt: skip


def _readings(amounts) -> pd.DataFrame:
    return narrative.concentration_readings(pareto.concentration_summary(_tx(amounts)))


@pytest.mark.parametrize("amounts", [[500.0], [300.0, 200.0]], ids=["1 customer", "2 customers"])
def test_one_or_two_customers_are_too_few_to_judge(amounts):
    r = _readings(amounts).set_index("figure")
    n = len(amounts)
    assert n < narrative.MIN_CUSTOMERS  # the documented minimum is above these cases
    # no figure: a too-few reading in place of the top-10 share, and no other measure
    assert math.isnan(r.loc["top10_share", "value"]) and r.loc["top10_share", "display"] == "–"
    assert "too few to judge concentration" in r.loc["top10_share", "reading"]
    for figure in ("top20pct_share", "customers_for_80pct", "hhi", "gini"):
        assert figure not in r.index
    # every customer here has >= 10% of revenue (300/500, 200/500, 500/500): the dependency
    # stands at any size, with the small-base warning
    assert r.loc["n_major_customers", "value"] == n
    assert f"only {n} customer" in r.loc["n_major_customers", "reading"]
    assert r.loc["customers", "value"] == n


def test_twelve_equal_customers_are_not_concentrated():
    r = _readings([1000.0] * 12).set_index("figure")
    # raw figures (independent arithmetic): top 10 of 12 equal = 10/12, HHI = 12 x (1/12)^2 x 1e4
    assert r.loc["top10_share", "value"] == pytest.approx(10 / 12)
    assert r.loc["hhi", "value"] == pytest.approx(10_000 / 12)
    top10 = r.loc["top10_share", "reading"]
    assert "broadly spread" in top10
    assert "concentrated" not in top10  # neither "highly concentrated" nor "concentrated"
    assert "83%" in top10  # it names the floor it was judged against (10/12)
    assert r.loc["hhi", "reading"].startswith("HHI 833: unconcentrated")
    for figure in SHARE_FIGURES:
        assert "only 12 customers" in r.loc[figure, "reading"], figure


def test_five_equal_customers_hhi_is_judged_against_its_floor():
    # 5 equal customers: HHI 2,000 (above 1,800, "highly concentrated" by the plain bands)
    # is the floor of 5 customers: normalised HHI (2,000 - 2,000) / (1 - 1/5) = 0
    r = _readings([10.0] * 5).set_index("figure")
    assert r.loc["hhi", "value"] == pytest.approx(2000)
    assert "unconcentrated" in r.loc["hhi", "reading"]
    assert "equal shares give 2,000" in r.loc["hhi", "reading"]


def test_twelve_unequal_customers_are_highly_concentrated():
    amounts = [8900.0] + [100.0] * 11  # one customer 89% of 10,000
    r = _readings(amounts).set_index("figure")
    shares = np.array(amounts) / sum(amounts)
    hhi = 10_000 * float(np.sum(shares**2))  # 7,932 by hand: 0.89^2 + 11 x 0.01^2
    assert hhi == pytest.approx(7932)
    assert r.loc["hhi", "value"] == pytest.approx(hhi)
    assert r.loc["top10_share", "value"] == pytest.approx(0.89 + 9 * 0.01)
    assert r.loc["top10_share", "reading"].split(" (only")[0].endswith("highly concentrated")
    assert "highly concentrated" in r.loc["hhi", "reading"]
    assert r.loc["n_major_customers", "value"] == 1  # only the 89% customer is >= 10%
    for figure in SHARE_FIGURES:
        assert "only 12 customers" in r.loc[figure, "reading"], figure


def test_thousands_of_customers_carry_no_warning():
    rng = np.random.default_rng(7)
    r = _readings(rng.pareto(1.5, 3000) + 1).set_index("figure")
    assert not r["reading"].str.contains("only 3,000").any()
    assert not r["reading"].str.contains("one account moves").any()


def _years(n_years: int) -> pd.DataFrame:
    """Six customers buying each year from 2021 on; two stop in the last year."""
    rows = []
    for y in range(2021, 2021 + n_years):
        for i, c in enumerate("abcdef"):
            if y == 2020 + n_years and i < 2:
                continue
            rows.append((c, pd.Timestamp(f"{y}-06-01"), 100.0 + 10 * i))
    return pd.DataFrame(rows, columns=["customer_id", "date", "amount"]).assign(region="R")


def test_a_region_with_two_periods_is_too_short_to_judge():
    tx = _years(2)  # 2021 and 2022: one change
    rr = cohorts.revenue_retention(tx, freq="Y", as_of="2022-12-31")
    r = narrative.retention_readings(rr).set_index("figure")
    assert list(r.index) == ["nrr"]
    assert math.isnan(r.loc["nrr", "value"]) and r.loc["nrr", "display"] == "–"
    assert "Only 2 periods" in r.loc["nrr", "reading"]
    assert "too few to judge" in r.loc["nrr", "reading"]
    flow = pd.DataFrame({"start": [4], "entered_new": [0], "entered_upgraded": [0],
                         "left_downgraded": [0], "left_lost": [2], "end": [2], "partial": [False]},
                        index=pd.period_range("2022", periods=1, freq="Y"))  # fmt: skip
    pool = narrative.key_pool_readings(flow)
    assert "too few to judge" in pool["reading"].iloc[0]
    assert "funnel" not in pool["reading"].iloc[0]


def test_three_periods_get_a_verdict():
    tx = _years(3)  # two changes: 2022 on 2021 and 2023 on 2022
    rr = cohorts.revenue_retention(tx, freq="Y", as_of="2023-12-31")
    r = narrative.retention_readings(rr).set_index("figure")
    # 2023 keeps c..f of 2022's six: (120 + 130 + 140 + 150) / (100 + ... + 150) = 540 / 750
    assert r.loc["nrr", "value"] == pytest.approx(540 / 750)
    assert "too few" not in r.loc["nrr", "reading"]
