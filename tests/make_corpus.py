"""(Re)generate the ingestion corpus: ``tests/data/awkward`` (valid but awkward
inputs that must be read correctly) and ``tests/data/bad`` (inputs that must
raise a DataError naming the problem).

Run from the repository root: ``.venv/bin/python tests/make_corpus.py``. The files
are committed; this script documents exactly what is in them. Expected values
live in ``tests/test_io.py``, worked out by hand from the lines below.
"""

from __future__ import annotations

import io
from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
AWKWARD = HERE / "data" / "awkward"
BAD = HERE / "data" / "bad"
FIXED = datetime(2024, 1, 1)  # workbook metadata date, so files are reproducible


def _write(path: Path, data: bytes | str, encoding: str = "utf-8") -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data if isinstance(data, bytes) else data.encode(encoding))


def _workbook(sheets: dict[str, list[list]]) -> bytes:
    import xlsxwriter

    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True})
    wb.set_properties({"created": FIXED})
    datefmt = wb.add_format({"num_format": "yyyy-mm-dd"})
    for name, rows in sheets.items():
        ws = wb.add_worksheet(name)
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                if isinstance(value, datetime):
                    ws.write_datetime(r, c, value, datefmt)
                elif value is not None:
                    ws.write(r, c, value)
    wb.close()
    return buf.getvalue()


def awkward() -> None:
    # GBK with Chinese headers and Chinese dates; 4 lines, one return.
    _write(
        AWKWARD / "gbk_chinese_headers.csv",
        "客户编号,订单日期,销售金额,大区,产品\n"
        "K001,2023年1月5日,1200.00,华东,螺丝\n"
        "K002,2023年1月6日,350.50,华南,螺母\n"
        "K001,2023年2月10日,-200.00,华东,螺丝\n"
        "K003,2023年3月1日,80.00,华北,垫圈\n",
        encoding="gbk",
    )
    # UTF-8 with a byte-order mark; accented names; blank customer; zero amount.
    _write(
        AWKWARD / "utf8_bom.csv",
        "\ufeffCustomer,Order Date,Revenue,Area,Segment\n"
        "Café Noir,2022-01-03,100,West,Retail\n"
        "Müller GmbH,2022-01-04,250.75,East,Industry\n"
        "Café Noir,2022-02-03,0,West,Retail\n"
        "  ,2022-02-04,99,East,Retail\n",
    )
    # European: semicolons, decimal commas, dot thousands, day-first dates.
    _write(
        AWKWARD / "semicolon_decimal_comma.csv",
        "customer;date;amount;region\n"
        "Müller;03.04.2021;1.234,50;Süd\n"
        "Schmidt;25.04.2021;12,00;Nord\n"
        "Müller;26.04.2021;-45,50;Süd\n"
        "Weber;01.05.2021;1.000;Nord\n",
    )
    # Thousands separators, currency signs, an accounting negative.
    _write(
        AWKWARD / "thousands_separators.csv",
        "client,invoice date,net sales,territory\n"
        'A,2021/04/03,"1,234.50",West\n'
        'B,2021/04/04,"¥2,000",East\n'
        "A,2021/04/05,(100.00),West\n"
        'C,2021/05/01,"12,345,678.90",East\n'
        "B,2021/05/02,$ 15.25,East\n",
    )
    # UCI Online Retail layout: float ids, month-first dates, a duplicate line,
    # a line without CustomerID, a cancellation.
    _write(
        AWKWARD / "float_ids.csv",
        "InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country\n"
        "536365,85123A,WHITE HANGING HEART,6,12/1/2010 8:26,2.55,17850.0,United Kingdom\n"
        "536366,22633,HAND WARMER,6,12/1/2010 8:28,1.85,17850.0,United Kingdom\n"
        "536367,84879,ASSORTED BIRDS,32,12/13/2010 8:34,1.69,13047.0,United Kingdom\n"
        "C536379,D,Discount,-1,12/14/2010 9:41,27.50,14527.0,United Kingdom\n"
        "536380,22961,JAM MAKING SET,24,12/14/2010 9:45,1.45,,United Kingdom\n"
        "536381,22139,RETROSPOT TEA SET,2,12/15/2010 10:00,4.95,12583,France\n"
        "536365,85123A,WHITE HANGING HEART,6,12/1/2010 8:26,2.55,17850.0,United Kingdom\n",
    )
    # A report title above the header, a blank line, a totals row at the bottom.
    _write(
        AWKWARD / "title_rows.csv",
        "Sales ledger - exported 2024-01-31\n"
        "\n"
        "Customer,Date,Amount,Region\n"
        "X1,2024-01-02,10,North\n"
        "X2,2024-01-03,20,South\n"
        "\n"
        "X1,2024-01-05,5.5,North\n"
        ",Total,35.5,\n",
    )
    # Tab-delimited .txt, no region column, ids with leading zeros, times of day.
    _write(
        AWKWARD / "tab_delimited.txt",
        "Account\tSales Date\tAmount\n"
        "007\t2021-04-03 10:15:00\t10.5\n"
        "008\t2021-04-03 17:45:30\t20\n"
        "007\t2021-04-04T09:00:00\t-0.5\n",
    )
    # Two sheets with the same header (one line in both: the overlap), a sheet
    # with another header and an empty sheet (both skipped); amount from
    # quantity x unit price; numeric customer ids.
    header = ["Customer ID", "Invoice Date", "Quantity", "Unit Price", "Region"]
    overlap = [1001, datetime(2022, 12, 30), -2, 2.5, "North"]
    _write(
        AWKWARD / "two_sheets.xlsx",
        _workbook(
            {
                "2022": [
                    header,
                    [1001, datetime(2022, 3, 1), 10, 2.5, "North"],
                    [1002, datetime(2022, 6, 15), 4, 100, "South"],
                    overlap,
                ],
                "2023": [
                    header,
                    overlap,
                    [1003, datetime(2023, 1, 10), 1, 999.99, "East"],
                    [1002, datetime(2023, 2, 1), 3, 100, "South"],
                ],
                "Notes": [["Comment"], ["prices in EUR"]],
                "Empty": [],
            }
        ),
    )

    # A workbook with a report title above the header, dates and amounts typed as
    # text (an ERP export), one empty region cell.
    _write(
        AWKWARD / "title_rows.xlsx",
        _workbook(
            {
                "销售明细": [
                    ["销售明细表 2023"],
                    [],
                    ["客户名称", "销售日期", "金额", "区域"],
                    ["甲公司", "2023-01-05", "1,200.50", "华东"],
                    ["乙公司", "2023-01-06", "-200", ""],
                    ["甲公司", "2023-02-01", "99.5", "华东"],
                ]
            }
        ),
    )


def bad() -> None:
    _write(BAD / "missing_columns.csv", "Name,Total\nAcme,100\nBeta,200\n")
    _write(
        BAD / "text_in_amount.csv",
        "customer,date,amount\nA,2021-01-01,10\nB,2021-01-02,ten euros\nC,2021-01-03,30\n",
    )
    _write(
        BAD / "mixed_date_formats.csv",
        "customer,date,amount\nA,2021-04-03,10\nB,03/04/2021,20\nC,2021-04-05,30\n",
    )
    _write(
        BAD / "ambiguous_day_month.csv",
        "customer,date,amount\nA,03/04/2021,10\nB,05/06/2021,20\nC,01/02/2021,30\n",
    )
    _write(
        BAD / "day_and_month_first.csv", "customer,date,amount\nA,25/04/2021,10\nB,04/26/2021,20\n"
    )
    _write(
        BAD / "unparseable_date.csv",
        "customer,date,amount\nA,2021-01-01,10\nB,next Tuesday,20\nC,2021-02-30,5\n",
    )
    _write(BAD / "empty_amount.csv", "customer,date,amount\nA,2021-01-01,10\nB,2021-01-02,\n")
    _write(BAD / "empty.csv", b"")
    _write(BAD / "header_only.csv", "customer,date,amount,region\n")
    _write(BAD / "duplicate_headers.csv", "customer,date,amount,amount\nA,2021-01-01,10,11\n")
    _write(BAD / "no_customer_ids.csv", "customer,date,amount\n,2021-01-01,10\n,2021-01-02,20\n")
    _write(
        BAD / "readme_prose.csv",
        "# Sales data\n\nThis folder holds the monthly exports. Ask Li, Wang or Zhang\n"
        "before you change anything; the finance team, which owns the files, reviews them.\n"
        "Contact: finance@example.com\n\n## History\n- 2021: first export\n"
        "- 2022: new ERP, new columns, new codes, more regions\n",
    )
    _write(
        BAD / "ragged_rows.csv",
        "customer,date,amount\nA,2021-01-01,10\nB,2021-01-02,20,extra,fields\n",
    )
    rng = np.random.default_rng(0)
    _write(BAD / "binary.csv", b"\x89PNG\r\n\x1a\n" + rng.bytes(2000))
    _write(BAD / "workbook_named.csv", _workbook({"Sheet1": [["customer"], ["A"]]}))
    _write(BAD / "unsupported.json", '{"customer": "A", "amount": 10}\n')
    issue_11()


def issue_11() -> None:
    """One small file per input defect of issue 11 (outcomes in bad/EXPECTED.csv)."""
    europe = (
        "customer,date,amount,region\nDüsseldorf GmbH,2011-01-03,10,Nord\n"
        "España SA,2011-01-04,5,Süd\nAcme,2011-01-05,4,Nord\n"
    )
    _write(BAD / "cp1252_names.csv", europe, encoding="cp1252")
    _write(
        BAD / "utf8_with_one_gbk_line.csv",
        "客户,日期,金额,大区\n甲公司,2011-01-03,10,华南\n乙公司,2011-01-04,5,华东\n".encode()
        + "丙公司,2011-01-05,7,华南\n".encode("gbk")  # line 4
        + "丁公司,2011-01-06,1,华东\n".encode(),
    )
    _write(BAD / "cr_line_endings.csv", "customer,date,amount\rA,2011-01-03,10\rB,2011-01-04,5\r")
    _write(
        BAD / "utf16_without_bom.txt",
        "客户\t日期\t金额\n甲\t2011-01-03\t10\nB\t2011-01-04\t5\n",
        encoding="utf-16-le",
    )
    _write(
        BAD / "thousands_or_decimal.csv",
        "customer;date;amount\nA;2011-01-03;1,234\nB;2011-01-04;2,500\n",
    )
    _write(
        BAD / "excel_scientific_ids.csv",
        "customer,date,amount\n1.23457E+11,2011-01-03,10\n1.23457E+11,2011-01-04,5\n",
    )
    _write(
        BAD / "id_variants.csv",
        "customer,date,amount,region\n0012583,2011-01-03,10,North\n12583,2011-01-04,5,north\n"
        "ab-1,2011-01-05,1,North\nAB-1,2011-01-06,2,North\n",
    )
    frame = pd.DataFrame(
        {"customer": ["A", "B"], "date": pd.to_datetime(["2011-01-03", "2011-01-04"])}
    )
    buf = io.BytesIO()
    frame.assign(amount=[True, False]).to_parquet(buf, index=False)
    _write(BAD / "boolean_amount.parquet", buf.getvalue())
    _write(
        BAD / "overflow_amount.csv", "customer,date,amount\nA,2011-01-03,1e308\nB,2011-01-04,5\n"
    )
    _write(BAD / "infinite_amount.csv", "customer,date,amount\nA,2011-01-03,10\nB,2011-01-04,inf\n")
    days = pd.date_range("2010-12-01", "2011-12-09", periods=200).strftime("%Y-%m-%d")
    body = "customer,date,amount\n" + "".join(f"C{i % 20},{d},10\n" for i, d in enumerate(days))
    _write(BAD / "outlying_dates.csv", body + "C1,2031-03-05,10\nC2,2031-04-05,10\n")
    _write(BAD / "placeholder_date.csv", body + "C3,1900-01-01,10\n")
    _write(
        BAD / "iso_offsets.csv",
        "customer,date,amount\nA,2021-04-03T23:30:00+08:00,10\nB,2021-04-04T08:00:00+08:00,5\n",
    )
    _write(
        BAD / "excel_error_text.csv",
        "customer,date,amount\nA,2011-01-03,10\nB,2011-01-04,#DIV/0!\n",
    )
    import xlsxwriter

    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True})
    wb.set_properties({"created": FIXED})
    ws = wb.add_worksheet("Sales")
    ws.write_row(0, 0, ["customer", "date", "amount"])
    ws.write_row(1, 0, ["A", "2011-01-03", 10])
    ws.write_row(2, 0, ["B", "2011-01-04"])
    ws.write_formula(2, 2, "=1/0", None, "#DIV/0!")  # row 3: a failed formula
    wb.close()
    _write(BAD / "excel_error_cells.xlsx", buf.getvalue())
    _write(
        BAD / "empty_unit_price.csv",
        "customer,date,quantity,unit price\nA,2011-01-03,2,\nB,2011-01-04,1,5\n",
    )


if __name__ == "__main__":
    awkward()
    bad()
    print(f"wrote {len(list(AWKWARD.iterdir()))} awkward and {len(list(BAD.iterdir()))} bad files")
