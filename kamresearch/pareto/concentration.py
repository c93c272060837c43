"""The concentration measures: customer revenue, Lorenz curve, the summary (top-N shares,
HHI, Gini, Theil), ABC/pyramid classes, tiers and the trend per period.

The conventions every function here follows (window, net revenue, ranking and ties)
are in the package docstring, :mod:`kamresearch.pareto`.
"""

from __future__ import annotations

import logging
import math
import warnings

import numpy as np
import pandas as pd

from ..engine import revenue as _engine
from ..engine.facts import parse_freq
from ..errors import ConfigError, DataError, InsufficientDataWarning
from ..schema import check_transactions

__all__ = [
    "SUMMARY_COLUMNS",
    "ZERO_TOLERANCE",
    "customer_revenue",
    "lorenz_curve",
    "concentration_summary",
    "classify_customers",
    "customer_tiers",
    "concentration_trend",
]

log = logging.getLogger("kamresearch")

#: The columns of :func:`concentration_summary`, in order (pinned by tests).
SUMMARY_COLUMNS = (
    "n_customers",
    "n_nonpositive",
    "revenue",
    "top1_share",
    "top5_share",
    "top10_share",
    "top20_share",
    "top1pct_share",
    "top20pct_share",
    "customers_for_80pct",
    "hhi",
    "hhi_band",
    "gini",
    "theil",
    "n_major_customers",
)
_CI_METRICS = (
    "top1_share",
    "top5_share",
    "top10_share",
    "top20_share",
    "top1pct_share",
    "top20pct_share",
    "gini",
)
_TOP_N = (1, 5, 10, 20)
_TOP_PCT = ((0.01, "top1pct_share"), (0.20, "top20pct_share"))
_EPS = 1e-12  # tolerance for threshold comparisons of shares (80%, 10%, ABC cut-offs)
#: Net revenue within this of 0 is rounding noise of returns that cancel purchases
#: (0.1 + 0.2 - 0.3 != 0 in floating point; parallel sums vary in the last digit): it is 0.
ZERO_TOLERANCE = 1e-6


def _denoise(r: np.ndarray) -> np.ndarray:
    r = np.asarray(r, dtype=float).copy()
    r[np.abs(r) < ZERO_TOLERANCE] = 0.0
    return r


def _rank_key(r) -> np.ndarray:
    """Revenue in whole millionths (``round(r / ZERO_TOLERANCE)``), 0 for noise.

    Customers are ranked on this key (descending), ties by id, so revenues equal up
    to rounding noise tie. It is the value of :func:`kamresearch.engine.revenue.rank_key` in the engine,
    whose ``round`` rounds halves away from zero (numpy's ``rint`` to even).
    """
    r = np.asarray(r, dtype=float)
    y = r * 1e6
    t = np.trunc(y)
    key = np.where(np.abs(y - t) == 0.5, t + np.sign(y), np.rint(y))
    key[np.abs(r) < ZERO_TOLERANCE] = 0.0
    return key


# ----------------------------------------------------------------------------- helpers
def _day(value, name: str):
    if value is None:
        return None
    try:
        ts = pd.Timestamp(value)
    except (ValueError, TypeError) as exc:
        raise ConfigError(f"{name}={value!r} is not a date; pass it as 'YYYY-MM-DD'") from exc
    if ts is pd.NaT:
        raise ConfigError(f"{name}={value!r} is not a date; pass it as 'YYYY-MM-DD'")
    return (ts.tz_localize(None) if ts.tzinfo else ts).normalize()


def _prepare(tx, start, end):
    """Check ``tx`` once; return (start, end) of the window as days (None: open)."""
    check_transactions(tx)  # also refuses missing amounts, as in every analysis
    s, e = _day(start, "start"), _day(end, "end")
    if s is not None and e is not None and s > e:
        raise ConfigError(f"start={s.date()} is after end={e.date()}")
    return s, e


def _empty_window(tx, s, e) -> DataError:
    from ..engine.lines import date_bounds

    window = f"{s.date() if s is not None else '…'} to {e.date() if e is not None else '…'}"
    lo, hi, n = date_bounds(tx)
    if n == 0:
        return DataError("no transactions (the table is empty)", column="date")
    return DataError(
        f"no transactions in the window {window}; the data runs from {lo.date()} to {hi.date()}",
        column="date",
        fix="choose start/end inside the data range",
    )


def _per_customer(tx, start, end, *, region: bool) -> pd.DataFrame:
    """customer_id, revenue (and region) per customer in the window, ranked in the
    engine (on :func:`_rank_key`, ties by id as text)."""
    s, e = _prepare(tx, start, end)
    out = _engine.customer_revenue(tx, start=s, end=e, region=region, tolerance=ZERO_TOLERANCE)
    if len(out) == 0:
        raise _empty_window(tx, s, e)
    out["revenue"] = _denoise(out["revenue"].to_numpy())
    out.attrs = {"start": s, "end": e}
    return out


def _revenues(tx, start, end) -> tuple[np.ndarray, dict]:
    """Net revenue per customer in the window (no ids, any order): the fast path."""
    s, e = _prepare(tx, start, end)
    r = _engine.revenue_vector(tx, start=s, end=e)
    if len(r) == 0:
        raise _empty_window(tx, s, e)
    return _denoise(r), {"start": s, "end": e}


def _metrics(revenue: np.ndarray) -> dict:
    """The summary measures of a vector of customer revenues (any order, any sign)."""
    r = np.asarray(revenue, dtype=float)
    x = np.sort(r[r > 0])[::-1]
    n = len(x)
    out = dict.fromkeys(SUMMARY_COLUMNS, np.nan)
    out.update(n_customers=n, n_nonpositive=int((r <= 0).sum()), revenue=0.0, n_major_customers=0)
    if n == 0:
        return out
    raw = np.cumsum(x)
    total = raw[-1]
    cum = raw / total  # cum[k-1]: share of the k largest; cum[-1] == 1 exactly
    s = x / total
    for k in _TOP_N:
        out[f"top{k}_share"] = float(cum[min(k, n) - 1])
    grid = np.arange(n + 1) / n
    lorenz = np.concatenate([[0.0], cum])
    for p, name in _TOP_PCT:
        out[name] = float(np.interp(p, grid, lorenz))
    k80 = int(np.searchsorted(cum, 0.8 - _EPS, side="left")) + 1
    hhi = float(10_000 * np.dot(s, s))
    asc = x[::-1]
    gini = 2 * np.dot(np.arange(1, n + 1), asc) / (n * total) - (n + 1) / n
    out.update(
        revenue=float(total),
        customers_for_80pct=k80 / n,
        hhi=hhi,
        hhi_band=_hhi_band(hhi),
        gini=float(gini),
        theil=float(math.log(n) + np.dot(s, np.log(s))),
        n_major_customers=int((s >= 0.10 - _EPS).sum()),
    )
    return out


#: HHI band edges: unconcentrated < 1,000 <= moderately <= 1,800 < highly concentrated.
HHI_EDGES = (1000.0, 1800.0)


def _hhi_band(hhi: float) -> str:
    hhi = round(hhi, 6)  # 10 equal customers give 1000 up to rounding: moderately concentrated
    low, high = HHI_EDGES
    if hhi < low:
        return "unconcentrated"
    return "moderately concentrated" if hhi <= high else "highly concentrated"


def _bootstrap(x: np.ndarray, *, ci: float, n_boot: int, seed) -> dict:
    """Percentile intervals of the shares and Gini, resampling customers.

    ``x`` is sorted descending and positive. A replicate draws n customers with
    replacement, i.e. a count c_j per customer; since x is sorted, the replicate's
    Lorenz curve is piecewise linear through (C_k/n, R_k/T) with C, R the
    cumulative counts and count-weighted revenue, so no re-sort is needed.
    """
    n = len(x)
    rng = np.random.default_rng(seed)
    points = [min(k, n) for k in _TOP_N] + [p * n for p, _ in _TOP_PCT]
    draws = np.empty((n_boot, len(_CI_METRICS)))
    for b in range(n_boot):
        c = np.bincount(rng.integers(0, n, n), minlength=n)
        keep = c > 0
        cc, xc = c[keep], x[keep]
        cum_c = np.concatenate([[0], np.cumsum(cc)])
        cum_r = np.concatenate([[0.0], np.cumsum(cc * xc)])
        cum_r /= cum_r[-1]
        draws[b, :-1] = np.interp(points, cum_c, cum_r)
        area = np.dot(cc / n, (cum_r[:-1] + cum_r[1:]) / 2)  # under the descending curve
        draws[b, -1] = 2 * area - 1
    lo, hi = np.quantile(draws, [(1 - ci) / 2, (1 + ci) / 2], axis=0)
    out = {}
    for j, name in enumerate(_CI_METRICS):
        out[f"{name}_low"], out[f"{name}_high"] = float(lo[j]), float(hi[j])
    return out


# ----------------------------------------------------------------------------- measures
def customer_revenue(tx: pd.DataFrame, *, start=None, end=None) -> pd.Series:
    """Net revenue per customer in the window, largest first.

    Parameters
    ----------
    tx : DataFrame
        Canonical transactions.
    start, end : date-like, optional
        First and last day of the window (inclusive).

    Returns
    -------
    Series
        Named ``revenue``, indexed by ``customer_id``; every customer with a line
        in the window, also those with revenue <= 0; revenues equal to 6
        decimals (:data:`ZERO_TOLERANCE`) are ties, ordered by id as text.

    Raises
    ------
    DataError
        Missing amounts, or no transactions in the window.

    Examples
    --------
    >>> import kamresearch as kam
    >>> rev = kam.pareto.customer_revenue(kam.load_sample())
    >>> bool(rev.round(6).is_monotonic_decreasing), rev.name
    (True, 'revenue')
    >>> rev.loc[["C00054", "C01715"]].tolist()  # a tie (0.1 + 0.2 style noise): id order
    [438.65, 438.65000000000003]
    """
    per = _per_customer(tx, start, end, region=False)
    return pd.Series(
        per["revenue"].to_numpy(),
        index=pd.Index(per["customer_id"], name="customer_id"),
        name="revenue",
    )


def lorenz_curve(tx: pd.DataFrame, *, start=None, end=None) -> pd.DataFrame:
    """The Lorenz (Pareto) curve: share of revenue of the largest share of customers.

    Returns
    -------
    DataFrame
        ``n + 1`` rows (``n`` customers with revenue > 0), columns
        ``customer_share`` (k/n, from 0 to 1) and ``revenue_share`` (share of the
        revenue of the k largest customers, from 0 to 1; concave).

    Raises
    ------
    DataError
        Missing amounts, no transactions in the window, or no customer with
        revenue > 0.

    Examples
    --------
    >>> import kamresearch as kam
    >>> lc = kam.pareto.lorenz_curve(kam.load_sample())
    >>> lc.iloc[[0, -1]].to_numpy().tolist()
    [[0.0, 0.0], [1.0, 1.0]]
    """
    r, _ = _revenues(tx, start, end)
    x = np.sort(r[r > 0])[::-1]
    if len(x) == 0:
        raise DataError(
            "no customer has positive net revenue in the window, so there is no Lorenz curve",
            column="amount",
        )
    cum = np.cumsum(x)
    return pd.DataFrame(
        {
            "customer_share": np.arange(len(x) + 1) / len(x),
            "revenue_share": np.concatenate([[0.0], cum / cum[-1]]),
        }
    )


def concentration_summary(
    tx: pd.DataFrame, *, start=None, end=None, ci: float | None = None, n_boot: int = 1000, seed=0
) -> pd.Series:
    """Revenue concentration in one Series: top-N shares, Lorenz points, HHI, Gini, Theil.

    Parameters
    ----------
    tx : DataFrame
        Canonical transactions.
    start, end : date-like, optional
        First and last day of the window (inclusive).
    ci : float, optional
        Confidence level (e.g. 0.95) of a bootstrap interval for the shares and
        the Gini; ``None`` (default) skips it.
    n_boot : int
        Bootstrap replicates. Each costs O(n): 1,000 replicates take about 0.1 s
        for 3,000 customers and about a minute for 1M customers.
    seed : int or numpy Generator
        Seed of the bootstrap.

    Returns
    -------
    Series
        With exactly these entries first (see Notes):

        - ``n_customers``: customers with net revenue > 0 in the window (a net
          revenue within :data:`ZERO_TOLERANCE` of 0 counts as 0);
        - ``n_nonpositive``: customers with net revenue <= 0 (left out of every share);
        - ``revenue``: total revenue of the ``n_customers``;
        - ``top1_share``, ``top5_share``, ``top10_share``, ``top20_share``: share
          of the N largest customers (1.0 when n <= N);
        - ``top1pct_share``, ``top20pct_share``: share of the largest 1% / 20%
          of customers, read off the Lorenz curve;
        - ``customers_for_80pct``: smallest k/n whose revenue reaches 80%;
        - ``hhi``: Herfindahl-Hirschman index, 0-10,000; ``hhi_band``:
          ``"unconcentrated"`` (< 1,000), ``"moderately concentrated"``
          (1,000-1,800) or ``"highly concentrated"`` (> 1,800);
        - ``gini``: Gini coefficient; ``theil``: Theil T index;
        - ``n_major_customers``: customers with >= 10% of revenue (disclosed
          under US GAAP ASC 280).

        With ``ci``, then ``<metric>_low`` and ``<metric>_high`` for ``top1_share``,
        ``top5_share``, ``top10_share``, ``top20_share``, ``top1pct_share``,
        ``top20pct_share`` and ``gini``. ``attrs`` holds ``start``, ``end``,
        ``ci``, ``n_boot`` and ``seed``.

        When no customer has revenue > 0 (all returns), ``n_customers`` is 0,
        ``revenue`` 0, ``n_major_customers`` 0 and every share, index and
        interval NaN, with an :class:`InsufficientDataWarning`.

    Raises
    ------
    DataError
        Missing amounts, or no transactions in the window.
    ConfigError
        ``start`` after ``end``, ``ci`` not in (0, 1), ``n_boot`` < 1.

    Notes
    -----
    With the n positive revenues x sorted descending, total T, shares
    sᵢ = xᵢ/T and cumulative shares Lₖ = (x₁+…+xₖ)/T, L₀ = 0:

    * top-N share = L_min(N, n);
    * top-p share = linear interpolation of the points (k/n, Lₖ) at p;
    * customers_for_80pct = min{k : Lₖ >= 0.8} / n;
    * HHI = Σ (100·sᵢ)² (2023 US merger guidelines: > 1,800 highly concentrated);
    * Gini = 2·Σ i·x₍ᵢ₎ / (n·T) − (n+1)/n with x₍ᵢ₎ sorted ascending
      (0 for equal customers, (n−1)/n at most);
    * Theil = ln n + Σ sᵢ ln sᵢ (0 for equal customers, ln n at most).

    Threshold comparisons (80%, 10%) allow a rounding tolerance of 1e-12.
    The interval is the percentile bootstrap: each replicate draws n
    customers with replacement from the n positive ones (seeded, so it is
    reproducible); top-N and top-p shares of a replicate are read off its
    Lorenz curve and its Gini is 2·(area under the curve) − 1, which equals
    the formula above.

    Examples
    --------
    >>> import kamresearch as kam
    >>> s = kam.pareto.concentration_summary(kam.load_sample())
    >>> 0.7 < s["top20pct_share"] < 0.9
    True
    """
    if ci is not None and not 0 < ci < 1:
        raise ConfigError(f"ci={ci!r} must be a confidence level between 0 and 1, e.g. 0.95")
    if ci is not None and (not isinstance(n_boot, int | np.integer) or n_boot < 1):
        raise ConfigError(f"n_boot={n_boot!r} must be a positive integer")
    r, window = _revenues(tx, start, end)
    out = _metrics(r)
    log.debug(
        "concentration_summary: %d customers, %d with revenue <= 0", len(r), out["n_nonpositive"]
    )
    if out["n_customers"] == 0:
        warnings.warn(
            "no customer has positive net revenue in the window; shares are NaN",
            InsufficientDataWarning,
            stacklevel=2,
        )
    if ci is not None:
        x = np.sort(r[r > 0])[::-1]
        if len(x):
            out.update(_bootstrap(x, ci=ci, n_boot=n_boot, seed=seed))
        else:
            out.update({f"{m}_{b}": np.nan for m in _CI_METRICS for b in ("low", "high")})
    res = pd.Series(out, dtype=object)
    res.attrs = {**window, "ci": ci, "n_boot": n_boot if ci else None, "seed": seed}
    return res


def classify_customers(
    tx: pd.DataFrame, *, method: str = "abc", thresholds=None, start=None, end=None
) -> pd.DataFrame:
    """One row per customer with its rank, share and class (ABC or the customer pyramid).

    Parameters
    ----------
    method : {"abc", "pyramid"}
        ``"abc"``: classes A/B/C by cumulative share of revenue. ``"pyramid"``:
        tiers key / major / general by share of customers (:func:`customer_tiers`).
    thresholds : (float, float), optional
        ``"abc"``: cumulative revenue shares closing A and B, default ``(0.8, 0.95)``.
        ``"pyramid"``: shares of customers in the key tier and in key + major,
        default ``(0.01, 0.20)``.
    start, end : date-like, optional
        Window (inclusive days).

    Returns
    -------
    DataFrame
        Indexed by ``customer_id``, ranked (largest first; revenues equal to 6
        decimals are ties, ordered by id as text), columns:

        - ``revenue``: net revenue in the window;
        - ``share``: revenue / total revenue of the customers with revenue > 0
          (NaN for revenue <= 0);
        - ``cumulative_share``: share of this customer and all ranked above it
          (NaN for revenue <= 0);
        - ``rank``: 1, 2, ... (customers with revenue <= 0 rank last);
        - ``class``: ``"A"``/``"B"``/``"C"``, or ``"key"``/``"major"``/``"general"``
          for the pyramid;
        - ``tier`` (pyramid only): the same as ``class``, under the name churn
          and cohorts use;
        - ``region``: region of most of the customer's net revenue (ties, to 6
          decimals as for the ranking: alphabetically first).

    Raises
    ------
    ConfigError
        Unknown method or thresholds outside 0 < a <= b <= 1.
    DataError
        Missing amounts, or no transactions in the window.

    Notes
    -----
    ABC: with Lₖ the cumulative share after the k-th customer, the customer is
    A when L₍ₖ₋₁₎ < a (so A is the smallest set of customers reaching a; its
    size is ``customers_for_80pct * n`` for a = 0.8), B when L₍ₖ₋₁₎ < b, else C.
    Customers with revenue <= 0 are C. Pyramid: the first ceil(key·n) of the
    n customers with revenue > 0 are key, the first ceil(major·n) key or major
    (see :func:`customer_tiers`); customers with revenue <= 0 are general.

    Examples
    --------
    >>> import kamresearch as kam
    >>> tiers = kam.pareto.classify_customers(kam.load_sample(), method="pyramid")
    >>> tiers["tier"].value_counts().to_dict()
    {'general': 2400, 'major': 570, 'key': 30}
    """
    if method not in ("abc", "pyramid"):
        raise ConfigError(f"method={method!r} is not supported; use 'abc' or 'pyramid'")
    if thresholds is None:
        thresholds = (0.8, 0.95) if method == "abc" else (0.01, 0.20)
    a, b = (float(t) for t in thresholds)
    if not 0 < a <= b <= 1:
        names = "(a, b)" if method == "abc" else "(key, major)"
        raise ConfigError(
            f"{method} thresholds {names} must satisfy 0 < a <= b <= 1, got {thresholds!r}"
        )
    per = _per_customer(tx, start, end, region=True).set_index("customer_id")
    rev = per["revenue"].to_numpy()
    pos = rev > 0  # a prefix: customers are ranked by revenue
    raw = np.cumsum(np.where(pos, rev, 0.0))
    total = raw[-1]
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(pos, rev / total, np.nan)
        cum = np.where(pos, raw / total, np.nan)
    out = pd.DataFrame(index=per.index)
    out["revenue"] = rev
    out["share"] = share
    out["cumulative_share"] = cum
    out["rank"] = np.arange(1, len(rev) + 1, dtype=np.int64)
    if method == "abc":
        prev = np.concatenate([[0.0], cum[:-1]])
        cls = np.where(prev < a - _EPS, "A", np.where(prev < b - _EPS, "B", "C"))
        out["class"] = np.where(pos, cls, "C").astype(object)
    else:
        tier = _ranked_tiers(rev, a, b)
        out["class"] = tier
        out["tier"] = tier
    out["region"] = per["region"]
    out.attrs = {**per.attrs, "method": method, "thresholds": (a, b)}
    return out


def customer_tiers(revenue: pd.Series, *, key: float = 0.01, major: float = 0.20) -> pd.Series:
    """The customer pyramid: tier of each customer from its revenue.

    Shared contract: :mod:`kamresearch.churn` and :mod:`kamresearch.cohorts`
    use it for tiers; :func:`classify_customers` with ``method="pyramid"`` uses
    it on the revenue in a window.

    Parameters
    ----------
    revenue : Series
        Net revenue per customer (index = customer id).
    key : float
        Share of customers (with positive revenue) in the top tier ``"key"``.
    major : float
        Share of customers in the top two tiers together; those not key are ``"major"``.

    Returns
    -------
    Series
        ``"key"``, ``"major"`` or ``"general"`` per customer, same index as
        ``revenue``, named ``tier``.

    Raises
    ------
    ConfigError
        Unless 0 < key <= major <= 1.

    Notes
    -----
    Among the ``n`` customers with revenue > ``ZERO_TOLERANCE``, ranked by revenue (largest
    first; revenues equal to 6 decimals are ties, ordered by customer id as
    text), the first ``ceil(key * n)`` are key and the
    first ``ceil(major * n)`` key or major, so even a small region has a key
    account. Customers with revenue <= 0 are general.

    Examples
    --------
    >>> import pandas as pd
    >>> customer_tiers(pd.Series([5.0, 1.0, 3.0, -2.0], index=list("abcd")), major=0.5).tolist()
    ['key', 'general', 'major', 'general']
    """
    if not 0 < key <= major <= 1:
        raise ConfigError(f"tier thresholds must satisfy 0 < key <= major <= 1, got {key}, {major}")
    pos = revenue[revenue > ZERO_TOLERANCE]  # as every share here: sums of ~0 are noise
    order = pd.DataFrame({"k": _rank_key(pos.to_numpy()), "c": pos.index.astype(str)})
    order.index = pos.index
    order = order.sort_values(["k", "c"], ascending=[False, True], kind="stable")
    n = len(order)
    n_key = math.ceil(key * n - 1e-9)
    n_top = math.ceil(major * n - 1e-9)
    tiers = np.full(n, "general", dtype=object)
    tiers[:n_top] = "major"
    tiers[:n_key] = "key"
    out = pd.Series("general", index=revenue.index, dtype=object, name="tier")
    out.loc[order.index] = tiers
    return out


def _ranked_tiers(ranked_revenue: np.ndarray, key: float, major: float) -> np.ndarray:
    """:func:`customer_tiers` on revenue already ranked by the engine (same order: rank key
    descending, ties by id as text), without re-sorting a million ids in pandas."""
    if not 0 < key <= major <= 1:
        raise ConfigError(f"tier thresholds must satisfy 0 < key <= major <= 1, got {key}, {major}")
    n = int((ranked_revenue > 0).sum())
    tier = np.full(len(ranked_revenue), "general", dtype=object)
    tier[: math.ceil(major * n - 1e-9)] = "major"
    tier[: math.ceil(key * n - 1e-9)] = "key"
    return tier


# ----------------------------------------------------------------------------- trend
def concentration_trend(tx: pd.DataFrame, *, freq: str = "Y", start=None, end=None) -> pd.DataFrame:
    """:func:`concentration_summary` per calendar period: is concentration rising?

    Parameters
    ----------
    freq : {"Y", "Q", "M"} (also "W", "D")
        Period length.
    start, end : date-like, optional
        Window (inclusive days). A given day also says the data are complete
        from / up to it (see Notes); a report passes ``end=as_of``.

    Returns
    -------
    DataFrame
        One row per period from the first to the last period with data
        (``PeriodIndex`` named ``period``; a period without lines has
        ``n_customers`` 0 and NaN shares), columns as
        :data:`SUMMARY_COLUMNS` (see :func:`concentration_summary`), each
        computed on the revenue of that period alone, then ``partial``: True
        when the period is not wholly observed (see Notes), so its figures
        are not comparable with full periods.

    Raises
    ------
    ConfigError
        Unknown ``freq``.
    DataError
        Missing amounts, or no transactions in the window.

    Notes
    -----
    The observed span runs from ``start`` (else the first day with data in
    the window) to ``end`` (else the last day with data in the window); a
    period is ``partial`` unless it lies wholly inside that span. So a period
    the window cuts is partial, and without ``end`` so is a period in which
    the data stop. A given ``end`` (e.g. the analysis date ``as_of``) states
    that sales are recorded up to it: a period ending on or before ``end`` is
    full even when its last sale is earlier (a region with no sale in its last
    weeks was observed, not cut off). Pass ``end`` only up to the date the
    data are known to be complete; ``start`` likewise.

    Examples
    --------
    >>> import kamresearch as kam
    >>> trend = kam.pareto.concentration_trend(kam.load_sample(), freq="Y")
    >>> [str(p) for p in trend.index]
    ['2021', '2022', '2023', '2024']
    """
    pfreq, _ = parse_freq(freq)
    s, e = _prepare(tx, start, end)
    lo, hi, cells = _engine.period_customer_revenue(tx, start=s, end=e, pfreq=pfreq)
    if lo is None:
        raise _empty_window(tx, s, e)
    got = {"p": cells["p"].to_numpy(), "r": cells["r"].to_numpy(dtype=float)}
    # the observed span (Notes): a given start / end, else the data's own first / last day
    lo = s if s is not None else pd.Timestamp(lo).normalize()
    hi = e if e is not None else pd.Timestamp(hi).normalize()
    p, r = np.asarray(got["p"], dtype="datetime64[ns]"), _denoise(got["r"])
    periods = pd.period_range(pd.Timestamp(p[0]), pd.Timestamp(p[-1]), freq=pfreq, name="period")
    firsts = periods.start_time.to_numpy(dtype="datetime64[ns]")
    bounds = np.searchsorted(p, firsts, side="left").tolist() + [len(p)]
    rows = []
    for i, per in enumerate(periods):
        row = _metrics(r[bounds[i] : bounds[i + 1]])
        row["partial"] = bool(per.start_time < lo or per.end_time.normalize() > hi)
        rows.append(row)
    out = pd.DataFrame.from_records(rows, index=periods, columns=[*SUMMARY_COLUMNS, "partial"])
    out.attrs = {"start": s, "end": e, "freq": pfreq}
    return out
