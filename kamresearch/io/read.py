"""Reading client data into canonical transactions, with a data-quality summary.

:func:`read_transactions` turns a client export into the canonical table of
:mod:`kamresearch.schema` in one call, and :func:`quality_summary` shows what
happened on the way::

    tx = kam.read_transactions("sales.xlsx")            # headers recognised
    tx = kam.read_transactions(path, "online-retail")   # a preset
    tx = kam.read_transactions(path, {"customer_id": "Kunde", "date": "Datum",
                                      "amount": "Betrag", "segment": "Branche"})
    kam.quality_summary(tx)                              # or tx.attrs["quality"]

Sources: ``.csv``/``.txt``/``.tsv`` (encoding: a byte-order mark, UTF-16 without
one, or valid UTF-8 decide; otherwise the legacy encoding - GB18030, Big5, cp1252,
cp1250 - is detected from the non-UTF-8 lines with charset-normalizer and checked
for mojibake, a UTF-8 file with a few lines in another encoding is read line by
line, and each such guess is a :class:`~kamresearch.DataWarning` naming the lines:
see :mod:`kamresearch.io.encoding`; CR-only line endings accepted;
delimiter ``,`` ``;`` tab or ``|`` sniffed;
title lines above the header skipped), ``.xlsx``/``.xlsm``/``.xls`` (read with
python-calamine, the engine behind ``pd.read_excel(engine="calamine")``, used
directly to see the raw header; the header is the first fullest row, titles above
it are skipped; every sheet whose header equals the first sheet's is appended,
the others are skipped and listed, unless ``sheet=`` names one), ``.parquet``, or
a pandas DataFrame (never modified; only read).

Columns: a ``mapping`` (preset name or dict) says where each canonical column
is; canonical columns it does not name are recognised from common English and
Chinese header names (:data:`ALIASES`, case, spaces and ``_-./`` ignored), and
columns named like the attributes in :data:`ATTRIBUTES` (``segment``,
``industry``, ``sales_rep``, ``channel``) are kept. Other columns are dropped
(but still count when comparing lines for duplicates).

Parsing is done here, vectorised, so that every failure is a
:class:`~kamresearch.DataError` naming the file, the column, example rows
(spreadsheet row numbers: header = row 1; ``sheet!row`` for workbooks; index
labels for a DataFrame) and the fix:

* ids (``customer_id``, ``invoice_id``, ``product_id``): text, stripped, leading
  zeros kept; ids that look like floats lose the ``.0`` (``13085.0`` -> ``"13085"``);
  an empty cell is a missing value;
* numbers: currency signs (¥ ￥ $ € £, RMB, CNY...), spaces and apostrophes
  removed; ``(12.50)`` and ``12.50-`` are negative; the decimal separator is
  decided once per file from the values (``1,234.50`` vs ``1.234,50``, ``3,5``);
  when the values cannot tell, ``,`` is the decimal separator of
  semicolon-delimited files and ``.`` otherwise;
* dates: one column, one format. Year-first (``2021-04-03``, ``2021/4/3 10:15``,
  ``20210403``, ``2021年4月3日``), day/month-first (``03/04/2021``; the order is
  decided from values above 12, or from ``dayfirst=``), month names
  (``3 Apr 2021``) or real date cells. Year-first mixed with day/month-first
  strings, or an undecidable day/month order, raises ``DataError``.

Quality rules, in this order (so that ``lines_read = duplicates_dropped +
lines_without_customer + lines``): blank rows are skipped; exact duplicate
lines (all source columns equal, across sheets) are dropped unless
``keep_duplicates=True`` (with a :class:`~kamresearch.DataWarning` when the data
has no invoice column, where identical lines can be real repeat purchases, or
when 1% or more of the lines are dropped); lines without a customer id are removed (counted,
with their revenue; their dates and amounts are not checked); the remaining
lines must have a valid date and amount, else ``DataError``; returns keep their
negative amounts; dates after today are kept, counted and warned about
(:class:`~kamresearch.DataWarning`); an empty result raises ``DataError``. A
missing region column gives region ``"All"``; an empty region cell on a line
gives ``"Unknown"`` (counted).

``tx.attrs["quality"]`` keys
----------------------------
=========================== =====================================================
key                         meaning
=========================== =====================================================
``source``                  the path read, or ``"<DataFrame>"``
``sha256``                  SHA-256 of the file bytes (``None`` for a DataFrame)
``format``                  ``csv``, ``excel``, ``parquet`` or ``dataframe``
``encoding``                text encoding used (csv only)
``encoding_reason``         why: byte-order mark, valid UTF-8, zero bytes (UTF-16),
                            or the detector's guess and the lines it concerns
``delimiter``               field delimiter (csv only)
``header_row``              row number of the header (1 unless title lines;
                            ``None`` for parquet and DataFrames)
``sheets_read``             sheets appended (excel only)
``sheets_skipped``          sheets skipped, with the reason (excel only)
``blank_lines``             empty rows skipped
``lines_read``              data lines read (blank rows excluded)
``duplicates_dropped``      exact duplicate lines dropped
``lines_without_customer``  lines removed because the customer id is empty
``revenue_without_customer`` their summed amount
``lines``                   lines kept (rows of the returned table)
``net_revenue``             sum of ``amount`` over the kept lines
``returns``                 kept lines with a negative amount
``returns_amount``          their summed amount (negative)
``zero_amount_lines``       kept lines with a zero amount
``customers``               distinct customer ids
``regions``                 distinct regions
``lines_without_region``    kept lines whose region cell was empty ("Unknown")
``date_min`` ``date_max``   first and last date (Timestamps)
``today``                   the date used for the future-date check
``future_dates``            kept lines dated after today (flagged, kept)
``amount_from``             ``"column"`` or ``"quantity * unit_price"``
``decimal``                 decimal separator used for text numbers (``None``
                            when the numbers were typed)
``date_order``              ``"year-first"``, ``"day-first"``, ``"month-first"``,
                            ``"typed"`` (real date values) or a mix of these
``columns``                 dict canonical name -> source column
``keep_duplicates``         the option used
``warnings``                list of the warning messages issued
=========================== =====================================================
"""

from __future__ import annotations

import csv
import logging
import os
import re
import zipfile

import numpy as np
import pandas as pd

from .. import schema
from ..errors import ConfigError, DataError, KamError
from .files import _load, _Raw, _warn
from .values import _by_unique, _dates, _decimal, _numbers, _text

__all__ = ["read_transactions", "quality_summary", "PRESETS"]

logger = logging.getLogger("kamresearch")

#: Presets: canonical name -> source column, or a tuple of alternative names
#: (the first present wins); ``None`` means "absent, do not look for it".
PRESETS: dict[str, dict] = {
    "online-retail": {  # UCI Online Retail and Online Retail II, files unchanged
        "invoice_id": ("InvoiceNo", "Invoice"),
        "product_id": ("StockCode",),
        "quantity": ("Quantity",),
        "date": ("InvoiceDate",),
        "unit_price": ("UnitPrice", "Price"),
        "customer_id": ("CustomerID", "Customer ID"),
        "region": ("Country",),
        "amount": None,  # quantity * unit_price
    },
}

# Header names recognised without a mapping, best first; compared after _norm().
# fmt: off
ALIASES: dict[str, tuple[str, ...]] = {
    "customer_id": ("customer_id", "customer no", "customer number", "customer code",
                    "customer", "client id", "client", "account id", "account", "客户编号",
                    "客户代码", "客户编码", "客户id", "客户号", "客户", "客户名称",
                    "customer name", "client name", "account name"),
    "date": ("date", "order date", "invoice date", "transaction date", "sales date",
             "posting date", "document date", "日期", "订单日期", "开票日期", "销售日期",
             "单据日期", "交易日期", "发货日期"),
    "amount": ("amount", "net amount", "net sales", "sales amount", "sales", "revenue",
               "net revenue", "line amount", "line total", "金额", "销售额", "销售金额",
               "不含税金额", "含税金额", "价税合计"),
    "region": ("region", "sales region", "area", "territory", "大区", "区域", "地区",
               "销售区域", "country"),
    "invoice_id": ("invoice_id", "invoice", "invoice no", "invoice number", "order",
                   "order id", "order no", "order number", "单号", "订单号", "发票号",
                   "订单编号", "发票号码", "单据编号"),
    "product_id": ("product_id", "product", "product code", "sku", "item", "item code",
                   "stock code", "产品", "物料编码", "商品编码", "产品编码", "物料", "商品"),
    "quantity": ("quantity", "qty", "units", "数量", "销售数量"),
    "unit_price": ("unit price", "price", "单价", "销售单价"),
}
# Attribute columns kept (under these names) when present, even without a mapping.
ATTRIBUTES = ("segment", "industry", "sales_rep", "channel")
_ORDER = ("customer_id", "date", "amount", "region", "invoice_id", "product_id", "quantity",
          "unit_price")
# fmt: on
_NUMBERS = ("amount", "quantity", "unit_price")
UNKNOWN_REGION = "Unknown"


def _today() -> pd.Timestamp:
    """Today's date: the one place kamresearch reads the clock (tests replace it)."""
    return pd.Timestamp.today().normalize()


def _norm(name) -> str:
    return re.sub(r"[\s_\-./()（）:：#]", "", str(name)).lower()


# --------------------------------------------------------------------------- mapping


def _resolve(columns: list[str], mapping, src, skipped=()) -> dict:
    """canonical/extra name -> source column (None when absent)."""
    if mapping is None:
        mapping = {}
    elif isinstance(mapping, str):
        if mapping not in PRESETS:
            raise ConfigError(f"unknown mapping preset {mapping!r}; presets: {sorted(PRESETS)}")
        mapping = PRESETS[mapping]
    elif not isinstance(mapping, dict):
        raise ConfigError(f"mapping must be a preset name or a dict, got {type(mapping).__name__}")
    by_norm = {}
    for c in columns:
        by_norm.setdefault(_norm(c), c)
    out = {}
    for key, value in mapping.items():
        if not isinstance(key, str) or not key:
            raise ConfigError(f"mapping keys are canonical or attribute names, got {key!r}")
        if value is None:
            out[key] = None
            continue
        options = [str(o) for o in (value if isinstance(value, list | tuple) else [value])]
        hit = next((o for o in options if o in columns), None)
        hit = hit or next((by_norm[_norm(o)] for o in options if _norm(o) in by_norm), None)
        if hit is None:
            raise DataError(
                f"the mapping puts {key!r} in column {' or '.join(map(repr, options))}, which "
                f"is not in the data; columns found: {columns}",
                source=src,
                column=options[0],
                fix="correct the mapping to one of the columns found",
            )
        out[key] = hit
    used = set(out.values())
    for key in _ORDER:
        if key in out:
            continue
        out[key] = next(
            (
                by_norm[_norm(a)]
                for a in ALIASES[key]
                if _norm(a) in by_norm and by_norm[_norm(a)] not in used
            ),
            None,
        )
        used.add(out[key])
    for key in ATTRIBUTES:  # well-known attribute columns are kept without a mapping
        if key not in out and _norm(key) in by_norm and by_norm[_norm(key)] not in used:
            out[key] = by_norm[_norm(key)]
    missing = [k for k in ("customer_id", "date") if out[k] is None]
    if out["amount"] is None and not (out["quantity"] and out["unit_price"]):
        missing.append("amount")
    if missing:
        shown = {
            k: out[k] or f"<column with the {k.replace('_', ' ')}>"
            for k in ("customer_id", "date", "amount", "region")
        }
        hint = "/".join(ALIASES[missing[0]][:4])
        raise DataError(
            f"cannot find the column(s) for {', '.join(missing)} "
            f"(amount can also come from quantity and unit price); "
            f"columns found: {columns}",
            source=src,
            column=missing[0],
            fix=f"pass mapping={shown} (region optional), or rename the header "
            f"to a recognised name such as {hint}"
            + (
                f"; sheets skipped: {list(skipped)} - pass sheet=... to read one" if skipped else ""
            ),
        )
    return out


# --------------------------------------------------------------------------- main


def read_transactions(
    source, mapping=None, *, sheet=None, keep_duplicates=False, dayfirst=None
) -> pd.DataFrame:
    """Read client transactions into the canonical table of :mod:`kamresearch.schema`.

    Parameters
    ----------
    source : str, Path or DataFrame
        A ``.csv``/``.txt``/``.tsv``, ``.xlsx``/``.xls``, ``.parquet`` file or a DataFrame
        (not modified).
    mapping : str or dict, optional
        A preset name from :data:`PRESETS` (``"online-retail"``) or a dict
        ``{canonical name: source column}``; other keys add attribute columns
        (``{"segment": "Industry"}``); a value may be a list of alternative names or
        ``None`` (absent). Canonical columns not mapped are recognised from common
        English and Chinese header names (see ``ALIASES``).
    sheet : str or int, optional
        Excel: read only this sheet (else every sheet with the first sheet's header).
    keep_duplicates : bool, default False
        Keep exact duplicate lines instead of dropping them.
    dayfirst : bool, optional
        Order of ``03/04/2021``-style dates when the values cannot decide it.

    Returns
    -------
    DataFrame
        ``customer_id`` (str), ``date`` (datetime64[ns]), ``amount`` (float64, net of
        returns), ``region`` (str), then whichever of ``invoice_id``, ``product_id``
        (str), ``quantity``, ``unit_price`` (float64) the source has, then mapped
        attribute columns; ``attrs["quality"]`` holds the quality summary (module doc).

    Raises
    ------
    DataError
        Unreadable, empty or non-table file; missing or duplicated columns;
        unparseable or ambiguous dates; unparseable amounts; no line left.
    ConfigError
        Unknown preset or wrong argument type.

    Examples
    --------
    >>> import kamresearch as kam
    >>> tx = kam.read_transactions(kam.load_sample())
    >>> tx.attrs["quality"]["customers"]
    3000
    """
    if not isinstance(source, pd.DataFrame | str | os.PathLike):
        raise ConfigError(f"source must be a file path or a DataFrame, got {type(source).__name__}")
    src = "<DataFrame>" if isinstance(source, pd.DataFrame) else str(source)
    try:
        raw = _load(source, sheet, src)
        tx = _canonical(raw, mapping, keep_duplicates, dayfirst, src)
    except KamError:
        raise
    except _boundary_errors() as exc:
        raise DataError(
            f"could not read the data: {type(exc).__name__}: {exc}",
            source=src,
            fix="check that the file opens in Excel and is a table of transaction lines",
        ) from exc
    q = tx.attrs["quality"]
    logger.info(
        "%s: %s lines kept of %s read, %s customers, %s duplicates dropped, %s "
        "lines without customer",
        src,
        f"{q['lines']:,}",
        f"{q['lines_read']:,}",
        f"{q['customers']:,}",
        q["duplicates_dropped"],
        q["lines_without_customer"],
    )
    return tx


def _boundary_errors() -> tuple:
    errors = [
        ValueError,
        TypeError,
        KeyError,
        IndexError,
        OverflowError,
        OSError,
        UnicodeError,
        csv.Error,
        zipfile.BadZipFile,
        pd.errors.ParserError,
        pd.errors.EmptyDataError,
    ]
    for mod, name in (("python_calamine", "CalamineError"), ("pyarrow.lib", "ArrowException")):
        try:
            errors.append(getattr(__import__(mod, fromlist=[name]), name))
        except ImportError:  # pragma: no cover
            pass
    return tuple(errors)


def _plain(value):
    """A cell value as a user would recognise it in the message (no numpy reprs)."""
    if isinstance(value, str | list | dict):
        return value
    if pd.isna(value):
        return ""
    return value.item() if isinstance(value, np.generic) else value


def _fail(src, column, what, values, rows, mask, fix):
    idx = np.flatnonzero(mask)
    values = [_plain(values[i]) for i in idx[:5]]
    raise DataError(
        f"{len(idx):,} line(s) with {what} in column {column!r}",
        source=src,
        column=column,
        rows=list(zip([rows[i] for i in idx[:5]], values, strict=True)),
        fix=fix,
    )


def _date_families(fam, rows, values, src) -> list[str]:
    """Raise on mixed or undecidable date formats among kept lines; list the formats."""
    dm = ("day-first", "month-first", "day/month-ambiguous")

    def example(*names):
        i = int(np.argmax(np.isin(fam, names)))
        return rows[i], values.iat[i]

    found = [f for f in ("year-first", *dm, "month-name", "typed") if (fam == f).any()]
    fix = "export all dates in one format, e.g. 2021-04-03"
    if "year-first" in found and set(dm) & set(found):
        raise DataError(
            "mixed date formats: year-first and day/month-first dates in one column leave "
            "the day/month order ambiguous",
            source=src,
            column=values.name,
            rows=[example("year-first"), example(*dm)],
            fix=fix,
        )
    if "day-first" in found and "month-first" in found:
        raise DataError(
            "mixed date formats: day-first (day above 12 first) and month-first (day above "
            "12 second) dates in one column",
            source=src,
            column=values.name,
            rows=[example("day-first"), example("month-first")],
            fix=fix,
        )
    if "day/month-ambiguous" in found:
        raise DataError(
            "ambiguous dates: day-first or month-first? No date in the column has a day above "
            "12 to decide it",
            source=src,
            column=values.name,
            rows=[example("day/month-ambiguous")],
            fix="pass dayfirst=True (03/04/2021 = 3 April) or dayfirst=False (= March 4), "
            "or export the dates as 2021-04-03",
        )
    return found


def _canonical(raw: _Raw, mapping, keep_duplicates, dayfirst, src) -> pd.DataFrame:
    frame, info, rows = raw.frame, raw.info, raw.rows
    cols = _resolve(list(frame.columns), mapping, src, info.get("sheets_skipped") or ())
    if frame.empty:
        raise DataError("the data has no lines", source=src, fix="pass a table with lines")
    info["lines_read"] = len(frame)
    dup = np.zeros(len(frame), bool) if keep_duplicates else frame.duplicated().to_numpy()
    if dup.any():
        frame, rows = frame[~dup], rows[~dup]
        share, no_invoice = dup.mean(), not cols.get("invoice_id")
        if no_invoice or share >= 0.01:
            why = (
                "without an invoice column, identical lines may be real repeat purchases"
                if no_invoice
                else "that is many for an export"
            )
            _warn(
                info,
                f"{int(dup.sum()):,} exact duplicate line(s) dropped ({share:.1%} of the "
                f"lines, e.g. row {raw.rows[dup][0]}); {why}: pass keep_duplicates=True "
                "(kamresearch report --keep-duplicates) to keep them",
                src,
            )
    sub = frame[list(dict.fromkeys(c for c in cols.values() if c))]
    cust = _by_unique(sub[cols["customer_id"]], lambda u: _text(u, ids=True))[0]
    keep = pd.notna(cust)
    out = {"customer_id": cust}

    def check(key, values, bad, required):
        column = cols[key]
        missing = (np.isnat(values) if values.dtype.kind == "M" else np.isnan(values)) & ~bad
        if (bad & keep).any():
            kind = "date" if key == "date" else "number"
            example = (
                "a date such as 2021-04-03 (years 1678 to 2261)"
                if key == "date"
                else "a number such as 1234.50"
            )
            _fail(
                src,
                column,
                f"a value that is not a {kind}",
                sub[column].to_numpy(),
                rows,
                bad & keep,
                f"correct these cells to {example} (or map {key} to another "
                "column with mapping={...})",
            )
        if required and (missing & keep).any():
            _fail(
                src,
                column,
                f"an empty {key}",
                sub[column].to_numpy(),
                rows,
                missing & keep,
                f"fill the empty {key} cells, or remove these lines",
            )

    numeric = [cols[k] for k in _NUMBERS if cols.get(k)]
    decimal = _decimal(sub, numeric, info.get("delimiter"), src)
    if all(sub[c].dtype != object for c in numeric):
        info["decimal"] = None  # typed numbers: no decimal separator involved
    for key in ("quantity", "unit_price", "amount"):
        if cols.get(key):
            v, bad, _ = _by_unique(sub[cols[key]], lambda u: _numbers(u, decimal))
            check(key, v, bad, key == "amount")
            out[key] = v
    if not cols["amount"]:
        out["amount"] = out["quantity"] * out["unit_price"]
        check("quantity", out["amount"], np.zeros(len(sub), bool), True)  # empty qty or price
    d, bad, fam, _ = _by_unique(sub[cols["date"]], lambda u: _dates(u, src, dayfirst))
    families = _date_families(np.where(keep, fam, None), rows, sub[cols["date"]], src)
    check("date", d, bad, True)
    out["date"] = d
    if cols.get("region"):
        region = _by_unique(sub[cols["region"]], _text)[0]
        info["lines_without_region"] = int((pd.isna(region) & keep).sum())
        out["region"] = np.where(pd.isna(region), UNKNOWN_REGION, region).astype(object)
    else:
        out["region"] = np.full(len(sub), schema.ALL_REGIONS, dtype=object)
        info["lines_without_region"] = 0
    for key in ("invoice_id", "product_id"):
        if cols.get(key):
            out[key] = _by_unique(sub[cols[key]], lambda u: _text(u, ids=True))[0]
    extras = [k for k in cols if k not in _ORDER and cols[k]]
    for key in extras:
        s = sub[cols[key]]
        out[key] = _by_unique(s, _text)[0] if s.dtype == object else s.to_numpy()
    tx = pd.DataFrame({k: out[k][keep] for k in [*(k for k in _ORDER if k in out), *extras]})
    if tx.empty:
        raise DataError(
            f"no line left: all {len(sub):,} lines lack a customer id",
            source=src,
            column=cols["customer_id"],
            fix="map customer_id to the column that "
            "holds the customer: mapping={'customer_id': ...}",
        )
    tx = tx.astype(
        {k: ("float64" if k in _NUMBERS else object) for k in _ORDER if k in tx and k != "date"}
    ).astype({"date": "datetime64[ns]"})
    today = _today()
    future = (tx["date"] >= today + pd.Timedelta(days=1)).to_numpy()
    if future.any():
        _warn(
            info,
            f"{int(future.sum()):,} line(s) dated after today ({today.date()}), e.g. "
            f"{tx['date'][future].iloc[0]}",
            src,
        )
    amount = tx["amount"]
    info.update(
        duplicates_dropped=int(dup.sum()),
        lines_without_customer=int((~keep).sum()),
        revenue_without_customer=float(np.nansum(out["amount"][~keep])),
        lines=len(tx),
        net_revenue=float(amount.sum()),
        returns=int((amount < 0).sum()),
        returns_amount=float(amount[amount < 0].sum()),
        zero_amount_lines=int((amount == 0).sum()),
        customers=int(tx["customer_id"].nunique()),
        regions=int(tx["region"].nunique()),
        date_min=tx["date"].min(),
        date_max=tx["date"].max(),
        today=today,
        future_dates=int(future.sum()),
        decimal=info.get("decimal", decimal),
        date_order=" + ".join(families),
        amount_from="column" if cols["amount"] else "quantity * unit_price",
        columns={k: cols[k] for k in [*_ORDER, *extras] if cols.get(k)},
        keep_duplicates=bool(keep_duplicates),
    )
    info.setdefault("warnings", [])
    tx.attrs["quality"] = {"source": src, **{k: info.get(k) for k in _KEYS}}
    return tx


# fmt: off
_KEYS = ("sha256", "format", "encoding", "encoding_reason", "delimiter", "header_row", "sheets_read",
         "sheets_skipped", "blank_lines", "lines_read", "duplicates_dropped",
         "lines_without_customer", "revenue_without_customer", "lines", "net_revenue", "returns",
         "returns_amount", "zero_amount_lines", "customers", "regions", "lines_without_region",
         "date_min", "date_max", "today", "future_dates", "amount_from", "decimal", "date_order",
         "columns", "keep_duplicates", "warnings")
# fmt: on


def quality_summary(tx: pd.DataFrame) -> pd.DataFrame:
    """The data-quality summary of a table read by :func:`read_transactions`.

    Returns
    -------
    DataFrame
        Two columns, ``item`` and ``value`` (text), one row per key of
        ``tx.attrs["quality"]`` (see the module docstring); ``columns`` becomes one
        row per mapped column (``column customer_id`` -> ``CustomerID``).

    Raises
    ------
    DataError
        When ``tx`` carries no quality summary.
    """
    q = tx.attrs.get("quality") if isinstance(tx, pd.DataFrame) else None
    if not q:
        raise DataError(
            "this table has no quality summary (attrs['quality'])",
            fix="read the data with kamresearch.read_transactions(...)",
        )
    items = []
    for key, value in q.items():
        if key == "columns":
            items += [(f"column {k}", str(v)) for k, v in value.items()]
        elif value is not None:
            items.append((key.replace("_", " "), _show(value)))
    return pd.DataFrame(items, columns=["item", "value"])


def _show(value) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | np.integer):
        return f"{value:,}"
    if isinstance(value, float | np.floating):
        return f"{value:,.2f}"
    if isinstance(value, pd.Timestamp):
        return str(value.date()) if value == value.normalize() else str(value)
    if isinstance(value, list | tuple):
        return "; ".join(map(str, value)) if value else "none"
    if value == "\t":
        return "tab"
    return str(value)
