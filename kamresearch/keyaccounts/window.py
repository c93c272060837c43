"""Does the inactivity window fit the buying rhythm? Checked against the reactivations it makes.

An inactivity window shorter than an account's normal silence calls it lost and
then sees it come back: a *reactivation* that never was a loss. Per tier, this
sets the window from the tier's own rhythm and counts the reactivations the
window in use creates.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

__all__ = ["REACTIVATIONS_HIGH", "WINDOW_QUANTILE", "window_check"]

#: More reactivations per customer than this: the window is too short for the rhythm.
REACTIVATIONS_HIGH = 0.2
#: The tier's window covers this quantile of its customers' longest gap between purchases.
WINDOW_QUANTILE = 0.9


def window_check(lifetimes: pd.DataFrame, *, round_to: int = 30, by: str = "tier") -> pd.DataFrame:
    """Per tier: the buying rhythm, a window that fits it, and the reactivations of the one in use.

    Parameters
    ----------
    lifetimes : DataFrame
        :func:`kamresearch.churn.customer_lifetimes` (``attrs["inactivity_days"]`` is
        the window in use; the ``tier`` column the grouping).
    round_to : int
        The suggested windows are rounded up to a multiple of this many days.
    by : str
        Grouping column.

    Returns
    -------
    DataFrame
        Indexed by group, then ``"all"``: ``customers``, ``repeat_customers``
        (two or more purchase days), ``median_gap_days`` (median over the repeat
        customers of their median gap: the rhythm), ``longest_gap_p90`` (the
        :data:`WINDOW_QUANTILE` of their longest gap), ``suggested_days``
        (``longest_gap_p90`` rounded up to ``round_to``), ``window_days`` (in use),
        ``reactivations`` (gaps longer than the window in use, all customers),
        ``reactivations_per_customer`` and ``too_short`` (more than
        :data:`REACTIVATIONS_HIGH` per customer, or the window below the group's
        suggestion).
    """
    w = int(lifetimes.attrs["inactivity_days"])
    groups = {str(g): d for g, d in lifetimes.groupby(by, sort=False)} if by else {}
    order = [t for t in ("key", "major", "general") if t in groups] + sorted(
        g for g in groups if g not in ("key", "major", "general"))  # fmt: skip
    rows = {}
    for name, d in [*((g, groups[g]) for g in order), ("all", lifetimes)]:
        rep = d[d["n_purchases"] > 1]
        p90 = float(rep["longest_gap_days"].quantile(WINDOW_QUANTILE)) if len(rep) else np.nan
        sugg = int(math.ceil(p90 / round_to) * round_to) if np.isfinite(p90) else np.nan
        n_re = int(d["n_reactivations"].sum())
        per = n_re / len(d) if len(d) else np.nan
        rows[name] = {
            "customers": len(d), "repeat_customers": len(rep),
            "median_gap_days": float(rep["median_gap_days"].median()) if len(rep) else np.nan,
            "longest_gap_p90": p90, "suggested_days": sugg, "window_days": w,
            "reactivations": n_re, "reactivations_per_customer": per,
            "too_short": bool((per > REACTIVATIONS_HIGH) or (np.isfinite(p90) and w < sugg)),
        }  # fmt: skip
    out = pd.DataFrame.from_dict(rows, orient="index")
    out.index.name = by or "group"
    out.attrs = {"window_days": w}
    return out
