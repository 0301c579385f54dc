"""Latency of every registered explorer: one slider step = update(**values) + PNG render.

Sweeps each control over its range (several passes) and prints p50 and p95 per explorer, of the
wall clock (what a reader waits) and of this process's CPU time (time.process_time: what the step
costs, less sensitive to other work on a shared machine). Later passes revisit states, whose texts
an explorer pastes from its cache (``Explorer.render``); the first pass ("1st") shows mostly new
states. Target (issue 19): wall p50 ≤ 30 ms and p95 ≤ 60 ms, over all steps and over the first pass;
the last column says ok or SLOW.

    python benchmarks/bench_explorers.py [--passes 5] [--only NAME ...]
"""

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from normlib.lessons import EXPLORERS                      # noqa: E402

TARGET_P50, TARGET_P95 = 30, 60                            # ms, wall clock


def sweep_values(w, n=6):
    if getattr(w, "options", None) is not None:
        return [o[1] if isinstance(o, tuple) else o for o in w.options]
    if isinstance(w.value, bool):
        return [False, True]
    return sorted({type(w.value)(v) for v in np.linspace(w.min, w.max, n)})


def measure(explorer, passes):
    """Wall and CPU milliseconds of every step, arrays of shape (passes, steps)."""
    steps = [(name, v) for name, w in explorer.controls.items() for v in sweep_values(w)]
    wall, cpu = [], []
    for _ in range(passes):
        for name, value in steps:
            start, start_cpu = time.perf_counter(), time.process_time()
            explorer.update(**{name: value})
            explorer.render_png()
            wall.append(time.perf_counter() - start)
            cpu.append(time.process_time() - start_cpu)
    return np.array(wall).reshape(passes, -1) * 1e3, np.array(cpu).reshape(passes, -1) * 1e3


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--passes", type=int, default=5)
    parser.add_argument("--only", nargs="*", default=(), help="explorers whose name contains one of these")
    args = parser.parse_args()
    print(f"{'explorer':<38}{'steps':>6}{'p50 ms':>8}{'p95 ms':>8}{'1st p50':>9}{'1st p95':>9}{'cpu p50':>9}"
          f"{'cpu p95':>9}{'build ms':>10}  target p50 ≤ {TARGET_P50}, p95 ≤ {TARGET_P95}")
    for name, factory in sorted(EXPLORERS.items()):
        if args.only and not any(part in name for part in args.only):
            continue
        start = time.perf_counter()
        explorer = factory()
        build = (time.perf_counter() - start) * 1e3
        wall, cpu = measure(explorer, args.passes)
        p50, p95 = np.percentile(wall, 50), np.percentile(wall, 95)
        first50, first95 = np.percentile(wall[0], 50), np.percentile(wall[0], 95)
        ok = "ok" if max(p50, first50) <= TARGET_P50 and max(p95, first95) <= TARGET_P95 else "SLOW"
        print(f"{name:<38}{wall.size:>6}{p50:>8.1f}{p95:>8.1f}{first50:>9.1f}{first95:>9.1f}"
              f"{np.percentile(cpu, 50):>9.1f}{np.percentile(cpu, 95):>9.1f}{build:>10.0f}  {ok}", flush=True)


if __name__ == "__main__":
    main()
