"""Latency of every registered explorer: one slider step = update(**values) + PNG render.

Sweeps each control over its range (several passes) and prints p50 and p95 per explorer.
Target: p50 ≤ 50 ms, p95 ≤ 100 ms.

    python benchmarks/bench_explorers.py [--passes 5]
"""

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from normlib.lessons import EXPLORERS                      # noqa: E402


def sweep_values(w, n=6):
    if getattr(w, "options", None) is not None:
        return [o[1] if isinstance(o, tuple) else o for o in w.options]
    if isinstance(w.value, bool):
        return [False, True]
    return sorted({type(w.value)(v) for v in np.linspace(w.min, w.max, n)})


def measure(explorer, passes):
    steps = [(name, v) for name, w in explorer.controls.items() for v in sweep_values(w)]
    times = []
    for _ in range(passes):
        for name, value in steps:
            start = time.perf_counter()
            explorer.update(**{name: value})
            explorer.render_png()
            times.append(time.perf_counter() - start)
    return np.array(times) * 1e3


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--passes", type=int, default=5)
    args = parser.parse_args()
    print(f"{'explorer':<38}{'steps':>7}{'p50 ms':>9}{'p95 ms':>9}{'build ms':>10}  target p50 ≤ 50, p95 ≤ 100")
    for name, factory in sorted(EXPLORERS.items()):
        start = time.perf_counter()
        explorer = factory()
        build = (time.perf_counter() - start) * 1e3
        t = measure(explorer, args.passes)
        ok = "ok" if np.percentile(t, 50) <= 50 and np.percentile(t, 95) <= 100 else "SLOW"
        print(f"{name:<38}{len(t):>7}{np.percentile(t, 50):>9.1f}{np.percentile(t, 95):>9.1f}"
              f"{build:>10.0f}  {ok}")


if __name__ == "__main__":
    main()
