"""Line-level aggregation in DuckDB: the small tables every analysis builds on.

The canonical transactions (see :mod:`kamresearch.schema`) can have tens of
millions of lines; the analyses need one row per customer, per customer-day or
per customer x period. Those aggregations run here, in DuckDB over the pandas
table (no copy of the data into a database), so 10M lines take seconds.

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

import duckdb
import pandas as pd

from ..schema import attribute_columns, check_transactions

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


def resolve_as_of(
    tx: pd.DataFrame, as_of=None, *, max_days_after=None, force=False
) -> pd.Timestamp:
    """The analysis date: ``as_of`` normalised to midnight, or the last date in ``tx``.

    Parameters
    ----------
    tx : DataFrame
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

    if as_of is None:
        if len(tx) == 0:
            raise DataError(
                "no transactions, so there is no last date to use as as_of",
                fix="pass as_of explicitly or check the data window",
            )
        return pd.Timestamp(tx["date"].max()).normalize()
    ts = parse_date(as_of)
    if ts is None:
        raise DataError(
            f"as_of={as_of!r} is not a date written year-first",
            fix="pass as_of as 'YYYY-MM-DD' (01/02/2011 could be 1 February or 2 January)",
        )
    ts = ts.tz_localize(None).normalize() if ts.tzinfo else ts.normalize()
    if len(tx) == 0:
        return ts
    first = pd.Timestamp(tx["date"].min()).normalize()
    if ts < first:
        raise DataError(
            f"as_of {ts.date()} is before the first date in the data ({first.date()}): "
            "there is nothing to analyse",
            fix=f"pass an as_of on or after {first.date()}, or leave it out for the last date",
        )
    if max_days_after is not None and not force:
        last = pd.Timestamp(tx["date"].max()).normalize()
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


def _connect(tx: pd.DataFrame, as_of: pd.Timestamp):
    con = duckdb.connect()
    con.register("tx_raw", tx)
    cutoff = as_of + pd.Timedelta(days=1)
    con.execute(f"CREATE TEMP VIEW tx AS SELECT * FROM tx_raw WHERE date < TIMESTAMP '{cutoff}'")
    n_after = con.execute(
        f"SELECT count(*) FROM tx_raw WHERE date >= TIMESTAMP '{cutoff}'"
    ).fetchone()[0]
    return con, int(n_after)


def _quote(name: str) -> str:
    return '"' + str(name).replace('"', '""') + '"'


def customer_summary(tx: pd.DataFrame, *, as_of=None) -> pd.DataFrame:
    """One row per customer: purchase dates, purchase days, net revenue, region.

    Parameters
    ----------
    tx : DataFrame
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
    check_transactions(tx)
    as_of = resolve_as_of(tx, as_of)
    con, n_after = _connect(tx, as_of)
    attrs = attribute_columns(tx)
    # attributes: the value on the latest line (per day, then over days)
    attr_day = "".join(f", arg_max({_quote(a)}, date) AS {_quote(a)}" for a in attrs)
    attr_day += ", max(date) AS last_ts" if attrs else ""
    attr_cust = "".join(f", arg_max({_quote(a)}, last_ts) AS {_quote(a)}" for a in attrs)
    try:
        out = con.execute(
            f"""
            WITH d AS (
                -- customer-day grain first: cheaper than count(DISTINCT day) per customer
                SELECT customer_id, date::DATE AS day,
                       sum(amount) AS rev,
                       sum(CASE WHEN amount > 0 THEN amount ELSE 0 END) AS gross,
                       count(*) AS n, bool_or(amount > 0) AS buy
                       {attr_day}
                FROM tx GROUP BY customer_id, day
            ),
            base AS (
                SELECT customer_id,
                       min(CASE WHEN buy THEN day END) AS first_purchase,
                       max(CASE WHEN buy THEN day END) AS last_purchase,
                       min(day) AS first_seen,
                       max(day) AS last_seen,
                       count(*) FILTER (WHERE buy) AS n_purchase_days,
                       sum(n) AS n_lines,
                       sum(rev) AS revenue,
                       sum(gross) AS gross_revenue
                       {attr_cust}
                FROM d GROUP BY customer_id
            ),
            reg AS (
                SELECT customer_id, region FROM (
                    SELECT customer_id, region,
                           row_number() OVER (PARTITION BY customer_id
                                              ORDER BY sum(amount) DESC, region ASC) AS rn
                    FROM tx GROUP BY customer_id, region
                ) WHERE rn = 1
            )
            SELECT base.*, reg.region FROM base JOIN reg USING (customer_id)
            ORDER BY customer_id
            """
        ).df()
    finally:
        con.close()
    for c in ("first_purchase", "last_purchase", "first_seen", "last_seen"):
        out[c] = pd.to_datetime(out[c]).astype("datetime64[ns]")
    out["n_purchase_days"] = out["n_purchase_days"].astype("int64")
    out["n_lines"] = out["n_lines"].astype("int64")
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


def customer_days(tx: pd.DataFrame, *, as_of=None) -> pd.DataFrame:
    """One row per customer x calendar day with any line.

    Returns
    -------
    DataFrame
        Columns ``customer_id``, ``day`` (datetime64, midnight), ``revenue`` (net),
        ``purchase`` (bool: at least one positive line that day), sorted by
        customer and day. ``attrs`` as in :func:`customer_summary`.
    """
    check_transactions(tx)
    as_of = resolve_as_of(tx, as_of)
    con, n_after = _connect(tx, as_of)
    try:
        out = con.execute(
            """
            SELECT customer_id, date::DATE AS day, sum(amount) AS revenue,
                   bool_or(amount > 0) AS purchase
            FROM tx GROUP BY customer_id, day ORDER BY customer_id, day
            """
        ).df()
    finally:
        con.close()
    out["day"] = pd.to_datetime(out["day"]).astype("datetime64[ns]")
    out["purchase"] = out["purchase"].astype(bool)
    out.attrs = {"as_of": as_of, "lines_after_as_of": n_after}
    return out


def customer_periods(tx: pd.DataFrame, *, freq: str = "M", as_of=None) -> pd.DataFrame:
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
    check_transactions(tx)
    pfreq, part = parse_freq(freq)
    as_of = resolve_as_of(tx, as_of)
    con, n_after = _connect(tx, as_of)
    try:
        out = con.execute(
            f"""
            SELECT customer_id, date_trunc('{part}', date)::DATE AS period_start,
                   sum(amount) AS revenue,
                   sum(CASE WHEN amount > 0 THEN amount ELSE 0 END) AS gross_revenue,
                   bool_or(amount > 0) AS purchased,
                   count(*) AS n_lines
            FROM tx GROUP BY customer_id, period_start ORDER BY customer_id, period_start
            """
        ).df()
    finally:
        con.close()
    starts = pd.to_datetime(out.pop("period_start"))
    out.insert(1, "period", pd.PeriodIndex(starts, freq=pfreq))
    out["purchased"] = out["purchased"].astype(bool)
    out["n_lines"] = out["n_lines"].astype("int64")
    out.attrs = {"as_of": as_of, "lines_after_as_of": n_after, "freq": pfreq}
    return out
