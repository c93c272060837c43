"""Benchmark of kamresearch.churn on a synthetic 10M-line log (200k customers).

Run from the repository root::

    .venv/bin/python benchmarks/bench_churn.py            # ~1 min
    .venv/bin/python benchmarks/bench_churn.py --cox-default   # also Cox without batch_mode (~40 s more)

Times, in one run:

1. ``customer_lifetimes`` (default, data-driven inactivity window) plus Kaplan–Meier
   by the 5 regions (``survival_curves(lt, by="region")``), the target being < 5 s;
2. lifetimes' ``summary_data_from_transaction_data`` on the same lines (daily
   frequency, with monetary value), measured once; the ratio must be >= 10;
3. ``fit_cox`` with 3 categorical covariates (tier, region, segment) on 1M customers
   built directly (exponential lifetimes with known hazard ratios), target < 5 s.

Figures on the 2-core development machine (quiet run, 2026-11-22, session 2):
customer_lifetimes + KM by 5 regions 3.5 s (target < 5 s: met); lifetimes 10.4 s, i.e. a
speed-up of 3.0x, short of the 10x target. Why: the 10x budget is lifetimes / 10 = 1.0 s,
and merely finding the distinct customer x day pairs of the 10M lines (which any
``frequency`` needs) takes DuckDB 0.8 s on the object-string ids; hashing the ids alone
costs 0.4 s (DuckDB) to 1.4 s (pandas.factorize). fit_cox on 1M customers 2.9 s.
Where the time goes: the DuckDB scan of the lines into customer x day x region rows
1.3-1.6 s, the gap window 0.6 s, per-customer aggregates 0.3 s, pandas post-processing
0.4 s, KM 0.1 s.
"""

from __future__ import annotations

import argparse
import sys
import warnings
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))

from kamresearch import churn  # noqa: E402
from synth import synthetic_log, timed  # noqa: E402


def cox_frame(n: int = 1_000_000, seed: int = 0) -> tuple[pd.DataFrame, dict]:
    """Lifetimes-like frame of ``n`` customers with known hazard ratios (days, censored)."""
    rng = np.random.default_rng(seed)
    hr = {
        "tier": {"general": 1.0, "major": 0.6, "key": 0.3},
        "region": {"North": 1.0, "South": 1.3, "East": 0.85, "West": 1.1, "Central": 1.5},
        "segment": {"manufacturer": 1.0, "distributor": 1.6},
    }
    tier = rng.choice(["general", "major", "key"], size=n, p=[0.8, 0.19, 0.01])
    region = rng.choice(list(hr["region"]), size=n)
    segment = rng.choice(list(hr["segment"]), size=n)
    h = np.log(2) / 700 * pd.Series(tier).map(hr["tier"]).to_numpy()
    h = h * pd.Series(region).map(hr["region"]).to_numpy()
    h = h * pd.Series(segment).map(hr["segment"]).to_numpy()
    life = np.floor(rng.exponential(1 / h))
    follow = rng.integers(0, 1300, n)
    churned = life <= follow
    frame = pd.DataFrame(
        {
            "duration_days": np.where(churned, life, follow).astype(float),
            "churned": churned,
            "observable": True,
            "tier": tier,
            "region": region,
            "segment": segment,
        },
        index=pd.Index([f"C{i:07d}" for i in range(n)], name="customer_id"),
    )
    return frame, hr


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--lines", type=int, default=10_000_000)
    ap.add_argument("--customers", type=int, default=200_000)
    ap.add_argument("--cox-rows", type=int, default=1_000_000)
    ap.add_argument("--cox-default", action="store_true", help="also time batch_mode=None")
    args = ap.parse_args()
    res: dict[str, float] = {}

    print(f"synthetic log: {args.lines:,} lines, {args.customers:,} customers")
    with timed("build synthetic log (not part of the figures)", res):
        tx = synthetic_log(args.lines, args.customers)

    # warm-up on a slice: imports (lifelines, DuckDB) and first-call costs out of the timing
    churn.survival_curves(churn.customer_lifetimes(tx.iloc[-300_000:]), by="region")

    with timed("customer_lifetimes (suggested window)", res):
        lt = churn.customer_lifetimes(tx)
    with timed("survival_curves by region (5 groups)", res):
        curves = churn.survival_curves(lt, by="region")
    total = (
        res["customer_lifetimes (suggested window)"] + res["survival_curves by region (5 groups)"]
    )
    print(f"  {'=> customer_lifetimes + KM by 5 groups':<55s} {total:8.2f} s   (target < 5 s)")
    print(
        f"     window {lt.attrs['inactivity_days']} d, {lt.attrs['n_observable']:,} observable, "
        f"{lt.attrs['n_churned']:,} churned; medians by region: "
        + ", ".join(f"{g} {m:.0f}" for g, m in curves.summary["median_lifetime_days"].items())
    )

    from lifetimes.utils import summary_data_from_transaction_data

    as_of = lt.attrs["as_of"]
    with timed("lifetimes.summary_data_from_transaction_data", res):
        rfm = summary_data_from_transaction_data(
            tx,
            "customer_id",
            "date",
            monetary_value_col="amount",
            observation_period_end=as_of,
            freq="D",
        )
    ratio = res["lifetimes.summary_data_from_transaction_data"] / total
    print(f"  {'=> speed-up vs lifetimes':<55s} {ratio:8.1f} x   (target >= 10x)")
    del rfm

    # Why 10x is out of reach here: the budget (lifetimes / 10) against the least any RFM
    # computation must do, finding the distinct customer x day pairs of the 10M lines
    # (``frequency`` counts them); DuckDB does it in one parallel pass over the string ids.
    budget = res["lifetimes.summary_data_from_transaction_data"] / 10
    con = duckdb.connect()
    con.register("lines", tx[["customer_id", "date"]])
    with timed("floor: DuckDB distinct customer x day pairs", res):
        con.execute(
            "SELECT count(*) FROM (SELECT DISTINCT customer_id, date::DATE FROM lines)"
        ).fetchone()
    con.close()
    print(
        f"  {'=> 10x budget (lifetimes / 10)':<55s} {budget:8.2f} s   "
        f"(floor uses {res['floor: DuckDB distinct customer x day pairs'] / budget:.0%} of it)"
    )

    frame, hr = cox_frame(args.cox_rows)
    base = {"tier": "general", "region": "North", "segment": "manufacturer"}
    with timed(f"fit_cox, 3 covariates, {args.cox_rows:,} customers", res):
        cph = churn.fit_cox(frame, covariates=["tier", "region", "segment"], baseline=base)
    est = cph.hazard_ratios_
    print(
        "     HR estimates vs truth: "
        + ", ".join(
            f"{k} {est[k]:.3f}/{hr[k.split('=')[0]][k.split('=')[1]]:.2f}"
            for k in ("tier=key", "tier=major", "segment=distributor")
        )
    )
    if args.cox_default:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with timed("fit_cox, batch_mode=None (lifelines default)", res):
                churn.fit_cox(
                    frame, covariates=["tier", "region", "segment"], baseline=base, batch_mode=None
                )


if __name__ == "__main__":
    main()
