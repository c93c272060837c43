"""Customer lifetimes under the inactivity rule: the suggested window, the lifetimes
table with its censoring, and the at-risk accounts.

The churn definition and the censoring convention are in the package docstring,
:mod:`kamresearch.churn`.
"""

from __future__ import annotations

import logging
import math
import numbers
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..engine.facts import resolve_as_of
from ..engine.purchases import gap_percentiles, purchase_facts
from ..errors import ConfigError, DataError
from ..pareto.concentration import customer_tiers
from ..schema import attribute_columns, check_transactions

__all__ = [
    "CENSORING_CONVENTION",
    "LIFETIME_COLUMNS",
    "KM_COLUMNS",
    "SUMMARY_COLUMNS",
    "COMPARE_COLUMNS",
    "HR_COLUMNS",
    "AT_RISK_COLUMNS",
    "MIN_OBSERVABLE",
    "MIN_EVENTS",
    "InactivityWindow",
    "suggest_inactivity_window",
    "customer_lifetimes",
    "at_risk_accounts",
]

logger = logging.getLogger("kamresearch")

#: The censoring convention of :func:`customer_lifetimes` (printed in the reports).
CENSORING_CONVENTION = (
    "Churn is inferred from inactivity. Let W be the inactivity window in days and "
    "as_of the analysis date. A customer has CHURNED when it made no purchase in the W days "
    "up to as_of (last purchase <= as_of - W); its lifetime is first -> last purchase day "
    "(an observed event). A customer that is STILL ACTIVE is right-censored at the last "
    "moment at which its churn could have been observed, (as_of - W) - first purchase day: "
    "not at as_of and not at its last purchase, which would both overstate survival. "
    "Customers acquired within the last W days (first purchase > as_of - W) cannot be "
    "observed churning yet: they are not observable, left out of the estimates and counted. "
    "A gap longer than W between two purchase days followed by a return is a reactivation, "
    "counted per customer; the lifetime still runs from the first to the last purchase."
)

#: Fewer observable customers than this in a group -> "insufficient data".
MIN_OBSERVABLE = 20
#: Fewer churn events than this in a group -> "insufficient data".
MIN_EVENTS = 5

#: Output columns (the contract notebooks and reports rely on), in order.
LIFETIME_COLUMNS = tuple(
    "first_purchase last_purchase n_purchases revenue revenue_12m region tier days_since_last "
    "median_gap_days longest_gap_days n_reactivations churned observable duration_days "
    "frequency recency T monetary_value".split()
)
KM_COLUMNS = tuple("group timeline survival ci_low ci_high at_risk events censored".split())
SUMMARY_COLUMNS = tuple(
    "n n_observable events censored median_lifetime_days median_ci_low median_ci_high "
    "survival_1y survival_2y survival_3y rmst_days max_followup_days status reason".split()
)
COMPARE_COLUMNS = tuple("test group_a group_b n_a n_b statistic df p p_bonferroni status".split())
HR_COLUMNS = tuple(
    "covariate level baseline hr hr_low hr_high p ph_p ph_ok n events status".split()
)
AT_RISK_COLUMNS = tuple(
    "customer_id region tier last_purchase days_since_last median_gap_days threshold_days "
    "revenue_12m revenue".split()
)

_TIER_ORDER = ("key", "major", "general")
_LIFETIME_COLUMNS = ("duration_days", "churned", "observable")


# --------------------------------------------------------------------------- inactivity window


@dataclass(frozen=True)
class InactivityWindow:
    """A suggested inactivity window with the evidence behind it.

    Attributes
    ----------
    days : int
        The window in days (use it as ``inactivity_days``); ``int(window)`` gives it too.
    percentile : float
        The percentile of the gaps the window is based on (0.9 = 90th).
    gap_days : float
        That percentile of the gaps, before rounding and bounding.
    gap_percentiles : Series
        Percentiles of the gaps (index 0.5, 0.75, 0.9, 0.95, 0.99 and ``percentile``),
        in days: the evidence for overriding the suggestion knowingly.
    n_gaps, n_repeat_customers : int
        Gaps and repeat customers (two or more purchase days) the percentiles use.
    rule : str
        The rounding and bounding rule, in words.
    """

    days: int
    percentile: float
    gap_days: float
    gap_percentiles: pd.Series = field(repr=False)
    n_gaps: int
    n_repeat_customers: int
    rule: str

    def __int__(self) -> int:
        return int(self.days)


def _window_from_percentiles(
    q: pd.Series, n_gaps: int, n_rep: int, *, percentile, round_to, min_days, max_days
) -> InactivityWindow:
    if n_gaps == 0:
        raise DataError(
            "cannot suggest an inactivity window: no customer has two or more purchase days",
            fix="pass inactivity_days explicitly (for instance 180)",
        )
    raw = float(q.loc[float(percentile)])
    days = int(min(max(math.ceil(raw / round_to - 1e-9) * round_to, min_days), max_days))
    rule = (
        f"P{100 * percentile:g} of the gaps between consecutive purchase days of repeat "
        f"customers ({raw:.1f} days), rounded up to a multiple of {round_to} days and "
        f"bounded to [{min_days}, {max_days}]"
    )
    return InactivityWindow(
        days=days,
        percentile=float(percentile),
        gap_days=raw,
        gap_percentiles=q,
        n_gaps=n_gaps,
        n_repeat_customers=n_rep,
        rule=rule,
    )


def _check_window_args(percentile, round_to, min_days, max_days):
    if not 0 < percentile < 1:
        raise ConfigError(f"percentile must be between 0 and 1 (0.9 = 90th), got {percentile}")
    if round_to < 1 or not 1 <= min_days <= max_days:
        raise ConfigError(
            f"need round_to >= 1 and 1 <= min_days <= max_days, got round_to="
            f"{round_to}, min_days={min_days}, max_days={max_days}"
        )


def suggest_inactivity_window(
    tx: pd.DataFrame,
    *,
    as_of=None,
    percentile: float = 0.9,
    round_to: int = 30,
    min_days: int = 30,
    max_days: int = 730,
) -> InactivityWindow:
    """A data-driven inactivity window: a high percentile of the gaps between purchase days.

    Parameters
    ----------
    tx : DataFrame
        Canonical transactions.
    as_of : date-like, optional
        Lines after this day are ignored. Default: the last date in ``tx``.
    percentile : float
        Percentile of the gaps to use (0.9 = the 90th).
    round_to : int
        The percentile is rounded *up* to a multiple of this many days.
    min_days, max_days : int
        Bounds applied after rounding.

    Returns
    -------
    InactivityWindow
        ``days`` (the window) with the evidence: ``gap_percentiles`` (P50, P75, P90,
        P95, P99 and ``percentile`` of the gaps), ``gap_days`` (the unrounded
        percentile), ``n_gaps``, ``n_repeat_customers`` and ``rule``.

    Raises
    ------
    ConfigError
        For a percentile outside (0, 1) or inconsistent bounds.
    DataError
        When no customer has two purchase days (no gap to learn from).

    Notes
    -----
    The gaps are pooled over all repeat customers (customers with two or more
    purchase days), one value per pair of consecutive purchase days, so frequent
    buyers weigh more. Percentiles interpolate linearly (``numpy.quantile``'s
    default). ``days = clip(ceil(P / round_to) * round_to, min_days, max_days)``.
    At the 90th percentile about one gap in ten of a live customer exceeds the
    window: a higher window gives fewer false churns (and reactivations) but
    leaves more recent customers unobservable.

    Examples
    --------
    >>> import kamresearch as kam
    >>> w = kam.churn.suggest_inactivity_window(kam.load_sample())
    >>> w.days
    60
    """
    check_transactions(tx)
    _check_window_args(percentile, round_to, min_days, max_days)
    as_of = resolve_as_of(tx, as_of)
    q, n_gaps, n_rep = gap_percentiles(tx, as_of=as_of, percentile=percentile)
    return _window_from_percentiles(
        q,
        n_gaps,
        n_rep,
        percentile=percentile,
        round_to=round_to,
        min_days=min_days,
        max_days=max_days,
    )


# --------------------------------------------------------------------------- lifetimes


def customer_lifetimes(
    tx: pd.DataFrame,
    *,
    as_of=None,
    inactivity_days: int | None = None,
    tier_thresholds: tuple[float, float] = (0.01, 0.20),
) -> pd.DataFrame:
    """One lifetime per customer, with churn flag and right-censoring done correctly.

    Parameters
    ----------
    tx : DataFrame
        Canonical transactions.
    as_of : date-like, optional
        Analysis date; lines after it are ignored and counted. Default: last date in ``tx``.
    inactivity_days : int, optional
        The inactivity window W. Default: :func:`suggest_inactivity_window` on the
        same data (its evidence is in ``attrs["inactivity_window"]``).
    tier_thresholds : (float, float)
        ``(key, major)`` shares of the customer pyramid passed to
        :func:`kamresearch.pareto.customer_tiers` (default 1% key, 20% key + major).

    Returns
    -------
    DataFrame
        Indexed by ``customer_id`` (sorted); customers with a purchase up to ``as_of``:

        - ``first_purchase``, ``last_purchase``: first and last purchase day.
        - ``n_purchases``: distinct purchase days.
        - ``revenue``: net revenue up to ``as_of`` (all lines, returns included).
        - ``revenue_12m``: net revenue in the 365 days up to ``as_of``.
        - ``region``: region of most of the customer's net revenue (ties: alphabetical).
        - ``tier``: ``key`` / ``major`` / ``general`` from ``revenue`` (customer pyramid).
        - ``days_since_last``: ``as_of`` - last purchase day.
        - ``median_gap_days``, ``longest_gap_days``: median and longest gap between
          consecutive purchase days (NaN with a single purchase day).
        - ``n_reactivations``: gaps longer than W (the customer would have been
          called churned, then came back).
        - ``churned`` (bool): no purchase in the W days up to ``as_of``.
        - ``observable`` (bool): first purchase <= ``as_of`` - W.
        - ``duration_days`` (float): the lifetime for survival analysis (below); NaN
          when not observable.
        - ``frequency``: repeat purchase days (``n_purchases`` - 1).
        - ``recency``: last - first purchase day, in days.
        - ``T``: ``as_of`` - first purchase day, in days.
        - ``monetary_value``: mean net revenue of the repeat purchase days (0 when
          ``frequency`` is 0).
        - one column per mapped attribute (``segment`` ...): its value on the
          customer's latest line.

        ``attrs``: ``as_of``, ``inactivity_days``, ``inactivity_window``
        (:class:`InactivityWindow` or None when given), ``lines_after_as_of``,
        ``customers_without_purchase`` (lines but no positive line: left out), ``n_customers``,
        ``n_observable``, ``n_not_observable``, ``n_churned``, ``convention``.

    Raises
    ------
    ConfigError
        For ``inactivity_days`` < 1.
    DataError
        When no line is left up to ``as_of``.

    Notes
    -----
    The censoring convention (:data:`CENSORING_CONVENTION`): with
    ``cut = as_of - W``,

    - churned (``last_purchase <= cut``): ``duration_days = last - first``, event;
    - active (``last_purchase > cut``): ``duration_days = cut - first``, censored;
    - ``first_purchase > cut``: not observable, ``duration_days`` NaN.

    Censoring an active customer at ``cut`` is unbiased when every live customer
    buys at least once per W days: then "churned by ``cut``" is exactly
    "active lifetime <= ``cut - first``". Censoring at ``as_of`` or at the last
    purchase credits active customers with survival they have not shown yet.

    The RFM columns follow ``lifetimes.utils.summary_data_from_transaction_data``
    at daily frequency applied to the lines of the purchase days (all lines of a
    day with at least one positive line, so same-day returns are netted; days with
    returns only are not purchases): ``frequency = n_purchases - 1``,
    ``recency = last - first``, ``T = as_of - first``, ``monetary_value`` = mean
    over the repeat purchase days of the day's net revenue.

    Examples
    --------
    >>> import kamresearch as kam
    >>> lt = kam.churn.customer_lifetimes(kam.load_sample(), inactivity_days=180)
    >>> int(lt["observable"].sum()) < len(lt)
    True
    """
    check_transactions(tx)
    key, major = _tier_thresholds(tier_thresholds)
    as_of = resolve_as_of(tx, as_of)
    if inactivity_days is not None:
        ok = isinstance(inactivity_days, numbers.Real) and not isinstance(inactivity_days, bool)
        if not (ok and np.isfinite(inactivity_days) and float(inactivity_days).is_integer()):
            raise ConfigError(
                f"inactivity_days must be a whole number of days, got {inactivity_days!r}"
            )
        if inactivity_days < 1:
            raise ConfigError(
                f"inactivity_days must be a positive number of days, got {inactivity_days!r}"
            )
    attrs = attribute_columns(tx)
    window = None
    if inactivity_days is None:

        def suggest(q, n_gaps, n_rep):
            nonlocal window
            window = _window_from_percentiles(
                q, n_gaps, n_rep, percentile=0.9, round_to=30, min_days=30, max_days=730
            )
            logger.info("churn: inactivity window %s days (%s)", window.days, window.rule)
            return window.days

        inactivity_days = suggest
    got = purchase_facts(tx, as_of=as_of, inactivity_days=inactivity_days, percentile=0.9)
    facts, n_without, n_after = (
        got["facts"],
        got["customers_without_purchase"],
        got["lines_after_as_of"],
    )
    w = got["inactivity_days"]
    if len(facts) == 0 and n_without == 0:
        raise DataError(
            f"no transactions up to as_of={as_of.date()}", fix="check as_of and the data window"
        )

    out = facts
    cut = as_of - pd.Timedelta(days=w)
    first, last = out["first_purchase"], out["last_purchase"]
    out["tier"] = customer_tiers(out["revenue"], key=key, major=major)
    out["days_since_last"] = (as_of - last).dt.days.astype("int64")
    out["churned"] = (last <= cut).to_numpy()
    out["observable"] = (first <= cut).to_numpy()
    dur = np.where(out["churned"], (last - first).dt.days, (cut - first).dt.days).astype(float)
    out["duration_days"] = np.where(out["observable"], dur, np.nan)
    out["frequency"] = out["n_purchases"] - 1
    out["recency"] = (last - first).dt.days.astype("int64")
    out["T"] = (as_of - first).dt.days.astype("int64")
    rep = out.pop("repeat_revenue")
    out["monetary_value"] = np.where(
        out["frequency"] > 0, rep / out["frequency"].where(out["frequency"] > 0, 1), 0.0
    )
    cols = [*LIFETIME_COLUMNS, *attrs]
    out = out[cols]
    out.attrs = {
        "as_of": as_of,
        "inactivity_days": w,
        "inactivity_window": window,
        "lines_after_as_of": n_after,
        "customers_without_purchase": n_without,
        "n_customers": len(out),
        "n_observable": int(out["observable"].sum()),
        "n_not_observable": int((~out["observable"]).sum()),
        "n_churned": int((out["churned"] & out["observable"]).sum()),
        "tier_thresholds": (key, major),
        "convention": CENSORING_CONVENTION,
    }
    if n_after:
        logger.info("churn: %d lines after as_of=%s ignored", n_after, as_of.date())
    return out


def _tier_thresholds(tier_thresholds) -> tuple[float, float]:
    try:
        key, major = (float(v) for v in tier_thresholds)
    except (TypeError, ValueError) as exc:
        raise ConfigError(
            f"tier_thresholds must be a pair (key, major) of shares, got {tier_thresholds!r}"
        ) from exc
    if not 0 < key <= major <= 1:
        raise ConfigError(
            f"tier_thresholds must satisfy 0 < key <= major <= 1, got {tier_thresholds!r}"
        )
    return key, major


def _require(lifetimes, columns, where):
    if not isinstance(lifetimes, pd.DataFrame):
        raise DataError(
            f"{where} needs the DataFrame returned by customer_lifetimes, got "
            f"{type(lifetimes).__name__}",
            fix="call kamresearch.churn.customer_lifetimes(tx) first",
        )
    missing = [c for c in columns if c not in lifetimes.columns]
    if missing:
        raise DataError(
            f"{where}: lifetimes lacks column(s) {missing}",
            column=missing[0],
            fix="pass the DataFrame returned by kamresearch.churn.customer_lifetimes",
        )


def _observable(lifetimes: pd.DataFrame) -> pd.DataFrame:
    obs = lifetimes[lifetimes["observable"].astype(bool)]
    return obs.assign(event=obs["churned"].astype(bool))


def _group_labels(values: pd.Series, by: str) -> list:
    present = list(pd.unique(values))
    if by in ("tier", "entry_tier") and set(present) <= set(_TIER_ORDER):
        return [t for t in _TIER_ORDER if t in present]
    try:
        return sorted(present)
    except TypeError:  # mixed types
        return sorted(present, key=str)


def _check_by(lifetimes, by):
    if by is not None and by not in lifetimes.columns:
        raise ConfigError(
            f"by={by!r} is not a column of lifetimes; columns: {list(lifetimes.columns)}"
        )


# --------------------------------------------------------------------------- early warning


def at_risk_accounts(
    tx: pd.DataFrame,
    *,
    as_of=None,
    tiers=("key", "major"),
    inactivity_days: int | None = None,
    gap_multiple: float = 2.0,
    tier_quantile: float = 0.75,
    tier_thresholds: tuple[float, float] = (0.01, 0.20),
) -> pd.DataFrame:
    """Live accounts of the top tiers that are late against their own buying rhythm.

    Parameters
    ----------
    tx : DataFrame
        Canonical transactions.
    as_of, inactivity_days, tier_thresholds
        As in :func:`customer_lifetimes`.
    tiers : sequence of str
        Tiers to watch (``"key"``, ``"major"``, ``"general"``).
    gap_multiple : float
        An account is late when its days since the last purchase exceed this
        multiple of its own median gap ...
    tier_quantile : float
        ... and exceed this quantile of the days since the last purchase among the
        live accounts of its tier.

    Returns
    -------
    DataFrame
        The early-warning list, sorted by ``revenue_12m`` (revenue at stake)
        descending, then ``revenue``: ``customer_id``, ``region``, ``tier``,
        ``last_purchase``, ``days_since_last``, ``median_gap_days``,
        ``threshold_days`` (the larger of the two bars below), ``revenue_12m``
        (net revenue of the 365 days up to ``as_of``), ``revenue`` (all time).
        ``attrs``: ``as_of``, ``inactivity_days``, ``n_live_watched`` (live accounts
        of the tiers), ``n_without_rhythm`` (single purchase day, not assessable).

    Raises
    ------
    ConfigError
        Unknown tier, ``gap_multiple`` <= 0 or ``tier_quantile`` outside [0, 1].

    Notes
    -----
    Live means not churned (a purchase in the ``inactivity_days`` up to ``as_of``).
    For a live account ``i`` of tier ``k`` with median gap ``m_i``:
    ``threshold_i = max(gap_multiple * m_i, Q_k)`` where ``Q_k`` is the
    ``tier_quantile`` (linear interpolation) of ``days_since_last`` over all live
    accounts of tier ``k``; the account is listed when ``days_since_last_i >
    threshold_i``. Accounts with a single purchase day have no rhythm yet and are
    not listed.

    Examples
    --------
    >>> import kamresearch as kam
    >>> risk = kam.churn.at_risk_accounts(kam.load_sample(), inactivity_days=180)
    >>> set(risk["tier"]) <= {"key", "major"}
    True
    """
    tiers = [tiers] if isinstance(tiers, str) else list(tiers)
    unknown = [t for t in tiers if t not in _TIER_ORDER]
    if unknown or not tiers:
        raise ConfigError(f"tiers must be among {list(_TIER_ORDER)}, got {tiers!r}")
    if not gap_multiple > 0 or not 0 <= tier_quantile <= 1:
        raise ConfigError(
            f"need gap_multiple > 0 and 0 <= tier_quantile <= 1, got "
            f"{gap_multiple}, {tier_quantile}"
        )
    lt = customer_lifetimes(
        tx, as_of=as_of, inactivity_days=inactivity_days, tier_thresholds=tier_thresholds
    )
    live = lt[~lt["churned"] & lt["tier"].isin(tiers)]
    q = live.groupby("tier")["days_since_last"].quantile(tier_quantile)
    thr = np.maximum(gap_multiple * live["median_gap_days"], live["tier"].map(q).astype(float))
    late = live.assign(threshold_days=thr)
    late = late[
        late["median_gap_days"].notna() & (late["days_since_last"] > late["threshold_days"])
    ]
    cols = list(AT_RISK_COLUMNS)
    out = (
        late.reset_index()
        .sort_values(
            ["revenue_12m", "revenue", "customer_id"], ascending=[False, False, True], kind="stable"
        )[cols]
        .reset_index(drop=True)
    )
    out.attrs = {
        "as_of": lt.attrs["as_of"],
        "inactivity_days": lt.attrs["inactivity_days"],
        "n_live_watched": len(live),
        "n_without_rhythm": int(live["median_gap_days"].isna().sum()),
    }
    return out
