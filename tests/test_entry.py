"""Entry tiers and the landmark analysis: non-circular tier comparisons of survival."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import kamresearch as kam
from kamresearch.errors import ConfigError


@pytest.fixture(scope="module")
def null_tier_world():
    """A planted world where size has NO effect on churn (hazard ratio 1 for every latent
    tier, every region, every segment; the same mean gap of 20 days for every tier) while
    revenue accumulates with tenure (more orders, +30% quantity a year).

    Size: 4,000 accounts over 2019-2024 (seed 7), about 2,600 observable with ~1,500
    churn events; 1,300 reach the 365-day landmark. At this size the whole-window
    tier's spurious effect (longer-lived accounts buy more, so they are "major") has an
    upper 95% limit far below 1 (about 0.3), so it cannot vanish by chance; the entry-tier
    estimate is a 95% interval around a true ratio of 1: it covers 1 for this seed (and for
    seeds 1-6, checked when the test was written: a CI misses a true null 5% of the time).
    """
    sim = kam.simulate(
        n_customers=4000, start="2019-01-01", end="2024-12-31", seed=7,
        hazard_ratios={"tier": {"general": 1.0, "major": 1.0, "key": 1.0},
                       "region": {"R": 1.0}, "segment": {"manufacturer": 1.0, "distributor": 1.0}},
        regions={"R": 1.0}, mean_gap_days={"key": 20.0, "major": 20.0, "general": 20.0},
        growth_per_year=0.3,
    )  # fmt: skip
    tx = sim.transactions
    lt = kam.churn.customer_lifetimes(tx, inactivity_days=150)
    return tx, kam.churn.add_entry_tier(lt, tx)


def test_whole_window_tiers_show_a_spurious_effect_the_landmark_entry_tier_does_not(
    null_tier_world,
):
    tx, lt = null_tier_world
    whole = kam.churn.hazard_ratio_table(kam.churn.fit_cox(lt, covariates=["tier"]))
    major = whole.set_index("level").loc["major"]
    assert major["hr_high"] < 0.6  # spurious: "major accounts churn less" by construction
    entry = kam.churn.hazard_ratio_table(kam.churn.fit_cox(lt, covariates=["entry_tier"]))
    for level in ("major", "key"):
        row = entry.set_index("level").loc[level]
        assert row["hr_low"] < 1 < row["hr_high"], (level, row.to_dict())
    # the landmark was applied: only accounts alive 365 days after their first purchase
    model = kam.churn.fit_cox(lt, covariates=["entry_tier"])
    n_alive = int((lt["observable"] & (lt["duration_days"] > 365) & lt["entry_tier"].notna()).sum())
    assert len(model.kam_design_) == n_alive


def test_survival_curves_by_entry_tier_use_the_landmark(null_tier_world):
    tx, lt = null_tier_world
    curves = kam.churn.survival_curves(lt, by="entry_tier")
    alive = lt[lt["observable"] & (lt["duration_days"] > 365)]
    counts = alive["entry_tier"].value_counts()
    for tier in ("key", "major", "general"):
        assert curves.summary.loc[tier, "n_observable"] == counts[tier]
    assert curves.landmark_days == 365


def test_entry_tiers_against_pandas(sample_tx):
    as_of = sample_tx["date"].max().normalize()
    et = kam.pareto.entry_tiers(sample_tx)
    first = sample_tx[sample_tx["amount"] > 0].groupby("customer_id")["date"].min().dt.normalize()
    start = sample_tx["customer_id"].map(first)
    inside = sample_tx[sample_tx["date"] < start + pd.Timedelta(days=365)]
    rev = inside.groupby("customer_id")["amount"].sum()
    assert np.allclose(et["entry_revenue"], rev.reindex(et.index))
    done = first + pd.Timedelta(days=365) <= as_of + pd.Timedelta(days=1)
    assert (et["entry_complete"] == done.reindex(et.index)).all()
    exp = kam.pareto.customer_tiers(rev[done[done].index])
    assert (et.loc[exp.index, "entry_tier"] == exp).all()
    assert et.loc[~et["entry_complete"], "entry_tier"].isna().all()


def test_landmark_and_entry_errors(sample_tx):
    lt = kam.churn.customer_lifetimes(sample_tx, inactivity_days=180)
    with pytest.raises(ConfigError, match="add_entry_tier"):
        kam.churn.survival_curves(lt.assign(entry_tier="key"), by="entry_tier")
    with pytest.raises(ConfigError, match=">= 0"):
        kam.churn.landmark(lt, days=-1)
    lm = kam.churn.landmark(lt, days=100)
    assert (lm["duration_days"] > 0).all() and lm.attrs["landmark_days"] == 100


def test_key_account_profile_offers_the_entry_tier(sample_tx):
    prof = kam.pareto.key_account_profile(sample_tx, tier_basis="entry")
    et = kam.pareto.entry_tiers(sample_tx)
    assert (
        prof["tier"] == et["entry_tier"].reindex(prof.index).fillna("(entry window open)")
    ).all()
    assert prof.attrs["tier_basis"] == "entry"
    with pytest.raises(ConfigError, match="tier_basis"):
        kam.pareto.key_account_profile(sample_tx, tier_basis="lifetime")
