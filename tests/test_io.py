"""Tests of kamresearch.io: read_transactions, quality_summary, the corpora and the CLI.

Expected values are worked out by hand from the lines written by
``tests/make_corpus.py`` (each says how in a comment) or computed with plain
pandas straight from the raw file, never through kamresearch.
"""

from __future__ import annotations

import hashlib
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

import kamresearch.io.read as kio
from kamresearch.cli import main
from kamresearch.errors import ConfigError, DataError, DataWarning
from kamresearch.io import PRESETS, quality_summary, read_transactions

DATA = Path(__file__).resolve().parent / "data"
AWKWARD = DATA / "awkward"
BAD = DATA / "bad"
REAL = Path(__file__).resolve().parents[1].parent / "shared" / "data"
REAL = REAL / "online_retail_2010_2011.parquet"
TODAY = pd.Timestamp("2025-06-30")


@pytest.fixture(autouse=True)
def _fixed_today(monkeypatch):
    """The clock is read in one place, io._today; pin it."""
    monkeypatch.setattr(kio, "_today", lambda: TODAY)


def _fingerprint(path: Path):
    st = path.stat()
    return path.read_bytes(), st.st_mtime_ns, st.st_size


def _tx(**cols) -> pd.DataFrame:
    return pd.DataFrame(cols)


# --------------------------------------------------------------------------- awkward corpus

# file -> (mapping, expected quality values, hand-checked lines as (customer, date, amount)).
AWKWARD_EXPECT = {
    # 4 lines: 1200.00 + 350.50 - 200.00 + 80.00 = 1430.50; customers K001 K002 K003.
    "gbk_chinese_headers.csv": (
        None,
        dict(
            encoding="gb18030",
            delimiter=",",
            lines_read=4,
            lines=4,
            customers=3,
            regions=3,
            net_revenue=1430.50,
            returns=1,
            returns_amount=-200.0,
            date_order="year-first",
        ),
        [("K001", "2023-01-05", 1200.0), ("K003", "2023-03-01", 80.0)],
    ),
    # 4 lines, the blank-customer line (99) is removed: 100 + 250.75 + 0 = 350.75.
    "utf8_bom.csv": (
        {"segment": "Segment"},
        dict(
            encoding="utf-8-sig",
            lines_read=4,
            lines=3,
            customers=2,
            net_revenue=350.75,
            lines_without_customer=1,
            revenue_without_customer=99.0,
            zero_amount_lines=1,
        ),
        [("Café Noir", "2022-01-03", 100.0), ("Müller GmbH", "2022-01-04", 250.75)],
    ),
    # decimal comma, dot thousands: 1234.50 + 12.00 - 45.50 + 1000 = 2201.00; day-first.
    "semicolon_decimal_comma.csv": (
        None,
        dict(
            delimiter=";",
            decimal=",",
            lines=4,
            customers=3,
            net_revenue=2201.0,
            date_order="day-first",
        ),
        [
            ("Müller", "2021-04-03", 1234.5),
            ("Schmidt", "2021-04-25", 12.0),
            ("Weber", "2021-05-01", 1000.0),
        ],
    ),
    # 1234.50 + 2000 - 100 + 12345678.90 + 15.25 = 12348828.65.
    "thousands_separators.csv": (
        None,
        dict(
            decimal=".",
            lines=5,
            customers=3,
            net_revenue=12348828.65,
            returns=1,
            returns_amount=-100.0,
        ),
        [("B", "2021-04-04", 2000.0), ("C", "2021-05-01", 12345678.90), ("B", "2021-05-02", 15.25)],
    ),
    # 7 lines, 1 exact duplicate, 1 without CustomerID (24 x 1.45 = 34.80); kept:
    # 6x2.55 + 6x1.85 + 32x1.69 - 1x27.50 + 2x4.95 = 15.30+11.10+54.08-27.50+9.90 = 62.88.
    "float_ids.csv": (
        "online-retail",
        dict(
            lines_read=7,
            duplicates_dropped=1,
            lines_without_customer=1,
            revenue_without_customer=34.80,
            lines=5,
            customers=4,
            regions=2,
            net_revenue=62.88,
            date_order="month-first",
            amount_from="quantity * unit_price",
        ),
        [
            ("17850", "2010-12-01 08:26", 15.30),
            ("13047", "2010-12-13 08:34", 54.08),
            ("12583", "2010-12-15 10:00", 9.90),
        ],
    ),
    # title + blank line above the header (header on row 3), a blank line inside,
    # a totals row without customer (35.5): kept 10 + 20 + 5.5 = 35.5.
    "title_rows.csv": (
        None,
        dict(
            header_row=3,
            blank_lines=1,
            lines_read=4,
            lines=3,
            total_rows=1,  # ",Total,35.5,": a total row (the word Total), not a customer
            total_rows_amount=35.5,
            lines_without_customer=0,
            net_revenue=35.5,
            customers=2,
        ),
        [("X1", "2024-01-05", 5.5)],
    ),
    # tab-separated, no region column (-> "All"), ids with leading zeros kept.
    "tab_delimited.txt": (
        None,
        dict(delimiter="\t", lines=3, customers=2, regions=1, net_revenue=30.0),
        [
            ("007", "2021-04-03 10:15:00", 10.5),
            ("008", "2021-04-03 17:45:30", 20.0),
            ("007", "2021-04-04 09:00:00", -0.5),
        ],
    ),
    # sheets 2022 (3 lines) + 2023 (3 lines, one repeats 2022's last): 6 read, 1 dropped;
    # 10x2.5 + 4x100 - 2x2.5 + 1x999.99 + 3x100 = 25+400-5+999.99+300 = 1719.99.
    "two_sheets.xlsx": (
        None,
        dict(
            format="excel",
            sheets_read=["2022", "2023"],
            lines_read=6,
            duplicates_dropped=1,
            lines=5,
            customers=3,
            net_revenue=1719.99,
            date_order="typed",
        ),
        [("1001", "2022-03-01", 25.0), ("1003", "2023-01-10", 999.99)],
    ),
    # title on row 1, blank row 2, header row 3; text cells: 1200.50 - 200 + 99.5 = 1100.
    "title_rows.xlsx": (
        None,
        dict(
            format="excel",
            header_row=3,
            lines=3,
            customers=2,
            net_revenue=1100.0,
            lines_without_region=1,
            decimal=".",
            date_order="year-first",
        ),
        [("甲公司", "2023-01-05", 1200.5), ("乙公司", "2023-01-06", -200.0)],
    ),
}


@pytest.mark.parametrize("name", sorted(p.name for p in AWKWARD.iterdir()))
def test_awkward_corpus_reads_correctly(name):
    if name not in AWKWARD_EXPECT:
        pytest.fail(f"{name} in tests/data/awkward has no expectation in AWKWARD_EXPECT")
    mapping, expected, lines = AWKWARD_EXPECT[name]
    path = AWKWARD / name
    before = _fingerprint(path)
    tx = read_transactions(path, mapping)
    assert _fingerprint(path) == before  # the input file is never modified
    q = tx.attrs["quality"]
    for key, value in expected.items():
        if isinstance(value, float):
            assert q[key] == pytest.approx(value, abs=1e-9), key
        else:
            assert q[key] == value, key
    assert q["lines_read"] == (
        q["total_rows"]
        + q["duplicates_dropped"]
        + q["lines_without_customer"]
        + q["outlying_dates_dropped"]
        + q["lines"]
    )
    assert q["sha256"] == hashlib.sha256(before[0]).hexdigest()
    got = set(zip(tx["customer_id"], tx["date"], tx["amount"].round(2), strict=True))
    for cust, date, amount in lines:
        assert (cust, pd.Timestamp(date), amount) in got
    # canonical dtypes exactly as kamresearch.schema says
    assert tx["customer_id"].dtype == object and tx["region"].dtype == object
    assert tx["date"].dtype == "datetime64[ns]" and tx["amount"].dtype == "float64"
    assert tx["customer_id"].map(type).eq(str).all() and tx["region"].map(type).eq(str).all()
    assert len(tx) == q["lines"] and tx.index.equals(pd.RangeIndex(len(tx)))


def test_gbk_chinese_values_and_optional_columns():
    tx = read_transactions(AWKWARD / "gbk_chinese_headers.csv")
    assert set(tx["region"]) == {"华东", "华南", "华北"}  # from the 大区 column
    assert list(tx["product_id"]) == ["螺丝", "螺母", "螺丝", "垫圈"]  # from 产品
    assert tx.attrs["quality"]["columns"]["customer_id"] == "客户编号"


def test_workbook_float_ids_become_integers_and_other_sheets_are_listed():
    tx = read_transactions(AWKWARD / "two_sheets.xlsx")
    q = tx.attrs["quality"]
    assert sorted(tx["customer_id"].unique()) == ["1001", "1002", "1003"]
    assert any(s.startswith("Notes") for s in q["sheets_skipped"])  # other header
    assert any(s.startswith("Empty") for s in q["sheets_skipped"])
    # amount = quantity x unit_price (no amount column); quantity and price kept
    assert (tx["amount"] == tx["quantity"] * tx["unit_price"]).all()


def test_sheet_option_reads_one_sheet():
    tx = read_transactions(AWKWARD / "two_sheets.xlsx", sheet="2023")
    # sheet 2023 alone: -5 + 999.99 + 300 = 1294.99, no duplicate within the sheet
    assert tx.attrs["quality"]["sheets_read"] == ["2023"]
    assert tx["amount"].sum() == pytest.approx(1294.99)
    assert tx.attrs["quality"]["duplicates_dropped"] == 0
    with pytest.raises(DataError, match=r"no sheet named '2030'.*2022"):
        read_transactions(AWKWARD / "two_sheets.xlsx", sheet="2030")


def _workbook(path, sheets):
    import xlsxwriter

    wb = xlsxwriter.Workbook(str(path))
    for name, rows in sheets.items():
        ws = wb.add_worksheet(name)
        for r, row in enumerate(rows):
            ws.write_row(r, 0, row)
    wb.close()
    return path


def test_cover_sheets(tmp_path):
    data = [["客户", "日期", "金额"], ["甲", "2023-01-05", 10]]
    # a one-column cover sheet is not a table: skipped, the data sheet is read
    path = _workbook(tmp_path / "a.xlsx", {"说明": [["本文件说明"], ["第二行"]], "数据": data})
    q = read_transactions(path).attrs["quality"]
    assert q["sheets_read"] == ["数据"] and q["sheets_skipped"][0].startswith("说明 (not a table")
    # a table of contents first is not a table of lines: skipped, the data sheet is read
    toc = [["项目", "说明"], ["数据", "销售明细"]]
    path = _workbook(tmp_path / "b.xlsx", {"目录": toc, "数据": data})
    q = read_transactions(path).attrs["quality"]
    assert q["sheets_read"] == ["数据"] and q["sheets_skipped"][0].startswith("目录 (no customer")
    tx = read_transactions(path, sheet="数据")
    assert (tx.loc[0, "customer_id"], tx.loc[0, "amount"]) == ("甲", 10.0)
    assert read_transactions(path, sheet=1).attrs["quality"]["sheets_read"] == ["数据"]


def test_duplicate_names_in_a_skipped_sheet_are_fine(tmp_path):
    data = [["客户", "日期", "金额"], ["甲", "2023-01-05", 10]]
    path = _workbook(tmp_path / "erp.xlsx", {"数据": data, "备注": [["x", "x"], [1, 2]]})
    q = read_transactions(path).attrs["quality"]
    assert q["sheets_read"] == ["数据"] and q["sheets_skipped"][0].startswith("备注")


def test_extra_attribute_column_is_kept():
    tx = read_transactions(AWKWARD / "utf8_bom.csv", {"segment": "Segment"})
    assert list(tx["segment"]) == ["Retail", "Industry", "Retail"]


# --------------------------------------------------------------------------- bad corpus

# The corpus of bad files and their expected outcomes: tests/test_io_corpus.py.


def test_bad_rows_are_spreadsheet_row_numbers_with_raw_values():
    # header = row 1, so the 2nd data line is row 3
    with pytest.raises(DataError) as info:
        read_transactions(BAD / "text_in_amount.csv")
    assert info.value.rows == [(3, "ten euros")] and info.value.column == "amount"
    with pytest.raises(DataError) as info:
        read_transactions(BAD / "unparseable_date.csv")
    assert info.value.rows == [(3, "next Tuesday"), (4, "2021-02-30")]  # Feb 30 is no date
    with pytest.raises(DataError) as info:
        read_transactions(BAD / "mixed_date_formats.csv")
    assert info.value.rows == [(2, "2021-04-03"), (3, "03/04/2021")]


def test_missing_columns_error_shows_the_mapping_to_pass():
    with pytest.raises(DataError) as info:
        read_transactions(_tx(Kunde=["A"], Datum=["2021-01-01"], Betrag=[1.0]))
    msg = str(info.value)
    assert "columns found: ['Kunde', 'Datum', 'Betrag']" in msg
    assert "mapping={'customer_id': '<column with the customer id>'" in msg


# --------------------------------------------------------------------------- rules


def test_lines_without_customer_are_removed_and_counted():
    src = _tx(
        customer=["A", None, "", "  ", "B"],
        date=["2021-01-01"] * 5,
        amount=[1.0, 2.0, 4.0, 8.0, 16.0],
    )
    tx = read_transactions(src)
    q = tx.attrs["quality"]
    assert list(tx["customer_id"]) == ["A", "B"]
    assert q["lines_without_customer"] == 3 and q["revenue_without_customer"] == 14.0  # 2+4+8


def test_lines_without_customer_are_not_checked():
    # a totals row: no customer, text in the date column -> removed, no error
    src = _tx(customer=["A", None], date=["2021-01-01", "Total"], amount=["5", "5"])
    assert read_transactions(src).attrs["quality"]["lines"] == 1


def test_exact_duplicates_dropped_unless_kept():
    src = _tx(
        customer=["A", "A", "A"],
        date=["2021-01-01"] * 3,
        amount=[5.0, 5.0, 6.0],
        note=["x", "x", "x"],
    )
    tx = read_transactions(src)
    assert len(tx) == 2 and tx.attrs["quality"]["duplicates_dropped"] == 1
    kept = read_transactions(src, keep_duplicates=True)
    assert len(kept) == 3 and kept.attrs["quality"]["duplicates_dropped"] == 0


def test_duplicates_compare_all_source_columns():
    # same canonical values but different unmapped Description: not duplicates
    src = _tx(
        customer=["A", "A"], date=["2021-01-01"] * 2, amount=[5.0, 5.0], Description=["red", "blue"]
    )
    assert read_transactions(src).attrs["quality"]["duplicates_dropped"] == 0


def test_returns_stay_negative_and_are_counted():
    src = _tx(customer=["A", "A", "B"], date=["2021-01-01"] * 3, amount=[100.0, -30.0, 0.0])
    q = read_transactions(src).attrs["quality"]
    assert (q["returns"], q["returns_amount"], q["zero_amount_lines"]) == (1, -30.0, 1)
    assert q["net_revenue"] == 70.0


def test_future_dates_are_flagged_and_kept():
    src = _tx(
        customer=["A", "B", "C"],
        date=["2025-06-30 23:00", "2025-07-01", "2030-01-01"],
        amount=[1.0, 2.0, 3.0],
    )
    with pytest.warns(DataWarning, match=r"2 line\(s\) dated after today \(2025-06-30\)"):
        tx = read_transactions(src)
    q = tx.attrs["quality"]
    assert q["future_dates"] == 2 and len(tx) == 3 and q["today"] == TODAY
    assert "dated after today" in q["warnings"][0]


def test_no_future_warning_for_past_dates():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        tx = read_transactions(_tx(customer=["A"], date=["2021-01-01"], amount=[1.0]))
    assert tx.attrs["quality"]["future_dates"] == 0


def test_region_absent_is_all_and_empty_cell_is_unknown():
    tx = read_transactions(_tx(customer=["A"], date=["2021-01-01"], amount=[1.0]))
    assert list(tx["region"]) == ["All"]
    tx = read_transactions(
        _tx(customer=["A", "B"], date=["2021-01-01"] * 2, amount=[1.0, 2.0], region=["North", ""])
    )
    assert list(tx["region"]) == ["North", "(no region)"]
    assert tx.attrs["quality"]["lines_without_region"] == 1


def test_ids_that_look_like_floats():
    src = _tx(
        CustomerID=[13085.0, np.nan, 12346.0],
        InvoiceDate=["2011-01-01"] * 3,
        Quantity=[1, 2, 3],
        UnitPrice=[1.0, 1.0, 1.0],
        Country=["UK"] * 3,
        InvoiceNo=["536365", "536366", "C536367"],
        StockCode=[85123, 85123, 85124],
    )
    tx = read_transactions(src, "online-retail")
    assert list(tx["customer_id"]) == ["13085", "12346"]
    assert list(tx["product_id"]) == ["85123", "85124"]  # ints become text
    strings = _tx(
        customer=["13085.0", "13085", " 42.00 "], date=["2021-01-01"] * 3, amount=[1.0, 2.0, 3.0]
    )
    assert list(read_transactions(strings)["customer_id"]) == ["13085", "13085", "42"]


def test_amount_from_quantity_and_unit_price():
    src = _tx(customer=["A", "B"], date=["2021-01-01"] * 2, qty=["3", "-1"], price=["2.5", "4"])
    tx = read_transactions(src)
    assert list(tx["amount"]) == [7.5, -4.0]  # 3 x 2.5, -1 x 4
    assert tx.attrs["quality"]["amount_from"] == "quantity * unit_price"


@pytest.mark.parametrize(
    "headers",
    [
        ("客户", "日期", "金额", "区域"),
        ("客户名称", "订单日期", "销售额", "大区"),
        ("客户代码", "开票日期", "无税金额", "销售区域"),
        ("Customer ID", "Invoice Date", "Net Sales", "Territory"),
        ("ACCOUNT", "order_date", "Revenue", "area"),
        ("client", "Date", "sales", "Region"),
    ],
)
def test_header_names_recognised(headers):
    src = pd.DataFrame([["A", "2021-01-02", "10", "N"]], columns=list(headers))
    tx = read_transactions(src)
    cols = tx.attrs["quality"]["columns"]
    assert [cols[k] for k in ("customer_id", "date", "amount", "region")] == list(headers)
    assert (tx.loc[0, "customer_id"], tx.loc[0, "amount"], tx.loc[0, "region"]) == ("A", 10, "N")


def test_mapping_dict_overrides_and_adds_attributes():
    src = _tx(Kunde=["A"], Datum=["2021-01-01"], Betrag=["1.5"], Branche=["Auto"], amount=["999"])
    tx = read_transactions(
        src, {"customer_id": "Kunde", "date": "Datum", "amount": "Betrag", "industry": "Branche"}
    )
    assert (tx.loc[0, "amount"], tx.loc[0, "industry"]) == (1.5, "Auto")
    assert list(tx.columns) == ["customer_id", "date", "amount", "region", "industry"]


def test_mapping_errors():
    src = _tx(customer=["A"], date=["2021-01-01"], amount=[1.0])
    with pytest.raises(DataError, match=r"puts 'amount' in column 'Total', which is not in"):
        read_transactions(src, {"amount": "Total"})
    with pytest.raises(ConfigError, match=r"unknown mapping preset 'sap'.*online-retail"):
        read_transactions(src, "sap")
    with pytest.raises(ConfigError, match="mapping must be a preset name or a dict"):
        read_transactions(src, ["customer"])
    with pytest.raises(ConfigError, match="sheet= applies to Excel"):
        read_transactions(src, sheet="x")
    with pytest.raises(ConfigError, match="mapping keys are canonical or attribute names"):
        read_transactions(src, {1: "customer"})
    with pytest.raises(DataError, match="'region' in column 'Land' or 'Country', which is not"):
        read_transactions(src, {"region": ["Land", "Country"]})


def test_mapping_with_alternatives_and_non_text_column_names():
    src = pd.DataFrame([["A", "2021-01-01", 2.0, "x"]], columns=[0, 1, 2, 3])
    tx = read_transactions(src, {"customer_id": 0, "date": 1, "amount": [9, 2], "region": None})
    assert (tx.loc[0, "customer_id"], tx.loc[0, "amount"], tx.loc[0, "region"]) == ("A", 2, "All")
    assert tx.attrs["quality"]["columns"] == {"customer_id": "0", "date": "1", "amount": "2"}


def test_dayfirst_option_decides_ambiguous_dates():
    path = BAD / "ambiguous_day_month.csv"  # 03/04/2021, 05/06/2021, 01/02/2021
    assert read_transactions(path, dayfirst=True)["date"].iloc[0] == pd.Timestamp("2021-04-03")
    assert read_transactions(path, dayfirst=False)["date"].iloc[0] == pd.Timestamp("2021-03-04")


@pytest.mark.parametrize(
    "raw, expected",
    [
        (["2021-04-03", "2021-04-03 10:15"], ["2021-04-03", "2021-04-03 10:15"]),
        (["2021/4/3", "2021.04.05 08:00:01"], ["2021-04-03", "2021-04-05 08:00:01"]),
        (["20210403", "2021年4月5日"], ["2021-04-03", "2021-04-05"]),
        (["04/13/2021 02:15 PM", "04/14/2021 12:05 AM"], ["2021-04-13 14:15", "2021-04-14 00:05"]),
        (["13.04.21", "01.05.21"], ["2021-04-13", "2021-05-01"]),  # two-digit years
        (["3 Apr 2021", "April 5, 2021"], ["2021-04-03", "2021-04-05"]),
        ([20210403, 20210405], ["2021-04-03", "2021-04-05"]),  # yyyymmdd numbers
    ],
)
def test_date_formats(raw, expected):
    tx = read_transactions(_tx(customer=["A", "B"], date=raw, amount=[1.0, 2.0]))
    assert list(tx["date"]) == [pd.Timestamp(e) for e in expected]


def test_typed_and_tz_aware_dates():
    dates = pd.to_datetime(["2021-01-01 10:00", "2021-01-02 00:00"]).tz_localize("Asia/Shanghai")
    tx = read_transactions(_tx(customer=["A", "B"], date=dates, amount=[1.0, 2.0]))
    assert tx["date"].dtype == "datetime64[ns]"  # tz-naive, wall-clock time kept
    assert tx["date"].iloc[0] == pd.Timestamp("2021-01-01 10:00")


@pytest.mark.parametrize(
    "raw, expected",
    [
        (["1,234.50", "-7"], [1234.5, -7.0]),
        (["1.234,50", "3,5"], [1234.5, 3.5]),  # decimal comma decided by the values
        (["(12.50)", "12.50-"], [-12.5, -12.5]),  # accounting negatives
        (["¥1,234", "RMB 99.9"], [1234.0, 99.9]),
        (["1 234,50", "2\u00a0000,00"], [1234.5, 2000.0]),  # space thousands
        ([1.5, "2.5"], [1.5, 2.5]),  # mixed numbers and text (Excel)
    ],
)
def test_number_formats(raw, expected):
    tx = read_transactions(_tx(customer=["A", "B"], date=["2021-01-01"] * 2, amount=raw))
    assert list(tx["amount"]) == pytest.approx(expected)


def test_conflicting_decimal_separators():
    src = _tx(customer=["A", "B"], date=["2021-01-01"] * 2, amount=["1,234.50", "12,5"])
    with pytest.raises(DataError, match="both decimal separators"):
        read_transactions(src)


def test_semicolon_file_without_decimal_evidence_asks_for_decimal(tmp_path):
    path = tmp_path / "eu.csv"
    path.write_text("customer;date;amount\nA;2021-01-01;1.000\nB;2021-01-02;2\n")
    # "1.000" could be one thousand or 1.0: the delimiter does not decide it (issue 11)
    with pytest.raises(DataError, match=r"decimal separator is ambiguous.*'1\.000'"):
        read_transactions(path)
    assert list(read_transactions(path, decimal=",")["amount"]) == [1000.0, 2.0]
    assert list(read_transactions(path, decimal=".")["amount"]) == [1.0, 2.0]


def test_latin1_file_is_read_as_cp1252_with_a_warning(tmp_path):
    path = tmp_path / "latin.csv"
    path.write_bytes("customer,date,amount\nCafé,2021-01-01,10\n".encode("latin-1"))
    with pytest.warns(DataWarning, match="not UTF-8.*cp1252 - a guess"):
        tx = read_transactions(path)
    # cp1252 and Latin-1 agree on every letter; cp1252 is the Windows export's encoding
    assert tx["customer_id"].iloc[0] == "Café" and tx.attrs["quality"]["encoding"] == "cp1252"


def test_utf16_tab_file(tmp_path):
    path = tmp_path / "excel_unicode.txt"
    path.write_text("客户\t日期\t金额\n甲\t2021-01-01\t10\n", encoding="utf-16")
    tx = read_transactions(path)
    assert tx.attrs["quality"]["encoding"] == "utf-16" and tx["customer_id"].iloc[0] == "甲"


def test_parquet_source(tmp_path):
    path = tmp_path / "tx.parquet"
    _tx(
        customer=["A", "B"], date=pd.to_datetime(["2021-01-01", "2021-02-01"]), amount=[1.0, 2.0]
    ).to_parquet(path)
    tx = read_transactions(path)
    assert tx.attrs["quality"]["format"] == "parquet" and tx["amount"].sum() == 3.0
    bad = tmp_path / "bad.parquet"
    bad.write_text("not parquet")
    with pytest.raises(DataError, match="could not read the data"):
        read_transactions(bad)


def test_empty_dataframe_and_wrong_source_type():
    with pytest.raises(DataError, match="the data has no lines"):
        read_transactions(pd.DataFrame({"customer": [], "date": [], "amount": []}))
    with pytest.raises(ConfigError, match="source must be a file path or a DataFrame, got Series"):
        read_transactions(pd.Series([1.0]))


def test_missing_file_and_folder(tmp_path):
    with pytest.raises(DataError, match="does not exist"):
        read_transactions(tmp_path / "nope.csv")
    with pytest.raises(DataError, match="is a folder"):
        read_transactions(tmp_path)


def test_library_exceptions_become_data_errors():
    # unhashable cells: pandas raises TypeError in duplicated(); must not escape raw
    src = _tx(customer=["A"], date=["2021-01-01"], amount=[1.0], tags=[["x", "y"]])
    with pytest.raises(DataError, match="TypeError") as info:
        read_transactions(src)
    assert isinstance(info.value.__cause__, TypeError)


def test_dataframe_source_is_not_mutated():
    src = _tx(
        CustomerID=[13085.0, np.nan, 13085.0],
        InvoiceDate=["2011-01-01"] * 3,
        Quantity=[1, 2, 1],
        UnitPrice=[1.5, 1.0, 1.5],
        Country=["UK", "", "UK"],
        InvoiceNo=["1", "2", "1"],
        StockCode=["a", "b", "a"],
    )
    src.attrs["mine"] = 1
    copy = src.copy(deep=True)
    tx = read_transactions(src, "online-retail")
    pd.testing.assert_frame_equal(src, copy)
    assert src.attrs == {"mine": 1} and list(src.columns) == list(copy.columns)
    assert len(tx) == 1  # one duplicate dropped, one line without id


def test_builtin_sample_round_trip(sample_tx):
    tx = read_transactions(sample_tx)
    assert tx.attrs["quality"]["source"] == "<DataFrame>"
    # the sample is canonical: same lines (no exact duplicates in it), segment kept
    assert sample_tx.duplicated().sum() == 0
    pd.testing.assert_frame_equal(tx, sample_tx.reset_index(drop=True), check_like=False)
    assert tx.attrs["quality"]["customers"] == sample_tx["customer_id"].nunique()


# --------------------------------------------------------------------------- summary


DOCUMENTED_KEYS = {
    "source",
    "sha256",
    "format",
    # the structure of ERP exports (issue 16)
    "file_note",
    "header_rows",
    "titles",
    "total_rows",
    "total_rows_amount",
    "total_example",
    "returns_flagged",
    "returns_from",
    "customer_from",
    "likely_duplicate_names",
    "amount_basis",
    "unit",
    "unit_factor",
    "unit_from",
    "column_choices",
    "encoding",
    "encoding_reason",
    "delimiter",
    "header_row",
    "sheets_read",
    "sheets_skipped",
    "blank_lines",
    "lines_read",
    "duplicates_dropped",
    "lines_without_customer",
    "revenue_without_customer",
    "lines",
    "net_revenue",
    "returns",
    "returns_amount",
    "zero_amount_lines",
    "customers",
    "regions",
    "lines_without_region",
    "date_min",
    "date_max",
    "today",
    "future_dates",
    "amount_from",
    "decimal",
    "date_order",
    "customer_id_variants",
    "region_variants",
    "unify_ids",
    "unify_regions",
    "time_zone",
    "outlying_dates",
    "outlying_dates_dropped",
    "columns",
    "keep_duplicates",
    "warnings",
}


def test_quality_keys_are_the_documented_ones():
    tx = read_transactions(AWKWARD / "float_ids.csv", "online-retail")
    assert set(tx.attrs["quality"]) == DOCUMENTED_KEYS
    for key in DOCUMENTED_KEYS:
        assert f"``{key}``" in kio.__doc__  # the module docstring documents every key


def test_quality_summary_table():
    tx = read_transactions(AWKWARD / "float_ids.csv", "online-retail")
    table = quality_summary(tx)
    assert list(table.columns) == ["item", "value"]
    values = dict(zip(table["item"], table["value"], strict=True))
    assert values["lines read"] == "7" and values["duplicates dropped"] == "1"
    assert values["net revenue"] == "62.88" and values["column customer_id"] == "CustomerID"
    assert values["date min"] == "2010-12-01 08:26:00"
    with pytest.raises(DataError, match="no quality summary"):
        quality_summary(pd.DataFrame({"a": [1]}))


def test_presets_listed():
    assert "online-retail" in PRESETS
    assert PRESETS["online-retail"]["customer_id"] == ("CustomerID", "Customer ID")


# --------------------------------------------------------------------------- real data


@pytest.fixture(scope="module")
def real():
    if not REAL.exists():
        pytest.skip(f"real data not found at {REAL}")
    before = _fingerprint(REAL)
    tx = read_transactions(REAL, "online-retail")
    return tx, before


def test_real_online_retail_counts(real):
    tx, before = real
    q = tx.attrs["quality"]
    # independent: plain pandas on the raw file
    raw = pd.read_parquet(REAL)
    dedup = raw.drop_duplicates()
    with_id = dedup[dedup["CustomerID"].notna()]
    assert q["lines_read"] == len(raw) == 541_909
    assert q["duplicates_dropped"] == len(raw) - len(dedup) == 5_268
    assert q["lines_without_customer"] == dedup["CustomerID"].isna().sum() == 135_037
    assert q["lines"] == len(with_id) == 401_604
    assert q["customers"] == with_id["CustomerID"].nunique() == 4_372
    assert q["regions"] == with_id["Country"].nunique() == 37
    net = (with_id["Quantity"] * with_id["UnitPrice"]).sum()
    assert q["net_revenue"] == pytest.approx(net) and round(net, 2) == 8_278_519.42
    assert q["returns"] == ((with_id["Quantity"] * with_id["UnitPrice"]) < 0).sum()
    assert q["date_min"] == with_id["InvoiceDate"].min()
    assert q["date_max"] == with_id["InvoiceDate"].max()
    assert set(tx["customer_id"]) == {str(int(c)) for c in with_id["CustomerID"].unique()}
    assert q["sha256"] == hashlib.sha256(before[0]).hexdigest()
    assert _fingerprint(REAL) == before  # the raw file is unchanged


# --------------------------------------------------------------------------- CLI


def test_cli_validate_good_file():
    result = CliRunner().invoke(
        main, ["validate", str(AWKWARD / "float_ids.csv"), "--mapping", "online-retail"]
    )
    assert result.exit_code == 0, result.output
    assert "lines read" in result.output and "duplicates dropped" in result.output


def test_cli_validate_bad_file():
    result = CliRunner().invoke(main, ["validate", str(BAD / "text_in_amount.csv")])
    assert result.exit_code == 2
    assert "not a number in column 'amount'" in result.output
    assert "Traceback" not in result.output


def test_duplicates_without_invoice_column_are_dropped_with_a_warning(tmp_path):
    # no invoice column: two identical lines may be two real orders of the same amount
    path = tmp_path / "dup.csv"
    path.write_text("customer,date,amount\na,2023-01-05,10\na,2023-01-05,10\nb,2023-02-01,5\n")
    with pytest.warns(DataWarning, match=r"1 exact duplicate line\(s\) dropped.*row 3") as rec:
        tx = read_transactions(path)
    assert len(tx) == 2 and "keep_duplicates=True" in str(rec[0].message)
    assert rec[0].filename == __file__  # points at the caller, not at kamresearch's code
    assert tx.attrs["quality"]["warnings"][0].startswith("1 exact duplicate")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert len(read_transactions(path, keep_duplicates=True)) == 3


def test_few_duplicates_with_invoice_numbers_are_dropped_quietly(tmp_path):
    # the same invoice line twice is an export glitch; 1 in 200 lines (0.5%) needs no warning
    lines = [f"I{i},c{i % 7},2023-01-{1 + i % 28:02d},{i}.5" for i in range(200)]
    path = tmp_path / "inv.csv"
    path.write_text("invoice,customer,date,amount\n" + "\n".join(lines + lines[:1]) + "\n")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        tx = read_transactions(path)
    assert len(tx) == 200 and tx.attrs["quality"]["duplicates_dropped"] == 1


def test_sheet_with_other_key_columns_is_skipped_with_a_warning(tmp_path):
    h1 = [["customer", "date", "amount"], ["a", "2023-01-05", 10]]
    h2 = [["client", "date", "amount", "note"], ["b", "2023-07-05", 20, "x"]]
    h3 = [["customer", "date", "amount", "note"], ["c", "2023-08-05", 5, "y"]]
    path = _workbook(tmp_path / "halves.xlsx", {"H1": h1, "H2": h2, "H3": h3})
    with pytest.warns(DataWarning, match=r"sheet\(s\) \[.H2 \(columns differ.*sheet=") as rec:
        tx = read_transactions(path)
    assert rec[0].filename == __file__
    # H3 has an extra column only: combined with H1
    assert tx["customer_id"].tolist() == ["a", "c"]
    assert read_transactions(path, sheet="H2")["customer_id"].tolist() == ["b"]
