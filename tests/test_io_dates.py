"""Tests of dates at the boundary: outlying dates, time zones and the as_of bounds.

Data are written here line by line; expected values are read off them (a UTC
offset is applied by hand in the comments), never taken from the reader.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from kamresearch import churn
from kamresearch.engine import AS_OF_MAX_DAYS_AFTER, resolve_as_of
from kamresearch.errors import ConfigError, DataError, DataWarning
from kamresearch.io import read_transactions

# 600 lines, 50 customers, one line a day or so from 2010-12-01 to 2011-12-09
DAYS = pd.date_range("2010-12-01", "2011-12-09", periods=600).strftime("%Y-%m-%d")
BODY = "customer,date,amount\n" + "".join(f"C{i % 50},{d},10\n" for i, d in enumerate(DAYS))
TYPOS = "".join(f"C1,2031-0{k + 1}-05,10\n" for k in range(5))  # rows 602 to 606


def _read(path, text, **options):
    path.write_text(text)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        tx = read_transactions(path, **options)
    return tx, [str(w.message) for w in caught if issubclass(w.category, DataWarning)]


def test_isolated_future_dates_are_a_data_error_listing_them(tmp_path):
    # defect 6: five lines typed as 2031 made as_of 2031 and 94.5% of customers churned
    path = tmp_path / "typos.csv"
    path.write_text(BODY + TYPOS)
    with pytest.raises(DataError, match=r"5 line\(s\) with an outlying date") as info:
        read_transactions(path)
    assert info.value.rows == [(602 + k, f"2031-0{k + 1}-05") for k in range(5)]
    assert "2010-12-01 to 2011-12-09" in str(info.value) and "outlying_dates='drop'" in str(
        info.value
    )


def test_outlying_dates_dropped_or_kept_on_request_and_counted(tmp_path):
    tx, warned = _read(tmp_path / "t.csv", BODY + TYPOS, outlying_dates="drop")
    q = tx.attrs["quality"]
    assert len(tx) == 600 and tx["date"].max() == pd.Timestamp("2011-12-09")
    assert q["outlying_dates"] == 5 and q["outlying_dates_dropped"] == 5
    assert q["lines_read"] == 605 and any("left out" in w for w in warned)
    tx, _ = _read(tmp_path / "t.csv", BODY + TYPOS, outlying_dates="keep")
    assert len(tx) == 605 and tx.attrs["quality"]["outlying_dates_dropped"] == 0
    with pytest.raises(ConfigError, match="outlying_dates must be"):
        _read(tmp_path / "t.csv", BODY, outlying_dates="ignore")


def test_placeholder_date_is_outlying(tmp_path):
    # defect 6: 1900-01-01 placeholders passed silently
    path = tmp_path / "p.csv"
    path.write_text(BODY + "C2,1900-01-01,10\n")
    with pytest.raises(DataError, match=r"outlying date \(1900-01-01;") as info:
        read_transactions(path)
    assert info.value.rows == [(602, "1900-01-01")]


def test_data_without_outliers_and_real_gaps_between_large_parts_pass(tmp_path):
    tx, warned = _read(tmp_path / "ok.csv", BODY)
    assert tx.attrs["quality"]["outlying_dates"] == 0 and warned == []
    # two large parts two years apart (a sales pause): neither is outlying
    later = "".join(f"C{i % 50},2014-0{1 + i % 9}-10,5\n" for i in range(100))
    tx, _ = _read(tmp_path / "two.csv", BODY + later)
    assert len(tx) == 700


def test_iso_offsets_are_parsed_and_converted_by_the_stated_rule(tmp_path):
    # defect 11: "+08:00" dates were "not a date"; defect 6: zones converted, never stripped
    text = "customer,date,amount\nA,2021-04-03T23:30:00+08:00,1\nB,2021-04-03T23:30:00Z,2\n"
    tx, warned = _read(tmp_path / "z.csv", text)
    # default: each timestamp's own wall clock
    assert list(tx["date"]) == [pd.Timestamp("2021-04-03 23:30")] * 2
    assert tx.attrs["quality"]["time_zone"].startswith("local wall time")
    assert any("2 time zones or UTC offsets" in w for w in warned)
    tx, warned = _read(tmp_path / "z.csv", text, tz="Asia/Shanghai")
    # 23:30Z = 07:30 next day in Shanghai (UTC+8); 23:30+08:00 stays
    assert list(tx["date"]) == [pd.Timestamp("2021-04-03 23:30"), pd.Timestamp("2021-04-04 07:30")]
    assert tx.attrs["quality"]["time_zone"] == "converted to Asia/Shanghai (from +00:00, +08:00)"
    assert warned == []


def test_tz_aware_column_converted_to_the_stated_zone():
    dates = pd.to_datetime(["2021-01-01 10:00", "2021-01-02 23:00"]).tz_localize("UTC")
    src = pd.DataFrame({"customer": ["a", "b"], "date": dates, "amount": [1.0, 2.0]})
    tx = read_transactions(src, tz="Asia/Shanghai")
    assert list(tx["date"]) == [pd.Timestamp("2021-01-01 18:00"), pd.Timestamp("2021-01-03 07:00")]
    assert read_transactions(src).attrs["quality"]["time_zone"] == (
        "local wall time of each timestamp (UTC)"
    )
    with pytest.raises(ConfigError, match="not a time zone"):
        read_transactions(src, tz="Mars/Olympus")


def _tx():
    return pd.DataFrame(
        {
            "customer_id": ["a", "b", "a"],
            "date": pd.to_datetime(["2011-01-03", "2011-02-01", "2011-12-09"]),
            "amount": [1.0, 2.0, 3.0],
            "region": ["x"] * 3,
        }
    )


def test_as_of_far_beyond_the_data_is_refused_unless_forced():
    # defect 6: --as-of 2030-01-01 published "Net revenue retention 2012 0.0%"
    tx = _tx()
    with pytest.raises(DataError, match=r"as_of 2030-01-01 is 6,598 days after the last date"):
        resolve_as_of(tx, "2030-01-01", max_days_after=AS_OF_MAX_DAYS_AFTER)
    assert resolve_as_of(tx, "2030-01-01", max_days_after=366, force=True) == pd.Timestamp(
        "2030-01-01"
    )
    # within the bound: 2012-12-09 is 366 days after 2011-12-09
    assert resolve_as_of(tx, "2012-12-09", max_days_after=366) == pd.Timestamp("2012-12-09")


def test_as_of_before_the_data_says_so():
    # defect 11: reported as "no customer has two or more purchase days"
    with pytest.raises(DataError, match="as_of 2010-06-30 is before the first date in the data"):
        churn.suggest_inactivity_window(_tx(), as_of="2010-06-30")
    assert np.isfinite(churn.suggest_inactivity_window(_tx(), as_of="2011-12-31").days)


def test_cli_validate_outlying_dates_option(tmp_path):
    from click.testing import CliRunner

    from kamresearch.cli import main

    path = tmp_path / "t.csv"
    path.write_text(BODY + TYPOS)
    result = CliRunner().invoke(main, ["validate", str(path)])
    assert result.exit_code == 2 and "outlying date" in result.output
    result = CliRunner().invoke(main, ["validate", str(path), "--outlying-dates", "drop"])
    assert result.exit_code == 0 and "outlying dates dropped" in result.output


def test_report_run_refuses_a_far_as_of_and_takes_the_reading_options(tmp_path):
    # defect 6: --as-of 2030-01-01 on data ending 2011 published NRR 0.0% without a word
    from kamresearch import reports

    path = tmp_path / "t.csv"
    path.write_text(BODY)
    with pytest.raises(DataError, match="as_of 2030-01-01 is 6,598 days after") as info:
        reports.run(path, out=tmp_path / "out", as_of="2030-01-01")
    assert str(path) in str(info.value) and "force_as_of" in info.value.fix
    with pytest.raises(DataError, match="before the first date in the data"):
        reports.run(path, out=tmp_path / "out", as_of="2009-01-01")
    path.write_text(BODY + TYPOS)
    with pytest.raises(DataError, match="outlying date"):
        reports.run(path, out=tmp_path / "out")
    with pytest.raises(ConfigError, match="outlying_dates must be"):
        reports.run(path, out=tmp_path / "out", outlying_dates="maybe")
    with pytest.raises(ConfigError, match="decimal must be"):
        reports.run(path, out=tmp_path / "out", decimal=";")
