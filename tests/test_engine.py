"""Every analysis three ways: a pandas DataFrame, a DuckDB LazyTable and a Spark LazyTable.

The engine's reductions are written once, as Ibis expressions (kamresearch.engine);
the analyses must give the same result whatever holds the lines. Each way runs every
analysis once per module (fixtures); each test compares one analysis: counts,
labels, dates and orders exactly, money and rates to 1e-9 relative (float sums
depend on the order in which an engine adds).

Data: the built-in sample and a seeded synthetic set of >= 200k lines, each three
ways (DataFrame, DuckDB, Spark: one local[2] session per run, from conftest), and the real data (read_transactions against
scan_transactions; skipped when absent).
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from kamresearch import churn, cohorts, evidence, keyaccounts, pareto, quality_summary
from kamresearch.engine import date_bounds, n_customers, n_lines, up_to
from kamresearch.engine.table import LazyTable, is_lazy

RTOL = 1e-9
#: Absolute tolerance, in money: a customer whose lines cancel (+77,183.60 and -77,183.60)
#: nets 0.0 in one summation order and 1e-11 in another, which no relative tolerance
#: accepts; kamresearch.pareto treats |net revenue| < 1e-6 as zero for the same reason.
ATOL = 1e-6

#: name -> analysis(tx, earlier results); in order (later ones may use earlier results)
ANALYSES = {
    "customer_revenue": lambda tx, r: pareto.customer_revenue(tx),
    "lorenz_curve": lambda tx, r: pareto.lorenz_curve(tx),
    "concentration_summary": lambda tx, r: pareto.concentration_summary(tx, ci=0.9, n_boot=200),
    "concentration_summary_window": lambda tx, r: pareto.concentration_summary(
        tx, start="2022-03-15", end="2023-06-30"
    ),
    "classify_abc": lambda tx, r: pareto.classify_customers(tx),
    "classify_pyramid": lambda tx, r: pareto.classify_customers(tx, method="pyramid"),
    "key_account_profile": lambda tx, r: pareto.key_account_profile(tx),
    "key_account_profile_entry": lambda tx, r: pareto.key_account_profile(tx, tier_basis="entry"),
    "key_account_comparison": lambda tx, r: pareto.key_account_comparison(r["key_account_profile"]),
    "entry_tiers": lambda tx, r: pareto.entry_tiers(tx),
    "concentration_trend_Y": lambda tx, r: pareto.concentration_trend(tx, freq="Y"),
    "concentration_trend_Q": lambda tx, r: pareto.concentration_trend(tx, freq="Q"),
    "inactivity_window": lambda tx, r: churn.suggest_inactivity_window(tx),
    "customer_lifetimes": lambda tx, r: churn.customer_lifetimes(tx),
    "customer_lifetimes_90": lambda tx, r: churn.customer_lifetimes(
        tx, inactivity_days=90, as_of="2023-09-30"
    ),
    "rfm_summary": lambda tx, r: churn.rfm_summary(tx),
    "rfm_summary_as_of": lambda tx, r: churn.rfm_summary(tx, as_of="2023-09-30"),
    "kaplan_meier": lambda tx, r: churn.survival_curves(r["customer_lifetimes"], by="tier"),
    "log_rank": lambda tx, r: churn.compare_groups(r["customer_lifetimes"], by="tier"),
    "cox": lambda tx, r: churn.hazard_ratio_table(churn.fit_cox(r["customer_lifetimes"])),
    "at_risk_accounts": lambda tx, r: churn.at_risk_accounts(tx),
    "entry_tier_lifetimes": lambda tx, r: churn.add_entry_tier(r["customer_lifetimes"], tx),
    "retention_matrix": lambda tx, r: cohorts.retention_matrix(tx, freq="Q"),
    "retention_matrix_revenue": lambda tx, r: cohorts.retention_matrix(
        tx, freq="M", metric="revenue", as_of="2023-08-20"
    ),
    "revenue_retention": lambda tx, r: cohorts.revenue_retention(tx),
    "revenue_bridge": lambda tx, r: cohorts.revenue_bridge(tx, freq="Q"),
    "revenue_by_cohort": lambda tx, r: cohorts.revenue_by_cohort(tx),
    "tier_migration": lambda tx, r: cohorts.tier_migration(tx),
    "key_account_flow": lambda tx, r: cohorts.key_account_flow(tx),
    "tier_standard": lambda tx, r: keyaccounts.tier_standard(tx),
    "period_tiers": lambda tx, r: keyaccounts.period_tiers(tx),
    "win_grow_keep": lambda tx, r: keyaccounts.win_grow_keep(tx),
    "scorecard_accounts": lambda tx, r: keyaccounts.scorecard_accounts(tx),
    "lost_accounts": lambda tx, r: keyaccounts.lost_accounts(tx),
    "sale_day_gap": lambda tx, r: keyaccounts.sale_day_gap(tx),
    "period_as_of": lambda tx, r: keyaccounts.period_as_of(tx, freq="Y"),
    "account_cards": lambda tx, r: keyaccounts.account_cards(tx),
    "concentration_drivers": lambda tx, r: keyaccounts.concentration_drivers(tx),
    "order_bands": lambda tx, r: keyaccounts.order_bands(tx),
    "land_and_expand": lambda tx, r: keyaccounts.land_and_expand(tx),
    "cumulative_value": lambda tx, r: keyaccounts.cumulative_value(tx),
    "group_view": lambda tx, r: (
        keyaccounts.group_view(tx, "segment") if "segment" in tx.columns else None
    ),
    "key_account_tests": lambda tx, r: evidence.key_account_tests(tx),
    "concentration_trend_test": lambda tx, r: evidence.concentration_trend_test(tx),
    "churn_risk": lambda tx, r: evidence.churn_risk(evidence.fit_churn_risk(tx), tx),
    "quality_summary": lambda tx, r: quality_summary(tx),
    "line_facts": lambda tx, r: (date_bounds(tx), n_lines(tx), n_customers(tx)),
    "up_to": lambda tx, r: pareto.customer_revenue(up_to(tx, "2022-12-31")),
}


def run_all(tx) -> dict:
    """Every analysis on ``tx``: name -> result, or ("raised", exception type, message)."""
    out = {}
    for name, analysis in ANALYSES.items():
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                out[name] = analysis(tx, out)
        except Exception as exc:  # compared: both ways must fail alike
            out[name] = ("raised", type(exc).__name__, str(exc))
    return out


def same(x, y, path: str) -> None:
    """Assert two results are the same (floats to RTOL; everything else exactly)."""
    if isinstance(x, pd.Series):
        pd.testing.assert_series_equal(x, y, check_exact=False, rtol=RTOL, atol=ATOL, obj=path)
        same(dict(x.attrs), dict(y.attrs), path + ".attrs")
    elif isinstance(x, pd.DataFrame):
        pd.testing.assert_frame_equal(x, y, check_exact=False, rtol=RTOL, atol=ATOL, obj=path)
        same(dict(x.attrs), dict(y.attrs), path + ".attrs")
    elif isinstance(x, pd.Index):
        pd.testing.assert_index_equal(x, y, obj=path)
    elif isinstance(x, dict):
        assert isinstance(y, dict) and set(x) == set(y), (path, x, y)
        for k in x:
            same(x[k], y[k], f"{path}.{k}")
    elif isinstance(x, list | tuple):
        assert type(x) is type(y) and len(x) == len(y), (path, x, y)
        for i, (u, v) in enumerate(zip(x, y, strict=True)):
            same(u, v, f"{path}[{i}]")
    elif hasattr(x, "__dataclass_fields__"):
        assert type(x) is type(y), path
        for f in x.__dataclass_fields__:
            same(getattr(x, f), getattr(y, f), f"{path}.{f}")
    elif isinstance(x, float | np.floating) and not isinstance(x, bool):
        assert isinstance(y, float | np.floating), (path, x, y)
        assert (np.isnan(x) and np.isnan(y)) or np.isclose(x, y, rtol=RTOL, atol=ATOL), (path, x, y)
    elif hasattr(x, "survival_function_"):  # a fitted lifelines estimator: its estimate
        same(x.survival_function_, y.survival_function_, path + ".survival_function_")
        same(x.confidence_interval_, y.confidence_interval_, path + ".confidence_interval_")
    elif isinstance(x, np.ndarray):
        np.testing.assert_allclose(x, y, rtol=RTOL, atol=ATOL, err_msg=path)
    else:
        assert type(x) is type(y) or (x is None and y is None), (path, type(x), type(y))
        assert x == y or (pd.isna(x) and pd.isna(y)), (path, x, y)


# ---------------------------------------------------------------- data and results


@pytest.fixture(scope="module")
def sample_df(sample_tx):
    return run_all(sample_tx)


@pytest.fixture(scope="module")
def sample_duckdb(sample_tx):
    lazy = LazyTable.from_frame(sample_tx)
    assert is_lazy(lazy) and lazy.engine == "duckdb"
    return run_all(lazy)


#: Spark settings for these runs (restored after): two shuffle partitions for the two
#: cores. LazyTable.from_frame checkpoints the lines in Spark's memory, so a query
#: costs ~0.1-0.5 s (Spark's planning and scheduling, whatever the size) and each run
#: (~40 queries) well under a minute on a quiet machine.
SPARK_CONF = {"spark.sql.shuffle.partitions": "2", "spark.sql.adaptive.enabled": "false"}


def run_all_spark(tx, backend, session) -> dict:
    """Every analysis on ``tx`` handed to Spark."""
    lazy = LazyTable.from_frame(tx, backend=backend)
    assert lazy.engine == "spark"
    before = {k: session.conf.get(k) for k in SPARK_CONF}
    for k, v in SPARK_CONF.items():
        session.conf.set(k, v)
    try:
        return run_all(lazy)
    finally:
        for k, v in before.items():
            session.conf.set(k, v)


@pytest.fixture(scope="module")
def sample_spark(sample_tx, spark_backend, spark_session):
    return run_all_spark(sample_tx, spark_backend, spark_session)


@pytest.fixture(scope="module")
def synthetic_tx():
    """A seeded synthetic set of >= 200k lines (another seed and size than the sample)."""
    from kamresearch.datasets import simulate

    tx = simulate(n_customers=7500, seed=12).transactions
    assert len(tx) >= 200_000
    return tx


@pytest.fixture(scope="module")
def synthetic_df(synthetic_tx):
    return run_all(synthetic_tx)


@pytest.fixture(scope="module")
def synthetic_duckdb(synthetic_tx):
    return run_all(LazyTable.from_frame(synthetic_tx))


@pytest.fixture(scope="module")
def synthetic_spark(synthetic_tx, spark_backend, spark_session):
    return run_all_spark(synthetic_tx, spark_backend, spark_session)


def _compare(a: dict, b: dict, name: str) -> None:
    x, y = a[name], b[name]
    if isinstance(x, tuple) and x[:1] == ("raised",):
        assert y == x, f"{name}: the DataFrame raised {x[1]}, the lazy table gave {y!r}"[:500]
        return
    assert not (isinstance(y, tuple) and y[:1] == ("raised",)), f"{name}: lazy raised {y}"
    same(x, y, name)


def test_every_analysis_runs_on_the_sample(sample_df):
    raised = {k: v for k, v in sample_df.items() if isinstance(v, tuple) and v[:1] == ("raised",)}
    assert raised == {}


@pytest.mark.parametrize("name", list(ANALYSES))
def test_sample_duckdb_lazy_table_same_as_dataframe(sample_df, sample_duckdb, name):
    _compare(sample_df, sample_duckdb, name)


@pytest.mark.parametrize("name", list(ANALYSES))
def test_sample_spark_same_as_dataframe(sample_df, sample_spark, name):
    _compare(sample_df, sample_spark, name)


@pytest.mark.parametrize("name", list(ANALYSES))
def test_synthetic_200k_duckdb_lazy_table_same_as_dataframe(synthetic_df, synthetic_duckdb, name):
    _compare(synthetic_df, synthetic_duckdb, name)


@pytest.mark.parametrize("name", list(ANALYSES))
def test_synthetic_200k_spark_same_as_dataframe(synthetic_df, synthetic_spark, name):
    _compare(synthetic_df, synthetic_spark, name)


# ---------------------------------------------------------------- the real data


@pytest.fixture(scope="module")
def real_df(real_tx):
    return run_all(real_tx)


@pytest.fixture(scope="module")
def real_scanned(real_tx):
    from conftest import REAL_DATA
    from kamresearch import scan_transactions

    lazy = scan_transactions(REAL_DATA, "online-retail")
    assert is_lazy(lazy)
    return run_all(lazy)


@pytest.mark.parametrize("name", list(ANALYSES))
def test_real_data_scan_same_as_read(real_df, real_scanned, name):
    """UCI Online Retail: scan_transactions (lazy) gives read_transactions' figures."""
    _compare(real_df, real_scanned, name)


# ---------------------------------------------------------------- the report sections


SECTIONS = ("overview", "executive_summary", "scorecard", "lost_key_accounts", "concentration",
            "largest_customers", "pyramid", "key_accounts", "churn_convention",
            "survival_by_tier", "hazard_ratios", "at_risk_list", "cohort_retention",
            "revenue_dynamics", "key_account_pool")  # fmt: skip


def _section_texts(monkeypatch, tx, company) -> dict:
    import matplotlib.pyplot as plt

    from kamresearch.reports import sections as rs
    from kamresearch.reports import sections_story as ss
    from kamresearch.reports.tables import RegionData

    shown: list = []
    monkeypatch.setattr(rs, "_display", shown.append)
    monkeypatch.setattr(ss, "_display", shown.append)
    rep = rs.RegionReport(RegionData(tx, "West", pd.Timestamp("2024-12-31"), company=company))
    out = {}
    for name in SECTIONS:
        n = len(shown)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            getattr(rep, name)()
        plt.close("all")
        out[name] = [
            o.data if isinstance(getattr(o, "data", None), str) else type(o).__name__
            for o in shown[n:]
        ]
    return out


def test_region_report_on_a_lazy_table_shows_the_same(monkeypatch, sample_tx):
    """RegionReport on DuckDB LazyTables (region and company) renders the same text and
    tables, section by section, as on DataFrames."""
    west = sample_tx[sample_tx["region"] == "West"].reset_index(drop=True)
    frame = _section_texts(monkeypatch, west, sample_tx)
    lazy = _section_texts(monkeypatch, LazyTable.from_frame(west), LazyTable.from_frame(sample_tx))
    for name in SECTIONS:
        assert lazy[name] == frame[name], name
    assert any("West" in t for t in frame["overview"] if isinstance(t, str))
