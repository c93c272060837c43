"""One region's report, executed in a worker process.

:func:`execute_region` is what :func:`kamresearch.reports.run` submits to its
process pool: papermill executes the template notebook with the region's
parameters in a fresh kernel, working in a private staging folder of the run;
on success the executed notebook, the client HTML (no code, no prompts), the
Excel tables and the headline JSON replace the region's earlier files, all or
none (each file with an atomic :func:`os.replace`; on an error the earlier files
are put back and the region fails). On failure only papermill's failed notebook
(with its error marker) is moved, and older outputs of the region are removed so
that the folder never shows a stale report next to a failed run.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import time
import traceback
from pathlib import Path
from secrets import token_hex

from ..i18n import _, use_language
from .files import TMP_MARK, _fsync

__all__ = ["execute_region", "run_tasks", "export_html", "OUTPUT_SUFFIXES", "KERNEL_NAME"]

#: Kernel used for every execution (the ``python3`` kernel of the running interpreter:
#: jupyter_client starts it with ``sys.executable``).
KERNEL_NAME = "python3"
#: Output kind -> suffix appended to the region's file stem.
OUTPUT_SUFFIXES = {
    "notebook": ".ipynb",
    "html": ".html",
    "xlsx": ".xlsx",
    "headline": ".headline.json",
    "review": ".review.json",
}


def export_html(nb, *, title: str, lang: str = "en") -> str:
    """Client-ready HTML of an executed notebook: outputs and Markdown only.

    ``lang`` is the page's ``<html lang=...>`` (so browsers pick CJK fonts and
    screen readers the right voice).

    Code cells' inputs and all prompts are excluded, and ``stderr`` stream
    outputs (warnings, progress noise) are dropped; the executed ``.ipynb``
    keeps them for the analyst. Images are embedded, so the page is one file.
    """
    import copy

    from nbconvert import HTMLExporter

    nb = copy.deepcopy(nb)
    for cell in nb.cells:
        if cell.get("cell_type") == "code":
            cell["outputs"] = [
                o
                for o in cell.get("outputs", [])
                if not (o.get("output_type") == "stream" and o.get("name") == "stderr")
            ]
    exporter = HTMLExporter(
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
        language_code=lang,
    )
    body, _ = exporter.from_notebook_node(nb, resources={"metadata": {"name": title}})
    return body


def _error_text(exc: BaseException, timeout=None) -> str:
    """One line for the manifest and the index: error name, message, cell number."""
    from papermill.exceptions import PapermillExecutionError

    if isinstance(exc, PapermillExecutionError):
        # The timeout's interrupt surfaces as the cell's KeyboardInterrupt or, when the
        # kernel is slow to answer it (a loaded machine), as nbclient's own error.
        timed_out = exc.ename == "KeyboardInterrupt" or (
            exc.ename in ("CellExecutionError", "CellTimeoutError") and not str(exc.evalue).strip()
        )
        if timed_out and timeout:
            return f"cell {exc.exec_count} ran longer than the timeout of {timeout} s"
        evalue = str(exc.evalue).strip().splitlines()
        first = evalue[0] if evalue else ""
        return f"{exc.ename}: {first} (cell {exc.exec_count})"
    lines = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {lines[0] if lines else ''}".strip()


def execute_region(task: dict) -> dict:
    """Execute one region's notebook and publish its outputs (runs in a worker).

    Parameters
    ----------
    task : dict
        ``region``, ``stem``, ``out`` (run folder, absolute), ``template`` (absolute
        path), ``parameters`` (dict injected by papermill; paths relative to ``out``),
        ``parent_pid`` (the run's pid: when the run has died meanwhile, nothing is
        published).

    Returns
    -------
    dict
        ``region``, ``stem``, ``status`` (``"ok"`` or ``"failed"``), ``error`` (str or
        None), ``duration_s``, ``files`` (kind -> file name in ``out``, only those
        published), ``traceback`` (str or None, for the log), ``started`` (UTC time),
        ``timings`` (``execute_s``: papermill incl. kernel start; ``html_s``: export).
    """
    from datetime import UTC, datetime

    import nbformat
    import papermill as pm

    t0 = time.perf_counter()
    started = datetime.now(UTC).isoformat(timespec="seconds")
    out = Path(task["out"])
    stem = task["stem"]
    staging = out / ".staging" / f"{os.getpid()}-{stem}"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    params = dict(task["parameters"])
    params["output_dir"] = os.path.relpath(staging, out)
    params["output_name"] = stem
    staged_nb = staging / f"{stem}.ipynb"
    result = {
        "region": task["region"],
        "label": task.get("label") or str(task["region"]),
        "stem": stem,
        "status": "ok",
        "error": None,
        "files": {},
        "traceback": None,
        "started": started,
        "timings": {},
    }
    template_name = task.get("template_name") or Path(task["template"]).name
    try:
        nb = pm.execute_notebook(
            str(task["template"]),
            str(staged_nb),
            parameters=params,
            kernel_name=KERNEL_NAME,
            progress_bar=False,
            log_output=False,
            request_save_on_cell_execute=False,
            cwd=str(out),
            execution_timeout=task.get("timeout"),
            # A cell over the timeout is interrupted, so it fails like any cell error and
            # papermill saves the notebook up to that cell.
            interrupt_on_timeout=True,
            # The kernel's own log lines (ipykernel's note on local TCP transport, the
            # "KeyboardInterrupt caught" of the shutdown's SIGINT) are noise in a scheduled
            # run's log; errors inside cells are in the notebook.
            extra_arguments=["--IPKernelApp.log_level=CRITICAL"],
            # The notebook is complete when its last cell returns: stop the kernel at once
            # instead of waiting for a graceful shutdown.
            shutdown_kernel="immediate",
        )
        t_exec = time.perf_counter()
        result["timings"]["execute_s"] = round(t_exec - t0, 3)
        _relative_paths(nb, template_name, f"{stem}.ipynb")
        nbformat.write(nb, staged_nb)
        lang = task.get("lang") or "en"
        with use_language(lang):
            prefix = task.get("title_prefix") or _("Key accounts")
        html = export_html(nb, title=f"{prefix}: {result['label']}", lang=lang)
        (staging / f"{stem}.html").write_text(html, encoding="utf-8")
        result["timings"]["html_s"] = round(time.perf_counter() - t_exec, 3)
    except Exception as exc:  # noqa: BLE001 - any failure is this region's failure
        result["status"] = "failed"
        result["error"] = _error_text(exc, task.get("timeout"))
        result["traceback"] = traceback.format_exc()
        _relative_metadata(staged_nb, template_name, f"{stem}.ipynb")
    try:
        result["files"] = _publish(
            staging, out, stem, ok=result["status"] == "ok", parent_pid=task.get("parent_pid")
        )
    except OSError as exc:  # this region's failure: its earlier files are back in place
        result.update(status="failed", files={}, traceback=traceback.format_exc())
        result["error"] = f"could not write the report's files: {type(exc).__name__}: {exc}"
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    if result["status"] == "ok":
        missing = [k for k in ("notebook", "html") if k not in result["files"]]
        if missing:
            result["status"] = "failed"
            result["error"] = f"the report did not produce its {', '.join(missing)} output"
    result["duration_s"] = round(time.perf_counter() - t0, 3)
    return result


def _relative_paths(nb, template_name: str, final_name: str) -> None:
    """Replace papermill's absolute input/output paths in ``nb`` by plain file names."""
    meta = nb.metadata.get("papermill")
    if meta is not None:
        meta["input_path"] = template_name
        meta["output_path"] = final_name


def _relative_metadata(path: Path, template_name: str, final_name: str) -> None:
    """:func:`_relative_paths` on a notebook file (papermill's failed notebook)."""
    import nbformat

    if not path.exists():
        return
    try:
        nb = nbformat.read(path, as_version=4)
    except Exception:  # noqa: BLE001 - an unreadable notebook is published as is
        return
    _relative_paths(nb, template_name, final_name)
    nbformat.write(nb, path)


def _publish(staging: Path, out: Path, stem: str, *, ok: bool, parent_pid) -> dict:
    """Replace the region's outputs in ``out`` by the staged ones, all or nothing.

    Each earlier output of the region is first moved aside (a temporary name that
    :func:`~kamresearch.reports.files.clean_temp_files` removes), then each staged
    file is moved to its final name (:func:`os.replace`: a reader sees the old file,
    no file, or the new one, never a part). When any move fails (a file open in
    Excel on Windows, a read-only file, a directory in the way), the new files are
    removed, the earlier ones are put back and the error is raised: the region is
    never left with a new ``.ipynb`` beside an old ``.html``. A failed run's outputs
    (``ok=False``: papermill's notebook only) replace all of the earlier ones.
    """
    if parent_pid is not None and os.getppid() != parent_pid:
        return {}  # the run was killed: publish nothing, the next run redoes the region
    moves = []
    for kind, suffix in OUTPUT_SUFFIXES.items():
        src = staging / f"{stem}{suffix}"
        keep = src.exists() and (ok or kind == "notebook")
        moves.append((kind, src if keep else None, out / f"{stem}{suffix}"))
    aside, placed = [], []
    try:
        for _, src, dst in moves:
            if src is not None:
                _fsync(src)
            if dst.exists() or dst.is_symlink():
                old = dst.with_name(f".{dst.name}{TMP_MARK}{os.getpid()}-{token_hex(4)}-old")
                os.replace(dst, old)
                aside.append((old, dst))
        for kind, src, dst in moves:
            if src is not None:
                os.replace(src, dst)
                placed.append((kind, dst))
    except BaseException:
        for _, dst in placed:
            with contextlib.suppress(OSError):
                dst.unlink()
        for old, dst in reversed(aside):
            with contextlib.suppress(OSError):
                os.replace(old, dst)
        raise
    for old, _ in aside:  # the earlier outputs, now replaced or withdrawn
        with contextlib.suppress(OSError):
            shutil.rmtree(old) if old.is_dir() and not old.is_symlink() else old.unlink()
    return {kind: dst.name for kind, dst in placed}


def _crashed(task: dict, exc: BaseException) -> dict:
    """The result of a task whose worker process died (killed, out of memory, ...)."""
    return {
        "region": task["region"],
        "label": task.get("label") or str(task["region"]),
        "stem": task["stem"],
        "status": "failed",
        "error": f"the worker process died ({type(exc).__name__}: {exc}); rerun to retry",
        "duration_s": 0.0,
        "files": {},
        "traceback": None,
        "started": None,
        "timings": {},
    }


def _terminate(pool) -> None:
    """Stop a process pool's workers now (Ctrl-C / SIGTERM of the run)."""
    # ProcessPoolExecutor has no public "terminate": its worker processes are in
    # ``_processes``; their kernels notice the dead parent and exit by themselves.
    procs = list((getattr(pool, "_processes", None) or {}).values())
    for proc in procs:
        with contextlib.suppress(Exception):
            proc.terminate()
    for proc in procs:  # a worker that ignores SIGTERM is killed
        with contextlib.suppress(Exception):
            proc.join(5)
            if proc.is_alive():
                proc.kill()
                proc.join(5)
    # Wait for the pool's manager thread: with its workers gone it ends at once. Not
    # waiting raced with the interpreter's exit hook (concurrent.futures'
    # _python_exit writing to the wake-up pipe the manager thread had just closed:
    # "OSError: Bad file descriptor" printed as a traceback after the clean exit).
    pool.shutdown(wait=True, cancel_futures=True)


def run_tasks(tasks: list, jobs: int, *, progress=None):
    """Execute region tasks; yield each result as it finishes.

    Parameters
    ----------
    tasks : list of dict
        As :func:`execute_region` takes them.
    jobs : int
        1: one after the other in this process (each notebook still runs in its own
        kernel process); more: a pool of that many worker processes (``spawn``).
    progress : bool, optional
        A tqdm bar on stderr; default: when stderr is a terminal. Without a bar, an
        INFO log line per finished region; failures are logged (ERROR) either way.

    Yields
    ------
    dict
        The result of :func:`execute_region`. A worker that dies yields a failed
        result for each of its unfinished regions instead of stopping the run.
    """
    import logging
    import sys
    from contextlib import nullcontext

    if not tasks:
        return
    log = logging.getLogger("kamresearch")
    show = sys.stderr.isatty() if progress is None else bool(progress)
    bar, redirect = None, nullcontext()
    if show:
        from tqdm.auto import tqdm
        from tqdm.contrib.logging import logging_redirect_tqdm

        bar = tqdm(total=len(tasks), unit="report", file=sys.stderr, dynamic_ncols=True)
        redirect = logging_redirect_tqdm()
    n = len(tasks)
    with redirect:
        try:
            for i, result in enumerate(_results(tasks, jobs), 1):
                label = result.get("label") or str(result["region"])
                if result["status"] == "ok":  # on a terminal the bar shows progress
                    log.log(logging.DEBUG if bar is not None else logging.INFO,
                            "[%d/%d] %s: done in %.1f s", i, n, label,
                            result["duration_s"])  # fmt: skip
                else:
                    log.error("[%d/%d] %s: FAILED after %.1f s: %s", i, n, label,
                              result["duration_s"], result["error"])  # fmt: skip
                if bar is not None:
                    bar.set_postfix_str(label[:30], refresh=False)
                    bar.update(1)
                yield result
        finally:
            if bar is not None:
                bar.close()


def _results(tasks: list, jobs: int):
    if jobs == 1:
        for task in tasks:
            yield execute_region(task)
        return
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor, as_completed

    pool = ProcessPoolExecutor(
        max_workers=min(jobs, len(tasks)), mp_context=multiprocessing.get_context("spawn")
    )
    futures = {pool.submit(execute_region, task): task for task in tasks}
    try:
        for future in as_completed(futures):
            try:
                result = future.result()
            except Exception as exc:  # noqa: BLE001 - BrokenProcessPool and the like
                result = _crashed(futures[future], exc)
            yield result
    except BaseException:
        _terminate(pool)
        raise
    pool.shutdown(wait=True)
