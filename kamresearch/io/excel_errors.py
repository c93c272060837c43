"""Excel error cells (``#DIV/0!``, ``#N/A`` ...) that the fast workbook reader empties.

python-calamine returns an empty cell for a cell holding an Excel error, so a
failed formula would be reported as an *empty* amount or date. When a required
column of a workbook has empty cells, :func:`error_cells` looks at those cells
again with openpyxl (only then: it is slower) so that the message can name the
real cause.
"""

from __future__ import annotations

import io

__all__ = ["error_cells", "EXCEL_ERRORS"]

#: Excel's error values (as openpyxl and text exports show them).
EXCEL_ERRORS = ("#DIV/0!", "#N/A", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#NULL!", "#SPILL!",
                "#CALC!", "#GETTING_DATA", "#FIELD!", "#BLOCKED!", "#CONNECT!", "#BUSY!")  # fmt: skip


def error_cells(data: bytes, sheets: list[str], header_row: int, column: str) -> dict:
    """``{row label: error}`` for the cells of ``column`` holding an Excel error.

    Row labels are those of :mod:`.files` (``"Sheet!12"`` when the workbook has
    several sheets, else the row number). Returns ``{}`` when the workbook cannot
    be opened by openpyxl (``.xls``) or the column is not a single header cell.
    """
    try:
        from openpyxl import load_workbook

        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # .xls, .ods, or a workbook openpyxl cannot read: no finer message
        return {}
    found = {}
    try:
        several = len(wb.sheetnames) > 1
        for name in sheets:
            if name not in wb.sheetnames:
                continue
            ws = wb[name]
            index = None
            for r, values in enumerate(ws.iter_rows(values_only=True), start=1):
                if r == header_row:
                    cells = [str(v).strip() if v is not None else "" for v in values]
                    index = cells.index(column) if column in cells else None
                    if index is None:
                        break
                elif index is not None and r > header_row and index < len(values):
                    value = values[index]
                    if isinstance(value, str) and value in EXCEL_ERRORS:
                        found[f"{name}!{r}" if several else r] = value
    finally:
        wb.close()
    return found
