"""The data-quality appendix of a report: sentences and a labelled table.

What :func:`kamresearch.read_transactions` read, kept and dropped (its quality
summary, ``tx.attrs["quality"]``, documented in :mod:`kamresearch.io.read`), told
to a client in the report's language. The report's analysis date ``as_of`` is
stated; the clock's date of the read (``today``) never is: a rerun of the same
analysis on another day shows the same appendix.
"""

from __future__ import annotations

import pandas as pd

from ..i18n import N_, _, format_date, format_money, format_number, ngettext

__all__ = ["QUALITY_ITEMS", "quality_sentences", "quality_table"]

#: Quality keys shown in the appendix's table, in order: key -> (label, definition, kind).
#: ``kind``: "n" a count, "money", "date", "text" (a file or column name, shown as is),
#: "list" (a count of the items).
QUALITY_ITEMS: dict[str, tuple[str, str, str]] = {
    "source": (N_("Input file"), "", "text"),
    "lines_read": (N_("Lines read"), N_("Data lines in the file, blank rows excluded"), "n"),
    "blank_lines": (N_("Blank rows skipped"), "", "n"),
    "total_rows": (N_("Total rows excluded"), N_("Subtotal, total and carried-forward rows: they are not sales"), "n"),
    "duplicates_dropped": (N_("Duplicate lines dropped"), N_("Lines identical in every column to an earlier line"), "n"),
    "lines_without_customer": (N_("Lines without a customer"), N_("Removed: a sale must name its customer"), "n"),
    "lines": (N_("Lines kept"), N_("The lines every figure of the report is computed from"), "n"),
    "zero_amount_lines": (N_("Lines with a zero amount"), "", "n"),
    "returns": (N_("Returns and credit notes"), N_("Kept lines with a negative amount"), "n"),
    "returns_amount": (N_("Amount of returns and credit notes"), "", "money"),
    "net_revenue": (N_("Net revenue of the file"), N_("Sum of the amounts of the lines kept, all regions"), "money"),
    "customers": (N_("Customers in the file"), N_("Distinct customer ids, all regions"), "n"),
    "regions": (N_("Regions in the file"), "", "n"),
    "lines_without_region": (N_("Lines without a region"), "", "n"),
    "date_min": (N_("First date"), "", "date"),
    "date_max": (N_("Last date"), "", "date"),
    "outlying_dates_dropped": (N_("Lines with outlying dates dropped"), N_("Dated far from all the other lines (typing errors)"), "n"),
    "warnings": (N_("Warnings while reading"), N_("Details: kamresearch validate --data FILE"), "list"),
}  # fmt: skip


def _value(kind: str, v, currency: str = "") -> str:
    if kind == "n":
        return format_number(v)
    if kind == "money":
        return format_money(v, currency)
    if kind == "date":
        return format_date(v)
    if kind == "list":
        return format_number(len(v or ()))
    return str(v)


def quality_table(quality: dict, *, as_of, currency: str = "") -> pd.DataFrame:
    """The appendix's table: one row per quality figure, in the report's language.

    Returns
    -------
    DataFrame
        Columns ``item`` (the figure's label), ``value`` (formatted) and ``note`` (its
        one-line definition, "" when the label says it all). The first row is the
        analysis date; then the keys of :data:`QUALITY_ITEMS` present in ``quality``.
    """
    rows = [(_("Analysis date"), format_date(as_of),
             _("Every figure counts the lines up to this date"))]  # fmt: skip
    for key, (lbl, definition, kind) in QUALITY_ITEMS.items():
        v = quality.get(key)
        if v is None or (kind == "list" and not isinstance(v, (list, tuple))):
            continue
        if kind == "date":
            v = pd.Timestamp(v)
        rows.append((_(lbl), _value(kind, v, currency), _(definition) if definition else ""))
    return pd.DataFrame(rows, columns=["item", "value", "note"])


def quality_sentences(quality: dict, *, as_of, currency: str = "") -> list[str]:
    """What was read, kept and dropped, one sentence per topic, in the report's language.

    Only the figures present in ``quality`` are told; the analysis date always is.
    """
    out = [_("The report counts the sales up to the analysis date, {date}.").format(
        date=format_date(as_of))]  # fmt: skip
    if quality.get("lines_read") is not None and quality.get("lines") is not None:
        out.append(_("{read} lines were read from {source}; {kept} of them are kept.").format(
            read=format_number(quality["lines_read"]), kept=format_number(quality["lines"]),
            source=quality.get("source") or _("the input")))  # fmt: skip
    dropped = [
        (quality.get("duplicates_dropped"), N_("{n} exact duplicate lines were dropped.")),
        (quality.get("lines_without_customer"), N_("{n} lines without a customer were removed.")),
        (quality.get("total_rows"), N_("{n} subtotal or total rows were excluded: they are not sales.")),
    ]  # fmt: skip
    out += [_(msg).format(n=format_number(n)) for n, msg in dropped if n]
    if quality.get("returns"):
        out.append(_("{n} lines are returns or credit notes (negative amounts), together "
                     "{amount}; revenue is net of them.").format(
            n=format_number(quality["returns"]),
            amount=format_money(quality.get("returns_amount") or 0, currency)))  # fmt: skip
    if quality.get("customers") is not None and quality.get("date_min") is not None:
        out.append(_("The file runs from {first} to {last}: {customers} customers, net revenue "
                     "{revenue}.").format(
            first=format_date(quality["date_min"]), last=format_date(quality.get("date_max")),
            customers=format_number(quality["customers"]),
            revenue=format_money(quality.get("net_revenue") or 0, currency)))  # fmt: skip
    n_warn = len(quality.get("warnings") or ())
    if n_warn:
        out.append(ngettext("Reading the file raised {n} warning (kamresearch validate lists it).",
                            "Reading the file raised {n} warnings (kamresearch validate lists them).",
                            n_warn).format(n=format_number(n_warn)))  # fmt: skip
    return out
