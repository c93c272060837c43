"""Survival-based churn: unbiased customer lifetimes, Kaplan–Meier and Cox (lifelines).

In non-contractual B2B sales nobody announces that they have left: churn is
inferred from inactivity. This module derives, from canonical transactions
(see :mod:`kamresearch.schema`), one lifetime per customer with the event flag
and the right-censoring done correctly (:data:`CENSORING_CONVENTION`), then
hands durations and events to lifelines for the estimates.

The line-level work (purchase days, gaps between them, revenue, region) runs in
the engine (:mod:`kamresearch.engine.purchases`): 10M lines take a couple of seconds. The Cox model lives in
:mod:`kamresearch.churn.cox`, plots in :mod:`kamresearch.churn.plots`, and the
RFM table alone (the inputs of lifetimes' BG/NBD and Gamma-Gamma models, one pass
over the lines) in :mod:`kamresearch.churn.rfm`; all are re-exported here.

Vocabulary (as in :mod:`kamresearch.schema`): a *purchase* is a line with
``amount > 0``; *purchase days* are the distinct calendar days with a purchase;
*gaps* are the day differences between consecutive purchase days of a customer.
"""

from .cox import (
    fit_cox,
    hazard_ratio_table,
)
from .landmark import add_entry_tier, landmark
from .lifetimes import (
    AT_RISK_COLUMNS,
    CENSORING_CONVENTION,
    COMPARE_COLUMNS,
    HR_COLUMNS,
    KM_COLUMNS,
    LIFETIME_COLUMNS,
    MIN_EVENTS,
    MIN_OBSERVABLE,
    SUMMARY_COLUMNS,
    InactivityWindow,
    at_risk_accounts,
    customer_lifetimes,
    suggest_inactivity_window,
)
from .plots import (
    plot_hazard_ratios,
    plot_survival,
)
from .rfm import RFM_COLUMNS, RFM_CONVENTION, rfm_summary
from .survival import (
    SurvivalCurves,
    compare_groups,
    survival_curves,
)

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
    "SurvivalCurves",
    "suggest_inactivity_window",
    "customer_lifetimes",
    "RFM_COLUMNS",
    "RFM_CONVENTION",
    "rfm_summary",
    "survival_curves",
    "compare_groups",
    "fit_cox",
    "hazard_ratio_table",
    "at_risk_accounts",
    "landmark",
    "add_entry_tier",
    "plot_survival",
    "plot_hazard_ratios",
]
