"""Run every benchmarks/bench_*.py in turn (make bench). Figures are printed, never asserted."""

from __future__ import annotations

import runpy
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main(names: list[str]) -> int:
    sys.path.insert(0, str(HERE))
    files = sorted(HERE.glob("bench_*.py"))
    if names:
        files = [f for f in files if any(n in f.stem for n in names)]
    failed = []
    for f in files:
        print(f"\n=== {f.stem} ===", flush=True)
        t0 = time.perf_counter()
        try:
            runpy.run_path(str(f), run_name="__main__")
        except Exception as exc:  # a broken benchmark should not hide the others
            print(f"  FAILED: {type(exc).__name__}: {exc}")
            failed.append(f.stem)
        print(f"=== {f.stem}: {time.perf_counter() - t0:.1f} s wall ===", flush=True)
    if failed:
        print(f"\nfailed benchmarks: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
