"""Validation in the engine: raw scanned columns -> canonical lines and a quality summary.

Part of :func:`kamresearch.scan_transactions`. The rules are those of
:func:`kamresearch.read_transactions` (see :mod:`kamresearch.io.read`), applied as
Ibis expressions: each rule is a count over the lines, and only when a count is not
zero are a few example rows fetched for the message (phrased by
:mod:`kamresearch.io.messages`, so the :class:`~kamresearch.DataError` is the
reader's). Columns are chosen by :func:`kamresearch.io.columns.resolve` from the
header names, exactly as the reader does.

The engine takes typed columns: dates as timestamps or dates, numbers as numbers,
ids and regions as text or numbers. A source that needs the reader's decisions on
text -- dates or numbers written as text (date order, decimal separator), zoned
timestamps, ledger rules (total rows, a remark column marking returns, a tax column,
two columns for one role) -- raises :class:`NeedsReader`, and the caller reads it
with :func:`kamresearch.read_transactions` instead.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .. import schema
from ..errors import DataError
from ..io import read as _read
from ..io.columns import ORDER, remark_column, resolve
from ..io.dates import outlying_days
from ..io.ledger import _TOTAL, amount_unit, similar_names
from ..io.messages import (
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
    similar_names_warning,
)
from ..io.raw import _header, _warn
from ..io.values import _SCIENTIFIC, MAX_NUMBER

__all__ = ["ROW", "NeedsReader", "Raw", "canonical"]

#: The hidden column that numbers the source lines (their order, and the row labels
#: of messages); never part of the canonical columns.
ROW = "__row__"
_NUMBERS = ("quantity", "unit_price", "amount")
_IDS = ("customer_id", "invoice_id", "product_id")


#: Python's str.strip() removes every Unicode whitespace (the ideographic space U+3000,
#: no-break space, CR ...); SQL's TRIM only what it is told.
_SPACE = "".join(c for c in map(chr, range(0x3001)) if c.isspace())
_EDGE = f"^[{_SPACE}]|[{_SPACE}]$"
_STRIP = f"^[{_SPACE}]+|[{_SPACE}]+$"


class NeedsReader(Exception):
    """The source needs :func:`kamresearch.read_transactions`' decisions (the reason)."""


class Raw:
    """A scanned source: its columns (plus :data:`ROW`) as an Ibis table.

    ``label`` turns :data:`ROW` values into the row labels of messages; ``info``
    starts the quality summary (``format``, ``sha256``).
    """

    def __init__(self, table, info, label, small=None):
        self.table, self.info, self.label = table, info, label
        self.small = small or (lambda expr: expr)

    def materialise(self, expr):
        """A small result (the rows of duplicate lines) computed once, as a table of the
        same backend; by default the expression itself (recomputed where used)."""
        return self.small(expr)


def _ibis():
    import ibis

    return ibis


# --------------------------------------------------------------------------- values


def _text(col, dtype, *, ids):
    """A column as stripped text (NULL when empty), as :func:`kamresearch.io.values._text`."""
    ibis = _ibis()
    if dtype.is_string():
        t = _strip(col)
        if ids:  # 13085.0 -> 13085, tested on the cell itself (spaces around allowed)
            whole = f"^[{_SPACE}]*([+-]?\\d+)\\.0+[{_SPACE}]*$"
            dotted = col.contains(".").ifelse(col.re_search(whole), False)
            t = dotted.ifelse(col.re_extract(whole, 1), t)
        return t.nullif("")
    if dtype.is_integer():
        return col.cast("string")
    if dtype.is_floating() or dtype.is_decimal():
        v = col.cast("float64")
        v = v.isnan().ifelse(ibis.null("float64"), v)
        whole = ((v % 1.0) == 0) & (v.abs() < 2.0**63)
        return whole.ifelse(v.cast("int64").cast("string"), v.cast("string"))
    raise NeedsReader(f"a text column holds {dtype}")


def _plain_edges(col):
    """True where the first and the last character are printable ASCII (no space can be
    there): a cheap test that spares most cells the regular expression. Whatever a
    backend's ``ASCII()`` returns for other characters (a code point, a signed first
    byte), it is never in 33..126, so such cells are always tested fully."""
    first, last = col.ascii_str(), col.right(1).ascii_str()
    return (first > 32) & (first < 127) & (last > 32) & (last < 127)


def _strip(col):
    """Text without surrounding whitespace, as Python's ``str.strip()``."""
    # one anchored test per cell (only where the edges are not plain ASCII), the
    # replacement only where it applies; each subexpression appears once (SQL inlines
    # them: nesting would multiply the work)
    edge = _plain_edges(col).ifelse(False, col.re_search(_EDGE))
    return edge.ifelse(col.re_replace(_STRIP, ""), col)


def _distinct(raw_: Raw, d, raw):
    """The distinct values ``r`` of a column with the row of their first line
    (``first``), computed once in the engine (one pass over the lines) and kept as a
    small table for the checks on distinct values below."""
    return raw_.materialise(d.group_by(r=raw).aggregate(first=d[ROW].min()))


def _changed(u, parse) -> int:
    """How many distinct values ``u.r`` the reader's rules change (``parse``)."""
    p = parse(u.r)
    return int(_counts(u, {"n": (p != u.r).fill_null(True) & u.r.notnull()})["n"])


def _spaces(u) -> dict:
    """Distinct text values differing from another only in surrounding spaces, as
    :func:`kamresearch.io.values._space_variants` finds them: ``{raw value: stripped}``,
    in the order of their first line (only the members of such groups are fetched);
    ``u``: :func:`_distinct`."""
    u = u.filter(u.r.notnull()).mutate(s=_strip(u.r))
    u = u.filter(u.s != "")
    groups = u.group_by("s").aggregate(n=u.count())
    groups = groups.filter(groups.n > 1).select("s")
    hit = u.semi_join(groups, "s").order_by("first").select("r", "s").to_pyarrow().to_pydict()
    return dict(zip(hit["r"], hit["s"], strict=True))


def _apart(raw, text, spaced, merge):
    """Values differing only in surrounding spaces keep their spaces unless ``merge``
    (:func:`kamresearch.io.read._apart`)."""
    if merge or not spaced:
        return text
    return raw.isin(list(spaced)).ifelse(raw, text)


def _number(col, dtype):
    """(value, not-a-number mask) of a typed number column, as :func:`.values._numbers`."""
    ibis = _ibis()
    v = col.cast("float64")
    if dtype.is_floating():
        nan = v.isnan().fill_null(False)
        inf = v.isinf().fill_null(False)
        v = nan.ifelse(ibis.null("float64"), v)
        return v, inf | (v.abs() > MAX_NUMBER).fill_null(False)
    return v, (v.abs() > MAX_NUMBER).fill_null(False)


def _numeric(dtype) -> bool:
    return dtype.is_integer() or dtype.is_floating() or dtype.is_decimal()


def _check_types(schema_, cols, src):
    """Raise NeedsReader for a column the engine cannot take as it is."""
    for key, column in cols.items():
        if not column:
            continue
        dtype = schema_[column]
        if key == "date":
            if dtype.is_date() or (dtype.is_timestamp() and dtype.timezone is None):
                continue
            raise NeedsReader(f"the dates ({column!r}) are {dtype}")
        if key in _NUMBERS:
            if not (_numeric(dtype) or dtype.is_boolean()):
                raise NeedsReader(f"the numbers of {column!r} are {dtype}")
        elif key in (*_IDS, "region"):
            if not (dtype.is_string() or _numeric(dtype)):
                raise NeedsReader(f"the ids or regions of {column!r} are {dtype}")


# --------------------------------------------------------------------------- the rules


def canonical(raw: Raw, mapping, opts, src):
    """(canonical lines with :data:`ROW`, quality summary, heavy) of a scanned source.

    ``heavy``: the lines expression still does text work on every line (customer
    ids or regions the rules change): worth writing the lines once rather than
    redoing it in every query.

    ``opts``: the reading options of :func:`kamresearch.read_transactions`
    (``keep_duplicates``, ``unit``, ``basis``, ``returns_from``, ``unify_ids``,
    ``unify_regions``, ``outlying_dates``) and ``today``.
    """
    ibis = _ibis()
    t, info = raw.table, raw.info
    names = [c for c in t.columns if c != ROW]
    _header(names, src)
    cols = resolve(names, mapping, src, (), basis=opts["basis"])
    notes = cols.notes
    if notes["tax"] or any(notes["rivals"].values()):
        raise NeedsReader("two columns could serve one role, or a tax column")
    if opts["returns_from"] or remark_column([c for c in names if c not in cols.values()]):
        raise NeedsReader("a remark column may mark returns")
    sch = t.schema()
    _check_types(sch, cols, src)
    texts = [c for c in names if sch[c].is_string()]
    n_read = t.count().to_pyarrow().as_py()  # a Parquet file's metadata: no pass
    if not n_read:
        raise DataError("the data has no lines", source=src, fix="pass a table with lines")
    if any(sch[c].is_boolean() for k, c in cols.items() if c and k in _NUMBERS):
        # a true/false number column is refused below, before the one pass: total
        # rows (the reader's first rule) are looked for first, on their own
        if _counts(t, {"totals": _totals(t, texts)})["totals"]:
            raise NeedsReader("total rows (合计, Total ...) to exclude")
    info["lines_read"] = n_read
    keep_dup = opts["keep_duplicates"]
    d, n_dup = t, 0
    if not keep_dup:
        drop = _duplicates(raw, t, names)
        n_dup = drop.count().to_pyarrow().as_py()
        if n_dup:
            d = t.anti_join(drop, ROW)
    n_d = n_read - n_dup

    # parsed columns (expressions; the reader's order of checks follows below)
    out, sci = {}, {}
    for key in _IDS:
        if cols.get(key):
            out[key] = _text(d[cols[key]], sch[cols[key]], ids=True)
            if sch[cols[key]].is_string():  # on the cell (spaces around allowed): no nesting
                sci[key] = _scientific(d[cols[key]])
    bad = {}
    for key in _NUMBERS:
        if cols.get(key) and not sch[cols[key]].is_boolean():
            out[key], bad[key] = _number(d[cols[key]], sch[cols[key]])
    for key in _NUMBERS:  # true/false is not a number: refused before anything is counted
        column = cols.get(key)
        if column and sch[column].is_boolean():
            _refuse_booleans(d, raw, key, column, src, cols, sci)
    amount = out["amount"] if cols["amount"] else out["quantity"] * out["unit_price"]
    money = cols["amount"] or cols["unit_price"]
    unit, factor, unit_from = amount_unit(opts["unit"], money, None)
    scaled = amount * factor if factor != 1 else amount
    date = d[cols["date"]].cast("timestamp")
    # distinct values: customer ids that differ only in case / leading zeros, regions
    id_raw, id_type = d[cols["customer_id"]], sch[cols["customer_id"]]
    u_ids = _distinct(raw, d, id_raw)
    if "customer_id" in sci and not _counts(u_ids, {"n": _scientific(u_ids.r)})["n"]:
        del sci["customer_id"]  # no id in scientific notation: no test on every line
    spaced = _spaces(u_ids) if id_type.is_string() else {}
    out["customer_id"] = _apart(id_raw, out["customer_id"], spaced, opts["unify_ids"])

    def parse_id(c, spaced=spaced):
        return _apart(c, _text(c, id_type, ids=True), spaced, opts["unify_ids"])

    id_found = _customer_variants(u_ids, parse_id)
    # ids the rules change (spaces, 13085.0, empty): none -> the source's own cells
    same = set()
    if id_type.is_string() and not _changed(u_ids, parse_id):
        same.add(cols["customer_id"])
    id_found["spaces"] = spaced
    if opts["unify_ids"] and id_found.get("mapping"):
        out["customer_id"] = out["customer_id"].substitute(id_found["mapping"])
    elif cols["customer_id"] in same:
        out["customer_id"] = id_raw  # no text work on any line, here or later
    plain_ids = out["customer_id"] is id_raw  # the source's cells, as they are
    keep = out["customer_id"].notnull()
    if cols.get("region"):
        raw_region = d[cols["region"]]
        region_text = _text(raw_region, sch[cols["region"]], ids=False)
        u_regions = _distinct(raw, d, raw_region)
        spaced = _spaces(u_regions) if sch[cols["region"]].is_string() else {}
        region_text = _apart(raw_region, region_text, spaced, opts["unify_regions"])
        region_type = sch[cols["region"]]

        def parse_region(c, spaced=spaced):
            return _apart(c, _text(c, region_type, ids=False), spaced, opts["unify_regions"])

        region, region_found, finish_region = _regions(
            u_regions, region_text, parse_region, opts["unify_regions"]
        )
        if region_type.is_string() and not _changed(u_regions, parse_region):
            same.add(cols["region"])
            region_text = raw_region
            region = finish_region(raw_region)
        region_found["spaces"] = spaced
        blank = region_text.isnull()
        # the regions of all the lines, on the distinct raw regions (a count distinct
        # over every line costs more than the rest of the pass)
        final = finish_region(parse_region(u_regions.r))
        n_regions = _counts(u_regions, {}, n=final.nunique())["n"]
    else:
        region, region_found, blank = ibis.literal(schema.ALL_REGIONS), None, None
    # one pass: every check's count, and the summary of the lines kept
    conds = {f"sci_{k}": v for k, v in sci.items()}
    conds.update({f"bad_{k}": v & keep for k, v in bad.items()})
    if cols["amount"]:
        conds["empty_amount"] = out["amount"].isnull() & ~bad["amount"] & keep
    else:
        for key in ("quantity", "unit_price"):
            conds[f"empty_{key}"] = out[key].isnull() & ~bad[key] & keep
        conds["big"] = ~(amount.abs() <= MAX_NUMBER).fill_null(True) & keep
    conds["empty_date"] = date.isnull() & keep
    conds["no_id"] = ~keep
    # total rows: the reader's first rule, counted in the same pass (on the lines
    # left after dropping duplicates: a total row repeated is still there once)
    # (the customer id and region columns on their distinct values, computed above)
    distinct = {cols["customer_id"]: u_ids}
    if cols.get("region"):
        distinct[cols["region"]] = u_regions
    for column, u in distinct.items():
        if column in texts and _counts(u, {"n": _totals(u, ["r"])})["n"]:
            raise NeedsReader("total rows (合计, Total ...) to exclude")
    conds["totals"] = _totals(d, [c for c in texts if c not in distinct])
    later = ibis.literal(opts["today"] + pd.Timedelta(days=1))
    # every parsed value computed once per line (a projection), then read by the passes
    new = {"__cid": out["customer_id"], "__keep": keep, "__date": date, "__amount": scaled}
    new.update(__amount0=amount, __region=region)
    if blank is not None:
        new["__blank"] = blank
    new.update({f"__c_{k}": v for k, v in conds.items()})
    d = d.mutate(**new)
    conds = {k: d[f"__c_{k}"] for k in conds}
    keep, date, scaled, amount, region = (
        d[c] for c in ("__keep", "__date", "__amount", "__amount0", "__region")
    )
    out["customer_id"], blank = d["__cid"], (d["__blank"] if blank is not None else None)
    parts = (out["customer_id"], date, scaled, region, blank, later)
    aggregates = _summary(keep, *parts)
    if plain_ids:  # the distinct ids are at hand: no distinct count over the lines
        del aggregates["s_customers"]
    regions = aggregates.pop("s_regions", None)
    counts = _counts(d, conds, lost=scaled.sum(where=~keep), **aggregates)
    if plain_ids:
        counts["s_customers"] = _counts(u_ids, {"n": u_ids.r.notnull()})["n"]
    if regions is not None:  # every line kept: the regions of all lines; else counted
        kept_all = not counts["no_id"]
        counts["s_regions"] = n_regions if kept_all else _counts(d, {}, n=regions)["n"]
    if counts["totals"]:
        raise NeedsReader("total rows (合计, Total ...) to exclude")
    if n_dup and (not cols.get("invoice_id") or n_dup / n_read >= 0.01):
        row = drop[ROW].min().to_pyarrow().as_py()
        message = duplicates_warning(
            n_dup, n_dup / n_read, raw.label([row])[0], not cols.get("invoice_id")
        )
        _warn(info, message, src)

    def examples(cond, value, n=5):
        got = d.filter(cond).order_by(ROW).select(ROW, __value__=value).limit(n)
        got = got.to_pyarrow().to_pydict()
        return list(zip(raw.label(got[ROW]), got["__value__"], strict=True))

    def stop(cond, column, what, fix, value=None):
        rows = examples(conds[cond], d[column] if value is None else value)
        fail_rows(src, column, what, counts[cond], rows, fix)

    if counts.get("sci_customer_id"):
        stop("sci_customer_id", cols["customer_id"], *SCIENTIFIC_ID)
    column = cols["customer_id"]
    _read._report_variants(id_found, "customer_id", column, src, info, opts["unify_ids"])
    for key in _NUMBERS:
        if counts.get(f"bad_{key}"):
            stop(f"bad_{key}", cols[key], *not_a_value(key, cols[key]))
    if counts.get("empty_amount"):
        stop("empty_amount", cols["amount"], *empty_value("amount"))
    for key in ("quantity", "unit_price"):
        if counts.get(f"empty_{key}"):
            stop(f"empty_{key}", cols[key], *empty_value(key))
    if counts.get("big"):
        column = f"{cols['quantity']} * {cols['unit_price']}"
        what, fix = big_product()
        fail_rows(src, column, what, counts["big"], examples(conds["big"], amount), fix)
    if counts.get("empty_date"):
        stop("empty_date", cols["date"], *empty_value("date"))
    info["time_zone"] = None
    odd = _outlying(d, date, keep, cols["date"], src, info, opts["outlying_dates"], examples)
    if odd is not None:  # lines left out: the summary once more, without them
        keep = keep & ~odd
        counts.update(_counts(d, {}, **_summary(keep, *parts)))
    if region_found is not None:
        found, column = region_found, cols["region"]
        _read._report_variants(found, "region", column, src, info, opts["unify_regions"])
    else:
        info["region_variants"] = 0
    for key in ("invoice_id", "product_id"):
        if counts.get(f"sci_{key}"):
            stop(f"sci_{key}", cols[key], *SCIENTIFIC_ID)
    extras = [k for k in cols if k not in ORDER and cols[k]]
    for key in extras:
        c = d[cols[key]]
        out[key] = _text(c, sch[cols[key]], ids=False) if sch[cols[key]].is_string() else c
    if cols["amount"] and sch[cols["amount"]].is_floating() and factor == 1:
        # every kept line's amount passed the checks above (a number, not NaN, not
        # infinite): the source's own cells, no test on every line in later queries
        scaled = d[cols["amount"]].cast("float64")
    out["amount"], out["date"], out["region"] = scaled, date, region
    # customer ids and regions the rules left as they are are the source's own cells
    # (above), so no later query repeats the text rules on every line; the other text
    # columns keep their parsed expressions (a cheap test per cell, in the queries
    # that read them)
    # (duplicate lines left out cost each query an anti-join on the few rows dropped,
    # kept in the engine: cheap beside writing every line once more)
    heavy = any(
        cols.get(k) and sch[cols[k]].is_string() and cols[k] not in same
        for k in ("customer_id", "region")
    )
    order = [*(k for k in ORDER if k in out), *extras]
    every = odd is None and not counts["no_id"]  # every line kept: no filter to apply
    lines = (d if every else d.filter(keep)).select(**{k: out[k] for k in order}, **{ROW: d[ROW]})
    summary = {k[2:]: v for k, v in counts.items() if k.startswith("s_")}
    if not summary["lines"]:
        raise no_line_left(n_d, src, cols["customer_id"])
    if not cols.get("region"):
        summary.update(regions=1, lines_without_region=0)
    if summary["future_dates"]:
        f = lines.filter(lines.date >= later)
        when = f.order_by(ROW).select("date").limit(1).to_pyarrow().to_pylist()[0]["date"]
        _warn(info, future_warning(summary["future_dates"], opts["today"], pd.Timestamp(when)), src)
    similar = []
    if notes["customer_from"] == "name":
        names_ = lines.group_by("customer_id").aggregate(first=lines[ROW].min()).order_by("first")
        similar = similar_names(names_.customer_id.to_pyarrow().to_pylist())
        if similar:
            _warn(info, similar_names_warning(similar), src)
    stamp = {k: pd.Timestamp(summary[k]) for k in ("date_min", "date_max")}
    info.update(
        total_rows=0,
        total_rows_amount=0.0,
        total_example=None,
        duplicates_dropped=n_dup,
        lines_without_customer=counts["no_id"],
        revenue_without_customer=float(counts["lost"] or 0.0),
        lines=summary["lines"],
        net_revenue=float(summary["net_revenue"] or 0.0),
        returns=summary["returns"],
        returns_amount=float(summary["returns_amount"] or 0.0),
        zero_amount_lines=summary["zero_amount_lines"],
        customers=summary["customers"],
        regions=summary["regions"],
        lines_without_region=summary["lines_without_region"],
        date_min=stamp["date_min"],
        date_max=stamp["date_max"],
        future_dates=summary["future_dates"],
        returns_flagged=0,
        returns_from=None,
        customer_from=notes["customer_from"],
        likely_duplicate_names=[" / ".join(g) for g in similar],
        today=opts["today"],
        decimal=None,
        date_order="typed",
        amount_from="column" if cols["amount"] else "quantity * unit_price",
        amount_basis=notes["amount_basis"],
        unit=unit,
        unit_factor=factor,
        unit_from=unit_from,
        unify_ids=bool(opts["unify_ids"]),
        unify_regions=bool(opts["unify_regions"]),
        columns={k: cols[k] for k in [*ORDER, *extras] if cols.get(k)},
        column_choices=notes["choices"],
        keep_duplicates=bool(keep_dup),
    )
    info.setdefault("warnings", [])
    quality = {"source": src, **{k: info.get(k) for k in _read._KEYS}}
    return lines, quality, heavy or bool(opts["unify_ids"])


def _refuse_booleans(d, raw, key, column, src, cols, sci):
    """The reader's error for a true/false number column (after a customer-id error)."""
    if "customer_id" in sci:
        n = _counts(d, {"sci": sci["customer_id"]})["sci"]
        if n:
            c = cols["customer_id"]
            got = d.filter(sci["customer_id"]).order_by(ROW).select(ROW, v=d[c]).limit(5)
            got = got.to_pyarrow().to_pydict()
            rows = zip(raw.label(got[ROW]), got["v"], strict=True)
            fail_rows(src, c, SCIENTIFIC_ID[0], n, rows, SCIENTIFIC_ID[1])
    head = d.order_by(ROW).select(ROW, __value__=d[column]).limit(3).to_pyarrow().to_pydict()
    raise boolean_numbers(
        key, column, src, zip(raw.label(head[ROW]), head["__value__"], strict=True)
    )


def _summary(keep, customer, date, amount, region, blank, later) -> dict:
    """Aggregates (keys ``s_*``) of the quality summary over the lines kept."""
    ibis = _ibis()
    one = ibis.literal(1)

    def n(cond):
        return cond.ifelse(one, 0).sum()

    out = {
        "s_lines": n(keep),
        "s_net_revenue": amount.sum(where=keep),
        "s_returns": n(keep & (amount < 0)),
        "s_returns_amount": amount.sum(where=keep & (amount < 0)),
        "s_zero_amount_lines": n(keep & (amount == 0)),
        "s_customers": customer.nunique(where=keep),
        "s_date_min": date.min(where=keep),
        "s_date_max": date.max(where=keep),
        "s_future_dates": n(keep & (date >= later)),
    }
    if blank is not None:
        out["s_regions"] = region.nunique(where=keep)
        out["s_lines_without_region"] = n(keep & blank)
    return out


#: A cell without any of these can be neither a number in scientific notation nor a
#: total row's label: the one cheap test per text cell before either regex.
_MAY = "(?i)[+计页]|结转|余额|total|sum|forward"


def _scientific(col):
    """Ibis: True on a text cell holding a number in scientific notation (``1.2E+10``,
    spaces around allowed), the reader's ``SCIENTIFIC_ID`` rule."""
    pattern = f"^[{_SPACE}]*{_SCIENTIFIC[1:-1]}[{_SPACE}]*$"
    return col.re_search(_MAY).ifelse(col.re_search(pattern), False).fill_null(False)


def _totals(t, texts):
    """True on a line with a total, subtotal or carried-forward cell in any text column
    (the reader's ``_TOTAL`` rule)."""
    ibis = _ibis()
    total = ibis.literal(False)
    for c in texts:  # the regex only on cells with one of the words it looks for
        may = t[c].re_search(_MAY)
        hit = may.ifelse(_strip(t[c]).re_search("(?i)" + _TOTAL.pattern), False)
        total = total | hit.fill_null(False)
    return total


#: Up to this many pairs of lines sharing a hash are compared by their row numbers (a
#: filter the Parquet reader applies before reading the other cells); beyond it, or
#: with three or more lines to a hash, the lines are found by their hash again.
_PAIRS_MAX = 5_000


def _line_hash(t, names):
    """Ibis: one 64-bit hash of the cells ``names`` of each line."""
    return _ibis().struct({c: t[c] for c in names}).hash()


def _duplicates(raw: Raw, t, names):
    """The rows (:data:`ROW`) of exact duplicate lines, all but the first of each set,
    as a small table of the engine (:meth:`Raw.materialise`).

    Lines are compared through a hash of all their cells first (one 8-byte key per
    line: one pass, which also notes the first and last row of each hash that
    repeats), then exactly, cell by cell, among the few lines whose hash repeats: the
    engine never holds a hash table of whole lines. NULLs compare equal, as in pandas'
    ``duplicated``.
    """
    ibis = _ibis()
    h = _line_hash(t, names)
    s = t.select(__hash__=h, __row__=t[ROW])
    g = s.group_by("__hash__").aggregate(
        __n__=s.count(), __lo__=s.__row__.min(), __hi__=s.__row__.max()
    )
    g = raw.materialise(g.filter(g.__n__ > 1))
    got = _counts(g, {"big": g.__n__ > 2}, groups=g.count())
    if not got["groups"]:
        return raw.materialise(t.select(ROW).limit(0))
    if not got["big"] and got["groups"] <= _PAIRS_MAX:  # pairs: their two rows
        pairs = g.select("__lo__", "__hi__").to_pyarrow().to_pydict()
        rows = sorted({int(r) for r in (*pairs["__lo__"], *pairs["__hi__"])})
        cand = t.filter(t[ROW].isin(rows))
    else:
        cand = t.mutate(__hash__=h).semi_join(g.select("__hash__"), "__hash__")
    rank = ibis.row_number().over(group_by=[cand[c] for c in names], order_by=cand[ROW])
    return raw.materialise(cand.mutate(__rank__=rank).filter(lambda x: x.__rank__ > 0).select(ROW))


def _counts(d, conds, **aggregates) -> dict:
    """How many lines meet each condition, and the other ``aggregates``, in one pass."""
    ibis = _ibis()
    exprs = {k: v.ifelse(ibis.literal(1), 0).sum() for k, v in conds.items()}
    exprs.update(aggregates)
    if not exprs:
        return {}
    got = d.aggregate(**exprs).to_pyarrow().to_pylist()[0]
    return {k: (int(v or 0) if k in conds else v) for k, v in got.items()}


def _customer_variants(u, parse) -> dict:
    """Customer ids differing only in case or leading zeros, found in the engine on the
    distinct raw ids ``u`` (:func:`_distinct`; ``parse``: raw column -> id text; only
    the ids of such groups are fetched), as the reader's ``found`` (see
    ``_report_variants``)."""
    pairs = u.select(id=parse(u.r)).filter(lambda s: s.id.notnull()).distinct()
    digits = pairs.id.re_search(r"^\d+$")
    key = digits.ifelse(pairs.id.re_replace(r"^0+", "").nullif("").fill_null("0"), pairs.id.lower())
    pairs = pairs.mutate(key=key)
    groups = pairs.group_by("key").aggregate(n=pairs.count()).filter(lambda g: g.n > 1)
    hit = pairs.filter(pairs.key.isin(groups.key)).id.to_pyarrow().to_pylist()
    found = {}
    _read._unify(np.array(sorted(hit), dtype=object), found, digits=True, merge=False)
    return found


def _regions(u, region, parse, unify):
    """(region expression, reader's ``found``, the same steps as a function of a text
    column): case variants merged with ``unify``, blank cells labelled
    :func:`kamresearch.schema.blank_region_label`; the distinct raw regions parsed
    (``parse``) in the engine."""
    ibis = _ibis()
    distinct = u.select(v=parse(u.r)).distinct().v.to_pyarrow().to_pylist()
    values = np.array([r for r in distinct if r is not None], dtype=object)
    found = {}
    merged = _read._unify(values, found, digits=False, merge=unify)
    mapping = found.get("mapping") or {}
    if unify and mapping:
        values = merged
    label = None if None not in distinct else schema.blank_region_label(pd.unique(values))

    def finish(expr):
        if unify and mapping:
            expr = expr.substitute(mapping)
        return expr if label is None else expr.fill_null(ibis.literal(label))

    return finish(region), found, finish


def _outlying(d, date, keep, column, src, info, how, examples):
    """Lines dated far from all the others (:mod:`kamresearch.io.dates`), from the lines
    per day: error, drop or keep (the reader's rule and words). The mask, or None."""
    from ..errors import ConfigError

    if how not in ("raise", "drop", "keep"):
        raise ConfigError(f"outlying_dates must be 'raise', 'drop' or 'keep', got {how!r}")
    ok = keep & date.notnull()
    per = d.filter(ok).select(day=date.date()).group_by("day").aggregate(n=lambda s: s.count())
    per = per.order_by("day").to_pyarrow().to_pydict()
    days = np.array(per["day"], dtype="datetime64[D]")
    counts = np.asarray(per["n"], float)
    flag = outlying_days(days.astype(np.int64), counts) if len(days) else np.zeros(0, bool)
    n = int(counts[flag].sum())
    info["outlying_dates"] = n
    info["outlying_dates_dropped"] = n if how == "drop" else 0
    if not n:
        return None
    odd_days = [str(x) for x in days[flag]]
    first, last = pd.Timestamp(days[~flag].min()), pd.Timestamp(days[~flag].max())
    odd = date.date().isin([pd.Timestamp(x).date() for x in odd_days]) & keep
    if how == "raise":
        fail_rows(
            src,
            column,
            outlying_error(odd_days, first, last),
            n,
            examples(odd, d[column]),
            OUTLYING_FIX,
        )
    what = outlying_what(n, odd_days, first, last)
    verb = "left out (outlying_dates='drop')" if how == "drop" else "kept (outlying_dates='keep')"
    _warn(info, f"{what}; {verb}", src)
    return odd if how == "drop" else None
