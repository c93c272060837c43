"""Build, by code, a corpus of exports in the styles of Chinese ERPs and hand ledgers.

Each builder writes one file into a folder and returns an :class:`Export`: the path,
the truth (customers, revenue, first and last date: computed here from the lines
generated, in plain Python, never through kamresearch) and what reading it without a
mapping must give:

* ``"right"`` - the figures equal the truth;
* ``"error"`` - a :class:`~kamresearch.DataError` matching ``match``, whose fix
  (``fix``: options to pass, or ``refix``: the file re-exported as the message asks)
  gives the truth;
* ``"warn"`` - a :class:`~kamresearch.DataWarning` matching ``match`` (the figures may
  be off), and the fix it names gives the truth.

Styles imitate: 用友 U8 (销售发票列表, 销售统计表) and NC, 金蝶 K/3 (销售出库单,
销售发票) and 云星空, SAP Business One in Chinese and English, and hand-kept
销售台账; as xlsx (xlsxwriter), real BIFF8 .xls (xlwt), HTML and text saved as .xls,
and CSV in GBK, GB18030 and UTF-8 with BOM. Used by ``tests/test_erp_corpus.py``.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

__all__ = ["Export", "EXPORTS", "Line", "make_lines"]

VAT = 0.13
# distinct cores, so that no two generated names look like one company
WORDS = [
    "华东电器",
    "南方五金",
    "燕山建材",
    "长江机电",
    "明珠照明",
    "恒通物流",
    "金鼎化工",
    "瑞丰食品",
    "海韵纺织",
    "天成塑业",
    "宏远汽配",
    "新星电子",
    "百川水务",
    "东升医药",
    "凯达包装",
    "锦程家具",
    "嘉和建设",
    "永利商贸",
    "顺达电缆",
    "华美涂料",
    "神州仪表",
    "北辰钢构",
    "云帆办公",
    "泰和药业",
]
CITIES = ["上海", "广州", "北京", "杭州", "成都", "武汉", "南京", "深圳"]
REGIONS = ["华东", "华南", "华北"]


@dataclass
class Line:
    code: str
    name: str
    day: date
    qty: int
    price: float  # net unit price
    net: float
    tax: float
    gross: float
    region: str
    invoice: str
    item: str
    remark: str = "销售"


@dataclass
class Export:
    name: str
    path: Path
    lines: list
    outcome: str = "right"
    match: str = ""
    fix: dict = field(default_factory=dict)
    refix: object = None  # callable(folder) -> Path: the file exported as the message asks
    says: str = ""  # words the error's fix must contain
    revenue: str = "net"  # which amount the truth sums: net, gross
    regions: bool = False  # the truth includes the regions of the lines
    customers_by: str = "code"  # code or name
    kwargs: dict = field(default_factory=dict)  # options a user passes knowingly

    @property
    def truth(self) -> dict:
        key = (lambda x: x.code) if self.customers_by == "code" else (lambda x: x.name)
        money = sum(
            (-1 if x.remark != "销售" else 1) * (x.gross if self.revenue == "gross" else x.net)
            for x in self.lines
        )
        out = {
            "customers": len({key(x) for x in self.lines}),
            "net_revenue": round(money, 2),
            "date_min": min(x.day for x in self.lines),
            "date_max": max(x.day for x in self.lines),
        }
        if self.regions:
            out["regions"] = sorted({x.region for x in self.lines})
        return out


def make_lines(seed, n_customers=8, n_lines=40, *, year=2023, step=1, returns=0) -> list[Line]:
    """Seeded lines: customers with codes 01xxxx and distinct names, dates in ``year``.

    Net amounts are qty x price, rounded to fen; ``step`` makes them multiples of
    ``step`` yuan (100 for files in 万元). ``returns`` lines are marked 销售退货.
    """
    rng = random.Random(seed)
    customers = [
        (f"01{seed % 10}{i:03d}", f"{rng.choice(CITIES)}{WORDS[(seed + i) % len(WORDS)]}有限公司")
        for i in range(n_customers)
    ]
    out = []
    for k in range(n_lines):
        code, name = customers[k % n_customers] if k < n_customers else rng.choice(customers)
        qty = rng.randint(1, 50)
        price = rng.randint(1, 400) * step if step > 1 else round(rng.uniform(5, 800), 2)
        net = round(qty * price, 2)
        tax = round(net * VAT, 2)
        day = date(year, 1, 1) + timedelta(days=rng.randint(0, 364))
        out.append(
            Line(
                code,
                name,
                day,
                qty,
                price,
                net,
                tax,
                round(net + tax, 2),
                REGIONS[int(code[-3:]) % 3],
                f"INV{seed:02d}{k:04d}",
                f"P{rng.randint(1, 30):03d}",
            )
        )
    for x in rng.sample(out, returns):
        x.remark = "销售退货"
    out.sort(key=lambda x: x.day)
    return out


# --------------------------------------------------------------------------- writers


def _xlsx(path, sheets, *, hidden=(), merges=(), dates=True):
    import xlsxwriter

    wb = xlsxwriter.Workbook(str(path))
    wb.set_properties({"created": datetime(2024, 1, 1)})
    fmt = wb.add_format({"num_format": "yyyy-mm-dd"})
    for name, rows in sheets.items():
        ws = wb.add_worksheet(name)
        for r, row in enumerate(rows):
            for c, v in enumerate(row):
                if isinstance(v, date) and dates:
                    ws.write_datetime(r, c, datetime(v.year, v.month, v.day), fmt)
                elif isinstance(v, date):
                    ws.write_string(r, c, v.isoformat())
                elif isinstance(v, str):
                    ws.write_string(r, c, v)  # codes stay text: 0101001
                elif v is not None:
                    ws.write(r, c, v)
        for r1, c1, r2, c2, text in merges.get(name, ()) if isinstance(merges, dict) else ():
            ws.merge_range(r1, c1, r2, c2, text)
        if name in hidden:
            ws.hide()
    wb.close()
    return path


def _xls(path, sheets, *, hidden=(), merges=None):
    import xlwt

    wb = xlwt.Workbook(encoding="utf-8")
    datestyle = xlwt.easyxf(num_format_str="YYYY-MM-DD")
    for name, rows in sheets.items():
        ws = wb.add_sheet(name)
        merged = {(r1, c1): (r2, c2, t) for r1, c1, r2, c2, t in (merges or {}).get(name, ())}
        skip = set()
        for (r1, c1), (r2, c2, t) in merged.items():
            ws.write_merge(r1, r2, c1, c2, t)
            skip |= {(r, c) for r in range(r1, r2 + 1) for c in range(c1, c2 + 1)}
        for r, row in enumerate(rows):
            for c, v in enumerate(row):
                if (r, c) in skip or v is None:
                    continue
                if isinstance(v, date):
                    ws.write(r, c, datetime(v.year, v.month, v.day), datestyle)
                else:
                    ws.write(r, c, v)
        if name in hidden:
            ws.visibility = 1
    wb.save(str(path))
    return path


def _csv(path, rows, encoding, delim=","):
    def cell(v):
        text = "" if v is None else v.isoformat() if isinstance(v, date) else str(v)
        return f'"{text}"' if delim in text or '"' in text else text

    path.write_bytes("\r\n".join(delim.join(cell(v) for v in r) for r in rows).encode(encoding))
    return path


def _html(path, header_html, rows, encoding="gbk", title="销售出库单"):
    body = "".join(
        "<tr>" + "".join(f"<td>{'' if v is None else v}</td>" for v in r) + "</tr>" for r in rows
    )
    page = (
        f'<html><head><meta http-equiv="Content-Type" content="text/html; charset={encoding}">'
        f"</head><body><table border=1><tr><td colspan=6>{title}</td></tr>{header_html}{body}"
        "</table></body></html>"
    )
    path.write_bytes(page.encode(encoding))
    return path


# --------------------------------------------------------------------------- exports

EXPORTS: dict = {}


def export(func):
    EXPORTS[func.__name__] = func
    return func


def _total(label_col, width, amounts: dict, label="合计"):
    row = [None] * width
    row[label_col] = label
    for c, v in amounts.items():
        row[c] = round(v, 2)
    return row


@export
def u8_invoice_list_xlsx(folder):
    """U8 销售发票列表: title, 制表日期 line, 本币无税金额 beside 价税合计, a 合计 row."""
    lines = make_lines(1)
    head = [
        "发票号",
        "开票日期",
        "客户编码",
        "客户简称",
        "存货编码",
        "数量",
        "无税单价",
        "含税单价",
        "无税金额",
        "税额",
        "价税合计",
        "本币无税金额",
        "本币价税合计",
    ]
    rows = [["销售发票列表"], ["制表日期：2024-01-05", None, "制表人：admin"], head]
    for x in lines:
        rows.append(
            [
                x.invoice,
                x.day,
                x.code,
                x.name[2:6],
                x.item,
                x.qty,
                x.price,
                round(x.price * 1.13, 2),
                x.net,
                x.tax,
                x.gross,
                x.net,
                x.gross,
            ]
        )
    rows.append(
        _total(0, len(head), {8: sum(x.net for x in lines), 10: sum(x.gross for x in lines)})
    )
    return Export("u8", _xlsx(folder / "u8_发票列表.xlsx", {"Sheet1": rows}), lines)


@export
def u8_sales_stats_wan_xls(folder):
    """U8 销售统计表 as real .xls: 金额单位：万元 subtitle, 小计 per month, 总计."""
    lines = make_lines(2, step=100)
    head = ["客户编码", "客户名称", "日期", "数量", "金额", "税额", "价税合计"]
    rows = [["销售统计表"], ["金额单位：万元"], head]
    for m in range(1, 13):
        month = [x for x in lines if x.day.month == m]
        for x in month:
            rows.append([x.code, x.name, x.day, x.qty, x.net / 1e4, x.tax / 1e4, x.gross / 1e4])
        if month:
            rows.append([None, f"{m}月 小计", None, None, sum(x.net for x in month) / 1e4])
    rows.append([None, "总计", None, None, sum(x.net for x in lines) / 1e4])
    return Export("u8 万元", _xls(folder / "u8_统计表_万元.xls", {"销售统计表": rows}), lines)


@export
def u8_html_saved_as_xls(folder):
    """U8 web export: an HTML table named .xls, 金额 merged over 含税 / 不含税 / 税额."""
    lines = make_lines(3)
    header = (
        "<tr><th rowspan=2>客户编码</th><th rowspan=2>客户名称</th><th rowspan=2>开票日期</th>"
        "<th colspan=3>金额</th></tr><tr><th>含税</th><th>不含税</th><th>税额</th></tr>"
    )
    rows = [
        [x.code, x.name, x.day.isoformat(), f"{x.gross:,.2f}", f"{x.net:,.2f}", x.tax]
        for x in lines
    ]
    return Export("u8 html", _html(folder / "u8_web.xls", header, rows), lines)


@export
def nc_invoice_gbk_csv(folder):
    """NC 销售发票 saved as CSV in GBK: padded title row, 本币无税金额, a 合计 row."""
    lines = make_lines(4)
    head = [
        "单据号",
        "开票日期",
        "客户编码",
        "客户",
        "物料编码",
        "数量",
        "本币无税金额",
        "本币价税合计",
    ]
    rows = [["销售发票明细"] + [None] * 7, head]
    rows += [
        [x.invoice, x.day, x.code, x.name, x.item, x.qty, f"{x.net:.2f}", f"{x.gross:.2f}"]
        for x in lines
    ]
    rows.append(["合计", None, None, None, None, None, f"{sum(x.net for x in lines):.2f}", None])
    return Export("nc gbk", _csv(folder / "nc_发票.csv", rows, "gbk"), lines)


@export
def nc_unicode_text_saved_as_xls(folder):
    """NC "Unicode text" export: tab-separated UTF-16 named .xls."""
    lines = make_lines(5)
    head = ["客户编码", "客户名称", "单据日期", "无税金额", "价税合计"]
    rows = [head] + [[x.code, x.name, x.day, x.net, x.gross] for x in lines]
    return Export("nc text", _csv(folder / "nc_text.xls", rows, "utf-16", "\t"), lines)


@export
def k3_outbound_names_xlsx(folder):
    """K/3 销售出库单 with 购货单位 (names only), 金额 beside 价税合计."""
    lines = make_lines(6)
    head = [
        "日期",
        "单据编号",
        "购货单位",
        "产品代码",
        "实发数量",
        "单价",
        "金额",
        "税额",
        "价税合计",
    ]
    rows = [["销售出库单序时簿"], head]
    rows += [
        [x.day, x.invoice, x.name, x.item, x.qty, x.price, x.net, x.tax, x.gross] for x in lines
    ]
    return Export(
        "k3", _xlsx(folder / "k3_出库单.xlsx", {"出库单": rows}), lines, customers_by="name"
    )


@export
def k3_invoice_xls(folder):
    """K/3 销售发票 as real .xls: 购货单位代码 and 购货单位, dates as text."""
    lines = make_lines(7)
    head = [
        "日期",
        "发票号码",
        "购货单位代码",
        "购货单位",
        "数量",
        "含税单价",
        "金额",
        "税额",
        "价税合计",
    ]
    rows = [head] + [
        [
            x.day.strftime("%Y/%m/%d"),
            x.invoice,
            x.code,
            x.name,
            x.qty,
            round(x.price * 1.13, 2),
            x.net,
            x.tax,
            x.gross,
        ]
        for x in lines
    ]
    return Export("k3 xls", _xls(folder / "k3_发票.xls", {"Sheet1": rows}), lines)


@export
def k3_carried_forward_xlsx(folder):
    """K/3 printout to Excel: 过次页 / 承前页 rows every 15 lines, 本年累计 at the end."""
    lines = make_lines(8)
    head = ["日期", "凭证编号", "客户代码", "客户名称", "摘要", "金额"]
    rows, running = [head], 0.0
    for k, x in enumerate(lines):
        if k and k % 15 == 0:
            rows += [
                [None, None, None, None, "过次页", round(running, 2)],
                [None, None, None, None, "承前页", round(running, 2)],
            ]
        rows.append([x.day, x.invoice, x.code, x.name, x.remark, x.net])
        running += x.net
    rows.append([None, None, None, None, "本年累计", round(running, 2)])
    return Export("k3 cf", _xlsx(folder / "k3_明细账.xlsx", {"明细账": rows}), lines)


@export
def cloud_outbound_xlsx(folder):
    """金蝶云星空 销售出库单: 客户编码, 含税单价 and 单价, 金额 and 价税合计, 销售组织."""
    lines = make_lines(9)
    head = [
        "单据编号",
        "日期",
        "客户编码",
        "客户",
        "物料编码",
        "实发数量",
        "含税单价",
        "单价",
        "金额",
        "税额",
        "价税合计",
        "销售组织",
    ]
    rows = [head] + [
        [
            x.invoice,
            x.day,
            x.code,
            x.name,
            x.item,
            x.qty,
            round(x.price * 1.13, 2),
            x.price,
            x.net,
            x.tax,
            x.gross,
            "总部",
        ]
        for x in lines
    ]
    return Export("cloud", _xlsx(folder / "云星空_出库.xlsx", {"销售出库单": rows}), lines)


@export
def cloud_gb18030_csv(folder):
    """云星空 list exported as CSV in GB18030 with thousands separators and ¥."""
    lines = make_lines(10)
    head = ["日期", "客户编码", "客户名称", "不含税金额", "价税合计"]
    rows = [head] + [
        [x.day.strftime("%Y年%m月%d日"), x.code, x.name, f"¥{x.net:,.2f}", f"¥{x.gross:,.2f}"]
        for x in lines
    ]
    return Export("cloud gb18030", _csv(folder / "云星空.csv", rows, "gb18030"), lines)


@export
def sap_b1_english_xlsx(folder):
    """SAP Business One (English): Posting Date, BP Code, Row Total, Gross Total."""
    lines = make_lines(11)
    head = [
        "Document Number",
        "Posting Date",
        "BP Code",
        "BP Name",
        "Item No.",
        "Quantity",
        "Price",
        "Row Total",
        "Tax Amount",
        "Gross Total",
    ]
    rows = [head] + [
        [x.invoice, x.day, "C" + x.code, x.name, x.item, x.qty, x.price, x.net, x.tax, x.gross]
        for x in lines
    ]
    return Export("sap en", _xlsx(folder / "sap_b1_ar.xlsx", {"A-R Invoices": rows}), lines)


@export
def sap_b1_chinese_utf8_csv(folder):
    """SAP Business One (Chinese) as CSV in UTF-8 with BOM: 过账日期, 客户/供应商代码, 行总计
    and 毛总计; a 10% line discount on every third line, so 数量 × 价格 is not the
    revenue (价格 is the list price before the discount)."""
    lines = make_lines(12)
    head = [
        "凭证编号",
        "过账日期",
        "客户/供应商代码",
        "客户/供应商名称",
        "物料编号",
        "数量",
        "价格",
        "折扣 %",
        "行总计",
        "毛总计",
    ]
    rows = [head]
    for k, x in enumerate(lines):
        off = 10 if k % 3 == 0 else 0
        price = round(x.price / (1 - off / 100), 2)
        day = x.day.strftime("%Y.%m.%d")
        rows.append([x.invoice, day, x.code, x.name, x.item, x.qty, price, off, x.net, x.gross])
    return Export("sap zh", _csv(folder / "sap_b1_中文.csv", rows, "utf-8-sig"), lines)


@export
def sap_b1_credit_memos_xlsx(folder):
    """SAP B1 sales analysis with A/R Credit Memo lines carrying positive Row Totals."""
    lines = make_lines(13, returns=4)
    head = ["Doc Type", "Posting Date", "Customer/Vendor Code", "Customer/Vendor Name", "Row Total"]
    kind = {"销售": "A/R Invoice", "销售退货": "A/R Credit Memo"}
    rows = [head] + [[kind[x.remark], x.day, x.code, x.name, x.net] for x in lines]
    return Export(
        "sap cm",
        _xlsx(folder / "sap_b1_credit.xlsx", {"Sheet1": rows}),
        lines,
        outcome="warn",
        match=r"marked as returns in column 'Doc Type'",
        fix={"returns_from": "Doc Type"},
    )


@export
def ledger_monthly_sheets_xlsx(folder):
    """Hand 销售台账: 汇总 sheet first, 12 month sheets with 本月合计 / 本年累计 rows (names
    only), a hidden 作废单据 sheet with the same columns."""
    lines = make_lines(14, n_lines=60)
    head = ["日期", "客户名称", "产品", "数量", "单价", "销售额", "备注"]
    summary = [["客户", "全年销售额"]] + [[n, 0] for n in sorted({x.name for x in lines})]
    sheets, running = {"汇总": summary}, 0.0
    for m in range(1, 13):
        month = [x for x in lines if x.day.month == m]
        rows = [[f"2023年{m}月销售台账"], head]
        rows += [[x.day, x.name, x.item, x.qty, x.price, x.net, None] for x in month]
        running += sum(x.net for x in month)
        rows.append(["本月合计", None, None, None, None, round(sum(x.net for x in month), 2)])
        rows.append(["本年累计", None, None, None, None, round(running, 2)])
        sheets[f"{m}月"] = rows
    sheets["作废单据"] = [head, [date(2023, 3, 3), "某某公司", "P1", 1, 999, 999, "作废"]]
    path = _xlsx(folder / "销售台账2023.xlsx", sheets, hidden=("作废单据",))
    return Export("ledger", path, lines, customers_by="name")


@export
def ledger_region_sheets_xlsx(folder):
    """One sheet per 大区 (region only in the sheet name); 华北 has an extra 备注 column."""
    lines = make_lines(15)
    sheets = {}
    for reg in REGIONS:
        head = ["客户编码", "客户名称", "日期", "金额"] + (["备注"] if reg == "华北" else [])
        sheets[reg] = [head] + [
            [x.code, x.name, x.day, x.net] + (["正常"] if reg == "华北" else [])
            for x in lines
            if x.region == reg
        ]
    return Export("regions", _xlsx(folder / "分大区.xlsx", sheets), lines, regions=True)


@export
def ledger_unit_in_header_csv(folder):
    """A ledger whose amount header says the unit: 销售额（万元）, UTF-8 with BOM."""
    lines = make_lines(16, step=100)
    rows = [["客户编号", "销售日期", "销售额（万元）"]] + [
        [x.code, x.day, x.net / 1e4] for x in lines
    ]
    return Export("wan header", _csv(folder / "台账_万元.csv", rows, "utf-8-sig"), lines)


@export
def ledger_gross_and_net_xlsx(folder):
    """A ledger with both 销售额 (VAT included) and 不含税收入: the net one is revenue."""
    lines = make_lines(17)
    rows = [["客户编号", "日期", "销售额", "不含税收入"]] + [
        [x.code, x.day, x.gross, x.net] for x in lines
    ]
    return Export("both", _xlsx(folder / "台账_含税.xlsx", {"台账": rows}), lines)


@export
def ledger_gross_only_csv(folder):
    """Only 价税合计: refused (revenue is net of VAT) until amount_basis='gross' is passed."""
    lines = make_lines(18)
    rows = [["客户编码", "开票日期", "价税合计"]] + [[x.code, x.day, x.gross] for x in lines]
    return Export(
        "gross only",
        _csv(folder / "价税合计.csv", rows, "utf-8-sig"),
        lines,
        outcome="error",
        match=r"only amount column, '价税合计', is VAT included",
        fix={"amount_basis": "gross"},
        revenue="gross",
    )


@export
def ledger_gross_and_tax_xls(folder):
    """价税合计 and 税额 only (real .xls): net = gross - tax."""
    lines = make_lines(19)
    rows = [["客户编码", "开票日期", "税额", "价税合计"]] + [
        [x.code, x.day, x.tax, x.gross] for x in lines
    ]
    return Export("gross tax", _xls(folder / "含税与税额.xls", {"Sheet1": rows}), lines)


@export
def ledger_merged_header_xls(folder):
    """Real .xls with a two-row merged header (金额 over 含税 / 不含税) and a title."""
    lines = make_lines(20)
    rows = [["2023年销售明细"], ["客户编码", "日期", "金额", None], [None, None, "含税", "不含税"]]
    rows += [[x.code, x.day, x.gross, x.net] for x in lines]
    merges = {"明细": [(1, 2, 1, 3, "金额"), (1, 0, 2, 0, "客户编码"), (1, 1, 2, 1, "日期")]}
    return Export("merged xls", _xls(folder / "合并表头.xls", {"明细": rows}, merges=merges), lines)


@export
def serial_dates_and_dash_zero_csv(folder):
    """Excel serial day numbers in the date column, "￥-" for zero amounts (GBK)."""
    lines = make_lines(21)
    lines[3].net = lines[3].gross = lines[3].tax = 0.0
    base = date(1899, 12, 30)
    rows = [["客户编码", "日期", "金额"]] + [
        [x.code, (x.day - base).days, "￥-" if x.net == 0 else f"￥{x.net:,.2f}"] for x in lines
    ]
    return Export("serial", _csv(folder / "序列日期.csv", rows, "gbk"), lines)


@export
def returns_in_remark_gbk_csv(folder):
    """摘要 says 销售退货 but the amount is positive: flagged until returns_from= is passed."""
    lines = make_lines(22, returns=3)
    rows = [["客户编码", "日期", "摘要", "金额"]] + [
        [x.code, x.day, x.remark, x.net] for x in lines
    ]
    return Export(
        "returns",
        _csv(folder / "退货.csv", rows, "gbk"),
        lines,
        outcome="warn",
        match=r"marked as returns in column '摘要'",
        fix={"returns_from": "摘要"},
    )


@export
def customer_name_and_account_id_csv(folder):
    """English export with Customer (names, two accounts share one) and Account ID."""
    lines = make_lines(23)
    shared = next(x.name for x in lines if x.code.endswith("000"))
    for x in lines:
        if x.code.endswith("001"):
            x.name = shared  # two accounts, one name: only the id keeps them apart
    rows = [["Customer", "Account ID", "Invoice Date", "Net Sales"]] + [
        [x.name, x.code, x.day, x.net] for x in lines
    ]
    return Export("name+id", _csv(folder / "accounts.csv", rows, "utf-8-sig"), lines)


@export
def sales_and_revenue_differ_csv(folder):
    """Two columns that could be the amount (Sales, Revenue) with different values: refused."""
    lines = make_lines(24)
    rows = [["customer id", "date", "Sales", "Revenue"]] + [
        [x.code, x.day, x.net, x.gross] for x in lines
    ]
    return Export(
        "sales/revenue",
        _csv(folder / "two_amounts.csv", rows, "utf-8-sig"),
        lines,
        outcome="error",
        match=r"two columns could be the amount, 'Sales' and 'Revenue'",
        fix={"mapping": {"amount": "Sales"}},
    )


@export
def closing_subtotals_without_words_xlsx(folder):
    """A ledger sorted by customer with a line per customer that sums it (no date, no word)."""
    lines = make_lines(25)
    rows = [["客户编码", "客户名称", "日期", "金额"]]
    for code in sorted({x.code for x in lines}):
        mine = [x for x in lines if x.code == code]
        rows += [[x.code, x.name, x.day, x.net] for x in mine]
        rows.append([code, mine[0].name, None, round(sum(x.net for x in mine), 2)])
    return Export("closing", _xlsx(folder / "客户小结.xlsx", {"Sheet1": rows}), lines)


@export
def name_ledger_full_and_short_names_xlsx(folder):
    """Name-only ledger where one company appears under its full and its short name."""
    lines = make_lines(26)
    first = lines[0]
    short = first.name[2:-4]  # 上海华东电器有限公司 -> 华东电器
    for x in lines[1:]:
        if x.name == first.name and x.day.month % 2:
            x.name = short

    def unify(folder2):
        rows = [["日期", "客户名称", "销售金额"]] + [
            [x.day, first.name if x.name == short else x.name, x.net] for x in lines
        ]
        return _xlsx(folder2 / "台账_统一名称.xlsx", {"台账": rows})

    rows = [["日期", "客户名称", "销售金额"]] + [[x.day, x.name, x.net] for x in lines]
    truth_lines = [
        Line(**{**x.__dict__, "name": first.name if x.name == short else x.name}) for x in lines
    ]
    return Export(
        "names",
        _xlsx(folder / "台账_简称.xlsx", {"台账": rows}),
        truth_lines,
        outcome="warn",
        match=r"look like one company written two ways",
        refix=unify,
        customers_by="name",
    )


@export
def header_below_a_notes_block_csv(folder):
    """A notes block of label cells above the header: the header is the row before data."""
    lines = make_lines(27)
    rows = [
        ["说明", "本表由销售部维护", "请勿修改表头", "联系人王五"],
        ["客户编码", "日期", "金额", "区域"],
    ]
    rows += [[x.code, x.day, x.net, x.region] for x in lines]
    return Export("notes", _csv(folder / "带说明.csv", rows, "utf-8-sig"), lines, regions=True)


@export
def scientific_codes_gbk_csv(folder):
    """客户编码 of 12 digits saved by Excel as 1.10101E+11: refused; re-exported as text, right."""
    lines = make_lines(28)
    for x in lines:
        x.code = f"1101010{int(x.code[-3:]):05d}"

    def as_text(folder2):
        rows = [["客户编码", "日期", "金额"]] + [[x.code, x.day, x.net] for x in lines]
        return _csv(folder2 / "科学计数_文本.csv", rows, "gbk")

    rows = [["客户编码", "日期", "金额"]] + [[f"{float(x.code):.5E}", x.day, x.net] for x in lines]
    return Export(
        "sci",
        _csv(folder / "科学计数.csv", rows, "gbk"),
        lines,
        outcome="error",
        match=r"scientific notation",
        says="as text",
        refix=as_text,
    )


@export
def leading_zero_codes_xlsx(folder):
    """The same code as text 0003 and as the number 3: warned; unify_ids=True merges them."""
    lines = make_lines(29)
    for x in lines:
        x.code = f"{int(x.code[-3:]) + 1:04d}"
    rows = [["客户编码", "日期", "金额"]] + [
        [int(x.code) if k % 3 == 0 else x.code, x.day, x.net] for k, x in enumerate(lines)
    ]
    return Export(
        "zeros",
        _xlsx(folder / "前导零.xlsx", {"Sheet1": rows}),
        lines,
        outcome="warn",
        match=r"differ only in letter case or leading zeros",
        fix={"unify_ids": True},
    )
