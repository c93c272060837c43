"""The RFM table per customer: purchase days counted, dated and summed, in one pass.

:func:`kamresearch.churn.rfm_summary` reads one row per customer with a purchase
day up to ``as_of``: the first and last purchase day, the number of purchase days,
the net revenue of all purchase days and of the first one. Conventions as in
:mod:`kamresearch.engine.purchases` (the same as
:func:`kamresearch.churn.customer_lifetimes`): a *purchase day* is a day on which
the customer has a positive line; the day's revenue is the net of all its lines
(same-day returns netted); days with returns only are not purchases.

The reduction is two group-bys and no window function: customer x day (net
revenue and largest line of the day), then per customer over the purchase days
(``min``, ``max``, ``count``, ``sum`` and ``arg_min(rev, day)``: the revenue of
the first day). This is what a hand-written SQL query of the same table does,
and all ``kamresearch.churn.customer_lifetimes`` needs beyond it (gaps, their
percentiles, region, attributes) is left out.
"""

from __future__ import annotations

import pandas as pd

from ..schema import check_transactions
from .lines import day_number, memo, open_lines

__all__ = ["RFM_FACT_COLUMNS", "rfm_facts"]

#: The columns of ``rfm_facts(...)["facts"]``, in order.
RFM_FACT_COLUMNS = ("first_day", "last_day", "n_days", "revenue", "first_revenue")


def _rfm_expr(lines, as_of: pd.Timestamp):
    """(Ibis expression of the per-customer table, lines after ``as_of``)."""
    t, n_after = lines.cut(as_of)
    # DuckDB: the calendar day as a DATE (measured ~10% faster than day-number
    # arithmetic at 10M lines); elsewhere day numbers, the engine's portable form
    day = t.date.cast("date") if lines.engine == "duckdb" else day_number(t.date)
    s = t.select("customer_id", "amount", day=day)
    cd = s.group_by(["customer_id", "day"]).aggregate(rev=s.amount.sum(), top=s.amount.max())
    # not filtered but counted: a customer whose days are all return-only comes back
    # with n_days = 0 (customers_without_purchase at no extra pass over the lines)
    buy = cd.top > 0
    expr = cd.group_by("customer_id").aggregate(
        first_day=cd.day.min(where=buy),
        last_day=cd.day.max(where=buy),
        n_days=cd.count(where=buy),
        revenue=cd.rev.sum(where=buy),
        first_revenue=cd.rev.argmin(cd.day, where=buy),
    )
    return expr.order_by("customer_id"), n_after


@memo
def rfm_facts(tx, *, as_of: pd.Timestamp) -> dict:
    """Per-customer purchase-day facts up to ``as_of``: the inputs of the RFM table.

    Parameters
    ----------
    tx : DataFrame or LazyTable
        Canonical transactions.
    as_of : Timestamp
        The (resolved) analysis date: lines on that day are included.

    Returns
    -------
    dict
        ``facts``: DataFrame indexed by ``customer_id`` (sorted), one row per customer
        with a purchase day up to ``as_of``:

        - ``first_day``, ``last_day`` (int64): first and last purchase day, as days
          since 1970-01-01;
        - ``n_days`` (int64): the number of purchase days;
        - ``revenue`` (float64): net revenue of the purchase days (all their lines);
        - ``first_revenue`` (float64): net revenue of the first purchase day.

        ``customers_without_purchase``: customers with lines up to ``as_of`` but no
        purchase day (returns only; left out). ``lines_after_as_of``: the lines dated
        after ``as_of`` (ignored).

    Notes
    -----
    The days are grouped as DATEs on DuckDB and as day numbers (days since
    1970-01-01, :func:`~kamresearch.engine.lines.day_number`) elsewhere; the lines'
    timestamps are naive, so both give the same calendar days and the same table.
    Through Ibis on DuckDB at 10M lines and 200,000 customers (2 shared cores, load
    ~2), the DATE cast took 3.0-3.3 s against 3.3-3.7 s for the day-number
    arithmetic; ``arg_min(rev, day)`` (hand SQL) and Ibis' ``first(rev ORDER BY
    day)`` were within noise of each other, so Ibis' portable ``argmin`` is kept.
    """
    check_transactions(tx)
    with open_lines(tx) as lines:
        expr, n_after = _rfm_expr(lines, pd.Timestamp(as_of))
        df = lines.execute(expr)
    has = df["n_days"].fillna(0).to_numpy() > 0
    n_without = int((~has).sum())
    df = df[has].set_index("customer_id")
    for col in ("first_day", "last_day"):
        df[col] = _day_number(df[col])
    df["n_days"] = df["n_days"].astype("int64")
    for col in ("revenue", "first_revenue"):
        df[col] = df[col].astype("float64")
    return {
        "facts": df[list(RFM_FACT_COLUMNS)],
        "customers_without_purchase": n_without,
        "lines_after_as_of": n_after,
    }


def _day_number(values: pd.Series) -> pd.Series:
    """Days since 1970-01-01 (int64) of a column of dates or of day numbers."""
    if pd.api.types.is_numeric_dtype(values.dtype):
        return values.astype("int64")
    days = pd.to_datetime(values).to_numpy().astype("datetime64[D]").astype("int64")
    return pd.Series(days, index=values.index, name=values.name)
