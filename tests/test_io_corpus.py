"""The bad-input corpus: every file in ``tests/data/bad`` and what a reader makes of it.

The expected outcomes live in ONE table, ``tests/data/bad/EXPECTED.csv``, that any
reader can be held to (:data:`READERS`; the engine's ``scan_transactions`` joins
with one line). Columns:

``file``      a file of ``tests/data/bad`` (written by ``tests/make_corpus.py``)
``outcome``   ``error`` (a DataError), ``warning`` (a DataWarning, the table is read)
              or ``ok`` (read without a DataWarning)
``message``   a regular expression the error or warning message must match
``expect``    ``; ``-separated ``name=value`` checks on the table read: a column name
              (the value occurs in that column; dates compared as timestamps) or a key
              of the quality summary (equal as text)

Each expected outcome is worked out by hand from the lines written by
``make_corpus.py`` (the file names say which defect of issue 11 they plant).
"""

from __future__ import annotations

import csv
import hashlib
import warnings
from pathlib import Path

import pandas as pd
import pytest

from kamresearch.engine.scan import scan_transactions
from kamresearch.errors import DataError, DataWarning
from kamresearch.io import read_transactions
from kamresearch.schema import check_transactions

BAD = Path(__file__).resolve().parent / "data" / "bad"
TABLE = BAD / "EXPECTED.csv"
with TABLE.open(encoding="utf-8", newline="") as _f:
    EXPECTED = {row["file"]: row for row in csv.DictReader(_f)}


def _scan(path, **options) -> pd.DataFrame:
    """The engine's scan, materialised (its quality summary kept) to be checked alike."""
    return scan_transactions(path, **options).to_pandas()


#: Readers walked over the corpus: name -> callable(path) -> DataFrame.
READERS = {"read_transactions": read_transactions, "scan_transactions": _scan}


def test_every_file_has_an_expected_outcome():
    files = {p.name for p in BAD.iterdir()} - {TABLE.name}
    assert files == set(EXPECTED), "tests/data/bad and EXPECTED.csv must list the same files"
    assert {row["outcome"] for row in EXPECTED.values()} <= {"error", "warning", "ok"}


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _check_expect(tx: pd.DataFrame, expect: str) -> None:
    q = tx.attrs.get("quality", {})
    for item in filter(None, (part.strip() for part in expect.split(";"))):
        name, value = item.split("=", 1)
        if name in tx.columns:
            col = tx[name]
            wanted = pd.Timestamp(value) if col.dtype.kind == "M" else value
            shown = col.astype(str) if col.dtype.kind not in "Mf" else col
            if col.dtype.kind == "f":
                wanted = float(value)
            assert (shown == wanted).any(), f"{value!r} not in column {name!r}: {list(col)[:10]}"
        else:
            assert name in q, f"{name!r} is neither a column nor a quality key"
            assert str(q[name]) == value, f"quality {name}: {q[name]!r} != {value!r}"


@pytest.mark.parametrize("reader", READERS.values(), ids=READERS.keys())
@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_bad_file_gets_its_expected_outcome(reader, name):
    row, path = EXPECTED[name], BAD / name
    before = _digest(path)
    if row["outcome"] == "error":
        with pytest.raises(DataError, match=row["message"]) as info:
            reader(path)
        assert str(path) in str(info.value)  # names the file
        assert "fix:" in str(info.value)  # and says what to do
    else:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            tx = reader(path)
        messages = [str(w.message) for w in caught if issubclass(w.category, DataWarning)]
        if row["outcome"] == "warning":
            assert any(pd.Series(messages).str.contains(row["message"])), messages
            assert set(messages) <= set(tx.attrs["quality"]["warnings"]) | {
                f"{path}: {m}" for m in tx.attrs["quality"]["warnings"]
            }  # every warning is recorded in the quality summary
        else:
            assert messages == []
        check_transactions(tx)
        _check_expect(tx, row["expect"])
    assert _digest(path) == before  # the input is never modified
