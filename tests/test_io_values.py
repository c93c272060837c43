"""Tests of kamresearch.io.values through read_transactions: numbers, ids, amounts.

Each case is a defect of issue 11 reproduced on a few hand-written lines; the
expected values are read off those lines (the arithmetic is in the comments).
"""

from __future__ import annotations

import re
import warnings

import numpy as np
import pandas as pd
import pytest

from kamresearch.errors import DataError, DataWarning
from kamresearch.io import read_transactions
from kamresearch.schema import check_transactions

DATES = pd.to_datetime(["2011-01-01", "2011-01-02"])


def _read(source, **options):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        tx = read_transactions(source, **options)
    return tx, [str(w.message) for w in caught if issubclass(w.category, DataWarning)]


# --------------------------------------------------------------------------- decimal mark


@pytest.mark.parametrize("delim", [",", ";"])
def test_thousands_or_decimal_undecidable_asks_for_decimal(tmp_path, delim):
    # defect 2: "1,234"/"2,500" read 1234 in a comma file and 1.234 in a semicolon file
    path = tmp_path / "x.csv"
    q = '"' if delim == "," else ""
    path.write_text(
        f"customer{delim}date{delim}amount\n"
        f"A{delim}2011-01-01{delim}{q}1,234{q}\nB{delim}2011-01-02{delim}{q}2,500{q}\n"
    )
    with pytest.raises(DataError, match=r"ambiguous.*'1,234', '2,500'") as info:
        read_transactions(path)
    assert "decimal='.'" in info.value.fix and info.value.column == "amount"
    assert list(read_transactions(path, decimal=".")["amount"]) == [1234.0, 2500.0]
    assert list(read_transactions(path, decimal=",")["amount"]) == [1.234, 2.5]


@pytest.mark.parametrize(
    "amounts, prices, expected",
    [
        (["1,234", "2,500"], ["2,55", "1"], [1.234, 2.5]),  # another column: 2,55 decimal comma
        (["1,234", "2,500"], ["2.55", "1"], [1234.0, 2500.0]),  # 2.55: decimal point
        (["1,234", "0,500"], ["1", "1"], [1.234, 0.5]),  # 0,500: no thousands group starts 0
        (["1,234", "1,234,567"], ["1", "1"], [1234.0, 1234567.0]),  # two groups: thousands
        (["1.234", "12345.678"], ["1", "1"], [1.234, 12345.678]),  # 12345.678 is no grouping
    ],
)
def test_decimal_mark_decided_by_the_whole_file(amounts, prices, expected):
    src = pd.DataFrame(
        {"customer": ["A", "B"], "date": DATES, "amount": amounts, "unit price": prices}
    )
    assert list(read_transactions(src)["amount"]) == pytest.approx(expected)


# --------------------------------------------------------------------------- ids


def test_excel_scientific_ids_are_a_data_error(tmp_path):
    # defect 3: 55 customers collapsed into 2 by Excel's 1.23457E+11
    path = tmp_path / "sci.csv"
    path.write_text("customer,date,amount\n1.23457E+11,2011-01-01,1\n1.23457E+11,2011-01-02,2\n")
    with pytest.raises(DataError, match="scientific notation") as info:
        read_transactions(path)
    assert info.value.rows == [(2, "1.23457E+11"), (3, "1.23457E+11")]
    assert "as Text" in info.value.fix


def test_leading_zero_and_case_variants_are_counted_and_warned():
    # defect 3: 0012583 / 12583 (text and number in Excel), ab / AB; North / north
    src = pd.DataFrame(
        {
            "customer": ["0012583", 12583, "ab", "AB", " ab "],
            "date": pd.to_datetime(["2011-01-01"] * 5),
            "amount": [1.0, 2.0, 3.0, 4.0, 5.0],
            "region": ["North", "north", "North", "South", " South"],
        }
    )
    tx, warned = _read(src)
    # kept apart, surrounding spaces included (" ab " is not silently "ab")
    assert sorted(set(tx["customer_id"])) == [" ab ", "0012583", "12583", "AB", "ab"]
    assert sorted(set(tx["region"])) == [" South", "North", "South", "north"]
    q = tx.attrs["quality"]
    # groups: 0012583/12583, ab/AB (case), ab/" ab " (spaces); North/north, South/" South"
    assert q["customer_id_variants"] == 3 and q["region_variants"] == 2
    assert any("'0012583' / '12583'" in w and "unify_ids=True" in w for w in warned)
    assert any("'North' / 'north'" in w and "unify_regions=True" in w for w in warned)
    assert any("surrounding spaces" in w and "' ab '" in w for w in warned)

    tx, warned = _read(src, unify_ids=True, unify_regions=True)
    # merged under the variant that sorts first: 0012583 (1 + 2), AB (3 + 4 + 5)
    assert tx.groupby("customer_id")["amount"].sum().to_dict() == {"0012583": 3.0, "AB": 12.0}
    assert sorted(set(tx["region"])) == ["North", "South"]
    assert tx.attrs["quality"]["unify_ids"] is True and any("merged" in w for w in warned)


def test_no_variant_warning_for_float_and_text_forms_of_one_id():
    src = pd.DataFrame({"customer": [13085.0, "13085"], "date": DATES, "amount": [1.0, 2.0]})
    tx, warned = _read(src)
    assert set(tx["customer_id"]) == {"13085"} and warned == []
    assert tx.attrs["quality"]["customer_id_variants"] == 0


def test_ids_above_2_to_53_keep_every_digit():
    ints = np.array([2**53 + 1, 2**62 + 3], dtype=np.int64)  # not representable as float64
    tx = read_transactions(pd.DataFrame({"customer": ints, "date": DATES, "amount": [1.0, 2.0]}))
    assert list(tx["customer_id"]) == ["9007199254740993", "4611686018427387907"]
    floats = np.array([2.0**53 + 2, 1e20])  # the exact integers these floats hold
    tx = read_transactions(pd.DataFrame({"customer": floats, "date": DATES, "amount": [1.0, 2]}))
    assert list(tx["customer_id"]) == ["9007199254740994", "100000000000000000000"]


# --------------------------------------------------------------------------- amounts


def test_boolean_amount_column_is_a_data_error(tmp_path):
    # defect 5: a Parquet boolean amount read as 1.0 per line
    path = tmp_path / "b.parquet"
    pd.DataFrame({"customer": ["A", "B"], "date": DATES, "amount": [True, False]}).to_parquet(path)
    with pytest.raises(DataError, match="true/false values, not numbers"):
        read_transactions(path)


@pytest.mark.parametrize("value", ["1e308", "inf", "-Infinity", "nan", "1e16"])
def test_infinite_and_overflowing_amounts_are_data_errors(tmp_path, value):
    # defect 5: 1e308 gave inf/NaN shares with numpy overflow warnings
    path = tmp_path / "big.csv"
    path.write_text(f"customer,date,amount\nA,2011-01-01,{value}\nB,2011-01-02,1\n")
    with pytest.raises(DataError, match="not a number in column 'amount'") as info:
        read_transactions(path)
    assert info.value.rows == [(2, value)] and "1e+15" in info.value.fix


def test_quantity_times_price_overflow_is_a_data_error():
    src = pd.DataFrame(
        {"customer": ["A", "B"], "date": DATES, "qty": [1e10, 1], "unit price": [1e10, 1]}
    )
    with pytest.raises(DataError, match=r"quantity \* unit price\) beyond"):
        read_transactions(src)


def test_empty_unit_price_is_blamed_on_the_unit_price(tmp_path):
    # defect 11: the empty unit price was reported as an empty quantity
    path = tmp_path / "p.csv"
    path.write_text("customer,date,quantity,unit price\nA,2011-01-01,1,\nB,2011-01-02,1,2\n")
    with pytest.raises(DataError, match="empty unit_price in column 'unit price'"):
        read_transactions(path)


@pytest.mark.parametrize("bad", [np.inf, -np.inf, 1e308])
def test_check_transactions_refuses_infinite_amounts(bad):
    # defect 5: a DataFrame with inf passed straight to an analysis got past the check
    tx = pd.DataFrame(
        {"customer_id": ["a", "b"], "date": DATES, "amount": [1.0, bad], "region": ["x", "x"]}
    )
    with pytest.raises(DataError, match="infinite or implausibly large") as info:
        check_transactions(tx)
    assert info.value.rows == [(1, bad)]


def test_check_transactions_refuses_boolean_amounts():
    tx = pd.DataFrame(
        {"customer_id": ["a", "b"], "date": DATES, "amount": [True, False], "region": ["x", "x"]}
    )
    with pytest.raises(DataError, match="must be numeric, got bool"):
        check_transactions(tx)


def test_cli_validate_takes_decimal_and_unify(tmp_path):
    from click.testing import CliRunner

    from kamresearch.cli import main

    path = tmp_path / "x.csv"
    path.write_text('customer,date,amount\nab,2011-01-01,"1,234"\nAB,2011-01-02,"2,500"\n')
    result = CliRunner().invoke(main, ["validate", str(path)])
    assert result.exit_code == 2 and "decimal separator is ambiguous" in result.output
    result = CliRunner().invoke(main, ["validate", str(path), "--decimal", ".", "--unify-ids"])
    assert result.exit_code == 0, result.output
    assert re.search(r"net revenue +3,734\.00\n", result.output)  # 1234 + 2500
    assert re.search(r"customers +1\n", result.output)  # ab and AB merged


def test_ids_and_regions_differing_only_in_surrounding_spaces_are_kept_apart_and_warned():
    # defect 3: "AB " / " AB" / "AB" were stripped into one customer without a word
    src = pd.DataFrame(
        {
            "customer": ["AB", "AB ", " AB", "CD", "CD"],
            "date": pd.to_datetime(["2011-01-01"] * 5),
            "amount": [1.0, 2.0, 3.0, 4.0, 5.0],
            "region": ["N", "N ", "N", "S", "S"],
        }
    )
    tx, warned = _read(src)
    assert tx.groupby("customer_id")["amount"].sum().to_dict() == {
        "AB": 1.0, "AB ": 2.0, " AB": 3.0, "CD": 9.0,
    }  # fmt: skip
    assert tx.attrs["quality"]["customer_id_variants"] == 1
    assert tx.attrs["quality"]["region_variants"] == 1
    assert sum("surrounding spaces" in w and "count as different" in w for w in warned) == 2
    tx, warned = _read(src, unify_ids=True, unify_regions=True)
    assert tx.groupby("customer_id")["amount"].sum().to_dict() == {"AB": 6.0, "CD": 9.0}
    assert set(tx["region"]) == {"N", "S"}
    assert any("surrounding spaces merged" in w for w in warned)


def test_uniformly_padded_ids_are_stripped_without_a_warning():
    # a fixed-width export pads every id: stripping merges nothing, so nothing to say
    src = pd.DataFrame(
        {
            "customer": ["AB  ", "CD  ", "AB  "],
            "date": pd.to_datetime(["2011-01-01"] * 3),
            "amount": [1.0, 2.0, 3.0],
        }  # fmt: skip
    )
    tx, warned = _read(src)
    assert sorted(set(tx["customer_id"])) == ["AB", "CD"] and warned == []
