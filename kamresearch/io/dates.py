"""Dates beyond their format: time zones, and isolated outlying dates.

Part of :mod:`kamresearch.io` (formats are parsed in :mod:`.values`).

Time zones
    Purchase days are calendar days, so the canonical ``date`` is a wall-clock
    time without a zone. A timestamp that carries a zone or a UTC offset (a
    tz-aware column, ``2021-04-03T23:30:00+08:00``, ``...Z``) is **converted**, and
    the rule used is stated in the quality summary (``time_zone``):

    * ``tz=None`` (default): each timestamp's own local time, i.e. the wall clock
      where it was recorded (``2021-04-03T23:30:00+08:00`` -> 3 April 23:30, a sale
      on 3 April in Shanghai). Timestamps with several different offsets are read
      the same way, with a :class:`~kamresearch.DataWarning` (pass ``tz=``).
    * ``tz="Asia/Shanghai"`` (any IANA zone, or ``"UTC"``): every zoned timestamp is
      converted to that zone's wall clock first (``...T23:30:00+00:00`` -> 4 April
      07:30 in Shanghai). Timestamps without a zone are taken as already local.

Outlying dates
    A few lines far from all the others (five lines typed as 2031 in data ending
    2011, placeholders such as 1900-01-01) would move the default ``as_of`` or open
    a cohort of their own. The distinct days are split where two consecutive days
    lie more than :data:`GAP_DAYS` apart; the part with most lines is the data,
    and another part is *outlying* when it holds at most :data:`OUTLYING_SHARE` of
    the lines, or is a known placeholder day (:data:`PLACEHOLDERS`).
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from ..errors import ConfigError

__all__ = [
    "GAP_DAYS",
    "OUTLYING_SHARE",
    "PLACEHOLDERS",
    "outlying",
    "outlying_days",
    "split_offsets",
    "in_zone",
]

#: Days between two consecutive distinct dates that split the data into parts.
GAP_DAYS = 366
#: Largest share of the lines a part away from the main one may hold to be outlying.
OUTLYING_SHARE = 0.01
#: Days that systems write for "no date": always outlying when away from the data.
PLACEHOLDERS = tuple(
    pd.Timestamp(d)
    for d in ("1899-12-30", "1899-12-31", "1900-01-01", "1970-01-01", "2099-12-31", "2100-01-01")
)

_ZONED = re.compile(
    r"^(?P<body>\d{4}-\d{1,2}-\d{1,2}[T ]\d{1,2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?)\s*"
    r"(?P<off>Z|UTC|GMT|[+-]\d{2}(?::?\d{2})?)$",
    re.I,
)


def check_zone(tz) -> None:
    """ConfigError unless ``tz`` is None or a time zone pandas knows."""
    if tz is None:
        return
    try:
        pd.Timestamp("2000-01-01", tz=tz)
    except Exception as exc:  # pytz/zoneinfo raise several types
        raise ConfigError(
            f"tz={tz!r} is not a time zone; pass an IANA name such as 'Asia/Shanghai' or 'UTC'"
        ) from exc


def split_offsets(s: pd.Series) -> tuple[pd.Series, np.ndarray, list[str]]:
    """Date strings -> (strings without their UTC offset, offset minutes or NaN, offsets seen)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    minutes = np.full(len(s), np.nan)
    # vectorised test first (RE2 in pyarrow): millions of distinct timestamps cost ~0.1 s
    arr = pa.array(s.to_numpy(dtype=object), type=pa.string(), from_pandas=True)
    has = pc.match_substring_regex(arr, _ZONED.pattern, ignore_case=True)
    has = has.fill_null(False).to_numpy(zero_copy_only=False)
    if not has.any():
        return s, minutes, []
    parts = s[has].str.extract(_ZONED)
    has[np.flatnonzero(has)[parts["body"].isna().to_numpy()]] = False
    parts = parts.dropna(subset=["body"])
    if not has.any():
        return s, minutes, []
    off = parts["off"].str.upper().str.replace(":", "", regex=False)
    utc = off.isin(["Z", "UTC", "GMT"]).to_numpy()
    num = off.where(~utc, "+0000").str.ljust(5, "0")
    sign = np.where(num.str[0] == "-", -1, 1)
    minutes[has] = sign * (num.str[1:3].astype(int) * 60 + num.str[3:5].astype(int)).to_numpy()
    body = s.copy()
    body[has] = parts["body"].to_numpy()
    seen = sorted({_label(m) for m in minutes[has]})
    return body, minutes, seen


def _label(minutes: float) -> str:
    sign = "-" if minutes < 0 else "+"
    h, m = divmod(int(abs(minutes)), 60)
    return f"{sign}{h:02d}:{m:02d}"


def in_zone(wall: np.ndarray, minutes: np.ndarray, tz) -> np.ndarray:
    """Wall-clock times recorded at UTC offsets ``minutes`` -> wall clock in ``tz``."""
    utc = wall - (minutes * 60e9).astype("m8[ns]")
    return pd.Series(utc).dt.tz_localize("UTC").dt.tz_convert(tz).dt.tz_localize(None).to_numpy()


def zoned_values(u: pd.Series, tz) -> tuple[pd.Series, list[str]]:
    """A tz-aware datetime Series -> naive wall clock (its own, or ``tz``'s), zones seen."""
    zone = str(u.dt.tz)
    if tz is not None:
        u = u.dt.tz_convert(tz)
    return u.dt.tz_localize(None), [zone]


def outlying(d: np.ndarray, keep: np.ndarray) -> np.ndarray:
    """Lines (among ``keep``) whose date is outlying (module docstring), as a mask."""
    mask = np.zeros(len(d), bool)
    idx = np.flatnonzero(keep & ~np.isnat(d))
    if len(idx) < 2:
        return mask
    day = d[idx].astype("datetime64[D]").astype(np.int64)
    lo = day.min()
    counts = np.bincount(day - lo)  # at most ~213,000 days (the datetime64[ns] range)
    present = np.flatnonzero(counts)
    flag = outlying_days(present + lo, counts[present])
    if not flag.any():
        return mask
    flagged_day = np.zeros(len(counts), bool)
    flagged_day[present[flag]] = True
    mask[idx] = flagged_day[day - lo]
    return mask


def outlying_days(days: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Which days are outlying (module docstring), from the lines per day.

    ``days``: the distinct days with lines, ascending, as days since 1970-01-01;
    ``counts``: the lines on each. The rule of :func:`outlying`, for callers (the
    engine) that count lines per day without holding the lines.
    """
    days, counts = np.asarray(days, np.int64), np.asarray(counts, float)
    if counts.sum() < 2:
        return np.zeros(len(days), bool)
    part = np.concatenate([[0], np.cumsum(np.diff(days) > GAP_DAYS)])
    lines = np.bincount(part, weights=counts)
    main = int(np.argmax(lines))
    odd = (lines <= OUTLYING_SHARE * counts.sum()) & (np.arange(len(lines)) != main)
    placeholder = np.isin(
        days,
        [p.to_datetime64().astype("datetime64[D]").astype(np.int64) for p in PLACEHOLDERS],
    )
    return odd[part] | (placeholder & (part != main))


def main_span(d: np.ndarray, keep: np.ndarray) -> tuple[pd.Timestamp, pd.Timestamp]:
    """First and last date of the kept lines (for messages)."""
    v = d[keep & ~np.isnat(d)]
    return pd.Timestamp(v.min()), pd.Timestamp(v.max())
