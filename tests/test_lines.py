"""kamresearch.engine.lines: the bulk conversion of DuckDB results gives what ibis'
``execute`` gives (its own conversion is the reference), categoricals the same values."""

from __future__ import annotations

import warnings

import ibis
import pandas as pd
import pytest

from kamresearch.engine.lines import Lines


@pytest.fixture(scope="module")
def table():
    con = ibis.duckdb.connect()
    df = pd.DataFrame(
        {
            "i": [1, None, 3, 4],
            "f": [1.5, None, 2.0, float("nan")],
            "b": [True, None, False, True],
            "s": ["a", None, "c", "a"],
            "t": pd.to_datetime(["2020-01-01", None, "2021-01-01", "2022-05-06"]),
            "n": [1, 2, 3, 4],
            "g": ["x", "x", "y", "z"],
        }
    )
    con.con.register("lines_test", df)
    t = con.table("lines_test")
    return t.mutate(i=t.i.cast("int64"), d=t.t.date(), none=ibis.null("int64"))


def _both(expr, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        want = expr.execute()
    got = Lines(expr, "duckdb").execute(expr, **kw)
    for c in want.columns:  # Lines.execute's own rule: naive nanosecond timestamps
        if pd.api.types.is_datetime64_any_dtype(want[c].dtype):
            want[c] = want[c].astype("datetime64[ns]")
    return got, want


def test_columns_with_nulls_convert_as_ibis_does(table):
    got, want = _both(table)
    pd.testing.assert_frame_equal(got, want)


@pytest.mark.parametrize("where", [None, "no nulls"])
def test_integer_sums_convert_as_ibis_does(table, where):
    t = table.filter(table.i.notnull()) if where else table
    for expr in (
        t.group_by("g").aggregate(s=t.i.sum(), c=t.count()).order_by("g"),
        t.mutate(s=t.n.sum().over(group_by="g")).order_by("n"),
        t.filter(t.n > 100).aggregate(s=t.i.sum()),
    ):
        got, want = _both(expr)
        pd.testing.assert_frame_equal(got, want)


def test_categorical_columns_hold_the_same_values(table):
    got, want = _both(table, categorical=("s", "g"))
    assert isinstance(got["s"].dtype, pd.CategoricalDtype)
    assert list(got.columns) == list(want.columns)
    for c in ("s", "g"):
        assert got[c].astype(object).where(got[c].notna(), None).tolist() == want[c].tolist()
    pd.testing.assert_frame_equal(got.drop(columns=["s", "g"]), want.drop(columns=["s", "g"]))


def test_kept_tables_are_dropped_with_their_lazy_table(sample_tx):
    """A table kept for one LazyTable (customer_lifetimes' purchase days) lives as long
    as that table: a copy sharing the connection (``up_to``) leaves nothing behind."""
    import gc

    import kamresearch as kam
    from kamresearch.engine.lines import up_to
    from kamresearch.engine.table import LazyTable

    lazy = LazyTable.from_frame(sample_tx)
    backend = lazy.expr.get_backend()

    def kept():
        sql = "SELECT count(*) FROM duckdb_tables() WHERE table_name LIKE 'kam_kept_%'"
        return backend.raw_sql(sql).fetchone()[0]

    as_of = sample_tx["date"].max().normalize() - pd.Timedelta(days=30)
    copy = up_to(lazy, as_of)
    got = kam.churn.customer_lifetimes(copy)
    want = kam.churn.customer_lifetimes(up_to(sample_tx, as_of))
    assert kept() == 1
    assert got.index.equals(want.index)
    del copy, got
    gc.collect()
    assert kept() == 0
