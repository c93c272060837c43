"""Property-based tests of the reader (hypothesis): the promise of kamresearch.io.

1. Whatever the bytes, a reader returns a table that passes
   :func:`kamresearch.schema.check_transactions`, or raises ``DataError`` /
   ``ConfigError``: never another exception (:func:`holds_promise`).
2. A canonical table written by pandas' writers (CSV in UTF-8, UTF-8 with BOM or
   UTF-16; Parquet; xlsx) comes back equal.

The properties take the reader as a parameter (:data:`READERS`): the engine's
``scan_transactions`` joins with one line there.

Size: the ``ci`` profile (the default, used by ``make test``) runs each property
on a fixed, derandomized set of examples (60-150 each, ~500 in all, about 30 s on
2 cores), so CI cannot flake; ``make fuzz`` selects the ``fuzz`` profile
(``KAMRESEARCH_FUZZ=fuzz``: thousands of random examples, a new seed each run).
"""

from __future__ import annotations

import io
import os
import string
import warnings
from datetime import datetime, timedelta

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kamresearch.engine.scan import scan_transactions
from kamresearch.errors import ConfigError, DataError
from kamresearch.io import read_transactions
from kamresearch.schema import check_transactions

_COMMON = dict(
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
settings.register_profile("ci", max_examples=100, derandomize=True, **_COMMON)
settings.register_profile("fuzz", max_examples=3000, **_COMMON)
PROFILE = os.environ.get("KAMRESEARCH_FUZZ", "ci")


def _examples(n: int):
    """Settings of the selected profile; ``ci`` runs ``n`` examples, ``fuzz`` 20x as many."""
    base = settings.get_profile(PROFILE)
    return settings(base, max_examples=n if PROFILE == "ci" else 20 * n)


def _scan(source, **options) -> pd.DataFrame:
    """The engine's scan (DuckDB for Parquet files and DataFrames), materialised."""
    return scan_transactions(source, **options).to_pandas()


#: Readers held to the promise: name -> callable(source, **options) -> DataFrame.
READERS = {"read_transactions": read_transactions, "scan_transactions": _scan}


def holds_promise(reader, source, **options):
    """Read ``source``; a table must pass check_transactions, a failure be a KamError.

    Returns the table, or None when the reader refused the input with a DataError
    or ConfigError. Any other exception fails the test (it propagates).
    """
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # warnings are allowed; errors are the point
            tx = reader(source, **options)
    except (DataError, ConfigError) as exc:
        assert str(exc)  # a message, never an empty error
        return None
    check_transactions(tx)
    assert len(tx) > 0
    return tx


# --------------------------------------------------------------------------- strategies

_EUROPEAN = "ÄÖÜäöüßéèêàçñÑøØåÅłŁśŚžŽčČőŐ"
_CHINESE = "华东南北西中区客户公司甲乙丙丁金额日期销售产品有限责任集团广州深圳上海北京"
_HOSTILE = ["", " ", "NA", "nan", "NULL", "#DIV/0!", "#N/A", "-", "inf", "1e308", "TRUE", '"', ","]
_text = st.text(alphabet=string.ascii_letters + string.digits + _EUROPEAN + _CHINESE + " -_.&'",
                min_size=0, max_size=12)  # fmt: skip


@st.composite
def _ids(draw):
    kind = draw(st.sampled_from(["int", "zeros", "float", "text", "sci", "hostile"]))
    n = draw(st.integers(0, 10**13))
    if kind == "int":
        return str(n)
    if kind == "zeros":
        return "0" * draw(st.integers(1, 3)) + str(n)
    if kind == "float":
        return f"{n}.0"
    if kind == "sci":
        return f"{n / 10 ** len(str(n)) * 10:.5f}E+{len(str(n)) - 1}"
    if kind == "hostile":
        return draw(st.sampled_from(_HOSTILE))
    return draw(_text)


_DATE_FORMATS = ["%Y-%m-%d", "%Y/%m/%d %H:%M", "%d.%m.%Y", "%m/%d/%Y", "%Y%m%d",
                 "%Y-%m-%dT%H:%M:%S+08:00", "%d %b %Y", "%Y年%m月%d日"]  # fmt: skip


@st.composite
def _table(draw):
    """(header, rows of text cells, options) for a messy client export."""
    n = draw(st.integers(1, 12))
    fmt = draw(st.sampled_from(_DATE_FORMATS))
    start = datetime(2000, 1, 1) + timedelta(days=draw(st.integers(0, 9000)))
    decimal = draw(st.sampled_from([".", ","]))
    thousands = draw(st.sampled_from(["", ",", ".", " ", "'"]))
    rows = []
    for _ in range(n):
        cents = draw(st.integers(-(10**9), 10**9))
        whole, frac = divmod(abs(cents), 100)
        digits = f"{whole:,}".replace(",", thousands if thousands != decimal else "")
        amount = ("-" if cents < 0 else "") + digits + decimal + f"{frac:02d}"
        if draw(st.booleans()) and draw(st.booleans()):
            amount = draw(st.sampled_from(_HOSTILE))
        day = start + timedelta(days=draw(st.integers(0, 400)), minutes=draw(st.integers(0, 1439)))
        date = day.strftime(fmt) if not draw(st.integers(0, 15)) == 0 else draw(_text)
        rows.append([draw(_ids()), date, amount, draw(_text)])
    header = draw(st.sampled_from([["customer", "date", "amount", "region"],
                                   ["客户编号", "日期", "金额", "大区"],
                                   ["Kunde", "Datum", "Betrag", "Gebiet"]]))  # fmt: skip
    return header, rows


def _csv_bytes(header, rows, delim, encoding, newline) -> bytes | None:
    buf = io.StringIO()
    import csv

    csv.writer(buf, delimiter=delim, lineterminator=newline).writerows([header, *rows])
    try:
        return buf.getvalue().encode(encoding)
    except UnicodeEncodeError:
        return None


# --------------------------------------------------------------------------- properties


@pytest.mark.parametrize("reader", READERS.values(), ids=READERS.keys())
@pytest.mark.parametrize("suffix", [".csv", ".xlsx", ".parquet"])
@_examples(40)
@given(data=st.binary(max_size=600))
def test_random_bytes_hold_the_promise(tmp_path, reader, suffix, data):
    path = tmp_path / f"random{suffix}"
    path.write_bytes(data)
    holds_promise(reader, path)


@pytest.mark.parametrize("reader", READERS.values(), ids=READERS.keys())
@_examples(120)
@given(
    table=_table(),
    delim=st.sampled_from([",", ";", "\t", "|"]),
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "utf-16-le", "gb18030", "cp1252"]),
    newline=st.sampled_from(["\n", "\r\n", "\r"]),
    mangle=st.sampled_from([None, "truncate", "flip"]),
)
def test_messy_csv_holds_the_promise(tmp_path, reader, table, delim, encoding, newline, mangle):
    data = _csv_bytes(*table, delim, encoding, newline)
    if data is None:  # text not representable in this encoding
        return
    if mangle == "truncate":
        data = data[: len(data) * 2 // 3]
    elif mangle == "flip" and data:
        data = data[:-1] + bytes([data[-1] ^ 0x80])
    path = tmp_path / "messy.csv"
    path.write_bytes(data)
    before = path.read_bytes()
    holds_promise(reader, path)
    assert path.read_bytes() == before  # inputs are never modified


@pytest.mark.parametrize("reader", READERS.values(), ids=READERS.keys())
@_examples(25)
@given(table=_table(), typed=st.booleans())
def test_messy_workbook_and_parquet_hold_the_promise(tmp_path, reader, table, typed):
    header, rows = table
    frame = pd.DataFrame(rows, columns=header)
    if typed:  # numbers and dates as real values where they parse
        frame[header[2]] = pd.to_numeric(frame[header[2]], errors="coerce")
    frame.to_excel(tmp_path / "messy.xlsx", index=False, engine="openpyxl")
    frame.to_parquet(tmp_path / "messy.parquet", index=False)
    holds_promise(reader, tmp_path / "messy.xlsx")
    holds_promise(reader, tmp_path / "messy.parquet")
    holds_promise(reader, frame)


# --------------------------------------------------------------------------- round trip

_clean_text = st.text(
    alphabet=string.ascii_letters + string.digits + _EUROPEAN + _CHINESE + " -_&", min_size=1,
    max_size=10,
).map(str.strip).filter(bool)  # fmt: skip


@st.composite
def _canonical(draw):
    n = draw(st.integers(1, 15))
    start = pd.Timestamp("2015-01-01") + pd.Timedelta(days=draw(st.integers(0, 3000)))
    ids = draw(st.lists(_clean_text.filter(lambda s: not s.replace(".", "").isdigit()),
                        min_size=1, max_size=5))  # fmt: skip
    return pd.DataFrame(
        {
            "customer_id": [draw(st.sampled_from(ids)) for _ in range(n)],
            "date": [
                start + pd.Timedelta(seconds=draw(st.integers(0, 300 * 86400))) for _ in range(n)
            ],
            "amount": [draw(st.integers(-(10**11), 10**11)) / 100 for _ in range(n)],
            "region": [draw(_clean_text) for _ in range(n)],
        }
    )


def _same_lines(tx: pd.DataFrame, src: pd.DataFrame) -> None:
    key = ["customer_id", "date", "amount", "region"]
    got = tx[key].sort_values(key, ignore_index=True)
    want = src.drop_duplicates().sort_values(key, ignore_index=True)  # duplicates are dropped
    pd.testing.assert_frame_equal(got, want, check_dtype=False)


@pytest.mark.parametrize("reader", READERS.values(), ids=READERS.keys())
@pytest.mark.parametrize("how", ["utf-8", "utf-8-sig", "utf-16", "parquet", "xlsx"])
@_examples(15)
@given(src=_canonical())
def test_round_trip_through_the_writer(tmp_path, reader, how, src):
    if how == "parquet":
        path = tmp_path / "tx.parquet"
        src.to_parquet(path, index=False)
    elif how == "xlsx":
        path = tmp_path / "tx.xlsx"
        src.to_excel(path, index=False, engine="openpyxl")
    else:
        path = tmp_path / "tx.csv"
        src.to_csv(path, index=False, encoding=how)
    tx = holds_promise(reader, path)
    assert tx is not None, "a clean table written by pandas must read back"
    if how == "xlsx":  # Excel keeps milliseconds at most
        src = src.assign(date=src["date"].dt.round("ms"))
    _same_lines(tx, src)
    assert np.isfinite(tx["amount"]).all()
