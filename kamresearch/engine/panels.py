"""Line-level reductions for the statistical models of :mod:`kamresearch.evidence`.

Written like :mod:`kamresearch.engine.facts` (one Ibis expression per
reduction, run on the backend of the lines). The evidence models only ever see
the small tables returned here:

* :func:`customer_product_prices` -- one row per customer x product: the
  quantity-weighted mean log unit price (price premium, product fixed effects);
  :func:`customer_product_price_codes` the same with integer codes for the ids;
* :func:`order_cells` -- one row per customer x period: orders and their mean
  log value (order size with period effects, repurchase with exposure);
* :func:`churn_panel` -- the customer x period panel of live accounts with the
  covariates known at the start of each period and the churn event (the
  discrete-time hazard model): the engine reduces the lines to customer x period
  cells, :mod:`.churn_grid` assembles the panel from them.

Conventions as in :mod:`kamresearch.engine.facts`: ``as_of`` is a date, lines
after it are ignored and counted in ``attrs["lines_after_as_of"]``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..schema import check_transactions
from .churn_grid import panel_from_cells
from .facts import parse_freq, period_start, region_of, resolve_as_of, to_periods
from .lines import day_number, from_day_number, memo, open_lines, slim

__all__ = [
    "customer_product_prices",
    "customer_product_price_codes",
    "order_cells",
    "churn_panel",
    "panel_period_ends",
    "PANEL_COLUMNS",
]

#: Columns of :func:`churn_panel`, in order.
PANEL_COLUMNS = (
    "customer_id",
    "period_end",
    "period_index",
    "period_days",
    "region",
    "days_since_last",
    "tenure_periods",
    "purchase_periods",
    "purchase_days",
    "revenue_trailing",
    "revenue_recent",
    "revenue_earlier",
    "revenue_rank",
    "n_ranked",
    "live_at_end",
    "next_purchase_index",
    "event",
)


@memo
def customer_product_prices(tx: pd.DataFrame, *, as_of=None) -> pd.DataFrame:
    """One row per customer x product: quantity and quantity-weighted mean log price.

    Parameters
    ----------
    tx : DataFrame
        Canonical transactions with ``product_id``, ``quantity`` and ``unit_price``.
    as_of : date-like, optional
        Lines after this day are ignored. Default: the last date in ``tx``.

    Returns
    -------
    DataFrame
        Columns ``customer_id``, ``product_id``, ``quantity`` (sum of the units
        bought), ``log_price`` (sum of quantity x ln unit price / quantity),
        ``n_lines``; sorted by customer and product. Only purchase lines count
        (``quantity > 0`` and ``unit_price > 0``): returns and free items carry no price.

    Notes
    -----
    A regression of line-level log prices on customer-level regressors weighted
    by quantity gives the same coefficients (and the same cluster-robust
    sandwich) on these cells weighted by their quantity, because the regressors
    are constant within a cell.
    """
    check_transactions(tx)
    as_of = resolve_as_of(tx, as_of)
    with open_lines(tx) as lines:
        t, n_after = lines.cut(as_of)
        cells = _price_cells(_price_lines(t))
        out = lines.execute(cells.order_by(["customer_id", "product_id"]))
    out.insert(3, "log_price", out.pop("lq") / out["quantity"])
    out["quantity"] = out["quantity"].astype(float)
    out["n_lines"] = out["n_lines"].astype("int64")
    out.attrs = {"as_of": as_of, "lines_after_as_of": n_after}
    return out


def _price_lines(t):
    """Ibis: the purchase lines of ``t`` (they carry a price)."""
    t = slim(t, "product_id", "quantity", "unit_price")
    return t.filter((t.quantity > 0) & (t.unit_price > 0) & t.product_id.notnull())


def _price_cells(t):
    """Ibis: the customer x product cells of purchase lines (``lq``: the sum of
    quantity x ln unit price)."""
    return t.group_by(["customer_id", "product_id"]).aggregate(
        quantity=t.quantity.sum().cast("float64"),
        lq=(t.quantity * t.unit_price.ln()).sum(),
        n_lines=t.count(),
    )


def customer_product_price_codes(tx, *, customers, as_of=None) -> pd.DataFrame:
    """:func:`customer_product_prices` with integer codes in place of the ids.

    For models on millions of cells: text ids cost more to bring into pandas (and to
    factorize there) than the model itself.

    Parameters
    ----------
    tx : DataFrame or LazyTable
        Canonical transactions with ``product_id``, ``quantity`` and ``unit_price``.
    customers : sequence of str
        Customer ids, sorted; a cell's ``customer`` is its customer's position here.
    as_of : date-like, optional
        Lines after this day are ignored. Default: the last date in ``tx``.

    Returns
    -------
    DataFrame
        Columns ``customer`` (int64 position in ``customers``, -1 for a customer not
        in it), ``product`` (int64: the rank of the product id among the products
        bought, from 0), ``quantity``, ``log_price``, ``n_lines``: the rows of
        :func:`customer_product_prices` in the same order (by customer, then product),
        the ids replaced by the codes. Not remembered per LazyTable (``customers``
        is an argument of every call).
    """
    check_transactions(tx)
    import ibis

    as_of = resolve_as_of(tx, as_of)
    names = pd.DataFrame(
        {"m_cid": pd.Series(customers, dtype=object), "m_code": np.arange(len(customers))}
    )
    with open_lines(tx) as lines:
        t, n_after = lines.cut(as_of)
        t = _price_lines(t)
        cells = _price_cells(t)
        # product codes: ranks of the ids, from the lines (a small table joined back)
        pr = t.select(p_pid="product_id").distinct()
        pr = pr.mutate(product=ibis.row_number().over(order_by=pr.p_pid))
        cust = ibis.memtable(names)
        expr = (
            cells.join(pr, cells.product_id == pr.p_pid)
            .left_join(cust, cells.customer_id == cust.m_cid)
            .select(
                customer=cust.m_code.cast("int64").coalesce(-1),
                product=pr.product,
                quantity=cells.quantity,
                lq=cells.lq,
                n_lines=cells.n_lines,
            )
        )
        out = lines.execute(expr.order_by(["customer", "product"]))
    out.insert(3, "log_price", out.pop("lq") / out["quantity"])
    for c in ("customer", "product", "n_lines"):
        out[c] = out[c].astype("int64")
    out["quantity"] = out["quantity"].astype(float)
    out.attrs = {"as_of": as_of, "lines_after_as_of": n_after}
    return out


@memo
def order_cells(tx: pd.DataFrame, *, freq: str = "Q", as_of=None) -> pd.DataFrame:
    """One row per customer x period: its orders, their mean log value, its net revenue.

    An *order* is an invoice when ``tx`` has ``invoice_id``, else a customer-day;
    its value is the sum of its lines. Orders of value <= 0 (credit notes,
    returns) are not orders.

    Parameters
    ----------
    freq : {"M", "Q", "Y"}
        Calendar periods of the period effects.

    Returns
    -------
    DataFrame
        Columns ``customer_id``, ``period`` (pandas Period), ``n_orders``,
        ``mean_log_value`` (mean of ln order value over the cell's orders; NaN
        without an order), ``revenue`` (net revenue of every line in the cell),
        ``first_order`` (day of the cell's first order, NaT without one);
        sorted by customer and period. ``attrs["order_unit"]`` is ``"invoice"``
        or ``"customer-day"``.
    """
    check_transactions(tx)
    import ibis

    pfreq, _ = parse_freq(freq, allowed=("M", "Q", "Y"))
    as_of = resolve_as_of(tx, as_of)
    unit = "invoice" if "invoice_id" in tx.columns else "customer-day"
    with open_lines(tx) as lines:
        t, n_after = lines.cut(as_of)
        t = slim(t, *(["invoice_id"] if unit == "invoice" else []))
        key = (
            t.invoice_id.cast("string").coalesce("")
            if unit == "invoice"
            else ibis.literal("", "string")
        )
        t = t.mutate(k=key, day=day_number(t.date))
        o = t.group_by(["customer_id", "k", "day"]).aggregate(value=t.amount.sum(), d0=t.date.min())
        pos = o.value > 0
        o = o.mutate(
            ps=period_start(o.d0, pfreq),
            lv=ibis.ifelse(pos, o.value, ibis.null("float64")).ln(),
        )
        pos = o.value > 0
        expr = (
            o.group_by(["customer_id", "ps"])
            .aggregate(
                n_orders=o.count(where=pos),
                mean_log_value=o.lv.mean(where=pos),
                revenue=o.value.sum(),
                first_order=o.day.min(where=pos),
            )
            .order_by(["customer_id", "ps"])
        )
        out = lines.execute(expr)
    out.insert(1, "period", to_periods(out.pop("ps"), pfreq))
    out["first_order"] = from_day_number(out["first_order"])
    out["mean_log_value"] = out["mean_log_value"].astype(float)
    out["revenue"] = out["revenue"].astype(float)
    out["n_orders"] = out["n_orders"].astype("int64")
    out.attrs = {"as_of": as_of, "lines_after_as_of": n_after, "order_unit": unit, "freq": pfreq}
    return out


def panel_period_ends(first_day, as_of, *, months: int) -> list[pd.Timestamp]:
    """Ends of the panel periods: ``as_of``, ``as_of`` - 1 period, ... back past ``first_day``.

    Periods are anchored at ``as_of`` (each ends on the same day of the month as
    ``as_of``, clipped to the month's last day), so the last period ends exactly
    on the analysis date whatever day it is. Sorted ascending.
    """
    first_day, as_of = pd.Timestamp(first_day), pd.Timestamp(as_of)
    ends, k = [], 0
    while True:
        end = as_of - pd.DateOffset(months=months * k)
        ends.append(end)
        if end < first_day:
            break
        k += 1
    return sorted(ends)


@memo
def churn_panel(
    tx: pd.DataFrame,
    *,
    freq: str = "M",
    as_of=None,
    inactivity_days: int,
    include_next: bool = True,
) -> pd.DataFrame:
    """The customer x period panel of live accounts for a discrete-time hazard model.

    Parameters
    ----------
    tx : DataFrame
        Canonical transactions.
    freq : {"M", "Q"}
        Period length. Periods are anchored at ``as_of`` (see
        :func:`panel_period_ends`): the last one ends on ``as_of``.
    as_of : date-like, optional
        Analysis date. Default: the last date in ``tx``.
    inactivity_days : int
        The inactivity window W (days) of :func:`kamresearch.churn.customer_lifetimes`.
    include_next : bool
        Add, per account live at ``as_of``, the row of the period after ``as_of``
        (its covariates are known, its outcome is not: ``event`` is NA): the rows
        a fitted model scores.

    Returns
    -------
    DataFrame
        One row per account x period ``t`` in which the account is *live at the
        start* (a purchase in the W days up to the end of period ``t - 1``).
        Covariates are measured at the end of period ``t - 1``:

        - ``customer_id``, ``period_end`` (last day of period ``t``),
          ``period_index`` (0 = the period ending on ``as_of``, -1 the one before, ...;
          1 = the next period, only with ``include_next``); ``period_days``: its length
          in days;
        - ``region``: the region of most of the account's net revenue up to ``as_of``;
        - ``days_since_last``: days from the last purchase day to the end of ``t - 1``;
        - ``tenure_periods``: periods from the one of the first purchase to ``t - 1``
          (>= 1);
        - ``purchase_periods``: periods with a purchase among the last ``P``
          (``P`` = periods per year) up to ``t - 1``;
        - ``purchase_days``: distinct purchase days in those ``P`` periods;
        - ``revenue_trailing``: net revenue of those ``P`` periods;
        - ``revenue_recent``, ``revenue_earlier``: net revenue of the last
          ``P / 4`` periods up to ``t - 1`` and of the ``3P / 4`` before them;
        - ``revenue_rank``: rank of ``revenue_trailing`` (1 = largest, ties by id)
          among the rows of the same period with ``revenue_trailing > 0`` (NA
          otherwise); ``n_ranked``: how many such rows the period has;
        - ``live_at_end``: a purchase in the W days up to the end of ``t``;
        - ``next_purchase_index``: ``period_index`` of the next period after ``t``
          with a purchase (NA when none up to ``as_of``): with ``live_at_end`` it
          gives the event as of an earlier cut-off ``c`` (out-of-time validation):
          ``~live_at_end & (next_purchase_index > c or NA)``;
        - ``event``: the account's churn period -- live at the start of ``t``,
          not live at its end, and no purchase after it up to ``as_of`` (so
          ``last purchase + W`` falls in ``t``, the last purchase is
          ``<= as_of - W``: churned as in ``customer_lifetimes``). An account
          silent for W days that buys again later (a reactivation) has no event;
          its silent periods are not in the panel (not live at their start).

        ``attrs``: ``as_of``, ``freq``, ``inactivity_days``, ``periods_per_year``,
        ``period_ends`` (list), ``lines_after_as_of``.

    Notes
    -----
    The engine runs one reduction: the lines to one row per customer x period with
    lines (net revenue, last purchase day, purchase days) and each customer's region.
    The windows over each account's periods, the ranks and the events are computed
    from those cells by :func:`kamresearch.engine.churn_grid.panel_from_cells` (numpy):
    as window functions over the dense customer x period grid they cost the engine
    several times the reduction (``benchmarks/bench_evidence.py``).
    """
    check_transactions(tx)
    pfreq, _ = parse_freq(freq, allowed=("M", "Q"))
    months = {"M": 1, "Q": 3}[pfreq]
    ppy = 12 // months
    recent = max(1, ppy // 4)
    as_of = resolve_as_of(tx, as_of)
    w = int(inactivity_days)
    import ibis

    epoch = pd.Timestamp(0)
    with open_lines(tx) as lines:
        t, n_after = lines.cut(as_of)
        t = slim(t)
        first_day = lines.scalar(t.date.min())
        first_day = as_of if first_day is None else pd.Timestamp(first_day).normalize()
        ends = panel_period_ends(first_day, as_of, months=months)
        n_hist = len(ends)
        all_ends = [*ends, as_of + pd.DateOffset(months=months)]
        p_end = np.array([(x - epoch).days for x in all_ends], dtype="int64")
        first_start = (all_ends[0] - pd.DateOffset(months=months) - epoch).days + 1
        # the period of each day up to as_of, by an equi-join with this small table (a
        # range join on the period bounds costs more than the rest of the panel)
        days = np.arange(first_start, p_end[n_hist - 1] + 1, dtype="int64")
        day_idx = ibis.memtable(
            pd.DataFrame({"d": days, "d_idx": np.searchsorted(p_end, days).astype("int64")})
        )
        t = t.mutate(day=day_number(t.date))
        cd = t.group_by(["customer_id", "day"]).aggregate(rev=t.amount.sum(), top=t.amount.max())
        cdp = cd.join(day_idx, cd.day == day_idx.d)
        buy = cdp.top > 0
        cp = cdp.group_by(["customer_id", "d_idx"]).aggregate(
            rev=cdp.rev.sum(), last_buy=cdp.day.max(where=buy), n_pdays=cdp.count(where=buy)
        )
        reg = region_of(t).rename(r_cid="customer_id")
        expr = cp.join(reg, cp.customer_id == reg.r_cid).select(
            "customer_id", "d_idx", "rev", "last_buy", "n_pdays", "region"
        )
        cells = lines.execute(expr, categorical=("customer_id", "region"))
    max_idx = n_hist - 1 + (1 if include_next else 0)
    out = panel_from_cells(
        cells, p_end=p_end, last_hist=n_hist - 1, max_idx=max_idx, w=w, ppy=ppy, recent=recent
    )
    out.attrs = {
        "as_of": as_of,
        "freq": pfreq,
        "inactivity_days": w,
        "periods_per_year": ppy,
        "recent_periods": recent,
        "period_ends": [pd.Timestamp(e) for e in ends],
        "lines_after_as_of": n_after,
    }
    return out
