"""Decoding a text file's bytes: which encoding, and on what evidence.

Part of :mod:`kamresearch.io`. The rules, in order:

1. A byte-order mark decides (UTF-8, UTF-16, UTF-32): certain.
2. UTF-16 without a byte-order mark is recognised by its zero bytes (every other
   byte is zero for ASCII text) and checked by decoding: evidence, not a guess.
3. Bytes that decode as UTF-8 throughout are UTF-8 (or plain ASCII): certain, since
   text in another encoding almost never forms valid UTF-8 by chance.
4. Otherwise each line is tested: lines that are valid UTF-8 are read as UTF-8, the
   others in the legacy encoding that ``charset-normalizer`` finds most coherent
   *over those lines* (candidates :data:`LEGACY`, GB18030 first), rejecting a
   candidate whose decoded text carries a mojibake signature (:func:`garbled`).
   A file whose non-ASCII lines are all non-UTF-8 is read wholly in that encoding;
   a file that mixes both (a UTF-8 export with a few GBK lines pasted in) is read
   line by line, and the minority lines are named. Either way the choice is a
   guess, and the caller warns.

Performance: a valid UTF-8 file costs one ``bytes.decode``; the line-by-line test
runs only for files that are not UTF-8.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass

from ..errors import DataError

__all__ = ["Decoded", "decode", "garbled", "LEGACY"]

#: Legacy encodings tried for non-UTF-8 text, preferred first on a tie: Chinese
#: (GB18030 = GBK/GB2312 superset, Big5), Western and Central European Windows.
LEGACY = ("gb18030", "cp1252", "big5", "cp1250")
_SAMPLE = 1 << 20  # bytes of non-UTF-8 lines given to the detector


@dataclass
class Decoded:
    """The decoded text, the encoding's name, why it was chosen, and a warning if guessed."""

    text: str
    encoding: str
    reason: str
    guess: str | None = None


# Mojibake signatures: text in one encoding decoded as another.
_UTF8_AS_LATIN = re.compile("Ã[\u0080-\u00bf]|â€|Â[\u00a0-\u00bf]")
_CJK_AS_LATIN = re.compile(
    "[\u00c0-\u00ff][\u00a1-\u00bf]|[\u00a1-\u00bf][\u00c0-\u00ff]|[\u00a1-\u00ff]{4,}"
)
_CJK_BY_LATIN = re.compile(
    "(?<=[A-Za-z])[\u3400-\u9fff\uf900-\ufaff]|[\u3400-\u9fff\uf900-\ufaff](?=[A-Za-z])"
)
_ODD = re.compile("[\ue000-\uf8ff\ufffd\x00-\x08\x0b\x0e-\x1f\x7f]")


def garbled(text: str) -> str | None:
    """A short excerpt showing a mojibake signature in ``text``, or None.

    Signatures: UTF-8 read as Latin-1/cp1252 (``Ã¼``, ``â€``); Chinese read as
    Latin-1 (runs of accented letters and symbols such as ``»ªÄÏ``); Latin-1 read as
    GBK (a rare CJK character glued to a Latin letter, ``D黶seldorf``: legitimate
    Chinese business text uses GB2312 characters); private-use or control
    characters (bytes the encoding does not define).
    """
    for pattern in (_UTF8_AS_LATIN, _CJK_AS_LATIN, _ODD):
        m = pattern.search(text)
        if m:
            return _excerpt(text, m.start())
    for m in _CJK_BY_LATIN.finditer(text):
        try:
            m.group().encode("gb2312")
        except UnicodeEncodeError:
            return _excerpt(text, m.start())
    return None


def _excerpt(text, at):
    start = max(text.rfind("\n", 0, at) + 1, at - 20)
    end = text.find("\n", at)
    end = min(len(text) if end < 0 else end, at + 20)
    return text[start:end]


def _utf16_without_bom(head: bytes) -> str | None:
    """'utf-16-le'/'utf-16-be' when every other byte is mostly zero (ASCII in UTF-16)."""
    n = len(head) // 2 * 2
    if n < 8:
        return None
    half = n // 2
    even, odd = head[0:n:2].count(0), head[1:n:2].count(0)
    if odd >= 0.2 * half and even <= 0.02 * half:
        return "utf-16-le"
    if even >= 0.2 * half and odd <= 0.02 * half:
        return "utf-16-be"
    return None


def _lines_to_show(numbers: list[int]) -> str:
    shown = ", ".join(map(str, numbers[:10]))
    return shown + (f" and {len(numbers) - 10:,} more" if len(numbers) > 10 else "")


def _detect(sample: bytes) -> tuple[str, str]:
    """(encoding, how it was chosen) for bytes that are not UTF-8."""
    from charset_normalizer import from_bytes

    found = [
        (m.chaos, LEGACY.index(m.encoding), m.encoding)
        for m in from_bytes(sample, cp_isolation=list(LEGACY))
        if m.encoding in LEGACY
    ]
    # the detector's order (least "chaos"), ties broken by LEGACY; then the rest of LEGACY
    ranked = [e for *_, e in sorted(found)] + [e for e in LEGACY if e not in {f[2] for f in found}]
    first_garbled = None
    for enc in ranked:
        try:
            text = sample.decode(enc)
        except UnicodeDecodeError:
            continue
        sign = garbled(text)
        if sign is None:
            how = "charset-normalizer" if found and enc == ranked[0] else "the first candidate"
            for alt in LEGACY[: LEGACY.index(enc)]:  # same text in a preferred encoding
                try:
                    if sample.decode(alt) == text:
                        enc = alt
                        break
                except UnicodeDecodeError:
                    pass
            return enc, f"{how} over the non-UTF-8 lines, no mojibake signature"
        first_garbled = first_garbled or (enc, sign)
    if first_garbled:
        enc, sign = first_garbled
        return enc, f"every candidate shows mojibake; {enc} least bad (e.g. {sign!r})"
    return "latin-1", "no candidate decodes these bytes; Latin-1 (decodes any byte)"


def decode(data: bytes, src=None) -> Decoded:
    """Decode a text file's bytes (module docstring: the rules); DataError when binary."""
    for bom, enc in (
        (codecs.BOM_UTF32_LE, "utf-32"),
        (codecs.BOM_UTF32_BE, "utf-32"),
        (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"),
    ):
        if data.startswith(bom):
            try:
                return Decoded(data.decode(enc), enc, "byte-order mark")
            except UnicodeDecodeError as exc:
                raise DataError(
                    f"the file starts with a {enc.upper()} byte-order mark but is not valid "
                    f"{enc.upper()} (byte {exc.start:,})",
                    source=src,
                    fix="export the data again (UTF-8 CSV or .xlsx)",
                ) from exc
    head = data[:65536]
    if head.startswith(b"PK\x03\x04"):
        raise DataError(
            "this is a zip file (perhaps an Excel workbook), not a text table",
            source=src,
            fix="rename it to .xlsx if it is a workbook",
        )
    wide = None if b"\x00" not in head else _utf16_without_bom(head)
    if wide:
        try:
            text = data.decode(wide)
        except UnicodeDecodeError:
            text = None
        if text is not None and not _ODD.search(text[:65536]):
            return Decoded(
                text, wide, "no byte-order mark; zero bytes at every other position (UTF-16)"
            )
    controls = sum(head.count(bytes([b])) for b in range(32) if b not in (9, 10, 12, 13))
    if b"\x00" in head or controls > len(head) / 100:
        raise DataError(
            "binary content in a text file: this is not a CSV table",
            source=src,
            fix="export the data as CSV/Excel and check the file name",
        )
    bom = data.startswith(codecs.BOM_UTF8)
    body = data[3:] if bom else data
    name = "utf-8-sig" if bom else "utf-8"
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        pass
    else:
        why = "byte-order mark" if bom else "valid UTF-8 throughout"
        if body.isascii():
            return Decoded(text, name, why if bom else "ASCII only")
        twice = _UTF8_AS_LATIN.search(text, 0, 1 << 23)  # the first 8M characters show it
        if twice is None:
            return Decoded(text, name, why)
        shown = _excerpt(text, twice.start())
        return Decoded(
            text,
            name,
            f"{why}; but the text looks encoded twice (e.g. {shown!r})",
            f"the text looks encoded twice (UTF-8 read as Latin-1 and saved again, e.g. "
            f"{shown!r}): names may be garbled; export the data again from the source system",
        )
    return _legacy(body, name)


def _legacy(body: bytes, name: str) -> Decoded:
    sep = b"\n" if b"\n" in body or b"\r" not in body else b"\r"
    lines = body.split(sep)
    bad, good = [], []  # 0-based numbers of non-ASCII lines, not / valid UTF-8
    for i, line in enumerate(lines):
        if not line.isascii():
            try:
                line.decode("utf-8")
                good.append(i)
            except UnicodeDecodeError:
                bad.append(i)
    sample = bytearray()
    for i in bad:
        sample += lines[i] + b"\n"
        if len(sample) > _SAMPLE:
            break
    legacy, how = _detect(bytes(sample))
    bad_lines = [i + 1 for i in bad]
    if not good:
        text = body.decode(legacy, errors="replace")
        return Decoded(
            text,
            legacy,
            f"not UTF-8 (first at line {bad_lines[0]:,}); {legacy} chosen by {how}",
            f"the file is not UTF-8 (line {bad_lines[0]:,} is the first that is not); read as "
            f"{legacy} - a guess from its bytes ({how}): check accented and Chinese names, or "
            "export the file as UTF-8",
        )
    out = _decode_lines(lines, set(bad), legacy)
    text = sep.decode().join(out)
    if len(bad) <= len(good):
        listed = _lines_to_show(bad_lines)
        return Decoded(
            text,
            name,
            f"UTF-8 except {len(bad):,} line(s) ({listed}), read as {legacy} ({how})",
            f"{len(bad):,} line(s) of this UTF-8 file are not UTF-8 (line {listed}); they "
            f"were read as {legacy} - a guess: check these lines, or export the file again "
            "as UTF-8",
        )
    listed = _lines_to_show([i + 1 for i in good])
    return Decoded(
        text,
        legacy,
        f"{legacy} ({how}) except {len(good):,} UTF-8 line(s) ({listed})",
        f"the file is not UTF-8; read as {legacy} - a guess from its bytes ({how}), except "
        f"{len(good):,} line(s) that are UTF-8 (line {listed}), read as UTF-8: check these "
        "lines, or export the file again as UTF-8",
    )


def _decode_lines(lines: list[bytes], bad: set[int], legacy: str) -> list[str]:
    return [
        line.decode(legacy, errors="replace") if i in bad else line.decode("utf-8")
        for i, line in enumerate(lines)
    ]
