"""Purchase days and inter-purchase gaps per customer: the facts of the churn analysis.

:func:`kamresearch.churn.customer_lifetimes` and
:func:`kamresearch.churn.suggest_inactivity_window` read one row per customer
(first and last purchase day, gaps, revenue, region, attributes) and the
percentiles of the gaps between consecutive purchase days. Both are computed
here, as Ibis expressions over the lines (see :mod:`kamresearch.engine.lines`).
Conventions as in :mod:`kamresearch.engine.facts`: ``as_of`` is a day, a
*purchase day* is a day on which the customer has a positive line, revenue is
net.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..schema import attribute_columns, check_transactions
from .lines import day_number, from_day_number, memo, open_lines, slim
from .table import is_lazy

__all__ = ["GAP_PERCENTILES", "gap_percentiles", "purchase_facts"]

#: The percentiles of the gaps every window suggestion reports.
GAP_PERCENTILES = (0.5, 0.75, 0.9, 0.95, 0.99)

_FACT_COLUMNS = (
    "first_purchase",
    "last_purchase",
    "n_purchases",
    "revenue",
    "revenue_12m",
    "region",
    "median_gap_days",
    "longest_gap_days",
    "n_reactivations",
    "repeat_revenue",
)


def _tables(lines, as_of: pd.Timestamp, attrs):
    """(regs, pdays, lines after ``as_of``): revenue per customer x region (with the
    attributes of the latest line), and the purchase days with their net revenue
    ``rev``, rank ``k`` (0 = first) and ``gap`` (days since the previous purchase day).

    ``pdays`` is computed once per lazy table and ``as_of`` (:meth:`Lines.kept`): the
    window suggestion and the facts both read it.
    """
    import ibis

    t, n_after = lines.cut(as_of)
    s = slim(t, attrs=attrs)
    s = s.mutate(day=day_number(s.date))
    since = int((as_of - pd.Timedelta(days=364) - pd.Timestamp(0)).days)
    extra = {f"a_{i}": s[f"a_{i}"].argmax(s.date) for i in range(len(attrs))}
    if attrs:
        extra["last_ts"] = s.date.max()
    regs = s.group_by(["customer_id", "region"]).aggregate(
        rrev=s.amount.sum(), r12=s.amount.sum(where=s.day >= since).coalesce(0.0), **extra
    )

    def build():
        cd = s.group_by(["customer_id", "day"]).aggregate(rev=s.amount.sum(), top=s.amount.max())
        cd = cd.filter(cd.top > 0)
        w = ibis.window(group_by="customer_id", order_by="day")
        k, gap = ibis.row_number().over(w), cd.day - cd.day.lag().over(w)
        return cd.select("customer_id", "day", "rev", k=k, gap=gap)

    return regs, lines.kept(("purchase_days", pd.Timestamp(as_of)), build), n_after


def _gap_stats(pdays, probs):
    return pdays.aggregate(
        **{f"q{i}": pdays.gap.quantile(p) for i, p in enumerate(probs)},
        n_gaps=pdays.gap.count(),
        n_rep=pdays.count(where=pdays.k == 1),
    )


def _gap_result(row: pd.DataFrame, probs) -> tuple[pd.Series, int, int]:
    n_gaps = int(row["n_gaps"].iloc[0] or 0)
    vals = [float(row[f"q{i}"].iloc[0]) if n_gaps else np.nan for i in range(len(probs))]
    q = pd.Series(vals, index=probs, name="gap_days", dtype=float)
    q.index.name = "percentile"
    return q, n_gaps, int(row["n_rep"].iloc[0] or 0)


@memo
def gap_percentiles(tx, *, as_of: pd.Timestamp, percentile: float):
    """Percentiles of the gaps (days) between consecutive purchase days of a customer.

    Returns
    -------
    (Series, int, int)
        The percentiles (index: :data:`GAP_PERCENTILES` and ``percentile``, sorted;
        linear interpolation, NaN without gaps), the number of gaps and of repeat
        customers (two or more purchase days).
    """
    check_transactions(tx)
    probs = sorted(set(GAP_PERCENTILES) | {float(percentile)})
    with open_lines(tx) as lines:
        _, pdays, _ = _tables(lines, as_of, [])
        row = lines.execute(_gap_stats(pdays, probs))
    return _gap_result(row, probs)


@memo
def purchase_facts(tx, *, as_of: pd.Timestamp, inactivity_days=None, percentile: float = 0.9):
    """Per-customer purchase facts up to ``as_of``.

    Parameters
    ----------
    tx : DataFrame or LazyTable
    as_of : Timestamp
        The (resolved) analysis date.
    inactivity_days : int or callable
        The window W counting reactivations (gaps > W); a callable gets the gap
        percentiles ``(Series, n_gaps, n_repeat)`` and returns W (the window
        suggested from the same data).
    percentile : float
        The percentile passed with the gap percentiles to a callable.

    Returns
    -------
    dict
        ``facts``: DataFrame indexed by ``customer_id`` (sorted; customers with a
        purchase) with ``first_purchase``, ``last_purchase`` (datetime64),
        ``n_purchases``, ``revenue`` (net, all lines), ``revenue_12m`` (net, the 365
        days up to ``as_of``), ``region`` (most net revenue, ties alphabetical),
        ``median_gap_days``, ``longest_gap_days``, ``n_reactivations`` (gaps > W),
        ``repeat_revenue`` (net revenue of the purchase days after the first), then
        each attribute (value on the latest line); ``customers_without_purchase``;
        ``lines_after_as_of``; ``inactivity_days`` (W); ``gaps`` (the percentiles
        when W was suggested, else None).
    """
    import ibis

    check_transactions(tx)
    if callable(inactivity_days) and is_lazy(tx):
        # two remembered reductions rather than one that cannot be remembered
        gaps = gap_percentiles(tx, as_of=as_of, percentile=percentile)
        w = int(inactivity_days(*gaps))
        got = purchase_facts(tx, as_of=as_of, inactivity_days=w, percentile=percentile)
        return {**got, "gaps": gaps}
    attrs = attribute_columns(tx)
    gaps = None
    with open_lines(tx) as lines:
        regs, pdays, n_after = _tables(lines, as_of, attrs)
        if callable(inactivity_days):
            probs = sorted(set(GAP_PERCENTILES) | {float(percentile)})
            gaps = _gap_result(lines.execute(_gap_stats(pdays, probs)), probs)
            inactivity_days = inactivity_days(*gaps)
        w = int(inactivity_days)
        p = pdays.group_by("customer_id").aggregate(
            first_purchase=pdays.day.min(),
            last_purchase=pdays.day.max(),
            n_purchases=pdays.count(),
            repeat_revenue=pdays.rev.sum(where=pdays.gap.notnull()).coalesce(0.0),
            median_gap_days=pdays.gap.median(),
            longest_gap_days=pdays.gap.max(),
            n_reactivations=pdays.count(where=pdays.gap > w).coalesce(0),
        )
        c = regs.group_by("customer_id").aggregate(
            revenue=regs.rrev.sum(),
            revenue_12m=regs.r12.sum(),
            **{f"a_{i}": regs[f"a_{i}"].argmax(regs.last_ts) for i in range(len(attrs))},
        )
        rw = ibis.window(group_by="customer_id", order_by=[ibis.desc("rrev"), ibis.asc("region")])
        r = regs.mutate(rn=ibis.row_number().over(rw))
        r = r.filter(r.rn == 0).select(cid=r.customer_id, region=r.region)
        p = p.rename(pid="customer_id")
        j = c.left_join(p, c.customer_id == p.pid).join(r, c.customer_id == r.cid)
        expr = j.select(
            "customer_id",
            *[x for x in _FACT_COLUMNS if x not in ("revenue", "revenue_12m", "region")],
            "revenue",
            "revenue_12m",
            "region",
            *[f"a_{i}" for i in range(len(attrs))],
        ).order_by("customer_id")
        df = lines.execute(expr)
    has = df["first_purchase"].notna()
    n_without = int((~has).sum())
    df = df[has].set_index("customer_id")
    df = df.rename(columns={f"a_{i}": a for i, a in enumerate(attrs)})
    for col in ("first_purchase", "last_purchase"):
        df[col] = from_day_number(df[col])
    for col in ("n_purchases", "n_reactivations"):
        df[col] = df[col].astype("int64")
    for col in ("median_gap_days", "longest_gap_days", "revenue", "revenue_12m", "repeat_revenue"):
        df[col] = df[col].astype(float)
    df = df[[*_FACT_COLUMNS, *attrs]]
    return {
        "facts": df,
        "customers_without_purchase": n_without,
        "lines_after_as_of": n_after,
        "inactivity_days": w,
        "gaps": gaps,
    }
