"""Tests of kamresearch.io.encoding: which encoding a text file is read in, and why.

Each file is written here from known text in a known encoding, so the expected
values are the text itself (an independent truth), never the reader's output.
"""

from __future__ import annotations

import warnings

import pytest
from click.testing import CliRunner

from kamresearch.cli import main
from kamresearch.errors import DataError, DataWarning
from kamresearch.io import read_transactions
from kamresearch.io.encoding import decode, garbled

EUROPE = (
    "customer,date,amount,region\n"
    "Düsseldorf GmbH,2011-01-01,10,Nord\n"
    "España SA,2011-01-02,5,Süd\n"
    "Acme,2011-01-03,4,Nord\n"
)
CHINA = "客户,日期,金额,大区\n甲公司,2011-01-01,10,华南\n乙公司,2011-01-02,5,华东\n"


def _read(path, data: bytes):
    path.write_bytes(data)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        tx = read_transactions(path)
    return tx, [str(w.message) for w in caught if issubclass(w.category, DataWarning)]


def test_cp1252_file_is_not_read_as_gb18030(tmp_path):
    # defect 1: decoded as GB18030 without a word ('D黶seldorf')
    tx, warned = _read(tmp_path / "eu.csv", EUROPE.encode("cp1252"))
    assert set(tx["customer_id"]) == {"Düsseldorf GmbH", "España SA", "Acme"}
    assert set(tx["region"]) == {"Nord", "Süd"}
    q = tx.attrs["quality"]
    assert q["encoding"] == "cp1252" and "not UTF-8 (first at line 2)" in q["encoding_reason"]
    assert any("not UTF-8" in w and "a guess" in w for w in warned)


def test_utf8_file_with_one_gbk_line_keeps_utf8_and_names_the_line(tmp_path):
    # defect 1: the whole file was read as GB18030, 华南 -> 鍗庡崡, one region split in two
    data = (
        CHINA.encode("utf-8")
        + "丙公司,2011-01-03,7,华南\n".encode("gbk")  # line 4
        + "丁公司,2011-01-04,1,华东\n".encode()
    )
    tx, warned = _read(tmp_path / "mixed.csv", data)
    assert set(tx["region"]) == {"华南", "华东"}
    assert set(tx["customer_id"]) == {"甲公司", "乙公司", "丙公司", "丁公司"}
    q = tx.attrs["quality"]
    assert q["encoding"] == "utf-8"
    assert q["encoding_reason"].startswith("UTF-8 except 1 line(s) (4), read as gb18030")
    assert any("(line 4)" in w for w in warned)


def test_gbk_file_is_gb18030_with_a_warning(tmp_path):
    tx, warned = _read(tmp_path / "cn.csv", CHINA.encode("gbk"))
    assert set(tx["region"]) == {"华南", "华东"}
    assert tx.attrs["quality"]["encoding"] == "gb18030" and any("a guess" in w for w in warned)


def test_utf8_and_bom_files_are_certain_no_warning(tmp_path):
    for name, data, why in [
        ("u8.csv", CHINA.encode("utf-8"), "valid UTF-8 throughout"),
        ("bom.csv", CHINA.encode("utf-8-sig"), "byte-order mark"),
        ("ascii.csv", b"customer,date,amount\nA,2011-01-01,1\n", "ASCII only"),
    ]:
        tx, warned = _read(tmp_path / name, data)
        assert tx.attrs["quality"]["encoding_reason"] == why and warned == []


def test_double_encoded_utf8_is_warned(tmp_path):
    data = EUROPE.encode("utf-8").decode("latin-1").encode("utf-8")  # 'DÃ¼sseldorf'
    tx, warned = _read(tmp_path / "twice.csv", data)
    assert any("encoded twice" in w and "Ã¼" in w for w in warned)


def test_cr_only_line_endings_are_read(tmp_path):
    # defect 11: rejected as "does not look like a table"
    tx, _ = _read(tmp_path / "mac.csv", b"customer,date,amount\rA,2011-01-01,10\rB,2011-01-02,5\r")
    assert list(tx["customer_id"]) == ["A", "B"] and list(tx["amount"]) == [10.0, 5.0]


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be"])
def test_utf16_without_bom_is_detected(tmp_path, codec):
    # defect 11: called "binary content"
    text = "客户\t日期\t金额\n甲\t2021-01-01\t10\nB\t2021-01-02\t5\n"
    tx, warned = _read(tmp_path / "u16.txt", text.encode(codec))
    assert list(tx["customer_id"]) == ["甲", "B"] and tx.attrs["quality"]["encoding"] == codec
    assert warned == []


def test_binary_is_still_refused():
    with pytest.raises(DataError, match="binary content"):
        decode(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00" * 10)


@pytest.mark.parametrize(
    "text, signature",
    [
        ("DÃ¼sseldorf", True),  # UTF-8 read as Latin-1
        ("»ªÄÏ", True),  # 华南 (GBK) read as Latin-1
        ("D黶seldorf", True),  # Düsseldorf (cp1252) read as GBK
        ("Espa馻", True),  # España (cp1252) read as GBK
        ("Düsseldorf, España, Ærø, São Paulo", False),
        ("华南 A公司 华为P30", False),  # common characters beside Latin letters are fine
    ],
)
def test_mojibake_signatures(text, signature):
    assert (garbled(text) is not None) == signature


def test_cli_validate_shows_the_encoding_and_why(tmp_path):
    path = tmp_path / "eu.csv"
    path.write_bytes(EUROPE.encode("cp1252"))
    result = CliRunner().invoke(main, ["validate", str(path)])
    assert result.exit_code == 0, result.output
    assert "encoding reason" in result.output and "cp1252" in result.output
