"""Views per owner, channel or industry: who wins, grows and keeps key accounts.

Key accounts are managed by people (the account owner, 业务员) through channels
(渠道) in industries (行业). When the export carries such a column, the
scorecard's questions are asked per owner / channel / industry: how much revenue
each carries, how many key accounts it holds, won, kept and lost, and how much of
last period's revenue its customers kept.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..engine.attributes import customer_attribute
from .tiers import TierStandard, period_tiers

__all__ = ["VIEWS", "GROUP_VIEW_COLUMNS", "NO_VALUE", "group_view", "view_columns"]

#: Attribute columns with a view, in the order a report shows them.
VIEWS = ("owner", "channel", "industry")
#: The group of customers whose lines carry no value in the column.
NO_VALUE = "(not given)"
#: Columns of :func:`group_view`, in order.
GROUP_VIEW_COLUMNS = (
    "customers", "revenue", "revenue_share", "key_accounts", "key_won", "key_kept",
    "key_lost", "key_downgraded", "key_nrr", "customer_retention", "nrr",
)  # fmt: skip


def view_columns(tx) -> list[str]:
    """The attribute columns of ``tx`` that have a view (:data:`VIEWS`), in that order."""
    return [c for c in VIEWS if c in list(tx.columns)]


def group_view(
    tx, by: str, *, freq: str = "Y", as_of=None, standard: TierStandard | None = None,
    key: float = 0.01, major: float = 0.20,
) -> pd.DataFrame:  # fmt: skip
    """Revenue, key accounts won / kept / lost and retention per owner, channel or industry.

    Parameters
    ----------
    tx : DataFrame or LazyTable
        Canonical transactions with the attribute column ``by``.
    by : str
        The attribute column (``"owner"``, ``"channel"``, ``"industry"``, ...).
    freq : {"Y", "Q", "M"}
        Period length; each period is compared with the one before.
    as_of : date-like, optional
        Lines after this day are ignored (the last period may be partial).
    standard : TierStandard, optional
        The company's tier thresholds; default: set on ``tx`` with ``key`` and
        ``major`` (as :func:`kamresearch.keyaccounts.win_grow_keep`).
    key, major : float
        Tier shares when ``standard`` is None.

    Returns
    -------
    DataFrame
        One row per period (from the second) x group, columns ``period``, ``by``'s
        name, then :data:`GROUP_VIEW_COLUMNS`. A customer belongs to one group:
        its value of ``by`` with the most net revenue up to ``as_of``
        (:func:`kamresearch.engine.attributes.customer_attribute`), or
        :data:`NO_VALUE`. Tiers are the period tiers of :func:`period_tiers`
        (company thresholds per period), as in the scorecard.

        - ``customers``: customers of the group with a line in the period;
        - ``revenue``: their net revenue in the period; ``revenue_share``: of the
          period's net revenue of all groups;
        - ``key_accounts``: key accounts of the group in the period;
        - ``key_won``: of those, not key in the previous period;
        - ``key_kept``: key in the previous period and still key;
        - ``key_lost``: key in the previous period, no purchase in this one;
        - ``key_downgraded``: key in the previous period, still buying, no longer key;
        - ``key_nrr``: revenue in the period of the previous period's key accounts
          over their previous-period revenue (NaN without any);
        - ``customer_retention``: of the previous period's customers with positive
          net revenue, the share with a purchase in this period;
        - ``nrr``: those customers' net revenue in the period over their
          previous-period net revenue (churn, contraction and expansion together).

        ``attrs``: ``as_of``, ``freq``, ``by``.

    Examples
    --------
    >>> import kamresearch as kam
    >>> tx = kam.load_sample()
    >>> tx["owner"] = tx["customer_id"].str[-1].map(lambda d: "Li" if d in "01234" else "Wang")
    >>> v = kam.keyaccounts.group_view(tx, "owner", freq="Y")
    >>> sorted(v["owner"].unique())
    ['Li', 'Wang']
    """
    pt = period_tiers(tx, freq=freq, as_of=as_of, standard=standard, key=key, major=major)
    as_of_ts, pfreq = pt.attrs["as_of"], pt.attrs["freq"]
    group = customer_attribute(tx, by, as_of=as_of_ts).fillna(NO_VALUE).astype(object)
    group = group.where(group.astype(str).str.strip() != "", NO_VALUE)
    pt = pt.assign(group=pt["customer_id"].map(group).fillna(NO_VALUE).to_numpy())
    last = pd.Period(as_of_ts, freq=pfreq)
    periods = pd.period_range(pt["period"].min(), last, freq=pfreq)
    by_p = {p: g.set_index("customer_id") for p, g in pt.groupby("period", sort=True)}
    empty = pt.iloc[:0].set_index("customer_id")
    names = sorted(group.unique(), key=lambda g: (g == NO_VALUE, str(g)))
    rows = []
    for prev_p, p in zip(periods[:-1], periods[1:], strict=True):
        a, b = by_p.get(prev_p, empty), by_p.get(p, empty)
        total = float(b["revenue"].sum())
        bought = b.index[b["purchased"] & (b["revenue"] > 0)]
        for g in names:
            ag, bg = a[a["group"] == g], b[b["group"] == g]
            open_key = ag.index[ag["tier"] == "key"]
            close_key = bg.index[bg["tier"] == "key"]
            stopped = ~open_key.isin(bought)
            still_key = open_key.isin(close_key)
            before = float(ag.loc[open_key, "revenue"].sum())
            after = float(b["revenue"].reindex(open_key).fillna(0.0).sum())
            base = ag.index[ag["revenue"] > 0]
            base_before = float(ag.loc[base, "revenue"].sum())
            base_after = float(b["revenue"].reindex(base).fillna(0.0).sum())
            if not len(bg) and not len(ag):
                continue
            rows.append({
                "period": p, by: g,
                "customers": len(bg),
                "revenue": float(bg["revenue"].sum()),
                "revenue_share": float(bg["revenue"].sum()) / total if total > 0 else np.nan,
                "key_accounts": len(close_key),
                "key_won": int((~close_key.isin(open_key)).sum()),
                "key_kept": int(still_key.sum()),
                "key_lost": int(stopped.sum()),
                "key_downgraded": int((~still_key & ~stopped).sum()),
                "key_nrr": after / before if before > 0 else np.nan,
                "customer_retention": float(base.isin(bought).mean()) if len(base) else np.nan,
                "nrr": base_after / base_before if base_before > 0 else np.nan,
            })  # fmt: skip
    out = pd.DataFrame(rows, columns=["period", by, *GROUP_VIEW_COLUMNS])
    if len(out):
        out["period"] = pd.PeriodIndex(out["period"], freq=pfreq)
    out.attrs = {"as_of": as_of_ts, "freq": pfreq, "by": by}
    return out
