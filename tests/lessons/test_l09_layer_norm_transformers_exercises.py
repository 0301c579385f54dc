"""Notebook 09's checker: a right RMSNorm passes, and each diagnosed mistake gets its explanation."""

import numpy as np
import pytest

from normlib.lessons.l09_layer_norm_transformers import check_rms_norm


def right(a, gamma, eps=1e-5):
    return gamma * a / np.sqrt((a * a).mean(axis=-1, keepdims=True) + eps)


def _raise():
    raise NotImplementedError


@pytest.mark.parametrize("fn, expected", [
    (right, "correct"),
    (lambda a, gamma, eps: gamma * (a - a.mean(-1, keepdims=True)) / np.sqrt(a.var(-1, keepdims=True) + eps),
     "that is layer norm"),
    (lambda a, gamma, eps: gamma * a / np.sqrt(a.var(-1, keepdims=True) + eps), "standard deviation"),
    (lambda a, gamma, eps: gamma * a / np.sqrt((a * a).mean(0, keepdims=True) + eps), "batch axis"),
    (lambda a, gamma, eps: gamma * a / np.sqrt((a * a).mean() + eps), "for the whole array"),
    (lambda a, gamma, eps: gamma * a / (np.sqrt((a * a).mean(-1, keepdims=True)) + eps), "outside the square root"),
    (lambda a, gamma, eps: gamma * a / np.sqrt((a * a).mean(-1, keepdims=True)), "ε is missing"),
    (lambda a, gamma, eps: a / np.sqrt((a * a).mean(-1, keepdims=True) + eps), "γ is missing"),
    (lambda a, gamma, eps: gamma * a / ((a * a).mean(-1, keepdims=True) + eps), "square root"),
    (lambda a, gamma, eps: right(a, gamma, eps) + 0.3, "no β"),
    (lambda a, gamma, eps: 2 * right(a, gamma, eps), "compare with np.sqrt"),
    (lambda a, gamma, eps: a[:, :2], "expected y of the same shape"),
    (lambda a, gamma, eps: None, "returned None"),
    (lambda a, gamma, eps: a @ a, "raised ValueError"),
    (lambda a, gamma, eps: _raise(), "not implemented yet"),
])
def test_rms_norm_checker(fn, expected):
    text = check_rms_norm(fn)
    assert text.startswith(expected) or expected in text, text
    if expected != "correct":
        assert not text.startswith("correct")
