"""Every export of the ERP corpus (tests/erp_corpus.py) read without a mapping.

Each file is read as a new user would: it gives its truth (customers, revenue, first
and last date, computed by the builder from the lines it wrote), or a DataError whose
fix, followed, gives the truth, or a DataWarning whose fix gives the truth. No file may
give other figures without a warning. The corpus is built into a temporary folder
(about 30 small files, 1 s).
"""

from __future__ import annotations

import re
import warnings

import pandas as pd
import pytest
from erp_corpus import EXPORTS

import kamresearch.io.read as kio
from kamresearch import scan_transactions
from kamresearch.errors import DataError, DataWarning
from kamresearch.io import describe_quality, read_transactions


@pytest.fixture(autouse=True)
def _fixed_today(monkeypatch):
    monkeypatch.setattr(kio, "_today", lambda: pd.Timestamp("2025-06-30"))


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    return tmp_path_factory.mktemp("erp")


def _figures(tx) -> dict:
    """The figures of the lines read (from the table itself), which the summary must repeat."""
    lines = tx.to_pandas() if hasattr(tx, "to_pandas") else tx
    got = {
        "customers": lines["customer_id"].nunique(),
        "net_revenue": round(float(lines["amount"].sum()), 2),
        "date_min": lines["date"].min().date(),
        "date_max": lines["date"].max().date(),
        "regions": sorted(lines["region"].unique()),
    }
    q = tx.attrs["quality"]
    assert (q["customers"], q["date_min"].date(), q["date_max"].date()) == (
        got["customers"],
        got["date_min"],
        got["date_max"],
    )
    assert q["net_revenue"] == pytest.approx(got["net_revenue"], abs=0.011)
    return got


def _right(got, want) -> bool:
    return (
        got["customers"] == want["customers"]
        and abs(got["net_revenue"] - want["net_revenue"]) <= 0.011
        and (got["date_min"], got["date_max"]) == (want["date_min"], want["date_max"])
        and got["regions"] == want.get("regions", got["regions"])
    )


def _read(path, **options):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        tx = read_transactions(path, **options)
    return tx, [str(w.message) for w in caught if issubclass(w.category, DataWarning)]


def _assert_right(tx, export):
    got, want = _figures(tx), export.truth
    assert got["customers"] == want["customers"]
    assert got["net_revenue"] == pytest.approx(want["net_revenue"], abs=0.011)
    assert (got["date_min"], got["date_max"]) == (want["date_min"], want["date_max"])
    if "regions" in want:
        assert got["regions"] == want["regions"]


def test_corpus_size_and_styles():
    assert len(EXPORTS) >= 25
    names = " ".join(EXPORTS)
    for style in ("u8", "nc", "k3", "cloud", "sap_b1_english", "sap_b1_chinese", "ledger"):
        assert style in names
    for kind in ("xlsx", "_xls", "html_saved_as_xls", "gbk_csv", "gb18030_csv", "utf8_csv"):
        assert kind in names


@pytest.mark.parametrize("name", sorted(EXPORTS))
def test_export_read_without_mapping(name, folder):
    export = EXPORTS[name](folder)
    before = export.path.read_bytes()
    if export.outcome == "right":
        tx, said = _read(export.path, **export.kwargs)
        _assert_right(tx, export)
        for w in said:  # a right file is only told what its bytes are, never given advice
            assert re.search(r"is not UTF-8|is really (an HTML table|a delimited text)", w), w
        text = "\n".join(describe_quality(tx))
        for topic in ("Header: row", "Customer id: column", "Amount:", "; unit ", "Total rows"):
            assert topic in text
        if tx.attrs["quality"]["format"] == "excel":
            assert "Sheets read: " in text and "; skipped: " in text
        basis = {"net": "net of VAT", "gross": "VAT included", "not stated": "basis not stated"}
        assert basis[tx.attrs["quality"]["amount_basis"]] in text
    elif export.outcome == "error":
        with pytest.raises(DataError, match=export.match) as err:
            read_transactions(export.path, **export.kwargs)
        assert export.says in str(err.value)
        for key, value in export.fix.items():  # the message names the fix to follow
            shown = f"{key}={value!r}" if key != "mapping" else f"mapping={value}"
            assert shown in str(err.value), shown
    else:
        tx, said = _read(export.path, **export.kwargs)
        assert any(re.search(export.match, w) for w in said), said
        for key, value in export.fix.items():
            assert f"{key}={value!r}" in " ".join(said)
    if export.outcome != "right":  # follow the fix: the figures are then right
        if export.refix is not None:
            tx, _ = _read(export.refix(folder))
        else:
            tx, _ = _read(export.path, **{**export.kwargs, **export.fix})
        _assert_right(tx, export)
    assert export.path.read_bytes() == before  # the input is never modified


@pytest.mark.parametrize("name", sorted(EXPORTS))
def test_no_export_is_wrong_without_a_warning(name, folder):
    """Read with no option, a file is right, refused, or warned about - never silently off."""
    export = EXPORTS[name](folder)
    try:
        tx, said = _read(export.path, **export.kwargs)
    except DataError:
        assert export.outcome == "error"
        return
    if not _right(_figures(tx), export.truth):
        assert said, f"{name}: figures differ from the truth and no warning was given"
        assert export.outcome == "warn"


@pytest.mark.parametrize("name", sorted(EXPORTS))
def test_scan_transactions_applies_the_same_rules(name, folder):
    """scan_transactions hands these files to read_transactions: same figures, same errors."""
    export = EXPORTS[name](folder)
    path = export.refix(folder) if export.refix is not None else export.path
    options = {**export.kwargs, **(export.fix if export.refix is None else {})}
    mapping = options.pop("mapping", None)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataWarning)
        if export.outcome == "error":
            with pytest.raises(DataError, match=export.match):
                scan_transactions(export.path, **export.kwargs)
        tx = scan_transactions(path, mapping, **options)
    _assert_right(tx, export)
