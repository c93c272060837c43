"""Plain-language readings of the headline figures, for the executive summary.

Each function takes the *result* of an analysis (not transactions) and returns
a :class:`Readings` table: one row per figure with its value, a formatted
display and a one-line reading such as "Top 10 customers make 62% of revenue:
highly concentrated". The report notebook shows them; the overview page and the
Excel file reuse the same rows, so every place says the same thing.

Thresholds used in the readings
-------------------------------
* Top-10 share: >= 50% highly concentrated (the typical B2B range is 50-80%),
  >= 25% concentrated, else broadly spread.
* Top-20% share: 70-90% is the classic 80/20 Pareto pattern; above is more
  concentrated, below flatter.
* HHI bands as in :func:`kamresearch.pareto.concentration_summary` (2023 US
  merger guidelines: below 1,000 unconcentrated, above 1,800 highly
  concentrated); an HHI that would round onto a band edge is shown with
  decimals (1,800.4), so the number shown agrees with its band.
* A customer with >= 10% of revenue is a single-customer dependency (disclosed
  under US GAAP ASC 280).

Small data: what a reading needs before it judges
-------------------------------------------------
* :data:`MIN_CUSTOMERS` (5) customers with positive net revenue. Below it no
  concentration figure is given (top-10 and top-20% shares, customers for 80%,
  HHI, Gini): one row ``top10_share`` with no value says the data are too few to
  judge. Five is the smallest base whose top 20% is a whole customer; with fewer,
  every customer is a large share by arithmetic, not by dependence.
* Concentration bands account for the number of customers ``n``. With equal
  shares the top 10 make ``min(10, n) / n`` of revenue and the HHI is
  ``10,000 / n`` -- the *floor* no real split can go below. The top-10 band is
  decided on the share above that floor, ``(share - floor) / (1 - floor)``, and
  for fewer than :data:`NORMALISE_HHI_BELOW` (100) customers, where the floor is
  100 or more (a tenth of the first edge), the HHI band on the normalised HHI
  ``(HHI - 10,000/n) / (1 - 1/n)`` (:func:`normalised_hhi`), both against the edges above: 12 equal customers
  (top 10 = 83%, HHI 833) read as *broadly spread* / *unconcentrated*, not highly
  concentrated. With thousands of customers the floor is negligible and the bands
  are the plain ones; when the floor changes the band, the reading names it.
* :data:`FEW_CUSTOMERS` (30): every share quoted for fewer customers carries a
  warning that one account moves it a lot (one of 12 customers is 8% of them).
* :data:`MIN_PERIODS` (3) periods up to the one read. A retention or key-pool
  verdict (grow/shrink, reservoir/funnel) needs two period-on-period comparisons;
  with two periods there is a single change, which cannot tell a trend from a
  one-off, so the reading says the data are too short instead of giving a figure.
* NRR above 100%: the retained accounts grow; 100.0% as displayed: flat;
  below: read against the growth of the accounts *kept*,
  ``(start - churned - contraction + expansion) / (start - churned)``: when they
  did not shrink, NRR is below 100% because of the accounts lost -- a failure
  to keep (留不住), not to grow; else the retained accounts shrink (做大不了).
  Churn is not shrinkage (judged on the figures as displayed, to 0.1%). The base of
  both is the accounts with positive net revenue in the previous period; GRR is
  at most 100% and says how much of *their* previous-period revenue was lost to
  churn and contraction.
* A partial last period (``partial``: it ends after ``as_of``) is skipped when a
  full period exists; otherwise its figures are labelled "2024 (partial, to 15
  Mar)" and read as not comparable with a full period -- no grow/shrink, leak or
  reservoir/funnel verdict is drawn from them.
* Key-account pool: judged on inflow and outflow, not only the net change. A
  leak rate (opening key accounts that left ÷ opening key accounts) of
  :data:`LEAK_RATE_HIGH` (25%) or more with at least as many entering is a
  *leaking pool* (it holds up only by refilling); otherwise more entered than
  left = filling like a reservoir; fewer = draining like a funnel.
"""

from __future__ import annotations

import math

import pandas as pd

from .i18n import N_, _, format_number, format_period, get_language, ngettext, value_label
from .pareto.concentration import HHI_EDGES  # the band edges of concentration_summary
from .plotting import format_money, format_pct

__all__ = [
    "READING_COLUMNS",
    "LEAK_RATE_HIGH",
    "MIN_CUSTOMERS",
    "FEW_CUSTOMERS",
    "MIN_PERIODS",
    "equal_share_floor",
    "normalised_hhi",
    "few_customers_warning",
    "small_base_note",
    "concentration_readings",
    "retention_readings",
    "key_pool_readings",
    "churn_readings",
    "combine",
    "customers_phrase",
    "format_hhi",
]

#: Columns of every readings table.
READING_COLUMNS = ("figure", "label", "value", "display", "reading")


#: A leak rate of the key pool from this share up reads as a leaking pool.
LEAK_RATE_HIGH = 0.25

#: Fewer customers than this: the top-20% share is not compared with the 80/20 rule.
MIN_CUSTOMERS_FOR_SHAPE = 10

#: Fewer customers with positive net revenue than this: no concentration figure at all.
MIN_CUSTOMERS = 5
#: Fewer customers than this: every share quoted carries :func:`few_customers_warning`.
FEW_CUSTOMERS = 30
#: Fewer customers than this: the HHI band is decided on :func:`normalised_hhi`.
NORMALISE_HHI_BELOW = 100
#: Fewer periods than this up to the period read: no retention or key-pool verdict.
MIN_PERIODS = 3

#: Bands of the top-10 share (decided on the share above the equal-shares floor).
_TOP10_BANDS = ((0.5, N_("highly concentrated")), (0.25, N_("concentrated")),
                (-math.inf, N_("broadly spread")))  # fmt: skip


def equal_share_floor(n: int, top: int = 10) -> float:
    """Share of the ``top`` largest of ``n`` customers when all buy the same: ``min(top, n) / n``.

    >>> equal_share_floor(12), equal_share_floor(3000), equal_share_floor(4)
    (0.8333333333333334, 0.0033333333333333335, 1.0)
    """
    return min(top, n) / n if n > 0 else math.nan


def normalised_hhi(hhi: float, n: int) -> float:
    """HHI above its equal-shares floor, rescaled to 0-10,000: ``(HHI - 10,000/n) / (1 - 1/n)``.

    0 when all ``n`` customers buy the same, 10,000 when one buys everything; NaN for
    fewer than two customers (no spread to measure).

    >>> round(normalised_hhi(10_000 / 12, 12), 6), normalised_hhi(10_000, 2)
    (0.0, 10000.0)
    """
    if n < 2 or _isnan(hhi):
        return math.nan
    return (float(hhi) - 10_000 / n) / (1 - 1 / n)


def few_customers_warning(n: int) -> str:
    """The warning a share quoted for fewer than :data:`FEW_CUSTOMERS` customers carries
    (empty from that number up)."""
    if n >= FEW_CUSTOMERS:
        return ""
    return ngettext(" (only {n} customer: one account moves this share a lot)",
                    " (only {n} customers: one account moves this share a lot)",
                    n).format(n=format_number(n))  # fmt: skip


def small_base_note(n: int) -> str:
    """A note for a section that shows shares of ``n`` customers: empty from
    :data:`FEW_CUSTOMERS` up; below :data:`MIN_CUSTOMERS`, that the shares are too few to judge."""
    if n >= FEW_CUSTOMERS:
        return ""
    if n < MIN_CUSTOMERS:
        return ngettext("Only {n} customer with positive net revenue: too few to judge "
                        "concentration (it takes at least {min}); the shares here follow from "
                        "the count, not from dependence on a few accounts.",
                        "Only {n} customers with positive net revenue: too few to judge "
                        "concentration (it takes at least {min}); the shares here follow from "
                        "the count, not from dependence on a few accounts.",
                        n).format(n=format_number(n), min=MIN_CUSTOMERS)  # fmt: skip
    return _(
        "Only {n} customers with positive net revenue: one account moves every share in "
        "this section a lot."
    ).format(n=format_number(n))


def _hhi_band_of(hhi: float) -> str:
    low, high = HHI_EDGES
    hhi = round(hhi, 6)
    return (N_("unconcentrated") if hhi < low else N_("moderately concentrated") if hhi <= high
            else N_("highly concentrated"))  # fmt: skip


def _top10_band(share: float) -> str:
    return next(band for edge, band in _TOP10_BANDS if share >= edge)


def customers_phrase(n: int) -> str:
    """ "1 customer", "3,000 customers" (in the report's language)."""
    return ngettext("{n} customer", "{n} customers", n).format(n=format_number(n))


def format_hhi(hhi: float) -> str:
    """HHI as a whole number, with decimals when rounding would land on a band edge.

    The bands (:data:`kamresearch.pareto.HHI_EDGES`) are decided on the HHI to six decimals, so
    999.6 (unconcentrated) must not show as "1,000" nor 1,800.4 (highly
    concentrated) as "1,800": such values get as many decimals as it takes to
    differ from the edge.

    >>> format_hhi(1234.4), format_hhi(1800.4), format_hhi(999.6), format_hhi(1800.0)
    ('1,234', '1,800.4', '999.6', '1,800')
    >>> format_hhi(1799.96)
    '1,799.96'
    """
    if _isnan(hhi):
        return "–"
    hhi = float(hhi)
    on_edge = round(hhi, 6) in HHI_EDGES  # exactly on an edge: the whole number is right
    for digits in range(7):
        shown = f"{hhi:.{digits}f}"
        if on_edge or float(shown) not in HHI_EDGES:
            break
    return format_number(float(shown), digits)


def _row(figure, label, value, display, reading):
    return {"figure": figure, "label": label, "value": value, "display": display,
            "reading": reading}  # fmt: skip


def _frame(rows) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=list(READING_COLUMNS))


def _isnan(x) -> bool:
    return x is None or (isinstance(x, float) and math.isnan(x))


def concentration_readings(summary: pd.Series) -> pd.DataFrame:
    """Readings of :func:`kamresearch.pareto.concentration_summary`.

    Parameters
    ----------
    summary : Series
        The concentration summary (needs ``n_customers``, ``revenue``,
        ``top10_share``, ``top20pct_share``, ``customers_for_80pct``, ``hhi``,
        ``hhi_band``, ``gini``, ``n_major_customers``).

    Returns
    -------
    DataFrame
        Columns ``figure``, ``label``, ``value``, ``display``, ``reading``; rows
        ``revenue``, ``customers``, ``top10_share``, ``top20pct_share``,
        ``customers_for_80pct``, ``hhi``, ``gini``, ``n_major_customers``.

    Notes
    -----
    ``customers`` counts every customer of the summary's window (``n_customers``
    with positive net revenue plus ``n_nonpositive``), the count the report's
    opening line gives (customers with a line up to ``as_of``); its reading says
    how many of them have positive net revenue, the base of every share.
    """
    n = int(summary["n_customers"])
    n_all = n + int(summary.get("n_nonpositive", 0) or 0)
    rows = [
        _row(
            "revenue",
            _("Net revenue"),
            float(summary["revenue"]),
            format_money(summary["revenue"]),
            ngettext(
                "Net revenue of the {n} customer with positive revenue",
                "Net revenue of the {n} customers with positive revenue",
                n,
            ).format(n=format_number(n)),  # fmt: skip
        ),
    ]
    if n == 0:
        rows.append(
            _row(
                "customers",
                _("Customers"),
                float(n_all),
                format_number(n_all),
                _("No customer has positive net revenue: no concentration to measure"),
            )
        )
        return _frame(rows)
    positive = ngettext(
        "{n} customer with positive net revenue", "{n} customers with positive net revenue", n
    ).format(n=format_number(n))
    if n_all > n:
        positive = ngettext(
            "{n_all} customers, {n} of them with positive net revenue",
            "{n_all} customers, {n} of them with positive net revenue",
            n,
        ).format(n_all=format_number(n_all), n=format_number(n))
    rows.append(_row("customers", _("Customers"), float(n_all), format_number(n_all), positive))
    warn = few_customers_warning(n)
    if n < MIN_CUSTOMERS:
        # too few to judge: no share, HHI or Gini, only the dependency count below
        rows.append(
            _row(
                "top10_share",
                _("Top 10 customers' share"),
                math.nan,
                "–",
                ngettext(
                    "Only {n} customer with positive net revenue: too few to judge concentration "
                    "(it takes at least {min})",
                    "Only {n} customers with positive net revenue: too few to judge concentration "
                    "(it takes at least {min})",
                    n,
                ).format(n=format_number(n), min=MIN_CUSTOMERS),
            )
        )
        rows.append(_major_row(summary, warn))
        return _frame(rows)
    top10 = float(summary["top10_share"])
    if n <= 10:
        reading = _("All {n} customers are in the top 10: every account weighs heavily").format(
            n=format_number(n)
        )
    else:
        floor = equal_share_floor(n)
        band = _top10_band((top10 - floor) / (1 - floor))
        if band != _top10_band(top10):  # the floor decides: say so
            reading = _("Top 10 customers make {share} of revenue, against {floor} if all {n} "
                        "bought the same: {band}").format(
                share=format_pct(top10), floor=format_pct(floor), n=format_number(n),
                band=_(band))  # fmt: skip
        else:
            reading = _("Top 10 customers make {share} of revenue: {band}").format(
                share=format_pct(top10), band=_(band)
            )
    rows.append(_row("top10_share", _("Top 10 customers' share"), top10, format_pct(top10),
                     reading + warn))  # fmt: skip
    t20 = float(summary["top20pct_share"])
    shape = (_("the classic 80/20 Pareto pattern") if 0.7 <= t20 <= 0.9 else
             _("more concentrated than 80/20") if t20 > 0.9 else _("flatter than 80/20"))  # fmt: skip
    if n < MIN_CUSTOMERS_FOR_SHAPE:
        shape = ngettext("with only {n} customer, the 80/20 comparison says little",
                         "with only {n} customers, the 80/20 comparison says little",
                         n).format(n=format_number(n))  # fmt: skip
    rows.append(
        _row(
            "top20pct_share",
            _("Top 20% of customers' share"),
            t20,
            format_pct(t20),
            _("The top 20% of customers make {share} of revenue: {shape}").format(
                share=format_pct(t20), shape=shape
            )
            + warn,
        )
    )
    c80 = float(summary["customers_for_80pct"])
    k80 = max(1, round(c80 * n))
    rows.append(
        _row(
            "customers_for_80pct",
            _("Customers making 80% of revenue"),
            c80,
            f"{format_pct(c80)} ({format_number(k80)})",
            ngettext(
                "{n} customer ({share}) makes 80% of revenue",
                "{n} customers ({share}) make 80% of revenue",
                k80,
            ).format(n=format_number(k80), share=format_pct(c80))
            + warn,  # fmt: skip
        )
    )
    hhi = float(summary["hhi"])
    norm = normalised_hhi(hhi, n)
    band = _hhi_band_of(norm) if n < NORMALISE_HHI_BELOW else summary["hhi_band"]
    if band != summary["hhi_band"]:  # the equal-shares floor 10,000/n decides: say so
        reading = _("HHI {hhi} with {n} customers, where equal shares give {floor}: normalised "
                    "HHI {norm}, {band}").format(
            hhi=format_hhi(hhi), n=format_number(n), floor=format_hhi(10_000 / n),
            norm=format_hhi(max(norm, 0.0)), band=_(band))  # fmt: skip
    else:
        reading = _("HHI {hhi}: {band} (above 1,800 is highly concentrated)").format(
            hhi=format_hhi(hhi), band=_(summary["hhi_band"])
        )
    rows.append(_row("hhi", _("HHI"), hhi, format_hhi(hhi), reading))
    gini = float(summary["gini"])
    rows.append(
        _row(
            "gini",
            _("Gini"),
            gini,
            format_number(gini, 2),
            _("Gini {gini} (0: all customers buy the same, 1: one buys everything)").format(
                gini=format_number(gini, 2)
            )
            + warn,
        )
    )
    rows.append(_major_row(summary, warn))
    return _frame(rows)


def _major_row(summary: pd.Series, warn: str) -> dict:
    """The row of customers with >= 10% of revenue (a dependency to disclose at any size)."""
    k = int(summary["n_major_customers"])
    if k == 1:
        reading = _(
            "1 customer makes 10% or more of revenue: a single-customer dependency to "
            "disclose (ASC 280)"
        )
    elif k:
        reading = _(
            "{n} customers make 10% or more of revenue each: single-customer "
            "dependencies to disclose (ASC 280)"
        ).format(n=format_number(k))
    else:
        reading = _("No single customer makes 10% or more of revenue")
    return _row("n_major_customers", _("Customers with >= 10% of revenue"), float(k),
                format_number(k), reading + warn)  # fmt: skip


def _last_period(table: pd.DataFrame) -> tuple[pd.DataFrame, str, bool]:
    """The rows of the last full period, its label and whether it is partial.

    A partial last period (``partial`` flagged) is skipped when a full period
    exists; when none does, the partial one is returned, labelled "2024
    (partial, to 15 Mar)" (the date from ``attrs["as_of"]`` when known).
    """
    partial = table["partial"].astype(bool) if "partial" in table.columns else None
    if partial is not None and (~partial).any():
        table, partial = table[~partial], partial[~partial]
    last = table.tail(1)
    if last.empty:
        return last, "", False
    is_partial = bool(partial.iloc[-1]) if partial is not None else False
    label = format_period(last.index[0])
    if is_partial:
        as_of = table.attrs.get("as_of")
        label = (
            _("{period} (partial)").format(period=label)
            if as_of is None
            else _("{period} (partial, to {date})").format(period=label, date=_short_date(as_of))
        )
    return last, label, is_partial


def _short_date(d) -> str:
    """15 Mar (en), 3月15日 (zh): a day within the period being read."""
    ts = pd.Timestamp(d)
    if get_language() == "en":
        return f"{ts.day} {ts:%b}"
    from babel.dates import format_skeleton

    return format_skeleton("MMMd", ts.date(), locale=get_language())


#: "Key accounts", "Major accounts" ... as the subject of a lifetime reading.
_TIER_ACCOUNTS = {"key": N_("Key accounts"), "major": N_("Major accounts"),
                  "general": N_("General accounts")}  # fmt: skip
_OTHER_ACCOUNTS = N_("{tier} accounts")

#: What a reading says instead of a verdict on a period that is not over.
_NOT_OVER = N_("the period is not over, so this is not comparable with a full period")


def _too_short(
    table: pd.DataFrame, period, min_periods: int, figure: str, label: str, what: str
) -> pd.DataFrame | None:
    """The "too few periods" row when the data up to ``period`` span fewer than ``min_periods``.

    ``table`` has one row per period-on-period comparison (its first row compares the
    data's second period with the first), so the data up to ``period`` span the rows
    up to it plus one.
    """
    n = int((table.index <= period).sum()) + 1
    if n >= min_periods:
        return None
    reading = _("Only {n} periods of data up to {period}: too few to judge {what} (it takes "
                "at least {min}; one change between two periods cannot tell a trend from a "
                "one-off)").format(n=format_number(n), period=format_period(period), what=what,
                                   min=format_number(min_periods))  # fmt: skip
    return _frame([_row(figure, label, math.nan, "–", reading)])


def retention_readings(retention: pd.DataFrame, *, min_periods: int = MIN_PERIODS) -> pd.DataFrame:
    """Readings of :func:`kamresearch.cohorts.revenue_retention` (its last full period).

    NRR reads as growing above 100%, flat at 100.0% and shrinking below, judged
    on the figure as displayed (to 0.1%). Both ratios are relative to the
    accounts with positive net revenue in the previous period (the base of
    ``start_revenue``). When the only period with a ratio is a partial one, the
    readings say so and draw no verdict.

    Parameters
    ----------
    retention : DataFrame
        :func:`kamresearch.cohorts.revenue_retention` (one row per period after the
        data's first).
    min_periods : int
        Periods of data, up to the period read, below which the reading is one row
        ``nrr`` saying the data are too short (:data:`MIN_PERIODS`).

    Returns
    -------
    DataFrame
        Columns as :data:`READING_COLUMNS`; rows ``nrr`` and ``grr`` (empty when
        the table has no period with a starting revenue).

    Examples
    --------
    >>> rr = pd.DataFrame({"grr": [0.8, 0.9], "nrr": [1.1, 1.0], "partial": [False, False]},
    ...                   index=pd.period_range("2022", periods=2, freq="Y"))
    >>> for r in retention_readings(rr)["reading"]:  # doctest: +NORMALIZE_WHITESPACE
    ...     print(r)
    Net revenue retention 100.0% in 2023: the retained accounts hold level (neither
    grow nor shrink)
    Gross revenue retention 90.0% in 2023: the accounts with positive net revenue
    in 2022 lost 10.0% of their 2022 revenue to churn and contraction
    """
    rated = retention.dropna(subset=["nrr"])
    rated.attrs = dict(retention.attrs)
    last, label, partial = _last_period(rated)
    if last.empty:
        return _frame([])
    period = last.index[0]
    short = _too_short(retention, period, min_periods, "nrr",
                       _("Net revenue retention {period}").format(period=label),
                       _("revenue retention"))  # fmt: skip
    if short is not None:
        return short
    nrr, grr = float(last["nrr"].iloc[0]), float(last["grr"].iloc[0])
    shown = round(100 * nrr, 1)  # the figure as format_pct(nrr, 1) displays it
    kept = _kept_growth(last.iloc[0])
    if partial:
        grow = _(_NOT_OVER)
    elif shown > 100:
        grow = _("the retained accounts grow")
    elif shown == 100:
        grow = _("the retained accounts hold level (neither grow nor shrink)")
    elif kept is not None and round(100 * kept, 1) >= 0:
        # churn is not shrinkage: NRR below 100% while the accounts kept grew is a keep failure
        how = (_("grew {pct}").format(pct=format_pct(kept, 1)) if round(100 * kept, 1) > 0
               else _("held level"))  # fmt: skip
        grow = _("below 100% because of the accounts lost, not shrinkage: the accounts kept "
                 "{how} — a failure to keep accounts, not to grow them").format(how=how)  # fmt: skip
    else:
        grow = (_("the retained accounts shrink: the firm can't grow them") if kept is None
                else _("the retained accounts shrink (the accounts kept shrank {pct}): the firm "
                       "can't grow them").format(pct=format_pct(-kept, 1)))  # fmt: skip
    prev = format_period(period - 1)
    if partial:
        leak = _(_NOT_OVER)
    else:
        lost = max(0.0, 1 - grr)
        lost = 0.0 if lost < 1e-12 else lost  # float noise when nothing was lost
        leak = (_("the accounts with positive net revenue in {prev} lost {pct} of their {prev} "
                  "revenue to churn and contraction").format(prev=prev, pct=format_pct(lost, 1))
                if lost else
                _("the accounts with positive net revenue in {prev} kept all their {prev} "
                  "revenue").format(prev=prev))  # fmt: skip
    return _frame(
        [
            _row(
                "nrr",
                _("Net revenue retention {period}").format(period=label),
                nrr,
                format_pct(nrr, 1),
                _("Net revenue retention {pct} in {period}: {verdict}").format(
                    pct=format_pct(nrr, 1), period=label, verdict=grow
                ),
            ),
            _row(
                "grr",
                _("Gross revenue retention {period}").format(period=label),
                grr,
                format_pct(grr, 1),
                _("Gross revenue retention {pct} in {period}: {verdict}").format(
                    pct=format_pct(grr, 1), period=label, verdict=leak
                ),
            ),
        ]
    )


def _kept_growth(row) -> float | None:
    """Revenue growth of the accounts kept: (start - churned - contraction + expansion)
    / (start - churned) - 1, from a :func:`kamresearch.cohorts.revenue_retention` row
    (None when the columns are missing or nothing was kept)."""
    try:
        start, churned = float(row["start_revenue"]), float(row["churned"])
        contraction, expansion = float(row["contraction"]), float(row["expansion"])
    except (KeyError, TypeError, ValueError):
        return None
    base = start - churned
    if not base > 0:
        return None
    return (base - contraction + expansion) / base - 1


def key_pool_readings(flow: pd.DataFrame, *, min_periods: int = MIN_PERIODS) -> pd.DataFrame:
    """Readings of :func:`kamresearch.cohorts.key_account_flow` (its last full period).

    When the only period is a partial one, the reading labels it so and draws
    no reservoir/funnel verdict.

    Parameters
    ----------
    flow : DataFrame
        One row per period after the data's first.
    min_periods : int
        Periods of data, up to the period read, below which the reading says the data
        are too short (:data:`MIN_PERIODS`).

    Returns
    -------
    DataFrame
        Columns as :data:`READING_COLUMNS`; one row ``key_pool`` (value: net change).
    """
    last, label, partial = _last_period(flow)
    if last.empty:
        return _frame([])
    short = _too_short(flow, last.index[0], min_periods, "key_pool",
                       _("Key-account pool {period}").format(period=label),
                       _("the key-account pool"))  # fmt: skip
    if short is not None:
        return short
    r = last.iloc[0]
    entered = int(r["entered_new"] + r["entered_upgraded"])
    left = int(r["left_downgraded"] + r["left_lost"])
    net = entered - left
    start = int(r["start"])
    leaking = bool(start) and net >= 0 and left / start >= LEAK_RATE_HIGH - 1e-12
    verdict = (_(_NOT_OVER) if partial else
               _("a leaking pool: {left} of {start} opening key accounts left; only new entries "
                 "keep it up").format(left=format_number(left), start=format_number(start))
               if leaking else _("filling like a reservoir") if net > 0 else
               _("draining like a funnel") if net < 0 else _("holding level"))  # fmt: skip
    shown = f"{format_number(int(r['start']))} → {format_number(int(r['end']))}"
    return _frame(
        [
            _row(
                "key_pool",
                _("Key-account pool {period}").format(period=label),
                float(net),
                shown,
                _(
                    "Key-account pool in {period}: {change} (+{entered} entered, −{left} left): "
                    "{verdict}"
                ).format(
                    period=label,
                    change=shown,
                    entered=format_number(entered),
                    left=format_number(left),
                    verdict=verdict,
                ),  # fmt: skip
            ),
        ]
    )


def churn_readings(summary: pd.DataFrame, at_risk: pd.DataFrame | None = None) -> pd.DataFrame:
    """Readings of the survival summary by tier and of the at-risk list.

    Parameters
    ----------
    summary : DataFrame
        Per-group survival summary indexed by tier (``key``, ``major``,
        ``general``), with ``median_lifetime_days`` and ``status``.
    at_risk : DataFrame, optional
        :func:`kamresearch.churn.at_risk_accounts` (uses ``revenue_12m``).

    Returns
    -------
    DataFrame
        Columns as :data:`READING_COLUMNS`; rows ``median_lifetime_<tier>`` for
        tiers with enough data and ``at_risk`` when given.
    """
    rows = []
    for tier in summary.index:
        s = summary.loc[tier]
        if s.get("status", "ok") != "ok":
            continue
        med = s["median_lifetime_days"]
        who = _(_TIER_ACCOUNTS.get(str(tier), _OTHER_ACCOUNTS)).format(tier=str(tier).capitalize())
        if _isnan(med) or math.isinf(med):
            display = _("not reached")
            reading = _("{who}: more than half are still active (median lifetime not "
                        "reached)").format(who=who)  # fmt: skip
        else:
            display = _("{years} years").format(years=format_number(med / 365.25, 1))
            reading = _("{who} last {years} (median)").format(who=who, years=display)
        rows.append(
            _row(
                f"median_lifetime_{tier}",
                _("Median lifetime, {tier}").format(tier=value_label(tier)),
                float(med) if not _isnan(med) else math.nan,
                display,
                reading,
            )
        )
    if at_risk is not None:
        k = len(at_risk)
        stake = float(at_risk["revenue_12m"].sum()) if k else 0.0
        reading = ngettext("{n} live key/major account is slipping (silent longer than their "
                           "usual rhythm): {money} of last-12-month revenue at stake",
                           "{n} live key/major accounts are slipping (silent longer than their "
                           "usual rhythm): {money} of last-12-month revenue at stake", k).format(
            n=format_number(k), money=format_money(stake)) if k else _(
            "No live key or major account is slipping")  # fmt: skip
        rows.append(_row("at_risk", _("Key/major accounts at risk"), float(k), format_number(k),
                         reading))  # fmt: skip
    return _frame(rows)


def combine(*tables: pd.DataFrame) -> pd.DataFrame:
    """Stack readings tables into one, indexed by ``figure``."""
    parts = [t for t in tables if t is not None and len(t)]
    if not parts:
        return _frame([]).set_index("figure")
    return pd.concat(parts, ignore_index=True).set_index("figure")
