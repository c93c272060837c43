"""Reading client data into canonical transactions, with a data-quality summary.

:func:`read_transactions` turns a client export into the canonical table of
:mod:`kamresearch.schema` in one call, and :func:`quality_summary` shows what
happened on the way::

    tx = kam.read_transactions("sales.xlsx")            # headers recognised
    tx = kam.read_transactions(path, "online-retail")   # a preset
    tx = kam.read_transactions(path, {"customer_id": "Kunde", "date": "Datum",
                                      "amount": "Betrag", "segment": "Branche"})
    kam.quality_summary(tx)                              # or tx.attrs["quality"]

Sources: ``.csv``/``.txt``/``.tsv`` (UTF-8, UTF-8 with BOM, UTF-16 with BOM and
GBK/GB18030 detected; any other bytes are read as Latin-1 with a
:class:`~kamresearch.DataWarning`; delimiter ``,`` ``;`` tab or ``|`` sniffed;
title lines above the header skipped), ``.xlsx``/``.xlsm``/``.xls`` (read with
python-calamine, the engine behind ``pd.read_excel(engine="calamine")``, used
directly to see the raw header; the header is the first fullest row, titles above
it are skipped; every sheet whose header equals the first sheet's is appended,
the others are skipped and listed, unless ``sheet=`` names one), ``.parquet``, or
a pandas DataFrame (never modified; only read).

Columns: a ``mapping`` (preset name or dict) says where each canonical column
is; canonical columns it does not name are recognised from common English and
Chinese header names (:data:`ALIASES`, case, spaces and ``_-./`` ignored), and
columns named like the attributes in :data:`ATTRIBUTES` (``segment``,
``industry``, ``sales_rep``, ``channel``) are kept. Other columns are dropped
(but still count when comparing lines for duplicates).

Parsing is done here, vectorised, so that every failure is a
:class:`~kamresearch.DataError` naming the file, the column, example rows
(spreadsheet row numbers: header = row 1; ``sheet!row`` for workbooks; index
labels for a DataFrame) and the fix:

* ids (``customer_id``, ``invoice_id``, ``product_id``): text, stripped, leading
  zeros kept; ids that look like floats lose the ``.0`` (``13085.0`` -> ``"13085"``);
  an empty cell is a missing value;
* numbers: currency signs (¥ ￥ $ € £, RMB, CNY...), spaces and apostrophes
  removed; ``(12.50)`` and ``12.50-`` are negative; the decimal separator is
  decided once per file from the values (``1,234.50`` vs ``1.234,50``, ``3,5``);
  when the values cannot tell, ``,`` is the decimal separator of
  semicolon-delimited files and ``.`` otherwise;
* dates: one column, one format. Year-first (``2021-04-03``, ``2021/4/3 10:15``,
  ``20210403``, ``2021年4月3日``), day/month-first (``03/04/2021``; the order is
  decided from values above 12, or from ``dayfirst=``), month names
  (``3 Apr 2021``) or real date cells. Year-first mixed with day/month-first
  strings, or an undecidable day/month order, raises ``DataError``.

Quality rules, in this order (so that ``lines_read = duplicates_dropped +
lines_without_customer + lines``): blank rows are skipped; exact duplicate
lines (all source columns equal, across sheets) are dropped unless
``keep_duplicates=True``; lines without a customer id are removed (counted,
with their revenue; their dates and amounts are not checked); the remaining
lines must have a valid date and amount, else ``DataError``; returns keep their
negative amounts; dates after today are kept, counted and warned about
(:class:`~kamresearch.DataWarning`); an empty result raises ``DataError``. A
missing region column gives region ``"All"``; an empty region cell on a line
gives ``"Unknown"`` (counted).

``tx.attrs["quality"]`` keys
----------------------------
=========================== =====================================================
key                         meaning
=========================== =====================================================
``source``                  the path read, or ``"<DataFrame>"``
``sha256``                  SHA-256 of the file bytes (``None`` for a DataFrame)
``format``                  ``csv``, ``excel``, ``parquet`` or ``dataframe``
``encoding``                text encoding used (csv only)
``delimiter``               field delimiter (csv only)
``header_row``              row number of the header (1 unless title lines;
                            ``None`` for parquet and DataFrames)
``sheets_read``             sheets appended (excel only)
``sheets_skipped``          sheets skipped, with the reason (excel only)
``blank_lines``             empty rows skipped
``lines_read``              data lines read (blank rows excluded)
``duplicates_dropped``      exact duplicate lines dropped
``lines_without_customer``  lines removed because the customer id is empty
``revenue_without_customer`` their summed amount
``lines``                   lines kept (rows of the returned table)
``net_revenue``             sum of ``amount`` over the kept lines
``returns``                 kept lines with a negative amount
``returns_amount``          their summed amount (negative)
``zero_amount_lines``       kept lines with a zero amount
``customers``               distinct customer ids
``regions``                 distinct regions
``lines_without_region``    kept lines whose region cell was empty ("Unknown")
``date_min`` ``date_max``   first and last date (Timestamps)
``today``                   the date used for the future-date check
``future_dates``            kept lines dated after today (flagged, kept)
``amount_from``             ``"column"`` or ``"quantity * unit_price"``
``decimal``                 decimal separator used for text numbers (``None``
                            when the numbers were typed)
``date_order``              ``"year-first"``, ``"day-first"``, ``"month-first"``,
                            ``"typed"`` (real date values) or a mix of these
``columns``                 dict canonical name -> source column
``keep_duplicates``         the option used
``warnings``                list of the warning messages issued
=========================== =====================================================
"""

from __future__ import annotations

import csv
import hashlib
import io as _io
import logging
import os
import re
import warnings
import zipfile
from collections import Counter
from pathlib import Path

import numpy as np
import pandas as pd

from . import schema
from .errors import ConfigError, DataError, DataWarning, KamError

__all__ = ["read_transactions", "quality_summary", "PRESETS"]

logger = logging.getLogger("kamresearch")

#: Presets: canonical name -> source column, or a tuple of alternative names
#: (the first present wins); ``None`` means "absent, do not look for it".
PRESETS: dict[str, dict] = {
    "online-retail": {  # UCI Online Retail and Online Retail II, files unchanged
        "invoice_id": ("InvoiceNo", "Invoice"),
        "product_id": ("StockCode",),
        "quantity": ("Quantity",),
        "date": ("InvoiceDate",),
        "unit_price": ("UnitPrice", "Price"),
        "customer_id": ("CustomerID", "Customer ID"),
        "region": ("Country",),
        "amount": None,  # quantity * unit_price
    },
}

# Header names recognised without a mapping, best first; compared after _norm().
# fmt: off
ALIASES: dict[str, tuple[str, ...]] = {
    "customer_id": ("customer_id", "customer no", "customer number", "customer code",
                    "customer", "client id", "client", "account id", "account", "客户编号",
                    "客户代码", "客户编码", "客户id", "客户号", "客户", "客户名称",
                    "customer name", "client name", "account name"),
    "date": ("date", "order date", "invoice date", "transaction date", "sales date",
             "posting date", "document date", "日期", "订单日期", "开票日期", "销售日期",
             "单据日期", "交易日期", "发货日期"),
    "amount": ("amount", "net amount", "net sales", "sales amount", "sales", "revenue",
               "net revenue", "line amount", "line total", "金额", "销售额", "销售金额",
               "不含税金额", "含税金额", "价税合计"),
    "region": ("region", "sales region", "area", "territory", "大区", "区域", "地区",
               "销售区域", "country"),
    "invoice_id": ("invoice_id", "invoice", "invoice no", "invoice number", "order",
                   "order id", "order no", "order number", "单号", "订单号", "发票号",
                   "订单编号", "发票号码", "单据编号"),
    "product_id": ("product_id", "product", "product code", "sku", "item", "item code",
                   "stock code", "产品", "物料编码", "商品编码", "产品编码", "物料", "商品"),
    "quantity": ("quantity", "qty", "units", "数量", "销售数量"),
    "unit_price": ("unit price", "price", "单价", "销售单价"),
}
# Attribute columns kept (under these names) when present, even without a mapping.
ATTRIBUTES = ("segment", "industry", "sales_rep", "channel")
_ORDER = ("customer_id", "date", "amount", "region", "invoice_id", "product_id", "quantity",
          "unit_price")
# fmt: on
_NUMBERS = ("amount", "quantity", "unit_price")
UNKNOWN_REGION = "Unknown"
_TEXT_SUFFIXES = {".csv", ".txt", ".tsv"}
_EXCEL_SUFFIXES = {".xlsx", ".xlsm", ".xls", ".xlsb", ".ods"}


def _today() -> pd.Timestamp:
    """Today's date: the one place kamresearch reads the clock (tests replace it)."""
    return pd.Timestamp.today().normalize()


def _norm(name) -> str:
    return re.sub(r"[\s_\-./()（）:：#]", "", str(name)).lower()


# --------------------------------------------------------------------------- loading


class _Raw:
    """A source table as read: all columns, row labels for messages, facts."""

    def __init__(self, frame, rows, info):
        self.frame = frame.reset_index(drop=True)
        self.rows = np.asarray(rows, dtype=object)
        self.info = info


def _blank(frame: pd.DataFrame) -> np.ndarray:
    """Rows whose every cell is missing or an empty string."""
    empty = np.ones(len(frame), dtype=bool)
    for col in frame.columns:
        s = frame[col]
        e = s.isna().to_numpy()
        if s.dtype == object:
            e |= (s == "").to_numpy(dtype=bool)
        empty &= e
        if not empty.any():
            break
    return empty


def _header(cells, src, where="", check=True) -> list[str]:
    """Header cells as column names (stripped; empty -> "Unnamed: j"); no duplicates."""
    names = []
    for j, v in enumerate(cells):
        text = "" if v is None or (isinstance(v, float) and np.isnan(v)) else str(v).strip()
        if re.fullmatch(r"-?\d+\.0", text):
            text = text[:-2]
        names.append(text.lstrip("\ufeff") or f"Unnamed: {j}")
    dup = sorted(n for n, k in Counter(names).items() if k > 1)
    if dup and check:
        raise DataError(
            f"duplicate header names {dup}{where}: every column needs its own name",
            source=src,
            column=dup[0],
            fix="rename the duplicated columns in the file (e.g. add a suffix) and read it again",
        )
    return names


def _load(source, sheet, src) -> _Raw:
    if isinstance(source, pd.DataFrame):
        if sheet is not None:
            raise ConfigError("sheet= applies to Excel workbooks, not to a DataFrame")
        frame = source.copy(deep=False)  # shallow: columns renamed, data never written
        frame.columns = _header(list(source.columns), src)
        info = {"format": "dataframe", "sha256": None}
        return _Raw(frame, list(source.index), info)
    path = Path(source)
    if not path.is_file():
        what = "is a folder, not a file" if path.is_dir() else "does not exist"
        raise DataError(f"the file {what}", source=src, fix="check the path")
    data = path.read_bytes()
    info = {"sha256": hashlib.sha256(data).hexdigest()}
    suffix = path.suffix.lower()
    if not data.strip():
        raise DataError(
            "the file is empty (0 bytes or only whitespace)",
            source=src,
            fix="export the data again; the file has no header and no lines",
        )
    if sheet is not None and suffix not in _EXCEL_SUFFIXES:
        raise ConfigError(f"sheet={sheet!r} applies to Excel workbooks, not to {suffix} files")
    if suffix in _TEXT_SUFFIXES:
        return _load_text(data, src, info)
    if suffix in _EXCEL_SUFFIXES:
        return _load_excel(path, data, sheet, src, info)
    if suffix == ".parquet":
        frame = pd.read_parquet(_io.BytesIO(data))
        info["format"] = "parquet"
        _header(list(frame.columns), src)
        return _Raw(frame, np.arange(len(frame)) + 2, info)
    raise DataError(
        f"unsupported file type {suffix!r}",
        source=src,
        fix="save the data as .csv, .xlsx or .parquet (or pass a DataFrame)",
    )


def _decode(data: bytes, src, info) -> str:
    head = data[:65536]
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        info["encoding"] = "utf-16"
        return data.decode("utf-16")
    if head.startswith(b"PK\x03\x04"):
        raise DataError(
            "this is a zip file (perhaps an Excel workbook), not a text table",
            source=src,
            fix="rename it to .xlsx if it is a workbook",
        )
    controls = sum(head.count(bytes([b])) for b in range(32) if b not in (9, 10, 12, 13))
    if b"\x00" in head or controls > len(head) / 100:
        raise DataError(
            "binary content in a text file: this is not a CSV table",
            source=src,
            fix="export the data as CSV/Excel and check the file name",
        )
    for enc in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(enc)
        except UnicodeDecodeError:
            continue
        info["encoding"] = (
            "utf-8-sig"
            if enc == "utf-8-sig" and data[:3] == b"\xef\xbb\xbf"
            else "utf-8"
            if enc == "utf-8-sig"
            else enc
        )
        return text
    info["encoding"] = "latin-1"
    _warn(
        info,
        "the file is neither UTF-8 nor GBK/GB18030; read as Latin-1 - check accented "
        "characters in names",
        src,
    )
    return data.decode("latin-1")


def _sniff(text: str, src) -> tuple[str, int]:
    """(delimiter, index of the header line) from the head of the text.

    The delimiter must split most non-blank lines of the head into the same number
    (>= 2) of fields; csv.Sniffer breaks ties. Lines above the first line with that
    number of fields (report titles) are skipped.
    """
    head = text[:65536]
    if len(text) > len(head):
        head = head[: head.rfind("\n") + 1] or head
    scores = {}
    for d in (",", ";", "\t", "|"):
        rows = [(r, n) for r, n in _rows(head, d) if any(c.strip() for c in r)]
        if not rows:
            continue
        mode, count = Counter(len(r) for r, _ in rows).most_common(1)[0]
        scores[d] = (count / len(rows), mode, rows)
    try:
        sniffed = csv.Sniffer().sniff(head[:20000], delimiters=",;\t|").delimiter
    except csv.Error:
        sniffed = None
    ok = {d: s for d, s in scores.items() if s[1] >= 2 and s[0] >= 0.6}
    if not ok:
        first = text.strip().splitlines()[0][:80]
        raise DataError(
            "the file does not look like a table: no consistent , ; tab or | "
            f"separated columns in its first lines (first line: {first!r})",
            source=src,
            fix="pass a CSV/Excel export of the transaction lines",
        )
    best = max(s[0] for s in ok.values())
    ties = [d for d in ok if ok[d][0] == best]
    delim = sniffed if sniffed in ties else max(ties, key=lambda d: ok[d][1])
    share, mode, rows = ok[delim]
    header_at = next(n for r, n in rows if len(r) == mode)
    return delim, header_at


def _rows(head, delim):
    reader = csv.reader(_io.StringIO(head), delimiter=delim)
    start = 0
    try:
        for row in reader:
            yield row, start
            start = reader.line_num
    except csv.Error:
        return


def _load_text(data: bytes, src, info) -> _Raw:
    text = _decode(data, src, info)
    if not text.strip():
        raise DataError("the file is empty", source=src, fix="export the data again")
    delim, skip = _sniff(text, src)
    info.update(format="csv", delimiter=delim, header_row=skip + 1)
    try:
        frame = pd.read_csv(
            _io.StringIO(text),
            sep=delim,
            header=None,
            dtype=str,
            skiprows=skip,
            keep_default_na=False,
            na_filter=False,
            skip_blank_lines=False,
            engine="c",
        )
    except pd.errors.ParserError as exc:
        raise DataError(
            f"the file is not a regular table ({str(exc).strip()})",
            source=src,
            fix="check the line named: a field with the delimiter and no quotes, "
            "or a text block that is not part of the table",
        ) from exc
    frame.columns = _header(frame.iloc[0].tolist(), src)
    frame = frame.iloc[1:]
    rows = np.arange(len(frame)) + skip + 2
    return _drop_blank(frame, rows, src, info)


def _drop_blank(frame, rows, src, info) -> _Raw:
    blank = _blank(frame)
    info["blank_lines"] = int(blank.sum())
    if blank.any():
        frame, rows = frame[~blank], np.asarray(rows, dtype=object)[~blank]
    if frame.empty:
        raise DataError(
            "the file has a header but no data lines",
            source=src,
            fix="export the data again with its lines",
        )
    return _Raw(frame, rows, info)


def _load_excel(path, data, sheet, src, info) -> _Raw:
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
    if sheet is not None:
        if isinstance(sheet, int) and 0 <= sheet < len(names):
            sheet = names[sheet]
        if sheet not in names:
            raise DataError(
                f"no sheet named {sheet!r}; sheets: {names}",
                source=src,
                fix="pass one of the sheet names listed",
            )
        names = [sheet]
    frames, rows, skipped, first = [], [], [], None
    for name in names:
        cells = wb.get_sheet_by_name(name).to_python(skip_empty_area=False)
        filled = [sum(c not in ("", None) for c in r) for r in cells[:30]]
        if not any(filled):
            skipped.append(f"{name} (empty)")
            continue
        top = filled.index(max(filled))  # the header: the first fullest row (titles above)
        if max(filled) < 2 or top + 1 >= len(cells):
            skipped.append(
                f"{name} (not a table: "
                + ("one column)" if max(filled) < 2 else "a header and no lines)")
            )
            continue
        header = _header(cells[top], src, f" in sheet {name!r}", check=first is None)
        width = len(header)
        while (
            width > 0
            and header[width - 1].startswith("Unnamed: ")
            and all(len(r) < width or r[width - 1] in ("", None) for r in cells[top + 1 :])
        ):
            width -= 1  # trailing columns with no header and no data
        header = header[:width]
        if first is None:
            first = header
        elif header != first:
            skipped.append(f"{name} (header differs from sheet {names[0]!r})")
            continue
        body = cells[top + 1 :]
        if any(len(r) != width for r in body[:1]) or len(cells[top]) != width:
            body = [r[:width] for r in body]
        frame = pd.DataFrame(body, columns=header)
        frames.append(frame)
        label = f"{name}!" if len(names) > 1 else ""
        numbers = np.arange(len(frame)) + top + 2
        rows.append([f"{label}{n}" for n in numbers] if label else numbers.tolist())
        info.setdefault("sheets_read", []).append(name)
        info.setdefault("header_row", top + 1)
    info.update(format="excel", sheets_skipped=skipped)
    if not frames:
        raise DataError(
            f"no sheet with a table of lines in the workbook; sheets: {skipped}",
            source=src,
            fix="check the workbook: the lines should be in a sheet with a header row",
        )
    frame = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
    return _drop_blank(frame, [r for part in rows for r in part], src, info)


def _warn(info, message, src):
    info.setdefault("warnings", []).append(message)
    warnings.warn(f"{src}: {message}", DataWarning, stacklevel=4)


# --------------------------------------------------------------------------- mapping


def _resolve(columns: list[str], mapping, src, skipped=()) -> dict:
    """canonical/extra name -> source column (None when absent)."""
    if mapping is None:
        mapping = {}
    elif isinstance(mapping, str):
        if mapping not in PRESETS:
            raise ConfigError(f"unknown mapping preset {mapping!r}; presets: {sorted(PRESETS)}")
        mapping = PRESETS[mapping]
    elif not isinstance(mapping, dict):
        raise ConfigError(f"mapping must be a preset name or a dict, got {type(mapping).__name__}")
    by_norm = {}
    for c in columns:
        by_norm.setdefault(_norm(c), c)
    out = {}
    for key, value in mapping.items():
        if not isinstance(key, str) or not key:
            raise ConfigError(f"mapping keys are canonical or attribute names, got {key!r}")
        if value is None:
            out[key] = None
            continue
        options = [str(o) for o in (value if isinstance(value, list | tuple) else [value])]
        hit = next((o for o in options if o in columns), None)
        hit = hit or next((by_norm[_norm(o)] for o in options if _norm(o) in by_norm), None)
        if hit is None:
            raise DataError(
                f"the mapping puts {key!r} in column {' or '.join(map(repr, options))}, which "
                f"is not in the data; columns found: {columns}",
                source=src,
                column=options[0],
                fix="correct the mapping to one of the columns found",
            )
        out[key] = hit
    used = set(out.values())
    for key in _ORDER:
        if key in out:
            continue
        out[key] = next(
            (
                by_norm[_norm(a)]
                for a in ALIASES[key]
                if _norm(a) in by_norm and by_norm[_norm(a)] not in used
            ),
            None,
        )
        used.add(out[key])
    for key in ATTRIBUTES:  # well-known attribute columns are kept without a mapping
        if key not in out and _norm(key) in by_norm and by_norm[_norm(key)] not in used:
            out[key] = by_norm[_norm(key)]
    missing = [k for k in ("customer_id", "date") if out[k] is None]
    if out["amount"] is None and not (out["quantity"] and out["unit_price"]):
        missing.append("amount")
    if missing:
        shown = {
            k: out[k] or f"<column with the {k.replace('_', ' ')}>"
            for k in ("customer_id", "date", "amount", "region")
        }
        hint = "/".join(ALIASES[missing[0]][:4])
        raise DataError(
            f"cannot find the column(s) for {', '.join(missing)} "
            f"(amount can also come from quantity and unit price); "
            f"columns found: {columns}",
            source=src,
            column=missing[0],
            fix=f"pass mapping={shown} (region optional), or rename the header "
            f"to a recognised name such as {hint}"
            + (
                f"; sheets skipped: {list(skipped)} - pass sheet=... to read one" if skipped else ""
            ),
        )
    return out


# --------------------------------------------------------------------------- parsing


def _by_unique(s: pd.Series, func):
    """Apply ``func(Series of distinct values) -> tuple of arrays`` once per distinct value.

    Returns the arrays expanded back to one value per line, then the missing-value mask.
    """
    codes, uniq = pd.factorize(s, use_na_sentinel=True)
    results = []
    for r in func(pd.Series(uniq)):
        r = np.asarray(r)
        kind = r.dtype.kind
        fill = (
            np.array(["NaT"], r.dtype)
            if kind == "M"
            else np.array([np.nan])
            if kind == "f"
            else np.array([False])
            if kind == "b"
            else np.array([None], dtype=object)
        )
        if kind not in "Mfb":
            r = r.astype(object)
        results.append(np.concatenate([r, fill])[codes])  # code -1 (missing) -> the fill
    return (*results, codes < 0)


def _text(u: pd.Series, ids=False):
    """Distinct values as stripped text (None when empty); ids lose a trailing ``.0``."""
    if u.dtype.kind in "fiub":
        v = u.to_numpy(float)
        whole = np.isfinite(v) & (v == np.round(v)) & (np.abs(v) < 2**53)
        ints = np.where(whole, v, 0).astype(np.int64).astype(str)
        t = pd.Series(np.where(whole, ints, u.astype(str).to_numpy()), dtype=object)
    else:
        t = u.astype(str).str.strip()
        if ids:
            t = t.str.replace(r"^([+-]?\d+)\.0+$", r"\1", regex=True)
    return (t.where(t != "", None).to_numpy(dtype=object),)


_NUM_JUNK = r"[\s\u00a0\u202f'’¥￥$€£元]|RMB|CNY|USD|EUR|GBP"


def _number_strings(u: pd.Series) -> pd.Series:
    t = u.astype(str).str.replace(_NUM_JUNK, "", regex=True, flags=re.I)
    t = t.str.replace(r"^\((.*)\)$", r"-\1", regex=True)  # (12.50) accounting negative
    return t.str.replace(r"^([^-].*\d)-$", r"-\1", regex=True)  # 12.50- trailing minus


def _decimal(frame, cols, delim, src) -> str:
    """The decimal separator of the file's text numbers ('.' or ',')."""
    comma = dot = None
    for col in cols:
        u = pd.Series(pd.unique(frame[col].dropna()), dtype=object)
        t = _number_strings(u[u.map(lambda v: isinstance(v, str)).astype(bool)])
        c = t[t.str.contains(r"\d,(?:\d{1,2}|\d{4,})$|\.\d{3},\d|\.\d{3}\.\d{3}")]
        d = t[t.str.contains(r"\d\.(?:\d{1,2}|\d{4,})$|,\d{3}\.\d|,\d{3},\d{3}")]
        comma = comma or (None if c.empty else (col, c.iloc[0]))
        dot = dot or (None if d.empty else (col, d.iloc[0]))
    if comma and dot:
        raise DataError(
            f"numbers use both decimal separators: {dot[1]!r} in {dot[0]!r} has a "
            f"decimal point, {comma[1]!r} in {comma[0]!r} a decimal comma",
            source=src,
            column=comma[0],
            fix="export the numbers with one decimal separator",
        )
    return "," if comma or (not dot and delim == ";") else "."


def _numbers(u: pd.Series, decimal="."):
    """Distinct values as float64, and which of them are not numbers."""
    if u.dtype.kind in "fiub":
        v = u.to_numpy(float)
        return v, ~np.isfinite(v)
    is_str = u.map(lambda v: isinstance(v, str)).to_numpy(dtype=bool)
    v = pd.to_numeric(u.where(~is_str), errors="coerce").to_numpy(float)
    t = _number_strings(u[is_str])
    if decimal == ",":
        t = t.str.replace(".", "", regex=False).str.replace(",", ".", regex=False)
    else:
        t = t.str.replace(",", "", regex=False)
    blank = (t == "").to_numpy()
    v[is_str] = pd.to_numeric(t.where(~blank), errors="coerce").to_numpy(float)
    bad = ~np.isfinite(v)
    bad[np.flatnonzero(is_str)[blank]] = False  # an empty cell is missing, not wrong
    return v, bad


_TIME = (
    r"(?:[ T]+(?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2})(?:[.,](?P<f>\d+))?)?"
    r"\s*(?P<p>[AaPp]\.?[Mm]\.?)?)?\s*$"
)
_YMD = re.compile(
    r"^(?P<y>\d{4})(?:[-/.](?P<m>\d{1,2})[-/.](?P<d>\d{1,2})|年(?P<m2>\d{1,2})月"
    r"(?P<d2>\d{1,2})日?|(?P<m3>\d{2})(?P<d3>\d{2})(?=\s*$))" + _TIME
)
_DMY = re.compile(r"^(?P<a>\d{1,2})[-/.](?P<b>\d{1,2})[-/.](?P<y>\d{4}|\d{2})" + _TIME)


def _assemble(parts: pd.DataFrame, year, month, day) -> np.ndarray:
    """datetime64 values from extracted regex groups (invalid dates -> NaT)."""
    num = parts[["H", "M", "S"]].apply(pd.to_numeric, errors="coerce").fillna(0)
    ampm = parts["p"].fillna("").str.lower().str[:1]
    hour = np.where(ampm == "p", num["H"] % 12 + 12, np.where(ampm == "a", num["H"] % 12, num["H"]))
    micro = pd.to_numeric(parts["f"].fillna("0").str[:6].str.ljust(6, "0"))
    stamp = pd.to_datetime(
        pd.DataFrame(
            {
                "year": year,
                "month": month,
                "day": day,
                "hour": hour,
                "minute": num["M"],
                "second": num["S"],
                "us": micro,
            }
        ),
        errors="coerce",
    )
    return stamp.to_numpy("datetime64[ns]")


def _dates(u: pd.Series, src, dayfirst):
    """Distinct date values -> (datetime64[ns], not a date, format family of each)."""
    if u.dtype.kind == "M":
        if getattr(u.dt, "tz", None) is not None:
            u = u.dt.tz_localize(None)
        return u.to_numpy("datetime64[ns]"), np.zeros(len(u), bool), np.full(len(u), "typed")
    out = np.full(len(u), np.datetime64("NaT"), dtype="datetime64[ns]")
    fam = np.full(len(u), "", dtype=object)
    kinds = u.map(
        lambda v: (
            "s" if isinstance(v, str) else "n" if isinstance(v, int | float | np.number) else "t"
        )
    ).to_numpy()
    typed = kinds == "t"
    if typed.any():  # date cells of a workbook, Timestamps of a DataFrame
        out[typed] = pd.to_datetime(u[typed], errors="coerce").to_numpy("datetime64[ns]")
        fam[typed] = "typed"
    s = pd.Series(u.to_numpy(dtype=object), dtype=object)
    if (kinds == "n").any():  # 20210403 as a number
        s[kinds == "n"] = _text(pd.Series(u[kinds == "n"].to_numpy(float)), ids=True)[0]
    s[typed] = ""
    s = s.astype(str).str.strip()
    todo = ~typed & (s != "").to_numpy()
    iso = todo & (s.str.len() >= 8).to_numpy()
    if iso.any():  # fast path for machine exports (2021-04-03, 2021-04-03T10:15:00)
        try:
            v = pd.to_datetime(s[iso], format="ISO8601", errors="coerce")
            v = (v.dt.tz_localize(None) if v.dt.tz is not None else v).to_numpy("datetime64[ns]")
        except (ValueError, TypeError, OverflowError, AttributeError):
            v = np.full(int(iso.sum()), np.datetime64("NaT"), dtype="datetime64[ns]")
        idx = np.flatnonzero(iso)[~np.isnat(v)]
        out[idx], fam[idx], todo[idx] = v[~np.isnat(v)], "year-first", False
    if todo.any():
        out[todo], fam[todo] = _date_strings(s[todo], src, dayfirst)
    bad = np.isnat(out) & ((s != "").to_numpy() | typed)
    return out, bad, fam


def _date_strings(s: pd.Series, src, dayfirst):
    """Date text in any supported format -> (datetime64[ns], family)."""
    out = np.full(len(s), np.datetime64("NaT"), dtype="datetime64[ns]")
    fam = np.full(len(s), "", dtype=object)
    ymd = s.str.extract(_YMD)
    hit = ymd["y"].notna().to_numpy()
    if hit.any():
        p = ymd[hit]
        month = p["m"].fillna(p["m2"]).fillna(p["m3"]).astype(int)
        day = p["d"].fillna(p["d2"]).fillna(p["d3"]).astype(int)
        out[hit] = _assemble(p, p["y"].astype(int), month, day)
        fam[hit] = "year-first"
    dmy = s.str.extract(_DMY)
    dm = dmy["a"].notna().to_numpy() & ~hit
    if dm.any():
        p = dmy[dm]
        a, b = p["a"].astype(int).to_numpy(), p["b"].astype(int).to_numpy()
        if dayfirst is None:  # decided by a value above 12, else left ambiguous
            evidence = np.where(a > 12, "day-first", np.where(b > 12, "month-first", ""))
            found = set(evidence) - {""}
            if len(found) != 1:  # none, or both: _canonical raises with examples
                fam[dm] = np.where(
                    evidence != "", evidence, np.where(a == b, "day-first", "day/month-ambiguous")
                )
                if found or (a != b).any():
                    return out, fam
            dayfirst = found == {"day-first"}
        y = p["y"].astype(int)
        y = y.where(y >= 100, np.where(y < 69, 2000 + y, 1900 + y))
        out[dm] = _assemble(p, y, b if dayfirst else a, a if dayfirst else b)
        fam[dm] = "day-first" if dayfirst else "month-first"
    rest = ~hit & ~dm & s.str.contains(r"[A-Za-z]{3}").to_numpy()
    if rest.any():  # month names: 3 Apr 2021, April 3, 2021, 03-Apr-21
        try:
            v = pd.to_datetime(s[rest], format="mixed", errors="coerce")
            out[rest] = v.to_numpy("datetime64[ns]")
        except (ValueError, TypeError, OverflowError):
            pass
        fam[rest] = "month-name"
    return out, fam


# --------------------------------------------------------------------------- main


def read_transactions(
    source, mapping=None, *, sheet=None, keep_duplicates=False, dayfirst=None
) -> pd.DataFrame:
    """Read client transactions into the canonical table of :mod:`kamresearch.schema`.

    Parameters
    ----------
    source : str, Path or DataFrame
        A ``.csv``/``.txt``/``.tsv``, ``.xlsx``/``.xls``, ``.parquet`` file or a DataFrame
        (not modified).
    mapping : str or dict, optional
        A preset name from :data:`PRESETS` (``"online-retail"``) or a dict
        ``{canonical name: source column}``; other keys add attribute columns
        (``{"segment": "Industry"}``); a value may be a list of alternative names or
        ``None`` (absent). Canonical columns not mapped are recognised from common
        English and Chinese header names (see ``ALIASES``).
    sheet : str or int, optional
        Excel: read only this sheet (else every sheet with the first sheet's header).
    keep_duplicates : bool, default False
        Keep exact duplicate lines instead of dropping them.
    dayfirst : bool, optional
        Order of ``03/04/2021``-style dates when the values cannot decide it.

    Returns
    -------
    DataFrame
        ``customer_id`` (str), ``date`` (datetime64[ns]), ``amount`` (float64, net of
        returns), ``region`` (str), then whichever of ``invoice_id``, ``product_id``
        (str), ``quantity``, ``unit_price`` (float64) the source has, then mapped
        attribute columns; ``attrs["quality"]`` holds the quality summary (module doc).

    Raises
    ------
    DataError
        Unreadable, empty or non-table file; missing or duplicated columns;
        unparseable or ambiguous dates; unparseable amounts; no line left.
    ConfigError
        Unknown preset or wrong argument type.

    Examples
    --------
    >>> import kamresearch as kam
    >>> tx = kam.read_transactions(kam.load_sample())
    >>> tx.attrs["quality"]["customers"]
    3000
    """
    if not isinstance(source, pd.DataFrame | str | os.PathLike):
        raise ConfigError(f"source must be a file path or a DataFrame, got {type(source).__name__}")
    src = "<DataFrame>" if isinstance(source, pd.DataFrame) else str(source)
    try:
        raw = _load(source, sheet, src)
        tx = _canonical(raw, mapping, keep_duplicates, dayfirst, src)
    except KamError:
        raise
    except _boundary_errors() as exc:
        raise DataError(
            f"could not read the data: {type(exc).__name__}: {exc}",
            source=src,
            fix="check that the file opens in Excel and is a table of transaction lines",
        ) from exc
    q = tx.attrs["quality"]
    logger.info(
        "%s: %s lines kept of %s read, %s customers, %s duplicates dropped, %s "
        "lines without customer",
        src,
        f"{q['lines']:,}",
        f"{q['lines_read']:,}",
        f"{q['customers']:,}",
        q["duplicates_dropped"],
        q["lines_without_customer"],
    )
    return tx


def _boundary_errors() -> tuple:
    errors = [
        ValueError,
        TypeError,
        KeyError,
        IndexError,
        OverflowError,
        OSError,
        UnicodeError,
        csv.Error,
        zipfile.BadZipFile,
        pd.errors.ParserError,
        pd.errors.EmptyDataError,
    ]
    for mod, name in (("python_calamine", "CalamineError"), ("pyarrow.lib", "ArrowException")):
        try:
            errors.append(getattr(__import__(mod, fromlist=[name]), name))
        except ImportError:  # pragma: no cover
            pass
    return tuple(errors)


def _plain(value):
    """A cell value as a user would recognise it in the message (no numpy reprs)."""
    if isinstance(value, str | list | dict):
        return value
    if pd.isna(value):
        return ""
    return value.item() if isinstance(value, np.generic) else value


def _fail(src, column, what, values, rows, mask, fix):
    idx = np.flatnonzero(mask)
    values = [_plain(values[i]) for i in idx[:5]]
    raise DataError(
        f"{len(idx):,} line(s) with {what} in column {column!r}",
        source=src,
        column=column,
        rows=list(zip([rows[i] for i in idx[:5]], values, strict=True)),
        fix=fix,
    )


def _date_families(fam, rows, values, src) -> list[str]:
    """Raise on mixed or undecidable date formats among kept lines; list the formats."""
    dm = ("day-first", "month-first", "day/month-ambiguous")

    def example(*names):
        i = int(np.argmax(np.isin(fam, names)))
        return rows[i], values.iat[i]

    found = [f for f in ("year-first", *dm, "month-name", "typed") if (fam == f).any()]
    fix = "export all dates in one format, e.g. 2021-04-03"
    if "year-first" in found and set(dm) & set(found):
        raise DataError(
            "mixed date formats: year-first and day/month-first dates in one column leave "
            "the day/month order ambiguous",
            source=src,
            column=values.name,
            rows=[example("year-first"), example(*dm)],
            fix=fix,
        )
    if "day-first" in found and "month-first" in found:
        raise DataError(
            "mixed date formats: day-first (day above 12 first) and month-first (day above "
            "12 second) dates in one column",
            source=src,
            column=values.name,
            rows=[example("day-first"), example("month-first")],
            fix=fix,
        )
    if "day/month-ambiguous" in found:
        raise DataError(
            "ambiguous dates: day-first or month-first? No date in the column has a day above "
            "12 to decide it",
            source=src,
            column=values.name,
            rows=[example("day/month-ambiguous")],
            fix="pass dayfirst=True (03/04/2021 = 3 April) or dayfirst=False (= March 4), "
            "or export the dates as 2021-04-03",
        )
    return found


def _canonical(raw: _Raw, mapping, keep_duplicates, dayfirst, src) -> pd.DataFrame:
    frame, info, rows = raw.frame, raw.info, raw.rows
    cols = _resolve(list(frame.columns), mapping, src, info.get("sheets_skipped") or ())
    if frame.empty:
        raise DataError("the data has no lines", source=src, fix="pass a table with lines")
    info["lines_read"] = len(frame)
    dup = np.zeros(len(frame), bool) if keep_duplicates else frame.duplicated().to_numpy()
    if dup.any():
        frame, rows = frame[~dup], rows[~dup]
    sub = frame[list(dict.fromkeys(c for c in cols.values() if c))]
    cust = _by_unique(sub[cols["customer_id"]], lambda u: _text(u, ids=True))[0]
    keep = pd.notna(cust)
    out = {"customer_id": cust}

    def check(key, values, bad, required):
        column = cols[key]
        missing = (np.isnat(values) if values.dtype.kind == "M" else np.isnan(values)) & ~bad
        if (bad & keep).any():
            kind = "date" if key == "date" else "number"
            example = (
                "a date such as 2021-04-03 (years 1678 to 2261)"
                if key == "date"
                else "a number such as 1234.50"
            )
            _fail(
                src,
                column,
                f"a value that is not a {kind}",
                sub[column].to_numpy(),
                rows,
                bad & keep,
                f"correct these cells to {example} (or map {key} to another "
                "column with mapping={...})",
            )
        if required and (missing & keep).any():
            _fail(
                src,
                column,
                f"an empty {key}",
                sub[column].to_numpy(),
                rows,
                missing & keep,
                f"fill the empty {key} cells, or remove these lines",
            )

    numeric = [cols[k] for k in _NUMBERS if cols.get(k)]
    decimal = _decimal(sub, numeric, info.get("delimiter"), src)
    if all(sub[c].dtype != object for c in numeric):
        info["decimal"] = None  # typed numbers: no decimal separator involved
    for key in ("quantity", "unit_price", "amount"):
        if cols.get(key):
            v, bad, _ = _by_unique(sub[cols[key]], lambda u: _numbers(u, decimal))
            check(key, v, bad, key == "amount")
            out[key] = v
    if not cols["amount"]:
        out["amount"] = out["quantity"] * out["unit_price"]
        check("quantity", out["amount"], np.zeros(len(sub), bool), True)  # empty qty or price
    d, bad, fam, _ = _by_unique(sub[cols["date"]], lambda u: _dates(u, src, dayfirst))
    families = _date_families(np.where(keep, fam, None), rows, sub[cols["date"]], src)
    check("date", d, bad, True)
    out["date"] = d
    if cols.get("region"):
        region = _by_unique(sub[cols["region"]], _text)[0]
        info["lines_without_region"] = int((pd.isna(region) & keep).sum())
        out["region"] = np.where(pd.isna(region), UNKNOWN_REGION, region).astype(object)
    else:
        out["region"] = np.full(len(sub), schema.ALL_REGIONS, dtype=object)
        info["lines_without_region"] = 0
    for key in ("invoice_id", "product_id"):
        if cols.get(key):
            out[key] = _by_unique(sub[cols[key]], lambda u: _text(u, ids=True))[0]
    extras = [k for k in cols if k not in _ORDER and cols[k]]
    for key in extras:
        s = sub[cols[key]]
        out[key] = _by_unique(s, _text)[0] if s.dtype == object else s.to_numpy()
    tx = pd.DataFrame({k: out[k][keep] for k in [*(k for k in _ORDER if k in out), *extras]})
    if tx.empty:
        raise DataError(
            f"no line left: all {len(sub):,} lines lack a customer id",
            source=src,
            column=cols["customer_id"],
            fix="map customer_id to the column that "
            "holds the customer: mapping={'customer_id': ...}",
        )
    tx = tx.astype(
        {k: ("float64" if k in _NUMBERS else object) for k in _ORDER if k in tx and k != "date"}
    ).astype({"date": "datetime64[ns]"})
    today = _today()
    future = (tx["date"] >= today + pd.Timedelta(days=1)).to_numpy()
    if future.any():
        _warn(
            info,
            f"{int(future.sum()):,} line(s) dated after today ({today.date()}), e.g. "
            f"{tx['date'][future].iloc[0]}",
            src,
        )
    amount = tx["amount"]
    info.update(
        duplicates_dropped=int(dup.sum()),
        lines_without_customer=int((~keep).sum()),
        revenue_without_customer=float(np.nansum(out["amount"][~keep])),
        lines=len(tx),
        net_revenue=float(amount.sum()),
        returns=int((amount < 0).sum()),
        returns_amount=float(amount[amount < 0].sum()),
        zero_amount_lines=int((amount == 0).sum()),
        customers=int(tx["customer_id"].nunique()),
        regions=int(tx["region"].nunique()),
        date_min=tx["date"].min(),
        date_max=tx["date"].max(),
        today=today,
        future_dates=int(future.sum()),
        decimal=info.get("decimal", decimal),
        date_order=" + ".join(families),
        amount_from="column" if cols["amount"] else "quantity * unit_price",
        columns={k: cols[k] for k in [*_ORDER, *extras] if cols.get(k)},
        keep_duplicates=bool(keep_duplicates),
    )
    info.setdefault("warnings", [])
    tx.attrs["quality"] = {"source": src, **{k: info.get(k) for k in _KEYS}}
    return tx


# fmt: off
_KEYS = ("sha256", "format", "encoding", "delimiter", "header_row", "sheets_read",
         "sheets_skipped", "blank_lines", "lines_read", "duplicates_dropped",
         "lines_without_customer", "revenue_without_customer", "lines", "net_revenue", "returns",
         "returns_amount", "zero_amount_lines", "customers", "regions", "lines_without_region",
         "date_min", "date_max", "today", "future_dates", "amount_from", "decimal", "date_order",
         "columns", "keep_duplicates", "warnings")
# fmt: on


def quality_summary(tx: pd.DataFrame) -> pd.DataFrame:
    """The data-quality summary of a table read by :func:`read_transactions`.

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
    q = tx.attrs.get("quality") if isinstance(tx, pd.DataFrame) else None
    if not q:
        raise DataError(
            "this table has no quality summary (attrs['quality'])",
            fix="read the data with kamresearch.read_transactions(...)",
        )
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
