"""Run-all time of every notebook (a fresh kernel each, as a student's "Run All") and of the series.

Targets: no notebook over 20 s, the series under 90 s on a 2-core machine. The notebooks are run
from a temporary copy, so the committed ones are left as they are.

    python benchmarks/bench_notebooks.py [--repeat 3]
"""

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]


def run_time(path):
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, timeout=600, kernel_name="python3",
                            resources={"metadata": {"path": str(path.parent)}})
    start = time.perf_counter()
    client.execute()
    return time.perf_counter() - start


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp) / "notebooks"
        shutil.copytree(ROOT / "notebooks", work)
        paths = sorted(work.glob("*.ipynb"))
        print(f"{'notebook':<40}{'median s':>10}{'max s':>8}  (kernel start included; {args.repeat} runs)")
        total, slow = 0.0, []
        for path in paths:
            times = [run_time(path) for _ in range(args.repeat)]
            median = statistics.median(times)
            total += median
            if median > 20:
                slow.append(path.name)
            print(f"{path.name:<40}{median:>10.1f}{max(times):>8.1f}", flush=True)
        print(f"{'series (sum of medians)':<40}{total:>10.1f}         target < 90 s, each < 20 s: "
              f"{'ok' if total < 90 and not slow else 'NOT MET ' + ', '.join(slow)}")


if __name__ == "__main__":
    sys.exit(main())
