"""The churn panel assembled from customer x period cells, with numpy, for every engine.

:func:`kamresearch.engine.panels.churn_panel` asks the engine for one reduction of
the lines: a row per customer x period with lines (net revenue, last purchase day,
purchase days). The panel -- every period of each account from the one of its first
purchase, with covariates over the periods before it -- is assembled here: written as
window functions over a dense customer x period grid, the engine spends several
times the reduction's time sorting millions of grid rows per customer and again per
period, whereas on the grid's arrays each window is a shift or a running maximum.
The result does not depend on the engine that reduced the lines.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .lines import from_day_number

__all__ = ["panel_from_cells", "ZERO_TOLERANCE"]

#: Net revenue below this (in money) is rounding noise of lines that cancel: taken as 0
#: (as :data:`kamresearch.pareto.ZERO_TOLERANCE`), so that whether an account is ranked
#: does not depend on the order in which an engine adds.
ZERO_TOLERANCE = 1e-6


def _denoise(x: np.ndarray) -> np.ndarray:
    return np.where(np.abs(x) < ZERO_TOLERANCE, 0.0, x)


def _round_half_away(x: np.ndarray) -> np.ndarray:
    """Round to integers, halves away from zero (SQL ``ROUND``; numpy rounds them to even)."""
    t = np.trunc(x)
    return np.where(np.abs(x - t) == 0.5, t + np.sign(x), np.round(x))


def _category_values(col: pd.Series) -> np.ndarray:
    """The values of a categorical column as an object array (None for a null)."""
    cats = np.asarray(col.cat.categories, dtype=object)
    codes = col.cat.codes.to_numpy()
    out = np.empty(len(codes), dtype=object)
    ok = codes >= 0
    out[ok] = cats[codes[ok]]
    return out


def _window_count(x: np.ndarray, lo: np.ndarray) -> np.ndarray:
    """Sums of the integers ``x[lo[i]:i]`` (running totals: exact for integers)."""
    total = np.concatenate([[0], np.cumsum(x)])
    return total[np.arange(len(x))] - total[lo]


def panel_from_cells(
    cells: pd.DataFrame,
    *,
    p_end: np.ndarray,
    last_hist: int,
    max_idx: int,
    w: int,
    ppy: int,
    recent: int,
) -> pd.DataFrame:
    """The churn panel (the columns of :func:`kamresearch.engine.panels.churn_panel` but
    its ``attrs``) from the customer x period cells of the lines.

    Parameters
    ----------
    cells : DataFrame
        One row per customer x period with lines: ``customer_id`` (categorical),
        ``d_idx`` (period index, 0 = the first period), ``rev`` (net revenue),
        ``last_buy`` (day number of the last purchase day; NaN without a purchase),
        ``n_pdays`` (purchase days), ``region`` (categorical: the customer's region).
    p_end : array of int
        Day number of the last day of each period, by period index (at least
        ``max_idx + 1`` periods).
    last_hist, max_idx : int
        Index of the period ending on ``as_of``, and of the last period in the panel.
    w, ppy, recent : int
        Inactivity window (days), periods per year, recent periods.

    Notes
    -----
    Each account's grid runs from the period of its first purchase to ``max_idx``;
    the windows are over the grid's rows (rows before the first purchase period do
    not count). Accounts are ordered by id (as text, code point by code point: the
    order of the engines), which also breaks ties of the revenue rank.
    """
    p_end = np.asarray(p_end, dtype=np.int64)
    names = np.asarray(cells["customer_id"].cat.categories, dtype=object)
    n_c = len(names)
    by_id = np.argsort(names, kind="stable")
    rank = np.empty(n_c, dtype=np.int64)
    rank[by_id] = np.arange(n_c)
    name_of = names[by_id]  # customer id by key
    region_of = np.empty(n_c, dtype=object)

    ck = rank[cells["customer_id"].cat.codes.to_numpy()]
    region_of[ck] = _category_values(cells["region"])
    idx = cells["d_idx"].to_numpy(dtype=np.int64)
    order = np.argsort(ck * (max_idx + 1) + idx)  # by account, then period (unique keys)
    ck, idx = ck[order], idx[order]
    rev = cells["rev"].to_numpy(dtype=float)[order]
    last = cells["last_buy"].to_numpy(dtype=float)[order]
    npd = cells["n_pdays"].to_numpy(dtype=np.int64)[order]
    has = ~np.isnan(last)

    # per account: the period of its first purchase and its last purchase day
    none = np.iinfo(np.int64).max
    first_idx = np.full(n_c, none, dtype=np.int64)
    u, pos = np.unique(ck[has], return_index=True)  # sorted by period within an account
    first_idx[u] = idx[has][pos]
    final_buy = np.full(n_c, np.nan)
    final_buy[u] = np.fmax.reduceat(last[has], pos) if len(pos) else final_buy[u]

    # the dense grid: each account's periods from its first purchase to max_idx
    kept = np.flatnonzero(first_idx != none)  # keys, ascending
    length = max_idx - first_idx[kept] + 1
    n_g = int(length.sum())
    start = np.zeros(n_c, dtype=np.int64)
    start[kept] = np.cumsum(length) - length
    g_ck = np.repeat(kept, length)
    j = np.arange(n_g, dtype=np.int64) - np.repeat(start[kept], length)  # position in account
    g_idx = first_idx[g_ck] + j
    inside = idx >= first_idx[ck]  # cells of kept accounts, from their first purchase
    gpos = start[ck[inside]] + idx[inside] - first_idx[ck[inside]]
    g_rev = np.zeros(n_g)
    g_rev[gpos] = rev[inside]
    g_last = np.full(n_g, np.nan)
    g_last[gpos] = last[inside]
    g_n = np.zeros(n_g, dtype=np.int64)
    g_n[gpos] = npd[inside]
    g_has = ~np.isnan(g_last)

    # trailing windows over the rows before: revenue added row by row (the sums of the
    # last 1..ppy rows), the counts as differences of running totals (exact)
    rt = np.zeros(n_g)
    rr = rt
    for k in range(1, ppy + 1):
        rt[k:] += np.where(j[k:] >= k, g_rev[:-k], 0.0)  # row i - k in the same account
        if k == recent:
            rr = rt.copy()
    lo = np.arange(n_g) - np.minimum(j, ppy)  # first row of the window (i itself excluded)
    n_per = _window_count(g_has.astype(np.int64), lo)
    n_days = _window_count(g_n, lo)
    # last purchase day before the row (every account's first row has a purchase)
    pos_last = np.maximum.accumulate(np.where(g_has, np.arange(n_g), 0))
    last_before = np.full(n_g, np.nan)
    after_first = j >= 1
    last_before[1:] = g_last[pos_last[:-1]]
    last_before[~after_first] = np.nan
    # next period with a purchase after the row, in the same account
    nxt = np.where(g_has, np.arange(n_g), n_g)
    nxt = np.minimum.accumulate(nxt[::-1])[::-1]
    nb_pos = np.full(n_g, n_g)
    nb_pos[:-1] = nxt[1:]
    valid = nb_pos < n_g
    valid[valid] = g_ck[nb_pos[valid]] == g_ck[valid]
    next_buy = np.where(valid, g_idx[np.minimum(nb_pos, max(n_g - 1, 0))], -1)

    prev_end = p_end[np.maximum(g_idx - 1, 0)]
    live = after_first & ((prev_end - np.nan_to_num(last_before, nan=-np.inf)) < w)

    # the live rows: the panel
    c, i = g_ck[live], g_idx[live]
    lb, lt = last_before[live], g_last[live]
    last_through = np.where(np.isnan(lt), lb, lt)
    end, prev = p_end[i], prev_end[live]
    hist = i <= last_hist
    rt, rr = _denoise(rt[live]), _denoise(rr[live])
    ranked = rt > 0
    gone = (end - last_through) >= w
    nb = next_buy[live]
    # revenue rank among the ranked rows of a period: largest first, ties by id
    sel = np.flatnonzero(ranked)  # in id order: the stable sort keeps it within ties
    o = sel[np.lexsort((-_round_half_away(rt[sel] * 1e6), i[sel]))]
    first_of_period = np.searchsorted(i[o], i[o], side="left")
    rank_val = np.zeros(len(c), dtype=np.int64)
    rank_val[o] = np.arange(len(o)) - first_of_period + 1
    n_ranked = np.bincount(i[sel], minlength=max_idx + 1)[i] if len(i) else i.copy()
    nxt_ok = (nb >= 0) & (nb <= last_hist)
    return pd.DataFrame(
        {
            "customer_id": name_of[c],
            "period_end": from_day_number(end),
            "period_index": (i - last_hist).astype(np.int64),
            "period_days": (end - prev).astype(np.int64),
            "region": region_of[c],
            "days_since_last": (prev - lb).astype(np.int64),
            "tenure_periods": (i - first_idx[c]).astype(np.int64),
            "purchase_periods": n_per[live],
            "purchase_days": n_days[live],
            "revenue_trailing": rt,
            "revenue_recent": rr,
            "revenue_earlier": rt - rr,
            "revenue_rank": pd.arrays.IntegerArray(rank_val, ~ranked),
            "n_ranked": n_ranked.astype(np.int64),
            "live_at_end": pd.arrays.BooleanArray(~gone, ~hist),
            "next_purchase_index": pd.arrays.IntegerArray(
                np.where(nxt_ok, nb - last_hist, 0).astype(np.int64), ~nxt_ok
            ),
            "event": pd.arrays.BooleanArray(gone & (last_through == final_buy[c]), ~hist),
        },
        copy=False,  # the arrays are new: no copy into consolidated blocks
    )
