"""Line-level reductions over time windows per customer (Ibis, like :mod:`.facts`).

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
from .facts import resolve_as_of
from .lines import day_number, from_day_number, memo, open_lines, slim

__all__ = [
    "customer_windows",
    "customer_entry",
    "customer_orders",
    "orders_of",
    "order_value_median",
    "order_day_bands",
    "sale_days",
]


def _days(days, name: str) -> int:
    from ..errors import ConfigError

    if isinstance(days, bool) or not float(days).is_integer() or days < 1:
        raise ConfigError(f"{name}={days!r} must be a whole number of days >= 1")
    return int(days)


@memo
def customer_windows(tx, *, as_of=None, days: int = 365) -> pd.DataFrame:
    """Net revenue per customer in the ``days`` up to ``as_of`` and in the ``days`` before.

    Parameters
    ----------
    tx : DataFrame or LazyTable
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
    import ibis

    check_transactions(tx)
    as_of = resolve_as_of(tx, as_of)
    d = _days(days, "days")
    end = as_of + pd.Timedelta(days=1)  # lines before the next midnight
    mid = ibis.literal(end - pd.Timedelta(days=d)).cast("timestamp")
    lo = ibis.literal(end - pd.Timedelta(days=2 * d)).cast("timestamp")
    with open_lines(tx) as lines:
        t, n_after = lines.cut(as_of)
        expr = (
            t.group_by("customer_id")
            .aggregate(
                revenue_trailing=t.amount.sum(where=t.date >= mid).coalesce(0.0),
                revenue_prior=t.amount.sum(where=(t.date >= lo) & (t.date < mid)).coalesce(0.0),
            )
            .order_by("customer_id")
        )
        out = lines.execute(expr)
    out = out.set_index("customer_id").astype(float)
    out.attrs = {"as_of": as_of, "days": d, "lines_after_as_of": n_after}
    return out


@memo
def customer_entry(tx, *, as_of=None, days: int = 365) -> pd.DataFrame:
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
    with open_lines(tx) as lines:
        t, n_after = lines.cut(as_of)
        t = slim(t)
        t = t.mutate(day=day_number(t.date))
        pos = t.filter(t.amount > 0)
        f = pos.group_by("customer_id").aggregate(fp=pos.day.min())
        j = t.join(f, "customer_id")
        expr = (
            j.group_by(["customer_id", "fp"])
            .aggregate(entry_revenue=j.amount.sum(where=j.day < j.fp + d).coalesce(0.0))
            .order_by("customer_id")
        )
        out = lines.execute(expr)
    out = out.rename(columns={"fp": "first_purchase"})
    out["first_purchase"] = from_day_number(out["first_purchase"])
    out["entry_revenue"] = out["entry_revenue"].astype(float)
    out["entry_complete"] = (
        out["first_purchase"] + pd.Timedelta(days=d) <= as_of + pd.Timedelta(days=1)
    ).to_numpy()
    out = out.set_index("customer_id")
    out.attrs = {"as_of": as_of, "days": d, "lines_after_as_of": n_after}
    return out


def _orders(lines, tx, as_of: pd.Timestamp):
    """Ibis: the orders with a purchase up to ``as_of`` -- ``customer_id``, ``inv``,
    ``dy`` (the order's key), ``day`` (its first day), ``order_value`` -- and the
    number of lines after ``as_of``."""
    import ibis

    has_inv = "invoice_id" in tx.columns
    t, n_after = lines.cut(as_of)
    t = slim(t, *(["invoice_id"] if has_inv else []))
    t = t.filter(t.amount > 0)
    day = day_number(t.date)
    if has_inv:
        inv = t.invoice_id.cast("string")
        t = t.mutate(inv=inv, dy=ibis.ifelse(inv.isnull(), day, ibis.null("int64")), d=day)
    else:
        t = t.mutate(inv=ibis.literal("", "string"), dy=day, d=day)
    orders = t.group_by(["customer_id", "inv", "dy"]).aggregate(
        day=t.d.min(), order_value=t.amount.sum()
    )
    return orders, n_after


def _order_frame(out: pd.DataFrame, attrs: dict) -> pd.DataFrame:
    out["day"] = from_day_number(out["day"])
    out["order_value"] = out["order_value"].astype(float)
    out.attrs = attrs
    return out


@memo
def customer_orders(tx, *, as_of=None) -> pd.DataFrame:
    """One row per order with a purchase: its customer, day and value.

    An order is an invoice (``invoice_id``) of the customer; lines without an
    invoice id form one order per customer-day (as in
    :func:`kamresearch.pareto.key_account_profile`). The table grows with the lines:
    the report asks for :func:`orders_of` (some customers) and :func:`order_day_bands`
    (counts) instead.

    Returns
    -------
    DataFrame
        Columns ``customer_id``, ``day`` (first day of the order), ``order_value``
        (sum of the order's positive lines), sorted by customer, day and value.
        ``attrs``: ``as_of``, ``lines_after_as_of``, ``order_unit``
        (``"invoice"`` or ``"day"``).
    """
    check_transactions(tx)
    as_of = resolve_as_of(tx, as_of)
    with open_lines(tx) as lines:
        orders, n_after = _orders(lines, tx, as_of)
        expr = orders.order_by(["customer_id", "day", "order_value", "inv"]).select(
            "customer_id", "day", "order_value"
        )
        out = lines.execute(expr)
    return _order_frame(out, _order_attrs(tx, as_of, n_after))


def _order_attrs(tx, as_of, n_after) -> dict:
    unit = "invoice" if "invoice_id" in tx.columns else "day"
    return {"as_of": as_of, "lines_after_as_of": n_after, "order_unit": unit}


def orders_of(tx, customers, *, as_of=None) -> pd.DataFrame:
    """:func:`customer_orders` of ``customers`` only (the same rows, in the same order):
    the other customers' orders never leave the engine."""
    import ibis

    check_transactions(tx)
    as_of = resolve_as_of(tx, as_of)
    ids = pd.DataFrame({"o_cid": pd.Index(customers).astype(str).unique()})
    with open_lines(tx) as lines:
        orders, n_after = _orders(lines, tx, as_of)
        keep = ibis.memtable(ids)
        orders = orders.semi_join(keep, orders.customer_id == keep.o_cid)
        expr = orders.order_by(["customer_id", "day", "order_value", "inv"]).select(
            "customer_id", "day", "order_value"
        )
        out = lines.execute(expr)
    return _order_frame(out, _order_attrs(tx, as_of, n_after))


@memo
def order_value_median(tx, *, as_of=None) -> float:
    """The median value of the orders of :func:`customer_orders` (NaN without orders),
    as ``numpy.median`` gives it: the middle value, or the mean of the two middle ones,
    fetched from the engine."""
    import ibis
    import numpy as np

    check_transactions(tx)
    as_of = resolve_as_of(tx, as_of)
    with open_lines(tx) as lines:
        orders, _ = _orders(lines, tx, as_of)
        n = int(lines.scalar(orders.count()) or 0)
        if not n:
            return float("nan")
        # the middle rank(s) of the sorted values (a window rank: Spark's LIMIT with
        # OFFSET does not come back through Ibis)
        v = orders.select("order_value")
        v = v.mutate(rn=ibis.row_number().over(order_by=v.order_value))
        middle = [(n - 1) // 2, n // 2]
        values = lines.execute(v.filter(v.rn.isin(middle)).select("order_value"))
        values = values["order_value"].to_numpy(float)
    return float(np.median(values))


@memo
def order_day_bands(tx, *, as_of=None, edges: tuple = ()) -> pd.DataFrame:
    """Orders of :func:`customer_orders` counted per first day and value band.

    ``band`` is the number of ``edges`` at or below the order value (``numpy.searchsorted``
    with ``side="right"``). Columns ``day`` (datetime64), ``band`` (int), ``orders``,
    ``revenue`` (order values summed); sorted by day and band.
    """
    import ibis

    check_transactions(tx)
    as_of = resolve_as_of(tx, as_of)
    with open_lines(tx) as lines:
        orders, _ = _orders(lines, tx, as_of)
        band = ibis.literal(0, "int64")
        for e in edges:
            band = band + ibis.ifelse(orders.order_value >= float(e), 1, 0).cast("int64")
        orders = orders.mutate(band=band)
        expr = (
            orders.group_by(["day", "band"])
            .aggregate(orders=orders.count(), revenue=orders.order_value.sum())
            .order_by(["day", "band"])
        )
        out = lines.execute(expr)
    out["day"] = from_day_number(out["day"])
    out["band"] = out["band"].astype("int64")
    out["orders"] = out["orders"].astype("int64")
    out["revenue"] = out["revenue"].astype(float)
    return out


@memo
def sale_days(tx, *, as_of=None) -> pd.DatetimeIndex:
    """The distinct calendar days with a purchase (any customer) up to ``as_of``, sorted."""
    check_transactions(tx)
    as_of = resolve_as_of(tx, as_of)
    with open_lines(tx) as lines:
        t, _ = lines.cut(as_of)
        t = t.filter(t.amount > 0)
        expr = t.select(d=day_number(t.date)).distinct().order_by("d")
        days = lines.execute(expr)["d"]
    return pd.DatetimeIndex(from_day_number(days), name="day")
