"""The synthetic sample: deterministic, canonical, and shaped like the key-account world."""

from __future__ import annotations

import numpy as np
import pandas as pd

from kamresearch import datasets
from kamresearch.schema import REQUIRED


def test_sample_is_deterministic_and_seed_sensitive(sample_tx):
    pd.testing.assert_frame_equal(datasets.load_sample(0), sample_tx)
    other = datasets.load_sample(1)
    assert not other["amount"].equals(sample_tx["amount"])


def test_sample_has_the_promised_size_and_schema(sample_tx):
    tx = sample_tx
    assert set(REQUIRED) <= set(tx.columns)
    assert {"invoice_id", "product_id", "quantity", "unit_price", "segment"} <= set(tx.columns)
    assert tx["customer_id"].nunique() == 3000
    assert tx["region"].nunique() >= 5
    assert (tx["date"].max() - tx["date"].min()).days >= 3 * 365
    assert 50_000 <= len(tx) <= 200_000
    assert pd.api.types.is_datetime64_any_dtype(tx["date"])
    assert tx["amount"].dtype == np.float64
    assert (tx["amount"] < 0).any(), "returns are part of the sample"
    # amount is quantity x unit price, to the cent
    np.testing.assert_allclose(
        tx["amount"], (tx["quantity"] * tx["unit_price"]).round(2), atol=0.006
    )


def test_sample_revenue_is_pareto_shaped(sample_tx):
    # computed here with plain pandas: top 20% of customers ~ 80% of revenue,
    # top 10 a large share
    rev = sample_tx.groupby("customer_id")["amount"].sum().sort_values(ascending=False)
    rev = rev[rev > 0]
    top20 = rev.iloc[: int(0.2 * len(rev))].sum() / rev.sum()
    assert 0.75 <= top20 <= 0.90
    assert rev.iloc[:10].sum() / rev.sum() >= 0.15


def test_key_accounts_order_big_pay_premium_and_repurchase():
    sim = datasets.simulate(seed=3)
    tx, truth = sim.transactions, sim.customers
    t = tx.join(truth["tier"], on="customer_id")
    pos = t[t["amount"] > 0]
    order_value = pos.groupby(["tier", "invoice_id"])["amount"].sum().groupby("tier").mean()
    assert order_value["key"] > order_value["major"] > order_value["general"]
    median_price = pos.groupby("product_id")["unit_price"].median()
    ratio = (pos["unit_price"] / pos["product_id"].map(median_price)).groupby(pos["tier"]).mean()
    assert ratio["key"] > ratio["general"] * 1.05
    days = pos.groupby(["tier", "customer_id"])["date"].nunique().groupby("tier").median()
    assert days["key"] > days["general"]


def test_truth_is_consistent_with_the_observed_data():
    sim = datasets.simulate(n_customers=800, seed=5)
    tx, truth = sim.transactions, sim.customers
    first = tx[tx["amount"] > 0].groupby("customer_id")["date"].min()
    # the first purchase is on the acquisition day
    pd.testing.assert_series_equal(first, truth.loc[first.index, "acquired"], check_names=False)
    last = tx[tx["amount"] > 0].groupby("customer_id")["date"].max()
    # observed last purchase never after the full-history last purchase
    assert (last <= truth.loc[last.index, "last_purchase_full"]).all()
    # churned before the window ends -> observed last purchase is the true last purchase
    done = truth.index[truth["churn_date"] < sim.params["end"]]
    done = done.intersection(last.index)
    pd.testing.assert_series_equal(
        last[done], truth.loc[done, "last_purchase_full"], check_names=False
    )
    expected_active = (truth["last_purchase_full"] - truth["acquired"]).dt.days.astype(float)
    pd.testing.assert_series_equal(
        truth["active_lifetime_days"], expected_active, check_names=False
    )


def test_simulated_hazard_ratios_drive_lifetimes():
    # lifetimes are exponential with hazard proportional to the stated ratios:
    # mean lifetime x hazard = 1 in every group (law of large numbers, 20k accounts)
    sim = datasets.simulate(n_customers=20_000, seed=11)
    c = sim.customers
    np.testing.assert_allclose((c["lifetime_days"] * c["hazard"]).mean(), 1.0, atol=0.03)
    hr = sim.params["hazard_ratios"]["segment"]
    m = c.groupby("segment")["lifetime_days"].mean()
    ratio = (
        m["manufacturer"] / m["distributor"]
    )  # mixture over tiers/regions is balanced by randomisation
    assert abs(ratio / hr["distributor"] - 1) < 0.08
