"""Evidence: do the data support the key-account claims? (statsmodels)

* :func:`key_account_tests` -- the three marks of a key account (price
  premium on the same product, order size, repurchase), each with its CI;
* :func:`concentration_trend_test` -- is concentration rising, with
  autocorrelation-robust (Newey–West) inference;
* :func:`fit_churn_risk` / :func:`churn_risk` -- a validated discrete-time
  churn hazard model and the at-risk list ranked by revenue at risk.

The models run on the small tables of :mod:`kamresearch.engine.panels`; plots
live in :mod:`kamresearch.evidence.plots` and are re-exported here.
"""

from .churn_risk import (
    MIN_EVENTS,
    RISK_COLUMNS,
    ChurnRiskModel,
    at_risk_rows,
    auc,
    calibration_table,
    churn_risk,
    design_matrix,
    fit_churn_risk,
)
from .marks import MIN_TIER_CUSTOMERS, TEST_COLUMNS, key_account_tests
from .plots import plot_calibration, plot_key_account_tests
from .trend import MIN_PERIODS, TREND_COLUMNS, concentration_trend_test, linear_trend_test

__all__ = [
    "key_account_tests",
    "TEST_COLUMNS",
    "MIN_TIER_CUSTOMERS",
    "concentration_trend_test",
    "linear_trend_test",
    "TREND_COLUMNS",
    "MIN_PERIODS",
    "ChurnRiskModel",
    "fit_churn_risk",
    "churn_risk",
    "design_matrix",
    "at_risk_rows",
    "auc",
    "calibration_table",
    "RISK_COLUMNS",
    "MIN_EVENTS",
    "plot_key_account_tests",
    "plot_calibration",
]
