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
from collections import Counter
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import ConfigError, DataError
from .disguise import _REALLY, disguise, load_html, text_header
from .encoding import decode
from .headers import flatten
from .raw import _drop_blank, _header, _Raw, _warn
from .sheets import load_workbook

_PACKAGE = str(Path(__file__).resolve().parent.parent)
_TEXT_SUFFIXES = {".csv", ".txt", ".tsv"}
_EXCEL_SUFFIXES = {".xlsx", ".xlsm", ".xls", ".xlsb", ".ods"}

# --------------------------------------------------------------------------- loading


def _load(source, sheet, src, *, header_row=None, mapping=None, basis="net") -> _Raw:
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
    if suffix in _EXCEL_SUFFIXES:
        really = disguise(data)
        if really is not None:  # an ".xls" that is an HTML table or a text file
            _warn(info, f"the {suffix} file is really {_REALLY[really]}; read as such", src)
            info["file_note"] = f"a {suffix} file that is really {_REALLY[really]}"
            if really == "html":
                return load_html(data, src, info, header_row=header_row)
            return _load_text(data, src, info, header_row=header_row)
    if suffix in _TEXT_SUFFIXES:
        return _load_text(data, src, info, header_row=header_row)
    if suffix in _EXCEL_SUFFIXES:
        raw = load_workbook(
            data, sheet, src, info, header_row=header_row, mapping=mapping, basis=basis
        )
        raw.data = data  # to look at error cells again (io.excel_errors) if a cell is empty
        return raw
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


def _load_text(data: bytes, src, info, *, header_row=None) -> _Raw:
    text = _decode(data, src, info)
    if not text.strip():
        raise DataError("the file is empty", source=src, fix="export the data again")
    delim, skip = _sniff(text, src)
    skip, nhead, titles = text_header(text, delim, skip, header_row)
    info.update(format="csv", delimiter=delim, header_row=skip + 1, header_rows=nhead)
    info["titles"] = titles
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
    frame.columns = _header(flatten(frame.iloc[:nhead].values.tolist()), src)
    frame = frame.iloc[nhead:]
    rows = np.arange(len(frame)) + skip + 1 + nhead
    return _drop_blank(frame, rows, src, info)
