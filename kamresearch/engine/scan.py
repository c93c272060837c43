"""Scanning a source into the engine: :func:`scan_transactions` returns a lazy table.

:func:`scan_transactions` is :func:`kamresearch.read_transactions` for data that
stay in the engine: the same sources, mapping, presets, header recognition,
validation and quality summary, and the same :class:`~kamresearch.DataError`
messages, but the lines are never loaded into pandas. Validation runs in the
engine (:mod:`kamresearch.engine.ingest`): counts, and a few example rows when a
count says something is wrong.

Where each source is read:

==================================== =================================================
source                               how
==================================== =================================================
``.parquet`` file, a glob            DuckDB reads the files lazily (``read_parquet``);
(``invoices/*.parquet``) or a        row labels in messages: the spreadsheet row
folder of Parquet files              (header = row 1), ``file!row`` for several files
pandas DataFrame, pyarrow Table      registered with DuckDB without a copy (row labels:
                                     the DataFrame's index labels)
Ibis table                           used on its own backend (row labels: positions
                                     from 0)
Spark DataFrame                      Ibis's PySpark backend on the DataFrame's session
                                     (``engine="spark"``; row labels: Spark's
                                     ``monotonically_increasing_id``)
``.csv``/``.txt``/``.tsv``, Excel    read by :func:`kamresearch.read_transactions`
                                     (encoding, delimiter, decimal separator, title
                                     rows, sheets: decisions DuckDB cannot make
                                     safely), then handed to the engine
==================================== =================================================

Exact duplicate lines are found through a hash of each line, compared cell by cell
only where hashes repeat (:func:`kamresearch.engine.ingest.canonical`); the rows of
the lines dropped are kept in the engine, so every later reduction reads the source
once more with a small anti-join, never a copy of the lines.

A scanned source whose columns need the reader's decisions on text -- dates or
numbers stored as text, zoned timestamps, ledger rules such as total rows or a
remark column marking returns -- is read by :func:`kamresearch.read_transactions`
too (logged), so the result and the messages are the reader's in every case.
Input files are only read, never written.
"""

from __future__ import annotations

import glob as _glob
import hashlib
import logging
import os
import uuid
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import ConfigError, DataError, KamError
from ..io import read as _read
from ..io.read import read_transactions
from .ingest import ROW, NeedsReader, Raw, canonical
from .lines import remember_date_bounds
from .table import LazyTable

__all__ = ["scan_transactions", "ENGINES"]

logger = logging.getLogger("kamresearch")

#: The engines a scan can run on.
ENGINES = ("duckdb", "spark")
_GLOB = set("*?[")


def scan_transactions(
    source,
    mapping=None,
    *,
    engine=None,
    sheet=None,
    keep_duplicates=False,
    dayfirst=None,
    header_row=None,
    unit=None,
    amount_basis="net",
    returns_from=None,
    decimal=None,
    unify_ids=False,
    unify_regions=False,
    tz=None,
    outlying_dates="raise",
) -> LazyTable:
    """Scan client transactions into the engine as a lazy canonical table.

    The options and rules are those of :func:`kamresearch.read_transactions` (see
    :mod:`kamresearch.io.read`); only the place where the lines are processed differs
    (the module docstring says where each source is read).

    Parameters
    ----------
    source : str, Path, DataFrame, pyarrow.Table, Ibis table or Spark DataFrame
        A ``.parquet`` file, a glob of Parquet files (``"data/*.parquet"``) or a folder
        of them (read recursively); a ``.csv``/``.txt``/``.tsv`` or Excel file (read
        with :func:`kamresearch.read_transactions`, then handed to the engine); a
        pandas DataFrame or pyarrow Table (not copied, never modified); an Ibis table;
        a Spark DataFrame.
    mapping : str or dict, optional
        A preset name (``"online-retail"``) or ``{canonical name: source column}``, as
        for :func:`kamresearch.read_transactions`.
    engine : {"duckdb", "spark"}, optional
        Where the lines are processed. Default: ``"spark"`` for a Spark DataFrame (or
        an Ibis table on Spark), else ``"duckdb"`` (in this process). ``"spark"`` with
        a path reads the files with the active SparkSession.
    sheet, keep_duplicates, dayfirst, header_row, unit, amount_basis, returns_from, \
decimal, unify_ids, unify_regions, tz, outlying_dates
        As for :func:`kamresearch.read_transactions`.

    Returns
    -------
    LazyTable
        ``expr``: the canonical columns of :mod:`kamresearch.schema` (``customer_id``,
        ``date``, ``amount``, ``region``, then whichever of ``invoice_id``,
        ``product_id``, ``quantity``, ``unit_price`` the source has, then mapped
        attribute columns), unmaterialised; ``attrs["quality"]``: the quality summary
        with the keys of :func:`kamresearch.read_transactions`'; ``to_pandas()`` gives
        the DataFrame :func:`kamresearch.read_transactions` returns.

    Raises
    ------
    DataError
        As :func:`kamresearch.read_transactions`, with the same messages; also when
        a glob or folder holds no Parquet file.
    ConfigError
        Unknown preset or engine, wrong argument type, or ``engine="spark"`` without
        a Spark session.

    Examples
    --------
    >>> import kamresearch as kam
    >>> tx = kam.scan_transactions(kam.load_sample())
    >>> tx.attrs["quality"]["customers"]
    3000
    >>> int(tx.expr.count().execute())
    86741
    """
    if engine is not None and engine not in ENGINES:
        raise ConfigError(f"engine must be one of {ENGINES}, got {engine!r}")
    opts = {
        "sheet": sheet,
        "keep_duplicates": keep_duplicates,
        "dayfirst": dayfirst,
        "header_row": header_row,
        "unit": unit,
        "amount_basis": amount_basis,
        "returns_from": returns_from,
        "decimal": decimal,
        "unify_ids": unify_ids,
        "unify_regions": unify_regions,
        "tz": tz,
        "outlying_dates": outlying_dates,
    }
    kind = _kind(source)
    if engine is None:
        engine = "spark" if kind in ("spark", "ibis-spark") else "duckdb"
    if kind in ("spark", "ibis-spark") and engine != "spark":
        raise ConfigError("a Spark DataFrame is scanned with engine='spark' (or engine=None)")
    if kind == "file" and not _lazy_path(source):
        return _handed(read_transactions(source, mapping, **opts), str(source), engine)
    src = _name(source, kind)
    try:
        raw = _raw(source, kind, src, engine, sheet)
        if opts["header_row"] is not None:
            raise NeedsReader("header_row= was given")
        scan = {
            "keep_duplicates": keep_duplicates,
            "unit": unit,
            "basis": amount_basis or "net",
            "returns_from": returns_from,
            "unify_ids": unify_ids,
            "unify_regions": unify_regions,
            "outlying_dates": outlying_dates,
            "today": _read._today(),
        }
        _read.check_zone(tz)
        lines, quality, heavy = canonical(raw, mapping, scan, src)
    except NeedsReader as why:
        logger.info("%s: read with read_transactions (%s)", src, why)
        return _by_reader(source, kind, src, engine, mapping, opts)
    except KamError:
        raise
    except _read._boundary_errors() + _engine_errors() as exc:
        if kind in ("pandas", "arrow"):  # in memory: the reader decides (and says why)
            logger.info("%s: read with read_transactions (%s)", src, exc)
            return _by_reader(source, kind, src, engine, mapping, opts)
        raise DataError(
            f"could not read the data: {type(exc).__name__}: {exc}",
            source=src,
            fix="check that the file opens (e.g. in DuckDB) and is a table of transaction lines",
        ) from exc
    canon = [c for c in lines.columns if c != ROW]
    tx = LazyTable(lines.select(canon), src, engine, {"quality": quality}, ordered=lines)
    if engine == "duckdb" and kind in ("file", "glob", "folder") and heavy:
        tx = _persist(tx)
    remember_date_bounds(tx, quality["date_min"], quality["date_max"], quality["lines"])
    logger.info(
        "%s: %s lines kept of %s read, %s customers (%s)",
        src,
        f"{quality['lines']:,}",
        f"{quality['lines_read']:,}",
        f"{quality['customers']:,}",
        engine,
    )
    return tx


def _by_reader(source, kind, src, engine, mapping, opts) -> LazyTable:
    """The source read by read_transactions (sources it must decide), handed over."""
    frame = source if kind == "file" else _frame(source, kind)
    try:
        tx = read_transactions(frame, mapping, **opts)
    except DataError as exc:
        if kind not in ("glob", "folder"):
            raise
        raise DataError(
            exc.reason, source=src, column=exc.column, rows=exc.rows, fix=exc.fix
        ) from exc
    if kind in ("glob", "folder"):
        tx.attrs["quality"].update(source=src, **_file_facts(source, kind))
    return _handed(tx, src, engine, session=_session(source, kind))


# --------------------------------------------------------------------------- sources


def _kind(source) -> str:
    if isinstance(source, pd.DataFrame):
        return "pandas"
    if isinstance(source, str | os.PathLike):
        text = str(source)
        if _GLOB & set(text) and not Path(text).exists():
            return "glob"
        return "folder" if Path(text).is_dir() else "file"
    mod = type(source).__module__
    if mod.startswith("pyarrow") and type(source).__name__ == "Table":
        return "arrow"
    if mod.startswith("pyspark") and type(source).__name__ == "DataFrame":
        return "spark"
    if mod.startswith("ibis"):
        import ibis.expr.types as ir

        if isinstance(source, ir.Table):
            return "ibis-spark" if _backend_name(source) == "pyspark" else "ibis"
    raise ConfigError(
        "source must be a file path, a glob or folder of Parquet files, a DataFrame, a "
        f"pyarrow Table, an Ibis table or a Spark DataFrame, got {type(source).__name__}"
    )


def _backend_name(table) -> str | None:
    try:
        return table.get_backend().name
    except Exception:  # an unbound memtable
        return None


def _lazy_path(source) -> bool:
    return Path(source).suffix.lower() == ".parquet" and Path(source).is_file()


def _name(source, kind) -> str:
    return {
        "pandas": "<DataFrame>",
        "arrow": "<Arrow table>",
        "ibis": "<Ibis table>",
        "ibis-spark": "<Ibis table>",
        "spark": "<Spark DataFrame>",
    }.get(kind) or str(source)


def _files(source, kind) -> list[str]:
    if kind == "file":
        return [str(source)]
    if kind == "glob":
        found = sorted(_glob.glob(str(source), recursive=True))
    else:
        found = sorted(str(p) for p in Path(source).rglob("*.parquet"))
    found = [f for f in found if Path(f).is_file()]
    if not found:
        raise DataError(
            "no Parquet file found" + (" in the folder" if kind == "folder" else " by the glob"),
            source=str(source),
            fix="check the path; a folder is searched for *.parquet files, recursively",
        )
    odd = [f for f in found if Path(f).suffix.lower() != ".parquet"]
    if odd:
        raise DataError(
            f"a glob scans Parquet files only; it matched {odd[:3]}",
            source=str(source),
            fix="read other files one by one with read_transactions / scan_transactions",
        )
    return found


def _sha256(path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _file_facts(source, kind) -> dict:
    files = _files(source, kind)
    if len(files) == 1:
        return {"format": "parquet", "sha256": _sha256(files[0])}
    digest = hashlib.sha256("".join(_sha256(f) for f in files).encode()).hexdigest()
    return {"format": "parquet", "sha256": digest}


def _raw(source, kind, src, engine, sheet) -> Raw:
    if sheet is not None:
        raise ConfigError(f"sheet= applies to Excel workbooks, not to {_name(source, kind)}")
    if kind in ("file", "glob", "folder"):
        files = _files(source, kind)
        info = _file_facts(source, kind)
        if engine == "spark":
            return _spark_files(files, info)
        return _duckdb_files(files, info)
    if kind == "pandas":
        frame = source.copy(deep=False)  # shallow: a position column added, data not copied
        frame.columns = [str(c) for c in frame.columns]
        frame[ROW] = np.arange(len(frame), dtype=np.int64)
        index = source.index
        t = _duckdb_register(frame)
        info = {"format": "dataframe", "sha256": None}
        return Raw(t, info, lambda r: [index[i] for i in r], _on_duckdb)
    if kind == "arrow":
        import pyarrow as pa

        table = source.append_column(ROW, pa.array(np.arange(source.num_rows, dtype=np.int64)))
        return Raw(_duckdb_register(table), {"format": "arrow", "sha256": None}, list, _on_duckdb)
    if kind == "ibis":
        import ibis

        return Raw(
            source.mutate(**{ROW: ibis.row_number()}), {"format": "ibis", "sha256": None}, list
        )
    if kind == "ibis-spark":
        import ibis

        t = source.mutate(**{ROW: ibis.row_number()})
        return Raw(t, {"format": "spark", "sha256": None}, list)
    # a Spark DataFrame
    from pyspark.sql import functions as F

    df = source.withColumn(ROW, F.monotonically_increasing_id())
    return Raw(_spark_view(df), {"format": "spark", "sha256": None}, list)


def _duckdb():
    import ibis

    return ibis.duckdb.connect()


def _duckdb_register(data, con=None):
    """A DataFrame or Arrow table as an Ibis table on (a new) in-process DuckDB, no copy."""
    con = con or _duckdb()
    name = f"kam_scan_{uuid.uuid4().hex}"
    con.con.register(name, data)
    return con.table(name)


def _on_duckdb(expr):
    """A small result fetched once (Arrow) and registered back on its DuckDB."""
    return _duckdb_register(expr.to_pyarrow(), expr.get_backend())


def _duckdb_files(files, info) -> Raw:
    from .store import _limit

    con = _duckdb()
    _limit(con)  # the scan's checks and later reductions spill to disk beyond it
    many = len(files) > 1
    t = con.read_parquet(files, file_row_number=True, filename=many)
    row = t.file_row_number
    if many:  # file i, row r -> i * 2**40 + r: one sortable number
        index = {f: i for i, f in enumerate(files)}
        row = t.filename.substitute(index, else_=0).cast("int64") * (1 << 40) + row
        t = t.mutate(**{ROW: row}).drop("file_row_number", "filename")
    else:
        t = t.mutate(**{ROW: row}).drop("file_row_number")
    names = [Path(f).name for f in files]

    def label(rows):
        if not many:
            return [int(r) + 2 for r in rows]
        return [f"{names[int(r) >> 40]}!{(int(r) & ((1 << 40) - 1)) + 2}" for r in rows]

    return Raw(t, info, label, _on_duckdb)


def _spark_session():
    try:
        from pyspark.sql import SparkSession
    except ImportError as exc:  # pragma: no cover
        raise ConfigError("engine='spark' needs pyspark: pip install 'kamresearch[spark]'") from exc
    session = SparkSession.getActiveSession()
    if session is None:
        raise ConfigError(
            "engine='spark' reads files with the active SparkSession, and there is none: "
            "start one (kamresearch.engine.spark.local_session()) or pass a Spark DataFrame"
        )
    return session


def _spark_view(df):
    import ibis

    con = ibis.pyspark.connect(session=df.sparkSession)
    name = f"kam_scan_{uuid.uuid4().hex}"
    df.createOrReplaceTempView(name)
    return con.table(name)


def _spark_files(files, info) -> Raw:
    from pyspark.sql import functions as F

    df = _spark_session().read.parquet(*files).withColumn(ROW, F.monotonically_increasing_id())
    return Raw(_spark_view(df), info, list)


def _session(source, kind):
    if kind == "spark":
        return source.sparkSession
    if kind == "ibis-spark":
        return source.get_backend()._session
    return None


def _frame(source, kind) -> pd.DataFrame:
    """The source as a pandas DataFrame, for read_transactions (sources it must decide)."""
    if kind == "pandas":
        return source
    if kind in ("file", "glob", "folder"):
        import pyarrow as pa
        import pyarrow.parquet as pq

        return pa.concat_tables([pq.read_table(f) for f in _files(source, kind)]).to_pandas()
    if kind == "arrow":
        return source.to_pandas()
    if kind == "spark":
        return source.toPandas()
    return source.to_pandas()


def _handed(tx: pd.DataFrame, src, engine, session=None) -> LazyTable:
    """A DataFrame read by read_transactions, handed to the engine."""
    quality = tx.attrs.get("quality", {})
    frame = tx.copy(deep=False)
    frame.attrs = {}
    frame[ROW] = np.arange(len(frame), dtype=np.int64)
    if engine == "spark":
        session = session or _spark_session()
        t = _spark_view(session.createDataFrame(frame))
    else:
        t = _duckdb_register(frame)
    canon = [c for c in t.columns if c != ROW]
    return LazyTable(t.select(canon), src, engine, {"quality": quality}, ordered=t)


def _persist(tx: LazyTable) -> LazyTable:
    """The validated lines written once, by DuckDB, to a scratch Parquet file.

    The canonical expression of a file scan re-runs the reader's rules (text
    stripping, the duplicate check, ...) in every query; measured on 1M lines it
    made each analysis 10-15x slower than the same reduction over the written
    lines, while writing them costs about one such query. The file is removed when
    the returned LazyTable is garbage collected (or at exit).
    """
    import dataclasses
    import tempfile
    import weakref

    from .store import open_store, write_store

    fd, path = tempfile.mkstemp(prefix="kam-scan-", suffix=".parquet")
    os.close(fd)
    try:
        write_store(tx, path, metadata={})
    except BaseException:
        _remove(path)
        raise
    out = dataclasses.replace(open_store(path, quality=tx.attrs.get("quality")), source=tx.source)
    out.attrs.update(tx.attrs)
    weakref.finalize(out, _remove, path)
    return out


def _remove(path) -> None:
    try:
        os.remove(path)
    except OSError:
        pass


def _engine_errors() -> tuple:
    errors = []
    try:
        import duckdb

        errors.append(duckdb.Error)
    except ImportError:  # pragma: no cover
        pass
    try:
        from ibis.common.exceptions import IbisError

        errors.append(IbisError)
    except ImportError:  # pragma: no cover
        pass
    try:
        from pyspark.errors import PySparkException

        errors.append(PySparkException)
    except ImportError:  # pyspark is optional
        pass
    return tuple(errors)
