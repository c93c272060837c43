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

The rules on single cells are Ibis expressions in :mod:`kamresearch.engine.cells`;
the passes over the lines (counts, distinct values, exact duplicates, outlying
dates) are in :mod:`kamresearch.engine.line_checks`; this module strings them
together in the reader's order.
"""

from __future__ import annotations

import pandas as pd

from .. import schema
from ..errors import DataError
from ..io import read as _read
from ..io.columns import ORDER, remark_column, resolve
from ..io.ledger import amount_unit, similar_names
from ..io.messages import (
    SCIENTIFIC_ID,
    big_product,
    duplicates_warning,
    empty_value,
    fail_rows,
    future_warning,
    no_line_left,
    not_a_value,
    similar_names_warning,
)
from ..io.raw import _header, _warn
from ..io.values import MAX_NUMBER
from .cells import _apart, _ibis, _number, _scientific, _text, _totals
from .line_checks import (
    _IDS,
    _NUMBERS,
    ROW,
    NeedsReader,
    Raw,
    _changed,
    _check_types,
    _counts,
    _customer_variants,
    _distinct,
    _duplicates,
    _outlying,
    _refuse_booleans,
    _regions,
    _spaces,
    _summary,
)

__all__ = ["ROW", "NeedsReader", "Raw", "canonical"]


# --------------------------------------------------------------------------- values


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
