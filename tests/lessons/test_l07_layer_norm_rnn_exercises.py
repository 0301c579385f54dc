"""Notebook 07's checkers: a right answer passes, and each diagnosed mistake gets its explanation."""

import numpy as np
import pytest

from normlib.lessons.l07_layer_norm_rnn import check_layer_norm, check_ln_rnn_step, check_sequence_axes


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


def right(x_t, h_prev, W_xh, W_hh, gamma, beta):
    a = x_t @ W_xh.T + h_prev @ W_hh.T
    return np.tanh(gamma * (a - a.mean(-1, keepdims=True)) / a.std(-1, keepdims=True) + beta)   # ε = 0


def summed(x_t, h_prev, W_xh, W_hh):
    return x_t @ W_xh.T + h_prev @ W_hh.T


def _raise(**_):
    raise NotImplementedError


@pytest.mark.parametrize("fn, expected", [
    (right, "correct"),
    (lambda x_t, h_prev, W_xh, W_hh, gamma, beta: np.tanh(gamma * _ln(summed(x_t, h_prev, W_xh, W_hh)) + beta), "correct"),
    (lambda x_t, h_prev, W_xh, W_hh, gamma, beta: np.tanh(gamma * _ln(summed(x_t, h_prev, W_xh, W_hh), axis=0) + beta),
     "normalized over the batch axis"),
    (lambda x_t, h_prev, W_xh, W_hh, gamma, beta: np.tanh(gamma * _ln(summed(x_t, h_prev, W_xh, W_hh), ddof=1) + beta),
     "unbiased variance"),
    (lambda x_t, h_prev, W_xh, W_hh, gamma, beta: gamma * _ln(np.tanh(summed(x_t, h_prev, W_xh, W_hh))) + beta,
     "normalized after the tanh"),
    (lambda x_t, h_prev, W_xh, W_hh, gamma, beta: np.tanh(gamma * (_ln(x_t @ W_xh.T) + _ln(h_prev @ W_hh.T)) + beta),
     "separately"),
    (lambda x_t, h_prev, W_xh, W_hh, gamma, beta: gamma * _ln(summed(x_t, h_prev, W_xh, W_hh)) + beta, "tanh is missing"),
    (lambda x_t, h_prev, W_xh, W_hh, gamma, beta: np.tanh(gamma * (_ln(summed(x_t, h_prev, W_xh, W_hh)) + beta)),
     "bias is added before the gain"),
    (lambda x_t, h_prev, W_xh, W_hh, gamma, beta: np.tanh(_ln(summed(x_t, h_prev, W_xh, W_hh))), "gain γ and bias β"),
    (lambda x_t, h_prev, W_xh, W_hh, gamma, beta: np.tanh(gamma * _ln(summed(x_t, h_prev, W_xh, W_hh), eps=1e-3) + beta),
     "your ε looks like 0.001"),
    (lambda x_t, h_prev, W_xh, W_hh, gamma, beta: np.tanh(summed(x_t, h_prev, W_xh, W_hh)), "compare with your formula"),
    (lambda x_t, h_prev, W_xh, W_hh, gamma, beta: summed(x_t, h_prev, W_xh, W_hh)[:, :2], "expected h_t of shape"),
    (lambda x_t, h_prev, W_xh, W_hh, gamma, beta: None, "returned None"),
    (lambda x_t, h_prev, W_xh, W_hh, gamma, beta: x_t @ W_hh, "raised ValueError"),
    (_raise, "not implemented yet"),
])
def test_ln_rnn_step_checker(fn, expected):
    text = check_ln_rnn_step(fn)
    assert text.startswith(expected) or expected in text
    if expected != "correct":
        assert not text.startswith("correct")


# -- layer norm's forward -------------------------------------------------------------------------
def ln_right(a, gamma, beta, eps=1e-5):
    mu = a.mean(axis=-1, keepdims=True)
    return gamma * (a - mu) / np.sqrt(a.var(axis=-1, keepdims=True) + eps) + beta


def _ln_by(a, gamma, beta, eps, axis=-1, ddof=0):
    mu = a.mean(axis=axis, keepdims=True)
    return gamma * (a - mu) / np.sqrt(a.var(axis=axis, ddof=ddof, keepdims=True) + eps) + beta


@pytest.mark.parametrize("fn, expected", [
    (ln_right, "correct"),
    (lambda a, gamma, beta, eps: _ln_by(a, gamma, beta, eps, axis=0), "over the batch axis"),
    (lambda a, gamma, beta, eps: _ln_by(a, gamma, beta, eps, axis=None), "for the whole array"),
    (lambda a, gamma, beta, eps: _ln_by(a, gamma, beta, eps, ddof=1), "unbiased variance"),
    (lambda a, gamma, beta, eps: gamma * (a - a.mean(-1, keepdims=True)) / (a.std(-1, keepdims=True) + eps) + beta,
     "outside the square root"),
    (lambda a, gamma, beta, eps: _ln_by(a, gamma, beta, 0.0), "ε is missing"),
    (lambda a, gamma, beta, eps: gamma * (a - a.mean(-1, keepdims=True)) / (a.var(-1, keepdims=True) + eps) + beta,
     "divided by the variance"),
    (lambda a, gamma, beta, eps: _ln_by(a, 1.0, 0.0, eps), "without scale and shift"),
    (lambda a, gamma, beta, eps: _ln_by(a, beta, gamma, eps), "swapped"),
    (lambda a, gamma, beta, eps: gamma * (a - a.mean(-1, keepdims=True)) + beta, "did not divide"),
    (lambda a, gamma, beta, eps: gamma * a / np.sqrt((a * a).mean(-1, keepdims=True) + eps) + beta, "RMSNorm"),
    (lambda a, gamma, beta, eps: 2 * ln_right(a, gamma, beta, eps), "compare with a[0].mean()"),
    (lambda a, gamma, beta, eps: a[:, :2], "expected y of the same shape"),
    (lambda a, gamma, beta, eps: None, "returned None"),
    (lambda a, gamma, beta, eps: "y", "must be an array of numbers"),
    (lambda a, gamma, beta, eps: a @ a, "raised ValueError"),
    (lambda a, gamma, beta, eps: _raise(), "not implemented yet"),
])
def test_layer_norm_checker(fn, expected):
    text = check_layer_norm(fn)
    assert text.startswith(expected) or expected in text, text
    if expected != "correct":
        assert not text.startswith("correct")
