"""The lines an engine reduction reads: one Ibis table for a DataFrame or a LazyTable.

Every reduction of the engine (:mod:`.facts`, :mod:`.windows`, :mod:`.panels`,
:mod:`.customers`) is written once, as an Ibis expression over the canonical
columns, and runs on the backend that holds the lines:

* a canonical pandas DataFrame is registered with an in-process DuckDB
  connection (one per thread, reused) *without a copy* -- DuckDB scans the
  pandas arrays in place -- and unregistered when the reduction is done;
* a :class:`~kamresearch.engine.table.LazyTable` brings its own expression
  (DuckDB over Parquet, Spark, ...).

Only the small results come back to pandas (:meth:`Lines.execute`), with the
dtypes the analyses expect: naive ``datetime64[ns]`` timestamps, ``int64``
counts, ``float64`` money.

Dates inside the expressions are handled as *day numbers* (days since
1970-01-01, int64) where days are compared or subtracted: integer arithmetic is
the same on every backend, whereas date/interval types and time zones are not.
"""

from __future__ import annotations

import contextlib
import copy
import functools
import itertools
import threading
import warnings
import weakref

import numpy as np
import pandas as pd

from .table import is_lazy

__all__ = [
    "Lines",
    "open_lines",
    "memo",
    "slim",
    "day_number",
    "from_day_number",
    "date_bounds",
    "remember_date_bounds",
    "n_lines",
    "n_customers",
    "up_to",
]

_local = threading.local()
#: Results of the reductions already run on each LazyTable (its lines do not change):
#: LazyTable -> {(reduction, arguments): result}. See :func:`memo`.
_memo: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_names = itertools.count()


def _duckdb_backend():
    """This thread's in-process DuckDB backend (created once: connecting costs ~15 ms)."""
    be = getattr(_local, "backend", None)
    if be is None:
        import ibis

        be = ibis.duckdb.connect()
        _local.backend = be
    return be


class Lines:
    """The lines of one transaction table as an Ibis table on its backend.

    Attributes
    ----------
    table : ibis.expr.types.Table
        Every line (canonical columns and attributes).
    engine : {"duckdb", "spark"}
    columns : list of str
    """

    def __init__(self, table, engine: str, tx=None):
        self.table = table
        self._tx = tx
        self._store = _memo.setdefault(tx, {}) if is_lazy(tx) else {}
        self.engine = engine
        self.columns = list(table.columns)

    def cut(self, as_of: pd.Timestamp):
        """The lines dated up to ``as_of`` (lines on that day included), and how many
        lines lie after it (one count query)."""
        import ibis

        cutoff = ibis.literal(pd.Timestamp(as_of) + pd.Timedelta(days=1)).cast("timestamp")
        t = self.table
        key = ("lines_after", pd.Timestamp(as_of))
        last = date_bounds(self._tx)[1] if self._tx is not None else None
        every = last is not None and last < pd.Timestamp(as_of) + pd.Timedelta(days=1)
        if key not in self._store:
            if every:
                self._store[key] = 0  # every line is up to as_of: no count needed
            else:
                self._store[key] = int(self.scalar(t.count(where=t.date >= cutoff)) or 0)
        # every line up to as_of (the usual case): no filter for the engine to apply
        return (t if every else t.filter(t.date < cutoff)), self._store[key]

    def kept(self, key, build):
        """``build()``, a table that several queries read, computed once per LazyTable.

        On a LazyTable the table is materialised in the engine the first time (a
        DuckDB temporary table; a cached Spark DataFrame) and remembered with the
        table's other reductions, so the next query reads it instead of the lines
        again; on a DataFrame it is the expression itself (small data: nothing to
        save). ``key``: hashable, what ``build`` depends on.
        """
        if not is_lazy(self._tx):
            return build()
        key = ("kept", *key)
        if key not in self._store:
            table, drop = _materialise(build(), self.engine)
            if drop is not None:  # another LazyTable may share the connection (up_to)
                weakref.finalize(self._tx, drop)
            self._store[key] = table
        return self._store[key]

    def execute(self, expr, *, categorical=()) -> pd.DataFrame:
        """Run ``expr`` and return a DataFrame with naive ``datetime64[ns]`` timestamps.

        ``categorical``: text columns returned as pandas categoricals (codes and the
        distinct values: millions of repeated ids cost little that way).
        """
        with warnings.catch_warnings():
            # ibis 12 calls duckdb 2's deprecated fetch_arrow_table (harmless)
            warnings.filterwarnings("ignore", "fetch_arrow_table", DeprecationWarning)
            if self.engine == "duckdb":
                out = _execute_duckdb(expr, categorical)
            else:
                out = expr.execute()
                for c in categorical:
                    out[c] = out[c].astype("category")
        if isinstance(out, pd.Series):
            out = out.to_frame()
        for c in out.columns:
            dt = out[c].dtype
            if isinstance(dt, pd.DatetimeTZDtype):
                out[c] = out[c].dt.tz_convert("UTC").dt.tz_localize(None)
            if pd.api.types.is_datetime64_any_dtype(out[c].dtype):
                out[c] = out[c].astype("datetime64[ns]")
        return out

    def scalar(self, expr):
        """Run a scalar expression; NaN/NaT/None come back as None."""
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", "fetch_arrow_table", DeprecationWarning)
            value = expr.execute()
        if value is None or (not isinstance(value, str) and pd.isna(value)):
            return None
        return value


def _materialise(expr, engine: str):
    """(``expr`` computed once as a table of its backend, a callable releasing it or
    None); see :meth:`Lines.kept`."""
    if engine == "duckdb":
        backend = expr.get_backend()
        name = f"kam_kept_{next(_names)}_{id(backend):x}"
        backend.raw_sql(f'CREATE TEMP TABLE "{name}" AS {backend.compile(expr)}')
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", "fetch_arrow_table", DeprecationWarning)
            table = backend.table(name)
        return table, functools.partial(_drop_temp, backend, name)
    try:
        return expr.cache(), None
    except Exception:  # a backend without caching: the expression, recomputed
        return expr, None


def _drop_temp(backend, name: str) -> None:
    """Drop a kept DuckDB table (its LazyTable is gone; the connection may live on)."""
    with contextlib.suppress(Exception):  # the connection may be closed already
        backend.raw_sql(f'DROP TABLE IF EXISTS "{name}"')


def _execute_duckdb(expr, categorical=()):
    """``expr.execute()`` of a table expression on DuckDB, with the same result, faster.

    ibis turns every result column that holds a null into Python objects one value at
    a time (``to_pylist``), which on a panel of millions of rows costs more than the
    query; pyarrow converts such columns in bulk to the same values (integers with
    nulls: float64 with NaN; booleans and text: object with None). Columns ibis keeps
    as Python objects for other reasons (nested, dictionary, all null) still go its way.
    """
    import ibis
    import ibis.expr.types as ir

    backend = expr._find_backend(use_default=True)
    relation = getattr(backend, "_to_duckdb_relation", None)
    if not isinstance(expr, ir.Table) or relation is None:
        out = expr.execute()
        for c in categorical:
            out[c] = out[c].astype("category")
        return out
    from ibis.backends.duckdb.converter import DuckDBPandasData

    table = relation(expr).to_arrow_table()
    schema = expr.schema()
    names = [c for c in table.column_names if c not in categorical]
    df = pd.DataFrame({name: _column(table.column(name), schema[name]) for name in names})
    if names:
        df = DuckDBPandasData.convert_table(df, ibis.schema({n: schema[n] for n in names}))
        df = expr.select(*names).__pandas_result__(df)
    for i, c in enumerate(table.column_names):
        if c in categorical:
            df.insert(i, c, _categorical(table.column(c), df.index if names else None))
    return df


def _categorical(col, index) -> pd.Series:
    """A text column of a result as a pandas categorical (Arrow's dictionary encoding)."""
    import pyarrow.types as pat

    if pat.is_string(col.type) or pat.is_large_string(col.type):
        values = col.combine_chunks().dictionary_encode().to_pandas()
    else:  # e.g. a column of nulls only, typed NULL
        values = pd.Series(col.to_pylist(), dtype=object).astype("category")
    return pd.Series(values, index=index)


def _column(col, dtype):
    """One DuckDB result column as ibis' ``execute`` makes it, converted in bulk."""
    import pyarrow as pa
    import pyarrow.types as pat

    if pat.is_nested(col.type) or pat.is_dictionary(col.type):
        return col.to_pylist()
    if col.null_count:
        # ibis: Python objects; pyarrow's bulk conversion gives the same values
        # (except for a column of nulls only, and integer sums that DuckDB returns as
        # decimals: those stay Python objects as ibis makes them)
        if col.null_count == len(col) or pat.is_decimal(col.type):
            return col.to_pylist()
        return col.to_pandas()
    if pat.is_decimal(col.type) and dtype.is_integer():
        # DuckDB sums integers as HUGEINT (an Arrow decimal): ibis converts the Decimal
        # objects to int64 one by one; pyarrow casts them at once (and checks overflow)
        return col.cast(pa.int64()).to_pandas()
    return col.to_pandas()


@contextlib.contextmanager
def open_lines(tx):
    """``with open_lines(tx) as lines:`` -- the :class:`Lines` of a DataFrame or LazyTable.

    A DataFrame is registered with this thread's DuckDB connection under a fresh
    name (no copy) for the duration of the block.
    """
    if is_lazy(tx):
        yield Lines(tx.expr, tx.engine, tx)
        return
    be = _duckdb_backend()
    name = f"kam_lines_{next(_names)}"
    raw = be.con
    raw.register(name, tx)
    try:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", "fetch_arrow_table", DeprecationWarning)
            table = be.table(name)
        yield Lines(table, "duckdb", tx)
    finally:
        with contextlib.suppress(Exception):
            raw.unregister(name)


def slim(t, *optional, attrs=()):
    """Ibis: the required canonical columns, the ``optional`` ones asked for, and the
    attribute columns ``attrs`` renamed ``a_0``, ``a_1``, ... -- so that no attribute
    name can clash with the names the reductions give their intermediate columns."""
    cols = {c: t[c] for c in ("customer_id", "date", "amount", "region", *optional)}
    cols.update({f"a_{i}": t[a] for i, a in enumerate(attrs)})
    return t.select(**cols)


def day_number(ts):
    """Ibis: the day of a timestamp as days since 1970-01-01 (int64, floor)."""
    return (ts.epoch_seconds() // 86400).cast("int64")


def from_day_number(values) -> pd.Series | pd.DatetimeIndex:
    """Pandas: day numbers (int, float with NaN, or nullable) to ``datetime64[ns]``."""
    arr = pd.to_numeric(pd.Series(values), errors="coerce").astype("float64").to_numpy()
    out = np.full(len(arr), np.datetime64("NaT"), dtype="datetime64[ns]")
    ok = ~np.isnan(arr)
    out[ok] = (arr[ok].astype("int64") * 86400 * 10**9).astype("datetime64[ns]")
    if isinstance(values, pd.Series):
        return pd.Series(out, index=values.index, name=values.name)
    return pd.Series(out)


def date_bounds(tx) -> tuple[pd.Timestamp | None, pd.Timestamp | None, int]:
    """First and last timestamp of the lines and their number (None, None, 0 when empty).

    For a DataFrame this is pandas (fast, no engine); for a LazyTable one query.
    """
    if not is_lazy(tx):
        if len(tx) == 0:
            return None, None, 0
        return pd.Timestamp(tx["date"].min()), pd.Timestamp(tx["date"].max()), len(tx)
    store = _memo.setdefault(tx, {})
    if "date_bounds" in store:
        return store["date_bounds"]
    with open_lines(tx) as lines:
        t = lines.table
        got = lines.execute(t.aggregate(lo=t.date.min(), hi=t.date.max(), n=t.count()))
    n = int(got["n"].iloc[0])
    lo = None if n == 0 else pd.Timestamp(got["lo"].iloc[0])
    hi = None if n == 0 else pd.Timestamp(got["hi"].iloc[0])
    out = (lo, hi, n)
    store["date_bounds"] = out
    return out


def remember_date_bounds(tx, first, last, n: int) -> None:
    """Tell :func:`date_bounds` what a LazyTable's lines span, when the scan has
    counted it already (its quality summary): one pass over the dates fewer."""
    if is_lazy(tx):
        first = None if not n else pd.Timestamp(first)
        last = None if not n else pd.Timestamp(last)
        _memo.setdefault(tx, {})["date_bounds"] = (first, last, int(n))


def _copy(value):
    if isinstance(value, pd.DataFrame | pd.Series):
        out = value.copy(deep=True)
        out.attrs = copy.deepcopy(value.attrs)
        return out
    if isinstance(value, dict):
        return {k: _copy(v) for k, v in value.items()}
    if isinstance(value, tuple | list):
        return type(value)(_copy(v) for v in value)
    if isinstance(value, np.ndarray):
        return value.copy()
    return value


def memo(fn):
    """Remember ``fn(tx, **options)`` per LazyTable (a copy is returned each time).

    A lazy table's lines do not change, so the analyses that ask the same
    reduction again (the report asks for the customer summary many times) get it
    without another query -- which matters on Spark, where each query costs about
    a second however small. A DataFrame is never remembered (it may be modified).
    Options that cannot be hashed (a callable) bypass the memo.
    """

    @functools.wraps(fn)
    def wrapper(tx, *args, **kwargs):
        if not is_lazy(tx):
            return fn(tx, *args, **kwargs)
        key = (fn.__module__, fn.__qualname__, args, tuple(sorted(kwargs.items())))
        try:
            hash(key)
        except TypeError:
            return fn(tx, *args, **kwargs)
        store = _memo.setdefault(tx, {})
        if key not in store:
            store[key] = fn(tx, *args, **kwargs)
        return _copy(store[key])

    return wrapper


def n_lines(tx) -> int:
    """The number of lines (``len`` of a DataFrame; one remembered count of a LazyTable)."""
    return len(tx) if not is_lazy(tx) else date_bounds(tx)[2]


@memo
def n_customers(tx) -> int:
    """The number of distinct customer ids."""
    if not is_lazy(tx):
        return int(tx["customer_id"].nunique())
    with open_lines(tx) as lines:
        return int(lines.scalar(lines.table.customer_id.nunique()) or 0)


def up_to(tx, as_of):
    """The lines dated up to ``as_of`` (that day included): a DataFrame for a
    DataFrame (a filtered view, as ``tx[tx["date"] < as_of + 1 day]``), a LazyTable
    with the filter in its expression for a LazyTable."""
    cutoff = pd.Timestamp(as_of).normalize() + pd.Timedelta(days=1)
    if not is_lazy(tx):
        return tx[tx["date"] < cutoff]
    import dataclasses

    import ibis

    lit = ibis.literal(cutoff).cast("timestamp")
    ordered = tx.ordered.filter(tx.ordered.date < lit) if tx.ordered is not None else None
    return dataclasses.replace(
        tx, expr=tx.expr.filter(tx.expr.date < lit), attrs=copy.deepcopy(tx.attrs), ordered=ordered
    )
