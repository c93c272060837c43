"""The engine: the only code that touches transaction lines.

Line-level reductions (per customer, customer x day, customer x period; the
model tables of :mod:`kamresearch.engine.panels`) run here;
the analyses (:mod:`kamresearch.pareto`, :mod:`kamresearch.churn`,
:mod:`kamresearch.cohorts`) work on the small tables they return.
"""

from . import facts, panels, windows
from .facts import (
    AS_OF_MAX_DAYS_AFTER,
    FREQS,
    customer_days,
    customer_periods,
    customer_summary,
    parse_freq,
    resolve_as_of,
)
from .lines import date_bounds, n_customers, n_lines, up_to
from .panels import (
    churn_panel,
    customer_product_price_codes,
    customer_product_prices,
    order_cells,
)
from .windows import customer_entry, customer_orders, customer_windows, sale_days

__all__ = [
    "date_bounds",
    "n_lines",
    "n_customers",
    "up_to",
    "facts",
    "windows",
    "customer_windows",
    "customer_entry",
    "customer_orders",
    "sale_days",
    "panels",
    "customer_product_prices",
    "customer_product_price_codes",
    "order_cells",
    "churn_panel",
    "resolve_as_of",
    "AS_OF_MAX_DAYS_AFTER",
    "customer_summary",
    "customer_days",
    "customer_periods",
    "FREQS",
    "parse_freq",
]
