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

from dataclasses import dataclass, field

__all__ = ["LazyTable", "is_lazy"]


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

    @property
    def columns(self) -> list[str]:
        """The column names, canonical first."""
        return list(self.expr.columns)

    def __repr__(self) -> str:
        return f"LazyTable({self.source!r}, engine={self.engine!r}, columns={self.columns})"


def is_lazy(tx) -> bool:
    """True for a :class:`LazyTable` (an analysis then asks the engine for reductions)."""
    return isinstance(tx, LazyTable)
