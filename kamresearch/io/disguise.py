"""Files whose extension lies, and the header of text tables.

Part of :mod:`kamresearch.io`. ERPs and web reports often save an HTML table or a
tab-separated text file under an ``.xls`` name (Excel opens them with a warning).
:func:`disguise` looks at the bytes and says what the file really is;
:func:`load_html` reads the largest HTML table (with BeautifulSoup's built-in
``html.parser``), expanding merged cells (``colspan``/``rowspan``) the way Excel
stores them: the value in the first cell, the others empty. :func:`text_header`
finds the header of a delimited text file with :func:`~.headers.find_header`.
"""

from __future__ import annotations

import csv
import io as _io

from ..errors import DataError
from .headers import LOOK, find_header
from .raw import _drop_blank, _Raw
from .sheets import grid_table

__all__ = ["disguise", "load_html", "text_header"]

_REALLY = {"html": "an HTML table (a web export)", "text": "a delimited text file"}


def disguise(data: bytes) -> str | None:
    """``"html"`` or ``"text"`` when workbook bytes are really that, else None."""
    if data.startswith((b"PK\x03\x04", b"\xd0\xcf\x11\xe0")):
        return None  # a real xlsx (zip) or xls (OLE2)
    head = data[:4096]
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "text"  # UTF-16 "Unicode text" saved by Excel or an ERP
    low = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if low.startswith((b"<!doctype html", b"<html", b"<table", b"<meta", b"<head")) or (
        b"<table" in low and b"<td" in low
    ):
        return "html"
    if low.startswith(b"<"):
        return None  # other XML: let the workbook reader name it
    if b"\x00" in head:
        return None
    try:
        sample = head.decode("utf-8", errors="strict") if head.isascii() else None
    except UnicodeDecodeError:  # pragma: no cover
        sample = None
    if sample is not None or any(d in head for d in (b",", b"\t", b";", b"|")):
        return "text"
    return None


def _grid(table) -> list[list]:
    grid: list[list] = []
    pending: dict[tuple[int, int], str] = {}  # (row, col) filled by a rowspan above
    for r, tr in enumerate(table.find_all("tr")):
        row: list = []
        col = 0
        for cell in tr.find_all(["td", "th"]):
            while (r, col) in pending:
                row.append(pending.pop((r, col)))
                col += 1
            text = cell.get_text(" ", strip=True)
            span = max(1, int(cell.get("colspan", 1) or 1))
            down = max(1, int(cell.get("rowspan", 1) or 1))
            for k in range(span):
                row.append(text if k == 0 else "")
                for d in range(1, down):
                    pending[(r + d, col + k)] = ""
            col += span
        while (r, col) in pending:
            row.append(pending.pop((r, col)))
            col += 1
        grid.append(row)
    width = max((len(r) for r in grid), default=0)
    return [r + [""] * (width - len(r)) for r in grid]


def load_html(data: bytes, src, info, *, header_row=None) -> _Raw:
    """The largest table of an HTML file as a raw table."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(data, "html.parser")
    tables = soup.find_all("table")
    if not tables:
        raise DataError(
            "the file is an HTML page without a table",
            source=src,
            fix="export the data from the ERP as Excel or CSV",
        )
    info.update(
        format="html",
        encoding=soup.original_encoding,
        encoding_reason="declared by the HTML page or detected by BeautifulSoup",
    )
    grid = _grid(max(tables, key=lambda t: len(t.find_all("tr"))))
    got, why = grid_table(grid, src, header_row=header_row)
    if got is None:
        raise DataError(f"the HTML table holds no lines ({why})", source=src, fix="export again")
    frame, numbers, top, n, titles = got
    info.update(header_row=top, header_rows=n, titles=titles)
    return _drop_blank(frame, numbers, src, info)


def text_header(text: str, delim: str, skip: int, header_row=None) -> tuple[int, int, list]:
    """(line index of the header, number of header rows, title lines above it).

    ``skip`` is the header line found by the delimiter sniffer; it stands when no
    row of labels is found in the first rows.
    """
    head = text[: 1 << 16]
    reader = csv.reader(_io.StringIO(head), delimiter=delim)
    rows, starts, start = [], [], 0
    try:
        for row in reader:
            rows.append(row)
            starts.append(start)
            start = reader.line_num
            if len(rows) >= LOOK:
                break
    except csv.Error:
        pass
    if header_row is not None and not 1 <= int(header_row) <= len(rows):
        raise DataError(
            f"header_row={header_row}: the file's first {len(rows)} rows are searched",
            source=None,
            fix="pass the row number of the header as Excel shows it (1 = first line)",
        )
    top, n = find_header(rows, header_row)
    if top is None:
        top = next((i for i, s in enumerate(starts) if s >= skip), 0)
        n = 1
    titles = [" ".join(c.strip() for c in r if c.strip()) for r in rows[:top]]
    return starts[top], n, [t for t in titles if t]
