"""The key-account story: win / grow / keep, lost accounts named, one tier standard.

The theory's frame is three failures -- can't win key accounts (进不去), can't
grow them (做大不了), can't keep them (留不住). This package measures them per
region and period with one company tier standard (:mod:`.tiers`), names the
accounts behind each figure (:mod:`.scorecard`, :mod:`.lost`), judges when a
period is over on the data's own rhythm (:mod:`.periods`) and reads the
results in plain language (:mod:`.readings`).
"""

from .lost import FALL_THRESHOLD, LOST_COLUMNS, lost_accounts
from .periods import RHYTHM_QUANTILE, period_as_of, sale_day_gap
from .readings import LEAK_RATE_HIGH, key_count_readings, lost_readings, scorecard_readings
from .scorecard import (
    MOVEMENTS,
    SCORECARD_COLUMNS,
    dominant_failure,
    key_pool_flow,
    scorecard_accounts,
    win_grow_keep,
)
from .tiers import TIER_ORDER, TierStandard, apply_tiers, period_tiers, tier_standard

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
]
