"""One tier standard for the whole company, applied in every region's report.

The customer pyramid (:func:`kamresearch.pareto.customer_tiers`) is relative:
the top 1% of *a table's* customers. Run on one region, it makes a region's
largest accounts "key" although the company would call some of them "major",
and regions cannot be compared. Here the tiers are set once, on the company's
data, as revenue thresholds in currency (the revenue of the smallest key and
of the smallest major account of the company), and then applied to any table:
a region's key accounts are company key accounts.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..engine.facts import customer_periods, customer_summary, parse_freq
from ..errors import ConfigError
from ..pareto.concentration import ZERO_TOLERANCE, customer_tiers

__all__ = [
    "TIER_ORDER",
    "TierStandard",
    "tier_standard",
    "apply_tiers",
    "period_tiers",
]

#: Tiers from the top down.
TIER_ORDER = ("key", "major", "general")
_RANK = {"key": 2, "major": 1, "general": 0}


def _thresholds(revenue: pd.Series, key: float, major: float) -> dict:
    tier = customer_tiers(revenue, key=key, major=major)
    pos = revenue > ZERO_TOLERANCE
    k, m = revenue[tier == "key"], revenue[tier == "major"]
    return {
        "n_customers": int(pos.sum()),
        "n_key": len(k),
        "n_major": len(m),
        "key_min_revenue": float(k.min()) if len(k) else np.inf,
        "major_min_revenue": float(m.min()) if len(m) else float(k.min()) if len(k) else np.inf,
    }


@dataclass
class TierStandard:
    """Company tier thresholds: whole window and per calendar period.

    Attributes
    ----------
    key, major : float
        The shares of customers the thresholds come from (key: top ``key``;
        key + major: top ``major``).
    window : Series
        Over the whole window up to ``as_of``: ``n_customers`` (positive
        revenue), ``n_key``, ``n_major``, ``key_min_revenue`` (revenue of the
        smallest key account) and ``major_min_revenue``.
    periods : dict
        Frequency letter (``"Y"``, ``"Q"``, ``"M"``) -> DataFrame indexed by
        ``period`` with the same columns, per calendar period.
    as_of : Timestamp
    fixed : bool
        True for currency thresholds given directly (:meth:`from_thresholds`).
    """

    key: float
    major: float
    window: pd.Series
    periods: dict = field(default_factory=dict)
    as_of: pd.Timestamp | None = None
    fixed: bool = False

    @classmethod
    def from_thresholds(cls, key_min: float, major_min: float) -> TierStandard:
        """A standard of fixed currency thresholds (e.g. from the config), the same in
        every period and over the whole window: key from ``key_min``, major from
        ``major_min`` (revenue in the period, or over the window)."""
        if not 0 < major_min <= key_min:
            raise ConfigError(f"need 0 < major_min <= key_min, got {major_min}, {key_min}")
        window = pd.Series({"n_customers": np.nan, "n_key": np.nan, "n_major": np.nan,
                            "key_min_revenue": float(key_min),
                            "major_min_revenue": float(major_min)})  # fmt: skip
        return cls(key=np.nan, major=np.nan, window=window, periods={}, fixed=True)

    def period_thresholds(self, freq: str, periods) -> pd.DataFrame | None:
        """Thresholds for ``periods`` (None for periods this standard does not cover)."""
        if self.fixed:
            idx = pd.PeriodIndex(sorted(set(periods)), freq=parse_freq(freq)[0], name="period")
            return pd.DataFrame({c: self.window[c] for c in ("key_min_revenue",
                                                             "major_min_revenue")}, index=idx)  # fmt: skip
        return self.for_freq(freq)

    def for_freq(self, freq: str) -> pd.DataFrame:
        """The per-period thresholds of ``freq`` (``ConfigError`` when not computed)."""
        pfreq = parse_freq(freq, allowed=("M", "Q", "Y"))[0]
        if pfreq not in self.periods:
            raise ConfigError(
                f"this tier standard has no {pfreq!r} periods; build it with "
                f"tier_standard(..., freqs=[{pfreq!r}])"
            )
        return self.periods[pfreq]


def tier_standard(
    tx: pd.DataFrame, *, as_of=None, key: float = 0.01, major: float = 0.20,
    freqs=("Y", "Q", "M"),
) -> TierStandard:  # fmt: skip
    """The company's tier thresholds, from the whole company's transactions.

    Parameters
    ----------
    tx : DataFrame
        Canonical transactions of the *whole company* (every region).
    as_of : date-like, optional
        Lines after this day are ignored. Default: last date in ``tx``.
    key, major : float
        Shares of customers (with positive net revenue) in the key tier and in
        key + major, as in :func:`kamresearch.pareto.customer_tiers`.
    freqs : sequence of {"Y", "Q", "M"}
        Period lengths to set per-period thresholds for.

    Returns
    -------
    TierStandard

    Notes
    -----
    ``key_min_revenue`` is the revenue of the smallest of the ``ceil(key * n)``
    largest customers, ``major_min_revenue`` of the smallest of the
    ``ceil(major * n)`` largest; :func:`apply_tiers` calls a customer key when
    its revenue reaches ``key_min_revenue``. On the company's own data this
    gives :func:`kamresearch.pareto.customer_tiers` exactly, except that
    customers tied with the smallest key account are key as well.

    Examples
    --------
    >>> import kamresearch as kam
    >>> std = kam.keyaccounts.tier_standard(kam.load_sample(), freqs=["Y"])
    >>> int(std.window["n_key"]), [str(p) for p in std.for_freq("Y").index]
    (30, ['2021', '2022', '2023', '2024'])
    """
    if not 0 < key <= major <= 1:
        raise ConfigError(f"tier shares must satisfy 0 < key <= major <= 1, got {key}, {major}")
    cs = customer_summary(tx, as_of=as_of)
    window = pd.Series(_thresholds(cs["revenue"], key, major))
    periods = {}
    for f in freqs:
        cp = customer_periods(tx, freq=f, as_of=as_of)
        rows = {p: _thresholds(g.set_index("customer_id")["revenue"], key, major)
                for p, g in cp.groupby("period", sort=True)}  # fmt: skip
        table = pd.DataFrame.from_dict(rows, orient="index")
        table.index = pd.PeriodIndex(table.index, name="period")
        periods[cp.attrs["freq"]] = table
    return TierStandard(key=float(key), major=float(major), window=window, periods=periods,
                        as_of=cs.attrs["as_of"])  # fmt: skip


def apply_tiers(revenue: pd.Series, *, key_min: float, major_min: float) -> pd.Series:
    """Tier of each revenue against currency thresholds.

    ``"key"`` when ``revenue >= key_min``, ``"major"`` when ``>= major_min``,
    else ``"general"``; revenue at or below :data:`ZERO_TOLERANCE` is general.

    >>> apply_tiers(pd.Series([10.0, 5.0, 1.0, 0.0]), key_min=10, major_min=5).tolist()
    ['key', 'major', 'general', 'general']
    """
    r = revenue.to_numpy(dtype=float)
    pos = r > ZERO_TOLERANCE
    tier = np.where(pos & (r >= key_min - 1e-9), "key",
                    np.where(pos & (r >= major_min - 1e-9), "major", "general"))  # fmt: skip
    return pd.Series(tier.astype(object), index=revenue.index, name="tier")


def period_tiers(
    tx: pd.DataFrame, *, freq: str = "Y", as_of=None, standard: TierStandard | None = None,
    key: float = 0.01, major: float = 0.20,
) -> pd.DataFrame:  # fmt: skip
    """Each customer's revenue and tier in each calendar period it bought in.

    Parameters
    ----------
    tx : DataFrame
        Canonical transactions (a region, or the company).
    freq : {"Y", "Q", "M"}
        Period length.
    as_of : date-like, optional
        Lines after this day are ignored.
    standard : TierStandard, optional
        The company's thresholds (:func:`tier_standard`); default: set on ``tx``
        itself with ``key`` and ``major``.

    Returns
    -------
    DataFrame
        Columns ``customer_id``, ``period``, ``revenue`` (net, in the period),
        ``purchased`` (a positive line in the period) and ``tier`` (against the
        period's company thresholds; a period the standard lacks gets thresholds
        set on ``tx``), one row per customer x period with any line.
    """
    if standard is None:
        standard = tier_standard(tx, as_of=as_of, key=key, major=major, freqs=[freq])
    cp = customer_periods(tx, freq=freq, as_of=as_of)
    thr = standard.period_thresholds(freq, cp["period"].unique())
    missing = set(cp["period"].unique()) - set(thr.index)
    if missing:  # periods the company standard does not cover: set on these data
        own = tier_standard(tx, as_of=as_of, key=standard.key, major=standard.major,
                            freqs=[freq]).for_freq(freq)  # fmt: skip
        thr = pd.concat([thr, own.loc[sorted(missing)]]).sort_index()
    k = cp["period"].map(thr["key_min_revenue"]).astype(float)
    m = cp["period"].map(thr["major_min_revenue"]).astype(float)
    r = cp["revenue"].to_numpy(dtype=float)
    pos = r > ZERO_TOLERANCE
    tier = np.where(pos & (r >= k - 1e-9), "key",
                    np.where(pos & (r >= m - 1e-9), "major", "general"))  # fmt: skip
    out = cp[["customer_id", "period", "revenue", "purchased"]].copy()
    out["tier"] = tier.astype(object)
    out.attrs = dict(cp.attrs)
    return out


def tier_rank(tier) -> np.ndarray:
    """2 for key, 1 for major, 0 for general (-1 for anything else)."""
    return np.array([_RANK.get(t, -1) for t in np.asarray(tier, dtype=object)], dtype=int)
