"""Line-level reductions over time windows per customer (DuckDB, like :mod:`.facts`).

The key-account story (:mod:`kamresearch.keyaccounts`) and the entry tier
(:func:`kamresearch.pareto.entry_tiers`) need per-customer revenue in windows
that are not calendar periods: the 365 days before ``as_of`` against the 365
before those (a fading account), and each account's own first 365 days (its
entry tier). They run here, over the lines, so the analyses get one row per
customer. Conventions as in :mod:`kamresearch.engine.facts`: ``as_of`` is a
day (lines on it included, later lines ignored), a *purchase* is a line with
``amount > 0``, revenue is net (returns included).
"""

from __future__ import annotations

import pandas as pd

from ..schema import check_transactions
from .facts import _connect, resolve_as_of

__all__ = ["customer_windows", "customer_entry", "customer_orders", "sale_days"]


def _days(days, name: str) -> int:
    from ..errors import ConfigError

    if isinstance(days, bool) or not float(days).is_integer() or days < 1:
        raise ConfigError(f"{name}={days!r} must be a whole number of days >= 1")
    return int(days)


def customer_windows(tx: pd.DataFrame, *, as_of=None, days: int = 365) -> pd.DataFrame:
    """Net revenue per customer in the ``days`` up to ``as_of`` and in the ``days`` before.

    Parameters
    ----------
    tx : DataFrame
        Canonical transactions.
    as_of : date-like, optional
        Last day of the trailing window. Default: last date in ``tx``.
    days : int
        Window length in days.

    Returns
    -------
    DataFrame
        Indexed by ``customer_id`` (sorted; every customer with a line up to
        ``as_of``), columns ``revenue_trailing`` (net revenue of the lines in
        ``(as_of - days, as_of]``) and ``revenue_prior`` (in
        ``(as_of - 2 days, as_of - days]``), 0.0 when none. ``attrs``: ``as_of``,
        ``days``, ``lines_after_as_of``.
    """
    check_transactions(tx)
    as_of = resolve_as_of(tx, as_of)
    d = _days(days, "days")
    con, n_after = _connect(tx, as_of)
    end = as_of + pd.Timedelta(days=1)  # lines before the next midnight
    mid = end - pd.Timedelta(days=d)
    lo = mid - pd.Timedelta(days=d)
    try:
        out = con.execute(
            f"""
            SELECT customer_id,
                   coalesce(sum(amount) FILTER (WHERE date >= TIMESTAMP '{mid}'), 0)
                       AS revenue_trailing,
                   coalesce(sum(amount) FILTER (WHERE date >= TIMESTAMP '{lo}'
                                                  AND date < TIMESTAMP '{mid}'), 0)
                       AS revenue_prior
            FROM tx GROUP BY customer_id ORDER BY customer_id
            """
        ).df()
    finally:
        con.close()
    out = out.set_index("customer_id").astype(float)
    out.attrs = {"as_of": as_of, "days": d, "lines_after_as_of": n_after}
    return out


def customer_entry(tx: pd.DataFrame, *, as_of=None, days: int = 365) -> pd.DataFrame:
    """Each customer's revenue in its first ``days`` days from its first purchase.

    Returns
    -------
    DataFrame
        Indexed by ``customer_id`` (sorted; customers with a purchase up to
        ``as_of``), columns ``first_purchase`` (day of the first positive line),
        ``entry_revenue`` (net revenue of the lines dated before
        ``first_purchase + days``, up to ``as_of``) and ``entry_complete``
        (bool: ``first_purchase + days <= as_of + 1 day``, i.e. the whole entry
        window is observed). ``attrs``: ``as_of``, ``days``, ``lines_after_as_of``.
    """
    check_transactions(tx)
    as_of = resolve_as_of(tx, as_of)
    d = _days(days, "days")
    con, n_after = _connect(tx, as_of)
    try:
        out = con.execute(
            f"""
            WITH f AS (SELECT customer_id, min(date)::DATE AS first_purchase
                       FROM tx WHERE amount > 0 GROUP BY customer_id)
            SELECT f.customer_id, f.first_purchase,
                   coalesce(sum(tx.amount) FILTER (
                       WHERE tx.date < f.first_purchase + INTERVAL {d} DAY), 0) AS entry_revenue
            FROM f JOIN tx USING (customer_id)
            GROUP BY f.customer_id, f.first_purchase ORDER BY f.customer_id
            """
        ).df()
    finally:
        con.close()
    out["first_purchase"] = pd.to_datetime(out["first_purchase"]).astype("datetime64[ns]")
    out["entry_revenue"] = out["entry_revenue"].astype(float)
    out["entry_complete"] = (
        out["first_purchase"] + pd.Timedelta(days=d) <= as_of + pd.Timedelta(days=1)
    ).to_numpy()
    out = out.set_index("customer_id")
    out.attrs = {"as_of": as_of, "days": d, "lines_after_as_of": n_after}
    return out


def customer_orders(tx: pd.DataFrame, *, as_of=None) -> pd.DataFrame:
    """One row per order with a purchase: its customer, day and value.

    An order is an invoice (``invoice_id``) of the customer; lines without an
    invoice id form one order per customer-day (as in
    :func:`kamresearch.pareto.key_account_profile`).

    Returns
    -------
    DataFrame
        Columns ``customer_id``, ``day`` (first day of the order), ``order_value``
        (sum of the order's positive lines), sorted by customer and day.
        ``attrs``: ``as_of``, ``lines_after_as_of``, ``order_unit``
        (``"invoice"`` or ``"day"``).
    """
    check_transactions(tx)
    as_of = resolve_as_of(tx, as_of)
    has_inv = "invoice_id" in tx.columns
    key = (
        "invoice_id AS inv, CASE WHEN invoice_id IS NULL THEN date::DATE END AS dy"
        if has_inv
        else "NULL AS inv, date::DATE AS dy"
    )
    con, n_after = _connect(tx, as_of)
    try:
        out = con.execute(
            f"""
            SELECT customer_id, min(d)::DATE AS day, sum(v) AS order_value FROM (
                SELECT customer_id, {key}, date AS d, amount AS v FROM tx WHERE amount > 0
            ) GROUP BY customer_id, inv, dy ORDER BY customer_id, day
            """
        ).df()
    finally:
        con.close()
    out["day"] = pd.to_datetime(out["day"]).astype("datetime64[ns]")
    out["order_value"] = out["order_value"].astype(float)
    out.attrs = {"as_of": as_of, "lines_after_as_of": n_after,
                 "order_unit": "invoice" if has_inv else "day"}  # fmt: skip
    return out


def sale_days(tx: pd.DataFrame, *, as_of=None) -> pd.DatetimeIndex:
    """The distinct calendar days with a purchase (any customer) up to ``as_of``, sorted."""
    check_transactions(tx)
    as_of = resolve_as_of(tx, as_of)
    con, _ = _connect(tx, as_of)
    try:
        days = con.execute(
            "SELECT DISTINCT date::DATE AS d FROM tx WHERE amount > 0 ORDER BY d"
        ).df()["d"]
    finally:
        con.close()
    return pd.DatetimeIndex(pd.to_datetime(days).astype("datetime64[ns]"), name="day")
