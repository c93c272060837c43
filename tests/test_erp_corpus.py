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
from kamresearch.errors import DataError, DataWarning
from kamresearch.io import describe_quality, read_transactions


@pytest.fixture(autouse=True)
def _fixed_today(monkeypatch):
    monkeypatch.setattr(kio, "_today", lambda: pd.Timestamp("2025-06-30"))


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    return tmp_path_factory.mktemp("erp")


def _figures(tx) -> dict:
    q = tx.attrs["quality"]
    return {
        "customers": q["customers"],
        "net_revenue": round(q["net_revenue"], 2),
        "date_min": q["date_min"].date(),
        "date_max": q["date_max"].date(),
        "regions": sorted(tx["region"].unique()),
    }


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
        tx, _ = _read(export.path, **export.kwargs)
        _assert_right(tx, export)
        text = "\n".join(describe_quality(tx))
        for topic in ("Header: row", "Customer id: column", "Amount:", "Total rows excluded"):
            assert topic in text
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
