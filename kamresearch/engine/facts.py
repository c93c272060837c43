"""Line-level aggregation in the engine: the small tables every analysis builds on.

The canonical transactions (see :mod:`kamresearch.schema`) can have tens of
millions of lines; the analyses need one row per customer, per customer-day or
per customer x period. Those aggregations are Ibis expressions (see
:mod:`kamresearch.engine.lines`) run by DuckDB over a pandas table (no copy of
the data into a database) or by the backend of a LazyTable (DuckDB, Spark).

Conventions
-----------
* ``as_of`` is a date: lines on that day are included, later lines are ignored
  and counted in ``result.attrs["lines_after_as_of"]``. ``None`` means the last
  date in the data. Nothing here reads the clock.
* A *purchase* is a line with ``amount > 0``; *net revenue* sums every line,
  returns included.
"""

from __future__ import annotations

import re

import pandas as pd

from ..schema import attribute_columns, check_transactions
from .lines import date_bounds, day_number, from_day_number, memo, open_lines, slim

__all__ = [
    "resolve_as_of",
    "AS_OF_MAX_DAYS_AFTER",
    "customer_summary",
    "customer_days",
    "customer_periods",
    "FREQS",
    "parse_freq",
]

#: Accepted period frequencies and their pandas Period aliases / DuckDB date_trunc parts.
FREQS = {
    "D": ("D", "day"),
    "W": ("W", "week"),
    "M": ("M", "month"),
    "Q": ("Q", "quarter"),
    "Y": ("Y", "year"),
    "A": ("Y", "year"),
}


#: Days past the last date of the data beyond which an explicit ``as_of`` is refused
#: by ``resolve_as_of(..., max_days_after=...)`` unless forced: a year, longer than
#: any inactivity window, so every customer would count as churned (the report run
#: and the CLI use it).
AS_OF_MAX_DAYS_AFTER = 366


def resolve_as_of(tx, as_of=None, *, max_days_after=None, force=False) -> pd.Timestamp:
    """The analysis date: ``as_of`` normalised to midnight, or the last date in ``tx``.

    Parameters
    ----------
    tx : DataFrame or LazyTable
        Canonical transactions.
    as_of : date-like or year-first str, optional
        Default: the last date in ``tx``.
    max_days_after : int, optional
        Refuse an ``as_of`` more than this many days after the last date in ``tx``
        (the report run passes :data:`AS_OF_MAX_DAYS_AFTER`); None: no limit.
    force : bool, default False
        Accept such an ``as_of`` anyway (``kamresearch report --force-as-of``).

    Raises
    ------
    DataError
        When ``tx`` is empty and no ``as_of`` is given, ``as_of`` is not a date, is
        before the first date in ``tx`` (nothing to analyse), or lies more than
        ``max_days_after`` days after its last date and ``force`` is not set.
    """
    from ..errors import DataError

    first, last, n = date_bounds(tx)
    if as_of is None:
        if n == 0:
            raise DataError(
                "no transactions, so there is no last date to use as as_of",
                fix="pass as_of explicitly or check the data window",
            )
        return last.normalize()
    ts = parse_date(as_of)
    if ts is None:
        raise DataError(
            f"as_of={as_of!r} is not a date written year-first",
            fix="pass as_of as 'YYYY-MM-DD' (01/02/2011 could be 1 February or 2 January)",
        )
    ts = ts.tz_localize(None).normalize() if ts.tzinfo else ts.normalize()
    if n == 0:
        return ts
    first = first.normalize()
    if ts < first:
        raise DataError(
            f"as_of {ts.date()} is before the first date in the data ({first.date()}): "
            "there is nothing to analyse",
            fix=f"pass an as_of on or after {first.date()}, or leave it out for the last date",
        )
    if max_days_after is not None and not force:
        last = last.normalize()
        if (ts - last).days > max_days_after:
            raise DataError(
                f"as_of {ts.date()} is {(ts - last).days:,} days after the last date in the "
                f"data ({last.date()}), more than {max_days_after} days: every customer would "
                "count as churned and every later period as empty",
                fix=f"pass an as_of up to {(last + pd.Timedelta(days=max_days_after)).date()}, "
                "leave it out for the last date, or force it (force_as_of=True, "
                "kamresearch report --force-as-of) if the data really stop there",
            )
    return ts


_YEAR_FIRST = re.compile(r"\d{4}[-/.]\d{1,2}[-/.]\d{1,2}([ T]\S.*)?|\d{8}")


def parse_date(value) -> pd.Timestamp | None:
    """A date given by a user (``as_of``): a date object or a year-first string, else None.

    Strings must be year-first (``2024-06-30``, ``2024/6/30``, ``20240630``, with an
    optional time) so that ``01/02/2011`` is never guessed as 2 January or 1 February.
    """
    if isinstance(value, str) and not _YEAR_FIRST.fullmatch(value.strip()):
        return None
    try:
        ts = pd.Timestamp(value.strip() if isinstance(value, str) else value)
    except (ValueError, TypeError, OverflowError):
        return None
    return None if ts is pd.NaT else ts


def parse_freq(freq, *, allowed=("M", "Q", "Y", "D", "W")) -> tuple[str, str]:
    """Normalise a period frequency: ``(pandas Period alias, DuckDB date_trunc part)``.

    Accepts ``"M"``, ``"Q"``, ``"Y"`` (also ``"A"`` and the pandas 2.2 spellings
    ``"ME"``, ``"QE"``, ``"YE"``, any case), ``"D"`` and ``"W"``, as far as ``allowed``
    (canonical letters) permits.

    Raises
    ------
    ConfigError
        For any other value.
    """
    from ..errors import ConfigError

    key = str(freq).upper()
    if key.endswith("E") and len(key) == 2:  # "ME", "QE", "YE" pandas 2.2 spellings
        key = key[0]
    key = "Y" if key == "A" else key
    if key not in FREQS or key not in allowed:
        raise ConfigError(
            f"freq={freq!r} is not supported; use one of {', '.join(map(repr, allowed))}"
        )
    return FREQS[key]


def _cut(lines, tx, as_of):
    """(resolved as_of, lines up to it, lines after it)."""
    as_of = resolve_as_of(tx, as_of)
    t, n_after = lines.cut(as_of)
    return as_of, t, n_after


def region_of(t):
    """Ibis: ``customer_id``, ``region`` -- the region of most of each customer's net
    revenue in ``t`` (ties: alphabetically first)."""
    import ibis

    cr = t.group_by(["customer_id", "region"]).aggregate(r=t.amount.sum())
    w = ibis.window(group_by="customer_id", order_by=[ibis.desc("r"), ibis.asc("region")])
    cr = cr.mutate(rn=ibis.row_number().over(w))
    return cr.filter(cr.rn == 0).select("customer_id", "region")


@memo
def customer_summary(tx, *, as_of=None) -> pd.DataFrame:
    """One row per customer: purchase dates, purchase days, net revenue, region.

    Parameters
    ----------
    tx : DataFrame or LazyTable
        Canonical transactions.
    as_of : date-like, optional
        Lines after this day are ignored (and counted). Default: last date in ``tx``.

    Returns
    -------
    DataFrame
        Indexed by ``customer_id`` (sorted), columns:

        - ``first_purchase``, ``last_purchase``: first and last day with a purchase
          (a positive line); NaT for a customer with returns only.
        - ``first_seen``, ``last_seen``: first and last day with any line.
        - ``n_purchase_days``: distinct days with a purchase.
        - ``n_lines``: lines of any sign.
        - ``revenue``: net revenue (all lines, returns included).
        - ``gross_revenue``: sum of the positive lines.
        - ``region``: the region with most of the customer's net revenue
          (ties: alphabetically first).
        - one column per mapped attribute: the value on the customer's latest line.

        ``attrs["as_of"]`` and ``attrs["lines_after_as_of"]`` record the cut.
    """
    import ibis

    check_transactions(tx)
    attrs = attribute_columns(tx)
    with open_lines(tx) as lines:
        as_of, t, n_after = _cut(lines, tx, as_of)
        # customer-day grain first: cheaper than count(DISTINCT day) per customer
        t = slim(t, attrs=attrs)
        t = t.mutate(day=day_number(t.date), pos=t.amount > 0)
        d = t.group_by(["customer_id", "day"]).aggregate(
            rev=t.amount.sum(),
            gross=ibis.ifelse(t.pos, t.amount, 0.0).sum(),
            n=t.count(),
            buy=t.pos.any(),
            # attributes: the value on the latest line (per day, then over days)
            **{f"a_{i}": t[f"a_{i}"].argmax(t.date) for i in range(len(attrs))},
            **({"last_ts": t.date.max()} if attrs else {}),
        )
        base = d.group_by("customer_id").aggregate(
            first_purchase=d.day.min(where=d.buy),
            last_purchase=d.day.max(where=d.buy),
            first_seen=d.day.min(),
            last_seen=d.day.max(),
            n_purchase_days=d.count(where=d.buy),
            n_lines=d.n.sum(),
            revenue=d.rev.sum(),
            gross_revenue=d.gross.sum(),
            **{f"a_{i}": d[f"a_{i}"].argmax(d.last_ts) for i in range(len(attrs))},
        )
        expr = base.join(region_of(t), "customer_id").order_by("customer_id")
        out = lines.execute(expr)
    for c in ("first_purchase", "last_purchase", "first_seen", "last_seen"):
        out[c] = from_day_number(out[c])
    out["n_purchase_days"] = out["n_purchase_days"].astype("int64")
    out["n_lines"] = out["n_lines"].astype("int64")
    for c in ("revenue", "gross_revenue"):
        out[c] = out[c].astype("float64")
    out = out.rename(columns={f"a_{i}": a for i, a in enumerate(attrs)})
    cols = [
        "customer_id",
        "first_purchase",
        "last_purchase",
        "first_seen",
        "last_seen",
        "n_purchase_days",
        "n_lines",
        "revenue",
        "gross_revenue",
        "region",
        *attrs,
    ]
    out = out[cols].set_index("customer_id")
    out.attrs = {"as_of": as_of, "lines_after_as_of": n_after}
    return out


@memo
def customer_days(tx, *, as_of=None) -> pd.DataFrame:
    """One row per customer x calendar day with any line.

    Returns
    -------
    DataFrame
        Columns ``customer_id``, ``day`` (datetime64, midnight), ``revenue`` (net),
        ``purchase`` (bool: at least one positive line that day), sorted by
        customer and day. ``attrs`` as in :func:`customer_summary`.
    """
    check_transactions(tx)
    with open_lines(tx) as lines:
        as_of, t, n_after = _cut(lines, tx, as_of)
        t = slim(t)
        t = t.mutate(day=day_number(t.date))
        expr = (
            t.group_by(["customer_id", "day"])
            .aggregate(revenue=t.amount.sum(), purchase=(t.amount > 0).any())
            .order_by(["customer_id", "day"])
        )
        out = lines.execute(expr)
    out["day"] = from_day_number(out["day"])
    out["revenue"] = out["revenue"].astype("float64")
    out["purchase"] = out["purchase"].astype(bool)
    out.attrs = {"as_of": as_of, "lines_after_as_of": n_after}
    return out


def period_start(ts, pfreq: str):
    """Ibis: the day number of the first day of the calendar period of ``ts``
    (weeks start on Monday)."""
    return day_number(ts.truncate(pfreq))


def to_periods(day_numbers, pfreq: str) -> pd.PeriodIndex:
    """Pandas: day numbers of period starts to a PeriodIndex of ``pfreq``."""
    return pd.PeriodIndex(pd.DatetimeIndex(from_day_number(day_numbers)), freq=pfreq)


@memo
def customer_periods(tx, *, freq: str = "M", as_of=None) -> pd.DataFrame:
    """One row per customer x period with any line.

    Parameters
    ----------
    freq : {"M", "Q", "Y"} (also "D", "W")
        Period length; periods are calendar periods (weeks start on Monday).

    Returns
    -------
    DataFrame
        Columns ``customer_id``, ``period`` (pandas Period of ``freq``),
        ``revenue`` (net revenue in the period), ``gross_revenue`` (positive lines),
        ``purchased`` (bool: at least one positive line in the period),
        ``n_lines``; sorted by customer and period. ``attrs`` as in
        :func:`customer_summary`.
    """
    import ibis

    check_transactions(tx)
    pfreq, _ = parse_freq(freq)
    with open_lines(tx) as lines:
        as_of, t, n_after = _cut(lines, tx, as_of)
        t = slim(t)
        t = t.mutate(p=period_start(t.date, pfreq), pos=t.amount > 0)
        expr = (
            t.group_by(["customer_id", "p"])
            .aggregate(
                revenue=t.amount.sum(),
                gross_revenue=ibis.ifelse(t.pos, t.amount, 0.0).sum(),
                purchased=t.pos.any(),
                n_lines=t.count(),
            )
            .order_by(["customer_id", "p"])
        )
        out = lines.execute(expr)
    out.insert(1, "period", to_periods(out.pop("p"), pfreq))
    for c in ("revenue", "gross_revenue"):
        out[c] = out[c].astype("float64")
    out["purchased"] = out["purchased"].astype(bool)
    out["n_lines"] = out["n_lines"].astype("int64")
    out.attrs = {"as_of": as_of, "lines_after_as_of": n_after, "freq": pfreq}
    return out
