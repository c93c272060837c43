"""Account cards: the one-to-one review of each key account (一对一大客户分析).

For each key account: monthly revenue with month-on-month, year-on-year and
year-to-date change, its buying rhythm, a status (new / growing / declining /
silent / lost / steady) and a falling-spend flag -- what a monthly key-account
review goes through account by account.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..engine.facts import customer_periods, customer_summary
from ..engine.purchases import purchase_facts
from ..engine.windows import customer_windows
from .tiers import TierStandard, apply_tiers, tier_standard

__all__ = ["CARD_COLUMNS", "MONTHLY_COLUMNS", "STATUSES", "GROWTH_BAND", "SILENT_GAPS",
           "account_cards", "card_months"]  # fmt: skip

#: Statuses of a card, in the order they are decided.
STATUSES = ("lost", "silent", "new", "growing", "declining", "steady")
#: Trailing-year revenue more than this above / below the year before: growing / declining;
#: below: the falling-spend flag.
GROWTH_BAND = 0.10
#: Silent: no purchase for more than this many of the account's own median gaps.
SILENT_GAPS = 2.0
#: Columns of :func:`account_cards` (pinned by tests).
CARD_COLUMNS = (
    "customer_id", "region", "tier", "status", "falling_spend", "revenue", "revenue_12m",
    "revenue_prior_12m", "change_12m", "last_month", "month_revenue", "mom_change",
    "yoy_change", "ytd_revenue", "ytd_change", "median_gap_days", "days_since_last",
    "first_purchase", "last_purchase",
)  # fmt: skip
#: Columns of :func:`card_months`.
MONTHLY_COLUMNS = ("customer_id", "month", "revenue", "mom_change", "yoy_change", "ytd_revenue",
                   "ytd_change")  # fmt: skip


def _ratio(a, b):
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(b > 0, a / b - 1, np.nan)


def card_months(tx: pd.DataFrame, customers, *, as_of=None) -> pd.DataFrame:
    """Monthly revenue of ``customers`` with its changes, from their first month to ``as_of``.

    Returns
    -------
    DataFrame
        Columns :data:`MONTHLY_COLUMNS`: ``month`` (Period, every month from the
        account's first month with a line to ``as_of``'s month, 0 revenue when
        none), ``revenue`` (net), ``mom_change`` (on the month before),
        ``yoy_change`` (on the same month a year before), ``ytd_revenue``
        (calendar year to date) and ``ytd_change`` (on the year-to-date a year
        before); changes are NaN when the base is not positive.
    """
    cp = customer_periods(tx, freq="M", as_of=as_of)
    last = pd.Period(cp.attrs["as_of"], freq="M")
    cp = cp[cp["customer_id"].isin(list(customers))]
    parts = []
    for cid, g in cp.groupby("customer_id", sort=True):
        months = pd.period_range(g["period"].min(), last, freq="M")
        rev = g.set_index("period")["revenue"].reindex(months, fill_value=0.0).to_numpy(float)
        prev = np.concatenate([[np.nan], rev[:-1]])
        year_ago = np.concatenate([np.full(12, np.nan), rev[:-12]])[: len(rev)]
        ytd = pd.Series(rev).groupby(months.year).cumsum().to_numpy()
        ytd_ago = np.concatenate([np.full(12, np.nan), ytd[:-12]])[: len(rev)]
        parts.append(pd.DataFrame({
            "customer_id": cid, "month": months, "revenue": rev, "mom_change": _ratio(rev, prev),
            "yoy_change": _ratio(rev, year_ago), "ytd_revenue": ytd,
            "ytd_change": _ratio(ytd, ytd_ago),
        }))  # fmt: skip
    if not parts:
        return pd.DataFrame({c: [] for c in MONTHLY_COLUMNS})
    out = pd.concat(parts, ignore_index=True)
    out.attrs = {"as_of": cp.attrs["as_of"]}
    return out


def account_cards(
    tx: pd.DataFrame, *, as_of=None, standard: TierStandard | None = None, key: float = 0.01,
    major: float = 0.20, tiers=("key",), inactivity_days: int | None = None,
) -> pd.DataFrame:  # fmt: skip
    """One card per key account: its latest month, year, rhythm and status.

    Parameters
    ----------
    tx : DataFrame
        Canonical transactions.
    as_of : date-like, optional
        Analysis date (default: last date in ``tx``).
    standard : TierStandard, optional
        Company tier thresholds (default: set on ``tx`` with ``key``, ``major``);
        the tier is from revenue up to ``as_of`` against ``standard.window``.
    tiers : sequence of str
        Tiers that get a card (default: key accounts).
    inactivity_days : int, optional
        Lost after this many days without a purchase; default
        :func:`kamresearch.churn.suggest_inactivity_window`.

    Returns
    -------
    DataFrame
        Columns :data:`CARD_COLUMNS`, largest ``revenue`` first:

        - ``revenue``: net revenue up to ``as_of``; ``revenue_12m`` and
          ``revenue_prior_12m``: in the 365 days up to ``as_of`` and the 365 before;
          ``change_12m``: their ratio - 1;
        - ``last_month``: ``as_of``'s month; ``month_revenue``, ``mom_change``,
          ``yoy_change``, ``ytd_revenue``, ``ytd_change``: that month's row of
          :func:`card_months`;
        - ``median_gap_days``: median days between consecutive purchase days (the
          buying rhythm; NaN with one purchase day); ``days_since_last``;
        - ``status``, decided in this order: ``lost`` (no purchase for more than
          ``inactivity_days``), ``silent`` (more than :data:`SILENT_GAPS` median
          gaps since the last purchase), ``new`` (first purchase within the last
          365 days), ``growing`` / ``declining`` (``change_12m`` above
          :data:`GROWTH_BAND` / below ``-GROWTH_BAND``), else ``steady``;
        - ``falling_spend``: ``change_12m < -GROWTH_BAND``.

    Examples
    --------
    >>> import kamresearch as kam
    >>> cards = kam.keyaccounts.account_cards(kam.load_sample())
    >>> len(cards), set(cards["status"]) <= set(kam.keyaccounts.STATUSES)
    (30, True)
    """
    cs = customer_summary(tx, as_of=as_of)
    as_of = cs.attrs["as_of"]
    if standard is None:
        standard = tier_standard(tx, as_of=as_of, key=key, major=major, freqs=())
    if inactivity_days is None:
        from ..churn.lifetimes import suggest_inactivity_window

        inactivity_days = int(suggest_inactivity_window(tx, as_of=as_of).days)
    cs = cs[cs["last_purchase"].notna()].copy()
    w = standard.window
    cs["tier"] = apply_tiers(cs["revenue"], key_min=float(w["key_min_revenue"]),
                             major_min=float(w["major_min_revenue"]))  # fmt: skip
    cs = cs[cs["tier"].isin(list(tiers))]
    ids = cs.index
    win = customer_windows(tx, as_of=as_of, days=365).reindex(ids).fillna(0.0)
    # the median gap between purchase days, from the per-customer purchase facts the
    # lifetimes read too (one row per customer; never the customer x day table, which
    # grows with the lines)
    facts = purchase_facts(tx, as_of=as_of, inactivity_days=int(inactivity_days),
                           percentile=0.9)["facts"]  # fmt: skip
    gap = facts["median_gap_days"]
    months = card_months(tx, ids, as_of=as_of)
    now = months[months["month"] == pd.Period(as_of, freq="M")].set_index("customer_id")
    since = (as_of - cs["last_purchase"]).dt.days
    change = pd.Series(_ratio(win["revenue_trailing"], win["revenue_prior"]), index=ids)
    med = gap.reindex(ids)
    new = cs["first_purchase"] > as_of - pd.Timedelta(days=365)
    status = np.select(
        [since > inactivity_days, since > SILENT_GAPS * med.fillna(np.inf), new,
         change > GROWTH_BAND, change < -GROWTH_BAND],
        ["lost", "silent", "new", "growing", "declining"], default="steady",
    )  # fmt: skip
    out = pd.DataFrame({
        "customer_id": ids, "region": cs["region"].to_numpy(), "tier": cs["tier"].to_numpy(),
        "status": status, "falling_spend": (change < -GROWTH_BAND).to_numpy(),
        "revenue": cs["revenue"].to_numpy(), "revenue_12m": win["revenue_trailing"].to_numpy(),
        "revenue_prior_12m": win["revenue_prior"].to_numpy(), "change_12m": change.to_numpy(),
        "last_month": pd.Period(as_of, freq="M"),
        "month_revenue": now["revenue"].reindex(ids).to_numpy(),
        "mom_change": now["mom_change"].reindex(ids).to_numpy(),
        "yoy_change": now["yoy_change"].reindex(ids).to_numpy(),
        "ytd_revenue": now["ytd_revenue"].reindex(ids).to_numpy(),
        "ytd_change": now["ytd_change"].reindex(ids).to_numpy(),
        "median_gap_days": med.to_numpy(), "days_since_last": since.to_numpy().astype("int64"),
        "first_purchase": cs["first_purchase"].to_numpy(),
        "last_purchase": cs["last_purchase"].to_numpy(),
    })  # fmt: skip
    out = out.sort_values(["revenue", "customer_id"], ascending=[False, True], kind="stable")
    out = out.reset_index(drop=True)[list(CARD_COLUMNS)]
    out.attrs = {"as_of": as_of, "inactivity_days": int(inactivity_days), "months": months}
    return out
