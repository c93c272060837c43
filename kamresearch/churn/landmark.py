"""Landmark analysis: survival from a fixed time after the first purchase.

Comparing the survival of groups defined by what an account did in its first
months (its entry tier, :func:`kamresearch.pareto.entry_tiers`) from its first
purchase would be biased: an account that churns in month 3 cannot have a
large first-year revenue, so early churners sink their own tier. The landmark
analysis starts the clock at the end of the entry window and keeps only the
accounts still alive then.
"""

from __future__ import annotations

import pandas as pd

from ..errors import ConfigError
from ..pareto.entry import ENTRY_DAYS, entry_tiers

__all__ = ["landmark", "add_entry_tier"]


def landmark(lifetimes: pd.DataFrame, *, days: float) -> pd.DataFrame:
    """The lifetimes of the accounts still alive ``days`` after their first purchase,
    with the clock restarted there.

    Parameters
    ----------
    lifetimes : DataFrame
        :func:`kamresearch.churn.customer_lifetimes` (with any extra columns).
    days : float
        The landmark, in days after the first purchase.

    Returns
    -------
    DataFrame
        The observable rows with ``duration_days > days`` (the account bought
        after the landmark, or is censored after it), ``duration_days`` reduced
        by ``days``; other rows are dropped. ``attrs`` gains ``landmark_days``.

    Notes
    -----
    Under the censoring convention of :func:`kamresearch.churn.customer_lifetimes`
    an account churns at its last purchase and a live one is censored at
    ``as_of - W``; "alive at the landmark" is therefore ``duration_days > days``,
    and the residual lifetime ``duration_days - days`` keeps its event flag.
    """
    if not days >= 0:
        raise ConfigError(f"landmark days={days!r} must be >= 0")
    keep = lifetimes["observable"].astype(bool) & (lifetimes["duration_days"] > days)
    out = lifetimes[keep].copy()
    out["duration_days"] = out["duration_days"] - float(days)
    out.attrs = {**lifetimes.attrs, "landmark_days": float(days)}
    return out


def add_entry_tier(
    lifetimes: pd.DataFrame, tx: pd.DataFrame, *, entry_days: int = ENTRY_DAYS,
    key: float = 0.01, major: float = 0.20,
) -> pd.DataFrame:  # fmt: skip
    """``lifetimes`` with each account's entry tier (``entry_tier``, ``entry_revenue``).

    Parameters
    ----------
    lifetimes : DataFrame
        :func:`kamresearch.churn.customer_lifetimes` of ``tx``.
    tx : DataFrame
        The same transactions.
    entry_days, key, major
        As in :func:`kamresearch.pareto.entry_tiers` (computed up to the
        lifetimes' ``as_of``).

    Returns
    -------
    DataFrame
        A copy with ``entry_revenue`` and ``entry_tier`` (None while the entry
        window is open); ``attrs["entry_days"]`` is the landmark that
        :func:`kamresearch.churn.survival_curves` and
        :func:`kamresearch.churn.fit_cox` apply when grouping by ``entry_tier``.

    Examples
    --------
    >>> import kamresearch as kam
    >>> tx = kam.load_sample()
    >>> lt = kam.churn.add_entry_tier(kam.churn.customer_lifetimes(tx), tx)
    >>> curves = kam.churn.survival_curves(lt, by="entry_tier")  # landmark at 365 days
    >>> curves.summary.index.tolist()
    ['key', 'major', 'general']
    """
    et = entry_tiers(tx, as_of=lifetimes.attrs.get("as_of"), entry_days=entry_days, key=key,
                     major=major)  # fmt: skip
    out = lifetimes.copy()
    out["entry_revenue"] = et["entry_revenue"].reindex(out.index)
    out["entry_tier"] = et["entry_tier"].reindex(out.index)
    out.attrs = {**lifetimes.attrs, "entry_days": int(entry_days)}
    return out


def resolve_landmark(lifetimes: pd.DataFrame, columns, landmark_days):
    """The landmark to apply: ``landmark_days``, else the entry window when a grouping
    column is ``entry_tier`` (from :func:`add_entry_tier`), else None."""
    if landmark_days is not None:
        return landmark_days
    if "entry_tier" in list(columns):
        if "entry_days" not in lifetimes.attrs:
            raise ConfigError(
                "entry_tier needs the landmark of its entry window; add the column with "
                "kamresearch.churn.add_entry_tier(lifetimes, tx) or pass landmark_days"
            )
        return lifetimes.attrs["entry_days"]
    return None
