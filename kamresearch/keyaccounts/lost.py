"""Lost and fading key accounts, named: who stopped buying, whose spend is falling.

The biggest story in a key-account review is usually a loss: the largest
account that has bought nothing for months. This lists every key and major
account (company tier standard, on lifetime revenue) that stopped buying or
whose trailing spend fell steeply, largest first.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..engine.facts import customer_summary
from ..engine.windows import customer_windows
from ..errors import ConfigError
from .tiers import TIER_ORDER, TierStandard, apply_tiers, tier_standard

__all__ = ["FALL_THRESHOLD", "LOST_COLUMNS", "lost_accounts"]

#: Trailing-year spend below (1 - this) x the year before flags a fading account.
FALL_THRESHOLD = 0.5
#: Columns of :func:`lost_accounts` (pinned by tests).
LOST_COLUMNS = (
    "customer_id", "region", "tier", "status", "revenue", "share", "first_purchase",
    "last_purchase", "days_since_last", "revenue_trailing", "revenue_prior", "spend_change",
)  # fmt: skip


def lost_accounts(
    tx: pd.DataFrame, *, as_of=None, inactivity_days: int | None = None,
    standard: TierStandard | None = None, key: float = 0.01, major: float = 0.20,
    tiers=("key", "major"), fall_threshold: float = FALL_THRESHOLD, days: int = 365,
) -> pd.DataFrame:  # fmt: skip
    """Key and major accounts that stopped buying or whose spend is falling.

    Parameters
    ----------
    tx : DataFrame
        Canonical transactions (a region or the company).
    as_of : date-like, optional
        Analysis date (default: last date in ``tx``).
    inactivity_days : int, optional
        An account is *lost* after more than this many days without a purchase;
        default :func:`kamresearch.churn.suggest_inactivity_window`.
    standard : TierStandard, optional
        Company tier thresholds (default: set on ``tx`` with ``key``, ``major``);
        the tier is from lifetime revenue against ``standard.window``.
    tiers : sequence of str
        Tiers to list.
    fall_threshold : float
        A live account is *fading* when its net revenue in the ``days`` up to
        ``as_of`` is below ``(1 - fall_threshold)`` times its revenue in the
        ``days`` before (:data:`FALL_THRESHOLD` = 0.5: spend more than halved).
    days : int
        Length of the trailing and prior windows.

    Returns
    -------
    DataFrame
        Columns :data:`LOST_COLUMNS`, one row per listed account, largest
        lifetime ``revenue`` first: ``status`` (``"lost"`` or ``"fading"``),
        ``revenue`` (net, up to ``as_of``), ``share`` (of the net revenue of all
        customers with positive revenue in ``tx``), ``days_since_last``
        (``as_of`` - last purchase), ``revenue_trailing`` / ``revenue_prior``
        (the two windows), ``spend_change`` (``trailing / prior - 1``; NaN
        without prior revenue). ``attrs``: ``as_of``, ``inactivity_days``,
        ``fall_threshold``, ``days``.

    Examples
    --------
    >>> import kamresearch as kam
    >>> lost = kam.keyaccounts.lost_accounts(kam.load_sample(), inactivity_days=180)
    >>> set(lost["status"]) <= {"lost", "fading"}
    True
    """
    if not 0 < fall_threshold < 1:
        raise ConfigError(f"fall_threshold={fall_threshold!r} must be between 0 and 1")
    bad = [t for t in ([tiers] if isinstance(tiers, str) else tiers) if t not in TIER_ORDER]
    if bad:
        raise ConfigError(f"tiers must be among {list(TIER_ORDER)}, got {tiers!r}")
    tiers = [tiers] if isinstance(tiers, str) else list(tiers)
    cs = customer_summary(tx, as_of=as_of)
    as_of = cs.attrs["as_of"]
    if inactivity_days is None:
        from ..churn.lifetimes import suggest_inactivity_window

        inactivity_days = int(suggest_inactivity_window(tx, as_of=as_of).days)
    if standard is None:
        standard = tier_standard(tx, as_of=as_of, key=key, major=major, freqs=())
    cs = cs[cs["last_purchase"].notna()]
    w = customer_windows(tx, as_of=as_of, days=days).reindex(cs.index).fillna(0.0)
    tier = apply_tiers(cs["revenue"], key_min=float(standard.window["key_min_revenue"]),
                       major_min=float(standard.window["major_min_revenue"]))  # fmt: skip
    since = (as_of - cs["last_purchase"]).dt.days
    prior, trailing = w["revenue_prior"], w["revenue_trailing"]
    change = (trailing / prior.where(prior > 0)) - 1
    lost = since > int(inactivity_days)
    fading = ~lost & (prior > 0) & (trailing < (1 - fall_threshold) * prior)
    total = float(cs["revenue"].clip(lower=0).sum())
    out = pd.DataFrame({
        "customer_id": cs.index, "region": cs["region"].to_numpy(), "tier": tier.to_numpy(),
        "status": np.where(lost, "lost", np.where(fading, "fading", "")),
        "revenue": cs["revenue"].to_numpy(),
        "share": (cs["revenue"] / total).to_numpy() if total > 0 else np.nan,
        "first_purchase": cs["first_purchase"].to_numpy(),
        "last_purchase": cs["last_purchase"].to_numpy(),
        "days_since_last": since.to_numpy().astype("int64"),
        "revenue_trailing": trailing.to_numpy(), "revenue_prior": prior.to_numpy(),
        "spend_change": change.to_numpy(),
    })  # fmt: skip
    out = out[(out["status"] != "") & out["tier"].isin(tiers)]
    out = out.sort_values(["revenue", "customer_id"], ascending=[False, True], kind="stable")
    out = out.reset_index(drop=True)[list(LOST_COLUMNS)]
    out.attrs = {"as_of": as_of, "inactivity_days": int(inactivity_days),
                 "fall_threshold": fall_threshold, "days": days}  # fmt: skip
    return out
