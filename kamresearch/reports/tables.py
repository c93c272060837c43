"""What a region report notebook calls: load its data, headline figures, key tables, save.

The report template (``notebooks/region_report.ipynb``) holds no logic: it
calls these functions (re-exported by :mod:`kamresearch.reports`) with its
parameters. :func:`kamresearch.reports.run` reads the client file once and
caches it as Parquet in the run folder; :func:`load_region` reads that cache
(only the region's customers), or any other source when the notebook is run by
hand.

Region membership
-----------------
A region report covers the customers *of* the region, with all their lines:
a customer belongs to the region with most of its net revenue up to ``as_of``
(ties: alphabetically first), the convention of
:func:`kamresearch.engine.facts.customer_summary`. So the customers and revenue of the
region reports add up to the company's (the whole-company report, region
:data:`kamresearch.schema.COMPANY`, i.e. None).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import ConfigError
from ..schema import COMPANY, check_transactions
from .files import atomic_path, write_json_atomic

__all__ = [
    "RegionData",
    "load_region",
    "customer_regions",
    "save_tables",
    "save_outputs",
    "read_headline",
    "CACHE_MARK",
]

#: Parquet schema metadata key marking a run's canonical cache.
CACHE_MARK = b"kamresearch_cache"


@dataclass
class RegionData:
    """The data of one region report (returned by :func:`load_region`).

    Attributes
    ----------
    tx : DataFrame or LazyTable
        Canonical transactions of the region's customers (all their lines); a
        LazyTable over the run's store with ``load_region(..., lazy=True)``.
    region : str or None
        The region (None, :data:`kamresearch.schema.COMPANY`: the whole company).
    as_of : Timestamp
        The analysis date: the one given, else the last date of the *whole* data
        (not of the region), so every region of a run shares it.
    quality : dict
        The data-quality summary of the whole input (``tx.attrs["quality"]`` of
        :func:`kamresearch.read_transactions`), empty when unknown.
    company : DataFrame or LazyTable, optional
        The whole company's transactions (the company's tier standard is set on
        them): the lines already loaded, or the run's store as a LazyTable (a
        region of a run: nothing loaded); None for the whole company.
    source : Path, optional
        The run's cache the region was read from, to read the company's lines
        when ``company`` is None.
    """

    tx: object  # DataFrame or LazyTable
    region: str | None
    as_of: pd.Timestamp
    quality: dict = field(default_factory=dict)
    company: object = field(default=None, repr=False)  # DataFrame or LazyTable
    source: Path | None = None


def _jsonable(obj):
    """Plain JSON types from numpy/pandas scalars and containers (NaN -> None)."""
    if isinstance(obj, dict):
        return {str(k): _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_jsonable(v) for v in obj]
    if isinstance(obj, (np.integer,)):
        return int(obj)
    if isinstance(obj, (np.floating, float)):
        return None if math.isnan(obj) or math.isinf(obj) else float(obj)
    if isinstance(obj, (np.bool_,)):
        return bool(obj)
    if isinstance(obj, (pd.Timestamp,)):
        return obj.isoformat()
    if obj is None or isinstance(obj, (str, int, bool)):
        return obj
    return str(obj)


def _is_cache(path: Path) -> bool:
    if path.suffix.lower() != ".parquet":
        return False
    import pyarrow.parquet as pq

    meta = pq.read_schema(path).metadata or {}
    return CACHE_MARK in meta


def customer_regions(tx: pd.DataFrame, *, as_of=None) -> pd.Series:
    """The region of each customer: the one with most of its net revenue up to ``as_of``.

    Returns
    -------
    Series
        Region (str) indexed by ``customer_id``, named ``region``; customers with
        no line up to ``as_of`` are absent. Ties: alphabetically first region.
    """
    from ..engine.facts import customer_summary

    return customer_summary(tx, as_of=as_of)["region"]


def _region_ids(regions: pd.Series, region: str):
    ids = regions.index[regions.to_numpy() == region]
    if len(ids) == 0:
        known = sorted(map(str, regions.unique()))
        raise ConfigError(
            f"region {region!r} has no customer in the data; regions: {known} "
            "(region=None is the whole company)"
        )
    return ids


def load_region(data_path=None, region: str | None = COMPANY, *, mapping=None, as_of=None,
                lazy: bool = False):  # fmt: skip
    """Load the transactions of one region for a report.

    Parameters
    ----------
    data_path : str or path, optional
        A run's cache (``_data/transactions.parquet``, written by
        :func:`kamresearch.reports.run`), any file :func:`kamresearch.read_transactions`
        reads, or None for the built-in sample (:func:`kamresearch.load_sample`).
    region : str or None
        A region of the data (``"All"`` too is a region name), or None
        (:data:`kamresearch.schema.COMPANY`, the default) for the whole company.
    mapping : str or dict, optional
        Column mapping for :func:`kamresearch.read_transactions` (ignored for a cache).
    as_of : date-like, optional
        The analysis date; default the last date in the whole data.
    lazy : bool
        For a run's cache with ``as_of`` given: ``tx`` is a
        :class:`~kamresearch.engine.table.LazyTable` over the store (the region's
        customers' lines, filter pushed down), nothing loaded -- for analyses that
        take one. Default False: a DataFrame.

    Returns
    -------
    RegionData
        ``tx`` (the region's customers' lines), ``region``, ``as_of``, ``quality``.

    Raises
    ------
    ConfigError
        When ``region`` has no customer in the data (the message lists the regions).
    DataError
        From reading the data.
    """
    from ..engine.facts import resolve_as_of

    path = None if data_path is None else Path(data_path)
    quality: dict = {}
    if path is None:
        from ..datasets import load_sample

        tx = load_sample()
    elif _is_cache(path):
        from ..engine.store import open_store, store_lines

        qpath = path.with_name("quality.json")
        if qpath.exists():
            quality = json.loads(qpath.read_text(encoding="utf-8"))
        region = None if region is COMPANY else str(region)
        if region is not COMPANY and as_of is not None:
            # The pipeline's case: the run's store, opened lazily in DuckDB with the
            # region filter pushed down (a semi-join on the customers the sidecar
            # assigns to the region): only the region's lines are read.
            as_of = resolve_as_of(pd.DataFrame(), as_of)
            sidecar = path.with_name(f"regions-{as_of.date()}.parquet")
            if sidecar.exists():
                _region_ids(pd.read_parquet(sidecar)["region"], region)  # ConfigError if none
                lines = open_store(path, quality=quality, region=region, sidecar=sidecar)
                # RegionReport's sections still need a DataFrame: this region's lines
                # only are materialised; the company's stay in the engine (``company``,
                # the tier standard is a reduction on it).
                tx = lines if lazy else store_lines(lines)
                if not lazy:
                    tx.attrs = {"quality": quality} if quality else {}
                return RegionData(tx=tx, region=region, as_of=as_of, quality=quality,
                                  company=open_store(path), source=path)  # fmt: skip
        if lazy and as_of is not None:
            as_of = resolve_as_of(pd.DataFrame(), as_of)
            tx = open_store(path, quality=quality)
            return RegionData(tx=tx, region=region, as_of=as_of, quality=quality, source=path)
        # The whole company: RegionReport's sections still need a DataFrame of every
        # line (until they take the LazyTable: load_region(..., lazy=True)), read from
        # the store by DuckDB.
        tx = store_lines(open_store(path))
    else:
        from ..io.read import read_transactions

        tx = read_transactions(path, mapping)
        quality = dict(tx.attrs.get("quality", {}))
    check_transactions(tx, where=str(data_path or "sample"))
    as_of = resolve_as_of(tx, as_of)
    region = None if region is COMPANY else str(region)
    company = None
    if region is not COMPANY:
        company = tx
        sidecar = None if path is None else path.with_name(f"regions-{as_of.date()}.parquet")
        if sidecar is not None and sidecar.exists():
            regions = pd.read_parquet(sidecar)["region"]
        else:
            regions = customer_regions(tx, as_of=as_of)
        ids = _region_ids(regions, region)
        tx = tx[tx["customer_id"].isin(ids)].reset_index(drop=True)
    tx.attrs = {"quality": quality} if quality else {}
    return RegionData(tx=tx, region=region, as_of=as_of, quality=quality, company=company)


def _sheet_name(name: str, used: set) -> str:
    import re

    base = re.sub(r"[\[\]:*?/\\]", "_", str(name)).strip("'")[:31] or "Sheet"
    cand, i = base, 1
    while cand.casefold() in used:
        i += 1
        cand = f"{base[: 31 - len(str(i)) - 1]}-{i}"
    used.add(cand.casefold())
    return cand


def save_tables(tables: dict, path) -> Path:
    """Write tables to one Excel workbook (one sheet each), atomically (openpyxl).

    Sheet names are cut to Excel's 31 characters and stripped of ``[]:*?/\\``;
    Periods (columns, index or column labels) are written as text (``2010Q4``),
    timezone-aware dates as naive dates, infinite numbers as empty cells. With no
    table, the workbook holds one sheet saying so. Returns the path.
    """
    path = Path(path)
    used: set = set()
    if not tables:  # a workbook needs a sheet: say why there is no table
        tables = {"Report": pd.DataFrame({"note": ["No table: too little data in this report"]})}
    with atomic_path(path) as tmp:
        with pd.ExcelWriter(tmp, engine="openpyxl") as writer:
            for name, table in tables.items():
                df = pd.DataFrame(table).copy()
                cols = df.columns
                df.columns = range(df.shape[1])  # by position: labels may repeat ("Customers")
                for c in df.columns:
                    col = df[c]
                    if isinstance(col.dtype, pd.PeriodDtype):
                        df[c] = col.astype(str)
                    elif isinstance(col.dtype, pd.DatetimeTZDtype):
                        df[c] = col.dt.tz_localize(None)
                    elif pd.api.types.is_float_dtype(col.dtype):
                        df[c] = col.where(~np.isinf(col.to_numpy(float)))  # Excel has no inf
                df.columns = cols
                for axis in ("index", "columns"):  # 2010Q4, not the datetime 2010-10-01
                    labels = getattr(df, axis)
                    if isinstance(labels, pd.PeriodIndex):
                        setattr(df, axis, labels.astype(str).rename(labels.name))
                index = not isinstance(df.index, pd.RangeIndex)
                df.to_excel(writer, sheet_name=_sheet_name(name, used), index=index)
    return path


def save_outputs(
    head, tables=None, *, output_dir=None, output_name=None, region=None, as_of=None
) -> dict:
    """Write a report's headline JSON and Excel tables where the pipeline expects them.

    Parameters
    ----------
    head : DataFrame
        Headline figures (:meth:`RegionReport.headline`: index ``figure``, columns
        ``label``, ``value``, ``display``).
    tables : dict of str -> DataFrame, optional
        The report's tables (:meth:`RegionReport.tables`); no workbook when None.
    output_dir, output_name : str, optional
        The notebook's parameters; nothing is written when ``output_dir`` is None
        (a notebook run by hand).
    region, as_of : optional
        Recorded in the headline JSON.

    Returns
    -------
    dict
        ``{"headline": path, "xlsx": path}`` of the files written (empty when none).
    """
    if output_dir is None:
        return {}
    if not output_name:
        raise ConfigError("save_outputs: output_name is required with output_dir")
    folder = Path(output_dir)
    folder.mkdir(parents=True, exist_ok=True)
    figures = [
        {
            "figure": str(k),
            "label": r["label"],
            "value": _jsonable(r["value"]),
            "display": r["display"],
        }
        for k, r in head.iterrows()
    ]
    if as_of is None:
        as_of = head.attrs.get("as_of")
    doc = {
        "region": region,
        "as_of": _jsonable(pd.Timestamp(as_of)) if as_of is not None else None,
        "figures": figures,
    }
    written = {"headline": write_json_atomic(folder / f"{output_name}.headline.json", doc)}
    if tables is not None:
        written["xlsx"] = save_tables(tables, folder / f"{output_name}.xlsx")
    return written


def read_headline(path) -> dict | None:
    """Read a headline JSON written by :func:`save_outputs` (None if absent or unreadable)."""
    try:
        doc = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return doc if isinstance(doc, dict) and isinstance(doc.get("figures"), list) else None
