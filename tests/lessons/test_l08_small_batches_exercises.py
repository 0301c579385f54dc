"""Notebook 08's checker: a right answer passes, and each diagnosed mistake gets its explanation."""

import numpy as np
import pytest

from normlib.lessons.l08_small_batches import check_batch_mean_spread
from normlib.lessons.l08_small_batches.exercises import std_of_batch_mean


def test_the_reference_is_the_sampling_formula_measured_by_brute_force():
    """Independent of the formula: the standard deviation of μ_B over every batch of m = 2 out of
    a small population, enumerated exactly."""
    from itertools import combinations
    z = np.array([0.3, -1.2, 2.5, 0.7, 1.1, -0.4])
    means = [z[list(c)].mean() for c in combinations(range(len(z)), 2)]
    assert np.isclose(np.std(means), std_of_batch_mean(z.std(), 2, len(z)))
    assert std_of_batch_mean(1.0, 6, 6) == 0


def _raise(sigma_z, m, n):
    raise NotImplementedError


@pytest.mark.parametrize("fn, expected", [
    (lambda s, m, n: s / np.sqrt(m) * np.sqrt((n - m) / (n - 1)), "correct"),
    (lambda s, m, n: s / np.sqrt(m), "almost"),
    (lambda s, m, n: s / m, "you divided by m"),
    (lambda s, m, n: s ** 2 / m, "that is the variance"),
    (lambda s, m, n: s * np.sqrt(m), "you multiplied by √m"),
    (lambda s, m, n: s / np.sqrt(m) * (n - m) / (n - 1), "goes under the square root"),
    (lambda s, m, n: s / np.sqrt(m - 1), "√(m − 1)"),
    (lambda s, m, n: 2 * s, "not σ_z/√m"),
    (lambda s, m, n: "0.5", "correct"),
    (lambda s, m, n: [1, 2], "expected one number"),
    (lambda s, m, n: None, "returned None"),
    (lambda s, m, n: s / 0 if m else 0, "raised ZeroDivisionError"),
    (_raise, "not implemented yet"),
])
def test_batch_mean_spread_checker(fn, expected):
    if expected == "correct" and fn(1.0, 2, 4) == "0.5":
        expected = "not σ_z/√m"                      # a string that parses, but the wrong number
    text = check_batch_mean_spread(fn)
    assert expected in text, text
    if expected != "correct":
        assert not text.startswith("correct")
