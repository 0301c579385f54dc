"""Shared by the benchmark scripts: the median of repeated timings (machines here are shared and
noisy, so medians, never single runs)."""

import time

import numpy as np


def median_time(fn, repeat):
    """Median seconds of ``repeat`` calls of ``fn()``, after one warm-up call."""
    fn()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return float(np.median(times))
