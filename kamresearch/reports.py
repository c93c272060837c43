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

Every file is written under a temporary name and moved into place with
:func:`os.replace`, so a killed run never leaves a half-written file; the next
run removes the temporary files and skips the regions already finished with
the same inputs (same input SHA-256, parameters, template and package versions)
unless ``force=True``. Nothing here reads the clock for the analysis: ``as_of``
defaults to the last date in the data; the clock only stamps the manifest.

The notebook side (:func:`load_region`, :func:`headline`, :func:`key_tables`,
:func:`save_outputs`) lives in :mod:`kamresearch.report_tables`; safe names, atomic
writes and the lock in :mod:`kamresearch.report_files`.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import sys
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from .errors import ConfigError, DataError
from .report_files import (
    RunLock,
    atomic_path,
    clean_temp_files,
    safe_name,
    safe_names,
    sha256_file,
    write_json_atomic,
    write_text_atomic,
)
from .report_tables import (
    CACHE_MARK,
    RegionData,
    customer_regions,
    headline,
    key_tables,
    load_region,
    read_headline,
    report_heading,
    save_outputs,
    save_tables,
    show_headline,
    show_table,
)
from .schema import ALL_REGIONS

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
    "load_region",
    "customer_regions",
    "headline",
    "key_tables",
    "save_tables",
    "save_outputs",
    "report_heading",
    "show_headline",
    "show_table",
    "safe_name",
    "safe_names",
]

logger = logging.getLogger("kamresearch")

#: The names of the template's ``parameters`` cell (papermill injects them).
TEMPLATE_PARAMETERS = (
    "data_path",
    "mapping",
    "region",
    "as_of",
    "inactivity_days",
    "key_share",
    "major_share",
    "output_dir",
    "output_name",
)
#: Keys accepted in a TOML config file (top level or a ``[report]`` table).
CONFIG_KEYS = (
    "data",
    "mapping",
    "regions",
    "as_of",
    "out",
    "jobs",
    "force",
    "key_share",
    "major_share",
    "inactivity_days",
    "template",
    "params",
    "timeout",
)
_PATH_KEYS = ("data", "out", "template")
_VERSIONED = (
    "kamresearch",
    "pandas",
    "numpy",
    "duckdb",
    "pyarrow",
    "lifelines",
    "papermill",
    "nbconvert",
    "matplotlib",
)
_CACHE_VERSION = 2


@dataclass
class RegionResult:
    """Outcome of one region in a run."""

    region: str
    stem: str
    status: str  # "ok" or "failed"
    error: str | None = None
    duration_s: float | None = None
    reused: bool = False
    files: dict = field(default_factory=dict)


@dataclass
class RunResult:
    """Outcome of :func:`run`.

    Attributes
    ----------
    out : Path
        The run folder.
    regions : list of RegionResult
        In report order ("All" first).
    index, manifest : Path
        The overview page and the manifest.
    duration_s : float
        Wall time of the run.
    """

    out: Path
    regions: list
    index: Path
    manifest: Path
    duration_s: float

    @property
    def failed(self) -> list:
        """The regions that failed."""
        return [r for r in self.regions if r.status != "ok"]

    @property
    def ok(self) -> bool:
        """True when every region succeeded."""
        return not self.failed

    @property
    def exit_code(self) -> int:
        """0 when every region succeeded, else 1 (the CLI's exit status)."""
        return 0 if self.ok else 1


def default_template() -> Path:
    """The report template: ``notebooks/region_report.ipynb`` of a source checkout,
    else the copy packaged under ``kamresearch/templates/``."""
    here = Path(__file__).resolve().parent
    for cand in (
        here.parent / "notebooks" / "region_report.ipynb",
        here / "templates" / "region_report.ipynb",
    ):
        if cand.exists():
            return cand
    raise ConfigError("the report template region_report.ipynb was not found; pass template=")


def load_config(path) -> dict:
    """Read report options from a TOML file.

    Keys (top level or under ``[report]``): ``data``, ``mapping``, ``regions``
    (a list, or ``"all"``), ``as_of``, ``out``, ``jobs``, ``force``, ``key_share``,
    ``major_share``, ``inactivity_days``, ``template``, ``params`` (a table of extra
    notebook parameters), ``timeout`` (seconds per notebook cell). Relative paths are
    relative to the config file's folder.

    Raises
    ------
    ConfigError
        When the file is missing, is not valid TOML or has unknown keys.
    """
    import tomllib

    path = Path(path)
    try:
        doc = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"config file {path} not found") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"config file {path} is not valid TOML: {exc}") from None
    if isinstance(doc.get("report"), dict):
        doc = doc["report"]
    if "region" in doc and "regions" not in doc:
        doc["regions"] = doc.pop("region")
    unknown = sorted(set(doc) - set(CONFIG_KEYS))
    if unknown:
        raise ConfigError(
            f"config file {path}: unknown key(s) {unknown}; allowed: {list(CONFIG_KEYS)}"
        )
    for key in _PATH_KEYS:
        if isinstance(doc.get(key), str):
            doc[key] = (
                str((path.parent / doc[key]).resolve())
                if not Path(doc[key]).is_absolute()
                else doc[key]
            )
    return doc


def _versions() -> dict:
    import platform
    from importlib.metadata import PackageNotFoundError, version

    out = {"python": platform.python_version()}
    for name in _VERSIONED:
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            out[name] = None
    return out


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def resolve_options(data=None, *, config=None, **given) -> dict:
    """The effective options of a run: defaults, overridden by ``config``, then by ``given``.

    Parameters
    ----------
    data : str, path or DataFrame, optional
        The input; overrides ``config["data"]``.
    config : str, path or dict, optional
        A TOML file (:func:`load_config`) or a dict of :data:`CONFIG_KEYS`.
    **given
        Options of :func:`run`; None means "not given".

    Returns
    -------
    dict
        Every key of :data:`CONFIG_KEYS`, validated: ``regions`` is ``"all"`` or a list,
        ``as_of`` a Timestamp or None.

    Raises
    ------
    ConfigError
        Unknown option, no data, or an invalid value (the message names the option).
    """
    cfg = load_config(config) if isinstance(config, (str, os.PathLike)) else dict(config or {})
    unknown = sorted((set(cfg) | set(given)) - set(CONFIG_KEYS))
    if unknown:
        raise ConfigError(f"unknown option(s) {unknown}; allowed: {list(CONFIG_KEYS)}")
    return _options(data, cfg, given)


def _options(data, cfg: dict, given: dict) -> dict:
    opts = {
        "data": None,
        "mapping": None,
        "regions": "all",
        "as_of": None,
        "out": "reports",
        "jobs": 1,
        "force": False,
        "key_share": 0.01,
        "major_share": 0.20,
        "inactivity_days": None,
        "template": None,
        "params": {},
        "timeout": None,
    }
    opts.update({k: v for k, v in cfg.items() if v is not None})
    opts.update({k: v for k, v in given.items() if v is not None})
    if data is not None:
        opts["data"] = data
    if opts["data"] is None:
        raise ConfigError("no input data: pass data (--data FILE) or set data in the config")
    jobs = opts["jobs"]
    if isinstance(jobs, bool) or not isinstance(jobs, int) or jobs < 1:
        raise ConfigError(f"jobs must be a positive integer, got {jobs!r}")
    for k in ("key_share", "major_share"):
        if isinstance(opts[k], bool) or not isinstance(opts[k], (int, float)):
            raise ConfigError(f"{k} must be a number, got {opts[k]!r}")
    if not 0 < opts["key_share"] <= opts["major_share"] <= 1:
        raise ConfigError(
            "tier thresholds must satisfy 0 < key_share <= major_share <= 1, got "
            f"{opts['key_share']}, {opts['major_share']}"
        )
    days = opts["inactivity_days"]
    if days is not None and (isinstance(days, bool) or not isinstance(days, int) or days < 1):
        raise ConfigError(f"inactivity_days must be a positive integer, got {days!r}")
    regions = opts["regions"]
    if isinstance(regions, str):
        regions = [regions]
    if (
        not isinstance(regions, (list, tuple))
        or not regions
        or not all(isinstance(r, str) for r in regions)
    ):
        raise ConfigError(
            f"regions must be 'all' or a non-empty list of region names, got {regions!r}"
        )
    # "all" (lower case) is the keyword; "All" is the whole-company report.
    regions = "all" if "all" in regions else list(dict.fromkeys(regions))
    opts["regions"] = regions
    if not isinstance(opts["params"], dict):
        raise ConfigError(
            f"params must be a table/dict of notebook parameters, got {opts['params']!r}"
        )
    clash = sorted(set(opts["params"]) & set(TEMPLATE_PARAMETERS))
    if clash:
        raise ConfigError(f"params may not set the run's own parameters {clash}")
    if opts["as_of"] is not None:
        import pandas as pd

        try:
            ts = pd.Timestamp(opts["as_of"])
        except (ValueError, TypeError):
            ts = pd.NaT
        if ts is pd.NaT:
            raise ConfigError(f"as_of={opts['as_of']!r} is not a date; use YYYY-MM-DD")
        opts["as_of"] = ts.normalize()
    return opts


def _write_cache(tx, folder: Path, meta: dict) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    from .report_files import atomic_path
    from .report_tables import _jsonable

    folder.mkdir(parents=True, exist_ok=True)
    quality = _jsonable(dict(tx.attrs.get("quality", {})))
    if isinstance(quality.get("source"), str):
        # Reports go to clients: name the input file, not where it sits on this machine.
        quality["source"] = Path(quality["source"]).name
    plain = tx.copy(deep=False)
    plain.attrs = {}
    table = pa.Table.from_pandas(plain, preserve_index=False)
    table = table.replace_schema_metadata(
        {**(table.schema.metadata or {}), CACHE_MARK: json.dumps(meta).encode()}
    )
    with atomic_path(folder / "transactions.parquet") as tmp:
        pq.write_table(table, tmp)
    write_json_atomic(folder / "quality.json", quality)
    write_json_atomic(folder / "source.json", meta)  # last: marks the cache complete


def _prepare_data(data, mapping, out: Path) -> tuple:
    """Read and validate the input once; returns (tx, input info). Reuses a valid cache."""
    import pandas as pd

    from .schema import check_transactions

    folder = out / "_data"
    if isinstance(data, pd.DataFrame):
        check_transactions(data, where="data")
        sha = hashlib.sha256(pd.util.hash_pandas_object(data, index=False).to_numpy().tobytes())
        info = {"name": "<DataFrame>", "path": None, "sha256": sha.hexdigest()}
        tx = data
    else:
        path = Path(data)
        if not path.is_file():
            raise DataError("input file not found", source=str(path), fix="check the --data path")
        info = {"name": path.name, "path": str(path), "sha256": sha256_file(path)}
        tx = None
    meta = {
        "sha256": info["sha256"],
        "mapping": mapping
        if isinstance(mapping, (str, type(None)))
        else json.dumps(mapping, sort_keys=True, default=str),
        "cache": _CACHE_VERSION,
        "kamresearch": _versions()["kamresearch"],
    }
    try:
        cached = json.loads((folder / "source.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        cached = None
    cache = folder / "transactions.parquet"
    if tx is None and cached == meta and cache.exists():
        logger.info("reusing the validated input cached in %s", cache)
        tx = pd.read_parquet(cache)
    else:
        if tx is None:
            from .io import read_transactions

            logger.info("reading %s", info["path"])
            tx = read_transactions(info["path"], mapping)
        _write_cache(tx, folder, meta)
    info["lines"] = len(tx)
    return tx, info


def _fingerprint(**parts) -> str:
    text = json.dumps(parts, sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


def _load_manifest(path: Path) -> dict:
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return doc if isinstance(doc, dict) else {}


def run(
    data=None,
    *,
    mapping=None,
    regions=None,
    as_of=None,
    out=None,
    jobs=None,
    force=None,
    config=None,
    template=None,
    params=None,
    key_share=None,
    major_share=None,
    inactivity_days=None,
    timeout=None,
    progress=None,
) -> RunResult:
    """Run the report notebook for each region and write the run folder.

    Parameters
    ----------
    data : str, path or DataFrame
        The input file (read once with :func:`kamresearch.read_transactions`) or
        canonical transactions.
    mapping : str or dict, optional
        Column mapping / preset for :func:`kamresearch.read_transactions`.
    regions : "all", str or list of str, optional
        ``"all"`` (default): ``"All"`` (the whole company) plus every region with a
        customer; or the regions to report (``"All"`` included only if listed).
    as_of : date-like, optional
        Analysis date shared by every region. Default: the last date in the data.
    out : str or path, optional
        The run folder (default ``reports``).
    jobs : int, optional
        Worker processes (default 1: executed in this process, one kernel at a time).
    force : bool, optional
        Re-run regions already finished with the same inputs.
    config : str, path or dict, optional
        A TOML file (see :func:`load_config`) or dict of the same options; explicit
        arguments override it.
    template : str or path, optional
        The report notebook (default :func:`default_template`).
    params : dict, optional
        Extra notebook parameters (must not clash with :data:`TEMPLATE_PARAMETERS`).
    key_share, major_share : float, optional
        Tier thresholds (defaults 0.01 and 0.20).
    inactivity_days : int, optional
        Passed to the notebook (churn definition); None lets the notebook decide.
    timeout : float, optional
        Seconds a notebook cell may run (default no limit).
    progress : bool, optional
        A tqdm bar; default: when stderr is a terminal. Log lines are written either way.

    Returns
    -------
    RunResult
        Per-region status; ``exit_code`` is 0 when every region succeeded, else 1.

    Raises
    ------
    DataError
        The input cannot be read or validated.
    ConfigError
        Bad options, an unknown region, or another run holds the folder's lock.

    Notes
    -----
    A region is skipped (``reused=True``) when the manifest records it as finished
    with the same fingerprint: SHA-256 of the input, mapping, region, as_of,
    thresholds, extra parameters, template SHA-256 and package versions, and its
    files still exist. A failed region keeps papermill's failed notebook and the
    run continues with the others.
    """
    t0 = time.perf_counter()
    opts = resolve_options(
        data,
        config=config,
        mapping=mapping,
        regions=regions,
        as_of=as_of,
        out=out,
        jobs=jobs,
        force=force,
        template=template,
        params=params,
        key_share=key_share,
        major_share=major_share,
        inactivity_days=inactivity_days,
        timeout=timeout,
    )
    template = Path(opts["template"]) if opts["template"] else default_template()
    if not template.is_file():
        raise ConfigError(f"template notebook {template} not found")
    template = template.resolve()
    out = Path(opts["out"]).resolve()
    with RunLock(out):
        clean_temp_files(out)
        try:
            return _run_locked(opts, template, out, t0, progress)
        finally:
            shutil.rmtree(out / ".staging", ignore_errors=True)


def _plan_regions(tx, opts, as_of, out: Path):
    """Write the customer -> region sidecar; return the ordered list of regions to report."""
    from .report_files import atomic_path

    assignment = customer_regions(tx, as_of=as_of)
    sidecar = out / "_data" / f"regions-{as_of.date()}.parquet"
    if not sidecar.exists():
        with atomic_path(sidecar) as tmp:
            frame = assignment.to_frame()
            frame.attrs = {}
            frame.to_parquet(tmp)
    revenue = tx.groupby(tx["customer_id"].map(assignment))["amount"].sum()
    known = revenue.sort_values(ascending=False, kind="stable").index.tolist()
    if opts["regions"] == "all":
        return [ALL_REGIONS] + [r for r in known if r != ALL_REGIONS]
    missing = [r for r in opts["regions"] if r != ALL_REGIONS and r not in revenue.index]
    if missing:
        raise ConfigError(
            f"region(s) {missing} have no customer in the data (up to as_of "
            f"{as_of.date()}); regions: {sorted(map(str, known))}"
        )
    return opts["regions"]


def _run_locked(opts, template: Path, out: Path, t0: float, progress) -> RunResult:
    from .facts import resolve_as_of

    started = _now()
    tx, source = _prepare_data(opts["data"], opts["mapping"], out)
    # Every region runs the same copy of the template, even if the original is edited
    # during the run (the fingerprints name this copy's SHA-256).
    run_template = out / "_data" / "template.ipynb"
    with atomic_path(run_template) as tmp:
        shutil.copyfile(template, tmp)
    as_of = resolve_as_of(tx, opts["as_of"])
    names = _plan_regions(tx, opts, as_of, out)
    del tx
    stems = safe_names(names)
    versions = _versions()
    parameters = {
        "mapping": opts["mapping"],
        "regions": names,
        "as_of": str(as_of.date()),
        "key_share": opts["key_share"],
        "major_share": opts["major_share"],
        "inactivity_days": opts["inactivity_days"],
        "params": opts["params"],
        "template": template.name,
        "template_sha256": sha256_file(run_template),
        "jobs": opts["jobs"],
        "force": bool(opts["force"]),
        "timeout": opts["timeout"],
    }
    manifest_path = out / "manifest.json"
    previous = {
        r.get("region"): r
        for r in _load_manifest(manifest_path).get("regions", [])
        if isinstance(r, dict)
    }
    entries, tasks = [], []
    for name in names:
        fp = _fingerprint(
            input=source["sha256"],
            mapping=opts["mapping"],
            region=name,
            as_of=parameters["as_of"],
            key=opts["key_share"],
            major=opts["major_share"],
            inactivity=opts["inactivity_days"],
            params=opts["params"],
            template=parameters["template_sha256"],
            versions=versions,
        )
        prev = previous.get(name) or {}
        files = prev.get("files") or {}
        reusable = (
            not opts["force"]
            and prev.get("status") == "ok"
            and prev.get("fingerprint") == fp
            and prev.get("stem") == stems[name]
            and files
            and all((out / f).is_file() for f in files.values())
        )
        if reusable:
            entries.append({**prev, "reused": True})
            continue
        entries.append(
            {
                "region": name,
                "stem": stems[name],
                "status": "pending",
                "fingerprint": fp,
                "error": None,
                "duration_s": None,
                "files": {},
                "started": None,
                "finished": None,
                "reused": False,
            }
        )
        notebook_params = {
            "data_path": os.path.join("_data", "transactions.parquet"),
            "mapping": None,
            "region": name,
            "as_of": parameters["as_of"],
            "inactivity_days": opts["inactivity_days"],
            "key_share": opts["key_share"],
            "major_share": opts["major_share"],
            **opts["params"],
        }
        tasks.append(
            {
                "region": name,
                "stem": stems[name],
                "out": str(out),
                "template": str(run_template),
                "template_name": template.name,
                "parameters": notebook_params,
                "parent_pid": os.getpid() if opts["jobs"] > 1 else None,
                "timeout": opts["timeout"],
            }
        )
    manifest = {
        "kamresearch_manifest": 1,
        "status": "running",
        "started": started,
        "finished": None,
        "duration_s": None,
        "input": source,
        "parameters": parameters,
        "versions": versions,
        "regions": entries,
    }
    by_name = {e["region"]: e for e in entries}

    def publish():
        write_json_atomic(manifest_path, manifest)
        _write_index(out, manifest)

    n_reused = len(names) - len(tasks)
    if n_reused:
        logger.info(
            "%d of %d report(s) already up to date in %s (use --force to redo them)",
            n_reused,
            len(names),
            out,
        )
    publish()
    try:
        for result in _execute(tasks, opts["jobs"], progress):
            entry = by_name[result["region"]]
            entry.update(
                started=result.get("started"),
                status=result["status"],
                error=result["error"],
                duration_s=result["duration_s"],
                files=result["files"],
                timings=result.get("timings", {}),
                finished=_now(),
            )
            if result["status"] == "failed" and result.get("traceback"):
                logger.debug("%s traceback:\n%s", result["region"], result["traceback"])
            publish()
    except BaseException:
        manifest.update(status="interrupted", finished=_now())
        publish()
        raise
    failed = [e for e in entries if e["status"] != "ok"]
    manifest.update(
        status="failed" if failed else "ok",
        finished=_now(),
        duration_s=round(time.perf_counter() - t0, 3),
    )
    publish()
    results = [
        RegionResult(
            region=e["region"],
            stem=e["stem"],
            status=e["status"],
            error=e["error"],
            duration_s=e["duration_s"],
            reused=bool(e.get("reused")),
            files=dict(e["files"]),
        )
        for e in entries
    ]
    return RunResult(
        out=out,
        regions=results,
        index=out / "index.html",
        manifest=manifest_path,
        duration_s=round(time.perf_counter() - t0, 3),
    )


def _write_index(out: Path, manifest: dict) -> None:
    from .report_index import render_index

    heads = {}
    for e in manifest["regions"]:
        name = (e.get("files") or {}).get("headline")
        if name:
            heads[e["region"]] = read_headline(out / name)
    write_text_atomic(out / "index.html", render_index(manifest, heads))


def _execute(tasks: list, jobs: int, progress):
    """Run the tasks (in this process when jobs == 1, else in a process pool); yield results."""
    from contextlib import nullcontext

    from .report_run import execute_region

    if not tasks:
        return
    show = sys.stderr.isatty() if progress is None else bool(progress)
    bar = None
    redirect = nullcontext()
    if show:
        from tqdm.auto import tqdm
        from tqdm.contrib.logging import logging_redirect_tqdm

        bar = tqdm(total=len(tasks), unit="report", file=sys.stderr, dynamic_ncols=True)
        redirect = logging_redirect_tqdm()
    n = len(tasks)
    with redirect:
        try:
            if jobs == 1:
                done = (execute_region(t) for t in tasks)
                yield from _report(done, n, bar)
            else:
                import multiprocessing
                from concurrent.futures import ProcessPoolExecutor, as_completed

                ctx = multiprocessing.get_context("spawn")
                with ProcessPoolExecutor(max_workers=min(jobs, n), mp_context=ctx) as pool:
                    futures = [pool.submit(execute_region, t) for t in tasks]
                    try:
                        yield from _report((f.result() for f in as_completed(futures)), n, bar)
                    except BaseException:
                        for f in futures:
                            f.cancel()
                        raise
        finally:
            if bar is not None:
                bar.close()


def _report(results, n: int, bar):
    for i, result in enumerate(results, 1):
        if result["status"] == "ok":
            logger.info("[%d/%d] %s: done in %.1f s", i, n, result["region"], result["duration_s"])
        else:
            logger.error(
                "[%d/%d] %s: FAILED after %.1f s: %s",
                i,
                n,
                result["region"],
                result["duration_s"],
                result["error"],
            )
        if bar is not None:
            bar.update(1)
        yield result
