"""Rules of Chinese sales ledgers and ERP reports: totals, units, returns, names.

Part of :mod:`kamresearch.io`. Every check works on distinct values or on whole
columns (no Python loop over lines, except over the few candidate total rows):

* :func:`total_rows` - 小计, 合计, 总计, 本月合计, 本年累计, 承前页, 过次页, Total …
  in any text cell mark a subtotal, total or carried-forward row;
* :func:`closing_rows` - a line without a date whose amount equals the sum of the
  lines it closes (since the previous such line, or since the start) is a total;
* :func:`amount_unit` - 元 / 千元 / 万元 / 百万元 / 亿元 from ``unit=``, the amount
  header (``销售额（万元）``) or a title line (``金额单位：万元``);
* :func:`return_marks` - a remark (摘要, 备注, 业务类型) saying 退货 / 红字 / 冲销;
* :func:`similar_names` - customer names that are one company written two ways
  (上海华东电器有限公司 / 华东电器).
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from ..errors import ConfigError
from .aliases import UNITS, header_unit, title_unit

__all__ = ["total_rows", "closing_rows", "amount_unit", "return_marks", "similar_names"]

_TOTAL = re.compile(
    r"^.{0,16}(?:小计|合计|总计|累计|合\s+计|小\s+计|总\s+计)\s*[:：]?\s*(?:[(（].{0,20}[)）])?$"
    r"|^(?:小计|合计|总计|累计)\s*[:：(（]"
    r"|^(?:承前页|过次页|承上页|转下页|上页结转|结转下页|本页小计|本页合计|期初余额|上月结转)"
    r"|^(?:sub\s*-?\s*total|grand\s*total|total|totals|sum|carried\s+forward|brought\s+forward)"
    r"\s*[:：]?$",
    re.I,
)
_RETURN = re.compile(r"退货|退回|销退|红字|冲销|冲红|红冲|贷项|return|credit\s*(?:memo|note)", re.I)


def _matches(s: pd.Series, pattern) -> np.ndarray:
    """Which cells of a text column match ``pattern`` (tested once per distinct value)."""
    uniq = pd.unique(s.dropna())
    text = pd.Series(uniq, dtype=object)
    is_str = text.map(lambda v: isinstance(v, str)).to_numpy(dtype=bool)
    hit = np.zeros(len(text), dtype=bool)
    hit[is_str] = text[is_str].str.strip().str.contains(pattern).to_numpy(dtype=bool)
    return s.isin(set(uniq[hit])).to_numpy() if hit.any() else np.zeros(len(s), dtype=bool)


def total_rows(frame: pd.DataFrame) -> tuple[np.ndarray, str | None]:
    """Rows with a total word in a text column, and the first such word (for messages)."""
    mask = np.zeros(len(frame), dtype=bool)
    example = None
    for col in frame.columns:
        if frame[col].dtype != object:
            continue
        hit = _matches(frame[col], _TOTAL)
        if hit.any():
            example = example or str(frame[col].to_numpy()[np.argmax(hit)]).strip()
            mask |= hit
    return mask, example


def closing_rows(amount: np.ndarray, candidate: np.ndarray, *, tol=0.005) -> np.ndarray:
    """Candidate lines whose amount equals the sum of the lines above them.

    The lines summed are the non-candidate lines since the previous candidate, or all of
    them since the start (a running total); ``tol`` is the absolute tolerance (half a fen).
    """
    out = np.zeros(len(amount), dtype=bool)
    idx = np.flatnonzero(candidate & np.isfinite(amount))
    if not len(idx):
        return out
    lines = np.where(candidate | ~np.isfinite(amount), 0.0, amount)
    csum = np.concatenate([[0.0], np.cumsum(lines)])
    prev = 0
    for i in idx:  # a few rows: subtotals of a ledger
        block = csum[i] - csum[prev]
        since_total = i > prev and abs(block - amount[i]) <= tol
        running = csum[i] != 0 and abs(csum[i] - amount[i]) <= tol
        out[i] = since_total or running
        prev = i + 1
    return out


def amount_unit(unit, column, titles) -> tuple[str, float, str]:
    """(unit, factor to 元, where it was read) for the amounts.

    ``unit`` (the option) wins, then the unit in the amount ``column``'s header,
    then one in the ``titles`` above the header; else ``元`` "not stated".
    """
    if unit is not None:
        if isinstance(unit, int | float) and not isinstance(unit, bool) and unit > 0:
            return f"×{unit:g}", float(unit), "unit="
        if unit not in UNITS:
            raise ConfigError(
                f"unit must be one of {list(UNITS)} or a positive number, got {unit!r}"
            )
        return unit, UNITS[unit], "unit="
    found = header_unit(column) if column else None
    if found:
        return found, UNITS[found], f"the header {column!r}"
    got = title_unit(titles or ())
    if got:
        return got[0], UNITS[got[0]], f"the title line {got[1]!r}"
    return "元", 1.0, "not stated"


def return_marks(remarks: pd.Series) -> np.ndarray:
    """Lines whose remark says they are a return (退货, 红字, 冲销, credit memo …)."""
    return _matches(remarks.astype(object), _RETURN)


_PLACE = (
    "北京|天津|上海|重庆|河北|山西|辽宁|吉林|黑龙江|江苏|浙江|安徽|福建|江西|山东|河南|湖北|湖南|"
    "广东|海南|四川|贵州|云南|陕西|甘肃|青海|台湾|内蒙古|广西|西藏|宁夏|新疆|香港|澳门|广州|深圳|"
    "杭州|南京|苏州|无锡|宁波|武汉|成都|西安|郑州|长沙|青岛|厦门|大连|沈阳|济南|合肥|福州|东莞|佛山|"
    "昆明|哈尔滨|长春|石家庄|太原|南昌|南宁|贵阳|兰州|温州|常州|珠海|中山|烟台|绍兴|嘉兴|泉州"
)
_PREFIX = re.compile(rf"^(?:(?:{_PLACE})(?:省|市|自治区)?)+")
_SUFFIX = re.compile(
    r"(?:股份有限公司|有限责任公司|有限公司|集团公司|集团|总公司|公司|商行|经营部|"
    r"co\.?,?\s*ltd\.?|ltd\.?|inc\.?|gmbh|llc|corp\.?|limited)\s*$",
    re.I,
)


def _core(name: str) -> str:
    text = re.sub(r"[\s()（）·.,，]", "", name)
    for _ in range(3):
        text = _SUFFIX.sub("", text)
    return _PREFIX.sub("", text).lower() or text.lower()


def similar_names(names) -> list[list[str]]:
    """Groups of customer names that are likely one company (full name and short name).

    Two names go together when they are equal once a leading province or city
    (上海, 广东省 …) and a trailing legal form (有限公司, 集团, Co., Ltd. …) are
    removed. Only names with a Chinese character or a space are compared (codes
    such as C001 are not names). At most 50 groups are returned, largest first.
    """
    s = pd.Series(pd.unique(pd.Series(names, dtype=object).dropna()), dtype=object)
    s = s[s.map(lambda v: isinstance(v, str) and bool(re.search(r"[\u4e00-\u9fff]|\s", v)))]
    if len(s) < 2:
        return []
    core = s.map(_core)
    core = core[core.str.len() >= 2]
    groups = s[core.index].groupby(core.to_numpy()).agg(lambda g: sorted(g, key=len, reverse=True))
    groups = [g for g in groups if len(g) > 1]
    return sorted(groups, key=len, reverse=True)[:50]
