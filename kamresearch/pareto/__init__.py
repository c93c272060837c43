"""Revenue concentration: Pareto, Lorenz, HHI/Gini/Theil, tiers, key accounts, trend.

How much of the revenue do the few largest customers make, who are the key
accounts and what marks them out, and is concentration rising?

Conventions shared by every function here:

* Input is the canonical transactions (:mod:`kamresearch.schema`); it is never
  modified. ``start`` / ``end`` (keyword-only, inclusive calendar days) restrict
  the window; ``None`` means the first / last day in the data.
* A customer's *revenue* is its net revenue in the window (returns included);
  a net revenue within ``ZERO_TOLERANCE`` (1e-6) of 0 is rounding noise of
  returns that cancel purchases and counts as 0. Concentration measures use
  only the ``n`` customers with revenue > 0; the others are counted in
  ``n_nonpositive`` and left out of every share.
* Customers are ranked by revenue, largest first, ties by ``customer_id`` (as
  text). Revenues that agree to ``ZERO_TOLERANCE`` (rounded to whole millionths
  of the currency unit) are ties: 0.1 + 0.2 and 0.3 differ in the last binary
  digit, and an engine's parallel sums vary there between runs, so ranking on the
  exact floats would order equal customers (and tiers at a boundary) by
  rounding noise. Revenues, shares and measures use the exact sums.
* Line-level aggregation runs in the engine (:mod:`kamresearch.engine.revenue`:
  DuckDB for a DataFrame, the LazyTable's backend otherwise); the measures are
  vectorised numpy, so 10M lines and 1M customers take about a second.

Plots (``plot_pareto``, ``plot_lorenz``, ``plot_concentration_trend``) live in
:mod:`kamresearch.pareto.plots` and are re-exported here; so do the key-account
profile and comparison, from :mod:`kamresearch.pareto.accounts`.
"""

from .accounts import (
    key_account_comparison,
    key_account_profile,
)
from .concentration import (
    SUMMARY_COLUMNS,
    ZERO_TOLERANCE,
    classify_customers,
    concentration_summary,
    concentration_trend,
    customer_revenue,
    customer_tiers,
    lorenz_curve,
)
from .entry import ENTRY_DAYS, entry_tiers
from .plots import (
    plot_concentration_trend,
    plot_lorenz,
    plot_pareto,
)

__all__ = [
    "SUMMARY_COLUMNS",
    "ZERO_TOLERANCE",
    "customer_revenue",
    "lorenz_curve",
    "concentration_summary",
    "classify_customers",
    "customer_tiers",
    "key_account_profile",
    "key_account_comparison",
    "ENTRY_DAYS",
    "entry_tiers",
    "concentration_trend",
    "plot_pareto",
    "plot_lorenz",
    "plot_concentration_trend",
]
