"""Cohort retention and revenue dynamics: the retention matrix, the revenue bridge,
GRR/NRR and revenue by cohort.

The period and partial-period conventions are in the package docstring,
:mod:`kamresearch.cohorts`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..engine import facts
from ..engine import revenue as _engine
from ..engine.lines import date_bounds
from ..errors import ConfigError, DataError
from ..pareto.concentration import ZERO_TOLERANCE
from ..schema import check_transactions

__all__ = [
    "FREQS",
    "METRICS",
    "TIERS",
    "retention_matrix",
    "revenue_retention",
    "revenue_bridge",
    "revenue_by_cohort",
]

log = logging.getLogger("kamresearch")

#: Period lengths accepted by this module.
FREQS = ("M", "Q", "Y")
#: Values of ``retention_matrix(metric=...)``.
METRICS = ("customers", "revenue")
#: Tiers of :func:`kamresearch.pareto.customer_tiers`, largest first.
TIERS = ("key", "major", "general")
_FROM = ("new", *TIERS)
_TO = (*TIERS, "lost")


def _check_freq(freq) -> str:
    """The canonical letter (M, Q or Y) of ``freq``; ConfigError otherwise."""
    return facts.parse_freq(freq, allowed=FREQS)[0]


@dataclass
class _Base:
    """customer_periods as flat arrays; ``t`` counts periods from the first one (0..n-1)."""

    ids: np.ndarray  # customer id of each code
    code: np.ndarray  # customer code of each row
    t: np.ndarray  # period index of each row
    rev: np.ndarray  # net revenue of each row
    bought: np.ndarray  # row has a purchase
    cohort: np.ndarray  # cohort period index of each customer, -1 when it never bought
    periods: pd.PeriodIndex  # the n periods
    as_of: pd.Timestamp
    partial: bool  # the last period ends after as_of
    partial_first: bool  # the data start after the first period's first day

    @property
    def n(self) -> int:
        return len(self.periods)


def _base(tx: pd.DataFrame, freq, as_of) -> _Base:
    check_transactions(tx)
    key = _check_freq(freq)
    cp = facts.customer_periods(tx, freq=key, as_of=as_of)
    as_of_ts = cp.attrs["as_of"]
    if cp.empty:
        raise DataError(
            f"no transactions on or before as_of={as_of_ts.date()}",
            fix="pass a later as_of or check the data window",
        )
    pfreq = cp.attrs["freq"]
    ords = cp["period"].array.asi8
    first = int(ords.min())
    last = pd.Period(as_of_ts, freq=pfreq)
    n = int(last.ordinal) - first + 1
    code, ids = pd.factorize(cp["customer_id"])
    code = code.astype(np.int64)
    t = (ords - first).astype(np.int64)
    bought = cp["purchased"].to_numpy(dtype=bool)
    cohort = np.full(len(ids), n, dtype=np.int64)
    np.minimum.at(cohort, code[bought], t[bought])
    cohort[cohort == n] = -1
    periods = pd.PeriodIndex.from_ordinals(first + np.arange(n), freq=pfreq)
    periods.name = "period"
    partial = bool(as_of_ts < last.end_time.normalize())
    partial_first = bool(date_bounds(tx)[0].normalize() > periods[0].start_time)
    log.debug("cohorts: %d customer-periods, %d customers, %d periods", len(cp), len(ids), n)
    return _Base(
        np.asarray(ids, dtype=object),
        code,
        t,
        cp["revenue"].to_numpy(float),
        bought,
        cohort,
        periods,
        as_of_ts,
        partial,
        partial_first,
    )


def _partial_rows(b: _Base, n: int) -> np.ndarray:
    """Flags for the last ``n`` periods: those whose change is measured on a partly
    covered period -- the last one when it ends after as_of; the first one and the next
    (whose base it is) when the data start after the first period's first day."""
    t = np.arange(b.n - n, b.n)  # period index of each row
    return (b.partial & (t == b.n - 1)) | (b.partial_first & (t <= 1))


def _attrs(b: _Base, **more) -> dict:
    return {
        "as_of": b.as_of,
        "freq": b.periods.freqstr[0],  # "M", "Q" or "Y"
        "partial_period": b.periods[-1] if b.partial else None,
        "partial_first_period": b.periods[0] if b.partial_first else None,
        **more,
    }


def retention_matrix(
    tx: pd.DataFrame, *, freq: str = "M", metric: str = "customers", as_of=None
) -> pd.DataFrame:
    """Cohort x periods-since-acquisition retention (the classic triangle).

    Parameters
    ----------
    tx : DataFrame
        Canonical transactions.
    freq : {"M", "Q", "Y"}
        Period length.
    metric : {"customers", "revenue"}
        ``"customers"``: share of the cohort active in the period (logo retention);
        ``"revenue"``: the cohort's net revenue in the period over its period-0 net revenue.
    as_of : date-like, optional
        Lines after this day are ignored. Default: last date in ``tx``.

    Returns
    -------
    DataFrame
        Index ``cohort`` (Period, only cohorts with at least one customer), columns:

        - ``cohort_size``: customers whose first purchase is in the cohort period.
        - ``cohort_revenue`` (``metric="revenue"`` only): the cohort's net revenue in
          period 0.
        - ``0, 1, 2, ...`` (int): periods since acquisition; the value for the
          cohort in period ``cohort + k``.

        ``attrs``: ``as_of``, ``freq``, ``metric``, ``partial_period`` (the last
        period when it ends after ``as_of``, else None).

    Raises
    ------
    ConfigError
        Unsupported ``freq`` or ``metric``.
    DataError
        Not canonical transactions, or no line on or before ``as_of``.

    Notes
    -----
    With ``n_c`` the cohort size, ``A_{c,k}`` the number of its customers
    active (with a purchase) in period ``c + k`` and ``R_{c,k}`` the net revenue of
    its customers in that period (all their lines, returns included):

    * customers: ``A_{c,k} / n_c`` (so column 0 is 1);
    * revenue: ``R_{c,k} / R_{c,0}``; NaN for a cohort whose period-0 net revenue
      is <= 0 (it has no base to compare with).

    Cells whose period ``c + k`` lies after the period containing ``as_of`` are
    NaN, never 0. The column of the period containing ``as_of`` is partial when
    ``as_of`` is not the last day of that period (see ``attrs["partial_period"]``).
    Lines of a customer before its cohort period (returns only) are left out.

    Examples
    --------
    >>> import kamresearch as kam
    >>> m = kam.cohorts.retention_matrix(kam.load_sample(), freq="Y")
    >>> bool(m[0].eq(1).all())
    True
    """
    if metric not in METRICS:
        raise ConfigError(f"metric={metric!r} is not supported; use 'customers' or 'revenue'")
    cells, periods, attrs = _cohort_cells(tx, freq, as_of)
    n = len(periods)
    coh, k = cells["cohort"].to_numpy(), cells["k"].to_numpy()
    size = np.bincount(coh[k == 0], weights=cells["active"].to_numpy()[k == 0], minlength=n)
    vals = np.zeros((n, n))
    vals[coh, k] = cells["active" if metric == "customers" else "revenue"].to_numpy()
    with np.errstate(invalid="ignore", divide="ignore"):
        if metric == "customers":
            mat = vals / size[:, None]
        else:
            mat = vals / np.where(vals[:, 0] > 0, vals[:, 0], np.nan)[:, None]
    cc, kk = np.meshgrid(np.arange(n), np.arange(n), indexing="ij")
    mat[cc + kk >= n] = np.nan
    rows = np.flatnonzero(size > 0)
    out = pd.DataFrame(mat[rows], index=periods[rows].rename("cohort"), columns=list(range(n)))
    if metric == "revenue":
        out.insert(0, "cohort_revenue", vals[rows, 0])
    out.insert(0, "cohort_size", size[rows].astype(np.int64))
    out.attrs = {**attrs, "metric": metric}
    return out


def _cohort_cells(tx: pd.DataFrame, freq, as_of):
    """Cohort x period cells from the engine (only these few rows reach pandas).

    Returns the cells (``cohort`` and ``k`` as indexes into the periods from the
    first cohort to the one containing ``as_of``; ``active`` customers, net
    ``revenue``), those periods, and the attrs.
    """
    check_transactions(tx)
    pfreq, _ = facts.parse_freq(freq, allowed=FREQS)
    as_of_ts = facts.resolve_as_of(tx, as_of)
    cells, n_lines = _engine.cohort_cells(tx, as_of=as_of_ts, pfreq=pfreq)
    if cells.empty and n_lines == 0:
        raise DataError(
            f"no transactions on or before as_of={as_of_ts.date()}",
            fix="pass a later as_of or check the data window",
        )
    last = pd.Period(as_of_ts, freq=pfreq)
    coh = pd.PeriodIndex(pd.to_datetime(cells["cohort"]), freq=pfreq).asi8
    per = pd.PeriodIndex(pd.to_datetime(cells["period_start"]), freq=pfreq).asi8
    first = int(coh.min()) if len(coh) else int(last.ordinal)
    periods = pd.PeriodIndex.from_ordinals(np.arange(first, last.ordinal + 1), freq=pfreq)
    out = pd.DataFrame(
        {
            "cohort": coh - first,
            "k": per - coh,
            "t": per - first,
            "active": cells["active"].to_numpy(dtype=float),
            "revenue": cells["revenue"].to_numpy(dtype=float),
        }
    )
    partial = bool(as_of_ts < last.end_time.normalize())
    attrs = {"as_of": as_of_ts, "freq": pfreq, "partial_period": last if partial else None}
    return out, periods.rename("period"), attrs


def _pairs(b: _Base) -> dict[str, np.ndarray]:
    """Every customer x period with a line in the period or the one before: p, c, is_new."""
    n1 = b.n + 1
    key_cur = b.code * n1 + b.t
    nxt = b.t + 1 < b.n
    keys = np.concatenate([key_cur, key_cur[nxt] + 1])
    cur = np.concatenate([b.rev, np.zeros(int(nxt.sum()))])
    prev = np.concatenate([np.zeros(len(b.rev)), b.rev[nxt]])
    uniq, inv = np.unique(keys, return_inverse=True)
    c = np.bincount(inv, weights=cur, minlength=len(uniq))
    p = np.bincount(inv, weights=prev, minlength=len(uniq))
    code, t = np.divmod(uniq, n1)
    return {"t": t, "p": p, "c": c, "is_new": b.cohort[code] == t}


def _classify(pr: dict[str, np.ndarray], n: int) -> pd.DataFrame:
    """Split each customer's change c - p into the bridge categories (sums per period)."""
    t, p, c, is_new = pr["t"], pr["p"], pr["c"], pr["is_new"]
    d = c - p
    old = ~is_new
    # signs as pareto reads them: net revenue within ZERO_TOLERANCE of 0 is 0 (a purchase
    # of 0.1 + 0.2 returned as 0.3 nets 5.55e-17, not a retained account)
    pos_p, pos_c = p > ZERO_TOLERANCE, c > ZERO_TOLERANCE
    base = old & pos_p  # the retention base: positive net revenue in the previous period
    churn = base & ~pos_c
    react = old & ~pos_p & pos_c
    other = old & ~churn & ~react  # both > 0, or both <= 0
    up, down = np.maximum(d, 0.0), np.maximum(-d, 0.0)

    def s(mask, values):  # float even when the mask is empty (bincount then gives int)
        return np.bincount(t[mask], weights=values[mask], minlength=n).astype(float)

    return pd.DataFrame(
        {
            "opening": s(np.ones(len(t), dtype=bool), p),
            "new": s(is_new, up),
            "expansion": s(other, up),
            "contraction": s(is_new | other, down) + s(churn, np.maximum(-c, 0.0)),
            "churned": s(churn, p),
            "reactivated": s(react, d),
            "closing": s(np.ones(len(t), dtype=bool), c),
            # the retention base only
            "start_customers": np.bincount(t[base], minlength=n),
            "start_revenue": s(base, p),
            "churned_customers": np.bincount(t[churn], minlength=n),
            "base_contraction": s(base & pos_c, down),
            "base_expansion": s(base & pos_c, up),
        }
    )


def revenue_bridge(tx: pd.DataFrame, *, freq: str = "Y", as_of=None) -> pd.DataFrame:
    """Revenue bridge (waterfall) from each period's opening to its closing net revenue.

    Parameters
    ----------
    tx : DataFrame
        Canonical transactions.
    freq : {"M", "Q", "Y"}
        Period length.
    as_of : date-like, optional
        Lines after this day are ignored. Default: last date in ``tx``.

    Returns
    -------
    DataFrame
        Index ``period`` (every period from the first with any line to the one
        containing ``as_of``), columns (currency amounts, all >= 0 except
        ``opening`` and ``closing``):

        - ``opening``: net revenue of the previous period (0 for the first period).
        - ``new``: increase from customers in their cohort period (first purchase).
        - ``expansion``: increases of customers that keep buying (``p > 0`` and
          ``c > 0``), plus shrinking net returns of customers without positive
          revenue in both periods.
        - ``contraction``: decreases of customers that keep buying, net returns
          booked by churned customers, growing net returns of customers without
          positive revenue in both periods, and net returns exceeding purchases in a
          cohort period.
        - ``churned``: previous net revenue of customers with ``p > 0`` and ``c <= 0``.
        - ``reactivated``: change ``c - p`` of earlier-acquired customers with
          ``p <= 0`` and ``c > 0`` (buyers coming back).
        - ``closing``: net revenue of the period, all customers and all lines.
        - ``partial``: True for a last period that ends after ``as_of``, and for the
          first period and the next (whose base it is) when the data start after
          the first period's first day.

        ``attrs``: ``as_of``, ``freq``, ``partial_period``, ``partial_first_period``.

    Raises
    ------
    ConfigError
        Unsupported ``freq``.
    DataError
        Not canonical transactions, or no line on or before ``as_of``.

    Notes
    -----
    Every customer with a line in the period or the previous one has ``p`` and
    ``c`` (net revenue, 0 without lines) and its change ``d = c - p`` goes to:

    1. the cohort period (first purchase): ``new += max(d, 0)``,
       ``contraction += max(-d, 0)``;
    2. else ``p > 0 >= c``: ``churned += p``, ``contraction += -c``;
    3. else ``p <= 0 < c``: ``reactivated += d``;
    4. else (both positive, or both <= 0, e.g. return-only periods or customers
       who never bought): ``expansion += max(d, 0)``, ``contraction += max(-d, 0)``.

    "Positive" means above :data:`kamresearch.pareto.ZERO_TOLERANCE` (1e-6): a period
    whose purchases are returned in full nets floating-point noise such as
    0.1 + 0.2 - 0.3 = 5.6e-17, which counts as 0 (churned), as in the pareto module.

    Since each customer's ``d`` is split exactly,
    ``opening + new + expansion - contraction - churned + reactivated = closing``
    holds for any data (up to floating-point rounding, far below a cent), and
    ``closing`` equals the sum of all lines of the period. The first period has
    ``opening = 0``, so all its revenue is ``new`` -- the data window starts there.
    Categories follow net revenue, not activity: a customer that bought and
    returned everything in the period (net 0) counts as churned.

    Examples
    --------
    >>> import kamresearch as kam
    >>> br = kam.cohorts.revenue_bridge(kam.load_sample(), freq="Y")
    >>> gap = (br.opening + br.new + br.expansion - br.contraction - br.churned
    ...        + br.reactivated - br.closing)
    >>> bool(gap.abs().max() < 0.005)
    True
    """
    b = _base(tx, freq, as_of)
    cls = _classify(_pairs(b), b.n)
    cols = ["opening", "new", "expansion", "contraction", "churned", "reactivated", "closing"]
    out = cls[cols].set_axis(b.periods)
    out["partial"] = _partial_rows(b, len(out))
    out.attrs = _attrs(b)
    return out


def revenue_retention(
    tx: pd.DataFrame, *, freq: str = "Y", as_of=None, include_reactivation: bool = False
) -> pd.DataFrame:
    """Gross and net revenue retention (GRR, NRR) from each period to the next.

    Parameters
    ----------
    tx : DataFrame
        Canonical transactions.
    freq : {"M", "Q", "Y"}
        Period length.
    as_of : date-like, optional
        Lines after this day are ignored. Default: last date in ``tx``.
    include_reactivation : bool
        Add the revenue of returning customers (``reactivated``) to NRR.

    Returns
    -------
    DataFrame
        Index ``period`` (from the second period to the one containing ``as_of``);
        each row compares the period with the previous one. Columns:

        - ``start_customers``: customers with positive net revenue in the previous
          period (the base).
        - ``start_revenue``: their net revenue in the previous period.
        - ``churned_customers``: base customers with net revenue <= 0 in the period.
        - ``churned``: their previous-period net revenue.
        - ``contraction``: ``p - c`` over base customers with ``0 < c < p``.
        - ``expansion``: ``c - p`` over base customers with ``c > p``.
        - ``reactivated``: ``c - p`` over earlier-acquired customers with
          ``p <= 0 < c`` (outside the base; in NRR only with ``include_reactivation``).
        - ``grr``: ``(start_revenue - churned - contraction) / start_revenue``.
        - ``nrr``: ``(start_revenue - churned - contraction + expansion
          [+ reactivated]) / start_revenue``.
        - ``partial``: True for a last period that ends after ``as_of``, and for the
          first period and the next (whose base it is) when the data start after
          the first period's first day.

        ``attrs``: ``as_of``, ``freq``, ``partial_period``, ``partial_first_period``, ``include_reactivation``.

    Raises
    ------
    ConfigError
        Unsupported ``freq``.
    DataError
        Not canonical transactions, or no line on or before ``as_of``.

    Notes
    -----
    The base is the customers with positive net revenue ``p`` in the previous
    period (a customer that bought but whose returns there exceeded its purchases
    has nothing to retain and stays out). For a base customer the retained
    revenue is ``min(max(c, 0), p)``: capped at ``p`` (so GRR <= 1) and floored at
    0 -- a customer whose period is return-only or empty (``c <= 0``) is churned
    for exactly ``p``; the returns it books are not counted here (the bridge puts
    them in ``contraction``). Hence ``GRR = sum(min(max(c, 0), p)) / sum(p)`` in
    [0, 1] and, without reactivation, ``NRR = sum(max(c, 0)) / sum(p)``. GRR and
    NRR are NaN when the base is empty. ``churned`` and ``reactivated`` equal the
    columns of :func:`revenue_bridge`. A partial last period lowers both ratios.

    Examples
    --------
    >>> import kamresearch as kam
    >>> rr = kam.cohorts.revenue_retention(kam.load_sample(), freq="Y")
    >>> bool((rr.grr <= 1).all())
    True
    """
    b = _base(tx, freq, as_of)
    cls = _classify(_pairs(b), b.n).set_axis(b.periods).iloc[1:]
    start = cls["start_revenue"]
    retained = start - cls["churned"] - cls["base_contraction"]
    grow = cls["base_expansion"] + (cls["reactivated"] if include_reactivation else 0.0)
    safe = start.where(start > 0)
    out = pd.DataFrame(
        {
            "start_customers": cls["start_customers"].astype(np.int64),
            "start_revenue": start,
            "churned_customers": cls["churned_customers"].astype(np.int64),
            "churned": cls["churned"],
            "contraction": cls["base_contraction"],
            "expansion": cls["base_expansion"],
            "reactivated": cls["reactivated"],
            "grr": retained / safe,
            "nrr": (retained + grow) / safe,
        }
    )
    out["partial"] = _partial_rows(b, len(out))
    out.attrs = _attrs(b, include_reactivation=bool(include_reactivation))
    return out


def revenue_by_cohort(tx: pd.DataFrame, *, freq: str = "Q", as_of=None) -> pd.DataFrame:
    """Net revenue per period split by acquisition cohort (the layer cake table).

    Parameters
    ----------
    tx : DataFrame
        Canonical transactions.
    freq : {"M", "Q", "Y"}
        Period length of both the rows and the cohorts.
    as_of : date-like, optional
        Lines after this day are ignored. Default: last date in ``tx``.

    Returns
    -------
    DataFrame
        Index ``period`` (from the first cohort to the period containing ``as_of``), one
        column per cohort (Period, columns named ``cohort``): the net revenue of the
        cohort's customers in the period; 0 before the cohort period.

    Notes
    -----
    Lines before a customer's cohort period and customers that never bought are
    left out, so a row sums to the period's net revenue minus those lines.
    ``attrs`` as in :func:`revenue_bridge`.

    Raises
    ------
    ConfigError
        Unsupported ``freq``.
    DataError
        Not canonical transactions, or no line on or before ``as_of``.

    Examples
    --------
    >>> import kamresearch as kam
    >>> cake = kam.cohorts.revenue_by_cohort(kam.load_sample(), freq="Y")
    >>> [str(c) for c in cake.columns]
    ['2021', '2022', '2023', '2024']
    """
    cells, periods, attrs = _cohort_cells(tx, freq, as_of)
    n = len(periods)
    vals = np.zeros((n, n))
    vals[cells["t"].to_numpy(), cells["cohort"].to_numpy()] = cells["revenue"].to_numpy()
    used = np.unique(cells["cohort"].to_numpy())
    out = pd.DataFrame(vals[:, used], index=periods, columns=periods[used].rename("cohort"))
    out.attrs = attrs
    return out
