"""Notebook 07's checkers: a right answer passes, and each diagnosed mistake gets its explanation."""

import numpy as np
import pytest

from normlib.lessons.l07_layer_norm_rnn import check_ln_rnn_step, check_sequence_axes


def test_sequence_axes_right_in_any_sign():
    text = check_sequence_axes({"layer": (-1,), "batch": 0})
    assert text.endswith("2/2 correct") and text.count("correct:") == 2


@pytest.mark.parametrize("answers, expected", [
    ({"layer": (0,)}, "that is batch norm's statistics"),
    ({"layer": (1, 2)}, "also averages over time"),
    ({"layer": (0, 1, 2)}, "for the whole tensor"),
    ({"layer": (1,)}, "averages each unit over time"),
    ({"batch": (2,)}, "that is layer norm"),
    ({"batch": (0, 1)}, "pools all time steps"),
    ({"batch": (0, 2)}, "mixes the units"),
    ({"batch": (1,)}, "average over ['N (examples)'] only"),
    ({"layer": "H"}, "is not a tuple of axes"),
    ({"layer": (3,)}, "is not a tuple of axes"),
    ({}, "not answered yet"),
])
def test_sequence_axes_mistakes(answers, expected):
    text = check_sequence_axes(answers)
    assert expected in text and "2/2 correct" not in text


def test_sequence_axes_bad_call():
    with pytest.raises(TypeError, match="answers must be a dict"):
        check_sequence_axes([(2,)])
    with pytest.raises(ValueError, match="unknown keys"):
        check_sequence_axes({"instance": (2,)})


def _ln(a, axis=-1, ddof=0, eps=1e-5):
    return (a - a.mean(axis=axis, keepdims=True)) / np.sqrt(a.var(axis=axis, ddof=ddof, keepdims=True) + eps)


def right(x_t, h_prev, W_xh, W_hh, g, b):
    a = x_t @ W_xh.T + h_prev @ W_hh.T
    return np.tanh(g * (a - a.mean(-1, keepdims=True)) / a.std(-1, keepdims=True) + b)   # ε = 0


def summed(x_t, h_prev, W_xh, W_hh):
    return x_t @ W_xh.T + h_prev @ W_hh.T


def _raise(**_):
    raise NotImplementedError


@pytest.mark.parametrize("fn, expected", [
    (right, "correct"),
    (lambda x_t, h_prev, W_xh, W_hh, g, b: np.tanh(g * _ln(summed(x_t, h_prev, W_xh, W_hh)) + b), "correct"),
    (lambda x_t, h_prev, W_xh, W_hh, g, b: np.tanh(g * _ln(summed(x_t, h_prev, W_xh, W_hh), axis=0) + b),
     "normalized over the batch axis"),
    (lambda x_t, h_prev, W_xh, W_hh, g, b: np.tanh(g * _ln(summed(x_t, h_prev, W_xh, W_hh), ddof=1) + b),
     "unbiased variance"),
    (lambda x_t, h_prev, W_xh, W_hh, g, b: g * _ln(np.tanh(summed(x_t, h_prev, W_xh, W_hh))) + b,
     "normalized after the tanh"),
    (lambda x_t, h_prev, W_xh, W_hh, g, b: np.tanh(g * (_ln(x_t @ W_xh.T) + _ln(h_prev @ W_hh.T)) + b),
     "separately"),
    (lambda x_t, h_prev, W_xh, W_hh, g, b: g * _ln(summed(x_t, h_prev, W_xh, W_hh)) + b, "tanh is missing"),
    (lambda x_t, h_prev, W_xh, W_hh, g, b: np.tanh(g * (_ln(summed(x_t, h_prev, W_xh, W_hh)) + b)),
     "bias is added before the gain"),
    (lambda x_t, h_prev, W_xh, W_hh, g, b: np.tanh(_ln(summed(x_t, h_prev, W_xh, W_hh))), "gain g and bias b"),
    (lambda x_t, h_prev, W_xh, W_hh, g, b: np.tanh(g * _ln(summed(x_t, h_prev, W_xh, W_hh), eps=1e-3) + b),
     "your ε looks like 0.001"),
    (lambda x_t, h_prev, W_xh, W_hh, g, b: np.tanh(summed(x_t, h_prev, W_xh, W_hh)), "compare with your formula"),
    (lambda x_t, h_prev, W_xh, W_hh, g, b: summed(x_t, h_prev, W_xh, W_hh)[:, :2], "expected h_t of shape"),
    (lambda x_t, h_prev, W_xh, W_hh, g, b: None, "returned None"),
    (lambda x_t, h_prev, W_xh, W_hh, g, b: x_t @ W_hh, "raised ValueError"),
    (_raise, "not implemented yet"),
])
def test_ln_rnn_step_checker(fn, expected):
    text = check_ln_rnn_step(fn)
    assert text.startswith(expected) or expected in text
    if expected != "correct":
        assert not text.startswith("correct")
