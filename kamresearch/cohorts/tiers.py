"""Tier migration between periods and the key-account flow (reservoir or funnel).

Part of :mod:`kamresearch.cohorts` (re-exported there: call
``kam.cohorts.tier_migration``, ``migration_matrix`` and ``key_account_flow``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..errors import DataError
from ..pareto.concentration import customer_tiers
from .retention import _FROM, _TO, _attrs, _base

__all__ = ["tier_migration", "migration_matrix", "key_account_flow"]


def tier_migration(
    tx: pd.DataFrame, *, freq: str = "Y", as_of=None, key: float = 0.01, major: float = 0.20
) -> pd.DataFrame:
    """Moves of customers between tiers from one period to the next (long format).

    Parameters
    ----------
    tx : DataFrame
        Canonical transactions.
    freq : {"M", "Q", "Y"}
        Period length.
    as_of : date-like, optional
        Lines after this day are ignored. Default: last date in ``tx``.
    key, major : float
        Tier shares passed to :func:`kamresearch.pareto.customer_tiers`.

    Returns
    -------
    DataFrame
        One row per period (from the second one) x ``from_tier`` x ``to_tier``,
        zeros included, columns:

        - ``period``: the period moved into (Period).
        - ``from_tier``: tier in the previous period, or ``"new"`` for customers not
          active then (first-time or returning buyers).
        - ``to_tier``: tier in the period, or ``"lost"`` for customers not active in it.
        - ``customers``: number of customers (int).
        - ``partial``: True for a last period that ends after ``as_of``.

        The pair ("new", "lost") is not listed. :func:`migration_matrix` pivots this
        into a from x to matrix. ``attrs`` as in :func:`revenue_bridge` plus ``key``
        and ``major``.

    Raises
    ------
    ConfigError
        Unsupported ``freq`` or tier shares.
    DataError
        Not canonical transactions, or no line on or before ``as_of``.

    Notes
    -----
    In each period, the tiers are computed among the customers active in it (at
    least one purchase) from their net revenue in that period, with
    ``customer_tiers(revenue, key=key, major=major)`` (active customers with net
    revenue <= 0 are "general"). Customers not active in a period have no tier
    there. Since the pyramid is relative, the size of the key pool follows the
    number of active customers (``ceil(key * n_positive)``).

    Examples
    --------
    >>> import kamresearch as kam
    >>> mig = kam.cohorts.tier_migration(kam.load_sample(), freq="Y")
    >>> kam.cohorts.migration_matrix(mig, period="2024").loc["key"].to_dict()
    {'key': 14, 'major': 1, 'general': 0, 'lost': 2}
    """
    b = _base(tx, freq, as_of)
    n1 = b.n + 1
    act = b.bought
    tiers = np.empty(int(act.sum()), dtype=object)
    a_t, a_code, a_rev = b.t[act], b.code[act], b.rev[act]
    for t in np.unique(a_t):
        m = a_t == t
        rev = pd.Series(a_rev[m], index=b.ids[a_code[m]])
        tiers[m] = customer_tiers(rev, key=key, major=major).to_numpy()
    cur = pd.DataFrame({"k": a_code * n1 + a_t, "to_tier": tiers})
    nxt = a_t + 1 < b.n
    prev = pd.DataFrame({"k": (a_code * n1 + a_t + 1)[nxt], "from_tier": tiers[nxt]})
    moves = prev.merge(cur, on="k", how="outer")
    moves["period"] = moves["k"].to_numpy() % n1
    moves = moves[moves["period"] >= 1]
    moves["from_tier"] = moves["from_tier"].fillna("new")
    moves["to_tier"] = moves["to_tier"].fillna("lost")
    counts = moves.groupby(["period", "from_tier", "to_tier"]).size()
    grid = pd.MultiIndex.from_tuples(
        [
            (t, f, to)
            for t in range(1, b.n)
            for f in _FROM
            for to in _TO
            if (f, to) != ("new", "lost")
        ],
        names=["period", "from_tier", "to_tier"],
    )
    out = counts.reindex(grid, fill_value=0).rename("customers").astype(np.int64).reset_index()
    out["partial"] = b.partial & (out["period"].to_numpy() == b.n - 1)
    out["period"] = b.periods[out["period"].to_numpy()]
    out.attrs = _attrs(b, key=key, major=major)
    return out


def migration_matrix(migration: pd.DataFrame, *, period=None) -> pd.DataFrame:
    """Pivot :func:`tier_migration` into a from x to matrix of customer counts.

    Parameters
    ----------
    migration : DataFrame
        Output of :func:`tier_migration`.
    period : Period or str, optional
        The period moved into; default: all periods summed.

    Returns
    -------
    DataFrame
        Index ``from_tier`` (new, key, major, general), columns ``to_tier`` (key,
        major, general, lost), int counts (``new -> lost`` is 0).

    Raises
    ------
    DataError
        ``period`` is not in the table.

    Examples
    --------
    >>> import kamresearch as kam
    >>> mig = kam.cohorts.tier_migration(kam.load_sample(), freq="Y")
    >>> kam.cohorts.migration_matrix(mig).shape
    (4, 4)
    """
    m = migration
    if period is not None:
        per = pd.Period(period, freq=m["period"].dt.freq)
        m = m[m["period"] == per]
        if m.empty:
            raise DataError(
                f"period {period!r} is not in the migration table",
                fix="pick one of its 'period' values",
            )
    out = m.pivot_table(
        index="from_tier", columns="to_tier", values="customers", aggfunc="sum", fill_value=0
    )
    return out.reindex(index=list(_FROM), columns=list(_TO), fill_value=0).astype(np.int64)


def key_account_flow(
    tx: pd.DataFrame, *, freq: str = "Y", as_of=None, key: float = 0.01, major: float = 0.20
) -> pd.DataFrame:
    """The key-account pool per period: does it fill like a reservoir or drain like a funnel?

    Parameters
    ----------
    tx, freq, as_of, key, major
        As in :func:`tier_migration`.

    Returns
    -------
    DataFrame
        Index ``period`` (from the second period), columns (int counts of customers):

        - ``start``: key accounts of the previous period.
        - ``entered_new``: key accounts not active in the previous period.
        - ``entered_upgraded``: key accounts that were major or general.
        - ``left_downgraded``: previous key accounts now major or general.
        - ``left_lost``: previous key accounts not active in the period.
        - ``end``: key accounts of the period.
        - ``net_change``: ``end - start``.
        - ``flow``: ``"reservoir"`` when more entered than left, ``"funnel"`` when
          more left, ``"balanced"`` otherwise.
        - ``partial``: True for a last period that ends after ``as_of``.

    Notes
    -----
    From :func:`tier_migration`:
    ``start + entered_new + entered_upgraded - left_downgraded - left_lost = end``
    holds exactly (each side counts the same key -> key stayers).

    Examples
    --------
    >>> import kamresearch as kam
    >>> flow = kam.cohorts.key_account_flow(kam.load_sample(), freq="Y")
    >>> flow[["start", "end", "flow"]].astype(str).values.tolist()[-1]
    ['17', '20', 'reservoir']
    """
    mig = tier_migration(tx, freq=freq, as_of=as_of, key=key, major=major)
    f, to = mig["from_tier"], mig["to_tier"]

    def count(mask):
        return mig[mask].groupby("period")["customers"].sum()

    out = pd.DataFrame(
        {
            "start": count(f == "key"),
            "entered_new": count((f == "new") & (to == "key")),
            "entered_upgraded": count(f.isin(["major", "general"]) & (to == "key")),
            "left_downgraded": count((f == "key") & to.isin(["major", "general"])),
            "left_lost": count((f == "key") & (to == "lost")),
            "end": count(to == "key"),
        }
    )
    out = out.reindex(mig["period"].unique()).fillna(0).astype(np.int64)
    out.index.name = "period"
    out["net_change"] = out["end"] - out["start"]
    entered = out["entered_new"] + out["entered_upgraded"]
    left = out["left_downgraded"] + out["left_lost"]
    out["flow"] = np.where(
        entered > left, "reservoir", np.where(entered < left, "funnel", "balanced")
    )
    out["partial"] = mig.groupby("period")["partial"].any().reindex(out.index).to_numpy()
    out.attrs = dict(mig.attrs)
    return out
