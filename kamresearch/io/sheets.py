"""Workbooks read by sheet role, and grids of cells (Excel sheets, HTML tables) as tables.

Part of :mod:`kamresearch.io`. Without ``sheet=``, every sheet is given a role:

* **voided** (名称含 作废 / 删除 / void / cancel, hidden or not), **hidden** (hidden
  in Excel) and **summary** sheets (汇总, 合计, 总计, 总表, 透视, pivot, summary, total
  in the name) are skipped and listed, with a warning naming the ``sheet=`` list to pass when a
  hidden sheet (not a voided one) holds the same columns as the sheets read;
* a sheet whose columns give no customer, date and amount is not a table of lines
  (a cover, a table of contents, a pivot by month): skipped and listed;
* **detail** sheets are combined when their customer, date and amount columns have the
  same headers (an extra or a missing other column is fine); a detail sheet whose key
  columns differ is skipped with a warning.

When several detail sheets are combined, the workbook has no region column and every
sheet name reads as a region (华东, 华南区, 广东省, North …; not Sheet1, 数据2 or a
month), the sheet names become the region (column ``<sheet>``). ``sheet=`` takes a name, a position, a list of them, or ``"all"``
(every sheet with a table of lines, hidden, voided and summary ones included).
"""

from __future__ import annotations

import io as _io
import re

import numpy as np
import pandas as pd

from ..errors import ConfigError, DataError
from .columns import resolve
from .headers import LOOK, find_header, flatten
from .raw import _drop_blank, _header, _Raw, _warn

__all__ = ["SHEET_COLUMN", "load_workbook", "grid_table", "sheet_role"]

#: Name of the column holding the sheet name when it becomes the region.
SHEET_COLUMN = "<sheet>"
_VOIDED = re.compile(r"作废|删除|void|cancel", re.I)
_SUMMARY = re.compile(r"汇总|合计|总计|总表|透视|pivot|summary|total", re.I)
_PERIOD = re.compile(
    r"^\s*(?:(?:19|20)\d{2}\s*(?:年|[-_./])?\s*)?(?:\d{1,2}\s*月?|[一二三四五六七八九十]{1,3}月|"
    r"q[1-4]|[1-4]季度?|jan\w*|feb\w*|mar\w*|apr\w*|may|jun\w*|jul\w*|aug\w*|sep\w*|oct\w*|"
    r"nov\w*|dec\w*)?\s*(?:份)?\s*$|^\s*(?:19|20)\d{2}\s*年?\s*$",
    re.I,
)


_PLACES = (
    "北京|天津|上海|重庆|河北|山西|辽宁|吉林|黑龙江|江苏|浙江|安徽|福建|江西|山东|河南|湖北|湖南|"
    "广东|海南|四川|贵州|云南|陕西|甘肃|青海|台湾|内蒙古|广西|西藏|宁夏|新疆|香港|澳门|广州|深圳|"
    "杭州|南京|苏州|武汉|成都|西安"
)
_REGION = re.compile(
    rf"大区|区域|片区|区$|省|市$|^[华东南西北中]+[东南西北中部区]|{_PLACES}|"
    r"north|south|east|west|central|region|area|territory|emea|apac|americas",
    re.I,
)


def _region_names(names) -> bool:
    """Sheet names that read as regions (华东, 华南区, 广东省, North) - not Sheet1, 数据2."""
    return all(_REGION.search(n) and not _PERIOD.match(n) for n in names)


def sheet_role(name: str, visible: bool = True) -> str | None:
    """``"voided"``, ``"hidden"``, ``"summary"`` from the name and visibility, else None.

    A voided sheet (作废单据) is voided even when hidden: its lines are never sales,
    so no warning invites the user to read it.
    """
    if _VOIDED.search(name):
        return "voided"
    if not visible:
        return "hidden"
    if _SUMMARY.search(name):
        return "summary"
    return None


_WHY = {
    "hidden": "hidden sheet",
    "voided": "voided documents (作废)",
    "summary": "a summary sheet (汇总/合计)",
}


def grid_table(cells, src, *, name="", header_row=None, check=True):
    """A grid of cells -> (frame, 1-based row numbers, header row, header rows, titles).

    None when the grid holds no table (empty, one column, or a header and no lines),
    with the reason as the second item.
    """
    head = cells[:LOOK]
    filled = [sum(c not in ("", None) for c in r) for r in head]
    if not any(filled):
        return None, "empty"
    if header_row is not None and not 1 <= int(header_row) <= len(cells):
        raise ConfigError(f"header_row={header_row} is outside the {len(cells)} rows of {src}")
    top, n = find_header(head, header_row)
    if top is None:
        top = filled.index(max(filled))  # no row of labels: the first fullest row
    if max(filled) < 2 or top + n >= len(cells):
        return None, "not a table: " + (
            "one column" if max(filled) < 2 else "a header and no lines"
        )
    where = f" in sheet {name!r}" if name else ""
    header = _header(flatten(cells[top : top + n]), src, where, check=check)
    width = len(header)
    body = cells[top + n :]
    while (
        width > 0
        and header[width - 1].startswith("Unnamed: ")
        and all(len(r) < width or r[width - 1] in ("", None) for r in body)
    ):
        width -= 1  # trailing columns with no header and no data
    header = header[:width]
    if any(len(r) != width for r in body[:1]) or any(len(r) != width for r in body[-1:]):
        body = [list(r[:width]) + [None] * (width - len(r)) for r in body]
    frame = pd.DataFrame(body, columns=header)
    titles = [
        " ".join(str(c).strip() for c in r if c not in ("", None))
        for r in cells[:top]
        if any(c not in ("", None) for c in r)
    ]
    return (frame, np.arange(len(frame)) + top + n + 1, top + 1, n, titles), None


def _visible(wb) -> dict:
    try:
        return {m.name: str(m.visible).lower().endswith("visible") for m in wb.sheets_metadata}
    except Exception:  # pragma: no cover - metadata missing in old calamine versions
        return {}


def _selection(sheet, names, src):
    if sheet is None or (isinstance(sheet, str) and sheet.lower() == "all" and "all" not in names):
        return list(names), sheet is None
    items = list(sheet) if isinstance(sheet, list | tuple) else [sheet]
    out = []
    for s in items:
        if isinstance(s, int) and not isinstance(s, bool) and 0 <= s < len(names):
            s = names[s]
        if s not in names:
            raise DataError(
                f"no sheet named {s!r}; sheets: {names}",
                source=src,
                fix="pass one of the sheet names listed (or a list of them, or sheet='all')",
            )
        out.append(s)
    return out, False


def load_workbook(data: bytes, sheet, src, info, *, header_row=None, mapping=None, basis="net"):
    """Read the detail sheets of a workbook into one :class:`_Raw`."""
    from python_calamine import CalamineWorkbook

    try:
        wb = CalamineWorkbook.from_filelike(_io.BytesIO(data))
    except Exception as exc:  # calamine raises several unrelated types here
        raise DataError(
            f"not a readable Excel workbook ({type(exc).__name__}: {exc})",
            source=src,
            fix="open the file in Excel and save it again as .xlsx (or export it as CSV)",
        ) from exc
    names = list(wb.sheet_names)
    visible = _visible(wb)
    chosen, auto = _selection(sheet, names, src)
    tables, skipped, hidden_alike, named_summary, undated = [], [], [], [], []
    key = None
    for name in chosen:
        role = sheet_role(name, visible.get(name, True)) if auto else None
        cells = wb.get_sheet_by_name(name).to_python(skip_empty_area=False)
        got, why = grid_table(cells, src, name=name, header_row=header_row, check=False)
        if got is None:
            skipped.append(f"{name} ({why})")
            continue
        frame = got[0]
        cols = resolve(list(frame.columns), mapping, src, basis=basis, strict=False)
        core = tuple(cols.get(k) for k in ("customer_id", "date", "amount"))
        lines = (
            cols["customer_id"]
            and cols["date"]
            and (cols["amount"] or (cols.get("quantity") and cols.get("unit_price")))
        )
        if role:
            hidden = role == "voided" and not visible.get(name, True)
            skipped.append(f"{name} ({_WHY[role]}{', hidden' if hidden else ''})")
            if role == "hidden" and lines and (key is None or core == key):
                hidden_alike.append(name)
            if role == "summary" and lines:
                named_summary.append((name, got, cols))
            continue
        if not lines:
            skipped.append(f"{name} (no customer, date and amount columns: not a table of lines)")
            if cols["customer_id"] and cols["amount"] and not cols["date"]:
                undated.append(name)
            continue
        if key is None:
            key = core
        elif core != key:
            skipped.append(
                f"{name} (columns differ from sheet {tables[0][0]!r}: {list(frame.columns)})"
            )
            continue
        _header(list(frame.columns), src, f" in sheet {name!r}")  # duplicates: an error now
        tables.append((name, got, cols))
    if not tables and named_summary:  # named like a summary, but the only lines there are
        tables = named_summary[:1]
        skipped.remove(f"{tables[0][0]} ({_WHY['summary']})")
        _warn(
            info,
            f"sheet {tables[0][0]!r} is named like a summary but holds the only table of "
            "lines: read; check that its lines are transactions, not totals",
            src,
        )
    info.update(format="excel", sheets_skipped=skipped)
    if not tables and undated and all(_PERIOD.match(n) for n in undated):
        raise DataError(
            f"the sheets {undated} have customer and amount columns but no date column: "
            "the month is only in the sheet names, and the reader does not make dates from "
            "sheet names",
            source=src,
            fix="add a date column to each sheet (e.g. 日期 = the invoice date, or the "
            "first day of the sheet's month) and read the workbook again",
        )
    if not tables:
        raise DataError(
            f"no sheet with a table of lines in the workbook; sheets: {skipped}",
            source=src,
            fix="check the workbook: the lines should be in a sheet with a header row "
            "(customer, date and amount columns); pass sheet=<name> (or sheet='all' to "
            "include hidden, voided and summary sheets) or mapping={...}",
        )
    lost = [s for s in skipped if "columns differ" in s]
    if lost:
        _warn(
            info,
            f"sheet(s) {lost} skipped: their lines are not read; pass sheet=<name> to read "
            "one sheet, or give the sheets the same columns to read them together",
            src,
        )
    if hidden_alike:
        both = [t[0] for t in tables] + hidden_alike
        _warn(
            info,
            f"hidden sheet(s) {hidden_alike} hold lines with the same columns and are not "
            f"read; to read them too, pass sheet={both!r}",
            src,
        )
    return _combine(tables, names, info, src)


def _combine(tables, names, info, src) -> _Raw:
    frames, rows = [], []
    many = len(names) > 1
    as_region = (
        len(tables) > 1
        and not any(cols["region"] for _, _, cols in tables)
        and _region_names([name for name, _, _ in tables])
    )
    for name, (frame, numbers, top, n, titles), _ in tables:
        if as_region:
            frame = frame.assign(**{SHEET_COLUMN: name})
        frames.append(frame)
        rows.append([f"{name}!{k}" for k in numbers] if many else numbers.tolist())
        info.setdefault("sheets_read", []).append(name)
        info.setdefault("header_row", top)
        info.setdefault("header_rows", n)
        info.setdefault("titles", titles)
    if as_region:
        info["sheet_column"] = "region"
    frame = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
    return _drop_blank(frame, [r for part in rows for r in part], src, info)
