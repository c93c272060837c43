"""Per-region reports: run the report notebook for every region, in parallel, robustly.

:func:`run` is what ``kamresearch report`` calls. It reads and validates the
input once, caches it as Parquet in the run folder, executes the report
template (``notebooks/region_report.ipynb``) with papermill once per region in
worker processes, and writes per region an executed ``.ipynb``, a client-ready
``.html`` (no code), an ``.xlsx`` of key tables and a ``.headline.json``; for the
run an ``index.html`` comparing the regions and a ``manifest.json``.

The run folder
--------------
::

    <out>/
      .kamresearch.lock          while a run writes here (pid, host, start time)
      manifest.json              parameters, input SHA-256, versions, per-region status
      index.html                 headline figures of every region, with links
      <stem>.ipynb / .html / .xlsx / .headline.json      per region (stem: safe_names)
      _data/transactions.parquet the validated input (canonical), read by every region
      _data/quality.json         its data-quality summary
      _data/regions-<as_of>.parquet   customer -> region at as_of
      _data/source.json          what the cache was built from
      _data/template.ipynb       the copy of the template every region of the run executes

Region reports cover the customers of the region (the region with most of a
customer's net revenue up to ``as_of``) with all their lines; see
:mod:`kamresearch.reports.tables`. File stems come from :func:`safe_names` over
every region of the data, so they do not depend on which regions a run covers.
A run of a few regions keeps the other regions' earlier results on the index
while the input and ``as_of`` are unchanged.

Every file is written under a temporary name and moved into place with
:func:`os.replace`, so a killed run never leaves a half-written file; the next
run removes the temporary files and skips the regions already finished with
the same inputs (same input SHA-256, parameters, template and package versions)
unless ``force=True``. Nothing here reads the clock for the analysis: ``as_of``
defaults to the last date in the data; the clock only stamps the manifest.

The manifest
------------
``manifest.json`` holds ``status`` (``running``, ``ok``, ``failed`` or
``interrupted``), ``started``/``finished`` (UTC), ``duration_s``, ``input``
(``name``, ``path``, ``sha256``, ``lines``), ``parameters`` (``mapping``,
``regions``, ``as_of``, ``key_share``, ``major_share``, ``inactivity_days``,
``params``, ``template``, ``template_sha256``, ``jobs``, ``force``, ``timeout``),
``versions`` (python, kamresearch, pandas, numpy, duckdb, pyarrow, lifelines,
papermill, nbconvert, matplotlib) and ``regions``: one entry per region with
``region``, ``stem``, ``status`` (``ok``, ``failed``, ``pending``), ``error``,
``duration_s``, ``timings``, ``files`` (kind -> file name: ``notebook``, ``html``,
``xlsx``, ``headline``), ``fingerprint``, ``started``, ``finished``, ``reused`` and,
for entries kept from an earlier run, ``previous_run``.

The notebook side: :class:`RegionReport` (:mod:`kamresearch.reports.sections`) renders
the sections; :func:`load_region` and :func:`save_outputs` live in
:mod:`kamresearch.reports.tables`; safe names, atomic
writes and the lock in :mod:`kamresearch.reports.files`.
"""

from .config import (
    CONFIG_KEYS,
    TEMPLATE_PARAMETERS,
    default_template,
    load_config,
    resolve_options,
)
from .files import safe_name, safe_names
from .pipeline import RegionResult, RunResult, run
from .sections import RegionReport
from .tables import RegionData, customer_regions, load_region, save_outputs, save_tables

__all__ = [
    "run",
    "RunResult",
    "RegionResult",
    "load_config",
    "resolve_options",
    "default_template",
    "TEMPLATE_PARAMETERS",
    "CONFIG_KEYS",
    "RegionData",
    "RegionReport",
    "load_region",
    "customer_regions",
    "save_tables",
    "save_outputs",
    "safe_name",
    "safe_names",
]
