"""The entry tier: each account's tier from its revenue in its first 12 months.

Tiers from revenue over the whole window are circular when compared on
survival, repurchase or growth: an account that stays longer buys more and
becomes "key" *because* it stayed. The entry tier ranks accounts on what they
bought in their first ``entry_days`` (365) days only, so longevity after that
window cannot make an account key. Compare survival from the end of that
window (a landmark analysis: :func:`kamresearch.churn.landmark`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..engine.windows import customer_entry
from .concentration import customer_tiers

__all__ = ["ENTRY_DAYS", "entry_tiers"]

#: Length of the entry window: an account's first 12 months.
ENTRY_DAYS = 365


def entry_tiers(
    tx: pd.DataFrame, *, as_of=None, entry_days: int = ENTRY_DAYS, key: float = 0.01,
    major: float = 0.20,
) -> pd.DataFrame:  # fmt: skip
    """Each account's entry tier, from its net revenue in its first ``entry_days`` days.

    Parameters
    ----------
    tx : DataFrame
        Canonical transactions.
    as_of : date-like, optional
        Lines after this day are ignored (default: last date in ``tx``).
    entry_days : int
        Length of the entry window from the first purchase (365: the first 12 months).
    key, major : float
        Shares of the pyramid (:func:`kamresearch.pareto.customer_tiers`), applied
        among the accounts whose entry window is complete.

    Returns
    -------
    DataFrame
        Indexed by ``customer_id`` (accounts with a purchase up to ``as_of``):
        ``first_purchase``, ``entry_revenue`` (net revenue of the lines before
        ``first_purchase + entry_days``), ``entry_complete`` (the window ends on
        or before ``as_of``) and ``entry_tier`` (key / major / general among the
        complete ones; None while the window is still open). ``attrs``:
        ``as_of``, ``entry_days``, ``key``, ``major``.

    Examples
    --------
    >>> import kamresearch as kam
    >>> et = kam.pareto.entry_tiers(kam.load_sample())
    >>> et.loc[et["entry_complete"], "entry_tier"].value_counts().index[0]
    'general'
    """
    e = customer_entry(tx, as_of=as_of, days=entry_days)
    out = e.copy()
    done = out["entry_complete"].to_numpy(dtype=bool)
    tier = np.full(len(out), None, dtype=object)
    if done.any():
        tier[done] = customer_tiers(out.loc[done, "entry_revenue"], key=key, major=major).to_numpy()
    out["entry_tier"] = tier
    out.attrs = {"as_of": e.attrs["as_of"], "entry_days": int(entry_days), "key": key,
                 "major": major}  # fmt: skip
    return out
