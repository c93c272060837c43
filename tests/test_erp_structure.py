"""The structure of ERP exports: headers, sheets by role, units, tax basis, totals, returns.

Each test writes a small file whose lines are listed in the test, and checks the
figures against a hand sum of those lines (written in the comment beside it).
"""

from __future__ import annotations

import warnings
from datetime import datetime
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

import kamresearch as kam
import kamresearch.io.read as kio
from kamresearch.cli import main
from kamresearch.errors import ConfigError, DataError, DataWarning
from kamresearch.io import describe_quality, read_transactions
from kamresearch.io.aliases import ALIASES, ATTRIBUTE_ALIASES, REMARKS, TAX
from kamresearch.io.headers import find_header, flatten
from kamresearch.io.ledger import closing_rows, similar_names

TODAY = pd.Timestamp("2025-06-30")


@pytest.fixture(autouse=True)
def _fixed_today(monkeypatch):
    monkeypatch.setattr(kio, "_today", lambda: TODAY)


def _xlsx(path, sheets, *, hidden=(), merges=()):
    import xlsxwriter

    wb = xlsxwriter.Workbook(str(path))
    for name, rows in sheets.items():
        ws = wb.add_worksheet(name)
        for r, row in enumerate(rows):
            for c, v in enumerate(row):
                if isinstance(v, datetime):
                    ws.write_datetime(r, c, v, wb.add_format({"num_format": "yyyy-mm-dd"}))
                elif v is not None:
                    ws.write(r, c, v)
        for sheet, (r1, c1, r2, c2, text) in merges:
            if sheet == name:
                ws.merge_range(r1, c1, r2, c2, text)
        if name in hidden:
            ws.hide()
    wb.close()
    return path


def _quiet(path, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return read_transactions(path, **kw)


# --------------------------------------------------------------------------- headers


def test_find_header_skips_titles_and_flattens_a_merged_header():
    rows = [
        ["销售统计表", "", "", "", "", ""],
        ["金额单位：万元", "", "", "", "制表：张三", ""],
        ["客户编码", "日期", "金额", "", "", "数量"],
        ["", "", "含税", "不含税", "税额", ""],
        ["C1", "2023-01-05", 113, 100, 13, 1],
    ]
    assert find_header(rows) == (2, 2)
    assert flatten(rows[2:4]) == [
        "客户编码",
        "日期",
        "金额/含税",
        "金额/不含税",
        "金额/税额",
        "数量",
    ]
    assert find_header(rows, header_row=3) == (2, 2)
    assert find_header([["a", "b"], ["c", "d"]]) == (None, 1)  # no data row: caller decides


def test_u8_invoice_list_with_unit_subtitle_merged_header_and_totals(tmp_path):
    rows = [
        ["销售发票列表"],
        ["金额单位：万元"],
        ["客户编码", "客户名称", "开票日期", "金额", None, None],
        [None, None, None, "含税", "不含税", "税额"],
        ["0101", "华东电器", "2023-01-05", 11.3, 10.0, 1.3],
        ["0102", "华南五金", "2023-01-20", 5.65, 5.0, 0.65],
        [None, "小计", None, 16.95, 15.0, 1.95],
        ["0101", "华东电器", "2023-02-03", 2.26, 2.0, 0.26],
        [None, "合计", None, 19.21, 17.0, 2.21],
    ]
    path = _xlsx(tmp_path / "u8.xlsx", {"Sheet1": rows}, merges=[("Sheet1", (2, 3, 2, 5, "金额"))])
    tx = _quiet(path)
    q = tx.attrs["quality"]
    # net of VAT, 万元: (10 + 5 + 2) * 10,000 = 170,000; the 小计/合计 rows are not lines
    assert q["net_revenue"] == pytest.approx(170_000.0)
    assert q["columns"]["amount"] == "金额/不含税" and q["amount_basis"] == "net"
    assert (q["unit"], q["unit_factor"]) == ("万元", 10_000.0)
    assert "金额单位：万元" in q["unit_from"]
    assert (q["header_row"], q["header_rows"], q["titles"]) == (
        3,
        2,
        ["销售发票列表", "金额单位：万元"],
    )
    assert (q["total_rows"], q["total_example"]) == (2, "小计")
    assert q["total_rows_amount"] == pytest.approx((15 + 17) * 10_000)
    assert q["customer_from"] == "code" and sorted(tx["customer_id"].unique()) == ["0101", "0102"]
    text = "\n".join(describe_quality(tx))
    assert "Header: row 3 and the 1 row(s) below it" in text
    assert "amounts × 10,000" in text and "Total rows excluded: 2" in text
    # unit= overrides what the file says
    assert _quiet(path, unit="元").attrs["quality"]["net_revenue"] == pytest.approx(17.0)


def test_padded_title_row_of_a_saved_csv_and_header_row_option(tmp_path):
    text = (
        "销售明细表,,,\n"
        "单位：元,,,\n"
        "客户代码,单据日期,销售额（万元）,区域\n"
        "K1,2023-03-01,1.5,华东\n"
        "K2,2023-03-02,2,华北\n"
    )
    path = tmp_path / "padded.csv"
    path.write_bytes(text.encode("utf-8-sig"))
    q = _quiet(path).attrs["quality"]
    assert q["header_row"] == 3 and q["columns"]["amount"] == "销售额（万元）"
    # the header's 万元 beats the title's 元: 3.5 万元 = 35,000
    assert q["net_revenue"] == pytest.approx(35_000.0) and q["unit_from"].startswith("the header")
    # a header the detector cannot see: header_row says where it is
    odd = tmp_path / "odd.csv"
    odd.write_text("x,y,z\n1,2,3\ncustomer,date,amount\nA,2023-01-02,5\n")
    assert _quiet(odd, header_row=3)["amount"].tolist() == [5.0]


# --------------------------------------------------------------------------- sheets


def test_sheets_by_role(tmp_path):
    head = ["客户编码", "日期", "金额"]
    months = {f"{m}月": [head, [f"C{m}", datetime(2023, m, 5), 100.0 * m]] for m in (1, 2, 3)}
    months["3月"][0] = [*head, "备注"]  # an extra column is fine
    months["3月"][1].append("加急")
    sheets = {
        "汇总": [["客户", "1月", "2月", "3月", "合计"], ["C1", 100, 0, 0, 100]],
        **months,
        "作废单据": [head, ["C9", datetime(2023, 1, 9), 999.0]],
        "旧数据": [head, ["C8", datetime(2023, 1, 8), 888.0]],
    }
    path = _xlsx(tmp_path / "book.xlsx", sheets, hidden=("旧数据", "作废单据"))
    # the hidden voided sheet is never offered: only 旧数据, with the exact list to pass
    fix = r"pass sheet=\['1月', '2月', '3月', '旧数据'\]"
    with pytest.warns(DataWarning, match=r"hidden sheet\(s\) \['旧数据'\] hold lines.*" + fix):
        tx = read_transactions(path)
    q = tx.attrs["quality"]
    assert q["sheets_read"] == ["1月", "2月", "3月"]
    assert q["net_revenue"] == pytest.approx(600.0)  # 100 + 200 + 300
    assert "作废" not in " ".join(q["warnings"])
    skipped = "; ".join(q["sheets_skipped"])
    assert (
        "汇总 (a summary sheet" in skipped
        and "作废单据 (voided documents (作废), hidden)" in skipped
    )
    assert "旧数据 (hidden sheet)" in skipped
    # the fix followed: the hidden lines join the months, nothing else does
    followed = _quiet(path, sheet=["1月", "2月", "3月", "旧数据"])
    assert followed["amount"].sum() == pytest.approx(600.0 + 888)
    assert set(tx["region"]) == {"All"}  # month names are not regions
    # a list, or everything
    assert _quiet(path, sheet=["1月", "3月"])["amount"].sum() == pytest.approx(400.0)
    assert read_transactions(path, sheet="all")["amount"].sum() == pytest.approx(600.0 + 999 + 888)


def test_month_only_in_the_sheet_names_is_refused_until_a_date_column_is_added(tmp_path):
    def book(dated):
        head = ["客户编码", "金额"] + (["日期"] if dated else [])
        sheets = {
            f"{m}月": [head, ["C1", 10.0 * m] + ([datetime(2023, m, 5)] if dated else [])]
            for m in (1, 2)
        }
        return _xlsx(tmp_path / f"m{dated}.xlsx", sheets)

    with pytest.raises(DataError, match=r"no date column: the month is only in the sheet") as e:
        read_transactions(book(False))
    assert "add a date column to each sheet" in e.value.fix
    tx = _quiet(book(True))  # the fix followed: 10 + 20
    assert tx["amount"].sum() == pytest.approx(30.0) and set(tx["region"]) == {"All"}


def test_region_from_sheet_names(tmp_path):
    head = ["客户", "日期", "金额"]
    sheets = {
        "华东": [head, ["甲", "2023-01-05", 10]],
        "华南": [head, ["乙", "2023-01-06", 20], ["甲", "2023-01-07", 5]],
    }
    tx = _quiet(_xlsx(tmp_path / "regions.xlsx", sheets))
    assert tx.groupby("region")["amount"].sum().to_dict() == {"华东": 10.0, "华南": 25.0}
    assert any("from the sheet names" in c for c in tx.attrs["quality"]["column_choices"])
    # a table split over Sheet1, Sheet2 (or 数据1, 数据2) is one table: no region from them
    split = {"Sheet1": sheets["华东"], "Sheet2": sheets["华南"]}
    tx = _quiet(_xlsx(tmp_path / "split.xlsx", split))
    assert set(tx["region"]) == {"All"} and tx["amount"].sum() == 35


# --------------------------------------------------------------------------- columns


def test_tax_basis(tmp_path):
    both = pd.DataFrame(
        {
            "客户": ["A", "B"],
            "日期": ["2023-01-01"] * 2,
            "销售额": [113, 226],
            "不含税收入": [100, 200],
        }
    )
    q = read_transactions(both).attrs["quality"]
    assert q["net_revenue"] == 300 and q["columns"]["amount"] == "不含税收入"
    assert "'销售额'" in q["column_choices"][-1]
    kingdee = both.rename(columns={"销售额": "价税合计", "不含税收入": "金额"})
    q = read_transactions(kingdee).attrs["quality"]
    assert (q["net_revenue"], q["amount_basis"]) == (300, "net")  # 金额 beside 价税合计
    assert read_transactions(kingdee, amount_basis="gross")["amount"].sum() == 339
    gross = both.drop(columns="不含税收入").rename(columns={"销售额": "价税合计"})
    with pytest.raises(DataError, match=r"only amount column, '价税合计', is VAT included") as e:
        read_transactions(gross)
    assert "amount_basis='gross'" in e.value.fix
    assert read_transactions(gross, amount_basis="gross")["amount"].sum() == 339
    with_tax = gross.assign(税额=[13, 26])
    assert read_transactions(with_tax)["amount"].sum() == 300  # 339 - 39
    with pytest.raises(ConfigError, match="amount_basis"):
        read_transactions(both, amount_basis="vat")


def test_column_choice_is_said_or_refused():
    base = {"Customer": ["Smith Ltd", "Smith Ltd"], "Account ID": ["A1", "A2"]}
    tx = read_transactions(pd.DataFrame({**base, "Date": ["2023-01-01"] * 2, "Sales": [1, 2]}))
    assert sorted(tx["customer_id"]) == ["A1", "A2"]  # the id, not the name: two accounts
    assert "'Account ID' is the customer id" in tx.attrs["quality"]["column_choices"][0]
    same = pd.DataFrame({**base, "Date": ["2023-01-01"] * 2, "Sales": [1, 2], "Revenue": [1, 2]})
    choices = read_transactions(same).attrs["quality"]["column_choices"]
    assert any("'Sales' and 'Revenue' hold the same values" in c for c in choices)
    differ = same.assign(Revenue=[1, 5])
    with pytest.raises(DataError, match=r"two columns could be the amount, 'Sales' and 'Revenue'"):
        read_transactions(differ)
    assert read_transactions(differ, {"amount": "Revenue"})["amount"].sum() == 6
    cases = pd.DataFrame({"customer": ["a"], "date": ["2023-01-01"], "amount": [1], "Amount": [2]})
    with pytest.raises(DataError, match=r"'amount' and 'Amount'"):
        read_transactions(cases)


# --------------------------------------------------------------------------- values


def test_returns_in_a_remark_column(tmp_path):
    df = pd.DataFrame(
        {
            "客户编码": ["A", "A", "B"],
            "日期": ["2023-01-01", "2023-01-05", "2023-01-06"],
            "金额": [100, 30, 50],
            "摘要": ["销售", "销售退货", "销售"],
        }
    )
    with pytest.warns(DataWarning, match=r"1 line\(s\) marked as returns in column '摘要'"):
        q = read_transactions(df).attrs["quality"]
    assert (q["net_revenue"], q["returns_flagged"]) == (180, 1)
    q = read_transactions(df, returns_from="摘要").attrs["quality"]
    assert (q["net_revenue"], q["returns"], q["returns_from"]) == (120, 1, "摘要")  # 100-30+50
    assert read_transactions(df, returns_from=True)["amount"].sum() == 120


def test_accounting_zero_and_excel_serial_dates(tmp_path):
    path = tmp_path / "serial.csv"
    path.write_text('客户编码,日期,金额\nA,44927,￥-\nA,44928,"￥1,000.00"\nB,44958, - \n')
    tx = _quiet(path)
    assert tx["amount"].tolist() == [0.0, 1000.0, 0.0]
    assert tx["date"].dt.strftime("%Y-%m-%d").tolist() == ["2023-01-01", "2023-01-02", "2023-02-01"]
    assert tx.attrs["quality"]["date_order"] == "excel-serial"
    assert "Dates: Excel serial day numbers" in "\n".join(describe_quality(tx))
    assert kam.describe_quality(tx) == describe_quality(tx)  # also at the top level


def test_closing_rows_sum_rule():
    amount = pd.Series([10, 20, 30, 5, 5, 10, 40]).to_numpy(float)
    candidate = pd.Series([0, 0, 1, 0, 0, 1, 1]).astype(bool).to_numpy()
    # 30 = 10 + 20, 10 = 5 + 5 since the last total, 40 = all the lines since the start
    assert closing_rows(amount, candidate).tolist() == [0, 0, 1, 0, 0, 1, 1]
    assert not closing_rows(amount, ~candidate & (amount == 10)).any()


def test_subtotal_lines_that_close_a_block_are_not_lines():
    df = pd.DataFrame(
        {
            "客户": ["甲", "甲", "甲", "乙", "乙"],
            "日期": ["2023-01-01", "2023-01-09", None, "2023-01-03", None],
            "金额": [10, 20, 30, 7, 7],
        }
    )
    q = read_transactions(df).attrs["quality"]
    assert (q["net_revenue"], q["total_rows"], q["lines"]) == (37, 2, 3)


def test_name_only_ledger_lists_likely_duplicates():
    df = pd.DataFrame(
        {
            "客户名称": ["上海华东电器有限公司", "华东电器", "广州南方五金厂", "北京燕山建材"],
            "日期": ["2023-01-01"] * 4,
            "金额": [1, 2, 3, 4],
        }
    )
    with pytest.warns(DataWarning, match=r"上海华东电器有限公司 / 华东电器"):
        q = read_transactions(df).attrs["quality"]
    assert q["customer_from"] == "name" and q["customers"] == 4  # listed, not merged
    assert q["likely_duplicate_names"] == ["上海华东电器有限公司 / 华东电器"]
    assert similar_names(["C001", "C0010"]) == []  # codes are not names


# --------------------------------------------------------------------------- files


def test_html_and_text_saved_as_xls(tmp_path):
    html = (
        '<html><head><meta charset="gbk"></head><body><table>'
        '<tr><td colspan="4">销售出库单</td></tr>'
        '<tr><th rowspan="2">购货单位</th><th rowspan="2">日期</th><th colspan="2">金额</th></tr>'
        "<tr><th>不含税</th><th>含税</th></tr>"
        "<tr><td>甲公司</td><td>2023-05-01</td><td>100</td><td>113</td></tr>"
        "<tr><td>乙公司</td><td>2023-05-02</td><td>200</td><td>226</td></tr>"
        "</table></body></html>"
    )
    path = tmp_path / "k3.xls"
    path.write_bytes(html.encode("gbk"))
    with pytest.warns(DataWarning, match=r"really an HTML table"):
        tx = read_transactions(path)
    q = tx.attrs["quality"]
    assert (q["format"], q["net_revenue"], q["header_row"], q["header_rows"]) == ("html", 300, 2, 2)
    assert q["file_note"].startswith("a .xls file that is really an HTML table")
    text = tmp_path / "u8.xls"
    text.write_bytes("客户编码\t日期\t无税金额\nA\t2023-01-01\t5\n".encode("gb18030"))
    with pytest.warns(DataWarning, match=r"really a delimited text file"):
        assert read_transactions(text)["amount"].tolist() == [5.0]


def test_cli_validate_says_what_was_decided(tmp_path):
    path = tmp_path / "v.csv"
    path.write_text("客户编码,日期,价税合计,无税金额\nA,2023-01-01,113,100\n,合计,113,100\n")
    result = CliRunner().invoke(main, ["validate", str(path)])
    assert result.exit_code == 0, result.output
    assert "Amount: column '无税金额', net of VAT" in result.output
    assert "Total rows excluded: 1" in result.output and "Header: row 1" in result.output
    result = CliRunner().invoke(main, ["validate", str(path), "--amount-basis", "gross"])
    assert "Amount: column '价税合计', VAT included" in result.output


# --------------------------------------------------------------------------- docs and report run

ROOT = Path(__file__).resolve().parents[1]


def test_alias_table_in_the_docs_lists_every_alias():
    doc = (ROOT / "docs" / "erp_exports.md").read_text(encoding="utf-8")
    names = {a for v in (ALIASES | ATTRIBUTE_ALIASES).values() for a in v} | set(TAX) | set(REMARKS)
    missing = sorted(a for a in names if f"`{a}`" not in doc)
    assert not missing, f"docs/erp_exports.md misses {missing}"
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("### Exports from Chinese ERPs", 1)[1].split("\n## ", 1)[0]
    for option in ("unit=", "amount_basis=", "header_row=", "sheet=", "returns_from="):
        assert f"`{option}" in section, option
    assert "docs/erp_exports.md" in section


def test_report_run_passes_the_reading_options(tmp_path):
    from kamresearch.reports.config import resolve_options
    from kamresearch.reports.pipeline import _prepare_data

    opts = resolve_options(
        "x.csv", unit="万元", amount_basis="gross", header_row=2, sheet=("a", "b")
    )
    assert (opts["unit"], opts["amount_basis"], opts["header_row"]) == ("万元", "gross", 2)
    assert opts["sheet"] == ["a", "b"] and resolve_options("x.csv")["amount_basis"] is None
    with pytest.raises(ConfigError, match="amount_basis"):
        resolve_options("x.csv", amount_basis="vat")
    with pytest.raises(ConfigError, match="header_row"):
        resolve_options("x.csv", header_row=0)
    path = tmp_path / "gross.csv"
    path.write_text("说明\n客户编码,日期,价税合计\nA,2023-01-01,1.13\nB,2023-01-02,2.26\n")
    read = {"amount_basis": "gross", "unit": "万元", "header_row": 2}
    tx, _ = _prepare_data(str(path), None, tmp_path / "out", read)  # the run's lazy store
    lines = tx.to_pandas() if hasattr(tx, "to_pandas") else tx
    assert lines["amount"].sum() == pytest.approx(33_900.0)  # (1.13 + 2.26) 万元, VAT included


def test_describe_says_which_ids_were_unified():
    df = pd.DataFrame(
        {"客户编码": ["0003", 3, "0004"], "日期": ["2023-01-01"] * 3, "金额": [1, 2, 3]}
    )
    with pytest.warns(DataWarning, match="leading zeros"):
        text = "\n".join(describe_quality(read_transactions(df)))
    assert "Customer id: column '客户编码' (a customer code column)" in text
    assert "1 group(s), kept apart: pass unify_ids=True" in text
    merged = read_transactions(df, unify_ids=True)
    assert merged.attrs["quality"]["customers"] == 2  # 0003 = 3, and 0004
    assert "1 group(s), merged (unify_ids=True)" in "\n".join(describe_quality(merged))
