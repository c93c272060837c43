"""Net revenue per customer in a date window, per period, per order, per cohort.

The reductions behind :mod:`kamresearch.pareto` (concentration, the account
profile, the trend) and :mod:`kamresearch.cohorts` (the cohort x period cells),
as Ibis expressions over the lines (see :mod:`kamresearch.engine.lines`).

A *window* is ``start``/``end`` (days, both included; None: open); unlike
``as_of`` elsewhere, lines after ``end`` are simply outside the window.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..schema import check_transactions
from .lines import date_bounds, day_number, from_day_number, memo, open_lines, slim

__all__ = [
    "window_lines",
    "rank_key",
    "customer_revenue",
    "revenue_vector",
    "window_span",
    "period_customer_revenue",
    "customer_orders_profile",
    "cohort_cells",
]


def window_lines(t, start, end):
    """Ibis: the lines of ``t`` dated from ``start`` to ``end`` (days, None: open)."""
    import ibis

    if start is not None:
        t = t.filter(t.date >= ibis.literal(pd.Timestamp(start)).cast("timestamp"))
    if end is not None:
        cut = pd.Timestamp(end) + pd.Timedelta(days=1)
        t = t.filter(t.date < ibis.literal(cut).cast("timestamp"))
    return t


def rank_key(r, tolerance: float):
    """Ibis: revenue ``r`` in whole millionths (round half away from zero), 0 within
    ``tolerance`` of zero -- customers are ranked on it, ties by id."""
    import ibis

    return ibis.ifelse(r.abs() < tolerance, 0.0, (r * 1e6).round())


@memo
def customer_revenue(tx, *, start=None, end=None, region: bool, tolerance: float):
    """Net revenue per customer in the window, ranked (:func:`rank_key` descending,
    ties by id): columns ``customer_id``, ``revenue`` (and ``region``: the region of
    most of the customer's revenue in the window by the same key, ties alphabetical)."""
    import ibis

    check_transactions(tx)
    with open_lines(tx) as lines:
        t = window_lines(slim(lines.table), start, end)
        if region:
            cr = t.group_by(["customer_id", "region"]).aggregate(r=t.amount.sum())
            cr = cr.mutate(k=rank_key(cr.r, tolerance))
            w = ibis.window(group_by="customer_id", order_by=[ibis.desc("k"), ibis.asc("region")])
            cr = cr.mutate(rn=ibis.row_number().over(w))
            per = cr.group_by("customer_id").aggregate(
                revenue=cr.r.sum(), region=cr.region.max(where=cr.rn == 0)
            )
        else:
            per = t.group_by("customer_id").aggregate(revenue=t.amount.sum())
        per = per.mutate(k=rank_key(per.revenue, tolerance), ks=per.customer_id.cast("string"))
        expr = per.order_by([ibis.desc("k"), ibis.asc("ks")]).drop("k", "ks")
        out = lines.execute(expr)
    out["revenue"] = out["revenue"].astype(float)
    return out


@memo
def revenue_vector(tx, *, start=None, end=None) -> np.ndarray:
    """Net revenue of each customer with a line in the window (no ids, any order)."""
    check_transactions(tx)
    with open_lines(tx) as lines:
        t = window_lines(slim(lines.table), start, end)
        got = lines.execute(t.group_by("customer_id").aggregate(r=t.amount.sum()).select("r"))
    return got["r"].to_numpy(dtype=float)


@memo
def window_span(tx, *, start=None, end=None):
    """First and last timestamp of the lines in the window (None, None when none)."""
    with open_lines(tx) as lines:
        t = window_lines(slim(lines.table), start, end)
        got = lines.execute(t.aggregate(lo=t.date.min(), hi=t.date.max(), n=t.count()))
    if int(got["n"].iloc[0]) == 0:
        return None, None
    return pd.Timestamp(got["lo"].iloc[0]), pd.Timestamp(got["hi"].iloc[0])


@memo
def period_customer_revenue(tx, *, start=None, end=None, pfreq: str):
    """Net revenue per calendar period x customer in the window.

    Returns
    -------
    (lo, hi, DataFrame)
        First and last timestamp in the window (None when empty) and the cells:
        ``p`` (period start, datetime64), ``r``, sorted by period.
    """
    from .facts import period_start

    check_transactions(tx)
    with open_lines(tx) as lines:
        t = window_lines(slim(lines.table), start, end)
        if start is None and end is None:  # every line: the remembered bounds
            lo, hi, n = date_bounds(tx)
        else:
            span = lines.execute(t.aggregate(lo=t.date.min(), hi=t.date.max(), n=t.count()))
            lo, hi, n = span["lo"].iloc[0], span["hi"].iloc[0], int(span["n"].iloc[0])
        t = t.mutate(p=period_start(t.date, pfreq))
        cells = lines.execute(
            t.group_by(["p", "customer_id"]).aggregate(r=t.amount.sum()).order_by(["p"])
        )
    if n == 0:
        return None, None, cells
    cells["p"] = from_day_number(cells["p"])
    cells["r"] = cells["r"].astype(float)
    return pd.Timestamp(lo), pd.Timestamp(hi), cells


@memo
def customer_orders_profile(tx, *, start=None, end=None) -> tuple[pd.DataFrame, pd.Timestamp]:
    """Orders, months with a purchase and price premium per customer in the window.

    An order is an invoice when the line has an ``invoice_id``, else the
    customer-day (lines without an id never fall into one NULL invoice); only
    purchase lines (``amount > 0``) count.

    Returns
    -------
    (DataFrame, Timestamp)
        Columns ``customer_id``, ``n_orders``, ``gross_revenue`` (positive lines),
        ``months_with_purchase``, ``first_purchase`` (day), ``pp`` (mean of
        ``unit_price / median unit price of the product`` over the customer's
        priced purchase lines; NaN without ``product_id``/``unit_price``); and the
        last timestamp in the window (None when empty).
    """
    import ibis

    check_transactions(tx)
    has_inv = "invoice_id" in tx.columns
    has_price = "product_id" in tx.columns and "unit_price" in tx.columns
    optional = (["invoice_id"] if has_inv else []) + (
        ["product_id", "unit_price"] if has_price else []
    )
    with open_lines(tx) as lines:
        t = window_lines(slim(lines.table, *optional), start, end)
        if start is None and end is None:  # every line: the remembered bounds
            last = date_bounds(tx)[1]
        else:
            last = lines.scalar(t.date.max())
        buy = t.filter(t.amount > 0)
        day = day_number(buy.date)
        if has_inv:
            inv = buy.invoice_id.cast("string")
            buy = buy.mutate(inv=inv, dy=ibis.ifelse(inv.isnull(), day, ibis.null("int64")))
        else:
            buy = buy.mutate(inv=ibis.literal("", "string"), dy=day)
        buy = buy.mutate(mo=day_number(buy.date.truncate("M")), d0=day)
        om = buy.group_by(["customer_id", "inv", "dy", "mo"]).aggregate(
            v=buy.amount.sum(), d0=buy.d0.min()
        )
        orders = om.group_by(["customer_id", "inv", "dy"]).aggregate(v=om.v.sum(), d0=om.d0.min())
        ords = orders.group_by("customer_id").aggregate(
            n_orders=orders.count(), gross_revenue=orders.v.sum(), first_purchase=orders.d0.min()
        )
        cm = om.select("customer_id", "mo").distinct()
        mons = cm.group_by("customer_id").aggregate(months_with_purchase=cm.count())
        mons = mons.rename(mid="customer_id")
        o = ords.join(mons, ords.customer_id == mons.mid).drop("mid")
        if has_price:
            priced = buy.filter(buy.unit_price > 0)
            med = priced.group_by("product_id").aggregate(med=priced.unit_price.quantile(0.5))
            med = med.rename(mpid="product_id")
            pj = priced.join(med, priced.product_id == med.mpid)
            pj = pj.filter(pj.med > 0)
            pp = pj.group_by("customer_id").aggregate(pp=(pj.unit_price / pj.med).mean())
            pp = pp.rename(ppid="customer_id")
            o = o.left_join(pp, o.customer_id == pp.ppid).drop("ppid")
        else:
            o = o.mutate(pp=ibis.null("float64"))
        out = lines.execute(o.order_by("customer_id"))
    out["first_purchase"] = from_day_number(out["first_purchase"])
    out["pp"] = out["pp"].astype(float)
    out["gross_revenue"] = out["gross_revenue"].astype(float)
    return out, (pd.Timestamp(last) if last is not None else None)


@memo
def cohort_cells(tx, *, as_of: pd.Timestamp, pfreq: str):
    """Cohort x period cells: customers active (a purchase) and net revenue.

    A customer's cohort is the first period with a purchase up to ``as_of``.

    Returns
    -------
    (DataFrame, int)
        Columns ``cohort``, ``period_start`` (datetime64 period starts), ``active``,
        ``revenue``; and the number of lines up to ``as_of``.
    """
    from .facts import period_start

    check_transactions(tx)
    with open_lines(tx) as lines:
        t, _ = lines.cut(as_of)
        t = slim(t)
        n_lines = int(lines.scalar(t.count()) or 0)
        t = t.mutate(ps=period_start(t.date, pfreq))
        cp = t.group_by(["customer_id", "ps"]).aggregate(
            revenue=t.amount.sum(), bought=(t.amount > 0).any()
        )
        b = cp.filter(cp.bought)
        coh = b.group_by("customer_id").aggregate(cohort=b.ps.min()).rename(cid="customer_id")
        j = cp.join(coh, cp.customer_id == coh.cid)
        j = j.filter(j.ps >= j.cohort)
        cells = lines.execute(
            j.group_by(["cohort", "ps"])
            .aggregate(active=j.count(where=j.bought), revenue=j.revenue.sum())
            .order_by(["cohort", "ps"])
        )
    cells = cells.rename(columns={"ps": "period_start"})
    cells["cohort"] = from_day_number(cells["cohort"])
    cells["period_start"] = from_day_number(cells["period_start"])
    return cells, n_lines
