"""Canonical transactions: the one table every kamresearch analysis reads.

:func:`kamresearch.read_transactions` turns any supported source into this
table; every analysis (:mod:`kamresearch.engine.facts`, :mod:`kamresearch.pareto`,
:mod:`kamresearch.churn`, :mod:`kamresearch.cohorts`) reads it and trusts it.

One row is one invoice line. Columns:

=============== ============== ==========================================================
column          dtype          meaning
=============== ============== ==========================================================
``customer_id`` str (object)   the account; never missing (lines without an id are
                               removed by ``read_transactions`` and counted)
``date``        datetime64[ns] the transaction date (time of day kept when the source
                               has it); never missing
``amount``      float64        net revenue of the line in the source currency;
                               negative for returns, cancellations and credit notes
``region``      str (object)   sales region; ``"All"`` when the source has no region
                               column; :func:`blank_region_label` (``"(no region)"``)
                               for lines whose region cell is empty
``invoice_id``  str, optional  invoice / order number (one order = one invoice)
``product_id``  str, optional  product / SKU code
``quantity``    float, opt.    units on the line (negative for returns)
``unit_price``  float, opt.    price per unit
*extra*         any, optional  attribute columns mapped or recognised (``segment``,
                               ``owner``, ``channel``, ``industry``), kept as read
=============== ============== ==========================================================

Conventions used throughout the package:

* A *purchase* is a line with a positive amount; a customer's *purchase days*
  are the distinct calendar days with at least one purchase.
* *Net revenue* sums all lines, returns included.
* ``tx.attrs["quality"]`` holds the data-quality summary (a dict) written by
  :func:`kamresearch.read_transactions`; :func:`kamresearch.quality_summary`
  shows it as a table.
* The region of a customer that bought in several regions is the region of
  most of its net revenue (ties: alphabetically first).
* The *customers* of a report (its headline, its opening line, the index page)
  are the distinct customer ids with at least one line up to ``as_of``, whatever
  the sign of their net revenue; concentration measures rank the subset with
  positive net revenue and say so.
* The whole-company report is keyed :data:`COMPANY` (``None``), which no region
  can be (regions are text); it is shown as :data:`COMPANY_LABEL` and written
  to files named :data:`COMPANY_STEM`, a stem no region's file can take.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .errors import DataError

__all__ = [
    "REQUIRED",
    "OPTIONAL",
    "CANONICAL",
    "ALL_REGIONS",
    "MAX_AMOUNT",
    "COMPANY",
    "COMPANY_LABEL",
    "COMPANY_STEM",
    "BLANK_REGION",
    "blank_region_label",
    "check_transactions",
    "attribute_columns",
]

REQUIRED = ("customer_id", "date", "amount", "region")
OPTIONAL = ("invoice_id", "product_id", "quantity", "unit_price")
CANONICAL = REQUIRED + OPTIONAL
#: The region of every line when the source has no region column.
ALL_REGIONS = "All"
#: Largest absolute amount (and quantity, unit price) a line may have: beyond it a
#: value is an overflow, a misplaced column or a placeholder such as 1e308, and sums
#: of millions of lines would lose every cent or overflow to inf.
MAX_AMOUNT = 1e15
#: Key of the whole-company report (reports, manifest, notebook parameter ``region``):
#: None, so that no region of the data -- always text, "All" included -- can take it.
COMPANY = None
#: How the whole-company report is shown (index page, page title).
COMPANY_LABEL = "All (whole company)"
#: File stem of the whole-company report (``All.html``); a region named "All" gets "All_".
COMPANY_STEM = "All"
#: The label of lines whose region cell is empty, unless a real region has that name.
BLANK_REGION = "(no region)"


def blank_region_label(regions) -> str:
    """The region label of lines with an empty region cell, distinct from every real region.

    Parameters
    ----------
    regions : iterable of str
        The (non-empty) region names of the data.

    Returns
    -------
    str
        :data:`BLANK_REGION` (``"(no region)"``), or ``"(no region 2)"``,
        ``"(no region 3)"``, ... when the data has a region of that name (compared
        ignoring case and surrounding spaces), so blank cells never merge into a
        real region such as ``"Unknown"``.

    >>> blank_region_label(["North", "Unknown"])
    '(no region)'
    >>> blank_region_label(["(No Region)", "(no region 2)"])
    '(no region 3)'
    """
    taken = {str(r).strip().casefold() for r in regions}
    label, i = BLANK_REGION, 1
    while label.casefold() in taken:
        i += 1
        label = f"{BLANK_REGION[:-1]} {i})"
    return label


def attribute_columns(tx: pd.DataFrame) -> list[str]:
    """Names of the user-mapped attribute columns (neither required nor optional)."""
    return [c for c in tx.columns if c not in CANONICAL]


def _is_lazy_table(tx) -> bool:
    # duck-typed so that the schema does not import the engine (imports flow one way)
    return type(tx).__name__ == "LazyTable" and hasattr(tx, "expr")


def check_transactions(tx, *, where: str = "transactions") -> pd.DataFrame:
    """Cheap structural check of a table passed to an analysis.

    The full validation happens once, in :func:`kamresearch.read_transactions`;
    this only catches a DataFrame that never went through it (missing columns,
    wrong dtypes), with a message that says so.

    Raises
    ------
    DataError
        When a required column is missing or has the wrong type (a true/false
        ``amount`` included), when ``date`` or ``amount`` (or a non-text
        ``customer_id``) has missing values, when an amount is infinite or beyond
        ±:data:`MAX_AMOUNT`, or when the dates carry a time zone. Missing ids in a text (object) column are not
        checked here: that would cost more than the analyses on 10M lines, and
        :func:`kamresearch.read_transactions` removes such lines.

    A lazy table of the engine (:class:`kamresearch.engine.table.LazyTable`) passes
    as it is: it was validated when it was scanned.
    """
    if _is_lazy_table(tx):
        return tx
    if not isinstance(tx, pd.DataFrame):
        raise DataError(
            f"{where} must be a pandas DataFrame of canonical transactions, got {type(tx).__name__}",
            fix="read the data with kamresearch.read_transactions(...)",
        )
    missing = [c for c in REQUIRED if c not in tx.columns]
    if missing:
        raise DataError(
            f"{where} lacks the canonical column(s) {missing}; columns found: {list(tx.columns)}",
            column=missing[0],
            fix="read the data with kamresearch.read_transactions(source, mapping=...)",
        )
    if not pd.api.types.is_datetime64_any_dtype(tx["date"]):
        raise DataError(
            f"{where}: column 'date' must be datetime64, got {tx['date'].dtype}",
            column="date",
            fix="read the data with kamresearch.read_transactions(...)",
        )
    if getattr(tx["date"].dtype, "tz", None) is not None:
        raise DataError(
            f"{where}: column 'date' has time-zone-aware timestamps ({tx['date'].dtype}); "
            "purchase days are local calendar days",
            column="date",
            fix="convert to the sales region's local time and drop the zone: "
            "tx['date'] = tx['date'].dt.tz_convert('Asia/Shanghai').dt.tz_localize(None)",
        )
    if pd.api.types.is_bool_dtype(tx["amount"]) or not pd.api.types.is_numeric_dtype(tx["amount"]):
        raise DataError(
            f"{where}: column 'amount' must be numeric, got {tx['amount'].dtype}",
            column="amount",
            fix="read the data with kamresearch.read_transactions(...)",
        )
    for col in ("customer_id", "date", "amount"):
        if tx[col].dtype == object:
            # isna on 10M Python strings costs ~0.8 s, more than a whole analysis;
            # read_transactions guarantees ids (lines without one are removed and counted)
            continue
        missing = tx[col].isna().to_numpy()
        if missing.any():
            rows = tx.index[missing][:5]
            raise DataError(
                f"{where}: column {col!r} has {int(missing.sum())} missing value(s) "
                f"(index {list(rows)}); canonical transactions have none",
                column=col,
                rows=[(r, None) for r in rows],
                fix="drop or fill those lines, or read the data with "
                "kamresearch.read_transactions (it removes lines without a customer and "
                "reports missing dates and amounts)",
            )
    amount = np.asarray(tx["amount"].to_numpy(dtype=float, na_value=np.nan))
    wild = ~(np.abs(amount) <= MAX_AMOUNT) & ~np.isnan(amount)  # one pass: inf and huge
    if wild.any():
        rows = tx.index[wild][:5]
        raise DataError(
            f"{where}: column 'amount' has {int(wild.sum())} infinite or implausibly large "
            f"value(s) (beyond ±{MAX_AMOUNT:.0e}), which make sums and shares inf or NaN",
            column="amount",
            rows=[(r, float(a)) for r, a in zip(rows, amount[wild][:5], strict=True)],
            fix="correct or drop those lines, or read the data with "
            "kamresearch.read_transactions (it refuses such values with their rows)",
        )
    return tx
