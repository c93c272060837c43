"""When is the last period over? Judged on the data's own buying rhythm.

Sales exports often stop a day or two before a period ends (data pulled on 30
December; no sales on New Year's Eve). Calling the whole year "partial" then
makes a report fall back a year. A period is partial only when the data stop
*materially* before its end: when the days left after ``as_of`` are more than
the data's usual silence between sale days.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..engine.facts import parse_freq, resolve_as_of
from ..engine.windows import sale_days

__all__ = ["RHYTHM_QUANTILE", "sale_day_gap", "period_as_of"]

#: The usual silence: this quantile of the gaps between consecutive sale days.
RHYTHM_QUANTILE = 0.95


def sale_day_gap(tx: pd.DataFrame, *, as_of=None, lookback_days: int = 365) -> float:
    """The data's usual silence: the :data:`RHYTHM_QUANTILE` of the gaps (in days)
    between consecutive days with a sale, over the ``lookback_days`` up to ``as_of``.

    1.0 when sales are recorded every day; 3.0 for weekday-only selling (a
    weekend gap is 3 days). NaN with fewer than two sale days.
    """
    as_of = resolve_as_of(tx, as_of)
    days = sale_days(tx, as_of=as_of)
    days = days[days > as_of - pd.Timedelta(days=lookback_days)]
    if len(days) < 2:
        return float("nan")
    gaps = np.diff(days.asi8) / 86_400e9
    return float(np.quantile(gaps, RHYTHM_QUANTILE))


def period_as_of(tx: pd.DataFrame, *, freq: str, as_of=None) -> pd.Timestamp:
    """The ``as_of`` for period tables: the end of ``as_of``'s period when the data
    are complete to it, else ``as_of`` itself.

    Parameters
    ----------
    tx : DataFrame
        Canonical transactions.
    freq : {"Y", "Q", "M"}
        Period length of the tables.
    as_of : date-like, optional
        The analysis date (default: the last date in ``tx``).

    Returns
    -------
    Timestamp
        The last day of the period containing ``as_of`` when the days from
        ``as_of`` to that day are no more than :func:`sale_day_gap` (the data
        stop within their usual silence), else ``as_of``. Pass it as ``as_of``
        to :func:`kamresearch.cohorts.revenue_bridge` and the like: no line
        lies after ``as_of`` in the data, so only the ``partial`` flag changes.

    Examples
    --------
    >>> import kamresearch as kam
    >>> tx = kam.load_sample()
    >>> tx = tx[tx["date"] <= "2024-12-30"]
    >>> str(period_as_of(tx, freq="Y").date())
    '2024-12-31'
    >>> str(period_as_of(tx[tx["date"] <= "2024-11-15"], freq="Y").date())
    '2024-11-15'
    """
    as_of = resolve_as_of(tx, as_of)
    pfreq, _ = parse_freq(freq, allowed=("M", "Q", "Y", "W", "D"))
    end = pd.Period(as_of, freq=pfreq).end_time.normalize()
    left = (end - as_of).days
    if left == 0:
        return as_of
    gap = sale_day_gap(tx, as_of=as_of)
    return end if np.isfinite(gap) and left <= gap else as_of
