"""The reader's rules on cells, as Ibis expressions: text ids and labels, numbers,
numbers in scientific notation, total-row labels.

Each function takes Ibis columns and returns an expression the engine evaluates
where the lines are (:mod:`kamresearch.engine.ingest`); the rules and their words
are those of :func:`kamresearch.read_transactions` (:mod:`kamresearch.io.values`,
:mod:`kamresearch.io.ledger`).
"""

from __future__ import annotations

from ..io.ledger import _TOTAL
from ..io.values import _SCIENTIFIC, MAX_NUMBER


class NeedsReader(Exception):
    """The source needs :func:`kamresearch.read_transactions`' decisions (the reason)."""


#: Python's str.strip() removes every Unicode whitespace (the ideographic space U+3000,
#: no-break space, CR ...); SQL's TRIM only what it is told.
_SPACE = "".join(c for c in map(chr, range(0x3001)) if c.isspace())


_EDGE = f"^[{_SPACE}]|[{_SPACE}]$"


_STRIP = f"^[{_SPACE}]+|[{_SPACE}]+$"


def _ibis():
    import ibis

    return ibis


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
