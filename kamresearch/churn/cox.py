"""Cox proportional hazards for :mod:`kamresearch.churn` (re-exported there).

:func:`fit_cox` one-hot encodes categorical covariates against a stated
baseline and fits lifelines' ``CoxPHFitter``; :func:`hazard_ratio_table` turns
the fit and the proportional-hazards check into data a script can read.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..errors import ConfigError, DataError
from .landmark import landmark, resolve_landmark
from .lifetimes import (
    _LIFETIME_COLUMNS,
    HR_COLUMNS,
    MIN_EVENTS,
    MIN_OBSERVABLE,
    _observable,
    _require,
)

__all__ = ["fit_cox", "hazard_ratio_table"]


def _design(obs: pd.DataFrame, covariates, baseline: dict):
    """One-hot design matrix against the baselines; returns (X, column map, baselines)."""
    cols, colmap, used = {}, {}, {}
    for cov in covariates:
        s = obs[cov]
        if pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s):
            bad = ~np.isfinite(s.to_numpy(dtype=float))
            if bad.any():
                raise DataError(
                    f"numeric covariate {cov!r} is missing or infinite for {int(bad.sum())} "
                    f"of {len(s)} observable customers",
                    column=cov,
                    rows=list(zip(s.index[bad][:5], s.to_numpy()[bad][:5], strict=True)),
                    fix=f"fill or drop those customers, or pass {cov!r} as text so that "
                    "missing values become their own level",
                )
            cols[cov] = s.astype(float)
            colmap[cov] = (cov, "per unit", "")
            continue
        s = s.astype(object).where(s.notna(), "(missing)")
        counts = s.value_counts()
        if cov in baseline:
            base = baseline[cov]
            if base not in counts.index:
                raise ConfigError(
                    f"baseline {base!r} of {cov!r} is not among its observable "
                    f"levels {sorted(counts.index, key=str)}"
                )
        else:  # the most frequent level, ties alphabetically first
            top = counts[counts == counts.max()].index
            base = sorted(top, key=str)[0]
        used[cov] = base
        for lev in sorted(counts.index, key=str):
            if lev == base:
                continue
            name = f"{cov}={lev}"
            cols[name] = (s == lev).astype(float)
            colmap[name] = (cov, lev, base)
    return pd.DataFrame(cols, index=obs.index), colmap, used


def fit_cox(
    lifetimes: pd.DataFrame,
    *,
    covariates=("tier", "region"),
    baseline: dict | None = None,
    strata=None,
    penalizer: float = 0.0,
    batch_mode: bool | None = True,
    landmark_days: float | None = None,
):
    """Cox proportional-hazards model of the customer lifetimes (lifelines ``CoxPHFitter``).

    Parameters
    ----------
    lifetimes : DataFrame
        Output of :func:`customer_lifetimes`; only observable customers are used.
    covariates : sequence of str
        Columns of ``lifetimes``. Text / categorical / bool columns are one-hot
        encoded against a baseline level; numeric columns enter as they are.
    baseline : dict, optional
        Covariate -> baseline level. Default per covariate: its most frequent
        observable level (ties: alphabetically first).
    strata : sequence of str, optional
        Columns to stratify on (a separate baseline hazard per level, no ratio).
    penalizer : float
        Ridge penalty passed to ``CoxPHFitter`` (0 = plain partial likelihood).
    batch_mode : bool or None
        Passed to ``CoxPHFitter.fit``; ``True`` (default) suits lifetimes in whole
        days, whose many ties make lifelines' batch computation much faster.
    landmark_days : float, optional
        Fit on the accounts still alive this many days after their first purchase,
        with the clock started there (:func:`kamresearch.churn.landmark`). Default:
        none, except when ``entry_tier`` (from :func:`kamresearch.churn.add_entry_tier`)
        is a covariate: then the entry window (365 days), a landmark analysis in
        which early churners cannot sink their own entry tier.

    Returns
    -------
    lifelines.CoxPHFitter
        Fitted; dummy columns are named ``"covariate=level"``. Extra attributes:
        ``kam_baselines_`` (covariate -> baseline level), ``kam_columns_``
        (model column -> (covariate, level, baseline)), ``kam_design_`` (the
        training frame, for :func:`hazard_ratio_table`'s PH test),
        ``kam_n_not_observable_``.

    Raises
    ------
    ConfigError
        Unknown covariate or baseline level.
    DataError
        Fewer than :data:`MIN_OBSERVABLE` observable customers or
        :data:`MIN_EVENTS` churn events, or the fit does not converge (lifelines'
        ``ConvergenceError``, e.g. two covariates carrying the same information).

    Notes
    -----
    ``h(t | x) = h0(t) exp(beta' x)`` by partial likelihood (Efron ties); the
    hazard ratio of a level is ``exp(beta)`` against its baseline level.

    Examples
    --------
    >>> import kamresearch as kam
    >>> lt = kam.churn.customer_lifetimes(kam.load_sample(), inactivity_days=180)
    >>> cph = kam.churn.fit_cox(lt, covariates=["tier", "segment"],
    ...                         baseline={"segment": "manufacturer"})
    >>> cph.kam_baselines_
    {'tier': 'general', 'segment': 'manufacturer'}
    >>> bool(cph.hazard_ratios_["tier=key"] < 1)
    True
    """
    from lifelines import CoxPHFitter
    from lifelines.exceptions import ConvergenceError

    covariates = [covariates] if isinstance(covariates, str) else list(covariates)
    strata = [strata] if isinstance(strata, str) else list(strata or [])
    _require(lifetimes, _LIFETIME_COLUMNS, "fit_cox")
    bad = [c for c in (*covariates, *strata) if c not in lifetimes.columns]
    if bad or not covariates:
        raise ConfigError(
            f"covariates/strata {bad or covariates} must be columns of lifetimes; "
            f"columns: {list(lifetimes.columns)}"
        )
    landmark_days = resolve_landmark(lifetimes, [*covariates, *strata], landmark_days)
    if landmark_days is not None:
        lifetimes = landmark(lifetimes, days=landmark_days)
    obs = _observable(lifetimes)
    n_ev = int(obs["event"].sum())
    if len(obs) < MIN_OBSERVABLE or n_ev < MIN_EVENTS:
        raise DataError(
            f"fit_cox: insufficient data, {len(obs)} observable customers and "
            f"{n_ev} churn events (need {MIN_OBSERVABLE} and {MIN_EVENTS})",
            fix="use a longer history, a shorter inactivity window or fewer groups",
        )
    X, colmap, used = _design(obs, covariates, dict(baseline or {}))
    frame = X.assign(
        duration_days=obs["duration_days"].astype(float), event=obs["event"].astype(int)
    )
    for s in strata:
        frame[s] = obs[s].astype(object).where(obs[s].notna(), "(missing)")
    cph = CoxPHFitter(penalizer=penalizer)
    try:
        cph.fit(frame, duration_col="duration_days", event_col="event",
                strata=strata or None, batch_mode=batch_mode)  # fmt: skip
    except ConvergenceError as exc:
        raise DataError(
            f"fit_cox: the Cox model did not converge with covariates {covariates} "
            f"({str(exc).splitlines()[0]})",
            fix="drop a covariate that duplicates another, merge rare levels, or pass "
            "penalizer=0.1",
        ) from exc
    cph.kam_baselines_ = used
    cph.kam_columns_ = colmap
    cph.kam_design_ = frame
    cph.kam_n_not_observable_ = int(len(lifetimes) - len(obs))
    cph.kam_landmark_days_ = landmark_days
    return cph


def hazard_ratio_table(
    model,
    *,
    covariates=("tier", "region"),
    baseline: dict | None = None,
    ph_test: bool = True,
    ph_alpha: float = 0.05,
) -> pd.DataFrame:
    """Hazard ratios with confidence intervals, p-values and the proportional-hazards check.

    Parameters
    ----------
    model : CoxPHFitter or DataFrame
        A model from :func:`fit_cox`, or lifetimes from :func:`customer_lifetimes`
        (then ``fit_cox(model, covariates=covariates, baseline=baseline)`` is fitted).
    covariates, baseline
        Used only when ``model`` is a DataFrame.
    ph_test : bool
        Run the proportional-hazards test (scaled Schoenfeld residuals).
    ph_alpha : float
        A row fails the check (``ph_ok`` False) when ``ph_p < ph_alpha``.

    Returns
    -------
    DataFrame
        One row per model column: ``covariate``, ``level``, ``baseline``
        (the reference level; ``""`` for a numeric covariate, whose level is
        ``"per unit"``), ``hr`` (hazard ratio ``exp(beta)``), ``hr_low``, ``hr_high``
        (confidence interval at lifelines' ``alpha``), ``p`` (Wald test of hr = 1),
        ``ph_p`` (p-value of the proportional-hazards test, NaN when not run),
        ``ph_ok`` (nullable boolean: ``ph_p >= ph_alpha``, NA when the test was not
        run), ``n`` and ``events`` (customers and churn events in the level; all of
        them for a numeric covariate; NA for a model not made by :func:`fit_cox`) and
        ``status``: ``"ok"``, or why the row has no estimate (NaN ``hr``, CI and ``p``)
        -- no churn event in the level or in its baseline, where the hazard ratio is
        not estimable (lifelines would report a meaningless 1e-8 with CI 0 to inf).
        ``attrs["ph_failed"]`` lists the model columns that fail.

    Notes
    -----
    ``lifelines.statistics.proportional_hazard_test(cph, training_df,
    time_transform="rank")``: a chi-squared (1 df) test per column of the
    correlation between the scaled Schoenfeld residuals and the rank of the event
    times. A small p means the hazard ratio changes with time; the reported ratio
    is then an average over the follow-up. Nothing is printed or plotted.

    Examples
    --------
    >>> import kamresearch as kam
    >>> lt = kam.churn.customer_lifetimes(kam.load_sample(), inactivity_days=180)
    >>> tab = kam.churn.hazard_ratio_table(lt, covariates=["region"])
    >>> tab["baseline"].unique().tolist()
    ['North']
    """
    from lifelines.statistics import proportional_hazard_test

    cph = model
    if isinstance(model, pd.DataFrame):
        cph = fit_cox(model, covariates=covariates, baseline=baseline)
    if not hasattr(cph, "params_"):
        raise ConfigError(
            f"model must be a fitted CoxPHFitter (from fit_cox) or lifetimes, got "
            f"{type(model).__name__}"
        )
    summ = cph.summary
    colmap = getattr(cph, "kam_columns_", {})
    ph = pd.Series(np.nan, index=summ.index)
    if ph_test:
        design = getattr(cph, "kam_design_", None)
        if design is None:
            raise ConfigError(
                "the PH test needs a model from fit_cox (its training frame); "
                "pass ph_test=False for other models"
            )
        res = proportional_hazard_test(cph, design, time_transform="rank")
        ph = res.summary["p"].reindex(summ.index)
    lo = [c for c in summ.columns if c.startswith("exp(coef) lower")][0]
    hi = [c for c in summ.columns if c.startswith("exp(coef) upper")][0]
    rows = []
    for name in summ.index:
        cov, lev, base = colmap.get(name, (name, "per unit", ""))
        rows.append(
            [
                cov,
                lev,
                base,
                summ.at[name, "exp(coef)"],
                summ.at[name, lo],
                summ.at[name, hi],
                summ.at[name, "p"],
                ph[name],
            ]
        )
    out = pd.DataFrame(rows, columns=list(HR_COLUMNS[:8]))
    # NA (not True) when the test was not run: "passed" would claim a test that never ran
    out["ph_ok"] = pd.array(
        [pd.NA if np.isnan(p) else bool(p >= ph_alpha) for p in out["ph_p"]], dtype="boolean"
    )
    out.attrs["ph_failed"] = [n for n, p in ph.items() if p < ph_alpha]
    return _event_counts(out, summ.index, colmap, getattr(cph, "kam_design_", None))


def _event_counts(out, names, colmap, design):
    """Customers and churn events per level; no HR where a level or its baseline has no event.

    With no event in a level (or in its baseline) the partial likelihood has no finite
    maximum: lifelines stops at a huge or tiny HR (1e-8, CI 0 to inf) that is not an
    estimate, so those rows get NaN estimates and a ``status`` saying why.
    """
    n = np.full(len(out), np.nan)
    events = np.full(len(out), np.nan)
    status = np.array(["ok"] * len(out), dtype=object)
    if design is not None:
        ev = design["event"].to_numpy(bool)
        for i, name in enumerate(names):
            cov, lev, base = colmap.get(name, (name, "per unit", ""))
            if lev == "per unit":  # numeric covariate: every customer
                n[i], events[i] = len(ev), ev.sum()
                continue
            mine = design[name].to_numpy() == 1
            siblings = [c for c, m in colmap.items() if m[0] == cov]
            in_base = ~design[siblings].to_numpy().any(axis=1)
            n[i], events[i] = mine.sum(), ev[mine].sum()
            if events[i] == 0:
                status[i] = "no churn events in this level"
            elif ev[in_base].sum() == 0:
                status[i] = f"no churn events in the baseline {base!r}"
    out["n"] = pd.array(n, dtype="Int64")
    out["events"] = pd.array(events, dtype="Int64")
    out["status"] = status
    bad = out["status"] != "ok"
    out.loc[bad, ["hr", "hr_low", "hr_high", "p"]] = np.nan
    return out
