"""The words of the reader's errors and warnings, shared by every way in.

Part of :mod:`kamresearch.io`. :func:`kamresearch.read_transactions` (pandas) and
:func:`kamresearch.scan_transactions` (the engine) find the same problems in
different ways; both phrase them here, so a bad file gets the same
:class:`~kamresearch.DataError` (file, column, example rows, fix) whichever reads it.
"""

from __future__ import annotations

import datetime

import numpy as np
import pandas as pd

from ..errors import DataError
from .values import MAX_NUMBER

__all__ = [
    "plain",
    "fail_rows",
    "not_a_value",
    "EXCEL_ERROR",
    "EXCEL_ERROR_EMPTY",
    "EXCEL_ERROR_FIX",
    "empty_value",
    "SCIENTIFIC_ID",
    "boolean_numbers",
    "big_product",
    "outlying_what",
    "OUTLYING_FIX",
    "outlying_error",
    "no_line_left",
    "duplicates_warning",
    "future_warning",
    "similar_names_warning",
]


def plain(value):
    """A cell value as a user would recognise it in the message (no numpy reprs)."""
    if isinstance(value, str | list | dict):
        return value
    if pd.isna(value):
        return ""
    if isinstance(value, np.datetime64 | datetime.datetime):
        return pd.Timestamp(value)  # not nanoseconds since 1970 (datetime64.item())
    return value.item() if isinstance(value, np.generic) else value


def fail_rows(src, column, what, count, examples, fix):
    """Raise the DataError for ``count`` lines with ``what`` in ``column``.

    ``examples``: up to five ``(row label, cell value)`` of the first such lines.
    """
    raise DataError(
        f"{count:,} line(s) with {what} in column {column!r}",
        source=src,
        column=column,
        rows=[(r, plain(v)) for r, v in list(examples)[:5]],
        fix=fix,
    )


def not_a_value(key, column) -> tuple[str, str]:
    """(what, fix) for cells of ``column`` (role ``key``) that are not a date / number."""
    kind = "date" if key == "date" else "number"
    example = (
        "a date such as 2021-04-03 (years 1678 to 2261)"
        if key == "date"
        else "a number such as 1234.50 (text, true/false, inf and values beyond "
        f"±{MAX_NUMBER:.0e} are refused)"
    )
    return (
        f"a value that is not a {kind}",
        f"correct these cells to {example} (or map {key} to another column with mapping={{...}})",
    )


EXCEL_ERROR = "an Excel error value (a formula that failed, such as #DIV/0! or #N/A)"
EXCEL_ERROR_EMPTY = (
    "an Excel error value (a formula that failed, such as #DIV/0! or #N/A; read as an empty cell)"
)
EXCEL_ERROR_FIX = (
    "correct the formulas in the workbook (or replace the errors by values) "
    "and export the file again"
)


def empty_value(key) -> tuple[str, str]:
    """(what, fix) for empty cells of a required column."""
    return f"an empty {key}", f"fill the empty {key} cells, or remove these lines"


SCIENTIFIC_ID = (
    "an id in scientific notation (Excel rounds long numbers such as "
    "123456789012 to 1.23457E+11, so different ids become one)",
    "in Excel, format the id column as Text before entering or pasting the ids, "
    "or export it from the source system as text (the digits are lost in this file)",
)


def boolean_numbers(key, column, src, examples) -> DataError:
    """The DataError for a number column of true/false values."""
    return DataError(
        f"column {column!r} ({key}) holds true/false values, not numbers",
        source=src,
        column=column,
        rows=list(examples)[:3],
        fix=f"map {key} to the column with the numbers: mapping={{{key!r}: ...}}",
    )


def big_product() -> tuple[str, str]:
    """(what, fix) for quantity * unit price beyond the largest amount."""
    return (
        f"an amount (quantity * unit price) beyond ±{MAX_NUMBER:.0e}",
        "correct the quantity or unit price of these lines",
    )


def outlying_what(n, days, first, last) -> str:
    """What the lines with outlying dates are (``days``: their distinct days, sorted)."""
    return (
        f"{n:,} line(s) dated far from all the others ({', '.join(days[:5])}"
        f"{' ...' if len(days) > 5 else ''}; the other lines run from {first.date()} to "
        f"{last.date()}): typing errors or placeholder dates"
    )


OUTLYING_FIX = (
    "correct these dates; or pass outlying_dates='drop' (kamresearch validate "
    "--outlying-dates drop) to leave these lines out, counted, or "
    "outlying_dates='keep' if the dates are real"
)


def outlying_error(days, first, last) -> str:
    """The ``what`` of the DataError for outlying dates."""
    return (
        f"an outlying date ({', '.join(days[:5])}; the other lines run from {first.date()} "
        f"to {last.date()}): typing errors or placeholder dates such as 1900-01-01"
    )


def no_line_left(n, src, column) -> DataError:
    """The DataError when every line lacks a customer id."""
    return DataError(
        f"no line left: all {n:,} lines lack a customer id",
        source=src,
        column=column,
        fix="map customer_id to the column that holds the customer: mapping={'customer_id': ...}",
    )


def duplicates_warning(n, share, first_row, no_invoice) -> str:
    """The warning for exact duplicate lines dropped."""
    why = (
        "without an invoice column, identical lines may be real repeat purchases"
        if no_invoice
        else "that is many for an export"
    )
    return (
        f"{n:,} exact duplicate line(s) dropped ({share:.1%} of the "
        f"lines, e.g. row {first_row}); {why}: pass keep_duplicates=True "
        "(kamresearch report --keep-duplicates) to keep them"
    )


def future_warning(n, today, first) -> str:
    """The warning for lines dated after today."""
    return f"{n:,} line(s) dated after today ({today.date()}), e.g. {first}"


def similar_names_warning(similar) -> str:
    """The warning for name-only data with names that look like one company."""
    shown = "; ".join(" / ".join(g) for g in similar[:5])
    return (
        f"{len(similar)} group(s) of customer names look like one company written two "
        f"ways (the names are the ids, as there is no customer code column): {shown}; "
        "unify them in the file, or map customer_id to a code column"
    )
