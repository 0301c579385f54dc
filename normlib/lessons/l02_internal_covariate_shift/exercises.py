"""Exercise checker for notebook 02: the percentiles of the BN paper's Figure 1 (b, c)."""

import numpy as np

from ...checking import call_student
from ...i18n import t

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
        got, problem = call_student(fn, "percentiles_over_training", t("l02.check.returns"), inputs)
        if problem:
            return problem
        got = np.asarray(got, dtype=float)
        steps = inputs.shape[0]
        if got.shape == (steps, 3) and np.allclose(got.T, expected):
            return t("l02.check.transposed")
        if got.shape != (3, steps):
            per_example = np.percentile(inputs, [15, 50, 85], axis=0)
            if got.shape == per_example.shape and np.allclose(got, per_example):
                return t("l02.check.per_example")
            return t("l02.check.shape", steps=steps, shape=got.shape)
        if np.allclose(got, np.percentile(inputs, [0.15, 0.50, 0.85], axis=1)):
            return t("l02.check.fractions")
        if np.allclose(got, np.percentile(inputs, [85, 50, 15], axis=1)):
            return t("l02.check.reversed")
        if np.allclose(got[1], inputs.mean(axis=1)) and not np.allclose(got[1], expected[1]):
            return t("l02.check.mean")
        if not np.allclose(got, expected):
            return t("l02.check.wrong")
    return t("l02.check.correct")
