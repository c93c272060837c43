"""Which source column holds which canonical column: mapping, aliases and choices.

Part of :mod:`kamresearch.io`. :func:`resolve` applies a mapping (preset or dict),
recognises the other columns from :data:`~kamresearch.io.aliases.ALIASES`, and
decides between columns that could serve one role: a customer code before a
customer name, the VAT-exclusive amount before the VAT-inclusive one (or the
reverse with ``amount_basis="gross"``), and says each choice in words
(``column_choices`` in the quality summary).
"""

from __future__ import annotations

import numpy as np

from ..errors import ConfigError, DataError
from .aliases import (
    ALIASES,
    ATTRIBUTE_ALIASES,
    CUSTOMER_CODES,
    CUSTOMER_NAMES,
    REMARKS,
    TAX,
    amount_basis,
    norm,
)
from .values import _by_unique, _numbers, _text

__all__ = ["PRESETS", "ATTRIBUTES", "ORDER", "resolve", "remark_column", "compare"]

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
#: Attribute columns kept (under these names) when present, even without a mapping.
ATTRIBUTES = tuple(ATTRIBUTE_ALIASES)  # owner, channel, industry, segment
ORDER = (
    "customer_id",
    "date",
    "amount",
    "region",
    "invoice_id",
    "product_id",
    "quantity",
    "unit_price",
)
BASES = ("net", "gross")


class _Columns(dict):
    """canonical name -> source column, with ``notes`` (choices, basis, tax column)."""

    notes: dict


def _candidates(columns, aliases, used) -> list[str]:
    """Columns whose header is one of ``aliases``, in alias order, then column order."""
    rank = {norm(a): i for i, a in reversed(list(enumerate(aliases)))}
    hits = [(rank[norm(c)], j, c) for j, c in enumerate(columns) if norm(c) in rank]
    return [c for _, _, c in sorted(hits) if c not in used]


def _mapping(mapping) -> dict:
    if mapping is None:
        return {}
    if isinstance(mapping, str):
        if mapping not in PRESETS:
            raise ConfigError(f"unknown mapping preset {mapping!r}; presets: {sorted(PRESETS)}")
        return PRESETS[mapping]
    if not isinstance(mapping, dict):
        raise ConfigError(f"mapping must be a preset name or a dict, got {type(mapping).__name__}")
    return mapping


def resolve(columns: list[str], mapping, src, skipped=(), *, basis="net", strict=True) -> dict:
    """canonical/extra name -> source column (None when absent), with ``.notes``.

    ``notes``: ``customer_from`` (``"code"``, ``"name"`` or ``"mapping"``),
    ``amount_basis`` (``"net"``, ``"gross"``, ``"not stated"`` or ``"as mapped"``),
    ``tax`` (the tax column subtracted from a gross amount, or None), ``choices``
    (sentences), ``rivals`` (role -> other columns that could serve it, to compare).
    With ``strict=False`` a missing role gives None instead of a DataError.
    """
    if basis not in BASES:
        raise ConfigError(f"amount_basis must be 'net' or 'gross', got {basis!r}")
    mapping = _mapping(mapping)
    by_norm: dict[str, str] = {}
    for c in columns:
        by_norm.setdefault(norm(c), c)
    out = _Columns()
    notes = {"customer_from": None, "amount_basis": None, "tax": None, "choices": [], "rivals": {}}
    out.notes = notes
    for key, value in mapping.items():
        if not isinstance(key, str) or not key:
            raise ConfigError(f"mapping keys are canonical or attribute names, got {key!r}")
        if value is None:
            out[key] = None
            continue
        options = [str(o) for o in (value if isinstance(value, list | tuple) else [value])]
        hit = next((o for o in options if o in columns), None)
        hit = hit or next((by_norm[norm(o)] for o in options if norm(o) in by_norm), None)
        if hit is None:
            raise DataError(
                f"the mapping puts {key!r} in column {' or '.join(map(repr, options))}, which "
                f"is not in the data; columns found: {columns}",
                source=src,
                column=options[0],
                fix="correct the mapping to one of the columns found",
            )
        out[key] = hit
    used = {v for v in out.values() if v}
    choose = {"customer_id": _customer, "amount": _amount, "unit_price": _price}
    for key in ORDER:
        if key in out:
            if key == "customer_id":
                notes["customer_from"] = "mapping"
            if key == "amount" and out[key]:
                notes["amount_basis"] = amount_basis(out[key]) or "as mapped"
            continue
        if key in choose:
            out[key] = choose[key](columns, used, notes, basis, src)
        else:
            found = _candidates(columns, ALIASES[key], used)
            out[key] = found[0] if found else None
            _note_rivals(notes, key, found)
        if out[key]:
            used.add(out[key])
    for key in ATTRIBUTES:  # well-known attribute columns are kept without a mapping
        if key not in out:
            found = _candidates(columns, ATTRIBUTE_ALIASES[key], used)
            if found:
                out[key] = found[0]
                used.add(found[0])
                _note_rivals(notes, key, found)
    missing = [k for k in ("customer_id", "date") if out[k] is None]
    if out["amount"] is None and not (out["quantity"] and out["unit_price"]):
        missing.append("amount")
    if missing and strict:
        _missing(out, missing, columns, src, skipped)
    return out


def _note_rivals(notes, key, found):
    if len(found) > 1:
        label = key.replace("_", " ")
        others = ", ".join(map(repr, found[1:]))
        notes["choices"].append(f"{label}: column {found[0]!r} used; also found {others}")
        same = [c for c in found[1:] if norm(c) == norm(found[0])]
        if same:
            notes["rivals"][key] = same


def _customer(columns, used, notes, basis, src):
    codes = _candidates(columns, CUSTOMER_CODES, used)
    names = _candidates(columns, CUSTOMER_NAMES, used)
    if codes:
        notes["customer_from"] = "code"
        if len(codes) > 1:
            _note_rivals(notes, "customer_id", codes)
        if names:
            notes["choices"].append(
                f"customer: the code column {codes[0]!r} is the customer id, not the names "
                f"in {names[0]!r}"
            )
        return codes[0]
    if names:
        notes["customer_from"] = "name"
        _note_rivals(notes, "customer_id", names)
        return names[0]
    return None


def _amount(columns, used, notes, basis, src):
    found = _candidates(columns, ALIASES["amount"], used)
    if not found:
        return None
    kinds = {b: [c for c in found if amount_basis(c) == b] for b in (*BASES, None)}
    net, gross, plain = kinds["net"], kinds["gross"], kinds[None]
    tax = next(iter(_candidates(columns, (*TAX, "金额/税额"), used)), None)
    want, other = (net, gross) if basis == "net" else (gross, net)
    if want:
        chosen, how = want[0], basis
        rest = [c for c in found if c != chosen]
        if rest:
            notes["choices"].append(
                f"amount: {chosen!r} ({_BASIS_WORDS[basis]}) used; not used: "
                + ", ".join(map(repr, rest))
            )
        if len(want) > 1 and norm(want[1]) == norm(chosen):
            notes["rivals"]["amount"] = [want[1]]
    elif plain:
        chosen = plain[0]
        how = basis if other else "not stated"
        if other:
            notes["choices"].append(
                f"amount: {chosen!r} taken as {_BASIS_WORDS[basis]}, since {other[0]!r} is "
                f"{_BASIS_WORDS['gross' if basis == 'net' else 'net']}"
            )
        elif len(plain) > 1:
            notes["choices"].append(
                f"amount: column {chosen!r} used; also found " + ", ".join(map(repr, plain[1:]))
            )
        notes["rivals"]["amount"] = plain[1:]
    elif basis == "net" and tax:
        chosen, how = other[0], "net"
        notes["tax"] = tax
        notes["choices"].append(
            f"amount: net of VAT computed as {chosen!r} minus the tax column {tax!r}"
        )
    elif basis == "gross" and tax:
        chosen, how = other[0], "gross"
        notes["tax"] = tax
        notes["choices"].append(f"amount: VAT included, computed as {chosen!r} plus {tax!r}")
    else:
        raise DataError(
            f"the only amount column, {other[0]!r}, is {_BASIS_WORDS[_flip(basis)]}, and "
            f"revenue is read {_BASIS_WORDS[basis]}",
            source=src,
            column=other[0],
            fix=f"pass amount_basis={_flip(basis)!r} to use it as it is (say so in the report), "
            f"or export the {'无税金额 (net)' if basis == 'net' else '价税合计 (gross)'} column too",
        )
    notes["amount_basis"] = how
    return chosen


def _flip(basis):
    return "gross" if basis == "net" else "net"


_BASIS_WORDS = {"net": "net of VAT", "gross": "VAT included", None: "basis not stated"}


def _price(columns, used, notes, basis, src):
    found = _candidates(columns, ALIASES["unit_price"], used)
    if not found:
        return None
    pref = [c for c in found if amount_basis(c) == basis] or [
        c for c in found if amount_basis(c) is None
    ]
    return (pref or found)[0]


def remark_column(columns) -> str | None:
    """The first remark column (摘要, 备注, 业务类型 …) that may mark returns."""
    found = _candidates(columns, REMARKS, set())
    return found[0] if found else None


def _missing(out, missing, columns, src, skipped):
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
        + (f"; sheets skipped: {list(skipped)} - pass sheet=... to read one" if skipped else "")
        + "; if the header is not the row read as the header, pass header_row=<its row number>",
    )


def compare(key, chosen, others, sub, keep, decimal, notes, src):
    """Refuse when two columns that could serve one role hold different values."""
    ids = key != "amount"

    def parse(col):
        if ids:
            return _by_unique(sub[col], lambda u: _text(u, ids=True))[0]
        return _by_unique(sub[col], lambda u: _numbers(u, decimal))[0]

    mine = parse(chosen)
    for other in others:
        theirs = parse(other)
        if ids:
            differ = (mine != theirs) & keep
        else:
            differ = ~np.isclose(mine, theirs, rtol=0, atol=0.005, equal_nan=True) & keep
        if differ.any():
            i = int(np.argmax(differ))
            raise DataError(
                f"two columns could be the {key.replace('_', ' ')}, {chosen!r} and {other!r}, "
                f"and they differ on {int(differ.sum()):,} line(s) (first: {_cell(mine[i])} vs "
                f"{_cell(theirs[i])})",
                source=src,
                column=chosen,
                fix=f"say which one: mapping={{{key!r}: {chosen!r}}} or "
                f"mapping={{{key!r}: {other!r}}}",
            )
        notes["choices"].append(
            f"{key.replace('_', ' ')}: {chosen!r} and {other!r} hold the same values; "
            f"{chosen!r} used"
        )


def _cell(value) -> str:
    return repr(value.item() if hasattr(value, "item") else value)
