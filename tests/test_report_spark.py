"""The report run with ``engine="spark"`` (``kamresearch report --engine spark``).

Spark scans and validates the input and streams the run's store; the figures must
be those of the default DuckDB run. Runs with the session-wide local Spark of
``conftest.py`` (skipped, with the reason, without pyspark or Java >= 17). The
expected values are the DuckDB run's and, independently, plain pandas sums.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from kamresearch import reports
from kamresearch.errors import ConfigError

ROOT = Path(__file__).resolve().parents[1]
TINY = ROOT / "tests" / "data" / "tiny_report.ipynb"


@pytest.fixture(scope="module")
def small_file(sample_tx, tmp_path_factory):
    """10 customers of each of two sample regions (all their lines), as Parquet."""
    tx = sample_tx[sample_tx["region"].isin(["Central", "Export"])]
    firsts = tx.groupby("region")["customer_id"].unique().map(lambda a: sorted(a)[:10])
    ids = {c for ids in firsts for c in ids}
    tx = sample_tx[sample_tx["customer_id"].isin(ids)].reset_index(drop=True)
    path = tmp_path_factory.mktemp("spark") / "small.parquet"
    tx.to_parquet(path)
    return path, tx


def _figures(out: Path, stem: str) -> dict:
    doc = json.loads((out / f"{stem}.headline.json").read_text(encoding="utf-8"))
    return {f["figure"]: f["value"] for f in doc["figures"]}


def test_engine_option_is_checked():
    with pytest.raises(ConfigError, match="engine must be one of"):
        reports.resolve_options("x.parquet", engine="polars")


def test_spark_report_gives_the_duckdb_figures(spark_session, small_file, tmp_path):
    path, tx = small_file
    out = tmp_path / "out"
    regions = ["Export"]
    duck = reports.run(path, out=out, regions=regions, template=TINY, jobs=1)
    assert duck.exit_code == 0, [r.error for r in duck.regions]
    expected = {stem: _figures(out, stem) for stem in ("Export",)}
    spark = reports.run(path, out=out, regions=regions, template=TINY, jobs=1, engine="spark")
    assert spark.exit_code == 0, [r.error for r in spark.regions]
    assert not any(r.reused for r in spark.regions)  # the engine is in the fingerprint
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["parameters"]["engine"] == "spark"
    assert manifest["input"]["lines"] == len(tx)
    for stem, figures in expected.items():
        got = _figures(out, stem)
        assert got.keys() == figures.keys()
        for k, v in figures.items():
            assert got[k] == (pytest.approx(v, rel=1e-9) if isinstance(v, float) else v), k
    # independently: the region's revenue is the plain sum of its customers' lines
    # (each of the 20 customers bought in one region only)
    export = tx.loc[tx["region"] == "Export", "amount"].sum()
    assert _figures(out, "Export")["revenue"] == pytest.approx(float(export), rel=1e-9)
    store = pd.read_parquet(out / "_data" / "transactions.parquet")
    assert len(store) == len(tx)
