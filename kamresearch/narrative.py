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
  merger guidelines: above 1,800 highly concentrated).
* A customer with >= 10% of revenue is a single-customer dependency (disclosed
  under US GAAP ASC 280).
* NRR above 100%: the retained accounts grow; GRR is at most 100% and says how
  much of last period's revenue leaked through churn and contraction.
* Key-account pool: more entered than left = filling like a reservoir; fewer =
  draining like a funnel.
"""

from __future__ import annotations

import math

import pandas as pd

from .plotting import format_money, format_pct

__all__ = [
    "READING_COLUMNS",
    "concentration_readings",
    "retention_readings",
    "key_pool_readings",
    "churn_readings",
    "combine",
    "customers_phrase",
]

#: Columns of every readings table.
READING_COLUMNS = ("figure", "label", "value", "display", "reading")


#: Fewer customers than this: the top-20% share is not compared with the 80/20 rule.
MIN_CUSTOMERS_FOR_SHAPE = 10


def customers_phrase(n: int) -> str:
    """ "1 customer", "3,000 customers"."""
    return f"{n:,} customer" + ("" if n == 1 else "s")


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
    """
    n = int(summary["n_customers"])
    rows = [
        _row(
            "revenue",
            "Net revenue",
            float(summary["revenue"]),
            format_money(summary["revenue"]),
            f"Net revenue of the {customers_phrase(n)} with positive revenue",
        ),
    ]
    if n == 0:
        rows.append(
            _row(
                "customers",
                "Customers",
                0.0,
                "0",
                "No customer has positive net revenue: no concentration to measure",
            )
        )
        return _frame(rows)
    rows.append(
        _row(
            "customers",
            "Customers",
            float(n),
            f"{n:,}",
            f"{customers_phrase(n)} with positive net revenue",
        )
    )
    top10 = float(summary["top10_share"])
    if n == 1:
        reading = "A single customer makes all the revenue"
    elif n <= 10:
        reading = f"All {n} customers are in the top 10: every account weighs heavily"
    else:
        band = ("highly concentrated" if top10 >= 0.5 else
                "concentrated" if top10 >= 0.25 else "broadly spread")  # fmt: skip
        reading = f"Top 10 customers make {format_pct(top10)} of revenue: {band}"
    rows.append(_row("top10_share", "Top 10 customers' share", top10, format_pct(top10), reading))
    t20 = float(summary["top20pct_share"])
    shape = ("the classic 80/20 Pareto pattern" if 0.7 <= t20 <= 0.9 else
             "more concentrated than 80/20" if t20 > 0.9 else "flatter than 80/20")  # fmt: skip
    if n < MIN_CUSTOMERS_FOR_SHAPE:
        shape = f"with only {customers_phrase(n)}, the 80/20 comparison says little"
    rows.append(
        _row(
            "top20pct_share",
            "Top 20% of customers' share",
            t20,
            format_pct(t20),
            f"The top 20% of customers make {format_pct(t20)} of revenue: {shape}",
        )
    )
    c80 = float(summary["customers_for_80pct"])
    k80 = max(1, round(c80 * n))
    rows.append(
        _row(
            "customers_for_80pct",
            "Customers making 80% of revenue",
            c80,
            f"{format_pct(c80)} ({k80:,})",
            f"{k80:,} customers ({format_pct(c80)}) make 80% of revenue",
        )
    )
    hhi = float(summary["hhi"])
    rows.append(
        _row(
            "hhi",
            "HHI",
            hhi,
            f"{hhi:,.0f}",
            f"HHI {hhi:,.0f}: {summary['hhi_band']} (above 1,800 is highly concentrated)",
        )
    )
    gini = float(summary["gini"])
    rows.append(
        _row(
            "gini",
            "Gini",
            gini,
            f"{gini:.2f}",
            f"Gini {gini:.2f} (0: all customers buy the same, 1: one buys everything)",
        )
    )
    k = int(summary["n_major_customers"])
    if k == 1:
        reading = (
            "1 customer makes 10% or more of revenue: a single-customer dependency to "
            "disclose (ASC 280)"
        )
    elif k:
        reading = (
            f"{k} customers make 10% or more of revenue each: single-customer "
            "dependencies to disclose (ASC 280)"
        )
    else:
        reading = "No single customer makes 10% or more of revenue"
    rows.append(
        _row("n_major_customers", "Customers with >= 10% of revenue", float(k), f"{k}", reading)
    )
    return _frame(rows)


def _last_full(table: pd.DataFrame) -> pd.DataFrame:
    """Rows of the last complete period (the partial last one is skipped when flagged)."""
    if "partial" in table.columns:
        full = table[~table["partial"].astype(bool)]
        if len(full):
            table = full
    return table.tail(1)


def retention_readings(retention: pd.DataFrame) -> pd.DataFrame:
    """Readings of :func:`kamresearch.cohorts.revenue_retention` (its last full period).

    Returns
    -------
    DataFrame
        Columns as :data:`READING_COLUMNS`; rows ``nrr`` and ``grr`` (empty when
        the table has no period with a starting revenue).
    """
    last = _last_full(retention.dropna(subset=["nrr"]))
    if last.empty:
        return _frame([])
    period = last.index[0]
    nrr, grr = float(last["nrr"].iloc[0]), float(last["grr"].iloc[0])
    grow = ("the retained accounts grow" if nrr > 1 else
            "the retained accounts shrink: the firm can't grow them")  # fmt: skip
    return _frame(
        [
            _row(
                "nrr",
                f"Net revenue retention {period}",
                nrr,
                format_pct(nrr, 1),
                f"Net revenue retention {format_pct(nrr, 1)} in {period}: {grow}",
            ),
            _row(
                "grr",
                f"Gross revenue retention {period}",
                grr,
                format_pct(grr, 1),
                f"Gross revenue retention {format_pct(grr, 1)}: {format_pct(1 - grr, 1)} of "
                f"{period - 1}'s "
                "revenue leaked through lost and shrinking accounts",
            ),
        ]
    )


def key_pool_readings(flow: pd.DataFrame) -> pd.DataFrame:
    """Readings of :func:`kamresearch.cohorts.key_account_flow` (its last full period).

    Returns
    -------
    DataFrame
        Columns as :data:`READING_COLUMNS`; one row ``key_pool`` (value: net change).
    """
    last = _last_full(flow)
    if last.empty:
        return _frame([])
    r = last.iloc[0]
    period = last.index[0]
    entered = int(r["entered_new"] + r["entered_upgraded"])
    left = int(r["left_downgraded"] + r["left_lost"])
    net = entered - left
    verdict = ("filling like a reservoir" if net > 0 else
               "draining like a funnel" if net < 0 else "holding level")  # fmt: skip
    return _frame(
        [
            _row(
                "key_pool",
                f"Key-account pool {period}",
                float(net),
                f"{int(r['start'])} → {int(r['end'])}",
                f"Key-account pool in {period}: {int(r['start'])} → {int(r['end'])} "
                f"(+{entered} entered, −{left} left): {verdict}",
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
        if _isnan(med) or math.isinf(med):
            display = "not reached"
            reading = (
                f"{str(tier).capitalize()} accounts: more than half are still active "
                "(median lifetime not reached)"
            )
        else:
            display = f"{med / 365.25:.1f} years"
            reading = f"{str(tier).capitalize()} accounts last {display} (median)"
        rows.append(
            _row(
                f"median_lifetime_{tier}",
                f"Median lifetime, {tier}",
                float(med) if not _isnan(med) else math.nan,
                display,
                reading,
            )
        )
    if at_risk is not None:
        k = len(at_risk)
        stake = float(at_risk["revenue_12m"].sum()) if k else 0.0
        reading = (f"{k} live key/major account{'s are' if k != 1 else ' is'} slipping (silent "
                   f"longer than their usual rhythm): {format_money(stake)} of last-12-month "
                   "revenue at stake") if k else "No live key or major account is slipping"  # fmt: skip
        rows.append(_row("at_risk", "Key/major accounts at risk", float(k), f"{k}", reading))
    return _frame(rows)


def combine(*tables: pd.DataFrame) -> pd.DataFrame:
    """Stack readings tables into one, indexed by ``figure``."""
    parts = [t for t in tables if t is not None and len(t)]
    if not parts:
        return _frame([]).set_index("figure")
    return pd.concat(parts, ignore_index=True).set_index("figure")
