"""The report run: :func:`run` and what it writes (see :mod:`kamresearch.reports`)."""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from ..errors import ConfigError, DataError
from ..schema import ALL_REGIONS, COMPANY, COMPANY_LABEL, COMPANY_STEM
from .config import (
    READ_OPTIONS,
    default_template,
    resolve_options,
)
from .files import (
    RunLock,
    atomic_path,
    check_writable,
    clean_temp_files,
    safe_names,
    sha256_file,
    write_json_atomic,
    write_text_atomic,
)
from .tables import (
    CACHE_MARK,
    customer_regions,
    read_headline,
)
from .worker import run_tasks

__all__ = ["run", "RunResult", "RegionResult", "choose_yardstick"]

logger = logging.getLogger("kamresearch")

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
_CACHE_VERSION = 3  # 3: written by the engine (DuckDB COPY)


@dataclass
class RegionResult:
    """Outcome of one region in a run."""

    region: str | None  # None (schema.COMPANY): the whole company
    stem: str
    status: str  # "ok" or "failed"
    error: str | None = None
    duration_s: float | None = None
    reused: bool = False
    files: dict = field(default_factory=dict)
    label: str = ""  # how the report is named to a reader ("All (whole company)", "North")


@dataclass
class RunResult:
    """Outcome of :func:`run`.

    Attributes
    ----------
    out : Path
        The run folder.
    regions : list of RegionResult
        In report order (the whole company first).
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


def _write_cache(tx, folder: Path, meta: dict) -> None:
    """Write the run's store (``transactions.parquet``) from the lazy table ``tx``, in the engine.

    DuckDB copies the lines to Parquet itself (Spark streams Arrow batches): they never
    pass through pandas here. Then the quality summary and, last, ``source.json``,
    which marks the cache complete.
    """
    from ..engine.store import write_store
    from .files import atomic_path
    from .tables import _jsonable

    folder.mkdir(parents=True, exist_ok=True)
    quality = _jsonable(dict(tx.attrs.get("quality", {})))
    if isinstance(quality.get("source"), str):
        # Reports go to clients: name the input file, not where it sits on this machine.
        quality["source"] = Path(quality["source"]).name
    with atomic_path(folder / "transactions.parquet") as tmp:
        write_store(tx, tmp, metadata={CACHE_MARK: json.dumps(meta)})
    write_json_atomic(folder / "quality.json", quality)
    write_json_atomic(folder / "source.json", meta)  # last: marks the cache complete
    return quality


def _scan(path, mapping, read: dict, engine: str):
    """Scan the input into the engine: :func:`kamresearch.scan_transactions` validates it.

    Parquet is read lazily by DuckDB (or by Spark with ``engine="spark"``, in the
    active SparkSession or a local one); CSV and Excel by
    :func:`kamresearch.read_transactions`, then handed over.
    """
    from ..engine.scan import scan_transactions

    if engine == "spark":  # the running session (getOrCreate), else a local one
        from ..engine.spark import local_session

        local_session()
    return scan_transactions(path, mapping, engine=engine, **read)


def _prepare_data(data, mapping, out: Path, read: dict, engine: str = "duckdb") -> tuple:
    """Scan and validate the input once into the run's store; returns (tx, input info).

    ``tx`` is a LazyTable over the store (``_data/transactions.parquet``): every later
    step of the run reduces it in DuckDB. Reuses a valid store.
    """
    import pandas as pd

    from ..engine.store import open_store
    from ..engine.table import LazyTable
    from ..schema import check_transactions

    folder = out / "_data"
    if isinstance(data, pd.DataFrame):
        check_transactions(data, where="data")
        sha = hashlib.sha256(pd.util.hash_pandas_object(data, index=False).to_numpy().tobytes())
        info = {"name": "<DataFrame>", "path": None, "sha256": sha.hexdigest()}
    else:
        path = Path(data)
        if not path.is_file():
            raise DataError("input file not found", source=str(path), fix="check the --data path")
        try:
            digest = sha256_file(path)
        except OSError as exc:
            raise DataError(f"cannot read the input file: {exc}", source=str(path)) from None
        info = {"name": path.name, "path": str(path), "sha256": digest}
    meta = {
        "sha256": info["sha256"],
        "mapping": mapping
        if isinstance(mapping, (str, type(None)))
        else json.dumps(mapping, sort_keys=True, default=str),
        "read": read,
        "cache": _CACHE_VERSION,
        "kamresearch": _versions()["kamresearch"],
    }
    try:
        cached = json.loads((folder / "source.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        cached = None
    cache = folder / "transactions.parquet"
    if info["path"] is not None and cached == meta and cache.exists():
        logger.info("reusing the validated input cached in %s", cache)
        try:
            quality = json.loads((folder / "quality.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            quality = {}
    else:
        if info["path"] is None:
            scanned = LazyTable.from_frame(data)
        else:
            logger.info("scanning %s (%s)", info["path"], engine)
            scanned = _scan(info["path"], mapping, read, engine)
        quality = _write_cache(scanned, folder, meta)
        del scanned
    tx = open_store(cache, quality=quality)
    from ..engine.lines import date_bounds

    info["lines"] = date_bounds(tx)[2]
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
    freq=None,
    previous=None,
    timeout=None,
    progress=None,
    sheet=None,
    keep_duplicates=None,
    dayfirst=None,
    decimal=None,
    unify_ids=None,
    unify_regions=None,
    tz=None,
    outlying_dates=None,
    force_as_of=None,
    header_row=None,
    unit=None,
    amount_basis=None,
    returns_from=None,
    lang=None,
    engine=None,
    key_min_revenue=None,
    major_min_revenue=None,
    order_band_edges=None,
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
        ``"all"`` (default): the whole company plus every region with a customer; or
        the regions to report, where ``"All"`` stands for the whole company (included
        only if listed). A region of the data named "All" is a region like any other
        (its files are ``All_.*``): a full run reports it beside the whole company.
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
    key_min_revenue, major_min_revenue : float, optional
        Tier thresholds in the data's currency instead (both or neither): one company
        standard, the same in every region and period.
    order_band_edges : list of float or str, optional
        Order-value band edges in the currency (default scaled to the data).
    inactivity_days : int, optional
        The churn window of every region; default chosen once from the whole data
        (:func:`choose_yardstick`), stated on the overview.
    freq : {"M", "Q", "Y"}, optional
        The period of every region's period and cohort tables; default chosen once
        from the whole data's span (:func:`choose_yardstick`), stated on the overview.
    previous : str, path or False, optional
        The earlier run the monthly review ("Since the last review", in each report and
        on the overview) compares with. Default: the newest earlier run beside ``out``
        (a sibling folder whose ``manifest.json`` has an earlier ``as_of``); False: none.
    timeout : float, optional
        Seconds a notebook cell may run (default no limit).
    progress : bool, optional
        A tqdm bar; default: when stderr is a terminal. Log lines are written either way.
    sheet, keep_duplicates, dayfirst, header_row, unit, amount_basis, returns_from : optional
        Passed to :func:`kamresearch.read_transactions` when ``data`` is a file
        (defaults: the detail sheets, duplicates dropped, day/month order decided from
        the values, header detected, unit read from the file, revenue net of VAT,
        returns as signed in the file).
    decimal, unify_ids, unify_regions, tz, outlying_dates : optional
        Passed to :func:`kamresearch.read_transactions` likewise.
    lang : str, optional
        The report language: ``"en"`` (default) or ``"zh"`` -- headings, readings,
        table headers, charts, the index page and the Excel workbook
        (:mod:`kamresearch.i18n`).
    engine : {"duckdb", "spark"}, optional
        Where the input is scanned and validated (:func:`kamresearch.scan_transactions`):
        ``"duckdb"`` (default, in process) or ``"spark"`` (the active SparkSession, else
        :func:`kamresearch.engine.spark.local_session`; needs the ``spark`` extra and
        Java >= 17). Either way the validated lines go to the run's store, which the
        regions' workers read with DuckDB.
    force_as_of : bool, optional
        Accept an ``as_of`` more than :data:`kamresearch.engine.AS_OF_MAX_DAYS_AFTER`
        days after the last date in the data (refused by default: every customer
        would count as churned).

    Returns
    -------
    RunResult
        Per-region status; ``exit_code`` is 0 when every region succeeded, else 1.

    Raises
    ------
    DataError
        The input cannot be read or validated.
    ConfigError
        Bad options, an unknown region, another run holds the folder's lock, or the
        folder (or its ``_data``) cannot be written -- all before any report runs.

    Notes
    -----
    A region is skipped (``reused=True``) when the manifest records it as finished
    with the same fingerprint: SHA-256 of the input, mapping, region, as_of,
    thresholds, language, extra parameters, template SHA-256 and package versions, and its
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
        freq=freq,
        previous=previous,
        timeout=timeout,
        sheet=sheet,
        keep_duplicates=keep_duplicates,
        dayfirst=dayfirst,
        decimal=decimal,
        unify_ids=unify_ids,
        unify_regions=unify_regions,
        tz=tz,
        outlying_dates=outlying_dates,
        force_as_of=force_as_of,
        header_row=header_row,
        unit=unit,
        amount_basis=amount_basis,
        returns_from=returns_from,
        lang=lang,
        engine=engine,
        key_min_revenue=key_min_revenue,
        major_min_revenue=major_min_revenue,
        order_band_edges=order_band_edges,
    )
    template = Path(opts["template"]) if opts["template"] else default_template()
    if not template.is_file():
        raise ConfigError(f"template notebook {template} not found")
    template = template.resolve()
    out = Path(opts["out"]).resolve()
    with RunLock(out):
        clean_temp_files(out)
        check_writable(out)  # a clear error before any work, not a PermissionError later
        try:
            return _run_locked(opts, template, out, t0, progress)
        finally:
            shutil.rmtree(out / ".staging", ignore_errors=True)


def _plan_regions(tx, opts, as_of, out: Path):
    """Write the customer -> region sidecar; return (regions to report, every region).

    Both lists start with :data:`~kamresearch.schema.COMPANY` (None, the whole company);
    regions are ordered by net revenue, largest first. Data without a region column
    (every line in region "All") has no region report: it would repeat the company's.
    """
    from ..engine.store import region_revenue
    from .files import atomic_path

    assignment = customer_regions(tx, as_of=as_of)  # in the engine: one row per customer back
    sidecar = out / "_data" / f"regions-{as_of.date()}.parquet"
    if not sidecar.exists():
        with atomic_path(sidecar) as tmp:
            frame = assignment.to_frame()
            frame.attrs = {}
            frame.to_parquet(tmp)
    revenue = region_revenue(tx, assignment)  # every line's amount by its customer's region
    known = revenue.sort_values(ascending=False, kind="stable").index.tolist()
    if known == [ALL_REGIONS]:  # read_transactions' region when the source has none
        known = []
    every = [COMPANY, *known]
    if opts["regions"] == "all":
        return every, every
    # In a list of regions, "All" (the CLI's --region All) stands for the whole company.
    wanted = list(dict.fromkeys(COMPANY if r == ALL_REGIONS else r for r in opts["regions"]))
    missing = [r for r in wanted if r is not COMPANY and r not in revenue.index]
    if missing:
        raise ConfigError(
            f"region(s) {missing} have no customer in the data (up to as_of "
            f"{as_of.date()}); regions: {sorted(map(str, known))}"
        )
    if COMPANY in wanted and ALL_REGIONS in known:
        logger.warning(
            "the data has a region named %r: in a list of regions it means the whole "
            "company; the region's own report is written by a full run (regions 'all')",
            ALL_REGIONS,
        )
    return wanted, every


def _label(region, lang: str | None = None) -> str:
    """How a report is named to a reader: the region, or the whole company's label."""
    from ..i18n import gettext, use_language

    if region is not COMPANY:
        return str(region)
    with use_language(lang):
        return gettext(COMPANY_LABEL)


def _stems(regions) -> dict:
    """File stems: :data:`COMPANY_STEM` for the whole company, :func:`safe_names` for regions."""
    stems = safe_names(r for r in regions if r is not COMPANY)
    stems[COMPANY] = COMPANY_STEM  # no region gets it: safe_name reserves it
    return stems


def _carried_over(previous: dict, source: dict, parameters: dict, names, stems, out) -> list:
    """Entries of an earlier run on the same input and as_of for regions not run now.

    They keep the index complete when a run redoes a few regions; each is marked
    ``"previous_run": true`` and is kept only while its files exist.
    """
    if (previous.get("input") or {}).get("sha256") != source["sha256"] or (
        previous.get("parameters") or {}
    ).get("as_of") != parameters["as_of"]:
        return []
    kept = []
    for e in previous.get("regions") or []:
        if not isinstance(e, dict) or e.get("region") in names:
            continue
        files = e.get("files") or {}
        if (
            e.get("status") in ("ok", "failed")
            and stems.get(e.get("region")) == e.get("stem")
            and files
            and all((out / f).is_file() for f in files.values())
        ):
            kept.append({**e, "reused": True, "previous_run": True})
    return kept


def choose_yardstick(tx, *, as_of, freq=None, inactivity_days=None) -> dict:
    """The period lengths and the inactivity window of a run: one for every region.

    Regions compared side by side on the overview must be measured alike, so the run
    decides once, from the whole data up to ``as_of``, what each region would
    otherwise decide from its own lines: the period of the bridge, retention and
    scorecard tables (:func:`~kamresearch.reports.choose_freq`, ``"bridge"``), that of
    the cohort tables (``"cohort"``), and the churn window
    (:func:`kamresearch.churn.suggest_inactivity_window`). A ``freq`` or
    ``inactivity_days`` given (config or command line) is used as it is; a given
    ``freq`` sets the cohort tables' period too.

    Returns
    -------
    dict
        ``freq``, ``cohort_freq`` (``"M"``, ``"Q"`` or ``"Y"``), ``inactivity_days``
        (int; None when no customer of the whole data bought twice) and ``source``: for each of ``freq`` and ``inactivity_days``,
        ``"config"`` (given) or ``"data"`` (chosen from the whole data).
    """
    from ..churn import suggest_inactivity_window
    from ..engine.lines import date_bounds
    from ..engine.table import is_lazy
    from .sections import choose_freq

    if is_lazy(tx):  # the run's store: the first date is all choose_freq reads of the lines
        import pandas as pd

        first = date_bounds(tx)[0]
        upto = pd.DataFrame({"date": pd.to_datetime([first] if first <= as_of else [])})
        lines = tx  # suggest_inactivity_window cuts it at as_of in the engine
    else:
        upto = lines = tx[tx["date"] < as_of + _one_day()]
    if freq:
        bridge = cohort = freq
    else:
        bridge = choose_freq(upto, as_of=as_of, purpose="bridge")
        cohort = choose_freq(upto, as_of=as_of, purpose="cohort")
    days = inactivity_days
    if days is None:
        try:
            days = int(suggest_inactivity_window(lines, as_of=as_of).days)
        except DataError:  # no repeat purchases anywhere: each report says so in its section
            days = None
    return {
        "freq": bridge,
        "cohort_freq": cohort,
        "inactivity_days": None if days is None else int(days),
        "source": {"freq": "config" if freq else "data",
                   "inactivity_days": "data" if inactivity_days is None else "config"},
    }  # fmt: skip


#: Run parameters that must be equal for the monthly review to compare two runs (the
#: report's own key_share, major_share and currency are checked again by the notebook).
_REVIEW_SETTINGS = {
    "mapping": lambda p: p.get("mapping"),
    "unit": lambda p: (p.get("read") or {}).get("unit"),
    "amount_basis": lambda p: (p.get("read") or {}).get("amount_basis"),
    "currency": lambda p: (p.get("params") or {}).get("currency"),
    "key_share": lambda p: p.get("key_share"),
    "major_share": lambda p: p.get("major_share"),
    "tier_thresholds": lambda p: (
        None
        if p.get("key_min_revenue") is None
        else [p.get("key_min_revenue"), p.get("major_min_revenue")]
    ),
}


def _previous_run(opts, out: Path, parameters: dict):
    """The previous run of the monthly review: (folder, its manifest, why not comparable).

    ``previous`` False: none. A folder given: it must hold a manifest. Default: the
    newest earlier run beside ``out`` (:func:`kamresearch.reports.review.find_previous`).
    """
    from ..i18n import _, use_language
    from .review import find_previous, settings_mismatch

    given = opts.get("previous")
    if given is False:
        return None, {}, None
    if given is None:
        folder = find_previous(out, as_of=parameters["as_of"])
        if folder is None:
            return None, {}, None
    else:
        folder = Path(given).resolve()
        if not (folder / "manifest.json").is_file():
            raise ConfigError(f"previous run {folder} has no manifest.json: pass the folder of "
                              "an earlier report run (or --previous none)")  # fmt: skip
    doc = _load_manifest(folder / "manifest.json")
    old = doc.get("parameters") or {}
    diff = settings_mismatch({k: f(old) for k, f in _REVIEW_SETTINGS.items()},
                             {k: f(parameters) for k, f in _REVIEW_SETTINGS.items()})  # fmt: skip
    with use_language(opts.get("lang")):
        if diff:
            why = _("the previous run ({date}) used other settings: {diff}").format(
                date=old.get("as_of"), diff="; ".join(diff))  # fmt: skip
        elif not str(old.get("as_of", "")) < parameters["as_of"]:
            why = _("the previous run ({date}) is not earlier than this one").format(
                date=old.get("as_of"))  # fmt: skip
        else:
            why = None
    logger.info("monthly review against %s%s", folder, f" (not compared: {why})" if why else "")
    return folder, doc, why


def _no_region_review(opts) -> str:
    from ..i18n import _, use_language

    with use_language(opts.get("lang")):
        return _("the previous run has no review of this region")


def _review_input(path, why) -> str | None:
    """What a region's fingerprint records of the review: the previous snapshot's hash."""
    if why:
        return why
    return None if path is None else sha256_file(path)


def _one_day():
    import pandas as pd

    return pd.Timedelta(days=1)


def _run_locked(opts, template: Path, out: Path, t0: float, progress) -> RunResult:

    from ..engine.facts import AS_OF_MAX_DAYS_AFTER, resolve_as_of

    started = _now()
    read = {k: opts[k] for k in READ_OPTIONS}
    tx, source = _prepare_data(opts["data"], opts["mapping"], out, read, opts["engine"])
    # Every region runs the same copy of the template, even if the original is edited
    # during the run (the fingerprints name this copy's SHA-256).
    run_template = out / "_data" / "template.ipynb"
    with atomic_path(run_template) as tmp:
        if opts["lang"] == "en":
            shutil.copyfile(template, tmp)
        else:  # the template's Markdown (headings, explanations) in the report's language
            from .language import translate_notebook_file

            translate_notebook_file(template, tmp, lang=opts["lang"])
    # as_of before the data, or far after it (unless forced): a DataError naming the file
    try:
        as_of = resolve_as_of(
            tx, opts["as_of"], max_days_after=AS_OF_MAX_DAYS_AFTER, force=opts["force_as_of"]
        )
    except DataError as exc:
        raise DataError(exc.reason, source=source["path"] or source["name"], fix=exc.fix) from exc
    names, every = _plan_regions(tx, opts, as_of, out)
    yardstick = choose_yardstick(tx, as_of=as_of, freq=opts["freq"],
                                 inactivity_days=opts["inactivity_days"])  # fmt: skip
    del tx
    # Stems over every region of the data: a run of a few regions names their files as
    # a run of all would, and never takes another region's file names.
    stems = _stems(every + names)
    versions = _versions()
    parameters = {
        "mapping": opts["mapping"],
        "read": read,
        "regions": names,
        "as_of": str(as_of.date()),
        "key_share": opts["key_share"],
        "major_share": opts["major_share"],
        "key_min_revenue": opts["key_min_revenue"],
        "major_min_revenue": opts["major_min_revenue"],
        "order_band_edges": opts["order_band_edges"],
        "inactivity_days": yardstick["inactivity_days"],
        "freq": yardstick["freq"],
        "cohort_freq": yardstick["cohort_freq"],
        "yardstick_from": yardstick["source"],
        "params": opts["params"],
        "template": template.name,
        "template_sha256": sha256_file(run_template),
        "jobs": opts["jobs"],
        "force": bool(opts["force"]),
        "timeout": opts["timeout"],
        "lang": opts["lang"],
        "engine": opts["engine"],
    }
    prev_dir, prev_doc, prev_why = _previous_run(opts, out, parameters)
    parameters["previous"] = None if prev_dir is None else str(prev_dir)
    parameters["previous_as_of"] = (prev_doc.get("parameters") or {}).get("as_of")
    prev_reviews = {
        e.get("region"): prev_dir / e["files"]["review"]
        for e in prev_doc.get("regions") or []
        if isinstance(e, dict) and (e.get("files") or {}).get("review") and prev_dir
        and (prev_dir / e["files"]["review"]).is_file()
    }  # fmt: skip
    manifest_path = out / "manifest.json"
    previous_manifest = _load_manifest(manifest_path)
    previous = {
        r.get("region"): r for r in previous_manifest.get("regions", []) if isinstance(r, dict)
    }
    entries, tasks = [], []
    for name in names:
        fp = _fingerprint(
            input=source["sha256"],
            mapping=opts["mapping"],
            read=read,
            region=name,
            as_of=parameters["as_of"],
            key=opts["key_share"],
            major=opts["major_share"],
            thresholds=[opts["key_min_revenue"], opts["major_min_revenue"]],
            bands=opts["order_band_edges"],
            inactivity=yardstick["inactivity_days"],
            freq=yardstick["freq"],
            cohort_freq=yardstick["cohort_freq"],
            params=opts["params"],
            lang=opts["lang"],
            engine=opts["engine"],
            template=parameters["template_sha256"],
            versions=versions,
            previous=_review_input(prev_reviews.get(name), prev_why),
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
            entries.append({**{k: v for k, v in prev.items() if k != "previous_run"},
                            "reused": True})  # fmt: skip
            continue
        entries.append(
            {
                "region": name,
                "label": _label(name, opts["lang"]),
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
            "inactivity_days": yardstick["inactivity_days"],
            "freq": yardstick["freq"],
            "cohort_freq": yardstick["cohort_freq"],
            "key_share": opts["key_share"],
            "major_share": opts["major_share"],
            "key_min_revenue": opts["key_min_revenue"],
            "major_min_revenue": opts["major_min_revenue"],
            "order_band_edges": opts["order_band_edges"],
            "lang": opts["lang"],
            "previous": None if prev_why or name not in prev_reviews else str(prev_reviews[name]),
            "previous_mismatch": prev_why
            or (_no_region_review(opts) if prev_dir and name not in prev_reviews else None),
            **opts["params"],
        }
        tasks.append(
            {
                "region": name,
                "label": _label(name, opts["lang"]),
                "stem": stems[name],
                "out": str(out),
                "template": str(run_template),
                "template_name": template.name,
                "parameters": notebook_params,
                "parent_pid": os.getpid() if opts["jobs"] > 1 else None,
                "timeout": opts["timeout"],
                "lang": opts["lang"],
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
    carried = _carried_over(previous_manifest, source, parameters, names, stems, out)
    order = {name: i for i, name in enumerate(every)}
    # A new list (``entries`` stays this run's), in the order of a full run.
    manifest["regions"] = sorted(entries + carried, key=lambda e: order.get(e["region"], 1e9))

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
        for result in run_tasks(tasks, opts["jobs"], progress=progress):
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
            label=_label(e["region"], opts["lang"]),
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
    from .index import render_index

    heads, reviews = {}, {}
    for e in manifest["regions"]:
        name = (e.get("files") or {}).get("headline")
        if name:
            heads[e["region"]] = read_headline(out / name)
        name = (e.get("files") or {}).get("review")
        if name:
            try:
                since = json.loads((out / name).read_text(encoding="utf-8")).get("since")
            except (OSError, ValueError, AttributeError):
                since = None
            if since:
                reviews[e["region"]] = since
    write_text_atomic(out / "index.html", render_index(manifest, heads, reviews=reviews))
