"""check_undo_batch_norm and check_mean_slope (notebook 04) accept right answers and recognise each
classic mistake, one deliberately wrong solution per diagnosis."""

import numpy as np
import pytest

from normlib.lessons.l04_scale_shift_sigmoid import check_mean_slope, check_undo_batch_norm

AXES = (0, 2, 3)


# -- undo batch norm ----------------------------------------------------------------------------------
def right(x, eps):
    return np.sqrt(x.var(axis=AXES) + eps), x.mean(axis=AXES)


def right_by_reshaping(x, eps):
    flat = x.transpose(1, 0, 2, 3).reshape(x.shape[1], -1)          # one row per channel
    return list(np.sqrt(flat.var(axis=1) + eps)), list(flat.mean(axis=1))


@pytest.mark.parametrize("fn", [right, right_by_reshaping])
def test_undo_right_answers_pass(fn):
    text = check_undo_batch_norm(fn)
    assert text.startswith("correct:"), text


@pytest.mark.parametrize("fn, expected", [
    (lambda x, eps: (np.sqrt(x.var(axis=AXES, ddof=1) + eps), x.mean(axis=AXES)), "unbiased variance (ddof=1)"),
    (lambda x, eps: (x.std(axis=AXES), x.mean(axis=AXES)), "leaves out ε"),
    (lambda x, eps: (x.var(axis=AXES) + eps, x.mean(axis=AXES)), "γ is the variance σ²_B + ε"),
    (lambda x, eps: (1 / np.sqrt(x.var(axis=AXES) + eps), x.mean(axis=AXES)), "is the factor batch norm multiplies by"),
    (lambda x, eps: (np.sqrt(x.var(axis=AXES) + eps), -x.mean(axis=AXES)), "β = −μ_B has the wrong sign"),
    (lambda x, eps: (x.mean(axis=AXES), np.sqrt(x.var(axis=AXES) + eps)), "γ and β are swapped"),
    (lambda x, eps: (np.sqrt(x.var(axis=0) + eps), x.mean(axis=0)), "statistics over the examples only (axis 0)"),
    (lambda x, eps: (np.sqrt(x.var(axis=(1, 2, 3)) + eps), x.mean(axis=(1, 2, 3))), "layer norm's statistics"),
    (lambda x, eps: (np.sqrt(x.var(axis=AXES, keepdims=True) + eps), x.mean(axis=AXES)), "reduce without keepdims"),
    (lambda x, eps: (np.ones(7), np.zeros(7)), "one value per channel"),
    (lambda x, eps: (np.ones(x.shape[1]), np.zeros(x.shape[1])), "batch norm changes x by up to"),
    (lambda x, eps: right(x, eps)[0], "return a pair (gamma, beta)"),
    (lambda x, eps: x.nope, "your function raised AttributeError"),
])
def test_undo_mistakes_are_explained(fn, expected):
    text = check_undo_batch_norm(fn)
    assert text.startswith("not yet:"), text
    assert expected in text, text


def test_undo_stub_and_bad_call():
    def stub(x, eps):
        raise NotImplementedError
    assert check_undo_batch_norm(stub).startswith("not implemented yet")
    assert check_undo_batch_norm(lambda x, eps: None).startswith("not implemented yet")
    with pytest.raises(TypeError, match="fn must be your function undo_batch_norm"):
        check_undo_batch_norm(3)


# -- mean slope ---------------------------------------------------------------------------------------
def sig(x):
    return 1 / (1 + np.exp(-x))


def mean_slope(x):
    return np.mean(sig(x) * (1 - sig(x)))


def mean_slope_tanh_identity(x):
    return float(np.mean(0.25 * (1 - np.tanh(x / 2) ** 2)))         # σ'(x) = (1 − tanh²(x/2))/4


@pytest.mark.parametrize("fn", [mean_slope, mean_slope_tanh_identity, lambda x: [mean_slope(x)]])
def test_mean_slope_right_answers_pass(fn):
    text = check_mean_slope(fn)
    assert text.startswith("correct:"), text


@pytest.mark.parametrize("fn, expected", [
    (lambda x: sig(x.mean()) * (1 - sig(x.mean())), "σ' at the mean input"),
    (lambda x: np.mean(sig(x)), "the mean of σ(x) itself"),
    (lambda x: np.mean(1 - sig(x) ** 2), "derivative formula of tanh"),
    (lambda x: np.max(sig(x) * (1 - sig(x))), "the largest slope"),
    (lambda x: 0.25, "1/4 is σ'(0)"),
    (lambda x: sig(x) * (1 - sig(x)), "return their mean, one number"),
    (lambda x: np.ones(3), "return one number (the mean slope)"),
    (lambda x: 1.1 * mean_slope(x), "E[σ'(x)] is"),
    (lambda x: "0.2", "return one number"),
    (lambda x: x.nope, "your function raised AttributeError"),
])
def test_mean_slope_mistakes_are_explained(fn, expected):
    text = check_mean_slope(fn)
    assert text.startswith("not yet:"), text
    assert expected in text, text


def test_mean_slope_stub_and_bad_call():
    def stub(x):
        raise NotImplementedError
    assert check_mean_slope(stub).startswith("not implemented yet")
    with pytest.raises(TypeError, match="fn must be your function mean_sigmoid_slope"):
        check_mean_slope(None)
