"""Line-level reductions for the statistical models of :mod:`kamresearch.evidence`.

Written like :mod:`kamresearch.engine.facts` (one Ibis expression per
reduction, run on the backend of the lines). The evidence models only ever see
the small tables returned here:

* :func:`customer_product_prices` -- one row per customer x product: the
  quantity-weighted mean log unit price (price premium, product fixed effects);
* :func:`order_cells` -- one row per customer x period: orders and their mean
  log value (order size with period effects, repurchase with exposure);
* :func:`churn_panel` -- the customer x period panel of live accounts with the
  covariates known at the start of each period and the churn event (the
  discrete-time hazard model).

Conventions as in :mod:`kamresearch.engine.facts`: ``as_of`` is a date, lines
after it are ignored and counted in ``attrs["lines_after_as_of"]``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..schema import check_transactions
from .facts import parse_freq, period_start, region_of, resolve_as_of, to_periods
from .lines import day_number, from_day_number, memo, open_lines, slim

__all__ = [
    "customer_product_prices",
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
        t = slim(t, "product_id", "quantity", "unit_price")
        t = t.filter((t.quantity > 0) & (t.unit_price > 0) & t.product_id.notnull())
        expr = (
            t.group_by(["customer_id", "product_id"])
            .aggregate(
                quantity=t.quantity.sum().cast("float64"),
                lq=(t.quantity * t.unit_price.ln()).sum(),
                n_lines=t.count(),
            )
            .order_by(["customer_id", "product_id"])
        )
        out = lines.execute(expr)
    out.insert(3, "log_price", out.pop("lq") / out["quantity"])
    out["quantity"] = out["quantity"].astype(float)
    out["n_lines"] = out["n_lines"].astype("int64")
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


#: Net revenue below this (in money) is rounding noise of lines that cancel: taken as 0
#: (as :data:`kamresearch.pareto.ZERO_TOLERANCE`), so that whether an account is ranked
#: does not depend on the order in which an engine adds.
ZERO_TOLERANCE = 1e-6


def _denoise(x):
    import ibis

    return ibis.ifelse(x.abs() < ZERO_TOLERANCE, 0.0, x)


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
        nxt = as_of + pd.DateOffset(months=months)
        all_ends = [*ends, nxt]
        starts = [pd.Timestamp(all_ends[0]) - pd.DateOffset(months=months), *all_ends[:-1]]
        periods = ibis.memtable(
            pd.DataFrame(
                {
                    "idx": np.arange(len(all_ends), dtype="int64"),
                    "p_start": np.array([(x - epoch).days + 1 for x in starts], dtype="int64"),
                    "p_end": np.array([(x - epoch).days for x in all_ends], dtype="int64"),
                }
            )
        )
        last_hist = n_hist - 1
        max_idx = last_hist + (1 if include_next else 0)
        t = t.mutate(day=day_number(t.date))
        cd = t.group_by(["customer_id", "day"]).aggregate(rev=t.amount.sum(), top=t.amount.max())
        cdp = cd.join(periods, (cd.day >= periods.p_start) & (cd.day <= periods.p_end))
        buy = cdp.top > 0
        cp = cdp.group_by(["customer_id", "idx"]).aggregate(
            rev=cdp.rev.sum(), last_buy=cdp.day.max(where=buy), n_pdays=cdp.count(where=buy)
        )
        cust = cp.group_by("customer_id").aggregate(
            first_idx=cp.idx.min(where=cp.last_buy.notnull()), final_buy=cp.last_buy.max()
        )
        pr = periods.filter(periods.idx <= max_idx)
        grid = cust.join(pr, pr.idx >= cust.first_idx)
        cpr = cp.rename(cp_cid="customer_id", cp_idx="idx")
        grid = grid.left_join(
            cpr, (grid.customer_id == cpr.cp_cid) & (grid.idx == cpr.cp_idx)
        ).select(
            "customer_id", "idx", "p_end", "first_idx", "final_buy",
            rev=cpr.rev.coalesce(0.0), last_buy=cpr.last_buy,
            n_pdays=cpr.n_pdays.coalesce(0),
        )  # fmt: skip
        order = dict(group_by="customer_id", order_by="idx")
        before = ibis.window(**order, rows=(None, -1))
        through = ibis.window(**order, rows=(None, 0))
        trailing = ibis.window(**order, rows=(-ppy, -1))
        rec = ibis.window(**order, rows=(-recent, -1))
        after = ibis.window(**order, rows=(1, None))
        win = grid.mutate(
            last_before=grid.last_buy.max().over(before),
            last_through=grid.last_buy.max().over(through),
            prev_end=grid.p_end.lag().over(ibis.window(**order)),
            revenue_trailing=_denoise(grid.rev.sum().over(trailing).coalesce(0.0)),
            revenue_recent=_denoise(grid.rev.sum().over(rec).coalesce(0.0)),
            purchase_periods=grid.last_buy.count().over(trailing).coalesce(0),
            purchase_days=grid.n_pdays.sum().over(trailing).coalesce(0),
            next_buy=ibis.ifelse(grid.last_buy.notnull(), grid.idx, ibis.null("int64"))
            .min()
            .over(after),
        )
        live = win.filter((win.idx > win.first_idx) & ((win.prev_end - win.last_before) < w))
        hist = live.idx <= last_hist
        ranked = live.revenue_trailing > 0
        rank_w = ibis.window(
            group_by=[live.idx, ranked],
            order_by=[
                ibis.desc((live.revenue_trailing * 1e6).round()),
                live.customer_id.cast("string"),
            ],
        )
        gone = (live.p_end - live.last_through) >= w
        null_bool = ibis.null("boolean")
        panel = live.select(
            "customer_id",
            "idx",
            "p_end",
            "prev_end",
            "last_before",
            "first_idx",
            "revenue_trailing",
            "revenue_recent",
            "purchase_periods",
            "purchase_days",
            revenue_rank=ibis.ifelse(
                ranked, ibis.row_number().over(rank_w) + 1, ibis.null("int64")
            ),
            n_ranked=ranked.cast("int64").sum().over(ibis.window(group_by=live.idx)),
            live_at_end=ibis.ifelse(hist, ~gone, null_bool),
            next_purchase_index=ibis.ifelse(
                live.next_buy <= last_hist, live.next_buy - last_hist, ibis.null("int64")
            ),
            event=ibis.ifelse(hist, gone & (live.last_through == live.final_buy), null_bool),
        )
        reg = region_of(t).rename(r_cid="customer_id")
        expr = panel.join(reg, panel.customer_id == reg.r_cid).order_by(["customer_id", "idx"])
        out = lines.execute(expr)
    out["period_end"] = from_day_number(out["p_end"])
    out["period_index"] = (out["idx"] - last_hist).astype("int64")
    out["period_days"] = (out["p_end"] - out["prev_end"]).astype("int64")
    out["days_since_last"] = (out["prev_end"] - out["last_before"]).astype("int64")
    out["tenure_periods"] = (out["idx"] - out["first_idx"]).astype("int64")
    for c in ("purchase_periods", "purchase_days"):
        out[c] = out[c].astype("int64")
    for c in ("revenue_trailing", "revenue_recent"):
        out[c] = out[c].astype(float)
    out["revenue_earlier"] = out["revenue_trailing"] - out["revenue_recent"]
    out["revenue_rank"] = out["revenue_rank"].astype("Int64")
    out["n_ranked"] = out["n_ranked"].astype("int64")
    out["next_purchase_index"] = out["next_purchase_index"].astype("Int64")
    for c in ("live_at_end", "event"):
        out[c] = out[c].astype("boolean")
    out = out[list(PANEL_COLUMNS)]
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
