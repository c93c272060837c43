"""Which accounts are likely to leave, and how much revenue goes with them.

A discrete-time hazard model (binomial GLM, logit link; statsmodels) on the
customer x period panel of live accounts built by
:func:`kamresearch.engine.panels.churn_panel`, validated out of time, and the
at-risk list it scores: probability of churning within the horizon, revenue at
risk, expected revenue over the next 12 months.
"""

from __future__ import annotations

import logging
import math

import numpy as np
import pandas as pd
import statsmodels.api as sm
from scipy.stats import mannwhitneyu

from ..churn.lifetimes import at_risk_accounts, suggest_inactivity_window
from ..engine.facts import resolve_as_of
from ..engine.panels import churn_panel
from ..errors import ConfigError, DataError
from ..i18n import _
from . import text

__all__ = [
    "ChurnRiskModel",
    "fit_churn_risk",
    "churn_risk",
    "design_matrix",
    "at_risk_rows",
    "auc",
    "calibration_table",
    "RISK_COLUMNS",
    "MIN_EVENTS",
]

logger = logging.getLogger("kamresearch")

#: Fewer churn events than this in the fitting periods -> no model.
#: Rule of thumb of about ten events per coefficient (Peduzzi et al. 1996) for
#: the ~8 core coefficients, rounded down: below it the coefficients are noise.
MIN_EVENTS = 50

#: An indicator (tier, region) needs this many events and non-events among its at-risk
#: rows, else it is merged into the baseline level (``dropped_``): fewer leave its
#: coefficient to separation (infinite in the limit) rather than to the data.
MIN_LEVEL_EVENTS = 10

#: Columns of :func:`churn_risk`, in order.
RISK_COLUMNS = tuple(
    "customer_id region tier churn_probability revenue_12m revenue_at_risk "
    "expected_revenue_12m risk_drivers late_against_rhythm days_since_last".split()
)
_CORE = (
    "tier_key",
    "tier_major",
    "months_since_last",
    "lateness",
    "purchase_frequency",
    "revenue_trend",
    "tenure_years",
)


def auc(score, outcome) -> float:
    """Area under the ROC curve: P(score of a random event > score of a random non-event).

    Computed as the Mann–Whitney U statistic / (n1 n0) (ties count one half); NaN
    unless both outcomes occur.
    """
    s = np.asarray(score, dtype=float)
    y = np.asarray(outcome, dtype=bool)
    n1, n0 = int(y.sum()), int((~y).sum())
    if n1 == 0 or n0 == 0:
        return float("nan")
    u = mannwhitneyu(s[y], s[~y], alternative="two-sided", method="asymptotic").statistic
    return float(u / (n1 * n0))


def calibration_table(predicted, outcome, *, bins: int = 10) -> pd.DataFrame:
    """Predicted against observed event rates by quantile of the prediction.

    Returns
    -------
    DataFrame
        Index ``decile`` (1 = lowest predicted risk; fewer bins when ties force
        it), columns ``n``, ``events``, ``predicted`` (mean predicted
        probability), ``observed`` (event rate).
    """
    p = np.asarray(predicted, dtype=float)
    y = np.asarray(outcome, dtype=float)
    order = np.argsort(p, kind="stable")
    rank = np.empty(len(p))
    rank[order] = np.arange(len(p))
    b = (rank * bins // max(len(p), 1)).astype(int) + 1
    df = pd.DataFrame({"decile": b, "p": p, "y": y})
    out = df.groupby("decile").agg(n=("y", "size"), events=("y", "sum"), predicted=("p", "mean"),
                                   observed=("y", "mean"))  # fmt: skip
    out["events"] = out["events"].astype("int64")
    return out


def _tiers_from_rank(panel: pd.DataFrame, key: float, major: float) -> np.ndarray:
    rank = panel["revenue_rank"].to_numpy(dtype=float, na_value=np.nan)
    n = panel["n_ranked"].to_numpy(dtype=float)
    n_key = np.ceil(key * n - 1e-9)
    n_top = np.ceil(major * n - 1e-9)
    out = np.full(len(panel), "general", dtype=object)
    out[rank <= n_top] = "major"
    out[rank <= n_key] = "key"
    return out


def at_risk_rows(panel: pd.DataFrame, inactivity_days: int, ahead: int = 0) -> np.ndarray:
    """Rows that can churn in their period: silent long enough to reach the window by its end.

    ``days_since_last + period_days * (1 + ahead) >= W``: an account that bought
    recently cannot reach W days without a purchase before the period ends, so
    its churn probability in that period is zero by definition (a structural
    zero); ``ahead`` looks that many periods further on a silent path.
    """
    dsl = panel["days_since_last"].to_numpy(float)
    days = panel["period_days"].to_numpy(float)
    return dsl + days * (1 + ahead) >= inactivity_days


def design_matrix(
    panel: pd.DataFrame,
    *,
    tiers=(0.01, 0.20),
    inactivity_days: int,
    periods_per_year: int = 12,
    recent_periods: int = 3,
    regions=None,
) -> pd.DataFrame:
    """The covariates of the churn-risk model for panel rows (with ``const``).

    Columns: ``const``; ``tier_key``, ``tier_major`` (tier at the period start:
    the customer pyramid of ``revenue_trailing`` among the live accounts that
    period); ``months_since_last`` (``days_since_last`` / 30.4375);
    ``lateness`` (``days_since_last`` over the typical gap
    ``365 / purchase days of the last year`` (over the months observed when
    tenure is shorter), capped at 10 -- the account's own rhythm);
    ``purchase_frequency`` (share of the last year's periods with a purchase);
    ``revenue_trend`` (``(r - e) / (|r| + |e|)`` with ``r`` and ``e`` the mean
    revenue per period of the recent periods and of the earlier ones of the
    last year; 0 without earlier periods: -1 = recent revenue collapsed, +1 =
    all new); ``tenure_years``; one ``region_<name>`` per region in
    ``regions`` (the first is the baseline and gets no column).
    """
    ppy, rec = int(periods_per_year), int(recent_periods)
    period_days = 365.25 / ppy
    key, major = tiers
    tier = _tiers_from_rank(panel, key, major)
    dsl = panel["days_since_last"].to_numpy(float)
    tenure = panel["tenure_periods"].to_numpy(float)
    observed = np.minimum(tenure, ppy)
    pdays = panel["purchase_days"].to_numpy(float)
    gap = observed * period_days / np.maximum(pdays, 1.0)
    rr = panel["revenue_recent"].to_numpy(float) / np.minimum(observed, rec)
    n_early = observed - np.minimum(observed, rec)
    re_ = np.where(
        n_early > 0, panel["revenue_earlier"].to_numpy(float) / np.maximum(n_early, 1), 0.0
    )
    denom = np.abs(rr) + np.abs(re_)
    trend = np.where((n_early > 0) & (denom > 0), (rr - re_) / np.where(denom > 0, denom, 1), 0.0)
    X = pd.DataFrame(
        {
            "const": 1.0,
            "tier_key": (tier == "key").astype(float),
            "tier_major": (tier == "major").astype(float),
            "months_since_last": dsl / 30.4375,
            "lateness": np.minimum(dsl / gap, 10.0),
            "purchase_frequency": panel["purchase_periods"].to_numpy(float) / observed,
            "revenue_trend": trend,
            "tenure_years": tenure / ppy,
        },
        index=panel.index,
    )
    reg = panel["region"].astype(str).to_numpy()
    for r in list(regions or [])[1:]:
        X[f"region_{r}"] = (reg == r).astype(float)
    return X


class ChurnRiskModel:
    """Discrete-time churn hazard: binomial GLM (logit) on live account-periods.

    Parameters
    ----------
    freq : {"M", "Q"}
        Period length of the panel.
    horizon : int
        Periods of the out-of-time validation and of the churn probability of
        :func:`churn_risk`.
    inactivity_days : int, optional
        The inactivity window W; default
        :func:`kamresearch.churn.suggest_inactivity_window` on the data.
    tiers : (float, float)
        ``(key, major)`` shares of the customer pyramid.

    Attributes
    ----------
    params_ : Series
        Logit coefficients by covariate (see :func:`design_matrix`).
    summary : DataFrame
        Per covariate: ``coef``, ``odds_ratio``, ``se``, ``ci_low``, ``ci_high``
        (95%, of the coefficient), ``z``, ``p``, ``label``.
    auc_, brier_ : float
        Out-of-time AUC and Brier score of the per-period churn probability on
        the last ``horizon`` periods, from a model fitted on the periods before.
    baseline_auc_ : DataFrame
        The same rows scored by each covariate alone: ``covariate``, ``label``,
        ``auc`` (orientation chosen in the covariate's favour), sorted best first.
    calibration_ : DataFrame
        :func:`calibration_table` of the validation rows that can churn in their
        period (the others have probability 0 and no event, by definition).
    validation_ : DataFrame
        ``metric`` / ``value``: AUC, Brier, best single covariate and its AUC,
        validation rows and events, training rows and events; and the check of the
        horizon probability of :func:`churn_risk`: made at the training cut-off for
        the accounts live then, its AUC against churn within the horizon
        (``horizon_auc``), the expected number of churns (``horizon_predicted``, the
        sum of the probabilities) and the observed one (``horizon_observed``) among
        ``horizon_accounts`` accounts.
    n_obs_, n_events_ : int
        Account-periods and churn events of the final fit.
    dropped_ : list of str
        Tier and region indicators merged into their baseline for lack of events
        (:data:`MIN_LEVEL_EVENTS`).
    as_of_, inactivity_days_, regions_ : as used.
    """

    def __init__(self, *, freq: str = "M", horizon: int = 3, inactivity_days=None,
                 tiers=(0.01, 0.20)):  # fmt: skip
        self.freq = freq
        self.horizon = int(horizon)
        self.inactivity_days = inactivity_days
        self.tiers = tuple(float(t) for t in tiers)
        if self.horizon < 1:
            raise ConfigError(f"horizon must be at least 1 period, got {horizon!r}")
        if not 0 < self.tiers[0] <= self.tiers[1] <= 1:
            raise ConfigError(f"tiers must satisfy 0 < key <= major <= 1, got {tiers!r}")

    # ---------------------------------------------------------------- fitting
    def _X(self, panel):
        X = design_matrix(
            panel,
            tiers=self.tiers,
            inactivity_days=self.inactivity_days_,
            periods_per_year=self.periods_per_year_,
            recent_periods=self.recent_periods_,
            regions=self.regions_,
        )
        drop = [c for c in getattr(self, "dropped_", ()) if c in X.columns]
        return X.drop(columns=drop) if drop else X

    @staticmethod
    def _thin_dummies(X: pd.DataFrame, y: np.ndarray) -> list[str]:
        """Indicator columns with fewer than MIN_LEVEL_EVENTS events or non-events among
        their rows: their coefficient is not estimable (separation), so the level is
        merged into its baseline (tier: general; region: the largest region)."""
        out = []
        for c in X.columns:
            if c.startswith(("tier_", "region_")):
                on = X[c].to_numpy() == 1
                if min(int(y[on].sum()), int((~y[on]).sum())) < MIN_LEVEL_EVENTS:
                    out.append(c)
        return out

    def _glm(self, X, y, start=None):
        # the binomial GLM with logit link, fitted by Newton–Raphson on the analytic
        # Hessian (statsmodels Logit: the same likelihood and MLE as GLM(Binomial()),
        # without the least-squares solves of IRLS that dominate on long panels)
        start = None if start is None else np.asarray(start, dtype=float)
        try:
            res = sm.Logit(y, X).fit(method="newton", start_params=start, maxiter=100,
                                     tol=1e-10, disp=0)  # fmt: skip
        except np.linalg.LinAlgError:
            # a singular Hessian: covariates that are collinear or constant among these
            # account-periods, or that separate churners perfectly -- no estimate exists
            raise DataError(
                _(
                    "the churn-risk model cannot be estimated on these data: its covariates "
                    "are collinear or constant over the {n} account-periods it is fitted on "
                    "(singular matrix)"
                ).format(n=f"{len(y):,}"),
                fix=_(
                    "use more data (a longer period or the whole company) or the "
                    "inactivity window suggested from the data"
                ),
            ) from None
        if not res.mle_retvals.get("converged", True):
            logger.warning("churn-risk model: Newton iterations did not converge")
        return res

    def fit(self, tx: pd.DataFrame, *, as_of=None) -> ChurnRiskModel:
        """Build the panel from ``tx``, validate out of time, fit on all periods; returns self."""
        as_of = resolve_as_of(tx, as_of)
        w = self.inactivity_days
        if w is None:
            w = suggest_inactivity_window(tx, as_of=as_of).days
        panel = churn_panel(tx, freq=self.freq, as_of=as_of, inactivity_days=int(w))
        return self.fit_panel(panel)

    def fit_panel(self, panel: pd.DataFrame) -> ChurnRiskModel:
        """Fit on a panel of :func:`kamresearch.engine.panels.churn_panel`; returns self."""
        a = panel.attrs
        self.as_of_ = a["as_of"]
        self.inactivity_days_ = int(a["inactivity_days"])
        self.periods_per_year_ = int(a["periods_per_year"])
        self.recent_periods_ = int(a["recent_periods"])
        h = self.horizon
        idx = panel["period_index"].to_numpy()
        hist = panel[idx <= 0]
        train = hist[hist["period_index"] <= -h]
        valid = hist[hist["period_index"] > -h]
        # events as of the training cut-off: a churn followed by a purchase before it is none
        nxt = train["next_purchase_index"].astype("float64").to_numpy()
        y_train = (~train["live_at_end"].astype(bool).to_numpy()) & ~(nxt <= -h)
        y_hist = hist["event"].astype(bool).to_numpy()
        n_train_ev, n_ev = int(y_train.sum()), int(y_hist.sum())
        if n_ev < MIN_EVENTS:
            raise DataError(
                _(
                    "only {n} churn events among {rows} live account-periods; the churn-risk "
                    "model needs at least {min}"
                ).format(n=n_ev, rows=f"{len(hist):,}", min=MIN_EVENTS),
                fix="use a longer data window or a larger region",
            )
        # regions: the largest first (baseline); levels too thin to estimate are merged below
        self.regions_ = list(hist["region"].astype(str).value_counts().index)
        self.dropped_ = []
        el = at_risk_rows(hist, self.inactivity_days_)
        self.dropped_ = self._thin_dummies(self._X(hist[el]), y_hist[el])
        self.regions_ = [self.regions_[0]] + [
            r for r in self.regions_[1:] if f"region_{r}" not in self.dropped_
        ]

        # out-of-time validation
        self.validation_error_ = None
        start = None
        el_train = at_risk_rows(train, self.inactivity_days_)
        if int(y_train[el_train].sum()) >= MIN_EVENTS and len(valid):
            res_v = self._glm(self._X(train[el_train]), y_train[el_train].astype(float))
            start = res_v.params
            Xv = self._X(valid)
            el_v = at_risk_rows(valid, self.inactivity_days_)
            pv = np.where(el_v, np.asarray(res_v.predict(Xv)), 0.0)
            yv = valid["event"].astype(bool).to_numpy()
            self._validate(Xv, pv, yv, len(train), n_train_ev)
            self._validate_horizon(res_v, valid)
        else:
            self.validation_error_ = _(
                "only {n} churn events before the last {h} periods; no out-of-time validation"
            ).format(n=n_train_ev, h=h)
            self.auc_ = self.brier_ = float("nan")
            self.baseline_auc_ = pd.DataFrame(columns=["covariate", "label", "auc"])
            self.calibration_ = pd.DataFrame(columns=["n", "events", "predicted", "observed"])
            self.validation_ = pd.DataFrame({"metric": [], "value": []})

        # the final model: every period up to as_of (rows that can churn in their period)
        el = at_risk_rows(hist, self.inactivity_days_)
        X = self._X(hist[el])
        self.result_ = self._glm(X, y_hist[el].astype(float), start)
        self.params_ = self.result_.params
        self.covariates_ = list(X.columns)
        self.n_obs_, self.n_events_ = len(hist), n_ev
        self.n_at_risk_ = int(el.sum())
        self.n_structural_events_ = int(y_hist[~el].sum())
        self.means_ = X.mean()
        return self

    def _validate(self, Xv, pv, yv, n_train, n_train_ev):
        self.auc_ = auc(pv, yv)
        self.brier_ = float(np.mean((pv - yv) ** 2))
        base = []
        for c in Xv.columns:
            if c == "const" or Xv[c].nunique() < 2:
                continue
            a = auc(Xv[c].to_numpy(), yv)
            base.append((c, text.label(c), max(a, 1 - a) if not math.isnan(a) else a))
        self.baseline_auc_ = (
            pd.DataFrame(base, columns=["covariate", "label", "auc"])
            .sort_values("auc", ascending=False, kind="stable")
            .reset_index(drop=True)
        )
        # rows that cannot churn in their period have p = 0 and no event by definition:
        # the calibration is judged where the model predicts
        self.calibration_ = calibration_table(pv[pv > 0], yv[pv > 0])
        best = self.baseline_auc_.iloc[0] if len(self.baseline_auc_) else None
        self.validation_ = pd.DataFrame(
            {
                "metric": [
                    "auc",
                    "brier",
                    "best_single_covariate",
                    "best_single_auc",
                    "validation_rows",
                    "validation_events",
                    "training_rows",
                    "training_events",
                ],
                "value": [
                    self.auc_,
                    self.brier_,
                    best["covariate"] if best is not None else None,
                    float(best["auc"]) if best is not None else float("nan"),
                    len(yv),
                    int(yv.sum()),
                    n_train,
                    n_train_ev,
                ],
            }
        )

    def _validate_horizon(self, res, valid):
        """The horizon probability of :func:`churn_risk`, made at the training cut-off for
        the accounts live then, against their churn within the next ``horizon`` periods."""
        h = self.horizon
        first = valid[valid["period_index"] == -h + 1]
        churned = set(valid.loc[valid["event"].astype(bool).to_numpy(), "customer_id"])
        y = first["customer_id"].isin(churned).to_numpy()
        p = np.asarray(res.predict(self._X(first)))
        surv = np.ones(len(first))
        for k in range(h):
            surv *= 1 - np.where(at_risk_rows(first, self.inactivity_days_, k), p, 0.0)
        prob = 1 - surv
        extra = pd.DataFrame(
            {
                "metric": ["horizon_auc", "horizon_predicted", "horizon_observed",
                           "horizon_accounts"],
                "value": [auc(prob, y), float(prob.sum()), int(y.sum()), len(first)],
            }
        )  # fmt: skip
        self.validation_ = pd.concat([self.validation_, extra], ignore_index=True)

    # ---------------------------------------------------------------- results
    @property
    def summary(self) -> pd.DataFrame:
        """Coefficients with 95% CI, odds ratios and p-values (one row per covariate)."""
        r = self.result_
        ci = r.conf_int()
        out = pd.DataFrame(
            {
                "coef": r.params,
                "odds_ratio": np.exp(r.params),
                "se": r.bse,
                "ci_low": ci.iloc[:, 0],
                "ci_high": ci.iloc[:, 1],
                "z": r.tvalues,
                "p": r.pvalues,
                "label": [text.label(c) for c in r.params.index],
            }
        )
        out.index.name = "covariate"
        return out

    def predict_hazard(self, panel: pd.DataFrame, *, ahead: int = 0) -> np.ndarray:
        """Per-period churn probability of panel rows (0 where they cannot churn).

        ``ahead``: the probability for the period ``ahead`` periods later, with the
        covariates held at the row's values (see :func:`churn_risk`).
        """
        p = np.asarray(self.result_.predict(self._X(panel)))
        return np.where(at_risk_rows(panel, self.inactivity_days_, ahead), p, 0.0)


def fit_churn_risk(tx: pd.DataFrame, *, freq: str = "M", as_of=None, inactivity_days=None,
                   horizon: int = 3, tiers=(0.01, 0.20)) -> ChurnRiskModel:  # fmt: skip
    """Fit and validate the churn-risk model (a fitted :class:`ChurnRiskModel`).

    Parameters
    ----------
    tx : DataFrame
        Canonical transactions.
    freq : {"M", "Q"}
        Period length of the panel (periods end on ``as_of``, one period back, ...).
    as_of : date-like, optional
        Analysis date. Default: the last date in ``tx``.
    inactivity_days : int, optional
        Churn window W, as in :func:`kamresearch.churn.customer_lifetimes`.
    horizon : int
        Periods held out for validation and used by :func:`churn_risk`.
    tiers : (float, float)
        Customer pyramid shares.

    Returns
    -------
    ChurnRiskModel
        Fitted: ``summary``, ``params_``, ``auc_``, ``brier_``, ``calibration_``,
        ``baseline_auc_``, ``validation_`` (see the class).

    Raises
    ------
    DataError
        Fewer than :data:`MIN_EVENTS` churn events.

    Notes
    -----
    The panel (:func:`kamresearch.engine.panels.churn_panel`) has one row per
    account ``i`` and period ``t`` in which ``i`` is live at the start of ``t``
    (a purchase in the W days before). The event ``y_it = 1`` marks the
    account's churn period: W days after its last purchase fall in ``t`` and it
    does not buy again up to ``as_of`` -- the rule and censoring of
    :func:`kamresearch.churn.customer_lifetimes` (an account churned there has
    exactly one event; a live one is censored). The model:

    ``logit P(y_it = 1 | live at start of t, at risk in t) = x_it' b``

    with ``x_it`` the covariates of :func:`design_matrix`, all measured at the
    start of ``t``. An account that bought less than ``W - period days`` before
    the period cannot reach the window by its end: its probability is 0 by
    definition (:func:`at_risk_rows`), and only the rows at risk enter the fit
    (``n_at_risk_``; ``n_structural_events_`` counts events outside them: 0
    unless W is shorter than a period). The maximum-likelihood fit of this binomial GLM (logit link) is
    computed by Newton–Raphson (statsmodels ``Logit``, the same likelihood as
    ``GLM(family=Binomial())``), with model-based standard errors.

    Out-of-time validation: the model is fitted on the periods ending up to
    ``as_of - horizon`` periods (events as known then) and scores every live
    account-period of the last ``horizon`` periods; AUC, Brier score
    ``mean((p - y)^2)`` and predicted vs observed by decile compare the
    per-period probability with what happened. Each covariate alone scores
    the same rows for ``baseline_auc_``: a model must beat the rule it replaces.
    """
    return ChurnRiskModel(freq=freq, horizon=horizon, inactivity_days=inactivity_days,
                          tiers=tiers).fit(tx, as_of=as_of)  # fmt: skip


def churn_risk(model: ChurnRiskModel, tx: pd.DataFrame, *, top_drivers: int = 2) -> pd.DataFrame:
    """Live accounts scored by a fitted churn-risk model, largest revenue at risk first.

    Parameters
    ----------
    model : ChurnRiskModel
        From :func:`fit_churn_risk` (its ``as_of``, window and periods are used).
    tx : DataFrame
        The transactions it was fitted on.
    top_drivers : int
        How many covariates to name in ``risk_drivers``.

    Returns
    -------
    DataFrame
        One row per account live at ``as_of`` (a purchase in the last W days):

        - ``customer_id``, ``region``, ``tier`` (key / major / general, pyramid of
          the trailing-12-month revenue of the live accounts);
        - ``churn_probability``: probability that the account churns within the
          next ``horizon`` periods, ``1 - S_horizon`` with ``S_k = prod_{j<=k} (1 - p_j)``
          and ``p_j`` the model's churn probability for period ``j`` ahead (see Notes);
        - ``revenue_12m``: net revenue of the last 12 months;
        - ``revenue_at_risk``: ``churn_probability x revenue_12m``;
        - ``expected_revenue_12m``: survival-weighted expected revenue of the
          next 12 months, ``sum_{k=1..P} S_k x revenue_12m / P`` with ``P``
          the periods per year;
        - ``risk_drivers``: the covariates that raise this account's risk most
          against the average live account (largest ``b_j (x_ij - mean_j) > 0``);
        - ``late_against_rhythm``: today's rhythm rule
          (:func:`kamresearch.churn.at_risk_accounts` over all tiers);
        - ``days_since_last``.

        Sorted by ``revenue_at_risk`` descending. ``attrs``: ``as_of``,
        ``horizon``, ``freq``.

    Notes
    -----
    The model has no purchase process to project the covariates, so they are
    held at their values at ``as_of``; ``p_j`` is the model's probability with
    those covariates from the first period ``j`` by whose end the account, if it
    bought nothing more, would reach the inactivity window (``days_since_last +
    j x period days >= W``), and 0 before. So ``churn_probability`` and
    ``expected_revenue_12m`` are approximations: a silent account's risk is not
    raised further as its silence grows, and a recent buyer's is not lowered.
    """
    if not hasattr(model, "result_"):
        raise ConfigError("churn_risk needs a fitted model: call fit_churn_risk(tx) first")
    months = 12 // model.periods_per_year_
    panel = churn_panel(tx, freq={1: "M", 3: "Q"}[months], as_of=model.as_of_,
                        inactivity_days=model.inactivity_days_)  # fmt: skip
    now = panel[panel["period_index"] == 1].reset_index(drop=True)
    X = model._X(now)
    h, ppy = model.horizon, model.periods_per_year_
    # per-period probabilities of the next P periods: today's covariates, at risk from the
    # period by whose end a silent account would reach the inactivity window
    per = np.column_stack([model.predict_hazard(now, ahead=k) for k in range(ppy)])
    surv_k = np.cumprod(1 - per, axis=1)
    prob = 1 - surv_k[:, h - 1]
    rev = now["revenue_trailing"].to_numpy(float)
    surv = surv_k.sum(axis=1)
    contrib = (X - model.means_).mul(model.params_, axis=1).drop(columns="const")
    drivers = []
    for row in contrib.to_numpy():
        order = np.argsort(-row)[:top_drivers]
        drivers.append("; ".join(text.label(contrib.columns[j]) for j in order if row[j] > 0))
    late = at_risk_accounts(tx, as_of=model.as_of_, tiers=("key", "major", "general"),
                            inactivity_days=model.inactivity_days_,
                            tier_thresholds=model.tiers)  # fmt: skip
    out = pd.DataFrame(
        {
            "customer_id": now["customer_id"].to_numpy(),
            "region": now["region"].to_numpy(),
            "tier": _tiers_from_rank(now, *model.tiers),
            "churn_probability": prob,
            "revenue_12m": rev,
            "revenue_at_risk": prob * rev,
            "expected_revenue_12m": surv * rev / ppy,
            "risk_drivers": drivers,
            "late_against_rhythm": now["customer_id"].isin(set(late["customer_id"])).to_numpy(),
            "days_since_last": now["days_since_last"].to_numpy(),
        },
        columns=list(RISK_COLUMNS),
    )
    out = out.sort_values(["revenue_at_risk", "customer_id"], ascending=[False, True],
                          kind="stable").reset_index(drop=True)  # fmt: skip
    out.attrs = {"as_of": model.as_of_, "horizon": h, "freq": model.freq}
    return out
