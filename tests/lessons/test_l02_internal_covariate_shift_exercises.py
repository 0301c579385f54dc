"""The checker of notebook 02 (percentiles) recognises each mistake."""

import pytest
import numpy as np

from normlib.lessons.l02_internal_covariate_shift import check_percentiles


def _raise(_):
    raise NotImplementedError


@pytest.mark.parametrize("fn, expected", [
    (lambda x: np.percentile(x, [15, 50, 85], axis=1), "correct"),
    (lambda x: np.quantile(x, [0.15, 0.5, 0.85], axis=1), "correct"),
    (_raise, "not implemented yet"),
    (lambda x: None, "returned None"),
    (lambda x: np.percentile(x, [15, 50, 85], axis=1).T, "transposed"),
    (lambda x: np.percentile(x, [15, 50, 85], axis=0), "axis=1"),
    (lambda x: np.percentile(x, [0.15, 0.5, 0.85], axis=1), "percentages"),
    (lambda x: np.percentile(x, [85, 50, 15], axis=1), "reverse order"),
    (lambda x: np.stack([np.percentile(x, 15, axis=1), x.mean(1), np.percentile(x, 85, axis=1)]), "the mean"),
    (lambda x: np.percentile(x, [10, 50, 90], axis=1), "not the 15th/50th/85th"),
    (lambda x: 1 / 0, "raised ZeroDivisionError"),
])
def test_percentile_checker_diagnoses(fn, expected):
    assert expected in check_percentiles(fn)
