"""Finding the header in the first rows of a sheet or text file, and flattening it.

Part of :mod:`kamresearch.io`. ERP exports put a report title, a subtitle such as
``金额单位：万元`` and sometimes a two-row merged header (``金额`` over ``含税 / 不含税
/ 税额``) above the lines; "Save as CSV" pads the title with commas. :func:`find_header`
looks at the first rows only (a Python loop over at most :data:`LOOK` rows):

* a *label* is a non-empty text cell that is not a number or a date; a *data row*
  has at least one number or date;
* the header is the first row of two or more labels (and no ``名称：值`` pair) that
  fills at least half the width of the data rows and is followed by data, not by
  another such row (a block of notes above the header); rows above it are titles;
* a label-only row just below it with a label under an empty header cell continues
  the header (a merged cell above it): names are flattened as ``金额/不含税``;
* ``header_row=`` (1-based) says which row it is instead; when nothing qualifies the
  caller keeps its own rule (the first fullest row of a sheet, the first row with the
  table's number of fields in a text file).
"""

from __future__ import annotations

import datetime as _dt
import math
import re

import numpy as np

__all__ = ["LOOK", "find_header", "flatten"]

#: How many rows from the top are searched for the header.
LOOK = 40
_NUMBER = re.compile(r"^[\s(（]*[-+−]?\s*[¥￥$€£]?\s*[-+]?\d[\d,.\s]*%?[)）]?-?$")
_DATE = re.compile(r"^\d{4}\s*[-/.年]\s*\d{1,2}|^\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4}")
_PAIR = re.compile(r"[:：]\s*\S")


def _empty(v) -> bool:
    return (
        v is None
        or (isinstance(v, float) and math.isnan(v))
        or (isinstance(v, str) and not v.strip())
    )


def _label(v) -> bool:
    """A text cell that is not a number or a date (header material)."""
    if not isinstance(v, str) or not v.strip():
        return False
    t = v.strip()
    return not (_NUMBER.match(t) or _DATE.match(t))


def _data(v) -> bool:
    if _empty(v):
        return False
    if isinstance(v, bool):
        return False
    if isinstance(v, int | float | np.number | _dt.date | _dt.time | _dt.timedelta):
        return True
    return not _label(v)


def find_header(rows: list[list], header_row=None) -> tuple[int | None, int]:
    """(index of the first header row, number of header rows) in ``rows``.

    ``rows`` are the first rows of the sheet (lists of cells); ``header_row`` is
    the 1-based row number given by the user, or None to detect it. The index is
    None when no row of labels qualifies (the caller falls back).
    """
    rows = rows[:LOOK]
    filled = [sum(not _empty(c) for c in r) for r in rows]
    if not any(filled):
        return None, 1
    if header_row is not None:
        top = int(header_row) - 1
        return top, 1 + _continuation(rows, top)
    data = [i for i, r in enumerate(rows) if filled[i] >= 2 and any(_data(c) for c in r)]
    for i, r in enumerate(rows):
        if filled[i] < 2 or not all(_label(c) or _empty(c) for c in r):
            continue
        if any(_PAIR.search(c) for c in r if isinstance(c, str)):
            continue  # 制表日期：2023-12-31 / 金额单位：万元 - a subtitle
        below = [filled[j] for j in data if j > i]
        if not below:
            continue
        if filled[i] * 2 >= float(np.median(below)):
            n = 1 + _continuation(rows, i)
            nxt = next((j for j in range(i + n, len(rows)) if filled[j]), None)
            if nxt is not None and nxt not in data and filled[nxt] * 2 >= filled[i]:
                continue  # another full row of labels follows: this one is a note above it
            return i, n
    return None, 1


def _continuation(rows, top) -> int:
    """How many label-only rows below ``top`` continue a merged header (0 to 2)."""
    extra = 0
    while extra < 2 and top + extra + 1 < len(rows):
        above = rows[top : top + extra + 1]
        lower = rows[top + extra + 1]
        cells = [c for c in lower if not _empty(c)]
        if not cells or not all(_label(c) for c in cells):
            break
        if not any(
            not _empty(c) and all(j >= len(r) or _empty(r[j]) for r in above)
            for j, c in enumerate(lower)
        ):
            break  # nothing under an empty (merged) header cell: a line of text, not a header
        extra += 1
    return extra


def flatten(rows: list[list]) -> list:
    """Header rows -> one header: ``金额`` over ``不含税`` -> ``金额/不含税``.

    A lower label sits under the merged upper cell to its left (Excel keeps a
    merged value in its first cell only); an upper cell with nothing below
    keeps its own name.
    """
    names = [("" if _empty(c) else str(c).strip()) for c in rows[0]]
    for lower in rows[1:]:
        width = max(len(names), len(lower))
        names += [""] * (width - len(names))
        low = [("" if _empty(c) else str(c).strip()) for c in lower] + [""] * (width - len(lower))
        out, carry = [], ""
        for up, lo in zip(names, low, strict=True):
            if up and lo:
                carry = up
                out.append(f"{up}/{lo}")
            elif up:
                carry = ""
                out.append(up)
            elif lo:
                out.append(f"{carry}/{lo}" if carry else lo)
            else:
                out.append("")
        names = out
    return names
