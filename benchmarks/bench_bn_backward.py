"""Batch norm's backward alone: the closed form against the staged computation graph (notebook 03).

For each shape and dtype, prints the median time of
  closed   — normlib.functional.batch_norm_backward (BN: dx, dγ, dβ in closed form)
  staged   — normlib.lessons.l03_batch_norm_training.staged_batch_norm_backward (node by node, then dγ, dβ)
and, beside the measured ratio, the deterministic counts of normlib.lessons.l03_batch_norm_training.count_passes:
full-size operations and megabytes moved. Whatever the counts leave unexplained is mostly the
cost of the reductions and of allocating the new full-size temporaries (fresh pages): rerun with
MALLOC_MMAP_THRESHOLD_=1000000000 MALLOC_TRIM_THRESHOLD_=1000000000 (glibc) to see it shrink.

    python benchmarks/bench_bn_backward.py [--repeat 50]
"""

import os

for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[var] = "1"

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from _timing import median_time                                 # noqa: E402
from normlib import functional as F                             # noqa: E402
from normlib.lessons.l03_batch_norm_training.experiments import count_passes, staged_batch_norm_backward   # noqa: E402

SHAPES = [(256, 512), (32, 64, 16, 16)]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=50)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    print(f"numpy {np.__version__}; 1 thread; median of {args.repeat}; backward only (the forward is shared)")
    header = (f"{'shape':>18}{'dtype':>9}{'closed ms':>11}{'staged ms':>11}{'measured':>10}"
              f"{'ops ratio':>11}{'MB ratio':>10}")
    print(header)
    print("-" * len(header))
    for shape in SHAPES:
        for dtype in (np.float32, np.float64):
            x = rng.standard_normal(shape).astype(dtype)
            dy = rng.standard_normal(shape).astype(dtype)
            g = np.ones(shape[1], dtype)
            _, cache = F.batch_norm_forward(x, g, np.zeros_like(g))
            closed = lambda: F.batch_norm_backward(dy, cache)
            staged = lambda: staged_batch_norm_backward(dy, x, cache["x_hat"], g)
            t_c, t_s = median_time(closed, args.repeat), median_time(staged, args.repeat)
            n_c = count_passes(F.batch_norm_backward, dy, cache)
            n_s = count_passes(staged_batch_norm_backward, dy, x, cache["x_hat"], g)
            print(f"{str(shape):>18}{np.dtype(dtype).name:>9}{t_c * 1e3:>11.2f}{t_s * 1e3:>11.2f}"
                  f"{t_s / t_c:>9.1f}×{n_s.ops / n_c.ops:>10.1f}×{n_s.megabytes / n_c.megabytes:>9.1f}×")


if __name__ == "__main__":
    main()
