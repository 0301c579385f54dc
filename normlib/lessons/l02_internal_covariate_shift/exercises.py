"""Exercise checker for notebook 02: the percentiles of the BN paper's Figure 1 (b, c)."""

import numpy as np

from ...checking import call_student

__all__ = ["check_percentiles"]


def _percentile_cases():
    rng = np.random.default_rng(2015)
    # steps × examples, with a distribution that drifts and widens over training
    drift = np.linspace(-1, 2, 7)[:, None]
    width = np.linspace(0.5, 2, 7)[:, None]
    return [drift + width * rng.standard_normal((7, 50)), rng.standard_normal((4, 9)) * 3 + 1]


def check_percentiles(fn):
    """Check ``fn(inputs) -> array (3, steps)``: the 15th, 50th and 85th percentiles of one
    sigmoid's input at each training step, for ``inputs`` of shape (steps, examples).

    Returns feedback text (print it)."""
    for inputs in _percentile_cases():
        expected = np.percentile(inputs, [15, 50, 85], axis=1)
        got, problem = call_student(fn, "percentiles_over_training", "the array of percentiles", inputs)
        if problem:
            return problem
        got = np.asarray(got, dtype=float)
        steps = inputs.shape[0]
        if got.shape == (steps, 3) and np.allclose(got.T, expected):
            return ("right numbers, but transposed: return shape (3, steps) — one row per percentile "
                    "— so that plt.plot(steps, p.T) draws three curves")
        if got.shape != (3, steps):
            per_example = np.percentile(inputs, [15, 50, 85], axis=0)
            if got.shape == per_example.shape and np.allclose(got, per_example):
                return ("these are percentiles over the training steps, one per example (axis 0); "
                        "Figure 1 takes them over the examples at each step: axis=1")
            return f"expected shape (3, {steps}) — 3 percentiles × {steps} steps; got {got.shape}"
        if np.allclose(got, np.percentile(inputs, [0.15, 0.50, 0.85], axis=1)):
            return ("np.percentile takes percentages (15, 50, 85), not fractions (0.15, …); "
                    "np.quantile is the one that takes fractions")
        if np.allclose(got, np.percentile(inputs, [85, 50, 15], axis=1)):
            return "the rows are in reverse order: 15th first, then the median, then the 85th"
        if np.allclose(got[1], inputs.mean(axis=1)) and not np.allclose(got[1], expected[1]):
            return "the middle row is the mean; Figure 1 plots the median (50th percentile)"
        if not np.allclose(got, expected):
            return "not the 15th/50th/85th percentiles over the examples of each step; compare with np.percentile"
    return "correct: one row per percentile, one column per training step"
