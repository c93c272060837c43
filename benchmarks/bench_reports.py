"""Benchmark: the full report run on UCI Online Retail (every country + All), --jobs 2.

Run from the repository root::

    .venv/bin/python benchmarks/bench_reports.py [--jobs 2] [--keep DIR]

Prints the wall time of the run, of reading + caching the input, the per-region
times measured in the workers (papermill execution including kernel start, HTML
export), the parallel speed-up (sum of region times / wall time), where the
notebook time goes (papermill's per-cell durations summed over regions, by
cell), and the time of a rerun that skips every finished region. Target: the
full report set in under 2 minutes with 2 worker processes on this 2-core machine.
"""

from __future__ import annotations

import argparse
import json
import logging
import statistics
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from kamresearch import reports  # noqa: E402
from synth import timed  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data" / "online_retail_2010_2011.parquet"
TINY = ROOT / "tests" / "data" / "tiny_report.ipynb"


def _cell_times(out: Path, regions) -> list:
    """(seconds summed over regions, first source line) per code cell, largest first."""
    import nbformat

    total: dict = defaultdict(float)
    for r in regions:
        name = r.files.get("notebook")
        if not name:
            continue
        nb = nbformat.read(out / name, as_version=4)
        for cell in nb.cells:
            if cell.cell_type != "code":
                continue
            dur = (cell.metadata.get("papermill") or {}).get("duration") or 0.0
            total[cell.source.strip().splitlines()[0][:60] if cell.source.strip() else ""] += dur
    return sorted(((v, k) for k, v in total.items()), reverse=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--keep", default=None, help="write the run here (default: a temp folder)")
    args = ap.parse_args()
    if not DATA.exists():
        print(f"skipped: {DATA} not found")
        return
    logging.basicConfig(level=logging.WARNING)
    results: dict = {}
    label = f"full run, all countries + All, jobs={args.jobs}"
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(args.keep) if args.keep else Path(tmp) / "reports"
        common = dict(mapping="online-retail", regions="all", out=out, jobs=args.jobs,
                      progress=False)  # fmt: skip
        with timed(label, results):
            run = reports.run(DATA, force=True, **common)
        with timed("rerun (every region up to date: skipped)", results):
            again = reports.run(DATA, **common)
        n_reused = sum(r.reused for r in again.regions)
        with timed("one tiny-template report (read + validate + cache + 1 kernel)", results):
            reports.run(DATA, mapping="online-retail", regions=["All"], out=Path(tmp) / "one",
                        template=TINY, progress=False)  # fmt: skip
        floor_label = (
            f"pipeline floor: tiny template, all {len(run.regions)} reports, jobs={args.jobs}"
        )
        with timed(floor_label, results):
            floor = reports.run(DATA, mapping="online-retail", regions="all",
                                out=Path(tmp) / "floor", template=TINY, jobs=args.jobs,
                                progress=False)  # fmt: skip
        wall = results[label]
        manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
        timings = {e["region"]: e.get("timings") or {} for e in manifest["regions"]}
        durations = sorted(((r.duration_s, r.region) for r in run.regions), reverse=True)
        n = len(durations)
        total_region = sum(d for d, _ in durations)
        execute = [t.get("execute_s", 0.0) for t in timings.values()]
        html = [t.get("html_s", 0.0) for t in timings.values()]
        print(f"\n{n} reports: {n - len(run.failed)} ok, {len(run.failed)} failed "
              f"({', '.join(r.region for r in run.failed) or 'none'}); rerun reused "
              f"{n_reused}/{n}")  # fmt: skip
        print(f"wall {wall:.1f} s = {wall / n:.2f} s per report; target < 120 s")
        print(f"per report in the workers: mean {total_region / n:.2f} s, median "
              f"{statistics.median(d for d, _ in durations):.2f} s, max {durations[0][0]:.2f} s "
              f"({durations[0][1]}), min {durations[-1][0]:.2f} s ({durations[-1][1]})")  # fmt: skip
        print(f"  papermill execution (incl. kernel start) mean {statistics.mean(execute):.2f} s;"
              f" HTML export mean {statistics.mean(html):.2f} s")  # fmt: skip
        print(f"parallel speed-up: sum of report times / wall = {total_region / wall:.2f} "
              f"with {args.jobs} workers")  # fmt: skip
        floor_wall = results[floor_label]
        print(f"pipeline floor (tiny template: kernel start, imports, HTML, writes): "
              f"{floor_wall:.1f} s wall = {floor_wall / len(floor.regions):.2f} s per report; "
              f"the real template adds {wall - floor_wall:.1f} s")  # fmt: skip
        cells = _cell_times(out, run.regions)
        in_cells = sum(v for v, _ in cells)
        print(f"\nnotebook cells, seconds summed over the {n} reports (total {in_cells:.1f} s; "
              f"the rest of the worker time, {total_region - in_cells:.1f} s, is kernel start/stop,"
              f" HTML export and writing):")  # fmt: skip
        for v, src in cells[:12]:
            print(f"  {v:7.1f}  {src}")
        print("\nper region (s): total / execute / html")
        for d, region in durations:
            t = timings.get(region, {})
            print(f"  {region:<24} {d:6.2f} {t.get('execute_s', 0):6.2f} {t.get('html_s', 0):5.2f}")
        if args.keep:
            print(f"\nopen {run.index}")


if __name__ == "__main__":
    main()
