"""The report run's store: the validated lines as one Parquet file written by the engine.

:func:`kamresearch.reports.run` scans its input once (:func:`kamresearch.scan_transactions`,
in DuckDB or Spark) and writes the canonical lines here with :func:`write_store` --
DuckDB's ``COPY ... TO`` for a DuckDB table, Arrow record batches streamed from the
engine for Spark -- so the lines never pass through pandas on the way (CSV and Excel
input is read by :func:`kamresearch.read_transactions` first, as ever). Every later
step opens the store lazily with :func:`open_store`: the run's as-of date, the
customer -> region assignment and the yardstick are reductions in DuckDB, and each
region's worker pushes its region filter down (a semi-join of the lines on the
customers the sidecar assigns to the region), so only that region's lines are read.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import pandas as pd

from .ingest import ROW
from .table import LazyTable

__all__ = ["write_store", "open_store", "store_lines", "region_revenue", "MEMORY_LIMIT"]


def _ordered(tx: LazyTable):
    """The lines in source order when the scan knows it (the store keeps that order)."""
    if tx.ordered is not None:
        return tx.ordered.order_by(ROW).drop(ROW)
    return tx.expr


#: DuckDB's memory limit for the store's connections (a report run has a parent and
#: ``--jobs`` workers at once); beyond it sorts and aggregations spill to disk.
MEMORY_LIMIT = "3GB"


def _limit(backend) -> None:
    """Cap DuckDB's memory on ``backend``; it spills to a scratch folder of this process
    in the system temp folder (never inside the run's folder)."""
    import os
    import tempfile

    scratch = Path(tempfile.gettempdir()) / "kamresearch-duckdb" / str(os.getpid())
    now = backend.raw_sql("SELECT current_setting('temp_directory')").fetchone()[0]
    if now == str(scratch):  # set already (DuckDB refuses a change once it has spilled)
        return
    scratch.parent.mkdir(parents=True, exist_ok=True)  # DuckDB makes the last level only
    backend.raw_sql(f"SET memory_limit = {_sql_text(MEMORY_LIMIT)}")
    backend.raw_sql(f"SET temp_directory = {_sql_text(str(scratch))}")


def _sql_text(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def write_store(tx: LazyTable, path, *, metadata: dict) -> Path:
    """Write the lines of ``tx`` to the Parquet file ``path`` (overwritten), in the engine.

    Parameters
    ----------
    tx : LazyTable
        The validated lines (:func:`kamresearch.scan_transactions`).
    path : str or path
        Where to write (the caller makes it atomic: a temporary name, then a rename).
    metadata : dict of bytes -> str
        Key-value metadata of the Parquet file (the run's cache mark).

    Returns
    -------
    Path
        ``path``.
    """
    path = Path(path)
    expr = _ordered(tx)
    backend = expr.get_backend()
    if backend.name == "duckdb":
        # the sort into source order spills to disk rather than growing the process
        # past MEMORY_LIMIT
        _limit(backend)
        kv = ", ".join(
            f"{k.decode() if isinstance(k, bytes) else k}: {_sql_text(v)}"
            for k, v in metadata.items()
        )
        sql = backend.compile(expr)
        options = "FORMAT parquet, COMPRESSION zstd" + (f", KV_METADATA {{{kv}}}" if kv else "")
        backend.raw_sql(f"COPY ({sql}) TO {_sql_text(str(path))} ({options})")
        return path
    # Spark (or another backend): Arrow batches streamed from the engine to the file
    import pyarrow.parquet as pq

    reader = backend.to_pyarrow_batches(expr, chunk_size=1 << 20)
    schema = reader.schema.with_metadata(
        {**(reader.schema.metadata or {}), **{k: str(v).encode() for k, v in metadata.items()}}
    )
    with pq.ParquetWriter(str(path), schema, compression="zstd") as writer:
        for batch in reader:
            writer.write_batch(batch.replace_schema_metadata(schema.metadata))
    return path


def open_store(path, *, quality: dict | None = None, region=None, sidecar=None) -> LazyTable:
    """The store's lines as a LazyTable on a new in-process DuckDB (nothing read yet).

    Parameters
    ----------
    path : str or path
        The store (:func:`write_store`).
    quality : dict, optional
        The input's quality summary (``attrs["quality"]``).
    region : str, optional
        Keep only the lines of this region's customers: those ``sidecar`` assigns to it
        (a semi-join DuckDB pushes into the scan). None: every line.
    sidecar : str or path, optional
        Parquet file of ``customer_id``, ``region`` (one row per customer); required
        with ``region``.

    Returns
    -------
    LazyTable
        ``to_pandas()`` gives the lines in the store's order.
    """
    import ibis

    if region is not None and sidecar is None:
        raise ValueError("open_store: region needs the sidecar")
    con = ibis.duckdb.connect()
    _limit(con)
    with warnings.catch_warnings():  # ibis 12 calls duckdb 2's deprecated fetch_arrow_table
        warnings.filterwarnings("ignore", "fetch_arrow_table", DeprecationWarning)
        t = con.read_parquet(str(path), file_row_number=True)
        s = None if region is None else con.read_parquet(str(sidecar))
    t = t.mutate(**{ROW: t.file_row_number}).drop("file_row_number")
    if region is not None:
        ids = s.filter(s.region == str(region)).select("customer_id")
        t = t.semi_join(ids, "customer_id")
    attrs = {"quality": dict(quality)} if quality else {}
    canon = [c for c in t.columns if c != ROW]
    return LazyTable(t.select(canon), str(path), "duckdb", attrs, ordered=t)


def store_lines(tx: LazyTable) -> pd.DataFrame:
    """Materialise ``tx``'s lines as the canonical DataFrame (what the cache held).

    For report sections that still need a DataFrame: the caller filters first.
    """
    return tx.to_pandas()


def region_revenue(tx: LazyTable, assignment: pd.Series) -> pd.Series:
    """Net revenue of every line, summed by the region of its customer (``assignment``).

    Lines of customers absent from ``assignment`` are left out, as a pandas
    ``groupby`` of ``customer_id.map(assignment)`` would. Returns a Series indexed by
    region, named ``amount``.
    """
    import ibis

    from .lines import open_lines

    frame = pd.DataFrame(
        {
            "customer_id": assignment.index.astype(str),
            "region_of": assignment.astype(str).to_numpy(),
        }
    )
    with open_lines(tx) as lines:
        t = lines.table
        m = ibis.memtable(frame)
        j = t.join(m, t.customer_id == m.customer_id)
        got = lines.execute(j.group_by("region_of").aggregate(amount=j.amount.sum()))
    out = got.set_index("region_of")["amount"].astype(float)
    out.index.name = None
    return out
