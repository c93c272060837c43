"""Kaplan–Meier survival curves and log-rank tests by group (part of :mod:`kamresearch.churn`).

Both read the table of :func:`kamresearch.churn.customer_lifetimes`; they are
re-exported there, so ``kam.churn.survival_curves`` is the way to call them.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..errors import ConfigError, InsufficientDataWarning
from .landmark import landmark, resolve_landmark
from .lifetimes import (
    _LIFETIME_COLUMNS,
    COMPARE_COLUMNS,
    KM_COLUMNS,
    MIN_EVENTS,
    MIN_OBSERVABLE,
    SUMMARY_COLUMNS,
    _check_by,
    _group_labels,
    _observable,
    _require,
)

__all__ = ["SurvivalCurves", "survival_curves", "compare_groups"]

# --------------------------------------------------------------------------- Kaplan–Meier


@dataclass
class SurvivalCurves:
    """Kaplan–Meier estimates per group (the output of :func:`survival_curves`).

    Attributes
    ----------
    table : DataFrame
        The curves, long format: ``group``, ``timeline`` (days), ``survival``,
        ``ci_low``, ``ci_high`` (pointwise confidence band), ``at_risk`` (customers
        still at risk just before ``timeline``), ``events`` (churns at ``timeline``),
        ``censored`` (censored at ``timeline``). Groups with insufficient data have no rows.
    summary : DataFrame
        One row per group (index ``group``): ``n`` (customers), ``n_observable``,
        ``events``, ``censored``, ``median_lifetime_days``, ``median_ci_low``,
        ``median_ci_high``, ``survival_1y``, ``survival_2y``, ``survival_3y``,
        ``rmst_days`` (restricted mean lifetime up to ``horizon_days``),
        ``max_followup_days``, ``status`` (``"ok"`` / ``"insufficient data"``), ``reason``.
    fitters : dict
        Group -> fitted ``lifelines.KaplanMeierFitter`` (groups with status ``"ok"``).
    by : str or None
        The grouping column (None: all customers, group ``"All"``).
    horizon_days : float
    alpha : float
        1 - confidence level of the bands.
    landmark_days : float or None
        The landmark the clock starts at (days after the first purchase), None
        for survival from the first purchase.
    """

    table: pd.DataFrame
    summary: pd.DataFrame
    fitters: dict
    by: str | None
    horizon_days: float
    alpha: float
    landmark_days: float | None = None

    def __repr__(self) -> str:
        ok = self.summary.index[self.summary["status"] == "ok"].tolist()
        return (f"SurvivalCurves(by={self.by!r}, groups={self.summary.index.tolist()}, "
                f"ok={ok}, horizon_days={self.horizon_days:g}, alpha={self.alpha:g})")  # fmt: skip

    def _repr_html_(self) -> str:  # notebooks show the summary table
        return self.summary._repr_html_()


def survival_curves(
    lifetimes: pd.DataFrame,
    *,
    by: str | None = None,
    horizon_days: float = 730,
    alpha: float = 0.05,
    landmark_days: float | None = None,
) -> SurvivalCurves:
    """Kaplan–Meier survival of customer lifetimes, overall or per group.

    Parameters
    ----------
    lifetimes : DataFrame
        Output of :func:`customer_lifetimes`; only observable customers are used.
    by : str, optional
        Column to group by (``"tier"``, ``"region"``, ``"segment"`` ...).
    horizon_days : float
        Horizon of the restricted mean lifetime (RMST).
    alpha : float
        1 - confidence level of the bands and of the median's interval.
    landmark_days : float, optional
        Start the clock this many days after the first purchase, among the
        accounts still alive then (:func:`kamresearch.churn.landmark`). Default:
        none, except with ``by="entry_tier"`` (from
        :func:`kamresearch.churn.add_entry_tier`), where it is the entry window
        (365 days), so that early churners do not sink their own entry tier.

    Returns
    -------
    SurvivalCurves
        ``table`` (the curves with at-risk / event / censored counts), ``summary``
        (one row per group; columns listed in :class:`SurvivalCurves`) and ``fitters``.

    Raises
    ------
    ConfigError
        When ``by`` is not a column or ``alpha`` / ``horizon_days`` are out of range.
    DataError
        When ``lifetimes`` is not a table from :func:`customer_lifetimes`.

    Notes
    -----
    Kaplan–Meier ``S(t) = prod_{t_i <= t} (1 - d_i / n_i)`` with Greenwood's
    exponential (log-log) confidence band, by ``lifelines.KaplanMeierFitter``.
    ``median_lifetime_days`` is the first ``t`` with ``S(t) <= 0.5`` (NaN when the
    curve stays above 0.5), its interval is where the band crosses 0.5.
    ``survival_1y/2y/3y`` are ``S(365)``, ``S(730)``, ``S(1095)``, and
    ``rmst_days = integral_0^horizon S(t) dt``; each is NaN beyond the group's
    longest follow-up (unless the curve has reached 0 by then). A group with fewer than :data:`MIN_OBSERVABLE` observable
    customers or fewer than :data:`MIN_EVENTS` churn events gets status
    ``"insufficient data"`` (NaN estimates, an :class:`InsufficientDataWarning`).

    Examples
    --------
    >>> import kamresearch as kam
    >>> lt = kam.churn.customer_lifetimes(kam.load_sample(), inactivity_days=180)
    >>> kam.churn.survival_curves(lt, by="tier").summary["status"].tolist()
    ['ok', 'ok', 'ok']
    """
    from lifelines import KaplanMeierFitter
    from lifelines.utils import median_survival_times, restricted_mean_survival_time

    _require(lifetimes, _LIFETIME_COLUMNS, "survival_curves")
    _check_by(lifetimes, by)
    landmark_days = resolve_landmark(lifetimes, [by] if by else [], landmark_days)
    if landmark_days is not None:
        lifetimes = landmark(lifetimes, days=landmark_days)
    if not 0 < alpha < 1 or not horizon_days > 0:
        raise ConfigError(
            f"need 0 < alpha < 1 and horizon_days > 0, got alpha={alpha}, "
            f"horizon_days={horizon_days}"
        )
    groups = (
        lifetimes[by].astype(object).where(lifetimes[by].notna(), "(missing)")
        if by
        else pd.Series("All", index=lifetimes.index)
    )
    obs_mask = lifetimes["observable"].astype(bool).to_numpy()
    event_all = lifetimes["churned"].astype(bool).to_numpy()
    dur_all = lifetimes["duration_days"].to_numpy(dtype=float)
    rows, tables, fitters, short = [], [], {}, []
    for g in _group_labels(groups, by):
        in_g = (groups == g).to_numpy()
        sel = in_g & obs_mask
        d, e = dur_all[sel], event_all[sel]
        n_obs, n_ev = int(sel.sum()), int(e.sum())
        row = {
            "group": g,
            "n": int(in_g.sum()),
            "n_observable": n_obs,
            "events": n_ev,
            "censored": n_obs - n_ev,
        }
        nan = dict.fromkeys(SUMMARY_COLUMNS[4:-2], np.nan)
        if n_obs < MIN_OBSERVABLE or n_ev < MIN_EVENTS:
            reason = (
                f"{n_obs} observable customers (< {MIN_OBSERVABLE})"
                if n_obs < MIN_OBSERVABLE
                else f"{n_ev} churn events (< {MIN_EVENTS})"
            )
            rows.append(row | nan | {"status": "insufficient data", "reason": reason})
            short.append(f"{g}: {reason}")
            continue
        kmf = KaplanMeierFitter(alpha=alpha).fit(d, event_observed=e, label=str(g))
        fitters[g] = kmf
        follow = float(d.max())
        ci = kmf.confidence_interval_survival_function_
        med_ci = median_survival_times(ci)
        # beyond the longest follow-up S(t) is unknown, unless the curve already reached 0
        reached_0 = float(kmf.survival_function_.iloc[-1, 0]) == 0.0
        s_at = {
            t: (
                float(kmf.survival_function_at_times(t).iloc[0])
                if t <= follow or reached_0
                else np.nan
            )
            for t in (365, 730, 1095)
        }
        rmst = (
            float(restricted_mean_survival_time(kmf, t=horizon_days))
            if horizon_days <= follow or reached_0
            else np.nan
        )
        row |= {
            "median_lifetime_days": _finite(kmf.median_survival_time_),
            "median_ci_low": _finite(med_ci.iloc[0, 0]),
            "median_ci_high": _finite(med_ci.iloc[0, 1]),
            "survival_1y": s_at[365],
            "survival_2y": s_at[730],
            "survival_3y": s_at[1095],
            "rmst_days": rmst,
            "max_followup_days": follow,
            "status": "ok",
            "reason": "",
        }
        rows.append(row)
        et = kmf.event_table
        tables.append(
            pd.DataFrame(
                {
                    "group": g,
                    "timeline": et.index.to_numpy(dtype=float),
                    "survival": kmf.survival_function_.iloc[:, 0].to_numpy(),
                    "ci_low": ci.iloc[:, 0].to_numpy(),
                    "ci_high": ci.iloc[:, 1].to_numpy(),
                    "at_risk": et["at_risk"].to_numpy(dtype="int64"),
                    "events": et["observed"].to_numpy(dtype="int64"),
                    "censored": et["censored"].to_numpy(dtype="int64"),
                }
            )
        )
    if short:
        warnings.warn(
            "survival_curves: insufficient data for " + "; ".join(short),
            InsufficientDataWarning,
            stacklevel=2,
        )
    cols = list(KM_COLUMNS)
    table = (
        pd.concat(tables, ignore_index=True)
        if tables
        else pd.DataFrame({c: pd.Series(dtype=float) for c in cols})
    )
    summary = pd.DataFrame(rows, columns=["group", *SUMMARY_COLUMNS]).set_index("group")
    return SurvivalCurves(
        table=table[cols],
        summary=summary,
        fitters=fitters,
        by=by,
        horizon_days=float(horizon_days),
        alpha=float(alpha),
        landmark_days=landmark_days,
    )


def _finite(x) -> float:
    x = float(x)
    return x if np.isfinite(x) else np.nan


def compare_groups(lifetimes: pd.DataFrame, *, by: str) -> pd.DataFrame:
    """Log-rank tests of equal survival between groups: all groups at once, then pairwise.

    Parameters
    ----------
    lifetimes : DataFrame
        Output of :func:`customer_lifetimes`; only observable customers are used.
    by : str
        The grouping column.

    Returns
    -------
    DataFrame
        First row the multivariate test (``test = "multivariate"``, ``group_a =
        "all"``), then one row per pair of groups (``test = "pairwise"``).
        Columns: ``test``, ``group_a``, ``group_b``, ``n_a``, ``n_b`` (observable
        customers; ``n_a`` is the total for the multivariate row), ``statistic``
        (chi-squared), ``df``, ``p``, ``p_bonferroni`` (p times the number of pairs,
        capped at 1; equal to ``p`` on the multivariate row), ``status``.

    Raises
    ------
    ConfigError
        When ``by`` is not a column.

    Notes
    -----
    ``lifelines.statistics.multivariate_logrank_test`` (chi-squared with
    k - 1 degrees of freedom for k groups) and ``pairwise_logrank_test``. With a
    single group, or no churn event, there is nothing to test: one row with
    status ``"insufficient data"`` and NaN statistics.

    Examples
    --------
    >>> import kamresearch as kam
    >>> lt = kam.churn.customer_lifetimes(kam.load_sample(), inactivity_days=180)
    >>> res = kam.churn.compare_groups(lt, by="tier")
    >>> res[["group_a", "group_b"]].values.tolist()
    [['all', ''], ['key', 'major'], ['key', 'general'], ['major', 'general']]
    """
    from lifelines.statistics import logrank_test, multivariate_logrank_test

    _require(lifetimes, _LIFETIME_COLUMNS, "compare_groups")
    _check_by(lifetimes, by)
    obs = _observable(lifetimes)
    g = obs[by].astype(object).where(obs[by].notna(), "(missing)")
    labels = _group_labels(g, by)
    n = {lab: int((g == lab).sum()) for lab in labels}
    nan3 = (np.nan, np.nan, np.nan)
    if len(labels) < 2 or obs["event"].sum() == 0:
        why = "one group" if len(labels) < 2 else "no churn event"
        row = ("multivariate", "all", "", len(obs), 0, np.nan, *nan3, f"insufficient data: {why}")
        return pd.DataFrame([row], columns=list(COMPARE_COLUMNS))
    mv = multivariate_logrank_test(obs["duration_days"], g, obs["event"])
    p_mv = float(mv.p_value)
    rows = [("multivariate", "all", "", len(obs), 0, float(mv.test_statistic),
             int(mv.degrees_of_freedom), p_mv, p_mv, "ok")]  # fmt: skip
    n_pairs = len(labels) * (len(labels) - 1) // 2
    for i, a in enumerate(labels):
        for b in labels[i + 1 :]:
            da, db = obs.loc[(g == a).to_numpy()], obs.loc[(g == b).to_numpy()]
            head = ("pairwise", a, b, n[a], n[b])
            if da["event"].sum() + db["event"].sum() == 0:
                rows.append((*head, np.nan, 1, np.nan, np.nan, "insufficient data: no churn event"))
                continue
            r = logrank_test(da["duration_days"], db["duration_days"], da["event"], db["event"])
            p = float(r.p_value)
            rows.append((*head, float(r.test_statistic), 1, p, min(1.0, p * n_pairs), "ok"))
    return pd.DataFrame(rows, columns=list(COMPARE_COLUMNS))
