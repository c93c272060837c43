"""Line-level reductions for the statistical models of :mod:`kamresearch.evidence`.

Written like :mod:`kamresearch.engine.facts` (DuckDB SQL over the pandas table,
no copy of the data), so that each reduction can be ported to Ibis as one
expression. The evidence models only ever see the small tables returned here:

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

import duckdb
import numpy as np
import pandas as pd

from ..schema import check_transactions
from .facts import parse_freq, resolve_as_of

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


def _connect(tx: pd.DataFrame, as_of: pd.Timestamp):
    """DuckDB connection with the view ``tx``: the lines of ``tx`` up to ``as_of`` (no copy).

    Kept here rather than shared with :mod:`kamresearch.engine.facts` so that this module
    moves to Ibis on its own (one expression per reduction).
    """
    con = duckdb.connect()
    con.register("tx_raw", tx)
    cutoff = as_of + pd.Timedelta(days=1)
    con.execute(f"CREATE TEMP VIEW tx AS SELECT * FROM tx_raw WHERE date < TIMESTAMP '{cutoff}'")
    n_after = con.execute(
        f"SELECT count(*) FROM tx_raw WHERE date >= TIMESTAMP '{cutoff}'"
    ).fetchall()[0][0]
    return con, int(n_after)


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
    con, n_after = _connect(tx, as_of)
    try:
        out = con.execute(
            """
            SELECT customer_id, product_id, sum(quantity)::DOUBLE AS quantity,
                   sum(quantity * ln(unit_price)) / sum(quantity) AS log_price,
                   count(*) AS n_lines
            FROM tx
            WHERE quantity > 0 AND unit_price > 0 AND product_id IS NOT NULL
            GROUP BY customer_id, product_id ORDER BY customer_id, product_id
            """
        ).df()
    finally:
        con.close()
    out["n_lines"] = out["n_lines"].astype("int64")
    out.attrs = {"as_of": as_of, "lines_after_as_of": n_after}
    return out


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
    pfreq, part = parse_freq(freq, allowed=("M", "Q", "Y"))
    as_of = resolve_as_of(tx, as_of)
    unit = "invoice" if "invoice_id" in tx.columns else "customer-day"
    key = "coalesce(invoice_id::VARCHAR, '')" if unit == "invoice" else "''"
    con, n_after = _connect(tx, as_of)
    try:
        out = con.execute(
            f"""
            WITH o AS (
                SELECT customer_id, {key} AS order_key, min(date)::DATE AS day,
                       sum(amount) AS value
                FROM tx GROUP BY customer_id, order_key, date::DATE
            )
            SELECT customer_id, date_trunc('{part}', day)::DATE AS period_start,
                   count(*) FILTER (WHERE value > 0) AS n_orders,
                   avg(ln(value)) FILTER (WHERE value > 0) AS mean_log_value,
                   sum(value) AS revenue,
                   min(day) FILTER (WHERE value > 0) AS first_order
            FROM o GROUP BY customer_id, period_start ORDER BY customer_id, period_start
            """
        ).df()
    finally:
        con.close()
    starts = pd.to_datetime(out.pop("period_start"))
    out.insert(1, "period", pd.PeriodIndex(starts, freq=pfreq))
    out["n_orders"] = out["n_orders"].astype("int64")
    out["first_order"] = pd.to_datetime(out["first_order"]).astype("datetime64[ns]")
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
    con, n_after = _connect(tx, as_of)
    try:
        first_day = con.execute("SELECT min(date)::DATE FROM tx").fetchall()[0][0]
        if first_day is None:
            first_day = as_of
        ends = panel_period_ends(first_day, as_of, months=months)
        n_hist = len(ends)
        nxt = as_of + pd.DateOffset(months=months)
        all_ends = [*ends, nxt]
        periods = pd.DataFrame(
            {
                "idx": np.arange(len(all_ends), dtype="int64"),
                "p_start": pd.to_datetime(
                    [pd.Timestamp(all_ends[0]) - pd.DateOffset(months=months)] + all_ends[:-1]
                )
                + pd.Timedelta(days=1),
                "p_end": pd.to_datetime(all_ends),
            }
        )
        periods["p_start"] = periods["p_start"].astype("datetime64[us]")
        periods["p_end"] = periods["p_end"].astype("datetime64[us]")
        con.register("periods_df", periods)
        con.execute(
            "CREATE TEMP TABLE periods AS SELECT idx, p_start::DATE AS p_start, "
            "p_end::DATE AS p_end FROM periods_df"
        )
        last_hist = n_hist - 1
        max_idx = last_hist + (1 if include_next else 0)
        out = con.execute(
            f"""
            WITH cd AS (
                SELECT customer_id, date::DATE AS day, sum(amount) AS rev, max(amount) AS top
                FROM tx GROUP BY customer_id, day
            ),
            cdp AS (
                SELECT cd.*, periods.idx FROM cd ASOF JOIN periods ON cd.day >= periods.p_start
            ),
            cp AS (
                SELECT customer_id, idx, sum(rev) AS rev,
                       max(day) FILTER (WHERE top > 0) AS last_buy,
                       count(*) FILTER (WHERE top > 0) AS n_pdays
                FROM cdp GROUP BY customer_id, idx
            ),
            cust AS (
                SELECT customer_id, min(idx) FILTER (WHERE last_buy IS NOT NULL) AS first_idx,
                       max(last_buy) AS final_buy
                FROM cp GROUP BY customer_id
            ),
            reg AS (
                SELECT customer_id, region FROM (
                    SELECT customer_id, region,
                           row_number() OVER (PARTITION BY customer_id
                                              ORDER BY sum(amount) DESC, region ASC) AS rn
                    FROM tx GROUP BY customer_id, region
                ) WHERE rn = 1
            ),
            grid AS (
                SELECT c.customer_id, p.idx, p.p_end, c.first_idx, c.final_buy,
                       coalesce(cp.rev, 0) AS rev, cp.last_buy, coalesce(cp.n_pdays, 0) AS n_pdays
                FROM cust c JOIN periods p ON p.idx >= c.first_idx AND p.idx <= {max_idx}
                LEFT JOIN cp ON cp.customer_id = c.customer_id AND cp.idx = p.idx
            ),
            win AS (
                SELECT customer_id, idx, p_end, first_idx, final_buy,
                       max(last_buy) OVER (w ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING)
                           AS last_before,
                       max(last_buy) OVER (w ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)
                           AS last_through,
                       lag(p_end) OVER w AS prev_end,
                       coalesce(sum(rev) OVER (w ROWS BETWEEN {ppy} PRECEDING AND 1 PRECEDING), 0)
                           AS revenue_trailing,
                       coalesce(sum(rev) OVER (w ROWS BETWEEN {recent} PRECEDING
                                                 AND 1 PRECEDING), 0) AS revenue_recent,
                       coalesce(count(last_buy) OVER (w ROWS BETWEEN {ppy} PRECEDING
                                                        AND 1 PRECEDING), 0) AS purchase_periods,
                       coalesce(sum(n_pdays) OVER (w ROWS BETWEEN {ppy} PRECEDING
                                                     AND 1 PRECEDING), 0) AS purchase_days,
                       min(CASE WHEN last_buy IS NOT NULL THEN idx END)
                           OVER (w ROWS BETWEEN 1 FOLLOWING AND UNBOUNDED FOLLOWING) AS next_buy
                FROM grid
                WINDOW w AS (PARTITION BY customer_id ORDER BY idx)
            ),
            live AS (
                SELECT win.*, (prev_end - last_before) AS days_since_last
                FROM win
                WHERE idx > first_idx AND (prev_end - last_before) < {w}
            )
            SELECT live.customer_id, live.p_end AS period_end,
                   (live.idx - {last_hist})::BIGINT AS period_index,
                   (live.p_end - live.prev_end)::BIGINT AS period_days, reg.region,
                   live.days_since_last::BIGINT AS days_since_last,
                   (live.idx - live.first_idx)::BIGINT AS tenure_periods,
                   live.purchase_periods::BIGINT AS purchase_periods,
                   live.purchase_days::BIGINT AS purchase_days,
                   live.revenue_trailing, live.revenue_recent,
                   live.revenue_trailing - live.revenue_recent AS revenue_earlier,
                   CASE WHEN live.revenue_trailing > 0 THEN row_number() OVER (
                       PARTITION BY live.idx, live.revenue_trailing > 0
                       ORDER BY round(live.revenue_trailing * 1e6) DESC, live.customer_id::VARCHAR
                   ) END AS revenue_rank,
                   count(*) FILTER (WHERE live.revenue_trailing > 0)
                       OVER (PARTITION BY live.idx) AS n_ranked,
                   CASE WHEN live.idx > {last_hist} THEN NULL
                        ELSE (live.p_end - live.last_through) < {w} END AS live_at_end,
                   CASE WHEN live.next_buy <= {last_hist} THEN live.next_buy - {last_hist}
                        END AS next_purchase_index,
                   CASE WHEN live.idx > {last_hist} THEN NULL
                        ELSE (live.p_end - live.last_through) >= {w}
                             AND live.last_through = live.final_buy END AS event
            FROM live JOIN reg USING (customer_id)
            ORDER BY live.customer_id, live.idx
            """
        ).df()
    finally:
        con.close()
    out["period_end"] = pd.to_datetime(out["period_end"]).astype("datetime64[ns]")
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
