"""The raw table a source is loaded into, and the helpers every loader shares.

Part of :mod:`kamresearch.io`: :class:`_Raw` (cells as read, row labels for
messages, facts for the quality summary), header names, blank rows, warnings.
"""

from __future__ import annotations

import re
import sys
import warnings
from collections import Counter
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import DataError, DataWarning

__all__ = ["_Raw", "_blank", "_header", "_drop_blank", "_warn"]

_PACKAGE = str(Path(__file__).resolve().parent.parent)


class _Raw:
    """A source table as read: all columns, row labels for messages, facts."""

    def __init__(self, frame, rows, info):
        self.frame = frame.reset_index(drop=True)
        self.rows = np.asarray(rows, dtype=object)
        self.info = info
        self.data = None  # the workbook's bytes (Excel sources only)


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


def _warn(info, message, src):
    """Record ``message`` in the quality summary and warn, pointing at the caller's line."""
    info.setdefault("warnings", []).append(message)
    frame, level = sys._getframe(1), 2  # stacklevel 2 = _warn's caller
    while frame.f_back is not None and frame.f_code.co_filename.startswith(_PACKAGE):
        frame, level = frame.f_back, level + 1  # out of kamresearch's own frames
    warnings.warn(f"{src}: {message}", DataWarning, stacklevel=level)
