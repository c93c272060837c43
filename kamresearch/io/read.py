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
attribute columns are kept under their names in :data:`ATTRIBUTES` when a header
reads as one (``owner``: 业务员, sales rep, ...; ``channel``: 渠道; ``industry``:
行业; ``segment``; see ``aliases.ATTRIBUTE_ALIASES``). Other columns are dropped
(but still count when comparing lines for duplicates).

Parsing is done here, vectorised, so that every failure is a
:class:`~kamresearch.DataError` naming the file, the column, example rows
(spreadsheet row numbers: header = row 1; ``sheet!row`` for workbooks; index
labels for a DataFrame) and the fix:

* ids (``customer_id``, ``invoice_id``, ``product_id``): text, stripped of
  surrounding spaces, leading zeros kept; ids that look like floats lose the
  ``.0`` (``13085.0`` -> ``"13085"``), whole numbers keep every digit (above 2^53
  too); an empty cell is a missing value; Excel's scientific notation
  (``1.23457E+11``: digits lost) is a DataError; customer ids differing only in
  case or leading zeros (``0012583`` / ``12583``), and regions differing only in
  case, are counted and warned about, and merged only with ``unify_ids=True`` /
  ``unify_regions=True``; so are ids and regions differing only in surrounding
  spaces (``"AB "`` / ``"AB"``: kept apart, spaces included, unless unified; text
  padded uniformly, as in a fixed-width export, is simply stripped);
* numbers: currency signs (¥ ￥ $ € £, RMB, CNY...), spaces and apostrophes
  removed; ``(12.50)`` and ``12.50-`` are negative; the decimal separator is
  decided once per file from every text value of the number columns
  (``1,234.50`` vs ``1.234,50``, ``3,5``, ``0,250``, ``1,234,567``); when only
  values such as ``1,234`` / ``2.500`` exist, neither the values nor the
  delimiter decide it and ``decimal=`` must (else DataError); true/false values,
  ``inf``/``nan`` and values beyond ±1e15 (:data:`kamresearch.schema.MAX_AMOUNT`)
  are refused;
* dates: one column, one format. Year-first (``2021-04-03``, ``2021/4/3 10:15``,
  ``20210403``, ``2021年4月3日``), day/month-first (``03/04/2021``; the order is
  decided from values above 12, or from ``dayfirst=``), month names
  (``3 Apr 2021``) or real date cells. Year-first mixed with day/month-first
  strings, or an undecidable day/month order, raises ``DataError``.

Quality rules, in this order (so that ``lines_read = total_rows +
duplicates_dropped + lines_without_customer + outlying_dates_dropped + lines``):
blank rows are skipped; exact duplicate lines (all source columns equal, across sheets) are dropped unless
``keep_duplicates=True`` (with a :class:`~kamresearch.DataWarning` when the data
has no invoice column, where identical lines can be real repeat purchases, or
when 1% or more of the lines are dropped); lines without a customer id are removed (counted,
with their revenue; their dates and amounts are not checked); the remaining
lines must have a valid date and amount, else ``DataError``; returns keep their
negative amounts; dates after today are kept, counted and warned about
(:class:`~kamresearch.DataWarning`); an empty result raises ``DataError``. A
missing region column gives region ``"All"``; an empty region cell on a line
gives :func:`kamresearch.schema.blank_region_label` (``"(no region)"``, never the
name of a real region; counted).

``tx.attrs["quality"]`` keys
----------------------------
=========================== =====================================================
key                         meaning
=========================== =====================================================
``source``                  the path read, or ``"<DataFrame>"``
``sha256``                  SHA-256 of the file bytes (``None`` for a DataFrame)
``format``                  ``csv``, ``excel``, ``html``, ``parquet`` or ``dataframe``
``file_note``               what the file really is when its extension lies (an
                            ``.xls`` that is an HTML table or a text file), else None
``encoding``                text encoding used (csv and html only)
``encoding_reason``         why: byte-order mark, valid UTF-8, zero bytes (UTF-16),
                            or the detector's guess and the lines it concerns
``delimiter``               field delimiter (csv only)
``header_row``              row number of the (first) header row (1 unless title
                            lines; ``None`` for parquet and DataFrames)
``header_rows``             how many rows the header spans (2 or 3: a merged header,
                            flattened as ``金额/不含税``)
``titles``                  the title lines above the header (text)
``sheets_read``             sheets combined (excel only)
``sheets_skipped``          sheets skipped, each with the reason (excel only)
``blank_lines``             empty rows skipped
``lines_read``              data lines read (blank rows excluded)
``total_rows``              subtotal, total and carried-forward rows excluded (小计,
                            合计, 本月合计, 本年累计, 承前页 …, or a line without a
                            date that sums the lines above it)
``total_rows_amount``       their summed amount (after the unit)
``total_example``           the word that marked the first of them
``duplicates_dropped``      exact duplicate lines dropped
``lines_without_customer``  lines removed because the customer id is empty
``revenue_without_customer`` their summed amount
``lines``                   lines kept (rows of the returned table)
``net_revenue``             sum of ``amount`` over the kept lines
``returns``                 kept lines with a negative amount
``returns_amount``          their summed amount (negative)
``returns_flagged``         lines a remark column marks as returns (退货, 红字, 冲销 …)
                            with a positive amount
``returns_from``            the remark column whose returns were made negative
                            (``returns_from=``), else None
``zero_amount_lines``       kept lines with a zero amount
``customers``               distinct customer ids
``customer_from``           ``"code"`` (a customer code column), ``"name"`` (names
                            used as ids: no code column) or ``"mapping"``
``likely_duplicate_names``  name-only data: groups of names that look like one
                            company (``上海华东电器有限公司 / 华东电器``)
``regions``                 distinct regions
``lines_without_region``    kept lines whose region cell was empty ("(no region)")
``date_min`` ``date_max``   first and last date (Timestamps)
``today``                   the date used for the future-date check
``future_dates``            kept lines dated after today (flagged, kept)
``amount_from``             ``"column"`` or ``"quantity * unit_price"``
``amount_basis``            ``"net"`` (of VAT), ``"gross"`` (VAT included), ``"not
                            stated"`` (the header does not say) or ``"as mapped"``
``unit``                    unit of the amounts in the file (元, 千元, 万元 …)
``unit_factor``             the factor applied to reach 元 (10000.0 for 万元)
``unit_from``               where the unit was read (a header, a title line,
                            ``unit=``, or ``not stated``)
``decimal``                 decimal separator used for text numbers (``None``
                            when the numbers were typed)
``date_order``              ``"year-first"``, ``"day-first"``, ``"month-first"``,
                            ``"excel-serial"`` (day numbers such as 44927 in the
                            date column), ``"typed"`` (real date values) or a mix
``customer_id_variants``    groups of customer ids that differ only in letter case
                            or leading zeros (``0012583`` / ``12583``), warned about
``region_variants``         groups of region names differing only in letter case
``unify_ids``               the option used (variants merged when True)
``unify_regions``           the option used
``time_zone``               how zoned timestamps were converted (``None`` when the
                            dates carry no zone): see :mod:`kamresearch.io.dates`
``outlying_dates``          lines dated far from all the others (a DataError unless
                            ``outlying_dates="drop"`` or ``"keep"``)
``outlying_dates_dropped``  of these, the lines left out (``"drop"``)
``columns``                 dict canonical name -> source column
``column_choices``          sentences: which column was used where several could
                            serve one role, and why
``keep_duplicates``         the option used
``warnings``                list of the warning messages issued
=========================== =====================================================

:func:`describe_quality` says the same in sentences (``kamresearch validate``).
"""

from __future__ import annotations

import csv
import logging
import os
import zipfile

import numpy as np
import pandas as pd

from .. import schema
from ..errors import ConfigError, DataError, KamError
from . import aliases as _aliases
from .columns import ORDER, PRESETS, compare, remark_column, resolve
from .dates import check_zone, main_span, outlying
from .excel_errors import EXCEL_ERRORS, error_cells
from .files import _load, _Raw, _warn
from .ledger import amount_unit, closing_rows, return_marks, similar_names, total_rows
from .messages import (
    EXCEL_ERROR,
    EXCEL_ERROR_EMPTY,
    EXCEL_ERROR_FIX,
    OUTLYING_FIX,
    SCIENTIFIC_ID,
    big_product,
    boolean_numbers,
    duplicates_warning,
    empty_value,
    fail_rows,
    future_warning,
    no_line_left,
    not_a_value,
    outlying_error,
    outlying_what,
    plain,
    similar_names_warning,
)
from .sheets import SHEET_COLUMN
from .summary import describe_quality, quality_summary
from .values import (
    MAX_NUMBER,
    _by_unique,
    _dates,
    _decimal,
    _ids,
    _numbers,
    _space_variants,
    _text,
    _variant_examples,
    _variants,
)

__all__ = ["read_transactions", "quality_summary", "describe_quality", "PRESETS", "ALIASES"]

logger = logging.getLogger("kamresearch")

ALIASES = _aliases.ALIASES
_ORDER = ORDER
_NUMBERS = ("amount", "quantity", "unit_price")


def _today() -> pd.Timestamp:
    """Today's date: the one place kamresearch reads the clock (tests replace it)."""
    return pd.Timestamp.today().normalize()


# --------------------------------------------------------------------------- main


def read_transactions(
    source,
    mapping=None,
    *,
    sheet=None,
    keep_duplicates=False,
    dayfirst=None,
    header_row=None,
    unit=None,
    amount_basis="net",
    returns_from=None,
    decimal=None,
    unify_ids=False,
    unify_regions=False,
    tz=None,
    outlying_dates="raise",
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
    sheet : str, int, list or "all", optional
        Excel: read only this sheet, or these sheets (names or positions), or every
        sheet with a table of lines (``"all"``, hidden, voided and summary sheets
        included). Default: the detail sheets (see :mod:`kamresearch.io.sheets`).
    keep_duplicates : bool, default False
        Keep exact duplicate lines instead of dropping them.
    dayfirst : bool, optional
        Order of ``03/04/2021``-style dates when the values cannot decide it.
    header_row : int, optional
        Row number of the header as Excel shows it (1 = first row); label rows just
        below it that continue a merged header are added. Default: detected.
    unit : str or float, optional
        Unit of the amounts: ``"元"``, ``"千元"``, ``"万元"``, ``"百万元"``, ``"亿元"`` or
        a factor; overrides the unit read from the header or a title line.
    amount_basis : {"net", "gross"}, default "net"
        Revenue net of VAT (无税/不含税金额) or VAT included (价税合计/含税金额), when the
        export has both (or a gross amount and the tax).
    returns_from : str or True, optional
        Turn lines marked as returns (退货, 红字, 冲销 …) in this remark column (``True``:
        the one found: 摘要, 备注, 业务类型 …) negative when their amount is positive.
    decimal : {".", ","}, optional
        Decimal separator of text numbers, when the values cannot decide it
        (only values such as ``1,234`` or ``2.500``): ``"."`` reads ``1,234`` as 1234,
        ``","`` as 1.234.
    unify_ids : bool, default False
        Merge customer ids that differ only in letter case or leading zeros
        (``0012583`` / ``12583``, ``ab-1`` / ``AB-1``) under the variant that sorts
        first. Without it they stay apart, counted (``customer_id_variants``) and
        warned about.
    unify_regions : bool, default False
        Merge region names that differ only in letter case (``North`` / ``NORTH``),
        likewise.
    tz : str, optional
        Time zone (IANA name or ``"UTC"``) to which zoned timestamps (a tz-aware
        column, ``2021-04-03T10:15:00+08:00``) are converted before the zone is
        dropped; default: each timestamp's own local time. See :mod:`kamresearch.io.dates`.
    outlying_dates : {"raise", "drop", "keep"}, default "raise"
        Lines dated far from all the others (a few lines in 2031 in data ending 2011,
        1900-01-01 placeholders; rule in :mod:`kamresearch.io.dates`): a DataError
        listing them, left out (counted: ``outlying_dates_dropped``), or kept.

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
        raw = _load(
            source, sheet, src, header_row=header_row, mapping=mapping, basis=amount_basis or "net"
        )
        opts = {"unit": unit, "basis": amount_basis or "net", "returns_from": returns_from}
        opts.update(decimal=decimal, unify_ids=unify_ids, unify_regions=unify_regions)
        check_zone(tz)
        opts.update(tz=tz, outlying_dates=outlying_dates)
        tx = _canonical(raw, mapping, keep_duplicates, dayfirst, src, opts)
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


_plain = plain


def _fail(src, column, what, values, rows, mask, fix):
    idx = np.flatnonzero(mask)
    fail_rows(src, column, what, len(idx), [(rows[i], values[i]) for i in idx[:5]], fix)


def _date_families(fam, rows, values, src) -> list[str]:
    """Raise on mixed or undecidable date formats among kept lines; list the formats."""
    dm = ("day-first", "month-first", "day/month-ambiguous")

    def example(*names):
        i = int(np.argmax(np.isin(fam, names)))
        return rows[i], values.iat[i]

    found = [
        f for f in ("year-first", *dm, "month-name", "excel-serial", "typed") if (fam == f).any()
    ]
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


def _id_column(sub, cols, key, rows, src, info, unify):
    """An id column as text per line; Excel scientific notation is a DataError.

    ``unify`` (customer ids only; ``None`` for other ids): merge ids that differ in
    case or leading zeros (True) or count and warn about them (False).
    """
    column = cols[key]
    found = {}

    def parse(u):
        ids, sci = _ids(u)
        if unify is not None:
            ids = _unify(_apart(u, ids, found, unify), found, digits=True, merge=unify)
        return ids, sci

    ids, sci, _ = _by_unique(sub[column], parse)
    if sci.any():
        what, fix = SCIENTIFIC_ID
        _fail(src, column, what, sub[column].to_numpy(), rows, sci, fix)
    if unify is not None:
        _report_variants(found, key, column, src, info, unify)
    return ids


def _apart(u, text, found, merge):
    """Stripped text of distinct values ``u``; those differing only in surrounding
    spaces keep their spaces (so count as different) unless ``merge``; notes them."""
    spaced = _space_variants(u)
    found["spaces"] = spaced
    if merge or not spaced:
        return text
    raw = u.to_numpy(dtype=object)
    keep = np.fromiter((isinstance(v, str) and v in spaced for v in raw), bool, len(raw))
    out = np.asarray(text, dtype=object).copy()
    out[keep] = raw[keep]
    return out


def _unify(values, found, *, digits, merge):
    """Distinct values -> the same, variants merged when ``merge``; notes them in ``found``."""
    found["mapping"] = mapping = _variants(values, digits=digits)
    found["digits"] = digits
    if not merge or not mapping:
        return values
    return np.array([mapping.get(v, v) for v in values], dtype=object)


def _report_variants(found, key, column, src, info, merged):
    mapping = found.get("mapping") or {}
    spaces = found.get("spaces") or {}
    groups = len(set(mapping.values())) + len(set(spaces.values()))
    info[f"{key}_variants"] = groups
    if not groups:
        return
    what = ["letter case or leading zeros" if found["digits"] else "letter case"]
    if spaces:
        what = ([what[0]] if mapping else []) + ["surrounding spaces"]
    what = " or ".join(what)
    option = {"customer_id": "unify_ids", "region": "unify_regions"}[key]
    label = key.replace("_", " ")
    examples = "; ".join(e for e in (_variant_examples(spaces), _variant_examples(mapping)) if e)
    if merged:
        message = (
            f"{groups:,} group(s) of {label}s differing only in {what} merged "
            f"({option}=True), e.g. {examples}"
        )
    else:
        message = (
            f"{groups:,} group(s) of {label}s in column {column!r} differ only in {what} "
            f"and count as different, e.g. {examples}: pass {option}=True to merge them, "
            "or correct the file"
        )
    _warn(info, message, src)


def _time_zone(zones, tz, src, info):
    """State the time-zone rule used (module :mod:`.dates`); warn on mixed offsets."""
    seen = sorted(set(zones))
    if not seen:
        info["time_zone"] = None
    elif tz is not None:
        info["time_zone"] = f"converted to {tz} (from {', '.join(seen)})"
    else:
        info["time_zone"] = f"local wall time of each timestamp ({', '.join(seen)})"
        if len(seen) > 1:
            _warn(
                info,
                f"the dates carry {len(seen)} time zones or UTC offsets ({', '.join(seen[:5])}); "
                "each is read as its own local time: pass tz='Asia/Shanghai' (or 'UTC', ...) "
                "to convert them all to one zone",
                src,
            )


def _outlying_dates(d, keep, rows, values, src, info, how):
    """Lines with isolated outlying dates (:mod:`.dates`): error, drop or keep; counted."""
    if how not in ("raise", "drop", "keep"):
        raise ConfigError(f"outlying_dates must be 'raise', 'drop' or 'keep', got {how!r}")
    odd = outlying(d, keep)
    info["outlying_dates"] = n = int(odd.sum())
    info["outlying_dates_dropped"] = n if how == "drop" else 0
    if not n:
        return odd
    first, last = main_span(d, keep & ~odd)
    days = sorted({str(pd.Timestamp(v).date()) for v in d[odd][:1000]})
    what = outlying_what(n, days, first, last)
    if how == "raise":
        _fail(
            src,
            values.name,
            outlying_error(days, first, last),
            values.to_numpy(),
            rows,
            odd,
            OUTLYING_FIX,
        )
    verb = "left out (outlying_dates='drop')" if how == "drop" else "kept (outlying_dates='keep')"
    _warn(info, f"{what}; {verb}", src)
    return odd if how == "drop" else np.zeros(len(d), bool)


def _canonical(raw: _Raw, mapping, keep_duplicates, dayfirst, src, opts) -> pd.DataFrame:
    frame, info, rows = raw.frame, raw.info, raw.rows
    cols = resolve(
        list(frame.columns), mapping, src, info.get("sheets_skipped") or (), basis=opts["basis"]
    )
    notes = cols.notes
    if info.get("sheet_column") == "region" and not cols.get("region"):
        cols["region"] = SHEET_COLUMN
        notes["choices"].append(
            f"region: from the sheet names ({', '.join(info.get('sheets_read') or [])})"
        )
    elif SHEET_COLUMN in frame:
        frame = frame.drop(columns=SHEET_COLUMN)
    if frame.empty:
        raise DataError("the data has no lines", source=src, fix="pass a table with lines")
    info["lines_read"] = len(frame)
    totals, total_word = total_rows(frame)
    if totals.any():
        frame, rows, total_frame = frame[~totals], rows[~totals], frame[totals]
    dup = np.zeros(len(frame), bool) if keep_duplicates else frame.duplicated().to_numpy()
    if dup.any():
        frame, rows = frame[~dup], rows[~dup]
        share, no_invoice = dup.mean(), not cols.get("invoice_id")
        if no_invoice or share >= 0.01:
            first = raw.rows[~totals][dup][0] if totals.any() else raw.rows[dup][0]
            _warn(info, duplicates_warning(int(dup.sum()), share, first, no_invoice), src)
    remark = opts["returns_from"] if isinstance(opts["returns_from"], str) else None
    if remark is not None and remark not in frame.columns:
        raise ConfigError(
            f"returns_from={remark!r} is not a column; columns: {list(frame.columns)}"
        )
    remark = remark or remark_column([c for c in frame.columns if c not in cols.values()])
    rivals = [c for others in notes["rivals"].values() for c in others]
    used = [c for c in cols.values() if c] + [c for c in (notes["tax"], remark, *rivals) if c]
    sub = frame[list(dict.fromkeys(used))]
    cust = _id_column(sub, cols, "customer_id", rows, src, info, opts["unify_ids"])
    keep = pd.notna(cust)
    out = {"customer_id": cust}

    def check(key, values, bad, required, column=None):
        column = column or cols[key]
        missing = (np.isnat(values) if values.dtype.kind == "M" else np.isnan(values)) & ~bad
        if (bad & keep).any():
            idx = np.flatnonzero(bad & keep)
            cells = sub[column].to_numpy()[idx].astype(str)
            errors = np.isin(np.char.strip(cells.astype("U")), EXCEL_ERRORS)
            if errors.any():  # #DIV/0!, #N/A ...: a formula that failed in the workbook
                _fail(
                    src,
                    column,
                    EXCEL_ERROR,
                    sub[column].to_numpy(),
                    rows,
                    np.isin(np.arange(len(sub)), idx[errors]),
                    EXCEL_ERROR_FIX,
                )
            what, fix = not_a_value(key, column)
            _fail(src, column, what, sub[column].to_numpy(), rows, bad & keep, fix)
        if required and (missing & keep).any() and info.get("format") == "excel":
            errors = error_cells(
                raw.data, info.get("sheets_read") or [], info.get("header_row") or 1, column
            )
            hit = np.array([r in errors for r in rows]) & missing & keep
            if hit.any():
                _fail(
                    src,
                    column,
                    EXCEL_ERROR_EMPTY,
                    np.array([errors.get(r, "") for r in rows], dtype=object),
                    rows,
                    hit,
                    EXCEL_ERROR_FIX,
                )
        if required and (missing & keep).any():
            what, fix = empty_value(key)
            _fail(src, column, what, sub[column].to_numpy(), rows, missing & keep, fix)

    numeric = [cols[k] for k in _NUMBERS if cols.get(k)] + ([notes["tax"]] if notes["tax"] else [])
    decimal = _decimal(sub, numeric, info.get("delimiter"), src, opts["decimal"])
    if all(sub[c].dtype != object for c in numeric):
        info["decimal"] = None  # typed numbers: no decimal separator involved
    for key in ("quantity", "unit_price", "amount"):
        if cols.get(key) and sub[cols[key]].dtype == bool:
            examples = zip(rows[:3], sub[cols[key]].to_numpy()[:3].tolist(), strict=True)
            raise boolean_numbers(key, cols[key], src, examples)
        if cols.get(key):
            v, bad, _ = _by_unique(sub[cols[key]], lambda u: _numbers(u, decimal))
            check(key, v, bad, key == "amount")
            out[key] = v
    if notes["tax"]:
        t, bad, _ = _by_unique(sub[notes["tax"]], lambda u: _numbers(u, decimal))
        check("amount", t, bad, False, notes["tax"])
        out["amount"] = out["amount"] + np.nan_to_num(t) * (-1 if opts["basis"] == "net" else 1)
    for key, others in notes["rivals"].items():
        compare(key, cols[key], others, sub, keep, decimal, notes, src)
    if not cols["amount"]:
        for key in ("quantity", "unit_price"):  # each blamed on its own column
            check(key, out[key], np.zeros(len(sub), bool), True)
        with np.errstate(over="ignore", invalid="ignore"):
            out["amount"] = out["quantity"] * out["unit_price"]
        big = ~(np.abs(out["amount"]) <= MAX_NUMBER) & keep
        if big.any():
            what, fix = big_product()
            column = f"{cols['quantity']} * {cols['unit_price']}"
            _fail(src, column, what, out["amount"], rows, big, fix)
    money = cols["amount"] or cols["unit_price"]
    unit, factor, unit_from = amount_unit(opts["unit"], money, info.get("titles"))
    if factor != 1:
        out["amount"] = out["amount"] * factor
    zones = []
    d, bad, fam, _ = _by_unique(
        sub[cols["date"]], lambda u: _dates(u, src, dayfirst, opts["tz"], zones)
    )
    closing = closing_rows(out["amount"], np.isnat(d) & ~bad)
    keep &= ~closing
    families = _date_families(np.where(keep, fam, None), rows, sub[cols["date"]], src)
    check("date", d, bad, True)
    out["date"] = d
    _time_zone(zones, opts["tz"], src, info)
    odd = _outlying_dates(d, keep, rows, sub[cols["date"]], src, info, opts["outlying_dates"])
    keep &= ~odd
    flagged = np.zeros(len(sub), bool)
    if remark:
        flagged = return_marks(sub[remark]) & (out["amount"] > 0) & keep
        if flagged.any() and opts["returns_from"]:
            out["amount"] = np.where(flagged, -out["amount"], out["amount"])
        elif flagged.any():
            example = sub[remark].to_numpy()[np.argmax(flagged)]
            _warn(
                info,
                f"{int(flagged.sum()):,} line(s) marked as returns in column {remark!r} (e.g. "
                f"{example!r}) have positive amounts and are counted as sales; pass "
                f"returns_from={remark!r} to count them as returns (negative)",
                src,
            )
    if cols.get("region"):
        found = {}
        region = _by_unique(
            sub[cols["region"]],
            lambda u: (
                _unify(
                    _apart(u, _text(u)[0], found, opts["unify_regions"]),
                    found,
                    digits=False,
                    merge=opts["unify_regions"],
                ),
            ),
        )[0]
        _report_variants(found, "region", cols["region"], src, info, opts["unify_regions"])
        info["lines_without_region"] = int((pd.isna(region) & keep).sum())
        blank = pd.isna(region)
        label = schema.blank_region_label(pd.unique(region[~blank])) if blank.any() else None
        out["region"] = np.where(blank, label, region).astype(object)
    else:
        out["region"] = np.full(len(sub), schema.ALL_REGIONS, dtype=object)
        info["lines_without_region"] = info["region_variants"] = 0
    for key in ("invoice_id", "product_id"):
        if cols.get(key):
            out[key] = _id_column(sub, cols, key, rows, src, info, None)
    extras = [k for k in cols if k not in _ORDER and cols[k]]
    for key in extras:
        s = sub[cols[key]]
        out[key] = _by_unique(s, _text)[0] if s.dtype == object else s.to_numpy()
    tx = pd.DataFrame({k: out[k][keep] for k in [*(k for k in _ORDER if k in out), *extras]})
    if tx.empty:
        raise no_line_left(len(sub), src, cols["customer_id"])
    tx = tx.astype(
        {k: ("float64" if k in _NUMBERS else object) for k in _ORDER if k in tx and k != "date"}
    ).astype({"date": "datetime64[ns]"})
    today = _today()
    future = (tx["date"] >= today + pd.Timedelta(days=1)).to_numpy()
    if future.any():
        _warn(info, future_warning(int(future.sum()), today, tx["date"][future].iloc[0]), src)
    similar = []
    if notes["customer_from"] == "name":
        similar = similar_names(tx["customer_id"])
        if similar:
            _warn(info, similar_names_warning(similar), src)
    total_amount = 0.0
    if totals.any() and money in total_frame:
        total_amount = float(
            np.nansum(_by_unique(total_frame[money], lambda u: _numbers(u, decimal))[0])
        )
    n_closing = int(closing.sum())
    amount = tx["amount"]
    info.update(
        total_rows=int(totals.sum()) + n_closing,
        total_rows_amount=total_amount * factor + float(np.nansum(out["amount"][closing])),
        total_example=total_word or ("a line that sums the lines above it" if n_closing else None),
        duplicates_dropped=int(dup.sum()),
        lines_without_customer=int((~keep & ~closing & ~odd).sum()),
        revenue_without_customer=float(np.nansum(out["amount"][~keep & ~closing & ~odd])),
        lines=len(tx),
        net_revenue=float(amount.sum()),
        returns=int((amount < 0).sum()),
        returns_amount=float(amount[amount < 0].sum()),
        returns_flagged=int(flagged.sum()),
        returns_from=remark if opts["returns_from"] and flagged.any() else None,
        zero_amount_lines=int((amount == 0).sum()),
        customers=int(tx["customer_id"].nunique()),
        customer_from=notes["customer_from"],
        likely_duplicate_names=[" / ".join(g) for g in similar],
        regions=int(tx["region"].nunique()),
        date_min=tx["date"].min(),
        date_max=tx["date"].max(),
        today=today,
        future_dates=int(future.sum()),
        decimal=info.get("decimal", decimal),
        date_order=" + ".join(families),
        amount_from="column" if cols["amount"] else "quantity * unit_price",
        amount_basis=notes["amount_basis"],
        unit=unit,
        unit_factor=factor,
        unit_from=unit_from,
        unify_ids=bool(opts["unify_ids"]),
        unify_regions=bool(opts["unify_regions"]),
        columns={k: cols[k] for k in [*_ORDER, *extras] if cols.get(k)},
        column_choices=notes["choices"],
        keep_duplicates=bool(keep_duplicates),
    )
    info.setdefault("warnings", [])
    tx.attrs["quality"] = {"source": src, **{k: info.get(k) for k in _KEYS}}
    return tx


# fmt: off
_KEYS = ("sha256", "format", "file_note", "encoding", "encoding_reason", "delimiter", "header_row", "header_rows",
         "titles", "sheets_read", "sheets_skipped", "blank_lines", "lines_read", "total_rows",
         "total_rows_amount", "total_example", "duplicates_dropped",
         "lines_without_customer", "revenue_without_customer", "lines", "net_revenue", "returns",
         "returns_amount", "returns_flagged", "returns_from", "zero_amount_lines", "customers",
         "customer_from", "likely_duplicate_names", "regions", "lines_without_region", "date_min",
         "date_max", "today", "future_dates", "amount_from", "amount_basis", "unit",
         "unit_factor", "unit_from", "decimal", "date_order",
         "customer_id_variants", "region_variants", "unify_ids", "unify_regions",
         "time_zone", "outlying_dates", "outlying_dates_dropped", "columns", "column_choices",
         "keep_duplicates", "warnings")
# fmt: on
