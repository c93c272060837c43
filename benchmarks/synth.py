"""Synthetic large transaction logs for the benchmarks (fast, vectorised, seeded)."""

from __future__ import annotations

import time
from contextlib import contextmanager

import numpy as np
import pandas as pd

REGIONS = np.array(["North", "South", "East", "West", "Central"], dtype=object)


def synthetic_log(
    n_lines: int = 10_000_000,
    n_customers: int = 200_000,
    *,
    years: int = 3,
    seed: int = 0,
    products: int = 0,
) -> pd.DataFrame:
    """Canonical transactions with ``n_lines`` lines over ``n_customers`` customers.

    Customer activity is heavy-tailed (a few customers have many lines); each
    customer has one region; about 2% of lines are returns (negative amounts).
    With ``products > 0`` adds ``product_id``, ``quantity`` and ``unit_price``.
    """
    rng = np.random.default_rng(seed)
    ids = np.array([f"C{i:07d}" for i in range(n_customers)], dtype=object)
    weight = rng.pareto(1.2, n_customers) + 1
    cust = rng.choice(n_customers, size=n_lines, p=weight / weight.sum())
    cust[:n_customers] = np.arange(n_customers)  # every customer has at least one line
    first = rng.integers(0, 365 * years, n_customers)
    span = 365 * years - first
    day = first[cust] + (rng.random(n_lines) * span[cust]).astype(np.int64)
    amount = np.round(rng.lognormal(4, 1.2, n_lines), 2)
    amount[rng.random(n_lines) < 0.02] *= -1
    region = REGIONS[np.arange(n_customers) % len(REGIONS)]
    out = pd.DataFrame(
        {
            "customer_id": ids[cust],
            "date": pd.Timestamp("2021-01-01") + pd.to_timedelta(day, unit="D"),
            "amount": amount,
            "region": region[cust],
        }
    )
    if products:
        pid = np.array([f"P{i:05d}" for i in range(products)], dtype=object)
        out["product_id"] = pid[rng.integers(0, products, n_lines)]
        out["quantity"] = rng.integers(1, 20, n_lines).astype(float)
        out["unit_price"] = np.round(out["amount"].abs() / out["quantity"], 2)
    return out


@contextmanager
def timed(label: str, results: dict):
    """Time a block and store the seconds in ``results[label]``."""
    t0 = time.perf_counter()
    yield
    results[label] = time.perf_counter() - t0
    print(f"  {label:<55s} {results[label]:8.2f} s", flush=True)
