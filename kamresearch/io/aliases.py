"""Header names the reader recognises without a mapping, and the words it reads in them.

Part of :mod:`kamresearch.io`. One table, :data:`ALIASES`, lists the header names of
each canonical column, best first, in English and Chinese, including the headers of
the common Chinese ERPs (Yonyou U8/NC, Kingdee K/3 and 云星空, SAP Business One in
Chinese and English) and of hand-kept 销售台账; ``docs/erp_exports.md`` prints it.
Headers are compared after :func:`norm` (case, spaces, ``_-./()（）:：#`` ignored;
a unit such as ``（万元）`` is read and set aside, see :func:`header_unit`).

The customer column has two kinds of header: codes (:data:`CUSTOMER_CODES`, used
first) and names (:data:`CUSTOMER_NAMES`, used as ids only when there is no code).
Amount headers carry a tax basis (:func:`amount_basis`): VAT-inclusive (价税合计,
含税金额, Gross Total / 毛总计), VAT-exclusive (无税金额, 不含税金额, 本币无税金额,
Row Total / 行总计) or not stated (金额, Sales).
"""

from __future__ import annotations

import re

__all__ = [
    "ALIASES",
    "ATTRIBUTE_ALIASES",
    "CUSTOMER_CODES",
    "CUSTOMER_NAMES",
    "GROSS",
    "NET",
    "TAX",
    "REMARKS",
    "UNITS",
    "norm",
    "amount_basis",
    "header_unit",
    "title_unit",
]

# fmt: off
#: Customer code headers (ids), best first.
CUSTOMER_CODES = (
    "customer_id", "customer id", "customer no", "customer number", "customer code",
    "client id", "client code", "client no", "account id", "account no", "account number",
    "account code", "bp code", "customer/vendor code", "card code", "cardcode",
    "客户编码", "客户编号", "客户代码", "客户id", "客户号", "客户/供应商代码", "客户供应商代码",
    "客户.编码", "购货单位代码", "购货单位编码", "往来单位编码", "往来单位代码", "单位编码",
)
#: Customer name headers: the id only when no code column exists.
CUSTOMER_NAMES = (
    "customer", "client", "account", "customer name", "client name", "account name",
    "bp name", "customer/vendor name", "客户", "客户名称", "客户简称", "客户全称",
    "客户.名称", "购货单位", "购买单位", "购货单位名称", "往来单位", "往来单位名称",
    "单位名称", "客户/供应商名称", "购方名称",
)
#: VAT-exclusive amount headers (net), best first.
NET = (
    "net amount", "net sales", "net revenue", "amount excl vat", "amount excl tax",
    "row total", "line total", "行总计", "本币无税金额", "无税金额", "不含税金额", "不含税销售额",
    "不含税收入", "未税金额", "金额不含税", "销售额不含税", "收入不含税",
)
#: VAT-inclusive amount headers (gross), best first.
GROSS = (
    "gross amount", "gross total", "amount incl vat", "amount incl tax", "毛总计", "本币价税合计",
    "价税合计", "含税金额", "含税销售额", "金额含税", "销售额含税",
)
#: Amount headers that do not state a basis.
_PLAIN_AMOUNT = (
    "amount", "sales amount", "sales", "revenue", "line amount", "金额", "销售额",
    "销售金额", "销售收入", "本币金额", "收入",
)
#: Tax amount headers (gross - tax = net when only a gross amount is exported).
TAX = ("tax amount", "tax", "vat", "vat amount", "税额", "本币税额", "销项税额")
#: Remark columns that may mark a line as a return.
REMARKS = ("摘要", "备注", "业务类型", "单据类型", "销售类型", "说明", "红蓝字", "remarks",
           "remark", "memo", "comments", "doc type", "document type", "transaction type")

ALIASES: dict[str, tuple[str, ...]] = {
    "customer_id": CUSTOMER_CODES + CUSTOMER_NAMES,
    "date": ("date", "invoice date", "posting date", "order date", "transaction date",
             "sales date", "document date", "doc date", "delivery date", "日期", "开票日期",
             "过账日期", "单据日期", "订单日期", "销售日期", "交易日期", "发货日期", "出库日期",
             "业务日期", "记账日期", "发票日期"),
    "amount": NET + _PLAIN_AMOUNT + GROSS,
    "region": ("region", "sales region", "area", "territory", "大区", "区域", "地区",
               "销售区域", "销售大区", "片区", "所属区域", "country"),
    "invoice_id": ("invoice_id", "invoice", "invoice no", "invoice number", "order",
                   "order id", "order no", "order number", "document number", "doc no",
                   "doc num", "docnum", "单号", "订单号", "发票号", "订单编号", "发票号码",
                   "单据编号", "单据号", "凭证编号", "出库单号", "销售发票号"),
    "product_id": ("product_id", "product code", "sku", "item code", "item no", "stock code",
                   "存货编码", "物料编码", "商品编码", "产品编码", "产品代码", "物料编号",
                   "物料代码", "存货代码", "product", "item", "产品", "物料", "商品", "存货名称",
                   "物料名称", "产品名称", "商品名称"),
    "quantity": ("quantity", "qty", "units", "数量", "销售数量", "实发数量", "出库数量",
                 "开票数量", "主数量"),
    "unit_price": ("unit price", "price", "无税单价", "单价", "销售单价", "价格",
                   "含税单价"),
}
#: Attribute columns kept without a mapping (a customer's owner, channel, industry,
#: segment: the report's views per owner / channel / industry), best first.
ATTRIBUTE_ALIASES: dict[str, tuple[str, ...]] = {
    "owner": ("owner", "account owner", "sales rep", "sales_rep", "salesperson",
              "sales person", "sales representative", "account manager",
              "key account manager", "业务员", "销售员", "销售代表", "客户经理",
              "大客户经理", "销售人员", "业务负责人", "业务员名称"),
    "channel": ("channel", "sales channel", "distribution channel", "渠道", "销售渠道",
                "渠道类型", "分销渠道"),
    "industry": ("industry", "sector", "vertical", "行业", "所属行业", "行业分类", "客户行业"),
    "segment": ("segment", "customer segment", "客户分类", "客户类型"),
}
# fmt: on

#: Amount units and their factor to 元.
UNITS = {"元": 1.0, "千元": 1e3, "万元": 1e4, "百万元": 1e6, "亿元": 1e8}
_UNIT = r"(?:人民币|rmb|cny)?\s*(亿元|百万元|万元|千元|元)"
_HEADER_UNIT = re.compile(
    r"[（(\[【]\s*(?:单位[:：]?\s*)?"
    + _UNIT
    + r"\s*[)）\]】]|(?<=[额入计])(亿元|百万元|万元|千元)$",
    re.I,
)
_TITLE_UNIT = re.compile(r"单位\s*[:：]?\s*" + _UNIT, re.I)


def norm(name) -> str:
    """A header name as compared with the aliases: no unit, case, spaces or punctuation."""
    text = _HEADER_UNIT.sub("", str(name).strip())
    return re.sub(r"[\s_\-./()（）:：#\[\]【】]", "", text).lower()


def header_unit(name) -> str | None:
    """The amount unit a header states (``销售额（万元）`` -> ``"万元"``), else None."""
    m = _HEADER_UNIT.search(str(name).strip())
    return (m.group(1) or m.group(2)) if m else None


def title_unit(lines) -> tuple[str, str] | None:
    """(unit, line) from title lines such as ``金额单位：万元``, else None."""
    for line in lines:
        m = _TITLE_UNIT.search(str(line))
        if m:
            return m.group(1), str(line).strip()
    return None


_GROSS_RE = re.compile(r"价税合计|(?<!不)含税|incl|gross|毛总计")
_NET_RE = re.compile(r"不含税|无税|未税|excl|^net|rowtotal|linetotal|行总计")


def amount_basis(name) -> str | None:
    """``"gross"`` (VAT included), ``"net"`` (VAT excluded) or None (not stated)."""
    n = norm(name)
    if _NET_RE.search(n):
        return "net"
    if _GROSS_RE.search(n):
        return "gross"
    return None
