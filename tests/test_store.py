"""The report run's store (kamresearch.engine.store) and load_region over it.

Expected values: the input DataFrame itself and plain pandas filters on it (the
customers of a region by an independent majority-revenue rule).
"""

from __future__ import annotations

import pandas as pd
import pyarrow.parquet as pq
import pytest

import kamresearch as kam
from kamresearch import reports
from kamresearch.engine.store import open_store, region_revenue, write_store
from kamresearch.reports.tables import CACHE_MARK


def _majority_region(tx: pd.DataFrame) -> pd.Series:
    g = tx.groupby(["customer_id", "region"])["amount"].sum().reset_index()
    g = g.sort_values(["customer_id", "amount", "region"], ascending=[True, False, True])
    return g.drop_duplicates("customer_id").set_index("customer_id")["region"]


@pytest.fixture(scope="module")
def store(sample_tx, tmp_path_factory):
    """The sample's first 400 customers written to a store with the run's cache mark."""
    ids = sorted(sample_tx["customer_id"].unique())[:400]
    tx = sample_tx[sample_tx["customer_id"].isin(ids)].reset_index(drop=True)
    folder = tmp_path_factory.mktemp("store")
    path = folder / "transactions.parquet"
    write_store(kam.scan_transactions(tx), path, metadata={CACHE_MARK: '{"a": "it\'s"}'})
    as_of = tx["date"].max()
    owner = _majority_region(tx).rename("region")
    owner.to_frame().to_parquet(folder / f"regions-{as_of.date()}.parquet")
    return path, tx, owner, as_of


def test_store_holds_the_lines_in_order_with_the_mark(store):
    path, tx, _, _ = store
    assert pq.read_schema(path).metadata[CACHE_MARK] == b'{"a": "it\'s"}'
    got = open_store(path).to_pandas()
    got.attrs = {}
    expected = tx.copy()
    expected.attrs = {}
    pd.testing.assert_frame_equal(got, expected)


def test_region_filter_and_load_region(store):
    path, tx, owner, as_of = store
    region = owner.value_counts().index[0]
    expected = tx[tx["customer_id"].isin(owner.index[owner == region])].reset_index(drop=True)
    got = open_store(path, region=region, sidecar=path.with_name(f"regions-{as_of.date()}.parquet"))
    frame = got.to_pandas()
    frame.attrs = {}
    pd.testing.assert_frame_equal(frame, expected)
    data = reports.load_region(path, region, as_of=str(as_of.date()))
    pd.testing.assert_frame_equal(data.tx.reset_index(drop=True), expected, check_like=False)
    lazy = reports.load_region(path, region, as_of=str(as_of.date()), lazy=True)
    pd.testing.assert_frame_equal(lazy.tx.to_pandas().reset_index(drop=True), expected)
    # the company standard is reduced on the store, nothing loaded
    assert type(data.company).__name__ == "LazyTable"


def test_region_revenue_sums_lines_by_the_customers_region(store):
    path, tx, owner, _ = store
    got = region_revenue(open_store(path), owner).sort_index()
    expected = tx.groupby(tx["customer_id"].map(owner))["amount"].sum().sort_index()
    assert list(got.index) == list(expected.index)
    assert got.to_numpy() == pytest.approx(expected.to_numpy(), rel=1e-12)
