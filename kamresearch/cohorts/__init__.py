"""Cohort retention and revenue dynamics: can we keep accounts, can we grow them?

The bridge, GRR/NRR and tier functions start from
:func:`kamresearch.engine.facts.customer_periods` (one row per customer x calendar
period, aggregated in the engine) and work on that table with numpy; the retention
matrix and the layer cake aggregate straight to cohort x period cells in the engine
(:func:`kamresearch.engine.revenue.cohort_cells`),
so only a few hundred rows reach pandas (10M lines in about the time of
``customer_periods`` alone, or less).

Definitions shared by every function
------------------------------------
* **Period**: a calendar month, quarter or year (``freq`` = ``"M"``, ``"Q"``,
  ``"Y"``), as a pandas ``Period``. The periods run from the first period with
  any line (for the matrix and layer cake: the first cohort) to the period
  containing ``as_of``. Lines after ``as_of`` are ignored.
  When ``as_of`` is not the last day of its period, that last period is
  **partial**: it is included, flagged (``partial`` column or
  ``attrs["partial_period"]``), and its figures cover only the days up to
  ``as_of`` -- compare it with full periods with care. Likewise, when the data
  start after the first day of the first period, that period is partial
  (``attrs["partial_first_period"]``), and so is the next period's change
  (its base): both rows are flagged in the bridge and retention tables.
* **Active** in a period: at least one purchase (a line with a positive amount)
  in it.
* **Cohort** of a customer: the period of its first purchase. A customer with
  returns only never enters a cohort.
* **Net revenue** of a customer in a period: the sum of all its lines there,
  returns included (0 when it has no line); written ``p`` for the previous
  period and ``c`` for the current one below.

:func:`revenue_bridge` and :func:`revenue_retention` classify each customer's
change ``c - p`` with the same rules, so their ``churned`` and ``reactivated``
columns are equal; the bridge's ``expansion`` and ``contraction`` hold the
retention ones plus the moves outside the retained base (new customers'
returns, return-only customers) and the net returns booked by churned customers.

Plots (``plot_retention_heatmap``, ``plot_revenue_bridge``, ``plot_layer_cake``,
``plot_key_account_flow``) live in :mod:`kamresearch.cohorts.plots` and are
re-exported here; so are the tier moves, from :mod:`kamresearch.cohorts.tiers`.
"""

from .plots import (
    plot_key_account_flow,
    plot_layer_cake,
    plot_retention_heatmap,
    plot_revenue_bridge,
)
from .retention import (
    FREQS,
    METRICS,
    TIERS,
    retention_matrix,
    revenue_bridge,
    revenue_by_cohort,
    revenue_retention,
)
from .tiers import (
    key_account_flow,
    migration_matrix,
    tier_migration,
)

__all__ = [
    "FREQS",
    "METRICS",
    "TIERS",
    "retention_matrix",
    "revenue_retention",
    "revenue_bridge",
    "revenue_by_cohort",
    "tier_migration",
    "migration_matrix",
    "key_account_flow",
    "plot_retention_heatmap",
    "plot_revenue_bridge",
    "plot_layer_cake",
    "plot_key_account_flow",
]
