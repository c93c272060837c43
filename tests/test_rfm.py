"""Tests of kamresearch.churn.rfm_summary against independent computations.

Independent references (none calls kamresearch's engine):
- ``_ref_rfm``: the RFM table in plain pandas from the lines (customer x calendar day,
  days whose largest line is positive, repeat days' mean revenue);
- expected values worked out by hand for a small frame with planted cases;
- ``kamresearch.churn.customer_lifetimes`` (its own reduction, kamresearch.engine.purchases,
  with window functions) on the built-in sample;
- the lifetimes package's ``summary_data_from_transaction_data`` (when installed).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import kamresearch as kam
from kamresearch import churn
from kamresearch.engine.table import LazyTable
from kamresearch.errors import DataError

COLUMNS = ["frequency", "recency", "T", "monetary_value"]
D0 = pd.Timestamp("2024-01-01")


def _ref_rfm(tx: pd.DataFrame, as_of) -> pd.DataFrame:
    """The documented definitions in pandas: group by customer and calendar day."""
    as_of = pd.Timestamp(as_of)
    t = tx[tx["date"] < as_of + pd.Timedelta(days=1)]
    days = t.groupby([t["customer_id"], t["date"].dt.normalize().rename("day")])["amount"]
    days = days.agg(["sum", "max"]).reset_index()
    p = days[days["max"] > 0].sort_values(["customer_id", "day"])
    g = p.groupby("customer_id")
    first, last = g["day"].min(), g["day"].max()
    repeat = p[p.groupby("customer_id").cumcount() > 0].groupby("customer_id")["sum"].mean()
    out = pd.DataFrame(
        {
            "frequency": g.size() - 1,
            "recency": (last - first).dt.days,
            "T": (as_of - first).dt.days,
            "monetary_value": repeat.reindex(first.index).fillna(0.0),
        }
    )
    return out.sort_index()


def _lines(rows) -> pd.DataFrame:
    """Canonical lines from (customer, days after D0 (may be fractional), amount)."""
    return pd.DataFrame(
        {
            "customer_id": [r[0] for r in rows],
            "date": [D0 + pd.Timedelta(days=r[1]) for r in rows],
            "amount": [float(r[2]) for r in rows],
            "region": "North",
        }
    )


#: as_of = D0 + 30 days
PLANTED = [
    ("A", 0, 100), ("A", 0.5, -30),  # day 0: a same-day return, netted: 70
    ("A", 5, 50),
    ("A", 10, -20),  # a day of returns only: not a purchase day
    ("A", 20, 40), ("A", 20.9, 10),  # day 20: 50
    ("A", 40, 999),  # after as_of: ignored and counted
    ("B", 3, 80),  # a single purchase day: frequency 0, monetary 0
    ("C", 4, -10),  # returns only: no purchase, left out and counted
    ("D", 25, 10), ("D", 28, 30), ("D", 28.2, -40),  # day 28 nets -10 but has a purchase
    ("E", 35, 5),  # only after as_of: not a customer up to as_of
    ("F", 5.98, 10), ("F", 6.02, 20),  # 23:31 and 00:28: two calendar days
]  # fmt: skip


@pytest.fixture(scope="module")
def planted():
    return _lines(PLANTED)


def test_planted_cases_by_hand(planted):
    got = churn.rfm_summary(planted, as_of=D0 + pd.Timedelta(days=30))
    exp = pd.DataFrame(
        {
            # A: purchase days 0 (70), 5 (50), 20 (50); B: day 3; D: 25 (10), 28 (-10);
            # F: days 5 (10) and 6 (20)
            "frequency": [2, 0, 1, 1],
            "recency": [20, 0, 3, 1],
            "T": [30, 27, 5, 25],
            "monetary_value": [50.0, 0.0, -10.0, 20.0],
        },
        index=pd.Index(["A", "B", "D", "F"], name="customer_id"),
    )
    pd.testing.assert_frame_equal(got, exp)
    assert got.attrs["as_of"] == pd.Timestamp("2024-01-31")
    assert got.attrs["lines_after_as_of"] == 2  # A's day 40 and E's day 35
    assert got.attrs["customers_without_purchase"] == 1  # C
    assert got.attrs["convention"] == churn.RFM_CONVENTION
    pd.testing.assert_frame_equal(got, _ref_rfm(planted, "2024-01-31"), check_dtype=False)


def test_planted_default_as_of_is_the_last_date(planted):
    got = churn.rfm_summary(planted)
    assert got.attrs["as_of"] == pd.Timestamp("2024-02-10")  # A's line on day 40
    assert got.attrs["lines_after_as_of"] == 0
    assert list(got.index) == ["A", "B", "D", "E", "F"]
    assert got.loc["A", "frequency"] == 3 and got.loc["A", "monetary_value"] == (50 + 50 + 999) / 3
    pd.testing.assert_frame_equal(got, _ref_rfm(planted, "2024-02-10"), check_dtype=False)


def test_planted_lazy_table_same_as_dataframe(planted):
    lazy = LazyTable.from_frame(planted)
    for as_of in ("2024-01-31", None):
        a = churn.rfm_summary(planted, as_of=as_of)
        b = churn.rfm_summary(lazy, as_of=as_of)
        pd.testing.assert_frame_equal(a, b)
        assert a.attrs == b.attrs


def test_sample_matches_independent_pandas(sample_tx):
    for as_of in (None, "2024-06-30"):
        got = churn.rfm_summary(sample_tx, as_of=as_of)
        ref = _ref_rfm(sample_tx, got.attrs["as_of"])
        assert list(got.columns) == COLUMNS and got.index.name == "customer_id"
        assert [str(d) for d in got.dtypes] == ["int64", "int64", "int64", "float64"]
        assert got.index.is_monotonic_increasing
        pd.testing.assert_frame_equal(got, ref, check_dtype=False, check_exact=False, rtol=1e-9)
    assert got.attrs["lines_after_as_of"] == int((sample_tx["date"] >= "2024-07-01").sum())


def test_sample_equals_customer_lifetimes_columns(sample_tx):
    got = churn.rfm_summary(sample_tx, as_of="2024-06-30")
    lt = churn.customer_lifetimes(sample_tx, as_of="2024-06-30", inactivity_days=90)
    pd.testing.assert_frame_equal(got[COLUMNS[:3]], lt[COLUMNS[:3]])
    pd.testing.assert_series_equal(
        got["monetary_value"], lt["monetary_value"], check_exact=False, rtol=1e-9, atol=0
    )
    assert got.attrs["lines_after_as_of"] == lt.attrs["lines_after_as_of"]
    assert got.attrs["customers_without_purchase"] == lt.attrs["customers_without_purchase"]


def test_scanned_parquet_same_as_dataframe(sample_tx, tmp_path):
    path = tmp_path / "sample.parquet"
    sample_tx.to_parquet(path, index=False)
    lazy = kam.scan_transactions(path)
    for as_of in (None, "2024-06-30"):
        a = churn.rfm_summary(sample_tx, as_of=as_of)
        b = churn.rfm_summary(lazy, as_of=as_of)
        pd.testing.assert_frame_equal(a, b, check_exact=False, rtol=1e-9)
        assert a.attrs == b.attrs
    # remembered per lazy table, handed out as a copy
    b["frequency"] = -1
    assert (churn.rfm_summary(lazy, as_of="2024-06-30")["frequency"] >= 0).all()


def test_equals_lifetimes_package_on_customers_without_returns(sample_tx):
    utils = pytest.importorskip("lifetimes.utils")
    as_of = "2024-06-30"
    t = sample_tx[sample_tx["date"] < "2024-07-01"]
    # lifetimes counts every day with a line (returns too): compare on the customers
    # whose lines are all positive, where the two conventions coincide
    pos = t.groupby("customer_id")["amount"].min() > 0
    ids = pos.index[pos.to_numpy()]
    assert 0 < len(ids) < len(pos)  # the sample has returns: the filter matters
    ref = utils.summary_data_from_transaction_data(
        t[t["customer_id"].isin(ids)], "customer_id", "date", monetary_value_col="amount",
        observation_period_end=as_of, freq="D",
    )  # fmt: skip
    got = churn.rfm_summary(sample_tx, as_of=as_of).loc[ref.index]
    pd.testing.assert_frame_equal(
        got.astype(float), ref[COLUMNS], check_names=False, check_exact=False, rtol=1e-9
    )


def test_monetary_precision_when_the_first_day_dominates():
    # Notes: (R - R_1) / frequency keeps ~1e-16 * |R| / |R - R_1| relative precision;
    # with a first day 1e6 times the repeat days' total that is well inside 1e-9
    tx = _lines([("A", 0, 1.2345e6 * 7.77), ("A", 1, 3.33), ("A", 2, 4.44)])
    got = churn.rfm_summary(tx)
    assert got.loc["A", "monetary_value"] == pytest.approx((3.33 + 4.44) / 2, rel=1e-9)


def test_does_not_modify_the_input(planted):
    before = planted.copy()
    churn.rfm_summary(planted, as_of="2024-01-31")
    pd.testing.assert_frame_equal(planted, before)


def test_errors(planted):
    with pytest.raises(DataError, match="before the first date"):
        churn.rfm_summary(planted, as_of="2023-12-01")
    with pytest.raises(DataError, match="no transactions"):
        churn.rfm_summary(planted.iloc[:0], as_of="2024-01-31")
    with pytest.raises(DataError, match="no transactions"):
        churn.rfm_summary(planted.iloc[:0])
    with pytest.raises(TypeError):
        churn.rfm_summary(planted, "2024-01-31")  # as_of is keyword-only


def test_returns_only_customers_leave_an_empty_table():
    tx = _lines([("C", 0, -10), ("C", 1, -5)])
    got = churn.rfm_summary(tx)
    assert got.empty and list(got.columns) == COLUMNS
    assert got.attrs["customers_without_purchase"] == 1
    assert np.dtype(got["frequency"].dtype) == np.int64
