"""The data-quality summary of a read table: as a table, and in words.

Part of :mod:`kamresearch.io`. :func:`quality_summary` lists every key of
``tx.attrs["quality"]`` (documented in :mod:`kamresearch.io.read`);
:func:`describe_quality` says what was read and decided, one sentence per topic,
in words a consultant can repeat to the client (``kamresearch validate`` prints it).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..errors import DataError

__all__ = ["quality_summary", "describe_quality"]


def quality_summary(tx) -> pd.DataFrame:
    """The data-quality summary of a table read by :func:`read_transactions`
    (a DataFrame) or :func:`kamresearch.scan_transactions` (a LazyTable).

    Returns
    -------
    DataFrame
        Two columns, ``item`` and ``value`` (text), one row per key of
        ``tx.attrs["quality"]`` (see the module docstring); ``columns`` becomes one
        row per mapped column (``column customer_id`` -> ``CustomerID``).

    Raises
    ------
    DataError
        When ``tx`` carries no quality summary.
    """
    q = _q(tx if hasattr(tx, "attrs") else None)
    items = []
    for key, value in q.items():
        if key == "columns":
            items += [(f"column {k}", str(v)) for k, v in value.items()]
        elif value is not None:
            items.append((key.replace("_", " "), _show(value)))
    return pd.DataFrame(items, columns=["item", "value"])


def _show(value) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | np.integer):
        return f"{value:,}"
    if isinstance(value, float | np.floating):
        return f"{value:,.2f}"
    if isinstance(value, pd.Timestamp):
        return str(value.date()) if value == value.normalize() else str(value)
    if isinstance(value, list | tuple):
        return "; ".join(map(str, value)) if value else "none"
    if value == "\t":
        return "tab"
    return str(value)


def _q(tx_or_q) -> dict:
    # a DataFrame or the engine's LazyTable (both carry attrs), or the summary itself
    q = tx_or_q.attrs.get("quality") if hasattr(tx_or_q, "attrs") else tx_or_q
    if not isinstance(q, dict) or not q:
        raise DataError(
            "this table has no quality summary (attrs['quality'])",
            fix="read the data with kamresearch.read_transactions(...)",
        )
    return q


def _names(items) -> str:
    return ", ".join(map(str, items)) if items else "none"


def describe_quality(tx) -> list[str]:
    """What :func:`read_transactions` read and decided, one sentence per topic.

    Parameters
    ----------
    tx : DataFrame or dict
        A table read by :func:`read_transactions`, or its ``attrs["quality"]``.

    Returns
    -------
    list of str
        Lines in this order: file (and what it really is), encoding, header, sheets,
        customer id, amount (basis and unit), column choices, dates read from Excel
        serial numbers, total rows, returns, lines kept, then the warnings.
    """
    q = _q(tx)
    out = [f"File: {q.get('source')} ({q.get('format')})"]
    if q.get("file_note"):
        out[0] += f" - {q['file_note']}"
    if q.get("encoding"):
        why = f" ({q['encoding_reason']})" if q.get("encoding_reason") else ""
        out.append(f"Encoding: {q['encoding']}{why}")
    if q.get("header_row"):
        line = f"Header: row {q['header_row']}"
        if (q.get("header_rows") or 1) > 1:
            line += (
                f" and the {q['header_rows'] - 1} row(s) below it (a merged header, flattened "
                "as 'upper/lower')"
            )
        if q.get("titles"):
            line += "; title lines above it: " + "; ".join(repr(t) for t in q["titles"][:4])
        out.append(line)
    if q.get("sheets_read") is not None:
        out.append(
            f"Sheets read: {_names(q.get('sheets_read'))}; skipped: "
            f"{_names(q.get('sheets_skipped'))}"
        )
    cols = q.get("columns") or {}
    how = {
        "code": "a customer code column",
        "name": "the customer NAMES are used as ids, as there is no code column",
        "mapping": "as mapped",
    }.get(q.get("customer_from"), "")
    out.append(f"Customer id: column {cols.get('customer_id')!r}" + (f" ({how})" if how else ""))
    if q.get("customer_id_variants"):
        done = (
            "merged (unify_ids=True)"
            if q.get("unify_ids")
            else "kept apart: pass unify_ids=True to merge them"
        )
        out.append(
            f"Customer ids written two ways (letter case, leading zeros or surrounding spaces, 0003 / 3): "
            f"{q['customer_id_variants']:,} group(s), {done}"
        )
    if q.get("likely_duplicate_names"):
        out.append(f"Names that may be one customer: {'; '.join(q['likely_duplicate_names'][:10])}")
    basis = {
        "net": "net of VAT",
        "gross": "VAT included",
        "not stated": "basis not stated in the header (taken as exported)",
        "as mapped": "as mapped",
    }.get(q.get("amount_basis"), "")
    source = (
        f"column {cols.get('amount')!r}"
        if q.get("amount_from") == "column"
        else "quantity × unit price"
    )
    line = f"Amount: {source}" + (f", {basis}" if basis else "")
    if q.get("unit"):
        factor = q.get("unit_factor") or 1
        line += f"; unit {q['unit']}"
        line += (
            f" (from {q['unit_from']}): amounts × {factor:,.0f}"
            if factor != 1
            else f" ({q['unit_from']})"
        )
    out.append(line)
    out += [f"Column choice: {c}" for c in q.get("column_choices") or ()]
    if "excel-serial" in str(q.get("date_order") or ""):
        out.append(
            "Dates: Excel serial day numbers in the date column (44927 = 2023-01-01), read as dates"
        )
    n = q.get("total_rows") or 0
    out.append(
        f"Total rows excluded: {n:,}"
        + (
            f" (subtotal, total or carried-forward rows such as {q.get('total_example')!r}, "
            f"together {q.get('total_rows_amount') or 0:,.2f}); they are not customers"
            if n
            else ""
        )
    )
    if q.get("returns_flagged"):
        what = (
            "turned negative (returns_from)"
            if q.get("returns_from")
            else "counted as sales (pass returns_from= to make them returns)"
        )
        out.append(
            f"Returns marked in a remark column with positive amounts: {q['returns_flagged']:,}, {what}"
        )
    out.append(
        f"Lines: {q.get('lines_read', 0):,} read, {q.get('lines', 0):,} kept, "
        f"{q.get('duplicates_dropped', 0):,} duplicates dropped, "
        f"{q.get('lines_without_customer', 0):,} without a customer; "
        f"{q.get('customers', 0):,} customers, net revenue {q.get('net_revenue', 0):,.2f}, "
        f"{_day(q.get('date_min'))} to {_day(q.get('date_max'))}"
    )
    out += [f"Warning: {w}" for w in q.get("warnings") or ()]
    return out


def _day(value) -> str:
    return str(value.date()) if isinstance(value, pd.Timestamp) else str(value)
