"""The passes of the scan's validation over the lines: counts, distinct values,
exact duplicates, variants, outlying dates.

:func:`kamresearch.engine.ingest.canonical` strings these together. Each pass is
one query in the engine; only counts, the distinct values of a column and a few
example rows come back to Python.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .. import schema
from ..io import read as _read
from ..io.dates import outlying_days
from ..io.messages import (
    OUTLYING_FIX,
    SCIENTIFIC_ID,
    boolean_numbers,
    fail_rows,
    outlying_error,
    outlying_what,
)
from ..io.raw import _warn
from .cells import NeedsReader, _ibis, _numeric, _strip

#: The hidden column that numbers the source lines (their order, and the row labels
#: of messages); never part of the canonical columns.
ROW = "__row__"
_NUMBERS = ("quantity", "unit_price", "amount")
_IDS = ("customer_id", "invoice_id", "product_id")


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


def _counts(d, conds, **aggregates) -> dict:
    """How many lines meet each condition, and the other ``aggregates``, in one pass."""
    ibis = _ibis()
    exprs = {k: v.ifelse(ibis.literal(1), 0).sum() for k, v in conds.items()}
    exprs.update(aggregates)
    if not exprs:
        return {}
    got = d.aggregate(**exprs).to_pyarrow().to_pylist()[0]
    return {k: (int(v or 0) if k in conds else v) for k, v in got.items()}


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
    engine never holds a hash table of whole lines. When every repeated hash has two
    lines and there are at most :data:`_PAIRS_MAX` of them (the usual case), those
    lines are fetched by row number; otherwise they are found by hashing the lines
    again. NULLs compare equal, as in pandas' ``duplicated``.
    """
    ibis = _ibis()
    h = _line_hash(t, names)
    s = t.select(__hash__=h, __row__=t[ROW])
    g = s.group_by("__hash__").aggregate(
        __n__=s.count(), __lo__=s.__row__.min(), __hi__=s.__row__.max()
    )
    repeated = g.filter(g.__n__ > 1)
    # at most _PAIRS_MAX + 1 groups come back: a file full of duplicates costs no memory
    got = repeated.select("__n__", "__lo__", "__hi__").limit(_PAIRS_MAX + 1)
    got = got.to_pyarrow().to_pydict()
    if not got["__n__"]:
        return raw.materialise(t.select(ROW).limit(0))
    if len(got["__n__"]) <= _PAIRS_MAX and max(got["__n__"]) == 2:  # pairs: their two rows
        rows = sorted({int(r) for r in (*got["__lo__"], *got["__hi__"])})
        cand = t.filter(t[ROW].isin(rows))
    else:  # the lines of every repeated hash, found by their hash again
        cand = t.mutate(__hash__=h).semi_join(repeated.select("__hash__"), "__hash__")
    rank = ibis.row_number().over(group_by=[cand[c] for c in names], order_by=cand[ROW])
    return raw.materialise(cand.mutate(__rank__=rank).filter(lambda x: x.__rank__ > 0).select(ROW))


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
