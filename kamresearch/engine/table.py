"""The lazy canonical table: transactions that stay in the engine.

A :class:`LazyTable` holds an Ibis table expression with the canonical columns of
:mod:`kamresearch.schema` (``customer_id`` string, ``date`` timestamp, ``amount``
float64, ``region`` string, optional ``invoice_id``/``product_id`` strings and
``quantity``/``unit_price`` float64, then any attribute columns). Nothing is
loaded: the engine's reductions (:mod:`kamresearch.engine.facts` and friends)
compile to the backend (DuckDB in process by default, Spark for a Spark
DataFrame) and fetch only their small results.

:func:`kamresearch.scan_transactions` builds one from a file, a folder of Parquet
files, a DataFrame, an Arrow table, an Ibis table or a Spark DataFrame.
:func:`lines` gives the reductions an Ibis expression for either a LazyTable or
a canonical pandas DataFrame (registered with DuckDB without a copy).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

__all__ = ["LazyTable", "is_lazy"]

_frames = itertools.count()


@dataclass(frozen=True, eq=False)
class LazyTable:
    """Canonical transactions as a lazy Ibis expression.

    Attributes
    ----------
    expr : ibis.expr.types.Table
        The canonical columns (see the module docstring), unmaterialised.
    source : str
        What was scanned (a path, ``"<DataFrame>"``, ``"<Spark DataFrame>"``), for
        messages.
    engine : {"duckdb", "spark"}
        The backend that runs the reductions.
    attrs : dict
        As a DataFrame's ``attrs``: ``"quality"`` holds the quality summary of the
        scan (the same keys as :func:`kamresearch.read_transactions`).
    """

    expr: object
    source: str = "<table>"
    engine: str = "duckdb"
    attrs: dict = field(default_factory=dict)
    #: The same lines with a hidden ``__row__`` column numbering them in source order
    #: (for :meth:`to_pandas`); None when the order is unknown.
    ordered: object = field(default=None, repr=False)

    @property
    def columns(self) -> list[str]:
        """The column names, canonical first."""
        return list(self.expr.columns)

    @classmethod
    def from_frame(cls, df, *, backend=None, source: str = "<DataFrame>") -> LazyTable:
        """A LazyTable over a canonical DataFrame already in memory (tests, notebooks).

        Parameters
        ----------
        df : DataFrame
            Canonical transactions (as :func:`kamresearch.read_transactions` returns).
        backend : ibis backend, optional
            Where the lines go: default a new in-process DuckDB (the lines are
            handed over as an Arrow table); an Ibis pyspark backend makes a Spark
            DataFrame of them, checkpointed in Spark's memory (session time zone UTC
            expected, as :func:`kamresearch.engine.spark.local_session` sets).

        Notes
        -----
        No validation: ``df`` is trusted to be canonical. ``df.attrs`` (the quality
        summary) is carried over.
        """
        import pyarrow as pa

        name = f"kam_frame_{next(_frames)}"
        arrow = pa.Table.from_pandas(df.reset_index(drop=True), preserve_index=False)
        if backend is None:
            import ibis

            backend = ibis.duckdb.connect()
        engine = backend.name
        if engine == "duckdb":
            backend.con.register(name, arrow)
        elif engine == "pyspark":
            engine = "spark"
            session = backend._session
            sdf = session.createDataFrame(df.reset_index(drop=True))
            # made from pandas, sdf is a LocalRelation: every query's plan would carry
            # the lines (and Spark's cache lookup compare them), ~0.3 s per query even
            # at 100k lines; a local checkpoint keeps them in Spark's block manager
            sdf.localCheckpoint(eager=True).createOrReplaceTempView(name)
        else:
            backend.create_table(name, arrow)
        return cls(backend.table(name), source, engine, dict(df.attrs))

    def to_pandas(self):
        """All the lines as the canonical DataFrame (what ``read_transactions`` returns).

        Materialises every line: for small data, checks and tests; the analyses ask
        the engine for reductions instead.

        Returns
        -------
        DataFrame
            The columns of :attr:`expr` in source order (when known), ids and regions
            as text (object), ``date`` datetime64[ns], numbers float64;
            ``attrs["quality"]`` a copy of this table's.
        """
        import copy

        from ..schema import CANONICAL

        if self.ordered is not None:
            expr = self.ordered.order_by("__row__").drop("__row__")
        else:
            expr = self.expr
        df = expr.to_pandas().reset_index(drop=True)
        numbers = ("amount", "quantity", "unit_price")
        for c in df.columns:
            if c == "date":
                df[c] = df[c].astype("datetime64[ns]")
            elif c in numbers:
                df[c] = df[c].astype("float64")
            elif c in CANONICAL:
                df[c] = df[c].astype(object).where(df[c].notna(), None)
        df.attrs = copy.deepcopy(self.attrs)
        return df

    def __repr__(self) -> str:
        return f"LazyTable({self.source!r}, engine={self.engine!r}, columns={self.columns})"


def is_lazy(tx) -> bool:
    """True for a :class:`LazyTable` (an analysis then asks the engine for reductions)."""
    return isinstance(tx, LazyTable)
