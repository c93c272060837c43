"""facts on a synthetic 10M-line log with 200k customers (DuckDB vs plain pandas).

Run: .venv/bin/python benchmarks/bench_facts.py [n_lines] [n_customers]
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from kamresearch import facts  # noqa: E402
from synth import synthetic_log, timed  # noqa: E402


def pandas_summary(tx):
    """The vectorised-pandas equivalent of the core of facts.customer_summary."""
    day = tx["date"].dt.normalize()
    pos = tx["amount"] > 0
    g = tx.groupby("customer_id", sort=True)
    return g.agg(
        first_seen=("date", "min"),
        last_seen=("date", "max"),
        revenue=("amount", "sum"),
        n_lines=("amount", "size"),
    ).join(day[pos].groupby(tx["customer_id"][pos]).agg(["min", "max", "nunique"]))


def main(n_lines=10_000_000, n_customers=200_000):
    res = {}
    print(f"facts benchmark: {n_lines:,} lines, {n_customers:,} customers")
    with timed("generate synthetic log", res):
        tx = synthetic_log(n_lines, n_customers)
    facts.customer_summary(tx.iloc[:1000])  # warm up DuckDB
    with timed("facts.customer_summary (DuckDB)", res):
        facts.customer_summary(tx)
    with timed("facts.customer_periods freq=M (DuckDB)", res):
        facts.customer_periods(tx, freq="M")
    with timed("facts.customer_days (DuckDB)", res):
        facts.customer_days(tx)
    with timed("plain pandas per-customer summary (reference)", res):
        pandas_summary(tx)
    ratio = (
        res["plain pandas per-customer summary (reference)"]
        / res["facts.customer_summary (DuckDB)"]
    )
    print(
        f"  customer_summary: {res['facts.customer_summary (DuckDB)']:.2f} s "
        f"(target < 3 s); pandas / DuckDB = {ratio:.1f}x"
    )
    return res


if __name__ == "__main__":
    args = [int(a) for a in sys.argv[1:3]]
    main(*args)
