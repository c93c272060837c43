"""kamresearch.engine.facts against a plain-pandas implementation written here."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from kamresearch import facts
from kamresearch.errors import ConfigError, DataError


def _random_tx(seed=1, n=4000, n_cust=150):
    rng = np.random.default_rng(seed)
    tx = pd.DataFrame(
        {
            "customer_id": rng.choice([f"c{i:03d}" for i in range(n_cust)], n).astype(object),
            "date": pd.Timestamp("2022-01-01")
            + pd.to_timedelta(rng.integers(0, 700, n), unit="D")
            + pd.to_timedelta(rng.integers(0, 86400, n), unit="s"),
            "amount": np.round(rng.normal(100, 80, n), 2),  # ~10% negative lines
            "region": rng.choice(["North", "South", "华东"], n).astype(object),
            "segment": rng.choice(["a", "b"], n).astype(object),
        }
    )
    return tx


def _pandas_summary(tx, as_of):
    """Independent reference: the documented definitions, in plain pandas."""
    tx = tx[tx["date"] < as_of + pd.Timedelta(days=1)].copy()
    tx["day"] = tx["date"].dt.normalize()
    pos = tx[tx["amount"] > 0]
    out = pd.DataFrame(
        {
            "first_purchase": pos.groupby("customer_id")["day"].min(),
            "last_purchase": pos.groupby("customer_id")["day"].max(),
            "first_seen": tx.groupby("customer_id")["day"].min(),
            "last_seen": tx.groupby("customer_id")["day"].max(),
            "n_purchase_days": pos.groupby("customer_id")["day"].nunique(),
            "n_lines": tx.groupby("customer_id").size(),
            "revenue": tx.groupby("customer_id")["amount"].sum(),
            "gross_revenue": pos.groupby("customer_id")["amount"].sum(),
        }
    )
    out["n_purchase_days"] = out["n_purchase_days"].fillna(0).astype("int64")
    out["gross_revenue"] = out["gross_revenue"].fillna(0.0)
    by_region = tx.groupby(["customer_id", "region"])["amount"].sum().reset_index()
    by_region = by_region.sort_values(
        ["customer_id", "amount", "region"], ascending=[True, False, True]
    )
    out["region"] = by_region.drop_duplicates("customer_id").set_index("customer_id")["region"]
    latest = tx.sort_values("date").groupby("customer_id").tail(1).set_index("customer_id")
    out["segment"] = latest["segment"]
    return out.sort_index()


@pytest.mark.parametrize("as_of", [None, "2023-06-30"])
def test_customer_summary_matches_pandas(as_of):
    tx = _random_tx()
    before = tx.copy()
    got = facts.customer_summary(tx, as_of=as_of)
    cut = facts.resolve_as_of(tx, as_of)
    want = _pandas_summary(tx, cut)
    pd.testing.assert_frame_equal(
        got[want.columns], want, check_names=False, check_exact=False, rtol=1e-12
    )
    pd.testing.assert_frame_equal(tx, before)  # input untouched
    expected_after = int((tx["date"] >= cut + pd.Timedelta(days=1)).sum())
    assert got.attrs["lines_after_as_of"] == expected_after
    assert (expected_after > 0) == (as_of is not None)


def test_region_ties_go_to_the_alphabetically_first():
    tx = pd.DataFrame(
        {
            "customer_id": ["x", "x", "y"],
            "date": pd.to_datetime(["2024-01-01", "2024-01-02", "2024-01-03"]),
            "amount": [50.0, 50.0, 10.0],
            "region": ["West", "East", "West"],
        }
    )
    got = facts.customer_summary(tx)
    assert got.loc["x", "region"] == "East"  # 50 each: East < West alphabetically
    assert got.loc["x", "n_purchase_days"] == 2


def test_returns_only_customer_has_no_purchase_dates():
    tx = pd.DataFrame(
        {
            "customer_id": ["r", "p"],
            "date": pd.to_datetime(["2024-01-05", "2024-01-06"]),
            "amount": [-20.0, 30.0],
            "region": ["All", "All"],
        }
    )
    got = facts.customer_summary(tx)
    assert pd.isna(got.loc["r", "first_purchase"]) and got.loc["r", "n_purchase_days"] == 0
    assert got.loc["r", "revenue"] == -20.0 and got.loc["r", "gross_revenue"] == 0.0


@pytest.mark.parametrize("freq,pfreq", [("M", "M"), ("Q", "Q"), ("Y", "Y"), ("W", "W")])
def test_customer_periods_matches_pandas(freq, pfreq):
    tx = _random_tx(seed=2)
    got = facts.customer_periods(tx, freq=freq, as_of="2023-03-31")
    t = tx[tx["date"] < pd.Timestamp("2023-04-01")].copy()
    t["period"] = t["date"].dt.to_period(pfreq)
    t["pos"] = t["amount"].where(t["amount"] > 0, 0.0)
    want = (
        t.groupby(["customer_id", "period"])
        .agg(
            revenue=("amount", "sum"),
            gross_revenue=("pos", "sum"),
            purchased=("amount", lambda a: bool((a > 0).any())),
            n_lines=("amount", "size"),
        )
        .reset_index()
    )
    pd.testing.assert_frame_equal(
        got.reset_index(drop=True), want, check_exact=False, rtol=1e-12, check_dtype=False
    )
    assert got["period"].dtype == want["period"].dtype


def test_customer_days_matches_pandas():
    tx = _random_tx(seed=3)
    got = facts.customer_days(tx)
    t = tx.assign(day=tx["date"].dt.normalize())
    want = (
        t.groupby(["customer_id", "day"])
        .agg(revenue=("amount", "sum"), purchase=("amount", lambda a: bool((a > 0).any())))
        .reset_index()
    )
    pd.testing.assert_frame_equal(got.reset_index(drop=True), want, check_exact=False, rtol=1e-12)


def test_bad_arguments_raise_clear_errors():
    tx = _random_tx(n=50)
    with pytest.raises(ConfigError, match="freq='X' is not supported"):
        facts.customer_periods(tx, freq="X")
    with pytest.raises(DataError, match="is not a date"):
        facts.customer_summary(tx, as_of="not a date")
    with pytest.raises(DataError, match="lacks the canonical column"):
        facts.customer_summary(tx.drop(columns="region"))
    with pytest.raises(DataError, match="no transactions"):
        facts.customer_summary(tx.iloc[:0])
    with pytest.raises(DataError, match="must be a pandas DataFrame"):
        facts.customer_summary([1, 2, 3])


@pytest.mark.parametrize(
    "given, expected",
    [
        ("2011-02-01", "2011-02-01"),
        ("2011/2/1", "2011-02-01"),
        ("20110201", "2011-02-01"),
        (" 2011-02-01 17:30 ", "2011-02-01"),
        (pd.Timestamp("2011-02-01 09:00"), "2011-02-01"),
        (np.datetime64("2011-02-01"), "2011-02-01"),
    ],
)
def test_as_of_accepts_dates_and_year_first_strings(given, expected):
    tx = _random_tx(n=5).assign(date=lambda t: t["date"] - pd.DateOffset(years=12))  # 2010-11
    assert facts.resolve_as_of(tx, given) == pd.Timestamp(expected)


@pytest.mark.parametrize("given", ["01/02/2011", "1.2.2011", "Feb 1 2011", "2011", "soon"])
def test_as_of_rejects_strings_that_are_not_year_first(given):
    # 01/02/2011 is 1 February in Europe and 2 January in the US: never guess
    with pytest.raises(DataError, match="is not a date written year-first") as err:
        facts.resolve_as_of(_random_tx(n=5), given)
    assert "YYYY-MM-DD" in err.value.fix
