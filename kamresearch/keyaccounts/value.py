"""Value by tier and cohort: cumulative revenue by months since the first purchase.

The lifetime value the theory prices on (客户终身价值): how much an account of an
entry tier, or of an acquisition cohort, has bought after 6, 12, 24 ...
months. Only accounts observed for the whole span count at each month, so
recent accounts do not pull the curve down.
"""

from __future__ import annotations

import pandas as pd

from ..engine.facts import customer_periods
from ..pareto.entry import entry_tiers

__all__ = ["cumulative_value"]


def cumulative_value(
    tx: pd.DataFrame, *, by: str = "entry_tier", as_of=None, months: int = 36,
    cohort_freq: str = "Y", key: float = 0.01, major: float = 0.20,
) -> pd.DataFrame:  # fmt: skip
    """Mean cumulative net revenue per account by months since its first purchase month.

    Parameters
    ----------
    tx : DataFrame
        Canonical transactions.
    by : {"entry_tier", "cohort"}
        Group accounts by entry tier (:func:`kamresearch.pareto.entry_tiers`;
        accounts whose entry window is open are left out) or by acquisition
        cohort (the ``cohort_freq`` period of the first purchase).
    months : int
        Longest span shown.

    Returns
    -------
    DataFrame
        One row per group x ``month`` (1 = the first purchase month itself, 12 =
        the first 12 calendar months): ``customers`` (accounts whose first
        ``month`` months lie wholly before ``as_of``'s month), ``cumulative_revenue``
        (their mean net revenue over those months).
    """
    from ..errors import ConfigError

    if by not in ("entry_tier", "cohort"):
        raise ConfigError(f"by={by!r} is not supported; use 'entry_tier' or 'cohort'")
    cp = customer_periods(tx, freq="M", as_of=as_of)
    as_of = cp.attrs["as_of"]
    last = pd.Period(as_of, freq="M")
    first = cp[cp["purchased"]].groupby("customer_id")["period"].min()
    cp = cp[cp["customer_id"].isin(first.index)]
    k = (cp["period"].array.asi8 - cp["customer_id"].map(first).array.asi8) + 1
    cp = cp.assign(k=k)[(k >= 1) & (k <= months)]
    if by == "entry_tier":
        group = entry_tiers(tx, as_of=as_of, key=key, major=major)["entry_tier"].dropna()
    else:
        group = first.dt.asfreq(cohort_freq).astype(str)
    ids = group.index.intersection(first.index)
    # full months observed: the first purchase month up to the month before as_of's month
    observed = (last.ordinal - first.reindex(ids).array.asi8).astype(int)
    mat = cp[cp["customer_id"].isin(ids)].pivot_table(index="customer_id", columns="k",
                                                      values="revenue", aggfunc="sum")  # fmt: skip
    mat = mat.reindex(index=ids, columns=range(1, months + 1)).fillna(0.0).cumsum(axis=1)
    rows = []
    for g in sorted(group.loc[ids].unique(), key=str):
        sel = (group.loc[ids] == g).to_numpy()
        for m in range(1, months + 1):
            ok = sel & (observed >= m)
            if not ok.any():
                break
            rows.append({by: g, "month": m, "customers": int(ok.sum()),
                         "cumulative_revenue": float(mat.to_numpy()[ok, m - 1].mean())})  # fmt: skip
    out = pd.DataFrame(rows, columns=[by, "month", "customers", "cumulative_revenue"])
    out.attrs = {"as_of": as_of, "by": by}
    return out
