"""The boundary check every analysis runs on its input (kamresearch.schema.check_transactions)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import kamresearch as kam
from kamresearch import churn, cohorts, facts, pareto
from kamresearch.errors import ConfigError, DataError


@pytest.fixture
def tx():
    return pd.DataFrame(
        {
            "customer_id": ["a", "a", "b", "c"],
            "date": pd.to_datetime(["2023-01-05", "2023-03-01", "2023-02-01", "2023-03-31"]),
            "amount": [100.0, 50.0, 80.0, 20.0],
            "region": "R",
        }
    )


ANALYSES = [
    lambda t: facts.customer_summary(t),
    lambda t: pareto.concentration_summary(t),
    lambda t: churn.customer_lifetimes(t, inactivity_days=30),
    lambda t: cohorts.revenue_bridge(t, freq="M"),
]


@pytest.mark.parametrize("run", ANALYSES)
def test_time_zone_aware_dates_are_a_data_error(tx, run):
    # 2023-03-31 23:30 in Shanghai is 15:30 UTC: which calendar day a purchase falls on
    # depends on the zone, so the check asks for local naive times instead of guessing
    aware = tx.assign(date=tx["date"].dt.tz_localize("Asia/Shanghai"))
    with pytest.raises(DataError, match="time-zone-aware") as err:
        run(aware)
    assert err.value.column == "date" and "tz_localize(None)" in err.value.fix


@pytest.mark.parametrize("run", ANALYSES)
@pytest.mark.parametrize("col", ["customer_id", "date", "amount"])
def test_missing_values_are_a_data_error_everywhere(tx, run, col):
    # a missing amount silently left out of sums (DuckDB's sum skips NULLs) would lose
    # revenue; a missing customer id would be counted as one more customer
    bad = tx.copy()
    if col == "customer_id":  # numeric ids (an ERP's customer numbers), one missing
        bad[col] = [101.0, 101.0, np.nan, 103.0]
    else:
        bad.loc[2, col] = {"date": pd.NaT, "amount": np.nan}[col]
    before = bad.copy()
    with pytest.raises(DataError, match=f"column '{col}' has 1 missing value") as err:
        run(bad)
    assert err.value.column == col and "index [2]" in str(err.value)
    pd.testing.assert_frame_equal(bad, before)  # the input is untouched


def test_clean_table_passes(tx):
    assert kam.schema.check_transactions(tx) is tx


@pytest.mark.parametrize("bad", ["90", 2.7, True, np.nan, 0])
def test_inactivity_days_must_be_a_positive_whole_number(tx, bad):
    with pytest.raises(ConfigError, match="inactivity_days must be a"):
        churn.customer_lifetimes(tx, inactivity_days=bad)


def test_inactivity_days_whole_float_is_accepted(tx):
    lt = churn.customer_lifetimes(tx, inactivity_days=30.0)
    assert lt.attrs["inactivity_days"] == 30
