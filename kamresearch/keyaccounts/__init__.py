"""The key-account story: win / grow / keep, lost accounts named, one tier standard.

The theory's frame is three failures -- can't win key accounts (进不去), can't
grow them (做大不了), can't keep them (留不住). This package measures them per
region and period with one company tier standard (:mod:`.tiers`), names the
accounts behind each figure (:mod:`.scorecard`, :mod:`.lost`), judges when a
period is over on the data's own rhythm (:mod:`.periods`) and reads the
results in plain language (:mod:`.readings`).
"""

from .cards import (
    CARD_COLUMNS,
    GROWTH_BAND,
    MONTHLY_COLUMNS,
    SILENT_GAPS,
    STATUSES,
    account_cards,
    card_months,
)
from .drivers import concentration_drivers
from .lost import FALL_THRESHOLD, LOST_COLUMNS, lost_accounts
from .orders import default_band_edges, land_and_expand, order_bands
from .periods import RHYTHM_QUANTILE, period_as_of, sale_day_gap
from .plots import plot_account_card
from .readings import (
    LEAK_RATE_HIGH,
    concentration_change_readings,
    key_count_readings,
    lost_readings,
    scorecard_readings,
    window_readings,
)
from .scorecard import (
    MOVEMENTS,
    SCORECARD_COLUMNS,
    dominant_failure,
    key_pool_flow,
    scorecard_accounts,
    win_grow_keep,
)
from .tiers import TIER_ORDER, TierStandard, apply_tiers, period_tiers, tier_standard
from .value import cumulative_value
from .views import GROUP_VIEW_COLUMNS, NO_VALUE, VIEWS, group_view, view_columns
from .window import REACTIVATIONS_HIGH, WINDOW_QUANTILE, window_check

__all__ = [
    "TIER_ORDER",
    "TierStandard",
    "tier_standard",
    "apply_tiers",
    "period_tiers",
    "SCORECARD_COLUMNS",
    "MOVEMENTS",
    "win_grow_keep",
    "scorecard_accounts",
    "dominant_failure",
    "key_pool_flow",
    "FALL_THRESHOLD",
    "LOST_COLUMNS",
    "lost_accounts",
    "RHYTHM_QUANTILE",
    "sale_day_gap",
    "period_as_of",
    "LEAK_RATE_HIGH",
    "lost_readings",
    "scorecard_readings",
    "key_count_readings",
    "CARD_COLUMNS",
    "MONTHLY_COLUMNS",
    "STATUSES",
    "GROWTH_BAND",
    "SILENT_GAPS",
    "account_cards",
    "card_months",
    "plot_account_card",
    "concentration_drivers",
    "VIEWS",
    "GROUP_VIEW_COLUMNS",
    "NO_VALUE",
    "group_view",
    "view_columns",
    "concentration_change_readings",
    "window_readings",
    "REACTIVATIONS_HIGH",
    "WINDOW_QUANTILE",
    "window_check",
    "default_band_edges",
    "order_bands",
    "land_and_expand",
    "cumulative_value",
]
