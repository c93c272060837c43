"""The key-account profile: volume, price premium and repurchase per customer and tier.

Part of :mod:`kamresearch.pareto` (re-exported there: call
``kam.pareto.key_account_profile`` and ``kam.pareto.key_account_comparison``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..engine import revenue as _engine
from ..errors import ConfigError, DataError
from .concentration import _per_customer, _prepare, _ranked_tiers
from .entry import entry_tiers

__all__ = ["key_account_profile", "key_account_comparison"]

_PROFILE_MARKS = (
    "avg_order_value",
    "price_premium",
    "orders_per_active_month",
    "purchase_month_share",
)


def key_account_profile(
    tx: pd.DataFrame, *, tiers=(0.01, 0.20), start=None, end=None, tier_basis: str = "window"
) -> pd.DataFrame:
    """Per customer the three marks of a key account: volume, price premium, repurchase.

    Compare the tiers with :func:`key_account_comparison` (``profile`` -> one row per tier).

    Parameters
    ----------
    tx : DataFrame
        Canonical transactions (``invoice_id``, ``product_id`` and ``unit_price``
        are used when present).
    tiers : (float, float)
        ``key`` and ``major`` shares of customers for :func:`customer_tiers`.
    start, end : date-like, optional
        Window (inclusive days).
    tier_basis : {"window", "entry"}
        ``"window"``: the tier from the revenue in the window; ``"entry"``: the
        entry tier (:func:`kamresearch.pareto.entry_tiers`: revenue in each
        account's first 365 days up to ``end``), so that longevity cannot make an
        account key when tiers are compared on repurchase or growth; accounts
        whose entry window is still open get ``"(entry window open)"``.

    Returns
    -------
    DataFrame
        Indexed by ``customer_id``, ranked by revenue (largest first), columns:

        - ``revenue``: net revenue; ``gross_revenue``: sum of the purchase lines;
        - ``tier``: key / major / general (:func:`customer_tiers` on ``revenue``);
        - ``region``: region of most of the net revenue;
        - ``n_orders``: orders with a purchase line (see Notes; ``attrs["order_unit"]``
          is ``"invoice"`` when ``invoice_id`` exists, else ``"day"``);
        - ``avg_order_value``: ``gross_revenue / n_orders`` (volume);
        - ``price_premium``: mean over the customer's priced purchase lines of
          ``unit_price / median unit_price of that product`` (NaN without
          ``product_id`` and ``unit_price``);
        - ``months_with_purchase``: calendar months with a purchase;
        - ``months_observed``: calendar months from the first purchase to the
          end of the window, both included;
        - ``orders_per_active_month``: ``n_orders / months_with_purchase``;
        - ``purchase_month_share``: ``months_with_purchase / months_observed``.

        Customers without a purchase line (returns only) have 0 orders and NaN marks.

    Notes
    -----
    A purchase line is a line with ``amount > 0``. An order is one invoice of
    the customer when the line has an ``invoice_id``; a line without one (no
    ``invoice_id`` column, or a missing id) belongs to the order of its
    customer-day, which holds the customer's lines without an id on that
    calendar day. So every month with a purchase has at least one order. The
    product median is the
    median of ``unit_price`` over all purchase lines of the product in the
    window, all customers together (each line counts once, whatever its
    quantity); lines with ``unit_price <= 0`` are left out. A customer's
    premium weights each of its lines equally. 1.0 means list price; wholesale
    volume discounts can make the largest customers pay less than the median.
    The window's end is ``end`` or the last day with data.

    Examples
    --------
    >>> import kamresearch as kam
    >>> profile = kam.pareto.key_account_profile(kam.load_sample())
    >>> cmp = kam.pareto.key_account_comparison(profile)
    >>> bool(cmp.loc["key", "avg_order_value"] > cmp.loc["other", "avg_order_value"])
    True
    """
    if not 0 < tiers[0] <= tiers[1] <= 1:
        raise ConfigError(f"tiers={tiers!r} must satisfy 0 < key <= major <= 1")
    if tier_basis not in ("window", "entry"):
        raise ConfigError(f"tier_basis={tier_basis!r} is not supported; use 'window' or 'entry'")
    per = _per_customer(tx, start, end, region=True).set_index("customer_id")
    s, e = _prepare(tx, start, end)
    buy, last_seen = _engine.customer_orders_profile(tx, start=s, end=e)
    last = pd.Timestamp(e if e is not None else last_seen)
    has_inv = "invoice_id" in tx.columns
    has_price = "product_id" in tx.columns and "unit_price" in tx.columns
    buy = buy.set_index("customer_id").reindex(per.index)
    first = pd.to_datetime(buy["first_purchase"])
    months_obs = (last.year - first.dt.year) * 12 + (last.month - first.dt.month) + 1
    n_orders = buy["n_orders"].fillna(0).astype("int64")
    m_with = buy["months_with_purchase"].fillna(0).astype("int64")
    out = pd.DataFrame(index=per.index)
    out["revenue"] = per["revenue"]
    out["gross_revenue"] = buy["gross_revenue"].fillna(0.0).astype(float)
    out["tier"] = _ranked_tiers(per["revenue"].to_numpy(), *tiers)
    out["region"] = per["region"]
    out["n_orders"] = n_orders
    out["avg_order_value"] = out["gross_revenue"] / n_orders.where(n_orders > 0)
    out["price_premium"] = buy["pp"].astype(float)
    out["months_with_purchase"] = m_with
    out["months_observed"] = months_obs.fillna(0).astype("int64")
    out["orders_per_active_month"] = n_orders / m_with.where(m_with > 0)
    out["purchase_month_share"] = m_with / out["months_observed"].where(m_with > 0)
    if tier_basis == "entry":
        et = entry_tiers(tx, as_of=last, key=tiers[0], major=tiers[1])
        out["tier"] = et["entry_tier"].reindex(out.index).fillna("(entry window open)")
    out.attrs = {
        **per.attrs,
        "order_unit": "invoice" if has_inv else "day",
        "has_prices": has_price,
        "tiers": tuple(tiers),
        "tier_basis": tier_basis,
    }
    return out


def key_account_comparison(profile: pd.DataFrame) -> pd.DataFrame:
    """Key accounts against the other tiers, from :func:`key_account_profile`.

    Parameters
    ----------
    profile : DataFrame
        The output of :func:`key_account_profile`.

    Returns
    -------
    DataFrame
        Indexed by ``tier``: ``key``, ``major``, ``general``, ``other`` (major and
        general together, i.e. not key) and ``all``; columns ``n_customers``,
        ``revenue`` (net, summed), ``revenue_share`` (of the net revenue of all
        customers), ``revenue_per_customer`` (mean), then the median over the
        group's customers of ``avg_order_value``, ``price_premium``,
        ``orders_per_active_month`` and ``purchase_month_share`` (NaN marks skipped).

    Raises
    ------
    DataError
        When ``profile`` lacks a column of :func:`key_account_profile`.
    """
    need = ["revenue", "tier", *_PROFILE_MARKS]
    missing = [c for c in need if c not in getattr(profile, "columns", [])]
    if missing:
        raise DataError(
            f"profile lacks column(s) {missing}; pass the output of key_account_profile(tx)",
            column=missing[0],
        )
    total = profile["revenue"].sum()
    groups = {
        "key": profile["tier"] == "key",
        "major": profile["tier"] == "major",
        "general": profile["tier"] == "general",
        "other": profile["tier"] != "key",
        "all": pd.Series(True, index=profile.index),
    }
    rows = {}
    for name, mask in groups.items():
        g = profile[mask]
        rev = g["revenue"].sum()
        rows[name] = {
            "n_customers": len(g),
            "revenue": rev,
            "revenue_share": rev / total if total else np.nan,
            "revenue_per_customer": g["revenue"].mean() if len(g) else np.nan,
            **{m: g[m].dropna().median() for m in _PROFILE_MARKS},
        }
    out = pd.DataFrame.from_dict(rows, orient="index")
    out.index.name = "tier"
    return out
