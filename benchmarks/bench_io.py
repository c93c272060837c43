"""Ingestion benchmark: read_transactions on a 1M-line two-sheet .xlsx, a 1M-line CSV
and the real UCI Online Retail parquet (when present).

Run from the repository root::

    .venv/bin/python benchmarks/bench_io.py

The workbook and CSV are written once into ``benchmarks/out/`` (git-ignored) and
reused on later runs. Target: the 1M-line workbook reads in well under 30 s.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

from kamresearch.io import quality_summary, read_transactions  # noqa: E402
from synth import timed  # noqa: E402

OUT = HERE / "out"
N_LINES = 1_000_000
XLSX = OUT / "online_retail_1m_two_sheets.xlsx"
CSV = OUT / "online_retail_1m.csv"
REAL = HERE.parent.parent / "shared" / "data" / "online_retail_2010_2011.parquet"
HEADER = ["Invoice", "StockCode", "Quantity", "InvoiceDate", "Price", "Customer ID", "Country"]
COUNTRIES = np.array(["United Kingdom", "Germany", "France", "EIRE", "Spain", "Netherlands"])


def _lines(n: int = N_LINES, seed: int = 0) -> pd.DataFrame:
    """Online-Retail-II-shaped lines (about 25% without customer id, 2% returns)."""
    rng = np.random.default_rng(seed)
    invoice = 500_000 + np.sort(rng.integers(0, n // 20, n))
    qty = rng.integers(1, 25, n)
    qty[rng.random(n) < 0.02] *= -1
    cust = rng.integers(12_000, 18_000, n).astype(float)
    cust[rng.random(n) < 0.25] = np.nan
    start = pd.Timestamp("2009-12-01").value // 10**9
    seconds = start + np.sort(rng.integers(0, 2 * 365 * 86_400, n)) // 60 * 60
    return pd.DataFrame(
        {
            "Invoice": invoice.astype(str),
            "StockCode": np.char.add("SKU", rng.integers(10_000, 14_000, n).astype(str)),
            "Quantity": qty,
            "InvoiceDate": pd.to_datetime(seconds, unit="s"),
            "Price": np.round(rng.lognormal(1, 0.8, n), 2),
            "Customer ID": cust,
            "Country": COUNTRIES[rng.integers(0, len(COUNTRIES), n)],
        }
    )


def write_xlsx(path: Path = XLSX) -> None:
    """Two sheets of N_LINES/2 lines each with xlsxwriter in constant-memory mode."""
    import xlsxwriter

    lines = _lines()
    half = len(lines) // 2
    tmp = path.with_name(f".{path.name}.tmp")
    wb = xlsxwriter.Workbook(str(tmp), {"constant_memory": True})
    datefmt = wb.add_format({"num_format": "yyyy-mm-dd hh:mm"})
    cols = [lines[c].tolist() for c in HEADER]
    cols[3] = lines["InvoiceDate"].astype(object).tolist()  # Timestamps are datetimes
    cust = cols[5]
    for name, lo, hi in (("Year 2009-2010", 0, half), ("Year 2010-2011", half, len(lines))):
        ws = wb.add_worksheet(name)
        ws.write_row(0, 0, HEADER)
        for r in range(lo, hi):
            row = r - lo + 1
            ws.write_string(row, 0, cols[0][r])
            ws.write_string(row, 1, cols[1][r])
            ws.write_number(row, 2, cols[2][r])
            ws.write_datetime(row, 3, cols[3][r], datefmt)
            ws.write_number(row, 4, cols[4][r])
            if cust[r] == cust[r]:  # not NaN: leave the cell blank otherwise
                ws.write_number(row, 5, cust[r])
            ws.write_string(row, 6, cols[6][r])
    wb.close()
    tmp.replace(path)


def write_csv(path: Path = CSV) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    _lines().to_csv(tmp, index=False)
    tmp.replace(path)


def main() -> None:
    OUT.mkdir(exist_ok=True)
    results: dict[str, float] = {}
    print("ingestion benchmark (read_transactions)")
    if not XLSX.exists():
        with timed(f"write {N_LINES:,}-line two-sheet xlsx (once)", results):
            write_xlsx()
    if not CSV.exists():
        with timed(f"write {N_LINES:,}-line csv (once)", results):
            write_csv()
    runs = [("xlsx 1M lines, two sheets", XLSX), ("csv 1M lines", CSV)]
    if REAL.exists():
        runs.append(("parquet UCI Online Retail (541,909 lines)", REAL))
    for label, path in runs:
        t0 = time.perf_counter()
        tx = read_transactions(path, "online-retail")
        sec = time.perf_counter() - t0
        q = tx.attrs["quality"]
        print(
            f"  {label:<45s} {sec:7.2f} s  {q['lines_read'] / sec:12,.0f} lines/s "
            f"({q['lines']:,} kept)",
            flush=True,
        )
        results[label] = sec
    if REAL.exists():
        print(quality_summary(tx).to_string(index=False))


if __name__ == "__main__":
    main()
