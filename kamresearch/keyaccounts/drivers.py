"""Who moved concentration: the accounts behind a change in the top-N share.

A falling top-10 share reads as diversification -- unless it fell because the
largest account was lost. This names the accounts whose share of revenue moved
most among the top N of either period.
"""

from __future__ import annotations

import pandas as pd

from ..engine.facts import customer_periods

__all__ = ["concentration_drivers"]


def concentration_drivers(
    tx: pd.DataFrame, *, freq: str = "Y", as_of=None, top: int = 10, period=None
) -> pd.DataFrame:
    """The accounts behind the change of the top-``top`` share between two periods.

    Parameters
    ----------
    tx : DataFrame
        Canonical transactions.
    freq : {"Y", "Q", "M"}
        Period length.
    as_of : date-like, optional
        Lines after this day are ignored; the last period is the one containing it
        (pass :func:`kamresearch.keyaccounts.period_as_of` for a complete one).
    top : int
        The N of the top-N share.
    period : Period or str, optional
        The later period (default: ``as_of``'s period); compared with the one before.

    Returns
    -------
    DataFrame
        One row per account in the top ``top`` of either period, largest absolute
        change of share first: ``customer_id``, ``share_before`` / ``share_after``
        (of the positive revenue of all customers in each period), ``share_change``,
        ``revenue_before`` / ``revenue_after``, ``in_top_before`` / ``in_top_after``.
        ``attrs``: ``period``, ``top``, ``top_share_before``, ``top_share_after``
        (the top-N shares, as :func:`kamresearch.pareto.concentration_trend` gives).
    """
    cp = customer_periods(tx, freq=freq, as_of=as_of)
    pfreq = cp.attrs["freq"]
    after = pd.Period(period, freq=pfreq) if period is not None else pd.Period(
        cp.attrs["as_of"], freq=pfreq)  # fmt: skip
    before = after - 1

    def shares(p):
        r = cp.loc[cp["period"] == p].set_index("customer_id")["revenue"]
        r = r[r > 0]
        total = r.sum()
        ranked = r.sort_values(ascending=False, kind="stable")
        return r, (r / total if total > 0 else r * 0), set(ranked.index[:top]), (
            ranked.iloc[:top].sum() / total if total > 0 else float("nan"))  # fmt: skip

    r0, s0, t0, top0 = shares(before)
    r1, s1, t1, top1 = shares(after)
    ids = sorted(t0 | t1)
    out = pd.DataFrame({"customer_id": ids})
    out["share_before"] = s0.reindex(ids).fillna(0.0).to_numpy()
    out["share_after"] = s1.reindex(ids).fillna(0.0).to_numpy()
    out["share_change"] = out["share_after"] - out["share_before"]
    out["revenue_before"] = r0.reindex(ids).fillna(0.0).to_numpy()
    out["revenue_after"] = r1.reindex(ids).fillna(0.0).to_numpy()
    out["in_top_before"] = out["customer_id"].isin(t0)
    out["in_top_after"] = out["customer_id"].isin(t1)
    out = out.reindex(out["share_change"].abs().sort_values(ascending=False, kind="stable").index)
    out = out.reset_index(drop=True)
    out.attrs = {"period": after, "top": top, "top_share_before": float(top0),
                 "top_share_after": float(top1)}  # fmt: skip
    return out
