"""Parsing raw cells into ids, numbers and dates, vectorised, with DataErrors.

Part of :mod:`kamresearch.io` (see its docstring for the accepted formats).
Each parser works once per distinct value and reports failures with example rows.
"""

from __future__ import annotations

import re
import warnings

import numpy as np
import pandas as pd

from ..errors import ConfigError, DataError
from ..schema import MAX_AMOUNT
from .dates import in_zone, split_offsets, zoned_values

# --------------------------------------------------------------------------- parsing


def _by_unique(s: pd.Series, func):
    """Apply ``func(Series of distinct values) -> tuple of arrays`` once per distinct value.

    Returns the arrays expanded back to one value per line, then the missing-value mask.
    """
    codes, uniq = pd.factorize(s, use_na_sentinel=True)
    results = []
    for r in func(pd.Series(uniq)):
        r = np.asarray(r)
        kind = r.dtype.kind
        fill = (
            np.array(["NaT"], r.dtype)
            if kind == "M"
            else np.array([np.nan])
            if kind == "f"
            else np.array([False])
            if kind == "b"
            else np.array([None], dtype=object)
        )
        if kind not in "Mfb":
            r = r.astype(object)
        results.append(np.concatenate([r, fill])[codes])  # code -1 (missing) -> the fill
    return (*results, codes < 0)


def _text(u: pd.Series, ids=False):
    """Distinct values as stripped text (None when empty); ids lose a trailing ``.0``.

    Whole numbers are written with all their digits: int64 ids as they are (never
    through float64, which keeps only 53 bits), float ids as the exact integer the
    float holds (``1.2345678901234568e+16`` -> ``"12345678901234568"``, no ``.0``).
    """
    if u.dtype.kind in "iu":
        t = pd.Series(u.astype(str).to_numpy(), dtype=object)
    elif u.dtype.kind in "fb":
        v = u.to_numpy(float)
        whole = np.isfinite(v) & (v == np.round(v))
        small = whole & (np.abs(v) < 2**53)
        text = np.where(small, np.where(small, v, 0).astype(np.int64).astype(str), u.astype(str))
        t = pd.Series(text, dtype=object)
        big = np.flatnonzero(whole & ~small)
        t.iloc[big] = [str(int(x)) for x in v[big]]  # exact; rare, so a loop is fine
    else:
        t = u.astype(str).str.strip()
        if ids:
            t = t.str.replace(r"^([+-]?\d+)\.0+$", r"\1", regex=True)
    return (t.where(t != "", None).to_numpy(dtype=object),)


# Excel's rendering of a long number it has rounded: 1.23457E+11 (6 significant digits;
# the exponent always signed, two digits or more: codes such as 0E0 or 1E5 are ids)
_SCIENTIFIC = r"^[+-]?\d(?:[.,]\d+)?[eE]\+\d{2,}$"


def _ids(u: pd.Series):
    """Distinct id values -> (text ids, which are Excel scientific notation)."""
    t = _text(u, ids=True)[0]
    if u.dtype == object:
        sci = pd.Series(t, dtype=object).str.contains(_SCIENTIFIC, na=False).to_numpy(bool)
    else:
        sci = np.zeros(len(u), bool)
    return t, sci


def _variants(ids: np.ndarray, *, digits: bool) -> dict[str, str]:
    """Distinct ids that differ only in case (and, with ``digits``, leading zeros).

    Returns ``{variant: representative}`` for every id of such a group, the
    representative being the group's first id in sort order (``"0012583"`` over
    ``"12583"``, ``"ABC"`` over ``"abc"``); an empty dict when there is none.
    Works on the distinct ids only (a few thousand), never on the lines.
    """
    u = pd.Series(pd.unique(pd.Series(ids, dtype=object).dropna()), dtype=object)
    if u.empty:
        return {}
    key = u.str.lower()
    if digits:
        num = u.str.fullmatch(r"\d+").fillna(False).to_numpy(bool)
        key[num] = u[num].str.lstrip("0").replace("", "0")
    size = key.map(key.value_counts())
    if not (size > 1).any():
        return {}
    groups = pd.DataFrame({"id": u[size > 1], "key": key[size > 1]}).sort_values("id")
    first = groups.groupby("key")["id"].transform("first")
    return dict(zip(groups["id"], first, strict=True))


def _space_variants(u: pd.Series) -> dict[str, str]:
    """Distinct text values that differ from another only in surrounding spaces.

    Returns ``{raw value: stripped value}`` for every member of such a group
    (``"AB "``, ``" AB"`` and ``"AB"``: three ids or one?); an empty dict when
    there is none. ``u`` holds distinct raw values (as :func:`_by_unique` passes
    them), so a stripped value seen twice comes from values that differ only in
    surrounding whitespace. Text padded uniformly (every id of a fixed-width
    export) forms no group: stripping it merges nothing.
    """
    text = u[u.map(lambda v: isinstance(v, str)).astype(bool)]
    if text.empty:
        return {}
    stripped = text.str.strip()
    stripped = stripped[stripped != ""]
    size = stripped.map(stripped.value_counts())
    group = stripped[size > 1]
    return dict(zip(text[group.index], group, strict=True))


def _variant_examples(mapping: dict[str, str], n=3) -> str:
    groups: dict[str, list[str]] = {}
    for variant, rep in mapping.items():
        groups.setdefault(rep, []).append(variant)
    shown = [" / ".join(repr(v) for v in vs) for vs in list(groups.values())[:n]]
    return "; ".join(shown)


_NUM_JUNK = r"[\s\u00a0\u202f'’¥￥$€£元]|RMB|CNY|USD|EUR|GBP"


def _number_strings(u: pd.Series) -> pd.Series:
    t = u.astype(str).str.replace(_NUM_JUNK, "", regex=True, flags=re.I)
    t = t.str.replace(r"^\((.*)\)$", r"-\1", regex=True)  # (12.50) accounting negative
    return t.str.replace(r"^([^-].*\d)-$", r"-\1", regex=True)  # 12.50- trailing minus


# Decimal-separator evidence in one text number (after _number_strings).
_COMMA_DECIMAL = r"\d,(?:\d{1,2}|\d{4,})$|\.\d{3},\d|\.\d{3}\.\d{3}|^-?0,\d|^-?\d{4,},\d|^-?,\d"
_DOT_DECIMAL = r"\d\.(?:\d{1,2}|\d{4,})$|,\d{3}\.\d|,\d{3},\d{3}|^-?0\.\d|^-?\d{4,}\.\d|^-?\.\d"
_EITHER = r"^-?\d{1,3}[.,]\d{3}$"  # 1,234 / 2.500: a thousands or a decimal separator


def _decimal(frame, cols, delim, src, decimal=None) -> str:
    """The decimal separator of the file's text numbers ('.' or ',').

    Decided on the evidence of every text value of every number column: a value
    such as ``1,234.50``, ``12,5``, ``0,250`` or ``1.234.567`` shows which
    separator is the decimal one. Values such as ``1,234`` or ``2.500`` (one
    separator, three digits after it) show nothing, and neither does the file's
    delimiter (a ``;`` file from a German Excel has decimal commas, one from a
    database may not): when only such values exist, ``decimal=`` must say, else
    DataError.
    """
    if decimal is not None:
        if decimal not in (".", ","):
            raise ConfigError(f"decimal must be '.' or ',', got {decimal!r}")
        return decimal
    comma = dot = None
    either = []
    for col in cols:
        u = pd.Series(pd.unique(frame[col].dropna()), dtype=object)
        u = u[u.map(lambda v: isinstance(v, str)).astype(bool)]
        t = _number_strings(u)
        c = t[t.str.contains(_COMMA_DECIMAL)]
        d = t[t.str.contains(_DOT_DECIMAL)]
        comma = comma or (None if c.empty else (col, c.iloc[0]))
        dot = dot or (None if d.empty else (col, d.iloc[0]))
        if len(either) < 5:
            e = u[t.str.fullmatch(_EITHER).to_numpy(bool)]
            either += [(col, v) for v in e.iloc[: 5 - len(either)]]
    if comma and dot:
        raise DataError(
            f"numbers use both decimal separators: {dot[1]!r} in {dot[0]!r} has a "
            f"decimal point, {comma[1]!r} in {comma[0]!r} a decimal comma",
            source=src,
            column=comma[0],
            fix="export the numbers with one decimal separator",
        )
    if comma or dot:
        return "," if comma else "."
    if either:
        shown = ", ".join(repr(v) for _, v in either)
        delimited = {";": "semicolon", ",": "comma", "\t": "tab", "|": "pipe"}.get(delim)
        hint = (
            f" (the file is {delimited}-delimited, which does not decide it)" if delimited else ""
        )
        raise DataError(
            f"the decimal separator is ambiguous: values such as {shown} could be "
            f"thousands (1,234 = 1234) or decimals (1,234 = 1.234), and no value in the "
            f"number columns decides it{hint}",
            source=src,
            column=either[0][0],
            fix="pass decimal='.' (1,234.50 style: 1,234 = 1234) or decimal=',' "
            "(1.234,50 style: 1,234 = 1.234); kamresearch report --decimal , likewise",
        )
    return "."


MAX_NUMBER = MAX_AMOUNT  # amounts, quantities and unit prices alike


_DASHES = ["-", "--", "—", "－", "–", "―"]


def _numbers(u: pd.Series, decimal="."):
    """Distinct values as float64, and which of them are not numbers.

    Not numbers: text that does not parse, true/false values, ``inf``/``nan`` and
    values whose absolute value exceeds :data:`MAX_NUMBER`.
    """
    if u.dtype.kind in "fiu":
        v = u.to_numpy(float)
        return v, ~np.isfinite(v) | (np.abs(v) > MAX_NUMBER)
    if u.dtype.kind == "b":  # true/false is not a quantity of money
        return np.full(len(u), np.nan), np.ones(len(u), bool)
    is_str = u.map(lambda v: isinstance(v, str)).to_numpy(dtype=bool)
    is_bool = u.map(lambda v: isinstance(v, bool | np.bool_)).to_numpy(dtype=bool)
    v = pd.to_numeric(u.where(~is_str), errors="coerce").to_numpy(float)
    t = _number_strings(u[is_str])
    if decimal == ",":
        t = t.str.replace(".", "", regex=False).str.replace(",", ".", regex=False)
    else:
        t = t.str.replace(",", "", regex=False)
    t = t.mask(t.isin(_DASHES), "0")  # the accounting zero: "￥-", "-", "—"
    blank = (t == "").to_numpy()
    v[is_str] = pd.to_numeric(t.where(~blank), errors="coerce").to_numpy(float)
    bad = ~np.isfinite(v) | (np.abs(v) > MAX_NUMBER) | is_bool
    bad[np.flatnonzero(is_str)[blank]] = False  # an empty cell is missing, not wrong
    return v, bad


_TIME = (
    r"(?:[ T]+(?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2})(?:[.,](?P<f>\d+))?)?"
    r"\s*(?P<p>[AaPp]\.?[Mm]\.?)?)?\s*$"
)
_YMD = re.compile(
    r"^(?P<y>\d{4})(?:[-/.](?P<m>\d{1,2})[-/.](?P<d>\d{1,2})|年(?P<m2>\d{1,2})月"
    r"(?P<d2>\d{1,2})日?|(?P<m3>\d{2})(?P<d3>\d{2})(?=\s*$))" + _TIME
)
_DMY = re.compile(r"^(?P<a>\d{1,2})[-/.](?P<b>\d{1,2})[-/.](?P<y>\d{4}|\d{2})" + _TIME)


def _assemble(parts: pd.DataFrame, year, month, day) -> np.ndarray:
    """datetime64 values from extracted regex groups (invalid dates -> NaT)."""
    num = parts[["H", "M", "S"]].apply(pd.to_numeric, errors="coerce").fillna(0)
    ampm = parts["p"].fillna("").str.lower().str[:1]
    hour = np.where(ampm == "p", num["H"] % 12 + 12, np.where(ampm == "a", num["H"] % 12, num["H"]))
    micro = pd.to_numeric(parts["f"].fillna("0").str[:6].str.ljust(6, "0"))
    stamp = pd.to_datetime(
        pd.DataFrame(
            {
                "year": year,
                "month": month,
                "day": day,
                "hour": hour,
                "minute": num["M"],
                "second": num["S"],
                "us": micro,
            }
        ),
        errors="coerce",
    )
    return stamp.to_numpy("datetime64[ns]")


def _dates(u: pd.Series, src, dayfirst, tz=None, zones=None):
    """Distinct date values -> (datetime64[ns], not a date, format family of each).

    Zoned values are converted to wall-clock time by the rule of :mod:`.dates`
    (their own, or ``tz``'s); the zones and offsets seen are added to ``zones``.
    """
    zones = [] if zones is None else zones
    if u.dtype.kind == "M":
        if getattr(u.dt, "tz", None) is not None:
            u, seen = zoned_values(u, tz)
            zones += seen
        return u.to_numpy("datetime64[ns]"), np.zeros(len(u), bool), np.full(len(u), "typed")
    out = np.full(len(u), np.datetime64("NaT"), dtype="datetime64[ns]")
    fam = np.full(len(u), "", dtype=object)
    kinds = u.map(
        lambda v: (
            "s" if isinstance(v, str) else "n" if isinstance(v, int | float | np.number) else "t"
        )
    ).to_numpy()
    typed = kinds == "t"
    if typed.any():  # date cells of a workbook, Timestamps of a DataFrame
        cells = u[typed]
        aware = cells.map(lambda v: getattr(v, "tzinfo", None) is not None).to_numpy(bool)
        if aware.any():  # Timestamps with zones in an object column: UTC, then the rule
            stamps = pd.to_datetime(cells[aware], utc=True, errors="coerce")
            offsets = cells[aware].map(lambda v: v.utcoffset().total_seconds() / 60).to_numpy()
            zones += sorted({str(v.tzinfo) for v in cells[aware]})
            wall = stamps.dt.tz_localize(None).to_numpy("datetime64[ns]")
            wall = wall + (offsets * 60e9).astype("m8[ns]")  # each value's own wall clock
            cells = cells.copy()
            cells[aware] = in_zone(wall, offsets, tz) if tz is not None else wall
        out[typed] = pd.to_datetime(cells, errors="coerce").to_numpy("datetime64[ns]")
        fam[typed] = "typed"
    s = pd.Series(u.to_numpy(dtype=object), dtype=object)
    if (kinds == "n").any():  # 20210403 as a number
        s[kinds == "n"] = _text(pd.Series(u[kinds == "n"].to_numpy(float)), ids=True)[0]
    s[typed] = ""
    s = s.astype(str).str.strip()
    todo = ~typed & (s != "").to_numpy()
    iso = todo & (s.str.len() >= 8).to_numpy()
    minutes = np.full(len(s), np.nan)
    if iso.any():  # fast path for machine exports (2021-04-03, 2021-04-03T10:15:00)
        v, plain = _iso(s[iso])
        if not plain:  # zoned, mixed or unparsed values: take UTC offsets apart, try again
            s, minutes, offsets = split_offsets(s)  # 2021-04-03T10:15:00+08:00: wall + offset
            zones += offsets
            v = _iso(s[iso])[0] if offsets else v
        idx = np.flatnonzero(iso)[~np.isnat(v)]
        out[idx], fam[idx], todo[idx] = v[~np.isnat(v)], "year-first", False
    if todo.any():
        out[todo], fam[todo] = _date_strings(s[todo], src, dayfirst)
    serial = np.isnat(out) & ~typed & s.str.fullmatch(r"\d{5}(?:\.\d+)?").to_numpy(dtype=bool)
    if serial.any():  # Excel serial day numbers (44927 = 2023-01-01) in a date column
        days = s[serial].astype(float).to_numpy()
        ok = (days >= 20000) & (days < 80000)  # 1954 to 2119
        idx = np.flatnonzero(serial)[ok]
        out[idx] = np.datetime64("1899-12-30", "ns") + (days[ok] * 86400e9).astype("m8[ns]")
        fam[idx] = "excel-serial"
    zoned = ~np.isnan(minutes) & ~np.isnat(out)
    if tz is not None and zoned.any():
        out[zoned] = in_zone(out[zoned], minutes[zoned], tz)
    bad = np.isnat(out) & ((s != "").to_numpy() | typed)
    return out, bad, fam


def _iso(s: pd.Series) -> tuple[np.ndarray, bool]:
    """ISO 8601 strings -> (naive datetime64[ns] or NaT, all parsed without a zone)."""
    try:
        with warnings.catch_warnings():  # mixed offsets: pandas warns, then we split them
            warnings.simplefilter("ignore", FutureWarning)
            v = pd.to_datetime(s, format="ISO8601", errors="coerce")
        aware = v.dt.tz is not None
        v = (v.dt.tz_localize(None) if aware else v).to_numpy("datetime64[ns]")
    except (ValueError, TypeError, OverflowError, AttributeError):  # mixed offsets among them
        return np.full(len(s), np.datetime64("NaT"), dtype="datetime64[ns]"), False
    return v, not aware and not np.isnat(v).any()


def _date_strings(s: pd.Series, src, dayfirst):
    """Date text in any supported format -> (datetime64[ns], family)."""
    out = np.full(len(s), np.datetime64("NaT"), dtype="datetime64[ns]")
    fam = np.full(len(s), "", dtype=object)
    ymd = s.str.extract(_YMD)
    hit = ymd["y"].notna().to_numpy()
    if hit.any():
        p = ymd[hit]
        month = p["m"].fillna(p["m2"]).fillna(p["m3"]).astype(int)
        day = p["d"].fillna(p["d2"]).fillna(p["d3"]).astype(int)
        out[hit] = _assemble(p, p["y"].astype(int), month, day)
        fam[hit] = "year-first"
    dmy = s.str.extract(_DMY)
    dm = dmy["a"].notna().to_numpy() & ~hit
    if dm.any():
        p = dmy[dm]
        a, b = p["a"].astype(int).to_numpy(), p["b"].astype(int).to_numpy()
        if dayfirst is None:  # decided by a value above 12, else left ambiguous
            evidence = np.where(a > 12, "day-first", np.where(b > 12, "month-first", ""))
            found = set(evidence) - {""}
            if len(found) != 1:  # none, or both: _canonical raises with examples
                fam[dm] = np.where(
                    evidence != "", evidence, np.where(a == b, "day-first", "day/month-ambiguous")
                )
                if found or (a != b).any():
                    return out, fam
            dayfirst = found == {"day-first"}
        y = p["y"].astype(int)
        y = y.where(y >= 100, np.where(y < 69, 2000 + y, 1900 + y))
        out[dm] = _assemble(p, y, b if dayfirst else a, a if dayfirst else b)
        fam[dm] = "day-first" if dayfirst else "month-first"
    rest = ~hit & ~dm & s.str.contains(r"[A-Za-z]{3}").to_numpy()
    if rest.any():  # month names: 3 Apr 2021, April 3, 2021, 03-Apr-21
        try:
            v = pd.to_datetime(s[rest], format="mixed", errors="coerce")
            out[rest] = v.to_numpy("datetime64[ns]")
        except (ValueError, TypeError, OverflowError):
            pass
        fam[rest] = "month-name"
    return out, fam
