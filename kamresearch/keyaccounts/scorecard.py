"""The win / grow / keep scorecard: where the firm fails with its key accounts.

The theory's three failures -- can't win key accounts (进不去), can't grow
them (做大不了), can't keep them (留不住) -- measured per calendar period on
the key pool, with one company tier standard (:mod:`.tiers`), and the named
accounts behind each figure.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..engine.facts import customer_summary
from .tiers import TierStandard, period_tiers, tier_rank

__all__ = ["SCORECARD_COLUMNS", "MOVEMENTS", "win_grow_keep", "scorecard_accounts", "key_pool_flow",
           "dominant_failure"]  # fmt: skip

#: Columns of :func:`win_grow_keep`, in order (pinned by tests).
SCORECARD_COLUMNS = (
    "open_key", "close_key", "entered", "won_new", "won_existing", "left", "lost",
    "downgraded", "leak_rate", "open_key_revenue", "revenue_lost", "key_grr", "key_nrr",
    "kept_growth", "upgrades", "downgrades", "new_customer_revenue", "new_customer_share",
    "median_days_to_key", "failure", "partial",
)  # fmt: skip
#: Movements of :func:`scorecard_accounts`.
MOVEMENTS = ("won_new", "won_existing", "grown", "shrunk", "downgraded", "lost")


def _movements(tx, freq, as_of, standard, key, major):
    pt = period_tiers(tx, freq=freq, as_of=as_of, standard=standard, key=key, major=major)
    as_of_ts = pt.attrs["as_of"]
    cs = customer_summary(tx, as_of=as_of_ts)
    first_day = cs["first_purchase"]
    pfreq = pt.attrs["freq"]
    first_period = first_day.dt.to_period(pfreq)
    last = pd.Period(as_of_ts, freq=pfreq)
    periods = pd.period_range(pt["period"].min(), last, freq=pfreq, name="period")
    by_p = {p: g.set_index("customer_id") for p, g in pt.groupby("period", sort=True)}
    empty = pt.iloc[:0].set_index("customer_id")
    ever_key = pt[pt["tier"] == "key"].groupby("customer_id")["period"].min()
    rows, moves = {}, []
    for prev_p, p in zip(periods[:-1], periods[1:], strict=True):
        a, b = by_p.get(prev_p, empty), by_p.get(p, empty)
        open_ids = a.index[a["tier"] == "key"]
        close_ids = b.index[b["tier"] == "key"]
        bought = b.index[b["purchased"] & (b["revenue"] > 0)]
        rev0 = a["revenue"].reindex(open_ids)
        rev1 = b["revenue"].reindex(open_ids).fillna(0.0)
        stopped = ~open_ids.isin(bought)
        lost = open_ids[stopped]
        kept = open_ids[~stopped]
        left = open_ids[~open_ids.isin(close_ids)]
        downgraded = left[~left.isin(lost)]
        entered = close_ids[~close_ids.isin(open_ids)]
        is_new = (first_period.reindex(entered) == p).to_numpy(dtype=bool)
        won_new, won_existing = entered[is_new], entered[~is_new]
        r0, r1 = rev0.loc[kept], rev1.loc[kept]
        start = float(rev0.sum())
        churned = float(rev0.loc[lost].sum())
        expansion = float((r1 - r0).clip(lower=0).sum())
        contraction = float((r0 - r1).clip(lower=0).sum())
        both = a.index.intersection(b.index[b["purchased"]])
        step = tier_rank(b.loc[both, "tier"]) - tier_rank(a.loc[both, "tier"])
        newcomers = first_period.index[(first_period == p).to_numpy(dtype=bool)]
        total1 = float(b["revenue"].clip(lower=0).sum())
        new_rev = float(b["revenue"].reindex(newcomers).fillna(0).clip(lower=0).sum())
        first_key = ever_key.index[(ever_key == p).to_numpy(dtype=bool)]
        dtk = (p.end_time.normalize() - first_day.reindex(first_key)).dt.days
        kept0 = float(r0.sum())
        row = {
            "open_key": len(open_ids),
            "close_key": len(close_ids),
            "entered": len(entered),
            "won_new": len(won_new),
            "won_existing": len(won_existing),
            "left": len(left),
            "lost": len(lost),
            "downgraded": len(downgraded),
            "leak_rate": len(left) / len(open_ids) if len(open_ids) else np.nan,
            "open_key_revenue": start,
            "revenue_lost": churned,
            "key_grr": (start - churned - contraction) / start if start > 0 else np.nan,
            "key_nrr": (start - churned - contraction + expansion) / start if start > 0 else np.nan,
            "kept_growth": (kept0 - contraction + expansion) / kept0 - 1 if kept0 > 0 else np.nan,
            "upgrades": int((step > 0).sum()),
            "downgrades": int((step < 0).sum()),
            "new_customer_revenue": new_rev,
            "new_customer_share": new_rev / total1 if total1 > 0 else np.nan,
            "median_days_to_key": float(dtk.median()) if len(dtk) else np.nan,
            "partial": bool(p.end_time.normalize() > as_of_ts),
        }
        row["failure"] = dominant_failure(row, shrink=max(0.0, contraction - expansion))
        rows[p] = row

        def add(ids, movement, p=p, a=a, b=b):
            for c in ids:
                r_before = float(a["revenue"].get(c, 0.0))
                r_after = float(b["revenue"].get(c, 0.0)) if c in b.index else 0.0
                moves.append((p, c, movement, r_before, r_after))

        add(won_new, "won_new")
        add(won_existing, "won_existing")
        grew = kept[(r1 > r0).to_numpy()]
        add(grew[~grew.isin(downgraded)], "grown")
        shrank = kept[(r1 <= r0).to_numpy()]
        add(shrank[~shrank.isin(downgraded)], "shrunk")
        add(downgraded, "downgraded")
        add(lost, "lost")
    table = pd.DataFrame.from_dict(rows, orient="index", columns=list(SCORECARD_COLUMNS))
    table.index = pd.PeriodIndex(list(rows), freq=pfreq, name="period")
    table.attrs = {"as_of": as_of_ts, "freq": pfreq}
    acc = pd.DataFrame(moves, columns=["period", "customer_id", "movement", "revenue_before",
                                       "revenue_after"])  # fmt: skip
    acc["change"] = acc["revenue_after"] - acc["revenue_before"]
    if len(acc):
        acc["period"] = pd.PeriodIndex(acc["period"], freq=pfreq)
    acc["region"] = cs["region"].reindex(acc["customer_id"]).to_numpy()
    acc.attrs = dict(table.attrs)
    return table, acc


def dominant_failure(row, *, shrink: float) -> str:
    """Which of the three failures dominates a period of :func:`win_grow_keep`.

    ``"keep"`` when revenue lost with opening key accounts that stopped buying
    (``revenue_lost``) is positive and at least the net shrinkage ``shrink``
    of the key accounts kept; ``"grow"`` when the kept accounts shrank by more;
    else ``"win"`` when fewer key accounts entered than left (the pool is not
    refilled) or none entered; else ``"none"``.
    """
    lost = float(row["revenue_lost"])
    if lost > 0 and lost >= shrink:
        return "keep"
    if shrink > lost:
        return "grow"
    if row["entered"] < row["left"] or row["entered"] == 0:
        return "win"
    return "none"


def win_grow_keep(
    tx: pd.DataFrame, *, freq: str = "Y", as_of=None, standard: TierStandard | None = None,
    key: float = 0.01, major: float = 0.20,
) -> pd.DataFrame:  # fmt: skip
    """The win / grow / keep scorecard of the key pool, per calendar period.

    Parameters
    ----------
    tx : DataFrame
        Canonical transactions (a region, or the whole company).
    freq : {"Y", "Q", "M"}
        Period length; each row compares a period with the one before.
    as_of : date-like, optional
        Lines after this day are ignored; a period ending after it is ``partial``.
        Pass :func:`kamresearch.keyaccounts.period_as_of` to judge the last
        period on the data's buying rhythm.
    standard : TierStandard, optional
        The company's tier thresholds (:func:`tier_standard` on the whole
        company); default: set on ``tx`` with ``key`` and ``major``.
    key, major : float
        Tier shares when ``standard`` is None.

    Returns
    -------
    DataFrame
        Indexed by ``period`` (from the second period), columns
        :data:`SCORECARD_COLUMNS`. The *opening key pool* is the key accounts of
        the previous period (tiers from each period's revenue against the
        company thresholds of that period).

        *Win* (进不去):

        - ``entered``: key accounts that were not key in the previous period;
          ``won_new`` of them made their first purchase in the period,
          ``won_existing`` are earlier customers that grew or came back into the tier;
        - ``new_customer_revenue``: revenue in the period of customers whose
          first purchase is in it; ``new_customer_share``: of the period's revenue
          (positive customer revenues);
        - ``median_days_to_key``: for accounts key for the first time in the
          period, the median days from their first purchase to the end of the
          period (the development cycle).

        *Grow* (做大不了):

        - ``kept_growth``: revenue growth of the opening key accounts that kept
          buying, ``(start - churned - contraction + expansion) / (start - churned) - 1``;
        - ``upgrades`` / ``downgrades``: customers active in both periods that
          moved up / down a tier (general < major < key).

        *Keep* (留不住):

        - ``open_key``, ``close_key``: key accounts of the previous period / the period;
        - ``left``: opening key accounts not key now, of which ``lost`` bought
          nothing in the period and ``downgraded`` still bought;
        - ``leak_rate``: ``left / open_key``;
        - ``open_key_revenue``: previous-period revenue of the opening pool
          (``start``); ``revenue_lost``: of those lost (``churned``);
        - ``key_grr`` = ``(start - churned - contraction) / start``, ``key_nrr`` =
          ``(start - churned - contraction + expansion) / start``, where expansion
          and contraction are the kept accounts' revenue changes up and down.

        ``failure``: the dominant failure (:func:`dominant_failure`); ``partial``:
        the period ends after ``as_of``. ``attrs``: ``as_of``, ``freq``.

    Examples
    --------
    >>> import kamresearch as kam
    >>> card = kam.keyaccounts.win_grow_keep(kam.load_sample(), freq="Y")
    >>> bool((card["open_key"] - card["left"] + card["entered"] == card["close_key"]).all())
    True
    """
    return _movements(tx, freq, as_of, standard, key, major)[0]


def scorecard_accounts(
    tx: pd.DataFrame, *, freq: str = "Y", as_of=None, standard: TierStandard | None = None,
    key: float = 0.01, major: float = 0.20,
) -> pd.DataFrame:  # fmt: skip
    """The named key accounts behind :func:`win_grow_keep`'s figures.

    Returns
    -------
    DataFrame
        One row per period x account that moved, columns ``period``,
        ``customer_id``, ``movement`` (``won_new``, ``won_existing``: entered the
        key pool; ``grown`` / ``shrunk``: opening key accounts still key whose
        revenue rose / did not; ``downgraded``: left the pool but still buy;
        ``lost``: opening key accounts that bought nothing in the period),
        ``revenue_before`` (previous period), ``revenue_after`` (the period),
        ``change`` and ``region``. Arguments as :func:`win_grow_keep`.
    """
    return _movements(tx, freq, as_of, standard, key, major)[1]


def key_pool_flow(card: pd.DataFrame, *, leak_rate_high: float | None = None) -> pd.DataFrame:
    """The scorecard's key pool in the columns of :func:`kamresearch.cohorts.key_account_flow`.

    Parameters
    ----------
    card : DataFrame
        :func:`win_grow_keep`.
    leak_rate_high : float, optional
        Leak rate from which a pool that did not shrink is ``"leaking"``;
        default :data:`kamresearch.narrative.LEAK_RATE_HIGH`.

    Returns
    -------
    DataFrame
        Index ``period``; ``start`` (``open_key``), ``entered_new`` (``won_new``),
        ``entered_upgraded`` (``won_existing``: earlier customers, upgraded or
        returning), ``left_downgraded`` (``downgraded``), ``left_lost`` (``lost``),
        ``end`` (``close_key``), ``net_change``, ``leak_rate``, ``flow``
        (``"leaking"`` when ``leak_rate >= leak_rate_high`` and the pool did not
        shrink, else ``"reservoir"`` / ``"funnel"`` / ``"balanced"`` by inflow
        against outflow) and ``partial``.
    """
    from ..narrative import LEAK_RATE_HIGH

    high = LEAK_RATE_HIGH if leak_rate_high is None else float(leak_rate_high)
    out = pd.DataFrame({
        "start": card["open_key"], "entered_new": card["won_new"],
        "entered_upgraded": card["won_existing"], "left_downgraded": card["downgraded"],
        "left_lost": card["lost"], "end": card["close_key"],
    }, index=card.index).astype("int64")  # fmt: skip
    out["net_change"] = out["end"] - out["start"]
    out["leak_rate"] = card["leak_rate"].astype(float)
    entered, left = card["entered"].to_numpy(), card["left"].to_numpy()
    leaking = (entered >= left) & (out["leak_rate"].fillna(0).to_numpy() >= high - 1e-12)
    out["flow"] = np.where(leaking, "leaking", np.where(entered > left, "reservoir",
                           np.where(entered < left, "funnel", "balanced")))  # fmt: skip
    out["partial"] = card["partial"].to_numpy(dtype=bool)
    out.attrs = dict(card.attrs)
    return out
