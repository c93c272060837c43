"""Revenue concentration: Pareto, Lorenz, HHI/Gini, tiers (under construction)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

__all__ = ["customer_tiers"]


def customer_tiers(revenue: pd.Series, *, key: float = 0.01, major: float = 0.20) -> pd.Series:
    """The customer pyramid: tier of each customer from its revenue.

    Parameters
    ----------
    revenue : Series
        Net revenue per customer (index = customer id).
    key : float
        Share of customers (with positive revenue) in the top tier ``"key"``.
    major : float
        Share of customers in the top two tiers together; those not key are ``"major"``.

    Returns
    -------
    Series
        ``"key"``, ``"major"`` or ``"general"`` per customer, same index as ``revenue``.

    Notes
    -----
    Among the ``n`` customers with revenue > 0, ranked by revenue (largest
    first, ties by customer id), the first ``ceil(key * n)`` are key and the
    first ``ceil(major * n)`` key or major, so even a small region has a key
    account. Customers with revenue <= 0 are general.
    """
    if not 0 < key <= major <= 1:
        from .errors import ConfigError

        raise ConfigError(f"tier thresholds must satisfy 0 < key <= major <= 1, got {key}, {major}")
    pos = revenue[revenue > 0]
    order = pd.DataFrame({"r": pos.to_numpy(), "c": pos.index.astype(str)}, index=pos.index)
    order = order.sort_values(["r", "c"], ascending=[False, True], kind="stable")
    n = len(order)
    n_key = math.ceil(key * n - 1e-9)
    n_top = math.ceil(major * n - 1e-9)
    tiers = np.full(n, "general", dtype=object)
    tiers[:n_top] = "major"
    tiers[:n_key] = "key"
    out = pd.Series("general", index=revenue.index, dtype=object, name="tier")
    out.loc[order.index] = tiers
    return out
