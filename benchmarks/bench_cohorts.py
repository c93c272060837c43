"""Benchmark of kamresearch.cohorts on a synthetic 10M-line log.

Run from the repo root: ``.venv/bin/python benchmarks/bench_cohorts.py [n_lines n_customers]``.
Target: the monthly retention matrix on 10M lines / 200k customers in under 5 s.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from kamresearch import cohorts, facts  # noqa: E402
from synth import synthetic_log, timed  # noqa: E402

TARGET_S = 5.0


def main(n_lines: int = 10_000_000, n_customers: int = 200_000) -> dict:
    results: dict[str, float] = {}
    print(f"cohorts benchmark: {n_lines:,} lines, {n_customers:,} customers")
    with timed("build synthetic log", results):
        tx = synthetic_log(n_lines, n_customers)
    with timed("facts.customer_periods(freq='M') (for comparison)", results):
        facts.customer_periods(tx, freq="M")
    for run in (1, 2, 3):  # the machine is shared: the best of 3 is the figure to compare
        with timed(f"retention_matrix(freq='M', metric='customers') run {run}", results):
            m = cohorts.retention_matrix(tx, freq="M")
    key = "retention_matrix(freq='M', metric='customers')"
    results[key] = min(results[f"{key} run {r}"] for r in (1, 2, 3))
    with timed("retention_matrix(freq='M', metric='revenue')", results):
        cohorts.retention_matrix(tx, freq="M", metric="revenue")
    with timed("revenue_bridge(freq='M')", results):
        cohorts.revenue_bridge(tx, freq="M")
    with timed("revenue_retention(freq='Q')", results):
        cohorts.revenue_retention(tx, freq="Q")
    with timed("key_account_flow(freq='Q')", results):
        cohorts.key_account_flow(tx, freq="Q")
    base = results["facts.customer_periods(freq='M') (for comparison)"]
    print(f"  matrix: {len(m)} cohorts x {m.shape[1] - 1} periods")
    print(
        f"  monthly retention matrix (best of 3): {results[key]:.2f} s (target < {TARGET_S:.0f} s, "
        f"{results[key] / TARGET_S:.0%} of the budget; "
        f"{results[key] / base:.2f}x facts.customer_periods)"
    )
    return results


if __name__ == "__main__":
    args = [int(a) for a in sys.argv[1:3]]
    main(*args)
