"""kamresearch.evidence on the UCI Online Retail data (skipped when absent).

There is no known truth for a real wholesaler, so these are regression pins: the
figures of the run on 2026-12-02 (engine reductions in DuckDB, statsmodels 0.15),
with tolerances that allow for the order of floating-point sums (DuckDB sums in
parallel) but not for a change of method. A change in a reduction, the tier rule,
the inactivity window or the reading of the file moves them: explain it, then re-pin.
"""

from __future__ import annotations

import pytest

from kamresearch import evidence as ev


@pytest.fixture(scope="module")
def tests_real(real_tx):
    return ev.key_account_tests(real_tx).set_index(["mark", "contrast"])


@pytest.mark.parametrize(
    ("mark", "contrast", "estimate", "low", "high"),
    [
        # key accounts pay LESS for the same product: quantity discounts of a wholesaler
        ("price_premium", "key_vs_general", -0.0836, -0.1143, -0.0519),
        ("price_premium", "major_vs_general", -0.0132, -0.0210, -0.0053),
        ("order_size", "key_vs_general", 1.4187, 0.5257, 2.8344),
        ("order_size", "major_vs_general", 0.5500, 0.4561, 0.6499),
        ("repurchase", "key_vs_general", 9.7706, 7.1819, 13.1783),
        ("repurchase", "major_vs_general", 1.8217, 1.6665, 1.9860),
    ],
)
def test_key_account_tests_on_online_retail(tests_real, mark, contrast, estimate, low, high):
    row = tests_real.loc[(mark, contrast)]
    assert row["estimate"] == pytest.approx(estimate, abs=5e-4)
    assert row["ci_low"] == pytest.approx(low, abs=5e-4)
    assert row["ci_high"] == pytest.approx(high, abs=5e-4)
    assert row["ci_low"] < row["estimate"] < row["ci_high"]


def test_counts_on_online_retail(tests_real):
    assert tests_real.loc[("price_premium", "key_vs_general"), "n_customers"] == 3518
    assert tests_real.loc[("price_premium", "key_vs_general"), "n_obs"] == 154196
    assert tests_real.loc[("repurchase", "major_vs_general"), "n_customers"] == 4294


def test_trend_test_on_online_retail(real_tx):
    """12 full months (December 2010 to November 2011), exactly the minimum: no clear trend."""
    r = ev.concentration_trend_test(real_tx, freq="M").iloc[0]
    assert r["n_periods"] == 12 and r["first_period"] == "2010-12"
    assert r["slope_per_year"] == pytest.approx(0.00294, abs=2e-4)
    assert r["ci_low"] == pytest.approx(-0.0773, abs=5e-4)
    assert r["ci_high"] == pytest.approx(0.0832, abs=5e-4)
    assert r["reading"].startswith("No clear trend")
    with pytest.raises(Exception, match="12 consecutive full periods"):
        ev.concentration_trend_test(real_tx, freq="Q")


def test_churn_risk_on_online_retail(real_tx):
    """Window 120 days (data-driven), 1,220 churns; out-of-time AUC 0.972, within 0.02 of the
    best single covariate (months since the last purchase, 0.9725); key-tier indicator
    merged (too few key churns to estimate it)."""
    m = ev.fit_churn_risk(real_tx)
    assert m.inactivity_days_ == 120
    assert (m.n_obs_, m.n_events_) == (23522, 1220)
    assert "tier_key" in m.dropped_
    assert m.auc_ == pytest.approx(0.9719, abs=1e-3)
    assert m.brier_ == pytest.approx(0.0315, abs=1e-3)
    best = m.baseline_auc_.iloc[0]
    assert best["covariate"] == "months_since_last"
    assert m.auc_ >= best["auc"] - 0.02
    assert m.params_["purchase_frequency"] == pytest.approx(-3.134, abs=0.01)
    risk = ev.churn_risk(m, real_tx)
    assert len(risk) == 3118
    assert risk["revenue_at_risk"].sum() == pytest.approx(685_142, rel=1e-3)
