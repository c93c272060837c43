"""Shared test fixtures. Matplotlib draws off-screen (Agg)."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import pytest  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
REAL_DATA = ROOT.parent / "shared" / "data" / "online_retail_2010_2011.parquet"


def _spark_reason() -> str | None:
    from kamresearch.engine.spark import spark_unavailable_reason

    return spark_unavailable_reason()


def pytest_report_header(config):
    """Say up front whether the Spark tests run, and why not when they do not."""
    reason = _spark_reason()
    if reason is None:
        import pyspark

        from kamresearch.engine.spark import java_version

        return f"spark: tests run (pyspark {pyspark.__version__}, Java {java_version()}, local[2])"
    return f"spark: tests SKIPPED: {reason}"


@pytest.fixture(scope="session")
def spark_session():
    """One local SparkSession (``local[2]``, 2 shuffle partitions, UI off, quiet, C1 JIT) per test
    run, shared by every Spark test; skips with the reason when Spark cannot run here
    (pyspark missing or no Java >= 17)."""
    reason = _spark_reason()
    if reason is not None:
        pytest.skip(f"Spark not available: {reason}")
    from kamresearch.engine.spark import local_session

    # C1 JIT only: the tests run ~100 short queries over small tables, where the
    # optimising C2 compiler's work never pays back (about 40% less CPU in total)
    session = local_session(
        master="local[2]",
        shuffle_partitions=2,
        driver_memory="1g",
        java_options="-XX:TieredStopAtLevel=1",
    )
    yield session
    session.stop()


@pytest.fixture(scope="session")
def spark_backend(spark_session):
    """Ibis's pyspark backend over :func:`spark_session`."""
    import ibis

    return ibis.pyspark.connect(session=spark_session)


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
