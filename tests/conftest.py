"""Shared test fixtures. Matplotlib draws off-screen (Agg)."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import pytest  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
REAL_DATA = ROOT.parent / "shared" / "data" / "online_retail_2010_2011.parquet"


@pytest.fixture(scope="session")
def sample_tx():
    """The built-in sample (seed 0); tests must not modify it (copy first)."""
    from kamresearch.datasets import load_sample

    return load_sample()


@pytest.fixture(scope="session")
def real_tx():
    """UCI Online Retail read with the online-retail preset; skips when absent."""
    if not REAL_DATA.exists():
        pytest.skip(f"real data not found at {REAL_DATA}")
    from kamresearch.io import read_transactions

    return read_transactions(REAL_DATA, "online-retail")


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    import matplotlib.pyplot as plt

    plt.close("all")
