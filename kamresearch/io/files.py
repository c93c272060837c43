"""Reading a source into a raw table: files (text, Excel, Parquet) or a DataFrame.

Part of :mod:`kamresearch.io` (see its docstring for the rules); this module
turns bytes into cells: text decoding and delimiter sniffing, title rows above
the header, Excel sheets via python-calamine, blank rows. Nothing is parsed
into numbers or dates here (that is :mod:`kamresearch.io.values`).
"""

from __future__ import annotations

import csv
import hashlib
import io as _io
import re
import sys
import warnings
from collections import Counter
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import ConfigError, DataError, DataWarning
from .encoding import decode

_PACKAGE = str(Path(__file__).resolve().parent.parent)
_TEXT_SUFFIXES = {".csv", ".txt", ".tsv"}
_EXCEL_SUFFIXES = {".xlsx", ".xlsm", ".xls", ".xlsb", ".ods"}

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
    """Text of the file (rules in :mod:`.encoding`); a guessed encoding is warned about."""
    found = decode(data, src)
    info.update(encoding=found.encoding, encoding_reason=found.reason)
    if found.guess:
        _warn(info, found.guess, src)
    text = found.text
    if "\n" not in text and "\r" in text:  # classic Mac line endings (CR only)
        text = text.replace("\r", "\n")
    return text


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
    lost = [s for s in skipped if "header differs" in s]
    if lost:
        _warn(
            info,
            f"sheet(s) {lost} skipped: their lines are not read; pass sheet=<name> to read "
            "one sheet, or give the sheets the same header to read them together",
            src,
        )
    if not frames:
        raise DataError(
            f"no sheet with a table of lines in the workbook; sheets: {skipped}",
            source=src,
            fix="check the workbook: the lines should be in a sheet with a header row",
        )
    frame = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
    return _drop_blank(frame, [r for part in rows for r in part], src, info)


def _warn(info, message, src):
    """Record ``message`` in the quality summary and warn, pointing at the caller's line."""
    info.setdefault("warnings", []).append(message)
    frame, level = sys._getframe(1), 2  # stacklevel 2 = _warn's caller
    while frame.f_back is not None and frame.f_code.co_filename.startswith(_PACKAGE):
        frame, level = frame.f_back, level + 1  # out of kamresearch's own frames
    warnings.warn(f"{src}: {message}", DataWarning, stacklevel=level)
